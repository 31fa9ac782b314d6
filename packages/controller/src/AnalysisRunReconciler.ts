/**
 * One AnalysisRun reconcile, following `reconcileAnalysisRun`'s protocol: decide -> take the measurements that
 * are due (concurrently, through the provider plugins) -> decide again with the reports -> write once.
 *
 * The status between "measurements due" and "measurements recorded" is not written: the run is reconciled
 * again in memory with the reports, so one round of measurements costs one write (the whole object: an
 * AnalysisRun has no status subresource), guarded by the observed resourceVersion. If the controller stops in
 * between, nothing was recorded and the next reconcile measures again.
 *
 * Secrets named by `valueFrom.secretKeyRef` arguments are read when a run has such arguments (a GET per
 * Secret and reconcile: runs with secret arguments are few and short-lived; no Secret is ever cached). Nothing
 * of their values leaves this reconcile: core screens what it stores and records, and the log lines and events
 * written here are screened the same way (a whole value redacted, a text quoting any 4+ characters of one
 * withheld, naming the argument).
 *
 * A status the API server refuses for what it holds (too large, invalid: HTTP 400, 413, 422, or an answer
 * saying "too large") would be refused on every retry: the run then ends in `Error` with a second, small
 * status saying why (`analysisRunStatusRefused`), and a Warning event. Events of a reconcile are recorded
 * once its status is written, so none announces a transition that was not stored.
 */
import * as E from 'fp-ts/lib/Either';
import type { AnalysisRun, AnalysisRunStatus } from '@rollouts/api';
import {
  analysisRunStatusRefused,
  reconcileAnalysisRun,
  redactSecretForms,
  screenSecrets,
  secretArgumentsOf,
  secretScreen,
  withheldMessage,
  type AnalysisIntent,
  type AnalysisRunReconcileResult,
  type MeasurementIntent,
  type MeasurementReport,
  type RecordAnalysisEvent,
  type SecretData,
  type SecretScreen,
} from '@rollouts/core';
import { Resources, type Clock, type EventRecorder, type KubeWriter, type Logger } from '@rollouts/k8s';
import type { KubeObjectClient, PluginError } from '@rollouts/plugin-sdk';
import type { ClusterCache } from './ClusterCache';
import type { ControllerMetrics } from './ControllerMetrics';
import { decodeAnalysisRun } from './Decoding';
import { reportUnreadableRun } from './Unreadable';
import { garbageCollect, takeMeasurements, type MetricProviders } from './Measurements';
import { done, retry, type ReconcileOutcome } from './ReconcileLoop';
import { splitKey } from './RolloutReconciler';

export interface AnalysisRunReconcilerDeps {
  readonly cache: ClusterCache;
  readonly writer: KubeWriter;
  readonly events: EventRecorder;
  readonly objects: KubeObjectClient;
  readonly providers: MetricProviders;
  readonly clock: Clock;
  readonly log: Logger;
  readonly signal: AbortSignal;
  readonly measurementTimeoutMs: number;
  readonly metrics: ControllerMetrics;
  readonly track: (p: Promise<void>) => void;
}

/** Rounds of measure -> decide in one reconcile before writing and coming back (a provider answering at once). */
const MAX_ROUNDS = 3;

const isMeasurement = (i: AnalysisIntent): i is MeasurementIntent => i._tag === 'TakeMeasurement' || i._tag === 'ResumeMeasurement' || i._tag === 'TerminateMeasurement';

