/**
 * End-to-end: step analysis through the real `datadog` metric provider. The test starts, on 127.0.0.1, a
 * recorded-contract fake of Datadog's v1 query API (a test double: it checks method, path, parameters and the
 * DD-API-KEY / DD-APPLICATION-KEY headers of every request and answers a canned error-rate series per
 * `service:` tag), creates the `datadog` Secret (address, api-key, app-key) in the controller's namespace
 * (POD_NAMESPACE = the environment's namespace), and runs the controller with `datadogMetricProvider`.
 * A canary Rollout with a Datadog analysis step is promoted on a healthy series and aborted on a failing one,
 * with the run's and the Rollout's messages naming the metric, the value and the condition. Two more: a 429
 * with `Retry-After` makes the measurement wait and resume (the rollout still promotes), and keys Datadog
 * refuses abort the rollout with a message naming the Secret to check, never the key.
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { datadogMetricProvider } from '@rollouts/metrics-datadog';
import { canaryRollout, deploy, replicaSetsOf, Resources, setImage, startEnv, waitFor, waitHealthy, waitStatus, type Env } from './harness';

jest.setTimeout(60_000);

const API_KEY = 'e2e-dd-api-key-5f2c9a';
const APP_KEY = 'e2e-dd-app-key-81b7d4';
/** The error rate the fake reports for each `service:` tag. */
const SERIES: Record<string, number> = { healthy: 0.01, failing: 0.3 };

const METRIC = 'error-rate';
const QUERY = 'avg:trace.http.request.errors{service:{{args.service}}}.as_rate()';
const CONDITION = 'default(result, 0) < 0.05';

interface Fake {
  readonly url: string;
  readonly violations: string[];
  readonly queries: string[];
  close(): Promise<void>;
}

/** The recorded-contract fake of `GET /api/v1/query` (see the file comment). */
async function startDatadogFake(): Promise<Fake> {
  const violations: string[] = [];
  const queries: string[] = [];
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://fake');
    const answer = (status: number, body: unknown) => res.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify(body));
    if (req.method !== 'GET' || url.pathname !== '/api/v1/query') {
      violations.push(`${req.method} ${req.url}: expected GET /api/v1/query`);
      return answer(404, { errors: ['Not found'] });
    }
    if ([...url.searchParams.keys()].join(',') !== 'from,query,to') violations.push(`${req.url}: parameters must be from,query,to`);
    const from = Number(url.searchParams.get('from'));
    const to = Number(url.searchParams.get('to'));
    if (!(Number.isInteger(from) && Number.isInteger(to) && to - from === 300)) violations.push(`${req.url}: from/to must be unix seconds 5m apart`);
    if (req.headers['content-type'] !== 'application/json') violations.push(`${req.url}: Content-Type ${String(req.headers['content-type'])}`);
    if (req.headers['dd-api-key'] !== API_KEY || req.headers['dd-application-key'] !== APP_KEY) return answer(403, { errors: ['Forbidden'] });
    const query = url.searchParams.get('query') ?? '';
    queries.push(query);
    const service = /service:([a-z]+)/.exec(query)?.[1] ?? '';
    if (service === 'throttled' && queries.filter((q) => q === query).length === 1) {
      return res.writeHead(429, { 'Content-Type': 'application/json', 'Retry-After': '1', 'X-RateLimit-Name': 'query' }).end(JSON.stringify({ errors: ['Too many requests'] }));
    }
    const value = SERIES[service === 'throttled' ? 'healthy' : service];
    if (value === undefined) return answer(200, { status: 'ok', series: [] });
    const t = to * 1000;
    answer(200, { status: 'ok', query, series: [{ metric: 'trace.http.request.errors', pointlist: [[t - 20_000, value / 2], [t - 10_000, value]] }] });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    violations,
    queries,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const template = (name: string, datadog: Record<string, unknown> = {}, extra: Record<string, unknown> = {}) => ({
  apiVersion: 'argoproj.io/v1alpha1',
  kind: 'AnalysisTemplate',
  metadata: { name },
  spec: {
    args: [{ name: 'service' }],
    metrics: [{ name: METRIC, interval: '1s', count: 2, successCondition: CONDITION, failureLimit: 0, provider: { datadog: { query: QUERY, interval: '5m', requestTimeout: '2s', ...datadog } }, ...extra }],
  },
});

