/**
 * The `influxdb` metric provider: reads its connection profile from a Secret in the controller's namespace
 * (`provider.influxdb.profile`, default `influxdb`; see `InfluxdbProfile`), runs `query`, and reports the
 * values as the result for the metric's conditions.
 *
 * - Flux (Argo Rollouts' behaviour): `POST {address}/api/v2/query?org=…` with `Authorization: Token …`; the
 *   result is the `_value` of every row of the annotated CSV answer; no rows is the error
 *   `no results returned from flux query`.
 * - InfluxQL (extension, profile key `queryLanguage: influxql`): `GET {address}/query?db=…&q=…`; the result is
 *   the one non-time column of every row; no rows is `no results returned from influxql query`.
 *
 * Each call is bounded by 30 s (as Argo) and by the controller's `ctx.signal`. The measurement metadata records
 * the query (`ResolvedInfluxdbQuery`), the profile Secret and the query language.
 */
import * as E from 'fp-ts/lib/Either';
import type { TaskEither } from 'fp-ts/lib/TaskEither';
import { InfluxdbMetric } from '@rollouts/api';
import {
  defineMetricProvider,
  PluginErrors,
  type MeasurementContext,
  type MetricProvider,
  type MetricProviderPlugin,
  type PluginError,
  type ProviderDeps,
  type ProviderObservation,
} from '@rollouts/plugin-sdk';
import { sendHttp, type HttpResponse } from '@rollouts/plugin-http';
import { readFluxAnnotatedCsv } from './FluxAnnotatedCsv';
import { DEFAULT_INFLUXDB_PROFILE, readInfluxdbProfile, type FluxProfile, type InfluxdbProfile, type InfluxqlProfile } from './InfluxdbProfile';
import { checkReadOnlyInfluxql } from './InfluxqlQuery';
import { readInfluxqlResponse } from './InfluxqlResponse';

/** Seconds a query may take (Argo Rollouts' fixed timeout). */
export const DEFAULT_INFLUXDB_TIMEOUT_SECONDS = 30;
/** Metadata key of the query that was sent. */
export const RESOLVED_INFLUXDB_QUERY_KEY = 'ResolvedInfluxdbQuery';
/** The namespace of the profile Secret when `POD_NAMESPACE` is not set (Argo's default). */
export const DEFAULT_CONTROLLER_NAMESPACE = 'argo-rollouts';

/** The body Argo Rollouts' client (influxdb-client-go) sends with a Flux query, minus the query. */
export const FLUX_DIALECT = { annotations: ['datatype', 'group', 'default'], delimiter: ',', header: true } as const;

/** Options of the plugin itself (not of a metric). */
export interface InfluxdbProviderOptions {
  /** Bound on each query in milliseconds; default `DEFAULT_INFLUXDB_TIMEOUT_SECONDS` × 1000. */
  readonly timeoutMs?: number;
  /** Namespace of the profile Secrets; default the controller's `POD_NAMESPACE`, else `argo-rollouts`. */
  readonly namespace?: string;
}

const PATH = 'provider.influxdb';

const configInvalid = (field: string, message: string): PluginError => PluginErrors.pluginConfigInvalid({ message, path: `${PATH}.${field}` });

/** Go's `url.QueryEscape`. */
const queryEscape = (s: string) =>
  encodeURIComponent(s)
    .replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
    .replace(/%20/g, '+');

/** Longest piece of an error body quoted in a message. */
const MAX_QUOTED = 400;
const quoted = (body: string) => {
  const s = body.replace(/\s+/g, ' ').trim();
  return s.length > MAX_QUOTED ? `${s.slice(0, MAX_QUOTED)}…` : s;
};

/** An error status as influxdb-client-go words it: `<code>: <message>` from a JSON body, else the body. */
function httpError(res: HttpResponse, label: string): PluginError {
  let message = '';
  try {
    const o = JSON.parse(res.body) as { code?: unknown; message?: unknown; error?: unknown };
    const code = typeof o.code === 'string' ? o.code : '';
    const text = typeof o.message === 'string' ? o.message : typeof o.error === 'string' ? o.error : '';
    message = code !== '' && text !== '' ? `${code}: ${text}` : text || code;
  } catch {
    message = quoted(res.body);
  }
  const full = `${label}: ${message === '' ? `Unexpected status code ${res.status}` : message} (HTTP ${res.status})`;
  return res.status >= 500 || res.status === 429 ? PluginErrors.providerUnavailable({ message: full }) : PluginErrors.providerResponseInvalid({ message: full });
}

async function runFlux(p: FluxProfile, query: string, ctx: MeasurementContext, timeoutMs: number): Promise<E.Either<PluginError, unknown[]>> {
  const res = await sendHttp('influxdb', {
    method: 'POST',
    url: `${p.address}/api/v2/query?org=${queryEscape(p.org)}`,
    headers: { Authorization: `Token ${p.authToken}`, 'Content-Type': 'application/json', 'Accept-Encoding': 'gzip' },
    body: JSON.stringify({ query, type: 'flux', dialect: FLUX_DIALECT }),
    timeoutMs,
    insecure: false,
    signal: ctx.signal,
  })();
  if (E.isLeft(res)) return res;
  if (res.right.status < 200 || res.right.status > 299) return E.left(httpError(res.right, 'flux query failed'));
  const read = readFluxAnnotatedCsv(res.right.body);
  if (E.isLeft(read)) {
    return E.left(PluginErrors.providerResponseInvalid({ message: read.left.kind === 'query' ? `flux query error: ${read.left.message}` : `the flux answer cannot be read: ${read.left.message}` }));
  }
  if (read.right.length === 0) return E.left(PluginErrors.providerResponseInvalid({ message: 'no results returned from flux query' }));
  return E.right(read.right);
}

