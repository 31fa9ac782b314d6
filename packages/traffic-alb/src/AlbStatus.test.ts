import * as E from 'fp-ts/lib/Either';
import type { ALBTrafficRouting, Rollout } from '@rollouts/api';
import { PluginErrors, type KubeObject, type RoutingContext } from '@rollouts/plugin-sdk';
import { FakeKubeObjectClient } from '@rollouts/plugin-sdk/testing';
import { albRouter } from './AlbRouter';
import { loadBalancerFullName, targetGroupFullName } from './AlbStatus';
import { RESOURCE_TAG, type LoadBalancerRef, type TargetGroupReader, type TargetGroupWeight } from './TargetGroupReader';

const quiet = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };
const ARN = 'arn:aws:elasticloadbalancing:eu-west-1:123456789012';
const lbArn = (name: string) => `${ARN}:loadbalancer/app/${name}/50dc6c495c0c9188`;
const tgArn = (name: string) => `${ARN}:targetgroup/${name}/73e2d6bc24d8a067`;

function ingress(name: string, hostname?: string): KubeObject {
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: { name, namespace: 'ns' },
    spec: { rules: [{ http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'web-stable', port: { name: 'use-annotation' } } } }] } }] },
    ...(hostname !== undefined ? { status: { loadBalancer: { ingress: [{ hostname }] } } } : {}),
  };
}
const group = (ing: string, svc: string): TargetGroupWeight => ({ name: `k8s-${ing}-${svc}`, arn: tgArn(`k8s-${ing}-${svc}`), tags: { [RESOURCE_TAG]: `ns/${ing}-${svc}:443` }, weight: undefined });

/** Recorded-contract fake of the ELBv2 reader: load balancers by DNS name, each with its target groups. */
function fakeReader(lbs: Record<string, { lb: LoadBalancerRef; groups: TargetGroupWeight[] }>, withLoadBalancer = true): TargetGroupReader & { calls: string[] } {
  const calls: string[] = [];
  const reader: TargetGroupReader & { calls: string[] } = {
    calls,
    targetGroups: (dns) => async () => {
      calls.push(`targetGroups ${dns}`);
      return E.right(lbs[dns]?.groups);
    },
  };
  if (withLoadBalancer)
    reader.loadBalancer = (dns) => async () => {
      calls.push(`loadBalancer ${dns}`);
      return E.right(lbs[dns]?.lb);
    };
  return reader;
}

function context(config: ALBTrafficRouting): RoutingContext {
  const rollout: Rollout = { apiVersion: 'argoproj.io/v1alpha1', kind: 'Rollout', metadata: { name: 'web', namespace: 'ns' }, spec: { strategy: { canary: { trafficRouting: { alb: config } } } } };
  return { rollout, namespace: 'ns', canaryService: 'web-canary', stableService: 'web-stable', canaryPodHash: 'c', stablePodHash: 's', maxWeight: 100, signal: new AbortController().signal };
}
const make = (config: ALBTrafficRouting, objects: KubeObject[], reader?: TargetGroupReader) =>
  albRouter(reader !== undefined ? { targetGroups: reader } : {}).make({ kube: new FakeKubeObjectClient(objects), log: quiet, now: () => 0 })(config);

const LB = { lb: { name: 'k8s-web', arn: lbArn('k8s-web') }, groups: [group('web', 'web-canary'), group('web', 'web-stable'), group('web', 'other')] };

