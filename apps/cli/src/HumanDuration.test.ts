import { age, humanDuration } from './HumanDuration';

describe('humanDuration (as kubectl prints ages)', () => {
  const s = 1000;
  const m = 60 * s;
  const h = 60 * m;
  const d = 24 * h;
  it.each<[number, string]>([
    [-5 * s, '<invalid>'],
    [-500, '0s'],
    [0, '0s'],
    [119 * s, '119s'],
    [2 * m, '2m'],
    [3 * m + 20 * s, '3m20s'],
    [10 * m + 5 * s, '10m'],
    [179 * m, '179m'],
    [3 * h, '3h'],
    [3 * h + 59 * m, '3h59m'],
    [8 * h, '8h'],
    [47 * h, '47h'],
    [2 * d, '2d'],
    [7 * d + 3 * h, '7d3h'],
    [8 * d, '8d'],
    [729 * d, '729d'],
    [2 * 365 * d, '2y'],
    [3 * 365 * d + 30 * d, '3y30d'],
    [9 * 365 * d, '9y'],
  ])('%d ms -> %s', (ms, want) => {
    expect(humanDuration(ms)).toBe(want);
  });
  it('ages a timestamp, and leaves a missing one empty', () => {
    expect(age('2026-11-26T17:00:00Z', Date.parse('2026-11-26T17:03:20Z'))).toBe('3m20s');
    expect(age(undefined, 0)).toBe('');
    expect(age('garbage', 0)).toBe('');
  });
});
