/**
 * `reconcileExperiment`: the Experiment state machine (research notes §1.10, validation catalogue §8), as
 * one pure function from what the controller observed to the Experiment's next status and what to do.
 *
 * **Order of a reconcile**, as upstream's:
 * 1. A spec that fails `validateExperiment` gets the `InvalidSpec` condition (the first problem's message)
 *    and nothing else happens. A valid spec drops a previous `InvalidSpec` condition.
 * 2. Each template, in spec order: its ReplicaSet `<experiment>-<template>` is created (annotations
 *    `experiment.argoproj.io/name` and `experiment.argoproj.io/template-name`, label
 *    `rollouts-pod-template-hash`, `replicas` default 1, `minReadySeconds`), its Service is created when
 *    `service` is set and the pods expose container ports (named `service.name`, else after the ReplicaSet),
 *    and the ReplicaSet is scaled to what the experiment wants: `replicas`, or 0 once the template is done or
 *    the experiment is terminating, after `scaleDownDelaySeconds` (default 30; the `scale-down-deadline`
 *    annotation records when). The template's status follows its ReplicaSet: `Running` when the available
 *    replicas equal the wanted ones, `Successful` when that holds after `duration` (counted from
 *    `availableAt`) or when the experiment is terminating, `Failed` when `progressDeadlineSeconds` (default
 *    600) pass after the template's last transition without that, `Progressing` otherwise. A completed
 *    template (Successful, Failed, Error) never changes again.
 * 3. Each analysis: before `availableAt` only its template's existence is checked; once the experiment is
 *    available an AnalysisRun `<experiment>-<analysis>` is created (unless terminating), its arguments
 *    templated with `{{templates.<t>.podTemplateHash}}`, `{{templates.<t>.replicaset.name}}`,
 *    `{{experiment.availableAt}}` and `{{experiment.finishedAt}}` (a `valueFrom.fieldRef` argument is read from
 *    the Experiment, and one that does not resolve puts the analysis in Error); afterwards the run's phase is followed,
 *    and a running run is terminated when the experiment is terminating.
 * 4. The phase (`decideExperimentPhase`): `""` becomes `Pending`; while Pending or Running the worst template
 *    and the worst analysis decide it; `availableAt` is set when every template is Running; a completed phase
 *    never changes. Then the `Progressing` condition (`ReplicaSetUpdated` on progress, `NewReplicaSetAvailable`
 *    while running, False/`ExperimentCompleted` when Successful).
 * 5. The status is written only when it changed.
 *
 * The experiment is *terminating* (`experimentTerminating`) when `spec.terminate` is set, its phase is
 * completed, a template is Failed or Error, an analysis is Failed, Error or Inconclusive, or every required
 * analysis is Successful. Terminating, it creates nothing new, scales its templates to 0 and terminates its
 * running AnalysisRuns.
 *
 * **Deliberate differences from upstream** (each to avoid a stuck experiment or a needless write):
 * - A ReplicaSet is created with its wanted replicas (upstream creates it at 0 and scales it up on the next
 *   reconcile), its Service in the same reconcile, and no ReplicaSet is created for a terminating experiment.
 * - An analysis's status keeps following its run while the experiment is terminating (upstream stops, so an
 *   experiment terminated while a required analysis was running stayed Running forever).
 * - A run whose phase is still `""` counts as Pending (upstream copies `""`, which ranks like Successful).
 * - A run named `<experiment>-<analysis>` that exists and is not completed is adopted when the status lost
 *   track of it (upstream compares specs first); otherwise a free name `<base>.N` is taken.
 * - The template's `lastTransitionTime` moves when its ReplicaSet is created, scaled or annotated, or its
 *   counts change, not on every reconcile spent waiting for the scale-down delay.
 * - Scaling a ReplicaSet up drops a `scale-down-deadline` left from an earlier end (a retried experiment),
 *   so the next scale-down waits its full delay again.
 * - A template's Service is deleted once its ReplicaSet is at 0 replicas with none available (upstream
 *   deletes it only when it scales down a ReplicaSet that already has no available pod, so almost never).
 * - Phase messages that upstream leaves empty say what the experiment is waiting for, with numbers, and a
 *   phase change is also recorded as an event `Experiment<Phase>` (upstream records only template and
 *   analysis transitions).
 * - Two owned ReplicaSets (or Services) claiming one template: a Warning event `ExperimentReconcileError`
 *   and nothing else (upstream fails the sync with the same message).
 * - Messages of the InvalidSpec condition follow `reconcileRollout`: our own rules (`EX*`) carry their path,
 *   and `(and N more problems)` is appended when there are several.
 */
import * as E from 'fp-ts/lib/Either';
import {
  EXPERIMENT_DEFAULT_PROGRESS_DEADLINE_SECONDS,
  POD_TEMPLATE_HASH_LABEL,
  formatValidationError,
  parseGoDuration,
  validateExperiment,
  type AnalysisPhase,
  type AnalysisRun,
  type Experiment,
  type ExperimentAnalysisRunStatus,
  type ExperimentAnalysisTemplateRef,
  type ExperimentSpec,
  type ExperimentStatus,
  type ExperimentTemplate,
  type ExperimentTemplateStatus,
  type OwnerReference,
  type ReplicaSet,
  type Rollout,
  type Service,
  type ValidationError,
} from '@rollouts/api';
import { buildAnalysisRun, fieldOf, metadataFieldOf } from './AnalysisRunBuilder';
import { substituteTags } from './AnalysisArgs';
import { phaseCompleted } from './AnalysisRunReconcile';
import { getCondition, removeCondition, setCondition } from './Conditions';
import type { ExperimentIntent, ExperimentReconcileResult } from './ExperimentIntent';
import type { ExperimentObservation } from './ExperimentObservation';
import type { RecordEvent } from './Intent';
import { jsonEqual } from './internal/DeepEqual';
import { podTemplateHash } from './PodTemplateHash';
import { rsAvailable, rsHash, rsName, rsReady, rsScaleDownDeadline, rsSpecReplicas, rsStatusReplicas } from './ReplicaSetView';
import { SCALE_DOWN_DEADLINE, withInstanceIdOf } from './Labels';
import { followable, freeName, inFamily, ownerVersionAnnotation, sameSpec } from './RolloutAnalysisRuns';
import { fromRfc3339, toRfc3339 } from './Time';
import { mergedMaps, withEntry } from './internal/Records';

