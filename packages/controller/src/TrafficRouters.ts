/**
 * The traffic routers a Rollout configures, resolved against the plugins registered with the controller.
 *
 * Every key under `canary.trafficRouting` (other than `managedRoutes` and `maxTrafficWeight`) names a router
 * kind, and so does every key under `trafficRouting.plugins`. A kind nobody registered, or a configuration
 * the plugin's codec rejects, is a problem reported with the field path: the Rollout becomes InvalidSpec and
 * nothing is routed. Routers are made once per `trafficRouting` object (specs are immutable snapshots).
 */
import { decode, type Json, type RolloutTrafficRouting } from '@rollouts/api';
import type { TrafficRoutingObservation } from '@rollouts/core';
import { createRegistry, missingRouterMethods, routerCapabilities, type RouterDeps, type TrafficRouter, type TrafficRouterPlugin } from '@rollouts/plugin-sdk';

/** One router a Rollout configures: made, or the problem that prevents it. */
export interface ConfiguredRouter {
  readonly kind: string;
  /** `spec.strategy.canary.trafficRouting.nginx`, `...trafficRouting.plugins.acme/router`. */
  readonly path: string;
  readonly router?: TrafficRouter;
  readonly problem?: string;
}

/** A router entry of the observation; core reports a `problem` as InvalidSpec at `path`. */
export type RouterObservation = TrafficRoutingObservation['routers'][number];

const NOT_ROUTERS: ReadonlySet<string> = new Set(['managedRoutes', 'maxTrafficWeight', 'plugins']);
const PATH = 'spec.strategy.canary.trafficRouting';

/** Resolves the routers of Rollouts; one per controller. */
export interface TrafficRouters {
  /** The routers `trafficRouting` configures (empty when it is absent). */
  resolve(trafficRouting: RolloutTrafficRouting | null | undefined): ReadonlyArray<ConfiguredRouter>;
  /** The registered kinds, sorted. */
  kinds(): string[];
}

/** Register `plugins` by kind (a kind registered twice throws: a start-up error). */
export function createTrafficRouters(plugins: ReadonlyArray<TrafficRouterPlugin<any>>, deps: RouterDeps): TrafficRouters {
  const registry = createRegistry('traffic routers', plugins);
  const makers = new Map<string, (config: unknown) => TrafficRouter>();
  const makerOf = (plugin: TrafficRouterPlugin<unknown>): ((config: unknown) => TrafficRouter) => {
    let m = makers.get(plugin.kind);
    if (m === undefined) makers.set(plugin.kind, (m = plugin.make(deps)));
    return m;
  };
  const resolved = new WeakMap<object, ReadonlyArray<ConfiguredRouter>>();

  const one = (kind: string, path: string, config: unknown): ConfiguredRouter => {
    const plugin = registry.get(kind);
    if (plugin === undefined) {
      const known = registry.kinds();
      return { kind, path, problem: `no traffic router of kind "${kind}" is registered with this controller (registered: ${known.length > 0 ? known.join(', ') : 'none'})` };
    }
    const decoded = decode(plugin.configCodec, config ?? {}, { path });
    if (decoded._tag === 'Left') return { kind, path, problem: decoded.left.map((e) => e.message).join('; ') };
    try {
      const router = makerOf(plugin)(decoded.right);
      const missing = missingRouterMethods(router);
      if (missing.length > 0) return { kind, path, problem: `the ${kind} traffic router lacks the required method${missing.length > 1 ? 's' : ''} ${missing.join(', ')} (plugin-sdk TrafficRouter)` };
      return { kind, path, router };
    } catch (e) {
      return { kind, path, problem: `the ${kind} traffic router could not be created: ${e instanceof Error ? e.message : String(e)}` };
    }
  };

  return {
    kinds: () => registry.kinds(),
    resolve(tr) {
      if (tr == null) return [];
      const hit = resolved.get(tr);
      if (hit !== undefined) return hit;
      const out: ConfiguredRouter[] = [];
      for (const [key, value] of Object.entries(tr)) {
        if (NOT_ROUTERS.has(key) || value == null) continue;
        out.push(one(key, `${PATH}.${key}`, value));
      }
      const plugins = tr.plugins;
      if (plugins != null && typeof plugins === 'object' && !Array.isArray(plugins)) {
        for (const [key, value] of Object.entries(plugins as Record<string, Json>)) out.push(one(key, `${PATH}.plugins.${key}`, value));
      }
      resolved.set(tr, out);
      return out;
    },
  };
}

/** The `trafficRouting` part of a Rollout observation. */
export function routingObservation(routers: ReadonlyArray<ConfiguredRouter>, weightVerified: boolean | undefined): TrafficRoutingObservation {
  const entries: RouterObservation[] = routers.map((r) => ({
    kind: r.kind,
    supports: r.router !== undefined ? routerCapabilities(r.router) : [],
    ...(r.problem !== undefined ? { problem: r.problem, path: r.path } : {}),
  }));
  return { routers: entries, ...(weightVerified !== undefined ? { weightVerified } : {}) };
}
