import type { Condition } from '@rollouts/api';
import fc from 'fast-check';
import { DEFAULT_PROGRESS_DEADLINE_SECONDS, nextProgressDeadlineMs, progressDeadlineExceeded } from './ProgressDeadline';

const UPDATED = '2026-01-01T00:00:00Z';
const T0 = Date.UTC(2026, 0, 1);
const S = 1000;

const progressing = (reason: string, lastUpdateTime: string | null | undefined = UPDATED, status = 'True'): Condition => ({
  type: 'Progressing',
  status,
  lastUpdateTime,
  lastTransitionTime: UPDATED,
  reason,
  message: 'm',
});

describe('progressDeadlineExceeded', () => {
  it.each<[string, Condition | null | undefined, number | null | undefined, number, boolean]>([
    ['no Progressing condition', undefined, undefined, T0 + 10_000 * S, false],
    ['null Progressing condition', null, 600, T0 + 10_000 * S, false],
    ['default 600 s: 599 s without progress', progressing('ReplicaSetUpdated'), undefined, T0 + 599 * S, false],
    ['default 600 s: exactly at the deadline is not past it', progressing('ReplicaSetUpdated'), undefined, T0 + 600 * S, false],
    ['default 600 s: one millisecond past it', progressing('ReplicaSetUpdated'), undefined, T0 + 600 * S + 1, true],
    ['null deadline means the default', progressing('ReplicaSetUpdated'), null, T0 + 601 * S, true],
    ['custom 30 s deadline exceeded', progressing('NewReplicaSetCreated'), 30, T0 + 31 * S, true],
    ['custom 30 s deadline not yet', progressing('FoundNewReplicaSet'), 30, T0 + 29 * S, false],
    ['long deadline not yet', progressing('ReplicaSetUpdated'), 3600, T0 + 3000 * S, false],
    ['resumed Rollouts are measured from the resume', progressing('RolloutResumed', UPDATED, 'Unknown'), 60, T0 + 61 * S, true],
    ['retried Rollouts are measured from the retry', progressing('RolloutRetry', UPDATED, 'Unknown'), 60, T0 + 59 * S, false],
    ['ReplicaSetNotAvailable restarts the clock', progressing('ReplicaSetNotAvailable'), 60, T0 + 61 * S, true],
    ['a finished update never times out', progressing('NewReplicaSetAvailable'), 60, T0 + 100_000 * S, false],
    ['an aborted update never times out', progressing('RolloutAborted', UPDATED, 'False'), 60, T0 + 100_000 * S, false],
    ['an update that timed out stays timed out', progressing('ProgressDeadlineExceeded', UPDATED, 'False'), 600, T0 + 1 * S, true],
    ['the time is read with its offset', progressing('ReplicaSetUpdated', '2026-01-01T02:00:00+02:00'), 10, T0 + 11 * S, true],
    ['absent lastUpdateTime counts as Go’s zero time', { type: 'Progressing', status: 'True', reason: 'ReplicaSetUpdated' }, 600, T0, true],
    ['null lastUpdateTime counts as Go’s zero time', progressing('ReplicaSetUpdated', null), 600, T0, true],
    ['unparseable lastUpdateTime counts as Go’s zero time', progressing('ReplicaSetUpdated', 'yesterday'), 600, T0, true],
  ])('%s', (_name, condition, seconds, now, expected) => {
    expect(progressDeadlineExceeded({ progressing: condition, progressDeadlineSeconds: seconds, now })).toBe(expected);
  });

  it('rejects a non-integer deadline', () => {
    expect(() => progressDeadlineExceeded({ progressing: progressing('ReplicaSetUpdated'), progressDeadlineSeconds: 1.5, now: T0 })).toThrow(
      /^progressDeadlineSeconds must be an integer/,
    );
  });

  it('defaults to 600 seconds', () => {
    expect(DEFAULT_PROGRESS_DEADLINE_SECONDS).toBe(600);
  });
});

describe('nextProgressDeadlineMs', () => {
  it.each<[string, Condition | null | undefined, number | null | undefined, number | undefined]>([
    ['default deadline', progressing('ReplicaSetUpdated'), undefined, T0 + 600 * S + 1],
    ['custom deadline', progressing('NewReplicaSetCreated'), 30, T0 + 30 * S + 1],
    ['no condition', undefined, 30, undefined],
    ['finished update', progressing('NewReplicaSetAvailable'), 30, undefined],
    ['aborted update', progressing('RolloutAborted', UPDATED, 'False'), 30, undefined],
    ['already timed out', progressing('ProgressDeadlineExceeded', UPDATED, 'False'), 30, undefined],
    ['absent lastUpdateTime is long past', progressing('ReplicaSetUpdated', null), 600, -62_135_596_800_000 + 600 * S + 1],
  ])('%s', (_name, condition, seconds, expected) => {
    expect(nextProgressDeadlineMs({ progressing: condition, progressDeadlineSeconds: seconds })).toBe(expected);
  });

  it('is the first millisecond at which the deadline counts as exceeded', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: Date.UTC(2020, 0, 1) / 1000, max: Date.UTC(2030, 0, 1) / 1000 }),
        fc.integer({ min: 0, max: 86_400 }),
        (updatedSeconds, seconds) => {
          const condition = progressing('ReplicaSetUpdated', new Date(updatedSeconds * 1000).toISOString());
          const next = nextProgressDeadlineMs({ progressing: condition, progressDeadlineSeconds: seconds });
          expect(next).toBeDefined();
          expect(progressDeadlineExceeded({ progressing: condition, progressDeadlineSeconds: seconds, now: next! - 1 })).toBe(false);
          expect(progressDeadlineExceeded({ progressing: condition, progressDeadlineSeconds: seconds, now: next! })).toBe(true);
        },
      ),
    );
  });
});
