/**
 * Timestamps as Kubernetes writes them (`metav1.Time`): RFC 3339 in UTC with whole seconds, for example
 * `2026-01-02T03:04:05Z`. The core never reads a clock: times travel as epoch milliseconds and are only
 * formatted when written into a status.
 */

import { memoByKey } from './internal/Memo';

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(?:(Z)|([+-])(\d{2}):(\d{2}))$/;

/**
 * Format epoch milliseconds the way `metav1.Time` serializes: UTC, whole seconds (the fraction is dropped,
 * rounding towards the past), `Z` suffix.
 *
 * @throws RangeError for a non-finite value or a year outside 0000–9999 (which Go refuses to marshal).
 */
export function toRfc3339(ms: number): string {
  const second = Math.floor(ms / 1000);
  // A reconcile formats "now" many times: remember the last second formatted.
  if (second === lastSecond && lastText !== undefined) return lastText;
  const text = formattedSecond(second);
  lastSecond = second;
  lastText = text;
  return text;
}
// Then a bounded cache by second: a controller formats the same few seconds for many Rollouts.
const formattedSecond = memoByKey((second: number): string => formatRfc3339(second * 1000));
let lastSecond = Number.NaN;
let lastText: string | undefined;

function formatRfc3339(ms: number): string {
  if (typeof ms !== 'number' || !Number.isFinite(ms)) {
    throw new RangeError(`time must be a finite number of epoch milliseconds, got ${String(ms)}`);
  }
  const date = new Date(Math.floor(ms / 1000) * 1000);
  const year = date.getUTCFullYear();
  if (Number.isNaN(date.getTime()) || year < 0 || year > 9999) {
    throw new RangeError(`time ${ms} is outside the years 0000-9999 that RFC 3339 can express`);
  }
  const two = (n: number) => String(n).padStart(2, '0');
  return (
    `${String(year).padStart(4, '0')}-${two(date.getUTCMonth() + 1)}-${two(date.getUTCDate())}` +
    `T${two(date.getUTCHours())}:${two(date.getUTCMinutes())}:${two(date.getUTCSeconds())}Z`
  );
}

/** The first and last instants `toRfc3339` can write (0000-01-01T00:00:00Z, 9999-12-31T23:59:59Z). */
export const EARLIEST_RFC3339_MS = Date.UTC(2000, 0, 1) - 730485 * 86_400_000;
export const LATEST_RFC3339_MS = Date.UTC(9999, 11, 31, 23, 59, 59);

/**
 * A time from outside the core (a provider's `resumeAt`, a deadline far in the future) brought into the range
 * `toRfc3339` can write; undefined when it is no time at all (NaN, not a number).
 */
export function writableTime(ms: number): number | undefined {
  if (typeof ms !== 'number' || Number.isNaN(ms)) return undefined;
  return Math.min(LATEST_RFC3339_MS, Math.max(EARLIEST_RFC3339_MS, ms));
}

/**
 * Parse an RFC 3339 timestamp (as Go's `time.RFC3339` layout accepts it: optional `.fraction` of any length,
 * `Z` or a `±hh:mm` offset) into epoch milliseconds. Fractions finer than a millisecond are truncated.
 * Returns `undefined` for anything else, including impossible dates such as `2026-02-30`.
 */
export function fromRfc3339(s: string): number | undefined {
  return typeof s === 'string' ? parsedRfc3339(s) : undefined;
}

const parsedRfc3339 = memoByKey((s: string): number | undefined => parseRfc3339(s));

function parseRfc3339(s: string): number | undefined {
  const m = typeof s === 'string' ? RFC3339.exec(s) : null;
  if (m == null) return undefined;
  const [year, month, day, hour, minute, second] = [m[1], m[2], m[3], m[4], m[5], m[6]].map(Number) as [
    number, number, number, number, number, number,
  ];
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  if (hour > 23 || minute > 59 || second > 59) return undefined;
  let offsetMinutes = 0;
  if (m[8] == null) {
    const offsetHours = Number(m[10]);
    const offsetMins = Number(m[11]);
    if (offsetHours > 23 || offsetMins > 59) return undefined;
    offsetMinutes = (m[9] === '-' ? -1 : 1) * (offsetHours * 60 + offsetMins);
  }
  const millis = m[7] == null ? 0 : Number(m[7].slice(0, 3).padEnd(3, '0'));
  // Date.UTC maps years 0–99 to 1900–1999, so set the full year explicitly.
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute, second, millis);
  return date.getTime() - offsetMinutes * 60_000;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) {
    const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
    return leap ? 29 : 28;
  }
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}
