import { decode, type Rollout } from '@rollouts/api';
import type { KubeObject, RoutingContext } from '@rollouts/plugin-sdk';
import { describeRouterConformance, FakeKubeObjectClient, silentLogger } from '@rollouts/plugin-sdk/testing';
import plugin, { KIND } from './index';

const rollout: Rollout = {
  apiVersion: 'argoproj.io/v1alpha1',
  kind: 'Rollout',
  metadata: { name: 'web', namespace: 'ns', uid: 'ro-uid' },
  spec: { strategy: { canary: { canaryService: 'web-canary', stableService: 'web-stable', trafficRouting: { plugins: { [KIND]: { configMap: 'web-routes' } } } } } },
};
const ctx: RoutingContext = { rollout, namespace: 'ns', canaryService: 'web-canary', stableService: 'web-stable', canaryPodHash: 'c', stablePodHash: 's', maxWeight: 100, signal: new AbortController().signal };
const routes = (data: Record<string, string> = {}): KubeObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'web-routes', namespace: 'ns' }, data });
const neighbour: KubeObject = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'other-routes', namespace: 'ns' }, data: { 'canary.weight': '5' } };

function world() {
  const kube = new FakeKubeObjectClient([routes({ 'proxy.listen': ':8080' }), neighbour]);
  const router = plugin.make({ kube, log: silentLogger, now: () => 0 })({ configMap: 'web-routes' });
  const data = () => (kube.find({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'ns', name: 'web-routes' })?.['data'] ?? {}) as Record<string, string>;
  return { kube, router, data };
}

describeRouterConformance(KIND, async () => {
  const { kube, router, data } = world();
  return {
    router,
    ctx,
    kube,
    foreignObjects: [neighbour],
    readWeight: async () => (data()['canary.weight'] === undefined ? undefined : Number(data()['canary.weight'])),
    removeBackend: async () => {
      await kube.delete({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'ns', name: 'web-routes' })();
    },
  };
});

describe(KIND, () => {
  it('writes both services and weights, keeping the keys it does not own', async () => {
    const { router, data } = world();
    expect(await router.setWeight(ctx, 30, [])()).toEqual({ _tag: 'Right', right: undefined });
    expect(data()).toEqual({ 'proxy.listen': ':8080', 'canary.service': 'web-canary', 'canary.weight': '30', 'stable.service': 'web-stable', 'stable.weight': '70' });
  });

  it('a missing ConfigMap is RouterMisconfigured naming the field, not an exception', async () => {
    const { kube, router } = world();
    await kube.delete({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'ns', name: 'web-routes' })();
    const r = await router.setWeight(ctx, 30, [])();
    expect(r).toMatchObject({ _tag: 'Left', left: { _tag: 'RouterMisconfigured', path: `trafficRouting.plugins.${KIND}.configMap` } });
  });

  it('the config codec rejects a config without configMap, naming the field', () => {
    const bad = decode(plugin.configCodec, { configmap: 'web-routes' }, { path: `trafficRouting.plugins.${KIND}` });
    expect(bad._tag === 'Left' ? bad.left.map((e) => e.message) : []).toEqual([expect.stringContaining(`trafficRouting.plugins.${KIND}.configMap`)]);
  });
});
