// The apisix router against kube-sim with the published ApisixRoute CRD (apisix-ingress-controller v1.8.3), so
// every ApisixRoute it writes passes that CRD's schema; the Rollout CRD and the garbage collector make the header
// route go with its Rollout.
import * as fs from 'node:fs';
import * as path from 'node:path';
import YAML from 'yaml';
import type { Rollout } from '@rollouts/api';
import { createKubeObjectClient, loadKubeConfig } from '@rollouts/k8s';
import { startKubeSim, type KubeSim, type KubeObject as SimObject } from '@rollouts/kube-sim';
import type { KubeObject, KubeObjectClient, RoutingContext } from '@rollouts/plugin-sdk';
import { describeRouterConformance, eventually, expectRight as ok, silentLogger } from '@rollouts/plugin-sdk/testing';
import { apisixRouter } from '../src';
import { apisixRouteCrd } from '../src/testing';

const API = 'apisix.apache.org/v2';
const rolloutCrd = YAML.parse(fs.readFileSync(path.join(__dirname, '../../api/crds/rollouts.argoproj.io.yaml'), 'utf8')) as SimObject;

let sim: KubeSim;
let kube: KubeObjectClient;
let namespaces = 0;
beforeAll(async () => {
  sim = await startKubeSim({ objects: [rolloutCrd, apisixRouteCrd() as SimObject], workloads: { pods: false, replicaSets: false, deployments: false, jobs: false, endpoints: false, namespaces: false, garbageCollector: true } });
  kube = createKubeObjectClient(loadKubeConfig({ options: sim.kubeConfig }));
});
afterAll(async () => {
  await sim.stop();
});

// The Argo Rollouts example's route (examples/apisix/route.yaml), rewritten.
const exampleRoute = (ns: string): SimObject => ({
  apiVersion: API,
  kind: 'ApisixRoute',
  metadata: { name: 'rollouts-apisix-route', namespace: ns },
  spec: {
    http: [
      {
        name: 'rollouts-apisix',
        match: { paths: ['/*'], methods: ['GET', 'POST', 'PUT', 'DELETE', 'PATCH'], hosts: ['rollouts-demo.apisix.local'] },
        backends: [
          { serviceName: 'web-stable', servicePort: 80 },
          { serviceName: 'web-canary', servicePort: 80 },
        ],
      },
    ],
  },
});

function freshWorld(): { ns: string; ctx: RoutingContext } {
  const ns = `apisix-${++namespaces}`;
  sim.objects.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
  sim.objects.create(exampleRoute(ns));
  const created = sim.objects.create({
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Rollout',
    metadata: { name: 'web', namespace: ns },
    spec: {
      selector: { matchLabels: { app: 'web' } },
      template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'web:1' }] } },
      strategy: {
        canary: {
          canaryService: 'web-canary',
          stableService: 'web-stable',
          trafficRouting: { apisix: { route: { name: 'rollouts-apisix-route', rules: ['rollouts-apisix'] } }, managedRoutes: [{ name: 'set-header' }] },
          steps: [{ setHeaderRoute: { name: 'set-header', match: [{ headerName: 'trace', headerValue: { exact: 'debug' } }] } }, { setWeight: 20 }],
        },
      },
    },
  });
  const rollout = created as unknown as Rollout;
  return { ns, ctx: { rollout, namespace: ns, canaryService: 'web-canary', stableService: 'web-stable', canaryPodHash: 'c', stablePodHash: 's', maxWeight: 100, signal: new AbortController().signal } };
}

const router = () => apisixRouter.make({ kube: createKubeObjectClient(loadKubeConfig({ options: sim.kubeConfig })), log: silentLogger, now: () => 0 })({ route: { name: 'rollouts-apisix-route', rules: ['rollouts-apisix'] } });

