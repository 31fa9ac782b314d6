/**
 * Experiment (`argoproj.io/v1alpha1`): ReplicaSets from pod templates run side by side for a duration,
 * with AnalysisRuns alongside. Every field upstream's CRD has.
 */
import { array, boolean, int32, string, struct, partial, type TypeOf } from './Schema';
import { LabelSelector, ObjectMeta, PodTemplateSpec } from './Kubernetes';
import { Argument, Condition, DryRun, MeasurementRetention, PodTemplateMetadata } from './Common';
import { AnalysisPhase, AnalysisRunPhase } from './Analysis';

/** The Service to create for a template's pods (named `name`, or after the ReplicaSet when empty). */
export const ExperimentTemplateService = partial('TemplateService', { name: string() });
export type ExperimentTemplateService = TypeOf<typeof ExperimentTemplateService>;

/** One ReplicaSet of the experiment, named `<experiment>-<name>`. */
export const ExperimentTemplate = struct(
  'TemplateSpec',
  { name: string(), selector: LabelSelector, template: PodTemplateSpec },
  {
    /** Default 1. */
    replicas: int32(),
    minReadySeconds: int32(),
    service: ExperimentTemplateService,
  },
);
export type ExperimentTemplate = TypeOf<typeof ExperimentTemplate>;

/** An AnalysisRun the experiment starts, named `<experiment>-<name>`, from one (Cluster)AnalysisTemplate. */
export const ExperimentAnalysisTemplateRef = struct(
  'ExperimentAnalysisTemplateRef',
  { name: string(), templateName: string() },
  { clusterScope: boolean(), args: array(Argument), requiredForCompletion: boolean() },
);
export type ExperimentAnalysisTemplateRef = TypeOf<typeof ExperimentAnalysisTemplateRef>;

export const ExperimentSpec = struct(
  'ExperimentSpec',
  { templates: array(ExperimentTemplate) },
  {
    /** Go duration; absent means run until terminated or failed. */
    duration: string(),
    /** Default 600. */
    progressDeadlineSeconds: int32(),
    terminate: boolean(),
    analyses: array(ExperimentAnalysisTemplateRef),
    /** Default 30. */
    scaleDownDelaySeconds: int32(),
    dryRun: array(DryRun),
    measurementRetention: array(MeasurementRetention),
    analysisRunMetadata: PodTemplateMetadata,
  },
);
export type ExperimentSpec = TypeOf<typeof ExperimentSpec>;

/** The state of one template's ReplicaSet. `status` is one of Progressing, Running, Successful, Failed, Error. */
export const ExperimentTemplateStatus = struct(
  'TemplateStatus',
  { name: string(), replicas: int32(), updatedReplicas: int32(), readyReplicas: int32(), availableReplicas: int32() },
  {
    collisionCount: int32(),
    status: string(),
    message: string(),
    lastTransitionTime: string({ format: 'date-time' }),
    serviceName: string(),
    podTemplateHash: string(),
  },
);
export type ExperimentTemplateStatus = TypeOf<typeof ExperimentTemplateStatus>;

/** The state of one analysis of the experiment. */
export const ExperimentAnalysisRunStatus = struct(
  'ExperimentAnalysisRunStatus',
  { name: string(), analysisRun: string(), phase: AnalysisRunPhase },
  { message: string() },
);
export type ExperimentAnalysisRunStatus = TypeOf<typeof ExperimentAnalysisRunStatus>;

export const ExperimentStatus = partial('ExperimentStatus', {
  phase: AnalysisPhase,
  message: string(),
  templateStatuses: array(ExperimentTemplateStatus),
  /** When all templates first became available; the duration counts from here. */
  availableAt: string({ format: 'date-time' }),
  /** InvalidSpec, Completed, Progressing, Running, ReplicaFailure. */
  conditions: array(Condition),
  analysisRuns: array(ExperimentAnalysisRunStatus),
});
export type ExperimentStatus = TypeOf<typeof ExperimentStatus>;

export const Experiment = struct(
  'Experiment',
  { spec: ExperimentSpec },
  { apiVersion: string(), kind: string(), metadata: ObjectMeta, status: ExperimentStatus },
  { description: 'Experiment runs one or more ReplicaSets, and analyses alongside them, for a limited time.' },
);
export type Experiment = TypeOf<typeof Experiment>;
