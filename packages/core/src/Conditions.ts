/**
 * `status.conditions` of a Rollout: the condition types and reasons Argo Rollouts writes (exact strings, so
 * that dashboards, notifications and `kubectl argo rollouts` read ours unchanged), and pure helpers that
 * set, get and remove a condition while keeping its timestamps stable.
 */
import type { Condition } from '@rollouts/api';
import { toRfc3339 } from './Time';

/** The condition types of a Rollout, as Argo spells them. */
export const RolloutConditionType = {
  /** Whether an update is moving (True), waiting (Unknown) or stuck/aborted (False). */
  Progressing: 'Progressing',
  /** Whether the Rollout has minimum availability. */
  Available: 'Available',
  /** Whether the Rollout is paused (by a step, an inconclusive analysis or `spec.paused`). */
  Paused: 'Paused',
  /** True iff the stable ReplicaSet is the current one (`stableRS == currentPodHash`). */
  Completed: 'Completed',
  /** True iff every replica is updated and available and the strategy has finished. */
  Healthy: 'Healthy',
  /** The spec cannot be acted on; the message says why. */
  InvalidSpec: 'InvalidSpec',
  /** Copied from a ReplicaSet that could not create or delete pods. */
  ReplicaFailure: 'ReplicaFailure',
} as const;
export type RolloutConditionType = (typeof RolloutConditionType)[keyof typeof RolloutConditionType];

/**
 * The reasons Argo writes on Rollout conditions (each key is its own value). Note `AvailableReason`, which
 * upstream writes literally, and `RolloutPaused`, shared by the Progressing (Unknown) and Paused conditions.
 */
export const ConditionReason = {
  // Progressing, status True
  ReplicaSetUpdated: 'ReplicaSetUpdated',
  NewReplicaSetCreated: 'NewReplicaSetCreated',
  FoundNewReplicaSet: 'FoundNewReplicaSet',
  /** The update is done: the new ReplicaSet is available. The progress deadline no longer applies. */
  NewReplicaSetAvailable: 'NewReplicaSetAvailable',
  /** A fully promoted Rollout lost availability (pod restart, eviction); restarts the progress clock. */
  ReplicaSetNotAvailable: 'ReplicaSetNotAvailable',
  // Progressing, status Unknown (and Paused)
  RolloutPaused: 'RolloutPaused',
  RolloutResumed: 'RolloutResumed',
  RolloutRetry: 'RolloutRetry',
  // Progressing, status False
  RolloutAborted: 'RolloutAborted',
  ProgressDeadlineExceeded: 'ProgressDeadlineExceeded',
  ReplicaSetCreateError: 'ReplicaSetCreateError',
  // Other condition types
  AvailableReason: 'AvailableReason',
  RolloutCompleted: 'RolloutCompleted',
  RolloutHealthy: 'RolloutHealthy',
  InvalidSpec: 'InvalidSpec',
} as const;
export type ConditionReason = (typeof ConditionReason)[keyof typeof ConditionReason];

/** The fixed condition messages Argo writes (messages with a name or revision in them are built by callers). */
export const ConditionMessage = {
  Available: 'Rollout has minimum availability',
  NotAvailable: 'Rollout does not have minimum availability',
  Healthy: 'Rollout is healthy',
  NotHealthy: 'Rollout is not healthy',
  Paused: 'Rollout is paused',
  Resumed: 'Rollout is resumed',
  Retry: 'Retrying Rollout after abort',
  /** Upstream writes the reason as the message of the Completed condition, both when True and False. */
  Completed: 'RolloutCompleted',
} as const;

/** The status of a condition, as in `corev1.ConditionStatus`. */
export type ConditionStatus = 'True' | 'False' | 'Unknown';

/** What a reconcile wants a condition to say; the timestamps are `setCondition`'s business. */
export interface ConditionUpdate {
  readonly type: string;
  readonly status: ConditionStatus;
  readonly reason: string;
  readonly message: string;
}

