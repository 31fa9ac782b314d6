/**
 * The functions a condition may call: the expr builtins users reach for, Argo Rollouts' helpers (`asInt`,
 * `asFloat`, `isNaN`, `isInf`, `isNil`, `default`), and the predicate functions (`all`, `any`, `filter`,
 * `map`, … with `#`). Every function checks its argument types and fails with a message naming itself;
 * functions expr has but this evaluator does not implement are listed in {@link UNSUPPORTED_FUNCTIONS}.
 */
import { evalFailure } from './Failure';
import { chargeString, toIndex } from './Operators';
import type { Charge, ValueMap } from './Value';
import {
  MAX_VALUE_DEPTH,
  codePoints,
  compareStrings,
  formatValue,
  int64,
  isNil,
  isNumber,
  kindOf,
  mapGet,
  mapKeys,
  preview,
  toFloat,
  typeName,
} from './Value';

export interface Builtin {
  readonly min: number;
  readonly max: number;
  readonly call: (args: readonly unknown[], charge: Charge) => unknown;
}

/** Evaluates a predicate for one element (`#`), its index (`#index`) and, for `reduce`, the accumulator (`#acc`). */
export type Predicate = (item: unknown, index: number, acc?: unknown) => unknown;

export interface PredicateBuiltin {
  /** Runs over `items`; `predicate` is null when an optional predicate was left out; `extra` holds evaluated trailing arguments. */
  readonly run: (items: readonly unknown[], predicate: Predicate | null, extra: readonly unknown[], charge: Charge) => unknown;
}

const INT64_MAX = 0x7fffffffffffffffn;
const INT64_MIN = -0x8000000000000000n;

const argError = (fn: string, v: unknown): never => {
  throw evalFailure(`invalid argument for ${fn} (type ${typeName(v)})`);
};

const str = (fn: string, v: unknown): string => (typeof v === 'string' ? v : argError(fn, v));
const arr = (fn: string, v: unknown): readonly unknown[] => (Array.isArray(v) ? (v as readonly unknown[]) : argError(fn, v));
const map = (fn: string, v: unknown): ValueMap => (kindOf(v) === 'map' ? (v as ValueMap) : argError(fn, v));
const num = (fn: string, v: unknown): number | bigint => (isNumber(v) ? v : argError(fn, v));
const intArg = (fn: string, v: unknown): number => (isNumber(v) ? toIndex(v, `${fn}'s count`) : argError(fn, v));

/** A float as a Go int64, refusing what Go would turn into garbage (NaN, infinities, out of range). */
const floatToInt = (fn: string, f: number): bigint => {
  if (!Number.isFinite(f)) throw evalFailure(`${fn}: cannot convert ${preview(f)} to an integer`);
  const t = BigInt(Math.trunc(f));
  if (t > INT64_MAX || t < INT64_MIN) throw evalFailure(`${fn}: ${preview(f)} is out of the integer range`);
  return t;
};

/** Go's `strconv.ParseInt(s, 10, 64)`. */
const parseGoInt = (fn: string, s: string): bigint => {
  if (!/^[+-]?\d+$/.test(s)) throw evalFailure(`${fn}: strconv.ParseInt: parsing ${JSON.stringify(s)}: invalid syntax`);
  const v = BigInt(s);
  if (v > INT64_MAX || v < INT64_MIN) throw evalFailure(`${fn}: strconv.ParseInt: parsing ${JSON.stringify(s)}: value out of range`);
  return v;
};

const DECIMAL_FLOAT = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const HEX_FLOAT = /^([+-]?)0[xX]([0-9a-fA-F]*)\.?([0-9a-fA-F]*)[pP]([+-]?\d+)$/;

/** Go's `strconv.ParseFloat(s, 64)`: decimal and hexadecimal floats, `inf`, `infinity`, `nan` (any case). */
const parseGoFloat = (fn: string, s: string): number => {
  const bad = (why: string): never => {
    throw evalFailure(`${fn}: strconv.ParseFloat: parsing ${JSON.stringify(s)}: ${why}`);
  };
  const lower = s.toLowerCase();
  if (/^[+-]?(inf|infinity)$/.test(lower)) return lower.startsWith('-') ? -Infinity : Infinity;
  if (lower === 'nan') return NaN;
  let value: number;
  const hex = HEX_FLOAT.exec(s);
  if (hex !== null) {
    const [, sign, whole = '', frac = '', exp = '0'] = hex;
    if (whole === '' && frac === '') return bad('invalid syntax');
    const mantissa = parseInt(whole + frac || '0', 16);
    value = mantissa * Math.pow(2, Number(exp) - 4 * frac.length);
    if (sign === '-') value = -value;
  } else if (DECIMAL_FLOAT.test(s)) {
    value = Number(s);
  } else {
    return bad('invalid syntax');
  }
  if (!Number.isFinite(value)) return bad('value out of range');
  return value;
};