/** Annotation on an experiment's ReplicaSets and Services: the Experiment's name. */
export const EXPERIMENT_NAME_ANNOTATION = 'experiment.argoproj.io/name';
/** Annotation on an experiment's ReplicaSets and Services: the template's name. */
export const EXPERIMENT_TEMPLATE_NAME_ANNOTATION = 'experiment.argoproj.io/template-name';
/** Upstream's default `spec.scaleDownDelaySeconds` of an Experiment. */
export const DEFAULT_EXPERIMENT_SCALE_DOWN_DELAY_SECONDS = 30;
/** Upstream's phase message when every required analysis succeeded. */
export const REQUIRED_ANALYSIS_COMPLETED_MESSAGE = 'Required AnalysisRuns completed';

/** The reasons of an Experiment's conditions, as upstream writes them. */
export const ExperimentConditionReason = {
  /** Progressing True: a template's replica counts changed. */
  ReplicaSetUpdated: 'ReplicaSetUpdated',
  /** Progressing True: every template is available and the duration has not passed. */
  NewReplicaSetAvailable: 'NewReplicaSetAvailable',
  /** Progressing False: the experiment is Successful. */
  ExperimentCompleted: 'ExperimentCompleted',
  InvalidSpec: 'InvalidSpec',
} as const;

/** A phase and the message that explains it. */
export interface PhaseVerdict {
  readonly phase: AnalysisPhase;
  readonly message: string;
}

// ---------------------------------------------------------------------------------------------------------
// Rules, each a small pure function

const TEMPLATE_COMPLETED: ReadonlySet<string> = new Set(['Successful', 'Failed', 'Error']);
/** Whether a template status is final (`Successful`, `Failed`, `Error`). */
export const templateCompleted = (status: string | null | undefined): boolean => status != null && TEMPLATE_COMPLETED.has(status);

// Best to worst. A status not listed ranks like the first (as upstream's index lookup does).
const TEMPLATE_ORDER: ReadonlyArray<string> = ['Successful', 'Running', 'Progressing', 'Error', 'Failed'];
const ANALYSIS_ORDER: ReadonlyArray<string> = ['Successful', 'Running', 'Pending', 'Inconclusive', 'Error', 'Failed'];
const rank = (order: ReadonlyArray<string>, s: string | null | undefined): number => Math.max(0, order.indexOf(s ?? ''));

/** Whether the experiment has at least one analysis with `requiredForCompletion`. */
export const hasRequiredAnalyses = (spec: ExperimentSpec): boolean => (spec.analyses ?? []).some((a) => a.requiredForCompletion === true);

/** At least one analysis is required for completion, and every required one is Successful. */
export function requiredAnalysesSuccessful(spec: ExperimentSpec, status: ExperimentStatus | null | undefined): boolean {
  const required = (spec.analyses ?? []).filter((a) => a.requiredForCompletion === true);
  return required.length > 0 && required.every((a) => (status?.analysisRuns ?? []).find((r) => r.name === a.name)?.phase === 'Successful');
}

/**
 * Whether the experiment is winding down (upstream's `IsTerminating`): `spec.terminate`, a completed phase, a
 * Failed or Error template, a Failed, Error or Inconclusive analysis, or every required analysis Successful.
 */
export function experimentTerminating(exp: Experiment): boolean {
  const status = exp.status ?? {};
  if (exp.spec.terminate === true || phaseCompleted(status.phase)) return true;
  if ((status.templateStatuses ?? []).some((t) => t.status === 'Failed' || t.status === 'Error')) return true;
  if ((status.analysisRuns ?? []).some((r) => r.phase === 'Failed' || r.phase === 'Error' || r.phase === 'Inconclusive')) return true;
  return requiredAnalysesSuccessful(exp.spec, status);
}

/** The replicas a template's ReplicaSet should have: 0 once the experiment or the template is done, else `replicas` (default 1). */
export function templateDesiredReplicas(exp: Experiment, template: ExperimentTemplate): number {
  if (experimentTerminating(exp)) return 0;
  const ts = (exp.status?.templateStatuses ?? []).find((s) => s.name === template.name);
  if (templateCompleted(ts?.status)) return 0;
  return template.replicas ?? 1;
}

/**
 * The worst template status as an experiment phase (Progressing → Pending; a template without status
 * counts as Progressing), with the message of the worst template. No templates: Successful.
 */
export function assessTemplates(spec: ExperimentSpec, statuses: ReadonlyArray<ExperimentTemplateStatus>): PhaseVerdict {
  let worst = 'Successful';
  let message = '';
  for (const t of spec.templates) {
    const ts = statuses.find((s) => s.name === t.name);
    if (ts === undefined) {
      if (rank(TEMPLATE_ORDER, 'Progressing') > rank(TEMPLATE_ORDER, worst)) worst = 'Progressing';
    } else if (rank(TEMPLATE_ORDER, ts.status) > rank(TEMPLATE_ORDER, worst)) {
      worst = ts.status ?? '';
      message = ts.message ?? '';
    }
  }
  switch (worst) {
    case 'Progressing':
      return { phase: 'Pending', message };
    case 'Failed':
    case 'Error':
    case 'Successful':
      return { phase: worst, message };
    default:
      return { phase: 'Running', message };
  }
}

/**
 * The worst analysis phase (Successful < Running < Pending < Inconclusive < Error < Failed), with its
 * message. When every required analysis is Successful and nothing is worse than Successful:
 * Successful / `Required AnalysisRuns completed`. Pending reads as Running. No analyses: Successful.
 */
