/**
 * The AWS side of weight verification, as a port: what the router needs to know about the target groups of
 * an Application Load Balancer. The controller supplies an implementation over the ELBv2 API
 * (`DescribeLoadBalancers`, `DescribeTargetGroups`, `DescribeTags`, `DescribeListeners`, `DescribeRules`);
 * this package ships none, so it has no AWS dependency and no network I/O.
 */
import * as E from 'fp-ts/lib/Either';
import type { TaskEither } from 'fp-ts/lib/TaskEither';
import type { PluginError } from '@rollouts/plugin-sdk';

/** The tag the AWS Load Balancer Controller puts on the target groups it creates: `<ns>/<ingress>-<service>:<port>`. */
export const RESOURCE_TAG = 'ingress.k8s.aws/resource';

/** One target group of a load balancer, as the verification reads it. */
export interface TargetGroupWeight {
  readonly name: string;
  readonly arn: string;
  /** Its tags (at least {@link RESOURCE_TAG} when the AWS Load Balancer Controller made it). */
  readonly tags: Readonly<Record<string, string>>;
  /** Its weight in the forward actions of the load balancer's listener rules; `undefined` when in none. */
  readonly weight: number | undefined;
}

/**
 * Reads the target groups of the load balancer whose DNS name is `dnsName` (an Ingress's
 * `status.loadBalancer.ingress[].hostname`). `undefined` when AWS knows no such load balancer (yet).
 * Failures are PluginError values (`RouterUnavailable` when AWS cannot be reached), never exceptions.
 */
export interface TargetGroupReader {
  targetGroups(dnsName: string, signal: AbortSignal): TaskEither<PluginError, ReadonlyArray<TargetGroupWeight> | undefined>;
  /**
   * The load balancer whose DNS name is `dnsName` (`DescribeLoadBalancers`), `undefined` when AWS knows none. Optional:
   * without it `status.alb` names the target groups but not the load balancer.
   */
  loadBalancer?(dnsName: string, signal: AbortSignal): TaskEither<PluginError, LoadBalancerRef | undefined>;
}

/** A load balancer as `status.alb.loadBalancer` names it. */
export interface LoadBalancerRef {
  readonly name: string;
  readonly arn: string;
}

/** The {@link RESOURCE_TAG} value of the target group for `service`:`port` behind `ingress`. */
export const resourceTagOf = (namespace: string, ingress: string, service: string, port: number): string => `${namespace}/${ingress}-${service}:${port}`;

/**
 * Two views of `reader` sharing its answers: `fresh` always asks AWS and remembers each successful answer per DNS
 * name; `recent` answers what `fresh` (or itself) got less than `ttlMs` ago, else asks. `verifyWeight` reads fresh and
 * `status` recent, so one reconcile reads a load balancer once (each read is five or more ELBv2 calls, and AWS
 * throttles `Describe*` per account).
 */
export function sharedReads(reader: TargetGroupReader, now: () => number, ttlMs: number): { readonly fresh: TargetGroupReader; readonly recent: TargetGroupReader } {
  const groups = new Map<string, { at: number; value: ReadonlyArray<TargetGroupWeight> | undefined }>();
  const lbs = new Map<string, { at: number; value: LoadBalancerRef | undefined }>();
  const view = (reuse: boolean): TargetGroupReader => {
    const v: TargetGroupReader = {
      targetGroups: (dns, signal) => async () => {
        const hit = groups.get(dns);
        if (reuse && hit !== undefined && now() - hit.at < ttlMs) return E.right(hit.value);
        const r = await reader.targetGroups(dns, signal)();
        if (E.isRight(r)) groups.set(dns, { at: now(), value: r.right });
        return r;
      },
    };
    const lookup = reader.loadBalancer;
    if (lookup !== undefined)
      v.loadBalancer = (dns, signal) => async () => {
        const hit = lbs.get(dns);
        if (reuse && hit !== undefined && now() - hit.at < ttlMs) return E.right(hit.value);
        const r = await lookup.call(reader, dns, signal)();
        if (E.isRight(r)) lbs.set(dns, { at: now(), value: r.right });
        return r;
      };
    return v;
  };
  return { fresh: view(false), recent: view(true) };
}
