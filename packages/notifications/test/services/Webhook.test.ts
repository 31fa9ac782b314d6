import * as E from 'fp-ts/lib/Either';
import { closedPort } from '@rollouts/plugin-http/testing';
import { parseGoDuration, webhookBackoff, webhookService } from '../../src/services';
import { startContractFake, type ContractFake } from './ContractFakes';
import { failure, instance, ok, send, sendContext } from './SendHarness';

/** A generic receiver: any method and path, 200. Webhooks have no fixed wire format beyond HTTP. */
const receiver = () => startContractFake('webhook receiver', () => ({ status: 200, body: 'ok' }));

describe('webhook service', () => {
  let fake: ContractFake;
  beforeEach(async () => {
    fake = await receiver();
  });
  afterEach(() => fake.close());

  it('sends a GET to url with the message as the body by default, with the configured headers and basic auth', async () => {
    const inst = instance('webhook', { url: `${fake.url}/hooks/rollouts`, headers: [{ name: 'X-Team', value: 'payments' }], basicAuth: { username: 'bot', password: 's3cr3t-pass' } });
    ok(await send(webhookService, inst, { message: 'Rollout demo has been completed.' }, ''));
    expect(fake.seen).toHaveLength(1);
    const req = fake.seen[0]!;
    expect(req.method).toBe('GET');
    expect(req.url).toBe('/hooks/rollouts');
    expect(req.body).toBe('Rollout demo has been completed.');
    expect(req.headers['x-team']).toBe('payments');
    expect(req.headers['authorization']).toBe(`Basic ${Buffer.from('bot:s3cr3t-pass').toString('base64')}`);
  });

  it("uses the template's webhook.<name> method, path and body", async () => {
    const inst = instance('webhook', { url: `${fake.url}/api/` }, 'github-hook');
    const notification = { message: 'ignored', webhook: { 'github-hook': { method: 'POST', path: '/repos/o/r/dispatches', body: '{"event_type":"rollout"}' }, other: { method: 'PUT' } } };
    ok(await send(webhookService, inst, notification, ''));
    expect(fake.seen[0]).toMatchObject({ method: 'POST', url: '/api/repos/o/r/dispatches', body: '{"event_type":"rollout"}' });
  });

  it('retries 5xx and 429 up to retryMax, then succeeds', async () => {
    fake.override({ status: 503, body: 'busy' });
    fake.override({ status: 429, body: 'slow down' });
    const inst = instance('webhook', { url: fake.url, retryWaitMin: '10ms', retryWaitMax: '20ms' });
    ok(await send(webhookService, inst, { message: 'm' }, ''));
    expect(fake.seen).toHaveLength(3);
  });

  it('gives up after retryMax + 1 attempts with a retryable error naming the service', async () => {
    for (let i = 0; i < 5; i++) fake.override({ status: 500, body: 'boom' });
    const inst = instance('webhook', { url: fake.url, retryMax: 2, retryWaitMin: '5ms', retryWaitMax: '5ms' }, 'audit');
    const err = failure(await send(webhookService, inst, { message: 'm' }, ''));
    expect(fake.seen).toHaveLength(3);
    expect(err.retryable).toBe(true);
    expect(err.message).toContain('webhook "audit"');
    expect(err.message).toContain('HTTP 500');
    expect(err.message).toContain('after 3 attempts');
  });

  it('does not retry other non-2xx statuses: 404 is a permanent error at once', async () => {
    fake.override({ status: 404, body: 'no such hook' });
    const err = failure(await send(webhookService, instance('webhook', { url: fake.url, retryWaitMin: '5ms' }), { message: 'm' }, ''));
    expect(fake.seen).toHaveLength(1);
    expect(err).toMatchObject({ retryable: false });
    expect(err.message).toContain('HTTP 404');
  });

  it('retries a refused connection, and the error is retryable', async () => {
    const port = await closedPort();
    const err = failure(await send(webhookService, instance('webhook', { url: `http://127.0.0.1:${port}/x`, retryMax: 1, retryWaitMin: '5ms', retryWaitMax: '5ms' }), { message: 'm' }, ''));
    expect(err.retryable).toBe(true);
    expect(err.message).toMatch(/could not reach http:\/\/127\.0\.0\.1:\d+: ECONNREFUSED/);
    expect(err.message).toContain('after 2 attempts');
  });

  it('times out an attempt that gets no answer (retryable), bounded by the send timeout', async () => {
    fake.override('hang');
    const t0 = Date.now();
    const err = failure(await send(webhookService, instance('webhook', { url: fake.url, retryMax: 0 }), { message: 'm' }, '', 300));
    expect(Date.now() - t0).toBeLessThan(3000);
    expect(err.retryable).toBe(true);
    expect(err.message).toContain('did not answer within 0.3 s');
  });

  it('stops retrying when the send is cancelled', async () => {
    for (let i = 0; i < 4; i++) fake.override({ status: 502 });
    const { ctx, abort } = sendContext();
    const pending = webhookService.send(ctx, instance('webhook', { url: fake.url, retryWaitMin: '2s', retryWaitMax: '2s' }), { message: 'm' }, '')();
    setTimeout(abort, 200);
    const t0 = Date.now();
    const r = await pending;
    expect(Date.now() - t0).toBeLessThan(1500);
    expect(E.isLeft(r) && r.left.retryable).toBe(true);
    expect(fake.seen).toHaveLength(1);
  });

  it('never puts the URL path/query, header values or the basic auth password in an error', async () => {
    fake.override({ status: 401, body: 'denied for token=tok-in-query-123 and password s3cr3t-pass and header hdr-secret-999' });
    const inst = instance('webhook', { url: `${fake.url}/hook/path-secret-777?token=tok-in-query-123`, headers: [{ name: 'Authorization', value: 'hdr-secret-999' }], basicAuth: { username: 'u', password: 's3cr3t-pass' } });
    const err = failure(await send(webhookService, inst, { message: 'm' }, ''));
    expect(err.retryable).toBe(false);
    expect(err.message).toContain('refused the credentials (HTTP 401)');
    for (const s of ['tok-in-query-123', 's3cr3t-pass', 'hdr-secret-999', 'path-secret-777']) expect(err.message).not.toContain(s);
  });

  it('validates options, naming the key and the option', () => {
    expect(webhookService.validate(instance('webhook', {}))).toEqual([{ key: 'service.webhook', message: 'url: required' }]);
    const problems = webhookService.validate(
      instance('webhook', { url: 'ftp://x', headers: [{ value: 'v' }, 'x'], basicAuth: { password: 'p' }, retryMax: -1, retryWaitMin: '10', retryWaitMax: '1s' }, 'ci'),
    );
    expect(problems.map((p) => p.key)).toEqual(Array(6).fill('service.webhook.ci'));
    expect(problems.map((p) => p.message)).toEqual([
      'url: expected an http:// or https:// URL',
      'headers[0].name: required',
      'headers[1]: expected {name, value}, found a string',
      'basicAuth.username: required',
      'retryMax: expected a whole number from 0 to 100, found -1',
      'retryWaitMin: expected a duration such as 1s or 500ms, found "10"',
    ]);
    expect(webhookService.validate(instance('webhook', { url: 'https://h/x', retryWaitMin: '10s', retryWaitMax: '5s' }))).toEqual([{ key: 'service.webhook', message: 'retryWaitMin: is longer than retryWaitMax' }]);
  });
});

describe('webhook retry timing (Argo defaults: 3 retries, 1s..5s)', () => {
  it.each([
    ['1s', 1000],
    ['500ms', 500],
    ['1m30s', 90_000],
    ['1.5s', 1500],
    ['0', 0],
    ['10', undefined],
    ['s', undefined],
    ['1x', undefined],
  ])('parses the Go duration %s', (text, ms) => expect(parseGoDuration(text)).toBe(ms));

  it('doubles from retryWaitMin up to retryWaitMax, and honours a Retry-After in range', () => {
    expect([0, 1, 2, 3, 4].map((a) => webhookBackoff(a, 1000, 5000))).toEqual([1000, 2000, 4000, 5000, 5000]);
    expect(webhookBackoff(0, 1000, 5000, '3')).toBe(3000);
    expect(webhookBackoff(0, 1000, 5000, '60')).toBe(1000);
  });
});
