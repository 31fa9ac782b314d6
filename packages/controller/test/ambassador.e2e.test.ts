// End-to-end: the ambassador router driven by the controller (on kube-sim or the real target), with Emissary's own
// Mapping CRD (v3.9.1; conversion webhook replaced by None, as no Emissary runs here), so the real API server's
// schema validation checks every Mapping written. The objects are upstream's examples/ambassador (echo-mapping,
// echo-stable / echo-canary, echo-rollout) with the pauses shortened and the first one made indefinite, so that
// the test promotes. Every version of the Mappings is recorded through a watch.
import { resourcePath, type ResourceKind } from '@rollouts/k8s';
import type { KubeObject } from '@rollouts/kube-sim';
import { ambassadorRouter } from '@rollouts/traffic-ambassador';
import { mappingCrd } from '@rollouts/traffic-ambassador/testing';
import { promote, Resources, startEnv, waitFor, waitHealthy, waitStatus, type Env } from './harness';

jest.setTimeout(90_000);

const API = 'getambassador.io/v2';
const MAPPINGS: ResourceKind = { group: 'getambassador.io', version: 'v2', plural: 'mappings', kind: 'Mapping', namespaced: true };

let env: Env;
beforeAll(async () => {
  env = await startEnv({
    readinessDelayMs: 30,
    controller: { trafficRouters: [ambassadorRouter()] },
    crds: [mappingCrd('v2') as KubeObject],
    watch: [MAPPINGS],
  });
});
afterAll(async () => {
  await env?.stop();
});

/** upstream examples/ambassador/echo-mapping.yaml (the base Mapping, routing to the stable Service). */
const baseSpec = (name: string) => ({ resolver: 'endpoint', prefix: `/${name}`, rewrite: `/${name}`, service: `${name}-stable:80` });
const mapping = (name: string) => ({ apiVersion: API, kind: 'Mapping', metadata: { name }, spec: baseSpec(name) });
/** upstream examples/ambassador/echo-service.yaml. */
const services = (name: string) =>
  ['stable', 'canary'].map((role) => ({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: `${name}-${role}`, labels: { app: name } },
    spec: { type: 'ClusterIP', ports: [{ name: 'http', port: 80, protocol: 'TCP', targetPort: 8080 }], selector: { app: name } },
  }));
const container = (version: number) => ({ name: 'echo-v1', image: 'hashicorp/http-echo', args: [`-text=VERSION ${version}`, '-listen=:8080'], imagePullPolicy: 'Always', ports: [{ containerPort: 8080 }] });
/** upstream examples/ambassador/rollout.yaml (pauses 30 s / 30 s / 10 s there). */
const rollout = (name: string, mappings: string[], steps: unknown[]) => ({
  apiVersion: 'argoproj.io/v1alpha1',
  kind: 'Rollout',
  metadata: { name: `${name}-rollout` },
  spec: {
    replicas: 4,
    selector: { matchLabels: { app: name } },
    template: { metadata: { labels: { app: name } }, spec: { containers: [container(1)] } },
    strategy: { canary: { stableService: `${name}-stable`, canaryService: `${name}-canary`, trafficRouting: { ambassador: { mappings } }, steps, scaleDownDelaySeconds: 1 } },
  },
});
const UPSTREAM_STEPS = [{ setWeight: 30 }, { pause: {} }, { setWeight: 60 }, { pause: { duration: 1 } }, { setWeight: 100 }, { pause: { duration: 1 } }];
/** The image change of upstream's demo: the second version answers another text. */
const newVersion = (name: string) => env.api.patch(Resources.rollouts, `${name}-rollout`, { spec: { template: { spec: { containers: [container(2)] } } } });

async function record(): Promise<{ seen: KubeObject[]; stop(): Promise<void> }> {
  const seen: KubeObject[] = [];
  const watch = await env.watch(MAPPINGS, (ev) => {
    if (ev.type === 'ADDED' || ev.type === 'MODIFIED') seen.push(ev.object);
  });
  return { seen, stop: () => watch.stop() };
}
const weightOf = (o: KubeObject | undefined) => (o?.['spec'] as { weight?: number } | undefined)?.weight;
const get = (name: string) => env.objects.get(API, 'Mapping', name, env.ns);
const changes = <A>(xs: readonly A[]) => xs.filter((x, i) => i === 0 || x !== xs[i - 1]);

