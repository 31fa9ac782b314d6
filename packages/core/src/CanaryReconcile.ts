/**
 * The canary strategy: from one observation to the status the Rollout should have and the intents that get it
 * there. Pure; every decision carries its reason with the numbers behind it.
 *
 * One record (`CanaryUpdate`) goes through named phases, in order:
 *   1. observe the update ({@link observeUpdate}): revisions, where the status says the update stands, retry,
 *      rollback window, promote;
 *   2. steps and pauses ({@link advanceSteps}, then {@link settleStepWork});
 *   3. abort ({@link applyAbort}) and full promotion ({@link promoteIfDone});
 *   4. traffic weights ({@link reconcileWeights}), replica targets ({@link scaleReplicaSets}), old revisions
 *      ({@link scaleDownOldRevisions});
 *   5. services ({@link reconcileServices});
 *   6. status ({@link canaryStatus}).
 *
 * Order of intents, for safety: ReplicaSets are created or scaled up first, then analysis and experiments are
 * started, then Services and traffic move, and only then do ReplicaSets scale down (traffic has left them) and old
 * revisions get deleted. The status write comes last, so a failed intent leaves the status unwritten and the next
 * reconcile decides again from what it observes.
 */
import { abortScaleDownDelaySecondsOrDefault, type CanaryStep, type PodTemplateSpec, type ReplicaSet, type RolloutStatus, type TrafficWeights } from '@rollouts/api';
import { canaryScaleAtStep, countsFor, findRun, type CanaryUpdate } from './CanaryUpdate';
import { advanceSteps, describeStep, settleStepWork, weightAtStep } from './CanarySteps';
import { applyStepPluginResults } from './CanaryPluginSteps';
import { handBack, reconcileServices, reconcileWeights } from './CanaryTraffic';
import { canaryFenceposts } from './Fenceposts';
import type { ReconcileResult } from './Intent';
import { intentPlan } from './IntentPlan';
import * as L from './Labels';
import type { RolloutObservation } from './Observation';
import { canonicalJson, fnv32a, safeEncodeString } from './PodTemplateHash';
import { memoByContent } from './internal/Memo';
import { replicaProgressThresholdMet } from './ReplicaProgressThreshold';
import { byRevisionDesc, countsOf, formatLabelSelector, rsAvailable, rsHash, rsName, rsReady, rsRevision, rsScaleDownDeadline, rsSpecReplicas, rsStatusReplicas } from './ReplicaSetView';
import { notCompletedEvent } from './RolloutStatusPhase';
import { abortForDeadline, beginAbort, clearForFullPromotion, keepAbortedPods, promotedByUser, recordAbort, recordCompletion, recordPauseChange, retryIfAbortCleared, statusTrailer, type TrailerOutcome } from './RolloutUpdate';
import { pruneHistory, scaleDownOldReplicaSets } from './OldReplicaSets';
import { newReplicaSet, resolveRevision } from './Revisions';
import { TERMINAL_RUN_PHASES as TERMINAL } from './RolloutAnalysisRuns';
import { rolloutServiceRoles } from './ServiceRoles';
import { toRfc3339 } from './Time';
import { trafficWeightToReplicas } from './WeightedReplicas';

export { canaryScaleAtStep } from './CanaryUpdate';
export { describeStep, weightAtStep } from './CanarySteps';

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

/**
 * @param deadlineAbort set when an earlier pass of this reconcile found the progress deadline passed with
 *   `progressDeadlineAbort`: the update is decided again as aborted, so the abort acts in this reconcile.
 */
