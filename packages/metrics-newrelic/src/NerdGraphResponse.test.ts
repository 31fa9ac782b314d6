import * as E from 'fp-ts/lib/Either';
import { graphqlErrors, readNerdGraphResponse } from './NerdGraphResponse';
import { rateLimitWait } from './RateLimit';

const body = (results: unknown) => JSON.stringify({ data: { actor: { account: { nrql: { results } } } } });

describe('readNerdGraphResponse', () => {
  it.each([
    ['one row -> the row', body([{ count: 1 }]), { count: 1 }],
    ['two rows -> the list', body([{ count: 1 }, { count: 2 }]), [{ count: 1 }, { count: 2 }]],
    ['a row with nested values', body([{ 'percentile.duration': { '95': 0.4 } }]), { 'percentile.duration': { '95': 0.4 } }],
  ])('%s', (_name, text, expected) => expect(readNerdGraphResponse(text)).toEqual(E.right(expected)));
});

describe('graphqlErrors', () => {
  it.each([
    [undefined, undefined],
    [[], undefined],
    [[{ message: 'This field is deprecated! x' }], undefined],
    [[{ message: 'bad', extensions: { error_code: 'BAD_API_KEY' } }], { kind: 'auth', message: 'bad' }],
    [[{ message: 'slow', extensions: { errorClass: 'SERVER_ERROR' } }], { kind: 'retryable', message: 'slow' }],
    [[{ message: 'a' }, 'b'], { kind: 'invalid', message: 'a, "b"' }],
  ])('%p -> %p', (errors, expected) => expect(graphqlErrors(errors)).toEqual(expected));
});

describe('rateLimitWait', () => {
  it('reads Retry-After seconds', () => expect(rateLimitWait({ 'retry-after': '3' }, 0)).toEqual({ waitMs: 3000, source: 'Retry-After' }));
});
