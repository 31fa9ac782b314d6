/**
 * `list rollouts [-A] [--name N] [-w] [--timestamps] [-o json|yaml]` and `list experiments [-A]`: a table,
 * one row per object; with `--watch`, a new row each time a row changes.
 */
import type { Command } from 'commander';
import * as E from 'fp-ts/lib/Either';
import type { Experiment, Rollout } from '@rollouts/api';
import { Resources } from '@rollouts/k8s';
import { EXIT, withClusterFlags, withOutputFlag, type ClusterFlags, type CommandContext } from './CommandContext';
import { experimentCells, experimentRow, rolloutCells, rolloutHeader, rolloutRow } from './RolloutList';
import { alignColumns } from './Table';
import { runWatch, watchObjects } from './Watch';

interface ListFlags extends ClusterFlags {
  readonly allNamespaces?: boolean;
  readonly name?: string;
  readonly watch?: boolean;
  readonly timestamps?: boolean;
  readonly output?: string;
  readonly color?: boolean;
}

const byPlace = (a: { namespace: string; name: string }, b: { namespace: string; name: string }) => a.namespace.localeCompare(b.namespace) || a.name.localeCompare(b.name);
const stamp = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

async function listRollouts(ctx: CommandContext, flags: ListFlags): Promise<number> {
  const cluster = ctx.cluster(flags);
  if (cluster === undefined) return EXIT.failed;
  const all = flags.allNamespaces === true;
  const ns = all ? undefined : cluster.namespace;
  const p = ctx.palette(flags.color);
  const listed = await cluster.list<Rollout>(Resources.rollouts, ns, flags.name !== undefined ? { fieldSelector: `metadata.name=${flags.name}` } : {});
  if (E.isLeft(listed)) return ctx.failWith(listed.left);
  const rows = listed.right.map(rolloutRow).sort(byPlace);
  if (flags.output !== undefined) {
    if (flags.watch === true) return ctx.fail('--output cannot be combined with --watch');
    const printed = ctx.print(flags.output, rows);
    return E.isLeft(printed) ? ctx.fail(printed.left) : EXIT.ok;
  }
  const header = [...(flags.timestamps === true ? ['TIMESTAMP'] : []), ...rolloutHeader(all)];
  const cells = (r: ReturnType<typeof rolloutRow>) => [...(flags.timestamps === true ? [stamp(ctx.now())] : []), ...rolloutCells(r, all, p.icon)];
  if (flags.watch !== true) {
    if (rows.length === 0) {
      ctx.io.stderr.write('No resources found.\n');
      return EXIT.ok;
    }
    ctx.io.stdout.write(`${alignColumns([header, ...rows.map(cells)]).join('\n')}\n`);
    return EXIT.ok;
  }
  // Watch: fixed column widths from the first listing, so later rows line up under the header.
  const first = alignColumns([header, ...rows.map(cells)]);
  ctx.io.stdout.write(`${first.join('\n')}\n`);
  const widths = header.map((_, i) => Math.max(...[header, ...rows.map(cells)].map((r) => [...(r[i] ?? '').replace(/\u001b\[[0-9;]*m/g, '')].length)));
  const pad = (r: string[]) => r.map((c, i) => (i < r.length - 1 ? c + ' '.repeat(Math.max(0, (widths[i] ?? 0) - [...c.replace(/\u001b\[[0-9;]*m/g, '')].length) + 2) : c)).join('').replace(/ +$/, '');
  const last = new Map<string, string>(rows.map((r) => [`${r.namespace}/${r.name}`, JSON.stringify(rolloutCells(r, all))]));
  const watched = await watchObjects(cluster.kubeConfig, [Resources.rollouts], ns);
  try {
    return await runWatch(
      watched,
      () => {
        for (const r of watched.list<Rollout>(Resources.rollouts).map(rolloutRow).sort(byPlace)) {
          if (flags.name !== undefined && r.name !== flags.name) continue;
          const key = `${r.namespace}/${r.name}`;
          const text = JSON.stringify(rolloutCells(r, all));
          if (last.get(key) === text) continue;
          last.set(key, text);
          ctx.io.stdout.write(`${pad(cells(r))}\n`);
        }
        return { done: false };
      },
      { tickMs: 0, throttleMs: 50, ...(ctx.io.signal !== undefined ? { signal: ctx.io.signal } : {}) },
    );
  } finally {
    watched.stop();
  }
}

async function listExperiments(ctx: CommandContext, flags: ListFlags): Promise<number> {
  const cluster = ctx.cluster(flags);
  if (cluster === undefined) return EXIT.failed;
  const all = flags.allNamespaces === true;
  const listed = await cluster.list<Experiment>(Resources.experiments, all ? undefined : cluster.namespace);
  if (E.isLeft(listed)) return ctx.failWith(listed.left);
  const now = ctx.now();
  const rows = listed.right.map((x) => experimentRow(x, now)).sort(byPlace);
  if (flags.output !== undefined) {
    const printed = ctx.print(flags.output, rows);
    return E.isLeft(printed) ? ctx.fail(printed.left) : EXIT.ok;
  }
  if (rows.length === 0) {
    ctx.io.stderr.write('No resources found.\n');
    return EXIT.ok;
  }
  const p = ctx.palette(flags.color);
  const header = [...(all ? ['NAMESPACE'] : []), 'NAME', 'STATUS', 'DURATION', 'REMAINING', 'AGE'];
  ctx.io.stdout.write(`${alignColumns([header, ...rows.map((r) => experimentCells(r, all, p.icon))]).join('\n')}\n`);
  return EXIT.ok;
}

/** Register `list`. */
export function registerList(program: Command, ctx: CommandContext, setExit: (code: number) => void): void {
  const list = program.command('list').description('List Rollouts or Experiments');
  withOutputFlag(withClusterFlags(list.command('rollouts').aliases(['ro', 'rollout']).description('List Rollouts: strategy, status, step, weight and replicas')))
    .option('-A, --all-namespaces', 'in every namespace')
    .option('--name <name>', 'only the Rollout of this name')
    .option('-w, --watch', 'print a new row each time a Rollout changes')
    .option('--timestamps', 'start each row with the time (UTC)')
    .option('--no-color', 'no colours (default when stdout is not a terminal)')
    .action(async (flags: ListFlags) => setExit(await listRollouts(ctx, flags)));
  withOutputFlag(withClusterFlags(list.command('experiments').aliases(['exp', 'experiment']).description('List Experiments: status, duration and time remaining')))
    .option('-A, --all-namespaces', 'in every namespace')
    .option('--no-color', 'no colours (default when stdout is not a terminal)')
    .action(async (flags: ListFlags) => setExit(await listExperiments(ctx, flags)));
}
