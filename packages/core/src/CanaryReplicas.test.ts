import fc from 'fast-check';
import { canaryReplicaCounts, type CanaryReplicaInput } from './CanaryReplicas';
import { canaryFenceposts } from './Fenceposts';

const rs = (replicas: number, available: number) => ({ replicas, available });

type Row = [name: string, input: CanaryReplicaInput, expected: { canary: number; stable: number }];

describe('canaryReplicaCounts: basic canary (§2.9 rows 1-18)', () => {
  it.each<Row>([
    ['row 1: surge-limited scale-up', { replicas: 10, weight: 20, maxSurge: 2, maxUnavailable: 0, stable: rs(10, 10), canary: rs(0, 0) }, { canary: 2, stable: 10 }],
    ['row 2: next reconcile scales stable down', { replicas: 10, weight: 20, maxSurge: '20%', maxUnavailable: 0, stable: rs(10, 10), canary: rs(2, 2) }, { canary: 2, stable: 8 }],
    ['row 3: cannot pass the surge (desired 3)', { replicas: 10, weight: 30, maxSurge: 2, maxUnavailable: 0, stable: rs(10, 10), canary: rs(0, 0) }, { canary: 2, stable: 10 }],
    ['row 4a: no surge makes room first', { replicas: 10, weight: 20, maxSurge: 0, maxUnavailable: 2, stable: rs(10, 10), canary: rs(0, 0) }, { canary: 0, stable: 8 }],
    ['row 4b: same with unavailable 20%', { replicas: 10, weight: 20, maxSurge: 0, maxUnavailable: '20%', stable: rs(10, 10), canary: rs(0, 0) }, { canary: 0, stable: 8 }],
    ['row 5: surge and unavailable together', { replicas: 10, weight: 50, maxSurge: 2, maxUnavailable: 1, stable: rs(10, 10), canary: rs(0, 0) }, { canary: 2, stable: 9 }],
    ['row 6a: one pod at 20% with surge', { replicas: 1, weight: 20, maxSurge: 1, maxUnavailable: 0, stable: rs(1, 1), canary: rs(0, 0) }, { canary: 1, stable: 1 }],
    ['row 6b: one pod at 90% with surge', { replicas: 1, weight: 90, maxSurge: 1, maxUnavailable: 0, stable: rs(1, 1), canary: rs(0, 0) }, { canary: 1, stable: 1 }],
    ['row 7a: one pod, no surge, 49% stays stable', { replicas: 1, weight: 49, maxSurge: 0, maxUnavailable: 1, stable: rs(1, 1), canary: rs(0, 0) }, { canary: 0, stable: 1 }],
    ['row 7b: one pod, no surge, 51% scales stable down', { replicas: 1, weight: 51, maxSurge: 0, maxUnavailable: 1, stable: rs(1, 1), canary: rs(0, 0) }, { canary: 0, stable: 0 }],
    ['row 7c: then the canary comes up', { replicas: 1, weight: 51, maxSurge: 0, maxUnavailable: 1, stable: rs(0, 0), canary: rs(0, 0) }, { canary: 1, stable: 0 }],
    ['row 8: stable gets the surge before the canary', { replicas: 10, weight: 30, maxSurge: 1, maxUnavailable: 0, stable: rs(1, 1), canary: rs(0, 0), others: [rs(3, 3)] }, { canary: 1, stable: 7 }],
    ['row 9: canary shrinks within availability', { replicas: 10, weight: 30, maxSurge: 0, maxUnavailable: 3, stable: rs(8, 5), canary: rs(4, 4) }, { canary: 3, stable: 7 }],
    ['row 10: full weight, stable drained by available canary pods', { replicas: 10, weight: 100, maxSurge: 1, maxUnavailable: 0, stable: rs(10, 2), canary: rs(10, 8) }, { canary: 9, stable: 2 }],
    ['row 11: older RS must drain first', { replicas: 10, weight: 30, maxSurge: 0, maxUnavailable: 1, stable: rs(8, 6), canary: rs(4, 2), others: [rs(3, 3)] }, { canary: 4, stable: 8 }],
    ['row 12a: 5% without surge, stable makes room', { replicas: 10, weight: 5, maxSurge: 0, maxUnavailable: 1, stable: rs(10, 10), canary: rs(0, 0) }, { canary: 0, stable: 9 }],
    ['row 12b: then the canary gets its pod', { replicas: 10, weight: 5, maxSurge: 0, maxUnavailable: 1, stable: rs(9, 9), canary: rs(0, 0) }, { canary: 1, stable: 9 }],
    ['row 13: "0%"/"0%" falls back to unavailable 1', { replicas: 10, weight: 10, maxSurge: '0%', maxUnavailable: '0%', stable: rs(10, 10), canary: rs(0, 0) }, { canary: 0, stable: 9 }],
    ['row 14a: 99% of 3 without surge, stable first', { replicas: 3, weight: 99, maxSurge: 0, maxUnavailable: 2, stable: rs(3, 3), canary: rs(0, 0) }, { canary: 0, stable: 1 }],
    ['row 14b: then the canary gets 2', { replicas: 3, weight: 99, maxSurge: 0, maxUnavailable: 2, stable: rs(1, 1), canary: rs(0, 0) }, { canary: 2, stable: 1 }],
    ['row 15a: stable mostly unavailable, canary surges', { replicas: 4, weight: 100, maxSurge: 1, maxUnavailable: 0, stable: rs(4, 1), canary: rs(0, 0) }, { canary: 1, stable: 4 }],
    ['row 15b: with the canary pod available, stable shrinks', { replicas: 4, weight: 100, maxSurge: 1, maxUnavailable: 0, stable: rs(4, 1), canary: rs(1, 1) }, { canary: 1, stable: 3 }],
    ['row 16a: weight reduction, stable comes back', { replicas: 4, weight: 0, maxSurge: 1, maxUnavailable: 0, stable: rs(0, 0), canary: rs(4, 4) }, { canary: 4, stable: 1 }],
    ['row 16b: stable pod not available yet', { replicas: 4, weight: 0, maxSurge: 1, maxUnavailable: 0, stable: rs(1, 0), canary: rs(4, 4) }, { canary: 4, stable: 1 }],
    ['row 16c: stable pod available, canary shrinks', { replicas: 4, weight: 0, maxSurge: 1, maxUnavailable: 0, stable: rs(1, 1), canary: rs(4, 4) }, { canary: 3, stable: 1 }],
    ['row 17a: promoteFull, surge 4 / unavailable 4', { replicas: 4, weight: 1, promoteFull: true, maxSurge: 4, maxUnavailable: 4, stable: rs(4, 4), canary: rs(0, 0) }, { canary: 4, stable: 0 }],
    ['row 17b: promoteFull, surge 3 / unavailable 0', { replicas: 4, weight: 1, promoteFull: true, maxSurge: 3, maxUnavailable: 0, stable: rs(4, 4), canary: rs(0, 0) }, { canary: 3, stable: 4 }],
    ['row 18: spec below available counts as spec', { replicas: 10, weight: 100, maxSurge: 3, maxUnavailable: 0, stable: rs(7, 8), canary: rs(6, 3) }, { canary: 6, stable: 7 }],
  ])('§2.9 %s', (_name, input, expected) => {
    expect(canaryReplicaCounts(input)).toEqual(expected);
  });
});

