/**
 * The blue-green strategy: the new revision comes up beside the active one behind the preview Service, is
 * analysed and (optionally) paused for judgement, scaled to full size, and only then does the active Service
 * switch to it; the old revision keeps its pods for `scaleDownDelaySeconds` so a rollback is instant.
 *
 * Level-triggered like the canary: where the update stands is read from the status and the cluster —
 * `status.blueGreen.scaleUpPreviewCheckPoint` records that the pause and pre-promotion analysis are done,
 * `status.blueGreen.activeSelector` that the switch happened, `status.stableRS` that the update completed.
 *
 * One record (`BlueGreenUpdate`, which extends the skeleton's `UpdateProgress`) goes through named phases:
 *   1. observe the update ({@link observeUpdate}): revisions, the status read, retry, promote-full, fast rollback,
 *      promote;
 *   2. before the switch ({@link prePromotion}): pre-promotion analysis, the pause, the scale-up checkpoint;
 *   3. the switch and after it ({@link switchAndPostPromotion}): post-promotion analysis, completion;
 *   4. abort ({@link applyAbort});
 *   5. replica targets ({@link scaleReplicaSets}) and old revisions ({@link scaleDownOldRevisions});
 *   6. Services ({@link reconcileServices}); 7. status ({@link blueGreenStatus}).
 */
import * as E from 'fp-ts/lib/Either';
import type { BlueGreenStatus, PauseCondition, PodTemplateSpec, ReplicaSet, Rollout, RolloutAnalysisRunStatus, RolloutStatus } from '@rollouts/api';
import type { ReconcileResult } from './Intent';
import { intentPlan, type IntentPlan } from './IntentPlan';
import * as L from './Labels';
import type { RolloutObservation } from './Observation';
import { byRevisionDesc, formatLabelSelector, rsAvailable, rsHash, rsName, rsReady, rsRevision, rsSpecReplicas, rsStatusReplicas } from './ReplicaSetView';
import { pruneHistory, scaleDownOldReplicaSets } from './OldReplicaSets';
import { newReplicaSet, resolveRevision } from './Revisions';
import { TERMINAL_RUN_PHASES, followOrCreateRun, runAbortMessage, runVerdict } from './RolloutAnalysisRuns';
import { analysisRunPhaseEvent, notCompletedEvent } from './RolloutStatusPhase';
import {
  abortForDeadline,
  beginAbort,
  clearForFullPromotion,
  keepAbortedPods,
  progressFrom,
  promotedByUser,
  recordAbort,
  recordCompletion,
  recordPauseChange,
  retryIfAbortCleared,
  statusTrailer,
  type TrailerOutcome,
  type UpdateProgress,
} from './RolloutUpdate';
import { toRfc3339 } from './Time';

type BlueGreenStrategy = NonNullable<NonNullable<Rollout['spec']['strategy']>['blueGreen']>;

/** The record the blue-green phases work on: what was observed (fixed), and where the update stands. */
interface BlueGreenUpdate extends UpdateProgress {
  readonly obs: RolloutObservation;
  readonly ro: Rollout;
  readonly spec: Rollout['spec'];
  readonly bg: BlueGreenStrategy;
  readonly prev: RolloutStatus;
  readonly now: number;
  readonly nowStr: string;
  readonly name: string;
  readonly R: number;
  readonly plan: IntentPlan;
  readonly owned: ReadonlyArray<ReplicaSet>;
  readonly newRS: ReplicaSet | undefined;
  readonly newHash: string;
  readonly newRevision: number;
  readonly newRSName: string;
  readonly collisionCount: number | null;
  readonly isNewUpdate: boolean;
  readonly firstDeploy: boolean;
  readonly newSpec: number;
  readonly newAvail: number;
  /** The revision the active Service served before this reconcile (it keeps its pods for a while when it stops). */
  readonly servedHash: string;
  /** The active Service had switched to the new revision before this reconcile. */
  readonly switched: boolean;

