/** The kubeconfig that points a client at a running simulator. */
import YAML from 'yaml';

/** The shape `KubeConfig.loadFromOptions` of `@kubernetes/client-node` accepts. */
export interface KubeConfigOptions {
  readonly clusters: ReadonlyArray<{ readonly name: string; readonly server: string; readonly skipTLSVerify: boolean }>;
  readonly users: ReadonlyArray<{ readonly name: string; readonly token?: string }>;
  readonly contexts: ReadonlyArray<{ readonly name: string; readonly cluster: string; readonly user: string; readonly namespace: string }>;
  readonly currentContext: string;
}

/** Options-object form (client-node `loadFromOptions`). */
export function kubeConfigOptions(server: string, token: string | null, name = 'kube-sim'): KubeConfigOptions {
  return {
    clusters: [{ name, server, skipTLSVerify: true }],
    users: [{ name, ...(token !== null ? { token } : {}) }],
    contexts: [{ name, cluster: name, user: name, namespace: 'default' }],
    currentContext: name,
  };
}

/** File form (kubectl, client-node `loadFromString`). */
export function kubeConfigYaml(server: string, token: string | null, name = 'kube-sim'): string {
  return YAML.stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name, cluster: { server, 'insecure-skip-tls-verify': true } }],
    users: [{ name, user: token !== null ? { token } : {} }],
    contexts: [{ name, context: { cluster: name, user: name, namespace: 'default' } }],
    'current-context': name,
    preferences: {},
  });
}
