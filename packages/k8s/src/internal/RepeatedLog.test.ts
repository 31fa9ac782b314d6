import { createRepeatedLog } from './RepeatedLog';

describe('createRepeatedLog', () => {
  it('logs a new message at once, the same one again after 10 s, 20 s, 40 s ... up to the cap', () => {
    const r = createRepeatedLog(10, 40);
    const at = [0, 5, 10, 15, 29, 30, 60, 69, 70, 109, 110, 150].filter((t) => r.due('down', t));
    expect(at).toEqual([0, 10, 30, 70, 110, 150]);
  });

  it('starts over for a different message and after clear()', () => {
    const r = createRepeatedLog(10, 40);
    expect(r.due('a', 0)).toBe(true);
    expect(r.due('a', 1)).toBe(false);
    expect(r.due('b', 2)).toBe(true);
    expect(r.due('b', 3)).toBe(false);
    r.clear();
    expect(r.due('b', 4)).toBe(true);
  });
});
