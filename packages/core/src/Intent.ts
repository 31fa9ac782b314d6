/**
 * What the core asks the controller to do, in order. The executor applies intents one by one and stops at
 * the first failure; the next reconcile observes again. Every intent carries a `reason` with the numbers
 * behind it, for events and logs.
 */
import type { DeleteAnalysisRun } from './AnalysisIntent';
import type { SyncEphemeralMetadata } from './EphemeralMetadata';
import type { AnalysisRun, Experiment, ReplicaSet, RolloutStatus, StringMatch } from '@rollouts/api';

export interface CreateReplicaSet {
  readonly _tag: 'CreateReplicaSet';
  readonly replicaSet: ReplicaSet;
  readonly reason: string;
}

export interface ScaleReplicaSet {
  readonly _tag: 'ScaleReplicaSet';
  readonly name: string;
  readonly replicas: number;
  /** The annotations to set in the same write (`rollout.argoproj.io/desired-replicas`, `scale-down-deadline`). */
  readonly annotations?: Readonly<Record<string, string | null>>;
  readonly reason: string;
}

/** Set or remove (null) annotations and labels on a ReplicaSet without scaling it. */
export interface AnnotateReplicaSet {
  readonly _tag: 'AnnotateReplicaSet';
  readonly name: string;
  readonly annotations: Readonly<Record<string, string | null>>;
  readonly reason: string;
}

export interface DeleteReplicaSet {
  readonly _tag: 'DeleteReplicaSet';
  readonly name: string;
  readonly reason: string;
}

/** Point a Service at one revision: its selector gets `rollouts-pod-template-hash: <podTemplateHash>`. */
export interface PatchServiceSelector {
  readonly _tag: 'PatchServiceSelector';
  readonly service: string;
  readonly podTemplateHash: string;
  /** The Rollout name, for the `argo-rollouts.argoproj.io/managed-by-rollouts` annotation. */
  readonly rollout: string;
  readonly reason: string;
}

export interface TrafficDestination {
  readonly serviceName: string;
  readonly podTemplateHash: string;
  readonly weight: number;
}

/** Route `weight` of `maxWeight` to the canary (and experiment destinations), the rest to stable. */
export interface SetWeight {
  readonly _tag: 'SetWeight';
  readonly weight: number;
  readonly maxWeight: number;
  readonly additionalDestinations: ReadonlyArray<TrafficDestination>;
  readonly reason: string;
}

export interface SetHeaderRoute {
  readonly _tag: 'SetHeaderRoute';
  readonly name: string;
  /** Empty: remove the route. */
  readonly match: ReadonlyArray<{ readonly headerName: string; readonly headerValue: StringMatch }>;
  readonly reason: string;
}

export interface SetMirrorRoute {
  readonly _tag: 'SetMirrorRoute';
  readonly name: string;
  /** Empty: remove the route. */
  readonly match: ReadonlyArray<unknown>;
  readonly percentage: number;
  readonly reason: string;
}

export interface RemoveManagedRoutes {
  readonly _tag: 'RemoveManagedRoutes';
  readonly reason: string;
}

export interface CreateAnalysisRun {
  readonly _tag: 'CreateAnalysisRun';
  readonly analysisRun: AnalysisRun;
  readonly reason: string;
}

export interface TerminateAnalysisRun {
  readonly _tag: 'TerminateAnalysisRun';
  readonly name: string;
  readonly reason: string;
}

export interface CreateExperiment {
  readonly _tag: 'CreateExperiment';
  readonly experiment: Experiment;
  readonly reason: string;
}

export interface TerminateExperiment {
  readonly _tag: 'TerminateExperiment';
  readonly name: string;
  readonly reason: string;
}

/** Delete an Experiment beyond the Rollout's run history limits (or whose revision is gone). */
export interface DeleteExperiment {
  readonly _tag: 'DeleteExperiment';
  readonly name: string;
  readonly reason: string;
}

/** Scale the object of a `workloadRef` (a Deployment) as `scaleDown` asks. */
export interface ScaleWorkload {
  readonly _tag: 'ScaleWorkload';
  readonly replicas: number;
  readonly reason: string;
}

/** Evict a pod through the Eviction API (PodDisruptionBudgets apply), for `spec.restartAt`. */
export interface EvictPod {
  readonly _tag: 'EvictPod';
  readonly name: string;
  readonly reason: string;
}

export interface RecordEvent {
  readonly _tag: 'RecordEvent';
  readonly type: 'Normal' | 'Warning';
  /** Argo's event reasons (`RolloutUpdated`, `RolloutStepCompleted`, `ScalingReplicaSet`, ...): notifications key on them. */
  readonly eventReason: string;
  readonly message: string;
  readonly reason: string;
}

/** Write the status subresource. At most one per reconcile, last, and only when something changed. */
export interface UpdateStatus {
  readonly _tag: 'UpdateStatus';
  readonly status: RolloutStatus;
  readonly reason: string;
}

export type Intent =
  | CreateReplicaSet
  | ScaleReplicaSet
  | AnnotateReplicaSet
  | DeleteReplicaSet
  | PatchServiceSelector
  | SetWeight
  | SetHeaderRoute
  | SetMirrorRoute
  | RemoveManagedRoutes
  | CreateAnalysisRun
  | TerminateAnalysisRun
  | CreateExperiment
  | TerminateExperiment
  | DeleteAnalysisRun
  | DeleteExperiment
  | ScaleWorkload
  | EvictPod
  | SyncEphemeralMetadata
  | RecordEvent
  | UpdateStatus;

/** The result of one reconcile. */
export interface ReconcileResult {
  /** The status the Rollout should have after the intents are applied. */
  readonly status: RolloutStatus;
  readonly intents: ReadonlyArray<Intent>;
  /** Reconcile again after this long even if nothing changes (pause timers, deadlines, analysis polling). */
  readonly requeueAfterMs?: number;
}
