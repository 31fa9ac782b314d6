/**
 * The `newRelic` metric provider (Argo Rollouts' `provider.newRelic`): runs the NRQL `query` through NerdGraph
 * (`POST <region's /graphql>` with `Api-Key`), in the account of the profile Secret (see `NewRelicProfile`),
 * with `timeout` seconds for NRDB (default 5), and reports the rows as the result for the metric's conditions
 * (one row → an object, several → a list; see `NerdGraphResponse`).
 *
 * Each request is bounded by 30 s, or `timeout` + 5 s when that is longer. HTTP 429 makes the measurement
 * wait (a `Pending` with `resumeAt` as `Retry-After` asks, up to 3 times and 5 minutes each) before it
 * becomes a retryable `Error`. 401/403 and `BAD_API_KEY` are Errors naming the Secret; the key never appears
 * in a message or in metadata.
 */
import * as E from 'fp-ts/lib/Either';
import type { TaskEither } from 'fp-ts/lib/TaskEither';
import { NewRelicMetric } from '@rollouts/api';
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
import { graphqlErrors, readNerdGraphResponse, type NerdGraphProblem } from './NerdGraphResponse';
import { controllerNamespace, DEFAULT_NEWRELIC_PROFILE, NEWRELIC_PROFILE_KEYS, readNewRelicProfile, type NewRelicProfile } from './NewRelicProfile';
import { MAX_RATE_LIMIT_WAIT_MS, MAX_RATE_LIMIT_WAITS, RATE_LIMIT_KEY, RATE_LIMIT_WAITS_KEY, rateLimitWait, waitsSoFar } from './RateLimit';

/** NRDB's time limit for the query when `timeout` is not set, in seconds. */
export const DEFAULT_NRQL_TIMEOUT_SECONDS = 5;
/** The HTTP bound on a NerdGraph request unless `timeout` asks for longer (upstream's client timeout). */
export const DEFAULT_NERDGRAPH_HTTP_TIMEOUT_MS = 30_000;
/** Metadata key of the NRQL that was sent. */
export const RESOLVED_NEWRELIC_QUERY_KEY = 'ResolvedNewRelicQuery';
/** Metadata key of the profile Secret that was used. */
export const NEWRELIC_PROFILE_KEY = 'NewRelicProfile';

/** The GraphQL document sent (variables carry the account, the NRQL and the timeout). */
export const NRQL_GRAPHQL_QUERY =
  'query ($query: Nrql!, $accountId: Int!, $timeout: Seconds!) { actor { account(id: $accountId) { nrql(query: $query, timeout: $timeout) { results } } } }';

/** Options of the plugin itself (not of a metric). */
export interface NewRelicProviderOptions {
  /** The HTTP bound on each NerdGraph request in ms; default 30 s (or the NRQL timeout + 5 s when longer). */
  readonly httpTimeoutMs?: number;
}

const PATH = 'provider.newRelic';
const LABEL = 'New Relic NerdGraph';
const MAX_QUOTED = 400;

const configInvalid = (field: string, message: string): PluginError => PluginErrors.pluginConfigInvalid({ message, path: `${PATH}.${field}` });

const quoted = (body: string) => {
  const s = body.replace(/\s+/g, ' ').trim();
  return s.length > MAX_QUOTED ? `${s.slice(0, MAX_QUOTED)}…` : s;
};

/** An error with the key value redacted from its message and its cause dropped (it may hold request headers). */
function redacted(e: PluginError, apiKey: string): PluginError {
  const { cause: _dropped, ...rest } = e;
  return { ...rest, message: apiKey.length > 0 ? e.message.split(apiKey).join('*****') : e.message } as PluginError;
}

