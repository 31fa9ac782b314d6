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

/** Follow the current run, or build a new one; Left is a build error (a missing template, an unresolved arg). */
export function followOrCreateRun(req: RunRequest): E.Either<string, RunFollowed> {
  let candidate = req.current == null ? undefined : req.obs.analysisRuns.find((r) => r.metadata?.name === req.current?.name);
  // A run counts only if it was made for this revision and purpose (a promote or retry may have moved on).
  const labels = candidate?.metadata?.labels ?? {};
  const stepIndex = req.stepIndex === undefined ? undefined : String(req.stepIndex);
  let belongs = candidate !== undefined && labels[L.POD_TEMPLATE_HASH] === req.latestHash && labels[L.ROLLOUT_TYPE] === req.type && labels[L.STEP_INDEX] === stepIndex;
  if (!belongs) {
    // A run made for this revision and purpose that the status does not name (the status write that named it
    // failed, e.g. on a conflict) and that is still going is followed, not duplicated.
    const base = baseName(req);
    for (const r of req.obs.analysisRuns) {
      const n = r.metadata?.name ?? '';
      const l = r.metadata?.labels ?? {};
      if ((n === base || n.startsWith(`${base}.`)) && l[L.POD_TEMPLATE_HASH] === req.latestHash && l[L.ROLLOUT_TYPE] === req.type && l[L.STEP_INDEX] === stepIndex && r.spec?.terminate !== true && !TERMINAL_RUN_PHASES.has(r.status?.phase ?? '')) {
        candidate = r;
        belongs = true;
        break;
      }
    }
  }
  if (belongs && candidate !== undefined) {
    const phase = candidate.status?.phase ?? '';
    return E.right({
      status: { name: candidate.metadata?.name ?? baseName(req), status: phase === '' ? 'Pending' : phase, ...(candidate.status?.message ? { message: candidate.status.message } : {}) },
    });
  }
  const name = freeName(baseName(req), req.obs.analysisRuns);
  const runLabels = withEntry(req.selectorLabels, L.POD_TEMPLATE_HASH, req.latestHash);
  runLabels[L.ROLLOUT_TYPE] = req.type;
  if (stepIndex !== undefined) runLabels[L.STEP_INDEX] = stepIndex;
  L.withInstanceIdOf(req.obs.rollout, runLabels);
  const built = buildAnalysisRun({
    rollout: req.obs.rollout,
    analysis: req.analysis,
    name,
    labels: runLabels,
    annotations: { [L.REVISION]: String(req.revision) },
    templates: req.obs.analysisTemplates,
    clusterTemplates: req.obs.clusterAnalysisTemplates,
    stablePodHash: req.stableHash,
    latestPodHash: req.latestHash,
  });
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
