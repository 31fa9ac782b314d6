/**
 * `trafficRouting.alb`: the AWS Load Balancer Controller router. It writes the weights as the forward action
 * annotation `<prefix>/actions.<rootService>` on the user's Ingresses (merge patches of the annotations it
 * owns, listed in `rollouts.argoproj.io/managed-alb-annotations`), header routes as an action, a condition and
 * a `use-annotation` path, and, given a {@link TargetGroupReader}, verifies the weights AWS applies.
 */
import { ALBTrafficRouting } from '@rollouts/api';
import { defineTrafficRouter, PluginErrors } from '@rollouts/plugin-sdk';
import type { AdditionalDestination, KubeObject, KubeObjectClient, Logger, PluginError, RoutingContext, TrafficRouter, TrafficRouterPlugin } from '@rollouts/plugin-sdk';
import * as TE from 'fp-ts/lib/TaskEither';
import type { TaskEither } from 'fp-ts/lib/TaskEither';
import * as E from 'fp-ts/lib/Either';
import {
  actionKey,
  actionServiceOf,
  conditionsKey,
  DEFAULT_ANNOTATION_PREFIX,
  hasServiceBackend,
  headerRouteAnnotations,
  ingressesOf,
  isPluginError,
  MANAGED_ANNOTATIONS,
  managedAnnotationsOf,
  routePathsOf,
  rulesOf,
  rulesWithRoutePaths,
  servicesOf,
  weightedAction,
  withManagedKeys,
} from './AlbAction';
import { albStatus } from './AlbStatus';
import { resourceTagOf, RESOURCE_TAG, sharedReads, type TargetGroupReader } from './TargetGroupReader';

const INGRESS_API = 'networking.k8s.io/v1';
const CONFIG_PATH = 'spec.strategy.canary.trafficRouting.alb';
/** How long one read of a load balancer's target groups serves `verifyWeight` and `status` (one reconcile's calls). */
const READ_REUSE_MS = 1_000;

type Result<A> = Promise<E.Either<PluginError, A>>;

const ingressRef = (namespace: string, name: string) => ({ apiVersion: INGRESS_API, kind: 'Ingress', namespace, name });

/** What one call wants on an Ingress: owned annotations to set (string) or delete (null), and the header routes present. */
interface Desired {
  readonly annotations: Readonly<Record<string, string | null>>;
  /** Header routes whose path the rules should carry afterwards; `undefined`: leave the rules alone. */
  readonly routes?: ReadonlyArray<string>;
}

/** Options of {@link albRouter}. */
export interface AlbRouterOptions {
  /**
   * Reads the target groups from AWS. With it the router has `verifyWeight` (Argo's
   * `--aws-verify-target-group`) and reports `status.alb` / `status.albs`; without it the router has neither.
   */
  readonly targetGroups?: TargetGroupReader;
}

function managedRoutesOf(ctx: RoutingContext): string[] {
  return (ctx.rollout.spec.strategy?.canary?.trafficRouting?.managedRoutes ?? []).map((r) => r.name);
}

