/**
 * The `skywalking` metric provider: sends `query` (a GraphQL document declaring `$duration: Duration!`) to the
 * GraphQL query API of the Apache SkyWalking OAP server at `address`, with the `duration` variable covering the
 * metric's `interval` up to now, and reports the answer's `data` object as the result for the metric's
 * conditions (e.g. `all(result.service_apdex.values.values, {asFloat(.value) >= 9900})`).
 */
import * as E from 'fp-ts/lib/Either';
import type { TaskEither } from 'fp-ts/lib/TaskEither';
import { SkyWalkingMetric } from '@rollouts/api';
import {
  defineMetricProvider,
  PluginErrors,
  type MeasurementContext,
  type MetricProvider,
  type MetricProviderPlugin,
  type PluginError,
  type ProviderObservation,
} from '@rollouts/plugin-sdk';
import { originOf, sendHttp, type HttpResponse } from '@rollouts/plugin-http';
import { durationOf, isTimeZone } from './SkyWalkingDuration';

/** Seconds a query may take (Argo Rollouts' fixed client timeout). */
export const DEFAULT_SKYWALKING_TIMEOUT_SECONDS = 30;
/** Metadata key of the query that was sent. */
export const RESOLVED_SKYWALKING_QUERY_KEY = 'ResolvedSkyWalkingQuery';
/** Metadata key of the `duration` variable that was sent. */
export const SKYWALKING_DURATION_KEY = 'SkyWalkingDuration';

/** Options of the plugin itself (not of a metric). */
export interface SkyWalkingProviderOptions {
  /** Bound on each query in milliseconds; default {@link DEFAULT_SKYWALKING_TIMEOUT_SECONDS} × 1000. */
  readonly timeoutMs?: number;
  /**
   * IANA time zone of the `duration` times (the OAP server's zone); default the controller's local time zone,
   * as Argo Rollouts does.
   */
  readonly timeZone?: string;
}

const PATH = 'provider.skywalking';
const LABEL = 'skywalking';
const JSON_UTF8 = 'application/json; charset=utf-8';

type Result<A> = Promise<E.Either<PluginError, A>>;

const configInvalid = (field: string, message: string): PluginError => PluginErrors.pluginConfigInvalid({ message, path: `${PATH}.${field}` });

const isObject = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);

function addressOf(address: string): E.Either<PluginError, string> {
  const invalid = configInvalid('address', `${PATH}.address is not in url format: ${JSON.stringify(address)} (expected the OAP server's base URL, e.g. http://skywalking-oap.skywalking:12800)`);
  let url: URL;
  try {
    url = new URL(address);
  } catch {
    return E.left(invalid);
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.hostname === '' || url.search !== '' || url.hash !== '') return E.left(invalid);
  return E.right(address.replace(/\/+$/, ''));
}

const excerpt = (body: string): string => {
  const one = body.replace(/\s+/g, ' ').trim();
  return one === '' ? '(empty body)' : one.length > 200 ? `${one.slice(0, 200)}…` : one;
};

/** The first GraphQL error's message, when the body is a GraphQL answer carrying errors. */
function graphqlError(json: unknown): string | undefined {
  if (!isObject(json) || !Array.isArray(json['errors']) || json['errors'].length === 0) return undefined;
  const first: unknown = json['errors'][0];
  return isObject(first) && typeof first['message'] === 'string' ? first['message'] : JSON.stringify(first);
}

