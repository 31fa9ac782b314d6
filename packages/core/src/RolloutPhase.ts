/**
 * `status.phase` and `status.message` of a Rollout, and the predicates behind the Healthy and Completed
 * conditions, computed by the same ordered rules as Argo Rollouts so that `kubectl argo rollouts`, Argo CD
 * health checks and notifications read the same words from us.
 */
import type { ObjectMeta, RolloutSpec, RolloutStatus } from '@rollouts/api';
import { ConditionReason, RolloutConditionType } from './Conditions';
import { fromRfc3339 } from './Time';

/** The phases the controller writes into `status.phase`. */
export type RolloutPhase = 'Progressing' | 'Paused' | 'Healthy' | 'Degraded';

export interface RolloutPhaseResult {
  readonly phase: RolloutPhase;
  /** Why (empty when Healthy). */
  readonly message: string;
}

/**
 * What the phase depends on. The strategy is read from `spec.strategy` as upstream does: blue-green when
 * `blueGreen` is set, otherwise canary when `canary` is set (traffic-routed when `canary.trafficRouting` is
 * set); with neither, only the strategy-independent rules apply.
 */
export interface RolloutPhaseInput {
  readonly spec: Pick<RolloutSpec, 'paused' | 'restartAt' | 'replicas' | 'strategy'>;
  /** The status being written (after this reconcile's changes). */
  readonly status: RolloutStatus;
}

/** The analysis phases that count as finished (`AnalysisPhase.Completed()` upstream). */
const COMPLETED_ANALYSIS_PHASES: ReadonlySet<string> = new Set(['Successful', 'Failed', 'Error', 'Inconclusive']);

/**
 * The controller-side phase and message. Rules in order, the first that matches wins:
 * 1. Degraded — walking `status.conditions` in order, the first condition of type `InvalidSpec`
 *    ("InvalidSpec: <message>") or with reason `RolloutAborted` / `ProgressDeadlineExceeded`
 *    ("<reason>: <message>");
 * 2. Paused — `spec.paused` ("manually paused"), else the first pause condition (its reason);
 * 3. Progressing "rollout is restarting" — `spec.restartAt` set and not the same instant as `status.restartedAt`;
 * 4. Progressing — "more replicas need to be updated" (updated < `spec.replicas`, default 1), then "updated
 *    replicas are still becoming available" (available < updated);
 * 5. blue-green — "active service cutover pending" (active selector empty or not the current hash), then, while
 *    the current ReplicaSet is not yet stable, "waiting for analysis to complete" when a post-promotion analysis
 *    is configured and has not finished, else "waiting for post-promotion verification to complete";
 * 6. canary — without traffic routing, "old replicas are pending termination" (replicas > updated); then
 *    "waiting for all steps to complete" (stable empty or not the current hash);
 * 7. Healthy, with an empty message.
 */
export function calculateRolloutPhase(input: RolloutPhaseInput): RolloutPhaseResult {
  const { spec, status } = input;
  for (const condition of status.conditions ?? []) {
    if (condition.type === RolloutConditionType.InvalidSpec) {
      return { phase: 'Degraded', message: `${RolloutConditionType.InvalidSpec}: ${condition.message ?? ''}` };
    }
    if (condition.reason === ConditionReason.RolloutAborted || condition.reason === ConditionReason.ProgressDeadlineExceeded) {
      return { phase: 'Degraded', message: `${condition.reason}: ${condition.message ?? ''}` };
    }
  }

  if (spec.paused === true) return { phase: 'Paused', message: 'manually paused' };
  const firstPause = status.pauseConditions?.[0];
  if (firstPause != null) return { phase: 'Paused', message: firstPause.reason };

  if (spec.restartAt != null && (status.restartedAt == null || !sameInstant(spec.restartAt, status.restartedAt))) {
    return progressing('rollout is restarting');
  }

  const updated = status.updatedReplicas ?? 0;
  if (updated < (spec.replicas ?? 1)) return progressing('more replicas need to be updated');
  if ((status.availableReplicas ?? 0) < updated) return progressing('updated replicas are still becoming available');

  const current = status.currentPodHash ?? '';
  const stable = status.stableRS ?? '';
  const blueGreen = spec.strategy?.blueGreen;
  const canary = spec.strategy?.canary;
  if (blueGreen != null) {
    const active = status.blueGreen?.activeSelector ?? '';
    if (active === '' || active !== current) return progressing('active service cutover pending');
    if (stable === '' || stable !== current) {
      // The active Service points at the new pods but they are not stable yet: post-promotion analysis or
      // verification (e.g. target group checks) is still running.
      const postAnalysis = status.blueGreen?.postPromotionAnalysisRunStatus;
      const waitingForAnalysis =
        blueGreen.postPromotionAnalysis != null && (postAnalysis == null || !COMPLETED_ANALYSIS_PHASES.has(postAnalysis.status));
      return progressing(waitingForAnalysis ? 'waiting for analysis to complete' : 'waiting for post-promotion verification to complete');
    }
  } else if (canary != null) {
    // Only a basic canary waits for old pods: blue-green and traffic-routed canaries keep the old
    // ReplicaSet up for scaleDownDelaySeconds on purpose.
    if (canary.trafficRouting == null && (status.replicas ?? 0) > updated) {
      return progressing('old replicas are pending termination');
    }
    if (stable === '' || stable !== current) return progressing('waiting for all steps to complete');
  }
  return { phase: 'Healthy', message: '' };
}

