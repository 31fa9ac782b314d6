import type { KubeObject } from '@rollouts/plugin-sdk';
import { jobFinished, MAX_RESUME_DELAY_MS, MIN_RESUME_DELAY_MS, readJobOutcome, resumeDelayMs } from './JobOutcome';

const job = (conditions: ReadonlyArray<Record<string, unknown>> = []): KubeObject => ({
  apiVersion: 'batch/v1',
  kind: 'Job',
  metadata: { name: 'j', namespace: 'default', uid: 'job-uid' },
  status: { conditions },
});

const pod = (name: string, owner: string, statuses: { init?: unknown[]; main?: unknown[] }, extra: Record<string, unknown> = {}): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: 'default', ownerReferences: [{ apiVersion: 'batch/v1', kind: 'Job', name: 'j', uid: owner, controller: true }], ...extra },
  status: { ...(statuses.init ? { initContainerStatuses: statuses.init } : {}), ...(statuses.main ? { containerStatuses: statuses.main } : {}) },
});

const waiting = (name: string, reason: string, message = '') => ({ name, state: { waiting: { reason, message } } });

describe('readJobOutcome: conditions', () => {
  it.each([
    ['no conditions: running', [], { _tag: 'Running' }],
    ['Complete True: complete', [{ type: 'Complete', status: 'True' }], { _tag: 'Complete' }],
    ['Failed True: failed, with reason and message', [{ type: 'Failed', status: 'True', reason: 'BackoffLimitExceeded', message: 'Job has reached the specified backoff limit' }], { _tag: 'Failed', reason: 'BackoffLimitExceeded', message: 'Job has reached the specified backoff limit' }],
    ['Failed without reason', [{ type: 'Failed', status: 'True' }], { _tag: 'Failed', reason: '', message: '' }],
    ['a condition that is not True does not count', [{ type: 'Complete', status: 'False' }, { type: 'Failed', status: 'Unknown' }], { _tag: 'Running' }],
    ['Failed wins over Complete', [{ type: 'Complete', status: 'True' }, { type: 'Failed', status: 'True', reason: 'DeadlineExceeded' }], { _tag: 'Failed', reason: 'DeadlineExceeded', message: '' }],
    ['other conditions are ignored', [{ type: 'Suspended', status: 'True' }, { type: 'FailureTarget', status: 'True' }], { _tag: 'Running' }],
  ])('%s', (_title, conditions, expected) => expect(readJobOutcome(job(conditions))).toEqual(expected));

  it('a Job without status is running', () => {
    expect(readJobOutcome({ apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'j' } })).toEqual({ _tag: 'Running' });
  });

  it('jobFinished follows the conditions only', () => {
    expect(jobFinished(job([{ type: 'Complete', status: 'True' }]))).toBe(true);
    expect(jobFinished(job([{ type: 'Failed', status: 'True' }]))).toBe(true);
    expect(jobFinished(job())).toBe(false);
  });
});

describe('readJobOutcome: pods that cannot start', () => {
  it.each(['ErrImagePull', 'ImagePullBackOff', 'InvalidImageName'])('%s in a container: cannot start', (reason) => {
    const r = readJobOutcome(job(), [pod('p1', 'job-uid', { main: [waiting('check', reason, 'pull access denied')] })]);
    expect(r).toEqual({ _tag: 'CannotStart', pod: 'p1', container: 'check', reason, message: 'pull access denied' });
  });

  it('an init container stuck on its image counts too', () => {
    const r = readJobOutcome(job(), [pod('p1', 'job-uid', { init: [waiting('setup', 'ImagePullBackOff')], main: [waiting('check', 'PodInitializing')] })]);
    expect(r).toMatchObject({ _tag: 'CannotStart', container: 'setup', reason: 'ImagePullBackOff' });
  });

  it.each([
    ['a waiting reason that resolves by itself', [pod('p1', 'job-uid', { main: [waiting('check', 'ContainerCreating')] })]],
    ['a crash loop (the Job controller counts the failures)', [pod('p1', 'job-uid', { main: [waiting('check', 'CrashLoopBackOff')] })]],
    ['a pod of another Job', [pod('p1', 'other-job', { main: [waiting('check', 'ErrImagePull')] })]],
    ['a pod being deleted', [pod('p1', 'job-uid', { main: [waiting('check', 'ErrImagePull')] }, { deletionTimestamp: '2026-01-01T00:00:00Z' })]],
    ['a running container', [pod('p1', 'job-uid', { main: [{ name: 'check', state: { running: {} } }] })]],
  ])('%s: still running', (_title, pods) => expect(readJobOutcome(job(), pods)).toEqual({ _tag: 'Running' }));

  it('a finished Job is judged by its conditions, whatever its pods show', () => {
    const r = readJobOutcome(job([{ type: 'Complete', status: 'True' }]), [pod('p1', 'job-uid', { main: [waiting('check', 'ErrImagePull')] })]);
    expect(r).toEqual({ _tag: 'Complete' });
  });
});

describe('resumeDelayMs', () => {
  it.each([
    [0, MIN_RESUME_DELAY_MS],
    [-5_000, MIN_RESUME_DELAY_MS],
    [200, MIN_RESUME_DELAY_MS], // sqrt(0.4) s < 1 s
    [2_000, 2_000], // sqrt(2 * 2) = 2 s
    [50_000, 10_000], // sqrt(100) = 10 s
    [3_600_000, MAX_RESUME_DELAY_MS], // sqrt(7200) ≈ 85 s, capped
  ])('after %d ms running: wait %d ms', (elapsed, expected) => expect(resumeDelayMs(elapsed)).toBe(expected));

  it('grows with the elapsed time and stays within its bounds', () => {
    let previous = 0;
    for (let s = 0; s <= 2_000; s += 7) {
      const d = resumeDelayMs(s * 1000);
      expect(d).toBeGreaterThanOrEqual(previous);
      expect(d).toBeGreaterThanOrEqual(MIN_RESUME_DELAY_MS);
      expect(d).toBeLessThanOrEqual(MAX_RESUME_DELAY_MS);
      previous = d;
    }
  });
});
