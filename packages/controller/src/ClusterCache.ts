/**
 * Everything the controller reads, from informer caches: one informer per resource, each behind a
 * {@link FreshView} so that reconciles see the controller's own writes at once. Reconciles never GET.
 */
import type { AnalysisRun, AnalysisTemplate, ClusterAnalysisTemplate, Deployment, Experiment, ReplicaSet, Rollout, Service } from '@rollouts/api';
import { POD_TEMPLATE_HASH_LABEL } from '@rollouts/api';
import { createInformer, Resources, type Clock, type Informer, type KubeConfig, type Logger, type RequestMetrics } from '@rollouts/k8s';
import { FreshView, type ObjectLike } from './FreshView';

/** The label that assigns objects to one of several controllers (`--instance-id`). */
export const INSTANCE_ID_LABEL = 'argo-rollouts.argoproj.io/controller-instance-id';

export interface ClusterCacheOptions {
  readonly kubeConfig: KubeConfig;
  /** Watch one namespace only (default: all). */
  readonly namespace?: string;
  /** Only Rollouts, AnalysisRuns and Experiments labelled with this instance id (default: those without the label). */
  readonly instanceId?: string;
  readonly resyncMs?: number;
  readonly metrics?: RequestMetrics;
  readonly log?: Logger;
  readonly clock: Clock;
  /** Watch ClusterAnalysisTemplates (default true). false: the cache holds none and no cluster-scoped list is sent. */
  readonly clusterAnalysisTemplates?: boolean;
}

/** The informers, by resource. */
export interface Informers {
  readonly rollouts: Informer<Rollout>;
  readonly replicaSets: Informer<ReplicaSet>;
  readonly services: Informer<Service>;
  readonly analysisRuns: Informer<AnalysisRun>;
  readonly analysisTemplates: Informer<AnalysisTemplate>;
  readonly clusterAnalysisTemplates: Informer<ClusterAnalysisTemplate>;
  readonly experiments: Informer<Experiment>;
  readonly deployments: Informer<Deployment>;
}

export class ClusterCache {
  readonly informers: Informers;
  readonly rollouts: FreshView<Rollout>;
  readonly replicaSets: FreshView<ReplicaSet>;
  readonly services: FreshView<Service>;
  readonly analysisRuns: FreshView<AnalysisRun>;
  readonly analysisTemplates: FreshView<AnalysisTemplate>;
  readonly clusterAnalysisTemplates: FreshView<ClusterAnalysisTemplate>;
  readonly experiments: FreshView<Experiment>;
  readonly deployments: FreshView<Deployment>;

  constructor(opts: ClusterCacheOptions) {
    const base = {
      ...(opts.namespace !== undefined ? { namespace: opts.namespace } : {}),
      ...(opts.resyncMs !== undefined ? { resyncMs: opts.resyncMs } : {}),
      ...(opts.metrics !== undefined ? { metrics: opts.metrics } : {}),
      ...(opts.log !== undefined ? { log: opts.log } : {}),
      clock: opts.clock,
    };
    const instance = opts.instanceId !== undefined && opts.instanceId !== '' ? `${INSTANCE_ID_LABEL}=${opts.instanceId}` : `!${INSTANCE_ID_LABEL}`;
    const kc = opts.kubeConfig;
    this.informers = {
      rollouts: createInformer<Rollout>(kc, Resources.rollouts, { ...base, labelSelector: instance }),
      // Only ReplicaSets of Rollouts and Experiments (they all carry the hash label), not every Deployment's.
      replicaSets: createInformer<ReplicaSet>(kc, Resources.replicaSets, { ...base, labelSelector: POD_TEMPLATE_HASH_LABEL }),
      services: createInformer<Service>(kc, Resources.services, base),
      analysisRuns: createInformer<AnalysisRun>(kc, Resources.analysisRuns, { ...base, labelSelector: instance }),
      analysisTemplates: createInformer<AnalysisTemplate>(kc, Resources.analysisTemplates, base),
      clusterAnalysisTemplates:
        opts.clusterAnalysisTemplates === false ? emptyInformer<ClusterAnalysisTemplate>('ClusterAnalysisTemplate') : createInformer<ClusterAnalysisTemplate>(kc, Resources.clusterAnalysisTemplates, base),
      experiments: createInformer<Experiment>(kc, Resources.experiments, { ...base, labelSelector: instance }),
      deployments: createInformer<Deployment>(kc, Resources.deployments, base),
    };
    const now = () => opts.clock.now();
    const i = this.informers;
    this.rollouts = new FreshView(i.rollouts, now);
    this.replicaSets = new FreshView(i.replicaSets, now);
    this.services = new FreshView(i.services, now);
    this.analysisRuns = new FreshView(i.analysisRuns, now);
    this.analysisTemplates = new FreshView(i.analysisTemplates, now);
    this.clusterAnalysisTemplates = new FreshView(i.clusterAnalysisTemplates, now);
    this.experiments = new FreshView(i.experiments, now);
    this.deployments = new FreshView(i.deployments, now);
    // Each view forgets a remembered write as soon as its informer has the version (registered before any
    // other handler, so handlers already read the caught-up cache).
    const follow = <T extends ObjectLike>(informer: Informer<T>, view: FreshView<T>): void =>
      void informer.onEvent((e) => {
        if (e.type !== 'RESYNC') view.observed(e.object, e.type === 'DELETED');
      });
    follow(i.rollouts, this.rollouts);
    follow(i.replicaSets, this.replicaSets);
    follow(i.services, this.services);
    follow(i.analysisRuns, this.analysisRuns);
    follow(i.analysisTemplates, this.analysisTemplates);
    follow(i.clusterAnalysisTemplates, this.clusterAnalysisTemplates);
    follow(i.experiments, this.experiments);
    follow(i.deployments, this.deployments);
  }

  /** Start every informer; resolves once all have their initial list. */
  async start(): Promise<void> {
    await Promise.all(Object.values(this.informers).map((i: Informer<unknown>) => i.start()));
  }

  hasSynced(): boolean {
    return Object.values(this.informers).every((i: Informer<unknown>) => i.hasSynced());
  }

  stop(): void {
    for (const i of Object.values(this.informers) as Array<Informer<unknown>>) i.stop();
  }
}

/**
 * An informer of a kind the controller may not watch (a namespaced install has no ClusterRole, so it may not list
 * cluster-scoped ClusterAnalysisTemplates): synced at once, always empty, sends nothing.
 */
function emptyInformer<T>(kind: string): Informer<T> {
  return {
    kind,
    start: () => Promise.resolve(),
    stop: () => undefined,
    hasSynced: () => true,
    list: () => [],
    get: () => undefined,
    byOwner: () => [],
    onEvent: () => () => undefined,
    lastResourceVersion: () => undefined,
    lastError: () => undefined,
  };
}
