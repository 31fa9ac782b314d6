/**
 * The two limits a work queue applies to retried keys: exponential backoff per key (a key that keeps failing
 * waits longer each time) and a token bucket over all keys (many failing keys cannot flood the API server).
 */

/** Per-key exponential backoff: `base * 2^failures`, capped at `max`. */
export interface ItemBackoff {
  /** The delay for this failure of `key`, counting it. */
  when(key: string): number;
  /** How many failures of `key` have been counted since the last {@link forget}. */
  failures(key: string): number;
  forget(key: string): void;
}

/** Create an {@link ItemBackoff}. */
export function createItemBackoff(baseDelayMs: number, maxDelayMs: number): ItemBackoff {
  const counts = new Map<string, number>();
  return {
    when(key) {
      const n = counts.get(key) ?? 0;
      counts.set(key, n + 1);
      // 2^n overflows to Infinity for large n, which the cap handles.
      return Math.min(maxDelayMs, baseDelayMs * Math.pow(2, n));
    },
    failures: (key) => counts.get(key) ?? 0,
    forget: (key) => void counts.delete(key),
  };
}

/** A token bucket refilled at `qps` tokens per second up to `burst`. */
export interface TokenBucket {
  /** Take a token, now or in the future: returns how many ms until the caller may proceed (0: now). */
  reserve(): number;
}

/**
 * Create a {@link TokenBucket} starting full. Reservations beyond the tokens available are queued: each gets
 * the time its token will exist, so N reservations at once are spread `1000 / qps` ms apart after the burst.
 */
export function createTokenBucket(qps: number, burst: number, now: () => number): TokenBucket {
  if (!(qps > 0) || !(burst >= 1)) throw new Error(`token bucket needs qps > 0 and burst >= 1 (got qps ${qps}, burst ${burst})`);
  let tokens = burst;
  let last = now();
  return {
    reserve() {
      const t = now();
      tokens = Math.min(burst, tokens + ((t - last) * qps) / 1000);
      last = t;
      tokens -= 1;
      return tokens >= 0 ? 0 : Math.ceil((-tokens * 1000) / qps);
    },
  };
}
