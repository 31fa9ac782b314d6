/**
 * End to end: the real controller (`createController`) with the job provider registered, against kube-sim,
 * whose Job controller and kubelet run the metric Jobs (pod rules decide by image: `checker:ok` succeeds at
 * once, `checker:fail` fails, `checker:slow` runs for a few seconds). The test plays the user: it creates
 * AnalysisRuns directly, and reads what the controller wrote.
 */
import { customResourceDefinitions } from '@rollouts/api';
import { createController, type Controller } from '@rollouts/controller';
import { loadKubeConfig } from '@rollouts/k8s';
import { startKubeSim, type KubeObject, type KubeSim } from '@rollouts/kube-sim';
import type { Logger } from '@rollouts/plugin-sdk';
import { jobMetricProvider } from '../src';

jest.setTimeout(60_000);

const NS = 'default';
const SLOW_MS = 3_000;

const quiet: Logger = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

let sim: KubeSim;
const controllers: Controller[] = [];

async function startController(): Promise<Controller> {
  const c = createController({
    kubeConfig: loadKubeConfig({ options: sim.kubeConfig }),
    metricProviders: [jobMetricProvider],
    log: quiet,
    workers: { rollouts: 1, analysisRuns: 2, experiments: 1 },
    queue: { baseDelayMs: 5, maxDelayMs: 200, qps: 1000, burst: 1000 },
    resyncMs: 0,
  });
  controllers.push(c);
  await c.start();
  return c;
}

beforeAll(async () => {
  sim = await startKubeSim({
    objects: customResourceDefinitions() as unknown as KubeObject[],
    workloads: {
      readinessDelayMs: 10,
      jobDurationMs: 50,
      podRules: [
        { image: 'checker:fail', exit: 'fail' },
        { image: 'checker:slow', runForMs: SLOW_MS },
      ],
    },
  });
});

afterAll(async () => {
  await Promise.all(controllers.map((c) => c.stop()));
  await sim?.stop();
});

interface MeasurementView {
  phase: string;
  message?: string;
  metadata?: Record<string, string>;
  finishedAt?: string;
}
interface RunView {
  metadata: { name: string; uid: string };
  status?: { phase?: string; message?: string; metricResults?: Array<{ name: string; phase: string; count?: number; measurements?: MeasurementView[] }> };
}

const jobMetric = (image: string, extra: Record<string, unknown> = {}) => ({
  name: 'smoke',
  provider: { job: { spec: { backoffLimit: 0, template: { spec: { containers: [{ name: 'check', image, command: ['check'] }], restartPolicy: 'Never' } } } } },
  ...extra,
});

function analysisRun(name: string, metric: Record<string, unknown>, spec: Record<string, unknown> = {}) {
  return { apiVersion: 'argoproj.io/v1alpha1', kind: 'AnalysisRun', metadata: { name, namespace: NS }, spec: { metrics: [metric], ...spec } };
}

const runOf = (name: string) => sim.objects.get('argoproj.io/v1alpha1', 'AnalysisRun', name, NS) as unknown as RunView | undefined;
const jobsOf = (uid: string) => sim.objects.list('batch/v1', 'Job', NS).filter((j) => j.metadata.labels?.['analysisrun.argoproj.io/uid'] === uid);
const measurementsOf = (name: string) => runOf(name)?.status?.metricResults?.[0]?.measurements ?? [];

async function waitFor<T>(what: string, check: () => T | undefined | false, timeoutMs = 20_000, describe?: () => unknown): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = check();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}${describe !== undefined ? `; last seen: ${JSON.stringify(describe(), null, 1)}` : ''}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const waitPhase = (name: string, phases: string[], timeoutMs?: number) =>
  waitFor(`AnalysisRun ${name} ${phases.join('|')}`, () => {
    const r = runOf(name);
    return r !== undefined && phases.includes(r.status?.phase ?? '') ? r : undefined;
  }, timeoutMs, () => runOf(name)?.status);

