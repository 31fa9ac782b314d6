/**
 * Plugin steps, reconcile by reconcile: a small world runs the controller's loop (ask `stepPluginCalls`, answer
 * with a scripted plugin — a test double — and reconcile with the answers) against ReplicaSets that become
 * available as soon as they are scaled. The scenarios are the ten of Argo's step-plugin e2e suite, plus the
 * rules in between (backoff, skip, invalid answers, the gates).
 */
import * as fc from 'fast-check';
import type { CanaryStep, ReplicaSet, Rollout, RolloutStatus, StepPluginStatus } from '@rollouts/api';
import type { Intent, ReconcileResult } from './Intent';
import type { RolloutObservation } from './Observation';
import { reconcileRollout } from './ReconcileRollout';
import { goDurationString, mergeStepPluginResults, pluginStepOutcome, stepPluginCalls, type StepPluginCall, type StepPluginCallResult, type StepPluginTiming } from './StepPlugins';
import { toRfc3339 } from './Time';

const T0 = Date.parse('2026-01-01T00:00:00Z');
const PLUGIN = 'acme/step';
const template = (image: string) => ({ metadata: { labels: { app: 'shop' } }, spec: { containers: [{ name: 'shop', image }] } });
const pluginStep = (config: unknown = {}, name = PLUGIN): CanaryStep => ({ plugin: { name, config } }) as CanaryStep;

/** What the scripted plugin (a test double) answers: per call, by operation and step index. */
type Script = (call: StepPluginCall, n: number) => Omit<StepPluginCallResult, 'operation' | 'index' | 'name' | 'startedAt' | 'finishedAt'>;

/** Answers Run with config.phase (Running for config.runs calls first), Terminate/Abort Successful. */
const byConfig: Script = (call, n) => {
  const c = (call.config ?? {}) as { phase?: string; runs?: number };
  if (call.operation !== 'Run') return { phase: 'Successful', message: `${call.operation.toLowerCase()}d` };
  if (n < (c.runs ?? 0)) return { phase: 'Running', status: { n: n + 1 } };
  return { phase: c.phase ?? 'Successful', message: `answered ${c.phase ?? 'Successful'}`, status: { n: n + 1 } };
};

const FAST: StepPluginTiming = { runningBackoffMs: 2000, minRequeueMs: 1000, errorBackoffMs: 5000 };

class World {
  rollout: Rollout;
  replicaSets: ReplicaSet[] = [];
  now = T0;
  readonly calls: StepPluginCall[] = [];
  readonly events: string[] = [];
  last: ReconcileResult | undefined;
  private readonly counts = new Map<string, number>();

  constructor(
    steps: CanaryStep[],
    private readonly script: Script = byConfig,
    private readonly extra: Partial<RolloutObservation> = {},
  ) {
    this.rollout = {
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'Rollout',
      metadata: { name: 'shop', namespace: 'default', uid: 'uid-1', generation: 1 },
      spec: { replicas: 2, selector: { matchLabels: { app: 'shop' } }, template: template('shop:1'), strategy: { canary: { steps } }, progressDeadlineSeconds: 600 },
    } as Rollout;
    this.settle();
  }

  /** Change the spec (a new generation). */
  edit(f: (spec: Rollout['spec']) => Rollout['spec']): void {
    this.rollout = { ...this.rollout, metadata: { ...this.rollout.metadata, generation: (this.rollout.metadata?.generation ?? 1) + 1 }, spec: f(this.rollout.spec) };
  }
  update(image: string): void {
    this.edit((s) => ({ ...s, template: template(image) }));
  }
  patchStatus(p: Partial<RolloutStatus>): void {
    this.rollout = { ...this.rollout, status: { ...(this.rollout.status ?? {}), ...p } };
  }
  get status(): RolloutStatus {
    return this.rollout.status ?? {};
  }
  get entries(): StepPluginStatus[] {
    return (this.status.canary?.stepPluginStatuses ?? []) as StepPluginStatus[];
  }
  /** Entries as `op index phase`, for compact assertions. */
  get summary(): string[] {
    return this.entries.map((e) => `${e.operation} ${e.index} ${e.phase}`);
  }

