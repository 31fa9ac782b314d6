/**
 * Test helpers: run the newRelic provider the way the controller does (config decoded with the plugin's
 * codec, `make(deps)` once per deps, a fresh AbortSignal per measurement) with the profile Secrets in an
 * in-memory `FakeKubeObjectClient`, and judge a result with the core's condition rules as the controller would.
 */
import type { AnalysisRun, Measurement, Metric } from '@rollouts/api';
import { measurementFromObservation } from '@rollouts/core';
import type { KubeObject, MetricProviderPlugin, ProviderDeps } from '@rollouts/plugin-sdk';
import { FakeKubeObjectClient, errorOf, fixedClock, measureOnce, silentLogger, valueOf, type MeasurementOutcome } from '@rollouts/plugin-sdk/testing';
import type { NewRelicMetric } from '@rollouts/api';
import { newRelicMetricProvider } from '../src';
import { FAKE_ACCOUNT, FAKE_API_KEY } from './NerdGraphFake';

export const NOW = 1_767_225_600_000; // 2026-01-01T00:00:00Z
export const CONTROLLER_NS = 'rollouts-system';

export const secret = (namespace: string, name: string, values: Record<string, string>): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Secret',
  metadata: { name, namespace },
  data: Object.fromEntries(Object.entries(values).map(([k, v]) => [k, Buffer.from(v).toString('base64')])),
});

/** A profile Secret (default `newrelic`) pointing at `nerdGraphUrl`. */
export const profileSecret = (nerdGraphUrl: string, name = 'newrelic', extra: Record<string, string> = {}) =>
  secret(CONTROLLER_NS, name, { 'personal-api-key': FAKE_API_KEY, 'account-id': String(FAKE_ACCOUNT), 'base-url-nerdgraph': nerdGraphUrl, ...extra });

export const testDeps = (secrets: KubeObject[], env: Record<string, string> = { POD_NAMESPACE: CONTROLLER_NS }): ProviderDeps & { kube: FakeKubeObjectClient } => ({
  kube: new FakeKubeObjectClient(secrets),
  log: silentLogger,
  now: fixedClock(NOW).now,
  env,
});

export const runIn = (namespace: string): AnalysisRun =>
  ({ apiVersion: 'argoproj.io/v1alpha1', kind: 'AnalysisRun', metadata: { name: 'run-1', namespace }, spec: { metrics: [] } }) as unknown as AnalysisRun;

/** Take one measurement with `config` (the value of `metric.provider.newRelic`). */
export const measure = (config: unknown, deps: ProviderDeps, opts: { signal?: AbortSignal; plugin?: MetricProviderPlugin<NewRelicMetric> } = {}): Promise<MeasurementOutcome> =>
  measureOnce(opts.plugin ?? newRelicMetricProvider, config, { deps, now: NOW, ...(opts.signal !== undefined ? { signal: opts.signal } : {}) });

/** The measurement the controller records for `outcome` under the metric's conditions. */
export function judged(outcome: MeasurementOutcome, conditions: { successCondition?: string; failureCondition?: string }): Measurement {
  const metric = { name: 'm', provider: {}, ...conditions } as unknown as Metric;
  if (outcome._tag === 'Left') return measurementFromObservation({ _tag: 'ProviderError', message: outcome.left.message }, metric, NOW);
  return measurementFromObservation(outcome.right, metric, NOW);
}

export { errorOf, valueOf };
