/**
 * What the canary should be sized by at this point of a canary update: a traffic weight, or an explicit pod
 * count from a `setCanaryScale` step. This applies, in order, full promotion, an active `setCanaryScale` and the
 * abort rules to the current step's `setWeight`.
 */
import { desiredCanaryWeightOnAbort } from './AbortWeight';
import type { ReplicaSetCounts } from './ReplicaSetCounts';

/** The canary is sized by a weight (out of the max weight) or by an explicit replica count. */
export type DesiredCanary =
  | { readonly _tag: 'Weight'; readonly weight: number }
  | { readonly _tag: 'Replicas'; readonly replicas: number };

/** The `setCanaryScale` step in force: the nearest one at or before the current step. */
export interface CanaryScale {
  readonly replicas?: number | null;
  readonly weight?: number | null;
  readonly matchTrafficWeight?: boolean | null;
}

/** What {@link desiredCanary} looks at. Inputs are assumed validated (see `canaryReplicaCounts`). */
export interface DesiredCanaryInput {
  readonly replicas: number;
  /** The current step's `setWeight`. */
  readonly weight: number;
  readonly maxWeight: number;
  readonly trafficRouting?: boolean | null;
  readonly dynamicStableScale?: boolean | null;
  readonly canaryScale?: CanaryScale | null;
  readonly promoteFull?: boolean | null;
  readonly aborted?: boolean | null;
  readonly abortScaleDownDelaySeconds?: number | null;
  readonly setWeightSteps?: readonly number[] | null;
  readonly canary?: ReplicaSetCounts | null;
  readonly stable?: ReplicaSetCounts | null;
}

/**
 * The canary's sizing, first rule that applies:
 * 1. `promoteFull`: the max weight.
 * 2. Traffic routing with a `setCanaryScale` in force (not cancelled by `matchTrafficWeight`, and when aborted
 *    only if `abortScaleDownDelaySeconds` is explicitly 0): its `replicas`, else its `weight`. A scale step
 *    with neither falls through.
 * 3. Aborted: with `dynamicStableScale` and both ReplicaSets present, the ramp-down weight
 *    ({@link desiredCanaryWeightOnAbort}); otherwise 0.
 * 4. The current step's `weight`.
 */
export function desiredCanary(input: DesiredCanaryInput): DesiredCanary {
  const weight = (w: number): DesiredCanary => ({ _tag: 'Weight', weight: w });
  if (input.promoteFull === true) return weight(input.maxWeight);

  const scale = input.canaryScale;
  const scaleApplies =
    input.trafficRouting === true &&
    scale != null &&
    scale.matchTrafficWeight !== true &&
    (input.aborted !== true || input.abortScaleDownDelaySeconds === 0);
  if (scaleApplies) {
    if (scale.replicas != null) return { _tag: 'Replicas', replicas: scale.replicas };
    if (scale.weight != null) return weight(scale.weight);
  }

  if (input.aborted === true) {
    if (input.dynamicStableScale === true && input.canary != null && input.stable != null) {
      return weight(
        desiredCanaryWeightOnAbort({
          replicas: input.replicas,
          maxWeight: input.maxWeight,
          setWeightSteps: input.setWeightSteps ?? [],
          stableAvailable: input.stable.available,
          canaryAvailable: input.canary.available,
          ...(input.abortScaleDownDelaySeconds != null ? { abortScaleDownDelaySeconds: input.abortScaleDownDelaySeconds } : {}),
        }),
      );
    }
    return weight(0);
  }
  return weight(input.weight);
}
