/**
 * What every service module shares: reading and checking `service.<type>[.<name>]` options, building
 * `SendError`s that name the service and recipient (and never a secret), and one HTTP exchange with any method,
 * bounded by the send context's timeout and signal.
 */
import * as https from 'node:https';
import axios from 'axios';
import * as E from 'fp-ts/lib/Either';
import type { TaskEither } from 'fp-ts/lib/TaskEither';
import type { ConfigProblem, SendContext, SendError, ServiceInstance } from '../Types';

/** `service.<type>` or `service.<type>.<name>`: the ConfigMap key the instance came from. */
export function serviceKey(instance: ServiceInstance): string {
  return instance.name === instance.type ? `service.${instance.type}` : `service.${instance.type}.${instance.name}`;
}

/** How errors name the destination: `slack "alerts" to #deploys`. */
export function destinationLabel(instance: ServiceInstance, recipient: string): string {
  const svc = instance.name === instance.type ? instance.type : `${instance.type} "${instance.name}"`;
  return recipient === '' ? svc : `${svc} to ${recipient}`;
}

/** Collects the problems of one instance's options; each message starts with the option path. */
export class OptionChecker {
  readonly problems: ConfigProblem[] = [];
  constructor(private readonly instance: ServiceInstance) {}

  private get options(): Readonly<Record<string, unknown>> {
    return this.instance.options;
  }

  add(option: string, message: string): void {
    this.problems.push({ key: serviceKey(this.instance), message: `${option}: ${message}` });
  }

  /** A string option that must be present and non-empty. */
  requiredString(option: string): void {
    const v = this.options[option];
    if (v === undefined || v === null || v === '') this.add(option, 'required');
    else if (typeof v !== 'string') this.add(option, `expected a string, found ${describe(v)}`);
  }

  optionalString(option: string): void {
    const v = this.options[option];
    if (v !== undefined && v !== null && typeof v !== 'string') this.add(option, `expected a string, found ${describe(v)}`);
  }

  optionalBoolean(option: string): void {
    const v = this.options[option];
    if (v !== undefined && v !== null && typeof v !== 'boolean') this.add(option, `expected true or false, found ${describe(v)}`);
  }

  /** An http(s) URL (optional unless `required`). */
  url(option: string, required: boolean): void {
    const v = this.options[option];
    if (v === undefined || v === null || v === '') {
      if (required) this.add(option, 'required');
      return;
    }
    if (typeof v !== 'string') return this.add(option, `expected a URL string, found ${describe(v)}`);
    if (!isHttpUrl(v)) this.add(option, 'expected an http:// or https:// URL');
  }

  /** A map of name → string (`recipientUrls`, `serviceKeys`, `apiKeys`, `webhooks`); `urls` checks each value is a URL. */
  stringMap(option: string, required: boolean, urls: boolean): void {
    const v = this.options[option];
    if (v === undefined || v === null) {
      if (required) this.add(option, 'required (a map of recipient to value)');
      return;
    }
    if (typeof v !== 'object' || Array.isArray(v)) return this.add(option, `expected a map of recipient to value, found ${describe(v)}`);
    const entries = Object.entries(v as Record<string, unknown>);
    if (required && entries.length === 0) this.add(option, 'must name at least one recipient');
    for (const [k, val] of entries) {
      if (typeof val !== 'string' || val === '') this.add(`${option}.${k}`, `expected a non-empty string, found ${describe(val)}`);
      else if (urls && !isHttpUrl(val)) this.add(`${option}.${k}`, 'expected an http:// or https:// URL');
    }
  }
}

/** A value's kind for messages, never the value itself (it may be a secret). */
export function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a map';
  if (typeof v === 'string') return v === '' ? 'an empty string' : 'a string';
  return `a ${typeof v}`;
}

export function isHttpUrl(s: string): boolean {
  try {
    const u = new URL(s);
    return u.protocol === 'http:' || u.protocol === 'https:';
  } catch {
    return false;
  }
}

