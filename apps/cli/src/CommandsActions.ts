/**
 * The commands that change a Rollout (or an Experiment, an AnalysisRun): promote, pause, resume, abort, retry,
 * restart, set image, undo, terminate. Each reads what it needs, asks `Patches.ts` for the writes, and sends
 * them; a status write answered 404 (no status subresource) goes to the object instead, as upstream does.
 */
import type { Command } from 'commander';
import * as E from 'fp-ts/lib/Either';
import type { Either } from 'fp-ts/lib/Either';
import { parseGoDuration, type PodTemplateSpec, type ReplicaSet, type Rollout } from '@rollouts/api';
import { Resources, type ResourceKind } from '@rollouts/k8s';
import type { Cluster, ClusterError } from './Cluster';
import { EXIT, withClusterFlags, type ClusterFlags, type CommandContext } from './CommandContext';
import {
  abortPatch,
  parseImageArgument,
  pausePatch,
  promotePatches,
  restartPatch,
  resumePatch,
  retryExperimentPatch,
  retryRolloutPatch,
  setImage,
  terminatePatch,
  undoPlan,
  type PatchPlan,
} from './Patches';

/** Send a plan's writes in order; a status write answered 404 is replaced by the plan's fallback. */
export async function applyPlan(cluster: Cluster, kind: ResourceKind, namespace: string, name: string, plan: PatchPlan): Promise<Either<ClusterError, void>> {
  for (const p of plan.patches) {
    const r = await cluster.patch(kind, namespace, name, { type: p.type, body: p.body }, p.target === 'status' ? 'status' : undefined);
    if (E.isRight(r)) continue;
    if (p.target === 'status' && r.left._tag === 'ObjectNotFound' && plan.statusFallback !== undefined) {
      const f = plan.statusFallback;
      const again = await cluster.patch(kind, namespace, name, { type: f.type, body: f.body });
      if (E.isLeft(again)) return again;
      return E.right(undefined);
    }
    return r;
  }
  return E.right(undefined);
}

type Flags = ClusterFlags;

/** Run `each` over several names, stopping at the first failure. */
async function forEachName(ctx: CommandContext, flags: Flags, names: readonly string[], each: (cluster: Cluster, name: string) => Promise<Either<ClusterError | string, string>>): Promise<number> {
  const cluster = ctx.cluster(flags);
  if (cluster === undefined) return EXIT.failed;
  for (const name of names) {
    const r = await each(cluster, name);
    if (E.isLeft(r)) return typeof r.left === 'string' ? ctx.fail(r.left) : ctx.failWith(r.left);
    ctx.io.stdout.write(`${r.right}\n`);
  }
  return EXIT.ok;
}

const simple = (kind: ResourceKind, plan: () => PatchPlan, message: (name: string) => string) => async (cluster: Cluster, name: string) =>
  E.map(() => message(name))(await applyPlan(cluster, kind, cluster.namespace, name, plan()));

async function promote(cluster: Cluster, name: string, full: boolean): Promise<Either<ClusterError | string, string>> {
  const ro = await cluster.get<Rollout>(Resources.rollouts, cluster.namespace, name);
  if (E.isLeft(ro)) return ro;
  const plan = promotePatches(ro.right, full);
  const done = full ? `rollout '${name}' fully promoted` : `rollout '${name}' promoted`;
  if (plan.patches.length === 0) {
    // Nothing to write. Upstream says "promoted" all the same; say why, and fail when the controller has
    // not yet seen the last change (a promote right after `set image` or `undo` would otherwise do nothing).
    const generation = ro.right.metadata?.generation;
    const observed = Number(ro.right.status?.observedGeneration ?? '');
    if (generation != null && Number.isInteger(observed) && observed < generation) {
      return E.left(`the controller has not observed the last change of rollout "${name}" yet (generation ${generation}, observed ${observed}): nothing to promote; try again in a moment`);
    }
    return E.right(`${done} (nothing to do: ${full ? 'already on its stable revision' : 'not paused'})`);
  }
  const r = await applyPlan(cluster, Resources.rollouts, cluster.namespace, name, plan);
  return E.map(() => done)(r);
}

interface Workload {
  readonly kind: ResourceKind;
  readonly name: string;
}

