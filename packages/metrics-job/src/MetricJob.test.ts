import * as E from 'fp-ts/lib/Either';
import { decode, JobMetric, type AnalysisRun } from '@rollouts/api';
import type { KubeObject } from '@rollouts/plugin-sdk';
import { buildMetricJob, checkJobMetric, foreignJobReason, jobNamespaceFor, runIdentityOf } from './MetricJob';

const UID = '5d9c3a5e-1f0b-4c8e-9a7d-2b6f0e4c1a93';
const RUN = { name: 'canary-run', namespace: 'shop', uid: UID };

const config = (extra: Record<string, unknown> = {}, pod: Record<string, unknown> = {}): JobMetric => {
  const raw = {
    metadata: { labels: { team: 'payments' }, annotations: { note: 'smoke' } },
    spec: {
      backoffLimit: 1,
      template: { metadata: { labels: { app: 'checker' } }, spec: { containers: [{ name: 'check', image: 'checker:1', command: ['check'] }], restartPolicy: 'Never', ...pod } },
      ...extra,
    },
  };
  const d = decode(JobMetric, raw, { strict: true });
  if (E.isLeft(d)) throw new Error(d.left.map((e) => e.message).join('; '));
  return d.right;
};

describe('buildMetricJob', () => {
  const job = buildMetricJob({ run: RUN, metricName: 'smoke', config: config(), namespace: 'shop', sequence: 3 });

  it('is a batch/v1 Job named <uid>.<metric>.<n> in the given namespace', () => {
    expect(job).toMatchObject({ apiVersion: 'batch/v1', kind: 'Job', metadata: { name: `${UID}.smoke.3`, namespace: 'shop' } });
  });

  it('keeps the metric metadata and adds the run uid label and the run annotations', () => {
    expect(job.metadata.labels).toEqual({ team: 'payments', 'analysisrun.argoproj.io/uid': UID });
    expect(job.metadata.annotations).toEqual({
      note: 'smoke',
      'analysisrun.argoproj.io/name': 'canary-run',
      'analysisrun.argoproj.io/namespace': 'shop',
      'analysisrun.argoproj.io/metric-name': 'smoke',
    });
  });

  it('labels the pod template with the run uid, keeping its own labels', () => {
    const spec = job['spec'] as { template: { metadata: { labels: Record<string, string> } } };
    expect(spec.template.metadata.labels).toEqual({ app: 'checker', 'analysisrun.argoproj.io/uid': UID });
  });

  it('keeps the JobSpec as written', () => {
    const spec = job['spec'] as Record<string, unknown> & { template: { spec: unknown } };
    expect(spec['backoffLimit']).toBe(1);
    expect(spec.template.spec).toEqual({ containers: [{ name: 'check', image: 'checker:1', command: ['check'] }], restartPolicy: 'Never' });
  });

  it('the run uid label wins over a label of the same key in the metric', () => {
    const c = config();
    const spoofed = { ...c, metadata: { labels: { 'analysisrun.argoproj.io/uid': 'someone-else' } } };
    const j = buildMetricJob({ run: RUN, metricName: 'smoke', config: spoofed, namespace: 'shop', sequence: 1 });
    expect(j.metadata.labels?.['analysisrun.argoproj.io/uid']).toBe(UID);
  });

  it('is controlled by the AnalysisRun when in the same namespace', () => {
    expect(job.metadata.ownerReferences).toEqual([{ apiVersion: 'argoproj.io/v1alpha1', kind: 'AnalysisRun', name: 'canary-run', uid: UID, controller: true, blockOwnerDeletion: true }]);
  });

  it('has no owner reference in another namespace (they cannot cross namespaces)', () => {
    const elsewhere = buildMetricJob({ run: RUN, metricName: 'smoke', config: config(), namespace: 'analysis-jobs', sequence: 1 });
    expect(elsewhere.metadata.namespace).toBe('analysis-jobs');
    expect(elsewhere.metadata.ownerReferences).toBeUndefined();
    expect(elsewhere.metadata.annotations?.['analysisrun.argoproj.io/namespace']).toBe('shop');
  });

  it('works without metric metadata or template metadata', () => {
    const d = decode(JobMetric, { spec: { template: { spec: { containers: [{ name: 'c', image: 'i' }], restartPolicy: 'OnFailure' } } } });
    if (E.isLeft(d)) throw new Error('does not decode');
    const j = buildMetricJob({ run: RUN, metricName: 'smoke', config: d.right, namespace: 'shop', sequence: 1 });
    expect(j.metadata.labels).toEqual({ 'analysisrun.argoproj.io/uid': UID });
    expect((j['spec'] as { template: { metadata: unknown } }).template.metadata).toEqual({ labels: { 'analysisrun.argoproj.io/uid': UID } });
  });
});

