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
import { terminateAbandoned } from './AbandonedRuns';
import { ephemeralMetadataIntents, withoutDeleted } from './EphemeralMetadata';
import { withoutUnparseableQuantities } from './TemplateQuantities';
import { reconcileBlueGreen } from './BlueGreenReconcile';
import { reconcileCanary } from './CanaryReconcile';
import { RECONCILIATION_ERROR, removeCondition, setCondition } from './Conditions';
import type { Intent, ReconcileResult } from './Intent';
import { runHistoryDeletions } from './RunHistory';
import { withRouterStatus } from './RouterStatus';
import { planRestart } from './Restart';
import type { RolloutObservation } from './Observation';
import { jsonEqual } from './internal/DeepEqual';
import { memoByContent } from './internal/Memo';
import { rolloutPhaseOf } from './RolloutStatusPhase';

const CANARY = 'spec.strategy.canary';
/** How many problems the InvalidSpec condition message spells out. */
const MAX_PROBLEMS_IN_MESSAGE = 5;

/** What a spec needs from its environment, worked out once per spec object (specs are immutable snapshots). */
interface SpecNeeds {
  /** Named Services, in the order they are reported (F1). */
  readonly services: ReadonlyArray<readonly [path: string, name: string]>;
  /** Referenced templates (F2). */
  readonly templates: ReadonlyArray<{ readonly path: string; readonly name: string; readonly cluster: boolean }>;
  /** Per step, in step order: the router capabilities it needs (only with traffic routing) and its step plugin. */
  readonly steps: ReadonlyArray<{ readonly at: string; readonly capabilities: ReadonlyArray<'setHeaderRoute' | 'setMirrorRoute'>; readonly plugin?: string }>;
  /** Fields set that this controller does not support yet (CAP6). */
  readonly notYet: ReadonlyArray<string>;
}

function computeSpecNeeds(spec: Rollout['spec']): SpecNeeds {
  const canary = spec.strategy?.canary;
  const bg = spec.strategy?.blueGreen;
  const services: Array<readonly [string, string]> = [];
  for (const [path, name] of [
    [`${CANARY}.stableService`, canary?.stableService],
    [`${CANARY}.canaryService`, canary?.canaryService],
    [`${CANARY}.pingPong.pingService`, canary?.pingPong?.pingService],
    [`${CANARY}.pingPong.pongService`, canary?.pingPong?.pongService],
    ['spec.strategy.blueGreen.activeService', bg?.activeService],
    ['spec.strategy.blueGreen.previewService', bg?.previewService],
  ] as const) {
    if (name != null && name !== '') services.push([path, name]);
  }
  type Refs = ReadonlyArray<{ templateName?: string | null; clusterScope?: boolean | null }> | null | undefined;
  const refs: Array<[string, Refs]> = [
    [`${CANARY}.analysis.templates`, canary?.analysis?.templates],
    ...(canary?.steps ?? []).map((st, i): [string, Refs] => [`${CANARY}.steps[${i}].analysis.templates`, st.analysis?.templates]),
    ['spec.strategy.blueGreen.prePromotionAnalysis.templates', bg?.prePromotionAnalysis?.templates],
    ['spec.strategy.blueGreen.postPromotionAnalysis.templates', bg?.postPromotionAnalysis?.templates],
  ];
  const templates = refs.flatMap(([path, list]) => (list ?? []).map((ref) => ({ path, name: ref.templateName ?? '', cluster: ref.clusterScope === true })));
  const steps = (canary?.steps ?? []).flatMap((step, i) => {
    const capabilities = canary?.trafficRouting == null ? [] : (['setHeaderRoute', 'setMirrorRoute'] as const).filter((field) => step[field] != null);
    if (capabilities.length === 0 && step.plugin == null) return [];
    return [{ at: `${CANARY}.steps[${i}]`, capabilities, ...(step.plugin != null ? { plugin: step.plugin.name } : {}) }];
  });
  // (ephemeral metadata and antiAffinity are supported: EphemeralMetadata.ts)
  const notYet: string[] = [];
  return { services, templates, steps, notYet };
}

/**
 * What a reconcile derives from a spec alone, once per spec (by identity, then by content): what it needs from
 * the environment and, asked for the first time, its validation problems.
 */
const specFacts = memoByContent((spec: Rollout['spec']): { readonly needs: SpecNeeds; problems?: ValidationError[] } => ({ needs: computeSpecNeeds(spec) }));
const specNeeds = (spec: Rollout['spec']): SpecNeeds => specFacts(spec).needs;

function hasNamed(objects: ReadonlyArray<{ readonly metadata?: { readonly name?: string | null } | null }>, name: string): boolean {
  for (let i = 0; i < objects.length; i++) if (objects[i]!.metadata?.name === name) return true;
  return false;
}

