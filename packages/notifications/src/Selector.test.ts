import * as E from 'fp-ts/lib/Either';
import { matchesSelector, parseSelector } from './Selector';

const sel = (s: string) => E.getOrElseW((e: string) => { throw new Error(e); })(parseSelector(s));

describe('label selectors of global subscriptions', () => {
  it.each([
    ['', {}, true],
    ['app=web', { app: 'web' }, true],
    ['app==web', { app: 'api' }, false],
    ['app!=web', {}, true],
    ['app!=web', { app: 'web' }, false],
    ['tier in (a, b)', { tier: 'b' }, true],
    ['tier notin (a,b)', { tier: 'b' }, false],
    ['tier notin (a,b)', {}, true],
    ['team', { team: 'x' }, true],
    ['!team', { team: 'x' }, false],
    ['app=web,!canary,example.com/owner in (me)', { app: 'web', 'example.com/owner': 'me' }, true],
  ])('%s on %j: %s', (s, labels, want) => {
    expect(matchesSelector(sel(s), labels)).toBe(want);
  });

  it.each(['a in (b', 'a = b c', '=x', 'a=b!'])('rejects %s', (s) => {
    expect(E.isLeft(parseSelector(s))).toBe(true);
  });
});
