/**
 * The kayenta provider against the recorded-contract fake of Kayenta's canary API (FakeKayenta.ts): the
 * requests it sends, a judgement followed across polls and across provider instances (a controller restart),
 * the score against the thresholds, and every failure a user can meet.
 */
import type * as http from 'node:http';
import { closedPort, startHttpServer } from '@rollouts/plugin-http/testing';
import { createKayentaMetricProvider, kayentaMetricProvider, CANARY_EXECUTION_ID_KEY, FAILED_POLLS_KEY, JUDGEMENT_STARTED_AT_KEY, LAST_POLL_ERROR_KEY } from '../src';
import { CONFIG_ID, startFakeKayenta, type FakeKayenta } from './FakeKayenta';
import { judge, kayentaConfig, left, NOW, pendingMetadata, right } from './KayentaHarness';

let fake: FakeKayenta;
beforeEach(async () => {
  fake = await startFakeKayenta();
});
afterEach(async () => {
  await fake.close();
});

const plugin = createKayentaMetricProvider({ pollIntervalMs: 15_000, timeoutMs: 2_000, judgementTimeoutMs: 10 * 60_000 });
const answer = (status: number, body: string, headers: Record<string, string> = {}) => (_req: unknown, res: http.ServerResponse) => {
  res.writeHead(status, { 'Content-Type': 'application/json', ...headers });
  res.end(body);
  return true;
};

