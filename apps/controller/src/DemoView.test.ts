import type { ReplicaSet, Rollout } from '@rollouts/api';
import { renderRollout } from './DemoView';

const rs = (hash: string, image: string, replicas: number, available: number): ReplicaSet => ({
  metadata: { name: `web-${hash}`, labels: { 'rollouts-pod-template-hash': hash }, annotations: { 'rollout.argoproj.io/revision': '1' } },
  spec: { replicas, template: { spec: { containers: [{ name: 'web', image }] } } },
  status: { replicas, availableReplicas: available },
});
const steps = [{ setWeight: 20 }, { pause: {} }, { setWeight: 60 }];
const rollout = (status: Rollout['status']): Rollout => ({ metadata: { name: 'web' }, spec: { selector: {}, strategy: { canary: { steps } } }, status });

test('an update in progress shows the step, the traffic split and both revisions', () => {
  const lines = renderRollout(rollout({ phase: 'Paused', message: 'CanaryPauseStep', currentStepIndex: 1, stableRS: 'a', currentPodHash: 'b', pauseConditions: [{ reason: 'CanaryPauseStep', startTime: '2024-01-01T00:00:00Z' }] }), [
    rs('a', 'web:1', 4, 4),
    rs('b', 'web:2', 1, 0),
  ]);
  expect(lines).toEqual([
    'Rollout web   Paused (CanaryPauseStep)',
    // `step 1/3` as get rollout shows it: one step of three completed, paused at the second
    '  update    web:1 -> web:2   step 1/3: pause  <- waiting for promote',
    '  traffic   canary  20% ████░░░░░░░░░░░░░░░░ stable 80%',
    '  stable    web-a                    ●●●●       4/4 available',
    '  canary    web-b                    ○          0/1 available',
  ]);
});

test('a stable Rollout shows its revision and image only; an aborted one sends no traffic to the canary', () => {
  expect(renderRollout(rollout({ phase: 'Healthy', stableRS: 'a', currentPodHash: 'a' }), [rs('a', 'web:1', 2, 2)])[1]).toBe('  revision  1  image web:1  (stable, no update in progress)');
  const aborted = renderRollout(rollout({ phase: 'Degraded', abort: true, currentStepIndex: 2, stableRS: 'a', currentPodHash: 'b' }), [rs('a', 'web:1', 4, 4), rs('b', 'web:2', 0, 0)]);
  expect(aborted[2]).toBe('  traffic   canary   0% ░░░░░░░░░░░░░░░░░░░░ stable 100%');
});
