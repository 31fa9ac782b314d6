/**
 * The skeleton both strategies share: what an update in progress is (pause, abort, promote-full, why), how it
 * starts from the status read, the user's retry, promote and promote-full, the delay before an aborted revision's
 * pods go, and the status trailer (the Progressing condition, a progressDeadlineAbort that acts at once, the events
 * recorded with the status write, the phase). `reconcileCanary` and `reconcileBlueGreen` each keep a state record
 * that extends {@link UpdateProgress} and run these steps where their strategy needs them.
 */
import type { Condition, PauseCondition, ReplicaSet, Rollout, RolloutStatus } from '@rollouts/api';
import { RECONCILIATION_ERROR } from './Conditions';
import type { ReconcileResult } from './Intent';
import type { IntentPlan } from './IntentPlan';
import * as L from './Labels';
import { progressingCondition } from './ProgressingCondition';
import { rsScaleDownDeadline } from './ReplicaSetView';
import { finishStatus, pauseStateEvent, resultOf } from './RolloutStatusPhase';
import { toRfc3339 } from './Time';

/** Where an update stands, as both strategies track it. */
export interface UpdateProgress {
  pauseConditions: PauseCondition[];
  controllerPause: boolean;
  abort: boolean;
  abortedAt: string | undefined;
  promoteFull: boolean;
  abortMessage: string | undefined;
  invalidMessage: string | undefined;
  /** The Progressing condition's reason, when something other than the default says it. */
  progressingReason: string | undefined;
  /** Why the update completed in this reconcile (upstream's words, for the `RolloutCompleted` event). */
  completedBecause: string | undefined;
  /** The abort started in this reconcile (its event is recorded with the status write). */
  abortedNow: boolean;
}

/** The progress as the status read says it; a new update (another template) starts from nothing. */
export function progressFrom(prev: RolloutStatus, isNewUpdate: boolean): UpdateProgress {
  return {
    pauseConditions: isNewUpdate || prev.pauseConditions == null ? [] : prev.pauseConditions.slice(),
    controllerPause: isNewUpdate ? false : (prev.controllerPause ?? false),
    abort: isNewUpdate ? false : (prev.abort ?? false),
    abortedAt: isNewUpdate ? undefined : (prev.abortedAt ?? undefined),
    promoteFull: isNewUpdate ? false : (prev.promoteFull ?? false),
    abortMessage: undefined,
    invalidMessage: undefined,
    progressingReason: undefined,
    completedBecause: undefined,
    abortedNow: false,
  };
}

/**
 * Retry: the user cleared `status.abort` after an abort. Returns true when it did, so the strategy starts its own
 * part of the update again (steps, runs). No event, as upstream: the Progressing condition says RolloutRetry.
 */
export function retryIfAbortCleared(p: UpdateProgress): boolean {
  if (p.abort || p.abortedAt === undefined) return false;
  p.abortedAt = undefined;
  p.pauseConditions = [];
  p.controllerPause = false;
  p.progressingReason = 'RolloutRetry';
  return true;
}

/** `promote --full` (also after an abort): upstream removes the abort and the pause conditions. True when set. */
export function clearForFullPromotion(p: UpdateProgress): boolean {
  if (!p.promoteFull) return false;
  p.abort = false;
  p.abortedAt = undefined;
  p.pauseConditions = [];
  p.controllerPause = false;
  return true;
}

/** progressDeadlineAbort found the deadline passed in an earlier pass of this reconcile: decide it as aborted. */
export function abortForDeadline(p: UpdateProgress, deadlineAbort: string | undefined): void {
  if (deadlineAbort === undefined) return;
  p.abort = true;
  p.abortMessage = deadlineAbort;
}

/**
 * Promote: the user cleared the pause conditions the controller set (the CLI's promote). True when so; the
 * strategy then skips what the pause held (a step, the blue-green pause). No event: the promote cleared them in the
 * status read (see pauseStateEvent).
 */
export function promotedByUser(p: UpdateProgress, specPaused: boolean): boolean {
  if (!p.controllerPause || p.pauseConditions.length > 0 || specPaused) return false;
  p.controllerPause = false;
  p.progressingReason = 'RolloutResumed';
  return true;
}

/** An abort begins: pauses end, and its event is due with the status write. */
export function beginAbort(p: UpdateProgress, nowStr: string): void {
  if (p.abortedAt !== undefined) return;
  p.abortedAt = nowStr;
  p.pauseConditions = [];
  p.controllerPause = false;
  p.abortedNow = true;
}

/**
 * The aborted revision's pods after an abort: kept for `delaySeconds` (null: forever) counted from when `ready`
 * (the stable can take the traffic again), through the `scale-down-deadline` annotation, so a restarted controller
 * honours the same deadline. Returns whether the pods stay; annotation and wake-up go into `plan`.
 */
