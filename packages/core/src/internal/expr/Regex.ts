/**
 * Regular expressions for the `matches` operator: Go's RE2 syntax (the subset users write), matched by a
 * Thompson-NFA simulation, so matching costs at most (text length x program size) steps and can never
 * backtrack exponentially the way JavaScript's `RegExp` can. Like Go's `regexp.MatchString`, a match may
 * start and end anywhere in the text unless anchored with `^`/`$`/`\A`/`\z`.
 *
 * Supported: literals, `.`, `[…]` classes with ranges, negation, `[:alpha:]`-style and `\d \w \s` (and
 * negations) and `\pL` / `\p{Greek}` Unicode classes, `\Q…\E`, escapes (`\n \t \x41 \x{263a} \101`),
 * groups `(…)` `(?:…)` `(?P<name>…)` `(?<name>…)`, flags `(?i)` `(?s)` `(?m)` `(?U)` and `(?i:…)`,
 * alternation, `* + ? {n} {n,} {n,m}` (lazy forms too), `^ $ \A \z \b \B`. Backreferences and lookaround
 * are errors, as in RE2.
 */
import { evalFailure } from './Failure';
import type { Charge } from './Value';

type Assertion = 'bol' | 'eol' | 'bot' | 'eot' | 'word' | 'notWord';
type CharTest = (cp: number) => boolean;

type Re =
  | { readonly t: 'empty' }
  | { readonly t: 'char'; readonly test: CharTest }
  | { readonly t: 'cat'; readonly items: readonly Re[] }
  | { readonly t: 'alt'; readonly items: readonly Re[] }
  | { readonly t: 'rep'; readonly item: Re; readonly min: number; readonly max: number }
  | { readonly t: 'assert'; readonly kind: Assertion };

interface Flags {
  readonly i: boolean;
  readonly s: boolean;
  readonly m: boolean;
}

const MAX_REPEAT = 1000;
const MAX_NESTING = 100;
const MAX_PROGRAM = 20_000;

const fail = (message: string): never => {
  throw evalFailure(`invalid regular expression: ${message}`);
};

const isWordCp = (cp: number): boolean =>
  (cp >= 0x30 && cp <= 0x39) || (cp >= 0x41 && cp <= 0x5a) || (cp >= 0x61 && cp <= 0x7a) || cp === 0x5f;
const isDigitCp = (cp: number): boolean => cp >= 0x30 && cp <= 0x39;
const isSpaceCp = (cp: number): boolean => cp === 0x20 || cp === 0x09 || cp === 0x0a || cp === 0x0c || cp === 0x0d;

const POSIX: Readonly<Record<string, CharTest>> = {
  alnum: (c) => isDigitCp(c) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a),
  alpha: (c) => (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a),
  ascii: (c) => c <= 0x7f,
  blank: (c) => c === 0x20 || c === 0x09,
  cntrl: (c) => c <= 0x1f || c === 0x7f,
  digit: isDigitCp,
  graph: (c) => c >= 0x21 && c <= 0x7e,
  lower: (c) => c >= 0x61 && c <= 0x7a,
  print: (c) => c >= 0x20 && c <= 0x7e,
  punct: (c) => (c >= 0x21 && c <= 0x2f) || (c >= 0x3a && c <= 0x40) || (c >= 0x5b && c <= 0x60) || (c >= 0x7b && c <= 0x7e),
  space: (c) => isSpaceCp(c) || c === 0x0b,
  upper: (c) => c >= 0x41 && c <= 0x5a,
  word: isWordCp,
  xdigit: (c) => isDigitCp(c) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66),
};

const PERL: Readonly<Record<string, CharTest>> = {
  d: isDigitCp,
  D: (c) => !isDigitCp(c),
  w: isWordCp,
  W: (c) => !isWordCp(c),
  s: isSpaceCp,
  S: (c) => !isSpaceCp(c),
};

/** A Unicode class (`L`, `Lu`, `Greek`, …) as a one-character test; built with a fixed-shape RegExp, never user syntax. */
const unicodeClass = (name: string): CharTest => {
  if (!/^[A-Za-z_]{1,40}$/.test(name)) fail(`invalid character class range \\p{${name}}`);
  for (const source of [`^\\p{${name}}$`, `^\\p{Script=${name}}$`]) {
    let re: RegExp | undefined;
    try {
      re = new RegExp(source, 'u');
    } catch {
      re = undefined;
    }
    if (re !== undefined) {
      const compiled = re;
      return (cp) => compiled.test(String.fromCodePoint(cp));
    }
  }
  return fail(`invalid character class range \\p{${name}}`);
};

