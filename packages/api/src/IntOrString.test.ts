import * as E from 'fp-ts/lib/Either';
import fc from 'fast-check';
import { goAtoi, intOrPercentValue, resolveFenceposts } from './IntOrString';

describe('intOrPercentValue', () => {
  it.each([
    // value, total, roundUp, expected
    [5, 10, true, 5],
    [0, 10, false, 0],
    ['50%', 10, true, 5],
    ['25%', 10, true, 3], // 2.5 up
    ['25%', 10, false, 2], // 2.5 down
    ['25', 10, true, 3], // a string without % is still a percentage
    ['25', 10, false, 2],
    ['1%', 1, true, 1],
    ['1%', 1, false, 0],
    ['100%', 7, false, 7],
    ['0%', 100, true, 0],
    ['5%%', 100, false, 5], // every % is dropped
    ['-5%', 100, false, -5],
    ['+10%', 10, true, 1],
    ['33%', 3, true, 1], // 0.99 up
    ['67%', 3, false, 2], // 2.01 down
  ] as const)('%j of %d (roundUp %s) is %d', (v, total, roundUp, expected) => {
    expect(intOrPercentValue(v, total, roundUp)).toEqual(E.right(expected));
  });

  it.each([
    ['abc', 'invalid value for IntOrString: invalid value "abc": strconv.Atoi: parsing "abc": invalid syntax'],
    ['', 'invalid value for IntOrString: invalid value "": strconv.Atoi: parsing "": invalid syntax'],
    ['%', 'invalid value for IntOrString: invalid value "%": strconv.Atoi: parsing "": invalid syntax'],
    ['2.5%', 'invalid value for IntOrString: invalid value "2.5%": strconv.Atoi: parsing "2.5": invalid syntax'],
    ['99999999999999999999%', 'invalid value for IntOrString: invalid value "99999999999999999999%": strconv.Atoi: parsing "99999999999999999999": value out of range'],
  ])('%j is an error value', (v, message) => {
    expect(intOrPercentValue(v, 10, true)).toEqual(E.left(message));
  });

  it('rejects a fractional number', () => {
    expect(E.isLeft(intOrPercentValue(1.5, 10, true))).toBe(true);
  });

  it('rounds a percentage up for surge and down for unavailability, never apart by more than one', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 100 }), fc.integer({ min: 0, max: 10_000 }), (percent, total) => {
        const up = intOrPercentValue(`${percent}%`, total, true);
        const down = intOrPercentValue(`${percent}`, total, false);
        if (E.isLeft(up) || E.isLeft(down)) return false;
        return up.right >= down.right && up.right - down.right <= 1 && down.right <= total && down.right * 100 <= percent * total;
      }),
    );
  });
});

describe('goAtoi', () => {
  it.each([
    ['0', 0],
    ['-12', -12],
    ['+7', 7],
    ['007', 7],
    ['9223372036854775807', 9223372036854775807],
  ])('%j is %d', (s, n) => expect(goAtoi(s)).toEqual(E.right(n)));
  it.each(['', ' 1', '1e3', '0x10', '9223372036854775808'])('%j is an error', (s) => expect(E.isLeft(goAtoi(s))).toBe(true));
});

describe('resolveFenceposts', () => {
  it.each([
    // maxSurge, maxUnavailable, replicas, expected
    [undefined, undefined, 10, { maxSurge: 3, maxUnavailable: 2 }], // defaults 25%: 2.5 up / 2.5 down
    [null, null, 4, { maxSurge: 1, maxUnavailable: 1 }],
    [5, undefined, 10, { maxSurge: 5, maxUnavailable: 2 }],
    ['50%', undefined, 10, { maxSurge: 5, maxUnavailable: 2 }],
    [undefined, 10, 5, { maxSurge: 2, maxUnavailable: 5 }], // capped at replicas
    [0, 0, 10, { maxSurge: 0, maxUnavailable: 1 }], // both 0: one pod may go
    ['0%', '0', 10, { maxSurge: 0, maxUnavailable: 1 }],
    ['10%', '10%', 1, { maxSurge: 1, maxUnavailable: 0 }], // surge 0.1 up = 1, unavailable 0.1 down = 0
    [undefined, undefined, 0, { maxSurge: 0, maxUnavailable: 0 }],
    [3, 3, 0, { maxSurge: 3, maxUnavailable: 0 }],
    ['25', '25', 10, { maxSurge: 3, maxUnavailable: 2 }],
  ] as const)('surge %j, unavailable %j, %d replicas', (surge, unavailable, replicas, expected) => {
    expect(resolveFenceposts(surge, unavailable, replicas)).toEqual(E.right(expected));
  });

  it('passes an unreadable limit on as an error value', () => {
    expect(resolveFenceposts('lots', undefined, 10)).toEqual(
      E.left('invalid value for IntOrString: invalid value "lots": strconv.Atoi: parsing "lots": invalid syntax'),
    );
    expect(E.isLeft(resolveFenceposts(1, 'x%', 10))).toBe(true);
  });

  it('never lets both limits be zero for a non-empty rollout, and never exceeds replicas for unavailability', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.integer({ min: 0, max: 50 }), fc.integer({ min: 0, max: 100 }).map((n) => `${n}%`)),
        fc.oneof(fc.integer({ min: 0, max: 50 }), fc.integer({ min: 0, max: 100 }).map((n) => `${n}%`)),
        fc.integer({ min: 1, max: 500 }),
        (surge, unavailable, replicas) => {
          const r = resolveFenceposts(surge, unavailable, replicas);
          if (E.isLeft(r)) return false;
          return r.right.maxSurge + r.right.maxUnavailable > 0 && r.right.maxUnavailable <= replicas;
        },
      ),
    );
  });
});
