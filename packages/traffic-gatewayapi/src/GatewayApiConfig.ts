/**
 * The configuration of the Gateway API router, spelled as the argoproj-labs gatewayAPI plugin documents it
 * (`trafficRouting.plugins["argoproj-labs/gatewayAPI"]`), and its resolution into the list of routes to edit.
 * Pure: no I/O.
 */
import { array, boolean, LabelSelector, partial, string, struct, type TypeOf } from '@rollouts/api';

/** The kind the router registers under: the key Argo users already have under `trafficRouting.plugins`. */
export const GATEWAY_API_ROUTER_KIND = 'argoproj-labs/gatewayAPI';

/** Where the configuration sits in a Rollout, as the controller names it in problems. */
export const CONFIG_PATH = `spec.strategy.canary.trafficRouting.plugins.${GATEWAY_API_ROUTER_KIND}`;

/** The label put on a route while the canary has traffic (upstream's default), for Argo CD `ignoreDifferences`. */
export const DEFAULT_IN_PROGRESS_LABEL_KEY = 'rollouts.argoproj.io/gatewayapi-canary';
export const DEFAULT_IN_PROGRESS_LABEL_VALUE = 'in-progress';

const NamedRoute = struct('GatewayAPINamedRoute', { name: string() }, { useHeaderRoutes: boolean() });
const NamedTcpRoute = struct('GatewayAPINamedTCPRoute', { name: string() }, {});

/**
 * The plugin configuration. Fields this router does not know (the legacy `configMap`, typos) pass decoding so
 * that {@link resolveRoutes} can reject them by name instead of ignoring them.
 */
export const GatewayApiTrafficRouting = partial('GatewayAPITrafficRouting', {
  httpRoute: string(),
  httpRoutes: array(NamedRoute),
  grpcRoute: string(),
  grpcRoutes: array(NamedRoute),
  tcpRoute: string(),
  tcpRoutes: array(NamedTcpRoute),
  tlsRoute: string(),
  tlsRoutes: array(NamedTcpRoute),
  httpRouteSelector: LabelSelector,
  grpcRouteSelector: LabelSelector,
  tcpRouteSelector: LabelSelector,
  tlsRouteSelector: LabelSelector,
  namespace: string(),
  disableInProgressLabel: boolean(),
  inProgressLabelKey: string(),
  inProgressLabelValue: string(),
});
export type GatewayApiTrafficRouting = TypeOf<typeof GatewayApiTrafficRouting>;

/** The route kinds the router edits, with the API version each is served at. */
export type RouteKind = 'HTTPRoute' | 'GRPCRoute' | 'TCPRoute' | 'TLSRoute';

/** API versions per route kind; HTTPRoute and GRPCRoute are GA, TCPRoute and TLSRoute experimental. */
export type RouteApiVersions = Readonly<Record<RouteKind, string>>;

export const DEFAULT_ROUTE_API_VERSIONS: RouteApiVersions = {
  HTTPRoute: 'gateway.networking.k8s.io/v1',
  GRPCRoute: 'gateway.networking.k8s.io/v1',
  TCPRoute: 'gateway.networking.k8s.io/v1alpha2',
  TLSRoute: 'gateway.networking.k8s.io/v1alpha2',
};

/** One route the Rollout routes through. */
export interface RouteTarget {
  readonly kind: RouteKind;
  readonly name: string;
  /** Header and mirror routes are added to this route (only HTTPRoute and GRPCRoute can match headers). */
  readonly useHeaderRoutes: boolean;
  /** Where the route is named in the configuration, for messages. */
  readonly path: string;
}

/** Routes found by label when the router runs (upstream's `*RouteSelector`): weights only, no header routes. */
export interface RouteSelector {
  readonly kind: RouteKind;
  /** The selector in the API's `labelSelector` query syntax. */
  readonly labelSelector: string;
  readonly path: string;
}

