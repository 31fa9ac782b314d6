/**
 * What expr's operators do to values: arithmetic with Go's int/float rules, comparison, membership, string
 * operators, ranges, member access and slicing. Each function throws an evaluation failure (without a
 * position; the evaluator adds it) when the operand types do not fit, with expr's `invalid operation` wording.
 */
import { evalFailure } from './Failure';
import type { BinaryOp } from './Parser';
import type { Regex } from './Regex';
import type { Charge, ValueMap } from './Value';
import { codePoints, compareStrings, int64, isNil, isNumber, kindOf, mapGet, mapHas, preview, stringCost, toFloat, typeName, valuesEqual } from './Value';

/** The longest array `a..b` may build. */
export const MAX_RANGE = 100_000;

/** Strings longer than this cannot be built by `+`, `repeat`, `join` and friends. */
export const MAX_STRING = 1_000_000;

const invalidUnary = (op: string, a: unknown): never => {
  throw evalFailure(`invalid operation: ${op} ${typeName(a)}`);
};

const mismatched = (op: string, a: unknown, b: unknown): never => {
  throw evalFailure(`invalid operation: ${typeName(a)} ${op} ${typeName(b)}`);
};

/** Checks that a string about to be built is not too long, charging for its size. */
export const chargeString = (length: number, charge: Charge): void => {
  if (length > MAX_STRING) throw evalFailure(`string too long (${length} characters, at most ${MAX_STRING})`);
  charge(Math.ceil(length / 64));
};

const arithmetic = (op: '+' | '-' | '*', a: unknown, b: unknown): unknown => {
  if (!isNumber(a) || !isNumber(b)) return mismatched(op, a, b);
  if (typeof a === 'bigint' && typeof b === 'bigint') {
    return int64(op === '+' ? a + b : op === '-' ? a - b : a * b);
  }
  const x = toFloat(a);
  const y = toFloat(b);
  return op === '+' ? x + y : op === '-' ? x - y : x * y;
};

/** Go's `math.Pow`, which differs from JavaScript's for a base of 1 or -1 with a NaN or infinite exponent. */
const pow = (x: number, y: number): number => {
  if (x === 1) return 1;
  if (x === -1 && !Number.isFinite(y) && !Number.isNaN(y)) return 1;
  return Math.pow(x, y);
};

/** `<`, `>`, `<=`, `>=`: numbers with numbers, strings with strings; anything else is an error. */
const ordered = (op: '<' | '>' | '<=' | '>=', a: unknown, b: unknown): boolean => {
  let c: number;
  if (isNumber(a) && isNumber(b)) {
    if (typeof a === 'bigint' && typeof b === 'bigint') c = a < b ? -1 : a > b ? 1 : 0;
    else {
      const x = toFloat(a);
      const y = toFloat(b);
      if (Number.isNaN(x) || Number.isNaN(y)) return false;
      c = x < y ? -1 : x > y ? 1 : 0;
    }
  } else if (typeof a === 'string' && typeof b === 'string') {
    c = compareStrings(a, b);
  } else {
    return mismatched(op, a, b);
  }
  switch (op) {
    case '<':
      return c < 0;
    case '>':
      return c > 0;
    case '<=':
      return c <= 0;
    case '>=':
      return c >= 0;
  }
};

/** `x in collection`: an element equal to `x` in an array, or the key `x` in a map; nil holds nothing. */
export const contains = (needle: unknown, haystack: unknown, charge: Charge): boolean => {
  switch (kindOf(haystack)) {
    case 'nil':
      return false;
    case 'array': {
      for (const item of haystack as readonly unknown[]) if (valuesEqual(item, needle, charge)) return true;
      return false;
    }
    case 'map':
      if (typeof needle !== 'string') throw evalFailure(`cannot use ${typeName(needle)} as a key of map`);
      return mapHas(haystack as ValueMap, needle);
    default:
      throw evalFailure(`operator "in" not defined on ${typeName(haystack)}`);
  }
};

const strings = (op: string, a: unknown, b: unknown): [string, string] => {
  if (typeof a !== 'string' || typeof b !== 'string') return mismatched(op, a, b);
  return [a, b];
};

/** An int or a float as an int index, truncating floats as Go's `int(f)` does. */
export const toIndex = (v: unknown, what: string): number => {
  if (typeof v === 'bigint') return v > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : v < BigInt(-Number.MAX_SAFE_INTEGER) ? -Number.MAX_SAFE_INTEGER : Number(v);
  if (typeof v === 'number' && Number.isFinite(v)) return Math.trunc(v);
  throw evalFailure(`${what} must be an integer, got ${typeName(v)}${typeof v === 'number' ? ` ${preview(v)}` : ''}`);
};

