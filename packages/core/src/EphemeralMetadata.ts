/**
 * Ephemeral metadata and anti-affinity: what a ReplicaSet's pod template (and its running pods) carry because of
 * the role the ReplicaSet plays right now, not because of the Rollout's template.
 *
 * Roles, as Argo Rollouts decides them (from `status.stableRS` and the current pod-template hash):
 * - while an update is in progress (a stable revision exists and is not the current one), the current ReplicaSet
 *   gets `canaryMetadata` (blue-green: `previewMetadata`) and the stable one `stableMetadata` (`activeMetadata`);
 * - otherwise (first deploy, or fully promoted) the current ReplicaSet gets `stableMetadata` (`activeMetadata`);
 * - any other ReplicaSet loses what was injected into its template; its pods are left as they are (as upstream:
 *   they are on their way out).
 *
 * What was injected is recorded in the ReplicaSet annotation `rollout.argoproj.io/ephemeral-metadata` (the JSON
 * of the metadata, as upstream writes it), so that it can be taken out again when the role changes and so that
 * template equality ignores it (`TemplateEquality.ts`). None of it takes part in the pod-template hash: the hash
 * is computed from the Rollout's own template before anything is injected.
 *
 * Pods are updated in place (labels and annotations only: a pod is never restarted for a role change). The core
 * does not see pods: it asks for a pod update only when the ReplicaSet's recorded metadata or template changes
 * ({@link SyncEphemeralMetadata}), and the controller lists the ReplicaSet's pods then.
 *
 * `antiAffinity`: while a stable revision exists that is not the current one, the current ReplicaSet's template
 * gets a pod anti-affinity term against the stable revision's pods (label selector `rollouts-pod-template-hash In
 * [<stableRS>]`, topology key `kubernetes.io/hostname`), required or preferred with the configured weight; once
 * the current revision is the stable one the term is taken out again. Pods already running are not affected
 * (scheduling constraints only apply when a pod is scheduled).
 */
import { POD_TEMPLATE_HASH_LABEL, type Json, type PodTemplateSpec, type ReplicaSet, type Rollout, type RolloutStatus } from '@rollouts/api';
import * as L from './Labels';

/** The topology key of the injected anti-affinity term (upstream's). */
export const ANTI_AFFINITY_TOPOLOGY_KEY = 'kubernetes.io/hostname';

type StringMap = Readonly<Record<string, string>>;
/** Labels and annotations as a role gives them (`null`: the role has none configured). */
export interface RoleMetadata {
  readonly labels?: StringMap | null;
  readonly annotations?: StringMap | null;
}
/** Changes to a map: a value sets, `null` removes. */
export type MapChanges = Readonly<Record<string, string | null>>;

/**
 * Bring a ReplicaSet's template (its ephemeral labels and annotations, the recorded metadata and, for the current
 * ReplicaSet, the injected anti-affinity term) and, when `pods` is set, the labels and annotations of its running
 * pods to what its role asks for. The controller patches the pods of the ReplicaSet (label
 * `rollouts-pod-template-hash: <podTemplateHash>`, owned by it) before and after the ReplicaSet itself, so that
 * neither a pod created in between nor a failure half-way leaves a pod behind.
 */
export interface SyncEphemeralMetadata {
  readonly _tag: 'SyncEphemeralMetadata';
  /** The ReplicaSet. */
  readonly name: string;
  readonly podTemplateHash: string;
  /** The JSON merge patch of the ReplicaSet (template metadata, the record annotation, the template's affinity). */
  readonly replicaSetPatch: Json;
  /** What to change on each pod of the ReplicaSet; absent: its pods are not touched. */
  readonly pods?: { readonly labels: MapChanges; readonly annotations: MapChanges };
  readonly reason: string;
}

/** The ephemeral metadata of both roles, for the Rollout's strategy (`undefined` fields: not configured). */
function roleMetadata(rollout: Rollout): { readonly current: RoleMetadata | undefined; readonly stable: RoleMetadata | undefined } {
  const canary = rollout.spec.strategy?.canary;
  const bg = rollout.spec.strategy?.blueGreen;
  if (bg != null) return { current: bg.previewMetadata ?? undefined, stable: bg.activeMetadata ?? undefined };
  return { current: canary?.canaryMetadata ?? undefined, stable: canary?.stableMetadata ?? undefined };
}

