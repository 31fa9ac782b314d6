/**
 * Reading InfluxDB's annotated CSV (the answer of `POST /api/v2/query` with the `datatype`, `group` and
 * `default` annotations) into the `result` users' conditions see, as Argo Rollouts does through
 * influxdb-client-go: the `_value` of every data row of every table, in order, converted by its column's
 * datatype (`double` → number, `long`/`unsignedLong` → number, `boolean` → boolean, `string` → string,
 * `dateTime:RFC3339[Nano]` → the RFC 3339 text, `duration` → nanoseconds, `base64Binary` → the bytes as
 * numbers). An empty cell takes the column's `#default`, else is `null`.
 *
 * Deviation from Argo: an error table in the stream (`,error,reference`) is the measurement's error; Argo never
 * reads the client's `Err()`, so its users see "no results returned from flux query" or partial data.
 */
import * as E from 'fp-ts/lib/Either';
import { csvRows } from './internal/CsvRows';

/** One data row's `_value`, typed by its column's datatype. */
export type FluxValue = number | boolean | string | null | number[];

interface Column {
  name: string;
  datatype: string;
  defaultValue: string;
}

/** Go's `time.ParseDuration` units, in nanoseconds. */
const DURATION_UNITS: Readonly<Record<string, number>> = { ns: 1, us: 1e3, 'µs': 1e3, 'μs': 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 };

/** A Go duration (`1h2m3.5s`, `-150ms`, `0`) in nanoseconds. */
export function parseGoDuration(text: string): E.Either<string, number> {
  const bad = E.left(`time: invalid duration ${JSON.stringify(text)}`);
  const m = /^([+-]?)(.*)$/.exec(text)!;
  const body = m[2]!;
  if (body === '0') return E.right(0);
  if (body === '') return bad;
  let total = 0;
  const re = /(\d+\.?\d*|\.\d+)(ns|us|µs|μs|ms|s|m|h)/y;
  let at = 0;
  while (at < body.length) {
    re.lastIndex = at;
    const part = re.exec(body);
    if (part === null) return bad;
    total += Number(part[1]) * DURATION_UNITS[part[2]!]!;
    at = re.lastIndex;
  }
  return E.right(m[1] === '-' ? -total : total);
}

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

/** A cell converted by datatype, as influxdb-client-go's `toValue` does; `''` is null. */
export function fluxCell(text: string, datatype: string, column: string): E.Either<string, FluxValue> {
  if (text === '') return E.right(null);
  const bad = (what: string) => E.left(`column ${column}: ${JSON.stringify(text)} is not a valid ${what}`);
  switch (datatype) {
    case 'string':
      return E.right(text);
    case 'double': {
      const special = /^([+-]?)(inf|infinity|nan)$/i.exec(text);
      if (special !== null) return E.right(special[2]!.toLowerCase() === 'nan' ? Number.NaN : special[1] === '-' ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY);
      return /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(text) ? E.right(Number(text)) : bad('double');
    }
    case 'long':
      return /^[+-]?\d+$/.test(text) ? E.right(Number(text)) : bad('long');
    case 'unsignedLong':
      return /^\d+$/.test(text) ? E.right(Number(text)) : bad('unsignedLong');
    case 'boolean':
    case 'bool':
      return E.right(text.toLowerCase() !== 'false');
    case 'dateTime:RFC3339':
    case 'dateTime:RFC3339Nano':
      return RFC3339.test(text) && !Number.isNaN(Date.parse(text)) ? E.right(text) : bad(datatype);
    case 'duration': {
      const d = parseGoDuration(text);
      return E.isLeft(d) ? E.left(`column ${column}: ${d.left}`) : d;
    }
    case 'base64Binary':
      return /^[A-Za-z0-9+/]*={0,2}$/.test(text) && text.length % 4 === 0 ? E.right([...Buffer.from(text, 'base64')]) : bad('base64Binary');
    default:
      return E.left(`${column} has unknown data type ${datatype}`);
  }
}

/** What a Flux answer held: the `_value` of each data row, or the error the server reported in the stream. */
export type FluxReadError = { readonly kind: 'query'; readonly message: string } | { readonly kind: 'parse'; readonly message: string };

/** Read an annotated CSV body: every data row's `_value`, or why it cannot be read / the server's error. */
export function readFluxAnnotatedCsv(body: string): E.Either<FluxReadError, FluxValue[]> {
  const parsed = csvRows(body);
  if (E.isLeft(parsed)) return E.left({ kind: 'parse', message: parsed.left });
  const parse = (message: string) => E.left<FluxReadError>({ kind: 'parse', message });
  const values: FluxValue[] = [];
  let columns: Column[] | null = null;
  let state: 'normal' | 'annotations' | 'error' = 'normal';
  let datatypeFound = false;
  for (const row of parsed.right) {
    const marker = row[0]!;
    if (row.length === 1 && marker === '') continue; // blank line between tables
    if (row.length === 1) return parse(`parsing error, unexpected row starting with ${JSON.stringify(marker.slice(0, 40))}`);
    if (marker.startsWith('#') && state === 'normal') {
      columns = row.slice(1).map(() => ({ name: '', datatype: '', defaultValue: '' }));
      state = 'annotations';
      datatypeFound = false;
    }
    if (columns === null) return parse('parsing error, annotations not found (is this an annotated CSV answer of /api/v2/query?)');
    if (row.length - 1 !== columns.length) return parse(`parsing error, row has different number of columns than the table: ${row.length - 1} vs ${columns.length}`);
    const cells = row.slice(1);
    switch (marker) {
      case '#datatype':
        datatypeFound = true;
        cells.forEach((d, i) => (columns![i]!.datatype = d));
        continue;
      case '#default':
        cells.forEach((d, i) => (columns![i]!.defaultValue = d));
        continue;
      case '#group':
        continue;
      case '':
        break;
      default:
        if (marker.startsWith('#')) continue; // an annotation nobody asked for
        return parse(`parsing error, unexpected row starting with ${JSON.stringify(marker.slice(0, 40))}`);
    }
    if (state === 'annotations') {
      if (!datatypeFound) return parse('parsing error, datatype annotation not found');
      if (cells[0] === 'error') state = 'error';
      else {
        cells.forEach((name, i) => (columns![i]!.name = name));
        state = 'normal';
      }
      continue;
    }
    if (state === 'error') {
      const message = cells[0] !== undefined && cells[0] !== '' ? cells[0] : 'unknown query error';
      const reference = cells[1] !== undefined && cells[1] !== '' ? ` (reference ${cells[1]})` : '';
      return E.left({ kind: 'query', message: `${message}${reference}` });
    }
    let value: FluxValue = null;
    for (const [i, column] of columns.entries()) {
      const cell = cells[i]!;
      const v = fluxCell(cell === '' ? column.defaultValue : cell, column.datatype, column.name);
      if (E.isLeft(v)) return parse(v.left);
      if (column.name === '_value') value = v.right;
    }
    values.push(value);
  }
  return E.right(values);
}
