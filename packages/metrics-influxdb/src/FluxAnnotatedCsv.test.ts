import * as E from 'fp-ts/lib/Either';
import { fluxCell, parseGoDuration, readFluxAnnotatedCsv } from './FluxAnnotatedCsv';

/** One table as InfluxDB 2 writes it: CRLF line ends, a blank line after the table. */
const table = (lines: string[]) => lines.map((l) => `${l}\r\n`).join('') + '\r\n';

const DOUBLE_TABLE = table([
  '#datatype,string,long,dateTime:RFC3339,dateTime:RFC3339,dateTime:RFC3339,double,string,string',
  '#group,false,false,true,true,false,false,true,true',
  '#default,_result,,,,,,,',
  ',result,table,_start,_stop,_time,_value,_field,_measurement',
  ',,0,2024-01-01T00:00:00Z,2024-01-01T00:15:00Z,2024-01-01T00:10:00Z,0.004,rate,errors',
  ',,0,2024-01-01T00:00:00Z,2024-01-01T00:15:00Z,2024-01-01T00:11:00Z,0.006,rate,errors',
  ',,1,2024-01-01T00:00:00Z,2024-01-01T00:15:00Z,2024-01-01T00:10:00Z,0.3,rate,errors',
]);

const LONG_TABLE = table([
  '#datatype,string,long,string,long',
  '#group,false,false,true,false',
  '#default,_result,,,',
  ',result,table,host,_value',
  ',,0,a,42',
  ',,0,b,',
]);

const ERROR_TABLE = table(['#datatype,string,string', '#group,true,true', '#default,,', ',error,reference', ',"runtime error @2:5-2:40: undefined identifier x",897']);

describe('readFluxAnnotatedCsv', () => {
  it('gives the _value of every row of every table, typed', () => {
    expect(readFluxAnnotatedCsv(DOUBLE_TABLE)).toEqual(E.right([0.004, 0.006, 0.3]));
  });

  it('reads several blocks with different schemas; an empty cell without default is null', () => {
    expect(readFluxAnnotatedCsv(DOUBLE_TABLE + LONG_TABLE)).toEqual(E.right([0.004, 0.006, 0.3, 42, null]));
  });

  it('fills an empty cell from #default', () => {
    const body = table(['#datatype,string,long,double', '#group,false,false,false', '#default,_result,,1.5', ',result,table,_value', ',,0,', ',,0,2']);
    expect(readFluxAnnotatedCsv(body)).toEqual(E.right([1.5, 2]));
  });

  it('accepts LF line ends and annotations in another order', () => {
    expect(readFluxAnnotatedCsv('#group,false,false,false\n#datatype,string,long,boolean\n#default,_result,,\n,result,table,_value\n,,0,true\n,,0,false\n')).toEqual(E.right([true, false]));
  });

  it('gives null for a table without a _value column (as upstream)', () => {
    expect(readFluxAnnotatedCsv(table(['#datatype,string,long,double', '#group,false,false,false', '#default,_result,,', ',result,table,ratio', ',,0,0.5']))).toEqual(E.right([null]));
  });

  it('gives [] for an empty answer', () => {
    expect(readFluxAnnotatedCsv('')).toEqual(E.right([]));
    expect(readFluxAnnotatedCsv('\r\n')).toEqual(E.right([]));
  });

  it('reports an error table as the query error, even after data (upstream drops it)', () => {
    expect(readFluxAnnotatedCsv(ERROR_TABLE)).toEqual(E.left({ kind: 'query', message: 'runtime error @2:5-2:40: undefined identifier x (reference 897)' }));
    expect(readFluxAnnotatedCsv(DOUBLE_TABLE + ERROR_TABLE)).toEqual(E.left({ kind: 'query', message: 'runtime error @2:5-2:40: undefined identifier x (reference 897)' }));
    expect(readFluxAnnotatedCsv(table(['#datatype,string,string', ',error,reference', ',,']))).toEqual(E.left({ kind: 'query', message: 'unknown query error' }));
  });

  it.each([
    ['a JSON body', '{"code":"invalid","message":"x"}', /bare "/],
    ['HTML', '<html><body>proxy error</body></html>\n', /unexpected row starting with "<html><body>proxy error<\/body><\/html>"/],
    ['data before annotations', ',result,table,_value\n,,0,1\n', /annotations not found/],
    ['no #datatype', '#group,false,false,false\n,result,table,_value\n,,0,1\n', /datatype annotation not found/],
    ['a short row', '#datatype,string,long,double\n,result,table,_value\n,,0\n', /different number of columns than the table: 2 vs 3/],
    ['a bad double', '#datatype,string,long,double\n,result,table,_value\n,,0,abc\n', /column _value: "abc" is not a valid double/],
    ['a bad value in another column', '#datatype,string,long,double\n,result,table,_value\n,,x,1\n', /column table: "x" is not a valid long/],
    ['an unknown datatype', '#datatype,string,long,decimal\n,result,table,_value\n,,0,1\n', /_value has unknown data type decimal/],
  ])('refuses %s', (_name, body, message) => {
    const r = readFluxAnnotatedCsv(body);
    expect(E.isLeft(r) && r.left.kind).toBe('parse');
    expect(E.isLeft(r) && r.left.message).toMatch(message);
  });
});

describe('fluxCell', () => {
  it.each([
    ['0.5', 'double', 0.5],
    ['+Inf', 'double', Number.POSITIVE_INFINITY],
    ['-Inf', 'double', Number.NEGATIVE_INFINITY],
    ['NaN', 'double', Number.NaN],
    ['1e-3', 'double', 0.001],
    ['-42', 'long', -42],
    ['42', 'unsignedLong', 42],
    ['true', 'boolean', true],
    ['FALSE', 'boolean', false],
    ['x', 'string', 'x'],
    ['2024-01-01T00:10:00.123456789Z', 'dateTime:RFC3339Nano', '2024-01-01T00:10:00.123456789Z'],
    ['1h2m3.5s', 'duration', 3_723_500_000_000],
    ['aGk=', 'base64Binary', [104, 105]],
    ['', 'double', null],
  ])('reads %j as %s', (text, datatype, value) => {
    expect(fluxCell(text, datatype, '_value')).toEqual(E.right(value));
  });

  it.each([
    ['1.5', 'long'],
    ['-1', 'unsignedLong'],
    ['yesterday', 'dateTime:RFC3339'],
    ['5 minutes', 'duration'],
    ['a', 'base64Binary'],
  ])('refuses %j as %s', (text, datatype) => {
    expect(E.isLeft(fluxCell(text, datatype, '_value'))).toBe(true);
  });
});

describe('parseGoDuration', () => {
  it.each([
    ['0', 0],
    ['1ns', 1],
    ['1.5us', 1500],
    ['150ms', 150_000_000],
    ['-2m', -120_000_000_000],
    ['1h30m', 5_400_000_000_000],
  ])('%s = %d ns', (text, ns) => {
    expect(parseGoDuration(text)).toEqual(E.right(ns));
  });

  it.each(['', '1', 'h', '1d', '1h 2m'])('refuses %j', (text) => {
    expect(E.isLeft(parseGoDuration(text))).toBe(true);
  });
});
