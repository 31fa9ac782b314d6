/**
 * What `get rollout|experiment|analysisrun` shows, as data: the summary (status, strategy, step, weights,
 * images, replicas) and the tree of revisions, ReplicaSets, pods, Experiments, AnalysisRuns and Jobs owned by
 * the object. Pure: built from objects already read; rendering is `TreeRender.ts`; `-o json` prints this.
 */
import type { AnalysisRun, Experiment, ReplicaSet, Rollout } from '@rollouts/api';
import { clientRolloutPhase } from '@rollouts/core';
import { REVISION_ANNOTATION } from './Patches';
import { analysisIcon, podIcon, podStatusText, replicaSetStatus, rolloutIcon, type PodView, type StatusCell } from './StatusIcons';
import { humanDuration } from './HumanDuration';

/** One row of the tree. */
export interface TreeNode {
  readonly glyph: string;
  readonly name: string;
  /** `Rollout`, `ReplicaSet`, `Pod`, ...; `''` for a revision row. */
  readonly kind: string;
  readonly status?: StatusCell;
  /** creationTimestamp (RFC 3339), for the AGE column. */
  readonly created?: string;
  readonly info: string;
  /** Role tags of a ReplicaSet (`stable`, `canary`, ...): they colour its name. */
  readonly tags: readonly string[];
  readonly children: readonly TreeNode[];
}

/** An image and the roles of the ReplicaSets running it. */
export interface ImageLine {
  readonly image: string;
  readonly tags: readonly string[];
}

/** The header of `get rollout`. */
export interface RolloutSummary {
  readonly name: string;
  readonly namespace: string;
  readonly status: StatusCell;
  readonly message: string;
  readonly strategy: 'Canary' | 'BlueGreen' | 'unknown';
  /** `2/8`; absent for blue-green and canaries without steps. */
  readonly step?: string;
  readonly setWeight?: string;
  readonly actualWeight?: string;
  readonly images: readonly ImageLine[];
  readonly replicas: { readonly desired: number; readonly current: number; readonly updated: number; readonly ready: number; readonly available: number };
}

/** Everything in the namespace that the tree may show. */
export interface NamespaceSnapshot {
  readonly replicaSets: readonly ReplicaSet[];
  readonly pods: readonly PodView[];
  readonly experiments: readonly Experiment[];
  readonly analysisRuns: readonly AnalysisRun[];
}

/** The glyph before each row's name, by kind. */
export const GLYPHS = { rollout: '⟳', revision: '#', replicaSet: '⧉', pod: '□', experiment: 'Σ', analysisRun: 'α', job: '⊞' } as const;

const HASH_LABEL = 'rollouts-pod-template-hash';
const SCALE_DOWN_DEADLINE = 'scale-down-deadline';

type Meta = { readonly uid?: string | null; readonly ownerReferences?: ReadonlyArray<{ readonly uid?: string | null }> | null; readonly creationTimestamp?: string | null } | null | undefined;

const ownedBy = (uid: string | null | undefined) => (o: { readonly metadata?: Meta }) => uid != null && (o.metadata?.ownerReferences ?? []).some((r) => r.uid === uid);
const revisionOf = (o: { readonly metadata?: { readonly annotations?: Readonly<Record<string, string>> | null } | null }): number => {
  const n = Number(o.metadata?.annotations?.[REVISION_ANNOTATION] ?? '');
  return Number.isInteger(n) && n > 0 ? n : 0;
};
const created = (o: { readonly metadata?: Meta }): string | undefined => o.metadata?.creationTimestamp ?? undefined;
const byCreation = (a: { readonly metadata?: Meta }, b: { readonly metadata?: Meta }) => (created(a) ?? '').localeCompare(created(b) ?? '');

