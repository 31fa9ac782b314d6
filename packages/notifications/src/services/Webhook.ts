/**
 * `service.webhook[.<name>]`: an HTTP request to any URL, as Argo's webhook service sends it. GET by default; the
 * template's `webhook.<name>: {method, path, body}` picks the method, appends `path` to `url` and replaces the body
 * (the message otherwise). Network errors, 429 and 5xx are retried `retryMax` times (default 3) with an
 * exponential wait from `retryWaitMin` (1s) to `retryWaitMax` (5s), honouring Retry-After; any other non-2xx
 * status is an error at once.
 */
import * as E from 'fp-ts/lib/Either';
import type { NotificationService, SendError, ServiceInstance } from '../Types';
import {
  OptionChecker,
  blockString,
  describe,
  destinationLabel,
  exchange,
  expectStatus,
  guarded,
  joinUrl,
  secretsOf,
  sleep,
  stringOption,
  templateBlock,
  booleanOption,
} from './ServiceSupport';

const UNITS: Readonly<Record<string, number>> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** A Go duration (`1s`, `500ms`, `1m30s`) in milliseconds, or undefined when it is not one. */
export function parseGoDuration(s: string): number | undefined {
  const text = s.trim();
  if (text === '0') return 0;
  const re = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/y;
  let total = 0;
  let at = 0;
  while (at < text.length) {
    re.lastIndex = at;
    const m = re.exec(text);
    if (m === null) return undefined;
    total += Number(m[1]) * (UNITS[m[2] ?? ''] ?? NaN);
    at = re.lastIndex;
  }
  return at === 0 || !Number.isFinite(total) ? undefined : total;
}

export const WEBHOOK_DEFAULTS = { retryMax: 3, retryWaitMinMs: 1000, retryWaitMaxMs: 5000 } as const;

const METHODS = new Set(['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS']);

interface Header {
  readonly name: string;
  readonly value: string;
}

function headersOf(instance: ServiceInstance): Header[] {
  const v = instance.options['headers'];
  if (!Array.isArray(v)) return [];
  return v.flatMap((h: unknown) => {
    const o = h as { name?: unknown; value?: unknown } | null;
    return o !== null && typeof o === 'object' && typeof o.name === 'string' && typeof o.value === 'string' ? [{ name: o.name, value: o.value }] : [];
  });
}

function basicAuthOf(instance: ServiceInstance): { username: string; password: string } | undefined {
  const v = instance.options['basicAuth'] as { username?: unknown; password?: unknown } | undefined | null;
  if (typeof v !== 'object' || v === null) return undefined;
  return { username: typeof v.username === 'string' ? v.username : '', password: typeof v.password === 'string' ? v.password : '' };
}

function durationOption(instance: ServiceInstance, option: string, fallback: number): number {
  const v = instance.options[option];
  return typeof v === 'string' ? parseGoDuration(v) ?? fallback : fallback;
}

function retryMaxOf(instance: ServiceInstance): number {
  const v = instance.options['retryMax'];
  return typeof v === 'number' && Number.isInteger(v) && v >= 0 ? v : WEBHOOK_DEFAULTS.retryMax;
}

/** The wait before retry number `attempt` (0-based): min·2^attempt, at most max; a Retry-After in range wins. */
export function webhookBackoff(attempt: number, minMs: number, maxMs: number, retryAfter?: string): number {
  if (retryAfter !== undefined && /^\d+$/.test(retryAfter.trim())) {
    const s = Number(retryAfter.trim()) * 1000;
    if (s <= maxMs) return Math.max(s, minMs);
  }
  return Math.min(maxMs, minMs * 2 ** attempt);
}

