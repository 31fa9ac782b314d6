/**
 * The `batch/v1` Job a measurement runs, built from `provider.job` as Argo Rollouts builds it: the metric's
 * `metadata.labels`/`annotations` and `spec` as written, plus
 * - label `analysisrun.argoproj.io/uid=<run uid>` on the Job and on its pod template (how Jobs and their pods
 *   are found again),
 * - annotations `analysisrun.argoproj.io/name`, `analysisrun.argoproj.io/namespace` and
 *   `analysisrun.argoproj.io/metric-name`,
 * - a controller owner reference to the AnalysisRun when the Job lives in the run's namespace (owner
 *   references cannot cross namespaces), so deleting the run deletes its Jobs.
 *
 * The Job goes to the run's namespace, or to `ARGO_ROLLOUTS_ANALYSIS_JOB_NAMESPACE` when the controller has
 * it set. Problems the API server would reject later (no containers, a restartPolicy a Job cannot have) are
 * reported here with the field path.
 */
import * as E from 'fp-ts/lib/Either';
import type { AnalysisRun, JobMetric } from '@rollouts/api';
import { PluginErrors, type KubeObject, type PluginError } from '@rollouts/plugin-sdk';
import { metricJobName } from './JobNaming';

/** Label on every Job (and its pods) naming the AnalysisRun's uid. */
export const ANALYSIS_RUN_UID_LABEL = 'analysisrun.argoproj.io/uid';
/** Annotation naming the AnalysisRun. */
export const ANALYSIS_RUN_NAME_ANNOTATION = 'analysisrun.argoproj.io/name';
/** Annotation naming the AnalysisRun's namespace (useful when Jobs run elsewhere). */
export const ANALYSIS_RUN_NAMESPACE_ANNOTATION = 'analysisrun.argoproj.io/namespace';
/** Annotation naming the metric the Job measures. */
export const ANALYSIS_RUN_METRIC_ANNOTATION = 'analysisrun.argoproj.io/metric-name';
/** Measurement metadata key holding the Job's name. */
export const JOB_NAME_KEY = 'job-name';
/** Measurement metadata key holding the Job's namespace. */
export const JOB_NAMESPACE_KEY = 'job-namespace';
/** Controller environment variable: run every metric Job in this namespace instead of the run's. */
export const JOB_NAMESPACE_ENV = 'ARGO_ROLLOUTS_ANALYSIS_JOB_NAMESPACE';

const PATH = 'provider.job';

/** The namespace Jobs of `run` go to: `ARGO_ROLLOUTS_ANALYSIS_JOB_NAMESPACE` when set, else the run's. */
export function jobNamespaceFor(run: AnalysisRun, env: Readonly<Record<string, string | undefined>>): E.Either<PluginError, string> {
  const configured = env[JOB_NAMESPACE_ENV]?.trim() ?? '';
  if (configured !== '') return E.right(configured);
  const own = run.metadata?.namespace ?? '';
  if (own === '') return E.left(PluginErrors.pluginConfigInvalid({ message: `the AnalysisRun "${run.metadata?.name ?? ''}" has no namespace to run its metric Jobs in`, path: 'metadata.namespace' }));
  return E.right(own);
}

/** What identifies a run for its Jobs. */
export interface RunIdentity {
  readonly name: string;
  readonly namespace: string;
  readonly uid: string;
}

/** The run's name, namespace and uid, or an error naming what is missing (a run never stored has no uid). */
export function runIdentityOf(run: AnalysisRun): E.Either<PluginError, RunIdentity> {
  const name = run.metadata?.name ?? '';
  const namespace = run.metadata?.namespace ?? '';
  const uid = run.metadata?.uid ?? '';
  if (uid === '') return E.left(PluginErrors.pluginConfigInvalid({ message: `the AnalysisRun "${name}" has no metadata.uid: metric Jobs are named and labelled by it`, path: 'metadata.uid' }));
  return E.right({ name, namespace, uid });
}

