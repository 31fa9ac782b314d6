// End-to-end: the first-party traffic routers (nginx, smi, istio) driven by the controller (on kube-sim or the real target), with
// the TrafficSplit and Istio CRDs registered. Every version of the routed objects is recorded through a watch,
// so the assertions cover what was written in between the samples too.
import type { ResourceKind } from '@rollouts/k8s';
import type { KubeObject } from '@rollouts/kube-sim';
import { istioRouter } from '@rollouts/traffic-istio';
import { nginxRouter } from '@rollouts/traffic-nginx';
import { smiRouter } from '@rollouts/traffic-smi';
import { trafficSplitCrd } from '@rollouts/traffic-smi/testing';
import { canaryRollout, deploy, promote, Resources, selectedHash, setImage, startEnv, waitFor, waitHealthy, waitStatus, type Env } from './harness';

jest.setTimeout(60_000);

const NGINX = 'nginx.ingress.kubernetes.io';
const SPLIT_API = 'split.smi-spec.io/v1alpha1';
const ISTIO_API = 'networking.istio.io/v1alpha3';
const TRAFFIC_SPLITS: ResourceKind = { group: 'split.smi-spec.io', version: 'v1alpha1', plural: 'trafficsplits', kind: 'TrafficSplit', namespaced: true };
const VIRTUAL_SERVICES: ResourceKind = { group: 'networking.istio.io', version: 'v1alpha3', plural: 'virtualservices', kind: 'VirtualService', namespaced: true };

