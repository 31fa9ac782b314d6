import { describeUnsynced } from './ControllerApp';

test.each([
  [[], ''],
  [[{ kind: 'Rollout' }, { kind: 'Service' }], 'Rollout, Service (no answer yet)'],
  [
    [
      { kind: 'Rollout', lastError: 'list Rollout: request to http://127.0.0.1:1/apis/argoproj.io/v1alpha1/rollouts?limit=500 failed, reason: connect ECONNREFUSED 127.0.0.1:1' },
      { kind: 'Service', lastError: 'list Service in shop: request to http://127.0.0.1:1/api/v1/namespaces/shop/services?limit=500 failed, reason: connect ECONNREFUSED 127.0.0.1:1' },
    ],
    'Rollout, Service (connect ECONNREFUSED 127.0.0.1:1)',
  ],
  [
    [
      { kind: 'Rollout', lastError: 'list Rollout: Forbidden: rollouts.argoproj.io is forbidden: User "x" cannot list resource "rollouts"' },
      { kind: 'Deployment' },
      { kind: 'Experiment', lastError: 'watch Experiment: watch error 500: boom' },
    ],
    'Rollout (Forbidden: rollouts.argoproj.io is forbidden: User "x" cannot list resource "rollouts"); Deployment (no answer yet); Experiment (watch error 500: boom)',
  ],
])('describeUnsynced(%j)', (unsynced, text) => {
  expect(describeUnsynced(unsynced)).toBe(text);
});
