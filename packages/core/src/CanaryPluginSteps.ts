/**
 * Plugin steps inside the canary reconcile: the plugin answers of this reconcile are merged into the status the
 * update carries (with a StepPluginTransition event per phase change), and a plugin step is judged from its entry.
 * See StepPlugins.ts for the two halves of a plugin step's reconcile.
 */
import type { CanaryStep } from '@rollouts/api';
import type { CanaryUpdate } from './CanaryUpdate';
import { DEFAULT_STEP_PLUGIN_TIMING, mergeStepPluginResults, pluginStepOutcome, stepPluginTransitionEvent, type PluginStepOutcome } from './StepPlugins';

/** Merge what the plugin calls made before this reconcile answered (not for a new update: they were for the last). */
export function applyStepPluginResults(u: CanaryUpdate): void {
  const results = u.obs.stepPluginResults;
  if (results === undefined || results.length === 0 || u.isNewUpdate) return;
  const merged = mergeStepPluginResults(u.stepPluginStatuses, results, u.steps, u.obs.stepPluginTiming ?? DEFAULT_STEP_PLUGIN_TIMING);
  u.stepPluginStatuses = merged.statuses;
  for (const t of merged.transitions) {
    const e = stepPluginTransitionEvent(t);
    if (e !== undefined) u.plan.event('StepPluginTransition', e.message, e.type);
  }
}

/** Where plugin step `index` stands (a disabled plugin's step is done). */
export function pluginStep(u: CanaryUpdate, plugin: NonNullable<CanaryStep['plugin']>, index: number): PluginStepOutcome {
  const disabled = (u.obs.disabledStepPlugins ?? []).includes(plugin.name);
  return pluginStepOutcome(u.stepPluginStatuses, index, plugin.name, u.now, disabled, u.obs.stepPluginTiming ?? DEFAULT_STEP_PLUGIN_TIMING);
}
