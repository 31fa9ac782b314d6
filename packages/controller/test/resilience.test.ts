// End-to-end: what the controller survives — a restart mid-rollout (a new controller with empty memory continues
// from status alone), injected 409 conflicts, a bad image that never becomes ready (progressDeadlineSeconds),
// and a rollback to the previous revision after a completed update.
import {
  canaryRollout,
  deploy,
 
  promote,
  Resources,
  replicaSetsOf,
  rolloutOf,
  selectedHash,
  service,
  setImage,
  startEnv,
  waitFor,
  waitHealthy,
  waitStatus,
  type Env,
} from './harness';

jest.setTimeout(60_000);

const STEPS = [{ setWeight: 25 }, { pause: {} }, { setWeight: 50 }, { pause: { duration: '1s' } }, { setWeight: 75 }];

let env: Env;
beforeAll(async () => {
  env = await startEnv({ readinessDelayMs: 50, podRules: [{ image: ':bad', neverReady: true }], faults: true });
});
afterAll(async () => {
  await env?.stop();
});

test('a controller restarted mid-rollout continues from status alone', async () => {
  const first = await deploy(env, canaryRollout('restart', STEPS), ['restart-canary', 'restart-stable']);
  const h1 = first.status!.stableRS!;
  await setImage(env, 'restart', 'demo:2');
  const paused = await waitStatus(env, 'restart', 'paused at step 2', (s) => s.currentPodHash !== h1 && s.currentStepIndex === 1 && (s.pauseConditions ?? []).length > 0);
  const h2 = paused.status!.currentPodHash!;

  // Stop the only controller: nothing moves while it is gone.
  const old = env.controllers[0]!;
  await old.stop();
  await promote(env, 'restart');
  await new Promise((r) => setTimeout(r, 300));
  expect(rolloutOf(env, 'restart')!.status!.currentStepIndex).toBe(1);
  expect(replicaSetsOf(env, 'restart').get(h2)?.spec.replicas).toBe(1);

  // A new controller (new caches, new queues, no memory) picks up at step 2 and finishes.
  await env.startController();
  const done = await waitHealthy(env, 'restart');
  expect(done.status!.stableRS).toBe(h2);
  expect(replicaSetsOf(env, 'restart').get(h1)?.spec.replicas).toBe(0);
  // Only one ReplicaSet per revision: nothing was created twice.
  expect(replicaSetsOf(env, 'restart').size).toBe(2);
});

test('5% injected 409 conflicts on writes: every rollout still converges', async () => {
  // kube-sim injects them itself; on the real target a proxy between the controllers and the apiserver does.
  const injector = env.faults!;
  const names = ['c1', 'c2', 'c3', 'c4'];
  const before = new Map<string, string>();
  for (const n of names) before.set(n, (await deploy(env, canaryRollout(n, STEPS), [`${n}-canary`, `${n}-stable`])).status!.stableRS!);
  const since = injector.requestLog.mark();
  // 5% of all updates and patches, and certainly the first two status writes (so the conflict path always runs).
  const faults = [injector.conflict({ resource: 'rollouts', subresource: 'status', times: 2 }), injector.conflict({ rate: 0.05 })];
  try {
    await Promise.all(names.map((n) => setImage(env, n, 'demo:2')));
    for (const n of names) {
      await waitStatus(env, n, 'paused at step 2', (s) => s.currentPodHash !== before.get(n) && s.currentStepIndex === 1 && (s.pauseConditions ?? []).length > 0);
      await promote(env, n);
    }
    for (const n of names) {
      const done = await waitHealthy(env, n);
      expect(done.status!.stableRS).not.toBe(before.get(n));
      expect(selectedHash(env, `${n}-stable`)).toBe(done.status!.stableRS);
      expect(replicaSetsOf(env, n).size).toBe(2);
    }
  } finally {
    for (const f of faults) f.remove();
  }
  const conflicts = injector.requestLog.count({ since, userAgent: 'rollouts-controller', code: 409 });
  const writes = injector.requestLog.count({ since, userAgent: 'rollouts-controller', writes: true });
  process.stdout.write(`conflict injection: ${conflicts} of ${writes} controller writes answered 409\n`);
  expect(conflicts).toBeGreaterThanOrEqual(2);
});

