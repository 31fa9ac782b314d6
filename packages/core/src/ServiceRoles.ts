/**
 * Which Services carry the stable and the canary traffic of a canary Rollout. Without ping-pong they are
 * `stableService` and `canaryService`. With `pingPong`, the two Services swap roles at each promotion and
 * `status.canary.stablePingPong` says which one is stable now (`ping` when unset, as upstream).
 */
import type { RolloutStatus } from '@rollouts/api';

type CanarySpec = {
  readonly stableService?: string | null;
  readonly canaryService?: string | null;
  readonly pingPong?: { readonly pingService?: string | null; readonly pongService?: string | null } | null;
};

/** The Service names a traffic router sends stable and canary traffic to (`''` when none is named). */
export interface ServiceRoles {
  readonly stableService: string;
  readonly canaryService: string;
}

/** The stable and canary Services of `canary`, given which ping-pong Service is stable (`status.canary.stablePingPong`). */
export function rolloutServiceRoles(canary: CanarySpec | null | undefined, stablePingPong: string | null | undefined): ServiceRoles {
  const pp = canary?.pingPong;
  if (pp != null) {
    const ping = pp.pingService ?? '';
    const pong = pp.pongService ?? '';
    return stablePingPong === 'pong' ? { stableService: pong, canaryService: ping } : { stableService: ping, canaryService: pong };
  }
  return { stableService: canary?.stableService ?? '', canaryService: canary?.canaryService ?? '' };
}

/** {@link rolloutServiceRoles} for a Rollout's spec and the status being written. */
export function serviceRolesOf(canary: CanarySpec | null | undefined, status: RolloutStatus | null | undefined): ServiceRoles {
  return rolloutServiceRoles(canary, status?.canary?.stablePingPong);
}
