/**
 * The status of each object as a person reads it at a glance: a word and an icon, the same words and icons
 * as Argo Rollouts' plugin (`✔ Healthy`, `◌ Progressing`, `॥ Paused`, `✖ Degraded`...). Pure.
 */
import type { ReplicaSet } from '@rollouts/api';

/** A status: the icon and the word. */
export interface StatusCell {
  readonly icon: string;
  readonly text: string;
}

/** Icons. */
export const ICONS = {
  healthy: '✔',
  progressing: '◌',
  paused: '॥',
  degraded: '✖',
  warning: '⚠',
  unknown: '?',
  pending: '◷',
  scaledDown: '•',
} as const;

/** A Rollout's phase: Progressing, Paused, Healthy, Degraded, Error or InvalidSpec, anything else unknown. */
export function rolloutIcon(phase: string): string {
  switch (phase) {
    case 'Progressing':
      return ICONS.progressing;
    case 'Paused':
      return ICONS.paused;
    case 'Healthy':
      return ICONS.healthy;
    case 'Degraded':
      return ICONS.degraded;
    case 'Error':
    case 'InvalidSpec':
      return ICONS.warning;
    default:
      return ICONS.unknown;
  }
}

/** The phase of an AnalysisRun, an Experiment, a Job or a measurement. */
export function analysisIcon(phase: string): string {
  switch (phase) {
    case 'Successful':
      return ICONS.healthy;
    case 'Inconclusive':
      return ICONS.unknown;
    case 'Failed':
      return ICONS.degraded;
    case 'Error':
      return ICONS.warning;
    case 'Running':
      return ICONS.progressing;
    case 'Pending':
      return ICONS.pending;
    default:
      return ICONS.unknown;
  }
}

interface Condition {
  readonly type?: string;
  readonly status?: string;
}

/** A ReplicaSet: Degraded (ReplicaFailure), Progressing (not observed yet or not all available), ScaledDown, Healthy. */
export function replicaSetStatus(rs: ReplicaSet): StatusCell {
  const conditions = (rs.status?.conditions ?? []) as unknown as readonly Condition[];
  if (conditions.some((c) => c.type === 'ReplicaFailure' && c.status === 'True')) return { icon: ICONS.degraded, text: 'Degraded' };
  const spec = rs.spec?.replicas ?? 1;
  const observed = rs.status?.observedGeneration;
  const generation = rs.metadata?.generation;
  if ((generation != null && observed != null && observed < generation) || (rs.status?.availableReplicas ?? 0) < spec) return { icon: ICONS.progressing, text: 'Progressing' };
  if (spec === 0) return { icon: ICONS.scaledDown, text: 'ScaledDown' };
  return { icon: ICONS.healthy, text: 'Healthy' };
}

/** The parts of a Pod read here. */
export interface PodView {
  readonly metadata?: {
    readonly name?: string | null;
    readonly namespace?: string | null;
    readonly uid?: string | null;
    readonly creationTimestamp?: string | null;
    readonly deletionTimestamp?: string | null;
    readonly ownerReferences?: ReadonlyArray<{ readonly uid?: string | null }> | null;
  } | null;
  readonly spec?: { readonly containers?: readonly unknown[] | null; readonly initContainers?: readonly unknown[] | null } | null;
  readonly status?: {
    readonly phase?: string | null;
    readonly reason?: string | null;
    readonly conditions?: ReadonlyArray<{ readonly type?: string; readonly status?: string }> | null;
    readonly initContainerStatuses?: readonly ContainerStatus[] | null;
    readonly containerStatuses?: readonly ContainerStatus[] | null;
  } | null;
}

interface ContainerStatus {
  readonly ready?: boolean | null;
  readonly restartCount?: number | null;
  readonly state?: {
    readonly waiting?: { readonly reason?: string | null } | null;
    readonly running?: object | null;
    readonly terminated?: { readonly reason?: string | null; readonly exitCode?: number | null; readonly signal?: number | null } | null;
  } | null;
}

/** The pod's status word as `kubectl get pods` prints it, its ready and total containers, and restarts. */
export function podStatusText(pod: PodView): { text: string; ready: number; total: number; restarts: number } {
  const st = pod.status ?? {};
  let reason = st.reason != null && st.reason !== '' ? st.reason : (st.phase ?? 'Unknown');
  const inits = st.initContainerStatuses ?? [];
  const containers = st.containerStatuses ?? [];
  let restarts = 0;
  let initializing = false;
  for (const [i, c] of inits.entries()) {
    restarts += c.restartCount ?? 0;
    const term = c.state?.terminated;
    const wait = c.state?.waiting;
    if (term != null && (term.exitCode ?? 0) === 0) continue;
    initializing = true;
    if (term != null) reason = term.reason != null && term.reason !== '' ? `Init:${term.reason}` : (term.signal ?? 0) !== 0 ? `Init:Signal:${term.signal}` : `Init:ExitCode:${term.exitCode}`;
    else if (wait?.reason != null && wait.reason !== '' && wait.reason !== 'PodInitializing') reason = `Init:${wait.reason}`;
    else reason = `Init:${i}/${pod.spec?.initContainers?.length ?? inits.length}`;
    break;
  }
  let ready = 0;
  if (!initializing) {
    restarts = 0;
    let running = false;
    for (const c of [...containers].reverse()) {
      restarts += c.restartCount ?? 0;
      const term = c.state?.terminated;
      const wait = c.state?.waiting;
      if (wait?.reason != null && wait.reason !== '') reason = wait.reason;
      else if (term?.reason != null && term.reason !== '') reason = term.reason;
      else if (term != null) reason = (term.signal ?? 0) !== 0 ? `Signal:${term.signal}` : `ExitCode:${term.exitCode}`;
      else if (c.ready === true && c.state?.running != null) {
        running = true;
        ready++;
      }
    }
    if (reason === 'Completed' && running) {
      const podReady = (st.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
      reason = podReady ? 'Running' : 'NotReady';
    }
  }
  if (pod.metadata?.deletionTimestamp != null) reason = st.reason === 'NodeLost' ? 'Unknown' : 'Terminating';
  return { text: reason, ready, total: pod.spec?.containers?.length ?? containers.length, restarts };
}

/** The icon of a pod status word. */
export function podIcon(text: string): string {
  if (text.startsWith('Init:') || ['Pending', 'Terminating', 'ContainerCreating', 'PodInitializing'].includes(text)) return ICONS.progressing;
  if (['Running', 'Completed', 'Succeeded'].includes(text)) return ICONS.healthy;
  if (['Failed', 'CrashLoopBackOff', 'InvalidImageName', 'OOMKilled'].includes(text) || text.startsWith('Signal:') || text.startsWith('ExitCode:')) return ICONS.degraded;
  if (['ImagePullBackOff', 'RegistryUnavailable', 'ErrImagePull'].includes(text) || text.endsWith('Error') || text.startsWith('Err')) return ICONS.warning;
  return ICONS.unknown;
}
