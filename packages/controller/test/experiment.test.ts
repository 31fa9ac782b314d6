// End-to-end: a canary step that runs an Experiment. The Rollout loop creates the Experiment, the Experiment
// loop creates its ReplicaSet, waits its duration, scales it down and succeeds, and the Rollout goes on.
import { canaryRollout, deploy, setImage, startEnv, waitFor, waitHealthy, Resources, type Env } from './harness';

jest.setTimeout(60_000);

let env: Env;
beforeAll(async () => {
  env = await startEnv({ readinessDelayMs: 30 });
});
afterAll(async () => {
  await env?.stop();
});

interface ExperimentView {
  metadata: { name: string; ownerReferences?: Array<{ kind: string; name: string }> };
  status?: { phase?: string; templateStatuses?: Array<{ name: string; status: string; replicas?: number; availableReplicas?: number }> };
}

test('an experiment step runs the canary template for its duration, then the rollout completes', async () => {
  const steps = [{ setWeight: 25 }, { experiment: { duration: '1s', scaleDownDelaySeconds: 0, templates: [{ name: 'preview', specRef: 'canary', replicas: 1 }] } }];
  const first = await deploy(env, canaryRollout('exp', steps), ['exp-canary', 'exp-stable']);
  await setImage(env, 'exp', 'demo:2');
  const running = await waitFor('the experiment running its template', () =>
    env.api.list<ExperimentView>(Resources.experiments).find((x) => x.metadata.ownerReferences?.some((o) => o.kind === 'Rollout' && o.name === 'exp') && x.status?.phase === 'Running'),
  );
  const templateRs = env.api
    .list<{ metadata: { name: string; ownerReferences?: Array<{ kind: string; name: string }> }; spec: { replicas: number } }>(Resources.replicaSets)
    .find((rs) => rs.metadata.ownerReferences?.some((o) => o.kind === 'Experiment' && o.name === running.metadata.name));
  expect(templateRs?.spec.replicas).toBe(1);

  const done = await waitHealthy(env, 'exp', 20_000);
  expect(done.status!.stableRS).not.toBe(first.status!.stableRS);
  const finished = env.api.get<ExperimentView>(Resources.experiments, running.metadata.name);
  expect(finished?.status?.phase).toBe('Successful');
});
