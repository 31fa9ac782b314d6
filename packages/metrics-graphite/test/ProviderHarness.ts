/**
 * Test helpers: run the graphite provider the way the controller does (config decoded with the plugin's
 * codec, `make(deps)` once, a fresh AbortSignal per measurement). Local HTTP servers to point it at come
 * from `@rollouts/plugin-http/testing`.
 */
import * as E from 'fp-ts/lib/Either';
import { decode, type AnalysisRun, type Metric } from '@rollouts/api';
import type { MetricProviderPlugin, PluginError, ProviderDeps, ProviderObservation } from '@rollouts/plugin-sdk';
import type { GraphiteMetric } from '@rollouts/api';
import { graphiteMetricProvider } from '../src';

const silent = { debug() {}, info() {}, warn() {}, error() {} };

/** Deps for `make`; the graphite provider uses none of them. */
export const testDeps = (): ProviderDeps => ({ kube: {} as ProviderDeps['kube'], log: silent, now: () => Date.now(), env: {} });

/** Take one measurement with `config` (the value of `metric.provider.graphite`). */
export async function measure(
  config: unknown,
  opts: { plugin?: MetricProviderPlugin<GraphiteMetric>; signal?: AbortSignal } = {},
): Promise<E.Either<PluginError, ProviderObservation>> {
  const plugin = opts.plugin ?? graphiteMetricProvider;
  const decoded = decode(plugin.configCodec, config, { path: 'provider.graphite' });
  if (E.isLeft(decoded)) throw new Error(decoded.left.map((e) => e.message).join('; '));
  const provider = plugin.make(testDeps())(decoded.right);
  const metric = { name: 'error-rate', provider: { graphite: config } } as unknown as Metric;
  return provider.run({ run: {} as AnalysisRun, metric, signal: opts.signal ?? new AbortController().signal, now: Date.now() })();
}

/** The value of a successful measurement, or a thrown error (so a test reads the failure). */
export function valueOf(r: E.Either<PluginError, ProviderObservation>): unknown {
  if (E.isLeft(r)) throw new Error(`expected a value, got ${r.left._tag}: ${r.left.message}`);
  if (r.right._tag !== 'Value') throw new Error(`expected a Value, got ${r.right._tag}`);
  return r.right.value;
}

/** The metadata of a successful measurement. */
export function metadataOf(r: E.Either<PluginError, ProviderObservation>): Readonly<Record<string, string>> | undefined {
  return E.isRight(r) ? r.right.metadata : undefined;
}

/** The error of a failed measurement, or a thrown error. */
export function errorOf(r: E.Either<PluginError, ProviderObservation>): PluginError {
  if (E.isRight(r)) throw new Error(`expected an error, got ${JSON.stringify(r.right)}`);
  return r.left;
}
