/**
 * The one record a canary reconcile works on: what it observed (fixed for the reconcile) and where the update
 * stands (changed by the phases in order: steps and pauses, abort and promotion, replica targets, Services and
 * traffic, status). Every phase of `reconcileCanary` reads and writes this record and nothing else, so what a
 * phase may change is visible in its signature and in this type.
 */
import type { AnalysisRun, CanaryStep, IntOrString, ReplicaSet, Rollout, RolloutAnalysisRunStatus, RolloutStatus, StepPluginStatus, TrafficWeights } from '@rollouts/api';
import { canaryReplicaCounts } from './CanaryReplicas';
import type { IntentPlan } from './IntentPlan';
import type { UpdateProgress } from './RolloutUpdate';
import type { RolloutObservation } from './Observation';
import { replicaProgressThresholdMet } from './ReplicaProgressThreshold';
import { countsOf, rsAvailable, rsSpecReplicas, rsStatusReplicas } from './ReplicaSetView';
import { trafficWeightToReplicas } from './WeightedReplicas';

type CanaryStrategy = NonNullable<NonNullable<Rollout['spec']['strategy']>['canary']>;
type ReplicaSetCounts = { replicas: number; available: number };

/** What the replica arithmetic answered for one set of arguments (a few per reconcile: a scanned list). */
interface CountsAnswer {
  readonly weight: number;
  readonly index: number;
  readonly aborted: boolean;
  readonly promoteFull: boolean;
  readonly counts: { readonly canary: number; readonly stable: number };
}

export interface CanaryUpdate extends UpdateProgress {
  // ---- Observed, fixed for the reconcile ----
  readonly obs: RolloutObservation;
  readonly ro: Rollout;
  readonly spec: Rollout['spec'];
  readonly canary: CanaryStrategy;
  readonly prev: RolloutStatus;
  readonly steps: ReadonlyArray<CanaryStep>;
  readonly now: number;
  readonly nowStr: string;
  readonly name: string;
  /** `spec.replicas`. */
  readonly R: number;
  readonly routed: boolean;
  readonly maxWeight: number;
  readonly maxSurge: IntOrString;
  readonly maxUnavailable: IntOrString;
  readonly fence: { readonly maxSurge: number; readonly maxUnavailable: number };
  readonly plan: IntentPlan;
  /** The Rollout's ReplicaSets, and the one running the current template (if it exists yet). */
  readonly owned: ReadonlyArray<ReplicaSet>;
  readonly newRS: ReplicaSet | undefined;
  readonly newHash: string;
  readonly newRevision: number;
  readonly newRSName: string;
  readonly collisionCount: number | null;
  readonly stepsHash: string;
  readonly setWeightSteps: ReadonlyArray<number>;
  /** The template changed since the last status (a new update starts). */
  readonly isNewUpdate: boolean;
  /** The steps changed under the same template (the update restarts its steps). */
  readonly stepsChanged: boolean;
  /** No stable ReplicaSet yet: the first revision goes straight to full size. */
  readonly firstDeploy: boolean;
  /** The current template is the stable one: nothing to roll out. */
  readonly fullyPromoted: boolean;
  /** `status.canary.weights` as read, and the canary weight in it. */
  readonly weights: TrafficWeights | undefined;
  readonly currentTrafficWeight: number;
  /** Some router can confirm the weight it serves. */
  readonly weightVerification: boolean;
  readonly newAvail: number;
  /** Neither new nor stable (as read, before any promotion in this reconcile). */
  readonly others: ReadonlyArray<ReplicaSet>;
  readonly countsInput: {
    readonly canary: ReplicaSetCounts | undefined;
    readonly stable: ReplicaSetCounts | undefined;
    readonly others: ReadonlyArray<ReplicaSetCounts>;
    readonly currentWeights: { readonly canary: number; readonly stable: number } | undefined;
  };
  readonly countsMemo: CountsAnswer[];

  // ---- Where the update stands: set by the phases, in order (with the shared part, UpdateProgress) ----
  stableHash: string;
  stableRS: ReplicaSet | undefined;
  stepIndex: number;
  stepRun: RolloutAnalysisRunStatus | undefined;
  backgroundRun: RolloutAnalysisRunStatus | undefined;
  currentExperiment: string | undefined;
  /** `status.canary.stepPluginStatuses`, with this reconcile's plugin answers merged in (StepPlugins.ts). */
  stepPluginStatuses: StepPluginStatus[];
  /** The update completed in this reconcile; the stable before it (it keeps its pods for scaleDownDelaySeconds). */
  promotedNow: boolean;
  oldStableRS: ReplicaSet | undefined;
  /** promoteFull was set by the rollback window, not by the user. */
  rollbackInWindow: boolean;
}

/** The AnalysisRun of the Rollout named `runName`, if the cache has it. */
export function findRun(u: CanaryUpdate, runName: string | undefined): AnalysisRun | undefined {
  if (runName === undefined) return undefined;
  const runs = u.obs.analysisRuns;
  for (let i = 0; i < runs.length; i++) if (runs[i]!.metadata?.name === runName) return runs[i];
  return undefined;
}

