/**
 * The `datadog` metric provider (Argo Rollouts' `provider.datadog`):
 *
 * - `apiVersion: v1` (default): `GET {address}/api/v1/query?from=<now-interval>&query=<q>&to=<now>` (unix
 *   seconds); the result is the last point of the first series, `null` when there is none.
 * - `apiVersion: v2`: `POST {address}/api/v2/query/scalar` with `query` (sent as the query named `query`) or
 *   `queries` + `formula`, reduced with `aggregator` (default `last`) over `interval` (default `5m`); the result
 *   is a number, or a `number[]` when the query is grouped (`by {tag}`), `null` without data.
 *
 * Both send `DD-API-KEY` and `DD-APPLICATION-KEY` (see `DatadogCredentials` for where they come from) and are
 * bounded by `requestTimeout` (default `10s`). HTTP 429 makes the measurement wait (a `Pending` with `resumeAt`
 * as `Retry-After` / `X-RateLimit-Reset` ask, up to 3 times and 5 minutes each) before it becomes a retryable
 * `Error`. 401/403 is an Error naming where the keys were read from; key values never appear in a message.
 */
import * as E from 'fp-ts/lib/Either';
import type { TaskEither } from 'fp-ts/lib/TaskEither';
import { DatadogMetric, parseGoDuration } from '@rollouts/api';
import {
  defineMetricProvider,
  PluginErrors,
  type MeasurementContext,
  type MeasurementMetadata,
  type MetricProvider,
  type MetricProviderPlugin,
  type PluginError,
  type ProviderDeps,
  type ProviderObservation,
} from '@rollouts/plugin-sdk';
import { originOf, sendHttp, type HttpResponse } from '@rollouts/plugin-http';
import { datadogCredentials, type DatadogCredentials } from './DatadogCredentials';
import { readV1Response, readV2Response, type DatadogResult } from './DatadogResponse';
import { MAX_RATE_LIMIT_WAIT_MS, MAX_RATE_LIMIT_WAITS, RATE_LIMIT_KEY, RATE_LIMIT_WAITS_KEY, rateLimitWait, waitsSoFar } from './RateLimit';

/** Window of the query when `interval` is not set. */
export const DEFAULT_DATADOG_INTERVAL = '5m';
/** Bound on each request when `requestTimeout` is not set. */
export const DEFAULT_DATADOG_REQUEST_TIMEOUT = '10s';
/** v2 reducer when `aggregator` is not set. */
export const DEFAULT_DATADOG_AGGREGATOR = 'last';
/** Metadata key of the query (or queries and formula) that was sent. */
export const RESOLVED_DATADOG_QUERY_KEY = 'ResolvedDatadogQuery';

const PATH = 'provider.datadog';
const LABEL = 'datadog';
/** Longest piece of an error body quoted in a message. */
const MAX_QUOTED = 400;

const configInvalid = (field: string, message: string): PluginError => PluginErrors.pluginConfigInvalid({ message, path: `${PATH}${field === '' ? '' : `.${field}`}` });

/** A checked metric config, before any I/O. */
export interface DatadogQueryPlan {
  readonly version: 'v1' | 'v2';
  readonly intervalMs: number;
  readonly timeoutMs: number;
  /** v2: the queries by name (a lone `query` is named `query`). */
  readonly queries: ReadonlyArray<readonly [string, string]>;
  readonly formula: string | undefined;
  readonly aggregator: string;
  readonly resolved: string;
}

function positiveDuration(value: string | null | undefined, fallback: string, field: string): E.Either<PluginError, number> {
  const text = value == null || value === '' ? fallback : value;
  const ms = parseGoDuration(text);
  if (E.isLeft(ms)) return E.left(configInvalid(field, `${PATH}.${field}: ${ms.left}`));
  if (!(ms.right > 0)) return E.left(configInvalid(field, `${PATH}.${field} must be greater than zero (got ${JSON.stringify(text)})`));
  return E.right(ms.right);
}