export const webhookService: NotificationService = {
  type: 'webhook',

  validate(instance) {
    const c = new OptionChecker(instance);
    c.url('url', true);
    c.optionalBoolean('insecureSkipVerify');
    const headers = instance.options['headers'];
    if (headers !== undefined && headers !== null) {
      if (!Array.isArray(headers)) c.add('headers', `expected a list of {name, value}, found ${describe(headers)}`);
      else
        headers.forEach((h: unknown, i) => {
          const o = h as { name?: unknown; value?: unknown } | null;
          if (typeof o !== 'object' || o === null) return c.add(`headers[${i}]`, `expected {name, value}, found ${describe(h)}`);
          if (typeof o.name !== 'string' || o.name === '') c.add(`headers[${i}].name`, 'required');
          else if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(o.name)) c.add(`headers[${i}].name`, 'is not a valid HTTP header name');
          if (typeof o.value !== 'string') c.add(`headers[${i}].value`, `expected a string, found ${describe(o.value)}`);
        });
    }
    const ba = instance.options['basicAuth'];
    if (ba !== undefined && ba !== null) {
      if (typeof ba !== 'object' || Array.isArray(ba)) c.add('basicAuth', `expected {username, password}, found ${describe(ba)}`);
      else {
        const o = ba as { username?: unknown; password?: unknown };
        if (typeof o.username !== 'string' || o.username === '') c.add('basicAuth.username', 'required');
        if (typeof o.password !== 'string') c.add('basicAuth.password', 'required');
      }
    }
    const rm = instance.options['retryMax'];
    if (rm !== undefined && rm !== null && !(typeof rm === 'number' && Number.isInteger(rm) && rm >= 0 && rm <= 100)) {
      c.add('retryMax', `expected a whole number from 0 to 100, found ${typeof rm === 'number' ? rm : describe(rm)}`);
    }
    for (const d of ['retryWaitMin', 'retryWaitMax']) {
      const v = instance.options[d];
      if (v === undefined || v === null) continue;
      if (typeof v !== 'string' || parseGoDuration(v) === undefined) c.add(d, `expected a duration such as 1s or 500ms, found ${typeof v === 'string' ? JSON.stringify(v) : describe(v)}`);
    }
    const min = durationOption(instance, 'retryWaitMin', WEBHOOK_DEFAULTS.retryWaitMinMs);
    const max = durationOption(instance, 'retryWaitMax', WEBHOOK_DEFAULTS.retryWaitMaxMs);
    if (min > max) c.add('retryWaitMin', `is longer than retryWaitMax`);
    return c.problems;
  },

  send(ctx, instance, notification, recipient) {
    const label = destinationLabel(instance, recipient);
    const secrets = [...secretsOf(instance, ['url', 'basicAuth']), ...headersOf(instance).map((h) => h.value)];
    return guarded(secrets, async (): Promise<E.Either<SendError, void>> => {
      const base = stringOption(instance, 'url');
      if (base === undefined) return E.left({ retryable: false, message: `${label}: url is not configured` });
      const block = templateBlock(templateBlock(notification, 'webhook'), instance.name);
      const method = (blockString(block, 'method') ?? 'GET').toUpperCase();
      if (!METHODS.has(method)) return E.left({ retryable: false, message: `${label}: template field webhook.${instance.name}.method: unsupported HTTP method ${JSON.stringify(method)}` });
      const path = blockString(block, 'path') ?? '';
      const url = path.startsWith('?') ? `${base}${path}` : joinUrl(base, path);
      const body = typeof block['body'] === 'string' ? block['body'] : notification.message;
      const headers: Record<string, string> = {};
      for (const h of headersOf(instance)) headers[h.name] = h.value;
      const basicAuth = basicAuthOf(instance);
      const retryMax = retryMaxOf(instance);
      const minMs = durationOption(instance, 'retryWaitMin', WEBHOOK_DEFAULTS.retryWaitMinMs);
      const maxMs = durationOption(instance, 'retryWaitMax', WEBHOOK_DEFAULTS.retryWaitMaxMs);
      let last: SendError = { retryable: true, message: `${label}: not sent` };
      for (let attempt = 0; attempt <= retryMax; attempt++) {
        const res = await exchange(ctx, label, {
          method,
          url,
          headers,
          ...(method === 'GET' || method === 'HEAD' ? (body === '' ? {} : { body }) : { body }),
          insecureSkipVerify: booleanOption(instance, 'insecureSkipVerify'),
          ...(basicAuth !== undefined ? { basicAuth } : {}),
        })();
        let retryAfter: string | undefined;
        if (E.isRight(res)) {
          const judged = expectStatus(label, url, res.right);
          if (E.isRight(judged)) return E.right(undefined);
          last = judged.left;
          retryAfter = res.right.headers['retry-after'];
          if (res.right.status === 501) return E.left({ retryable: false, message: last.message });
        } else last = res.left;
        if (!last.retryable || ctx.signal.aborted) return E.left(last);
        if (attempt < retryMax && !(await sleep(webhookBackoff(attempt, minMs, maxMs, retryAfter), ctx.signal))) return E.left(last);
      }
      return E.left({ retryable: last.retryable, message: `${last.message} (after ${retryMax + 1} attempts)` });
    });
  },
};
