import { memoByKey } from './Memo';

test('memoByKey derives once per key, remembers undefined, and starts afresh at its bound', () => {
  const calls: string[] = [];
  const f = memoByKey((k: string) => (calls.push(k), k === 'none' ? undefined : k.length), 2);
  expect([f('ab'), f('ab'), f('none'), f('none')]).toEqual([2, 2, undefined, undefined]);
  expect(calls).toEqual(['ab', 'none']);
  f('xyz'); // the bound (2) is reached: the cache starts afresh with xyz
  f('ab');
  expect(calls).toEqual(['ab', 'none', 'xyz', 'ab']);
});
