/**
 * The intent executor: applies what `reconcileRollout` decided, in order, and stops at the first failure (the
 * next reconcile observes again and decides anew). Each intent is one API write or one router call:
 *
 * | intent | what is done |
 * |---|---|
 * | `CreateReplicaSet` | POST the ReplicaSet core built (owner reference included) |
 * | `ScaleReplicaSet` | merge patch of `spec.replicas` and the annotations that go with it |
 * | `AnnotateReplicaSet` | merge patch of annotations and labels (`null` removes) |
 * | `DeleteReplicaSet` | DELETE |
 * | `PatchServiceSelector` | merge patch of `spec.selector[rollouts-pod-template-hash]` plus the managed-by annotation |
 * | `SetWeight`, `SetHeaderRoute`, `SetMirrorRoute`, `RemoveManagedRoutes` | the configured routers, in order |
 * | `CreateAnalysisRun`, `CreateExperiment` | POST; a name already taken: adopt the object when it is ours, else the next name (below) |
 * | `TerminateAnalysisRun`, `TerminateExperiment` | merge patch `spec.terminate: true` |
 * | `ScaleWorkload` | merge patch of the `workloadRef` Deployment's `spec.replicas` |
 * | `EvictPod` | POST of an Eviction to `pods/<name>/eviction` (PodDisruptionBudgets apply; never a delete instead) |
 * | `SyncEphemeralMetadata` | merge patch of the ReplicaSet's template metadata/affinity and, when asked, of its pods' labels and annotations (`EphemeralMetadataSync.ts`) |
 * | `RecordEvent` | a Kubernetes Event (never blocks, never fails the reconcile) |
 * | `UpdateStatus` | PUT of the status subresource with the observed `resourceVersion` |
 *
 * Every successful write is remembered in the cache views, so the next reconcile does not repeat it.
 *
 * A create of an AnalysisRun or Experiment answered 409 AlreadyExists does not lose the object (upstream's
 * create-with-collision-counter): the object of that name is read, and when it is one this controller may take over
 * (the same controller uid, unfinished, a semantically equal spec: core's `adoptable`) it is remembered as if just
 * created and execution goes on, so the status write that names it is still made in this reconcile. An object that
 * is not ours (left behind by an earlier Rollout of the same name, say) keeps its name; the next one (`<base>.N`) is
 * tried instead, and the status written in this reconcile names what was created.
 */
import * as E from 'fp-ts/lib/Either';
import { MANAGED_BY_ROLLOUTS_ANNOTATION, POD_TEMPLATE_HASH_LABEL, type AnalysisRun, type Experiment, type ReplicaSet, type Rollout, type RolloutStatus, type Service } from '@rollouts/api';
import { adoptable, serviceRolesOf, type Intent, type ReconcileResult } from '@rollouts/core';
import { Resources, type EventRecorder, type KubeWriter, type Logger, type ResourceKind } from '@rollouts/k8s';
import { PluginErrors, type AdditionalDestination, type KubeObjectClient, type PluginError, type RoutingContext, type TrafficRouter } from '@rollouts/plugin-sdk';
import type { ClusterCache } from './ClusterCache';
import { applyEphemeralMetadata } from './EphemeralMetadataSync';
import type { ConfiguredRouter } from './TrafficRouters';

/** Why a reconcile stopped: the intent that failed and the error. */
export interface IntentFailure {
  readonly intent: Intent;
  /** 0-based position of the intent in the list. */
  readonly index: number;
  readonly error: PluginError;
}

/** What an execution did. */
export interface IntentOutcome {
  /** API writes and router calls that succeeded (events not counted). */
  readonly writes: number;
  /** The Rollout as the status write answered it (when there was one). */
  readonly rollout?: Rollout;
}

/** What the executor needs. */
export interface ExecutorDeps {
  readonly writer: KubeWriter;
  readonly events: EventRecorder;
  readonly cache: ClusterCache;
  readonly log: Logger;
  /** Router calls get this signal, cancelled on shutdown; and each call is bounded by `routerTimeoutMs`. */
  readonly signal: AbortSignal;
  readonly routerTimeoutMs: number;
  /** Called for each event so callers can await them on shutdown. */
  readonly track?: (p: Promise<void>) => void;
  /** Reads the object a create found taken (409 AlreadyExists); without it, such a create fails the reconcile. */
  readonly objects?: KubeObjectClient;
}

