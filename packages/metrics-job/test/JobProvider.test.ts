/**
 * The job provider against the in-memory `FakeKubeObjectClient`: the Job it creates (name, namespace, labels,
 * annotations, owner), adoption after a restart, names taken by someone else, how it reads Jobs, terminate,
 * and garbage collection. The Job controller is played by the test (it writes the Job's status).
 */
import * as E from 'fp-ts/lib/Either';
import * as TE from 'fp-ts/lib/TaskEither';
import { decode, type AnalysisRun, type Metric } from '@rollouts/api';
import { PluginErrors, type KubeObject, type MeasurementMetadata, type MetricProvider, type PluginError, type ProviderDeps, type ProviderObservation } from '@rollouts/plugin-sdk';
import { FakeKubeObjectClient, fixedClock } from '@rollouts/plugin-sdk/testing';
import { jobMetricProvider } from '../src';

const UID = '5d9c3a5e-1f0b-4c8e-9a7d-2b6f0e4c1a93';
const T0 = Date.UTC(2026, 0, 1, 12, 0, 0);

const jobConfig = (pod: Record<string, unknown> = {}) => ({
  metadata: { labels: { team: 'payments' } },
  spec: { backoffLimit: 0, template: { spec: { containers: [{ name: 'check', image: 'checker:1' }], restartPolicy: 'Never', ...pod } } },
});

const metricOf = (name = 'smoke', config: unknown = jobConfig()): Metric => ({ name, provider: { job: config } }) as unknown as Metric;

function runOf(opts: { metricResults?: unknown[]; uid?: string | null; metrics?: Metric[] } = {}): AnalysisRun {
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'AnalysisRun',
    metadata: { name: 'canary-run', namespace: 'shop', ...(opts.uid !== null ? { uid: opts.uid ?? UID } : {}) },
    spec: { metrics: opts.metrics ?? [metricOf()] },
    ...(opts.metricResults !== undefined ? { status: { phase: 'Running', metricResults: opts.metricResults } } : {}),
  } as unknown as AnalysisRun;
}

interface LogLine {
  readonly level: string;
  readonly message: string;
  readonly fields?: Readonly<Record<string, unknown>>;
}

