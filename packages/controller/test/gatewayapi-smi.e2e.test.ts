// End-to-end: two routers at once on one Rollout — the Gateway API router (as Argo users spell it,
// `plugins["argoproj-labs/gatewayAPI"]`) and SMI (Linkerd's TrafficSplit, v1alpha2 here, with integer weights) —
// write the same weights at every step (issue #18). Every version of the HTTPRoute and the TrafficSplit is
// recorded through a watch, so the sequences cover what was written between the samples. On kube-sim or the real
// target, with the published Gateway API CRDs and the SMI CRD registered.
import type { ResourceKind } from '@rollouts/k8s';
import type { KubeObject } from '@rollouts/kube-sim';
import { gatewayApiRouter } from '@rollouts/traffic-gatewayapi';
import { gatewayApiCrds } from '@rollouts/traffic-gatewayapi/testing';
import { smiRouter } from '@rollouts/traffic-smi';
import { trafficSplitCrd } from '@rollouts/traffic-smi/testing';
import { canaryRollout, deploy, promote, selectedHash, setImage, startEnv, waitFor, waitHealthy, waitStatus, type Env } from './harness';

jest.setTimeout(90_000);

const GW_API = 'gateway.networking.k8s.io/v1';
const SPLIT_API = 'split.smi-spec.io/v1alpha2';
const HTTP_ROUTES: ResourceKind = { group: 'gateway.networking.k8s.io', version: 'v1', plural: 'httproutes', kind: 'HTTPRoute', namespaced: true };
const TRAFFIC_SPLITS: ResourceKind = { group: 'split.smi-spec.io', version: 'v1alpha2', plural: 'trafficsplits', kind: 'TrafficSplit', namespaced: true };

let env: Env;
beforeAll(async () => {
  env = await startEnv({
    readinessDelayMs: 30,
    controller: { trafficRouters: [gatewayApiRouter, smiRouter({ apiVersion: SPLIT_API })] },
    // v1alpha1 stays the storage version (listed last): the CRD is cluster-wide, and other test files on the same
    // real API server apply it with v1alpha1 only (a storage version cannot be dropped from a CRD).
    crds: [...(gatewayApiCrds(['HTTPRoute']) as KubeObject[]), trafficSplitCrd([SPLIT_API, 'split.smi-spec.io/v1alpha1']) as KubeObject],
    watch: [HTTP_ROUTES, TRAFFIC_SPLITS],
  });
});
afterAll(async () => {
  await env?.stop();
});

const name = 'pair';
const canarySvc = `${name}-canary`;
const stableSvc = `${name}-stable`;
type BackendRef = { name: string; weight?: number };
const routeWeight = (o: KubeObject | undefined): number | undefined =>
  ((o?.['spec'] as { rules?: Array<{ backendRefs?: BackendRef[] }> } | undefined)?.rules?.[0]?.backendRefs ?? []).find((r) => r.name === canarySvc)?.weight;
const splitBackends = (o: KubeObject | undefined) => (o?.['spec'] as { backends?: Array<{ service: string; weight: number | string }> } | undefined)?.backends;
const splitWeight = (o: KubeObject | undefined): number | undefined => {
  const w = splitBackends(o)?.find((b) => b.service === canarySvc)?.weight;
  return w === undefined ? undefined : Number(w);
};
const sameJson = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);
const changes = <A>(xs: readonly A[]): A[] => xs.filter((x, i) => i === 0 || !sameJson(x, xs[i - 1]));

test('Gateway API and SMI on one Rollout carry the same weight at every step, and both give stable everything after promotion', async () => {
  const routes: KubeObject[] = [];
  const splits: KubeObject[] = [];
  const w1 = await env.watch(HTTP_ROUTES, (ev) => {
    if ((ev.type === 'ADDED' || ev.type === 'MODIFIED') && ev.object.metadata.name === 'pair-route') routes.push(ev.object);
  });
  const w2 = await env.watch(TRAFFIC_SPLITS, (ev) => {
    if ((ev.type === 'ADDED' || ev.type === 'MODIFIED') && ev.object.metadata.name === name) splits.push(ev.object);
  });
  const currentRoute = () => env.objects.get(GW_API, 'HTTPRoute', 'pair-route', env.ns);
  const currentSplit = () => env.objects.get(SPLIT_API, 'TrafficSplit', name, env.ns);
  const bothAt = (w: number) =>
    waitFor(
      `both routers at ${w}`,
      () => routeWeight(currentRoute()) === w && splitWeight(currentSplit()) === w,
      10_000,
      () => ({ route: routeWeight(currentRoute()), split: splitBackends(currentSplit()) }),
    );
  await env.api.create(HTTP_ROUTES, {
    apiVersion: GW_API,
    kind: 'HTTPRoute',
    metadata: { name: 'pair-route' },
    spec: {
      parentRefs: [{ name: 'gateway', namespace: 'infra' }],
      rules: [{ backendRefs: [{ group: '', kind: 'Service', name: stableSvc, port: 80, weight: 100 }, { group: '', kind: 'Service', name: canarySvc, port: 80, weight: 0 }] }],
    },
  });
  try {
    const ro = canaryRollout(name, [{ setWeight: 10 }, { pause: {} }, { setWeight: 40 }, { pause: {} }, { setWeight: 70 }, { pause: {} }], {
      canary: { trafficRouting: { smi: {}, plugins: { 'argoproj-labs/gatewayAPI': { httpRoute: 'pair-route' } } }, scaleDownDelaySeconds: 1 },
    });
    const first = await deploy(env, ro, [canarySvc, stableSvc]);
    const h1 = first.status!.stableRS!;
    await bothAt(0);

    await setImage(env, name, 'demo:2');
    let step = 1;
    for (const w of [10, 40, 70]) {
      const at = await waitStatus(env, name, `paused after setWeight ${w}`, (s) => s.currentPodHash !== h1 && s.currentStepIndex === step && (s.pauseConditions ?? []).length > 0);
      await bothAt(w);
      // SMI v1alpha2: integer weights, stable gets the rest.
      expect(splitBackends(currentSplit())).toEqual([
        { service: canarySvc, weight: w },
        { service: stableSvc, weight: 100 - w },
      ]);
      expect(selectedHash(env, canarySvc)).toBe(at.status!.currentPodHash);
      await promote(env, name);
      step += 2;
    }
    const done = await waitHealthy(env, name);
    expect(done.status!.stableRS).not.toBe(h1);
    await bothAt(0);
  } finally {
    await w1.stop();
    await w2.stop();
  }
  // Every version each router wrote, in order: the same sequence through both.
  const routeSeq = changes(routes.map(routeWeight));
  const splitSeq = changes(splits.map(splitWeight));
  expect(routeSeq).toEqual([0, 10, 40, 70, 100, 0]);
  expect(splitSeq).toEqual(routeSeq);
});
