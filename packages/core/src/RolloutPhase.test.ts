import type { Condition, RolloutSpec, RolloutStatus } from '@rollouts/api';
import fc from 'fast-check';
import {
  calculateRolloutPhase,
  clientRolloutPhase,
  rolloutCompleted,
  rolloutHealthy,
  rolloutHealthyIgnoringPause,
  type RolloutPhaseInput,
} from './RolloutPhase';

type Spec = RolloutPhaseInput['spec'];

const cond = (type: string, status: string, reason: string, message?: string): Condition => ({
  type,
  status,
  reason,
  ...(message == null ? {} : { message }),
  lastTransitionTime: '2026-01-01T00:00:00Z',
  lastUpdateTime: '2026-01-01T00:00:00Z',
});

const canarySpec: Spec = { replicas: 3, strategy: { canary: { steps: [{ setWeight: 20 }, { pause: {} }] } } };
const routedSpec: Spec = { replicas: 3, strategy: { canary: { steps: [{ setWeight: 20 }], trafficRouting: { nginx: { stableIngress: 'ing' } } } } };
const bgSpec: Spec = { replicas: 3, strategy: { blueGreen: { activeService: 'active', previewService: 'preview' } } };
const bgPostSpec: Spec = {
  replicas: 3,
  strategy: { blueGreen: { activeService: 'active', postPromotionAnalysis: { templates: [{ templateName: 'smoke' }] } } },
};

/** A fully promoted Rollout at hash `new`. */
const done: RolloutStatus = {
  replicas: 3,
  updatedReplicas: 3,
  readyReplicas: 3,
  availableReplicas: 3,
  currentPodHash: 'new',
  stableRS: 'new',
  currentStepIndex: 2,
  conditions: [cond('Progressing', 'True', 'NewReplicaSetAvailable', 'ReplicaSet "ro-new" has successfully progressed.')],
};
const bgDone: RolloutStatus = { ...done, blueGreen: { activeSelector: 'new', previewSelector: 'new' } };
const with_ = (base: RolloutStatus, patch: Partial<RolloutStatus>): RolloutStatus => ({ ...base, ...patch });

