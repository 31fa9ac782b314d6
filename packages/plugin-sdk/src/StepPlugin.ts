/**
 * Step plugins: a canary step (`steps[].plugin: {name, config}`) whose work is done by a plugin, as Argo Rollouts'
 * step plugins. The controller asks the plugin to `run` the step until it answers `Successful` or `Failed`, to
 * `terminate` it when a promotion skips it while it runs, and to `abort` it (undo its effect) when the update is
 * aborted. The plugin reports; `@rollouts/core` decides: it keeps one entry per step and operation in
 * `status.canary.stepPluginStatuses`, advances on `Successful`, aborts the update on `Failed`, and retries after
 * a backoff on `Error`.
 *
 * A failure to do the work (a backend that cannot be reached) is a {@link PluginError}, recorded as phase `Error`
 * with its message and retried; it is never an exception.
 */
import type { Codec, Rollout } from '@rollouts/api';
import type { TaskEither } from 'fp-ts/lib/TaskEither';
import type { KubeObjectClient } from './KubeObjectClient';
import type { Logger } from './Logger';
import type { PluginError } from './PluginError';

/** The phases a step plugin answers with (`Error` is also what the controller records for a {@link PluginError}). */
export type StepPluginPhase = 'Running' | 'Successful' | 'Failed' | 'Error';
export const STEP_PLUGIN_PHASES: ReadonlyArray<StepPluginPhase> = ['Running', 'Successful', 'Failed', 'Error'];

/** What a plugin answers. */
export interface StepResult {
  /**
   * `run`: `Running` (ask again later), `Successful` (the step is done), `Failed` (the update is aborted) or `Error`
   * (something went wrong that a later attempt may fix; asked again after a backoff, until the progress deadline).
   * `terminate` and `abort` run to completion: `Successful` or `Failed` (`Running` is recorded as `Failed`).
   */
  readonly phase: StepPluginPhase;
  /** Shown in `status.canary.stepPluginStatuses[].message` (never a secret). */
  readonly message?: string;
  /** `Running`: ask again after this long (the controller applies a minimum, by default 10 s; absent: 30 s). */
  readonly requeueAfterMs?: number;
  /**
   * The plugin's own state, kept in the step's status entry (`status`) and handed back in the next call's
   * {@link StepContext.status}. JSON only. An `Error` answer keeps the previous state.
   */
  readonly status?: unknown;
}

/** What every call gets. */
export interface StepContext {
  /** The Rollout as the controller last read it (read-only). */
  readonly rollout: Rollout;
  /** Index of the step in `spec.strategy.canary.steps`. */
  readonly stepIndex: number;
  /** What the last `run` of this step returned as `status` (absent on the first run). */
  readonly status?: unknown;
  readonly signal: AbortSignal;
  /** Milliseconds since the epoch. */
  readonly now: number;
}

/** One configured step (a plugin made for one step's `config`). */
export interface StepExecutor {
  /** Do (or check on) the step's work. Called again while it answers `Running` or `Error`. */
  run(ctx: StepContext): TaskEither<PluginError, StepResult>;
  /** A promotion skipped the step while it was running: stop its work. */
  terminate(ctx: StepContext): TaskEither<PluginError, StepResult>;
  /** The update was aborted: undo what the step did (called for running and successful steps, latest first). */
  abort(ctx: StepContext): TaskEither<PluginError, StepResult>;
}

/** What a step plugin gets to build itself. */
export interface StepPluginDeps {
  readonly kube: KubeObjectClient;
  readonly log: Logger;
  /** Milliseconds since the epoch. */
  readonly now: () => number;
  /** Environment the controller was started with. */
  readonly env: Readonly<Record<string, string | undefined>>;
}

/**
 * A step plugin: `name` is what `steps[].plugin.name` says (Argo's convention is `<org>/<name>`); `configCodec`
 * decodes `steps[].plugin.config`, with errors at their field paths.
 */
export interface StepPlugin<C> {
  readonly name: string;
  readonly configCodec: Codec<C>;
  make(deps: StepPluginDeps): (config: C) => StepExecutor;
}

/** Identity with the types spelled out, so an author gets help from the compiler. */
export const defineStepPlugin = <C>(plugin: StepPlugin<C>): StepPlugin<C> => plugin;

/** The methods every step executor must have (a plugin written in plain JavaScript is checked at run time). */
export const REQUIRED_STEP_METHODS = ['run', 'terminate', 'abort'] as const;

/** The required methods `executor` lacks (empty when it has them all). */
export function missingStepMethods(executor: unknown): string[] {
  const r = (typeof executor === 'object' && executor !== null ? executor : {}) as Record<string, unknown>;
  return REQUIRED_STEP_METHODS.filter((m) => typeof r[m] !== 'function');
}

/** Why `result` is not a {@link StepResult} (for plugins written in plain JavaScript), or `undefined`. */
export function stepResultProblem(result: unknown): string | undefined {
  if (typeof result !== 'object' || result === null) return `the answer ${JSON.stringify(result)} is not an object`;
  const r = result as Record<string, unknown>;
  if (typeof r['phase'] !== 'string' || !(STEP_PLUGIN_PHASES as ReadonlyArray<string>).includes(r['phase']))
    return `phase ${JSON.stringify(r['phase'])} is not valid (expected one of ${STEP_PLUGIN_PHASES.join(', ')})`;
  if (r['message'] !== undefined && typeof r['message'] !== 'string') return 'message is not a string';
  if (r['requeueAfterMs'] !== undefined && (typeof r['requeueAfterMs'] !== 'number' || !Number.isFinite(r['requeueAfterMs']) || r['requeueAfterMs'] < 0))
    return `requeueAfterMs ${JSON.stringify(r['requeueAfterMs'])} is not a duration in milliseconds`;
  if (r['status'] !== undefined) {
    try {
      if (JSON.stringify(r['status']) === undefined) return 'status cannot be written as JSON';
    } catch (e) {
      return `status cannot be written as JSON: ${e instanceof Error ? e.message : String(e)}`;
    }
  }
  return undefined;
}
