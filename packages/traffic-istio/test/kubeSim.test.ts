// The Istio router against kube-sim over HTTP, through @rollouts/k8s's KubeObjectClient, with the Istio
// CustomResourceDefinitions registered (structural, spec preserved) and the Argo CRDs for the Rollout.
import * as fs from 'node:fs';
import * as path from 'node:path';
import YAML from 'yaml';
import * as E from 'fp-ts/lib/Either';
import type { IstioTrafficRouting, Rollout } from '@rollouts/api';
import { startKubeSim, type KubeSim, type KubeObject as SimObject } from '@rollouts/kube-sim';
import { createKubeObjectClient, loadKubeConfig } from '@rollouts/k8s';
import type { KubeObject, KubeObjectClient, ObjectRef, PluginError, RoutingContext, TrafficRouter } from '@rollouts/plugin-sdk';
import { describeRouterConformance, eventually, expectRight as ok, silentLogger } from '@rollouts/plugin-sdk/testing';
import { istioRouter } from '../src';

const API = 'networking.istio.io/v1alpha3';
const log = silentLogger;

function istioCrd(kind: string, plural: string): SimObject {
  const schema = { openAPIV3Schema: { type: 'object', properties: { spec: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true }, status: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } } } };
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${plural}.networking.istio.io` },
    spec: {
      group: 'networking.istio.io',
      scope: 'Namespaced',
      names: { plural, singular: kind.toLowerCase(), kind, listKind: `${kind}List` },
      versions: ['v1alpha3', 'v1beta1', 'v1'].map((name) => ({ name, served: true, storage: name === 'v1alpha3', subresources: { status: {} }, schema })),
    },
  };
}

function argoCrds(): SimObject[] {
  const dir = path.join(__dirname, '../../api/crds');
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.argoproj.io.yaml'))
    .map((f) => YAML.parse(fs.readFileSync(path.join(dir, f), 'utf8')) as SimObject);
}


let sim: KubeSim;
let kube: KubeObjectClient;
beforeAll(async () => {
  sim = await startKubeSim({ objects: [...argoCrds(), istioCrd('VirtualService', 'virtualservices'), istioCrd('DestinationRule', 'destinationrules')], namespaces: ['shop', 'mesh'] });
  kube = createKubeObjectClient(loadKubeConfig({ options: sim.kubeConfig }));
});
afterAll(async () => {
  await sim.stop();
});

const d = (host: string, weight: number, extra: Record<string, unknown> = {}) => ({ destination: { host, ...extra }, weight });
const port = { port: { number: 8080 } };
const adminRoute = { name: 'admin', match: [{ uri: { prefix: '/admin' } }], route: [{ destination: { host: 'admin' } }] };
const fallback = { name: 'fallback', route: [{ destination: { host: 'legacy' } }] };
const primary = (canary: number, stable: number) => ({ name: 'primary', route: [d('web-stable', stable, port), d('web-canary', canary, port)] });
const tcp = (canary: number, stable: number) => ({ match: [{ port: 5432 }], route: [d('web-stable', stable), d('web-canary', canary)] });

function rolloutObject(name: string, ns: string, istio: IstioTrafficRouting, managed: string[], services = true): KubeObject {
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Rollout',
    metadata: { name, namespace: ns },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'app', image: 'example/app:1' }] } },
      strategy: {
        canary: {
          ...(services ? { canaryService: 'web-canary', stableService: 'web-stable' } : {}),
          trafficRouting: { istio, managedRoutes: managed.map((n) => ({ name: n })) },
          steps: [{ setWeight: 20 }, { setHeaderRoute: { name: 'hdr', match: [{ headerName: 'x-canary', headerValue: { exact: 'yes' } }] } }, { setMirrorRoute: { name: 'mir', percentage: 10, match: [{ path: { prefix: '/' } }] } }, { setWeight: 50 }, { pause: {} }],
        },
      },
    },
  };
}

function context(rollout: KubeObject, canaryPodHash: string, stablePodHash: string): RoutingContext {
  const ro = rollout as unknown as Rollout;
  return {
    rollout: ro,
    namespace: rollout.metadata.namespace ?? '',
    canaryService: ro.spec.strategy?.canary?.canaryService ?? '',
    stableService: ro.spec.strategy?.canary?.stableService ?? '',
    canaryPodHash,
    stablePodHash,
    maxWeight: 100,
    signal: new AbortController().signal,
  };
}

const vsRef = (name: string, ns: string): ObjectRef => ({ apiVersion: API, kind: 'VirtualService', namespace: ns, name });
const specOf = async (ref: ObjectRef): Promise<Record<string, unknown>> => ((await ok(kube.get(ref)))?.['spec'] ?? {}) as Record<string, unknown>;

/** One SetWeight intent as the controller runs it: updateHash, then setWeight. */
async function setWeight(router: TrafficRouter, ctx: RoutingContext, w: number): Promise<void> {
  await ok(router.updateHash!(ctx, ctx.canaryPodHash, ctx.stablePodHash, []));
  await ok(router.setWeight(ctx, w, []));
}


describe('istio router on kube-sim, host-level split over two VirtualServices', () => {
  it('has the exact routes at every step, after abort, after promote and after the Rollout is deleted', async () => {
    const ns = 'shop';
    const cfg: IstioTrafficRouting = { virtualServices: [{ name: 'web-vs', routes: ['primary'] }, { name: 'web-db.mesh', tcpRoutes: [{ port: 5432 }] }] };
    const ro = await ok(kube.create(rolloutObject('web', ns, cfg, ['hdr', 'mir'])));
    await ok(kube.create({ apiVersion: API, kind: 'VirtualService', metadata: { name: 'web-vs', namespace: ns }, spec: { hosts: ['web'], http: [adminRoute, primary(0, 100), fallback] } }));
    await ok(kube.create({ apiVersion: API, kind: 'VirtualService', metadata: { name: 'web-db', namespace: 'mesh' }, spec: { hosts: ['db'], tcp: [tcp(0, 100)] } }));
    // a dependent of the Rollout, to see the garbage collector at work when the Rollout goes
    await ok(kube.create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'web-owned', namespace: ns, ownerReferences: [{ apiVersion: 'argoproj.io/v1alpha1', kind: 'Rollout', name: 'web', uid: ro.metadata.uid!, controller: true }] }, data: {} }));

    const router = istioRouter.make({ kube, log, now: () => Date.now() })(cfg);
    const ctx = context(ro, 'new111', 'old000');
    const hdr = { name: 'hdr', route: [{ destination: { host: 'web-canary', port: { number: 8080 } }, weight: 100 }], match: [{ headers: { 'x-canary': { exact: 'yes' } } }] };
    const mir = (c: number, s: number) => ({ name: 'mir', match: [{ uri: { prefix: '/' } }], route: primary(c, s).route, mirror: { host: 'web-canary', port: { number: 8080 } }, mirrorPercentage: { value: 10 } });
    const http = async () => (await specOf(vsRef('web-vs', ns)))['http'];
    const tcpRoutes = async () => (await specOf(vsRef('web-db', 'mesh')))['tcp'];

    const steps: Array<[string, () => Promise<unknown>, unknown[], unknown[]]> = [
      ['setWeight 0', () => setWeight(router, ctx, 0), [adminRoute, primary(0, 100), fallback], [tcp(0, 100)]],
      ['setWeight 20', () => setWeight(router, ctx, 20), [adminRoute, primary(20, 80), fallback], [tcp(20, 80)]],
      ['setHeaderRoute hdr', () => ok(router.setHeaderRoute!(ctx, { name: 'hdr', match: [{ headerName: 'x-canary', headerValue: { exact: 'yes' } }] })), [hdr, adminRoute, primary(20, 80), fallback], [tcp(20, 80)]],
      ['setMirrorRoute mir', () => ok(router.setMirrorRoute!(ctx, { name: 'mir', match: [{ path: { prefix: '/' } }], percentage: 10 })), [hdr, mir(20, 80), adminRoute, primary(20, 80), fallback], [tcp(20, 80)]],
      ['setWeight 50', () => setWeight(router, ctx, 50), [hdr, mir(50, 50), adminRoute, primary(50, 50), fallback], [tcp(50, 50)]],
      ['abort: setWeight 0', () => setWeight(router, ctx, 0), [hdr, mir(0, 100), adminRoute, primary(0, 100), fallback], [tcp(0, 100)]],
      ['abort: removeManagedRoutes', () => ok(router.removeManagedRoutes!(ctx)), [adminRoute, primary(0, 100), fallback], [tcp(0, 100)]],
      ['retry: setWeight 20', () => setWeight(router, ctx, 20), [adminRoute, primary(20, 80), fallback], [tcp(20, 80)]],
      ['last step: setWeight 100', () => setWeight(router, ctx, 100), [adminRoute, primary(100, 0), fallback], [tcp(100, 0)]],
      ['promoted: removeManagedRoutes', () => ok(router.removeManagedRoutes!(context(ro, 'new111', 'new111'))), [adminRoute, primary(100, 0), fallback], [tcp(100, 0)]],
      ['promoted: setWeight 0', () => setWeight(router, context(ro, 'new111', 'new111'), 0), [adminRoute, primary(0, 100), fallback], [tcp(0, 100)]],
    ];
    for (const [what, step, expectedHttp, expectedTcp] of steps) {
      await step();
      expect({ what, http: await http(), tcp: await tcpRoutes() }).toEqual({ what, http: expectedHttp, tcp: expectedTcp });
    }

    const before = [await specOf(vsRef('web-vs', ns)), await specOf(vsRef('web-db', 'mesh'))];
    await ok(kube.delete({ apiVersion: 'argoproj.io/v1alpha1', kind: 'Rollout', namespace: ns, name: 'web' }));
    await eventually('the Rollout\'s dependent garbage-collected', async () => (await ok(kube.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name: 'web-owned' }))) === undefined, { attempts: 250 });
    // The router never made the Rollout an owner of the user's VirtualServices: they stay, routes as left.
    expect([await specOf(vsRef('web-vs', ns)), await specOf(vsRef('web-db', 'mesh'))]).toEqual(before);
    expect((await ok(kube.get(vsRef('web-vs', ns))))?.metadata.ownerReferences).toBeUndefined();
  });

  it('after the Rollout is deleted mid-canary with a header route, release puts every VirtualService back on stable', async () => {
    const ns = 'shop-release';
    const cfg: IstioTrafficRouting = { virtualServices: [{ name: 'web-vs', routes: ['primary'] }, { name: 'web-db.mesh-release', tcpRoutes: [{ port: 5432 }] }] };
    for (const name of [ns, 'mesh-release']) await ok(kube.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } }));
    const ro = await ok(kube.create(rolloutObject('web', ns, cfg, ['hdr'])));
    await ok(kube.create({ apiVersion: API, kind: 'VirtualService', metadata: { name: 'web-vs', namespace: ns }, spec: { hosts: ['web'], http: [adminRoute, primary(0, 100), fallback] } }));
    await ok(kube.create({ apiVersion: API, kind: 'VirtualService', metadata: { name: 'web-db', namespace: 'mesh-release' }, spec: { hosts: ['db'], tcp: [tcp(0, 100)] } }));
    const router = istioRouter.make({ kube, log, now: () => Date.now() })(cfg);
    const ctx = context(ro, 'new111', 'old000');
    await setWeight(router, ctx, 30);
    await ok(router.setHeaderRoute!(ctx, { name: 'hdr', match: [{ headerName: 'x-canary', headerValue: { exact: 'yes' } }] }));
    await ok(kube.delete({ apiVersion: 'argoproj.io/v1alpha1', kind: 'Rollout', namespace: ns, name: 'web' }));
    await ok(router.release!(ctx));
    expect((await specOf(vsRef('web-vs', ns)))['http']).toEqual([adminRoute, primary(0, 100), fallback]);
    expect((await specOf(vsRef('web-db', 'mesh-release')))['tcp']).toEqual([tcp(0, 100)]);
  });

  it('a concurrent edit between read and write is a KubeConflict, and the other edit is kept', async () => {
    const ns = 'shop';
    const cfg: IstioTrafficRouting = { virtualService: { name: 'race-vs' } };
    await ok(kube.create({ apiVersion: API, kind: 'VirtualService', metadata: { name: 'race-vs', namespace: ns }, spec: { http: [primary(0, 100)] } }));
    const racing: KubeObjectClient = {
      ...kube,
      get: (ref) => async () => {
        const r = await kube.get(ref)();
        if (E.isRight(r) && r.right !== undefined) {
          const o = sim.objects.get(API, 'VirtualService', ref.name, ref.namespace)!;
          sim.objects.update({ ...o, spec: { ...(o['spec'] as object), hosts: ['edited'] } });
        }
        return r;
      },
    };
    const router = istioRouter.make({ kube: racing, log, now: () => 0 })(cfg);
    const r: E.Either<PluginError, void> = await router.setWeight(context(rolloutObject('race', ns, cfg, []), 'a', 'b'), 30, [])();
    expect(E.isLeft(r) ? r.left._tag : 'success').toBe('KubeConflict');
    expect(await specOf(vsRef('race-vs', ns))).toEqual({ http: [primary(0, 100)], hosts: ['edited'] });
  });
});

describe('istio router on kube-sim, subset-level split', () => {
  it('labels the DestinationRule subsets with the pod hashes through a canary, an abort and a promotion', async () => {
    const ns = 'shop';
    const cfg: IstioTrafficRouting = { virtualService: { name: 'sub-vs', routes: ['primary'] }, destinationRule: { name: 'sub-dr', canarySubsetName: 'canary', stableSubsetName: 'stable' } };
    const ro = await ok(kube.create(rolloutObject('sub', ns, cfg, ['hdr'], false)));
    const sub = (s: string, w: number) => d('sub', w, { subset: s });
    await ok(kube.create({ apiVersion: API, kind: 'VirtualService', metadata: { name: 'sub-vs', namespace: ns }, spec: { http: [{ name: 'primary', route: [sub('stable', 100), sub('canary', 0)] }] } }));
    await ok(kube.create({ apiVersion: API, kind: 'DestinationRule', metadata: { name: 'sub-dr', namespace: ns }, spec: { host: 'sub', subsets: [{ name: 'stable', labels: { app: 'sub' } }, { name: 'canary', labels: { app: 'sub' } }, { name: 'debug', labels: { track: 'debug' } }] } }));
    const router = istioRouter.make({ kube, log, now: () => 0 })(cfg);
    const drRef: ObjectRef = { apiVersion: API, kind: 'DestinationRule', namespace: ns, name: 'sub-dr' };
    const subsets = (canary: string, stable: string) => [
      { name: 'stable', labels: { app: 'sub', 'rollouts-pod-template-hash': stable } },
      { name: 'canary', labels: { app: 'sub', 'rollouts-pod-template-hash': canary } },
      { name: 'debug', labels: { track: 'debug' } },
    ];
    const state = async () => ({ http: (await specOf(vsRef('sub-vs', ns)))['http'], subsets: (await specOf(drRef))['subsets'] });

    await setWeight(router, context(ro, 'new111', 'old000'), 30);
    expect(await state()).toEqual({ http: [{ name: 'primary', route: [sub('stable', 70), sub('canary', 30)] }], subsets: subsets('new111', 'old000') });
    expect((await ok(kube.get(drRef)))?.metadata.annotations).toEqual({ 'argo-rollouts.argoproj.io/managed-by-rollouts': 'sub' });

    await setWeight(router, context(ro, 'new111', 'old000'), 0);
    await ok(router.removeManagedRoutes!(context(ro, 'new111', 'old000')));
    expect(await state()).toEqual({ http: [{ name: 'primary', route: [sub('stable', 100), sub('canary', 0)] }], subsets: subsets('new111', 'old000') });

    await setWeight(router, context(ro, 'new111', 'old000'), 100);
    await setWeight(router, context(ro, 'new111', 'new111'), 0);
    expect(await state()).toEqual({ http: [{ name: 'primary', route: [sub('stable', 100), sub('canary', 0)] }], subsets: subsets('new111', 'new111') });
  });
});

// The shared router contract, on kube-sim: a fresh namespace per check.
let worlds = 0;
describeRouterConformance(
  'istio (kube-sim)',
  async () => {
    worlds += 1;
    const ns = `conf-${worlds}`;
    await ok(kube.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } }));
    const cfg: IstioTrafficRouting = { virtualService: { name: 'web-vs', routes: ['primary'] }, destinationRule: { name: 'web-dr', canarySubsetName: 'canary', stableSubsetName: 'stable' } };
    const sub = (s: string, w: number) => d('web', w, { subset: s });
    await ok(kube.create({ apiVersion: API, kind: 'VirtualService', metadata: { name: 'web-vs', namespace: ns }, spec: { http: [adminRoute, { name: 'primary', route: [sub('stable', 100), sub('canary', 0)] }] } }));
    await ok(kube.create({ apiVersion: API, kind: 'DestinationRule', metadata: { name: 'web-dr', namespace: ns }, spec: { host: 'web', subsets: [{ name: 'stable' }, { name: 'canary' }] } }));
    const neighbour = await ok(kube.create({ apiVersion: API, kind: 'VirtualService', metadata: { name: 'neighbour', namespace: ns }, spec: { http: [{ route: [d('elsewhere', 100)] }] } }));
    const ro = rolloutObject('web', ns, cfg, [], false);
    return {
      router: istioRouter.make({ kube, log, now: () => 0 })(cfg),
      ctx: context(ro, 'new111', 'old000'),
      kube: {
        ...kube,
        all: async () => [...(await ok(kube.list({ apiVersion: API, kind: 'VirtualService', namespace: ns }))), ...(await ok(kube.list({ apiVersion: API, kind: 'DestinationRule', namespace: ns })))],
      },
      foreignObjects: [neighbour],
      readWeight: async () => {
        const http = (await specOf(vsRef('web-vs', ns)))['http'] as Array<{ name?: string; route: Array<{ destination: { subset?: string }; weight: number }> }>;
        return http.find((r) => r.name === 'primary')?.route.find((x) => x.destination.subset === 'canary')?.weight;
      },
      removeBackend: async () => {
        await ok(kube.delete(vsRef('web-vs', ns)));
      },
    };
  },
  { timeoutMs: 20000 },
);
