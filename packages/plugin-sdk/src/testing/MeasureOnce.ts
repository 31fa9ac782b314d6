/**
 * Taking one measurement in a test the way the controller does: the config decoded with the plugin's codec
 * (an error names the field path), `make(deps)` once per deps object, a fresh AbortSignal per measurement.
 * Plus readers for the outcome that fail with a readable message.
 */
import { decode, type AnalysisRun, type Metric } from '@rollouts/api';
import type { Logger } from '../Logger';
import type { MetricProvider, MetricProviderPlugin, ProviderDeps, ProviderObservation } from '../MetricProvider';
import type { PluginError } from '../PluginError';
import { fixedClock } from './FixedClock';

/** What one measurement came to (the plain Either a provider's task resolves to). */
export type MeasurementOutcome = { readonly _tag: 'Left'; readonly left: PluginError } | { readonly _tag: 'Right'; readonly right: ProviderObservation };

/** A logger that drops everything. */
export const silentLogger: Logger = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

const makers = new WeakMap<ProviderDeps, WeakMap<MetricProviderPlugin<unknown>, (config: unknown) => MetricProvider>>();

/** Options of {@link measureOnce}. */
export interface MeasureOnceOptions {
  /** Default: a fresh set with no cluster (`kube` fails if used), a silent logger, a {@link fixedClock} and no environment. */
  readonly deps?: ProviderDeps;
  readonly signal?: AbortSignal;
  /** `ctx.now`; default the deps' clock. */
  readonly now?: number;
  readonly metricName?: string;
  readonly run?: AnalysisRun;
}

/** Take one measurement with `config` (the value of `metric.provider.<kind>`). A config the codec rejects throws. */
export async function measureOnce<C>(plugin: MetricProviderPlugin<C>, config: unknown, opts: MeasureOnceOptions = {}): Promise<MeasurementOutcome> {
  const path = `provider.${plugin.kind}`;
  const decoded = decode(plugin.configCodec, config, { path });
  if (decoded._tag === 'Left') throw new Error(decoded.left.map((e) => e.message).join('; '));
  const deps = opts.deps ?? noClusterDeps();
  let byPlugin = makers.get(deps);
  if (byPlugin === undefined) makers.set(deps, (byPlugin = new WeakMap()));
  const key = plugin as MetricProviderPlugin<unknown>;
  let make = byPlugin.get(key);
  if (make === undefined) byPlugin.set(key, (make = key.make(deps)));
  const provider = make(decoded.right);
  const metric = { name: opts.metricName ?? 'error-rate', provider: { [plugin.kind]: config } } as unknown as Metric;
  return provider.run({ run: opts.run ?? ({} as AnalysisRun), metric, signal: opts.signal ?? new AbortController().signal, now: opts.now ?? deps.now() })();
}

function noClusterDeps(): ProviderDeps {
  const refuse = () => () => Promise.reject(new Error('this test gave the provider no cluster (pass deps with a kube client)'));
  return { kube: { get: refuse, list: refuse, create: refuse, update: refuse, patch: refuse, delete: refuse }, log: silentLogger, now: fixedClock().now, env: {} };
}

/** The value of a measurement that answered a Value, or a thrown error saying what it was instead. */
export function valueOf(r: MeasurementOutcome): unknown {
  if (r._tag === 'Left') throw new Error(`expected a value, got ${r.left._tag}: ${r.left.message}`);
  if (r.right._tag !== 'Value') throw new Error(`expected a Value, got ${r.right._tag}`);
  return r.right.value;
}

/** The metadata of a measurement that succeeded (undefined for a failure). */
export function metadataOf(r: MeasurementOutcome): Readonly<Record<string, string>> | undefined {
  return r._tag === 'Right' ? r.right.metadata : undefined;
}

/** The error of a failed measurement, or a thrown error showing what it answered instead. */
export function errorOf(r: MeasurementOutcome): PluginError {
  if (r._tag === 'Right') throw new Error(`expected an error, got ${JSON.stringify(r.right)}`);
  return r.left;
}
