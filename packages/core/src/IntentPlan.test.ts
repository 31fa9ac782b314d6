import { intentPlan } from './IntentPlan';

describe('intentPlan.annotateWithNextWrite', () => {
  test('rides along with the first write to that ReplicaSet, keeping the annotations of that write', () => {
    const p = intentPlan();
    p.scaleUps.push({ _tag: 'ScaleReplicaSet', name: 'other', replicas: 1, reason: 'a' });
    p.scaleDowns.push({ _tag: 'ScaleReplicaSet', name: 'web-1', replicas: 2, annotations: { 'rollout.argoproj.io/desired-replicas': '5' }, reason: 'b' });
    p.annotateWithNextWrite('web-1', { 'rollout.argoproj.io/revision': '3' }, 'renumbered');
    expect(p.ordered()).toEqual([
      { _tag: 'ScaleReplicaSet', name: 'other', replicas: 1, reason: 'a' },
      { _tag: 'ScaleReplicaSet', name: 'web-1', replicas: 2, annotations: { 'rollout.argoproj.io/revision': '3', 'rollout.argoproj.io/desired-replicas': '5' }, reason: 'b; renumbered' },
    ]);
  });

  test('with no write to that ReplicaSet it goes on its own, after the scale-ups and before everything else', () => {
    const p = intentPlan();
    p.scaleUps.push({ _tag: 'ScaleReplicaSet', name: 'other', replicas: 1, reason: 'a' });
    p.traffic.push({ _tag: 'SetWeight', weight: 0, maxWeight: 100, additionalDestinations: [], reason: 't' });
    p.annotateWithNextWrite('web-1', { 'rollout.argoproj.io/revision': '3' }, 'renumbered');
    expect(p.ordered().map((i) => i._tag)).toEqual(['ScaleReplicaSet', 'AnnotateReplicaSet', 'SetWeight']);
  });
});
