/**
 * `trafficRouting.ambassador`: the Emissary-ingress / Ambassador router. For each base Mapping the Rollout
 * names (`mappings[]`), the router keeps a canary Mapping `<base>-canary`: a copy of the base's spec routing to
 * the canary Service with `weight`, owned by the Rollout. Emissary sends that weight to the canary Mapping and
 * the rest to the base Mapping (which routes to the stable Service). No header or mirror routes, no
 * verification: a Rollout asking for them on this router is InvalidSpec.
 */
import { AmbassadorTrafficRouting } from '@rollouts/api';
import { defineTrafficRouter, PluginErrors } from '@rollouts/plugin-sdk';
import type { KubeObject, KubeObjectClient, Logger, PluginError, RoutingContext, TrafficRouter, TrafficRouterPlugin } from '@rollouts/plugin-sdk';
import * as E from 'fp-ts/lib/Either';
import * as TE from 'fp-ts/lib/TaskEither';
import { canaryMappingName, canaryMappingSpec } from './CanaryMapping';

/** The Mapping API versions the router can write: Emissary 2 and 3 serve both (stored as v2). */
export type MappingApiVersion = 'getambassador.io/v2' | 'getambassador.io/v3alpha1';

/** The default, as upstream's `--ambassador-api-version`. */
export const DEFAULT_MAPPING_API_VERSION: MappingApiVersion = 'getambassador.io/v2';

/** Options of {@link ambassadorRouter}: the controller-wide Mapping API version (upstream's flag). */
export interface AmbassadorRouterOptions {
  readonly apiVersion?: MappingApiVersion;
}

const CONFIG_PATH = 'spec.strategy.canary.trafficRouting.ambassador.mappings';
const same = (a: unknown, b: unknown) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
type Owner = NonNullable<KubeObject['metadata']['ownerReferences']>[number];

/** All errors of one call as one: the first one's kind (retryable if any was), every message (upstream's format). */
function joinErrors(errors: ReadonlyArray<PluginError>): PluginError | undefined {
  const first = errors.find((e) => e.retryable) ?? errors[0];
  if (first === undefined || errors.length === 1) return first;
  return { ...first, message: `${errors.length} errors found: ${errors.map((e) => `[${e.message}]`).join('')}` };
}