/** The configuration, resolved: the routes, and how to label them. */
export interface ResolvedConfig {
  readonly routes: ReadonlyArray<RouteTarget>;
  readonly selectors: ReadonlyArray<RouteSelector>;
  /** `undefined`: the configuration's namespace is the Rollout's. */
  readonly namespace: string | undefined;
  readonly inProgressLabel: { readonly key: string; readonly value: string } | undefined;
}

const UNSUPPORTED: Readonly<Record<string, string>> = {
  configMap: 'managed routes are recorded on the routes themselves, not in a ConfigMap; remove the field',
};

const KNOWN = new Set([
  'httpRoute',
  'httpRoutes',
  'grpcRoute',
  'grpcRoutes',
  'tcpRoute',
  'tcpRoutes',
  'tlsRoute',
  'tlsRoutes',
  'httpRouteSelector',
  'grpcRouteSelector',
  'tcpRouteSelector',
  'tlsRouteSelector',
  'namespace',
  'disableInProgressLabel',
  'inProgressLabelKey',
  'inProgressLabelValue',
]);

const nonEmpty = (s: string | null | undefined): string | undefined => (s != null && s !== '' ? s : undefined);

/** A label key: an optional DNS prefix and `/`, then a name of at most 63 characters. */
const LABEL_KEY = /^(?:[a-z0-9](?:[-a-z0-9.]{0,251}[a-z0-9])?\/)?[A-Za-z0-9](?:[-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const LABEL_VALUE = /^(?:[A-Za-z0-9](?:[-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$/;

/**
 * The routes the configuration names, or the problems with it (each naming its field path). Unknown fields are
 * problems too: a misspelt `httpRoutes` must not leave a canary without traffic routing.
 */
export function resolveRoutes(config: GatewayApiTrafficRouting): { readonly ok: ResolvedConfig } | { readonly problems: ReadonlyArray<string> } {
  const problems: string[] = [];
  const raw = config as Record<string, unknown>;
  for (const key of Object.keys(raw)) {
    if (raw[key] == null || KNOWN.has(key)) continue;
    problems.push(`${CONFIG_PATH}.${key}: ${UNSUPPORTED[key] ?? `unknown field "${key}" (known: ${[...KNOWN].join(', ')})`}`);
  }
  const routes: RouteTarget[] = [];
  const add = (kind: RouteKind, name: string, useHeaderRoutes: boolean, path: string) => {
    if (name === '') return problems.push(`${path}: the route name is empty`);
    if (routes.some((r) => r.kind === kind && r.name === name)) return problems.push(`${path}: ${kind} "${name}" is named twice`);
    routes.push({ kind, name, useHeaderRoutes, path });
    return undefined;
  };
  const single = nonEmpty;
  if (single(config.httpRoute)) add('HTTPRoute', config.httpRoute!, true, `${CONFIG_PATH}.httpRoute`);
  (config.httpRoutes ?? []).forEach((r, i) => add('HTTPRoute', r.name, r.useHeaderRoutes === true, `${CONFIG_PATH}.httpRoutes[${i}].name`));
  if (single(config.grpcRoute)) add('GRPCRoute', config.grpcRoute!, true, `${CONFIG_PATH}.grpcRoute`);
  (config.grpcRoutes ?? []).forEach((r, i) => add('GRPCRoute', r.name, r.useHeaderRoutes === true, `${CONFIG_PATH}.grpcRoutes[${i}].name`));
  if (single(config.tcpRoute)) add('TCPRoute', config.tcpRoute!, false, `${CONFIG_PATH}.tcpRoute`);
  (config.tcpRoutes ?? []).forEach((r, i) => add('TCPRoute', r.name, false, `${CONFIG_PATH}.tcpRoutes[${i}].name`));
  if (single(config.tlsRoute)) add('TLSRoute', config.tlsRoute!, false, `${CONFIG_PATH}.tlsRoute`);
  (config.tlsRoutes ?? []).forEach((r, i) => add('TLSRoute', r.name, false, `${CONFIG_PATH}.tlsRoutes[${i}].name`));
  const selectors: RouteSelector[] = [];
  for (const [field, kind] of [['httpRouteSelector', 'HTTPRoute'], ['grpcRouteSelector', 'GRPCRoute'], ['tcpRouteSelector', 'TCPRoute'], ['tlsRouteSelector', 'TLSRoute']] as const) {
    const sel = config[field];
    if (sel == null) continue;
    const path = `${CONFIG_PATH}.${field}`;
    const q = selectorQuery(sel, path);
    if (typeof q !== 'string') problems.push(...q.problems);
    else selectors.push({ kind, labelSelector: q, path });
  }
  if (routes.length === 0 && selectors.length === 0 && problems.length === 0)
    problems.push(`${CONFIG_PATH}: no routes configured (set httpRoute, httpRoutes[], grpcRoute, grpcRoutes[], tcpRoute, tcpRoutes[], tlsRoute, tlsRoutes[] or a *RouteSelector)`);

  let inProgressLabel: ResolvedConfig['inProgressLabel'];
  if (config.disableInProgressLabel !== true) {
    const key = nonEmpty(config.inProgressLabelKey) ?? DEFAULT_IN_PROGRESS_LABEL_KEY;
    const value = config.inProgressLabelValue ?? DEFAULT_IN_PROGRESS_LABEL_VALUE;
    if (!LABEL_KEY.test(key)) problems.push(`${CONFIG_PATH}.inProgressLabelKey: "${key}" is not a valid label key`);
    if (!LABEL_VALUE.test(value)) problems.push(`${CONFIG_PATH}.inProgressLabelValue: "${value}" is not a valid label value`);
    inProgressLabel = { key, value };
  }
  if (problems.length > 0) return { problems };
  return { ok: { routes, selectors, namespace: nonEmpty(config.namespace), inProgressLabel } };
}

/**
 * A LabelSelector in the `labelSelector` query syntax (`a=b,c in (d,e),!f`), or the problems with it. An empty
 * selector would select every route of the namespace: a problem, not a default.
 */
export function selectorQuery(sel: LabelSelector, path: string): string | { readonly problems: string[] } {
  const problems: string[] = [];
  const parts: string[] = [];
  for (const [k, v] of Object.entries(sel.matchLabels ?? {}).sort(([a], [b]) => a.localeCompare(b))) {
    if (!LABEL_KEY.test(k)) problems.push(`${path}.matchLabels: "${k}" is not a valid label key`);
    else if (!LABEL_VALUE.test(v)) problems.push(`${path}.matchLabels["${k}"]: "${v}" is not a valid label value`);
    else parts.push(`${k}=${v}`);
  }
  (sel.matchExpressions ?? []).forEach((e, i) => {
    const at = `${path}.matchExpressions[${i}]`;
    const values = e.values ?? [];
    if (!LABEL_KEY.test(e.key)) return problems.push(`${at}.key: "${e.key}" is not a valid label key`);
    const badValue = values.find((v) => !LABEL_VALUE.test(v));
    if (badValue !== undefined) return problems.push(`${at}.values: "${badValue}" is not a valid label value`);
    switch (e.operator) {
      case 'In':
      case 'NotIn':
        if (values.length === 0) return problems.push(`${at}.values: operator ${e.operator} needs at least one value`);
        return parts.push(`${e.key} ${e.operator === 'In' ? 'in' : 'notin'} (${values.join(',')})`);
      case 'Exists':
      case 'DoesNotExist':
        if (values.length > 0) return problems.push(`${at}.values: operator ${e.operator} takes no values`);
        return parts.push(e.operator === 'Exists' ? e.key : `!${e.key}`);
      default:
        return problems.push(`${at}.operator: expected In, NotIn, Exists or DoesNotExist, got "${e.operator}"`);
    }
  });
  if (problems.length > 0) return { problems };
  if (parts.length === 0) return { problems: [`${path}: an empty selector would select every route of the namespace; give matchLabels or matchExpressions`] };
  return parts.join(',');
}
