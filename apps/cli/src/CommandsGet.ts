/**
 * `get rollout|experiment|analysisrun NAME [-w] [--no-color] [-o json|yaml]`: the header and the tree of an
 * object; with `--watch`, redrawn in place on every change until the object is deleted (exit 0), the
 * `--timeout-seconds` pass or Ctrl-C.
 */
import type { Command } from 'commander';
import * as E from 'fp-ts/lib/Either';
import type { AnalysisRun, Experiment, ReplicaSet, Rollout } from '@rollouts/api';
import { Resources, type ResourceKind } from '@rollouts/k8s';
import type { Cluster } from './Cluster';
import { EXIT, withClusterFlags, withOutputFlag, type ClusterFlags, type CommandContext } from './CommandContext';
import type { Palette } from './Colors';
import { analysisRunView, experimentView, rolloutView, type NamespaceSnapshot } from './RolloutTree';
import { screenOn } from './Screen';
import type { PodView } from './StatusIcons';
import { renderObjectSummary, renderRolloutSummary, renderTree } from './TreeRender';
import { runWatch, watchObjects, type WatchedObjects } from './Watch';

interface GetFlags extends ClusterFlags {
  readonly watch?: boolean;
  readonly color?: boolean;
  readonly output?: string;
  readonly timeoutSeconds?: string;
}

/** The kinds a tree shows. */
export const TREE_KINDS: readonly ResourceKind[] = [Resources.rollouts, Resources.replicaSets, Resources.pods, Resources.experiments, Resources.analysisRuns];

type Target = 'rollout' | 'experiment' | 'analysisrun';
const KIND_OF: Record<Target, ResourceKind> = { rollout: Resources.rollouts, experiment: Resources.experiments, analysisrun: Resources.analysisRuns };

/** The lines of a view of one object, or undefined when it is not in the snapshot. */
function viewLines(target: Target, name: string, namespace: string, objects: (k: ResourceKind) => unknown[], snap: NamespaceSnapshot, nowMs: number, p: Palette): { lines: string[]; data: unknown } | undefined {
  const named = (k: ResourceKind) => objects(k).find((o) => (o as { metadata?: { name?: string; namespace?: string } }).metadata?.name === name && (o as { metadata?: { namespace?: string } }).metadata?.namespace === namespace);
  const obj = named(KIND_OF[target]);
  if (obj === undefined) return undefined;
  if (target === 'rollout') {
    const v = rolloutView(obj as Rollout, snap, nowMs);
    return { lines: [...renderRolloutSummary(v.summary, p), '', ...renderTree(v.tree, nowMs, p)], data: v };
  }
  const v = target === 'experiment' ? experimentView(obj as Experiment, snap, nowMs) : analysisRunView(obj as AnalysisRun);
  return { lines: [...renderObjectSummary(v.summary, p), '', ...renderTree(v.tree, nowMs, p)], data: v };
}

async function snapshotOnce(cluster: Cluster, ns: string): Promise<E.Either<import('./Cluster').ClusterError, NamespaceSnapshot>> {
  const [rs, pods, exps, ars] = await Promise.all([
    cluster.list<ReplicaSet>(Resources.replicaSets, ns),
    cluster.list<PodView>(Resources.pods, ns),
    cluster.list<Experiment>(Resources.experiments, ns),
    cluster.list<AnalysisRun>(Resources.analysisRuns, ns),
  ]);
  for (const r of [rs, pods, exps, ars]) if (E.isLeft(r)) return r;
  const right = <A>(r: E.Either<unknown, A[]>): A[] => (E.isRight(r) ? r.right : []);
  return E.right({ replicaSets: right(rs), pods: right(pods), experiments: right(exps), analysisRuns: right(ars) });
}

function snapshotOf(w: WatchedObjects): NamespaceSnapshot {
  return { replicaSets: w.list(Resources.replicaSets), pods: w.list(Resources.pods), experiments: w.list(Resources.experiments), analysisRuns: w.list(Resources.analysisRuns) };
}

