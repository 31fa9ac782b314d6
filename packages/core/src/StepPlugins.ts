/**
 * Step plugins (`steps[].plugin: {name, config}`), as Argo Rollouts runs them, with the core kept pure.
 *
 * A reconcile of a Rollout with plugin steps goes in two halves:
 *   1. before `reconcileRollout`, the controller asks {@link stepPluginCalls} which plugin calls the Rollout as read
 *      needs (run the current step, terminate a running step a promotion skipped, abort the steps an abort undoes),
 *      makes them, and puts what they answered in the observation (`stepPluginResults`);
 *   2. `reconcileRollout` merges the answers into `status.canary.stepPluginStatuses` ({@link mergeStepPluginResults})
 *      and decides the step from its entry ({@link pluginStepOutcome}): Successful advances, Failed aborts the
 *      update, Running and Error wait (Error is retried after a backoff, until the progress deadline).
 *
 * The status holds one entry per step and operation (`Run`, `Terminate`, `Abort`), in the order they were first
 * made, with the fields Argo writes: index, name, operation, phase, message, startedAt, updatedAt, finishedAt,
 * backoff (a Go duration), executions and the plugin's own `status` JSON.
 */
import { parseGoDuration, type CanaryStep, type Json, type Rollout, type StepPluginStatus } from '@rollouts/api';
import { fromRfc3339, toRfc3339 } from './Time';

export type StepPluginOperation = 'Run' | 'Terminate' | 'Abort';

/** A plugin call the controller is to make before the reconcile. */
export interface StepPluginCall {
  readonly operation: StepPluginOperation;
  /** Index of the step in `spec.strategy.canary.steps`. */
  readonly index: number;
  /** `steps[index].plugin.name`. */
  readonly name: string;
  /** `steps[index].plugin.config`, as written (the plugin's codec decodes it). */
  readonly config: unknown;
  /** The plugin's own state from the step's Run entry (absent before the first run). */
  readonly status?: unknown;
}

/** What a call answered, as the controller hands it to the reconcile. */
export interface StepPluginCallResult {
  readonly operation: StepPluginOperation;
  readonly index: number;
  readonly name: string;
  /** `Running`, `Successful`, `Failed` or `Error` (a PluginError, a timeout); anything else is recorded as Error. */
  readonly phase: string;
  readonly message?: string;
  /** The plugin's own state (Run only; kept as it was on Error). */
  readonly status?: unknown;
  /** Run answering Running: ask again after this long. */
  readonly requeueAfterMs?: number;
  /** When the call started and finished, epoch milliseconds. */
  readonly startedAt: number;
  readonly finishedAt: number;
}

/** Backoffs between runs (Argo's: 30 s while Running unless the plugin asks for more than 10 s; 30 s after Error). */
export interface StepPluginTiming {
  readonly runningBackoffMs: number;
  readonly minRequeueMs: number;
  readonly errorBackoffMs: number;
}
export const DEFAULT_STEP_PLUGIN_TIMING: StepPluginTiming = { runningBackoffMs: 30_000, minRequeueMs: 10_000, errorBackoffMs: 30_000 };

const VALID_PHASES: ReadonlySet<string> = new Set(['Running', 'Successful', 'Failed', 'Error']);

const find = (entries: ReadonlyArray<StepPluginStatus>, index: number, name: string, operation: StepPluginOperation): StepPluginStatus | undefined => {
  for (const e of entries) if (e.index === index && e.name === name && e.operation === operation) return e;
  return undefined;
};

/** The plugin of step `index`, when it is a plugin step named `name` (or any name when `name` is undefined). */
const pluginAt = (steps: ReadonlyArray<CanaryStep>, index: number, name?: string): NonNullable<CanaryStep['plugin']> | undefined => {
  const p = steps[index]?.plugin ?? undefined;
  return p != null && (name === undefined || p.name === name) ? p : undefined;
};

/** A Go duration string for whole or fractional seconds, as `time.Duration.String()` prints them ("30s", "1m30s"). */
export function goDurationString(ms: number): string {
  if (ms <= 0) return '0s';
  const h = Math.floor(ms / 3_600_000);
  const m = Math.floor((ms % 3_600_000) / 60_000);
  const s = (ms % 60_000) / 1000;
  const sec = `${Number.isInteger(s) ? s : Number(s.toFixed(3))}s`;
  if (ms < 1000) return `${ms}ms`;
  if (h > 0) return `${h}h${m}m${sec}`;
  if (m > 0) return `${m}m${sec}`;
  return sec;
}

/** When an entry may be run again (epoch ms), from updatedAt + backoff; undefined when it may be run now. */
function notBefore(e: StepPluginStatus): number | undefined {
  if ((e.executions ?? 0) === 0 || e.backoff == null || e.backoff === '') return undefined;
  const updated = e.updatedAt == null ? undefined : fromRfc3339(e.updatedAt);
  const backoff = parseGoDuration(e.backoff);
  if (updated === undefined || backoff._tag === 'Left') return undefined;
  return updated + backoff.right;
}

