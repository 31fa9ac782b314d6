import type { AnalysisRun, AnalysisRunSpec, AnalysisRunStatus, Measurement, Metric, MetricResult } from '@rollouts/api';
import type { AnalysisIntent, MeasurementIntent, MeasurementReport } from './AnalysisIntent';
import {
  DEFAULT_CONSECUTIVE_ERROR_LIMIT,
  DEFAULT_ERROR_RETRY_INTERVAL_MS,
  DEFAULT_MEASUREMENT_HISTORY_LIMIT,
  MAX_RUN_MESSAGE_BYTES,
  analysisRunStatusRefused,
  assessMetricLimits,
  assessMetricPhase,
  effectiveCount,
  phaseWorse,
  reconcileAnalysisRun,
  runTerminating,
  ttlSecondsFor,
  type AnalysisRunReconcileResult,
} from './AnalysisRunReconcile';
import type { ProviderObservation } from './Measurement';
import { toRfc3339 } from './Time';

// ---------------------------------------------------------------------------------------------------------
// Fixtures

const T0 = Date.UTC(2026, 0, 1, 12, 0, 0);
const S = 1000;
const at = (seconds: number): string => toRfc3339(T0 + seconds * S);

/** A metric with a job provider (it judges by itself, so these tests need no condition language). */
const metric = (name: string, extra: Partial<Metric> = {}): Metric => ({
  name,
  provider: { job: { spec: { template: { spec: { containers: [{ name: 'c', image: 'check:1' }], restartPolicy: 'Never' } } } } },
  ...extra,
});

const run = (metrics: Metric[], spec: Partial<AnalysisRunSpec> = {}, status?: AnalysisRunStatus): AnalysisRun => ({
  apiVersion: 'argoproj.io/v1alpha1',
  kind: 'AnalysisRun',
  metadata: { name: 'shop-abc-2-1', namespace: 'prod' },
  spec: { metrics, ...spec },
  ...(status !== undefined ? { status } : {}),
});

type Phase = 'Successful' | 'Failed' | 'Inconclusive' | 'Error' | 'Running';

/** A finished measurement (started and finished at `t` seconds after T0), or an in-flight one for Running. */
const m = (phase: Phase, t = 0, extra: Partial<Measurement> = {}): Measurement =>
  phase === 'Running' ? { phase, startedAt: at(t), ...extra } : { phase, startedAt: at(t), finishedAt: at(t), ...extra };

/** A metric result with the counters its measurements imply (as bookkeeping would have left them). */
function result(name: string, phases: Phase[], extra: Partial<MetricResult> = {}): MetricResult {
  let count = 0;
  let successful = 0;
  let failed = 0;
  let inconclusive = 0;
  let error = 0;
  let consecutiveError = 0;
  let consecutiveSuccess = 0;
  for (const p of phases) {
    if (p === 'Successful') (successful++, count++, (consecutiveError = 0), consecutiveSuccess++);
    if (p === 'Failed') (failed++, count++, (consecutiveError = 0), (consecutiveSuccess = 0));
    if (p === 'Inconclusive') (inconclusive++, count++, (consecutiveError = 0), (consecutiveSuccess = 0));
    if (p === 'Error') (error++, consecutiveError++, (consecutiveSuccess = 0));
  }
  const r: Record<string, unknown> = { name, phase: 'Running', measurements: phases.map((p, i) => m(p, i * 60)) };
  const counters = { count, successful, failed, inconclusive, error, consecutiveError, consecutiveSuccess };
  for (const [k, v] of Object.entries(counters)) if (v !== 0) r[k] = v;
  return { ...(r as unknown as MetricResult), ...extra };
}

const running = (results: MetricResult[], extra: Partial<AnalysisRunStatus> = {}): AnalysisRunStatus => ({ phase: 'Running', startedAt: at(0), metricResults: results, ...extra });

const tags = (r: AnalysisRunReconcileResult): string[] => r.intents.map((i) => (i._tag === 'TakeMeasurement' || i._tag === 'ResumeMeasurement' || i._tag === 'TerminateMeasurement' ? `${i._tag}:${i.metricName}` : i._tag));
const measurementIntents = (r: AnalysisRunReconcileResult): MeasurementIntent[] =>
  r.intents.filter((i): i is MeasurementIntent => i._tag === 'TakeMeasurement' || i._tag === 'ResumeMeasurement' || i._tag === 'TerminateMeasurement');
const events = (r: AnalysisRunReconcileResult): string[] => r.intents.flatMap((i) => (i._tag === 'RecordEvent' ? [`${i.type} ${i.eventReason}: ${i.message}`] : []));
const resultOf = (r: AnalysisRunReconcileResult, name: string): MetricResult | undefined => r.status.metricResults?.find((x) => x.name === name);

/** Answer every measurement intent with `answer`, reconcile again with the reports; repeat while intents come. */
function drive(
  ar: AnalysisRun,
  now: number,
  answer: (i: MeasurementIntent) => ProviderObservation,
  secrets?: Record<string, Record<string, string>>,
): { run: AnalysisRun; result: AnalysisRunReconcileResult; all: AnalysisIntent[] } {
  let current = ar;
  let r = reconcileAnalysisRun({ run: current, now, ...(secrets ? { secrets } : {}) });
  const all: AnalysisIntent[] = [...r.intents];
  for (let round = 0; round < 10; round++) {
    current = { ...current, status: r.status };
    const asked = measurementIntents(r);
    if (asked.length === 0) return { run: current, result: r, all };
    const reports: MeasurementReport[] = asked.map((intent) => ({ intent, observation: answer(intent) }));
    r = reconcileAnalysisRun({ run: current, now, reports, ...(secrets ? { secrets } : {}) });
    all.push(...r.intents);
  }
  throw new Error('measurement intents kept coming');
}

const verdict = (phase: 'Successful' | 'Failed' | 'Inconclusive', message?: string): ProviderObservation => ({ _tag: 'Verdict', phase, ...(message ? { message } : {}) });

// ---------------------------------------------------------------------------------------------------------
// Pure rules

describe('effectiveCount', () => {
  it.each<[string, Partial<Metric>, number | undefined]>([
    ['no count, no interval: one measurement', {}, 1],
    ['count 0, no interval: one measurement', { count: 0 }, 1],
    ['no count with an interval: unbounded', { interval: '1m' }, undefined],
    ['count 0 with an interval: unbounded', { count: 0, interval: '1m' }, undefined],
    ['an explicit count', { count: 5, interval: '1m' }, 5],
    ['a count as a string of digits', { count: '3', interval: '1m' }, 3],
    ['a non-numeric string reads as 0 (unbounded with an interval)', { count: 'many', interval: '1m' }, undefined],
    ['a negative count is finite', { count: -1 }, -1],
  ])('%s', (_name, extra, expected) => {
    expect(effectiveCount(metric('x', extra))).toBe(expected);
  });
});

describe('assessMetricLimits', () => {
  it.each<[string, Partial<Metric>, Phase[], ReturnType<typeof assessMetricLimits>]>([
    ['nothing exceeded', { failureLimit: 1 }, ['Failed', 'Successful'], undefined],
    ['failed > failureLimit', { failureLimit: 1 }, ['Failed', 'Failed'], { phase: 'Failed', message: 'failed (2) > failureLimit (1)' }],
    ['failureLimit defaults to 0', {}, ['Failed'], { phase: 'Failed', message: 'failed (1) > failureLimit (0)' }],
    ['failureLimit -1 never fails', { failureLimit: -1, consecutiveSuccessLimit: 1 }, ['Failed', 'Failed', 'Failed'], undefined],
    ['inconclusive > inconclusiveLimit', {}, ['Inconclusive'], { phase: 'Inconclusive', message: 'inconclusive (1) > inconclusiveLimit (0)' }],
    ['consecutiveErrors > default limit 4', {}, ['Error', 'Error', 'Error', 'Error', 'Error'], { phase: 'Error', message: 'consecutiveErrors (5) > consecutiveErrorLimit (4)' }],
    ['4 consecutive errors are tolerated', {}, ['Error', 'Error', 'Error', 'Error'], undefined],
    ['consecutiveErrorLimit 0: the first error', { consecutiveErrorLimit: 0 }, ['Error'], { phase: 'Error', message: 'consecutiveErrors (1) > consecutiveErrorLimit (0)' }],
    ['a success resets consecutive errors', { consecutiveErrorLimit: 1 }, ['Error', 'Successful', 'Error'], undefined],
    [
      'a later rule overrides an earlier one (Error over Failed)',
      { consecutiveErrorLimit: 0 },
      ['Failed', 'Error'],
      { phase: 'Error', message: 'consecutiveErrors (1) > consecutiveErrorLimit (0)' },
    ],
    ['Inconclusive overrides Failed', { inconclusiveLimit: 0 }, ['Failed', 'Inconclusive'], { phase: 'Inconclusive', message: 'inconclusive (1) > inconclusiveLimit (0)' }],
    ['limits given as strings', { failureLimit: '2' }, ['Failed', 'Failed', 'Failed'], { phase: 'Failed', message: 'failed (3) > failureLimit (2)' }],
  ])('%s', (_name, extra, phases, expected) => {
    expect(assessMetricLimits(metric('x', extra), result('x', phases))).toEqual(expected);
  });
});

