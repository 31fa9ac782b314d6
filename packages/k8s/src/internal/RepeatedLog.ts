/**
 * Logging a problem that keeps coming back (a list that fails on every retry, a Lease namespace that does not
 * exist) without either flooding the log or going quiet: a new message is logged at once; the same message
 * again only after an interval that doubles from `firstMs` up to `maxMs`. A different message starts over.
 */

/** See the module comment. */
export interface RepeatedLog {
  /** True when `message`, seen at `now`, should be logged this time. */
  due(message: string, now: number): boolean;
  /** The problem is gone: the next message is logged at once, whatever it is. */
  clear(): void;
}

/** Defaults: 10 s after the first line, then 20 s, 40 s, ... up to every 2 minutes. */
export function createRepeatedLog(firstMs = 10_000, maxMs = 120_000): RepeatedLog {
  let last: string | undefined;
  let lastAt = 0;
  let intervalMs = firstMs;
  return {
    due(message, now) {
      if (message !== last) {
        last = message;
        lastAt = now;
        intervalMs = firstMs;
        return true;
      }
      if (now - lastAt < intervalMs) return false;
      lastAt = now;
      intervalMs = Math.min(maxMs, intervalMs * 2);
      return true;
    },
    clear() {
      last = undefined;
    },
  };
}