const foldCase = (test: CharTest): CharTest => (cp) => {
  if (test(cp)) return true;
  const s = String.fromCodePoint(cp);
  const lower = s.toLowerCase();
  const upper = s.toUpperCase();
  return (lower.length === s.length && test(lower.codePointAt(0)!)) || (upper.length === s.length && test(upper.codePointAt(0)!));
};

class RegexParser {
  private i = 0;
  private nesting = 0;
  private readonly cps: number[];

  constructor(pattern: string) {
    this.cps = Array.from(pattern, (c) => c.codePointAt(0)!);
  }

  private peek(offset = 0): number | undefined {
    return this.cps[this.i + offset];
  }

  private eat(cp: string): boolean {
    if (this.peek() === cp.codePointAt(0)) {
      this.i++;
      return true;
    }
    return false;
  }

  parse(): Re {
    const re = this.parseAlt({ i: false, s: false, m: false });
    if (this.i < this.cps.length) fail('unexpected )');
    return re;
  }

  private parseAlt(initial: Flags): Re {
    if (++this.nesting > MAX_NESTING) fail('expression nests too deeply');
    let flags = initial;
    const branches: Re[] = [];
    let items: Re[] = [];
    for (;;) {
      const cp = this.peek();
      if (cp === undefined || cp === 0x29 /* ) */) break;
      if (cp === 0x7c /* | */) {
        this.i++;
        branches.push(seq(items));
        items = [];
        continue;
      }
      if (cp === 0x28 /* ( */ && this.peek(1) === 0x3f /* ? */ && this.isFlagGroup()) {
        const changed = this.parseFlags(flags);
        if (changed.group) {
          items.push(this.quantify(this.parseGroupBody(changed.flags)));
        } else {
          flags = changed.flags;
        }
        continue;
      }
      items.push(this.quantify(this.parseAtom(flags)));
    }
    branches.push(seq(items));
    this.nesting--;
    return branches.length === 1 ? branches[0]! : { t: 'alt', items: branches };
  }

  /** `(?i)` / `(?i-s:` … (not `(?:`, `(?P<`, `(?<name>`, lookaround). */
  private isFlagGroup(): boolean {
    const c = this.peek(2);
    return c !== undefined && (c === 0x2d /* - */ || 'imsU'.includes(String.fromCodePoint(c)));
  }

  private parseFlags(current: Flags): { flags: Flags; group: boolean } {
    this.i += 2;
    let { i, s, m } = current;
    let negate = false;
    for (;;) {
      const cp = this.peek();
      if (cp === undefined) return fail('missing closing )');
      this.i++;
      const c = String.fromCodePoint(cp);
      if (c === ')') return { flags: { i, s, m }, group: false };
      if (c === ':') return { flags: { i, s, m }, group: true };
      if (c === '-') {
        if (negate) fail('invalid or unsupported Perl syntax');
        negate = true;
      } else if (c === 'i') i = !negate;
      else if (c === 's') s = !negate;
      else if (c === 'm') m = !negate;
      else if (c !== 'U') fail('invalid or unsupported Perl syntax');
    }
  }

  private parseGroupBody(flags: Flags): Re {
    const inner = this.parseAlt(flags);
    if (!this.eat(')')) fail('missing closing )');
    return inner;
  }

  private parseAtom(flags: Flags): Re {
    const cp = this.peek()!;
    this.i++;
    switch (cp) {
      case 0x28 /* ( */: {
        if (this.eat('?')) {
          if (this.eat(':')) return this.parseGroupBody(flags);
          const named = this.eat('P') ? this.eat('<') : this.eat('<') && this.peek() !== 0x3d && this.peek() !== 0x21;
          if (!named) fail('invalid or unsupported Perl syntax');
          while (this.peek() !== undefined && this.peek() !== 0x3e /* > */) this.i++;
          if (!this.eat('>')) fail('invalid named capture');
        }
        return this.parseGroupBody(flags);
      }
      case 0x2e /* . */:
        return { t: 'char', test: flags.s ? () => true : (c) => c !== 0x0a };
      case 0x5e /* ^ */:
        return { t: 'assert', kind: flags.m ? 'bol' : 'bot' };
      case 0x24 /* $ */:
        return { t: 'assert', kind: flags.m ? 'eol' : 'eot' };
      case 0x5b /* [ */:
        return { t: 'char', test: this.parseClass(flags) };
      case 0x2a /* * */:
      case 0x2b /* + */:
      case 0x3f /* ? */:
        return fail(`missing argument to repetition operator ${String.fromCodePoint(cp)}`);
      case 0x5c /* \ */:
        return this.parseEscape(flags);
      default:
        return this.literal(cp, flags);
    }
  }