function world(opts: { env?: Record<string, string>; kube?: FakeKubeObjectClient; objects?: KubeObject[] } = {}) {
  const kube = opts.kube ?? new FakeKubeObjectClient(opts.objects ?? []);
  const clock = fixedClock(T0);
  const logs: LogLine[] = [];
  const log = (level: string) => (message: string, fields?: Readonly<Record<string, unknown>>) => void logs.push({ level, message, ...(fields !== undefined ? { fields } : {}) });
  const deps: ProviderDeps = { kube, log: { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') }, now: clock.now, env: opts.env ?? {} };
  const make = jobMetricProvider.make(deps);
  const providerFor = (metric: Metric): MetricProvider => {
    const decoded = decode(jobMetricProvider.configCodec, (metric.provider as { job: unknown }).job, { path: 'provider.job' });
    if (E.isLeft(decoded)) throw new Error(decoded.left.map((e) => e.message).join('; '));
    return make(decoded.right);
  };
  const ctx = (run: AnalysisRun, metric: Metric, signal?: AbortSignal) => ({ run, metric, signal: signal ?? new AbortController().signal, now: clock.now() });
  return {
    kube,
    clock,
    logs,
    run: (run: AnalysisRun = runOf(), metric: Metric = metricOf(), signal?: AbortSignal) => providerFor(metric).run(ctx(run, metric, signal))(),
    resume: (metadata: MeasurementMetadata, run: AnalysisRun = runOf(), metric: Metric = metricOf()) => providerFor(metric).resume!(ctx(run, metric), metadata)(),
    terminate: (metadata: MeasurementMetadata, run: AnalysisRun = runOf(), metric: Metric = metricOf()) => providerFor(metric).terminate!(ctx(run, metric), metadata)(),
    gc: (keep: number, run: AnalysisRun = runOf(), metric: Metric = metricOf()) => providerFor(metric).garbageCollect!(ctx(run, metric), keep)(),
    jobs: () => kube.all().filter((o) => o.kind === 'Job'),
  };
}

const ok = <A>(r: E.Either<PluginError, A>): A => {
  if (E.isLeft(r)) throw new Error(`expected success, got ${r.left._tag}: ${r.left.message}`);
  return r.right;
};
const failed = <A>(r: E.Either<PluginError, A>): PluginError => {
  if (E.isRight(r)) throw new Error(`expected an error, got ${JSON.stringify(r.right)}`);
  return r.left;
};

/** A Job as our provider would have created it (for tests that set the cluster up). */
const storedJob = (name: string, opts: { namespace?: string; uid?: string; metric?: string; conditions?: unknown[]; startTime?: string; jobUid?: string; owner?: string } = {}): KubeObject => ({
  apiVersion: 'batch/v1',
  kind: 'Job',
  metadata: {
    name,
    namespace: opts.namespace ?? 'shop',
    uid: opts.jobUid ?? `job-${name}`,
    labels: { 'analysisrun.argoproj.io/uid': opts.uid ?? UID },
    annotations: { 'analysisrun.argoproj.io/metric-name': opts.metric ?? 'smoke', 'analysisrun.argoproj.io/name': 'canary-run' },
    ...(opts.owner !== undefined ? { ownerReferences: [{ apiVersion: 'argoproj.io/v1alpha1', kind: 'AnalysisRun', name: 'canary-run', uid: opts.owner, controller: true }] } : {}),
  },
  spec: { template: { spec: { containers: [{ name: 'check', image: 'checker:1' }], restartPolicy: 'Never' } } },
  status: { ...(opts.startTime !== undefined ? { startTime: opts.startTime } : {}), ...(opts.conditions !== undefined ? { conditions: opts.conditions } : {}) },
});

const JOB1 = `${UID}.smoke.1`;
const META1 = { 'job-name': JOB1, 'job-namespace': 'shop' };

describe('run: the Job it creates', () => {
  it('creates <uid>.<metric>.1 in the run namespace and answers Pending with its name and namespace', async () => {
    const w = world();
    const r = ok(await w.run());
    expect(r).toEqual({ _tag: 'Pending', resumeAt: T0 + 1000, metadata: META1 });
    const [job, ...others] = w.jobs();
    expect(others).toHaveLength(0);
    expect(job!.metadata).toMatchObject({
      name: JOB1,
      namespace: 'shop',
      labels: { team: 'payments', 'analysisrun.argoproj.io/uid': UID },
      annotations: { 'analysisrun.argoproj.io/name': 'canary-run', 'analysisrun.argoproj.io/namespace': 'shop', 'analysisrun.argoproj.io/metric-name': 'smoke' },
      ownerReferences: [{ apiVersion: 'argoproj.io/v1alpha1', kind: 'AnalysisRun', name: 'canary-run', uid: UID, controller: true }],
    });
    expect((job!['spec'] as { template: { metadata: { labels: Record<string, string> } } }).template.metadata.labels).toEqual({ 'analysisrun.argoproj.io/uid': UID });
    expect(w.logs).toContainEqual(expect.objectContaining({ level: 'info', message: 'metric Job created', fields: expect.objectContaining({ job: JOB1 }) }));
  });

  it.each([
    ['count 2, no errors', [{ name: 'smoke', phase: 'Running', count: 2 }], 3],
    ['count 2 and 3 errors', [{ name: 'smoke', phase: 'Running', count: 2, error: 3 }], 6],
    ["another metric's counts do not matter", [{ name: 'other', phase: 'Running', count: 9, error: 9 }], 1],
  ])('numbers the Job count + error + 1 (%s)', async (_title, metricResults, n) => {
    const w = world();
    const r = ok(await w.run(runOf({ metricResults })));
    expect(r._tag === 'Pending' && r.metadata?.['job-name']).toBe(`${UID}.smoke.${n}`);
    expect(w.jobs().map((j) => j.metadata.name)).toEqual([`${UID}.smoke.${n}`]);
  });

  it('cuts a long metric name so the Job name fits in 63 characters', async () => {
    const name = 'integration-tests-against-the-canary-service';
    const w = world();
    ok(await w.run(runOf(), metricOf(name)));
    const job = w.jobs()[0]!;
    expect(job.metadata.name).toBe(`${UID}.integration-tests-agains.1`);
    expect(job.metadata.name.length).toBe(63);
    expect(job.metadata.annotations?.['analysisrun.argoproj.io/metric-name']).toBe(name);
  });

  it('runs the Job in ARGO_ROLLOUTS_ANALYSIS_JOB_NAMESPACE when set, without an owner reference', async () => {
    const w = world({ env: { ARGO_ROLLOUTS_ANALYSIS_JOB_NAMESPACE: 'analysis-jobs' } });
    const r = ok(await w.run());
    expect(r._tag === 'Pending' && r.metadata).toEqual({ 'job-name': JOB1, 'job-namespace': 'analysis-jobs' });
    const job = w.jobs()[0]!;
    expect(job.metadata.namespace).toBe('analysis-jobs');
    expect(job.metadata.ownerReferences).toBeUndefined();
    expect(job.metadata.annotations?.['analysisrun.argoproj.io/namespace']).toBe('shop');
  });

  it('refuses a pod template a Job cannot run, naming the field, and creates nothing', async () => {
    const w = world();
    const e = failed(await w.run(runOf(), metricOf('smoke', jobConfig({ restartPolicy: 'Always' }))));
    expect(e).toMatchObject({ _tag: 'PluginConfigInvalid', retryable: false, path: 'provider.job.spec.template.spec.restartPolicy' });
    expect(w.kube.calls).toEqual([]);
  });

  it('refuses a run without a uid', async () => {
    const w = world();
    expect(failed(await w.run(runOf({ uid: null }))).message).toContain('has no metadata.uid');
    expect(w.jobs()).toEqual([]);
  });

  it('a cancelled call creates nothing', async () => {
    const w = world();
    const ac = new AbortController();
    ac.abort();
    expect(failed(await w.run(runOf(), metricOf(), ac.signal))._tag).toBe('PluginAborted');
    expect(w.kube.calls).toEqual([]);
  });

  it('a create the cluster refuses is an error naming the Job, keeping retryable', async () => {
    class Refusing extends FakeKubeObjectClient {
      override create(): TE.TaskEither<PluginError, KubeObject> {
        return TE.left(PluginErrors.kubeUnavailable({ message: 'connection refused', status: 503 }));
      }
    }
    const w = world({ kube: new Refusing() });
    const e = failed(await w.run());
    expect(e).toMatchObject({ _tag: 'KubeUnavailable', retryable: true });
    expect(e.message).toBe(`cannot create Job "shop/${JOB1}": connection refused`);
  });

  it('a client that throws gives an error value, not an exception', async () => {
    class Throwing extends FakeKubeObjectClient {
      override create(): TE.TaskEither<PluginError, KubeObject> {
        return () => Promise.reject(new Error('socket hang up'));
      }
    }
    const w = world({ kube: new Throwing() });
    expect(failed(await w.run()).message).toContain('socket hang up');
  });
});

describe('run: a Job of that name already exists', () => {
  it('adopts its own Job (created before a restart, never recorded): no second Job, same metadata', async () => {
    const w = world({ objects: [storedJob(JOB1, { owner: UID, startTime: new Date(T0 - 8000).toISOString() })] });
    const r = ok(await w.run());
    // resumeAt follows the Job's age: sqrt(2 * 8) = 4 s
    expect(r).toEqual({ _tag: 'Pending', resumeAt: T0 + 4000, metadata: META1 });
    expect(w.jobs()).toHaveLength(1);
    expect(w.kube.calls.map((c) => c.verb)).toEqual(['create', 'get']);
    expect(w.logs.map((l) => l.message)).toContain('metric Job already exists for this measurement; adopting it');
  });

  it('adopts its own Job in the override namespace (no owner reference there)', async () => {
    const w = world({ env: { ARGO_ROLLOUTS_ANALYSIS_JOB_NAMESPACE: 'analysis-jobs' }, objects: [storedJob(JOB1, { namespace: 'analysis-jobs' })] });
    const r = ok(await w.run());
    expect(r._tag === 'Pending' && r.metadata).toEqual({ 'job-name': JOB1, 'job-namespace': 'analysis-jobs' });
  });

  it.each([
    ['of another run', storedJob(JOB1, { uid: 'another-run-uid', owner: 'another-run-uid' }), 'label is "another-run-uid"'],
    ['without our label', { ...storedJob(JOB1), metadata: { name: JOB1, namespace: 'shop' } }, 'has no analysisrun.argoproj.io/uid label'],
    ['of another metric whose cut name is the same', storedJob(JOB1, { metric: 'smoke-and-mirrors' }), 'measures metric "smoke-and-mirrors"'],
  ])('refuses a Job %s, naming it, and leaves it alone', async (_title, existing, why) => {
    const w = world({ objects: [existing] });
    const before = w.jobs();
    const e = failed(await w.run());
    expect(e).toMatchObject({ _tag: 'KubeRejected', retryable: false });
    expect(e.message).toContain(`Job "shop/${JOB1}" already exists and is not this measurement's Job`);
    expect(e.message).toContain(why);
    expect(w.jobs()).toEqual(before);
  });
});

describe('resume: reading the Job', () => {
  it.each([
    ['Complete', [{ type: 'Complete', status: 'True' }], { _tag: 'Verdict', phase: 'Successful' }],
    [
      'Failed (backoff limit)',
      [{ type: 'Failed', status: 'True', reason: 'BackoffLimitExceeded', message: 'Job has reached the specified backoff limit' }],
      { _tag: 'Verdict', phase: 'Failed', message: `Job "shop/${JOB1}" failed: BackoffLimitExceeded: Job has reached the specified backoff limit` },
    ],
    ['Failed (deadline)', [{ type: 'Failed', status: 'True', reason: 'DeadlineExceeded' }], { _tag: 'Verdict', phase: 'Failed', message: `Job "shop/${JOB1}" failed: DeadlineExceeded` }],
  ])('%s', async (_title, conditions, expected) => {
    const w = world({ objects: [storedJob(JOB1, { conditions })] });
    expect(ok(await w.resume(META1))).toEqual(expected);
  });

  it('a running Job is Pending, looked at again after sqrt(2 * its age in seconds)', async () => {
    const w = world({ objects: [storedJob(JOB1, { startTime: new Date(T0 - 50_000).toISOString() })] });
    expect(ok(await w.resume(META1))).toEqual({ _tag: 'Pending', resumeAt: T0 + 10_000, metadata: META1 });
  });

  it('a pod that cannot pull its image makes the measurement Inconclusive', async () => {
    const pod: KubeObject = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: `${JOB1}-x7k2p`, namespace: 'shop', labels: { 'analysisrun.argoproj.io/uid': UID }, ownerReferences: [{ apiVersion: 'batch/v1', kind: 'Job', name: JOB1, uid: `job-${JOB1}`, controller: true }] },
      status: { containerStatuses: [{ name: 'check', state: { waiting: { reason: 'ImagePullBackOff', message: 'Back-off pulling image "checker:nope"' } } }] },
    };
    const w = world({ objects: [storedJob(JOB1), pod] });
    const r = ok(await w.resume(META1));
    expect(r).toEqual({
      _tag: 'Verdict',
      phase: 'Inconclusive',
      message: `Job "shop/${JOB1}" cannot start: container "check" of pod "${JOB1}-x7k2p" is waiting with ImagePullBackOff: Back-off pulling image "checker:nope"`,
    });
  });

  it('a Job that vanished is an error naming it, not a pass', async () => {
    const w = world();
    const e = failed(await w.resume(META1));
    expect(e).toMatchObject({ _tag: 'KubeNotFound', retryable: false });
    expect(e.message).toBe(`Job "shop/${JOB1}" of metric "smoke" no longer exists: it was deleted before it finished`);
  });

  it('reads the Job where the measurement says it is, even if the override changed since', async () => {
    const w = world({ env: { ARGO_ROLLOUTS_ANALYSIS_JOB_NAMESPACE: 'elsewhere' }, objects: [storedJob(JOB1, { conditions: [{ type: 'Complete', status: 'True' }] })] });
    expect(ok(await w.resume(META1))).toEqual({ _tag: 'Verdict', phase: 'Successful' });
  });

  it('a measurement recorded without job-namespace (older controllers) is looked for in the run namespace', async () => {
    const w = world({ objects: [storedJob(JOB1, { conditions: [{ type: 'Complete', status: 'True' }] })] });
    expect(ok(await w.resume({ 'job-name': JOB1 }))).toEqual({ _tag: 'Verdict', phase: 'Successful' });
  });

  it('a measurement without job-name is an error', async () => {
    const w = world();
    expect(failed(await w.resume({})).message).toContain('has no "job-name" metadata');
  });

  it('a pod list that fails does not end the measurement: the Job is judged by its status, with a warning', async () => {
    class NoPods extends FakeKubeObjectClient {
      override list(q: { apiVersion: string; kind: string; namespace?: string; labelSelector?: string }): TE.TaskEither<PluginError, ReadonlyArray<KubeObject>> {
        return q.kind === 'Pod' ? TE.left(PluginErrors.kubeRejected({ message: 'pods is forbidden', status: 403 })) : super.list(q);
      }
    }
    const kube = new NoPods([storedJob(JOB1, { startTime: new Date(T0).toISOString() })]);
    const w = world({ kube });
    expect(ok(await w.resume(META1))._tag).toBe('Pending');
    expect(w.logs).toContainEqual(expect.objectContaining({ level: 'warn', fields: expect.objectContaining({ error: 'pods is forbidden' }) }));
  });
});

