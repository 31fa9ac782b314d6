/**
 * The writes each mutating command sends, as plain data, byte for byte the ones Argo Rollouts' kubectl plugin
 * sends (so either plugin drives either controller). Pure: the caller passes the objects read and the time.
 *
 * `target` is `main` (the object) or `status` (its status subresource). A status patch answered 404 (an old
 * CRD without the status subresource) is sent again to the object: {@link PatchPlan.statusFallback}.
 */
import * as E from 'fp-ts/lib/Either';
import type { Either } from 'fp-ts/lib/Either';
import type { PodTemplateSpec, ReplicaSet, Rollout } from '@rollouts/api';
import { podTemplatesEqual } from '@rollouts/core';

/** One write. */
export interface PlannedPatch {
  readonly target: 'main' | 'status';
  readonly type: 'merge' | 'json';
  readonly body: unknown;
}

/** The writes of a command, in order, and what replaces the status writes when /status answers 404. */
export interface PatchPlan {
  readonly patches: readonly PlannedPatch[];
  readonly statusFallback?: PlannedPatch;
}

const main = (body: unknown): PlannedPatch => ({ target: 'main', type: 'merge', body });
const status = (body: unknown): PlannedPatch => ({ target: 'status', type: 'merge', body });

/** `pause`: set `spec.paused`. */
export const pausePatch = (): PatchPlan => ({ patches: [main({ spec: { paused: true } })] });

/** `resume` (ours; upstream has none): clear `spec.paused`, undoing `pause`. Pause steps still need `promote`. */
export const resumePatch = (): PatchPlan => ({ patches: [main({ spec: { paused: false } })] });

/** `abort`: `status.abort`. */
export const abortPatch = (): PatchPlan => ({ patches: [status({ status: { abort: true } })], statusFallback: main({ status: { abort: true } }) });

/** `retry rollout`: clear `status.abort`. */
export const retryRolloutPatch = (): PatchPlan => ({ patches: [status({ status: { abort: false } })], statusFallback: main({ status: { abort: false } }) });

/** `retry experiment`: drop the whole status, so the experiment starts again. */
export const retryExperimentPatch = (): PatchPlan => ({ patches: [main({ status: null })] });

/** `terminate analysisrun` / `terminate experiment`: `spec.terminate`. */
export const terminatePatch = (): PatchPlan => ({ patches: [main({ spec: { terminate: true } })] });