export interface SetConditionOptions {
  /**
   * Refresh `lastUpdateTime` even when status, reason and message are unchanged. Use it for the Progressing
   * condition when progress was observed: its `lastUpdateTime` is the start of the progress deadline.
   */
  readonly touch?: boolean;
}

/**
 * Set one condition, returning a new array (the input is not modified):
 * - absent: appended, with `lastTransitionTime` = `lastUpdateTime` = `now`;
 * - same status: `lastTransitionTime` is kept; `lastUpdateTime` is kept too when reason and message are
 *   unchanged (so a reconcile that changes nothing writes nothing), otherwise it becomes `now`;
 * - different status: both timestamps become `now`.
 * The condition keeps its position; other conditions are returned untouched (same objects). A timestamp
 * missing from an existing condition is filled in with `now`. Should the input hold several conditions of
 * this type, the first is updated and the others dropped.
 *
 * @param now epoch milliseconds, written as RFC 3339 whole seconds.
 */
export function setCondition(
  conditions: ReadonlyArray<Condition> | null | undefined,
  next: ConditionUpdate,
  now: number,
  options?: SetConditionOptions,
): Condition[] {
  const list = conditions == null ? [] : conditions.slice();
  putCondition(list, next, toRfc3339(now), options?.touch === true);
  return list;
}

/**
 * `setCondition` on an array the caller owns, changed in place (`stamp` is `now` as RFC 3339): for a reconcile
 * that sets several conditions on the array it built.
 */
export function putCondition(list: Condition[], next: ConditionUpdate, stamp: string, touch = false): void {
  let index = -1;
  for (let i = 0; i < list.length; i++) {
    if (list[i]!.type === next.type) {
      index = i;
      break;
    }
  }
  if (index < 0) {
    list.push({ type: next.type, status: next.status, lastUpdateTime: stamp, lastTransitionTime: stamp, reason: next.reason, message: next.message });
    return;
  }
  const current = list[index]!;
  const sameStatus = current.status === next.status;
  const unchanged = sameStatus && (current.reason ?? '') === next.reason && (current.message ?? '') === next.message;
  const keepUpdateTime = unchanged && !touch;
  if (!(keepUpdateTime && current.lastUpdateTime != null && current.lastTransitionTime != null)) {
    list[index] = {
      type: next.type,
      status: next.status,
      lastUpdateTime: keepUpdateTime ? (current.lastUpdateTime ?? stamp) : stamp,
      lastTransitionTime: sameStatus ? (current.lastTransitionTime ?? stamp) : stamp,
      reason: next.reason,
      message: next.message,
    };
  }
  // Other conditions of this type (there should be none) are dropped.
  let out = index + 1;
  for (let i = index + 1; i < list.length; i++) if (list[i]!.type !== next.type) list[out++] = list[i]!;
  if (out !== list.length) list.length = out;
}

/** The first condition of the given type, or `undefined`. */
export function getCondition(conditions: ReadonlyArray<Condition> | null | undefined, type: string): Condition | undefined {
  return (conditions ?? []).find((c) => c.type === type);
}

/** A new array without any condition of the given type; the others keep their order. */
export function removeCondition(conditions: ReadonlyArray<Condition> | null | undefined, type: string): Condition[] {
  return (conditions ?? []).filter((c) => c.type !== type);
}

/**
 * `ReconciliationError`: not one of Argo's condition types. The controller sets it (status True) when a reconcile
 * of the Rollout throws, with upstream's event reason and message (`Reconciliation failed with error: ...`, the
 * reason the `on-reconciliation-error` notification trigger keys on), so that the failure is visible on the object
 * and not only in the controller's log. Core never sets it; every reconcile that gets to decide the Rollout's
 * status leaves it out, which is what clears it once the cause is gone.
 */
export const RECONCILIATION_ERROR = 'ReconciliationError';

/** The `ReconciliationError` condition for a reconcile that threw `error` (its message, never a stack). */
export function reconciliationErrorCondition(error: string): ConditionUpdate {
  return { type: RECONCILIATION_ERROR, status: 'True', reason: RECONCILIATION_ERROR, message: `Reconciliation failed with error: ${error}` };
}
