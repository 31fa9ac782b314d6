/**
 * The resources the controller reads and writes, named once: group, version, plural, kind and scope are all a
 * client needs to build a URL.
 */

/** One Kubernetes resource type (`apps/v1 replicasets`, kind `ReplicaSet`, namespaced). */
export interface ResourceKind {
  /** API group; `''` for the core group (`/api/v1`). */
  readonly group: string;
  readonly version: string;
  /** Lower-case plural, as in the URL (`replicasets`). */
  readonly plural: string;
  readonly kind: string;
  readonly namespaced: boolean;
}

const kind = (group: string, version: string, plural: string, k: string, namespaced = true): ResourceKind => ({ group, version, plural, kind: k, namespaced });

/** Every resource the controller touches. */
export const Resources = {
  rollouts: kind('argoproj.io', 'v1alpha1', 'rollouts', 'Rollout'),
  analysisRuns: kind('argoproj.io', 'v1alpha1', 'analysisruns', 'AnalysisRun'),
  analysisTemplates: kind('argoproj.io', 'v1alpha1', 'analysistemplates', 'AnalysisTemplate'),
  clusterAnalysisTemplates: kind('argoproj.io', 'v1alpha1', 'clusteranalysistemplates', 'ClusterAnalysisTemplate', false),
  experiments: kind('argoproj.io', 'v1alpha1', 'experiments', 'Experiment'),
  replicaSets: kind('apps', 'v1', 'replicasets', 'ReplicaSet'),
  deployments: kind('apps', 'v1', 'deployments', 'Deployment'),
  services: kind('', 'v1', 'services', 'Service'),
  secrets: kind('', 'v1', 'secrets', 'Secret'),
  pods: kind('', 'v1', 'pods', 'Pod'),
  events: kind('', 'v1', 'events', 'Event'),
  jobs: kind('batch', 'v1', 'jobs', 'Job'),
  ingresses: kind('networking.k8s.io', 'v1', 'ingresses', 'Ingress'),
  leases: kind('coordination.k8s.io', 'v1', 'leases', 'Lease'),
} as const satisfies Record<string, ResourceKind>;

/** `apps/v1`, or `v1` for the core group. */
export function apiVersionOf(k: ResourceKind): string {
  return k.group === '' ? k.version : `${k.group}/${k.version}`;
}

/**
 * The URL path of a collection (`name` omitted) or of one object, optionally a subresource of it.
 * `namespace` is ignored for cluster-scoped kinds; omitted for a namespaced kind it means all namespaces.
 */
export function resourcePath(k: ResourceKind, namespace?: string, name?: string, subresource?: string): string {
  const root = k.group === '' ? `/api/${k.version}` : `/apis/${k.group}/${k.version}`;
  const ns = k.namespaced && namespace !== undefined && namespace !== '' ? `/namespaces/${encodeURIComponent(namespace)}` : '';
  const obj = name !== undefined ? `/${encodeURIComponent(name)}` : '';
  const sub = name !== undefined && subresource !== undefined ? `/${subresource}` : '';
  return `${root}${ns}/${k.plural}${obj}${sub}`;
}
