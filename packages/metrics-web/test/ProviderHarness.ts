/**
 * Test helpers: run the web provider the way the controller does (config decoded with the plugin's
 * codec, a fresh AbortSignal per measurement). Local HTTP servers to point it at come from
 * `@rollouts/plugin-http/testing`.
 */
import * as E from 'fp-ts/lib/Either';
import { decode, type AnalysisRun, type Metric } from '@rollouts/api';
import type { PluginError, ProviderDeps, ProviderObservation } from '@rollouts/plugin-sdk';
import { webMetricProvider } from '../src';

const silent = { debug() {}, info() {}, warn() {}, error() {} };

/** Deps for `make`; `kube` is never used by this provider. */
export const testDeps = (env: Record<string, string> = {}, now: () => number = () => Date.now()): ProviderDeps => ({
  kube: {} as ProviderDeps['kube'],
  log: silent,
  now,
  env,
});

// The controller calls `make(deps)` once per kind and keeps it: so do we, per deps object.
const makers = new WeakMap<ProviderDeps, ReturnType<typeof webMetricProvider.make>>();
const makerFor = (deps: ProviderDeps) => {
  let m = makers.get(deps);
  if (m === undefined) makers.set(deps, (m = webMetricProvider.make(deps)));
  return m;
};

/** Take one measurement with `config` (the value of `metric.provider.web`). */
export async function measure(config: unknown, opts: { deps?: ProviderDeps; now?: number; signal?: AbortSignal } = {}): Promise<E.Either<PluginError, ProviderObservation>> {
  const decoded = decode(webMetricProvider.configCodec, config, { path: 'provider.web' });
  if (E.isLeft(decoded)) throw new Error(decoded.left.map((e) => e.message).join('; '));
  const provider = makerFor(opts.deps ?? testDeps())(decoded.right);
  const metric = { name: 'health', provider: { web: config } } as unknown as Metric;
  return provider.run({ run: {} as AnalysisRun, metric, signal: opts.signal ?? new AbortController().signal, now: opts.now ?? Date.now() })();
}

/** The value of a successful measurement, or a thrown error (so a test reads the failure). */
export function valueOf(r: E.Either<PluginError, ProviderObservation>): unknown {
  if (E.isLeft(r)) throw new Error(`expected a value, got ${r.left._tag}: ${r.left.message}`);
  if (r.right._tag !== 'Value') throw new Error(`expected a Value, got ${r.right._tag}`);
  return r.right.value;
}

/** The error of a failed measurement, or a thrown error. */
export function errorOf(r: E.Either<PluginError, ProviderObservation>): PluginError {
  if (E.isRight(r)) throw new Error(`expected an error, got ${JSON.stringify(r.right)}`);
  return r.left;
}
