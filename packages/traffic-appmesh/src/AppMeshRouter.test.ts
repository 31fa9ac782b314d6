import * as E from 'fp-ts/lib/Either';
import { decode, type AppMeshTrafficRouting, type Rollout } from '@rollouts/api';
import { routerCapabilities, type KubeObject, type RoutingContext } from '@rollouts/plugin-sdk';
import { describeRouterConformance, expectRight as ok, FakeKubeObjectClient, silentLogger } from '@rollouts/plugin-sdk/testing';
import { appMeshRouter } from './AppMeshRouter';
import { meshWeights, nodeHashes } from './VirtualRouterRoutes';

const API = 'appmesh.k8s.aws/v1beta2';
const CONFIG: AppMeshTrafficRouting = { virtualService: { name: 'my-svc' }, virtualNodeGroup: { canaryVirtualNodeRef: { name: 'my-vn-canary' }, stableVirtualNodeRef: { name: 'my-vn-stable' } } };
const rollout: Rollout = { apiVersion: 'argoproj.io/v1alpha1', kind: 'Rollout', metadata: { name: 'web', namespace: 'ns', uid: 'ro-uid' }, spec: { strategy: { canary: { trafficRouting: { appMesh: CONFIG } } } } };
const ctxWith = (maxWeight = 100): RoutingContext => ({ rollout, namespace: 'ns', canaryService: 'web-canary', stableService: 'web-stable', canaryPodHash: 'c', stablePodHash: 's', maxWeight, signal: new AbortController().signal });
const ctx = ctxWith();

const target = (name: string, weight: number, namespace?: string) => ({ virtualNodeRef: { name, ...(namespace !== undefined ? { namespace } : {}) }, weight });
const httpRoute = (name: string, targets: object[], type = 'httpRoute') => ({ name, [type]: { match: { prefix: '/' }, action: { weightedTargets: targets } } });
const virtualService = (routerRef: object = { name: 'my-vrouter' }): KubeObject => ({ apiVersion: API, kind: 'VirtualService', metadata: { name: 'my-svc', namespace: 'ns' }, spec: { provider: { virtualRouter: { virtualRouterRef: routerRef } } } });
const virtualRouter = (routes: object[], namespace = 'ns'): KubeObject => ({
  apiVersion: API,
  kind: 'VirtualRouter',
  metadata: { name: 'my-vrouter', namespace },
  spec: { listeners: [{ portMapping: { port: 80, protocol: 'http' } }], routes },
});
const virtualNode = (name: string, hash: string): KubeObject => ({
  apiVersion: API,
  kind: 'VirtualNode',
  metadata: { name, namespace: 'ns' },
  spec: { podSelector: { matchLabels: { app: 'my-app', 'rollouts-pod-template-hash': hash } }, listeners: [{ portMapping: { port: 8080, protocol: 'http' } }] },
});
const nodes = [virtualNode('my-vn-canary', 'canary-tbd'), virtualNode('my-vn-stable', 'stable-tbd')];
const primary = (canary: number, type = 'httpRoute') => httpRoute('primary', [target('my-vn-canary', canary), target('my-vn-stable', 100 - canary)], type);

function world(objects: KubeObject[] = [virtualService(), virtualRouter([primary(0)]), ...nodes], config: AppMeshTrafficRouting = CONFIG) {
  const kube = new FakeKubeObjectClient(objects);
  const router = appMeshRouter.make({ kube, log: silentLogger, now: () => 0 })(config);
  const find = (kind: string, name: string, namespace = 'ns') => kube.find({ apiVersion: API, kind, namespace, name });
  const routes = (namespace = 'ns') => (find('VirtualRouter', 'my-vrouter', namespace)?.['spec'] as { routes: unknown[] }).routes;
  const hashOf = (node: string) => (find('VirtualNode', node)?.['spec'] as { podSelector: { matchLabels: Record<string, string> } }).podSelector.matchLabels;
  return { kube, router, find, routes, hashOf };
}

