/**
 * `spec.progressDeadlineSeconds`: how long an update may go without progress before the Rollout's
 * Progressing condition turns False with reason `ProgressDeadlineExceeded` (phase Degraded). The clock starts
 * at the Progressing condition's `lastUpdateTime`, which the reconcile refreshes whenever it sees progress.
 */
import type { Condition } from '@rollouts/api';
import { ConditionReason } from './Conditions';
import { fromRfc3339 } from './Time';
import { requireInteger } from './internal/WholeNumber';

/** Upstream's default for `spec.progressDeadlineSeconds`. */
export const DEFAULT_PROGRESS_DEADLINE_SECONDS = 600;

/** Go's zero `metav1.Time` (0001-01-01T00:00:00Z), what upstream compares against when a time is absent. */
const GO_ZERO_TIME_MS = -62_135_596_800_000;

export interface ProgressDeadlineInput {
  /** The Rollout's Progressing condition (`getCondition(status.conditions, 'Progressing')`), if any. */
  readonly progressing: Condition | null | undefined;
  /** `spec.progressDeadlineSeconds`; absent means 600. */
  readonly progressDeadlineSeconds?: number | null;
  /** Now, in epoch milliseconds. */
  readonly now: number;
}

/**
 * Has the update gone longer than the progress deadline without progress? With `d` the deadline:
 * - no Progressing condition: false (nothing to measure from);
 * - reason `RolloutAborted`: false (an old abort must not make a retried Rollout Degraded);
 * - reason `NewReplicaSetAvailable`: false (the update is done; nothing is in progress);
 * - reason `ProgressDeadlineExceeded`: true (it already timed out);
 * - otherwise `lastUpdateTime + d < now` (strictly; an absent `lastUpdateTime` counts as Go's zero time).
 *
 * The caller decides when the deadline applies at all: upstream does not evaluate it while the Rollout is
 * paused, aborted, at a pause/analysis/experiment step, or while the update is reported as progressing.
 *
 * @throws RangeError when `progressDeadlineSeconds` is not an integer.
 */
export function progressDeadlineExceeded(input: ProgressDeadlineInput): boolean {
  const { progressing } = input;
  if (progressing == null) return false;
  switch (progressing.reason) {
    case ConditionReason.RolloutAborted:
    case ConditionReason.NewReplicaSetAvailable:
      return false;
    case ConditionReason.ProgressDeadlineExceeded:
      return true;
  }
  return deadlineMs(progressing, input.progressDeadlineSeconds) < input.now;
}

/**
 * The first epoch millisecond at which `progressDeadlineExceeded` turns true for this condition (one
 * millisecond after `lastUpdateTime + progressDeadlineSeconds`), for requeueing the Rollout; `undefined` when
 * no deadline is running (no condition, or reason `RolloutAborted`, `NewReplicaSetAvailable` or
 * `ProgressDeadlineExceeded`). A value in the past means "check now".
 *
 * @throws RangeError when `progressDeadlineSeconds` is not an integer.
 */
export function nextProgressDeadlineMs(input: Omit<ProgressDeadlineInput, 'now'>): number | undefined {
  const { progressing } = input;
  if (progressing == null) return undefined;
  switch (progressing.reason) {
    case ConditionReason.RolloutAborted:
    case ConditionReason.NewReplicaSetAvailable:
    case ConditionReason.ProgressDeadlineExceeded:
      return undefined;
  }
  return deadlineMs(progressing, input.progressDeadlineSeconds) + 1;
}

function deadlineMs(progressing: Condition, progressDeadlineSeconds: number | null | undefined): number {
  const seconds =
    progressDeadlineSeconds == null ? DEFAULT_PROGRESS_DEADLINE_SECONDS : requireInteger('progressDeadlineSeconds', progressDeadlineSeconds);
  const from = (progressing.lastUpdateTime == null ? undefined : fromRfc3339(progressing.lastUpdateTime)) ?? GO_ZERO_TIME_MS;
  return from + seconds * 1000;
}
