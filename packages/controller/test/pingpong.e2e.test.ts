// End-to-end: a ping-pong canary through the ALB router (kube-sim or the real target): the two Services swap the
// stable and canary roles at promotion, the Ingress action follows the roles, and when the Rollout is deleted
// mid-update the controller releases the Ingress back to the stable Service.
import { resourcePath } from '@rollouts/k8s';
import type { KubeObject } from '@rollouts/kube-sim';
import { albRouter } from '@rollouts/traffic-alb';
import { canaryRollout, deploy, promote, Resources, rolloutOf, selectedHash, setImage, startEnv, waitFor, waitHealthy, waitStatus, type Env } from './harness';

jest.setTimeout(60_000);

const P = 'alb.ingress.kubernetes.io';
const MANAGED = 'rollouts.argoproj.io/managed-alb-annotations';
const name = 'pp';

let env: Env;
beforeAll(async () => {
  env = await startEnv({ readinessDelayMs: 30, controller: { trafficRouters: [albRouter()] } });
});
afterAll(async () => {
  await env?.stop();
});

const ingress = {
  apiVersion: 'networking.k8s.io/v1',
  kind: 'Ingress',
  metadata: { name: 'pp-ingress', annotations: { [`${P}/scheme`]: 'internet-facing' } },
  spec: { ingressClassName: 'alb', rules: [{ http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'pp-root', port: { name: 'use-annotation' } } } }] } }] },
};
const annotations = () => (env.objects.get('networking.k8s.io/v1', 'Ingress', 'pp-ingress', env.ns) as KubeObject | undefined)?.metadata.annotations ?? {};
/** The weights of the action on the root Service, by Service. */
const weights = (): Record<string, number> | undefined => {
  const action = annotations()[`${P}/actions.pp-root`];
  if (action === undefined) return undefined;
  const groups = (JSON.parse(action) as { ForwardConfig: { TargetGroups: Array<{ ServiceName: string; Weight: number }> } }).ForwardConfig.TargetGroups;
  return Object.fromEntries(groups.map((g) => [g.ServiceName, g.Weight]));
};
const stablePingPong = () => (rolloutOf(env, name)?.status as { canary?: { stablePingPong?: string } } | undefined)?.canary?.stablePingPong;

test('the roles swap at promotion without moving traffic; a Rollout deleted mid-update leaves the Ingress on the stable Service', async () => {
  await env.api.create(Resources.ingresses, ingress);
  const ro = canaryRollout(name, [{ setWeight: 50 }, { pause: {} }], {
    replicas: 2,
    // ping-pong instead of stable and canary Services (undefined keys are not sent)
    canary: { stableService: undefined, canaryService: undefined, pingPong: { pingService: 'pp-ping', pongService: 'pp-pong' }, trafficRouting: { alb: { ingress: 'pp-ingress', servicePort: 80, rootService: 'pp-root' } } },
  });
  const first = await deploy(env, ro, ['pp-ping', 'pp-pong', 'pp-root']);
  const h1 = first.status!.stableRS!;
  expect(stablePingPong()).toBe('ping');
  expect(selectedHash(env, 'pp-ping')).toBe(h1);

  // Every version of the Ingress from here to the end of the first update, as a watch delivers them.
  const seen: Array<Record<string, number>> = [];
  const watch = await env.watch(Resources.ingresses, (e) => {
    const action = e.object.metadata.annotations?.[`${P}/actions.pp-root`];
    if (action !== undefined && e.object.metadata.name === 'pp-ingress') {
      const groups = (JSON.parse(action) as { ForwardConfig: { TargetGroups: Array<{ ServiceName: string; Weight: number }> } }).ForwardConfig.TargetGroups;
      seen.push(Object.fromEntries(groups.map((g) => [g.ServiceName, g.Weight])));
    }
  });

  // Update 1: pong is the canary.
  await setImage(env, name, 'demo:2');
  const paused = await waitStatus(env, name, 'paused at setWeight 50', (s) => s.currentPodHash !== h1 && s.currentStepIndex === 1 && (s.pauseConditions ?? []).length > 0);
  const h2 = paused.status!.currentPodHash!;
  await waitFor('the action at 50/50 with pong as the canary', () => JSON.stringify(weights()) === JSON.stringify({ 'pp-pong': 50, 'pp-ping': 50 }), 10_000, weights);
  expect(selectedHash(env, 'pp-pong')).toBe(h2);
  expect(selectedHash(env, 'pp-ping')).toBe(h1);

  // Promotion: pong becomes stable (already on h2); the action sends it everything; ping keeps h1, at 0.
  await promote(env, name);
  await waitHealthy(env, name);
  expect(stablePingPong()).toBe('pong');
  await waitFor('the action at 100 on pong', () => JSON.stringify(weights()) === JSON.stringify({ 'pp-ping': 0, 'pp-pong': 100 }), 10_000, weights);
  expect(selectedHash(env, 'pp-pong')).toBe(h2);
  expect(selectedHash(env, 'pp-ping')).toBe(h1);
  await watch.stop();
  // Once pong (the new pods) carried traffic, its share only grew: the swap moved nothing back to ping.
  const pongShares = seen.map((w) => w['pp-pong'] ?? 0);
  const from = pongShares.indexOf(50);
  expect(from).toBeGreaterThanOrEqual(0);
  expect(pongShares.slice(from)).toEqual([...pongShares.slice(from)].sort((a, b) => a - b));
  expect(pongShares[pongShares.length - 1]).toBe(100);

  // Update 2: ping is the canary now, pointed at the new revision.
  await setImage(env, name, 'demo:3');
  const second = await waitStatus(env, name, 'paused at setWeight 50 again', (s) => s.currentPodHash !== h2 && s.currentStepIndex === 1 && (s.pauseConditions ?? []).length > 0);
  await waitFor('the action at 50/50 with ping as the canary', () => JSON.stringify(weights()) === JSON.stringify({ 'pp-ping': 50, 'pp-pong': 50 }), 10_000, weights);
  expect(selectedHash(env, 'pp-ping')).toBe(second.status!.currentPodHash);
  expect(stablePingPong()).toBe('pong');

  // Deleted mid-update: the controller releases the Ingress to the stable Service (pong) and drops its entry.
  const res = await env.http.request('DELETE', resourcePath(Resources.rollouts, env.ns, name));
  expect(res.status).toBeLessThan(300);
  await waitFor('the Ingress released to pong', () => JSON.stringify(weights()) === JSON.stringify({ 'pp-ping': 0, 'pp-pong': 100 }) && annotations()[MANAGED] === undefined, 10_000, annotations);
});
