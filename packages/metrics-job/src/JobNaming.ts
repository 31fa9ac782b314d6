/**
 * How a measurement's Job is named, as Argo Rollouts names it: `<runUID>.<metricName>.<n>`, where `n` is the
 * number of measurements the metric has taken so far, errors included, plus one (`count + error + 1`). The
 * Job controller copies the Job's name into a pod label, and label values are limited to 63 characters, so a
 * long metric name is cut from the end until the whole name fits.
 *
 * The name is therefore a pure function of the run's uid and the metric's result, which is what lets a
 * restarted controller find the Job it created before it could record it.
 */
import type { AnalysisRun } from '@rollouts/api';

/** The longest Job name: the Job controller puts it in a pod label value. */
export const MAX_JOB_NAME_LENGTH = 63;

/** The `<n>` of the next Job of `metricName` in `run`: the measurements taken so far, errors included, plus one. */
export function nextJobSequence(run: AnalysisRun, metricName: string): number {
  const result = (run.status?.metricResults ?? []).find((r) => r.name === metricName);
  return (result?.count ?? 0) + (result?.error ?? 0) + 1;
}

/**
 * The Job name `<runUid>.<metricName>.<n>`, with the metric name cut from the end so that the whole name is
 * at most {@link MAX_JOB_NAME_LENGTH} characters. Dots and dashes left at the end of the cut name are dropped
 * too (`uid.my-metric-.3` is not a valid object name: each dot-separated part must end alphanumeric).
 */
export function metricJobName(runUid: string, metricName: string, sequence: number): string {
  const fixed = `${runUid}..${sequence}`.length;
  const room = Math.max(0, MAX_JOB_NAME_LENGTH - fixed);
  const metric = metricName.length <= room ? metricName : metricName.slice(0, room).replace(/[.-]+$/, '');
  return `${runUid}.${metric}.${sequence}`;
}

/** The `<n>` at the end of a Job name made by {@link metricJobName}, or `undefined` when there is none. */
export function jobSequenceOf(jobName: string): number | undefined {
  const m = /\.(\d+)$/.exec(jobName);
  return m === null ? undefined : Number(m[1]);
}
