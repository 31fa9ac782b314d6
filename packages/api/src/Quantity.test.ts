import * as E from 'fp-ts/lib/Either';
import { parseQuantity, QUANTITY_FORMAT_ERROR, QUANTITY_SUFFIX_ERROR } from './Quantity';

describe('parseQuantity', () => {
  it.each([
    ['0', 0],
    ['1', 1],
    ['500m', 0.5],
    ['100m', 0.1],
    ['0.1', 0.1],
    ['1.5', 1.5],
    ['.5', 0.5],
    ['5.', 5],
    ['-1', -1],
    ['+2k', 2000],
    ['1Ki', 1024],
    ['1Mi', 1048576],
    ['1.5Gi', 1610612736],
    ['2Ti', 2 * 2 ** 40],
    ['1Pi', 2 ** 50],
    ['1Ei', 2 ** 60],
    ['5n', 5e-9],
    ['5u', 5e-6],
    ['1M', 1e6],
    ['1G', 1e9],
    ['1T', 1e12],
    ['1P', 1e15],
    ['1E', 1e18],
    ['1e3', 1000],
    ['1E3', 1000],
    ['1.5e+2', 150],
    ['25e-1', 2.5],
    [' 64Mi ', 64 * 2 ** 20],
    ['-0', 0],
    [2, 2],
    [0.25, 0.25],
  ] as const)('%j is %d', (q, value) => {
    expect(parseQuantity(q)).toEqual(E.right({ value }));
  });

  it.each(['invalid', '1.5.5', '10Kb', '', '   ', '1 Gi', '1e3.5', '0x10', '1GB', 'ten'])('%j breaks the grammar', (q) => {
    expect(parseQuantity(q)).toEqual(E.left(QUANTITY_FORMAT_ERROR));
  });

  it.each(['10K', '1mi', '3e', '1ki', '2mm', '1Mk', '1e+', '--1'])('%j has an unknown suffix', (q) => {
    expect(parseQuantity(q)).toEqual(E.left(QUANTITY_SUFFIX_ERROR));
  });

  it.each(['Mi', '.', '+', 'k'])('%j reads as zero, as the API server reads it (no digits at all)', (q) => {
    expect(parseQuantity(q)).toEqual(E.right({ value: 0 }));
  });

  it('trims surrounding white space, as when the value comes out of JSON', () => {
    expect(parseQuantity(' 1Gi\n')).toEqual(E.right({ value: 2 ** 30 }));
  });

  it("words the grammar error as the API server does", () => {
    expect(parseQuantity('invalid')).toEqual(E.left("quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"));
  });

  it('rejects a non-finite number', () => {
    expect(E.isLeft(parseQuantity(Number.NaN))).toBe(true);
    expect(E.isLeft(parseQuantity(Number.POSITIVE_INFINITY))).toBe(true);
  });

  it('refuses, never throws on, a value that is neither a string nor a number (a resource list keeps anything)', () => {
    expect(E.isLeft(parseQuantity([] as never))).toBe(true);
    expect(E.isLeft(parseQuantity({ a: 1 } as never))).toBe(true);
    expect(E.isLeft(parseQuantity(null as never))).toBe(true);
  });
});
