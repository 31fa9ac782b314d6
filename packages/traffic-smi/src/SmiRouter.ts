/**
 * `trafficRouting.smi`: the Service Mesh Interface router. It keeps one TrafficSplit per Rollout (named
 * `trafficSplitName`, default the Rollout's name, owned by the Rollout) whose backends carry the weights.
 * No header or mirror routes, no verification: a Rollout asking for them on this router is InvalidSpec.
 */
import { SMITrafficRouting } from '@rollouts/api';
import { defineTrafficRouter, PluginErrors } from '@rollouts/plugin-sdk';
import type { KubeObject, KubeObjectClient, Logger, RoutingContext, TrafficRouter, TrafficRouterPlugin } from '@rollouts/plugin-sdk';
import * as E from 'fp-ts/lib/Either';
import * as TE from 'fp-ts/lib/TaskEither';
import { DEFAULT_TRAFFIC_SPLIT_API_VERSION, TRAFFIC_SPLIT_API_VERSIONS, trafficSplitSpec, type TrafficSplitApiVersion } from './TrafficSplit';

/** Options of {@link smiRouter}: the controller-wide TrafficSplit API version (upstream's flag). */
export interface SmiRouterOptions {
  readonly apiVersion?: TrafficSplitApiVersion;
}

const nonEmpty = (s: string | null | undefined): string | undefined => (s != null && s !== '' ? s : undefined);
const same = (a: unknown, b: unknown) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

function makeSmiRouter(kube: KubeObjectClient, log: Logger, apiVersion: TrafficSplitApiVersion, config: SMITrafficRouting): TrafficRouter {
  const splitName = (ctx: RoutingContext) => nonEmpty(config.trafficSplitName) ?? ctx.rollout.metadata?.name ?? '';
  return {
    setWeight: (ctx, weight, additional) => async () => {
      const name = splitName(ctx);
      const ref = { apiVersion, kind: 'TrafficSplit', namespace: ctx.namespace, name };
      const spec = trafficSplitSpec(apiVersion, nonEmpty(config.rootService), ctx, weight, additional);
      const current = await kube.get(ref)();
      if (E.isLeft(current)) return current;
      const uid = ctx.rollout.metadata?.uid;
      if (current.right === undefined) {
        if (uid == null || uid === '') return E.left(PluginErrors.routerMisconfigured({ message: 'the Rollout has no metadata.uid to own its TrafficSplit' }));
        const owner = { apiVersion: ctx.rollout.apiVersion ?? 'argoproj.io/v1alpha1', kind: 'Rollout', name: ctx.rollout.metadata?.name ?? '', uid, controller: true, blockOwnerDeletion: true };
        const split: KubeObject = { apiVersion, kind: 'TrafficSplit', metadata: { name, namespace: ctx.namespace, ownerReferences: [owner] }, spec };
        log.info('creating TrafficSplit', { trafficSplit: name, namespace: ctx.namespace, weight });
        return E.map(() => undefined)(await kube.create(split)());
      }
      if (!(current.right.metadata.ownerReferences ?? []).some((r) => r.controller === true && r.uid === uid))
        return E.left(PluginErrors.routerMisconfigured({ message: `Rollout does not own TrafficSplit \`${name}\``, path: 'spec.strategy.canary.trafficRouting.smi' }));
      const have = (current.right['spec'] ?? {}) as { service?: unknown; backends?: unknown };
      if (same(have.service, spec.service) && same(have.backends, spec.backends)) return E.right(undefined);
      log.info('patching TrafficSplit', { trafficSplit: name, namespace: ctx.namespace, weight });
      return E.map(() => undefined)(await kube.patch(ref, { type: 'merge', body: { spec } })());
    },
    // A TrafficSplit names Services, not pod hashes, and SMI has no header or mirror routes: nothing to do.
    updateHash: () => TE.right(undefined),
    removeManagedRoutes: () => TE.right(undefined),
  };
}

/**
 * The `smi` traffic router plugin, writing TrafficSplits of `options.apiVersion` (default
 * `split.smi-spec.io/v1alpha1`, as upstream). Register one per controller.
 */
export function smiRouter(options: SmiRouterOptions = {}): TrafficRouterPlugin<SMITrafficRouting> {
  const apiVersion = options.apiVersion ?? DEFAULT_TRAFFIC_SPLIT_API_VERSION;
  // A plain-JavaScript caller (or a flag wired without parseTrafficSplitApiVersion) may pass anything: a start-up error.
  if (!TRAFFIC_SPLIT_API_VERSIONS.includes(apiVersion)) throw new Error(`smiRouter: apiVersion "${String(apiVersion)}" is not one of ${TRAFFIC_SPLIT_API_VERSIONS.join(', ')}`);
  return defineTrafficRouter({
    kind: 'smi',
    configCodec: SMITrafficRouting,
    make:
      ({ kube, log }) =>
      (config) =>
        makeSmiRouter(kube, log, apiVersion, config),
  });
}