/** Whether the Rollout configures any ephemeral metadata or anti-affinity (nothing to do otherwise). */
export function usesRoleDecorations(rollout: Rollout): boolean {
  const canary = rollout.spec.strategy?.canary;
  const bg = rollout.spec.strategy?.blueGreen;
  const s = bg ?? canary;
  return s != null && (s.antiAffinity != null || (bg != null ? bg.previewMetadata != null || bg.activeMetadata != null : canary?.canaryMetadata != null || canary?.stableMetadata != null));
}

/** The record upstream writes: Go's JSON of `PodTemplateMetadata` (labels, then annotations, keys sorted, empty maps left out). */
export function metadataRecord(meta: RoleMetadata): string {
  const sorted = (m: StringMap | null | undefined): Record<string, string> | undefined => {
    if (m == null || Object.keys(m).length === 0) return undefined;
    const out: Record<string, string> = {};
    for (const k of Object.keys(m).sort()) out[k] = m[k]!;
    return out;
  };
  return JSON.stringify({ labels: sorted(meta.labels), annotations: sorted(meta.annotations) });
}

/** The metadata recorded on a ReplicaSet (nothing when there is no record or it is not readable JSON). */
export function recordedMetadata(rs: ReplicaSet): RoleMetadata {
  const text = rs.metadata?.annotations?.[L.EPHEMERAL_METADATA];
  if (text == null) return {};
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed === null || typeof parsed !== 'object') return {};
    const p = parsed as { labels?: unknown; annotations?: unknown };
    const strings = (m: unknown): StringMap | undefined =>
      m !== null && typeof m === 'object' && !Array.isArray(m) ? Object.fromEntries(Object.entries(m).filter((e): e is [string, string] => typeof e[1] === 'string')) : undefined;
    return { labels: strings(p.labels), annotations: strings(p.annotations) };
  } catch {
    return {};
  }
}

/**
 * The changes that take a map from carrying `existing` (what was injected before) to carrying `desired`: the
 * desired entries whose value differs, and the previously injected keys that are no longer desired (removed
 * whatever their value, as upstream). Empty when nothing changes.
 */
export function mapChanges(live: StringMap | null | undefined, existing: StringMap | null | undefined, desired: StringMap | null | undefined): Record<string, string | null> {
  const out: Record<string, string | null> = {};
  for (const [k, v] of Object.entries(desired ?? {})) if (live?.[k] !== v) out[k] = v;
  for (const k of Object.keys(existing ?? {})) if (desired?.[k] === undefined && live?.[k] !== undefined) out[k] = null;
  return out;
}

function applyChanges(map: StringMap | null | undefined, changes: MapChanges): Record<string, string> | undefined {
  const out: Record<string, string> = { ...(map ?? {}) };
  for (const [k, v] of Object.entries(changes)) {
    if (v === null) delete out[k];
    else out[k] = v;
  }
  return Object.keys(out).length === 0 && map == null ? undefined : out;
}

// ---------------------------------------------------------------------------------------------------------
// Anti-affinity

/** The term upstream injects: pods of the stable revision, on the same node. */
export function antiAffinityTerm(stableHash: string): { [key: string]: Json } {
  return {
    labelSelector: { matchExpressions: [{ key: POD_TEMPLATE_HASH_LABEL, operator: 'In', values: [stableHash] }] },
    topologyKey: ANTI_AFFINITY_TOPOLOGY_KEY,
  };
}

type JsonObject = { readonly [key: string]: Json };
const isObject = (v: unknown): v is JsonObject => v !== null && typeof v === 'object' && !Array.isArray(v);
const selectsOnHash = (term: unknown): boolean =>
  isObject(term) &&
  isObject(term.labelSelector) &&
  Array.isArray(term.labelSelector.matchExpressions) &&
  term.labelSelector.matchExpressions.some((e) => isObject(e) && e.key === POD_TEMPLATE_HASH_LABEL);

