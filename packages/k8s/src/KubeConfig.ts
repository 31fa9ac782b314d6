/** Loading the cluster connection (a kubeconfig file, the default chain, or in-cluster credentials) and checking it answers. */
import { KubeConfig } from '@kubernetes/client-node';
import * as E from 'fp-ts/lib/Either';
import { createApiTransport } from './internal/ApiTransport';

export { KubeConfig };

/** Where to find the cluster. All optional: with none, the default chain applies. */
export interface KubeConfigSource {
  /** Path to a kubeconfig file. Default: `$KUBECONFIG`, then `~/.kube/config`, then in-cluster service account. */
  readonly kubeconfig?: string;
  /** Context to use instead of the file's current context. */
  readonly context?: string;
  /** A kubeconfig as an options object (client-node `loadFromOptions`; kube-sim's `kubeConfig`). Wins over `kubeconfig`. */
  readonly options?: object;
}

/**
 * Load a {@link KubeConfig}. Throws (a start-up configuration error) when the file cannot be read, when the
 * context does not exist, or when the result has no cluster.
 */
export function loadKubeConfig(opts: KubeConfigSource = {}): KubeConfig {
  const kc = new KubeConfig();
  if (opts.options !== undefined) kc.loadFromOptions(opts.options);
  else if (opts.kubeconfig !== undefined && opts.kubeconfig !== '') kc.loadFromFile(opts.kubeconfig);
  else kc.loadFromDefault();
  if (opts.context !== undefined && opts.context !== '') {
    if (kc.getContextObject(opts.context) === null) {
      const known = kc.getContexts().map((c) => c.name);
      throw new Error(`kubeconfig has no context "${opts.context}" (contexts: ${known.length > 0 ? known.join(', ') : 'none'})`);
    }
    kc.setCurrentContext(opts.context);
  }
  if (kc.getCurrentCluster() === null) throw new Error(`kubeconfig${opts.kubeconfig !== undefined ? ` ${opts.kubeconfig}` : ''} names no cluster for context "${kc.getCurrentContext()}"`);
  return kc;
}

/** The API server `kc` talks to (`https://10.0.0.1:443`), for logs; `(none)` without a current cluster. */
export function apiServerAddress(kc: KubeConfig): string {
  return kc.getCurrentCluster()?.server ?? '(none)';
}

/** What {@link checkApiServer} found. */
export type ApiServerCheck =
  | { readonly _tag: 'Reachable'; readonly server: string; readonly version: string }
  /** An HTTP answer other than 2xx (401: the credentials are refused). */
  | { readonly _tag: 'Refused'; readonly server: string; readonly code: number; readonly error: string }
  /** No HTTP answer: connection refused, DNS, TLS, or no answer within the timeout. */
  | { readonly _tag: 'Unreachable'; readonly server: string; readonly error: string };

/**
 * Ask the API server for `/version` (readable by every client, authenticated or not) with a short timeout, to
 * tell at start-up whether it can be reached at all. Never throws.
 */
export async function checkApiServer(kc: KubeConfig, opts: { readonly timeoutMs?: number; readonly userAgent?: string } = {}): Promise<ApiServerCheck> {
  const server = apiServerAddress(kc);
  const transport = createApiTransport(kc, opts.userAgent !== undefined ? { userAgent: opts.userAgent } : {});
  const r = await transport.request({ method: 'GET', path: '/version', target: { verb: 'get', kind: 'version' }, timeoutMs: opts.timeoutMs ?? 5_000 });
  if (E.isRight(r)) {
    const v = (r.right.body ?? {}) as { gitVersion?: unknown };
    return { _tag: 'Reachable', server, version: typeof v.gitVersion === 'string' ? v.gitVersion : 'unknown' };
  }
  const e = r.left;
  const code = e._tag === 'KubeNotFound' ? 404 : e._tag === 'KubeConflict' ? 409 : e._tag === 'KubeUnavailable' || e._tag === 'KubeRejected' ? e.status : undefined;
  return code === undefined ? { _tag: 'Unreachable', server, error: e.message } : { _tag: 'Refused', server, code, error: e.message };
}