describe('calculateRolloutPhase', () => {
  it.each<[string, Spec, RolloutStatus, string, string]>([
    // 1. Degraded
    ['InvalidSpec condition', canarySpec, with_(done, { conditions: [cond('InvalidSpec', 'True', 'InvalidSpec', 'The Rollout "ro" is invalid: spec.selector: Required value')] }), 'Degraded', 'InvalidSpec: The Rollout "ro" is invalid: spec.selector: Required value'],
    ['InvalidSpec without a message', canarySpec, with_(done, { conditions: [cond('InvalidSpec', 'True', 'InvalidSpec')] }), 'Degraded', 'InvalidSpec: '],
    ['RolloutAborted', canarySpec, with_(done, { conditions: [cond('Progressing', 'False', 'RolloutAborted', 'Rollout aborted update to revision 2')] }), 'Degraded', 'RolloutAborted: Rollout aborted update to revision 2'],
    ['ProgressDeadlineExceeded', bgSpec, with_(bgDone, { conditions: [cond('Progressing', 'False', 'ProgressDeadlineExceeded', 'ReplicaSet "ro-new" has timed out progressing.')] }), 'Degraded', 'ProgressDeadlineExceeded: ReplicaSet "ro-new" has timed out progressing.'],
    ['the first matching condition wins', canarySpec, with_(done, { conditions: [cond('Available', 'True', 'AvailableReason', 'ok'), cond('Progressing', 'False', 'RolloutAborted', 'aborted'), cond('InvalidSpec', 'True', 'InvalidSpec', 'bad')] }), 'Degraded', 'RolloutAborted: aborted'],
    ['the reason counts on any condition type', canarySpec, with_(done, { conditions: [cond('Paused', 'True', 'ProgressDeadlineExceeded', 'odd')] }), 'Degraded', 'ProgressDeadlineExceeded: odd'],
    ['Degraded beats a manual pause', { ...canarySpec, paused: true }, with_(done, { conditions: [cond('Progressing', 'False', 'RolloutAborted', 'a')] }), 'Degraded', 'RolloutAborted: a'],
    ['other False reasons do not degrade', canarySpec, with_(done, { conditions: [cond('Progressing', 'False', 'ReplicaSetCreateError', 'quota')] }), 'Healthy', ''],
    // 2. Paused
    ['manual pause', { ...canarySpec, paused: true }, done, 'Paused', 'manually paused'],
    ['manual pause beats pause conditions', { ...canarySpec, paused: true }, with_(done, { pauseConditions: [{ reason: 'CanaryPauseStep', startTime: '2026-01-01T00:00:00Z' }] }), 'Paused', 'manually paused'],
    ['pause step', canarySpec, with_(done, { pauseConditions: [{ reason: 'CanaryPauseStep', startTime: '2026-01-01T00:00:00Z' }] }), 'Paused', 'CanaryPauseStep'],
    ['the first pause condition names the pause', canarySpec, with_(done, { pauseConditions: [{ reason: 'InconclusiveAnalysisRun', startTime: 't' }, { reason: 'CanaryPauseStep', startTime: 't' }] }), 'Paused', 'InconclusiveAnalysisRun'],
    ['blue-green pause', bgSpec, with_(bgDone, { pauseConditions: [{ reason: 'BlueGreenPause', startTime: 't' }] }), 'Paused', 'BlueGreenPause'],
    ['controllerPause alone is not a pause', canarySpec, with_(done, { controllerPause: true }), 'Healthy', ''],
    ['spec.paused false is not a pause', { ...canarySpec, paused: false }, done, 'Healthy', ''],
    // 3. Restart
    ['restartAt not yet done', { ...canarySpec, restartAt: '2026-01-02T00:00:00Z' }, done, 'Progressing', 'rollout is restarting'],
    ['restartAt older than the last restart', { ...canarySpec, restartAt: '2026-01-02T00:00:00Z' }, with_(done, { restartedAt: '2026-01-03T00:00:00Z' }), 'Progressing', 'rollout is restarting'],
    ['restartAt done (same instant, other spelling)', { ...canarySpec, restartAt: '2026-01-02T01:00:00+01:00' }, with_(done, { restartedAt: '2026-01-02T00:00:00Z' }), 'Healthy', ''],
    ['restartedAt without restartAt', canarySpec, with_(done, { restartedAt: '2026-01-02T00:00:00Z' }), 'Healthy', ''],
    // 4. Replicas
    ['more replicas need to be updated', canarySpec, with_(done, { updatedReplicas: 2 }), 'Progressing', 'more replicas need to be updated'],
    ['replicas default to 1', { strategy: canarySpec.strategy }, with_(done, { replicas: 0, updatedReplicas: 0, availableReplicas: 0 }), 'Progressing', 'more replicas need to be updated'],
    ['replicas 1 by default, all there', { strategy: canarySpec.strategy }, with_(done, { replicas: 1, updatedReplicas: 1, availableReplicas: 1 }), 'Healthy', ''],
    ['zero replicas', { ...canarySpec, replicas: 0 }, with_(done, { replicas: 0, updatedReplicas: 0, availableReplicas: 0 }), 'Healthy', ''],
    ['an empty status', canarySpec, {}, 'Progressing', 'more replicas need to be updated'],
    ['updated replicas still becoming available', canarySpec, with_(done, { availableReplicas: 2 }), 'Progressing', 'updated replicas are still becoming available'],
    ['update checks come before the strategy', bgSpec, with_(done, { availableReplicas: 1 }), 'Progressing', 'updated replicas are still becoming available'],
    // 5. Blue-green
    ['blue-green: no active selector yet', bgSpec, with_(bgDone, { blueGreen: { previewSelector: 'new' } }), 'Progressing', 'active service cutover pending'],
    ['blue-green: active still on the old hash', bgSpec, with_(bgDone, { stableRS: 'old', blueGreen: { activeSelector: 'old', previewSelector: 'new' } }), 'Progressing', 'active service cutover pending'],
    ['blue-green: post-promotion analysis not started', bgPostSpec, with_(bgDone, { stableRS: 'old' }), 'Progressing', 'waiting for analysis to complete'],
    ['blue-green: post-promotion analysis running', bgPostSpec, with_(bgDone, { stableRS: 'old', blueGreen: { activeSelector: 'new', postPromotionAnalysisRunStatus: { name: 'ro-new-post', status: 'Running' } } }), 'Progressing', 'waiting for analysis to complete'],
    ['blue-green: post-promotion analysis done, not yet stable', bgPostSpec, with_(bgDone, { stableRS: 'old', blueGreen: { activeSelector: 'new', postPromotionAnalysisRunStatus: { name: 'ro-new-post', status: 'Successful' } } }), 'Progressing', 'waiting for post-promotion verification to complete'],
    ['blue-green: inconclusive counts as finished', bgPostSpec, with_(bgDone, { stableRS: 'old', blueGreen: { activeSelector: 'new', postPromotionAnalysisRunStatus: { name: 'ro-new-post', status: 'Inconclusive' } } }), 'Progressing', 'waiting for post-promotion verification to complete'],
    ['blue-green: no analysis, stable not set', bgSpec, with_(bgDone, { stableRS: null }), 'Progressing', 'waiting for post-promotion verification to complete'],
    ['blue-green: old replicas may linger (scaleDownDelay)', bgSpec, with_(bgDone, { replicas: 6 }), 'Healthy', ''],
    ['blue-green: done', bgSpec, bgDone, 'Healthy', ''],
    ['blue-green wins when both strategies are set', { replicas: 3, strategy: { ...bgSpec.strategy, ...canarySpec.strategy } }, with_(done, { blueGreen: {} }), 'Progressing', 'active service cutover pending'],
    // 6. Canary
    ['basic canary: old replicas pending termination', canarySpec, with_(done, { replicas: 4 }), 'Progressing', 'old replicas are pending termination'],
    ['basic canary: old replicas come before steps', canarySpec, with_(done, { replicas: 4, stableRS: 'old' }), 'Progressing', 'old replicas are pending termination'],
    ['basic canary: steps not finished', canarySpec, with_(done, { stableRS: 'old' }), 'Progressing', 'waiting for all steps to complete'],
    ['canary: no stable yet', canarySpec, with_(done, { stableRS: '' }), 'Progressing', 'waiting for all steps to complete'],
    ['canary: stable and current both empty', canarySpec, with_(done, { stableRS: '', currentPodHash: '' }), 'Progressing', 'waiting for all steps to complete'],
    ['traffic-routed canary: old replicas may linger', routedSpec, with_(done, { replicas: 6 }), 'Healthy', ''],
    ['traffic-routed canary: steps not finished', routedSpec, with_(done, { replicas: 6, stableRS: 'old' }), 'Progressing', 'waiting for all steps to complete'],
    ['canary: done', canarySpec, done, 'Healthy', ''],
    // 7. No strategy: only the generic rules apply
    ['no strategy', { replicas: 3 }, with_(done, { stableRS: '' }), 'Healthy', ''],
  ])('%s', (_name, spec, status, phase, message) => {
    expect(calculateRolloutPhase({ spec, status })).toEqual({ phase, message });
  });

  const arbHash = fc.constantFrom<string | null>('', 'old', 'new', null);
  const arbCount = fc.option(fc.integer({ min: 0, max: 5 }), { nil: undefined });
  const arbStatus: fc.Arbitrary<RolloutStatus> = fc.record(
    {
      replicas: arbCount,
      updatedReplicas: arbCount,
      availableReplicas: arbCount,
      currentPodHash: arbHash,
      stableRS: arbHash,
      restartedAt: fc.constantFrom('2026-01-01T00:00:00Z', '2026-01-01T01:00:00+01:00', 'x'),
      pauseConditions: fc.array(fc.record({ reason: fc.constantFrom('CanaryPauseStep', 'BlueGreenPause'), startTime: fc.constant('t') }), { maxLength: 2 }),
      blueGreen: fc.record({ activeSelector: arbHash, postPromotionAnalysisRunStatus: fc.record({ name: fc.constant('r'), status: fc.constantFrom('Running', 'Successful', 'Error') }) }, { requiredKeys: [] }),
      conditions: fc.array(
        fc.record({ type: fc.constantFrom('Progressing', 'InvalidSpec', 'Available'), status: fc.constantFrom('True', 'False'), reason: fc.constantFrom('RolloutAborted', 'ReplicaSetUpdated', 'ProgressDeadlineExceeded'), message: fc.constantFrom('m', '') }),
        { maxLength: 3 },
      ),
    },
    { requiredKeys: [] },
  );
  const arbSpec: fc.Arbitrary<Spec> = fc.record(
    {
      replicas: arbCount,
      paused: fc.boolean(),
      restartAt: fc.constantFrom('2026-01-01T00:00:00Z', 'x'),
      strategy: fc.constantFrom<RolloutSpec['strategy']>(canarySpec.strategy, routedSpec.strategy, bgSpec.strategy, bgPostSpec.strategy, {}),
    },
    { requiredKeys: [] },
  );
  const knownMessages = new Set([
    'manually paused',
    'CanaryPauseStep',
    'BlueGreenPause',
    'rollout is restarting',
    'more replicas need to be updated',
    'updated replicas are still becoming available',
    'active service cutover pending',
    'waiting for analysis to complete',
    'waiting for post-promotion verification to complete',
    'old replicas are pending termination',
    'waiting for all steps to complete',
    '',
  ]);

  it('is deterministic and only ever says one of the known things', () => {
    fc.assert(
      fc.property(arbSpec, arbStatus, (spec, status) => {
        const first = calculateRolloutPhase({ spec, status });
        expect(calculateRolloutPhase({ spec: structuredClone(spec), status: structuredClone(status) })).toEqual(first);
        if (first.phase === 'Degraded') expect(first.message).toMatch(/^(InvalidSpec|RolloutAborted|ProgressDeadlineExceeded): /);
        else expect(knownMessages.has(first.message)).toBe(true);
        expect(first.message === '').toBe(first.phase === 'Healthy');
      }),
    );
  });
});

