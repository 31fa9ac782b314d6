/**
 * Objects the API server admitted that our codecs cannot read (a CRD schema older or looser than ours, or none
 * at all: a string where an integer belongs, a list where a map belongs). The controller cannot act on them, and
 * says so on the object itself, not only in its log:
 *
 * - a **Rollout** gets the `InvalidSpec` condition (reason `InvalidSpec`, the message naming the field) and phase
 *   `Degraded` with that message, by a merge patch of its status subresource, as for any other invalid spec;
 * - an **AnalysisRun** or **Experiment** that has not finished ends in phase `Error` with the message (a run that
 *   cannot be read can never be measured; the Rollout that waits on it then aborts with the reason instead of
 *   waiting forever).
 *
 * Each write happens only when the object does not already say exactly that, so a hostile object costs one write
 * per version at most; a Warning Event `InvalidSpec` goes with each write.
 */
import * as E from 'fp-ts/lib/Either';
import type { AnalysisRun, Experiment, FieldError, Rollout } from '@rollouts/api';
import { getCondition, setCondition, toRfc3339 } from '@rollouts/core';
import { Resources, type Clock, type EventRecorder, type KubeWriter, type Logger } from '@rollouts/k8s';
import type { ClusterCache } from './ClusterCache';
import { describeDecodeErrors } from './Decoding';

export interface UnreadableDeps {
  readonly cache: ClusterCache;
  readonly writer: KubeWriter;
  readonly events: EventRecorder;
  readonly clock: Clock;
  readonly log: Logger;
  readonly track: (p: Promise<void>) => void;
}

/** The parts of a raw cached object read here (it did not decode, so nothing else is trusted). */
interface Raw {
  readonly metadata?: { readonly name?: string | null; readonly namespace?: string | null; readonly uid?: string | null } | null;
  readonly status?: unknown;
}

type UnreadableKind = 'Rollout' | 'AnalysisRun' | 'Experiment';

const TERMINAL: ReadonlySet<string> = new Set(['Successful', 'Failed', 'Error', 'Inconclusive']);

/** `The <Kind> "<name>" cannot be read: <first error> (and N more)`. */
export const unreadableMessage = (kind: UnreadableKind, name: string, errors: ReadonlyArray<FieldError>): string =>
  `The ${kind} "${name}" cannot be read: ${describeDecodeErrors(errors)}`;

const statusField = (raw: Raw, field: string): unknown => (typeof raw.status === 'object' && raw.status !== null ? (raw.status as Record<string, unknown>)[field] : undefined);

function record(deps: UnreadableDeps, kind: UnreadableKind, raw: Raw, message: string): void {
  const metadata = { name: raw.metadata?.name ?? '', namespace: raw.metadata?.namespace ?? '', uid: raw.metadata?.uid ?? null };
  deps.track(deps.events.record({ apiVersion: 'argoproj.io/v1alpha1', kind, metadata }, 'Warning', 'InvalidSpec', message));
}

/** Mark an unreadable Rollout InvalidSpec / Degraded (once per message). Resolves when the write is done. */
export async function reportUnreadableRollout(raw: Raw, errors: ReadonlyArray<FieldError>, deps: UnreadableDeps): Promise<void> {
  const name = raw.metadata?.name ?? '';
  const namespace = raw.metadata?.namespace ?? '';
  const message = unreadableMessage('Rollout', name, errors);
  const listed = statusField(raw, 'conditions');
  const conditions = Array.isArray(listed) ? listed.filter((c): c is { type: string } => typeof c === 'object' && c !== null && typeof (c as { type?: unknown }).type === 'string') : [];
  const current = getCondition(conditions as never, 'InvalidSpec');
  if (current?.status === 'True' && current.message === message && statusField(raw, 'phase') === 'Degraded') return;
  deps.log.error(message, { rollout: `${namespace}/${name}` });
  const next = setCondition(conditions as never, { type: 'InvalidSpec', status: 'True', reason: 'InvalidSpec', message }, deps.clock.now());
  const body = { status: { conditions: next, phase: 'Degraded', message: `InvalidSpec: ${message}` } };
  const r = await deps.writer.patch<Rollout>(Resources.rollouts, namespace, name, { type: 'merge', body }, { subresource: 'status' });
  if (E.isLeft(r)) {
    deps.log.warn('cannot mark an unreadable Rollout InvalidSpec', { rollout: `${namespace}/${name}`, error: r.left.message });
    return;
  }
  deps.cache.rollouts.wrote(r.right, raw as Rollout);
  record(deps, 'Rollout', raw, message);
}

/** End an unreadable, unfinished AnalysisRun or Experiment in phase Error (once). */
export async function reportUnreadableRun(kind: 'AnalysisRun' | 'Experiment', raw: Raw, errors: ReadonlyArray<FieldError>, deps: UnreadableDeps): Promise<void> {
  const name = raw.metadata?.name ?? '';
  const namespace = raw.metadata?.namespace ?? '';
  const phase = statusField(raw, 'phase');
  if (typeof phase === 'string' && TERMINAL.has(phase)) return;
  const message = unreadableMessage(kind, name, errors);
  deps.log.error(message, { [kind === 'AnalysisRun' ? 'analysisRun' : 'experiment']: `${namespace}/${name}` });
  const body = { status: { phase: 'Error', message, ...(kind === 'AnalysisRun' ? { completedAt: toRfc3339(deps.clock.now()) } : {}) } };
  const resource = kind === 'AnalysisRun' ? Resources.analysisRuns : Resources.experiments;
  const r = await deps.writer.patch<AnalysisRun & Experiment>(resource, namespace, name, { type: 'merge', body });
  if (E.isLeft(r)) {
    deps.log.warn(`cannot end an unreadable ${kind} in Error`, { object: `${namespace}/${name}`, error: r.left.message });
    return;
  }
  if (kind === 'AnalysisRun') deps.cache.analysisRuns.wrote(r.right, raw as AnalysisRun);
  else deps.cache.experiments.wrote(r.right, raw as Experiment);
  record(deps, kind, raw, message);
}
