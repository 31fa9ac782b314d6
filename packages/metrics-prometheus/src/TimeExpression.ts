/**
 * The time expressions of `rangeQuery.start` / `rangeQuery.end`: `now()`, optionally plus or minus
 * `duration("<Go duration>")` terms (`now() - duration("1h")`), and the `step` (a Go duration, or plain
 * seconds). This is the subset of upstream's expression language users write there; anything else is a
 * clear error rather than a guess.
 */
import * as E from 'fp-ts/lib/Either';
import { parseGoDuration } from '@rollouts/api';

const TERM = /^\s*(now\(\s*\)|duration\(\s*(?:"([^"]*)"|'([^']*)')\s*\))\s*/;
const OP = /^\s*([+-])\s*/;

/** Milliseconds since the epoch that `expr` names, given `now`. */
export function evaluateTimeExpression(expr: string, now: number): E.Either<string, number> {
  const unsupported = (why: string) => E.left(`unsupported time expression ${JSON.stringify(expr)}: ${why}; write now(), optionally followed by + or - duration("5m") terms`);
  let rest = expr;
  let sign = 1;
  let total = 0;
  let nows = 0;
  while (true) {
    const m = TERM.exec(rest);
    if (m === null) return unsupported(rest.trim() === '' ? 'it ends where a term was expected' : `cannot read ${JSON.stringify(rest.trim())}`);
    rest = rest.slice(m[0].length);
    if (m[1]!.startsWith('now')) {
      if (sign < 0) return unsupported('now() cannot be subtracted');
      nows += 1;
      total += now;
    } else {
      const d = parseGoDuration(m[2] ?? m[3] ?? '');
      if (E.isLeft(d)) return unsupported(d.left);
      total += sign * d.right;
    }
    if (rest.trim() === '') break;
    const op = OP.exec(rest);
    if (op === null) return unsupported(`expected + or - before ${JSON.stringify(rest.trim())}`);
    sign = op[1] === '-' ? -1 : 1;
    rest = rest.slice(op[0].length);
  }
  if (nows !== 1) return unsupported(nows === 0 ? 'it has no now()' : 'now() appears more than once');
  return E.right(total);
}

/** Seconds of a range-query `step`: a Go duration (`"1m"`) or a number of seconds (`"60"`). Must be positive. */
export function stepSeconds(step: string): E.Either<string, number> {
  const trimmed = step.trim();
  const seconds = /^\d+(\.\d+)?$/.test(trimmed) ? E.right(Number(trimmed)) : E.map((ms: number) => ms / 1000)(parseGoDuration(trimmed));
  if (E.isLeft(seconds)) return seconds;
  return seconds.right > 0 ? seconds : E.left(`step ${JSON.stringify(step)} must be greater than zero`);
}
