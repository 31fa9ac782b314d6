/**
 * The Gateway API traffic router: canary weights in HTTPRoute, GRPCRoute, TCPRoute and TLSRoute rules, header
 * routes (HTTPRoute, GRPCRoute) and mirror routes (HTTPRoute, RequestMirror filter) as extra rules. It edits
 * routes the user owns, so it changes only what it wrote: the weights of the canary and stable backendRefs in
 * rules holding both, the experiment backendRefs and the rules it added (recorded per Rollout in the
 * {@link MANAGED_ANNOTATION} annotation of the route), and the in-progress label. Every write is a full update
 * carrying the resourceVersion it read, so a concurrent edit is a `KubeConflict` (retried by the controller),
 * never overwritten; nothing is written when nothing changes.
 */
import * as E from 'fp-ts/lib/Either';
import type { Either } from 'fp-ts/lib/Either';
import * as TE from 'fp-ts/lib/TaskEither';
import {
  defineTrafficRouter,
  PluginErrors,
  type AdditionalDestination,
  type KubeObject,
  type KubeObjectClient,
  type Logger,
  type PluginError,
  type RoutingContext,
  type TrafficRouter,
  type TrafficRouterPlugin,
} from '@rollouts/plugin-sdk';
import { DEFAULT_ROUTE_API_VERSIONS, GATEWAY_API_ROUTER_KIND, GatewayApiTrafficRouting, resolveRoutes, type ResolvedConfig, type RouteApiVersions, type RouteTarget } from './GatewayApiConfig';
import {
  allManagedRuleNames,
  EMPTY_RECORD,
  headerRules,
  isObj,
  isWeightedRule,
  mirrorRules,
  objects,
  putRules,
  readRecords,
  removeRules,
  ruleName,
  ruleNameProblem,
  weighRules,
  withRecord,
  type ExperimentBackend,
  type JsonObject,
  type ManagedRecord,
  type Services,
} from './RouteRules';

/** Options of {@link createGatewayApiRouterPlugin}. */
export interface GatewayApiRouterOptions {
  /** The kind to register under (default `argoproj-labs/gatewayAPI`, the key under `trafficRouting.plugins`). */
  readonly kind?: string;
  /** API versions of the route kinds (default HTTPRoute/GRPCRoute `v1`, TCPRoute/TLSRoute `v1alpha2`). */
  readonly apiVersions?: Partial<RouteApiVersions>;
}

/** The Gateway API allows at most 16 rules per route. */
export const MAX_RULES = 16;
/** Gateway API backendRef weights are 0..1,000,000. */
export const MAX_BACKEND_WEIGHT = 1_000_000;

type Result<A> = Either<PluginError, A>;

/** JSON with object keys sorted: an API server may hand keys back in another order than they were written. */
const canonical = (u: unknown): string =>
  JSON.stringify(u, (_k, v: unknown) => (isObj(v) ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, v[k]])) : v));

interface Edit {
  readonly rules: JsonObject[];
  readonly record: ManagedRecord;
  /** `true`: the in-progress label on; `false`: off; `undefined`: as it is. */
  readonly inProgress?: boolean;
}

