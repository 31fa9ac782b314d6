/**
 * Test helpers: run the graphite provider the way the controller does (config decoded with the plugin's
 * codec, `make(deps)` once, a fresh AbortSignal per measurement). Local HTTP servers to point it at come
 * from `@rollouts/plugin-http/testing`.
 */
import type { GraphiteMetric } from '@rollouts/api';
import type { MetricProviderPlugin, ProviderDeps } from '@rollouts/plugin-sdk';
import { errorOf, measureOnce, metadataOf, silentLogger, valueOf, type MeasurementOutcome } from '@rollouts/plugin-sdk/testing';
import { graphiteMetricProvider } from '../src';

/** Deps for `make`; the graphite provider uses none of them. */
export const testDeps = (): ProviderDeps => ({ kube: {} as ProviderDeps['kube'], log: silentLogger, now: () => Date.now(), env: {} });

/** Take one measurement with `config` (the value of `metric.provider.graphite`). */
export const measure = (config: unknown, opts: { plugin?: MetricProviderPlugin<GraphiteMetric>; signal?: AbortSignal } = {}): Promise<MeasurementOutcome> =>
  measureOnce(opts.plugin ?? graphiteMetricProvider, config, { deps: testDeps(), ...(opts.signal !== undefined ? { signal: opts.signal } : {}) });

export { errorOf, metadataOf, valueOf };
