/**
 * The values the condition language works on, and the rules that relate them (equality, ordering, printing).
 *
 * Values are plain JavaScript data, classified on use:
 * - `null` and `undefined` are `nil`;
 * - a `bigint` is an expr `int` (64-bit, wrapping like Go); integer literals, `len`, `#index`, `..` make ints;
 * - a `number` is an expr `float` (Go `float64`): every number a provider hands over is a float, as in Go,
 *   where Prometheus and JSON results decode to `float64`;
 * - strings, booleans, arrays and plain objects (maps with string keys) are themselves.
 * Anything else (functions, class instances, symbols) is `unsupported` and fails when an operation touches it.
 */
import { ExprFailure } from './Failure';

export type Kind = 'nil' | 'bool' | 'int' | 'float' | 'string' | 'array' | 'map' | 'unsupported';

/** A map value: own enumerable string keys of a plain (or null-prototype) object. */
export type ValueMap = { readonly [key: string]: unknown };

/** Arrays and maps nested deeper than this are refused by the recursive helpers (equality, printing, output). */
export const MAX_VALUE_DEPTH = 256;

/** The classification of a value; see the module comment. */
export const kindOf = (v: unknown): Kind => {
  switch (typeof v) {
    case 'undefined':
      return 'nil';
    case 'boolean':
      return 'bool';
    case 'bigint':
      return 'int';
    case 'number':
      return 'float';
    case 'string':
      return 'string';
    case 'object': {
      if (v === null) return 'nil';
      if (Array.isArray(v)) return 'array';
      const proto: unknown = Object.getPrototypeOf(v);
      return proto === Object.prototype || proto === null ? 'map' : 'unsupported';
    }
    default:
      return 'unsupported';
  }
};

/** The name of a value's type, as expr's `type()` spells it (`nil`, `bool`, `int`, `float`, `string`, `array`, `map`). */
export const typeName = (v: unknown): string => {
  const kind = kindOf(v);
  if (kind !== 'unsupported') return kind;
  if (typeof v === 'object' && v !== null) {
    const ctor: unknown = (v as { constructor?: unknown }).constructor;
    if (typeof ctor === 'function' && typeof ctor.name === 'string' && ctor.name !== '') return ctor.name;
  }
  return typeof v;
};

export const isNil = (v: unknown): v is null | undefined => v === null || v === undefined;
export const isNumber = (v: unknown): v is number | bigint => typeof v === 'number' || typeof v === 'bigint';
export const isMap = (v: unknown): v is ValueMap => kindOf(v) === 'map';

/** A number as a float (ints convert exactly or to the nearest float, as Go's `float64(i)`). */
export const toFloat = (v: number | bigint): number => (typeof v === 'bigint' ? Number(v) : v);

/** Wraps to a signed 64-bit int, as Go's `int` arithmetic does. */
export const int64 = (v: bigint): bigint => BigInt.asIntN(64, v);

const hasOwn = (o: object, key: string): boolean => Object.prototype.hasOwnProperty.call(o, key);

/** A map's entry, or `undefined` when the key is absent (never an inherited property). */
export const mapGet = (m: ValueMap, key: string): unknown => (hasOwn(m, key) ? m[key] : undefined);
export const mapHas = (m: ValueMap, key: string): boolean => hasOwn(m, key);
export const mapKeys = (m: ValueMap): string[] => Object.keys(m);

/** A fresh map from entries; `__proto__` and friends become ordinary keys. */
export const makeMap = (entries: ReadonlyArray<readonly [string, unknown]>): ValueMap => {
  const out: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
  for (const [k, v] of entries) out[k] = v;
  return out;
};

/** Something to charge for work done; throws when the budget is spent. */
export type Charge = (steps: number) => void;

const tooDeep = (): ExprFailure => new ExprFailure('eval', `value nests deeper than ${MAX_VALUE_DEPTH} levels`);

/**
 * expr's `==`: ints and floats compare by value (`1 == 1.0`), nil equals nil, values of different types are
 * unequal (never an error), arrays and maps compare element by element. NaN is unequal to everything.
 * (expr compares arrays with Go's `reflect.DeepEqual`, so `[1] == [1.0]` is false there; here numbers inside
 * arrays compare by value, like everywhere else.)
 */
export const valuesEqual = (a: unknown, b: unknown, charge: Charge, depth = 0): boolean => {
  charge(1);
  if (depth > MAX_VALUE_DEPTH) throw tooDeep();
  if (isNumber(a) && isNumber(b)) {
    if (typeof a === 'bigint' && typeof b === 'bigint') return a === b;
    return toFloat(a) === toFloat(b);
  }
  const ka = kindOf(a);
  const kb = kindOf(b);
  if (ka !== kb) return false;
  switch (ka) {
    case 'nil':
      return true;
    case 'bool':
      return a === b;
    case 'string':
      charge(stringCost(a));
      return a === b;
    case 'array': {
      const xs = a as readonly unknown[];
      const ys = b as readonly unknown[];
      if (xs.length !== ys.length) return false;
      for (let i = 0; i < xs.length; i++) if (!valuesEqual(xs[i], ys[i], charge, depth + 1)) return false;
      return true;
    }
    case 'map': {
      const xm = a as ValueMap;
      const ym = b as ValueMap;
      const xk = mapKeys(xm);
      if (xk.length !== mapKeys(ym).length) return false;
      for (const k of xk) {
        if (!mapHas(ym, k) || !valuesEqual(xm[k], ym[k], charge, depth + 1)) return false;
      }
      return true;
    }
    default:
      return a === b;
  }
};

