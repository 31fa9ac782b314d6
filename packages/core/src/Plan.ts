/**
 * `planRollout`: what an update of a Rollout will do, step by step, before it is applied. The real
 * `reconcileRollout` runs in a loop against an in-memory cluster with a virtual clock: pods become available
 * `podReadySeconds` after they are asked for, analyses succeed (or fail as scripted), and an operator promotes
 * or aborts where told. The result is a list of frames, one whenever what a person would watch changes.
 *
 * Both strategies plan: a canary by its steps, a blue-green Rollout by its promotion phases (the preview, the
 * pre-promotion analysis and pause, the switch of the active Service, the post-promotion analysis); its frames
 * also say which revision the active and preview Services select.
 *
 * Pure: the clock is virtual, nothing is read or written outside the arguments.
 */
import * as E from 'fp-ts/lib/Either';
import { AnalysisTemplate, ClusterAnalysisTemplate, Deployment, POD_TEMPLATE_HASH_LABEL, Service, decode, replicasOrDefault } from '@rollouts/api';
import type { CanaryStep, Codec, PodTemplateSpec, Rollout, RolloutStatus } from '@rollouts/api';
import type { ReconcileResult } from './Intent';
import type { ObservedWorkload, RolloutObservation } from './Observation';
import { reconcileRollout } from './ReconcileRollout';
import {
  applyIntents,
  newCluster,
  nextDueAt,
  observe,
  pendingAt,
  replicaCounts,
  replicaSetOfHash,
  settle,
  snapshot,
  timestamp,
  type PlanCluster,
} from './internal/PlanCluster';

// ---------------------------------------------------------------------------------------------------------
// Public types

/** An analysis outcome the plan forces: the first AnalysisRun created at canary step `step` ends in `phase`. */
export interface PlanAnalysisOutcome {
  readonly phase: 'Failed' | 'Inconclusive';
  /**
   * Canary: the step index that creates the run (`step-index` label; for a background run, the step current
   * when it is created). Blue-green: `'pre'` or `'post'`, the pre- or post-promotion run (`rollout-type` label).
   */
  readonly step: number | 'pre' | 'post';
}

export interface PlanOptions {
  /** Seconds from a pod's request to its readiness (then `minReadySeconds` more to be available). Default 0. */
  readonly podReadySeconds?: number;
  /** Scripted analysis outcomes; every other AnalysisRun is Successful on the tick after its creation. */
  readonly analysis?: ReadonlyArray<PlanAnalysisOutcome>;
  /**
   * Canary: abort (`status.abort = true`) once `status.currentStepIndex` reaches this step. Blue-green:
   * `'pre'` aborts as soon as the new ReplicaSet exists, before the active Service switches; `'post'` aborts
   * right after the switch, while the post-promotion analysis runs (only with a `postPromotionAnalysis`).
   */
  readonly abortAt?: number | 'pre' | 'post';
  /** Promote when the Rollout is paused at this step (canary only: blue-green has no steps). */
  readonly promoteAt?: number;
  /** The template change to plan: this container gets this image. Default: the first container's tag gets `-next`. */
  readonly setImage?: { readonly container: string; readonly image: string };
  /**
   * Promote indefinite pauses (`pause: {}`, inconclusive analysis or experiment, `spec.paused`, the
   * `BlueGreenPause` of `autoPromotionEnabled: false`) as they come. Default true.
   */
  readonly autoPromote?: boolean;
  /** The other documents of the manifest file: Services, (Cluster)AnalysisTemplates, the workloadRef target. Others are ignored. */
  readonly objects?: ReadonlyArray<unknown>;
  /** Give up after this much virtual time from the template change. Default 86400 (a day). */
  readonly maxVirtualSeconds?: number;
  /** Give up after this many reconciles. Default 10 000. */
  readonly maxReconciles?: number;
  /** The virtual clock at the initial deploy, in ms since the epoch. Default 2025-01-01T00:00:00Z. */
  readonly startAt?: number;
}

/** A ReplicaSet as a frame shows it. */
export interface PlanReplicaSet {
  readonly replicas: number;
  readonly available: number;
}

/** What the Rollout looks like at one instant of the plan. */
export interface PlanFrame {
  /** Seconds of virtual time since the template change. */
  readonly t: number;
  /** `status.currentStepIndex` (null when the Rollout has none). */
  readonly stepIndex: number | null;
  readonly phase: string;
  readonly paused: boolean;
  readonly aborted: boolean;
  readonly replicaSets: {
    /** The ReplicaSet of `status.stableRS`. */
    readonly stable: PlanReplicaSet | null;
    /** The ReplicaSet of the updated template while it is not the stable one. */
    readonly canary: PlanReplicaSet | null;
  };
  /** What the traffic router was told last; null without traffic routing. */
  readonly weights: { readonly canary: number; readonly stable: number } | null;
  /**
   * Blue-green frames only (absent from canary frames): the pod-template hash the active Service selects, and
   * the preview Service's (null without a preview Service).
   */
  readonly services?: { readonly active: string | null; readonly preview: string | null };
  /**
   * Canary frames with `pingPong` only: which of the two Services is stable (`status.canary.stablePingPong`,
   * `ping` when unset) and the pod-template hash each selects.
   */
  readonly pingPong?: { readonly stable: 'ping' | 'pong'; readonly ping: string | null; readonly pong: string | null };
  /** The plan's own action if one took effect here, then the status message (or the latest event). */
  readonly message: string;
}