export interface StepPluginCallOptions {
  /** Configured but disabled plugins: their steps are skipped, never called. */
  readonly disabled?: ReadonlyArray<string>;
}

/**
 * The plugin calls the Rollout as read needs now, in the order to make them. Nothing while the spec changed since
 * the status was written (the reconcile decides the new spec first), nothing for a Rollout without plugin steps.
 *
 * - aborted: Abort for every step whose Run entry is Running or Successful and has no Abort entry, latest first;
 * - otherwise Terminate for a Running step that a promotion moved past (its index is behind the current step, or
 *   promote-full was asked), then Run for the current step when the Rollout is Progressing, the step has not
 *   finished, was not terminated, and its backoff has passed.
 */
export function stepPluginCalls(rollout: Rollout, now: number, options: StepPluginCallOptions = {}): StepPluginCall[] {
  const steps = rollout.spec.strategy?.canary?.steps ?? [];
  let any = false;
  for (let i = 0; i < steps.length && !any; i++) any = steps[i]!.plugin != null;
  const st = rollout.status;
  if (!any || st == null) return [];
  if ((st.observedGeneration ?? '') !== String(rollout.metadata?.generation ?? 0)) return [];
  const entries = st.canary?.stepPluginStatuses ?? [];
  const disabled = options.disabled ?? [];
  const calls: StepPluginCall[] = [];
  const callFor = (operation: StepPluginOperation, index: number, plugin: NonNullable<CanaryStep['plugin']>, from: StepPluginStatus | undefined): StepPluginCall => ({
    operation,
    index,
    name: plugin.name,
    config: plugin.config ?? undefined,
    ...(from?.status != null ? { status: from.status } : {}),
  });

  if (st.abort === true) {
    for (let i = entries.length - 1; i >= 0; i--) {
      const e = entries[i]!;
      if (e.operation !== 'Run' || (e.phase !== 'Running' && e.phase !== 'Successful') || e.index == null || e.name == null) continue;
      const plugin = pluginAt(steps, e.index, e.name);
      if (plugin === undefined || disabled.includes(plugin.name) || find(entries, e.index, e.name, 'Abort') !== undefined) continue;
      calls.push(callFor('Abort', e.index, plugin, e));
    }
    return calls;
  }

  const current = st.currentStepIndex ?? 0;
  const promoteFull = st.promoteFull === true;
  for (let i = entries.length - 1; i >= 0; i--) {
    const e = entries[i]!;
    if (e.operation !== 'Run' || e.phase !== 'Running' || e.index == null || e.name == null) continue;
    if (e.index >= current && !promoteFull) continue;
    const plugin = pluginAt(steps, e.index, e.name);
    if (plugin === undefined || find(entries, e.index, e.name, 'Terminate') !== undefined || find(entries, e.index, e.name, 'Abort') !== undefined) continue;
    calls.push(callFor('Terminate', e.index, plugin, e));
  }

  const plugin = pluginAt(steps, current);
  if (plugin === undefined || promoteFull || rollout.spec.paused === true || st.phase !== 'Progressing' || disabled.includes(plugin.name)) return calls;
  if (find(entries, current, plugin.name, 'Terminate') !== undefined || find(entries, current, plugin.name, 'Abort') !== undefined) return calls;
  const run = find(entries, current, plugin.name, 'Run');
  if (run !== undefined) {
    if (run.phase === 'Successful' || run.phase === 'Failed') return calls;
    const at = notBefore(run);
    if (at !== undefined && at > now) return calls;
  }
  calls.push(callFor('Run', current, plugin, run));
  return calls;
}

/** A phase change the merge made (for the StepPluginTransition event). */
export interface StepPluginTransition {
  readonly entry: StepPluginStatus;
  readonly before?: string;
}

/**
 * `status.canary.stepPluginStatuses` with the calls' answers merged in (entries in place, new ones appended), and
 * the phase changes. An answer for a step that is no longer that plugin, a second Terminate or Abort, or a Run of a
 * step already finished, is dropped.
 */
