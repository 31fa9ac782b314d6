import type { Condition } from '@rollouts/api';
import fc from 'fast-check';
import {
  ConditionMessage,
  ConditionReason,
  RolloutConditionType,
  getCondition,
  removeCondition,
  setCondition,
  type ConditionStatus,
  type ConditionUpdate,
} from './Conditions';

const NOW = Date.UTC(2026, 0, 2, 3, 4, 5);
const NOW_S = '2026-01-02T03:04:05Z';
const EARLIER = '2026-01-01T00:00:00Z';
const LATER_UPDATE = '2026-01-01T12:00:00Z';

const cond = (type: string, status: ConditionStatus, reason: string, message: string, transition = EARLIER, update = LATER_UPDATE): Condition => ({
  type,
  status,
  lastUpdateTime: update,
  lastTransitionTime: transition,
  reason,
  message,
});
const progressing = cond('Progressing', 'True', 'ReplicaSetUpdated', 'ReplicaSet "a" is progressing.');
const available = cond('Available', 'False', 'AvailableReason', 'Rollout does not have minimum availability');
const healthy = cond('Healthy', 'False', 'RolloutHealthy', 'Rollout is not healthy');

describe('condition constants carry Argo’s exact strings', () => {
  it.each([
    [RolloutConditionType.Progressing, 'Progressing'],
    [RolloutConditionType.Available, 'Available'],
    [RolloutConditionType.Paused, 'Paused'],
    [RolloutConditionType.Completed, 'Completed'],
    [RolloutConditionType.Healthy, 'Healthy'],
    [RolloutConditionType.InvalidSpec, 'InvalidSpec'],
    [RolloutConditionType.ReplicaFailure, 'ReplicaFailure'],
    [ConditionReason.ReplicaSetUpdated, 'ReplicaSetUpdated'],
    [ConditionReason.NewReplicaSetCreated, 'NewReplicaSetCreated'],
    [ConditionReason.FoundNewReplicaSet, 'FoundNewReplicaSet'],
    [ConditionReason.NewReplicaSetAvailable, 'NewReplicaSetAvailable'],
    [ConditionReason.ReplicaSetNotAvailable, 'ReplicaSetNotAvailable'],
    [ConditionReason.RolloutPaused, 'RolloutPaused'],
    [ConditionReason.RolloutResumed, 'RolloutResumed'],
    [ConditionReason.RolloutRetry, 'RolloutRetry'],
    [ConditionReason.RolloutAborted, 'RolloutAborted'],
    [ConditionReason.ProgressDeadlineExceeded, 'ProgressDeadlineExceeded'],
    [ConditionReason.ReplicaSetCreateError, 'ReplicaSetCreateError'],
    [ConditionReason.AvailableReason, 'AvailableReason'],
    [ConditionReason.RolloutCompleted, 'RolloutCompleted'],
    [ConditionReason.RolloutHealthy, 'RolloutHealthy'],
    [ConditionReason.InvalidSpec, 'InvalidSpec'],
    [ConditionMessage.Available, 'Rollout has minimum availability'],
    [ConditionMessage.NotAvailable, 'Rollout does not have minimum availability'],
    [ConditionMessage.Healthy, 'Rollout is healthy'],
    [ConditionMessage.NotHealthy, 'Rollout is not healthy'],
    [ConditionMessage.Paused, 'Rollout is paused'],
    [ConditionMessage.Resumed, 'Rollout is resumed'],
    [ConditionMessage.Retry, 'Retrying Rollout after abort'],
    [ConditionMessage.Completed, 'RolloutCompleted'],
  ])('%s', (actual, expected) => {
    expect(actual).toBe(expected);
  });
});

