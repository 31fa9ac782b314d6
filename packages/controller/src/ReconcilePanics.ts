/**
 * What the controller does when a reconcile throws (the `onPanic` hooks of the reconcile loops), so that a bug,
 * in the controller or in a plugin, is seen on the object it stops and not only in the controller's log:
 *
 * - **Rollout**: the condition `ReconciliationError` (status True, reason `ReconciliationError`, message
 *   `Reconciliation failed with error: <message>`, upstream's event reason and message), by a merge patch of the
 *   status subresource, and a Warning Event with the same reason and message (the reason the notification trigger
 *   `on-reconciliation-error` keys on). The Rollout keeps being retried with its backoff. Core owns the status: the
 *   next reconcile that gets to decide leaves the condition out (see `reconciliationErrorCondition` in core), so
 *   it clears itself once the cause is gone, in the status write that reconcile makes anyway.
 * - **AnalysisRun** and **Experiment**: a Warning Event `ReconciliationError` for each distinct message, and after
 *   {@link MAX_PANICS} throws in a row the object ends in phase `Error` with the message in its status. A run that
 *   cannot be reconciled would otherwise stay Running forever and hold the Rollout at its step; upstream lets a run
 *   that cannot be evaluated end in Error, and an `Error` run or Experiment aborts the Rollout's update with the
 *   message, which the user can act on (fix, then retry). Nothing is written to their status before that: the
 *   throws in a row come within a fraction of a second of each other (the queue's exponential backoff starts at
 *   5 ms), and core does not clear a message it did not write on a running object.
 *
 * Each object's Event is recorded once per distinct message and streak of throws (the loop says which messages
 * are new), and each status write only when it changes something, so a throw that repeats costs no API calls
 * beyond the retries themselves. A write that fails (a conflict, the API server away) is logged and tried again at
 * the next throw. Messages are the error's first line only; the stack goes to the log.
 */
import * as E from 'fp-ts/lib/Either';
import type { AnalysisRun, Condition, Experiment, Rollout } from '@rollouts/api';
import { getCondition, RECONCILIATION_ERROR, reconciliationErrorCondition, setCondition, toRfc3339 } from '@rollouts/core';
import { Resources, type Clock, type EventRecorder, type KubeWriter, type Logger } from '@rollouts/k8s';
import type { ClusterCache } from './ClusterCache';
import type { ControllerMetrics, ReconciledKind } from './ControllerMetrics';
import type { ReconcilePanic } from './ReconcileLoop';
import { splitKey } from './RolloutReconciler';

/** Throws in a row after which an AnalysisRun or Experiment ends in phase Error. */
export const MAX_PANICS = 5;

export interface PanicDeps {
  readonly cache: ClusterCache;
  readonly writer: KubeWriter;
  readonly events: EventRecorder;
  readonly clock: Clock;
  readonly log: Logger;
  readonly metrics: ControllerMetrics;
  readonly track: (p: Promise<void>) => void;
}

/** Upstream's message for a reconcile that failed (`conditions.RolloutReconciliationErrorMessage`). */
export const reconciliationErrorMessage = (message: string): string => `Reconciliation failed with error: ${message}`;

const TERMINAL: ReadonlySet<string> = new Set(['Successful', 'Failed', 'Error', 'Inconclusive']);

interface Meta {
  readonly metadata?: { readonly uid?: string | null; readonly deletionTimestamp?: string | null } | null;
}

function recordEvent(deps: PanicDeps, kind: ReconciledKind, namespace: string, name: string, object: Meta, type: 'Normal' | 'Warning', reason: string, message: string): void {
  deps.metrics.event?.({ kind, namespace, name, type, reason });
  deps.track(deps.events.record({ apiVersion: 'argoproj.io/v1alpha1', kind, metadata: { name, namespace, uid: object.metadata?.uid ?? null } }, type, reason, message));
}

