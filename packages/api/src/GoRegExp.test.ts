import * as E from 'fp-ts/lib/Either';
import fc from 'fast-check';
import { compileGoRegExp, goRegExpMatches, type GoRegExp } from './GoRegExp';

const compiled = (pattern: string): GoRegExp => {
  const r = compileGoRegExp(pattern);
  if (E.isLeft(r)) throw new Error(`expected ${pattern} to compile: ${r.left.message}`);
  return r.right;
};

const refusal = (pattern: string): string => {
  const r = compileGoRegExp(pattern);
  if (E.isRight(r)) throw new Error(`expected ${pattern} to be refused`);
  return r.left.message;
};

// Every expectation below is what Go 1.26's regexp.Compile / MatchString answers (checked against Go).
describe('compileGoRegExp: matching as Go does', () => {
  it.each<[string, string, boolean]>([
    ['abc', 'xxabcxx', true], // unanchored, like MatchString
    ['^abc$', 'abc', true],
    ['^abc$', 'abc\n', false], // $ is the end of the text without (?m)
    ['(?m)^b$', 'a\nb\nc', true],
    ['a.c', 'a\nc', false],
    ['(?s)a.c', 'a\nc', true],
    ['^[a-c]+$', 'abccba', true],
    ['^[^0-9]+$', 'abc1', false],
    ['^\\d{3}-\\d{2,}$', '123-45', true],
    ['^(ab|cd){2}$', 'abcd', true],
    ['\\bfoo\\b', 'a foo b', true],
    ['\\bfoo\\b', 'afoob', false],
    ['^[[:alpha:]]+$', 'abcXYZ', true],
    ['^\\pL+$', 'héllo', true],
    ['^\\p{Greek}+$', 'αβγ', true],
    ['^\\p{greek}+$', 'αβγ', true], // Go looks names up loosely
    ['^\\p{uppercase letter}$', 'A', true],
    ['(?i)^[^a]$', 'A', false],
    ['(?i)s', 'ſ', true], // ſ folds to s
    ['(?i)\\W', 'ſ', false], // …so it is not a non-word character under (?i)
    ['^\\Q1.5\\E$', '1.5', true],
    ['^\\Qab\\E+$', 'abbb', true], // \Q…\E is a run of literals: + repeats the last
    ['^a(?i)+$', 'aaa', true], // a flag change is not an item: + repeats a
    ['^x{0}y$', 'y', true],
    ['^\\x41\\x{42}\\101$', 'ABA', true],
    ['x{,3}', 'x{,3}', true], // not a repetition, so literal
    ['a{01}', 'a{01}', true], // leading zeros: literal as well
    ['\\_', '_', true],
    ['(?P<n>a)(?<m>b)', 'ab', true],
    ['web-.*', 'web-latency', true],
    ['.*', '', true],
  ])('%s on %p is %p', (pattern, text, expected) => {
    expect(compiled(pattern).test(text)).toBe(expected);
  });
});

