/**
 * The influxdb provider's Flux path (Argo Rollouts' behaviour) against a FAKE InfluxDB 2 query API
 * (`FakeInfluxdb2Server.ts`, a recorded-contract test double: there is no InfluxDB 2 in Debian). It checks the
 * request influxdb-client-go sends, the reading of annotated CSV answers, and every failure as a value.
 */
import * as E from 'fp-ts/lib/Either';
import * as TE from 'fp-ts/lib/TaskEither';
import type { Metric } from '@rollouts/api';
import { PluginErrors, type KubeObjectClient } from '@rollouts/plugin-sdk';
import { describeMetricProviderConformance } from '@rollouts/plugin-sdk/testing';
import { createInfluxdbMetricProvider, influxdbMetricProvider } from '../src';
import { annotatedCsv, startFakeInfluxdb2, type FakeInfluxdb2 } from './FakeInfluxdb2Server';
import { closedPort } from '@rollouts/plugin-http/testing';
import { errorOf, measure, metadataOf, profileSecret, startSilentServer, startStaticServer, testDeps, valueOf } from './ProviderHarness';

const ORG = 'acme rollouts';
const TOKEN = 'dGVzdC10b2tlbg==';

const Q = {
  healthy: 'from(bucket: "rollouts") |> range(start: -5m) |> filter(fn: (r) => r._measurement == "errors" and r.canary == "healthy") |> mean()',
  unhealthy: 'from(bucket: "rollouts") |> range(start: -5m) |> filter(fn: (r) => r._measurement == "errors" and r.canary == "unhealthy")',
  grouped: 'from(bucket: "rollouts") |> range(start: -5m) |> filter(fn: (r) => r._measurement == "errors") |> group(columns: ["canary"]) |> last()',
  requests: 'from(bucket: "rollouts") |> range(start: -5m) |> filter(fn: (r) => r._measurement == "requests") |> sum()',
  empty: 'from(bucket: "rollouts") |> range(start: -5m) |> filter(fn: (r) => r.canary == "missing")',
  compileError: 'from(bucket: "rollouts") |> bogus()',
  runtimeError: 'from(bucket: "rollouts") |> range(start: -5m) |> map(fn: (r) => ({ r with _value: r._value * 2 }))',
  unavailable: 'from(bucket: "busy")',
  slow: 'from(bucket: "slow")',
  html: 'from(bucket: "behind-a-proxy")',
} as const;

const HEALTHY_CSV = annotatedCsv([
  '#datatype,string,long,dateTime:RFC3339,dateTime:RFC3339,double,string,string,string',
  '#group,false,false,true,true,false,true,true,true',
  '#default,_result,,,,,,,',
  ',result,table,_start,_stop,_value,_field,_measurement,canary',
  ',,0,2024-05-01T10:00:00Z,2024-05-01T10:05:00Z,0.01,ratio,errors,healthy',
]);

const UNHEALTHY_CSV = annotatedCsv([
  '#datatype,string,long,dateTime:RFC3339,dateTime:RFC3339,dateTime:RFC3339,double,string,string,string',
  '#group,false,false,true,true,false,false,true,true,true',
  '#default,_result,,,,,,,,',
  ',result,table,_start,_stop,_time,_value,_field,_measurement,canary',
  ',,0,2024-05-01T10:00:00Z,2024-05-01T10:05:00Z,2024-05-01T10:01:00Z,0.28,ratio,errors,unhealthy',
  ',,0,2024-05-01T10:00:00Z,2024-05-01T10:05:00Z,2024-05-01T10:02:00Z,0.3,ratio,errors,unhealthy',
  ',,0,2024-05-01T10:00:00Z,2024-05-01T10:05:00Z,2024-05-01T10:03:00Z,0.32,ratio,errors,unhealthy',
]);

const GROUPED_CSV = annotatedCsv([
  '#datatype,string,long,dateTime:RFC3339,dateTime:RFC3339,dateTime:RFC3339,double,string,string,string',
  '#group,false,false,false,false,false,false,false,false,true',
  '#default,_result,,,,,,,,',
  ',result,table,_start,_stop,_time,_value,_field,_measurement,canary',
  ',,0,2024-05-01T10:00:00Z,2024-05-01T10:05:00Z,2024-05-01T10:04:00Z,0.01,ratio,errors,healthy',
  ',,1,2024-05-01T10:00:00Z,2024-05-01T10:05:00Z,2024-05-01T10:04:00Z,0.3,ratio,errors,unhealthy',
]);

