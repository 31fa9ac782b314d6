/**
 * One Experiment reconcile: observe (the ReplicaSets, Services and AnalysisRuns it owns, the templates its
 * analyses name) -> `reconcileExperiment` -> execute in order, stopping at the first failure. The status is
 * written last, with the whole object (an Experiment has no status subresource, as upstream), guarded by the
 * observed resourceVersion.
 */
import * as E from 'fp-ts/lib/Either';
import type { Experiment, Service } from '@rollouts/api';
import { reconcileExperiment, type ExperimentIntent, type ExperimentObservation } from '@rollouts/core';
import { Resources, type Clock, type EventRecorder, type KubeWriter, type Logger } from '@rollouts/k8s';
import type { KubeObjectClient, PluginError } from '@rollouts/plugin-sdk';
import type { ClusterCache } from './ClusterCache';
import type { ControllerMetrics } from './ControllerMetrics';
import { decodeAnalysisRun, decodedAll, decodeExperiment } from './Decoding';
import { reportUnreadableRun } from './Unreadable';
import { applyObjectIntent, isObjectIntent } from './IntentExecutor';
import { done, retry, type ReconcileOutcome } from './ReconcileLoop';
import { splitKey } from './RolloutReconciler';
import { referencedTemplates } from './Templates';

export interface ExperimentReconcilerDeps {
  readonly cache: ClusterCache;
  readonly writer: KubeWriter;
  readonly events: EventRecorder;
  readonly clock: Clock;
  readonly log: Logger;
  readonly metrics: ControllerMetrics;
  readonly track: (p: Promise<void>) => void;
  /** Reads an AnalysisRun whose create found the name taken (409 AlreadyExists), to adopt it when it is ours. */
  readonly objects?: KubeObjectClient;
}

/** What `reconcileExperiment` needs about `experiment`, from the caches. */
export function observeExperiment(experiment: Experiment, cache: ClusterCache, now: number, log: Logger): ExperimentObservation {
  const ns = experiment.metadata?.namespace ?? '';
  const uid = experiment.metadata?.uid ?? '';
  const refs = (experiment.spec.analyses ?? []).map((a) => ({ templateName: a.templateName, clusterScope: a.clusterScope ?? null }));
  return {
    experiment,
    replicaSets: uid === '' ? [] : cache.replicaSets.byOwner(uid),
    services: uid === '' ? [] : cache.services.byOwner(uid),
    analysisRuns: uid === '' ? [] : decodedAll(cache.analysisRuns.byOwner(uid), decodeAnalysisRun, 'AnalysisRun', log),
    ...referencedTemplates(refs, ns, cache, log),
    now,
  };
}

/** Reconcile the Experiment at `key`. */
export async function reconcileExperimentKey(key: string, deps: ExperimentReconcilerDeps): Promise<ReconcileOutcome> {
  const { namespace, name } = splitKey(key);
  const raw = deps.cache.experiments.get(namespace, name);
  if (raw === undefined || raw.metadata?.deletionTimestamp != null) return done();
  const decoded = decodeExperiment(raw);
  if (E.isLeft(decoded)) {
    await reportUnreadableRun('Experiment', raw, decoded.left, deps);
    return done();
  }
  const experiment = decoded.right;
  const result = reconcileExperiment(observeExperiment(experiment, deps.cache, deps.clock.now(), deps.log));
  const involved = { apiVersion: 'argoproj.io/v1alpha1', kind: 'Experiment', metadata: { name, namespace, uid: raw.metadata?.uid ?? null } };

  // AnalysisRuns created under another name than core chose (the name was taken by a run that is not ours).
  const renames = new Map<string, string>();
  const objectDeps = { writer: deps.writer, cache: deps.cache, log: deps.log, ...(deps.objects !== undefined ? { objects: deps.objects } : {}), renamed: (from: string, to: string) => void renames.set(from, to) };
  const apply = async (intent: ExperimentIntent): Promise<E.Either<PluginError, void>> => {
    if (isObjectIntent(intent)) return applyObjectIntent(namespace, intent, objectDeps);
    switch (intent._tag) {
      case 'CreateService': {
        const r = await deps.writer.create<Service>(Resources.services, namespace, intent.service);
        if (E.isRight(r)) deps.cache.services.wrote(r.right);
        return E.map(() => undefined)(r);
      }
      case 'DeleteService': {
        const old = deps.cache.services.get(namespace, intent.name);
        const r = await deps.writer.delete(Resources.services, namespace, intent.name);
        if (E.isRight(r)) deps.cache.services.deleted(namespace, intent.name, old);
        return r;
      }
      case 'RecordEvent':
        deps.metrics.event?.({ kind: 'Experiment', namespace, name, type: intent.type, reason: intent.eventReason });
        deps.track(deps.events.record(involved, intent.type, intent.eventReason, intent.message));
        return E.right(undefined);
      case 'UpdateExperimentStatus': {
        const status =
          renames.size > 0 && intent.status.analysisRuns != null
            ? { ...intent.status, analysisRuns: intent.status.analysisRuns.map((a) => (renames.has(a.analysisRun) ? { ...a, analysisRun: renames.get(a.analysisRun)! } : a)) }
            : intent.status;
        const r = await deps.writer.replace<Experiment>(Resources.experiments, namespace, { ...raw, status });
        if (E.isRight(r)) deps.cache.experiments.wrote(r.right, raw);
        return E.map(() => undefined)(r);
      }
      default:
        return E.right(undefined);
    }
  };

  for (const intent of result.intents) {
    const r = await apply(intent);
    if (E.isLeft(r)) {
      if (r.left._tag !== 'KubeConflict') {
        const message = `${intent._tag} failed (${intent.reason}): ${r.left.message}`;
        deps.log.warn(message, { experiment: key });
        deps.track(deps.events.record(involved, 'Warning', 'ReconcileError', message));
      }
      return retry(r.left.message);
    }
  }
  return done(result.requeueAfterMs);
}