  /** One controller reconcile: the plugin calls, then reconcileRollout with their answers, then its intents. */
  tick(advanceMs = 0): ReconcileResult {
    this.now += advanceMs;
    const calls = stepPluginCalls(this.rollout, this.now, { disabled: this.extra.disabledStepPlugins ?? [] });
    const results: StepPluginCallResult[] = calls.map((c) => {
      this.calls.push(c);
      const key = `${c.operation}/${c.index}`;
      const n = this.counts.get(key) ?? 0;
      this.counts.set(key, n + 1);
      return { ...this.script(c, n), operation: c.operation, index: c.index, name: c.name, startedAt: this.now, finishedAt: this.now };
    });
    const obs: RolloutObservation = {
      rollout: this.rollout,
      replicaSets: this.replicaSets,
      services: [],
      analysisRuns: [],
      experiments: [],
      analysisTemplates: [],
      clusterAnalysisTemplates: [],
      stepPlugins: [PLUGIN, 'acme/off'],
      stepPluginTiming: FAST,
      ...this.extra,
      stepPluginResults: results,
      now: this.now,
    };
    const r = reconcileRollout(obs);
    this.apply(r.intents);
    this.last = r;
    return r;
  }

  /** Reconcile until nothing changes (at most `max` times), moving the clock by the requeue each time. */
  settle(max = 40): void {
    for (let i = 0; i < max; i++) {
      const before = JSON.stringify([this.rollout.status, this.replicaSets]);
      const r = this.tick();
      if (JSON.stringify([this.rollout.status, this.replicaSets]) === before && r.intents.length === 0) return;
    }
  }

  private apply(intents: ReadonlyArray<Intent>): void {
    for (const i of intents) {
      if (i._tag === 'CreateReplicaSet') {
        const n = i.replicaSet.spec?.replicas ?? 0;
        this.replicaSets.push({ ...i.replicaSet, status: { replicas: n, readyReplicas: n, availableReplicas: n } });
      } else if (i._tag === 'ScaleReplicaSet' || i._tag === 'AnnotateReplicaSet') {
        this.replicaSets = this.replicaSets.map((rs) => {
          if (rs.metadata?.name !== i.name) return rs;
          const annotations = { ...(rs.metadata?.annotations ?? {}) };
          for (const [k, v] of Object.entries(i.annotations ?? {})) if (v === null) delete annotations[k];
          else annotations[k] = v;
          const n = i._tag === 'ScaleReplicaSet' ? i.replicas : (rs.spec?.replicas ?? 0);
          return { ...rs, metadata: { ...rs.metadata, annotations }, spec: { ...rs.spec!, replicas: n }, status: { replicas: n, readyReplicas: n, availableReplicas: n } };
        });
      } else if (i._tag === 'DeleteReplicaSet') {
        this.replicaSets = this.replicaSets.filter((rs) => rs.metadata?.name !== i.name);
      } else if (i._tag === 'RecordEvent') {
        this.events.push(`${i.eventReason}: ${i.message}`);
      } else if (i._tag === 'UpdateStatus') {
        this.rollout = { ...this.rollout, status: i.status };
      }
    }
  }
}

