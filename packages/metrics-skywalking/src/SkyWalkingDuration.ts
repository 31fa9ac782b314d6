/**
 * The `duration` variable SkyWalking's GraphQL query API takes, as Argo Rollouts sends it: `start` = now minus
 * the metric's `interval`, `end` = now, both `YYYY-MM-DD HHmm` in the controller's local time zone, and
 * `step` always `MINUTE`.
 */
import * as E from 'fp-ts/lib/Either';
import { parseGoDuration } from '@rollouts/api';

export interface SkyWalkingDuration {
  readonly start: string;
  readonly end: string;
  readonly step: 'MINUTE';
}

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/**
 * `YYYY-MM-DD HHmm` of `ms` in `timeZone` (an IANA name such as `Asia/Shanghai`), or in the process's local
 * time zone when it is not given (what Argo Rollouts does).
 */
export function formatMinute(ms: number, timeZone?: string): string {
  if (timeZone === undefined) {
    const d = new Date(ms);
    return `${pad(d.getFullYear(), 4)}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}${pad(d.getMinutes())}`;
  }
  const parts = new Intl.DateTimeFormat('en-US', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).formatToParts(new Date(ms));
  const get = (type: Intl.DateTimeFormatPartTypes) => parts.find((p) => p.type === type)?.value ?? '';
  return `${get('year').padStart(4, '0')}-${get('month')}-${get('day')} ${get('hour')}${get('minute')}`;
}

/** Whether `timeZone` is an IANA time zone this runtime knows. */
export function isTimeZone(timeZone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
    return true;
  } catch {
    return false;
  }
}

/** The duration for a measurement at `now` (epoch ms) over `interval` (a Go duration, more than zero). */
export function durationOf(interval: string, now: number, timeZone?: string): E.Either<string, SkyWalkingDuration> {
  const ms = parseGoDuration(interval);
  if (E.isLeft(ms)) return ms;
  if (!(ms.right > 0)) return E.left(`interval must be more than zero (got ${JSON.stringify(interval)})`);
  return E.right({ start: formatMinute(now - ms.right, timeZone), end: formatMinute(now, timeZone), step: 'MINUTE' });
}
