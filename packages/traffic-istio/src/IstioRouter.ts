/**
 * The Istio traffic router: weights in VirtualService HTTP, TLS and TCP routes, host-level (canary and
 * stable Services) or subset-level (DestinationRule subsets labelled with the pod template hashes), header
 * and mirror routes kept first in `managedRoutes` order. Every write is a full update carrying the
 * resourceVersion it read, so an edit someone else made in between is a `KubeConflict` (retried by the
 * controller), never overwritten. Nothing is written when nothing changes.
 */
import * as E from 'fp-ts/lib/Either';
import type { Either } from 'fp-ts/lib/Either';
import type { TaskEither } from 'fp-ts/lib/TaskEither';
import { IstioTrafficRouting, parseVirtualServiceRef, type IstioVirtualService } from '@rollouts/api';
import {
  defineTrafficRouter,
  PluginErrors,
  type AdditionalDestination,
  type KubeObject,
  type KubeObjectClient,
  type ObjectRef,
  type PluginError,
  type RoutingContext,
  type TrafficRouter,
  type TrafficRouterPlugin,
} from '@rollouts/plugin-sdk';
import { labelSubsets } from './DestinationRuleSubsets';
import {
  arrangeManagedRoutes,
  canaryDestination,
  destinationProblem,
  headerRoute,
  isMirrorRoute,
  mirrorRoute,
  putManagedRoute,
  removeRoutes,
  routesOf,
  selectRoutes,
  weightDestinations,
  type JsonObject,
  type RouteSection,
  type RouteWeights,
  type TrafficSplit,
} from './VirtualServiceRoutes';

/** The API version Argo Rollouts uses by default (`--istio-api-version`). */
export const DEFAULT_ISTIO_API_VERSION = 'networking.istio.io/v1alpha3';

/** Options of {@link createIstioRouterPlugin}. */
export interface IstioRouterOptions {
  /** API version of VirtualService and DestinationRule (default {@link DEFAULT_ISTIO_API_VERSION}). */
  readonly apiVersion?: string;
}

const PATH = 'spec.strategy.canary.trafficRouting.istio';

interface VirtualServiceTarget {
  readonly config: IstioVirtualService;
  readonly path: string;
}

const isObj = (u: unknown): u is JsonObject => typeof u === 'object' && u !== null && !Array.isArray(u);
const specOf = (o: KubeObject): JsonObject => (isObj(o['spec']) ? o['spec'] : {});
const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

/** `weight` and the experiment weights of `max`, as the percentages Istio wants (stable takes the rest). */
export function percentWeights(max: number, weight: number, additional: ReadonlyArray<AdditionalDestination>): RouteWeights | string {
  const total = weight + additional.reduce((s, a) => s + a.weight, 0);
  if (max <= 0) return `maxTrafficWeight ${max} is not positive`;
  if (weight < 0 || additional.some((a) => a.weight < 0) || total > max) return `weights (canary ${weight}, experiments ${additional.map((a) => a.weight).join(', ') || 'none'}) do not fit in ${max}`;
  // Rounded cumulatively, so the shares never add up to more than the rounded total (at most 100).
  const pct = (w: number): number => (max === 100 ? w : Math.round((w * 100) / max));
  let before = weight;
  const shares = additional.map((a) => {
    const share = pct(before + a.weight) - pct(before);
    before += a.weight;
    return { serviceName: a.serviceName, weight: share };
  });
  return { canary: pct(weight), additional: shares };
}

/** Make the Istio router plugin; `istioRouter` is this with the default API version. */
export function createIstioRouterPlugin(options: IstioRouterOptions = {}): TrafficRouterPlugin<IstioTrafficRouting> {
  const apiVersion = options.apiVersion ?? DEFAULT_ISTIO_API_VERSION;
  return defineTrafficRouter({
    kind: 'istio',
    configCodec: IstioTrafficRouting,
    make: (deps) => (config) => makeIstioRouter(deps.kube, apiVersion, config),
  });
}

/** The Istio router plugin (kind `istio`, `networking.istio.io/v1alpha3`). */
export const istioRouter: TrafficRouterPlugin<IstioTrafficRouting> = createIstioRouterPlugin();

