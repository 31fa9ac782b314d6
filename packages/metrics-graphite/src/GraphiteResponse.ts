/**
 * Reading a Graphite render answer (`format=json`) into the `result` users' conditions see, as Argo Rollouts
 * does: only the **first** series counts, its `null` points are dropped, and `result` is the list of the
 * remaining values (`[0.01, 0.02]`). A value may come as a number or a numeric string; a timestamp as a
 * number, an integer string or `null`.
 *
 * Deviation from Argo (its issue #3503): an answer with no series, or a first series without points, is the
 * value `[]`, not the error `no values found`, so `len(result) == 0 || result[0] < 0.05` can be written; a
 * condition that indexes into `[]` still fails with "metric result is nil or empty".
 */
import * as E from 'fp-ts/lib/Either';
import { PluginErrors, type PluginError } from '@rollouts/plugin-sdk';

/** What a render answer says. */
export interface GraphiteResult {
  /** The non-null values of the first series, oldest first. */
  readonly values: number[];
  /** How many series the answer had (only the first is used). */
  readonly seriesCount: number;
  /** The first series' `target` name, when there is one. */
  readonly target?: string;
}

/** Longest piece of an error body quoted in a message. */
const MAX_QUOTED = 400;
/** Characters read from each end of an error body to summarize it (16 Ki): a larger body is read only there. */
export const MAX_ERROR_BODY_SCAN = 16 * 1024;

const invalid = (message: string): E.Either<PluginError, never> => E.left(PluginErrors.providerResponseInvalid({ message }));

/** A float as Go's `strconv.ParseFloat` reads it: decimal or exponent forms, `NaN`, `Inf`, `+Inf`, `-Infinity`. */
export function parseGraphiteNumber(text: string): E.Either<string, number> {
  const special = /^([+-]?)(inf|infinity|nan)$/i.exec(text);
  if (special !== null) {
    if (special[2]!.toLowerCase() === 'nan') return special[1] === '' ? E.right(Number.NaN) : E.left(`strconv.ParseFloat: parsing ${JSON.stringify(text)}: invalid syntax`);
    return E.right(special[1] === '-' ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY);
  }
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(text)) return E.left(`strconv.ParseFloat: parsing ${JSON.stringify(text)}: invalid syntax`);
  return E.right(Number(text));
}

/**
 * An error body made readable for a status message: Graphite answers 400 with plain text
 * (`Invalid parameters (…)`) and 500 with an HTML page around a Python traceback, whose last line names the error.
 */
export function summarizeErrorBody(body: string): string {
  // Only the head and the tail are read (a traceback's last line names the error): the clean-up below is not
  // linear on hostile markup, so it must never see a body of megabytes.
  let text = body.length > 2 * MAX_ERROR_BODY_SCAN ? `${body.slice(0, MAX_ERROR_BODY_SCAN)}\n${body.slice(-MAX_ERROR_BODY_SCAN)}` : body;
  if (/<[a-z!/][^>]*>/i.test(text)) {
    text = text
      .replace(/<(script|style)[^>]*>[\s\S]*?<\/\1>/gi, ' ')
      .replace(/<[^>]*>/g, '\n')
      .replace(/&quot;/g, '"')
      .replace(/&#x27;|&#39;/g, "'")
      .replace(/&lt;/g, '<')
      .replace(/&gt;/g, '>')
      .replace(/&amp;/g, '&');
  }
  const lines = text.split(/\r?\n/).map((l) => l.trim()).filter((l) => l !== '');
  const traceback = lines.findIndex((l) => l.startsWith('Traceback (most recent call last)'));
  let summary: string;
  if (traceback >= 0) {
    const head = lines.slice(0, traceback).join(' ');
    const last = lines[lines.length - 1] ?? '';
    summary = head === '' ? last : `${head} (${last})`;
  } else summary = lines.join(' ');
  return summary.length > MAX_QUOTED ? `${summary.slice(0, MAX_QUOTED)}…` : summary;
}

const show = (x: unknown): string => {
  const s = JSON.stringify(x);
  return s === undefined ? String(x) : s.length > 80 ? `${s.slice(0, 80)}…` : s;
};

/** Read one render answer (`status` and body text). */
export function readGraphiteResponse(status: number, body: string): E.Either<PluginError, GraphiteResult> {
  if (status >= 400) {
    const message = `error response: ${summarizeErrorBody(body) || `HTTP ${status}`}`;
    return E.left(status >= 500 || status === 429 ? PluginErrors.providerUnavailable({ message: `${message} (HTTP ${status})` }) : PluginErrors.providerResponseInvalid({ message: `${message} (HTTP ${status})` }));
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch (e) {
    return invalid(`the graphite answer is not JSON (${e instanceof Error ? e.message : String(e)}): ${show(body.slice(0, 80))}`);
  }
  if (!Array.isArray(parsed)) return invalid(`the graphite answer is not a JSON array of series: ${show(parsed)}`);
  if (parsed.length === 0) return E.right({ values: [], seriesCount: 0 });
  const first: unknown = parsed[0];
  if (typeof first !== 'object' || first === null || Array.isArray(first)) return invalid(`the first graphite series is not an object: ${show(first)}`);
  const series = first as Record<string, unknown>;
  const target = typeof series['target'] === 'string' ? series['target'] : undefined;
  const name = target !== undefined ? JSON.stringify(target) : 'the first series';
  const points = series['datapoints'];
  if (points === undefined || points === null) return invalid(`${name} has no "datapoints"`);
  if (!Array.isArray(points)) return invalid(`"datapoints" of ${name} is not an array: ${show(points)}`);
  const values: number[] = [];
  for (const [i, point] of points.entries()) {
    if (!Array.isArray(point) || point.length !== 2) return invalid(`datapoint ${i} of ${name} is not a [value, timestamp] pair: ${show(point)}`);
    const [value, timestamp] = point as [unknown, unknown];
    if (timestamp !== null && typeof timestamp !== 'number' && !(typeof timestamp === 'string' && /^[+-]?\d+$/.test(timestamp))) {
      return invalid(`datapoint ${i} of ${name} has a timestamp that is not a number: ${show(timestamp)}`);
    }
    if (value === null) continue;
    if (typeof value === 'number') values.push(value);
    else if (typeof value === 'string') {
      const n = parseGraphiteNumber(value);
      if (E.isLeft(n)) return invalid(`datapoint ${i} of ${name}: ${n.left}`);
      values.push(n.right);
    } else return invalid(`datapoint ${i} of ${name} has a value that is not a number: ${show(value)}`);
  }
  return E.right({ values, seriesCount: parsed.length, ...(target !== undefined ? { target } : {}) });
}