/** `canary`/`stable`/`active`/`preview`/`ping`/`pong` of a ReplicaSet of this rollout. */
export function replicaSetTags(rollout: Rollout, rs: ReplicaSet): string[] {
  const hash = rs.metadata?.labels?.[HASH_LABEL];
  const st = rollout.status ?? {};
  const tags: string[] = [];
  if (hash === undefined) return tags;
  const stable = st.stableRS != null && hash === st.stableRS;
  if (stable) tags.push('stable');
  const canary = rollout.spec.strategy?.canary;
  if (rollout.spec.strategy?.blueGreen != null) {
    if (hash === st.blueGreen?.activeSelector) tags.push('active');
    else if (hash === st.blueGreen?.previewSelector) tags.push('preview');
  } else if (canary != null && !stable && hash === st.currentPodHash) tags.push('canary');
  if (canary?.pingPong != null && st.canary?.stablePingPong != null) {
    const other = st.canary.stablePingPong === 'ping' ? 'pong' : 'ping';
    if (stable) tags.push(st.canary.stablePingPong);
    else if (hash === st.currentPodHash) tags.push(other);
  }
  return tags;
}

function delayInfo(rs: ReplicaSet, nowMs: number): string | undefined {
  const deadline = rs.metadata?.annotations?.[SCALE_DOWN_DEADLINE];
  if (deadline == null || deadline === '') return undefined;
  const t = Date.parse(deadline);
  if (Number.isNaN(t)) return undefined;
  return t > nowMs ? `delay:${humanDuration(t - nowMs)}` : 'delay:passed';
}

function podNode(pod: PodView): TreeNode {
  const s = podStatusText(pod);
  return {
    glyph: GLYPHS.pod,
    name: pod.metadata?.name ?? '',
    kind: 'Pod',
    status: { icon: podIcon(s.text), text: s.text },
    ...(pod.metadata?.creationTimestamp != null ? { created: pod.metadata.creationTimestamp } : {}),
    info: `ready:${s.ready}/${s.total}${s.restarts > 0 ? `,restarts:${s.restarts}` : ''}`,
    tags: [],
    children: [],
  };
}

function replicaSetNode(rs: ReplicaSet, tags: readonly string[], snap: NamespaceSnapshot, nowMs: number): TreeNode {
  const pods = snap.pods.filter(ownedBy(rs.metadata?.uid)).sort(byCreation);
  const delay = delayInfo(rs, nowMs);
  return {
    glyph: GLYPHS.replicaSet,
    name: rs.metadata?.name ?? '',
    kind: 'ReplicaSet',
    status: replicaSetStatus(rs),
    ...(created(rs) !== undefined ? { created: created(rs) } : {}),
    info: [...tags, ...(delay !== undefined ? [delay] : [])].join(','),
    tags,
    children: pods.map(podNode),
  };
}

/** `✔ 4,✖ 4,? 1,⚠ 1` over the metric results, zeros left out. */
export function analysisCounts(run: AnalysisRun): string {
  let ok = 0;
  let failed = 0;
  let inconclusive = 0;
  let error = 0;
  for (const m of run.status?.metricResults ?? []) {
    ok += m.successful ?? 0;
    failed += m.failed ?? 0;
    inconclusive += m.inconclusive ?? 0;
    error += m.error ?? 0;
  }
  return [
    [ok, analysisIcon('Successful')],
    [failed, analysisIcon('Failed')],
    [inconclusive, analysisIcon('Inconclusive')],
    [error, analysisIcon('Error')],
  ]
    .filter(([n]) => n !== 0)
    .map(([n, icon]) => `${icon} ${n}`)
    .join(',');
}

function analysisRunNode(run: AnalysisRun): TreeNode {
  const phase = run.status?.phase ?? 'Pending';
  const jobs: TreeNode[] = [];
  for (const m of run.status?.metricResults ?? []) {
    for (const ms of m.measurements ?? []) {
      const job = ms.metadata?.['job-name'];
      if (job === undefined) continue;
      jobs.push({ glyph: GLYPHS.job, name: job, kind: 'Job', status: { icon: analysisIcon(ms.phase), text: ms.phase }, ...(ms.startedAt != null ? { created: String(ms.startedAt) } : {}), info: '', tags: [], children: [] });
    }
  }
  return {
    glyph: GLYPHS.analysisRun,
    name: run.metadata?.name ?? '',
    kind: 'AnalysisRun',
    status: { icon: analysisIcon(phase), text: phase },
    ...(created(run) !== undefined ? { created: created(run) } : {}),
    info: analysisCounts(run),
    tags: [],
    children: jobs,
  };
}