describe('starting a judgement', () => {
  it('looks the config up by name, POSTs the scopes and thresholds, and answers Pending with the execution id', async () => {
    const r = await judge(plugin, kayentaConfig(fake.url)).run();
    const o = right(r);
    expect(o).toMatchObject({ _tag: 'Pending', resumeAt: NOW + 15_000 });
    const metadata = pendingMetadata(r);
    expect(metadata).toEqual({ [CANARY_EXECUTION_ID_KEY]: '01DS50WVHAWSTAQACJKB1VK001', canaryConfigId: CONFIG_ID, [JUDGEMENT_STARTED_AT_KEY]: '2019-03-29T01:38:34.000Z' });
    expect(fake.violations).toEqual([]);
    expect(fake.seen.map((s) => `${s.method} ${s.url}`)).toEqual([
      'GET /canaryConfig?application=guestbook&configurationAccountName=config-store',
      `POST /canary/${CONFIG_ID}?application=guestbook&metricsAccountName=prometheus-account&configurationAccountName=config-store&storageAccountName=results-store`,
    ]);
    // Without start/end, the window is [now - the metric's interval (30m), now], in RFC 3339 seconds.
    expect(JSON.parse(fake.posts()[0]!.body)).toEqual({
      scopes: {
        default: {
          controlScope: { scope: 'app=guestbook and rollouts-pod-template-hash=stable1', location: 'us-west-2', step: 60, start: '2019-03-29T01:08:34Z', end: '2019-03-29T01:38:34Z' },
          experimentScope: { scope: 'app=guestbook and rollouts-pod-template-hash=canary1', location: 'us-west-2', step: 60, start: '2019-03-29T01:08:34Z', end: '2019-03-29T01:38:34Z' },
        },
      },
      thresholds: { pass: 90, marginal: 75 },
    });
  });

  it('sends explicit scope times as given, and with lookback starts the window at the AnalysisRun start', async () => {
    const times = { start: '2019-03-29T00:00:00Z', end: '2019-03-29T00:30:00Z' };
    const config = kayentaConfig(fake.url);
    const explicit = { ...config, scopes: [{ ...config.scopes[0]!, controlScope: { ...config.scopes[0]!.controlScope, ...times }, experimentScope: { ...config.scopes[0]!.experimentScope, ...times } }] };
    right(await judge(plugin, explicit, {}).run());
    right(await judge(plugin, { ...config, lookback: true }, {}, { status: { phase: 'Running', startedAt: '2019-03-29T01:20:00Z' } } as never).run());
    const [a, b] = fake.posts().map((p) => JSON.parse(p.body).scopes.default.controlScope);
    expect([a.start, a.end]).toEqual([times.start, times.end]);
    expect([b.start, b.end]).toEqual(['2019-03-29T01:20:00Z', '2019-03-29T01:38:34Z']);
    expect(fake.violations).toEqual([]);
  });

  it('escapes query values (upstream sends them raw)', async () => {
    const seen: string[] = [];
    const server = await startHttpServer((req, res) => {
      seen.push(req.url);
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end('[]');
    });
    try {
      const e = left(await judge(plugin, { ...kayentaConfig(server.url), application: 'guest book&x=1' }).run());
      expect(seen[0]).toBe('/canaryConfig?application=guest%20book%26x%3D1&configurationAccountName=config-store');
      expect(e).toMatchObject({ _tag: 'PluginConfigInvalid', path: 'provider.kayenta.canaryConfigName' });
      expect(e.message).toContain('Canary config not found: no canary config named "guestbook-canary" (found none)');
    } finally {
      await server.close();
    }
  });

  it.each([
    ['an empty interval', {}, 'interval', 'Invalid duration'],
    ['a start without an end', 'half', 'provider.kayenta.scopes[0].controlScope.end', 'set both start and end, or neither'],
    ['a time that is not RFC 3339', 'bad-time', 'provider.kayenta.scopes[0].controlScope.start', 'is not an RFC 3339 time'],
    ['marginal above pass', 'thresholds', 'provider.kayenta.threshold.marginal', 'must not be above threshold.pass'],
    ['no scopes', 'no-scopes', 'provider.kayenta.scopes', 'needs at least one scope'],
    ['lookback before the run started', 'lookback', 'provider.kayenta.lookback', 'no status.startedAt'],
  ])('refuses %s without calling Kayenta, naming the field', async (_what, variant, path, message) => {
    const base = kayentaConfig(fake.url);
    const scope = base.scopes[0]!;
    const config =
      variant === 'half'
        ? { ...base, scopes: [{ ...scope, controlScope: { ...scope.controlScope, start: '2019-03-29T00:00:00Z' } }] }
        : variant === 'bad-time'
          ? { ...base, scopes: [{ ...scope, controlScope: { ...scope.controlScope, start: 'yesterday', end: '2019-03-29T00:00:00Z' } }] }
          : variant === 'thresholds'
            ? { ...base, threshold: { pass: 60, marginal: 80 } }
            : variant === 'no-scopes'
              ? { ...base, scopes: [] }
              : variant === 'lookback'
                ? { ...base, lookback: true }
                : base;
    const e = left(await judge(plugin, config, typeof variant === 'object' ? (variant as Record<string, unknown>) : { interval: '5m' }).run());
    expect(e).toMatchObject({ _tag: 'PluginConfigInvalid', path });
    expect(e.message).toContain(message);
    expect(fake.seen).toEqual([]);
  });
});

