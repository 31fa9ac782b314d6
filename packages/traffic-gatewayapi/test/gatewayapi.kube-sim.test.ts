// The Gateway API router against kube-sim serving the published Gateway API CRDs (v1.2.1, experimental channel):
// the API server's defaults (weight 1, PathPrefix "/", Service refs) and pruning apply to what the router writes,
// and its writes go through the real HTTP client.
import type { Rollout } from '@rollouts/api';
import { createKubeObjectClient, loadKubeConfig } from '@rollouts/k8s';
import { startKubeSim, type KubeSim, type KubeObject as SimObject } from '@rollouts/kube-sim';
import type { KubeObject, KubeObjectClient, RoutingContext } from '@rollouts/plugin-sdk';
import { describeRouterConformance, expectRight as ok, silentLogger } from '@rollouts/plugin-sdk/testing';
import { gatewayApiRouter, MANAGED_ANNOTATION } from '../src';
import { gatewayApiCrds } from '../src/testing';

const V1 = 'gateway.networking.k8s.io/v1';
const V1A2 = 'gateway.networking.k8s.io/v1alpha2';

let sim: KubeSim;
let kube: KubeObjectClient;
let namespaces = 0;
beforeAll(async () => {
  sim = await startKubeSim({
    objects: gatewayApiCrds() as SimObject[],
    workloads: { pods: false, replicaSets: false, deployments: false, jobs: false, endpoints: false, namespaces: false, garbageCollector: false },
  });
  kube = createKubeObjectClient(loadKubeConfig({ options: sim.kubeConfig }));
});
afterAll(async () => {
  await sim.stop();
});

function freshWorld(): { ns: string; ctx: RoutingContext } {
  const ns = `gw-${++namespaces}`;
  sim.objects.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
  const rollout = { apiVersion: 'argoproj.io/v1alpha1', kind: 'Rollout', metadata: { name: 'web', namespace: ns, uid: 'u-web' }, spec: {} } as unknown as Rollout;
  return { ns, ctx: { rollout, namespace: ns, canaryService: 'web-canary', stableService: 'web-stable', canaryPodHash: 'c', stablePodHash: 's', maxWeight: 100, signal: new AbortController().signal } };
}

/** The user's route as they would write it: no weights, no matches (the CRD defaults fill them in). */
const httpRoute = (ns: string, name = 'web-route'): SimObject => ({
  apiVersion: V1,
  kind: 'HTTPRoute',
  metadata: { name, namespace: ns },
  spec: {
    parentRefs: [{ name: 'gateway' }],
    hostnames: ['web.example.com'],
    rules: [
      { backendRefs: [{ name: 'web-stable', port: 80 }, { name: 'web-canary', port: 80 }] },
      { matches: [{ path: { type: 'PathPrefix', value: '/docs' } }], backendRefs: [{ name: 'docs', port: 80 }] },
    ],
  },
});

type Rule = { name?: string; matches?: unknown[]; backendRefs?: Array<{ name: string; weight?: number }> };
const rulesOf = (kind: string, apiVersion: string, ns: string, name: string) => (((sim.objects.get(apiVersion, kind, name, ns)?.['spec'] ?? {}) as { rules?: Rule[] }).rules ?? []);
const weights = (rule: Rule | undefined) => Object.fromEntries((rule?.backendRefs ?? []).map((r) => [r.name, r.weight]));