describe('plugin steps through reconciles (Argo step_plugin e2e scenarios)', () => {
  test('CompletesWhenStepSuccessful: both plugin steps run to Successful and the update completes', () => {
    const w = new World([pluginStep({ runs: 1 }), pluginStep({ runs: 2 })]);
    expect(w.status.phase).toBe('Healthy');
    w.update('shop:2');
    w.tick();
    expect(w.status.phase).toBe('Progressing');
    for (let i = 0; i < 30 && w.status.phase !== 'Healthy'; i++) w.tick(2000);
    expect(w.status.phase).toBe('Healthy');
    expect(w.status.stableRS).toBe(w.status.currentPodHash);
    expect(w.summary).toEqual(['Run 0 Successful', 'Run 1 Successful']);
    const [a, b] = w.entries;
    expect(a).toMatchObject({ name: PLUGIN, executions: 2, status: { n: 2 }, message: 'answered Successful' });
    expect(b).toMatchObject({ executions: 3, status: { n: 3 } });
    expect(b!.finishedAt).toBeDefined();
    expect(b!.backoff).toBeUndefined();
    expect(w.events.filter((e) => e.startsWith('RolloutStepCompleted'))).toHaveLength(2);
  });

  test('AbortWhenStepFails: Failed aborts the update, and the successful step before it is aborted', () => {
    const w = new World([pluginStep(), pluginStep({ phase: 'Failed' })]);
    w.update('shop:2');
    w.settle();
    expect(w.status.abort).toBe(true);
    expect(w.status.phase).toBe('Degraded');
    expect(w.status.message).toContain(`Step plugin ${PLUGIN} at step 2 failed: answered Failed`);
    expect(w.summary).toEqual(['Run 0 Successful', 'Run 1 Failed', 'Abort 0 Successful']);
    expect(w.events.some((e) => e.startsWith('StepPluginTransition') && e.includes('run is Failed'))).toBe(true);
  });

  test('AbortStepsWhenAborted: an abort during a running step aborts it and the steps before it, latest first', () => {
    const w = new World([pluginStep(), pluginStep({ phase: 'Running' })]);
    w.update('shop:2');
    w.settle();
    expect(w.summary).toEqual(['Run 0 Successful', 'Run 1 Running']);
    expect(w.status.currentStepIndex).toBe(1);
    w.patchStatus({ abort: true });
    w.settle();
    expect(w.summary).toEqual(['Run 0 Successful', 'Run 1 Running', 'Abort 1 Successful', 'Abort 0 Successful']);
    expect(w.status.phase).toBe('Degraded');
    // Each abort is made once.
    expect(w.calls.filter((c) => c.operation === 'Abort').map((c) => c.index)).toEqual([1, 0]);
    // The plugin's own state is handed to abort.
    expect(w.calls.find((c) => c.operation === 'Abort' && c.index === 1)?.status).toEqual({ n: 1 });
  });

  test('RetryAbortedRollout: a retry starts the plugin steps again from clean entries', () => {
    const w = new World([pluginStep(), pluginStep({ phase: 'Failed' })]);
    w.update('shop:2');
    w.settle();
    expect(w.status.abort).toBe(true);
    w.patchStatus({ abort: false });
    w.tick();
    expect(w.entries).toEqual([]);
    w.settle();
    expect(w.summary).toEqual(['Run 0 Successful', 'Run 1 Failed', 'Abort 0 Successful']);
    expect(w.calls.filter((c) => c.operation === 'Run' && c.index === 0)).toHaveLength(2);
  });

  test('CompletesWhenPromotedAndStepRunning: promote-full terminates the running step and completes', () => {
    const w = new World([pluginStep(), pluginStep({ phase: 'Running' })]);
    w.update('shop:2');
    w.settle();
    w.patchStatus({ promoteFull: true });
    w.settle();
    expect(w.status.phase).toBe('Healthy');
    expect(w.summary).toEqual(['Run 0 Successful', 'Run 1 Running', 'Terminate 1 Successful']);
    expect(w.calls.filter((c) => c.operation === 'Terminate')).toHaveLength(1);
  });

  test('a promote that skips a running step (currentStepIndex moved past it) terminates it', () => {
    const w = new World([pluginStep({ phase: 'Running' }), { pause: {} } as CanaryStep]);
    w.update('shop:2');
    w.settle();
    expect(w.summary).toEqual(['Run 0 Running']);
    w.patchStatus({ currentStepIndex: 1 });
    w.settle();
    expect(w.summary).toEqual(['Run 0 Running', 'Terminate 0 Successful']);
    expect(w.status.currentStepIndex).toBe(1);
    expect(w.status.phase).toBe('Paused');
  });

  test('RetriesUntilDeadlineWhenRunning: a step that keeps Running is run again after each backoff, until the progress deadline', () => {
    const w = new World([pluginStep(), pluginStep({ phase: 'Running' })]);
    w.edit((s) => ({ ...s, progressDeadlineSeconds: 15 }));
    w.settle();
    w.update('shop:2');
    w.settle();
    const runs = () => w.calls.filter((c) => c.operation === 'Run' && c.index === 1).length;
    expect(runs()).toBe(1);
    expect(w.entries[1]).toMatchObject({ phase: 'Running', backoff: '2s' });
    // Not before the backoff ends; the reconcile asks to be requeued when it does.
    w.tick(1000);
    expect(runs()).toBe(1);
    expect(w.last!.requeueAfterMs).toBeLessThanOrEqual(1100);
    w.tick(1100);
    expect(runs()).toBe(2);
    for (let i = 0; i < 10; i++) w.tick(2100);
    expect(w.status.phase).toBe('Degraded');
    expect(w.status.conditions?.find((c) => c.type === 'Progressing')?.reason).toBe('ProgressDeadlineExceeded');
    expect(w.status.currentStepIndex).toBe(1);
    expect(w.entries[1]).toMatchObject({ operation: 'Run', phase: 'Running', status: { n: expect.any(Number) } });
    // Degraded: not called any more.
    const after = runs();
    w.tick(5000);
    w.tick(5000);
    expect(runs()).toBe(after);
  });

  test('RetriesUntilDeadlineWhenError: an Error is retried after its backoff, keeps the last state and says why', () => {
    const script: Script = (c, n) => (c.index === 1 ? { phase: 'Error', message: `backend down (${n})` } : { phase: 'Successful', status: { s: 1 } });
    const w = new World([pluginStep(), pluginStep()], script);
    w.update('shop:2');
    w.settle();
    expect(w.entries[1]).toMatchObject({ phase: 'Error', message: 'backend down (0)', backoff: '5s', executions: 1 });
    expect(w.entries[1]!.status).toBeUndefined();
    w.tick(4000);
    expect(w.entries[1]!.executions).toBe(1);
    w.tick(1000);
    expect(w.entries[1]).toMatchObject({ executions: 2, message: 'backend down (1)' });
    expect(w.status.abort).toBeUndefined();
    expect(w.status.currentStepIndex).toBe(1);
  });

  test('an answer with a phase that does not exist is recorded as Error, naming it', () => {
    const w = new World([pluginStep({ phase: 'invalidPhaseCausingPluginError' })]);
    w.update('shop:2');
    w.settle();
    expect(w.entries[0]).toMatchObject({ phase: 'Error', message: expect.stringContaining("phase 'invalidPhaseCausingPluginError' is not valid") });
    expect(w.entries[0]!.status).toBeUndefined();
  });

  test('StatusIsNotUsedOnNewRollout: a new update starts with no entries of the last one', () => {
    const w = new World([pluginStep(), pluginStep()]);
    w.update('shop:2');
    w.settle();
    expect(w.summary).toEqual(['Run 0 Successful', 'Run 1 Successful']);
    w.edit((s) => ({ ...s, template: template('shop:3'), strategy: { canary: { steps: [pluginStep()] } } }));
    w.tick();
    expect(w.entries).toEqual([]);
    w.settle();
    expect(w.status.phase).toBe('Healthy');
    expect(w.summary).toEqual(['Run 0 Successful']);
  });

  test('a plugin step whose config the plugin refuses (the controller reports it) is InvalidSpec at the field', () => {
    const w = new World([pluginStep({})], byConfig, { stepPluginConfigProblems: [{ path: 'spec.strategy.canary.steps[0].plugin.config.key', message: 'expected string, got 3' }] });
    w.update('shop:2');
    w.settle();
    expect(w.status.phase).toBe('Degraded');
    expect(w.status.conditions?.find((c) => c.type === 'InvalidSpec')?.message).toContain('spec.strategy.canary.steps[0].plugin.config.key');
    expect(w.status.conditions?.find((c) => c.type === 'InvalidSpec')?.message).toContain('expected string, got 3');
  });

  test('ErrorWhenStepPluginNotConfigured: an unknown plugin is InvalidSpec and nothing is called', () => {
    const w = new World([pluginStep({}, 'acme/unknown')]);
    w.update('shop:2');
    w.settle();
    expect(w.status.phase).toBe('Degraded');
    expect(w.status.conditions?.find((c) => c.type === 'InvalidSpec')?.message).toContain('step plugin "acme/unknown" is not configured in this controller');
    expect(w.calls).toEqual([]);
    expect(w.entries).toEqual([]);
  });

  test('SkipPluginWhenDisabled: a disabled plugin is never called and its step writes no entry', () => {
    const w = new World([pluginStep({}, 'acme/off'), pluginStep()], byConfig, { disabledStepPlugins: ['acme/off'] });
    w.update('shop:2');
    w.settle();
    expect(w.status.phase).toBe('Healthy');
    expect(w.summary).toEqual(['Run 1 Successful']);
    expect(w.calls.every((c) => c.name === PLUGIN)).toBe(true);
  });
});

