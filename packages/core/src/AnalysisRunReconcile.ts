/**
 * Reconciling an AnalysisRun (research notes §1.9, validation catalogue §7.3), as one pure function from a
 * run, the time and the Secrets it references to its next status and what the runtime should do.
 *
 * **Protocol.** Upstream takes measurements inside its reconcile. Here the reconcile asks for them:
 * 1. `reconcileAnalysisRun({ run, now })` returns `TakeMeasurement` / `ResumeMeasurement` /
 *    `TerminateMeasurement` intents for what is due now, and a status.
 * 2. The runtime applies the status, calls the provider for each measurement intent, and reconciles again
 *    at once with one `MeasurementReport` per intent (the observation, see `Measurement.ts`).
 * 3. That reconcile records the measurements (bookkeeping, secret redaction), decides the metric and run
 *    phases, trims history, and goes on as in 1. With no report due, `requeueAfterMs` says when to come back.
 *
 * While measurement intents are out, the run's phase is not assessed: it is assessed when their reports
 * arrive, as upstream assesses a run right after its measurements. So a terminating run never completes
 * before its in-flight measurements were terminated and recorded, and a new run keeps phase `""` (only
 * `startedAt` is set) until the reports of its first measurements come back. Reports that no longer fit
 * (a decided metric, nothing in flight to resume, an unknown metric) are ignored.
 *
 * **Rules** (upstream's, exact messages):
 * - Before anything, in order: `{{args.*}}` resolution (`Unable to resolve metric arguments: …`), no
 *   metrics, duplicate names and `ValidateMetric` (`Analysis spec invalid: metrics[i]: …`), `dryRun` and
 *   `measurementRetention` rules that match no metric (unanchored Go regexps), then Secrets. Any failure puts
 *   the run in `Error` with an `AnalysisRunError` event.
 * - Scheduling: a completed metric is skipped; an in-flight measurement is resumed once its `resumeAt` has
 *   passed (terminated instead when the run is terminating); a terminating run starts nothing new; the first
 *   measurement waits `initialDelay` after `status.startedAt`; no more once `count` reaches the effective
 *   count; the next one when `now > finishedAt + interval`, or `+ 10 s` after an Error measurement.
 * - Bookkeeping: Successful/Failed/Inconclusive count toward `count` and reset `consecutiveError`; only
 *   Successful grows `consecutiveSuccess`; an Error grows `error` and `consecutiveError`, never `count`.
 * - Metric phase and run phase: see `assessMetricPhase` and `assessRunPhase`.
 * - History is trimmed to 10 measurements per metric, or the `measurementRetention` limit when it is > 0.
 * - A completed run with a `ttlStrategy` is deleted once the whole seconds since `completedAt` exceed the TTL.
 *
 * Deliberate differences from upstream: `completedAt` is also set when a run ends in `Error` for an invalid
 * spec (upstream leaves it unset, so its TTL never fires); "terminating" ignores dry-run metrics whatever
 * their order (upstream looks only at the first non-successful result); the messages of measurements, metric
 * results, the run and events are redacted with every secret argument's value.
 */
import * as E from 'fp-ts/lib/Either';
import {
  analysisSpecRanges,
  compileMetricNameRule,
  formatValidationError,
  unmatchedRuleMessage,
  parseGoDuration,
  readCount,
  validateMetric,
  type AnalysisPhase,
  type AnalysisRun,
  type AnalysisRunStatus,
  type IntOrString,
  type Measurement,
  type MeasurementRetention,
  type Metric,
  type MetricResult,
  type RunSummary,
  type TTLStrategy,
} from '@rollouts/api';
import type {
  AnalysisIntent,
  GarbageCollectMeasurements,
  MeasurementIntent,
  MeasurementReport,
  RecordAnalysisEvent,
  TerminateMeasurement,
} from './AnalysisIntent';
import {
  argumentsWithSecretPlaceholders,
  argumentsWithSecretValues,
  resolveMetricArgs,
  resolveMetricsArgs,
  redactSecretForms,
  screenSecrets,
  secretArgumentsOf,
  secretScreen,
  withheldMessage,
  type ResolvedArgument,
  type SecretData,
  type SecretScreen,
} from './AnalysisArgs';
import { capText, measurementFromObservation, storedMetadata, utf8Head } from './Measurement';
import { fromRfc3339, toRfc3339 } from './Time';

/** Measurements kept per metric unless a `measurementRetention` rule says otherwise. */
export const DEFAULT_MEASUREMENT_HISTORY_LIMIT = 10;
/** A metric errs once more than this many measurements in a row were errors (`consecutiveErrorLimit` default). */
export const DEFAULT_CONSECUTIVE_ERROR_LIMIT = 4;
/** How long after an Error measurement the next one is taken, whatever the interval. */
export const DEFAULT_ERROR_RETRY_INTERVAL_MS = 10_000;
/** The most the run's `message` (and each metric result's) takes in status, in UTF-8 bytes (4 KiB), truncation note included. */
export const MAX_RUN_MESSAGE_BYTES = 4096;
/** The most of the last measured value quoted in a run's message as evidence, in UTF-8 bytes. */
export const MAX_EVIDENCE_VALUE_BYTES = 256;
/** The most of the API server's answer quoted when it refused the run's status, in UTF-8 bytes. */
export const MAX_REFUSAL_REASON_BYTES = 1024;