export function assessAnalyses(spec: ExperimentSpec, statuses: ReadonlyArray<ExperimentAnalysisRunStatus>): PhaseVerdict {
  let worst = 'Successful';
  let message = '';
  for (const a of spec.analyses ?? []) {
    const s = statuses.find((r) => r.name === a.name);
    if (rank(ANALYSIS_ORDER, s?.phase) > rank(ANALYSIS_ORDER, worst)) {
      worst = s?.phase ?? '';
      message = s?.message ?? '';
    }
  }
  if (requiredAnalysesSuccessful(spec, { analysisRuns: [...statuses] }) && rank(ANALYSIS_ORDER, 'Running') > rank(ANALYSIS_ORDER, worst)) {
    return { phase: 'Successful', message: REQUIRED_ANALYSIS_COMPLETED_MESSAGE };
  }
  return { phase: (worst === 'Pending' ? 'Running' : worst) as AnalysisPhase, message };
}

export interface ExperimentPhaseInput {
  readonly templates: PhaseVerdict;
  readonly analyses: PhaseVerdict;
  readonly hasRequiredAnalyses: boolean;
  readonly requiredAnalysesSuccessful: boolean;
}

/**
 * The phase of a Pending or Running experiment (§1.10, upstream's `calculateStatus`):
 * - templates completed: when they are Successful and the analyses are completed too, or some analysis is
 *   required, the analyses decide; otherwise the (Failed / Error / Successful) templates decide;
 * - templates not completed: a completed non-Successful analysis decides; all required analyses Successful →
 *   the analyses decide; otherwise the templates decide (Pending while any is progressing, else Running).
 */
export function decideExperimentPhase(input: ExperimentPhaseInput): PhaseVerdict {
  const { templates, analyses } = input;
  if (phaseCompleted(templates.phase)) {
    return templates.phase === 'Successful' && (phaseCompleted(analyses.phase) || input.hasRequiredAnalyses) ? analyses : templates;
  }
  if (phaseCompleted(analyses.phase) && analyses.phase !== 'Successful') return analyses;
  if (input.requiredAnalysesSuccessful) return analyses;
  return templates;
}

/**
 * Resolve `{{templates.<t>.podTemplateHash}}`, `{{templates.<t>.replicaset.name}}`, `{{experiment.availableAt}}`
 * and `{{experiment.finishedAt}}` in an analysis argument's value. A tag with no value (an unknown key, a
 * template without ReplicaSet, `finishedAt` without `duration`) fails with `failed to resolve {{tag}}`.
 */
export function resolveExperimentArgValue(
  value: string,
  context: {
    readonly replicaSets: ReadonlyMap<string, { readonly name: string; readonly podTemplateHash: string }>;
    readonly availableAt?: string | undefined;
    readonly finishedAt?: string | undefined;
  },
): E.Either<string, string> {
  const lookup = (tag: string): string | undefined => {
    if (tag === 'experiment.availableAt') return context.availableAt;
    if (tag === 'experiment.finishedAt') return context.finishedAt;
    const m = /^templates\.(.+)\.(podTemplateHash|replicaset\.name)$/.exec(tag);
    const rs = m?.[1] === undefined ? undefined : context.replicaSets.get(m[1]);
    if (m === null || rs === undefined) return undefined;
    return m[2] === 'podTemplateHash' ? rs.podTemplateHash : rs.name;
  };
  return substituteTags(value, lookup);
}

// ---------------------------------------------------------------------------------------------------------
// Objects the experiment creates

const ownerReferences = (exp: Experiment): { ownerReferences?: OwnerReference[] } =>
  exp.metadata?.uid != null
    ? { ownerReferences: [{ apiVersion: 'argoproj.io/v1alpha1', kind: 'Experiment', name: exp.metadata.name ?? '', uid: exp.metadata.uid, controller: true, blockOwnerDeletion: true }] }
    : {};

const namespaceOf = (exp: Experiment): { namespace?: string } => (exp.metadata?.namespace != null ? { namespace: exp.metadata.namespace } : {});

const experimentAnnotations = (exp: Experiment, template: string): Record<string, string> => ({
  [EXPERIMENT_NAME_ANNOTATION]: exp.metadata?.name ?? '',
  [EXPERIMENT_TEMPLATE_NAME_ANNOTATION]: template,
});

/**
 * The `rollouts-pod-template-hash` of a template's ReplicaSet and pods: the pod-template hash of the template
 * (without a hash label it was copied with) as the Experiment identifies it, that is with the
 * `experiment.argoproj.io/name` and `template-name` annotations its ReplicaSet carries, so that it never equals
 * the hash a Rollout gives the same pod template. A Rollout's canary and stable Services select pods by that
 * label: an experiment step running the canary template must not receive the canary Service's traffic. (Upstream
 * hashes the template it copied from the Rollout's ReplicaSet, which the API server has defaulted, so its hash
 * differs from the Rollout's in practice but not by rule.) The pods' own metadata is not changed.
 */
export function experimentPodTemplateHash(exp: Experiment, template: ExperimentTemplate, collisionCount?: number | null): string {
  const metadata = template.template.metadata ?? {};
  const identified = { ...template.template, metadata: { ...metadata, annotations: mergedMaps(metadata.annotations, experimentAnnotations(exp, template.name)) } };
  return podTemplateHash(identified, collisionCount);
}

/**
 * The ReplicaSet of a template: `<experiment>-<template>`, owned by the Experiment, labelled and selecting
 * `rollouts-pod-template-hash: <experimentPodTemplateHash>` (with `collisionCount` when the template status has one).
 */
export function newExperimentReplicaSet(exp: Experiment, template: ExperimentTemplate, collisionCount: number | null | undefined, replicas: number): ReplicaSet {
  const hash = experimentPodTemplateHash(exp, template, collisionCount);
  const podLabels = withEntry(template.template.metadata?.labels, POD_TEMPLATE_HASH_LABEL, hash);
  const selector = template.selector;
  return {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: {
      name: `${exp.metadata?.name ?? ''}-${template.name}`,
      ...namespaceOf(exp),
      labels: { [POD_TEMPLATE_HASH_LABEL]: hash },
      annotations: experimentAnnotations(exp, template.name),
      ...ownerReferences(exp),
    },
    spec: {
      replicas,
      ...(template.minReadySeconds != null ? { minReadySeconds: template.minReadySeconds } : {}),
      selector: { ...selector, matchLabels: withEntry(selector.matchLabels, POD_TEMPLATE_HASH_LABEL, hash) },
      template: { ...template.template, metadata: { ...(template.template.metadata ?? {}), labels: podLabels } },
    },
  };
}