/** `affinity` without injected terms (those selecting on `rollouts-pod-template-hash`); empty parts left out. */
export function withoutInjectedTerm(affinity: Json | null | undefined): Json | undefined {
  if (!isObject(affinity)) return affinity ?? undefined;
  const anti = affinity.podAntiAffinity;
  if (!isObject(anti)) return affinity;
  const required = Array.isArray(anti.requiredDuringSchedulingIgnoredDuringExecution) ? anti.requiredDuringSchedulingIgnoredDuringExecution.filter((t) => !selectsOnHash(t)) : undefined;
  const preferred = Array.isArray(anti.preferredDuringSchedulingIgnoredDuringExecution)
    ? anti.preferredDuringSchedulingIgnoredDuringExecution.filter((t) => !(isObject(t) && selectsOnHash(t.podAffinityTerm)))
    : undefined;
  const rest: Record<string, Json> = { ...anti };
  delete rest.requiredDuringSchedulingIgnoredDuringExecution;
  delete rest.preferredDuringSchedulingIgnoredDuringExecution;
  if (required !== undefined && required.length > 0) rest.requiredDuringSchedulingIgnoredDuringExecution = required;
  if (preferred !== undefined && preferred.length > 0) rest.preferredDuringSchedulingIgnoredDuringExecution = preferred;
  const out: Record<string, Json> = { ...affinity };
  if (Object.keys(rest).length > 0) out.podAntiAffinity = rest;
  else delete out.podAntiAffinity;
  return Object.keys(out).length > 0 ? out : undefined;
}

/**
 * The affinity of the ReplicaSet of revision `hash`: `affinity` (the template's) without any injected term and,
 * when the Rollout sets `antiAffinity` and `stableHash` is another revision, with the term against it (appended
 * to the required or preferred terms already there, as upstream).
 */
export function replicaSetAffinity(rollout: Rollout, affinity: Json | null | undefined, hash: string, stableHash: string): Json | undefined {
  const base = withoutInjectedTerm(affinity);
  const aa = (rollout.spec.strategy?.blueGreen ?? rollout.spec.strategy?.canary)?.antiAffinity;
  const preferred = aa?.preferredDuringSchedulingIgnoredDuringExecution;
  const required = aa?.requiredDuringSchedulingIgnoredDuringExecution;
  if ((preferred == null && required == null) || stableHash === '' || stableHash === hash) return base;
  const term = antiAffinityTerm(stableHash);
  const b: JsonObject = isObject(base) ? base : {};
  const anti: JsonObject = isObject(b.podAntiAffinity) ? b.podAntiAffinity : {};
  const list = (v: Json | undefined): Json[] => (Array.isArray(v) ? v : []);
  const podAntiAffinity =
    preferred != null
      ? { ...anti, preferredDuringSchedulingIgnoredDuringExecution: [...list(anti.preferredDuringSchedulingIgnoredDuringExecution), { weight: preferred.weight, podAffinityTerm: term }] }
      : { ...anti, requiredDuringSchedulingIgnoredDuringExecution: [...list(anti.requiredDuringSchedulingIgnoredDuringExecution), term] };
  return { ...b, podAntiAffinity };
}

/** The JSON merge patch (RFC 7386) that turns `live` into `desired`; `undefined` when they are equal. */
export function mergePatch(live: Json | null | undefined, desired: Json | null | undefined): Json | undefined {
  if (isObject(live) && isObject(desired)) {
    const out: Record<string, Json> = {};
    for (const k of Object.keys(live)) if (desired[k] === undefined) out[k] = null;
    for (const [k, v] of Object.entries(desired)) {
      const p = mergePatch(live[k], v);
      if (p !== undefined) out[k] = p;
    }
    return Object.keys(out).length > 0 ? out : undefined;
  }
  if (JSON.stringify(live ?? null) === JSON.stringify(desired ?? null)) return undefined;
  return desired ?? null;
}

// ---------------------------------------------------------------------------------------------------------
// Decisions

/**
 * The template of a ReplicaSet created now for revision `hash`, with the ephemeral metadata of its role and the
 * anti-affinity term, and the ReplicaSet annotations that go with it (the record). A new ReplicaSet is the
 * current one: it gets the canary/preview metadata while a stable ReplicaSet of another revision exists, the
 * stable/active metadata otherwise (it is about to become the stable one), as upstream.
 */
