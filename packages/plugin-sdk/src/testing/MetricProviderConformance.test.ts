import * as TE from 'fp-ts/lib/TaskEither';
import { int32, string, struct, type Metric } from '@rollouts/api';
import { defineMetricProvider, type MetricProvider, type ProviderDeps, type ProviderObservation } from '../MetricProvider';
import { PluginErrors } from '../PluginError';
import { FakeKubeObjectClient } from './FakeKubeObjectClient';
import { fixedClock } from './FixedClock';
import { describeMetricProviderConformance, metricProviderConformanceChecks, type MetricProviderConformanceSetup } from './MetricProviderConformance';

// A toy provider over an in-memory "backend": `{ backend: name, polls: n }` reads the number stored under
// `name` after n Pending answers. The faults make it break the contract one way at a time.
interface Faults {
  readonly throwWhenMissing?: boolean;
  readonly passWhenMissing?: boolean;
  readonly ignoreSignal?: boolean;
  readonly pendingWithoutResume?: boolean;
  readonly numericMetadata?: boolean;
  readonly terminateStaysPending?: boolean;
}

const backends = new Map<string, number>([['up', 0.01]]);
const Config = struct('ToyConfig', { backend: string() }, { polls: int32() });

function toyPlugin(faults: Faults = {}) {
  return defineMetricProvider({
    kind: 'toy',
    configCodec: Config,
    make: () => (config) => {
      const answer = (signal: AbortSignal, pollsLeft: number): TE.TaskEither<ReturnType<typeof PluginErrors.providerUnavailable> | ReturnType<typeof PluginErrors.pluginAborted>, ProviderObservation> => async () => {
        if (signal.aborted && faults.ignoreSignal !== true) return { _tag: 'Left', left: PluginErrors.pluginAborted({ message: 'cancelled' }) };
        if (pollsLeft > 0) return { _tag: 'Right', right: { _tag: 'Pending', metadata: { polls: String(pollsLeft - 1) } } };
        const v = backends.get(config.backend);
        if (v === undefined) {
          if (faults.throwWhenMissing === true) throw new Error(`backend ${config.backend} is down`);
          if (faults.passWhenMissing === true) return { _tag: 'Right', right: { _tag: 'Verdict', phase: 'Successful' } };
          return { _tag: 'Left', left: PluginErrors.providerUnavailable({ message: `backend "${config.backend}" is not there` }) };
        }
        const metadata = faults.numericMetadata === true ? ({ backend: 1 } as unknown as Record<string, string>) : { backend: config.backend };
        return { _tag: 'Right', right: { _tag: 'Value', value: v, metadata } };
      };
      const provider: MetricProvider = {
        run: (ctx) => answer(ctx.signal, config.polls ?? 0),
        terminate: () => TE.right(faults.terminateStaysPending === true ? { _tag: 'Pending' } : { _tag: 'Verdict', phase: 'Successful' }),
        garbageCollect: () => TE.right(undefined),
      };
      if (faults.pendingWithoutResume !== true) provider.resume = (ctx, metadata) => answer(ctx.signal, Number(metadata['polls'] ?? '0'));
      return provider;
    },
  });
}

const metric = (backend: string, polls = 0): Metric => ({ name: 'm', provider: { plugin: { toy: { backend, polls } } } }) as unknown as Metric;

function setupWith(faults: Faults = {}, polls = 0) {
  return async (): Promise<MetricProviderConformanceSetup> => {
    const clock = fixedClock();
    const deps: ProviderDeps = { kube: new FakeKubeObjectClient(), log: { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined }, now: clock.now, env: {} };
    return { plugin: toyPlugin(faults), deps, metric: metric('up', polls), unreachableMetric: metric('down', polls), invalidConfig: { value: { backend: 7 }, path: 'provider.toy.backend' }, pollMs: 1 };
  };
}

describeMetricProviderConformance('the toy provider', setupWith());
describeMetricProviderConformance('the toy provider, answering Pending twice first', setupWith({}, 2));

const failuresOf = async (faults: Faults, polls = 0): Promise<string[]> => {
  const failures: string[] = [];
  for (const check of metricProviderConformanceChecks) {
    try {
      await check.run(setupWith(faults, polls));
    } catch (e) {
      failures.push(`${check.title} -> ${(e as Error).message}`);
    }
  }
  return failures;
};

describe('the suite catches providers that break the contract', () => {
  test.each<[string, Faults, number, RegExp]>([
    ['throws when the backend is down', { throwWhenMissing: true }, 0, /threw instead of returning a PluginError: backend down is down/],
    ['passes when the backend is down', { passWhenMissing: true }, 0, /against a missing backend answered .*Successful.*; it must fail/],
    ['ignores a cancelled signal', { ignoreSignal: true }, 0, /a cancelled run answered .*; it must fail/],
    ['answers Pending but cannot resume', { pendingWithoutResume: true }, 1, /answered Pending, but the provider has no resume/],
    ['writes numeric metadata', { numericMetadata: true }, 0, /metadata "backend" is number/],
    ['terminate leaves the measurement Pending', { terminateStaysPending: true }, 1, /terminate answered Pending/],
  ])('a provider that %s fails the suite', async (_label, faults, polls, message) => {
    const failures = await failuresOf(faults, polls);
    expect(failures.join('\n')).toMatch(message);
  });

  test('a conforming provider fails no check', async () => {
    expect(await failuresOf({})).toEqual([]);
  });

  test('a config the codec accepts although the setup says it is wrong is reported', async () => {
    const s = setupWith();
    const check = metricProviderConformanceChecks[0]!;
    await expect(check.run(async () => ({ ...(await s()), invalidConfig: { value: { backend: 'fine' }, path: 'provider.toy.backend' } }))).rejects.toThrow(/was accepted; it must be rejected/);
  });
});

test('fixedClock moves only when told, and refuses to go backwards by advance', () => {
  const c = fixedClock(1000);
  expect(c.now()).toBe(1000);
  c.advance(250);
  expect(c.now()).toBe(1250);
  c.set(5);
  expect(c.now()).toBe(5);
  expect(() => c.advance(-1)).toThrow(/not a non-negative number/);
});
