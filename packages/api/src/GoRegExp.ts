/**
 * Go regular expressions (RE2 syntax) matched in linear time. Every pattern a user writes and we match
 * ourselves goes through here: dryRun and measurementRetention `metricName` rules, and the `matches` operator
 * of the condition language in `@rollouts/core`. JavaScript's `RegExp` backtracks, so a pattern such as
 * `(a+)+$` against `aaaa…ab` takes exponential time; this engine compiles the pattern to a small program and
 * runs it as a Thompson NFA, one pass over the text with every possible thread at once, so a match costs at
 * most (text length + 1) × (program size) steps whatever the pattern.
 *
 * Like Go's `regexp.MatchString`, a match may start and end anywhere in the text unless the pattern anchors
 * it with `^`, `$`, `\A` or `\z`. Invalid patterns are refused with Go's error code and the offending part
 * of the pattern, so the message reads as Go's does: ``error parsing regexp: missing closing ): `(a+` ``.
 *
 * Supported syntax (RE2's, which is Go's): literals; `.`; classes `[…]` with ranges, negation, `[:alpha:]`
 * style, `\d \w \s` and their negations, and Unicode classes `\pL`, `\p{Greek}`, `\PN`, `\p{^Lu}`; `\Q…\E`;
 * escapes `\a \f \t \n \r \v`, `\x41`, `\x{263a}`, octal `\101`, escaped punctuation; groups `(…)`, `(?:…)`,
 * `(?P<name>…)`, `(?<name>…)`; flags `(?i)`, `(?m)`, `(?s)`, `(?U)`, `(?i-s)` and `(?i:…)`; alternation; the
 * repetitions `* + ? {n} {n,} {n,m}` and their lazy forms; assertions `^ $ \A \z \b \B`. As in RE2,
 * backreferences and lookaround are errors. Limits as Go's: a counted repetition may not exceed 1000 (nor may
 * nested counted repetitions multiply beyond it), groups nest at most 1000 deep; and the compiled program
 * is capped at 20,000 instructions ("expression too large").
 *
 * Pure: no clock, no I/O. The only `RegExp` used is a fixed-shape one that tests a single character against a
 * Unicode property name which has already been checked to be a plain identifier.
 */
import * as E from 'fp-ts/lib/Either';

/** Go's `regexp/syntax` error codes, as their text reads. */
export type GoRegExpErrorCode =
  | 'invalid character class'
  | 'invalid character class range'
  | 'invalid escape sequence'
  | 'invalid named capture'
  | 'invalid or unsupported Perl syntax'
  | 'invalid nested repetition operator'
  | 'invalid repeat count'
  | 'missing closing ]'
  | 'missing closing )'
  | 'missing argument to repetition operator'
  | 'trailing backslash at end of expression'
  | 'unexpected )'
  | 'expression nests too deeply'
  | 'expression too large';

/** Why a pattern is not a valid Go regular expression. */
export interface GoRegExpError {
  readonly _tag: 'GoRegExpInvalid';
  /** Go's error code, e.g. `missing closing )`. */
  readonly code: GoRegExpErrorCode;
  /** The part of the pattern Go names, e.g. `(a+` or `{2000}` (may be empty). */
  readonly expr: string;
  /** As Go's `regexp.Compile` reports it: ``error parsing regexp: missing closing ): `(a+` ``. */
  readonly message: string;
  readonly retryable: false;
}

/** A compiled Go regular expression. */
export interface GoRegExp {
  /** The pattern as written. */
  readonly source: string;
  /**
   * Instructions in the compiled program. Matching a text of n characters takes at most
   * (n + 1) × `programSize` steps, as `test`'s `onStep` reports them.
   */
  readonly programSize: number;
  /**
   * Whether the pattern matches anywhere in `text` (Go's `MatchString`). `onStep`, when given, is called once
   * for every character consumed with the number of NFA threads advanced over it (at most `programSize`): a
   * caller can count the work, or throw to stop a match that exceeds its budget.
   */
  readonly test: (text: string, onStep?: (threads: number) => void) => boolean;
}

