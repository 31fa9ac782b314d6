/**
 * The wavefront provider against the recorded-contract fake of Wavefront's chart API (FakeWavefront.ts): the
 * request it sends, the token read from the `wavefront-api-tokens` Secret, the values conditions see, and
 * every failure a user can meet. The token must never appear in a message.
 */
import type * as http from 'node:http';
import { closedPort } from '@rollouts/plugin-http/testing';
import { errorOf, metadataOf, valueOf } from '@rollouts/plugin-sdk/testing';
import { createWavefrontMetricProvider, RESOLVED_WAVEFRONT_QUERY_KEY } from '../src';
import { startFakeWavefront, TOKEN, type FakeWavefront } from './FakeWavefront';
import { measure, NOW, testDeps, tokensSecret } from './WavefrontHarness';

let fake: FakeWavefront;
beforeEach(async () => {
  fake = await startFakeWavefront();
});
afterEach(() => fake.close());

const AT = NOW / 1000;
const deps = () => testDeps([tokensSecret({ [fake.url]: TOKEN })]);
const config = (query = 'ts(http.errors.rate, app=guestbook)') => ({ address: fake.url, query });
const answer = (status: number, body: string, headers: Record<string, string> = {}) => (_req: unknown, res: http.ServerResponse) => {
  res.writeHead(status, { 'Content-Type': 'application/json', ...headers });
  res.end(body);
  return true;
};

describe('a query', () => {
  it('GETs the chart API with the token, the measurement time as s and e, and reads the closest point', async () => {
    const r = await measure(config(), deps());
    expect(valueOf(r)).toBe(0.01);
    expect(metadataOf(r)).toEqual({ [RESOLVED_WAVEFRONT_QUERY_KEY]: 'ts(http.errors.rate, app=guestbook)', timestamps: String(AT - 1), drift: '-1' });
    expect(fake.violations).toEqual([]);
    const [req] = fake.seen;
    expect(req?.method).toBe('GET');
    expect(req?.headers['authorization']).toBe(`Bearer ${TOKEN}`);
    expect(req?.url).toBe(`/api/v2/chart/api?q=ts%28http.errors.rate%2C+app%3Dguestbook%29&s=${NOW}&e=${NOW}&g=s&p=1&i=true`);
  });

  it.each([
    ['a healthy value (a successCondition passes)', [[AT, 0.01]], 0.01],
    ['a failing value (a failureCondition is true)', [[AT, 0.35]], 0.35],
    ['a value between the two (both conditions false: Inconclusive)', [[AT, 0.07]], 0.07],
  ])('%s is reported as is for the conditions to judge', async (_what, data, value) => {
    fake.series = () => [{ label: 'x', data }];
    expect(valueOf(await measure(config(), deps()))).toBe(value);
  });

  it('several series give one number each, and warnings land in the metadata', async () => {
    fake.series = (_q, at) => [{ label: 'a', data: [[at, 1]] }, { label: 'b', data: [[at + 30, 2]] }];
    fake.override = (req, res) => {
      if (fake.seen.length > 1) return false;
      const s = Number(new URL(req.url, 'http://x').searchParams.get('s')) / 1000;
      return answer(200, JSON.stringify({ query: 'q', timeseries: fake.series('q', s), warnings: 'some series were truncated' }))(req, res);
    };
    const r = await measure(config(), deps());
    expect(valueOf(r)).toEqual([1, 2]);
    expect(metadataOf(r)).toMatchObject({ timestamps: `${AT},${AT + 30}`, drift: '0,30', warnings: 'some series were truncated' });
  });

  it('empty data (no series) is an error, never a pass', async () => {
    fake.series = () => [];
    const e = errorOf(await measure(config(), deps()));
    expect(e).toMatchObject({ _tag: 'ProviderResponseInvalid' });
    expect(e.message).toBe(`wavefront at ${fake.url}: No TimeSeries found in response from Wavefront`);
  });

  it('reads the Secret from $POD_NAMESPACE, and a bare host is reached over https', async () => {
    const port = await closedPort();
    const host = `127.0.0.1:${port}`;
    const e = errorOf(await measure({ address: host, query: 'ts(x)' }, testDeps([tokensSecret({ [host]: TOKEN }, 'rollouts-system')], { POD_NAMESPACE: 'rollouts-system' })));
    expect(e.message).toContain(`could not reach wavefront at https://${host}`);
  });
});

