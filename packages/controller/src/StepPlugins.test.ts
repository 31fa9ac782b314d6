import * as TE from 'fp-ts/lib/TaskEither';
import { int32, string, struct, type Rollout } from '@rollouts/api';
import { defineStepPlugin, PluginErrors, type StepExecutor, type StepResult } from '@rollouts/plugin-sdk';
import { FakeKubeObjectClient } from '@rollouts/plugin-sdk/testing';
import { createStepPlugins } from './StepPlugins';

const T0 = Date.parse('2026-01-01T00:00:00Z');
const silent = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };
const deps = { kube: new FakeKubeObjectClient(), log: silent, now: () => T0, env: {} };
const Config = struct('Cfg', { mode: string() }, { waitMs: int32() });

/** A recorded-contract fake step plugin: `mode` picks its answer. */
const seen: Array<{ op: string; status?: unknown; index: number }> = [];
const fake = defineStepPlugin({
  name: 'acme/fake',
  configCodec: Config,
  make: () => (c) => {
    const answer =
      (op: string) =>
      (ctx: { status?: unknown; stepIndex: number; signal: AbortSignal }): TE.TaskEither<ReturnType<typeof PluginErrors.providerUnavailable>, StepResult> =>
      async () => {
        seen.push({ op, status: ctx.status, index: ctx.stepIndex });
        if (c.mode === 'throw') throw new Error('kaboom');
        if (c.mode === 'left') return { _tag: 'Left', left: PluginErrors.providerUnavailable({ message: 'backend down' }) };
        if (c.mode === 'slow') await new Promise((r) => setTimeout(r, c.waitMs ?? 1000));
        if (c.mode === 'weird') return { _tag: 'Right', right: { phase: 'Sideways' } as unknown as StepResult };
        if (c.mode === 'badStatus') return { _tag: 'Right', right: { phase: 'Running', message: 7 } as unknown as StepResult };
        return { _tag: 'Right', right: { phase: op === 'run' ? 'Running' : 'Successful', message: `${op} ok`, status: { op }, requeueAfterMs: 12_000 } };
      };
    const e: StepExecutor = { run: answer('run'), terminate: answer('terminate'), abort: answer('abort') };
    return e;
  },
});

const rolloutWith = (config: unknown, status: Record<string, unknown> = {}, name = 'acme/fake'): Rollout =>
  ({
    metadata: { name: 'r', namespace: 'ns', generation: 1 },
    spec: { strategy: { canary: { steps: [{ setWeight: 10 }, { plugin: { name, config } }] } } },
    status: { observedGeneration: '1', phase: 'Progressing', currentStepIndex: 1, ...status },
  }) as unknown as Rollout;

const cd = (timeoutMs = 500) => ({ signal: new AbortController().signal, timeoutMs, now: () => T0 });

