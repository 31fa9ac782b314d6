/**
 * Surge and unavailability limits ("fenceposts") of a canary, for callers that hold already-validated numbers.
 * The IntOrString arithmetic itself (legacy percent parsing, surge rounded up, unavailability down, 25 %
 * defaults, both 0 → unavailable 1, cap at `replicas`) is `@rollouts/api`'s `resolveFenceposts`; this adds the
 * core's contract that a value validation would have rejected is a programmer error.
 */
import * as E from 'fp-ts/lib/Either';
import { intOrPercentValue, resolveFenceposts, type Fenceposts, type IntOrString } from '@rollouts/api';
import { requireWholeNumber } from './internal/WholeNumber';

/**
 * `maxSurge` and `maxUnavailable` of a canary with `replicas` desired pods (absent or null limits: 25 %), as
 * `@rollouts/api`'s `resolveFenceposts` resolves them.
 *
 * @throws RangeError naming the field when `replicas` is not a non-negative integer, or a limit does not parse
 * or resolves to a negative count (validation rejects all of these before this is called).
 */
export function canaryFenceposts(
  replicas: number,
  maxSurge?: IntOrString | null,
  maxUnavailable?: IntOrString | null,
): Fenceposts {
  // Every reconcile asks again for the same few (replicas, limits): keep the answers (the result is frozen),
  // and the last one apart, as a reconcile asks for it several times.
  if (replicas === last.replicas && maxSurge === last.maxSurge && maxUnavailable === last.maxUnavailable && last.value !== undefined) return last.value;
  const value = fencepostsByKey(`${replicas}|${limitKey(maxSurge)}|${limitKey(maxUnavailable)}`, replicas, maxSurge, maxUnavailable);
  last = { replicas, maxSurge, maxUnavailable, value };
  return value;
}

let last: { replicas: number; maxSurge: IntOrString | null | undefined; maxUnavailable: IntOrString | null | undefined; value: Fenceposts | undefined } = {
  replicas: Number.NaN,
  maxSurge: undefined,
  maxUnavailable: undefined,
  value: undefined,
};

const limitKey = (v: IntOrString | null | undefined): string => (v == null ? '-' : typeof v === 'number' ? `n${v}` : `s${v}`);

let fencepostCache = new Map<string, Fenceposts>();

function fencepostsByKey(key: string, replicas: number, maxSurge: IntOrString | null | undefined, maxUnavailable: IntOrString | null | undefined): Fenceposts {
  const hit = fencepostCache.get(key);
  if (hit !== undefined) return hit;
  requireWholeNumber('replicas', replicas);
  requireLimit('maxSurge', maxSurge);
  requireLimit('maxUnavailable', maxUnavailable);
  const resolved = resolveFenceposts(maxSurge, maxUnavailable, replicas);
  if (E.isLeft(resolved)) throw new RangeError(resolved.left); // not reached: both limits were checked above
  if (fencepostCache.size >= 4096) fencepostCache = new Map();
  const value = Object.freeze(resolved.right);
  fencepostCache.set(key, value);
  return value;
}

function requireLimit(field: string, value: IntOrString | null | undefined): void {
  if (value == null) return;
  // Out of 100 a percentage resolves to itself, so its sign shows even where the rounded count would be 0.
  const count = intOrPercentValue(value, 100, false);
  if (E.isLeft(count)) throw new RangeError(`${field} must be a non-negative integer or percentage: ${count.left}`);
  if (count.right < 0) {
    throw new RangeError(`${field} must be a non-negative integer or percentage, got ${JSON.stringify(value)}`);
  }
}