describe('with a controller running', () => {
  beforeAll(async () => {
    await startController();
  });
  afterAll(async () => {
    await Promise.all(controllers.splice(0).map((c) => c.stop()));
  });

  test('a Job that succeeds makes the run Successful', async () => {
    sim.objects.create(analysisRun('job-ok', jobMetric('checker:ok')) as unknown as KubeObject);
    const run = await waitPhase('job-ok', ['Successful', 'Failed', 'Error', 'Inconclusive']);
    expect(run.status!.phase).toBe('Successful');
    const [m, ...more] = measurementsOf('job-ok');
    expect(more).toEqual([]);
    const jobName = `${run.metadata.uid}.smoke.1`;
    expect(m).toMatchObject({ phase: 'Successful', metadata: { 'job-name': jobName, 'job-namespace': NS } });
    const job = sim.objects.get('batch/v1', 'Job', jobName, NS)!;
    expect(job.metadata.ownerReferences).toEqual([expect.objectContaining({ kind: 'AnalysisRun', name: 'job-ok', uid: run.metadata.uid, controller: true })]);
    expect(job.metadata.annotations).toMatchObject({ 'analysisrun.argoproj.io/name': 'job-ok', 'analysisrun.argoproj.io/namespace': NS, 'analysisrun.argoproj.io/metric-name': 'smoke' });
    expect((job['status'] as { conditions: Array<{ type: string; status: string }> }).conditions).toContainEqual(expect.objectContaining({ type: 'Complete', status: 'True' }));
    // the Job's pods carry the run's uid label from the pod template
    const pods = sim.objects.list('v1', 'Pod', NS).filter((p) => (p.metadata.ownerReferences ?? []).some((o) => o.uid === job.metadata.uid));
    expect(pods.length).toBeGreaterThan(0);
    for (const p of pods) expect(p.metadata.labels?.['analysisrun.argoproj.io/uid']).toBe(run.metadata.uid);
  });

  test('a Job that fails makes the run Failed, and the message names the Job', async () => {
    sim.objects.create(analysisRun('job-bad', jobMetric('checker:fail')) as unknown as KubeObject);
    const run = await waitPhase('job-bad', ['Successful', 'Failed', 'Error', 'Inconclusive']);
    expect(run.status!.phase).toBe('Failed');
    const m = measurementsOf('job-bad')[0]!;
    expect(m.phase).toBe('Failed');
    expect(m.message).toBe(`Job "${NS}/${run.metadata.uid}.smoke.1" failed: BackoffLimitExceeded: Job has reached the specified backoff limit`);
  });

  test('count 3 with measurementRetention 1: three Jobs ran, only the newest is left', async () => {
    sim.objects.create(analysisRun('job-gc', jobMetric('checker:ok', { count: 3, interval: '1s' }), { measurementRetention: [{ metricName: 'smoke', limit: 1 }] }) as unknown as KubeObject);
    const run = await waitPhase('job-gc', ['Successful', 'Failed', 'Error', 'Inconclusive'], 30_000);
    expect(run.status!.phase).toBe('Successful');
    expect(run.status!.metricResults![0]!.count).toBe(3);
    const ms = measurementsOf('job-gc');
    expect(ms).toHaveLength(1);
    expect(ms[0]!.metadata?.['job-name']).toBe(`${run.metadata.uid}.smoke.3`);
    const left = await waitFor('the older Jobs deleted', () => {
      const jobs = jobsOf(run.metadata.uid).filter((j) => j.metadata.deletionTimestamp == null);
      return jobs.length === 1 ? jobs : undefined;
    }, 10_000, () => jobsOf(run.metadata.uid).map((j) => j.metadata.name));
    expect(left.map((j) => j.metadata.name)).toEqual([`${run.metadata.uid}.smoke.3`]);
    // deleted with propagation Background: the old Jobs' pods go too
    const kept = left[0]!.metadata.uid;
    await waitFor('only the kept Job has pods', () => {
      const pods = sim.objects.list('v1', 'Pod', NS).filter((p) => p.metadata.labels?.['analysisrun.argoproj.io/uid'] === run.metadata.uid);
      return pods.length > 0 && pods.every((p) => (p.metadata.ownerReferences ?? []).some((o) => o.uid === kept));
    }, 10_000, () => sim.objects.list('v1', 'Pod', NS).filter((p) => p.metadata.labels?.['analysisrun.argoproj.io/uid'] === run.metadata.uid).map((p) => p.metadata.name));
  });
});

