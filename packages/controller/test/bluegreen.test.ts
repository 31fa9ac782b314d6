// End-to-end: blue-green with a preview Service and a manual promotion, and the scale-down delay of the old
// revision driven by core's requeue time.
import { Resources, resourcePath } from '@rollouts/k8s';
import { deploy, promote, replicaSetsOf, selectedHash, setImage, startEnv, waitHealthy, waitStatus, type Env } from './harness';

jest.setTimeout(60_000);

let env: Env;
beforeAll(async () => {
  env = await startEnv({ readinessDelayMs: 50 });
});
afterAll(async () => {
  await env?.stop();
});

const blueGreen = (name: string) => ({
  apiVersion: 'argoproj.io/v1alpha1',
  kind: 'Rollout',
  metadata: { name },
  spec: {
    replicas: 3,
    selector: { matchLabels: { app: name } },
    template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'app', image: 'demo:1', ports: [{ name: 'http', containerPort: 8080 }] }] } },
    strategy: { blueGreen: { activeService: `${name}-active`, previewService: `${name}-preview`, autoPromotionEnabled: false, scaleDownDelaySeconds: 2 } },
  },
});

test('blue-green: preview first, switch on promote, old revision scaled down after the delay', async () => {
  const first = await deploy(env, blueGreen('bg'), ['bg-active', 'bg-preview']);
  const h1 = first.status!.stableRS!;
  expect(selectedHash(env, 'bg-active')).toBe(h1);

  await setImage(env, 'bg', 'demo:2');
  const paused = await waitStatus(env, 'bg', 'v2 up behind the preview Service, paused', (s) => s.currentPodHash !== h1 && (s.pauseConditions ?? []).length > 0);
  const h2 = paused.status!.currentPodHash!;
  await waitStatus(env, 'bg', 'preview selects v2 with all pods available', () => selectedHash(env, 'bg-preview') === h2 && replicaSetsOf(env, 'bg').get(h2)?.status?.availableReplicas === 3);
  // Users still get v1.
  expect(selectedHash(env, 'bg-active')).toBe(h1);
  expect(replicaSetsOf(env, 'bg').get(h1)?.spec.replicas).toBe(3);

  await promote(env, 'bg');
  const done = await waitHealthy(env, 'bg');
  expect(done.status!.stableRS).toBe(h2);
  expect(selectedHash(env, 'bg-active')).toBe(h2);
  // The old revision keeps its pods for scaleDownDelaySeconds (2 s), then goes to 0 without anything else happening.
  expect(replicaSetsOf(env, 'bg').get(h1)?.spec.replicas).toBe(3);
  await waitStatus(env, 'bg', 'v1 scaled to 0 after the delay', () => replicaSetsOf(env, 'bg').get(h1)?.spec.replicas === 0, 8_000);
});

test('events: RolloutAddedToInformer when the controller\'s informer first sees the Rollout, then upstream\'s first-deploy reasons', async () => {
  await deploy(env, blueGreen('bg-events'), ['bg-events-active', 'bg-events-preview']);
  type Ev = { reason?: string; message?: string; involvedObject?: { name?: string } };
  const reasons = async (): Promise<Ev[]> =>
    (await env.http.json<{ items: Ev[] }>('GET', resourcePath(Resources.events, env.ns))).items.filter((e) => e.involvedObject?.name === 'bg-events');
  // Events are written in the background after the writes they describe: wait until the last one is there.
  const expected = ['NewReplicaSetCreated', 'RolloutAddedToInformer', 'RolloutCompleted', 'RolloutUpdated', 'ScalingReplicaSet', 'SwitchService'];
  let seen: Ev[] = [];
  const until = Date.now() + 10_000;
  while (Date.now() < until) {
    seen = await reasons();
    if (expected.every((r) => seen.some((e) => e.reason === r))) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  const added = seen.filter((e) => e.reason === 'RolloutAddedToInformer');
  expect(added.map((e) => e.message)).toEqual([`Rollout resource added to informer: ${env.ns}/bg-events`]);
  expect([...new Set(seen.map((e) => e.reason))].sort()).toEqual(expected);
});