describe('following a judgement', () => {
  it('stays Pending while the judgement is not complete, then judges the score; one POST in all', async () => {
    fake.next = { pollsBeforeComplete: 2, score: 93.9 };
    const j = judge(plugin, kayentaConfig(fake.url));
    const metadata = pendingMetadata(await j.run());
    expect(right(await j.resume(metadata, NOW + 15_000))).toEqual({ _tag: 'Pending', resumeAt: NOW + 30_000, metadata });
    expect(right(await j.resume(metadata, NOW + 30_000))).toMatchObject({ _tag: 'Pending', resumeAt: NOW + 45_000 });
    expect(right(await j.resume(metadata, NOW + 45_000))).toEqual({ _tag: 'Verdict', phase: 'Successful', value: 93, metadata: { [CANARY_EXECUTION_ID_KEY]: metadata[CANARY_EXECUTION_ID_KEY] } });
    expect(fake.posts()).toHaveLength(1);
    expect(fake.seen.filter((s) => s.method === 'GET' && s.url.startsWith('/canary/')).map((s) => s.url)).toEqual(Array(3).fill(`/canary/${metadata[CANARY_EXECUTION_ID_KEY]}`));
  });

  it('a new provider instance (a restarted controller) finishes the judgement from the stored metadata alone', async () => {
    fake.next = { pollsBeforeComplete: 1, score: 91 };
    const metadata = pendingMetadata(await judge(createKayentaMetricProvider(), kayentaConfig(fake.url)).run());
    // Only what the status holds survives: a JSON round trip of the metadata, a brand-new plugin object.
    const stored = JSON.parse(JSON.stringify(metadata)) as Record<string, string>;
    const after = judge(createKayentaMetricProvider(), kayentaConfig(fake.url));
    expect(right(await after.resume(stored, NOW + 15_000))._tag).toBe('Pending');
    expect(right(await after.resume(stored, NOW + 30_000))).toMatchObject({ _tag: 'Verdict', phase: 'Successful', value: 91 });
    expect(fake.posts()).toHaveLength(1);
  });

  it.each([
    [100, 'Successful'],
    [90.99, 'Successful'],
    [89.99, 'Inconclusive'],
    [75, 'Inconclusive'],
    [74.9, 'Failed'],
    [0, 'Failed'],
  ])('score %d with pass 90 and marginal 75 is %s', async (score, phase) => {
    fake.next = { pollsBeforeComplete: 0, score };
    const j = judge(plugin, kayentaConfig(fake.url));
    const o = right(await j.resume(pendingMetadata(await j.run())));
    expect(o).toMatchObject({ _tag: 'Verdict', phase, value: Math.trunc(score) });
    if (phase !== 'Successful') expect(o._tag === 'Verdict' && o.message).toContain(`kayenta score ${Math.trunc(score)} is below the`);
  });

  it('a judgement completed without a score is an error (Missing Score), not a pass', async () => {
    fake.next = { pollsBeforeComplete: 0 };
    const j = judge(plugin, kayentaConfig(fake.url));
    const e = left(await j.resume(pendingMetadata(await j.run())));
    expect(e).toMatchObject({ _tag: 'ProviderResponseInvalid' });
    expect(e.message).toMatch(/^Missing Score: kayenta judgement 01DS50WVHAWSTAQACJKB1VK001 completed without a score \(status terminal\): .*metrics account not found/);
  });

  it('a judgement that never completes is an Error once the judgement timeout has passed since the POST', async () => {
    fake.next = { pollsBeforeComplete: 1_000, score: 99 };
    const j = judge(plugin, kayentaConfig(fake.url));
    const metadata = pendingMetadata(await j.run());
    expect(right(await j.resume(metadata, NOW + 9 * 60_000))._tag).toBe('Pending');
    const e = left(await j.resume(metadata, NOW + 10 * 60_000));
    expect(e).toMatchObject({ _tag: 'ProviderTimeout' });
    expect(e.message).toBe('kayenta judgement 01DS50WVHAWSTAQACJKB1VK001 is still not complete 600 s after it was requested (limit 600 s); the measurement is an Error and the next one starts a new judgement');
  });

  it('a measurement without an execution id in its metadata is an error naming the key', async () => {
    const e = left(await judge(plugin, kayentaConfig(fake.url)).resume({}));
    expect(e.message).toContain('has no canaryExecutionId in its metadata');
    expect(fake.seen).toEqual([]);
  });

  it('an execution id Kayenta does not know (404) is an error', async () => {
    const e = left(await judge(plugin, kayentaConfig(fake.url)).resume({ [CANARY_EXECUTION_ID_KEY]: 'gone' }));
    expect(e).toMatchObject({ _tag: 'ProviderResponseInvalid' });
    expect(e.message).toContain("Invalid Response: HTTP 404 from kayenta at");
    expect(e.message).toContain("Unable to resolve canary execution id 'gone'");
  });

  it('terminate stops waiting without calling Kayenta and answers Inconclusive', async () => {
    const j = judge(plugin, kayentaConfig(fake.url));
    const metadata = pendingMetadata(await j.run());
    const before = fake.seen.length;
    const o = right(await j.terminate(metadata));
    expect(o).toMatchObject({ _tag: 'Verdict', phase: 'Inconclusive' });
    expect(o._tag === 'Verdict' && o.message).toContain('kayenta judgement 01DS50WVHAWSTAQACJKB1VK001 of metric "canary-judge" is no longer waited for');
    expect(fake.seen.length).toBe(before);
  });
});

