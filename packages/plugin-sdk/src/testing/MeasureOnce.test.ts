import * as TE from 'fp-ts/lib/TaskEither';
import { string, struct } from '@rollouts/api';
import { defineMetricProvider, type ProviderDeps } from '../MetricProvider';
import { PluginErrors } from '../PluginError';
import { fixedClock } from './FixedClock';
import { errorOf, measureOnce, metadataOf, silentLogger, valueOf } from './MeasureOnce';

let made = 0;
const echo = defineMetricProvider({
  kind: 'echo',
  configCodec: struct('Echo', { say: string() }, {}),
  make: (deps) => {
    made += 1;
    return (config) => ({
      run: (ctx) =>
        config.say === 'fail'
          ? TE.left(PluginErrors.providerUnavailable({ message: 'down' }))
          : config.say === 'kube'
            ? TE.tryCatch(() => deps.kube.get({ apiVersion: 'v1', kind: 'Secret', name: 's' })().then(() => ({ _tag: 'Value', value: 0 }) as const), (e) => PluginErrors.providerUnavailable({ message: (e as Error).message }))
            : TE.right({ _tag: 'Value', value: `${config.say} at ${ctx.now} for ${ctx.metric.name}`, metadata: { said: config.say } }),
    });
  },
});

test('measures as the controller would: decoded config, ctx.now from the deps clock, the metric name given', async () => {
  const clock = fixedClock(5000);
  const deps: ProviderDeps = { kube: {} as ProviderDeps['kube'], log: silentLogger, now: clock.now, env: {} };
  const r = await measureOnce(echo, { say: 'hi' }, { deps, metricName: 'm' });
  expect(valueOf(r)).toBe('hi at 5000 for m');
  expect(metadataOf(r)).toEqual({ said: 'hi' });
  expect(() => errorOf(r)).toThrow(/expected an error, got/);
});

test('make(deps) runs once per deps object', async () => {
  const deps: ProviderDeps = { kube: {} as ProviderDeps['kube'], log: silentLogger, now: () => 0, env: {} };
  const before = made;
  await measureOnce(echo, { say: 'a' }, { deps });
  await measureOnce(echo, { say: 'b' }, { deps });
  expect(made - before).toBe(1);
});

test('a config the codec rejects throws naming the field; failures read through errorOf; the default deps have no cluster', async () => {
  await expect(measureOnce(echo, { say: 3 })).rejects.toThrow(/provider\.echo\.say/);
  expect(errorOf(await measureOnce(echo, { say: 'fail' }))).toMatchObject({ _tag: 'ProviderUnavailable', message: 'down' });
  expect(() => valueOf({ _tag: 'Left', left: PluginErrors.providerTimeout({ message: 'slow' }) })).toThrow('expected a value, got ProviderTimeout: slow');
  expect(errorOf(await measureOnce(echo, { say: 'kube' })).message).toMatch(/gave the provider no cluster/);
});
