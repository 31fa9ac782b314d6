/**
 * What the controller observed about one Rollout: the only input of `reconcileRollout`. Plain data, built by
 * the Kubernetes adapter from its caches (or by `planRollout` from its in-memory cluster).
 */
import type { RouterStatusFragment } from './RouterStatus';
import type { AnalysisRun, AnalysisTemplate, ClusterAnalysisTemplate, Experiment, ReplicaSet, Rollout, Service } from '@rollouts/api';
import type { PodTemplateSpec } from '@rollouts/api';
import type { StepPluginCallResult, StepPluginTiming } from './StepPlugins';

/** The object a `workloadRef` points at, resolved by the adapter. */
export interface ObservedWorkload {
  readonly apiVersion: string;
  readonly kind: string;
  readonly name: string;
  readonly generation?: number;
  readonly template: PodTemplateSpec;
  /** The referenced object's selector, used when the Rollout has none. */
  readonly selector?: Rollout['spec']['selector'];
  /** `spec.replicas` of a referenced Deployment (for scaleDown). */
  readonly replicas?: number;
}

/** What the configured traffic routers can do, and what they last reported. */
export interface TrafficRoutingObservation {
  /** The routers configured for this Rollout, by kind (`nginx`, `istio`, ...). */
  readonly routers: ReadonlyArray<{
    readonly kind: string;
    /** Optional capabilities this router implements. */
    readonly supports: ReadonlyArray<'setHeaderRoute' | 'setMirrorRoute' | 'verifyWeight'>;
    /**
     * Why this router cannot be used (no plugin registered for the kind, its configuration does not decode).
     * The Rollout is then InvalidSpec at `path`.
     */
    readonly problem?: string;
    /** The field that configures this router (`spec.strategy.canary.trafficRouting.nginx`). */
    readonly path?: string;
  }>;
  /**
   * Whether every router that can verify confirmed the weight in `rollout.status.canary.weights`
   * (`undefined` when no router verifies).
   */
  readonly weightVerified?: boolean;
  /** What the routers reported for the status (`status.alb`, `status.albs`); see RouterStatus.ts. */
  readonly routerStatus?: RouterStatusFragment;
}

/** A pod as the restart logic sees it (from the adapter's pod cache). */
export interface ObservedPod {
  readonly metadata: {
    readonly name: string;
    readonly namespace?: string;
    readonly creationTimestamp?: string;
    readonly deletionTimestamp?: string | null;
    readonly labels?: Readonly<Record<string, string>>;
    readonly ownerReferences?: ReadonlyArray<{ readonly kind: string; readonly name: string; readonly uid: string }>;
  };
  readonly status?: { readonly conditions?: ReadonlyArray<{ readonly type: string; readonly status: string }> | null } | null;
}

export interface RolloutObservation {
  readonly rollout: Rollout;
  /** ReplicaSets this Rollout controls (owner reference), any revision. */
  readonly replicaSets: ReadonlyArray<ReplicaSet>;
  /** The Services the Rollout names (stable, canary, active, preview, ping, pong) that exist. */
  readonly services: ReadonlyArray<Service>;
  /** AnalysisRuns this Rollout controls. */
  readonly analysisRuns: ReadonlyArray<AnalysisRun>;
  /** Experiments this Rollout controls. */
  readonly experiments: ReadonlyArray<Experiment>;
  /** The templates the Rollout's analyses reference, those that exist. */
  readonly analysisTemplates: ReadonlyArray<AnalysisTemplate>;
  readonly clusterAnalysisTemplates: ReadonlyArray<ClusterAnalysisTemplate>;
  /** Pods of the Rollout's ReplicaSets; needed for `spec.restartAt` (absent: nothing to restart). */
  readonly pods?: ReadonlyArray<ObservedPod>;
  /** Present when `spec.workloadRef` is set and the object exists. */
  readonly workload?: ObservedWorkload;
  readonly trafficRouting?: TrafficRoutingObservation;
  /** Step plugins registered with the controller, by name (disabled ones included). */
  readonly stepPlugins?: ReadonlyArray<string>;
  /** Plugin steps whose `config` the plugin's codec refuses: each makes the Rollout InvalidSpec at its path. */
  readonly stepPluginConfigProblems?: ReadonlyArray<{ readonly path: string; readonly message: string }>;
  /** Step plugins configured but disabled: their steps are skipped (StepPlugins.ts). */
  readonly disabledStepPlugins?: ReadonlyArray<string>;
  /** What the plugin calls `stepPluginCalls` asked for answered, made just before this reconcile. */
  readonly stepPluginResults?: ReadonlyArray<StepPluginCallResult>;
  /** Backoffs between step plugin runs (default Argo's: DEFAULT_STEP_PLUGIN_TIMING). */
  readonly stepPluginTiming?: StepPluginTiming;
  /** Now, in milliseconds since the epoch. The only clock the core sees. */
  readonly now: number;
}
