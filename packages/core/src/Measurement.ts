/**
 * The one pure step from what a metric provider observed to the Measurement stored in an AnalysisRun.
 * Providers never decide phases from conditions: they report a value (core evaluates the metric's
 * `successCondition` / `failureCondition`), a verdict of their own (the job and kayenta providers), that
 * the measurement is still in flight, or an error.
 */
import * as E from 'fp-ts/lib/Either';
import type { Measurement, Metric } from '@rollouts/api';
import { assessMeasurementResult } from './AnalysisCondition';
import { screenSecrets, type SecretScreen } from './AnalysisArgs';
import { toRfc3339, writableTime } from './Time';

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
// Size limits

/**
 * The most a measurement's `value` takes in status, in UTF-8 bytes (4 KiB), truncation note included. A longer
 * value keeps its head and ends with `…[value truncated: <n> more bytes]`. Conditions are evaluated on the
 * whole value the provider reported; only the stored text is cut.
 */
export const MAX_MEASUREMENT_VALUE_BYTES = 4096;

/** The most a measurement's `message` takes in status, in UTF-8 bytes (2 KiB), truncation note included. */
export const MAX_MEASUREMENT_MESSAGE_BYTES = 2048;

/** The most each value of a measurement's `metadata` (a provider's details) takes in status, in UTF-8 bytes (1 KiB). */
export const MAX_MEASUREMENT_METADATA_VALUE_BYTES = 1024;

/** Entries of a measurement's `metadata` kept (the first ones, in the provider's order). */
export const MAX_MEASUREMENT_METADATA_ENTRIES = 16;

/**
 * How far the size of an over-long value is counted, in UTF-8 bytes (16 MiB, the most any first-party provider
 * reads from a backend): beyond it the truncation note says `more than` (a provider handing over an endless or
 * cyclic structure costs no more than this).
 */
export const MAX_COUNTED_VALUE_BYTES = 16 * 1024 * 1024;

/** The UTF-8 size of `s` (a lone surrogate counts as the 3 bytes of U+FFFD). */
export function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
}

/** The longest head of `s` whose UTF-8 size is at most `maxBytes`, never splitting a surrogate pair. */
export function utf8Head(s: string, maxBytes: number): string {
  let n = 0;
  let i = 0;
  while (i < s.length) {
    const c = s.charCodeAt(i);
    const pair = c >= 0xd800 && c <= 0xdbff && i + 1 < s.length && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00;
    const size = c < 0x80 ? 1 : c < 0x800 ? 2 : pair ? 4 : 3;
    if (n + size > maxBytes) break;
    n += size;
    i += pair ? 2 : 1;
  }
  return s.slice(0, i);
}

const truncationNote = (what: string, dropped: number, exact: boolean): string => `…[${what} truncated: ${exact ? '' : 'more than '}${dropped} more bytes]`;

/**
 * `text` within `maxBytes` UTF-8 bytes: unchanged when it fits, else its head followed by
 * `…[<what> truncated: <n> more bytes]`, the whole within `maxBytes`. `totalBytes` is the size of the full text
 * when only part of it was built (`exact` false: at least that many).
 */
export function capText(text: string, maxBytes: number, what: string, totalBytes?: number, exact = true): string {
  const total = totalBytes ?? utf8Length(text);
  if (total <= maxBytes) return text;
  // The note's length depends on the number it carries: reserve room for the longest one.
  const reserve = utf8Length(truncationNote(what, total, exact));
  const head = utf8Head(text, Math.max(0, maxBytes - reserve));
  return `${head}${truncationNote(what, total - utf8Length(head), exact)}`;
}

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

const scalarJson = (v: unknown): string => {
  if (typeof v === 'number') return numberText(v);
  if (typeof v === 'bigint') return v.toString();
  if (v === undefined || typeof v === 'function' || typeof v === 'symbol') return 'null';
  return JSON.stringify(v);
};

/** One open container of the iterative printer: an array, or an object with its keys; the next index. */
interface Frame {
  readonly array: readonly unknown[] | undefined;
  readonly object: Readonly<Record<string, unknown>> | undefined;
  readonly keys: readonly string[];
  index: number;
}

/**
 * Compact JSON of `value` (numbers as {@link numberText}), built without recursion, so no nesting depth can
 * overflow the stack: text is kept up to `keepBytes` UTF-8 bytes, the rest only counted (up to
 * {@link MAX_COUNTED_VALUE_BYTES}).
 */