describe('canaryReplicaCounts: traffic-routed canary (§2.9 rows 19-24)', () => {
  const tr = { trafficRouting: true } as const;
  it.each<Row>([
    ['row 19a: canary by weight, stable full', { ...tr, replicas: 10, weight: 10 }, { canary: 1, stable: 10 }],
    ['row 19b: minPodsPerReplicaSet raises the canary', { ...tr, replicas: 10, weight: 5, minPodsPerReplicaSet: 2 }, { canary: 2, stable: 10 }],
    ['row 19c: minPodsPerReplicaSet capped at replicas', { ...tr, replicas: 1, weight: 0, promoteFull: true, minPodsPerReplicaSet: 2 }, { canary: 1, stable: 1 }],
    ['row 20a: setCanaryScale replicas beyond replicas', { ...tr, replicas: 1, weight: 0, canaryScale: { replicas: 9 } }, { canary: 9, stable: 1 }],
    ['row 20b: setCanaryScale weight 200', { ...tr, replicas: 4, weight: 0, canaryScale: { weight: 200 } }, { canary: 8, stable: 4 }],
    ['row 20c: matchTrafficWeight', { ...tr, replicas: 10, weight: 20, canaryScale: { matchTrafficWeight: true } }, { canary: 2, stable: 10 }],
    ['row 21a: aborted, setCanaryScale kept with abortScaleDownDelaySeconds 0', { ...tr, replicas: 1, weight: 0, aborted: true, abortScaleDownDelaySeconds: 0, canaryScale: { replicas: 1 } }, { canary: 1, stable: 1 }],
    ['row 21b: aborted, setCanaryScale ignored with abortScaleDownDelaySeconds 30', { ...tr, replicas: 1, weight: 0, aborted: true, abortScaleDownDelaySeconds: 30, canaryScale: { replicas: 1 } }, { canary: 0, stable: 1 }],
    ['row 22a: dynamic, weights 10/90 at setWeight 10', { ...tr, dynamicStableScale: true, replicas: 10, weight: 10, currentWeights: { canary: 10, stable: 90 } }, { canary: 1, stable: 9 }],
    ['row 22b: dynamic, stable lags the weights at setWeight 20', { ...tr, dynamicStableScale: true, replicas: 10, weight: 20, currentWeights: { canary: 10, stable: 90 } }, { canary: 2, stable: 9 }],
    [
      'row 23: aborted ramp-down to the previous step',
      { ...tr, dynamicStableScale: true, replicas: 10, weight: 60, aborted: true, setWeightSteps: [20, 60], currentWeights: { canary: 60, stable: 40 }, canary: rs(6, 6), stable: rs(4, 4) },
      { canary: 6, stable: 8 },
    ],
    ['row 24a: aborted without RS objects, weights 20/80', { ...tr, dynamicStableScale: true, replicas: 10, weight: 20, aborted: true, currentWeights: { canary: 20, stable: 80 } }, { canary: 2, stable: 10 }],
    ['row 24b: aborted without RS objects, weights 10/90', { ...tr, dynamicStableScale: true, replicas: 10, weight: 20, aborted: true, currentWeights: { canary: 10, stable: 90 } }, { canary: 1, stable: 10 }],
  ])('§2.9 %s', (_name, input, expected) => {
    expect(canaryReplicaCounts(input)).toEqual(expected);
  });
});