describe('gatewayAPI router on kube-sim with the published CRDs', () => {
  it('weights, a header rule and a mirror rule through an HTTPRoute the API server defaults; removing and releasing restores it', async () => {
    const { ns, ctx } = freshWorld();
    sim.objects.create(httpRoute(ns));
    const original = sim.objects.get(V1, 'HTTPRoute', 'web-route', ns)!;
    // The CRD default: a rule without matches matches every path, a backendRef weighs 1.
    expect((original['spec'] as { rules: Rule[] }).rules[0]).toEqual({
      matches: [{ path: { type: 'PathPrefix', value: '/' } }],
      backendRefs: [
        { group: '', kind: 'Service', name: 'web-stable', port: 80, weight: 1 },
        { group: '', kind: 'Service', name: 'web-canary', port: 80, weight: 1 },
      ],
    });
    const router = gatewayApiRouter.make({ kube, log: silentLogger, now: () => 0 })({ httpRoute: 'web-route' });
    const rules = () => rulesOf('HTTPRoute', V1, ns, 'web-route');

    await ok(router.setWeight(ctx, 0, []));
    expect(weights(rules()[0])).toEqual({ 'web-stable': 100, 'web-canary': 0 });
    await ok(router.setWeight(ctx, 25, []));
    expect(weights(rules()[0])).toEqual({ 'web-stable': 75, 'web-canary': 25 });
    expect(sim.objects.get(V1, 'HTTPRoute', 'web-route', ns)!.metadata.labels).toEqual({ 'rollouts.argoproj.io/gatewayapi-canary': 'in-progress' });

    await ok(router.setHeaderRoute!(ctx, { name: 'canary-header', match: [{ headerName: 'x-canary', headerValue: { exact: 'true' } }] }));
    await ok(router.setMirrorRoute!(ctx, { name: 'canary-mirror', percentage: 20, match: [{ path: { prefix: '/api' } }] }));
    expect(rules().map((r) => r.name)).toEqual([undefined, undefined, 'canary-header', 'canary-mirror']);
    expect(rules()[2]).toEqual({
      name: 'canary-header',
      matches: [{ path: { type: 'PathPrefix', value: '/' }, headers: [{ name: 'x-canary', type: 'Exact', value: 'true' }] }],
      backendRefs: [{ group: '', kind: 'Service', name: 'web-canary', port: 80, weight: 1 }],
    });
    expect(rules()[3]).toMatchObject({
      matches: [{ path: { type: 'PathPrefix', value: '/api' } }],
      filters: [{ type: 'RequestMirror', requestMirror: { backendRef: { group: '', kind: 'Service', name: 'web-canary', port: 80 }, percent: 20 } }],
    });
    // Again: the server's defaults do not make the router write again.
    const rv = sim.objects.get(V1, 'HTTPRoute', 'web-route', ns)!.metadata.resourceVersion;
    await ok(router.setHeaderRoute!(ctx, { name: 'canary-header', match: [{ headerName: 'x-canary', headerValue: { exact: 'true' } }] }));
    await ok(router.setMirrorRoute!(ctx, { name: 'canary-mirror', percentage: 20, match: [{ path: { prefix: '/api' } }] }));
    await ok(router.setWeight(ctx, 25, []));
    expect(sim.objects.get(V1, 'HTTPRoute', 'web-route', ns)!.metadata.resourceVersion).toBe(rv);

    await ok(router.setWeight(ctx, 60, []));
    expect([weights(rules()[0]), weights(rules()[2]), weights(rules()[3])]).toEqual([{ 'web-stable': 40, 'web-canary': 60 }, { 'web-canary': 1 }, { 'web-stable': 40, 'web-canary': 60 }]);

    await ok(router.removeManagedRoutes(ctx));
    expect(rules().map((r) => r.name)).toEqual([undefined, undefined]);
    expect(sim.objects.get(V1, 'HTTPRoute', 'web-route', ns)!.metadata.annotations).toBeUndefined();

    await ok(router.setHeaderRoute!(ctx, { name: 'canary-header', match: [{ headerName: 'x-canary', headerValue: { exact: 'true' } }] }));
    await ok(router.release!(ctx));
    const released = sim.objects.get(V1, 'HTTPRoute', 'web-route', ns)!;
    expect(released['spec']).toEqual({ ...(original['spec'] as object), rules: [{ ...(original['spec'] as { rules: Rule[] }).rules[0], backendRefs: [expect.objectContaining({ name: 'web-stable', weight: 100 }), expect.objectContaining({ name: 'web-canary', weight: 0 })] }, (original['spec'] as { rules: Rule[] }).rules[1]] });
    expect(released.metadata.labels).toBeUndefined();
    expect(released.metadata.annotations?.[MANAGED_ANNOTATION]).toBeUndefined();
  });

  it('GRPCRoute header rules and TCPRoute weights at their served versions', async () => {
    const { ns, ctx } = freshWorld();
    const refs = [{ name: 'web-stable', port: 9000 }, { name: 'web-canary', port: 9000 }];
    sim.objects.create({ apiVersion: V1, kind: 'GRPCRoute', metadata: { name: 'g', namespace: ns }, spec: { parentRefs: [{ name: 'gateway' }], rules: [{ matches: [{ method: { service: 'shop.Cart' } }], backendRefs: refs }] } });
    sim.objects.create({ apiVersion: V1A2, kind: 'TCPRoute', metadata: { name: 't', namespace: ns }, spec: { parentRefs: [{ name: 'gateway' }], rules: [{ backendRefs: refs }] } });
    const router = gatewayApiRouter.make({ kube, log: silentLogger, now: () => 0 })({ grpcRoute: 'g', tcpRoutes: [{ name: 't' }] });
    await ok(router.setWeight(ctx, 10, []));
    expect(weights(rulesOf('GRPCRoute', V1, ns, 'g')[0])).toEqual({ 'web-stable': 90, 'web-canary': 10 });
    expect(weights(rulesOf('TCPRoute', V1A2, ns, 't')[0])).toEqual({ 'web-stable': 90, 'web-canary': 10 });
    await ok(router.setHeaderRoute!(ctx, { name: 'beta', match: [{ headerName: 'x-beta', headerValue: { regex: 'on|yes' } }] }));
    expect(rulesOf('GRPCRoute', V1, ns, 'g')[1]).toEqual({
      name: 'beta',
      matches: [{ method: { type: 'Exact', service: 'shop.Cart' }, headers: [{ name: 'x-beta', type: 'RegularExpression', value: 'on|yes' }] }],
      backendRefs: [{ group: '', kind: 'Service', name: 'web-canary', port: 9000, weight: 1 }],
    });
    await ok(router.release!(ctx));
    expect(rulesOf('GRPCRoute', V1, ns, 'g')).toHaveLength(1);
    expect(weights(rulesOf('TCPRoute', V1A2, ns, 't')[0])).toEqual({ 'web-stable': 100, 'web-canary': 0 });
  });

  it('routes found by a set-based label selector, as the API server evaluates it', async () => {
    const { ns, ctx } = freshWorld();
    const labelled = (name: string, tier: string): SimObject => {
      const r = httpRoute(ns, name);
      return { ...r, metadata: { ...r.metadata, labels: { tier } } };
    };
    for (const [n, tier] of [['edge', 'edge'], ['internal', 'internal'], ['batch', 'batch']] as const) sim.objects.create(labelled(n, tier));
    const router = gatewayApiRouter.make({ kube, log: silentLogger, now: () => 0 })({ httpRouteSelector: { matchExpressions: [{ key: 'tier', operator: 'In', values: ['edge', 'internal'] }] } });
    await ok(router.setWeight(ctx, 35, []));
    expect(['edge', 'internal', 'batch'].map((n) => weights(rulesOf('HTTPRoute', V1, ns, n)[0])['web-canary'])).toEqual([35, 35, 1]);
    await ok(router.release!(ctx));
    expect(['edge', 'internal'].map((n) => weights(rulesOf('HTTPRoute', V1, ns, n)[0])['web-canary'])).toEqual([0, 0]);
  });
});