describe('controller restarts', () => {
  afterEach(async () => {
    await Promise.all(controllers.splice(0).map((c) => c.stop()));
  });

  test('a controller restarted while the Job runs resumes it: no second Job', async () => {
    const first = await startController();
    sim.objects.create(analysisRun('job-restart', jobMetric('checker:slow')) as unknown as KubeObject);
    const jobName = await waitFor('the measurement in flight', () => measurementsOf('job-restart')[0]?.metadata?.['job-name']);
    await first.stop();
    expect(measurementsOf('job-restart')[0]?.phase).toBe('Running');
    await startController();
    const run = await waitPhase('job-restart', ['Successful', 'Failed', 'Error', 'Inconclusive'], 20_000);
    expect(run.status!.phase).toBe('Successful');
    expect(measurementsOf('job-restart')).toEqual([expect.objectContaining({ phase: 'Successful', metadata: expect.objectContaining({ 'job-name': jobName }) })]);
    expect(jobsOf(run.metadata.uid).map((j) => j.metadata.name)).toEqual([jobName]);
  });

  test('a Job created before a crash, never recorded, is adopted by the next controller', async () => {
    // No controller runs: the run is created, and its first Job exists as if a controller had created it and
    // died before writing the measurement.
    const created = sim.objects.create(analysisRun('job-adopt', jobMetric('checker:slow')) as unknown as KubeObject);
    const uid = created.metadata.uid!;
    const jobName = `${uid}.smoke.1`;
    const orphan = sim.objects.create({
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: {
        name: jobName,
        namespace: NS,
        labels: { 'analysisrun.argoproj.io/uid': uid },
        annotations: { 'analysisrun.argoproj.io/name': 'job-adopt', 'analysisrun.argoproj.io/namespace': NS, 'analysisrun.argoproj.io/metric-name': 'smoke' },
        ownerReferences: [{ apiVersion: 'argoproj.io/v1alpha1', kind: 'AnalysisRun', name: 'job-adopt', uid, controller: true, blockOwnerDeletion: true }],
      },
      spec: { backoffLimit: 0, template: { metadata: { labels: { 'analysisrun.argoproj.io/uid': uid } }, spec: { containers: [{ name: 'check', image: 'checker:ok' }], restartPolicy: 'Never' } } },
    } as unknown as KubeObject);
    await startController();
    const run = await waitPhase('job-adopt', ['Successful', 'Failed', 'Error', 'Inconclusive'], 20_000);
    expect(run.status!.phase).toBe('Successful');
    expect(measurementsOf('job-adopt')).toEqual([expect.objectContaining({ phase: 'Successful', metadata: { 'job-name': jobName, 'job-namespace': NS } })]);
    const jobs = jobsOf(uid);
    expect(jobs.map((j) => j.metadata.uid)).toEqual([orphan.metadata.uid]);
  });
});

describe('AnalysisRun status writes answered 409 Conflict', () => {
  afterEach(async () => {
    await Promise.all(controllers.splice(0).map((c) => c.stop()));
  });

  test('a measurement whose recording failed follows its Job: one Job per measurement', async () => {
    await startController();
    const since = sim.requestLog.mark();
    // The run's status writes (which record each measurement and the Job it started) fail several times in a row.
    const fault = sim.inject.conflict({ resource: 'analysisruns', times: 6 });
    try {
      sim.objects.create(analysisRun('job-409', jobMetric('checker:ok', { count: 2, interval: '1s' })) as unknown as KubeObject);
      const run = await waitPhase('job-409', ['Successful', 'Failed', 'Error', 'Inconclusive'], 30_000);
      expect(run.status!.phase).toBe('Successful');
      expect(run.status!.metricResults![0]!.count).toBe(2);
      expect(jobsOf(run.metadata.uid).map((j) => j.metadata.name).sort()).toEqual([`${run.metadata.uid}.smoke.1`, `${run.metadata.uid}.smoke.2`]);
    } finally {
      fault.remove();
    }
    expect(sim.requestLog.count({ since, code: 409, resource: 'analysisruns' })).toBeGreaterThanOrEqual(6);
    // the measurement was taken again after its recording failed: its Job's name was taken, and the Job adopted
    expect(sim.requestLog.count({ since, code: 409, resource: 'jobs' })).toBeGreaterThanOrEqual(1);
  });
});
