export { canaryFenceposts } from './Fenceposts';
export type { ReplicaSetCounts } from './ReplicaSetCounts';
export { approximateWeightedCanaryStableReplicaCounts, trafficWeightToReplicas } from './WeightedReplicas';
export type { CanaryStableCounts } from './WeightedReplicas';
export { replicaProgressThresholdMet } from './ReplicaProgressThreshold';
export { desiredCanaryWeightOnAbort } from './AbortWeight';
export type { AbortWeightInput } from './AbortWeight';
export { desiredCanary } from './DesiredCanary';
export type { CanaryScale, DesiredCanary, DesiredCanaryInput } from './DesiredCanary';
export { trafficRoutedCanaryReplicaCounts, withMinPodsPerReplicaSet } from './TrafficRoutedCanary';
export type { CurrentTrafficWeights, TrafficRoutedCanaryInput } from './TrafficRoutedCanary';
export { basicCanaryReplicaCounts } from './BasicCanary';
export type { BasicCanaryInput } from './BasicCanary';
export { canaryReplicaCounts } from './CanaryReplicas';
export type { CanaryReplicaCounts, CanaryReplicaInput } from './CanaryReplicas';
export { toRfc3339, fromRfc3339 } from './Time';
export { ConditionMessage, ConditionReason, RECONCILIATION_ERROR, RolloutConditionType, getCondition, reconciliationErrorCondition, removeCondition, setCondition } from './Conditions';
export type { ConditionStatus, ConditionUpdate, SetConditionOptions } from './Conditions';
export {
  calculateRolloutPhase,
  clientRolloutPhase,
  rolloutCompleted,
  rolloutHealthy,
  rolloutHealthyIgnoringPause,
} from './RolloutPhase';
export type { ClientRolloutPhase, RolloutHealthInput, RolloutPhase, RolloutPhaseInput, RolloutPhaseResult } from './RolloutPhase';
export { DEFAULT_PROGRESS_DEADLINE_SECONDS, nextProgressDeadlineMs, progressDeadlineExceeded } from './ProgressDeadline';
export type { ProgressDeadlineInput } from './ProgressDeadline';
export { SAFE_ENCODE_ALPHABET, canonicalJson, fnv32a, podTemplateHash, safeEncodeString } from './PodTemplateHash';
export { defaultImagePullPolicy, withPodDefaults } from './PodDefaults';
export { findReplicaSetForTemplate, podTemplatesEqual } from './TemplateEquality';
export type { TemplateEqualityOptions } from './TemplateEquality';
export { reconcileRollout, environmentProblems } from './ReconcileRollout';
export { canaryScaleAtStep, describeStep, reconcileCanary, stepsHash, weightAtStep } from './CanaryReconcile';
export { buildAnalysisRun, fieldOf } from './AnalysisRunBuilder';
export { adoptable, controllerUid, sameSpec } from './RolloutAnalysisRuns';
export type { Adoptable } from './RolloutAnalysisRuns';
export type { AnalysisRunRequest } from './AnalysisRunBuilder';
export type { ObservedWorkload, RolloutObservation, TrafficRoutingObservation } from './Observation';
export type {
  AnnotateReplicaSet,
  CreateAnalysisRun,
  CreateExperiment,
  CreateReplicaSet,
  DeleteReplicaSet,
  Intent,
  PatchServiceSelector,
  ReconcileResult,
  RecordEvent,
  RemoveManagedRoutes,
  ScaleReplicaSet,
  ScaleWorkload,
  SetHeaderRoute,
  SetMirrorRoute,
  SetWeight,
  TerminateAnalysisRun,
  TerminateExperiment,
  DeleteExperiment,
  TrafficDestination,
  UpdateStatus,
} from './Intent';
export * as Labels from './Labels';
export { formatLabelSelector, rsAvailable, rsHash, rsName, rsRevision, rsSpecReplicas } from './ReplicaSetView';
export { reconcileBlueGreen } from './BlueGreenReconcile';
export {
  planRollout,
  runPlan,
  formatPlanTime,
  DEFAULT_PLAN_MAX_RECONCILES,
  DEFAULT_PLAN_MAX_VIRTUAL_SECONDS,
  DEFAULT_PLAN_START_AT,
} from './Plan';
export type {
  PlanAnalysisOutcome,
  PlanError,
  PlanFrame,
  PlanInitialDeployStuck,
  PlanManifestInvalid,
  PlanNoProgress,
  PlanOptionInvalid,
  PlanOptions,
  PlanReplicaSet,
  PlanStrategyUnsupported,
  RolloutPlan,
  Reconcile,
} from './Plan';
export {
  DEFAULT_CONSECUTIVE_ERROR_LIMIT,
  DEFAULT_ERROR_RETRY_INTERVAL_MS,
  DEFAULT_MEASUREMENT_HISTORY_LIMIT,
  MAX_EVIDENCE_VALUE_BYTES,
  MAX_REFUSAL_REASON_BYTES,
  MAX_RUN_MESSAGE_BYTES,
  analysisRunStatusRefused,
  analysisSpecProblem,
  assessMetricLimits,
  assessMetricPhase,
  effectiveCount,
  intOrStringValue,
  phaseCompleted,
  phaseWorse,
  reconcileAnalysisRun,
  runTerminating,
  ttlSecondsFor,
} from './AnalysisRunReconcile';
export type { AnalysisRunReconcileInput, AnalysisRunReconcileResult, AnalysisRunStatusRefusal } from './AnalysisRunReconcile';
export type {
  AnalysisIntent,
  DeleteAnalysisRun,
  GarbageCollectMeasurements,
  MeasurementIntent,
  MeasurementReport,
  RecordAnalysisEvent,
  ResumeMeasurement,
  TakeMeasurement,
  TerminateMeasurement,
  UpdateAnalysisRunStatus,
} from './AnalysisIntent';
export {
  MAX_COUNTED_VALUE_BYTES,
  MAX_MEASUREMENT_MESSAGE_BYTES,
  MAX_MEASUREMENT_METADATA_ENTRIES,
  MAX_MEASUREMENT_METADATA_VALUE_BYTES,
  MAX_MEASUREMENT_VALUE_BYTES,
  capText,
  formatMeasurementValue,
  measurementFromObservation,
  storedMetadata,
  utf8Head,
  utf8Length,
  withheldConditionError,
  withheldProviderMessage,
  withheldValue,
} from './Measurement';
export type {
  MeasurementMetadata,
  MeasurementOptions,
  ObservedPending,
  ObservedProviderError,
  ObservedValue,
  ObservedVerdict,
  ProviderObservation,
} from './Measurement';
export {
  REDACTED,
  SECRET_ARGUMENT_PLACEHOLDER,
  SECRET_FRAGMENT_LENGTH,
  argumentsWithSecretPlaceholders,
  argumentsWithSecretValues,
  metricJson,
  redactSecretForms,
  redactSecrets,
  resolveMetricArgs,
  resolveMetricsArgs,
  screenSecrets,
  secretArgumentNames,
  secretArgumentsIn,
  secretArgumentsOf,
  secretScreen,
  substituteTags,
  withheldMessage,
} from './AnalysisArgs';
export type { ArgumentsWithSecrets, ResolvedArgument, SecretArgument, SecretData, SecretScreen } from './AnalysisArgs';
export { metadataFieldOf } from './AnalysisRunBuilder';
export { MAX_CONDITION_LENGTH, MAX_CONDITION_STEPS, assessMeasurementResult, evaluateCondition, evaluateExpression } from './AnalysisCondition';
export type { ConditionError, MeasurementAssessment } from './AnalysisCondition';
export {
  DEFAULT_EXPERIMENT_SCALE_DOWN_DELAY_SECONDS,
  EXPERIMENT_NAME_ANNOTATION,
  EXPERIMENT_TEMPLATE_NAME_ANNOTATION,
  ExperimentConditionReason,
  REQUIRED_ANALYSIS_COMPLETED_MESSAGE,
  assessAnalyses,
  assessTemplates,
  decideExperimentPhase,
  experimentPodTemplateHash,
  experimentTerminating,
  hasRequiredAnalyses,
  newExperimentReplicaSet,
  newExperimentService,
  reconcileExperiment,
  requiredAnalysesSuccessful,
  resolveExperimentArgValue,
  templateCompleted,
  templateDesiredReplicas,
  templateServicePorts,
} from './ExperimentReconcile';
export type { ExperimentPhaseInput, PhaseVerdict } from './ExperimentReconcile';
export type { ExperimentObservation } from './ExperimentObservation';
export type { CreateService, DeleteService, ExperimentIntent, ExperimentReconcileResult, UpdateExperimentStatus } from './ExperimentIntent';
export { rolloutServiceRoles, serviceRolesOf } from './ServiceRoles';
export type { ServiceRoles } from './ServiceRoles';
export { DEFAULT_STEP_PLUGIN_TIMING, goDurationString, mergeStepPluginResults, pluginStepOutcome, stepPluginCalls } from './StepPlugins';
export type { PluginStepOutcome, StepPluginCall, StepPluginCallOptions, StepPluginCallResult, StepPluginOperation, StepPluginTiming, StepPluginTransition } from './StepPlugins';
