/**
 * The skywalking provider against the recorded-contract fake of SkyWalking OAP's GraphQL query API
 * (FakeSkyWalking.ts): the request it sends, the `data` conditions see, and every failure a user can meet.
 */
import type * as http from 'node:http';
import { closedPort } from '@rollouts/plugin-http/testing';
import { errorOf, metadataOf, valueOf } from '@rollouts/plugin-sdk/testing';
import { createSkywalkingMetricProvider, RESOLVED_SKYWALKING_QUERY_KEY, SKYWALKING_DURATION_KEY } from '../src';
import { apdex, startFakeSkyWalking, type FakeSkyWalking } from './FakeSkyWalking';
import { APDEX_QUERY, measure } from './SkyWalkingHarness';

let fake: FakeSkyWalking;
beforeEach(async () => {
  fake = await startFakeSkyWalking();
});
afterEach(() => fake.close());

const config = (extra: Record<string, unknown> = {}) => ({ address: fake.url, query: APDEX_QUERY, interval: '5m', ...extra });
const answer = (status: number, body: string, headers: Record<string, string> = {}) => (_req: unknown, res: http.ServerResponse) => {
  res.writeHead(status, { 'Content-Type': 'application/json', ...headers });
  res.end(body);
  return true;
};

describe('a query', () => {
  it('POSTs the GraphQL document with the duration variable, and reports the data object', async () => {
    const r = await measure(config());
    expect(valueOf(r)).toEqual(apdex(9950, 9980));
    expect(metadataOf(r)).toEqual({ [RESOLVED_SKYWALKING_QUERY_KEY]: APDEX_QUERY, [SKYWALKING_DURATION_KEY]: 'start=2024-01-01 1158 end=2024-01-01 1203 step=MINUTE' });
    expect(fake.violations).toEqual([]);
    const [req] = fake.seen;
    expect(JSON.parse(req!.body)).toEqual({ query: APDEX_QUERY, variables: { duration: { start: '2024-01-01 1158', end: '2024-01-01 1203', step: 'MINUTE' } } });
  });

  it('keeps a path prefix of the address and writes the times in the configured zone', async () => {
    const plugin = createSkywalkingMetricProvider({ timeZone: 'Asia/Shanghai' });
    fake.override = (req, res) => req.url === '/oap/graphql' && answer(200, JSON.stringify({ data: apdex(1) }))(req, res);
    expect(valueOf(await measure(config({ address: `${fake.url}/oap/`, interval: '1h' }), { plugin }))).toEqual(apdex(1));
    expect(fake.durations()).toEqual([{ start: '2024-01-01 1903', end: '2024-01-01 2003', step: 'MINUTE' }]);
  });

  it.each([
    ['healthy (a successCondition passes)', [9950, 9990]],
    ['failing (a failureCondition is true)', [7000]],
    ['in between (both conditions false: Inconclusive)', [9800]],
  ])('%s values are reported as is for the conditions to judge', async (_what, values) => {
    fake.data = () => apdex(...values);
    expect(valueOf(await measure(config()))).toEqual(apdex(...values));
  });

  it('empty data (no points) is reported as an empty list, for isNil/len conditions; null data is an error', async () => {
    fake.data = () => apdex();
    expect(valueOf(await measure(config()))).toEqual({ service_apdex: { label: null, values: { values: [] } } });
    fake.data = () => null;
    const e = errorOf(await measure(config()));
    expect(e).toMatchObject({ _tag: 'ProviderResponseInvalid', message: 'no results returned from SkyWalking query' });
  });
});

describe('failures', () => {
  it('a GraphQL error is reported as upstream words it', async () => {
    const e = errorOf(await measure(config({ query: '{ service_apdex: readMetricsValues(duration: $duration) { label } }' })));
    expect(e).toMatchObject({ _tag: 'ProviderResponseInvalid', message: 'graphql: Variable "$duration" is not defined.' });
  });

  it.each([401, 403])('HTTP %d says the provider sends no credentials', async (status) => {
    fake.override = answer(status, 'Unauthorized');
    const e = errorOf(await measure(config()));
    expect(e).toMatchObject({ _tag: 'ProviderResponseInvalid', retryable: false });
    expect(e.message).toContain(`graphql: server returned a non-200 status code: ${status} from skywalking at ${fake.url}: Unauthorized`);
    expect(e.message).toContain('sends no credentials');
  });

  it('429 is retryable and says so', async () => {
    fake.override = answer(429, '', { 'Retry-After': '5' });
    const e = errorOf(await measure(config()));
    expect(e).toMatchObject({ _tag: 'ProviderUnavailable', retryable: true });
    expect(e.message).toContain('non-200 status code: 429');
    expect(e.message).toContain('rate limited');
  });

  it('a 5xx with a GraphQL error body is retryable and carries the GraphQL message', async () => {
    fake.override = answer(503, JSON.stringify({ errors: [{ message: 'storage is not ready' }] }));
    expect(errorOf(await measure(config()))).toMatchObject({ _tag: 'ProviderUnavailable', retryable: true, message: 'graphql: storage is not ready (HTTP 503)' });
  });

  it.each([
    ['not JSON', '<html>oops</html>', 'is not JSON: <html>oops</html>'],
    ['not an object', '[1,2]', 'is not a JSON object'],
    ['data not an object', '{"data": 42}', '"data" in the answer of skywalking'],
  ])('a malformed answer (%s) is ProviderResponseInvalid', async (_what, body, message) => {
    fake.override = answer(200, body);
    const e = errorOf(await measure(config()));
    expect(e).toMatchObject({ _tag: 'ProviderResponseInvalid' });
    expect(e.message).toContain(message);
  });

  it('a server slower than the timeout is a ProviderTimeout', async () => {
    fake.override = () => true; // never answers
    const t0 = Date.now();
    const e = errorOf(await measure(config(), { plugin: createSkywalkingMetricProvider({ timeoutMs: 200, timeZone: 'UTC' }) }));
    expect(Date.now() - t0).toBeLessThan(5_000);
    expect(e).toMatchObject({ _tag: 'ProviderTimeout', retryable: true, message: `skywalking at ${fake.url} did not answer within 0.2 s` });
  });

  it('an unreachable OAP is a retryable ProviderUnavailable', async () => {
    const port = await closedPort();
    const e = errorOf(await measure(config({ address: `http://127.0.0.1:${port}` })));
    expect(e).toMatchObject({ _tag: 'ProviderUnavailable', retryable: true });
    expect(e.message).toContain(`could not reach skywalking at http://127.0.0.1:${port}: ECONNREFUSED`);
  });

  it.each([
    [{ interval: '' }, 'provider.skywalking.interval', 'is required'],
    [{ interval: '5 min' }, 'provider.skywalking.interval', 'unknown unit'],
    [{ interval: '0s' }, 'provider.skywalking.interval', 'more than zero'],
    [{ query: '' }, 'provider.skywalking.query', 'is required'],
    [{ address: 'skywalking-oap:12800' }, 'provider.skywalking.address', 'is not in url format'],
  ])('a bad config %j is refused without a request, naming %s', async (extra, path, message) => {
    const e = errorOf(await measure(config(extra)));
    expect(e).toMatchObject({ _tag: 'PluginConfigInvalid', path });
    expect(e.message).toContain(message);
    expect(fake.seen).toEqual([]);
  });

  it('the plugin refuses a time zone it does not know', () => {
    expect(() => createSkywalkingMetricProvider({ timeZone: 'Mars/Olympus' })).toThrow('is not an IANA time zone');
  });
});