export interface AnalysisRunReconcileInput {
  readonly run: AnalysisRun;
  /** Epoch milliseconds. */
  readonly now: number;
  /** The Secrets of the run's namespace that its arguments reference: secret name -> key -> value. */
  readonly secrets?: SecretData;
  /** What the providers observed for the measurement intents of the previous reconcile. */
  readonly reports?: ReadonlyArray<MeasurementReport>;
}

export interface AnalysisRunReconcileResult {
  /** The status the run should have (equal to the old one when nothing changed). */
  readonly status: AnalysisRunStatus;
  /** Measurement intents first, then garbage collection, events, `UpdateStatus` (when changed) or `DeleteAnalysisRun`. */
  readonly intents: ReadonlyArray<AnalysisIntent>;
  /** Reconcile again after this long if nothing else happens (next measurement, initial delay, resume, TTL). */
  readonly requeueAfterMs?: number;
}

// ---------------------------------------------------------------------------------------------------------
// Reading metrics

const COMPLETED: ReadonlySet<string> = new Set(['Successful', 'Failed', 'Error', 'Inconclusive']);

/** Whether a phase is final (`Successful`, `Failed`, `Error`, `Inconclusive`). */
export const phaseCompleted = (phase: string | null | undefined): boolean => phase != null && COMPLETED.has(phase);

/** Go's `IntOrString.IntValue()`: absent stays undefined; an integer (or a string of digits) is itself; anything else is 0. */
export function intOrStringValue(v: IntOrString | null | undefined): number | undefined {
  const r = readCount(v);
  if (r.kind === 'absent') return undefined;
  return r.kind === 'integer' ? r.value : 0;
}

const hasText = (s: string | null | undefined): s is string => s != null && s !== '';

/**
 * How many measurements a metric takes: `count` when it is non-zero (a negative count is finite too);
 * with count absent or 0, one measurement without an `interval`, and no limit (undefined) with one.
 */
export function effectiveCount(metric: Metric): number | undefined {
  const count = intOrStringValue(metric.count);
  if (count === undefined || count === 0) return hasText(metric.interval) ? undefined : 1;
  return count;
}

const failureLimitOf = (m: Metric): number => intOrStringValue(m.failureLimit) ?? 0;
const inconclusiveLimitOf = (m: Metric): number => intOrStringValue(m.inconclusiveLimit) ?? 0;
const consecutiveErrorLimitOf = (m: Metric): number => intOrStringValue(m.consecutiveErrorLimit) ?? DEFAULT_CONSECUTIVE_ERROR_LIMIT;
const consecutiveSuccessLimitOf = (m: Metric): number => intOrStringValue(m.consecutiveSuccessLimit) ?? 0;

const durationMs = (s: string): number | undefined => {
  const parsed = parseGoDuration(s);
  return E.isRight(parsed) ? parsed.right : undefined;
};

const lastOf = (r: MetricResult | undefined): Measurement | undefined => {
  const ms = r?.measurements ?? [];
  return ms[ms.length - 1];
};

// ---------------------------------------------------------------------------------------------------------
// Phase decisions

/**
 * The limit checks of a metric whose last measurement finished; a later rule overrides an earlier one:
 * `failed > failureLimit` (unless failureLimit is -1) → Failed, `inconclusive > inconclusiveLimit` →
 * Inconclusive, `consecutiveError > consecutiveErrorLimit` (default 4) → Error. Returns the phase and the
 * reason used in messages, or undefined when no limit is exceeded.
 */
export function assessMetricLimits(metric: Metric, result: MetricResult): { phase: AnalysisPhase; message: string } | undefined {
  let hit: { phase: AnalysisPhase; message: string } | undefined;
  const failureLimit = failureLimitOf(metric);
  const failed = result.failed ?? 0;
  if (failureLimit >= 0 && failed > failureLimit) hit = { phase: 'Failed', message: `failed (${failed}) > failureLimit (${failureLimit})` };
  const inconclusiveLimit = inconclusiveLimitOf(metric);
  const inconclusive = result.inconclusive ?? 0;
  if (inconclusive > inconclusiveLimit) hit = { phase: 'Inconclusive', message: `inconclusive (${inconclusive}) > inconclusiveLimit (${inconclusiveLimit})` };
  const consecutiveErrorLimit = consecutiveErrorLimitOf(metric);
  const consecutiveError = result.consecutiveError ?? 0;
  if (consecutiveError > consecutiveErrorLimit) {
    hit = { phase: 'Error', message: `consecutiveErrors (${consecutiveError}) > consecutiveErrorLimit (${consecutiveErrorLimit})` };
  }
  return hit;
}

/**
 * A metric's phase (upstream's `assessMetricStatus`), first match wins:
 * 1. already completed → unchanged; 2. no measurement → Successful when terminating, else Pending;
 * 3. last measurement in flight → Running; 4. a limit exceeded (`assessMetricLimits`);
 * 5. `consecutiveSuccessLimit > 0` reached → Successful;
 * 6. effective count reached → Inconclusive when both consecutiveSuccessLimit and failureLimit apply,
 *    Failed when only consecutiveSuccessLimit applies (failureLimit -1), else Successful;
 * 7. a metric without a count: Successful when terminating, else Running.
 */
