/**
 * `spec.strategy.canary.replicaProgressThreshold`: how many canary pods must be available before a canary step
 * counts as reached.
 */
import type { ReplicaProgressThreshold } from '@rollouts/api';
import { requireInteger, requireWholeNumber } from './internal/WholeNumber';
import { requireReplicaSetCounts, type ReplicaSetCounts } from './ReplicaSetCounts';

/**
 * Has the canary ReplicaSet progressed far enough towards `desired` pods?
 * - no threshold, or a negative `value`: the canary must be exactly at `desired`, both in spec and available;
 * - `Percent`: at least `value` % of `desired` pods available (always met when `desired` is 0);
 * - `Pods`: at least `value` pods available.
 * A missing canary ReplicaSet (`null`/`undefined`) counts as 0 pods.
 *
 * @throws RangeError naming the field for negative or non-integer counts, or a non-integer `value`.
 */
export function replicaProgressThresholdMet(
  threshold: ReplicaProgressThreshold | null | undefined,
  canary: ReplicaSetCounts | null | undefined,
  desired: number,
): boolean {
  requireReplicaSetCounts('canary', canary);
  requireWholeNumber('desired', desired);
  const replicas = canary?.replicas ?? 0;
  const available = canary?.available ?? 0;
  if (threshold == null || requireInteger('threshold.value', threshold.value) < 0) {
    return replicas === desired && available === desired;
  }
  switch (threshold.type) {
    case 'Percent':
      // available/desired·100 >= value, without the division.
      return desired === 0 || available * 100 >= threshold.value * desired;
    case 'Pods':
      return available >= threshold.value;
  }
  throw new RangeError(`threshold.type must be "Percent" or "Pods", got ${JSON.stringify((threshold as { type: unknown }).type)}`);
}
