import type { Measurement, Metric } from '@rollouts/api';
import { secretScreen } from './AnalysisArgs';
import {
  MAX_COUNTED_VALUE_BYTES,
  MAX_MEASUREMENT_MESSAGE_BYTES,
  MAX_MEASUREMENT_METADATA_ENTRIES,
  MAX_MEASUREMENT_METADATA_VALUE_BYTES,
  MAX_MEASUREMENT_VALUE_BYTES,
  capText,
  formatMeasurementValue,
  measurementFromObservation,
  utf8Head,
  utf8Length,
  type ProviderObservation,
} from './Measurement';
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
    ['Pending far beyond the year 9999: resumeAt at the last writable second', { _tag: 'Pending', resumeAt: 1e20 }, { phase: 'Running', startedAt: at(0), resumeAt: '9999-12-31T23:59:59Z' }],
    ['Pending with a resumeAt that is no time: none', { _tag: 'Pending', resumeAt: Number.NaN }, { phase: 'Running', startedAt: at(0) }],
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

/** An array nested `depth` levels deep around `inner`, built without recursion. */
const nested = (depth: number, inner: unknown = 1): unknown => {
  let v: unknown = inner;
  for (let i = 0; i < depth; i++) v = [v];
  return v;
};

describe('size limits (issue #15: a large or deep measurement never blocks a run)', () => {
  it('utf8Length and utf8Head count UTF-8 bytes and never split a character', () => {
    expect(utf8Length('aé€😀')).toBe(1 + 2 + 3 + 4);
    expect(utf8Head('aé€😀', 9)).toBe('aé€');
    expect(utf8Head('aé€😀', 10)).toBe('aé€😀');
    expect(utf8Head('😀😀', 5)).toBe('😀');
  });

  it('capText keeps short text and cuts long text to its head with a note of what was dropped, within the limit', () => {
    expect(capText('short', 10, 'value')).toBe('short');
    const cut = capText('x'.repeat(1000), 100, 'value');
    expect(utf8Length(cut)).toBeLessThanOrEqual(100);
    expect(cut).toMatch(/^x+…\[value truncated: \d+ more bytes\]$/);
    const kept = cut.indexOf('…');
    expect(cut).toContain(`${1000 - kept} more bytes`);
  });

  it.each<[string, unknown, number]>([
    ['a 1 MB string', 'y'.repeat(1024 * 1024), 1024 * 1024],
    ['a 5 MB JSON document', { items: Array.from({ length: 50_000 }, (_, i) => ({ id: i, name: `item-${i}`, pad: 'z'.repeat(80) })) }, -1],
  ])('%s is stored as its head, with the number of bytes dropped', (_name, value, size) => {
    const text = formatMeasurementValue(value);
    expect(utf8Length(text)).toBeLessThanOrEqual(MAX_MEASUREMENT_VALUE_BYTES);
    const dropped = Number(/…\[value truncated: (\d+) more bytes\]$/.exec(text)?.[1]);
    const total = size >= 0 ? size : utf8Length(JSON.stringify(value));
    expect(dropped + utf8Length(text.slice(0, text.indexOf('…[')))).toBe(total);
  });

  it('a value nested 200,000 levels deep is printed without recursion (and cut)', () => {
    const text = formatMeasurementValue(nested(200_000));
    expect(text.startsWith('[[[[')).toBe(true);
    expect(text).toMatch(/…\[value truncated: 39\d{4} more bytes\]$/);
  });

  it('a cycle is printed as <cycle>; a value larger than MAX_COUNTED_VALUE_BYTES is counted only that far', () => {
    const cyclic: unknown[] = ['abc'];
    cyclic.push(cyclic);
    expect(formatMeasurementValue(cyclic)).toBe('["abc","<cycle>"]');
    const megabyte = Array.from({ length: 1024 }, () => 'm'.repeat(1024));
    const shared = Array.from({ length: 20 }, () => megabyte); // 20 MiB when printed
    expect(formatMeasurementValue(shared)).toMatch(/…\[value truncated: more than \d+ more bytes\]$/);
    expect(MAX_COUNTED_VALUE_BYTES).toBe(16 * 1024 * 1024);
  });

  it('a large value is judged whole by the conditions, and stored capped', () => {
    const body = { ok: true, pad: 'p'.repeat(2 * 1024 * 1024) };
    const r = measurementFromObservation({ _tag: 'Value', value: body }, metric('result.ok == true && len(result.pad) > 1000000'), T0);
    expect(r.phase).toBe('Successful');
    expect(utf8Length(r.value ?? '')).toBeLessThanOrEqual(MAX_MEASUREMENT_VALUE_BYTES);
    expect(r.value).toMatch(/^\{"ok":true,"pad":"ppp/);
  });

  it('a deep value under a condition is an Error measurement with a clear message, not a stack overflow', () => {
    const r = measurementFromObservation({ _tag: 'Value', value: nested(200_000) }, metric('string(result) != ""'), T0);
    expect(r).toMatchObject({ phase: 'Error', message: expect.stringContaining('value nests deeper than 256 levels') });
    expect(r.value).toBeUndefined();
  });

  it('messages and metadata are capped', () => {
    const long = 'e'.repeat(100_000);
    const metadata = Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`k${i}`, long]));
    const r = measurementFromObservation({ _tag: 'ProviderError', message: long, metadata }, metric(), T0);
    expect(utf8Length(r.message ?? '')).toBeLessThanOrEqual(MAX_MEASUREMENT_MESSAGE_BYTES);
    expect(r.message).toMatch(/…\[message truncated: \d+ more bytes\]$/);
    expect(Object.keys(r.metadata ?? {})).toHaveLength(MAX_MEASUREMENT_METADATA_ENTRIES);
    for (const v of Object.values(r.metadata ?? {})) expect(utf8Length(v)).toBeLessThanOrEqual(MAX_MEASUREMENT_METADATA_VALUE_BYTES);
  });
});