export interface RolloutPlan {
  readonly kind: 'RolloutPlan';
  readonly rollout: string;
  readonly strategy: 'canary' | 'blueGreen';
  /** The Rollout as deployed before the template change (t = 0): the current revision stable, all traffic on it. */
  readonly deployed: PlanFrame;
  readonly frames: ReadonlyArray<PlanFrame>;
}

interface PlanErrorBase {
  readonly message: string;
  /** Plans are deterministic: running the same plan again gives the same error. */
  readonly retryable: false;
}

/** The Rollout has no strategy the planner can simulate (neither canary nor blue-green). */
export interface PlanStrategyUnsupported extends PlanErrorBase {
  readonly _tag: 'PlanStrategyUnsupported';
}
/** An option does not fit the Rollout (a step out of range, an unknown container, ...). */
export interface PlanOptionInvalid extends PlanErrorBase {
  readonly _tag: 'PlanOptionInvalid';
}
/** The manifest lacks something the plan needs (the workloadRef target, containers) or holds an object that does not decode. */
export interface PlanManifestInvalid extends PlanErrorBase {
  readonly _tag: 'PlanManifestInvalid';
}
/** The initial deploy (before the template change) never became Healthy. */
export interface PlanInitialDeployStuck extends PlanErrorBase {
  readonly _tag: 'PlanInitialDeployStuck';
}
/** The update did not finish within the limits, or stopped with nothing left to wait for. */
export interface PlanNoProgress extends PlanErrorBase {
  readonly _tag: 'PlanNoProgress';
  /** The Rollout as deployed before the template change (see {@link RolloutPlan.deployed}). */
  readonly deployed: PlanFrame;
  /** The frames up to the point the plan gave up. */
  readonly frames: ReadonlyArray<PlanFrame>;
}

export type PlanError = PlanStrategyUnsupported | PlanOptionInvalid | PlanManifestInvalid | PlanInitialDeployStuck | PlanNoProgress;

/** The decision function the plan drives: `reconcileRollout`, or a test double. */
export type Reconcile = (observation: RolloutObservation) => ReconcileResult;

// ---------------------------------------------------------------------------------------------------------
// Defaults and formatting

export const DEFAULT_PLAN_MAX_VIRTUAL_SECONDS = 86_400;
export const DEFAULT_PLAN_MAX_RECONCILES = 10_000;
/** 2025-01-01T00:00:00Z. */
export const DEFAULT_PLAN_START_AT = Date.UTC(2025, 0, 1);

/** Virtual time as Go prints durations: `0s`, `45s`, `1m30s`, `2h0m5s`, `1.5s`. */
export function formatPlanTime(seconds: number): string {
  const sign = seconds < 0 ? '-' : '';
  let rest = Math.abs(seconds);
  const h = Math.floor(rest / 3600);
  rest -= h * 3600;
  const m = Math.floor(rest / 60);
  rest -= m * 60;
  const s = Number(rest.toFixed(3)).toString();
  if (h > 0) return `${sign}${h}h${m}m${s}s`;
  if (m > 0) return `${sign}${m}m${s}s`;
  return `${sign}${s}s`;
}

// ---------------------------------------------------------------------------------------------------------
// Input: objects, template change, option checks

type Obj = Record<string, unknown>;
const isObj = (u: unknown): u is Obj => typeof u === 'object' && u !== null && !Array.isArray(u);
const nameOf = (o: Obj): string => (isObj(o.metadata) && typeof o.metadata.name === 'string' ? o.metadata.name : '');
const groupOf = (apiVersion: unknown): string => (typeof apiVersion === 'string' && apiVersion.includes('/') ? (apiVersion.split('/')[0] ?? '') : '');

const manifestError = (message: string): PlanError => ({ _tag: 'PlanManifestInvalid', message, retryable: false });
const optionError = (message: string): PlanError => ({ _tag: 'PlanOptionInvalid', message, retryable: false });

interface Objects {
  readonly services: Service[];
  readonly analysisTemplates: AnalysisTemplate[];
  readonly clusterAnalysisTemplates: ClusterAnalysisTemplate[];
  readonly workload?: ObservedWorkload;
}

function decodeObject<A>(codec: Codec<A>, o: Obj, kind: string): E.Either<PlanError, A> {
  const decoded = decode(codec, o);
  if (E.isRight(decoded)) return decoded;
  const first = decoded.left[0];
  return E.left(manifestError(`${kind}/${nameOf(o) || '(unnamed)'}: ${first?.message ?? 'does not decode'}`));
}

