// End-to-end: the APISIX router driven by the controller (on kube-sim or the real target) with the ApisixRoute CRD
// published by apisix-ingress-controller v1.8.3, so every ApisixRoute written passes its schema. The objects are the
// Argo Rollouts example (examples/apisix) rewritten; every version of the ApisixRoutes is recorded through a watch.
import { resourcePath, type ResourceKind } from '@rollouts/k8s';
import type { KubeObject } from '@rollouts/kube-sim';
import { apisixRouter } from '@rollouts/traffic-apisix';
import { apisixRouteCrd } from '@rollouts/traffic-apisix/testing';
import { abort, canaryRollout, deploy, promote, selectedHash, setImage, startEnv, waitFor, waitHealthy, waitStatus, Resources, type Env } from './harness';

jest.setTimeout(90_000);

const API = 'apisix.apache.org/v2';
const APISIX_ROUTES: ResourceKind = { group: 'apisix.apache.org', version: 'v2', plural: 'apisixroutes', kind: 'ApisixRoute', namespaced: true };
const name = 'rollout-apisix-canary';
const canarySvc = `${name}-canary`;
const stableSvc = `${name}-stable`;
const ROUTE = 'rollouts-apisix-route';
const RULE = 'rollouts-apisix';
const HEADER_ROUTE = 'set-header';

let env: Env;
beforeAll(async () => {
  env = await startEnv({ readinessDelayMs: 30, controller: { trafficRouters: [apisixRouter] }, crds: [apisixRouteCrd() as KubeObject], watch: [APISIX_ROUTES] });
});
afterAll(async () => {
  await env?.stop();
});