function experimentNode(exp: Experiment, snap: NamespaceSnapshot, nowMs: number): TreeNode {
  const phase = exp.status?.phase ?? 'Pending';
  const rss = snap.replicaSets.filter(ownedBy(exp.metadata?.uid)).sort((a, b) => (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? ''));
  const runs = snap.analysisRuns.filter(ownedBy(exp.metadata?.uid)).sort(byCreation);
  return {
    glyph: GLYPHS.experiment,
    name: exp.metadata?.name ?? '',
    kind: 'Experiment',
    status: { icon: analysisIcon(phase), text: phase },
    ...(created(exp) !== undefined ? { created: created(exp) } : {}),
    info: '',
    tags: [],
    children: [...rss.map((rs) => replicaSetNode(rs, [], snap, nowMs)), ...runs.map(analysisRunNode)],
  };
}

const imagesOf = (rs: ReplicaSet): string[] => (rs.spec?.template?.spec?.containers ?? []).map((c) => c.image ?? '').filter((i) => i !== '');

function imageLines(entries: ReadonlyArray<{ rs: ReplicaSet; tags: readonly string[] }>): ImageLine[] {
  const byImage = new Map<string, string[]>();
  for (const { rs, tags } of entries) {
    if ((rs.spec?.replicas ?? 1) === 0) continue;
    for (const image of imagesOf(rs)) {
      const list = byImage.get(image) ?? [];
      for (const t of tags) if (!list.includes(t)) list.push(t);
      byImage.set(image, list);
    }
  }
  return [...byImage.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([image, tags]) => ({ image, tags }));
}

/** The last `setWeight` at or before the current step; 0 when aborted; the maximum once the steps are done. */
function weights(rollout: Rollout, snap: NamespaceSnapshot): { step?: string; setWeight: string; actualWeight: string } {
  const canary = rollout.spec.strategy?.canary ?? {};
  const steps = canary.steps ?? [];
  const st = rollout.status ?? {};
  const idx = st.currentStepIndex ?? steps.length;
  const max = canary.trafficRouting?.maxTrafficWeight ?? 100;
  const done = idx >= steps.length;
  let setWeight = 0;
  if (st.abort === true) setWeight = 0;
  else if (done) setWeight = max;
  else for (let i = Math.min(idx, steps.length - 1); i >= 0; i--) {
    const w = steps[i]?.setWeight;
    if (w != null) {
      setWeight = w;
      break;
    }
  }
  let actual: number;
  if (done) actual = max;
  else if ((st.availableReplicas ?? 0) === 0) actual = 0;
  else if (canary.trafficRouting == null) {
    const canaryRs = snap.replicaSets.find((rs) => ownedBy(rollout.metadata?.uid)(rs) && rs.metadata?.labels?.[HASH_LABEL] === st.currentPodHash);
    actual = Math.trunc(((canaryRs?.status?.availableReplicas ?? 0) * max) / (st.availableReplicas ?? 1));
  } else actual = st.canary?.weights?.canary?.weight ?? setWeight;
  return { ...(steps.length > 0 ? { step: `${st.currentStepIndex ?? 0}/${steps.length}` } : {}), setWeight: String(setWeight), actualWeight: String(actual) };
}