describe('createStepPlugins', () => {
  test('a name registered twice, an empty name, or a name both registered and disabled is a start-up error', () => {
    expect(() => createStepPlugins([fake, fake], deps)).toThrow('step plugins: name "acme/fake" is registered twice');
    expect(() => createStepPlugins([{ ...fake, name: '' }], deps)).toThrow('a plugin has an empty name');
    expect(() => createStepPlugins([fake], deps, { disabled: ['acme/fake'] })).toThrow('"acme/fake" is both registered and disabled');
    expect(createStepPlugins([fake], deps, { disabled: ['acme/off'] }).names()).toEqual(['acme/fake', 'acme/off']);
  });

  test('a Rollout without plugin steps gets nothing added', async () => {
    const p = createStepPlugins([fake], deps);
    expect(await p.observe({ metadata: {}, spec: { strategy: { canary: { steps: [{ setWeight: 5 }] } } } } as unknown as Rollout, cd())).toBeUndefined();
  });

  test('the current plugin step is run with its decoded config; the answer, names and timing go into the observation', async () => {
    const p = createStepPlugins([fake], deps, { disabled: ['acme/off'], timing: { errorBackoffMs: 1000 } });
    const o = await p.observe(rolloutWith({ mode: 'ok' }), cd());
    expect(o?.stepPlugins).toEqual(['acme/fake', 'acme/off']);
    expect(o?.disabledStepPlugins).toEqual(['acme/off']);
    expect(o?.stepPluginTiming).toEqual({ runningBackoffMs: 30_000, minRequeueMs: 10_000, errorBackoffMs: 1000 });
    expect(o?.stepPluginResults).toEqual([{ operation: 'Run', index: 1, name: 'acme/fake', phase: 'Running', message: 'run ok', status: { op: 'run' }, requeueAfterMs: 12_000, startedAt: T0, finishedAt: T0 }]);
  });

  test.each<[string, unknown, RegExp]>([
    ['a PluginError', { mode: 'left' }, /^backend down$/],
    ['a throw', { mode: 'throw' }, /step plugin acme\/fake \(run of step 2\) threw: kaboom/],
    ['no answer within the timeout', { mode: 'slow', waitMs: 1000 }, /did not answer within 50 ms/],
    ['an answer that is not a StepResult', { mode: 'badStatus' }, /answered something that is not a StepResult: message is not a string/],
  ])('%s is an Error answer with the message', async (_what, config, message) => {
    const p = createStepPlugins([fake], deps);
    const o = await p.observe(rolloutWith(config), cd(50));
    expect(o?.stepPluginResults?.[0]?.phase).toBe('Error');
    expect(o?.stepPluginResults?.[0]?.message).toMatch(message);
  });

  test('a config the codec rejects is no call but a problem at its path (the core makes the Rollout InvalidSpec)', async () => {
    seen.length = 0;
    const o = await createStepPlugins([fake], deps).observe(rolloutWith({ mode: 3 }), cd());
    expect(o?.stepPluginResults).toEqual([]);
    expect(o?.stepPluginConfigProblems).toEqual([{ path: 'spec.strategy.canary.steps[1].plugin.config.mode', message: expect.stringMatching(/^expected .*got 3$/) }]);
    expect(seen).toEqual([]);
  });

  test('a phase that does not exist goes to core as it is (core records Error naming it)', async () => {
    const o = await createStepPlugins([fake], deps).observe(rolloutWith({ mode: 'weird' }), cd());
    expect(o?.stepPluginResults?.[0]?.phase).toBe('Sideways');
  });

  test('an unknown plugin named by an abort is an Error answer naming the field; the abort of a known one gets its run state', async () => {
    const entries = [
      { index: 1, name: 'acme/fake', operation: 'Run', phase: 'Successful', status: { k: 1 } },
    ];
    seen.length = 0;
    const o = await createStepPlugins([fake], deps).observe(rolloutWith({ mode: 'ok' }, { abort: true, canary: { stepPluginStatuses: entries } }), cd());
    expect(o?.stepPluginResults).toEqual([expect.objectContaining({ operation: 'Abort', index: 1, phase: 'Successful', message: 'abort ok' })]);
    expect(seen).toEqual([{ op: 'abort', status: { k: 1 }, index: 1 }]);
    const unknown = await createStepPlugins([], deps).observe(rolloutWith({}, { abort: true, canary: { stepPluginStatuses: [{ ...entries[0], name: 'acme/gone' }] } }, 'acme/gone'), cd());
    expect(unknown?.stepPluginResults?.[0]?.message).toBe('spec.strategy.canary.steps[1].plugin.name: step plugin "acme/gone" is not configured in this controller');
  });

  test('an executor lacking a method is an Error answer naming it', async () => {
    const broken = defineStepPlugin({ name: 'acme/broken', configCodec: Config, make: () => () => ({ run: () => TE.right({ phase: 'Successful' as const }) }) as unknown as StepExecutor });
    const o = await createStepPlugins([broken], deps).observe(rolloutWith({ mode: 'x' }, {}, 'acme/broken'), cd());
    expect(o?.stepPluginResults?.[0]?.message).toMatch(/lacks the required methods terminate, abort/);
  });
});
