import { memoByContent, memoByKey } from './Memo';

test('memoByKey derives once per key, remembers undefined, and starts afresh at its bound', () => {
  const calls: string[] = [];
  const f = memoByKey((k: string) => (calls.push(k), k === 'none' ? undefined : k.length), 2);
  expect([f('ab'), f('ab'), f('none'), f('none')]).toEqual([2, 2, undefined, undefined]);
  expect(calls).toEqual(['ab', 'none']);
  f('xyz'); // the bound (2) is reached: the cache starts afresh with xyz
  f('ab');
  expect(calls).toEqual(['ab', 'none', 'xyz', 'ab']);
});

test('memoByContent derives once per content: a new object with the same JSON is served from the cache', () => {
  const calls: string[] = [];
  const f = memoByContent((o: { name: string; n?: number }) => (calls.push(o.name), { upper: o.name.toUpperCase() }), 2);
  const a = { name: 'a' };
  const first = f(a);
  expect(f(a)).toBe(first); // same object
  expect(f({ name: 'a' })).toBe(first); // a new object, same content
  expect(f({ name: 'a', n: 1 })).not.toBe(first); // different content
  expect(calls).toEqual(['a', 'a']);
});

test('memoByContent keeps the most recently used contents up to its bound', () => {
  const calls: string[] = [];
  const f = memoByContent((o: { k: string }) => (calls.push(o.k), o.k), 2);
  f({ k: 'x' });
  f({ k: 'y' });
  f({ k: 'x' }); // x is now the most recent
  f({ k: 'z' }); // the bound: y (least recently used) goes
  f({ k: 'x' });
  f({ k: 'y' });
  expect(calls).toEqual(['x', 'y', 'z', 'y']);
});
