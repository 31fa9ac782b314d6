/**
 * One HTTP exchange that also returns the response headers (NerdGraph's `Retry-After` on
 * a 429). `@rollouts/plugin-http`'s `sendHttp` returns status and body only, so this is the same exchange
 * (axios, every status a `Right`, the timeout bounding the whole exchange, the body size cap, messages naming
 * only the origin) with the headers kept. When `HttpResponse` gains headers this file becomes `sendHttp`.
 */
import axios from 'axios';
import * as E from 'fp-ts/lib/Either';
import type { TaskEither } from 'fp-ts/lib/TaskEither';
import { PluginErrors, type PluginError } from '@rollouts/plugin-sdk';
import { MAX_BODY_BYTES, originOf, type HttpRequest } from '@rollouts/plugin-http';

/** What came back: any status, the body as text, the headers with lower-case names. */
export interface HttpResponseWithHeaders {
  readonly status: number;
  readonly body: string;
  readonly headers: Readonly<Record<string, string>>;
}

function errorCode(e: unknown): string | undefined {
  if (typeof e !== 'object' || e === null) return undefined;
  const own = (e as { code?: unknown }).code;
  const cause = (e as { cause?: unknown }).cause;
  if (typeof own === 'string' && own !== 'ERR_BAD_REQUEST' && own !== 'ERR_BAD_RESPONSE') return own;
  if (cause !== undefined && cause !== e) return errorCode(cause) ?? (typeof own === 'string' ? own : undefined);
  const inner = (e as { errors?: unknown }).errors;
  if (Array.isArray(inner) && inner.length > 0) return errorCode(inner[0]);
  return typeof own === 'string' ? own : undefined;
}

const errorText = (e: unknown): string => (e instanceof Error && e.message !== '' ? e.message : String(e));

function classify(label: string, req: HttpRequest, e: unknown, timedOut: boolean): PluginError {
  const where = originOf(req.url);
  if (timedOut) return PluginErrors.providerTimeout({ message: `${label} at ${where} did not answer within ${req.timeoutMs / 1000} s`, cause: e });
  if (req.signal.aborted) return PluginErrors.pluginAborted({ message: `the ${label} request to ${where} was cancelled`, cause: e });
  const code = errorCode(e);
  if (code === 'ERR_FR_MAX_BODY_LENGTH_EXCEEDED' || /maxContentLength/.test(errorText(e))) {
    return PluginErrors.providerResponseInvalid({ message: `the response of ${label} at ${where} is larger than ${req.maxBodyBytes ?? MAX_BODY_BYTES} bytes`, cause: e });
  }
  return PluginErrors.providerUnavailable({ message: `could not reach ${label} at ${where}: ${code !== undefined ? `${code}: ` : ''}${errorText(e)}`, cause: e });
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

/** Send `req`; `label` names the backend in error messages. Redirects are followed (at most 5). */
export function sendHttpWithHeaders(label: string, req: HttpRequest): TaskEither<PluginError, HttpResponseWithHeaders> {
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