export function assessMetricPhase(metric: Metric, result: MetricResult, terminating: boolean): AnalysisPhase {
  if (phaseCompleted(result.phase)) return result.phase;
  const last = lastOf(result);
  if (last === undefined) return terminating ? 'Successful' : 'Pending';
  if (!phaseCompleted(last.phase)) return 'Running';
  const limit = assessMetricLimits(metric, result);
  if (limit !== undefined) return limit.phase;
  const successLimit = consecutiveSuccessLimitOf(metric);
  if (successLimit > 0 && (result.consecutiveSuccess ?? 0) >= successLimit) return 'Successful';
  const count = effectiveCount(metric);
  if (count !== undefined && (result.count ?? 0) >= count) {
    const failureApplies = metric.failureLimit == null || failureLimitOf(metric) >= 0;
    const successApplies = successLimit > 0;
    if (failureApplies && successApplies) return 'Inconclusive';
    if (!failureApplies && successApplies) return 'Failed';
    return 'Successful';
  }
  return terminating ? 'Successful' : 'Running';
}

const WORSE_ORDER: ReadonlyArray<string> = ['Pending', 'Running', 'Successful', 'Inconclusive', 'Error', 'Failed'];

/** Whether `next` is worse than `current`: Successful < Inconclusive < Error < Failed. */
export const phaseWorse = (current: string, next: string): boolean => WORSE_ORDER.indexOf(next) > WORSE_ORDER.indexOf(current);

/** A run is terminating when `spec.terminate` is set or a non-dry-run metric is Failed, Error or Inconclusive. */
export function runTerminating(run: AnalysisRun, results: ReadonlyArray<MetricResult> | null | undefined): boolean {
  if (run.spec.terminate === true) return true;
  return (results ?? []).some((r) => r.dryRun !== true && (r.phase === 'Failed' || r.phase === 'Error' || r.phase === 'Inconclusive'));
}

// ---------------------------------------------------------------------------------------------------------
// Working state

interface Context {
  readonly run: AnalysisRun;
  readonly now: number;
  /** Metrics resolved with secret placeholders: every decision uses these. */
  readonly metrics: ReadonlyArray<Metric>;
  readonly dryRun: ReadonlySet<string>;
  readonly retention: ReadonlyMap<string, MeasurementRetention>;
  readonly providerArgs: ReadonlyArray<ResolvedArgument>;
  /** The run's secret arguments: every message, value and event is screened against them. */
  readonly screen: SecretScreen;
}

interface Work {
  status: AnalysisRunStatus;
  results: MetricResult[];
  readonly events: RecordAnalysisEvent[];
  readonly gc: GarbageCollectMeasurements[];
}

const event = (type: 'Normal' | 'Warning', eventReason: string, message: string, reason: string): RecordAnalysisEvent => ({
  _tag: 'RecordEvent',
  type,
  eventReason,
  message,
  reason,
});

const failing = (phase: string): boolean => phase === 'Error' || phase === 'Failed';

const COUNTERS = ['count', 'successful', 'failed', 'inconclusive', 'error', 'consecutiveError', 'consecutiveSuccess'] as const;

/** A metric result as Go writes it: zero counters, a false `dryRun` and an empty message left out. */
function compactResult(r: MetricResult): MetricResult {
  const out: Record<string, unknown> = { ...r };
  for (const k of COUNTERS) if (!out[k]) delete out[k];
  if (out['dryRun'] !== true) delete out['dryRun'];
  if (out['message'] == null || out['message'] === '') delete out['message'];
  if (Array.isArray(out['measurements']) && (out['measurements'] as unknown[]).length === 0) delete out['measurements'];
  return out as unknown as MetricResult;
}

type Summary = { -readonly [K in keyof RunSummary]-?: number };

function compactSummary(s: Summary): RunSummary {
  const out: Partial<Summary> = {};
  for (const k of ['count', 'successful', 'failed', 'inconclusive', 'error'] as const) if (s[k] !== 0) out[k] = s[k];
  return out;
}

function finishStatus(w: Work): AnalysisRunStatus {
  const { metricResults: _old, ...rest } = w.status;
  const results = w.results.map(compactResult);
  const status: AnalysisRunStatus = { ...rest, ...(results.length > 0 ? { metricResults: results } : {}) };
  if (status.message === '' || status.message == null) delete (status as { message?: unknown }).message;
  return status;
}

// ---------------------------------------------------------------------------------------------------------
// Recording measurements