const analysisSteps = (templateName: string, service: string) => [
  { setWeight: 50 },
  { analysis: { templates: [{ templateName }], args: [{ name: 'service', value: service }] } },
];

interface MeasurementView {
  phase: string;
  value?: string;
  message?: string;
  metadata?: Record<string, string>;
}
interface RunView {
  metadata: { name: string; ownerReferences?: Array<{ kind: string; name: string }> };
  status?: { phase?: string; message?: string; metricResults?: Array<{ name: string; phase: string; message?: string; count?: number; measurements?: MeasurementView[] }> };
}

describe('step analysis through the datadog provider (recorded-contract fake of the Datadog API)', () => {
  let fake: Fake | undefined;
  let env: Env | undefined;
  const runsOf = (rollout: string) => env!.api.list<RunView>(Resources.analysisRuns).filter((r) => (r.metadata.ownerReferences ?? []).some((o) => o.kind === 'Rollout' && o.name === rollout));

  beforeAll(async () => {
    fake = await startDatadogFake();
    env = await startEnv({ readinessDelayMs: 30, noController: true });
    // The controller's namespace (where it reads the `datadog` Secret) is the environment's namespace.
    await env.startController({ metricProviders: [datadogMetricProvider], env: { POD_NAMESPACE: env.ns }, measurementTimeoutMs: 5_000 });
    await env.api.create(Resources.secrets, { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'datadog' }, stringData: { address: fake.url, 'api-key': API_KEY, 'app-key': APP_KEY } });
    await env.api.create(Resources.analysisTemplates, template('dd-error-rate'));
    // Keys Datadog refuses, in a Secret named by secretRef; one Error decides the metric.
    await env.api.create(Resources.secrets, { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'datadog-wrong' }, stringData: { address: fake.url, 'api-key': 'e2e-revoked-key-77', 'app-key': APP_KEY } });
    await env.api.create(Resources.analysisTemplates, template('dd-wrong-keys', { secretRef: { name: 'datadog-wrong' } }, { consecutiveErrorLimit: 0 }));
  }, 40_000);

  afterAll(async () => {
    await env?.stop();
    await fake?.close();
  }, 15_000);

  afterEach(() => expect(fake!.violations).toEqual([]));

  test('a healthy series: the run is Successful and the rollout ends Healthy on the new revision', async () => {
    const first = await deploy(env!, canaryRollout('dd-healthy', analysisSteps('dd-error-rate', 'healthy')), ['dd-healthy-canary', 'dd-healthy-stable']);
    await setImage(env!, 'dd-healthy', 'demo:2');
    const done = await waitHealthy(env!, 'dd-healthy', 25_000);
    expect(done.status!.stableRS).not.toBe(first.status!.stableRS);
    expect(done.spec.template.spec.containers[0]!.image).toBe('demo:2');
    const runs = runsOf('dd-healthy');
    expect(runs).toHaveLength(1);
    const run = runs[0]!;
    expect(run.status!.phase).toBe('Successful');
    const result = run.status!.metricResults![0]!;
    expect(result).toMatchObject({ name: METRIC, phase: 'Successful', count: 2 });
    expect(result.measurements!.map((m) => [m.phase, m.value])).toEqual([
      ['Successful', '0.01'],
      ['Successful', '0.01'],
    ]);
    expect(result.measurements![0]!.metadata?.['ResolvedDatadogQuery']).toBe('avg:trace.http.request.errors{service:healthy}.as_rate()');
    expect(fake!.queries).toContain('avg:trace.http.request.errors{service:healthy}.as_rate()');
    const sets = replicaSetsOf(env!, 'dd-healthy');
    expect(sets.get(first.status!.stableRS!)?.spec.replicas).toBe(0);
    expect(sets.get(done.status!.stableRS!)?.spec.replicas).toBe(4);
  });

  test('a failing series: the run Fails, the rollout aborts and the stable is restored, explained with metric, value and condition', async () => {
    const first = await deploy(env!, canaryRollout('dd-failing', analysisSteps('dd-error-rate', 'failing')), ['dd-failing-canary', 'dd-failing-stable']);
    const stable = first.status!.stableRS!;
    await setImage(env!, 'dd-failing', 'demo:2');
    const aborted = await waitStatus(env!, 'dd-failing', 'aborted by the analysis', (s) => s.abort === true && s.phase === 'Degraded', 25_000);
    expect(aborted.status!.stableRS).toBe(stable);
    await waitFor(
      'the stable back at full size and the canary scaled down',
      () => [...replicaSetsOf(env!, 'dd-failing').entries()].every(([h, rs]) => (h === stable ? rs.spec.replicas === 4 && rs.status?.availableReplicas === 4 : rs.spec.replicas === 0)),
      15_000,
      () => [...replicaSetsOf(env!, 'dd-failing').entries()].map(([h, rs]) => [h, rs.spec.replicas, rs.status?.availableReplicas]),
    );
    const runs = runsOf('dd-failing');
    expect(runs).toHaveLength(1);
    const run = runs[0]!;
    expect(run.status!.phase).toBe('Failed');
    const result = run.status!.metricResults![0]!;
    expect(result).toMatchObject({ name: METRIC, phase: 'Failed' });
    expect(result.measurements).toHaveLength(1);
    expect(result.measurements![0]).toMatchObject({ phase: 'Failed', value: '0.3', metadata: { ResolvedDatadogQuery: 'avg:trace.http.request.errors{service:failing}.as_rate()' } });
    const verdict = `Metric "${METRIC}" assessed Failed due to failed (1) > failureLimit (0) (last value 0.3, successCondition "${CONDITION}")`;
    expect(run.status!.message).toBe(verdict);
    const status = aborted.status! as typeof aborted.status & { canary?: { currentStepAnalysisRunStatus?: { name: string; status: string; message?: string } } };
    expect(status.canary?.currentStepAnalysisRunStatus).toEqual({ name: run.metadata.name, status: 'Failed', message: verdict });
    expect(status.message).toBe(`RolloutAborted: Rollout aborted update to revision 2: Step-based analysis phase failed: AnalysisRun ${run.metadata.name}: ${verdict}`);
    // The keys never reach the cluster's view of the run.
    expect(JSON.stringify(run)).not.toContain(API_KEY);
    expect(JSON.stringify(run)).not.toContain(APP_KEY);
  });

  test('rate limited (HTTP 429, Retry-After 1): the measurement waits, is resumed, and the rollout still promotes', async () => {
    await deploy(env!, canaryRollout('dd-throttled', analysisSteps('dd-error-rate', 'throttled')), ['dd-throttled-canary', 'dd-throttled-stable']);
    await setImage(env!, 'dd-throttled', 'demo:2');
    await waitHealthy(env!, 'dd-throttled', 25_000);
    const run = runsOf('dd-throttled')[0]!;
    expect(run.status!.phase).toBe('Successful');
    const result = run.status!.metricResults![0]!;
    expect(result).toMatchObject({ name: METRIC, phase: 'Successful', count: 2 });
    // The 429 was no Error: the first measurement waited once, then measured.
    expect(result.measurements!.map((m) => m.phase)).toEqual(['Successful', 'Successful']);
    expect(result.measurements![0]!.metadata).toMatchObject({ rateLimitWaits: '1' });
    const waited = result.measurements![0]! as MeasurementView & { startedAt?: string; finishedAt?: string };
    expect(Date.parse(waited.finishedAt ?? '') - Date.parse(waited.startedAt ?? '')).toBeGreaterThanOrEqual(1000);
    expect(result.measurements![0]!.metadata?.['rateLimited']).toContain('datadog answered HTTP 429 (rate limited, limit query); waited Retry-After 1 s');
  });

  test('keys Datadog refuses: the run Errors and the rollout aborts, naming the Secret to check and never the key', async () => {
    const first = await deploy(env!, canaryRollout('dd-wrong', analysisSteps('dd-wrong-keys', 'healthy')), ['dd-wrong-canary', 'dd-wrong-stable']);
    await setImage(env!, 'dd-wrong', 'demo:2');
    const aborted = await waitStatus(env!, 'dd-wrong', 'aborted after the error', (s) => s.abort === true && s.phase === 'Degraded', 25_000);
    expect(aborted.status!.stableRS).toBe(first.status!.stableRS);
    const run = runsOf('dd-wrong')[0]!;
    expect(run.status!.phase).toBe('Error');
    const refused = `received authentication error response code: 403 {"errors":["Forbidden"]}; check the api-key and app-key in Secret "${env!.ns}/datadog-wrong"`;
    expect(run.status!.metricResults![0]!.message).toContain(refused);
    expect(run.status!.message).toContain(refused);
    expect((aborted.status as { message?: string }).message).toContain(refused);
    expect(JSON.stringify(run)).not.toContain('e2e-revoked-key-77');
  });
});