const PODTEMPLATES: ResourceKind = { group: '', version: 'v1', plural: 'podtemplates', kind: 'PodTemplate', namespaced: true };

async function setImageCommand(cluster: Cluster, name: string, arg: string): Promise<Either<ClusterError | string, string>> {
  const parsed = parseImageArgument(arg);
  if (E.isLeft(parsed)) return parsed;
  const { container, image } = parsed.right;
  for (let attempt = 1; ; attempt++) {
    const ro = await cluster.get<Rollout>(Resources.rollouts, cluster.namespace, name);
    if (E.isLeft(ro)) return ro;
    const ref = ro.right.spec.workloadRef;
    // Like upstream: with a workloadRef, the apps/v1 Deployment of that name, whatever the ref's kind.
    const target: Workload = ref != null ? { kind: Resources.deployments, name: ref.name ?? '' } : { kind: Resources.rollouts, name };
    const obj = ref != null ? await cluster.get<{ spec?: { template?: { spec?: Record<string, unknown> } } }>(target.kind, cluster.namespace, target.name) : ro;
    if (E.isLeft(obj)) return obj;
    const changed = setImage(obj.right as { spec?: { template?: { spec?: Record<string, unknown> } } }, container, image);
    if (E.isLeft(changed)) return changed;
    const put = await cluster.replace(target.kind, cluster.namespace, target.name, changed.right);
    if (E.isRight(put)) return E.right(`${target.kind.kind.toLowerCase()} "${target.name}" image updated`);
    if (put.left._tag !== 'ObjectConflict' || attempt >= 5) return put;
  }
}

/** Whether a ReplicaSet's labels satisfy a selector's matchLabels (expressions are checked by the owner ref). */
const matchesSelector = (rs: ReplicaSet, selector: Rollout['spec']['selector']) =>
  Object.entries(selector?.matchLabels ?? {}).every(([k, v]) => rs.metadata?.labels?.[k] === v);

async function undo(cluster: Cluster, name: string, toRevision: number): Promise<Either<ClusterError | string, string>> {
  const ns = cluster.namespace;
  const ro = await cluster.get<Rollout>(Resources.rollouts, ns, name);
  if (E.isLeft(ro)) return ro;
  const rollout = ro.right;
  const rss = await cluster.list<ReplicaSet>(Resources.replicaSets, ns);
  if (E.isLeft(rss)) return rss;
  const owned = rss.right.filter((rs) => (rs.metadata?.ownerReferences ?? []).some((o) => o.controller === true && o.uid === rollout.metadata?.uid) && matchesSelector(rs, rollout.spec.selector));
  let kind: ResourceKind = Resources.rollouts;
  let target = name;
  let path = '/spec/template';
  let current: PodTemplateSpec = rollout.spec.template ?? {};
  const ref = rollout.spec.workloadRef;
  if (ref != null) {
    const byKind: Record<string, ResourceKind> = { Deployment: Resources.deployments, ReplicaSet: Resources.replicaSets, PodTemplate: PODTEMPLATES };
    const k = byKind[ref.kind ?? ''];
    if (k === undefined) return E.left(`workload of type ${ref.kind ?? ''} is not supported`);
    kind = k;
    target = ref.name ?? '';
    if (k === PODTEMPLATES) path = '/template';
    const w = await cluster.get<{ spec?: { template?: PodTemplateSpec }; template?: PodTemplateSpec }>(k, ns, target);
    if (E.isLeft(w)) return w;
    current = (k === PODTEMPLATES ? w.right.template : w.right.spec?.template) ?? {};
  }
  const plan = undoPlan(current, owned, toRevision, name);
  if (E.isLeft(plan)) return plan;
  if (plan.right._tag === 'Skip') return E.right(plan.right.message);
  const body = (plan.right.patch.body as Array<{ op: string; path: string; value: unknown }>).map((op) => ({ ...op, path }));
  const r = await cluster.patch(kind, ns, target, { type: 'json', body });
  return E.map(() => `rollout '${name}' undo`)(r);
}

