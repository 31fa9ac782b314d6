// End-to-end: the Gateway API router driven by the controller, on kube-sim or the real target, with the published
// Gateway API CRDs (v1.2.1, experimental channel) registered. The Rollout uses the spelling Argo users have,
// `trafficRouting.plugins["argoproj-labs/gatewayAPI"]`, and an HTTPRoute shaped like the plugin's examples. Every
// version of the HTTPRoute is recorded through a watch, so the assertions cover what was written between samples.
import { resourcePath, type ResourceKind } from '@rollouts/k8s';
import type { KubeObject } from '@rollouts/kube-sim';
import { gatewayApiRouter, MANAGED_ANNOTATION } from '@rollouts/traffic-gatewayapi';
import { gatewayApiCrds } from '@rollouts/traffic-gatewayapi/testing';
import { canaryRollout, deploy, promote, Resources, selectedHash, setImage, startEnv, waitFor, waitHealthy, waitStatus, type Env } from './harness';

jest.setTimeout(90_000);

const GW_API = 'gateway.networking.k8s.io/v1';
const HTTP_ROUTES: ResourceKind = { group: 'gateway.networking.k8s.io', version: 'v1', plural: 'httproutes', kind: 'HTTPRoute', namespaced: true };
const IN_PROGRESS = 'rollouts.argoproj.io/gatewayapi-canary';

let env: Env;
beforeAll(async () => {
  env = await startEnv({
    readinessDelayMs: 30,
    controller: { trafficRouters: [gatewayApiRouter] },
    crds: gatewayApiCrds(['HTTPRoute']) as KubeObject[],
    watch: [HTTP_ROUTES],
  });
});
afterAll(async () => {
  await env?.stop();
});

const name = 'gw';
const canarySvc = `${name}-canary`;
const stableSvc = `${name}-stable`;

type BackendRef = { name: string; weight?: number; group?: string; kind?: string; port?: number };
type Rule = { name?: string; matches?: unknown[]; filters?: unknown[]; backendRefs?: BackendRef[] };
const rulesOf = (o: KubeObject | undefined): Rule[] => ((o?.['spec'] as { rules?: Rule[] } | undefined)?.rules ?? []);
const currentRoute = () => env.objects.get(GW_API, 'HTTPRoute', 'gw-route', env.ns);
const ref = (svc: string, weight: number) => ({ group: '', kind: 'Service', name: svc, port: 80, weight });

/** The user's route: the weighted rule (with a legacy backend another team owns), and a docs rule nobody else touches. */
const docsRule: Rule = { matches: [{ path: { type: 'PathPrefix', value: '/docs' } }], backendRefs: [ref('docs', 1)] };
const mainRule = (canary: number, stable = 100 - canary): Rule => ({
  matches: [{ path: { type: 'PathPrefix', value: '/' } }],
  backendRefs: [ref(stableSvc, stable), ref(canarySvc, canary), ref('gw-legacy', 0)],
});
const headerRule: Rule = {
  name: 'canary-header',
  matches: [{ path: { type: 'PathPrefix', value: '/' }, headers: [{ name: 'x-canary', type: 'Exact', value: 'yes' }] }],
  backendRefs: [ref(canarySvc, 1)],
};
const mirrorRule = (canary: number): Rule => ({
  name: 'canary-mirror',
  matches: [{ path: { type: 'PathPrefix', value: '/api' } }],
  filters: [{ type: 'RequestMirror', requestMirror: { backendRef: { group: '', kind: 'Service', name: canarySvc, port: 80 }, percent: 30 } }],
  backendRefs: mainRule(canary).backendRefs!,
});

/** Canary weight of the weighted rule (first rule). */
const canaryWeight = (o: KubeObject | undefined) => rulesOf(o)[0]?.backendRefs?.find((r) => r.name === canarySvc)?.weight;
const routeIs = (rules: Rule[]) => {
  try {
    expect(rulesOf(currentRoute())).toEqual(rules);
    return true;
  } catch {
    return false;
  }
};
const waitRoute = (what: string, rules: Rule[]) => waitFor(what, () => routeIs(rules), 10_000, () => rulesOf(currentRoute()));

/**
 * The same JSON, whatever the order of object keys (a real API server sends a custom resource's keys sorted).
 */
