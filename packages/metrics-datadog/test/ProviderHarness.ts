/**
 * Test helpers: run the datadog provider the way the controller does (config decoded with the plugin's codec,
 * `make(deps)` once per deps, a fresh AbortSignal per measurement) with the Secrets in an in-memory
 * `FakeKubeObjectClient`, and judge a result with the core's condition rules as the controller would.
 */
import type { AnalysisRun, Measurement, Metric } from '@rollouts/api';
import { measurementFromObservation } from '@rollouts/core';
import type { KubeObject, ProviderDeps } from '@rollouts/plugin-sdk';
import { FakeKubeObjectClient, errorOf, fixedClock, measureOnce, silentLogger, valueOf, type MeasurementOutcome } from '@rollouts/plugin-sdk/testing';
import { datadogMetricProvider } from '../src';
import { FAKE_KEYS } from './DatadogFake';

export const NOW = 1_767_225_600_000; // 2026-01-01T00:00:00Z
export const CONTROLLER_NS = 'rollouts-system';

/** A Secret with `stringData`-free base64 `data`, as the API server returns it. */
export const secret = (namespace: string, name: string, values: Record<string, string>): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Secret',
  metadata: { name, namespace },
  data: Object.fromEntries(Object.entries(values).map(([k, v]) => [k, Buffer.from(v).toString('base64')])),
});

/** The `datadog` Secret in the controller's namespace pointing at `address`. */
export const datadogSecret = (address: string, keys: Record<string, string> = { 'api-key': FAKE_KEYS.apiKey, 'app-key': FAKE_KEYS.appKey }) =>
  secret(CONTROLLER_NS, 'datadog', { address, ...keys });

export const testDeps = (secrets: KubeObject[], env: Record<string, string> = { POD_NAMESPACE: CONTROLLER_NS }): ProviderDeps & { kube: FakeKubeObjectClient } => ({
  kube: new FakeKubeObjectClient(secrets),
  log: silentLogger,
  now: fixedClock(NOW).now,
  env,
});

export const runIn = (namespace: string): AnalysisRun =>
  ({ apiVersion: 'argoproj.io/v1alpha1', kind: 'AnalysisRun', metadata: { name: 'run-1', namespace }, spec: { metrics: [] } }) as unknown as AnalysisRun;

/** Take one measurement with `config` (the value of `metric.provider.datadog`). */
export const measure = (config: unknown, deps: ProviderDeps, opts: { signal?: AbortSignal; run?: AnalysisRun; now?: number } = {}): Promise<MeasurementOutcome> =>
  measureOnce(datadogMetricProvider, config, { deps, now: opts.now ?? NOW, ...(opts.signal !== undefined ? { signal: opts.signal } : {}), ...(opts.run !== undefined ? { run: opts.run } : {}) });

/** The measurement the controller records for `outcome` under the metric's conditions. */
export function judged(outcome: MeasurementOutcome, conditions: { successCondition?: string; failureCondition?: string }): Measurement {
  const metric = { name: 'm', provider: {}, ...conditions } as unknown as Metric;
  if (outcome._tag === 'Left') return measurementFromObservation({ _tag: 'ProviderError', message: outcome.left.message }, metric, NOW);
  return measurementFromObservation(outcome.right, metric, NOW);
}

export { errorOf, valueOf };