type ServicePort = NonNullable<NonNullable<Service['spec']>['ports']>[number];

/** One Service port per container port of the pod template (same number as target; name and protocol kept). */
export function templateServicePorts(template: ExperimentTemplate): ServicePort[] {
  return (template.template.spec?.containers ?? []).flatMap((c) =>
    (c.ports ?? []).map((p) => ({
      ...(p.name ? { name: p.name } : {}),
      ...(p.protocol ? { protocol: p.protocol } : {}),
      port: p.containerPort,
      targetPort: p.containerPort,
    })),
  );
}

/** The Service of a template: selects the template's pods by hash; owned and annotated like the ReplicaSet. */
export function newExperimentService(exp: Experiment, template: ExperimentTemplate, name: string, hash: string, ports: ReadonlyArray<ServicePort>): Service {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, ...namespaceOf(exp), annotations: experimentAnnotations(exp, template.name), ...ownerReferences(exp) },
    spec: { selector: { [POD_TEMPLATE_HASH_LABEL]: hash }, ports: [...ports] },
  };
}

// ---------------------------------------------------------------------------------------------------------
// The reconcile

/** The owned objects of each template, by the experiment annotations; Left when two claim one template. */
function byTemplate<T extends { metadata?: { annotations?: Readonly<Record<string, string>> | null; name?: string | null } | null }>(
  exp: Experiment,
  objects: ReadonlyArray<T>,
  kind: string,
): E.Either<string, Map<string, T>> {
  const names = new Set(exp.spec.templates.map((t) => t.name));
  const out = new Map<string, T>();
  for (const o of objects) {
    const a = o.metadata?.annotations ?? {};
    const template = a[EXPERIMENT_TEMPLATE_NAME_ANNOTATION];
    if (a[EXPERIMENT_NAME_ANNOTATION] !== exp.metadata?.name || template == null || template === '' || !names.has(template)) continue;
    const other = out.get(template);
    if (other !== undefined) return E.left(`multiple ${kind}s match single experiment template: ${template} (${other.metadata?.name ?? ''}, ${o.metadata?.name ?? ''})`);
    out.set(template, o);
  }
  return E.right(out);
}

interface Context {
  readonly obs: ExperimentObservation;
  readonly exp: Experiment;
  readonly name: string;
  readonly prev: ExperimentStatus;
  readonly now: number;
  readonly terminating: boolean;
  readonly durationMs: number | undefined;
  /** `availableAt + duration` has passed (by the status as observed). */
  readonly passedDuration: boolean;
  readonly deadlineSeconds: number;
  readonly scaleDownDelaySeconds: number;
  readonly actions: ExperimentIntent[];
  readonly events: RecordEvent[];
  readonly requeueAt: number[];
  /** The ReplicaSet of each template (observed, or created in this reconcile), for argument templating. */
  readonly templateReplicaSets: Map<string, { readonly name: string; readonly podTemplateHash: string }>;
}

const event = (c: Context, type: 'Normal' | 'Warning', eventReason: string, message: string): void => {
  c.events.push({ _tag: 'RecordEvent', type, eventReason, message, reason: message });
};

const replicasWord = (n: number): string => `${n} replica${n === 1 ? '' : 's'}`;

