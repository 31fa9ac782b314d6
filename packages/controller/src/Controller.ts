/**
 * `createController`: the Rollout, AnalysisRun and Experiment loops over one set of informer caches.
 *
 * - Informers start at once (a standby replica keeps warm caches); workers run only while this replica leads
 *   (or always, without leader election). Each leadership term has fresh work queues, an AbortSignal for
 *   plugin calls, and starts by queueing every cached object.
 * - Events route work: a Rollout's own changes; its ReplicaSets, AnalysisRuns and Experiments (by owner
 *   reference); the Services, analysis templates and workloads it names (by the reference index).
 * - A reconcile that throws is retried with backoff and reported on its object (ReconcilePanics.ts): the Rollout
 *   gets the `ReconciliationError` condition and a Warning Event; an AnalysisRun or Experiment gets the Event and,
 *   after a few throws in a row, phase Error.
 * - `stop()` is graceful: let every worker finish its key while still leading, then release the Lease, wait
 *   for the Events being recorded, and stop the informers. `status()` says which step it is on.
 *
 * Custom images compose it with their own plugins:
 * `createController({ kubeConfig, trafficRouters: [myRouter], metricProviders: [prometheus, myProvider] })`.
 */
import { MANAGED_BY_ROLLOUTS_ANNOTATION, type AnalysisRun, type Experiment, type Rollout, type Service } from '@rollouts/api';
import {
  createEventRecorder,
  createKubeObjectClient,
  createKubeWriter,
  createLeaderElector,
  createWorkQueue,
  systemClock,
  type Clock,
  type InformerEvent,
  type KubeConfig,
  type LeaderElector,
  type LeaderElectionStatus,
  type Logger,
  type WorkQueue,
} from '@rollouts/k8s';
import type { MetricProviderPlugin, StepPlugin, TrafficRouterPlugin } from '@rollouts/plugin-sdk';
import type { StepPluginTiming } from '@rollouts/core';
import { reconcileAnalysisRunKey } from './AnalysisRunReconciler';
import { ClusterCache } from './ClusterCache';
import type { ControllerMetrics, ReconciledKind } from './ControllerMetrics';
import { decodeRollout } from './Decoding';
import { reconcileExperimentKey } from './ExperimentReconciler';
import { releaseTraffic } from './IntentExecutor';
import { createMetricProviders } from './Measurements';
import { createNotifier, type NotificationOptions } from './Notifications';
import { runReconcileLoop, type ReconcileOutcome } from './ReconcileLoop';
import { reportAnalysisRunPanic, reportExperimentPanic, reportRolloutPanic } from './ReconcilePanics';
import { ReferenceIndex } from './References';
import { releaseService, selectsRevision } from './ServiceRelease';
import { reconcileRolloutKey, splitKey } from './RolloutReconciler';
import { createTrafficRouters } from './TrafficRouters';
import { createStepPlugins } from './StepPlugins';

/** Leader election settings (a Lease in `namespace`). */
export interface LeaderElectionOptions {
  readonly namespace: string;
  /** Lease name (default `rollouts-controller-lock`). */
  readonly name?: string;
  /** This replica; must differ between replicas (e.g. pod name). */
  readonly identity: string;
  readonly leaseDurationMs?: number;
  readonly renewDeadlineMs?: number;
  readonly retryPeriodMs?: number;
  /** Called when leadership is lost other than by `stop()` (the app exits, as upstream does). */
  readonly onLost?: () => void;
  /** Added to the error logged when the Lease's namespace does not exist (how to choose another). */
  readonly namespaceHint?: string;
}