  stableHash: string;
  stableRS: ReplicaSet | undefined;
  /** `status.blueGreen.scaleUpPreviewCheckPoint`: the pause and pre-promotion analysis are done. */
  checkpoint: boolean;
  preRun: RolloutAnalysisRunStatus | undefined;
  postRun: RolloutAnalysisRunStatus | undefined;
  /** The revision the active Service is to select. */
  activeHash: string;
  fullyPromoted: boolean;
  /** The pause was promoted (by the user, auto-promotion, or promote-full) in this reconcile. */
  pauseDone: boolean;
  /** Why a fast rollback completes (it goes through promoteFull, but nobody asked for a full promotion). */
  fastTrack: string | undefined;
  /** The first pause's reason, for the RolloutPaused event. */
  pauseWhy: string | undefined;
}

/**
 * @param deadlineAbort set (to the timed-out message) when this reconcile found the progress deadline exceeded
 *   with `progressDeadlineAbort`: the reconcile is decided again as an abort, so that it acts in this reconcile.
 */
export function reconcileBlueGreen(obs: RolloutObservation, template: PodTemplateSpec, deadlineAbort?: string): ReconcileResult {
  const observed = observeUpdate(obs, template, deadlineAbort);
  if (observed._tag === 'Done') return observed.result;
  const u = observed.update;
  if (!u.fullyPromoted && !u.abort) {
    prePromotion(u);
    switchAndPostPromotion(u);
  }
  const oldStable = u.fullyPromoted && !u.firstDeploy && u.stableHash !== u.newHash ? u.stableRS : undefined;
  if (u.fullyPromoted) {
    u.stableHash = u.newHash;
    u.stableRS = u.newRS;
    u.promoteFull = false;
    u.pauseConditions = [];
    u.controllerPause = false;
    u.checkpoint = false;
  }
  applyAbort(u);
  const scaled = scaleReplicaSets(u, template);
  scaleDownOldRevisions(u, scaled.activeRS, oldStable);
  reconcileServices(u, scaled.previewSvcName);
  const outcome = blueGreenStatus(u, scaled.newTarget, scaled.newScaleEventAt);
  // progressDeadlineAbort: the deadline passed (now, or before the field was set). Decide this reconcile again as
  // an abort, so that the abort acts now (active back to stable, preview scale-down deadline, runs terminated) in one
  // status write; upstream writes abort now and acts on the next reconcile.
  if (outcome._tag === 'AbortNow') return reconcileBlueGreen(obs, template, outcome.message);
  return outcome.result;
}

// ---- 1. Observe the update --------------------------------------------------------------------------------------

type Observed = { readonly _tag: 'Done'; readonly result: ReconcileResult } | { readonly _tag: 'Update'; readonly update: BlueGreenUpdate };