/** Orders strings by code point, which is Go's byte order on UTF-8. */
export const compareStrings = (a: string, b: string): number => {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.codePointAt(i)!;
    const y = b.codePointAt(i)!;
    if (x !== y) return x < y ? -1 : 1;
    if (x > 0xffff) i++;
  }
  return a.length < b.length ? -1 : a.length > b.length ? 1 : 0;
};

/** The code points of a string (so that `len`, indexes and slices count characters, not UTF-16 units). */
export const codePoints = (s: string): string[] => Array.from(s);

/** Go's `strconv.FormatFloat(f, 'g', -1, 64)`, which is how `fmt` prints a float64 (`%v`). */
export const formatFloat = (f: number): string => {
  if (Number.isNaN(f)) return 'NaN';
  if (f === Infinity) return '+Inf';
  if (f === -Infinity) return '-Inf';
  if (f === 0) return Object.is(f, -0) ? '-0' : '0';
  const sign = f < 0 ? '-' : '';
  // Shortest round-trip digits and the decimal exponent, from JavaScript's own shortest representation.
  const [mantissa = '', expPart = '0'] = Math.abs(f).toExponential().split('e');
  const digits = mantissa.replace('.', '');
  const exp = Number(expPart);
  if (exp < -4 || exp >= 6) {
    const frac = digits.length > 1 ? `.${digits.slice(1)}` : '';
    const e = Math.abs(exp);
    return `${sign}${digits[0]}${frac}e${exp < 0 ? '-' : '+'}${e < 10 ? '0' : ''}${e}`;
  }
  if (exp < 0) return `${sign}0.${'0'.repeat(-exp - 1)}${digits}`;
  if (digits.length <= exp + 1) return `${sign}${digits}${'0'.repeat(exp + 1 - digits.length)}`;
  return `${sign}${digits.slice(0, exp + 1)}.${digits.slice(exp + 1)}`;
};

/**
 * A value printed the way Go's `fmt.Sprintf("%v", v)` prints it, which is expr's `string()`:
 * `<nil>`, `true`, `42`, `0.5`, `1e+06`, `[1 a]`, `map[a:1 b:2]` (map keys sorted).
 */
export const formatValue = (v: unknown, charge: Charge, depth = 0): string => {
  charge(1);
  if (depth > MAX_VALUE_DEPTH) throw tooDeep();
  switch (kindOf(v)) {
    case 'nil':
      return '<nil>';
    case 'bool':
    case 'string':
    case 'int':
      return String(v);
    case 'float':
      return formatFloat(v as number);
    case 'array':
      return `[${(v as readonly unknown[]).map((x) => formatValue(x, charge, depth + 1)).join(' ')}]`;
    case 'map': {
      const m = v as ValueMap;
      const keys = mapKeys(m).sort(compareStrings);
      return `map[${keys.map((k) => `${k}:${formatValue(m[k], charge, depth + 1)}`).join(' ')}]`;
    }
    default:
      return `<${typeName(v)}>`;
  }
};

/** A short description of a value for error messages: scalars as printed, long strings cut, containers by type. */
export const preview = (v: unknown): string => {
  switch (kindOf(v)) {
    case 'string': {
      const s = v as string;
      return JSON.stringify(s.length > 64 ? `${s.slice(0, 61)}...` : s);
    }
    case 'nil':
    case 'bool':
    case 'int':
    case 'float':
      return formatValue(v, () => {});
    default:
      return typeName(v);
  }
};

/** Steps charged for work proportional to a string's length. */
export const stringCost = (v: unknown): number => (typeof v === 'string' ? Math.ceil(v.length / 64) : 0);

/** A value for callers outside the language: ints become numbers, arrays and maps are copied. */
export const toOutput = (v: unknown, charge: Charge, depth = 0): unknown => {
  charge(1);
  if (depth > MAX_VALUE_DEPTH) throw tooDeep();
  switch (kindOf(v)) {
    case 'nil':
      return null;
    case 'int':
      return Number(v);
    case 'array':
      return (v as readonly unknown[]).map((x) => toOutput(x, charge, depth + 1));
    case 'map': {
      const m = v as ValueMap;
      return Object.fromEntries(mapKeys(m).map((k) => [k, toOutput(m[k], charge, depth + 1)]));
    }
    default:
      return v;
  }
};
