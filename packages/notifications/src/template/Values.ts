/**
 * Values as Go's text/template sees the data of a notification: a Rollout converted to unstructured data
 * (maps, slices, strings, booleans, int64 for integral numbers, float64 for the others, nil), the absent value
 * a missing map key yields (`<no value>` when printed), times (`.time.Now`, `.time.Parse`) and functions.
 */

/** What a missing map key evaluates to (Go's invalid reflect.Value): prints `<no value>`, is false. */
export const MISSING: unique symbol = Symbol('missing');
export type Missing = typeof MISSING;

/** A Go function value held in the data (`.time.Now`); called with the `call` builtin. */
export class GoFunc {
  constructor(
    readonly name: string,
    readonly fn: (...args: unknown[]) => unknown,
  ) {}
}

/** A `time.Time` (always UTC here: there is no local time zone in a controller). */
export class GoTime {
  constructor(readonly ms: number) {}
}

/** A `time.Duration`, in nanoseconds. */
export class GoDuration {
  constructor(readonly ns: number) {}
}

export class TemplateExecError extends Error {}

export const isMap = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof GoTime) && !(v instanceof GoFunc) && !(v instanceof GoDuration) && !(v instanceof Uint8Array);

/** Go's type name of a value, for error messages. */
export function goType(v: unknown): string {
  if (v === MISSING) return '<nil>';
  if (v === null || v === undefined) return 'interface {}';
  if (typeof v === 'string') return 'string';
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'number') return Number.isInteger(v) ? 'int64' : 'float64';
  if (Array.isArray(v)) return '[]interface {}';
  if (v instanceof GoTime) return 'time.Time';
  if (v instanceof GoDuration) return 'time.Duration';
  if (v instanceof GoFunc) return 'func';
  return 'map[string]interface {}';
}

/** Go's `strconv.FormatFloat(f, 'g', -1, 64)`, which `fmt`'s `%v` uses for float64. */
export function formatFloat(f: number): string {
  if (Number.isNaN(f)) return 'NaN';
  if (f === Infinity) return '+Inf';
  if (f === -Infinity) return '-Inf';
  if (f === 0) return Object.is(f, -0) ? '-0' : '0';
  const [mant, expStr] = f.toExponential().split('e') as [string, string];
  const exp = Number(expStr);
  // Shortest %g: %e when the exponent is < -4 or >= 6 (strconv uses precision 6 for that decision).
  if (exp < -4 || exp >= 6) {
    const e = Math.abs(exp);
    return `${mant}e${exp < 0 ? '-' : '+'}${e < 10 ? '0' : ''}${e}`;
  }
  return String(f);
}

/** `fmt.Sprint(v)` of one value, as text/template prints it. */
export function printValue(v: unknown): string {
  if (v === MISSING) return '<no value>';
  if (v === null || v === undefined) return '<nil>';
  if (typeof v === 'string') return v;
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  // Integral values are int64 (as the unstructured converter makes them) unless they cannot be one.
  if (typeof v === 'number') return Number.isInteger(v) && Math.abs(v) < 2 ** 63 ? String(v) : formatFloat(v);
  if (Array.isArray(v)) return `[${v.map(printValue).join(' ')}]`;
  if (v instanceof GoTime) return formatGoTime(v, '2006-01-02 15:04:05.999999999 -0700 MST');
  if (v instanceof GoDuration) return formatDuration(v.ns);
  if (v instanceof GoFunc) throw new TemplateExecError(`can't print ${v.name} of type func`);
  if (isMap(v)) {
    const keys = Object.keys(v).sort();
    return `map[${keys.map((k) => `${k}:${printValue(v[k])}`).join(' ')}]`;
  }
  return String(v);
}