describe('rolloutHealthy', () => {
  const meta = { generation: 4 };
  const seen = { observedGeneration: '4' };
  it.each<[string, Spec, RolloutStatus | null, RolloutStatus, boolean, boolean]>([
    // [name, spec, previous status, new status, healthy, healthy ignoring pause]
    ['canary done', canarySpec, seen, done, true, true],
    ['manually paused', { ...canarySpec, paused: true }, seen, done, false, true],
    ['paused by the previous status', canarySpec, { ...seen, pauseConditions: [{ reason: 'CanaryPauseStep', startTime: 't' }] }, done, false, true],
    ['a pause only in the new status does not count', canarySpec, seen, with_(done, { pauseConditions: [{ reason: 'CanaryPauseStep', startTime: 't' }] }), true, true],
    ['generation not observed', canarySpec, { observedGeneration: '3' }, done, false, false],
    ['observedGeneration written by this reconcile does not count', canarySpec, { observedGeneration: '3' }, with_(done, { observedGeneration: '4' }), false, false],
    ['no previous status', canarySpec, null, done, false, false],
    ['not all updated', canarySpec, seen, with_(done, { updatedReplicas: 2 }), false, false],
    ['not all available', canarySpec, seen, with_(done, { availableReplicas: 2 }), false, false],
    ['more available than desired', canarySpec, seen, with_(done, { availableReplicas: 4 }), false, false],
    ['canary: steps left', canarySpec, seen, with_(done, { currentStepIndex: 1 }), false, false],
    ['canary: no step index', canarySpec, seen, with_(done, { currentStepIndex: null }), true, true],
    ['canary: no steps', { replicas: 3, strategy: { canary: {} } }, seen, with_(done, { currentStepIndex: 0 }), true, true],
    ['canary: not stable', canarySpec, seen, with_(done, { stableRS: 'old' }), false, false],
    ['canary: stable and current both empty', canarySpec, seen, with_(done, { stableRS: '', currentPodHash: '' }), false, false],
    ['canary: old pods still up', routedSpec, seen, with_(done, { replicas: 4, currentStepIndex: 1 }), false, false],
    ['traffic-routed canary done', routedSpec, seen, with_(done, { currentStepIndex: 1 }), true, true],
    ['replicas default to 1', { strategy: { canary: {} } }, seen, with_(done, { replicas: 1, updatedReplicas: 1, availableReplicas: 1 }), true, true],
    ['blue-green done', bgSpec, seen, bgDone, true, true],
    ['blue-green: old pods may stay up', bgSpec, seen, with_(bgDone, { replicas: 6, stableRS: 'old' }), true, true],
    ['blue-green: active not switched', bgSpec, seen, with_(bgDone, { blueGreen: { activeSelector: 'old', previewSelector: 'new' } }), false, false],
    ['blue-green: preview not switched', bgSpec, seen, with_(bgDone, { blueGreen: { activeSelector: 'new', previewSelector: 'old' } }), false, false],
    ['blue-green without preview ignores the preview selector', bgPostSpec, seen, with_(bgDone, { blueGreen: { activeSelector: 'new' } }), true, true],
  ])('%s', (_name, spec, previous, newStatus, healthy, ignoringPause) => {
    const input = { rollout: { metadata: meta, spec, status: previous }, newStatus };
    expect(rolloutHealthy(input)).toBe(healthy);
    expect(rolloutHealthyIgnoringPause(input)).toBe(ignoringPause);
  });

  it('compares against generation 0 when metadata has none', () => {
    expect(rolloutHealthy({ rollout: { spec: canarySpec, status: { observedGeneration: '0' } }, newStatus: done })).toBe(true);
    expect(rolloutHealthy({ rollout: { spec: canarySpec, status: {} }, newStatus: done })).toBe(false);
  });
});

