import type { Rollout, RolloutStatus } from '@rollouts/api';
import type { Intent, ReconcileResult } from './Intent';
import type { RolloutObservation } from './Observation';
import { withRouterStatus, type RouterStatusFragment } from './RouterStatus';

const ALB = { loadBalancer: { name: 'lb', arn: 'arn:aws:elasticloadbalancing:us-east-1:1:loadbalancer/app/lb/1', fullName: 'app/lb/1' }, canaryTargetGroup: { name: 'c' }, stableTargetGroup: { name: 's' } };
const obs = (prev: RolloutStatus, routerStatus?: RouterStatusFragment): RolloutObservation =>
  ({
    rollout: { apiVersion: 'argoproj.io/v1alpha1', kind: 'Rollout', metadata: { name: 'web' }, spec: {}, status: prev } as Rollout,
    replicaSets: [],
    services: [],
    analysisRuns: [],
    experiments: [],
    analysisTemplates: [],
    clusterAnalysisTemplates: [],
    trafficRouting: { routers: [{ kind: 'alb', supports: ['verifyWeight'] }], ...(routerStatus !== undefined ? { routerStatus } : {}) },
    now: 0,
  }) as RolloutObservation;
const event: Intent = { _tag: 'RecordEvent', type: 'Normal', eventReason: 'X', message: 'x', reason: 'x' };
const writes = (r: ReconcileResult) => r.intents.filter((i) => i._tag === 'UpdateStatus').map((i) => (i as { status: RolloutStatus }).status);

describe('withRouterStatus', () => {
  test('a reported status.alb is written even when the strategy had nothing to write', () => {
    const r = withRouterStatus(obs({ phase: 'Healthy' }, { alb: ALB }), { status: { phase: 'Healthy' }, intents: [event] });
    expect(r.status).toEqual({ phase: 'Healthy', alb: ALB });
    expect(r.intents[0]).toBe(event);
    expect(writes(r)).toEqual([{ phase: 'Healthy', alb: ALB }]);
  });

  test("the strategy's write carries the reported fields; fields not reported keep the Rollout's values", () => {
    const albs = [{ ...ALB, ingress: 'a' }];
    const r = withRouterStatus(obs({ phase: 'Progressing', albs }, { alb: ALB }), { status: { phase: 'Healthy' }, intents: [{ _tag: 'UpdateStatus', status: { phase: 'Healthy' }, reason: 'done' }] });
    expect(writes(r)).toEqual([{ phase: 'Healthy', alb: ALB, albs }]);
    expect(r.intents).toHaveLength(1);
    expect((r.intents[0] as { reason: string }).reason).toBe('done');
  });

  test('nothing reported: the Rollout keeps status.alb, and a write that only dropped it is no write at all', () => {
    const prev = { phase: 'Healthy', alb: ALB };
    const r = withRouterStatus(obs(prev), { status: { phase: 'Healthy' }, intents: [{ _tag: 'UpdateStatus', status: { phase: 'Healthy' }, reason: 'strategy' }] });
    expect(r.status).toEqual(prev);
    expect(writes(r)).toEqual([]);
  });

  test('null removes a field; the same value again writes nothing', () => {
    const prev = { phase: 'Healthy', alb: ALB };
    expect(writes(withRouterStatus(obs(prev, { alb: null }), { status: { phase: 'Healthy', alb: ALB }, intents: [] }))).toEqual([{ phase: 'Healthy' }]);
    const same = { status: { phase: 'Healthy', alb: ALB }, intents: [] };
    expect(withRouterStatus(obs(prev, { alb: ALB }), same)).toBe(same);
  });

  test('no router status anywhere: the result is returned as it is', () => {
    const result: ReconcileResult = { status: { phase: 'Healthy' }, intents: [event] };
    expect(withRouterStatus(obs({ phase: 'Healthy' }), result)).toBe(result);
  });
});
