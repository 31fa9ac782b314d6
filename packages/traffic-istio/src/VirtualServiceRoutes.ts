/**
 * The routes of an Istio VirtualService a Rollout works on, as pure functions over the object's JSON
 * (`networking.istio.io` is not our API, so the object is kept as it is and only the parts we own change).
 *
 * - Weighted routes: the HTTP routes named in `routes` (else every HTTP route not in `managedRoutes`), the TLS
 *   routes matching `tlsRoutes` by port and SNI hosts (else all of them) and the TCP routes matching
 *   `tcpRoutes` by port (else all of them). Each must send traffic to both the canary and the stable
 *   destination, by Service host (first DNS label compared) or by DestinationRule subset.
 * - Managed routes: HTTP routes whose name is in `managedRoutes` (header and mirror routes). They are kept
 *   first in `spec.http`, in `managedRoutes` order; every other route keeps its place relative to the others.
 */
import type { IstioVirtualService, StringMatch } from '@rollouts/api';

/** A JSON object. */
export type JsonObject = Record<string, unknown>;

/** The three route lists of a VirtualService spec. */
export type RouteSection = 'http' | 'tls' | 'tcp';

/** A weighted route: its list, its index there, and how messages name it. */
export interface SelectedRoute {
  readonly section: RouteSection;
  readonly index: number;
  readonly label: string;
}

/**
 * How canary and stable destinations are told apart: by Service host (host-level split) or by
 * DestinationRule subset (subset-level split, `additionalSubsets` keep their weights).
 */
export type TrafficSplit =
  | { readonly level: 'host'; readonly canaryService: string; readonly stableService: string }
  | { readonly level: 'subset'; readonly canarySubset: string; readonly stableSubset: string; readonly additionalSubsets: ReadonlyArray<string> };

/** Weights to write, in percent: canary, and each experiment Service. Stable gets the rest. */
export interface RouteWeights {
  readonly canary: number;
  readonly additional: ReadonlyArray<{ readonly serviceName: string; readonly weight: number }>;
}

const isObj = (u: unknown): u is JsonObject => typeof u === 'object' && u !== null && !Array.isArray(u);
const objects = (u: unknown): JsonObject[] => (Array.isArray(u) ? u.filter(isObj) : []);
const str = (u: unknown): string | undefined => (typeof u === 'string' ? u : undefined);
const clone = <A>(a: A): A => JSON.parse(JSON.stringify(a)) as A;

/** `reviews` of `reviews.prod.svc.cluster.local`: Istio hosts are compared by Service name. */
export const firstLabel = (host: string): string => host.split('.')[0] ?? host;

/** The route list `section` of a spec (empty when absent or not a list). */
export const routesOf = (spec: JsonObject, section: RouteSection): JsonObject[] => objects(spec[section]);

/** The single port a TLS/TCP route's matches name: 0 without match blocks, undefined when they name several. */
function routePort(route: JsonObject): number | undefined {
  const ports = new Set(objects(route['match']).map((m) => (typeof m['port'] === 'number' ? m['port'] : 0)));
  if (ports.size === 0) return 0;
  return ports.size === 1 ? [...ports][0] : undefined;
}

function sniHostsOf(route: JsonObject): string[] {
  const hosts = objects(route['match']).flatMap((m) => (Array.isArray(m['sniHosts']) ? m['sniHosts'].filter((h): h is string => typeof h === 'string') : []));
  return [...new Set(hosts)].sort();
}

/**
 * The weighted routes of `spec`, or a message naming what is missing. Same route matching as the
 * VirtualService checks of `@rollouts/api` (VS2), except that, without names, every unmanaged route is used.
 */
