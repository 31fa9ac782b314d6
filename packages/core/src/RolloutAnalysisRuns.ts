/**
 * The AnalysisRuns a Rollout starts (step, background, pre- and post-promotion): follow the one in status if it
 * still belongs to this revision (and step), else build a new one with a free name (`<base>`, `<base>.1`, ...).
 */
import * as E from 'fp-ts/lib/Either';
import type { AnalysisRun, RolloutAnalysis, RolloutAnalysisRunStatus } from '@rollouts/api';
import { buildAnalysisRun } from './AnalysisRunBuilder';
import * as L from './Labels';
import type { RolloutObservation } from './Observation';
import { withEntry } from './internal/Records';

export interface RunRequest {
  readonly obs: RolloutObservation;
  /** The run recorded in status for this purpose, if any. */
  readonly current: RolloutAnalysisRunStatus | null | undefined;
  /** The run's name is `<rollout>-<hash>-<revision>[-<suffix>]` (the step index, `pre`, `post`). */
  readonly suffix: string | undefined;
  readonly analysis: RolloutAnalysis;
  /** The Rollout's selector labels, copied onto a new run. */
  readonly selectorLabels: Readonly<Record<string, string>> | null | undefined;
  /** `rollout-type` label: the run's purpose. */
  readonly type: string;
  /** `step-index` label, for a step's run. */
  readonly stepIndex?: number;
  readonly revision: number;
  readonly stableHash: string;
  readonly latestHash: string;
}

export interface RunFollowed {
  readonly status: RolloutAnalysisRunStatus;
  /** Present when the run must be created now. */
  readonly create?: AnalysisRun;
}

/** `<rollout>-<hash>-<revision>[-<suffix>]`: the base name of a run or an Experiment made for a revision. */
export const revisionObjectName = (rollout: string, hash: string, revision: number, suffix?: string): string =>
  `${rollout}-${hash}-${revision}${suffix !== undefined ? `-${suffix}` : ''}`;

/** A run's base name, built only when a run is named. */
const baseName = (req: RunRequest): string => revisionObjectName(req.obs.rollout.metadata?.name ?? '', req.latestHash, req.revision, req.suffix);

/** A name not taken by any of `existing`. */
export function freeName(base: string, existing: ReadonlyArray<{ metadata?: { name?: string | null } | null }>): string {
  const taken = new Set(existing.map((o) => o.metadata?.name));
  if (!taken.has(base)) return base;
  for (let i = 1; ; i++) if (!taken.has(`${base}.${i}`)) return `${base}.${i}`;
}

/** The uid of an object's controller (its owner reference with `controller: true`), if any. */
export function controllerUid(o: { readonly metadata?: { readonly ownerReferences?: ReadonlyArray<{ readonly uid: string; readonly controller?: boolean | null }> | null } | null }): string | undefined {
  const refs = o.metadata?.ownerReferences;
  if (refs == null) return undefined;
  for (const r of refs) if (r.controller === true) return r.uid;
  return undefined;
}

/**
 * Semantic equality of two specs as the API server keeps them: JSON equality where a key whose value is `null` or
 * `undefined` counts as absent (a server drops nulls of fields it does not declare nullable), and key order does not
 * matter.
 */
export function sameSpec(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a == null || b == null) return a == null && b == null;
  if (typeof a !== 'object' || typeof b !== 'object') return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const y = b as unknown[];
    if (a.length !== y.length) return false;
    for (let i = 0; i < a.length; i++) if (!sameSpec(a[i], y[i])) return false;
    return true;
  }
  const x = a as Record<string, unknown>;
  const y = b as Record<string, unknown>;
  for (const k in x) if (x[k] != null && !sameSpec(x[k], y[k])) return false;
  for (const k in y) if (y[k] != null && x[k] == null) return false;
  return true;
}

