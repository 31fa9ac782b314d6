import {
  abortScaleDownDelaySecondsOrDefault,
  autoPromotionEnabledOrDefault,
  consecutiveErrorLimitOrDefault,
  maxSurgeOrDefault,
  maxTrafficWeightOrDefault,
  maxUnavailableOrDefault,
  progressDeadlineSecondsOrDefault,
  replicasOrDefault,
  revisionHistoryLimitOrDefault,
  scaleDownDelaySecondsOrDefault,
  successfulRunHistoryLimitOrDefault,
  unsuccessfulRunHistoryLimitOrDefault,
} from './Defaults';

describe('defaults', () => {
  it('fill in absent and null spec fields, and keep written ones (0 included)', () => {
    expect(replicasOrDefault({})).toBe(1);
    expect(replicasOrDefault({ replicas: null })).toBe(1);
    expect(replicasOrDefault({ replicas: 0 })).toBe(0);
    expect(revisionHistoryLimitOrDefault({})).toBe(10);
    expect(revisionHistoryLimitOrDefault({ revisionHistoryLimit: 3 })).toBe(3);
    expect(progressDeadlineSecondsOrDefault({})).toBe(600);
    expect(successfulRunHistoryLimitOrDefault({})).toBe(5);
    expect(unsuccessfulRunHistoryLimitOrDefault({ analysis: { unsuccessfulRunHistoryLimit: 0 } })).toBe(0);
  });

  it('fill in the fenceposts and traffic weight', () => {
    expect(maxSurgeOrDefault({ strategy: { canary: {} } })).toBe('25%');
    expect(maxSurgeOrDefault({ strategy: { canary: { maxSurge: 0 } } })).toBe(0);
    expect(maxUnavailableOrDefault({ strategy: { blueGreen: { maxUnavailable: 2 } } })).toBe(2);
    expect(maxUnavailableOrDefault({ strategy: { canary: { maxUnavailable: '10%' } } })).toBe('10%');
    expect(maxUnavailableOrDefault({})).toBe('25%');
    expect(maxTrafficWeightOrDefault({ trafficRouting: {} })).toBe(100);
    expect(maxTrafficWeightOrDefault({ trafficRouting: { maxTrafficWeight: 1000 } })).toBe(1000);
    expect(maxTrafficWeightOrDefault(undefined)).toBe(100);
  });

  it.each([
    ['blue-green, absent', { blueGreen: {} }, 30, 30],
    ['blue-green, written', { blueGreen: { scaleDownDelaySeconds: 5, abortScaleDownDelaySeconds: 7 } }, 5, 7],
    ['blue-green, abort 0 means never', { blueGreen: { abortScaleDownDelaySeconds: 0 } }, 30, null],
    ['basic canary', { canary: { scaleDownDelaySeconds: 5, abortScaleDownDelaySeconds: 7 } }, 0, null],
    ['traffic-routed canary, absent', { canary: { trafficRouting: {} } }, 30, 30],
    ['traffic-routed canary, written', { canary: { trafficRouting: {}, scaleDownDelaySeconds: 0, abortScaleDownDelaySeconds: 0 } }, 0, null],
  ])('scale-down delays: %s', (_, strategy, delay, abortDelay) => {
    const spec = { strategy };
    expect(scaleDownDelaySecondsOrDefault(spec)).toBe(delay);
    expect(abortScaleDownDelaySecondsOrDefault(spec)).toBe(abortDelay);
  });

  it('fill in blue-green promotion and metric limits', () => {
    expect(autoPromotionEnabledOrDefault({})).toBe(true);
    expect(autoPromotionEnabledOrDefault({ autoPromotionEnabled: false })).toBe(false);
    expect(consecutiveErrorLimitOrDefault({})).toBe(4);
    expect(consecutiveErrorLimitOrDefault({ consecutiveErrorLimit: '{{args.limit}}' })).toBe('{{args.limit}}');
  });

  it('do not change their input', () => {
    const spec = Object.freeze({ strategy: Object.freeze({ canary: Object.freeze({}) }) });
    expect(() => {
      maxSurgeOrDefault(spec);
      scaleDownDelaySecondsOrDefault(spec);
    }).not.toThrow();
    expect(spec).toEqual({ strategy: { canary: {} } });
  });
});