  private literal(cp: number, flags: Flags): Re {
    return this.charTest((c) => c === cp, flags);
  }

  private charTest(test: CharTest, flags: Flags): Re {
    return { t: 'char', test: flags.i ? foldCase(test) : test };
  }

  private parseEscape(flags: Flags): Re {
    const cp = this.peek();
    if (cp === undefined) return fail('trailing backslash at end of expression');
    const c = String.fromCodePoint(cp);
    switch (c) {
      case 'A':
        this.i++;
        return { t: 'assert', kind: 'bot' };
      case 'z':
        this.i++;
        return { t: 'assert', kind: 'eot' };
      case 'b':
        this.i++;
        return { t: 'assert', kind: 'word' };
      case 'B':
        this.i++;
        return { t: 'assert', kind: 'notWord' };
      case 'Q': {
        this.i++;
        const items: Re[] = [];
        while (this.peek() !== undefined && !(this.peek() === 0x5c && this.peek(1) === 0x45 /* \E */)) {
          items.push(this.literal(this.peek()!, flags));
          this.i++;
        }
        if (this.peek() !== undefined) this.i += 2;
        return seq(items);
      }
      default:
        return this.charTest(this.parseClassEscape(), flags);
    }
  }

  /** An escape that stands for one character or a class (shared by atoms and `[…]`); the backslash is consumed. */
  private parseClassEscape(): CharTest {
    const cp = this.peek();
    if (cp === undefined) return fail('trailing backslash at end of expression');
    this.i++;
    const c = String.fromCodePoint(cp);
    const perl = PERL[c];
    if (perl !== undefined && c.length === 1) return perl;
    if (c === 'p' || c === 'P') {
      let name: string;
      if (this.eat('{')) {
        const start = this.i;
        while (this.peek() !== undefined && this.peek() !== 0x7d) this.i++;
        name = String.fromCodePoint(...this.cps.slice(start, this.i));
        if (!this.eat('}')) fail('invalid character class range');
      } else {
        const next = this.peek();
        if (next === undefined) return fail('invalid character class range');
        this.i++;
        name = String.fromCodePoint(next);
      }
      const negated = name.startsWith('^') !== (c === 'P');
      const test = name === 'Any' || name === '^Any' ? () => true : unicodeClass(name.replace(/^\^/, ''));
      return negated ? (x) => !test(x) : test;
    }
    const single = this.escapedChar(c);
    return (x) => x === single;
  }

  private escapedChar(c: string): number {
    const simple: Record<string, number> = { a: 7, f: 12, t: 9, n: 10, r: 13, v: 11 };
    if (Object.prototype.hasOwnProperty.call(simple, c)) return simple[c]!;
    if (c === 'x') {
      let hex = '';
      if (this.eat('{')) {
        while (this.peek() !== undefined && this.peek() !== 0x7d) hex += String.fromCodePoint(this.cps[this.i++]!);
        if (!this.eat('}')) fail('invalid escape sequence');
      } else {
        for (let k = 0; k < 2 && this.peek() !== undefined; k++) hex += String.fromCodePoint(this.cps[this.i++]!);
      }
      if (!/^[0-9a-fA-F]{1,8}$/.test(hex) || parseInt(hex, 16) > 0x10ffff) fail('invalid escape sequence');
      return parseInt(hex, 16);
    }
    if (c >= '0' && c <= '7') {
      // \0, \01, \012 and \12, \123 are octal; a lone \1-\7 would be a backreference, which RE2 rejects.
      let digits = c;
      while (digits.length < 3 && this.peek() !== undefined && this.peek()! >= 0x30 && this.peek()! <= 0x37) {
        digits += String.fromCodePoint(this.cps[this.i++]!);
      }
      if (c !== '0' && digits.length === 1) fail('invalid escape sequence (backreferences are not supported)');
      return parseInt(digits, 8);
    }
    const cp = c.codePointAt(0)!;
    if (cp < 0x80 && !isWordCp(cp)) return cp; // escaped punctuation is itself
    return fail(`invalid escape sequence \\${c}`);
  }

