/**
 * Which ReplicaSet runs the Rollout's current template, under which hash and revision number, shared by both
 * strategies. A ReplicaSet is found by semantic pod-template equality (so ReplicaSets made by Argo Rollouts
 * are adopted); a new one is named `<rollout>-<hash>`, and a name taken by a different template bumps
 * `status.collisionCount`.
 */
import type { PodTemplateSpec, ReplicaSet, RolloutStatus } from '@rollouts/api';
import type { ReconcileResult } from './Intent';
import * as L from './Labels';
import type { RolloutObservation } from './Observation';
import { decorateNewTemplate } from './EphemeralMetadata';
import { podTemplateHash } from './PodTemplateHash';
import { rsHash, rsName, rsRevision } from './ReplicaSetView';
import { findReplicaSetForTemplate } from './TemplateEquality';
import { withEntry } from './internal/Records';

export interface Revision {
  /** ReplicaSets the Rollout owns that are not being deleted. */
  readonly owned: ReadonlyArray<ReplicaSet>;
  /** The ReplicaSet running the current template, if it exists. */
  readonly newRS: ReplicaSet | undefined;
  readonly newHash: string;
  readonly newRevision: number;
  readonly newRSName: string;
  readonly collisionCount: number | null;
  /**
   * Set when an older ReplicaSet runs the current template again (a rollback): like upstream, it takes the next
   * revision number, to be written on the ReplicaSet.
   */
  readonly renumber: undefined | { readonly annotations: Readonly<Record<string, string>>; readonly reason: string };
}

export type RevisionResolution = { readonly _tag: 'Collision'; readonly result: ReconcileResult } | ({ readonly _tag: 'Resolved' } & Revision);

export function resolveRevision(obs: RolloutObservation, template: PodTemplateSpec): RevisionResolution {
  const name = obs.rollout.metadata?.name ?? '';
  const prev: RolloutStatus = obs.rollout.status ?? {};
  // (No copy when none is being deleted: the usual case.)
  let deleting = false;
  for (let i = 0; i < obs.replicaSets.length && !deleting; i++) deleting = obs.replicaSets[i]!.metadata?.deletionTimestamp != null;
  const owned = deleting ? obs.replicaSets.filter((rs) => rs.metadata?.deletionTimestamp == null) : obs.replicaSets;
  const collisionCount = prev.collisionCount ?? null;
  const computedHash = podTemplateHash(template, collisionCount);
  const found = findReplicaSetForTemplate(owned, template, computedHash);
  if (found === undefined && owned.some((rs) => rsName(rs) === `${name}-${computedHash}`)) {
    const next = (collisionCount ?? 0) + 1;
    const status: RolloutStatus = { ...prev, collisionCount: next };
    return {
      _tag: 'Collision',
      result: { status, intents: [{ _tag: 'UpdateStatus', status, reason: `hash collision on ReplicaSet ${name}-${computedHash}: collisionCount ${next}` }], requeueAfterMs: 0 },
    };
  }
  const newHash = found !== undefined ? (rsHash(found) ?? computedHash) : computedHash;
  const maxOther = owned.reduce((m, rs) => (rs === found ? m : Math.max(m, rsRevision(rs))), 0);
  const newRevision = found !== undefined ? Math.max(rsRevision(found), maxOther + 1) : maxOther + 1;
  const newRSName = found !== undefined ? rsName(found) : `${name}-${newHash}`;
  const renumber =
    found !== undefined && rsRevision(found) !== newRevision
      ? { annotations: { [L.REVISION]: String(newRevision) }, reason: `ReplicaSet ${newRSName} runs the current template again: revision ${rsRevision(found)} becomes ${newRevision}` }
      : undefined;
  return { _tag: 'Resolved', owned, newRS: found, newHash, newRevision, newRSName, collisionCount, renumber };
}

/** The ReplicaSet object for a new revision, owned by the Rollout. */
export function newReplicaSet(obs: RolloutObservation, ownTemplate: PodTemplateSpec, hash: string, name: string, revision: number, replicas: number): ReplicaSet {
  const ro = obs.rollout;
  const labels = withEntry(ownTemplate.metadata?.labels, L.POD_TEMPLATE_HASH, hash);
  // The role's ephemeral metadata and the anti-affinity term go into the template only (not into the hash).
  const decorated = decorateNewTemplate(ro, obs.replicaSets, ownTemplate, hash);
  const template = decorated.template;
  const selector = ro.spec.selector ?? {};
  return {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    // Fixed shapes (absent fields `undefined`, which JSON leaves out): no conditional spreads.
    metadata: {
      name,
      namespace: ro.metadata?.namespace ?? undefined,
      labels,
      annotations: { [L.REVISION]: String(revision), [L.DESIRED_REPLICAS]: String(ro.spec.replicas ?? 1), ...decorated.annotations },
      ownerReferences:
        ro.metadata?.uid != null
          ? [{ apiVersion: 'argoproj.io/v1alpha1', kind: 'Rollout', name: ro.metadata?.name ?? '', uid: ro.metadata.uid, controller: true, blockOwnerDeletion: true }]
          : undefined,
    },
    spec: {
      replicas,
      minReadySeconds: ro.spec.minReadySeconds ?? undefined,
      selector: { ...selector, matchLabels: withEntry(selector.matchLabels, L.POD_TEMPLATE_HASH, hash) },
      template: { ...template, metadata: { ...(template.metadata ?? {}), labels: withEntry(template.metadata?.labels, L.POD_TEMPLATE_HASH, hash) } },
    },
  };
}
