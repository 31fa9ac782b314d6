/**
 * The intents a reconcile collects, by kind, and the one safe order they are applied in: ReplicaSets created
 * or scaled up, then analysis runs and experiments started, then Services and traffic moved, then ReplicaSets
 * scaled down, then old revisions deleted, then events. Shared by both strategies.
 */
import type { Intent } from './Intent';

export interface IntentPlan {
  readonly scaleUps: Intent[];
  readonly starts: Intent[];
  readonly traffic: Intent[];
  readonly scaleDowns: Intent[];
  readonly deletes: Intent[];
  readonly events: Intent[];
  /** Epoch ms at which the Rollout should be looked at again. */
  readonly requeueAt: number[];
  /** Record a Kubernetes event (Argo's reasons: notifications key on them). */
  event(eventReason: string, message: string, type?: 'Normal' | 'Warning'): void;
  /**
   * Annotations for ReplicaSet `name` that ride along with the first write to it in this plan (a scale or an
   * annotation), or go on their own after the scale-ups when there is none: one write instead of two.
   */
  annotateWithNextWrite(name: string, annotations: Readonly<Record<string, string>>, reason: string): void;
  /** Every intent, in the safe order. */
  ordered(): Intent[];
}

export function intentPlan(): IntentPlan {
  const riders: Array<{ readonly name: string; readonly annotations: Readonly<Record<string, string>>; readonly reason: string }> = [];
  const plan: IntentPlan = {
    scaleUps: [],
    starts: [],
    traffic: [],
    scaleDowns: [],
    deletes: [],
    events: [],
    requeueAt: [],
    event: (eventReason, message, type = 'Normal') => {
      plan.events.push({ _tag: 'RecordEvent', type, eventReason, message, reason: message });
    },
    annotateWithNextWrite: (name, annotations, reason) => {
      riders.push({ name, annotations, reason });
    },
    ordered: () => {
      const all: Intent[] = [];
      for (const list of [plan.scaleUps, plan.starts, plan.traffic, plan.scaleDowns, plan.deletes, plan.events]) for (let i = 0; i < list.length; i++) all.push(list[i]!);
      for (const r of riders) {
        const i = all.findIndex((x) => (x._tag === 'ScaleReplicaSet' || x._tag === 'AnnotateReplicaSet') && x.name === r.name);
        const target = all[i];
        if (target !== undefined && (target._tag === 'ScaleReplicaSet' || target._tag === 'AnnotateReplicaSet'))
          all[i] = { ...target, annotations: { ...r.annotations, ...(target.annotations ?? {}) }, reason: `${target.reason}; ${r.reason}` };
        else all.splice(plan.scaleUps.length, 0, { _tag: 'AnnotateReplicaSet', name: r.name, annotations: r.annotations, reason: r.reason });
      }
      return all;
    },
  };
  return plan;
}