function makeAlbRouter(kube: KubeObjectClient, log: Logger, config: ALBTrafficRouting, reader: ReturnType<typeof sharedReads> | undefined): TrafficRouter {
  const prefix = config.annotationPrefix ?? DEFAULT_ANNOTATION_PREFIX;
  const ingresses = ingressesOf(config);
  if (ingresses.length === 0) throw new Error('trafficRouting.alb needs ingress or ingresses');

  const read = async (ctx: RoutingContext, name: string): Result<KubeObject> => {
    const got = await kube.get(ingressRef(ctx.namespace, name))();
    if (E.isLeft(got)) return got;
    if (got.right === undefined) return E.left(PluginErrors.kubeNotFound({ message: `Ingress \`${name}\` not found in namespace ${ctx.namespace}` }));
    return E.right(got.right);
  };

  /** Merge-patch one Ingress to `desired`, writing nothing when it already is. */
  const apply = async (ctx: RoutingContext, ingress: KubeObject, desired: Desired): Result<void> => {
    const rollout = ctx.rollout.metadata?.name ?? '';
    const have = ingress.metadata.annotations ?? {};
    const managed = managedAnnotationsOf(ingress);
    const owned = managed[rollout] ?? [];
    const keys = [...owned];
    for (const [k, v] of Object.entries(desired.annotations)) {
      if (v === null) keys.splice(0, keys.length, ...keys.filter((x) => x !== k));
      else if (!keys.includes(k)) keys.push(k);
    }
    const want: Record<string, string | null> = { ...desired.annotations, [MANAGED_ANNOTATIONS]: withManagedKeys(managed, rollout, keys) };
    const annotations: Record<string, string | null> = {};
    for (const [k, v] of Object.entries(want)) if ((have[k] ?? null) !== v) annotations[k] = v;
    const body: { metadata?: { annotations: typeof annotations }; spec?: { rules: unknown } } = {};
    if (Object.keys(annotations).length > 0) body.metadata = { annotations };
    if (desired.routes !== undefined) {
      const rules = rulesWithRoutePaths(rulesOf(ingress), managedRoutesOf(ctx), desired.routes);
      if (JSON.stringify(rules) !== JSON.stringify(rulesOf(ingress))) body.spec = { rules };
    }
    if (body.metadata === undefined && body.spec === undefined) return E.right(undefined);
    log.info('patching Ingress', { ingress: ingress.metadata.name, namespace: ctx.namespace, annotations: Object.keys(annotations) });
    const patched = await kube.patch(ingressRef(ctx.namespace, ingress.metadata.name), { type: 'merge', body })();
    return E.map(() => undefined)(patched);
  };

  /** Every Ingress in turn (none skipped after an unchanged one), stopping at the first failure. */
  const eachIngress =
    (ctx: RoutingContext, f: (ingress: KubeObject) => Result<void>): TaskEither<PluginError, void> =>
    async () => {
      for (const name of ingresses) {
        const ingress = await read(ctx, name);
        if (E.isLeft(ingress)) return ingress;
        const r = await f(ingress.right);
        if (E.isLeft(r)) return r;
      }
      return E.right(undefined);
    };

  /** Remove the header routes `names` (their annotations, if this Rollout owns them, and their paths). */
  const removeRoutes = (ctx: RoutingContext, names: ReadonlyArray<string>) =>
    eachIngress(ctx, (ingress) => {
      const owned = new Set(managedAnnotationsOf(ingress)[ctx.rollout.metadata?.name ?? ''] ?? []);
      const annotations: Record<string, null> = {};
      for (const n of names) for (const k of [actionKey(prefix, n), conditionsKey(prefix, n)]) if (owned.has(k)) annotations[k] = null;
      const active = routePathsOf(ingress, managedRoutesOf(ctx)).filter((r) => !names.includes(r));
      const routes = routePathsOf(ingress, names).length > 0 ? active : undefined;
      return apply(ctx, ingress, { annotations, ...(routes !== undefined ? { routes } : {}) });
    });

  const router: TrafficRouter = {
    setWeight: (ctx, weight, additional) =>
      eachIngress(ctx, async (ingress) => {
        const service = actionServiceOf(config, ctx);
        if (!hasServiceBackend(ingress, service))
          return E.left(PluginErrors.routerMisconfigured({ message: `ingress \`${ingress.metadata.name}\` does not have service \`${service}\` in rules`, path: CONFIG_PATH }));
        return apply(ctx, ingress, { annotations: { [actionKey(prefix, service)]: weightedAction(config, ctx, weight, additional) } });
      }),
    setHeaderRoute: (ctx, route) => {
      if (route.match.length === 0) return removeRoutes(ctx, [route.name]);
      const header = headerRouteAnnotations(config, ctx, route);
      if (isPluginError(header)) return async () => E.left(header);
      return eachIngress(ctx, (ingress) => {
        const active = [...routePathsOf(ingress, managedRoutesOf(ctx)).filter((r) => r !== route.name), route.name];
        return apply(ctx, ingress, { annotations: { [actionKey(prefix, route.name)]: header.action, [conditionsKey(prefix, route.name)]: header.conditions }, routes: active });
      });
    },
    removeManagedRoutes: (ctx) => removeRoutes(ctx, managedRoutesOf(ctx)),
    // Target groups follow Services, not pod hashes: nothing to follow.
    updateHash: () => TE.right(undefined),
    // The Rollout is gone: its routes are removed, the action sends everything to the stable Service, and its
    // entry in the managed-annotations map goes away (the action itself stays: the Ingress's rules use it).
    release: (ctx) => async () => {
      const removed = await removeRoutes(ctx, managedRoutesOf(ctx))();
      if (E.isLeft(removed)) return removed;
      return eachIngress(ctx, async (ingress) => {
        const service = actionServiceOf(config, ctx);
        if (!hasServiceBackend(ingress, service)) return E.right(undefined);
        const have = ingress.metadata.annotations ?? {};
        const want: Record<string, string | null> = {
          [actionKey(prefix, service)]: weightedAction(config, ctx, 0, []),
          [MANAGED_ANNOTATIONS]: withManagedKeys(managedAnnotationsOf(ingress), ctx.rollout.metadata?.name ?? '', []),
        };
        const annotations: Record<string, string | null> = {};
        for (const [k, v] of Object.entries(want)) if ((have[k] ?? null) !== v) annotations[k] = v;
        if (Object.keys(annotations).length === 0) return E.right(undefined);
        log.info('releasing Ingress', { ingress: ingress.metadata.name, namespace: ctx.namespace });
        return E.map(() => undefined)(await kube.patch(ingressRef(ctx.namespace, ingress.metadata.name), { type: 'merge', body: { metadata: { annotations } } })());
      })();
    },
  };
  if (reader === undefined) return router;
  return { ...router, verifyWeight: (ctx, weight, additional) => verify(reader.fresh, config, ctx, weight, additional, read), status: (ctx) => albStatus(reader.recent, config, ctx, read) };
}

