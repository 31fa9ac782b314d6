/**
 * End-to-end: step analysis through the real `prometheus` metric provider against a real Prometheus
 * (Debian's `prometheus` package). The test starts, on 127.0.0.1, a small exporter serving a gauge
 * `canary_error_ratio{service="..."}` whose value it sets per canary, and a Prometheus with a temp config and
 * data dir scraping it every second; then kube-sim and the controller with `prometheusMetricProvider`.
 * A canary Rollout with an analysis step is promoted when the error rate is low, aborted (stable restored)
 * when it is high, and aborted with an explanation when Prometheus is unreachable. Without a `prometheus`
 * binary (PATH or $PROMETHEUS_BIN) it prints one line and skips.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { prometheusMetricProvider } from '@rollouts/metrics-prometheus';
import { canaryRollout, deploy, replicaSetsOf, Resources, setImage, startEnv, waitFor, waitHealthy, waitStatus, type Env } from './harness';

jest.setTimeout(60_000);

function findBinary(name: string): string | undefined {
  const explicit = process.env['PROMETHEUS_BIN'];
  if (explicit !== undefined && explicit !== '') return fs.existsSync(explicit) ? explicit : undefined;
  for (const dir of (process.env['PATH'] ?? '').split(path.delimiter)) {
    const candidate = path.join(dir, name);
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

const binary = findBinary('prometheus');
if (binary === undefined) {
  process.stdout.write('controller: prometheus e2e tests skipped: no prometheus binary (apt-get install -y --no-install-recommends prometheus, or set PROMETHEUS_BIN)\n');
}
const describeReal = binary === undefined ? describe.skip : describe;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The error ratio the exporter reports, per `service` label; the test switches it. */
const errorRatio = new Map<string, number>();

/** A tiny exporter: one gauge sample per service in `errorRatio`. */
async function startExporter(): Promise<{ server: http.Server; port: number }> {
  const server = http.createServer((req, res) => {
    if (req.url !== '/metrics') return void res.writeHead(404).end();
    const lines = ['# TYPE canary_error_ratio gauge'];
    for (const [service, v] of errorRatio) lines.push(`canary_error_ratio{service="${service}"} ${v}`);
    res.writeHead(200, { 'Content-Type': 'text/plain; version=0.0.4' }).end(lines.join('\n') + '\n');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as AddressInfo).port };
}