async function getCommand(ctx: CommandContext, target: Target, name: string, flags: GetFlags): Promise<number> {
  const cluster = ctx.cluster(flags);
  if (cluster === undefined) return EXIT.failed;
  const ns = cluster.namespace;
  const p = ctx.palette(flags.color);
  let timeoutMs: number | undefined;
  if (flags.timeoutSeconds !== undefined) {
    const n = Number(flags.timeoutSeconds);
    if (!Number.isInteger(n) || n < 0) return ctx.fail(`--timeout-seconds must be a whole number of seconds, got "${flags.timeoutSeconds}"`);
    timeoutMs = n * 1000;
  }
  const first = await cluster.get<unknown>(KIND_OF[target], ns, name);
  if (E.isLeft(first)) return ctx.failWith(first.left);
  if (flags.watch !== true) {
    const snap = await snapshotOnce(cluster, ns);
    if (E.isLeft(snap)) return ctx.failWith(snap.left);
    const v = viewLines(target, name, ns, () => [first.right], snap.right, ctx.now(), p);
    if (v === undefined) return ctx.fail(`${target} "${name}" not found in namespace "${ns}"`);
    if (flags.output !== undefined) {
      const printed = ctx.print(flags.output, v.data);
      return E.isLeft(printed) ? ctx.fail(printed.left) : EXIT.ok;
    }
    ctx.io.stdout.write(`${v.lines.join('\n')}\n`);
    return EXIT.ok;
  }
  if (flags.output !== undefined) return ctx.fail('--output cannot be combined with --watch');
  // One plain read of every kind first: a missing permission (say, to list pods) is reported at once instead of
  // the watch retrying it forever.
  const probe = await snapshotOnce(cluster, ns);
  if (E.isLeft(probe)) return ctx.failWith(probe.left);
  const kinds = target === 'analysisrun' ? [Resources.analysisRuns] : TREE_KINDS;
  const watched = await watchObjects(cluster.kubeConfig, kinds, ns);
  const screen = screenOn(ctx.io.stdout, ctx.io.stdout.isTTY === true);
  try {
    return await runWatch(
      watched,
      () => {
        const v = viewLines(target, name, ns, (k) => watched.list(k), snapshotOf(watched), ctx.now(), p);
        if (v === undefined) return { done: true, exitCode: EXIT.ok };
        screen.draw(v.lines);
        return { done: false };
      },
      { ...(timeoutMs !== undefined ? { timeoutMs } : {}), ...(ctx.io.signal !== undefined ? { signal: ctx.io.signal } : {}) },
    );
  } finally {
    watched.stop();
    screen.close();
  }
}

/** Register `get` and its kinds. */
export function registerGet(program: Command, ctx: CommandContext, setExit: (code: number) => void): void {
  const get = program.command('get').description('Show a Rollout, Experiment or AnalysisRun as a tree: revisions, ReplicaSets, pods, analysis and experiments');
  const leaf = (target: Target, aliases: string[], what: string) =>
    withOutputFlag(withClusterFlags(get.command(`${target} <name>`).aliases(aliases).description(what)))
      .option('-w, --watch', 'redraw in place on every change (exit 0 when the object is deleted)')
      .option('--no-color', 'no colours (default when stdout is not a terminal)')
      .option('--timeout-seconds <n>', 'with --watch: stop after this many seconds (exit 0)')
      .action(async (name: string, flags: GetFlags) => setExit(await getCommand(ctx, target, name, flags)));
  leaf('rollout', ['ro', 'rollouts'], 'Show a Rollout: status, strategy, step, weights, images, replicas and the tree of its revisions');
  leaf('experiment', ['exp', 'experiments'], 'Show an Experiment: status, images and the tree of its ReplicaSets and AnalysisRuns');
  leaf('analysisrun', ['ar', 'analysisruns'], 'Show an AnalysisRun: status, each metric and its Jobs');
}
