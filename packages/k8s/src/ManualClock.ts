/** A {@link Clock} that moves only when told to, for tests of time-driven code (work queues, leader election). */
import type { Clock } from './Clock';

/** A clock driven by {@link ManualClock.advance}. */
export interface ManualClock extends Clock {
  /** Move time forward by `ms`, firing due timers in time order (timers they set that fall due fire too). */
  advance(ms: number): void;
  /** Timers not yet fired or cancelled. */
  pending(): number;
}

/** Create a {@link ManualClock} starting at `startMs` (default 2024-01-01T00:00:00Z). */
export function createManualClock(startMs = Date.UTC(2024, 0, 1)): ManualClock {
  let now = startMs;
  let seq = 0;
  const timers = new Map<number, { readonly at: number; readonly seq: number; readonly fn: () => void }>();
  return {
    now: () => now,
    setTimeout(fn, ms) {
      const id = ++seq;
      timers.set(id, { at: now + Math.max(0, ms), seq: id, fn });
      return { cancel: () => void timers.delete(id) };
    },
    advance(ms) {
      const target = now + ms;
      for (;;) {
        let next: { id: number; at: number; seq: number } | undefined;
        for (const [id, t] of timers) if (t.at <= target && (next === undefined || t.at < next.at || (t.at === next.at && t.seq < next.seq))) next = { id, at: t.at, seq: t.seq };
        if (next === undefined) break;
        const t = timers.get(next.id)!;
        timers.delete(next.id);
        now = Math.max(now, t.at);
        t.fn();
      }
      now = target;
    },
    pending: () => timers.size,
  };
}
