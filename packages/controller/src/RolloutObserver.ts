/**
 * The observation of one Rollout, built from the caches only: the ReplicaSets, AnalysisRuns and Experiments it
 * owns (by owner uid), the Services and templates it names, its `workloadRef` target, and its routers. CRD
 * objects are checked against our codecs (once per object version); one that does not decode is left out and
 * logged, as if it were absent.
 */
import type { Rollout } from '@rollouts/api';
import type { ObservedWorkload, RolloutObservation } from '@rollouts/core';
import type { Logger } from '@rollouts/k8s';
import type { ClusterCache } from './ClusterCache';
import { decodeAnalysisRun, decodedAll, decodeExperiment } from './Decoding';
import { rolloutReferences, type RolloutReferences } from './References';
import { referencedTemplates } from './Templates';
import { routingObservation, type ConfiguredRouter } from './TrafficRouters';

/** A pod as core's restart logic reads it. */
type ObservedPod = NonNullable<RolloutObservation['pods']>[number];

const defined = <A>(a: A | undefined): a is A => a !== undefined;

/** References per Rollout object: cached objects are immutable snapshots, so each version is read once. */
const referencesOf = (() => {
  const seen = new WeakMap<Rollout, RolloutReferences>();
  return (rollout: Rollout): RolloutReferences => {
    let r = seen.get(rollout);
    if (r === undefined) seen.set(rollout, (r = rolloutReferences(rollout)));
    return r;
  };
})();

/** Everything `reconcileRollout` needs about `rollout`, at `now`. */
export function observeRollout(
  rollout: Rollout,
  cache: ClusterCache,
  routers: ReadonlyArray<ConfiguredRouter>,
  now: number,
  log: Logger,
  weightVerified?: boolean,
  pods?: ReadonlyArray<ObservedPod>,
): RolloutObservation {
  const ns = rollout.metadata?.namespace ?? '';
  const uid = rollout.metadata?.uid ?? '';
  const refs = referencesOf(rollout);
  const workload = observeWorkload(refs.workload, cache, ns);
  const templates = referencedTemplates(refs.templateRefs, ns, cache, log);
  return {
    rollout,
    replicaSets: uid === '' ? [] : cache.replicaSets.byOwner(uid),
    services: refs.services.map((n) => cache.services.get(ns, n)).filter(defined),
    analysisRuns: uid === '' ? [] : decodedAll(cache.analysisRuns.byOwner(uid), decodeAnalysisRun, 'AnalysisRun', log),
    experiments: uid === '' ? [] : decodedAll(cache.experiments.byOwner(uid), decodeExperiment, 'Experiment', log),
    analysisTemplates: templates.analysisTemplates,
    clusterAnalysisTemplates: templates.clusterAnalysisTemplates,
    // One shape, absent parts `undefined`: conditional spreads cost about a microsecond each in V8 11.
    workload,
    pods,
    trafficRouting: rollout.spec.strategy?.canary?.trafficRouting != null ? routingObservation(routers, weightVerified) : undefined,
    stepPlugins: [],
    now,
  };
}

function observeWorkload(ref: RolloutReferences['workload'], cache: ClusterCache, ns: string): ObservedWorkload | undefined {
  if (ref === undefined || ref.kind !== 'Deployment') return undefined;
  const d = cache.deployments.get(ns, ref.name);
  if (d?.spec?.template == null) return undefined;
  return {
    apiVersion: d.apiVersion ?? 'apps/v1',
    kind: 'Deployment',
    name: ref.name,
    ...(d.metadata?.generation != null ? { generation: d.metadata.generation } : {}),
    template: d.spec.template,
    ...(d.spec.selector != null ? { selector: d.spec.selector } : {}),
    ...(d.spec.replicas != null ? { replicas: d.spec.replicas } : {}),
  };
}
