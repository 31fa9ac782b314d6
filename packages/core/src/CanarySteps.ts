/**
 * Canary phase "steps and pauses": walk the steps from the current one while each is done, start (or follow) what
 * a step needs (an AnalysisRun, an Experiment, a header or mirror route), pause where a step or an inconclusive
 * run says so, and abort where a run or an experiment failed. Then the background analysis. Then what a step
 * started stays current only while its step is.
 */
import * as E from 'fp-ts/lib/Either';
import { pauseDurationSeconds, type CanaryStep, type Experiment, type PauseCondition, type PodTemplateSpec, type RolloutAnalysisRunStatus } from '@rollouts/api';
import { rolloutFieldRefValue } from './AnalysisRunBuilder';
import { atDesiredCounts, canaryCarries, countsFor, findRun, stableCarries, type CanaryUpdate } from './CanaryUpdate';
import * as L from './Labels';
import { mergedMaps } from './internal/Records';
import { TERMINAL_RUN_PHASES as TERMINAL, followable, followOrCreateRun, freeName, inFamily, ownerVersionAnnotation, revisionObjectName, runAbortMessage, runVerdict, sameSpec } from './RolloutAnalysisRuns';
import { analysisRunPhaseEvent } from './RolloutStatusPhase';
import { pluginStep } from './CanaryPluginSteps';
import { fromRfc3339 } from './Time';

/** A one-line description of a step, for messages (`setWeight: 20`, `pause: 30s`, `analysis`). */
export function describeStep(step: CanaryStep): string {
  if (step.setWeight != null) return `setWeight: ${step.setWeight}`;
  if (step.pause != null) return step.pause.duration != null ? `pause: ${step.pause.duration}` : 'pause';
  if (step.analysis != null) return `analysis: ${(step.analysis.templates ?? []).map((t) => t.templateName).join(', ')}`;
  if (step.experiment != null) return 'experiment';
  if (step.setCanaryScale != null) return `setCanaryScale: ${JSON.stringify(step.setCanaryScale)}`;
  if (step.setHeaderRoute != null) return `setHeaderRoute: ${step.setHeaderRoute.name ?? ''}`;
  if (step.setMirrorRoute != null) return `setMirrorRoute: ${step.setMirrorRoute.name}`;
  if (step.plugin != null) return `plugin: ${step.plugin.name}`;
  return 'empty step';
}

/** The setWeight in force at step `index` (the nearest at or before it; 0 if none; max once steps are done). */
export function weightAtStep(steps: ReadonlyArray<CanaryStep>, index: number, maxWeight: number): number {
  if (index >= steps.length) return maxWeight;
  for (let i = index; i >= 0; i--) {
    const w = steps[i]?.setWeight;
    if (w != null) return w;
  }
  return 0;
}

type StepOutcome =
  | { readonly _tag: 'Done' }
  | { readonly _tag: 'Wait'; readonly requeueAtMs?: number }
  | { readonly _tag: 'Pause'; readonly reason: PauseCondition['reason'] }
  | { readonly _tag: 'Abort'; readonly message: string }
  | { readonly _tag: 'Invalid'; readonly message: string };

const DONE: StepOutcome = { _tag: 'Done' };
const WAIT: StepOutcome = { _tag: 'Wait' };

/** Walk the steps and the background analysis (phase "steps and pauses"). */
export function advanceSteps(u: CanaryUpdate, template: PodTemplateSpec): void {
  if (u.fullyPromoted || u.abort) return;
  const { steps, plan } = u;
  // A timed pause may have run out while paused.
  while (u.stepIndex < steps.length && u.spec.paused !== true && u.invalidMessage === undefined) {
    const step = steps[u.stepIndex] as CanaryStep;
    if (u.pauseConditions.some((p) => p.reason !== 'CanaryPauseStep')) break; // inconclusive: wait for promote
    const outcome = evalStep(u, step, u.stepIndex, template);
    if (outcome._tag === 'Done') {
      plan.event('RolloutStepCompleted', `Rollout step ${u.stepIndex + 1}/${steps.length} completed (${describeStep(step)})`);
      u.stepIndex += 1;
      u.stepRun = undefined;
      u.currentExperiment = undefined;
      continue;
    }
    if (outcome._tag === 'Wait') {
      if (outcome.requeueAtMs !== undefined) plan.requeueAt.push(outcome.requeueAtMs);
      break;
    }
    if (outcome._tag === 'Pause') {
      if (!u.pauseConditions.some((p) => p.reason === outcome.reason)) {
        // (its RolloutPaused event is recorded with the status write: see pauseStateEvent)
        u.pauseConditions = [...u.pauseConditions, { reason: outcome.reason, startTime: u.nowStr }];
        const seconds = step.pause?.duration == null ? undefined : pauseDurationSeconds(step.pause.duration);
        if (seconds !== undefined && seconds > 0) plan.requeueAt.push(u.now + seconds * 1000);
      }
      u.controllerPause = true;
      break;
    }
    if (outcome._tag === 'Abort') {
      u.abort = true;
      u.abortMessage = outcome.message;
      break;
    }
    u.invalidMessage = outcome.message;
    break;
  }
  backgroundAnalysis(u);
}

