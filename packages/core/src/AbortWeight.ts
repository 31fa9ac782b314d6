/**
 * The canary weight while an aborted rollout with `dynamicStableScale` hands traffic back to stable: it steps
 * down through the `setWeight` values in reverse, as fast as the stable ReplicaSet regains available pods.
 */
import { requirePositiveWholeNumber, requireWholeNumber } from './internal/WholeNumber';
import { ceilOfProduct } from './internal/Ratio';

/** What {@link desiredCanaryWeightOnAbort} looks at. */
export interface AbortWeightInput {
  /** `spec.replicas`. */
  readonly replicas: number;
  /** `trafficRouting.maxTrafficWeight`; default 100. */
  readonly maxWeight?: number;
  /** Every `setWeight` of the canary steps, in step order. */
  readonly setWeightSteps: readonly number[];
  /** `status.availableReplicas` of the stable ReplicaSet. */
  readonly stableAvailable: number;
  /** `status.availableReplicas` of the canary ReplicaSet. */
  readonly canaryAvailable: number;
  /** `abortScaleDownDelaySeconds` as written in the spec; absent when not set (the 30 s default). */
  readonly abortScaleDownDelaySeconds?: number;
}

/**
 * Canary weight of an aborted, dynamically scaled canary. The canary must still carry the pods stable cannot:
 * `replicas − stableAvailable`, or the canary's available pods if more (unless `abortScaleDownDelaySeconds` is
 * explicitly set above 0, when only the stable shortfall counts). Walking the `setWeight` steps from last to
 * first, the first weight whose pods (`ceil(w·replicas/maxWeight)`) are fewer than that is the answer; 0 when
 * there is none. So the weight drops to the previous step each time stable has caught up.
 *
 * @throws RangeError naming the field for negative or non-integer inputs, or `maxWeight` 0.
 */
export function desiredCanaryWeightOnAbort(input: AbortWeightInput): number {
  const replicas = requireWholeNumber('replicas', input.replicas);
  const maxWeight = requirePositiveWholeNumber('maxWeight', input.maxWeight ?? 100);
  const stableAvailable = requireWholeNumber('stableAvailable', input.stableAvailable);
  const canaryAvailable = requireWholeNumber('canaryAvailable', input.canaryAvailable);
  const delay = input.abortScaleDownDelaySeconds;
  if (delay != null) requireWholeNumber('abortScaleDownDelaySeconds', delay);
  const steps = input.setWeightSteps.map((w, i) => requireWholeNumber(`setWeightSteps[${i}]`, w));

  const stableShortfall = replicas - stableAvailable;
  const canaryPods = delay != null && delay > 0 ? stableShortfall : Math.max(stableShortfall, canaryAvailable);
  for (let i = steps.length - 1; i >= 0; i--) {
    const weight = steps[i]!;
    if (ceilOfProduct(weight, replicas, maxWeight) < canaryPods) return weight;
  }
  return 0;
}

/** What {@link trafficWeightOnAbortOrRollback} looks at. */
export interface AbortTrafficInput {
  readonly replicas: number;
  readonly maxWeight: number;
  /** The weight the canary should step down to ({@link desiredCanaryWeightOnAbort}; the current weight when rolling back to stable). */
  readonly desiredWeight: number;
  /** The canary weight the router serves now (`status.canary.weights.canary.weight`); undefined when none was set. */
  readonly currentWeight: number | undefined;
  /** `status.availableReplicas` of the stable ReplicaSet. */
  readonly stableAvailable: number;
}

/**
 * The router's canary weight while a dynamically scaled canary hands traffic back to stable (an abort, or a
 * rollback to the stable revision mid-update): never more than stable's available pods leave for the canary,
 * never up again once lower (stable availability may flap), and held where it is while stable is still
 * scaling up to the share the desired weight leaves it.
 */
export function trafficWeightOnAbortOrRollback(input: AbortTrafficInput): number {
  const { replicas, maxWeight, desiredWeight, currentWeight } = input;
  if (replicas <= 0) return 0;
  const stableShare = Math.floor((maxWeight * input.stableAvailable) / replicas);
  const expected = Math.max(0, maxWeight - stableShare);
  if (currentWeight === undefined) return Math.max(expected, desiredWeight);
  if (desiredWeight <= 0) return Math.min(expected, currentWeight);
  if (stableShare < maxWeight - desiredWeight) return currentWeight;
  return Math.min(desiredWeight, currentWeight);
}
