/**
 * A sample traffic router, `sample/configmap-weights`: it routes through a ConfigMap that the user owns and a
 * proxy (or any config reloader) reads, writing
 *
 * ```yaml
 * data:
 *   canary.service: web-canary      # where `canary.weight` percent of the traffic goes
 *   canary.weight: "30"
 *   stable.service: web-stable
 *   stable.weight: "70"
 *   route.<name>: '[{"headerName":"x-canary","headerValue":{"exact":"yes"}}]'  # header routes to the canary
 * ```
 *
 * A Rollout uses it as
 *
 * ```yaml
 * trafficRouting:
 *   plugins:
 *     sample/configmap-weights:
 *       configMap: web-routes
 * ```
 *
 * It is a complete router in the sense of the SPI: idempotent writes, failures as values (a missing ConfigMap is
 * `RouterMisconfigured`), header routes with their removal, and nothing it does not own touched.
 */
import { struct, string } from '@rollouts/api';
import { defineTrafficRouter, PluginErrors, type HeaderRoute, type KubeObject, type PluginError, type RoutingContext, type TrafficRouter } from '@rollouts/plugin-sdk';
import type { Either } from 'fp-ts/lib/Either';
import type { TaskEither } from 'fp-ts/lib/TaskEither';

/** The kind: the key under `trafficRouting.plugins` and the `name` in argo-rollouts-config. */
export const KIND = 'sample/configmap-weights';

export const configCodec = struct('ConfigMapWeightsRouting', { configMap: string() }, {});
export type ConfigMapWeightsRouting = { readonly configMap: string };

// Plain Either values (the shapes fp-ts uses), so the sample needs no run-time library besides the SDK.
const right = <A>(right: A): Either<never, A> => ({ _tag: 'Right', right });
const left = <E>(left: E): Either<E, never> => ({ _tag: 'Left', left });

/** The data keys a weight writes. */
function weightData(ctx: RoutingContext, weight: number): Record<string, string> {
  const canary = Math.max(0, Math.min(ctx.maxWeight, weight));
  return {
    'canary.service': ctx.canaryService,
    'canary.weight': String(canary),
    'stable.service': ctx.stableService,
    'stable.weight': String(ctx.maxWeight - canary),
  };
}

/** Route names the Rollout manages (`trafficRouting.managedRoutes`). */
const managedRouteNames = (ctx: RoutingContext): string[] => (ctx.rollout.spec.strategy?.canary?.trafficRouting?.managedRoutes ?? []).map((r) => r.name);

export default defineTrafficRouter<ConfigMapWeightsRouting>({
  kind: KIND,
  configCodec,
  make: ({ kube, log }) => (config) => {
    const ref = (ctx: RoutingContext) => ({ apiVersion: 'v1', kind: 'ConfigMap', namespace: ctx.namespace, name: config.configMap });

    /** Read the ConfigMap, compute the data keys to change (null: delete), and merge-patch only when something changes. */
    const change =
      (ctx: RoutingContext, what: string, compute: (data: Readonly<Record<string, string>>) => Record<string, string | null>): TaskEither<PluginError, void> =>
      async () => {
        if (ctx.signal.aborted) return left(PluginErrors.pluginAborted({ message: `${KIND}: ${what}: cancelled` }));
        const got = await kube.get(ref(ctx))();
        if (got._tag === 'Left') return got;
        const cm: KubeObject | undefined = got.right;
        if (cm === undefined)
          return left(PluginErrors.routerMisconfigured({ message: `${KIND}: ConfigMap ${ctx.namespace}/${config.configMap} does not exist (create it; the router only writes its routing keys)`, path: `trafficRouting.plugins.${KIND}.configMap` }));
        const data = (cm['data'] ?? {}) as Record<string, string>;
        const wanted = compute(data);
        const diff = Object.fromEntries(Object.entries(wanted).filter(([k, v]) => (v === null ? k in data : data[k] !== v)));
        if (Object.keys(diff).length === 0) return right(undefined);
        log.info(`${KIND}: ${what}`, { configMap: `${ctx.namespace}/${config.configMap}`, keys: Object.keys(diff).join(',') });
        const patched = await kube.patch(ref(ctx), { type: 'merge', body: { data: diff } })();
        return patched._tag === 'Left' ? patched : right(undefined);
      };

    const router: TrafficRouter = {
      setWeight: (ctx, weight) => change(ctx, `weight ${weight}`, () => weightData(ctx, weight)),
      setHeaderRoute: (ctx, route: HeaderRoute) =>
        change(ctx, `header route ${route.name}`, () => ({ [`route.${route.name}`]: route.match.length === 0 ? null : JSON.stringify(route.match) })),
      removeManagedRoutes: (ctx) => change(ctx, 'remove managed routes', () => Object.fromEntries(managedRouteNames(ctx).map((n) => [`route.${n}`, null]))),
      // routes by Service name: no pod hashes to follow
      updateHash: () => async () => right(undefined),
    };
    return router;
  },
});