function observeUpdate(obs: RolloutObservation, template: PodTemplateSpec, deadlineAbort: string | undefined): Observed {
  const ro = obs.rollout;
  const spec = ro.spec;
  const bg = spec.strategy?.blueGreen ?? {};
  const prev: RolloutStatus = ro.status ?? {};
  const plan = intentPlan();

  const revision = resolveRevision(obs, template);
  if (revision._tag === 'Collision') return { _tag: 'Done', result: revision.result };
  const { owned, newHash, newRevision, newRSName, collisionCount } = revision;
  if (revision.renumber !== undefined) plan.annotateWithNextWrite(newRSName, revision.renumber.annotations, revision.renumber.reason);
  const newRS = revision.newRS;

  const isNewUpdate = prev.currentPodHash !== newHash;
  let stableHash = prev.stableRS ?? '';
  const stableRS = stableHash === '' ? undefined : owned.find((rs) => rsHash(rs) === stableHash);
  const firstDeploy = stableRS === undefined;
  if (firstDeploy) stableHash = newHash;
  const prevBG: BlueGreenStatus = prev.blueGreen ?? {};
  // Which revision the active Service serves: recorded in status, else what the Service selects now.
  const activeSvc = bg.activeService ? obs.services.find((s) => s.metadata?.name === bg.activeService) : undefined;
  const servedHash = prevBG.activeSelector ?? activeSvc?.spec?.selector?.[L.POD_TEMPLATE_HASH] ?? (firstDeploy ? newHash : stableHash);
  const fullyPromoted = firstDeploy || stableHash === newHash;

  const u: BlueGreenUpdate = {
    ...progressFrom(prev, isNewUpdate),
    obs,
    ro,
    spec,
    bg,
    prev,
    now: obs.now,
    nowStr: toRfc3339(obs.now),
    name: ro.metadata?.name ?? '',
    R: spec.replicas ?? 1,
    plan,
    owned,
    newRS,
    newHash,
    newRevision,
    newRSName,
    collisionCount,
    isNewUpdate,
    firstDeploy,
    newSpec: rsSpecReplicas(newRS),
    newAvail: rsAvailable(newRS),
    servedHash,
    switched: !fullyPromoted && servedHash === newHash,
    stableHash,
    stableRS,
    checkpoint: isNewUpdate ? false : (prevBG.scaleUpPreviewCheckPoint ?? false),
    preRun: isNewUpdate ? undefined : (prevBG.prePromotionAnalysisRunStatus ?? undefined),
    postRun: isNewUpdate ? undefined : (prevBG.postPromotionAnalysisRunStatus ?? undefined),
    activeHash: fullyPromoted ? newHash : servedHash,
    fullyPromoted,
    pauseDone: false,
    fastTrack: undefined,
    pauseWhy: undefined,
  };

  // Upstream emits it whenever the Rollout's revision changes, the first deploy (revision 1) included.
  if (isNewUpdate) plan.event('RolloutUpdated', `Rollout updated to revision ${newRevision}`);
  if (retryIfAbortCleared(u)) {
    u.checkpoint = false;
    u.preRun = undefined;
    u.postRun = undefined;
  }
  // promote --full (also after an abort): upstream's syncRolloutStatusBlueGreen removes the abort (RemoveAbort) and
  // clears the pause conditions; the update then goes straight to full size and the switch.
  clearForFullPromotion(u);
  abortForDeadline(u, deadlineAbort);
  fastRollback(u);
  if (promotedByUser(u, spec.paused === true)) {
    u.pauseDone = true;
    // Promoted past an inconclusive run: a new run decides (upstream's needsNewAnalysisRun), not a verdict rewritten.
    if (u.preRun?.status === 'Inconclusive') u.preRun = undefined;
    if (u.postRun?.status === 'Inconclusive') u.postRun = undefined;
  }
  return { _tag: 'Update', update: u };
}

/**
 * Fast rollback: back to a revision that still holds its pods (a previous active within its scaleDownDelaySeconds)
 * or one within rollbackWindow skips the pause and the analyses, like promote-full.
 */
function fastRollback(u: BlueGreenUpdate): void {
  const { newRS, stableRS } = u;
  if (u.fullyPromoted || !u.isNewUpdate || newRS === undefined || stableRS === undefined) return;
  const window = u.spec.rollbackWindow?.revisions ?? 0;
  const stableRev = rsRevision(stableRS);
  const rev = rsRevision(newRS);
  const withinWindow = window > 0 && rev < stableRev && stableRev - rev <= window;
  if (!withinWindow && !hasScaleDownDeadline(newRS)) return;
  u.promoteFull = true;
  // upstream shouldFullPromote's words, in its order
  u.fastTrack = withinWindow ? 'Rollback within window' : u.bg.postPromotionAnalysis != null ? `Rollback to '${u.newRSName}' within scaleDownDelay` : 'Completed blue-green update';
}

// ---- 2 and 3. Before the switch, the switch, after it ---------------------------------------------------------------

