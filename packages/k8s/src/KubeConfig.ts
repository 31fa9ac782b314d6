/** Loading the cluster connection: a kubeconfig file, the default chain, or in-cluster credentials. */
import { KubeConfig } from '@kubernetes/client-node';

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