/**
 * Annotation of the AnalysisRuns and Experiments a Rollout or Experiment creates: the owner's `resourceVersion` in
 * the observation the creation was decided on. Ours, not Argo's. While the owner still has that version, nothing
 * was written to it since, in particular not the status that would name the new object: so an object carrying the
 * owner's current version was made by the very decision the owner is being reconciled on again, and is followed
 * even when it has already finished (a run that answers at once can finish before the owner's status write is
 * retried). After a retry, a change of steps or any other write to the owner, the version differs, and a finished
 * object is left alone (upstream creates a new one then).
 */
export const OWNER_VERSION_ANNOTATION = 'rollouts.argoproj.io/owner-resource-version';

/** An AnalysisRun or Experiment, as far as adopting one goes. */
export interface Adoptable {
  readonly metadata?: {
    readonly ownerReferences?: ReadonlyArray<{ readonly uid: string; readonly controller?: boolean | null }> | null;
    readonly annotations?: Readonly<Record<string, string>> | null;
  } | null;
  readonly spec?: unknown;
  readonly status?: { readonly phase?: string | null } | null;
}

/** Not finished: not terminated and no terminal phase. */
export const unfinished = (o: Adoptable): boolean => (o.spec as { terminate?: boolean | null } | undefined)?.terminate !== true && !TERMINAL_RUN_PHASES.has(o.status?.phase ?? '');

/** `o` was created on a decision taken while its owner had `ownerVersion` (see {@link OWNER_VERSION_ANNOTATION}). */
export const decidedAt = (o: Adoptable, ownerVersion: string | null | undefined): boolean =>
  ownerVersion != null && ownerVersion !== '' && o.metadata?.annotations?.[OWNER_VERSION_ANNOTATION] === ownerVersion;

/** The owner-version annotation for an owner at `version` (none when the version is unknown). */
export const ownerVersionAnnotation = (version: string | null | undefined): Record<string, string> =>
  version != null && version !== '' ? { [OWNER_VERSION_ANNOTATION]: version } : {};

/**
 * Whether `candidate`, an object of the name family of what would be created now, is to be followed instead:
 * this owner's (controller uid `ownerUid`), and either unfinished or made on the decision at the owner's current
 * version `ownerVersion` (see {@link OWNER_VERSION_ANNOTATION}). The spec is compared by the caller.
 */
export const followable = (candidate: Adoptable, ownerUid: string | undefined, ownerVersion: string | null | undefined): boolean =>
  controllerUid(candidate) === ownerUid && (unfinished(candidate) || decidedAt(candidate, ownerVersion));

/**
 * Whether `existing`, an object found under the name of `desired` (a create answered AlreadyExists), is the one
 * `desired` describes and can be taken instead of creating another, as upstream's create-with-collision-counter
 * decides: the same controller (owner uid), a semantically equal spec, and not finished, unless it was made on the
 * same decision as `desired` (both carry the same owner version).
 */
export function adoptable(existing: Adoptable, desired: Adoptable): boolean {
  const owner = controllerUid(desired);
  return owner !== undefined && followable(existing, owner, desired.metadata?.annotations?.[OWNER_VERSION_ANNOTATION]) && sameSpec(existing.spec, desired.spec);
}

/** `name` is `base` or `base.N`. */
export const inFamily = (name: string, base: string): boolean => name === base || (name.startsWith(base) && name.charCodeAt(base.length) === 46 /* . */ && /^\d+$/.test(name.slice(base.length + 1)));

function buildRun(req: RunRequest, name: string, stepIndex: string | undefined): E.Either<string, AnalysisRun> {
  const runLabels = withEntry(req.selectorLabels, L.POD_TEMPLATE_HASH, req.latestHash);
  runLabels[L.ROLLOUT_TYPE] = req.type;
  if (stepIndex !== undefined) runLabels[L.STEP_INDEX] = stepIndex;
  L.withInstanceIdOf(req.obs.rollout, runLabels);
  return buildAnalysisRun({
    rollout: req.obs.rollout,
    analysis: req.analysis,
    name,
    labels: runLabels,
    annotations: { [L.REVISION]: String(req.revision), ...ownerVersionAnnotation(req.obs.rollout.metadata?.resourceVersion) },
    templates: req.obs.analysisTemplates,
    clusterTemplates: req.obs.clusterAnalysisTemplates,
    stablePodHash: req.stableHash,
    latestPodHash: req.latestHash,
  });
}

