/**
 * The `job` metric provider: each measurement runs a Kubernetes Job, and the Job's outcome is the verdict
 * (Complete → Successful, Failed → Failed, an image that cannot be pulled → Inconclusive). The metric's
 * `successCondition`/`failureCondition` are not used, as upstream.
 *
 * - `run` creates the Job (`MetricJob.ts`, named as in `JobNaming.ts`) and answers Pending with the Job's name
 *   and namespace as measurement metadata (`job-name`, `job-namespace`). When a Job of that name already
 *   exists and is this measurement's own (an earlier attempt created it but the controller stopped before
 *   recording it, or the AnalysisRun status write recording it failed, e.g. on a conflict), it is adopted; a Job
 *   that is someone else's is an error naming it. The name is a function of the run's uid, the metric and the
 *   measurement's number, so the create itself is the lookup: the usual case costs one request, and the Job of a
 *   measurement taken again is found by the 409 it answers.
 * - `resume` reads the Job; a Job that no longer exists is an error naming it, never a pass.
 * - `terminate` deletes the Job (the controller's client deletes with propagation Background, so its pods
 *   go too) and answers Inconclusive, as current Argo Rollouts does.
 * - `garbageCollect` deletes the metric's oldest Jobs, keeping the newest `keep`.
 *
 * Every failure is a `PluginError` value (the controller records an Error measurement); nothing throws.
 */
import * as E from 'fp-ts/lib/Either';
import type { TaskEither } from 'fp-ts/lib/TaskEither';
import { JobMetric } from '@rollouts/api';
import {
  defineMetricProvider,
  PluginErrors,
  type KubeObject,
  type MeasurementContext,
  type MeasurementMetadata,
  type MetricProvider,
  type MetricProviderPlugin,
  type PluginError,
  type ProviderDeps,
  type ProviderObservation,
} from '@rollouts/plugin-sdk';
import { jobSequenceOf, nextJobSequence } from './JobNaming';
import { readJobOutcome, resumeDelayMs } from './JobOutcome';
import {
  ANALYSIS_RUN_METRIC_ANNOTATION,
  ANALYSIS_RUN_UID_LABEL,
  buildMetricJob,
  checkJobMetric,
  foreignJobReason,
  JOB_NAME_KEY,
  JOB_NAMESPACE_KEY,
  jobNamespaceFor,
  runIdentityOf,
} from './MetricJob';

const JOB = { apiVersion: 'batch/v1', kind: 'Job' } as const;

type Result<A> = Promise<E.Either<PluginError, A>>;

const aborted = (what: string): PluginError => PluginErrors.pluginAborted({ message: `${what} was cancelled before it started` });

/** The same error with `context` in front of its message. */
const withContext = (e: PluginError, context: string): PluginError => ({ ...e, message: `${context}: ${e.message}` });

/** A create that failed because the name is taken (the API answers 409 AlreadyExists). */
const alreadyExists = (e: PluginError): boolean => e._tag === 'KubeConflict' || (e._tag === 'KubeRejected' && e.status === 409);

const timeOf = (v: unknown): number | undefined => {
  if (typeof v !== 'string') return undefined;
  const t = Date.parse(v);
  return Number.isNaN(t) ? undefined : t;
};

/** When the Job started running: `status.startTime`, else its creation. */
function startOf(job: KubeObject): number | undefined {
  const status = job['status'];
  const started = typeof status === 'object' && status !== null ? timeOf((status as Record<string, unknown>)['startTime']) : undefined;
  return started ?? timeOf(job.metadata['creationTimestamp']);
}

/**
 * The Job a measurement's metadata names. The metadata lives in the AnalysisRun's status, which whoever may
 * edit the run can write (AnalysisRuns have no status subresource): it is a claim, not a fact. The Job must be
 * in a namespace this run's Jobs can be made in: the run's own, or the operator's Job namespace
 * (ARGO_ROLLOUTS_ANALYSIS_JOB_NAMESPACE); older measurements without a namespace mean the current one. So a forged
 * `job-namespace` can never make the controller read or delete a Job of a namespace the tenant does not own.
 */
