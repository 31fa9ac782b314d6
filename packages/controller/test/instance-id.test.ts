// End-to-end: a controller started with an instance id (`--instance-id`) reconciles only the objects labelled
// `argo-rollouts.argoproj.io/controller-instance-id=<id>`. The AnalysisRuns and Experiments it creates for a
// labelled Rollout (and the runs an Experiment creates) must carry the label too, or it never sees them again.
import { json } from '@rollouts/api';
import { defineMetricProvider } from '@rollouts/plugin-sdk';
import { canaryRollout, deploy, setImage, startEnv, waitFor, waitHealthy, Resources, type Env } from './harness';

jest.setTimeout(60_000);

const INSTANCE = 'argo-rollouts.argoproj.io/controller-instance-id';
const ID = 'e2e-instance';

const fakeProvider = defineMetricProvider({
  kind: 'e2e/fake',
  configCodec: json(),
  make: () => () => ({ run: () => () => Promise.resolve({ _tag: 'Right', right: { _tag: 'Value', value: 1 } } as const) }),
});

let env: Env;
beforeAll(async () => {
  env = await startEnv({ readinessDelayMs: 30, controller: { instanceId: ID, metricProviders: [fakeProvider] } });
  await env.api.create(Resources.analysisTemplates, {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'AnalysisTemplate',
    metadata: { name: 'always-good' },
    spec: { metrics: [{ name: 'good', successCondition: 'result == 1', provider: { plugin: { 'e2e/fake': {} } } }] },
  });
});
afterAll(async () => {
  await env?.stop();
});

interface Owned {
  metadata: { name: string; labels?: Record<string, string>; ownerReferences?: Array<{ kind: string; name: string }> };
  status?: { phase?: string };
}
const ownedBy = (kind: string, name: string) => (o: Owned) => (o.metadata.ownerReferences ?? []).some((r) => r.kind === kind && r.name === name);

test('the step AnalysisRun, the step Experiment and its AnalysisRun carry the instance id and are reconciled', async () => {
  const steps = [
    { setWeight: 50 },
    { analysis: { templates: [{ templateName: 'always-good' }] } },
    { experiment: { duration: '1s', scaleDownDelaySeconds: 0, templates: [{ name: 'preview', specRef: 'canary', replicas: 1 }], analyses: [{ name: 'check', templateName: 'always-good' }] } },
  ];
  const ro = canaryRollout('labelled', steps);
  const labelled = { ...ro, metadata: { ...ro.metadata, labels: { [INSTANCE]: ID } } };
  const first = await deploy(env, labelled, ['labelled-canary', 'labelled-stable']);
  await setImage(env, 'labelled', 'demo:2');

  const stepRun = await waitFor('the step AnalysisRun reconciled to a phase', () =>
    env.api.list<Owned>(Resources.analysisRuns).find((r) => ownedBy('Rollout', 'labelled')(r) && (r.status?.phase ?? '') !== ''),
  );
  expect(stepRun.metadata.labels?.[INSTANCE]).toBe(ID);
  expect(stepRun.metadata.labels?.['rollout-type']).toBe('Step');

  const done = await waitHealthy(env, 'labelled', 30_000);
  expect(done.status!.stableRS).not.toBe(first.status!.stableRS);
  expect(env.api.get<Owned>(Resources.analysisRuns, stepRun.metadata.name)?.status?.phase).toBe('Successful');
  const exps = env.api.list<Owned>(Resources.experiments).filter(ownedBy('Rollout', 'labelled'));
  expect(exps.map((x) => [x.metadata.labels?.[INSTANCE], x.status?.phase])).toEqual([[ID, 'Successful']]);
  const expRuns = env.api.list<Owned>(Resources.analysisRuns).filter(ownedBy('Experiment', exps[0]!.metadata.name));
  expect(expRuns.map((r) => [r.metadata.labels?.[INSTANCE], r.status?.phase])).toEqual([[ID, 'Successful']]);
});

test('a Rollout without the instance id is left alone by that controller', async () => {
  await env.api.create(Resources.rollouts, canaryRollout('unlabelled', [{ setWeight: 50 }]));
  await new Promise((r) => setTimeout(r, 1_000));
  expect(env.api.get<Owned>(Resources.rollouts, 'unlabelled')?.status).toBeUndefined();
});
