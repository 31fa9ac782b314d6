import * as E from 'fp-ts/lib/Either';
import { csvRows } from './CsvRows';

describe('csvRows', () => {
  it.each([
    ['a,b\r\nc,d\r\n', [['a', 'b'], ['c', 'd']]],
    ['a,b\nc,d', [['a', 'b'], ['c', 'd']]],
    [',,\r\n\r\n,x,', [['', '', ''], [''], ['', 'x', '']]],
    ['"a,b","say ""hi"""\r\n', [['a,b', 'say "hi"']]],
    ['"two\r\nlines",x\n', [['two\nlines', 'x']]],
    ['"",""', [['', '']]],
    ['', []],
  ])('reads %j', (text, rows) => {
    expect(csvRows(text)).toEqual(E.right(rows));
  });

  it.each([
    ['a"b,c', /bare " in non-quoted-field \(line 1\)/],
    ['x\n"open,c', /extraneous or missing " in quoted-field \(record on line 2\)/],
    ['"a"b,c', /extraneous or missing "/],
    ['{"code":"x"}', /bare "/],
  ])('refuses %j', (text, message) => {
    const r = csvRows(text);
    expect(E.isLeft(r) && r.left).toMatch(message);
  });
});
