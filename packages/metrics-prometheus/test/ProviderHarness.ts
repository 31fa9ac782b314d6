/**
 * Test helpers: run the prometheus provider the way the controller does (config decoded with the plugin's
 * codec, `make(deps)` once per deps, a fresh AbortSignal per measurement: `measureOnce` from the SDK's testing kit). Local HTTP servers to point it at come from
 * `@rollouts/plugin-http/testing`.
 */
import type { ProviderDeps } from '@rollouts/plugin-sdk';
import { errorOf, measureOnce, silentLogger, valueOf, type MeasurementOutcome } from '@rollouts/plugin-sdk/testing';
import { prometheusMetricProvider } from '../src';

/** Deps for `make`; `kube` is never used by this provider. */
export const testDeps = (env: Record<string, string> = {}, now: () => number = () => Date.now()): ProviderDeps => ({
  kube: {} as ProviderDeps['kube'],
  log: silentLogger,
  now,
  env,
});

/** Take one measurement with `config` (the value of `metric.provider.prometheus`). */
export const measure = (config: unknown, opts: { deps?: ProviderDeps; now?: number; signal?: AbortSignal } = {}): Promise<MeasurementOutcome> =>
  measureOnce(prometheusMetricProvider, config, { deps: opts.deps ?? testDeps(), ...(opts.now !== undefined ? { now: opts.now } : {}), ...(opts.signal !== undefined ? { signal: opts.signal } : {}) });

export { errorOf, valueOf };
