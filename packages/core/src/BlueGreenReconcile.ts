/**
 * The blue-green strategy: the new revision comes up beside the active one behind the preview Service, is
 * analysed and (optionally) paused for judgement, scaled to full size, and only then does the active Service
 * switch to it; the old revision keeps its pods for `scaleDownDelaySeconds` so a rollback is instant.
 *
 * Level-triggered like the canary: where the update stands is read from the status and the cluster —
 * `status.blueGreen.scaleUpPreviewCheckPoint` records that the pause and pre-promotion analysis are done,
 * `status.blueGreen.activeSelector` that the switch happened, `status.stableRS` that the update completed.
 */
import * as E from 'fp-ts/lib/Either';
import type { BlueGreenStatus, Condition, PauseCondition, PodTemplateSpec, ReplicaSet, RolloutAnalysisRunStatus, RolloutStatus } from '@rollouts/api';
import { setCondition } from './Conditions';
import type { Intent, ReconcileResult } from './Intent';
import { intentPlan } from './IntentPlan';
import { progressingCondition } from './ProgressingCondition';
import * as L from './Labels';
import type { RolloutObservation } from './Observation';
import { nextProgressDeadlineMs, progressDeadlineExceeded } from './ProgressDeadline';
import { byRevisionDesc, formatLabelSelector, rsAvailable, rsHash, rsName, rsReady, rsRevision, rsScaleDownDeadline, rsSpecReplicas, rsStatusReplicas } from './ReplicaSetView';
import { pruneHistory, scaleDownOldReplicaSets } from './OldReplicaSets';
import { newReplicaSet, resolveRevision } from './Revisions';
import { TERMINAL_RUN_PHASES, followOrCreateRun, runAbortMessage, runVerdict } from './RolloutAnalysisRuns';
import { abortedCondition, analysisRunPhaseEvent, finishStatus, notCompletedEvent, pauseStateEvent, resultOf } from './RolloutStatusPhase';
import { toRfc3339 } from './Time';

/**
 * @param deadlineAbort set (to the timed-out message) when this reconcile found the progress deadline exceeded
 *   with `progressDeadlineAbort`: the reconcile is decided again as an abort, so that it acts in this reconcile.
 */
