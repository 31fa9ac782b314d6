/**
 * Releasing a deleted Rollout's traffic, guaranteed by a finalizer (opt-in: `releaseTrafficFinalizer`, the app's
 * `--release-traffic-finalizer`). Without it the release is best effort, made by the controller that sees the
 * delete event: a controller that is down then never releases, and the user's Ingress or VirtualService keeps
 * weights and header routes that point at Services about to lose their pods.
 *
 * With it: a Rollout whose routers can `release` gets the finalizer {@link RELEASE_FINALIZER}; once the Rollout
 * is being deleted (the API server keeps it, with a deletionTimestamp, while the finalizer is there), every router
 * releases, and then the finalizer is removed and the API server deletes the Rollout. When a router cannot
 * release, the attempt is retried with the work queue's backoff, with a Warning Event `TrafficReleaseFailed` each
 * time; once `releaseTimeoutMs` has passed since the deletion began, the finalizer is removed all the same, with the
 * Warning `TrafficReleaseAbandoned` (a deletion is never blocked forever). The deadline is counted from the
 * Rollout's own deletionTimestamp, so it survives controller restarts.
 *
 * Argo Rollouts has no such finalizer (its ALB Ingress controller resets the action when it notices the Rollout is
 * gone, its other routers do nothing); the finalizer's name follows the Rollout API group. A Rollout that carries the
 * finalizer is released and freed whether or not the option is on (turning the option off never leaves Rollouts
 * that cannot be deleted).
 */
import * as E from 'fp-ts/lib/Either';
import type { Rollout } from '@rollouts/api';
import { Resources, type Clock, type EventRecorder, type KubeWriter, type Logger } from '@rollouts/k8s';
import type { ClusterCache } from './ClusterCache';
import { decodeRollout } from './Decoding';
import { releaseTraffic } from './IntentExecutor';
import { done, retry, type ReconcileOutcome } from './ReconcileLoop';
import type { ConfiguredRouter, TrafficRouters } from './TrafficRouters';

/** The finalizer a Rollout gets while its routers have traffic to release. */
export const RELEASE_FINALIZER = 'rollouts.argoproj.io/traffic-release';
/** Default of `releaseTimeoutMs`: how long a failing release may hold a deletion. */
export const DEFAULT_RELEASE_TIMEOUT_MS = 5 * 60_000;

export interface FinalizerDeps {
  readonly cache: ClusterCache;
  readonly writer: KubeWriter;
  readonly events: EventRecorder;
  readonly routers: TrafficRouters;
  readonly clock: Clock;
  readonly log: Logger;
  readonly signal: AbortSignal;
  readonly routerTimeoutMs: number;
  readonly track: (p: Promise<void>) => void;
  /** Add the finalizer to Rollouts whose routers can release (the option; removal happens regardless). */
  readonly releaseTrafficFinalizer?: boolean;
  /** How long after the deletion began a failing release stops holding it (default {@link DEFAULT_RELEASE_TIMEOUT_MS}). */
  readonly releaseTimeoutMs?: number;
}

type RawRollout = NonNullable<ReturnType<ClusterCache['rollouts']['get']>>;

export const hasReleaseFinalizer = (o: { readonly metadata?: { readonly finalizers?: ReadonlyArray<string> | null } | null } | undefined): boolean =>
  (o?.metadata?.finalizers ?? []).includes(RELEASE_FINALIZER);

/** The routers that put traffic back on release (the others change only objects the Rollout owns). */
const releasing = (routers: ReadonlyArray<ConfiguredRouter>): ReadonlyArray<ConfiguredRouter> => routers.filter((r) => r.router?.release !== undefined);

const involved = (raw: RawRollout) => ({ apiVersion: 'argoproj.io/v1alpha1', kind: 'Rollout', metadata: { name: raw.metadata?.name ?? '', namespace: raw.metadata?.namespace ?? '', uid: raw.metadata?.uid ?? null } });

/**
 * With the option on, a live Rollout whose routers can release and that lacks the finalizer gets it (a JSON patch
 * that tests the list it extends, so a concurrent change is a conflict, not a lost finalizer). `undefined`: nothing
 * to do (or the patch was refused other than by a conflict: logged, the reconcile goes on without the guarantee);
 * otherwise the outcome of this reconcile (the next one sees the Rollout as patched).
 */
