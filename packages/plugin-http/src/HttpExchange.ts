/**
 * One HTTP request to a metric backend, at the edge: axios wrapped so that every outcome is a value. A
 * response of any status is a `Right` (the caller reads the status); a transport failure, a timeout and a
 * cancelled call are `PluginError`s saying whether trying again may help.
 */
import * as https from 'node:https';
import axios from 'axios';
import * as E from 'fp-ts/lib/Either';
import type { TaskEither } from 'fp-ts/lib/TaskEither';
import { PluginErrors, type PluginError } from '@rollouts/plugin-sdk';

/** What to send. `timeoutMs` bounds the whole exchange (connect, headers and body). */
export interface HttpRequest {
  readonly method: 'GET' | 'POST' | 'PUT';
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: string;
  readonly timeoutMs: number;
  /** Skip TLS certificate verification. */
  readonly insecure: boolean;
  /** Cancels the exchange (the controller's own bound, shutdown). */
  readonly signal: AbortSignal;
  /** The largest response body read, in bytes ({@link MAX_BODY_BYTES} when absent): a larger one is a `ProviderResponseInvalid`. */
  readonly maxBodyBytes?: number;
}

/** What came back: any status; the body as text. */
export interface HttpResponse {
  readonly status: number;
  readonly body: string;
  /** Response headers, names in lower case, repeated ones joined with ", " (`retry-after` of a 429, say). */
  readonly headers: Readonly<Record<string, string>>;
}

function headersOf(raw: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (typeof raw !== 'object' || raw === null) return out;
  for (const [k, v] of Object.entries(raw as Record<string, unknown>)) {
    if (typeof v === 'string') out[k.toLowerCase()] = v;
    else if (typeof v === 'number') out[k.toLowerCase()] = String(v);
    else if (Array.isArray(v)) out[k.toLowerCase()] = v.map(String).join(', ');
  }
  return out;
}

/** Largest body read from a backend unless the request says less (16 MiB). */
export const MAX_BODY_BYTES = 16 * 1024 * 1024;

const insecureAgent = new https.Agent({ rejectUnauthorized: false });

const TLS_CODES = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

/** Where a request went, without path, query or credentials (they may hold secrets). */
export function originOf(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return '<invalid url>';
  }
}

function errorCode(e: unknown): string | undefined {
  if (typeof e !== 'object' || e === null) return undefined;
  const own = (e as { code?: unknown }).code;
  if (typeof own === 'string' && own !== 'ERR_BAD_REQUEST' && own !== 'ERR_BAD_RESPONSE') return own;
  const cause = (e as { cause?: unknown }).cause;
  if (cause !== undefined && cause !== e) return errorCode(cause) ?? (typeof own === 'string' ? own : undefined);
  const inner = (e as { errors?: unknown }).errors; // AggregateError from happy-eyeballs connects
  if (Array.isArray(inner) && inner.length > 0) return errorCode(inner[0]);
  return typeof own === 'string' ? own : undefined;
}

function errorText(e: unknown): string {
  if (e instanceof Error && e.message !== '') return e.message;
  const cause = (e as { cause?: unknown } | null)?.cause;
  if (cause instanceof Error && cause.message !== '') return cause.message;
  return String(e);
}

/** Turn what axios threw into a `PluginError`; `label` names the backend ("prometheus", "web metric"). */
function classify(label: string, req: HttpRequest, e: unknown, timedOut: boolean): PluginError {
  const where = originOf(req.url);
  if (timedOut) return PluginErrors.providerTimeout({ message: `${label} at ${where} did not answer within ${req.timeoutMs / 1000} s`, cause: e });
  if (req.signal.aborted) return PluginErrors.pluginAborted({ message: `the ${label} request to ${where} was cancelled`, cause: e });
  const code = errorCode(e);
  if (code !== undefined && TLS_CODES.has(code)) {
    return PluginErrors.providerUnavailable({
      message: `the TLS certificate of ${label} at ${where} could not be verified (${code}: ${errorText(e)}); fix the certificate, or set insecure: true to skip verification`,
      cause: e,
    });
  }
  if (code === 'ERR_FR_TOO_MANY_REDIRECTS') return PluginErrors.providerResponseInvalid({ message: `${label} at ${where} redirected too many times`, cause: e });
  if (code === 'ERR_FR_MAX_BODY_LENGTH_EXCEEDED' || /maxContentLength/.test(errorText(e))) {
    return PluginErrors.providerResponseInvalid({ message: `the response of ${label} at ${where} is larger than ${req.maxBodyBytes ?? MAX_BODY_BYTES} bytes`, cause: e });
  }
  return PluginErrors.providerUnavailable({ message: `could not reach ${label} at ${where}: ${code !== undefined ? `${code}: ` : ''}${errorText(e)}`, cause: e });
}

/** Send `req`; `label` names the backend in error messages. Redirects are followed (at most 5). */
export function sendHttp(label: string, req: HttpRequest): TaskEither<PluginError, HttpResponse> {
  return async () => {
    if (req.signal.aborted) return E.left(PluginErrors.pluginAborted({ message: `the ${label} request to ${originOf(req.url)} was cancelled before it started` }));
    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort(new Error('timeout'));
    }, req.timeoutMs);
    const onAbort = () => controller.abort(req.signal.reason);
    req.signal.addEventListener('abort', onAbort, { once: true });
    try {
      const res = await axios.request<string>({
        method: req.method,
        url: req.url,
        headers: { ...req.headers },
        data: req.body,
        signal: controller.signal,
        responseType: 'text',
        transformResponse: [(d: unknown) => d],
        validateStatus: () => true,
        maxRedirects: 5,
        maxContentLength: req.maxBodyBytes ?? MAX_BODY_BYTES,
        ...(req.insecure ? { httpsAgent: insecureAgent } : {}),
      });
      const body = typeof res.data === 'string' ? res.data : res.data == null ? '' : String(res.data);
      return E.right({ status: res.status, body, headers: headersOf(res.headers) });
    } catch (e) {
      return E.left(classify(label, req, e, timedOut));
    } finally {
      clearTimeout(timer);
      req.signal.removeEventListener('abort', onAbort);
    }
  };
}
