import type { Measurement, Metric } from '@rollouts/api';
import { formatMeasurementValue, measurementFromObservation, type ProviderObservation } from './Measurement';
import { toRfc3339 } from './Time';

const T0 = Date.UTC(2026, 0, 1, 12, 0, 0);
const at = (seconds: number): string => toRfc3339(T0 + seconds * 1000);

const metric = (successCondition?: string, failureCondition?: string): Metric => ({
  name: 'rate',
  provider: { prometheus: { address: 'http://prom', query: 'q' } },
  ...(successCondition !== undefined ? { successCondition } : {}),
  ...(failureCondition !== undefined ? { failureCondition } : {}),
});

describe('formatMeasurementValue', () => {
  it.each<[string, unknown, string]>([
    ['a string is kept', 'ok', 'ok'],
    ['an integer', 120, '120'],
    ['a float', 0.95, '0.95'],
    ['a tiny float without an exponent', 1e-7, '0.0000001'],
    ['a huge float without an exponent', 1.5e21, '1500000000000000000000'],
    ['NaN as Go prints it', Number.NaN, 'NaN'],
    ['+Inf as Go prints it', Number.POSITIVE_INFINITY, '+Inf'],
    ['-Inf as Go prints it', Number.NEGATIVE_INFINITY, '-Inf'],
    ['negative zero', -0, '-0'],
    ['a vector as Prometheus prints it', [0.99, 0.98], '[0.99,0.98]'],
    ['an empty vector', [], '[]'],
    ['a vector with NaN', [1, Number.NaN], '[1,NaN]'],
    ['an object as compact JSON', { ok: true, n: 1e-7, s: 'x' }, '{"ok":true,"n":0.0000001,"s":"x"}'],
    ['a boolean', true, 'true'],
    ['null', null, 'null'],
    ['undefined is no value', undefined, ''],
  ])('%s', (_name, value, expected) => {
    expect(formatMeasurementValue(value)).toBe(expected);
  });
});

describe('measurementFromObservation', () => {
  it.each<[string, Metric, unknown, Measurement['phase'], string]>([
    ['no conditions: Successful', metric(), 3, 'Successful', '3'],
    ['success condition holds', metric('result[0] >= 0.95'), [0.99], 'Successful', '[0.99]'],
    ['success condition does not hold: Failed', metric('result[0] >= 0.95'), [0.9], 'Failed', '[0.9]'],
    ['failure condition holds: Failed', metric(undefined, 'result > 0.05'), 0.1, 'Failed', '0.1'],
    ['failure condition does not hold: Successful', metric(undefined, 'result > 0.05'), 0.01, 'Successful', '0.01'],
    ['both set, neither holds: Inconclusive', metric('result >= 0.95', 'result < 0.5'), 0.7, 'Inconclusive', '0.7'],
    ['both set, failure wins', metric('result >= 0.5', 'result >= 0.5'), 0.7, 'Failed', '0.7'],
    ['empty strings count as no condition', metric('', ''), 'anything', 'Successful', 'anything'],
    ['an Argo helper: isNaN', metric('!isNaN(result)'), Number.NaN, 'Failed', 'NaN'],
  ])('Value, %s', (_name, m, value, phase, text) => {
    expect(measurementFromObservation({ _tag: 'Value', value }, m, T0 + 1500)).toEqual({ phase, value: text, startedAt: at(1), finishedAt: at(1) });
  });

  it('a condition that cannot be evaluated makes an Error measurement with the message and no value', () => {
    const r = measurementFromObservation({ _tag: 'Value', value: 'not a list' }, metric('result[0] >= 0.95'), T0);
    expect(r.phase).toBe('Error');
    expect(r.value).toBeUndefined();
    expect(r.message).toMatch(/ at position \d+$/);
    expect(r.finishedAt).toBe(at(0));
  });

  it('a condition that is not boolean is an Error', () => {
    const r = measurementFromObservation({ _tag: 'Value', value: 1 }, metric('result + 1'), T0);
    expect(r).toMatchObject({ phase: 'Error', message: expect.stringContaining('condition must evaluate to a boolean') });
  });

  it('keeps the provider metadata', () => {
    expect(measurementFromObservation({ _tag: 'Value', value: 1, metadata: { query: 'q' } }, metric(), T0)).toEqual({
      phase: 'Successful',
      value: '1',
      startedAt: at(0),
      finishedAt: at(0),
      metadata: { query: 'q' },
    });
  });

  it.each<[string, ProviderObservation, Measurement]>([
    [
      'a Verdict keeps the provider’s phase, value and message, ignoring conditions',
      { _tag: 'Verdict', phase: 'Failed', value: 12, message: 'job failed', metadata: { 'job-name': 'j-1' } },
      { phase: 'Failed', value: '12', message: 'job failed', startedAt: at(0), finishedAt: at(0), metadata: { 'job-name': 'j-1' } },
    ],
    ['a Verdict without value or message', { _tag: 'Verdict', phase: 'Inconclusive' }, { phase: 'Inconclusive', startedAt: at(0), finishedAt: at(0) }],
    ['Pending is a Running measurement without finishedAt', { _tag: 'Pending', resumeAt: T0 + 30_000 }, { phase: 'Running', startedAt: at(0), resumeAt: at(30) }],
    ['Pending without resumeAt', { _tag: 'Pending' }, { phase: 'Running', startedAt: at(0) }],
    ['a provider error', { _tag: 'ProviderError', message: 'dial tcp: connection refused' }, { phase: 'Error', message: 'dial tcp: connection refused', startedAt: at(0), finishedAt: at(0) }],
  ])('%s', (_name, obs, expected) => {
    // The conditions would fail the value: a verdict must not consult them.
    expect(measurementFromObservation(obs, metric('result > 100'), T0)).toEqual(expected);
  });

  describe('resuming an in-flight measurement', () => {
    const inFlight: Measurement = { phase: 'Running', startedAt: at(0), resumeAt: at(10), metadata: { 'job-name': 'j-1' } };

    it.each<[string, ProviderObservation, Measurement]>([
      ['still pending: new resumeAt, start kept', { _tag: 'Pending', resumeAt: T0 + 40_000 }, { phase: 'Running', startedAt: at(0), resumeAt: at(40), metadata: { 'job-name': 'j-1' } }],
      [
        'finished: start kept, resumeAt dropped, metadata merged',
        { _tag: 'Verdict', phase: 'Successful', metadata: { pod: 'p-1' } },
        { phase: 'Successful', startedAt: at(0), finishedAt: at(30), metadata: { 'job-name': 'j-1', pod: 'p-1' } },
      ],
      ['a value judged by the conditions', { _tag: 'Value', value: 0.5 }, { phase: 'Failed', value: '0.5', startedAt: at(0), finishedAt: at(30), metadata: { 'job-name': 'j-1' } }],
      [
        'a provider error keeps what the measurement had',
        { _tag: 'ProviderError', message: 'job not found' },
        { phase: 'Error', message: 'job not found', startedAt: at(0), finishedAt: at(30), resumeAt: at(10), metadata: { 'job-name': 'j-1' } },
      ],
    ])('%s', (_name, obs, expected) => {
      expect(measurementFromObservation(obs, metric('result > 0.9'), T0 + 30_000, inFlight)).toEqual(expected);
    });
  });
});