/** The summary and tree of a Rollout. */
export function rolloutView(rollout: Rollout, snap: NamespaceSnapshot, nowMs: number): { summary: RolloutSummary; tree: TreeNode } {
  const uid = rollout.metadata?.uid;
  const phase = clientRolloutPhase(rollout);
  const rss = snap.replicaSets.filter(ownedBy(uid));
  const experiments = snap.experiments.filter(ownedBy(uid));
  const runs = snap.analysisRuns.filter(ownedBy(uid));
  const tagged = rss.map((rs) => ({ rs, tags: replicaSetTags(rollout, rs) }));
  const expRss = experiments.flatMap((exp) =>
    snap.replicaSets.filter(ownedBy(exp.metadata?.uid)).map((rs) => {
      const template = (exp.spec.templates ?? []).find((t) => rs.metadata?.name === `${exp.metadata?.name ?? ''}-${t.name}`)?.name ?? rs.metadata?.labels?.[HASH_LABEL] ?? '';
      return { rs, tags: [`Σ:${template}`] };
    }),
  );
  const strategy = rollout.spec.strategy?.canary != null ? 'Canary' : rollout.spec.strategy?.blueGreen != null ? 'BlueGreen' : 'unknown';
  const st = rollout.status ?? {};
  const summary: RolloutSummary = {
    name: rollout.metadata?.name ?? '',
    namespace: rollout.metadata?.namespace ?? '',
    status: { icon: rolloutIcon(phase.phase), text: phase.phase },
    message: phase.message,
    strategy,
    ...(strategy === 'Canary' ? weights(rollout, snap) : {}),
    images: imageLines([...tagged, ...expRss]),
    replicas: { desired: rollout.spec.replicas ?? 1, current: st.replicas ?? 0, updated: st.updatedReplicas ?? 0, ready: st.readyReplicas ?? 0, available: st.availableReplicas ?? 0 },
  };

  const revisions = new Set<number>([...rss.map(revisionOf), ...experiments.map(revisionOf), ...runs.map(revisionOf)]);
  const revisionNodes: TreeNode[] = [...revisions]
    .sort((a, b) => b - a)
    .map((rev) => ({
      glyph: GLYPHS.revision,
      name: `revision:${rev}`,
      kind: '',
      info: '',
      tags: [],
      children: [
        ...tagged
          .filter(({ rs }) => revisionOf(rs) === rev)
          .sort((a, b) => (a.rs.metadata?.name ?? '').localeCompare(b.rs.metadata?.name ?? ''))
          .map(({ rs, tags }) => replicaSetNode(rs, tags, snap, nowMs)),
        ...experiments.filter((e) => revisionOf(e) === rev).sort(byCreation).map((e) => experimentNode(e, snap, nowMs)),
        ...runs.filter((r) => revisionOf(r) === rev).sort(byCreation).map(analysisRunNode),
      ],
    }));
  const tree: TreeNode = {
    glyph: GLYPHS.rollout,
    name: summary.name,
    kind: 'Rollout',
    status: summary.status,
    ...(created(rollout) !== undefined ? { created: created(rollout) } : {}),
    info: '',
    tags: [],
    children: revisionNodes,
  };
  return { summary, tree };
}

/** The header of `get experiment` / `get analysisrun`. */
export interface ObjectSummary {
  readonly name: string;
  readonly namespace: string;
  readonly status: StatusCell;
  readonly message: string;
  readonly images: readonly ImageLine[];
  /** `get analysisrun`: each metric's phase and counts. */
  readonly metrics: ReadonlyArray<{ readonly name: string; readonly status: StatusCell; readonly counts: string; readonly lastValue?: string }>;
}

/** The summary and tree of an Experiment. */
export function experimentView(exp: Experiment, snap: NamespaceSnapshot, nowMs: number): { summary: ObjectSummary; tree: TreeNode } {
  const phase = exp.status?.phase ?? 'Pending';
  const rss = snap.replicaSets.filter(ownedBy(exp.metadata?.uid));
  const images = imageLines(
    rss.map((rs) => ({ rs, tags: [(exp.spec.templates ?? []).find((t) => rs.metadata?.name === `${exp.metadata?.name ?? ''}-${t.name}`)?.name ?? ''].filter((t) => t !== '') })),
  );
  return {
    summary: { name: exp.metadata?.name ?? '', namespace: exp.metadata?.namespace ?? '', status: { icon: analysisIcon(phase), text: phase }, message: exp.status?.message ?? '', images, metrics: [] },
    tree: experimentNode(exp, snap, nowMs),
  };
}

/** The summary and tree of an AnalysisRun. */
export function analysisRunView(run: AnalysisRun): { summary: ObjectSummary; tree: TreeNode } {
  const phase = run.status?.phase ?? 'Pending';
  const metrics = (run.status?.metricResults ?? []).map((m) => {
    const last = (m.measurements ?? [])[(m.measurements ?? []).length - 1];
    const counts = analysisCounts({ ...run, status: { phase, metricResults: [m] } });
    return { name: m.name, status: { icon: analysisIcon(m.phase), text: m.phase }, counts, ...(last?.value != null ? { lastValue: last.value } : {}) };
  });
  return {
    summary: { name: run.metadata?.name ?? '', namespace: run.metadata?.namespace ?? '', status: { icon: analysisIcon(phase), text: phase }, message: run.status?.message ?? '', images: [], metrics },
    tree: analysisRunNode(run),
  };
}
