/**
 * Regular expressions for the `matches` operator: Go's RE2 syntax, matched in linear time by `@rollouts/api`'s
 * `compileGoRegExp` (a Thompson-NFA simulation, never JavaScript's backtracking `RegExp`). This adapter turns
 * the engine's refusal into the expression language's failure and charges the evaluation budget for the
 * work of each match.
 */
import * as E from 'fp-ts/lib/Either';
import { compileGoRegExp, type GoRegExpErrorCode } from '@rollouts/api';
import { evalFailure } from './Failure';
import type { Charge } from './Value';

/** A compiled regular expression: `test(text, charge)` answers whether it matches anywhere in `text`. */
export interface Regex {
  readonly test: (text: string, charge: Charge) => boolean;
}

/** Codes whose message names the offending part of the pattern (`invalid repeat count {2000}`). */
const NAMES_FRAGMENT: ReadonlySet<GoRegExpErrorCode> = new Set<GoRegExpErrorCode>([
  'invalid repeat count',
  'missing argument to repetition operator',
  'invalid nested repetition operator',
  'invalid escape sequence',
  'invalid character class range',
]);

/** Compiles an RE2-syntax pattern; throws an evaluation failure naming the problem when it is invalid. */
export const compileRegex = (pattern: string): Regex => {
  const compiled = compileGoRegExp(pattern);
  if (E.isLeft(compiled)) {
    const { code, expr } = compiled.left;
    throw evalFailure(`invalid regular expression: ${code}${NAMES_FRAGMENT.has(code) && expr !== '' ? ` ${expr}` : ''}`);
  }
  const re = compiled.right;
  // One step per character, plus one per eight NFA threads advanced over it.
  return { test: (text, charge) => re.test(text, (threads) => charge(1 + Math.floor(threads / 8))) };
};