describe('setCondition', () => {
  it.each<[string, ReadonlyArray<Condition> | null | undefined, ConditionUpdate, boolean, Condition[]]>([
    [
      'adds an absent condition with both times = now',
      [],
      { type: 'Healthy', status: 'False', reason: 'RolloutHealthy', message: 'Rollout is not healthy' },
      false,
      [cond('Healthy', 'False', 'RolloutHealthy', 'Rollout is not healthy', NOW_S, NOW_S)],
    ],
    [
      'treats null conditions as none',
      null,
      { type: 'Available', status: 'True', reason: 'AvailableReason', message: 'Rollout has minimum availability' },
      false,
      [cond('Available', 'True', 'AvailableReason', 'Rollout has minimum availability', NOW_S, NOW_S)],
    ],
    [
      'appends a new condition after the existing ones',
      [progressing, available],
      { type: 'Healthy', status: 'False', reason: 'RolloutHealthy', message: 'Rollout is not healthy' },
      false,
      [progressing, available, cond('Healthy', 'False', 'RolloutHealthy', 'Rollout is not healthy', NOW_S, NOW_S)],
    ],
    [
      'unchanged: keeps both times',
      [progressing, available],
      { type: 'Available', status: 'False', reason: 'AvailableReason', message: 'Rollout does not have minimum availability' },
      false,
      [progressing, available],
    ],
    [
      'same status, new reason: keeps lastTransitionTime, updates lastUpdateTime',
      [progressing],
      { type: 'Progressing', status: 'True', reason: 'NewReplicaSetAvailable', message: 'ReplicaSet "a" has successfully progressed.' },
      false,
      [cond('Progressing', 'True', 'NewReplicaSetAvailable', 'ReplicaSet "a" has successfully progressed.', EARLIER, NOW_S)],
    ],
    [
      'same status and reason, new message: keeps lastTransitionTime, updates lastUpdateTime',
      [progressing],
      { type: 'Progressing', status: 'True', reason: 'ReplicaSetUpdated', message: 'ReplicaSet "b" is progressing.' },
      false,
      [cond('Progressing', 'True', 'ReplicaSetUpdated', 'ReplicaSet "b" is progressing.', EARLIER, NOW_S)],
    ],
    [
      'status change: both times = now',
      [available],
      { type: 'Available', status: 'True', reason: 'AvailableReason', message: 'Rollout has minimum availability' },
      false,
      [cond('Available', 'True', 'AvailableReason', 'Rollout has minimum availability', NOW_S, NOW_S)],
    ],
    [
      'status change with the same reason and message still moves both times',
      [progressing],
      { type: 'Progressing', status: 'Unknown', reason: 'ReplicaSetUpdated', message: 'ReplicaSet "a" is progressing.' },
      false,
      [cond('Progressing', 'Unknown', 'ReplicaSetUpdated', 'ReplicaSet "a" is progressing.', NOW_S, NOW_S)],
    ],
    [
      'touch on an unchanged condition: refreshes lastUpdateTime only',
      [progressing],
      { type: 'Progressing', status: 'True', reason: 'ReplicaSetUpdated', message: 'ReplicaSet "a" is progressing.' },
      true,
      [cond('Progressing', 'True', 'ReplicaSetUpdated', 'ReplicaSet "a" is progressing.', EARLIER, NOW_S)],
    ],
    [
      'touch with a status change: both times = now',
      [cond('Progressing', 'Unknown', 'RolloutPaused', 'Rollout is paused')],
      { type: 'Progressing', status: 'True', reason: 'RolloutResumed', message: 'Rollout is resumed' },
      true,
      [cond('Progressing', 'True', 'RolloutResumed', 'Rollout is resumed', NOW_S, NOW_S)],
    ],
    [
      'keeps the position of an updated condition',
      [progressing, available, healthy],
      { type: 'Available', status: 'True', reason: 'AvailableReason', message: 'Rollout has minimum availability' },
      false,
      [progressing, cond('Available', 'True', 'AvailableReason', 'Rollout has minimum availability', NOW_S, NOW_S), healthy],
    ],
    [
      'fills in missing timestamps of an unchanged condition',
      [{ type: 'Paused', status: 'True', reason: 'RolloutPaused', message: 'Rollout is paused' }],
      { type: 'Paused', status: 'True', reason: 'RolloutPaused', message: 'Rollout is paused' },
      false,
      [cond('Paused', 'True', 'RolloutPaused', 'Rollout is paused', NOW_S, NOW_S)],
    ],
    [
      'a missing reason/message compares as empty',
      [{ type: 'Paused', status: 'False', lastTransitionTime: EARLIER, lastUpdateTime: LATER_UPDATE }],
      { type: 'Paused', status: 'False', reason: '', message: '' },
      false,
      [{ type: 'Paused', status: 'False', lastTransitionTime: EARLIER, lastUpdateTime: LATER_UPDATE }],
    ],
    [
      'drops later duplicates of the type',
      [progressing, available, cond('Progressing', 'False', 'RolloutAborted', 'old')],
      { type: 'Progressing', status: 'True', reason: 'ReplicaSetUpdated', message: 'ReplicaSet "a" is progressing.' },
      false,
      [progressing, available],
    ],
  ])('%s', (_name, before, next, touch, expected) => {
    expect(setCondition(before, next, NOW, { touch })).toEqual(expected);
  });

  it('returns untouched conditions as the same objects, and never mutates its input', () => {
    const before = [progressing, available, healthy];
    const snapshot = JSON.parse(JSON.stringify(before));
    const after = setCondition(before, { type: 'Available', status: 'True', reason: 'AvailableReason', message: 'm' }, NOW);
    expect(after).not.toBe(before);
    expect(after[0]).toBe(progressing);
    expect(after[2]).toBe(healthy);
    expect(before).toEqual(snapshot);
    // An unchanged condition is the same object, so a status diff sees nothing.
    expect(setCondition(before, { type: 'Healthy', status: 'False', reason: 'RolloutHealthy', message: 'Rollout is not healthy' }, NOW)[2]).toBe(healthy);
  });

  const arbStatus = fc.constantFrom<ConditionStatus>('True', 'False', 'Unknown');
  const arbType = fc.constantFrom('Progressing', 'Available', 'Paused', 'Healthy', 'Completed');
  const arbText = fc.constantFrom('', 'a', 'b', 'RolloutPaused');
  const arbTime = fc.option(fc.constantFrom(EARLIER, LATER_UPDATE, NOW_S), { nil: undefined });
  const arbCondition = fc.record(
    { type: arbType, status: arbStatus, reason: arbText, message: arbText, lastTransitionTime: arbTime, lastUpdateTime: arbTime },
    { requiredKeys: ['type', 'status'] },
  );
  const arbUpdate = fc.record({ type: arbType, status: arbStatus, reason: arbText, message: arbText });
  const arbNow = fc.integer({ min: Date.UTC(2020, 0, 1), max: Date.UTC(2030, 0, 1) });

  it('is idempotent: applying the same update twice equals applying it once', () => {
    fc.assert(
      fc.property(fc.array(arbCondition, { maxLength: 6 }), arbUpdate, arbNow, fc.boolean(), (conditions, update, now, touch) => {
        const once = setCondition(conditions, update, now, { touch });
        expect(setCondition(once, update, now, { touch })).toEqual(once);
      }),
    );
  });

  it('leaves exactly one condition of the type, saying what was asked, with the others in order', () => {
    fc.assert(
      fc.property(fc.array(arbCondition, { maxLength: 6 }), arbUpdate, arbNow, (conditions, update, now) => {
        const after = setCondition(conditions, update, now);
        const ofType = after.filter((c) => c.type === update.type);
        expect(ofType).toHaveLength(1);
        // An absent reason or message is the empty string (Go omits empty strings).
        const got = ofType[0]!;
        expect({ status: got.status, reason: got.reason ?? '', message: got.message ?? '' }).toEqual({ status: update.status, reason: update.reason, message: update.message });
        expect(after.filter((c) => c.type !== update.type)).toEqual(conditions.filter((c) => c.type !== update.type));
      }),
    );
  });
});

describe('getCondition and removeCondition', () => {
  it.each([
    ['finds a condition by type', [progressing, available], 'Available', available],
    ['finds the first of duplicates', [progressing, cond('Progressing', 'False', 'x', 'y')], 'Progressing', progressing],
    ['absent type', [progressing], 'Healthy', undefined],
    ['null list', null, 'Healthy', undefined],
  ])('getCondition: %s', (_name, conditions, type, expected) => {
    expect(getCondition(conditions, type)).toBe(expected);
  });

  it.each([
    ['removes the type, keeping the order', [progressing, available, healthy], 'Available', [progressing, healthy]],
    ['removes duplicates', [progressing, available, cond('Progressing', 'False', 'x', 'y')], 'Progressing', [available]],
    ['absent type is a copy', [progressing], 'Healthy', [progressing]],
    ['null list', undefined, 'Healthy', []],
  ])('removeCondition: %s', (_name, conditions, type, expected) => {
    expect(removeCondition(conditions, type)).toEqual(expected);
  });
});