const REQUESTS_CSV = annotatedCsv([
  '#datatype,string,long,dateTime:RFC3339,dateTime:RFC3339,long,string,string',
  '#group,false,false,true,true,false,true,true',
  '#default,_result,,,,,,',
  ',result,table,_start,_stop,_value,_field,_measurement',
  ',,0,2024-05-01T10:00:00Z,2024-05-01T10:05:00Z,1200,count,requests',
]);

/** A data table, then the error table InfluxDB 2 appends when the query fails mid-stream. */
const RUNTIME_ERROR_CSV = annotatedCsv(
  [
    '#datatype,string,long,dateTime:RFC3339,double',
    '#group,false,false,false,false',
    '#default,_result,,,',
    ',result,table,_time,_value',
    ',,0,2024-05-01T10:01:00Z,0.5',
  ],
  ['#datatype,string,string', '#group,true,true', '#default,,', ',error,reference', ',"runtime error @1:58-1:104: map: type conflict: int != float",'],
);

describe('influxdb provider, Flux, against a fake InfluxDB 2 query API (recorded contract)', () => {
  let fake: FakeInfluxdb2;
  const secrets = () => [profileSecret({ address: fake.url, authToken: TOKEN, org: ORG })];

  beforeAll(async () => {
    fake = await startFakeInfluxdb2({
      org: ORG,
      token: TOKEN,
      recordings: {
        [Q.healthy]: { csv: HEALTHY_CSV },
        [Q.unhealthy]: { csv: UNHEALTHY_CSV },
        [Q.grouped]: { csv: GROUPED_CSV },
        [Q.requests]: { csv: REQUESTS_CSV },
        [Q.empty]: { csv: '\r\n' },
        [Q.compileError]: { status: 400, error: { code: 'invalid', message: 'compilation failed: error @1:28-1:35: undefined identifier bogus' } },
        [Q.runtimeError]: { csv: RUNTIME_ERROR_CSV },
        [Q.unavailable]: { status: 503, error: { code: 'unavailable', message: 'service temporarily unavailable' } },
        [Q.slow]: { csv: HEALTHY_CSV, delayMs: 1500 },
      },
    });
  });

  afterAll(async () => {
    await fake.close();
  });

  beforeEach(() => {
    fake.seen.length = 0;
  });

  it('sends what influxdb-client-go sends and reads a healthy value, with the query in the metadata', async () => {
    const r = await measure({ query: Q.healthy }, testDeps(secrets()));
    expect(valueOf(r)).toEqual([0.01]);
    expect(metadataOf(r)).toEqual({ ResolvedInfluxdbQuery: Q.healthy, InfluxdbProfile: 'argo-rollouts/influxdb', InfluxdbQueryLanguage: 'flux' });
    expect(fake.seen).toHaveLength(1);
    const [req] = fake.seen;
    expect(req?.method).toBe('POST');
    expect(req?.url).toBe('/api/v2/query?org=acme+rollouts');
    expect(req?.headers['authorization']).toBe(`Token ${TOKEN}`);
    expect(req?.headers['content-type']).toBe('application/json');
    expect(req?.headers['accept-encoding']).toBe('gzip');
    expect(JSON.parse(req?.body ?? '')).toEqual({ query: Q.healthy, type: 'flux', dialect: { annotations: ['datatype', 'group', 'default'], delimiter: ',', header: true } });
  });

  it('reads every row of an unhealthy canary, oldest first', async () => {
    expect(valueOf(await measure({ query: Q.unhealthy }, testDeps(secrets())))).toEqual([0.28, 0.3, 0.32]);
  });

  it('reads one value per table of a grouped query, and longs as numbers', async () => {
    expect(valueOf(await measure({ query: Q.grouped }, testDeps(secrets())))).toEqual([0.01, 0.3]);
    expect(valueOf(await measure({ query: Q.requests }, testDeps(secrets())))).toEqual([1200]);
  });

  it('keeps a path prefix of the address', async () => {
    const prefixed = await startFakeInfluxdb2({ org: ORG, token: TOKEN, prefix: '/influx', recordings: { [Q.healthy]: { csv: HEALTHY_CSV } } });
    try {
      const deps = testDeps([profileSecret({ address: `${prefixed.url}/`, authToken: TOKEN, org: ORG })]);
      expect(valueOf(await measure({ query: Q.healthy }, deps))).toEqual([0.01]);
      expect(prefixed.seen[0]?.url).toBe('/influx/api/v2/query?org=acme+rollouts');
    } finally {
      await prefixed.close();
    }
  });

  it('reads the profile named by `profile` from $POD_NAMESPACE, or from the namespace option', async () => {
    const secret = profileSecret({ address: fake.url, authToken: TOKEN, org: ORG }, 'influx-prod', 'rollouts-system');
    const r = await measure({ profile: 'influx-prod', query: Q.healthy }, testDeps([secret], { POD_NAMESPACE: 'rollouts-system' }));
    expect(valueOf(r)).toEqual([0.01]);
    expect(metadataOf(r)?.['InfluxdbProfile']).toBe('rollouts-system/influx-prod');
    const plugin = createInfluxdbMetricProvider({ namespace: 'rollouts-system' });
    expect(valueOf(await measure({ profile: 'influx-prod', query: Q.healthy }, testDeps([secret]), { plugin }))).toEqual([0.01]);
  });

  it('fails with "no results returned from flux query" on an empty answer (as upstream)', async () => {
    expect(errorOf(await measure({ query: Q.empty }, testDeps(secrets())))).toMatchObject({ _tag: 'ProviderResponseInvalid', message: 'no results returned from flux query' });
  });

  it("reports a compilation error with InfluxDB's code and message", async () => {
    expect(errorOf(await measure({ query: Q.compileError }, testDeps(secrets())))).toMatchObject({
      _tag: 'ProviderResponseInvalid',
      retryable: false,
      message: 'flux query failed: invalid: compilation failed: error @1:28-1:35: undefined identifier bogus (HTTP 400)',
    });
  });

  it('reports an error table in the stream as the error, not the partial data (upstream drops it)', async () => {
    expect(errorOf(await measure({ query: Q.runtimeError }, testDeps(secrets())))).toMatchObject({
      _tag: 'ProviderResponseInvalid',
      message: 'flux query error: runtime error @1:58-1:104: map: type conflict: int != float',
    });
  });

  it.each([
    ['a wrong token', { authToken: 'wrong' }, 'ProviderResponseInvalid', 'flux query failed: unauthorized: unauthorized access (HTTP 401)'],
    ['an unknown org', { org: 'other' }, 'ProviderResponseInvalid', 'flux query failed: not found: organization name "other" not found (HTTP 404)'],
  ])('reports %s as the server words it', async (_name, override, tag, message) => {
    const deps = testDeps([profileSecret({ address: fake.url, authToken: TOKEN, org: ORG, ...override })]);
    expect(errorOf(await measure({ query: Q.healthy }, deps))).toMatchObject({ _tag: tag, message });
  });

  it('reports a 503 as retryable', async () => {
    expect(errorOf(await measure({ query: Q.unavailable }, testDeps(secrets())))).toMatchObject({
      _tag: 'ProviderUnavailable',
      retryable: true,
      message: 'flux query failed: unavailable: service temporarily unavailable (HTTP 503)',
    });
  });

  it('reports a 200 answer that is not annotated CSV (a proxy page) as unreadable', async () => {
    const proxy = await startStaticServer(200, 'text/html', '<html><body>Sign in</body></html>');
    try {
      const deps = testDeps([profileSecret({ address: proxy.url, authToken: TOKEN, org: ORG })]);
      expect(errorOf(await measure({ query: Q.html }, deps))).toMatchObject({ _tag: 'ProviderResponseInvalid', message: expect.stringMatching(/^the flux answer cannot be read: parsing error/) });
    } finally {
      await proxy.close();
    }
  });

  it('times out a slow server, and waits for it within the default bound', async () => {
    const plugin = createInfluxdbMetricProvider({ timeoutMs: 300 });
    const e = errorOf(await measure({ query: Q.slow }, testDeps(secrets()), { plugin }));
    expect(e).toMatchObject({ _tag: 'ProviderTimeout', retryable: true, message: expect.stringMatching(/did not answer within 0.3 s/) });
    expect(valueOf(await measure({ query: Q.slow }, testDeps(secrets())))).toEqual([0.01]);
  }, 10_000);

  it('stops waiting when the controller cancels the measurement', async () => {
    const silent = await startSilentServer();
    try {
      const controller = new AbortController();
      setTimeout(() => controller.abort(), 100);
      const deps = testDeps([profileSecret({ address: silent.url, authToken: TOKEN, org: ORG })]);
      expect(errorOf(await measure({ query: Q.healthy }, deps, { signal: controller.signal }))).toMatchObject({ _tag: 'PluginAborted', retryable: true });
    } finally {
      await silent.close();
    }
  });

  it('reports a server that is down as retryable', async () => {
    const deps = testDeps([profileSecret({ address: `http://127.0.0.1:${await closedPort()}`, authToken: TOKEN, org: ORG })]);
    expect(errorOf(await measure({ query: Q.healthy }, deps))).toMatchObject({ _tag: 'ProviderUnavailable', retryable: true, message: expect.stringMatching(/ECONNREFUSED/) });
  });

  describeMetricProviderConformance('influxdb Flux (fake InfluxDB 2)', async () => {
    const down = profileSecret({ address: `http://127.0.0.1:${await closedPort()}`, authToken: TOKEN, org: ORG }, 'influxdb-down');
    const metric = (profile: string): Metric => ({ name: 'error-rate', provider: { influxdb: { profile, query: Q.healthy } } }) as unknown as Metric;
    return {
      plugin: influxdbMetricProvider,
      deps: testDeps([...secrets(), down]),
      metric: metric('influxdb'),
      unreachableMetric: metric('influxdb-down'),
      invalidConfig: { value: { query: 42 }, path: 'provider.influxdb.query' },
    };
  });
});