export function reconcileCanary(obs: RolloutObservation, template: PodTemplateSpec, deadlineAbort?: string): ReconcileResult {
  // 1. Observe the update.
  const observed = observeUpdate(obs, template, deadlineAbort);
  if (observed._tag === 'Done') return observed.result;
  const u = observed.update;

  // 2. Steps and pauses; what a step started stays current only while its step is.
  advanceSteps(u, template);
  settleStepWork(u);

  // 3. Abort, or complete the update.
  applyAbort(u);
  promoteIfDone(u);
  const promoted = u.fullyPromoted || u.promotedNow;
  // RolloutPaused / RolloutResumed: the pause state written against the one read (upstream sendStateChangeEvents),
  // recorded before this reconcile's scaling, which upstream does in the reconcile after.
  recordPauseChange(u.plan, u.prev, u);

  // Ping-pong: two Services that swap the stable and canary roles at each promotion. The canary-role Service
  // selects the new revision during the update; at promotion it becomes the stable one (status.canary.stablePingPong
  // flips) instead of the stable Service being re-pointed, so the load balancer's targets never change under traffic.
  const stablePingPong: 'ping' | 'pong' | undefined = u.canary.pingPong == null ? undefined : u.promotedNow !== (u.prev.canary?.stablePingPong === 'pong') ? 'pong' : 'ping';
  const roles = rolloutServiceRoles(u.canary, stablePingPong);
  const back = handBack(u, promoted);

  // 4. Replica targets and the weights the routers are to serve; then old revisions; then the Services.
  const desiredWeight = promoted ? u.maxWeight : u.abort ? 0 : weightAtStep(u.steps, u.stepIndex, u.maxWeight);
  const counted = u.promotedNow ? { canary: u.R, stable: 0 } : countsFor(u, desiredWeight, u.stepIndex, u.abort, u.promoteFull);
  const weights = reconcileWeights(u, promoted, back, roles, desiredWeight, counted.canary);
  // With dynamic scaling each side is sized from the weights it serves: those it is about to serve count too (the
  // arithmetic reads the last written ones). A weight moving back to the stable asks for its pods in the same
  // reconcile, and a canary whose weight is held (the stable cannot take it yet) keeps the pods that weight needs.
  let desired = counted;
  if (u.routed && u.canary.dynamicStableScale === true && !promoted && weights !== undefined) {
    const stableShare = Math.min(u.R, trafficWeightToReplicas(u.R, weights.stable.weight ?? 0, u.maxWeight));
    const canaryShare = u.abort || canaryScaleAtStep(u.steps, u.stepIndex) !== undefined ? 0 : Math.min(u.R, trafficWeightToReplicas(u.R, weights.canary.weight ?? 0, u.maxWeight));
    if (stableShare > counted.stable || canaryShare > counted.canary) desired = { canary: Math.max(counted.canary, canaryShare), stable: Math.max(counted.stable, stableShare) };
  }
  scaleReplicaSets(u, template, promoted, desiredWeight, desired);
  const olds = scaleDownOldRevisions(u);
  reconcileServices(u, promoted, back, roles);

  // History.
  const pruned = pruneHistory(olds, u.spec.revisionHistoryLimit ?? 10);
  if (pruned.length > 0) u.plan.deletes.push(...pruned);

  // 6. Status.
  const result = canaryStatus(u, promoted, olds, weights, stablePingPong);
  // progressDeadlineAbort: the deadline passed (now, or before the field was set): decide again as aborted, so
  // that the abort acts in this reconcile, in one status write.
  if (result._tag === 'AbortNow') return reconcileCanary(obs, template, result.message);
  return result.result;
}

// ---- 1. Observe the update --------------------------------------------------------------------------------------

type Observed = { readonly _tag: 'Done'; readonly result: ReconcileResult } | { readonly _tag: 'Update'; readonly update: CanaryUpdate };

