/**
 * What a metric Job's state says about the measurement, as Argo Rollouts reads it:
 * - condition `Complete` True: the measurement is Successful;
 * - condition `Failed` True: Failed (the condition's reason and message say why: `BackoffLimitExceeded`,
 *   `DeadlineExceeded`, ...);
 * - otherwise, a pod of the Job whose container (or init container) waits for an image that cannot be pulled
 *   (`ErrImagePull`, `ImagePullBackOff`, `InvalidImageName`): the Job can never succeed or fail by itself,
 *   so the measurement is Inconclusive at once rather than waiting for a deadline that may not exist;
 * - otherwise the Job is still running, and is looked at again after √(2·elapsed seconds), at least 1 s and
 *   at most {@link MAX_RESUME_DELAY_MS}: often at first, when quick failures show, rarely for long Jobs.
 */
import type { KubeObject } from '@rollouts/plugin-sdk';

/** The outcome of a Job so far. */
export type JobOutcome =
  | { readonly _tag: 'Complete' }
  | { readonly _tag: 'Failed'; readonly reason: string; readonly message: string }
  | { readonly _tag: 'CannotStart'; readonly pod: string; readonly container: string; readonly reason: string; readonly message: string }
  | { readonly _tag: 'Running' };

/** Container waiting reasons that never resolve by themselves. */
export const TERMINAL_WAITING_REASONS: ReadonlySet<string> = new Set(['ErrImagePull', 'ImagePullBackOff', 'InvalidImageName']);

/** The longest wait between two looks at a running Job. */
export const MAX_RESUME_DELAY_MS = 30_000;
/** The shortest wait between two looks at a running Job. */
export const MIN_RESUME_DELAY_MS = 1_000;

type Rec = Record<string, unknown>;
const isRec = (v: unknown): v is Rec => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string => (typeof v === 'string' ? v : '');
const recs = (v: unknown): Rec[] => (Array.isArray(v) ? v.filter(isRec) : []);

/** Complete or Failed from the Job's conditions (only conditions with status True count; Failed wins). */
function fromConditions(job: KubeObject): JobOutcome | undefined {
  const conditions = recs(isRec(job['status']) ? job['status']['conditions'] : undefined).filter((c) => c['status'] === 'True');
  const failed = conditions.find((c) => c['type'] === 'Failed');
  if (failed !== undefined) return { _tag: 'Failed', reason: str(failed['reason']), message: str(failed['message']) };
  if (conditions.some((c) => c['type'] === 'Complete')) return { _tag: 'Complete' };
  return undefined;
}

/** The first container of the Job's pods stuck on an image that cannot be pulled. */
function stuckContainer(job: KubeObject, pods: ReadonlyArray<KubeObject>): JobOutcome | undefined {
  const uid = job.metadata.uid;
  for (const pod of pods) {
    if (uid !== undefined && !(pod.metadata.ownerReferences ?? []).some((r) => r.uid === uid)) continue;
    if (pod.metadata['deletionTimestamp'] != null) continue;
    const status = isRec(pod['status']) ? pod['status'] : {};
    for (const cs of [...recs(status['initContainerStatuses']), ...recs(status['containerStatuses'])]) {
      const waiting = isRec(cs['state']) && isRec(cs['state']['waiting']) ? cs['state']['waiting'] : undefined;
      const reason = str(waiting?.['reason']);
      if (TERMINAL_WAITING_REASONS.has(reason)) return { _tag: 'CannotStart', pod: pod.metadata.name, container: str(cs['name']), reason, message: str(waiting?.['message']) };
    }
  }
  return undefined;
}

/** Read a Job (and the pods found with it; pods of other Jobs are ignored). */
export function readJobOutcome(job: KubeObject, pods: ReadonlyArray<KubeObject> = []): JobOutcome {
  return fromConditions(job) ?? stuckContainer(job, pods) ?? { _tag: 'Running' };
}

/** Whether the Job has finished (Complete or Failed), without looking at its pods. */
export function jobFinished(job: KubeObject): boolean {
  return fromConditions(job) !== undefined;
}

/** How long to wait before looking at a Job again that has run for `elapsedMs`: √(2·s) seconds, bounded. */
export function resumeDelayMs(elapsedMs: number): number {
  const seconds = Math.max(0, elapsedMs) / 1000;
  const delay = Math.sqrt(2 * seconds) * 1000;
  return Math.round(Math.min(MAX_RESUME_DELAY_MS, Math.max(MIN_RESUME_DELAY_MS, delay)));
}