/** Background analysis, from its starting step until the update completes. */
function backgroundAnalysis(u: CanaryUpdate): void {
  const bg = u.canary.analysis;
  if (bg == null || (bg.templates ?? []).length === 0 || u.abort || u.promoteFull || u.invalidMessage !== undefined || u.stepIndex < (bg.startingStep ?? 0)) return;
  const r = ensureRun(u, u.backgroundRun, undefined, bg, L.ROLLOUT_TYPE_BACKGROUND, undefined, () => 'background analysis');
  if (E.isLeft(r)) {
    u.invalidMessage = r.left;
    return;
  }
  u.backgroundRun = r.right;
  const outcome = judgeRun(r.right, 'Background');
  if (outcome._tag === 'Abort') {
    u.abort = true;
    u.abortMessage = outcome.message;
  } else if (outcome._tag === 'Pause' && !u.pauseConditions.some((p) => p.reason === outcome.reason)) {
    u.pauseConditions = [...u.pauseConditions, { reason: outcome.reason, startTime: u.nowStr }];
    u.controllerPause = true;
  }
}

/**
 * The step's run and experiment are current only while their step is: a promote that skips a step moves
 * `currentStepIndex` past it, and upstream then cancels what the step started (see `AbandonedRuns`). An abort keeps
 * them named in status. What status says of a run follows the run, also when this reconcile did not look at it.
 */
export function settleStepWork(u: CanaryUpdate): void {
  if (!u.abort) {
    const cur = u.steps[u.stepIndex];
    if (u.stepRun !== undefined) {
      const run = findRun(u, u.stepRun.name);
      if (cur?.analysis == null || (run !== undefined && run.metadata?.labels?.[L.STEP_INDEX] !== String(u.stepIndex))) u.stepRun = undefined;
    }
    if (u.currentExperiment !== undefined) {
      const base = revisionObjectName(u.name, u.newHash, u.newRevision, String(u.stepIndex));
      if (cur?.experiment == null || !(u.currentExperiment === base || u.currentExperiment.startsWith(`${base}.`))) u.currentExperiment = undefined;
    }
  }
  if (u.stepRun !== undefined) u.stepRun = refreshedRun(u.stepRun, findRun(u, u.stepRun.name));
  if (u.backgroundRun !== undefined) u.backgroundRun = refreshedRun(u.backgroundRun, findRun(u, u.backgroundRun.name));
  // AnalysisRun<Phase> on the Rollout when a run it follows changed phase (upstream emitAnalysisRunStatusChanges;
  // the notification triggers on-analysis-run-* key on them). Not for a run created in this reconcile.
  runPhaseEvent(u, u.prev.canary?.currentStepAnalysisRunStatus, u.stepRun, L.ROLLOUT_TYPE_STEP);
  runPhaseEvent(u, u.prev.canary?.currentBackgroundAnalysisRunStatus, u.backgroundRun, L.ROLLOUT_TYPE_BACKGROUND);
}

function runPhaseEvent(u: CanaryUpdate, before: RolloutAnalysisRunStatus | null | undefined, now: RolloutAnalysisRunStatus | undefined, type: string): void {
  if (now === undefined || findRun(u, now.name) === undefined) return;
  const e = analysisRunPhaseEvent(before?.name === now.name ? before : undefined, now, type);
  if (e !== undefined) u.plan.event(e.eventReason, e.message, e.type);
}

