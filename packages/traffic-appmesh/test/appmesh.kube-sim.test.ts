// The appMesh router against kube-sim with the App Mesh CRDs of third-party-crds (VirtualService, VirtualRouter,
// VirtualNode), so every object it writes passes their schemas; objects rewritten from the Argo Rollouts example
// (examples/appmesh/canary-service.yaml).
import type { Rollout } from '@rollouts/api';
import { createKubeObjectClient, loadKubeConfig } from '@rollouts/k8s';
import { startKubeSim, type KubeSim, type KubeObject as SimObject } from '@rollouts/kube-sim';
import type { KubeObject, KubeObjectClient, RoutingContext } from '@rollouts/plugin-sdk';
import { describeRouterConformance, expectRight as ok, silentLogger } from '@rollouts/plugin-sdk/testing';
import { appMeshRouter } from '../src';
import { appMeshCrds } from '../src/testing';

const API = 'appmesh.k8s.aws/v1beta2';
const CONFIG = { virtualService: { name: 'my-svc' }, virtualNodeGroup: { canaryVirtualNodeRef: { name: 'my-vn-canary' }, stableVirtualNodeRef: { name: 'my-vn-stable' } } };

let sim: KubeSim;
let kube: KubeObjectClient;
let namespaces = 0;
beforeAll(async () => {
  sim = await startKubeSim({ objects: appMeshCrds() as SimObject[], workloads: { pods: false, replicaSets: false, deployments: false, jobs: false, endpoints: false, namespaces: false, garbageCollector: false } });
  kube = createKubeObjectClient(loadKubeConfig({ options: sim.kubeConfig }));
});
afterAll(async () => {
  await sim.stop();
});

const routeOf = (type: string, canary: number) => ({
  name: 'primary',
  [type]: {
    ...(type === 'tcpRoute' ? {} : { match: type === 'grpcRoute' ? { serviceName: 'my-svc' } : { prefix: '/' } }),
    action: { weightedTargets: [{ virtualNodeRef: { name: 'my-vn-canary' }, weight: canary }, { virtualNodeRef: { name: 'my-vn-stable' }, weight: 100 - canary }] },
  },
});
const node = (name: string, hash: string, host: string): SimObject => ({
  apiVersion: API,
  kind: 'VirtualNode',
  metadata: { name, namespace: '' },
  spec: {
    podSelector: { matchLabels: { app: 'my-app', 'rollouts-pod-template-hash': hash } },
    listeners: [{ portMapping: { port: 8080, protocol: 'http' } }],
    serviceDiscovery: { dns: { hostname: host, responseType: 'ENDPOINTS' } },
  },
});

function freshWorld(type = 'httpRoute'): { ns: string; ctx: RoutingContext } {
  const ns = `appmesh-${++namespaces}`;
  sim.objects.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
  const inNs = (o: SimObject): SimObject => ({ ...o, metadata: { ...o.metadata, namespace: ns } });
  sim.objects.create(inNs({ apiVersion: API, kind: 'VirtualService', metadata: { name: 'my-svc' }, spec: { provider: { virtualRouter: { virtualRouterRef: { name: 'my-vrouter' } } } } }));
  const protocol = { httpRoute: 'http', http2Route: 'http2', grpcRoute: 'grpc', tcpRoute: 'tcp' }[type] ?? 'http';
  sim.objects.create(inNs({ apiVersion: API, kind: 'VirtualRouter', metadata: { name: 'my-vrouter' }, spec: { listeners: [{ portMapping: { port: 80, protocol } }], routes: [routeOf(type, 0)] } }));
  sim.objects.create(inNs(node('my-vn-canary', 'canary-tbd', `my-svc-canary.${ns}.svc.cluster.local`)));
  sim.objects.create(inNs(node('my-vn-stable', 'stable-tbd', `my-svc-stable.${ns}.svc.cluster.local`)));
  const rollout = { apiVersion: 'argoproj.io/v1alpha1', kind: 'Rollout', metadata: { name: 'my-rollout', namespace: ns, uid: `uid-${ns}` }, spec: { strategy: { canary: { trafficRouting: { appMesh: CONFIG } } } } } as Rollout;
  return { ns, ctx: { rollout, namespace: ns, canaryService: 'my-svc-canary', stableService: 'my-svc-stable', canaryPodHash: 'c', stablePodHash: 's', maxWeight: 100, signal: new AbortController().signal } };
}

