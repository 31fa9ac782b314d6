// The nginx router against kube-sim: real Ingress objects over HTTP, the Rollout CRD registered, and the
// garbage collector on (the canary Ingress goes with its Rollout).
import * as fs from 'node:fs';
import * as path from 'node:path';
import YAML from 'yaml';
import type { Rollout } from '@rollouts/api';
import { createKubeObjectClient, loadKubeConfig } from '@rollouts/k8s';
import { startKubeSim, type KubeSim, type KubeObject as SimObject } from '@rollouts/kube-sim';
import type { KubeObject, KubeObjectClient, RoutingContext } from '@rollouts/plugin-sdk';
import { describeRouterConformance, eventually, expectRight as ok, silentLogger } from '@rollouts/plugin-sdk/testing';
import { nginxRouter } from '../src';

const P = 'nginx.ingress.kubernetes.io';
const quiet = silentLogger;
const rolloutCrd = YAML.parse(fs.readFileSync(path.join(__dirname, '../../api/crds/rollouts.argoproj.io.yaml'), 'utf8')) as SimObject;

let sim: KubeSim;
let kube: KubeObjectClient;
let namespaces = 0;
beforeAll(async () => {
  sim = await startKubeSim({ objects: [rolloutCrd], workloads: { pods: false, replicaSets: false, deployments: false, jobs: false, endpoints: false, namespaces: false, garbageCollector: true } });
  kube = createKubeObjectClient(loadKubeConfig({ options: sim.kubeConfig }));
});
afterAll(async () => {
  await sim.stop();
});

const ingress = (ns: string, name: string, service: string, extra: Record<string, unknown> = {}): SimObject => ({
  apiVersion: 'networking.k8s.io/v1',
  kind: 'Ingress',
  metadata: { name, namespace: ns, ...extra },
  spec: {
    ingressClassName: 'nginx',
    rules: [{ host: `${name}.example.com`, http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: service, port: { number: 80 } } } }] } }],
  },
});

/** A namespace with a Rollout (for its uid) and the stable Ingresses. */
function freshWorld(maxTrafficWeight?: number): { ns: string; ctx: RoutingContext } {
  const ns = `nginx-${++namespaces}`;
  sim.objects.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
  const trafficRouting = { nginx: { stableIngress: 'web' }, managedRoutes: [{ name: 'beta' }], ...(maxTrafficWeight !== undefined ? { maxTrafficWeight } : {}) };
  const created = sim.objects.create({
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Rollout',
    metadata: { name: 'web', namespace: ns },
    spec: {
      selector: { matchLabels: { app: 'web' } },
      template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'web:1' }] } },
      strategy: { canary: { canaryService: 'web-canary', stableService: 'web-stable', trafficRouting, steps: [{ setWeight: 20 }, { pause: {} }] } },
    },
  });
  sim.objects.create(ingress(ns, 'web', 'web-stable', { annotations: { 'kubernetes.io/ingress.class': 'nginx' } }));
  sim.objects.create(ingress(ns, 'web-internal', 'web-stable'));
  sim.objects.create(ingress(ns, 'api', 'api'));
  const rollout = created as unknown as Rollout;
  return { ns, ctx: { rollout, namespace: ns, canaryService: 'web-canary', stableService: 'web-stable', canaryPodHash: 'c', stablePodHash: 's', maxWeight: maxTrafficWeight ?? 100, signal: new AbortController().signal } };
}

const annotationsOf = (ns: string, name: string) => sim.objects.get('networking.k8s.io/v1', 'Ingress', name, ns)?.metadata.annotations;