/** Read the answer: `data`, or the error upstream reports, classified so that a transient one is retried. */
function readAnswer(res: HttpResponse, origin: string): E.Either<PluginError, Record<string, unknown>> {
  let json: unknown;
  let parsed = true;
  try {
    json = JSON.parse(res.body);
  } catch {
    parsed = false;
  }
  const ok = res.status === 200;
  const gqlError = parsed ? graphqlError(json) : undefined;
  if (gqlError !== undefined) {
    const message = `graphql: ${gqlError}${ok ? '' : ` (HTTP ${res.status})`}`;
    return E.left(!ok && (res.status >= 500 || res.status === 429) ? PluginErrors.providerUnavailable({ message }) : PluginErrors.providerResponseInvalid({ message }));
  }
  if (!ok) {
    const base = `graphql: server returned a non-200 status code: ${res.status} from skywalking at ${origin}: ${excerpt(res.body)}`;
    if (res.status === 401 || res.status === 403) {
      return E.left(
        PluginErrors.providerResponseInvalid({
          message: `${base}. The skywalking provider sends no credentials (as Argo Rollouts); point ${PATH}.address at an OAP endpoint the controller can query without authentication`,
        }),
      );
    }
    if (res.status === 429) return E.left(PluginErrors.providerUnavailable({ message: `${base} (rate limited; the measurement is retried)` }));
    return E.left(res.status >= 500 ? PluginErrors.providerUnavailable({ message: base }) : PluginErrors.providerResponseInvalid({ message: base }));
  }
  if (!parsed) return E.left(PluginErrors.providerResponseInvalid({ message: `graphql: the answer of skywalking at ${origin} is not JSON: ${excerpt(res.body)}` }));
  if (!isObject(json)) return E.left(PluginErrors.providerResponseInvalid({ message: `graphql: the answer of skywalking at ${origin} is not a JSON object` }));
  const data = json['data'];
  if (data === null || data === undefined) return E.left(PluginErrors.providerResponseInvalid({ message: 'no results returned from SkyWalking query' }));
  if (!isObject(data)) return E.left(PluginErrors.providerResponseInvalid({ message: `graphql: "data" in the answer of skywalking at ${origin} is not an object` }));
  return E.right(data);
}

async function measure(config: SkyWalkingMetric, ctx: MeasurementContext, timeoutMs: number, timeZone: string | undefined): Result<ProviderObservation> {
  if (ctx.signal.aborted) return E.left(PluginErrors.pluginAborted({ message: 'the skywalking query was not sent: the measurement was cancelled' }));
  const base = addressOf(config.address ?? '');
  if (E.isLeft(base)) return base;
  const query = config.query ?? '';
  if (query.trim() === '') return E.left(configInvalid('query', `${PATH}.query is required (a GraphQL query declaring $duration: Duration!)`));
  const interval = config.interval ?? '';
  if (interval.trim() === '') return E.left(configInvalid('interval', `${PATH}.interval is required: the query covers this long up to now (e.g. 5m)`));
  const duration = durationOf(interval, ctx.now, timeZone);
  if (E.isLeft(duration)) return E.left(configInvalid('interval', `${PATH}.interval: ${duration.left}`));
  const url = `${base.right}/graphql`;
  const res = await sendHttp(LABEL, {
    method: 'POST',
    url,
    headers: { 'Content-Type': JSON_UTF8, Accept: JSON_UTF8 },
    body: JSON.stringify({ query, variables: { duration: duration.right } }),
    timeoutMs,
    insecure: false,
    signal: ctx.signal,
  })();
  if (E.isLeft(res)) return res;
  const data = readAnswer(res.right, originOf(url));
  if (E.isLeft(data)) return data;
  const { start, end, step } = duration.right;
  return E.right({ _tag: 'Value', value: data.right, metadata: { [RESOLVED_SKYWALKING_QUERY_KEY]: query, [SKYWALKING_DURATION_KEY]: `start=${start} end=${end} step=${step}` } });
}

/** A `skywalking` provider plugin with its own options. */
export function createSkywalkingMetricProvider(options: SkyWalkingProviderOptions = {}): MetricProviderPlugin<SkyWalkingMetric> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_SKYWALKING_TIMEOUT_SECONDS * 1000;
  if (!(timeoutMs > 0)) throw new Error(`createSkywalkingMetricProvider: timeoutMs must be positive (got ${timeoutMs})`);
  if (options.timeZone !== undefined && !isTimeZone(options.timeZone)) throw new Error(`createSkywalkingMetricProvider: timeZone ${JSON.stringify(options.timeZone)} is not an IANA time zone (e.g. Asia/Shanghai)`);
  return defineMetricProvider<SkyWalkingMetric>({
    kind: 'skywalking',
    configCodec: SkyWalkingMetric,
    make() {
      return (config): MetricProvider => ({
        run: (ctx): TaskEither<PluginError, ProviderObservation> => () => measure(config, ctx, timeoutMs, options.timeZone),
      });
    },
  });
}

/** The `skywalking` metric provider plugin (30 s timeout, the controller's local time zone). */
export const skywalkingMetricProvider: MetricProviderPlugin<SkyWalkingMetric> = createSkywalkingMetricProvider();
