// Hostile specs end to end (issue #15, bullets 1 and 2), on the target API server:
// - a dryRun pattern that backtracks exponentially in JavaScript, `(a+)+$`, on a metric named 40 a's then b, in an
//   AnalysisTemplate a Rollout's step uses and in a standalone AnalysisRun: the controller stays responsive (a
//   control Rollout completes meanwhile) and both runs end in Error saying the rule matches no metric (Go's
//   semantics: the pattern is anchored at the end, the name ends in b);
// - numbers no controller can act on (`maxSurge: "NaN%"`, `setCanaryScale.weight: -50`, `maxTrafficWeight: 0`,
//   `abortScaleDownDelaySeconds: -5`, `replicas: 2147483648`, an integer pause of `3e9`): each Rollout gets the
//   InvalidSpec condition naming the field, or, on a real API server, the server refuses it naming the field.
// Nothing may make a reconcile throw: the controller's log must have no "reconcile threw" line.
import { json } from '@rollouts/api';
import { defineMetricProvider } from '@rollouts/plugin-sdk';
import { canaryRollout, deploy, Resources, rolloutOf, setImage, startEnv, waitFor, waitStatus, type Env } from './harness';
import { capturingLogger, controlRolloutCompletes } from './Hostile';

jest.setTimeout(120_000);

/** A provider that answers 1 at once (the hostile runs must not even get this far). */
const okProvider = defineMetricProvider({
  kind: 'e2e/ok',
  configCodec: json(),
  make: () => () => ({ run: () => () => Promise.resolve({ _tag: 'Right', right: { _tag: 'Value', value: 1 } } as const) }),
});

const log = capturingLogger();
let env: Env;
beforeAll(async () => {
  env = await startEnv({ readinessDelayMs: 30, controller: { metricProviders: [okProvider], log } });
});
afterAll(async () => {
  await env?.stop();
});

const threw = (): string[] => log.lines.filter((l) => l.includes('reconcile threw'));

interface RunView {
  metadata: { name: string; labels?: Record<string, string>; ownerReferences?: Array<{ name: string }> };
  status?: { phase?: string; message?: string };
}
interface ConditionView {
  type: string;
  status: string;
  message?: string;
}

describe('a dryRun pattern that backtracks exponentially in JavaScript', () => {
  const PATTERN = '(a+)+$';
  const METRIC = `${'a'.repeat(40)}b`;
  const metric = { name: METRIC, provider: { plugin: { 'e2e/ok': {} } } };
  const UNMATCHED = "Analysis spec invalid: dryRun[0]: Rule didn't match any metric name(s)";

  test('in a template a Rollout step uses, and in a standalone AnalysisRun: both runs end in Error, the controller stays responsive', async () => {
    await env.api.create(Resources.analysisTemplates, {
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'AnalysisTemplate',
      metadata: { name: 'backtracking' },
      spec: { metrics: [metric], dryRun: [{ metricName: PATTERN }] },
    });
    await deploy(env, canaryRollout('pattern-app', [{ setWeight: 50 }, { analysis: { templates: [{ templateName: 'backtracking' }] } }], { replicas: 2 }), [
      'pattern-app-canary',
      'pattern-app-stable',
    ]);
    await env.api.create(Resources.analysisRuns, { apiVersion: 'argoproj.io/v1alpha1', kind: 'AnalysisRun', metadata: { name: 'backtracking-run' }, spec: { metrics: [metric], dryRun: [{ metricName: PATTERN }] } });
    await setImage(env, 'pattern-app', 'demo:2');

    // While both hostile runs exist, another Rollout completes an update.
    await controlRolloutCompletes(env, 'control-pattern', 60_000);

    const runOf = (name: string) => env.api.get<RunView>(Resources.analysisRuns, name);
    const standalone = await waitFor('the standalone run ends', () => (runOf('backtracking-run')?.status?.phase === 'Error' ? runOf('backtracking-run') : undefined), 30_000, () => runOf('backtracking-run')?.status);
    expect(standalone.status?.message).toBe(UNMATCHED);

    const stepRun = await waitFor(
      "the Rollout step's run ends",
      () => env.api.list<RunView>(Resources.analysisRuns).find((r) => r.metadata.ownerReferences?.some((o) => o.name === 'pattern-app') && r.status?.phase === 'Error'),
      30_000,
      () => env.api.list<RunView>(Resources.analysisRuns).map((r) => [r.metadata.name, r.status]),
    );
    expect(stepRun.status?.message).toBe(UNMATCHED);
    // The Rollout follows its run: the update aborts, and says why.
    const aborted = await waitStatus(env, 'pattern-app', 'aborted by its analysis', (s) => s.abort === true && s.phase === 'Degraded', 30_000);
    expect(aborted.status?.message).toContain(stepRun.metadata.name);
    expect(threw()).toEqual([]);
  });

  test('an invalid pattern in a Rollout step is InvalidSpec at its field, with Go\'s message', async () => {
    const ro = canaryRollout('pattern-invalid', [{ analysis: { templates: [{ templateName: 'backtracking' }], dryRun: [{ metricName: '(a+' }] } }], { replicas: 1 });
    await env.api.create(Resources.rollouts, ro);
    const invalid = await waitStatus(env, 'pattern-invalid', 'InvalidSpec', (s) => invalidSpec(s.conditions) !== undefined, 30_000);
    expect(invalidSpec(invalid.status?.conditions)).toContain('spec.strategy.canary.steps[0].analysis.dryRun[0].metricName: Invalid value: "(a+": error parsing regexp: missing closing ): `(a+`');
    expect(threw()).toEqual([]);
  });
});