describe('appMeshRouter: configuration', () => {
  it('is the `appMesh` kind, decoding the Argo Rollouts fields', () => {
    expect(appMeshRouter.kind).toBe('appMesh');
    expect(decode(appMeshRouter.configCodec, { ...CONFIG, virtualService: { name: 'my-svc', routes: ['primary'] } })).toEqual(E.right({ ...CONFIG, virtualService: { name: 'my-svc', routes: ['primary'] } }));
    const bad = decode(appMeshRouter.configCodec, { virtualNodeGroup: { canaryVirtualNodeRef: {} } });
    expect(E.isLeft(bad) && bad.left.map((e) => e.path).join(' ')).toMatch(/virtualNodeGroup/);
  });

  it('has no header or mirror routes and does not verify weights', () => {
    expect(routerCapabilities(world().router)).toEqual([]);
  });

  it.each<[string, AppMeshTrafficRouting, string]>([
    ['no virtualService', { virtualNodeGroup: CONFIG.virtualNodeGroup! }, 'spec.strategy.canary.trafficRouting.appMesh.virtualService.name'],
    ['no virtualNodeGroup', { virtualService: { name: 'my-svc' } }, 'spec.strategy.canary.trafficRouting.appMesh.virtualNodeGroup'],
    ['one node for both', { virtualService: { name: 'my-svc' }, virtualNodeGroup: { canaryVirtualNodeRef: { name: 'n' }, stableVirtualNodeRef: { name: 'n' } } }, 'spec.strategy.canary.trafficRouting.appMesh.virtualNodeGroup.canaryVirtualNodeRef.name'],
  ])('%s is PluginConfigInvalid naming the field', async (_what, config, path) => {
    const { router } = world(undefined, config);
    expect(await router.setWeight(ctx, 10, [])()).toEqual(E.left(expect.objectContaining({ _tag: 'PluginConfigInvalid', path })));
  });
});

