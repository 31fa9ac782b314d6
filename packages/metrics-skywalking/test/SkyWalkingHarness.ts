/** Test helpers: the documented apdex query, and one measurement taken the way the controller takes it. */
import type { MetricProviderPlugin, ProviderDeps } from '@rollouts/plugin-sdk';
import type { SkyWalkingMetric } from '@rollouts/api';
import { measureOnce, silentLogger, type MeasurementOutcome } from '@rollouts/plugin-sdk/testing';
import { createSkywalkingMetricProvider } from '../src';

export const NOW = Date.parse('2024-01-01T12:03:40Z');

export const APDEX_QUERY = `query queryData($duration: Duration!) {
  service_apdex: readMetricsValues(condition: { name: "service_apdex", entity: { scope: Service, serviceName: "guestbook", normal: true } }, duration: $duration) {
    label values { values { value } }
  }
}`;

export const testDeps = (): ProviderDeps => ({ kube: {} as ProviderDeps['kube'], log: silentLogger, now: () => NOW, env: {} });

/** The provider in UTC, so the expected duration strings do not depend on the machine's zone. */
export const utcPlugin = createSkywalkingMetricProvider({ timeZone: 'UTC' });

export const measure = (config: unknown, opts: { plugin?: MetricProviderPlugin<SkyWalkingMetric>; signal?: AbortSignal } = {}): Promise<MeasurementOutcome> =>
  measureOnce(opts.plugin ?? utcPlugin, config, { deps: testDeps(), now: NOW, ...(opts.signal !== undefined ? { signal: opts.signal } : {}) });