function observeUpdate(obs: RolloutObservation, template: PodTemplateSpec, deadlineAbort: string | undefined): Observed {
  const ro = obs.rollout;
  const spec = ro.spec;
  const canary = spec.strategy?.canary ?? {};
  const prev: RolloutStatus = ro.status ?? {};
  const steps = canary.steps ?? [];
  const R = spec.replicas ?? 1;
  const tr = canary.trafficRouting ?? null;
  const routed = tr != null;
  // The same arguments as the replica arithmetic passes, so the fenceposts are looked up once.
  const maxSurge = canary.maxSurge ?? '25%';
  const maxUnavailable = canary.maxUnavailable ?? '25%';
  const plan = intentPlan();

  // Revisions: which ReplicaSet runs the current template?
  const revision = resolveRevision(obs, template);
  if (revision._tag === 'Collision') return { _tag: 'Done', result: revision.result };
  const { owned, newHash, newRevision, newRSName, collisionCount } = revision;
  if (revision.renumber !== undefined) plan.annotateWithNextWrite(newRSName, revision.renumber.annotations, revision.renumber.reason);
  const newRS = revision.newRS;

  // Where the update stands, as the status says.
  const facts = stepFacts(steps);
  const isNewUpdate = prev.currentPodHash !== newHash;
  const stepsChanged = !isNewUpdate && prev.currentStepHash != null && prev.currentStepHash !== facts.hash;
  let stableHash = prev.stableRS ?? '';
  let stableRS: ReplicaSet | undefined;
  if (stableHash !== '') for (let i = 0; i < owned.length && stableRS === undefined; i++) if (rsHash(owned[i]!) === stableHash) stableRS = owned[i];
  const firstDeploy = stableRS === undefined;
  if (firstDeploy) stableHash = newHash;
  const restart = isNewUpdate || stepsChanged;
  const weights = prev.canary?.weights ?? undefined;
  let weightVerification = false;
  const routers = obs.trafficRouting?.routers;
  if (routers != null) for (let i = 0; i < routers.length && !weightVerification; i++) weightVerification = routers[i]!.supports.includes('verifyWeight');
  const others: ReplicaSet[] = [];
  for (let i = 0; i < owned.length; i++) if (owned[i] !== newRS && owned[i] !== stableRS) others.push(owned[i]!);
  const otherCounts = [];
  for (let i = 0; i < others.length; i++) otherCounts.push(countsOf(others[i])!);

  // One literal with every field (a fixed shape for V8).
  const u: CanaryUpdate = {
    obs,
    ro,
    spec,
    canary,
    prev,
    steps,
    now: obs.now,
    nowStr: toRfc3339(obs.now),
    name: ro.metadata?.name ?? '',
    R,
    routed,
    maxWeight: tr?.maxTrafficWeight ?? 100,
    maxSurge,
    maxUnavailable,
    fence: canaryFenceposts(R, maxSurge, maxUnavailable),
    plan,
    owned,
    newRS,
    newHash,
    newRevision,
    newRSName,
    collisionCount,
    stepsHash: facts.hash,
    setWeightSteps: facts.setWeights,
    isNewUpdate,
    stepsChanged,
    firstDeploy,
    fullyPromoted: firstDeploy || stableHash === newHash,
    weights,
    currentTrafficWeight: weights?.canary.weight ?? 0,
    weightVerification,
    newAvail: rsAvailable(newRS),
    others,
    countsInput: {
      canary: newRS !== undefined ? countsOf(newRS) : undefined,
      stable: stableRS !== undefined ? countsOf(stableRS) : undefined,
      others: otherCounts,
      currentWeights: weights != null ? { canary: weights.canary.weight ?? 0, stable: weights.stable.weight ?? 0 } : undefined,
    },
    countsMemo: [],
    stableHash,
    stableRS,
    stepIndex: restart ? 0 : Math.min(prev.currentStepIndex ?? 0, steps.length),
    // (UpdateProgress as progressFrom builds it, written out: one object instead of two per reconcile)
    pauseConditions: isNewUpdate || prev.pauseConditions == null ? [] : prev.pauseConditions.slice(),
    controllerPause: isNewUpdate ? false : (prev.controllerPause ?? false),
    abort: isNewUpdate ? false : (prev.abort ?? false),
    abortedAt: isNewUpdate ? undefined : (prev.abortedAt ?? undefined),
    promoteFull: isNewUpdate ? false : (prev.promoteFull ?? false),
    stepRun: restart ? undefined : (prev.canary?.currentStepAnalysisRunStatus ?? undefined),
    backgroundRun: isNewUpdate ? undefined : (prev.canary?.currentBackgroundAnalysisRunStatus ?? undefined),
    currentExperiment: restart ? undefined : (prev.canary?.currentExperiment ?? undefined),
    // A new update starts without the last one's plugin step entries (upstream: "status is not used on a new rollout").
    stepPluginStatuses: isNewUpdate ? [] : (prev.canary?.stepPluginStatuses ?? []).slice(),
    abortMessage: undefined,
    invalidMessage: undefined,
    progressingReason: undefined,
    // The first revision is stable at once (upstream shouldFullPromote: "Initial deploy").
    completedBecause: firstDeploy && (prev.stableRS ?? '') === '' ? 'Initial deploy' : undefined,
    abortedNow: false,
    promotedNow: false,
    oldStableRS: undefined,
    rollbackInWindow: false,
  };

  // Upstream records it whenever the Rollout's revision changes, the first deploy (revision 1) included.
  if (isNewUpdate) plan.event('RolloutUpdated', `Rollout updated to revision ${newRevision}`);

  applyStepPluginResults(u);
  if (retryIfAbortCleared(u)) restartSteps(u);
  if (clearForFullPromotion(u)) stopStepWork(u);
  abortForDeadline(u, deadlineAbort);
  rollbackWithinWindow(u);
  if (u.rollbackInWindow && clearForFullPromotion(u)) stopStepWork(u);
  if (promotedByUser(u, u.spec.paused === true)) skipPromotedStep(u);
  if (u.fullyPromoted || u.promoteFull) u.stepIndex = steps.length;
  return { _tag: 'Update', update: u };
}