describe('terminate', () => {
  it('deletes the Job and answers Inconclusive', async () => {
    const w = world({ objects: [storedJob(JOB1)] });
    const r = ok(await w.terminate(META1));
    expect(r).toMatchObject({ _tag: 'Verdict', phase: 'Inconclusive' });
    expect(w.jobs()).toEqual([]);
  });

  it('a Job already gone is fine', async () => {
    const w = world();
    expect(ok(await w.terminate(META1))).toMatchObject({ _tag: 'Verdict', phase: 'Inconclusive' });
  });

  it('a delete the cluster refuses is an error naming the Job', async () => {
    class NoDelete extends FakeKubeObjectClient {
      override delete(): TE.TaskEither<PluginError, void> {
        return TE.left(PluginErrors.kubeRejected({ message: 'jobs.batch is forbidden', status: 403 }));
      }
    }
    const w = world({ kube: new NoDelete([storedJob(JOB1)]) });
    expect(failed(await w.terminate(META1)).message).toBe(`cannot delete Job "shop/${JOB1}": jobs.batch is forbidden`);
  });
});

describe('a forged measurement (the run status is writable by whoever may edit the run)', () => {
  const FORGED = { 'job-name': 'payments-migration', 'job-namespace': 'payments' };
  const victim = (): KubeObject => storedJob('payments-migration', { namespace: 'payments', uid: 'someone-else', conditions: [{ type: 'Complete', status: 'True' }] });

  it('resume never reads a Job in another namespace', async () => {
    const w = world({ objects: [victim()] });
    const e = failed(await w.resume(FORGED));
    expect(e.message).toBe('metric "smoke": the measurement names Job "payments/payments-migration", but this run\'s Jobs are made in namespace "shop"; it is left alone');
  });

  it('terminate never deletes a Job in another namespace', async () => {
    const w = world({ objects: [victim()] });
    expect(failed(await w.terminate(FORGED)).message).toContain('it is left alone');
    expect(w.jobs().map((j) => `${j.metadata.namespace}/${j.metadata.name}`)).toEqual(['payments/payments-migration']);
  });

  it("a Job of the run's namespace that is not this run's is neither judged nor deleted", async () => {
    const other = storedJob('release-job', { uid: 'another-run', conditions: [{ type: 'Complete', status: 'True' }] });
    const w = world({ objects: [other] });
    const meta = { 'job-name': 'release-job', 'job-namespace': 'shop' };
    expect(failed(await w.resume(meta)).message).toBe(`Job "shop/release-job" is not a Job of this measurement (its analysisrun.argoproj.io/uid label is "another-run", not this run's "${UID}"); it is left alone`);
    expect(failed(await w.terminate(meta)).message).toContain('is not a Job of this measurement');
    expect(w.jobs()).toHaveLength(1);
  });
});

