/**
 * `status NAME [--watch|--no-watch] [--timeout D]`: for scripts and CI. Prints the status (`Progressing -
 * more replicas need to be updated`) each time it changes and exits 0 on Healthy, 1 on Degraded (with the
 * message) or when the timeout passes first. A paused Rollout keeps it waiting, as upstream.
 */
import type { Command } from 'commander';
import * as E from 'fp-ts/lib/Either';
import { parseGoDuration, type Rollout } from '@rollouts/api';
import { Resources } from '@rollouts/k8s';
import { EXIT, withClusterFlags, type ClusterFlags, type CommandContext } from './CommandContext';
import { rolloutStatusLine } from './RolloutList';
import { runWatch, watchObjects } from './Watch';

interface StatusFlags extends ClusterFlags {
  readonly watch?: boolean;
  readonly timeout?: string;
}

const degraded = (message: string) => `The rollout is in a degraded state with message: ${message}`;

async function status(ctx: CommandContext, name: string, flags: StatusFlags): Promise<number> {
  let timeoutMs = 0;
  if (flags.timeout !== undefined) {
    const d = parseGoDuration(flags.timeout);
    if (E.isLeft(d) || d.right < 0) return ctx.fail(`--timeout: ${E.isLeft(d) ? d.left : 'must not be negative'}`);
    timeoutMs = d.right;
  }
  const cluster = ctx.cluster(flags);
  if (cluster === undefined) return EXIT.failed;
  const ns = cluster.namespace;
  const ro = await cluster.get<Rollout>(Resources.rollouts, ns, name);
  if (E.isLeft(ro)) return ctx.failWith(ro.left);
  if (flags.watch === false) {
    const s = rolloutStatusLine(ro.right);
    ctx.io.stdout.write(`${s.phase === 'Healthy' || s.phase === 'Degraded' ? s.phase : s.text}\n`);
    return s.phase === 'Degraded' ? ctx.fail(degraded(s.message)) : EXIT.ok;
  }
  const watched = await watchObjects(cluster.kubeConfig, [Resources.rollouts], ns);
  let last: string | undefined;
  try {
    return await runWatch(
      watched,
      () => {
        const current = watched.list<Rollout>(Resources.rollouts).find((r) => r.metadata?.name === name);
        if (current === undefined) return { done: true, exitCode: ctx.fail(`rollout "${name}" not found in namespace "${ns}" (deleted while watching)`) };
        const s = rolloutStatusLine(current);
        if (s.text !== last) ctx.io.stdout.write(`${s.text}\n`);
        last = s.text;
        if (s.phase === 'Healthy') return { done: true, exitCode: EXIT.ok };
        if (s.phase === 'Degraded') return { done: true, exitCode: ctx.fail(degraded(s.message)) };
        return { done: false };
      },
      {
        tickMs: 0,
        throttleMs: 0,
        ...(timeoutMs > 0 ? { timeoutMs } : {}),
        onTimeout: () => ctx.fail('Rollout status watch exceeded timeout'),
        ...(ctx.io.signal !== undefined ? { signal: ctx.io.signal } : {}),
        onAbort: () => ctx.fail('Rollout status watch exceeded timeout'),
      },
    );
  } finally {
    watched.stop();
  }
}

/** Register `status`. */
export function registerStatus(program: Command, ctx: CommandContext, setExit: (code: number) => void): void {
  withClusterFlags(program.command('status <name>').description('Wait for a Rollout to finish: exit 0 when Healthy, 1 when Degraded or on timeout'))
    .option('-w, --watch', 'follow the status until Healthy or Degraded', true)
    .option('--no-watch', 'print the status once and exit (1 when Degraded)')
    .option('-t, --timeout <duration>', 'give up after this long (Go duration: 90s, 5m; default: wait forever)')
    .action(async (name: string, flags: StatusFlags) => setExit(await status(ctx, name, flags)));
}
