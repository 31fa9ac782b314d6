/**
 * `trafficRouting.apisix`: the Apache APISIX router. It sets the weights of the canary and stable backends in
 * the selected `spec.http[]` rules of the user's ApisixRoute (`apisix.apache.org/v2`), and serves
 * `setHeaderRoute` steps with a second ApisixRoute, named like the step's route and owned by the Rollout,
 * whose rules send the requests carrying the headers to the canary. APISIX has no request mirroring in an
 * ApisixRoute, so this router has no `setMirrorRoute`: such a step makes the Rollout InvalidSpec.
 *
 * Every write is a full update carrying the resourceVersion it read (a concurrent edit is a retryable
 * `KubeConflict`, never overwritten); nothing is written when nothing changes.
 */
import * as E from 'fp-ts/lib/Either';
import type { Either } from 'fp-ts/lib/Either';
import { ApisixTrafficRouting } from '@rollouts/api';
import {
  defineTrafficRouter,
  PluginErrors,
  type AdditionalDestination,
  type HeaderRoute,
  type KubeObject,
  type KubeObjectClient,
  type Logger,
  type ObjectRef,
  type PluginError,
  type RoutingContext,
  type TrafficRouter,
  type TrafficRouterPlugin,
} from '@rollouts/plugin-sdk';
import { headerRouteRules, httpRulesOf, selectedRuleNames, weighRules, type JsonObject, type RuleProblem } from './ApisixRouteRules';

/** The API version of ApisixRoute this router reads and writes. */
export const APISIX_ROUTE_API_VERSION = 'apisix.apache.org/v2';
const KIND = 'ApisixRoute';
const PATH = 'spec.strategy.canary.trafficRouting.apisix';

const isObj = (u: unknown): u is JsonObject => typeof u === 'object' && u !== null && !Array.isArray(u);
const specOf = (o: KubeObject): JsonObject => (isObj(o['spec']) ? o['spec'] : {});
const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);
const refOf = (namespace: string, name: string): ObjectRef => ({ apiVersion: APISIX_ROUTE_API_VERSION, kind: KIND, namespace, name });
const misconfigured = (p: RuleProblem): PluginError => PluginErrors.routerMisconfigured({ message: p.message, path: p.path });
const done = <A>(r: Either<PluginError, A>): Either<PluginError, void> => E.map(() => undefined)(r);

/** Whether the Rollout of `ctx` is the controller owner of `o`. */
function ownedBy(o: KubeObject, ctx: RoutingContext): boolean {
  const uid = ctx.rollout.metadata?.uid;
  return uid != null && uid !== '' && (o.metadata.ownerReferences ?? []).some((r) => r.controller === true && r.uid === uid);
}

/** The canary and stable weights for `weight` of `maxWeight` (ApisixRoute weights are relative). */
function splitWeights(ctx: RoutingContext, weight: number, additional: ReadonlyArray<AdditionalDestination>): Either<PluginError, { canary: number; stable: number }> {
  if (additional.some((d) => d.weight > 0))
    return E.left(PluginErrors.pluginUnsupported({ message: `the apisix router cannot send traffic to experiment Services (${additional.map((d) => d.serviceName).join(', ')}): remove the experiment's weight or use another router` }));
  const canary = Math.min(Math.max(weight, 0), ctx.maxWeight);
  return E.right({ canary, stable: ctx.maxWeight - canary });
}