/** Retry: the steps start again. */
function restartSteps(u: CanaryUpdate): void {
  u.stepIndex = 0;
  u.stepPluginStatuses = [];
  stopStepWork(u);
}

/** Runs and the experiment no longer decide anything (a retry, promote --full): they are no longer current. */
function stopStepWork(u: CanaryUpdate): void {
  u.stepRun = undefined;
  u.backgroundRun = undefined;
  u.currentExperiment = undefined;
}

/** Rolling back to a recent revision skips the steps (rollbackWindow). */
function rollbackWithinWindow(u: CanaryUpdate): void {
  const window = u.spec.rollbackWindow?.revisions ?? 0;
  if (u.fullyPromoted || !u.isNewUpdate || u.newRS === undefined || u.stableRS === undefined || window <= 0) return;
  const stableRev = rsRevision(u.stableRS);
  const rev = rsRevision(u.newRS);
  if (rev < stableRev && stableRev - rev <= window) {
    u.promoteFull = true;
    u.rollbackInWindow = true;
  }
}

/** Promote: the user cleared the pause conditions the controller set: the step that paused is skipped. */
function skipPromotedStep(u: CanaryUpdate): void {
  if (u.stepIndex < u.steps.length) {
    const s = u.steps[u.stepIndex];
    if (s?.pause != null || s?.analysis != null || s?.experiment != null) {
      u.plan.event('RolloutStepCompleted', `Rollout step ${u.stepIndex + 1}/${u.steps.length} completed (${describeStep(s)}): promoted`);
      u.stepIndex += 1;
      u.stepRun = undefined;
      u.currentExperiment = undefined;
    }
  }
  // An inconclusive background run that was promoted past is replaced by a fresh one.
  if (u.backgroundRun?.status === 'Inconclusive') u.backgroundRun = undefined;
}

// ---- 3. Abort and full promotion --------------------------------------------------------------------------------

/** An abort (asked, or decided by a step): pauses end, managed routes go, what the update started is terminated. */
function applyAbort(u: CanaryUpdate): void {
  if (!u.abort || u.fullyPromoted) return;
  const { plan } = u;
  if (u.abortedAt === undefined && u.canary.trafficRouting?.managedRoutes != null && u.canary.trafficRouting.managedRoutes.length > 0)
    plan.traffic.push({ _tag: 'RemoveManagedRoutes', reason: 'aborted: managed routes removed' });
  beginAbort(u, u.nowStr);
  for (const run of [u.stepRun, u.backgroundRun]) {
    if (run !== undefined && !TERMINAL.has(run.status) && findRun(u, run.name)?.spec.terminate !== true) plan.starts.push({ _tag: 'TerminateAnalysisRun', name: run.name, reason: 'rollout aborted' });
  }
  const x = u.currentExperiment === undefined ? undefined : u.obs.experiments.find((e) => e.metadata?.name === u.currentExperiment);
  if (x !== undefined && x.spec?.terminate !== true && !TERMINAL.has(x.status?.phase ?? '')) plan.starts.push({ _tag: 'TerminateExperiment', name: u.currentExperiment!, reason: 'rollout aborted: experiment terminated' });
}

