/**
 * What `reconcileExperiment` asks the controller to do. It reuses the Rollout intents that fit
 * (`CreateReplicaSet`, `ScaleReplicaSet`, `AnnotateReplicaSet`, `CreateAnalysisRun`, `TerminateAnalysisRun`,
 * `RecordEvent`) and adds the three an Experiment needs beyond them. The executor applies intents in order and
 * stops at the first failure; the status write comes last, so a failed action leaves the status unwritten and
 * the next reconcile observes again.
 */
import type { ExperimentStatus, Service } from '@rollouts/api';
import type { AnnotateReplicaSet, CreateAnalysisRun, CreateReplicaSet, RecordEvent, ScaleReplicaSet, TerminateAnalysisRun } from './Intent';

/** Create the Service of an experiment template (its selector is the template's pod-template hash). */
export interface CreateService {
  readonly _tag: 'CreateService';
  readonly service: Service;
  readonly reason: string;
}

/** Delete the Service of an experiment template (its pods are gone, or the template no longer asks for one). */
export interface DeleteService {
  readonly _tag: 'DeleteService';
  readonly name: string;
  readonly reason: string;
}

/** Write the Experiment's status subresource. At most one per reconcile, last, and only when it changed. */
export interface UpdateExperimentStatus {
  readonly _tag: 'UpdateExperimentStatus';
  readonly status: ExperimentStatus;
  readonly reason: string;
}

export type ExperimentIntent =
  | CreateReplicaSet
  | ScaleReplicaSet
  | AnnotateReplicaSet
  | CreateService
  | DeleteService
  | CreateAnalysisRun
  | TerminateAnalysisRun
  | RecordEvent
  | UpdateExperimentStatus;

/** The result of one Experiment reconcile. */
export interface ExperimentReconcileResult {
  /** The status the Experiment should have after the intents are applied. */
  readonly status: ExperimentStatus;
  readonly intents: ReadonlyArray<ExperimentIntent>;
  /** Reconcile again after this long even if nothing changes (duration end, progress deadline, scale-down delay). */
  readonly requeueAfterMs?: number;
}
