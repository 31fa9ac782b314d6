/**
 * The `web` metric provider: calls an HTTP(S) endpoint (`url`, `method`, `headers`, `body` or `jsonBody`)
 * and reports, as the value for the metric's conditions, the first match of `jsonPath` (default `{$}`, the
 * whole document) in a JSON answer, or the raw body when the answer is not JSON. Supports `timeoutSeconds`
 * (default 10), `insecure` and `authentication.oauth2`. Header values arrive with `{{args.*}}` and secrets
 * already substituted by the controller.
 */
import * as E from 'fp-ts/lib/Either';
import type { TaskEither } from 'fp-ts/lib/TaskEither';
import { WebMetric } from '@rollouts/api';
import {
  defineMetricProvider,
  PluginErrors,
  type MeasurementContext,
  type MetricProvider,
  type MetricProviderPlugin,
  type PluginError,
  type ProviderObservation,
} from '@rollouts/plugin-sdk';
import { sendHttp, type HttpRequest } from '@rollouts/plugin-http';
import { createOAuth2TokenSource, oauth2ClientOf, type OAuth2Client, type OAuth2TokenSource } from '@rollouts/plugin-http';
import { evaluateJsonPath, parseJsonPath, type JsonPath } from './JsonPath';

/** Seconds a call may take when `timeoutSeconds` is not set. */
export const DEFAULT_WEB_TIMEOUT_SECONDS = 10;
/** The path used when `jsonPath` is not set: the whole JSON document. */
export const DEFAULT_JSON_PATH = '{$}';
/**
 * The largest response body the web provider reads (10 MiB): a larger one is an `Error` measurement
 * ("the response of web metric at <origin> is larger than 10485760 bytes"). What is stored of a value is
 * capped much lower by the controller (4 KiB); this bounds the memory one measurement takes.
 */
export const MAX_WEB_RESPONSE_BYTES = 10 * 1024 * 1024;
/**
 * The deepest nesting of arrays and objects read in a JSON answer (512 levels; Go's decoder stops at 10,000): a
 * deeper document is an `Error` measurement saying how deep it goes, never a stack overflow. The condition
 * language works on values up to 256 levels deep.
 */
export const MAX_WEB_JSON_DEPTH = 512;

const PATH = 'provider.web';

const configInvalid = (field: string, message: string): PluginError => PluginErrors.pluginConfigInvalid({ message, path: `${PATH}.${field}` });

interface Plan {
  readonly request: Omit<HttpRequest, 'signal'>;
  readonly jsonPath: JsonPath;
  readonly oauth2: OAuth2Client | null;
  /** Headers for the token request: the metric's own, without the body's content type. */
  readonly userHeaders: Readonly<Record<string, string>>;
}

function plan(config: WebMetric): E.Either<PluginError, Plan> {
  if (config.url.trim() === '') return E.left(configInvalid('url', `${PATH}.url is required`));
  try {
    const u = new URL(config.url);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') return E.left(configInvalid('url', `${PATH}.url must be an http or https URL, got ${JSON.stringify(u.protocol)}`));
  } catch {
    return E.left(configInvalid('url', `${PATH}.url is not a valid URL`));
  }
  const method = (config.method == null || config.method === '' ? 'GET' : config.method).toUpperCase();
  if (method !== 'GET' && method !== 'POST' && method !== 'PUT') return E.left(configInvalid('method', `${PATH}.method must be GET, POST or PUT, got ${JSON.stringify(config.method)}`));
  const hasBody = config.body != null && config.body !== '';
  const hasJsonBody = config.jsonBody != null;
  if ((hasBody || hasJsonBody) && method === 'GET') return E.left(configInvalid('method', 'Body/JSONBody can only be used with POST or PUT WebMetric Method types'));
  if (hasBody && hasJsonBody) return E.left(configInvalid('jsonBody', `${PATH}: use either body or jsonBody, not both`));
  const timeout = config.timeoutSeconds ?? 0;
  if (timeout < 0) return E.left(configInvalid('timeoutSeconds', `${PATH}.timeoutSeconds should not be negative (got ${timeout})`));
  const jsonPath = parseJsonPath(config.jsonPath == null || config.jsonPath === '' ? DEFAULT_JSON_PATH : config.jsonPath);
  if (E.isLeft(jsonPath)) return E.left(configInvalid('jsonPath', jsonPath.left));
  const auth = config.authentication;
  if (auth?.sigv4 != null && Object.values(auth.sigv4).some((x) => x != null && x !== '')) {
    return E.left(PluginErrors.pluginUnsupported({ message: `${PATH}.authentication.sigv4 is not supported by the web provider; use authentication.oauth2 or headers` }));
  }
  if (auth?.basicAuth != null && Object.values(auth.basicAuth).some((x) => x != null && x !== '')) {
    return E.left(PluginErrors.pluginUnsupported({ message: `${PATH}.authentication.basicAuth is not supported by the web provider; send an Authorization header in ${PATH}.headers` }));
  }
  const oauth2 = oauth2ClientOf(auth?.oauth2, `${PATH}.authentication.oauth2`);
  if (E.isLeft(oauth2)) return oauth2;
  const userHeaders: Record<string, string> = {};
  for (const h of config.headers ?? []) userHeaders[h.key] = h.value;
  const headers = { ...userHeaders };
  let body: string | undefined;
  if (hasJsonBody) {
    body = JSON.stringify(config.jsonBody);
    for (const k of Object.keys(headers)) if (k.toLowerCase() === 'content-type') delete headers[k];
    headers['Content-Type'] = 'application/json';
  } else if (hasBody) body = config.body!;
  return E.right({
    request: { method, url: config.url, headers, ...(body !== undefined ? { body } : {}), timeoutMs: (timeout === 0 ? DEFAULT_WEB_TIMEOUT_SECONDS : timeout) * 1000, insecure: config.insecure ?? false },
    jsonPath: jsonPath.right,
    oauth2: oauth2.right,
    userHeaders,
  });
}