describe('assessMetricPhase (§1.9 metric phase decision)', () => {
  it.each<[string, Partial<Metric>, MetricResult, boolean, string]>([
    ['1. an already completed metric keeps its phase', {}, { ...result('x', ['Successful']), phase: 'Failed' }, false, 'Failed'],
    ['2. no measurements: Pending', {}, { name: 'x', phase: 'Running' }, false, 'Pending'],
    ['2. no measurements while terminating: Successful', {}, { name: 'x', phase: 'Running' }, true, 'Successful'],
    ['3. last measurement in flight: Running', {}, result('x', ['Failed', 'Running']), false, 'Running'],
    ['3. in flight wins over exceeded limits', {}, result('x', ['Failed', 'Failed', 'Running']), true, 'Running'],
    ['4. failed > failureLimit: Failed', { count: 5, interval: '1m', failureLimit: 1 }, result('x', ['Failed', 'Failed']), false, 'Failed'],
    ['4. inconclusive > limit: Inconclusive', { count: 5, interval: '1m' }, result('x', ['Inconclusive']), false, 'Inconclusive'],
    ['4. consecutive errors > limit: Error', { count: 5, interval: '1m' }, result('x', ['Error', 'Error', 'Error', 'Error', 'Error']), false, 'Error'],
    ['4. limits win over a reached count', { count: 1 }, result('x', ['Failed']), false, 'Failed'],
    ['5. consecutiveSuccessLimit reached before count: Successful', { count: 5, interval: '1m', consecutiveSuccessLimit: 2 }, result('x', ['Successful', 'Successful']), false, 'Successful'],
    ['5. consecutive successes after a failure, failureLimit 1', { count: 5, interval: '1m', failureLimit: 1, consecutiveSuccessLimit: 2 }, result('x', ['Failed', 'Successful', 'Successful']), false, 'Successful'],
    ['5. with failureLimit -1', { count: 5, interval: '1m', failureLimit: -1, consecutiveSuccessLimit: 2 }, result('x', ['Failed', 'Failed', 'Successful', 'Successful']), false, 'Successful'],
    ['5. not yet reached and count not reached: Running', { count: 5, interval: '1m', consecutiveSuccessLimit: 3 }, result('x', ['Successful', 'Successful']), false, 'Running'],
    ['6. count reached: Successful', { count: 3, interval: '1m', failureLimit: 1 }, result('x', ['Successful', 'Failed', 'Successful']), false, 'Successful'],
    [
      '6. count reached, both limits apply, consecutiveSuccessLimit missed: Inconclusive',
      { count: 4, interval: '1m', failureLimit: 1, consecutiveSuccessLimit: 3 },
      result('x', ['Successful', 'Successful', 'Failed', 'Successful']),
      false,
      'Inconclusive',
    ],
    [
      '6. failureLimit unset counts as applicable (Inconclusive)',
      { count: 2, interval: '1m', consecutiveSuccessLimit: 2, inconclusiveLimit: 2 },
      result('x', ['Inconclusive', 'Successful']),
      false,
      'Inconclusive',
    ],
    [
      '6. count reached, only consecutiveSuccessLimit applies (failureLimit -1): Failed',
      { count: 3, interval: '1m', failureLimit: -1, consecutiveSuccessLimit: 2 },
      result('x', ['Successful', 'Failed', 'Successful']),
      false,
      'Failed',
    ],
    ['6. errors never count toward count', { count: 2, interval: '1m' }, result('x', ['Successful', 'Error', 'Error']), false, 'Running'],
    ['6. a negative count is reached at once', { count: -1, interval: '1m' }, result('x', ['Successful']), false, 'Successful'],
    ['7. unbounded metric: Running', { interval: '1m' }, result('x', ['Successful', 'Successful']), false, 'Running'],
    ['7. unbounded metric while terminating: Successful', { interval: '1m', failureLimit: 3 }, result('x', ['Successful', 'Failed']), true, 'Successful'],
  ])('%s', (_name, extra, res, terminating, expected) => {
    expect(assessMetricPhase(metric('x', extra), res, terminating)).toBe(expected);
  });
});

describe('phase order and terminating', () => {
  it('orders completed phases Successful < Inconclusive < Error < Failed', () => {
    expect(phaseWorse('Successful', 'Inconclusive')).toBe(true);
    expect(phaseWorse('Inconclusive', 'Error')).toBe(true);
    expect(phaseWorse('Error', 'Failed')).toBe(true);
    expect(phaseWorse('Failed', 'Error')).toBe(false);
    expect(phaseWorse('Successful', 'Successful')).toBe(false);
  });

  it.each<[string, boolean, MetricResult[], boolean]>([
    ['spec.terminate', true, [], true],
    ['a Failed metric', false, [{ name: 'a', phase: 'Failed' }], true],
    ['an Error metric', false, [{ name: 'a', phase: 'Error' }], true],
    ['an Inconclusive metric', false, [{ name: 'a', phase: 'Inconclusive' }], true],
    ['a Failed dry-run metric does not terminate', false, [{ name: 'a', phase: 'Failed', dryRun: true }], false],
    ['a Failed metric after a Failed dry-run one', false, [{ name: 'a', phase: 'Failed', dryRun: true }, { name: 'b', phase: 'Failed' }], true],
    ['Successful and Running metrics', false, [{ name: 'a', phase: 'Successful' }, { name: 'b', phase: 'Running' }], false],
  ])('%s', (_name, terminate, results, expected) => {
    expect(runTerminating(run([], { terminate }), results)).toBe(expected);
  });

  it('defaults: history 10, consecutive errors 4, error retry 10 s', () => {
    expect([DEFAULT_MEASUREMENT_HISTORY_LIMIT, DEFAULT_CONSECUTIVE_ERROR_LIMIT, DEFAULT_ERROR_RETRY_INTERVAL_MS]).toEqual([10, 4, 10_000]);
  });
});

// ---------------------------------------------------------------------------------------------------------
// Reconcile errors (§7.3)

