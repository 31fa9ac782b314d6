/**
 * Turning a canary traffic weight into pod counts: the exact ceiling used with traffic routing, and the
 * best-approximation split used by a basic canary, where the pod ratio itself is the traffic split.
 */
import { requirePositiveWholeNumber, requireWholeNumber } from './internal/WholeNumber';
import { ceilOfProduct, divideProduct } from './internal/Ratio';

/** Desired pod counts of the canary and stable ReplicaSets. */
export interface CanaryStableCounts {
  readonly canary: number;
  readonly stable: number;
}

/**
 * Pods needed to serve `weight` out of `maxWeight` of the traffic of a `replicas`-pod rollout:
 * `ceil(weight·replicas/maxWeight)`, computed exactly. A weight above `maxWeight` (a `setCanaryScale` weight of
 * 200) gives more than `replicas` pods.
 *
 * @throws RangeError naming the argument for negative or non-integer inputs, or `maxWeight` 0.
 */
export function trafficWeightToReplicas(replicas: number, weight: number, maxWeight: number): number {
  requireWholeNumber('replicas', replicas);
  requireWholeNumber('weight', weight);
  requirePositiveWholeNumber('maxWeight', maxWeight);
  return ceilOfProduct(weight, replicas, maxWeight);
}

/**
 * Split `replicas` pods between canary and stable so that the canary's share of the pods is as close as
 * possible to `weight/maxWeight`, as a basic canary (no traffic router) does:
 * - candidates are the canary count rounded up and down, over `replicas` pods and, when `maxSurge > 0`, over
 *   `replicas + 1` pods; the closest share wins, the earliest candidate on a tie;
 * - for a weight strictly between 0 and `maxWeight` neither side is left empty (unless the rollout has a single
 *   pod and no surge), and a count at exactly half a pod rounds the canary up;
 * - 0 replicas gives 0/0.
 *
 * Deviation: upstream falls back to canary 0 / stable `replicas` when no candidate qualifies, which happens at
 * `maxSurge` 0 when the weight sits exactly half a pod below `replicas` (2 pods at 75 %, 10 pods at 95 %) and
 * leaves the canary without pods despite its non-zero weight. We round the canary down there instead
 * (1/1, 9/1), which keeps the "neither side empty" rule.
 *
 * @throws RangeError naming the argument for negative or non-integer inputs, `maxWeight` 0 or
 * `weight > maxWeight`.
 */
export function approximateWeightedCanaryStableReplicaCounts(
  replicas: number,
  weight: number,
  maxWeight: number,
  maxSurge: number,
): CanaryStableCounts {
  requireWholeNumber('replicas', replicas);
  requireWholeNumber('weight', weight);
  requirePositiveWholeNumber('maxWeight', maxWeight);
  requireWholeNumber('maxSurge', maxSurge);
  if (weight > maxWeight) throw new RangeError(`weight must be at most maxWeight (${maxWeight}), got ${weight}`);
  if (replicas === 0) return { canary: 0, stable: 0 };

  const exact = divideProduct(replicas, weight, maxWeight);
  const down = exact.quotient;
  const up = exact.remainder === 0 ? down : down + 1;
  /** The canary count over `total` pods is exactly x.5: rounding down would be as far off as rounding up. */
  const tied = (total: number): boolean => divideProduct(total, weight, maxWeight).remainder * 2 === maxWeight;
  const zeroAllowed = weight === maxWeight || weight === 0 || (replicas === 1 && maxSurge === 0);
  const downAllowed = down !== 0 || zeroAllowed;

  const candidates: Array<{ readonly canary: number; readonly total: number }> = [];
  if (up < replicas || zeroAllowed) candidates.push({ canary: up, total: replicas });
  if (!tied(replicas) && downAllowed) candidates.push({ canary: down, total: replicas });
  if (maxSurge > 0) {
    candidates.push({ canary: up, total: replicas + 1 });
    if (!tied(replicas + 1) && downAllowed) candidates.push({ canary: down, total: replicas + 1 });
  }
  // Only reachable without surge when `up === replicas` and the split is tied; then `down >= 1` (see TSDoc).
  if (candidates.length === 0) return { canary: down, stable: replicas - down };

  let best = candidates[0]!;
  for (let i = 1; i < candidates.length; i++) {
    const candidate = candidates[i]!;
    if (closerToWeight(candidate, best, weight, maxWeight)) best = candidate;
  }
  return { canary: best.canary, stable: best.total - best.canary };
}

/**
 * Is `a`'s canary share strictly closer to `weight` than `b`'s? Compares |c·M/T − W| exactly by cross-multiplying
 * (`|c·M − W·T| / T`), so equal distances stay equal and the earlier candidate keeps its place.
 */
const ZERO = BigInt(0);

function closerToWeight(
  a: { readonly canary: number; readonly total: number },
  b: { readonly canary: number; readonly total: number },
  weight: number,
  maxWeight: number,
): boolean {
  // In plain numbers while every product is exact (always, for real replica counts and weights); else bigint.
  const da = Math.abs(a.canary * maxWeight - weight * a.total);
  const db = Math.abs(b.canary * maxWeight - weight * b.total);
  const left = da * b.total;
  const right = db * a.total;
  if (Number.isSafeInteger(left) && Number.isSafeInteger(right) && Number.isSafeInteger(a.canary * maxWeight) && Number.isSafeInteger(weight * a.total) && Number.isSafeInteger(b.canary * maxWeight) && Number.isSafeInteger(weight * b.total))
    return left < right;
  const offset = (c: { readonly canary: number; readonly total: number }): bigint => {
    const d = BigInt(c.canary) * BigInt(maxWeight) - BigInt(weight) * BigInt(c.total);
    return d < ZERO ? -d : d;
  };
  return offset(a) * BigInt(b.total) < offset(b) * BigInt(a.total);
}
