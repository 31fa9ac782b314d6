/** Go's `fmt.Sprintf`, `fmt.Sprint` and `fmt.Sprintln` for the verbs templates use. */
import { GoDuration, GoTime, MISSING, goType, formatFloat, isMap, printValue } from './Values';

const isNumber = (v: unknown): v is number => typeof v === 'number';

/** Go's `%q` of a string (strconv.Quote). */
export function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (ch === '"') out += '\\"';
    else if (ch === '\\') out += '\\\\';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\t') out += '\\t';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\x07') out += '\\a';
    else if (ch === '\b') out += '\\b';
    else if (ch === '\f') out += '\\f';
    else if (ch === '\v') out += '\\v';
    else if (c < 0x20 || c === 0x7f) out += `\\x${c.toString(16).padStart(2, '0')}`;
    else if (c >= 0x80 && c < 0xa0) out += `\\u${c.toString(16).padStart(4, '0')}`;
    else out += ch;
  }
  return `${out}"`;
}

const arg = (v: unknown): string => printValue(v === undefined ? null : v);

/** `fmt.Sprint`: spaces between operands when neither side is a string. */
export function sprint(args: ReadonlyArray<unknown>): string {
  let out = '';
  args.forEach((a, i) => {
    if (i > 0 && typeof a !== 'string' && typeof args[i - 1] !== 'string') out += ' ';
    out += arg(a);
  });
  return out;
}

export function sprintln(args: ReadonlyArray<unknown>): string {
  return `${args.map(arg).join(' ')}\n`;
}

const padTo = (s: string, width: number | undefined, minus: boolean, zero: boolean): string => {
  if (width === undefined || s.length >= width) return s;
  if (minus) return s.padEnd(width, ' ');
  if (zero) {
    const sign = /^[+-]/.test(s) ? s[0]! : '';
    return sign + s.slice(sign.length).padStart(width - sign.length, '0');
  }
  return s.padStart(width, ' ');
};

const badVerb = (verb: string, v: unknown): string => (v === null || v === undefined ? `%!${verb}(<nil>)` : `%!${verb}(${goType(v)}=${arg(v)})`);

/**
 * `x` with `prec` decimals, rounding an exact tie to even as Go's strconv does (JavaScript's toFixed rounds ties
 * up: 2.25 → "2.3" where Go prints "2.2").
 */
export function toFixedGo(x: number, prec: number): string {
  const r = x.toFixed(prec);
  if (!Number.isFinite(x) || prec > 70) return r;
  const exact = Math.abs(x).toFixed(Math.min(100, prec + 30));
  const dot = exact.indexOf('.');
  const rest = exact.slice(dot + 1 + prec);
  if (!/^50*$/.test(rest)) return r;
  // A tie: keep the truncated digits when the last kept digit is even.
  const kept = exact.slice(0, dot + 1 + prec).replace(/\.$/, '');
  const lastDigit = Number(kept.replace('.', '').slice(-1));
  if (lastDigit % 2 === 0) return `${x < 0 && Number(kept) !== 0 ? '-' : ''}${kept}`;
  return r;
}

/** `fmt.Sprintf` for %v %s %q %d %f %F %e %g %x %X %o %b %t %T %c %% with flags `-+# 0`, width and precision. */
export function sprintf(format: string, args: ReadonlyArray<unknown>): string {
  let out = '';
  let ai = 0;
  const re = /%([-+# 0]*)(\d+|\*)?(?:\.(\d+|\*)?)?([a-zA-Z%])/g;
  let last = 0;
  let m: RegExpExecArray | null;
  while ((m = re.exec(format)) !== null) {
    out += format.slice(last, m.index);
    last = re.lastIndex;
    const [, flags = '', w, p, verb = ''] = m;
    if (verb === '%') {
      out += '%';
      continue;
    }
    const width = w === '*' ? Number(args[ai++]) : w !== undefined ? Number(w) : undefined;
    const prec = p === '*' ? Number(args[ai++]) : m[0].includes('.') ? Number(p ?? 0) : undefined;
    if (ai >= args.length) {
      out += `%!${verb}(MISSING)`;
      continue;
    }
    const v0 = args[ai++];
    const v = v0 === MISSING ? null : v0;
    const plus = flags.includes('+');
    const minus = flags.includes('-');
    const zero = flags.includes('0') && !minus;
    let s: string;
    switch (verb) {
      case 'v':
        s = arg(v);
        if (prec !== undefined && isNumber(v) && !Number.isInteger(v)) s = toFixedGo(v, prec);
        break;
      case 's':
        s = isNumber(v) ? badVerb('s', v) : arg(v);
        if (prec !== undefined && typeof v === 'string') s = [...s].slice(0, prec).join('');
        break;
      case 'q':
        s = typeof v === 'string' ? goQuote(v) : isNumber(v) && Number.isInteger(v) ? `'${String.fromCodePoint(v)}'` : badVerb('q', v);
        break;
      case 'd':
        s = isNumber(v) && Number.isInteger(v) ? `${plus && v >= 0 ? '+' : ''}${v}` : badVerb('d', v);
        break;
      case 'f':
      case 'F':
        s = isNumber(v) ? `${plus && v >= 0 ? '+' : ''}${toFixedGo(v, prec ?? 6)}` : badVerb(verb, v);
        break;
      case 'e':
        s = isNumber(v) ? v.toExponential(prec ?? 6).replace(/e([+-])(\d)$/, 'e$10$2') : badVerb('e', v);
        break;
      case 'g':
        s = isNumber(v) ? (prec === undefined ? formatFloat(v) : String(Number(v.toPrecision(prec || 1)))) : badVerb('g', v);
        break;
      case 'x':
      case 'X': {
        let h: string;
        if (isNumber(v) && Number.isInteger(v)) h = (v < 0 ? '-' : '') + Math.abs(v).toString(16);
        else if (typeof v === 'string') h = Buffer.from(v, 'utf8').toString('hex');
        else {
          s = badVerb(verb, v);
          break;
        }
        if (flags.includes('#')) h = h.startsWith('-') ? `-0x${h.slice(1)}` : `0x${h}`;
        s = verb === 'X' ? h.toUpperCase() : h;
        break;
      }
      case 'o':
        s = isNumber(v) && Number.isInteger(v) ? v.toString(8) : badVerb('o', v);
        break;
      case 'b':
        s = isNumber(v) && Number.isInteger(v) ? v.toString(2) : badVerb('b', v);
        break;
      case 'c':
        s = isNumber(v) && Number.isInteger(v) ? String.fromCodePoint(v) : badVerb('c', v);
        break;
      case 't':
        s = typeof v === 'boolean' ? String(v) : badVerb('t', v);
        break;
      case 'T':
        s = v === null ? '<nil>' : v instanceof GoTime ? 'time.Time' : v instanceof GoDuration ? 'time.Duration' : isMap(v) || Array.isArray(v) ? goType(v) : goType(v);
        break;
      default:
        s = `%!${verb}(${goType(v)}=${arg(v)})`;
    }
    out += padTo(s, width, minus, zero && verb !== 's' && verb !== 'q');
  }
  out += format.slice(last);
  if (ai < args.length) out += `%!(EXTRA ${args.slice(ai).map((a) => (a === null || a === undefined || a === MISSING ? '<nil>' : `${goType(a)}=${arg(a)}`)).join(', ')})`;
  return out;
}