/** What {@link applyObjectIntent} needs. */
export interface ObjectIntentDeps {
  readonly writer: KubeWriter;
  readonly cache: ClusterCache;
  /** Reads the object a create found taken (409 AlreadyExists); without it, such a create fails. */
  readonly objects?: KubeObjectClient;
  readonly log?: Logger;
  /** Told when a create used another name than the intent's, because that name was taken by an object not ours. */
  readonly renamed?: (from: string, to: string) => void;
}

const ROLLOUT_API_VERSION = 'argoproj.io/v1alpha1';

/** The RoutingContext of a Rollout and the status being written. */
export function routingContext(rollout: Rollout, status: RolloutStatus, signal: AbortSignal): RoutingContext {
  const canary = rollout.spec.strategy?.canary;
  const weights = status.canary?.weights;
  // With ping-pong the two Services swap roles at each promotion: the status being written says which is stable.
  const roles = serviceRolesOf(canary, status);
  return {
    rollout,
    namespace: rollout.metadata?.namespace ?? '',
    canaryService: roles.canaryService,
    stableService: roles.stableService,
    canaryPodHash: weights?.canary.podTemplateHash ?? status.currentPodHash ?? '',
    stablePodHash: weights?.stable.podTemplateHash ?? status.stableRS ?? '',
    maxWeight: canary?.trafficRouting?.maxTrafficWeight ?? 100,
    signal,
  };
}

/** Run a router call with a timeout; a thrown exception or a timeout becomes a PluginError. */
async function callRouter<A>(kind: string, what: string, timeoutMs: number, parent: AbortSignal, call: (signal: AbortSignal) => Promise<E.Either<PluginError, A>>): Promise<E.Either<PluginError, A>> {
  const signal = AbortSignal.any([parent, AbortSignal.timeout(timeoutMs)]);
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<E.Either<PluginError, A>>((resolve) => {
    timer = setTimeout(() => resolve(E.left(PluginErrors.routerUnavailable({ message: `the ${kind} traffic router did not answer ${what} within ${timeoutMs} ms` }))), timeoutMs);
  });
  // Shutdown does not wait for a router that ignores its signal.
  let onAbort: (() => void) | undefined;
  const cancelled = new Promise<E.Either<PluginError, A>>((resolve) => {
    onAbort = () => resolve(E.left(PluginErrors.pluginAborted({ message: `${what} cancelled: the controller is stopping` })));
    if (parent.aborted) onAbort();
    else parent.addEventListener('abort', onAbort, { once: true });
  });
  try {
    return await Promise.race([
      call(signal).catch((e: unknown) => E.left(PluginErrors.routerUnavailable({ message: `the ${kind} traffic router failed ${what}: ${e instanceof Error ? e.message : String(e)}`, cause: e }))),
      timeout,
      cancelled,
    ]);
  } finally {
    if (timer !== undefined) clearTimeout(timer);
    // One listener per call on a long-lived signal: remove it, or a running controller collects them.
    if (onAbort !== undefined) parent.removeEventListener('abort', onAbort);
  }
}

/** The intents Rollouts and Experiments share (their ReplicaSets, AnalysisRuns and Experiments); `undefined` for others. */
export type ObjectIntent = Extract<
  Intent,
  { _tag: 'CreateReplicaSet' | 'ScaleReplicaSet' | 'AnnotateReplicaSet' | 'DeleteReplicaSet' | 'CreateAnalysisRun' | 'TerminateAnalysisRun' | 'DeleteAnalysisRun' | 'CreateExperiment' | 'TerminateExperiment' | 'DeleteExperiment' }
>;

const OBJECT_INTENTS: ReadonlySet<string> = new Set([
  'CreateReplicaSet',
  'ScaleReplicaSet',
  'AnnotateReplicaSet',
  'DeleteReplicaSet',
  'CreateAnalysisRun',
  'TerminateAnalysisRun',
  'DeleteAnalysisRun',
  'CreateExperiment',
  'TerminateExperiment',
  'DeleteExperiment',
]);

/** Whether `intent` is one {@link applyObjectIntent} applies. */
export const isObjectIntent = (intent: { readonly _tag: string }): intent is ObjectIntent => OBJECT_INTENTS.has(intent._tag);