describe('stepPluginCalls gates', () => {
  const ro = (status: RolloutStatus, extra: Partial<Rollout['spec']> = {}, generation = 3): Rollout =>
    ({
      metadata: { name: 'r', generation },
      spec: { strategy: { canary: { steps: [{ setWeight: 10 }, pluginStep({ a: 1 })] } }, ...extra },
      status,
    }) as unknown as Rollout;
  const progressing: RolloutStatus = { observedGeneration: '3', phase: 'Progressing', currentStepIndex: 1 };

  test('the current plugin step of a progressing Rollout is run, with its config', () => {
    expect(stepPluginCalls(ro(progressing), T0)).toEqual([{ operation: 'Run', index: 1, name: PLUGIN, config: { a: 1 } }]);
  });
  test.each<[string, Rollout]>([
    ['the spec changed since the status was written', ro(progressing, {}, 4)],
    ['the Rollout is paused', ro(progressing, { paused: true })],
    ['the Rollout is not Progressing', ro({ ...progressing, phase: 'Degraded' })],
    ['the current step is not a plugin step', ro({ ...progressing, currentStepIndex: 0 })],
    ['the steps are done', ro({ ...progressing, currentStepIndex: 2 })],
    ['there is no status yet', ro(undefined as unknown as RolloutStatus)],
  ])('nothing is called when %s', (_what, rollout) => {
    expect(stepPluginCalls(rollout, T0)).toEqual([]);
  });
  test('a finished step is not run again; a running one not before its backoff', () => {
    const entry = (phase: string, backoff?: string): StepPluginStatus => ({ index: 1, name: PLUGIN, operation: 'Run', phase, executions: 1, updatedAt: toRfc3339(T0), ...(backoff ? { backoff } : {}), status: { k: 1 } });
    const withEntry = (e: StepPluginStatus) => ro({ ...progressing, canary: { stepPluginStatuses: [e] } });
    expect(stepPluginCalls(withEntry(entry('Successful')), T0 + 60_000)).toEqual([]);
    expect(stepPluginCalls(withEntry(entry('Failed')), T0 + 60_000)).toEqual([]);
    expect(stepPluginCalls(withEntry(entry('Running', '30s')), T0 + 29_000)).toEqual([]);
    expect(stepPluginCalls(withEntry(entry('Running', '30s')), T0 + 30_000)).toEqual([{ operation: 'Run', index: 1, name: PLUGIN, config: { a: 1 }, status: { k: 1 } }]);
    expect(stepPluginCalls(withEntry(entry('Error', '1m0s')), T0 + 59_000)).toEqual([]);
  });
});

