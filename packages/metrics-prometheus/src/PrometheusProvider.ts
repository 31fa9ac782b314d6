/**
 * The `prometheus` metric provider: runs `query` (instant, or over `rangeQuery`) against the Prometheus HTTP
 * API at `address` (default: the controller's `ARGO_ROLLOUTS_PROMETHEUS_ADDRESS`) and reports the result as
 * a value for the metric's conditions, with the resolved query in the measurement metadata. Supports
 * `timeout`, `insecure`, `headers`, `authentication.basicAuth`, `authentication.oauth2`, and
 * `authentication.sigv4` (AWS SigV4, service `aps`, for Amazon Managed Prometheus) when the app injects a
 * signer factory ({@link createPrometheusMetricProvider}); without one, `sigv4` is refused with `PluginUnsupported`.
 */
import * as E from 'fp-ts/lib/Either';
import type { TaskEither } from 'fp-ts/lib/TaskEither';
import { PrometheusMetric, type MetricAuthentication, type Sigv4Config } from '@rollouts/api';
import {
  defineMetricProvider,
  PluginErrors,
  type MeasurementContext,
  type MeasurementMetadata,
  type MetricProvider,
  type MetricProviderPlugin,
  type PluginError,
  type ProviderObservation,
} from '@rollouts/plugin-sdk';
import { sendHttp, type HttpRequest } from '@rollouts/plugin-http';
import { createOAuth2TokenSource, oauth2ClientOf, type OAuth2Client, type OAuth2TokenSource } from '@rollouts/plugin-http';
import { readPrometheusResponse } from './PrometheusResponse';
import { evaluateTimeExpression, stepSeconds } from './TimeExpression';

/** The environment variable holding the default Prometheus address. */
export const PROMETHEUS_ADDRESS_ENV = 'ARGO_ROLLOUTS_PROMETHEUS_ADDRESS';
/** Seconds a query may take when `timeout` is not set. */
export const DEFAULT_PROMETHEUS_TIMEOUT_SECONDS = 30;
/** Metadata key of the query that was sent (after argument substitution). */
export const RESOLVED_QUERY_KEY = 'ResolvedPrometheusQuery';

const PATH = 'provider.prometheus';

/** Signs one request: the complete headers to send with it (same contract as `@rollouts/plugin-aws`'s `RequestSigner`). */
export type PrometheusRequestSigner = (request: {
  readonly method: string;
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: string | undefined;
}) => TaskEither<PluginError, Readonly<Record<string, string>>>;

/**
 * Builds the signer for an `authentication.sigv4` block; `path` is the block's field path for error messages.
 * The controller app injects one over `@rollouts/plugin-aws` (`createSigV4Signer({ service: 'aps', ... })`), so
 * this package has no AWS dependency.
 */
export type PrometheusSigv4SignerFactory = (config: Sigv4Config, env: Readonly<Record<string, string | undefined>>, path: string) => E.Either<PluginError, PrometheusRequestSigner>;

export interface PrometheusProviderOptions {
  /** Enables `authentication.sigv4`. */
  readonly sigv4?: PrometheusSigv4SignerFactory;
}

const configInvalid = (field: string, message: string): PluginError => PluginErrors.pluginConfigInvalid({ message, path: `${PATH}.${field}` });

/** A validated request plan, before any I/O. */
interface Plan {
  readonly base: string;
  readonly query: string;
  readonly timeoutMs: number;
  readonly insecure: boolean;
  readonly headers: Readonly<Record<string, string>>;
  readonly oauth2: OAuth2Client | null;
  /** The `authentication.sigv4` block when set (non-empty). */
  readonly sigv4: Sigv4Config | null;
  /** `[path, form fields, metadata]` of the query request. */
  readonly path: string;
  readonly form: ReadonlyArray<readonly [string, string]>;
  readonly metadata: MeasurementMetadata;
}

const unixSeconds = (ms: number): string => String(ms / 1000);

function addressOf(config: PrometheusMetric, env: Readonly<Record<string, string | undefined>>): E.Either<PluginError, string> {
  const address = config.address != null && config.address !== '' ? config.address : (env[PROMETHEUS_ADDRESS_ENV] ?? '');
  if (address === '') return E.left(configInvalid('address', `prometheus address is not configured: set ${PATH}.address or the controller's ${PROMETHEUS_ADDRESS_ENV}`));
  let url: URL;
  try {
    url = new URL(address);
  } catch {
    return E.left(configInvalid('address', `prometheus address is not in url format: ${JSON.stringify(address)} (expected http(s)://host[:port][/path])`));
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.hostname === '') {
    return E.left(configInvalid('address', `prometheus address is not in url format: ${JSON.stringify(address)} (expected http(s)://host[:port][/path])`));
  }
  return E.right(address.replace(/\/+$/, ''));
}

