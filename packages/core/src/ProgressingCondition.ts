/**
 * The Progressing condition of a Rollout, shared by both strategies, in Argo's order: InvalidSpec, aborted,
 * completed, paused (upstream leaves a completed Rollout's condition alone when it is paused), else progressing —
 * with the progress deadline. The message of a progressing update carries
 * its progress (`2/5 new pods available, step 2/8`), so any progress refreshes `lastUpdateTime` (the start of
 * the deadline); once the deadline passed, the condition stays `ProgressDeadlineExceeded` until the progress
 * changes.
 */
import type { Condition } from '@rollouts/api';
import { getCondition, putCondition, type ConditionUpdate } from './Conditions';
import { toRfc3339 } from './Time';
import { nextProgressDeadlineMs, progressDeadlineExceeded } from './ProgressDeadline';
import { abortedCondition } from './RolloutStatusPhase';

export interface ProgressingInput {
  readonly prevConditions: ReadonlyArray<Condition> | null | undefined;
  /** Conditions so far (InvalidSpec removed): an array the caller owns, which is set in place and returned. */
  readonly conditions: Condition[];
  readonly invalidMessage: string | undefined;
  readonly aborted: boolean;
  readonly abortMessage: string | undefined;
  readonly paused: boolean;
  readonly completed: boolean;
  /**
   * The stable ReplicaSet is the current one (`stableRS == currentPodHash` in the status being written). A
   * pause (`spec.paused`) of such a Rollout does not touch the Progressing condition: upstream's
   * checkPausedConditions skips completed Rollouts. Absent means false.
   */
  readonly stableIsCurrent?: boolean;
  readonly rolloutName: string;
  readonly newRSName: string;
  readonly newRevision: number;
  /** `NewReplicaSetCreated`, `ReplicaSetUpdated` (True), `RolloutResumed`, `RolloutRetry` (Unknown, upstream's messages). */
  readonly reason: string;
  /** The progress, e.g. `2/5 new pods available, step 2/8`. */
  readonly detail: string;
  /** False while the rollout waits on purpose (a pause, an analysis, an experiment): no deadline then. */
  readonly deadlineApplies: boolean;
  readonly progressDeadlineSeconds: number | null | undefined;
  readonly progressDeadlineAbort: boolean;
  readonly now: number;
}

export interface ProgressingOutcome {
  readonly conditions: Condition[];
  /** The deadline passed just now (an event is due). */
  readonly exceededNow: boolean;
  /**
   * `progressDeadlineAbort` turns the timeout into an abort: true on every reconcile that finds the deadline
   * exceeded (the first, and any later one, e.g. when `progressDeadlineAbort` is set after the deadline passed),
   * until the caller aborts. The caller should abort in the same reconcile, with `abortMessage`.
   */
  readonly abort: boolean;
  /** Why, when `abort`: the timed-out message. */
  readonly abortMessage?: string | undefined;
  readonly requeueAt?: number | undefined;
}

export function progressingCondition(i: ProgressingInput): ProgressingOutcome {
  // The caller's own array, set in place.
  const set = (c: ConditionUpdate): Condition[] => {
    putCondition(i.conditions, c, toRfc3339(i.now));
    return i.conditions;
  };
  if (i.invalidMessage !== undefined)
    return { conditions: set({ type: 'InvalidSpec', status: 'True', reason: 'InvalidSpec', message: `The Rollout "${i.rolloutName}" is invalid: ${i.invalidMessage}` }), exceededNow: false, abort: false };
  if (i.aborted) return { conditions: set(abortedCondition(i.prevConditions, i.newRevision, i.abortMessage)), exceededNow: false, abort: false };
  if (i.completed)
    return { conditions: set({ type: 'Progressing', status: 'True', reason: 'NewReplicaSetAvailable', message: `ReplicaSet "${i.newRSName}" has successfully progressed.` }), exceededNow: false, abort: false };
  if (i.paused) {
    // A paused Rollout whose update is done (but, say, short of a pod) keeps its Progressing condition.
    if (i.stableIsCurrent === true) return { conditions: i.conditions, exceededNow: false, abort: false };
    return { conditions: set({ type: 'Progressing', status: 'Unknown', reason: 'RolloutPaused', message: 'Rollout is paused' }), exceededNow: false, abort: false };
  }

  const timedOut = () => `ReplicaSet "${i.newRSName}" has timed out progressing: ${i.detail}.`;
  const before = getCondition(i.prevConditions, 'Progressing');
  // Still no progress since the deadline passed: keep the condition as it is (and abort, when asked to: the
  // deadline may have passed before progressDeadlineAbort was set).
  if (before?.reason === 'ProgressDeadlineExceeded' && before.message === timedOut())
    return { conditions: i.conditions, exceededNow: false, abort: i.progressDeadlineAbort, abortMessage: i.progressDeadlineAbort ? before.message : undefined };
  // A retry or a resume: upstream's checkPausedConditions writes Unknown with its fixed message; the next
  // reconcile's progress turns it True/ReplicaSetUpdated (the deadline runs from it meanwhile).
  const resumed = i.reason === 'RolloutRetry' || i.reason === 'RolloutResumed';
  const message = resumed
    ? i.reason === 'RolloutRetry'
      ? 'Retrying Rollout after abort'
      : 'Rollout is resumed'
    : i.reason === 'NewReplicaSetCreated'
      ? `Created new replica set "${i.newRSName}"`
      : `ReplicaSet "${i.newRSName}" is progressing: ${i.detail}.`;
  const conditions = set({ type: 'Progressing', status: resumed ? 'Unknown' : 'True', reason: i.reason, message });
  if (!i.deadlineApplies) return { conditions, exceededNow: false, abort: false };
  const progressing = getCondition(conditions, 'Progressing');
  const progressDeadlineSeconds = i.progressDeadlineSeconds ?? null;
  if (progressDeadlineExceeded({ progressing, progressDeadlineSeconds, now: i.now })) {
    const message = timedOut();
    return {
      conditions: set({ type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded', message }),
      exceededNow: true,
      abort: i.progressDeadlineAbort,
      abortMessage: i.progressDeadlineAbort ? message : undefined,
      requeueAt: i.progressDeadlineAbort ? i.now : undefined,
    };
  }
  return { conditions, exceededNow: false, abort: false, requeueAt: nextProgressDeadlineMs({ progressing, progressDeadlineSeconds }) };
}
