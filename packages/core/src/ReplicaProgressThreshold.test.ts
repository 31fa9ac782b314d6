import type { ReplicaProgressThreshold } from '@rollouts/api';
import { replicaProgressThresholdMet } from './ReplicaProgressThreshold';

const rs = (replicas: number, available: number) => ({ replicas, available });
const percent = (value: number): ReplicaProgressThreshold => ({ type: 'Percent', value });
const pods = (value: number): ReplicaProgressThreshold => ({ type: 'Pods', value });

describe('replicaProgressThresholdMet', () => {
  it.each([
    // [name, threshold, canary, desired, expected]
    ['default: at desired in spec and available', undefined, rs(3, 3), 3, true],
    ['default: not all available', undefined, rs(3, 2), 3, false],
    ['default: spec above desired', undefined, rs(4, 4), 3, false],
    ['default: spec below desired', undefined, rs(2, 2), 3, false],
    ['default: null threshold', null, rs(1, 1), 1, true],
    ['default: no canary RS and nothing desired', undefined, undefined, 0, true],
    ['default: no canary RS but pods desired', undefined, null, 1, false],
    ['negative value means default (met)', percent(-1), rs(2, 2), 2, true],
    ['negative value means default (not met)', pods(-5), rs(2, 1), 2, false],
    ['Percent 50 of 4: 2 available', percent(50), rs(4, 2), 4, true],
    ['Percent 50 of 4: 1 available', percent(50), rs(4, 1), 4, false],
    ['Percent of 0 desired is always met', percent(100), rs(0, 0), 0, true],
    ['Percent 33 of 3: 1 available (33.3%)', percent(33), rs(3, 1), 3, true],
    ['Percent 34 of 3: 1 available', percent(34), rs(3, 1), 3, false],
    ['Percent 29 of 100: 29 available (float would give 28.999…)', percent(29), rs(100, 29), 100, true],
    ['Percent 100 of 3: all available', percent(100), rs(3, 3), 3, true],
    ['Percent ignores spec', percent(50), rs(10, 5), 4, true],
    ['Percent: no canary RS', percent(50), undefined, 4, false],
    ['Pods 2: 2 available', pods(2), rs(5, 2), 5, true],
    ['Pods 2: 1 available', pods(2), rs(5, 1), 5, false],
    ['Pods 0: met at once', pods(0), undefined, 5, true],
    ['Pods above desired is taken literally', pods(3), rs(2, 2), 2, false],
  ] as const)('%s', (_name, threshold, canary, desired, expected) => {
    expect(replicaProgressThresholdMet(threshold, canary, desired)).toBe(expected);
  });

  it('rejects bad counts, naming the field', () => {
    expect(() => replicaProgressThresholdMet(undefined, rs(1, -1), 1)).toThrow(/^canary\.available must be/);
    expect(() => replicaProgressThresholdMet(undefined, rs(1, 1), 1.5)).toThrow(/^desired must be/);
    expect(() => replicaProgressThresholdMet(percent(2.5), rs(1, 1), 1)).toThrow(/^threshold\.value must be an integer/);
  });
});