/** Numbers from arguments that may be arrays (nested), as `max`, `min`, `mean` and `median` take them. */
const numbersOf = (fn: string, args: readonly unknown[], charge: Charge): Array<number | bigint> => {
  const out: Array<number | bigint> = [];
  const walk = (v: unknown, depth: number): void => {
    charge(1);
    if (depth > MAX_VALUE_DEPTH) throw evalFailure(`value nests deeper than ${MAX_VALUE_DEPTH} levels`);
    if (Array.isArray(v)) for (const x of v as readonly unknown[]) walk(x, depth + 1);
    else out.push(num(fn, v));
  };
  for (const a of args) walk(a, 0);
  return out;
};

const less = (a: number | bigint, b: number | bigint): boolean =>
  typeof a === 'bigint' && typeof b === 'bigint' ? a < b : toFloat(a) < toFloat(b);

/** Go's `strings.Split` / `strings.SplitN`, counting characters by code point. */
const split = (s: string, sep: string, n: number): string[] => {
  if (n === 0) return [];
  if (sep === '') {
    const chars = codePoints(s);
    if (n < 0 || n >= chars.length) return chars;
    return [...chars.slice(0, n - 1), chars.slice(n - 1).join('')];
  }
  const parts = s.split(sep);
  if (n < 0 || n >= parts.length) return parts;
  return [...parts.slice(0, n - 1), parts.slice(n - 1).join(sep)];
};

/** Go's `strings.Replace(s, old, new, n)` (all when n < 0). */
const replace = (s: string, old: string, replacement: string, n: number): string => {
  if (n === 0 || old === replacement) return s;
  if (old === '') {
    // An empty `old` matches before every character and at the end.
    const chars = codePoints(s);
    let out = '';
    let done = 0;
    for (let i = 0; i <= chars.length; i++) {
      if (n < 0 || done < n) {
        out += replacement;
        done++;
      }
      out += chars[i] ?? '';
    }
    return out;
  }
  if (n < 0) return s.split(old).join(replacement);
  let out = '';
  let rest = s;
  for (let done = 0; done < n; done++) {
    const at = rest.indexOf(old);
    if (at < 0) break;
    out += rest.slice(0, at) + replacement;
    rest = rest.slice(at + old.length);
  }
  return out + rest;
};

/** Go's `strings.Trim(s, cutset)`. */
const trimSet = (s: string, cutset: string): string => {
  const cut = new Set(codePoints(cutset));
  const chars = codePoints(s);
  let a = 0;
  let b = chars.length;
  while (a < b && cut.has(chars[a]!)) a++;
  while (b > a && cut.has(chars[b - 1]!)) b--;
  return chars.slice(a, b).join('');
};

/** Code-point offset of a UTF-16 offset. */
const cpIndex = (s: string, utf16: number): number => (utf16 < 0 ? -1 : codePoints(s.slice(0, utf16)).length);

/** Go's `math.Round`: halves away from zero. */
const roundHalfAway = (x: number): number => {
  if (!Number.isFinite(x)) return x;
  const t = Math.trunc(x);
  return Math.abs(x - t) >= 0.5 ? t + Math.sign(x) : t;
};

const fixed = (min: number, max: number, call: Builtin['call']): Builtin => ({ min, max, call });
const one = (call: (v: unknown, charge: Charge) => unknown): Builtin => fixed(1, 1, (args, charge) => call(args[0], charge));

/** `ceil`, `floor`, `round`: a float, whatever number they are given. */
const roundWith = (fn: string, f: (x: number) => number): Builtin => one((v) => f(toFloat(num(fn, v))));

