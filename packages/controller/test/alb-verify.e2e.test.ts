// End-to-end: ALB weight verification against a real AWS API implementation (moto's ELBv2, not a fake).
// A canary Rollout through the ALB router with `targetGroups` = @rollouts/plugin-aws's ELBv2 reader pointed at
// moto: at the setWeight step the controller writes the Ingress action, then waits until the load balancer's
// listener rule in moto carries that weight (Argo's --aws-verify-target-group: the canary target group's weight
// in the forward action == the step's weight); only then does it move on. The test plays the AWS Load Balancer
// Controller's part (named so below): it copies the Ingress action onto the moto listener rule when it decides to.
import { ANY_KEYS, createVpc, describeWithMoto, TEST_REGION } from '@rollouts/plugin-aws/testing';
import { elbv2TargetGroupReader } from '@rollouts/plugin-aws';
import { albRouter, RESOURCE_TAG, resourceTagOf } from '@rollouts/traffic-alb';
import type { KubeObject } from '@rollouts/kube-sim';
import {
  AddTagsCommand,
  CreateListenerCommand,
  CreateLoadBalancerCommand,
  CreateRuleCommand,
  CreateTargetGroupCommand,
  DescribeTargetHealthCommand,
  ElasticLoadBalancingV2Client,
  ModifyRuleCommand,
  RegisterTargetsCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { canaryRollout, deploy, Resources, rolloutOf, setImage, startEnv, waitFor, waitStatus, type Env } from './harness';

jest.setTimeout(90_000);

const P = 'alb.ingress.kubernetes.io';
const name = 'albv';

describeWithMoto('ALB verifyWeight against moto', (moto) => {
  let env: Env;
  let elb: ElasticLoadBalancingV2Client;
  let dns = '';
  let ruleArn = '';
  const arnOf: Record<string, string> = {};

  beforeAll(async () => {
    elb = new ElasticLoadBalancingV2Client({ endpoint: moto.server.endpoint, region: TEST_REGION, credentials: ANY_KEYS });
    const reader = elbv2TargetGroupReader({ endpoint: moto.server.endpoint, region: TEST_REGION, credentials: ANY_KEYS, env: {}, maxAttempts: 1 });
    env = await startEnv({ readinessDelayMs: 30, controller: { trafficRouters: [albRouter({ targetGroups: reader })] } });

    // The AWS side as the AWS Load Balancer Controller would have made it for the Ingress below.
    const { vpcId, subnets } = await createVpc(moto.server.endpoint);
    const lb = (await elb.send(new CreateLoadBalancerCommand({ Name: 'k8s-default-albv', Subnets: subnets }))).LoadBalancers![0]!;
    dns = lb.DNSName!;
    for (const svc of [`${name}-canary`, `${name}-stable`]) {
      const arn = (await elb.send(new CreateTargetGroupCommand({ Name: `k8s-${svc}`, Protocol: 'HTTP', Port: 8080, VpcId: vpcId, TargetType: 'ip' }))).TargetGroups![0]!.TargetGroupArn!;
      await elb.send(new AddTagsCommand({ ResourceArns: [arn], Tags: [{ Key: RESOURCE_TAG, Value: resourceTagOf(env.ns, `${name}-ingress`, svc, 80) }] }));
      await elb.send(new RegisterTargetsCommand({ TargetGroupArn: arn, Targets: [{ Id: svc.endsWith('canary') ? '10.0.1.10' : '10.0.1.20', Port: 8080 }] }));
      arnOf[svc] = arn;
    }
    const listener = (await elb.send(new CreateListenerCommand({ LoadBalancerArn: lb.LoadBalancerArn, Protocol: 'HTTP', Port: 80, DefaultActions: [{ Type: 'fixed-response', FixedResponseConfig: { StatusCode: '404' } }] }))).Listeners![0]!;
    ruleArn = (await elb.send(
      new CreateRuleCommand({
        ListenerArn: listener.ListenerArn,
        Priority: 1,
        Conditions: [{ Field: 'path-pattern', PathPatternConfig: { Values: ['/*'] } }],
        Actions: [{ Type: 'forward', ForwardConfig: { TargetGroups: [{ TargetGroupArn: arnOf[`${name}-canary`], Weight: 0 }, { TargetGroupArn: arnOf[`${name}-stable`], Weight: 100 }] } }],
      }),
    )).Rules![0]!.RuleArn!;
  }, 60_000);
  afterAll(async () => {
    await env?.stop();
  });

  /** The AWS Load Balancer Controller's job (played by the test): apply the Ingress action's weights to the rule in moto. */
  async function applyIngressActionToAws(): Promise<Record<string, number>> {
    const ing = env.objects.get('networking.k8s.io/v1', 'Ingress', `${name}-ingress`, env.ns) as KubeObject | undefined;
    const action = JSON.parse(ing?.metadata.annotations?.[`${P}/actions.${name}-stable`] ?? 'null') as { ForwardConfig: { TargetGroups: Array<{ ServiceName: string; Weight: number }> } } | null;
    if (action === null) throw new Error('no action annotation on the Ingress yet');
    const groups = action.ForwardConfig.TargetGroups.map((g) => ({ TargetGroupArn: arnOf[g.ServiceName], Weight: g.Weight }));
    await elb.send(new ModifyRuleCommand({ RuleArn: ruleArn, Actions: [{ Type: 'forward', ForwardConfig: { TargetGroups: groups } }] }));
    return Object.fromEntries(action.ForwardConfig.TargetGroups.map((g) => [g.ServiceName, g.Weight]));
  }

  const weights = () => (rolloutOf(env, name)?.status as { canary?: { weights?: { canary?: { weight?: number }; verified?: boolean } } } | undefined)?.canary?.weights;

  test('the Rollout waits at setWeight until AWS (moto) applies the weight, then proceeds', async () => {
    await env.api.create(Resources.ingresses, {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'Ingress',
      metadata: { name: `${name}-ingress` },
      spec: { ingressClassName: 'alb', rules: [{ http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: `${name}-stable`, port: { name: 'use-annotation' } } } }] } }] },
    });
    // The AWS Load Balancer Controller reports the load balancer's DNS name in the Ingress status.
    await env.api.patch(Resources.ingresses, `${name}-ingress`, { status: { loadBalancer: { ingress: [{ hostname: dns }] } } }, 'status');

    const ro = canaryRollout(name, [{ setWeight: 20 }, { pause: {} }], { replicas: 2, canary: { trafficRouting: { alb: { ingress: `${name}-ingress`, servicePort: 80 } } } });
    const first = await deploy(env, ro, [`${name}-canary`, `${name}-stable`]);
    await setImage(env, name, 'demo:2');

    // The controller wrote the 20 % action, and AWS still forwards 0 % to the canary: not verified, still on step 0.
    await waitFor('the Ingress action at 20 %', () => {
      const ing = env.objects.get('networking.k8s.io/v1', 'Ingress', `${name}-ingress`, env.ns) as KubeObject | undefined;
      return ing?.metadata.annotations?.[`${P}/actions.${name}-stable`]?.includes('"Weight":20');
    });
    await waitFor('weights recorded as not verified', () => weights()?.canary?.weight === 20 && weights()?.verified === false, 15_000, weights);
    await new Promise((r) => setTimeout(r, 1500));
    expect(rolloutOf(env, name)?.status?.currentStepIndex).toBe(0);
    expect(rolloutOf(env, name)?.status?.currentPodHash).not.toBe(first.status?.stableRS);

    // The targets are registered and healthy in AWS (moto reports IP targets healthy) before traffic moves.
    const health = await elb.send(new DescribeTargetHealthCommand({ TargetGroupArn: arnOf[`${name}-canary`] }));
    expect(health.TargetHealthDescriptions?.map((d) => d.TargetHealth?.State)).toEqual(['healthy']);

    // AWS applies the action: the next verification sees canary 20 in the listener rule, and the Rollout moves on.
    // Nothing in the cluster changes here, so the controller must check again by itself, as Argo does every
    // ROLLOUT_VERIFY_RETRY_INTERVAL (10 s) while the weight is unverified; hence the 45 s wait.
    expect(await applyIngressActionToAws()).toEqual({ [`${name}-canary`]: 20, [`${name}-stable`]: 80 });
    const paused = await waitStatus(env, name, 'verified and at the pause step', (s) => s.currentStepIndex === 1 && (s.pauseConditions ?? []).length > 0, 45_000);
    expect(paused.status?.currentStepIndex).toBe(1);
    expect(weights()?.verified).toBe(true);
  });
});