function jobOf(ctx: MeasurementContext, metadata: MeasurementMetadata, deps: ProviderDeps): E.Either<PluginError, { name: string; namespace: string }> {
  const name = metadata[JOB_NAME_KEY] ?? '';
  if (name === '') return E.left(PluginErrors.providerResponseInvalid({ message: `metric "${ctx.metric.name}": the measurement has no "${JOB_NAME_KEY}" metadata, so its Job cannot be found` }));
  const current = jobNamespaceFor(ctx.run, deps.env);
  if (E.isLeft(current)) return current;
  const recorded = metadata[JOB_NAMESPACE_KEY] ?? '';
  if (recorded === '' || recorded === current.right || recorded === ctx.run.metadata?.namespace) return E.right({ name, namespace: recorded === '' ? current.right : recorded });
  return E.left(
    PluginErrors.providerResponseInvalid({
      message: `metric "${ctx.metric.name}": the measurement names Job "${recorded}/${name}", but this run's Jobs are made in namespace "${current.right}"; it is left alone`,
    }),
  );
}

/** Whether `job` is this run's Job for the metric; Left names why not (the Job is then neither judged nor deleted). */
function ownJob(ctx: MeasurementContext, job: KubeObject, where: string): E.Either<PluginError, KubeObject> {
  const run = runIdentityOf(ctx.run);
  if (E.isLeft(run)) return run;
  const foreign = foreignJobReason(job, run.right, ctx.metric.name);
  return foreign === undefined ? E.right(job) : E.left(PluginErrors.providerResponseInvalid({ message: `${where} is not a Job of this measurement (${foreign}); it is left alone` }));
}

const pending = (now: number, elapsedMs: number, name: string, namespace: string): ProviderObservation => ({
  _tag: 'Pending',
  resumeAt: now + resumeDelayMs(elapsedMs),
  metadata: { [JOB_NAME_KEY]: name, [JOB_NAMESPACE_KEY]: namespace },
});

async function runJob(deps: ProviderDeps, config: JobMetric, ctx: MeasurementContext): Result<ProviderObservation> {
  if (ctx.signal.aborted) return E.left(aborted(`the Job of metric "${ctx.metric.name}"`));
  const checked = checkJobMetric(config);
  if (E.isLeft(checked)) return checked;
  const run = runIdentityOf(ctx.run);
  if (E.isLeft(run)) return run;
  const namespace = jobNamespaceFor(ctx.run, deps.env);
  if (E.isLeft(namespace)) return namespace;
  const job = buildMetricJob({ run: run.right, metricName: ctx.metric.name, config: checked.right, namespace: namespace.right, sequence: nextJobSequence(ctx.run, ctx.metric.name) });
  const name = job.metadata.name;
  const where = `Job "${namespace.right}/${name}"`;
  const created = await deps.kube.create(job)();
  if (E.isRight(created)) {
    deps.log.info('metric Job created', { job: name, namespace: namespace.right, analysisRun: run.right.name, metric: ctx.metric.name });
    return E.right(pending(ctx.now, 0, name, namespace.right));
  }
  if (!alreadyExists(created.left)) return E.left(withContext(created.left, `cannot create ${where}`));
  // The name is taken: an earlier attempt of this very measurement may have created it and stopped before
  // the measurement was recorded. Adopt it if it is ours.
  const existing = await deps.kube.get({ ...JOB, namespace: namespace.right, name })();
  if (E.isLeft(existing)) return E.left(withContext(existing.left, `${where} already exists and cannot be read`));
  if (existing.right === undefined) return E.left(withContext(created.left, `cannot create ${where}`));
  const foreign = foreignJobReason(existing.right, run.right, ctx.metric.name);
  if (foreign !== undefined) return E.left(PluginErrors.kubeRejected({ message: `${where} already exists and is not this measurement's Job: ${foreign}`, status: 409 }));
  deps.log.info('metric Job already exists for this measurement; adopting it', { job: name, namespace: namespace.right, analysisRun: run.right.name, metric: ctx.metric.name });
  return E.right(pending(ctx.now, ctx.now - (startOf(existing.right) ?? ctx.now), name, namespace.right));
}

