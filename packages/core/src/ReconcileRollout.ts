/**
 * `reconcileRollout`: the core's one entry point for Rollouts. Same observation in, same decision out.
 *
 * Before deciding anything it checks the Rollout as the controller must: the spec (Argo's InvalidSpec rules),
 * the objects it references (Services, AnalysisTemplates, the workloadRef target) and what the configured
 * routers and plugins can do. A Rollout that fails any of these is not acted on: its status gets the
 * `InvalidSpec` condition naming the field and the problem, and the phase becomes Degraded.
 */
import {
  type Rollout,
  type RolloutStatus,
  type ValidationError,
  formatValidationError,
  validateRollout,
  validateTrafficRoutingConfig,
} from '@rollouts/api';
import { reconcileBlueGreen } from './BlueGreenReconcile';
import { reconcileCanary } from './CanaryReconcile';
import { setCondition } from './Conditions';
import type { Intent, ReconcileResult } from './Intent';
import { runHistoryDeletions } from './RunHistory';
import { planRestart } from './Restart';
import type { RolloutObservation } from './Observation';
import { jsonEqual } from './internal/DeepEqual';
import { memoByIdentity } from './internal/Memo';
import { rolloutPhaseOf } from './RolloutStatusPhase';

const CANARY = 'spec.strategy.canary';
/** How many problems the InvalidSpec condition message spells out. */
const MAX_PROBLEMS_IN_MESSAGE = 5;

/** Problems that make a Rollout impossible to act on in this observation (beyond its own spec). */
export function environmentProblems(rollout: Rollout, obs: RolloutObservation): ValidationError[] {
  const out: ValidationError[] = [];
  const err = (path: string, message: string, rule: string, value?: unknown): void => {
    out.push({ path, type: 'Invalid', rule, message, ...(value !== undefined ? { value } : {}) });
  };
  const canary = rollout.spec.strategy?.canary;
  const bg = rollout.spec.strategy?.blueGreen;

  // F1: named Services must exist.
  const services: Array<[string, string | null | undefined]> = [
    [`${CANARY}.stableService`, canary?.stableService],
    [`${CANARY}.canaryService`, canary?.canaryService],
    [`${CANARY}.pingPong.pingService`, canary?.pingPong?.pingService],
    [`${CANARY}.pingPong.pongService`, canary?.pingPong?.pongService],
    ['spec.strategy.blueGreen.activeService', bg?.activeService],
    ['spec.strategy.blueGreen.previewService', bg?.previewService],
  ];
  for (const [path, name] of services) {
    if (name != null && name !== '' && !obs.services.some((s) => s.metadata?.name === name)) err(path, `service "${name}" not found`, 'F1', name);
  }

  // F2: referenced analysis templates must exist.
  type Refs = ReadonlyArray<{ templateName?: string | null; clusterScope?: boolean | null }> | null | undefined;
  const refs: Array<[string, Refs]> = [
    [`${CANARY}.analysis.templates`, canary?.analysis?.templates],
    ...(canary?.steps ?? []).map((s, i): [string, Refs] => [`${CANARY}.steps[${i}].analysis.templates`, s.analysis?.templates]),
    ['spec.strategy.blueGreen.prePromotionAnalysis.templates', bg?.prePromotionAnalysis?.templates],
    ['spec.strategy.blueGreen.postPromotionAnalysis.templates', bg?.postPromotionAnalysis?.templates],
  ];
  for (const [path, list] of refs) {
    for (const ref of list ?? []) {
      const name = ref.templateName ?? '';
      const found = ref.clusterScope === true ? obs.clusterAnalysisTemplates.some((t) => t.metadata?.name === name) : obs.analysisTemplates.some((t) => t.metadata?.name === name);
      if (!found) err(path, ref.clusterScope === true ? `ClusterAnalysisTemplate '${name}' not found` : `AnalysisTemplate '${name}' not found`, 'F2', name);
    }
  }

  // What the routers and plugins can do: an unsupported step is an error, never a silent no-op.
  const routers = obs.trafficRouting?.routers ?? [];
  for (const r of routers) {
    if (r.problem !== undefined) err(r.path ?? `${CANARY}.trafficRouting.${r.kind}`, r.problem, 'ROUTER');
  }
  (canary?.steps ?? []).forEach((step, i) => {
    const at = `${CANARY}.steps[${i}]`;
    for (const [field, capability] of [
      ['setHeaderRoute', 'setHeaderRoute'],
      ['setMirrorRoute', 'setMirrorRoute'],
    ] as const) {
      if (step[field] == null || canary?.trafficRouting == null) continue;
      for (const r of routers) {
        if (!r.supports.includes(capability)) err(`${at}.${field}`, `the ${r.kind} traffic router cannot perform ${field}`, 'CAP1');
      }
    }
    if (step.plugin != null && !(obs.stepPlugins ?? []).includes(step.plugin.name))
      err(`${at}.plugin.name`, `step plugin "${step.plugin.name}" is not configured in this controller`, 'CAP2', step.plugin.name);
  });
  // Features not implemented yet are errors, not silently ignored.
  const notYet: Array<[string, unknown]> = [
    [`${CANARY}.canaryMetadata`, canary?.canaryMetadata],
    [`${CANARY}.stableMetadata`, canary?.stableMetadata],
    [`${CANARY}.antiAffinity`, canary?.antiAffinity],
    ['spec.strategy.blueGreen.activeMetadata', bg?.activeMetadata],
    ['spec.strategy.blueGreen.previewMetadata', bg?.previewMetadata],
    ['spec.strategy.blueGreen.antiAffinity', bg?.antiAffinity],
  ];
  for (const [path, value] of notYet) if (value != null) err(path, 'not supported by this controller version yet', 'CAP6');
  if (rollout.spec.workloadRef != null && obs.workload === undefined)
    err('spec.workloadRef', `${rollout.spec.workloadRef.kind ?? 'workload'} "${rollout.spec.workloadRef.name ?? ''}" not found`, 'W3');
  return out;
}