export function decorateNewTemplate(
  rollout: Rollout,
  replicaSets: ReadonlyArray<ReplicaSet>,
  template: PodTemplateSpec,
  hash: string,
): { readonly template: PodTemplateSpec; readonly annotations: Readonly<Record<string, string>> } {
  if (!usesRoleDecorations(rollout)) return { template, annotations: {} };
  const stableHash = rollout.status?.stableRS ?? '';
  const stableExists = stableHash !== '' && stableHash !== hash && replicaSets.some((rs) => rs.metadata?.labels?.[POD_TEMPLATE_HASH_LABEL] === stableHash && rs.metadata?.deletionTimestamp == null);
  const roles = roleMetadata(rollout);
  const meta = stableExists ? roles.current : roles.stable;
  const affinity = replicaSetAffinity(rollout, template.spec?.affinity, hash, stableHash);
  const metadata = template.metadata ?? {};
  const decorated: PodTemplateSpec = {
    ...template,
    metadata:
      meta === undefined
        ? metadata
        : { ...metadata, labels: applyChanges(metadata.labels, mapChanges(metadata.labels, {}, meta.labels)), annotations: applyChanges(metadata.annotations, mapChanges(metadata.annotations, {}, meta.annotations)) },
    spec: template.spec == null ? template.spec : { ...template.spec, affinity: affinity ?? undefined },
  };
  return { template: decorated, annotations: meta === undefined ? {} : { [L.EPHEMERAL_METADATA]: metadataRecord(meta) } };
}

/**
 * What the ReplicaSets that already exist need so that each carries the metadata (and the current one the
 * anti-affinity) of the role it has in `status` (the status this reconcile decided: a promotion moves the
 * metadata in the same reconcile). Nothing when the Rollout configures neither and no ReplicaSet has a record.
 */
export function ephemeralMetadataIntents(rollout: Rollout, replicaSets: ReadonlyArray<ReplicaSet>, status: RolloutStatus): SyncEphemeralMetadata[] {
  const decorates = usesRoleDecorations(rollout);
  if (!decorates && !replicaSets.some((rs) => rs.metadata?.annotations?.[L.EPHEMERAL_METADATA] != null)) return [];
  const newHash = status.currentPodHash ?? '';
  const stableHash = status.stableRS ?? '';
  const updating = stableHash !== '' && stableHash !== newHash;
  const roles = roleMetadata(rollout);
  const out: SyncEphemeralMetadata[] = [];
  for (const rs of replicaSets) {
    if (rs.metadata?.deletionTimestamp != null || rs.spec?.template == null) continue;
    const hash = rs.metadata?.labels?.[POD_TEMPLATE_HASH_LABEL] ?? '';
    const isNew = hash !== '' && hash === newHash;
    const isStable = updating && hash === stableHash;
    const role = isNew ? (updating ? 'canary' : 'stable') : isStable ? 'stable' : undefined;
    const desired = role === 'canary' ? roles.current : role === 'stable' ? roles.stable : undefined;
    const intent = syncReplicaSet(rollout, rs, hash, desired, role, isNew ? stableHash : undefined);
    if (intent !== undefined) out.push(intent);
  }
  return out;
}