/** Follow (or start) a pre- or post-promotion run; its status entry. */
function follow(u: BlueGreenUpdate, current: RolloutAnalysisRunStatus | undefined, suffix: string, analysis: NonNullable<BlueGreenStrategy['prePromotionAnalysis']>, type: string): RolloutAnalysisRunStatus | undefined {
  const r = followOrCreateRun({ obs: u.obs, current, suffix, analysis, selectorLabels: u.spec.selector?.matchLabels, type, revision: u.newRevision, stableHash: u.stableHash, latestHash: u.newHash });
  if (E.isLeft(r)) {
    u.invalidMessage = r.left;
    return current;
  }
  if (r.right.create !== undefined) u.plan.starts.push({ _tag: 'CreateAnalysisRun', analysisRun: r.right.create, reason: `${type} analysis: created AnalysisRun ${r.right.status.name}` });
  else {
    const changed = analysisRunPhaseEvent(current, r.right.status, type);
    if (changed !== undefined) u.plan.event(changed.eventReason, changed.message, changed.type);
  }
  return r.right.status;
}

function addPause(u: BlueGreenUpdate, reason: PauseCondition['reason'], why: string): void {
  if (!u.pauseConditions.some((p) => p.reason === reason)) {
    if (u.pauseConditions.length === 0) u.pauseWhy = why;
    u.pauseConditions = [...u.pauseConditions, { reason, startTime: u.nowStr }];
  }
  u.controllerPause = true;
}

/** A run's verdict applied: true when it succeeded; an abort or an inconclusive pause otherwise. */
function judge(u: BlueGreenUpdate, run: RolloutAnalysisRunStatus, kind: 'Pre-promotion' | 'Post-promotion'): boolean {
  const v = runVerdict(run);
  if (v === 'Done') return true;
  if (v === 'Abort') {
    u.abort = true;
    u.abortMessage = runAbortMessage(run, kind);
  } else if (v === 'Pause') addPause(u, 'InconclusiveAnalysisRun', `${kind.toLowerCase()} analysis ${run.name} is inconclusive`);
  return false;
}

/** Before the switch: pre-promotion analysis, then the pause (auto-promotion), then the scale-up checkpoint. */
function prePromotion(u: BlueGreenUpdate): void {
  const { bg, R, newRS } = u;
  const previewCount = bg.previewReplicaCount ?? null;
  const desiredPreview = u.checkpoint || u.promoteFull ? R : (previewCount ?? R);
  const previewReady = newRS !== undefined && u.newSpec === desiredPreview && u.newAvail >= desiredPreview;
  if (u.switched || u.checkpoint || !previewReady || u.spec.paused === true) return;
  let preDone = bg.prePromotionAnalysis == null || (bg.prePromotionAnalysis.templates ?? []).length === 0 || u.promoteFull;
  if (!preDone && bg.prePromotionAnalysis != null) {
    if (u.preRun === undefined || !TERMINAL_RUN_PHASES.has(u.preRun.status)) u.preRun = follow(u, u.preRun, 'pre', bg.prePromotionAnalysis, L.ROLLOUT_TYPE_PRE_PROMOTION);
    if (u.preRun !== undefined) preDone = judge(u, u.preRun, 'Pre-promotion');
  }
  if (!preDone || u.abort || u.invalidMessage !== undefined) return;
  const autoPromotion = bg.autoPromotionEnabled ?? true;
  const seconds = bg.autoPromotionSeconds ?? 0;
  const existing = u.pauseConditions.find((p) => p.reason === 'BlueGreenPause');
  if (u.promoteFull) u.pauseDone = true;
  else if (!u.pauseDone && (!autoPromotion || seconds > 0)) {
    if (existing === undefined) addPause(u, 'BlueGreenPause', `preview ${u.newRSName} is ready (${u.newAvail}/${desiredPreview})`);
    if (autoPromotion && seconds > 0) {
      const started = existing !== undefined ? Date.parse(existing.startTime) : u.now;
      const until = (Number.isNaN(started) ? u.now : started) + seconds * 1000;
      if (u.now >= until) {
        u.pauseConditions = u.pauseConditions.filter((p) => p.reason !== 'BlueGreenPause');
        u.controllerPause = false;
        u.pauseDone = true;
      } else u.plan.requeueAt.push(until);
    }
  } else u.pauseDone = true;
  // (no event: blue-green has no steps upstream)
  if (u.pauseDone && u.pauseConditions.length === 0) u.checkpoint = true;
}

