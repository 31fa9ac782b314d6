/**
 * The influxdb provider's InfluxQL extension against a real InfluxDB 1.x (Debian's `influxdb` 1.6.7): the
 * test starts `influxd` once on free 127.0.0.1 ports with its data in a temp dir, writes error ratios for a
 * healthy and an unhealthy canary, queries them through the provider (profile Secret with
 * `queryLanguage: influxql`), and stops it at the end. Without `influxd` it prints one line and skips.
 * (InfluxDB 1.6 has no Flux; the Flux path is tested against a fake in `FluxQuery.fake.test.ts`.)
 */
import type { Metric } from '@rollouts/api';
import { describeMetricProviderConformance } from '@rollouts/plugin-sdk/testing';
import { createInfluxdbMetricProvider, influxdbMetricProvider } from '../src';
import { closedPort, findOnPath, startSlowProxy } from '@rollouts/plugin-http/testing';
import { startInfluxdb, type InfluxdbServer } from './InfluxdbServer';
import { errorOf, measure, metadataOf, profileSecret, testDeps, valueOf } from './ProviderHarness';

const binary = findOnPath('influxd');
if (binary === undefined) {
  process.stdout.write('metrics-influxdb: real-server tests skipped: no influxd on PATH (apt-get install -y --no-install-recommends influxdb influxdb-client)\n');
}
const describeReal = binary === undefined ? describe.skip : describe;

const DB = 'rollouts';
const POINTS = 10;
const influxql = (address: string, extra: Record<string, string> = {}) => testDeps([profileSecret({ address, queryLanguage: 'influxql', database: DB, ...extra })]);

const ratioOf = (canary: string) => `SELECT "ratio" FROM "errors" WHERE "canary" = '${canary}' AND time > now() - 5m`;