describe('reconcileAnalysisRun: spec errors (AR1–AR6)', () => {
  it.each<[string, AnalysisRun, string]>([
    ['AR1 an unknown tag', run([metric('a', { successCondition: 'result > {{args.min}}' })]), 'Unable to resolve metric arguments: failed to resolve {{args.min}}'],
    ['AR1 an arg without a value', run([metric('a')], { args: [{ name: 'svc' }] }), 'Unable to resolve metric arguments: argument "svc" was not supplied'],
    [
      'AR1 an arg from a fieldRef was never resolved',
      run([metric('a')], { args: [{ name: 'svc', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }] }),
      'Unable to resolve metric arguments: argument "svc" was not supplied',
    ],
    ['AR2 no metrics', run([]), 'Analysis spec invalid: no metrics specified'],
    [
      'N1 a count beyond 32 bits (read leniently), at its path, before anything else',
      run([metric('a', { count: 3e9, interval: '1s' })]),
      'Analysis spec invalid: spec.metrics[0].count: Invalid value: 3000000000: must be a 32-bit integer (from -2147483648 to 2147483647) or a string',
    ],
    ['N2 a negative TTL', run([metric('a')], { ttlStrategy: { secondsAfterSuccess: -5 } }), 'Analysis spec invalid: spec.ttlStrategy.secondsAfterSuccess: Invalid value: -5: must be greater than or equal to 0'],
    ['AR3 duplicate names', run([metric('a'), metric('b'), metric('a')]), "Analysis spec invalid: metrics[2]: duplicate name 'a'"],
    ['AR4 interval missing with count > 1', run([metric('a'), metric('b', { count: 3 })]), 'Analysis spec invalid: metrics[1]: interval must be specified when count > 1'],
    [
      'AR4 count below failureLimit + consecutiveSuccessLimit',
      run([metric('a', { count: 2, interval: '1m', failureLimit: 1, consecutiveSuccessLimit: 2 })]),
      'Analysis spec invalid: metrics[0]: count (2) must be >= failureLimit + consecutiveSuccessLimit (1 + 2) if both >= 0',
    ],
    ['AR4 both limits disabled', run([metric('a', { failureLimit: -1 })]), 'Analysis spec invalid: metrics[0]: failureLimit and consecutiveSuccessLimit cannot both be disabled'],
    ['AR4 bad interval', run([metric('a', { interval: '5' })]), 'Analysis spec invalid: metrics[0]: invalid interval string: time: missing unit in duration "5"'],
    ['AR4 bad initialDelay is reported as startDelay', run([metric('a', { initialDelay: '1d' })]), 'Analysis spec invalid: metrics[0]: invalid startDelay string: time: unknown unit "d" in duration "1d"'],
    ['AR4 no provider', run([{ name: 'a', provider: {} }]), 'Analysis spec invalid: metrics[0]: no provider specified'],
    [
      'AR4 after resolution: a templated count',
      run([metric('a', { count: '{{args.n}}' })], { args: [{ name: 'n', value: '3' }] }),
      'Analysis spec invalid: metrics[0]: interval must be specified when count > 1',
    ],
    ['AR5 a dryRun rule that matches nothing', run([metric('a')], { dryRun: [{ metricName: 'a' }, { metricName: 'zzz' }] }), "Analysis spec invalid: dryRun[1]: Rule didn't match any metric name(s)"],
    [
      'AR5 a bare * is an invalid regexp and matches nothing, and the message says why',
      run([metric('a')], { dryRun: [{ metricName: '*' }] }),
      "Analysis spec invalid: dryRun[0]: Rule didn't match any metric name(s): error parsing regexp: missing argument to repetition operator: `*`",
    ],
    [
      'AR6 a retention rule that matches nothing',
      run([metric('a')], { measurementRetention: [{ metricName: 'b', limit: 2 }] }),
      "Analysis spec invalid: measurementRetention[0]: Rule didn't match any metric name(s)",
    ],
    [
      'a secret that does not exist',
      run([metric('a')], { args: [{ name: 'key', valueFrom: { secretKeyRef: { name: 'creds', key: 'k' } } }] }),
      'Unable to resolve metric arguments: secrets "creds" not found',
    ],
  ])('%s', (_name, ar, message) => {
    const r = reconcileAnalysisRun({ run: ar, now: T0 });
    expect(r.status.phase).toBe('Error');
    expect(r.status.message).toBe(message);
    expect(r.status.completedAt).toBe(at(0));
    expect(measurementIntents(r)).toEqual([]);
    expect(events(r)).toEqual(['Warning AnalysisRunError: Analysis Completed. Result: Error']);
    expect(r.intents[r.intents.length - 1]?._tag).toBe('UpdateStatus');
  });

  it('AR checks run in order: resolution before validation', () => {
    const r = reconcileAnalysisRun({ run: run([metric('a', { interval: 'bad', successCondition: '{{args.x}}' })]), now: T0 });
    expect(r.status.message).toBe('Unable to resolve metric arguments: failed to resolve {{args.x}}');
  });

  it('a secret arg validates with a placeholder, so an interval from a secret is checked but never shown', () => {
    const r = reconcileAnalysisRun({
      run: run([metric('a', { interval: '{{args.key}}' })], { args: [{ name: 'key', valueFrom: { secretKeyRef: { name: 'creds', key: 'k' } } }] }),
      now: T0,
      secrets: { creds: { k: 'hunter2' } },
    });
    expect(r.status.message).toBe('Analysis spec invalid: metrics[0]: invalid interval string: time: invalid duration "temp-for-secret"');
  });
});

// ---------------------------------------------------------------------------------------------------------
// Scheduling

describe('reconcileAnalysisRun: scheduling', () => {
  it.each<[string, AnalysisRun, number, string[], number | undefined]>([
    ['a new run takes the first measurement of every metric', run([metric('a'), metric('b', { interval: '1m' })]), 0, ['TakeMeasurement:a', 'TakeMeasurement:b'], undefined],
    ['initialDelay: nothing before startedAt is set; come back after the delay', run([metric('a', { initialDelay: '30s' })]), 0, [], 30 * S],
    ['initialDelay not yet passed', run([metric('a', { initialDelay: '30s' })], {}, running([])), 29, [], 1 * S],
    ['initialDelay passed exactly', run([metric('a', { initialDelay: '30s' })], {}, running([])), 30, ['TakeMeasurement:a'], undefined],
    [
      'interval not yet passed after the last measurement',
      run([metric('a', { interval: '1m', count: 3 })], {}, running([result('a', ['Successful'])])),
      60,
      [],
      0,
    ],
    ['interval passed', run([metric('a', { interval: '1m', count: 3 })], {}, running([result('a', ['Successful'])])), 61, ['TakeMeasurement:a'], undefined],
    ['count reached: nothing more', run([metric('a', { interval: '1m', count: 2 })], {}, running([result('a', ['Successful', 'Successful'], { phase: 'Successful' })])), 500, [], undefined],
    [
      'after an Error the next try is 10 s later, whatever the interval',
      run([metric('a', { interval: '5m', count: 3 })], {}, running([result('a', ['Error'])])),
      11,
      ['TakeMeasurement:a'],
      undefined,
    ],
    ['10 s after an Error, not before', run([metric('a', { interval: '5m', count: 3 })], {}, running([result('a', ['Error'])])), 9, [], 1 * S],
    [
      'errors never count toward count: a count-1 metric retries after an error',
      run([metric('a')], {}, running([result('a', ['Error', 'Error'])])),
      60 + 11,
      ['TakeMeasurement:a'],
      undefined,
    ],
    [
      'an in-flight measurement is resumed once resumeAt passed',
      run([metric('a')], {}, running([{ name: 'a', phase: 'Running', measurements: [m('Running', 0, { resumeAt: at(10) })] }])),
      10,
      ['ResumeMeasurement:a'],
      undefined,
    ],
    [
      'an in-flight measurement waits for its resumeAt',
      run([metric('a')], {}, running([{ name: 'a', phase: 'Running', measurements: [m('Running', 0, { resumeAt: at(10) })] }])),
      5,
      [],
      5 * S,
    ],
    [
      'an in-flight measurement without resumeAt is resumed every reconcile',
      run([metric('a')], {}, running([{ name: 'a', phase: 'Running', measurements: [m('Running', 0)] }])),
      1,
      ['ResumeMeasurement:a'],
      undefined,
    ],
    [
      'terminate: in-flight measurements are terminated, nothing new is started',
      run([metric('a'), metric('b', { interval: '1m' })], { terminate: true }, running([{ name: 'a', phase: 'Running', measurements: [m('Running', 0)] }, result('b', ['Successful'])])),
      600,
      ['TerminateMeasurement:a'],
      0, // upstream's requeue ignores terminating: b's next interval is overdue
    ],
    [
      'terminate: an in-flight measurement whose resumeAt is still ahead is terminated too (not left running)',
      run([metric('a')], { terminate: true }, running([{ name: 'a', phase: 'Running', measurements: [m('Running', 0, { resumeAt: at(30) })] }])),
      5,
      ['TerminateMeasurement:a'],
      undefined,
    ],
    [
      'a completed metric is skipped while others go on',
      run([metric('a', { interval: '1m', count: 5 }), metric('b', { interval: '1m', count: 5 })], {}, running([result('a', ['Successful'], { phase: 'Successful' }), result('b', ['Successful'])])),
      61,
      ['TakeMeasurement:b'],
      undefined,
    ],
    [
      'the requeue is the earliest next measurement of all metrics',
      run([metric('a', { interval: '5m', count: 5 }), metric('b', { interval: '1m', count: 5 })], {}, running([result('a', ['Successful']), result('b', ['Successful'])])),
      10,
      [],
      50 * S,
    ],
  ])('%s', (_name, ar, seconds, expected, requeue) => {
    const r = reconcileAnalysisRun({ run: ar, now: T0 + seconds * S });
    expect(tags(r).filter((t) => t.includes('Measurement'))).toEqual(expected);
    expect(r.requeueAfterMs).toBe(requeue);
  });

  it('a failing metric stops new measurements of the others (the run is terminating)', () => {
    const ar = run(
      [metric('a', { interval: '1m' }), metric('b', { interval: '1m' })],
      {},
      running([result('a', ['Failed'], { phase: 'Failed' }), result('b', ['Successful'])]),
    );
    const r = reconcileAnalysisRun({ run: ar, now: T0 + 3600 * S });
    expect(measurementIntents(r)).toEqual([]);
    expect(r.status.phase).toBe('Failed');
    expect(resultOf(r, 'b')?.phase).toBe('Successful');
  });

  it('a dry-run failure does not stop the others', () => {
    const ar = run(
      [metric('a', { interval: '1m' }), metric('b', { interval: '1m' })],
      { dryRun: [{ metricName: 'a' }] },
      running([result('a', ['Failed'], { phase: 'Failed', dryRun: true }), result('b', ['Successful'])]),
    );
    const r = reconcileAnalysisRun({ run: ar, now: T0 + 3600 * S });
    expect(tags(r)).toEqual(['TakeMeasurement:b']);
  });

  it('hands the provider the metric with args and secret values substituted', () => {
    const ar = run([metric('a', { provider: { web: { url: 'https://api/{{args.svc}}?key={{args.key}}' } } })], {
      args: [
        { name: 'svc', value: 'shop' },
        { name: 'key', valueFrom: { secretKeyRef: { name: 'creds', key: 'api-key' } } },
      ],
    });
    const r = reconcileAnalysisRun({ run: ar, now: T0, secrets: { creds: { 'api-key': 's3cr3t' } } });
    const take = measurementIntents(r)[0];
    expect(take?.metric.provider.web?.url).toBe('https://api/shop?key=s3cr3t');
    expect(JSON.stringify(r.status)).not.toContain('s3cr3t');
    expect(r.intents.map((i) => i.reason).join('\n')).not.toContain('s3cr3t');
  });
});