/** What the Healthy condition depends on. */
export interface RolloutHealthInput {
  /** The Rollout as read at the start of this reconcile (its generation, spec, and previous status). */
  readonly rollout: {
    readonly metadata?: Pick<ObjectMeta, 'generation'> | null;
    readonly spec: Pick<RolloutSpec, 'paused' | 'replicas' | 'strategy'>;
    readonly status?: Pick<RolloutStatus, 'observedGeneration' | 'pauseConditions'> | null;
  };
  /** The status this reconcile computed. */
  readonly newStatus: RolloutStatus;
}

/**
 * The Healthy condition's rule: `rolloutHealthyIgnoringPause` holds and the Rollout is not paused
 * (`spec.paused`, or pause conditions in the status it was read with).
 */
export function rolloutHealthy(input: RolloutHealthInput): boolean {
  const { rollout } = input;
  const paused = rollout.spec.paused === true || (rollout.status?.pauseConditions?.length ?? 0) > 0;
  return !paused && rolloutHealthyIgnoringPause(input);
}

/**
 * Upstream's `RolloutHealthy` predicate, which the reconcile also uses without the pause check (to mark the
 * Progressing condition `NewReplicaSetAvailable`, and to stop requeueing for the progress deadline):
 * - `updatedReplicas` and `availableReplicas` of the new status both equal `spec.replicas` (default 1);
 * - the previous status' `observedGeneration` is the Rollout's `metadata.generation` (as a decimal string);
 * - blue-green: the active selector (and the preview selector, when a preview Service is set) is the current
 *   pod hash;
 * - canary: all steps executed (`currentStepIndex` equals the step count, when there are steps and an index),
 *   the stable ReplicaSet is the current one, and `status.replicas` equals `spec.replicas`.
 * When a spec sets both strategies the canary rule decides, as upstream.
 */
export function rolloutHealthyIgnoringPause(input: RolloutHealthInput): boolean {
  const { rollout, newStatus } = input;
  const replicas = rollout.spec.replicas ?? 1;
  const current = newStatus.currentPodHash ?? '';
  let strategyDone = true;
  const blueGreen = rollout.spec.strategy?.blueGreen;
  if (blueGreen != null) {
    const activeDone = (newStatus.blueGreen?.activeSelector ?? '') === current;
    const previewDone =
      (blueGreen.previewService ?? '') === '' || (newStatus.blueGreen?.previewSelector ?? '') === current;
    strategyDone = activeDone && previewDone;
  }
  const canary = rollout.spec.strategy?.canary;
  if (canary != null) {
    const stepCount = canary.steps?.length ?? 0;
    const allStepsExecuted = stepCount === 0 || newStatus.currentStepIndex == null || newStatus.currentStepIndex === stepCount;
    const currentIsStable = newStatus.stableRS != null && newStatus.stableRS !== '' && newStatus.stableRS === current;
    const oldScaledDown = (newStatus.replicas ?? 0) === replicas;
    strategyDone = allStepsExecuted && currentIsStable && oldScaledDown;
  }
  return (
    (newStatus.updatedReplicas ?? 0) === replicas &&
    (newStatus.availableReplicas ?? 0) === replicas &&
    (rollout.status?.observedGeneration ?? '') === String(rollout.metadata?.generation ?? 0) &&
    strategyDone
  );
}