export interface ControllerOptions {
  /** From `loadKubeConfig` of `@rollouts/k8s`. */
  readonly kubeConfig: KubeConfig;
  /** Watch and reconcile one namespace only (default: all namespaces). */
  readonly namespace?: string;
  /**
   * Watch ClusterAnalysisTemplates (default true). A namespaced install (Role only, Argo's `--namespaced`) sets false:
   * it may not list cluster-scoped objects, and a Rollout that names one is told `ClusterAnalysisTemplate '<name>' not found`.
   */
  readonly clusterAnalysisTemplates?: boolean;
  /** Reconcile only objects labelled `argo-rollouts.argoproj.io/controller-instance-id=<id>` (default: unlabelled ones). */
  readonly instanceId?: string;
  /** Traffic router plugins, registered by kind (a kind twice throws). */
  readonly trafficRouters?: ReadonlyArray<TrafficRouterPlugin<any>>;
  /** Metric provider plugins, registered by kind (a kind twice throws). */
  readonly metricProviders?: ReadonlyArray<MetricProviderPlugin<any>>;
  /** Step plugins (`steps[].plugin`), registered by name (a name twice throws); each call bounded by routerTimeoutMs. */
  readonly stepPlugins?: ReadonlyArray<StepPlugin<any>>;
  /** Step plugins configured but disabled (Argo's `disabled: true`): their steps are skipped; backoffs between runs (Argo's by default). */
  readonly disabledStepPlugins?: ReadonlyArray<string>;
  readonly stepPluginTiming?: Partial<StepPluginTiming>;
  readonly clock?: Clock;
  readonly log?: Logger;
  readonly metrics?: ControllerMetrics;
  /** Workers per loop (defaults as upstream: rollouts 10, analysis runs 30, experiments 10). */
  readonly workers?: { readonly rollouts?: number; readonly analysisRuns?: number; readonly experiments?: number };
  /** Informer resync interval (default 15 min; 0 turns resync off). */
  readonly resyncMs?: number;
  /** Work queue retry policy: first backoff, cap, and the global rate of retries. */
  readonly queue?: { readonly baseDelayMs?: number; readonly maxDelayMs?: number; readonly qps?: number; readonly burst?: number };
  /** Bound of each traffic router call (default 30 s). */
  readonly routerTimeoutMs?: number;
  /** While a router's verifyWeight answers false, the Rollout is reconciled again this often (default 10 s, Argo's ROLLOUT_VERIFY_RETRY_INTERVAL). */
  readonly verifyRetryMs?: number;
  /**
   * Guarantee the release of a deleted Rollout's traffic with the finalizer `rollouts.argoproj.io/traffic-release`
   * (Finalizer.ts; default false: best effort on the delete event, as upstream). Needs `update`/`patch` on rollouts.
   */
  readonly releaseTrafficFinalizer?: boolean;
  /** How long a failing release may hold a Rollout's deletion before the finalizer is removed anyway (default 5 min). */
  readonly releaseTimeoutMs?: number;
  /** Bound of each metric provider call (default 60 s). */
  readonly measurementTimeoutMs?: number;
  /** Environment for metric providers (their defaults, such as ARGO_ROLLOUTS_PROMETHEUS_ADDRESS). */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** `source.component` of Events (default `rollouts-controller`). */
  readonly component?: string;
  readonly leaderElection?: LeaderElectionOptions;
  /** Send Argo-compatible notifications (Notifications.ts); the leader sends, after the status write an Event belongs to. */
  readonly notifications?: NotificationOptions;
}

/** A running controller. */
export interface Controller {
  /** Start the informers; resolves once their caches are synced (workers start then, or once leading). */
  start(): Promise<void>;
  /** Stop gracefully; resolves when every worker and pending Event is done. Idempotent. */
  stop(): Promise<void>;
  /** The caches are synced (readiness). */
  hasSynced(): boolean;
  /** This replica runs the workers now. */
  isLeader(): boolean;
  /** What this replica waits for (start-up and shutdown logs, readiness). */
  status(): ControllerStatus;
  /** Cached Rollouts, AnalysisRuns and Experiments (for metrics); read-only. */
  rollouts(): ReadonlyArray<Rollout>;
  analysisRuns(): ReadonlyArray<AnalysisRun>;
  experiments(): ReadonlyArray<Experiment>;
}

