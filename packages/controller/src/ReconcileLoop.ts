/**
 * A reconcile loop: N workers taking keys from a work queue. A reconcile answers when to come back:
 * - `Done` forgets the key's backoff and, with `requeueAfterMs`, queues it again after that long (pause
 *   timers, progress deadlines, analysis intervals: core says when);
 * - `Retry` queues it again with the key's exponential backoff (conflicts, API errors, plugin errors).
 *
 * A reconcile that throws is a bug (in the controller or in a plugin). It never stops the worker: the stack
 * goes to the log, the key is retried with its exponential backoff like `Retry`, and the loop's `onPanic` hook
 * makes the failure visible on the object (a condition or a status message, and an Event). The loop counts the
 * throws of each key in a row and says whether this error message is new in that streak, so the hook can record
 * one Event per distinct message and stop a run that keeps throwing; a `Done` ends the streak.
 */
import type { Logger, WorkQueue } from '@rollouts/k8s';

export type ReconcileOutcome = { readonly _tag: 'Done'; readonly requeueAfterMs?: number } | { readonly _tag: 'Retry'; readonly reason: string };

export const done = (requeueAfterMs?: number): ReconcileOutcome => ({ _tag: 'Done', ...(requeueAfterMs !== undefined ? { requeueAfterMs } : {}) });
export const retry = (reason: string): ReconcileOutcome => ({ _tag: 'Retry', reason });

/** Observes each reconcile (metrics). */
export type ReconcileObserver = (key: string, durationMs: number, outcome: ReconcileOutcome | 'panic') => void;

/** A reconcile that threw, as the loop hands it to `onPanic`. */
export interface ReconcilePanic {
  readonly key: string;
  /** What was thrown. */
  readonly error: unknown;
  /** The error's message (its first line; no stack), what objects and Events may show. */
  readonly message: string;
  /** Throws of this key in a row, this one included (1 for the first); a `Done` resets it. */
  readonly attempts: number;
  /** This message was not seen before in the current streak of throws (record an Event for it). */
  readonly newMessage: boolean;
}

export interface ReconcileLoopOptions {
  /** `rollout`, `analysisrun`, `experiment` (for logs). */
  readonly name: string;
  readonly queue: WorkQueue;
  readonly workers: number;
  readonly reconcile: (key: string) => Promise<ReconcileOutcome>;
  readonly log: Logger;
  readonly observe?: ReconcileObserver;
  /**
   * Called after a reconcile threw, before the key is released (so it never runs beside a reconcile of the same
   * key). Its own failures are logged and otherwise ignored.
   */
  readonly onPanic?: (panic: ReconcilePanic) => Promise<void>;
  /** A monotonic clock for durations (default `performance.now`). */
  readonly elapsed?: () => number;
}

/** Longest message handed to `onPanic` (an Event message is at most 1 KiB). */
const MAX_PANIC_MESSAGE = 512;
/** Distinct messages remembered per key and streak (a bound for an error whose message changes every time). */
const MAX_MESSAGES_PER_KEY = 16;

/** The message of a thrown value: its first line, bounded; never the stack. */
export function panicMessage(e: unknown): string {
  let text: string;
  if (e instanceof Error) text = e.message !== '' ? e.message : e.name;
  else if (typeof e === 'string') text = e;
  else {
    try {
      text = String(e);
    } catch {
      text = 'a value that cannot be printed';
    }
  }
  const line = (text.split('\n')[0] ?? '').trim();
  const one = line === '' ? 'unknown error' : line;
  return one.length > MAX_PANIC_MESSAGE ? `${one.slice(0, MAX_PANIC_MESSAGE - 3)}...` : one;
}

/** What a throw is logged with: the stack when there is one. */
function logged(e: unknown): string {
  if (e instanceof Error) return e.stack ?? e.message;
  try {
    return String(e);
  } catch {
    return 'a value that cannot be printed';
  }
}

interface Streak {
  attempts: number;
  readonly messages: Set<string>;
}

/** Run the workers until the queue shuts down; resolves when every worker has finished its last key. */
export async function runReconcileLoop(opts: ReconcileLoopOptions): Promise<void> {
  const elapsed = opts.elapsed ?? (() => performance.now());
  /** Keys whose last reconciles threw; entries go at the next `Done`, so the map holds only failing keys. */
  const streaks = new Map<string, Streak>();
  const panicked = async (key: string, error: unknown): Promise<void> => {
    const message = panicMessage(error);
    let streak = streaks.get(key);
    if (streak === undefined) streaks.set(key, (streak = { attempts: 0, messages: new Set() }));
    streak.attempts += 1;
    const newMessage = !streak.messages.has(message) && streak.messages.size < MAX_MESSAGES_PER_KEY;
    if (newMessage) streak.messages.add(message);
    opts.log.error(`${opts.name} reconcile threw`, { key, attempts: streak.attempts, error: logged(error) });
    if (opts.onPanic === undefined) return;
    try {
      await opts.onPanic({ key, error, message, attempts: streak.attempts, newMessage });
    } catch (e) {
      opts.log.error(`${opts.name} could not report a reconcile that threw`, { key, error: logged(e) });
    }
  };
  const worker = async (): Promise<void> => {
    for (;;) {
      const key = await opts.queue.get();
      if (key === undefined) return;
      const started = elapsed();
      let outcome: ReconcileOutcome | 'panic';
      let thrown: unknown;
      try {
        outcome = await opts.reconcile(key);
      } catch (e) {
        outcome = 'panic';
        thrown = e;
      }
      try {
        opts.observe?.(key, elapsed() - started, outcome);
      } catch {
        // a broken metrics sink never stops a worker
      }
      if (outcome === 'panic') await panicked(key, thrown);
      else if (outcome._tag === 'Done') streaks.delete(key);
      if (outcome === 'panic' || outcome._tag === 'Retry') opts.queue.addRateLimited(key);
      else {
        opts.queue.forget(key);
        if (outcome.requeueAfterMs !== undefined) opts.queue.addAfter(key, Math.max(0, outcome.requeueAfterMs));
      }
      opts.queue.done(key);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, opts.workers) }, () => worker()));
}