/** Compile a pattern in Go's (RE2) syntax; `Left` says why Go would refuse it. */
export function compileGoRegExp(pattern: string): E.Either<GoRegExpError, GoRegExp> {
  let re: Re;
  let prog: Inst[];
  let start: number;
  try {
    re = new Parser(pattern).parse();
    const compiler = new Compiler(pattern);
    compiler.prog.push({ op: 'match' });
    start = compiler.emit(re, 0);
    prog = compiler.prog;
  } catch (e) {
    if (e instanceof Refusal) return E.left(e.error);
    throw e;
  }
  const program: readonly Inst[] = prog;
  const entry = start;
  return E.right({ source: pattern, programSize: program.length, test: (text, onStep) => run(program, entry, text, onStep) });
}

/** Whether `pattern` matches anywhere in `text`, or why the pattern is invalid. */
export function goRegExpMatches(pattern: string, text: string): E.Either<GoRegExpError, boolean> {
  return E.map((re: GoRegExp) => re.test(text))(compileGoRegExp(pattern));
}

// ---------------------------------------------------------------------------------------------------------
// Limits

const MAX_REPEAT = 1000;
const MAX_NESTING = 1000;
const MAX_PROGRAM = 20_000;

// ---------------------------------------------------------------------------------------------------------
// Characters

type CharTest = (cp: number) => boolean;

const isDigitCp = (cp: number): boolean => cp >= 0x30 && cp <= 0x39;
const isAlnumCp = (cp: number): boolean => isDigitCp(cp) || (cp >= 0x41 && cp <= 0x5a) || (cp >= 0x61 && cp <= 0x7a);
const isWordCp = (cp: number): boolean => isAlnumCp(cp) || cp === 0x5f;
const isSpaceCp = (cp: number): boolean => cp === 0x20 || cp === 0x09 || cp === 0x0a || cp === 0x0c || cp === 0x0d;