  /** After `[`: the class up to and including `]`. */
  private parseClass(flags: Flags): CharTest {
    const negated = this.eat('^');
    const parts: CharTest[] = [];
    let first = true;
    for (;;) {
      const cp = this.peek();
      if (cp === undefined) return fail('missing closing ]');
      if (cp === 0x5d /* ] */ && !first) {
        this.i++;
        break;
      }
      first = false;
      if (cp === 0x5b /* [ */ && this.peek(1) === 0x3a /* : */) {
        const rest = String.fromCodePoint(...this.cps.slice(this.i, this.i + 12));
        const m = /^\[:(\^?)([a-z]+):\]/.exec(rest);
        if (m !== null) {
          const test = POSIX[m[2]!];
          if (test === undefined) fail(`invalid character class range [:${m[2]!}:]`);
          this.i += m[0].length;
          parts.push(m[1] === '^' ? (x) => !test!(x) : test!);
          continue;
        }
      }
      const lo = this.classChar();
      if (typeof lo === 'function') {
        parts.push(lo);
        continue;
      }
      if (this.peek() === 0x2d /* - */ && this.peek(1) !== undefined && this.peek(1) !== 0x5d) {
        this.i++;
        const hi = this.classChar();
        if (typeof hi === 'function' || hi < lo) return fail('invalid character class range');
        parts.push((x) => x >= lo && x <= hi);
      } else {
        parts.push((x) => x === lo);
      }
    }
    const plain: CharTest = (x) => parts.some((p) => p(x));
    // Case folding applies to the class before negation: (?i)[^a] excludes both a and A.
    const any = flags.i ? foldCase(plain) : plain;
    return negated ? (x) => !any(x) : any;
  }

  /** One character of a class, or a class escape such as `\d`. */
  private classChar(): number | CharTest {
    const cp = this.peek()!;
    this.i++;
    if (cp !== 0x5c) return cp;
    const next = this.peek();
    if (next === undefined) return fail('trailing backslash at end of expression');
    const c = String.fromCodePoint(next);
    if (c in PERL || c === 'p' || c === 'P') return this.parseClassEscape();
    this.i++;
    return this.escapedChar(c);
  }

  /** Applies any quantifiers that follow `atom`. */
  private quantify(atom: Re): Re {
    let re = atom;
    let quantified = false;
    for (;;) {
      const cp = this.peek();
      let min: number;
      let max: number;
      if (cp === 0x2a) [min, max] = [0, -1];
      else if (cp === 0x2b) [min, max] = [1, -1];
      else if (cp === 0x3f) [min, max] = [0, 1];
      else if (cp === 0x7b /* { */) {
        const rest = String.fromCodePoint(...this.cps.slice(this.i, this.i + 24));
        const m = /^\{(\d+)(,(\d*))?\}/.exec(rest);
        if (m === null) return re; // a `{` that starts no repeat is a literal, as in RE2
        min = Number(m[1]);
        max = m[2] === undefined ? min : m[3] === '' ? -1 : Number(m[3]);
        if (min > MAX_REPEAT || max > MAX_REPEAT || (max !== -1 && max < min)) fail(`invalid repeat count ${m[0]}`);
        this.i += m[0].length - 1;
      } else return re;
      if (quantified) fail('invalid nested repetition operator');
      this.i++;
      this.eat('?'); // lazy: the same set of matches for a yes/no answer
      quantified = true;
      re = { t: 'rep', item: re, min, max };
    }
  }
}

const seq = (items: readonly Re[]): Re => (items.length === 0 ? { t: 'empty' } : items.length === 1 ? items[0]! : { t: 'cat', items });

type Inst =
  | { op: 'char'; test: CharTest; next: number }
  | { op: 'split'; x: number; y: number }
  | { op: 'assert'; kind: Assertion; next: number }
  | { op: 'match' };

/** Compiles to a program for the NFA simulation, back to front: each fragment is emitted knowing where it continues. */
class Compiler {
  readonly prog: Inst[] = [];

  private push(inst: Inst): number {
    if (this.prog.length >= MAX_PROGRAM) fail('expression too large');
    this.prog.push(inst);
    return this.prog.length - 1;
  }

