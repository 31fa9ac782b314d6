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
