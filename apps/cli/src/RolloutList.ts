/**
 * The rows of `list rollouts` and `list experiments`, as data (`-o json` prints them) and as table cells.
 * Pure.
 */
import type { Experiment, Rollout } from '@rollouts/api';
import { parseGoDuration } from '@rollouts/api';
import * as E from 'fp-ts/lib/Either';
import { clientRolloutPhase } from '@rollouts/core';
import { age, humanDuration } from './HumanDuration';
import { rolloutView } from './RolloutTree';
import { rolloutIcon, analysisIcon } from './StatusIcons';

/** One Rollout in the list. */
export interface RolloutRow {
  readonly namespace: string;
  readonly name: string;
  readonly strategy: 'Canary' | 'BlueGreen' | 'unknown';
  readonly status: string;
  readonly message: string;
  /** `2/8`, or `-`. */
  readonly step: string;
  /** The set weight, or `-`. */
  readonly setWeight: string;
  readonly ready: number;
  readonly current: number;
  readonly desired: number;
  readonly upToDate: number;
  readonly available: number;
}

const EMPTY = { replicaSets: [], pods: [], experiments: [], analysisRuns: [] };

/** The row of a Rollout. */
export function rolloutRow(ro: Rollout): RolloutRow {
  const s = rolloutView(ro, EMPTY, 0).summary;
  const st = ro.status ?? {};
  return {
    namespace: ro.metadata?.namespace ?? '',
    name: ro.metadata?.name ?? '',
    strategy: s.strategy,
    status: s.status.text,
    message: s.message,
    step: s.step ?? '-',
    setWeight: s.strategy === 'Canary' ? (s.setWeight ?? '-') : '-',
    ready: st.readyReplicas ?? 0,
    current: st.replicas ?? 0,
    desired: ro.spec.replicas ?? 1,
    upToDate: st.updatedReplicas ?? 0,
    available: st.availableReplicas ?? 0,
  };
}

/** Column titles of `list rollouts` (with NAMESPACE first under `-A`). */
export function rolloutHeader(allNamespaces: boolean): string[] {
  return [...(allNamespaces ? ['NAMESPACE'] : []), 'NAME', 'STRATEGY', 'STATUS', 'STEP', 'SET-WEIGHT', 'READY', 'DESIRED', 'UP-TO-DATE', 'AVAILABLE'];
}

/** Table cells of a row; `icon` paints the status icon. */
export function rolloutCells(r: RolloutRow, allNamespaces: boolean, icon: (i: string) => string = (i) => i): string[] {
  return [
    ...(allNamespaces ? [r.namespace] : []),
    r.name,
    r.strategy,
    `${icon(rolloutIcon(r.status))} ${r.status}`,
    r.step,
    r.setWeight,
    `${r.ready}/${r.current}`,
    String(r.desired),
    String(r.upToDate),
    String(r.available),
  ];
}

/** The phase word and message, as `status` prints it. */
export function rolloutStatusLine(ro: Rollout): { phase: string; message: string; text: string } {
  const p = clientRolloutPhase(ro);
  return { phase: p.phase, message: p.message, text: p.message !== '' ? `${p.phase} - ${p.message}` : p.phase };
}

/** One Experiment in the list. */
export interface ExperimentRow {
  readonly namespace: string;
  readonly name: string;
  readonly status: string;
  readonly duration: string;
  readonly remaining: string;
  readonly age: string;
}

/** The row of an Experiment: its duration, the time left while it runs, its age. */
export function experimentRow(exp: Experiment, nowMs: number): ExperimentRow {
  const phase = exp.status?.phase ?? 'Pending';
  const duration = exp.spec.duration ?? '';
  let remaining = '-';
  const d = duration !== '' ? parseGoDuration(duration) : E.left('');
  const since = exp.status?.availableAt != null ? Date.parse(exp.status.availableAt) : NaN;
  if (E.isRight(d) && !Number.isNaN(since) && (phase === 'Running' || phase === 'Pending')) remaining = humanDuration(Math.max(0, since + d.right - nowMs));
  return { namespace: exp.metadata?.namespace ?? '', name: exp.metadata?.name ?? '', status: phase, duration: duration === '' ? '-' : duration, remaining, age: age(exp.metadata?.creationTimestamp, nowMs) };
}

/** Table cells of an experiment row. */
export function experimentCells(r: ExperimentRow, allNamespaces: boolean, icon: (i: string) => string = (i) => i): string[] {
  return [...(allNamespaces ? [r.namespace] : []), r.name, `${icon(analysisIcon(r.status))} ${r.status}`, r.duration, r.remaining, r.age];
}
