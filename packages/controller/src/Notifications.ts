/**
 * Notifications delivery: when to plan, where the configuration comes from, once-only bookkeeping, retries and
 * metrics. The engine (`@rollouts/notifications`: configuration, triggers, templates, subscriptions) decides *what*
 * to send; the services send it; this module decides *when* and makes it happen once.
 *
 * - **Event path.** Each Rollout reconcile collects the Event reasons it recorded; once every write of that reconcile
 *   has succeeded, the engine plans with the Rollout **as the status write answered it** (never the object observed
 *   before the write: Argo's #3535), and the plan is sent before the reconcile returns. A reconcile holds its key, so
 *   sends of one Rollout go out in the order their events were recorded, and a graceful stop (or a handover of the
 *   Lease) finishes them before the next leader starts: no duplicates between replicas (Argo's #1667, #2556).
 *   Only the leader reconciles, so only the leader sends. A trigger the configuration lacks, or a destination whose
 *   service is not configured, is one debug line (Argo's #3132). A reconcile whose writes failed sends nothing: the
 *   next reconcile decides again from the stored status and records the event again.
 * - **Condition path.** After each reconcile the triggers with a `when` are evaluated on the stored Rollout; what
 *   is sent is recorded in the `notified.notifications.argoproj.io` annotation (a merge patch of the Rollout's
 *   metadata), so neither a restart nor the next leader sends it again. A send that failed after its retries keeps
 *   the previous record for its key, so it is tried again on a later reconcile. With self-service, the records of
 *   the Rollout namespace's configuration carry that namespace in their keys (the engine's `configNamespace`).
 * - **Configuration.** `argo-rollouts-notification-configmap` and `argo-rollouts-notification-secret` are read
 *   from the controller's namespace (and, with self-service, also from the Rollout's namespace, each sending on its
 *   own) with GETs cached for `configCacheMs` (default 10 s) rather than watched: that needs only `get` on two named
 *   objects (no cluster-wide list/watch of Secrets), and an edit takes effect within the cache time. A configuration
 *   with problems sends nothing and its problems are logged once per version of the two objects.
 * - **Retries.** A retryable send error (network, 429, 5xx) is retried with exponential backoff (default 3 attempts,
 *   1 s then 2 s, capped at 5 s), each attempt bounded by `timeoutMs` (default 10 s). The final outcome of each
 *   planned notification is counted once: `notificationSent({namespace, name, type, reason, durationMs, error})`,
 *   which the app exposes as `notification_send_success` / `notification_send_error` and the `notification_send`
 *   histogram (type and reason are the Event's, as Argo labels them; condition triggers report type `Normal` and the
 *   trigger's name as the reason).
 */
import * as E from 'fp-ts/lib/Either';
import { POD_TEMPLATE_HASH_LABEL, type Rollout } from '@rollouts/api';
import { Resources, type Clock, type KubeWriter, type Logger } from '@rollouts/k8s';
import type { KubeObjectClient } from '@rollouts/plugin-sdk';
import type { ConfigProblem, NotificationConfig, NotificationEngine, NotificationService, NotificationSubject, PlannedNotification } from '@rollouts/notifications';
import type { ClusterCache } from './ClusterCache';
import type { ControllerMetrics } from './ControllerMetrics';

export const NOTIFICATION_CONFIG_MAP = 'argo-rollouts-notification-configmap';
export const NOTIFICATION_SECRET = 'argo-rollouts-notification-secret';
export const NOTIFIED_ANNOTATION = 'notified.notifications.argoproj.io';

/** `ControllerOptions.notifications`. */
export interface NotificationOptions {
  readonly engine: NotificationEngine;
  /** The service senders: a list (by `type`) or a lookup (`serviceFor` of `@rollouts/notifications`). */
  readonly services: ReadonlyArray<NotificationService> | ((type: string) => NotificationService | undefined);
  /** Where `argo-rollouts-notification-configmap` / `-secret` are read (the controller's namespace). */
  readonly configNamespace: string;
  /** Argo's `--self-service-notification-enabled`: the Rollout's own namespace's ConfigMap/Secret also send. */
  readonly selfService?: boolean;
  /** How long a read ConfigMap/Secret is used before it is read again (default 10 000 ms). */
  readonly configCacheMs?: number;
  /** Attempts per notification, the first included (default 3). */
  readonly attempts?: number;
  /** First backoff between attempts (default 1 000 ms), doubled each time, capped at `maxBackoffMs` (default 5 000). */
  readonly backoffMs?: number;
  readonly maxBackoffMs?: number;
  /** Bound of one send attempt (default 10 000 ms). */
  readonly timeoutMs?: number;
}