/** Structural equality of JSON values, whatever the key order. */
export function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => sameJson(x, b[i]));
  const ka = Object.keys(a).filter((k) => (a as Record<string, unknown>)[k] !== undefined);
  const kb = Object.keys(b).filter((k) => (b as Record<string, unknown>)[k] !== undefined);
  return ka.length === kb.length && ka.every((k) => sameJson((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

/**
 * Whether the API server refused a write for what it holds, so that the same write can never succeed: the body
 * is too large (413 `RequestEntityTooLarge`, or etcd's "request is too large" as a 500), or invalid (400, 422).
 */
export function writeRefused(e: PluginError): boolean {
  if (/too large|RequestEntityTooLarge/i.test(e.message)) return true;
  return e._tag === 'KubeRejected' && (e.status === 400 || e.status === 413 || e.status === 422);
}

/** Foreign text (a provider's or the API server's) as it may be logged: see `screenSecrets`. */
const screened = (screen: SecretScreen, text: string): string => screenSecrets(text, screen, withheldMessage);

/** The Secrets the run's arguments reference; `undefined` values when a Secret does not exist (core reports it). */
async function readSecrets(run: AnalysisRun, deps: AnalysisRunReconcilerDeps): Promise<E.Either<string, SecretData | undefined>> {
  const names = [...new Set((run.spec.args ?? []).flatMap((a) => (a.valueFrom?.secretKeyRef?.name != null ? [a.valueFrom.secretKeyRef.name] : [])))];
  if (names.length === 0) return E.right(undefined);
  const out: Record<string, Record<string, string>> = {};
  for (const name of names) {
    const r = await deps.objects.get({ apiVersion: 'v1', kind: 'Secret', namespace: run.metadata?.namespace ?? '', name })();
    // A name the API server refuses outright (400: "may not contain '%'") names no Secret that can ever exist: as a
    // missing one, core and validation explain it on the run; retrying the read would leave the run silent forever.
    if (E.isLeft(r) && r.left._tag === 'KubeRejected' && r.left.status === 400) continue;
    if (E.isLeft(r)) return E.left(r.left.message);
    if (r.right === undefined) continue;
    const data = (r.right['data'] ?? {}) as Record<string, string>;
    const stringData = (r.right['stringData'] ?? {}) as Record<string, string>;
    const decodedData: Record<string, string> = {};
    for (const [k, v] of Object.entries(data)) decodedData[k] = Buffer.from(v, 'base64').toString('utf8');
    out[name] = { ...decodedData, ...stringData };
  }
  return E.right(out);
}

/** Reconcile the AnalysisRun at `key`. */
export async function reconcileAnalysisRunKey(key: string, deps: AnalysisRunReconcilerDeps): Promise<ReconcileOutcome> {
  const { namespace, name } = splitKey(key);
  const raw = deps.cache.analysisRuns.get(namespace, name);
  if (raw === undefined || raw.metadata?.deletionTimestamp != null) return done();
  const decoded = decodeAnalysisRun(raw);
  const involved = { apiVersion: 'argoproj.io/v1alpha1', kind: 'AnalysisRun', metadata: { name, namespace, uid: raw.metadata?.uid ?? null } };
  // Until the Secrets are read, there is nothing to screen against.
  let screen: SecretScreen = secretScreen([]);
  const record = (type: 'Normal' | 'Warning', reason: string, message: string): void => {
    deps.metrics.event?.({ kind: 'AnalysisRun', namespace, name, type, reason });
    deps.track(deps.events.record(involved, type, reason, redactSecretForms(message, screen)));
  };
  const recordAll = (events: ReadonlyArray<RecordAnalysisEvent>): void => {
    for (const e of events) record(e.type, e.eventReason, e.message);
  };
  if (E.isLeft(decoded)) {
    await reportUnreadableRun('AnalysisRun', raw, decoded.left, deps);
    return done();
  }
  const stored = decoded.right;
  const secrets = await readSecrets(stored, deps);
  if (E.isLeft(secrets)) {
    deps.log.warn('cannot read the Secrets of an AnalysisRun', { analysisRun: key, error: secrets.left });
    return retry(secrets.left);
  }
  screen = secretScreen(secretArgumentsOf(stored.spec.args, secrets.right));
  const opts = { timeoutMs: deps.measurementTimeoutMs, signal: deps.signal, now: () => deps.clock.now() };
  const input = (run: AnalysisRun, reports?: ReadonlyArray<MeasurementReport>) => ({
    run,
    now: deps.clock.now(),
    ...(secrets.right !== undefined ? { secrets: secrets.right } : {}),
    ...(reports !== undefined ? { reports } : {}),
  });

  let current: AnalysisRun = stored;
  let result: AnalysisRunReconcileResult = reconcileAnalysisRun(input(current));
  const other: AnalysisIntent[] = [];
  let rounds = 0;
  for (;;) {
    other.push(...result.intents.filter((i) => !isMeasurement(i) && i._tag !== 'UpdateStatus'));
    const due = result.intents.filter(isMeasurement);
    if (due.length === 0 || rounds >= MAX_ROUNDS || deps.signal.aborted) break;
    rounds++;
    current = { ...current, status: result.status };
    const reports = await takeMeasurements(current, due, deps.providers, opts);
    // Stopping: what was cancelled is not an Error measurement; the next leader measures again.
    if (deps.signal.aborted) return retry('the controller is stopping');
    result = reconcileAnalysisRun(input(current, reports));
  }
  const unmeasured = result.intents.some(isMeasurement);

  const events: RecordAnalysisEvent[] = [];
  for (const intent of other) {
    if (intent._tag === 'RecordEvent') events.push(intent);
    else if (intent._tag === 'GarbageCollectMeasurements') {
      const gc = await garbageCollect(current, intent.metric, intent.keep, deps.providers, opts);
      if (E.isLeft(gc)) deps.log.warn('metric provider could not clean up old measurements', { analysisRun: key, metric: intent.metricName, error: screened(screen, gc.left) });
    }
  }
  const deletion = other.find((i) => i._tag === 'DeleteAnalysisRun');
  if (deletion !== undefined) {
    recordAll(events);
    const r = await deps.writer.delete(Resources.analysisRuns, namespace, name);
    if (E.isLeft(r)) return retry(r.left.message);
    deps.cache.analysisRuns.deleted(namespace, name, raw);
    deps.log.info(deletion.reason, { analysisRun: key });
    return done();
  }

  const before: AnalysisRunStatus | undefined = stored.status ?? undefined;
  if (!sameJson(result.status, before ?? { phase: '' })) {
    const r = await deps.writer.replace<AnalysisRun>(Resources.analysisRuns, namespace, { ...raw, status: result.status });
    if (E.isLeft(r)) {
      if (writeRefused(r.left)) return endRefused(key, raw, stored, result.status, r.left, secrets.right, screen, recordAll, deps);
      if (r.left._tag !== 'KubeConflict') deps.log.warn('cannot write AnalysisRun status', { analysisRun: key, error: screened(screen, r.left.message) });
      return retry(r.left.message);
    }
    deps.cache.analysisRuns.wrote(r.right, raw);
    if (result.status.phase !== before?.phase) deps.log.info('analysis run', { analysisRun: key, phase: result.status.phase ?? '', message: redactSecretForms(result.status.message ?? '', screen) });
  }
  recordAll(events);
  return unmeasured ? done(0) : done(result.requeueAfterMs);
}

/** The API server refused the run's status: end the run in Error with a small status saying why (see the module comment). */
async function endRefused(
  key: string,
  raw: AnalysisRun,
  stored: AnalysisRun,
  refused: AnalysisRunStatus,
  error: PluginError,
  secrets: SecretData | undefined,
  screen: SecretScreen,
  recordAll: (events: ReadonlyArray<RecordAnalysisEvent>) => void,
  deps: AnalysisRunReconcilerDeps,
): Promise<ReconcileOutcome> {
  const reason = screened(screen, error.message);
  deps.log.warn('the API server refused the AnalysisRun status; the run ends in Error with a small status', { analysisRun: key, error: reason });
  const end = analysisRunStatusRefused({ run: stored, refused, reason, now: deps.clock.now(), ...(secrets !== undefined ? { secrets } : {}) });
  const namespace = raw.metadata?.namespace ?? '';
  const r = await deps.writer.replace<AnalysisRun>(Resources.analysisRuns, namespace, { ...raw, status: end.status });
  if (E.isLeft(r)) {
    if (r.left._tag !== 'KubeConflict') deps.log.warn('cannot write the small status of an AnalysisRun whose status was refused', { analysisRun: key, error: screened(screen, r.left.message) });
    return retry(r.left.message);
  }
  deps.cache.analysisRuns.wrote(r.right, raw);
  recordAll(end.intents.filter((i): i is RecordAnalysisEvent => i._tag === 'RecordEvent'));
  deps.log.info('analysis run', { analysisRun: key, phase: end.status.phase, message: end.status.message ?? '' });
  return done(end.requeueAfterMs);
}
