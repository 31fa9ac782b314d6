import fc from 'fast-check';
import { EARLIEST_RFC3339_MS, LATEST_RFC3339_MS, writableTime, fromRfc3339, toRfc3339 } from './Time';

const GO_ZERO = -62_135_596_800_000; // 0001-01-01T00:00:00Z
const T = Date.UTC(2026, 0, 2, 3, 4, 5); // 2026-01-02T03:04:05Z

describe('toRfc3339', () => {
  it.each([
    ['the epoch', 0, '1970-01-01T00:00:00Z'],
    ['a whole second', T, '2026-01-02T03:04:05Z'],
    ['drops milliseconds', T + 999, '2026-01-02T03:04:05Z'],
    ['drops a fraction of a millisecond', T + 0.5, '2026-01-02T03:04:05Z'],
    ['rounds towards the past before the epoch', -1, '1969-12-31T23:59:59Z'],
    ['pads small years (Go zero time)', GO_ZERO, '0001-01-01T00:00:00Z'],
    ['last expressible second', Date.UTC(9999, 11, 31, 23, 59, 59, 999), '9999-12-31T23:59:59Z'],
    ['leap day', Date.UTC(2024, 1, 29, 12, 0, 0), '2024-02-29T12:00:00Z'],
  ])('%s', (_name, ms, expected) => {
    expect(toRfc3339(ms)).toBe(expected);
  });

  it.each([
    ['NaN', Number.NaN],
    ['Infinity', Number.POSITIVE_INFINITY],
    ['year 10000', Date.UTC(10000, 0, 1)],
    ['a year before 0', GO_ZERO - 366 * 86_400_000 * 2],
    ['beyond Date', 9e15],
  ])('rejects %s', (_name, ms) => {
    expect(() => toRfc3339(ms)).toThrow(RangeError);
  });
});

describe('fromRfc3339', () => {
  it.each([
    ['UTC', '2026-01-02T03:04:05Z', T],
    ['half a second', '2026-01-02T03:04:05.5Z', T + 500],
    ['nanoseconds truncate to milliseconds', '2026-01-02T03:04:05.123999999Z', T + 123],
    ['positive offset', '2026-01-02T05:04:05+02:00', T],
    ['negative offset crossing midnight', '2026-01-01T22:04:05-05:00', T],
    ['offset with minutes', '2026-01-02T08:34:05+05:30', T],
    ['zero offset', '2026-01-02T03:04:05+00:00', T],
    ['fraction and offset', '2026-01-02T04:04:05.250+01:00', T + 250],
    ['Go zero time', '0001-01-01T00:00:00Z', GO_ZERO],
    ['two-digit year is not 19xx', '0050-06-01T00:00:00Z', -60_576_249_600_000],
    ['leap day', '2024-02-29T00:00:00Z', Date.UTC(2024, 1, 29)],
    ['year 2000 is a leap year', '2000-02-29T00:00:00Z', Date.UTC(2000, 1, 29)],
  ])('%s', (_name, s, expected) => {
    expect(fromRfc3339(s)).toBe(expected);
  });

  it.each([
    ['empty', ''],
    ['date only', '2026-01-02'],
    ['no zone', '2026-01-02T03:04:05'],
    ['space instead of T', '2026-01-02 03:04:05Z'],
    ['lower-case t', '2026-01-02t03:04:05Z'],
    ['lower-case z', '2026-01-02T03:04:05z'],
    ['month 13', '2026-13-01T00:00:00Z'],
    ['month 0', '2026-00-01T00:00:00Z'],
    ['day 0', '2026-01-00T00:00:00Z'],
    ['30 February', '2026-02-30T00:00:00Z'],
    ['29 February in a common year', '2026-02-29T00:00:00Z'],
    ['29 February 1900', '1900-02-29T00:00:00Z'],
    ['31 April', '2026-04-31T00:00:00Z'],
    ['hour 24', '2026-01-01T24:00:00Z'],
    ['minute 60', '2026-01-01T00:60:00Z'],
    ['leap second', '2026-01-01T23:59:60Z'],
    ['empty fraction', '2026-01-01T00:00:00.Z'],
    ['offset hour 24', '2026-01-01T00:00:00+24:00'],
    ['offset without colon', '2026-01-01T00:00:00+0200'],
    ['trailing text', '2026-01-01T00:00:00Z '],
  ])('rejects %s', (_name, s) => {
    expect(fromRfc3339(s)).toBeUndefined();
  });

  it('reads back what toRfc3339 writes, at whole-second precision', () => {
    fc.assert(
      fc.property(fc.integer({ min: GO_ZERO, max: Date.UTC(9999, 11, 31, 23, 59, 59, 999) }), (ms) => {
        expect(fromRfc3339(toRfc3339(ms))).toBe(Math.floor(ms / 1000) * 1000);
      }),
    );
  });
});

describe('writableTime', () => {
  it('brings any time into the years toRfc3339 can write', () => {
    expect(toRfc3339(writableTime(1e20)!)).toBe('9999-12-31T23:59:59Z');
    expect(toRfc3339(writableTime(-1e20)!)).toBe('0000-01-01T00:00:00Z');
    expect(writableTime(Number.POSITIVE_INFINITY)).toBe(LATEST_RFC3339_MS);
    expect(writableTime(Number.NEGATIVE_INFINITY)).toBe(EARLIEST_RFC3339_MS);
    expect(writableTime(1_700_000_000_000)).toBe(1_700_000_000_000);
  });

  it('is undefined for what is no time at all', () => {
    expect(writableTime(Number.NaN)).toBeUndefined();
    expect(writableTime('soon' as never)).toBeUndefined();
  });
});