/** The Completed condition's rule: the current ReplicaSet is the stable one (`stableRS == currentPodHash`, non-empty). */
export function rolloutCompleted(status: Pick<RolloutStatus, 'stableRS' | 'currentPodHash'>): boolean {
  return status.stableRS != null && status.stableRS !== '' && status.stableRS === status.currentPodHash;
}

/** The phase a client shows; `phase` is whatever the controller wrote when it is not one of ours. */
export interface ClientRolloutPhase {
  readonly phase: RolloutPhase | (string & {});
  readonly message: string;
}

/** Annotation in which the controller records the generation of the `workloadRef` object it resolved. */
const WORKLOAD_GENERATION_ANNOTATION = 'rollout.argoproj.io/workload-generation';

/**
 * The phase as a client should show it (`GetRolloutPhase` upstream), which accounts for changes the
 * controller has not seen yet:
 * 1. Progressing "waiting for rollout spec update to be observed" — `status.observedGeneration` (a string)
 *    is a number below `metadata.generation` (a non-numeric value, from very old controllers, counts as
 *    observed);
 * 2. Progressing "waiting for rollout to unpause" — `status.controllerPause` with no pause conditions left
 *    (someone promoted and the controller has not reacted yet);
 * 3. Progressing "waiting for rollout spec update to be observed for the reference workload" — `workloadRef`
 *    set and the `rollout.argoproj.io/workload-generation` annotation differs from
 *    `status.workloadObservedGeneration` (both must parse as int32, else this rule does not apply);
 * 4. `status.phase` and `status.message` as the controller wrote them;
 * 5. when the controller wrote no phase (before v1.0), `calculateRolloutPhase`.
 */
export function clientRolloutPhase(rollout: {
  readonly metadata?: Pick<ObjectMeta, 'generation' | 'annotations'> | null;
  readonly spec: Pick<RolloutSpec, 'paused' | 'restartAt' | 'replicas' | 'strategy' | 'workloadRef'>;
  readonly status?: RolloutStatus | null;
}): ClientRolloutPhase {
  const status = rollout.status ?? {};
  const observed = parseGoInt(status.observedGeneration ?? '', 64);
  if (observed != null && observed < BigInt(Math.trunc(rollout.metadata?.generation ?? 0))) {
    return { phase: 'Progressing', message: 'waiting for rollout spec update to be observed' };
  }
  if (status.controllerPause === true && (status.pauseConditions?.length ?? 0) === 0) {
    return { phase: 'Progressing', message: 'waiting for rollout to unpause' };
  }
  if (rollout.spec.workloadRef != null) {
    const wanted = parseGoInt(rollout.metadata?.annotations?.[WORKLOAD_GENERATION_ANNOTATION] ?? '', 32);
    const seen = parseGoInt(status.workloadObservedGeneration ?? '', 32);
    if (wanted != null && seen != null && wanted !== seen) {
      return { phase: 'Progressing', message: 'waiting for rollout spec update to be observed for the reference workload' };
    }
  }
  if (status.phase != null && status.phase !== '') return { phase: status.phase, message: status.message ?? '' };
  return calculateRolloutPhase({ spec: rollout.spec, status });
}

function progressing(message: string): RolloutPhaseResult {
  return { phase: 'Progressing', message };
}

/** Two timestamps name the same instant (compared as strings when either does not parse). */
function sameInstant(a: string, b: string): boolean {
  const ta = fromRfc3339(a);
  const tb = fromRfc3339(b);
  return ta != null && tb != null ? ta === tb : a === b;
}

/** A base-10 integer as Go's `strconv.ParseInt(s, 10, bits)` reads it (optional sign, in range), else undefined. */
function parseGoInt(s: string, bits: 32 | 64): bigint | undefined {
  if (!/^[+-]?\d+$/.test(s)) return undefined;
  const n = BigInt(s);
  const limit = BigInt(2) ** BigInt(bits - 1);
  return n >= -limit && n < limit ? n : undefined;
}
