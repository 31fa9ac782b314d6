/**
 * kubectl-rollouts: the command-line entry. `main(argv, io)` returns the exit code instead of exiting, so
 * tests drive it in-process exactly as a user would.
 */
import * as fs from 'node:fs';
import * as E from 'fp-ts/lib/Either';
import { Command, CommanderError } from 'commander';
import { parseDocuments, type SourceDocument } from './Documents';
import { formatProblem, lintDocuments } from './Lint';
import { planCommand, type PlanCommandOptions } from './Plan';

export interface Io {
  readonly stdout: { write(s: string): unknown };
  readonly stderr: { write(s: string): unknown };
}

/** Exit codes shared by every subcommand. */
export const EXIT = { ok: 0, problems: 1, unreadable: 2 } as const;

const collect = (value: string, previous: string[]): string[] => [...previous, value];

/** Read and parse the given files; on the first unreadable or unparsable file, report it and return undefined. */
export function readManifests(files: readonly string[], io: Io): SourceDocument[] | undefined {
  const docs: SourceDocument[] = [];
  for (const file of files) {
    let text: string;
    try {
      text = file === '-' ? fs.readFileSync(0, 'utf8') : fs.readFileSync(file, 'utf8');
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      io.stderr.write(`${file}: cannot read file${code ? ` (${code})` : ''}: ${(e as Error).message}\n`);
      return undefined;
    }
    const parsed = parseDocuments(file, text);
    if (E.isLeft(parsed)) {
      const f = parsed.left;
      const where = f.line === undefined ? '' : `:${f.line}:${f.column ?? 1}`;
      io.stderr.write(`${f.file}${where}: cannot parse YAML/JSON: ${f.message}\n`);
      return undefined;
    }
    docs.push(...parsed.right);
  }
  return docs;
}

export async function main(argv: readonly string[], io: Io): Promise<number> {
  let exitCode: number = EXIT.ok;
  const program = new Command('kubectl-rollouts')
    .description('Lint, plan and drive Rollouts (argoproj.io/v1alpha1). Runs as `kubectl rollouts ...` when on PATH.')
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) });

  program
    .command('lint')
    .description('Validate Rollouts, AnalysisTemplates, ClusterAnalysisTemplates, AnalysisRuns and Experiments, and check Rollouts against the Services, Ingresses and VirtualServices in the same files')
    .requiredOption('-f, --filename <file>', 'manifest file (YAML or JSON, several documents allowed; - for stdin); repeatable', collect, [])
    .action((opts: { filename: string[] }) => {
      const docs = readManifests(opts.filename, io);
      if (docs === undefined) {
        exitCode = EXIT.unreadable;
        return;
      }
      const problems = lintDocuments(docs);
      for (const p of problems) io.stdout.write(`${formatProblem(p)}\n`);
      const files = `${opts.filename.length} file${opts.filename.length === 1 ? '' : 's'}`;
      const documents = `${docs.length} document${docs.length === 1 ? '' : 's'}`;
      io.stderr.write(problems.length === 0 ? `lint: ${documents} in ${files}, no problems\n` : `lint: ${documents} in ${files}, ${problems.length} problem${problems.length === 1 ? '' : 's'}\n`);
      exitCode = problems.length === 0 ? EXIT.ok : EXIT.problems;
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
      exitCode = docs === undefined ? EXIT.unreadable : planCommand(docs, opts, io);
    });

  try {
    await program.parseAsync([...argv], { from: 'user' });
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? EXIT.ok : EXIT.unreadable;
    throw e;
  }
  return exitCode;
}
