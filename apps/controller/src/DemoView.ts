/**
 * What the demo shows of a canary Rollout: phase, step, traffic split and the pods of the stable and canary
 * revisions, as a few lines of text. Pure: the same objects give the same lines.
 */
import type { ReplicaSet, Rollout } from '@rollouts/api';
import { describeStep, weightAtStep } from '@rollouts/core';

const HASH_LABEL = 'rollouts-pod-template-hash';

function bar(percent: number, width = 20): string {
  const full = Math.round((percent / 100) * width);
  return `${'█'.repeat(full)}${'░'.repeat(width - full)}`;
}

function pods(rs: ReplicaSet | undefined): string {
  if (rs === undefined) return '-';
  const desired = rs.spec?.replicas ?? 0;
  const available = Math.min(rs.status?.availableReplicas ?? 0, Math.max(desired, rs.status?.availableReplicas ?? 0));
  const total = Math.max(desired, rs.status?.replicas ?? 0);
  const dots = Array.from({ length: total }, (_, i) => (i < available ? '●' : '○')).join('');
  return `${dots.padEnd(10)} ${available}/${desired} available`;
}

const imageOf = (rs: ReplicaSet | undefined): string => rs?.spec?.template?.spec?.containers?.[0]?.image ?? '';

/** The lines describing `rollout` and its ReplicaSets. */
export function renderRollout(rollout: Rollout, replicaSets: ReadonlyArray<ReplicaSet>): string[] {
  const s = rollout.status ?? {};
  const name = rollout.metadata?.name ?? '';
  const steps = rollout.spec.strategy?.canary?.steps ?? [];
  const byHash = (h: string | null | undefined) => (h == null ? undefined : replicaSets.find((rs) => rs.metadata?.labels?.[HASH_LABEL] === h));
  const stable = byHash(s.stableRS);
  const canary = s.currentPodHash !== s.stableRS ? byHash(s.currentPodHash) : undefined;
  const index = s.currentStepIndex ?? steps.length;
  const paused = (s.pauseConditions ?? []).length > 0;
  const phase = `${s.phase ?? 'Pending'}${s.message ? ` (${s.message})` : ''}`;
  const lines = [`Rollout ${name}   ${phase}`];
  if (canary === undefined) {
    lines.push(`  revision  ${stable?.metadata?.annotations?.['rollout.argoproj.io/revision'] ?? '?'}  image ${imageOf(stable)}  (stable, no update in progress)`);
  } else {
    // `N/M` as `get rollout` and Argo's plugin show it: N steps of M completed (the current one is not).
    const step = steps[index];
    const what = step === undefined ? 'all steps done' : `${describeStep(step)}${paused && step.pause != null && step.pause.duration == null ? '  <- waiting for promote' : ''}`;
    lines.push(`  update    ${imageOf(stable)} -> ${imageOf(canary)}   step ${Math.min(index, steps.length)}/${steps.length}: ${what}`);
    const weight = s.abort === true ? 0 : (s.canary?.weights?.canary.weight ?? weightAtStep(steps, index, 100));
    lines.push(`  traffic   canary ${String(weight).padStart(3)}% ${bar(weight)} stable ${100 - weight}%`);
  }
  lines.push(`  stable    ${(stable?.metadata?.name ?? '-').padEnd(24)} ${pods(stable)}`);
  if (canary !== undefined) lines.push(`  canary    ${(canary.metadata?.name ?? '-').padEnd(24)} ${pods(canary)}`);
  const progressing = (s.conditions ?? []).find((c) => c.type === 'Progressing');
  if (progressing?.message) lines.push(`  why       ${progressing.message}`);
  return lines;
}