/** The switch, only to a saturated ReplicaSet; then post-promotion analysis, then the update completes. */
function switchAndPostPromotion(u: BlueGreenUpdate): void {
  const { bg, R } = u;
  if (!u.switched && !u.abort && u.invalidMessage === undefined && (u.checkpoint || u.promoteFull) && u.newRS !== undefined && u.newSpec === R && u.newAvail >= R) u.activeHash = u.newHash;
  if (u.activeHash !== u.newHash || u.abort || u.invalidMessage !== undefined) return;
  let postDone = bg.postPromotionAnalysis == null || (bg.postPromotionAnalysis.templates ?? []).length === 0 || u.promoteFull;
  if (!postDone && bg.postPromotionAnalysis != null) {
    if (u.postRun === undefined || !TERMINAL_RUN_PHASES.has(u.postRun.status)) u.postRun = follow(u, u.postRun, 'post', bg.postPromotionAnalysis, L.ROLLOUT_TYPE_POST_PROMOTION);
    if (u.postRun !== undefined) postDone = judge(u, u.postRun, 'Post-promotion');
  }
  if (postDone && !u.abort) {
    u.fullyPromoted = true;
    // (the event follows the Service switch, as upstream's promoteStable follows reconcileActiveService)
    u.completedBecause = u.fastTrack ?? (u.promoteFull ? 'Full promotion requested' : 'Completed blue-green update');
  }
}

// ---- 4. Abort: the active Service goes back to the stable revision ------------------------------------------------

/** Terminate a run that the cluster still shows running (once: a terminated run is not asked again). */
function stopRun(u: BlueGreenUpdate, run: RolloutAnalysisRunStatus | undefined, why: string): void {
  const found = run === undefined ? undefined : u.obs.analysisRuns.find((r) => r.metadata?.name === run.name);
  if (found === undefined || found.spec.terminate === true || TERMINAL_RUN_PHASES.has(found.status?.phase ?? '')) return;
  u.plan.starts.push({ _tag: 'TerminateAnalysisRun', name: run?.name ?? '', reason: why });
}

function applyAbort(u: BlueGreenUpdate): void {
  if (u.abort && !u.fullyPromoted) {
    u.activeHash = u.stableHash;
    beginAbort(u, u.nowStr);
    recordAbort(u.plan, u, u.newRevision);
    for (const run of [u.preRun, u.postRun]) stopRun(u, run, 'rollout aborted');
  } else if (u.fullyPromoted || u.promoteFull) {
    for (const run of [u.preRun, u.postRun]) stopRun(u, run, 'rollout fully promoted');
  }
}

// ---- 5. Replica targets ---------------------------------------------------------------------------------------------

interface Scaled {
  readonly newTarget: number;
  /** Where the new ReplicaSet's scaling event is (RolloutNotCompleted goes before it). */
  readonly newScaleEventAt: number | undefined;
  /** The revision the active Service serves when it is neither new nor stable (an update during post-promotion analysis). */
  readonly activeRS: ReplicaSet | undefined;
  readonly previewSvcName: string | undefined;
}

