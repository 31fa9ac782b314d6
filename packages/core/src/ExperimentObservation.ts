/**
 * What the controller observed about one Experiment: the only input of `reconcileExperiment`. Plain data,
 * built by the Kubernetes adapter from its caches.
 */
import type { AnalysisRun, AnalysisTemplate, ClusterAnalysisTemplate, Experiment, ReplicaSet, Service } from '@rollouts/api';

export interface ExperimentObservation {
  readonly experiment: Experiment;
  /**
   * ReplicaSets this Experiment controls (owner reference). Each is matched to its template by the
   * `experiment.argoproj.io/name` and `experiment.argoproj.io/template-name` annotations.
   */
  readonly replicaSets: ReadonlyArray<ReplicaSet>;
  /** Services this Experiment controls, matched to templates by the same annotations. */
  readonly services: ReadonlyArray<Service>;
  /** AnalysisRuns this Experiment controls. */
  readonly analysisRuns: ReadonlyArray<AnalysisRun>;
  /** The templates the Experiment's analyses reference (and those they compose), those that exist. */
  readonly analysisTemplates: ReadonlyArray<AnalysisTemplate>;
  readonly clusterAnalysisTemplates: ReadonlyArray<ClusterAnalysisTemplate>;
  /** Now, in milliseconds since the epoch. The only clock the core sees. */
  readonly now: number;
}
