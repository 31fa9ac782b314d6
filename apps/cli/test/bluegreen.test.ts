// Blue-green and workloadRef Rollouts through the plugin: the tree's active/preview roles, promote of a
// blue-green pause, and set image / undo writing to the referenced Deployment instead of the Rollout.
import { NS, Resources, rolloutOf, service, startEnv, waitFor, waitHealthy, waitStatus, type Env, type SentRequest } from './harness';

jest.setTimeout(60_000);

let env: Env;
beforeAll(async () => {
  env = await startEnv();
});
afterAll(async () => {
  await env?.stop();
});

async function act(...argv: string[]): Promise<{ code: number; out: string; err: string; writes: SentRequest[] }> {
  const mark = env.proxy.mark();
  const r = await env.run(...argv);
  return { ...r, writes: env.proxy.writes(mark) };
}

test('blue-green: get shows active and preview; promote clears the BlueGreenPause and the preview becomes active', async () => {
  env.create(service('bg-active', 'bg'));
  env.create(service('bg-preview', 'bg'));
  env.create({
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Rollout',
    metadata: { name: 'bg', namespace: NS },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: 'bg' } },
      template: { metadata: { labels: { app: 'bg' } }, spec: { containers: [{ name: 'app', image: 'demo:1' }] } },
      strategy: { blueGreen: { activeService: 'bg-active', previewService: 'bg-preview', autoPromotionEnabled: false, scaleDownDelaySeconds: 2 } },
    },
  });
  await waitHealthy(env, 'bg');
  expect((await act('set', 'image', 'bg', 'app=demo:2')).code).toBe(0);
  const paused = await waitStatus(env, 'bg', 'paused before promotion', (s) => s.phase === 'Paused' && (s.pauseConditions ?? []).some((c) => c.reason === 'BlueGreenPause'));
  const preview = paused.status!.currentPodHash!;
  const active = paused.status!.stableRS!;
  await waitFor('preview pods available', () => env.list<{ metadata: { labels?: Record<string, string> }; status?: { availableReplicas?: number } }>(Resources.replicaSets).some((rs) => rs.metadata.labels?.['rollouts-pod-template-hash'] === preview && rs.status?.availableReplicas === 2));

  const shown = await env.run('get', 'rollout', 'bg');
  expect(shown.out).toMatch(/Status: +॥ Paused\nMessage: +BlueGreenPause\nStrategy: +BlueGreen\nImages: +demo:1 \(stable, active\)\n +demo:2 \(preview\)\n/);
  expect(shown.out).not.toContain('Step:');
  expect(shown.out).toMatch(new RegExp(`\\n│  └──⧉ bg-${preview} +ReplicaSet +✔ Healthy +\\S+ +preview\\n`));
  expect(shown.out).toMatch(new RegExp(`\\n   └──⧉ bg-${active} +ReplicaSet +✔ Healthy +\\S+ +stable,active\\n`));
  const listed = await env.run('list', 'rollouts', '--name', 'bg');
  expect(listed.out).toMatch(/\nbg +BlueGreen +॥ Paused +- +- +\d\/\d/);

  const r = await act('promote', 'bg');
  expect(r).toMatchObject({ code: 0, out: "rollout 'bg' promoted\n" });
  expect(r.writes.map((w) => [w.method, w.path, w.body])).toEqual([['PATCH', `/apis/argoproj.io/v1alpha1/namespaces/${NS}/rollouts/bg/status`, { status: { pauseConditions: null } }]]);
  const done = await waitHealthy(env, 'bg');
  expect(done.status?.stableRS).toBe(preview);
  const again = await act('promote', 'bg');
  expect(again).toMatchObject({ code: 0, out: "rollout 'bg' promoted (nothing to do: not paused)\n", writes: [] });
});

test('workloadRef: set image and undo change the referenced Deployment', async () => {
  env.create({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'legacy', namespace: NS },
    spec: { replicas: 0, selector: { matchLabels: { app: 'legacy' } }, template: { metadata: { labels: { app: 'legacy' } }, spec: { containers: [{ name: 'app', image: 'demo:1' }] } } },
  });
  env.create(service('legacy-canary', 'legacy'));
  env.create(service('legacy-stable', 'legacy'));
  env.create({
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Rollout',
    metadata: { name: 'legacy', namespace: NS },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: 'legacy' } },
      workloadRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'legacy' },
      strategy: { canary: { canaryService: 'legacy-canary', stableService: 'legacy-stable', steps: [{ setWeight: 50 }] } },
    },
  });
  await waitHealthy(env, 'legacy');
  const deployment = () => env.get<{ spec: { template: { spec: { containers: Array<{ image: string }> } } } }>(Resources.deployments, 'legacy');

  const r = await act('set', 'image', 'legacy', 'app=demo:2');
  expect(r).toMatchObject({ code: 0, out: 'deployment "legacy" image updated\n' });
  expect(r.writes.map((w) => [w.method, w.path])).toEqual([['PUT', `/apis/apps/v1/namespaces/${NS}/deployments/legacy`]]);
  expect(deployment()?.spec.template.spec.containers[0]?.image).toBe('demo:2');
  await waitFor('a second revision', () => env.list<{ metadata: { ownerReferences?: Array<{ kind: string; name: string }> } }>(Resources.replicaSets).filter((rs) => rs.metadata.ownerReferences?.[0]?.kind === 'Rollout' && rs.metadata.ownerReferences[0].name === 'legacy').length === 2);
  await waitFor('healthy on demo:2', () => {
    const ro = rolloutOf(env, 'legacy');
    return ro?.status?.phase === 'Healthy' && ro.status.stableRS === ro.status.currentPodHash && env.list<{ metadata: { labels?: Record<string, string> }; spec: { template: { spec: { containers: Array<{ image: string }> } } } }>(Resources.replicaSets).find((rs) => rs.metadata.labels?.['rollouts-pod-template-hash'] === ro.status?.stableRS)?.spec.template.spec.containers[0]?.image === 'demo:2';
  });

  const u = await act('undo', 'legacy');
  expect(u).toMatchObject({ code: 0, out: "rollout 'legacy' undo\n" });
  expect(u.writes.map((w) => [w.method, w.path, w.contentType])).toEqual([['PATCH', `/apis/apps/v1/namespaces/${NS}/deployments/legacy`, 'application/json-patch+json']]);
  expect(deployment()?.spec.template.spec.containers[0]?.image).toBe('demo:1');
  // The controller follows the Deployment back to demo:1 (its old ReplicaSet, renumbered).
  await waitFor('healthy on demo:1 again', () => {
    const ro = rolloutOf(env, 'legacy');
    return ro?.status?.phase === 'Healthy' && ro.status.stableRS === ro.status.currentPodHash && env.list<{ metadata: { labels?: Record<string, string> }; spec: { template: { spec: { containers: Array<{ image: string }> } } } }>(Resources.replicaSets).find((rs) => rs.metadata.labels?.['rollouts-pod-template-hash'] === ro.status?.stableRS)?.spec.template.spec.containers[0]?.image === 'demo:1';
  });
});
