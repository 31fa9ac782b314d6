/**
 * Canary phase "services and traffic": which revision each Service selects and what weight the routers serve.
 * The safety rules: a Service moves to a revision only once it has an available pod (and adopts a Service not yet
 * managed by a Rollout only once the revision is fully available), the canary weight rises only as far as the
 * canary's available pods carry it, and a dynamically scaled canary hands traffic back only as fast as the
 * stable's available pods can take it.
 */
import type { TrafficWeights } from '@rollouts/api';
import { desiredCanaryWeightOnAbort, trafficWeightOnAbortOrRollback } from './AbortWeight';
import { canaryCarries, stableCarries, type CanaryUpdate } from './CanaryUpdate';
import type { TrafficDestination } from './Intent';
import * as L from './Labels';
import { rsAvailable, rsHash, rsSpecReplicas } from './ReplicaSetView';
import { TERMINAL_RUN_PHASES as TERMINAL } from './RolloutAnalysisRuns';
import type { ServiceRoles } from './ServiceRoles';

/** How traffic is handed back to stable this reconcile (computed once, read by the replica and traffic phases). */
export interface HandBack {
  /** A rollback to the stable revision mid-update with dynamic scaling (upstream IsDynamicallyRollingBackToStable). */
  readonly rollingBack: boolean;
  /** The router's canary weight during a dynamic abort or rollback. */
  readonly weight: number;
}

/**
 * On abort, or on a rollback to the stable revision mid-update, a dynamically scaled canary's router weight steps
 * down only as fast as stable's available pods can take the traffic (upstream calculateDesiredWeightOnAbortOrStableRollback).
 */
export function handBack(u: CanaryUpdate, promoted: boolean): HandBack {
  const dynamicRouted = u.routed && u.canary.dynamicStableScale === true;
  if (!dynamicRouted) return NO_HAND_BACK;
  const w = u.weights;
  const rollingBack = u.fullyPromoted && !u.firstDeploy && w != null && (w.canary.podTemplateHash ?? '') !== u.newHash && (w.canary.weight ?? 0) > 0 && u.newAvail < u.R;
  if (u.stableRS === undefined || !((u.abort && !promoted) || rollingBack)) return rollingBack ? { rollingBack, weight: 0 } : NO_HAND_BACK;
  const desiredBack = rollingBack
    ? u.maxWeight
    : u.newRS === undefined
      ? 0
      : desiredCanaryWeightOnAbort({
          replicas: u.R,
          maxWeight: u.maxWeight,
          setWeightSteps: u.setWeightSteps as number[],
          stableAvailable: rsAvailable(u.stableRS),
          canaryAvailable: u.newAvail,
          abortScaleDownDelaySeconds: u.canary.abortScaleDownDelaySeconds ?? undefined,
        });
  const weight = trafficWeightOnAbortOrRollback({ replicas: u.R, maxWeight: u.maxWeight, desiredWeight: desiredBack, currentWeight: w?.canary.weight ?? undefined, stableAvailable: rsAvailable(u.stableRS) });
  return { rollingBack, weight };
}
const NO_HAND_BACK: HandBack = { rollingBack: false, weight: 0 };

/** Point the Services at their revisions (phase "services"). */
export function reconcileServices(u: CanaryUpdate, promoted: boolean, back: HandBack, roles: ServiceRoles): void {
  const { canary, abort, routed, stableHash, newHash } = u;
  // An aborted basic canary points the canary Service back at the stable; a traffic-routed one does so once the
  // router sends the canary nothing (at once without dynamic scaling); a dynamic rollback to the stable leaves the
  // canary Service on the previous canary until the stable is fully available.
  const canaryServiceHash =
    abort && !promoted ? (!routed || canary.dynamicStableScale !== true || back.weight === 0 ? stableHash : undefined) : back.rollingBack ? undefined : newHash;
  // [service, hash (undefined: leave it), whether the revision's availability is checked]
  ensureTarget(u, canary.stableService, stableHash, true);
  ensureTarget(u, canary.canaryService, canaryServiceHash, !(abort && routed));
  if (canary.pingPong != null) {
    // The stable role always selects the stable revision (at promotion it already does: it was the canary role).
    ensureTarget(u, roles.stableService, stableHash, true);
    // The canary role follows the update; once promoted it keeps its old revision and gets no traffic. (Without an
    // availability check, as upstream: the router sends it nothing until the canary has pods.)
    if (!promoted) ensureTarget(u, roles.canaryService, newHash, false);
  }
}

