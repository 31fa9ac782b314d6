// End-to-end: the App Mesh router driven by the controller (on kube-sim or the real target) with the App Mesh CRDs of
// packages/traffic-appmesh/third-party-crds, so every VirtualRouter and VirtualNode written passes their schemas. The objects
// are the Argo Rollouts example (examples/appmesh) rewritten; every version is recorded through a watch.
import { resourcePath, type ResourceKind } from '@rollouts/k8s';
import type { KubeObject } from '@rollouts/kube-sim';
import { appMeshRouter } from '@rollouts/traffic-appmesh';
import { appMeshCrds } from '@rollouts/traffic-appmesh/testing';
import { canaryRollout, deploy, promote, selectedHash, setImage, startEnv, waitFor, waitHealthy, waitStatus, Resources, type Env } from './harness';

jest.setTimeout(90_000);

const API = 'appmesh.k8s.aws/v1beta2';
const kind = (k: string, plural: string): ResourceKind => ({ group: 'appmesh.k8s.aws', version: 'v1beta2', plural, kind: k, namespaced: true });
const VIRTUAL_SERVICES = kind('VirtualService', 'virtualservices');
const VIRTUAL_ROUTERS = kind('VirtualRouter', 'virtualrouters');
const VIRTUAL_NODES = kind('VirtualNode', 'virtualnodes');
const HASH = 'rollouts-pod-template-hash';

let env: Env;
beforeAll(async () => {
  env = await startEnv({ readinessDelayMs: 30, controller: { trafficRouters: [appMeshRouter] }, crds: appMeshCrds() as KubeObject[], watch: [VIRTUAL_SERVICES, VIRTUAL_ROUTERS, VIRTUAL_NODES] });
});
afterAll(async () => {
  await env?.stop();
});

async function record(k: ResourceKind): Promise<{ seen: KubeObject[]; stop(): Promise<void> }> {
  const seen: KubeObject[] = [];
  const watch = await env.watch(k, (ev) => {
    if (ev.type === 'ADDED' || ev.type === 'MODIFIED') seen.push(ev.object);
  });
  return { seen, stop: () => watch.stop() };
}
/** The same JSON, whatever the order of object keys (a real API server sends a custom resource's keys sorted). */
function sameJson(a: unknown, b: unknown): boolean {
  try {
    expect(a).toEqual(b);
    return true;
  } catch {
    return false;
  }
}
const changes = <A>(xs: readonly A[]): A[] => xs.filter((x, i) => i === 0 || !sameJson(x, xs[i - 1]));

const name = 'my-rollout';
const app = name; // canaryRollout's pods carry `app: <rollout name>` (the example's `app: my-app`)

// examples/appmesh/canary-service.yaml, rewritten (without the cluster-scoped Mesh, the Namespace and the load tester's Deployment).
const objects = (): Array<[ResourceKind, object]> => [
  [VIRTUAL_SERVICES, { apiVersion: API, kind: 'VirtualService', metadata: { name: 'my-svc' }, spec: { provider: { virtualRouter: { virtualRouterRef: { name: 'my-vrouter' } } } } }],
  [VIRTUAL_ROUTERS, { apiVersion: API, kind: 'VirtualRouter', metadata: { name: 'my-vrouter' }, spec: { listeners: [{ portMapping: { port: 80, protocol: 'http' } }], routes: [primary(0)] } }],
  [VIRTUAL_NODES, node('my-vn-canary', 'canary-tbd', `my-svc-canary.${env.ns}.svc.cluster.local`)],
  [VIRTUAL_NODES, node('my-vn-stable', 'stable-tbd', `my-svc-stable.${env.ns}.svc.cluster.local`)],
  [VIRTUAL_NODES, { apiVersion: API, kind: 'VirtualNode', metadata: { name: 'wrk-tester' }, spec: { podSelector: { matchLabels: { app: 'wrk-tester' } }, backends: [{ virtualService: { virtualServiceRef: { name: 'my-svc' } } }] } }],
];
function primary(canary: number) {
  return { name: 'primary', httpRoute: { match: { prefix: '/' }, action: { weightedTargets: [{ virtualNodeRef: { name: 'my-vn-canary' }, weight: canary }, { virtualNodeRef: { name: 'my-vn-stable' }, weight: 100 - canary }] } } };
}
function node(n: string, hash: string, hostname: string) {
  return { apiVersion: API, kind: 'VirtualNode', metadata: { name: n }, spec: { podSelector: { matchLabels: { app, [HASH]: hash } }, listeners: [{ portMapping: { port: 8080, protocol: 'http' } }], serviceDiscovery: { dns: { hostname, responseType: 'ENDPOINTS' } } } };
}

