import { desiredCanary, type DesiredCanaryInput } from './DesiredCanary';

const base: DesiredCanaryInput = { replicas: 10, weight: 20, maxWeight: 100 };
const rs = (replicas: number, available: number) => ({ replicas, available });

describe('desiredCanary', () => {
  it.each<[string, Partial<DesiredCanaryInput>, ReturnType<typeof desiredCanary>]>([
    ['the current setWeight', {}, { _tag: 'Weight', weight: 20 }],
    ['promoteFull -> max weight', { promoteFull: true }, { _tag: 'Weight', weight: 100 }],
    ['promoteFull with a custom max', { promoteFull: true, maxWeight: 1000 }, { _tag: 'Weight', weight: 1000 }],
    ['promoteFull beats setCanaryScale', { promoteFull: true, trafficRouting: true, canaryScale: { replicas: 3 } }, { _tag: 'Weight', weight: 100 }],
    ['promoteFull beats abort', { promoteFull: true, aborted: true }, { _tag: 'Weight', weight: 100 }],
    ['setCanaryScale replicas (traffic routing)', { trafficRouting: true, canaryScale: { replicas: 3 } }, { _tag: 'Replicas', replicas: 3 }],
    ['setCanaryScale replicas 0', { trafficRouting: true, canaryScale: { replicas: 0 } }, { _tag: 'Replicas', replicas: 0 }],
    ['setCanaryScale weight', { trafficRouting: true, canaryScale: { weight: 50 } }, { _tag: 'Weight', weight: 50 }],
    ['setCanaryScale replicas win over weight', { trafficRouting: true, canaryScale: { replicas: 3, weight: 50 } }, { _tag: 'Replicas', replicas: 3 }],
    ['setCanaryScale with neither falls through', { trafficRouting: true, canaryScale: {} }, { _tag: 'Weight', weight: 20 }],
    ['matchTrafficWeight cancels', { trafficRouting: true, canaryScale: { replicas: 3, matchTrafficWeight: true } }, { _tag: 'Weight', weight: 20 }],
    ['matchTrafficWeight false keeps the scale', { trafficRouting: true, canaryScale: { weight: 5, matchTrafficWeight: false } }, { _tag: 'Weight', weight: 5 }],
    ['setCanaryScale ignored without traffic routing', { canaryScale: { replicas: 3 } }, { _tag: 'Weight', weight: 20 }],
    ['aborted -> 0', { aborted: true }, { _tag: 'Weight', weight: 0 }],
    ['aborted: setCanaryScale ignored (default delay)', { aborted: true, trafficRouting: true, canaryScale: { replicas: 3 } }, { _tag: 'Weight', weight: 0 }],
    ['aborted: setCanaryScale ignored (delay 30)', { aborted: true, trafficRouting: true, abortScaleDownDelaySeconds: 30, canaryScale: { replicas: 3 } }, { _tag: 'Weight', weight: 0 }],
    ['aborted: setCanaryScale kept with delay 0', { aborted: true, trafficRouting: true, abortScaleDownDelaySeconds: 0, canaryScale: { replicas: 3 } }, { _tag: 'Replicas', replicas: 3 }],
    [
      'aborted with dynamicStableScale: ramp-down',
      { aborted: true, trafficRouting: true, dynamicStableScale: true, setWeightSteps: [20, 60], canary: rs(6, 6), stable: rs(4, 4) },
      { _tag: 'Weight', weight: 20 },
    ],
    [
      'aborted with dynamicStableScale but no stable RS -> 0',
      { aborted: true, trafficRouting: true, dynamicStableScale: true, setWeightSteps: [20, 60], canary: rs(6, 6) },
      { _tag: 'Weight', weight: 0 },
    ],
    [
      'aborted with dynamicStableScale but no canary RS -> 0',
      { aborted: true, trafficRouting: true, dynamicStableScale: true, setWeightSteps: [20, 60], stable: rs(4, 4) },
      { _tag: 'Weight', weight: 0 },
    ],
    [
      'aborted with dynamicStableScale, explicit delay 30: only the stable shortfall counts',
      { aborted: true, trafficRouting: true, dynamicStableScale: true, abortScaleDownDelaySeconds: 30, setWeightSteps: [20, 60], canary: rs(6, 6), stable: rs(10, 10) },
      { _tag: 'Weight', weight: 0 },
    ],
  ])('%s', (_name, overrides, expected) => {
    expect(desiredCanary({ ...base, ...overrides })).toEqual(expected);
  });
});
