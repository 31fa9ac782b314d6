/**
 * `trafficRouting.nginx`: the ingress-nginx canary router. For each stable Ingress it keeps a canary Ingress
 * (`<rollout>-<ingress>-canary`, owned by the Rollout) carrying the weight and an optional header route. The
 * stable Ingress is read, never written. No mirror routes (a Rollout with a `setMirrorRoute` step on this
 * router is InvalidSpec) and no weight verification.
 */
import { NginxTrafficRouting } from '@rollouts/api';
import { defineTrafficRouter, PluginErrors } from '@rollouts/plugin-sdk';
import type { HeaderRoute, KubeObject, KubeObjectClient, Logger, PluginError, RoutingContext, TrafficRouter } from '@rollouts/plugin-sdk';
import * as TE from 'fp-ts/lib/TaskEither';
import type { TaskEither } from 'fp-ts/lib/TaskEither';
import * as E from 'fp-ts/lib/Either';
import {
  canaryAnnotations,
  canaryIngressName,
  canaryIngressSpec,
  controlledByRollout,
  DEFAULT_ANNOTATION_PREFIX,
  HEADER_ROUTE_ANNOTATION,
  headerAnnotationKeys,
  headerAnnotations,
  isPluginError,
  rolloutOwnerReference,
  stableIngressesOf,
} from './CanaryIngress';

const INGRESS_API = 'networking.k8s.io/v1';

/** What one call changes: the weight (else the current one, 0 for a new Ingress) and/or the header route to set. */
interface Change {
  readonly weight?: number;
  readonly header?: Readonly<Record<string, string>>;
}

type Result<A> = Promise<E.Either<PluginError, A>>;

const ingressRef = (namespace: string, name: string) => ({ apiVersion: INGRESS_API, kind: 'Ingress', namespace, name });
const same = (a: unknown, b: unknown) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