function syncReplicaSet(
  rollout: Rollout,
  rs: ReplicaSet,
  hash: string,
  desired: RoleMetadata | undefined,
  role: 'canary' | 'stable' | undefined,
  stableHashForAffinity: string | undefined,
): SyncEphemeralMetadata | undefined {
  const name = rs.metadata?.name ?? '';
  const existing = recordedMetadata(rs);
  const tmeta = rs.spec?.template?.metadata ?? {};
  const labels = mapChanges(tmeta.labels, existing.labels, desired?.labels);
  const annotations = mapChanges(tmeta.annotations, existing.annotations, desired?.annotations);
  const record = desired === undefined ? null : metadataRecord(desired);
  const liveRecord = rs.metadata?.annotations?.[L.EPHEMERAL_METADATA] ?? null;
  const metadataChanged = Object.keys(labels).length > 0 || Object.keys(annotations).length > 0 || liveRecord !== record;
  const liveAffinity = rs.spec?.template?.spec?.affinity;
  const affinityPatch = stableHashForAffinity === undefined ? undefined : mergePatch(liveAffinity ?? undefined, replicaSetAffinity(rollout, liveAffinity, hash, stableHashForAffinity));
  if (!metadataChanged && affinityPatch === undefined) return undefined;

  const template: Record<string, Json> = {};
  if (Object.keys(labels).length > 0 || Object.keys(annotations).length > 0)
    template.metadata = { ...(Object.keys(labels).length > 0 ? { labels } : {}), ...(Object.keys(annotations).length > 0 ? { annotations } : {}) };
  if (affinityPatch !== undefined) template.spec = { affinity: affinityPatch };
  const replicaSetPatch: Json = {
    ...(liveRecord !== record ? { metadata: { annotations: { [L.EPHEMERAL_METADATA]: record } } } : {}),
    ...(Object.keys(template).length > 0 ? { spec: { template } } : {}),
  };
  // Pods follow the role of the current and stable ReplicaSets only (upstream leaves older ones' pods alone).
  const running = (rs.spec?.replicas ?? 1) > 0 || (rs.status?.replicas ?? 0) > 0;
  const podLabels = mapChanges(undefined, existing.labels, desired?.labels);
  const podAnnotations = mapChanges(undefined, existing.annotations, desired?.annotations);
  // (`mapChanges` against no live map lists every desired entry and no removal: removals are every recorded key not desired.)
  for (const k of Object.keys(existing.labels ?? {})) if (desired?.labels?.[k] === undefined) podLabels[k] = null;
  for (const k of Object.keys(existing.annotations ?? {})) if (desired?.annotations?.[k] === undefined) podAnnotations[k] = null;
  const touchPods = role !== undefined && running && metadataChanged && (Object.keys(podLabels).length > 0 || Object.keys(podAnnotations).length > 0);
  const what = [
    metadataChanged ? (desired === undefined ? 'no ephemeral metadata' : `${role ?? 'no'} metadata ${record}`) : undefined,
    affinityPatch !== undefined ? (stableHashForAffinity !== '' && stableHashForAffinity !== hash && rolloutAntiAffinity(rollout) ? `anti-affinity against revision ${stableHashForAffinity}` : 'no injected anti-affinity') : undefined,
  ].filter((s): s is string => s !== undefined);
  return {
    _tag: 'SyncEphemeralMetadata',
    name,
    podTemplateHash: hash,
    replicaSetPatch,
    ...(touchPods ? { pods: { labels: podLabels, annotations: podAnnotations } } : {}),
    reason: `ReplicaSet ${name}${role !== undefined ? ` (${role})` : ''}: ${what.join(', ')}${touchPods ? ', its pods updated in place' : ''}`,
  };
}

const rolloutAntiAffinity = (rollout: Rollout): boolean => {
  const aa = (rollout.spec.strategy?.blueGreen ?? rollout.spec.strategy?.canary)?.antiAffinity;
  return aa?.preferredDuringSchedulingIgnoredDuringExecution != null || aa?.requiredDuringSchedulingIgnoredDuringExecution != null;
};

/** `target` with a JSON merge patch (RFC 7386) applied (what the API server does with `replicaSetPatch`). */
export function applyMergePatch<T>(target: T, patch: Json): T {
  if (!isObject(patch)) return patch as unknown as T;
  const out: Record<string, unknown> = isObject(target) ? { ...(target as Record<string, unknown>) } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = applyMergePatch(out[k], v);
  }
  return out as T;
}

/** The ReplicaSets `intents` do not delete. */
export function withoutDeleted(replicaSets: ReadonlyArray<ReplicaSet>, intents: ReadonlyArray<{ readonly _tag: string; readonly name?: string }>): ReadonlyArray<ReplicaSet> {
  const deleted = new Set(intents.flatMap((i) => (i._tag === 'DeleteReplicaSet' && i.name !== undefined ? [i.name] : [])));
  return deleted.size === 0 ? replicaSets : replicaSets.filter((rs) => !deleted.has(rs.metadata?.name ?? ''));
}
