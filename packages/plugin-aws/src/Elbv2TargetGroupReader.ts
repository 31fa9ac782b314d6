/**
 * The ALB router's {@link TargetGroupReader} port over the real ELBv2 API (AWS Query protocol, SigV4 service
 * `elasticloadbalancing`), so `trafficRouting.alb` can verify that AWS applies the weights it wrote
 * (Argo Rollouts' `--aws-verify-target-group`):
 *
 * `DescribeLoadBalancers` (matched by DNS name) → `DescribeTargetGroups(LoadBalancerArn)` →
 * `DescribeTags` (20 ARNs per call) → `DescribeListeners` → `DescribeRules` per listener. Every call is
 * paginated (upstream reads only the first page). A target group's weight is its `Weight` in a forward
 * action; when a group appears in several rules, a rule that splits traffic between several groups wins
 * over a rule forwarding to that group alone (a header route forwarding 100 % to the canary does not mask
 * the canary's weighted share, unlike upstream where the last rule read wins).
 *
 * It also reads target health (`DescribeTargetHealth`), for callers that check that a group's targets are
 * registered and healthy (Argo's TargetGroupBinding verification). IAM permissions:
 * `elasticloadbalancing:DescribeLoadBalancers`, `DescribeTargetGroups`, `DescribeTags`, `DescribeListeners`,
 * `DescribeRules`, `DescribeTargetHealth`.
 *
 * The result types match `@rollouts/traffic-alb`'s `TargetGroupReader`/`TargetGroupWeight` structurally,
 * so this package needs no dependency on the router.
 */