function recordReport(ctx: Context, w: Work, report: MeasurementReport): void {
  const name = report.intent.metricName;
  if (!ctx.metrics.some((m) => m.name === name)) return;
  const at = report.observedAt ?? ctx.now;
  const index = w.results.findIndex((r) => r.name === name);
  const existing = index >= 0 ? w.results[index] : undefined;
  if (existing !== undefined && phaseCompleted(existing.phase)) return; // stale: the metric is decided
  const last = lastOf(existing);
  const inFlight = last !== undefined && last.finishedAt == null;
  let measurement: Measurement;
  let measurements: Measurement[];
  if (report.intent._tag === 'TakeMeasurement') {
    if (inFlight) return; // stale: a measurement is already in flight
    measurement = measurementFromObservation(report.observation, report.intent.metric, at, undefined, { secrets: ctx.screen });
    measurements = [...(existing?.measurements ?? []), measurement];
  } else {
    if (!inFlight || last === undefined) return; // stale: nothing in flight to resume or terminate
    measurement = measurementFromObservation(report.observation, report.intent.metric, at, last, { secrets: ctx.screen });
    if (report.intent._tag === 'TerminateMeasurement' && (measurement.phase === 'Successful' || measurement.phase === 'Inconclusive')) {
      measurement = { ...measurement, message: 'Metric Terminated' };
    }
    measurements = [...(existing?.measurements ?? []).slice(0, -1), measurement];
  }
  const metricMetadata = storedMetadata(report.metricMetadata, { secrets: ctx.screen });
  const base: MetricResult =
    existing ??
    ({
      name,
      phase: 'Running',
      ...(ctx.dryRun.has(name) ? { dryRun: true } : {}),
      ...(metricMetadata !== undefined && Object.keys(metricMetadata).length > 0 ? { metadata: metricMetadata } : {}),
    } as MetricResult);
  const r = { ...base, measurements };
  const n = (k: (typeof COUNTERS)[number]): number => r[k] ?? 0;
  switch (measurement.phase) {
    case 'Successful':
      Object.assign(r, { successful: n('successful') + 1, count: n('count') + 1, consecutiveError: 0, consecutiveSuccess: n('consecutiveSuccess') + 1 });
      break;
    case 'Failed':
      Object.assign(r, { failed: n('failed') + 1, count: n('count') + 1, consecutiveError: 0, consecutiveSuccess: 0 });
      break;
    case 'Inconclusive':
      Object.assign(r, { inconclusive: n('inconclusive') + 1, count: n('count') + 1, consecutiveError: 0, consecutiveSuccess: 0 });
      break;
    case 'Error':
      Object.assign(r, { error: n('error') + 1, consecutiveError: n('consecutiveError') + 1, consecutiveSuccess: 0 });
      break;
    default:
      break; // still in flight: nothing counted yet
  }
  if (index >= 0) w.results[index] = r;
  else w.results.push(r);
}

// ---------------------------------------------------------------------------------------------------------
// Assessing

const emptySummary = (): Summary => ({ count: 0, successful: 0, failed: 0, inconclusive: 0, error: 0 });

const bump = (s: Summary, phase: AnalysisPhase | undefined): void => {
  if (phase === 'Error') s.error++;
  else if (phase === 'Failed') s.failed++;
  else if (phase === 'Inconclusive') s.inconclusive++;
  else s.successful++;
};

/**
 * Decide every metric's phase and the run's (upstream's `assessRunStatus`), updating `w` and emitting the
 * metric and run events. The run's phase is the worst of its completed non-dry-run metrics (Successful <
 * Inconclusive < Error < Failed) once all are completed, or at once when terminating (Successful if none is).
 * Its message is `Metric "<name>" assessed <Phase> due to <limit reason>` for the worst metric whose limits
 * were exceeded, with `: "Error Message: <last measurement message>"` when there is one; `Run Terminated`
 * for an explicit terminate. The message changes only with the phase.
 */
function assess(ctx: Context, w: Work): void {
  const { run, now } = ctx;
  const terminating = runTerminating(run, w.results);
  let everythingCompleted = true;
  let worst: AnalysisPhase | undefined;
  let worstMessage = run.spec.terminate === true ? 'Run Terminated' : '';
  const summary = emptySummary();
  const drySummary = emptySummary();
  if (w.status.startedAt == null) w.status = { ...w.status, startedAt: toRfc3339(now) };

  for (const metric of ctx.metrics) {
    const dry = ctx.dryRun.has(metric.name);
    (dry ? drySummary : summary).count++;
    const index = w.results.findIndex((r) => r.name === metric.name);
    let result = index >= 0 ? w.results[index] : undefined;
    if (result === undefined) {
      everythingCompleted = false; // not started yet (an initial delay, or a measurement in flight)
      continue;
    }
    const phase = assessMetricPhase(metric, result, terminating);
    if (result.phase !== phase) {
      if (phaseCompleted(phase)) {
        w.events.push(
          event(failing(phase) ? 'Warning' : 'Normal', `Metric${phase}`, `Metric '${metric.name}' Completed. Result: ${phase}`, `metric "${metric.name}" went from ${result.phase} to ${phase}`),
        );
      }
      const last = lastOf(result);
      result = { ...result, phase, ...(last !== undefined ? { message: runMessage(ctx.screen, last.message ?? '') } : {}) };
    }
    if (!phaseCompleted(phase)) {
      everythingCompleted = false;
    } else {
      const limit = assessMetricLimits(metric, result);
      if (!dry) {
        if (worst === undefined || phaseWorse(worst, phase)) {
          worst = phase;
          if (limit !== undefined) {
            worstMessage = `Metric "${metric.name}" assessed ${phase} due to ${limit.message}`;
            if (hasText(result.message)) worstMessage += `: "Error Message: ${result.message}"`;
            else worstMessage += evidence(metric, lastOf(result));
          }
        }
        bump(summary, limit?.phase);
      } else {
        if (worst === undefined) worst = 'Successful';
        if (limit !== undefined) result = { ...result, message: `Metric assessed ${phase} due to ${limit.message}` };
        bump(drySummary, limit?.phase);
      }
    }
    w.results[index] = result;
  }

  worstMessage = worstMessage.trim();
  let next: { phase: AnalysisPhase; message: string };
  if (terminating) next = { phase: worst ?? 'Successful', message: worstMessage };
  else if (!everythingCompleted || worst === undefined) next = { phase: 'Running', message: '' };
  else next = { phase: worst, message: worstMessage };

  w.status = { ...w.status, runSummary: compactSummary(summary), dryRunSummary: compactSummary(drySummary) };
  if (next.phase !== w.status.phase) {
    const from = w.status.phase === '' ? '""' : w.status.phase;
    w.status = { ...w.status, phase: next.phase, message: runMessage(ctx.screen, next.message) };
    if (phaseCompleted(next.phase)) completeRun(w, next.phase, now, `run went from ${from} to ${next.phase}`);
  }
}