function scaleReplicaSets(u: BlueGreenUpdate, template: PodTemplateSpec): Scaled {
  const { bg, R, newRS, newRSName, newRevision, newSpec, plan, fullyPromoted } = u;
  const { scaleUps, scaleDowns } = plan;
  let newTarget = fullyPromoted || u.checkpoint || u.promoteFull || u.activeHash === u.newHash ? R : (bg.previewReplicaCount ?? R);
  const aborted = u.abort && !fullyPromoted;
  // After an abort the preview keeps its pods for abortScaleDownDelaySeconds (0: forever).
  if (aborted && newRS !== undefined) {
    const delay = bg.abortScaleDownDelaySeconds ?? 30;
    newTarget = keepAbortedPods(plan, newRS, delay === 0 ? null : delay, true, u.now, 'preview') ? newSpec : 0;
  }
  // A deadline on the new ReplicaSet is left from an abort (now retried) or from its time as a previous active (now
  // rolled back to): it must not scale the revision down later.
  const clearNewDeadline = newRS !== undefined && !aborted && hasScaleDownDeadline(newRS);
  if (clearNewDeadline && newSpec === newTarget)
    scaleUps.push({ _tag: 'AnnotateReplicaSet', name: newRSName, annotations: { [L.SCALE_DOWN_DEADLINE]: null }, reason: `${newRSName} is the current revision again: scale-down deadline removed` });
  // Events in upstream's order: NewReplicaSetCreated, the preview Service's switch, (RolloutNotCompleted, placed at
  // the end,) then the new ReplicaSet's scaling. Upstream creates at 0 and scales; we create at the size, and say both.
  const previewSvc = bg.previewService ? u.obs.services.find((s) => s.metadata?.name === bg.previewService) : undefined;
  const previewFrom = previewSvc?.spec?.selector?.[L.POD_TEMPLATE_HASH] ?? '';
  if (newRS === undefined) plan.event('NewReplicaSetCreated', `Created ReplicaSet ${newRSName} (revision ${newRevision})`);
  if (previewSvc !== undefined && previewFrom !== u.newHash) switchEvent(plan, bg.previewService ?? '', previewFrom, u.newHash);
  let newScaleEventAt: number | undefined;
  if (newRS === undefined) {
    scaleUps.push({ _tag: 'CreateReplicaSet', replicaSet: newReplicaSet(u.obs, template, u.newHash, newRSName, newRevision, newTarget), reason: `created ReplicaSet ${newRSName} (revision ${newRevision}) with ${newTarget}/${R} pods` });
    if (newTarget > 0) {
      newScaleEventAt = plan.events.length;
      plan.event('ScalingReplicaSet', `Scaled up ReplicaSet ${newRSName} (revision ${newRevision}) from 0 to ${newTarget}`);
    }
    u.progressingReason ??= 'NewReplicaSetCreated';
  } else if (newSpec !== newTarget) {
    (newTarget > newSpec ? scaleUps : scaleDowns).push({
      _tag: 'ScaleReplicaSet',
      name: newRSName,
      replicas: newTarget,
      annotations: clearNewDeadline ? { [L.DESIRED_REPLICAS]: String(R), [L.SCALE_DOWN_DEADLINE]: null } : { [L.DESIRED_REPLICAS]: String(R) },
      reason: `${fullyPromoted ? 'active' : 'preview'} ${newRSName} scaled from ${newSpec} to ${newTarget}/${R}`,
    });
    newScaleEventAt = plan.events.length;
    plan.event('ScalingReplicaSet', `Scaled ${newTarget > newSpec ? 'up' : 'down'} ReplicaSet ${newRSName} (revision ${newRevision}) from ${newSpec} to ${newTarget}`);
  }
  // The stable revision (what an abort goes back to) and the revision the active Service serves keep full size;
  // the latter can be neither new nor stable when an update arrives during post-promotion analysis.
  const activeRS = fullyPromoted ? undefined : u.owned.find((rs) => rs !== newRS && rs !== u.stableRS && rsHash(rs) === u.activeHash);
  for (const rs of [u.stableRS, activeRS]) {
    if (fullyPromoted || rs === undefined || rs === newRS || rsSpecReplicas(rs) === R) continue;
    scaleUps.push({ _tag: 'ScaleReplicaSet', name: rsName(rs), replicas: R, annotations: { [L.DESIRED_REPLICAS]: String(R), [L.SCALE_DOWN_DEADLINE]: null }, reason: `${rs === u.stableRS ? 'stable' : 'active'} ${rsName(rs)} back to ${R}/${R}` });
  }
  return { newTarget, newScaleEventAt, activeRS, previewSvcName: previewSvc?.metadata?.name ?? undefined };
}