/** Create, scale and serve one template; its next status. */
function reconcileTemplate(c: Context, t: ExperimentTemplate, rs: ReplicaSet | undefined, svc: Service | undefined): ExperimentTemplateStatus {
  const prevTs = (c.prev.templateStatuses ?? []).find((s) => s.name === t.name);
  const desired = templateDesiredReplicas(c.exp, t);
  let status = prevTs?.status ?? '';
  let message = prevTs?.message ?? '';
  let lastTransitionTime = prevTs?.lastTransitionTime ?? undefined;
  let serviceName = prevTs?.serviceName ?? '';
  let servicePodHash = prevTs?.podTemplateHash ?? '';
  let transitioned = false;

  const ensureService = (rsNameValue: string, hash: string): void => {
    if (t.service == null || desired === 0) return;
    const ports = templateServicePorts(t);
    if (ports.length === 0) return;
    if (svc === undefined) {
      const name = t.service.name ? t.service.name : rsNameValue;
      c.actions.push({
        _tag: 'CreateService',
        service: newExperimentService(c.exp, t, name, hash, ports),
        reason: `template ${t.name}: Service ${name} for ${ports.length} container port${ports.length === 1 ? '' : 's'} of ReplicaSet ${rsNameValue}`,
      });
      serviceName = name;
    } else {
      serviceName = svc.metadata?.name ?? '';
    }
    servicePodHash = hash;
  };
  const deleteService = (why: string): void => {
    if (svc === undefined) return;
    const name = svc.metadata?.name ?? '';
    c.actions.push({ _tag: 'DeleteService', name, reason: `template ${t.name}: delete Service ${name}: ${why}` });
    serviceName = '';
    servicePodHash = '';
  };

  if (rs === undefined) {
    if (desired > 0) {
      const created = newExperimentReplicaSet(c.exp, t, prevTs?.collisionCount, desired);
      const name = created.metadata?.name ?? '';
      const hash = created.metadata?.labels?.[POD_TEMPLATE_HASH_LABEL] ?? '';
      c.actions.push({ _tag: 'CreateReplicaSet', replicaSet: created, reason: `template ${t.name}: create ReplicaSet ${name} with ${replicasWord(desired)}` });
      event(c, 'Normal', 'NewReplicaSetCreated', `Created new replica set ${JSON.stringify(name)} with size ${desired}`);
      c.templateReplicaSets.set(t.name, { name, podTemplateHash: hash });
      transitioned = true;
      ensureService(name, hash);
    } else if (svc !== undefined && t.service != null) {
      deleteService('the template has no ReplicaSet and wants 0 replicas');
    }
  } else {
    const name = rsName(rs);
    const hash = rsHash(rs) ?? '';
    c.templateReplicaSets.set(t.name, { name, podTemplateHash: hash });
    if (t.service != null) ensureService(name, hash);
    else deleteService('the template no longer sets service');
    const current = rsSpecReplicas(rs);
    if (current !== desired) {
      const delay = c.scaleDownDelaySeconds;
      const deadline = rsScaleDownDeadline(rs);
      if (desired === 0 && delay > 0 && deadline === undefined) {
        const at = c.now + delay * 1000;
        c.actions.push({
          _tag: 'AnnotateReplicaSet',
          name,
          annotations: { [SCALE_DOWN_DEADLINE]: toRfc3339(at) },
          reason: `template ${t.name}: scale ReplicaSet ${name} from ${current} to 0 at ${toRfc3339(at)} (scaleDownDelaySeconds ${delay})`,
        });
        c.requeueAt.push(at);
        transitioned = true;
      } else if (desired === 0 && delay > 0 && deadline !== undefined && deadline > c.now) {
        c.requeueAt.push(deadline);
      } else {
        const direction = current < desired ? 'up' : 'down';
        // A deadline left from an earlier end (a retried experiment) must not shorten the next delay.
        const removeDeadline = deadline !== undefined && (desired > 0 || delay === 0);
        c.actions.push({
          _tag: 'ScaleReplicaSet',
          name,
          replicas: desired,
          ...(removeDeadline ? { annotations: { [SCALE_DOWN_DEADLINE]: null } } : {}),
          reason:
            desired === 0
              ? `template ${t.name}: scale ReplicaSet ${name} from ${current} to 0 (${delay === 0 ? 'scaleDownDelaySeconds 0' : `scale-down deadline ${toRfc3339(deadline ?? c.now)} passed`})`
              : `template ${t.name}: scale ReplicaSet ${name} from ${current} to ${desired} (template replicas ${desired})`,
        });
        event(c, 'Normal', 'ScalingReplicaSet', `Scaled ${direction} ReplicaSet ${name} from ${current} to ${desired}`);
        transitioned = true;
      }
    } else if (desired === 0 && t.service != null && rsAvailable(rs) === 0) {
      deleteService(`ReplicaSet ${name} is scaled to 0 and has no available pods`);
    }
  }

  const counts = {
    replicas: rsStatusReplicas(rs),
    updatedReplicas: rsStatusReplicas(rs),
    readyReplicas: rsReady(rs),
    availableReplicas: rsAvailable(rs),
  };
  const before = { replicas: prevTs?.replicas ?? 0, updatedReplicas: prevTs?.updatedReplicas ?? 0, readyReplicas: prevTs?.readyReplicas ?? 0, availableReplicas: prevTs?.availableReplicas ?? 0 };
  if (!jsonEqual(counts, before)) transitioned = true;
  if (transitioned) lastTransitionTime = toRfc3339(c.now);

  if (!templateCompleted(status)) {
    if (desired === counts.availableReplicas) {
      status = c.passedDuration || c.terminating ? 'Successful' : 'Running';
    } else {
      const from = (lastTransitionTime != null ? fromRfc3339(lastTransitionTime) : undefined) ?? c.now;
      const deadline = from + c.deadlineSeconds * 1000;
      if (c.now > deadline) {
        status = 'Failed';
        message = `Template '${t.name}' exceeded its progressDeadlineSeconds (${c.deadlineSeconds})`;
      } else if (c.terminating) {
        status = 'Successful';
      } else {
        status = 'Progressing';
        c.requeueAt.push(deadline + 1);
      }
    }
  }

  const prevCode = prevTs?.status ?? '';
  if (prevCode !== status) {
    const text = `Template '${t.name}' transitioned from ${prevCode} -> ${status}${message ? `: ${message}` : ''}`;
    event(c, status === 'Failed' || status === 'Error' ? 'Warning' : 'Normal', `Template${status}`, text);
  }

  return {
    name: t.name,
    ...counts,
    ...(prevTs?.collisionCount != null ? { collisionCount: prevTs.collisionCount } : {}),
    ...(status ? { status } : {}),
    ...(message ? { message } : {}),
    ...(lastTransitionTime != null ? { lastTransitionTime } : {}),
    ...(serviceName ? { serviceName } : {}),
    ...(servicePodHash ? { podTemplateHash: servicePodHash } : {}),
  };
}

/**
 * A `fieldRef` argument of an Experiment analysis, read from the Experiment: `metadata.*` as the downward API
 * reads it (`metadata.labels['k']` of an absent key is `""`), any other path from the Experiment's JSON, where
 * a path that leads nowhere is an error (upstream fails the argument; it never becomes an empty value).
 */
function experimentFieldOf(exp: Experiment, fieldPath: string): E.Either<string, string> {
  if (fieldPath.startsWith('metadata')) return metadataFieldOf(exp, fieldPath);
  const v = fieldOf(exp, fieldPath);
  return v === undefined ? E.left(`fieldPath ${JSON.stringify(fieldPath)} not found in the Experiment`) : E.right(v);
}