function boundedJson(value: unknown, keepBytes: number): { text: string; bytes: number; exact: boolean } {
  let text = '';
  let bytes = 0;
  const emit = (s: string): void => {
    if (bytes < keepBytes) {
      const size = utf8Length(s);
      const head = bytes + size <= keepBytes ? s : utf8Head(s, keepBytes - bytes);
      text += head;
      bytes += size;
    } else bytes += utf8Length(s);
  };
  const stack: Frame[] = [];
  // The containers being printed: one met again inside itself is a cycle, printed as a string.
  const open = new Set<object>();
  const visit = (v: unknown): void => {
    if (v !== null && typeof v === 'object' && open.has(v)) emit('"<cycle>"');
    else if (Array.isArray(v)) {
      emit('[');
      open.add(v);
      stack.push({ array: v, object: undefined, keys: [], index: 0 });
    } else if (v !== null && typeof v === 'object') {
      emit('{');
      const o = v as Record<string, unknown>;
      open.add(o);
      stack.push({ array: undefined, object: o, keys: Object.keys(o).filter((k) => o[k] !== undefined), index: 0 });
    } else emit(scalarJson(v));
  };
  visit(value);
  while (stack.length > 0) {
    if (bytes > MAX_COUNTED_VALUE_BYTES) return { text, bytes, exact: false };
    const top = stack[stack.length - 1]!;
    const length = top.array !== undefined ? top.array.length : top.keys.length;
    if (top.index >= length) {
      emit(top.array !== undefined ? ']' : '}');
      open.delete(top.array ?? top.object!);
      stack.pop();
      continue;
    }
    if (top.index > 0) emit(',');
    const i = top.index++;
    if (top.array !== undefined) visit(top.array[i]);
    else {
      const key = top.keys[i]!;
      emit(`${JSON.stringify(key)}:`);
      visit(top.object![key]);
    }
  }
  return { text, bytes, exact: true };
}

/**
 * A measured value as the text stored in `Measurement.value`:
 * - a string is kept as it is;
 * - a number as Go's Prometheus and Datadog providers print it: shortest digits without an exponent
 *   (`0.95`, `0.0000001`, `120`), and `NaN`, `+Inf`, `-Inf`;
 * - an array as Prometheus vectors print: `[0.99,0.98]` (elements as above, strings quoted);
 * - anything else as compact JSON (numbers inside still as above); `undefined` as the empty string.
 *
 * At most `maxBytes` UTF-8 bytes ({@link MAX_MEASUREMENT_VALUE_BYTES} by default): a longer value keeps its
 * head and ends with `…[value truncated: <n> more bytes]`. Any nesting depth is printed without recursion; a
 * container met again inside itself (a cycle, which JSON cannot hold) is printed as the string `<cycle>`.
 */
export function formatMeasurementValue(value: unknown, maxBytes: number = MAX_MEASUREMENT_VALUE_BYTES): string {
  if (value === undefined) return '';
  if (typeof value === 'string') return capText(value, maxBytes, 'value');
  const printed = boundedJson(value, maxBytes);
  return capText(printed.text, maxBytes, 'value', printed.bytes, printed.exact);
}

// ---------------------------------------------------------------------------------------------------------
// Observation -> Measurement

/** Options of {@link measurementFromObservation}. */
export interface MeasurementOptions {
  /**
   * The run's secret arguments (see `secretScreen`): whatever the measurement would store that shows one of
   * them, whole or in part (a message, the value, a metadata value), is redacted or withheld, naming the argument.
   */
  readonly secrets?: SecretScreen;
}

/** What a measurement shows in place of a condition error that would quote a secret. */
export const withheldConditionError = (condition: string, names: string): string =>
  `${condition} could not be evaluated: it uses ${names}; the error message is withheld to keep the secret out of status`;

/** What a measurement shows in place of a provider's message that would quote a secret. */
export const withheldProviderMessage = (names: string): string =>
  `the metric provider's message is withheld: it contains part of ${names}, which must stay out of status`;

/** What a measurement shows in place of a value (or metadata value) that would show a secret. */
export const withheldValue = (names: string): string => `(withheld: the value contains part of ${names})`;

const noScreen = (text: string): string => text;

