/**
 * The `graphite` metric provider: sends the metric's `query` to the Graphite render API at `address`
 * (`GET {address}/render?…&format=json`) and reports the non-null values of the first series as the value
 * for the metric's conditions, with the query it sent in the measurement metadata (`ResolvedGraphiteQuery`).
 * No authentication fields exist in the API; credentials in the address (`https://user:pass@host`) are sent
 * as HTTP Basic auth, as Argo Rollouts' Go client does. Each call is bounded by a 10 s timeout (as Argo) and
 * by the controller's `ctx.signal`.
 */
import * as E from 'fp-ts/lib/Either';
import type { TaskEither } from 'fp-ts/lib/TaskEither';
import { GraphiteMetric } from '@rollouts/api';
import {
  defineMetricProvider,
  PluginErrors,
  type MeasurementContext,
  type MetricProvider,
  type MetricProviderPlugin,
  type PluginError,
  type ProviderObservation,
} from '@rollouts/plugin-sdk';
import { sendHttp } from '@rollouts/plugin-http';
import { graphiteRenderQuery } from './GraphiteQuery';
import { readGraphiteResponse } from './GraphiteResponse';

/** Seconds a render call may take (Argo Rollouts' fixed client timeout). */
export const DEFAULT_GRAPHITE_TIMEOUT_SECONDS = 10;
/** Metadata key of the render query that was sent (decoded, keys sorted, `format=json` included). */
export const RESOLVED_GRAPHITE_QUERY_KEY = 'ResolvedGraphiteQuery';

/** Options of the plugin itself (not of a metric): for controllers and tests that need another bound. */
export interface GraphiteProviderOptions {
  /** Bound on each render call in milliseconds; default `DEFAULT_GRAPHITE_TIMEOUT_SECONDS` × 1000. */
  readonly timeoutMs?: number;
}

const PATH = 'provider.graphite';

const configInvalid = (field: string, message: string): PluginError => PluginErrors.pluginConfigInvalid({ message, path: `${PATH}.${field}` });

interface Plan {
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly readable: string;
}

const decodeUserinfo = (s: string): string => {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
};

/** Where to send render calls: the address without credentials, query or trailing slash, and its Basic auth. */
function baseOf(address: string | null | undefined): E.Either<PluginError, { base: string; headers: Record<string, string> }> {
  const addr = address ?? '';
  const bad = () => configInvalid('address', `Graphite address ${JSON.stringify(addr)} is not a valid URL (expected http(s)://host[:port][/path])`);
  if (addr.trim() === '') return E.left(configInvalid('address', `${PATH}.address is required (the Graphite web URL, e.g. http://graphite.monitoring:8080)`));
  let url: URL;
  try {
    url = new URL(addr);
  } catch {
    return E.left(bad());
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.hostname === '') return E.left(bad());
  if (url.search !== '' || url.hash !== '') {
    return E.left(configInvalid('address', `Graphite address ${JSON.stringify(addr)} must not have a query string or fragment: put render parameters in ${PATH}.query`));
  }
  const headers: Record<string, string> = {};
  if (url.username !== '' || url.password !== '') {
    const user = decodeUserinfo(url.username);
    const pass = decodeUserinfo(url.password);
    headers['Authorization'] = `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;
    url.username = '';
    url.password = '';
  }
  return E.right({ base: `${url.origin}${url.pathname.replace(/\/+$/, '')}`, headers });
}

function plan(config: GraphiteMetric): E.Either<PluginError, Plan> {
  const base = baseOf(config.address);
  if (E.isLeft(base)) return base;
  const query = graphiteRenderQuery(config.query ?? '');
  if (E.isLeft(query)) return E.left(configInvalid('query', query.left));
  return E.right({ url: `${base.right.base}/render?${query.right.encoded}`, headers: base.right.headers, readable: query.right.readable });
}

async function measure(p: Plan, ctx: MeasurementContext, timeoutMs: number): Promise<E.Either<PluginError, ProviderObservation>> {
  const res = await sendHttp('graphite', { method: 'GET', url: p.url, headers: { Accept: 'application/json', ...p.headers }, timeoutMs, insecure: false, signal: ctx.signal })();
  if (E.isLeft(res)) return res;
  const read = readGraphiteResponse(res.right.status, res.right.body);
  if (E.isLeft(read)) return read;
  const metadata: Record<string, string> = { [RESOLVED_GRAPHITE_QUERY_KEY]: p.readable };
  if (read.right.seriesCount > 1) {
    metadata['warnings'] = `graphite returned ${read.right.seriesCount} series; only the first (${JSON.stringify(read.right.target ?? '')}) is used`;
  }
  return E.right({ _tag: 'Value', value: read.right.values, metadata });
}

/** A `graphite` provider plugin with its own options (the default export uses Argo's 10 s timeout). */
export function createGraphiteMetricProvider(options: GraphiteProviderOptions = {}): MetricProviderPlugin<GraphiteMetric> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_GRAPHITE_TIMEOUT_SECONDS * 1000;
  if (!(timeoutMs > 0)) throw new Error(`createGraphiteMetricProvider: timeoutMs must be positive (got ${timeoutMs})`);
  return defineMetricProvider<GraphiteMetric>({
    kind: 'graphite',
    configCodec: GraphiteMetric,
    make: () => (config): MetricProvider => ({
      run: (ctx): TaskEither<PluginError, ProviderObservation> => async () => {
        const p = plan(config);
        return E.isLeft(p) ? p : measure(p.right, ctx, timeoutMs);
      },
    }),
  });
}

/** The `graphite` metric provider plugin. */
export const graphiteMetricProvider: MetricProviderPlugin<GraphiteMetric> = createGraphiteMetricProvider();