const followed = (run: AnalysisRun, fallback: string): RunFollowed => {
  const phase = run.status?.phase ?? '';
  return { status: { name: run.metadata?.name ?? fallback, status: phase === '' ? 'Pending' : phase, ...(run.status?.message ? { message: run.status.message } : {}) } };
};

/** Follow the current run, or build a new one; Left is a build error (a missing template, an unresolved arg). */
export function followOrCreateRun(req: RunRequest): E.Either<string, RunFollowed> {
  const stepIndex = req.stepIndex === undefined ? undefined : String(req.stepIndex);
  // A run counts only if it was made for this revision and purpose (a promote or retry may have moved on).
  const madeFor = (r: AnalysisRun): boolean => {
    const l = r.metadata?.labels ?? {};
    return l[L.POD_TEMPLATE_HASH] === req.latestHash && l[L.ROLLOUT_TYPE] === req.type && l[L.STEP_INDEX] === stepIndex;
  };
  const current = req.current == null ? undefined : req.obs.analysisRuns.find((r) => r.metadata?.name === req.current?.name);
  if (current !== undefined && madeFor(current)) return E.right(followed(current, baseName(req)));

  // A run made for this revision and purpose that the status does not name (the status write that named it failed,
  // e.g. on a conflict) is followed, not duplicated, when it is this Rollout's (controller uid), still going or made
  // on the decision this Rollout version is reconciled on again (see OWNER_VERSION_ANNOTATION), and what would be
  // created now (the same spec: templates and arguments unchanged). Rare, so the desired run is only built when
  // there is such a candidate.
  const base = baseName(req);
  const uid = req.obs.rollout.metadata?.uid ?? undefined;
  const version = req.obs.rollout.metadata?.resourceVersion;
  let desired: E.Either<string, AnalysisRun> | undefined;
  for (const r of req.obs.analysisRuns) {
    if (!inFamily(r.metadata?.name ?? '', base) || !madeFor(r) || !followable(r, uid, version)) continue;
    desired ??= buildRun(req, base, stepIndex);
    if (E.isLeft(desired)) return desired;
    if (sameSpec(r.spec, desired.right.spec)) return E.right(followed(r, base));
  }
  const name = freeName(base, req.obs.analysisRuns);
  const built = desired !== undefined && E.isRight(desired) ? E.right({ ...desired.right, metadata: { ...desired.right.metadata, name } }) : buildRun(req, name, stepIndex);
  return E.map((run: AnalysisRun): RunFollowed => ({ status: { name, status: 'Pending' }, create: run }))(built);
}

/** What a run's phase means for the Rollout waiting on it. */
export type RunVerdict = 'Done' | 'Wait' | 'Pause' | 'Abort';

export function runVerdict(run: RolloutAnalysisRunStatus): RunVerdict {
  switch (run.status) {
    case 'Successful':
      return 'Done';
    case 'Failed':
    case 'Error':
      return 'Abort';
    case 'Inconclusive':
      return 'Pause';
    default:
      return 'Wait';
  }
}

/** `<kind> analysis phase failed: AnalysisRun x: <message>` for an abort. */
export const runAbortMessage = (run: RolloutAnalysisRunStatus, kind: string): string =>
  `${kind} analysis phase ${run.status === 'Failed' ? 'failed' : 'error'}: AnalysisRun ${run.name}${run.message ? `: ${run.message}` : ''}`;

export const TERMINAL_RUN_PHASES: ReadonlySet<string> = new Set(['Successful', 'Failed', 'Error', 'Inconclusive']);
