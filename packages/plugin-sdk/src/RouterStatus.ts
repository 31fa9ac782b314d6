/**
 * What a traffic router reports into the Rollout's status. Argo Rollouts' ALB router writes the load balancer and
 * target groups it verified into `status.alb` (one Ingress) or `status.albs` (several); a router here returns such
 * a fragment from its optional `status` method and the controller copies it into the status it writes.
 *
 * Only the fields listed in {@link ROUTER_STATUS_FIELDS} may be reported: a router cannot overwrite what the
 * controller owns (phase, weights, conditions). A field present in the fragment replaces the status's field (`null`
 * removes it); a field absent from it is left as it is.
 */
import type { RolloutStatus } from '@rollouts/api';

/** The Rollout status fields routers may report. */
export const ROUTER_STATUS_FIELDS = ['alb', 'albs'] as const;
export type RouterStatusField = (typeof ROUTER_STATUS_FIELDS)[number];

/** A fragment of `RolloutStatus` made of {@link ROUTER_STATUS_FIELDS} only. */
export type RouterStatus = { readonly [K in RouterStatusField]?: RolloutStatus[K] | null };

/**
 * Merge the fragments of several routers (in the order they are configured), refusing keys that are not
 * {@link ROUTER_STATUS_FIELDS} and a field reported by two routers: both are programming errors of a router,
 * returned as messages naming the router kind and the field, never applied.
 */
export function mergeRouterStatuses(reports: ReadonlyArray<{ readonly kind: string; readonly status: RouterStatus | undefined }>): { status: RouterStatus | undefined; problems: string[] } {
  const out: Record<string, unknown> = {};
  const by: Record<string, string> = {};
  const problems: string[] = [];
  const allowed: ReadonlySet<string> = new Set(ROUTER_STATUS_FIELDS);
  for (const { kind, status } of reports) {
    if (status === undefined) continue;
    for (const [k, v] of Object.entries(status)) {
      if (!allowed.has(k)) problems.push(`traffic router ${kind} reported status.${k}, which routers may not write (only ${ROUTER_STATUS_FIELDS.map((f) => `status.${f}`).join(', ')})`);
      else if (by[k] !== undefined) problems.push(`traffic routers ${by[k]} and ${kind} both reported status.${k}; the first one is kept`);
      else {
        out[k] = v;
        by[k] = kind;
      }
    }
  }
  return { status: Object.keys(out).length > 0 ? (out as RouterStatus) : undefined, problems };
}