/** Full promotion: every step done (or promote-full), the new revision available, traffic at the maximum. */
function promoteIfDone(u: CanaryUpdate): void {
  if (u.fullyPromoted || u.abort || u.invalidMessage !== undefined || u.stepIndex < u.steps.length || u.spec.paused === true) return;
  const { newRS, R } = u;
  const threshold = u.canary.replicaProgressThreshold ?? null;
  const ready = newRS !== undefined && (u.newAvail >= R || (threshold != null && replicaProgressThresholdMet(threshold, countsOf(newRS)!, R)));
  const trafficAtMax = !u.routed || u.currentTrafficWeight === u.maxWeight || u.steps.length === 0 || u.promoteFull;
  if (!ready || !trafficAtMax) return;
  u.promotedNow = true;
  u.completedBecause = u.rollbackInWindow ? 'Rollback within window' : u.promoteFull ? 'Full promotion requested' : `Completed all ${u.steps.length} canary steps`;
  if (u.backgroundRun !== undefined && !TERMINAL.has(u.backgroundRun.status))
    u.plan.starts.push({ _tag: 'TerminateAnalysisRun', name: u.backgroundRun.name, reason: 'update completed: background analysis terminated' });
  if (u.canary.trafficRouting?.managedRoutes != null && u.canary.trafficRouting.managedRoutes.length > 0) u.plan.traffic.push({ _tag: 'RemoveManagedRoutes', reason: 'update completed: managed routes removed' });
  u.oldStableRS = u.stableRS;
  u.stableHash = u.newHash;
  u.stableRS = newRS;
  u.promoteFull = false;
  u.stepIndex = u.steps.length;
  u.pauseConditions = [];
  u.controllerPause = false;
}

// ---- 4. Replica targets -------------------------------------------------------------------------------------------

/**
 * Whether an aborted update's canary keeps its pods for abortScaleDownDelaySeconds (upstream
 * shouldDelayScaleDownOnAbort): traffic-routed only; with dynamicStableScale the arithmetic ramps the canary down
 * instead, unless the delay is set explicitly.
 */
const delaysAbortScaleDown = (u: CanaryUpdate, promoted: boolean): boolean =>
  u.abort && !promoted && u.routed && (u.canary.dynamicStableScale !== true || u.canary.abortScaleDownDelaySeconds != null);

/** The delay an aborted canary waits out (null: none, or forever when 0), once the stable exists. */
function abortScaleDownDelayed(u: CanaryUpdate, promoted: boolean): number | null {
  if (!delaysAbortScaleDown(u, promoted) || u.stableRS === undefined) return null;
  return abortScaleDownDelaySecondsOrDefault(u.spec);
}

