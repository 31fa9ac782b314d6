/**
 * `spec.replicas` of the canary and stable ReplicaSets for one reconcile of a canary update, with Argo Rollouts'
 * arithmetic: a basic canary approximates the weight with pod ratios within maxSurge/maxUnavailable; a
 * traffic-routed canary sizes the canary by its traffic weight and keeps (or, with dynamicStableScale,
 * scales) stable.
 */
import { basicCanaryReplicaCounts } from './BasicCanary';
import { desiredCanary } from './DesiredCanary';
import { canaryFenceposts } from './Fenceposts';
import { requireReplicaSetCounts } from './ReplicaSetCounts';
import { trafficRoutedCanaryReplicaCounts } from './TrafficRoutedCanary';
import { requirePositiveWholeNumber, requireWholeNumber } from './internal/WholeNumber';

/** Everything {@link canaryReplicaCounts} looks at, as plain numbers taken from a validated Rollout. */
export interface CanaryReplicaInput {
  /** `spec.replicas`. */
  replicas: number;
  /** The current step's `setWeight` (the nearest at or before the current step; the max weight past the last). */
  weight: number;
  /** `trafficRouting.maxTrafficWeight`; default 100. */
  maxWeight?: number;
  /** IntOrString; default "25%". */
  maxSurge?: number | string;
  /** IntOrString; default "25%". */
  maxUnavailable?: number | string;
  trafficRouting?: boolean;
  dynamicStableScale?: boolean;
  minPodsPerReplicaSet?: number;
  /** The `setCanaryScale` step in force (nearest at or before the current step), if any. */
  canaryScale?: { replicas?: number; weight?: number; matchTrafficWeight?: boolean };
  /** `status.promoteFull`; also pass it (or `weight: maxWeight`) for a first deploy or a fast rollback. */
  promoteFull?: boolean;
  /** `status.abort`. */
  aborted?: boolean;
  /** As written in the spec; absent when not set (the 30 s default). */
  abortScaleDownDelaySeconds?: number;
  /** All setWeight values in step order. */
  setWeightSteps?: number[];
  /** `status.canary.weights`, as of the previous reconcile. */
  currentWeights?: { canary: number; stable: number };
  /** Absent: no canary ReplicaSet yet. */
  canary?: { replicas: number; available: number };
  /** Absent: no stable ReplicaSet (or it is the canary ReplicaSet). */
  stable?: { replicas: number; available: number };
  /** Every other ReplicaSet of the rollout. */
  others?: Array<{ replicas: number; available: number }>;
}

/** Desired `spec.replicas` of the canary and stable ReplicaSets. */
export interface CanaryReplicaCounts {
  canary: number;
  stable: number;
}

/**
 * Desired `spec.replicas` of the canary and stable ReplicaSets now.
 *
 * The weight is resolved first (`promoteFull` → max weight; an active `setCanaryScale` with traffic routing;
 * aborted → 0, or with `dynamicStableScale` the reverse walk over `setWeightSteps`; see `desiredCanary`).
 * Then a traffic-routed canary uses `trafficRoutedCanaryReplicaCounts` and a basic canary
 * `basicCanaryReplicaCounts`. A first deploy is not inferred from a missing ReplicaSet: pass `promoteFull`.
 * On abort without dynamic scaling the canary's count is 0; keeping it up for `abortScaleDownDelaySeconds` is
 * the caller's business.
 *
 * @throws RangeError naming the field for a negative or non-integer number, a `maxWeight` of 0, a `weight`
 * above `maxWeight`, or an unparsable `maxSurge`/`maxUnavailable` — all rejected by validation beforehand.
 */
export function canaryReplicaCounts(input: CanaryReplicaInput): CanaryReplicaCounts {
  const maxWeight = checkInput(input);
  const fenceposts = canaryFenceposts(input.replicas, input.maxSurge, input.maxUnavailable);
  // Explicit objects rather than spreads of the input: this runs on every reconcile.
  const desired = desiredCanary({
    replicas: input.replicas,
    weight: input.weight,
    maxWeight,
    trafficRouting: input.trafficRouting,
    dynamicStableScale: input.dynamicStableScale,
    canaryScale: input.canaryScale,
    promoteFull: input.promoteFull,
    aborted: input.aborted,
    abortScaleDownDelaySeconds: input.abortScaleDownDelaySeconds,
    setWeightSteps: input.setWeightSteps,
    canary: input.canary,
    stable: input.stable,
  });
  if (input.trafficRouting === true) {
    const counts = trafficRoutedCanaryReplicaCounts({
      replicas: input.replicas,
      maxWeight,
      desired,
      dynamicStableScale: input.dynamicStableScale,
      minPodsPerReplicaSet: input.minPodsPerReplicaSet,
      aborted: input.aborted,
      currentWeights: input.currentWeights,
    });
    return { canary: counts.canary, stable: counts.stable };
  }
  if (desired._tag !== 'Weight') {
    throw new Error('internal: setCanaryScale replicas resolved for a canary without traffic routing');
  }
  const counts = basicCanaryReplicaCounts({
    replicas: input.replicas,
    weight: desired.weight,
    maxWeight,
    fenceposts,
    canary: input.canary,
    stable: input.stable,
    others: input.others,
  });
  return { canary: counts.canary, stable: counts.stable };
}

const isWhole = (v: unknown): boolean => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
const countsAreWhole = (rs: { replicas: number; available: number } | undefined): boolean => rs == null || (isWhole(rs.replicas) && isWhole(rs.available));

/**
 * Validate every number of the input, throwing a `RangeError` naming the field; returns `maxWeight` with its
 * default. Field names are only built for the error (this runs on every reconcile).
 */
function checkInput(input: CanaryReplicaInput): number {
  const maxWeight = requirePositiveWholeNumber('maxWeight', input.maxWeight ?? 100);
  requireWholeNumber('replicas', input.replicas);
  requireWholeNumber('weight', input.weight);
  if (input.weight > maxWeight) {
    throw new RangeError(`weight must be at most maxWeight (${maxWeight}), got ${input.weight}`);
  }
  if (input.minPodsPerReplicaSet != null) requireWholeNumber('minPodsPerReplicaSet', input.minPodsPerReplicaSet);
  if (input.abortScaleDownDelaySeconds != null) requireWholeNumber('abortScaleDownDelaySeconds', input.abortScaleDownDelaySeconds);
  const scale = input.canaryScale;
  if (scale?.replicas != null) requireWholeNumber('canaryScale.replicas', scale.replicas);
  if (scale?.weight != null) requireWholeNumber('canaryScale.weight', scale.weight);
  const steps = input.setWeightSteps;
  if (steps != null) for (let i = 0; i < steps.length; i++) if (!isWhole(steps[i])) requireWholeNumber(`setWeightSteps[${i}]`, steps[i]!);
  if (input.currentWeights != null) {
    requireWholeNumber('currentWeights.canary', input.currentWeights.canary);
    requireWholeNumber('currentWeights.stable', input.currentWeights.stable);
  }
  if (!countsAreWhole(input.canary)) requireReplicaSetCounts('canary', input.canary);
  if (!countsAreWhole(input.stable)) requireReplicaSetCounts('stable', input.stable);
  const others = input.others;
  if (others != null) for (let i = 0; i < others.length; i++) if (!countsAreWhole(others[i])) requireReplicaSetCounts(`others[${i}]`, others[i]);
  return maxWeight;
}