/** The AnalysisRun of one analysis, as `buildAnalysisRun` makes it for a Rollout, but owned by the Experiment. */
function buildExperimentRun(c: Context, a: ExperimentAnalysisTemplateRef, runName: string): E.Either<string, AnalysisRun> {
  const availableAtMs = c.prev.availableAt != null ? fromRfc3339(c.prev.availableAt) : undefined;
  const availableAt = availableAtMs !== undefined ? toRfc3339(availableAtMs) : undefined;
  const finishedAt = availableAtMs !== undefined && c.durationMs !== undefined ? toRfc3339(availableAtMs + c.durationMs) : undefined;
  // Values are templated and passed on; a `valueFrom.fieldRef` is read from the Experiment and must resolve (an
  // error, never an empty value or the template's default); an argument with neither leaves the template's own.
  const args: Array<{ name: string; value: string }> = [];
  for (const arg of a.args ?? []) {
    if (arg.value == null) {
      const fieldPath = arg.valueFrom?.fieldRef?.fieldPath;
      if (fieldPath == null) continue;
      const v = experimentFieldOf(c.exp, fieldPath);
      if (E.isLeft(v)) return E.left(`arg ${JSON.stringify(arg.name)}: ${v.left}`);
      args.push({ name: arg.name, value: v.right });
      continue;
    }
    const v = resolveExperimentArgValue(arg.value, { replicaSets: c.templateReplicaSets, availableAt, finishedAt });
    if (E.isLeft(v)) return v;
    args.push({ name: arg.name, value: v.right });
  }
  const spec = c.exp.spec;
  // The builder reads only the caller's name and namespace (no uid: the owner is set below).
  const caller = { metadata: { name: c.name, ...namespaceOf(c.exp) }, spec: {} } as Rollout;
  const built = buildAnalysisRun({
    rollout: caller,
    analysis: {
      templates: [{ templateName: a.templateName, ...(a.clusterScope != null ? { clusterScope: a.clusterScope } : {}) }],
      args,
      ...(spec.dryRun != null ? { dryRun: spec.dryRun } : {}),
      ...(spec.measurementRetention != null ? { measurementRetention: spec.measurementRetention } : {}),
      ...(spec.analysisRunMetadata != null ? { analysisRunMetadata: spec.analysisRunMetadata } : {}),
    },
    name: runName,
    labels: withInstanceIdOf(c.exp, {}),
    annotations: ownerVersionAnnotation(c.exp.metadata?.resourceVersion),
    templates: c.obs.analysisTemplates,
    clusterTemplates: c.obs.clusterAnalysisTemplates,
    stablePodHash: '',
    latestPodHash: '',
  });
  return E.map((run: AnalysisRun): AnalysisRun => ({ ...run, metadata: { ...run.metadata, ...ownerReferences(c.exp) } }))(built);
}

/** A run's phase as the experiment records it: `""` (not reconciled yet) reads as Pending. */
const runPhase = (run: AnalysisRun): ExperimentAnalysisRunStatus['phase'] => {
  const p = run.status?.phase ?? '';
  return p === '' ? 'Pending' : p;
};

/** Create, follow or terminate the AnalysisRun of one analysis; its next status. */
function reconcileAnalysis(c: Context, a: ExperimentAnalysisTemplateRef): ExperimentAnalysisRunStatus {
  const prevAs = (c.prev.analysisRuns ?? []).find((r) => r.name === a.name);
  let next: ExperimentAnalysisRunStatus = prevAs ?? { name: a.name, analysisRun: '', phase: '' };
  const base = `${c.name}-${a.name}`;

  if (c.prev.availableAt == null) {
    // Not available yet: no run, but a missing template fails the analysis now.
    const cluster = a.clusterScope === true;
    const exists = cluster
      ? c.obs.clusterAnalysisTemplates.some((x) => x.metadata?.name === a.templateName)
      : c.obs.analysisTemplates.some((x) => x.metadata?.name === a.templateName);
    if (!exists) {
      const resource = cluster ? 'clusteranalysistemplate' : 'analysistemplate';
      next = {
        ...next,
        phase: 'Error',
        message: `${cluster ? 'ClusterAnalysisTemplate' : 'AnalysisTemplate'} verification failed for analysis '${a.name}': ${resource}.argoproj.io ${JSON.stringify(a.templateName)} not found`,
      };
    }
  } else if (next.analysisRun === '') {
    if (!c.terminating) {
      // A run of this analysis that the status does not name (the status write that named it failed) is followed,
      // not duplicated, when it is this Experiment's (controller uid), still going or made on the decision this
      // Experiment version is reconciled on again (OWNER_VERSION_ANNOTATION), and what would be created now.
      const uid = c.exp.metadata?.uid ?? undefined;
      const version = c.exp.metadata?.resourceVersion;
      let desired: E.Either<string, AnalysisRun> | undefined;
      let orphan: AnalysisRun | undefined;
      for (const r of c.obs.analysisRuns) {
        if (!inFamily(r.metadata?.name ?? '', base) || !followable(r, uid, version)) continue;
        desired ??= buildExperimentRun(c, a, base);
        if (E.isRight(desired) && sameSpec(r.spec, desired.right.spec)) {
          orphan = r;
          break;
        }
      }
      if (orphan !== undefined) {
        next = { name: a.name, analysisRun: orphan.metadata?.name ?? base, phase: runPhase(orphan), ...(orphan.status?.message ? { message: orphan.status.message } : {}) };
      } else {
        const runName = freeName(base, c.obs.analysisRuns);
        const built = desired !== undefined && E.isRight(desired) ? E.right({ ...desired.right, metadata: { ...desired.right.metadata, name: runName } }) : buildExperimentRun(c, a, runName);
        if (E.isLeft(built)) {
          next = { ...next, phase: 'Error', message: `Failed to create AnalysisRun for analysis '${a.name}': ${built.left}` };
        } else {
          c.actions.push({ _tag: 'CreateAnalysisRun', analysisRun: built.right, reason: `analysis ${a.name}: create AnalysisRun ${runName} from ${a.clusterScope === true ? 'ClusterAnalysisTemplate' : 'AnalysisTemplate'} ${a.templateName}` });
          next = { name: a.name, analysisRun: runName, phase: 'Pending' };
        }
      }
    }
  } else if (!phaseCompleted(next.phase)) {
    const run = c.obs.analysisRuns.find((r) => r.metadata?.name === next.analysisRun);
    if (run === undefined) {
      next = { ...next, phase: 'Error', message: `analysisrun.argoproj.io ${JSON.stringify(next.analysisRun)} not found` };
    } else {
      if (c.terminating && !phaseCompleted(run.status?.phase) && run.spec.terminate !== true) {
        const runName = run.metadata?.name ?? '';
        c.actions.push({ _tag: 'TerminateAnalysisRun', name: runName, reason: `analysis ${a.name}: terminate AnalysisRun ${runName}, the experiment is terminating` });
        event(c, 'Normal', 'AnalysisRunTerminating', `Terminating ${a.name} (${runName})`);
      }
      const { message: _dropped, ...rest } = next;
      next = { ...rest, phase: runPhase(run), ...(run.status?.message ? { message: run.status.message } : {}) };
    }
  }

  const prevPhase = prevAs?.phase ?? '';
  if (prevPhase !== next.phase && next.phase !== '') {
    const warning = next.phase === 'Failed' || next.phase === 'Error' || next.phase === 'Inconclusive';
    event(c, warning ? 'Warning' : 'Normal', `AnalysisRun${next.phase}`, `AnalysisRun '${a.name}' transitioned from ${prevPhase} -> ${next.phase}${next.message ? `: ${next.message}` : ''}`);
  }
  return next;
}

