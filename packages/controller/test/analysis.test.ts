// End-to-end: step analysis through a metric provider plugin. The AnalysisRun loop takes measurements through
// the plugin, core judges them, the run's status is written, and the Rollout follows the run's verdict.
import { json } from '@rollouts/api';
import { Resources } from '@rollouts/k8s';
import { defineMetricProvider } from '@rollouts/plugin-sdk';
import { canaryRollout, deploy, replicaSetsOf, setImage, startEnv, waitFor, waitHealthy, waitStatus, type Env } from './harness';

jest.setTimeout(60_000);

/** A provider whose answer the test sets: `value` per AnalysisRun label `app`; calls are counted. */
const answers = new Map<string, number | 'throw' | 'hang'>();
const calls: string[] = [];
const fakeProvider = defineMetricProvider({
  kind: 'e2e/fake',
  configCodec: json(),
  make: () => () => ({
    run: (ctx) => () => {
      const app = ctx.run.metadata?.labels?.['app'] ?? '';
      calls.push(app);
      const a = answers.get(app) ?? 1;
      if (a === 'throw') return Promise.reject(new Error('provider exploded'));
      if (a === 'hang') return new Promise(() => undefined);
      return Promise.resolve({ _tag: 'Right', right: { _tag: 'Value', value: a } } as const);
    },
  }),
});

let env: Env;
beforeAll(async () => {
  env = await startEnv({ readinessDelayMs: 30, controller: { metricProviders: [fakeProvider], measurementTimeoutMs: 300 } });
  await env.api.create(Resources.analysisTemplates, {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'AnalysisTemplate',
    metadata: { name: 'success-rate' },
    spec: {
      metrics: [{ name: 'success-rate', interval: '1s', count: 2, successCondition: 'result >= 0.95', failureLimit: 0, provider: { plugin: { 'e2e/fake': { query: 'rate' } } } }],
    },
  });
});
afterAll(async () => {
  await env?.stop();
});

const steps = [{ setWeight: 50 }, { analysis: { templates: [{ templateName: 'success-rate' }] } }];

interface RunView {
  metadata: { name: string; labels?: Record<string, string> };
  status?: { phase?: string; metricResults?: Array<{ name: string; phase: string; count?: number; measurements?: Array<{ phase: string; value?: string; message?: string }> }> };
}

test('a successful step analysis lets the rollout complete', async () => {
  answers.set('good', 0.99);
  const first = await deploy(env, canaryRollout('good', steps), ['good-canary', 'good-stable']);
  await setImage(env, 'good', 'demo:2');
  const done = await waitHealthy(env, 'good', 20_000);
  expect(done.status!.stableRS).not.toBe(first.status!.stableRS);
  const runs = env.api.list<RunView>(Resources.analysisRuns).filter((r) => r.metadata.labels?.['app'] === 'good');
  expect(runs).toHaveLength(1);
  const result = runs[0]!.status!.metricResults![0]!;
  expect(runs[0]!.status!.phase).toBe('Successful');
  expect(result.count).toBe(2);
  expect(result.measurements!.map((m) => m.value)).toEqual(['0.99', '0.99']);
});

test('a failed measurement aborts the rollout', async () => {
  answers.set('bad', 0.5);
  const first = await deploy(env, canaryRollout('bad', steps), ['bad-canary', 'bad-stable']);
  const h1 = first.status!.stableRS!;
  await setImage(env, 'bad', 'demo:2');
  const aborted = await waitStatus(env, 'bad', 'aborted by the analysis', (s) => s.abort === true && s.phase === 'Degraded', 20_000);
  expect(aborted.status!.message).toContain('success-rate');
  await waitFor('canary scaled down', () => [...replicaSetsOf(env, 'bad').entries()].every(([h, rs]) => h === h1 || rs.spec.replicas === 0));
  const run = env.api.list<RunView>(Resources.analysisRuns).find((r) => r.metadata.labels?.['app'] === 'bad');
  expect(run?.status?.phase).toBe('Failed');
  expect(run?.status?.metricResults?.[0]?.measurements?.[0]).toMatchObject({ phase: 'Failed', value: '0.5' });
});

test('a provider that hangs or throws gives Error measurements, not a stuck run', async () => {
  answers.set('flaky', 'hang');
  await deploy(env, canaryRollout('flaky', steps), ['flaky-canary', 'flaky-stable']);
  await setImage(env, 'flaky', 'demo:2');
  const run = await waitFor(
    'an Error measurement from the timeout',
    () => env.api.list<RunView>(Resources.analysisRuns).find((r) => r.metadata.labels?.['app'] === 'flaky' && (r.status?.metricResults?.[0]?.measurements ?? []).some((m) => m.phase === 'Error')),
    15_000,
  );
  expect(run.status!.metricResults![0]!.measurements![0]!.message).toContain('did not answer within 300 ms');
  answers.set('flaky', 0.99);
  // After an Error the next measurement comes 10 s later (upstream's error retry interval): not waited for here.
});
