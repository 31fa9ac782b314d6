import * as E from 'fp-ts/lib/Either';
import { MAX_ERROR_BODY_SCAN, parseGraphiteNumber, readGraphiteResponse, summarizeErrorBody } from './GraphiteResponse';

const series = (datapoints: unknown, target = 'sumSeries(app.http.*.*.count)') => ({ target, tags: { name: target }, datapoints });

describe('readGraphiteResponse', () => {
  it.each([
    ['numbers', [series([[100, 1621348430], [2.5, 1621348490]])], [100, 2.5]],
    ['null values dropped', [series([[null, 1621348430], [0.5, 1621348490], [null, 1621348550]])], [0.5]],
    ['numeric strings', [series([['100.000000', 1621348430], ['1e-3', '1621348490']])], [100, 0.001]],
    ['only nulls', [series([[null, 1], [null, 2]])], []],
    ['a series without points', [series([])], []],
    ['no series (upstream: "no values found", #3503)', [], []],
    ['only the first series counts', [series([[1, 1]], 'a'), series([[9, 1]], 'b')], [1]],
    ['null timestamp', [series([[3, null]])], [3]],
    ['NaN and Inf strings', [series([['NaN', 1], ['-Inf', 2]])], [Number.NaN, Number.NEGATIVE_INFINITY]],
  ])('%s', (_name, body, values) => {
    const r = readGraphiteResponse(200, JSON.stringify(body));
    expect(E.isRight(r) && r.right.values).toEqual(values);
  });

  it('counts the series and names the first', () => {
    const r = readGraphiteResponse(200, JSON.stringify([series([[1, 1]], 'a'), series([[9, 1]], 'b')]));
    expect(r).toEqual(E.right({ values: [1], seriesCount: 2, target: 'a' }));
  });

  it.each([
    ['invalid JSON', 'invalid JSON', /not JSON/],
    ['empty body', '', /not JSON/],
    ['an object', '{"error":"x"}', /not a JSON array of series/],
    ['a series that is not an object', '[1]', /first graphite series is not an object/],
    ['no datapoints', JSON.stringify([{ target: 'a' }]), /"a" has no "datapoints"/],
    ['datapoints not an array', JSON.stringify([series({})]), /is not an array/],
    ['a point with one item', JSON.stringify([series([[10]])]), /datapoint 0 of .* is not a \[value, timestamp\] pair: \[10\]/],
    ['a value that is an array', JSON.stringify([series([[[], 1621348420]])]), /has a value that is not a number: \[\]/],
    ['a value string that is not a number', JSON.stringify([series([['f', 1]])]), /strconv.ParseFloat: parsing "f": invalid syntax/],
    ['a timestamp that is not a number', JSON.stringify([series([[100, 'f']])]), /timestamp that is not a number: "f"/],
    ['a timestamp that is an array', JSON.stringify([series([[100, []]])]), /timestamp that is not a number: \[\]/],
  ])('refuses %s', (_name, body, message) => {
    const r = readGraphiteResponse(200, body);
    expect(E.isLeft(r) && r.left).toMatchObject({ _tag: 'ProviderResponseInvalid', retryable: false });
    expect(E.isLeft(r) && r.left.message).toMatch(message);
  });

  it.each([
    [400, 'Invalid parameters (Received request for unknown function: foo); targets: "foo(a)"', 'ProviderResponseInvalid', 'error response: Invalid parameters (Received request for unknown function: foo); targets: "foo(a)" (HTTP 400)'],
    [404, '', 'ProviderResponseInvalid', 'error response: HTTP 404 (HTTP 404)'],
    [500, 'bar', 'ProviderUnavailable', 'error response: bar (HTTP 500)'],
    [503, 'busy', 'ProviderUnavailable', 'error response: busy (HTTP 503)'],
    [429, 'slow down', 'ProviderUnavailable', 'error response: slow down (HTTP 429)'],
  ])('HTTP %i is an error carrying the body', (status, body, tag, message) => {
    expect(readGraphiteResponse(status, body)).toEqual(E.left(expect.objectContaining({ _tag: tag, message })));
  });
});

describe('summarizeErrorBody', () => {
  it('keeps the heading and the last traceback line of a Django error page', () => {
    const page = [
      '<body><center><h2><p>Graphite encountered an unexpected error while handling your request.</p></h2>',
      '<div><pre>Traceback (most recent call last):',
      '  File &quot;/usr/lib/python3/dist-packages/graphite/render/attime.py&quot;, line 166, in parseTimeOffset',
      '    raise KeyError(&#x27;Invalid offset: %s&#x27; % offset)',
      'KeyError: &#x27;Invalid offset: bogus&#x27;',
      '</pre></div></center></body>',
    ].join('\n');
    expect(summarizeErrorBody(page)).toBe("Graphite encountered an unexpected error while handling your request. (KeyError: 'Invalid offset: bogus')");
  });

  it('collapses plain text and caps long bodies', () => {
    expect(summarizeErrorBody('a\n\n  b ')).toBe('a b');
    expect(summarizeErrorBody('x'.repeat(1000))).toHaveLength(401);
  });
});

describe('parseGraphiteNumber', () => {
  it.each([
    ['1', 1],
    ['-2.5', -2.5],
    ['.5', 0.5],
    ['1e3', 1000],
    ['+Inf', Number.POSITIVE_INFINITY],
    ['-infinity', Number.NEGATIVE_INFINITY],
    ['NaN', Number.NaN],
  ])('reads %j', (text, n) => {
    expect(parseGraphiteNumber(text)).toEqual(E.right(n));
  });

  it.each(['', ' 1', '0x10', '1,5', '+NaN', 'one'])('refuses %j', (text) => {
    expect(E.isLeft(parseGraphiteNumber(text))).toBe(true);
  });
});

describe('summarizeErrorBody on a hostile body (issue #15)', () => {
  it('reads only the head and the tail of a body of megabytes, quickly, and keeps a traceback\'s last line', () => {
    const body = `<html><body>${'<script>'.repeat(1_000_000)}\nTraceback (most recent call last)\nValueError: bad</body></html>`;
    const started = Date.now();
    const summary = summarizeErrorBody(body);
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(summary).toContain('ValueError: bad');
    expect(summary.length).toBeLessThanOrEqual(401);
    expect(MAX_ERROR_BODY_SCAN).toBe(16 * 1024);
  });
});