/** See {@link Controller.status}. */
export interface ControllerStatus {
  /** Caches whose initial list has not arrived yet, with their last list or watch error (a 403 names the resource). */
  readonly unsynced: ReadonlyArray<{ readonly kind: string; readonly lastError?: string }>;
  /** Leader election, once it has started (after the caches synced); undefined without it. */
  readonly election?: LeaderElectionStatus;
  /** While stopping, the step `stop()` is on. */
  readonly stopping?: string;
}

/** A logger that drops everything. */
export const silentLogger: Logger = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

interface Term {
  readonly rollouts: WorkQueue;
  readonly analysisRuns: WorkQueue;
  readonly experiments: WorkQueue;
  readonly abort: AbortController;
  readonly loops: Promise<void>;
}

interface Owned {
  readonly metadata?: { readonly namespace?: string | null; readonly name?: string | null; readonly ownerReferences?: ReadonlyArray<{ readonly kind: string; readonly name: string }> | null } | null;
}

const keyOf = (o: Owned): string => `${o.metadata?.namespace ?? ''}/${o.metadata?.name ?? ''}`;

/** Create a controller (not started). Throws on a start-up error (a plugin kind registered twice). */
export function createController(opts: ControllerOptions): Controller {
  const clock = opts.clock ?? systemClock;
  const log = opts.log ?? silentLogger;
  const metrics = opts.metrics ?? {};
  const kc = opts.kubeConfig;
  const requests = metrics.requests !== undefined ? { metrics: metrics.requests } : {};
  const cache = new ClusterCache({
    kubeConfig: kc,
    clock,
    log,
    ...(opts.namespace !== undefined && opts.namespace !== '' ? { namespace: opts.namespace } : {}),
    ...(opts.instanceId !== undefined ? { instanceId: opts.instanceId } : {}),
    ...(opts.clusterAnalysisTemplates === false ? { clusterAnalysisTemplates: false } : {}),
    ...(opts.resyncMs !== undefined ? { resyncMs: opts.resyncMs } : {}),
    ...requests,
  });
  const writer = createKubeWriter(kc, { ...requests, log });
  const events = createEventRecorder(kc, { component: opts.component ?? 'rollouts-controller', clock, log, ...requests });
  const objects = createKubeObjectClient(kc, { ...requests, log });
  const now = () => clock.now();
  const routers = createTrafficRouters(opts.trafficRouters ?? [], { kube: objects, log, now });
  const stepPlugins = createStepPlugins(opts.stepPlugins ?? [], { kube: objects, log, now, env: opts.env ?? {} }, { disabled: opts.disabledStepPlugins ?? [], ...(opts.stepPluginTiming !== undefined ? { timing: opts.stepPluginTiming } : {}) });
  const providers = createMetricProviders(opts.metricProviders ?? [], { kube: objects, log, now, env: opts.env ?? {} });
  const references = new ReferenceIndex();
  const notifier = opts.notifications !== undefined ? createNotifier(opts.notifications, { objects, writer, cache, clock, log, metrics }) : undefined;
  const pending = new Set<Promise<void>>();
  const track = (p: Promise<void>): void => {
    pending.add(p);
    void p.finally(() => pending.delete(p));
  };

  let term: Term | undefined;
  /** Workers stopping after leadership was lost. */
  let workersStopping: Promise<void> = Promise.resolve();
  let stopPromise: Promise<void> | undefined;
  let elector: LeaderElector | undefined;
  let stopped = false;
  let stopStep: string | undefined;

  // ---- Routing events to work ------------------------------------------------------------------------
  const enqueueOwners = (o: Owned): void => {
    const ns = o.metadata?.namespace ?? '';
    for (const ref of o.metadata?.ownerReferences ?? []) {
      if (ref.kind === 'Rollout') term?.rollouts.add(`${ns}/${ref.name}`);
      else if (ref.kind === 'Experiment') term?.experiments.add(`${ns}/${ref.name}`);
    }
  };
  // A resync re-announces unchanged objects: owners have their own informers (and resyncs), so owned objects
  // route nothing then (upstream ignores ReplicaSet resyncs too); that spares a duplicate reconcile per owner.
  const withOld = <T>(handler: (o: T) => void) => (e: InformerEvent<T>) => {
    if (e.type === 'RESYNC') return;
    handler(e.object);
    if (e.old !== undefined && e.old !== e.object) handler(e.old);
  };
  const i = cache.informers;
  // Services a Rollout stopped naming (or a deleted Rollout named) lose the selector it wrote (leader only).
  const releaseDeps = { cache, writer, log, referrers: (ns: string, n: string) => references.referrers('Service', ns, n) };
  const releaseDropped = (key: string, before: ReadonlyArray<string>): void => {
    if (term === undefined || before.length === 0) return;
    const { namespace, name } = splitKey(key);
    const now = references.servicesOf(key);
    for (const svc of before)
      if (!now.includes(svc)) track(releaseService(releaseDeps, namespace, svc, name));
  };
  // Upstream records RolloutAddedToInformer when its Rollout informer adds an object; its informers run while it
  // leads, so: for every Rollout cached when the workers start (below), then for each Rollout added while leading.
  const recordAdded = (o: { readonly metadata?: { readonly namespace?: string | null; readonly name?: string | null; readonly uid?: string | null } | null }): void => {
    const name = o.metadata?.name ?? '';
    const namespace = o.metadata?.namespace ?? '';
    const involved = { apiVersion: 'argoproj.io/v1alpha1', kind: 'Rollout', metadata: { name, namespace, uid: o.metadata?.uid ?? null } };
    track(events.record(involved, 'Normal', 'RolloutAddedToInformer', `Rollout resource added to informer: ${namespace}/${name}`));
    if (notifier !== undefined) track(notifier.events(o as Rollout, [{ type: 'Normal', reason: 'RolloutAddedToInformer' }]));
  };
  i.rollouts.onEvent((e) => {
    const key = keyOf(e.object);
    if (e.type === 'ADDED' && term !== undefined) recordAdded(e.object);
    const servicesBefore = e.type === 'RESYNC' ? [] : references.servicesOf(key);
    if (e.type === 'DELETED') {
      references.delete(key);
      releaseDropped(key, servicesBefore);
      // The leader releases the traffic a deleted Rollout held in objects it does not own (ALB, Istio).
      const current = term;
      const r = decodeRollout(e.object);
      const tr = r._tag === 'Right' ? r.right.spec.strategy?.canary?.trafficRouting : undefined;
      if (current !== undefined && r._tag === 'Right' && tr != null)
        track(releaseTraffic(r.right, routers.resolve(tr), { log, signal: current.abort.signal, timeoutMs: opts.routerTimeoutMs ?? 30_000 }).then(() => undefined));
    } else if (e.type !== 'RESYNC' || e.old !== e.object) {
      // (a resync re-announces the same object: its references are indexed already)
      const r = decodeRollout(e.object);
      if (r._tag === 'Right') {
        references.set(key, r.right);
        releaseDropped(key, servicesBefore);
      }
    }
    term?.rollouts.add(key);
  });
  i.replicaSets.onEvent(withOld(enqueueOwners));
  i.analysisRuns.onEvent((e) => {
    withOld(enqueueOwners)(e);
    if (e.type !== 'DELETED') term?.analysisRuns.add(keyOf(e.object));
  });
  i.experiments.onEvent((e) => {
    withOld(enqueueOwners)(e);
    if (e.type !== 'DELETED') term?.experiments.add(keyOf(e.object));
  });
  const byReference = (kind: string) => (e: InformerEvent<Owned>) => {
    if (e.type === 'RESYNC') return;
    const ns = kind === 'ClusterAnalysisTemplate' ? '' : (e.object.metadata?.namespace ?? '');
    for (const key of references.referrers(kind, ns, e.object.metadata?.name ?? '')) term?.rollouts.add(key);
  };
  i.services.onEvent((e) => {
    byReference('Service')(e);
    // A Service that still carries a Rollout's selector while that Rollout (known, in the cache) no longer names it,
    // e.g. after a controller restart missed the change.
    if (e.type !== 'DELETED' && term !== undefined && selectsRevision(e.object as Service)) {
      const ns = e.object.metadata?.namespace ?? '';
      const owner = (e.object as Service).metadata?.annotations?.[MANAGED_BY_ROLLOUTS_ANNOTATION];
      if (owner != null && references.referrers('Service', ns, e.object.metadata?.name ?? '').length === 0 && i.rollouts.get(ns, owner) !== undefined)
        track(releaseService(releaseDeps, ns, e.object.metadata?.name ?? '', owner));
    }
    if (e.type !== 'RESYNC') enqueueOwners(e.object);
  });
  i.analysisTemplates.onEvent(byReference('AnalysisTemplate'));
  i.clusterAnalysisTemplates.onEvent(byReference('ClusterAnalysisTemplate'));
  i.deployments.onEvent(byReference('Deployment'));

  // ---- Workers ----------------------------------------------------------------------------------------
  const observer = (kind: ReconciledKind) => (key: string, durationMs: number, outcome: ReconcileOutcome | 'panic') => {
    const { namespace, name } = splitKey(key);
    metrics.reconciled?.({ kind, namespace, name, durationMs, error: outcome === 'panic' || outcome._tag === 'Retry' });
  };
  const startWorkers = (): void => {
    if (term !== undefined || stopped) return;
    const q = opts.queue ?? {};
    const queue = (name: string) =>
      createWorkQueue({
        name,
        clock,
        ...(q.baseDelayMs !== undefined ? { baseDelayMs: q.baseDelayMs } : {}),
        ...(q.maxDelayMs !== undefined ? { maxDelayMs: q.maxDelayMs } : {}),
        ...(q.qps !== undefined ? { qps: q.qps } : {}),
        ...(q.burst !== undefined ? { burst: q.burst } : {}),
      });
    const abort = new AbortController();
    const rolloutQueue = queue('rollouts');
    const runQueue = queue('analysisruns');
    const experimentQueue = queue('experiments');
    const w = opts.workers ?? {};
    const common = { cache, writer, events, clock, log, metrics, track, signal: abort.signal };
    // Built once: a spread that adds keys costs about a microsecond in V8 11, on every reconcile otherwise.
    const rolloutDeps = { ...common, routers, objects, routerTimeoutMs: opts.routerTimeoutMs ?? 30_000, verifyRetryMs: opts.verifyRetryMs ?? 10_000, releaseTrafficFinalizer: opts.releaseTrafficFinalizer === true, ...(opts.releaseTimeoutMs !== undefined ? { releaseTimeoutMs: opts.releaseTimeoutMs } : {}), stepPlugins, ...(notifier !== undefined ? { notifier } : {}) };
    const runDeps = { ...common, objects, providers, measurementTimeoutMs: opts.measurementTimeoutMs ?? 60_000 };
    const experimentDeps = { ...common, objects };
    const loops = Promise.all([
      runReconcileLoop({
        name: 'rollout',
        queue: rolloutQueue,
        workers: w.rollouts ?? 10,
        log,
        observe: observer('Rollout'),
        reconcile: (key) => reconcileRolloutKey(key, rolloutDeps),
        onPanic: async (p) => {
          await reportRolloutPanic(p, common);
          // on-reconciliation-error, with the Rollout as the condition patch left it
          const { namespace, name } = splitKey(p.key);
          const ro = cache.rollouts.get(namespace, name);
          if (notifier !== undefined && p.newMessage && ro !== undefined) await notifier.events(ro, [{ type: 'Warning', reason: 'ReconciliationError' }]);
        },
      }),
      runReconcileLoop({
        name: 'analysisrun',
        queue: runQueue,
        workers: w.analysisRuns ?? 30,
        log,
        observe: observer('AnalysisRun'),
        reconcile: (key) => reconcileAnalysisRunKey(key, runDeps),
        onPanic: (p) => reportAnalysisRunPanic(p, common),
      }),
      runReconcileLoop({
        name: 'experiment',
        queue: experimentQueue,
        workers: w.experiments ?? 10,
        log,
        observe: observer('Experiment'),
        reconcile: (key) => reconcileExperimentKey(key, experimentDeps),
        onPanic: (p) => reportExperimentPanic(p, common),
      }),
    ]).then(() => undefined);
    term = { rollouts: rolloutQueue, analysisRuns: runQueue, experiments: experimentQueue, abort, loops };
    for (const o of i.rollouts.list()) {
      recordAdded(o);
      rolloutQueue.add(keyOf(o));
    }
    for (const o of i.analysisRuns.list()) runQueue.add(keyOf(o));
    for (const o of i.experiments.list()) experimentQueue.add(keyOf(o));
    log.info('workers started', { rollouts: i.rollouts.list().length, analysisRuns: i.analysisRuns.list().length, experiments: i.experiments.list().length });
  };
  const stopWorkers = (): Promise<void> => {
    const t = term;
    if (t === undefined) return Promise.resolve();
    term = undefined;
    t.abort.abort(new Error('the controller is stopping'));
    for (const q of [t.rollouts, t.analysisRuns, t.experiments]) q.shutdown();
    return t.loops.then(() => log.info('workers stopped'));
  };

  return {
    async start() {
      if (stopped) throw new Error('the controller was stopped; create a new one');
      await cache.start();
      if (stopped) return;
      log.info('caches synced', { namespace: opts.namespace ?? '(all)' });
      const le = opts.leaderElection;
      if (le === undefined) {
        startWorkers();
        return;
      }
      elector = createLeaderElector(kc, {
        namespace: le.namespace,
        name: le.name ?? 'rollouts-controller-lock',
        identity: le.identity,
        clock,
        log,
        ...(le.leaseDurationMs !== undefined ? { leaseDurationMs: le.leaseDurationMs } : {}),
        ...(le.renewDeadlineMs !== undefined ? { renewDeadlineMs: le.renewDeadlineMs } : {}),
        ...(le.retryPeriodMs !== undefined ? { retryPeriodMs: le.retryPeriodMs } : {}),
        ...(le.namespaceHint !== undefined ? { namespaceHint: le.namespaceHint } : {}),
        ...requests,
        onStartedLeading: () => {
          log.info('started leading', { identity: le.identity });
          startWorkers();
        },
        onStoppedLeading: () => {
          log.info('stopped leading', { identity: le.identity });
          workersStopping = stopWorkers();
          if (!stopped) le.onLost?.();
        },
      });
      void elector.run();
    },
    async stop() {
      if (stopPromise !== undefined) return stopPromise;
      stopped = true;
      stopPromise = (async () => {
        // Workers finish while this replica still holds the Lease, so no other replica starts on the same keys.
        stopStep = 'finishing in-flight reconciles';
        await stopWorkers();
        await workersStopping;
        if (elector !== undefined) {
          stopStep = 'releasing the Lease';
          await elector.stop();
        }
        stopStep = `waiting for ${pending.size} Event writes and traffic releases in flight`;
        await Promise.all([...pending]);
        stopStep = 'stopping the informers';
        cache.stop();
        stopStep = undefined;
        log.info('controller stopped');
      })();
      return stopPromise;
    },
    hasSynced: () => cache.hasSynced(),
    isLeader: () => term !== undefined,
    status: () => {
      const unsynced: Array<{ kind: string; lastError?: string }> = [];
      for (const inf of Object.values(i) as Array<{ kind: string; hasSynced(): boolean; lastError(): string | undefined }>) {
        if (inf.hasSynced()) continue;
        const lastError = inf.lastError();
        unsynced.push(lastError !== undefined ? { kind: inf.kind, lastError } : { kind: inf.kind });
      }
      return {
        unsynced,
        ...(elector !== undefined ? { election: elector.status() } : {}),
        ...(stopStep !== undefined ? { stopping: stopStep } : {}),
      };
    },
    rollouts: () => i.rollouts.list(),
    analysisRuns: () => i.analysisRuns.list(),
    experiments: () => i.experiments.list(),
  };
}
