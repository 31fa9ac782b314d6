export { jobMetricProvider } from './JobProvider';
export { MAX_JOB_NAME_LENGTH, metricJobName, nextJobSequence, jobSequenceOf } from './JobNaming';
export {
  ANALYSIS_RUN_UID_LABEL,
  ANALYSIS_RUN_NAME_ANNOTATION,
  ANALYSIS_RUN_NAMESPACE_ANNOTATION,
  ANALYSIS_RUN_METRIC_ANNOTATION,
  JOB_NAME_KEY,
  JOB_NAMESPACE_KEY,
  JOB_NAMESPACE_ENV,
  buildMetricJob,
  checkJobMetric,
  foreignJobReason,
  jobNamespaceFor,
  runIdentityOf,
} from './MetricJob';
export type { MetricJobInput, RunIdentity } from './MetricJob';
export { readJobOutcome, jobFinished, resumeDelayMs, TERMINAL_WAITING_REASONS, MIN_RESUME_DELAY_MS, MAX_RESUME_DELAY_MS } from './JobOutcome';
export type { JobOutcome } from './JobOutcome';
