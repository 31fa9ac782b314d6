/**
 * Ages and durations as kubectl prints them (`45s`, `3m20s`, `3h59m`, `7d`, `2y30d`): Kubernetes'
 * `HumanDuration`, so our columns read like `kubectl get`. Pure.
 */

/** A duration in milliseconds, kubectl style. Negative durations over a second are `<invalid>`. */
export function humanDuration(ms: number): string {
  const seconds = Math.trunc(ms / 1000);
  if (seconds < -1) return '<invalid>';
  if (seconds < 0) return '0s';
  if (seconds < 60 * 2) return `${seconds}s`;
  const minutes = Math.trunc(seconds / 60);
  if (minutes < 10) return seconds % 60 === 0 ? `${minutes}m` : `${minutes}m${seconds % 60}s`;
  if (minutes < 60 * 3) return `${minutes}m`;
  const hours = Math.trunc(minutes / 60);
  if (hours < 8) return minutes % 60 === 0 ? `${hours}h` : `${hours}h${minutes % 60}m`;
  if (hours < 48) return `${hours}h`;
  if (hours < 24 * 8) return hours % 24 === 0 ? `${Math.trunc(hours / 24)}d` : `${Math.trunc(hours / 24)}d${hours % 24}h`;
  if (hours < 24 * 365 * 2) return `${Math.trunc(hours / 24)}d`;
  if (hours < 24 * 365 * 8) {
    const days = Math.trunc(hours / 24) % 365;
    return days === 0 ? `${Math.trunc(hours / 24 / 365)}y` : `${Math.trunc(hours / 24 / 365)}y${days}d`;
  }
  return `${Math.trunc(hours / 24 / 365)}y`;
}

/** The age of an object created at `timestamp` (RFC 3339), or `''` when it has none. */
export function age(timestamp: string | null | undefined, nowMs: number): string {
  if (timestamp == null || timestamp === '') return '';
  const t = Date.parse(timestamp);
  return Number.isNaN(t) ? '' : humanDuration(nowMs - t);
}
