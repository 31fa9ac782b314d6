import * as E from 'fp-ts/lib/Either';
import { readInfluxqlResponse } from './InfluxqlResponse';

const series = (name: string, columns: string[], values: unknown[][], tags?: Record<string, string>) => ({ name, ...(tags ? { tags } : {}), columns, values });
const body = (...results: unknown[]) => JSON.stringify({ results });

describe('readInfluxqlResponse', () => {
  it.each([
    ['rows of one series', body({ statement_id: 0, series: [series('errors', ['time', 'ratio'], [['2024-01-01T00:00:00Z', 0.01], ['2024-01-01T00:00:10Z', 0.02]])] }), [0.01, 0.02]],
    ['an aggregate', body({ statement_id: 0, series: [series('errors', ['time', 'mean'], [['1970-01-01T00:00:00Z', 0.3]])] }), [0.3]],
    [
      'GROUP BY series, in order',
      body({ statement_id: 0, series: [series('errors', ['time', 'ratio'], [['t', 0.01]], { canary: 'healthy' }), series('errors', ['time', 'ratio'], [['t', 0.3]], { canary: 'unhealthy' })] }),
      [0.01, 0.3],
    ],
    ['several statements', body({ statement_id: 0, series: [series('a', ['time', 'v'], [['t', 1]])] }, { statement_id: 1, series: [series('b', ['time', 'v'], [['t', 2]])] }), [1, 2]],
    ['nulls, strings and booleans', body({ statement_id: 0, series: [series('a', ['time', 'v'], [['t', null], ['t', 'x'], ['t', true]])] }), [null, 'x', true]],
    ['SHOW without a time column', body({ statement_id: 0, series: [series('measurements', ['name'], [['errors'], ['latency']])] }), ['errors', 'latency']],
    ['no series', body({ statement_id: 0 }), []],
  ])('%s', (_name, text, values) => {
    const r = readInfluxqlResponse(text);
    expect(E.isRight(r) && r.right.values).toEqual(values);
  });

  it('keeps the messages as warnings', () => {
    const r = readInfluxqlResponse(body({ statement_id: 0, messages: [{ level: 'warning', text: 'deprecated use' }] }));
    expect(E.isRight(r) && r.right.messages).toEqual(['warning: deprecated use']);
  });

  it.each([
    ['a top-level error', JSON.stringify({ error: 'error parsing query: found SELEC' }), 'query', 'error parsing query: found SELEC'],
    ['a statement error', body({ statement_id: 0, error: 'database not found: nodb' }), 'query', 'database not found: nodb'],
    ['an error in the second statement', body({ statement_id: 0 }, { statement_id: 1, error: 'x' }), 'query', 'statement 1: x'],
    ['several fields', body({ statement_id: 0, series: [series('errors', ['time', 'canary', 'ratio'], [['t', 'a', 1]])] }), 'query', 'series "errors" has the columns time, canary, ratio: select exactly one field or aggregate besides time (result is one value per row)'],
  ])('reports %s', (_name, text, kind, message) => {
    expect(readInfluxqlResponse(text)).toEqual(E.left({ kind, message }));
  });

  it.each([
    ['not JSON', '<html>', /not JSON/],
    ['not an object', '[1]', /not a JSON object/],
    ['no results', '{}', /no "results" array/],
    ['no columns', body({ statement_id: 0, series: [{ name: 'a', values: [] }] }), /has no "columns" list/],
    ['a short row', body({ statement_id: 0, series: [series('a', ['time', 'v'], [['t']])] }), /row 0 does not have 2 values/],
    ['an object value', body({ statement_id: 0, series: [series('a', ['time', 'v'], [['t', {}]])] }), /not a number, string or boolean/],
  ])('refuses %s', (_name, text, message) => {
    const r = readInfluxqlResponse(text);
    expect(E.isLeft(r) && r.left.kind).toBe('parse');
    expect(E.isLeft(r) && r.left.message).toMatch(message);
  });
});
