/**
 * Test helpers: run the web provider the way the controller does (config decoded with the plugin's
 * codec, `make(deps)` once per deps, a fresh AbortSignal per measurement: `measureOnce` from the SDK's testing kit). Local HTTP servers to point it at come from
 * `@rollouts/plugin-http/testing`.
 */
import type { ProviderDeps } from '@rollouts/plugin-sdk';
import { errorOf, measureOnce, silentLogger, valueOf, type MeasurementOutcome } from '@rollouts/plugin-sdk/testing';
import { webMetricProvider } from '../src';

/** Deps for `make`; `kube` is never used by this provider. */
export const testDeps = (env: Record<string, string> = {}, now: () => number = () => Date.now()): ProviderDeps => ({
  kube: {} as ProviderDeps['kube'],
  log: silentLogger,
  now,
  env,
});

/** Take one measurement with `config` (the value of `metric.provider.web`). */
export const measure = (config: unknown, opts: { deps?: ProviderDeps; now?: number; signal?: AbortSignal } = {}): Promise<MeasurementOutcome> =>
  measureOnce(webMetricProvider, config, { metricName: 'health', deps: opts.deps ?? testDeps(), ...(opts.now !== undefined ? { now: opts.now } : {}), ...(opts.signal !== undefined ? { signal: opts.signal } : {}) });

export { errorOf, valueOf };