function ensureTarget(u: CanaryUpdate, svcName: string | null | undefined, hash: string | undefined, checked: boolean): void {
  if (svcName == null || svcName === '' || hash === undefined) return;
  const services = u.obs.services;
  let svc: (typeof services)[number] | undefined;
  for (let i = 0; i < services.length && svc === undefined; i++) if (services[i]!.metadata?.name === svcName) svc = services[i];
  if (svc === undefined || svc.spec?.selector?.[L.POD_TEMPLATE_HASH] === hash) return;
  if (checked) {
    let target;
    for (let i = 0; i < u.owned.length && target === undefined; i++) if (rsHash(u.owned[i]!) === hash) target = u.owned[i];
    const avail = rsAvailable(target);
    if (avail === 0) return;
    const adopting = svc.metadata?.annotations?.[L.MANAGED_BY] == null;
    if (adopting && (rsSpecReplicas(target) === 0 || avail < rsSpecReplicas(target))) return;
  }
  // Services move first among the traffic intents (before any weight).
  u.plan.traffic.unshift({ _tag: 'PatchServiceSelector', service: svcName, podTemplateHash: hash, rollout: u.name, reason: `Service ${svcName} now selects revision ${hash}` });
}

/** The weights the routers are to serve (phase "traffic"); `status.canary.weights` as it is to be written. */
export function reconcileWeights(
  u: CanaryUpdate,
  promoted: boolean,
  back: HandBack,
  roles: ServiceRoles,
  desiredWeight: number,
  desiredCanary: number,
): TrafficWeights | undefined {
  const prevWeights = u.weights;
  if (!u.routed) return u.prev.canary?.weights ?? undefined;
  const { abort, maxWeight, currentTrafficWeight, canary, newAvail, steps, stepIndex } = u;
  let w: number;
  if (back.rollingBack) w = back.weight;
  else if (promoted) w = 0;
  else if (abort) w = canary.dynamicStableScale === true ? back.weight : 0;
  // No canary pod: nothing else to send the canary's share to (upstream does the same, dynamic scaling or not).
  else if (newAvail === 0) w = 0;
  // A weight of 0 with canary pods still serving (a setWeight 0 step, setCanaryScale replicas 0): with dynamic
  // scaling the stable may not have its pods back yet, and keeps the weight until it has (upstream moves at once).
  else if (desiredCanary === 0) w = canary.dynamicStableScale === true && !stableCarries(u, 0) ? currentTrafficWeight : 0;
  else if (desiredWeight > currentTrafficWeight) w = canaryCarries(u, desiredWeight, stepIndex) ? desiredWeight : currentTrafficWeight;
  else w = canary.dynamicStableScale === true && !stableCarries(u, desiredWeight) ? currentTrafficWeight : desiredWeight;
  // Experiment templates with a weight get their own share while the experiment step runs.
  const additional: TrafficDestination[] = [];
  const xStep = !promoted && !abort ? steps[stepIndex]?.experiment : undefined;
  const running = xStep != null ? u.obs.experiments.find((x) => x.metadata?.name === u.currentExperiment) : undefined;
  if (xStep != null && running !== undefined && !TERMINAL.has(running.status?.phase ?? '')) {
    for (const t of xStep.templates) {
      const ts = (running.status?.templateStatuses ?? []).find((s) => s.name === t.name);
      if (t.weight != null && ts?.serviceName != null && ts.podTemplateHash != null && ts.status === 'Running')
        additional.push({ serviceName: ts.serviceName, podTemplateHash: ts.podTemplateHash, weight: t.weight });
    }
  }
  const extra = additional.reduce((sum, d) => sum + d.weight, 0);
  const next: TrafficWeights = {
    canary: { weight: w, serviceName: roles.canaryService, podTemplateHash: back.rollingBack ? (prevWeights?.canary.podTemplateHash ?? u.newHash) : promoted ? u.stableHash : u.newHash },
    stable: { weight: Math.max(0, maxWeight - w - extra), serviceName: roles.stableService, podTemplateHash: u.stableHash },
    additional: additional.length > 0 ? additional : undefined,
    verified: u.weightVerification ? w === currentTrafficWeight && u.obs.trafficRouting?.weightVerified === true : undefined,
  };
  const before = prevWeights?.additional ?? [];
  const sameAdditional = before.length === 0 && additional.length === 0 ? true : JSON.stringify(before) === JSON.stringify(additional);
  // With ping-pong a promotion swaps the Services under the same weight: the router must hear of it then too.
  const sameServices = prevWeights == null || (prevWeights.canary.serviceName === roles.canaryService && prevWeights.stable.serviceName === roles.stableService);
  if (prevWeights == null || (prevWeights.canary.weight ?? 0) !== w || !sameAdditional || !sameServices) {
    u.plan.traffic.push({
      _tag: 'SetWeight',
      weight: w,
      maxWeight,
      additionalDestinations: additional,
      reason: `traffic to canary ${currentTrafficWeight} -> ${w} of ${maxWeight}${extra > 0 ? `, ${extra} to experiment` : ''} (${newAvail}/${u.R} canary pods available)`,
    });
    u.plan.event('TrafficWeightUpdated', `Traffic weight updated from ${currentTrafficWeight} to ${w}${extra > 0 ? ` (+${extra} experiment)` : ''}`);
  }
  return next;
}