// ---------------------------------------------------------------------------------------------------------
// Bookkeeping

describe('reconcileAnalysisRun: measurement bookkeeping', () => {
  const counters = (r: MetricResult | undefined) => ({
    count: r?.count ?? 0,
    successful: r?.successful ?? 0,
    failed: r?.failed ?? 0,
    inconclusive: r?.inconclusive ?? 0,
    error: r?.error ?? 0,
    consecutiveError: r?.consecutiveError ?? 0,
    consecutiveSuccess: r?.consecutiveSuccess ?? 0,
  });

  it.each<[string, Phase[], ProviderObservation, ReturnType<typeof counters>]>([
    ['Successful', [], verdict('Successful'), { count: 1, successful: 1, failed: 0, inconclusive: 0, error: 0, consecutiveError: 0, consecutiveSuccess: 1 }],
    ['Failed', ['Successful'], verdict('Failed'), { count: 2, successful: 1, failed: 1, inconclusive: 0, error: 0, consecutiveError: 0, consecutiveSuccess: 0 }],
    ['Inconclusive', ['Successful'], verdict('Inconclusive'), { count: 2, successful: 1, failed: 0, inconclusive: 1, error: 0, consecutiveError: 0, consecutiveSuccess: 0 }],
    ['Error does not count toward count', ['Successful'], { _tag: 'ProviderError', message: 'boom' }, { count: 1, successful: 1, failed: 0, inconclusive: 0, error: 1, consecutiveError: 1, consecutiveSuccess: 0 }],
    ['a second Error in a row', ['Error'], { _tag: 'ProviderError', message: 'boom' }, { count: 0, successful: 0, failed: 0, inconclusive: 0, error: 2, consecutiveError: 2, consecutiveSuccess: 0 }],
    ['a success after errors resets consecutiveError', ['Error', 'Error'], verdict('Successful'), { count: 1, successful: 1, failed: 0, inconclusive: 0, error: 2, consecutiveError: 0, consecutiveSuccess: 1 }],
    ['consecutive successes add up', ['Successful', 'Successful'], verdict('Successful'), { count: 3, successful: 3, failed: 0, inconclusive: 0, error: 0, consecutiveError: 0, consecutiveSuccess: 3 }],
    ['Pending counts nothing yet', ['Successful'], { _tag: 'Pending', resumeAt: T0 + 3600 * S }, { count: 1, successful: 1, failed: 0, inconclusive: 0, error: 0, consecutiveError: 0, consecutiveSuccess: 1 }],
  ])('%s', (_name, before, observation, expected) => {
    const mtr = metric('a', { interval: '1m', count: 10, failureLimit: 5, inconclusiveLimit: 5 });
    const ar = run([mtr], {}, running(before.length > 0 ? [result('a', before)] : []));
    const intent: MeasurementIntent = { _tag: 'TakeMeasurement', metricName: 'a', metric: mtr, reason: 'test' };
    const r = reconcileAnalysisRun({ run: ar, now: T0 + 3600 * S, reports: [{ intent, observation }] });
    expect(counters(resultOf(r, 'a'))).toEqual(expected);
    expect(resultOf(r, 'a')?.measurements).toHaveLength(before.length + 1);
  });

  it('a new metric result is Running, flagged dryRun when a rule selects it, and keeps the provider’s metadata', () => {
    const mtr = metric('a', { interval: '1m' });
    const ar = run([mtr], { dryRun: [{ metricName: '.*' }] });
    const intent: MeasurementIntent = { _tag: 'TakeMeasurement', metricName: 'a', metric: mtr, reason: 'test' };
    const r = reconcileAnalysisRun({ run: ar, now: T0, reports: [{ intent, observation: verdict('Successful'), metricMetadata: { job: 'j-1' } }] });
    expect(resultOf(r, 'a')).toEqual({
      name: 'a',
      phase: 'Running',
      dryRun: true,
      metadata: { job: 'j-1' },
      measurements: [{ phase: 'Successful', startedAt: at(0), finishedAt: at(0) }],
      count: 1,
      successful: 1,
      consecutiveSuccess: 1,
    });
  });

  it('a resumed measurement replaces the in-flight one and keeps its start', () => {
    const mtr = metric('a');
    const inFlight = m('Running', 0, { resumeAt: at(5), metadata: { job: 'j-1' } });
    const ar = run([mtr], {}, running([{ name: 'a', phase: 'Running', measurements: [inFlight] }]));
    const intent: MeasurementIntent = { _tag: 'ResumeMeasurement', metricName: 'a', metric: mtr, measurement: inFlight, reason: 'test' };
    const r = reconcileAnalysisRun({ run: ar, now: T0 + 20 * S, reports: [{ intent, observation: verdict('Successful') }] });
    expect(resultOf(r, 'a')?.measurements).toEqual([{ phase: 'Successful', startedAt: at(0), finishedAt: at(20), metadata: { job: 'j-1' } }]);
    expect(r.status.phase).toBe('Successful');
  });

  it.each<['Successful' | 'Inconclusive' | 'Failed', string | undefined]>([
    ['Successful', 'Metric Terminated'],
    ['Inconclusive', 'Metric Terminated'],
    ['Failed', 'job failed'],
  ])('a terminated measurement that ends %s has message %s', (phase, message) => {
    const mtr = metric('a', { interval: '1m' });
    const inFlight = m('Running', 0);
    const ar = run([mtr], { terminate: true }, running([{ name: 'a', phase: 'Running', measurements: [inFlight] }]));
    const intent: MeasurementIntent = { _tag: 'TerminateMeasurement', metricName: 'a', metric: mtr, measurement: inFlight, reason: 'test' };
    const r = reconcileAnalysisRun({ run: ar, now: T0 + 20 * S, reports: [{ intent, observation: verdict(phase, 'job failed') }] });
    expect(resultOf(r, 'a')?.measurements?.[0]?.message).toBe(message);
  });

  it('stale reports are ignored: a resume with nothing in flight, a report for an unknown metric', () => {
    const mtr = metric('a', { interval: '1m', count: 3 });
    const ar = run([mtr], {}, running([result('a', ['Successful'])]));
    const resume: MeasurementIntent = { _tag: 'ResumeMeasurement', metricName: 'a', metric: mtr, measurement: m('Running'), reason: 'test' };
    const unknown: MeasurementIntent = { _tag: 'TakeMeasurement', metricName: 'zzz', metric: metric('zzz'), reason: 'test' };
    const r = reconcileAnalysisRun({
      run: ar,
      now: T0 + 10 * S,
      reports: [
        { intent: resume, observation: verdict('Failed') },
        { intent: unknown, observation: verdict('Failed') },
      ],
    });
    expect(r.status.metricResults).toEqual([result('a', ['Successful'])]);
  });

  it('redacts secret values from measurement, metric and run messages', () => {
    const mtr = metric('a', { provider: { web: { url: 'https://api?key={{args.key}}' } } });
    const ar = run([mtr], { args: [{ name: 'key', valueFrom: { secretKeyRef: { name: 'creds', key: 'k' } } }] });
    const secrets = { creds: { k: 'hunter2' } };
    const { result: r } = drive(ar, T0, () => ({ _tag: 'ProviderError', message: 'GET https://api?key=hunter2: 401 Unauthorized' }), secrets);
    expect(resultOf(r, 'a')?.measurements?.[0]?.message).toBe('GET https://api?key=*****: 401 Unauthorized');
    expect(JSON.stringify(r.status)).not.toContain('hunter2');
  });
});