async function start(name: string, steps: unknown[] = UPSTREAM_STEPS) {
  await env.api.create(MAPPINGS, mapping(name));
  for (const s of services(name)) await env.api.create(Resources.services, s);
  await env.api.create(Resources.rollouts, rollout(name, [name], steps));
  return waitHealthy(env, `${name}-rollout`);
}

describe('upstream examples/ambassador', () => {
  test('first deploy, new version, every step and promote to Healthy: echo-canary carries each step weight, then 0; echo is never written', async () => {
    const versions = await record();
    try {
      const first = await start('echo');
      // The first revision sends nothing to a canary: no canary Mapping.
      expect(get('echo-canary')).toBeUndefined();

      await newVersion('echo');
      await waitStatus(env, 'echo-rollout', 'paused after setWeight 30', (s) => s.currentPodHash !== first.status!.stableRS && s.currentStepIndex === 1 && (s.pauseConditions ?? []).length > 0);
      const canary = get('echo-canary');
      expect(canary?.['spec']).toEqual({ ...baseSpec('echo'), service: 'echo-canary:80', weight: 30 });
      expect(canary?.metadata.ownerReferences).toEqual([expect.objectContaining({ kind: 'Rollout', name: 'echo-rollout', uid: first.metadata.uid, controller: true })]);

      await promote(env, 'echo-rollout');
      await waitHealthy(env, 'echo-rollout', 30_000);
      await waitFor('echo-canary drained to 0', () => weightOf(get('echo-canary')) === 0, 10_000, () => get('echo-canary'));
      expect(get('echo')?.['spec']).toEqual(baseSpec('echo'));
    } finally {
      await versions.stop();
    }
    const canaryWeights = versions.seen.filter((o) => o.metadata.name === 'echo-canary').map(weightOf);
    expect(changes(canaryWeights)).toEqual([30, 60, 100, 0]);
    // Every version of the canary routes to the canary Service with the base's prefix; the base is never written.
    for (const o of versions.seen.filter((v) => v.metadata.name === 'echo-canary')) expect(o['spec']).toMatchObject({ ...baseSpec('echo'), service: 'echo-canary:80' });
    expect(versions.seen.filter((o) => o.metadata.name === 'echo')).toEqual([expect.objectContaining({ metadata: expect.objectContaining({ name: 'echo' }) })]);
  });

  test('deleting the Rollout mid-canary releases the route: the canary Mapping goes, the base Mapping takes all traffic', async () => {
    const first = await start('bye');
    await newVersion('bye');
    await waitStatus(env, 'bye-rollout', 'paused after setWeight 30', (s) => s.currentPodHash !== first.status!.stableRS && s.currentStepIndex === 1 && (s.pauseConditions ?? []).length > 0);
    expect(weightOf(get('bye-canary'))).toBe(30);

    const res = await env.http.request('DELETE', resourcePath(Resources.rollouts, env.ns, 'bye-rollout'));
    expect(res.status).toBeLessThan(300);
    await waitFor('bye-canary deleted', () => get('bye-canary') === undefined, 15_000, () => get('bye-canary'));
    expect(get('bye')?.['spec']).toEqual(baseSpec('bye'));
  });

  test('a setHeaderRoute step is InvalidSpec naming the step and the ambassador router; no canary Mapping is made', async () => {
    const name = 'hdr';
    await env.api.create(MAPPINGS, mapping(name));
    for (const s of services(name)) await env.api.create(Resources.services, s);
    await env.api.create(Resources.rollouts, {
      ...rollout(name, [name], [{ setWeight: 20 }, { setHeaderRoute: { name: 'by-header', match: [{ headerName: 'x-canary', headerValue: { exact: 'yes' } }] } }, { pause: {} }]),
    });
    const ro = await waitStatus(env, `${name}-rollout`, 'InvalidSpec', (s) => s.conditions?.some((c) => c.type === 'InvalidSpec' && c.status === 'True') === true);
    const cond = ro.status!.conditions!.find((c) => c.type === 'InvalidSpec')!;
    expect(cond.message).toContain('steps[1].setHeaderRoute');
    expect(cond.message).toContain('ambassador');
    expect(get(`${name}-canary`)).toBeUndefined();
  });
});