/**
 * A run or metric message as stored, at most {@link MAX_RUN_MESSAGE_BYTES}: whole secret values redacted. It is
 * composed of parts already screened for fragments (measurement messages and values) and of the metric spec
 * resolved with the secret placeholder, so it is not checked for fragments again (see `redactSecretForms`).
 */
const runMessage = (screen: SecretScreen, message: string): string => capText(redactSecretForms(message, screen), MAX_RUN_MESSAGE_BYTES, 'message');

/** Events as recorded: their messages screened like the run's. */
const screenedEvents = (screen: SecretScreen, events: ReadonlyArray<RecordAnalysisEvent>): RecordAnalysisEvent[] =>
  events.map((e) => ({ ...e, message: runMessage(screen, e.message) }));

function completeRun(w: Work, phase: AnalysisPhase, now: number, reason: string): void {
  w.events.push(event(failing(phase) ? 'Warning' : 'Normal', `AnalysisRun${phase}`, `Analysis Completed. Result: ${phase}`, reason));
  if (w.status.completedAt == null) w.status = { ...w.status, completedAt: toRfc3339(now) };
}

/** Trim each metric's history to its limit, asking the provider to clean up after the dropped measurements. */
function collectGarbage(ctx: Context, w: Work): void {
  w.results = w.results.map((r) => {
    const rule = ctx.retention.get(r.name);
    const limit = rule !== undefined && rule.limit > 0 ? rule.limit : DEFAULT_MEASUREMENT_HISTORY_LIMIT;
    const ms = r.measurements ?? [];
    const metric = ctx.metrics.find((m) => m.name === r.name);
    if (ms.length <= limit || metric === undefined) return r;
    w.gc.push({
      _tag: 'GarbageCollectMeasurements',
      metricName: r.name,
      metric,
      keep: limit,
      reason: `metric "${r.name}" has ${ms.length} measurements, more than its limit of ${limit}${rule !== undefined && rule.limit > 0 ? ' (measurementRetention)' : ''}`,
    });
    return { ...r, measurements: ms.slice(ms.length - limit) };
  });
}

// ---------------------------------------------------------------------------------------------------------
// Scheduling

interface Task {
  readonly kind: MeasurementIntent['_tag'];
  readonly index: number;
  readonly measurement?: Measurement;
  readonly reason: string;
}

const timeOf = (t: string | null | undefined): number | undefined => (t == null ? undefined : fromRfc3339(t));

/** The measurements due at `now` (upstream's `generateMetricTasks`). */
function dueTasks(ctx: Context, w: Work): Task[] {
  const { now } = ctx;
  const terminating = runTerminating(ctx.run, w.results);
  const startedAt = timeOf(w.status.startedAt);
  const tasks: Task[] = [];
  ctx.metrics.forEach((metric, index) => {
    const result = w.results.find((r) => r.name === metric.name);
    if (result !== undefined && phaseCompleted(result.phase)) return;
    const last = lastOf(result);
    if (last !== undefined && last.finishedAt == null) {
      const resumeAt = timeOf(last.resumeAt);
      // A terminating run stops its in-flight measurements now, whatever their resumeAt says (otherwise the run
      // would complete with a Job still running until the run is deleted).
      if (!terminating && resumeAt !== undefined && resumeAt > now) return;
      const when = resumeAt !== undefined ? `its resumeAt ${last.resumeAt} has passed` : 'it has no resumeAt';
      tasks.push(
        terminating
          ? { kind: 'TerminateMeasurement', index, measurement: last, reason: `metric "${metric.name}": the run is terminating; stop the in-flight measurement` }
          : { kind: 'ResumeMeasurement', index, measurement: last, reason: `metric "${metric.name}": the in-flight measurement is resumed, ${when}` },
      );
      return;
    }
    if (terminating) return;
    if (last === undefined) {
      if (hasText(metric.initialDelay)) {
        if (startedAt === undefined) return;
        const delay = durationMs(metric.initialDelay);
        if (delay === undefined || startedAt + delay > now) return;
        tasks.push({ kind: 'TakeMeasurement', index, reason: `metric "${metric.name}": first measurement, initialDelay ${metric.initialDelay} has passed` });
        return;
      }
      tasks.push({ kind: 'TakeMeasurement', index, reason: `metric "${metric.name}": first measurement` });
      return;
    }
    const count = effectiveCount(metric);
    if (count !== undefined && (result?.count ?? 0) >= count) return;
    let interval = DEFAULT_ERROR_RETRY_INTERVAL_MS;
    let why = 'retry 10s after an error';
    if (last.phase !== 'Error' && hasText(metric.interval)) {
      const parsed = durationMs(metric.interval);
      if (parsed === undefined) return;
      interval = parsed;
      why = `interval ${metric.interval} has passed`;
    } else if (last.phase !== 'Error') {
      why = 'no interval; retry after 10s';
    }
    const finishedAt = timeOf(last.finishedAt) ?? Number.NEGATIVE_INFINITY;
    if (now > finishedAt + interval) {
      const of = count === undefined ? '' : ` of ${count}`;
      tasks.push({ kind: 'TakeMeasurement', index, reason: `metric "${metric.name}": measurement ${(result?.count ?? 0) + 1}${of}, ${why} since ${last.finishedAt}` });
    }
  });
  return tasks;
}

