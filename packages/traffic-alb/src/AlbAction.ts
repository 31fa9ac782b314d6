/**
 * The AWS Load Balancer Controller annotations an ALB-routed Rollout owns on its Ingresses, computed from the
 * configuration and the routing context: pure functions, no I/O.
 *
 * The load balancer controller reads `<prefix>/actions.<service>` (a forward action with weighted target
 * groups) for every Ingress path whose backend is `<service>` with port name `use-annotation`, and
 * `<prefix>/conditions.<service>` (extra conditions such as an HTTP header) for the same path.
 */
import type { ALBTrafficRouting } from '@rollouts/api';
import type { AdditionalDestination, HeaderRoute, KubeObject, PluginError, RoutingContext } from '@rollouts/plugin-sdk';
import { PluginErrors } from '@rollouts/plugin-sdk';

/** `alb.ingress.kubernetes.io`, unless `annotationPrefix` says otherwise. */
export const DEFAULT_ANNOTATION_PREFIX = 'alb.ingress.kubernetes.io';
/** The annotation listing, per Rollout, the annotation keys it owns on an Ingress (JSON `{"<rollout>":[keys]}`). */
export const MANAGED_ANNOTATIONS = 'rollouts.argoproj.io/managed-alb-annotations';
/** The port name of a backend that takes its action from the `actions.<service>` annotation. */
export const USE_ANNOTATION = 'use-annotation';

/** The Ingresses a configuration names: `ingress` first, then `ingresses`, without repeats. */
export function ingressesOf(config: ALBTrafficRouting): string[] {
  const names = [...(config.ingress != null && config.ingress !== '' ? [config.ingress] : []), ...(config.ingresses ?? [])];
  return [...new Set(names)];
}

/** `<prefix>/actions.<name>`. */
export const actionKey = (prefix: string, name: string): string => `${prefix}/actions.${name}`;
/** `<prefix>/conditions.<name>`. */
export const conditionsKey = (prefix: string, name: string): string => `${prefix}/conditions.${name}`;

/**
 * The canary and stable Services. With ping-pong the controller passes the pair in their current roles
 * (`status.canary.stablePingPong` of the status being written, so the swap at promotion moves no traffic).
 */
export function servicesOf(ctx: RoutingContext): { readonly canary: string; readonly stable: string } {
  return { canary: ctx.canaryService, stable: ctx.stableService };
}

/** The Service whose action annotation carries the weights: `rootService`, else the stable Service. */
export function actionServiceOf(config: ALBTrafficRouting, ctx: RoutingContext): string {
  return config.rootService != null && config.rootService !== '' ? config.rootService : servicesOf(ctx).stable;
}

interface TargetGroup {
  readonly ServiceName: string;
  readonly ServicePort: string;
  readonly Weight: number;
}

function action(config: ALBTrafficRouting, targetGroups: TargetGroup[]): string {
  const sticky = config.stickinessConfig;
  const forward = {
    TargetGroups: targetGroups,
    ...(sticky != null && sticky.enabled ? { TargetGroupStickinessConfig: { Enabled: true, DurationSeconds: sticky.durationSeconds } } : {}),
  };
  return JSON.stringify({ Type: 'forward', ForwardConfig: forward });
}

/**
 * The weighted forward action: canary `weight`, each additional destination its weight, stable the rest of
 * `ctx.maxWeight`; stickiness only when enabled.
 */
export function weightedAction(config: ALBTrafficRouting, ctx: RoutingContext, weight: number, additional: ReadonlyArray<AdditionalDestination>): string {
  const port = String(config.servicePort);
  const { canary, stable } = servicesOf(ctx);
  const rest = ctx.maxWeight - weight - additional.reduce((sum, d) => sum + d.weight, 0);
  return action(config, [
    { ServiceName: canary, ServicePort: port, Weight: weight },
    ...additional.map((d) => ({ ServiceName: d.serviceName, ServicePort: port, Weight: d.weight })),
    { ServiceName: stable, ServicePort: port, Weight: rest },
  ]);
}

/**
 * The action and conditions of a header route: everything to the canary when the headers match. ALB matches
 * exact values only: a prefix or regex match is `PluginUnsupported`. Several values of one header are OR-ed,
 * different headers AND-ed.
 */