function makeAmbassadorRouter(kube: KubeObjectClient, log: Logger, apiVersion: MappingApiVersion, config: AmbassadorTrafficRouting): TrafficRouter {
  const refOf = (ctx: RoutingContext, name: string) => ({ apiVersion, kind: 'Mapping', namespace: ctx.namespace, name });
  const ownerOf = (ctx: RoutingContext): Owner | undefined => {
    const uid = ctx.rollout.metadata?.uid;
    if (uid == null || uid === '') return undefined;
    return { apiVersion: ctx.rollout.apiVersion ?? 'argoproj.io/v1alpha1', kind: 'Rollout', name: ctx.rollout.metadata?.name ?? '', uid, controller: true, blockOwnerDeletion: true } as Owner;
  };
  const controllerOf = (o: KubeObject) => (o.metadata.ownerReferences ?? []).find((r) => r.controller === true);

  /** One base Mapping: create, update or drain its canary. */
  const weighOne = async (ctx: RoutingContext, base: string, index: number, weight: number): Promise<E.Either<PluginError, void>> => {
    const path = `${CONFIG_PATH}[${index}]`;
    const misconfigured = (message: string) => E.left(PluginErrors.routerMisconfigured({ message, path }));
    const name = canaryMappingName(base);
    const got = await kube.get(refOf(ctx, name))();
    if (E.isLeft(got)) return got;
    const existing = got.right;
    // Back to stable with no canary Mapping yet: nothing to drain.
    if (weight === 0 && existing === undefined) return E.right(undefined);
    const owner = ownerOf(ctx);
    if (owner === undefined) return misconfigured('the Rollout has no metadata.uid to own its canary Mappings');
    if (existing !== undefined) {
      const ctl = controllerOf(existing);
      if (ctl !== undefined && ctl.uid !== owner.uid) return misconfigured(`canary Mapping \`${name}\` is controlled by ${ctl.kind} \`${ctl.name}\`, not by this Rollout`);
    }
    // Adopt a canary Mapping without an owner (upstream creates them so): ours from now on.
    const owned = (o: KubeObject): KubeObject['metadata'] => (controllerOf(o) !== undefined ? o.metadata : { ...o.metadata, ownerReferences: [...(o.metadata.ownerReferences ?? []), owner] });
    if (weight === 0) {
      // Back to stable: drain the canary Mapping (kept at weight 0, deleted with the Rollout).
      if (existing === undefined) return E.right(undefined);
      const spec = (existing['spec'] ?? {}) as Record<string, unknown>;
      if (spec['weight'] === 0 && controllerOf(existing) !== undefined) return E.right(undefined);
      log.info('setting canary Mapping weight', { mapping: name, namespace: ctx.namespace, weight });
      return E.map(() => undefined)(await kube.update({ ...existing, metadata: owned(existing), spec: { ...spec, weight: 0 } })());
    }
    const baseGot = await kube.get(refOf(ctx, base))();
    if (E.isLeft(baseGot)) return baseGot;
    if (baseGot.right === undefined) return misconfigured(`Ambassador Mapping \`${base}\` (${apiVersion}) was not found in namespace ${ctx.namespace}`);
    const spec = canaryMappingSpec(baseGot.right['spec'], ctx.stableService, ctx.canaryService, weight);
    if (!spec.ok) return misconfigured(`Ambassador Mapping \`${base}\`: ${spec.message}`);
    if (existing === undefined) {
      log.info('creating canary Mapping', { mapping: name, base, namespace: ctx.namespace, weight });
      const created: KubeObject = { apiVersion, kind: 'Mapping', metadata: { name, namespace: ctx.namespace, ownerReferences: [owner] }, spec: spec.value };
      return E.map(() => undefined)(await kube.create(created)());
    }
    if (same(existing['spec'], spec.value) && controllerOf(existing) !== undefined) return E.right(undefined);
    log.info('updating canary Mapping', { mapping: name, base, namespace: ctx.namespace, weight });
    return E.map(() => undefined)(await kube.update({ ...existing, metadata: owned(existing), spec: spec.value })());
  };

  const each = async (ctx: RoutingContext, f: (base: string, index: number) => Promise<E.Either<PluginError, void>>): Promise<E.Either<PluginError, void>> => {
    if (config.mappings.length === 0) return E.left(PluginErrors.pluginConfigInvalid({ message: `${CONFIG_PATH} is empty: name at least one Mapping`, path: CONFIG_PATH }));
    const errors: PluginError[] = [];
    for (const [i, base] of config.mappings.entries()) {
      if (ctx.signal.aborted) return E.left(PluginErrors.pluginAborted({ message: 'cancelled' }));
      const r = await f(base, i);
      if (E.isLeft(r)) errors.push(r.left);
    }
    const joined = joinErrors(errors);
    return joined === undefined ? E.right(undefined) : E.left(joined);
  };

  return {
    setWeight: (ctx, weight, additional) => () => {
      if (additional.length > 0)
        return Promise.resolve(
          E.left(PluginErrors.pluginUnsupported({ message: `the ambassador router cannot send traffic to experiment Services (${additional.map((d) => d.serviceName).join(', ')}); remove \`weight\` from the experiment templates` })),
        );
      return each(ctx, (base, i) => weighOne(ctx, base, i, weight));
    },
    // Mappings name Services, not pod hashes, and there are no header or mirror routes: nothing to do.
    updateHash: () => TE.right(undefined),
    removeManagedRoutes: () => TE.right(undefined),
    // The Rollout is gone: its canary Mappings go too (the garbage collector would remove the ones it owns;
    // this also removes the ones an earlier controller left without an owner), so the base Mappings take all traffic.
    release: (ctx) => () =>
      each(ctx, async (base) => {
        const ref = refOf(ctx, canaryMappingName(base));
        const got = await kube.get(ref)();
        if (E.isLeft(got)) return got;
        if (got.right === undefined) return E.right(undefined);
        const ctl = controllerOf(got.right);
        const uid = ctx.rollout.metadata?.uid;
        if (ctl !== undefined && ctl.uid !== uid) {
          log.warn('not deleting a canary Mapping controlled by another object', { mapping: ref.name, namespace: ctx.namespace, controller: `${ctl.kind}/${ctl.name}` });
          return E.right(undefined);
        }
        log.info('deleting canary Mapping', { mapping: ref.name, namespace: ctx.namespace });
        return kube.delete(ref)();
      }),
  };
}

/**
 * The `ambassador` traffic router plugin, writing Mappings of `options.apiVersion` (default
 * `getambassador.io/v2`, as upstream). Register one per controller.
 */
export function ambassadorRouter(options: AmbassadorRouterOptions = {}): TrafficRouterPlugin<AmbassadorTrafficRouting> {
  const apiVersion = options.apiVersion ?? DEFAULT_MAPPING_API_VERSION;
  return defineTrafficRouter({
    kind: 'ambassador',
    configCodec: AmbassadorTrafficRouting,
    make:
      ({ kube, log }) =>
      (config) =>
        makeAmbassadorRouter(kube, log, apiVersion, config),
  });
}
