// End-to-end: traffic routing through a router plugin, and a Rollout naming a router kind nobody registered.
import { json } from '@rollouts/api';
import { defineTrafficRouter } from '@rollouts/plugin-sdk';
import { canaryRollout, deploy, promote, service, setImage, startEnv, waitHealthy, waitStatus, Resources, type Env } from './harness';

jest.setTimeout(60_000);

/** A router that remembers every weight it was asked to set, per Rollout. */
const weights = new Map<string, number[]>();
const fakeRouter = defineTrafficRouter({
  kind: 'e2e/mesh',
  configCodec: json(),
  make: () => () => ({
    updateHash: () => async () => ({ _tag: 'Right', right: undefined }) as const,
    removeManagedRoutes: () => async () => ({ _tag: 'Right', right: undefined }) as const,
    setWeight: (ctx, weight) => async () => {
      const name = ctx.rollout.metadata?.name ?? '';
      weights.set(name, [...(weights.get(name) ?? []), weight]);
      return { _tag: 'Right', right: undefined } as const;
    },
  }),
});

let env: Env;
beforeAll(async () => {
  env = await startEnv({ readinessDelayMs: 30, controller: { trafficRouters: [fakeRouter] } });
});
afterAll(async () => {
  await env?.stop();
});

test('a traffic-routed canary moves the weight through the router plugin, step by step', async () => {
  const ro = canaryRollout('routed', [{ setWeight: 20 }, { pause: {} }, { setWeight: 60 }], { canary: { trafficRouting: { plugins: { 'e2e/mesh': { host: 'routed' } } }, scaleDownDelaySeconds: 1 } });
  const first = await deploy(env, ro, ['routed-canary', 'routed-stable']);
  await setImage(env, 'routed', 'demo:2');
  const paused = await waitStatus(env, 'routed', 'paused at 20%', (s) => s.currentPodHash !== first.status!.stableRS && (s.pauseConditions ?? []).length > 0);
  expect((paused.status as { canary?: { weights?: { canary: { weight: number } } } }).canary?.weights?.canary.weight).toBe(20);
  expect(weights.get('routed')?.at(-1)).toBe(20);
  await promote(env, 'routed');
  await waitHealthy(env, 'routed');
  const seen = weights.get('routed') ?? [];
  // Up, then back to 0 once the canary became stable (the canary Service is the stable one then).
  expect(seen.indexOf(20)).toBeGreaterThan(0);
  expect(seen.indexOf(100)).toBeGreaterThan(seen.indexOf(20));
  expect(seen.at(-1)).toBe(0);
});

// Each setWeight step's weight reaches the router, in order (a step completes once its weight is applied).
test('every setWeight step is applied through the router', () => {
  const seen = weights.get('routed') ?? [];
  expect(seen).toContain(60);
});

test('a trafficRouting kind nobody registered makes the Rollout InvalidSpec, naming the registered kinds', async () => {
  for (const s of ['nginx-canary', 'nginx-stable']) await env.api.create(Resources.services, service(s, 'nginx'));
  await env.api.create(Resources.rollouts, canaryRollout('nginx', [{ setWeight: 20 }], { canary: { trafficRouting: { nginx: { stableIngress: 'nginx-ingress' } } } }));
  const invalid = await waitStatus(env, 'nginx', 'InvalidSpec', (s) => s.conditions?.some((c) => c.type === 'InvalidSpec' && c.status === 'True') === true);
  const cond = invalid.status!.conditions!.find((c) => c.type === 'InvalidSpec')!;
  expect(cond.message).toContain('spec.strategy.canary.trafficRouting.nginx');
  expect(cond.message).toContain('no traffic router of kind "nginx" is registered');
  expect(cond.message).toContain('e2e/mesh');
  expect(invalid.status!.phase).toBe('Degraded');
  // Nothing was created for it.
  expect(env.api.list<{ metadata: { name: string } }>(Resources.replicaSets).some((rs) => rs.metadata.name.startsWith('nginx-'))).toBe(false);
});