function screenWith(opts: MeasurementOptions | undefined, withheld: (names: string) => string): (text: string) => string {
  const screen = opts?.secrets;
  return screen === undefined || screen.forms.length === 0 ? noScreen : (text) => screenSecrets(text, screen, withheld);
}

const capMessage = (message: string): string => capText(message, MAX_MEASUREMENT_MESSAGE_BYTES, 'message');

/** A provider's metadata as stored: at most {@link MAX_MEASUREMENT_METADATA_ENTRIES} entries, each key and value capped and screened. */
export function storedMetadata(next: MeasurementMetadata | undefined, opts: MeasurementOptions | undefined): MeasurementMetadata | undefined {
  if (next === undefined) return undefined;
  const screen = screenWith(opts, withheldValue);
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(next).slice(0, MAX_MEASUREMENT_METADATA_ENTRIES)) {
    const key = screen(capText(k, MAX_MEASUREMENT_METADATA_VALUE_BYTES, 'key'));
    out[key] = screen(capText(String(v), MAX_MEASUREMENT_METADATA_VALUE_BYTES, 'metadata'));
  }
  return out;
}

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
 *
 * What is stored is bounded: the value to {@link MAX_MEASUREMENT_VALUE_BYTES}, the message to
 * {@link MAX_MEASUREMENT_MESSAGE_BYTES}, metadata to {@link MAX_MEASUREMENT_METADATA_ENTRIES} entries of
 * {@link MAX_MEASUREMENT_METADATA_VALUE_BYTES}. With `opts.secrets`, a message, value or metadata value that
 * shows a secret argument whole is redacted (`*****`); one that shows a part of it is replaced whole by a text
 * naming the argument ({@link withheldConditionError}, {@link withheldProviderMessage}, {@link withheldValue}).
 */
export function measurementFromObservation(obs: ProviderObservation, metric: Metric, now: number, previous?: Measurement, opts?: MeasurementOptions): Measurement {
  const at = toRfc3339(now);
  const base: Measurement = { ...(previous ?? {}), phase: previous?.phase ?? 'Running', startedAt: previous?.startedAt ?? at };
  const finished = (m: Measurement): Measurement => ({ ...m, finishedAt: previous?.finishedAt ?? at });
  const metadata = storedMetadata(obs.metadata, opts);
  const providerMessage = (message: string): string => screenWith(opts, withheldProviderMessage)(capMessage(message));
  const valueText = (value: unknown): string => screenWith(opts, withheldValue)(formatMeasurementValue(value));
  switch (obs._tag) {
    case 'Value': {
      const verdict = assessMeasurementResult(obs.value, metric.successCondition, metric.failureCondition);
      if (E.isLeft(verdict)) {
        const { value: _noValue, resumeAt: _noResume, ...rest } = base;
        const condition = verdict.left.condition ?? 'the condition';
        const message = screenWith(opts, (names) => withheldConditionError(condition, names))(capMessage(verdict.left.message));
        return withMetadata(finished({ ...rest, phase: 'Error', message }), previous?.metadata, metadata);
      }
      const { resumeAt: _noResume, message: _noMessage, ...rest } = base;
      return withMetadata(finished({ ...rest, phase: verdict.right, value: valueText(obs.value) }), previous?.metadata, metadata);
    }
    case 'Verdict': {
      const { resumeAt: _noResume, message: _noMessage, ...rest } = base;
      const m: Measurement = {
        ...rest,
        phase: obs.phase,
        ...(obs.value !== undefined ? { value: valueText(obs.value) } : {}),
        ...(obs.message != null && obs.message !== '' ? { message: providerMessage(obs.message) } : {}),
      };
      return withMetadata(finished(m), previous?.metadata, metadata);
    }
    case 'Pending': {
      const { resumeAt: _oldResume, finishedAt: _notFinished, ...rest } = base;
      // A provider's resumeAt is brought into the years a timestamp can hold (or dropped when it is no time).
      const resumeAt = obs.resumeAt !== undefined ? writableTime(obs.resumeAt) : undefined;
      const m: Measurement = { ...rest, phase: 'Running', ...(resumeAt !== undefined ? { resumeAt: toRfc3339(resumeAt) } : {}) };
      return withMetadata(m, previous?.metadata, metadata);
    }
    case 'ProviderError':
      return withMetadata(finished({ ...base, phase: 'Error', message: providerMessage(obs.message) }), previous?.metadata, metadata);
  }
}