// ---------------------------------------------------------------------------------------------------------
// Run phase

describe('reconcileAnalysisRun: run phase decision', () => {
  it.each<[string, AnalysisRun, string, string | undefined]>([
    ['all metrics Successful', run([metric('a'), metric('b')], {}, running([result('a', ['Successful']), result('b', ['Successful'])])), 'Successful', undefined],
    ['one metric still Running', run([metric('a'), metric('b', { interval: '1m' })], {}, running([result('a', ['Successful']), result('b', ['Successful'])])), 'Running', undefined],
    ['a metric not started yet (initialDelay)', run([metric('a'), metric('b', { initialDelay: '1h' })], {}, running([result('a', ['Successful'])])), 'Running', undefined],
    [
      'worst of Failed and Successful is Failed, with the limit in the message',
      run([metric('error-rate', { failureLimit: 1, count: 2, interval: '1m' }), metric('b')], {}, running([result('error-rate', ['Failed', 'Failed']), result('b', ['Successful'])])),
      'Failed',
      'Metric "error-rate" assessed Failed due to failed (2) > failureLimit (1)',
    ],
    [
      'the last measurement’s message is appended',
      run([metric('a', { count: 5, interval: '1m' })], {}, running([{ ...result('a', ['Error', 'Error', 'Error', 'Error', 'Error']), measurements: [m('Error', 0, { message: 'connection refused' })] }])),
      'Error',
      'Metric "a" assessed Error due to consecutiveErrors (5) > consecutiveErrorLimit (4): "Error Message: connection refused"',
    ],
    [
      'Failed is worse than Error',
      run([metric('a', { consecutiveErrorLimit: 0 }), metric('b')], {}, running([result('a', ['Error']), result('b', ['Failed'])])),
      'Failed',
      'Metric "b" assessed Failed due to failed (1) > failureLimit (0)',
    ],
    [
      'Error is worse than Inconclusive',
      run([metric('a'), metric('b', { consecutiveErrorLimit: 0 })], {}, running([result('a', ['Inconclusive']), result('b', ['Error'])])),
      'Error',
      'Metric "b" assessed Error due to consecutiveErrors (1) > consecutiveErrorLimit (0)',
    ],
    [
      'the first of equally bad metrics names the message',
      run([metric('a'), metric('b')], {}, running([result('a', ['Failed']), result('b', ['Failed'])])),
      'Failed',
      'Metric "a" assessed Failed due to failed (1) > failureLimit (0)',
    ],
    [
      'an Inconclusive from a missed consecutiveSuccessLimit has no limit message',
      run([metric('a', { count: 2, interval: '1m', consecutiveSuccessLimit: 2 })], {}, running([result('a', ['Successful', 'Failed'])])),
      'Failed',
      'Metric "a" assessed Failed due to failed (1) > failureLimit (0)',
    ],
    [
      'count reached without the consecutive successes, failureLimit applicable: Inconclusive',
      run([metric('a', { count: 3, interval: '1m', failureLimit: 1, consecutiveSuccessLimit: 2 })], {}, running([result('a', ['Successful', 'Failed', 'Successful'])])),
      'Inconclusive',
      undefined,
    ],
    [
      'count reached without the consecutive successes, failureLimit -1: Failed',
      run([metric('a', { count: 3, interval: '1m', failureLimit: -1, consecutiveSuccessLimit: 2 })], {}, running([result('a', ['Successful', 'Failed', 'Successful'])])),
      'Failed',
      undefined,
    ],
    [
      'dry-run metrics never decide the phase',
      run([metric('a'), metric('b')], { dryRun: [{ metricName: 'b' }] }, running([result('a', ['Successful']), result('b', ['Failed'], { dryRun: true })])),
      'Successful',
      undefined,
    ],
    ['a dry-run-only run that failed is Successful', run([metric('a')], { dryRun: [{ metricName: 'a' }] }, running([result('a', ['Failed'], { dryRun: true })])), 'Successful', undefined],
    [
      'a dry-run pattern (unanchored regexp) selects several metrics',
      run([metric('web-latency'), metric('web-errors'), metric('db')], { dryRun: [{ metricName: 'web' }] }, running([result('web-latency', ['Failed']), result('web-errors', ['Error'], { phase: 'Error' }), result('db', ['Successful'])])),
      'Successful',
      undefined,
    ],
    ['terminate with nothing measured: Successful, "Run Terminated"', run([metric('a', { interval: '1m' })], { terminate: true }, running([])), 'Successful', 'Run Terminated'],
    [
      'terminate with an unbounded metric: Successful',
      run([metric('a', { interval: '1m' })], { terminate: true }, running([result('a', ['Successful', 'Successful'])])),
      'Successful',
      'Run Terminated',
    ],
    [
      'terminate keeps the worst phase and its message',
      run([metric('a', { interval: '1m', failureLimit: 3 }), metric('b', { interval: '1m', inconclusiveLimit: 0 })], { terminate: true }, running([result('a', ['Successful']), result('b', ['Inconclusive'])])),
      'Inconclusive',
      'Metric "b" assessed Inconclusive due to inconclusive (1) > inconclusiveLimit (0)',
    ],
  ])('%s', (_name, ar, phase, message) => {
    // Five seconds in: no error retry (10 s) nor interval (1 m) is due yet.
    const r = reconcileAnalysisRun({ run: ar, now: T0 + 5 * S });
    expect(measurementIntents(r)).toEqual([]);
    expect(r.status.phase).toBe(phase);
    expect(r.status.message).toBe(message);
  });

  it('summaries count completed metrics by their limit outcome, dry-run ones apart', () => {
    const ar = run(
      [metric('a'), metric('b'), metric('c', { interval: '1m' }), metric('d')],
      { dryRun: [{ metricName: 'd' }] },
      running([result('a', ['Successful']), result('b', ['Failed']), result('c', ['Successful']), result('d', ['Inconclusive'], { dryRun: true })]),
    );
    const r = reconcileAnalysisRun({ run: ar, now: T0 + 30 * S });
    expect(r.status.runSummary).toEqual({ count: 3, successful: 1, failed: 1 });
    expect(r.status.dryRunSummary).toEqual({ count: 1, inconclusive: 1 });
    expect(resultOf(r, 'd')?.message).toBe('Metric assessed Inconclusive due to inconclusive (1) > inconclusiveLimit (0)');
  });

  it('emits metric events and one run event on completion, and sets completedAt', () => {
    const ar = run([metric('a'), metric('b')], {}, running([result('a', ['Successful']), result('b', ['Failed'])]));
    const r = reconcileAnalysisRun({ run: ar, now: T0 + 30 * S });
    expect(events(r)).toEqual([
      "Normal MetricSuccessful: Metric 'a' Completed. Result: Successful",
      "Warning MetricFailed: Metric 'b' Completed. Result: Failed",
      'Warning AnalysisRunFailed: Analysis Completed. Result: Failed',
    ]);
    expect(r.status.completedAt).toBe(at(30));
    expect(r.intents[r.intents.length - 1]?._tag).toBe('UpdateStatus');
  });

  it('a metric result takes the last measurement’s message when its phase changes', () => {
    const ar = run([metric('a')], {}, running([{ ...result('a', ['Failed']), measurements: [m('Failed', 0, { message: 'exit code 1' })] }]));
    const r = reconcileAnalysisRun({ run: ar, now: T0 + 30 * S });
    expect(resultOf(r, 'a')?.message).toBe('exit code 1');
    expect(r.status.message).toBe('Metric "a" assessed Failed due to failed (1) > failureLimit (0): "Error Message: exit code 1"');
  });

  it('nothing changes, nothing is written', () => {
    const ar = run([metric('a', { interval: '1m', count: 3 })], {}, { ...running([result('a', ['Successful'])]), runSummary: { count: 1 }, dryRunSummary: {} });
    const r = reconcileAnalysisRun({ run: ar, now: T0 + 30 * S });
    expect(r.intents).toEqual([]);
    expect(r.status).toEqual(ar.status);
  });

  it('a completed run is left alone', () => {
    const status: AnalysisRunStatus = { phase: 'Failed', message: 'x', completedAt: at(0), startedAt: at(0) };
    const r = reconcileAnalysisRun({ run: run([metric('a')], {}, status), now: T0 + 9999 * S });
    expect(r).toEqual({ status, intents: [] });
  });
});

