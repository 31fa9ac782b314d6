/**
 * Tokens of the expr language (github.com/expr-lang/expr): numbers (`42`, `0x2A`, `0o52`, `0b101010`,
 * `1_000`, `0.5`, `.5`, `1e3`), strings (`"…"` and `'…'` with Go escapes, raw `` `…` ``), identifiers,
 * keyword operators (`not in and or matches contains startsWith endsWith let if else`), punctuation
 * operators, brackets, the predicate pointer (`#`, `#index`, `#acc`) and comments (`// …`, `/* … *\/`).
 */
import { ExprFailure } from './Failure';

export type TokenKind = 'number' | 'string' | 'ident' | 'op' | 'bracket' | 'pointer' | 'eof';

export interface Token {
  readonly kind: TokenKind;
  /** The unescaped text of a string, the raw text of a number, the name of an identifier or pointer, or the operator. */
  readonly value: string;
  /** 0-based offset of the token's first character in the expression. */
  readonly pos: number;
}

const KEYWORDS = new Set(['not', 'in', 'or', 'and', 'matches', 'contains', 'startsWith', 'endsWith', 'let', 'if', 'else']);

/** Operators of two characters, tried before the single-character ones. */
const TWO_CHAR = new Set(['**', '==', '!=', '<=', '>=', '&&', '||', '??', '?.', '..']);
const ONE_CHAR = new Set(['+', '-', '*', '/', '%', '^', '<', '>', '!', '?', ':', ',', '.', '|', ';', '=']);

const isDigit = (c: string): boolean => c >= '0' && c <= '9';
const IDENT_CHAR = /^[\p{L}\p{Nd}_$]$/u;
const isIdentChar = (c: string): boolean => IDENT_CHAR.test(c);
const isSpace = (c: string): boolean => /^\s$/u.test(c);
/** The whole character (one or two UTF-16 units) starting at `i`. */
const codePointAt = (s: string, i: number): string => String.fromCodePoint(s.codePointAt(i)!);

const syntax = (message: string, pos: number): ExprFailure => new ExprFailure('syntax', message, pos);

/** Reads a Go-style escape after a backslash; returns the decoded text and the offset after it. */
const SIMPLE_ESCAPES: Readonly<Record<string, string>> = {
  a: '\x07',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
  v: '\v',
  '\\': '\\',
  '"': '"',
  "'": "'",
};

const readEscape = (src: string, at: number): [string, number] => {
  const c = src[at];
  const simple = c === undefined ? undefined : SIMPLE_ESCAPES[c];
  if (simple !== undefined) return [simple, at + 1];
  const hex = (len: number): [string, number] => {
    const digits = src.slice(at + 1, at + 1 + len);
    if (digits.length !== len || !/^[0-9a-fA-F]+$/.test(digits)) throw syntax('invalid char escape', at - 1);
    const code = parseInt(digits, 16);
    if (code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) throw syntax('invalid char escape', at - 1);
    return [String.fromCodePoint(code), at + 1 + len];
  };
  switch (c) {
    case 'x':
      return hex(2);
    case 'u':
      return hex(4);
    case 'U':
      return hex(8);
    default: {
      const octal = src.slice(at, at + 3);
      if (/^[0-7]{3}$/.test(octal)) {
        const code = parseInt(octal, 8);
        if (code > 255) throw syntax('invalid char escape', at - 1);
        return [String.fromCharCode(code), at + 3];
      }
      throw syntax('invalid char escape', at - 1);
    }
  }
};

/** Splits an expression into tokens, ending with an `eof` token. */
export const tokenize = (src: string): Token[] => {
  const tokens: Token[] = [];
  let i = 0;
  const push = (kind: TokenKind, value: string, pos: number): void => {
    tokens.push({ kind, value, pos });
  };
  while (i < src.length) {
    const c = src[i]!;
    const start = i;
    if (isSpace(c)) {
      i++;
      continue;
    }
    if (c === '/' && src[i + 1] === '/') {
      while (i < src.length && src[i] !== '\n') i++;
      continue;
    }
    if (c === '/' && src[i + 1] === '*') {
      const end = src.indexOf('*/', i + 2);
      if (end < 0) throw syntax('unclosed comment', start);
      i = end + 2;
      continue;
    }
    if (c === '"' || c === "'") {
      let out = '';
      i++;
      for (;;) {
        const d = src[i];
        if (d === undefined) throw syntax('literal not terminated', start);
        if (d === c) {
          i++;
          break;
        }
        if (d === '\\') {
          const [text, next] = readEscape(src, i + 1);
          out += text;
          i = next;
        } else {
          out += d;
          i++;
        }
      }
      push('string', out, start);
      continue;
    }
    if (c === '`') {
      const end = src.indexOf('`', i + 1);
      if (end < 0) throw syntax('literal not terminated', start);
      push('string', src.slice(i + 1, end), start);
      i = end + 1;
      continue;
    }
    if (isDigit(c) || (c === '.' && isDigit(src[i + 1] ?? ''))) {
      i = scanNumber(src, i);
      push('number', src.slice(start, i), start);
      continue;
    }
    if (c === '#') {
      i++;
      while (i < src.length && isIdentChar(src[i]!)) i++;
      push('pointer', src.slice(start + 1, i), start);
      continue;
    }
    if (isIdentChar(codePointAt(src, i))) {
      while (i < src.length) {
        const ch = codePointAt(src, i);
        if (!isIdentChar(ch)) break;
        i += ch.length;
      }
      const word = src.slice(start, i);
      push(KEYWORDS.has(word) ? 'op' : 'ident', word, start);
      continue;
    }
    if ('([{'.includes(c) || ')]}'.includes(c)) {
      push('bracket', c, start);
      i++;
      continue;
    }
    const two = src.slice(i, i + 2);
    // `x ?.5 : 1` is a ternary with the float .5, not optional chaining.
    if (TWO_CHAR.has(two) && !(two === '?.' && isDigit(src[i + 2] ?? ''))) {
      push('op', two, start);
      i += 2;
      continue;
    }
    if (ONE_CHAR.has(c)) {
      push('op', c, start);
      i++;
      continue;
    }
    throw syntax(`unrecognized character ${JSON.stringify(codePointAt(src, i))}`, start);
  }
  push('eof', '', src.length);
  return tokens;
};

/** Scans a number the way expr does; returns the offset after it. */
const scanNumber = (src: string, start: number): number => {
  let i = start;
  let digits = /[0-9_]/;
  if (src[i] === '0' && /[xXoObB]/.test(src[i + 1] ?? '')) {
    const base = src[i + 1]!.toLowerCase();
    digits = base === 'x' ? /[0-9a-fA-F_]/ : base === 'o' ? /[0-7_]/ : /[01_]/;
    i += 2;
  }
  const run = (): void => {
    while (i < src.length && digits.test(src[i]!)) i++;
  };
  run();
  // `1..3` is a range: the dot belongs to the operator, not to the number.
  if (src[i] === '.' && src[i + 1] !== '.') {
    i++;
    run();
  }
  if (src[i] === 'e' || src[i] === 'E') {
    i++;
    if (src[i] === '+' || src[i] === '-') i++;
    run();
  }
  const next = src[i];
  if (next !== undefined && (isIdentChar(next) || (next === '.' && isDigit(src[i + 1] ?? '')))) {
    let end = i + 1;
    while (end < src.length && isIdentChar(src[end]!)) end++;
    throw syntax(`bad number syntax: ${JSON.stringify(src.slice(start, end))}`, start);
  }
  return i;
};
