import { googleChatService, grafanaService, mattermostService } from '../../src/services';
import { googleChatFake, grafanaFake, mattermostFake, type ContractFake } from './ContractFakes';
import { failure, instance, ok, send, sendContext } from './SendHarness';

describe('mattermost service, against a recorded-contract fake of API v4', () => {
  let fake: ContractFake;
  beforeEach(async () => {
    fake = await mattermostFake('mm-token-1');
  });
  afterEach(() => fake.close());

  it('POSTs /api/v4/posts with the bearer token, channel_id, message and props.attachments', async () => {
    ok(await send(mattermostService, instance('mattermost', { apiURL: `${fake.url}/`, token: 'mm-token-1' }), { message: 'done', mattermost: { attachments: '[{"title":"demo","color":"#18be52"}]' } }, 'ch1'));
    expect(fake.seen[0]).toMatchObject({ method: 'POST', url: '/api/v4/posts' });
    expect(fake.seen[0]!.headers['authorization']).toBe('Bearer mm-token-1');
    expect(fake.jsonBodies()[0]).toEqual({ channel_id: 'ch1', message: 'done', props: { attachments: [{ title: 'demo', color: '#18be52' }] } });
  });

  it('a wrong token is a permanent error that does not contain it', async () => {
    const err = failure(await send(mattermostService, instance('mattermost', { apiURL: fake.url, token: 'mm-wrong-token' }), { message: 'm' }, 'ch1'));
    expect(err.retryable).toBe(false);
    expect(err.message).toContain('mattermost to ch1');
    expect(err.message).toContain('HTTP 401');
    expect(err.message).not.toContain('mm-wrong-token');
  });

  it('validates apiURL and token', () => {
    expect(mattermostService.validate(instance('mattermost', {})).map((p) => p.message)).toEqual(['apiURL: required', 'token: required']);
  });
});

describe('googlechat service, against a recorded-contract fake of an incoming webhook', () => {
  let fake: ContractFake;
  beforeEach(async () => {
    fake = await googleChatFake('K3Y', 'T0KEN');
  });
  afterEach(() => fake.close());
  const inst = () => instance('googlechat', { webhooks: { space: `${fake.url}/v1/spaces/AAAA/messages?key=K3Y&token=T0KEN` } });

  it('sends {text} to the webhook of the recipient', async () => {
    ok(await send(googleChatService, inst(), { message: 'Rollout demo has been completed.' }, 'space'));
    expect(fake.seen[0]).toMatchObject({ method: 'POST', url: '/v1/spaces/AAAA/messages?key=K3Y&token=T0KEN' });
    expect(fake.seen[0]!.headers['content-type']).toBe('application/json; charset=UTF-8');
    expect(fake.jsonBodies()[0]).toEqual({ text: 'Rollout demo has been completed.' });
  });

  it('sends cardsV2 (or cards) instead of text, and a threadKey as a reply option on the URL', async () => {
    const cardsV2 = [{ cardId: 'c', card: { header: { title: 'demo' } } }];
    ok(await send(googleChatService, inst(), { message: 'm', googlechat: { cardsV2: JSON.stringify(cardsV2), threadKey: 'demo-rev-3' } }, 'space'));
    ok(await send(googleChatService, inst(), { message: 'm', googlechat: { cards: '[{"header":{"title":"v1"}}]' } }, 'space'));
    const first = new URL(fake.seen[0]!.url, 'http://x');
    expect(first.searchParams.get('threadKey')).toBe('demo-rev-3');
    expect(first.searchParams.get('messageReplyOption')).toBe('REPLY_MESSAGE_FALLBACK_TO_NEW_THREAD');
    expect(first.searchParams.get('key')).toBe('K3Y');
    expect(fake.jsonBodies()).toEqual([{ cardsV2 }, { cards: [{ header: { title: 'v1' } }] }]);
  });

  it('an unknown space is a permanent error', async () => {
    expect(failure(await send(googleChatService, inst(), { message: 'm' }, 'other'))).toEqual({ retryable: false, message: 'googlechat to other: webhooks has no entry "other"' });
  });
});

describe('grafana service, against a recorded-contract fake of the annotations API', () => {
  let fake: ContractFake;
  beforeEach(async () => {
    fake = await grafanaFake('glsa_1');
  });
  afterEach(() => fake.close());

  it('POSTs an annotation at the send time, tags split on |, text = message', async () => {
    const { ctx } = sendContext(5000, () => 1_765_155_600_000);
    const r = await grafanaService.send(ctx, instance('grafana', { apiUrl: `${fake.url}/api`, apiKey: 'glsa_1' }), { message: 'Rollout demo updated' }, 'rollouts|demo|prod')();
    expect(r._tag).toBe('Right');
    expect(fake.seen[0]!.headers['authorization']).toBe('Bearer glsa_1');
    expect(fake.jsonBodies()[0]).toEqual({ time: 1_765_155_600_000, isRegion: false, tags: ['rollouts', 'demo', 'prod'], text: 'Rollout demo updated' });
  });

  it('validates apiUrl and apiKey', () => {
    expect(grafanaService.validate(instance('grafana', { apiUrl: 'grafana' }, 'g')).map((p) => `${p.key}: ${p.message}`)).toEqual([
      'service.grafana.g: apiUrl: expected an http:// or https:// URL',
      'service.grafana.g: apiKey: required',
    ]);
  });
});