describe('influxdb provider profile and configuration errors', () => {
  it('names the missing Secret and its namespace', async () => {
    expect(errorOf(await measure({ query: 'from(bucket: "x")' }, testDeps()))).toEqual(
      PluginErrors.pluginConfigInvalid({
        path: 'provider.influxdb.profile',
        message: 'secrets "influxdb" not found in namespace "argo-rollouts": the influxdb provider reads address, authToken and org from this Secret',
      }),
    );
  });

  it("keeps upstream's message for an incomplete profile, naming the missing keys", async () => {
    const e = errorOf(await measure({ query: 'from(bucket: "x")' }, testDeps([profileSecret({ address: 'http://influx:8086', org: 'acme' })])));
    expect(e).toMatchObject({ _tag: 'PluginConfigInvalid', path: 'provider.influxdb.profile' });
    expect(e.message).toBe('authToken, org, or address not found: Secret "argo-rollouts/influxdb" has no authToken (a Flux profile needs address, authToken and org)');
  });

  it('passes a cluster failure through as retryable', async () => {
    const kube = { get: () => TE.left(PluginErrors.kubeUnavailable({ message: 'the API server answered 503' })) } as unknown as KubeObjectClient;
    expect(errorOf(await measure({ query: 'from(bucket: "x")' }, testDeps([], {}, kube)))).toMatchObject({ _tag: 'KubeUnavailable', retryable: true });
  });

  it('requires a query, before reading the Secret', async () => {
    const r = await measure({ profile: 'influxdb' }, testDeps());
    expect(E.isLeft(r) && r.left).toMatchObject({ _tag: 'PluginConfigInvalid', path: 'provider.influxdb.query', message: 'provider.influxdb.query is required' });
  });

  it('is registered under the kind "influxdb", and refuses a non-positive timeout option', () => {
    expect(influxdbMetricProvider.kind).toBe('influxdb');
    expect(() => createInfluxdbMetricProvider({ timeoutMs: -1 })).toThrow(/timeoutMs must be positive/);
  });
});