/** The objects of the file the plan uses; the workloadRef target resolved into an observed workload. */
function readObjects(rollout: Rollout, objects: ReadonlyArray<unknown>): E.Either<PlanError, Objects> {
  const services: Service[] = [];
  const analysisTemplates: AnalysisTemplate[] = [];
  const clusterAnalysisTemplates: ClusterAnalysisTemplate[] = [];
  const ref = rollout.spec.workloadRef;
  let workload: ObservedWorkload | undefined;
  for (const o of objects) {
    if (!isObj(o)) continue;
    const kind = o.kind;
    const group = groupOf(o.apiVersion);
    if (kind === 'Service' && (o.apiVersion === 'v1' || o.apiVersion == null)) {
      const s = decodeObject(Service, o, 'Service');
      if (E.isLeft(s)) return s;
      services.push(s.right);
    } else if (kind === 'AnalysisTemplate' && group === 'argoproj.io') {
      const a = decodeObject(AnalysisTemplate, o, 'AnalysisTemplate');
      if (E.isLeft(a)) return a;
      analysisTemplates.push(a.right);
    } else if (kind === 'ClusterAnalysisTemplate' && group === 'argoproj.io') {
      const a = decodeObject(ClusterAnalysisTemplate, o, 'ClusterAnalysisTemplate');
      if (E.isLeft(a)) return a;
      clusterAnalysisTemplates.push(a.right);
    } else if (ref != null && kind === ref.kind && nameOf(o) === ref.name && (ref.apiVersion == null || ref.apiVersion === o.apiVersion)) {
      const w = workloadOf(o, String(kind));
      if (E.isLeft(w)) return w;
      workload = w.right;
    }
  }
  if (ref != null && workload === undefined)
    return E.left(manifestError(`spec.workloadRef: ${ref.kind ?? '(no kind)'} "${ref.name ?? ''}" is not in the file; the plan needs it for the pod template`));
  return E.right({ services, analysisTemplates, clusterAnalysisTemplates, ...(workload === undefined ? {} : { workload }) });
}

function workloadOf(o: Obj, kind: string): E.Either<PlanError, ObservedWorkload> {
  const name = nameOf(o);
  if (kind === 'PodTemplate') {
    if (!isObj(o.template)) return E.left(manifestError(`PodTemplate/${name}: template: required field is missing`));
    return E.right({ apiVersion: String(o.apiVersion ?? 'v1'), kind, name, generation: 1, template: o.template as PodTemplateSpec });
  }
  const d = decodeObject(Deployment, o, kind);
  if (E.isLeft(d)) return d;
  const spec = d.right.spec;
  if (spec?.template == null) return E.left(manifestError(`${kind}/${name}: spec.template: required field is missing`));
  return E.right({
    apiVersion: String(o.apiVersion ?? ''),
    kind,
    name,
    generation: 1,
    template: spec.template,
    ...(spec.selector == null ? {} : { selector: spec.selector }),
    ...(spec.replicas == null ? {} : { replicas: spec.replicas }),
  });
}

/** `repo:tag` -> `repo:tag-next`; `repo` -> `repo:next` (a digest is dropped: it would pin the old image). */
export function nextImage(image: string): string {
  const at = image.indexOf('@');
  const ref = at < 0 ? image : image.slice(0, at);
  const colon = ref.lastIndexOf(':');
  const tagged = colon > ref.lastIndexOf('/');
  return tagged ? `${ref}-next` : `${ref}:next`;
}

type Containers = NonNullable<PodTemplateSpec['spec']>['containers'];

/** The template with the planned image change, or why it cannot be changed. */
function changeTemplate(template: PodTemplateSpec, setImage: PlanOptions['setImage']): E.Either<PlanError, PodTemplateSpec> {
  const spec = template.spec;
  const containers = spec?.containers ?? [];
  const first = containers[0];
  if (spec == null || first === undefined) return E.left(manifestError('spec.template.spec.containers: the pod template has no containers, so there is no image to change'));
  if (setImage === undefined) {
    const image = first.image ?? '';
    if (image === '') return E.left(manifestError(`spec.template.spec.containers[0].image: container "${first.name}" has no image to change; use --set-image`));
    return E.right({ ...template, spec: { ...spec, containers: [{ ...first, image: nextImage(image) }, ...containers.slice(1)] } });
  }
  const { container, image } = setImage;
  const change = (list: Containers | null | undefined): { list: Containers | undefined; hits: number; same: number } => {
    if (list == null) return { list: undefined, hits: 0, same: 0 };
    let hits = 0;
    let same = 0;
    const out = list.map((c) => {
      if (c.name !== container) return c;
      hits += 1;
      if (c.image === image) same += 1;
      return { ...c, image };
    });
    return { list: out, hits, same };
  };
  const main = change(spec.containers);
  const init = change(spec.initContainers);
  const hits = main.hits + init.hits;
  if (hits === 0) {
    const names = [...containers, ...(spec.initContainers ?? [])].map((c) => `"${c.name}"`).join(', ');
    return E.left(optionError(`--set-image: unable to find container named "${container}" (the template has ${names})`));
  }
  if (main.same + init.same === hits) return E.left(optionError(`--set-image: container "${container}" already runs ${image}; the plan needs a template change`));
  return E.right({
    ...template,
    spec: { ...spec, containers: main.list ?? spec.containers, ...(init.list === undefined ? {} : { initContainers: init.list }) },
  });
}

function describeStep(step: CanaryStep | undefined): string {
  if (step === undefined) return '(none)';
  if (step.setWeight != null) return `setWeight: ${step.setWeight}`;
  if (step.pause != null) return step.pause.duration == null ? 'pause: {}' : `pause: ${step.pause.duration}`;
  const key = Object.keys(step).find((k) => (step as Record<string, unknown>)[k] != null);
  return key ?? '(empty)';
}