export function keepAbortedPods(plan: IntentPlan, rs: ReplicaSet, delaySeconds: number | null, ready: boolean, now: number, role: string): boolean {
  if (delaySeconds === null || delaySeconds === 0) return true;
  const deadline = rsScaleDownDeadline(rs);
  if (deadline === undefined) {
    if (!ready) return true;
    const at = now + delaySeconds * 1000;
    const name = rs.metadata?.name ?? '';
    plan.scaleDowns.push({ _tag: 'AnnotateReplicaSet', name, annotations: { [L.SCALE_DOWN_DEADLINE]: toRfc3339(at) }, reason: `aborted: ${role} ${name} scales down in ${delaySeconds}s` });
    plan.requeueAt.push(at);
    return true;
  }
  if (now < deadline) {
    plan.requeueAt.push(deadline);
    return true;
  }
  return false;
}

/** What the status trailer needs from a strategy. */
export interface TrailerInput {
  readonly rollout: Rollout;
  readonly prev: RolloutStatus;
  readonly progress: UpdateProgress;
  readonly plan: IntentPlan;
  readonly draft: RolloutStatus;
  readonly completed: boolean;
  /** The update completed earlier or in this reconcile (no deadline abort then). */
  readonly promoted: boolean;
  readonly newRS: ReplicaSet | undefined;
  readonly newRSName: string;
  readonly newHash: string;
  readonly stableHash: string;
  readonly newRevision: number;
  readonly availableReplicas: number;
  readonly detail: string;
  readonly deadlineApplies: boolean;
  readonly now: number;
}

export type TrailerOutcome = { readonly _tag: 'Result'; readonly result: ReconcileResult } | { readonly _tag: 'AbortNow'; readonly message: string };

/**
 * The status trailer: the Progressing condition; with progressDeadlineAbort and the deadline passed (now, or before
 * the field was set) `AbortNow`, so the strategy decides again as aborted and the abort acts in this reconcile;
 * otherwise the phase and the result. (Each strategy records its events where upstream's order puts them.)
 */
export function statusTrailer(t: TrailerInput): TrailerOutcome {
  const { prev, progress: p, plan, rollout } = t;
  const spec = rollout.spec;
  const paused = spec.paused === true || p.pauseConditions.length > 0;
  const conditions: Condition[] = [];
  // InvalidSpec is decided again below; ReconciliationError (the controller's note of a reconcile that threw) goes
  // with any reconcile that gets here.
  if (prev.conditions != null)
    for (let i = 0; i < prev.conditions.length; i++) {
      const type = prev.conditions[i]!.type;
      if (type !== 'InvalidSpec' && type !== RECONCILIATION_ERROR) conditions.push(prev.conditions[i]!);
    }
  const progressing = progressingCondition({
    prevConditions: prev.conditions,
    conditions,
    invalidMessage: p.invalidMessage,
    aborted: p.abort,
    abortMessage: p.abortMessage,
    paused,
    completed: t.completed,
    stableIsCurrent: t.stableHash === t.newHash,
    rolloutName: rollout.metadata?.name ?? '',
    newRSName: t.newRSName,
    newRevision: t.newRevision,
    reason: p.progressingReason ?? (t.newRS === undefined ? 'NewReplicaSetCreated' : 'ReplicaSetUpdated'),
    detail: t.detail,
    deadlineApplies: t.deadlineApplies,
    progressDeadlineSeconds: spec.progressDeadlineSeconds,
    progressDeadlineAbort: spec.progressDeadlineAbort === true,
    now: t.now,
  });
  if (progressing.abort && !p.abort && !t.promoted) return { _tag: 'AbortNow', message: progressing.abortMessage ?? 'progress deadline exceeded' };
  if (progressing.requeueAt !== undefined) plan.requeueAt.push(progressing.requeueAt);
  // (a timeout without progressDeadlineAbort records no event upstream: the condition and the phase say it)
  const status = finishStatus({
    rollout,
    draft: t.draft,
    conditions: progressing.conditions,
    paused,
    aborted: p.abort,
    availableReplicas: t.availableReplicas,
    newHash: t.newHash,
    stableHash: t.stableHash,
    newRevision: t.newRevision,
    now: t.now,
  });
  return { _tag: 'Result', result: resultOf(rollout, status, plan.ordered(), plan.requeueAt, t.now) };
}

/** `RolloutPaused` / `RolloutResumed` from the pause state written against the one read (sendStateChangeEvents). */
export function recordPauseChange(plan: IntentPlan, prev: RolloutStatus, p: UpdateProgress, why?: string): void {
  const e = pauseStateEvent(prev.pauseConditions, p.pauseConditions, p.abort, why);
  if (e !== undefined) plan.event(e.eventReason, e.message);
}

/** `RolloutAborted` for an abort that began in this reconcile. */
export function recordAbort(plan: IntentPlan, p: UpdateProgress, newRevision: number): void {
  if (p.abortedNow) plan.event('RolloutAborted', `Rollout aborted update to revision ${newRevision}${p.abortMessage ? `: ${p.abortMessage}` : ''}`, 'Warning');
}

/** `RolloutCompleted` for an update that completed in this reconcile, with upstream's reason. */
export function recordCompletion(plan: IntentPlan, p: UpdateProgress, newRevision: number, newHash: string): void {
  if (p.completedBecause !== undefined) plan.event('RolloutCompleted', `Rollout completed update to revision ${newRevision} (${newHash}): ${p.completedBecause}`);
}