/** Every ADDED/MODIFIED/DELETED version of the ApisixRoutes, in order. */
interface Seen {
  readonly type: string;
  readonly object: KubeObject;
}
async function record(): Promise<{ seen: Seen[]; stop(): Promise<void> }> {
  const seen: Seen[] = [];
  const watch = await env.watch(APISIX_ROUTES, (ev) => {
    if (ev.type === 'ADDED' || ev.type === 'MODIFIED' || ev.type === 'DELETED') seen.push({ type: ev.type, object: ev.object });
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

// examples/apisix/route.yaml, rewritten: backends name this Rollout's Services.
const match = { paths: ['/*'], methods: ['GET', 'POST', 'PUT', 'DELETE', 'PATCH'], hosts: ['rollouts-demo.apisix.local'] };
const route = {
  apiVersion: API,
  kind: 'ApisixRoute',
  metadata: { name: ROUTE },
  spec: {
    http: [
      {
        name: RULE,
        match,
        backends: [
          { serviceName: stableSvc, servicePort: 80 },
          { serviceName: canarySvc, servicePort: 80 },
        ],
      },
    ],
  },
};

// examples/apisix/rollout.yaml, rewritten: the example's first step holds both setCanaryScale and setHeaderRoute,
// which a step may not (one action per step), so they are two steps here; timed pauses last 1 s instead of 15 s.
const steps = [
  { setCanaryScale: { replicas: 1 } },
  { setHeaderRoute: { name: HEADER_ROUTE, match: [{ headerName: 'trace', headerValue: { exact: 'debug' } }] } },
  { pause: {} },
  { setWeight: 20 },
  { pause: {} },
  { setWeight: 40 },
  { pause: { duration: 1 } },
  { setWeight: 60 },
  { pause: { duration: 1 } },
  { setWeight: 80 },
  { pause: { duration: 1 } },
];
const rollout = canaryRollout(name, steps, {
  replicas: 5,
  canary: { trafficRouting: { managedRoutes: [{ name: HEADER_ROUTE }], apisix: { route: { name: ROUTE, rules: [RULE] } } }, scaleDownDelaySeconds: 1 },
});

type Backend = { serviceName: string; servicePort: number; weight?: number };
const rulesOf = (o: KubeObject | undefined): Array<{ name: string; priority?: number; match: Record<string, unknown>; backends: Backend[] }> => ((o?.['spec'] as { http?: [] } | undefined)?.http ?? []);
const current = (n: string) => env.objects.get(API, 'ApisixRoute', n, env.ns);
/** Canary weight of the base route's rule (undefined before the first write). */
const canaryWeight = (o: KubeObject | undefined): number | undefined => rulesOf(o)[0]?.backends.find((b) => b.serviceName === canarySvc)?.weight;
const weighed = (canary: number) => [
  { serviceName: stableSvc, servicePort: 80, weight: 100 - canary },
  { serviceName: canarySvc, servicePort: 80, weight: canary },
];
const headerRule = {
  name: RULE,
  priority: 1,
  match: { ...match, exprs: [{ subject: { scope: 'Header', name: 'trace' }, op: 'Equal', value: 'debug' }] },
  backends: [{ serviceName: canarySvc, servicePort: 80, weight: 100 }],
};
const pausedAt = (index: number) => (s: { currentStepIndex?: number; pauseConditions?: ReadonlyArray<unknown> | null }) => s.currentStepIndex === index && (s.pauseConditions ?? []).length > 0;

describe('APISIX: the Argo Rollouts example', () => {
  test('first deploy, an image change through every step and promote to Healthy; the header route lives from its step to the promotion', async () => {
    await env.api.create(APISIX_ROUTES, route);
    const rec = await record();
    let h1 = '';
    try {
      const first = await deploy(env, rollout, [canarySvc, stableSvc]);
      h1 = first.status!.stableRS!;
      await waitFor('the route at weight 0', () => canaryWeight(current(ROUTE)) === 0, 5_000, () => current(ROUTE));
      expect(rulesOf(current(ROUTE))).toEqual([{ name: RULE, match, backends: weighed(0) }]);
      expect(current(HEADER_ROUTE)).toBeUndefined();

      await setImage(env, name, 'demo:2');
      const atHeader = await waitStatus(env, name, 'paused after the header route step', (s) => s.currentPodHash !== h1 && pausedAt(2)(s));
      const h2 = atHeader.status!.currentPodHash!;
      await waitFor('the header ApisixRoute', () => current(HEADER_ROUTE), 5_000);
      const hdr = current(HEADER_ROUTE)!;
      expect(rulesOf(hdr)).toEqual([headerRule]);
      expect(hdr.metadata.ownerReferences).toEqual([expect.objectContaining({ kind: 'Rollout', name, uid: first.metadata.uid, controller: true })]);
      expect(rulesOf(current(ROUTE))[0]!.backends).toEqual(weighed(0));
      expect(selectedHash(env, canarySvc)).toBe(h2);

      await promote(env, name);
      await waitStatus(env, name, 'paused after setWeight 20', pausedAt(4));
      await waitFor('weight 20', () => canaryWeight(current(ROUTE)) === 20, 5_000, () => current(ROUTE));
      expect(rulesOf(current(ROUTE))[0]!.backends).toEqual(weighed(20));
      expect(rulesOf(current(HEADER_ROUTE))).toEqual([headerRule]);

      // setWeight 40, then timed pauses through 60 and 80, to the end.
      await promote(env, name);
      const done = await waitHealthy(env, name, 30_000);
      expect(done.status!.stableRS).toBe(h2);
      await waitFor('weight 0 and the header route removed', () => canaryWeight(current(ROUTE)) === 0 && current(HEADER_ROUTE) === undefined, 10_000, () => ({ route: current(ROUTE), header: current(HEADER_ROUTE) }));
      expect(rulesOf(current(ROUTE))).toEqual([{ name: RULE, match, backends: weighed(0) }]);
      expect(selectedHash(env, stableSvc)).toBe(h2);
    } finally {
      await rec.stop();
    }
    // Every version of the base route: the steps' weights in order, 100 after the last step, 0 once promoted.
    const base = rec.seen.filter((s) => s.object.metadata.name === ROUTE && s.type !== 'DELETED').map((s) => canaryWeight(s.object));
    expect(changes(base.filter((w) => w !== undefined))).toEqual([0, 20, 40, 60, 80, 100, 0]);
    // Stable always gets the rest; every version passed the published schema (the server accepted it).
    for (const s of rec.seen.filter((x) => x.object.metadata.name === ROUTE)) {
      const backends = rulesOf(s.object)[0]!.backends;
      if (backends.every((b) => b.weight !== undefined)) expect(backends.reduce((t, b) => t + (b.weight ?? 0), 0)).toBe(100);
    }
    // The header route: created once, never changed, deleted once.
    const header = rec.seen.filter((s) => s.object.metadata.name === HEADER_ROUTE);
    expect(header.map((s) => s.type)).toEqual(['ADDED', 'DELETED']);
    expect(rulesOf(header[0]!.object)).toEqual([headerRule]);
  });

  test('deleting the Rollout mid-update releases the route: everything to stable, the header route gone', async () => {
    const before = (await waitHealthy(env, name)).status!.stableRS!;
    await setImage(env, name, 'demo:3');
    await waitStatus(env, name, 'paused after the header route step again', (s) => s.currentPodHash !== before && pausedAt(2)(s));
    await promote(env, name);
    await waitStatus(env, name, 'paused after setWeight 20 again', pausedAt(4));
    await waitFor('weight 20 with the header route', () => canaryWeight(current(ROUTE)) === 20 && current(HEADER_ROUTE) !== undefined, 10_000, () => current(ROUTE));
    const res = await env.http.request('DELETE', resourcePath(Resources.rollouts, env.ns, name));
    expect(res.status).toBeLessThan(300);
    await waitFor('the route released', () => canaryWeight(current(ROUTE)) === 0 && current(HEADER_ROUTE) === undefined, 10_000, () => ({ route: current(ROUTE), header: current(HEADER_ROUTE) }));
    expect(rulesOf(current(ROUTE))).toEqual([{ name: RULE, match, backends: weighed(0) }]);
  });
});

describe('a setMirrorRoute step on the APISIX router', () => {
  test('is rejected as InvalidSpec naming the step and the router; nothing is written', async () => {
    const mirrored = 'mirrored';
    await env.api.create(APISIX_ROUTES, { ...route, metadata: { name: 'mirrored-route' } });
    for (const s of [`${mirrored}-canary`, `${mirrored}-stable`]) await env.api.create(Resources.services, { apiVersion: 'v1', kind: 'Service', metadata: { name: s }, spec: { selector: { app: mirrored }, ports: [{ name: 'http', port: 80, targetPort: 8080 }] } });
    const ro = canaryRollout(mirrored, [{ setWeight: 20 }, { setMirrorRoute: { name: 'copy', percentage: 50 } }, { pause: {} }], {
      canary: { trafficRouting: { apisix: { route: { name: 'mirrored-route', rules: [RULE] } }, managedRoutes: [{ name: 'copy' }] } },
    });
    await env.api.create(Resources.rollouts, ro);
    const invalid = await waitStatus(env, mirrored, 'InvalidSpec', (s) => s.conditions?.some((c) => c.type === 'InvalidSpec' && c.status === 'True') === true);
    const cond = invalid.status!.conditions!.find((c) => c.type === 'InvalidSpec')!;
    expect(cond.message).toContain('steps[1].setMirrorRoute');
    expect(cond.message).toContain('apisix');
    expect(rulesOf(current('mirrored-route'))[0]!.backends).toEqual(route.spec.http[0]!.backends);
  });
});

describe('APISIX: abort', () => {
  test('an abort removes the header route and sends everything back to stable', async () => {
    const n = 'aborted';
    const r = 'aborted-route';
    const backends = (canary?: number) => [
      { serviceName: `${n}-stable`, servicePort: 80, ...(canary !== undefined ? { weight: 100 - canary } : {}) },
      { serviceName: `${n}-canary`, servicePort: 80, ...(canary !== undefined ? { weight: canary } : {}) },
    ];
    await env.api.create(APISIX_ROUTES, { apiVersion: API, kind: 'ApisixRoute', metadata: { name: r }, spec: { http: [{ name: r, match: { paths: ['/*'] }, backends: backends() }] } });
    const ro = canaryRollout(n, [{ setWeight: 30 }, { setHeaderRoute: { name: 'aborted-header', match: [{ headerName: 'x-canary', headerValue: { prefix: 'yes' } }] } }, { pause: {} }], {
      canary: { trafficRouting: { apisix: { route: { name: r } }, managedRoutes: [{ name: 'aborted-header' }] }, scaleDownDelaySeconds: 1 },
    });
    const first = await deploy(env, ro, [`${n}-canary`, `${n}-stable`]);
    await setImage(env, n, 'demo:2');
    await waitStatus(env, n, 'paused after the header step', (s) => s.currentPodHash !== first.status!.stableRS && pausedAt(2)(s));
    await waitFor('weight 30 and the header route', () => sameJson(rulesOf(current(r))[0]?.backends, backends(30)) && current('aborted-header') !== undefined, 5_000, () => ({ route: current(r), header: current('aborted-header') }));
    expect(rulesOf(current('aborted-header'))[0]!.match).toEqual({ paths: ['/*'], exprs: [{ subject: { scope: 'Header', name: 'x-canary' }, op: 'RegexMatch', value: '^yes.*' }] });
    await abort(env, n);
    await waitStatus(env, n, 'Degraded after the abort', (s) => s.abort === true && s.phase === 'Degraded');
    await waitFor('weight 0 and the header route removed', () => sameJson(rulesOf(current(r))[0]?.backends, backends(0)) && current('aborted-header') === undefined, 10_000, () => ({ route: current(r), header: current('aborted-header') }));
  });
});