function makeIstioRouter(kube: KubeObjectClient, apiVersion: string, config: IstioTrafficRouting): TrafficRouter {
  const targets: VirtualServiceTarget[] =
    config.virtualService != null
      ? [{ config: config.virtualService, path: `${PATH}.virtualService` }]
      : (config.virtualServices ?? []).map((v, i) => ({ config: v, path: `${PATH}.virtualServices[${i}]` }));
  if ((config.virtualService != null) === (config.virtualServices != null) || targets.length === 0)
    throw new Error(`${PATH}: either virtualService or virtualServices must be configured`);
  const dr = config.destinationRule ?? undefined;

  const vsRef = (ctx: RoutingContext, t: VirtualServiceTarget): ObjectRef => {
    const { name, namespace } = parseVirtualServiceRef(t.config.name);
    return { apiVersion, kind: 'VirtualService', namespace: namespace ?? ctx.namespace, name };
  };
  const describe = (ref: ObjectRef): string => `VirtualService ${ref.namespace ?? ''}/${ref.name}`;
  const misconfigured = (message: string, path?: string): PluginError => PluginErrors.routerMisconfigured({ message, ...(path !== undefined ? { path } : {}) });
  const managedOf = (ctx: RoutingContext): string[] => (ctx.rollout.spec.strategy?.canary?.trafficRouting?.managedRoutes ?? []).map((r) => r.name);
  const splitOf = (ctx: RoutingContext): TrafficSplit =>
    dr !== undefined
      ? { level: 'subset', canarySubset: dr.canarySubsetName, stableSubset: dr.stableSubsetName, additionalSubsets: dr.additionalSubsetNames ?? [] }
      : { level: 'host', canaryService: ctx.canaryService, stableService: ctx.stableService };

  /**
   * Read every VirtualService, compute its new spec with `edit` (all of them before writing any, so a
   * misconfigured one leaves the others untouched), then update those that changed.
   */
  const editVirtualServices =
    (
      ctx: RoutingContext,
      edit: (spec: JsonObject, target: VirtualServiceTarget, name: string) => Either<PluginError, JsonObject>,
      options: { readonly missingOk?: boolean; readonly check?: () => PluginError | undefined } = {},
    ): TaskEither<PluginError, void> =>
    async () => {
      const writes: KubeObject[] = [];
      for (const t of targets) {
        const ref = vsRef(ctx, t);
        const got = await kube.get(ref)();
        if (E.isLeft(got)) return got;
        if (got.right === undefined) {
          if (options.missingOk === true) continue;
          return E.left(misconfigured(`${describe(ref)} not found`, `${t.path}.name`));
        }
        const vs = got.right;
        const next = edit(specOf(vs), t, describe(ref));
        if (E.isLeft(next)) return next;
        if (!same(next.right, specOf(vs))) writes.push({ ...vs, spec: next.right });
      }
      const problem = options.check?.();
      if (problem !== undefined) return E.left(problem);
      for (const o of writes) {
        if (ctx.signal.aborted) return E.left(PluginErrors.pluginAborted({ message: 'cancelled before updating the VirtualServices' }));
        const r = await kube.update(o)();
        if (E.isLeft(r)) return r;
      }
      return E.right(undefined);
    };

  /** The weighted routes of one VirtualService, each checked for its canary and stable destinations. */
  const weightedRoutes = (ctx: RoutingContext, spec: JsonObject, t: VirtualServiceTarget, name: string): Either<PluginError, Array<{ section: RouteSection; index: number; route: JsonObject }>> => {
    if (dr === undefined && (ctx.canaryService === '' || ctx.stableService === ''))
      return E.left(misconfigured('Istio host-level routing needs spec.strategy.canary.canaryService and stableService (or trafficRouting.istio.destinationRule)', 'spec.strategy.canary'));
    const selected = selectRoutes(spec, t.config, new Set(managedOf(ctx)));
    if ('problem' in selected) return E.left(misconfigured(`${name}: ${selected.problem}`, t.path));
    const split = splitOf(ctx);
    const out: Array<{ section: RouteSection; index: number; route: JsonObject }> = [];
    for (const s of selected.routes) {
      const route = routesOf(spec, s.section)[s.index] ?? {};
      const problem = destinationProblem(route, split);
      if (problem !== undefined) return E.left(misconfigured(`${name}: ${s.label}: ${problem}`, t.path));
      out.push({ section: s.section, index: s.index, route });
    }
    return E.right(out);
  };

  /**
   * Header and mirror routes: `build` the route from the first weighted HTTP route of each VirtualService and
   * its canary destination (VirtualServices without HTTP routes are left alone, but one of them must have
   * one), or remove the route when `remove`.
   */
  const putOrRemoveRoute = (ctx: RoutingContext, name: string, remove: boolean, build: (weighted: JsonObject, canary: JsonObject) => JsonObject | string): TaskEither<PluginError, void> => {
    const notManaged = managedOf(ctx).includes(name)
      ? undefined
      : misconfigured(`route '${name}' is not listed in spec.strategy.canary.trafficRouting.managedRoutes`, 'spec.strategy.canary.trafficRouting.managedRoutes');
    if (notManaged !== undefined) return async () => E.left(notManaged);
    let based = 0;
    return editVirtualServices(
      ctx,
      (spec, t, vsName) => {
        const http = routesOf(spec, 'http');
        if (remove) return E.right(spec['http'] === undefined ? spec : { ...spec, http: removeRoutes(http, new Set([name])) });
        const routes = weightedRoutes(ctx, spec, t, vsName);
        if (E.isLeft(routes)) return routes;
        const weighted = routes.right.find((r) => r.section === 'http');
        const canary = weighted !== undefined ? canaryDestination(weighted.route, splitOf(ctx)) : undefined;
        if (weighted === undefined || canary === undefined) return E.right(spec);
        based += 1;
        const route = build(weighted.route, canary);
        if (typeof route === 'string') return E.left(misconfigured(`${vsName}: ${route}`));
        return E.right({ ...spec, http: putManagedRoute(http, route, managedOf(ctx)) });
      },
      { check: () => (remove || based > 0 ? undefined : misconfigured(`no VirtualService has a weighted HTTP route to base route '${name}' on`, PATH)) },
    );
  };

  const router: TrafficRouter = {
    setWeight: (ctx, weight, additional) => {
      const weights = percentWeights(ctx.maxWeight, weight, additional);
      if (typeof weights === 'string') return async () => E.left(misconfigured(weights));
      return editVirtualServices(ctx, (spec, t, name) => {
        const routes = weightedRoutes(ctx, spec, t, name);
        if (E.isLeft(routes)) return routes;
        const split = splitOf(ctx);
        const next: JsonObject = { ...spec };
        const sections = new Map<RouteSection, JsonObject[]>();
        const sectionOf = (s: RouteSection): JsonObject[] => {
          let list = sections.get(s);
          if (list === undefined) sections.set(s, (list = [...routesOf(spec, s)]));
          return list;
        };
        const reweight = (route: JsonObject, label: string): Either<PluginError, JsonObject> => {
          const dests = weightDestinations(Array.isArray(route['route']) ? route['route'].filter(isObj) : [], split, weights);
          return dests === undefined ? E.left(misconfigured(`${name}: ${label}: the weights of the destinations kept as they are leave no room for canary ${weights.canary}`, t.path)) : E.right({ ...route, route: dests });
        };
        for (const r of routes.right) {
          const w = reweight(r.route, `${r.section.toUpperCase()} route #${r.index}`);
          if (E.isLeft(w)) return w;
          sectionOf(r.section)[r.index] = w.right;
        }
        // Mirror routes copy the weighted destinations: they follow the weights.
        const managed = new Set(managedOf(ctx));
        const http = sectionOf('http');
        for (let i = 0; i < http.length; i++) {
          const r = http[i] ?? {};
          if (!managed.has(typeof r['name'] === 'string' ? r['name'] : '') || !isMirrorRoute(r) || destinationProblem(r, split) !== undefined) continue;
          const w = reweight(r, `mirror route '${String(r['name'])}'`);
          if (E.isLeft(w)) return w;
          http[i] = w.right;
        }
        for (const [s, list] of sections) if (spec[s] !== undefined) next[s] = list;
        return E.right(next);
      });
    },

    updateHash: (ctx, canaryHash, stableHash) => async () => {
      if (dr === undefined) return E.right(undefined);
      const ref: ObjectRef = { apiVersion, kind: 'DestinationRule', namespace: ctx.namespace, name: dr.name };
      const name = `DestinationRule ${ctx.namespace}/${dr.name}`;
      const got = await kube.get(ref)();
      if (E.isLeft(got)) return got;
      if (got.right === undefined) return E.left(misconfigured(`${name} not found`, `${PATH}.destinationRule.name`));
      const next = labelSubsets(got.right, dr, ctx.rollout.metadata?.name ?? '', canaryHash, stableHash);
      if (typeof next === 'string') return E.left(misconfigured(`${name}: ${next}`, `${PATH}.destinationRule`));
      if (same(next, got.right)) return E.right(undefined);
      if (ctx.signal.aborted) return E.left(PluginErrors.pluginAborted({ message: `cancelled before updating ${name}` }));
      const r = await kube.update(next)();
      return E.isLeft(r) ? r : E.right(undefined);
    },

    setHeaderRoute: (ctx, header) => putOrRemoveRoute(ctx, header.name, header.match.length === 0, (_weighted, canary) => headerRoute(header.name, header.match, canary)),

    setMirrorRoute: (ctx, mirror) =>
      putOrRemoveRoute(ctx, mirror.name, mirror.match.length === 0, (weighted, canary) => mirrorRoute(mirror.name, mirror.match, mirror.percentage, weighted, canary)),

    removeManagedRoutes: (ctx) =>
      // A VirtualService that is gone holds no managed route: nothing to clean up there.
      editVirtualServices(
        ctx,
        (spec) => {
          if (spec['http'] === undefined) return E.right(spec);
          const managed = managedOf(ctx);
          return E.right({ ...spec, http: arrangeManagedRoutes(removeRoutes(routesOf(spec, 'http'), new Set(managed)), managed) });
        },
        { missingOk: true },
      ),
  };
  // The Rollout is gone: the user's VirtualServices get their managed routes removed and all traffic back on the
  // stable destination. DestinationRule subsets keep their labels (the stable subset still names live pods).
  router.release = (ctx) => async () => {
    const removed = await router.removeManagedRoutes(ctx)();
    if (E.isLeft(removed)) return removed;
    return router.setWeight(ctx, 0, [])();
  };
  return router;
}
