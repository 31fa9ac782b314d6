/**
 * The canary strategy: from one observation to the status the Rollout should have and the intents that get
 * it there. Pure; every decision carries its reason with the numbers behind it.
 *
 * Order of intents, for safety: ReplicaSets are created or scaled up first, then analysis and experiments
 * are started, then Services and traffic move, and only then do ReplicaSets scale down (traffic has left
 * them) and old revisions get deleted. The status write comes last, so a failed intent leaves the status
 * unwritten and the next reconcile decides again from what it observes.
 */
import * as E from 'fp-ts/lib/Either';
import {
  type AnalysisRun,
  type CanaryStep,
  type Condition,
  type Experiment,
  type PauseCondition,
  type PodTemplateSpec,
  type ReplicaSet,
  type RolloutAnalysisRunStatus,
  type RolloutStatus,
  type TrafficWeights,
  pauseDurationSeconds,
  abortScaleDownDelaySecondsOrDefault,
} from '@rollouts/api';
import { fieldOf } from './AnalysisRunBuilder';
import { canaryReplicaCounts } from './CanaryReplicas';
import { getCondition, setCondition } from './Conditions';
import { nextProgressDeadlineMs, progressDeadlineExceeded } from './ProgressDeadline';
import { canaryFenceposts } from './Fenceposts';
import type { Intent, ReconcileResult, TrafficDestination } from './Intent';
import { intentPlan } from './IntentPlan';
import { progressingCondition } from './ProgressingCondition';
import * as L from './Labels';
import type { RolloutObservation } from './Observation';
import { canonicalJson, fnv32a, safeEncodeString } from './PodTemplateHash';
import { memoByContent } from './internal/Memo';
import { mergedMaps } from './internal/Records';
import { replicaProgressThresholdMet } from './ReplicaProgressThreshold';
import { byRevisionDesc, countsOf, formatLabelSelector, rsAvailable, rsHash, rsName, rsReady, rsRevision, rsScaleDownDeadline, rsSpecReplicas, rsStatusReplicas } from './ReplicaSetView';
import { abortedCondition, finishStatus, resultOf } from './RolloutStatusPhase';
import { pruneHistory, scaleDownOldReplicaSets } from './OldReplicaSets';
import { newReplicaSet, resolveRevision } from './Revisions';
import { TERMINAL_RUN_PHASES, followOrCreateRun, freeName, revisionObjectName, runAbortMessage, runVerdict } from './RolloutAnalysisRuns';
import { rolloutServiceRoles } from './ServiceRoles';
import { fromRfc3339, toRfc3339 } from './Time';
import { trafficWeightToReplicas } from './WeightedReplicas';
import { desiredCanaryWeightOnAbort, trafficWeightOnAbortOrRollback } from './AbortWeight';

/** `currentStepHash`: a hash of the steps, so that editing the steps mid-rollout restarts them. */
export function stepsHash(steps: ReadonlyArray<CanaryStep>): string {
  return stepFacts(steps).hash;
}
/** What a reconcile derives from the steps alone, once per steps array (by identity, then by content). */
const stepFacts = memoByContent((steps: ReadonlyArray<CanaryStep>): { readonly hash: string; readonly setWeights: number[] } => {
  const setWeights: number[] = [];
  for (const s of steps) if (s.setWeight != null) setWeights.push(s.setWeight);
  return { hash: safeEncodeString(String(fnv32a(new TextEncoder().encode(canonicalJson(steps))))), setWeights };
});

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

/** The setCanaryScale in force at step `index`, unless a later one matches the traffic weight. */
export function canaryScaleAtStep(steps: ReadonlyArray<CanaryStep>, index: number): { replicas?: number; weight?: number; matchTrafficWeight?: boolean } | undefined {
  // Past the last step there is no current step, and no setCanaryScale is in force.
  if (index >= steps.length) return undefined;
  for (let i = Math.min(index, steps.length - 1); i >= 0; i--) {
    const s = steps[i]?.setCanaryScale;
    if (s != null) {
      if (s.matchTrafficWeight === true) return undefined;
      // One shape (absent fields `undefined`): a literal with two conditional spreads costs ~0.6 µs in V8 11.
      return { replicas: s.replicas ?? undefined, weight: s.weight ?? undefined };
    }
  }
  return undefined;
}

const TERMINAL = TERMINAL_RUN_PHASES;

/** A run's status entry with the phase and message the run has now (the same object when nothing changed). */
function refreshedRun(entry: RolloutAnalysisRunStatus, run: AnalysisRun | undefined): RolloutAnalysisRunStatus {
  if (run === undefined) return entry;
  const phase = run.status?.phase || 'Pending';
  const message = run.status?.message || undefined;
  if (phase === entry.status && (message ?? undefined) === (entry.message ?? undefined)) return entry;
  return { name: entry.name, status: phase, message };
}

type StepOutcome =
  | { readonly _tag: 'Done' }
  | { readonly _tag: 'Wait'; readonly requeueAtMs?: number }
  | { readonly _tag: 'Pause'; readonly reason: PauseCondition['reason'] }
  | { readonly _tag: 'Abort'; readonly message: string }
  | { readonly _tag: 'Invalid'; readonly message: string };