const isWholeNumber = (n: number): boolean => Number.isInteger(n) && n >= 0;

type BlueGreenStrategy = NonNullable<NonNullable<Rollout['spec']['strategy']>['blueGreen']>;
type CanaryStrategy = NonNullable<NonNullable<Rollout['spec']['strategy']>['canary']>;
const outcomeFlag = (a: PlanAnalysisOutcome): string => `--analysis ${a.phase === 'Failed' ? 'fail' : 'inconclusive'}@${a.step}`;
const hasTemplates = (a: { templates?: ReadonlyArray<unknown> | null } | null | undefined): boolean => (a?.templates?.length ?? 0) > 0;

function checkOptions(rollout: Rollout, options: PlanOptions): PlanError | undefined {
  if (options.podReadySeconds !== undefined && !(Number.isFinite(options.podReadySeconds) && options.podReadySeconds >= 0))
    return optionError(`podReadySeconds: expected a number of seconds >= 0, got ${options.podReadySeconds}`);
  if (options.maxVirtualSeconds !== undefined && !(Number.isFinite(options.maxVirtualSeconds) && options.maxVirtualSeconds > 0))
    return optionError(`maxVirtualSeconds: expected a number of seconds > 0, got ${options.maxVirtualSeconds}`);
  if (options.maxReconciles !== undefined && !(isWholeNumber(options.maxReconciles) && options.maxReconciles > 0))
    return optionError(`maxReconciles: expected a whole number > 0, got ${options.maxReconciles}`);
  const bg = rollout.spec.strategy?.blueGreen;
  return bg != null ? checkBlueGreenOptions(bg, options) : checkCanaryOptions(rollout.spec.strategy?.canary ?? {}, options);
}

function checkCanaryOptions(canary: CanaryStrategy, options: PlanOptions): PlanError | undefined {
  const steps = canary.steps ?? [];
  const stepOption = (flag: string, step: number | 'pre' | 'post' | undefined): PlanError | undefined => {
    if (step === undefined) return undefined;
    if (typeof step !== 'number') return optionError(`${flag} ${step}: pre and post name the promotion phases of a blue-green Rollout; a canary Rollout takes a step index`);
    if (!isWholeNumber(step)) return optionError(`${flag}: expected a step index (a whole number), got ${step}`);
    if (steps.length === 0) return optionError(`${flag} ${step}: the Rollout has no canary steps`);
    if (step >= steps.length) return optionError(`${flag} ${step}: the Rollout has steps 0 to ${steps.length - 1}`);
    return undefined;
  };
  const bad = stepOption('--abort-at', options.abortAt) ?? stepOption('--promote-at', options.promoteAt);
  if (bad !== undefined) return bad;
  if (options.promoteAt !== undefined) {
    const step = steps[options.promoteAt];
    if (step?.pause == null && step?.analysis == null && step?.experiment == null)
      return optionError(`--promote-at ${options.promoteAt}: step ${options.promoteAt} (${describeStep(step)}) never pauses; choose a pause, analysis or experiment step`);
  }
  const analysisSteps = steps.flatMap((s, i) => (s.analysis != null ? [i] : []));
  const background = canary.analysis != null && hasTemplates(canary.analysis) ? (canary.analysis.startingStep ?? 0) : undefined;
  for (const a of options.analysis ?? []) {
    const flag = outcomeFlag(a);
    if (typeof a.step !== 'number') return optionError(`${flag}: pre and post name the promotion analyses of a blue-green Rollout; a canary Rollout takes a step index`);
    if (!isWholeNumber(a.step)) return optionError(`${flag}: expected a step index (a whole number)`);
    if (!analysisSteps.includes(a.step) && a.step !== background) {
      const where = [
        analysisSteps.length === 0 ? 'the Rollout has no analysis steps' : `analysis steps: ${analysisSteps.join(', ')}`,
        background === undefined ? 'no background analysis' : `background analysis starts at step ${background}`,
      ].join('; ');
      return optionError(`${flag}: no AnalysisRun is created at step ${a.step} (${where})`);
    }
  }
  return undefined;
}

