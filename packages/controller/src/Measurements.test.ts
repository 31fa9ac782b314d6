import * as E from 'fp-ts/lib/Either';
import { json, type AnalysisRun, type Metric } from '@rollouts/api';
import type { MeasurementIntent } from '@rollouts/core';
import { defineMetricProvider, PluginErrors, type MetricProvider } from '@rollouts/plugin-sdk';
import { silentLogger } from './Controller';
import { createMetricProviders, takeMeasurements } from './Measurements';

const behaviour: Record<string, MetricProvider> = {
  value: { run: () => async () => E.right({ _tag: 'Value', value: 0.97 }) },
  failing: { run: () => async () => E.left(PluginErrors.providerUnavailable({ message: 'prometheus: connection refused' })) },
  throwing: { run: () => () => Promise.reject(new Error('boom')) },
  hanging: { run: (ctx) => () => new Promise((resolve) => ctx.signal.addEventListener('abort', () => resolve(E.left(PluginErrors.pluginAborted({ message: 'aborted' }))))) },
  pending: {
    run: () => async () => E.right({ _tag: 'Pending', metadata: { job: 'j1' } }),
    resume: (_ctx, metadata) => async () => E.right({ _tag: 'Verdict', phase: 'Successful', message: `resumed ${metadata['job'] ?? ''}` }),
  },
};
const plugin = (kind: string) => defineMetricProvider({ kind, configCodec: json(), make: () => () => behaviour[kind]! });
const providers = createMetricProviders(Object.keys(behaviour).map(plugin), { kube: {} as never, log: silentLogger, now: () => 0, env: {} });

const metric = (kind: string): Metric => ({ name: kind, provider: { plugin: { [kind]: {} } } });
const run: AnalysisRun = { metadata: { name: 'r' }, spec: { metrics: [] } };
const take = (kind: string): MeasurementIntent => ({ _tag: 'TakeMeasurement', metricName: kind, metric: metric(kind), reason: 'due' });

test('each provider answer becomes one report, in order, all taken concurrently', async () => {
  const started = Date.now();
  const reports = await takeMeasurements(run, ['value', 'failing', 'throwing', 'hanging'].map(take), providers, { timeoutMs: 100, signal: new AbortController().signal, now: () => 42 });
  expect(Date.now() - started).toBeLessThan(1000);
  expect(reports.map((r) => r.observation)).toEqual([
    { _tag: 'Value', value: 0.97 },
    { _tag: 'ProviderError', message: 'prometheus: connection refused' },
    { _tag: 'ProviderError', message: 'the throwing metric provider failed: boom' },
    { _tag: 'ProviderError', message: 'the hanging metric provider did not answer within 100 ms' },
  ]);
  expect(reports.every((r) => r.observedAt === 42)).toBe(true);
});

test('resume gets the metadata of the in-flight measurement; terminate without the method succeeds', async () => {
  const measurement = { phase: 'Running' as const, startedAt: '2024-01-01T00:00:00Z', metadata: { job: 'j7' } };
  const [resumed, terminated] = await takeMeasurements(
    run,
    [
      { _tag: 'ResumeMeasurement', metricName: 'pending', metric: metric('pending'), measurement, reason: 'resume' },
      { _tag: 'TerminateMeasurement', metricName: 'value', metric: metric('value'), measurement, reason: 'terminate' },
    ],
    providers,
    { timeoutMs: 100, signal: new AbortController().signal, now: () => 0 },
  );
  expect(resumed?.observation).toEqual({ _tag: 'Verdict', phase: 'Successful', message: 'resumed j7' });
  expect(terminated?.observation).toEqual({ _tag: 'Verdict', phase: 'Successful' });
});

test('an unregistered or ambiguous provider is an Error measurement that says so', () => {
  expect(providers.resolve({ name: 'm', provider: { prometheus: { query: 'up' } } })).toEqual({
    kind: 'prometheus',
    problem: 'no metric provider of kind "prometheus" is registered with this controller (registered: failing, hanging, pending, throwing, value)',
  });
  expect(providers.resolve({ name: 'm', provider: { plugin: { value: {}, failing: {} } } })).toMatchObject({ problem: 'metric "m" names 2 providers (value, failing); exactly one is allowed' });
  expect(providers.resolve({ name: 'm', provider: {} })).toMatchObject({ problem: 'metric "m" names no provider' });
});