describe('checkJobMetric', () => {
  it('accepts Never and OnFailure', () => {
    expect(E.isRight(checkJobMetric(config()))).toBe(true);
    expect(E.isRight(checkJobMetric(config({}, { restartPolicy: 'OnFailure' })))).toBe(true);
  });

  it.each([
    ['restartPolicy Always', config({}, { restartPolicy: 'Always' }), 'provider.job.spec.template.spec.restartPolicy', 'got "Always"'],
    ['no restartPolicy', config({}, { restartPolicy: undefined }), 'provider.job.spec.template.spec.restartPolicy', 'it is not set'],
    ['no containers', config({}, { containers: [] }), 'provider.job.spec.template.spec.containers', 'at least one container'],
    ['no pod spec', { spec: { template: {} } } as JobMetric, 'provider.job.spec.template.spec', 'is required'],
  ])('refuses %s, naming the field', (_title, c, path, message) => {
    const r = checkJobMetric(c);
    expect(r).toEqual(E.left(expect.objectContaining({ _tag: 'PluginConfigInvalid', retryable: false, path })));
    expect(E.isLeft(r) && r.left.message).toContain(message);
  });
});

describe('the config codec (provider.job)', () => {
  it.each([
    ['no spec', {}, 'provider.job.spec'],
    ['no template', { spec: {} }, 'provider.job.spec.template'],
    ['a container without a name', { spec: { template: { spec: { containers: [{ image: 'i' }] } } } }, 'provider.job.spec.template.spec.containers[0].name'],
    ['backoffLimit as text', { spec: { backoffLimit: 'one', template: { spec: { containers: [{ name: 'c' }] } } } }, 'provider.job.spec.backoffLimit'],
  ])('rejects %s', (_title, value, path) => {
    const d = decode(JobMetric, value, { path: 'provider.job' });
    expect(E.isLeft(d) && d.left.map((e) => e.message).join('; ')).toContain(path);
  });
});

describe('jobNamespaceFor', () => {
  const run = (namespace?: string) => ({ metadata: { name: 'r', ...(namespace !== undefined ? { namespace } : {}) }, spec: { metrics: [] } }) as unknown as AnalysisRun;
  it.each([
    ['the run namespace by default', run('shop'), {}, 'shop'],
    ['ARGO_ROLLOUTS_ANALYSIS_JOB_NAMESPACE when set', run('shop'), { ARGO_ROLLOUTS_ANALYSIS_JOB_NAMESPACE: 'jobs' }, 'jobs'],
    ['an empty variable is unset', run('shop'), { ARGO_ROLLOUTS_ANALYSIS_JOB_NAMESPACE: ' ' }, 'shop'],
  ])('%s', (_title, r, env, expected) => expect(jobNamespaceFor(r, env)).toEqual(E.right(expected)));

  it('a run without a namespace and no override is an error', () => {
    expect(jobNamespaceFor(run(), {})).toEqual(E.left(expect.objectContaining({ _tag: 'PluginConfigInvalid', path: 'metadata.namespace' })));
  });
});

describe('runIdentityOf', () => {
  it('needs the uid', () => {
    const r = runIdentityOf({ metadata: { name: 'r', namespace: 'shop' }, spec: { metrics: [] } } as unknown as AnalysisRun);
    expect(E.isLeft(r) && r.left.message).toContain('has no metadata.uid');
  });
});

describe('foreignJobReason', () => {
  const existing = (labels: Record<string, string>, annotations: Record<string, string>, owner?: string): KubeObject => ({
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: 'n', namespace: 'shop', labels, annotations, ...(owner !== undefined ? { ownerReferences: [{ apiVersion: 'argoproj.io/v1alpha1', kind: 'AnalysisRun', name: 'x', uid: owner, controller: true }] } : {}) },
  });
  const mine = { 'analysisrun.argoproj.io/uid': UID };
  const metric = { 'analysisrun.argoproj.io/metric-name': 'smoke' };

  it.each([
    ['our own Job', existing(mine, metric, UID), undefined],
    ['our own Job in another namespace (no owner)', existing(mine, metric), undefined],
    ['no uid label', existing({}, metric, UID), 'has no analysisrun.argoproj.io/uid label'],
    ['another run uid', existing({ 'analysisrun.argoproj.io/uid': 'other' }, metric, 'other'), 'label is "other"'],
    ['another metric whose cut name collides', existing(mine, { 'analysisrun.argoproj.io/metric-name': 'smoke-2' }, UID), 'measures metric "smoke-2"'],
    ['our label but another controller', existing(mine, metric, 'intruder'), 'controlled by AnalysisRun "x"'],
  ])('%s', (_title, job, expected) => {
    const r = foreignJobReason(job, RUN, 'smoke');
    if (expected === undefined) expect(r).toBeUndefined();
    else expect(r).toContain(expected);
  });
});