/** Where a request went, without path, query or credentials (webhook URLs carry tokens in both). */
export function originOf(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return '<invalid url>';
  }
}

export function stringOption(instance: ServiceInstance, option: string): string | undefined {
  const v = instance.options[option];
  return typeof v === 'string' && v !== '' ? v : undefined;
}

export function booleanOption(instance: ServiceInstance, option: string): boolean {
  return instance.options[option] === true;
}

export function mapOption(instance: ServiceInstance, option: string): Readonly<Record<string, string>> {
  const v = instance.options[option];
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return {};
  const out: Record<string, string> = {};
  for (const [k, val] of Object.entries(v as Record<string, unknown>)) if (typeof val === 'string') out[k] = val;
  return out;
}

/** The per-service block of a rendered template (`notification.slack`), or an empty one. */
export function templateBlock(notification: Readonly<Record<string, unknown>>, serviceType: string): Readonly<Record<string, unknown>> {
  const v = notification[serviceType];
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

export function blockString(block: Readonly<Record<string, unknown>>, field: string): string | undefined {
  const v = block[field];
  if (typeof v === 'string') return v.trim() === '' ? undefined : v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return undefined;
}

/**
 * A template field holding JSON (`slack.attachments`, `teams.sections`): a string is parsed, structured YAML is
 * taken as it is. A string that is not JSON is a `SendError` naming the field (not retryable: the template is wrong).
 */
export function blockJson(block: Readonly<Record<string, unknown>>, field: string, where: string): E.Either<SendError, unknown> {
  const v = block[field];
  if (v === undefined || v === null) return E.right(undefined);
  if (typeof v !== 'string') return E.right(v);
  if (v.trim() === '') return E.right(undefined);
  try {
    return E.right(JSON.parse(v));
  } catch (e) {
    return E.left(permanent(`${where}: template field ${field} is not valid JSON (${e instanceof Error ? e.message : String(e)})`));
  }
}

export function permanent(message: string): SendError {
  return { retryable: false, message };
}

export function retryable(message: string): SendError {
  return { retryable: true, message };
}

/**
 * Remove every secret value from a message (and the base64 forms a protocol may echo), as a last guard: the
 * messages are built not to contain them, but a server's error text can quote what it was sent.
 */
export function scrub(message: string, secrets: ReadonlyArray<string | undefined>): string {
  let out = message;
  for (const s of secrets) {
    if (s === undefined || s.length < 4) continue;
    const forms = [s, Buffer.from(s).toString('base64'), encodeURIComponent(s)];
    for (const f of forms) out = out.split(f).join('***');
  }
  return out;
}

/** Every string among an instance's options that names a credential, for {@link scrub}. */
export function secretsOf(instance: ServiceInstance, keys: ReadonlyArray<string>): string[] {
  const out: string[] = [];
  const collect = (v: unknown): void => {
    if (typeof v === 'string') out.push(v);
    else if (Array.isArray(v)) v.forEach(collect);
    else if (typeof v === 'object' && v !== null) Object.values(v).forEach(collect);
  };
  for (const k of keys) collect(instance.options[k]);
  // A URL carries its secrets in pieces (Teams and Google Chat webhooks, tokens in queries): a server may quote one.
  for (const s of [...out]) {
    let u: URL;
    try {
      u = new URL(s);
    } catch {
      continue;
    }
    if (u.protocol !== 'http:' && u.protocol !== 'https:') continue;
    for (const v of u.searchParams.values()) if (v.length >= 4) out.push(v);
    // Path segments that look like keys (long, or several digits), not words such as "workflows" or "webhookb2".
    for (const seg of u.pathname.split('/')) if (seg.length >= 16 || (seg.length >= 8 && (seg.match(/\d/g) ?? []).length >= 3)) out.push(decodeURIComponent(seg));
    if (u.password !== '') out.push(decodeURIComponent(u.password));
  }
  return out;
}

/**
 * Wrap a send so that whatever message comes back has the instance's secrets removed, and a throw (a bug, or
 * input no check foresaw) becomes a permanent `SendError` instead of a rejected promise.
 */
export function guarded<A>(secrets: ReadonlyArray<string>, te: TaskEither<SendError, A>): TaskEither<SendError, A> {
  return async () => {
    let r: E.Either<SendError, A>;
    try {
      r = await te();
    } catch (e) {
      r = E.left(permanent(`the sender failed: ${e instanceof Error ? e.message : String(e)}`));
    }
    return E.isLeft(r) ? E.left({ retryable: r.left.retryable, message: scrub(r.left.message, secrets) }) : r;
  };
}

/** One HTTP request of a service. */
export interface ServiceRequest {
  readonly method: string;
  readonly url: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string;
  readonly insecureSkipVerify?: boolean;
  /** Basic auth, sent as an Authorization header (never in the URL, so never in a message). */
  readonly basicAuth?: { readonly username: string; readonly password: string };
}

export interface ServiceResponse {
  readonly status: number;
  readonly body: string;
  /** Lower-case names. */
  readonly headers: Readonly<Record<string, string>>;
}

const insecureAgent = new https.Agent({ rejectUnauthorized: false });
const MAX_BODY = 4 * 1024 * 1024;

function errorCode(e: unknown): string | undefined {
  if (typeof e !== 'object' || e === null) return undefined;
  const own = (e as { code?: unknown }).code;
  if (typeof own === 'string' && own !== 'ERR_BAD_REQUEST' && own !== 'ERR_BAD_RESPONSE' && own !== 'ERR_CANCELED') return own;
  const cause = (e as { cause?: unknown }).cause;
  if (cause !== undefined && cause !== e) return errorCode(cause);
  const inner = (e as { errors?: unknown }).errors;
  if (Array.isArray(inner) && inner.length > 0) return errorCode(inner[0]);
  return typeof own === 'string' ? own : undefined;
}

/**
 * Send one request; any HTTP status is a `Right` (the caller judges it, usually with {@link expectStatus}). A
 * transport failure, a timeout (`ctx.timeoutMs`) and a cancelled send are retryable `SendError`s that name
 * `label` and the URL's origin only.
 */
export function exchange(ctx: SendContext, label: string, req: ServiceRequest): TaskEither<SendError, ServiceResponse> {
  return async () => {
    const where = originOf(req.url);
    if (ctx.signal.aborted) return E.left(retryable(`${label}: cancelled before the request to ${where} started`));
    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort(new Error('timeout'));
    }, ctx.timeoutMs);
    const onAbort = () => controller.abort(ctx.signal.reason);
    ctx.signal.addEventListener('abort', onAbort, { once: true });
    try {
      const headers: Record<string, string> = { 'User-Agent': 'rollouts-notifications', ...(req.headers ?? {}) };
      if (req.basicAuth !== undefined) headers['Authorization'] = `Basic ${Buffer.from(`${req.basicAuth.username}:${req.basicAuth.password}`).toString('base64')}`;
      const res = await axios.request<string>({
        method: req.method,
        url: req.url,
        headers,
        data: req.body,
        signal: controller.signal,
        responseType: 'text',
        transformResponse: [(d: unknown) => d],
        validateStatus: () => true,
        maxRedirects: 5,
        maxContentLength: MAX_BODY,
        ...(req.insecureSkipVerify === true ? { httpsAgent: insecureAgent } : {}),
      });
      const out: Record<string, string> = {};
      for (const [k, v] of Object.entries((res.headers ?? {}) as Record<string, unknown>)) {
        if (typeof v === 'string' || typeof v === 'number') out[k.toLowerCase()] = String(v);
        else if (Array.isArray(v)) out[k.toLowerCase()] = v.map(String).join(', ');
      }
      return E.right({ status: res.status, body: typeof res.data === 'string' ? res.data : res.data == null ? '' : String(res.data), headers: out });
    } catch (e) {
      if (timedOut) return E.left(retryable(`${label}: ${where} did not answer within ${ctx.timeoutMs / 1000} s`));
      if (ctx.signal.aborted) return E.left(retryable(`${label}: the request to ${where} was cancelled`));
      const code = errorCode(e);
      const text = e instanceof Error && e.message !== '' ? e.message : 'request failed';
      // A TLS verification failure does not fix itself: say how to get past it.
      if (code !== undefined && /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ALTNAME/.test(code)) {
        return E.left(permanent(`${label}: the TLS certificate of ${where} could not be verified (${code}); fix it, or set insecureSkipVerify: true`));
      }
      return E.left(retryable(`${label}: could not reach ${where}: ${code !== undefined ? `${code}: ` : ''}${text}`));
    } finally {
      clearTimeout(timer);
      ctx.signal.removeEventListener('abort', onAbort);
    }
  };
}