/** Problems that make a Rollout impossible to act on in this observation (beyond its own spec). */
export function environmentProblems(rollout: Rollout, obs: RolloutObservation): ValidationError[] {
  const out: ValidationError[] = [];
  const err = (path: string, message: string, rule: string, value?: unknown): void => {
    out.push({ path, type: 'Invalid', rule, message, ...(value !== undefined ? { value } : {}) });
  };
  const needs = specNeeds(rollout.spec);

  // F1: named Services must exist.
  // (Plain loops: this runs on every reconcile.)
  for (let i = 0; i < needs.services.length; i++) {
    const [path, name] = needs.services[i]!;
    if (!hasNamed(obs.services, name)) err(path, `service "${name}" not found`, 'F1', name);
  }
  // F2: referenced analysis templates must exist.
  for (let i = 0; i < needs.templates.length; i++) {
    const t = needs.templates[i]!;
    if (!hasNamed(t.cluster ? obs.clusterAnalysisTemplates : obs.analysisTemplates, t.name))
      err(t.path, t.cluster ? `ClusterAnalysisTemplate '${t.name}' not found` : `AnalysisTemplate '${t.name}' not found`, 'F2', t.name);
  }

  // What the routers and plugins can do: an unsupported step is an error, never a silent no-op.
  const routers = obs.trafficRouting?.routers ?? [];
  for (const r of routers) {
    if (r.problem !== undefined) err(r.path ?? `${CANARY}.trafficRouting.${r.kind}`, r.problem, 'ROUTER');
  }
  for (const step of needs.steps) {
    for (const capability of step.capabilities) {
      for (const r of routers) {
        if (!r.supports.includes(capability)) err(`${step.at}.${capability}`, `the ${r.kind} traffic router cannot perform ${capability}`, 'CAP1');
      }
    }
    if (step.plugin !== undefined && !(obs.stepPlugins ?? []).includes(step.plugin))
      err(`${step.at}.plugin.name`, `step plugin "${step.plugin}" is not configured in this controller`, 'CAP2', step.plugin);
  }
  // A plugin step whose config its plugin refuses cannot run: InvalidSpec at the field, not a retried Error.
  for (const p of obs.stepPluginConfigProblems ?? []) err(p.path, p.message, 'CAP3');
  // Features not implemented yet are errors, not silently ignored.
  for (const path of needs.notYet) err(path, 'not supported by this controller version yet', 'CAP6');
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
  // (a reconcile that got here did not throw: the controller's ReconciliationError note goes)
  const before = prev.conditions?.some((c) => c.type === RECONCILIATION_ERROR) === true ? removeCondition(prev.conditions, RECONCILIATION_ERROR) : prev.conditions;
  const conditions = setCondition(before, { type: 'InvalidSpec', status: 'True', reason: 'InvalidSpec', message }, obs.now);
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
// Specs are immutable snapshots: validate each once, by identity and then by content (a status write gives
// the Rollout a new object; its spec rarely changed). A Rollout without workloadRef is validated as it is.
function cachedSpecProblems(spec: Rollout['spec']): ValidationError[] {
  const facts = specFacts(spec);
  return (facts.problems ??= specProblems({ spec } as Rollout, false));
}

/**
 * Decide what to do for one Rollout. Pure: the observation holds everything, `now` included.
 */
export function reconcileRollout(obs: RolloutObservation): ReconcileResult {
  // Quantities Kubernetes cannot decode are dropped from the template, as upstream's typed decoding drops them
  // (TemplateQuantities.ts); the Rollout says which, when an update starts from such a template.
  const own = obs.rollout.spec.template;
  const cleaned = own != null ? withoutUnparseableQuantities(own) : undefined;
  if (cleaned === undefined || cleaned.dropped.length === 0) return withRouterStatus(obs, decideRollout(obs));
  const result = decideRollout({ ...obs, rollout: { ...obs.rollout, spec: { ...obs.rollout.spec, template: cleaned.template } } });
  if (result.status.currentPodHash === (obs.rollout.status?.currentPodHash ?? undefined)) return withRouterStatus(obs, result);
  const message = `Kubernetes cannot decode ${cleaned.dropped.length === 1 ? 'this field' : 'these fields'} of the pod template, which ${cleaned.dropped.length === 1 ? 'is' : 'are'} left out of the ReplicaSet (as Argo Rollouts does): ${cleaned.dropped.join('; ')}`;
  const warning: Intent = { _tag: 'RecordEvent', type: 'Warning', eventReason: 'InvalidPodTemplateField', message, reason: message };
  const intents = result.intents.slice();
  const at = intents.findIndex((i) => i._tag === 'UpdateStatus');
  intents.splice(at < 0 ? intents.length : at, 0, warning);
  return withRouterStatus(obs, { ...result, intents });
}

function decideRollout(obs: RolloutObservation): ReconcileResult {
  const ro = obs.rollout;
  const ref = ro.spec.workloadRef;
  const template = ref != null && obs.workload !== undefined ? obs.workload.template : (ro.spec.template ?? {});
  const effective: Rollout =
    ref != null && obs.workload !== undefined
      ? { ...ro, spec: { ...ro.spec, template, selector: ro.spec.selector ?? obs.workload.selector ?? null } }
      : ro;
  // Upstream resolves a workloadRef only into a Rollout whose own template is empty (R5): otherwise the Rollout is
  // validated as written, and "template must be empty for workload reference rollout" comes first.
  const asWritten = ref != null ? cachedSpecProblems(ro.spec) : undefined;
  const fromSpec = asWritten === undefined ? cachedSpecProblems(ro.spec) : asWritten.some((p) => p.rule === 'R5') ? asWritten : specProblems(effective, obs.workload !== undefined);
  const fromEnvironment = environmentProblems(effective, obs);
  const problems = fromEnvironment.length === 0 ? fromSpec : [...fromSpec, ...fromEnvironment];
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

  const extra: Intent[] = restart.evictions.length > 0 ? restart.evictions.slice() : [];
  const abandoned = obs.analysisRuns.length > 0 || obs.experiments.length > 0 ? terminateAbandoned(obs, result.status, result.intents) : [];
  if (abandoned.length > 0) extra.push(...abandoned);
  const scaleDown = workloadScaleDown(effective, obs, result.status);
  if (scaleDown.length > 0) extra.push(...scaleDown);
  const history = runHistoryDeletions(effective, obs, result.status);
  if (history.length > 0) extra.push(...history);
  const decorations = ephemeralMetadataIntents(effective, withoutDeleted(obs.replicaSets, result.intents), result.status);
  if (decorations.length > 0) extra.push(...decorations);
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
