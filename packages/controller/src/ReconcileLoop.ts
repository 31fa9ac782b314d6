/**
 * A reconcile loop: N workers taking keys from a work queue. A reconcile answers when to come back:
 * - `Done` forgets the key's backoff and, with `requeueAfterMs`, queues it again after that long (pause
 *   timers, progress deadlines, analysis intervals: core says when);
 * - `Retry` queues it again with the key's exponential backoff (conflicts, API errors, plugin errors).
 * A reconcile that throws is a bug; it is logged and retried like `Retry`, and never stops the worker.
 */
import type { Logger, WorkQueue } from '@rollouts/k8s';

export type ReconcileOutcome = { readonly _tag: 'Done'; readonly requeueAfterMs?: number } | { readonly _tag: 'Retry'; readonly reason: string };

export const done = (requeueAfterMs?: number): ReconcileOutcome => ({ _tag: 'Done', ...(requeueAfterMs !== undefined ? { requeueAfterMs } : {}) });
export const retry = (reason: string): ReconcileOutcome => ({ _tag: 'Retry', reason });

/** Observes each reconcile (metrics). */
export type ReconcileObserver = (key: string, durationMs: number, outcome: ReconcileOutcome | 'panic') => void;

export interface ReconcileLoopOptions {
  /** `rollout`, `analysisrun`, `experiment` (for logs). */
  readonly name: string;
  readonly queue: WorkQueue;
  readonly workers: number;
  readonly reconcile: (key: string) => Promise<ReconcileOutcome>;
  readonly log: Logger;
  readonly observe?: ReconcileObserver;
  /** A monotonic clock for durations (default `performance.now`). */
  readonly elapsed?: () => number;
}

/** Run the workers until the queue shuts down; resolves when every worker has finished its last key. */
export async function runReconcileLoop(opts: ReconcileLoopOptions): Promise<void> {
  const elapsed = opts.elapsed ?? (() => performance.now());
  const worker = async (): Promise<void> => {
    for (;;) {
      const key = await opts.queue.get();
      if (key === undefined) return;
      const started = elapsed();
      let outcome: ReconcileOutcome | 'panic';
      try {
        outcome = await opts.reconcile(key);
      } catch (e) {
        outcome = 'panic';
        opts.log.error(`${opts.name} reconcile threw`, { key, error: e instanceof Error ? (e.stack ?? e.message) : String(e) });
      }
      try {
        opts.observe?.(key, elapsed() - started, outcome);
      } catch {
        // a broken metrics sink never stops a worker
      }
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
