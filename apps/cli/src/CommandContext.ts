/**
 * What every cluster command shares: the terminal streams, the clock, the environment, the cluster flags
 * (`--kubeconfig`, `--context`, `-n`), how an error is reported (`Error: <msg>` on stderr, exit 1), and how
 * objects are printed with `-o json|yaml`.
 */
import type { Command } from 'commander';
import * as E from 'fp-ts/lib/Either';
import type { Either } from 'fp-ts/lib/Either';
import YAML from 'yaml';
import { clusterErrorMessage, connect, type Cluster, type ClusterError, type ClusterOptions } from './Cluster';
import { coloursWanted, palette, type Palette } from './Colors';

/** The process around `main`: streams, and optionally the clock, environment and a stop signal (Ctrl-C). */
export interface Io {
  readonly stdout: { write(s: string): unknown; readonly isTTY?: boolean };
  readonly stderr: { write(s: string): unknown };
  /** Milliseconds since the epoch (default `Date.now`). */
  readonly now?: () => number;
  /** Environment (default `process.env`): `NO_COLOR`, `TERM`. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Aborted when the user asks to stop (Ctrl-C): watches end cleanly. */
  readonly signal?: AbortSignal;
}

/** Exit codes shared by every subcommand. */
export const EXIT = { ok: 0, problems: 1, failed: 1, unreadable: 2, usage: 2 } as const;

/** The cluster flags, as commander parses them. */
export interface ClusterFlags {
  readonly kubeconfig?: string;
  readonly context?: string;
  readonly namespace?: string;
}

/** Add `--kubeconfig`, `--context` and `-n/--namespace` to a command. */
export function withClusterFlags(cmd: Command): Command {
  return cmd
    .option('--kubeconfig <file>', 'kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)')
    .option('--context <name>', 'kubeconfig context to use (default: the current context)')
    .option('-n, --namespace <namespace>', "namespace (default: the context's namespace, else default)");
}

/** `-o json|yaml`. */
export function withOutputFlag(cmd: Command): Command {
  return cmd.option('-o, --output <format>', 'print as json or yaml instead of text');
}

/** The services a command runs with. */
export interface CommandContext {
  readonly io: Io;
  now(): number;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** The command's cluster flags with those given anywhere on the command line (see `globalFlags`). */
  flags<T extends ClusterFlags>(flags: T): T;
  /** Connect with the cluster flags; on failure the error is reported and `undefined` returned. */
  cluster(flags: ClusterFlags): Cluster | undefined;
  /** Report `Error: <message>` and answer exit code 1. */
  fail(message: string): number;
  /** Report a cluster error and answer 1. */
  failWith(e: ClusterError): number;
  /** Colours for stdout, given `--no-color` (commander's `color: false`). */
  palette(color: boolean | undefined): Palette;
  /** Print data as JSON or YAML; Left when the format is unknown. */
  print(format: string, data: unknown): Either<string, void>;
}

/**
 * The cluster flags taken out of a command line, wherever they stand (`-n shop list rollouts`,
 * `list rollouts -n shop`), as kubectl plugins accept them: `-n X`, `-nX`, `-n=X`, `--namespace X`,
 * `--namespace=X`, and the same for `--kubeconfig` and `--context`; the last one of a flag wins. Words after
 * `--` are left alone, and so is a flag without its value (commander then reports it missing). `-A` /
 * `--all-namespaces` before the subcommand is moved after it, where `list` reads it (and any other command
 * refuses it). Pure.
 */
export function globalFlags(argv: readonly string[]): { readonly argv: string[]; readonly flags: ClusterFlags } {
  const longs: Record<string, keyof ClusterFlags> = { '--namespace': 'namespace', '--kubeconfig': 'kubeconfig', '--context': 'context' };
  const flags: { -readonly [K in keyof ClusterFlags]: ClusterFlags[K] } = {};
  const rest: string[] = [];
  const hoisted: string[] = [];
  let sawCommand = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] ?? '';
    if (a === '--') {
      rest.push(...argv.slice(i));
      break;
    }
    const eq = a.indexOf('=');
    const name = a.startsWith('--') && eq > 0 ? a.slice(0, eq) : a;
    const key = longs[name] ?? (name === '-n' ? 'namespace' : a.startsWith('-n') && !a.startsWith('--') && a.length > 2 ? 'namespace' : undefined);
    if (key !== undefined) {
      const inline = name !== a ? a.slice(eq + 1) : a.startsWith('-n') && a.length > 2 && !a.startsWith('--') ? a.slice(a[2] === '=' ? 3 : 2) : undefined;
      const next = argv[i + 1];
      if (inline !== undefined) flags[key] = inline;
      else if (next !== undefined && next !== '--') {
        flags[key] = next;
        i++;
      } else rest.push(a);
      continue;
    }
    if (!sawCommand && (a === '-A' || a === '--all-namespaces')) {
      hoisted.push(a);
      continue;
    }
    if (!a.startsWith('-')) sawCommand = true;
    rest.push(a);
  }
  const dashes = rest.indexOf('--');
  const at = dashes < 0 ? rest.length : dashes;
  return { argv: [...rest.slice(0, at), ...hoisted, ...rest.slice(at)], flags };
}

const defined = <T extends object>(o: T): Partial<T> => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;

/** The context over `io`; `globals` are the cluster flags taken out of the command line. */
export function commandContext(io: Io, globals: ClusterFlags = {}): CommandContext {
  const env = io.env ?? process.env;
  const fail = (message: string) => {
    io.stderr.write(`Error: ${message}\n`);
    return EXIT.failed;
  };
  return {
    io,
    env,
    now: io.now ?? Date.now,
    flags: (flags) => ({ ...flags, ...defined(globals) }),
    cluster(command) {
      const flags: ClusterFlags = { ...command, ...defined(globals) };
      const opts: ClusterOptions = {
        ...(flags.kubeconfig !== undefined ? { kubeconfig: flags.kubeconfig } : {}),
        ...(flags.context !== undefined ? { context: flags.context } : {}),
        ...(flags.namespace !== undefined ? { namespace: flags.namespace } : {}),
      };
      const c = connect(opts);
      if (E.isLeft(c)) {
        fail(clusterErrorMessage(c.left));
        return undefined;
      }
      return c.right;
    },
    fail,
    failWith: (e) => fail(clusterErrorMessage(e)),
    palette: (color) => palette(coloursWanted({ noColor: color === false, isTTY: io.stdout.isTTY === true, env })),
    print(format, data) {
      if (format === 'json') io.stdout.write(`${JSON.stringify(data, null, 2)}\n`);
      else if (format === 'yaml') io.stdout.write(YAML.stringify(data));
      else return E.left(`unknown output format "${format}": use json or yaml`);
      return E.right(undefined);
    },
  };
}