/** Register the mutating commands. */
export function registerActions(program: Command, ctx: CommandContext, setExit: (code: number) => void): void {
  const ro = Resources.rollouts;
  const cmd = (spec: string, description: string) => withClusterFlags(program.command(spec).description(description));

  cmd('promote <name>', 'Go past the current pause or step (--full: skip every remaining step, analysis and pause)')
    .option('--full', 'promote to the new revision at once')
    .action(async (name: string, flags: Flags & { full?: boolean }) => setExit(await forEachName(ctx, flags, [name], (c, n) => promote(c, n, flags.full === true))));

  cmd('pause <names...>', 'Pause Rollouts (spec.paused); resume or promote to go on')
    .action(async (names: string[], flags: Flags) => setExit(await forEachName(ctx, flags, names, simple(ro, pausePatch, (n) => `rollout '${n}' paused`))));

  cmd('resume <names...>', 'Clear spec.paused set by pause (a pause step still needs promote)')
    .action(async (names: string[], flags: Flags) => setExit(await forEachName(ctx, flags, names, simple(ro, resumePatch, (n) => `rollout '${n}' resumed`))));

  cmd('abort <names...>', 'Abort the update: all traffic and replicas back to the stable revision')
    .action(async (names: string[], flags: Flags) => setExit(await forEachName(ctx, flags, names, simple(ro, abortPatch, (n) => `rollout '${n}' aborted`))));

  const retry = program.command('retry').description('Retry an aborted Rollout or a finished Experiment');
  withClusterFlags(retry.command('rollout <names...>').aliases(['ro', 'rollouts']).description('Retry aborted Rollouts (clear status.abort)'))
    .action(async (names: string[], flags: Flags) => setExit(await forEachName(ctx, flags, names, simple(ro, retryRolloutPatch, (n) => `rollout '${n}' retried`))));
  withClusterFlags(retry.command('experiment <names...>').aliases(['exp', 'experiments']).description('Run Experiments again (drop their status)'))
    .action(async (names: string[], flags: Flags) => setExit(await forEachName(ctx, flags, names, simple(Resources.experiments, retryExperimentPatch, (n) => `experiment '${n}' retried`))));

  cmd('restart <name>', 'Restart the pods of a Rollout (spec.restartAt), one ReplicaSet at a time')
    .option('-i, --in <duration>', 'restart after this long (Go duration: 30s, 5m, 1h)', '0s')
    .action(async (name: string, flags: Flags & { in: string }) => {
      const d = parseGoDuration(flags.in);
      if (E.isLeft(d) || d.right < 0) return setExit(ctx.fail(`--in: ${E.isLeft(d) ? d.left : 'must not be negative'}`));
      setExit(await forEachName(ctx, flags, [name], simple(ro, () => restartPatch(ctx.now(), d.right), (n) => `rollout '${n}' restarts in ${flags.in}`)));
    });

  const set = program.command('set').description('Change a Rollout');
  withClusterFlags(set.command('image <name> <container=image>').description('Set the image of a container (* for every container) of a Rollout, or of its workloadRef Deployment'))
    .action(async (name: string, arg: string, flags: Flags) => setExit(await forEachName(ctx, flags, [name], (c, n) => setImageCommand(c, n, arg))));

  cmd('undo <name>', 'Roll back to an earlier revision (default: the previous one)')
    .option('--to-revision <n>', 'the revision to go back to (0: the previous one)', '0')
    .action(async (name: string, flags: Flags & { toRevision: string }) => {
      const n = Number(flags.toRevision);
      if (!Number.isInteger(n) || n < 0) return setExit(ctx.fail(`--to-revision must be a revision number, got "${flags.toRevision}"`));
      setExit(await forEachName(ctx, flags, [name], (c, r) => undo(c, r, n)));
    });

  const terminate = program.command('terminate').description('Stop a running AnalysisRun or Experiment');
  withClusterFlags(terminate.command('analysisrun <names...>').aliases(['ar', 'analysisruns']).description('Terminate AnalysisRuns (spec.terminate)'))
    .action(async (names: string[], flags: Flags) => setExit(await forEachName(ctx, flags, names, simple(Resources.analysisRuns, terminatePatch, (n) => `analysisRun '${n}' terminated`))));
  withClusterFlags(terminate.command('experiment <names...>').aliases(['exp', 'experiments']).description('Terminate Experiments (spec.terminate)'))
    .action(async (names: string[], flags: Flags) => setExit(await forEachName(ctx, flags, names, simple(Resources.experiments, terminatePatch, (n) => `experiment '${n}' terminated`))));
}
