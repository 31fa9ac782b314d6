import { formatLabelSelector, labelSelectorFromSpec, matchesLabels, parseLabelSelector, SelectorParseError } from './LabelSelector';

describe('parseLabelSelector + matchesLabels', () => {
  const labels = { app: 'web', tier: 'front', n: '5' };
  it.each([
    ['', true],
    ['app=web', true],
    ['app==web', true],
    ['app=db', false],
    ['app!=db', true],
    ['missing!=x', true],
    ['app in (db, web)', true],
    ['app notin (web)', false],
    ['missing notin (x)', true],
    ['tier', true],
    ['missing', false],
    ['!missing', true],
    ['!tier', false],
    ['n>4', true],
    ['n<5', false],
    ['missing>1', false],
    ['app=web,tier=back', false],
    [' app = web , tier ', true],
    ['example.com/key', false],
    ['app=', false],
  ])('%j -> %s', (text, expected) => {
    expect(matchesLabels(parseLabelSelector(text), labels)).toBe(expected);
  });

  it.each(['app in (a', 'a b', '!', 'app==', 'Bad Key=1', 'app=has space', 'n>x', ',app'])('rejects %j', (text) => {
    if (text === 'app==') {
      // an empty value is allowed: "app==" selects app with the empty value
      expect(matchesLabels(parseLabelSelector(text), { app: '' })).toBe(true);
      return;
    }
    expect(() => parseLabelSelector(text)).toThrow(SelectorParseError);
  });
});

describe('labelSelectorFromSpec', () => {
  it('combines matchLabels and matchExpressions', () => {
    const s = labelSelectorFromSpec({ matchLabels: { app: 'web' }, matchExpressions: [{ key: 'env', operator: 'In', values: ['a', 'b'] }, { key: 'x', operator: 'DoesNotExist' }] });
    expect(matchesLabels(s, { app: 'web', env: 'b' })).toBe(true);
    expect(matchesLabels(s, { app: 'web', env: 'c' })).toBe(false);
    expect(matchesLabels(s, { app: 'web', env: 'a', x: '1' })).toBe(false);
    expect(formatLabelSelector(s)).toBe('app=web,env in (a,b),!x');
  });
  it('rejects an unknown operator', () => {
    expect(() => labelSelectorFromSpec({ matchExpressions: [{ key: 'a', operator: 'Near' }] })).toThrow(SelectorParseError);
  });
});
