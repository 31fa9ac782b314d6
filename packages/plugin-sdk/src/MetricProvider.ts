/**
 * Metric providers: they take a measurement and report what they saw — a value, a verdict, or "not done yet"
 * — and never decide phases: `@rollouts/core` judges every observation against the metric's conditions and
 * limits, so every provider behaves the same way. A provider failure is data (an `Error` measurement that
 * counts towards `consecutiveErrorLimit`), never an exception.
 */
import type { AnalysisRun, Codec, Metric } from '@rollouts/api';
import type { TaskEither } from 'fp-ts/lib/TaskEither';
import type { KubeObjectClient } from './KubeObjectClient';
import type { Logger } from './Logger';
import type { PluginError } from './PluginError';

/** Free-form facts about a measurement (the resolved query, a Job's name) kept in `measurement.metadata`. */
export type MeasurementMetadata = Readonly<Record<string, string>>;

/** What a provider saw. */
export type ProviderObservation =
  /** A result to judge with the metric's successCondition/failureCondition (`result` in the expression). */
  | { readonly _tag: 'Value'; readonly value: unknown; readonly metadata?: MeasurementMetadata }
  /** The provider decides itself (Kayenta's score, a Job's completion). */
  | { readonly _tag: 'Verdict'; readonly phase: 'Successful' | 'Failed' | 'Inconclusive'; readonly value?: unknown; readonly message?: string; readonly metadata?: MeasurementMetadata }
  /** Still running (a Job): ask again with `resume`, not before `resumeAt` (epoch ms) if given. */
  | { readonly _tag: 'Pending'; readonly resumeAt?: number; readonly metadata?: MeasurementMetadata };

export interface MeasurementContext {
  readonly run: AnalysisRun;
  /** The metric with `{{args.*}}` resolved and secret values substituted. */
  readonly metric: Metric;
  readonly signal: AbortSignal;
  /** Milliseconds since the epoch. */
  readonly now: number;
}

export interface MetricProvider {
  run(ctx: MeasurementContext): TaskEither<PluginError, ProviderObservation>;
  /** Check on a Pending measurement (its metadata is what `run` returned). */
  resume?(ctx: MeasurementContext, metadata: MeasurementMetadata): TaskEither<PluginError, ProviderObservation>;
  /** Stop a Pending measurement (the run is terminating). */
  terminate?(ctx: MeasurementContext, metadata: MeasurementMetadata): TaskEither<PluginError, ProviderObservation>;
  /** Clean up what old measurements left behind (Jobs), keeping the newest `keep`. */
  garbageCollect?(ctx: MeasurementContext, keep: number): TaskEither<PluginError, void>;
}

export interface ProviderDeps {
  readonly kube: KubeObjectClient;
  readonly log: Logger;
  readonly now: () => number;
  /** Environment the controller was started with (provider defaults such as ARGO_ROLLOUTS_PROMETHEUS_ADDRESS). */
  readonly env: Readonly<Record<string, string | undefined>>;
}

/**
 * A provider plugin: `kind` is the key under `metric.provider` (`prometheus`, `web`, `job`, ... or a plugin
 * name under `provider.plugin`); `configCodec` decodes that key's value.
 */
export interface MetricProviderPlugin<C> {
  readonly kind: string;
  readonly configCodec: Codec<C>;
  make(deps: ProviderDeps): (config: C) => MetricProvider;
}

export const defineMetricProvider = <C>(plugin: MetricProviderPlugin<C>): MetricProviderPlugin<C> => plugin;