/** Check the parts of `provider.job` a Job cannot do without; the error names the field. */
export function checkJobMetric(config: JobMetric): E.Either<PluginError, JobMetric> {
  const pod = config.spec.template.spec;
  if (pod == null) return E.left(PluginErrors.pluginConfigInvalid({ message: `${PATH}.spec.template.spec is required: the pod the Job runs`, path: `${PATH}.spec.template.spec` }));
  if (pod.containers.length === 0) return E.left(PluginErrors.pluginConfigInvalid({ message: `${PATH}.spec.template.spec.containers must name at least one container`, path: `${PATH}.spec.template.spec.containers` }));
  const restart = pod.restartPolicy ?? '';
  if (restart !== 'Never' && restart !== 'OnFailure') {
    return E.left(
      PluginErrors.pluginConfigInvalid({
        message: `${PATH}.spec.template.spec.restartPolicy must be "Never" or "OnFailure" for a Job, ${restart === '' ? 'it is not set' : `got ${JSON.stringify(restart)}`}`,
        path: `${PATH}.spec.template.spec.restartPolicy`,
      }),
    );
  }
  return E.right(config);
}

/** Everything that decides one measurement's Job. */
export interface MetricJobInput {
  readonly run: RunIdentity;
  readonly metricName: string;
  readonly config: JobMetric;
  /** Where the Job goes (see {@link jobNamespaceFor}). */
  readonly namespace: string;
  /** The `<n>` of the Job name (see `nextJobSequence`). */
  readonly sequence: number;
}

/** The Job for one measurement (the config is assumed checked by {@link checkJobMetric}). */
export function buildMetricJob(input: MetricJobInput): KubeObject {
  const { run, config, namespace } = input;
  const template = config.spec.template;
  const sameNamespace = namespace === run.namespace;
  // As metav1.NewControllerRef: the run controls the Job, and blocks its own foreground deletion until the Job is gone.
  const ownerReference = { apiVersion: 'argoproj.io/v1alpha1', kind: 'AnalysisRun', name: run.name, uid: run.uid, controller: true, blockOwnerDeletion: true };
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: {
      name: metricJobName(run.uid, input.metricName, input.sequence),
      namespace,
      labels: { ...(config.metadata?.labels ?? {}), [ANALYSIS_RUN_UID_LABEL]: run.uid },
      annotations: {
        ...(config.metadata?.annotations ?? {}),
        [ANALYSIS_RUN_NAME_ANNOTATION]: run.name,
        [ANALYSIS_RUN_NAMESPACE_ANNOTATION]: run.namespace,
        [ANALYSIS_RUN_METRIC_ANNOTATION]: input.metricName,
      },
      ...(sameNamespace ? { ownerReferences: [ownerReference] } : {}),
    },
    spec: {
      ...config.spec,
      template: {
        ...template,
        metadata: { ...(template.metadata ?? {}), labels: { ...(template.metadata?.labels ?? {}), [ANALYSIS_RUN_UID_LABEL]: run.uid } },
      },
    },
  };
}

/**
 * Whether an existing Job with the name this measurement wants is this measurement's own (created by an
 * earlier attempt that could not record it): the same run uid label, the same metric, and no controller other
 * than this run. `undefined` when it is ours, else why not.
 */
export function foreignJobReason(existing: KubeObject, run: RunIdentity, metricName: string): string | undefined {
  const uid = existing.metadata.labels?.[ANALYSIS_RUN_UID_LABEL];
  if (uid !== run.uid) return uid === undefined ? `it has no ${ANALYSIS_RUN_UID_LABEL} label` : `its ${ANALYSIS_RUN_UID_LABEL} label is "${uid}", not this run's "${run.uid}"`;
  const metric = existing.metadata.annotations?.[ANALYSIS_RUN_METRIC_ANNOTATION];
  if (metric !== undefined && metric !== metricName) return `it measures metric "${metric}", not "${metricName}" (the two metric names are the same once cut to fit the Job name)`;
  const controller = (existing.metadata.ownerReferences ?? []).find((r) => r.controller === true);
  if (controller !== undefined && controller.uid !== run.uid) return `it is controlled by ${controller.kind} "${controller.name}" (uid ${controller.uid})`;
  return undefined;
}
