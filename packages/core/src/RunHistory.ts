/**
 * The history of AnalysisRuns and Experiments a Rollout keeps (`spec.analysis.successfulRunHistoryLimit` and
 * `unsuccessfulRunHistoryLimit`, 5 each by default), as upstream: the runs the status still names are kept;
 * of the others, newest first, a run whose revision's ReplicaSet is gone (or being deleted) is deleted, the
 * newest Successful ones up to the first limit and the newest Failed, Error or Inconclusive ones up to the
 * second are kept, and the rest are deleted. Runs still going (no terminal phase) are never deleted here.
 * Experiments count separately from AnalysisRuns, with the same limits. As upstream, the runs in use do not count
 * against the limits (a limit of 0 keeps only those), and runs created in the same second are ordered by revision.
 */
import { successfulRunHistoryLimitOrDefault, unsuccessfulRunHistoryLimitOrDefault, type AnalysisRun, type Experiment, type Rollout, type RolloutStatus } from '@rollouts/api';
import type { Intent } from './Intent';
import * as L from './Labels';
import type { RolloutObservation } from './Observation';
import { fromRfc3339 } from './Time';

type Run = AnalysisRun | Experiment;

const UNSUCCESSFUL: ReadonlySet<string> = new Set(['Failed', 'Error', 'Inconclusive']);

/** The AnalysisRuns and Experiments `status` refers to (they are in use). */
function namesInUse(status: RolloutStatus | null | undefined): Set<string> {
  const names = [
    status?.canary?.currentStepAnalysisRunStatus?.name,
    status?.canary?.currentBackgroundAnalysisRunStatus?.name,
    status?.canary?.currentExperiment,
    status?.blueGreen?.prePromotionAnalysisRunStatus?.name,
    status?.blueGreen?.postPromotionAnalysisRunStatus?.name,
  ];
  return new Set(names.filter((n): n is string => n != null && n !== ''));
}

/**
 * Whether `toDelete` must find nothing, whatever is in use: every run names a live revision and, counting all of
 * them (in use or not), each kind is within its limit.
 */
function nothingToDelete(runs: ReadonlyArray<Run>, replicaSets: RolloutObservation['replicaSets'], successful: number, unsuccessful: number): boolean {
  let ok = 0;
  let bad = 0;
  for (const r of runs) {
    if (r.metadata?.deletionTimestamp != null) continue;
    const hash = r.metadata?.labels?.[L.POD_TEMPLATE_HASH];
    if (hash === undefined || !isLive(replicaSets, hash)) return false;
    const phase = r.status?.phase ?? '';
    if (phase === 'Successful') ok += 1;
    else if (UNSUCCESSFUL.has(phase)) bad += 1;
  }
  return ok <= successful && bad <= unsuccessful;
}

function isLive(replicaSets: RolloutObservation['replicaSets'], hash: string): boolean {
  for (const rs of replicaSets) if (rs.metadata?.labels?.[L.POD_TEMPLATE_HASH] === hash && rs.metadata?.deletionTimestamp == null) return true;
  return false;
}

const createdAt = (r: Run): number => fromRfc3339(r.metadata?.creationTimestamp ?? '') ?? 0;
/**
 * The Rollout revision a run was made for (annotation `rollout.argoproj.io/revision`), 0 without one. Creation
 * timestamps have a resolution of one second, and several updates can complete within one: the revision orders
 * those (a name would not, it carries the pod-template hash).
 */
const revisionOf = (r: Run): number => {
  const n = Number(r.metadata?.annotations?.[L.REVISION] ?? '');
  return Number.isInteger(n) && n > 0 ? n : 0;
};
/** Newest first: creation time, then revision, then name. */
const newestFirst = (a: Run, b: Run): number => createdAt(b) - createdAt(a) || revisionOf(b) - revisionOf(a) || (b.metadata?.name ?? '').localeCompare(a.metadata?.name ?? '');

function toDelete(runs: ReadonlyArray<Run>, inUse: ReadonlySet<string>, liveHashes: ReadonlySet<string>, successful: number, unsuccessful: number): Array<{ readonly name: string; readonly why: string }> {
  const candidates = runs
    .filter((r) => !inUse.has(r.metadata?.name ?? '') && r.metadata?.deletionTimestamp == null)
    .sort(newestFirst);
  let keptOk = 0;
  let keptBad = 0;
  const out: Array<{ name: string; why: string }> = [];
  for (const r of candidates) {
    const name = r.metadata?.name ?? '';
    const hash = r.metadata?.labels?.[L.POD_TEMPLATE_HASH];
    const phase = r.status?.phase ?? '';
    if (hash === undefined || !liveHashes.has(hash)) {
      out.push({ name, why: hash === undefined ? 'it names no revision' : `the ReplicaSet of its revision ${hash} is gone` });
      continue;
    }
    if (phase === 'Successful') {
      if (keptOk < successful) keptOk += 1;
      else out.push({ name, why: `more than successfulRunHistoryLimit ${successful} Successful` });
    } else if (UNSUCCESSFUL.has(phase)) {
      if (keptBad < unsuccessful) keptBad += 1;
      else out.push({ name, why: `more than unsuccessfulRunHistoryLimit ${unsuccessful} unsuccessful` });
    }
  }
  // Deleted oldest first: if a deletion fails part way, what remains is the newest history.
  return out.reverse();
}

/**
 * Delete intents for the AnalysisRuns and Experiments of `obs` beyond the Rollout's history limits, given the
 * status this reconcile writes (`status`) and the one it started from (both name runs in use).
 */
export function runHistoryDeletions(rollout: Rollout, obs: RolloutObservation, status: RolloutStatus): Intent[] {
  if (obs.analysisRuns.length === 0 && obs.experiments.length === 0) return [];
  const successful = successfulRunHistoryLimitOrDefault(rollout.spec);
  const unsuccessful = unsuccessfulRunHistoryLimitOrDefault(rollout.spec);
  // The usual case, checked cheaply: nothing to delete.
  if (nothingToDelete(obs.analysisRuns, obs.replicaSets, successful, unsuccessful) && nothingToDelete(obs.experiments, obs.replicaSets, successful, unsuccessful)) return [];
  const liveHashes = new Set<string>();
  for (const rs of obs.replicaSets) {
    const hash = rs.metadata?.labels?.[L.POD_TEMPLATE_HASH];
    if (hash !== undefined && rs.metadata?.deletionTimestamp == null) liveHashes.add(hash);
  }
  const inUse = new Set([...namesInUse(status), ...namesInUse(rollout.status)]);
  const intents: Intent[] = [];
  for (const { name, why } of toDelete(obs.analysisRuns, inUse, liveHashes, successful, unsuccessful))
    intents.push({ _tag: 'DeleteAnalysisRun', name, reason: `AnalysisRun ${name} deleted: ${why}` });
  for (const { name, why } of toDelete(obs.experiments, inUse, liveHashes, successful, unsuccessful))
    intents.push({ _tag: 'DeleteExperiment', name, reason: `Experiment ${name} deleted: ${why}` });
  return intents;
}
