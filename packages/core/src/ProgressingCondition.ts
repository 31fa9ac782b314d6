/**
 * The Progressing condition of a Rollout, shared by both strategies, in Argo's order: InvalidSpec, aborted,
 * paused, completed, else progressing — with the progress deadline. The message of a progressing update carries
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
  readonly rolloutName: string;
  readonly newRSName: string;
  readonly newRevision: number;
  /** `NewReplicaSetCreated`, `ReplicaSetUpdated`, `RolloutResumed`, `RolloutRetry`. */
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
  /** `progressDeadlineAbort` turned the timeout into an abort. */
  readonly abort: boolean;
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
  if (i.paused) return { conditions: set({ type: 'Progressing', status: 'Unknown', reason: 'RolloutPaused', message: 'Rollout is paused' }), exceededNow: false, abort: false };
  if (i.completed)
    return { conditions: set({ type: 'Progressing', status: 'True', reason: 'NewReplicaSetAvailable', message: `ReplicaSet "${i.newRSName}" has successfully progressed.` }), exceededNow: false, abort: false };

  const timedOut = () => `ReplicaSet "${i.newRSName}" has timed out progressing: ${i.detail}.`;
  const before = getCondition(i.prevConditions, 'Progressing');
  // Still no progress since the deadline passed: keep the condition as it is.
  if (before?.reason === 'ProgressDeadlineExceeded' && before.message === timedOut()) return { conditions: i.conditions, exceededNow: false, abort: false };
  const message = i.reason === 'NewReplicaSetCreated' ? `Created new replica set "${i.newRSName}"` : `ReplicaSet "${i.newRSName}" is progressing: ${i.detail}.`;
  const conditions = set({ type: 'Progressing', status: 'True', reason: i.reason, message });
  if (!i.deadlineApplies) return { conditions, exceededNow: false, abort: false };
  const progressing = getCondition(conditions, 'Progressing');
  const progressDeadlineSeconds = i.progressDeadlineSeconds ?? null;
  if (progressDeadlineExceeded({ progressing, progressDeadlineSeconds, now: i.now })) {
    return {
      conditions: set({ type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded', message: timedOut() }),
      exceededNow: true,
      abort: i.progressDeadlineAbort,
      requeueAt: i.progressDeadlineAbort ? i.now : undefined,
    };
  }
  return { conditions, exceededNow: false, abort: false, requeueAt: nextProgressDeadlineMs({ progressing, progressDeadlineSeconds }) };
}
