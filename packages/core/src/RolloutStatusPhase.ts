/**
 * The phase, message and health of a Rollout status the reconcile is about to write.
 *
 * Health is judged against the status being written (its observedGeneration and pause conditions), not the
 * one read: upstream judges the previous status, which costs every update one extra status write that only
 * flips Healthy. Both agree once the write has landed.
 */
import type { Rollout, RolloutStatus } from '@rollouts/api';
import { calculateRolloutPhase, rolloutHealthy, type RolloutPhase } from './RolloutPhase';

export function rolloutPhaseOf(rollout: Rollout, status: RolloutStatus): { phase: RolloutPhase; message: string; healthy: boolean } {
  const { phase, message } = calculateRolloutPhase({ spec: rollout.spec, status });
  return { phase, message, healthy: rolloutHealthy({ rollout: { ...rollout, status }, newStatus: status }) };
}