const POSIX_CLASSES: Readonly<Record<string, CharTest>> = {
  alnum: isAlnumCp,
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

/**
 * A class as written: its positive test and whether it is negated (`\W`, `\PL`, `[:^alpha:]`). Under `(?i)`
 * the positive test is case-folded before the negation, as Go does: `(?i)\W` excludes `ſ`, which folds to `s`.
 */
interface ClassTest {
  readonly positive: CharTest;
  readonly negated: boolean;
}

const classTest = (c: ClassTest, fold: boolean): CharTest => {
  const positive = fold ? foldCase(c.positive) : c.positive;
  return c.negated ? (x) => !positive(x) : positive;
};

const PERL_CLASSES: Readonly<Record<string, ClassTest>> = {
  d: { positive: isDigitCp, negated: false },
  D: { positive: isDigitCp, negated: true },
  w: { positive: isWordCp, negated: false },
  W: { positive: isWordCp, negated: true },
  s: { positive: isSpaceCp, negated: false },
  S: { positive: isSpaceCp, negated: true },
};

/** `\a \f \t \n \r \v`. */
const SIMPLE_ESCAPES: ReadonlyMap<number, number> = new Map([
  [0x61, 7],
  [0x66, 12],
  [0x74, 9],
  [0x6e, 10],
  [0x72, 13],
  [0x76, 11],
]);

const hasOwn = (o: object, k: string): boolean => Object.prototype.hasOwnProperty.call(o, k);

/** Unicode's General_Category long names and the aliases Go accepts for them (`Uppercase_Letter`, `digit`, …). */
const CATEGORY_LONG_NAMES = [
  'Letter', 'Cased_Letter', 'Uppercase_Letter', 'Lowercase_Letter', 'Titlecase_Letter', 'Modifier_Letter', 'Other_Letter',
  'Mark', 'Combining_Mark', 'Nonspacing_Mark', 'Spacing_Mark', 'Enclosing_Mark',
  'Number', 'Decimal_Number', 'digit', 'Letter_Number', 'Other_Number',
  'Punctuation', 'punct', 'Connector_Punctuation', 'Dash_Punctuation', 'Open_Punctuation', 'Close_Punctuation',
  'Initial_Punctuation', 'Final_Punctuation', 'Other_Punctuation',
  'Symbol', 'Math_Symbol', 'Currency_Symbol', 'Modifier_Symbol', 'Other_Symbol',
  'Separator', 'Space_Separator', 'Line_Separator', 'Paragraph_Separator',
  'Other', 'Control', 'cntrl', 'Format', 'Surrogate', 'Private_Use', 'Unassigned',
];

/**
 * Go's lookup key for a class name: separators (`_`, `-`, space) dropped, first letter upper case, the rest
 * lower case. `\p{uppercase letter}`, `\p{greek}` and `\p{Lu}` are all found.
 */
const canonicalClassName = (name: string): string => {
  // ASCII letters only change case, as in Go (`ſ` stays `ſ`).
  const bare = name.replace(/[_\- ]/g, '');
  const upper = (c: string) => c.replace(/[a-z]/g, (x) => String.fromCharCode(x.charCodeAt(0) - 32));
  const lower = (c: string) => c.replace(/[A-Z]/g, (x) => String.fromCharCode(x.charCodeAt(0) + 32));
  return upper(bare.slice(0, 1)) + lower(bare.slice(1));
};

const CATEGORY_ALIASES: ReadonlyMap<string, string> = new Map(CATEGORY_LONG_NAMES.map((n) => [canonicalClassName(n), n]));

/** A one-character test for a Unicode property written in a fixed-shape RegExp, if JavaScript knows the property. */
function propertyTest(property: string): CharTest | undefined {
  if (!/^[A-Za-z_=]{1,80}$/.test(property)) return undefined; // never anything but a plain name in the RegExp
  let compiled: RegExp;
  try {
    compiled = new RegExp(`^\\p{${property}}$`, 'u');
  } catch {
    return undefined;
  }
  return (cp) => compiled.test(String.fromCodePoint(cp));
}

/**
 * A Unicode class (`L`, `Lu`, `Greek`, `Uppercase_Letter`, `Any`, …) as a one-character test, or undefined
 * when Go knows no class of that name. Names are looked up as Go does: a general category, then a script,
 * then a category alias, after `canonicalClassName`.
 */
function unicodeClass(name: string): CharTest | undefined {
  const key = canonicalClassName(name);
  if (!/^[A-Z][a-z]{0,40}$/.test(key)) return undefined;
  switch (key) {
    case 'Any':
      return () => true;
    case 'Assigned':
      return propertyTest('Assigned');
    case 'Ascii':
      return (cp) => cp <= 0x7f;
    case 'Lc':
      return propertyTest('General_Category=LC');
  }
  if (key.length <= 2) return propertyTest(`General_Category=${key}`);
  return propertyTest(`Script=${key}`) ?? (CATEGORY_ALIASES.has(key) ? propertyTest(`General_Category=${CATEGORY_ALIASES.get(key)!}`) : undefined);
}

/** One code point for all the case forms of a character (`s`, `S` and `ſ` share one), as far as JavaScript's case mapping tells. */
const foldKey = (cp: number): number => {
  const folded = String.fromCodePoint(cp).toUpperCase().toLowerCase();
  return [...folded].length === 1 ? folded.codePointAt(0)! : cp;
};

/** A test for one character, in all its case forms under `(?i)`. */
const charEquals = (cp: number, fold: boolean): CharTest => {
  if (!fold) return (c) => c === cp;
  const key = foldKey(cp);
  return (c) => c === cp || foldKey(c) === key;
};

/** Case-insensitive form of a test: a character matches when it, or its other case, does. */
const foldCase =
  (test: CharTest): CharTest =>
  (cp) => {
    if (test(cp)) return true;
    const s = String.fromCodePoint(cp);
    const lower = s.toLowerCase();
    const upper = s.toUpperCase();
    // Both cases, and the other case of each (ſ upper-cases to S, which lower-cases to s).
    for (const other of [lower, upper, upper.toLowerCase(), lower.toUpperCase()]) {
      if (other !== s && [...other].length === 1 && test(other.codePointAt(0)!)) return true;
    }
    return false;
  };

// ---------------------------------------------------------------------------------------------------------
// Parsing

type Assertion = 'bol' | 'eol' | 'bot' | 'eot' | 'word' | 'notWord';

type Re =
  | { readonly t: 'empty' }
  | { readonly t: 'char'; readonly test: CharTest }
  | { readonly t: 'cat'; readonly items: readonly Re[] }
  | { readonly t: 'alt'; readonly items: readonly Re[] }
  | { readonly t: 'rep'; readonly item: Re; readonly min: number; readonly max: number; readonly counted: boolean }
  | { readonly t: 'assert'; readonly kind: Assertion };

interface Flags {
  readonly i: boolean;
  readonly s: boolean;
  readonly m: boolean;
}

/** Thrown inside the parser and compiler only; `compileGoRegExp` turns it into a `Left`. */
class Refusal {
  readonly error: GoRegExpError;
  constructor(code: GoRegExpErrorCode, expr: string) {
    this.error = { _tag: 'GoRegExpInvalid', code, expr, message: `error parsing regexp: ${code}: \`${expr}\``, retryable: false };
  }
}

const refuse = (code: GoRegExpErrorCode, expr: string): never => {
  throw new Refusal(code, expr);
};

const seq = (items: readonly Re[]): Re => (items.length === 0 ? { t: 'empty' } : items.length === 1 ? items[0]! : { t: 'cat', items });

/**
 * Whether nested counted repetitions stay within Go's bound: along any path from `re` down, the product of
 * the counts (`{n,m}` counts m, or n when unbounded) may not exceed `budget`.
 */
function repeatsWithin(re: Re, budget: number): boolean {
  switch (re.t) {
    case 'cat':
    case 'alt':
      return re.items.every((x) => repeatsWithin(x, budget));
    case 'rep': {
      if (!re.counted) return repeatsWithin(re.item, budget);
      const m = re.max === -1 ? re.min : re.max;
      if (m === 0) return true;
      if (m > budget) return false;
      return repeatsWithin(re.item, Math.floor(budget / m));
    }
    default:
      return true;
  }
}

const CP = {
  lparen: 0x28,
  rparen: 0x29,
  star: 0x2a,
  plus: 0x2b,
  question: 0x3f,
  dot: 0x2e,
  caret: 0x5e,
  dollar: 0x24,
  lbracket: 0x5b,
  rbracket: 0x5d,
  backslash: 0x5c,
  pipe: 0x7c,
  lbrace: 0x7b,
  rbrace: 0x7d,
  colon: 0x3a,
  minus: 0x2d,
  lt: 0x3c,
  gt: 0x3e,
} as const;

class Parser {
  private i = 0;
  private depth = 0;
  private readonly cps: number[];

  constructor(private readonly pattern: string) {
    this.cps = Array.from(pattern, (c) => c.codePointAt(0)!);
  }

  private peek(offset = 0): number | undefined {
    return this.cps[this.i + offset];
  }

  private eat(c: number): boolean {
    if (this.peek() === c) {
      this.i++;
      return true;
    }
    return false;
  }

  /** The pattern's text between two code-point offsets. */
  private text(from: number, to: number = this.cps.length): string {
    return String.fromCodePoint(...this.cps.slice(from, Math.min(to, this.cps.length)));
  }

  parse(): Re {
    const re = this.parseAlternation({ i: false, s: false, m: false });
    if (this.i < this.cps.length) refuse('unexpected )', this.pattern);
    return re;
  }

  /**
   * Branches up to an unmatched `)` or the end. As in Go, a repetition applies to the item before it: flag
   * changes such as `(?i)` are not items (so `a(?i)*` repeats `a`), and `\Q…\E` is a run of single literals.
   */
  private parseAlternation(initial: Flags): Re {
    if (++this.depth > MAX_NESTING) refuse('expression nests too deeply', this.pattern);
    let flags = initial;
    const branches: Re[] = [];
    let items: Re[] = [];
    // Where the repetition just before this token started, if the previous token was one (`a**` is an error).
    let lastRepeat: number | undefined;
    for (;;) {
      const cp = this.peek();
      if (cp === undefined || cp === CP.rparen) break;
      let repeat: number | undefined;
      const op = this.repetitionAt(this.i);
      if (cp === CP.pipe) {
        this.i++;
        branches.push(seq(items));
        items = [];
      } else if (op !== undefined) {
        repeat = this.i;
        this.applyRepetition(items, op, lastRepeat);
      } else if (cp === CP.lparen && this.peek(1) === CP.question && this.startsFlagGroup()) {
        const changed = this.parseFlagGroup(flags);
        if (changed.group) items.push(this.parseGroupBody(changed.flags));
        else flags = changed.flags;
      } else if (cp === CP.backslash && this.peek(1) === 0x51 /* Q */) {
        this.i += 2;
        while (this.peek() !== undefined && !(this.peek() === CP.backslash && this.peek(1) === 0x45) /* \E */) items.push(this.literal(this.cps[this.i++]!, flags));
        if (this.peek() !== undefined) this.i += 2;
      } else {
        items.push(this.parseAtom(flags));
      }
      lastRepeat = repeat;
    }
    branches.push(seq(items));
    this.depth--;
    return branches.length === 1 ? branches[0]! : { t: 'alt', items: branches };
  }

  /** Applies the repetition `op` (at the current position) to the last of `items`, with Go's checks in Go's order. */
  private applyRepetition(items: Re[], op: Repetition, lastRepeat: number | undefined): void {
    const at = this.i;
    if (op.counted && (op.min > MAX_REPEAT || op.max > MAX_REPEAT || (op.max !== -1 && op.max < op.min))) refuse('invalid repeat count', op.text);
    this.i = at + op.length;
    this.eat(CP.question); // lazy: the same yes/no answer
    if (lastRepeat !== undefined) refuse('invalid nested repetition operator', this.text(lastRepeat, this.i));
    const item = items.pop();
    if (item === undefined) return refuse('missing argument to repetition operator', this.text(at, this.i));
    const re: Re = { t: 'rep', item, min: op.min, max: op.max, counted: op.counted };
    if (op.counted && (op.min >= 2 || op.max >= 2) && !repeatsWithin(re, MAX_REPEAT)) refuse('invalid repeat count', this.text(at, this.i));
    items.push(re);
  }

  /** After `(?`: flags (`i`, `-s`, …), an empty `(?)`, or a flag group `(?i:`. */
  private startsFlagGroup(): boolean {
    const c = this.peek(2);
    return c !== undefined && (c === CP.minus || c === CP.colon || c === CP.rparen || c === 0x69 || c === 0x6d || c === 0x73 || c === 0x55);
  }

  private parseFlagGroup(current: Flags): { flags: Flags; group: boolean } {
    const at = this.i;
    this.i += 2;
    let { i, s, m } = current;
    let negated = false;
    let sawFlag = false;
    for (;;) {
      const cp = this.peek();
      if (cp === undefined) return refuse('invalid or unsupported Perl syntax', this.text(at));
      this.i++;
      switch (cp) {
        case CP.rparen:
        case CP.colon:
          // A trailing `-` without a flag after it, as in `(?i-)`, is an error in Go.
          if (negated && !sawFlag) refuse('invalid or unsupported Perl syntax', this.text(at, this.i));
          return { flags: { i, s, m }, group: cp === CP.colon };
        case CP.minus:
          if (negated) refuse('invalid or unsupported Perl syntax', this.text(at, this.i));
          negated = true;
          sawFlag = false;
          break;
        case 0x69 /* i */:
          i = !negated;
          sawFlag = true;
          break;
        case 0x73 /* s */:
          s = !negated;
          sawFlag = true;
          break;
        case 0x6d /* m */:
          m = !negated;
          sawFlag = true;
          break;
        case 0x55 /* U: ungreedy changes which match, never whether there is one */:
          sawFlag = true;
          break;
        default:
          return refuse('invalid or unsupported Perl syntax', this.text(at, this.i));
      }
    }
  }

  /** The body of a group, through its `)`. */
  private parseGroupBody(flags: Flags): Re {
    const inner = this.parseAlternation(flags);
    if (!this.eat(CP.rparen)) refuse('missing closing )', this.pattern);
    return inner;
  }

  private parseAtom(flags: Flags): Re {
    const at = this.i;
    const cp = this.peek()!;
    this.i++;
    switch (cp) {
      case CP.lparen:
        if (this.peek() === CP.question) return this.parseSpecialGroup(flags, at);
        return this.parseGroupBody(flags);
      case CP.dot:
        return { t: 'char', test: flags.s ? () => true : (c) => c !== 0x0a };
      case CP.caret:
        return { t: 'assert', kind: flags.m ? 'bol' : 'bot' };
      case CP.dollar:
        return { t: 'assert', kind: flags.m ? 'eol' : 'eot' };
      case CP.lbracket:
        return { t: 'char', test: this.parseClass(flags, at) };
      case CP.backslash:
        return this.parseEscape(flags, at);
      default:
        return this.literal(cp, flags);
    }
  }

  /** After `(?` that is not a flag group: `(?P<name>`, `(?<name>`, or an error (lookaround, `(?P=`, …). */
  private parseSpecialGroup(flags: Flags, at: number): Re {
    this.i++; // ?
    // `(?P<` and `(?<` start a name only with something after them; otherwise the `P` or `<` is a bad flag.
    const p = this.peek() === 0x50 /* P */ && this.peek(1) === CP.lt && this.peek(2) !== undefined;
    const named = p || (this.peek() === CP.lt && this.peek(1) !== undefined);
    if (!named) return refuse('invalid or unsupported Perl syntax', this.text(at, this.i + (this.peek() === undefined ? 0 : 1)));
    this.i += p ? 2 : 1;
    const nameStart = this.i;
    while (this.peek() !== undefined && this.peek() !== CP.gt) this.i++;
    if (this.peek() === undefined) return refuse('invalid named capture', this.text(at));
    const name = this.cps.slice(nameStart, this.i);
    this.i++; // >
    if (name.length === 0 || !name.every(isWordCp)) refuse('invalid named capture', this.text(at, this.i));
    return this.parseGroupBody(flags);
  }

  private literal(cp: number, flags: Flags): Re {
    return { t: 'char', test: charEquals(cp, flags.i) };
  }

  /** After `\` outside a class (`at` is the backslash). */
  private parseEscape(flags: Flags, at: number): Re {
    const cp = this.peek();
    if (cp === undefined) return refuse('trailing backslash at end of expression', '');
    switch (cp) {
      case 0x41 /* A */:
        this.i++;
        return { t: 'assert', kind: 'bot' };
      case 0x7a /* z */:
        this.i++;
        return { t: 'assert', kind: 'eot' };
      case 0x62 /* b */:
        this.i++;
        return { t: 'assert', kind: 'word' };
      case 0x42 /* B */:
        this.i++;
        return { t: 'assert', kind: 'notWord' };
      default: {
        const escaped = this.escapedClassOrChar(at);
        return typeof escaped === 'number' ? this.literal(escaped, flags) : { t: 'char', test: classTest(escaped, flags.i) };
      }
    }
  }

  /**
   * After `\` (at `at`), inside or outside a class: a Perl or Unicode class as a test, or one character as
   * its code point.
   */
  private escapedClassOrChar(at: number): number | ClassTest {
    const cp = this.peek();
    if (cp === undefined) return refuse('trailing backslash at end of expression', '');
    this.i++;
    const c = String.fromCodePoint(cp);
    if (hasOwn(PERL_CLASSES, c)) return PERL_CLASSES[c]!;
    if (c === 'p' || c === 'P') return this.unicodeEscape(c === 'P', at);
    return this.escapedChar(cp, at);
  }

  /** After `\p` or `\P`: `L` or `{Greek}` or `{^Greek}`. */
  private unicodeEscape(negatedByCase: boolean, at: number): ClassTest {
    let name: string;
    if (this.eat(CP.lbrace)) {
      const start = this.i;
      while (this.peek() !== undefined && this.peek() !== CP.rbrace) this.i++;
      if (this.peek() === undefined) return refuse('invalid character class range', this.text(at));
      name = this.text(start, this.i);
      this.i++;
    } else {
      const next = this.peek();
      if (next === undefined) return refuse('invalid character class range', this.text(at));
      this.i++;
      name = String.fromCodePoint(next);
    }
    const negated = name.startsWith('^') !== negatedByCase;
    const test = unicodeClass(name.replace(/^\^/, ''));
    if (test === undefined) return refuse('invalid character class range', this.text(at, this.i));
    return { positive: test, negated };
  }

  /** After `\c` (the `c` already consumed): the character it stands for. */
  private escapedChar(cp: number, at: number): number {
    const simple = SIMPLE_ESCAPES.get(cp);
    if (simple !== undefined) return simple;
    if (cp === 0x78 /* x */) {
      const hex = (c: number | undefined): number => (c === undefined ? -1 : isDigitCp(c) ? c - 0x30 : c >= 0x41 && c <= 0x46 ? c - 0x37 : c >= 0x61 && c <= 0x66 ? c - 0x57 : -1);
      if (this.eat(CP.lbrace)) {
        // Any number of hex digits, at least one, up to U+10FFFF; Go names the escape up to the first bad character.
        let value = 0;
        let digits = 0;
        for (;;) {
          const c = this.peek();
          if (c === undefined) return refuse('invalid escape sequence', this.text(at));
          this.i++;
          if (c === CP.rbrace) break;
          const v = hex(c);
          value = value * 16 + v;
          if (v < 0 || value > 0x10ffff) return refuse('invalid escape sequence', this.text(at, this.i));
          digits++;
        }
        if (digits === 0) refuse('invalid escape sequence', this.text(at, this.i));
        return value;
      }
      const hi = hex(this.peek());
      if (this.peek() !== undefined) this.i++;
      const lo = hex(this.peek());
      if (this.peek() !== undefined) this.i++;
      if (hi < 0 || lo < 0) refuse('invalid escape sequence', this.text(at, this.i));
      return hi * 16 + lo;
    }
    if (cp >= 0x30 && cp <= 0x37) {
      // \0, \012 and \12, \123 are octal; a lone \1 to \7 would be a backreference, which RE2 refuses.
      let digits = String.fromCodePoint(cp);
      while (digits.length < 3 && this.peek() !== undefined && this.peek()! >= 0x30 && this.peek()! <= 0x37) digits += String.fromCodePoint(this.cps[this.i++]!);
      if (cp !== 0x30 && digits.length === 1) refuse('invalid escape sequence', this.text(at, this.i));
      return parseInt(digits, 8);
    }
    if (cp < 0x80 && !isAlnumCp(cp)) return cp; // escaped punctuation (and `_`, space) is itself
    return refuse('invalid escape sequence', this.text(at, this.i));
  }

  /** After `[` (at `open`): the class through its `]`. */
  private parseClass(flags: Flags, open: number): CharTest {
    const negated = this.eat(CP.caret);
    const parts: CharTest[] = [];
    let first = true;
    for (;;) {
      const cp = this.peek();
      if (cp === undefined) return refuse('missing closing ]', this.text(open));
      if (cp === CP.rbracket && !first) {
        this.i++;
        break;
      }
      first = false;
      if (cp === CP.lbracket && this.peek(1) === CP.colon) {
        const posix = /^\[:(\^?)([A-Za-z]*):\]/.exec(this.text(this.i, this.i + 16));
        if (posix !== null) {
          const name = posix[2]!;
          if (!hasOwn(POSIX_CLASSES, name)) refuse('invalid character class range', posix[0]);
          this.i += posix[0].length;
          parts.push(classTest({ positive: POSIX_CLASSES[name]!, negated: posix[1] === '^' }, flags.i));
          continue;
        }
      }
      const loAt = this.i;
      const lo = this.classChar();
      if (typeof lo !== 'number') {
        parts.push(classTest(lo, flags.i));
        continue;
      }
      if (this.peek() === CP.minus && this.peek(1) !== undefined && this.peek(1) !== CP.rbracket) {
        this.i++;
        const hi = this.classRangeEnd();
        if (hi < lo) return refuse('invalid character class range', this.text(loAt, this.i));
        const range: CharTest = (x) => x >= lo && x <= hi;
        parts.push(flags.i ? foldCase(range) : range);
      } else {
        parts.push(charEquals(lo, flags.i));
      }
    }
    // Each part is case-folded on its own; the class's own negation comes last: (?i)[^a] excludes a and A.
    const any: CharTest = (x) => parts.some((t) => t(x));
    return negated ? (x) => !any(x) : any;
  }

  /** One character of a class, or a class escape such as `\d` or `\pL`. */
  private classChar(): number | ClassTest {
    const at = this.i;
    const cp = this.peek()!;
    this.i++;
    return cp === CP.backslash ? this.escapedClassOrChar(at) : cp;
  }

  /** The upper end of a range in a class: one character, where an escape can only stand for one (`[a-\\d]` is an error). */
  private classRangeEnd(): number {
    const at = this.i;
    const cp = this.cps[this.i++]!;
    if (cp !== CP.backslash) return cp;
    const c = this.peek();
    if (c === undefined) return refuse('trailing backslash at end of expression', '');
    this.i++;
    return this.escapedChar(c, at);
  }

  /**
   * The repetition operator starting at `at`, if one does: `*`, `+`, `?`, or a counted `{n}`, `{n,}`, `{n,m}`
   * (numbers without leading zeros, as Go reads them; any other `{` is a literal).
   */
  private repetitionAt(at: number): Repetition | undefined {
    const cp = this.cps[at];
    if (cp === CP.star) return { length: 1, min: 0, max: -1, counted: false, text: '*' };
    if (cp === CP.plus) return { length: 1, min: 1, max: -1, counted: false, text: '+' };
    if (cp === CP.question) return { length: 1, min: 0, max: 1, counted: false, text: '?' };
    if (cp !== CP.lbrace) return undefined;
    let k = at + 1;
    const number = (): number | undefined => {
      const from = k;
      while (k < this.cps.length && isDigitCp(this.cps[k]!)) k++;
      if (k === from || (k - from > 1 && this.cps[from] === 0x30)) return undefined;
      return Number(this.text(from, k));
    };
    const min = number();
    if (min === undefined) return undefined;
    let max = min;
    if (this.cps[k] === 0x2c /* , */) {
      k++;
      max = this.cps[k] === CP.rbrace ? -1 : (number() ?? Number.NaN);
      if (Number.isNaN(max)) return undefined;
    }
    if (this.cps[k] !== CP.rbrace) return undefined;
    k++;
    return { length: k - at, min, max, counted: true, text: this.text(at, k) };
  }
}

/** A repetition operator as written: `max` -1 is unbounded; `counted` for the `{…}` forms. */
interface Repetition {
  readonly length: number;
  readonly min: number;
  readonly max: number;
  readonly counted: boolean;
  readonly text: string;
}

// ---------------------------------------------------------------------------------------------------------
// Compiling and running

type Inst =
  | { op: 'char'; test: CharTest; next: number }
  | { op: 'split'; x: number; y: number }
  | { op: 'assert'; kind: Assertion; next: number }
  | { op: 'match' };

/** Compiles to a program for the NFA simulation, back to front: each fragment is emitted knowing where it continues. */
class Compiler {
  readonly prog: Inst[] = [];

  constructor(private readonly pattern: string) {}

  private push(inst: Inst): number {
    if (this.prog.length >= MAX_PROGRAM) refuse('expression too large', this.pattern);
    this.prog.push(inst);
    return this.prog.length - 1;
  }

  /** Emits `re` so that it continues at `next`; returns its entry point. */
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
          // A loop: split -> (item -> back to the split) | next.
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

/** The NFA simulation: all threads advance together over the text, so no position is visited twice per instruction. */
function run(prog: readonly Inst[], start: number, text: string, onStep: ((threads: number) => void) | undefined): boolean {
  const chars = Array.from(text, (c) => c.codePointAt(0)!);
  const n = chars.length;
  // seen[pc] === mark: pc is already in the thread list being built for the current position.
  const seen = new Int32Array(prog.length).fill(-1);
  const stack: number[] = [];
  let mark = 0;
  let current: number[] = [];
  let next: number[] = [];

  /** Adds `pc0` and all it reaches without consuming a character; true when that reaches the match. */
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
    // Unanchored: a new thread starts at every position.
    if (add(current, start, pos)) return true;
    if (pos === n) return false;
    if (onStep !== undefined) onStep(current.length);
    mark = pos + 1;
    const cp = chars[pos]!;
    next.length = 0;
    for (const pc of current) {
      const inst = prog[pc] as { test: CharTest; next: number };
      if (inst.test(cp) && add(next, inst.next, pos + 1)) return true;
    }
    [current, next] = [next, current];
  }
}

function holds(kind: Assertion, chars: readonly number[], pos: number): boolean {
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
}
