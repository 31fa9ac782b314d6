/**
 * The functions notification templates can call: text/template's builtins and the sprig functions listed in
 * {@link SPRIG_FUNCTIONS} (Argo gives templates sprig's TxtFuncMap without `env` and `expandenv`). A sprig
 * function that is not in the list is an error when the template is loaded ({@link UNSUPPORTED_SPRIG}).
 */
import { createHash } from 'node:crypto';
import type { TemplateFunc } from './Exec';
import { truth } from './Exec';
import { goQuote, sprint, sprintf, sprintln } from './Printf';
import { GoDuration, GoFunc, GoTime, MISSING, TemplateExecError, formatDuration, formatGoTime, goType, isMap, parseRfc3339, printValue } from './Values';

/** text/template's own functions. */
export const BUILTINS: ReadonlySet<string> = new Set(['and', 'or', 'not', 'len', 'index', 'slice', 'print', 'printf', 'println', 'eq', 'ne', 'lt', 'le', 'gt', 'ge', 'call', 'html', 'urlquery', 'js']);

const fail = (msg: string): never => {
  throw new TemplateExecError(msg);
};

/** A `string` parameter, as Go's call validation checks it. */
const str = (v: unknown): string => {
  if (typeof v === 'string') return v;
  if (v === MISSING || v === null || v === undefined) return fail('invalid value; expected string');
  return fail(`wrong type for value; expected string; got ${goType(v)}`);
};

/** A Go `int` parameter (sprig's `int` arguments: `repeat`, `substr`, `trunc`, `indent`…). */
const intArg = (v: unknown): number => {
  if (typeof v === 'number' && Number.isInteger(v)) return v;
  if (v === MISSING || v === null || v === undefined) return fail('invalid value; expected int');
  return fail(`wrong type for value; expected int; got ${goType(v)}`);
};

/** spf13/cast `ToInt64` (sprig's `toInt64`): numbers truncated, numeric strings parsed, bools 0/1, else 0. */
const toInt64 = (v: unknown): number => {
  if (typeof v === 'number') return Number.isFinite(v) ? Math.trunc(v) : 0;
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'string') {
    const n = /^[+-]?\d+$/.test(v.trim()) ? Number(v.trim()) : /^[+-]?0[xX][0-9a-fA-F]+$/.test(v.trim()) ? Number.parseInt(v.trim(), 16) : NaN;
    return Number.isNaN(n) ? 0 : n;
  }
  return 0;
};

/** spf13/cast `ToFloat64`. */
const toFloat64 = (v: unknown): number => {
  if (typeof v === 'number') return v;
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'string') {
    const n = Number(v.trim());
    return v.trim() === '' || Number.isNaN(n) ? 0 : n;
  }
  return 0;
};

/** sprig's `strval`: strings as they are, everything else as `fmt.Sprintf("%v")`. */
const strval = (v: unknown): string => (typeof v === 'string' ? v : printValue(v === MISSING ? null : v));

/** sprig's `strslice`. */
const strslice = (v: unknown): string[] => {
  if (v === MISSING || v === null || v === undefined) return [];
  if (Array.isArray(v)) return v.filter((e) => e !== null && e !== undefined).map(strval);
  return [strval(v)];
};

const list = (v: unknown, fn: string): unknown[] => {
  if (Array.isArray(v)) return v;
  return fail(`Cannot find ${fn} on type ${goType(v)}`);
};

/** sprig's `empty`. */
const empty = (v: unknown): boolean => !truth(v);

/** A `map[string]interface{}` parameter: nil is an empty map (which `set` and `unset` cannot write to). */
const dictOf = (v: unknown, fn: string): Record<string, unknown> => {
  if (isMap(v)) return v;
  if (v === null || v === undefined || v === MISSING) return fn === 'set' || fn === 'unset' ? fail(`${fn}: assignment to entry in nil map`) : {};
  return fail(`wrong type for value; expected map[string]interface {}; got ${goType(v)}`);
};