/** When the next measurement, initial delay or resume falls due (upstream's `calculateNextReconcileTime`). */
function nextReconcileAt(ctx: Context, w: Work, skip: ReadonlySet<string>): number | undefined {
  let at: number | undefined;
  const earliest = (t: number | undefined): void => {
    if (t !== undefined && (at === undefined || t < at)) at = t;
  };
  for (const metric of ctx.metrics) {
    if (skip.has(metric.name)) continue;
    const result = w.results.find((r) => r.name === metric.name);
    if (result !== undefined && phaseCompleted(result.phase)) continue;
    const last = lastOf(result);
    if (last === undefined) {
      if (hasText(metric.initialDelay)) {
        const delay = durationMs(metric.initialDelay);
        if (delay !== undefined) earliest((timeOf(w.status.startedAt) ?? ctx.now) + delay);
      }
      continue;
    }
    if (last.finishedAt == null) {
      earliest(timeOf(last.resumeAt));
      continue;
    }
    const count = effectiveCount(metric);
    if (count !== undefined && (result?.count ?? 0) >= count) continue;
    let interval: number | undefined;
    if (last.phase === 'Error') interval = DEFAULT_ERROR_RETRY_INTERVAL_MS;
    else if (hasText(metric.interval)) interval = durationMs(metric.interval);
    const finishedAt = timeOf(last.finishedAt);
    if (interval !== undefined && finishedAt !== undefined) earliest(finishedAt + interval);
  }
  return at;
}

// ---------------------------------------------------------------------------------------------------------
// TTL

/** The TTL in seconds that applies to a completed run, if any. */
export function ttlSecondsFor(ttl: TTLStrategy | null | undefined, phase: string): number | undefined {
  if (ttl == null) return undefined;
  // A TTL validation refuses (negative, or not a 32-bit integer) deletes nothing: the run keeps the Error that says so.
  const usable = (v: number | null | undefined): number | undefined => (v != null && Number.isInteger(v) && v >= 0 && v <= 2147483647 ? v : undefined);
  if (phase === 'Successful' && ttl.secondsAfterSuccess != null) return usable(ttl.secondsAfterSuccess);
  if (phase === 'Failed' && ttl.secondsAfterFailure != null) return usable(ttl.secondsAfterFailure);
  return usable(ttl.secondsAfterCompletion);
}

/** Delete the run once its TTL has passed, else come back when it will have. */
function ttlOutcome(run: AnalysisRun, status: AnalysisRunStatus, now: number): { intent?: AnalysisIntent; requeueAfterMs?: number } {
  const ttl = ttlSecondsFor(run.spec.ttlStrategy, status.phase);
  const completedAt = timeOf(status.completedAt);
  if (ttl === undefined || completedAt === undefined) return {};
  const elapsedSeconds = Math.trunc((now - completedAt) / 1000);
  if (elapsedSeconds > ttl) {
    const name = run.metadata?.name ?? '';
    return {
      intent: {
        _tag: 'DeleteAnalysisRun',
        name,
        ...(run.metadata?.namespace != null ? { namespace: run.metadata.namespace } : {}),
        reason: `run ${status.phase} at ${status.completedAt}, ${elapsedSeconds}s ago, beyond its ttlStrategy of ${ttl}s`,
      },
    };
  }
  return { requeueAfterMs: Math.max(0, completedAt + (ttl + 1) * 1000 - now) };
}

// ---------------------------------------------------------------------------------------------------------
// Spec checks (AR2–AR6)

interface SpecRules {
  readonly dryRun: ReadonlySet<string>;
  readonly retention: ReadonlyMap<string, MeasurementRetention>;
}

/** A metric with its counts and limits read as Go's IntValue reads them, for ValidateMetric. */
function withIntegerLimits(m: Metric): Metric {
  const out: Record<string, unknown> = { ...m };
  for (const k of ['count', 'failureLimit', 'inconclusiveLimit', 'consecutiveErrorLimit', 'consecutiveSuccessLimit'] as const) {
    const v = intOrStringValue(m[k]);
    if (v === undefined) delete out[k];
    else out[k] = v;
  }
  return out as unknown as Metric;
}

/** Upstream's ValidateMetrics, GetDryRunMetrics and GetMeasurementRetentionMetrics, first problem only. */
export function analysisSpecProblem(run: AnalysisRun, metrics: ReadonlyArray<Metric>): E.Either<string, SpecRules> {
  if (metrics.length === 0) return E.left('no metrics specified');
  const seen = new Set<string>();
  for (const [i, m] of metrics.entries()) {
    if (seen.has(m.name)) return E.left(`metrics[${i}]: duplicate name '${m.name}'`);
    seen.add(m.name);
    const first = validateMetric(withIntegerLimits(m), `spec.metrics[${i}]`)[0];
    if (first !== undefined) return E.left(`metrics[${i}]: ${first.message}`);
  }
  // Rules are Go regexps, matched in linear time; an invalid one matches nothing, as upstream, and says why.
  const selected = (rule: { readonly metricName: string }, at: string): E.Either<string, Metric[]> => {
    const compiled = compileMetricNameRule(rule.metricName);
    const matched = E.isRight(compiled) ? metrics.filter((m) => compiled.right(m.name)) : [];
    return matched.length > 0 ? E.right(matched) : E.left(`${at}: ${unmatchedRuleMessage(E.isLeft(compiled) ? compiled.left : undefined)}`);
  };
  const dryRun = new Set<string>();
  for (const [k, rule] of (run.spec.dryRun ?? []).entries()) {
    const matched = selected(rule, `dryRun[${k}]`);
    if (E.isLeft(matched)) return matched;
    for (const m of matched.right) dryRun.add(m.name);
  }
  const retention = new Map<string, MeasurementRetention>();
  for (const [k, rule] of (run.spec.measurementRetention ?? []).entries()) {
    const matched = selected(rule, `measurementRetention[${k}]`);
    if (E.isLeft(matched)) return matched;
    for (const m of matched.right) retention.set(m.name, rule);
  }
  return E.right({ dryRun, retention });
}

