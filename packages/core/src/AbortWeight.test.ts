import { desiredCanaryWeightOnAbort } from './AbortWeight';

describe('desiredCanaryWeightOnAbort', () => {
  it.each([
    // [name, replicas, steps, stable available, canary available, abortScaleDownDelaySeconds, expected]
    ['§2.9 row 23: stable 4 of 10, canary 6 -> previous step 20', 10, [20, 60], 4, 6, undefined, 20],
    ['stable nothing available: stays at the last step', 10, [20, 60], 0, 6, undefined, 60],
    ['stable short by 8 pods: 60 (6 pods) is below that', 10, [20, 60], 2, 0, undefined, 60],
    ['stable short by 6, canary down: 60 needs 6, not fewer -> 20', 10, [20, 60], 4, 0, undefined, 20],
    ['stable short by 1: no step is below -> 0', 10, [20, 60], 9, 0, undefined, 0],
    ['stable full but canary still has 6 available -> 20', 10, [20, 60], 10, 6, undefined, 20],
    ['explicit delay 30 counts only the stable shortfall -> 0', 10, [20, 60], 10, 6, 30, 0],
    ['explicit delay 0 still counts canary pods', 10, [20, 60], 10, 6, 0, 20],
    ['explicit delay 30, stable short by 8 -> 60', 10, [20, 60], 2, 10, 30, 60],
    ['steps walked from the last, not by size', 10, [60, 20], 0, 0, undefined, 20],
    ['no setWeight steps -> 0', 10, [], 0, 10, undefined, 0],
    ['stable over-available (shortfall negative), no canary pods -> 0', 10, [20, 60], 12, 0, undefined, 0],
    ['0 replicas, canary pods left -> the last step', 0, [20, 60], 0, 2, undefined, 60],
  ] as const)('%s', (_name, replicas, steps, stableAvailable, canaryAvailable, delay, expected) => {
    expect(
      desiredCanaryWeightOnAbort({
        replicas,
        setWeightSteps: steps,
        stableAvailable,
        canaryAvailable,
        ...(delay !== undefined ? { abortScaleDownDelaySeconds: delay } : {}),
      }),
    ).toBe(expected);
  });

  it('uses the max weight for the pod count of a step', () => {
    // 300 of 1000 on 10 pods = 3 pods < 4 short.
    expect(desiredCanaryWeightOnAbort({ replicas: 10, maxWeight: 1000, setWeightSteps: [300, 600], stableAvailable: 6, canaryAvailable: 0 })).toBe(300);
  });

  it('rejects bad numbers, naming the field', () => {
    const base = { replicas: 10, setWeightSteps: [20], stableAvailable: 1, canaryAvailable: 1 };
    expect(() => desiredCanaryWeightOnAbort({ ...base, setWeightSteps: [20, -1] })).toThrow(/^setWeightSteps\[1\] must be/);
    expect(() => desiredCanaryWeightOnAbort({ ...base, abortScaleDownDelaySeconds: -1 })).toThrow(/^abortScaleDownDelaySeconds must be/);
    expect(() => desiredCanaryWeightOnAbort({ ...base, maxWeight: 0 })).toThrow(/^maxWeight must be/);
    expect(() => desiredCanaryWeightOnAbort({ ...base, stableAvailable: 0.5 })).toThrow(/^stableAvailable must be/);
  });
});
