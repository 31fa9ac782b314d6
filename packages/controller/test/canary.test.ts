// End-to-end: basic canary (no traffic router) on kube-sim through the real client.
import {
  abort,
  canaryRollout,
  deploy,
  promote,
  promoteFull,
  replicaSetsOf,
  retryRollout,
  rolloutOf,
  selectedHash,
  setImage,
  startEnv,
  waitHealthy,
  waitStatus,
  type Env,
  type RolloutStatusView,
} from './harness';

jest.setTimeout(60_000);

const STEPS = [{ setWeight: 25 }, { pause: { duration: '1s' } }, { setWeight: 50 }, { pause: {} }, { setWeight: 75 }];

let env: Env;
beforeAll(async () => {
  env = await startEnv({ readinessDelayMs: 100 });
});
afterAll(async () => {
  await env?.stop();
});

/** Samples the Rollout's status every few ms, to assert on what happened in between. */
function trace(name: string): { stop(): Array<Pick<RolloutStatusView, 'currentStepIndex' | 'phase'> & { paused: boolean }> } {
  const seen: Array<Pick<RolloutStatusView, 'currentStepIndex' | 'phase'> & { paused: boolean }> = [];
  const t = setInterval(() => {
    const s = rolloutOf(env, name)?.status;
    if (s === undefined) return;
    const row = { currentStepIndex: s.currentStepIndex ?? -1, phase: s.phase ?? '', paused: (s.pauseConditions ?? []).length > 0 };
    const last = seen[seen.length - 1];
    if (last === undefined || last.currentStepIndex !== row.currentStepIndex || last.phase !== row.phase || last.paused !== row.paused) seen.push(row);
  }, 5);
  return {
    stop: () => {
      clearInterval(t);
      return seen;
    },
  };
}

test('basic canary: every step, a timed pause that ends by itself, an indefinite pause, promote', async () => {
  const first = await deploy(env, canaryRollout('basic', STEPS), ['basic-canary', 'basic-stable']);
  const h1 = first.status!.stableRS!;
  expect(selectedHash(env, 'basic-stable')).toBe(h1);
  expect(replicaSetsOf(env, 'basic').get(h1)?.status?.availableReplicas).toBe(4);

  const tr = trace('basic');
  await setImage(env, 'basic', 'demo:2');
  const paused = await waitStatus(env, 'basic', 'paused at the indefinite pause (step 4)', (s) => s.currentStepIndex === 3 && (s.pauseConditions ?? []).length > 0);
  const h2 = paused.status!.currentPodHash!;
  expect(h2).not.toBe(h1);
  // At 50%: the canary runs 2 of 4 pods, the stable the rest; each Service selects its revision.
  const atHalf = replicaSetsOf(env, 'basic');
  expect(atHalf.get(h2)?.spec.replicas).toBe(2);
  expect(atHalf.get(h1)?.spec.replicas).toBe(2);
  expect(selectedHash(env, 'basic-canary')).toBe(h2);
  expect(selectedHash(env, 'basic-stable')).toBe(h1);
  expect(paused.status!.phase).toBe('Paused');

  await promote(env, 'basic');
  const done = await waitHealthy(env, 'basic');
  const seen = tr.stop();
  expect(done.status!.stableRS).toBe(h2);
  expect(selectedHash(env, 'basic-stable')).toBe(h2);
  expect(selectedHash(env, 'basic-canary')).toBe(h2);
  const rss = replicaSetsOf(env, 'basic');
  expect(rss.get(h2)?.spec.replicas).toBe(4);
  expect(rss.get(h1)?.spec.replicas).toBe(0);
  // The timed pause at step 2 was observed as a pause and ended without a promote.
  expect(seen).toContainEqual({ currentStepIndex: 1, phase: 'Paused', paused: true });
  const steps = seen.map((s) => s.currentStepIndex);
  expect(steps.indexOf(1)).toBeLessThan(steps.indexOf(3));
});