// ---------------------------------------------------------------------------------------------------------
// measurementRetention

describe('reconcileAnalysisRun: measurement history', () => {
  const many = (n: number): Phase[] => Array.from({ length: n }, () => 'Successful' as const);

  it.each<[string, Partial<AnalysisRunSpec>, number, number, number | undefined]>([
    ['10 measurements are kept by default', {}, 11, 10, 10],
    ['no trimming at the limit', {}, 10, 10, undefined],
    ['a retention rule raises the limit', { measurementRetention: [{ metricName: 'a', limit: 20 }] }, 15, 15, undefined],
    ['a retention rule lowers the limit', { measurementRetention: [{ metricName: '.*', limit: 2 }] }, 4, 2, 2],
    ['a limit of 0 means the default', { measurementRetention: [{ metricName: 'a', limit: 0 }] }, 12, 10, 10],
  ])('%s', (_name, spec, before, after, keep) => {
    const mtr = metric('a', { interval: '1m' });
    const ar = run([mtr], spec, running([result('a', many(before - 1))]));
    const intent: MeasurementIntent = { _tag: 'TakeMeasurement', metricName: 'a', metric: mtr, reason: 'test' };
    const r = reconcileAnalysisRun({ run: ar, now: T0 + 3 * 3600 * S, reports: [{ intent, observation: verdict('Successful') }] });
    expect(resultOf(r, 'a')?.measurements).toHaveLength(after);
    expect(resultOf(r, 'a')?.count).toBe(before);
    const gc = r.intents.find((i) => i._tag === 'GarbageCollectMeasurements');
    expect(gc?._tag === 'GarbageCollectMeasurements' ? gc.keep : undefined).toBe(keep);
    // The newest measurement is kept.
    expect(resultOf(r, 'a')?.measurements?.[after - 1]?.finishedAt).toBe(at(3 * 3600));
  });
});

// ---------------------------------------------------------------------------------------------------------
// TTL

describe('reconcileAnalysisRun: ttlStrategy', () => {
  it.each<[string, string, { secondsAfterCompletion?: number; secondsAfterFailure?: number; secondsAfterSuccess?: number } | undefined, number | undefined]>([
    ['no strategy', 'Successful', undefined, undefined],
    ['success uses secondsAfterSuccess', 'Successful', { secondsAfterSuccess: 10, secondsAfterCompletion: 99 }, 10],
    ['failure uses secondsAfterFailure', 'Failed', { secondsAfterFailure: 20, secondsAfterCompletion: 99 }, 20],
    ['Error falls back to secondsAfterCompletion', 'Error', { secondsAfterFailure: 20, secondsAfterCompletion: 30 }, 30],
    ['Inconclusive falls back to secondsAfterCompletion', 'Inconclusive', { secondsAfterSuccess: 5, secondsAfterCompletion: 40 }, 40],
    ['success without secondsAfterSuccess falls back', 'Successful', { secondsAfterCompletion: 50 }, 50],
    ['nothing applies', 'Failed', { secondsAfterSuccess: 5 }, undefined],
    ['a negative TTL (invalid, N2) deletes nothing', 'Error', { secondsAfterCompletion: -5 }, undefined],
    ['a TTL beyond 32 bits (invalid, N1) deletes nothing', 'Successful', { secondsAfterSuccess: 2 ** 31 }, undefined],
  ])('%s', (_name, phase, ttl, expected) => {
    expect(ttlSecondsFor(ttl, phase)).toBe(expected);
  });

  it.each<[string, number, string[], number | undefined]>([
    ['before the TTL: come back when it has passed', 5, [], 6 * S],
    ['exactly TTL seconds later is not beyond it', 10, [], 1 * S],
    ['more than TTL whole seconds later: delete', 11, ['DeleteAnalysisRun'], undefined],
  ])('%s', (_name, seconds, expected, requeue) => {
    const ar = run([metric('a')], { ttlStrategy: { secondsAfterSuccess: 10 } }, { phase: 'Successful', startedAt: at(0), completedAt: at(0) });
    const r = reconcileAnalysisRun({ run: ar, now: T0 + seconds * S });
    expect(tags(r)).toEqual(expected);
    expect(r.requeueAfterMs).toBe(requeue);
    if (expected.length > 0) expect(r.intents[0]).toMatchObject({ _tag: 'DeleteAnalysisRun', name: 'shop-abc-2-1', namespace: 'prod' });
  });

  it('a completed run without completedAt is never deleted', () => {
    const ar = run([metric('a')], { ttlStrategy: { secondsAfterCompletion: 0 } }, { phase: 'Failed' });
    expect(reconcileAnalysisRun({ run: ar, now: T0 + 9999 * S })).toEqual({ status: ar.status, intents: [] });
  });

  it('a run completing now is requeued for its TTL', () => {
    const ar = run([metric('a')], { ttlStrategy: { secondsAfterSuccess: 60 } }, running([result('a', ['Successful'])]));
    const r = reconcileAnalysisRun({ run: ar, now: T0 + 30 * S });
    expect(r.status.phase).toBe('Successful');
    expect(r.requeueAfterMs).toBe(61 * S);
  });
});

// ---------------------------------------------------------------------------------------------------------
// End to end: driving a run through time, feeding measurements back as the runtime would

