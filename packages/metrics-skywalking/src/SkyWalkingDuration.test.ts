import * as E from 'fp-ts/lib/Either';
import { durationOf, formatMinute, isTimeZone } from './SkyWalkingDuration';

describe('durationOf', () => {
  const NOW = Date.parse('2024-01-01T12:03:40Z');

  it.each([
    ['UTC', '5m', { start: '2024-01-01 1158', end: '2024-01-01 1203' }],
    ['Asia/Kolkata', '5m', { start: '2024-01-01 1728', end: '2024-01-01 1733' }],
    ['America/Los_Angeles', '24h', { start: '2023-12-31 0403', end: '2024-01-01 0403' }],
    ['Pacific/Chatham', '1h30m', { start: '2024-01-02 0018', end: '2024-01-02 0148' }], // UTC+13:45 in January,
  ])('time zone %s, interval %s', (tz, interval, expected) => {
    expect(durationOf(interval, NOW, tz)).toEqual(E.right({ ...expected, step: 'MINUTE' }));
  });

  it.each([
    ['', 'time: invalid duration ""'],
    ['5 minutes', 'time: unknown unit'],
    ['0s', 'interval must be more than zero'],
    ['-1m', 'interval must be more than zero'],
  ])('interval %j is refused', (interval, message) => {
    const r = durationOf(interval, NOW);
    expect(E.isLeft(r) && r.left).toContain(message);
  });
});

describe('formatMinute without a time zone', () => {
  it('uses the local time zone of the process (as upstream), zero-padded', () => {
    const t = new Date(2024, 0, 2, 3, 4, 59).getTime(); // local 2024-01-02 03:04:59
    expect(formatMinute(t)).toBe('2024-01-02 0304');
  });
  it('knows IANA zone names', () => {
    expect(isTimeZone('Europe/Paris')).toBe(true);
    expect(isTimeZone('Mars/Olympus')).toBe(false);
  });
});
