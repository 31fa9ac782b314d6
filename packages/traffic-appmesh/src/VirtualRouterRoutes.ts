/**
 * What the App Mesh router does to a VirtualRouter's `spec.routes[]` and to a VirtualNode's pod selector, as
 * pure functions.
 */
import * as E from 'fp-ts/lib/Either';
import type { Either } from 'fp-ts/lib/Either';

/** A JSON object as read from the API server. */
export type JsonObject = { readonly [key: string]: unknown };

/** A problem with the objects, `path` naming the field. */
export interface RouteProblem {
  readonly message: string;
  readonly path: string;
}

/** The route types of an App Mesh route; a route has exactly one. */
export const ROUTE_TYPES = ['httpRoute', 'http2Route', 'grpcRoute', 'tcpRoute'] as const;
export type RouteType = (typeof ROUTE_TYPES)[number];

/** The label a VirtualNode's pod selector uses to pick one ReplicaSet's pods. */
export const POD_TEMPLATE_HASH_LABEL = 'rollouts-pod-template-hash';

const isObj = (u: unknown): u is JsonObject => typeof u === 'object' && u !== null && !Array.isArray(u);

/** Which VirtualNodes are canary and stable, in which namespace. */
export interface NodeGroup {
  readonly namespace: string;
  readonly canary: string;
  readonly stable: string;
}

/** Canary and stable percentages for `weight` of `maxWeight` (App Mesh weights are 0..100 each). */
export function meshWeights(weight: number, maxWeight: number): { readonly canary: number; readonly stable: number } {
  const max = maxWeight > 0 ? maxWeight : 100;
  const canary = Math.round((100 * Math.min(Math.max(weight, 0), max)) / max);
  return { canary, stable: 100 - canary };
}

/**
 * `routes` with, in the selected routes, the weighted target of the canary VirtualNode at `canary` and the
 * stable one at `stable`. `names` selects routes by name (each must exist); without it every route that
 * targets the canary or the stable node is weighed. A weighed route must target both; at least one must.
 */
export function weighRoutes(
  routerName: string,
  routerNamespace: string,
  routes: ReadonlyArray<unknown>,
  names: ReadonlyArray<string> | undefined,
  nodes: NodeGroup,
  weights: { readonly canary: number; readonly stable: number },
): Either<RouteProblem, ReadonlyArray<unknown>> {
  for (const name of names ?? []) {
    if (!routes.some((r) => isObj(r) && r['name'] === name))
      return E.left({ message: `VirtualRouter \`${routerName}\` has no route named \`${name}\``, path: 'spec.strategy.canary.trafficRouting.appMesh.virtualService.routes' });
  }
  const roleOf = (target: unknown): 'canary' | 'stable' | undefined => {
    const ref = isObj(target) && isObj(target['virtualNodeRef']) ? target['virtualNodeRef'] : undefined;
    if (ref === undefined) return undefined;
    const ns = typeof ref['namespace'] === 'string' && ref['namespace'] !== '' ? ref['namespace'] : routerNamespace;
    if (ns !== nodes.namespace) return undefined;
    return ref['name'] === nodes.canary ? 'canary' : ref['name'] === nodes.stable ? 'stable' : undefined;
  };
  let weighed = 0;
  const out: unknown[] = [];
  for (const [i, route] of routes.entries()) {
    const selected = names === undefined || (isObj(route) && names.includes(String(route['name'])));
    if (!selected || !isObj(route)) {
      out.push(route);
      continue;
    }
    const where = `VirtualRouter \`${routerName}\` route \`${String(route['name'] ?? i)}\``;
    const types = ROUTE_TYPES.filter((t) => isObj(route[t]));
    if (types.length !== 1) return E.left({ message: `${where} is not well-formed: it has ${types.length === 0 ? 'none' : types.join(' and ')} of ${ROUTE_TYPES.join(', ')}`, path: `spec.routes[${i}]` });
    const type = types[0]!;
    const body = route[type] as JsonObject;
    const action = isObj(body['action']) ? body['action'] : undefined;
    const targets = action !== undefined && Array.isArray(action['weightedTargets']) ? action['weightedTargets'] : undefined;
    if (targets === undefined) return E.left({ message: `${where} is not well-formed: no ${type}.action.weightedTargets`, path: `spec.routes[${i}].${type}.action.weightedTargets` });
    const roles = targets.map(roleOf);
    if (names === undefined && !roles.includes('canary') && !roles.includes('stable')) {
      out.push(route);
      continue;
    }
    for (const role of ['canary', 'stable'] as const) {
      if (!roles.includes(role))
        return E.left({ message: `${where} has no weighted target for the ${role} VirtualNode \`${nodes[role]}\``, path: `spec.routes[${i}].${type}.action.weightedTargets` });
    }
    const next = targets.map((t, j) => (roles[j] === undefined ? t : { ...(t as JsonObject), weight: weights[roles[j]!] }));
    out.push({ ...route, [type]: { ...body, action: { ...action, weightedTargets: next } } });
    weighed += 1;
  }
  if (weighed === 0)
    return E.left({ message: `no route of VirtualRouter \`${routerName}\` targets the VirtualNodes \`${nodes.canary}\` and \`${nodes.stable}\``, path: 'spec.strategy.canary.trafficRouting.appMesh.virtualNodeGroup' });
  return E.right(out);
}

/**
 * The pod-template-hash labels the canary and stable VirtualNodes select: the ReplicaSets' hashes, with a
 * placeholder that selects no pod when a hash is unknown, or when canary and stable are the same ReplicaSet
 * (fully promoted: the canary node must not select the stable pods twice over).
 */
export function nodeHashes(canaryHash: string, stableHash: string): { readonly canary: string; readonly stable: string } {
  const stable = stableHash !== '' ? stableHash : 'stable-hash';
  const canary = canaryHash !== '' && canaryHash !== stableHash ? canaryHash : 'canary-hash';
  return { canary, stable };
}

/** A VirtualNode's spec selecting `hash` through its pod selector (other labels and fields kept). */
export function withPodHash(spec: JsonObject, hash: string): JsonObject {
  const selector = isObj(spec['podSelector']) ? spec['podSelector'] : {};
  const labels = isObj(selector['matchLabels']) ? selector['matchLabels'] : {};
  return { ...spec, podSelector: { ...selector, matchLabels: { ...labels, [POD_TEMPLATE_HASH_LABEL]: hash } } };
}