// ---------------------------------------------------------------------------------------------------------
// The reconcile

function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== typeof b || a === null || b === null || typeof a !== 'object') return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bb = b as unknown[];
    return a.length === bb.length && a.every((x, i) => sameJson(x, bb[i]));
  }
  const ka = Object.keys(a as object).filter((k) => (a as Record<string, unknown>)[k] !== undefined);
  const kb = Object.keys(b as object).filter((k) => (b as Record<string, unknown>)[k] !== undefined);
  return ka.length === kb.length && ka.every((k) => sameJson((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

function result(
  original: AnalysisRunStatus | null | undefined,
  status: AnalysisRunStatus,
  intents: AnalysisIntent[],
  requeueAfterMs: number | undefined,
  why: string,
): AnalysisRunReconcileResult {
  const out = [...intents];
  if (!sameJson(original ?? null, status)) out.push({ _tag: 'UpdateStatus', status, reason: why });
  return { status, intents: out, ...(requeueAfterMs !== undefined ? { requeueAfterMs: Math.max(0, requeueAfterMs) } : {}) };
}

/** The run in `Error` for a problem found before measuring (§7.3): event, message, and `completedAt`. */
function errorRun(run: AnalysisRun, original: AnalysisRunStatus, text: string, now: number, screen: SecretScreen): AnalysisRunReconcileResult {
  const message = runMessage(screen, text);
  const w: Work = { status: { ...original, phase: 'Error', message }, results: [...(original.metricResults ?? [])], events: [], gc: [] };
  completeRun(w, 'Error', now, message);
  const status = finishStatus(w);
  const ttl = ttlOutcome(run, status, now);
  return result(run.status, status, [...screenedEvents(screen, w.events), ...(ttl.intent !== undefined ? [ttl.intent] : [])], ttl.requeueAfterMs, `run is invalid: ${message}`);
}

/**
 * Reconcile an AnalysisRun at `now`: record the reported measurements, decide metric and run phases, and
 * ask for the measurements that are due. Pure: same input, same output; `run` is not modified.
 */
export function reconcileAnalysisRun(input: AnalysisRunReconcileInput): AnalysisRunReconcileResult {
  const { run, now } = input;
  const original: AnalysisRunStatus = run.status ?? { phase: '' };

  if (phaseCompleted(original.phase)) {
    const ttl = ttlOutcome(run, original, now);
    return { status: original, intents: ttl.intent !== undefined ? [ttl.intent] : [], ...(ttl.requeueAfterMs !== undefined ? { requeueAfterMs: ttl.requeueAfterMs } : {}) };
  }

  const screen = secretScreen(secretArgumentsOf(run.spec.args, input.secrets));
  // Numbers first (ours): a run read leniently may hold a fraction or an out-of-range integer anywhere.
  const badNumber = analysisSpecRanges(run.spec)[0];
  if (badNumber !== undefined) return errorRun(run, original, `Analysis spec invalid: ${formatValidationError(badNumber)}`, now, screen);
  const resolved = resolveMetricsArgs(run.spec.metrics ?? [], argumentsWithSecretPlaceholders(run.spec.args));
  if (E.isLeft(resolved)) return errorRun(run, original, `Unable to resolve metric arguments: ${resolved.left}`, now, screen);
  const rules = analysisSpecProblem(run, resolved.right);
  if (E.isLeft(rules)) return errorRun(run, original, `Analysis spec invalid: ${rules.left}`, now, screen);
  const withSecrets = argumentsWithSecretValues(run.spec.args, input.secrets);
  if (E.isLeft(withSecrets)) return errorRun(run, original, `Unable to resolve metric arguments: ${withSecrets.left}`, now, screen);

  const ctx: Context = {
    run,
    now,
    metrics: resolved.right,
    dryRun: rules.right.dryRun,
    retention: rules.right.retention,
    providerArgs: withSecrets.right.args,
    screen,
  };
  const w: Work = { status: original, results: [...(original.metricResults ?? [])], events: [], gc: [] };
  const reasons: string[] = [];

  // 1. The measurements asked for last time: record them and assess, as upstream does after measuring.
  const reports = input.reports ?? [];
  if (reports.length > 0) {
    for (const report of reports) recordReport(ctx, w, report);
    assess(ctx, w);
    collectGarbage(ctx, w);
    reasons.push(`recorded ${reports.length} measurement report(s)`);
    if (phaseCompleted(w.status.phase)) return finish(ctx, w, [], reasons);
  }

  // 2. What is due now. With measurements to take, the assessment waits for their reports.
  const tasks = dueTasks(ctx, w);
  if (tasks.length > 0) {
    const intents: MeasurementIntent[] = [];
    for (const t of tasks) {
      const source = run.spec.metrics[t.index];
      if (source === undefined) continue;
      const metric = resolveMetricArgs(source, ctx.providerArgs);
      if (E.isLeft(metric)) return errorRun(run, original, `Unable to resolve metric arguments: ${metric.left}`, now, screen);
      const name = source.name;
      if (t.kind === 'TakeMeasurement') intents.push({ _tag: 'TakeMeasurement', metricName: name, metric: metric.right, reason: t.reason });
      else if (t.kind === 'ResumeMeasurement') intents.push({ _tag: 'ResumeMeasurement', metricName: name, metric: metric.right, measurement: t.measurement as Measurement, reason: t.reason });
      else intents.push({ _tag: 'TerminateMeasurement', metricName: name, metric: metric.right, measurement: t.measurement as Measurement, reason: t.reason } satisfies TerminateMeasurement);
    }
    if (w.status.startedAt == null) w.status = { ...w.status, startedAt: toRfc3339(now) };
    reasons.push(`${intents.length} measurement(s) due`);
    return finish(ctx, w, intents, reasons, new Set(intents.map((i) => i.metricName)));
  }

  // 3. Nothing to measure: assess (terminating, initial delays, metrics decided by the last reports).
  assess(ctx, w);
  collectGarbage(ctx, w);
  return finish(ctx, w, [], reasons);
}

function finish(ctx: Context, w: Work, measurements: MeasurementIntent[], reasons: string[], inFlight: ReadonlySet<string> = new Set()): AnalysisRunReconcileResult {
  const status = finishStatus(w);
  const intents: AnalysisIntent[] = [...measurements, ...w.gc, ...screenedEvents(ctx.screen, w.events)];
  let requeue: number | undefined;
  if (phaseCompleted(status.phase)) {
    const ttl = ttlOutcome(ctx.run, status, ctx.now);
    if (ttl.intent !== undefined) intents.push(ttl.intent);
    requeue = ttl.requeueAfterMs;
  } else {
    const at = nextReconcileAt(ctx, w, inFlight);
    if (at !== undefined) requeue = at - ctx.now;
  }
  const why = [`run ${status.phase === '' ? 'not started' : status.phase}`, ...reasons].join('; ');
  return result(ctx.run.status, status, intents, requeue, why);
}

/**
 * What the verdict rests on, for messages: the last measured value and the conditions it was judged by
 * (upstream says only which limit was exceeded; a person deciding whether to retry wants the numbers).
 */
function evidence(metric: Metric, last: Measurement | undefined): string {
  const parts: string[] = [];
  if (last?.value != null && last.value !== '') {
    const head = utf8Head(last.value, MAX_EVIDENCE_VALUE_BYTES);
    parts.push(`last value ${head}${head.length < last.value.length ? '…' : ''}`);
  }
  if (hasText(metric.successCondition)) parts.push(`successCondition "${metric.successCondition}"`);
  if (hasText(metric.failureCondition)) parts.push(`failureCondition "${metric.failureCondition}"`);
  return parts.length > 0 ? ` (${parts.join(', ')})` : '';
}

// ---------------------------------------------------------------------------------------------------------
// A status the API server refused

/** What {@link analysisRunStatusRefused} needs: the run as stored, the status that was refused, and why. */
export interface AnalysisRunStatusRefusal {
  readonly run: AnalysisRun;
  /** The status the API server refused to store. */
  readonly refused: AnalysisRunStatus;
  /** The API server's answer (it is screened for secrets and cut to {@link MAX_REFUSAL_REASON_BYTES}). */
  readonly reason: string;
  /** Epoch milliseconds. */
  readonly now: number;
  readonly secrets?: SecretData;
}

/**
 * The run ends in `Error` because the API server refused to store its status (too large for it, or invalid):
 * a small status instead of the refused one, so that the run finishes (and the Rollout waiting for it decides)
 * instead of trying the same write forever. It keeps the run's start, summaries, and each metric's name,
 * phase and counters; measurements, values and messages are left out. The message says why, and a Warning
 * event `AnalysisRunStatusRefused` carries it too, besides the usual `AnalysisRunError` completion event.
 */
export function analysisRunStatusRefused(input: AnalysisRunStatusRefusal): AnalysisRunReconcileResult {
  const { run, refused, now } = input;
  const screen = secretScreen(secretArgumentsOf(run.spec.args, input.secrets));
  const reason = capText(screenSecrets(input.reason, screen, withheldMessage), MAX_REFUSAL_REASON_BYTES, 'answer');
  const message = runMessage(
    screen,
    `the API server refused to store this AnalysisRun's status (${reason}); the run ends in Error without its measurements, which are not stored`,
  );
  const results = (refused.metricResults ?? []).map((r): MetricResult => {
    const { measurements: _m, message: _msg, metadata: _md, ...rest } = r;
    return compactResult(rest as MetricResult);
  });
  const status: AnalysisRunStatus = {
    phase: 'Error',
    message,
    ...(refused.startedAt != null ? { startedAt: refused.startedAt } : { startedAt: toRfc3339(now) }),
    ...(refused.runSummary != null ? { runSummary: refused.runSummary } : {}),
    ...(refused.dryRunSummary != null ? { dryRunSummary: refused.dryRunSummary } : {}),
    ...(results.length > 0 ? { metricResults: results } : {}),
    completedAt: toRfc3339(now),
  };
  const events: RecordAnalysisEvent[] = [
    event('Warning', 'AnalysisRunStatusRefused', message, 'the API server refused the run status'),
    event('Warning', 'AnalysisRunError', 'Analysis Completed. Result: Error', 'the run status could not be stored'),
  ];
  const ttl = ttlOutcome(run, status, now);
  return result(run.status, status, [...events, ...(ttl.intent !== undefined ? [ttl.intent] : [])], ttl.requeueAfterMs, message);
}
