/**
 * `spec.restartAt`: pods created before that time are evicted, a few at a time within maxUnavailable (at
 * least one), through the Eviction API so PodDisruptionBudgets apply; once none is left, `status.restartedAt`
 * records the restart. A restart time in the future waits for it.
 */
import type { Rollout } from '@rollouts/api';
import { canaryFenceposts } from './Fenceposts';
import type { EvictPod } from './Intent';
import type { ObservedPod, RolloutObservation } from './Observation';
import { fromRfc3339 } from './Time';

export interface RestartDecision {
  readonly evictions: ReadonlyArray<EvictPod>;
  /** Set when the restart is complete and `status.restartedAt` should record it. */
  readonly restartedAt?: string;
  /** When to look again (a restart time in the future). */
  readonly requeueAt?: number;
}

const ready = (p: ObservedPod): boolean => (p.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');

/** Nothing to restart (shared: every reconcile of a Rollout without `restartAt` returns it). */
const NO_RESTART: RestartDecision = Object.freeze({ evictions: Object.freeze([]) as ReadonlyArray<EvictPod> });

export function planRestart(rollout: Rollout, obs: RolloutObservation): RestartDecision {
  const restartAt = rollout.spec.restartAt;
  if (restartAt == null || restartAt === rollout.status?.restartedAt) return NO_RESTART;
  const at = fromRfc3339(restartAt);
  if (at === undefined) return { evictions: [] };
  if (at > obs.now) return { evictions: [], requeueAt: at };
  const owners = new Set(obs.replicaSets.map((rs) => rs.metadata?.uid).filter((u): u is string => u != null));
  const pods = (obs.pods ?? []).filter((p) => p.metadata.deletionTimestamp == null && (p.metadata.ownerReferences ?? []).some((o) => o.kind === 'ReplicaSet' && owners.has(o.uid)));
  const stale = pods
    .filter((p) => {
      const created = p.metadata.creationTimestamp === undefined ? undefined : fromRfc3339(p.metadata.creationTimestamp);
      return created === undefined || created < at;
    })
    .sort((a, b) => a.metadata.name.localeCompare(b.metadata.name));
  if (stale.length === 0) return { evictions: [], restartedAt: restartAt };
  const R = rollout.spec.replicas ?? 1;
  const strategy = rollout.spec.strategy;
  const maxUnavailable = strategy?.blueGreen != null ? (strategy.blueGreen.maxUnavailable ?? '25%') : (strategy?.canary?.maxUnavailable ?? '25%');
  const allowed = Math.max(1, canaryFenceposts(R, strategy?.canary?.maxSurge ?? '25%', maxUnavailable).maxUnavailable);
  const unavailable = pods.filter((p) => !ready(p)).length;
  const budget = Math.max(0, allowed - unavailable);
  return {
    evictions: stale.slice(0, budget).map((p) => ({
      _tag: 'EvictPod' as const,
      name: p.metadata.name,
      reason: `restartAt ${restartAt}: pod ${p.metadata.name} predates it (${stale.length} left, at most ${allowed} unavailable)`,
    })),
  };
}