function sameJson(a: unknown, b: unknown): boolean {
  try {
    expect(a).toEqual(b);
    return true;
  } catch {
    return false;
  }
}
const changes = <A>(xs: readonly A[]): A[] => xs.filter((x, i) => i === 0 || !sameJson(x, xs[i - 1]));

test('argoproj-labs/gatewayAPI: every step moves the HTTPRoute, header and mirror rules come and go, promotion and deletion give stable everything', async () => {
  const seen: KubeObject[] = [];
  const watch = await env.watch(HTTP_ROUTES, (ev) => {
    if ((ev.type === 'ADDED' || ev.type === 'MODIFIED') && ev.object.metadata.name === 'gw-route') seen.push(ev.object);
  });
  await env.api.create(HTTP_ROUTES, {
    apiVersion: GW_API,
    kind: 'HTTPRoute',
    metadata: { name: 'gw-route' },
    spec: { parentRefs: [{ name: 'gateway', namespace: 'infra' }], hostnames: ['gw.example.com'], rules: [mainRule(0), docsRule] },
  });
  try {
    const ro = canaryRollout(
      name,
      [
        { setWeight: 20 },
        { setHeaderRoute: { name: 'canary-header', match: [{ headerName: 'x-canary', headerValue: { exact: 'yes' } }] } },
        { pause: {} },
        { setWeight: 50 },
        { setMirrorRoute: { name: 'canary-mirror', percentage: 30, match: [{ path: { prefix: '/api' } }] } },
        { pause: {} },
        { setHeaderRoute: { name: 'canary-header' } },
        { setWeight: 80 },
        { pause: {} },
      ],
      {
        canary: {
          trafficRouting: { plugins: { 'argoproj-labs/gatewayAPI': { httpRoutes: [{ name: 'gw-route', useHeaderRoutes: true }] } }, managedRoutes: [{ name: 'canary-header' }, { name: 'canary-mirror' }] },
          scaleDownDelaySeconds: 1,
        },
      },
    );
    const first = await deploy(env, ro, [canarySvc, stableSvc]);
    const h1 = first.status!.stableRS!;
    // The first revision: everything on stable, nothing added.
    expect(rulesOf(currentRoute())).toEqual([mainRule(0), docsRule]);

    await setImage(env, name, 'demo:2');
    const at20 = await waitStatus(env, name, 'paused after the header step', (s) => s.currentPodHash !== h1 && s.currentStepIndex === 2 && (s.pauseConditions ?? []).length > 0);
    const h2 = at20.status!.currentPodHash!;
    await waitRoute('weight 20 and the header rule', [mainRule(20), docsRule, headerRule]);
    expect(currentRoute()?.metadata.labels?.[IN_PROGRESS]).toBe('in-progress');
    expect(JSON.parse(currentRoute()!.metadata.annotations![MANAGED_ANNOTATION]!)).toEqual({ [name]: { rules: { 'canary-header': ['canary-header'] } } });
    expect(selectedHash(env, canarySvc)).toBe(h2);
    expect(selectedHash(env, stableSvc)).toBe(h1);

    await promote(env, name);
    await waitStatus(env, name, 'paused after the mirror step', (s) => s.currentStepIndex === 5 && (s.pauseConditions ?? []).length > 0);
    await waitRoute('weight 50, header and mirror rules', [mainRule(50), docsRule, headerRule, mirrorRule(50)]);

    await promote(env, name);
    await waitStatus(env, name, 'paused after setWeight 80', (s) => s.currentStepIndex === 8 && (s.pauseConditions ?? []).length > 0);
    // The header route is gone; the mirror rule follows the weights of the rule it copies.
    await waitRoute('weight 80 and the mirror rule', [mainRule(80), docsRule, mirrorRule(80)]);

    await promote(env, name);
    const done = await waitHealthy(env, name);
    expect(done.status!.stableRS).toBe(h2);
    await waitRoute('promoted: stable has everything, managed rules removed', [mainRule(0), docsRule]);
    await waitFor('label and record gone', () => currentRoute()?.metadata.labels?.[IN_PROGRESS] === undefined && currentRoute()?.metadata.annotations?.[MANAGED_ANNOTATION] === undefined, 5_000, () => currentRoute()?.metadata);
    expect(selectedHash(env, stableSvc)).toBe(h2);

    // A second update, deleted while its header rule is in place: the controller releases the route.
    await setImage(env, name, 'demo:3');
    await waitStatus(env, name, 'paused after the header step again', (s) => s.currentPodHash !== h2 && s.currentStepIndex === 2 && (s.pauseConditions ?? []).length > 0);
    await waitRoute('weight 20 and the header rule again', [mainRule(20), docsRule, headerRule]);
    const res = await env.http.request('DELETE', resourcePath(Resources.rollouts, env.ns, name));
    expect(res.status).toBeLessThan(300);
    await waitRoute('released: stable has everything, the header rule removed', [mainRule(0), docsRule]);
    await waitFor('label and record gone after the release', () => currentRoute()?.metadata.labels?.[IN_PROGRESS] === undefined && currentRoute()?.metadata.annotations?.[MANAGED_ANNOTATION] === undefined, 5_000, () => currentRoute()?.metadata);
  } finally {
    await watch.stop();
  }

  // Every version written: the docs rule and the legacy backend never change; stable and canary always share 100.
  for (const o of seen) {
    const rules = rulesOf(o);
    expect(rules[1]).toEqual(docsRule);
    const refs = rules[0]?.backendRefs ?? [];
    expect(refs.find((r) => r.name === 'gw-legacy')).toEqual(ref('gw-legacy', 0));
    expect((refs.find((r) => r.name === stableSvc)?.weight ?? 0) + (refs.find((r) => r.name === canarySvc)?.weight ?? 0)).toBe(100);
    // A header rule never sends to a weight-0 backend (upstream #115).
    for (const r of rules.filter((x) => x.name === 'canary-header')) expect(r.backendRefs).toEqual([ref(canarySvc, 1)]);
  }
  expect(changes(seen.map(canaryWeight))).toEqual([0, 20, 50, 80, 100, 0, 20, 0]);
  const managed = (o: KubeObject) => rulesOf(o).flatMap((r) => (r.name !== undefined ? [r.name] : []));
  expect(changes(seen.map(managed))).toEqual([[], ['canary-header'], ['canary-header', 'canary-mirror'], ['canary-mirror'], [], ['canary-header'], []]);
});

