/**
 * Replica counts of a basic canary (no traffic router), where the pod ratio is the traffic split. Each call
 * moves one reconcile's worth towards the weighted split, within `replicas + maxSurge` pods in total and
 * `replicas − maxUnavailable` available pods; older ReplicaSets are drained (elsewhere) before the canary or
 * stable ReplicaSet gives up pods.
 */
import type { Fenceposts } from '@rollouts/api';
import type { ReplicaSetCounts } from './ReplicaSetCounts';
import { approximateWeightedCanaryStableReplicaCounts, type CanaryStableCounts } from './WeightedReplicas';

/** What {@link basicCanaryReplicaCounts} looks at. Inputs are assumed validated. */
export interface BasicCanaryInput {
  readonly replicas: number;
  /** Desired canary weight, after full promotion and abort are applied. */
  readonly weight: number;
  readonly maxWeight: number;
  readonly fenceposts: Fenceposts;
  /** The canary ReplicaSet; absent before it exists. */
  readonly canary?: ReplicaSetCounts | null;
  /** The stable ReplicaSet; absent when there is none, or when it is the canary ReplicaSet itself. */
  readonly stable?: ReplicaSetCounts | null;
  /** Every other ReplicaSet of the rollout. */
  readonly others?: readonly ReplicaSetCounts[] | null;
}

/**
 * Next `spec.replicas` of the canary and stable ReplicaSets of a basic canary:
 * 1. target split from {@link approximateWeightedCanaryStableReplicaCounts}; without a stable ReplicaSet the
 *    canary targets `replicas` (a plain rolling update);
 * 2. scale up within the surge room left under `replicas + maxSurge`, stable first, then canary;
 * 3. if any other ReplicaSet still has pods, stop here: those are drained first;
 * 4. otherwise scale down the side moving away from its target (stable while the canary grows, the canary
 *    while it shrinks) by as many pods as keeps `replicas − maxUnavailable` available, counting the side that
 *    is not scaled down by its spec and the other by its available pods (by spec when spec is lower);
 * 5. fix up the pair so that it stays within `replicas + maxSurge` pods, letting the other side keep pods it
 *    needs for availability.
 */
export function basicCanaryReplicaCounts(input: BasicCanaryInput): CanaryStableCounts {
  const { replicas, weight, maxWeight } = input;
  const { maxSurge, maxUnavailable } = input.fenceposts;
  const canaryRS = input.canary ?? undefined;
  const stableRS = input.stable ?? undefined;
  const others = input.others ?? [];

  const target =
    stableRS == null
      ? { canary: replicas, stable: 0 }
      : approximateWeightedCanaryStableReplicaCounts(replicas, weight, maxWeight, maxSurge);
  let canary = canaryRS?.replicas ?? 0;
  let stable = stableRS?.replicas ?? 0;

  const maxTotal = replicas + maxSurge;
  const othersReplicas = others.reduce((sum, rs) => sum + rs.replicas, 0);
  let room = maxTotal - (othersReplicas + canary + stable);
  if (stable < target.stable && room > 0) {
    const next = Math.min(target.stable, stable + room);
    room -= next - stable;
    stable = next;
  }
  if (canary < target.canary && room > 0) canary = Math.min(target.canary, canary + room);

  if (othersReplicas > 0) return { canary, stable };

  const minAvailable = replicas - maxUnavailable;
  const canaryGrowing = canaryRS == null || target.canary >= canaryRS.replicas;
  const counted = countedForScaleDown(canaryRS, !canaryGrowing) + countedForScaleDown(stableRS, canaryGrowing);
  if (counted <= minAvailable) return { canary, stable };
  const excess = counted - minAvailable;

  if (!canaryGrowing && canaryRS != null) {
    canary = scaledDown(canaryRS, target.canary, excess, canary);
    const fixed = withinLimits(canaryRS, stableRS, canary, stable, maxTotal, minAvailable);
    return { canary: fixed.drained, stable: fixed.adjusted };
  }
  if (canaryGrowing && stableRS != null) {
    stable = scaledDown(stableRS, target.stable, excess, stable);
    const fixed = withinLimits(stableRS, canaryRS, stable, canary, maxTotal, minAvailable);
    return { canary: fixed.adjusted, stable: fixed.drained };
  }
  return { canary, stable };
}

/**
 * Pods of `rs` counted as serving when deciding how far to scale down: its spec when spec is below available
 * (surplus pods are going away), else its available pods, or its spec when `bySpec`.
 */
function countedForScaleDown(rs: ReplicaSetCounts | undefined, bySpec: boolean): number {
  if (rs == null) return 0;
  if (rs.replicas < rs.available) return rs.replicas;
  return bySpec ? rs.replicas : rs.available;
}

/** Scale `rs` down by up to `excess` pods, not below `target`; unchanged (`current`) if already at or below it. */
function scaledDown(rs: ReplicaSetCounts, target: number, excess: number, current: number): number {
  return rs.replicas > target ? Math.max(target, rs.replicas - excess) : current;
}

/**
 * Keep the drained ReplicaSet plus the adjusted one within `maxTotal` pods: first trim the adjusted side to fit,
 * then give back as many of its already-available pods as availability needs, and trim the drained side for
 * whatever that puts over the limit.
 */
function withinLimits(
  drainedRS: ReplicaSetCounts,
  adjustedRS: ReplicaSetCounts | undefined,
  drained: number,
  adjusted: number,
  maxTotal: number,
  minAvailable: number,
): { readonly drained: number; readonly adjusted: number } {
  const adjustedAvailable = adjustedRS?.available ?? 0;
  const adjustedFitted = adjusted - Math.max(0, adjusted + drained - maxTotal);
  const available = Math.min(drainedRS.available, drained) + Math.min(adjustedAvailable, adjustedFitted);
  const spareAvailable = Math.max(0, adjustedAvailable - adjustedFitted);
  const shortfall = Math.max(0, minAvailable - available);
  const adjustedFinal = adjustedFitted + Math.min(spareAvailable, shortfall);
  const drainedFinal = drained - Math.max(0, adjustedFinal + drained - maxTotal);
  return { drained: drainedFinal, adjusted: adjustedFinal };
}
