/**
 * Step plugins registered with the controller, and the calls a Rollout's plugin steps need before its reconcile.
 *
 * `@rollouts/core` says which calls the Rollout as read needs (`stepPluginCalls`: run the current step, terminate a
 * running step a promotion skipped, abort the steps of an aborted update, latest first); they are made here, one
 * after the other, each bounded by the router timeout, and their answers go into the observation
 * (`stepPluginResults`) for core to merge into `status.canary.stepPluginStatuses` and decide the step. A plugin
 * failure is an answer, never an exception: a PluginError, a timeout, a throw, a config its codec rejects or an
 * answer that is not a StepResult is phase `Error` with the message (core retries it after a backoff).
 */
import { decode, type Rollout } from '@rollouts/api';
import { DEFAULT_STEP_PLUGIN_TIMING, stepPluginCalls, type RolloutObservation, type StepPluginCall, type StepPluginCallResult, type StepPluginTiming } from '@rollouts/core';
import { missingStepMethods, STEP_PLUGIN_PHASES, stepResultProblem, type StepExecutor, type StepPlugin, type StepPluginDeps } from '@rollouts/plugin-sdk';

/** The part of the observation step plugins add. */
export type StepPluginObservation = Pick<RolloutObservation, 'stepPlugins' | 'disabledStepPlugins' | 'stepPluginResults' | 'stepPluginTiming' | 'stepPluginConfigProblems'>;

export interface StepPluginCallDeps {
  readonly signal: AbortSignal;
  /** Bound of each call. */
  readonly timeoutMs: number;
  readonly now: () => number;
}

/** The step plugins of one controller. */
export interface StepPlugins {
  /** Registered names and disabled names, sorted. */
  names(): string[];
  /**
   * Make the calls `rollout` needs now and return what to add to its observation (`undefined` for a Rollout
   * without plugin steps: nothing to add, not even names, so its observation stays as it was).
   */
  observe(rollout: Rollout, deps: StepPluginCallDeps): Promise<StepPluginObservation | undefined>;
}

export interface StepPluginOptions {
  /** Configured but disabled plugins (Argo's `disabled: true`): their steps are skipped, never called. */
  readonly disabled?: ReadonlyArray<string>;
  readonly timing?: Partial<StepPluginTiming>;
}

/** How many (plugin, config) executors are kept made; past it the oldest are dropped (a config is rarely new). */
const MAX_EXECUTORS = 512;