describe('mergeStepPluginResults', () => {
  const steps = [pluginStep(), pluginStep()];
  const result = (p: Partial<StepPluginCallResult>): StepPluginCallResult => ({ operation: 'Run', index: 0, name: PLUGIN, phase: 'Running', startedAt: T0, finishedAt: T0 + 1000, ...p });

  test('Running takes the plugin requeue when above the minimum, else the default backoff', () => {
    expect(mergeStepPluginResults([], [result({ requeueAfterMs: 90_000 })], steps).statuses[0]!.backoff).toBe('1m30s');
    expect(mergeStepPluginResults([], [result({ requeueAfterMs: 5_000 })], steps).statuses[0]!.backoff).toBe('30s');
    expect(mergeStepPluginResults([], [result({})], steps).statuses[0]).toMatchObject({ startedAt: '2026-01-01T00:00:00Z', updatedAt: '2026-01-01T00:00:01Z', executions: 1 });
  });
  test('a Terminate or Abort answering Running is recorded as Failed; a second one is dropped', () => {
    const first = mergeStepPluginResults([], [result({ operation: 'Terminate', phase: 'Running' })], steps).statuses;
    expect(first[0]).toMatchObject({ operation: 'Terminate', phase: 'Failed', message: expect.stringContaining('cannot run asynchronously') });
    expect(mergeStepPluginResults(first, [result({ operation: 'Terminate', phase: 'Successful' })], steps).statuses).toEqual(first);
  });
  test('an answer for a step that is no longer that plugin is dropped', () => {
    expect(mergeStepPluginResults([], [result({ index: 5 }), result({ name: 'other/one' })], steps).statuses).toEqual([]);
  });
  test('goDurationString prints as Go does', () => {
    expect([500, 1000, 30_000, 60_000, 90_000, 3_600_000, 1500].map(goDurationString)).toEqual(['500ms', '1s', '30s', '1m0s', '1m30s', '1h0m0s', '1.5s']);
  });
  test('pluginStepOutcome: not called yet waits a second; a backoff already over waits minRequeue', () => {
    expect(pluginStepOutcome([], 0, PLUGIN, T0, false)).toEqual({ _tag: 'Wait', requeueAtMs: T0 + 1000 });
    const e: StepPluginStatus = { index: 0, name: PLUGIN, operation: 'Run', phase: 'Error', executions: 1, backoff: '30s', updatedAt: toRfc3339(T0) };
    expect(pluginStepOutcome([e], 0, PLUGIN, T0 + 1000, false)).toEqual({ _tag: 'Wait', requeueAtMs: T0 + 30_100 });
    expect(pluginStepOutcome([e], 0, PLUGIN, T0 + 60_000, false)).toEqual({ _tag: 'Wait', requeueAtMs: T0 + 70_000 });
    expect(pluginStepOutcome([e], 0, PLUGIN, T0, true)).toEqual({ _tag: 'Done' });
  });
});

