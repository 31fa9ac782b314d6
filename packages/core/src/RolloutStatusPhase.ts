/**
 * The last part of every reconcile, shared by both strategies: the Paused, Available, Completed and Healthy
 * conditions, the phase and message, and the intents list with at most one status write.
 *
 * Health is judged against the status being written (its observedGeneration and pause conditions), not the
 * one read: upstream judges the previous status, which costs every update one extra status write that only
 * flips Healthy. Both agree once the write has landed.
 */
import type { Condition, Rollout, RolloutStatus } from '@rollouts/api';
import { putCondition } from './Conditions';
import { toRfc3339 } from './Time';
import type { Intent, ReconcileResult } from './Intent';
import { jsonEqual } from './internal/DeepEqual';
import { calculateRolloutPhase, rolloutHealthy, type RolloutPhase } from './RolloutPhase';

export function rolloutPhaseOf(rollout: Rollout, status: RolloutStatus): { phase: RolloutPhase; message: string; healthy: boolean } {
  const { phase, message } = calculateRolloutPhase({ spec: rollout.spec, status });
  // Judged against the status being written (see above): the Rollout's metadata and spec with it, not a copy.
  return { phase, message, healthy: rolloutHealthy({ rollout: { metadata: rollout.metadata, spec: rollout.spec, status }, newStatus: status }) };
}

export interface StatusDraft {
  readonly rollout: Rollout;
  /** The status without conditions, phase and message: a fresh object, which `finishStatus` completes in place. */
  readonly draft: RolloutStatus;
  /** Conditions so far (Progressing, InvalidSpec set by the strategy). */
  readonly conditions: Condition[];
  readonly paused: boolean;
  readonly aborted: boolean;
  readonly availableReplicas: number;
  readonly newHash: string;
  readonly stableHash: string;
  readonly newRevision: number;
  readonly now: number;
}

/**
 * The Progressing condition of an aborted update. The reason for the abort (the failed metric, the timed-out
 * deadline) is known on the reconcile that aborts; later reconciles keep the message that condition has.
 */
export function abortedCondition(prevConditions: ReadonlyArray<Condition> | null | undefined, revision: number, why: string | undefined) {
  const before = (prevConditions ?? []).find((c) => c.type === 'Progressing');
  const base = `Rollout aborted update to revision ${revision}`;
  const message = why !== undefined ? `${base}: ${why}` : before?.reason === 'RolloutAborted' && (before.message ?? '').startsWith(base) ? (before.message ?? base) : base;
  return { type: 'Progressing', status: 'False' as const, reason: 'RolloutAborted', message };
}

// Upstream writes the reason as the Completed condition's message, True or False (the events carry the revision).
const COMPLETED_TRUE = { type: 'Completed', status: 'True', reason: 'RolloutCompleted', message: 'RolloutCompleted' } as const;
const COMPLETED_FALSE = { type: 'Completed', status: 'False', reason: 'RolloutCompleted', message: 'RolloutCompleted' } as const;

const HEALTHY_TRUE = { type: 'Healthy', status: 'True', reason: 'RolloutHealthy', message: 'Rollout is healthy' } as const;
const HEALTHY_FALSE = { type: 'Healthy', status: 'False', reason: 'RolloutHealthy', message: 'Rollout is not healthy' } as const;

/** Finish the status: the remaining conditions, phase, message and Healthy. */
export function finishStatus(d: StatusDraft): RolloutStatus {
  const prev = d.rollout.status ?? {};
  const R = d.rollout.spec.replicas ?? 1;
  // One copy, set in place: four conditions on every reconcile.
  const conditions = d.conditions.slice();
  const stamp = toRfc3339(d.now);
  // Paused (upstream checkPausedConditions): written when the pause state differs from the condition, not while
  // the Rollout is aborted (Progressing RolloutAborted in the status read); upstream's message is
  // "Rollout is paused" whether True or False.
  let pausedTrue = false;
  let abortedBefore = false;
  if (prev.conditions != null)
    for (let i = 0; i < prev.conditions.length; i++) {
      const c = prev.conditions[i]!;
      if (c.type === 'Paused') pausedTrue = c.status === 'True';
      else if (c.type === 'Progressing') abortedBefore = c.reason === 'RolloutAborted';
    }
  if (d.paused !== pausedTrue && !abortedBefore) putCondition(conditions, { type: 'Paused', status: d.paused ? 'True' : 'False', reason: 'RolloutPaused', message: 'Rollout is paused' }, stamp);
  putCondition(
    conditions,
    d.availableReplicas >= R
      ? { type: 'Available', status: 'True', reason: 'AvailableReason', message: 'Rollout has minimum availability' }
      : { type: 'Available', status: 'False', reason: 'AvailableReason', message: 'Rollout does not have minimum availability' },
    stamp,
  );
  putCondition(
    conditions,
    d.stableHash === d.newHash
      ? COMPLETED_TRUE
      : COMPLETED_FALSE,
    stamp,
  );
  // The draft is the caller's fresh object: completed in place (the reconcile's hot path).
  const withConditions: { -readonly [K in keyof RolloutStatus]: RolloutStatus[K] } = d.draft;
  if (d.aborted) withConditions.abort = true;
  withConditions.conditions = conditions;
  const { phase, message, healthy } = rolloutPhaseOf(d.rollout, withConditions);
  // Upstream writes Healthy False only over an existing Healthy condition (a Rollout never healthy has none).
  if (healthy) putCondition(conditions, HEALTHY_TRUE, stamp);
  else
    for (let i = 0; i < conditions.length; i++)
      if (conditions[i]!.type === 'Healthy') {
        putCondition(conditions, HEALTHY_FALSE, stamp);
        break;
      }
  withConditions.conditions = conditions;
  withConditions.phase = phase;
  withConditions.message = message;
  return withConditions;
}