test('abort sends everything back to stable; retry starts the steps again', async () => {
  const first = await deploy(env, canaryRollout('abort', STEPS), ['abort-canary', 'abort-stable']);
  const h1 = first.status!.stableRS!;
  await setImage(env, 'abort', 'demo:2');
  const paused = await waitStatus(env, 'abort', 'at the indefinite pause', (s) => s.currentStepIndex === 3 && (s.pauseConditions ?? []).length > 0);
  const h2 = paused.status!.currentPodHash!;

  await abort(env, 'abort');
  const aborted = await waitStatus(env, 'abort', 'aborted and back on stable', (s) => s.phase === 'Degraded' && s.abort === true && replicaSetsOf(env, 'abort').get(h2)?.spec.replicas === 0);
  expect(aborted.status!.conditions?.find((c) => c.type === 'Progressing')?.reason).toBe('RolloutAborted');
  expect(replicaSetsOf(env, 'abort').get(h1)?.spec.replicas).toBe(4);
  expect(selectedHash(env, 'abort-stable')).toBe(h1);
  expect(aborted.status!.stableRS).toBe(h1);

  await retryRollout(env, 'abort');
  await waitStatus(env, 'abort', 'retried up to the indefinite pause again', (s) => s.abort !== true && s.currentStepIndex === 3 && (s.pauseConditions ?? []).length > 0);
  expect(replicaSetsOf(env, 'abort').get(h2)?.spec.replicas).toBe(2);
  await promote(env, 'abort');
  const done = await waitHealthy(env, 'abort');
  expect(done.status!.stableRS).toBe(h2);
});

test('promote --full skips the remaining steps', async () => {
  const first = await deploy(env, canaryRollout('full', STEPS), ['full-canary', 'full-stable']);
  await setImage(env, 'full', 'demo:2');
  const paused = await waitStatus(env, 'full', 'first step of v2 done', (s) => s.currentPodHash !== first.status!.stableRS && (s.currentStepIndex ?? 0) >= 1);
  expect(paused.status!.currentStepIndex).toBeLessThan(STEPS.length);
  const h2 = paused.status!.currentPodHash!;
  await promoteFull(env, 'full');
  const done = await waitHealthy(env, 'full');
  expect(done.status!.stableRS).toBe(h2);
  expect(replicaSetsOf(env, 'full').get(h2)?.spec.replicas).toBe(4);
});

test('a new image mid-rollout supersedes the canary; rollback to the previous revision', async () => {
  const first = await deploy(env, canaryRollout('supersede', STEPS), ['supersede-canary', 'supersede-stable']);
  const h1 = first.status!.stableRS!;
  await setImage(env, 'supersede', 'demo:2');
  const at2 = await waitStatus(env, 'supersede', 'v2 paused', (s) => s.currentStepIndex === 3 && (s.pauseConditions ?? []).length > 0);
  const h2 = at2.status!.currentPodHash!;

  // v3 while v2 is at 50%: v2's ReplicaSet goes away, v3 starts from step 1.
  await setImage(env, 'supersede', 'demo:3');
  const at3 = await waitStatus(env, 'supersede', 'v3 paused', (s) => s.currentPodHash !== h2 && s.currentStepIndex === 3 && (s.pauseConditions ?? []).length > 0);
  const h3 = at3.status!.currentPodHash!;
  expect(h3).not.toBe(h1);
  expect(replicaSetsOf(env, 'supersede').get(h2)?.spec.replicas).toBe(0);
  expect(replicaSetsOf(env, 'supersede').get(h3)?.spec.replicas).toBe(2);
  expect(at3.status!.stableRS).toBe(h1);
  expect(selectedHash(env, 'supersede-canary')).toBe(h3);

  // Rollback: back to v1's template, which is the stable revision: it is healthy at once, no steps.
  await setImage(env, 'supersede', 'demo:1');
  const back = await waitHealthy(env, 'supersede');
  expect(back.status!.stableRS).toBe(h1);
  expect(back.status!.currentPodHash).toBe(h1);
  expect(replicaSetsOf(env, 'supersede').get(h3)?.spec.replicas).toBe(0);
  expect(replicaSetsOf(env, 'supersede').get(h1)?.spec.replicas).toBe(4);
});