describe('canaryReplicaCounts: rules', () => {
  it.each<Row>([
    // promoteFull
    ['promoteFull, traffic-routed: all to canary, stable stays', { trafficRouting: true, replicas: 5, weight: 20, promoteFull: true }, { canary: 5, stable: 5 }],
    ['promoteFull, dynamic: stable to 0', { trafficRouting: true, dynamicStableScale: true, replicas: 5, weight: 20, promoteFull: true }, { canary: 5, stable: 0 }],
    ['promoteFull, basic, default fenceposts (surge 1, unavailable 1): stable gives up 2', { replicas: 4, weight: 20, promoteFull: true, stable: rs(4, 4), canary: rs(1, 1) }, { canary: 1, stable: 2 }],
    ['promoteFull, basic, next reconcile: canary fills the room', { replicas: 4, weight: 20, promoteFull: true, stable: rs(2, 2), canary: rs(1, 1) }, { canary: 3, stable: 2 }],
    ['promoteFull with a custom max weight', { trafficRouting: true, replicas: 4, weight: 10, maxWeight: 1000, promoteFull: true }, { canary: 4, stable: 4 }],
    // first deploy is the caller's call
    ['no stable RS, basic: rolling update to replicas', { replicas: 4, weight: 20, maxSurge: 1, maxUnavailable: 0, canary: rs(0, 0) }, { canary: 4, stable: 0 }],
    ['no stable RS, traffic-routed: weight still applies', { trafficRouting: true, replicas: 4, weight: 50 }, { canary: 2, stable: 4 }],
    // setCanaryScale variants
    ['setCanaryScale replicas 0', { trafficRouting: true, replicas: 4, weight: 50, canaryScale: { replicas: 0 } }, { canary: 0, stable: 4 }],
    ['setCanaryScale replicas win over weight', { trafficRouting: true, replicas: 4, weight: 50, canaryScale: { replicas: 3, weight: 100 } }, { canary: 3, stable: 4 }],
    ['setCanaryScale weight ignores setWeight', { trafficRouting: true, replicas: 10, weight: 50, canaryScale: { weight: 10 } }, { canary: 1, stable: 10 }],
    ['setCanaryScale replicas skip minPodsPerReplicaSet', { trafficRouting: true, replicas: 10, weight: 50, minPodsPerReplicaSet: 3, canaryScale: { replicas: 1 } }, { canary: 1, stable: 10 }],
    ['setCanaryScale weight gets minPodsPerReplicaSet', { trafficRouting: true, replicas: 10, weight: 50, minPodsPerReplicaSet: 3, canaryScale: { weight: 10 } }, { canary: 3, stable: 10 }],
    ['setCanaryScale with neither falls back to setWeight', { trafficRouting: true, replicas: 10, weight: 30, canaryScale: {} }, { canary: 3, stable: 10 }],
    ['matchTrafficWeight cancels replicas too', { trafficRouting: true, replicas: 10, weight: 30, canaryScale: { replicas: 9, matchTrafficWeight: true } }, { canary: 3, stable: 10 }],
    ['setCanaryScale ignored by a basic canary', { replicas: 10, weight: 30, maxSurge: 0, maxUnavailable: 0, canaryScale: { replicas: 9 }, stable: rs(7, 7), canary: rs(3, 3) }, { canary: 3, stable: 7 }],
    ['setCanaryScale replicas with dynamic scaling keep stable full', { trafficRouting: true, dynamicStableScale: true, replicas: 10, weight: 50, canaryScale: { replicas: 2 } }, { canary: 2, stable: 10 }],
    ['setCanaryScale weight with dynamic scaling sizes stable too', { trafficRouting: true, dynamicStableScale: true, replicas: 10, weight: 50, canaryScale: { weight: 20 } }, { canary: 2, stable: 8 }],
    ['setCanaryScale weight above max with dynamic scaling: stable 0', { trafficRouting: true, dynamicStableScale: true, replicas: 4, weight: 50, canaryScale: { weight: 200 } }, { canary: 8, stable: 0 }],
    // abort
    ['aborted, traffic-routed, no dynamic scaling: canary 0', { trafficRouting: true, replicas: 10, weight: 60, aborted: true, setWeightSteps: [20, 60], canary: rs(6, 6), stable: rs(10, 10) }, { canary: 0, stable: 10 }],
    ['aborted, traffic-routed, delay 0 without setCanaryScale: canary 0', { trafficRouting: true, replicas: 10, weight: 60, aborted: true, abortScaleDownDelaySeconds: 0, canary: rs(6, 6), stable: rs(10, 10) }, { canary: 0, stable: 10 }],
    ['aborted, setCanaryScale ignored with the default delay', { trafficRouting: true, replicas: 10, weight: 60, aborted: true, canaryScale: { replicas: 5 } }, { canary: 0, stable: 10 }],
    ['aborted, setCanaryScale weight kept with delay 0', { trafficRouting: true, replicas: 10, weight: 60, aborted: true, abortScaleDownDelaySeconds: 0, canaryScale: { weight: 30 } }, { canary: 3, stable: 10 }],
    ['aborted, basic canary: weight 0, stable fully available -> canary 0', { replicas: 4, weight: 50, aborted: true, maxSurge: 0, maxUnavailable: 1, stable: rs(4, 4), canary: rs(2, 2) }, { canary: 0, stable: 4 }],
    // The canary keeps 1 pod for availability; the limit fix-up then trims an unready stable pod to fit in 4.
    ['aborted, basic canary: canary drains only as far as availability allows', { replicas: 4, weight: 50, aborted: true, maxSurge: 0, maxUnavailable: 1, stable: rs(4, 2), canary: rs(2, 2) }, { canary: 1, stable: 3 }],
    ['aborted, basic canary: stable comes back first within surge', { replicas: 4, weight: 50, aborted: true, maxSurge: 1, maxUnavailable: 0, stable: rs(2, 2), canary: rs(2, 2) }, { canary: 2, stable: 3 }],
    [
      'aborted, dynamic: canary keeps pods for its current traffic, stable grows first',
      { trafficRouting: true, dynamicStableScale: true, replicas: 10, weight: 60, aborted: true, setWeightSteps: [20, 60], currentWeights: { canary: 60, stable: 40 }, canary: rs(6, 6), stable: rs(4, 0) },
      { canary: 6, stable: 4 },
    ],
    [
      'aborted, dynamic: stable recovered and traffic moved back -> canary 0',
      { trafficRouting: true, dynamicStableScale: true, replicas: 10, weight: 60, aborted: true, abortScaleDownDelaySeconds: 30, setWeightSteps: [20, 60], currentWeights: { canary: 0, stable: 100 }, canary: rs(6, 6), stable: rs(10, 10) },
      { canary: 0, stable: 10 },
    ],
    [
      'aborted, dynamic: default delay still counts available canary pods -> step 20',
      { trafficRouting: true, dynamicStableScale: true, replicas: 10, weight: 60, aborted: true, setWeightSteps: [20, 60], currentWeights: { canary: 0, stable: 100 }, canary: rs(6, 6), stable: rs(10, 10) },
      { canary: 2, stable: 10 },
    ],
    // minPodsPerReplicaSet
    ['minPodsPerReplicaSet capped at replicas', { trafficRouting: true, replicas: 3, weight: 10, minPodsPerReplicaSet: 5 }, { canary: 3, stable: 3 }],
    ['minPodsPerReplicaSet leaves weight 0 at 0', { trafficRouting: true, replicas: 3, weight: 0, minPodsPerReplicaSet: 2 }, { canary: 0, stable: 3 }],
    ['minPodsPerReplicaSet on the dynamic stable', { trafficRouting: true, dynamicStableScale: true, replicas: 10, weight: 95, minPodsPerReplicaSet: 2 }, { canary: 10, stable: 2 }],
    // R = 0
    ['0 replicas, basic', { replicas: 0, weight: 50, stable: rs(0, 0), canary: rs(0, 0) }, { canary: 0, stable: 0 }],
    ['0 replicas, basic, scaling down', { replicas: 0, weight: 50, stable: rs(3, 3), canary: rs(1, 1) }, { canary: 0, stable: 0 }],
    ['0 replicas, traffic-routed', { trafficRouting: true, replicas: 0, weight: 50, minPodsPerReplicaSet: 2 }, { canary: 0, stable: 0 }],
    ['0 replicas, dynamic with weights', { trafficRouting: true, dynamicStableScale: true, replicas: 0, weight: 50, currentWeights: { canary: 50, stable: 50 } }, { canary: 0, stable: 0 }],
    // fenceposts
    ['maxSurge 0 and maxUnavailable 0: one pod at a time', { replicas: 10, weight: 50, maxSurge: 0, maxUnavailable: 0, stable: rs(10, 10), canary: rs(0, 0) }, { canary: 0, stable: 9 }],
    ['maxUnavailable above replicas is capped', { replicas: 2, weight: 50, maxSurge: 0, maxUnavailable: 5, stable: rs(2, 2), canary: rs(0, 0) }, { canary: 0, stable: 1 }],
    ['fenceposts ignored with traffic routing', { trafficRouting: true, replicas: 10, weight: 50, maxSurge: 0, maxUnavailable: 0 }, { canary: 5, stable: 10 }],
    // limit fix-up: the canary keeps 2 pods that are still available (spec 0) for availability, so stable is
    // trimmed to stay within replicas + maxSurge = 3.
    ['limit fix-up trims the drained side after keeping available pods', { replicas: 2, weight: 25, maxSurge: 1, maxUnavailable: 0, stable: rs(3, 0), canary: rs(0, 2) }, { canary: 2, stable: 1 }],
    ['custom max weight, basic', { replicas: 10, weight: 300, maxWeight: 1000, maxSurge: 0, maxUnavailable: 0, stable: rs(7, 7), canary: rs(3, 3) }, { canary: 3, stable: 7 }],
  ])('%s', (_name, input, expected) => {
    expect(canaryReplicaCounts(input)).toEqual(expected);
  });

  it.each<[string, CanaryReplicaInput]>([
    ['replicas', { replicas: -1, weight: 0 }],
    ['replicas', { replicas: 1.5, weight: 0 }],
    ['weight', { replicas: 1, weight: Number.NaN }],
    ['weight', { replicas: 1, weight: 101 }],
    ['maxWeight', { replicas: 1, weight: 0, maxWeight: 0 }],
    ['maxSurge', { replicas: 1, weight: 0, maxSurge: 'lots' }],
    ['maxUnavailable', { replicas: 1, weight: 0, maxUnavailable: -1 }],
    ['minPodsPerReplicaSet', { replicas: 1, weight: 0, minPodsPerReplicaSet: -2 }],
    ['abortScaleDownDelaySeconds', { replicas: 1, weight: 0, abortScaleDownDelaySeconds: 0.5 }],
    ['canaryScale.replicas', { replicas: 1, weight: 0, canaryScale: { replicas: -1 } }],
    ['canaryScale.weight', { replicas: 1, weight: 0, canaryScale: { weight: 1.5 } }],
    ['setWeightSteps\\[1\\]', { replicas: 1, weight: 0, setWeightSteps: [10, -10] }],
    ['currentWeights.stable', { replicas: 1, weight: 0, currentWeights: { canary: 0, stable: -1 } }],
    ['canary.replicas', { replicas: 1, weight: 0, canary: rs(-1, 0) }],
    ['stable.available', { replicas: 1, weight: 0, stable: rs(1, Infinity) }],
    ['others\\[1\\].replicas', { replicas: 1, weight: 0, others: [rs(1, 1), rs(0.5, 0)] }],
  ])('throws a RangeError naming %s', (field, input) => {
    expect(() => canaryReplicaCounts(input)).toThrow(RangeError);
    expect(() => canaryReplicaCounts(input)).toThrow(new RegExp(`^${field} must be`));
  });
});