async function resumeJob(deps: ProviderDeps, ctx: MeasurementContext, metadata: MeasurementMetadata): Result<ProviderObservation> {
  if (ctx.signal.aborted) return E.left(aborted(`checking the Job of metric "${ctx.metric.name}"`));
  const ref = jobOf(ctx, metadata, deps);
  if (E.isLeft(ref)) return ref;
  const { name, namespace } = ref.right;
  const where = `Job "${namespace}/${name}"`;
  const got = await deps.kube.get({ ...JOB, namespace, name })();
  if (E.isLeft(got)) return E.left(withContext(got.left, `cannot read ${where}`));
  if (got.right === undefined) return E.left(PluginErrors.kubeNotFound({ message: `${where} of metric "${ctx.metric.name}" no longer exists: it was deleted before it finished` }));
  const owned = ownJob(ctx, got.right, where);
  if (E.isLeft(owned)) return owned;
  const job = owned.right;
  let pods: ReadonlyArray<KubeObject> = [];
  if (readJobOutcome(job)._tag === 'Running') {
    const uid = job.metadata.labels?.[ANALYSIS_RUN_UID_LABEL] ?? '';
    const listed = uid === '' ? E.right([]) : await deps.kube.list({ apiVersion: 'v1', kind: 'Pod', namespace, labelSelector: `${ANALYSIS_RUN_UID_LABEL}=${uid}` })();
    if (E.isLeft(listed)) deps.log.warn('cannot list the pods of a metric Job; judging it by its status only', { job: name, namespace, error: listed.left.message });
    else pods = listed.right;
  }
  const outcome = readJobOutcome(job, pods);
  switch (outcome._tag) {
    case 'Complete':
      deps.log.info('metric Job completed', { job: name, namespace });
      return E.right({ _tag: 'Verdict', phase: 'Successful' });
    case 'Failed': {
      const why = [outcome.reason, outcome.message].filter((s) => s !== '').join(': ');
      deps.log.info('metric Job failed', { job: name, namespace, reason: outcome.reason });
      return E.right({ _tag: 'Verdict', phase: 'Failed', message: `${where} failed${why !== '' ? `: ${why}` : ''}` });
    }
    case 'CannotStart': {
      const detail = outcome.message !== '' ? `: ${outcome.message}` : '';
      return E.right({ _tag: 'Verdict', phase: 'Inconclusive', message: `${where} cannot start: container "${outcome.container}" of pod "${outcome.pod}" is waiting with ${outcome.reason}${detail}` });
    }
    case 'Running':
      return E.right(pending(ctx.now, ctx.now - (startOf(job) ?? ctx.now), name, namespace));
  }
}

async function terminateJob(deps: ProviderDeps, ctx: MeasurementContext, metadata: MeasurementMetadata): Result<ProviderObservation> {
  if (ctx.signal.aborted) return E.left(aborted(`stopping the Job of metric "${ctx.metric.name}"`));
  const ref = jobOf(ctx, metadata, deps);
  if (E.isLeft(ref)) return ref;
  const { name, namespace } = ref.right;
  const where = `Job "${namespace}/${name}"`;
  // Only this run's own Job is deleted: read it first (a Job already gone needs no deleting).
  const got = await deps.kube.get({ ...JOB, namespace, name })();
  if (E.isLeft(got)) return E.left(withContext(got.left, `cannot read ${where}`));
  if (got.right !== undefined) {
    const owned = ownJob(ctx, got.right, where);
    if (E.isLeft(owned)) return owned;
  }
  const deleted = got.right === undefined ? E.right(undefined) : await deps.kube.delete({ ...JOB, namespace, name })();
  if (E.isLeft(deleted)) return E.left(withContext(deleted.left, `cannot delete Job "${namespace}/${name}"`));
  deps.log.info('metric Job terminated', { job: name, namespace });
  return E.right({ _tag: 'Verdict', phase: 'Inconclusive', message: `Job "${namespace}/${name}" was deleted: the run is terminating` });
}

