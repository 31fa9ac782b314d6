/**
 * The `wavefront` metric provider: runs `query` (a Wavefront Query Language expression) through the chart API
 * of the Wavefront (VMware Aria Operations for Applications) cluster at `address`, and reports, for each time
 * series, the point closest to the measurement time.
 *
 * The API token is read, on every measurement, from the Secret `wavefront-api-tokens` in the controller's
 * namespace (`POD_NAMESPACE`, else `argo-rollouts`), under the key that equals `address`. The token goes only
 * into the `Authorization` header: it is never logged, never put in a message, and removed from any answer
 * body quoted in an error.
 */
import * as E from 'fp-ts/lib/Either';
import type { TaskEither } from 'fp-ts/lib/TaskEither';
import { WavefrontMetric } from '@rollouts/api';
import {
  defineMetricProvider,
  PluginErrors,
  type KubeObject,
  type MeasurementContext,
  type MetricProvider,
  type MetricProviderPlugin,
  type PluginError,
  type ProviderDeps,
  type ProviderObservation,
} from '@rollouts/plugin-sdk';
import { originOf, sendHttp, type HttpResponse } from '@rollouts/plugin-http';
import { readWavefrontResponse } from './WavefrontResponse';

/** The Secret holding the API tokens, one key per Wavefront address (as Argo Rollouts). */
export const WAVEFRONT_TOKENS_SECRET = 'wavefront-api-tokens';
/** The namespace of the tokens Secret when `POD_NAMESPACE` is not set (Argo's default). */
export const DEFAULT_CONTROLLER_NAMESPACE = 'argo-rollouts';
/** Seconds a query may take. */
export const DEFAULT_WAVEFRONT_TIMEOUT_SECONDS = 30;
/** How many times a query answered 406 (Wavefront's "try again") is sent in all. */
export const WAVEFRONT_406_ATTEMPTS = 10;
/** Metadata key of the query that was sent. */
export const RESOLVED_WAVEFRONT_QUERY_KEY = 'ResolvedWavefrontQuery';

/** Options of the plugin itself (not of a metric). */
export interface WavefrontProviderOptions {
  /** Bound on each request in milliseconds; default {@link DEFAULT_WAVEFRONT_TIMEOUT_SECONDS} × 1000. */
  readonly timeoutMs?: number;
  /** Namespace of the tokens Secret; default the controller's `POD_NAMESPACE`, else `argo-rollouts`. */
  readonly namespace?: string;
  /** First delay before sending a query again after a 406 (the n-th waits n times this, at most 5 s); default 500. */
  readonly retryDelayMs?: number;
}

const PATH = 'provider.wavefront';
const LABEL = 'wavefront';

type Result<A> = Promise<E.Either<PluginError, A>>;

const configInvalid = (field: string, message: string): PluginError => PluginErrors.pluginConfigInvalid({ message, path: `${PATH}.${field}` });

/** The base URL for `address`: a bare host is reached over https, as Argo Rollouts does; an explicit scheme is kept. */
function baseOf(address: string): E.Either<PluginError, { base: string; host: string }> {
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(address) ? address : `https://${address}`;
  const invalid = configInvalid('address', `${PATH}.address is not a host name: ${JSON.stringify(address)} (expected e.g. example.wavefront.com)`);
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    return E.left(invalid);
  }
  if ((url.protocol !== 'https:' && url.protocol !== 'http:') || url.hostname === '' || url.username !== '' || url.password !== '' || url.search !== '' || url.hash !== '') return E.left(invalid);
  return E.right({ base: withScheme.replace(/\/+$/, ''), host: url.host });
}

function decodeBase64(text: string): string | undefined {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text)) return undefined;
  return Buffer.from(text, 'base64').toString('utf8');
}

/** The token for `address` in the tokens Secret (key `address` as written, else its host). */
function tokenIn(secret: KubeObject, address: string, host: string, where: string): E.Either<PluginError, string> {
  const data = (secret['data'] ?? {}) as Record<string, unknown>;
  const key = [address, host].find((k) => typeof data[k] === 'string');
  if (key === undefined) {
    return E.left(
      configInvalid(
        'address',
        `API token not found: ${where} has no key ${JSON.stringify(address)}; add the Wavefront API token for this address under that key (keys present: ${Object.keys(data).map((k) => JSON.stringify(k)).join(', ') || 'none'})`,
      ),
    );
  }
  const token = decodeBase64(data[key] as string);
  if (token === undefined || token.trim() === '') return E.left(configInvalid('address', `${where}: the value of key ${JSON.stringify(key)} is ${token === undefined ? 'not base64' : 'empty'}; it must hold the Wavefront API token`));
  return E.right(token.trim());
}

async function loadToken(deps: ProviderDeps, namespace: string, address: string, host: string): Result<{ token: string; where: string }> {
  const where = `Secret "${namespace}/${WAVEFRONT_TOKENS_SECRET}"`;
  const secret = await deps.kube.get({ apiVersion: 'v1', kind: 'Secret', namespace, name: WAVEFRONT_TOKENS_SECRET })();
  if (E.isLeft(secret)) return E.left({ ...secret.left, message: `cannot read ${where}: ${secret.left.message}` });
  if (secret.right === undefined) {
    return E.left(configInvalid('address', `API token not found: ${where} does not exist; create it in the controller's namespace with one key per Wavefront address (e.g. example.wavefront.com: <token>)`));
  }
  const token = tokenIn(secret.right, address, host, where);
  return E.isLeft(token) ? token : E.right({ token: token.right, where });
}

