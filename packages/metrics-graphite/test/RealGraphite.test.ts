/**
 * The graphite provider against a real Graphite (Debian's `graphite-carbon` 1.1 and `graphite-web` 1.1): the
 * test starts carbon-cache and graphite-web once on free 127.0.0.1 ports with everything in a temp dir, writes
 * a minute of points for a healthy and an unhealthy canary (and a sparse series with gaps), queries them
 * through the provider, and stops both servers at the end. Without the binaries it prints one line and skips.
 */
import type { Metric } from '@rollouts/api';
import { describeMetricProviderConformance } from '@rollouts/plugin-sdk/testing';
import { createGraphiteMetricProvider, graphiteMetricProvider } from '../src';
import { graphiteMissing, startGraphite, type GraphiteServer } from './GraphiteServer';
import { closedPort, startSlowProxy } from '@rollouts/plugin-http/testing';
import { errorOf, measure, metadataOf, testDeps, valueOf } from './ProviderHarness';

const missing = graphiteMissing();
if (missing !== undefined) process.stdout.write(`metrics-graphite: real-server tests skipped: ${missing}\n`);
const describeReal = missing === undefined ? describe : describe.skip;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Points written per dense series: one a second for the last POINTS seconds. */
const POINTS = 60;

describeReal('graphite provider against a real Graphite (carbon-cache + graphite-web)', () => {
  let graphite: GraphiteServer | undefined;
  let address = '';

  beforeAll(async () => {
    graphite = await startGraphite();
    address = graphite.address;
    const now = Math.floor(Date.now() / 1000);
    const lines: string[] = [];
    for (let t = now - POINTS; t < now; t++) {
      lines.push(`app.healthy.errors 0.01 ${t}`, `app.unhealthy.errors 0.3 ${t}`);
      if (t % 10 === 0) lines.push(`app.sparse.errors 1 ${t}`);
    }
    await graphite.write(lines);
    // Until carbon has taken every point (carbonlink makes its cache visible to graphite-web at once).
    const deadline = Date.now() + 10_000;
    for (;;) {
      const res = await fetch(`${address}/render?target=app.*.errors&from=-5min&format=json`).catch(() => undefined);
      const body = res?.ok === true ? ((await res.json()) as Array<{ datapoints: Array<[number | null, number]> }>) : [];
      const counts = body.map((s) => s.datapoints.filter(([v]) => v !== null).length);
      if (counts.length === 3 && counts.filter((c) => c === POINTS).length === 2) break;
      if (Date.now() > deadline) throw new Error(`the written points did not show up in graphite-web within 10 s (counts ${JSON.stringify(counts)}):\n${graphite.logTail()}`);
      await sleep(100);
    }
  }, 40_000);

  afterAll(async () => {
    await graphite?.stop();
  }, 15_000);

  it('measures a healthy canary: every point of the first series, with the query in the metadata', async () => {
    const r = await measure({ address, query: 'target=app.healthy.errors&from=-5min' });
    const values = valueOf(r) as number[];
    expect(values).toHaveLength(POINTS);
    for (const v of values) expect(v).toBeCloseTo(0.01, 10);
    expect(metadataOf(r)).toEqual({ ResolvedGraphiteQuery: 'format=json&from=-5min&target=app.healthy.errors' });
  });

  it('measures an unhealthy canary through a function, with whitespace in the query removed', async () => {
    const values = valueOf(await measure({ address, query: 'target = removeBelowValue(app.unhealthy.errors, 0.2)\n  & from = -5min' })) as number[];
    expect(values).toHaveLength(POINTS);
    for (const v of values) expect(v).toBeCloseTo(0.3, 10);
  });

  it('drops the null points between sparse writes', async () => {
    const values = valueOf(await measure({ address, query: 'target=app.sparse.errors&from=-5min' })) as number[];
    expect(values).toEqual(new Array(POINTS / 10).fill(1));
  });

  it('uses only the first of several series and says so in the metadata', async () => {
    const r = await measure({ address, query: 'target=app.{healthy,unhealthy}.errors&from=-5min' });
    expect((valueOf(r) as number[]).every((v) => Math.abs(v - 0.01) < 1e-9)).toBe(true);
    expect(metadataOf(r)?.['warnings']).toBe('graphite returned 2 series; only the first ("app.healthy.errors") is used');
  });

  it('gives [] for a series that does not exist', async () => {
    expect(valueOf(await measure({ address, query: 'target=app.missing.errors&from=-5min' }))).toEqual([]);
  });

  it("reports an unknown function as a non-retryable error with Graphite's message", async () => {
    const e = errorOf(await measure({ address, query: 'target=nosuchFunction(app.healthy.errors)' }));
    expect(e).toMatchObject({ _tag: 'ProviderResponseInvalid', retryable: false });
    expect(e.message).toBe('error response: Invalid parameters (Received request for unknown function: nosuchFunction); targets: "nosuchFunction(app.healthy.errors)" (HTTP 400)');
  });

  it('reports a Graphite crash (HTTP 500 page) with the Python error, not the HTML', async () => {
    const e = errorOf(await measure({ address, query: 'target=movingAverage(app.healthy.errors,"bogus")' }));
    expect(e).toMatchObject({ _tag: 'ProviderUnavailable' });
    expect(e.message).toMatch(/^error response: Graphite encountered an unexpected error .*\(KeyError: 'Invalid offset: bogus'\) \(HTTP 500\)$/);
    expect(e.message).not.toMatch(/</);
  });

  it('reports a Graphite that is down as a retryable error', async () => {
    const port = await closedPort();
    const e = errorOf(await measure({ address: `http://127.0.0.1:${port}`, query: 'target=app.healthy.errors' }));
    expect(e).toMatchObject({ _tag: 'ProviderUnavailable', retryable: true });
    expect(e.message).toMatch(/ECONNREFUSED/);
  });

  it('times out a Graphite slower than the bound, and waits for it within a longer one', async () => {
    const slow = await startSlowProxy(address, 1500);
    try {
      const query = { address: slow.url, query: 'target=app.healthy.errors&from=-5min' };
      const e = errorOf(await measure(query, { plugin: createGraphiteMetricProvider({ timeoutMs: 500 }) }));
      expect(e).toMatchObject({ _tag: 'ProviderTimeout', retryable: true });
      expect(e.message).toMatch(/did not answer within 0.5 s/);
      expect(valueOf(await measure(query))).toHaveLength(POINTS);
    } finally {
      await slow.close();
    }
  }, 10_000);

  const metric = (at: string): Metric => ({ name: 'error-rate', provider: { graphite: { address: at, query: 'target=app.healthy.errors&from=-5min' } } }) as unknown as Metric;
  describeMetricProviderConformance('graphite (real carbon-cache + graphite-web)', async () => ({
    plugin: graphiteMetricProvider,
    deps: testDeps(),
    metric: metric(address),
    unreachableMetric: metric(`http://127.0.0.1:${await closedPort()}`),
    invalidConfig: { value: { address: 'http://g', query: ['target=a'] }, path: 'provider.graphite.query' },
  }));
});