describe('compileGoRegExp: refusals read as Go reports them', () => {
  it.each<[string, string]>([
    ['(a+', 'missing closing ): `(a+`'],
    ['a)', 'unexpected ): `a)`'],
    ['*', 'missing argument to repetition operator: `*`'],
    ['(?i)*?', 'missing argument to repetition operator: `*?`'],
    ['{2}', 'missing argument to repetition operator: `{2}`'],
    ['a**', 'invalid nested repetition operator: `**`'],
    ['a+{2}?', 'invalid nested repetition operator: `+{2}?`'],
    ['a{2000}', 'invalid repeat count: `{2000}`'],
    ['x{3,2}', 'invalid repeat count: `{3,2}`'],
    ['((a{10}){10}){11}', 'invalid repeat count: `{11}`'],
    ['a{1001}{2}', 'invalid repeat count: `{1001}`'],
    ['(?=x)', 'invalid or unsupported Perl syntax: `(?=`'],
    ['(?i', 'invalid or unsupported Perl syntax: `(?i`'],
    ['(?i-)', 'invalid or unsupported Perl syntax: `(?i-)`'],
    ['(?P=n)', 'invalid or unsupported Perl syntax: `(?P`'],
    ['(?<=a)b', 'invalid named capture: `(?<=a)b`'],
    ['(?P<>a)', 'invalid named capture: `(?P<>`'],
    ['[a', 'missing closing ]: `[a`'],
    ['web-[', 'missing closing ]: `[`'],
    ['[z-a]', 'invalid character class range: `z-a`'],
    ['[[:foo:]]', 'invalid character class range: `[:foo:]`'],
    ['\\p{Foo}', 'invalid character class range: `\\p{Foo}`'],
    ['[a-\\d]', 'invalid escape sequence: `\\d`'],
    ['(a)\\1', 'invalid escape sequence: `\\1`'],
    ['\\8', 'invalid escape sequence: `\\8`'],
    ['\\xZ', 'invalid escape sequence: `\\xZ`'],
    ['\\x{110000}', 'invalid escape sequence: `\\x{110000`'],
    ['\\C', 'invalid escape sequence: `\\C`'],
    ['a\\', 'trailing backslash at end of expression: ``'],
  ])('%s', (pattern, message) => {
    expect(refusal(pattern)).toBe(`error parsing regexp: ${message}`);
  });

  it('says which code and which part of the pattern', () => {
    expect(compileGoRegExp('(a+')).toEqual(
      E.left({ _tag: 'GoRegExpInvalid', code: 'missing closing )', expr: '(a+', message: 'error parsing regexp: missing closing ): `(a+`', retryable: false }),
    );
  });

  it('refuses programs too large to run cheaply', () => {
    expect(refusal('(?:[a-z]{1000}){30}')).toBe('error parsing regexp: invalid repeat count: `{30}`');
    // Go would accept 21 repeats of 1,000 (its limit is memory); ours stops at 20,000 instructions.
    const r = compileGoRegExp('a{1000}'.repeat(21));
    expect(E.isLeft(r) && r.left.code).toBe('expression too large');
    expect(E.isRight(compileGoRegExp('a{1000}'.repeat(19)))).toBe(true);
  });

  it('goRegExpMatches answers or says why it cannot', () => {
    expect(goRegExpMatches('lat', 'p99-latency')).toEqual(E.right(true));
    expect(E.isLeft(goRegExpMatches('*', 'x'))).toBe(true);
  });
});

describe('compileGoRegExp: linear time', () => {
  /** Runs `re` on `text`, counting the steps it reports. */
  const steps = (re: GoRegExp, text: string): { matched: boolean; steps: number } => {
    let n = 0;
    const matched = re.test(text, (threads) => {
      n += threads;
    });
    return { matched, steps: n };
  };

  it.each<[string, string, string, boolean]>([
    // The patterns that make a backtracking engine take exponential time, on 10,000 characters.
    ['(a+)+$', "9,999 a's then b", `${'a'.repeat(9_999)}b`, false],
    ['^(a+)+$', "9,999 a's then !", `${'a'.repeat(9_999)}!`, false],
    ['(a|aa)*b', "10,000 a's", 'a'.repeat(10_000), false],
    ['(a*)*c', "10,000 a's", 'a'.repeat(10_000), false],
    ['(.*a){20}', "10,000 a's", 'a'.repeat(10_000), true],
    ['(a+)+b', "9,999 a's then b", `${'a'.repeat(9_999)}b`, true],
  ])('%s on %s, within (n + 1) x program size steps', (pattern, _what, text, expected) => {
    const re = compiled(pattern);
    const r = steps(re, text);
    expect(r.matched).toBe(expected);
    expect(r.steps).toBeLessThanOrEqual((text.length + 1) * re.programSize);
  });

  it('the step bound holds for any pattern and text (property)', () => {
    const atoms = ['a', 'b', '.', '(', ')', '|', '*', '+', '?', '{2,3}', '[ab]', '^', '$', '\\b', '(?i)', '(?:'];
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...atoms), { maxLength: 12 }), fc.string({ unit: fc.constantFrom('a', 'b', 'A', ' '), maxLength: 200 }), (parts, text) => {
        const r = compileGoRegExp(parts.join(''));
        if (E.isLeft(r)) return;
        expect(steps(r.right, text).steps).toBeLessThanOrEqual((text.length + 1) * r.right.programSize);
      }),
    );
  });

  it('lets the caller stop a match by throwing from onStep', () => {
    const re = compiled('(a|b)*c');
    let budget = 100;
    const stop = new Error('budget spent');
    expect(() =>
      re.test('ab'.repeat(1_000), (threads) => {
        budget -= threads;
        if (budget < 0) throw stop;
      }),
    ).toThrow(stop);
  });
});
