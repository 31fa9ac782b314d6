/**
 * Reading Datadog's answers into the `result` a metric's conditions see (Argo Rollouts' mapping):
 *
 * - v1 `GET /api/v1/query`: the value of the **last** point of the **first** series; no series, or no
 *   non-null point, is `null` (write `default(result, 0)` or `isNil(result)`). A `null` point is missing data
 *   (upstream decodes it as `0`, which hides gaps).
 * - v2 `POST /api/v2/query/scalar`: the first column whose `type` is `number` (or missing). Ungrouped: its first
 *   non-null value. Grouped (any `group` column, e.g. `by {service}`): every non-null value, in row order, as a
 *   `number[]`, and metadata `groups` = `[{"name":"<labels joined by ,>","value":v}]` (at most 100 entries: the
 *   50 lowest and 50 highest, with `groups_truncated: "true"`). No values at all is `null`.
 *
 * Errors keep upstream's wording (`received authentication error response code: 403`, `Could not parse JSON
 * body: …`, `There were errors in your query: …`) so existing runbooks still match.
 */
import * as E from 'fp-ts/lib/Either';
import { PluginErrors, type PluginError } from '@rollouts/plugin-sdk';

/** A read answer: the result for the conditions and extra metadata. */
export interface DatadogResult {
  readonly value: number | number[] | null;
  readonly metadata: Readonly<Record<string, string>>;
}

/** The most group entries kept in metadata `groups`. */
export const MAX_GROUPS_IN_METADATA = 100;

const invalid = (message: string): E.Either<PluginError, never> => E.left(PluginErrors.providerResponseInvalid({ message }));

function parseJson(body: string): E.Either<PluginError, unknown> {
  try {
    return E.right(JSON.parse(body));
  } catch (e) {
    return invalid(`Could not parse JSON body: ${e instanceof Error ? e.message : String(e)}`);
  }
}

const isObject = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);

/** Error texts of an `errors` field (strings, or objects with `detail`/`title`/`message`). */
function errorTexts(errors: unknown): string[] {
  if (!Array.isArray(errors)) return typeof errors === 'string' && errors !== '' ? [errors] : [];
  return errors
    .map((e) => (typeof e === 'string' ? e : isObject(e) ? [e['title'], e['detail'], e['message']].filter((s) => typeof s === 'string' && s !== '').join(': ') : ''))
    .filter((s) => s !== '');
}

/** Read a v1 `/api/v1/query` body (status 200). */
export function readV1Response(body: string): E.Either<PluginError, DatadogResult> {
  const parsed = parseJson(body);
  if (E.isLeft(parsed)) return parsed;
  const o = parsed.right;
  if (!isObject(o)) return invalid('Could not parse JSON body: the body is not a JSON object');
  if (o['status'] === 'error') {
    const why = [...errorTexts(o['error']), ...errorTexts(o['errors'])].join(', ');
    return invalid(`There were errors in your query: ${why === '' ? 'Datadog answered status "error"' : why}`);
  }
  const series = o['series'] ?? [];
  if (!Array.isArray(series)) return invalid('Could not parse JSON body: "series" is not an array');
  const first: unknown = series[0];
  if (first === undefined) return E.right({ value: null, metadata: {} });
  if (!isObject(first)) return invalid('Could not parse JSON body: series[0] is not an object');
  const points = first['pointlist'] ?? [];
  if (!Array.isArray(points)) return invalid('Could not parse JSON body: series[0].pointlist is not an array');
  let value: number | null = null;
  for (const [i, p] of points.entries()) {
    if (!Array.isArray(p) || p.length !== 2) return invalid(`Datapoint does not have 2 values: series[0].pointlist[${i}] is ${JSON.stringify(p)}`);
    const v: unknown = p[1];
    if (v === null) continue;
    if (typeof v !== 'number') return invalid(`could not parse numeric value ${JSON.stringify(v)} at series[0].pointlist[${i}]`);
    value = v;
  }
  return E.right({ value, metadata: {} });
}