/** A short, single-line excerpt of an answer for an error message, with the token cut out. */
function excerpt(body: string, token: string): string {
  const one = body.split(token).join('*****').replace(/\s+/g, ' ').trim();
  return one === '' ? '(empty body)' : one.length > 200 ? `${one.slice(0, 200)}…` : one;
}

function statusError(res: HttpResponse, token: string, where: string, origin: string): PluginError {
  const text = `server returned ${res.status}: ${excerpt(res.body, token)}`;
  if (res.status === 401 || res.status === 403) {
    return PluginErrors.providerResponseInvalid({
      message: `wavefront at ${origin} refused the API token (HTTP ${res.status}): check the token for this address in ${where} (it must be valid and allowed to query); ${text}`,
    });
  }
  if (res.status === 429) return PluginErrors.providerUnavailable({ message: `wavefront at ${origin} is rate limiting queries (HTTP 429); the measurement is retried: ${text}` });
  if (res.status >= 500 || res.status === 406) return PluginErrors.providerUnavailable({ message: `wavefront at ${origin}: ${text}` });
  return PluginErrors.providerResponseInvalid({ message: `wavefront at ${origin}: ${text}` });
}

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });

interface Options {
  readonly timeoutMs: number;
  readonly namespace: string;
  readonly retryDelayMs: number;
}

async function measure(deps: ProviderDeps, opts: Options, config: WavefrontMetric, ctx: MeasurementContext): Result<ProviderObservation> {
  if (ctx.signal.aborted) return E.left(PluginErrors.pluginAborted({ message: 'the wavefront query was not sent: the measurement was cancelled' }));
  const address = config.address ?? '';
  if (address.trim() === '') return E.left(configInvalid('address', `${PATH}.address is required (the Wavefront host, e.g. example.wavefront.com)`));
  const query = config.query ?? '';
  if (query.trim() === '') return E.left(configInvalid('query', `${PATH}.query is required`));
  const target = baseOf(address);
  if (E.isLeft(target)) return target;
  const loaded = await loadToken(deps, opts.namespace, address, target.right.host);
  if (E.isLeft(loaded)) return loaded;
  const { token, where } = loaded.right;
  // s and e are the same instant; i=true asks for the series' points outside that window too (#1006/#1021).
  const startMs = String(Math.floor(ctx.now));
  const params = new URLSearchParams([
    ['q', query],
    ['s', startMs],
    ['e', startMs],
    ['g', 's'],
    ['p', '1'],
    ['i', 'true'],
  ]);
  const url = `${target.right.base}/api/v2/chart/api?${params.toString()}`;
  const origin = originOf(url);
  let res: E.Either<PluginError, HttpResponse> | undefined;
  for (let attempt = 1; ; attempt++) {
    res = await sendHttp(LABEL, { method: 'GET', url, headers: { Authorization: `Bearer ${token}`, Accept: 'application/json' }, timeoutMs: opts.timeoutMs, insecure: false, signal: ctx.signal })();
    if (E.isLeft(res) || res.right.status !== 406 || attempt >= WAVEFRONT_406_ATTEMPTS || ctx.signal.aborted) break;
    await sleep(Math.min(opts.retryDelayMs * attempt, 5_000), ctx.signal);
  }
  if (E.isLeft(res)) return res;
  if (res.right.status < 200 || res.right.status > 299) return E.left(statusError(res.right, token, where, origin));
  const read = readWavefrontResponse(res.right.body, Math.floor(ctx.now / 1000));
  if (E.isLeft(read)) return E.left(PluginErrors.providerResponseInvalid({ message: `wavefront at ${origin}: ${read.left}` }));
  const metadata: Record<string, string> = {
    [RESOLVED_WAVEFRONT_QUERY_KEY]: query,
    timestamps: read.right.timestamps.join(','),
    drift: read.right.drift.join(','),
  };
  if (read.right.warnings !== undefined) metadata['warnings'] = read.right.warnings;
  return E.right({ _tag: 'Value', value: read.right.value, metadata });
}

/** A `wavefront` provider plugin with its own options. */
export function createWavefrontMetricProvider(options: WavefrontProviderOptions = {}): MetricProviderPlugin<WavefrontMetric> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_WAVEFRONT_TIMEOUT_SECONDS * 1000;
  const retryDelayMs = options.retryDelayMs ?? 500;
  if (!(timeoutMs > 0)) throw new Error(`createWavefrontMetricProvider: timeoutMs must be positive (got ${timeoutMs})`);
  if (!(retryDelayMs >= 0)) throw new Error(`createWavefrontMetricProvider: retryDelayMs must not be negative (got ${retryDelayMs})`);
  return defineMetricProvider<WavefrontMetric>({
    kind: 'wavefront',
    configCodec: WavefrontMetric,
    make(deps) {
      const podNamespace = deps.env['POD_NAMESPACE'];
      const namespace = options.namespace ?? (podNamespace !== undefined && podNamespace !== '' ? podNamespace : DEFAULT_CONTROLLER_NAMESPACE);
      const opts: Options = { timeoutMs, namespace, retryDelayMs };
      return (config): MetricProvider => ({
        run: (ctx): TaskEither<PluginError, ProviderObservation> => () => measure(deps, opts, config, ctx),
      });
    },
  });
}

/** The `wavefront` metric provider plugin. */
export const wavefrontMetricProvider: MetricProviderPlugin<WavefrontMetric> = createWavefrontMetricProvider();