export async function ensureReleaseFinalizer(raw: RawRollout, rollout: Rollout, deps: FinalizerDeps): Promise<ReconcileOutcome | undefined> {
  if (deps.releaseTrafficFinalizer !== true || hasReleaseFinalizer(raw)) return undefined;
  const tr = rollout.spec.strategy?.canary?.trafficRouting;
  if (tr == null || releasing(deps.routers.resolve(tr)).length === 0) return undefined;
  const ns = raw.metadata?.namespace ?? '';
  const name = raw.metadata?.name ?? '';
  const have = raw.metadata?.finalizers;
  const body =
    have == null || have.length === 0
      ? [
          { op: 'test', path: '/metadata/resourceVersion', value: raw.metadata?.resourceVersion ?? '' },
          { op: 'add', path: '/metadata/finalizers', value: [RELEASE_FINALIZER] },
        ]
      : [
          { op: 'test', path: '/metadata/finalizers', value: have },
          { op: 'add', path: '/metadata/finalizers/-', value: RELEASE_FINALIZER },
        ];
  const r = await deps.writer.patch<RawRollout>(Resources.rollouts, ns, name, { type: 'json', body });
  if (E.isLeft(r)) {
    if (r.left._tag === 'KubeConflict') return retry(`adding the finalizer ${RELEASE_FINALIZER}: ${r.left.message}`);
    // (403 without `patch` on rollouts, say): the Rollout is reconciled all the same, only without the guarantee.
    deps.log.warn(`could not add the finalizer ${RELEASE_FINALIZER}; its traffic will be released on deletion only if a controller sees the delete event`, { rollout: `${ns}/${name}`, error: r.left.message });
    return undefined;
  }
  deps.cache.rollouts.wrote(r.right, raw);
  deps.log.info('traffic release finalizer added', { rollout: `${ns}/${name}` });
  return done(0);
}

/**
 * A Rollout being deleted that carries the finalizer: release every router's traffic, then remove the finalizer;
 * on failure retry (Warning `TrafficReleaseFailed`) until `releaseTimeoutMs` after the deletion began, then remove
 * it anyway (Warning `TrafficReleaseAbandoned`).
 */
export async function finalizeRollout(raw: RawRollout, deps: FinalizerDeps): Promise<ReconcileOutcome> {
  const ns = raw.metadata?.namespace ?? '';
  const name = raw.metadata?.name ?? '';
  const key = `${ns}/${name}`;
  const decoded = decodeRollout(raw);
  let failure: string | undefined;
  if (E.isLeft(decoded)) failure = `the Rollout cannot be read (${String(decoded.left).slice(0, 300)}), so its routers are unknown`;
  else {
    const tr = decoded.right.spec.strategy?.canary?.trafficRouting;
    const routers = tr != null ? releasing(deps.routers.resolve(tr)) : [];
    const unresolved = tr != null ? deps.routers.resolve(tr).filter((r) => r.router === undefined) : [];
    const failed = routers.length > 0 ? await releaseTraffic(decoded.right, routers, { log: deps.log, signal: deps.signal, timeoutMs: deps.routerTimeoutMs, attempts: 1 }) : [];
    if (deps.signal.aborted) return retry('the controller is stopping');
    const problems = [...failed.map((k) => `router ${k} could not release`), ...unresolved.map((r) => `router ${r.kind} is not available (${r.problem ?? 'not registered'})`)];
    if (problems.length > 0) failure = problems.join('; ');
  }
  if (failure !== undefined) {
    const started = Date.parse(raw.metadata?.deletionTimestamp ?? '');
    const limit = deps.releaseTimeoutMs ?? DEFAULT_RELEASE_TIMEOUT_MS;
    const elapsed = Number.isNaN(started) ? 0 : deps.clock.now() - started;
    if (elapsed < limit) {
      const message = `Traffic of the deleted Rollout not released yet: ${failure}; retrying (the finalizer ${RELEASE_FINALIZER} is removed anyway ${Math.ceil((limit - elapsed) / 1000)}s from now)`;
      deps.track(deps.events.record(involved(raw), 'Warning', 'TrafficReleaseFailed', message));
      return retry(message);
    }
    const message = `Traffic of the deleted Rollout was not released within ${Math.round(limit / 1000)}s: ${failure}; the finalizer ${RELEASE_FINALIZER} is removed so that the deletion completes; check the routed objects by hand`;
    deps.log.warn(message, { rollout: key });
    deps.track(deps.events.record(involved(raw), 'Warning', 'TrafficReleaseAbandoned', message));
  }
  return removeReleaseFinalizer(raw, deps, failure === undefined);
}

async function removeReleaseFinalizer(raw: RawRollout, deps: FinalizerDeps, released: boolean): Promise<ReconcileOutcome> {
  const ns = raw.metadata?.namespace ?? '';
  const name = raw.metadata?.name ?? '';
  const i = (raw.metadata?.finalizers ?? []).indexOf(RELEASE_FINALIZER);
  if (i < 0) return done();
  const body = [
    { op: 'test', path: `/metadata/finalizers/${i}`, value: RELEASE_FINALIZER },
    { op: 'remove', path: `/metadata/finalizers/${i}` },
  ];
  const r = await deps.writer.patch<RawRollout>(Resources.rollouts, ns, name, { type: 'json', body });
  if (E.isLeft(r)) {
    // Already gone (another replica finished it): nothing left to do.
    if (r.left._tag === 'KubeNotFound') return done();
    return retry(`removing the finalizer ${RELEASE_FINALIZER}: ${r.left.message}`);
  }
  deps.cache.rollouts.wrote(r.right, raw);
  if (released) {
    deps.log.info('traffic released; finalizer removed', { rollout: `${ns}/${name}` });
    deps.track(deps.events.record(involved(raw), 'Normal', 'TrafficReleased', `Traffic of the deleted Rollout released; finalizer ${RELEASE_FINALIZER} removed`));
  }
  return done();
}