function makeRouter(kube: KubeObjectClient, log: Logger, apiVersions: RouteApiVersions, cfg: ResolvedConfig): TrafficRouter {
  const misconfigured = (message: string, path?: string) => PluginErrors.routerMisconfigured({ message, ...(path !== undefined ? { path } : {}) });
  const routeNamespace = (ctx: RoutingContext) => cfg.namespace ?? ctx.namespace;
  const servicesOf = (ctx: RoutingContext): Services => ({ canary: ctx.canaryService, stable: ctx.stableService, namespace: ctx.namespace, routeNamespace: routeNamespace(ctx) });
  const rolloutName = (ctx: RoutingContext) => ctx.rollout.metadata?.name ?? '';
  const headerTargets = cfg.routes.filter((r) => r.useHeaderRoutes && (r.kind === 'HTTPRoute' || r.kind === 'GRPCRoute'));

  /** Read the route, apply `edit`, write it back if anything changed, and check the server kept the rule names. */
  const editRoute = async (
    ctx: RoutingContext,
    target: RouteTarget,
    edit: (rules: JsonObject[], mine: ManagedRecord, all: Record<string, ManagedRecord>, label: string) => Result<Edit>,
    options: { readonly missingOk?: boolean } = {},
  ): Promise<Result<void>> => {
    const ns = routeNamespace(ctx);
    const label = `${target.kind} ${ns}/${target.name}`;
    const got = await kube.get({ apiVersion: apiVersions[target.kind], kind: target.kind, namespace: ns, name: target.name })();
    if (E.isLeft(got)) return got;
    if (got.right === undefined) return options.missingOk === true ? E.right(undefined) : E.left(misconfigured(`${label} not found`, target.path));
    const route = got.right;
    const records = readRecords(route);
    if (typeof records === 'string') return E.left(misconfigured(`${label}: ${records}`, target.path));
    const spec = isObj(route['spec']) ? route['spec'] : {};
    const rules = objects(spec['rules']);
    const mine = records[rolloutName(ctx)] ?? EMPTY_RECORD;
    const edited = edit(rules, mine, records, label);
    if (E.isLeft(edited)) return edited;
    const { rules: nextRules, record, inProgress } = edited.right;
    if (nextRules.length > MAX_RULES) return E.left(misconfigured(`${label} would have ${nextRules.length} rules; the Gateway API allows ${MAX_RULES}`, target.path));

    const annotations = withRecord(route.metadata.annotations, records, rolloutName(ctx), record);
    let labels: Record<string, string> | undefined = route.metadata.labels === undefined ? undefined : { ...route.metadata.labels };
    if (cfg.inProgressLabel !== undefined && inProgress !== undefined) {
      const { key, value } = cfg.inProgressLabel;
      if (inProgress) labels = { ...(labels ?? {}), [key]: value };
      else if (labels !== undefined) {
        delete labels[key];
        if (Object.keys(labels).length === 0) labels = undefined;
      }
    }
    const { annotations: _a, labels: _l, ...metadata } = route.metadata;
    const next: KubeObject = {
      ...route,
      metadata: { ...metadata, ...(labels !== undefined ? { labels } : {}), ...(annotations !== undefined ? { annotations } : {}) },
      spec: { ...spec, rules: nextRules },
    };
    if (canonical(next) === canonical(route)) return E.right(undefined);
    if (ctx.signal.aborted) return E.left(PluginErrors.pluginAborted({ message: `cancelled before updating ${label}` }));
    log.info('updating route', { route: label, rollout: rolloutName(ctx) });
    const written = await kube.update(next)();
    if (E.isLeft(written)) return written;
    // A CRD without `rules[].name` (the standard channel before the field was promoted) drops the names this
    // router recognises its rules by. The rules just added could then never be found again: take them out at
    // once (pruning keeps the rules' order, so they are where they were written) and say why.
    const writtenSpec = isObj(written.right['spec']) ? written.right['spec'] : {};
    const writtenRules = objects(writtenSpec['rules']);
    // Only names this write carried count: a managed rule someone deleted by hand is not a pruned one.
    const kept = new Set(writtenRules.map((r) => ruleName(r)));
    const sent = new Set(nextRules.map((r) => ruleName(r)));
    const lost = new Set(
      Object.values(record.rules)
        .flat()
        .filter((n) => sent.has(n) && !kept.has(n)),
    );
    if (lost.size > 0) {
      const at = new Set(nextRules.flatMap((r, i) => (lost.has(ruleName(r) ?? '') ? [i] : [])));
      const writtenRecords = readRecords(written.right);
      const cleanRecord: ManagedRecord = {
        rules: Object.fromEntries(Object.entries(record.rules).filter(([, names]) => !names.some((n) => lost.has(n)))),
        backends: record.backends,
      };
      const rollbackAnnotations = withRecord(written.right.metadata.annotations, typeof writtenRecords === 'string' ? {} : writtenRecords, rolloutName(ctx), cleanRecord);
      const { annotations: _wa, ...writtenMeta } = written.right.metadata;
      const rollback: KubeObject = {
        ...written.right,
        metadata: { ...writtenMeta, ...(rollbackAnnotations !== undefined ? { annotations: rollbackAnnotations } : {}) },
        spec: { ...writtenSpec, rules: writtenRules.filter((_, i) => !at.has(i)) },
      };
      const undone = await kube.update(rollback)();
      const names = [...lost].join(', ');
      return E.left(
        misconfigured(
          `${label}: the API server dropped the rule name${lost.size > 1 ? 's' : ''} ${names} (${E.isRight(undone) ? 'the rules were taken out again' : `taking the rules out again failed: ${undone.left.message}`}); the ${target.kind} CRD must have rules[].name (Gateway API experimental channel v1.2+, or a standard channel that includes it)`,
          target.path,
        ),
      );
    }
    return E.right(undefined);
  };

  const eachRoute = async (targets: Result<ReadonlyArray<RouteTarget>>, f: (t: RouteTarget) => Promise<Result<void>>): Promise<Result<void>> => {
    if (E.isLeft(targets)) return targets;
    for (const t of targets.right) {
      const r = await f(t);
      if (E.isLeft(r)) return r;
    }
    return E.right(undefined);
  };

  /**
   * The named routes and those the selectors find now (weights only: header routes go to named routes). A
   * selector that finds nothing is an error: a canary must not run without the traffic routing it asked for.
   */
  const allTargets = async (ctx: RoutingContext, options: { readonly missingOk?: boolean } = {}): Promise<Result<ReadonlyArray<RouteTarget>>> => {
    const out: RouteTarget[] = [...cfg.routes];
    for (const sel of cfg.selectors) {
      const found = await kube.list({ apiVersion: apiVersions[sel.kind], kind: sel.kind, namespace: routeNamespace(ctx), labelSelector: sel.labelSelector })();
      if (E.isLeft(found)) return found;
      if (found.right.length === 0 && options.missingOk !== true)
        return E.left(misconfigured(`no ${sel.kind} in namespace ${routeNamespace(ctx)} matches the selector ${sel.labelSelector}`, sel.path));
      const names = found.right.map((o) => o.metadata.name).sort();
      for (const name of names) if (!out.some((t) => t.kind === sel.kind && t.name === name)) out.push({ kind: sel.kind, name, useHeaderRoutes: false, path: sel.path });
    }
    return E.right(out);
  };

  /** The port each experiment Service is reached on: its port named `http`, else its first port. */
  const experimentBackends = async (ctx: RoutingContext, additional: ReadonlyArray<AdditionalDestination>): Promise<Result<ExperimentBackend[]>> => {
    const out: ExperimentBackend[] = [];
    for (const d of additional) {
      const svc = await kube.get({ apiVersion: 'v1', kind: 'Service', namespace: ctx.namespace, name: d.serviceName })();
      if (E.isLeft(svc)) return svc;
      if (svc.right === undefined) return E.left(PluginErrors.routerUnavailable({ message: `experiment Service ${ctx.namespace}/${d.serviceName} not found (yet)` }));
      const ports = objects(isObj(svc.right['spec']) ? svc.right['spec']['ports'] : undefined);
      const port = (ports.find((p) => p['name'] === 'http') ?? ports[0])?.['port'];
      if (typeof port !== 'number') return E.left(misconfigured(`experiment Service ${ctx.namespace}/${d.serviceName} has no port`));
      out.push({ service: d.serviceName, port, weight: d.weight });
    }
    return E.right(out);
  };

  const setWeight = async (ctx: RoutingContext, weight: number, additional: ReadonlyArray<AdditionalDestination>, missingOk: boolean): Promise<Result<void>> => {
    const max = ctx.maxWeight;
    const sum = additional.reduce((s, d) => s + d.weight, 0);
    if (!Number.isInteger(max) || max <= 0 || max > MAX_BACKEND_WEIGHT) return E.left(misconfigured(`maxTrafficWeight ${max} is not an integer in 1..${MAX_BACKEND_WEIGHT} (the Gateway API's largest weight)`, 'spec.strategy.canary.trafficRouting.maxTrafficWeight'));
    if (weight < 0 || additional.some((d) => d.weight < 0) || weight + sum > max)
      return E.left(misconfigured(`weights (canary ${weight}, experiments ${additional.map((d) => d.weight).join(', ') || 'none'}) do not fit in ${max}`));
    const experiments = await experimentBackends(ctx, additional);
    if (E.isLeft(experiments)) return experiments;
    const svc = servicesOf(ctx);
    const weights = { canary: weight, stable: max - weight - sum, experiments: experiments.right };
    return eachRoute(await allTargets(ctx, { missingOk }), (t) =>
      editRoute(
        ctx,
        t,
        (rules, mine, all, label) => {
          const managed = allManagedRuleNames(all);
          if (!rules.some((r) => isWeightedRule(r, svc) && !managed.has(ruleName(r) ?? '\u0000')))
            return E.left(misconfigured(`${label} has no rule with backendRefs to both Service ${svc.canary} and Service ${svc.stable} (namespace ${svc.namespace})`, t.path));
          return E.right({
            rules: weighRules(rules, svc, weights, mine.backends),
            record: { rules: mine.rules, backends: experiments.right.map((e) => e.service) },
            inProgress: weight > 0 || sum > 0,
          });
        },
        { missingOk },
      ),
    );
  };

  const removeManaged = async (ctx: RoutingContext, missingOk: boolean) =>
    eachRoute(
      E.map((ts: ReadonlyArray<RouteTarget>) => ts.filter((r) => r.kind === 'HTTPRoute' || r.kind === 'GRPCRoute'))(await allTargets(ctx, { missingOk: true })),
      (t) =>
        editRoute(
          ctx,
          t,
          (rules, mine) => {
            const names = new Set(Object.values(mine.rules).flat());
            return E.right({ rules: removeRules(rules, names), record: { rules: {}, backends: mine.backends } });
          },
          { missingOk },
        ),
    );

  /** Put (or, with `build` undefined, remove) the rules of managed route `name` in every header-enabled route. */
  const putManaged = (ctx: RoutingContext, name: string, targets: ReadonlyArray<RouteTarget>, build: ((sources: JsonObject[], t: RouteTarget) => JsonObject[] | string) | undefined) =>
    eachRoute(E.right(targets), (t) =>
      editRoute(
        ctx,
        t,
        (rules, mine, all, label) => {
          const previous = mine.rules[name] ?? [];
          const otherRules = Object.fromEntries(Object.entries(mine.rules).filter(([k]) => k !== name));
          if (build === undefined) return E.right({ rules: removeRules(rules, new Set(previous)), record: { rules: otherRules, backends: mine.backends } });
          const managed = allManagedRuleNames(all);
          const sources = rules.filter((r) => isWeightedRule(r, servicesOf(ctx)) && !managed.has(ruleName(r) ?? '\u0000'));
          if (sources.length === 0)
            return E.left(misconfigured(`${label} has no rule with backendRefs to both Service ${ctx.canaryService} and Service ${ctx.stableService} to derive route "${name}" from`, t.path));
          const built = build(sources, t);
          if (typeof built === 'string') return E.left(PluginErrors.pluginConfigInvalid({ message: `${label}: ${built}`, path: 'spec.strategy.canary.steps' }));
          const mineNow = new Set(previous);
          for (const r of built) {
            const n = ruleName(r) ?? '';
            const taken = rules.some((x) => ruleName(x) === n) && !mineNow.has(n);
            if (taken) return E.left(misconfigured(`${label}: a rule named "${n}" exists that Rollout ${rolloutName(ctx)} did not write for route "${name}"; rename it or the managed route`, t.path));
          }
          return E.right({ rules: putRules(rules, mineNow, built), record: { rules: { ...otherRules, [name]: built.map((r) => ruleName(r) ?? '') }, backends: mine.backends } });
        },
        { missingOk: build === undefined },
      ),
    );

  const nameProblem = (name: string, step: string): PluginError | undefined => {
    const p = ruleNameProblem(name);
    return p === undefined ? undefined : PluginErrors.pluginConfigInvalid({ message: `${step} name ${p}`, path: `spec.strategy.canary.steps[].${step}.name` });
  };

  const router: TrafficRouter = {
    setWeight: (ctx, weight, additional) => () => setWeight(ctx, weight, additional, false),
    // Routes name Services, not pod hashes: nothing follows the hashes.
    updateHash: () => TE.right(undefined),
    removeManagedRoutes: (ctx) => () => removeManaged(ctx, true),
    release: (ctx) => async () => {
      const removed = await removeManaged(ctx, true);
      if (E.isLeft(removed)) return removed;
      return setWeight(ctx, 0, [], true);
    },
  };

  if (headerTargets.length > 0) {
    router.setHeaderRoute = (ctx, route) => async () => {
      const bad = nameProblem(route.name, 'setHeaderRoute');
      if (bad !== undefined) return E.left(bad);
      return putManaged(ctx, route.name, headerTargets, route.match.length === 0 ? undefined : (sources) => headerRules(sources, route, servicesOf(ctx)));
    };
  }
  if (headerTargets.some((t) => t.kind === 'HTTPRoute')) {
    router.setMirrorRoute = (ctx, route) => async () => {
      const bad = nameProblem(route.name, 'setMirrorRoute');
      if (bad !== undefined) return E.left(bad);
      if (route.match.length === 0) return putManaged(ctx, route.name, headerTargets, undefined);
      const grpc = headerTargets.find((t) => t.kind === 'GRPCRoute');
      if (grpc !== undefined)
        return E.left(PluginErrors.pluginUnsupported({ message: `setMirrorRoute "${route.name}": mirror rules are written to HTTPRoutes only, and GRPCRoute ${grpc.name} (${grpc.path}) has header routes enabled` }));
      return putManaged(ctx, route.name, headerTargets, (sources) => mirrorRules(sources, route, servicesOf(ctx)));
    };
  }
  return router;
}

/**
 * Make the Gateway API router plugin. `gatewayApiRouter` is this with the defaults: registered as
 * `argoproj-labs/gatewayAPI`, so `trafficRouting.plugins["argoproj-labs/gatewayAPI"]` resolves to it.
 */
export function createGatewayApiRouterPlugin(options: GatewayApiRouterOptions = {}): TrafficRouterPlugin<GatewayApiTrafficRouting> {
  const apiVersions: RouteApiVersions = { ...DEFAULT_ROUTE_API_VERSIONS, ...(options.apiVersions ?? {}) };
  return defineTrafficRouter({
    kind: options.kind ?? GATEWAY_API_ROUTER_KIND,
    configCodec: GatewayApiTrafficRouting,
    make:
      ({ kube, log }) =>
      (config) => {
        const resolved = resolveRoutes(config);
        // A bad configuration is reported by the controller as InvalidSpec with this message.
        if ('problems' in resolved) throw new Error(resolved.problems.join('; '));
        return makeRouter(kube, log, apiVersions, resolved.ok);
      },
  });
}

/** The Gateway API router plugin with the default kind and API versions. */
export const gatewayApiRouter: TrafficRouterPlugin<GatewayApiTrafficRouting> = createGatewayApiRouterPlugin();
