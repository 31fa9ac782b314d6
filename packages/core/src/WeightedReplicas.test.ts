import { approximateWeightedCanaryStableReplicaCounts, trafficWeightToReplicas } from './WeightedReplicas';

describe('approximateWeightedCanaryStableReplicaCounts', () => {
  it.each([
    // [name, replicas, weight, maxSurge, canary, stable] with maxWeight 100
    ['§2.9 row 25a: 3 at 50%, no surge -> tie rounds canary up', 3, 50, 0, 2, 1],
    ['§2.9 row 25b: 3 at 49%, surge 1 -> uses the extra pod', 3, 49, 1, 2, 2],
    ['§2.9 row 25c: 3 at 33%, surge 1', 3, 33, 1, 1, 2],
    ['§2.9 row 25d: 2 at 99%, no surge -> stable keeps a pod', 2, 99, 0, 1, 1],
    ['§2.9 row 25e: 2 at 1%, surge 1 -> canary gets a pod', 2, 1, 1, 1, 2],
    ['§2.9 row 25f: 10 at 24%, surge 1', 10, 24, 1, 3, 8],
    ['§2.9 row 25g: 10 at 18%, surge 1', 10, 18, 1, 2, 9],
    ['§2.9 row 25h: 10 at 1%, surge 1', 10, 1, 1, 1, 10],
    ['§2.9 row 25i: 10 at 15%, no surge -> tie rounds canary up', 10, 15, 0, 2, 8],
    ['§2.9 row 25j: 1 at 50%, no surge', 1, 50, 0, 1, 0],
    ['§2.9 row 25k: 1 at 1%, surge 1', 1, 1, 1, 1, 1],
    ['0 replicas', 0, 50, 1, 0, 0],
    ['weight 0', 10, 0, 1, 0, 10],
    ['max weight', 10, 100, 1, 10, 0],
    ['exact split', 10, 30, 1, 3, 7],
    ['1 pod, no surge, 49% -> stays stable', 1, 49, 0, 0, 1],
    ['1 pod, no surge, 51% -> moves to canary', 1, 51, 0, 1, 0],
    ['1 pod at 20% with surge -> both', 1, 20, 1, 1, 1],
    ['exact tie: 2 of 4 (50%) and 2 of 5 (40%) are both 5 off 45% -> earlier wins', 4, 45, 1, 2, 2],
    ['weight 0 with surge: 0 of R and 0 of R+1 tie -> no extra stable pod', 4, 0, 1, 0, 4],
    // Deviation from upstream (no candidate qualifies; upstream returns canary 0): round the canary down.
    ['no-candidate case: 2 at 75%, no surge', 2, 75, 0, 1, 1],
    ['no-candidate case: 10 at 95%, no surge', 10, 95, 0, 9, 1],
    ['same weight with surge uses the extra pod', 10, 95, 1, 10, 1],
  ] as const)('%s', (_name, replicas, weight, maxSurge, canary, stable) => {
    expect(approximateWeightedCanaryStableReplicaCounts(replicas, weight, 100, maxSurge)).toEqual({ canary, stable });
  });

  it('works with a custom max weight and large numbers exactly', () => {
    expect(approximateWeightedCanaryStableReplicaCounts(10, 500, 1000, 0)).toEqual({ canary: 5, stable: 5 });
    expect(approximateWeightedCanaryStableReplicaCounts(3, 1, 3, 0)).toEqual({ canary: 1, stable: 2 });
    expect(approximateWeightedCanaryStableReplicaCounts(100_000_000, 99_999_999, 100_000_000, 0)).toEqual({
      canary: 99_999_999,
      stable: 1,
    });
  });

  it.each([
    ['replicas', () => approximateWeightedCanaryStableReplicaCounts(-1, 10, 100, 0)],
    ['weight', () => approximateWeightedCanaryStableReplicaCounts(1, 0.5, 100, 0)],
    ['maxWeight', () => approximateWeightedCanaryStableReplicaCounts(1, 0, 0, 0)],
    ['maxSurge', () => approximateWeightedCanaryStableReplicaCounts(1, 1, 100, -1)],
    ['weight', () => approximateWeightedCanaryStableReplicaCounts(1, 101, 100, 0)],
  ] as const)('rejects a bad %s', (field, call) => {
    expect(call).toThrow(RangeError);
    expect(call).toThrow(new RegExp(`^${field} must be`));
  });
});

describe('trafficWeightToReplicas', () => {
  it.each([
    // [name, replicas, weight, maxWeight, expected]
    ['§2.9 row 26a: (10, 0)', 10, 0, 100, 0],
    ['§2.9 row 26b: (10, 20)', 10, 20, 100, 2],
    ['§2.9 row 26c: (10, 25) rounds up', 10, 25, 100, 3],
    ['§2.9 row 26d: (10, 33) rounds up', 10, 33, 100, 4],
    ['§2.9 row 26e: (10, 99)', 10, 99, 100, 10],
    ['§2.9 row 26f: (23, 1e8 of 1e8)', 23, 100_000_000, 100_000_000, 23],
    ['(10, 1) rounds up to a pod', 10, 1, 100, 1],
    ['(0, 50)', 0, 50, 100, 0],
    ['weight above max (setCanaryScale 200%)', 4, 200, 100, 8],
    ['product beyond 2^53 stays exact', 100_000_001, 100_000_000, 100_000_000, 100_000_001],
    ['(3, 1 of 3)', 3, 1, 3, 1],
  ] as const)('%s', (_name, replicas, weight, maxWeight, expected) => {
    expect(trafficWeightToReplicas(replicas, weight, maxWeight)).toBe(expected);
  });

  it('rejects a zero max weight and negative weights', () => {
    expect(() => trafficWeightToReplicas(10, 10, 0)).toThrow(/^maxWeight must be a positive integer/);
    expect(() => trafficWeightToReplicas(10, -10, 100)).toThrow(/^weight must be/);
  });
});