export function selectRoutes(spec: JsonObject, config: IstioVirtualService, managed: ReadonlySet<string>): { readonly routes: SelectedRoute[] } | { readonly problem: string } {
  const selected: SelectedRoute[] = [];
  const http = routesOf(spec, 'http');
  const names = config.routes ?? [];
  if (names.length > 0) {
    for (const name of names) {
      const index = http.findIndex((r) => str(r['name']) === name);
      if (index < 0) return { problem: `HTTP route '${name}' not found` };
      selected.push({ section: 'http', index, label: `HTTP route '${name}'` });
    }
  } else {
    http.forEach((r, index) => {
      const name = str(r['name']);
      if (name === undefined || !managed.has(name)) selected.push({ section: 'http', index, label: name !== undefined ? `HTTP route '${name}'` : `HTTP route #${index}` });
    });
  }

  const byPort = (section: 'tls' | 'tcp', wanted: ReadonlyArray<{ port?: number | null; sniHosts?: ReadonlyArray<string> | null }>): string | undefined => {
    const routes = routesOf(spec, section);
    const kind = section.toUpperCase();
    if (wanted.length === 0) {
      routes.forEach((_, index) => selected.push({ section, index, label: `${kind} route #${index}` }));
      return undefined;
    }
    for (const want of wanted) {
      const port = want.port ?? 0;
      const hosts = [...new Set(want.sniHosts ?? [])].sort();
      const index = routes.findIndex((r) => routePort(r) === port && (section === 'tcp' || JSON.stringify(sniHostsOf(r)) === JSON.stringify(hosts)));
      const what = section === 'tls' ? `port ${port} and SNI hosts [${hosts.join(', ')}]` : `port ${port}`;
      if (index < 0) return `${kind} route on ${what} not found`;
      selected.push({ section, index, label: `${kind} route #${index} (${what})` });
    }
    return undefined;
  };
  const tls = byPort('tls', config.tlsRoutes ?? []);
  if (tls !== undefined) return { problem: tls };
  const tcp = byPort('tcp', config.tcpRoutes ?? []);
  if (tcp !== undefined) return { problem: tcp };
  if (selected.length === 0) return { problem: 'no HTTP, TLS or TCP route to weight' };
  return { routes: selected };
}

type Role = 'canary' | 'stable' | 'kept' | { readonly additional: number } | 'other';

function roleOf(destination: JsonObject, split: TrafficSplit, weights: RouteWeights): Role {
  const host = str(destination['host']) ?? '';
  const subset = str(destination['subset']);
  if (split.level === 'subset') {
    if (subset === split.canarySubset) return 'canary';
    if (subset === split.stableSubset) return 'stable';
    if (subset !== undefined && split.additionalSubsets.includes(subset)) return 'kept';
  } else {
    if (firstLabel(host) === firstLabel(split.canaryService)) return 'canary';
    if (firstLabel(host) === firstLabel(split.stableService)) return 'stable';
  }
  const additional = weights.additional.findIndex((a) => firstLabel(a.serviceName) === firstLabel(host));
  return additional >= 0 && (split.level === 'host' || subset === undefined) ? { additional } : 'other';
}

const destinationOf = (d: JsonObject): JsonObject => (isObj(d['destination']) ? d['destination'] : {});

/** Why a weighted route cannot be split: the canary or stable destination is not among its destinations. */
export function destinationProblem(route: JsonObject, split: TrafficSplit): string | undefined {
  const roles = objects(route['route']).map((d) => roleOf(destinationOf(d), split, { canary: 0, additional: [] }));
  const [canary, stable] =
    split.level === 'subset'
      ? [`canary DestinationRule subset '${split.canarySubset}'`, `stable DestinationRule subset '${split.stableSubset}'`]
      : [`canary Service '${split.canaryService}'`, `stable Service '${split.stableService}'`];
  if (!roles.includes('canary')) return `${canary} not found among the route's destinations`;
  if (!roles.includes('stable')) return `${stable} not found among the route's destinations`;
  return undefined;
}

/**
 * The route's destinations with `weights`: canary and experiment Services get theirs, additional subsets keep
 * theirs, stable gets 100 minus all of them; missing experiment destinations are appended (port copied from
 * the stable destination) and destinations that are none of these (experiments that ended) are dropped.
 * Undefined when the weights exceed 100.
 */
export function weightDestinations(destinations: ReadonlyArray<JsonObject>, split: TrafficSplit, weights: RouteWeights): JsonObject[] | undefined {
  const roles = destinations.map((d) => roleOf(destinationOf(d), split, weights));
  const kept = destinations.reduce((sum, d, i) => sum + (roles[i] === 'kept' && typeof d['weight'] === 'number' ? d['weight'] : 0), 0);
  const stable = 100 - weights.canary - weights.additional.reduce((s, a) => s + a.weight, 0) - kept;
  if (stable < 0 || weights.canary < 0 || weights.additional.some((a) => a.weight < 0)) return undefined;
  const out: JsonObject[] = [];
  const seen = new Set<number>();
  destinations.forEach((d, i) => {
    const role = roles[i] ?? 'other';
    if (role === 'other') return;
    if (role === 'kept') out.push(clone(d));
    else if (role === 'canary') out.push({ ...clone(d), weight: weights.canary });
    else if (role === 'stable') out.push({ ...clone(d), weight: stable });
    else {
      seen.add(role.additional);
      out.push({ ...clone(d), weight: weights.additional[role.additional]?.weight ?? 0 });
    }
  });
  const stableDestination = destinations.map(destinationOf).find((_, i) => roles[i] === 'stable');
  const port = stableDestination?.['port'];
  weights.additional.forEach((a, i) => {
    if (!seen.has(i)) out.push({ destination: { host: a.serviceName, ...(port !== undefined ? { port: clone(port) } : {}) }, weight: a.weight });
  });
  return out;
}