export function reconcileCanary(obs: RolloutObservation, template: PodTemplateSpec): ReconcileResult {
  const ro = obs.rollout;
  const now = obs.now;
  const nowStr = toRfc3339(now);
  const name = ro.metadata?.name ?? '';
  const spec = ro.spec;
  const canary = spec.strategy?.canary ?? {};
  const prev: RolloutStatus = ro.status ?? {};
  const steps = canary.steps ?? [];
  const R = spec.replicas ?? 1;
  const tr = canary.trafficRouting ?? null;
  const routed = tr != null;
  const maxWeight = tr?.maxTrafficWeight ?? 100;
  // The same arguments as the replica arithmetic below passes, so the fenceposts are looked up once.
  const maxSurge = canary.maxSurge ?? '25%';
  const maxUnavailable = canary.maxUnavailable ?? '25%';
  const fence = canaryFenceposts(R, maxSurge, maxUnavailable);

  const plan = intentPlan();
  const { scaleUps, starts, traffic, scaleDowns, deletes, events, requeueAt, event } = plan;

  // ---- Revisions: which ReplicaSet runs the current template? -------------------------------------------
  const revision = resolveRevision(obs, template);
  if (revision._tag === 'Collision') return revision.result;
  const { owned, newHash, newRevision, newRSName, collisionCount } = revision;
  if (revision.renumber !== undefined) plan.annotateWithNextWrite(newRSName, revision.renumber.annotations, revision.renumber.reason);
  const found = revision.newRS;

  // ---- Where the update stands ---------------------------------------------------------------------------
  const facts = stepFacts(steps);
  const currentStepsHash = facts.hash;
  const isNewUpdate = prev.currentPodHash !== newHash;
  const stepsChanged = !isNewUpdate && prev.currentStepHash != null && prev.currentStepHash !== currentStepsHash;
  let stableHash = prev.stableRS ?? '';
  let stableRS = stableHash === '' ? undefined : owned.find((rs) => rsHash(rs) === stableHash);
  const firstDeploy = stableRS === undefined;
  if (firstDeploy) stableHash = newHash;

  let stepIndex = isNewUpdate || stepsChanged ? 0 : Math.min(prev.currentStepIndex ?? 0, steps.length);
  let pauseConditions: PauseCondition[] = isNewUpdate || prev.pauseConditions == null ? [] : prev.pauseConditions.slice();
  let controllerPause = isNewUpdate ? false : (prev.controllerPause ?? false);
  let abort = isNewUpdate ? false : (prev.abort ?? false);
  let abortedAt = isNewUpdate ? undefined : (prev.abortedAt ?? undefined);
  let promoteFull = isNewUpdate ? false : (prev.promoteFull ?? false);
  let stepRun: RolloutAnalysisRunStatus | undefined = isNewUpdate || stepsChanged ? undefined : (prev.canary?.currentStepAnalysisRunStatus ?? undefined);
  let backgroundRun: RolloutAnalysisRunStatus | undefined = isNewUpdate ? undefined : (prev.canary?.currentBackgroundAnalysisRunStatus ?? undefined);
  let currentExperiment: string | undefined = isNewUpdate || stepsChanged ? undefined : (prev.canary?.currentExperiment ?? undefined);
  let abortMessage: string | undefined;
  let invalidMessage: string | undefined;
  let progressingReason: string | undefined;

  const rolloutTemplateChanged = isNewUpdate && prev.currentPodHash != null && !firstDeploy;
  if (rolloutTemplateChanged) event('RolloutUpdated', `Rollout updated to revision ${newRevision}`);
  if (stepsChanged) event('RolloutUpdated', `Rollout steps changed: restarting at step 1/${steps.length}`);

  // Retry: the user cleared `status.abort` after an abort. Start the steps again.
  if (!abort && abortedAt !== undefined) {
    abortedAt = undefined;
    stepIndex = 0;
    stepRun = undefined;
    backgroundRun = undefined;
    currentExperiment = undefined;
    pauseConditions = [];
    controllerPause = false;
    progressingReason = 'RolloutRetry';
    event('RolloutRetry', `Rollout retried: restarting update to revision ${newRevision} at step 1/${steps.length}`);
  }

  const fullyPromoted = firstDeploy || stableHash === newHash;
  // Rolling back to a recent revision skips the steps (rollbackWindow).
  const window = spec.rollbackWindow?.revisions ?? 0;
  if (!fullyPromoted && isNewUpdate && found !== undefined && stableRS !== undefined && window > 0) {
    const stableRev = rsRevision(stableRS);
    if (rsRevision(found) < stableRev && stableRev - rsRevision(found) <= window) promoteFull = true;
  }

  // Promote: the user cleared the pause conditions while the controller had paused (skip the pause).
  if (controllerPause && pauseConditions.length === 0 && spec.paused !== true) {
    controllerPause = false;
    if (stepIndex < steps.length) {
      const s = steps[stepIndex];
      if (s?.pause != null || s?.analysis != null || s?.experiment != null) {
        event('RolloutStepCompleted', `Rollout step ${stepIndex + 1}/${steps.length} completed (${describeStep(s)}): promoted`);
        stepIndex += 1;
        stepRun = undefined;
        currentExperiment = undefined;
      }
    }
    // An inconclusive background run that was promoted past is replaced by a fresh one.
    if (backgroundRun?.status === 'Inconclusive') backgroundRun = undefined;
    progressingReason = 'RolloutResumed';
    event('RolloutResumed', 'Rollout is resumed');
  }
  if (fullyPromoted || promoteFull) stepIndex = steps.length;

  const newRS = found;
  const others = owned.filter((rs) => rs !== newRS && rs !== stableRS);
  const newAvail = rsAvailable(newRS);

  // ---- Replica arithmetic for a weight -------------------------------------------------------------------
  const weights = prev.canary?.weights ?? undefined;
  const setWeightSteps = facts.setWeights;
  // Asked several times per reconcile with the same arguments (each step looked at, the desired counts): once each.
  // (A few entries: a list scanned is cheaper than a Map with string keys.)
  const countsMemo: Array<{ weight: number; index: number; aborted: boolean; promoteFull: boolean; counts: { canary: number; stable: number } }> = [];
  const countsFor = (weight: number, index: number, aborted: boolean, full: boolean) => {
    for (const m of countsMemo) if (m.weight === weight && m.index === index && m.aborted === aborted && m.promoteFull === full) return m.counts;
    const counts = computeCounts(weight, index, aborted, full);
    countsMemo.push({ weight, index, aborted, promoteFull: full, counts });
    return counts;
  };
  const currentWeights = weights != null ? { canary: weights.canary.weight ?? 0, stable: weights.stable.weight ?? 0 } : undefined;
  const canaryCounts = newRS !== undefined ? countsOf(newRS) : undefined;
  const stableCounts = stableRS !== undefined ? countsOf(stableRS) : undefined;
  const otherCounts = others.map((rs) => countsOf(rs)!);
  // A fixed-shape input (absent fields `undefined`): this runs on every reconcile.
  const computeCounts = (weight: number, index: number, aborted: boolean, full: boolean) =>
    fullyPromoted
      ? { canary: R, stable: 0 }
      : canaryReplicaCounts({
          replicas: R,
          weight,
          maxWeight,
          maxSurge,
          maxUnavailable,
          trafficRouting: routed,
          dynamicStableScale: canary.dynamicStableScale === true,
          minPodsPerReplicaSet: canary.minPodsPerReplicaSet ?? undefined,
          canaryScale: routed ? canaryScaleAtStep(steps, index) : undefined,
          promoteFull: full,
          aborted,
          abortScaleDownDelaySeconds: canary.abortScaleDownDelaySeconds ?? undefined,
          setWeightSteps,
          currentWeights,
          canary: canaryCounts,
          stable: stableCounts,
          others: otherCounts,
        });

  const currentTrafficWeight = weights?.canary.weight ?? 0;
  let weightVerification = false;
  const routers = obs.trafficRouting?.routers;
  if (routers != null) for (let i = 0; i < routers.length && !weightVerification; i++) weightVerification = routers[i]!.supports.includes('verifyWeight');

  /** Whether the canary has the available pods a traffic weight needs. */
  // With a setCanaryScale in force the user chose the canary's size: it carries the weight once those pods
  // are available. Otherwise it needs the pods the weight stands for.
  const canaryCarries = (w: number, index: number) =>
    w === 0 ||
    (routed && canaryScaleAtStep(steps, index) !== undefined
      ? newAvail >= countsFor(w, index, false, false).canary
      : newAvail >= trafficWeightToReplicas(R, w, maxWeight));
  const stableCarries = (w: number) => w >= maxWeight || rsAvailable(stableRS) >= trafficWeightToReplicas(R, maxWeight - w, maxWeight);

  /** At the replica counts a setWeight step asks for (§2.7 AtDesiredReplicaCountsForCanary). */
  const atDesiredCounts = (weight: number, index: number): boolean => {
    const d = countsFor(weight, index, false, false);
    const threshold = canary.replicaProgressThreshold ?? null;
    const canaryOk = replicaProgressThresholdMet(threshold, countsOf(newRS) ?? { replicas: 0, available: 0 }, d.canary);
    if (!canaryOk) return false;
    if (routed && canary.dynamicStableScale === true) return true;
    if (stableRS !== undefined && (rsSpecReplicas(stableRS) !== d.stable || rsStatusReplicas(stableRS) !== d.stable)) return false;
    if (!routed && others.reduce((s, rs) => s + rsAvailable(rs), 0) !== 0) return false;
    return true;
  };

  // ---- Steps ---------------------------------------------------------------------------------------------
  const findRun = (runName: string | undefined): AnalysisRun | undefined =>
    runName === undefined ? undefined : obs.analysisRuns.find((r) => r.metadata?.name === runName);

  /** Start (or follow) an AnalysisRun; returns its status, or an error message. */
  const ensureRun = (
    current: RolloutAnalysisRunStatus | undefined,
    suffix: string | undefined,
    analysis: NonNullable<CanaryStep['analysis']>,
    type: string,
    stepIndex: number | undefined,
    why: () => string,
  ): E.Either<string, RolloutAnalysisRunStatus> => {
    const r = followOrCreateRun({ obs, current, suffix, analysis, selectorLabels: spec.selector?.matchLabels, type, stepIndex, revision: newRevision, stableHash, latestHash: newHash });
    if (E.isLeft(r)) return r;
    if (r.right.create !== undefined) starts.push({ _tag: 'CreateAnalysisRun', analysisRun: r.right.create, reason: `${why()}: created AnalysisRun ${r.right.status.name}` });
    return E.right(r.right.status);
  };

  const judgeRun = (run: RolloutAnalysisRunStatus, kind: string): StepOutcome => {
    switch (runVerdict(run)) {
      case 'Done':
        return { _tag: 'Done' };
      case 'Abort':
        return { _tag: 'Abort', message: runAbortMessage(run, kind) };
      case 'Pause':
        return { _tag: 'Pause', reason: 'InconclusiveAnalysisRun' };
      case 'Wait':
        return { _tag: 'Wait' };
    }
  };

  const evalStep = (step: CanaryStep, index: number): StepOutcome => {
    const where = () => `step ${index + 1}/${steps.length}`;
    if (step.setWeight != null) {
      const w = step.setWeight;
      if (!atDesiredCounts(w, index)) return { _tag: 'Wait' };
      if (routed) {
        if (!canaryCarries(w, index) || (canary.dynamicStableScale === true && !stableCarries(w))) return { _tag: 'Wait' };
        // Every step's weight reaches the router: the step completes on a reconcile that finds it applied
        // (this one sets it), and a verifying router must also have confirmed it.
        // A weight whose canary has no pods (setCanaryScale replicas 0) is routed as 0: never to nothing.
        const routedWeight = countsFor(w, index, false, false).canary === 0 ? 0 : w;
        if (currentTrafficWeight !== routedWeight) return { _tag: 'Wait' };
        if (weightVerification && obs.trafficRouting?.weightVerified !== true) return { _tag: 'Wait' };
      }
      return { _tag: 'Done' };
    }
    if (step.pause != null) {
      const seconds = step.pause.duration == null ? undefined : pauseDurationSeconds(step.pause.duration);
      const existing = pauseConditions.find((p) => p.reason === 'CanaryPauseStep');
      if (seconds === 0) return { _tag: 'Done' };
      if (existing === undefined) return { _tag: 'Pause', reason: 'CanaryPauseStep' };
      if (seconds === undefined) return { _tag: 'Wait' };
      const started = fromRfc3339(existing.startTime) ?? Number.NaN;
      const until = (Number.isNaN(started) ? now : started) + seconds * 1000;
      if (now >= until) {
        pauseConditions = pauseConditions.filter((p) => p !== existing);
        controllerPause = false;
        return { _tag: 'Done' };
      }
      return { _tag: 'Wait', requeueAtMs: until };
    }
    if (step.setCanaryScale != null || step.setHeaderRoute != null || step.setMirrorRoute != null) {
      // A setCanaryScale step completes once the canary (and, without dynamic scaling, the stable) are at the counts
      // it asks for, with the canary's pods available (upstream AtDesiredReplicaCountsForCanary).
      if (step.setCanaryScale != null && !atDesiredCounts(weightAtStep(steps, index, maxWeight), index)) return { _tag: 'Wait' };
      if (step.setHeaderRoute != null)
        traffic.push({ _tag: 'SetHeaderRoute', name: step.setHeaderRoute.name ?? '', match: step.setHeaderRoute.match ?? [], reason: `${where()}: header route ${step.setHeaderRoute.name ?? ''}` });
      if (step.setMirrorRoute != null)
        traffic.push({
          _tag: 'SetMirrorRoute',
          name: step.setMirrorRoute.name,
          match: step.setMirrorRoute.match ?? [],
          percentage: step.setMirrorRoute.percentage ?? 100,
          reason: `${where()}: mirror route ${step.setMirrorRoute.name}`,
        });
      return { _tag: 'Done' };
    }
    if (step.analysis != null) {
      const r = ensureRun(stepRun, String(index), step.analysis, L.ROLLOUT_TYPE_STEP, index, where);
      if (E.isLeft(r)) return { _tag: 'Invalid', message: r.left };
      stepRun = r.right;
      return judgeRun(r.right, 'Step-based');
    }
    if (step.experiment != null) {
      let existing = obs.experiments.find((x) => x.metadata?.name === currentExperiment);
      if (existing === undefined) {
        // One made for this revision and step that the status does not name (its status write failed) and that
        // still runs is followed, not duplicated.
        const base = revisionObjectName(name, newHash, newRevision, String(index));
        existing = obs.experiments.find((x) => {
          const n = x.metadata?.name ?? '';
          return (n === base || n.startsWith(`${base}.`)) && x.spec?.terminate !== true && !TERMINAL.has(x.status?.phase ?? '');
        });
        if (existing !== undefined) currentExperiment = existing.metadata?.name ?? undefined;
      }
      if (existing === undefined) {
        const built = buildExperiment(step.experiment, index);
        if (E.isLeft(built)) return { _tag: 'Invalid', message: built.left };
        currentExperiment = built.right.metadata?.name ?? undefined;
        starts.push({ _tag: 'CreateExperiment', experiment: built.right, reason: `${where()}: created Experiment ${currentExperiment}` });
        return { _tag: 'Wait' };
      }
      const phase = existing.status?.phase ?? 'Pending';
      if (phase === 'Successful') return { _tag: 'Done' };
      if (phase === 'Failed' || phase === 'Error') return { _tag: 'Abort', message: `Experiment ${currentExperiment} ${phase === 'Failed' ? 'failed' : 'errored'}${existing.status?.message ? `: ${existing.status.message}` : ''}` };
      if (phase === 'Inconclusive') return { _tag: 'Pause', reason: 'InconclusiveExperiment' };
      return { _tag: 'Wait' };
    }
    return { _tag: 'Invalid', message: `${where()} (${describeStep(step)}) cannot be executed` };
  };

  /** A Rollout argument for an Experiment analysis: pod hashes and Rollout fields resolved now, as upstream. */
  const experimentArgValue = (arg: { value?: string | null; valueFrom?: { podTemplateHashValue?: string | null; fieldRef?: { fieldPath: string } | null } | null }): string | undefined => {
    if (arg.value != null) return arg.value;
    const from = arg.valueFrom;
    if (from?.podTemplateHashValue === 'Stable') return stableHash;
    if (from?.podTemplateHashValue === 'Latest') return newHash;
    if (from?.fieldRef != null) return fieldOf(ro, from.fieldRef.fieldPath);
    return undefined;
  };

  const buildExperiment = (x: NonNullable<CanaryStep['experiment']>, index: number): E.Either<string, Experiment> => {
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
    const expName = freeName(revisionObjectName(name, newHash, newRevision, String(index)), obs.experiments);
    return E.right({
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'Experiment',
      metadata: {
        name: expName,
        namespace: ro.metadata?.namespace ?? undefined,
        labels: L.stepExperimentLabels(ro, newHash),
        annotations: { [L.REVISION]: String(newRevision) },
        ownerReferences: ro.metadata?.uid != null ? [{ apiVersion: 'argoproj.io/v1alpha1', kind: 'Rollout', name, uid: ro.metadata.uid, controller: true, blockOwnerDeletion: true }] : undefined,
      },
      spec: {
        templates,
        duration: x.duration ?? undefined,
        analyses: x.analyses?.map((a) => ({
          name: a.name,
          templateName: a.templateName,
          clusterScope: a.clusterScope ?? undefined,
          requiredForCompletion: a.requiredForCompletion ?? undefined,
          args: a.args?.map((arg) => ({ name: arg.name, value: experimentArgValue(arg) })),
        })),
        dryRun: x.dryRun ?? undefined,
        analysisRunMetadata: x.analysisRunMetadata ?? undefined,
        scaleDownDelaySeconds: x.scaleDownDelaySeconds ?? undefined,
        progressDeadlineSeconds: spec.progressDeadlineSeconds ?? undefined,
      },
    });
  };

  if (!fullyPromoted && !abort) {
    // A timed pause may have run out while paused.
    while (stepIndex < steps.length && spec.paused !== true && invalidMessage === undefined) {
      const step = steps[stepIndex] as CanaryStep;
      if (pauseConditions.some((p) => p.reason !== 'CanaryPauseStep')) break; // inconclusive: wait for promote
      const outcome = evalStep(step, stepIndex);
      if (outcome._tag === 'Done') {
        event('RolloutStepCompleted', `Rollout step ${stepIndex + 1}/${steps.length} completed (${describeStep(step)})`);
        stepIndex += 1;
        stepRun = undefined;
        currentExperiment = undefined;
        continue;
      }
      if (outcome._tag === 'Wait') {
        if (outcome.requeueAtMs !== undefined) requeueAt.push(outcome.requeueAtMs);
        break;
      }
      if (outcome._tag === 'Pause') {
        if (!pauseConditions.some((p) => p.reason === outcome.reason)) {
          pauseConditions = [...pauseConditions, { reason: outcome.reason, startTime: nowStr }];
          event('RolloutPaused', `Rollout is paused (${outcome.reason}) at step ${stepIndex + 1}/${steps.length}`);
          const seconds = step.pause?.duration == null ? undefined : pauseDurationSeconds(step.pause.duration);
          if (seconds !== undefined && seconds > 0) requeueAt.push(now + seconds * 1000);
        }
        controllerPause = true;
        break;
      }
      if (outcome._tag === 'Abort') {
        abort = true;
        abortMessage = outcome.message;
        break;
      }
      invalidMessage = outcome.message;
      break;
    }
    // Background analysis, from its starting step until the update completes.
    const bg = canary.analysis;
    if (bg != null && (bg.templates ?? []).length > 0 && !abort && invalidMessage === undefined && stepIndex >= (bg.startingStep ?? 0)) {
      const r = ensureRun(backgroundRun, undefined, bg, L.ROLLOUT_TYPE_BACKGROUND, undefined, () => 'background analysis');
      if (E.isLeft(r)) invalidMessage = r.left;
      else {
        backgroundRun = r.right;
        const outcome = judgeRun(r.right, 'Background');
        if (outcome._tag === 'Abort') {
          abort = true;
          abortMessage = outcome.message;
        } else if (outcome._tag === 'Pause' && !pauseConditions.some((p) => p.reason === outcome.reason)) {
          pauseConditions = [...pauseConditions, { reason: outcome.reason, startTime: nowStr }];
          controllerPause = true;
          event('RolloutPaused', `Rollout is paused (${outcome.reason}): background analysis ${r.right.name} is inconclusive`);
        }
      }
    }
  }

  // ---- The step's run and experiment are current only while their step is ------------------------------------
  // (A promote that skips a step moves `currentStepIndex` past it; upstream then cancels what the step started.
  // An abort keeps them named in status, with their final phase.)
  if (!abort) {
    const cur = steps[stepIndex];
    if (stepRun !== undefined) {
      const run = findRun(stepRun.name);
      if (cur?.analysis == null || (run !== undefined && run.metadata?.labels?.[L.STEP_INDEX] !== String(stepIndex))) stepRun = undefined;
    }
    if (currentExperiment !== undefined && cur?.experiment == null) currentExperiment = undefined;
  }
  // What status says of a run follows the run, also when this reconcile did not look at it (paused, aborted).
  if (stepRun !== undefined) stepRun = refreshedRun(stepRun, findRun(stepRun.name));
  if (backgroundRun !== undefined) backgroundRun = refreshedRun(backgroundRun, findRun(backgroundRun.name));

  // ---- Abort ----------------------------------------------------------------------------------------------
  if (abort && !fullyPromoted) {
    if (abortedAt === undefined) {
      abortedAt = nowStr;
      pauseConditions = [];
      controllerPause = false;
      event('RolloutAborted', `Rollout aborted update to revision ${newRevision}${abortMessage ? `: ${abortMessage}` : ''}`, 'Warning');
      if (canary.trafficRouting?.managedRoutes != null && canary.trafficRouting.managedRoutes.length > 0)
        traffic.push({ _tag: 'RemoveManagedRoutes', reason: 'aborted: managed routes removed' });
    }
    for (const run of [stepRun, backgroundRun]) {
      if (run !== undefined && !TERMINAL.has(run.status) && findRun(run.name)?.spec.terminate !== true)
        starts.push({ _tag: 'TerminateAnalysisRun', name: run.name, reason: 'rollout aborted' });
    }
    const x = currentExperiment === undefined ? undefined : obs.experiments.find((e) => e.metadata?.name === currentExperiment);
    if (x !== undefined && x.spec?.terminate !== true && !TERMINAL.has(x.status?.phase ?? ''))
      starts.push({ _tag: 'TerminateExperiment', name: currentExperiment!, reason: 'rollout aborted: experiment terminated' });
  }

  // ---- Full promotion ---------------------------------------------------------------------------------------
  let promotedNow = false;
  if (!fullyPromoted && !abort && invalidMessage === undefined && stepIndex >= steps.length && spec.paused !== true) {
    const threshold = canary.replicaProgressThreshold ?? null;
    const ready = newRS !== undefined && (newAvail >= R || (threshold != null && replicaProgressThresholdMet(threshold, countsOf(newRS)!, R)));
    const trafficAtMax = !routed || currentTrafficWeight === maxWeight || steps.length === 0 || promoteFull;
    if (ready && trafficAtMax) {
      promotedNow = true;
      event('RolloutCompleted', `Rollout completed update to revision ${newRevision} (${newHash}): ${R}/${R} pods available`);
      if (backgroundRun !== undefined && !TERMINAL.has(backgroundRun.status))
        starts.push({ _tag: 'TerminateAnalysisRun', name: backgroundRun.name, reason: 'update completed: background analysis terminated' });
      if (canary.trafficRouting?.managedRoutes != null && canary.trafficRouting.managedRoutes.length > 0)
        traffic.push({ _tag: 'RemoveManagedRoutes', reason: 'update completed: managed routes removed' });
    }
  }
  const oldStableRS = promotedNow ? stableRS : undefined;
  if (promotedNow) {
    stableHash = newHash;
    stableRS = newRS;
    promoteFull = false;
    stepIndex = steps.length;
    pauseConditions = [];
    controllerPause = false;
  }
  const promoted = fullyPromoted || promotedNow;

  // ---- Ping-pong: two Services that swap the stable and canary roles at each promotion ---------------------
  // The canary-role Service selects the new revision during the update; at promotion it becomes the stable
  // one (status.canary.stablePingPong flips) instead of the stable Service being re-pointed, so the load
  // balancer's targets never change under live traffic.
  const pp = canary.pingPong ?? undefined;
  const stableWasPong = prev.canary?.stablePingPong === 'pong';
  const stablePingPong: 'ping' | 'pong' | undefined = pp === undefined ? undefined : promotedNow !== stableWasPong ? 'pong' : 'ping';
  const roles = rolloutServiceRoles(canary, stablePingPong);

  // ---- A dynamically scaled canary handing traffic back to stable ------------------------------------------
  // On abort, or on a rollback to the stable revision mid-update (upstream IsDynamicallyRollingBackToStable), the
  // router's canary weight steps down only as fast as stable's available pods can take the traffic.
  const dynamicRouted = routed && canary.dynamicStableScale === true;
  const rollingBack =
    dynamicRouted && fullyPromoted && !firstDeploy && weights != null && (weights.canary.podTemplateHash ?? '') !== newHash && (weights.canary.weight ?? 0) > 0 && newAvail < R;
  let abortTrafficWeight = 0;
  if (dynamicRouted && stableRS !== undefined && ((abort && !promoted) || rollingBack)) {
    const desiredBack = rollingBack
      ? maxWeight
      : newRS === undefined
        ? 0
        : desiredCanaryWeightOnAbort({
            replicas: R,
            maxWeight,
            setWeightSteps,
            stableAvailable: rsAvailable(stableRS),
            canaryAvailable: newAvail,
            abortScaleDownDelaySeconds: canary.abortScaleDownDelaySeconds ?? undefined,
          });
    abortTrafficWeight = trafficWeightOnAbortOrRollback({ replicas: R, maxWeight, desiredWeight: desiredBack, currentWeight: weights?.canary.weight ?? undefined, stableAvailable: rsAvailable(stableRS) });
  }

  // ---- Replica counts ------------------------------------------------------------------------------------
  const desiredWeight = promoted ? maxWeight : abort ? 0 : weightAtStep(steps, stepIndex, maxWeight);
  const desired = promoted ? { canary: R, stable: 0 } : countsFor(desiredWeight, stepIndex, abort, promoteFull);
  let canaryTarget = desired.canary;
  // Never take a canary's last pods while traffic still reaches it (setCanaryScale replicas 0): the weight
  // goes to 0 first, and the pods go on the next reconcile.
  if (routed && !abort && !promoted && canaryTarget === 0 && newRS !== undefined && rsSpecReplicas(newRS) > 0 && currentTrafficWeight > 0) canaryTarget = rsSpecReplicas(newRS);
  // Traffic-routed abort: the canary keeps its pods for abortScaleDownDelaySeconds (0 = forever), counted from
  // when the stable is fully available again; with dynamicStableScale the arithmetic ramps it down instead,
  // unless abortScaleDownDelaySeconds is set explicitly (upstream shouldDelayScaleDownOnAbort).
  if (abort && !promoted && routed && newRS !== undefined && (canary.dynamicStableScale !== true || canary.abortScaleDownDelaySeconds != null) && canaryTarget < rsSpecReplicas(newRS)) {
    const delay = abortScaleDownDelaySecondsOrDefault(spec);
    if (delay === null || delay === 0) canaryTarget = rsSpecReplicas(newRS);
    else {
      const deadline = rsScaleDownDeadline(newRS);
      if (deadline === undefined && rsAvailable(stableRS) < R) canaryTarget = rsSpecReplicas(newRS);
      else if (deadline === undefined) {
        const at = now + delay * 1000;
        scaleDowns.push({ _tag: 'AnnotateReplicaSet', name: newRSName, annotations: { [L.SCALE_DOWN_DEADLINE]: toRfc3339(at) }, reason: `aborted: canary ${newRSName} scales down in ${delay}s` });
        requeueAt.push(at);
        canaryTarget = rsSpecReplicas(newRS);
      } else if (now < deadline) {
        requeueAt.push(deadline);
        canaryTarget = rsSpecReplicas(newRS);
      }
    }
  }

  // (Words for the reasons below, built only when there is a reason to give.)
  const forWhat = () => `${promoted ? 'full promotion' : abort ? 'abort' : `setWeight ${desiredWeight}`}${steps.length > 0 && !promoted ? ` at step ${Math.min(stepIndex + 1, steps.length)}/${steps.length}` : ''}`;
  if (newRS === undefined) {
    const rs = newReplicaSet(obs, template, newHash, newRSName, newRevision, canaryTarget);
    scaleUps.push({ _tag: 'CreateReplicaSet', replicaSet: rs, reason: `created ReplicaSet ${newRSName} (revision ${newRevision}) with ${canaryTarget}/${R} pods for ${forWhat()}` });
    progressingReason ??= 'NewReplicaSetCreated';
    event('ScalingReplicaSet', `Created ReplicaSet ${newRSName} (revision ${newRevision}) with ${canaryTarget} replicas`);
  } else if (rsSpecReplicas(newRS) !== canaryTarget) {
    const into = canaryTarget > rsSpecReplicas(newRS) ? scaleUps : scaleDowns;
    const msg = `canary ${newRSName} scaled from ${rsSpecReplicas(newRS)} to ${canaryTarget}/${R} for ${forWhat()}`;
    into.push({ _tag: 'ScaleReplicaSet', name: newRSName, replicas: canaryTarget, annotations: { [L.DESIRED_REPLICAS]: String(R) }, reason: msg });
    event('ScalingReplicaSet', `Scaled ${canaryTarget > rsSpecReplicas(newRS) ? 'up' : 'down'} ReplicaSet ${newRSName} (revision ${newRevision}) from ${rsSpecReplicas(newRS)} to ${canaryTarget}`);
  }
  if (!promoted && stableRS !== undefined && stableRS !== newRS && rsSpecReplicas(stableRS) !== desired.stable) {
    const into = desired.stable > rsSpecReplicas(stableRS) ? scaleUps : scaleDowns;
    into.push({
      _tag: 'ScaleReplicaSet',
      name: rsName(stableRS),
      replicas: desired.stable,
      annotations: { [L.DESIRED_REPLICAS]: String(R) },
      reason: `stable ${rsName(stableRS)} scaled from ${rsSpecReplicas(stableRS)} to ${desired.stable}/${R} for ${forWhat()}`,
    });
    event('ScalingReplicaSet', `Scaled ${desired.stable > rsSpecReplicas(stableRS) ? 'up' : 'down'} ReplicaSet ${rsName(stableRS)} (revision ${rsRevision(stableRS)}) from ${rsSpecReplicas(stableRS)} to ${desired.stable}`);
  }

  // The new and stable revisions serve: a scale-down deadline left on one of them (it was an old revision once,
  // and the template went back to it) is removed, unless the new one is waiting out an abort's delay (upstream
  // removeScaleDownDeadlines).
  const abortDelay = abort && !promoted && routed && stableRS !== undefined ? abortScaleDownDelaySecondsOrDefault(spec) : null;
  const abortDelayed = abortDelay !== null && abortDelay > 0 && (canary.dynamicStableScale !== true || canary.abortScaleDownDelaySeconds != null);
  const keepDeadline = abortDelayed ? newRS : undefined;
  for (const rs of stableRS === newRS ? [newRS] : [newRS, stableRS]) {
    if (rs === undefined || rs === keepDeadline || rsScaleDownDeadline(rs) === undefined) continue;
    const n = rsName(rs);
    let merged = false;
    for (const list of [scaleUps, scaleDowns])
      for (let i = 0; i < list.length; i++) {
        const x = list[i]!;
        if (x._tag === 'ScaleReplicaSet' && x.name === n) {
          list[i] = { ...x, annotations: { ...(x.annotations ?? {}), [L.SCALE_DOWN_DEADLINE]: null } };
          merged = true;
        }
      }
    if (!merged) scaleUps.push({ _tag: 'AnnotateReplicaSet', name: n, annotations: { [L.SCALE_DOWN_DEADLINE]: null }, reason: `${n} serves the rollout again: its scale-down deadline is removed` });
  }

  // Older ReplicaSets (the previous stable after promotion, superseded canaries).
  const olds: ReplicaSet[] = [];
  for (let i = 0; i < owned.length; i++) if (owned[i] !== newRS && owned[i] !== stableRS) olds.push(owned[i]!);
  if (olds.length > 1) olds.sort(byRevisionDesc);
  if (routed) {
    // A revision the router's weights or a Service still send traffic to keeps its pods (a rollback to the stable
    // mid-update, or a newer revision that has no available pod yet).
    const referenced = (rs: ReplicaSet): boolean => {
      const h = rsHash(rs);
      if (weights != null && (weights.canary.podTemplateHash === h || weights.stable.podTemplateHash === h)) return true;
      for (const s of obs.services) {
        const n = s.metadata?.name;
        if ((n === canary.canaryService || n === canary.stableService) && n != null && s.spec?.selector?.[L.POD_TEMPLATE_HASH] === h) return true;
      }
      return false;
    };
    const plan = scaleDownOldReplicaSets({
      referenced,
      olds,
      delayed: (rs) => rs === oldStableRS && canary.dynamicStableScale !== true,
      delaySeconds: canary.dynamicStableScale === true ? 0 : (canary.scaleDownDelaySeconds ?? 30),
      revisionLimit: canary.scaleDownDelayRevisionLimit ?? undefined,
      role: 'previous stable',
      now,
    });
    scaleDowns.push(...plan.intents);
    events.push(...plan.events);
    requeueAt.push(...plan.requeueAt);
  } else {
    // Basic canary: old ReplicaSets drain within maxUnavailable, unhealthy pods first (§2.7).
    const all = owned;
    const minAvailable = R - fence.maxUnavailable;
    let budget = all.reduce((s, rs) => s + rsAvailable(rs), 0) - minAvailable;
    for (const rs of olds) {
      const spec0 = rsSpecReplicas(rs);
      if (spec0 === 0) continue;
      const unhealthy = Math.max(0, spec0 - rsAvailable(rs));
      const cut = Math.min(spec0, unhealthy + Math.max(0, budget));
      if (cut <= 0) continue;
      budget -= Math.max(0, cut - unhealthy);
      scaleDowns.push({ _tag: 'ScaleReplicaSet', name: rsName(rs), replicas: spec0 - cut, reason: `old ReplicaSet ${rsName(rs)} (revision ${rsRevision(rs)}) scaled from ${spec0} to ${spec0 - cut} (min available ${minAvailable}/${R})` });
      event('ScalingReplicaSet', `Scaled down ReplicaSet ${rsName(rs)} (revision ${rsRevision(rs)}) from ${spec0} to ${spec0 - cut}`);
    }
  }

  // ---- Services and traffic ----------------------------------------------------------------------------
  // A Service moves to a revision only once it has an available pod (upstream ensureSVCTargets), and a Service
  // not yet managed by a Rollout is adopted only once the revision is fully available: never traffic to nothing.
  // An aborted basic canary points the canary Service back at the stable; a traffic-routed one does so once the
  // router sends the canary nothing (at once without dynamic scaling); a dynamic rollback to the stable leaves
  // the canary Service on the previous canary until the stable is fully available.
  const canaryServiceHash =
    abort && !promoted
      ? !routed || canary.dynamicStableScale !== true || abortTrafficWeight === 0
        ? stableHash
        : undefined
      : rollingBack
        ? undefined
        : newHash;
  const serviceTargets: Array<[string | null | undefined, string | undefined, boolean]> = [
    // [service, hash (undefined: leave it), whether the revision's availability is checked]
    [canary.stableService, stableHash, true],
    [canary.canaryService, canaryServiceHash, !(abort && routed)],
  ];
  if (pp !== undefined) {
    // The stable role always selects the stable revision (at promotion it already does: it was the canary role).
    serviceTargets.push([roles.stableService, stableHash, true]);
    // The canary role follows the update; once promoted it keeps its old revision and gets no traffic.
    // (Without an availability check, as upstream: the router sends it nothing until the canary has pods.)
    if (!promoted) serviceTargets.push([roles.canaryService, newHash, false]);
  }
  for (let t = 0; t < serviceTargets.length; t++) {
    const [svcName, hash, checked] = serviceTargets[t]!;
    if (svcName == null || svcName === '' || hash === undefined) continue;
    let svc: (typeof obs.services)[number] | undefined;
    for (let i = 0; i < obs.services.length && svc === undefined; i++) if (obs.services[i]!.metadata?.name === svcName) svc = obs.services[i];
    if (svc === undefined) continue;
    if (svc.spec?.selector?.[L.POD_TEMPLATE_HASH] === hash) continue;
    if (checked) {
      const target = owned.find((rs) => rsHash(rs) === hash);
      const avail = rsAvailable(target);
      if (avail === 0) continue;
      const adopting = svc.metadata?.annotations?.[L.MANAGED_BY] == null;
      if (adopting && (rsSpecReplicas(target) === 0 || avail < rsSpecReplicas(target))) continue;
    }
    traffic.unshift({ _tag: 'PatchServiceSelector', service: svcName, podTemplateHash: hash, rollout: name, reason: `Service ${svcName} now selects revision ${hash}` });
  }

  let newWeights: TrafficWeights | undefined = prev.canary?.weights ?? undefined;
  if (routed) {
    let w: number;
    if (rollingBack) w = abortTrafficWeight;
    else if (promoted) w = 0;
    else if (abort) w = dynamicRouted ? abortTrafficWeight : 0;
    else if (newAvail === 0 || desired.canary === 0) w = 0;
    else if (desiredWeight > currentTrafficWeight) w = canaryCarries(desiredWeight, stepIndex) ? desiredWeight : currentTrafficWeight;
    else w = canary.dynamicStableScale === true && !stableCarries(desiredWeight) ? currentTrafficWeight : desiredWeight;
    const stableSvcHash = stableHash;
    // Experiment templates with a weight get their own share while the experiment step runs.
    const additional: TrafficDestination[] = [];
    const xStep = !promoted && !abort ? steps[stepIndex]?.experiment : undefined;
    const running = xStep != null ? obs.experiments.find((x) => x.metadata?.name === currentExperiment) : undefined;
    if (xStep != null && running !== undefined && !TERMINAL.has(running.status?.phase ?? '')) {
      for (const t of xStep.templates) {
        const ts = (running.status?.templateStatuses ?? []).find((s) => s.name === t.name);
        if (t.weight != null && ts?.serviceName != null && ts.podTemplateHash != null && ts.status === 'Running')
          additional.push({ serviceName: ts.serviceName, podTemplateHash: ts.podTemplateHash, weight: t.weight });
      }
    }
    const extra = additional.reduce((sum, d) => sum + d.weight, 0);
    const next: TrafficWeights = {
      canary: { weight: w, serviceName: roles.canaryService, podTemplateHash: rollingBack ? (weights?.canary.podTemplateHash ?? newHash) : promoted ? stableHash : newHash },
      stable: { weight: Math.max(0, maxWeight - w - extra), serviceName: roles.stableService, podTemplateHash: stableSvcHash },
      additional: additional.length > 0 ? additional : undefined,
      verified: weightVerification ? w === currentTrafficWeight && obs.trafficRouting?.weightVerified === true : undefined,
    };
    const before = weights?.additional ?? [];
    const sameAdditional = before.length === 0 && additional.length === 0 ? true : JSON.stringify(before) === JSON.stringify(additional);
    // With ping-pong a promotion swaps the Services under the same weight: the router must hear of it then too.
    const sameServices = weights == null || (weights.canary.serviceName === roles.canaryService && weights.stable.serviceName === roles.stableService);
    if (weights == null || (weights.canary.weight ?? 0) !== w || !sameAdditional || !sameServices) {
      traffic.push({
        _tag: 'SetWeight',
        weight: w,
        maxWeight,
        additionalDestinations: additional,
        reason: `traffic to canary ${currentTrafficWeight} -> ${w} of ${maxWeight}${extra > 0 ? `, ${extra} to experiment` : ''} (${newAvail}/${R} canary pods available)`,
      });
      event('TrafficWeightUpdated', `Traffic weight updated from ${currentTrafficWeight} to ${w}${extra > 0 ? ` (+${extra} experiment)` : ''}`);
    }
    newWeights = next;
  }

  // ---- History ---------------------------------------------------------------------------------------------
  const pruned = pruneHistory(olds, spec.revisionHistoryLimit ?? 10);
  if (pruned.length > 0) deletes.push(...pruned);

  // ---- Status ----------------------------------------------------------------------------------------------
  let statusReplicas = 0;
  let available = 0;
  let ready = 0;
  for (let i = 0; i < owned.length; i++) {
    const rs = owned[i]!;
    statusReplicas += rsStatusReplicas(rs);
    available += rsAvailable(rs);
    ready += rsReady(rs);
  }
  const updated = rsStatusReplicas(newRS);
  // One shape for every status this function writes (absent fields are `undefined`, which JSON and `jsonEqual`
  // treat as absent): object literals with conditional spreads cost a runtime call per spread on the hot path.
  const canaryStatus: NonNullable<RolloutStatus['canary']> = {
    currentStepAnalysisRunStatus: stepRun,
    currentBackgroundAnalysisRunStatus: backgroundRun !== undefined && !promotedNow ? backgroundRun : undefined,
    currentExperiment,
    weights: newWeights,
    stablePingPong: stablePingPong ?? prev.canary?.stablePingPong ?? undefined,
  };
  const paused = spec.paused === true || pauseConditions.length > 0;
  const draft: RolloutStatus = {
    abort: abort ? true : undefined,
    pauseConditions: pauseConditions.length > 0 ? pauseConditions : undefined,
    controllerPause: controllerPause ? true : undefined,
    abortedAt,
    currentPodHash: newHash,
    currentStepHash: currentStepsHash,
    replicas: statusReplicas,
    updatedReplicas: updated,
    readyReplicas: ready,
    availableReplicas: available,
    currentStepIndex: steps.length > 0 ? Math.min(stepIndex, steps.length) : undefined,
    collisionCount: collisionCount !== null ? collisionCount : undefined,
    observedGeneration: String(ro.metadata?.generation ?? 0),
    canary: canaryStatus,
    HPAReplicas: statusReplicas,
    selector: formatLabelSelector(spec.selector),
    stableRS: stableHash,
    promoteFull: promoteFull ? true : undefined,
    restartedAt: prev.restartedAt ?? undefined,
    workloadObservedGeneration: prev.workloadObservedGeneration ?? undefined,
    conditions: undefined,
    phase: undefined,
    message: undefined,
  };

  // Conditions.
  let conditions: Condition[] = [];
  if (prev.conditions != null) for (let i = 0; i < prev.conditions.length; i++) if (prev.conditions[i]!.type !== 'InvalidSpec') conditions.push(prev.conditions[i]!);
  const newRSLabel = newRSName;
  const completed = promoted && rsAvailable(newRS) >= R && olds.every((rs) => rsSpecReplicas(rs) === 0 || rsScaleDownDeadline(rs) !== undefined);
  const step = steps[stepIndex];
  const detail = `${rsAvailable(newRS)}/${R} new pods available${steps.length > 0 ? `, step ${Math.min(stepIndex + 1, steps.length)}/${steps.length}` : ''}`;
  const progressing = progressingCondition({
    prevConditions: prev.conditions,
    conditions,
    invalidMessage,
    aborted: abort,
    abortMessage,
    paused,
    completed,
    rolloutName: name,
    newRSName: newRSLabel,
    newRevision,
    reason: progressingReason ?? (newRS === undefined ? 'NewReplicaSetCreated' : 'ReplicaSetUpdated'),
    detail,
    // The deadline does not run while the rollout waits on purpose (pause, analysis, experiment).
    deadlineApplies: !(step != null && (step.pause != null || step.analysis != null || step.experiment != null)),
    progressDeadlineSeconds: spec.progressDeadlineSeconds,
    progressDeadlineAbort: spec.progressDeadlineAbort === true,
    now,
  });
  conditions = progressing.conditions;
  if (progressing.requeueAt !== undefined) requeueAt.push(progressing.requeueAt);
  if (progressing.exceededNow)
    event('RolloutNotCompleted', `Rollout did not progress within progressDeadlineSeconds ${spec.progressDeadlineSeconds ?? 600}: ${detail}`, 'Warning');
  if (progressing.abort) abort = true;
  const status = finishStatus({ rollout: ro, draft, conditions, paused, aborted: abort, availableReplicas: available, newHash, stableHash, newRevision, now });
  return resultOf(ro, status, plan.ordered(), requeueAt, now);
}