export interface NotifierDeps {
  readonly objects: KubeObjectClient;
  readonly writer: KubeWriter;
  readonly cache: ClusterCache;
  readonly clock: Clock;
  readonly log: Logger;
  readonly metrics: ControllerMetrics;
  /** Waits between attempts (tests make it instant). */
  readonly sleep?: (ms: number) => Promise<void>;
}

/** An Event recorded on a Rollout. */
export interface RecordedEvent {
  readonly type: string;
  readonly reason: string;
  /** The Event's message (`Rollout step 2/3 completed (…)` names the completed step). */
  readonly message?: string;
}

/**
 * The Rollout a `RolloutStepCompleted` notification is rendered with: the written one, but with
 * `status.currentStepIndex` at the step that completed (from the Event's `Rollout step <n>/<m> completed`), which is
 * what Argo's shipped `on-rollout-step-completed` template (`{{add .rollout.status.currentStepIndex 1}}`) reads. Argo
 * gets that from the Rollout it had before the write; every other field here is the written status (no stale data,
 * #3535), and several steps completed in one reconcile each get their own number.
 */
export function rolloutForEvent(rollout: Rollout, ev: RecordedEvent): Rollout {
  if (ev.reason !== 'RolloutStepCompleted' || ev.message === undefined) return rollout;
  const m = /^Rollout step (\d+)\/\d+ completed/.exec(ev.message);
  if (m === null || rollout.status == null) return rollout;
  return { ...rollout, status: { ...rollout.status, currentStepIndex: Number(m[1]) - 1 } };
}

export interface Notifier {
  /**
   * One Rollout reconcile is over and every write it made succeeded: send what `events` trigger, planned on
   * `rollout` (the object as stored after those writes), then what the condition triggers say. Never throws.
   */
  afterReconcile(rollout: Rollout, events: ReadonlyArray<RecordedEvent>): Promise<void>;
  /** Send what `events` trigger, without the condition triggers (an Event recorded outside a reconcile's writes). */
  events(rollout: Rollout, events: ReadonlyArray<RecordedEvent>): Promise<void>;
}

interface Loaded {
  readonly namespace: string;
  readonly config: NotificationConfig;
}

interface CacheEntry {
  readonly at: number;
  readonly loaded: Loaded | undefined;
  /** `cm-rv/secret-rv` of what was parsed: problems are logged once per version. */
  readonly version: string;
}

/** The engine's condition planning with its self-service option (the record keys of a Rollout namespace's configuration). */
type ConditionsWithNamespace = {
  planForConditions(...args: [...Parameters<NotificationEngine['planForConditions']>, { readonly configNamespace: string }]): ReturnType<NotificationEngine['planForConditions']>;
};

type Obj = { readonly metadata?: { readonly resourceVersion?: string; readonly namespace?: string; readonly name?: string; readonly annotations?: Record<string, string> | null; readonly creationTimestamp?: string | null; readonly labels?: Record<string, string> | null; readonly ownerReferences?: ReadonlyArray<{ readonly kind: string; readonly name: string }> | null } | null; readonly data?: Record<string, string> | null };

const keyOfRollout = (r: Rollout): string => `${r.metadata?.namespace ?? ''}/${r.metadata?.name ?? ''}`;
const describeProblems = (ps: ReadonlyArray<ConfigProblem>): string => ps.map((p) => `${p.key}: ${p.message}`).join('; ');

