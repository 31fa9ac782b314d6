/**
 * The fields of the Rollout's status that traffic routers report (`status.alb`, `status.albs`: the ALB router's
 * load balancer and target groups, as Argo Rollouts writes them). The controller asks the routers and puts their
 * merged fragment in the observation (`trafficRouting.routerStatus`); this copies it into the status the reconcile
 * writes. A field the routers did not report keeps its value from the Rollout's status: the strategies build the
 * status afresh and know nothing of these fields, and the status is written whole (PUT), so without this a write
 * would drop them.
 */
import type { RolloutStatus } from '@rollouts/api';
import type { Intent, ReconcileResult } from './Intent';
import type { RolloutObservation } from './Observation';
import { jsonEqual } from './internal/DeepEqual';

/** The status fields routers report (the same list as `ROUTER_STATUS_FIELDS` of `@rollouts/plugin-sdk`). */
export const ROUTER_STATUS_FIELDS = ['alb', 'albs'] as const;

/** What the routers reported: a field present replaces the status's (null removes it), an absent one is kept. */
export type RouterStatusFragment = { readonly [K in (typeof ROUTER_STATUS_FIELDS)[number]]?: RolloutStatus[K] | null };

/** `result` with the router-reported fields in its status and in its status write (added or dropped as needed). */
export function withRouterStatus(obs: RolloutObservation, result: ReconcileResult): ReconcileResult {
  const prev: RolloutStatus = obs.rollout.status ?? {};
  const reported = obs.trafficRouting?.routerStatus;
  if (reported === undefined && prev.alb == null && prev.albs == null) return result;
  const status: Record<string, unknown> = { ...result.status };
  let changed = false;
  for (const f of ROUTER_STATUS_FIELDS) {
    const want = reported !== undefined && f in reported ? (reported[f] ?? undefined) : (prev[f] ?? undefined);
    if (jsonEqual(want, result.status[f] ?? undefined)) continue;
    status[f] = want;
    changed = true;
  }
  if (!changed) return result;
  const next = status as RolloutStatus;
  // Written when it differs from what the cluster holds, whether or not the strategy meant to write (in the place of
  // the strategy's write, if it had one).
  const unchanged = jsonEqual(next, prev);
  const intents: Intent[] = [];
  let placed = false;
  for (const i of result.intents) {
    if (i._tag !== 'UpdateStatus') intents.push(i);
    else if (!unchanged && !placed) {
      intents.push({ ...i, status: next });
      placed = true;
    }
  }
  if (!unchanged && !placed) intents.push({ _tag: 'UpdateStatus', status: next, reason: 'traffic router status (status.alb) changed' });
  return { ...result, status: next, intents };
}