/** Register `plugins` by name (a name registered twice, or both registered and disabled, throws: a start-up error). */
export function createStepPlugins(plugins: ReadonlyArray<StepPlugin<any>>, deps: StepPluginDeps, options: StepPluginOptions = {}): StepPlugins {
  const byName = new Map<string, StepPlugin<unknown>>();
  for (const p of plugins) {
    if (typeof p?.name !== 'string' || p.name === '') throw new Error('step plugins: a plugin has an empty name');
    if (byName.has(p.name)) throw new Error(`step plugins: name "${p.name}" is registered twice`);
    byName.set(p.name, p);
  }
  const disabled = [...new Set(options.disabled ?? [])];
  for (const name of disabled) if (byName.has(name)) throw new Error(`step plugins: "${name}" is both registered and disabled`);
  const names = [...byName.keys(), ...disabled].sort();
  const timing: StepPluginTiming = { ...DEFAULT_STEP_PLUGIN_TIMING, ...options.timing };
  const makers = new Map<string, (config: unknown) => StepExecutor>();
  const executors = new Map<string, StepExecutor>();

  /** The executor for one step's config, or why there is none (a message naming the field). */
  const executorFor = (call: StepPluginCall): { readonly executor: StepExecutor } | { readonly problem: string } => {
    const plugin = byName.get(call.name);
    const path = `spec.strategy.canary.steps[${call.index}].plugin`;
    if (plugin === undefined) return { problem: `${path}.name: step plugin "${call.name}" is not configured in this controller` };
    const key = `${call.name}\u0000${JSON.stringify(call.config ?? null)}`;
    const made = executors.get(key);
    if (made !== undefined) return { executor: made };
    const decoded = decode(plugin.configCodec, call.config ?? {}, { path: `${path}.config` });
    if (decoded._tag === 'Left') return { problem: decoded.left.map((e) => e.message).join('; ') };
    try {
      let make = makers.get(call.name);
      if (make === undefined) makers.set(call.name, (make = plugin.make(deps)));
      const executor = make(decoded.right);
      const missing = missingStepMethods(executor);
      if (missing.length > 0) return { problem: `the step plugin ${call.name} lacks the required method${missing.length > 1 ? 's' : ''} ${missing.join(', ')} (plugin-sdk StepExecutor)` };
      if (executors.size >= MAX_EXECUTORS) executors.delete(executors.keys().next().value as string);
      executors.set(key, executor);
      return { executor };
    } catch (e) {
      return { problem: `the step plugin ${call.name} could not be made for ${path}.config: ${e instanceof Error ? e.message : String(e)}` };
    }
  };

  const callOne = async (rollout: Rollout, call: StepPluginCall, cd: StepPluginCallDeps): Promise<StepPluginCallResult> => {
    const startedAt = cd.now();
    const answer = (a: Omit<StepPluginCallResult, 'operation' | 'index' | 'name' | 'startedAt' | 'finishedAt'>): StepPluginCallResult => ({
      operation: call.operation,
      index: call.index,
      name: call.name,
      startedAt,
      finishedAt: cd.now(),
      ...a,
    });
    const made = executorFor(call);
    if ('problem' in made) return answer({ phase: 'Error', message: made.problem });
    const timeout = AbortSignal.timeout(cd.timeoutMs);
    const signal = AbortSignal.any([cd.signal, timeout]);
    const ctx = { rollout, stepIndex: call.index, ...(call.status !== undefined ? { status: call.status } : {}), signal, now: startedAt };
    const method = call.operation === 'Run' ? made.executor.run : call.operation === 'Terminate' ? made.executor.terminate : made.executor.abort;
    const what = `step plugin ${call.name} (${call.operation.toLowerCase()} of step ${call.index + 1})`;
    try {
      const task = method.call(made.executor, ctx);
      const timedOut = new Promise<'timeout'>((resolve) => {
        if (signal.aborted) resolve('timeout');
        else signal.addEventListener('abort', () => resolve('timeout'), { once: true });
      });
      const r = await Promise.race([task(), timedOut]);
      if (r === 'timeout') return answer({ phase: 'Error', message: cd.signal.aborted ? `${what} was cancelled (the controller is stopping)` : `${what} did not answer within ${cd.timeoutMs} ms` });
      if (r._tag === 'Left') return answer({ phase: 'Error', message: r.left.message !== '' ? r.left.message : `${what} failed (${r.left._tag})` });
      const problem = stepResultProblem(r.right);
      const phase = (r.right as { phase?: unknown }).phase;
      // A phase that is not one of the four goes to core as it is: it records Error naming it.
      if (problem !== undefined && !(typeof phase === 'string' && !(STEP_PLUGIN_PHASES as ReadonlyArray<string>).includes(phase)))
        return answer({ phase: 'Error', message: `${what} answered something that is not a StepResult: ${problem}` });
      return answer({
        phase: r.right.phase,
        ...(r.right.message !== undefined ? { message: r.right.message } : {}),
        ...(r.right.status !== undefined ? { status: r.right.status } : {}),
        ...(r.right.requeueAfterMs !== undefined ? { requeueAfterMs: r.right.requeueAfterMs } : {}),
      });
    } catch (e) {
      return answer({ phase: 'Error', message: `${what} threw: ${e instanceof Error ? e.message : String(e)}` });
    }
  };

  return {
    names: () => names.slice(),
    async observe(rollout, cd) {
      const steps = rollout.spec.strategy?.canary?.steps;
      if (steps == null || !steps.some((s) => s.plugin != null)) return undefined;
      // A config the plugin's codec refuses makes the Rollout InvalidSpec at the field (no call is made for it).
      const configProblems: Array<{ path: string; message: string }> = [];
      steps.forEach((s, index) => {
        const plugin = s.plugin == null ? undefined : byName.get(s.plugin.name);
        if (plugin === undefined) return;
        const decoded = decode(plugin.configCodec, s.plugin!.config ?? {}, { path: `spec.strategy.canary.steps[${index}].plugin.config` });
        if (decoded._tag === 'Left') for (const e of decoded.left) configProblems.push({ path: e.path, message: e.detail });
      });
      if (configProblems.length > 0) return { stepPlugins: names, disabledStepPlugins: disabled, stepPluginResults: [], stepPluginTiming: timing, stepPluginConfigProblems: configProblems };
      const results: StepPluginCallResult[] = [];
      for (const call of stepPluginCalls(rollout, cd.now(), { disabled })) results.push(await callOne(rollout, call, cd));
      return { stepPlugins: names, disabledStepPlugins: disabled, stepPluginResults: results, stepPluginTiming: timing };
    },
  };
}