/** Create the delivery (see the module comment). */
export function createNotifier(opts: NotificationOptions, deps: NotifierDeps): Notifier {
  const { log, clock } = deps;
  const cacheMs = opts.configCacheMs ?? 10_000;
  const attempts = Math.max(1, opts.attempts ?? 3);
  const backoffMs = opts.backoffMs ?? 1_000;
  const maxBackoffMs = opts.maxBackoffMs ?? 5_000;
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const byType = Array.isArray(opts.services) ? new Map((opts.services as ReadonlyArray<NotificationService>).map((s) => [s.type, s])) : undefined;
  const serviceFor = (type: string): NotificationService | undefined =>
    byType !== undefined ? byType.get(type) : (opts.services as (type: string) => NotificationService | undefined)(type);

  // ---- Configuration -------------------------------------------------------------------------------
  const configs = new Map<string, CacheEntry>();
  const reported = new Map<string, string>();
  /** Log `message` for `key` only when it differs from what was logged last for it. */
  const once = (key: string, message: string, level: 'error' | 'warn' | 'debug', fields: Record<string, unknown>): void => {
    if (reported.get(key) === message) return;
    reported.set(key, message);
    log[level](message, fields);
  };
  const read = async (kind: 'ConfigMap' | 'Secret', namespace: string, name: string): Promise<E.Either<string, Obj | undefined>> => {
    const r = await deps.objects.get({ apiVersion: 'v1', kind, namespace, name })();
    return E.isLeft(r) ? E.left(r.left.message) : E.right(r.right as Obj | undefined);
  };
  const load = async (namespace: string): Promise<Loaded | undefined> => {
    const now = clock.now();
    const cached = configs.get(namespace);
    if (cached !== undefined && now - cached.at < cacheMs) return cached.loaded;
    const [cm, secret] = await Promise.all([read('ConfigMap', namespace, NOTIFICATION_CONFIG_MAP), read('Secret', namespace, NOTIFICATION_SECRET)]);
    if (E.isLeft(cm) || E.isLeft(secret)) {
      const error = E.isLeft(cm) ? `ConfigMap ${namespace}/${NOTIFICATION_CONFIG_MAP}: ${cm.left}` : `Secret ${namespace}/${NOTIFICATION_SECRET}: ${(secret as E.Left<string>).left}`;
      once(`read:${namespace}`, 'cannot read the notification configuration; using the last one read', 'warn', { error });
      // The last good configuration stays in use; the read is tried again after the cache time.
      configs.set(namespace, { at: now, loaded: cached?.loaded, version: cached?.version ?? '' });
      return cached?.loaded;
    }
    reported.delete(`read:${namespace}`);
    if (cm.right === undefined) {
      configs.set(namespace, { at: now, loaded: undefined, version: '' });
      return undefined;
    }
    const version = `${cm.right.metadata?.resourceVersion ?? ''}/${secret.right?.metadata?.resourceVersion ?? ''}`;
    if (cached !== undefined && cached.version === version && cached.loaded !== undefined) {
      configs.set(namespace, { ...cached, at: now });
      return cached.loaded;
    }
    const secretData: Record<string, string> = {};
    for (const [k, v] of Object.entries(secret.right?.data ?? {})) secretData[k] = Buffer.from(v, 'base64').toString('utf8');
    let parsed: ReturnType<NotificationEngine['parseConfig']>;
    try {
      parsed = opts.engine.parseConfig(cm.right.data ?? {}, secretData);
    } catch (e) {
      parsed = E.left([{ key: NOTIFICATION_CONFIG_MAP, message: `the notification engine failed: ${e instanceof Error ? e.message : String(e)}` }]);
    }
    if (E.isLeft(parsed)) {
      once(`config:${namespace}`, `notification configuration in ${namespace} has problems: no notification is sent from it`, 'error', { problems: describeProblems(parsed.left), version });
      configs.set(namespace, { at: now, loaded: undefined, version });
      return undefined;
    }
    reported.delete(`config:${namespace}`);
    // A service this controller cannot send to, or whose options its sender refuses, is said once per version (an
    // error naming it); the other services of the configuration keep sending.
    const serviceProblems = parsed.right.services.flatMap((instance) => {
      const sender = serviceFor(instance.type);
      const key = `service.${instance.type}${instance.name !== instance.type ? `.${instance.name}` : ''}`;
      if (sender === undefined) return [{ key, message: `the service type "${instance.type}" is not supported by this controller: nothing is sent to ${instance.name}` }];
      return sender.validate(instance);
    });
    if (serviceProblems.length > 0) once(`services:${namespace}`, `notification services in ${namespace} that cannot send`, 'error', { problems: describeProblems(serviceProblems), version });
    else reported.delete(`services:${namespace}`);
    const loaded = { namespace, config: parsed.right };
    configs.set(namespace, { at: now, loaded, version });
    return loaded;
  };
  const loadAll = async (rolloutNamespace: string): Promise<Loaded[]> => {
    const namespaces = [opts.configNamespace];
    if (opts.selfService === true && rolloutNamespace !== opts.configNamespace) namespaces.push(rolloutNamespace);
    const out: Loaded[] = [];
    for (const ns of namespaces) {
      const l = await load(ns);
      if (l !== undefined) out.push(l);
    }
    return out;
  };

  // ---- Subject ---------------------------------------------------------------------------------------
  /** `.analysisRuns`: the AnalysisRuns of the Rollout's current pod hash, newest first. */
  const subjectOf = (rollout: Rollout): NotificationSubject => {
    const ns = rollout.metadata?.namespace ?? '';
    const name = rollout.metadata?.name ?? '';
    const hash = rollout.status?.currentPodHash;
    const runs = (deps.cache.analysisRuns.list(ns) as unknown as Obj[])
      .filter((r) => hash != null && r.metadata?.labels?.[POD_TEMPLATE_HASH_LABEL] === hash && (r.metadata?.ownerReferences ?? []).some((o) => o.kind === 'Rollout' && o.name === name))
      .sort((a, b) => (b.metadata?.creationTimestamp ?? '').localeCompare(a.metadata?.creationTimestamp ?? '') || (b.metadata?.name ?? '').localeCompare(a.metadata?.name ?? ''));
    return { object: rollout as unknown as Record<string, unknown>, analysisRuns: runs as unknown as ReadonlyArray<Record<string, unknown>>, now: clock.now() };
  };

  // ---- Sending ---------------------------------------------------------------------------------------
  /** Send one planned notification with retries; true when it was delivered. Counts the outcome once. */
  const deliver = async (loaded: Loaded, rollout: Rollout, p: PlannedNotification, label: { type: string; reason: string }): Promise<boolean> => {
    const namespace = rollout.metadata?.namespace ?? '';
    const name = rollout.metadata?.name ?? '';
    const where = { rollout: `${namespace}/${name}`, trigger: p.trigger, template: p.template, service: p.destination.service, recipient: p.destination.recipient };
    const instance = loaded.config.services.find((s) => s.name === p.destination.service);
    if (instance === undefined) {
      log.debug('notification not sent: no such service configured', { ...where, configNamespace: loaded.namespace });
      return false;
    }
    const service = serviceFor(instance.type);
    if (service === undefined) {
      log.debug('notification not sent: this controller has no sender for the service type', { ...where, type: instance.type });
      return false;
    }
    const started = clock.now();
    let error: string | undefined;
    for (let attempt = 1; attempt <= attempts; attempt++) {
      if (attempt > 1) await sleep(Math.min(maxBackoffMs, backoffMs * 2 ** (attempt - 2)));
      const signal = AbortSignal.timeout(timeoutMs);
      let timer: ReturnType<typeof setTimeout> | undefined;
      const bound = new Promise<E.Either<{ retryable: boolean; message: string }, void>>((resolve) => {
        timer = setTimeout(() => resolve(E.left({ retryable: true, message: `${instance.type} ${p.destination.service}: no answer within ${timeoutMs} ms` })), timeoutMs + 100);
      });
      let r: E.Either<{ retryable: boolean; message: string }, void>;
      try {
        r = await Promise.race([service.send({ signal, timeoutMs, now: () => clock.now() }, instance, p.notification, p.destination.recipient)(), bound]);
      } catch (e) {
        r = E.left({ retryable: false, message: `${instance.type} ${p.destination.service}: the sender failed: ${e instanceof Error ? e.message : String(e)}` });
      } finally {
        if (timer !== undefined) clearTimeout(timer);
      }
      if (E.isRight(r)) {
        error = undefined;
        log.debug('notification sent', { ...where, attempt });
        break;
      }
      error = r.left.message;
      if (!r.left.retryable) break;
      if (attempt < attempts) log.debug('notification send failed; retrying', { ...where, attempt, error });
    }
    deps.metrics.notificationSent?.({ namespace, name, type: label.type, reason: label.reason, durationMs: clock.now() - started, error: error !== undefined });
    if (error !== undefined) log.error('notification not sent', { ...where, error });
    return error === undefined;
  };

  const sendEvents = async (rollout: Rollout, events: ReadonlyArray<RecordedEvent>): Promise<void> => {
    if (events.length === 0) return;
    const all = await loadAll(rollout.metadata?.namespace ?? '');
    if (all.length === 0) return;
    for (const ev of events) {
      const subject = subjectOf(rolloutForEvent(rollout, ev));
      for (const loaded of all) {
        let plan: ReturnType<NotificationEngine['planForEvent']>;
        try {
          plan = opts.engine.planForEvent(loaded.config, subject, ev.reason);
        } catch (e) {
          plan = E.left([{ key: `reason ${ev.reason}`, message: `the notification engine failed: ${e instanceof Error ? e.message : String(e)}` }]);
        }
        if (E.isLeft(plan)) {
          log.error('notifications for an event could not be planned', { rollout: keyOfRollout(rollout), reason: ev.reason, configNamespace: loaded.namespace, problems: describeProblems(plan.left) });
          continue;
        }
        if (plan.right.length === 0) {
          log.debug('no notification for the event (no trigger or no destination configured)', { rollout: keyOfRollout(rollout), reason: ev.reason, configNamespace: loaded.namespace });
          continue;
        }
        for (const p of plan.right) await deliver(loaded, rollout, p, { type: ev.type, reason: ev.reason });
      }
    }
  };

  const parseNotified = (rollout: Rollout): Record<string, unknown> => {
    const raw = rollout.metadata?.annotations?.[NOTIFIED_ANNOTATION];
    if (raw == null || raw === '') return {};
    try {
      const v: unknown = JSON.parse(raw);
      return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
    } catch {
      once(`notified:${keyOfRollout(rollout)}`, `annotation ${NOTIFIED_ANNOTATION} is not a JSON object; it is rewritten`, 'warn', { rollout: keyOfRollout(rollout) });
      return {};
    }
  };

  const sendConditions = async (rollout: Rollout): Promise<void> => {
    const all = await loadAll(rollout.metadata?.namespace ?? '');
    if (all.length === 0) return;
    const before = parseNotified(rollout);
    let after: Record<string, unknown> = { ...before };
    const subject = subjectOf(rollout);
    for (const loaded of all) {
      // Self-service: the Rollout namespace's configuration keeps its records under its namespace (the engine's keys).
      const own = opts.selfService === true && loaded.namespace !== opts.configNamespace ? { configNamespace: loaded.namespace } : undefined;
      let plan: ReturnType<NotificationEngine['planForConditions']>;
      try {
        plan = own === undefined ? opts.engine.planForConditions(loaded.config, subject, after) : (opts.engine as ConditionsWithNamespace).planForConditions(loaded.config, subject, after, own);
      } catch (e) {
        plan = E.left([{ key: 'conditions', message: `the notification engine failed: ${e instanceof Error ? e.message : String(e)}` }]);
      }
      if (E.isLeft(plan)) {
        once(`conditions:${keyOfRollout(rollout)}:${loaded.namespace}`, 'condition triggers could not be evaluated', 'error', { rollout: keyOfRollout(rollout), configNamespace: loaded.namespace, problems: describeProblems(plan.left) });
        continue;
      }
      const next: Record<string, unknown> = { ...plan.right.notified };
      for (const p of plan.right.planned) {
        const ok = await deliver(loaded, rollout, p, { type: 'Normal', reason: p.trigger });
        // Failed: keep the previous record for its key, so a later reconcile tries again.
        if (!ok && p.onceKey !== undefined) {
          if (p.onceKey in after) next[p.onceKey] = after[p.onceKey];
          else delete next[p.onceKey];
        }
      }
      after = next;
    }
    if (JSON.stringify(sortKeys(after)) === JSON.stringify(sortKeys(before))) return;
    const ns = rollout.metadata?.namespace ?? '';
    const name = rollout.metadata?.name ?? '';
    const value = Object.keys(after).length === 0 ? null : JSON.stringify(sortKeys(after));
    const old = deps.cache.rollouts.get(ns, name);
    const r = await deps.writer.patch<Rollout>(Resources.rollouts, ns, name, { type: 'merge', body: { metadata: { annotations: { [NOTIFIED_ANNOTATION]: value } } } });
    if (E.isRight(r)) deps.cache.rollouts.wrote(r.right, old);
    else log.error(`cannot record sent notifications in the ${NOTIFIED_ANNOTATION} annotation (they may be sent again)`, { rollout: `${ns}/${name}`, error: r.left.message });
  };

  const guarded = async (what: string, rollout: Rollout, f: () => Promise<void>): Promise<void> => {
    try {
      await f();
    } catch (e) {
      log.error(`notifications: ${what} failed`, { rollout: keyOfRollout(rollout), error: e instanceof Error ? e.message : String(e) });
    }
  };
  return {
    afterReconcile: async (rollout, events) => {
      await guarded('event delivery', rollout, () => sendEvents(rollout, events));
      await guarded('condition triggers', rollout, () => sendConditions(rollout));
    },
    events: (rollout, events) => guarded('event delivery', rollout, () => sendEvents(rollout, events)),
  };
}

function sortKeys(o: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(o).sort()) out[k] = o[k];
  return out;
}