describe('secret arguments in measurements (issue #15)', () => {
  const token = 'S3CR3T-TOKEN-q7Zx9';
  const secrets = secretScreen([{ name: 'token', value: token }]);

  it('a condition error quoting part of a secret names the argument instead', () => {
    // The metric as the provider got it: the secret substituted, unquoted, into the condition.
    const r = measurementFromObservation({ _tag: 'Value', value: 'x' }, metric(`result == ${token}`), T0, undefined, { secrets });
    expect(r.phase).toBe('Error');
    expect(r.message).toBe(
      'successCondition could not be evaluated: it uses the secret argument "token"; the error message is withheld to keep the secret out of status',
    );
  });

  it('a failureCondition is named as such', () => {
    const r = measurementFromObservation({ _tag: 'Value', value: 1 }, metric(undefined, `result == ${token}`), T0, undefined, { secrets });
    expect(r.message).toMatch(/^failureCondition could not be evaluated: it uses the secret argument "token"/);
  });

  it('a provider message quoting part of a secret is withheld; the whole secret is redacted', () => {
    const part = measurementFromObservation({ _tag: 'ProviderError', message: 'bad header S3CR3T-TOK' }, metric(), T0, undefined, { secrets });
    expect(part.message).toBe('the metric provider\'s message is withheld: it contains part of the secret argument "token", which must stay out of status');
    const whole = measurementFromObservation({ _tag: 'ProviderError', message: `GET /?t=${token}: 401` }, metric(), T0, undefined, { secrets });
    expect(whole.message).toBe('GET /?t=*****: 401');
  });

  it('a value or metadata showing a secret is withheld', () => {
    const r = measurementFromObservation({ _tag: 'Value', value: { echo: token.slice(0, 8) }, metadata: { query: `q?t=${token.slice(2)}` } }, metric(), T0, undefined, { secrets });
    expect(r.value).toBe('(withheld: the value contains part of the secret argument "token")');
    expect(r.metadata).toEqual({ query: '(withheld: the value contains part of the secret argument "token")' });
  });
});
