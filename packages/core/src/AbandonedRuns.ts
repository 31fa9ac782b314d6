/**
 * AnalysisRuns and Experiments a Rollout no longer follows: made for a step that a promote skipped, for a
 * revision that a newer one replaced, or for an update that completed. Upstream cancels every run and experiment
 * of the Rollout that is not current (`rollout/analysis.go`, `rollout/experiment.go`); so do we, once each, with
 * a reason, so that nothing keeps measuring, or keeps pods, for a step nobody waits on.
 */
import type { RolloutStatus } from '@rollouts/api';
import type { Intent } from './Intent';
import type { RolloutObservation } from './Observation';
import { TERMINAL_RUN_PHASES } from './RolloutAnalysisRuns';

/** Terminate intents for the Rollout's runs and Experiments that `status` does not name and that still run. */
export function terminateAbandoned(obs: RolloutObservation, status: RolloutStatus, intents: ReadonlyArray<Intent>): Intent[] {
  const out: Intent[] = [];
  if (obs.analysisRuns.length > 0) {
    const c = status.canary;
    const b = status.blueGreen;
    const step = c?.currentStepAnalysisRunStatus?.name;
    const background = c?.currentBackgroundAnalysisRunStatus?.name;
    const pre = b?.prePromotionAnalysisRunStatus?.name;
    const post = b?.postPromotionAnalysisRunStatus?.name;
    for (const run of obs.analysisRuns) {
      const name = run.metadata?.name;
      if (name == null || name === step || name === background || name === pre || name === post || run.spec?.terminate === true || TERMINAL_RUN_PHASES.has(run.status?.phase ?? '')) continue;
      if (told(intents, 'TerminateAnalysisRun', name)) continue;
      out.push({ _tag: 'TerminateAnalysisRun', name, reason: `AnalysisRun ${name} is no longer current for the Rollout (its step, revision or update is over)` });
    }
  }
  if (obs.experiments.length > 0) {
    const current = status.canary?.currentExperiment;
    for (const x of obs.experiments) {
      const name = x.metadata?.name;
      if (name == null || name === current || x.spec?.terminate === true || TERMINAL_RUN_PHASES.has(x.status?.phase ?? '')) continue;
      if (told(intents, 'TerminateExperiment', name)) continue;
      out.push({ _tag: 'TerminateExperiment', name, reason: `Experiment ${name} is no longer current for the Rollout (its step, revision or update is over)` });
    }
  }
  return out;
}

function told(intents: ReadonlyArray<Intent>, tag: 'TerminateAnalysisRun' | 'TerminateExperiment', name: string): boolean {
  for (const i of intents) if (i._tag === tag && i.name === name) return true;
  return false;
}