function checkBlueGreenOptions(bg: BlueGreenStrategy, options: PlanOptions): PlanError | undefined {
  if (options.promoteAt !== undefined)
    return optionError(
      `--promote-at ${options.promoteAt}: a blue-green Rollout has no steps; the plan promotes its BlueGreenPause and inconclusive analyses itself (--no-auto-promote stops there instead)`,
    );
  const abortAt = options.abortAt;
  if (typeof abortAt === 'number')
    return optionError(`--abort-at ${abortAt}: a blue-green Rollout has no steps; use --abort-at pre (before the active Service switches) or --abort-at post (during the post-promotion analysis)`);
  if (abortAt === 'post' && !hasTemplates(bg.postPromotionAnalysis))
    return optionError('--abort-at post: the Rollout has no postPromotionAnalysis, so the update completes as the active Service switches and there is nothing to abort after it; use --abort-at pre');
  for (const a of options.analysis ?? []) {
    const flag = outcomeFlag(a);
    if (typeof a.step === 'number') return optionError(`${flag}: a blue-green Rollout has no steps; use @pre (the pre-promotion analysis) or @post (the post-promotion analysis)`);
    const analysis = a.step === 'pre' ? bg.prePromotionAnalysis : bg.postPromotionAnalysis;
    const field = a.step === 'pre' ? 'prePromotionAnalysis' : 'postPromotionAnalysis';
    if (!hasTemplates(analysis)) return optionError(`${flag}: the Rollout has no ${field} (spec.strategy.blueGreen.${field}), so no such AnalysisRun is created`);
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------------------
// The loop

interface Tick {
  /** The cluster the reconcile observed (after time passed). */
  readonly before: PlanCluster;
  /** The cluster after the intents. */
  readonly after: PlanCluster;
  readonly result: ReconcileResult;
  readonly failure?: string;
}

function tick(cluster: PlanCluster, now: number, reconcile: Reconcile): Tick {
  const before = settle(cluster, now);
  const result = reconcile(observe(before, now));
  const applied = applyIntents(before, result.intents, { now, stepIndex: before.rollout.status?.currentStepIndex ?? null });
  return { before, after: applied.cluster, result, ...(applied.failure === undefined ? {} : { failure: applied.failure }) };
}

/**
 * When to reconcile next: now again if the reconcile (or an operator) changed something or something is due
 * on the next tick; else the earliest of the requested requeue and the next pod or experiment event.
 * Undefined: nothing will ever happen again.
 */
function nextTime(before: PlanCluster, after: PlanCluster, now: number, requeueAfterMs: number | undefined): number | undefined {
  if (snapshot(after) !== snapshot(before) || pendingAt(after, now)) return now;
  const times = [requeueAfterMs === undefined ? undefined : now + Math.max(0, requeueAfterMs), nextDueAt(after, now)].filter((t): t is number => t !== undefined);
  return times.length === 0 ? undefined : Math.min(...times);
}

const statusOf = (c: PlanCluster): RolloutStatus => c.rollout.status ?? {};
const stepsOf = (r: Rollout): ReadonlyArray<CanaryStep> => r.spec.strategy?.canary?.steps ?? [];

/** The indefinite pause the Rollout is in (which only a promote ends), described; undefined if none. */
function indefinitePause(rollout: Rollout): string | undefined {
  if (rollout.spec.paused === true) return 'the manual pause (spec.paused)';
  const st = rollout.status ?? {};
  const reasons = (st.pauseConditions ?? []).map((p) => p.reason);
  if (reasons.includes('InconclusiveAnalysisRun')) return 'the pause on an inconclusive analysis';
  if (reasons.includes('InconclusiveExperiment')) return 'the pause on an inconclusive experiment';
  const step = stepsOf(rollout)[st.currentStepIndex ?? -1];
  if (reasons.includes('CanaryPauseStep') && step?.pause != null && step.pause.duration == null) return 'the indefinite pause (pause: {})';
  // With autoPromotionEnabled (the default) a BlueGreenPause ends by itself after autoPromotionSeconds.
  if (reasons.includes('BlueGreenPause') && rollout.spec.strategy?.blueGreen?.autoPromotionEnabled === false) return 'the BlueGreenPause (autoPromotionEnabled: false)';
  return undefined;
}

const isPaused = (r: Rollout): boolean => r.spec.paused === true || (r.status?.pauseConditions?.length ?? 0) > 0;

function omitPauseConditions(status: RolloutStatus): RolloutStatus {
  const { pauseConditions: _cleared, ...rest } = status;
  return rest;
}

/** What `kubectl argo rollouts promote` sends: unpause the spec, then clear the pause (or move past the step). */
export function promotePatch(rollout: Rollout): Rollout {
  let result = rollout;
  if (rollout.spec.paused === true) {
    const generation = (rollout.metadata?.generation ?? 1) + 1;
    result = { ...rollout, metadata: { ...rollout.metadata, generation }, spec: { ...rollout.spec, paused: false } };
  }
  const st = rollout.status ?? {};
  const steps = stepsOf(rollout);
  const next = Math.min((st.currentStepIndex ?? 0) + 1, steps.length);
  const hasPause = (st.pauseConditions?.length ?? 0) > 0;
  let status: RolloutStatus;
  if (st.canary?.currentStepAnalysisRunStatus?.status === 'Inconclusive' && hasPause && st.controllerPause === true) {
    status = { ...omitPauseConditions(st), controllerPause: false, currentStepIndex: next };
  } else if (hasPause) {
    status = omitPauseConditions(st);
  } else if (steps.length > 0) {
    status = { ...omitPauseConditions(st), currentStepIndex: next };
  } else {
    return result;
  }
  return { ...result, status };
}

/** What `kubectl argo rollouts abort` sends. */
export const abortPatch = (rollout: Rollout): Rollout => ({ ...rollout, status: { ...rollout.status, abort: true } });

interface Operator {
  readonly options: PlanOptions;
  aborted: boolean;
  promoted: boolean;
}

/** An operator action due now: the patched cluster and what to say about it. */
function operatorAction(cluster: PlanCluster, op: Operator, newHash: string | undefined): { cluster: PlanCluster; note: string } | undefined {
  const r = cluster.rollout;
  const st = statusOf(cluster);
  const idx = st.currentStepIndex ?? null;
  const promotedFully = st.stableRS != null && st.stableRS === newHash;
  const { abortAt, promoteAt } = op.options;
  if (typeof abortAt === 'number' && !op.aborted && idx !== null && idx >= abortAt && !promotedFully) {
    op.aborted = true;
    if (st.abort !== true) return { cluster: { ...cluster, rollout: abortPatch(r) }, note: `plan: aborted at step ${idx} (--abort-at ${abortAt})` };
  }
  if ((abortAt === 'pre' || abortAt === 'post') && !op.aborted && newHash !== undefined && st.currentPodHash === newHash && !promotedFully) {
    const switched = st.blueGreen?.activeSelector === newHash;
    const due = abortAt === 'pre' ? !switched && replicaSetOfHash(cluster, newHash) !== undefined : switched;
    if (due) {
      op.aborted = true;
      const when = abortAt === 'pre' ? 'before the active Service switched' : 'after the active Service switched, during the post-promotion analysis';
      if (st.abort !== true) return { cluster: { ...cluster, rollout: abortPatch(r) }, note: `plan: aborted ${when} (--abort-at ${abortAt})` };
    }
  }
  if (st.abort === true || !isPaused(r)) return undefined;
  if (promoteAt !== undefined && !op.promoted && idx === promoteAt) {
    op.promoted = true;
    return { cluster: { ...cluster, rollout: promotePatch(r) }, note: `plan: promoted at step ${idx} (--promote-at ${promoteAt})` };
  }
  const pause = indefinitePause(r);
  if (op.options.autoPromote !== false && pause !== undefined)
    return { cluster: { ...cluster, rollout: promotePatch(r) }, note: `plan: auto-promoted ${pause}${idx === null ? '' : ` at step ${idx}`} (--no-auto-promote stops here)` };
  return undefined;
}

type End = 'Healthy' | 'Aborted' | 'Paused';

/** Whether the plan is over: the new revision Healthy and stable, an abort fully rolled back, or a pause nobody will end. */
function endOf(cluster: PlanCluster, op: Operator, newHash: string | undefined): End | undefined {
  const r = cluster.rollout;
  const st = statusOf(cluster);
  if (st.phase === 'Healthy' && st.stableRS != null && st.stableRS === st.currentPodHash && st.stableRS === newHash) return 'Healthy';
  if (st.abort === true && st.phase === 'Degraded') {
    const desired = cluster.workload?.replicas != null && r.spec.replicas == null ? cluster.workload.replicas : replicasOrDefault(r.spec);
    const stable = replicaSetOfHash(cluster, st.stableRS);
    const canaryRs = st.currentPodHash === st.stableRS ? undefined : replicaSetOfHash(cluster, st.currentPodHash);
    const stableFull = stable !== undefined && replicaCounts(stable).replicas === desired && replicaCounts(stable).available >= desired;
    const bg = r.spec.strategy?.blueGreen;
    const keepsPods = (bg != null ? bg.abortScaleDownDelaySeconds : r.spec.strategy?.canary?.abortScaleDownDelaySeconds) === 0;
    const canaryDown = canaryRs === undefined || replicaCounts(canaryRs).replicas === 0 || keepsPods;
    // Blue-green: the active Service is back on the stable revision.
    const activeBack = bg == null || selectedHash(cluster, bg.activeService) === st.stableRS;
    if (stableFull && canaryDown && activeBack) return 'Aborted';
  }
  if (op.options.autoPromote === false && st.abort !== true && isPaused(r) && indefinitePause(r) !== undefined) {
    const promoteHere = op.options.promoteAt !== undefined && !op.promoted && op.options.promoteAt === (st.currentStepIndex ?? null);
    if (!promoteHere) return 'Paused';
  }
  return undefined;
}

/** The pod-template hash a Service selects (null when it selects none, or there is no such Service). */
function selectedHash(cluster: PlanCluster, service: string | null | undefined): string | null {
  if (service == null || service === '') return null;
  return cluster.services.find((s) => s.metadata?.name === service)?.spec?.selector?.[POD_TEMPLATE_HASH_LABEL] ?? null;
}

function frameOf(cluster: PlanCluster, t: number, notes: ReadonlyArray<string>): PlanFrame {
  const st = statusOf(cluster);
  const bg = cluster.rollout.spec.strategy?.blueGreen;
  const pp = cluster.rollout.spec.strategy?.canary?.pingPong;
  const stable = replicaSetOfHash(cluster, st.stableRS);
  const canary = st.currentPodHash != null && st.currentPodHash !== st.stableRS ? replicaSetOfHash(cluster, st.currentPodHash) : undefined;
  const base = st.message != null && st.message !== '' ? st.message : (cluster.lastEvent?.message ?? '');
  return {
    t,
    stepIndex: st.currentStepIndex ?? null,
    phase: st.phase ?? 'Progressing',
    paused: isPaused(cluster.rollout),
    aborted: st.abort === true,
    replicaSets: {
      stable: stable === undefined ? null : replicaCounts(stable),
      canary: canary === undefined ? null : replicaCounts(canary),
    },
    weights: cluster.router === undefined ? null : { canary: cluster.router.canary, stable: cluster.router.stable },
    ...(bg == null ? {} : { services: { active: selectedHash(cluster, bg.activeService), preview: selectedHash(cluster, bg.previewService) } }),
    ...(pp == null
      ? {}
      : { pingPong: { stable: st.canary?.stablePingPong === 'pong' ? ('pong' as const) : ('ping' as const), ping: selectedHash(cluster, pp.pingService), pong: selectedHash(cluster, pp.pongService) } }),
    message: [...notes, base].filter((m) => m !== '').join('; '),
  };
}

const frameKey = (f: PlanFrame): string => JSON.stringify({ ...f, t: 0 });
/** A frame's key without its message. */
const stateKey = (f: PlanFrame): string => JSON.stringify({ ...f, t: 0, message: '' });

function describeState(cluster: PlanCluster): string {
  const st = statusOf(cluster);
  return `last status message ${JSON.stringify(st.message ?? '')} (phase ${st.phase ?? '(none)'}, step ${st.currentStepIndex ?? '-'})`;
}

/**
 * Plan an update of `rollout` with the given decision function. The simulator's mechanics are independent
 * of `reconcile`, so tests drive them with a scripted double; {@link planRollout} passes `reconcileRollout`.
 *
 * 1. Initial state: the Rollout with an empty status is reconciled against an empty cluster (pods ready at
 *    once) until it is Healthy with its ReplicaSet stable.
 * 2. The template changes (the image, see {@link PlanOptions.setImage}); frames are recorded from t = 0.
 * 3. Each tick: time-driven changes happen, the Rollout is reconciled, its intents applied in order. A frame
 *    is recorded if anything in it changed. Then an operator promotes or aborts where told. When nothing
 *    changed and nothing is due, the clock jumps to the earliest requeue or pod/experiment event.
 */
export function runPlan(rollout: Rollout, options: PlanOptions, reconcile: Reconcile): E.Either<PlanError, RolloutPlan> {
  const strategy: RolloutPlan['strategy'] | undefined = rollout.spec.strategy?.blueGreen != null ? 'blueGreen' : rollout.spec.strategy?.canary != null ? 'canary' : undefined;
  if (strategy === undefined)
    return E.left({ _tag: 'PlanStrategyUnsupported', message: 'spec.strategy: the Rollout has neither a canary nor a blue-green strategy to plan', retryable: false });
  const optionProblem = checkOptions(rollout, options);
  if (optionProblem !== undefined) return E.left(optionProblem);
  const read = readObjects(rollout, options.objects ?? []);
  if (E.isLeft(read)) return read;
  const objects = read.right;

  const template = objects.workload?.template ?? rollout.spec.template;
  if (template == null) return E.left(manifestError('spec.template: the Rollout has no pod template (and no workloadRef)'));
  const changed = changeTemplate(template, options.setImage);
  if (E.isLeft(changed)) return changed;

  const startAt = options.startAt ?? DEFAULT_PLAN_START_AT;
  const maxReconciles = options.maxReconciles ?? DEFAULT_PLAN_MAX_RECONCILES;
  const maxMs = (options.maxVirtualSeconds ?? DEFAULT_PLAN_MAX_VIRTUAL_SECONDS) * 1000;
  const md = rollout.metadata ?? {};
  const name = md.name ?? md.generateName ?? 'rollout';
  const { paused: manifestPaused, ...unpausedSpec } = rollout.spec;
  const deployed: Rollout = {
    ...rollout,
    metadata: { ...md, name, namespace: md.namespace ?? 'default', uid: md.uid ?? `plan-uid-${name}`, generation: 1, creationTimestamp: md.creationTimestamp ?? timestamp(startAt) },
    spec: unpausedSpec,
    status: {},
  };

  // 1. Initial deploy.
  let cluster = newCluster({
    rollout: deployed,
    ...(objects.workload === undefined ? {} : { workload: objects.workload }),
    services: servicesOf(deployed, objects),
    analysisTemplates: objects.analysisTemplates,
    clusterAnalysisTemplates: objects.clusterAnalysisTemplates,
    scripted: [],
    config: { podReadyMs: 0 },
  });
  let now = startAt;
  for (let n = 1; ; n++) {
    const step = tick(cluster, now, reconcile);
    cluster = step.after;
    const st = statusOf(cluster);
    if (st.phase === 'Healthy' && st.stableRS != null && st.stableRS !== '' && st.stableRS === st.currentPodHash) break;
    const next = nextTime(step.before, cluster, now, step.result.requeueAfterMs);
    if (n >= maxReconciles || next === undefined || next - startAt > maxMs)
      return E.left({
        _tag: 'PlanInitialDeployStuck',
        message: `the initial deploy (before the template change) did not become Healthy after ${n} reconciles and ${formatPlanTime((now - startAt) / 1000)}: ${describeState(cluster)}${step.failure === undefined ? '' : `; ${step.failure}`}`,
        retryable: false,
      });
    now = next;
  }
  const oldHash = statusOf(cluster).stableRS;
  const deployedFrame = frameOf(cluster, 0, []);

  // 2. The template change.
  const specChanged = manifestPaused != null ? { ...cluster.rollout.spec, paused: manifestPaused } : cluster.rollout.spec;
  let updated: Rollout;
  let workload = cluster.workload;
  if (workload !== undefined) {
    workload = { ...workload, generation: (workload.generation ?? 1) + 1, template: changed.right };
    updated = { ...cluster.rollout, spec: specChanged };
  } else {
    updated = { ...cluster.rollout, spec: { ...specChanged, template: changed.right } };
  }
  if (JSON.stringify(updated.spec) !== JSON.stringify(cluster.rollout.spec))
    updated = { ...updated, metadata: { ...updated.metadata, generation: (updated.metadata?.generation ?? 1) + 1 } };
  cluster = {
    ...cluster,
    rollout: updated,
    ...(workload === undefined ? {} : { workload }),
    config: { podReadyMs: (options.podReadySeconds ?? 0) * 1000 },
    scripted: options.analysis ?? [],
  };
  const { lastEvent: _initialEvent, ...withoutEvents } = cluster;
  cluster = withoutEvents;

  // 3. The update.
  const start = now;
  const frames: PlanFrame[] = [];
  let lastKey = '';
  let notes: string[] = [];
  let notedKey: string | undefined;
  const op: Operator = { options, aborted: false, promoted: false };
  const plan = (): RolloutPlan => ({ kind: 'RolloutPlan', rollout: name, strategy, deployed: deployedFrame, frames });
  const noProgress = (why: string): E.Either<PlanError, RolloutPlan> =>
    E.left({ _tag: 'PlanNoProgress', message: `${why} at t=${formatPlanTime((now - start) / 1000)}, ${describeState(cluster)}`, retryable: false, deployed: deployedFrame, frames });
  let newHash: string | undefined;
  for (let reconciles = 0; ; ) {
    if (reconciles >= maxReconciles) return noProgress(`no progress after ${reconciles} reconciles`);
    const step = tick(cluster, now, reconcile);
    reconciles += 1;
    cluster = step.after;
    const st = statusOf(cluster);
    if (newHash === undefined && st.currentPodHash != null && st.currentPodHash !== oldHash) newHash = st.currentPodHash;

    let frame = frameOf(cluster, (now - start) / 1000, step.failure === undefined ? notes : [...notes, step.failure]);
    // A note stays until something other than the message changes, so it does not cost an extra frame.
    const last = frames[frames.length - 1];
    if (notes.length === 0 && notedKey !== undefined && last !== undefined && stateKey(frame) === notedKey) frame = { ...frame, message: last.message };
    else if (notes.length === 0) notedKey = undefined;
    if (notes.length > 0) notedKey = stateKey(frame);
    notes = [];
    const key = frameKey(frame);
    if (key !== lastKey) {
      frames.push(frame);
      lastKey = key;
    }
    if (endOf(cluster, op, newHash) !== undefined) return E.right(plan());

    const action = operatorAction(cluster, op, newHash);
    if (action !== undefined) {
      cluster = action.cluster;
      notes = [action.note];
    }
    const next = nextTime(step.before, cluster, now, step.result.requeueAfterMs);
    if (next === undefined) {
      // Nothing will happen any more: a Degraded or Paused Rollout ends the plan there; anything else is stuck.
      if (st.phase === 'Degraded' || st.phase === 'Paused') return E.right(plan());
      return noProgress(`no progress after ${reconciles} reconciles: nothing is left to wait for (no requeue, no pods or analysis pending)`);
    }
    if (next - start > maxMs) {
      now = next;
      return noProgress(`no progress after ${formatPlanTime(maxMs / 1000)} of virtual time (${reconciles} reconciles)`);
    }
    now = next;
  }
}

/** The Services the Rollout names, as the file defines them, or with the Rollout's selector when the file does not. */
function servicesOf(rollout: Rollout, objects: Objects): Service[] {
  const canary = rollout.spec.strategy?.canary;
  const bg = rollout.spec.strategy?.blueGreen;
  const names = [canary?.canaryService, canary?.stableService, canary?.pingPong?.pingService, canary?.pingPong?.pongService, bg?.activeService, bg?.previewService].filter(
    (n): n is string => n != null && n !== '',
  );
  const selector = rollout.spec.selector?.matchLabels ?? objects.workload?.selector?.matchLabels ?? {};
  return [...new Set(names)].map(
    (n) =>
      objects.services.find((s) => s.metadata?.name === n) ?? {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: n, namespace: rollout.metadata?.namespace ?? 'default' },
        spec: { selector },
      },
  );
}

/**
 * Plan an update of a canary or blue-green Rollout: the manifest's template deployed and Healthy, then changed
 * (a new image), then reconciled by `reconcileRollout` until the new revision is Healthy and stable, an abort has
 * restored the stable ReplicaSet (and, blue-green, the active Service), or (without auto-promote) an indefinite
 * pause is reached. One frame per visible change.
 *
 * @example
 * const plan = planRollout(rollout, { podReadySeconds: 10, analysis: [{ phase: 'Failed', step: 2 }] });
 * const blueGreen = planRollout(blueGreenRollout, { analysis: [{ phase: 'Failed', step: 'pre' }] });
 */
export function planRollout(rollout: Rollout, options: PlanOptions = {}): E.Either<PlanError, RolloutPlan> {
  return runPlan(rollout, options, reconcileRollout);
}