/** The status of a Rollout that cannot be acted on. Nothing else is done. */
function invalid(obs: RolloutObservation, problems: ReadonlyArray<ValidationError>): ReconcileResult {
  const ro = obs.rollout;
  const prev: RolloutStatus = ro.status ?? {};
  // Every problem, in order (the first is what upstream would report), up to a bound that keeps the
  // condition readable.
  const shown = problems.slice(0, MAX_PROBLEMS_IN_MESSAGE).map(formatValidationError).join('; ');
  const rest = problems.length - MAX_PROBLEMS_IN_MESSAGE;
  const more = rest > 0 ? ` (and ${rest} more problem${rest > 1 ? 's' : ''}: kubectl-rollouts lint lists them all)` : '';
  const message = `The Rollout "${ro.metadata?.name ?? ''}" is invalid: ${shown}${more}`;
  const conditions = setCondition(prev.conditions, { type: 'InvalidSpec', status: 'True', reason: 'InvalidSpec', message }, obs.now);
  const draft: RolloutStatus = { ...prev, conditions, observedGeneration: String(ro.metadata?.generation ?? 0) };
  const { phase, message: phaseMessage } = rolloutPhaseOf(ro, draft);
  const status: RolloutStatus = { ...draft, phase, message: phaseMessage };
  const changed = !jsonEqual(status, prev);
  return {
    status,
    intents: changed
      ? [
          { _tag: 'RecordEvent', type: 'Warning', eventReason: 'InvalidSpec', message, reason: message },
          { _tag: 'UpdateStatus', status, reason: message },
        ]
      : [],
  };
}

/** Argo's InvalidSpec rules and the routers' configuration shape: a function of the spec alone. */
function specProblems(rollout: Rollout, templateResolvedFromRef: boolean): ValidationError[] {
  return [...validateRollout(rollout, { templateResolvedFromRef }), ...validateTrafficRoutingConfig(rollout)];
}
// Specs are immutable snapshots: validate each once (a Rollout without workloadRef is validated as it is).
const cachedSpecProblems = memoByIdentity((spec: Rollout['spec']) => specProblems({ spec } as Rollout, false));

/**
 * Decide what to do for one Rollout. Pure: the observation holds everything, `now` included.
 */