/** The `onPanic` hook of the Rollout loop. */
export async function reportRolloutPanic(p: ReconcilePanic, deps: PanicDeps): Promise<void> {
  const { namespace, name } = splitKey(p.key);
  const raw = deps.cache.rollouts.get(namespace, name);
  if (raw === undefined || raw.metadata?.deletionTimestamp != null) return;
  const update = reconciliationErrorCondition(p.message);
  // The object as the cache has it may be malformed (that may be why the reconcile threw): read it defensively.
  const status: unknown = raw.status;
  const listed = typeof status === 'object' && status !== null ? (status as { conditions?: unknown }).conditions : undefined;
  const conditions: Condition[] = Array.isArray(listed) ? listed.filter((c): c is Condition => typeof c === 'object' && c !== null && typeof (c as Condition).type === 'string') : [];
  const current = getCondition(conditions, RECONCILIATION_ERROR);
  if (current?.status !== 'True' || current.message !== update.message) {
    const next = setCondition(conditions, update, deps.clock.now());
    const r = await deps.writer.patch<Rollout>(Resources.rollouts, namespace, name, { type: 'merge', body: { status: { conditions: next } } }, { subresource: 'status' });
    if (E.isRight(r)) deps.cache.rollouts.wrote(r.right, raw);
    else deps.log.warn('cannot set the ReconciliationError condition', { rollout: p.key, error: r.left.message });
  }
  if (p.newMessage) recordEvent(deps, 'Rollout', namespace, name, raw, 'Warning', RECONCILIATION_ERROR, update.message);
}

/** The hook for objects without a status subresource that end in Error (AnalysisRun, Experiment). */
async function reportRunPanic<T extends AnalysisRun | Experiment>(
  kind: 'AnalysisRun' | 'Experiment',
  view: ClusterCache['analysisRuns'] | ClusterCache['experiments'],
  p: ReconcilePanic,
  deps: PanicDeps,
): Promise<void> {
  const { namespace, name } = splitKey(p.key);
  const raw = view.get(namespace, name) as T | undefined;
  if (raw === undefined || raw.metadata?.deletionTimestamp != null) return;
  const message = reconciliationErrorMessage(p.message);
  if (p.newMessage) recordEvent(deps, kind, namespace, name, raw, 'Warning', RECONCILIATION_ERROR, message);
  const status: unknown = raw.status;
  const phase = typeof status === 'object' && status !== null ? (status as { phase?: unknown }).phase : undefined;
  if (p.attempts < MAX_PANICS || (typeof phase === 'string' && TERMINAL.has(phase))) return;
  const final = `${message} (${p.attempts} reconciles in a row failed)`;
  const body = { status: { phase: 'Error', message: final, ...(kind === 'AnalysisRun' ? { completedAt: toRfc3339(deps.clock.now()) } : {}) } };
  const resource = kind === 'AnalysisRun' ? Resources.analysisRuns : Resources.experiments;
  const r = await deps.writer.patch<T>(resource, namespace, name, { type: 'merge', body });
  if (E.isLeft(r)) {
    deps.log.warn(`cannot end the ${kind} in Error`, { [kind === 'AnalysisRun' ? 'analysisRun' : 'experiment']: p.key, error: r.left.message });
    return;
  }
  (view as { wrote(o: T, replaced?: T): void }).wrote(r.right, raw);
  deps.log.error(`${kind} ended in Error: its reconcile keeps throwing`, { key: p.key, attempts: p.attempts, message: p.message });
  recordEvent(deps, kind, namespace, name, raw, 'Warning', `${kind}Error`, final);
}

/** The `onPanic` hook of the AnalysisRun loop. */
export const reportAnalysisRunPanic = (p: ReconcilePanic, deps: PanicDeps): Promise<void> => reportRunPanic<AnalysisRun>('AnalysisRun', deps.cache.analysisRuns, p, deps);

/** The `onPanic` hook of the Experiment loop. */
export const reportExperimentPanic = (p: ReconcilePanic, deps: PanicDeps): Promise<void> => reportRunPanic<Experiment>('Experiment', deps.cache.experiments, p, deps);
