import { createSlackService, memorySlackThreadStore, type SlackThreadHead } from '../../src/services';
import { slackFake, type ContractFake } from './ContractFakes';
import { failure, instance, ok, send } from './SendHarness';

const TOKEN = 'xoxb-111-222-slacktokensecret';

describe('slack service, against a recorded-contract fake of the Web API', () => {
  let fake: ContractFake;
  const slackInstance = (extra: Record<string, unknown> = {}) => instance('slack', { token: TOKEN, apiURL: `${fake.url}/api/`, ...extra });
  beforeEach(async () => {
    fake = await slackFake(TOKEN);
  });
  afterEach(() => fake.close());

  it('posts chat.postMessage with the bearer token, channel, text, attachments and blocks parsed from JSON', async () => {
    const slack = createSlackService();
    const notification = {
      message: 'Rollout demo has been completed.',
      slack: { attachments: '[{"title":"demo","color":"#18be52","fields":[{"title":"Strategy","value":"Canary","short":true}]}]', blocks: '[{"type":"divider"}]' },
    };
    ok(await send(slack, slackInstance({ username: 'rollouts', icon: ':rocket:', disableUnfurl: true }), notification, '#deploys'));
    expect(fake.seen).toHaveLength(1);
    const req = fake.seen[0]!;
    expect(req.method).toBe('POST');
    expect(req.url).toBe('/api/chat.postMessage');
    expect(req.headers['authorization']).toBe(`Bearer ${TOKEN}`);
    expect(req.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(JSON.parse(req.body)).toEqual({
      channel: '#deploys',
      text: 'Rollout demo has been completed.',
      attachments: [{ title: 'demo', color: '#18be52', fields: [{ title: 'Strategy', value: 'Canary', short: true }] }],
      blocks: [{ type: 'divider' }],
      username: 'rollouts',
      icon_emoji: ':rocket:',
      unfurl_links: false,
      unfurl_media: false,
    });
  });

  it("the template's username and an icon URL win over the service's", async () => {
    ok(await send(createSlackService(), slackInstance({ username: 'svc', icon: ':x:' }), { message: 'm', slack: { username: 'tpl', icon: 'https://example.com/i.png' } }, 'C1'));
    expect(fake.jsonBodies()[0]).toMatchObject({ username: 'tpl', icon_url: 'https://example.com/i.png' });
  });

  it('groupingKey with the default Post policy: the first message starts a thread, later ones reply in it', async () => {
    const slack = createSlackService();
    const n = (m: string) => ({ message: m, slack: { groupingKey: 'demo-rev-3' } });
    ok(await send(slack, slackInstance(), n('updated'), '#deploys'));
    ok(await send(slack, slackInstance(), n('step 1 done'), '#deploys'));
    ok(await send(slack, slackInstance(), { message: 'step 2 done', slack: { groupingKey: 'demo-rev-3', notifyBroadcast: true } }, '#deploys'));
    ok(await send(slack, slackInstance(), n('other channel'), '#other'));
    const bodies = fake.jsonBodies() as Array<Record<string, unknown>>;
    expect(fake.seen.map((r) => r.url)).toEqual(Array(4).fill('/api/chat.postMessage'));
    expect(bodies[0]!['thread_ts']).toBeUndefined();
    expect(bodies[1]).toMatchObject({ text: 'step 1 done', thread_ts: '1700000000.000001' });
    expect(bodies[1]!['reply_broadcast']).toBeUndefined();
    expect(bodies[2]).toMatchObject({ thread_ts: '1700000000.000001', reply_broadcast: true });
    expect(bodies[3]!['thread_ts']).toBeUndefined();
  });

  it('PostAndUpdate replies in the thread and updates the first message; Update only updates it', async () => {
    const slack = createSlackService();
    ok(await send(slack, slackInstance(), { message: 'v1', slack: { groupingKey: 'g', deliveryPolicy: 'PostAndUpdate' } }, '#d'));
    ok(await send(slack, slackInstance(), { message: 'v2', slack: { groupingKey: 'g', deliveryPolicy: 'PostAndUpdate' } }, '#d'));
    ok(await send(slack, slackInstance(), { message: 'v3', slack: { groupingKey: 'g', deliveryPolicy: 'Update' } }, '#d'));
    expect(fake.seen.map((r) => r.url)).toEqual(['/api/chat.postMessage', '/api/chat.postMessage', '/api/chat.update', '/api/chat.update']);
    const bodies = fake.jsonBodies() as Array<Record<string, unknown>>;
    expect(bodies[1]).toMatchObject({ text: 'v2', thread_ts: '1700000000.000001' });
    // chat.update addresses the message by the channel ID Slack answered with, not the name.
    expect(bodies[2]).toEqual({ channel: 'C0TESTCHAN', ts: '1700000000.000001', text: 'v2' });
    expect(bodies[3]).toEqual({ channel: 'C0TESTCHAN', ts: '1700000000.000001', text: 'v3' });
  });

  it('remembers threads per process only: a new service (a restarted controller) starts a new first message', async () => {
    ok(await send(createSlackService(), slackInstance(), { message: 'a', slack: { groupingKey: 'g', deliveryPolicy: 'Update' } }, '#d'));
    ok(await send(createSlackService(), slackInstance(), { message: 'b', slack: { groupingKey: 'g', deliveryPolicy: 'Update' } }, '#d'));
    expect(fake.seen.map((r) => r.url)).toEqual(['/api/chat.postMessage', '/api/chat.postMessage']);
  });

  it('a store passed in keeps threads across service instances (a restart with a persistent store)', async () => {
    const saved = new Map<string, SlackThreadHead>();
    const store = { get: (k: string) => saved.get(k), set: (k: string, h: SlackThreadHead) => void saved.set(k, h) };
    ok(await send(createSlackService(store), slackInstance(), { message: 'a', slack: { groupingKey: 'g' } }, '#d'));
    ok(await send(createSlackService(store), slackInstance(), { message: 'b', slack: { groupingKey: 'g' } }, '#d'));
    expect((fake.jsonBodies()[1] as Record<string, unknown>)['thread_ts']).toBe('1700000000.000001');
    expect([...saved.values()]).toEqual([{ channel: 'C0TESTCHAN', ts: '1700000000.000001' }]);
  });

  it('the memory store drops the least recently used key past its bound', () => {
    const store = memorySlackThreadStore(2);
    store.set('a', { channel: 'C', ts: '1' });
    store.set('b', { channel: 'C', ts: '2' });
    store.set('a', { channel: 'C', ts: '1' });
    store.set('c', { channel: 'C', ts: '3' });
    expect([store.get('a')?.ts, store.get('b')?.ts, store.get('c')?.ts]).toEqual(['1', undefined, '3']);
  });

  it('invalid_auth (HTTP 200, ok:false) is a permanent error naming the service and channel, never the token', async () => {
    const err = failure(await send(createSlackService(), instance('slack', { token: 'xoxb-wrong-token-value', apiURL: `${fake.url}/api` }, 'team-a'), { message: 'm' }, '#deploys'));
    expect(err).toEqual({ retryable: false, message: 'slack "team-a" to #deploys: Slack chat.postMessage failed: invalid_auth' });
  });

  it('ratelimited, HTTP 429 and 5xx are retryable', async () => {
    fake.override({ status: 200, body: '{"ok":false,"error":"ratelimited"}' });
    fake.override({ status: 429, body: '', headers: { 'Retry-After': '30' } });
    fake.override({ status: 503, body: 'upstream down' });
    const results = [];
    for (let i = 0; i < 3; i++) results.push(failure(await send(createSlackService(), slackInstance(), { message: 'm' }, '#d')));
    expect(results.map((e) => e.retryable)).toEqual([true, true, true]);
    expect(results[1]!.message).toContain('HTTP 429, retry after 30 s');
    expect(results[2]!.message).toContain('HTTP 503');
  });

  it('a timeout is retryable; an error body quoting the token has it removed', async () => {
    fake.override('hang');
    const timedOut = failure(await send(createSlackService(), slackInstance(), { message: 'm' }, '#d', 300));
    expect(timedOut).toMatchObject({ retryable: true });
    expect(timedOut.message).toContain('did not answer within 0.3 s');
    fake.override({ status: 400, body: `bad request with Authorization: Bearer ${TOKEN}` });
    const quoted = failure(await send(createSlackService(), slackInstance(), { message: 'm' }, '#d'));
    expect(quoted.message).not.toContain(TOKEN);
    expect(quoted.message).toContain('Bearer ***');
  });

  it('bad template JSON and an unknown deliveryPolicy are permanent errors naming the field; nothing is sent', async () => {
    const a = failure(await send(createSlackService(), slackInstance(), { message: 'm', slack: { attachments: '[{"title": }]' } }, '#d'));
    expect(a.retryable).toBe(false);
    expect(a.message).toContain('slack to #d: template field attachments is not valid JSON');
    const p = failure(await send(createSlackService(), slackInstance(), { message: 'm', slack: { deliveryPolicy: 'Replace' } }, '#d'));
    expect(p.message).toBe('slack to #d: template field slack.deliveryPolicy: expected one of Post, PostAndUpdate, Update, found "Replace"');
    expect(fake.seen).toHaveLength(0);
  });

  it('validates: token required, apiURL a URL, channels a list', () => {
    expect(createSlackService().validate(instance('slack', { apiURL: 'not a url', channels: 'x', disableUnfurl: 'yes' }))).toEqual([
      { key: 'service.slack', message: 'token: required' },
      { key: 'service.slack', message: 'apiURL: expected an http:// or https:// URL' },
      { key: 'service.slack', message: 'disableUnfurl: expected true or false, found a string' },
      { key: 'service.slack', message: 'channels: expected a list of channel names, found a string' },
    ]);
    expect(createSlackService().validate(instance('slack', { token: 'xoxb-1', channels: ['a'] }))).toEqual([]);
  });
});
