import type { AnalysisRun } from '@rollouts/api';
import { jobSequenceOf, MAX_JOB_NAME_LENGTH, metricJobName, nextJobSequence } from './JobNaming';

const UID = '5d9c3a5e-1f0b-4c8e-9a7d-2b6f0e4c1a93'; // 36 characters, as Kubernetes makes them

describe('metricJobName', () => {
  it.each([
    ['a short metric name is kept', 'success-rate', 1, `${UID}.success-rate.1`],
    ['the sequence is the last part', 'smoke', 12, `${UID}.smoke.12`],
    // 36 + 1 + m + 1 + 1 = 63 -> m = 24
    ['a name that just fits is kept', 'x'.repeat(24), 1, `${UID}.${'x'.repeat(24)}.1`],
    ['one character more is cut from the end', 'abcdefghijklmnopqrstuvwxyz', 1, `${UID}.abcdefghijklmnopqrstuvwx.1`],
    ['a longer sequence leaves less room', 'abcdefghijklmnopqrstuvwxyz', 100, `${UID}.abcdefghijklmnopqrstuv.100`],
    ['a dash left at the end of the cut is dropped', 'integration-tests-again-canary', 1, `${UID}.integration-tests-again.1`],
    ['dashes and dots left at the end are all dropped', 'abcdefghijklmnopqrstuv.-xyz', 1, `${UID}.abcdefghijklmnopqrstuv.1`],
  ])('%s', (_title, metric, n, expected) => {
    const name = metricJobName(UID, metric, n);
    expect(name).toBe(expected);
    expect(name.length).toBeLessThanOrEqual(MAX_JOB_NAME_LENGTH);
  });

  it('never exceeds 63 characters whatever the metric name, and keeps a prefix of it', () => {
    for (let len = 1; len <= 100; len++) {
      const metric = 'm'.repeat(len);
      const name = metricJobName(UID, metric, 7);
      expect(name.length).toBeLessThanOrEqual(MAX_JOB_NAME_LENGTH);
      expect(name.startsWith(`${UID}.m`)).toBe(true);
      expect(name.endsWith('.7')).toBe(true);
    }
  });
});

describe('nextJobSequence', () => {
  const run = (metricResults: unknown[] | undefined): AnalysisRun => ({ spec: { metrics: [] }, ...(metricResults !== undefined ? { status: { phase: 'Running', metricResults } } : {}) }) as unknown as AnalysisRun;

  it.each([
    ['no status yet', run(undefined), 1],
    ['no result for the metric', run([{ name: 'other', phase: 'Running', count: 5, error: 2 }]), 1],
    ['count only', run([{ name: 'smoke', phase: 'Running', count: 2 }]), 3],
    ['errors count too (upstream: count + error + 1)', run([{ name: 'smoke', phase: 'Running', count: 2, error: 3 }]), 6],
    ['null counters are zero', run([{ name: 'smoke', phase: 'Running', count: null, error: null }]), 1],
  ])('%s', (_title, r, expected) => expect(nextJobSequence(r, 'smoke')).toBe(expected));
});

describe('jobSequenceOf', () => {
  it.each([
    [`${UID}.smoke.1`, 1],
    [`${UID}.smoke.42`, 42],
    [`${UID}.v1.2.3`, 3],
    ['not-a-metric-job', undefined],
  ])('%s', (name, expected) => expect(jobSequenceOf(name)).toBe(expected));
});