describe('what the Gateway API router cannot do is InvalidSpec, before anything is routed', () => {
  const invalidSpec = (ro: string) =>
    waitStatus(env, ro, 'InvalidSpec', (s) => s.conditions?.some((c) => c.type === 'InvalidSpec' && c.status === 'True') === true).then((r) => r.status!.conditions!.find((c) => c.type === 'InvalidSpec')!);
  const create = async (ro: ReturnType<typeof canaryRollout>) => {
    for (const s of [`${ro.metadata.name}-canary`, `${ro.metadata.name}-stable`])
      await env.api.create(Resources.services, { apiVersion: 'v1', kind: 'Service', metadata: { name: s }, spec: { selector: { app: ro.metadata.name }, ports: [{ name: 'http', port: 80, targetPort: 8080 }] } });
    await env.api.create(Resources.rollouts, ro);
  };

  test('a setHeaderRoute step when only a TCPRoute is configured (TCP cannot match headers)', async () => {
    await create(
      canaryRollout('tcp-only', [{ setWeight: 20 }, { setHeaderRoute: { name: 'hdr', match: [{ headerName: 'x', headerValue: { exact: 'y' } }] } }], {
        canary: { trafficRouting: { plugins: { 'argoproj-labs/gatewayAPI': { tcpRoute: 'db-route' } }, managedRoutes: [{ name: 'hdr' }] } },
      }),
    );
    const cond = await invalidSpec('tcp-only');
    expect(cond.message).toContain('steps[1].setHeaderRoute');
    expect(env.api.list<KubeObject>(Resources.replicaSets).some((rs) => (rs.metadata.name ?? '').startsWith('tcp-only-'))).toBe(false);
  });

  test('a configuration field the router does not implement is named, not ignored', async () => {
    await create(
      canaryRollout('selector', [{ setWeight: 20 }], {
        canary: { trafficRouting: { plugins: { 'argoproj-labs/gatewayAPI': { httpRoute: 'gw-route', configMap: 'argo-gatewayapi-configmap' } } } },
      }),
    );
    const cond = await invalidSpec('selector');
    expect(cond.message).toContain('argoproj-labs/gatewayAPI.configMap: managed routes are recorded on the routes themselves, not in a ConfigMap');
  });
});