/** At most this much of a response body goes into an error message. */
const SNIPPET = 200;

export function snippet(body: string): string {
  const oneLine = body.replace(/\s+/g, ' ').trim();
  return oneLine.length > SNIPPET ? `${oneLine.slice(0, SNIPPET)}…` : oneLine;
}

/**
 * Judge a response: 2xx is fine; 429 and 5xx are retryable (with Retry-After when given); 401/403 say the
 * credentials were refused; any other status is a permanent error. The message names `label`, the origin and
 * the start of the response body.
 */
export function expectStatus(label: string, url: string, res: ServiceResponse): E.Either<SendError, ServiceResponse> {
  if (res.status >= 200 && res.status < 300) return E.right(res);
  const where = originOf(url);
  const body = snippet(res.body);
  const tail = body === '' ? '' : `: ${body}`;
  if (res.status === 429) {
    const after = res.headers['retry-after'];
    return E.left(retryable(`${label}: rate limited by ${where} (HTTP 429${after !== undefined ? `, retry after ${after} s` : ''})${tail}`));
  }
  if (res.status >= 500) return E.left(retryable(`${label}: ${where} failed with HTTP ${res.status}${tail}`));
  if (res.status === 401 || res.status === 403) return E.left(permanent(`${label}: ${where} refused the credentials (HTTP ${res.status})${tail}`));
  return E.left(permanent(`${label}: ${where} rejected the request with HTTP ${res.status}${tail}`));
}

