import { sortKeysInPlace } from './UnstructuredOrder';

describe('sortKeysInPlace', () => {
  test.each([
    ['flat', { name: 'a', match: 1, route: 2 }, ['match', 'name', 'route']],
    ['already sorted', { a: 1, b: 2 }, ['a', 'b']],
    ['upper case before lower (byte order)', { b: 1, B: 2, a: 3 }, ['B', 'a', 'b']],
    ['prefix first', { ab: 1, a: 2 }, ['a', 'ab']],
    ['beyond the BMP by code point', { '\u{1F600}': 1, '\uFFFD': 2 }, ['\uFFFD', '\u{1F600}']],
  ])('%s', (_, obj, keys) => {
    expect(Object.keys(sortKeysInPlace(obj))).toEqual(keys);
  });

  test('every level, arrays kept in order, the same object returned', () => {
    const inner = { z: 1, y: { q: 1, p: 2 } };
    const obj = { spec: { http: [{ route: [], name: 'b' }, { name: 'a', match: [] }] }, apiVersion: 'x/v1', kind: 'K', metadata: { name: 'n', generation: 1 }, inner };
    const out = sortKeysInPlace(obj);
    expect(out).toBe(obj);
    expect(out.inner).toBe(inner);
    expect(JSON.stringify(out)).toBe(
      '{"apiVersion":"x/v1","inner":{"y":{"p":2,"q":1},"z":1},"kind":"K","metadata":{"generation":1,"name":"n"},"spec":{"http":[{"name":"b","route":[]},{"match":[],"name":"a"}]}}',
    );
  });

  test('scalars and null are left alone', () => {
    expect(sortKeysInPlace(null)).toBeNull();
    expect(sortKeysInPlace(3)).toBe(3);
    expect(sortKeysInPlace(['b', 'a'])).toEqual(['b', 'a']);
  });
});
