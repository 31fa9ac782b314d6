// End-to-end: the traffic release of a deleted Rollout guaranteed by the finalizer `rollouts.argoproj.io/traffic-release`
// (opt-in: `releaseTrafficFinalizer`, the app's --release-traffic-finalizer). With it, a controller that is down when
// the Rollout is deleted still puts the user's Ingress back on the stable Service when it comes back, and a router
// that cannot release holds the deletion only for `releaseTimeoutMs`, with Warning Events, never forever.
import * as TE from 'fp-ts/lib/TaskEither';
import { json } from '@rollouts/api';
import { resourcePath } from '@rollouts/k8s';
import { defineTrafficRouter, PluginErrors } from '@rollouts/plugin-sdk';
import { albRouter } from '@rollouts/traffic-alb';
import type { KubeObject } from '@rollouts/kube-sim';
import { RELEASE_FINALIZER } from '../src/Finalizer';
import { canaryRollout, deploy, Resources, rolloutOf, setImage, startEnv, waitFor, waitStatus, type Env } from './harness';

jest.setTimeout(90_000);

const P = 'alb.ingress.kubernetes.io';
const MANAGED = 'rollouts.argoproj.io/managed-alb-annotations';

/** A test router whose `release` always fails (an unreachable mesh, say); its other calls succeed. */
const releaseCalls: string[] = [];
const stuckRouter = defineTrafficRouter({
  kind: 'e2e/stuck',
  configCodec: json(),
  make: () => () => ({
    setWeight: () => TE.right(undefined),
    updateHash: () => TE.right(undefined),
    removeManagedRoutes: () => TE.right(undefined),
    release: (ctx) => {
      releaseCalls.push(ctx.rollout.metadata?.name ?? '');
      return TE.left(PluginErrors.routerUnavailable({ message: 'mesh API unreachable' }));
    },
  }),
});

const CONTROLLER = { trafficRouters: [albRouter(), stuckRouter], releaseTrafficFinalizer: true, releaseTimeoutMs: 2_000 };

let env: Env;
beforeAll(async () => {
  env = await startEnv({ readinessDelayMs: 20, controller: CONTROLLER });
});
afterAll(async () => {
  await env?.stop();
});

interface Meta {
  metadata: { name: string; finalizers?: string[]; deletionTimestamp?: string };
}
const finalizersOf = (name: string) => env.api.get<Meta>(Resources.rollouts, name)?.metadata.finalizers ?? [];
const ingressAnnotations = (name: string) => (env.objects.get('networking.k8s.io/v1', 'Ingress', name, env.ns) as KubeObject | undefined)?.metadata.annotations ?? {};
const weightsOf = (name: string, root: string): Record<string, number> => {
  const action = JSON.parse(ingressAnnotations(name)[`${P}/actions.${root}`] ?? 'null') as { ForwardConfig: { TargetGroups: Array<{ ServiceName: string; Weight: number }> } } | null;
  return Object.fromEntries((action?.ForwardConfig.TargetGroups ?? []).map((g) => [g.ServiceName, g.Weight]));
};
async function deleteRollout(name: string): Promise<void> {
  const res = await env.http.request('DELETE', resourcePath(Resources.rollouts, env.ns, name), undefined);
  if (res.status >= 300) throw new Error(`DELETE ${name}: ${res.status} ${res.text}`);
}
async function eventsOf(name: string): Promise<Array<{ type: string; reason: string; message: string }>> {
  const list = await env.http.json<{ items: Array<{ type: string; reason: string; message: string; involvedObject?: { name?: string } }> }>('GET', resourcePath(Resources.events, env.ns));
  return list.items.filter((e) => e.involvedObject?.name === name);
}

/** Poll `get` until it answers a non-empty list (5 s at most). */
async function eventually<T>(get: () => Promise<T[]>): Promise<T[]> {
  const until = Date.now() + 5_000;
  for (;;) {
    const v = await get();
    if (v.length > 0 || Date.now() > until) return v;
    await new Promise((r) => setTimeout(r, 50));
  }
}

