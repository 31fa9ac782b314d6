/**
 * The graphite provider over HTTP against a test double: a local server answering like Graphite's render
 * API with canned bodies, so the request shape, credentials, configuration errors and cancellation can be
 * checked without Graphite. The real-server tests are in `RealGraphite.test.ts`.
 */
import type * as http from 'node:http';
import type { Metric } from '@rollouts/api';
import { describeMetricProviderConformance } from '@rollouts/plugin-sdk/testing';
import { createGraphiteMetricProvider, graphiteMetricProvider } from '../src';
import { closedPort, startHttpServer, type RecordingHttpServer } from '@rollouts/plugin-http/testing';
import { errorOf, measure, metadataOf, testDeps, valueOf } from './ProviderHarness';

const json = (res: http.ServerResponse, status: number, body: unknown) => {
  res.writeHead(status, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify(body));
};
const answer = (values: Array<number | null>) => [{ target: 'x', tags: { name: 'x' }, datapoints: values.map((v, i) => [v, 1621348430 + 60 * i]) }];

describe('graphite provider against a fake render API (test double)', () => {
  it('GETs {address}/render with the whitespace-free query, format=json and sorted keys, and records it', async () => {
    const fake = await startHttpServer((_req, res) => json(res, 200, answer([0.5, null, 0.25])));
    try {
      const r = await measure({ address: fake.url, query: 'target=sumSeries(app.*.errors)\n  &from=-5min' });
      expect(valueOf(r)).toEqual([0.5, 0.25]);
      expect(metadataOf(r)).toEqual({ ResolvedGraphiteQuery: 'format=json&from=-5min&target=sumSeries(app.*.errors)' });
      expect(fake.seen).toHaveLength(1);
      expect(fake.seen[0]?.method).toBe('GET');
      expect(fake.seen[0]?.url).toBe('/render?format=json&from=-5min&target=sumSeries%28app.%2A.errors%29');
      expect(fake.seen[0]?.headers['authorization']).toBeUndefined();
    } finally {
      await fake.close();
    }
  });

  it('keeps a path prefix of the address and sends its credentials as Basic auth', async () => {
    const fake = await startHttpServer((_req, res) => json(res, 200, answer([1])));
    try {
      const address = fake.url.replace('http://', 'http://reader:s%40cret@') + '/graphite/';
      expect(valueOf(await measure({ address, query: 'target=a.b' }))).toEqual([1]);
      expect(fake.seen[0]?.url).toBe('/graphite/render?format=json&target=a.b');
      expect(fake.seen[0]?.headers['authorization']).toBe(`Basic ${Buffer.from('reader:s@cret').toString('base64')}`);
    } finally {
      await fake.close();
    }
  });

  it('warns in the metadata when several series come back (only the first is used)', async () => {
    const fake = await startHttpServer((_req, res) => json(res, 200, [...answer([1]), { target: 'y', datapoints: [[2, 1]] }]));
    try {
      const r = await measure({ address: fake.url, query: 'target=x&target=y' });
      expect(valueOf(r)).toEqual([1]);
      expect(metadataOf(r)?.['warnings']).toBe('graphite returned 2 series; only the first ("x") is used');
    } finally {
      await fake.close();
    }
  });

  it('gives [] for an answer without series, instead of upstream\'s "no values found"', async () => {
    const fake = await startHttpServer((_req, res) => json(res, 200, []));
    try {
      expect(valueOf(await measure({ address: fake.url, query: 'target=missing.*' }))).toEqual([]);
    } finally {
      await fake.close();
    }
  });

  it('reports a non-JSON 200 answer as an error, never a value', async () => {
    const fake = await startHttpServer((_req, res) => res.writeHead(200, { 'Content-Type': 'text/html' }).end('<html>login</html>'));
    try {
      expect(errorOf(await measure({ address: fake.url, query: 'target=a' }))).toMatchObject({ _tag: 'ProviderResponseInvalid', message: expect.stringMatching(/not JSON/) });
    } finally {
      await fake.close();
    }
  });

  it('stops waiting when the controller cancels the measurement', async () => {
    const fake = await startHttpServer(() => undefined); // never answers
    try {
      const controller = new AbortController();
      setTimeout(() => controller.abort(), 100);
      const started = Date.now();
      const e = errorOf(await measure({ address: fake.url, query: 'target=a' }, { signal: controller.signal }));
      expect(e).toMatchObject({ _tag: 'PluginAborted', retryable: true });
      expect(Date.now() - started).toBeLessThan(2000);
    } finally {
      await fake.close();
    }
  });

  it.each([
    [{ query: 'target=a' }, 'provider.graphite.address', /address is required/],
    [{ address: 'graphite:8080', query: 'target=a' }, 'provider.graphite.address', /is not a valid URL/],
    [{ address: ':::', query: 'target=a' }, 'provider.graphite.address', /Graphite address ":::" is not a valid URL/],
    [{ address: 'http://g/?x=1', query: 'target=a' }, 'provider.graphite.address', /must not have a query string/],
    [{ address: 'http://g' }, 'provider.graphite.query', /empty/],
    [{ address: 'http://g', query: 'from=-5min' }, 'provider.graphite.query', /has no target/],
    [{ address: 'http://g', query: 'target=#$%^&*(proper$#$%%^(password&from=-2min' }, 'provider.graphite.query', /contains "#"/],
  ])('refuses the configuration %j before any request', async (config, path, message) => {
    const e = errorOf(await measure(config));
    expect(e).toMatchObject({ _tag: 'PluginConfigInvalid', retryable: false, path });
    expect(e.message).toMatch(message);
  });

  it('is registered under the kind "graphite", and refuses a non-positive timeout option', () => {
    expect(graphiteMetricProvider.kind).toBe('graphite');
    expect(() => createGraphiteMetricProvider({ timeoutMs: 0 })).toThrow(/timeoutMs must be positive/);
  });
});

describe('graphite provider conformance, against the fake render API', () => {
  let fake: RecordingHttpServer | undefined;
  let downPort = 0;
  beforeAll(async () => {
    fake = await startHttpServer((_req, res) => json(res, 200, answer([0.01, 0.02])));
    downPort = await closedPort();
  });
  afterAll(async () => {
    await fake?.close();
  });
  const metric = (address: string): Metric => ({ name: 'error-rate', provider: { graphite: { address, query: 'target=app.errors&from=-5min' } } }) as unknown as Metric;
  describeMetricProviderConformance('graphite (fake render API)', async () => ({
    plugin: graphiteMetricProvider,
    deps: testDeps(),
    metric: metric(fake!.url),
    unreachableMetric: metric(`http://127.0.0.1:${downPort}`),
    invalidConfig: { value: { address: 7, query: 'target=a' }, path: 'provider.graphite.address' },
  }));
});
