/** The ELBv2 target-group reader against moto: load balancer, listeners, rules and target groups made through the real API. */
import * as E from 'fp-ts/lib/Either';
import {
  CreateListenerCommand,
  CreateLoadBalancerCommand,
  CreateRuleCommand,
  CreateTargetGroupCommand,
  ElasticLoadBalancingV2Client,
  ModifyRuleCommand,
  AddTagsCommand,
  RegisterTargetsCommand,
  DeregisterTargetsCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import type { TargetGroupReader } from '@rollouts/traffic-alb';
import { elbv2TargetGroupReader, verifyTargetRegistration, weightsFromRules } from '../src';

import { ANY_KEYS, createVpc, describeWithMoto, TEST_REGION } from '../src/testing';

const signal = new AbortController().signal;

describeWithMoto('ELBv2 target-group reader against moto', (moto) => {
  let lbDns: string;
  let canaryArn: string;
  let stableArn: string;
  let listenerArn: string;
  let ruleArn: string;
  let elb: ElasticLoadBalancingV2Client;
  const reader = () => elbv2TargetGroupReader({ endpoint: moto.server.endpoint, region: TEST_REGION, credentials: ANY_KEYS, env: {} });

  beforeAll(async () => {
    elb = new ElasticLoadBalancingV2Client({ endpoint: moto.server.endpoint, region: TEST_REGION, credentials: ANY_KEYS });
    const { vpcId, subnets } = await createVpc(moto.server.endpoint);
    const lb = (await elb.send(new CreateLoadBalancerCommand({ Name: 'k8s-demo', Subnets: subnets }))).LoadBalancers?.[0];
    lbDns = lb?.DNSName ?? '';
    const tg = async (name: string, service: string) => {
      const arn = (await elb.send(new CreateTargetGroupCommand({ Name: name, Protocol: 'HTTP', Port: 80, VpcId: vpcId, TargetType: 'ip' }))).TargetGroups?.[0]?.TargetGroupArn ?? '';
      await elb.send(new AddTagsCommand({ ResourceArns: [arn], Tags: [{ Key: 'ingress.k8s.aws/resource', Value: `default/demo-${service}:80` }] }));
      return arn;
    };
    canaryArn = await tg('k8s-canary', 'canary');
    stableArn = await tg('k8s-stable', 'stable');
    const listener = await elb.send(
      new CreateListenerCommand({ LoadBalancerArn: lb?.LoadBalancerArn, Protocol: 'HTTP', Port: 80, DefaultActions: [{ Type: 'fixed-response', FixedResponseConfig: { StatusCode: '404' } }] }),
    );
    listenerArn = listener.Listeners?.[0]?.ListenerArn ?? '';
    const rule = await elb.send(
      new CreateRuleCommand({
        ListenerArn: listenerArn,
        Priority: 10,
        Conditions: [{ Field: 'path-pattern', PathPatternConfig: { Values: ['/*'] } }],
        Actions: [{ Type: 'forward', ForwardConfig: { TargetGroups: [{ TargetGroupArn: canaryArn, Weight: 20 }, { TargetGroupArn: stableArn, Weight: 80 }] } }],
      }),
    );
    ruleArn = rule.Rules?.[0]?.RuleArn ?? '';
  });

  test('reads each target group with its tags and its weight in the listener rules', async () => {
    const groups = await reader().targetGroups(lbDns, signal)();
    expect(E.isRight(groups) && groups.right).toEqual(
      expect.arrayContaining([
        { name: 'k8s-canary', arn: canaryArn, tags: { 'ingress.k8s.aws/resource': 'default/demo-canary:80' }, weight: 20 },
        { name: 'k8s-stable', arn: stableArn, tags: { 'ingress.k8s.aws/resource': 'default/demo-stable:80' }, weight: 80 },
      ]),
    );
  });

  test('is a TargetGroupReader for the ALB router (types), and the DNS name match ignores case', async () => {
    const r: TargetGroupReader = reader();
    const groups = await r.targetGroups(lbDns.toUpperCase(), signal)();
    expect(E.isRight(groups) && groups.right?.length).toBe(2);
  });

  test('a load balancer AWS does not know is undefined, not an error', async () => {
    expect(await reader().targetGroups('nope-123.eu-west-1.elb.amazonaws.com', signal)()).toEqual(E.right(undefined));
  });

  test('a header-route rule forwarding 100 % to the canary does not mask its weighted share', async () => {
    await elb.send(
      new CreateRuleCommand({
        ListenerArn: listenerArn,
        Priority: 5,
        Conditions: [{ Field: 'http-header', HttpHeaderConfig: { HttpHeaderName: 'X-Canary', Values: ['yes'] } }],
        Actions: [{ Type: 'forward', ForwardConfig: { TargetGroups: [{ TargetGroupArn: canaryArn, Weight: 100 }] } }],
      }),
    );
    const groups = await reader().targetGroups(lbDns, signal)();
    expect(E.isRight(groups) && groups.right?.find((g) => g.arn === canaryArn)?.weight).toBe(20);
  });

  test('a weight change applied to the rule (what the AWS Load Balancer Controller does) is seen on the next read', async () => {
    await elb.send(
      new ModifyRuleCommand({
        RuleArn: ruleArn,
        Actions: [{ Type: 'forward', ForwardConfig: { TargetGroups: [{ TargetGroupArn: canaryArn, Weight: 30 }, { TargetGroupArn: stableArn, Weight: 70 }] } }],
      }),
    );
    const groups = await reader().targetGroups(lbDns, signal)();
    expect(E.isRight(groups) && groups.right?.map((g) => [g.name, g.weight]).sort()).toEqual([['k8s-canary', 30], ['k8s-stable', 70]]);
  });

  test('target health: registered IP targets and their state', async () => {
    await elb.send(new RegisterTargetsCommand({ TargetGroupArn: canaryArn, Targets: [{ Id: '10.0.1.5', Port: 8080 }] }));
    const health = await reader().targetHealth(canaryArn, signal)();
    expect(health).toEqual(E.right([{ id: '10.0.1.5', port: 8080, state: 'healthy', reason: undefined, description: undefined }]));
    expect(await reader().targetHealth(stableArn, signal)()).toEqual(E.right([]));
  });

  test('target registration (Argo\'s TargetGroupBinding check) follows RegisterTargets / DeregisterTargets in moto', async () => {
    const endpoints = [{ ip: '10.0.2.7', port: 8080 }, { ip: '10.0.2.8', port: 8080 }];
    await elb.send(new RegisterTargetsCommand({ TargetGroupArn: stableArn, Targets: [{ Id: '10.0.2.7', Port: 8080 }] }));
    const one = await reader().targetHealth(stableArn, signal)();
    expect(E.isRight(one) && verifyTargetRegistration(endpoints, one.right)).toMatchObject({ verified: false, missing: ['10.0.2.8:8080'] });
    await elb.send(new RegisterTargetsCommand({ TargetGroupArn: stableArn, Targets: [{ Id: '10.0.2.8', Port: 8080 }] }));
    const both = await reader().targetHealth(stableArn, signal)();
    expect(E.isRight(both) && verifyTargetRegistration(endpoints, both.right, true)).toMatchObject({ verified: true, endpointsRegistered: 2 });
    await elb.send(new DeregisterTargetsCommand({ TargetGroupArn: stableArn, Targets: [{ Id: '10.0.2.7', Port: 8080 }] }));
    const after = await reader().targetHealth(stableArn, signal)();
    expect(E.isRight(after) && verifyTargetRegistration(endpoints, after.right).verified).toBe(false);
  });

  test('an unknown target group is a RouterMisconfigured error naming the call', async () => {
    const health = await reader().targetHealth(`${canaryArn}0`, signal)();
    expect(E.isLeft(health) && health.left).toMatchObject({ _tag: 'RouterMisconfigured', message: expect.stringContaining('ELBv2 DescribeTargetHealth') });
  });
});

describe('ELBv2 target-group reader without AWS', () => {
  test('an unreachable endpoint is RouterUnavailable (retryable) naming the endpoint', async () => {
    const r = elbv2TargetGroupReader({ endpoint: 'http://127.0.0.1:1', region: TEST_REGION, credentials: ANY_KEYS, env: {}, maxAttempts: 1 });
    const groups = await r.targetGroups('x', signal)();
    expect(E.isLeft(groups) && groups.left).toMatchObject({ _tag: 'RouterUnavailable', retryable: true, message: expect.stringContaining('127.0.0.1:1') });
  });

  test('a bad AWS_ENDPOINT_URL_ELASTIC_LOAD_BALANCING_V2 is refused at start-up, naming the variable', () => {
    expect(() => elbv2TargetGroupReader({ env: { AWS_ENDPOINT_URL_ELASTIC_LOAD_BALANCING_V2: 'not a url' } })).toThrow(/AWS_ENDPOINT_URL_ELASTIC_LOAD_BALANCING_V2 is not a URL/);
  });

  test('weightsFromRules: split rules win over single-group forwards; rules without a weight give none', () => {
    const w = weightsFromRules([
      { Actions: [{ Type: 'forward', ForwardConfig: { TargetGroups: [{ TargetGroupArn: 'c', Weight: 100 }] } }] },
      { Actions: [{ Type: 'forward', ForwardConfig: { TargetGroups: [{ TargetGroupArn: 'c', Weight: 10 }, { TargetGroupArn: 's', Weight: 90 }] } }] },
      { Actions: [{ Type: 'forward', ForwardConfig: { TargetGroups: [{ TargetGroupArn: 'x' }] } }, { Type: 'redirect' }] },
    ]);
    expect([...w]).toEqual([['c', 10], ['s', 90]]);
  });
});
