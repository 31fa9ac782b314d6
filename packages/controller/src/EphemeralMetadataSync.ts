/**
 * Executes core's `SyncEphemeralMetadata`: a ReplicaSet's role changed (or its configured metadata did), so its
 * template and, when asked, its running pods get the role's labels and annotations, in place (a merge patch of
 * each pod's metadata: nothing restarts, pod UIDs stay).
 *
 * Pods are listed only then (never on a plain reconcile): by `rollouts-pod-template-hash=<hash>`, keeping those the
 * ReplicaSet owns. Order: the pods, then the ReplicaSet, then the pods again. A pod the ReplicaSet creates
 * between the first pass and the ReplicaSet patch (from the old template) is caught by the second pass; a failure
 * after the first pass leaves the ReplicaSet unchanged, so the next reconcile asks again. A pod already gone is
 * skipped; a merge patch needs no resourceVersion, so a pod changed meanwhile costs no conflict.
 */
import * as E from 'fp-ts/lib/Either';
import { POD_TEMPLATE_HASH_LABEL, type ReplicaSet } from '@rollouts/api';
import { Resources, type KubeWriter, type Logger } from '@rollouts/k8s';
import { PluginErrors, type KubeObject, type KubeObjectClient, type PluginError } from '@rollouts/plugin-sdk';
import type { ClusterCache } from './ClusterCache';

type Changes = Readonly<Record<string, string | null>>;

/** The fields of core's `SyncEphemeralMetadata` intent this executes. */
export interface SyncEphemeralMetadataIntent {
  readonly name: string;
  readonly podTemplateHash: string;
  readonly replicaSetPatch: unknown;
  readonly pods?: { readonly labels: Changes; readonly annotations: Changes };
}

export interface EphemeralMetadataDeps {
  readonly writer: KubeWriter;
  readonly cache: ClusterCache;
  /** Lists the pods of the ReplicaSet (only when the intent changes pods). */
  readonly objects?: KubeObjectClient;
  readonly log?: Logger;
}

/** The part of `changes` a map does not reflect yet (`null`: remove a key it has). */
export function pending(map: Readonly<Record<string, string>> | null | undefined, changes: Changes): Record<string, string | null> {
  const out: Record<string, string | null> = {};
  for (const [k, v] of Object.entries(changes)) {
    if (v === null ? map?.[k] !== undefined : map?.[k] !== v) out[k] = v;
  }
  return out;
}

const ownedBy = (pod: KubeObject, rs: string): boolean => (pod.metadata?.ownerReferences ?? []).some((o) => o.kind === 'ReplicaSet' && o.name === rs);

/** Patch the labels and annotations of every pod of the ReplicaSet that does not carry `pods` yet; how many were patched. */
async function syncPods(ns: string, intent: SyncEphemeralMetadataIntent, pods: NonNullable<SyncEphemeralMetadataIntent['pods']>, deps: EphemeralMetadataDeps): Promise<E.Either<PluginError, number>> {
  if (deps.objects === undefined) return E.left(PluginErrors.pluginUnsupported({ message: `ReplicaSet ${intent.name}: this controller was started without an object client, so it cannot list pods to update their ephemeral metadata` }));
  const listed = await deps.objects.list({ apiVersion: 'v1', kind: 'Pod', namespace: ns, labelSelector: `${POD_TEMPLATE_HASH_LABEL}=${intent.podTemplateHash}` })();
  if (E.isLeft(listed)) return listed;
  let patched = 0;
  for (const pod of listed.right) {
    const name = pod.metadata?.name;
    if (name == null || pod.metadata?.deletionTimestamp != null || !ownedBy(pod, intent.name)) continue;
    const labels = pending(pod.metadata?.labels, pods.labels);
    const annotations = pending(pod.metadata?.annotations, pods.annotations);
    if (Object.keys(labels).length === 0 && Object.keys(annotations).length === 0) continue;
    const body = { metadata: { ...(Object.keys(labels).length > 0 ? { labels } : {}), ...(Object.keys(annotations).length > 0 ? { annotations } : {}) } };
    const r = await deps.writer.patch(Resources.pods, ns, name, { type: 'merge', body });
    if (E.isLeft(r)) {
      if (r.left._tag === 'KubeNotFound') continue;
      return E.left({ ...r.left, message: `pod ${name} of ReplicaSet ${intent.name}: ${r.left.message}` });
    }
    patched += 1;
  }
  return E.right(patched);
}

/** Apply a `SyncEphemeralMetadata` intent in namespace `ns` (see the module comment). */
export async function applyEphemeralMetadata(ns: string, intent: SyncEphemeralMetadataIntent, deps: EphemeralMetadataDeps): Promise<E.Either<PluginError, void>> {
  const pods = intent.pods;
  let patched = 0;
  if (pods !== undefined) {
    const first = await syncPods(ns, intent, pods, deps);
    if (E.isLeft(first)) return first;
    patched += first.right;
  }
  const old = deps.cache.replicaSets.get(ns, intent.name);
  const r = await deps.writer.patch<ReplicaSet>(Resources.replicaSets, ns, intent.name, { type: 'merge', body: intent.replicaSetPatch });
  if (E.isLeft(r)) return r;
  deps.cache.replicaSets.wrote(r.right, old);
  if (pods !== undefined) {
    const second = await syncPods(ns, intent, pods, deps);
    if (E.isLeft(second)) return second;
    patched += second.right;
    deps.log?.info('ephemeral metadata synced to pods in place', { replicaSet: `${ns}/${intent.name}`, pods: patched });
  }
  return E.right(undefined);
}