// examples/appmesh/canary-rollout.yaml, rewritten: the 10-minute pauses last 1 s.
const rollout = canaryRollout(name, [{ setWeight: 25 }, { pause: {} }, { setWeight: 50 }, { pause: { duration: 1 } }, { setWeight: 75 }, { pause: { duration: 1 } }], {
  canary: {
    canaryService: 'my-svc-canary',
    stableService: 'my-svc-stable',
    trafficRouting: { appMesh: { virtualService: { name: 'my-svc' }, virtualNodeGroup: { canaryVirtualNodeRef: { name: 'my-vn-canary' }, stableVirtualNodeRef: { name: 'my-vn-stable' } } } },
    scaleDownDelaySeconds: 1,
  },
});

type Route = ReturnType<typeof primary>;
const routesOf = (o: KubeObject | undefined): Route[] => ((o?.['spec'] as { routes?: Route[] } | undefined)?.routes ?? []);
const canaryWeight = (o: KubeObject | undefined): number | undefined => routesOf(o)[0]?.httpRoute.action.weightedTargets.find((t) => t.virtualNodeRef.name === 'my-vn-canary')?.weight;
const currentRouter = () => env.objects.get(API, 'VirtualRouter', 'my-vrouter', env.ns);
const hashOf = (o: KubeObject | undefined): string | undefined => (o?.['spec'] as { podSelector?: { matchLabels?: Record<string, string> } } | undefined)?.podSelector?.matchLabels?.[HASH];
const nodeHash = (n: string) => hashOf(env.objects.get(API, 'VirtualNode', n, env.ns));
const pausedAt = (index: number) => (s: { currentStepIndex?: number; pauseConditions?: ReadonlyArray<unknown> | null }) => s.currentStepIndex === index && (s.pauseConditions ?? []).length > 0;

