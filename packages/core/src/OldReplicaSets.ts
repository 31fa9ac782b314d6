/**
 * Old revisions, shared by both strategies: a revision that just stopped serving keeps its pods for
 * `scaleDownDelaySeconds` (the `scale-down-deadline` annotation, so a rollback is instant and a restarted
 * controller honours the same deadline), at most `scaleDownDelayRevisionLimit` of them; the others go to 0.
 * Idle revisions beyond `revisionHistoryLimit` are deleted, oldest first.
 */
import type { ReplicaSet } from '@rollouts/api';
import type { Intent } from './Intent';
import * as L from './Labels';
import { rsName, rsRevision, rsScaleDownDeadline, rsSpecReplicas, rsStatusReplicas } from './ReplicaSetView';
import { toRfc3339 } from './Time';

export interface OldReplicaSetPlan {
  /** Annotations and scale-downs, in order. */
  readonly intents: Intent[];
  /** `ScalingReplicaSet` events for the scale-downs. */
  readonly events: Intent[];
  /** Deadlines to wake up at. */
  readonly requeueAt: number[];
}

export interface OldReplicaSetInput {
  /** Old ReplicaSets, newest revision first. */
  readonly olds: ReadonlyArray<ReplicaSet>;
  /** Whether this one just stopped serving and gets the delay (those with a deadline already keep it). */
  readonly delayed: (rs: ReplicaSet) => boolean;
  readonly delaySeconds: number;
  readonly revisionLimit: number | undefined;
  /** `previous stable`, `previous active`: how the reason names the kept revision. */
  readonly role: string;
  /** Whether a Service or the router still sends this one traffic: then it is left alone (upstream isReplicaSetReferenced). */
  readonly referenced?: (rs: ReplicaSet) => boolean;
  readonly now: number;
}

export function scaleDownOldReplicaSets(input: OldReplicaSetInput): OldReplicaSetPlan {
  const out: OldReplicaSetPlan = { intents: [], events: [], requeueAt: [] };
  let kept = 0;
  for (const rs of input.olds) {
    if (rsSpecReplicas(rs) === 0) continue;
    if (input.referenced !== undefined && input.referenced(rs)) continue;
    const deadline = rsScaleDownDeadline(rs);
    const keep = (input.delayed(rs) || deadline !== undefined) && input.delaySeconds > 0 && (input.revisionLimit === undefined || kept < input.revisionLimit);
    if (keep) {
      kept += 1;
      if (deadline === undefined) {
        const at = input.now + input.delaySeconds * 1000;
        out.intents.push({
          _tag: 'AnnotateReplicaSet',
          name: rsName(rs),
          annotations: { [L.SCALE_DOWN_DEADLINE]: toRfc3339(at) },
          reason: `${input.role} ${rsName(rs)} keeps its pods for scaleDownDelaySeconds ${input.delaySeconds}`,
        });
        out.requeueAt.push(at);
        continue;
      }
      if (input.now < deadline) {
        out.requeueAt.push(deadline);
        continue;
      }
    }
    out.intents.push({
      _tag: 'ScaleReplicaSet',
      name: rsName(rs),
      replicas: 0,
      annotations: { [L.SCALE_DOWN_DEADLINE]: null },
      reason: `old ReplicaSet ${rsName(rs)} (revision ${rsRevision(rs)}) scaled from ${rsSpecReplicas(rs)} to 0`,
    });
    const message = `Scaled down ReplicaSet ${rsName(rs)} (revision ${rsRevision(rs)}) from ${rsSpecReplicas(rs)} to 0`;
    out.events.push({ _tag: 'RecordEvent', type: 'Normal', eventReason: 'ScalingReplicaSet', message, reason: message });
  }
  return out;
}

/** Delete idle old ReplicaSets (no pods wanted or running) beyond `revisionHistoryLimit`, oldest first. */
export function pruneHistory(olds: ReadonlyArray<ReplicaSet>, historyLimit: number): Intent[] {
  const idle = olds.filter((rs) => rsSpecReplicas(rs) === 0 && rsStatusReplicas(rs) === 0);
  return idle.slice(historyLimit).map((rs) => ({
    _tag: 'DeleteReplicaSet' as const,
    name: rsName(rs),
    reason: `revisionHistoryLimit ${historyLimit}: deleted ReplicaSet ${rsName(rs)} (revision ${rsRevision(rs)})`,
  }));
}
