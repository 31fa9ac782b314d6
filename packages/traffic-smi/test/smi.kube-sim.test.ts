// The smi router against kube-sim: a TrafficSplit CRD serving v1alpha1, v1alpha2 and v1alpha3, the Rollout CRD,
// and the garbage collector (the TrafficSplit goes with its Rollout).
import * as fs from 'node:fs';
import * as path from 'node:path';
import YAML from 'yaml';
import type { Rollout } from '@rollouts/api';
import { createKubeObjectClient, loadKubeConfig } from '@rollouts/k8s';
import { startKubeSim, type KubeSim, type KubeObject as SimObject } from '@rollouts/kube-sim';
import type { KubeObject, KubeObjectClient, RoutingContext } from '@rollouts/plugin-sdk';
import { describeRouterConformance, eventually, expectRight as ok, silentLogger } from '@rollouts/plugin-sdk/testing';
import { smiRouter, type TrafficSplitApiVersion } from '../src';
import { trafficSplitCrd } from '../src/testing';

const quiet = silentLogger;
const rolloutCrd = YAML.parse(fs.readFileSync(path.join(__dirname, '../../api/crds/rollouts.argoproj.io.yaml'), 'utf8')) as SimObject;

let sim: KubeSim;
let kube: KubeObjectClient;
let namespaces = 0;
beforeAll(async () => {
  sim = await startKubeSim({ objects: [rolloutCrd, trafficSplitCrd() as SimObject], workloads: { pods: false, replicaSets: false, deployments: false, jobs: false, endpoints: false, namespaces: false, garbageCollector: true } });
  kube = createKubeObjectClient(loadKubeConfig({ options: sim.kubeConfig }));
});
afterAll(async () => {
  await sim.stop();
});

function freshWorld(): { ns: string; ctx: RoutingContext } {
  const ns = `smi-${++namespaces}`;
  sim.objects.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
  const created = sim.objects.create({
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Rollout',
    metadata: { name: 'web', namespace: ns },
    spec: {
      selector: { matchLabels: { app: 'web' } },
      template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'web:1' }] } },
      strategy: { canary: { canaryService: 'web-canary', stableService: 'web-stable', trafficRouting: { smi: { rootService: 'web' } }, steps: [{ setWeight: 20 }] } },
    },
  });
  const rollout = created as unknown as Rollout;
  return { ns, ctx: { rollout, namespace: ns, canaryService: 'web-canary', stableService: 'web-stable', canaryPodHash: 'c', stablePodHash: 's', maxWeight: 100, signal: new AbortController().signal } };
}


describe('smi router on kube-sim', () => {
  it.each<[TrafficSplitApiVersion, (w: number) => number | string]>([
    ['split.smi-spec.io/v1alpha1', (w) => String(w)],
    ['split.smi-spec.io/v1alpha2', (w) => w],
    ['split.smi-spec.io/v1alpha3', (w) => w],
  ])('%s: backends at every step, after abort, after promote, and gone with the Rollout', async (apiVersion, weight) => {
    const { ns, ctx } = freshWorld();
    const router = smiRouter({ apiVersion }).make({ kube, log: quiet, now: () => 0 })({ rootService: 'web' });
    const spec = () => sim.objects.get(apiVersion, 'TrafficSplit', 'web', ns)?.['spec'];
    const expected = (canary: number, exp: number, stable: number) => ({
      service: 'web',
      backends: [{ service: 'web-canary', weight: weight(canary) }, ...(exp > 0 ? [{ service: 'web-exp', weight: weight(exp) }] : []), { service: 'web-stable', weight: weight(stable) }],
    });

    await ok(router.setWeight(ctx, 20, []));
    expect(spec()).toEqual(expected(20, 0, 80));
    const split = sim.objects.get(apiVersion, 'TrafficSplit', 'web', ns)!;
    expect(split.metadata.ownerReferences).toEqual([expect.objectContaining({ kind: 'Rollout', name: 'web', uid: ctx.rollout.metadata?.uid, controller: true })]);
    await ok(router.setWeight(ctx, 40, [{ serviceName: 'web-exp', podTemplateHash: 'e', weight: 10 }]));
    expect(spec()).toEqual(expected(40, 10, 50));
    await ok(router.setWeight(ctx, 0, [])); // abort
    expect(spec()).toEqual(expected(0, 0, 100));
    await ok(router.setWeight(ctx, 100, [])); // promoted: all steps done
    expect(spec()).toEqual(expected(100, 0, 0));
    await ok(router.setWeight(ctx, 0, [])); // fully promoted: stable Service now selects the new pods
    expect(spec()).toEqual(expected(0, 0, 100));

    sim.objects.delete('argoproj.io/v1alpha1', 'Rollout', 'web', ns);
    await eventually('the TrafficSplit garbage-collected', () => sim.objects.get(apiVersion, 'TrafficSplit', 'web', ns) === undefined);
  });
});

describeRouterConformance('smi (kube-sim, v1alpha3)', async () => {
  const { ns, ctx } = freshWorld();
  sim.objects.create({ apiVersion: 'split.smi-spec.io/v1alpha3', kind: 'TrafficSplit', metadata: { name: 'api', namespace: ns }, spec: { service: 'api', backends: [{ service: 'api', weight: 100 }] } });
  const router = smiRouter({ apiVersion: 'split.smi-spec.io/v1alpha3' }).make({ kube, log: quiet, now: () => 0 })({});
  const list = () => sim.objects.list('split.smi-spec.io/v1alpha3', 'TrafficSplit', ns) as unknown as KubeObject[];
  return {
    router,
    ctx,
    kube: Object.assign(Object.create(kube) as KubeObjectClient, kube, { all: list }),
    foreignObjects: list().filter((o) => o.metadata.name === 'api'),
    readWeight: async () => (sim.objects.get('split.smi-spec.io/v1alpha3', 'TrafficSplit', 'web', ns)?.['spec'] as { backends: Array<{ weight: number }> } | undefined)?.backends[0]?.weight,
  };
});