/** A port nothing listens on (bound, then released). */
async function closedPort(): Promise<number> {
  const s = http.createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

const METRIC = 'error-rate';
const QUERY = 'canary_error_ratio{service="{{args.service}}"}';
const CONDITION = 'result[0] < 0.05';

/** An AnalysisTemplate querying `address` for the `service` argument's error ratio. */
const template = (name: string, address: string, extra: Record<string, unknown> = {}) => ({
  apiVersion: 'argoproj.io/v1alpha1',
  kind: 'AnalysisTemplate',
  metadata: { name },
  spec: {
    args: [{ name: 'service' }],
    metrics: [{ name: METRIC, interval: '1s', count: 2, successCondition: CONDITION, failureLimit: 0, provider: { prometheus: { address, query: QUERY, timeout: 2 } }, ...extra }],
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
  finishedAt?: string;
  metadata?: Record<string, string>;
}
interface RunView {
  metadata: { name: string; ownerReferences?: Array<{ kind: string; name: string }> };
  status?: { phase?: string; message?: string; metricResults?: Array<{ name: string; phase: string; message?: string; count?: number; error?: number; consecutiveError?: number; measurements?: MeasurementView[] }> };
}

describeReal('step analysis against a real Prometheus', () => {
  let dir = '';
  let prometheus: ChildProcess | undefined;
  let exporter: http.Server | undefined;
  let address = '';
  let log = '';
  let env: Env | undefined;

  const runsOf = (rollout: string) => env!.api.list<RunView>(Resources.analysisRuns).filter((r) => (r.metadata.ownerReferences ?? []).some((o) => o.kind === 'Rollout' && o.name === rollout));

  /** Poll Prometheus until `service`'s gauge reads `value` (the exporter's value was scraped). */
  async function prometheusReads(service: string, value: number, timeoutMs = 20_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    const query = `canary_error_ratio{service="${service}"}`;
    for (;;) {
      if (prometheus?.exitCode != null) throw new Error(`prometheus exited with ${prometheus.exitCode}:\n${log}`);
      try {
        const res = await fetch(`${address}/api/v1/query?query=${encodeURIComponent(query)}`);
        const body = (await res.json()) as { data?: { result?: Array<{ value: [number, string] }> } };
        if (body.data?.result?.[0]?.value[1] === String(value)) return;
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) throw new Error(`Prometheus did not read ${query} = ${value} within ${timeoutMs} ms:\n${log}`);
      await sleep(200);
    }
  }

  beforeAll(async () => {
    errorRatio.set('low', 0.01);
    errorRatio.set('high', 0.3);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rollouts-prometheus-e2e-'));
    const ex = await startExporter();
    exporter = ex.server;
    const port = await closedPort();
    address = `http://127.0.0.1:${port}`;
    const config = [
      'global:',
      '  scrape_interval: 1s',
      '  evaluation_interval: 1s',
      'scrape_configs:',
      '  - job_name: canary',
      '    static_configs:',
      `      - targets: ['127.0.0.1:${ex.port}']`,
      '',
    ].join('\n');
    fs.writeFileSync(path.join(dir, 'prometheus.yml'), config);
    prometheus = spawn(binary!, [`--config.file=${path.join(dir, 'prometheus.yml')}`, `--web.listen-address=127.0.0.1:${port}`, `--storage.tsdb.path=${path.join(dir, 'data')}`, '--log.level=warn'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    prometheus.stdout?.on('data', (c: Buffer) => (log += c.toString()));
    prometheus.stderr?.on('data', (c: Buffer) => (log += c.toString()));
    env = await startEnv({ readinessDelayMs: 30, controller: { metricProviders: [prometheusMetricProvider], measurementTimeoutMs: 5_000 } });
    await prometheusReads('low', 0.01);
    await prometheusReads('high', 0.3);
    await env.api.create(Resources.analysisTemplates, template('error-rate', address));
  }, 40_000);

  afterAll(async () => {
    await env?.stop();
    if (prometheus !== undefined && prometheus.exitCode === null) {
      const exited = new Promise((resolve) => prometheus!.once('exit', resolve));
      prometheus.kill('SIGTERM');
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([exited, new Promise((resolve) => (timer = setTimeout(resolve, 5000)))]);
      clearTimeout(timer);
      if (prometheus.exitCode === null) prometheus.kill('SIGKILL');
    }
    await new Promise<void>((resolve) => (exporter !== undefined ? exporter.close(() => resolve()) : resolve()));
    if (dir !== '') fs.rmSync(dir, { recursive: true, force: true });
  }, 15_000);

  test('a low error rate: the run is Successful and the rollout ends Healthy on the new revision', async () => {
    const first = await deploy(env!, canaryRollout('prom-low', analysisSteps('error-rate', 'low')), ['prom-low-canary', 'prom-low-stable']);
    await setImage(env!, 'prom-low', 'demo:2');
    const done = await waitHealthy(env!, 'prom-low', 25_000);
    expect(done.status!.stableRS).not.toBe(first.status!.stableRS);
    expect(done.spec.template.spec.containers[0]!.image).toBe('demo:2');
    const runs = runsOf('prom-low');
    expect(runs).toHaveLength(1);
    const run = runs[0]!;
    expect(run.status!.phase).toBe('Successful');
    const result = run.status!.metricResults![0]!;
    expect(result).toMatchObject({ name: METRIC, phase: 'Successful', count: 2 });
    expect(result.measurements!.map((m) => [m.phase, m.value])).toEqual([
      ['Successful', '[0.01]'],
      ['Successful', '[0.01]'],
    ]);
    expect(result.measurements![0]!.metadata?.['ResolvedPrometheusQuery']).toBe('canary_error_ratio{service="low"}');
    // The old revision is scaled away; all replicas run the new one.
    const sets = replicaSetsOf(env!, 'prom-low');
    expect(sets.get(first.status!.stableRS!)?.spec.replicas).toBe(0);
    expect(sets.get(done.status!.stableRS!)?.spec.replicas).toBe(4);
  });

  test('a high error rate: the run Fails, the rollout aborts and the stable is restored, with an explanation', async () => {
    const first = await deploy(env!, canaryRollout('prom-high', analysisSteps('error-rate', 'high')), ['prom-high-canary', 'prom-high-stable']);
    const stable = first.status!.stableRS!;
    await setImage(env!, 'prom-high', 'demo:2');
    const aborted = await waitStatus(env!, 'prom-high', 'aborted by the analysis', (s) => s.abort === true && s.phase === 'Degraded', 25_000);
    expect(aborted.status!.stableRS).toBe(stable);
    await waitFor(
      'the stable back at full size and the canary scaled down',
      () => [...replicaSetsOf(env!, 'prom-high').entries()].every(([h, rs]) => (h === stable ? rs.spec.replicas === 4 && rs.status?.availableReplicas === 4 : rs.spec.replicas === 0)),
      15_000,
      () => [...replicaSetsOf(env!, 'prom-high').entries()].map(([h, rs]) => [h, rs.spec.replicas, rs.status?.availableReplicas]),
    );

    const runs = runsOf('prom-high');
    expect(runs).toHaveLength(1);
    const run = runs[0]!;
    expect(run.status!.phase).toBe('Failed');
    const result = run.status!.metricResults![0]!;
    expect(result).toMatchObject({ name: METRIC, phase: 'Failed' });
    // failureLimit 0: the first failed measurement decides; the value is on the measurement only.
    expect(result.measurements).toHaveLength(1);
    expect(result.measurements![0]).toMatchObject({ phase: 'Failed', value: '[0.3]', metadata: { ResolvedPrometheusQuery: 'canary_error_ratio{service="high"}' } });
    // The verdict names the metric, the limit, the measured value and the condition it failed.
    const verdict = 'Metric "error-rate" assessed Failed due to failed (1) > failureLimit (0) (last value [0.3], successCondition "result[0] < 0.05")';
    expect(run.status!.message).toBe(verdict);

    // The Rollout's abort message carries all of it.
    const status = aborted.status! as typeof aborted.status & { canary?: { currentStepAnalysisRunStatus?: { name: string; status: string; message?: string } } };
    expect(status.canary?.currentStepAnalysisRunStatus).toEqual({ name: run.metadata.name, status: 'Failed', message: verdict });
    const explanation = `Rollout aborted update to revision 2: Step-based analysis phase failed: AnalysisRun ${run.metadata.name}: ${verdict}`;
    expect(status.message).toBe(`RolloutAborted: ${explanation}`);
    expect(status.conditions?.find((c) => c.type === 'Progressing')).toMatchObject({ status: 'False', reason: 'RolloutAborted', message: explanation });
  });

  test('an unreachable Prometheus: Error measurements reach consecutiveErrorLimit and the rollout aborts with an explanation', async () => {
    const down = `http://127.0.0.1:${await closedPort()}`;
    await env!.api.create(Resources.analysisTemplates, template('error-rate-down', down, { consecutiveErrorLimit: 1 }));
    const first = await deploy(env!, canaryRollout('prom-down', analysisSteps('error-rate-down', 'low')), ['prom-down-canary', 'prom-down-stable']);
    const stable = first.status!.stableRS!;
    await setImage(env!, 'prom-down', 'demo:2');
    // consecutiveErrors must exceed the limit: two Errors, the second 10 s after the first (the error retry interval).
    const aborted = await waitStatus(env!, 'prom-down', 'aborted after the errors', (s) => s.abort === true && s.phase === 'Degraded', 30_000);
    expect(aborted.status!.stableRS).toBe(stable);
    await waitFor(
      'the stable back at full size and the canary scaled down',
      () => [...replicaSetsOf(env!, 'prom-down').entries()].every(([h, rs]) => (h === stable ? rs.spec.replicas === 4 && rs.status?.availableReplicas === 4 : rs.spec.replicas === 0)),
      15_000,
      () => [...replicaSetsOf(env!, 'prom-down').entries()].map(([h, rs]) => [h, rs.spec.replicas, rs.status?.availableReplicas]),
    );

    const runs = runsOf('prom-down');
    expect(runs).toHaveLength(1);
    const run = runs[0]!;
    expect(run.status!.phase).toBe('Error');
    const result = run.status!.metricResults![0]!;
    const unreachable = `could not reach prometheus at ${down}: ECONNREFUSED`;
    expect(result).toMatchObject({ name: METRIC, phase: 'Error', error: 2, consecutiveError: 2 });
    expect(result.message).toContain(unreachable);
    expect(result.measurements!.map((m) => m.phase)).toEqual(['Error', 'Error']);
    for (const m of result.measurements!) expect(m.message).toContain(unreachable);
    // The Error retry interval is 10 s whatever `interval` says (upstream's DefaultErrorRetryInterval).
    const [e1, e2] = result.measurements!.map((m) => Date.parse(m.finishedAt ?? ''));
    expect(e2! - e1!).toBeGreaterThanOrEqual(9_000);
    expect(run.status!.message).toContain('Metric "error-rate" assessed Error due to consecutiveErrors (2) > consecutiveErrorLimit (1): "Error Message: ' + unreachable);

    // Never a silent pass: the rollout stays on the stable and says why, down to the provider's error.
    const message = aborted.status!.message ?? '';
    expect(message).toContain(`RolloutAborted: Rollout aborted update to revision 2: Step-based analysis phase error: AnalysisRun ${run.metadata.name}: `);
    expect(message).toContain('consecutiveErrors (2) > consecutiveErrorLimit (1)');
    expect(message).toContain(unreachable);
  });

});