export function reconcileRollout(obs: RolloutObservation): ReconcileResult {
  const ro = obs.rollout;
  const ref = ro.spec.workloadRef;
  const template = ref != null && obs.workload !== undefined ? obs.workload.template : (ro.spec.template ?? {});
  const effective: Rollout =
    ref != null && obs.workload !== undefined
      ? { ...ro, spec: { ...ro.spec, template, selector: ro.spec.selector ?? obs.workload.selector ?? null } }
      : ro;
  const problems = [
    ...(ref != null ? specProblems(effective, obs.workload !== undefined) : cachedSpecProblems(ro.spec)),
    ...environmentProblems(effective, obs),
  ];
  if (problems.length > 0) return invalid(obs, problems);

  // Restart (spec.restartAt) and the workloadRef target's generation are decided around the strategy: the
  // strategy sees them already in the status it starts from, so its phase and conditions account for them.
  const prev: RolloutStatus = ro.status ?? {};
  const restart = planRestart(effective, obs);
  const workloadGeneration = obs.workload?.generation != null ? String(obs.workload.generation) : undefined;
  const adds = restart.restartedAt !== undefined || workloadGeneration !== undefined;
  const start: RolloutStatus = adds
    ? {
        ...prev,
        ...(restart.restartedAt !== undefined ? { restartedAt: restart.restartedAt } : {}),
        ...(workloadGeneration !== undefined ? { workloadObservedGeneration: workloadGeneration } : {}),
      }
    : prev;
  // Nothing to add to the status (the usual case): the strategy sees the observation as it came.
  const input = effective === ro && !adds ? obs : { ...obs, rollout: { ...effective, status: start } };
  const result = effective.spec.strategy?.blueGreen != null ? reconcileBlueGreen(input, template) : reconcileCanary(input, template);

  const extra: Intent[] = [...restart.evictions, ...workloadScaleDown(effective, obs, result.status), ...runHistoryDeletions(effective, obs, result.status)];
  if (restart.restartedAt !== undefined) extra.push({ _tag: 'RecordEvent', type: 'Normal', eventReason: 'RolloutRestarted', message: `Rollout restarted: every pod created after ${restart.restartedAt}`, reason: 'restart complete' });
  if (extra.length === 0 && jsonEqual(start, prev)) return restart.requeueAt === undefined ? result : withRequeue(result, restart.requeueAt - obs.now);
  // Re-decide the status write against what the cluster really holds.
  const others = result.intents.filter((i) => i._tag !== 'UpdateStatus');
  const write: Intent[] = jsonEqual(result.status, prev) ? [] : [{ _tag: 'UpdateStatus', status: result.status, reason: `${result.status.phase ?? ''}${result.status.message ? `: ${result.status.message}` : ''}` }];
  const merged: ReconcileResult = { ...result, intents: [...others, ...extra, ...write] };
  return restart.requeueAt === undefined ? merged : withRequeue(merged, restart.requeueAt - obs.now);
}

function withRequeue(result: ReconcileResult, afterMs: number): ReconcileResult {
  const ms = Math.max(0, afterMs);
  return { ...result, requeueAfterMs: result.requeueAfterMs === undefined ? ms : Math.min(result.requeueAfterMs, ms) };
}

/**
 * `workloadRef.scaleDown`: `never` leaves the referenced Deployment alone; `onsuccess` scales it to 0 once the
 * Rollout is Healthy; `progressively` scales it down as the Rollout's pods become available (to 0 once Healthy).
 * The Deployment is never scaled up.
 */
export function workloadScaleDown(rollout: Rollout, obs: RolloutObservation, status: RolloutStatus): Intent[] {
  const policy = rollout.spec.workloadRef?.scaleDown ?? 'never';
  const current = obs.workload?.replicas;
  if (policy === 'never' || current === undefined || obs.workload?.kind !== 'Deployment') return [];
  const R = rollout.spec.replicas ?? 1;
  const healthy = status.phase === 'Healthy';
  const target = healthy ? 0 : policy === 'progressively' ? Math.max(0, R - (status.availableReplicas ?? 0)) : current;
  if (target >= current) return [];
  return [{ _tag: 'ScaleWorkload', replicas: target, reason: `workloadRef scaleDown ${policy}: Deployment ${obs.workload?.name ?? ''} scaled from ${current} to ${target} (${status.availableReplicas ?? 0}/${R} Rollout pods available)` }];
}
