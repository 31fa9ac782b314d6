/**
 * The datadog provider over HTTP against a recorded-contract fake of Datadog's v1 query and v2 scalar query
 * endpoints (`DatadogFake.ts`): the fake checks method, path, headers and body of every request it receives
 * (`violations` must stay empty), and answers what each test scripts. Credentials come from Secrets in an
 * in-memory `FakeKubeObjectClient`.
 */
import { closedPort } from '@rollouts/plugin-http/testing';
import type { MeasurementOutcome } from '@rollouts/plugin-sdk/testing';
import { datadogMetricProvider, MAX_RATE_LIMIT_WAITS } from '../src';
import { datadogCredentials } from '../src/DatadogCredentials';
import { FAKE_KEYS, startDatadogFake, v1Series, v2Scalar, type DatadogFake, type FakeAnswer } from './DatadogFake';
import { CONTROLLER_NS, datadogSecret, errorOf, judged, measure, NOW, runIn, secret, testDeps, valueOf } from './ProviderHarness';

let fake: DatadogFake | undefined;
const start = async (answer: (req: Parameters<Parameters<typeof startDatadogFake>[0]>[0], n: number) => FakeAnswer) => (fake = await startDatadogFake(answer));
afterEach(async () => {
  if (fake !== undefined) {
    expect(fake.violations).toEqual([]);
    await fake.close();
    fake = undefined;
  }
});

/** No key value may appear anywhere in what the controller could store or log from an outcome. */
function expectNoKeys(r: MeasurementOutcome): void {
  const text = JSON.stringify(r._tag === 'Left' ? { ...r.left, cause: undefined } : r.right);
  expect(text).not.toContain(FAKE_KEYS.apiKey);
  expect(text).not.toContain(FAKE_KEYS.appKey);
}

describe('datadog v1 against the recorded-contract fake', () => {
  it('GETs /api/v1/query over the interval with both keys and reads the last point of the first series', async () => {
    await start(() => ({ body: v1Series([[1, 0.5], [2, 0.002]], [[1, 9]]) }));
    const r = await measure({ query: 'avg:errors{service:a} by {host}', interval: '10m' }, testDeps([datadogSecret(fake!.url)]));
    expect(valueOf(r)).toBe(0.002);
    expect(r._tag === 'Right' && r.right.metadata).toEqual({ ResolvedDatadogQuery: 'avg:errors{service:a} by {host}' });
    expect(fake!.requests).toEqual([{ version: 'v1', from: NOW / 1000 - 600, to: NOW / 1000, query: 'avg:errors{service:a} by {host}' }]);
    // Go's url.Values encoding: sorted keys, spaces as +.
    expect(fake!.seen[0]!.url).toBe(`/api/v1/query?from=${NOW / 1000 - 600}&query=avg%3Aerrors%7Bservice%3Aa%7D+by+%7Bhost%7D&to=${NOW / 1000}`);
    expect(fake!.seen[0]!.headers['dd-api-key']).toBe(FAKE_KEYS.apiKey);
    expect(fake!.seen[0]!.headers['dd-application-key']).toBe(FAKE_KEYS.appKey);
  });

  it('uses a 5m window by default', async () => {
    await start(() => ({ body: v1Series([[1, 1]]) }));
    await measure({ query: 'q' }, testDeps([datadogSecret(fake!.url)]));
    expect(fake!.requests[0]).toMatchObject({ from: NOW / 1000 - 300, to: NOW / 1000 });
  });

  it.each([
    ['no series', { status: 'ok', series: [] }],
    ['no series field', { status: 'ok' }],
    ['an empty pointlist', v1Series([])],
    ['only null points', v1Series([[1, null], [2, null]])],
  ])('%s is a nil result (conditions use default/isNil)', async (_name, body) => {
    await start(() => ({ body }));
    const r = await measure({ query: 'q' }, testDeps([datadogSecret(fake!.url)]));
    expect(valueOf(r)).toBeNull();
    expect(judged(r, { successCondition: 'default(result, 0) < 0.05' }).phase).toBe('Successful');
    const m = judged(r, { successCondition: 'result < 0.05' });
    expect(m.phase).toBe('Error');
  });

  it('skips null points instead of reading them as 0', async () => {
    await start(() => ({ body: v1Series([[1, 0.7], [2, null]]) }));
    expect(valueOf(await measure({ query: 'q' }, testDeps([datadogSecret(fake!.url)])))).toBe(0.7);
  });

  it.each([
    ['Successful', 0.01, 'Successful'],
    ['Failed', 0.5, 'Failed'],
    ['Inconclusive', 0.07, 'Inconclusive'],
  ])('outcome through the conditions: %s', async (_name, value, phase) => {
    await start(() => ({ body: v1Series([[1, value]]) }));
    const r = await measure({ query: 'q' }, testDeps([datadogSecret(fake!.url)]));
    const m = judged(r, { successCondition: 'result < 0.05', failureCondition: 'result > 0.1' });
    expect(m).toMatchObject({ phase, value: String(value) });
  });
});