/** The sigv4 block when it says anything (an empty `sigv4: {}` signs too: region and credentials from the chain). */
function sigv4Of(auth: MetricAuthentication | null | undefined, supported: boolean): E.Either<PluginError, Sigv4Config | null> {
  const sigv4 = auth?.sigv4;
  if (sigv4 == null) return E.right(null);
  if (!supported) {
    return E.left(
      PluginErrors.pluginUnsupported({
        message: `${PATH}.authentication.sigv4 (AWS SigV4 signing for Amazon Managed Prometheus) is not supported by this controller build; query through a SigV4 proxy (e.g. aws-sigv4-proxy) and point ${PATH}.address at it`,
      }),
    );
  }
  return E.right(sigv4);
}

function authHeaders(auth: MetricAuthentication | null | undefined): E.Either<PluginError, Record<string, string>> {
  const basic = auth?.basicAuth;
  if (basic != null && (basic.username != null || basic.password != null)) {
    if (basic.username == null || basic.username === '') return E.left(configInvalid('authentication.basicAuth.username', `${PATH}.authentication.basicAuth.username is required with basicAuth`));
    if (basic.password == null || basic.password === '') return E.left(configInvalid('authentication.basicAuth.password', `${PATH}.authentication.basicAuth.password is required with basicAuth`));
    return E.right({ Authorization: `Basic ${Buffer.from(`${basic.username}:${basic.password}`).toString('base64')}` });
  }
  return E.right({});
}

/** Check `config` and work out the request, or say what is wrong with it. */
function plan(config: PrometheusMetric, env: Readonly<Record<string, string | undefined>>, now: number, sigv4Supported: boolean): E.Either<PluginError, Plan> {
  const base = addressOf(config, env);
  if (E.isLeft(base)) return base;
  const query = config.query ?? '';
  if (query.trim() === '') return E.left(configInvalid('query', `${PATH}.query is required`));
  const timeout = config.timeout ?? 0;
  if (timeout < 0) return E.left(configInvalid('timeout', `${PATH}.timeout should not be negative (got ${timeout})`));
  const auth = authHeaders(config.authentication);
  if (E.isLeft(auth)) return auth;
  const oauth2 = oauth2ClientOf(config.authentication?.oauth2, `${PATH}.authentication.oauth2`);
  if (E.isLeft(oauth2)) return oauth2;
  const sigv4 = sigv4Of(config.authentication, sigv4Supported);
  if (E.isLeft(sigv4)) return sigv4;
  if ([oauth2.right !== null, auth.right['Authorization'] !== undefined, sigv4.right !== null].filter(Boolean).length > 1) {
    return E.left(configInvalid('authentication', `${PATH}.authentication: choose one of basicAuth, oauth2 and sigv4`));
  }
  const headers: Record<string, string> = { ...auth.right };
  for (const h of config.headers ?? []) headers[h.key] = h.value;
  const common = { base: base.right, query, timeoutMs: (timeout === 0 ? DEFAULT_PROMETHEUS_TIMEOUT_SECONDS : timeout) * 1000, insecure: config.insecure ?? false, headers, oauth2: oauth2.right, sigv4: sigv4.right };
  const range = config.rangeQuery;
  if (range == null) {
    return E.right({ ...common, path: '/api/v1/query', form: [['query', query], ['time', unixSeconds(now)]], metadata: { [RESOLVED_QUERY_KEY]: query } });
  }
  const times: number[] = [];
  for (const field of ['start', 'end'] as const) {
    const expr = range[field];
    if (expr == null || expr.trim() === '') return E.left(configInvalid(`rangeQuery.${field}`, `${PATH}.rangeQuery.${field} is required for a range query (e.g. now() - duration("10m"))`));
    const t = evaluateTimeExpression(expr, now);
    if (E.isLeft(t)) return E.left(configInvalid(`rangeQuery.${field}`, `${PATH}.rangeQuery.${field}: ${t.left}`));
    times.push(t.right);
  }
  const [start, end] = times as [number, number];
  if (start > end) return E.left(configInvalid('rangeQuery', `${PATH}.rangeQuery: start is after end`));
  const step = stepSeconds(range.step ?? '');
  if (E.isLeft(step)) return E.left(configInvalid('rangeQuery.step', `${PATH}.rangeQuery.step: ${range.step == null || range.step === '' ? 'is required for a range query (e.g. "1m")' : step.left}`));
  return E.right({
    ...common,
    path: '/api/v1/query_range',
    form: [['query', query], ['start', unixSeconds(start)], ['end', unixSeconds(end)], ['step', String(step.right)]],
    metadata: {
      [RESOLVED_QUERY_KEY]: query,
      ResolvedPrometheusRangeQuery: `start=${new Date(start).toISOString()} end=${new Date(end).toISOString()} step=${step.right}s`,
    },
  });
}