/** Names tried after the intent's own when they are taken by objects that are not ours. */
const MAX_COLLISIONS = 5;

/** `<base>.<n>` -> [`<base>`, n]; any other name -> [name, 0]. */
function collisionFamily(name: string): [string, number] {
  const m = /^(.+)\.(\d+)$/.exec(name);
  return m === null ? [name, 0] : [m[1]!, Number(m[2])];
}

/** See the module comment: create `desired`, or adopt the object of its name, or take the next name. */
async function createWithCollisionCounter<T extends AnalysisRun | Experiment>(
  kind: 'AnalysisRun' | 'Experiment',
  ns: string,
  desired: T,
  deps: ObjectIntentDeps,
): Promise<E.Either<PluginError, void>> {
  const resource = kind === 'AnalysisRun' ? Resources.analysisRuns : Resources.experiments;
  const view = (kind === 'AnalysisRun' ? deps.cache.analysisRuns : deps.cache.experiments) as unknown as { wrote(o: T): void };
  const first = desired.metadata?.name ?? '';
  const [family, start] = collisionFamily(first);
  const taken: string[] = [];
  for (let n = start; ; n++) {
    const name = n === start ? first : `${family}.${n}`;
    const body = name === first ? desired : ({ ...desired, metadata: { ...desired.metadata, name } } as T);
    const took = (object: T, how: string): E.Either<PluginError, void> => {
      view.wrote(object);
      if (name !== first) deps.renamed?.(first, name);
      if (how !== 'created' || name !== first) deps.log?.info(`${kind} ${how}`, { [kind === 'AnalysisRun' ? 'analysisRun' : 'experiment']: `${ns}/${name}`, ...(name !== first ? { instead: first, taken } : {}) });
      return E.right(undefined);
    };
    const r = await deps.writer.create<T>(resource, ns, body);
    if (E.isRight(r)) return took(r.right, 'created');
    if (r.left._tag !== 'KubeConflict' || deps.objects === undefined) return r;
    const got = await deps.objects.get({ apiVersion: 'argoproj.io/v1alpha1', kind, namespace: ns, name })();
    if (E.isLeft(got)) return E.left({ ...got.left, message: `${kind} "${name}" already exists and cannot be read: ${got.left.message}` });
    // Gone again in between: the next reconcile decides anew.
    if (got.right === undefined) return r;
    const existing = got.right as unknown as T;
    if (adoptable(existing, body)) return took(existing, 'already existed and is adopted (a create answered AlreadyExists)');
    taken.push(name);
    if (taken.length > MAX_COLLISIONS)
      return E.left(PluginErrors.kubeRejected({ message: `${kind} names ${taken.join(', ')} are all taken by objects this controller may not adopt (another owner, finished, or another spec)`, status: 409 }));
  }
}

