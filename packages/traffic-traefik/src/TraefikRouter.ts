/**
 * `trafficRouting.traefik`: the Traefik router. The user's TraefikService (`weightedTraefikServiceName`) is a
 * weighted round robin listing the canary and stable Services; the router sets those two entries' weights and
 * touches nothing else. No header or mirror routes, no verification: a Rollout asking for them on this router
 * is InvalidSpec (the controller reads the capabilities this router lacks).
 */
import { TraefikTrafficRouting } from '@rollouts/api';
import { defineTrafficRouter, PluginErrors } from '@rollouts/plugin-sdk';
import type { AdditionalDestination, KubeObject, KubeObjectClient, Logger, PluginError, RoutingContext, TrafficRouter, TrafficRouterPlugin } from '@rollouts/plugin-sdk';
import * as E from 'fp-ts/lib/Either';
import * as TE from 'fp-ts/lib/TaskEither';
import { weightedServices } from './WeightedServices';

/** The API groups serving TraefikService: `traefik.io` (Traefik 2.10 and later, the only one in Traefik 3), `traefik.containo.us` (Traefik 2 up to 2.10). */
export type TraefikApiGroup = 'traefik.io' | 'traefik.containo.us';

/** The default group, as upstream's `--traefik-api-group`. */
export const DEFAULT_TRAEFIK_API_GROUP: TraefikApiGroup = 'traefik.io';

/** Options of {@link traefikRouter}: the controller-wide API group of TraefikServices (upstream's flag). */
export interface TraefikRouterOptions {
  readonly apiGroup?: TraefikApiGroup;
}

const CONFIG_PATH = 'spec.strategy.canary.trafficRouting.traefik.weightedTraefikServiceName';
const same = (a: unknown, b: unknown) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
const isRecord = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);

function makeTraefikRouter(kube: KubeObjectClient, log: Logger, apiVersion: string, config: TraefikTrafficRouting): TrafficRouter {
  const name = config.weightedTraefikServiceName;

  /** Give the canary `weight` and the stable Service the rest; `missing` decides what an absent TraefikService means. */
  const weigh = async (ctx: RoutingContext, weight: number, additional: ReadonlyArray<AdditionalDestination>, missing: 'error' | 'ignore'): Promise<E.Either<PluginError, void>> => {
    if (name === '') return E.left(PluginErrors.pluginConfigInvalid({ message: `${CONFIG_PATH} is empty: name the TraefikService whose weighted services carry the canary and stable Services`, path: CONFIG_PATH }));
    const ref = { apiVersion, kind: 'TraefikService', namespace: ctx.namespace, name };
    const current = await kube.get(ref)();
    if (E.isLeft(current)) return current;
    const ts = current.right;
    if (ts === undefined) {
      if (missing === 'ignore') return E.right(undefined);
      return E.left(PluginErrors.routerMisconfigured({ message: `TraefikService \`${name}\` (${apiVersion}) was not found in namespace ${ctx.namespace}`, path: CONFIG_PATH }));
    }
    const spec = isRecord(ts['spec']) ? ts['spec'] : {};
    const result = weightedServices(spec, ctx, weight, additional);
    if (!result.ok) {
      const m = PluginErrors.routerMisconfigured({ message: `TraefikService \`${name}\`: ${result.problem.message}`, path: result.problem.path });
      return E.left(additional.length > 0 ? PluginErrors.pluginUnsupported({ message: m.message }) : m);
    }
    const weighted = isRecord(spec['weighted']) ? spec['weighted'] : {};
    if (same(weighted['services'], result.services)) return E.right(undefined);
    log.info('setting TraefikService weights', { traefikService: name, namespace: ctx.namespace, canary: weight, stable: Math.max(0, ctx.maxWeight - weight) });
    const next: KubeObject = { ...ts, spec: { ...spec, weighted: { ...weighted, services: result.services } } };
    return E.map(() => undefined)(await kube.update(next)());
  };

  return {
    setWeight: (ctx, weight, additional) => () => weigh(ctx, weight, additional, 'error'),
    // The TraefikService names Services, not pod hashes, and there are no header or mirror routes: nothing to do.
    updateHash: () => TE.right(undefined),
    removeManagedRoutes: () => TE.right(undefined),
    // The TraefikService is the user's: when the Rollout goes, all of its traffic goes back to the stable Service.
    release: (ctx) => () => weigh(ctx, 0, [], 'ignore'),
  };
}

/**
 * The `traefik` traffic router plugin, writing TraefikServices of `options.apiGroup` (default `traefik.io`, as
 * upstream; `traefik.containo.us` for Traefik 2 before 2.10). Register one per controller.
 */
export function traefikRouter(options: TraefikRouterOptions = {}): TrafficRouterPlugin<TraefikTrafficRouting> {
  const apiVersion = `${options.apiGroup ?? DEFAULT_TRAEFIK_API_GROUP}/v1alpha1`;
  return defineTrafficRouter({
    kind: 'traefik',
    configCodec: TraefikTrafficRouting,
    make:
      ({ kube, log }) =>
      (config) =>
        makeTraefikRouter(kube, log, apiVersion, config),
  });
}
