/**
 * Time as a dependency: everything in this package that waits or timestamps takes a {@link Clock}, so tests can
 * drive time by hand instead of sleeping.
 */

/** A cancellable timer, as returned by {@link Clock.setTimeout}. */
export interface Timer {
  cancel(): void;
}

/** Wall-clock milliseconds and one-shot timers. */
export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
  /** Call `fn` once after `ms` milliseconds (0 or less: as soon as possible), unless cancelled first. */
  setTimeout(fn: () => void, ms: number): Timer;
}

/**
 * The longest delay a Node timer takes (2^31 - 1 ms, about 24.8 days). Node runs a longer one after 1 ms instead,
 * which would turn a Rollout paused for 30 days into a reconcile every millisecond: a longer delay fires at this
 * one, and whoever set it (a requeue, a sleep) simply looks again then.
 */
export const MAX_TIMER_MS = 2_147_483_647;

/** The real clock: `Date.now()` and Node timers. */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => {
    const t = setTimeout(fn, Math.min(MAX_TIMER_MS, Math.max(0, Number.isNaN(ms) ? 0 : ms)));
    return { cancel: () => clearTimeout(t) };
  },
};

/** Resolve after `ms` on `clock`; resolves early (to `false`) when `signal` is aborted. */
export function sleep(clock: Clock, ms: number, signal?: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    if (signal?.aborted === true) return resolve(false);
    const onAbort = (): void => {
      timer.cancel();
      resolve(false);
    };
    const timer = clock.setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** RFC 3339 with second precision (Kubernetes `Time`): `2024-01-02T03:04:05Z`. */
export function rfc3339(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** RFC 3339 with microsecond precision (Kubernetes `MicroTime`): `2024-01-02T03:04:05.123000Z`. */
export function rfc3339Micro(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}