describe('an HTTPRoute CRD without rules[].name (as the v1.2 standard channel)', () => {
  let standard: KubeSim;
  let standardKube: KubeObjectClient;
  beforeAll(async () => {
    // The experimental CRD with the rule name taken out of the schema: the API server prunes it, as the standard channel's does.
    const [crd] = gatewayApiCrds(['HTTPRoute']);
    const spec = crd!['spec'] as { versions: Array<{ schema: { openAPIV3Schema: { properties: { spec: { properties: { rules: { items: { properties: Record<string, unknown> }; 'x-kubernetes-validations'?: unknown } } } } } } }> };
    for (const v of spec.versions) {
      const rules = v.schema.openAPIV3Schema.properties.spec.properties.rules;
      delete rules.items.properties['name'];
      delete rules['x-kubernetes-validations'];
    }
    standard = await startKubeSim({ objects: [crd as SimObject], workloads: { pods: false, replicaSets: false, deployments: false, jobs: false, endpoints: false, namespaces: false, garbageCollector: false } });
    standardKube = createKubeObjectClient(loadKubeConfig({ options: standard.kubeConfig }));
  });
  afterAll(async () => {
    await standard.stop();
  });

  it('weights work; a header route is refused with the reason and leaves no nameless rule behind', async () => {
    const ns = 'default';
    standard.objects.create(httpRoute(ns));
    const ctx: RoutingContext = { ...freshWorld().ctx, namespace: ns };
    const router = gatewayApiRouter.make({ kube: standardKube, log: silentLogger, now: () => 0 })({ httpRoute: 'web-route' });
    await ok(router.setWeight(ctx, 10, []));
    const rules = () => ((standard.objects.get(V1, 'HTTPRoute', 'web-route', ns)?.['spec'] as { rules: Rule[] }).rules);
    expect(weights(rules()[0])).toEqual({ 'web-stable': 90, 'web-canary': 10 });
    const r = await router.setHeaderRoute!(ctx, { name: 'canary-header', match: [{ headerName: 'x-canary', headerValue: { exact: 'true' } }] })();
    expect(r).toMatchObject({ _tag: 'Left', left: { _tag: 'RouterMisconfigured', message: expect.stringContaining('the API server dropped the rule name canary-header (the rules were taken out again)') } });
    expect(rules()).toHaveLength(2);
    expect(standard.objects.get(V1, 'HTTPRoute', 'web-route', ns)!.metadata.annotations).toBeUndefined();
  });
});

describeRouterConformance('gatewayAPI (kube-sim, published CRDs)', async () => {
  const { ns, ctx } = freshWorld();
  sim.objects.create(httpRoute(ns));
  sim.objects.create(httpRoute(ns, 'neighbour'));
  const router = gatewayApiRouter.make({ kube, log: silentLogger, now: () => 0 })({ httpRoute: 'web-route' });
  const list = () => sim.objects.list(V1, 'HTTPRoute', ns) as unknown as KubeObject[];
  return {
    router,
    ctx,
    kube: Object.assign(Object.create(kube) as KubeObjectClient, kube, { all: list }),
    foreignObjects: list().filter((o) => o.metadata.name === 'neighbour'),
    readWeight: async () => weights(rulesOf('HTTPRoute', V1, ns, 'web-route')[0])['web-canary'],
    removeBackend: async () => {
      sim.objects.delete(V1, 'HTTPRoute', 'web-route', ns);
    },
  };
});