/** Go's `encoding/json` of unstructured data (map keys sorted; `<`, `>`, `&` escaped unless `raw`). */
export function goJson(v: unknown, indent: string, raw: boolean): string {
  const norm = (x: unknown): unknown => {
    if (x === MISSING || x === undefined) return null;
    if (x instanceof GoTime) return formatGoTime(x, '2006-01-02T15:04:05.999999999Z07:00');
    if (x instanceof GoDuration) return x.ns;
    if (x instanceof GoFunc) return fail('json: unsupported type: func');
    if (typeof x === 'number' && !Number.isFinite(x)) return fail(`json: unsupported value: ${printValue(x)}`);
    if (Array.isArray(x)) return x.map(norm);
    if (isMap(x)) {
      const o: Record<string, unknown> = {};
      for (const k of Object.keys(x).sort()) o[k] = norm(x[k]);
      return o;
    }
    return x;
  };
  let s = JSON.stringify(norm(v), null, indent === '' ? undefined : indent);
  s = s.replace(/[\u2028\u2029]/g, (c) => (c === '\u2028' ? '\\u2028' : '\\u2029'));
  if (!raw) s = s.replace(/[<>&]/g, (c) => `\\u00${c.charCodeAt(0).toString(16)}`);
  return s;
}

const toTime = (v: unknown, now: () => number): GoTime => {
  if (v instanceof GoTime) return v;
  if (typeof v === 'number' && Number.isInteger(v)) return new GoTime(v * 1000);
  return new GoTime(now());
};

