/**
 * `trafficRouting.appMesh`: the AWS App Mesh router (`appmesh.k8s.aws/v1beta2`). The VirtualService names the
 * VirtualRouter (`spec.provider.virtualRouter.virtualRouterRef`); the router sets the weights of the canary and
 * stable VirtualNodes in that VirtualRouter's routes (http, http2, grpc and tcp alike), and points each
 * VirtualNode's pod selector at its ReplicaSet through the `rollouts-pod-template-hash` label. App Mesh routes
 * carry no header or mirror routes written by this router: such steps make the Rollout InvalidSpec.
 *
 * Every write is a full update carrying the resourceVersion it read (a concurrent edit is a retryable
 * `KubeConflict`); nothing is written when nothing changes.
 */
import * as E from 'fp-ts/lib/Either';
import type { Either } from 'fp-ts/lib/Either';
import { AppMeshTrafficRouting } from '@rollouts/api';
import {
  defineTrafficRouter,
  PluginErrors,
  type AdditionalDestination,
  type KubeObject,
  type KubeObjectClient,
  type Logger,
  type ObjectRef,
  type PluginError,
  type RoutingContext,
  type TrafficRouter,
  type TrafficRouterPlugin,
} from '@rollouts/plugin-sdk';
import { meshWeights, nodeHashes, weighRoutes, withPodHash, type JsonObject, type NodeGroup } from './VirtualRouterRoutes';

/** The App Mesh API version this router reads and writes. */
export const APP_MESH_API_VERSION = 'appmesh.k8s.aws/v1beta2';
const PATH = 'spec.strategy.canary.trafficRouting.appMesh';

const isObj = (u: unknown): u is JsonObject => typeof u === 'object' && u !== null && !Array.isArray(u);
const specOf = (o: KubeObject): JsonObject => (isObj(o['spec']) ? o['spec'] : {});
const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);
const ref = (kind: string, namespace: string, name: string): ObjectRef => ({ apiVersion: APP_MESH_API_VERSION, kind, namespace, name });
const done = <A>(r: Either<PluginError, A>): Either<PluginError, void> => E.map(() => undefined)(r);
const config = (message: string, path: string): PluginError => PluginErrors.pluginConfigInvalid({ message, path });

interface Resolved {
  readonly virtualService: string;
  readonly routes: ReadonlyArray<string> | undefined;
  readonly nodes: NodeGroup;
}

function resolve(cfg: AppMeshTrafficRouting, ctx: RoutingContext): Either<PluginError, Resolved> {
  const vs = cfg.virtualService;
  if (vs == null || vs.name === '') return E.left(config('virtualService.name is required', `${PATH}.virtualService.name`));
  const group = cfg.virtualNodeGroup;
  if (group == null) return E.left(config('virtualNodeGroup is required', `${PATH}.virtualNodeGroup`));
  if (group.canaryVirtualNodeRef.name === '') return E.left(config('virtualNodeGroup.canaryVirtualNodeRef.name is required', `${PATH}.virtualNodeGroup.canaryVirtualNodeRef.name`));
  if (group.stableVirtualNodeRef.name === '') return E.left(config('virtualNodeGroup.stableVirtualNodeRef.name is required', `${PATH}.virtualNodeGroup.stableVirtualNodeRef.name`));
  if (group.canaryVirtualNodeRef.name === group.stableVirtualNodeRef.name)
    return E.left(config('the canary and stable VirtualNodes must differ', `${PATH}.virtualNodeGroup.canaryVirtualNodeRef.name`));
  const routes = vs.routes != null && vs.routes.length > 0 ? vs.routes : undefined;
  return E.right({ virtualService: vs.name, routes, nodes: { namespace: ctx.namespace, canary: group.canaryVirtualNodeRef.name, stable: group.stableVirtualNodeRef.name } });
}