/** Go's `time.Duration.String()`. */
export function formatDuration(ns: number): string {
  if (ns === 0) return '0s';
  const neg = ns < 0;
  let u = Math.abs(ns);
  let out: string;
  if (u < 1e9) {
    const [unit, div] = u < 1e3 ? ['ns', 1] : u < 1e6 ? ['µs', 1e3] : ['ms', 1e6];
    out = `${trimZeros((u / (div as number)).toFixed(9))}${unit}`;
  } else {
    const h = Math.floor(u / 3.6e12);
    u -= h * 3.6e12;
    const m = Math.floor(u / 6e10);
    u -= m * 6e10;
    const s = `${trimZeros((u / 1e9).toFixed(9))}s`;
    out = h > 0 ? `${h}h${m}m${s}` : m > 0 ? `${m}m${s}` : s;
  }
  return neg ? `-${out}` : out;
}

const trimZeros = (s: string): string => (s.includes('.') ? s.replace(/0+$/, '').replace(/\.$/, '') : s);

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const pad = (n: number, w: number): string => String(n).padStart(w, '0');

/**
 * Go's `time.Time.Format(layout)` in UTC for the layout elements people use: `2006 06 01 1 Jan January 02 2 _2
 * 15 03 3 04 4 05 5 PM pm Mon Monday MST Z07:00 -07:00 -0700 Z0700 .000 .999…` (and `,000`).
 */
export function formatGoTime(t: GoTime, layout: string): string {
  const d = new Date(t.ms);
  const nanos = (((t.ms % 1000) + 1000) % 1000) * 1e6;
  const tokens: Array<[string, () => string]> = [
    ['January', () => MONTHS[d.getUTCMonth()]!],
    ['Monday', () => DAYS[d.getUTCDay()]!],
    ['2006', () => pad(d.getUTCFullYear(), 4)],
    ['Z07:00', () => 'Z'],
    ['-07:00', () => '+00:00'],
    ['Z0700', () => 'Z'],
    ['-0700', () => '+0000'],
    ['Jan', () => MONTHS[d.getUTCMonth()]!.slice(0, 3)],
    ['Mon', () => DAYS[d.getUTCDay()]!.slice(0, 3)],
    ['MST', () => 'UTC'],
    ['Z07', () => 'Z'],
    ['-07', () => '+00'],
    ['01', () => pad(d.getUTCMonth() + 1, 2)],
    ['02', () => pad(d.getUTCDate(), 2)],
    ['_2', () => String(d.getUTCDate()).padStart(2, ' ')],
    ['06', () => pad(d.getUTCFullYear() % 100, 2)],
    ['15', () => pad(d.getUTCHours(), 2)],
    ['03', () => pad(d.getUTCHours() % 12 || 12, 2)],
    ['04', () => pad(d.getUTCMinutes(), 2)],
    ['05', () => pad(d.getUTCSeconds(), 2)],
    ['PM', () => (d.getUTCHours() >= 12 ? 'PM' : 'AM')],
    ['pm', () => (d.getUTCHours() >= 12 ? 'pm' : 'am')],
    ['1', () => String(d.getUTCMonth() + 1)],
    ['2', () => String(d.getUTCDate())],
    ['3', () => String(d.getUTCHours() % 12 || 12)],
    ['4', () => String(d.getUTCMinutes())],
    ['5', () => String(d.getUTCSeconds())],
  ];
  let out = '';
  let i = 0;
  while (i < layout.length) {
    const frac = /^[.,](0+|9+)(?![0-9])/.exec(layout.slice(i));
    if (frac !== null) {
      const digits = frac[1]!;
      const all = pad(nanos, 9).slice(0, digits.length);
      if (digits[0] === '0') out += layout[i] + all;
      else {
        const trimmed = all.replace(/0+$/, '');
        if (trimmed !== '') out += layout[i] + trimmed;
      }
      i += frac[0].length;
      continue;
    }
    const tok = tokens.find(([k]) => layout.startsWith(k, i));
    if (tok !== undefined) {
      out += tok[1]();
      i += tok[0].length;
    } else {
      out += layout[i];
      i++;
    }
  }
  return out;
}

/** Parses an RFC 3339 timestamp (`time.Parse(time.RFC3339, s)`); `undefined` when it is not one. */
export function parseRfc3339(s: string): GoTime | undefined {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(s)) return undefined;
  const ms = Date.parse(s);
  return Number.isNaN(ms) ? undefined : new GoTime(ms);
}