export function mergeStepPluginResults(
  entries: ReadonlyArray<StepPluginStatus>,
  results: ReadonlyArray<StepPluginCallResult>,
  steps: ReadonlyArray<CanaryStep>,
  timing: StepPluginTiming = DEFAULT_STEP_PLUGIN_TIMING,
): { readonly statuses: StepPluginStatus[]; readonly transitions: StepPluginTransition[] } {
  const statuses = entries.slice();
  const transitions: StepPluginTransition[] = [];
  for (const r of results) {
    if (pluginAt(steps, r.index, r.name) === undefined) continue;
    const valid = VALID_PHASES.has(r.phase);
    const invalidMessage = `phase '${r.phase}' is not valid${r.message ? `: ${r.message}` : ''}`;
    const finished = toRfc3339(r.finishedAt);
    if (r.operation === 'Run') {
      const at = statuses.findIndex((e) => e.index === r.index && e.name === r.name && e.operation === 'Run');
      const before = at >= 0 ? statuses[at]! : undefined;
      if (before !== undefined && (before.phase === 'Successful' || before.phase === 'Failed')) continue;
      const phase = valid ? r.phase : 'Error';
      const next: StepPluginStatus = {
        index: r.index,
        name: r.name,
        operation: 'Run',
        phase,
        message: (valid ? r.message : invalidMessage) || undefined,
        startedAt: before?.startedAt ?? toRfc3339(r.startedAt),
        updatedAt: finished,
        finishedAt: phase === 'Successful' || phase === 'Failed' ? finished : undefined,
        backoff:
          phase === 'Error'
            ? goDurationString(timing.errorBackoffMs)
            : phase === 'Running'
              ? goDurationString(r.requeueAfterMs !== undefined && r.requeueAfterMs > timing.minRequeueMs ? r.requeueAfterMs : timing.runningBackoffMs)
              : undefined,
        executions: (before?.executions ?? 0) + 1,
        // An Error keeps the state the plugin last reported, to retry from it.
        status: phase === 'Error' ? (before?.status ?? undefined) : ((r.status ?? undefined) as Json | undefined),
      };
      if (at >= 0) statuses[at] = next;
      else statuses.push(next);
      if (before?.phase !== phase) transitions.push(before === undefined ? { entry: next } : { entry: next, before: before.phase ?? '' });
      continue;
    }
    if (find(statuses, r.index, r.name, r.operation) !== undefined) continue;
    // Terminate and Abort run to completion: a Running answer is recorded as Failed, as upstream does.
    const phase = !valid ? 'Error' : r.phase === 'Running' ? 'Failed' : r.phase;
    const message = !valid ? invalidMessage : r.phase === 'Running' ? `${r.operation.toLowerCase()} cannot run asynchronously: Running is recorded as Failed${r.message ? ` (${r.message})` : ''}` : r.message;
    const entry: StepPluginStatus = {
      index: r.index,
      name: r.name,
      operation: r.operation,
      phase,
      message: message || undefined,
      startedAt: toRfc3339(r.startedAt),
      updatedAt: finished,
      finishedAt: finished,
    };
    statuses.push(entry);
    transitions.push({ entry });
  }
  return { statuses, transitions };
}

/** The event for a phase change (none for a successful Run: RolloutStepCompleted says it). */
export function stepPluginTransitionEvent(t: StepPluginTransition): { readonly message: string; readonly type: 'Normal' | 'Warning' } | undefined {
  const e = t.entry;
  if (e.operation === 'Run' && e.phase === 'Successful') return undefined;
  const what = e.operation === 'Run' ? 'run' : e.operation === 'Terminate' ? 'terminate' : 'abort';
  const message = `Step plugin ${e.name ?? ''} at step ${(e.index ?? 0) + 1}: ${what} is ${e.phase ?? ''}${e.message ? `: ${e.message}` : ''}`;
  return { message, type: e.phase === 'Error' || e.phase === 'Failed' ? 'Warning' : 'Normal' };
}

export type PluginStepOutcome =
  | { readonly _tag: 'Done' }
  | { readonly _tag: 'Wait'; readonly requeueAtMs: number }
  | { readonly _tag: 'Abort'; readonly message: string };

/**
 * Where plugin step `index` stands: a disabled plugin's step is done at once (no entry is written); Successful is
 * done, and so is a Running step that was terminated or aborted; Failed aborts the update; otherwise wait, to be
 * reconciled again when the backoff ends (or soon, when the plugin has not been called yet).
 */
export function pluginStepOutcome(
  entries: ReadonlyArray<StepPluginStatus>,
  index: number,
  name: string,
  now: number,
  disabled: boolean,
  timing: StepPluginTiming = DEFAULT_STEP_PLUGIN_TIMING,
): PluginStepOutcome {
  if (disabled) return { _tag: 'Done' };
  const run = find(entries, index, name, 'Run');
  // Not called yet: the status write that made this step current brings the next reconcile, which calls it.
  if (run === undefined) return { _tag: 'Wait', requeueAtMs: now + 1000 };
  if (run.phase === 'Successful') return { _tag: 'Done' };
  if (run.phase === 'Failed') return { _tag: 'Abort', message: `Step plugin ${name} at step ${index + 1} failed${run.message ? `: ${run.message}` : ''}` };
  if (run.phase === 'Running' && (find(entries, index, name, 'Terminate') !== undefined || find(entries, index, name, 'Abort') !== undefined)) return { _tag: 'Done' };
  const at = notBefore(run);
  // A backoff already over (the Rollout is not Progressing, so nothing calls the plugin): look again later.
  return { _tag: 'Wait', requeueAtMs: at !== undefined && at > now ? at + 100 : now + timing.minRequeueMs };
}
