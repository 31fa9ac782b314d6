/**
 * Structured logs: one line per entry, a message and flat fields, at a minimum level. `json` writes one JSON
 * object per line (`time`, `level`, `msg`, then the fields); `text` writes logfmt as Argo's controller does
 * (`time="..." level=info msg="..." rollout=default/web`).
 */
import type { Logger } from '@rollouts/plugin-sdk';
import type { LogFormat, LogLevel } from './Flags';

const RANK: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 };

function logfmtValue(v: unknown): string {
  const s = typeof v === 'string' ? v : v instanceof Error ? v.message : JSON.stringify(v) ?? 'undefined';
  return /^[\w./:@-]+$/.test(s) ? s : JSON.stringify(s);
}

/** One formatted line (without the newline). */
export function formatLogLine(format: LogFormat, time: number, level: LogLevel, message: string, fields: Readonly<Record<string, unknown>> = {}): string {
  const iso = new Date(time).toISOString();
  if (format === 'json') return JSON.stringify({ time: iso, level, msg: message, ...fields });
  const rest = Object.entries(fields)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}=${logfmtValue(v)}`)
    .join(' ');
  return `time="${iso}" level=${level} msg=${JSON.stringify(message)}${rest !== '' ? ` ${rest}` : ''}`;
}

/** A logger writing to `out` (a stream, or any `write(line)`). */
export function createLogger(opts: { readonly level: LogLevel; readonly format: LogFormat; readonly out: { write(s: string): unknown }; readonly now?: () => number; readonly fields?: Readonly<Record<string, unknown>> }): Logger {
  const now = opts.now ?? (() => Date.now());
  const min = RANK[opts.level];
  const at = (level: LogLevel) =>
    RANK[level] < min
      ? () => undefined
      : (message: string, fields?: Readonly<Record<string, unknown>>) => {
          opts.out.write(`${formatLogLine(opts.format, now(), level, message, { ...(opts.fields ?? {}), ...(fields ?? {}) })}\n`);
        };
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}