/** A run's status entry with the phase and message the run has now (the same object when nothing changed). */
function refreshedRun(entry: RolloutAnalysisRunStatus, run: { status?: { phase?: string | null; message?: string | null } | null } | undefined): RolloutAnalysisRunStatus {
  if (run === undefined) return entry;
  const phase = run.status?.phase || 'Pending';
  const message = run.status?.message || undefined;
  if (phase === entry.status && message === (entry.message ?? undefined)) return entry;
  return { name: entry.name, status: phase, message };
}

function evalStep(u: CanaryUpdate, step: CanaryStep, index: number, template: PodTemplateSpec): StepOutcome {
  if (step.setWeight != null) return setWeightOutcome(u, step.setWeight, index);
  if (step.pause != null) return pauseOutcome(u, step.pause);
  if (step.setCanaryScale != null || step.setHeaderRoute != null || step.setMirrorRoute != null) return scaleOrRouteOutcome(u, step, index);
  if (step.analysis != null) {
    const r = ensureRun(u, u.stepRun, String(index), step.analysis, L.ROLLOUT_TYPE_STEP, index, () => where(u, index));
    if (E.isLeft(r)) return { _tag: 'Invalid', message: r.left };
    u.stepRun = r.right;
    return judgeRun(r.right, 'Step-based');
  }
  if (step.experiment != null) return experimentOutcome(u, step.experiment, index, template);
  if (step.plugin != null) return pluginStep(u, step.plugin, index);
  return { _tag: 'Invalid', message: `${where(u, index)} (${describeStep(step)}) cannot be executed` };
}

const where = (u: CanaryUpdate, index: number) => `step ${index + 1}/${u.steps.length}`;

function setWeightOutcome(u: CanaryUpdate, w: number, index: number): StepOutcome {
  if (!atDesiredCounts(u, w, index)) return WAIT;
  if (u.routed) {
    if (!canaryCarries(u, w, index) || (u.canary.dynamicStableScale === true && !stableCarries(u, w))) return WAIT;
    // Every step's weight reaches the router: the step completes on a reconcile that finds it applied (this one
    // sets it), and a verifying router must also have confirmed it. A weight whose canary has no pods
    // (setCanaryScale replicas 0) is routed as 0: never to nothing.
    const routedWeight = countsFor(u, w, index, false, false).canary === 0 ? 0 : w;
    if (u.currentTrafficWeight !== routedWeight) return WAIT;
    if (u.weightVerification && u.obs.trafficRouting?.weightVerified !== true) return WAIT;
  }
  return DONE;
}

function pauseOutcome(u: CanaryUpdate, pause: NonNullable<CanaryStep['pause']>): StepOutcome {
  const seconds = pause.duration == null ? undefined : pauseDurationSeconds(pause.duration);
  const existing = u.pauseConditions.find((p) => p.reason === 'CanaryPauseStep');
  if (seconds === 0) return DONE;
  if (existing === undefined) return { _tag: 'Pause', reason: 'CanaryPauseStep' };
  if (seconds === undefined) return WAIT;
  const started = fromRfc3339(existing.startTime) ?? Number.NaN;
  const until = (Number.isNaN(started) ? u.now : started) + seconds * 1000;
  if (u.now >= until) {
    u.pauseConditions = u.pauseConditions.filter((p) => p !== existing);
    u.controllerPause = false;
    return DONE;
  }
  return { _tag: 'Wait', requeueAtMs: until };
}

function scaleOrRouteOutcome(u: CanaryUpdate, step: CanaryStep, index: number): StepOutcome {
  // A setCanaryScale step completes once the canary (and, without dynamic scaling, the stable) are at the counts
  // it asks for, with the canary's pods available (upstream AtDesiredReplicaCountsForCanary).
  if (step.setCanaryScale != null && !atDesiredCounts(u, weightAtStep(u.steps, index, u.maxWeight), index)) return WAIT;
  const traffic = u.plan.traffic;
  if (step.setHeaderRoute != null)
    traffic.push({ _tag: 'SetHeaderRoute', name: step.setHeaderRoute.name ?? '', match: step.setHeaderRoute.match ?? [], reason: `${where(u, index)}: header route ${step.setHeaderRoute.name ?? ''}` });
  if (step.setMirrorRoute != null)
    traffic.push({
      _tag: 'SetMirrorRoute',
      name: step.setMirrorRoute.name,
      match: step.setMirrorRoute.match ?? [],
      percentage: step.setMirrorRoute.percentage ?? 100,
      reason: `${where(u, index)}: mirror route ${step.setMirrorRoute.name}`,
    });
  return DONE;
}