  /** Emits `re` so that it continues at `next`; returns its entry point. Fragments are emitted back to front. */
  emit(re: Re, next: number): number {
    switch (re.t) {
      case 'empty':
        return next;
      case 'char':
        return this.push({ op: 'char', test: re.test, next });
      case 'assert':
        return this.push({ op: 'assert', kind: re.kind, next });
      case 'cat': {
        let entry = next;
        for (let k = re.items.length - 1; k >= 0; k--) entry = this.emit(re.items[k]!, entry);
        return entry;
      }
      case 'alt': {
        const entries = re.items.map((item) => this.emit(item, next));
        let entry = entries[entries.length - 1]!;
        for (let k = entries.length - 2; k >= 0; k--) entry = this.push({ op: 'split', x: entries[k]!, y: entry });
        return entry;
      }
      case 'rep': {
        let entry = next;
        if (re.max === -1) {
          // A loop: split -> (item -> back to split) | next.
          const loop = this.push({ op: 'split', x: -1, y: next });
          const body = this.emit(re.item, loop);
          (this.prog[loop] as { x: number }).x = body;
          entry = loop;
        } else {
          for (let k = re.max - re.min; k > 0; k--) {
            const body = this.emit(re.item, entry);
            entry = this.push({ op: 'split', x: body, y: next });
          }
        }
        for (let k = 0; k < re.min; k++) entry = this.emit(re.item, entry);
        return entry;
      }
    }
  }
}

/** A compiled regular expression: `test(text, charge)` answers whether it matches anywhere in `text`. */
export interface Regex {
  readonly test: (text: string, charge: Charge) => boolean;
}

/** Compiles an RE2-syntax pattern; throws an evaluation failure naming the problem when it is invalid. */
export const compileRegex = (pattern: string): Regex => {
  const re = new RegexParser(pattern).parse();
  const compiler = new Compiler();
  const matchPc = compiler.prog.length;
  compiler.prog.push({ op: 'match' });
  const start = compiler.emit(re, matchPc);
  const prog = compiler.prog;
  return { test: (text, charge) => run(prog, start, text, charge) };
};

const run = (prog: readonly Inst[], start: number, text: string, charge: Charge): boolean => {
  const chars = Array.from(text, (c) => c.codePointAt(0)!);
  const n = chars.length;
  // seen[pc] === mark: pc is already in the thread list being built for the current position.
  const seen = new Int32Array(prog.length).fill(-1);
  const stack: number[] = [];
  let mark = 0;
  let current: number[] = [];
  let next: number[] = [];

  /** Adds `pc0` and everything reachable from it without consuming a character; true when that reaches a match. */
  const add = (list: number[], pc0: number, pos: number): boolean => {
    stack.push(pc0);
    while (stack.length > 0) {
      const pc = stack.pop()!;
      if (seen[pc] === mark) continue;
      seen[pc] = mark;
      const inst = prog[pc]!;
      switch (inst.op) {
        case 'match':
          stack.length = 0;
          return true;
        case 'char':
          list.push(pc);
          break;
        case 'split':
          stack.push(inst.y, inst.x);
          break;
        case 'assert':
          if (holds(inst.kind, chars, pos)) stack.push(inst.next);
          break;
      }
    }
    return false;
  };

  for (let pos = 0; ; pos++) {
    mark = pos;
    // Unanchored search: a new attempt starts at every position.
    if (add(current, start, pos)) return true;
    if (pos === n) return false;
    charge(1 + Math.floor(current.length / 8));
    mark = pos + 1;
    const cp = chars[pos]!;
    next.length = 0;
    for (const pc of current) {
      const inst = prog[pc] as { test: CharTest; next: number };
      if (inst.test(cp) && add(next, inst.next, pos + 1)) return true;
    }
    [current, next] = [next, current];
  }
};

const holds = (kind: Assertion, chars: readonly number[], pos: number): boolean => {
  const before = pos > 0 ? chars[pos - 1] : undefined;
  const after = chars[pos];
  switch (kind) {
    case 'bot':
      return pos === 0;
    case 'eot':
      return pos === chars.length;
    case 'bol':
      return before === undefined || before === 0x0a;
    case 'eol':
      return after === undefined || after === 0x0a;
    case 'word':
    case 'notWord': {
      const boundary = (before !== undefined && isWordCp(before)) !== (after !== undefined && isWordCp(after));
      return kind === 'word' ? boundary : !boundary;
    }
  }
};