function makeNginxRouter(kube: KubeObjectClient, log: Logger, config: NginxTrafficRouting): TrafficRouter {
  const prefix = config.annotationPrefix ?? DEFAULT_ANNOTATION_PREFIX;
  const stables = stableIngressesOf(config);
  if (stables.length === 0) throw new Error('trafficRouting.nginx needs stableIngress or stableIngresses');
  const weightKey = `${prefix}/canary-weight`;
  const totalKey = `${prefix}/canary-weight-total`;
  const headerKeys = [HEADER_ROUTE_ANNOTATION, ...headerAnnotationKeys(prefix)];

  /** Bring the canary Ingress of one stable Ingress to what `change` asks. */
  const reconcileOne = async (ctx: RoutingContext, stableName: string, change: Change): Result<void> => {
    const ns = ctx.namespace;
    const stable = await kube.get(ingressRef(ns, stableName))();
    if (E.isLeft(stable)) return stable;
    if (stable.right === undefined) return E.left(PluginErrors.kubeNotFound({ message: `stable Ingress \`${stableName}\` not found in namespace ${ns}` }));
    const spec = canaryIngressSpec(stable.right, ctx);
    if (isPluginError(spec)) return E.left(spec);
    const name = canaryIngressName(ctx.rollout.metadata?.name ?? '', stableName);
    const current = await kube.get(ingressRef(ns, name))();
    if (E.isLeft(current)) return current;
    const canary = current.right;

    if (canary === undefined) {
      const owner = rolloutOwnerReference(ctx);
      if (isPluginError(owner)) return E.left(owner);
      const annotations = { ...canaryAnnotations(config, ctx, stable.right, change.weight ?? 0), ...(change.header ?? {}) };
      const object: KubeObject = { apiVersion: INGRESS_API, kind: 'Ingress', metadata: { name, namespace: ns, annotations, ownerReferences: [owner] }, spec };
      log.info('creating canary Ingress', { ingress: name, namespace: ns, weight: change.weight ?? 0 });
      const created = await kube.create(object)();
      return E.map(() => undefined)(created);
    }

    if (!controlledByRollout(canary, ctx))
      return E.left(PluginErrors.routerMisconfigured({ message: `canary ingress \`${name}\` controlled by different object`, path: 'spec.strategy.canary.trafficRouting.nginx' }));
    const have = canary.metadata.annotations ?? {};
    const weight = change.weight ?? Number(have[weightKey] ?? '0');
    const want: Record<string, string | null> = canaryAnnotations(config, ctx, stable.right, Number.isFinite(weight) ? weight : 0);
    if (want[totalKey] === undefined && have[totalKey] !== undefined) want[totalKey] = null;
    if (change.header !== undefined) for (const k of headerKeys) want[k] = change.header[k] ?? null;
    const annotations: Record<string, string | null> = {};
    for (const [k, v] of Object.entries(want)) if ((have[k] ?? null) !== v) annotations[k] = v;
    const body: { metadata?: { annotations: typeof annotations }; spec?: Record<string, unknown> } = {};
    if (Object.keys(annotations).length > 0) body.metadata = { annotations };
    const cur = (canary.spec ?? {}) as Record<string, unknown>;
    if (!same(cur['rules'], spec.rules) || !same(cur['tls'], spec.tls) || !same(cur['ingressClassName'], spec.ingressClassName))
      body.spec = { rules: spec.rules, tls: spec.tls ?? null, ingressClassName: spec.ingressClassName ?? null };
    if (body.metadata === undefined && body.spec === undefined) return E.right(undefined);
    log.info('patching canary Ingress', { ingress: name, namespace: ns, weight });
    const patched = await kube.patch(ingressRef(ns, name), { type: 'merge', body })();
    return E.map(() => undefined)(patched);
  };

  /** Remove the header route from the canary Ingresses (all of them, or where `onlyRoute` is the active one). */
  const clearHeader =
    (ctx: RoutingContext, onlyRoute?: string): TaskEither<PluginError, void> =>
    async () => {
      for (const stable of stables) {
        const name = canaryIngressName(ctx.rollout.metadata?.name ?? '', stable);
        const c = await kube.get(ingressRef(ctx.namespace, name))();
        if (E.isLeft(c)) return c;
        const have = c.right?.metadata.annotations;
        if (c.right === undefined || have === undefined) continue;
        if (onlyRoute !== undefined && have[HEADER_ROUTE_ANNOTATION] !== undefined && have[HEADER_ROUTE_ANNOTATION] !== onlyRoute) continue;
        const present = headerKeys.filter((k) => have[k] !== undefined);
        if (present.length === 0) continue;
        if (!controlledByRollout(c.right, ctx))
          return E.left(PluginErrors.routerMisconfigured({ message: `canary ingress \`${name}\` controlled by different object`, path: 'spec.strategy.canary.trafficRouting.nginx' }));
        log.info('removing the header route from the canary Ingress', { ingress: name, namespace: ctx.namespace });
        const r = await kube.patch(ingressRef(ctx.namespace, name), { type: 'merge', body: { metadata: { annotations: Object.fromEntries(present.map((k) => [k, null])) } } })();
        if (E.isLeft(r)) return r;
      }
      return E.right(undefined);
    };

  const reconcile =
    (ctx: RoutingContext, change: Change): TaskEither<PluginError, void> =>
    async () => {
      for (const stable of stables) {
        const r = await reconcileOne(ctx, stable, change);
        if (E.isLeft(r)) return r;
      }
      return E.right(undefined);
    };

  /** NGINX matches one header per canary Ingress: a second named route while one is active is refused. */
  const checkSingleRoute =
    (ctx: RoutingContext, route: HeaderRoute): TaskEither<PluginError, void> =>
    async () => {
      for (const stable of stables) {
        const c = await kube.get(ingressRef(ctx.namespace, canaryIngressName(ctx.rollout.metadata?.name ?? '', stable)))();
        if (E.isLeft(c)) return c;
        const active = c.right?.metadata.annotations?.[HEADER_ROUTE_ANNOTATION];
        if (active !== undefined && active !== route.name)
          return E.left(PluginErrors.pluginUnsupported({ message: `the nginx traffic router serves one header route at a time; ${active} is active, so setHeaderRoute ${route.name} cannot be applied` }));
      }
      return E.right(undefined);
    };

  return {
    setWeight: (ctx, weight) => reconcile(ctx, { weight }),
    setHeaderRoute: (ctx, route) => async () => {
      if (route.match.length === 0) return clearHeader(ctx, route.name)();
      const header = headerAnnotations(prefix, route);
      if (isPluginError(header)) return E.left(header);
      const single = await checkSingleRoute(ctx, route)();
      if (E.isLeft(single)) return single;
      return reconcile(ctx, { header })();
    },
    removeManagedRoutes: (ctx) => clearHeader(ctx),
    // The canary Ingress names the canary Service, not pod hashes: nothing to follow.
    updateHash: () => TE.right(undefined),
  };
}

/** The `nginx` traffic router plugin: register it with the controller. */
export const nginxRouter = defineTrafficRouter({
  kind: 'nginx',
  configCodec: NginxTrafficRouting,
  make:
    ({ kube, log }) =>
    (config) =>
      makeNginxRouter(kube, log, config),
});
