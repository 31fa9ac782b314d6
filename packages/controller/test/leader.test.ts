// End-to-end: two controller replicas with leader election on one kube-sim. Only the leader writes; when it
// stops, the other takes over and finishes the rollout.
import { Resources } from '@rollouts/k8s';
import { canaryRollout, promote, rolloutOf, service, setImage, startEnv, waitFor, waitHealthy, waitStatus, type Env } from './harness';

jest.setTimeout(60_000);

let env: Env;
beforeAll(async () => {
  env = await startEnv({ readinessDelayMs: 50, noController: true });
});
afterAll(async () => {
  await env?.stop();
});

const election = (identity: string) => ({
  leaderElection: { namespace: env.ns, name: 'rollouts-test-lock', identity, leaseDurationMs: 4_000, renewDeadlineMs: 3_000, retryPeriodMs: 300 },
});

test('one leader reconciles; when it stops, the other replica takes over', async () => {
  const a = await env.startController(election('replica-a'));
  await waitFor('replica a to lead', () => a.isLeader(), 5_000);
  const b = await env.startController(election('replica-b'));
  expect(b.hasSynced()).toBe(true);

  for (const s of ['le-canary', 'le-stable']) await env.api.create(Resources.services, service(s, 'le'));
  await env.api.create(Resources.rollouts, canaryRollout('le', [{ setWeight: 25 }, { pause: {} }, { setWeight: 75 }]));
  const first = await waitHealthy(env, 'le');
  expect(b.isLeader()).toBe(false);
  // Only one replica wrote (both send the same user agent, so count by the Lease holder instead).
  const lease = env.api.get<{ spec: { holderIdentity: string } }>(Resources.leases, 'rollouts-test-lock');
  expect(lease?.spec.holderIdentity).toBe('replica-a');

  await setImage(env, 'le', 'demo:2');
  await waitStatus(env, 'le', 'paused at step 2', (s) => s.currentPodHash !== first.status!.stableRS && s.currentStepIndex === 1 && (s.pauseConditions ?? []).length > 0);

  await a.stop();
  await waitFor('replica b to lead', () => b.isLeader(), 5_000);
  await promote(env, 'le');
  const done = await waitHealthy(env, 'le');
  expect(done.status!.stableRS).not.toBe(first.status!.stableRS);
  expect(env.api.get<{ spec: { holderIdentity: string } }>(Resources.leases, 'rollouts-test-lock')?.spec.holderIdentity).toBe('replica-b');
  expect(rolloutOf(env, 'le')!.status!.currentStepIndex).toBe(3);
});