/** Apply one intent on a ReplicaSet, AnalysisRun or Experiment of namespace `ns`; remembers the result in the cache. */
export async function applyObjectIntent(ns: string, intent: ObjectIntent, deps: ObjectIntentDeps): Promise<E.Either<PluginError, void>> {
  switch (intent._tag) {
    case 'CreateReplicaSet': {
      const r = await deps.writer.create<ReplicaSet>(Resources.replicaSets, ns, intent.replicaSet);
      if (E.isRight(r)) deps.cache.replicaSets.wrote(r.right);
      return E.map(() => undefined)(r);
    }
    case 'ScaleReplicaSet': {
      const body = { spec: { replicas: intent.replicas }, ...(intent.annotations !== undefined ? { metadata: { annotations: intent.annotations } } : {}) };
      const old = deps.cache.replicaSets.get(ns, intent.name);
      const r = await deps.writer.patch<ReplicaSet>(Resources.replicaSets, ns, intent.name, { type: 'merge', body });
      if (E.isRight(r)) deps.cache.replicaSets.wrote(r.right, old);
      return E.map(() => undefined)(r);
    }
    case 'AnnotateReplicaSet': {
      const old = deps.cache.replicaSets.get(ns, intent.name);
      const r = await deps.writer.patch<ReplicaSet>(Resources.replicaSets, ns, intent.name, { type: 'merge', body: { metadata: { annotations: intent.annotations } } });
      if (E.isRight(r)) deps.cache.replicaSets.wrote(r.right, old);
      return E.map(() => undefined)(r);
    }
    case 'DeleteReplicaSet': {
      const old = deps.cache.replicaSets.get(ns, intent.name);
      const r = await deps.writer.delete(Resources.replicaSets, ns, intent.name);
      if (E.isRight(r)) deps.cache.replicaSets.deleted(ns, intent.name, old);
      return r;
    }
    case 'CreateAnalysisRun':
      return createWithCollisionCounter('AnalysisRun', ns, intent.analysisRun, deps);
    case 'TerminateAnalysisRun': {
      const old = deps.cache.analysisRuns.get(ns, intent.name);
      const r = await deps.writer.patch<AnalysisRun>(Resources.analysisRuns, ns, intent.name, { type: 'merge', body: { spec: { terminate: true } } });
      if (E.isRight(r)) deps.cache.analysisRuns.wrote(r.right, old);
      return E.map(() => undefined)(r);
    }
    case 'CreateExperiment':
      return createWithCollisionCounter('Experiment', ns, intent.experiment, deps);
    case 'TerminateExperiment': {
      const old = deps.cache.experiments.get(ns, intent.name);
      const r = await deps.writer.patch<Experiment>(Resources.experiments, ns, intent.name, { type: 'merge', body: { spec: { terminate: true } } });
      if (E.isRight(r)) deps.cache.experiments.wrote(r.right, old);
      return E.map(() => undefined)(r);
    }
    // Run history: a run already gone is what was wanted.
    case 'DeleteAnalysisRun': {
      const old = deps.cache.analysisRuns.get(ns, intent.name);
      const r = await deps.writer.delete(Resources.analysisRuns, ns, intent.name);
      if (E.isLeft(r) && r.left._tag !== 'KubeNotFound') return r;
      deps.cache.analysisRuns.deleted(ns, intent.name, old);
      return E.right(undefined);
    }
    case 'DeleteExperiment': {
      const old = deps.cache.experiments.get(ns, intent.name);
      const r = await deps.writer.delete(Resources.experiments, ns, intent.name);
      if (E.isLeft(r) && r.left._tag !== 'KubeNotFound') return r;
      deps.cache.experiments.deleted(ns, intent.name, old);
      return E.right(undefined);
    }
  }
}

/** `status` naming the AnalysisRuns and Experiment that were created under another name (see the module comment). */
export function withRenamedObjects(status: RolloutStatus, renames: ReadonlyMap<string, string>): RolloutStatus {
  const run = <R extends { readonly name: string } | null | undefined>(r: R): R => (r != null && renames.has(r.name) ? ({ ...r, name: renames.get(r.name)! } as R) : r);
  const canary = status.canary;
  const blueGreen = status.blueGreen;
  return {
    ...status,
    ...(canary != null
      ? {
          canary: {
            ...canary,
            ...(canary.currentStepAnalysisRunStatus != null ? { currentStepAnalysisRunStatus: run(canary.currentStepAnalysisRunStatus) } : {}),
            ...(canary.currentBackgroundAnalysisRunStatus != null ? { currentBackgroundAnalysisRunStatus: run(canary.currentBackgroundAnalysisRunStatus) } : {}),
            ...(canary.currentExperiment != null && renames.has(canary.currentExperiment) ? { currentExperiment: renames.get(canary.currentExperiment)! } : {}),
          },
        }
      : {}),
    ...(blueGreen != null
      ? {
          blueGreen: {
            ...blueGreen,
            ...(blueGreen.prePromotionAnalysisRunStatus != null ? { prePromotionAnalysisRunStatus: run(blueGreen.prePromotionAnalysisRunStatus) } : {}),
            ...(blueGreen.postPromotionAnalysisRunStatus != null ? { postPromotionAnalysisRunStatus: run(blueGreen.postPromotionAnalysisRunStatus) } : {}),
          },
        }
      : {}),
  };
}

