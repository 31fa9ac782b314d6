/**
 * Leader election on a `coordination.k8s.io/v1` Lease, as client-go does it, so that of several controller
 * replicas exactly one reconciles.
 *
 * - A candidate reads the Lease every `retryPeriodMs`; it takes it when it is free (no holder, or the holder
 *   released it) or expired. Expiry is judged by the candidate's own clock: the Lease is expired when its
 *   record has not changed for `leaseDurationMs` since this candidate first saw it, so clock skew between
 *   nodes does not matter.
 * - The leader renews every `retryPeriodMs`; if no renewal succeeds for `renewDeadlineMs` (or another
 *   identity took the Lease) it stops leading (`onStoppedLeading`) and becomes a candidate again.
 * - Writes use the Lease's resourceVersion, so two candidates cannot both win (the loser gets a conflict).
 * - `stop()` releases the Lease (empty holder), so another replica takes over at its next retry instead of
 *   waiting for expiry. It is bounded: it waits at most `releaseTimeoutMs` for an attempt in flight and as
 *   much for the release itself, then gives up (the Lease then expires on its own).
 * - It explains itself: who holds the Lease (logged when the holder changes, and every minute while standing
 *   by), and problems that keep it from standing at all (the Lease's namespace does not exist, RBAC refuses
 *   the Lease) as errors, repeated with a doubling interval while they last. {@link LeaderElector.status}
 *   reports the same for readiness probes.
 *
 * `run()` keeps standing until `stop()`: a replica that loses leadership calls `onStoppedLeading` and may
 * later lead again (`onStartedLeading` once more). A controller that prefers to exit on loss does so from
 * `onStoppedLeading`.
 */
import * as E from 'fp-ts/lib/Either';
import type { KubeConfig } from '@kubernetes/client-node';
import type { Logger } from '@rollouts/plugin-sdk';
import { Clock, rfc3339Micro, sleep, systemClock } from './Clock';
import { ApiTransport, createApiTransport } from './internal/ApiTransport';
import { createRepeatedLog } from './internal/RepeatedLog';
import type { RequestMetrics } from './RequestMetrics';
import { resourcePath, Resources } from './Resources';

/** See the module comment. */
export interface LeaderElector {
  /** Stand for election until {@link stop}; resolves after stopping. */
  run(): Promise<void>;
  /** Stop standing; if leading, release the Lease and call `onStoppedLeading`. Resolves when done. */
  stop(): Promise<void>;
  isLeader(): boolean;
  /** What the election looks like from here, for logs and readiness. */
  status(): LeaderElectionStatus;
}

/** See {@link LeaderElector.status}. */
export interface LeaderElectionStatus {
  readonly leading: boolean;
  /** The holder last seen on the Lease ('' when free, undefined before the first answer). */
  readonly holder?: string;
  /**
   * What keeps this replica from taking part in the election and will not pass by itself (the Lease's
   * namespace does not exist; the server refuses to read or write the Lease), until an attempt gets past it.
   * Transient failures (the API server unreachable) are logged but not reported here.
   */
  readonly problem?: string;
}

/** Options of {@link createLeaderElector}. */
export interface LeaderElectorOptions {
  /** Namespace and name of the Lease. */
  readonly namespace: string;
  readonly name: string;
  /** This replica (e.g. the pod name plus a random suffix). Must differ between replicas. */
  readonly identity: string;
  /** How long a Lease lasts without renewal (default 15 000 ms). */
  readonly leaseDurationMs?: number;
  /** How long the leader keeps trying to renew before giving up (default 10 000 ms). */
  readonly renewDeadlineMs?: number;
  /** Interval between attempts (default 2 000 ms). */
  readonly retryPeriodMs?: number;
  /** Bound of each wait in {@link LeaderElector.stop}: for an attempt in flight, then for the release (default the smaller of renewDeadlineMs and 3 000 ms). */
  readonly releaseTimeoutMs?: number;
  /** Added to the error logged when the Lease's namespace does not exist: how to choose another (e.g. the flag). */
  readonly namespaceHint?: string;
  readonly clock?: Clock;
  onStartedLeading(): void;
  onStoppedLeading(): void;
  readonly log?: Logger;
  readonly metrics?: RequestMetrics;
}

interface LeaseSpec {
  holderIdentity?: string | null;
  leaseDurationSeconds?: number | null;
  acquireTime?: string | null;
  renewTime?: string | null;
  leaseTransitions?: number | null;
}
interface Lease {
  apiVersion?: string;
  kind?: string;
  metadata: { name: string; namespace?: string; resourceVersion?: string; [k: string]: unknown };
  spec?: LeaseSpec | null;
}

/** Create a {@link LeaderElector}. Throws on inconsistent durations (a start-up configuration error). */
export function createLeaderElector(kc: KubeConfig, opts: LeaderElectorOptions): LeaderElector {
  return leaderElectorOn(createApiTransport(kc, { ...(opts.metrics !== undefined ? { metrics: opts.metrics } : {}), ...(opts.log !== undefined ? { log: opts.log } : {}) }), opts);
}