describe('reconcileAnalysisRun: a run over time', () => {
  it('count 3, interval 1m, all successful: Successful after the third measurement', () => {
    let ar = run([metric('rate', { interval: '1m', count: 3 })]);
    const seen: string[] = [];
    for (const seconds of [0, 30, 61, 100, 122]) {
      const { run: next, result: r } = drive(ar, T0 + seconds * S, () => verdict('Successful'));
      ar = next;
      seen.push(`${seconds}s ${r.status.phase} count=${resultOf(r, 'rate')?.count ?? 0} requeue=${r.requeueAfterMs ?? '-'}`);
    }
    expect(seen).toEqual(['0s Running count=1 requeue=60000', '30s Running count=1 requeue=30000', '61s Running count=2 requeue=60000', '100s Running count=2 requeue=21000', '122s Successful count=3 requeue=-']);
    expect(ar.status?.completedAt).toBe(at(122));
    expect(ar.status?.startedAt).toBe(at(0));
  });

  it('errors are retried after 10 s and never count; five in a row put the metric in Error', () => {
    let ar = run([metric('rate', { interval: '1m', count: 2 })]);
    const times: number[] = [];
    let t = 0;
    for (let i = 0; i < 5; i++) {
      const { run: next, result: r } = drive(ar, T0 + t * S, () => ({ _tag: 'ProviderError', message: 'connection refused' }));
      ar = next;
      times.push(t);
      t += (r.requeueAfterMs ?? 0) / S + 1;
    }
    expect(times).toEqual([0, 11, 22, 33, 44]);
    expect(ar.status?.phase).toBe('Error');
    expect(ar.status?.message).toBe('Metric "rate" assessed Error due to consecutiveErrors (5) > consecutiveErrorLimit (4): "Error Message: connection refused"');
    expect(resultOf({ status: ar.status!, intents: [] }, 'rate')).toMatchObject({ phase: 'Error', error: 5, consecutiveError: 5 });
    expect(resultOf({ status: ar.status!, intents: [] }, 'rate')?.count).toBeUndefined();
  });

  it('a failure terminates the run: the other metric’s in-flight measurement is terminated before the run fails', () => {
    const ar = run([metric('fast'), metric('slow', { interval: '1m' })]);
    // t=0: both start; "slow" stays in flight (a Job still running, no resumeAt).
    let r = reconcileAnalysisRun({ run: ar, now: T0 });
    const asked = measurementIntents(r);
    expect(asked.map((i) => i.metricName)).toEqual(['fast', 'slow']);
    let current: AnalysisRun = { ...ar, status: r.status };
    r = reconcileAnalysisRun({
      run: current,
      now: T0 + 1 * S,
      reports: [
        { intent: asked[0]!, observation: verdict('Failed', 'exit code 1') },
        { intent: asked[1]!, observation: { _tag: 'Pending' } },
      ],
    });
    // "fast" failed, which makes the run terminate: "slow" is terminated, and the run waits for that.
    expect(resultOf(r, 'fast')?.phase).toBe('Failed');
    expect(tags(r).filter((x) => x.includes('Measurement'))).toEqual(['TerminateMeasurement:slow']);
    expect(r.status.phase).toBe('Running');
    current = { ...current, status: r.status };
    const terminate = measurementIntents(r)[0]!;
    r = reconcileAnalysisRun({ run: current, now: T0 + 2 * S, reports: [{ intent: terminate, observation: verdict('Successful') }] });
    expect(r.status.phase).toBe('Failed');
    expect(r.status.message).toBe('Metric "fast" assessed Failed due to failed (1) > failureLimit (0): "Error Message: exit code 1"');
    expect(resultOf(r, 'slow')).toMatchObject({ phase: 'Successful', count: 1 });
    expect(resultOf(r, 'slow')?.measurements?.[0]).toMatchObject({ phase: 'Successful', message: 'Metric Terminated', startedAt: at(1), finishedAt: at(2) });
  });

  it('an in-flight measurement whose resumeAt is still ahead is not terminated: the run fails at once (as upstream)', () => {
    const ar = run([metric('fast'), metric('slow', { interval: '1m' })]);
    const { result: r } = drive(ar, T0, (i) => (i.metricName === 'fast' ? verdict('Failed') : { _tag: 'Pending', resumeAt: T0 + 60 * S }));
    expect(r.status.phase).toBe('Failed');
    expect(resultOf(r, 'slow')?.phase).toBe('Running');
    expect(resultOf(r, 'slow')?.measurements?.[0]).toEqual({ phase: 'Running', startedAt: at(0), resumeAt: at(60) });
  });

  it('consecutiveSuccessLimit 2 with failureLimit 1 and count 5: recovers after a failure', () => {
    let ar = run([metric('probe', { interval: '10s', count: 5, failureLimit: 1, consecutiveSuccessLimit: 2 })]);
    const answers: Array<'Successful' | 'Failed'> = ['Failed', 'Successful', 'Successful'];
    let t = 0;
    for (const phase of answers) {
      ar = drive(ar, T0 + t * S, () => verdict(phase)).run;
      t += 11;
    }
    expect(ar.status?.phase).toBe('Successful');
    expect(resultOf({ status: ar.status!, intents: [] }, 'probe')).toMatchObject({ count: 3, failed: 1, successful: 2, consecutiveSuccess: 2 });
  });

  it('consecutiveSuccessLimit with failureLimit -1: never two successes in a row within count 4 → Failed', () => {
    let ar = run([metric('probe', { interval: '10s', count: 4, failureLimit: -1, consecutiveSuccessLimit: 2 })]);
    let t = 0;
    for (const phase of ['Successful', 'Failed', 'Successful', 'Failed'] as const) {
      ar = drive(ar, T0 + t * S, () => verdict(phase)).run;
      t += 11;
    }
    expect(ar.status?.phase).toBe('Failed');
    expect(ar.status?.message).toBeUndefined();
  });

  it('a dry-run-only run completes Successful even when its metric fails, and records why', () => {
    const ar = run([metric('shadow', { interval: '10s', count: 2 })], { dryRun: [{ metricName: 'shadow' }] });
    let current = drive(ar, T0, () => verdict('Failed')).run;
    expect(current.status?.phase).toBe('Successful');
    expect(current.status?.dryRunSummary).toEqual({ count: 1, failed: 1 });
    expect(current.status?.runSummary).toEqual({});
    expect(current.status?.metricResults?.[0]).toMatchObject({ phase: 'Failed', dryRun: true, message: 'Metric assessed Failed due to failed (1) > failureLimit (0)' });
    current = drive(current, T0 + 60 * S, () => verdict('Failed')).run;
    expect(current.status?.metricResults?.[0]?.measurements).toHaveLength(1);
  });

  it('spec.terminate on a background run: the in-flight measurement is terminated, then the run ends Successful', () => {
    const ar = run([metric('bg', { interval: '1m' })]);
    let current = drive(ar, T0, () => verdict('Successful')).run;
    current = drive(current, T0 + 61 * S, () => ({ _tag: 'Pending', resumeAt: T0 + 65 * S })).run;
    expect(current.status?.phase).toBe('Running');
    current = { ...current, spec: { ...current.spec, terminate: true } };
    const { run: done, all } = drive(current, T0 + 70 * S, (i) => (i._tag === 'TerminateMeasurement' ? verdict('Successful') : verdict('Failed')));
    expect(all.filter((i) => i._tag === 'TerminateMeasurement')).toHaveLength(1);
    expect(done.status?.phase).toBe('Successful');
    expect(done.status?.message).toBe('Run Terminated');
    expect(done.status?.metricResults?.[0]).toMatchObject({ phase: 'Successful', count: 2 });
  });

  it('a Prometheus-style metric: values judged by a templated condition, failing on the second failure', () => {
    const errorRate: Metric = {
      name: 'error-rate',
      interval: '1m',
      count: 5,
      failureLimit: 1,
      successCondition: 'result[0] <= {{args.max}}',
      provider: { prometheus: { address: 'http://prom:9090', query: 'sum(rate(errors{svc="{{args.svc}}"}[1m]))' } },
    };
    let ar = run([errorRate], {
      args: [
        { name: 'svc', value: 'shop' },
        { name: 'max', value: '0.05' },
      ],
    });
    const values = [[0.01], [0.09], [0.02], [0.2]];
    const queries: string[] = [];
    let t = 0;
    for (const value of values) {
      ar = drive(ar, T0 + t * S, (i) => {
        queries.push(i.metric.provider.prometheus?.query ?? '');
        expect(i.metric.successCondition).toBe('result[0] <= 0.05');
        return { _tag: 'Value', value };
      }).run;
      t += 61;
    }
    expect(queries).toEqual(Array.from({ length: 4 }, () => 'sum(rate(errors{svc="shop"}[1m]))'));
    expect(ar.status?.phase).toBe('Failed');
    expect(ar.status?.message).toBe('Metric "error-rate" assessed Failed due to failed (2) > failureLimit (1) (last value [0.2], successCondition "result[0] <= 0.05")');
    expect(ar.status?.metricResults?.[0]?.measurements?.map((x) => `${x.phase}:${x.value}`)).toEqual(['Successful:[0.01]', 'Failed:[0.09]', 'Successful:[0.02]', 'Failed:[0.2]']);
    expect(ar.status?.runSummary).toEqual({ count: 1, failed: 1 });
  });

  it('a condition that cannot be evaluated errs the measurement, which does not count toward count', () => {
    const ar = run([metric('m', { count: 1, successCondition: 'result.missing > 1' })]);
    const { result: r } = drive(ar, T0, () => ({ _tag: 'Value', value: 5 }));
    expect(resultOf(r, 'm')).toMatchObject({ phase: 'Running', error: 1, consecutiveError: 1 });
    expect(resultOf(r, 'm')?.count).toBeUndefined();
    expect(resultOf(r, 'm')?.measurements?.[0]?.phase).toBe('Error');
    expect(r.requeueAfterMs).toBe(DEFAULT_ERROR_RETRY_INTERVAL_MS);
  });

  it('the same input gives the same output, and the input is not modified', () => {
    const ar = run([metric('a', { interval: '1m', count: 3 })], {}, running([result('a', ['Successful', 'Failed'])]));
    const copy = structuredClone(ar);
    const one = reconcileAnalysisRun({ run: ar, now: T0 + 3600 * S });
    const two = reconcileAnalysisRun({ run: ar, now: T0 + 3600 * S });
    expect(one).toEqual(two);
    expect(ar).toEqual(copy);
  });
});

