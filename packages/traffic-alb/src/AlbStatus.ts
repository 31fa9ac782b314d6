/**
 * `status.alb` / `status.albs`, as Argo Rollouts writes them from its ALB router when it verifies target groups:
 * the load balancer of each Ingress (from its `status.loadBalancer.ingress[].hostname`) and the canary and stable
 * target groups (found by the AWS Load Balancer Controller's `ingress.k8s.aws/resource` tag), each as
 * `{name, arn, fullName}`. `alb` when the Rollout names one `ingress`, `albs` (one entry per Ingress, with its
 * name) when it names `ingresses`.
 */
import type { ALBStatus, ALBTrafficRouting } from '@rollouts/api';
import type { KubeObject, PluginError, RouterStatus, RoutingContext } from '@rollouts/plugin-sdk';
import type { TaskEither } from 'fp-ts/lib/TaskEither';
import * as E from 'fp-ts/lib/Either';
import { ingressesOf, servicesOf } from './AlbAction';
import { resourceTagOf, RESOURCE_TAG, type TargetGroupReader } from './TargetGroupReader';

/** The part of an ELBv2 ARN after the resource type's `loadbalancer/` (`app/<name>/<id>`), as CloudWatch dimensions name it. */
export function loadBalancerFullName(arn: string): string {
  const i = arn.indexOf(':loadbalancer/');
  return i < 0 ? '' : arn.slice(i + ':loadbalancer/'.length);
}

/** The resource part of a target group ARN (`targetgroup/<name>/<id>`), as CloudWatch dimensions name it. */
export function targetGroupFullName(arn: string): string {
  const i = arn.indexOf(':targetgroup/');
  return i < 0 ? '' : arn.slice(i + 1);
}

/** The load balancer DNS names in an Ingress's status. */
export function loadBalancerHostnames(ingress: KubeObject): string[] {
  const lb = (ingress['status'] as { loadBalancer?: { ingress?: ReadonlyArray<{ hostname?: string | null }> | null } | null } | undefined)?.loadBalancer;
  return (lb?.ingress ?? []).map((i) => i.hostname).filter((h): h is string => h != null && h !== '');
}

/**
 * What the router reports for the status: `undefined` while no Ingress has a load balancer AWS knows (the status
 * keeps what it had); failures are PluginError values.
 */
export function albStatus(
  reader: TargetGroupReader,
  config: ALBTrafficRouting,
  ctx: RoutingContext,
  read: (ctx: RoutingContext, name: string) => Promise<E.Either<PluginError, KubeObject>>,
): TaskEither<PluginError, RouterStatus | undefined> {
  return async () => {
    const services = servicesOf(ctx);
    const entries: ALBStatus[] = [];
    for (const name of ingressesOf(config)) {
      const ingress = await read(ctx, name);
      if (E.isLeft(ingress)) return ingress;
      // The first load balancer of the Ingress (the AWS Load Balancer Controller gives an Ingress group one).
      const dns = loadBalancerHostnames(ingress.right)[0];
      if (dns === undefined) continue;
      const groups = await reader.targetGroups(dns, ctx.signal)();
      if (E.isLeft(groups)) return groups;
      if (groups.right === undefined) continue;
      const lb = reader.loadBalancer !== undefined ? await reader.loadBalancer(dns, ctx.signal)() : E.right(undefined);
      if (E.isLeft(lb)) return lb;
      const group = (service: string) => {
        const g = groups.right!.find((t) => t.tags[RESOURCE_TAG] === resourceTagOf(ctx.namespace, name, service, config.servicePort));
        return g === undefined ? undefined : { name: g.name, arn: g.arn, fullName: targetGroupFullName(g.arn) };
      };
      const canary = group(services.canary);
      const stable = group(services.stable);
      entries.push({
        ...(lb.right !== undefined ? { loadBalancer: { name: lb.right.name, arn: lb.right.arn, fullName: loadBalancerFullName(lb.right.arn) } } : {}),
        ...(canary !== undefined ? { canaryTargetGroup: canary } : {}),
        ...(stable !== undefined ? { stableTargetGroup: stable } : {}),
        ...(config.ingresses != null && config.ingresses.length > 0 ? { ingress: name } : {}),
      });
    }
    if (entries.length === 0) return E.right(undefined);
    return E.right(config.ingresses != null && config.ingresses.length > 0 ? { albs: entries } : { alb: entries[0]! });
  };
}
