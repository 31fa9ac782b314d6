import { mergedMaps, withEntry, withField } from './Records';

test('withEntry copies the map and sets one entry, leaving the input alone', () => {
  const labels = { app: 'web' };
  expect(withEntry(labels, 'rollouts-pod-template-hash', 'abc')).toEqual({ app: 'web', 'rollouts-pod-template-hash': 'abc' });
  expect(withEntry(undefined, 'k', 'v')).toEqual({ k: 'v' });
  expect(labels).toEqual({ app: 'web' });
});

test('mergedMaps lets the second map win', () => {
  expect(mergedMaps({ a: '1', b: '1' }, { b: '2' })).toEqual({ a: '1', b: '2' });
  expect(mergedMaps(null, undefined)).toEqual({});
});

test('withField sets a field the object lacks or has', () => {
  const arg: { name: string; value?: string } = { name: 'x' };
  expect(withField(arg, 'value', 'v')).toEqual({ name: 'x', value: 'v' });
  expect(withField({ name: 'x', value: 'old' }, 'value', 'new')).toEqual({ name: 'x', value: 'new' });
  expect(arg).toEqual({ name: 'x' });
});

test('a __proto__ key from JSON is not copied, so it cannot set the copy\'s prototype', () => {
  const parsed = JSON.parse('{"a":"1","__proto__":{"polluted":"yes"}}') as Record<string, string>;
  const copy = mergedMaps(parsed, {}) as Record<string, unknown>;
  expect(Object.getPrototypeOf(copy)).toBe(Object.prototype);
  expect(copy['polluted']).toBeUndefined();
  expect(copy).toEqual({ a: '1' });
  const field = withField(parsed as object as { a: string }, 'a', '2') as Record<string, unknown>;
  expect(Object.getPrototypeOf(field)).toBe(Object.prototype);
  expect(field['polluted']).toBeUndefined();
});