/** RFC 3339 in UTC, whole seconds (`2026-11-26T17:00:00Z`), as Go's `metav1.Time` writes it. */
export function rfc3339Seconds(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

/** `restart [--in D]`: `spec.restartAt` = now + D. */
export const restartPatch = (nowMs: number, inMs: number): PatchPlan => ({ patches: [main({ spec: { restartAt: rfc3339Seconds(nowMs + inMs) } })] });

/**
 * `promote` and `promote --full`.
 *
 * Default: when `spec.paused`, first clear it on the object; then at most one status write:
 * - canary whose current-step analysis is Inconclusive, paused by it (pause conditions and `controllerPause`):
 *   clear the conditions and `controllerPause` and go to the next step;
 * - else any pause condition: clear the conditions;
 * - else a canary with steps: clear the conditions and go to the next step (capped at the step count);
 * - else (blue-green, nothing paused): nothing.
 * The 404 fallback is one combined write to the object.
 *
 * `--full`: clear `spec.paused` when set; ask for `status.promoteFull` unless the current pod hash is stable.
 */
export function promotePatches(rollout: Pick<Rollout, 'spec' | 'status'>, full: boolean): PatchPlan {
  const paused = rollout.spec.paused === true;
  const unpause = paused ? [main({ spec: { paused: false } })] : [];
  const st = rollout.status ?? {};
  if (full) {
    const done = st.currentPodHash != null && st.currentPodHash === st.stableRS;
    return { patches: [...unpause, ...(done ? [] : [status({ status: { promoteFull: true } })])] };
  }
  const canary = rollout.spec.strategy?.canary;
  const steps = canary?.steps ?? [];
  const idx = st.currentStepIndex ?? 0;
  const next = Math.min(idx + 1, steps.length);
  const conditions = st.pauseConditions ?? [];
  const inconclusive = st.canary?.currentStepAnalysisRunStatus?.status === 'Inconclusive';
  let body: Record<string, unknown> | undefined;
  if (canary != null && inconclusive && conditions.length > 0 && st.controllerPause === true) body = { pauseConditions: null, controllerPause: false, currentStepIndex: next };
  else if (conditions.length > 0) body = { pauseConditions: null };
  else if (canary != null && steps.length > 0) body = { pauseConditions: null, currentStepIndex: next };
  if (body === undefined) return { patches: unpause };
  const fallbackStatus: Record<string, unknown> = { pauseConditions: null, ...('currentStepIndex' in body ? { currentStepIndex: body['currentStepIndex'] } : {}) };
  return { patches: [...unpause, status({ status: body })], statusFallback: main({ spec: { paused: false }, status: fallbackStatus }) };
}

/** A pod template (of a Rollout, a Deployment...), with its containers. */
interface WithTemplate {
  readonly spec?: { readonly template?: { readonly spec?: Record<string, unknown> | null } | null } | null;
}

const CONTAINER_LISTS = ['initContainers', 'containers', 'ephemeralContainers'] as const;

/**
 * `set image NAME CONTAINER=IMAGE`: the object with the image of every container named `container` (in
 * initContainers, containers and ephemeralContainers; `*` names them all) replaced. A copy; the input is
 * not changed. Left: `unable to find container named "<c>"`.
 */
export function setImage<T extends WithTemplate>(object: T, container: string, image: string): Either<string, T> {
  const copy = structuredClone(object) as T;
  const podSpec = copy.spec?.template?.spec;
  let found = false;
  for (const list of CONTAINER_LISTS) {
    const containers = podSpec?.[list];
    if (!Array.isArray(containers)) continue;
    for (const c of containers as Array<{ name?: string; image?: string }>) {
      if (container === '*' || c.name === container) {
        c.image = image;
        found = true;
      }
    }
  }
  return found ? E.right(copy) : E.left(`unable to find container named "${container}"`);
}

/** Parse `CONTAINER=IMAGE`. */
export function parseImageArgument(arg: string): Either<string, { container: string; image: string }> {
  const i = arg.indexOf('=');
  if (i <= 0 || i === arg.length - 1) return E.left(`expected CONTAINER=IMAGE (or *=IMAGE), got "${arg}"`);
  return E.right({ container: arg.slice(0, i), image: arg.slice(i + 1) });
}

/** Annotation with a ReplicaSet's revision number. */
export const REVISION_ANNOTATION = 'rollout.argoproj.io/revision';
const HASH_LABEL = 'rollouts-pod-template-hash';

/** What `undo` does. */
export type UndoPlan =
  | { readonly _tag: 'Skip'; readonly message: string }
  | { readonly _tag: 'Patch'; readonly revision: number; readonly patch: PlannedPatch };

/** The template without the pod-template-hash label. */
function withoutHash(t: PodTemplateSpec): PodTemplateSpec {
  const labels = { ...(t.metadata?.labels ?? {}) };
  delete labels[HASH_LABEL];
  return { ...t, metadata: { ...(t.metadata ?? {}), labels } };
}

/**
 * `undo [--to-revision N]`, given the object whose template changes (the Rollout, or its workloadRef target)
 * and the Rollout's ReplicaSets (already filtered by owner). Revision 0 means the previous one (the second
 * highest). Templates are compared semantically (API-server defaults filled in, the hash label ignored), so a
 * Rollout already on that revision is skipped; otherwise a JSON patch replaces `/spec/template` with the
 * ReplicaSet's template minus the hash label.
 */
export function undoPlan(current: PodTemplateSpec, replicaSets: readonly ReplicaSet[], toRevision: number, rolloutName: string): Either<string, UndoPlan> {
  const byRevision = new Map<number, ReplicaSet>();
  for (const rs of replicaSets) {
    const v = Number(rs.metadata?.annotations?.[REVISION_ANNOTATION] ?? '');
    if (Number.isInteger(v) && v > 0) byRevision.set(v, rs);
  }
  const revisions = [...byRevision.keys()].sort((a, b) => b - a);
  let revision: number | undefined;
  if (toRevision === 0) {
    revision = revisions[1];
    if (revision === undefined) return E.left(`no revision found for rollout "${rolloutName}"`);
  } else {
    if (!byRevision.has(toRevision)) return E.left(`unable to find specified revision ${toRevision} in history`);
    revision = toRevision;
  }
  const template = byRevision.get(revision)?.spec?.template ?? {};
  if (podTemplatesEqual(withoutHash(current), withoutHash(template))) {
    return E.right({ _tag: 'Skip', message: `skipped rollback (current template already matches revision ${toRevision})` });
  }
  return E.right({ _tag: 'Patch', revision, patch: { target: 'main', type: 'json', body: [{ op: 'replace', path: '/spec/template', value: withoutHash(template) }] } });
}