describe('appMeshRouter: setWeight', () => {
  it.each(['httpRoute', 'http2Route', 'grpcRoute', 'tcpRoute'])('weighs the canary and stable nodes of a %s', async (type) => {
    const { router, routes } = world([virtualService(), virtualRouter([primary(0, type)]), ...nodes]);
    await ok(router.setWeight(ctx, 25, []));
    expect(routes()).toEqual([primary(25, type)]);
  });

  it('weighs every route targeting the nodes, leaves other routes and targets alone', async () => {
    const other = httpRoute('other', [target('legacy', 100)]);
    const three = httpRoute('three', [target('my-vn-stable', 90), target('my-vn-canary', 0), target('shadow', 10)]);
    const { router, routes } = world([virtualService(), virtualRouter([primary(0), other, three]), ...nodes]);
    await ok(router.setWeight(ctx, 40, []));
    expect(routes()).toEqual([primary(40), other, httpRoute('three', [target('my-vn-stable', 60), target('my-vn-canary', 40), target('shadow', 10)])]);
  });

  it('with routes[] weighs only the named routes', async () => {
    const second = httpRoute('second', [target('my-vn-canary', 0), target('my-vn-stable', 100)], 'grpcRoute');
    const { router, routes } = world([virtualService(), virtualRouter([primary(0), second]), ...nodes], { ...CONFIG, virtualService: { name: 'my-svc', routes: ['second'] } });
    await ok(router.setWeight(ctx, 50, []));
    expect(routes()).toEqual([primary(0), httpRoute('second', [target('my-vn-canary', 50), target('my-vn-stable', 50)], 'grpcRoute')]);
  });

  it('follows a VirtualRouter in another namespace, matching targets in the Rollout namespace only', async () => {
    const elsewhere = [target('my-vn-canary', 0, 'ns'), target('my-vn-stable', 100, 'ns'), target('my-vn-canary', 0)];
    const { router, routes } = world([virtualService({ name: 'my-vrouter', namespace: 'mesh' }), virtualRouter([httpRoute('p', elsewhere)], 'mesh'), ...nodes]);
    await ok(router.setWeight(ctx, 30, []));
    // The last target names a node in the router's own namespace (`mesh`): not the Rollout's.
    expect(routes('mesh')).toEqual([httpRoute('p', [target('my-vn-canary', 30, 'ns'), target('my-vn-stable', 70, 'ns'), target('my-vn-canary', 0)])]);
  });

  it('expresses maxTrafficWeight as the percentages App Mesh takes (each weight ≤ 100)', async () => {
    expect(meshWeights(250, 1000)).toEqual({ canary: 25, stable: 75 });
    expect(meshWeights(1, 3)).toEqual({ canary: 33, stable: 67 });
    expect(meshWeights(120, 100)).toEqual({ canary: 100, stable: 0 });
    const { router, routes } = world();
    await ok(router.setWeight(ctxWith(1000), 250, []));
    expect(routes()).toEqual([primary(25)]);
  });

  it('writes nothing when the weights are already there', async () => {
    const { kube, router } = world();
    await ok(router.setWeight(ctx, 0, []));
    expect(kube.calls.filter((c) => c.verb !== 'get')).toEqual([]);
  });

  it.each<[string, KubeObject[], AppMeshTrafficRouting, RegExp]>([
    ['the VirtualService missing', [virtualRouter([primary(0)]), ...nodes], CONFIG, /VirtualService `my-svc` not found in namespace `ns`/],
    ['a VirtualService provided by a node', [{ ...virtualService(), spec: { provider: { virtualNode: { virtualNodeRef: { name: 'x' } } } } }, ...nodes], CONFIG, /no spec.provider.virtualRouter.virtualRouterRef/],
    ['the VirtualRouter missing', [virtualService(), ...nodes], CONFIG, /VirtualRouter `my-vrouter` \(of VirtualService `my-svc`\) not found/],
    ['a named route missing', [virtualService(), virtualRouter([primary(0)]), ...nodes], { ...CONFIG, virtualService: { name: 'my-svc', routes: ['nope'] } }, /no route named `nope`/],
    ['a route with two types', [virtualService(), virtualRouter([{ ...primary(0), tcpRoute: primary(0)['httpRoute'] }]), ...nodes], CONFIG, /not well-formed: it has httpRoute and tcpRoute/],
    ['a route without targets', [virtualService(), virtualRouter([{ name: 'p', httpRoute: { match: { prefix: '/' } } }]), ...nodes], CONFIG, /not well-formed: no httpRoute.action.weightedTargets/],
    ['the canary target missing', [virtualService(), virtualRouter([httpRoute('p', [target('my-vn-stable', 100)])]), ...nodes], CONFIG, /no weighted target for the canary VirtualNode `my-vn-canary`/],
    ['no route targeting the nodes', [virtualService(), virtualRouter([httpRoute('p', [target('x', 100)])]), ...nodes], CONFIG, /no route of VirtualRouter `my-vrouter` targets/],
  ])('is RouterMisconfigured with %s', async (_what, objects, config, message) => {
    const { router } = world(objects, config);
    expect(await router.setWeight(ctx, 10, [])()).toEqual(E.left(expect.objectContaining({ _tag: 'RouterMisconfigured', retryable: false, message: expect.stringMatching(message) })));
  });

  it('experiment Services with a weight are PluginUnsupported', async () => {
    const { router } = world();
    expect(await router.setWeight(ctx, 10, [{ serviceName: 'exp', podTemplateHash: 'e', weight: 5 }])()).toEqual(E.left(expect.objectContaining({ _tag: 'PluginUnsupported' })));
  });

  it('a concurrent edit is a retryable KubeConflict', async () => {
    const { kube, router } = world();
    const original = kube.update.bind(kube);
    kube.update = (o) => {
      kube.put(kube.find({ apiVersion: API, kind: 'VirtualRouter', namespace: 'ns', name: 'my-vrouter' })!);
      return original(o);
    };
    expect(await router.setWeight(ctx, 10, [])()).toEqual(E.left(expect.objectContaining({ _tag: 'KubeConflict', retryable: true })));
  });
});