/** An Istio CRD whose spec is kept as it is. */
function istioCrd(kind: string, plural: string): KubeObject {
  const schema = { openAPIV3Schema: { type: 'object', properties: { spec: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } } } };
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${plural}.networking.istio.io` },
    spec: { group: 'networking.istio.io', scope: 'Namespaced', names: { plural, singular: kind.toLowerCase(), kind, listKind: `${kind}List` }, versions: [{ name: 'v1alpha3', served: true, storage: true, schema }] },
  };
}

/** Every ADDED/MODIFIED version of one kind in the test namespace, as a watch over HTTP delivers them. */
interface Recorder {
  readonly seen: KubeObject[];
  stop(): Promise<void>;
}

async function record(env: Env, kind: ResourceKind): Promise<Recorder> {
  const seen: KubeObject[] = [];
  const watch = await env.watch(kind, (ev) => {
    if (ev.type === 'ADDED' || ev.type === 'MODIFIED') seen.push(ev.object);
  });
  return { seen, stop: () => watch.stop() };
}

/**
 * The same JSON, whatever the order of object keys (a real API server sends a custom resource's keys sorted,
 * not in the order they were written).
 */
function sameJson(a: unknown, b: unknown): boolean {
  try {
    expect(a).toEqual(b);
    return true;
  } catch {
    return false;
  }
}

/** Consecutive repeats collapsed. */
const changes = <A>(xs: readonly A[]): A[] => xs.filter((x, i) => i === 0 || !sameJson(x, xs[i - 1]));

let env: Env;
beforeAll(async () => {
  env = await startEnv({
    readinessDelayMs: 30,
    controller: { trafficRouters: [nginxRouter, smiRouter({ apiVersion: SPLIT_API }), istioRouter] },
    crds: [trafficSplitCrd([SPLIT_API]) as KubeObject, istioCrd('VirtualService', 'virtualservices')],
    watch: [TRAFFIC_SPLITS, VIRTUAL_SERVICES],
  });
});
afterAll(async () => {
  await env?.stop();
});

const ingress = (name: string, service: string) => ({
  apiVersion: 'networking.k8s.io/v1',
  kind: 'Ingress',
  metadata: { name },
  spec: { ingressClassName: 'nginx', rules: [{ host: `${name}.example.com`, http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: service, port: { number: 80 } } } }] } }] },
});

describe('NGINX and SMI on one Rollout', () => {
  const name = 'duo';
  const canaryIngress = 'duo-duo-ingress-canary';
  const nginxWeight = (o: KubeObject | undefined): number | undefined => {
    const w = o?.metadata.annotations?.[`${NGINX}/canary-weight`];
    return w === undefined ? undefined : Number(w);
  };
  type Backends = Array<{ service: string; weight: number | string }>;
  const backendsOf = (o: KubeObject | undefined): Backends | undefined => (o?.['spec'] as { backends?: Backends } | undefined)?.backends;
  const splitWeight = (o: KubeObject | undefined): number | undefined => {
    const w = backendsOf(o)?.find((b) => b.service === `${name}-canary`)?.weight;
    return w === undefined ? undefined : Number(w);
  };
  const currentIngress = () => env.objects.get('networking.k8s.io/v1', 'Ingress', canaryIngress, env.ns);
  const currentSplit = () => env.objects.get(SPLIT_API, 'TrafficSplit', name, env.ns);
  /** Both routers carry `w` (and the TrafficSplit gives stable the rest). */
  const bothAt = (w: number) => {
    expect({ nginx: nginxWeight(currentIngress()), smi: backendsOf(currentSplit()) }).toEqual({
      nginx: w,
      smi: [
        { service: `${name}-canary`, weight: String(w) },
        { service: `${name}-stable`, weight: String(100 - w) },
      ],
    });
  };

  test('every setWeight step moves both the canary Ingress and the TrafficSplit; promotion brings both back to 0', async () => {
    await env.api.create(Resources.ingresses, ingress('duo-ingress', `${name}-stable`));
    const ingresses = await record(env, Resources.ingresses);
    const splits = await record(env, TRAFFIC_SPLITS);
    try {
      const ro = canaryRollout(name, [{ setWeight: 20 }, { pause: {} }, { setWeight: 50 }, { pause: {} }], {
        canary: { trafficRouting: { nginx: { stableIngress: 'duo-ingress' }, smi: {} }, scaleDownDelaySeconds: 1 },
      });
      const first = await deploy(env, ro, [`${name}-canary`, `${name}-stable`]);
      const h1 = first.status!.stableRS!;
      // Both objects exist from the first revision on, owned by the Rollout, at weight 0.
      await waitFor('canary Ingress and TrafficSplit at 0', () => nginxWeight(currentIngress()) === 0 && splitWeight(currentSplit()) === 0, 5_000, () => ({ ingress: currentIngress(), split: currentSplit() }));
      bothAt(0);
      for (const o of [currentIngress(), currentSplit()]) expect(o?.metadata.ownerReferences).toEqual([expect.objectContaining({ kind: 'Rollout', name, uid: first.metadata.uid, controller: true })]);
      expect(currentIngress()?.['spec']).toMatchObject({ rules: [{ http: { paths: [{ backend: { service: { name: `${name}-canary` } } }] } }] });
      // The stable Ingress is read, never written.
      expect(env.objects.get('networking.k8s.io/v1', 'Ingress', 'duo-ingress', env.ns)?.metadata.annotations).toBeUndefined();

      await setImage(env, name, 'demo:2');
      const at20 = await waitStatus(env, name, 'paused after setWeight 20', (s) => s.currentPodHash !== h1 && s.currentStepIndex === 1 && (s.pauseConditions ?? []).length > 0);
      const h2 = at20.status!.currentPodHash!;
      bothAt(20);
      expect(selectedHash(env, `${name}-canary`)).toBe(h2);
      expect(selectedHash(env, `${name}-stable`)).toBe(h1);

      await promote(env, name);
      await waitStatus(env, name, 'paused after setWeight 50', (s) => s.currentStepIndex === 3 && (s.pauseConditions ?? []).length > 0);
      bothAt(50);

      await promote(env, name);
      const done = await waitHealthy(env, name);
      expect(done.status!.stableRS).toBe(h2);
      await waitFor('both weights back to 0', () => nginxWeight(currentIngress()) === 0 && splitWeight(currentSplit()) === 0, 5_000, () => ({ ingress: currentIngress(), split: currentSplit() }));
      bothAt(0);
      expect(selectedHash(env, `${name}-stable`)).toBe(h2);
      expect(selectedHash(env, `${name}-canary`)).toBe(h2);
    } finally {
      await ingresses.stop();
      await splits.stop();
    }
    // Every version written, in order: the same weights through both routers, 100 before the promotion's 0.
    const nginxSeq = changes(ingresses.seen.filter((o) => o.metadata.name === canaryIngress).map(nginxWeight));
    const smiSeq = changes(splits.seen.filter((o) => o.metadata.name === name).map(splitWeight));
    expect(nginxSeq).toEqual([0, 20, 50, 100, 0]);
    expect(smiSeq).toEqual(nginxSeq);
  });
});

describe('Istio header and mirror routes', () => {
  const name = 'mesh';
  const port = { port: { number: 80 } };
  const dest = (host: string, weight: number) => ({ destination: { host, ...port }, weight });
  const adminRoute = { name: 'admin', match: [{ uri: { prefix: '/admin' } }], route: [{ destination: { host: 'admin' } }] };
  const fallback = { name: 'fallback', route: [{ destination: { host: 'legacy' } }] };
  const primary = (canary: number) => ({ name: 'primary', route: [dest(`${name}-stable`, 100 - canary), dest(`${name}-canary`, canary)] });
  const hdr = { name: 'hdr', match: [{ headers: { 'x-canary': { exact: 'yes' } } }], route: [{ destination: { host: `${name}-canary`, ...port }, weight: 100 }] };
  const mir = (canary: number) => ({ name: 'mir', match: [{ uri: { prefix: '/api' } }], route: primary(canary).route, mirror: { host: `${name}-canary`, ...port }, mirrorPercentage: { value: 25 } });
  type Route = { name?: string };
  const httpOf = (o: KubeObject | undefined): Route[] => ((o?.['spec'] as { http?: Route[] } | undefined)?.http ?? []);
  const currentVs = () => env.objects.get(ISTIO_API, 'VirtualService', 'mesh-vs', env.ns);

  test('managed routes come first in managedRoutes order while their steps are active, foreign routes keep their order, all removed at the end', async () => {
    await env.api.create(VIRTUAL_SERVICES, { apiVersion: ISTIO_API, kind: 'VirtualService', metadata: { name: 'mesh-vs' }, spec: { hosts: [name], http: [adminRoute, primary(0), fallback] } });
    const vss = await record(env, VIRTUAL_SERVICES);
    try {
      // The mirror step comes before the header step, managedRoutes lists them the other way round.
      const ro = canaryRollout(
        name,
        [
          { setWeight: 20 },
          { setMirrorRoute: { name: 'mir', percentage: 25, match: [{ path: { prefix: '/api' } }] } },
          { pause: {} },
          { setHeaderRoute: { name: 'hdr', match: [{ headerName: 'x-canary', headerValue: { exact: 'yes' } }] } },
          { pause: {} },
          { setWeight: 60 },
          { pause: {} },
        ],
        { canary: { trafficRouting: { istio: { virtualService: { name: 'mesh-vs', routes: ['primary'] } }, managedRoutes: [{ name: 'hdr' }, { name: 'mir' }] }, scaleDownDelaySeconds: 1 } },
      );
      const first = await deploy(env, ro, [`${name}-canary`, `${name}-stable`]);
      const h1 = first.status!.stableRS!;
      expect(httpOf(currentVs())).toEqual([adminRoute, primary(0), fallback]);

      await setImage(env, name, 'demo:2');
      await waitStatus(env, name, 'paused after the mirror step', (s) => s.currentPodHash !== h1 && s.currentStepIndex === 2 && (s.pauseConditions ?? []).length > 0);
      expect(httpOf(currentVs())).toEqual([mir(20), adminRoute, primary(20), fallback]);

      await promote(env, name);
      await waitStatus(env, name, 'paused after the header step', (s) => s.currentStepIndex === 4 && (s.pauseConditions ?? []).length > 0);
      // hdr was added after mir, but managedRoutes puts it first.
      expect(httpOf(currentVs())).toEqual([hdr, mir(20), adminRoute, primary(20), fallback]);

      await promote(env, name);
      await waitStatus(env, name, 'paused after setWeight 60', (s) => s.currentStepIndex === 6 && (s.pauseConditions ?? []).length > 0);
      // The mirror route follows the weights of the route it copies.
      expect(httpOf(currentVs())).toEqual([hdr, mir(60), adminRoute, primary(60), fallback]);

      await promote(env, name);
      await waitHealthy(env, name);
      await waitFor('managed routes removed and weight 0', () => sameJson(httpOf(currentVs()), [adminRoute, primary(0), fallback]), 5_000, () => httpOf(currentVs()));
    } finally {
      await vss.stop();
    }
    // In every version written: managed routes first, in managedRoutes order; foreign routes in their order.
    const versions = vss.seen.filter((o) => o.metadata.name === 'mesh-vs').map((o) => httpOf(o).map((r) => r.name));
    expect(versions.length).toBeGreaterThan(3);
    for (const names of versions) {
      const managed: Array<string | undefined> = names.filter((n) => n === 'hdr' || n === 'mir');
      expect({ names, head: names.slice(0, managed.length) }).toEqual({ names, head: ['hdr', 'mir'].filter((n) => managed.includes(n)) });
      expect(names.slice(managed.length)).toEqual(['admin', 'primary', 'fallback']);
    }
    // Mirror alone, then header + mirror, then neither.
    expect(changes(versions.map((n) => n.filter((x) => x === 'hdr' || x === 'mir')))).toEqual([[], ['mir'], ['hdr', 'mir'], []]);
  });
});

describe('a setMirrorRoute step on the NGINX router', () => {
  const name = 'mirrorless';
  const invalidSpec = () =>
    waitStatus(env, name, 'InvalidSpec', (s) => s.conditions?.some((c) => c.type === 'InvalidSpec' && c.status === 'True') === true).then((ro) => ({
      ro,
      cond: ro.status!.conditions!.find((c) => c.type === 'InvalidSpec')!,
    }));

  test('is rejected as InvalidSpec naming the step; the Rollout is Degraded and nothing is created', async () => {
    await env.api.create(Resources.ingresses, ingress('mirrorless-ingress', `${name}-stable`));
    const ro = canaryRollout(name, [{ setWeight: 20 }, { setMirrorRoute: { name: 'copy', percentage: 50 } }, { pause: {} }], {
      canary: { trafficRouting: { nginx: { stableIngress: 'mirrorless-ingress' }, managedRoutes: [{ name: 'copy' }] } },
    });
    for (const s of [`${name}-canary`, `${name}-stable`]) await env.api.create(Resources.services, { apiVersion: 'v1', kind: 'Service', metadata: { name: s }, spec: { selector: { app: name }, ports: [{ name: 'http', port: 80, targetPort: 8080 }] } });
    await env.api.create(Resources.rollouts, ro);
    const { ro: invalid, cond } = await invalidSpec();
    expect(cond.reason).toBe('InvalidSpec');
    expect(cond.message).toContain('spec.strategy.canary.steps[1].setMirrorRoute');
    expect(invalid.status!.phase).toBe('Degraded');
    expect(env.api.list<KubeObject>(Resources.replicaSets).some((rs) => (rs.metadata.name ?? '').startsWith(`${name}-`))).toBe(false);
    expect(env.objects.get('networking.k8s.io/v1', 'Ingress', `${name}-mirrorless-ingress-canary`, env.ns)).toBeUndefined();
  });

  // The condition lists every problem: after upstream's spec rule (which names no router) comes the
  // capability problem naming the router. Neither the Rollout's nor the Ingress's name contains "nginx".
  test('the InvalidSpec message names the nginx router', async () => {
    const { cond } = await invalidSpec();
    expect(cond.message).toContain('steps[1].setMirrorRoute');
    expect(cond.message).toContain('nginx');
  });
});