/** The canary destination (`host`, `subset`, `port`) of a weighted route, as header and mirror routes target it. */
export function canaryDestination(route: JsonObject, split: TrafficSplit): JsonObject | undefined {
  const d = objects(route['route']).map(destinationOf).find((x) => roleOf(x, split, { canary: 0, additional: [] }) === 'canary');
  return d === undefined ? undefined : clone(d);
}

/** An Istio StringMatch (`exact`, `prefix` or `regex`), or undefined when none is set. */
export function istioStringMatch(m: StringMatch | null | undefined): JsonObject | undefined {
  if (m == null) return undefined;
  if (m.exact != null) return { exact: m.exact };
  if (m.prefix != null) return { prefix: m.prefix };
  if (m.regex != null) return { regex: m.regex };
  return undefined;
}

/**
 * The header route `name`: one match block per header (Istio OR-s match blocks, as Argo Rollouts does),
 * all traffic to the canary. A message when a header has no value to match.
 */
export function headerRoute(name: string, match: ReadonlyArray<{ readonly headerName: string; readonly headerValue: StringMatch }>, canary: JsonObject): JsonObject | string {
  const blocks: JsonObject[] = [];
  for (const m of match) {
    const value = istioStringMatch(m.headerValue);
    if (value === undefined) return `header '${m.headerName}' of route '${name}' has no exact, prefix or regex value`;
    blocks.push({ headers: { [m.headerName]: value } });
  }
  return { name, match: blocks, route: [{ destination: clone(canary), weight: 100 }] };
}

/** The mirror route `name`: the weighted route's destinations, plus a mirror of `percentage` % to the canary. */
export function mirrorRoute(
  name: string,
  match: ReadonlyArray<{ readonly method?: StringMatch | null; readonly path?: StringMatch | null; readonly headers?: Readonly<Record<string, StringMatch>> | null }>,
  percentage: number,
  weighted: JsonObject,
  canary: JsonObject,
): JsonObject {
  const blocks = match.map((m) => {
    const block: JsonObject = {};
    const method = istioStringMatch(m.method);
    const uri = istioStringMatch(m.path);
    if (method !== undefined) block['method'] = method;
    if (uri !== undefined) block['uri'] = uri;
    const headers: JsonObject = {};
    for (const [k, v] of Object.entries(m.headers ?? {})) {
      const value = istioStringMatch(v);
      if (value !== undefined) headers[k] = value;
    }
    if (Object.keys(headers).length > 0) block['headers'] = headers;
    return block;
  });
  return { name, match: blocks, route: clone(objects(weighted['route'])), mirror: clone(canary), mirrorPercentage: { value: percentage } };
}

/** Managed routes first, in `managed` order; every other route after them, in its own order. */
export function arrangeManagedRoutes(http: ReadonlyArray<JsonObject>, managed: ReadonlyArray<string>): JsonObject[] {
  const rank = (r: JsonObject): number => {
    const name = str(r['name']);
    return name === undefined ? -1 : managed.indexOf(name);
  };
  const ours = http.filter((r) => rank(r) >= 0).sort((a, b) => rank(a) - rank(b));
  return [...ours, ...http.filter((r) => rank(r) < 0)];
}

/** `http` with the route `route.name` replaced (or added), arranged. */
export function putManagedRoute(http: ReadonlyArray<JsonObject>, route: JsonObject, managed: ReadonlyArray<string>): JsonObject[] {
  const name = str(route['name']);
  return arrangeManagedRoutes([...http.filter((r) => str(r['name']) !== name), route], managed);
}

/** `http` without the routes named in `names`. */
export function removeRoutes(http: ReadonlyArray<JsonObject>, names: ReadonlySet<string>): JsonObject[] {
  return http.filter((r) => {
    const name = str(r['name']);
    return name === undefined || !names.has(name);
  });
}

/** Whether an HTTP route is a mirror route (it has a `mirror` destination). */
export const isMirrorRoute = (route: JsonObject): boolean => isObj(route['mirror']);
