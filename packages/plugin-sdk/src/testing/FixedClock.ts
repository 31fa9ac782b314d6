/** A clock for tests: it reads the time it was given and moves only when told. */
export interface FixedClock {
  /** Milliseconds since the epoch (pass as `ProviderDeps.now` / `RouterDeps.now`). */
  readonly now: () => number;
  /** Move the clock forward by `ms` milliseconds. */
  advance(ms: number): void;
  /** Set the clock to `ms` milliseconds since the epoch. */
  set(ms: number): void;
}

/** A {@link FixedClock} starting at `startMs` (default 2026-01-01T00:00:00Z). */
export function fixedClock(startMs: number = Date.UTC(2026, 0, 1)): FixedClock {
  let t = startMs;
  return {
    now: () => t,
    advance(ms) {
      if (!Number.isFinite(ms) || ms < 0) throw new Error(`fixedClock.advance: ${ms} is not a non-negative number of milliseconds`);
      t += ms;
    },
    set(ms) {
      t = ms;
    },
  };
}
