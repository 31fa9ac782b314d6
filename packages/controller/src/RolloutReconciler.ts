/**
 * One Rollout reconcile: observe (caches, and routers that verify weights) -> `reconcileRollout` -> execute the
 * intents. Requeue timing comes from core (`requeueAfterMs`); a failed intent retries with backoff. A conflict
 * is expected (someone wrote the Rollout since it was observed) and costs no event; any other failure is
 * logged and recorded as a Warning event on the Rollout, with the intent and the error.
 */
import * as E from 'fp-ts/lib/Either';
import { POD_TEMPLATE_HASH_LABEL, type Rollout } from '@rollouts/api';
import { reconcileRollout, type RolloutObservation } from '@rollouts/core';
import type { Clock, EventRecorder, KubeWriter, Logger } from '@rollouts/k8s';
import type { KubeObjectClient } from '@rollouts/plugin-sdk';
import type { ClusterCache } from './ClusterCache';
import type { ControllerMetrics } from './ControllerMetrics';
import { decodeRollout } from './Decoding';
import { reportUnreadableRollout } from './Unreadable';
import { executeRolloutIntents, routingContext } from './IntentExecutor';
import type { Notifier, RecordedEvent } from './Notifications';
import { done, retry, type ReconcileOutcome } from './ReconcileLoop';
import { observeRollout } from './RolloutObserver';
import type { StepPlugins } from './StepPlugins';
import type { ConfiguredRouter, TrafficRouters } from './TrafficRouters';
import { routerStatuses } from './RouterStatuses';
import { ensureReleaseFinalizer, finalizeRollout, hasReleaseFinalizer } from './Finalizer';

type ObservedPod = NonNullable<RolloutObservation['pods']>[number];

export interface RolloutReconcilerDeps {
  readonly cache: ClusterCache;
  readonly writer: KubeWriter;
  readonly events: EventRecorder;
  readonly routers: TrafficRouters;
  /** Lists pods while a `spec.restartAt` is pending (the only read outside the caches). */
  readonly objects: KubeObjectClient;
  readonly clock: Clock;
  readonly log: Logger;
  readonly signal: AbortSignal;
  readonly routerTimeoutMs: number;
  /** While a router says the weight is not in effect yet, ask again this often (Argo's ROLLOUT_VERIFY_RETRY_INTERVAL, 10 s). */
  readonly verifyRetryMs?: number;
  /** The traffic release finalizer (Finalizer.ts): add it to Rollouts whose routers can release; how long a failing release holds a deletion. */
  readonly releaseTrafficFinalizer?: boolean;
  readonly releaseTimeoutMs?: number;
  readonly metrics: ControllerMetrics;
  readonly track: (p: Promise<void>) => void;
  /** Notifications (Notifications.ts): sent once the reconcile's writes succeeded, with the Rollout as written. */
  readonly notifier?: Notifier;
  /** Step plugins (StepPlugins.ts): the calls a Rollout's plugin steps need are made before its reconcile. */
  readonly stepPlugins?: StepPlugins;
}


/** `namespace/name` -> its parts. */
export function splitKey(key: string): { namespace: string; name: string } {
  const i = key.indexOf('/');
  return i < 0 ? { namespace: '', name: key } : { namespace: key.slice(0, i), name: key.slice(i + 1) };
}

/** Ask every router that can verify whether the weight in status is in effect (`undefined`: none verifies). */
async function verifyWeights(rollout: Rollout, routers: ReadonlyArray<ConfiguredRouter>, deps: RolloutReconcilerDeps): Promise<boolean | undefined> {
  const weights = rollout.status?.canary?.weights;
  const verifying = routers.filter((r) => r.router?.verifyWeight !== undefined);
  if (verifying.length === 0 || weights == null) return undefined;
  const ctx = routingContext(rollout, rollout.status ?? {}, deps.signal);
  const additional = (weights.additional ?? []).map((d) => ({ serviceName: d.serviceName ?? '', podTemplateHash: d.podTemplateHash ?? '', weight: d.weight ?? 0 }));
  for (const r of verifying) {
    try {
      const signal = AbortSignal.any([deps.signal, AbortSignal.timeout(deps.routerTimeoutMs)]);
      const v = await r.router!.verifyWeight!({ ...ctx, signal }, weights.canary.weight ?? 0, additional)();
      if (E.isLeft(v)) {
        deps.log.warn('traffic router could not verify the weight', { rollout: `${ctx.namespace}/${rollout.metadata?.name ?? ''}`, router: r.kind, error: v.left.message });
        return false;
      }
      if (v.right !== true) return false;
    } catch (e) {
      deps.log.warn('traffic router verifyWeight threw', { router: r.kind, error: e instanceof Error ? e.message : String(e) });
      return false;
    }
  }
  return true;
}

/**
 * The pods of the Rollout's namespace that belong to Rollouts, only while `spec.restartAt` is pending: a LIST
 * then, rather than a pod cache of the whole cluster all the time. `undefined` when no restart is pending.
 */