/** Older revisions: the previous active keeps its pods for scaleDownDelaySeconds, then goes to 0. */
function scaleDownOldRevisions(u: BlueGreenUpdate, activeRS: ReplicaSet | undefined, oldStable: ReplicaSet | undefined): void {
  const { bg, plan } = u;
  const olds = u.owned.filter((rs) => rs !== u.newRS && rs !== u.stableRS && rs !== activeRS).sort(byRevisionDesc);
  const leftActive = (rs: ReplicaSet) => u.servedHash !== u.activeHash && rsHash(rs) === u.servedHash;
  // Upstream (scaleDownOldReplicaSetsForBlueGreen) scales no older ReplicaSet down while paused on an inconclusive
  // analysis, nor while post-promotion analysis has not succeeded when no scaleDownDelaySeconds is given.
  const holdOlds =
    u.pauseConditions.some((p) => p.reason === 'InconclusiveAnalysisRun') ||
    (bg.postPromotionAnalysis != null && bg.scaleDownDelaySeconds == null && !u.fullyPromoted && u.activeHash === u.newHash && u.postRun?.status !== 'Successful');
  const old = scaleDownOldReplicaSets({
    olds: holdOlds ? [] : olds,
    delayed: (rs) => rs === oldStable || leftActive(rs),
    delaySeconds: bg.scaleDownDelaySeconds ?? 30,
    revisionLimit: bg.scaleDownDelayRevisionLimit ?? undefined,
    role: 'previous active',
    now: u.now,
  });
  plan.scaleDowns.push(...old.intents);
  plan.events.push(...old.events);
  plan.requeueAt.push(...old.requeueAt);
  plan.deletes.push(...pruneHistory(olds, u.spec.revisionHistoryLimit ?? 10));
}

// ---- 6. Services ------------------------------------------------------------------------------------------------------

const switchEvent = (plan: IntentPlan, svcName: string, from: string, to: string) => plan.event('SwitchService', `Switched selector for service '${svcName}' from '${from}' to '${to}'`);

function reconcileServices(u: BlueGreenUpdate, previewSvcName: string | undefined): void {
  const { bg, plan } = u;
  // Upstream marks the first revision stable before it points the active Service at it.
  if (u.firstDeploy && u.prev.stableRS !== u.newHash) plan.event('RolloutCompleted', `Rollout completed update to revision ${u.newRevision} (${u.newHash}): Initial deploy`);
  const targets: Array<[string | null | undefined, string]> = [
    [bg.activeService, u.activeHash],
    [bg.previewService, u.newHash],
  ];
  for (const [svcName, hash] of targets) {
    if (svcName == null || svcName === '') continue;
    const svc = u.obs.services.find((s) => s.metadata?.name === svcName);
    const from = svc?.spec?.selector?.[L.POD_TEMPLATE_HASH];
    if (svc === undefined || from === hash) continue;
    plan.traffic.push({ _tag: 'PatchServiceSelector', service: svcName, podTemplateHash: hash, rollout: u.name, reason: `Service ${svcName} now selects revision ${hash}` });
    if (svcName !== previewSvcName) switchEvent(plan, svcName, from ?? '', hash);
  }
  recordCompletion(plan, u, u.newRevision, u.newHash);
}

// ---- 7. Status ----------------------------------------------------------------------------------------------------------