describe('the token', () => {
  it('a missing Secret is a config error naming the Secret and its namespace', async () => {
    const e = errorOf(await measure(config(), testDeps([])));
    expect(e).toMatchObject({ _tag: 'PluginConfigInvalid', path: 'provider.wavefront.address' });
    expect(e.message).toContain('API token not found: Secret "argo-rollouts/wavefront-api-tokens" does not exist');
    expect(fake.seen).toEqual([]);
  });

  it('a Secret without the address as a key names the key, and lists keys without their values', async () => {
    const e = errorOf(await measure(config(), testDeps([tokensSecret({ 'other.wavefront.com': TOKEN })])));
    expect(e.message).toContain(`API token not found: Secret "argo-rollouts/wavefront-api-tokens" has no key ${JSON.stringify(fake.url)}`);
    expect(e.message).toContain('(keys present: "other.wavefront.com")');
    expect(e.message).not.toContain(TOKEN);
  });

  it.each([401, 403])('HTTP %d says which Secret to check and never prints the token (even when the server echoes it)', async (status) => {
    fake.override = (req, res) => answer(status, JSON.stringify({ message: `denied for ${String(req.headers['authorization'])}` }))(req, res);
    const e = errorOf(await measure(config(), deps()));
    expect(e).toMatchObject({ _tag: 'ProviderResponseInvalid', retryable: false });
    expect(e.message).toContain(`refused the API token (HTTP ${status}): check the token for this address in Secret "argo-rollouts/wavefront-api-tokens"`);
    expect(e.message).toContain('denied for Bearer *****');
    expect(e.message).not.toContain(TOKEN);
  });

  it('a wrong token (the fake refuses it) is the same clear 401', async () => {
    const e = errorOf(await measure(config(), testDeps([tokensSecret({ [fake.url]: 'not-the-token' })])));
    expect(e.message).toContain('refused the API token (HTTP 401)');
    expect(e.message).not.toContain('not-the-token');
  });
});

describe('failures', () => {
  it('429 is a retryable error saying the server is rate limiting', async () => {
    fake.override = answer(429, '{"message":"Too many requests"}', { 'Retry-After': '10' });
    const e = errorOf(await measure(config(), deps()));
    expect(e).toMatchObject({ _tag: 'ProviderUnavailable', retryable: true });
    expect(e.message).toContain('is rate limiting queries (HTTP 429)');
  });

  it('406 is sent again (Wavefront\'s "try again"), and answered once it succeeds', async () => {
    let refusals = 2;
    fake.override = (req, res) => refusals-- > 0 && answer(406, 'not ready')(req, res);
    const plugin = createWavefrontMetricProvider({ retryDelayMs: 5 });
    expect(valueOf(await measure(config(), deps(), { plugin }))).toBe(0.01);
    expect(fake.seen).toHaveLength(3);
  });

  it('406 on every attempt gives up after 10 requests', async () => {
    fake.override = answer(406, 'not ready');
    const e = errorOf(await measure(config(), deps(), { plugin: createWavefrontMetricProvider({ retryDelayMs: 1 }) }));
    expect(e.message).toContain('server returned 406: not ready');
    expect(fake.seen).toHaveLength(10);
  });

  it('a 5xx is retryable and quotes the body', async () => {
    fake.override = answer(502, '<html>Bad Gateway</html>');
    const e = errorOf(await measure(config(), deps()));
    expect(e).toMatchObject({ _tag: 'ProviderUnavailable', retryable: true });
    expect(e.message).toBe(`wavefront at ${fake.url}: server returned 502: <html>Bad Gateway</html>`);
  });

  it.each([
    ['not JSON', 'upstream connect error', 'the Wavefront answer is not JSON'],
    ['points that are not numbers', JSON.stringify({ timeseries: [{ label: 'x', data: [['a', 'b']] }] }), 'timeseries[0] (x).data[0] is not a [timestamp, value] pair of numbers'],
    ['a series without points', JSON.stringify({ timeseries: [{ label: 'x', data: [] }] }), 'timeseries[0] (x) has no data points'],
  ])('a malformed answer (%s) is ProviderResponseInvalid', async (_what, body, message) => {
    fake.override = answer(200, body);
    const e = errorOf(await measure(config(), deps()));
    expect(e).toMatchObject({ _tag: 'ProviderResponseInvalid' });
    expect(e.message).toContain(message);
  });

  it('a server slower than the timeout is a ProviderTimeout', async () => {
    fake.override = () => true; // never answers
    const t0 = Date.now();
    const e = errorOf(await measure(config(), deps(), { plugin: createWavefrontMetricProvider({ timeoutMs: 200 }) }));
    expect(Date.now() - t0).toBeLessThan(5_000);
    expect(e).toMatchObject({ _tag: 'ProviderTimeout', retryable: true });
    expect(e.message).toBe(`wavefront at ${fake.url} did not answer within 0.2 s`);
  });

  it.each([
    [{ address: '', query: 'ts(x)' }, 'provider.wavefront.address'],
    [{ address: 'example.wavefront.com', query: ' ' }, 'provider.wavefront.query'],
    [{ address: 'ftp://example.wavefront.com', query: 'ts(x)' }, 'provider.wavefront.address'],
    [{ address: 'example.wavefront.com/?q=1', query: 'ts(x)' }, 'provider.wavefront.address'],
  ])('a bad config %j is refused naming %s', async (c, path) => {
    expect(errorOf(await measure(c, deps()))).toMatchObject({ _tag: 'PluginConfigInvalid', path });
  });
});