/** Apply `result.intents` for `rollout` (as observed), in order, stopping at the first failure. */
export async function executeRolloutIntents(
  rollout: Rollout,
  result: ReconcileResult,
  routers: ReadonlyArray<ConfiguredRouter>,
  deps: ExecutorDeps,
): Promise<E.Either<IntentFailure, IntentOutcome>> {
  const { writer, cache } = deps;
  const ns = rollout.metadata?.namespace ?? '';
  const name = rollout.metadata?.name ?? '';
  let writes = 0;
  let written: Rollout | undefined;
  const involved = { apiVersion: ROLLOUT_API_VERSION, kind: 'Rollout', metadata: { name, namespace: ns, uid: rollout.metadata?.uid ?? null } };
  /** Runs and Experiments created under another name than core chose (the name was taken by an object not ours). */
  const renames = new Map<string, string>();
  const objectDeps: ObjectIntentDeps = { writer, cache, log: deps.log, ...(deps.objects !== undefined ? { objects: deps.objects } : {}), renamed: (from, to) => renames.set(from, to) };

  const routing = (): RoutingContext => routingContext(rollout, result.status, deps.signal);
  const eachRouter = async (what: string, call: (r: TrafficRouter, ctx: RoutingContext, kind: string) => Promise<E.Either<PluginError, void>> | undefined): Promise<E.Either<PluginError, void>> => {
    if (routers.length === 0) return E.left(PluginErrors.pluginUnsupported({ message: `${what}: the Rollout configures no traffic router` }));
    for (const r of routers) {
      if (r.router === undefined) return E.left(PluginErrors.pluginUnsupported({ message: `${r.path}: ${r.problem ?? 'unavailable'}` }));
      const router = r.router;
      const ctx = routing();
      const res = await callRouter(r.kind, what, deps.routerTimeoutMs, deps.signal, async (signal) => {
        const p = call(router, { ...ctx, signal }, r.kind);
        return p === undefined ? E.right(undefined) : p;
      });
      if (E.isLeft(res)) return res;
    }
    return E.right(undefined);
  };

  const apply = async (intent: Intent): Promise<E.Either<PluginError, void>> => {
    switch (intent._tag) {
      case 'PatchServiceSelector': {
        const old = cache.services.get(ns, intent.service);
        const body = { metadata: { annotations: { [MANAGED_BY_ROLLOUTS_ANNOTATION]: intent.rollout } }, spec: { selector: { [POD_TEMPLATE_HASH_LABEL]: intent.podTemplateHash } } };
        const r = await writer.patch<Service>(Resources.services, ns, intent.service, { type: 'merge', body });
        if (E.isRight(r)) cache.services.wrote(r.right, old);
        return E.map(() => undefined)(r);
      }
      case 'SetWeight': {
        const additional: AdditionalDestination[] = intent.additionalDestinations.map((d) => ({ serviceName: d.serviceName, podTemplateHash: d.podTemplateHash, weight: d.weight }));
        return eachRouter(`setWeight ${intent.weight}`, (router, ctx) =>
          (async () => {
            // Subset-level routers (DestinationRule subsets, AppMesh nodes) learn the hashes before the weights move.
            const h = await router.updateHash(ctx, ctx.canaryPodHash, ctx.stablePodHash, additional)();
            if (E.isLeft(h)) return h;
            return router.setWeight(ctx, intent.weight, additional)();
          })(),
        );
      }
      case 'SetHeaderRoute':
        return eachRouter(`setHeaderRoute ${intent.name}`, (router, ctx, kind) =>
          router.setHeaderRoute !== undefined
            ? router.setHeaderRoute(ctx, { name: intent.name, match: intent.match })()
            : Promise.resolve(E.left(PluginErrors.pluginUnsupported({ message: `the ${kind} traffic router cannot perform setHeaderRoute` }))),
        );
      case 'SetMirrorRoute':
        return eachRouter(`setMirrorRoute ${intent.name}`, (router, ctx, kind) =>
          router.setMirrorRoute !== undefined
            ? router.setMirrorRoute(ctx, { name: intent.name, match: intent.match as never, percentage: intent.percentage })()
            : Promise.resolve(E.left(PluginErrors.pluginUnsupported({ message: `the ${kind} traffic router cannot perform setMirrorRoute` }))),
        );
      case 'RemoveManagedRoutes':
        return eachRouter('removeManagedRoutes', (router, ctx) => router.removeManagedRoutes(ctx)());
      case 'ScaleWorkload': {
        const ref = rollout.spec.workloadRef;
        if (ref?.name == null || (ref.kind ?? 'Deployment') !== 'Deployment')
          return E.left(PluginErrors.pluginUnsupported({ message: `scaling workloadRef ${ref?.kind ?? ''} ${ref?.name ?? ''} is not supported (only Deployments)` }));
        const old = cache.deployments.get(ns, ref.name);
        const r = await writer.patch<never>(Resources.deployments, ns, ref.name, { type: 'merge', body: { spec: { replicas: intent.replicas } } });
        if (E.isRight(r)) cache.deployments.wrote(r.right, old);
        return E.map(() => undefined)(r);
      }
      case 'RecordEvent': {
        const p = deps.events.record(involved, intent.type, intent.eventReason, intent.message);
        deps.track?.(p);
        return E.right(undefined);
      }
      case 'UpdateStatus': {
        const body: Rollout = { ...rollout, status: renames.size > 0 ? withRenamedObjects(intent.status, renames) : intent.status };
        const r = await writer.replaceStatus<Rollout>(Resources.rollouts, ns, body);
        if (E.isRight(r)) {
          cache.rollouts.wrote(r.right, rollout);
          written = r.right;
        }
        return E.map(() => undefined)(r);
      }
      case 'SyncEphemeralMetadata':
        return applyEphemeralMetadata(ns, intent, { writer, cache, log: deps.log, ...(deps.objects !== undefined ? { objects: deps.objects } : {}) });
      case 'EvictPod': {
        // The Eviction API (PodDisruptionBudgets apply: a 429 means "not now" and is retried with backoff). Never a
        // delete instead. @rollouts/k8s has no eviction call yet, so this posts to the subresource path directly.
        const eviction: ResourceKind = { group: '', version: 'v1', plural: `pods/${encodeURIComponent(intent.name)}/eviction`, kind: 'Eviction', namespaced: true };
        const r = await writer.create(eviction, ns, { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: intent.name, namespace: ns } });
        return E.map(() => undefined)(r);
      }
      default:
        return applyObjectIntent(ns, intent, objectDeps);
    }
  };

  for (let index = 0; index < result.intents.length; index++) {
    const intent = result.intents[index] as Intent;
    const r = await apply(intent);
    if (E.isLeft(r)) return E.left({ intent, index, error: r.left });
    if (intent._tag !== 'RecordEvent') {
      writes += 1;
      deps.log.debug(intent.reason, { rollout: `${ns}/${name}`, intent: intent._tag });
    }
  }
  return E.right({ writes, ...(written !== undefined ? { rollout: written } : {}) });
}