/** The signature asked for, verbatim; the exported one must be the same type. */
type SpecifiedInput = {
  replicas: number; weight: number; maxWeight?: number;
  maxSurge?: number | string; maxUnavailable?: number | string;
  trafficRouting?: boolean; dynamicStableScale?: boolean; minPodsPerReplicaSet?: number;
  canaryScale?: { replicas?: number; weight?: number; matchTrafficWeight?: boolean };
  promoteFull?: boolean; aborted?: boolean; abortScaleDownDelaySeconds?: number;
  setWeightSteps?: number[];
  currentWeights?: { canary: number; stable: number };
  canary?: { replicas: number; available: number };
  stable?: { replicas: number; available: number };
  others?: Array<{ replicas: number; available: number }>;
};
type Same<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;

describe('canaryReplicaCounts: signature', () => {
  it('takes and returns exactly the specified shapes', () => {
    const input: Same<Parameters<typeof canaryReplicaCounts>[0], SpecifiedInput> = true;
    const output: Same<ReturnType<typeof canaryReplicaCounts>, { canary: number; stable: number }> = true;
    expect([input, output]).toEqual([true, true]);
  });
});

// Properties ---------------------------------------------------------------------------------------------

const runs = { numRuns: 200 };
const intOrPercent = fc.oneof(fc.nat({ max: 5 }), fc.nat({ max: 100 }).map((p) => `${p}%`), fc.nat({ max: 100 }).map(String));
const replicaSet = (max: number) =>
  // available may exceed spec by up to 2 (pods still up after a scale-down), as Kubernetes reports it.
  fc.tuple(fc.nat({ max }), fc.nat({ max: 5 })).map(([replicas, offset]) => ({ replicas, available: Math.max(0, replicas + 2 - offset) }));

