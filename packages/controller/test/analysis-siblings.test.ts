// End-to-end: a background AnalysisRun whose one metric fails ends at once, though its other metric would go on
// measuring for an hour: the sibling is terminated, the run is Failed and the Rollout aborts (upstream's
// TestReconcileAnalysisRunTerminateSiblingAfterFail, through the controller's measure-and-decide rounds).
import { json } from '@rollouts/api';
import { defineMetricProvider } from '@rollouts/plugin-sdk';
import { canaryRollout, deploy, setImage, startEnv, waitStatus, Resources, type Env } from './harness';

jest.setTimeout(60_000);

/** The query names the answer: `bad` 0.5, anything else 1. */
const fakeProvider = defineMetricProvider({
  kind: 'e2e/fake',
  configCodec: json(),
  make: () => () => ({
    run: (ctx) => () => {
      const query = (ctx.metric.provider as { plugin?: Record<string, { query?: string }> }).plugin?.['e2e/fake']?.query;
      return Promise.resolve({ _tag: 'Right', right: { _tag: 'Value', value: query === 'bad' ? 0.5 : 1 } } as const);
    },
  }),
});

let env: Env;
beforeAll(async () => {
  env = await startEnv({ readinessDelayMs: 30, controller: { metricProviders: [fakeProvider] } });
  await env.api.create(Resources.analysisTemplates, {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'AnalysisTemplate',
    metadata: { name: 'slow-and-bad' },
    spec: {
      metrics: [
        { name: 'slow', interval: '1h', successCondition: 'result == 1', provider: { plugin: { 'e2e/fake': { query: 'slow' } } } },
        { name: 'bad', initialDelay: '1s', successCondition: 'result >= 0.95', provider: { plugin: { 'e2e/fake': { query: 'bad' } } } },
      ],
    },
  });
});
afterAll(async () => {
  await env?.stop();
});

interface RunView {
  metadata: { name: string; labels?: Record<string, string> };
  status?: { phase?: string; message?: string; metricResults?: Array<{ name: string; phase: string }> };
}

test('a failed metric ends its background run at once and the rollout aborts, whatever its long sibling', async () => {
  const ro = canaryRollout('siblings', [{ setWeight: 50 }, { pause: {} }], { canary: { analysis: { templates: [{ templateName: 'slow-and-bad' }] } } });
  await deploy(env, ro, ['siblings-canary', 'siblings-stable']);
  await setImage(env, 'siblings', 'demo:2');
  const aborted = await waitStatus(env, 'siblings', 'aborted by the background analysis', (s) => s.abort === true, 15_000);
  expect(aborted.status!.message).toContain('Metric "bad" assessed Failed');
  const run = env.api.list<RunView>(Resources.analysisRuns).find((r) => r.metadata.labels?.['rollout-type'] === 'Background' && r.metadata.labels?.['app'] === 'siblings');
  expect(run?.status?.phase).toBe('Failed');
  expect(run?.status?.metricResults?.map((m) => [m.name, m.phase])).toEqual([
    ['slow', 'Successful'],
    ['bad', 'Failed'],
  ]);
});