describe('datadog v2 against the recorded-contract fake', () => {
  it('POSTs a scalar request with the lone query named "query" and the default aggregator', async () => {
    await start(() => ({ body: v2Scalar([0.01]) }));
    const r = await measure({ apiVersion: 'v2', query: 'sum:requests.error{*}.as_count()', interval: '1m' }, testDeps([datadogSecret(fake!.url)]));
    expect(valueOf(r)).toBe(0.01);
    expect(fake!.requests).toEqual([
      { version: 'v2', from: NOW - 60_000, to: NOW, queries: [{ aggregator: 'last', data_source: 'metrics', name: 'query', query: 'sum:requests.error{*}.as_count()' }], formulas: [] },
    ]);
  });

  it('sends queries and formula with the aggregator; the formula column is the result', async () => {
    await start(() => ({
      body: { data: { type: 'scalar_response', attributes: { columns: [{ name: 'a / b', type: 'number', values: [null, 0.25] }] } } },
    }));
    const config = { apiVersion: 'v2', queries: { a: 'sum:errors{*}.as_count()', b: 'sum:requests{*}.as_count()' }, formula: 'a / b', aggregator: 'sum' };
    const r = await measure(config, testDeps([datadogSecret(fake!.url)]));
    expect(valueOf(r)).toBe(0.25);
    const req = fake!.requests[0]!;
    expect(req.version === 'v2' && new Set(req.queries.map((q) => JSON.stringify(q)))).toEqual(
      new Set([
        JSON.stringify({ aggregator: 'sum', data_source: 'metrics', name: 'a', query: 'sum:errors{*}.as_count()' }),
        JSON.stringify({ aggregator: 'sum', data_source: 'metrics', name: 'b', query: 'sum:requests{*}.as_count()' }),
      ]),
    );
    expect(req.version === 'v2' && req.formulas).toEqual([{ formula: 'a / b' }]);
    expect(r._tag === 'Right' && JSON.parse(r.right.metadata!['ResolvedDatadogQuery']!)).toEqual({ queries: config.queries, formula: 'a / b' });
  });

  it('a grouped query gives a number per group, skipping nulls, and the groups in metadata', async () => {
    await start(() => ({ body: v2Scalar([0.01, null, 0.2], [['GET /a'], ['GET /b'], ['GET /c']]) }));
    const r = await measure({ apiVersion: 'v2', query: 'avg:latency{*} by {resource_name}' }, testDeps([datadogSecret(fake!.url)]));
    expect(valueOf(r)).toEqual([0.01, 0.2]);
    expect(r._tag === 'Right' && JSON.parse(r.right.metadata!['groups']!)).toEqual([
      { name: 'GET /a', value: 0.01 },
      { name: 'GET /c', value: 0.2 },
    ]);
    expect(judged(r, { successCondition: 'all(result, # < 0.1)' }).phase).toBe('Failed');
  });

  it.each([
    ['no columns', { data: { type: 'scalar_response', attributes: { columns: [] } } }],
    ['only null values', v2Scalar([null])],
    ['a grouped query without data', v2Scalar([], [])],
  ])('%s is a nil result', async (_name, body) => {
    await start(() => ({ body }));
    const r = await measure({ apiVersion: 'v2', query: 'q' }, testDeps([datadogSecret(fake!.url)]));
    expect(valueOf(r)).toBeNull();
    expect(judged(r, { successCondition: 'result < 1' })).toMatchObject({ phase: 'Error' });
    expect(judged(r, { successCondition: 'isNil(result) || result < 1' }).phase).toBe('Successful');
  });

  it.each([
    ['top-level errors (the vendor schema)', { errors: ['Invalid query: unknown metric'] }, 'There were errors in your query: Invalid query: unknown metric'],
    ['data.errors (what upstream reads)', { data: { errors: 'boom' } }, 'There were errors in your query: boom'],
    ['a string value', v2Scalar(['high' as unknown as number]), 'could not parse numeric value "high"'],
    ['a bad group label', v2Scalar([1], [[7 as unknown as string]]), 'could not parse group label at index 0'],
    ['no data object', { foo: 1 }, 'Could not parse JSON body: the answer has no "data" object'],
  ])('rejects %s', async (_name, body, message) => {
    await start(() => ({ body }));
    const e = errorOf(await measure({ apiVersion: 'v2', query: 'q' }, testDeps([datadogSecret(fake!.url)])));
    expect(e).toMatchObject({ _tag: 'ProviderResponseInvalid', retryable: false });
    expect(e.message).toContain(message);
  });
});