async function loadProfile(deps: ProviderDeps, config: NewRelicMetric): Promise<E.Either<PluginError, NewRelicProfile>> {
  const namespace = controllerNamespace(deps.env);
  const name = config.profile != null && config.profile !== '' ? config.profile : DEFAULT_NEWRELIC_PROFILE;
  const where = `Secret "${namespace}/${name}"`;
  const secret = await deps.kube.get({ apiVersion: 'v1', kind: 'Secret', namespace, name })();
  if (E.isLeft(secret)) return E.left({ ...secret.left, message: `could not read ${where} for the newRelic provider: ${secret.left.message}` });
  if (secret.right === undefined) {
    return E.left(
      configInvalid(
        'profile',
        `account ID or personal API key not found: ${where} does not exist (create it with keys ${NEWRELIC_PROFILE_KEYS.personalApiKey}, ${NEWRELIC_PROFILE_KEYS.accountId} and optionally ${NEWRELIC_PROFILE_KEYS.region}, or name another Secret in ${PATH}.profile)`,
      ),
    );
  }
  const profile = readNewRelicProfile(secret.right, where);
  return E.isLeft(profile) ? E.left(configInvalid('profile', profile.left)) : E.right(profile.right);
}

function problemError(p: NerdGraphProblem, profile: NewRelicProfile, status?: number): PluginError {
  switch (p.kind) {
    case 'auth':
      return PluginErrors.providerResponseInvalid({
        message: `New Relic refused the personal API key${status !== undefined ? ` (HTTP ${status})` : ''}: ${p.message}; check ${NEWRELIC_PROFILE_KEYS.personalApiKey} (a User key) and ${NEWRELIC_PROFILE_KEYS.accountId} in ${profile.where}`,
      });
    case 'retryable':
      return PluginErrors.providerUnavailable({ message: `NerdGraph error${status !== undefined ? ` (HTTP ${status})` : ''}: ${p.message}` });
    case 'invalid':
      return PluginErrors.providerResponseInvalid({ message: p.message.startsWith('no results') || p.message.startsWith('could not') ? p.message : `NerdGraph error: ${p.message}` });
  }
}

function statusError(res: HttpResponse, profile: NewRelicProfile): PluginError {
  let fromBody: NerdGraphProblem | undefined;
  try {
    const o = JSON.parse(res.body) as { errors?: unknown };
    fromBody = graphqlErrors(o.errors);
  } catch {
    fromBody = undefined;
  }
  const detail = fromBody?.message ?? quoted(res.body);
  if (res.status === 401 || res.status === 403) return problemError({ kind: 'auth', message: detail === '' ? 'unauthorized' : detail }, profile, res.status);
  if (res.status === 404) {
    return PluginErrors.providerResponseInvalid({
      message: `${LABEL} at ${originOf(profile.nerdGraphUrl)} answered 404 (not found)${detail === '' ? '' : `: ${detail}`}; check ${NEWRELIC_PROFILE_KEYS.region} / ${NEWRELIC_PROFILE_KEYS.baseUrlNerdGraph} in ${profile.where}`,
    });
  }
  const message = `${LABEL} answered HTTP ${res.status}${detail === '' ? '' : `: ${detail}`}`;
  return res.status >= 500 || fromBody?.kind === 'retryable' ? PluginErrors.providerUnavailable({ message }) : PluginErrors.providerResponseInvalid({ message });
}