describe('failures', () => {
  it.each([
    [401, 'ProviderResponseInvalid', 'sends no credentials'],
    [403, 'ProviderResponseInvalid', 'sends no credentials'],
    [429, 'ProviderUnavailable', 'rate limited'],
    [503, 'ProviderUnavailable', 'HTTP 503'],
    [400, 'ProviderResponseInvalid', 'HTTP 400'],
  ])('HTTP %d on the POST is %s', async (status, tag, text) => {
    fake.override = (req, res) => req.method === 'POST' && answer(status, '{"error":"nope"}', status === 429 ? { 'Retry-After': '30' } : {})(req, res);
    const e = left(await judge(plugin, kayentaConfig(fake.url)).run());
    expect(e._tag).toBe(tag);
    expect(e.retryable).toBe(tag === 'ProviderUnavailable');
    expect(e.message).toContain(`Invalid Response: HTTP ${status} from kayenta at ${fake.url} (starting the judgement)`);
    expect(e.message).toContain(text);
  });

  it('transient poll failures (5xx, 429, timeout) keep the judgement Pending, then an Error after 4 in a row: never a second POST', async () => {
    const j = judge(plugin, kayentaConfig(fake.url));
    const metadata = pendingMetadata(await j.run());
    fake.override = answer(500, 'Internal Server Error');
    let m = metadata;
    for (let i = 1; i <= 3; i++) {
      const o = right(await j.resume(m, NOW + i * 15_000));
      expect(o).toMatchObject({ _tag: 'Pending', resumeAt: NOW + (i + 1) * 15_000 });
      m = pendingMetadata({ _tag: 'Right', right: o });
      expect(m).toMatchObject({ [CANARY_EXECUTION_ID_KEY]: metadata[CANARY_EXECUTION_ID_KEY], [FAILED_POLLS_KEY]: String(i) });
      expect(m[LAST_POLL_ERROR_KEY]).toContain('Invalid Response: HTTP 500 from kayenta');
    }
    const e = left(await j.resume(m, NOW + 60_000));
    expect(e).toMatchObject({ _tag: 'ProviderUnavailable', retryable: true });
    expect(e.message).toContain('(checking judgement 01DS50WVHAWSTAQACJKB1VK001): Internal Server Error (4 polls of judgement 01DS50WVHAWSTAQACJKB1VK001 failed in a row; the next measurement starts a new judgement)');
    expect(fake.posts()).toHaveLength(1);
  });

  it('a poll that works again after a transient failure resets the count and judges the score', async () => {
    fake.next = { pollsBeforeComplete: 0, score: 80 };
    const j = judge(plugin, kayentaConfig(fake.url));
    const metadata = pendingMetadata(await j.run());
    fake.override = (req, res) => req.method === 'GET' && req.url.startsWith('/canary/') && answer(429, '{"error":"Too Many Requests"}', { 'Retry-After': '15' })(req, res);
    const waiting = pendingMetadata(await j.resume(metadata, NOW + 15_000));
    expect(waiting[FAILED_POLLS_KEY]).toBe('1');
    expect(waiting[LAST_POLL_ERROR_KEY]).toContain('rate limited');
    fake.override = undefined;
    expect(right(await j.resume(waiting, NOW + 30_000))).toMatchObject({ _tag: 'Verdict', phase: 'Inconclusive', value: 80, metadata: { [FAILED_POLLS_KEY]: '0' } });
    expect(fake.posts()).toHaveLength(1);
  });

  it('a transient poll failure once the judgement time is up is an Error at once', async () => {
    const metadata = pendingMetadata(await judge(plugin, kayentaConfig(fake.url)).run());
    fake.override = () => true; // never answers
    const quick = judge(createKayentaMetricProvider({ timeoutMs: 100, judgementTimeoutMs: 60_000 }), kayentaConfig(fake.url));
    const e = left(await quick.resume(metadata, NOW + 61_000));
    expect(e).toMatchObject({ _tag: 'ProviderTimeout' });
    expect(e.message).toContain('1 polls of judgement 01DS50WVHAWSTAQACJKB1VK001 failed in a row, and its time is up');
  });

  it.each([
    ['config list not JSON', 'GET /canaryConfig', '<html>', 'the canary config list is not JSON'],
    ['config list not an array', 'GET /canaryConfig', '{}', 'the canary config list is not a JSON array'],
    ['POST answer not JSON', 'POST', 'ok', 'the answer to the judgement request is not JSON'],
    ['POST answer without an id', 'POST', '{"canaryExecutionId":null}', 'has no canaryExecutionId'],
  ])('a malformed answer (%s) is ProviderResponseInvalid', async (_what, route, body, message) => {
    fake.override = (req, res) => `${req.method} ${req.url}`.startsWith(route) && answer(200, body)(req, res);
    const e = left(await judge(plugin, kayentaConfig(fake.url)).run());
    expect(e).toMatchObject({ _tag: 'ProviderResponseInvalid' });
    expect(e.message).toContain(message);
  });

  it.each([
    ['{"status":"running"}', 'Missing Complete Status'],
    ['[]', 'the judgement status is not a JSON object'],
    ['{"complete":', 'the judgement status is not JSON'],
  ])('a malformed poll answer %s is ProviderResponseInvalid', async (body, message) => {
    const j = judge(plugin, kayentaConfig(fake.url));
    const metadata = pendingMetadata(await j.run());
    fake.override = answer(200, body);
    const e = left(await j.resume(metadata));
    expect(e).toMatchObject({ _tag: 'ProviderResponseInvalid' });
    expect(e.message).toContain(message);
  });

  it('a server slower than the request timeout is a ProviderTimeout', async () => {
    fake.override = () => true; // never answers
    const quick = createKayentaMetricProvider({ timeoutMs: 200 });
    const t0 = Date.now();
    const e = left(await judge(quick, kayentaConfig(fake.url)).run());
    expect(Date.now() - t0).toBeLessThan(5_000);
    expect(e).toMatchObject({ _tag: 'ProviderTimeout', retryable: true });
    expect(e.message).toContain(`kayenta at ${fake.url} did not answer within 0.2 s (listing canary configs)`);
  });

  it('an unreachable Kayenta is a retryable ProviderUnavailable', async () => {
    const port = await closedPort();
    const e = left(await judge(kayentaMetricProvider, kayentaConfig(`http://127.0.0.1:${port}`)).run());
    expect(e).toMatchObject({ _tag: 'ProviderUnavailable', retryable: true });
    expect(e.message).toContain(`could not reach kayenta at http://127.0.0.1:${port}: ECONNREFUSED`);
  });

  it('an address that is not a URL is refused naming the field', async () => {
    const e = left(await judge(plugin, kayentaConfig('kayenta:8090/x y')).run());
    expect(e).toMatchObject({ _tag: 'PluginConfigInvalid', path: 'provider.kayenta.address' });
  });

  it('a cancelled measurement does not call Kayenta', async () => {
    const ac = new AbortController();
    ac.abort();
    expect(left(await judge(plugin, kayentaConfig(fake.url)).run(NOW, ac.signal))._tag).toBe('PluginAborted');
    expect(fake.seen).toEqual([]);
  });

  it('the plugin refuses options that are not positive', () => {
    expect(() => createKayentaMetricProvider({ pollIntervalMs: 0 })).toThrow('pollIntervalMs must be a positive number');
  });
});