export function reconcileBlueGreen(obs: RolloutObservation, template: PodTemplateSpec, deadlineAbort?: string): ReconcileResult {
  const ro = obs.rollout;
  const now = obs.now;
  const nowStr = toRfc3339(now);
  const name = ro.metadata?.name ?? '';
  const spec = ro.spec;
  const bg = spec.strategy?.blueGreen ?? {};
  const prev: RolloutStatus = ro.status ?? {};
  const R = spec.replicas ?? 1;

  const plan = intentPlan();
  const { scaleUps, starts, traffic, scaleDowns, deletes, events, requeueAt, event } = plan;

  const revision = resolveRevision(obs, template);
  if (revision._tag === 'Collision') return revision.result;
  const { owned, newHash, newRevision, newRSName, collisionCount } = revision;
  if (revision.renumber !== undefined) plan.annotateWithNextWrite(newRSName, revision.renumber.annotations, revision.renumber.reason);
  const newRS = revision.newRS;

  const isNewUpdate = prev.currentPodHash !== newHash;
  let stableHash = prev.stableRS ?? '';
  let stableRS = stableHash === '' ? undefined : owned.find((rs) => rsHash(rs) === stableHash);
  const firstDeploy = stableRS === undefined;
  if (firstDeploy) stableHash = newHash;
  const prevBG: BlueGreenStatus = prev.blueGreen ?? {};

  let pauseConditions: PauseCondition[] = isNewUpdate ? [] : [...(prev.pauseConditions ?? [])];
  let controllerPause = isNewUpdate ? false : (prev.controllerPause ?? false);
  let abort = isNewUpdate ? false : (prev.abort ?? false);
  let abortedAt = isNewUpdate ? undefined : (prev.abortedAt ?? undefined);
  let promoteFull = isNewUpdate ? false : (prev.promoteFull ?? false);
  let checkpoint = isNewUpdate ? false : (prevBG.scaleUpPreviewCheckPoint ?? false);
  let preRun: RolloutAnalysisRunStatus | undefined = isNewUpdate ? undefined : (prevBG.prePromotionAnalysisRunStatus ?? undefined);
  let postRun: RolloutAnalysisRunStatus | undefined = isNewUpdate ? undefined : (prevBG.postPromotionAnalysisRunStatus ?? undefined);
  // Which revision the active Service serves: recorded in status, else what the Service selects now.
  const activeSvc = bg.activeService ? obs.services.find((s) => s.metadata?.name === bg.activeService) : undefined;
  let activeHash = prevBG.activeSelector ?? activeSvc?.spec?.selector?.[L.POD_TEMPLATE_HASH] ?? (firstDeploy ? newHash : stableHash);
  /** The revision the active Service served before this reconcile (it keeps its pods for a while when it stops). */
  const servedHash = activeHash;
  let abortMessage: string | undefined;
  let invalidMessage: string | undefined;
  let progressingReason: string | undefined;
  /** The update completed in this reconcile, and upstream's words for why. */
  let completedBecause: string | undefined;

  // Upstream emits it whenever the Rollout's revision changes, the first deploy (revision 1) included.
  if (isNewUpdate) event('RolloutUpdated', `Rollout updated to revision ${newRevision}`);

  // Retry after abort.
  if (!abort && abortedAt !== undefined) {
    abortedAt = undefined;
    checkpoint = false;
    preRun = undefined;
    postRun = undefined;
    pauseConditions = [];
    controllerPause = false;
    // (upstream records no event for a retry: the Progressing condition says RolloutRetry)
    progressingReason = 'RolloutRetry';
  }

  // promote --full after an abort: upstream's syncRolloutStatusBlueGreen removes the abort (RemoveAbort) and clears
  // the pause conditions when status.promoteFull is set; the update then goes straight to full size and the switch.
  if (promoteFull && (abort || abortedAt !== undefined)) {
    abort = false;
    abortedAt = undefined;
    pauseConditions = [];
    controllerPause = false;
  }
  if (deadlineAbort !== undefined) {
    abort = true;
    abortMessage = deadlineAbort;
  }

  let fullyPromoted = firstDeploy || stableHash === newHash;
  /** Why a fast rollback completes (it goes through promoteFull, but nobody asked for a full promotion). */
  let fastTrack: string | undefined;
  if (fullyPromoted) activeHash = newHash;
  // Fast rollback: back to a revision that still holds its pods (a previous active within its
  // scaleDownDelaySeconds) or one within rollbackWindow skips the pause and the analyses, like promote-full.
  if (!fullyPromoted && isNewUpdate && newRS !== undefined && stableRS !== undefined) {
    const window = spec.rollbackWindow?.revisions ?? 0;
    const stableRev = rsRevision(stableRS);
    const rev = rsRevision(newRS);
    const withinWindow = window > 0 && rev < stableRev && stableRev - rev <= window;
    if (withinWindow || hasScaleDownDeadline(newRS)) {
      promoteFull = true;
      // upstream shouldFullPromote's words, in its order
      fastTrack = withinWindow
        ? 'Rollback within window'
        : bg.postPromotionAnalysis != null
          ? `Rollback to '${newRSName}' within scaleDownDelay`
          : 'Completed blue-green update';
    }
  }
  // Promote: the user cleared the pause conditions the controller set.
  let pauseDone = false;
  if (controllerPause && pauseConditions.length === 0 && spec.paused !== true) {
    controllerPause = false;
    pauseDone = true;
    // Promoted past an inconclusive run: a new run decides (upstream's needsNewAnalysisRun), not a verdict rewritten.
    if (preRun?.status === 'Inconclusive') preRun = undefined;
    if (postRun?.status === 'Inconclusive') postRun = undefined;
    // (no event: the pause conditions were cleared by the promote, see pauseStateEvent)
    progressingReason = 'RolloutResumed';
  }

  const switched = !fullyPromoted && activeHash === newHash;
  const newSpec = rsSpecReplicas(newRS);
  const newAvail = rsAvailable(newRS);
  const previewCount = bg.previewReplicaCount ?? null;

  const follow = (current: RolloutAnalysisRunStatus | undefined, suffix: string, analysis: NonNullable<typeof bg.prePromotionAnalysis>, type: string) => {
    const r = followOrCreateRun({ obs, current, suffix, analysis, selectorLabels: spec.selector?.matchLabels, type, revision: newRevision, stableHash, latestHash: newHash });
    if (E.isLeft(r)) {
      invalidMessage = r.left;
      return current;
    }
    if (r.right.create !== undefined) starts.push({ _tag: 'CreateAnalysisRun', analysisRun: r.right.create, reason: `${type} analysis: created AnalysisRun ${r.right.status.name}` });
    else {
      const changed = analysisRunPhaseEvent(current, r.right.status, type);
      if (changed !== undefined) event(changed.eventReason, changed.message, changed.type);
    }
    return r.right.status;
  };
  /** Terminate a run that the cluster still shows running (once: a terminated run is not asked again). */
  const stopRun = (run: RolloutAnalysisRunStatus | undefined, why: string) => {
    const found = run === undefined ? undefined : obs.analysisRuns.find((r) => r.metadata?.name === run.name);
    if (found === undefined || found.spec.terminate === true || TERMINAL_RUN_PHASES.has(found.status?.phase ?? '')) return;
    starts.push({ _tag: 'TerminateAnalysisRun', name: run?.name ?? '', reason: why });
  };
  let pauseWhy: string | undefined;
  const addPause = (reason: PauseCondition['reason'], why: string) => {
    if (!pauseConditions.some((p) => p.reason === reason)) {
      if (pauseConditions.length === 0) pauseWhy = why;
      pauseConditions = [...pauseConditions, { reason, startTime: nowStr }];
    }
    controllerPause = true;
  };

  if (!fullyPromoted && !abort) {
    const desiredPreview = checkpoint || promoteFull ? R : (previewCount ?? R);
    const previewReady = newRS !== undefined && newSpec === desiredPreview && newAvail >= desiredPreview;
    if (!switched && !checkpoint && previewReady && spec.paused !== true) {
      // Pre-promotion analysis, then the pause (auto-promotion), then the scale-up checkpoint.
      let preDone = bg.prePromotionAnalysis == null || (bg.prePromotionAnalysis.templates ?? []).length === 0 || promoteFull;
      if (!preDone && bg.prePromotionAnalysis != null) {
        if (preRun === undefined || !TERMINAL_RUN_PHASES.has(preRun.status)) preRun = follow(preRun, 'pre', bg.prePromotionAnalysis, L.ROLLOUT_TYPE_PRE_PROMOTION);
        if (preRun !== undefined) {
          const v = runVerdict(preRun);
          if (v === 'Done') preDone = true;
          else if (v === 'Abort') {
            abort = true;
            abortMessage = runAbortMessage(preRun, 'Pre-promotion');
          } else if (v === 'Pause') addPause('InconclusiveAnalysisRun', `pre-promotion analysis ${preRun.name} is inconclusive`);
        }
      }
      if (preDone && !abort && invalidMessage === undefined) {
        const autoPromotion = bg.autoPromotionEnabled ?? true;
        const existing = pauseConditions.find((p) => p.reason === 'BlueGreenPause');
        if (promoteFull) pauseDone = true;
        else if (!pauseDone && (!autoPromotion || (bg.autoPromotionSeconds ?? 0) > 0)) {
          if (existing === undefined) addPause('BlueGreenPause', `preview ${newRSName} is ready (${newAvail}/${desiredPreview})`);
          if (autoPromotion && (bg.autoPromotionSeconds ?? 0) > 0) {
            const started = existing !== undefined ? Date.parse(existing.startTime) : now;
            const until = (Number.isNaN(started) ? now : started) + (bg.autoPromotionSeconds ?? 0) * 1000;
            if (now >= until) {
              pauseConditions = pauseConditions.filter((p) => p.reason !== 'BlueGreenPause');
              controllerPause = false;
              pauseDone = true;
            } else requeueAt.push(until);
          }
        } else pauseDone = true;
        // (no event: blue-green has no steps upstream)
        if (pauseDone && pauseConditions.length === 0) checkpoint = true;
      }
    }
    // The switch: only to a saturated ReplicaSet.
    if (!switched && !abort && invalidMessage === undefined && (checkpoint || promoteFull) && newRS !== undefined && newSpec === R && newAvail >= R) {
      activeHash = newHash;
    }
    // After the switch: post-promotion analysis, then the update completes.
    if (activeHash === newHash && !abort && invalidMessage === undefined) {
      let postDone = bg.postPromotionAnalysis == null || (bg.postPromotionAnalysis.templates ?? []).length === 0 || promoteFull;
      if (!postDone && bg.postPromotionAnalysis != null) {
        if (postRun === undefined || !TERMINAL_RUN_PHASES.has(postRun.status)) postRun = follow(postRun, 'post', bg.postPromotionAnalysis, L.ROLLOUT_TYPE_POST_PROMOTION);
        if (postRun !== undefined) {
          const v = runVerdict(postRun);
          if (v === 'Done') postDone = true;
          else if (v === 'Abort') {
            abort = true;
            abortMessage = runAbortMessage(postRun, 'Post-promotion');
          } else if (v === 'Pause') addPause('InconclusiveAnalysisRun', `post-promotion analysis ${postRun.name} is inconclusive`);
        }
      }
      if (postDone && !abort) {
        fullyPromoted = true;
        // (the event follows the Service switch, as upstream's promoteStable follows reconcileActiveService)
        completedBecause = fastTrack ?? (promoteFull ? 'Full promotion requested' : 'Completed blue-green update');
      }
    }
  }

  const oldStable = fullyPromoted && !firstDeploy && stableHash !== newHash ? stableRS : undefined;
  if (fullyPromoted) {
    stableHash = newHash;
    stableRS = newRS;
    promoteFull = false;
    pauseConditions = [];
    controllerPause = false;
    checkpoint = false;
  }

  // ---- Abort: the active Service goes back to the stable revision ----------------------------------------
  if (abort && !fullyPromoted) {
    activeHash = stableHash;
    if (abortedAt === undefined) {
      abortedAt = nowStr;
      pauseConditions = [];
      controllerPause = false;
      event('RolloutAborted', `Rollout aborted update to revision ${newRevision}${abortMessage ? `: ${abortMessage}` : ''}`, 'Warning');
    }
    for (const run of [preRun, postRun]) stopRun(run, 'rollout aborted');
  } else if (fullyPromoted || promoteFull) {
    for (const run of [preRun, postRun]) stopRun(run, 'rollout fully promoted');
  }

  // ---- Replica counts ------------------------------------------------------------------------------------
  let newTarget = fullyPromoted || checkpoint || promoteFull || activeHash === newHash ? R : (previewCount ?? R);
  if (abort && !fullyPromoted && newRS !== undefined) {
    const delay = bg.abortScaleDownDelaySeconds ?? 30;
    const deadline = rsScaleDownDeadline(newRS);
    if (delay === 0) newTarget = newSpec;
    else if (deadline === undefined) {
      newTarget = newSpec;
      const at = now + delay * 1000;
      scaleDowns.push({ _tag: 'AnnotateReplicaSet', name: newRSName, annotations: { [L.SCALE_DOWN_DEADLINE]: toRfc3339(at) }, reason: `aborted: preview ${newRSName} scales down in ${delay}s` });
      requeueAt.push(at);
    } else if (now < deadline) {
      newTarget = newSpec;
      requeueAt.push(deadline);
    } else newTarget = 0;
  }
  // A deadline on the new ReplicaSet is left from an abort (now retried) or from its time as a previous active
  // (now rolled back to): it must not scale the revision down later.
  const clearNewDeadline = newRS !== undefined && !(abort && !fullyPromoted) && hasScaleDownDeadline(newRS);
  if (clearNewDeadline && newSpec === newTarget)
    scaleUps.push({ _tag: 'AnnotateReplicaSet', name: newRSName, annotations: { [L.SCALE_DOWN_DEADLINE]: null }, reason: `${newRSName} is the current revision again: scale-down deadline removed` });
  // Events in upstream's order: NewReplicaSetCreated, the preview Service's switch, (RolloutNotCompleted, placed at
  // the end,) then the new ReplicaSet's scaling. Upstream creates at 0 and scales; we create at the size, and say both.
  const previewSvc = bg.previewService ? obs.services.find((s) => s.metadata?.name === bg.previewService) : undefined;
  const previewFrom = previewSvc?.spec?.selector?.[L.POD_TEMPLATE_HASH] ?? '';
  const switchEvent = (svcName: string, from: string, to: string) => event('SwitchService', `Switched selector for service '${svcName}' from '${from}' to '${to}'`);
  if (newRS === undefined) event('NewReplicaSetCreated', `Created ReplicaSet ${newRSName} (revision ${newRevision})`);
  if (previewSvc !== undefined && previewFrom !== newHash) switchEvent(bg.previewService ?? '', previewFrom, newHash);
  /** Where the new ReplicaSet's scaling event is (RolloutNotCompleted goes before it). */
  let newScaleEventAt: number | undefined;
  if (newRS === undefined) {
    scaleUps.push({ _tag: 'CreateReplicaSet', replicaSet: newReplicaSet(obs, template, newHash, newRSName, newRevision, newTarget), reason: `created ReplicaSet ${newRSName} (revision ${newRevision}) with ${newTarget}/${R} pods` });
    if (newTarget > 0) {
      newScaleEventAt = events.length;
      event('ScalingReplicaSet', `Scaled up ReplicaSet ${newRSName} (revision ${newRevision}) from 0 to ${newTarget}`);
    }
    progressingReason ??= 'NewReplicaSetCreated';
  } else if (newSpec !== newTarget) {
    (newTarget > newSpec ? scaleUps : scaleDowns).push({
      _tag: 'ScaleReplicaSet',
      name: newRSName,
      replicas: newTarget,
      annotations: { [L.DESIRED_REPLICAS]: String(R), ...(clearNewDeadline ? { [L.SCALE_DOWN_DEADLINE]: null } : {}) },
      reason: `${fullyPromoted ? 'active' : 'preview'} ${newRSName} scaled from ${newSpec} to ${newTarget}/${R}`,
    });
    newScaleEventAt = events.length;
    event('ScalingReplicaSet', `Scaled ${newTarget > newSpec ? 'up' : 'down'} ReplicaSet ${newRSName} (revision ${newRevision}) from ${newSpec} to ${newTarget}`);
  }
  // The stable revision (what an abort goes back to) and the revision the active Service serves keep full size;
  // the latter can be neither new nor stable when an update arrives during post-promotion analysis.
  const activeRS = fullyPromoted ? undefined : owned.find((rs) => rs !== newRS && rs !== stableRS && rsHash(rs) === activeHash);
  for (const rs of [stableRS, activeRS]) {
    if (fullyPromoted || rs === undefined || rs === newRS || rsSpecReplicas(rs) === R) continue;
    scaleUps.push({ _tag: 'ScaleReplicaSet', name: rsName(rs), replicas: R, annotations: { [L.DESIRED_REPLICAS]: String(R), [L.SCALE_DOWN_DEADLINE]: null }, reason: `${rs === stableRS ? 'stable' : 'active'} ${rsName(rs)} back to ${R}/${R}` });
  }
  // Older revisions: the previous active keeps its pods for scaleDownDelaySeconds, then goes to 0.
  const olds = owned.filter((rs) => rs !== newRS && rs !== stableRS && rs !== activeRS).sort(byRevisionDesc);
  const leftActive = (rs: ReplicaSet) => servedHash !== activeHash && rsHash(rs) === servedHash;
  // Upstream (scaleDownOldReplicaSetsForBlueGreen) scales no older ReplicaSet down while paused on an inconclusive
  // analysis, nor while post-promotion analysis has not succeeded when no scaleDownDelaySeconds is given.
  const holdOlds =
    pauseConditions.some((p) => p.reason === 'InconclusiveAnalysisRun') ||
    (bg.postPromotionAnalysis != null && bg.scaleDownDelaySeconds == null && !fullyPromoted && activeHash === newHash && postRun?.status !== 'Successful');
  const old = scaleDownOldReplicaSets({
    olds: holdOlds ? [] : olds,
    delayed: (rs) => rs === oldStable || leftActive(rs),
    delaySeconds: bg.scaleDownDelaySeconds ?? 30,
    revisionLimit: bg.scaleDownDelayRevisionLimit ?? undefined,
    role: 'previous active',
    now,
  });
  scaleDowns.push(...old.intents);
  events.push(...old.events);
  requeueAt.push(...old.requeueAt);
  deletes.push(...pruneHistory(olds, spec.revisionHistoryLimit ?? 10));

  // ---- Services --------------------------------------------------------------------------------------------
  // Upstream marks the first revision stable before it points the active Service at it.
  if (firstDeploy && prev.stableRS !== newHash) event('RolloutCompleted', `Rollout completed update to revision ${newRevision} (${newHash}): Initial deploy`);
  const previewHash = newHash;
  const targets: Array<[string | null | undefined, string]> = [
    [bg.activeService, activeHash],
    [bg.previewService, previewHash],
  ];
  for (const [svcName, hash] of targets) {
    if (svcName == null || svcName === '') continue;
    const svc = obs.services.find((s) => s.metadata?.name === svcName);
    const from = svc?.spec?.selector?.[L.POD_TEMPLATE_HASH];
    if (svc === undefined || from === hash) continue;
    traffic.push({ _tag: 'PatchServiceSelector', service: svcName, podTemplateHash: hash, rollout: name, reason: `Service ${svcName} now selects revision ${hash}` });
    if (svc !== previewSvc) switchEvent(svcName, from ?? '', hash);
  }
  if (completedBecause !== undefined) event('RolloutCompleted', `Rollout completed update to revision ${newRevision} (${newHash}): ${completedBecause}`);

  // ---- Status ----------------------------------------------------------------------------------------------
  // As upstream (syncRolloutStatusBlueGreen): `replicas` counts every ReplicaSet and `updatedReplicas` the new
  // one, but ready, available, HPAReplicas and the selector are the ReplicaSet the active Service selects (the
  // previous active holding its pods through scaleDownDelaySeconds does not keep the Rollout from Healthy);
  // every ReplicaSet and the Rollout's selector only while no ReplicaSet is active.
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
    ...(bg.previewService ? { previewSelector: previewHash } : {}),
    activeSelector: activeHash,
    ...(checkpoint ? { scaleUpPreviewCheckPoint: true } : {}),
    ...(preRun !== undefined ? { prePromotionAnalysisRunStatus: preRun } : {}),
    ...(postRun !== undefined && !fullyPromoted ? { postPromotionAnalysisRunStatus: postRun } : {}),
  };
  const paused = spec.paused === true || pauseConditions.length > 0;
  const draft: RolloutStatus = {
    ...(abort ? { abort: true } : {}),
    ...(pauseConditions.length > 0 ? { pauseConditions } : {}),
    ...(controllerPause ? { controllerPause: true } : {}),
    ...(abortedAt !== undefined ? { abortedAt } : {}),
    currentPodHash: newHash,
    replicas: statusReplicas,
    updatedReplicas: rsStatusReplicas(newRS),
    readyReplicas: ready,
    availableReplicas: available,
    ...(collisionCount !== null ? { collisionCount } : {}),
    observedGeneration: String(ro.metadata?.generation ?? 0),
    blueGreen: bgStatus,
    HPAReplicas: servingRS !== undefined ? rsStatusReplicas(servingRS) : statusReplicas,
    selector: formatLabelSelector(servingRS !== undefined ? (servingRS.spec?.selector ?? spec.selector) : spec.selector),
    stableRS: stableHash,
    ...(promoteFull ? { promoteFull: true } : {}),
    ...(prev.restartedAt != null ? { restartedAt: prev.restartedAt } : {}),
    // Set by reconcileRollout from the workloadRef target; upstream clears it when there is no workloadRef.
    ...(spec.workloadRef != null && prev.workloadObservedGeneration != null ? { workloadObservedGeneration: prev.workloadObservedGeneration } : {}),
  };

  let conditions: Condition[] = [...(prev.conditions ?? [])].filter((c) => c.type !== 'InvalidSpec');
  const completed = fullyPromoted && newAvail >= R;
  const progressing = progressingCondition({
    prevConditions: prev.conditions,
    conditions,
    invalidMessage,
    aborted: abort,
    abortMessage,
    paused,
    completed,
    stableIsCurrent: stableHash === newHash,
    rolloutName: name,
    newRSName,
    newRevision,
    reason: progressingReason ?? (newRS === undefined ? 'NewReplicaSetCreated' : 'ReplicaSetUpdated'),
    detail: `${newAvail}/${newTarget} new pods available, active ${activeHash === newHash ? 'switched' : 'not switched'}`,
    // The deadline does not run while an analysis decides.
    deadlineApplies: ![preRun, postRun].some((run) => run !== undefined && !TERMINAL_RUN_PHASES.has(run.status)),
    progressDeadlineSeconds: spec.progressDeadlineSeconds,
    progressDeadlineAbort: spec.progressDeadlineAbort === true,
    now,
  });
  conditions = progressing.conditions;
  if (progressing.requeueAt !== undefined) requeueAt.push(progressing.requeueAt);
  // (a timeout without progressDeadlineAbort records no event upstream: the condition and the phase say it)
  // progressDeadlineAbort: the deadline passed (now, or before the field was set). Decide this reconcile again as
  // an abort, so that the abort acts now (active back to stable, preview scale-down deadline, runs terminated)
  // in one status write; upstream writes abort now and acts on the next reconcile.
  if (progressing.abort && !abort && !fullyPromoted && deadlineAbort === undefined) return reconcileBlueGreen(obs, template, progressing.abortMessage ?? 'progress deadline exceeded');
  const notCompleted = notCompletedEvent(prev.conditions, stableHash, newHash, newRevision);
  if (notCompleted !== undefined) {
    if (newScaleEventAt === undefined) event('RolloutNotCompleted', notCompleted);
    else events.splice(newScaleEventAt, 0, { _tag: 'RecordEvent', type: 'Normal', eventReason: 'RolloutNotCompleted', message: notCompleted, reason: notCompleted });
  }
  const pauseEvent = pauseStateEvent(prev.pauseConditions, pauseConditions, abort, pauseWhy);
  if (pauseEvent !== undefined) event(pauseEvent.eventReason, pauseEvent.message);
  const status = finishStatus({ rollout: ro, draft, conditions, paused, aborted: abort, availableReplicas: available, newHash, stableHash, newRevision, now });
  return resultOf(ro, status, plan.ordered(), requeueAt, now);
}

/** Whether the ReplicaSet carries a `scale-down-deadline` annotation (parseable or not). */
const hasScaleDownDeadline = (rs: ReplicaSet): boolean => (rs.metadata?.annotations?.[L.SCALE_DOWN_DEADLINE] ?? '') !== '';