async function measure(p: Plan, ctx: MeasurementContext, tokens: OAuth2TokenSource, signer: PrometheusRequestSigner | null): Promise<E.Either<PluginError, ProviderObservation>> {
  const transport = { timeoutMs: p.timeoutMs, insecure: p.insecure, signal: ctx.signal };
  const headers: Record<string, string> = { ...p.headers };
  if (p.oauth2 !== null) {
    const token = await tokens.token(p.oauth2, p.headers, transport)();
    if (E.isLeft(token)) return token;
    headers['Authorization'] = `Bearer ${token.right}`;
  }
  const body = new URLSearchParams(p.form.map(([k, v]): [string, string] => [k, v])).toString();
  // With sigv4 every request is signed as sent (method, URL, headers, body), the GET fallback included.
  const signed = async (method: string, url: string, h: Record<string, string>, b?: string): Promise<E.Either<PluginError, Record<string, string>>> =>
    signer === null ? E.right(h) : ((await signer({ method, url, headers: h, body: b })()) as E.Either<PluginError, Record<string, string>>);
  const postUrl = `${p.base}${p.path}`;
  const postHeaders = await signed('POST', postUrl, { ...headers, 'Content-Type': 'application/x-www-form-urlencoded' }, body);
  if (E.isLeft(postHeaders)) return postHeaders;
  const post: HttpRequest = { ...transport, method: 'POST', url: postUrl, headers: postHeaders.right, body };
  let res = await sendHttp('prometheus', post)();
  if (E.isRight(res) && (res.right.status === 405 || res.right.status === 501)) {
    // Servers (and proxies) that take only GET: send the same query in the URL.
    const getUrl = `${p.base}${p.path}?${body}`;
    const getHeaders = await signed('GET', getUrl, headers);
    if (E.isLeft(getHeaders)) return getHeaders;
    res = await sendHttp('prometheus', { ...transport, method: 'GET', url: getUrl, headers: getHeaders.right })();
  }
  if (E.isLeft(res)) return res;
  if (res.right.status === 401 && p.oauth2 !== null) tokens.forget(p.oauth2);
  const read = readPrometheusResponse(res.right.status, res.right.body);
  if (E.isLeft(read)) return read;
  const metadata: Record<string, string> = { ...p.metadata };
  if (read.right.warnings.length > 0) metadata['warnings'] = read.right.warnings.map((w) => JSON.stringify(w)).join(', ');
  return E.right({ _tag: 'Value', value: read.right.value, metadata });
}

/** The `prometheus` metric provider plugin; pass `sigv4` to enable `authentication.sigv4`. */
export function createPrometheusMetricProvider(options: PrometheusProviderOptions = {}): MetricProviderPlugin<PrometheusMetric> {
  return defineMetricProvider<PrometheusMetric>({
    kind: 'prometheus',
    configCodec: PrometheusMetric,
    make(deps) {
      const tokens = createOAuth2TokenSource('prometheus', deps.now);
      return (config): MetricProvider => {
        // One signer per metric config: its credentials provider caches and refreshes the keys.
        let signer: E.Either<PluginError, PrometheusRequestSigner> | undefined;
        return {
          run: (ctx): TaskEither<PluginError, ProviderObservation> => async () => {
            const p = plan(config, deps.env, ctx.now, options.sigv4 !== undefined);
            if (E.isLeft(p)) return p;
            if (p.right.sigv4 !== null && options.sigv4 !== undefined) {
              signer ??= options.sigv4(p.right.sigv4, deps.env, `${PATH}.authentication.sigv4`);
              if (E.isLeft(signer)) return signer;
            }
            return measure(p.right, ctx, tokens, p.right.sigv4 !== null && signer !== undefined && E.isRight(signer) ? signer.right : null);
          },
        };
      };
    },
  });
}

/** The `prometheus` metric provider plugin without SigV4 (`authentication.sigv4` answers PluginUnsupported). */
export const prometheusMetricProvider: MetricProviderPlugin<PrometheusMetric> = createPrometheusMetricProvider();
