/**
 * What `reconcileAnalysisRun` asks the runtime to do. The runtime calls the metric provider for each
 * measurement intent, and reconciles again with a `MeasurementReport` per intent (see
 * `AnalysisRunReconcile.ts`): providers observe, core decides phases. Every intent carries a `reason`.
 */
import type { AnalysisRunStatus, Measurement, Metric } from '@rollouts/api';
import type { ProviderObservation } from './Measurement';

/** Take a new measurement of `metric` (arguments resolved, secret values substituted). */
export interface TakeMeasurement {
  readonly _tag: 'TakeMeasurement';
  readonly metricName: string;
  readonly metric: Metric;
  readonly reason: string;
}

/** Ask the provider about an in-flight measurement (its `resumeAt` has passed, or it has none). */
export interface ResumeMeasurement {
  readonly _tag: 'ResumeMeasurement';
  readonly metricName: string;
  readonly metric: Metric;
  readonly measurement: Measurement;
  readonly reason: string;
}

/** Stop an in-flight measurement because the run is terminating (for example delete its Job). */
export interface TerminateMeasurement {
  readonly _tag: 'TerminateMeasurement';
  readonly metricName: string;
  readonly metric: Metric;
  readonly measurement: Measurement;
  readonly reason: string;
}

/**
 * Measurement history was trimmed to the last `keep`: let the provider clean up what belonged to the older
 * ones (the job provider deletes their Jobs). `metric` has placeholders instead of secret values.
 */
export interface GarbageCollectMeasurements {
  readonly _tag: 'GarbageCollectMeasurements';
  readonly metricName: string;
  readonly metric: Metric;
  readonly keep: number;
  readonly reason: string;
}

/** A Kubernetes Event on the AnalysisRun (`AnalysisRunFailed`, `MetricSuccessful`, ...). */
export interface RecordAnalysisEvent {
  readonly _tag: 'RecordEvent';
  readonly type: 'Normal' | 'Warning';
  readonly eventReason: string;
  readonly message: string;
  readonly reason: string;
}

/** Write the AnalysisRun's status. At most one per reconcile, last, and only when it changed. */
export interface UpdateAnalysisRunStatus {
  readonly _tag: 'UpdateStatus';
  readonly status: AnalysisRunStatus;
  readonly reason: string;
}

/** Delete the AnalysisRun: its `ttlStrategy` time after completion has passed. */
export interface DeleteAnalysisRun {
  readonly _tag: 'DeleteAnalysisRun';
  readonly name: string;
  readonly namespace?: string;
  readonly reason: string;
}

/** The intents that ask the runtime to call a provider; each must come back as a `MeasurementReport`. */
export type MeasurementIntent = TakeMeasurement | ResumeMeasurement | TerminateMeasurement;

export type AnalysisIntent =
  | TakeMeasurement
  | ResumeMeasurement
  | TerminateMeasurement
  | GarbageCollectMeasurements
  | RecordAnalysisEvent
  | UpdateAnalysisRunStatus
  | DeleteAnalysisRun;

/**
 * What the runtime reports back for a measurement intent: the intent it carried out and what the
 * provider observed. `observedAt` (epoch ms) is when the provider answered; it defaults to the reconcile's
 * `now`. `metricMetadata` is the provider's metadata about the metric (a resolved query, for example),
 * stored on the metric result when it is created.
 */
export interface MeasurementReport {
  readonly intent: MeasurementIntent;
  readonly observation: ProviderObservation;
  readonly observedAt?: number;
  readonly metricMetadata?: Readonly<Record<string, string>>;
}