function rateLimited(res: HttpResponse, ctx: MeasurementContext, previousWaits: number, base: MeasurementMetadata): E.Either<PluginError, ProviderObservation> {
  const wait = rateLimitWait(res.headers, ctx.now);
  const what = 'New Relic answered HTTP 429 (rate limited)';
  const asked = wait.source === 'default' ? `no Retry-After header, so ${wait.waitMs / 1000} s` : `${wait.source} ${Math.ceil(wait.waitMs / 1000)} s`;
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

async function measure(deps: ProviderDeps, options: NewRelicProviderOptions, config: NewRelicMetric, ctx: MeasurementContext, previousWaits: number): Promise<E.Either<PluginError, ProviderObservation>> {
  const query = config.query ?? '';
  if (query.trim() === '') return E.left(configInvalid('query', `${PATH}.query is required`));
  const timeout = config.timeout ?? DEFAULT_NRQL_TIMEOUT_SECONDS;
  if (timeout < 0) return E.left(configInvalid('timeout', `timeout value needs to be a positive value (${PATH}.timeout is ${timeout})`));
  const nrqlTimeout = timeout === 0 ? DEFAULT_NRQL_TIMEOUT_SECONDS : timeout;
  if (ctx.signal.aborted) return E.left(PluginErrors.pluginAborted({ message: 'the newRelic measurement was cancelled before it started' }));
  const loaded = await loadProfile(deps, config);
  if (E.isLeft(loaded)) return loaded;
  const profile = loaded.right;
  const httpTimeoutMs = options.httpTimeoutMs ?? Math.max(DEFAULT_NERDGRAPH_HTTP_TIMEOUT_MS, (nrqlTimeout + 5) * 1000);
  const res = await sendHttp(LABEL, {
    method: 'POST',
    url: profile.nerdGraphUrl,
    headers: { 'Api-Key': profile.apiKey, 'Content-Type': 'application/json', Accept: 'application/json', 'User-Agent': 'rollouts-metrics-newrelic' },
    body: JSON.stringify({ query: NRQL_GRAPHQL_QUERY, variables: { accountId: profile.accountId, query, timeout: nrqlTimeout } }),
    timeoutMs: httpTimeoutMs,
    insecure: false,
    signal: ctx.signal,
  })();
  if (E.isLeft(res)) return E.left(redacted(res.left, profile.apiKey));
  const metadata: Record<string, string> = { [RESOLVED_NEWRELIC_QUERY_KEY]: query, [NEWRELIC_PROFILE_KEY]: profile.where.replace(/^Secret "(.*)"$/, '$1') };
  if (res.right.status === 429) return E.mapLeft((e: PluginError) => redacted(e, profile.apiKey))(rateLimited(res.right, ctx, previousWaits, metadata));
  if (res.right.status < 200 || res.right.status > 299) return E.left(redacted(statusError(res.right, profile), profile.apiKey));
  const read = readNerdGraphResponse(res.right.body);
  if (E.isLeft(read)) return E.left(redacted(problemError(read.left, profile), profile.apiKey));
  return E.right({ _tag: 'Value', value: read.right, metadata });
}

/** A `newRelic` provider plugin with its own options (the default export bounds requests as upstream). */
export function createNewRelicMetricProvider(options: NewRelicProviderOptions = {}): MetricProviderPlugin<NewRelicMetric> {
  if (options.httpTimeoutMs !== undefined && !(options.httpTimeoutMs > 0)) throw new Error(`createNewRelicMetricProvider: httpTimeoutMs must be positive (got ${options.httpTimeoutMs})`);
  return defineMetricProvider<NewRelicMetric>({
    kind: 'newRelic',
    configCodec: NewRelicMetric,
    make(deps) {
      return (config): MetricProvider => ({
        run: (ctx): TaskEither<PluginError, ProviderObservation> => () => measure(deps, options, config, ctx, 0),
        /** A measurement waiting for the rate limit: query again, counting the waits. */
        resume: (ctx, metadata): TaskEither<PluginError, ProviderObservation> => () => measure(deps, options, config, ctx, waitsSoFar(metadata)),
        /** A run that terminates while a measurement waits for the rate limit: nothing was measured, nothing to stop. */
        terminate: (_ctx, metadata): TaskEither<PluginError, ProviderObservation> => () =>
          Promise.resolve(
            E.right({
              _tag: 'Verdict',
              phase: 'Successful',
              message: `the run was terminated while the measurement waited for New Relic's rate limit (${waitsSoFar(metadata)} wait(s)); no value was taken`,
            }),
          ),
      });
    },
  });
}

/** The `newRelic` metric provider plugin. */
export const newRelicMetricProvider: MetricProviderPlugin<NewRelicMetric> = createNewRelicMetricProvider();
