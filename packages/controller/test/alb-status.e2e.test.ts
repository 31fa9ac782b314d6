// End-to-end: `status.alb` written from the ALB router (through the router SPI's optional `status`) against moto's
// ELBv2, a real AWS API implementation. A canary Rollout through the ALB router with @rollouts/plugin-aws's ELBv2 reader
// pointed at moto: once the Ingress has its load balancer (the AWS Load Balancer Controller's part, played by the test),
// the Rollout's status names that load balancer and the canary and stable target groups (name, ARN, full name), as
// moto reports them; the status keeps them through the update's later writes.
import { ANY_KEYS, createVpc, describeWithMoto, TEST_REGION } from '@rollouts/plugin-aws/testing';
import { elbv2TargetGroupReader } from '@rollouts/plugin-aws';
import { albRouter, RESOURCE_TAG, resourceTagOf, type TargetGroupReader } from '@rollouts/traffic-alb';
import { AddTagsCommand, CreateListenerCommand, CreateLoadBalancerCommand, CreateRuleCommand, CreateTargetGroupCommand, ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { canaryRollout, deploy, promote, Resources, rolloutOf, setImage, startEnv, waitFor, waitHealthy, waitStatus, type Env } from './harness';

jest.setTimeout(90_000);

const name = 'albs';

interface AwsRef {
  name?: string;
  arn?: string;
  fullName?: string;
}
interface AlbStatusView {
  loadBalancer?: AwsRef;
  canaryTargetGroup?: AwsRef;
  stableTargetGroup?: AwsRef;
  ingress?: string;
}

describeWithMoto('status.alb from the ALB router against moto', (moto) => {
  let env: Env;
  let elb: ElasticLoadBalancingV2Client;
  let lbArn = '';
  let dns = '';
  const arnOf: Record<string, string> = {};

  beforeAll(async () => {
    elb = new ElasticLoadBalancingV2Client({ endpoint: moto.server.endpoint, region: TEST_REGION, credentials: ANY_KEYS });
    const elbv2 = elbv2TargetGroupReader({ endpoint: moto.server.endpoint, region: TEST_REGION, credentials: ANY_KEYS, env: {}, maxAttempts: 1 });
    // The stock reader (plugin-aws) names the load balancer too: DescribeLoadBalancers matched by DNS name.
    const reader: TargetGroupReader = elbv2;
    env = await startEnv({ readinessDelayMs: 30, controller: { trafficRouters: [albRouter({ targetGroups: reader })] } });

    const { vpcId, subnets } = await createVpc(moto.server.endpoint);
    const lb = (await elb.send(new CreateLoadBalancerCommand({ Name: 'k8s-default-albs', Subnets: subnets }))).LoadBalancers![0]!;
    lbArn = lb.LoadBalancerArn!;
    dns = lb.DNSName!;
    for (const svc of [`${name}-canary`, `${name}-stable`]) {
      const arn = (await elb.send(new CreateTargetGroupCommand({ Name: `k8s-${svc}`, Protocol: 'HTTP', Port: 8080, VpcId: vpcId, TargetType: 'ip' }))).TargetGroups![0]!.TargetGroupArn!;
      await elb.send(new AddTagsCommand({ ResourceArns: [arn], Tags: [{ Key: RESOURCE_TAG, Value: resourceTagOf(env.ns, `${name}-ingress`, svc, 80) }] }));
      arnOf[svc] = arn;
    }
    const listener = (await elb.send(new CreateListenerCommand({ LoadBalancerArn: lbArn, Protocol: 'HTTP', Port: 80, DefaultActions: [{ Type: 'fixed-response', FixedResponseConfig: { StatusCode: '404' } }] }))).Listeners![0]!;
    // The rule already forwards what the controller will ask (0 to the canary), so every weight is verified at once.
    await elb.send(
      new CreateRuleCommand({
        ListenerArn: listener.ListenerArn,
        Priority: 1,
        Conditions: [{ Field: 'path-pattern', PathPatternConfig: { Values: ['/*'] } }],
        Actions: [{ Type: 'forward', ForwardConfig: { TargetGroups: [{ TargetGroupArn: arnOf[`${name}-canary`], Weight: 0 }, { TargetGroupArn: arnOf[`${name}-stable`], Weight: 100 }] } }],
      }),
    );
  }, 60_000);
  afterAll(async () => {
    await env?.stop();
  });

  const alb = () => (rolloutOf(env, name)?.status as { alb?: AlbStatusView } | undefined)?.alb;

  test('the Rollout status names the load balancer and both target groups, and keeps them through the update', async () => {
    await env.api.create(Resources.ingresses, {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'Ingress',
      metadata: { name: `${name}-ingress` },
      spec: { ingressClassName: 'alb', rules: [{ http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: `${name}-stable`, port: { name: 'use-annotation' } } } }] } }] },
    });
    // No load balancer in the Ingress status yet: nothing to report, and the Rollout becomes Healthy without one.
    const ro = canaryRollout(name, [{ setWeight: 0 }, { pause: {} }], { replicas: 2, canary: { trafficRouting: { alb: { ingress: `${name}-ingress`, servicePort: 80 } } } });
    await deploy(env, ro, [`${name}-canary`, `${name}-stable`]);
    expect(alb()).toBeUndefined();

    // The AWS Load Balancer Controller (played by the test) reports the load balancer's DNS name in the Ingress status.
    await env.api.patch(Resources.ingresses, `${name}-ingress`, { status: { loadBalancer: { ingress: [{ hostname: dns }] } } }, 'status');
    await setImage(env, name, 'demo:2');
    const want = {
      loadBalancer: { name: 'k8s-default-albs', arn: lbArn, fullName: lbArn.slice(lbArn.indexOf(':loadbalancer/') + ':loadbalancer/'.length) },
      canaryTargetGroup: { name: `k8s-${name}-canary`, arn: arnOf[`${name}-canary`], fullName: arnOf[`${name}-canary`]!.slice(arnOf[`${name}-canary`]!.indexOf('targetgroup/')) },
      stableTargetGroup: { name: `k8s-${name}-stable`, arn: arnOf[`${name}-stable`], fullName: arnOf[`${name}-stable`]!.slice(arnOf[`${name}-stable`]!.indexOf('targetgroup/')) },
    };
    await waitFor('status.alb written', () => alb()?.loadBalancer !== undefined, 20_000, alb);
    expect(alb()).toEqual(want);
    expect(want.loadBalancer.fullName).toMatch(/^app\/k8s-default-albs\/[0-9a-f]+$/);

    // The strategy's later writes (the pause, the promotion, Healthy) keep it: it is not rebuilt away.
    await waitStatus(env, name, 'paused at step 1', (s) => s.currentStepIndex === 1 && (s.pauseConditions ?? []).length > 0, 20_000);
    expect(alb()).toEqual(want);
    await promote(env, name);
    await waitHealthy(env, name, 20_000);
    expect(alb()).toEqual(want);
    expect((rolloutOf(env, name)?.status as { albs?: unknown } | undefined)?.albs).toBeUndefined();
  });
});