/** Newest first: by the `<n>` of the name, then by creation time. */
function newestFirst(a: KubeObject, b: KubeObject): number {
  const na = jobSequenceOf(a.metadata.name) ?? -1;
  const nb = jobSequenceOf(b.metadata.name) ?? -1;
  if (na !== nb) return nb - na;
  return (timeOf(b.metadata['creationTimestamp']) ?? 0) - (timeOf(a.metadata['creationTimestamp']) ?? 0);
}

async function collectJobs(deps: ProviderDeps, ctx: MeasurementContext, keep: number): Result<void> {
  if (ctx.signal.aborted) return E.left(aborted(`cleaning up the Jobs of metric "${ctx.metric.name}"`));
  const run = runIdentityOf(ctx.run);
  if (E.isLeft(run)) return run;
  const namespace = jobNamespaceFor(ctx.run, deps.env);
  if (E.isLeft(namespace)) return namespace;
  const listed = await deps.kube.list({ ...JOB, namespace: namespace.right, labelSelector: `${ANALYSIS_RUN_UID_LABEL}=${run.right.uid}` })();
  if (E.isLeft(listed)) return E.left(withContext(listed.left, `cannot list the Jobs of metric "${ctx.metric.name}" in namespace "${namespace.right}"`));
  const mine = listed.right.filter((j) => j.metadata.labels?.[ANALYSIS_RUN_UID_LABEL] === run.right.uid && j.metadata.annotations?.[ANALYSIS_RUN_METRIC_ANNOTATION] === ctx.metric.name);
  const old = [...mine].sort(newestFirst).slice(Math.max(0, keep));
  const failures: PluginError[] = [];
  for (const job of old) {
    const deleted = await deps.kube.delete({ ...JOB, namespace: namespace.right, name: job.metadata.name })();
    if (E.isLeft(deleted)) failures.push(withContext(deleted.left, `cannot delete Job "${namespace.right}/${job.metadata.name}"`));
    else deps.log.info('old metric Job deleted', { job: job.metadata.name, namespace: namespace.right, metric: ctx.metric.name });
  }
  const first = failures[0];
  if (first === undefined) return E.right(undefined);
  return E.left(failures.length === 1 ? first : { ...first, message: `${first.message} (and ${failures.length - 1} more Jobs could not be deleted)` });
}

/** Run `f`; a throw (a client breaking its contract) becomes a PluginError value too. */
async function guarded<A>(what: string, f: () => Result<A>): Result<A> {
  try {
    return await f();
  } catch (e) {
    return E.left(PluginErrors.providerUnavailable({ message: `${what} failed unexpectedly: ${e instanceof Error ? e.message : String(e)}`, cause: e }));
  }
}

/** The `job` metric provider plugin (`provider.job`). */
export const jobMetricProvider: MetricProviderPlugin<JobMetric> = defineMetricProvider<JobMetric>({
  kind: 'job',
  configCodec: JobMetric,
  make(deps) {
    return (config): MetricProvider => ({
      run: (ctx): TaskEither<PluginError, ProviderObservation> => () => guarded('creating the metric Job', () => runJob(deps, config, ctx)),
      resume: (ctx, metadata): TaskEither<PluginError, ProviderObservation> => () => guarded('checking the metric Job', () => resumeJob(deps, ctx, metadata)),
      terminate: (ctx, metadata): TaskEither<PluginError, ProviderObservation> => () => guarded('deleting the metric Job', () => terminateJob(deps, ctx, metadata)),
      garbageCollect: (ctx, keep): TaskEither<PluginError, void> => () => guarded('cleaning up metric Jobs', () => collectJobs(deps, ctx, keep)),
    });
  },
});