/** Replace or append by name, keeping the order of `list` (upstream never removes a status). */
function upsertByName<T extends { readonly name: string }>(list: ReadonlyArray<T>, item: T): T[] {
  const i = list.findIndex((x) => x.name === item.name);
  return i < 0 ? [...list, item] : list.map((x, j) => (j === i ? item : x));
}

/** Whether any template's replica counts changed (or a template got its first status): upstream's "progress". */
function progressed(before: ReadonlyArray<ExperimentTemplateStatus>, after: ReadonlyArray<ExperimentTemplateStatus>): boolean {
  if (before.length < after.length) return true;
  return before.some((b) => {
    const a = after.find((x) => x.name === b.name);
    return a !== undefined && (a.replicas !== b.replicas || a.updatedReplicas !== b.updatedReplicas || a.readyReplicas !== b.readyReplicas || a.availableReplicas !== b.availableReplicas);
  });
}

/** A message for a Pending or Running experiment that upstream leaves without one: what it waits for. */
function explainWaiting(c: Context, templates: ReadonlyArray<ExperimentTemplateStatus>, analyses: ReadonlyArray<ExperimentAnalysisRunStatus>, availableAt: string | undefined): string {
  const spec = c.exp.spec;
  const parts: string[] = [];
  const ofTemplate = (t: ExperimentTemplate) => templates.find((s) => s.name === t.name);
  const waiting = spec.templates.filter((t) => {
    const s = ofTemplate(t)?.status;
    return s !== 'Running' && s !== 'Successful';
  });
  if (waiting.length > 0) {
    const list = waiting.map((t) => `${t.name} ${ofTemplate(t)?.availableReplicas ?? 0}/${t.replicas ?? 1} available`).join(', ');
    parts.push(`waiting for ${waiting.length} of ${spec.templates.length} template${spec.templates.length === 1 ? '' : 's'} to become available: ${list}`);
  } else if (availableAt != null) {
    const stillRunning = spec.templates.some((t) => ofTemplate(t)?.status === 'Running');
    const availableMs = fromRfc3339(availableAt);
    const until =
      !stillRunning
        ? ''
        : c.durationMs !== undefined && availableMs !== undefined
          ? `, running until ${toRfc3339(availableMs + c.durationMs)} (duration ${spec.duration ?? ''})`
          : ', running until terminated (no duration)';
    parts.push(`all ${spec.templates.length} template${spec.templates.length === 1 ? '' : 's'} available since ${availableAt}${until}`);
  }
  const pendingRequired = (spec.analyses ?? [])
    .filter((a) => a.requiredForCompletion === true)
    .map((a) => [a.name, analyses.find((r) => r.name === a.name)?.phase || 'not started'] as const)
    .filter(([, phase]) => phase !== 'Successful');
  if (pendingRequired.length > 0) parts.push(`waiting for required analyses: ${pendingRequired.map(([n, p]) => `${n} (${p})`).join(', ')}`);
  const text = parts.join('; ');
  return text === '' ? '' : text.charAt(0).toUpperCase() + text.slice(1);
}

/** The status of an Experiment that cannot be acted on: the InvalidSpec condition, nothing else. */
function invalid(obs: ExperimentObservation, prev: ExperimentStatus, problems: ReadonlyArray<ValidationError>): ExperimentReconcileResult {
  const first = problems[0] as ValidationError;
  // Upstream's rules (E1–E5) carry their exact message; ours name the field.
  const text = /^E\d+$/.test(first.rule) ? first.message : formatValidationError(first);
  const more = problems.length > 1 ? ` (and ${problems.length - 1} more problem${problems.length > 2 ? 's' : ''})` : '';
  const message = `${text}${more}`;
  const conditions = setCondition(prev.conditions, { type: 'InvalidSpec', status: 'True', reason: ExperimentConditionReason.InvalidSpec, message }, obs.now);
  const status: ExperimentStatus = { ...prev, conditions };
  if (jsonEqual(status, prev)) return { status: prev, intents: [] };
  return {
    status,
    intents: [
      { _tag: 'RecordEvent', type: 'Warning', eventReason: 'InvalidSpec', message, reason: message },
      { _tag: 'UpdateExperimentStatus', status, reason: `invalid spec: ${message}` },
    ],
  };
}

/**
 * Decide what to do for one Experiment. Pure: the observation holds everything, `now` included. See the
 * module documentation for the rules and for where this differs from upstream.
 */
