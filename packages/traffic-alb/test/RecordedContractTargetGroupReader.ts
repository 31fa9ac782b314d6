/**
 * A FAKE TargetGroupReader built on a recorded contract — not AWS. The AWS API is unreachable from the tests, so
 * this fake answers from a recording in the shapes of the ELBv2 responses (`DescribeLoadBalancers` →
 * `LoadBalancers[].DNSName/LoadBalancerArn`, `DescribeTargetGroups` → `TargetGroups[]`, `DescribeTags` →
 * `TagDescriptions[]`, `DescribeRules` → `Rules[].Actions[].ForwardConfig.TargetGroups[]`) and derives the
 * weights as a real reader must: a target group's weight is its weight in a forward action of any rule.
 */
import * as E from 'fp-ts/lib/Either';
import type { TaskEither } from 'fp-ts/lib/TaskEither';
import type { PluginError } from '@rollouts/plugin-sdk';
import type { TargetGroupReader, TargetGroupWeight } from '../src';

/** The recorded ELBv2 answers, field names as AWS spells them. */
export interface ElbV2Recording {
  readonly LoadBalancers: ReadonlyArray<{ readonly DNSName: string; readonly LoadBalancerArn: string }>;
  readonly TargetGroups: ReadonlyArray<{ readonly TargetGroupArn: string; readonly TargetGroupName: string; readonly LoadBalancerArns: ReadonlyArray<string> }>;
  readonly TagDescriptions: ReadonlyArray<{ readonly ResourceArn: string; readonly Tags: ReadonlyArray<{ readonly Key: string; readonly Value: string }> }>;
  readonly Rules: ReadonlyArray<{ readonly LoadBalancerArn: string; readonly Actions: ReadonlyArray<{ readonly Type: string; readonly ForwardConfig?: { readonly TargetGroups: ReadonlyArray<{ readonly TargetGroupArn: string; readonly Weight?: number }> } }> }>;
}

export class RecordedContractTargetGroupReader implements TargetGroupReader {
  readonly calls: string[] = [];
  /** `recording` is read on every call, so a test can change what AWS "says" between calls; `failure` makes every call fail. */
  constructor(
    private readonly recording: () => ElbV2Recording,
    private readonly failure?: PluginError,
  ) {}

  targetGroups(dnsName: string): TaskEither<PluginError, ReadonlyArray<TargetGroupWeight> | undefined> {
    return async () => {
      this.calls.push(dnsName);
      if (this.failure !== undefined) return E.left(this.failure);
      const r = this.recording();
      const lb = r.LoadBalancers.find((l) => l.DNSName === dnsName);
      if (lb === undefined) return E.right(undefined);
      const weights = new Map<string, number>();
      for (const rule of r.Rules.filter((x) => x.LoadBalancerArn === lb.LoadBalancerArn))
        for (const a of rule.Actions) if (a.Type === 'forward') for (const tg of a.ForwardConfig?.TargetGroups ?? []) weights.set(tg.TargetGroupArn, tg.Weight ?? 0);
      return E.right(
        r.TargetGroups.filter((tg) => tg.LoadBalancerArns.includes(lb.LoadBalancerArn)).map((tg) => ({
          name: tg.TargetGroupName,
          arn: tg.TargetGroupArn,
          tags: Object.fromEntries((r.TagDescriptions.find((d) => d.ResourceArn === tg.TargetGroupArn)?.Tags ?? []).map((t) => [t.Key, t.Value])),
          weight: weights.get(tg.TargetGroupArn),
        })),
      );
    };
  }
}

/**
 * The recording the AWS Load Balancer Controller would produce for Ingresses carrying forward actions: one
 * load balancer per DNS name, one target group per (ingress, service, port) with its `ingress.k8s.aws/resource`
 * tag, one rule per action annotation. `actions` lists `{ namespace, ingress, dnsName, action JSON }`.
 */
export function recordingFor(actions: ReadonlyArray<{ readonly namespace: string; readonly ingress: string; readonly dnsName: string; readonly action: string | undefined }>): ElbV2Recording {
  const lbArn = (dns: string) => `arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/app/${dns.split('.')[0]}/50dc6c495c0c9188`;
  const out: { -readonly [K in keyof ElbV2Recording]: Array<ElbV2Recording[K][number]> } = { LoadBalancers: [], TargetGroups: [], TagDescriptions: [], Rules: [] };
  for (const a of actions) {
    const lb = lbArn(a.dnsName);
    if (!out.LoadBalancers.some((l) => l.DNSName === a.dnsName)) out.LoadBalancers.push({ DNSName: a.dnsName, LoadBalancerArn: lb });
    if (a.action === undefined) continue;
    const parsed = JSON.parse(a.action) as { ForwardConfig: { TargetGroups: Array<{ ServiceName: string; ServicePort: string; Weight: number }> } };
    const groups = parsed.ForwardConfig.TargetGroups.map((g) => {
      const resource = `${a.namespace}/${a.ingress}-${g.ServiceName}:${g.ServicePort}`;
      const arn = `arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/k8s-${g.ServiceName.slice(0, 10)}/${out.TargetGroups.length.toString(16).padStart(16, '0')}`;
      out.TargetGroups.push({ TargetGroupArn: arn, TargetGroupName: `k8s-${g.ServiceName.slice(0, 10)}`, LoadBalancerArns: [lb] });
      out.TagDescriptions.push({ ResourceArn: arn, Tags: [{ Key: 'ingress.k8s.aws/resource', Value: resource }, { Key: 'elbv2.k8s.aws/cluster', Value: 'demo' }] });
      return { TargetGroupArn: arn, Weight: g.Weight };
    });
    out.Rules.push({ LoadBalancerArn: lb, Actions: [{ Type: 'forward', ForwardConfig: { TargetGroups: groups } }] });
  }
  return out;
}