describe('nginx router on kube-sim', () => {
  it('walks a canary: exact annotations at every step, after abort, after promote, and after the Rollout is deleted', async () => {
    const { ns, ctx } = freshWorld(1000);
    const router = nginxRouter.make({ kube, log: quiet, now: () => 0 })({ stableIngresses: ['web', 'web-internal'], additionalIngressAnnotations: { 'canary-by-cookie': 'beta' } });
    const stableBefore = JSON.stringify(sim.objects.get('networking.k8s.io/v1', 'Ingress', 'web', ns));
    const base = { [`${P}/canary`]: 'true', [`${P}/canary-weight-total`]: '1000', [`${P}/canary-by-cookie`]: 'beta' };

    await ok(router.setWeight(ctx, 200, []));
    expect(annotationsOf(ns, 'web-web-canary')).toEqual({ ...base, 'kubernetes.io/ingress.class': 'nginx', [`${P}/canary-weight`]: '200' });
    expect(annotationsOf(ns, 'web-web-internal-canary')).toEqual({ ...base, [`${P}/canary-weight`]: '200' });
    const canary = sim.objects.get('networking.k8s.io/v1', 'Ingress', 'web-web-canary', ns)!;
    expect(canary.metadata.ownerReferences).toEqual([expect.objectContaining({ kind: 'Rollout', name: 'web', uid: ctx.rollout.metadata?.uid, controller: true })]);
    expect(canary['spec']).toMatchObject({ ingressClassName: 'nginx', rules: [{ host: 'web.example.com', http: { paths: [{ backend: { service: { name: 'web-canary' } } }] } }] });

    await ok(router.setHeaderRoute!(ctx, { name: 'beta', match: [{ headerName: 'x-beta', headerValue: { exact: 'on' } }] }));
    await ok(router.setWeight(ctx, 500, []));
    expect(annotationsOf(ns, 'web-web-canary')).toEqual({
      ...base,
      'kubernetes.io/ingress.class': 'nginx',
      [`${P}/canary-weight`]: '500',
      [`${P}/canary-by-header`]: 'x-beta',
      [`${P}/canary-by-header-value`]: 'on',
      'argo-rollouts.argoproj.io/canary-header-route': 'beta',
    });

    // abort: the controller removes managed routes and sets the abort weight (0)
    await ok(router.removeManagedRoutes!(ctx));
    await ok(router.setWeight(ctx, 0, []));
    expect(annotationsOf(ns, 'web-web-canary')).toEqual({ ...base, 'kubernetes.io/ingress.class': 'nginx', [`${P}/canary-weight`]: '0' });

    // retry and promote: max weight after the last step, then fully promoted -> 0 and no managed routes
    await ok(router.setWeight(ctx, 1000, []));
    expect(annotationsOf(ns, 'web-web-internal-canary')?.[`${P}/canary-weight`]).toBe('1000');
    await ok(router.removeManagedRoutes!(ctx));
    await ok(router.setWeight(ctx, 0, []));
    expect(annotationsOf(ns, 'web-web-internal-canary')).toEqual({ ...base, [`${P}/canary-weight`]: '0' });

    expect(JSON.stringify(sim.objects.get('networking.k8s.io/v1', 'Ingress', 'web', ns))).toBe(stableBefore);

    sim.objects.delete('argoproj.io/v1alpha1', 'Rollout', 'web', ns);
    await eventually('the canary Ingress garbage-collected', () => sim.objects.list('networking.k8s.io/v1', 'Ingress', ns).every((o) => !(o.metadata.name ?? '').endsWith('-canary')));
    expect(sim.objects.list('networking.k8s.io/v1', 'Ingress', ns).map((o) => o.metadata.name).sort()).toEqual(['api', 'web', 'web-internal']);
  });

  it('refuses to take over a canary Ingress it does not own, and reports a missing stable Ingress, as values', async () => {
    const { ns, ctx } = freshWorld();
    sim.objects.create(ingress(ns, 'web-web-canary', 'someone'));
    const router = nginxRouter.make({ kube, log: quiet, now: () => 0 })({ stableIngress: 'web' });
    expect(await router.setWeight(ctx, 10, [])()).toMatchObject({ left: { _tag: 'RouterMisconfigured', message: 'canary ingress `web-web-canary` controlled by different object' } });
    const missing = nginxRouter.make({ kube, log: quiet, now: () => 0 })({ stableIngress: 'nope' });
    expect(await missing.setWeight(ctx, 10, [])()).toMatchObject({ left: { _tag: 'KubeNotFound' } });
  });
});

describeRouterConformance('nginx (kube-sim)', async () => {
  const { ns, ctx } = freshWorld();
  const router = nginxRouter.make({ kube, log: quiet, now: () => 0 })({ stableIngress: 'web' });
  const get = (name: string) => sim.objects.get('networking.k8s.io/v1', 'Ingress', name, ns) as unknown as KubeObject;
  return {
    router,
    ctx,
    kube: Object.assign(Object.create(kube) as KubeObjectClient, kube, { all: () => sim.objects.list('networking.k8s.io/v1', 'Ingress', ns) as unknown as KubeObject[] }),
    foreignObjects: [get('web'), get('web-internal'), get('api')],
    readWeight: async () => {
      const w = annotationsOf(ns, 'web-web-canary')?.[`${P}/canary-weight`];
      return w === undefined ? undefined : Number(w);
    },
    removeBackend: async () => {
      sim.objects.delete('networking.k8s.io/v1', 'Ingress', 'web', ns);
    },
  };
});