const goRegex = (re: string): RegExp => {
  try {
    return new RegExp(re.replace(/\(\?P</g, '(?<'), 'u');
  } catch (e) {
    return fail(`error parsing regexp: ${e instanceof Error ? e.message : String(e)}`);
  }
};

/** Go's `Regexp.Expand` of a replacement: `$1`, `${1}`, `$name`, `${name}` (longest name), `$$`; unknown groups are empty. */
const goExpand = (template: string, match: unknown[]): string => {
  const last = match[match.length - 1];
  const named = typeof last === 'object' && last !== null ? (last as Record<string, string | undefined>) : {};
  const groups = match.slice(0, typeof last === 'object' && last !== null ? -3 : -2) as Array<string | undefined>;
  return template.replace(/\$(\$|\{([A-Za-z0-9_]+)\}|([A-Za-z0-9_]+))/g, (whole, _all: string, braced?: string, bare?: string) => {
    if (whole === '$$') return '$';
    const name = braced ?? bare ?? '';
    if (/^\d+$/.test(name)) return groups[Number(name)] ?? '';
    return named[name] ?? '';
  });
};

const eqPair = (a: unknown, b: unknown): boolean => {
  const zero = (x: unknown): boolean => x === MISSING || x === null || x === undefined;
  if (zero(a) || zero(b)) return zero(a) && zero(b);
  if (Array.isArray(a) || isMap(a)) return fail(`non-comparable type ${printValue(a)}: ${goType(a)}`);
  if (Array.isArray(b) || isMap(b)) return fail(`non-comparable type ${printValue(b)}: ${goType(b)}`);
  if (typeof a !== typeof b) return fail('incompatible types for comparison');
  if (a instanceof GoTime && b instanceof GoTime) return a.ms === b.ms;
  return a === b;
};

const order = (name: string, a: unknown, b: unknown): number => {
  const ok = (x: unknown): x is number | string => typeof x === 'number' || typeof x === 'string';
  if (!ok(a) || !ok(b)) return fail('invalid type for comparison');
  if (typeof a !== typeof b) return fail('incompatible types for comparison');
  return a < b ? -1 : a > b ? 1 : 0;
};

const lenOf = (v: unknown): number => {
  if (typeof v === 'string') return Buffer.byteLength(v, 'utf8');
  if (Array.isArray(v)) return v.length;
  if (isMap(v)) return Object.keys(v).length;
  if (v === MISSING || v === null || v === undefined) return fail('len of nil pointer');
  return fail(`len of type ${goType(v)}`);
};

const indexOf = (item: unknown, ...idx: unknown[]): unknown => {
  let v = item;
  for (const i of idx) {
    if (v === MISSING || v === null || v === undefined) return fail('index of untyped nil');
    if (Array.isArray(v) || typeof v === 'string') {
      if (typeof i !== 'number' || !Number.isInteger(i)) return fail(`cannot index slice/array with type ${goType(i)}`);
      if (i < 0 || i >= (typeof v === 'string' ? Buffer.byteLength(v) : v.length)) return fail(`index out of range: ${i}`);
      v = typeof v === 'string' ? Buffer.from(v)[i] : v[i];
    } else if (isMap(v)) {
      if (typeof i !== 'string') return fail(`value has type ${goType(i)}; should be string`);
      v = Object.prototype.hasOwnProperty.call(v, i) ? v[i] : MISSING;
    } else return fail(`can't index item of type ${goType(v)}`);
  }
  return v;
};

const b64 = (s: string): string => Buffer.from(s, 'utf8').toString('base64');

/** sprig's `title` (strings.Title: upper-cases the first letter of each word). */
const title = (s: string): string => s.replace(/(^|[^\p{L}\p{N}_])(\p{L})/gu, (_, sep: string, c: string) => sep + c.toUpperCase());

/** Go's `url.QueryEscape`. */
const queryEscape = (s: string): string => encodeURIComponent(s).replace(/%20/g, '+').replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`).replace(/~/g, '~');


/** Sprig functions Argo's templates could call that we do not implement: an error at load, by name. */
export const UNSUPPORTED_SPRIG: ReadonlySet<string> = new Set([
  'env', 'expandenv', 'genPrivateKey', 'derivePassword', 'buildCustomCert', 'genCA', 'genSelfSignedCert', 'genSignedCert', 'encryptAES', 'decryptAES',
  'randAlphaNum', 'randAlpha', 'randAscii', 'randNumeric', 'randBytes', 'randInt', 'uuidv4', 'shuffle', 'semver', 'semverCompare', 'getHostByName',
  'bcrypt', 'htpasswd', 'mergeOverwrite', 'mustMergeOverwrite', 'deepCopy', 'mustDeepCopy', 'dateModify', 'mustDateModify', 'durationRound', 'htmlDate', 'htmlDateInZone',
  'camelcase', 'kebabcase', 'snakecase', 'swapcase', 'wrap', 'wrapWith', 'plural', 'initials', 'abbrevboth', 'regexSplit', 'regexQuoteMeta', 'seq', 'until', 'untilStep',
  'adler32sum', 'sha1sum', 'toDecimal', 'fromJson', 'mustFromJson', 'dig', 'chunk', 'sortAlpha_', 'osBase', 'osDir', 'osClean', 'osExt', 'osIsAbs', 'base', 'dir', 'clean', 'ext', 'isAbs',
]);

/** The builtins and sprig functions, with `now` giving the current time in milliseconds. */
export function templateFuncs(now: () => number): ReadonlyMap<string, TemplateFunc> {
  const f: Record<string, TemplateFunc> = {
    // text/template builtins (and/or are evaluated lazily by the executor).
    not: (v) => !truth(v),
    len: (v) => lenOf(v),
    index: (item, ...idx) => indexOf(item, ...idx),
    slice: (item, ...idx) => {
      const n = typeof item === 'string' ? item.length : Array.isArray(item) ? item.length : fail(`can't slice item of type ${goType(item)}`);
      const a = idx[0] === undefined ? 0 : intArg(idx[0]);
      const b = idx[1] === undefined ? n : intArg(idx[1]);
      if (a < 0 || b < a || b > n) fail(`index out of range: ${a}:${b}`);
      return (item as string | unknown[]).slice(a, b);
    },
    print: (...a) => sprint(a),
    printf: (format, ...a) => sprintf(str(format), a),
    println: (...a) => sprintln(a),
    eq: (a, ...bs) => {
      if (bs.length === 0) fail('missing argument for comparison');
      return bs.some((b) => eqPair(a, b));
    },
    ne: (a, b) => !eqPair(a, b),
    lt: (a, b) => order('lt', a, b) < 0,
    le: (a, b) => order('le', a, b) <= 0,
    gt: (a, b) => order('gt', a, b) > 0,
    ge: (a, b) => order('ge', a, b) >= 0,
    call: (fn, ...a) => (fn instanceof GoFunc ? fn.fn(...a) : fail(`non-function of type ${goType(fn)}`)),
    html: (...a) => sprint(a).replace(/[&'<>"\0]/g, (c) => ({ '&': '&amp;', "'": '&#39;', '<': '&lt;', '>': '&gt;', '"': '&#34;', '\0': '\uFFFD' })[c]!),
    urlquery: (...a) => queryEscape(sprint(a)),
    js: (...a) => sprint(a).replace(/[\\'"<>&=\n\r\t]/g, (c) => (c === '\\' ? '\\\\' : c === "'" ? "\\'" : c === '"' ? '\\"' : `\\u${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`)),

    // sprig: strings
    upper: (s) => str(s).toUpperCase(),
    lower: (s) => str(s).toLowerCase(),
    title: (s) => title(str(s)),
    untitle: (s) => str(s).replace(/(^|\s)(\S)/g, (_, a: string, c: string) => a + c.toLowerCase()),
    trim: (s) => str(s).trim(),
    trimAll: (cut, s) => {
      const c = [...str(cut)];
      let x = str(s);
      while (x.length > 0 && c.includes(x[0]!)) x = x.slice(1);
      while (x.length > 0 && c.includes(x[x.length - 1]!)) x = x.slice(0, -1);
      return x;
    },
    trimPrefix: (p, s) => (str(s).startsWith(str(p)) ? str(s).slice(str(p).length) : str(s)),
    trimSuffix: (p, s) => (str(p) !== '' && str(s).endsWith(str(p)) ? str(s).slice(0, -str(p).length) : str(s)),
    replace: (o, n, s) => str(s).split(str(o)).join(str(n)),
    repeat: (n, s) => str(s).repeat(Math.max(intArg(n), 0)),
    substr: (a, b, s) => {
      const x = str(s);
      const start = intArg(a);
      const end = intArg(b);
      if (start < 0) return x.slice(0, end);
      if (end < 0 || end > x.length) return x.slice(start);
      return x.slice(start, end);
    },
    trunc: (n, s) => {
      const c = intArg(n);
      const x = str(s);
      if (c < 0 && x.length + c > 0) return x.slice(x.length + c);
      if (c >= 0 && x.length > c) return x.slice(0, c);
      return x;
    },
    abbrev: (w, s) => {
      const n = intArg(w);
      const x = str(s);
      return n < 4 || x.length <= n ? x : `${x.slice(0, n - 3)}...`;
    },
    contains: (sub, s) => str(s).includes(str(sub)),
    hasPrefix: (p, s) => str(s).startsWith(str(p)),
    hasSuffix: (p, s) => str(s).endsWith(str(p)),
    quote: (...a) => a.filter((x) => x !== null && x !== undefined && x !== MISSING).map((x) => goQuote(strval(x))).join(' '),
    squote: (...a) => a.filter((x) => x !== null && x !== undefined && x !== MISSING).map((x) => `'${strval(x)}'`).join(' '),
    cat: (...a) => a.filter((x) => x !== null && x !== undefined && x !== MISSING).map(strval).join(' '),
    indent: (n, s) => str(s).split('\n').map((l) => ' '.repeat(intArg(n)) + l).join('\n'),
    nindent: (n, s) => `\n${str(s).split('\n').map((l) => ' '.repeat(intArg(n)) + l).join('\n')}`,
    nospace: (s) => str(s).replace(/\s/g, ''),
    split: (sep, s) => Object.fromEntries(str(s).split(str(sep)).map((p, i) => [`_${i}`, p])),
    splitList: (sep, s) => str(s).split(str(sep)),
    splitn: (sep, n, s) => {
      const parts = str(s).split(str(sep));
      const c = intArg(n);
      const head = c > 0 && parts.length > c ? [...parts.slice(0, c - 1), parts.slice(c - 1).join(str(sep))] : parts;
      return Object.fromEntries(head.map((p, i) => [`_${i}`, p]));
    },
    join: (sep, v) => strslice(v).join(str(sep)),
    sortAlpha: (v) => strslice(v).sort(),
    toString: (v: unknown) => strval(v),
    toStrings: (v) => strslice(v),
    b64enc: (s) => b64(str(s)),
    b64dec: (s) => Buffer.from(str(s), 'base64').toString('utf8'),
    sha256sum: (s) => createHash('sha256').update(str(s)).digest('hex'),
    regexMatch: (re, s) => goRegex(str(re)).test(str(s)),
    regexFind: (re, s) => goRegex(str(re)).exec(str(s))?.[0] ?? '',
    regexFindAll: (re, s, n) => {
      const all = [...str(s).matchAll(new RegExp(goRegex(str(re)).source, 'gu'))].map((m) => m[0]);
      const c = intArg(n);
      return c < 0 ? all : all.slice(0, c);
    },
    regexReplaceAll: (re, s, repl) => str(s).replace(new RegExp(goRegex(str(re)).source, 'gu'), (...m: unknown[]) => goExpand(str(repl), m)),
    regexReplaceAllLiteral: (re, s, repl) => str(s).replace(new RegExp(goRegex(str(re)).source, 'gu'), () => str(repl)),

    // sprig: numbers (integer math on int64, as sprig's toInt64)
    add: (...a) => a.reduce<number>((x, y) => x + toInt64(y), 0),
    add1: (a) => toInt64(a) + 1,
    sub: (a, b) => toInt64(a) - toInt64(b),
    mul: (a, ...b) => b.reduce<number>((x, y) => x * toInt64(y), toInt64(a)),
    div: (a, b) => (toInt64(b) === 0 ? fail('integer divide by zero') : Math.trunc(toInt64(a) / toInt64(b))),
    mod: (a, b) => (toInt64(b) === 0 ? fail('integer divide by zero') : toInt64(a) % toInt64(b)),
    max: (a, ...b) => b.reduce<number>((x, y) => Math.max(x, toInt64(y)), toInt64(a)),
    min: (a, ...b) => b.reduce<number>((x, y) => Math.min(x, toInt64(y)), toInt64(a)),
    addf: (...a) => a.reduce<number>((x, y) => x + toFloat64(y), 0),
    subf: (a, ...b) => b.reduce<number>((x, y) => x - toFloat64(y), toFloat64(a)),
    mulf: (a, ...b) => b.reduce<number>((x, y) => x * toFloat64(y), toFloat64(a)),
    divf: (a, ...b) => b.reduce<number>((x, y) => x / toFloat64(y), toFloat64(a)),
    floor: (a) => Math.floor(toFloat64(a)),
    ceil: (a) => Math.ceil(toFloat64(a)),
    round: (a, p, ...r) => {
      const places = toInt64(p);
      const roundOn = r.length > 0 ? toFloat64(r[0]) : 0.5;
      const pow = 10 ** places;
      const digit = toFloat64(a) * pow;
      const intPart = Math.trunc(digit);
      const frac = Math.abs(digit - intPart);
      const rounded = frac >= roundOn ? intPart + Math.sign(digit || 1) : intPart;
      return rounded / pow;
    },
    int: (a) => toInt64(a),
    int64: (a) => toInt64(a),
    float64: (a) => toFloat64(a),
    atoi: (s) => {
      const x = str(s);
      return /^[+-]?\d+$/.test(x) ? Number(x) : 0;
    },

    // sprig: defaults and flow
    default: (d, ...given) => (given.length === 0 || empty(given[0]) ? d : given[0]),
    empty: (v) => empty(v),
    coalesce: (...a) => a.find((x) => !empty(x)) ?? null,
    ternary: (t, f, c) => (c === true ? t : c === false ? f : fail(`wrong type for value; expected bool; got ${goType(c)}`)),
    fail: (msg) => fail(str(msg)),
    required: (msg, v) => (v === null || v === undefined || v === MISSING || v === '' ? fail(str(msg)) : v),
    toJson: (v) => goJson(v, '', false),
    toPrettyJson: (v) => goJson(v, '  ', false),
    toRawJson: (v) => goJson(v, '', true),
    kindOf: (v) => (v === null || v === MISSING ? 'invalid' : typeof v === 'number' ? (Number.isInteger(v) ? 'int64' : 'float64') : Array.isArray(v) ? 'slice' : isMap(v) ? 'map' : typeof v === 'boolean' ? 'bool' : typeof v === 'string' ? 'string' : 'struct'),
    typeOf: (v) => (v === null || v === MISSING ? '<nil>' : goType(v)),
    deepEqual: (a, b) => goJson(a, '', true) === goJson(b, '', true),

    // sprig: lists
    list: (...a) => a.map((x) => (x === MISSING ? null : x)),
    first: (l) => (l === null || l === MISSING ? null : list(l, 'first')[0] ?? null),
    last: (l) => (l === null || l === MISSING ? null : list(l, 'last').at(-1) ?? null),
    rest: (l) => list(l, 'rest').slice(1),
    initial: (l) => list(l, 'initial').slice(0, -1),
    append: (l, v) => [...list(l, 'append'), v],
    push: (l, v) => [...list(l, 'push'), v],
    prepend: (l, v) => [v, ...list(l, 'prepend')],
    concat: (...ls) => ls.flatMap((l) => list(l, 'concat')),
    reverse: (l) => [...list(l, 'reverse')].reverse(),
    uniq: (l) => list(l, 'uniq').filter((x, i, all) => all.findIndex((y) => goJson(y, '', true) === goJson(x, '', true)) === i),
    without: (l, ...omit) => list(l, 'without').filter((x) => !omit.some((o) => goJson(o, '', true) === goJson(x, '', true))),
    has: (needle, l) => (l === null || l === MISSING ? false : list(l, 'has').some((x) => goJson(x, '', true) === goJson(needle, '', true))),
    compact: (l) => list(l, 'compact').filter((x) => !empty(x)),

    // sprig: dicts
    dict: (...kv) => {
      const d: Record<string, unknown> = {};
      for (let i = 0; i < kv.length; i += 2) d[strval(kv[i])] = i + 1 < kv.length ? (kv[i + 1] === MISSING ? null : kv[i + 1]) : '';
      return d;
    },
    get: (d, k) => {
      const m = dictOf(d, 'get');
      return Object.prototype.hasOwnProperty.call(m, str(k)) ? m[str(k)] : '';
    },
    set: (d, k, v) => {
      dictOf(d, 'set')[str(k)] = v;
      return d;
    },
    unset: (d, k) => {
      delete dictOf(d, 'unset')[str(k)];
      return d;
    },
    hasKey: (d, k) => Object.prototype.hasOwnProperty.call(dictOf(d, 'hasKey'), str(k)),
    keys: (...ds) => ds.flatMap((d) => Object.keys(dictOf(d, 'keys'))),
    values: (d) => Object.values(dictOf(d, 'values')),
    pluck: (k, ...ds) => ds.map((d) => dictOf(d, 'pluck')).filter((d) => Object.prototype.hasOwnProperty.call(d, str(k))).map((d) => d[str(k)]),
    pick: (d, ...ks) => Object.fromEntries(Object.entries(dictOf(d, 'pick')).filter(([k]) => ks.map(str).includes(k))),
    omit: (d, ...ks) => Object.fromEntries(Object.entries(dictOf(d, 'omit')).filter(([k]) => !ks.map(str).includes(k))),

    // sprig: dates (UTC: a controller has no local time zone)
    now: () => new GoTime(now()),
    date: (fmt, d) => formatGoTime(toTime(d, now), str(fmt)),
    dateInZone: (fmt, d, zone) => (str(zone) === 'UTC' || str(zone) === '' ? formatGoTime(toTime(d, now), str(fmt)) : fail(`dateInZone: only the UTC zone is supported, got ${str(zone)}`)),
    toDate: (fmt, s) => {
      if (str(fmt) !== '2006-01-02T15:04:05Z07:00' && str(fmt) !== '2006-01-02') fail(`toDate: only the layouts 2006-01-02T15:04:05Z07:00 and 2006-01-02 are supported, got ${str(fmt)}`);
      const t = parseRfc3339(str(fmt) === '2006-01-02' ? `${str(s)}T00:00:00Z` : str(s));
      return t ?? new GoTime(Date.UTC(1, 0, 1) - 0);
    },
    unixEpoch: (d) => String(Math.floor(toTime(d, now).ms / 1000)),
    ago: (d) => formatDuration(Math.round((now() - toTime(d, now).ms) / 1000) * 1e9),
    duration: (sec) => formatDuration(toInt64(sec) * 1e9),
  };
  return new Map(Object.entries(f));
}

/** The supported sprig function names (documented in the README). */
export const SPRIG_FUNCTIONS: ReadonlyArray<string> = [...templateFuncs(() => 0).keys()].filter((k) => !BUILTINS.has(k)).sort();