function blueGreenStatus(u: BlueGreenUpdate, newTarget: number, newScaleEventAt: number | undefined): TrailerOutcome {
  const { owned, bg, prev, spec, ro, plan, activeHash } = u;
  // As upstream (syncRolloutStatusBlueGreen): `replicas` counts every ReplicaSet and `updatedReplicas` the new one,
  // but ready, available, HPAReplicas and the selector are the ReplicaSet the active Service selects (the previous
  // active holding its pods through scaleDownDelaySeconds does not keep the Rollout from Healthy); every ReplicaSet
  // and the Rollout's selector only while no ReplicaSet is active.
  let statusReplicas = 0;
  let servingRS: ReplicaSet | undefined;
  for (const rs of owned) {
    statusReplicas += rsStatusReplicas(rs);
    if (servingRS === undefined && rsHash(rs) === activeHash) servingRS = rs;
  }
  let available = 0;
  let ready = 0;
  if (servingRS !== undefined) {
    available = rsAvailable(servingRS);
    ready = rsReady(servingRS);
  } else
    for (const rs of owned) {
      available += rsAvailable(rs);
      ready += rsReady(rs);
    }
  const bgStatus: BlueGreenStatus = {
    ...(bg.previewService ? { previewSelector: u.newHash } : {}),
    activeSelector: activeHash,
    ...(u.checkpoint ? { scaleUpPreviewCheckPoint: true } : {}),
    ...(u.preRun !== undefined ? { prePromotionAnalysisRunStatus: u.preRun } : {}),
    ...(u.postRun !== undefined && !u.fullyPromoted ? { postPromotionAnalysisRunStatus: u.postRun } : {}),
  };
  const draft: RolloutStatus = {
    ...(u.abort ? { abort: true } : {}),
    ...(u.pauseConditions.length > 0 ? { pauseConditions: u.pauseConditions } : {}),
    ...(u.controllerPause ? { controllerPause: true } : {}),
    ...(u.abortedAt !== undefined ? { abortedAt: u.abortedAt } : {}),
    currentPodHash: u.newHash,
    replicas: statusReplicas,
    updatedReplicas: rsStatusReplicas(u.newRS),
    readyReplicas: ready,
    availableReplicas: available,
    ...(u.collisionCount !== null ? { collisionCount: u.collisionCount } : {}),
    observedGeneration: String(ro.metadata?.generation ?? 0),
    blueGreen: bgStatus,
    HPAReplicas: servingRS !== undefined ? rsStatusReplicas(servingRS) : statusReplicas,
    selector: formatLabelSelector(servingRS !== undefined ? (servingRS.spec?.selector ?? spec.selector) : spec.selector),
    stableRS: u.stableHash,
    ...(u.promoteFull ? { promoteFull: true } : {}),
    ...(prev.restartedAt != null ? { restartedAt: prev.restartedAt } : {}),
    // Set by reconcileRollout from the workloadRef target; upstream clears it when there is no workloadRef.
    ...(spec.workloadRef != null && prev.workloadObservedGeneration != null ? { workloadObservedGeneration: prev.workloadObservedGeneration } : {}),
  };
  const notCompleted = notCompletedEvent(prev.conditions, u.stableHash, u.newHash, u.newRevision);
  if (notCompleted !== undefined) {
    if (newScaleEventAt === undefined) plan.event('RolloutNotCompleted', notCompleted);
    else plan.events.splice(newScaleEventAt, 0, { _tag: 'RecordEvent', type: 'Normal', eventReason: 'RolloutNotCompleted', message: notCompleted, reason: notCompleted });
  }
  recordPauseChange(plan, prev, u, u.pauseWhy);
  return statusTrailer({
    rollout: ro,
    prev,
    progress: u,
    plan,
    draft,
    completed: u.fullyPromoted && u.newAvail >= u.R,
    promoted: u.fullyPromoted,
    newRS: u.newRS,
    newRSName: u.newRSName,
    newHash: u.newHash,
    stableHash: u.stableHash,
    newRevision: u.newRevision,
    availableReplicas: available,
    detail: `${u.newAvail}/${newTarget} new pods available, active ${activeHash === u.newHash ? 'switched' : 'not switched'}`,
    // The deadline does not run while an analysis decides.
    deadlineApplies: ![u.preRun, u.postRun].some((run) => run !== undefined && !TERMINAL_RUN_PHASES.has(run.status)),
    now: u.now,
  });
}

/** Whether the ReplicaSet carries a `scale-down-deadline` annotation (parseable or not). */
const hasScaleDownDeadline = (rs: ReplicaSet): boolean => (rs.metadata?.annotations?.[L.SCALE_DOWN_DEADLINE] ?? '') !== '';