function makeAppMeshRouter(kube: KubeObjectClient, log: Logger, cfg: AppMeshTrafficRouting): TrafficRouter {
  const missing = (what: string, path: string): PluginError => PluginErrors.routerMisconfigured({ message: what, path });

  /** The VirtualRouter behind the VirtualService. */
  const virtualRouter = async (ctx: RoutingContext, r: Resolved): Promise<Either<PluginError, KubeObject>> => {
    const vs = await kube.get(ref('VirtualService', ctx.namespace, r.virtualService))();
    if (E.isLeft(vs)) return vs;
    if (vs.right === undefined) return E.left(missing(`VirtualService \`${r.virtualService}\` not found in namespace \`${ctx.namespace}\``, `${PATH}.virtualService.name`));
    const provider = specOf(vs.right)['provider'];
    const vr = isObj(provider) && isObj(provider['virtualRouter']) ? provider['virtualRouter'] : undefined;
    const vrRef = vr !== undefined && isObj(vr['virtualRouterRef']) ? vr['virtualRouterRef'] : undefined;
    if (vrRef === undefined || typeof vrRef['name'] !== 'string' || vrRef['name'] === '')
      return E.left(missing(`VirtualService \`${r.virtualService}\` has no spec.provider.virtualRouter.virtualRouterRef (a VirtualService provided by a virtual node cannot split traffic)`, `${PATH}.virtualService.name`));
    const ns = typeof vrRef['namespace'] === 'string' && vrRef['namespace'] !== '' ? vrRef['namespace'] : ctx.namespace;
    const router = await kube.get(ref('VirtualRouter', ns, vrRef['name']))();
    if (E.isLeft(router)) return router;
    if (router.right === undefined) return E.left(missing(`VirtualRouter \`${vrRef['name']}\` (of VirtualService \`${r.virtualService}\`) not found in namespace \`${ns}\``, `${PATH}.virtualService.name`));
    return E.right(router.right);
  };

  const setWeight = async (ctx: RoutingContext, weight: number, additional: ReadonlyArray<AdditionalDestination>, releasing = false): Promise<Either<PluginError, void>> => {
    if (additional.some((d) => d.weight > 0))
      return E.left(PluginErrors.pluginUnsupported({ message: `the appMesh router cannot send traffic to experiment Services (${additional.map((d) => d.serviceName).join(', ')}): remove the experiment's weight or use another router` }));
    const r = resolve(cfg, ctx);
    if (E.isLeft(r)) return r;
    const router = await virtualRouter(ctx, r.right);
    if (E.isLeft(router)) {
      if (releasing && router.left._tag === 'RouterMisconfigured') {
        log.info('VirtualService or VirtualRouter gone, nothing to release', { virtualService: r.right.virtualService, namespace: ctx.namespace });
        return E.right(undefined);
      }
      return router;
    }
    const vr = router.right;
    const spec = specOf(vr);
    const routes = Array.isArray(spec['routes']) ? spec['routes'] : [];
    const weights = meshWeights(weight, ctx.maxWeight);
    const weighed = weighRoutes(vr.metadata.name, vr.metadata.namespace ?? ctx.namespace, routes, r.right.routes, r.right.nodes, weights);
    if (E.isLeft(weighed)) return E.left(PluginErrors.routerMisconfigured({ message: weighed.left.message, path: weighed.left.path }));
    if (same(weighed.right, routes)) return E.right(undefined);
    log.info('updating VirtualRouter route weights', { virtualRouter: vr.metadata.name, namespace: vr.metadata.namespace, canary: weights.canary, stable: weights.stable });
    return done(await kube.update({ ...vr, spec: { ...spec, routes: weighed.right } })());
  };

  const updateHash = async (ctx: RoutingContext, canaryHash: string, stableHash: string): Promise<Either<PluginError, void>> => {
    const r = resolve(cfg, ctx);
    if (E.isLeft(r)) return r;
    const hashes = nodeHashes(canaryHash, stableHash);
    for (const role of ['stable', 'canary'] as const) {
      const name = r.right.nodes[role];
      const got = await kube.get(ref('VirtualNode', ctx.namespace, name))();
      if (E.isLeft(got)) return got;
      if (got.right === undefined) return E.left(missing(`VirtualNode \`${name}\` not found in namespace \`${ctx.namespace}\``, `${PATH}.virtualNodeGroup.${role}VirtualNodeRef.name`));
      const spec = specOf(got.right);
      const next = withPodHash(spec, hashes[role]);
      if (same(next, spec)) continue;
      log.info('pointing VirtualNode at a ReplicaSet', { virtualNode: name, namespace: ctx.namespace, role, hash: hashes[role] });
      const written = await kube.update({ ...got.right, spec: next })();
      if (E.isLeft(written)) return written;
    }
    return E.right(undefined);
  };

  return {
    setWeight: (ctx, weight, additional) => () => setWeight(ctx, weight, additional),
    updateHash: (ctx, canaryHash, stableHash) => () => updateHash(ctx, canaryHash, stableHash),
    // No header or mirror routes: nothing of this Rollout's to remove.
    removeManagedRoutes: () => async () => E.right(undefined),
    release: (ctx) => () => setWeight(ctx, 0, [], true),
  };
}

/** The `appMesh` traffic router plugin (`trafficRouting.appMesh`). */
export const appMeshRouter: TrafficRouterPlugin<AppMeshTrafficRouting> = defineTrafficRouter({
  kind: 'appMesh',
  configCodec: AppMeshTrafficRouting,
  make:
    ({ kube, log }) =>
    (config) =>
      makeAppMeshRouter(kube, log, config),
});