/** Check `config` as upstream's provider constructor does, and work out the request. */
export function planDatadogQuery(config: DatadogMetric): E.Either<PluginError, DatadogQueryPlan> {
  const version = config.apiVersion ?? 'v1';
  const query = config.query ?? '';
  const queries = Object.entries(config.queries ?? {});
  const hasQuery = query.trim() !== '';
  if (hasQuery && queries.length > 0) return E.left(configInvalid('', `${PATH}: set either query or queries, not both`));
  if (!hasQuery && queries.length === 0) return E.left(configInvalid('query', `${PATH}.query is required (or queries with apiVersion: v2)`));
  const formula = config.formula != null && config.formula.trim() !== '' ? config.formula : undefined;
  if (version === 'v1') {
    if (!hasQuery) return E.left(configInvalid('queries', `${PATH}.queries needs apiVersion: v2 (v1 takes a single query)`));
    if (formula !== undefined) return E.left(configInvalid('formula', `${PATH}.formula needs apiVersion: v2 and queries`));
    if (config.aggregator != null) return E.left(configInvalid('aggregator', `${PATH}.aggregator is only used with apiVersion: v2`));
  } else {
    if (formula !== undefined && queries.length === 0) return E.left(configInvalid('formula', `${PATH}.formula needs queries (name each query and refer to the names in the formula)`));
    if (queries.length > 1 && formula === undefined) return E.left(configInvalid('formula', `${PATH}.formula is required when queries has more than one query`));
    for (const [name, q] of queries) if (q.trim() === '') return E.left(configInvalid(`queries.${name}`, `${PATH}.queries.${name} is empty`));
  }
  const interval = positiveDuration(config.interval, DEFAULT_DATADOG_INTERVAL, 'interval');
  if (E.isLeft(interval)) return interval;
  const timeout = positiveDuration(config.requestTimeout, DEFAULT_DATADOG_REQUEST_TIMEOUT, 'requestTimeout');
  if (E.isLeft(timeout)) return timeout;
  const named: ReadonlyArray<readonly [string, string]> = hasQuery ? [['query', query]] : queries;
  const resolved = hasQuery ? query : JSON.stringify({ queries: Object.fromEntries(queries), ...(formula !== undefined ? { formula } : {}) });
  return E.right({ version, intervalMs: interval.right, timeoutMs: timeout.right, queries: named, formula, aggregator: config.aggregator ?? DEFAULT_DATADOG_AGGREGATOR, resolved });
}

/** Go's `url.QueryEscape`. */
const queryEscape = (s: string) =>
  encodeURIComponent(s)
    .replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
    .replace(/%20/g, '+');

/** The request for `plan` at `now` (epoch ms), without credentials. */
export function datadogRequest(plan: DatadogQueryPlan, address: string, now: number): { method: 'GET' | 'POST'; url: string; body?: string } {
  if (plan.version === 'v1') {
    const to = Math.floor(now / 1000);
    const from = to - Math.floor(plan.intervalMs / 1000);
    return { method: 'GET', url: `${address}/api/v1/query?from=${from}&query=${queryEscape(plan.queries[0]![1])}&to=${to}` };
  }
  const body = {
    data: {
      type: 'scalar_request',
      attributes: {
        from: now - plan.intervalMs,
        to: now,
        queries: plan.queries.map(([name, query]) => ({ aggregator: plan.aggregator, data_source: 'metrics', name, query })),
        formulas: plan.formula !== undefined ? [{ formula: plan.formula }] : [],
      },
    },
  };
  return { method: 'POST', url: `${address}/api/v2/query/scalar`, body: JSON.stringify(body) };
}

/** `text` with every credential value replaced by `*****`. */
function redact(text: string, creds: DatadogCredentials): string {
  let out = text;
  for (const secret of [creds.apiKey, creds.appKey]) if (secret.length > 0) out = out.split(secret).join('*****');
  return out;
}

const quoted = (body: string) => {
  const s = body.replace(/\s+/g, ' ').trim();
  return s.length > MAX_QUOTED ? `${s.slice(0, MAX_QUOTED)}…` : s;
};

/** An error's message (and nothing else that could hold a key) with credentials redacted. */
function redacted(e: PluginError, creds: DatadogCredentials): PluginError {
  const { cause: _dropped, ...rest } = e;
  return { ...rest, message: redact(e.message, creds) } as PluginError;
}

function statusError(res: HttpResponse, creds: DatadogCredentials): PluginError {
  const body = quoted(res.body);
  if (res.status === 401 || res.status === 403) {
    return PluginErrors.providerResponseInvalid({
      message: `received authentication error response code: ${res.status}${body === '' ? '' : ` ${body}`}; check ${DATADOG_KEYS_HINT} in ${creds.source} (the keys must be valid for ${originOf(creds.address)}; the application key needs the timeseries_query scope)`,
    });
  }
  const message = `received non 2xx response code: ${res.status}${body === '' ? '' : ` ${body}`}`;
  return res.status >= 500 ? PluginErrors.providerUnavailable({ message }) : PluginErrors.providerResponseInvalid({ message });
}

const DATADOG_KEYS_HINT = 'the api-key and app-key';

