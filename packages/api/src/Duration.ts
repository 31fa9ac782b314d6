/**
 * Go duration strings (`"30s"`, `"1h30m"`, `"500ms"`, `"-1.5h"`), as Go's `time.ParseDuration` reads them,
 * and the pause-duration rules of a canary step. Errors carry Go's exact wording, which Argo users see.
 */
import * as E from 'fp-ts/lib/Either';
import type { IntOrString } from './Schema';

const UNIT_MS: Readonly<Record<string, number>> = {
  ns: 1e-6,
  us: 1e-3,
  'µs': 1e-3, // U+00B5 micro sign
  'μs': 1e-3, // U+03BC Greek mu
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

/** Go's `strconv.Quote` for the strings we meet here (plain text): JSON quoting is the same for them. */
const quote = (s: string): string => JSON.stringify(s);

/** Parse a Go duration into milliseconds (may be fractional, may be negative). */
export function parseGoDuration(input: string): E.Either<string, number> {
  const invalid = E.left(`time: invalid duration ${quote(input)}`);
  let s = input;
  let negative = false;
  if (s.startsWith('-') || s.startsWith('+')) {
    negative = s.startsWith('-');
    s = s.slice(1);
  }
  if (s === '0') return E.right(0);
  if (s === '') return invalid;
  let total = 0;
  while (s !== '') {
    const num = /^(\d*)(\.(\d*))?/.exec(s);
    const whole = num?.[1] ?? '';
    const frac = num?.[3] ?? '';
    if (whole === '' && frac === '') return invalid;
    s = s.slice(num?.[0].length ?? 0);
    const unitMatch = /^[^\d.]+/.exec(s);
    if (!unitMatch) return E.left(`time: missing unit in duration ${quote(input)}`);
    const unit = unitMatch[0];
    const factor = UNIT_MS[unit];
    if (factor === undefined) return E.left(`time: unknown unit ${quote(unit)} in duration ${quote(input)}`);
    s = s.slice(unit.length);
    total += Number(`${whole === '' ? '0' : whole}.${frac === '' ? '0' : frac}`) * factor;
  }
  if (total > 9_223_372_036_854) return invalid; // beyond int64 nanoseconds
  return E.right(negative ? -total : total);
}

/** Seconds of a Go duration string, truncated toward zero as `time.Duration.Seconds()` then `int32()` does. */
export function goDurationSeconds(input: string): E.Either<string, number> {
  return E.map((ms: number) => Math.trunc(ms / 1000))(parseGoDuration(input));
}

/**
 * Seconds of a canary `pause.duration`: an integer is seconds; a string of digits is seconds (when it fits
 * 32 bits); any other string is a Go duration (truncated to whole seconds). Unparsable gives -1, as upstream does, which
 * validation reports as `Duration needs to be greater than 0`.
 */
export function pauseDurationSeconds(duration: IntOrString): number {
  if (typeof duration === 'number') return duration;
  // Asked on every reconcile of a paused canary: each distinct text is parsed once (a bounded cache).
  const known = pauseSeconds.get(duration);
  if (known !== undefined) return known;
  // Digits are seconds when they fit 32 bits (Go's ParseInt(s, 10, 32)); beyond that Go tries a duration,
  // which fails for want of a unit: -1.
  // A duration beyond 32 bits of seconds (Go's int32() of it is garbage) is refused the same way.
  const int32 = (n: number): boolean => n >= -2147483648 && n <= 2147483647;
  const digits = /^[+-]?\d+$/.test(duration) ? Number.parseInt(duration, 10) : undefined;
  const seconds = digits !== undefined && int32(digits) ? digits : E.getOrElse(() => -1)(goDurationSeconds(duration));
  const parsed = int32(seconds) ? seconds : -1;
  if (pauseSeconds.size >= 1024) pauseSeconds.clear();
  pauseSeconds.set(duration, parsed);
  return parsed;
}
const pauseSeconds = new Map<string, number>();