export function reconcileExperiment(obs: ExperimentObservation): ExperimentReconcileResult {
  const exp = obs.experiment;
  const prev: ExperimentStatus = exp.status ?? {};
  if (exp.metadata?.deletionTimestamp != null) return { status: prev, intents: [] };
  const problems = validateExperiment(exp);
  if (problems.length > 0) return invalid(obs, prev, problems);

  const rsByTemplate = byTemplate(exp, obs.replicaSets, 'ReplicaSet');
  const svcByTemplate = E.isRight(rsByTemplate) ? byTemplate(exp, obs.services, 'Service') : rsByTemplate;
  if (E.isLeft(rsByTemplate) || E.isLeft(svcByTemplate)) {
    const message = E.isLeft(rsByTemplate) ? rsByTemplate.left : E.isLeft(svcByTemplate) ? svcByTemplate.left : '';
    return { status: prev, intents: [{ _tag: 'RecordEvent', type: 'Warning', eventReason: 'ExperimentReconcileError', message, reason: message }] };
  }

  const spec = exp.spec;
  const now = obs.now;
  const parsedDuration = spec.duration != null ? parseGoDuration(spec.duration) : undefined;
  const durationMs = parsedDuration !== undefined && E.isRight(parsedDuration) ? parsedDuration.right : undefined;
  const prevAvailableMs = prev.availableAt != null ? fromRfc3339(prev.availableAt) : undefined;
  const c: Context = {
    obs,
    exp,
    name: exp.metadata?.name ?? '',
    prev,
    now,
    terminating: experimentTerminating(exp),
    durationMs,
    passedDuration: durationMs !== undefined && prevAvailableMs !== undefined && now > prevAvailableMs + durationMs,
    deadlineSeconds: spec.progressDeadlineSeconds ?? EXPERIMENT_DEFAULT_PROGRESS_DEADLINE_SECONDS,
    scaleDownDelaySeconds: spec.scaleDownDelaySeconds ?? DEFAULT_EXPERIMENT_SCALE_DOWN_DELAY_SECONDS,
    actions: [],
    events: [],
    requeueAt: [],
    templateReplicaSets: new Map(),
  };

  // Templates, then analyses (which template the ReplicaSets created just now).
  let templateStatuses: ExperimentTemplateStatus[] = [...(prev.templateStatuses ?? [])];
  for (const t of spec.templates) {
    templateStatuses = upsertByName(templateStatuses, reconcileTemplate(c, t, rsByTemplate.right.get(t.name), svcByTemplate.right.get(t.name)));
  }
  let analysisRuns: ExperimentAnalysisRunStatus[] = [...(prev.analysisRuns ?? [])];
  for (const a of spec.analyses ?? []) analysisRuns = upsertByName(analysisRuns, reconcileAnalysis(c, a));

  // Phase.
  let phase: AnalysisPhase = prev.phase ?? 'Pending';
  let message = prev.message ?? '';
  let availableAt = prev.availableAt ?? undefined;
  if (((prev.phase ?? '') as string) === '') {
    phase = 'Pending';
    if (message === '') message = explainWaiting(c, templateStatuses, analysisRuns, availableAt);
  } else if (phase === 'Pending' || phase === 'Running') {
    const templates = assessTemplates(spec, templateStatuses);
    const analyses = assessAnalyses(spec, analysisRuns);
    if (templates.phase === 'Running' && availableAt == null) availableAt = toRfc3339(now);
    const verdict = decideExperimentPhase({
      templates,
      analyses,
      hasRequiredAnalyses: hasRequiredAnalyses(spec),
      requiredAnalysesSuccessful: requiredAnalysesSuccessful(spec, { analysisRuns }),
    });
    phase = verdict.phase;
    message = verdict.message;
    if (message === '' && (phase === 'Pending' || phase === 'Running')) message = explainWaiting(c, templateStatuses, analysisRuns, availableAt);
    if (message === '' && phase === 'Successful') {
      if (spec.terminate === true) message = 'Terminated (spec.terminate)';
      else if (c.passedDuration) message = `All templates ran for the full duration (${spec.duration ?? ''})`;
    }
    if (phase !== prev.phase) {
      const warning = phase === 'Failed' || phase === 'Error' || phase === 'Inconclusive';
      event(c, warning ? 'Warning' : 'Normal', `Experiment${phase}`, `Experiment ${c.name} ${prev.phase} -> ${phase}${message ? `: ${message}` : ''}`);
    }
  }

  // Conditions: a valid spec drops InvalidSpec; then Progressing, as upstream.
  let conditions = getCondition(prev.conditions, 'InvalidSpec') !== undefined ? removeCondition(prev.conditions, 'InvalidSpec') : (prev.conditions ?? undefined);
  if (phase === 'Successful') {
    conditions = setCondition(conditions, { type: 'Progressing', status: 'False', reason: ExperimentConditionReason.ExperimentCompleted, message: `Experiment ${JSON.stringify(c.name)} has successfully ran and completed.` }, now);
  } else if (progressed(prev.templateStatuses ?? [], templateStatuses)) {
    conditions = setCondition(conditions, { type: 'Progressing', status: 'True', reason: ExperimentConditionReason.ReplicaSetUpdated, message: `Experiment ${JSON.stringify(c.name)} is progressing.` }, now, { touch: true });
  } else if (prev.availableAt != null && !c.passedDuration) {
    conditions = setCondition(conditions, { type: 'Progressing', status: 'True', reason: ExperimentConditionReason.NewReplicaSetAvailable, message: `Experiment ${JSON.stringify(c.name)} is running.` }, now);
  }

  const { message: _m, availableAt: _a, conditions: _c, templateStatuses: _t, analysisRuns: _r, ...rest } = prev;
  const status: ExperimentStatus = {
    ...rest,
    phase,
    ...(message !== '' ? { message } : {}),
    ...(templateStatuses.length > 0 || prev.templateStatuses != null ? { templateStatuses } : {}),
    ...(availableAt != null ? { availableAt } : {}),
    ...(conditions != null ? { conditions } : {}),
    ...(analysisRuns.length > 0 || prev.analysisRuns != null ? { analysisRuns } : {}),
  };

  // Requeue: the end of the duration (unless winding down), template deadlines and scale-down deadlines.
  const nextAvailableMs = availableAt != null ? fromRfc3339(availableAt) : undefined;
  if (durationMs !== undefined && nextAvailableMs !== undefined && !experimentTerminating({ ...exp, status })) {
    const end = nextAvailableMs + durationMs;
    if (now <= end) c.requeueAt.push(end + 1);
  }
  const requeue = c.requeueAt.length > 0 ? Math.max(0, Math.min(...c.requeueAt) - now) : undefined;

  const changed = !jsonEqual(status, prev);
  const intents: ExperimentIntent[] = [...c.actions, ...c.events];
  if (changed) intents.push({ _tag: 'UpdateExperimentStatus', status, reason: `phase ${phase}${message ? `: ${message}` : ''}` });
  return { status: changed ? status : prev, intents, ...(requeue !== undefined ? { requeueAfterMs: requeue } : {}) };
}