/**
 * How deep arrays and objects nest in a JSON text (0 for a scalar), read without recursion; strings are
 * skipped. Stops counting once `limit` is passed.
 */
export function jsonDepth(text: string, limit = Infinity): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      depth++;
      if (depth > max) {
        max = depth;
        if (max > limit) return max;
      }
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return max;
}

/**
 * The result users' conditions see: the first JSONPath match, or the raw body when it is not JSON. A JSON
 * document nested deeper than {@link MAX_WEB_JSON_DEPTH} levels is refused with a `ProviderResponseInvalid`.
 */
export function readWebBody(body: string, jsonPath: JsonPath): E.Either<PluginError, unknown> {
  let doc: unknown;
  try {
    doc = JSON.parse(body);
  } catch {
    return E.right(body);
  }
  const depth = jsonDepth(body, MAX_WEB_JSON_DEPTH);
  if (depth > MAX_WEB_JSON_DEPTH) {
    return E.left(
      PluginErrors.providerResponseInvalid({
        message: `the JSON answer nests arrays and objects more than ${MAX_WEB_JSON_DEPTH} levels deep; the web provider reads at most ${MAX_WEB_JSON_DEPTH} levels`,
      }),
    );
  }
  const matches = evaluateJsonPath(jsonPath, doc);
  if (E.isLeft(matches)) return E.left(PluginErrors.providerResponseInvalid({ message: `Could not find JSONPath in body: ${jsonPath.source}: ${matches.left}` }));
  if (matches.right.length === 0) return E.left(PluginErrors.providerResponseInvalid({ message: `result of web metric produced no value: ${jsonPath.source} matched nothing` }));
  return E.right(matches.right[0]);
}

async function measure(p: Plan, ctx: MeasurementContext, tokens: OAuth2TokenSource): Promise<E.Either<PluginError, ProviderObservation>> {
  const headers: Record<string, string> = { ...p.request.headers };
  if (p.oauth2 !== null) {
    const token = await tokens.token(p.oauth2, p.userHeaders, { timeoutMs: p.request.timeoutMs, insecure: p.request.insecure, signal: ctx.signal })();
    if (E.isLeft(token)) return token;
    headers['Authorization'] = `Bearer ${token.right}`;
  }
  const res = await sendHttp('web metric', { ...p.request, headers, signal: ctx.signal, maxBodyBytes: MAX_WEB_RESPONSE_BYTES })();
  if (E.isLeft(res)) return res;
  const { status, body } = res.right;
  if (status < 200 || status > 299) {
    if (status === 401 && p.oauth2 !== null) tokens.forget(p.oauth2);
    const message = `received non 2xx response code: ${status}`;
    return E.left(status >= 500 || status === 429 ? PluginErrors.providerUnavailable({ message }) : PluginErrors.providerResponseInvalid({ message }));
  }
  return E.map((value: unknown): ProviderObservation => ({ _tag: 'Value', value }))(readWebBody(body, p.jsonPath));
}

/** The `web` metric provider plugin. */
export const webMetricProvider: MetricProviderPlugin<WebMetric> = defineMetricProvider<WebMetric>({
  kind: 'web',
  configCodec: WebMetric,
  make(deps) {
    const tokens = createOAuth2TokenSource('web metric', deps.now);
    return (config): MetricProvider => ({
      run: (ctx): TaskEither<PluginError, ProviderObservation> => async () => {
        const p = plan(config);
        return E.isLeft(p) ? p : measure(p.right, ctx, tokens);
      },
    });
  },
});