/**
 * A Rollout was deleted: each of its routers that has `release` puts the objects it changed but does not own
 * back to all traffic on the stable Service. Best effort, a few attempts: the Rollout is gone, so a failure is
 * logged with the router and the error, not retried forever. Returns the routers that could not release.
 */
export async function releaseTraffic(
  rollout: Rollout,
  routers: ReadonlyArray<ConfiguredRouter>,
  deps: { readonly log: Logger; readonly signal: AbortSignal; readonly timeoutMs: number; readonly attempts?: number; readonly backoffMs?: number },
): Promise<string[]> {
  const name = `${rollout.metadata?.namespace ?? ''}/${rollout.metadata?.name ?? ''}`;
  const failed: string[] = [];
  for (const r of routers) {
    const release = r.router?.release;
    if (r.router === undefined || release === undefined) continue;
    const router = r.router;
    const attempts = deps.attempts ?? 3;
    let last: PluginError | undefined;
    for (let i = 0; i < attempts && !deps.signal.aborted; i++) {
      if (i > 0) await new Promise((resolve) => setTimeout(resolve, (deps.backoffMs ?? 1000) * 2 ** (i - 1)));
      const ctx = routingContext(rollout, rollout.status ?? {}, deps.signal);
      const res = await callRouter(r.kind, 'release', deps.timeoutMs, deps.signal, (signal) => release.call(router, { ...ctx, signal })());
      if (E.isRight(res)) {
        deps.log.info('released traffic of a deleted Rollout', { rollout: name, router: r.kind });
        last = undefined;
        break;
      }
      last = res.left;
      if (!res.left.retryable) break;
    }
    if (last !== undefined) {
      failed.push(r.kind);
      deps.log.error('could not release the traffic of a deleted Rollout', { rollout: name, router: r.kind, error: `${last._tag}: ${last.message}` });
    }
  }
  return failed;
}