/** Functions taking only values, by name. */
export const BUILTINS: ReadonlyMap<string, Builtin> = new Map<string, Builtin>([
  // Argo Rollouts' helpers.
  [
    'asInt',
    one((v) => {
      if (typeof v === 'bigint') return v;
      if (typeof v === 'number') return floatToInt('asInt', v);
      if (typeof v === 'string') return parseGoInt('asInt', v);
      throw evalFailure(`asInt() not supported on ${typeName(v)} ${preview(v)}`);
    }),
  ],
  [
    'asFloat',
    one((v) => {
      if (isNumber(v)) return toFloat(v);
      if (typeof v === 'string') return parseGoFloat('asFloat', v);
      throw evalFailure(`asFloat() not supported on ${typeName(v)} ${preview(v)}`);
    }),
  ],
  ['isNaN', one((v) => (typeof num('isNaN', v) === 'number' ? Number.isNaN(v) : false))],
  ['isInf', one((v) => (typeof num('isInf', v) === 'number' ? v === Infinity || v === -Infinity : false))],
  ['isNil', one((v) => isNil(v))],
  ['default', fixed(2, 2, ([v, fallback]) => (isNil(v) ? (fallback ?? null) : v))],
  // Miscellaneous.
  [
    'len',
    one((v) => {
      switch (kindOf(v)) {
        case 'array':
          return BigInt((v as readonly unknown[]).length);
        case 'map':
          return BigInt(mapKeys(v as ValueMap).length);
        case 'string':
          return BigInt(codePoints(v as string).length);
        default:
          return argError('len', v);
      }
    }),
  ],
  ['type', one((v) => typeName(v))],
  [
    'get',
    fixed(2, 2, ([v, key]) => {
      if (Array.isArray(v) && isNumber(key) && (typeof key === 'bigint' || Number.isFinite(key))) {
        const items = v as readonly unknown[];
        const raw = toIndex(key, 'index');
        const index = raw < 0 ? items.length + raw : raw;
        return items[index] ?? null;
      }
      if (kindOf(v) === 'map' && typeof key === 'string') return mapGet(v as ValueMap, key) ?? null;
      return null;
    }),
  ],
  // Numbers.
  [
    'abs',
    one((v) => {
      const n = num('abs', v);
      return typeof n === 'bigint' ? int64(n < 0n ? -n : n) : Math.abs(n);
    }),
  ],
  ['ceil', roundWith('ceil', Math.ceil)],
  ['floor', roundWith('floor', Math.floor)],
  ['round', roundWith('round', roundHalfAway)],
  [
    'max',
    fixed(1, Infinity, (args, charge) => {
      const xs = numbersOf('max', args, charge);
      return xs.reduce<number | bigint | null>((best, x) => (best === null || less(best, x) ? x : best), null);
    }),
  ],
  [
    'min',
    fixed(1, Infinity, (args, charge) => {
      const xs = numbersOf('min', args, charge);
      return xs.reduce<number | bigint | null>((best, x) => (best === null || less(x, best) ? x : best), null);
    }),
  ],
  [
    'mean',
    fixed(1, Infinity, (args, charge) => {
      const xs = numbersOf('mean', args, charge);
      return xs.length === 0 ? 0 : xs.reduce<number>((s, x) => s + toFloat(x), 0) / xs.length;
    }),
  ],
  [
    'median',
    fixed(1, Infinity, (args, charge) => {
      const xs = numbersOf('median', args, charge).map(toFloat);
      if (xs.length === 0) return 0;
      charge(xs.length * Math.ceil(Math.log2(xs.length + 1)));
      xs.sort((a, b) => a - b);
      const mid = Math.floor(xs.length / 2);
      return xs.length % 2 === 1 ? xs[mid]! : (xs[mid - 1]! + xs[mid]!) / 2;
    }),
  ],
  // Conversions.
  [
    'int',
    one((v) => {
      if (typeof v === 'bigint') return v;
      if (typeof v === 'number') return floatToInt('int', v);
      if (typeof v === 'string') {
        if (!/^[+-]?\d+$/.test(v)) throw evalFailure(`invalid operation: int(${v})`);
        return parseGoInt('int', v);
      }
      throw evalFailure(`invalid operation: int(${typeName(v)})`);
    }),
  ],
  [
    'float',
    one((v) => {
      if (isNumber(v)) return toFloat(v);
      if (typeof v === 'string') return parseGoFloat('float', v);
      throw evalFailure(`invalid operation: float(${typeName(v)})`);
    }),
  ],
  [
    'string',
    one((v, charge) => {
      const s = formatValue(v, charge);
      chargeString(s.length, charge);
      return s;
    }),
  ],
  // Strings.
  ['upper', one((v) => str('upper', v).toUpperCase())],
  ['lower', one((v) => str('lower', v).toLowerCase())],
  ['trim', fixed(1, 2, ([s, cut]) => (cut === undefined ? str('trim', s).trim() : trimSet(str('trim', s), str('trim', cut))))],
  [
    'trimPrefix',
    fixed(1, 2, ([s, p]) => {
      const text = str('trimPrefix', s);
      const prefix = p === undefined ? ' ' : str('trimPrefix', p);
      return text.startsWith(prefix) ? text.slice(prefix.length) : text;
    }),
  ],
  [
    'trimSuffix',
    fixed(1, 2, ([s, p]) => {
      const text = str('trimSuffix', s);
      const suffix = p === undefined ? ' ' : str('trimSuffix', p);
      return suffix !== '' && text.endsWith(suffix) ? text.slice(0, text.length - suffix.length) : text;
    }),
  ],
  [
    'split',
    fixed(2, 3, ([s, sep, n], charge) => {
      const text = str('split', s);
      charge(1 + Math.ceil(text.length / 16));
      return split(text, str('split', sep), n === undefined ? -1 : intArg('split', n));
    }),
  ],
  [
    'replace',
    fixed(3, 4, ([s, old, replacement, n], charge) => {
      const out = replace(str('replace', s), str('replace', old), str('replace', replacement), n === undefined ? -1 : intArg('replace', n));
      chargeString(out.length, charge);
      return out;
    }),
  ],
  [
    'repeat',
    fixed(2, 2, ([s, n], charge) => {
      const text = str('repeat', s);
      const times = intArg('repeat', n);
      if (times < 0) throw evalFailure(`invalid argument for repeat (expected a non-negative count, got ${times})`);
      chargeString(text.length * times, charge);
      return text.repeat(times);
    }),
  ],
  [
    'join',
    fixed(1, 2, ([items, sep], charge) => {
      const glue = sep === undefined ? '' : str('join', sep);
      const parts = arr('join', items).map((x) => str('join', x));
      chargeString(parts.reduce((n, p) => n + p.length + glue.length, 0), charge);
      return parts.join(glue);
    }),
  ],
  [
    'indexOf',
    fixed(2, 2, ([s, sub]) => {
      const text = str('indexOf', s);
      return BigInt(cpIndex(text, text.indexOf(str('indexOf', sub))));
    }),
  ],
  [
    'lastIndexOf',
    fixed(2, 2, ([s, sub]) => {
      const text = str('lastIndexOf', s);
      return BigInt(cpIndex(text, text.lastIndexOf(str('lastIndexOf', sub))));
    }),
  ],
  ['hasPrefix', fixed(2, 2, ([s, p]) => str('hasPrefix', s).startsWith(str('hasPrefix', p)))],
  ['hasSuffix', fixed(2, 2, ([s, p]) => str('hasSuffix', s).endsWith(str('hasSuffix', p)))],
  // Arrays and maps.
  ['first', one((v) => (isNil(v) ? null : (arr('first', v)[0] ?? null)))],
  ['last', one((v) => (isNil(v) ? null : (arr('last', v).at(-1) ?? null)))],
  [
    'take',
    fixed(2, 2, ([v, n], charge) => {
      const items = arr('take', v);
      const count = intArg('take', n);
      if (count < 0) throw evalFailure(`invalid argument for take (expected a non-negative count, got ${count})`);
      charge(Math.min(count, items.length));
      return items.slice(0, count);
    }),
  ],
  [
    'keys',
    one((v, charge) => {
      const keys = mapKeys(map('keys', v));
      charge(keys.length);
      return keys;
    }),
  ],
  [
    'values',
    one((v, charge) => {
      const m = map('values', v);
      const keys = mapKeys(m);
      charge(keys.length);
      return keys.map((k) => m[k] ?? null);
    }),
  ],
  [
    'sort',
    fixed(1, 2, ([v, order], charge) => {
      const items = [...arr('sort', v)];
      const direction = order === undefined ? 'asc' : str('sort', order);
      if (direction !== 'asc' && direction !== 'desc') throw evalFailure(`invalid argument for sort (order must be "asc" or "desc", got ${JSON.stringify(direction)})`);
      const allNumbers = items.every(isNumber);
      const allStrings = items.every((x) => typeof x === 'string');
      if (!allNumbers && !allStrings) throw evalFailure('invalid argument for sort (elements must be all numbers or all strings)');
      charge(items.length * Math.ceil(Math.log2(items.length + 1)));
      const cmp = allNumbers
        ? (a: unknown, b: unknown) => (less(a as number | bigint, b as number | bigint) ? -1 : less(b as number | bigint, a as number | bigint) ? 1 : 0)
        : (a: unknown, b: unknown) => compareStrings(a as string, b as string);
      items.sort(direction === 'asc' ? cmp : (a, b) => cmp(b, a));
      return items;
    }),
  ],
  [
    'reverse',
    one((v, charge) => {
      const items = arr('reverse', v);
      charge(items.length);
      return [...items].reverse();
    }),
  ],
]);