describe('reconcileAnalysisRun: a metric that ends badly terminates its siblings (upstream TestReconcileAnalysisRunTerminateSiblingAfterFail)', () => {
  // "forever" has no count (measures every 10 minutes until the run ends); "check" decides the run.
  const forever = metric('forever', { interval: '10m' });
  type Bad = 'Failed' | 'Inconclusive' | 'Error';
  const checkFor = (bad: Bad): Metric => metric('check', bad === 'Error' ? { interval: '5s', consecutiveErrorLimit: 0 } : { interval: '5s', count: 3 });
  const badAnswer = (bad: Bad): ProviderObservation => (bad === 'Error' ? { _tag: 'ProviderError', message: 'connection refused' } : verdict(bad));

  it.each<Bad>(['Failed', 'Inconclusive', 'Error'])('upstream’s case: an in-flight sibling is terminated as soon as a metric is %s, and the run ends in that phase', (bad) => {
    const ar = run([forever, checkFor(bad)]);
    // t=0: both measured; "forever" stays in flight (a Job still running, no resumeAt), "check" is fine.
    let r = reconcileAnalysisRun({ run: ar, now: T0 });
    let asked = measurementIntents(r);
    let current: AnalysisRun = { ...ar, status: r.status };
    r = reconcileAnalysisRun({ run: current, now: T0, reports: [{ intent: asked[0]!, observation: { _tag: 'Pending' } }, { intent: asked[1]!, observation: verdict('Successful') }] });
    expect(r.status.phase).toBe('Running');
    current = { ...current, status: r.status };
    // t=6: "check" measures again and ends badly; "forever" is in flight: it is terminated, not resumed.
    r = reconcileAnalysisRun({ run: current, now: T0 + 6 * S });
    asked = measurementIntents(r);
    expect(asked.map((i) => `${i._tag}:${i.metricName}`)).toEqual(['ResumeMeasurement:forever', 'TakeMeasurement:check']);
    current = { ...current, status: r.status };
    r = reconcileAnalysisRun({ run: current, now: T0 + 6 * S, reports: [{ intent: asked[0]!, observation: { _tag: 'Pending' } }, { intent: asked[1]!, observation: badAnswer(bad) }] });
    expect(resultOf(r, 'check')?.phase).toBe(bad);
    expect(tags(r).filter((x) => x.includes('Measurement'))).toEqual(['TerminateMeasurement:forever']);
    current = { ...current, status: r.status };
    const terminate = measurementIntents(r)[0]!;
    r = reconcileAnalysisRun({ run: current, now: T0 + 7 * S, reports: [{ intent: terminate, observation: verdict('Successful') }] });
    expect(r.status.phase).toBe(bad);
    expect(r.status.completedAt).toBe(at(7));
    expect(resultOf(r, 'forever')).toMatchObject({ phase: 'Successful', message: 'Metric Terminated' });
    expect(resultOf(r, 'forever')?.measurements?.[0]).toMatchObject({ phase: 'Successful', message: 'Metric Terminated', finishedAt: at(7) });
  });

  it.each<Bad>(['Failed', 'Inconclusive', 'Error'])('a sibling between two measurements stops at once: a metric %s ends the run in the same reconcile', (bad) => {
    const ar = run([forever, checkFor(bad)]);
    let current = drive(ar, T0, () => verdict('Successful')).run;
    expect(current.status?.phase).toBe('Running');
    const { result: r, all } = drive(current, T0 + 6 * S, (i) => (i.metricName === 'check' ? badAnswer(bad) : verdict('Successful')));
    expect(all.filter((i) => i._tag === 'TakeMeasurement').map((i) => (i as MeasurementIntent).metricName)).toEqual(['check']);
    expect(r.status.phase).toBe(bad);
    expect(resultOf(r, 'forever')?.phase).toBe('Successful');
    expect(r.requeueAfterMs).toBeUndefined();
    current = { ...current, status: r.status };
    expect(reconcileAnalysisRun({ run: current, now: T0 + 3600 * S }).intents).toEqual([]);
  });

  it('a dry-run metric that fails terminates nothing: its sibling goes on measuring and the run keeps running', () => {
    const ar = run([forever, checkFor('Failed')], { dryRun: [{ metricName: 'check' }] });
    let current = drive(ar, T0, () => verdict('Successful')).run;
    current = drive(current, T0 + 6 * S, (i) => (i.metricName === 'check' ? verdict('Failed') : verdict('Successful'))).run;
    expect(resultOf({ status: current.status!, intents: [] }, 'check')).toMatchObject({ phase: 'Failed', dryRun: true });
    expect(current.status?.phase).toBe('Running');
    const { result: r, all } = drive(current, T0 + 601 * S, () => verdict('Successful'));
    expect(all.filter((i) => i._tag === 'TakeMeasurement').map((i) => (i as MeasurementIntent).metricName)).toEqual(['forever']);
    expect(r.status.phase).toBe('Running');
    expect(resultOf(r, 'forever')).toMatchObject({ phase: 'Running', count: 2 });
  });
});

// ---------------------------------------------------------------------------------------------------------
// Hostile input (issue #15)

describe('reconcileAnalysisRun: secrets never shown, whole or in part', () => {
  const token = 'S3CR3T-TOKEN-q7Zx9';
  const webMetric = metric('auth', { successCondition: 'result == {{args.token}}', provider: { web: { url: 'http://svc/check' } } });
  const ar = run([webMetric], { args: [{ name: 'token', valueFrom: { secretKeyRef: { name: 'creds', key: 'token' } } }] });
  const fragments = (text: string): string[] => Array.from({ length: token.length - 3 }, (_, i) => token.slice(i, i + 4)).filter((f) => text.includes(f));

  it('the condition is evaluated with the secret; its parse error names the argument; nothing of it reaches status or events', () => {
    const { result: r, all } = drive(ar, T0, (i) => {
      expect(i.metric.successCondition).toBe(`result == ${token}`);
      return { _tag: 'Value', value: 'ok' };
    }, { creds: { token } });
    expect(resultOf(r, 'auth')?.measurements?.[0]).toMatchObject({
      phase: 'Error',
      message: 'successCondition could not be evaluated: it uses the secret argument "token"; the error message is withheld to keep the secret out of status',
    });
    const shown = JSON.stringify([r.status, all.filter((i) => i._tag === 'RecordEvent' || i._tag === 'UpdateStatus')]);
    expect(fragments(shown)).toEqual([]);
  });

  it('once the errors exceed the limit the run is Error with the argument named in its message', () => {
    let current = ar;
    let r = reconcileAnalysisRun({ run: current, now: T0, secrets: { creds: { token } } });
    for (let k = 0; k < 6 && !['Error', 'Failed'].includes(r.status.phase); k++) {
      const now = T0 + k * 11 * S;
      r = reconcileAnalysisRun({ run: current, now, secrets: { creds: { token } } });
      const reports = measurementIntents(r).map((intent): MeasurementReport => ({ intent, observation: { _tag: 'Value', value: 'ok' } }));
      current = { ...current, status: r.status };
      if (reports.length > 0) r = reconcileAnalysisRun({ run: current, now, reports, secrets: { creds: { token } } });
      current = { ...current, status: r.status };
    }
    expect(r.status.phase).toBe('Error');
    expect(r.status.message).toContain('it uses the secret argument \"token\"');
    expect(fragments(JSON.stringify(r))).toEqual([]);
  });

  it('the run message is capped', () => {
    const long = 'x'.repeat(20_000);
    const { result: r } = drive(run([metric('a')]), T0, () => ({ _tag: 'Verdict', phase: 'Failed', message: long }));
    expect(r.status.phase).toBe('Failed');
    expect(new TextEncoder().encode(r.status.message ?? '').length).toBeLessThanOrEqual(MAX_RUN_MESSAGE_BYTES);
  });
});

describe('analysisRunStatusRefused: a status the API server will not store ends the run in Error', () => {
  const big: AnalysisRunStatus = running([{ ...result('a', ['Successful', 'Successful']), measurements: [m('Successful', 0, { value: 'v'.repeat(4000) })] }], {
    runSummary: { count: 1 },
  });
  const ar = run([metric('a', { count: 5, interval: '1m' })], { args: [{ name: 'token', valueFrom: { secretKeyRef: { name: 'creds', key: 'token' } } }] }, running([]));

  it('writes a small status: phase Error, the reason, counters kept, measurements dropped, and says so in a Warning event', () => {
    const r = analysisRunStatusRefused({ run: ar, refused: big, reason: 'update analysisruns "x": RequestEntityTooLarge: the request body is larger than 3145728 bytes', now: T0 + 60 * S });
    expect(r.status).toEqual({
      phase: 'Error',
      message:
        'the API server refused to store this AnalysisRun\'s status (update analysisruns "x": RequestEntityTooLarge: the request body is larger than 3145728 bytes); the run ends in Error without its measurements, which are not stored',
      startedAt: at(0),
      runSummary: { count: 1 },
      metricResults: [{ name: 'a', phase: 'Running', count: 2, successful: 2, consecutiveSuccess: 2 }],
      completedAt: at(60),
    });
    expect(events(r)).toEqual([`Warning AnalysisRunStatusRefused: ${r.status.message}`, 'Warning AnalysisRunError: Analysis Completed. Result: Error']);
    expect(tags(r)).toContain('UpdateStatus');
  });

  it('an answer quoting part of a secret is withheld, naming the argument', () => {
    const r = analysisRunStatusRefused({ run: ar, refused: big, reason: 'Invalid value: "q7Zx9"', now: T0, secrets: { creds: { token: 'S3CR3T-TOKEN-q7Zx9' } } });
    expect(r.status.message).toContain('message withheld: it contains part of the secret argument "token"');
    expect(r.status.message).not.toContain('q7Zx');
  });
});