/**
 * Whether AWS applies the weights: for every Ingress and every load balancer in its status, the canary target
 * group has `weight` and each additional destination's target group its weight. `undefined` while an Ingress
 * has no load balancer yet or AWS does not know it.
 */
function verify(
  reader: TargetGroupReader,
  config: ALBTrafficRouting,
  ctx: RoutingContext,
  weight: number,
  additional: ReadonlyArray<AdditionalDestination>,
  read: (ctx: RoutingContext, name: string) => Result<KubeObject>,
): TaskEither<PluginError, boolean | undefined> {
  return async () => {
    const expected = [{ service: servicesOf(ctx).canary, weight }, ...additional.map((d) => ({ service: d.serviceName, weight: d.weight }))];
    let unknown = false;
    for (const name of ingressesOf(config)) {
      const ingress = await read(ctx, name);
      if (E.isLeft(ingress)) return ingress;
      const lbs = ((ingress.right['status'] as { loadBalancer?: { ingress?: ReadonlyArray<{ hostname?: string }> } } | undefined)?.loadBalancer?.ingress ?? [])
        .map((i) => i.hostname)
        .filter((h): h is string => h != null && h !== '');
      if (lbs.length === 0) unknown = true;
      for (const dns of lbs) {
        const groups = await reader.targetGroups(dns, ctx.signal)();
        if (E.isLeft(groups)) return groups;
        if (groups.right === undefined) {
          unknown = true;
          continue;
        }
        for (const e of expected) {
          const tag = resourceTagOf(ctx.namespace, name, e.service, config.servicePort);
          const group = groups.right.find((g) => g.tags[RESOURCE_TAG] === tag);
          if (group?.weight !== e.weight) return E.right(false);
        }
      }
    }
    return E.right(unknown ? undefined : true);
  };
}

/**
 * The `alb` traffic router plugin: register it with the controller. Pass `targetGroups` to verify weights
 * against AWS (the Rollout then waits for `verifyWeight` before advancing).
 */
export function albRouter(options: AlbRouterOptions = {}): TrafficRouterPlugin<ALBTrafficRouting> {
  return defineTrafficRouter({
    kind: 'alb',
    configCodec: ALBTrafficRouting,
    make:
      ({ kube, log, now }) =>
      (config) =>
        makeAlbRouter(kube, log, config, options.targetGroups !== undefined ? sharedReads(options.targetGroups, now, READ_REUSE_MS) : undefined),
  });
}