/** The binary operators other than `and`, `or` and `??` (which the evaluator short-circuits). */
export const binary = (op: Exclude<BinaryOp, 'and' | 'or' | '??'>, a: unknown, b: unknown, charge: Charge, regex: (pattern: string) => Regex): unknown => {
  switch (op) {
    case '+':
      if (typeof a === 'string' && typeof b === 'string') {
        chargeString(a.length + b.length, charge);
        return a + b;
      }
      return arithmetic('+', a, b);
    case '-':
    case '*':
      return arithmetic(op, a, b);
    case '/':
      if (!isNumber(a) || !isNumber(b)) return mismatched('/', a, b);
      return toFloat(a) / toFloat(b);
    case '%':
      if (typeof a !== 'bigint' || typeof b !== 'bigint') return mismatched('%', a, b);
      if (b === 0n) throw evalFailure('integer divide by zero');
      return int64(a % b);
    case '**':
      if (!isNumber(a) || !isNumber(b)) return mismatched('**', a, b);
      return pow(toFloat(a), toFloat(b));
    case '==':
      return valuesEqual(a, b, charge);
    case '!=':
      return !valuesEqual(a, b, charge);
    case '<':
    case '>':
    case '<=':
    case '>=':
      return ordered(op, a, b);
    case 'in':
      return contains(a, b, charge);
    case 'contains': {
      const [s, sub] = strings('contains', a, b);
      return s.includes(sub);
    }
    case 'startsWith': {
      const [s, prefix] = strings('startsWith', a, b);
      return s.startsWith(prefix);
    }
    case 'endsWith': {
      const [s, suffix] = strings('endsWith', a, b);
      return s.endsWith(suffix);
    }
    case 'matches': {
      const [s, pattern] = strings('matches', a, b);
      return regex(pattern).test(s, charge);
    }
    case '..': {
      if (typeof a !== 'bigint' || typeof b !== 'bigint') return mismatched('..', a, b);
      if (b < a) return [];
      if (b - a + 1n > BigInt(MAX_RANGE)) throw evalFailure(`range ${a}..${b} is too large (at most ${MAX_RANGE} elements)`);
      const size = Number(b - a) + 1;
      charge(size);
      const out: bigint[] = new Array<bigint>(size);
      for (let i = 0; i < size; i++) out[i] = a + BigInt(i);
      return out;
    }
  }
};

/** Unary `-` and `+` on numbers. */
export const negate = (op: '-' | '+', v: unknown): unknown => {
  if (typeof v === 'bigint') return op === '-' ? int64(-v) : v;
  if (typeof v === 'number') return op === '-' ? -v : v;
  return invalidUnary(op, v);
};

/**
 * `object[key]` and `object.key`: a map's entry (nil when absent), an array's or string's element (negative
 * indexes count from the end; out of range is an error), and an error for anything else, nil included.
 */
export const fetch = (object: unknown, key: unknown, charge: Charge): unknown => {
  charge(1);
  switch (kindOf(object)) {
    case 'map': {
      if (typeof key !== 'string') throw evalFailure(`cannot fetch ${preview(key)} from map (map keys are strings)`);
      const value = mapGet(object as ValueMap, key);
      return value === undefined ? null : value;
    }
    case 'array':
    case 'string': {
      charge(stringCost(object));
      const items: readonly unknown[] = typeof object === 'string' ? codePoints(object) : (object as readonly unknown[]);
      if (typeof key === 'string') throw evalFailure(`cannot fetch ${key} from ${typeName(object)}`);
      const raw = toIndex(key, 'index');
      const index = raw < 0 ? items.length + raw : raw;
      if (index < 0 || index >= items.length) throw evalFailure(`index out of range: ${index} (${typeName(object)} length is ${items.length})`);
      const value = items[index];
      return value === undefined ? null : value;
    }
    default:
      throw evalFailure(`cannot fetch ${typeof key === 'string' ? key : preview(key)} from ${isNil(object) ? 'nil' : typeName(object)}`);
  }
};

/** `object[from:to]` on arrays and strings, with Go-expr's clamping (negative bounds count from the end). */
export const slice = (object: unknown, from: unknown, to: unknown, charge: Charge): unknown => {
  const kind = kindOf(object);
  if (kind !== 'array' && kind !== 'string') throw evalFailure(`cannot slice ${isNil(object) ? 'nil' : typeName(object)}`);
  charge(stringCost(object));
  const items: readonly unknown[] = typeof object === 'string' ? codePoints(object) : (object as readonly unknown[]);
  const length = items.length;
  const bound = (v: unknown, fallback: number): number => {
    if (v === undefined) return fallback;
    let n = toIndex(v, 'slice bound');
    if (n < 0) n = length + n;
    return Math.min(Math.max(n, 0), length);
  };
  const b = bound(to, length);
  const a = Math.min(bound(from, 0), b);
  charge(1 + b - a);
  const part = items.slice(a, b);
  return typeof object === 'string' ? (part as string[]).join('') : part;
};

/** The truth of a value used as a condition; only booleans qualify. */
export const truth = (v: unknown, where: string): boolean => {
  if (typeof v !== 'boolean') throw evalFailure(`${where} must be a boolean, got ${typeName(v)}`);
  return v;
};