describe('rolloutCompleted', () => {
  it.each<[string, Pick<RolloutStatus, 'stableRS' | 'currentPodHash'>, boolean]>([
    ['stable is current', { stableRS: 'a', currentPodHash: 'a' }, true],
    ['stable is older', { stableRS: 'a', currentPodHash: 'b' }, false],
    ['no stable', { currentPodHash: 'b' }, false],
    ['both empty', { stableRS: '', currentPodHash: '' }, false],
    ['both null', { stableRS: null, currentPodHash: null }, false],
  ])('%s', (_name, status, expected) => {
    expect(rolloutCompleted(status)).toBe(expected);
  });
});

describe('clientRolloutPhase', () => {
  const annotated = (value: string) => ({ generation: 2, annotations: { 'rollout.argoproj.io/workload-generation': value } });
  const refSpec = { ...canarySpec, workloadRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' } };
  const written: RolloutStatus = { ...done, observedGeneration: '2', phase: 'Healthy', message: '' };
  it.each<[string, { generation?: number; annotations?: Record<string, string> } | undefined, Spec & { workloadRef?: unknown }, RolloutStatus | undefined, string, string]>([
    ['spec change not observed', { generation: 3 }, canarySpec, written, 'Progressing', 'waiting for rollout spec update to be observed'],
    ['generation observed', { generation: 2 }, canarySpec, written, 'Healthy', ''],
    ['observed ahead of generation (recreated object)', { generation: 1 }, canarySpec, written, 'Healthy', ''],
    ['non-numeric observedGeneration (pre-v0.10) counts as observed', { generation: 9 }, canarySpec, { ...written, observedGeneration: '5d4f8c' }, 'Healthy', ''],
    ['empty observedGeneration counts as observed', { generation: 9 }, canarySpec, { ...written, observedGeneration: '' }, 'Healthy', ''],
    ['signed observedGeneration is a number', { generation: 3 }, canarySpec, { ...written, observedGeneration: '+2' }, 'Progressing', 'waiting for rollout spec update to be observed'],
    ['unpausing', { generation: 2 }, canarySpec, { ...written, phase: 'Paused', message: 'CanaryPauseStep', controllerPause: true }, 'Progressing', 'waiting for rollout to unpause'],
    ['still paused', { generation: 2 }, canarySpec, { ...written, phase: 'Paused', message: 'CanaryPauseStep', controllerPause: true, pauseConditions: [{ reason: 'CanaryPauseStep', startTime: 't' }] }, 'Paused', 'CanaryPauseStep'],
    ['workload change not observed', annotated('3'), refSpec, { ...written, workloadObservedGeneration: '2' }, 'Progressing', 'waiting for rollout spec update to be observed for the reference workload'],
    ['workload change observed', annotated('3'), refSpec, { ...written, workloadObservedGeneration: '3' }, 'Healthy', ''],
    ['workload annotation missing', { generation: 2 }, refSpec, { ...written, workloadObservedGeneration: '1' }, 'Healthy', ''],
    ['workload annotation not a number', annotated('three'), refSpec, { ...written, workloadObservedGeneration: '1' }, 'Healthy', ''],
    ['workload annotation beyond int32', annotated('4294967296'), refSpec, { ...written, workloadObservedGeneration: '1' }, 'Healthy', ''],
    ['workload generation never observed', annotated('3'), refSpec, written, 'Healthy', ''],
    ['annotation without workloadRef is ignored', annotated('3'), canarySpec, { ...written, workloadObservedGeneration: '2' }, 'Healthy', ''],
    ['the controller’s degraded phase is shown as written', { generation: 2 }, canarySpec, { ...written, phase: 'Degraded', message: 'RolloutAborted: x' }, 'Degraded', 'RolloutAborted: x'],
    ['an unknown phase passes through', { generation: 2 }, canarySpec, { ...written, phase: 'Frobnicating', message: 'm' }, 'Frobnicating', 'm'],
    ['no phase written: computed', { generation: 2 }, { ...canarySpec, paused: true }, { ...written, phase: '' }, 'Paused', 'manually paused'],
    ['no status at all', undefined, canarySpec, undefined, 'Progressing', 'more replicas need to be updated'],
  ])('%s', (_name, metadata, spec, status, phase, message) => {
    expect(clientRolloutPhase({ metadata, spec: spec as Spec, status })).toEqual({ phase, message });
  });
});
