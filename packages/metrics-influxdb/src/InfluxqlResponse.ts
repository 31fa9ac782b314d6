/**
 * Reading an InfluxDB 1.x `/query` answer (JSON) into the `result` users' conditions see, the InfluxQL
 * counterpart of Flux's `_value` list: the value of every row of every series of every statement, in order.
 * Each series must have exactly one column besides `time` (select one field or one aggregate), so that a
 * row has one value; otherwise the answer is refused rather than guessed at.
 */
import * as E from 'fp-ts/lib/Either';

/** A value as InfluxDB 1.x writes it in JSON. */
export type InfluxqlValue = number | string | boolean | null;

/** What an answer held: the values, and the server's per-statement messages (warnings). */
export interface InfluxqlResult {
  readonly values: InfluxqlValue[];
  readonly messages: ReadonlyArray<string>;
}

/** Why an answer cannot be used: the server reported an error (`query`), or the body is not what 1.x sends. */
export type InfluxqlReadError = { readonly kind: 'query' | 'parse'; readonly message: string };

const parse = (message: string): E.Either<InfluxqlReadError, never> => E.left({ kind: 'parse', message });
const show = (x: unknown) => {
  const s = JSON.stringify(x) ?? String(x);
  return s.length > 80 ? `${s.slice(0, 80)}…` : s;
};

/** Read a `/query` body that came with a 2xx status, or with an error status and a JSON `{"error": …}`. */
export function readInfluxqlResponse(body: string): E.Either<InfluxqlReadError, InfluxqlResult> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch (e) {
    return parse(`it is not JSON (${e instanceof Error ? e.message : String(e)}): ${show(body.slice(0, 80))}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return parse(`it is not a JSON object: ${show(parsed)}`);
  const top = parsed as Record<string, unknown>;
  if (typeof top['error'] === 'string') return E.left({ kind: 'query', message: top['error'] });
  const results = top['results'];
  if (!Array.isArray(results)) return parse(`it has no "results" array: ${show(parsed)}`);
  const values: InfluxqlValue[] = [];
  const messages: string[] = [];
  for (const [r, result] of results.entries()) {
    if (typeof result !== 'object' || result === null) return parse(`results[${r}] is not an object`);
    const res = result as Record<string, unknown>;
    const where = results.length > 1 ? `statement ${r}: ` : '';
    if (typeof res['error'] === 'string') return E.left({ kind: 'query', message: `${where}${res['error']}` });
    for (const m of Array.isArray(res['messages']) ? res['messages'] : []) {
      const msg = m as { level?: unknown; text?: unknown };
      if (typeof msg.text === 'string') messages.push(`${typeof msg.level === 'string' ? `${msg.level}: ` : ''}${msg.text}`);
    }
    const series = res['series'] ?? [];
    if (!Array.isArray(series)) return parse(`results[${r}].series is not an array`);
    for (const [s, one] of series.entries()) {
      const o = (typeof one === 'object' && one !== null ? one : {}) as Record<string, unknown>;
      const name = typeof o['name'] === 'string' ? JSON.stringify(o['name']) : `results[${r}].series[${s}]`;
      const columns = o['columns'];
      if (!Array.isArray(columns) || !columns.every((c) => typeof c === 'string')) return parse(`series ${name} has no "columns" list`);
      const valueColumns = columns.map((c: string, i) => [c, i] as const).filter(([c]) => c !== 'time');
      if (valueColumns.length !== 1) {
        return E.left({
          kind: 'query',
          message: `${where}series ${name} has the columns ${columns.join(', ')}: select exactly one field or aggregate besides time (result is one value per row)`,
        });
      }
      const index = valueColumns[0]![1];
      const rows = o['values'] ?? [];
      if (!Array.isArray(rows)) return parse(`series ${name}: "values" is not an array`);
      for (const [v, row] of rows.entries()) {
        if (!Array.isArray(row) || row.length !== columns.length) return parse(`series ${name}: row ${v} does not have ${columns.length} values: ${show(row)}`);
        const value: unknown = row[index];
        if (value !== null && typeof value !== 'number' && typeof value !== 'string' && typeof value !== 'boolean') return parse(`series ${name}: row ${v} has a value that is not a number, string or boolean: ${show(value)}`);
        values.push(value);
      }
    }
  }
  return E.right({ values, messages });
}