const invalidSpec = (conditions: ReadonlyArray<ConditionView> | undefined): string | undefined => conditions?.find((c) => c.type === 'InvalidSpec' && c.status === 'True')?.message;

describe('numbers no controller can act on', () => {
  const nginx = { trafficRouting: { nginx: { stableIngress: 'no-such-ingress' } } };
  // [name, the field path, the message at it, canary steps, canary fields, spec fields]
  const cases: Array<[string, string, string, ReadonlyArray<Record<string, unknown>>, Record<string, unknown>, Record<string, unknown>]> = [
    ['nan-surge', 'spec.strategy.canary.maxSurge', 'Invalid value: "NaN%": a valid percent string must be a numeric string', [{ setWeight: 50 }], { maxSurge: 'NaN%' }, {}],
    ['negative-scale', 'spec.strategy.canary.steps[0].setCanaryScale.weight', 'Invalid value: -50: must be between 0 and 100', [{ setCanaryScale: { weight: -50 } }], nginx, {}],
    [
      'zero-max-weight',
      'spec.strategy.canary.trafficRouting.maxTrafficWeight',
      'Invalid value: 0: must be greater than 0',
      [{ setCanaryScale: { replicas: 1 } }],
      { trafficRouting: { ...nginx.trafficRouting, maxTrafficWeight: 0 } },
      {},
    ],
    ['negative-abort-delay', 'spec.strategy.canary.abortScaleDownDelaySeconds', 'Invalid value: -5: must be greater than or equal to 0', [{ setWeight: 50 }], { ...nginx, abortScaleDownDelaySeconds: -5 }, {}],
    ['huge-replicas', 'spec.replicas', 'Invalid value: 2147483648: must be a 32-bit integer', [{ setWeight: 50 }], {}, { replicas: 2147483648 }],
    ['huge-pause', 'spec.strategy.canary.steps[0].pause.duration', 'Invalid value: 3000000000: must be a 32-bit integer', [{ pause: { duration: 3e9 } }], {}, {}],
  ];

  test.each(cases)('%s: InvalidSpec naming %s (or the API server refuses it, naming the field)', async (name, path, message, steps, canary, spec) => {
    const ro = canaryRollout(`hostile-${name}`, steps, { replicas: 1, canary });
    const manifest = { ...ro, spec: { ...ro.spec, ...spec } };
    let refusal: string | undefined;
    try {
      await env.api.create(Resources.rollouts, manifest);
    } catch (e) {
      refusal = e instanceof Error ? e.message : String(e);
    }
    if (refusal !== undefined) {
      // Only a real API server refuses these (by the CRD schema); kube-sim admits what its schema admits.
      expect(env.target).toBe('real');
      expect(refusal).toContain(path);
      return;
    }
    const invalid = await waitStatus(env, `hostile-${name}`, 'InvalidSpec', (s) => invalidSpec(s.conditions) !== undefined, 30_000);
    expect(invalidSpec(invalid.status?.conditions)).toContain(`${path}: ${message}`);
    expect(invalid.status?.phase).toBe('Degraded');
    expect(rolloutOf(env, `hostile-${name}`)?.status?.message).toContain(path);
    expect(threw()).toEqual([]);
  });

  test('the controller still completes an update for everybody else', async () => {
    await controlRolloutCompletes(env, 'control-numbers', 60_000);
    expect(threw()).toEqual([]);
  });
});
