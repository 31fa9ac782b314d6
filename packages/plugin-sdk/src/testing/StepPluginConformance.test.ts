import * as TE from 'fp-ts/lib/TaskEither';
import { int32, string, struct } from '@rollouts/api';
import { PluginErrors } from '../PluginError';
import { defineStepPlugin, missingStepMethods, stepResultProblem, type StepExecutor, type StepPluginDeps, type StepResult } from '../StepPlugin';
import { FakeKubeObjectClient } from './FakeKubeObjectClient';
import { fixedClock } from './FixedClock';
import { describeStepPluginConformance, stepPluginConformanceChecks, type StepPluginConformanceSetup } from './StepPluginConformance';

// A toy step over an in-memory "backend": `{ backend, runs }` answers Running `runs` times (counting in its status),
// then Successful when the backend is up. The faults make it break the contract one way at a time.
interface Faults {
  readonly throwWhenMissing?: boolean;
  readonly passWhenMissing?: boolean;
  readonly ignoreSignal?: boolean;
  readonly badPhase?: boolean;
  readonly terminateRuns?: boolean;
  readonly forgetsStatus?: boolean;
  readonly noAbort?: boolean;
}

const backends = new Set(['up']);
const Config = struct('ToyStepConfig', { backend: string() }, { runs: int32() });

function toyPlugin(faults: Faults = {}) {
  return defineStepPlugin({
    name: 'toy/step',
    configCodec: Config,
    make: () => (config) => {
      const executor: StepExecutor = {
        run: (ctx) => async () => {
          if (ctx.signal.aborted && faults.ignoreSignal !== true) return { _tag: 'Left', left: PluginErrors.pluginAborted({ message: 'cancelled' }) };
          if (faults.badPhase === true) return { _tag: 'Right', right: { phase: 'Done' } as unknown as StepResult };
          const seen = faults.forgetsStatus === true ? 0 : ((ctx.status as { runs?: number } | undefined)?.runs ?? 0);
          if (seen < (config.runs ?? 0)) return { _tag: 'Right', right: { phase: 'Running', status: { runs: seen + 1 } } };
          if (!backends.has(config.backend)) {
            if (faults.throwWhenMissing === true) throw new Error(`backend ${config.backend} is down`);
            if (faults.passWhenMissing === true) return { _tag: 'Right', right: { phase: 'Successful' } };
            return { _tag: 'Left', left: PluginErrors.providerUnavailable({ message: `backend "${config.backend}" is not there` }) };
          }
          return { _tag: 'Right', right: { phase: 'Successful', message: 'backend up', status: { runs: seen } } };
        },
        terminate: () => TE.right(faults.terminateRuns === true ? { phase: 'Running' } : { phase: 'Successful', message: 'stopped' }),
        abort: () => TE.right({ phase: 'Successful', message: 'undone' }),
      };
      if (faults.noAbort === true) delete (executor as Partial<StepExecutor>).abort;
      return executor;
    },
  });
}

function setupWith(faults: Faults = {}, runs = 0) {
  return async (): Promise<StepPluginConformanceSetup> => {
    const clock = fixedClock();
    const deps: StepPluginDeps = { kube: new FakeKubeObjectClient(), log: { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined }, now: clock.now, env: {} };
    return { plugin: toyPlugin(faults), deps, config: { backend: 'up', runs }, unreachableConfig: { backend: 'down' }, invalidConfig: { value: { backend: 7 }, path: 'config.backend' }, pollMs: 1, maxPolls: 20 };
  };
}

describeStepPluginConformance('the toy step', setupWith());
describeStepPluginConformance('the toy step, running three times first', setupWith({}, 3));

const failuresOf = async (faults: Faults, runs = 0): Promise<string[]> => {
  const failures: string[] = [];
  for (const check of stepPluginConformanceChecks) {
    try {
      await check.run(setupWith(faults, runs));
    } catch (e) {
      failures.push(`${check.title} -> ${(e as Error).message}`);
    }
  }
  return failures;
};

describe('the suite catches step plugins that break the contract', () => {
  test.each<[string, Faults, number, RegExp]>([
    ['throws when the backend is down', { throwWhenMissing: true }, 0, /threw instead of returning a PluginError: backend down is down/],
    ['passes when the backend is down', { passWhenMissing: true }, 0, /against a missing backend answered .*Successful.*; it must fail/],
    ['ignores a cancelled signal', { ignoreSignal: true }, 0, /a cancelled run answered .*Successful.*; it must not complete the step/],
    ['answers a phase that does not exist', { badPhase: true }, 0, /phase "Done" is not valid/],
    ['answers Running to terminate', { terminateRuns: true }, 0, /terminate answered Running; terminate runs to completion/],
    ['forgets the status it is handed back, and never ends', { forgetsStatus: true }, 2, /still not done after 20 runs/],
    ['has no abort', { noAbort: true }, 0, /lacks abort/],
  ])('a step plugin that %s fails the suite', async (_label, faults, runs, message) => {
    const failures = await failuresOf(faults, runs);
    expect(failures.join('\n')).toMatch(message);
  });

  test('a conforming step plugin fails no check', async () => {
    expect(await failuresOf({}, 2)).toEqual([]);
  });

  test('a config the codec accepts although the setup says it is wrong is reported', async () => {
    const s = setupWith();
    const check = stepPluginConformanceChecks[0]!;
    await expect(check.run(async () => ({ ...(await s()), invalidConfig: { value: { backend: 'fine' }, path: 'config.backend' } }))).rejects.toThrow(/was accepted; it must be rejected/);
  });
});

describe('StepPlugin helpers', () => {
  test('missingStepMethods names what a plain-JavaScript executor lacks', () => {
    expect(missingStepMethods({ run: () => undefined })).toEqual(['terminate', 'abort']);
    expect(missingStepMethods(null)).toEqual(['run', 'terminate', 'abort']);
    expect(missingStepMethods({ run: () => 1, terminate: () => 1, abort: () => 1 })).toEqual([]);
  });

  test.each<[unknown, RegExp | undefined]>([
    [{ phase: 'Running', requeueAfterMs: 5000, status: { a: 1 } }, undefined],
    [{ phase: 'Successful' }, undefined],
    [{ phase: 'Aborted' }, /phase "Aborted" is not valid/],
    [{}, /phase undefined is not valid/],
    ['Successful', /is not an object/],
    [{ phase: 'Running', requeueAfterMs: -1 }, /requeueAfterMs -1/],
    [{ phase: 'Running', message: 3 }, /message is not a string/],
    [{ phase: 'Running', status: { n: 1n } }, /status cannot be written as JSON/],
  ])('stepResultProblem(%p)', (result, problem) => {
    const p = stepResultProblem(result);
    if (problem === undefined) expect(p).toBeUndefined();
    else expect(p).toMatch(problem);
  });
});