function scaleReplicaSets(u: CanaryUpdate, template: PodTemplateSpec, promoted: boolean, desiredWeight: number, desired: { readonly canary: number; readonly stable: number }): void {
  const { newRS, stableRS, R, plan, newRSName, newRevision, steps } = u;
  const { scaleUps, scaleDowns } = plan;
  let canaryTarget = desired.canary;
  // Never take a canary's last pods while traffic still reaches it (setCanaryScale replicas 0): the weight goes to
  // 0 first, and the pods go on the next reconcile.
  if (u.routed && !u.abort && !promoted && canaryTarget === 0 && newRS !== undefined && rsSpecReplicas(newRS) > 0 && u.currentTrafficWeight > 0) canaryTarget = rsSpecReplicas(newRS);
  // Traffic-routed abort: the canary keeps its pods for abortScaleDownDelaySeconds (0 = forever), counted from when
  // the stable is fully available again.
  if (delaysAbortScaleDown(u, promoted) && newRS !== undefined && canaryTarget < rsSpecReplicas(newRS)) {
    if (keepAbortedPods(plan, newRS, abortScaleDownDelaySecondsOrDefault(u.spec), rsAvailable(stableRS) >= R, u.now, 'canary')) canaryTarget = rsSpecReplicas(newRS);
  }

  // (Words for the reasons below, built only when there is a reason to give.)
  const forWhat = () =>
    `${promoted ? 'full promotion' : u.abort ? 'abort' : `setWeight ${desiredWeight}`}${steps.length > 0 && !promoted ? ` at step ${Math.min(u.stepIndex + 1, steps.length)}/${steps.length}` : ''}`;
  if (newRS === undefined) {
    const rs = newReplicaSet(u.obs, template, u.newHash, newRSName, newRevision, canaryTarget);
    scaleUps.push({ _tag: 'CreateReplicaSet', replicaSet: rs, reason: `created ReplicaSet ${newRSName} (revision ${newRevision}) with ${canaryTarget}/${R} pods for ${forWhat()}` });
    u.progressingReason ??= 'NewReplicaSetCreated';
    // Upstream creates at 0, records NewReplicaSetCreated, writes the status (RolloutNotCompleted), then scales; we
    // create at the size in one write, and say all three in that order.
    plan.event('NewReplicaSetCreated', `Created ReplicaSet ${newRSName} (revision ${newRevision})`);
    notCompleted(u);
    if (canaryTarget > 0) plan.event('ScalingReplicaSet', `Scaled up ReplicaSet ${newRSName} (revision ${newRevision}) from 0 to ${canaryTarget}`);
  } else if (rsSpecReplicas(newRS) !== canaryTarget) {
    notCompleted(u);
    const into = canaryTarget > rsSpecReplicas(newRS) ? scaleUps : scaleDowns;
    const msg = `canary ${newRSName} scaled from ${rsSpecReplicas(newRS)} to ${canaryTarget}/${R} for ${forWhat()}`;
    into.push({ _tag: 'ScaleReplicaSet', name: newRSName, replicas: canaryTarget, annotations: { [L.DESIRED_REPLICAS]: String(R) }, reason: msg });
    plan.event('ScalingReplicaSet', `Scaled ${canaryTarget > rsSpecReplicas(newRS) ? 'up' : 'down'} ReplicaSet ${newRSName} (revision ${newRevision}) from ${rsSpecReplicas(newRS)} to ${canaryTarget}`);
  } else notCompleted(u);
  if (!promoted && stableRS !== undefined && stableRS !== newRS && rsSpecReplicas(stableRS) !== desired.stable) {
    const into = desired.stable > rsSpecReplicas(stableRS) ? scaleUps : scaleDowns;
    into.push({
      _tag: 'ScaleReplicaSet',
      name: rsName(stableRS),
      replicas: desired.stable,
      annotations: { [L.DESIRED_REPLICAS]: String(R) },
      reason: `stable ${rsName(stableRS)} scaled from ${rsSpecReplicas(stableRS)} to ${desired.stable}/${R} for ${forWhat()}`,
    });
    plan.event('ScalingReplicaSet', `Scaled ${desired.stable > rsSpecReplicas(stableRS) ? 'up' : 'down'} ReplicaSet ${rsName(stableRS)} (revision ${rsRevision(stableRS)}) from ${rsSpecReplicas(stableRS)} to ${desired.stable}`);
  }
  const kept = abortScaleDownDelayed(u, promoted);
  removeServingDeadlines(u, kept !== null && kept > 0 ? newRS : undefined);
}

/**
 * The new and stable revisions serve: a scale-down deadline left on one of them (it was an old revision once, and
 * the template went back to it) is removed, except on `keep` (the canary waiting out an abort's delay); upstream
 * removeScaleDownDeadlines. In the same write as the ReplicaSet's scale when there is one.
 */