describe('appMeshRouter: updateHash', () => {
  it('points each VirtualNode at its ReplicaSet, keeping the other labels', async () => {
    const { router, hashOf } = world();
    await ok(router.updateHash(ctx, 'abc', 'def', []));
    expect(hashOf('my-vn-canary')).toEqual({ app: 'my-app', 'rollouts-pod-template-hash': 'abc' });
    expect(hashOf('my-vn-stable')).toEqual({ app: 'my-app', 'rollouts-pod-template-hash': 'def' });
  });

  it.each<[string, string, { canary: string; stable: string }]>([
    ['abc', 'def', { canary: 'abc', stable: 'def' }],
    ['abc', 'abc', { canary: 'canary-hash', stable: 'abc' }],
    ['', 'def', { canary: 'canary-hash', stable: 'def' }],
    ['abc', '', { canary: 'abc', stable: 'stable-hash' }],
  ])('canary %j, stable %j -> %j (a placeholder selects no pod)', (canary, stable, expected) => {
    expect(nodeHashes(canary, stable)).toEqual(expected);
  });

  it('adds a pod selector to a VirtualNode without one, writes nothing when already pointed', async () => {
    const bare: KubeObject = { apiVersion: API, kind: 'VirtualNode', metadata: { name: 'my-vn-canary', namespace: 'ns' }, spec: {} };
    const { kube, router, hashOf } = world([virtualService(), virtualRouter([primary(0)]), bare, virtualNode('my-vn-stable', 'def')]);
    await ok(router.updateHash(ctx, 'abc', 'def', []));
    expect(hashOf('my-vn-canary')).toEqual({ 'rollouts-pod-template-hash': 'abc' });
    expect(kube.calls.filter((c) => c.verb === 'update').map((c) => c.ref)).toEqual([expect.stringContaining('my-vn-canary')]);
  });

  it('a missing VirtualNode is RouterMisconfigured naming the field', async () => {
    const { router } = world([virtualService(), virtualRouter([primary(0)]), virtualNode('my-vn-stable', 'x')]);
    expect(await router.updateHash(ctx, 'a', 'b', [])()).toEqual(
      E.left(expect.objectContaining({ _tag: 'RouterMisconfigured', path: 'spec.strategy.canary.trafficRouting.appMesh.virtualNodeGroup.canaryVirtualNodeRef.name', message: expect.stringContaining('my-vn-canary') })),
    );
  });
});

describe('appMeshRouter: release (the Rollout was deleted)', () => {
  it('sends everything to the stable node', async () => {
    const { router, routes } = world();
    await ok(router.setWeight(ctx, 60, []));
    await ok(router.release!(ctx));
    expect(routes()).toEqual([primary(0)]);
  });

  it('succeeds when the VirtualService is gone, fails on a malformed route', async () => {
    await ok(world([...nodes]).router.release!(ctx));
    const r = await world([virtualService(), virtualRouter([httpRoute('p', [target('my-vn-stable', 100)])]), ...nodes]).router.release!(ctx)();
    expect(E.isLeft(r)).toBe(true);
  });
});

describeRouterConformance('appMesh (recorded-contract fake: FakeKubeObjectClient)', async () => {
  const neighbour: KubeObject = { ...virtualRouter([httpRoute('n', [target('my-vn-stable', 100)])]), metadata: { name: 'neighbour', namespace: 'ns' } };
  const { kube, router, routes } = world([virtualService(), virtualRouter([primary(0)]), ...nodes, neighbour]);
  return {
    router,
    ctx,
    kube,
    foreignObjects: [neighbour],
    readWeight: async () => (routes() as Array<{ httpRoute: { action: { weightedTargets: Array<{ weight: number }> } } }>)[0]?.httpRoute.action.weightedTargets[0]?.weight,
    removeBackend: async () => {
      await kube.delete({ apiVersion: API, kind: 'VirtualService', namespace: 'ns', name: 'my-svc' })();
    },
  };
});
