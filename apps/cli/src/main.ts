/**
 * kubectl-rollouts: the command-line entry. `main(argv, io)` returns the exit code instead of exiting, so
 * tests drive it in-process exactly as a user would.
 *
 * Offline: `lint` and `plan`. Against a cluster (kubeconfig as kubectl reads it): `get`, `list`, `status`,
 * `promote`, `pause`, `resume`, `abort`, `retry`, `restart`, `set image`, `undo`, `create`, `terminate`,
 * `notifications` (trigger get|run, template get|notify).
 * Exit codes: 0 success; 1 problems found, a failed command or a Degraded rollout; 2 usage or unreadable files.
 */
import { Command, CommanderError } from 'commander';
import { commandContext, EXIT, globalFlags, withClusterFlags, type ClusterFlags, type Io } from './CommandContext';
import { registerActions } from './CommandsActions';
import { registerCreate } from './CommandsCreate';
import { registerGet } from './CommandsGet';
import { registerList } from './CommandsList';
import { registerNotifications } from './CommandsNotifications';
import { complete, packageVersion, registerMeta } from './CommandsMeta';
import { registerStatus } from './CommandsStatus';
import { formatProblem, isError, lintDocuments } from './Lint';
import { readManifests } from './Manifests';
import { planCommand, type PlanCommandOptions } from './Plan';

export type { Io } from './CommandContext';
export { EXIT } from './CommandContext';
export { readManifests } from './Manifests';

const collect = (value: string, previous: string[]): string[] => [...previous, value];

/** Go-style boolean flags (`--watch=false`) as commander reads them (`--no-watch`). */
function normaliseArgs(argv: readonly string[]): string[] {
  return argv.map((a) => {
    const m = /^--(watch)=(true|false)$/.exec(a);
    return m === null ? a : m[2] === 'true' ? `--${m[1]}` : `--no-${m[1]}`;
  });
}

/** The whole command tree; `setExit` records each action's exit code. */
export function buildProgram(io: Io, setExit: (code: number) => void, globals: ClusterFlags = {}): Command {
  const ctx = commandContext(io, globals);
  const program = new Command('kubectl-rollouts')
    .description('Lint, plan and drive Rollouts (argoproj.io/v1alpha1). Runs as `kubectl rollouts ...` when on PATH.\nThe cluster flags below go anywhere on the command line: `kubectl rollouts -n shop list rollouts`.')
    .version(`kubectl-rollouts: v${packageVersion()}`, '--version', 'print the version of kubectl-rollouts')
    .exitOverride()
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) });
  // Shown in the help; `main` takes them out of the command line wherever they stand (see `globalFlags`).
  withClusterFlags(program);

  program
    .command('lint')
    .description('Validate Rollouts, AnalysisTemplates, ClusterAnalysisTemplates, AnalysisRuns and Experiments, and check Rollouts against the Services, Ingresses and VirtualServices in the same files')
    .requiredOption('-f, --filename <file>', 'manifest file (YAML or JSON, several documents allowed; - for stdin); repeatable', collect, [])
    .action((opts: { filename: string[] }) => {
      const docs = readManifests(opts.filename, io);
      if (docs === undefined) {
        setExit(EXIT.unreadable);
        return;
      }
      const all = lintDocuments(docs);
      for (const p of all) io.stdout.write(`${formatProblem(p)}\n`);
      const problems = all.filter(isError);
      const warnings = all.length - problems.length;
      const files = `${opts.filename.length} file${opts.filename.length === 1 ? '' : 's'}`;
      const documents = `${docs.length} document${docs.length === 1 ? '' : 's'}`;
      const warned = warnings === 0 ? '' : `, ${warnings} warning${warnings === 1 ? '' : 's'}`;
      io.stderr.write(problems.length === 0 ? `lint: ${documents} in ${files}, no problems${warned}\n` : `lint: ${documents} in ${files}, ${problems.length} problem${problems.length === 1 ? '' : 's'}${warned}\n`);
      setExit(problems.length === 0 ? EXIT.ok : EXIT.problems);
    });

  program
    .command('plan')
    .description('Simulate an update of a canary or blue-green Rollout (a new image) and print what it does over time: steps, phase, ReplicaSets, traffic weights and Services')
    .requiredOption('-f, --filename <file>', 'manifest file with the Rollout and its Services and AnalysisTemplates (- for stdin); repeatable', collect, [])
    .option('--rollout <name>', 'the Rollout to plan when the files hold several')
    .option('--pod-ready-seconds <n>', 'seconds a new pod takes to become ready (default 0)')
    .option('--analysis <outcome@step>', 'make an analysis fail or be inconclusive: fail@STEP or inconclusive@STEP (pre or post for blue-green pre/post-promotion analysis); repeatable', collect, [])
    .option('--abort-at <step>', 'abort when the Rollout reaches this step (pre or post for blue-green)')
    .option('--promote-at <step>', 'promote when the Rollout is paused at this step')
    .option('--set-image <container=image>', 'the template change to plan (default: the first container\'s tag with -next appended)')
    .option('--no-auto-promote', 'stop at the first indefinite pause instead of promoting it')
    .option('-o, --output <format>', 'text or json', 'text')
    .action((opts: PlanCommandOptions) => {
      const docs = readManifests(opts.filename, io);
      setExit(docs === undefined ? EXIT.unreadable : planCommand(docs, opts, io));
    });

  registerGet(program, ctx, setExit);
  registerList(program, ctx, setExit);
  registerStatus(program, ctx, setExit);
  registerActions(program, ctx, setExit);
  registerCreate(program, ctx, setExit);
  registerMeta(program, ctx, setExit);
  registerNotifications(program, ctx, setExit);

  // Every command group and command reports its own usage errors through exitOverride.
  const inherit = (c: Command) => {
    for (const sub of c.commands) {
      sub.exitOverride().showHelpAfterError('(run with --help for usage)').configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) });
      inherit(sub);
    }
  };
  inherit(program);
  return program;
}

export async function main(argv: readonly string[], io: Io): Promise<number> {
  let exitCode: number = EXIT.ok;
  if (argv[0] === '__complete' || argv[0] === '__completeNoDesc') {
    // Silent on stderr: a cluster that cannot be reached gives no names, not a message across the prompt.
    const quiet: Io = { ...io, stderr: { write: () => true } };
    return complete(buildProgram(quiet, () => undefined), commandContext(quiet), argv.slice(1));
  }
  const { argv: rest, flags } = globalFlags(normaliseArgs(argv));
  const program = buildProgram(
    io,
    (code) => {
      exitCode = code;
    },
    flags,
  );
  try {
    await program.parseAsync(rest, { from: 'user' });
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? EXIT.ok : EXIT.usage;
    throw e;
  }
  return exitCode;
}
