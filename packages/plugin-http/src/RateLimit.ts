/**
 * What to do when a metric backend answers HTTP 429: how long it asks us to wait (`Retry-After` in seconds or as an
 * HTTP date, else `X-RateLimit-Reset` in seconds, else a default), and whether the measurement should wait
 * for it (a `Pending` with `resumeAt`) or give up as a retryable `Error`.
 */

/** Wait when a 429 carries neither `Retry-After` nor `X-RateLimit-Reset` (the core's error retry interval). */
export const DEFAULT_RATE_LIMIT_WAIT_MS = 10_000;
/** The longest wait a measurement accepts; a longer one is reported as an Error at once. */
export const MAX_RATE_LIMIT_WAIT_MS = 5 * 60_000;
/** How many times one measurement waits for the rate limit before it is reported as an Error. */
export const MAX_RATE_LIMIT_WAITS = 3;

/** How long the server asks to wait (ms, at least 1 s) and which header said so. */
export interface RateLimitWait {
  readonly waitMs: number;
  readonly source: 'Retry-After' | 'X-RateLimit-Reset' | 'default';
}

/** Read `Retry-After` (delta-seconds or HTTP-date) or `X-RateLimit-Reset` (seconds) from lower-cased headers. */
export function rateLimitWait(headers: Readonly<Record<string, string>>, now: number): RateLimitWait {
  const retryAfter = (headers['retry-after'] ?? '').trim();
  if (retryAfter !== '') {
    if (/^\d+(\.\d+)?$/.test(retryAfter)) return { waitMs: Math.max(1000, Math.ceil(Number(retryAfter) * 1000)), source: 'Retry-After' };
    const at = Date.parse(retryAfter);
    if (!Number.isNaN(at)) return { waitMs: Math.max(1000, at - now), source: 'Retry-After' };
  }
  const reset = (headers['x-ratelimit-reset'] ?? '').trim();
  if (/^\d+(\.\d+)?$/.test(reset)) return { waitMs: Math.max(1000, Math.ceil(Number(reset) * 1000)), source: 'X-RateLimit-Reset' };
  return { waitMs: DEFAULT_RATE_LIMIT_WAIT_MS, source: 'default' };
}

/** Metadata key counting the rate-limit waits of one measurement. */
export const RATE_LIMIT_WAITS_KEY = 'rateLimitWaits';
/** Metadata key explaining the last rate-limit wait. */
export const RATE_LIMIT_KEY = 'rateLimited';

/** The waits recorded in a pending measurement's metadata (0 when none or unreadable). */
export function waitsSoFar(metadata: Readonly<Record<string, string>> | undefined): number {
  const n = Number(metadata?.[RATE_LIMIT_WAITS_KEY] ?? '0');
  return Number.isInteger(n) && n > 0 ? n : 0;
}