describe('alb router: status (status.alb / status.albs)', () => {
  test('one ingress: status.alb names the load balancer and the canary and stable target groups, with their full names', async () => {
    const config = { ingress: 'web', servicePort: 443 };
    const reader = fakeReader({ 'web.elb': LB });
    expect(await make(config, [ingress('web', 'web.elb')], reader).status!(context(config))()).toEqual(
      E.right({
        alb: {
          loadBalancer: { name: 'k8s-web', arn: lbArn('k8s-web'), fullName: 'app/k8s-web/50dc6c495c0c9188' },
          canaryTargetGroup: { name: 'k8s-web-web-canary', arn: tgArn('k8s-web-web-canary'), fullName: 'targetgroup/k8s-web-web-canary/73e2d6bc24d8a067' },
          stableTargetGroup: { name: 'k8s-web-web-stable', arn: tgArn('k8s-web-web-stable'), fullName: 'targetgroup/k8s-web-web-stable/73e2d6bc24d8a067' },
        },
      }),
    );
    expect(reader.calls).toEqual(['targetGroups web.elb', 'loadBalancer web.elb']);
  });

  test('several ingresses: status.albs, one entry per Ingress with its name; one without a load balancer yet is left out', async () => {
    const config = { ingresses: ['web', 'web-internal', 'pending'], servicePort: 443 };
    const internal = { lb: { name: 'k8s-int', arn: lbArn('k8s-int') }, groups: [group('web-internal', 'web-canary'), group('web-internal', 'web-stable')] };
    const r = await make(config, [ingress('web', 'web.elb'), ingress('web-internal', 'int.elb'), ingress('pending')], fakeReader({ 'web.elb': LB, 'int.elb': internal })).status!(context(config))();
    expect(E.isRight(r) && r.right?.albs?.map((a) => [a.ingress, a.loadBalancer?.name, a.canaryTargetGroup?.name, a.stableTargetGroup?.name])).toEqual([
      ['web', 'k8s-web', 'k8s-web-web-canary', 'k8s-web-web-stable'],
      ['web-internal', 'k8s-int', 'k8s-web-internal-web-canary', 'k8s-web-internal-web-stable'],
    ]);
  });

  test('nothing to report while no Ingress has a load balancer AWS knows', async () => {
    const config = { ingress: 'web', servicePort: 443 };
    expect(await make(config, [ingress('web')], fakeReader({})).status!(context(config))()).toEqual(E.right(undefined));
    expect(await make(config, [ingress('web', 'unknown.elb')], fakeReader({})).status!(context(config))()).toEqual(E.right(undefined));
  });

  test('a reader without loadBalancer: the target groups only', async () => {
    const config = { ingress: 'web', servicePort: 443 };
    const r = await make(config, [ingress('web', 'web.elb')], fakeReader({ 'web.elb': LB }, false)).status!(context(config))();
    expect(E.isRight(r) && r.right?.alb !== undefined && Object.keys(r.right.alb!)).toEqual(['canaryTargetGroup', 'stableTargetGroup']);
  });

  test('reader failures and a missing Ingress are returned as values', async () => {
    const config = { ingress: 'web', servicePort: 443 };
    const failure = PluginErrors.routerUnavailable({ message: 'ELBv2 DescribeLoadBalancers: connection refused' });
    const failing: TargetGroupReader = { targetGroups: () => async () => E.left(failure) };
    expect(await make(config, [ingress('web', 'web.elb')], failing).status!(context(config))()).toEqual(E.left(failure));
    const missing = await make(config, [], fakeReader({})).status!(context(config))();
    expect(E.isLeft(missing) && missing.left.message).toBe('Ingress `web` not found in namespace ns');
  });

  test('without a target group reader the router has no status method (as it has no verifyWeight)', () => {
    expect(make({ ingress: 'web', servicePort: 443 }, [ingress('web')]).status).toBeUndefined();
  });

  test("status reuses verifyWeight's read of the load balancer for a second; verifyWeight always reads afresh", async () => {
    const config = { ingress: 'web', servicePort: 443 };
    let t = 0;
    const reader = fakeReader({ 'web.elb': LB });
    const router = albRouter({ targetGroups: reader }).make({ kube: new FakeKubeObjectClient([ingress('web', 'web.elb')]), log: quiet, now: () => t })(config);
    await router.verifyWeight!(context(config), 0, [])();
    const first = await router.status!(context(config))();
    expect(E.isRight(first) && first.right?.alb?.canaryTargetGroup?.name).toBe('k8s-web-web-canary');
    expect(reader.calls).toEqual(['targetGroups web.elb', 'loadBalancer web.elb']);
    await router.verifyWeight!(context(config), 0, [])();
    expect(reader.calls).toHaveLength(3);
    t = 1_000;
    await router.status!(context(config))();
    expect(reader.calls).toEqual(['targetGroups web.elb', 'loadBalancer web.elb', 'targetGroups web.elb', 'targetGroups web.elb', 'loadBalancer web.elb']);
  });

  test('full names from ARNs', () => {
    expect(loadBalancerFullName(lbArn('a'))).toBe('app/a/50dc6c495c0c9188');
    expect(targetGroupFullName(tgArn('t'))).toBe('targetgroup/t/73e2d6bc24d8a067');
    expect(loadBalancerFullName('not-an-arn')).toBe('');
  });
});