describe('properties', () => {
  const answer = fc.constantFrom('Running', 'Successful', 'Failed', 'Error', 'bogus');
  const action = fc.oneof(
    fc.record({ k: fc.constant('tick' as const), ms: fc.integer({ min: 0, max: 6000 }) }),
    fc.record({ k: fc.constant('abort' as const) }),
    fc.record({ k: fc.constant('promoteFull' as const) }),
  );

  test('one entry per step and operation; a step advances only past a Successful, terminated or aborted run; aborts come latest first', () => {
    fc.assert(
      fc.property(fc.array(fc.array(answer, { minLength: 1, maxLength: 6 }), { minLength: 1, maxLength: 3 }), fc.array(action, { maxLength: 25 }), (answers, actions) => {
        const script: Script = (c, n) => (c.operation === 'Run' ? { phase: answers[c.index]![Math.min(n, answers[c.index]!.length - 1)]!, status: { n } } : { phase: 'Successful' });
        const w = new World(answers.map(() => pluginStep()), script);
        w.update('shop:2');
        for (const a of actions) {
          if (a.k === 'tick') w.tick(a.ms);
          else if (a.k === 'abort') w.patchStatus({ abort: true });
          else w.patchStatus({ promoteFull: true });
          const es = w.entries;
          const keys = es.map((e) => `${e.operation}/${e.index}/${e.name}`);
          expect(new Set(keys).size).toBe(keys.length);
          const idx = w.status.currentStepIndex ?? 0;
          if (w.status.promoteFull !== true && w.status.stableRS !== w.status.currentPodHash) {
            for (let i = 0; i < Math.min(idx, answers.length); i++) {
              const run = es.find((e) => e.operation === 'Run' && e.index === i);
              const stopped = es.some((e) => e.operation !== 'Run' && e.index === i);
              expect(run?.phase === 'Successful' || stopped).toBe(true);
            }
          }
          const aborts = es.filter((e) => e.operation === 'Abort').map((e) => e.index!);
          expect(aborts).toEqual([...aborts].sort((x, y) => y - x));
          for (const e of es) if (e.operation === 'Abort') expect(['Running', 'Successful']).toContain(es.find((r) => r.operation === 'Run' && r.index === e.index)?.phase);
        }
      }),
      { numRuns: 150 },
    );
  });

  test('same observation in, same decision out (the plugin answers included)', () => {
    const w = new World([pluginStep({ runs: 1 }), pluginStep()]);
    w.update('shop:2');
    w.tick();
    const calls = stepPluginCalls(w.rollout, w.now + 5000);
    const obs: RolloutObservation = {
      rollout: w.rollout,
      replicaSets: w.replicaSets,
      services: [],
      analysisRuns: [],
      experiments: [],
      analysisTemplates: [],
      clusterAnalysisTemplates: [],
      stepPlugins: [PLUGIN],
      stepPluginResults: calls.map((c) => ({ operation: c.operation, index: c.index, name: c.name, phase: 'Successful', startedAt: w.now, finishedAt: w.now })),
      now: w.now + 5000,
    };
    expect(reconcileRollout(obs)).toEqual(reconcileRollout(obs));
  });
});