/** The setCanaryScale in force at step `index`, unless a later one matches the traffic weight. */
export function canaryScaleAtStep(steps: ReadonlyArray<CanaryStep>, index: number): { replicas?: number; weight?: number; matchTrafficWeight?: boolean } | undefined {
  // Past the last step there is no current step, and no setCanaryScale is in force.
  if (index >= steps.length) return undefined;
  for (let i = Math.min(index, steps.length - 1); i >= 0; i--) {
    const s = steps[i]?.setCanaryScale;
    if (s != null) {
      if (s.matchTrafficWeight === true) return undefined;
      // One shape (absent fields `undefined`): a literal with two conditional spreads costs ~0.6 µs in V8 11.
      return { replicas: s.replicas ?? undefined, weight: s.weight ?? undefined };
    }
  }
  return undefined;
}

/**
 * The canary and stable replica counts for a weight at a step (the replica arithmetic of upstream's
 * `CalculateReplicaCountsFor{Basic,TrafficRouted}Canary`), asked once per set of arguments.
 */
export function countsFor(u: CanaryUpdate, weight: number, index: number, aborted: boolean, full: boolean): { readonly canary: number; readonly stable: number } {
  const memo = u.countsMemo;
  for (let i = 0; i < memo.length; i++) {
    const m = memo[i]!;
    if (m.weight === weight && m.index === index && m.aborted === aborted && m.promoteFull === full) return m.counts;
  }
  const c = u.canary;
  // A fixed-shape input (absent fields `undefined`): this runs on every reconcile.
  // Fully promoted: the new revision is the stable one. Traffic-routed, it is simply at full size; a basic canary
  // still scales it within maxSurge while older revisions drain (a rollback to the stable mid-update).
  const counts = u.fullyPromoted && u.routed
    ? { canary: u.R, stable: 0 }
    : canaryReplicaCounts({
        replicas: u.R,
        weight,
        maxWeight: u.maxWeight,
        maxSurge: u.maxSurge,
        maxUnavailable: u.maxUnavailable,
        trafficRouting: u.routed,
        dynamicStableScale: c.dynamicStableScale === true,
        minPodsPerReplicaSet: c.minPodsPerReplicaSet ?? undefined,
        canaryScale: u.routed ? canaryScaleAtStep(u.steps, index) : undefined,
        promoteFull: full || u.fullyPromoted,
        aborted: aborted && !u.fullyPromoted,
        abortScaleDownDelaySeconds: c.abortScaleDownDelaySeconds ?? undefined,
        setWeightSteps: u.setWeightSteps as number[],
        currentWeights: u.countsInput.currentWeights,
        canary: u.countsInput.canary,
        stable: u.fullyPromoted ? undefined : u.countsInput.stable,
        others: u.countsInput.others as ReplicaSetCounts[],
      });
  memo.push({ weight, index, aborted, promoteFull: full, counts });
  return counts;
}

/**
 * Whether the canary has the available pods a traffic weight needs. With a setCanaryScale in force the user chose
 * the canary's size: it carries the weight once those pods are available. Otherwise it needs the pods the weight
 * stands for.
 */
export function canaryCarries(u: CanaryUpdate, w: number, index: number): boolean {
  if (w === 0) return true;
  if (u.routed && canaryScaleAtStep(u.steps, index) !== undefined) return u.newAvail >= countsFor(u, w, index, false, false).canary;
  return u.newAvail >= trafficWeightToReplicas(u.R, w, u.maxWeight);
}

/** Whether the stable has the available pods for what a canary weight leaves it. */
export function stableCarries(u: CanaryUpdate, w: number): boolean {
  return w >= u.maxWeight || rsAvailable(u.stableRS) >= trafficWeightToReplicas(u.R, u.maxWeight - w, u.maxWeight);
}

/** At the replica counts a step asks for, the canary's pods available (upstream AtDesiredReplicaCountsForCanary). */
export function atDesiredCounts(u: CanaryUpdate, weight: number, index: number): boolean {
  const d = countsFor(u, weight, index, false, false);
  const canaryOk = replicaProgressThresholdMet(u.canary.replicaProgressThreshold ?? null, countsOf(u.newRS) ?? { replicas: 0, available: 0 }, d.canary);
  if (!canaryOk) return false;
  if (u.routed && u.canary.dynamicStableScale === true) return true;
  const s = u.stableRS;
  if (s !== undefined && (rsSpecReplicas(s) !== d.stable || rsStatusReplicas(s) !== d.stable)) return false;
  // Basic canary: older revisions serve traffic, so they must be gone first. (Upstream checks their available pods
  // only; a newer revision that has no pod available yet still holds the surge, and the counts asked for under it
  // would let a step complete with no canary pod at all.)
  if (!u.routed) for (let i = 0; i < u.others.length; i++) if (rsAvailable(u.others[i]) !== 0 || rsSpecReplicas(u.others[i]) !== 0) return false;
  return true;
}
