import * as E from 'fp-ts/lib/Either';
import { parseSampleValue, readPrometheusResponse } from './PrometheusResponse';

const ok = (data: unknown, extra: Record<string, unknown> = {}) => JSON.stringify({ status: 'success', data, ...extra });

describe('readPrometheusResponse: results as conditions see them', () => {
  it.each([
    ['scalar -> number', ok({ resultType: 'scalar', result: [1700000000.1, '0.5'] }), 0.5],
    ['vector -> one number per series', ok({ resultType: 'vector', result: [{ metric: { a: '1' }, value: [1, '0.97'] }, { metric: { a: '2' }, value: [1, '0.5'] }] }), [0.97, 0.5]],
    ['empty vector -> []', ok({ resultType: 'vector', result: [] }), []],
    [
      'matrix -> every sample, series by series',
      ok({ resultType: 'matrix', result: [{ metric: {}, values: [[1, '1'], [2, '2']] }, { metric: {}, values: [[1, '3']] }] }),
      [1, 2, 3],
    ],
    ['empty matrix -> []', ok({ resultType: 'matrix', result: [] }), []],
    ['exponent notation', ok({ resultType: 'scalar', result: [1, '1e-3'] }), 0.001],
  ])('%s', (_name, body, expected) => {
    const r = readPrometheusResponse(200, body);
    expect(r).toEqual(E.right({ value: expected, warnings: [] }));
  });

  it('keeps NaN and infinities as numbers', () => {
    const r = readPrometheusResponse(200, ok({ resultType: 'vector', result: [{ value: [1, 'NaN'] }, { value: [1, '+Inf'] }, { value: [1, '-Inf'] }] }));
    expect(E.isRight(r) && r.right.value).toEqual([Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]);
  });

  it('returns warnings', () => {
    const r = readPrometheusResponse(200, ok({ resultType: 'scalar', result: [1, '1'] }, { warnings: ['w1', 'w2'] }));
    expect(E.isRight(r) && r.right.warnings).toEqual(['w1', 'w2']);
  });
});

describe('readPrometheusResponse: errors', () => {
  it.each([
    ['bad query (400)', 400, JSON.stringify({ status: 'error', errorType: 'bad_data', error: 'parse error' }), 'ProviderResponseInvalid', 'bad_data: parse error'],
    ['execution error (422)', 422, JSON.stringify({ status: 'error', errorType: 'execution', error: 'boom' }), 'ProviderResponseInvalid', 'execution: boom'],
    ['200 with status error', 200, JSON.stringify({ status: 'error', errorType: 'bad_data', error: 'x' }), 'ProviderResponseInvalid', 'bad_data: x'],
    ['query timeout (503 JSON)', 503, JSON.stringify({ status: 'error', errorType: 'timeout', error: 'query timed out' }), 'ProviderUnavailable', 'server_error: server error: 503'],
    ['400 claiming success', 400, ok({ resultType: 'scalar', result: [1, '1'] }), 'ProviderResponseInvalid', 'bad_response: inconsistent body for response code'],
    ['502 from a proxy', 502, '<html>bad gateway</html>', 'ProviderUnavailable', 'server_error: server error: 502'],
    ['401', 401, 'unauthorized', 'ProviderResponseInvalid', 'client_error: client error: 401'],
    ['429', 429, '', 'ProviderUnavailable', 'client_error: client error: 429 (rate limited)'],
    ['non-JSON 200', 200, 'hello', 'ProviderResponseInvalid', 'bad_response: Unexpected token'],
    ['string result', 200, ok({ resultType: 'string', result: [1, 'x'] }), 'ProviderResponseInvalid', 'Prometheus metric type not supported'],
    ['unparsable sample', 200, ok({ resultType: 'vector', result: [{ value: [1, 'abc'] }] }), 'ProviderResponseInvalid', 'bad_response: result[0].value: sample value "abc" is not a number'],
    ['no data', 200, JSON.stringify({ status: 'success' }), 'ProviderResponseInvalid', 'bad_response: the answer has no data'],
  ])('%s', (_name, status, body, tag, message) => {
    const r = readPrometheusResponse(status, body);
    expect(E.isLeft(r)).toBe(true);
    if (E.isLeft(r)) {
      expect(r.left._tag).toBe(tag);
      expect(r.left.message).toContain(message);
      expect(r.left.retryable).toBe(tag === 'ProviderUnavailable');
    }
  });
});

describe('parseSampleValue', () => {
  it.each([
    ['0', 0],
    ['-1.5', -1.5],
    ['Inf', Number.POSITIVE_INFINITY],
  ])('%s', (text, n) => expect(parseSampleValue(text)).toEqual(E.right(n)));
  it.each([[''], ['1,5'], [1]])('rejects %p', (text) => expect(E.isLeft(parseSampleValue(text))).toBe(true));
});
