import type { DesiredCanary } from './DesiredCanary';
import { trafficRoutedCanaryReplicaCounts, withMinPodsPerReplicaSet, type TrafficRoutedCanaryInput } from './TrafficRoutedCanary';

const weight = (w: number): DesiredCanary => ({ _tag: 'Weight', weight: w });
const replicas = (n: number): DesiredCanary => ({ _tag: 'Replicas', replicas: n });

describe('withMinPodsPerReplicaSet', () => {
  it.each([
    // [count, minPods, replicas, expected]
    [0, 2, 10, 0],
    [1, 2, 10, 2],
    [3, 2, 10, 3],
    [1, 5, 3, 3], // capped at replicas
    [1, undefined, 10, 1],
    [1, null, 10, 1],
    [1, 0, 10, 1],
    [4, 5, 3, 4], // never lowers a count
  ] as const)('count %p, min %p, replicas %p -> %p', (count, minPods, rolloutReplicas, expected) => {
    expect(withMinPodsPerReplicaSet(count, minPods, rolloutReplicas)).toBe(expected);
  });
});

describe('trafficRoutedCanaryReplicaCounts', () => {
  it.each<[string, TrafficRoutedCanaryInput, { canary: number; stable: number }]>([
    ['canary by weight, stable full', { replicas: 10, maxWeight: 100, desired: weight(10) }, { canary: 1, stable: 10 }],
    ['rounded up', { replicas: 10, maxWeight: 100, desired: weight(33) }, { canary: 4, stable: 10 }],
    ['explicit replicas, no minPods', { replicas: 10, maxWeight: 100, desired: replicas(1), minPodsPerReplicaSet: 3 }, { canary: 1, stable: 10 }],
    ['minPods raises a non-zero canary', { replicas: 10, maxWeight: 100, desired: weight(5), minPodsPerReplicaSet: 2 }, { canary: 2, stable: 10 }],
    ['minPods leaves 0 alone', { replicas: 10, maxWeight: 100, desired: weight(0), minPodsPerReplicaSet: 2 }, { canary: 0, stable: 10 }],
    ['current weights ignored without dynamic scaling', { replicas: 10, maxWeight: 100, desired: weight(20), currentWeights: { canary: 50, stable: 50 }, aborted: true }, { canary: 2, stable: 10 }],
    ['dynamic: stable gets the rest', { replicas: 10, maxWeight: 100, desired: weight(30), dynamicStableScale: true }, { canary: 3, stable: 7 }],
    ['dynamic: both rounded up', { replicas: 10, maxWeight: 100, desired: weight(25), dynamicStableScale: true }, { canary: 3, stable: 8 }],
    ['dynamic: stable keeps the pods its current traffic needs', { replicas: 10, maxWeight: 100, desired: weight(30), dynamicStableScale: true, currentWeights: { canary: 10, stable: 90 } }, { canary: 3, stable: 9 }],
    ['dynamic: canary current weight ignored unless aborted', { replicas: 10, maxWeight: 100, desired: weight(10), dynamicStableScale: true, currentWeights: { canary: 60, stable: 40 } }, { canary: 1, stable: 9 }],
    ['dynamic aborted: canary keeps the pods its current traffic needs', { replicas: 10, maxWeight: 100, desired: weight(0), dynamicStableScale: true, aborted: true, currentWeights: { canary: 60, stable: 40 } }, { canary: 6, stable: 10 }],
    ['dynamic: explicit replicas -> stable full', { replicas: 10, maxWeight: 100, desired: replicas(3), dynamicStableScale: true }, { canary: 3, stable: 10 }],
    ['dynamic: minPods on both', { replicas: 10, maxWeight: 100, desired: weight(95), dynamicStableScale: true, minPodsPerReplicaSet: 2 }, { canary: 10, stable: 2 }],
    ['dynamic: minPods applies to explicit replicas', { replicas: 10, maxWeight: 100, desired: replicas(1), dynamicStableScale: true, minPodsPerReplicaSet: 2 }, { canary: 2, stable: 10 }],
    ['dynamic: scale weight above max leaves stable 0, not negative', { replicas: 4, maxWeight: 100, desired: weight(200), dynamicStableScale: true }, { canary: 8, stable: 0 }],
    ['0 replicas', { replicas: 0, maxWeight: 100, desired: weight(50), dynamicStableScale: true, minPodsPerReplicaSet: 2 }, { canary: 0, stable: 0 }],
  ])('%s', (_name, input, expected) => {
    expect(trafficRoutedCanaryReplicaCounts(input)).toEqual(expected);
  });
});
