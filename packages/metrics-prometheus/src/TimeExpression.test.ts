import * as E from 'fp-ts/lib/Either';
import { evaluateTimeExpression, stepSeconds } from './TimeExpression';

const NOW = 1_700_000_000_000;

describe('evaluateTimeExpression', () => {
  it.each([
    ['now()', NOW],
    [' now( ) ', NOW],
    ['now() - duration("5m")', NOW - 300_000],
    ["now() - duration('1h30m')", NOW - 5_400_000],
    ['now() + duration("10s")', NOW + 10_000],
    ['duration("1m") + now()', NOW + 60_000],
    ['now() - duration("1h") + duration("30m")', NOW - 1_800_000],
  ])('%s', (expr, expected) => expect(evaluateTimeExpression(expr, NOW)).toEqual(E.right(expected)));

  it.each([
    ['', 'ends where a term was expected'],
    ['duration("5m")', 'has no now()'],
    ['now() + now()', 'more than once'],
    ['duration("5m") - now()', 'cannot be subtracted'],
    ['now() - duration("5x")', 'unknown unit'],
    ['now() - 300', 'cannot read "300"'],
    ['time.Now()', 'cannot read'],
    ['now() * 2', 'expected + or -'],
  ])('rejects %p', (expr, why) => {
    const r = evaluateTimeExpression(expr, NOW);
    expect(E.isLeft(r) && r.left).toContain(why);
  });
});

describe('stepSeconds', () => {
  it.each([
    ['1m', 60],
    ['15s', 15],
    ['500ms', 0.5],
    ['60', 60],
  ])('%s', (step, s) => expect(stepSeconds(step)).toEqual(E.right(s)));
  it.each([['0s'], [''], ['-1m'], ['abc']])('rejects %p', (step) => expect(E.isLeft(stepSeconds(step))).toBe(true));
});