interface Column {
  readonly name: string;
  readonly type: string | undefined;
  readonly values: unknown[];
}

function columnsOf(o: Record<string, unknown>): E.Either<PluginError, Column[]> {
  const data = o['data'];
  if (!isObject(data)) return invalid('Could not parse JSON body: the answer has no "data" object');
  const attrs = data['attributes'];
  if (!isObject(attrs)) return invalid('Could not parse JSON body: the answer has no "data.attributes" object');
  const columns = attrs['columns'] ?? [];
  if (!Array.isArray(columns)) return invalid('Could not parse JSON body: "data.attributes.columns" is not an array');
  const out: Column[] = [];
  for (const [i, c] of columns.entries()) {
    if (!isObject(c)) return invalid(`Could not parse JSON body: columns[${i}] is not an object`);
    const values = c['values'] ?? [];
    if (!Array.isArray(values)) return invalid(`Could not parse JSON body: columns[${i}].values is not an array`);
    out.push({ name: typeof c['name'] === 'string' ? c['name'] : `column ${i}`, type: typeof c['type'] === 'string' ? c['type'] : undefined, values });
  }
  return E.right(out);
}

/** Keep the 50 lowest and 50 highest groups when there are more than {@link MAX_GROUPS_IN_METADATA}. */
function boundedGroups(groups: ReadonlyArray<{ name: string; value: number }>): { kept: ReadonlyArray<{ name: string; value: number }>; truncated: boolean } {
  if (groups.length <= MAX_GROUPS_IN_METADATA) return { kept: groups, truncated: false };
  const sorted = [...groups].sort((a, b) => a.value - b.value);
  const half = MAX_GROUPS_IN_METADATA / 2;
  return { kept: [...sorted.slice(0, half), ...sorted.slice(sorted.length - half)], truncated: true };
}

/** Read a v2 `/api/v2/query/scalar` body (status 200). */
export function readV2Response(body: string): E.Either<PluginError, DatadogResult> {
  const parsed = parseJson(body);
  if (E.isLeft(parsed)) return parsed;
  const o = parsed.right;
  if (!isObject(o)) return invalid('Could not parse JSON body: the body is not a JSON object');
  // The vendor schema puts `errors` at the top level; upstream reads `data.errors`: look at both.
  const errors = [...errorTexts(o['errors']), ...(isObject(o['data']) ? errorTexts(o['data']['errors']) : [])];
  if (errors.length > 0) return invalid(`There were errors in your query: ${errors.join(', ')}`);
  const columns = columnsOf(o);
  if (E.isLeft(columns)) return columns;
  const numeric = columns.right.find((c) => c.type === 'number' || c.type === undefined);
  const groupColumns = columns.right.filter((c) => c.type === 'group');
  if (numeric === undefined) return E.right({ value: null, metadata: {} });
  const values: number[] = [];
  const groups: Array<{ name: string; value: number }> = [];
  for (const [row, v] of numeric.values.entries()) {
    if (v === null) continue;
    if (typeof v !== 'number') return invalid(`could not parse numeric value ${JSON.stringify(v)} in column "${numeric.name}" at index ${row}`);
    if (groupColumns.length === 0) return E.right({ value: v, metadata: {} });
    const labels: string[] = [];
    for (const g of groupColumns) {
      const label: unknown = g.values[row];
      const parts = Array.isArray(label) ? label : [label];
      if (!parts.every((p) => typeof p === 'string')) return invalid(`could not parse group label at index ${row}`);
      labels.push(...(parts as string[]));
    }
    values.push(v);
    groups.push({ name: labels.join(','), value: v });
  }
  if (values.length === 0) return E.right({ value: null, metadata: {} });
  const { kept, truncated } = boundedGroups(groups);
  return E.right({ value: values, metadata: { groups: JSON.stringify(kept), ...(truncated ? { groups_truncated: 'true' } : {}) } });
}
