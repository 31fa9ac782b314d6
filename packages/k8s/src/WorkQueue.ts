/**
 * The controller's work queue: keys (`namespace/name`) to reconcile, handed to workers one at a time.
 *
 * - Dedup: a key added while queued is one item; a key added while a worker holds it is queued again once the
 *   worker calls `done`, so one key is never processed by two workers at once.
 * - Delayed adds: `addAfter` keeps the earliest pending time per key.
 * - `addRateLimited`: waits the larger of the key's exponential backoff (5 ms doubling to 1000 s by default)
 *   and a global token bucket (10 qps, burst 100 by default); `forget` resets the key's backoff.
 */
import { Clock, systemClock, Timer } from './Clock';
import { createItemBackoff, createTokenBucket } from './RateLimiter';

/** See the module comment. */
export interface WorkQueue {
  /** Queue `key` now (no-op if already queued, deferred if being processed, ignored after shutdown). */
  add(key: string): void;
  /** Queue `key` after `ms` (at the earliest of pending delays for the same key). */
  addAfter(key: string, ms: number): void;
  /** Queue `key` after its backoff and a global rate limit; counts as a failure of `key`. */
  addRateLimited(key: string): void;
  /** Reset the backoff of `key` (call after a successful reconcile). Does not dequeue it. */
  forget(key: string): void;
  /** The next key to process; waits while the queue is empty; `undefined` once shut down. */
  get(): Promise<string | undefined>;
  /** The worker finished `key` (call exactly once per `get`). */
  done(key: string): void;
  /** Stop: waiting and future `get` calls return `undefined`, pending delays are dropped. */
  shutdown(): void;
  /** Keys ready to be handed out (not counting those being processed or waiting for a delay). */
  length(): number;
  /** How many times `key` was rate-limited since its last `forget`. */
  numRequeues(key: string): number;
  /** True after {@link shutdown}. */
  isShuttingDown(): boolean;
}

/** Options of {@link createWorkQueue}. */
export interface WorkQueueOptions {
  /** For logs and metrics. */
  readonly name?: string;
  readonly clock?: Clock;
  /** First backoff of `addRateLimited` (default 5 ms). */
  readonly baseDelayMs?: number;
  /** Backoff cap (default 1 000 000 ms). */
  readonly maxDelayMs?: number;
  /** Global rate of `addRateLimited` (default 10 per second). */
  readonly qps?: number;
  /** Global burst of `addRateLimited` (default 100). */
  readonly burst?: number;
}

/** A FIFO of keys with O(1) push and shift. */
class Fifo {
  private items: string[] = [];
  private head = 0;
  push(k: string): void {
    this.items.push(k);
  }
  shift(): string | undefined {
    if (this.head >= this.items.length) return undefined;
    const k = this.items[this.head++];
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return k;
  }
  get length(): number {
    return this.items.length - this.head;
  }
}

/** Create a {@link WorkQueue}. */
export function createWorkQueue(opts: WorkQueueOptions = {}): WorkQueue {
  const clock = opts.clock ?? systemClock;
  const backoff = createItemBackoff(opts.baseDelayMs ?? 5, opts.maxDelayMs ?? 1_000_000);
  const bucket = createTokenBucket(opts.qps ?? 10, opts.burst ?? 100, () => clock.now());
  const queue = new Fifo();
  /** Keys that need processing: queued, or added again while being processed. */
  const dirty = new Set<string>();
  const processing = new Set<string>();
  const waiting = new Map<string, { readonly at: number; readonly timer: Timer }>();
  const getters: Array<(k: string | undefined) => void> = [];
  let shuttingDown = false;

  const dispatch = (): void => {
    while (getters.length > 0 && queue.length > 0) {
      const key = queue.shift()!;
      dirty.delete(key);
      processing.add(key);
      getters.shift()!(key);
    }
  };

  const add = (key: string): void => {
    if (shuttingDown || dirty.has(key)) return;
    dirty.add(key);
    if (processing.has(key)) return;
    queue.push(key);
    dispatch();
  };

  const addAfter = (key: string, ms: number): void => {
    if (shuttingDown) return;
    if (!(ms > 0)) {
      const w = waiting.get(key);
      if (w !== undefined) {
        w.timer.cancel();
        waiting.delete(key);
      }
      add(key);
      return;
    }
    const at = clock.now() + ms;
    const existing = waiting.get(key);
    if (existing !== undefined) {
      if (existing.at <= at) return;
      existing.timer.cancel();
    }
    const timer = clock.setTimeout(() => {
      const w = waiting.get(key);
      if (w?.timer !== timer) return;
      waiting.delete(key);
      add(key);
    }, ms);
    waiting.set(key, { at, timer });
  };

  return {
    add,
    addAfter,
    addRateLimited: (key) => addAfter(key, Math.max(backoff.when(key), bucket.reserve())),
    forget: (key) => backoff.forget(key),
    get() {
      if (shuttingDown) return Promise.resolve(undefined);
      return new Promise((resolve) => {
        getters.push(resolve);
        dispatch();
      });
    },
    done(key) {
      processing.delete(key);
      if (dirty.has(key) && !shuttingDown) {
        queue.push(key);
        dispatch();
      }
    },
    shutdown() {
      if (shuttingDown) return;
      shuttingDown = true;
      for (const w of waiting.values()) w.timer.cancel();
      waiting.clear();
      for (const g of getters.splice(0)) g(undefined);
    },
    length: () => queue.length,
    numRequeues: (key) => backoff.failures(key),
    isShuttingDown: () => shuttingDown,
  };
}
