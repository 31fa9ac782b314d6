// The ambassador router against kube-sim, with Emissary's published Mapping CRD (conversion webhook replaced by
// None, see third-party-crds/README.md) and the Rollout CRD: the schema checks every Mapping written, the garbage
// collector removes the canary Mappings with their Rollout.
import * as fs from 'node:fs';
import * as path from 'node:path';
import YAML from 'yaml';
import type { Rollout } from '@rollouts/api';
import { createKubeObjectClient, loadKubeConfig } from '@rollouts/k8s';
import { startKubeSim, type KubeSim, type KubeObject as SimObject } from '@rollouts/kube-sim';
import type { KubeObject, KubeObjectClient, RoutingContext } from '@rollouts/plugin-sdk';
import { describeRouterConformance, eventually, expectRight as ok, silentLogger } from '@rollouts/plugin-sdk/testing';
import { ambassadorRouter, type MappingApiVersion } from '../src';
import { mappingCrd } from '../src/testing';

const rolloutCrd = YAML.parse(fs.readFileSync(path.join(__dirname, '../../api/crds/rollouts.argoproj.io.yaml'), 'utf8')) as SimObject;

let sim: KubeSim;
let kube: KubeObjectClient;
let namespaces = 0;
beforeAll(async () => {
  sim = await startKubeSim({ objects: [rolloutCrd, mappingCrd() as SimObject], workloads: { pods: false, replicaSets: false, deployments: false, jobs: false, endpoints: false, namespaces: false, garbageCollector: true } });
  kube = createKubeObjectClient(loadKubeConfig({ options: sim.kubeConfig }));
});
afterAll(async () => {
  await sim.stop();
});

function freshWorld(apiVersion: MappingApiVersion): { ns: string; ctx: RoutingContext } {
  const ns = `ambassador-${++namespaces}`;
  sim.objects.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
  sim.objects.create({ apiVersion, kind: 'Mapping', metadata: { name: 'echo', namespace: ns }, spec: { resolver: 'endpoint', prefix: '/echo', rewrite: '/echo', service: 'echo-stable:80' } });
  const created = sim.objects.create({
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Rollout',
    metadata: { name: 'echo-rollout', namespace: ns },
    spec: {
      selector: { matchLabels: { app: 'echo' } },
      template: { metadata: { labels: { app: 'echo' } }, spec: { containers: [{ name: 'echo', image: 'hashicorp/http-echo' }] } },
      strategy: { canary: { canaryService: 'echo-canary', stableService: 'echo-stable', trafficRouting: { ambassador: { mappings: ['echo'] } }, steps: [{ setWeight: 30 }] } },
    },
  });
  return { ns, ctx: { rollout: created as unknown as Rollout, namespace: ns, canaryService: 'echo-canary', stableService: 'echo-stable', canaryPodHash: 'c', stablePodHash: 's', maxWeight: 100, signal: new AbortController().signal } };
}

describe('ambassador router on kube-sim', () => {
  it.each<MappingApiVersion>(['getambassador.io/v2', 'getambassador.io/v3alpha1'])('%s: the canary Mapping at every step, drained at 0, released, and gone with the Rollout', async (apiVersion) => {
    const { ns, ctx } = freshWorld(apiVersion);
    const router = ambassadorRouter({ apiVersion }).make({ kube, log: silentLogger, now: () => 0 })({ mappings: ['echo'] });
    const canary = () => sim.objects.get(apiVersion, 'Mapping', 'echo-canary', ns);
    await ok(router.setWeight(ctx, 0, []));
    expect(canary()).toBeUndefined();
    for (const w of [30, 60, 100, 0]) {
      await ok(router.setWeight(ctx, w, []));
      expect(canary()?.['spec']).toEqual({ resolver: 'endpoint', prefix: '/echo', rewrite: '/echo', service: 'echo-canary:80', weight: w });
    }
    expect(canary()?.metadata.ownerReferences).toEqual([expect.objectContaining({ kind: 'Rollout', name: 'echo-rollout', uid: ctx.rollout.metadata?.uid, controller: true })]);
    await ok(router.setWeight(ctx, 30, []));
    await ok(router.release!(ctx));
    expect(canary()).toBeUndefined();
    expect(sim.objects.get(apiVersion, 'Mapping', 'echo', ns)?.['spec']).toEqual({ resolver: 'endpoint', prefix: '/echo', rewrite: '/echo', service: 'echo-stable:80' });

    await ok(router.setWeight(ctx, 30, []));
    sim.objects.delete('argoproj.io/v1alpha1', 'Rollout', 'echo-rollout', ns);
    await eventually('the canary Mapping garbage-collected', () => canary() === undefined);
  });
});

describeRouterConformance('ambassador (kube-sim, getambassador.io/v2)', async () => {
  const { ns, ctx } = freshWorld('getambassador.io/v2');
  sim.objects.create({ apiVersion: 'getambassador.io/v2', kind: 'Mapping', metadata: { name: 'api', namespace: ns }, spec: { prefix: '/api', service: 'api:80' } });
  const router = ambassadorRouter().make({ kube, log: silentLogger, now: () => 0 })({ mappings: ['echo'] });
  const list = () => sim.objects.list('getambassador.io/v2', 'Mapping', ns) as unknown as KubeObject[];
  return {
    router,
    ctx,
    kube: Object.assign(Object.create(kube) as KubeObjectClient, kube, { all: list }),
    foreignObjects: list(),
    readWeight: async () => (sim.objects.get('getambassador.io/v2', 'Mapping', 'echo-canary', ns)?.['spec'] as { weight?: number } | undefined)?.weight ?? 0,
    removeBackend: async () => {
      sim.objects.delete('getambassador.io/v2', 'Mapping', 'echo', ns);
    },
  };
});
