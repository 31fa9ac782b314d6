// End-to-end: the traefik router driven by the controller (on kube-sim or the real target), with Traefik's own
// TraefikService CRD (traefik.io, Traefik v3.6.12), so the real API server's schema validation checks every
// write. The objects are upstream's Traefik example (docs/features/traffic-management/traefik.md: a TraefikService
// weighting `stable-rollout` and `canary-rollout`, steps 30 / pause / 40 / 60 / 80 with timed pauses, shortened
// here to 1 s). Every version of the TraefikService is recorded through a watch.
import { resourcePath, type ResourceKind } from '@rollouts/k8s';
import type { KubeObject } from '@rollouts/kube-sim';
import { traefikRouter } from '@rollouts/traffic-traefik';
import { traefikServiceCrd } from '@rollouts/traffic-traefik/testing';
import { canaryRollout, deploy, promote, Resources, setImage, startEnv, waitFor, waitHealthy, waitStatus, type Env } from './harness';

jest.setTimeout(90_000);

const API = 'traefik.io/v1alpha1';
const TRAEFIK_SERVICES: ResourceKind = { group: 'traefik.io', version: 'v1alpha1', plural: 'traefikservices', kind: 'TraefikService', namespaced: true };

let env: Env;
beforeAll(async () => {
  env = await startEnv({
    readinessDelayMs: 30,
    controller: { trafficRouters: [traefikRouter()] },
    crds: [traefikServiceCrd('traefik.io') as KubeObject],
    watch: [TRAEFIK_SERVICES],
  });
});
afterAll(async () => {
  await env?.stop();
});

type Entry = { name: string; port?: number; weight?: number };
const entriesOf = (o: KubeObject | undefined): Entry[] | undefined => (o?.['spec'] as { weighted?: { services?: Entry[] } } | undefined)?.weighted?.services;
/** [canary, stable] weights of a version, or undefined before the router wrote any. */
const weightsOf = (o: KubeObject | undefined, canary: string, stable: string): [number, number] | undefined => {
  const e = entriesOf(o);
  const c = e?.find((s) => s.name === canary)?.weight;
  const s = e?.find((x) => x.name === stable)?.weight;
  return c === undefined || s === undefined ? undefined : [c, s];
};
const changes = (xs: ReadonlyArray<[number, number]>) => xs.filter((x, i) => i === 0 || x[0] !== xs[i - 1]![0] || x[1] !== xs[i - 1]![1]);

async function record(name: string): Promise<{ seen: KubeObject[]; stop(): Promise<void> }> {
  const seen: KubeObject[] = [];
  const watch = await env.watch(TRAEFIK_SERVICES, (ev) => {
    if ((ev.type === 'ADDED' || ev.type === 'MODIFIED') && ev.object.metadata.name === name) seen.push(ev.object);
  });
  return { seen, stop: () => watch.stop() };
}

/** Upstream's example TraefikService: a weighted round robin over the two Services, no weights yet. */
const traefikService = (name: string, stable: string, canary: string) => ({
  apiVersion: API,
  kind: 'TraefikService',
  metadata: { name },
  spec: { weighted: { services: [{ name: stable, port: 80 }, { name: canary, port: 80 }] } },
});

const rollout = (name: string, ts: string, stable: string, canary: string) =>
  canaryRollout(name, [{ setWeight: 30 }, { pause: {} }, { setWeight: 40 }, { pause: { duration: 1 } }, { setWeight: 60 }, { pause: { duration: 1 } }, { setWeight: 80 }, { pause: { duration: 1 } }], {
    replicas: 5,
    canary: { canaryService: canary, stableService: stable, trafficRouting: { traefik: { weightedTraefikServiceName: ts } }, scaleDownDelaySeconds: 1 },
  });

