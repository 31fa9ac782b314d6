import * as E from 'fp-ts/lib/Either';
import { MAX_GROUPS_IN_METADATA, readV1Response, readV2Response } from './DatadogResponse';
import { DEFAULT_RATE_LIMIT_WAIT_MS, rateLimitWait, waitsSoFar } from './RateLimit';

const scalar = (columns: unknown[]) => JSON.stringify({ data: { type: 'scalar_response', attributes: { columns } } });

describe('readV2Response', () => {
  it('reads a column without type as the number column, and labels from several group columns', () => {
    const body = scalar([
      { name: 'region', type: 'group', values: [['us'], ['eu']] },
      { name: 'host', type: 'group', values: [['a'], ['b']] },
      { name: 'q', values: [1, 2] },
    ]);
    const r = readV2Response(body);
    expect(r).toEqual(E.right({ value: [1, 2], metadata: { groups: JSON.stringify([{ name: 'us,a', value: 1 }, { name: 'eu,b', value: 2 }]) } }));
  });

  it('one group is still a list', () => {
    expect(readV2Response(scalar([{ type: 'group', values: [['x']] }, { type: 'number', values: [3] }]))).toEqual(E.right({ value: [3], metadata: { groups: '[{"name":"x","value":3}]' } }));
  });

  it(`keeps the ${MAX_GROUPS_IN_METADATA / 2} lowest and highest groups in metadata when there are more than ${MAX_GROUPS_IN_METADATA}`, () => {
    const n = 130;
    const values = Array.from({ length: n }, (_, i) => (i * 37) % n);
    const r = readV2Response(scalar([{ type: 'group', values: values.map((v) => [`g${v}`]) }, { type: 'number', values }]));
    if (E.isLeft(r)) throw new Error(r.left.message);
    expect(r.right.value).toHaveLength(n);
    const groups = JSON.parse(r.right.metadata['groups']!) as Array<{ value: number }>;
    expect(groups).toHaveLength(MAX_GROUPS_IN_METADATA);
    expect(groups.map((g) => g.value)).toEqual([...Array.from({ length: 50 }, (_, i) => i), ...Array.from({ length: 50 }, (_, i) => 80 + i)]);
    expect(r.right.metadata['groups_truncated']).toBe('true');
  });
});

describe('readV1Response', () => {
  it('reads the last point of the first series only', () => {
    expect(readV1Response(JSON.stringify({ status: 'ok', series: [{ pointlist: [[1, 1], [2, 2]] }, { pointlist: [[3, 3]] }] }))).toEqual(E.right({ value: 2, metadata: {} }));
  });
  it('rejects a non-numeric point', () => {
    const r = readV1Response(JSON.stringify({ series: [{ pointlist: [[1, 'x']] }] }));
    expect(E.isLeft(r) && r.left.message).toBe('could not parse numeric value "x" at series[0].pointlist[0]');
  });
});

describe('rateLimitWait', () => {
  const NOW = Date.UTC(2026, 0, 1);
  it.each([
    [{ 'retry-after': '30' }, 30_000, 'Retry-After'],
    [{ 'retry-after': '0' }, 1000, 'Retry-After'],
    [{ 'retry-after': '1.5' }, 1500, 'Retry-After'],
    [{ 'retry-after': new Date(NOW + 20_000).toUTCString() }, 20_000, 'Retry-After'],
    [{ 'retry-after': 'soon', 'x-ratelimit-reset': '7' }, 7000, 'X-RateLimit-Reset'],
    [{ 'x-ratelimit-reset': '7', 'retry-after': '2' }, 2000, 'Retry-After'],
    [{}, DEFAULT_RATE_LIMIT_WAIT_MS, 'default'],
  ])('%p -> %d ms from %s', (headers, waitMs, source) => expect(rateLimitWait(headers, NOW)).toEqual({ waitMs, source }));

  it.each([
    [undefined, 0],
    [{ rateLimitWaits: '2' }, 2],
    [{ rateLimitWaits: 'x' }, 0],
    [{ rateLimitWaits: '-1' }, 0],
  ])('waitsSoFar(%p) = %d', (metadata, n) => expect(waitsSoFar(metadata)).toBe(n));
});
