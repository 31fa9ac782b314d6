import { basicCanaryReplicaCounts, type BasicCanaryInput } from './BasicCanary';

const rs = (replicas: number, available: number) => ({ replicas, available });
const fenceposts = (maxSurge: number, maxUnavailable: number) => ({ maxSurge, maxUnavailable });

describe('basicCanaryReplicaCounts', () => {
  it.each<[string, BasicCanaryInput, { canary: number; stable: number }]>([
    ['no stable RS: straight to replicas when nothing else runs', { replicas: 10, weight: 20, maxWeight: 100, fenceposts: fenceposts(3, 0), canary: rs(0, 0) }, { canary: 10, stable: 0 }],
    ['no stable RS, no canary RS yet', { replicas: 4, weight: 0, maxWeight: 100, fenceposts: fenceposts(1, 1) }, { canary: 4, stable: 0 }],
    ['no stable RS, old RSs: surge room only', { replicas: 4, weight: 50, maxWeight: 100, fenceposts: fenceposts(1, 1), others: [rs(4, 4)] }, { canary: 1, stable: 0 }],
    ['no stable RS, canary above replicas drains', { replicas: 4, weight: 50, maxWeight: 100, fenceposts: fenceposts(0, 1), canary: rs(6, 6) }, { canary: 4, stable: 0 }],
    ['stable drained no further than minimum availability', { replicas: 10, weight: 50, maxWeight: 100, fenceposts: fenceposts(0, 2), stable: rs(10, 10), canary: rs(0, 0) }, { canary: 0, stable: 8 }],
    ['stable at target and canary at target: no change', { replicas: 10, weight: 30, maxWeight: 100, fenceposts: fenceposts(1, 0), stable: rs(7, 7), canary: rs(3, 3) }, { canary: 3, stable: 7 }],
    ['0 replicas', { replicas: 0, weight: 50, maxWeight: 100, fenceposts: fenceposts(0, 0), stable: rs(0, 0), canary: rs(0, 0) }, { canary: 0, stable: 0 }],
    ['0 replicas drains both', { replicas: 0, weight: 50, maxWeight: 100, fenceposts: fenceposts(0, 0), stable: rs(2, 2), canary: rs(1, 1) }, { canary: 0, stable: 0 }],
  ])('%s', (_name, input, expected) => {
    expect(basicCanaryReplicaCounts(input)).toEqual(expected);
  });
});