function leaderElectorOn(transport: ApiTransport, opts: LeaderElectorOptions): LeaderElector {
  const clock = opts.clock ?? systemClock;
  const leaseDurationMs = opts.leaseDurationMs ?? 15_000;
  const renewDeadlineMs = opts.renewDeadlineMs ?? 10_000;
  const retryPeriodMs = opts.retryPeriodMs ?? 2_000;
  const releaseTimeoutMs = opts.releaseTimeoutMs ?? Math.min(renewDeadlineMs, 3_000);
  if (!(leaseDurationMs > renewDeadlineMs)) throw new Error(`leader election: leaseDurationMs (${leaseDurationMs}) must be greater than renewDeadlineMs (${renewDeadlineMs})`);
  if (!(renewDeadlineMs > retryPeriodMs)) throw new Error(`leader election: renewDeadlineMs (${renewDeadlineMs}) must be greater than retryPeriodMs (${retryPeriodMs})`);
  if (opts.identity === '') throw new Error('leader election: identity must not be empty');
  const fields = { lease: `${opts.namespace}/${opts.name}`, identity: opts.identity };
  const path = resourcePath(Resources.leases, opts.namespace, opts.name);
  const target = (verb: string) => ({ verb, kind: 'Lease', namespace: opts.namespace, name: opts.name });

  let leader = false;
  let running: Promise<void> | undefined;
  let stopping: AbortController = new AbortController();
  /** The Lease's record as last seen, and when (our clock) it last changed. */
  let observed: { holder: string; renewTime: string; rv: string } | undefined;
  let observedAt = 0;
  /** Our last successful write, to release it. */
  let current: Lease | undefined;
  /** See {@link LeaderElectionStatus.problem}. */
  let problem: string | undefined;
  const problemLog = createRepeatedLog();
  const standbyLog = createRepeatedLog(60_000, 60_000);
  const log = opts.log;

  /** A problem that keeps us from standing: an error, repeated with backoff while it lasts. */
  const persistent = (text: string, extra: Record<string, unknown> = {}): void => {
    problem = text;
    if (problemLog.due(text, clock.now())) log?.error(`leader election: ${text}`, { ...fields, ...extra });
    else log?.debug(`leader election: ${text}`, { ...fields, ...extra });
  };
  /** A failure that may pass (the server unreachable): a warning, repeated with backoff. */
  const transient = (message: string, error: string): void => {
    if (problemLog.due(`${message}: ${error}`, clock.now())) log?.warn(`leader election: ${message}`, { ...fields, error });
    else log?.debug(`leader election: ${message}`, { ...fields, error });
  };
  const answered = (): void => {
    if (problem !== undefined) log?.info('leader election: the Lease can be read and written again', fields);
    problem = undefined;
    problemLog.clear();
  };
  const refused = (verb: string, e: { _tag: string; message: string }): boolean => {
    if (e._tag !== 'KubeRejected') return false;
    persistent(`the API server refuses to ${verb} the Lease`, { error: e.message });
    return true;
  };

  const callback = (f: () => void, which: string): void => {
    try {
      f();
    } catch (e) {
      opts.log?.error(`leader election ${which} callback threw`, { ...fields, error: e instanceof Error ? e.message : String(e) });
    }
  };

  const observe = (lease: Lease): void => {
    const rec = { holder: lease.spec?.holderIdentity ?? '', renewTime: lease.spec?.renewTime ?? '', rv: lease.metadata.resourceVersion ?? '' };
    if (rec.holder !== '' && rec.holder !== opts.identity && rec.holder !== observed?.holder) {
      log?.info('leader election: another replica holds the Lease; standing by', { ...fields, holder: rec.holder });
      standbyLog.due(rec.holder, clock.now());
    }
    if (observed === undefined || observed.holder !== rec.holder || observed.renewTime !== rec.renewTime || observed.rv !== rec.rv) {
      observed = rec;
      observedAt = clock.now();
    }
  };

  const spec = (now: number, acquireTime: string, transitions: number): LeaseSpec => ({
    holderIdentity: opts.identity,
    leaseDurationSeconds: Math.max(1, Math.ceil(leaseDurationMs / 1000)),
    acquireTime,
    renewTime: rfc3339Micro(now),
    leaseTransitions: transitions,
  });

  /** One attempt to become or stay the holder. True when we hold the Lease afterwards. */
  const tryAcquireOrRenew = async (): Promise<boolean> => {
    const now = clock.now();
    const got = await transport.request({ method: 'GET', path, target: target('get'), timeoutMs: renewDeadlineMs });
    if (E.isLeft(got)) {
      if (got.left._tag !== 'KubeNotFound') {
        if (!refused('read', got.left)) transient('cannot read the Lease', got.left.message);
        return false;
      }
      const lease: Lease = {
        apiVersion: 'coordination.k8s.io/v1',
        kind: 'Lease',
        metadata: { name: opts.name, namespace: opts.namespace },
        spec: spec(now, rfc3339Micro(now), 0),
      };
      const created = await transport.request({ method: 'POST', path: resourcePath(Resources.leases, opts.namespace), body: lease, target: target('create'), timeoutMs: renewDeadlineMs });
      if (E.isLeft(created)) {
        const e = created.left;
        const details = (e.cause as { details?: { kind?: string } } | undefined)?.details;
        if (e._tag === 'KubeConflict') log?.debug('leader election: lost the race to create the Lease', { ...fields, error: e.message });
        else if (e._tag === 'KubeNotFound' && details?.kind === 'namespaces')
          persistent(`the Lease's namespace "${opts.namespace}" does not exist`, { namespace: opts.namespace, ...(opts.namespaceHint !== undefined ? { hint: opts.namespaceHint } : {}), error: e.message });
        else if (e._tag === 'KubeNotFound') persistent('the API server cannot create the Lease', { error: e.message });
        else if (!refused('create', e)) transient('cannot create the Lease', e.message);
        return false;
      }
      answered();
      current = created.right.body as Lease;
      observe(current);
      return true;
    }
    answered();
    const lease = got.right.body as Lease;
    observe(lease);
    const holder = lease.spec?.holderIdentity ?? '';
    const ours = holder === opts.identity;
    if (holder !== '' && !ours && clock.now() < observedAt + leaseDurationMs) {
      if (standbyLog.due(holder, clock.now())) log?.info('leader election: standing by', { ...fields, holder, since: new Date(observedAt).toISOString() });
      return false;
    }
    const transitions = (lease.spec?.leaseTransitions ?? 0) + (ours ? 0 : 1);
    const acquireTime = ours && lease.spec?.acquireTime != null ? lease.spec.acquireTime : rfc3339Micro(now);
    const updated = await transport.request({
      method: 'PUT',
      path,
      body: { ...lease, spec: { ...lease.spec, ...spec(now, acquireTime, transitions) } },
      target: target('update'),
      timeoutMs: renewDeadlineMs,
    });
    if (E.isLeft(updated)) {
      const e = updated.left;
      if (e._tag === 'KubeConflict') log?.debug('leader election: Lease update conflicted', { ...fields, error: e.message });
      else if (!refused('update', e)) transient('cannot update the Lease', e.message);
      return false;
    }
    current = updated.right.body as Lease;
    observe(current);
    return true;
  };

  const release = async (): Promise<void> => {
    if (current === undefined) return;
    const now = clock.now();
    const r = await transport.request({
      method: 'PUT',
      path,
      body: { ...current, spec: { ...current.spec, holderIdentity: '', leaseDurationSeconds: 1, renewTime: rfc3339Micro(now), acquireTime: rfc3339Micro(now) } },
      target: target('update'),
      timeoutMs: releaseTimeoutMs,
    });
    if (E.isLeft(r)) log?.warn('leader election: could not release the Lease; it expires on its own', { ...fields, error: r.left.message, expiresWithinMs: leaseDurationMs });
    else log?.info('leader election: released the Lease', fields);
    current = undefined;
  };

  const stopLeading = (): void => {
    if (!leader) return;
    leader = false;
    callback(opts.onStoppedLeading, 'onStoppedLeading');
  };

  const loop = async (signal: AbortSignal): Promise<void> => {
    while (!signal.aborted) {
      // candidate: until we hold the Lease
      if (!(await tryAcquireOrRenew())) {
        await sleep(clock, retryPeriodMs, signal);
        continue;
      }
      if (signal.aborted) break;
      leader = true;
      log?.info('leader election: started leading', fields);
      callback(opts.onStartedLeading, 'onStartedLeading');
      // leader: renew until a renewal deadline passes
      let lastRenew = clock.now();
      while (!signal.aborted) {
        if (!(await sleep(clock, retryPeriodMs, signal))) break;
        if (await tryAcquireOrRenew()) {
          lastRenew = clock.now();
          continue;
        }
        if (signal.aborted) break;
        if (observed !== undefined && observed.holder !== '' && observed.holder !== opts.identity) {
          log?.warn('leader election: another replica took the Lease', { ...fields, holder: observed.holder });
          break;
        }
        if (clock.now() - lastRenew >= renewDeadlineMs) {
          log?.warn('leader election: could not renew the Lease in time', fields);
          break;
        }
      }
      if (signal.aborted) break;
      current = undefined;
      stopLeading();
    }
  };

  return {
    run() {
      if (running !== undefined) return running;
      stopping = new AbortController();
      running = loop(stopping.signal);
      return running;
    },
    async stop() {
      stopping.abort();
      // An attempt in flight ends at its own timeout (renewDeadlineMs); wait for it only so long.
      if (running !== undefined) {
        const inFlight = running;
        const timer = new AbortController();
        const done = await Promise.race([inFlight.then(() => true), sleep(clock, releaseTimeoutMs, timer.signal).then(() => false)]);
        timer.abort();
        if (!done) log?.warn('leader election: an attempt on the Lease is still in flight; releasing anyway', fields);
      }
      running = undefined;
      if (leader) await release();
      stopLeading();
    },
    isLeader: () => leader,
    status: () => ({
      leading: leader,
      ...(observed !== undefined ? { holder: observed.holder } : {}),
      ...(problem !== undefined ? { problem } : {}),
    }),
  };
}