async function podsForRestart(rollout: Rollout, deps: RolloutReconcilerDeps): Promise<E.Either<string, ReadonlyArray<ObservedPod> | undefined>> {
  const at = rollout.spec.restartAt;
  if (at == null || at === rollout.status?.restartedAt) return E.right(undefined);
  const r = await deps.objects.list({ apiVersion: 'v1', kind: 'Pod', namespace: rollout.metadata?.namespace ?? '', labelSelector: POD_TEMPLATE_HASH_LABEL })();
  return E.isLeft(r) ? E.left(r.left.message) : E.right(r.right as unknown as ReadonlyArray<ObservedPod>);
}

/** Reconcile the Rollout at `key`. */
export async function reconcileRolloutKey(key: string, deps: RolloutReconcilerDeps): Promise<ReconcileOutcome> {
  const { namespace, name } = splitKey(key);
  const raw = deps.cache.rollouts.get(namespace, name);
  if (raw === undefined) return done();
  if (raw.metadata?.deletionTimestamp != null) return hasReleaseFinalizer(raw) ? finalizeRollout(raw, deps) : done();
  const decoded = decodeRollout(raw);
  if (E.isLeft(decoded)) {
    // The API server admitted an object our codecs reject (an older or foreign CRD schema): say so on it.
    await reportUnreadableRollout(raw, decoded.left, deps);
    return done();
  }
  const rollout = decoded.right;
  const finalizing = await ensureReleaseFinalizer(raw, rollout, deps);
  if (finalizing !== undefined) return finalizing;
  const routers = deps.routers.resolve(rollout.spec.strategy?.canary?.trafficRouting);
  const weightVerified = await verifyWeights(rollout, routers, deps);
  const pods = await podsForRestart(rollout, deps);
  if (E.isLeft(pods)) return retry(pods.left);
  const stepPluginObs = await deps.stepPlugins?.observe(rollout, { signal: deps.signal, timeoutMs: deps.routerTimeoutMs, now: () => deps.clock.now() });
  const observed = observeRollout(rollout, deps.cache, routers, deps.clock.now(), deps.log, weightVerified, pods.right);
  const routerStatus = await routerStatuses(rollout, routers, deps);
  const obs = routerStatus === undefined || observed.trafficRouting === undefined ? observed : { ...observed, trafficRouting: { ...observed.trafficRouting, routerStatus } };
  const result = reconcileRollout(stepPluginObs === undefined ? obs : { ...obs, ...stepPluginObs });
  // An unverified weight changes nothing in the cluster the controller watches: only asking the router again moves
  // the Rollout on, so it is asked again within verifyRetryMs.
  const requeueAfterMs = weightVerified === false ? Math.min(result.requeueAfterMs ?? Infinity, deps.verifyRetryMs ?? 10_000) : result.requeueAfterMs;
  if (result.intents.length === 0) {
    await deps.notifier?.afterReconcile(raw, []);
    return done(requeueAfterMs);
  }
  const recorded: RecordedEvent[] = [];

  const outcome = await executeRolloutIntents(rollout, result, routers, {
    writer: deps.writer,
    events: {
      record: (involved, type, reason, message) => {
        deps.metrics.event?.({ kind: 'Rollout', namespace, name, type, reason });
        recorded.push({ type, reason, message });
        return deps.events.record(involved, type, reason, message);
      },
    },
    cache: deps.cache,
    log: deps.log,
    signal: deps.signal,
    routerTimeoutMs: deps.routerTimeoutMs,
    track: deps.track,
    objects: deps.objects,
  });
  if (E.isLeft(outcome)) {
    const { intent, error } = outcome.left;
    if (error._tag === 'KubeConflict') {
      deps.log.debug('conflict; reconciling again', { rollout: key, intent: intent._tag, error: error.message });
      return retry(error.message);
    }
    if (error._tag === 'PluginAborted' || deps.signal.aborted) return retry(error.message);
    const message = `${intent._tag} failed (${intent.reason}): ${error.message}`;
    deps.log.warn(message, { rollout: key, error: error._tag, retryable: error.retryable });
    deps.track(deps.events.record({ apiVersion: 'argoproj.io/v1alpha1', kind: 'Rollout', metadata: { name, namespace, uid: rollout.metadata?.uid ?? null } }, 'Warning', 'ReconcileError', message));
    await deps.notifier?.events(raw, [{ type: 'Warning', reason: 'ReconcileError' }]);
    return retry(message);
  }
  await deps.notifier?.afterReconcile(outcome.right.rollout ?? deps.cache.rollouts.get(namespace, name) ?? raw, recorded);
  if (outcome.right.writes > 0) deps.log.info('reconciled', { rollout: key, writes: outcome.right.writes, phase: result.status.phase ?? '', message: result.status.message ?? '', step: result.status.currentStepIndex ?? null });
  return done(requeueAfterMs);
}