describe('garbageCollect', () => {
  const names = (w: ReturnType<typeof world>) => w.jobs().map((j) => `${j.metadata.namespace}/${j.metadata.name}`).sort();

  it("keeps the newest N Jobs of the metric (by their number, 10 after 9) and leaves other metrics' and runs' Jobs", async () => {
    const objects = [
      ...[1, 2, 8, 9, 10].map((n) => storedJob(`${UID}.smoke.${n}`)),
      ...[1, 2, 3].map((n) => storedJob(`${UID}.other.${n}`, { metric: 'other' })),
      storedJob('another-run.smoke.1', { uid: 'another-run' }),
    ];
    const w = world({ objects });
    ok(await w.gc(2));
    expect(names(w)).toEqual(
      [`shop/${UID}.smoke.10`, `shop/${UID}.smoke.9`, `shop/${UID}.other.1`, `shop/${UID}.other.2`, `shop/${UID}.other.3`, 'shop/another-run.smoke.1'].sort(),
    );
  });

  it('fewer Jobs than kept: nothing deleted', async () => {
    const w = world({ objects: [storedJob(JOB1)] });
    ok(await w.gc(10));
    expect(w.kube.calls.filter((c) => c.verb === 'delete')).toEqual([]);
    expect(w.jobs()).toHaveLength(1);
  });

  it('keep 0 deletes every Job of the metric', async () => {
    const w = world({ objects: [storedJob(JOB1), storedJob(`${UID}.smoke.2`)] });
    ok(await w.gc(0));
    expect(w.jobs()).toEqual([]);
  });

  it('looks in the override namespace', async () => {
    const w = world({ env: { ARGO_ROLLOUTS_ANALYSIS_JOB_NAMESPACE: 'analysis-jobs' }, objects: [1, 2, 3].map((n) => storedJob(`${UID}.smoke.${n}`, { namespace: 'analysis-jobs' })) });
    ok(await w.gc(1));
    expect(names(w)).toEqual([`analysis-jobs/${UID}.smoke.3`]);
  });

  it('a list that fails is an error', async () => {
    class NoList extends FakeKubeObjectClient {
      override list(): TE.TaskEither<PluginError, ReadonlyArray<KubeObject>> {
        return TE.left(PluginErrors.kubeUnavailable({ message: 'timeout' }));
      }
    }
    const w = world({ kube: new NoList([storedJob(JOB1)]) });
    const e = failed(await w.gc(0));
    expect(e).toMatchObject({ _tag: 'KubeUnavailable', retryable: true });
    expect(e.message).toContain('cannot list the Jobs of metric "smoke" in namespace "shop"');
  });

  it('deletes what it can and reports what it could not', async () => {
    class SomeDeletesFail extends FakeKubeObjectClient {
      override delete(ref: { apiVersion: string; kind: string; namespace?: string; name: string }): TE.TaskEither<PluginError, void> {
        return ref.name.endsWith('.1') || ref.name.endsWith('.2') ? TE.left(PluginErrors.kubeUnavailable({ message: 'etcd timeout' })) : super.delete(ref);
      }
    }
    const w = world({ kube: new SomeDeletesFail([1, 2, 3, 4].map((n) => storedJob(`${UID}.smoke.${n}`))) });
    const e = failed(await w.gc(1));
    expect(e.message).toMatch(/cannot delete Job "shop\/.*\.smoke\.[12]": etcd timeout \(and 1 more Jobs could not be deleted\)/);
    expect(names(w)).toEqual([`shop/${UID}.smoke.1`, `shop/${UID}.smoke.2`, `shop/${UID}.smoke.4`]);
  });
});

describe('a whole measurement, with the test as the Job controller', () => {
  it('run -> Pending -> resume Pending -> Job completes -> Successful', async () => {
    const w = world();
    const first = ok(await w.run()) as Extract<ProviderObservation, { _tag: 'Pending' }>;
    expect(ok(await w.resume(first.metadata!))._tag).toBe('Pending');
    const job = w.kube.find({ apiVersion: 'batch/v1', kind: 'Job', namespace: 'shop', name: JOB1 })!;
    w.kube.put({ ...job, status: { conditions: [{ type: 'Complete', status: 'True' }] } });
    w.clock.advance(5000);
    expect(ok(await w.resume(first.metadata!))).toEqual({ _tag: 'Verdict', phase: 'Successful' });
  });
});