export function headerRouteAnnotations(config: ALBTrafficRouting, ctx: RoutingContext, route: HeaderRoute): { readonly action: string; readonly conditions: string } | PluginError {
  const values = new Map<string, string[]>();
  for (const m of route.match) {
    const exact = m.headerValue.exact;
    if (exact == null)
      return PluginErrors.pluginUnsupported({ message: `the alb traffic router matches headers by exact value only; setHeaderRoute ${route.name}, header ${m.headerName} is not exact` });
    values.set(m.headerName, [...(values.get(m.headerName) ?? []), exact]);
  }
  const conditions = [...values].map(([name, vs]) => ({ field: 'http-header', httpHeaderConfig: { httpHeaderName: name, values: vs } }));
  return { action: action(config, [{ ServiceName: servicesOf(ctx).canary, ServicePort: String(config.servicePort), Weight: 100 }]), conditions: JSON.stringify(conditions) };
}

/** The managed-annotations map of an Ingress (`{}` when absent or unreadable). */
export function managedAnnotationsOf(ingress: KubeObject): Record<string, string[]> {
  const raw = ingress.metadata.annotations?.[MANAGED_ANNOTATIONS];
  if (raw === undefined) return {};
  try {
    const parsed: unknown = JSON.parse(raw);
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return {};
    const out: Record<string, string[]> = {};
    for (const [k, v] of Object.entries(parsed)) if (Array.isArray(v)) out[k] = v.filter((x): x is string => typeof x === 'string');
    return out;
  } catch {
    return {};
  }
}

/** The managed-annotations value with `rollout`'s keys replaced (its entry dropped when `keys` is empty). */
export function withManagedKeys(current: Record<string, string[]>, rollout: string, keys: ReadonlyArray<string>): string | null {
  const next: Record<string, string[]> = { ...current };
  if (keys.length === 0) delete next[rollout];
  else next[rollout] = [...keys];
  return Object.keys(next).length === 0 ? null : JSON.stringify(next);
}

interface IngressPath {
  readonly backend?: { readonly service?: { readonly name?: string; readonly port?: { readonly name?: string } | null } | null } | null;
  readonly [k: string]: unknown;
}
interface IngressRule {
  readonly http?: { readonly paths?: ReadonlyArray<IngressPath> | null; readonly [k: string]: unknown } | null;
  readonly [k: string]: unknown;
}

/** The rules of an Ingress spec (networking.k8s.io/v1). */
export function rulesOf(ingress: KubeObject): ReadonlyArray<IngressRule> {
  return ((ingress.spec ?? {}) as { rules?: ReadonlyArray<IngressRule> | null }).rules ?? [];
}

/** Whether some path of the Ingress has `service` as its backend. */
export function hasServiceBackend(ingress: KubeObject, service: string): boolean {
  return rulesOf(ingress).some((r) => (r.http?.paths ?? []).some((p) => p.backend?.service?.name === service));
}

const isRoutePath = (p: IngressPath, routes: ReadonlySet<string>) => p.backend?.service?.port?.name === USE_ANNOTATION && routes.has(p.backend?.service?.name ?? '');

/**
 * The Ingress rules with the header-route paths (`/*`, ImplementationSpecific, backend `<route>` port
 * `use-annotation`) first in every rule that has paths, ordered as `managedRoutes`; paths of `managed` routes
 * not in `active` are removed, every other path kept in place.
 */
export function rulesWithRoutePaths(rules: ReadonlyArray<IngressRule>, managed: ReadonlyArray<string>, active: ReadonlyArray<string>): IngressRule[] {
  const managedSet = new Set([...managed, ...active]);
  const order = (name: string) => {
    const i = managed.indexOf(name);
    return i < 0 ? managed.length : i;
  };
  const routePaths = [...new Set(active)]
    .sort((a, b) => order(a) - order(b))
    .map((name) => ({ path: '/*', pathType: 'ImplementationSpecific', backend: { service: { name, port: { name: USE_ANNOTATION } } } }));
  return rules.map((r) => {
    if (r.http?.paths == null) return r;
    return { ...r, http: { ...r.http, paths: [...routePaths, ...r.http.paths.filter((p) => !isRoutePath(p, managedSet))] } };
  });
}

/** The names of the header routes whose paths an Ingress carries (backend port `use-annotation`, a route of `names`). */
export function routePathsOf(ingress: KubeObject, names: ReadonlyArray<string>): string[] {
  const set = new Set(names);
  const found = rulesOf(ingress).flatMap((r) => (r.http?.paths ?? []).filter((p) => isRoutePath(p, set)).map((p) => p.backend?.service?.name ?? ''));
  return [...new Set(found)];
}

/** Whether a value is a PluginError (the pure functions return them instead of throwing). */
export function isPluginError(x: unknown): x is PluginError {
  return typeof x === 'object' && x !== null && typeof (x as { _tag?: unknown })._tag === 'string' && typeof (x as { retryable?: unknown }).retryable === 'boolean';
}