describe('upstream Traefik example', () => {
  const name = 'rollouts-demo';
  const current = () => env.objects.get(API, 'TraefikService', 'traefik-service', env.ns);
  const at = () => weightsOf(current(), 'canary-rollout', 'stable-rollout');

  test('first deploy, image change, every step and promote to Healthy: the TraefikService carries each step weight', async () => {
    await env.api.create(TRAEFIK_SERVICES, traefikService('traefik-service', 'stable-rollout', 'canary-rollout'));
    const versions = await record('traefik-service');
    try {
      const first = await deploy(env, rollout(name, 'traefik-service', 'stable-rollout', 'canary-rollout'), ['canary-rollout', 'stable-rollout']);
      const h1 = first.status!.stableRS!;
      await waitFor('weights 0/100 after the first deploy', () => at()?.[0] === 0, 10_000, current);
      expect(at()).toEqual([0, 100]);

      await setImage(env, name, 'demo:2');
      await waitStatus(env, name, 'paused after setWeight 30', (s) => s.currentPodHash !== h1 && s.currentStepIndex === 1 && (s.pauseConditions ?? []).length > 0);
      expect(at()).toEqual([30, 70]);
      // Only the weights changed: ports and order are the user's.
      expect(entriesOf(current())).toEqual([
        { name: 'stable-rollout', port: 80, weight: 70 },
        { name: 'canary-rollout', port: 80, weight: 30 },
      ]);

      await promote(env, name);
      const done = await waitHealthy(env, name, 30_000);
      expect(done.status!.stableRS).not.toBe(h1);
      await waitFor('weights back to 0/100', () => at()?.[0] === 0, 10_000, current);
      expect(at()).toEqual([0, 100]);
    } finally {
      await versions.stop();
    }
    // Every version written: canary + stable = 100 always, the steps in order, 100 before the promotion's 0.
    const seen = versions.seen.map((o) => weightsOf(o, 'canary-rollout', 'stable-rollout')).filter((w): w is [number, number] => w !== undefined);
    for (const [c, s] of seen) expect(c + s).toBe(100);
    expect(changes(seen).map(([c]) => c)).toEqual([0, 30, 40, 60, 80, 100, 0]);
  });

  test('deleting the Rollout mid-canary releases the TraefikService: all traffic on stable', async () => {
    const other = 'release-demo';
    await env.api.create(TRAEFIK_SERVICES, traefikService('release-ts', `${other}-stable`, `${other}-canary`));
    const ts = () => weightsOf(env.objects.get(API, 'TraefikService', 'release-ts', env.ns), `${other}-canary`, `${other}-stable`);
    const first = await deploy(env, rollout(other, 'release-ts', `${other}-stable`, `${other}-canary`), [`${other}-canary`, `${other}-stable`]);
    await setImage(env, other, 'demo:2');
    await waitStatus(env, other, 'paused after setWeight 30', (s) => s.currentPodHash !== first.status!.stableRS && s.currentStepIndex === 1 && (s.pauseConditions ?? []).length > 0);
    expect(ts()).toEqual([30, 70]);

    const res = await env.http.request('DELETE', resourcePath(Resources.rollouts, env.ns, other));
    expect(res.status).toBeLessThan(300);
    await waitFor('the TraefikService released to 0/100', () => ts()?.[0] === 0, 15_000, ts);
    expect(ts()).toEqual([0, 100]);
  });

  test('a setMirrorRoute step (Traefik mirroring is a separate TraefikService kind the router does not write) is InvalidSpec naming the step and the traefik router', async () => {
    const name = 'mirror-demo';
    await env.api.create(TRAEFIK_SERVICES, traefikService('mirror-ts', `${name}-stable`, `${name}-canary`));
    for (const s of [`${name}-canary`, `${name}-stable`]) await env.api.create(Resources.services, { apiVersion: 'v1', kind: 'Service', metadata: { name: s }, spec: { selector: { app: name }, ports: [{ name: 'http', port: 80, targetPort: 8080 }] } });
    const ro = canaryRollout(name, [{ setWeight: 20 }, { setMirrorRoute: { name: 'copy', percentage: 50 } }, { pause: {} }], {
      canary: { trafficRouting: { traefik: { weightedTraefikServiceName: 'mirror-ts' }, managedRoutes: [{ name: 'copy' }] } },
    });
    await env.api.create(Resources.rollouts, ro);
    const invalid = await waitStatus(env, name, 'InvalidSpec', (s) => s.conditions?.some((c) => c.type === 'InvalidSpec' && c.status === 'True') === true);
    const cond = invalid.status!.conditions!.find((c) => c.type === 'InvalidSpec')!;
    expect(cond.message).toContain('steps[1].setMirrorRoute');
    expect(cond.message).toContain('traefik');
    expect(entriesOf(env.objects.get(API, 'TraefikService', 'mirror-ts', env.ns))?.some((e) => e.weight !== undefined)).toBe(false);
  });
});
