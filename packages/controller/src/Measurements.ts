/**
 * Taking measurements: the metric provider plugins, called for the measurement intents of
 * `reconcileAnalysisRun`, all of one reconcile concurrently, each with its own AbortSignal and timeout. What a
 * provider answers (or fails with) becomes a `MeasurementReport` for core, which alone decides phases: a
 * provider failure, a timeout, an unknown provider kind and a provider that throws are all `ProviderError`
 * observations, counted like upstream counts errored measurements.
 */
import * as E from 'fp-ts/lib/Either';
import { decode, type AnalysisRun, type Json, type Metric } from '@rollouts/api';
import type { MeasurementIntent, MeasurementReport, ProviderObservation as CoreObservation } from '@rollouts/core';
import {
  createRegistry,
  PluginErrors,
  type MetricProvider,
  type MetricProviderPlugin,
  type PluginError,
  type ProviderDeps,
  type ProviderObservation,
} from '@rollouts/plugin-sdk';

/** The provider a metric names, made from its configuration, or why there is none. */
export type ResolvedProvider = { readonly kind: string; readonly provider: MetricProvider } | { readonly kind: string; readonly problem: string };

/** The metric providers registered with a controller. */
export interface MetricProviders {
  /** The provider for `metric` (its `provider` key, or the plugin name under `provider.plugin`). */
  resolve(metric: Metric): ResolvedProvider;
  kinds(): string[];
}

/** Register `plugins` by kind (a kind registered twice throws: a start-up error). */
export function createMetricProviders(plugins: ReadonlyArray<MetricProviderPlugin<any>>, deps: ProviderDeps): MetricProviders {
  const registry = createRegistry('metric providers', plugins);
  const makers = new Map<string, (config: unknown) => MetricProvider>();
  const makerOf = (p: MetricProviderPlugin<unknown>) => {
    let m = makers.get(p.kind);
    if (m === undefined) makers.set(p.kind, (m = p.make(deps)));
    return m;
  };
  const kindsOf = (metric: Metric): Array<[string, unknown, string]> => {
    const out: Array<[string, unknown, string]> = [];
    for (const [key, value] of Object.entries(metric.provider ?? {})) {
      if (value == null) continue;
      if (key === 'plugin' && typeof value === 'object' && !Array.isArray(value)) {
        for (const [name, config] of Object.entries(value as Record<string, Json>)) out.push([name, config, `provider.plugin.${name}`]);
      } else out.push([key, value, `provider.${key}`]);
    }
    return out;
  };
  return {
    kinds: () => registry.kinds(),
    resolve(metric) {
      const all = kindsOf(metric);
      const first = all[0];
      if (first === undefined) return { kind: '', problem: `metric "${metric.name}" names no provider` };
      if (all.length > 1) return { kind: first[0], problem: `metric "${metric.name}" names ${all.length} providers (${all.map((k) => k[0]).join(', ')}); exactly one is allowed` };
      const [kind, config, path] = first;
      const plugin = registry.get(kind);
      if (plugin === undefined) {
        const known = registry.kinds();
        return { kind, problem: `no metric provider of kind "${kind}" is registered with this controller (registered: ${known.length > 0 ? known.join(', ') : 'none'})` };
      }
      const decoded = decode(plugin.configCodec, config, { path });
      if (E.isLeft(decoded)) return { kind, problem: decoded.left.map((e) => e.message).join('; ') };
      try {
        return { kind, provider: makerOf(plugin)(decoded.right) };
      } catch (e) {
        return { kind, problem: `the ${kind} metric provider could not be created: ${e instanceof Error ? e.message : String(e)}` };
      }
    },
  };
}

/** Options of {@link takeMeasurements}. */
export interface MeasureOptions {
  /** Bound of each provider call. */
  readonly timeoutMs: number;
  /** Cancelled on shutdown. */
  readonly signal: AbortSignal;
  readonly now: () => number;
}

const errorObservation = (message: string): CoreObservation => ({ _tag: 'ProviderError', message });

function fromProvider(r: E.Either<PluginError, ProviderObservation>): CoreObservation {
  return E.isLeft(r) ? errorObservation(r.left.message) : r.right;
}