/** Start (or follow) an AnalysisRun; its status entry, or an error message. */
function ensureRun(
  u: CanaryUpdate,
  current: RolloutAnalysisRunStatus | undefined,
  suffix: string | undefined,
  analysis: NonNullable<CanaryStep['analysis']>,
  type: string,
  stepIndex: number | undefined,
  why: () => string,
): E.Either<string, RolloutAnalysisRunStatus> {
  const r = followOrCreateRun({ obs: u.obs, current, suffix, analysis, selectorLabels: u.spec.selector?.matchLabels, type, stepIndex, revision: u.newRevision, stableHash: u.stableHash, latestHash: u.newHash });
  if (E.isLeft(r)) return r;
  if (r.right.create !== undefined) u.plan.starts.push({ _tag: 'CreateAnalysisRun', analysisRun: r.right.create, reason: `${why()}: created AnalysisRun ${r.right.status.name}` });
  return E.right(r.right.status);
}

function judgeRun(run: RolloutAnalysisRunStatus, kind: string): StepOutcome {
  switch (runVerdict(run)) {
    case 'Done':
      return DONE;
    case 'Abort':
      return { _tag: 'Abort', message: runAbortMessage(run, kind) };
    case 'Pause':
      return { _tag: 'Pause', reason: 'InconclusiveAnalysisRun' };
    case 'Wait':
      return WAIT;
  }
}

function experimentOutcome(u: CanaryUpdate, x: NonNullable<CanaryStep['experiment']>, index: number, template: PodTemplateSpec): StepOutcome {
  const experiments = u.obs.experiments;
  // The one made for this revision and step (`<base>` or `<base>.N`): an experiment of another step (a promote moved
  // the step index from one experiment step to the next) does not decide this one.
  const base = revisionObjectName(u.name, u.newHash, u.newRevision, String(index));
  const ofThisStep = (n: string) => n === base || n.startsWith(`${base}.`);
  let existing = u.currentExperiment !== undefined && ofThisStep(u.currentExperiment) ? experiments.find((e) => e.metadata?.name === u.currentExperiment) : undefined;
  let built: E.Either<string, Experiment> | undefined;
  if (existing === undefined) {
    // One made for this step that the status does not name (its status write failed) is followed, not duplicated,
    // when it is this Rollout's (controller uid), still runs or was made on the decision this Rollout version is
    // reconciled on again (OWNER_VERSION_ANNOTATION), and is what would be created now (the same spec). Rare, so the
    // desired Experiment is only built when there is such a candidate.
    const uid = u.ro.metadata?.uid ?? undefined;
    const version = u.ro.metadata?.resourceVersion;
    for (const e of experiments) {
      if (!inFamily(e.metadata?.name ?? '', base) || !followable(e, uid, version)) continue;
      built ??= buildExperiment(u, x, index, template);
      if (E.isRight(built) && sameSpec(e.spec, built.right.spec)) {
        existing = e;
        break;
      }
    }
    u.currentExperiment = existing?.metadata?.name ?? undefined;
  }
  if (existing === undefined) {
    built ??= buildExperiment(u, x, index, template);
    if (E.isLeft(built)) return { _tag: 'Invalid', message: built.left };
    u.currentExperiment = built.right.metadata?.name ?? undefined;
    u.plan.starts.push({ _tag: 'CreateExperiment', experiment: built.right, reason: `${where(u, index)}: created Experiment ${u.currentExperiment}` });
    return WAIT;
  }
  const phase = existing.status?.phase ?? 'Pending';
  if (phase === 'Successful') return DONE;
  if (phase === 'Failed' || phase === 'Error')
    return { _tag: 'Abort', message: `Experiment ${u.currentExperiment} ${phase === 'Failed' ? 'failed' : 'errored'}${existing.status?.message ? `: ${existing.status.message}` : ''}` };
  if (phase === 'Inconclusive') return { _tag: 'Pause', reason: 'InconclusiveExperiment' };
  return WAIT;
}

