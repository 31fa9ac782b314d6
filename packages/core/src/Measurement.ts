/**
 * The one pure step from what a metric provider observed to the Measurement stored in an AnalysisRun.
 * Providers never decide phases from conditions: they report a value (core evaluates the metric's
 * `successCondition` / `failureCondition`), a verdict of their own (the job and kayenta providers), that
 * the measurement is still in flight, or an error.
 */
import * as E from 'fp-ts/lib/Either';
import type { Measurement, Metric } from '@rollouts/api';
import { assessMeasurementResult } from './AnalysisCondition';
import { toRfc3339 } from './Time';

/** Provider-supplied details kept on the measurement (`metadata`), such as a Job name or a resolved query. */
export type MeasurementMetadata = Readonly<Record<string, string>>;

/** A value the provider fetched; its phase comes from the metric's conditions. `value` is the JSON result. */
export interface ObservedValue {
  readonly _tag: 'Value';
  readonly value: unknown;
  readonly metadata?: MeasurementMetadata;
}

/** A provider that judges by itself (a Job's completion, a Kayenta score). */
export interface ObservedVerdict {
  readonly _tag: 'Verdict';
  readonly phase: 'Successful' | 'Failed' | 'Inconclusive';
  readonly value?: unknown;
  readonly message?: string;
  readonly metadata?: MeasurementMetadata;
}

/** The measurement is still in flight; ask again at `resumeAt` (epoch ms), or on every reconcile if absent. */
export interface ObservedPending {
  readonly _tag: 'Pending';
  readonly resumeAt?: number;
  readonly metadata?: MeasurementMetadata;
}

/** The provider could not measure (including a provider that could not be created). */
export interface ObservedProviderError {
  readonly _tag: 'ProviderError';
  readonly message: string;
  readonly metadata?: MeasurementMetadata;
}

/** What a metric provider reports for one Run, Resume or Terminate call. */
export type ProviderObservation = ObservedValue | ObservedVerdict | ObservedPending | ObservedProviderError;

// ---------------------------------------------------------------------------------------------------------
// Values as text

/** A finite number as Go's `strconv.FormatFloat(f, 'f', -1, 64)` writes it: shortest digits, never an exponent. */
function plainDecimal(n: number): string {
  if (Object.is(n, -0)) return '-0';
  const text = String(n);
  const m = /^(-?)(\d+)(?:\.(\d+))?e([+-]\d+)$/.exec(text);
  if (m === null) return text;
  const sign = m[1] ?? '';
  const digits = `${m[2] ?? ''}${m[3] ?? ''}`;
  const pointAt = (m[2] ?? '').length + Number(m[4]);
  if (pointAt <= 0) return `${sign}0.${'0'.repeat(-pointAt)}${digits}`;
  if (pointAt >= digits.length) return `${sign}${digits}${'0'.repeat(pointAt - digits.length)}`;
  return `${sign}${digits.slice(0, pointAt)}.${digits.slice(pointAt)}`;
}

function numberText(n: number): string {
  if (Number.isNaN(n)) return 'NaN';
  if (n === Infinity) return '+Inf';
  if (n === -Infinity) return '-Inf';
  return plainDecimal(n);
}

function valueJson(v: unknown): string {
  if (typeof v === 'number') return numberText(v);
  if (typeof v === 'bigint') return v.toString();
  if (Array.isArray(v)) return `[${v.map(valueJson).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    return `{${Object.entries(v)
      .filter(([, x]) => x !== undefined)
      .map(([k, x]) => `${JSON.stringify(k)}:${valueJson(x)}`)
      .join(',')}}`;
  }
  if (v === undefined) return 'null';
  return JSON.stringify(v);
}

/**
 * A measured value as the text stored in `Measurement.value`:
 * - a string is kept as it is;
 * - a number as Go's Prometheus and Datadog providers print it: shortest digits without an exponent
 *   (`0.95`, `0.0000001`, `120`), and `NaN`, `+Inf`, `-Inf`;
 * - an array as Prometheus vectors print: `[0.99,0.98]` (elements as above, strings quoted);
 * - anything else as compact JSON (numbers inside still as above); `undefined` as the empty string.
 */
export function formatMeasurementValue(value: unknown): string {
  if (value === undefined) return '';
  if (typeof value === 'string') return value;
  return valueJson(value);
}

// ---------------------------------------------------------------------------------------------------------
// Observation -> Measurement

function withMetadata(m: Measurement, previous: MeasurementMetadata | null | undefined, next: MeasurementMetadata | undefined): Measurement {
  const merged = { ...(previous ?? {}), ...(next ?? {}) };
  if (Object.keys(merged).length === 0) {
    const { metadata: _dropped, ...rest } = m;
    return rest;
  }
  return { ...m, metadata: merged };
}

/**
 * The measurement for one provider observation at `now` (epoch ms).
 *
 * - `Value`: the phase is `assessMeasurementResult(value, successCondition, failureCondition)`; a condition
 *   that cannot be evaluated makes an `Error` measurement carrying the evaluation message and no value.
 * - `Verdict`: the provider's phase, value and message.
 * - `Pending`: a `Running` measurement without `finishedAt`, with `resumeAt` when given.
 * - `ProviderError`: an `Error` measurement with the provider's message.
 *
 * `previous` is the in-flight measurement being resumed or terminated: its `startedAt` and fields are kept
 * and its metadata merged. A completed measurement always has `finishedAt` (`now` unless it had one).
 * Timestamps are RFC 3339 with whole seconds, as Kubernetes stores them.
 */
export function measurementFromObservation(obs: ProviderObservation, metric: Metric, now: number, previous?: Measurement): Measurement {
  const at = toRfc3339(now);
  const base: Measurement = { ...(previous ?? {}), phase: previous?.phase ?? 'Running', startedAt: previous?.startedAt ?? at };
  const finished = (m: Measurement): Measurement => ({ ...m, finishedAt: previous?.finishedAt ?? at });
  switch (obs._tag) {
    case 'Value': {
      const verdict = assessMeasurementResult(obs.value, metric.successCondition, metric.failureCondition);
      if (E.isLeft(verdict)) {
        const { value: _noValue, resumeAt: _noResume, ...rest } = base;
        return withMetadata(finished({ ...rest, phase: 'Error', message: verdict.left.message }), previous?.metadata, obs.metadata);
      }
      const { resumeAt: _noResume, message: _noMessage, ...rest } = base;
      return withMetadata(finished({ ...rest, phase: verdict.right, value: formatMeasurementValue(obs.value) }), previous?.metadata, obs.metadata);
    }
    case 'Verdict': {
      const { resumeAt: _noResume, message: _noMessage, ...rest } = base;
      const m: Measurement = {
        ...rest,
        phase: obs.phase,
        ...(obs.value !== undefined ? { value: formatMeasurementValue(obs.value) } : {}),
        ...(obs.message != null && obs.message !== '' ? { message: obs.message } : {}),
      };
      return withMetadata(finished(m), previous?.metadata, obs.metadata);
    }
    case 'Pending': {
      const { resumeAt: _oldResume, finishedAt: _notFinished, ...rest } = base;
      const m: Measurement = { ...rest, phase: 'Running', ...(obs.resumeAt !== undefined ? { resumeAt: toRfc3339(obs.resumeAt) } : {}) };
      return withMetadata(m, previous?.metadata, obs.metadata);
    }
    case 'ProviderError':
      return withMetadata(finished({ ...base, phase: 'Error', message: obs.message }), previous?.metadata, obs.metadata);
  }
}