async function runInfluxql(p: InfluxqlProfile, query: string, ctx: MeasurementContext, timeoutMs: number): Promise<E.Either<PluginError, { values: unknown[]; messages: ReadonlyArray<string> }>> {
  const params = [['db', p.database], ...(p.retentionPolicy !== undefined ? [['rp', p.retentionPolicy]] : []), ['q', query]];
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (p.auth !== null) headers['Authorization'] = 'token' in p.auth ? `Token ${p.auth.token}` : `Basic ${Buffer.from(`${p.auth.username}:${p.auth.password}`).toString('base64')}`;
  const res = await sendHttp('influxdb', {
    method: 'GET',
    url: `${p.address}/query?${params.map(([k, v]) => `${k}=${queryEscape(v!)}`).join('&')}`,
    headers,
    timeoutMs,
    insecure: false,
    signal: ctx.signal,
  })();
  if (E.isLeft(res)) return res;
  const ok = res.right.status >= 200 && res.right.status <= 299;
  const read = readInfluxqlResponse(res.right.body);
  if (!ok && (E.isRight(read) || read.left.kind === 'parse')) return E.left(httpError(res.right, 'influxql query failed'));
  if (E.isLeft(read)) {
    if (read.left.kind === 'parse') return E.left(PluginErrors.providerResponseInvalid({ message: `the influxql answer cannot be read: ${read.left.message}` }));
    const message = `influxql query error: ${read.left.message}${ok ? '' : ` (HTTP ${res.right.status})`}`;
    return E.left(!ok && (res.right.status >= 500 || res.right.status === 429) ? PluginErrors.providerUnavailable({ message }) : PluginErrors.providerResponseInvalid({ message }));
  }
  if (read.right.values.length === 0) return E.left(PluginErrors.providerResponseInvalid({ message: 'no results returned from influxql query' }));
  return E.right(read.right);
}

async function loadProfile(deps: ProviderDeps, namespace: string, config: InfluxdbMetric): Promise<E.Either<PluginError, { profile: InfluxdbProfile; where: string }>> {
  const name = config.profile != null && config.profile !== '' ? config.profile : DEFAULT_INFLUXDB_PROFILE;
  const where = `Secret "${namespace}/${name}"`;
  const secret = await deps.kube.get({ apiVersion: 'v1', kind: 'Secret', namespace, name })();
  if (E.isLeft(secret)) return secret;
  if (secret.right === undefined) {
    return E.left(configInvalid('profile', `secrets "${name}" not found in namespace "${namespace}": the influxdb provider reads address, authToken and org from this Secret`));
  }
  const profile = readInfluxdbProfile(secret.right, where);
  return E.isLeft(profile) ? E.left(configInvalid('profile', profile.left)) : E.right({ profile: profile.right, where: `${namespace}/${name}` });
}

async function measure(deps: ProviderDeps, namespace: string, timeoutMs: number, config: InfluxdbMetric, ctx: MeasurementContext): Promise<E.Either<PluginError, ProviderObservation>> {
  const query = config.query ?? '';
  if (query.trim() === '') return E.left(configInvalid('query', `${PATH}.query is required`));
  const loaded = await loadProfile(deps, namespace, config);
  if (E.isLeft(loaded)) return loaded;
  const { profile, where } = loaded.right;
  const metadata: Record<string, string> = { [RESOLVED_INFLUXDB_QUERY_KEY]: query, InfluxdbProfile: where, InfluxdbQueryLanguage: profile.language };
  if (profile.language === 'flux') {
    const values = await runFlux(profile, query, ctx, timeoutMs);
    return E.isLeft(values) ? values : E.right({ _tag: 'Value', value: values.right, metadata });
  }
  const readOnly = checkReadOnlyInfluxql(query);
  if (E.isLeft(readOnly)) return E.left(configInvalid('query', `InfluxQL query refused: ${readOnly.left}`));
  const read = await runInfluxql(profile, query, ctx, timeoutMs);
  if (E.isLeft(read)) return read;
  if (read.right.messages.length > 0) metadata['warnings'] = read.right.messages.join('; ');
  return E.right({ _tag: 'Value', value: read.right.values, metadata });
}

/** An `influxdb` provider plugin with its own options (the default export uses Argo's 30 s timeout). */
export function createInfluxdbMetricProvider(options: InfluxdbProviderOptions = {}): MetricProviderPlugin<InfluxdbMetric> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_INFLUXDB_TIMEOUT_SECONDS * 1000;
  if (!(timeoutMs > 0)) throw new Error(`createInfluxdbMetricProvider: timeoutMs must be positive (got ${timeoutMs})`);
  return defineMetricProvider<InfluxdbMetric>({
    kind: 'influxdb',
    configCodec: InfluxdbMetric,
    make(deps) {
      const podNamespace = deps.env['POD_NAMESPACE'];
      const namespace = options.namespace ?? (podNamespace !== undefined && podNamespace !== '' ? podNamespace : DEFAULT_CONTROLLER_NAMESPACE);
      return (config): MetricProvider => ({
        run: (ctx): TaskEither<PluginError, ProviderObservation> => () => measure(deps, namespace, timeoutMs, config, ctx),
      });
    },
  });
}

/** The `influxdb` metric provider plugin. */
export const influxdbMetricProvider: MetricProviderPlugin<InfluxdbMetric> = createInfluxdbMetricProvider();
