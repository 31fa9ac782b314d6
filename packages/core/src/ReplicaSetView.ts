/**
 * Reading ReplicaSets the way the reconcile needs them: hash, revision, counts, deadlines.
 */
import type { LabelSelector, ReplicaSet } from '@rollouts/api';
import { POD_TEMPLATE_HASH, REVISION, SCALE_DOWN_DEADLINE } from './Labels';
import { memoByIdentity } from './internal/Memo';

export const rsName = (rs: ReplicaSet): string => rs.metadata?.name ?? '';
export const rsHash = (rs: ReplicaSet): string | undefined => rs.metadata?.labels?.[POD_TEMPLATE_HASH] ?? undefined;
export const rsSpecReplicas = (rs: ReplicaSet | undefined): number => rs?.spec?.replicas ?? (rs === undefined ? 0 : 1);
export const rsAvailable = (rs: ReplicaSet | undefined): number => rs?.status?.availableReplicas ?? 0;
export const rsStatusReplicas = (rs: ReplicaSet | undefined): number => rs?.status?.replicas ?? 0;
export const rsReady = (rs: ReplicaSet | undefined): number => rs?.status?.readyReplicas ?? 0;

/** The `rollout.argoproj.io/revision` annotation as a number (0 when absent or not a number). */
export function rsRevision(rs: ReplicaSet | undefined): number {
  const v = rs?.metadata?.annotations?.[REVISION];
  const n = v == null ? NaN : Number(v);
  return Number.isInteger(n) && n > 0 ? n : 0;
}

/** The scale-down deadline annotation in epoch ms, if present and parseable. */
export function rsScaleDownDeadline(rs: ReplicaSet): number | undefined {
  const v = rs.metadata?.annotations?.[SCALE_DOWN_DEADLINE];
  if (v == null || v === '') return undefined;
  const t = Date.parse(v);
  return Number.isNaN(t) ? undefined : t;
}

export const countsOf = (rs: ReplicaSet | undefined): { replicas: number; available: number } | undefined =>
  rs === undefined ? undefined : { replicas: rsSpecReplicas(rs), available: rsAvailable(rs) };

/** ReplicaSets sorted newest revision first (then by name, for a stable order). */
export const byRevisionDesc = (a: ReplicaSet, b: ReplicaSet): number => rsRevision(b) - rsRevision(a) || rsName(a).localeCompare(rsName(b));

/** `metav1.FormatLabelSelector`: `app=shop,tier in (a,b)`, as written to `status.selector`. */
export function formatLabelSelector(selector: LabelSelector | null | undefined): string {
  return selector == null ? '' : formattedSelector(selector);
}
// Selectors are immutable snapshots (every reconcile formats the Rollout's): format each once.
const formattedSelector = memoByIdentity((selector: LabelSelector): string => {
  const parts: string[] = [];
  for (const k of Object.keys(selector.matchLabels ?? {}).sort()) parts.push(`${k}=${selector.matchLabels?.[k] ?? ''}`);
  for (const r of selector.matchExpressions ?? []) {
    const values = [...(r.values ?? [])].sort().join(',');
    switch (r.operator) {
      case 'In':
        parts.push(`${r.key} in (${values})`);
        break;
      case 'NotIn':
        parts.push(`${r.key} notin (${values})`);
        break;
      case 'Exists':
        parts.push(r.key);
        break;
      case 'DoesNotExist':
        parts.push(`!${r.key}`);
        break;
      default:
        parts.push(`${r.key} ${r.operator} (${values})`);
    }
  }
  return parts.length === 0 ? '' : parts.join(',');
});