function makeApisixRouter(kube: KubeObjectClient, log: Logger, config: ApisixTrafficRouting): TrafficRouter {
  const route = config.route;
  const baseRoute = async (ctx: RoutingContext): Promise<Either<PluginError, KubeObject>> => {
    if (route == null || route.name === '') return E.left(PluginErrors.pluginConfigInvalid({ message: 'route.name is required', path: `${PATH}.route.name` }));
    const got = await kube.get(refOf(ctx.namespace, route.name))();
    if (E.isLeft(got)) return got;
    if (got.right === undefined) return E.left(PluginErrors.routerMisconfigured({ message: `ApisixRoute \`${route.name}\` not found in namespace \`${ctx.namespace}\``, path: `${PATH}.route.name` }));
    return E.right(got.right);
  };

  const setWeight = async (ctx: RoutingContext, weight: number, additional: ReadonlyArray<AdditionalDestination>, quietIfMissing = false): Promise<Either<PluginError, void>> => {
    const weights = splitWeights(ctx, weight, additional);
    if (E.isLeft(weights)) return weights;
    const base = await baseRoute(ctx);
    if (E.isLeft(base)) {
      if (quietIfMissing && base.left._tag === 'RouterMisconfigured') {
        log.info('ApisixRoute gone, nothing to release', { apisixRoute: route?.name, namespace: ctx.namespace });
        return E.right(undefined);
      }
      return base;
    }
    const spec = specOf(base.right);
    const http = httpRulesOf(spec);
    const weighed = weighRules(base.right.metadata.name, http, selectedRuleNames(route!), { canary: ctx.canaryService, stable: ctx.stableService }, weights.right);
    if (E.isLeft(weighed)) return E.left(misconfigured(weighed.left));
    if (same(weighed.right, http)) return E.right(undefined);
    log.info('updating ApisixRoute backend weights', { apisixRoute: base.right.metadata.name, namespace: ctx.namespace, canary: weights.right.canary, stable: weights.right.stable });
    return done(await kube.update({ ...base.right, spec: { ...spec, http: weighed.right } })());
  };

  /** Delete the header route `name` if this Rollout owns it; someone else's object is left alone. */
  const removeOwned = async (ctx: RoutingContext, name: string): Promise<Either<PluginError, void>> => {
    const got = await kube.get(refOf(ctx.namespace, name))();
    if (E.isLeft(got)) return got;
    if (got.right === undefined) return E.right(undefined);
    if (!ownedBy(got.right, ctx)) {
      log.info('not deleting an ApisixRoute this Rollout does not own', { apisixRoute: name, namespace: ctx.namespace });
      return E.right(undefined);
    }
    log.info('deleting header ApisixRoute', { apisixRoute: name, namespace: ctx.namespace });
    return kube.delete(refOf(ctx.namespace, name))();
  };

  const removeManagedRoutes = async (ctx: RoutingContext): Promise<Either<PluginError, void>> => {
    const names = (ctx.rollout.spec.strategy?.canary?.trafficRouting?.managedRoutes ?? []).map((r) => r.name);
    for (const name of names) {
      if (name === route?.name) continue; // never the user's own route
      const r = await removeOwned(ctx, name);
      if (E.isLeft(r)) return r;
    }
    return E.right(undefined);
  };

  const setHeaderRoute = async (ctx: RoutingContext, header: HeaderRoute): Promise<Either<PluginError, void>> => {
    if (header.name === '') return E.left(PluginErrors.pluginConfigInvalid({ message: 'setHeaderRoute.name is required', path: 'setHeaderRoute.name' }));
    if (header.name === route?.name)
      return E.left(PluginErrors.pluginConfigInvalid({ message: `setHeaderRoute.name \`${header.name}\` is the name of the ApisixRoute the Rollout routes through`, path: 'setHeaderRoute.name' }));
    if (header.match.length === 0) return removeOwned(ctx, header.name);
    const base = await baseRoute(ctx);
    if (E.isLeft(base)) return base;
    const rules = headerRouteRules(base.right.metadata.name, httpRulesOf(specOf(base.right)), selectedRuleNames(route!), ctx.canaryService, header, 'setHeaderRoute');
    if (E.isLeft(rules))
      return E.left(rules.left.path.startsWith('setHeaderRoute') ? PluginErrors.pluginConfigInvalid({ message: rules.left.message, path: rules.left.path }) : misconfigured(rules.left));
    const { http: _http, ...baseSpec } = specOf(base.right);
    const spec = { ...baseSpec, http: rules.right };
    const existing = await kube.get(refOf(ctx.namespace, header.name))();
    if (E.isLeft(existing)) return existing;
    if (existing.right !== undefined) {
      if (!ownedBy(existing.right, ctx))
        return E.left(PluginErrors.routerMisconfigured({ message: `ApisixRoute \`${header.name}\` already exists and is not owned by this Rollout`, path: 'setHeaderRoute.name' }));
      if (same(specOf(existing.right), spec)) return E.right(undefined);
      log.info('updating header ApisixRoute', { apisixRoute: header.name, namespace: ctx.namespace });
      return done(await kube.update({ ...existing.right, spec })());
    }
    const uid = ctx.rollout.metadata?.uid;
    if (uid == null || uid === '') return E.left(PluginErrors.routerMisconfigured({ message: `the Rollout has no metadata.uid to own ApisixRoute \`${header.name}\`` }));
    const owner = { apiVersion: ctx.rollout.apiVersion ?? 'argoproj.io/v1alpha1', kind: 'Rollout', name: ctx.rollout.metadata?.name ?? '', uid, controller: true, blockOwnerDeletion: true };
    // The base route's labels are not copied: a GitOps tool's tracking label (Argo CD's app.kubernetes.io/instance)
    // would make the header route look like an orphan of the user's app, pruned on the next sync.
    const created: KubeObject = {
      apiVersion: APISIX_ROUTE_API_VERSION,
      kind: KIND,
      metadata: { name: header.name, namespace: ctx.namespace, ownerReferences: [owner] },
      spec,
    };
    log.info('creating header ApisixRoute', { apisixRoute: header.name, namespace: ctx.namespace, from: base.right.metadata.name });
    return done(await kube.create(created)());
  };

  return {
    setWeight: (ctx, weight, additional) => () => setWeight(ctx, weight, additional),
    setHeaderRoute: (ctx, header) => () => setHeaderRoute(ctx, header),
    removeManagedRoutes: (ctx) => () => removeManagedRoutes(ctx),
    // APISIX routes by Service name: no pod hashes to follow.
    updateHash: () => async () => E.right(undefined),
    release: (ctx) => async () => {
      const removed = await removeManagedRoutes(ctx);
      if (E.isLeft(removed)) return removed;
      return setWeight(ctx, 0, [], true);
    },
  };
}

/** The `apisix` traffic router plugin (`trafficRouting.apisix.route{name, rules[]}`). */
export const apisixRouter: TrafficRouterPlugin<ApisixTrafficRouting> = defineTrafficRouter({
  kind: 'apisix',
  configCodec: ApisixTrafficRouting,
  make:
    ({ kube, log }) =>
    (config) =>
      makeApisixRouter(kube, log, config),
});
