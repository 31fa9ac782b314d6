// End-to-end: a Service the Rollout stops naming loses the selector the controller wrote into it (upstream's
// Service controller does the same), so it never keeps sending traffic to a revision that is about to go away.
import { deploy, selectedHash, startEnv, waitFor, waitStatus, Resources, type Env } from './harness';

jest.setTimeout(60_000);

let env: Env;
beforeAll(async () => {
  env = await startEnv({ readinessDelayMs: 50 });
});
afterAll(async () => {
  await env?.stop();
});

interface SvcView {
  metadata: { annotations?: Record<string, string> };
  spec: { selector?: Record<string, string> };
}

test('blue-green switched to canary: the old active Service no longer selects a revision (upstream TestBlueGreenToCanary)', async () => {
  const name = 'bg2c';
  const first = await deploy(
    env,
    {
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'Rollout',
      metadata: { name },
      spec: {
        replicas: 2,
        selector: { matchLabels: { app: name } },
        template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'app', image: 'demo:1' }] } },
        strategy: { blueGreen: { activeService: name, scaleDownDelaySeconds: 5 } },
      },
    } as never,
    [name],
  );
  expect(selectedHash(env, name)).toBe(first.status!.stableRS);
  expect(env.api.get<SvcView>(Resources.services, name)?.metadata.annotations?.['argo-rollouts.argoproj.io/managed-by-rollouts']).toBe(name);

  await env.api.patch(Resources.rollouts, name, {
    spec: { template: { metadata: { annotations: { foo: 'bar' } } }, strategy: { blueGreen: null, canary: { steps: [{ setWeight: 50 }, { pause: {} }] } } },
  });
  const paused = await waitStatus(env, name, 'paused at the pause step', (s) => (s.pauseConditions ?? []).length > 0 && s.availableReplicas === 2);
  // (current, updated, available) as upstream's test expects them
  const counts = paused.status as { replicas?: number; updatedReplicas?: number; availableReplicas?: number };
  expect([counts.replicas, counts.updatedReplicas, counts.availableReplicas]).toEqual([2, 1, 2]);
  const svc = await waitFor('the Service without the hash selector', () => {
    const s = env.api.get<SvcView>(Resources.services, name);
    return s !== undefined && s.spec.selector?.['rollouts-pod-template-hash'] === undefined ? s : undefined;
  });
  expect(svc.spec.selector).toEqual({ app: name });
  expect(svc.metadata.annotations?.['argo-rollouts.argoproj.io/managed-by-rollouts']).toBeUndefined();
});

test('a Service another Rollout names is left alone', async () => {
  const name = 'keep';
  await deploy(
    env,
    {
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'Rollout',
      metadata: { name },
      spec: {
        replicas: 1,
        selector: { matchLabels: { app: name } },
        template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'app', image: 'demo:1' }] } },
        strategy: { canary: { stableService: `${name}-stable`, steps: [{ setWeight: 50 }] } },
      },
    } as never,
    [`${name}-stable`],
  );
  const hash = selectedHash(env, `${name}-stable`);
  expect(hash).toBeDefined();
  // Another Rollout takes over the name; this one drops it.
  await env.api.create(Resources.rollouts, {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Rollout',
    metadata: { name: `${name}-other` },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'app', image: 'demo:1' }] } },
      strategy: { canary: { stableService: `${name}-stable`, steps: [{ setWeight: 50 }] } },
    },
  });
  await new Promise((r) => setTimeout(r, 300));
  await env.api.patch(Resources.rollouts, name, { spec: { strategy: { canary: { stableService: null } } } });
  await new Promise((r) => setTimeout(r, 1_000));
  expect(selectedHash(env, `${name}-stable`)).toBeDefined();
});