/** Any valid input, every option exercised. */
const anyInput: fc.Arbitrary<CanaryReplicaInput> = fc
  .record({ replicas: fc.nat({ max: 20 }), maxWeight: fc.constantFrom(100, 1000, 7) })
  .chain(({ replicas, maxWeight }) =>
    fc.record(
      {
        replicas: fc.constant(replicas),
        maxWeight: fc.constant(maxWeight),
        weight: fc.nat({ max: maxWeight }),
        maxSurge: intOrPercent,
        maxUnavailable: intOrPercent,
        trafficRouting: fc.boolean(),
        dynamicStableScale: fc.boolean(),
        minPodsPerReplicaSet: fc.nat({ max: 5 }),
        canaryScale: fc.record(
          { replicas: fc.nat({ max: 25 }), weight: fc.nat({ max: 2 * maxWeight }), matchTrafficWeight: fc.boolean() },
          { requiredKeys: [] },
        ),
        promoteFull: fc.boolean(),
        aborted: fc.boolean(),
        abortScaleDownDelaySeconds: fc.constantFrom(0, 30),
        setWeightSteps: fc.array(fc.nat({ max: maxWeight }), { maxLength: 4 }),
        currentWeights: fc.nat({ max: maxWeight }).map((canary) => ({ canary, stable: maxWeight - canary })),
        canary: replicaSet(replicas + 3),
        stable: replicaSet(replicas + 3),
        others: fc.array(replicaSet(3), { maxLength: 2 }),
      },
      { requiredKeys: ['replicas', 'maxWeight', 'weight'] },
    ),
  );

