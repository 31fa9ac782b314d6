/**
 * Time as the simulator sees it. The API server stamps timestamps from it and the workload simulator
 * schedules its delays on it, so a test can use a {@link VirtualClock} and move time by hand instead of
 * sleeping.
 */

/** Cancels a scheduled callback. */
export type CancelTimer = () => void;

/** A source of time and delayed callbacks. */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Run `fn` once `ms` milliseconds have passed on this clock. */
  schedule(ms: number, fn: () => void): CancelTimer;
}

/** Wall-clock time and real timers (timers are `unref`ed so they never keep the process alive). */
export class RealClock implements Clock {
  now(): number {
    return Date.now();
  }
  schedule(ms: number, fn: () => void): CancelTimer {
    const t = setTimeout(fn, Math.max(0, ms));
    t.unref();
    return () => clearTimeout(t);
  }
}

interface Pending {
  readonly at: number;
  readonly seq: number;
  readonly fn: () => void;
  cancelled: boolean;
}

/** A clock that only moves when told to: {@link advance} runs the callbacks that fall due, in order. */
export class VirtualClock implements Clock {
  private current: number;
  private seq = 0;
  private pending: Pending[] = [];

  constructor(startMs = Date.UTC(2025, 0, 1)) {
    this.current = startMs;
  }

  now(): number {
    return this.current;
  }

  schedule(ms: number, fn: () => void): CancelTimer {
    const p: Pending = { at: this.current + Math.max(0, ms), seq: this.seq++, fn, cancelled: false };
    this.pending.push(p);
    if (ms <= 0) queueMicrotask(() => this.runDue());
    return () => {
      p.cancelled = true;
    };
  }

  private runDue(): void {
    for (;;) {
      this.pending = this.pending.filter((p) => !p.cancelled);
      const due = this.pending.filter((p) => p.at <= this.current).sort((a, b) => a.at - b.at || a.seq - b.seq)[0];
      if (due === undefined) return;
      due.cancelled = true;
      due.fn();
    }
  }

  /** Move time forward by `ms`, running every callback due on the way (callbacks scheduled meanwhile too). */
  advance(ms: number): void {
    const target = this.current + Math.max(0, ms);
    for (;;) {
      this.pending = this.pending.filter((p) => !p.cancelled);
      const next = this.pending.filter((p) => p.at <= target).sort((a, b) => a.at - b.at || a.seq - b.seq)[0];
      if (next === undefined) break;
      this.current = Math.max(this.current, next.at);
      next.cancelled = true;
      next.fn();
    }
    this.current = target;
  }

  /** Number of callbacks waiting. */
  pendingTimers(): number {
    return this.pending.filter((p) => !p.cancelled).length;
  }
}

/** RFC 3339 with seconds precision, as Kubernetes writes `metav1.Time`. */
export function rfc3339(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

/** RFC 3339 with microseconds, as Kubernetes writes `metav1.MicroTime` (events, leases). */
export function rfc3339Micro(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}