/** The answer to a 429: wait (Pending) while the waits are few and short enough, else a retryable Error. */
function rateLimited(res: HttpResponse, ctx: MeasurementContext, previousWaits: number, base: MeasurementMetadata): E.Either<PluginError, ProviderObservation> {
  const wait = rateLimitWait(res.headers, ctx.now);
  const name = res.headers['x-ratelimit-name'];
  const what = `datadog answered HTTP 429 (rate limited${name !== undefined ? `, limit ${name}` : ''})`;
  const asked = wait.source === 'default' ? `no Retry-After or X-RateLimit-Reset header, so ${wait.waitMs / 1000} s` : `${wait.source} ${Math.ceil(wait.waitMs / 1000)} s`;
  const waits = previousWaits + 1;
  if (waits > MAX_RATE_LIMIT_WAITS || wait.waitMs > MAX_RATE_LIMIT_WAIT_MS) {
    const why = waits > MAX_RATE_LIMIT_WAITS ? `still rate limited after waiting ${previousWaits} times` : `the wait asked for (${asked}) is longer than the ${MAX_RATE_LIMIT_WAIT_MS / 1000} s a measurement waits`;
    return E.left(PluginErrors.providerUnavailable({ message: `${what}: ${why}; the measurement is retried as an error` }));
  }
  return E.right({
    _tag: 'Pending',
    resumeAt: ctx.now + wait.waitMs,
    metadata: { ...base, [RATE_LIMIT_WAITS_KEY]: String(waits), [RATE_LIMIT_KEY]: `${what}; waited ${asked} (wait ${waits} of ${MAX_RATE_LIMIT_WAITS})` },
  });
}

async function measure(deps: ProviderDeps, config: DatadogMetric, ctx: MeasurementContext, previousWaits: number): Promise<E.Either<PluginError, ProviderObservation>> {
  const plan = planDatadogQuery(config);
  if (E.isLeft(plan)) return plan;
  if (ctx.signal.aborted) return E.left(PluginErrors.pluginAborted({ message: 'the datadog measurement was cancelled before it started' }));
  const creds = await datadogCredentials(deps, config, ctx);
  if (E.isLeft(creds)) return creds;
  const c = creds.right;
  const req = datadogRequest(plan.right, c.address, ctx.now);
  const res = await sendHttp(LABEL, {
    method: req.method,
    url: req.url,
    headers: { 'Content-Type': 'application/json', Accept: 'application/json', 'DD-API-KEY': c.apiKey, 'DD-APPLICATION-KEY': c.appKey },
    ...(req.body !== undefined ? { body: req.body } : {}),
    timeoutMs: plan.right.timeoutMs,
    insecure: false,
    signal: ctx.signal,
  })();
  if (E.isLeft(res)) return E.left(redacted(res.left, c));
  const metadata: Record<string, string> = { [RESOLVED_DATADOG_QUERY_KEY]: plan.right.resolved };
  if (res.right.status === 429) return E.mapLeft((e: PluginError) => redacted(e, c))(rateLimited(res.right, ctx, previousWaits, metadata));
  if (res.right.status !== 200) return E.left(redacted(statusError(res.right, c), c));
  const read: E.Either<PluginError, DatadogResult> = plan.right.version === 'v1' ? readV1Response(res.right.body) : readV2Response(res.right.body);
  if (E.isLeft(read)) return E.left(redacted(read.left, c));
  return E.right({ _tag: 'Value', value: read.right.value, metadata: { ...metadata, ...read.right.metadata } });
}

/** The `datadog` metric provider plugin. */
export const datadogMetricProvider: MetricProviderPlugin<DatadogMetric> = defineMetricProvider<DatadogMetric>({
  kind: 'datadog',
  configCodec: DatadogMetric,
  make(deps) {
    return (config): MetricProvider => ({
      run: (ctx): TaskEither<PluginError, ProviderObservation> => () => measure(deps, config, ctx, 0),
      /** A measurement waiting for the rate limit: query again, counting the waits. */
      resume: (ctx, metadata): TaskEither<PluginError, ProviderObservation> => () => measure(deps, config, ctx, waitsSoFar(metadata)),
      /** A run that terminates while a measurement waits for the rate limit: nothing was measured, nothing to stop. */
      terminate: (_ctx, metadata): TaskEither<PluginError, ProviderObservation> => () =>
        Promise.resolve(
          E.right({
            _tag: 'Verdict',
            phase: 'Successful',
            message: `the run was terminated while the measurement waited for Datadog's rate limit (${waitsSoFar(metadata)} wait(s)); no value was taken`,
          }),
        ),
    });
  },
});
