/**
 * Kubernetes' legacy IntOrString arithmetic, as Argo Rollouts applies it to `maxSurge` and `maxUnavailable`.
 *
 * "Legacy" means the non-strict reading: a number is a count; any string is a percentage whether or not it
 * ends in `%` (every `%` is dropped and the rest must be an integer, so `"25"` == `"25%"` and `"-5%"` is -5 %).
 * Errors carry Go's wording (`invalid value for IntOrString: invalid value "abc": strconv.Atoi: ...`).
 */
import * as E from 'fp-ts/lib/Either';
import { pipe } from 'fp-ts/lib/function';
import type { IntOrString } from './Schema';
import { DEFAULT_MAX_SURGE, DEFAULT_MAX_UNAVAILABLE } from './Defaults';

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** Go's `strconv.Atoi` on a 64-bit platform: an optional sign and decimal digits, in the int64 range. */
export function goAtoi(s: string): E.Either<string, number> {
  if (!/^[+-]?[0-9]+$/.test(s)) return E.left(`strconv.Atoi: parsing ${JSON.stringify(s)}: invalid syntax`);
  const n = BigInt(s);
  if (n < INT64_MIN || n > INT64_MAX) return E.left(`strconv.Atoi: parsing ${JSON.stringify(s)}: value out of range`);
  return E.right(Number(n));
}

/**
 * The count an IntOrString stands for out of `total`: a number as it is; a string as a percentage of `total`,
 * rounded up when `roundUp` (surge) and down otherwise (unavailability).
 */
export function intOrPercentValue(v: IntOrString, total: number, roundUp: boolean): E.Either<string, number> {
  if (typeof v === 'number') {
    return Number.isInteger(v) ? E.right(v) : E.left(`invalid value for IntOrString: invalid type: neither int nor percentage`);
  }
  return pipe(
    goAtoi(v.replace(/%/g, '')),
    E.bimap(
      (err) => `invalid value for IntOrString: invalid value ${JSON.stringify(v)}: ${err}`,
      (percent) => {
        const scaled = (percent * total) / 100;
        return roundUp ? Math.ceil(scaled) : Math.floor(scaled);
      },
    ),
  );
}

/** The resolved rolling-update limits of a canary Rollout. */
export interface Fenceposts {
  /** Pods allowed above `replicas` (a blue-green Rollout does not surge: its callers use 0). */
  readonly maxSurge: number;
  /** Pods allowed below `replicas`: at least 1 when both limits resolve to 0, at most `replicas`. */
  readonly maxUnavailable: number;
}

/**
 * `maxSurge` and `maxUnavailable` for `replicas` desired pods. Absent limits default to `"25%"`. When both
 * resolve to 0, `maxUnavailable` becomes 1 so that the update can move; `maxUnavailable` is then capped at
 * `replicas` (0 for 0 replicas). `maxSurge` is not capped.
 */
export function resolveFenceposts(
  maxSurge: IntOrString | null | undefined,
  maxUnavailable: IntOrString | null | undefined,
  replicas: number,
): E.Either<string, Fenceposts> {
  return pipe(
    E.Do,
    E.apS('surge', intOrPercentValue(maxSurge ?? DEFAULT_MAX_SURGE, replicas, true)),
    E.apS('unavailable', intOrPercentValue(maxUnavailable ?? DEFAULT_MAX_UNAVAILABLE, replicas, false)),
    E.map(({ surge, unavailable }) => {
      const movable = surge === 0 && unavailable === 0 ? 1 : unavailable;
      return { maxSurge: surge, maxUnavailable: replicas === 0 ? 0 : Math.min(movable, replicas) };
    }),
  );
}
