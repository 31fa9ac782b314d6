/**
 * Reading a Prometheus HTTP API answer (`/api/v1/query`, `/api/v1/query_range`) into the `result` users'
 * conditions see: a scalar is a number; a vector is an array with one number per series (so `result[0]`
 * is the first series); a matrix is every sample of every series, flattened series by series; an empty
 * result is `[]`. `"NaN"`, `"+Inf"` and `"-Inf"` become the JS numbers (conditions use `isNaN`/`isInf`).
 * Errors follow the Prometheus Go client's wording (`bad_data: …`, `server_error: server error: 503`).
 */
import * as E from 'fp-ts/lib/Either';
import { PluginErrors, type PluginError } from '@rollouts/plugin-sdk';

/** A read answer: the result and the warnings Prometheus attached. */
export interface PrometheusResult {
  readonly value: number | number[];
  readonly warnings: ReadonlyArray<string>;
}

const invalid = (message: string): E.Either<PluginError, never> => E.left(PluginErrors.providerResponseInvalid({ message }));

/** A sample value as Prometheus writes it (`"0.5"`, `"NaN"`, `"+Inf"`, `"-Inf"`, `"1e-3"`). */
export function parseSampleValue(text: unknown): E.Either<string, number> {
  if (typeof text !== 'string') return E.left(`sample value ${JSON.stringify(text)} is not a string`);
  switch (text) {
    case 'NaN':
      return E.right(Number.NaN);
    case '+Inf':
    case 'Inf':
      return E.right(Number.POSITIVE_INFINITY);
    case '-Inf':
      return E.right(Number.NEGATIVE_INFINITY);
  }
  const n = text.trim() === '' ? Number.NaN : Number(text);
  return Number.isNaN(n) ? E.left(`sample value ${JSON.stringify(text)} is not a number`) : E.right(n);
}

/** The value of a `[timestamp, "value"]` pair. */
function pairValue(pair: unknown, where: string): E.Either<PluginError, number> {
  if (!Array.isArray(pair) || pair.length !== 2) return invalid(`bad_response: ${where} is not a [timestamp, "value"] pair`);
  const v = parseSampleValue(pair[1]);
  return E.isLeft(v) ? invalid(`bad_response: ${where}: ${v.left}`) : v;
}

function readResult(resultType: unknown, result: unknown): E.Either<PluginError, number | number[]> {
  switch (resultType) {
    case 'scalar':
      return pairValue(result, 'the scalar result');
    case 'vector':
    case 'matrix': {
      if (!Array.isArray(result)) return invalid(`bad_response: the ${resultType} result is not an array`);
      const out: number[] = [];
      for (const [i, series] of result.entries()) {
        const s = (typeof series === 'object' && series !== null ? series : {}) as Record<string, unknown>;
        if (resultType === 'vector') {
          if (s['value'] === undefined && s['histogram'] !== undefined) return invalid('Prometheus metric type not supported: native histogram samples cannot be read as numbers');
          const v = pairValue(s['value'], `result[${i}].value`);
          if (E.isLeft(v)) return v;
          out.push(v.right);
        } else {
          const values = s['values'] ?? [];
          if (!Array.isArray(values)) return invalid(`bad_response: result[${i}].values is not an array`);
          for (const [j, pair] of values.entries()) {
            const v = pairValue(pair, `result[${i}].values[${j}]`);
            if (E.isLeft(v)) return v;
            out.push(v.right);
          }
          if (s['histograms'] !== undefined) return invalid('Prometheus metric type not supported: native histogram samples cannot be read as numbers');
        }
      }
      return E.right(out);
    }
    case 'string':
      return invalid('Prometheus metric type not supported: the query returned a string');
    default:
      return invalid(`Prometheus metric type not supported: ${JSON.stringify(resultType)}`);
  }
}

const isApiErrorStatus = (status: number): boolean => status === 400 || status === 422;

/** Read one HTTP answer of the Prometheus query API (`status` and body text). */
export function readPrometheusResponse(status: number, body: string): E.Either<PluginError, PrometheusResult> {
  if (!isApiErrorStatus(status) && (status < 200 || status > 299)) {
    if (status >= 500) return E.left(PluginErrors.providerUnavailable({ message: `server_error: server error: ${status}` }));
    if (status === 429) return E.left(PluginErrors.providerUnavailable({ message: `client_error: client error: ${status} (rate limited)` }));
    return invalid(`client_error: client error: ${status}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch (e) {
    return invalid(`bad_response: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return invalid('bad_response: the body is not a JSON object');
  const o = parsed as Record<string, unknown>;
  if (o['status'] === 'error') {
    const type = typeof o['errorType'] === 'string' ? o['errorType'] : 'error';
    const message = `${type}: ${typeof o['error'] === 'string' ? o['error'] : 'Prometheus answered with an error'}`;
    // Prometheus answers 503 `timeout`/`unavailable` for overload; 400/422 for bad queries.
    return E.left(type === 'timeout' || type === 'unavailable' ? PluginErrors.providerUnavailable({ message }) : PluginErrors.providerResponseInvalid({ message }));
  }
  if (isApiErrorStatus(status)) return invalid('bad_response: inconsistent body for response code');
  if (o['status'] !== 'success') return invalid(`bad_response: unknown status ${JSON.stringify(o['status'])}`);
  const data = o['data'];
  if (typeof data !== 'object' || data === null) return invalid('bad_response: the answer has no data');
  const d = data as Record<string, unknown>;
  const warnings = Array.isArray(o['warnings']) ? o['warnings'].filter((w): w is string => typeof w === 'string') : [];
  return E.map((value: number | number[]) => ({ value, warnings }))(readResult(d['resultType'], d['result']));
}
