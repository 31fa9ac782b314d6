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
  /** Every intent, in the safe order. */
  ordered(): Intent[];
}

export function intentPlan(): IntentPlan {
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
    ordered: () => [...plan.scaleUps, ...plan.starts, ...plan.traffic, ...plan.scaleDowns, ...plan.deletes, ...plan.events],
  };
  return plan;
}