describeReal('influxdb provider (InfluxQL) against a real InfluxDB 1.x', () => {
  let influx: InfluxdbServer | undefined;
  let address = '';

  beforeAll(async () => {
    influx = await startInfluxdb(binary!);
    address = influx.address;
    await influx.admin(`CREATE DATABASE ${DB}`);
    const now = Math.floor(Date.now() / 1000);
    const lines: string[] = [];
    for (let i = 1; i <= POINTS; i++) lines.push(`errors,canary=healthy ratio=0.01 ${now - 10 * i}`, `errors,canary=unhealthy ratio=0.3 ${now - 10 * i}`);
    await influx.write(DB, lines);
  }, 30_000);

  afterAll(async () => {
    await influx?.stop();
  }, 10_000);

  it('measures a healthy canary with an aggregate, with the query in the metadata', async () => {
    const query = `SELECT mean("ratio") FROM "errors" WHERE "canary" = 'healthy' AND time > now() - 5m`;
    const r = await measure({ query }, influxql(address));
    expect(valueOf(r)).toEqual([expect.closeTo(0.01, 10)]);
    expect(metadataOf(r)).toEqual({ ResolvedInfluxdbQuery: query, InfluxdbProfile: 'argo-rollouts/influxdb', InfluxdbQueryLanguage: 'influxql' });
  });

  it('measures an unhealthy canary: every row of the field, oldest first', async () => {
    expect(valueOf(await measure({ query: ratioOf('unhealthy') }, influxql(address)))).toEqual(new Array(POINTS).fill(0.3));
  });

  it('gives one value per series for GROUP BY, and honours the retention policy key', async () => {
    const query = `SELECT last("ratio") FROM "errors" WHERE time > now() - 5m GROUP BY "canary"`;
    expect(valueOf(await measure({ query }, influxql(address, { retentionPolicy: 'autogen' })))).toEqual([0.01, 0.3]);
    const e = errorOf(await measure({ query }, influxql(address, { retentionPolicy: 'nope' })));
    expect(e).toMatchObject({ _tag: 'ProviderResponseInvalid', message: 'influxql query error: retention policy not found: nope' });
  });

  it('fails with "no results returned from influxql query" when nothing matches', async () => {
    expect(errorOf(await measure({ query: ratioOf('missing') }, influxql(address)))).toMatchObject({ _tag: 'ProviderResponseInvalid', message: 'no results returned from influxql query' });
  });

  it("reports a syntax error with InfluxDB's message", async () => {
    const e = errorOf(await measure({ query: 'SELECT ratio FROM' }, influxql(address)));
    expect(e).toMatchObject({ _tag: 'ProviderResponseInvalid', retryable: false });
    expect(e.message).toMatch(/^influxql query error: error parsing query: found EOF, expected identifier.* \(HTTP 400\)$/);
  });

  it('reports an unknown database (a 200 answer with a statement error)', async () => {
    const e = errorOf(await measure({ query: ratioOf('healthy') }, influxql(address, { database: 'nodb' })));
    expect(e).toMatchObject({ _tag: 'ProviderResponseInvalid', message: 'influxql query error: database not found: nodb' });
  });

  it('refuses several columns per row rather than guessing which is the result', async () => {
    const e = errorOf(await measure({ query: `SELECT * FROM "errors" WHERE time > now() - 5m` }, influxql(address)));
    expect(e.message).toBe('influxql query error: series "errors" has the columns time, canary, ratio: select exactly one field or aggregate besides time (result is one value per row)');
  });

  it('refuses a statement that writes, before sending it (InfluxDB 1.x would run DROP sent with GET)', async () => {
    const e = errorOf(await measure({ query: `DROP MEASUREMENT "errors"` }, influxql(address)));
    expect(e).toMatchObject({ _tag: 'PluginConfigInvalid', path: 'provider.influxdb.query' });
    expect(e.message).toMatch(/only read/);
    expect(valueOf(await measure({ query: ratioOf('healthy') }, influxql(address)))).toHaveLength(POINTS);
  });

  it('reports an InfluxDB that is down as retryable', async () => {
    const e = errorOf(await measure({ query: ratioOf('healthy') }, influxql(`http://127.0.0.1:${await closedPort()}`)));
    expect(e).toMatchObject({ _tag: 'ProviderUnavailable', retryable: true });
  });

  it('times out an InfluxDB slower than the bound, and waits for it within a longer one', async () => {
    const slow = await startSlowProxy(address, 1500);
    try {
      const deps = influxql(slow.url);
      const e = errorOf(await measure({ query: ratioOf('healthy') }, deps, { plugin: createInfluxdbMetricProvider({ timeoutMs: 500 }) }));
      expect(e).toMatchObject({ _tag: 'ProviderTimeout', retryable: true, message: expect.stringMatching(/did not answer within 0.5 s/) });
      expect(valueOf(await measure({ query: ratioOf('healthy') }, deps))).toHaveLength(POINTS);
    } finally {
      await slow.close();
    }
  }, 10_000);

  it("reports Flux against InfluxDB 1.6 (no /api/v2/query) as the server's 404", async () => {
    const deps = testDeps([profileSecret({ address, authToken: 'user:pass', org: '-' })]);
    const e = errorOf(await measure({ query: 'from(bucket: "rollouts/autogen") |> range(start: -5m)' }, deps));
    expect(e).toMatchObject({ _tag: 'ProviderResponseInvalid', message: 'flux query failed: 404 page not found (HTTP 404)' });
  });

  describeMetricProviderConformance('influxdb InfluxQL (real InfluxDB 1.x)', async () => {
    const profile = (name: string, at: string) => profileSecret({ address: at, queryLanguage: 'influxql', database: DB }, name);
    const metric = (name: string): Metric => ({ name: 'error-rate', provider: { influxdb: { profile: name, query: ratioOf('healthy') } } }) as unknown as Metric;
    return {
      plugin: influxdbMetricProvider,
      deps: testDeps([profile('influxdb', address), profile('influxdb-down', `http://127.0.0.1:${await closedPort()}`)]),
      metric: metric('influxdb'),
      unreachableMetric: metric('influxdb-down'),
      invalidConfig: { value: { profile: ['influxdb'], query: 'SELECT 1' }, path: 'provider.influxdb.profile' },
    };
  });
});