async function bounded(kind: string, timeoutMs: number, parent: AbortSignal, call: (signal: AbortSignal) => Promise<E.Either<PluginError, ProviderObservation>>): Promise<CoreObservation> {
  const controller = new AbortController();
  const onAbort = () => controller.abort(parent.reason);
  parent.addEventListener('abort', onAbort, { once: true });
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<E.Either<PluginError, ProviderObservation>>((resolve) => {
    timer = setTimeout(() => {
      controller.abort(new Error('timeout'));
      resolve(E.left(PluginErrors.providerTimeout({ message: `the ${kind} metric provider did not answer within ${timeoutMs} ms` })));
    }, timeoutMs);
  });
  // Shutdown does not wait for a provider that ignores its signal.
  let onCancel: (() => void) | undefined;
  const cancelled = new Promise<E.Either<PluginError, ProviderObservation>>((resolve) => {
    onCancel = () => resolve(E.left(PluginErrors.pluginAborted({ message: 'the measurement was cancelled: the controller is stopping' })));
    parent.addEventListener('abort', onCancel, { once: true });
  });
  try {
    if (parent.aborted) return errorObservation('the measurement was cancelled: the controller is stopping');
    const r = await Promise.race([
      call(controller.signal).catch((e: unknown) => E.left(PluginErrors.providerUnavailable({ message: `the ${kind} metric provider failed: ${e instanceof Error ? e.message : String(e)}`, cause: e }))),
      timeout,
      cancelled,
    ]);
    return fromProvider(r);
  } finally {
    if (timer !== undefined) clearTimeout(timer);
    parent.removeEventListener('abort', onAbort);
    if (onCancel !== undefined) parent.removeEventListener('abort', onCancel);
  }
}

/** One report per intent, in the order of `intents`; every provider call runs concurrently. */
export async function takeMeasurements(run: AnalysisRun, intents: ReadonlyArray<MeasurementIntent>, providers: MetricProviders, opts: MeasureOptions): Promise<MeasurementReport[]> {
  return Promise.all(
    intents.map(async (intent): Promise<MeasurementReport> => {
      const resolved = providers.resolve(intent.metric);
      const report = (observation: CoreObservation): MeasurementReport => ({ intent, observation, observedAt: opts.now() });
      if ('problem' in resolved) {
        // Terminating a measurement no provider can take: there is nothing to stop.
        if (intent._tag === 'TerminateMeasurement') return report({ _tag: 'Verdict', phase: 'Successful' });
        return report(errorObservation(resolved.problem));
      }
      const { kind, provider } = resolved;
      const metadata = intent._tag === 'TakeMeasurement' ? {} : (intent.measurement.metadata ?? {});
      const observation = await bounded(kind, opts.timeoutMs, opts.signal, (signal) => {
        const ctx = { run, metric: intent.metric, signal, now: opts.now() };
        switch (intent._tag) {
          case 'TakeMeasurement':
            return provider.run(ctx)();
          case 'ResumeMeasurement':
            return provider.resume !== undefined ? provider.resume(ctx, metadata)() : provider.run(ctx)();
          case 'TerminateMeasurement':
            return provider.terminate !== undefined ? provider.terminate(ctx, metadata)() : Promise.resolve(E.right({ _tag: 'Verdict', phase: 'Successful' } as const));
        }
      });
      return report(observation);
    }),
  );
}

/** Let the provider of `metric` clean up after old measurements; failures are returned, never thrown. */
export async function garbageCollect(run: AnalysisRun, metric: Metric, keep: number, providers: MetricProviders, opts: MeasureOptions): Promise<E.Either<string, void>> {
  const resolved = providers.resolve(metric);
  if ('problem' in resolved || resolved.provider.garbageCollect === undefined) return E.right(undefined);
  const gc = resolved.provider.garbageCollect.bind(resolved.provider);
  const r = await bounded(resolved.kind, opts.timeoutMs, opts.signal, async (signal) => {
    const res = await gc({ run, metric, signal, now: opts.now() }, keep)();
    return E.map((): ProviderObservation => ({ _tag: 'Value', value: null }))(res);
  });
  return r._tag === 'ProviderError' ? E.left(r.message) : E.right(undefined);
}