const isCount = (n: number): boolean => Number.isSafeInteger(n) && n >= 0;

describe('canaryReplicaCounts: properties', () => {
  it('traffic-routed: the canary gets ceil(w·R/M) and stable stays at R', () => {
    fc.assert(
      fc.property(fc.nat({ max: 50 }), fc.integer({ min: 1, max: 1000 }), fc.double({ min: 0, max: 1, noNaN: true }), (replicas, maxWeight, share) => {
        const weight = Math.round(share * maxWeight);
        const counts = canaryReplicaCounts({ trafficRouting: true, replicas, weight, maxWeight });
        expect(counts.canary).toBe(Math.ceil((weight * replicas) / maxWeight));
        expect(counts.stable).toBe(replicas);
      }),
      runs,
    );
  });

  it('traffic-routed, dynamic: weights summing to the max give ceil-sized sides covering R (at most one pod over)', () => {
    fc.assert(
      fc.property(fc.nat({ max: 50 }), fc.integer({ min: 1, max: 1000 }), fc.double({ min: 0, max: 1, noNaN: true }), (replicas, maxWeight, share) => {
        const weight = Math.round(share * maxWeight);
        const currentWeights = { canary: weight, stable: maxWeight - weight };
        expect(currentWeights.canary + currentWeights.stable).toBe(maxWeight);
        const counts = canaryReplicaCounts({ trafficRouting: true, dynamicStableScale: true, replicas, weight, maxWeight, currentWeights });
        expect(counts.canary).toBe(Math.ceil((weight * replicas) / maxWeight));
        expect(counts.stable).toBe(Math.ceil(((maxWeight - weight) * replicas) / maxWeight));
        expect(counts.canary + counts.stable).toBeGreaterThanOrEqual(replicas);
        expect(counts.canary + counts.stable).toBeLessThanOrEqual(replicas + 1);
      }),
      runs,
    );
  });

  it('basic: never more than replicas + maxSurge pods in total when starting within that bound', () => {
    fc.assert(
      fc.property(
        anyInput.map((input) => ({ ...input, trafficRouting: false })),
        fc.boolean(),
        fc.boolean(),
        (input, hasCanary, hasStable) => {
          const candidate: CanaryReplicaInput = { ...input };
          if (!hasCanary) delete candidate.canary;
          if (!hasStable) delete candidate.stable;
          const { maxSurge } = canaryFenceposts(candidate.replicas, candidate.maxSurge, candidate.maxUnavailable);
          const limit = candidate.replicas + maxSurge;
          const othersTotal = (candidate.others ?? []).reduce((sum, rs) => sum + rs.replicas, 0);
          const before = (candidate.canary?.replicas ?? 0) + (candidate.stable?.replicas ?? 0) + othersTotal;
          fc.pre(before <= limit);
          const counts = canaryReplicaCounts(candidate);
          expect(counts.canary + counts.stable + othersTotal).toBeLessThanOrEqual(limit);
        },
      ),
      runs,
    );
  });

  it('never returns negative or non-integer counts', () => {
    fc.assert(
      fc.property(anyInput, (input) => {
        const counts = canaryReplicaCounts(input);
        expect(isCount(counts.canary) && isCount(counts.stable)).toBe(true);
      }),
      runs,
    );
  });

  it('is deterministic and does not modify its input', () => {
    fc.assert(
      fc.property(anyInput, (input) => {
        const copy = structuredClone(input);
        const first = canaryReplicaCounts(input);
        expect(canaryReplicaCounts(copy)).toEqual(first);
        expect(input).toEqual(copy);
      }),
      runs,
    );
  });

  it('does not throw with maxSurge 0 and maxUnavailable 0', () => {
    fc.assert(
      fc.property(anyInput, fc.constantFrom<[number | string, number | string]>([0, 0], ['0%', '0%'], ['0', 0]), (input, [maxSurge, maxUnavailable]) => {
        const counts = canaryReplicaCounts({ ...input, maxSurge, maxUnavailable });
        expect(isCount(counts.canary) && isCount(counts.stable)).toBe(true);
      }),
      runs,
    );
  });
});