const router = () => appMeshRouter.make({ kube, log: silentLogger, now: () => 0 })(CONFIG);

describe('appMesh router on kube-sim (App Mesh CRDs)', () => {
  it('the CRDs validate: a weight above 100 and a route without weightedTargets are refused', async () => {
    const { ns } = freshWorld();
    const vr = sim.objects.get(API, 'VirtualRouter', 'my-vrouter', ns)! as unknown as KubeObject;
    const r1 = await kube.update({ ...vr, spec: { ...(vr['spec'] as object), routes: [routeOf('httpRoute', 101)] } })();
    expect(r1).toEqual(expect.objectContaining({ _tag: 'Left', left: expect.objectContaining({ _tag: 'KubeRejected' }) }));
    const r2 = await kube.update({ ...vr, spec: { ...(vr['spec'] as object), routes: [{ name: 'p', httpRoute: { match: { prefix: '/' }, action: { weightedTargets: [] } } }] } })();
    expect(r2).toEqual(expect.objectContaining({ _tag: 'Left', left: expect.objectContaining({ _tag: 'KubeRejected' }) }));
  });

  it.each(['httpRoute', 'http2Route', 'grpcRoute', 'tcpRoute'])('%s: hashes and weights through a canary, then released', async (type) => {
    const { ns, ctx } = freshWorld(type);
    const r = router();
    const routes = () => (sim.objects.get(API, 'VirtualRouter', 'my-vrouter', ns)?.['spec'] as { routes: unknown[] }).routes;
    const hash = (n: string) => (sim.objects.get(API, 'VirtualNode', n, ns)?.['spec'] as { podSelector: { matchLabels: Record<string, string> } }).podSelector.matchLabels;
    // First revision: canary and stable are the same ReplicaSet.
    await ok(r.updateHash(ctx, 'h1', 'h1', []));
    await ok(r.setWeight(ctx, 0, []));
    expect(hash('my-vn-stable')).toEqual({ app: 'my-app', 'rollouts-pod-template-hash': 'h1' });
    expect(hash('my-vn-canary')).toEqual({ app: 'my-app', 'rollouts-pod-template-hash': 'canary-hash' });
    // An update: h2 is the canary.
    for (const w of [25, 50, 75, 100]) {
      await ok(r.updateHash(ctx, 'h2', 'h1', []));
      await ok(r.setWeight(ctx, w, []));
      expect(routes()).toEqual([routeOf(type, w)]);
    }
    expect(hash('my-vn-canary')).toEqual({ app: 'my-app', 'rollouts-pod-template-hash': 'h2' });
    // Promoted: h2 is stable, weight back to 0.
    await ok(r.updateHash(ctx, 'h2', 'h2', []));
    await ok(r.setWeight(ctx, 0, []));
    expect(hash('my-vn-stable')).toEqual({ app: 'my-app', 'rollouts-pod-template-hash': 'h2' });
    expect(routes()).toEqual([routeOf(type, 0)]);
    await ok(r.setWeight(ctx, 40, []));
    await ok(r.release!(ctx));
    expect(routes()).toEqual([routeOf(type, 0)]);
  });
});

describeRouterConformance('appMesh (kube-sim, App Mesh CRDs)', async () => {
  const { ns, ctx } = freshWorld();
  sim.objects.create({ apiVersion: API, kind: 'VirtualRouter', metadata: { name: 'neighbour', namespace: ns }, spec: { listeners: [{ portMapping: { port: 80, protocol: 'http' } }], routes: [routeOf('httpRoute', 10)] } });
  const all = () => [...sim.objects.list(API, 'VirtualRouter', ns), ...sim.objects.list(API, 'VirtualNode', ns), ...sim.objects.list(API, 'VirtualService', ns)] as unknown as KubeObject[];
  return {
    router: router(),
    ctx,
    kube: Object.assign(Object.create(kube) as KubeObjectClient, kube, { all }),
    foreignObjects: all().filter((o) => o.metadata.name === 'neighbour'),
    readWeight: async () => ((sim.objects.get(API, 'VirtualRouter', 'my-vrouter', ns)?.['spec'] as { routes: Array<{ httpRoute: { action: { weightedTargets: Array<{ weight: number }> } } }> }).routes[0]?.httpRoute.action.weightedTargets[0]?.weight),
    removeBackend: async () => {
      sim.objects.delete(API, 'VirtualService', 'my-svc', ns);
    },
  };
});