test('a controller that was down when the Rollout was deleted releases the Ingress when it comes back', async () => {
  const name = 'fin';
  await env.api.create(Resources.ingresses, {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: { name: `${name}-ingress` },
    spec: { ingressClassName: 'alb', rules: [{ http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: `${name}-stable`, port: { name: 'use-annotation' } } } }] } }] },
  });
  const ro = canaryRollout(name, [{ setWeight: 30 }, { pause: {} }], { replicas: 2, canary: { trafficRouting: { alb: { ingress: `${name}-ingress`, servicePort: 80 } } } });
  await deploy(env, ro, [`${name}-canary`, `${name}-stable`]);
  // The ALB router changes the user's Ingress: the Rollout gets the finalizer.
  await waitFor('the finalizer on the Rollout', () => finalizersOf(name).includes(RELEASE_FINALIZER), 10_000, () => finalizersOf(name));
  await setImage(env, name, 'demo:2');
  await waitStatus(env, name, 'paused at 30 %', (s) => s.currentStepIndex === 1 && (s.pauseConditions ?? []).length > 0, 20_000);
  await waitFor('the Ingress at 30 % canary', () => weightsOf(`${name}-ingress`, `${name}-stable`)[`${name}-canary`] === 30, 10_000, () => ingressAnnotations(`${name}-ingress`));

  // The controller is down; the user deletes the Rollout. The finalizer keeps it, and the Ingress still sends 30 % to the canary.
  await env.controllers[0]!.stop();
  await deleteRollout(name);
  await waitFor('the Rollout marked deleted but kept', () => env.api.get<Meta>(Resources.rollouts, name)?.metadata.deletionTimestamp !== undefined);
  await new Promise((r) => setTimeout(r, 500));
  expect(finalizersOf(name)).toContain(RELEASE_FINALIZER);
  expect(weightsOf(`${name}-ingress`, `${name}-stable`)[`${name}-canary`]).toBe(30);

  // A controller comes back: it releases the Ingress, then removes the finalizer, and the Rollout is gone.
  await env.startController(CONTROLLER);
  await waitFor('the Rollout gone', () => rolloutOf(env, name) === undefined, 15_000, () => env.api.get<Meta>(Resources.rollouts, name)?.metadata);
  expect(weightsOf(`${name}-ingress`, `${name}-stable`)).toEqual({ [`${name}-canary`]: 0, [`${name}-stable`]: 100 });
  expect(JSON.parse(ingressAnnotations(`${name}-ingress`)[MANAGED] ?? '{}')).not.toHaveProperty(name);
  // (Events are recorded after the write, asynchronously.)
  const released = await eventually(async () => (await eventsOf(name)).filter((e) => e.reason === 'TrafficReleased'));
  expect(released.map((e) => [e.type, e.message])).toEqual([['Normal', `Traffic of the deleted Rollout released; finalizer ${RELEASE_FINALIZER} removed`]]);
});

test('a release that keeps failing holds the deletion only for releaseTimeoutMs, with Warnings', async () => {
  const name = 'fin-stuck';
  const ro = canaryRollout(name, [{ setWeight: 30 }, { pause: {} }], { replicas: 1, canary: { trafficRouting: { plugins: { 'e2e/stuck': {} } } } });
  await deploy(env, ro, [`${name}-canary`, `${name}-stable`]);
  await waitFor('the finalizer on the Rollout', () => finalizersOf(name).includes(RELEASE_FINALIZER), 10_000, () => finalizersOf(name));
  const started = Date.now();
  await deleteRollout(name);
  await waitFor('the Rollout gone despite the failing release', () => rolloutOf(env, name) === undefined, 15_000, () => env.api.get<Meta>(Resources.rollouts, name)?.metadata);
  // Not before the bound (2 s from the deletionTimestamp, which has a resolution of one second), and retried meanwhile.
  expect(Date.now() - started).toBeGreaterThanOrEqual(1_000);
  expect(releaseCalls.filter((n) => n === name).length).toBeGreaterThanOrEqual(2);
  const events = await eventually(async () => {
    const all = await eventsOf(name);
    return all.some((e) => e.reason === 'TrafficReleaseAbandoned') ? all : [];
  });
  expect(events.some((e) => e.type === 'Warning' && e.reason === 'TrafficReleaseFailed' && e.message.includes('router e2e/stuck could not release'))).toBe(true);
  const abandoned = events.filter((e) => e.reason === 'TrafficReleaseAbandoned');
  expect(abandoned).toHaveLength(1);
  expect(abandoned[0]).toMatchObject({ type: 'Warning' });
  expect(abandoned[0]!.message).toContain(`the finalizer ${RELEASE_FINALIZER} is removed so that the deletion completes`);
});

test('a Rollout whose routers change nothing outside it (or that has no routing) gets no finalizer', async () => {
  const name = 'fin-none';
  await deploy(env, canaryRollout(name, [{ setWeight: 50 }]), [`${name}-canary`, `${name}-stable`]);
  await new Promise((r) => setTimeout(r, 300));
  expect(finalizersOf(name)).toEqual([]);
  await deleteRollout(name);
  await waitFor('the Rollout gone at once', () => rolloutOf(env, name) === undefined, 5_000);
});