describe('App Mesh: the Argo Rollouts example', () => {
  test('first deploy, an image change through every step and promote to Healthy: route weights and VirtualNode hashes at each step', async () => {
    const routers = await record(VIRTUAL_ROUTERS);
    const nodes = await record(VIRTUAL_NODES);
    for (const [k, o] of objects()) await env.api.create(k, o);
    let h1 = '';
    let h2 = '';
    try {
      const first = await deploy(env, rollout, ['my-svc-canary', 'my-svc-stable']);
      h1 = first.status!.stableRS!;
      // One ReplicaSet: the stable node selects it, the canary node selects nothing.
      await waitFor('the VirtualNodes pointed at the first ReplicaSet', () => nodeHash('my-vn-stable') === h1 && nodeHash('my-vn-canary') === 'canary-hash', 5_000, () => [nodeHash('my-vn-stable'), nodeHash('my-vn-canary')]);
      expect(routesOf(currentRouter())).toEqual([primary(0)]);

      await setImage(env, name, 'demo:2');
      const at25 = await waitStatus(env, name, 'paused after setWeight 25', (s) => s.currentPodHash !== h1 && pausedAt(1)(s));
      h2 = at25.status!.currentPodHash!;
      await waitFor('weight 25', () => canaryWeight(currentRouter()) === 25, 5_000, currentRouter);
      expect(routesOf(currentRouter())).toEqual([primary(25)]);
      expect({ canary: nodeHash('my-vn-canary'), stable: nodeHash('my-vn-stable') }).toEqual({ canary: h2, stable: h1 });
      expect(selectedHash(env, 'my-svc-canary')).toBe(h2);
      // Only the pod-template-hash label of the node changed.
      expect((env.objects.get(API, 'VirtualNode', 'my-vn-canary', env.ns)?.['spec'] as { podSelector: unknown }).podSelector).toEqual({ matchLabels: { app, [HASH]: h2 } });

      await promote(env, name);
      const done = await waitHealthy(env, name, 30_000);
      expect(done.status!.stableRS).toBe(h2);
      await waitFor('weight 0 and the stable node on the new ReplicaSet', () => canaryWeight(currentRouter()) === 0 && nodeHash('my-vn-stable') === h2, 10_000, () => ({ router: currentRouter(), stable: nodeHash('my-vn-stable') }));
      expect(routesOf(currentRouter())).toEqual([primary(0)]);
      expect(nodeHash('my-vn-canary')).toBe('canary-hash');
    } finally {
      await routers.stop();
      await nodes.stop();
    }
    // Every version of the route: the steps' weights in order, 100 after the last step, 0 once promoted.
    expect(changes(routers.seen.filter((o) => o.metadata.name === 'my-vrouter').map(canaryWeight))).toEqual([0, 25, 50, 75, 100, 0]);
    // The nodes' hashes over time: the stable node moves once the canary is promoted, never before.
    const hashes = (n: string) => changes(nodes.seen.filter((o) => o.metadata.name === n).map(hashOf));
    expect(hashes('my-vn-stable')).toEqual(['stable-tbd', h1, h2]);
    expect(hashes('my-vn-canary')).toEqual(['canary-tbd', 'canary-hash', h2, 'canary-hash']);
    // The load tester's node is never touched.
    expect(nodes.seen.filter((o) => o.metadata.name === 'wrk-tester')).toHaveLength(1);
  });

  test('deleting the Rollout mid-update releases the route: everything to the stable node', async () => {
    const before = (await waitHealthy(env, name)).status!.stableRS!;
    await setImage(env, name, 'demo:3');
    await waitStatus(env, name, 'paused after setWeight 25 again', (s) => s.currentPodHash !== before && pausedAt(1)(s));
    await waitFor('weight 25', () => canaryWeight(currentRouter()) === 25, 5_000, currentRouter);
    const res = await env.http.request('DELETE', resourcePath(Resources.rollouts, env.ns, name));
    expect(res.status).toBeLessThan(300);
    await waitFor('the route released', () => canaryWeight(currentRouter()) === 0, 10_000, currentRouter);
    expect(routesOf(currentRouter())).toEqual([primary(0)]);
  });

  test('a setHeaderRoute step is InvalidSpec naming the step and the router', async () => {
    const other = 'headers';
    for (const s of [`${other}-canary`, `${other}-stable`]) await env.api.create(Resources.services, { apiVersion: 'v1', kind: 'Service', metadata: { name: s }, spec: { selector: { app: other }, ports: [{ name: 'http', port: 80, targetPort: 8080 }] } });
    const ro = canaryRollout(other, [{ setHeaderRoute: { name: 'h', match: [{ headerName: 'x', headerValue: { exact: 'y' } }] } }, { pause: {} }], {
      canary: { trafficRouting: { appMesh: (rollout.spec.strategy.canary as unknown as { trafficRouting: { appMesh: unknown } }).trafficRouting.appMesh, managedRoutes: [{ name: 'h' }] } },
    });
    await env.api.create(Resources.rollouts, ro);
    const invalid = await waitStatus(env, other, 'InvalidSpec', (s) => s.conditions?.some((c) => c.type === 'InvalidSpec' && c.status === 'True') === true);
    const cond = invalid.status!.conditions!.find((c) => c.type === 'InvalidSpec')!;
    expect(cond.message).toContain('steps[0].setHeaderRoute');
    expect(cond.message).toContain('appMesh');
  });
});