type ExperimentArg = { name: string; value?: string | null; valueFrom?: { podTemplateHashValue?: string | null; fieldRef?: { fieldPath: string } | null } | null };

/** A Rollout argument for an Experiment analysis: pod hashes and Rollout fields resolved now, as upstream. */
function experimentArgValue(u: CanaryUpdate, arg: ExperimentArg): E.Either<string, string | undefined> {
  if (arg.value != null) return E.right(arg.value);
  const from = arg.valueFrom;
  if (from?.podTemplateHashValue === 'Stable') return E.right(u.stableHash);
  if (from?.podTemplateHashValue === 'Latest') return E.right(u.newHash);
  // Kubernetes' field-reference rules, as upstream's fieldpath.ExtractFieldPathAsString: an absent label is "", a
  // path that does not resolve fails the step (never an empty value in its place).
  if (from?.fieldRef != null) return rolloutFieldRefValue(u.ro, arg.name, from.fieldRef.fieldPath);
  return E.right(undefined);
}

function buildExperiment(u: CanaryUpdate, x: NonNullable<CanaryStep['experiment']>, index: number, template: PodTemplateSpec): E.Either<string, Experiment> {
  const { ro, spec, stableRS, name } = u;
  // Fixed shapes (absent fields `undefined`, which JSON leaves out): conditional spreads are slow in V8 11.
  const templates = [];
  for (const t of x.templates) {
    const source = t.specRef === 'canary' ? template : t.specRef === 'stable' ? stableRS?.spec?.template : undefined;
    if (source == null) return E.left(`Invalid template step SpecRef: must be canary or stable, got ${JSON.stringify(t.specRef)}`);
    const labels = mergedMaps(source.metadata?.labels, t.metadata?.labels);
    templates.push({
      name: t.name,
      replicas: t.replicas ?? undefined,
      selector: t.selector ?? { matchLabels: labels },
      template: { ...source, metadata: { ...(source.metadata ?? {}), labels, annotations: mergedMaps(source.metadata?.annotations, t.metadata?.annotations) } },
      // A template that takes traffic needs a Service even when none is asked for.
      service: t.service ?? (t.weight != null ? {} : undefined),
      minReadySeconds: (t.specRef === 'stable' ? stableRS?.spec?.minReadySeconds : undefined) ?? spec.minReadySeconds ?? undefined,
    });
  }
  let analyses: Array<{ name: string; templateName: string; clusterScope: boolean | undefined; requiredForCompletion: boolean | undefined; args: Array<{ name: string; value: string | undefined }> | undefined }> | undefined;
  if (x.analyses != null) {
    analyses = [];
    for (const a of x.analyses) {
      let args: Array<{ name: string; value: string | undefined }> | undefined;
      if (a.args != null) {
        args = [];
        for (const arg of a.args) {
          const v = experimentArgValue(u, arg as ExperimentArg);
          if (E.isLeft(v)) return E.left(`${where(u, index)}: analysis ${a.name}: ${v.left}`);
          args.push({ name: arg.name, value: v.right });
        }
      }
      analyses.push({ name: a.name, templateName: a.templateName, clusterScope: a.clusterScope ?? undefined, requiredForCompletion: a.requiredForCompletion ?? undefined, args });
    }
  }
  const expName = freeName(revisionObjectName(name, u.newHash, u.newRevision, String(index)), u.obs.experiments);
  return E.right({
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Experiment',
    metadata: {
      name: expName,
      namespace: ro.metadata?.namespace ?? undefined,
      labels: L.stepExperimentLabels(ro, u.newHash),
      annotations: { [L.REVISION]: String(u.newRevision), ...ownerVersionAnnotation(ro.metadata?.resourceVersion) },
      ownerReferences: ro.metadata?.uid != null ? [{ apiVersion: 'argoproj.io/v1alpha1', kind: 'Rollout', name, uid: ro.metadata.uid, controller: true, blockOwnerDeletion: true }] : undefined,
    },
    spec: {
      templates,
      duration: x.duration ?? undefined,
      analyses,
      dryRun: x.dryRun ?? undefined,
      analysisRunMetadata: x.analysisRunMetadata ?? undefined,
      scaleDownDelaySeconds: x.scaleDownDelaySeconds ?? undefined,
      progressDeadlineSeconds: spec.progressDeadlineSeconds ?? undefined,
    },
  } as Experiment);
}
