/**
 * Replica counts of a canary behind a traffic router: the canary gets the pods its traffic weight needs and
 * stable stays fully scaled, or, with `dynamicStableScale`, shrinks as traffic leaves it.
 */
import type { DesiredCanary } from './DesiredCanary';
import type { CanaryStableCounts } from './WeightedReplicas';
import { trafficWeightToReplicas } from './WeightedReplicas';

/** Traffic weights currently applied by the router (`status.canary.weights`). */
export interface CurrentTrafficWeights {
  readonly canary: number;
  readonly stable: number;
}

/** What {@link trafficRoutedCanaryReplicaCounts} looks at. Inputs are assumed validated. */
export interface TrafficRoutedCanaryInput {
  readonly replicas: number;
  readonly maxWeight: number;
  readonly desired: DesiredCanary;
  readonly dynamicStableScale?: boolean | null;
  readonly minPodsPerReplicaSet?: number | null;
  readonly aborted?: boolean | null;
  /** The router's weights as of the previous reconcile; absent when not known yet. */
  readonly currentWeights?: CurrentTrafficWeights | null;
}

/**
 * `minPodsPerReplicaSet`: a ReplicaSet that runs any pods runs at least this many, but never more than the
 * rollout's `replicas`. 0 stays 0; an absent minimum changes nothing.
 */
export function withMinPodsPerReplicaSet(count: number, minPodsPerReplicaSet: number | null | undefined, replicas: number): number {
  if (count === 0 || minPodsPerReplicaSet == null) return count;
  return Math.max(count, Math.min(minPodsPerReplicaSet, replicas));
}

/**
 * Canary and stable pod counts with traffic routing (maxSurge/maxUnavailable play no part):
 * - canary: an explicit `setCanaryScale` replica count as is; otherwise `ceil(weight·replicas/maxWeight)`
 *   raised to `minPodsPerReplicaSet`;
 * - without `dynamicStableScale`, stable stays at `replicas`;
 * - with it, stable gets the pods of the remaining weight (`maxWeight − weight`; 0 when a scale weight exceeds the
 *   max), but no fewer than the router still sends it (`currentWeights.stable`); when aborted the canary keeps
 *   the pods its current traffic needs (`currentWeights.canary`); both are raised to `minPodsPerReplicaSet`.
 *   An explicit canary replica count leaves the stable weight at the max.
 */
export function trafficRoutedCanaryReplicaCounts(input: TrafficRoutedCanaryInput): CanaryStableCounts {
  const { replicas, maxWeight, desired } = input;
  const toReplicas = (weight: number): number => trafficWeightToReplicas(replicas, weight, maxWeight);
  const minPods = (count: number): number => withMinPodsPerReplicaSet(count, input.minPodsPerReplicaSet, replicas);

  let canary = desired._tag === 'Replicas' ? desired.replicas : minPods(toReplicas(desired.weight));
  if (input.dynamicStableScale !== true) return { canary, stable: replicas };

  const weight = desired._tag === 'Weight' ? desired.weight : 0;
  let stable = toReplicas(Math.max(0, maxWeight - weight));
  const current = input.currentWeights;
  if (current != null) {
    stable = Math.max(stable, toReplicas(current.stable));
    if (input.aborted === true) canary = Math.max(canary, toReplicas(current.canary));
  }
  return { canary: minPods(canary), stable: minPods(stable) };
}