const test = (fn: string, predicate: Predicate, item: unknown, index: number): boolean => {
  const v = predicate(item, index);
  if (typeof v !== 'boolean') throw evalFailure(`predicate of ${fn} must return a boolean, got ${typeName(v)}`);
  return v;
};

const required = (fn: string, predicate: Predicate | null): Predicate => {
  if (predicate === null) throw evalFailure(`${fn} needs a predicate`);
  return predicate;
};

/** Functions with a predicate argument (see the parser's `PREDICATE_FUNCTIONS` for their shapes), by name. */
export const PREDICATE_BUILTINS: ReadonlyMap<string, PredicateBuiltin> = new Map<string, PredicateBuiltin>([
  ['all', { run: (items, p) => items.every((x, i) => test('all', required('all', p), x, i)) }],
  ['any', { run: (items, p) => items.some((x, i) => test('any', required('any', p), x, i)) }],
  ['none', { run: (items, p) => !items.some((x, i) => test('none', required('none', p), x, i)) }],
  [
    'one',
    {
      run: (items, p) => {
        let hits = 0;
        for (let i = 0; i < items.length && hits < 2; i++) if (test('one', required('one', p), items[i], i)) hits++;
        return hits === 1;
      },
    },
  ],
  ['filter', { run: (items, p) => items.filter((x, i) => test('filter', required('filter', p), x, i)) }],
  ['map', { run: (items, p) => items.map((x, i) => required('map', p)(x, i)) }],
  [
    'count',
    {
      // Without a predicate, count counts the elements that are `true`.
      run: (items, p, _extra, charge) => (charge(items.length), BigInt(items.filter((x, i) => (p === null ? (typeof x === 'boolean' ? x : argError('count', x)) : test('count', p, x, i))).length)),
    },
  ],
  [
    'sum',
    {
      run: (items, p, _extra, charge) => {
        let total: number | bigint = 0n;
        items.forEach((x, i) => {
          charge(1);
          const v = num('sum', p === null ? x : p(x, i));
          total = typeof total === 'bigint' && typeof v === 'bigint' ? int64(total + v) : toFloat(total) + toFloat(v);
        });
        return total;
      },
    },
  ],
  ['find', { run: (items, p) => items.find((x, i) => test('find', required('find', p), x, i)) ?? null }],
  ['findIndex', { run: (items, p) => BigInt(items.findIndex((x, i) => test('findIndex', required('findIndex', p), x, i))) }],
  [
    'findLast',
    {
      run: (items, p) => {
        for (let i = items.length - 1; i >= 0; i--) if (test('findLast', required('findLast', p), items[i], i)) return items[i] ?? null;
        return null;
      },
    },
  ],
  [
    'findLastIndex',
    {
      run: (items, p) => {
        for (let i = items.length - 1; i >= 0; i--) if (test('findLastIndex', required('findLastIndex', p), items[i], i)) return BigInt(i);
        return -1n;
      },
    },
  ],
  [
    'reduce',
    {
      run: (items, p, extra) => {
        const predicate = required('reduce', p);
        let start = 0;
        let acc: unknown;
        if (extra.length > 0) acc = extra[0];
        else {
          if (items.length === 0) throw evalFailure('reduce of an empty array with no initial value');
          acc = items[0];
          start = 1;
        }
        for (let i = start; i < items.length; i++) acc = predicate(items[i], i, acc);
        return acc ?? null;
      },
    },
  ],
]);

/** Names expr knows that this evaluator deliberately does not implement (time, encodings, bit operations, grouping). */
export const UNSUPPORTED_FUNCTIONS: ReadonlySet<string> = new Set([
  'now',
  'date',
  'duration',
  'timezone',
  'toJSON',
  'fromJSON',
  'toBase64',
  'fromBase64',
  'toPairs',
  'fromPairs',
  'groupBy',
  'sortBy',
  'splitAfter',
  'concat',
  'flatten',
  'uniq',
  'bitand',
  'bitor',
  'bitxor',
  'bitnand',
  'bitnot',
  'bitshl',
  'bitshr',
  'bitushr',
]);