function removeServingDeadlines(u: CanaryUpdate, keep: ReplicaSet | undefined): void {
  const { scaleUps, scaleDowns } = u.plan;
  if ((u.newRS === undefined || rsScaleDownDeadline(u.newRS) === undefined) && (u.stableRS === undefined || rsScaleDownDeadline(u.stableRS) === undefined)) return;
  for (const rs of u.stableRS === u.newRS ? [u.newRS] : [u.newRS, u.stableRS]) {
    if (rs === undefined || rs === keep || rsScaleDownDeadline(rs) === undefined) continue;
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
}

/** Older ReplicaSets (the previous stable after promotion, superseded canaries); they are returned, newest first. */
function scaleDownOldRevisions(u: CanaryUpdate): ReplicaSet[] {
  const { owned, newRS, stableRS, plan, canary, R } = u;
  const olds: ReplicaSet[] = [];
  for (let i = 0; i < owned.length; i++) if (owned[i] !== newRS && owned[i] !== stableRS) olds.push(owned[i]!);
  if (olds.length > 1) olds.sort(byRevisionDesc);
  if (olds.length === 0) return olds;
  if (u.routed) {
    // A revision the router's weights or a Service still send traffic to keeps its pods (a rollback to the stable
    // mid-update, or a newer revision that has no available pod yet): upstream isReplicaSetReferenced.
    const referenced = (rs: ReplicaSet): boolean => {
      const h = rsHash(rs);
      const w = u.weights;
      if (w != null && (w.canary.podTemplateHash === h || w.stable.podTemplateHash === h)) return true;
      for (const s of u.obs.services) {
        const n = s.metadata?.name;
        if (n != null && (n === canary.canaryService || n === canary.stableService) && s.spec?.selector?.[L.POD_TEMPLATE_HASH] === h) return true;
      }
      return false;
    };
    const old = scaleDownOldReplicaSets({
      referenced,
      olds,
      // Upstream (scaleDownOldReplicaSetsForCanary): once fully promoted, every older ReplicaSet still scaled up
      // keeps its pods for scaleDownDelaySeconds (at most scaleDownDelayRevisionLimit of them); an intermediate one
      // (V2 when V3 arrived mid-update) goes to 0 at once. (The previous stable may still be referenced in the
      // reconcile that promotes: it gets its deadline in the next one.)
      delayed: () => (u.fullyPromoted || u.promotedNow) && canary.dynamicStableScale !== true,
      delaySeconds: canary.dynamicStableScale === true ? 0 : (canary.scaleDownDelaySeconds ?? 30),
      revisionLimit: canary.scaleDownDelayRevisionLimit ?? undefined,
      role: 'previous stable',
      now: u.now,
    });
    plan.scaleDowns.push(...old.intents);
    plan.events.push(...old.events);
    plan.requeueAt.push(...old.requeueAt);
    return olds;
  }
  // Basic canary: old ReplicaSets drain within maxUnavailable, unhealthy pods first (§2.7).
  const minAvailable = R - u.fence.maxUnavailable;
  let budget = 0;
  for (let i = 0; i < owned.length; i++) budget += rsAvailable(owned[i]);
  budget -= minAvailable;
  for (const rs of olds) {
    const spec0 = rsSpecReplicas(rs);
    if (spec0 === 0) continue;
    const unhealthy = Math.max(0, spec0 - rsAvailable(rs));
    const cut = Math.min(spec0, unhealthy + Math.max(0, budget));
    if (cut <= 0) continue;
    budget -= Math.max(0, cut - unhealthy);
    plan.scaleDowns.push({ _tag: 'ScaleReplicaSet', name: rsName(rs), replicas: spec0 - cut, reason: `old ReplicaSet ${rsName(rs)} (revision ${rsRevision(rs)}) scaled from ${spec0} to ${spec0 - cut} (min available ${minAvailable}/${R})` });
    plan.event('ScalingReplicaSet', `Scaled down ReplicaSet ${rsName(rs)} (revision ${rsRevision(rs)}) from ${spec0} to ${spec0 - cut}`);
  }
  return olds;
}

/**
 * `RolloutNotCompleted` when an update starts (the Completed condition turns False: upstream records it then,
 * before the new ReplicaSet's scaling), once.
 */
function notCompleted(u: CanaryUpdate): void {
  const message = notCompletedEvent(u.prev.conditions, u.prev.stableRS ?? '', u.newHash, u.newRevision);
  if (message !== undefined) u.plan.event('RolloutNotCompleted', message);
}

// ---- 6. Status ------------------------------------------------------------------------------------------------------

function canaryStatus(u: CanaryUpdate, promoted: boolean, olds: ReadonlyArray<ReplicaSet>, weights: TrafficWeights | undefined, stablePingPong: 'ping' | 'pong' | undefined): TrailerOutcome {
  const { owned, newRS, R, steps, stepIndex, prev, spec, ro, plan } = u;
  let statusReplicas = 0;
  let available = 0;
  let ready = 0;
  for (let i = 0; i < owned.length; i++) {
    const rs = owned[i]!;
    statusReplicas += rsStatusReplicas(rs);
    available += rsAvailable(rs);
    ready += rsReady(rs);
  }
  // One shape for every status this function writes (absent fields are `undefined`, which JSON and `jsonEqual`
  // treat as absent): object literals with conditional spreads cost a runtime call per spread on the hot path.
  const canaryStatus: NonNullable<RolloutStatus['canary']> = {
    currentStepAnalysisRunStatus: u.stepRun,
    currentBackgroundAnalysisRunStatus: u.backgroundRun !== undefined && !u.promotedNow ? u.backgroundRun : undefined,
    currentExperiment: u.currentExperiment,
    weights,
    stablePingPong: stablePingPong ?? prev.canary?.stablePingPong ?? undefined,
    stepPluginStatuses: u.stepPluginStatuses.length > 0 ? u.stepPluginStatuses : undefined,
  };
  const draft: RolloutStatus = {
    abort: u.abort ? true : undefined,
    pauseConditions: u.pauseConditions.length > 0 ? u.pauseConditions : undefined,
    controllerPause: u.controllerPause ? true : undefined,
    abortedAt: u.abortedAt,
    currentPodHash: u.newHash,
    currentStepHash: u.stepsHash,
    replicas: statusReplicas,
    updatedReplicas: rsStatusReplicas(newRS),
    readyReplicas: ready,
    availableReplicas: available,
    currentStepIndex: steps.length > 0 ? Math.min(stepIndex, steps.length) : undefined,
    collisionCount: u.collisionCount !== null ? u.collisionCount : undefined,
    observedGeneration: String(ro.metadata?.generation ?? 0),
    canary: canaryStatus,
    HPAReplicas: statusReplicas,
    selector: formatLabelSelector(spec.selector),
    stableRS: u.stableHash,
    promoteFull: u.promoteFull ? true : undefined,
    restartedAt: prev.restartedAt ?? undefined,
    // Set by reconcileRollout from the workloadRef target; upstream clears it when there is no workloadRef.
    workloadObservedGeneration: spec.workloadRef != null ? (prev.workloadObservedGeneration ?? undefined) : undefined,
    conditions: undefined,
    phase: undefined,
    message: undefined,
  };

  let completed = promoted && rsAvailable(newRS) >= R;
  for (let i = 0; i < olds.length && completed; i++) completed = rsSpecReplicas(olds[i]) === 0 || rsScaleDownDeadline(olds[i]!) !== undefined;
  const step = steps[stepIndex];
  // Events recorded with the status write, in upstream's order (sendStateChangeEvents, promoteStable). (An
  // AbortNow outcome discards this plan: the reconcile is decided again.)
  recordAbort(plan, u, u.newRevision);
  recordCompletion(plan, u, u.newRevision, u.newHash);
  return statusTrailer({
    rollout: ro,
    prev,
    progress: u,
    plan,
    draft,
    completed,
    promoted,
    newRS,
    newRSName: u.newRSName,
    newHash: u.newHash,
    stableHash: u.stableHash,
    newRevision: u.newRevision,
    availableReplicas: available,
    detail: `${rsAvailable(newRS)}/${R} new pods available${steps.length > 0 ? `, step ${Math.min(stepIndex + 1, steps.length)}/${steps.length}` : ''}`,
    // The deadline does not run while the rollout waits on purpose (pause, analysis, experiment).
    deadlineApplies: !(step != null && (step.pause != null || step.analysis != null || step.experiment != null)),
    now: u.now,
  });
}

