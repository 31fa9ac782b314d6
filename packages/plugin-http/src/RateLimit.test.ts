import { DEFAULT_RATE_LIMIT_WAIT_MS, rateLimitWait, waitsSoFar } from './RateLimit';

const NOW = Date.parse('2026-12-08T00:00:00Z');

test('Retry-After in seconds or as an HTTP date, else X-RateLimit-Reset, else the default; never under 1 s', () => {
  expect(rateLimitWait({ 'retry-after': '7' }, NOW)).toEqual({ waitMs: 7000, source: 'Retry-After' });
  expect(rateLimitWait({ 'retry-after': '0.2' }, NOW)).toEqual({ waitMs: 1000, source: 'Retry-After' });
  expect(rateLimitWait({ 'retry-after': 'Tue, 08 Dec 2026 00:00:30 GMT' }, NOW)).toEqual({ waitMs: 30_000, source: 'Retry-After' });
  expect(rateLimitWait({ 'retry-after': 'soon', 'x-ratelimit-reset': '12' }, NOW)).toEqual({ waitMs: 12_000, source: 'X-RateLimit-Reset' });
  expect(rateLimitWait({}, NOW)).toEqual({ waitMs: DEFAULT_RATE_LIMIT_WAIT_MS, source: 'default' });
});

test('the waits a pending measurement recorded: 0 when none or unreadable', () => {
  expect(waitsSoFar(undefined)).toBe(0);
  expect(waitsSoFar({ rateLimitWaits: '2' })).toBe(2);
  expect(waitsSoFar({ rateLimitWaits: '-1' })).toBe(0);
  expect(waitsSoFar({ rateLimitWaits: 'x' })).toBe(0);
});