/** The result: intents in order, then the status write only when the status changed. */
export function resultOf(rollout: Rollout, status: RolloutStatus, intents: Intent[], requeueAt: readonly number[], now: number): ReconcileResult {
  if (!jsonEqual(status, rollout.status ?? {})) intents.push({ _tag: 'UpdateStatus', status, reason: `${status.phase ?? ''}${status.message ? `: ${status.message}` : ''}` });
  if (requeueAt.length === 0) return { status, intents };
  let first = requeueAt[0]!;
  for (const at of requeueAt) if (at < first) first = at;
  return { status, intents, requeueAfterMs: Math.max(0, first - now) };
}

/**
 * `RolloutNotCompleted` (upstream calculateRolloutConditions): the Completed condition turns False in this status,
 * i.e. the stable ReplicaSet is not the current one while the status read had no Completed condition or a True
 * one. The event's message, or `undefined` when none is due.
 */
export function notCompletedEvent(prevConditions: ReadonlyArray<Condition> | null | undefined, stableHash: string, newHash: string, newRevision: number): string | undefined {
  if (stableHash === newHash && stableHash !== '') return undefined;
  if (prevConditions != null)
    for (let i = 0; i < prevConditions.length; i++) {
      const c = prevConditions[i]!;
      if (c.type === 'Completed') {
        if (c.status === 'False') return undefined;
        break;
      }
    }
  return `Rollout not completed, started update to revision ${newRevision} (${newHash})`;
}

/**
 * The pause state-change event upstream emits after a status write (sendStateChangeEvents): `RolloutPaused` when the
 * status read had no pause conditions and the one written has some (message `Rollout is paused (<first reason>)`,
 * then `: why` when given); `RolloutResumed` when the controller itself removed them (not by an abort, which clears
 * them too). A promote clears them in the status the controller reads, so it emits nothing.
 */
export function pauseStateEvent(
  prevPauseConditions: ReadonlyArray<{ readonly reason: string }> | null | undefined,
  pauseConditions: ReadonlyArray<{ readonly reason: string }>,
  aborted: boolean,
  why?: string,
): { readonly eventReason: 'RolloutPaused' | 'RolloutResumed'; readonly message: string } | undefined {
  const wasPaused = (prevPauseConditions?.length ?? 0) > 0;
  const isPaused = pauseConditions.length > 0;
  if (wasPaused === isPaused) return undefined;
  if (isPaused) return { eventReason: 'RolloutPaused', message: `Rollout is paused (${pauseConditions[0]!.reason})${why !== undefined ? `: ${why}` : ''}` };
  return aborted ? undefined : { eventReason: 'RolloutResumed', message: 'Rollout is resumed' };
}

/**
 * `AnalysisRun<Phase>` on the Rollout (upstream emitAnalysisRunStatusChanges, which feeds the `on-analysis-run-*`
 * notification triggers): the run the Rollout follows has a phase that differs from the one the status read
 * recorded for it (same name), or the status read recorded none. Not for a run created in this reconcile (upstream
 * sees it without a phase yet). `type` is the run's `rollout-type` label value (`PrePromotion`, `Step`, ...).
 */
export function analysisRunPhaseEvent(
  prev: { readonly name: string; readonly status: string } | null | undefined,
  current: { readonly name: string; readonly status: string },
  type: string,
): { readonly type: 'Normal' | 'Warning'; readonly eventReason: string; readonly message: string } | undefined {
  if (current.status === '') return undefined;
  if (prev != null && (prev.name !== current.name || prev.status === current.status)) return undefined;
  const warning = current.status === 'Failed' || current.status === 'Error';
  return {
    type: warning ? 'Warning' : 'Normal',
    eventReason: `AnalysisRun${current.status}`,
    message: `${type} Analysis Run '${current.name}' Status New: '${current.status}' Previous: '${prev == null ? 'NoPreviousStatus' : prev.status}'`,
  };
}