test('a bad image that never becomes ready hits progressDeadlineSeconds', async () => {
  const first = await deploy(env, canaryRollout('deadline', STEPS, { extra: { progressDeadlineSeconds: 2 } }), ['deadline-canary', 'deadline-stable']);
  const h1 = first.status!.stableRS!;
  await setImage(env, 'deadline', 'demo:bad');
  const stuck = await waitStatus(
    env,
    'deadline',
    'ProgressDeadlineExceeded',
    (s) => s.conditions?.some((c) => c.type === 'Progressing' && c.reason === 'ProgressDeadlineExceeded') === true,
    10_000,
  );
  expect(stuck.status!.phase).toBe('Degraded');
  expect(stuck.status!.message).toContain('ProgressDeadlineExceeded');
  // The stable revision still serves: 3 of 4 pods (the canary's 25% never became available).
  expect(selectedHash(env, 'deadline-stable')).toBe(h1);
  expect(replicaSetsOf(env, 'deadline').get(h1)?.status?.availableReplicas).toBeGreaterThanOrEqual(3);

  // Fixing the image recovers.
  await setImage(env, 'deadline', 'demo:3');
  await waitStatus(env, 'deadline', 'paused at step 2 with the good image', (s) => s.currentStepIndex === 1 && (s.pauseConditions ?? []).length > 0 && s.phase === 'Paused');
});

test('rollback to the previous revision after a completed update reuses its ReplicaSet', async () => {
  const first = await deploy(env, canaryRollout('rollback', [{ setWeight: 50 }]), ['rollback-canary', 'rollback-stable']);
  const h1 = first.status!.stableRS!;
  await setImage(env, 'rollback', 'demo:2');
  const v2 = await waitStatus(env, 'rollback', 'v2 healthy', (s) => s.stableRS !== h1 && s.phase === 'Healthy' && s.currentPodHash === s.stableRS);
  const h2 = v2.status!.stableRS!;
  await waitStatus(env, 'rollback', 'v1 scaled to 0', () => replicaSetsOf(env, 'rollback').get(h1)?.spec.replicas === 0);

  // `kubectl-rollouts undo`: the previous template again. Its ReplicaSet is adopted (same hash), a new revision.
  await setImage(env, 'rollback', 'demo:1');
  const back = await waitStatus(env, 'rollback', 'back on v1', (s) => s.stableRS === h1 && s.phase === 'Healthy' && s.currentPodHash === h1);
  expect(back.status!.stableRS).toBe(h1);
  const rss = replicaSetsOf(env, 'rollback');
  expect(rss.size).toBe(2);
  expect(rss.get(h1)?.spec.replicas).toBe(4);
  await waitStatus(env, 'rollback', 'v2 scaled to 0', () => replicaSetsOf(env, 'rollback').get(h2)?.spec.replicas === 0);
});

test('workloadRef: the template comes from a Deployment, which is scaled down once the Rollout is Healthy (scaleDown onsuccess)', async () => {
  await env.api.create(Resources.deployments, {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'legacy' },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: 'legacy' } },
      template: { metadata: { labels: { app: 'legacy' } }, spec: { containers: [{ name: 'app', image: 'demo:1' }] } },
    },
  });
  for (const s of ['legacy-canary', 'legacy-stable']) await env.api.create(Resources.services, service(s, 'legacy'));
  await env.api.create(Resources.rollouts, {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Rollout',
    metadata: { name: 'legacy' },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: 'legacy' } },
      workloadRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'legacy', scaleDown: 'onsuccess' },
      strategy: { canary: { canaryService: 'legacy-canary', stableService: 'legacy-stable', steps: [{ setWeight: 50 }] } },
    },
  });
  await waitHealthy(env, 'legacy');
  const rss = replicaSetsOf(env, 'legacy');
  expect([...rss.values()].map((rs) => rs.spec.replicas)).toEqual([2]);
  await waitFor('the Deployment scaled to 0', () => env.api.get<{ spec: { replicas: number } }>(Resources.deployments, 'legacy')?.spec.replicas === 0);
});
