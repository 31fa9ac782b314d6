// The traefik router against kube-sim, with Traefik's own TraefikService CRDs (both API groups): the schema of
// the published CRD checks every object the router writes; resourceVersion conflicts are the server's.
import type { Rollout } from '@rollouts/api';
import { createKubeObjectClient, loadKubeConfig } from '@rollouts/k8s';
import { startKubeSim, type KubeSim, type KubeObject as SimObject } from '@rollouts/kube-sim';
import type { KubeObject, KubeObjectClient, RoutingContext } from '@rollouts/plugin-sdk';
import { describeRouterConformance, expectRight as ok, silentLogger } from '@rollouts/plugin-sdk/testing';
import { traefikRouter, type TraefikApiGroup } from '../src';
import { traefikServiceCrd } from '../src/testing';

let sim: KubeSim;
let kube: KubeObjectClient;
let namespaces = 0;
beforeAll(async () => {
  sim = await startKubeSim({ objects: [traefikServiceCrd('traefik.io') as SimObject, traefikServiceCrd('traefik.containo.us') as SimObject], workloads: { pods: false, replicaSets: false, deployments: false, jobs: false, endpoints: false, namespaces: false, garbageCollector: false } });
  kube = createKubeObjectClient(loadKubeConfig({ options: sim.kubeConfig }));
});
afterAll(async () => {
  await sim.stop();
});

const rollout = (ns: string): Rollout => ({ apiVersion: 'argoproj.io/v1alpha1', kind: 'Rollout', metadata: { name: 'web', namespace: ns, uid: 'ro-uid' }, spec: { strategy: { canary: { trafficRouting: { traefik: { weightedTraefikServiceName: 'web-ts' } } } } } });

function freshWorld(group: TraefikApiGroup, services: unknown[] = [{ name: 'web-stable', port: 80 }, { name: 'web-canary', port: 80 }]): { ns: string; ctx: RoutingContext; weights: () => unknown } {
  const ns = `traefik-${++namespaces}`;
  sim.objects.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
  sim.objects.create({ apiVersion: `${group}/v1alpha1`, kind: 'TraefikService', metadata: { name: 'web-ts', namespace: ns }, spec: { weighted: { services } } });
  const ctx: RoutingContext = { rollout: rollout(ns), namespace: ns, canaryService: 'web-canary', stableService: 'web-stable', canaryPodHash: 'c', stablePodHash: 's', maxWeight: 100, signal: new AbortController().signal };
  const weights = () => ((sim.objects.get(`${group}/v1alpha1`, 'TraefikService', 'web-ts', ns)?.['spec'] as { weighted: { services: Array<{ name: string; weight?: number }> } }).weighted.services).map((s) => [s.name, s.weight]);
  return { ns, ctx, weights };
}

describe('traefik router on kube-sim', () => {
  it.each<TraefikApiGroup>(['traefik.io', 'traefik.containo.us'])('%s: weights at every step, after abort, after promotion, and released', async (group) => {
    const { ctx, weights } = freshWorld(group);
    const router = traefikRouter({ apiGroup: group }).make({ kube, log: silentLogger, now: () => 0 })({ weightedTraefikServiceName: 'web-ts' });
    const at = (canary: number) => [['web-stable', 100 - canary], ['web-canary', canary]];
    for (const w of [0, 30, 60, 0, 30, 100, 0]) {
      await ok(router.setWeight(ctx, w, []));
      expect(weights()).toEqual(at(w));
    }
    await ok(router.setWeight(ctx, 50, []));
    await ok(router.release!(ctx));
    expect(weights()).toEqual(at(0));
  });

  it('the wrong API group finds no TraefikService: RouterMisconfigured naming group and namespace', async () => {
    const { ctx, ns } = freshWorld('traefik.io');
    const router = traefikRouter({ apiGroup: 'traefik.containo.us' }).make({ kube, log: silentLogger, now: () => 0 })({ weightedTraefikServiceName: 'web-ts' });
    const r = await router.setWeight(ctx, 10, [])();
    expect(r).toMatchObject({ left: { _tag: 'RouterMisconfigured', message: `TraefikService \`web-ts\` (traefik.containo.us/v1alpha1) was not found in namespace ${ns}` } });
  });
});

describeRouterConformance('traefik (kube-sim, traefik.io)', async () => {
  const { ns, ctx } = freshWorld('traefik.io');
  sim.objects.create({ apiVersion: 'traefik.io/v1alpha1', kind: 'TraefikService', metadata: { name: 'api-ts', namespace: ns }, spec: { weighted: { services: [{ name: 'api', port: 80, weight: 3 }] } } });
  const router = traefikRouter().make({ kube, log: silentLogger, now: () => 0 })({ weightedTraefikServiceName: 'web-ts' });
  const list = () => sim.objects.list('traefik.io/v1alpha1', 'TraefikService', ns) as unknown as KubeObject[];
  return {
    router,
    ctx,
    kube: Object.assign(Object.create(kube) as KubeObjectClient, kube, { all: list }),
    foreignObjects: list().filter((o) => o.metadata.name === 'api-ts'),
    readWeight: async () => (sim.objects.get('traefik.io/v1alpha1', 'TraefikService', 'web-ts', ns)?.['spec'] as { weighted: { services: Array<{ name: string; weight?: number }> } }).weighted.services.find((s) => s.name === 'web-canary')?.weight,
    removeBackend: async () => {
      sim.objects.delete('traefik.io/v1alpha1', 'TraefikService', 'web-ts', ns);
    },
  };
});