import * as E from 'fp-ts/lib/Either';
import type { TaskEither } from 'fp-ts/lib/TaskEither';
import {
  DescribeListenersCommand,
  DescribeLoadBalancersCommand,
  DescribeRulesCommand,
  DescribeTagsCommand,
  DescribeTargetGroupsCommand,
  DescribeTargetHealthCommand,
  ElasticLoadBalancingV2Client,
  type Action,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import type { PluginError } from '@rollouts/plugin-sdk';
import { awsSettings, type AwsSettingsInput } from './AwsSettings';
import { callAws } from './AwsCall';

/** The SDK's service id (its `AWS_ENDPOINT_URL_ELASTIC_LOAD_BALANCING_V2` variable). */
export const ELBV2_SERVICE_ID = 'Elastic Load Balancing v2';
/** Default deadline of each ELBv2 call. */
export const DEFAULT_ELBV2_TIMEOUT_MS = 10_000;
/** DescribeTags takes at most 20 ARNs. */
const TAGS_PER_CALL = 20;

/** One target group as the ALB router reads it (same shape as `@rollouts/traffic-alb`'s `TargetGroupWeight`). */
export interface Elbv2TargetGroup {
  readonly name: string;
  readonly arn: string;
  readonly tags: Readonly<Record<string, string>>;
  /** Its weight in the forward actions of the load balancer's listener rules; `undefined` when in none. */
  readonly weight: number | undefined;
}

/** One registered target and its health, from `DescribeTargetHealth`. */
export interface TargetHealth {
  readonly id: string;
  readonly port: number | undefined;
  /** `initial`, `healthy`, `unhealthy`, `unused`, `draining`, `unavailable` (or `unhealthy.draining`). */
  readonly state: string;
  readonly reason: string | undefined;
  readonly description: string | undefined;
}

export interface Elbv2TargetGroupReader {
  /** `TargetGroupReader.targetGroups`: the groups of the load balancer named `dnsName`, undefined when AWS knows none. */
  targetGroups(dnsName: string, signal: AbortSignal): TaskEither<PluginError, ReadonlyArray<Elbv2TargetGroup> | undefined>;
  /** `TargetGroupReader.loadBalancer`: the load balancer whose DNS name is `dnsName` (for `status.alb`), undefined when AWS knows none. */
  loadBalancer(dnsName: string, signal: AbortSignal): TaskEither<PluginError, { readonly name: string; readonly arn: string } | undefined>;
  /** The targets registered in a target group and their health. */
  targetHealth(targetGroupArn: string, signal: AbortSignal): TaskEither<PluginError, ReadonlyArray<TargetHealth>>;
}

export interface Elbv2TargetGroupReaderOptions extends AwsSettingsInput {
  /** Deadline of each ELBv2 call (default {@link DEFAULT_ELBV2_TIMEOUT_MS}). */
  readonly timeoutMs?: number;
  /** SDK attempts per call, retries included (default 3, the SDK's). */
  readonly maxAttempts?: number;
}

/** The weight each target group has in the listener rules (see the module comment for the tie rule). */
export function weightsFromRules(rules: ReadonlyArray<{ readonly Actions?: ReadonlyArray<Action> | undefined }>): ReadonlyMap<string, number> {
  const split = new Map<string, number>();
  const single = new Map<string, number>();
  for (const rule of rules)
    for (const action of rule.Actions ?? []) {
      if (action.Type !== 'forward') continue;
      const groups = action.ForwardConfig?.TargetGroups ?? [];
      const into = groups.length > 1 ? split : single;
      for (const g of groups) if (g.TargetGroupArn !== undefined && g.Weight !== undefined) into.set(g.TargetGroupArn, g.Weight);
    }
  return new Map([...single, ...split]);
}

/**
 * Build a reader. Throws (a start-up error) only when the endpoint override is not a URL; region and
 * credentials are looked up on each call through the chain, so a missing one becomes an error value.
 */
export function elbv2TargetGroupReader(options: Elbv2TargetGroupReaderOptions = {}): Elbv2TargetGroupReader {
  const settings = awsSettings(ELBV2_SERVICE_ID, options);
  if (E.isLeft(settings)) throw new Error(settings.left.message);
  const s = settings.right;
  const timeoutMs = options.timeoutMs ?? DEFAULT_ELBV2_TIMEOUT_MS;
  const client = new ElasticLoadBalancingV2Client({
    ...(s.region === undefined ? {} : { region: s.region }),
    ...(s.endpoint === undefined ? {} : { endpoint: s.endpoint }),
    ...(s.profile === undefined ? {} : { profile: s.profile }),
    credentials: s.credentials,
    maxAttempts: options.maxAttempts ?? 3,
  });
  const call = <T>(op: string, signal: AbortSignal, run: (abortSignal: AbortSignal) => Promise<T>) =>
    callAws({ kind: 'router', what: `ELBv2 ${op}`, permission: `elasticloadbalancing:${op}`, timeoutMs, signal, endpoint: s.endpoint }, run);

  async function pages<T>(op: string, signal: AbortSignal, page: (marker: string | undefined, abortSignal: AbortSignal) => Promise<{ items: T[]; next: string | undefined }>): Promise<E.Either<PluginError, T[]>> {
    const all: T[] = [];
    let marker: string | undefined;
    for (;;) {
      const r = await call(op, signal, (abortSignal) => page(marker, abortSignal));
      if (E.isLeft(r)) return r;
      all.push(...r.right.items);
      if (r.right.next === undefined || r.right.next === '' || r.right.next === marker) return E.right(all);
      marker = r.right.next;
    }
  }

  const byDnsName = async (dnsName: string, signal: AbortSignal) => {
    const lbs = await pages('DescribeLoadBalancers', signal, async (Marker, abortSignal) => {
      const o = await client.send(new DescribeLoadBalancersCommand({ PageSize: 400, ...(Marker === undefined ? {} : { Marker }) }), { abortSignal });
      return { items: o.LoadBalancers ?? [], next: o.NextMarker };
    });
    return E.isLeft(lbs) ? lbs : E.right(lbs.right.find((l) => l.DNSName?.toLowerCase() === dnsName.toLowerCase()));
  };

  return {
    loadBalancer: (dnsName, signal) => async () => {
      const lb = await byDnsName(dnsName, signal);
      if (E.isLeft(lb)) return lb;
      return E.right(lb.right?.LoadBalancerArn === undefined ? undefined : { name: lb.right.LoadBalancerName ?? '', arn: lb.right.LoadBalancerArn });
    },
    targetGroups: (dnsName, signal) => async () => {
      const found = await byDnsName(dnsName, signal);
      if (E.isLeft(found)) return found;
      const lb = found.right;
      if (lb?.LoadBalancerArn === undefined) return E.right(undefined);
      const lbArn = lb.LoadBalancerArn;
      const groups = await pages('DescribeTargetGroups', signal, async (Marker, abortSignal) => {
        const o = await client.send(new DescribeTargetGroupsCommand({ LoadBalancerArn: lbArn, PageSize: 400, ...(Marker === undefined ? {} : { Marker }) }), { abortSignal });
        return { items: o.TargetGroups ?? [], next: o.NextMarker };
      });
      if (E.isLeft(groups)) return groups;
      const arns = groups.right.map((g) => g.TargetGroupArn).filter((a): a is string => a !== undefined);
      const tags = new Map<string, Record<string, string>>();
      for (let i = 0; i < arns.length; i += TAGS_PER_CALL) {
        const chunk = arns.slice(i, i + TAGS_PER_CALL);
        const r = await call('DescribeTags', signal, (abortSignal) => client.send(new DescribeTagsCommand({ ResourceArns: chunk }), { abortSignal }));
        if (E.isLeft(r)) return r;
        for (const d of r.right.TagDescriptions ?? [])
          if (d.ResourceArn !== undefined) tags.set(d.ResourceArn, Object.fromEntries((d.Tags ?? []).filter((t) => t.Key !== undefined).map((t) => [t.Key as string, t.Value ?? ''])));
      }
      const listeners = await pages('DescribeListeners', signal, async (Marker, abortSignal) => {
        const o = await client.send(new DescribeListenersCommand({ LoadBalancerArn: lbArn, PageSize: 400, ...(Marker === undefined ? {} : { Marker }) }), { abortSignal });
        return { items: o.Listeners ?? [], next: o.NextMarker };
      });
      if (E.isLeft(listeners)) return listeners;
      const rules: Array<{ Actions?: Action[] | undefined }> = [];
      for (const l of listeners.right) {
        if (l.ListenerArn === undefined) continue;
        const listenerArn = l.ListenerArn;
        const r = await pages('DescribeRules', signal, async (Marker, abortSignal) => {
          const o = await client.send(new DescribeRulesCommand({ ListenerArn: listenerArn, PageSize: 400, ...(Marker === undefined ? {} : { Marker }) }), { abortSignal });
          return { items: o.Rules ?? [], next: o.NextMarker };
        });
        if (E.isLeft(r)) return r;
        rules.push(...r.right);
      }
      const weights = weightsFromRules(rules);
      return E.right(
        groups.right
          .filter((g) => g.TargetGroupArn !== undefined)
          .map((g) => ({ name: g.TargetGroupName ?? '', arn: g.TargetGroupArn as string, tags: tags.get(g.TargetGroupArn as string) ?? {}, weight: weights.get(g.TargetGroupArn as string) })),
      );
    },
    targetHealth: (targetGroupArn, signal) => async () => {
      const r = await call('DescribeTargetHealth', signal, (abortSignal) => client.send(new DescribeTargetHealthCommand({ TargetGroupArn: targetGroupArn }), { abortSignal }));
      if (E.isLeft(r)) return r;
      return E.right(
        (r.right.TargetHealthDescriptions ?? []).map((d) => ({
          id: d.Target?.Id ?? '',
          port: d.Target?.Port,
          state: d.TargetHealth?.State ?? 'unknown',
          reason: d.TargetHealth?.Reason,
          description: d.TargetHealth?.Description,
        })),
      );
    },
  };
}