/** An exchange whose status is judged by {@link expectStatus}. */
export function exchangeOk(ctx: SendContext, label: string, req: ServiceRequest): TaskEither<SendError, ServiceResponse> {
  return async () => {
    const r = await exchange(ctx, label, req)();
    return E.isLeft(r) ? r : expectStatus(label, req.url, r.right);
  };
}

/** Parse a JSON response body, or a permanent error naming `label`. */
export function jsonBody(label: string, res: ServiceResponse): E.Either<SendError, Record<string, unknown>> {
  try {
    const v: unknown = JSON.parse(res.body);
    if (typeof v === 'object' && v !== null && !Array.isArray(v)) return E.right(v as Record<string, unknown>);
  } catch {
    // fall through
  }
  return E.left(permanent(`${label}: the answer (HTTP ${res.status}) is not a JSON object: ${snippet(res.body)}`));
}

/** Join a base URL and a path with exactly one slash between them. */
export function joinUrl(base: string, path: string): string {
  if (path === '') return base;
  return `${base.replace(/\/+$/, '')}/${path.replace(/^\/+/, '')}`;
}

/** Wait `ms`, or less when the send is cancelled (then false). */
export function sleep(ms: number, signal: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve(false);
    const onAbort = () => {
      clearTimeout(t);
      resolve(false);
    };
    const t = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

export const JSON_HEADERS: Readonly<Record<string, string>> = { 'Content-Type': 'application/json', Accept: 'application/json' };