describe('datadog failures', () => {
  it.each([401, 403])('%d is an Error naming the Secret to check, with no key anywhere', async (status) => {
    await start(() => ({ status, body: { errors: [`Forbidden: key ${FAKE_KEYS.apiKey} is not valid`] } }));
    const r = await measure({ query: 'q' }, testDeps([datadogSecret(fake!.url)]));
    const e = errorOf(r);
    expect(e).toMatchObject({ _tag: 'ProviderResponseInvalid', retryable: false });
    expect(e.message).toContain(`received authentication error response code: ${status}`);
    expect(e.message).toContain(`Secret "${CONTROLLER_NS}/datadog"`);
    expect(e.message).toContain('*****');
    expectNoKeys(r);
  });

  it('wrong keys are refused by the fake (403) and reported the same way', async () => {
    await start(() => ({ body: v1Series([[1, 1]]) }));
    const r = await measure({ query: 'q' }, testDeps([datadogSecret(fake!.url, { 'api-key': 'wrong-api-key-123', 'app-key': 'wrong-app-key-456' })]));
    expect(errorOf(r).message).toBe(
      `received authentication error response code: 403 {"errors":["Forbidden"]}; check the api-key and app-key in Secret "${CONTROLLER_NS}/datadog" (the keys must be valid for ${fake!.url}; the application key needs the timeseries_query scope)`,
    );
    expect(JSON.stringify(r)).not.toContain('wrong-api-key-123');
  });

  it('429 with Retry-After waits as asked (Pending with resumeAt), then measures on resume', async () => {
    await start((_req, n) => (n === 1 ? { status: 429, headers: { 'Retry-After': '30', 'X-RateLimit-Name': 'query_scalar_public' }, body: { errors: ['Too many requests'] } } : { body: v2Scalar([0.02]) }));
    const deps = testDeps([datadogSecret(fake!.url)]);
    const provider = datadogMetricProvider.make(deps)({ apiVersion: 'v2', query: 'q' });
    const ctx = { run: runIn('default'), metric: { name: 'm', provider: { datadog: { apiVersion: 'v2', query: 'q' } } } as never, signal: new AbortController().signal, now: NOW };
    const first = await provider.run(ctx)();
    expect(first).toEqual({
      _tag: 'Right',
      right: {
        _tag: 'Pending',
        resumeAt: NOW + 30_000,
        metadata: {
          ResolvedDatadogQuery: 'q',
          rateLimitWaits: '1',
          rateLimited: `datadog answered HTTP 429 (rate limited, limit query_scalar_public); waited Retry-After 30 s (wait 1 of ${MAX_RATE_LIMIT_WAITS})`,
        },
      },
    });
    // The controller records it as a Running measurement to resume at that time (not an Error, not a count).
    expect(judged(first, { successCondition: 'result < 1' })).toMatchObject({ phase: 'Running', resumeAt: '2026-01-01T00:00:30Z' });
    const later = { ...ctx, now: NOW + 30_000 };
    const second = await provider.resume!(later, first._tag === 'Right' && first.right._tag === 'Pending' ? first.right.metadata! : {})();
    expect(second).toMatchObject({ _tag: 'Right', right: { _tag: 'Value', value: 0.02 } });
    // The query window moved with the clock.
    expect(fake!.requests.map((r) => r.to)).toEqual([NOW, NOW + 30_000]);
  });

  it('429 with an HTTP-date Retry-After, or X-RateLimit-Reset, sets resumeAt from it', async () => {
    await start((_req, n): FakeAnswer => (n === 1 ? { status: 429, headers: { 'Retry-After': new Date(NOW + 45_000).toUTCString() } } : { status: 429, headers: { 'X-RateLimit-Reset': '12' } }));
    const deps = testDeps([datadogSecret(fake!.url)]);
    const a = await measure({ query: 'q' }, deps);
    expect(a._tag === 'Right' && a.right._tag === 'Pending' && a.right.resumeAt).toBe(NOW + 45_000);
    const b = await measure({ query: 'q' }, deps);
    expect(b._tag === 'Right' && b.right._tag === 'Pending' && b.right.resumeAt).toBe(NOW + 12_000);
  });

  it(`after ${MAX_RATE_LIMIT_WAITS} waits a 429 is a retryable Error`, async () => {
    await start(() => ({ status: 429, headers: { 'Retry-After': '1' } }));
    const deps = testDeps([datadogSecret(fake!.url)]);
    const provider = datadogMetricProvider.make(deps)({ query: 'q' });
    const ctx = { run: runIn('default'), metric: {} as never, signal: new AbortController().signal, now: NOW };
    const r = await provider.resume!(ctx, { rateLimitWaits: String(MAX_RATE_LIMIT_WAITS) })();
    expect(r._tag).toBe('Left');
    expect(r._tag === 'Left' && r.left).toMatchObject({ _tag: 'ProviderUnavailable', retryable: true });
    expect(r._tag === 'Left' && r.left.message).toBe(`datadog answered HTTP 429 (rate limited): still rate limited after waiting ${MAX_RATE_LIMIT_WAITS} times; the measurement is retried as an error`);
  });

  it('a Retry-After longer than 5 minutes is a retryable Error at once', async () => {
    await start(() => ({ status: 429, headers: { 'Retry-After': '3600' } }));
    const e = errorOf(await measure({ query: 'q' }, testDeps([datadogSecret(fake!.url)])));
    expect(e).toMatchObject({ _tag: 'ProviderUnavailable', retryable: true });
    expect(e.message).toContain('Retry-After 3600 s) is longer than the 300 s a measurement waits');
  });

  it('terminating a measurement that waits for the rate limit ends it and says so', async () => {
    const provider = datadogMetricProvider.make(testDeps([]))({ query: 'q' });
    const r = await provider.terminate!({ run: runIn('default'), metric: {} as never, signal: new AbortController().signal, now: NOW }, { rateLimitWaits: '2' })();
    expect(r).toEqual({ _tag: 'Right', right: { _tag: 'Verdict', phase: 'Successful', message: "the run was terminated while the measurement waited for Datadog's rate limit (2 wait(s)); no value was taken" } });
  });

  it.each([
    [500, 'ProviderUnavailable', true],
    [404, 'ProviderResponseInvalid', false],
  ])('HTTP %d is an Error quoting the body', async (status, tag, retryable) => {
    await start(() => ({ status, body: { errors: ['nope'] } }));
    const e = errorOf(await measure({ query: 'q' }, testDeps([datadogSecret(fake!.url)])));
    expect(e).toMatchObject({ _tag: tag, retryable, message: `received non 2xx response code: ${status} {"errors":["nope"]}` });
  });

  it.each([
    ['non-JSON', 'v1', '<html>gateway</html>', 'Could not parse JSON body: Unexpected token'],
    ['a JSON array', 'v1', '[1,2]', 'Could not parse JSON body: the body is not a JSON object'],
    ['series not an array', 'v1', '{"status":"ok","series":{}}', 'Could not parse JSON body: "series" is not an array'],
    ['a point that is not a pair', 'v1', '{"status":"ok","series":[{"pointlist":[[1]]}]}', 'Datapoint does not have 2 values'],
    ['status error with 200', 'v1', '{"status":"error","error":"bad query"}', 'There were errors in your query: bad query'],
    ['non-JSON', 'v2', 'not json', 'Could not parse JSON body'],
  ])('a malformed body (%s, %s) is an Error', async (_name, apiVersion, body, message) => {
    await start(() => ({ body }));
    const e = errorOf(await measure({ apiVersion, query: 'q' }, testDeps([datadogSecret(fake!.url)])));
    expect(e).toMatchObject({ _tag: 'ProviderResponseInvalid', retryable: false });
    expect(e.message).toContain(message);
  });

  it('a server slower than requestTimeout is a ProviderTimeout', async () => {
    await start(() => 'hang');
    const started = Date.now();
    const e = errorOf(await measure({ query: 'q', requestTimeout: '300ms' }, testDeps([datadogSecret(fake!.url)])));
    expect(e).toMatchObject({ _tag: 'ProviderTimeout', retryable: true, message: `datadog at ${fake!.url} did not answer within 0.3 s` });
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it('a server that is down is a retryable error', async () => {
    const port = await closedPort();
    const e = errorOf(await measure({ query: 'q' }, testDeps([datadogSecret(`http://127.0.0.1:${port}`)])));
    expect(e).toMatchObject({ _tag: 'ProviderUnavailable', retryable: true });
    expect(e.message).toContain(`could not reach datadog at http://127.0.0.1:${port}: ECONNREFUSED`);
  });
});

describe('datadog credentials', () => {
  it('a missing Secret is an Error naming it and the keys it needs', async () => {
    const e = errorOf(await measure({ query: 'q' }, testDeps([])));
    expect(e).toMatchObject({ _tag: 'PluginConfigInvalid', path: 'provider.datadog.secretRef' });
    expect(e.message).toBe(
      `API or App token not found: Secret "${CONTROLLER_NS}/datadog" does not exist (create it with keys api-key, app-key and optionally address, set provider.datadog.secretRef, or set DD_API_KEY, DD_APP_KEY and DD_ADDRESS on the controller)`,
    );
  });

  it('a missing key is an Error naming the Secret and the key', async () => {
    const e = errorOf(await measure({ query: 'q' }, testDeps([datadogSecret('http://127.0.0.1:1', { 'api-key': FAKE_KEYS.apiKey })])));
    expect(e.message).toBe(`API or App token not found: Secret "${CONTROLLER_NS}/datadog" has no key "app-key"`);
    const both = errorOf(await measure({ query: 'q' }, testDeps([secret(CONTROLLER_NS, 'datadog', {})])));
    expect(both.message).toBe(`API or App token not found: Secret "${CONTROLLER_NS}/datadog" has no key "api-key" and no key "app-key"`);
  });

  it('reads the controller namespace from POD_NAMESPACE, else argo-rollouts', async () => {
    await start(() => ({ body: v1Series([[1, 1]]) }));
    const inDefault = secret('argo-rollouts', 'datadog', { address: fake!.url, 'api-key': FAKE_KEYS.apiKey, 'app-key': FAKE_KEYS.appKey });
    expect(valueOf(await measure({ query: 'q' }, testDeps([inDefault], {})))).toBe(1);
  });

  it('an address-less Secret goes to api.datadoghq.com', async () => {
    const deps = testDeps([secret(CONTROLLER_NS, 'datadog', { 'api-key': ' k1-abcdef\n', 'app-key': 'k2-abcdef' })]);
    const ctx = { run: runIn('default'), metric: {} as never, signal: new AbortController().signal, now: NOW };
    const c = await datadogCredentials(deps, { query: 'q' }, ctx);
    expect(c).toEqual({ _tag: 'Right', right: { address: 'https://api.datadoghq.com', apiKey: 'k1-abcdef', appKey: 'k2-abcdef', source: `Secret "${CONTROLLER_NS}/datadog"` } });
  });

  it('secretRef.name reads only that Secret in the controller namespace; namespaced reads it in the run namespace', async () => {
    await start(() => ({ body: v1Series([[1, 3]]) }));
    const keys = { address: fake!.url, 'api-key': FAKE_KEYS.apiKey, 'app-key': FAKE_KEYS.appKey };
    const deps = testDeps([secret(CONTROLLER_NS, 'dd-global', keys), secret('team-a', 'dd-team', keys)]);
    expect(valueOf(await measure({ query: 'q', secretRef: { name: 'dd-global' } }, deps))).toBe(3);
    expect(valueOf(await measure({ query: 'q', secretRef: { name: 'dd-team', namespaced: true } }, deps, { run: runIn('team-a') }))).toBe(3);
    const e = errorOf(await measure({ query: 'q', secretRef: { name: 'dd-team', namespaced: true } }, deps, { run: runIn('team-b') }));
    expect(e).toMatchObject({ _tag: 'PluginConfigInvalid', path: 'provider.datadog.secretRef.name' });
    expect(e.message).toContain('Secret "team-b/dd-team" does not exist');
    // No fallback to the default Secret or the environment when secretRef names one.
    expect(e.message).not.toContain('DD_API_KEY');
  });

  it('uses DD_API_KEY, DD_APP_KEY and DD_ADDRESS when all three are set and no secretRef is given', async () => {
    await start(() => ({ body: v1Series([[1, 4]]) }));
    const deps = testDeps([], { POD_NAMESPACE: CONTROLLER_NS, DD_API_KEY: FAKE_KEYS.apiKey, DD_APP_KEY: FAKE_KEYS.appKey, DD_ADDRESS: fake!.url });
    expect(valueOf(await measure({ query: 'q' }, deps))).toBe(4);
    // Only two of the three: the Secret is read instead (and here it is missing).
    const partial = testDeps([], { POD_NAMESPACE: CONTROLLER_NS, DD_API_KEY: FAKE_KEYS.apiKey, DD_APP_KEY: FAKE_KEYS.appKey });
    expect(errorOf(await measure({ query: 'q' }, partial)).message).toContain('does not exist');
  });

  it('a Secret address that is not a URL is an Error naming the Secret key', async () => {
    const e = errorOf(await measure({ query: 'q' }, testDeps([datadogSecret('api.datadoghq.eu')])));
    expect(e.message).toBe(`Secret "${CONTROLLER_NS}/datadog" key "address": address "api.datadoghq.eu" is not a valid URL (expected http(s)://host[:port])`);
  });
});

describe('datadog configuration (checked before any request)', () => {
  it.each([
    ['neither query nor queries', {}, 'provider.datadog.query', 'is required'],
    ['both query and queries', { apiVersion: 'v2', query: 'a', queries: { a: 'x' } }, 'provider.datadog', 'either query or queries'],
    ['queries on v1', { queries: { a: 'x' } }, 'provider.datadog.queries', 'needs apiVersion: v2'],
    ['aggregator on v1', { query: 'q', aggregator: 'sum' }, 'provider.datadog.aggregator', 'only used with apiVersion: v2'],
    ['formula without queries', { apiVersion: 'v2', query: 'q', formula: 'a' }, 'provider.datadog.formula', 'needs queries'],
    ['two queries without formula', { apiVersion: 'v2', queries: { a: 'x', b: 'y' } }, 'provider.datadog.formula', 'is required when queries has more than one'],
    ['a bad interval', { query: 'q', interval: '5 minutes' }, 'provider.datadog.interval', 'time: unknown unit'],
    ['a zero requestTimeout', { query: 'q', requestTimeout: '0s' }, 'provider.datadog.requestTimeout', 'must be greater than zero'],
  ])('rejects %s', async (_name, config, path, message) => {
    const deps = testDeps([]);
    const e = errorOf(await measure(config, deps));
    expect(e).toMatchObject({ _tag: 'PluginConfigInvalid', path, retryable: false });
    expect(e.message).toContain(message);
    expect(deps.kube.calls).toEqual([]);
  });
});