describe('apisix router on kube-sim (published ApisixRoute CRD)', () => {
  it('the CRD validates: a negative backend weight and an expr without op are refused', async () => {
    const { ns } = freshWorld();
    const bad = exampleRoute(ns);
    const rule = (bad['spec'] as { http: Array<Record<string, unknown>> }).http[0]!;
    const r1 = await kube.create({ ...(bad as KubeObject), metadata: { name: 'bad-1', namespace: ns }, spec: { http: [{ ...rule, backends: [{ serviceName: 'web-stable', servicePort: 80, weight: -1 }] }] } })();
    expect(r1).toEqual(expect.objectContaining({ _tag: 'Left', left: expect.objectContaining({ _tag: 'KubeRejected' }) }));
    const r2 = await kube.create({ ...(bad as KubeObject), metadata: { name: 'bad-2', namespace: ns }, spec: { http: [{ ...rule, match: { paths: ['/'], exprs: [{ subject: { scope: 'Header', name: 'h' }, value: 'v' }] } }] } })();
    expect(r2).toEqual(expect.objectContaining({ _tag: 'Left', left: expect.objectContaining({ _tag: 'KubeRejected' }) }));
  });

  it('weights, a header route accepted by the schema, removal, and the header route gone with the Rollout', async () => {
    const { ns, ctx } = freshWorld();
    const r = router();
    const backends = () => (sim.objects.get(API, 'ApisixRoute', 'rollouts-apisix-route', ns)?.['spec'] as { http: Array<{ backends: unknown }> }).http[0]!.backends;
    await ok(r.setWeight(ctx, 0, []));
    await ok(r.setHeaderRoute!(ctx, { name: 'set-header', match: [{ headerName: 'trace', headerValue: { exact: 'debug' } }, { headerName: 'x-ver', headerValue: { prefix: 'v2.' } }] }));
    const hdr = sim.objects.get(API, 'ApisixRoute', 'set-header', ns)!;
    expect(hdr.metadata.ownerReferences).toEqual([expect.objectContaining({ kind: 'Rollout', name: 'web', uid: ctx.rollout.metadata?.uid, controller: true })]);
    expect((hdr['spec'] as { http: unknown[] }).http).toEqual([
      {
        name: 'rollouts-apisix',
        priority: 1,
        match: {
          paths: ['/*'],
          methods: ['GET', 'POST', 'PUT', 'DELETE', 'PATCH'],
          hosts: ['rollouts-demo.apisix.local'],
          exprs: [
            { subject: { scope: 'Header', name: 'trace' }, op: 'Equal', value: 'debug' },
            { subject: { scope: 'Header', name: 'x-ver' }, op: 'RegexMatch', value: '^v2\\..*' },
          ],
        },
        backends: [{ serviceName: 'web-canary', servicePort: 80, weight: 100 }],
      },
    ]);
    await ok(r.setWeight(ctx, 20, []));
    expect(backends()).toEqual([
      { serviceName: 'web-stable', servicePort: 80, weight: 80 },
      { serviceName: 'web-canary', servicePort: 80, weight: 20 },
    ]);
    await ok(r.removeManagedRoutes(ctx));
    expect(sim.objects.get(API, 'ApisixRoute', 'set-header', ns)).toBeUndefined();

    await ok(r.setHeaderRoute!(ctx, { name: 'set-header', match: [{ headerName: 'trace', headerValue: { regex: 'de.*' } }] }));
    sim.objects.delete('argoproj.io/v1alpha1', 'Rollout', 'web', ns);
    await eventually('the header ApisixRoute garbage-collected', () => sim.objects.get(API, 'ApisixRoute', 'set-header', ns) === undefined);
    expect(sim.objects.get(API, 'ApisixRoute', 'rollouts-apisix-route', ns)).toBeDefined();
  });
});

describeRouterConformance('apisix (kube-sim, published CRD)', async () => {
  const { ns, ctx } = freshWorld();
  sim.objects.create({ ...exampleRoute(ns), metadata: { name: 'neighbour', namespace: ns } });
  const list = () => sim.objects.list(API, 'ApisixRoute', ns) as unknown as KubeObject[];
  const r = apisixRouter.make({ kube, log: silentLogger, now: () => 0 })({ route: { name: 'rollouts-apisix-route' } });
  // The conformance suite routes through the rule named like the route: give the example's rule that name.
  const base = sim.objects.get(API, 'ApisixRoute', 'rollouts-apisix-route', ns)!;
  const http = (base['spec'] as { http: Array<Record<string, unknown>> }).http.map((h) => ({ ...h, name: 'rollouts-apisix-route' }));
  sim.objects.update({ ...base, spec: { http } });
  return {
    router: r,
    ctx,
    kube: Object.assign(Object.create(kube) as KubeObjectClient, kube, { all: list }),
    foreignObjects: list().filter((o) => o.metadata.name === 'neighbour'),
    readWeight: async () => ((sim.objects.get(API, 'ApisixRoute', 'rollouts-apisix-route', ns)?.['spec'] as { http: Array<{ backends: Array<{ serviceName: string; weight?: number }> }> }).http[0]!.backends.find((b) => b.serviceName === 'web-canary')?.weight),
    removeBackend: async () => {
      sim.objects.delete(API, 'ApisixRoute', 'rollouts-apisix-route', ns);
    },
  };
});
