import { canaryFenceposts } from './Fenceposts';

describe('canaryFenceposts', () => {
  it.each([
    // [name, replicas, maxSurge, maxUnavailable, expected surge, expected unavailable]
    ['absolute surge', 10, 5, undefined, 5, 2],
    ['percent surge rounds up', 10, '50%', undefined, 5, 2],
    ['unavailable capped at replicas', 5, undefined, 10, 2, 5],
    ['0 replicas: unavailable 0, percent surge 0', 0, undefined, undefined, 0, 0],
    ['0 replicas keeps an absolute surge', 0, 2, 3, 2, 0],
    ['defaults 25% / 25% of 10: surge up, unavailable down', 10, undefined, undefined, 3, 2],
    ['null means default', 10, null, null, 3, 2],
    ['defaults of 3', 3, undefined, undefined, 1, 0],
    ['defaults of 1', 1, undefined, undefined, 1, 0],
    ['both 0 -> unavailable 1', 10, 0, 0, 0, 1],
    ['both "0%" -> unavailable 1', 10, '0%', '0%', 0, 1],
    ['both resolve to 0 -> unavailable 1', 3, 0, '25%', 0, 1],
    ['both 0 with 0 replicas -> unavailable 0', 0, 0, 0, 0, 0],
    ['bare strings are percentages (legacy)', 10, '20', '20', 2, 2],
    ['every % is dropped (legacy)', 10, '%25%', '25', 3, 2],
    ['1% of 10: surge 1, unavailable 0', 10, '1%', '1%', 1, 0],
    ['surge not capped', 4, 10, 0, 10, 0],
    ['percent above 100', 3, '200%', '200%', 6, 3],
  ] as const)('%s', (_name, replicas, maxSurge, maxUnavailable, surge, unavailable) => {
    expect(canaryFenceposts(replicas, maxSurge, maxUnavailable)).toEqual({ maxSurge: surge, maxUnavailable: unavailable });
  });

  it.each([
    ['maxSurge', 'abc', 1],
    ['maxSurge', '', 1],
    ['maxSurge', 1.5, 1],
    ['maxSurge', -1, 1],
    ['maxSurge', '-5%', 1],
    ['maxUnavailable', 1, '-1%'], // resolves to -0 of 10 pods: still negative
    ['maxUnavailable', 1, '2.5%'],
    ['maxUnavailable', 1, -2],
  ] as const)('rejects a bad %s (%p / %p)', (field, maxSurge, maxUnavailable) => {
    const call = () => canaryFenceposts(10, maxSurge, maxUnavailable);
    expect(call).toThrow(RangeError);
    expect(call).toThrow(new RegExp(`^${field} must be a non-negative integer or percentage`));
  });

  it('rejects bad replicas', () => {
    expect(() => canaryFenceposts(-1, 1, 1)).toThrow(/^replicas must be/);
  });
});

describe('canaryFenceposts keeps its answers', () => {
  test('the same arguments give the same frozen object; a number and a string limit are different keys', () => {
    const a = canaryFenceposts(10, '25%', 1);
    expect(canaryFenceposts(10, '25%', 1)).toBe(a);
    expect(Object.isFrozen(a)).toBe(true);
    expect(canaryFenceposts(10, 3, 1)).toEqual({ maxSurge: 3, maxUnavailable: 1 });
    expect(canaryFenceposts(10, '30%', 1)).toEqual({ maxSurge: 3, maxUnavailable: 1 });
  });
  test('bad input throws every time (errors are not kept)', () => {
    expect(() => canaryFenceposts(-1, 1, 1)).toThrow(RangeError);
    expect(() => canaryFenceposts(-1, 1, 1)).toThrow(RangeError);
  });
});
