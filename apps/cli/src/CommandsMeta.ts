/**
 * `version [--short]` and `completion bash|zsh|fish`. Completion scripts are small: they call back the hidden
 * `__complete` command with the words typed so far, which answers the subcommands or flags that fit from the
 * command tree itself, so the scripts never go stale.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Command, Option } from 'commander';
import * as E from 'fp-ts/lib/Either';
import type { Rollout } from '@rollouts/api';
import { Resources, type ResourceKind } from '@rollouts/k8s';
import { EXIT, globalFlags, type CommandContext } from './CommandContext';

/** The package version (`0.1.0`). */
export function packageVersion(): string {
  try {
    const pkg = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'package.json'), 'utf8')) as { version?: string };
    return pkg.version ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

const SHELLS = ['bash', 'zsh', 'fish'] as const;
type Shell = (typeof SHELLS)[number];

/** The completion script of a shell. */
export function completionScript(shell: Shell, bin = 'kubectl-rollouts'): string {
  const fn = `_${bin.replace(/[^A-Za-z0-9]/g, '_')}`;
  switch (shell) {
    case 'bash':
      return [
        `# bash completion for ${bin}: source <(${bin} completion bash)`,
        `${fn}() {`,
        '  local cur="${COMP_WORDS[COMP_CWORD]}"',
        '  local IFS=$\'\\n\'',
        `  COMPREPLY=( $(compgen -W "$(${bin} __complete "\${COMP_WORDS[@]:1:COMP_CWORD}" 2>/dev/null | grep -v '^:')" -- "$cur") )`,
        '}',
        `complete -F ${fn} ${bin}`,
        '',
      ].join('\n');
    case 'zsh':
      return [
        `#compdef ${bin}`,
        `# zsh completion for ${bin}: source <(${bin} completion zsh)`,
        `${fn}() {`,
        '  local -a candidates',
        `  candidates=(\${(f)"$(${bin} __complete "\${(@)words[2,CURRENT]}" 2>/dev/null | grep -v '^:')"})`,
        '  compadd -- $candidates',
        '}',
        `compdef ${fn} ${bin}`,
        '',
      ].join('\n');
    case 'fish':
      return [
        `# fish completion for ${bin}: ${bin} completion fish | source`,
        `function __${fn.slice(1)}_complete`,
        '  set -l tokens (commandline -opc) (commandline -ct)',
        `  ${bin} __complete $tokens[2..-1] 2>/dev/null | string match -v -r '^:'`,
        'end',
        `complete -c ${bin} -f -a '(__${fn.slice(1)}_complete)'`,
        '',
      ].join('\n');
  }
}

const visible = (c: Command) => !(c as unknown as { _hidden?: boolean })._hidden;
const takesValue = (o: Option) => o.required || o.optional;

/** The words that may come next, given the words typed (the last one possibly partial or empty). */
export function completions(program: Command, words: readonly string[]): string[] {
  const typed = words.slice(0, -1);
  const partial = words[words.length - 1] ?? '';
  let cmd = program;
  for (let i = 0; i < typed.length; i++) {
    const w = typed[i] ?? '';
    if (w.startsWith('-')) {
      const opt = cmd.options.find((o) => o.long === w || o.short === w);
      if (opt !== undefined && takesValue(opt)) {
        if (i === typed.length - 1) return [];
        i++;
      }
      continue;
    }
    const sub = cmd.commands.find((c) => c.name() === w || c.aliases().includes(w));
    if (sub !== undefined) cmd = sub;
  }
  if (cmd.name() === 'completion' && !partial.startsWith('-')) return SHELLS.filter((s) => s.startsWith(partial)).sort();
  const candidates = partial.startsWith('-')
    ? cmd.options.flatMap((o) => [o.long, o.short]).filter((f): f is string => f !== undefined)
    : cmd.commands.filter(visible).map((c) => c.name());
  return candidates.filter((c) => c.startsWith(partial)).sort();
}

/** cobra's completion directives (the `:N` last line of a `__complete` answer). */
export const DIRECTIVE = { default: 0, noSpace: 2, noFileComp: 4 } as const;

const NAMESPACES: ResourceKind = { group: '', version: 'v1', plural: 'namespaces', kind: 'Namespace', namespaced: false };

/** The kind of object each leaf command's NAME arguments are, and whether it takes several. */
const NAME_ARGS: Record<string, { kind: ResourceKind; many: boolean }> = {
  'get rollout': { kind: Resources.rollouts, many: false },
  'get experiment': { kind: Resources.experiments, many: false },
  'get analysisrun': { kind: Resources.analysisRuns, many: false },
  status: { kind: Resources.rollouts, many: false },
  promote: { kind: Resources.rollouts, many: false },
  restart: { kind: Resources.rollouts, many: false },
  undo: { kind: Resources.rollouts, many: false },
  'set image': { kind: Resources.rollouts, many: false },
  pause: { kind: Resources.rollouts, many: true },
  resume: { kind: Resources.rollouts, many: true },
  abort: { kind: Resources.rollouts, many: true },
  'retry rollout': { kind: Resources.rollouts, many: true },
  'retry experiment': { kind: Resources.experiments, many: true },
  'terminate analysisrun': { kind: Resources.analysisRuns, many: true },
  'terminate experiment': { kind: Resources.experiments, many: true },
};

const FILE_FLAGS = ['-f', '--filename', '--kubeconfig', '--from-file'];

/**
 * Answer a completion request in cobra's `__complete` protocol, which kubectl (1.26+) speaks with a plugin's
 * `kubectl_complete-<plugin>` executable and our shell scripts speak too: the candidates one per line, then
 * `:<directive>`. `words` are the words after the plugin name, the last one the word being completed (maybe
 * empty). Beyond {@link completions} it asks the cluster of the kubeconfig (with the `--kubeconfig`,
 * `--context` and `-n` typed so far) for the names that fit: rollouts (and experiments, analysis runs,
 * templates) for a command's NAME, namespaces after `-n`, contexts after `--context`, and the containers of
 * the rollout after `set image NAME`. A cluster that cannot be reached just gives no names. Always exit 0.
 */
export async function complete(program: Command, ctx: CommandContext, words: readonly string[]): Promise<number> {
  // `--namespace=te<TAB>`: the value after `=`, answered with the flag in front.
  const inline = /^(--namespace|--context|--output|--from|--kubeconfig|--filename|--from-file)=(.*)$/s.exec(words[words.length - 1] ?? '');
  const typed = inline === null ? words.slice(0, -1) : [...words.slice(0, -1), inline[1] ?? ''];
  const partial = inline === null ? (words[words.length - 1] ?? '') : (inline[2] ?? '');
  const prefix = inline === null ? '' : `${inline[1] ?? ''}=`;
  const answer = (candidates: readonly string[], directive: number = DIRECTIVE.noFileComp): number => {
    for (const c of candidates.filter((c) => c.startsWith(partial))) ctx.io.stdout.write(`${prefix}${c}\n`);
    ctx.io.stdout.write(`:${directive}\n`);
    return EXIT.ok;
  };
  const { argv, flags } = globalFlags(typed);
  const cluster = () => ctx.cluster(flags);
  const names = async (kind: ResourceKind, namespace: 'flag' | 'all'): Promise<string[]> => {
    const c = cluster();
    if (c === undefined) return [];
    const r = await c.list<{ metadata?: { name?: string } }>(kind, namespace === 'all' ? undefined : c.namespace);
    return E.isRight(r) ? r.right.map((o) => o.metadata?.name ?? '').filter((n) => n !== '').sort() : [];
  };

  // The value of a flag: the last typed word is a flag that takes one (kept as typed by globalFlags when last).
  const last = typed[typed.length - 1] ?? '';
  if (last === '-n' || last === '--namespace') return answer(await names(NAMESPACES, 'all'));
  if (last === '--context') {
    const c = cluster();
    return answer(c === undefined ? [] : c.kubeConfig.getContexts().map((x) => x.name).sort());
  }
  if (FILE_FLAGS.includes(last)) return answer([], DIRECTIVE.default);
  if (last === '-o' || last === '--output') return answer(['json', 'yaml']);
  if (last === '--from') return answer(typed.includes('--global') ? await names(Resources.clusterAnalysisTemplates, 'all') : await names(Resources.analysisTemplates, 'flag'));

  // Walk the command tree; the words left over are the leaf command's arguments.
  let cmd = program;
  const path: string[] = [];
  const args: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const w = argv[i] ?? '';
    if (w.startsWith('-')) {
      const opt = cmd.options.find((o) => o.long === w || o.short === w);
      if (opt !== undefined && takesValue(opt)) {
        if (i === argv.length - 1) return answer([]);
        i++;
      }
      continue;
    }
    const sub = args.length === 0 ? cmd.commands.find((c) => c.name() === w || c.aliases().includes(w)) : undefined;
    if (sub !== undefined) {
      cmd = sub;
      path.push(sub.name());
    } else args.push(w);
  }
  if (partial.startsWith('-')) return answer(completions(program, [...argv, partial]));
  if (cmd.commands.length > 0 || cmd.name() === 'completion') return answer(completions(program, [...argv, partial]));
  const leaf = path.join(' ');
  if (leaf === 'set image' && args.length === 1) {
    const c = cluster();
    const ro = c === undefined ? undefined : await c.get<Rollout>(Resources.rollouts, c.namespace, args[0] ?? '');
    const spec = ro !== undefined && E.isRight(ro) ? ro.right.spec.template?.spec : undefined;
    const containers = [...(spec?.initContainers ?? []), ...(spec?.containers ?? [])].map((x) => `${x.name}=`);
    return answer([...containers, '*='], DIRECTIVE.noFileComp | DIRECTIVE.noSpace);
  }
  const named = NAME_ARGS[leaf];
  if (named !== undefined && (named.many || args.length === 0)) return answer((await names(named.kind, 'flag')).filter((n) => !args.includes(n)));
  return answer([]);
}

/** Register `version` and `completion`. */
export function registerMeta(program: Command, ctx: CommandContext, setExit: (code: number) => void): void {
  program
    .command('version')
    .description('Print the version of kubectl-rollouts')
    .option('--short', 'only the version')
    .action((flags: { short?: boolean }) => {
      ctx.io.stdout.write(`kubectl-rollouts: v${packageVersion()}\n`);
      if (flags.short !== true) ctx.io.stdout.write(`  NodeVersion: ${process.version}\n  Platform: ${process.platform}/${process.arch}\n`);
      setExit(EXIT.ok);
    });
  program
    .command('completion <shell>')
    .description('Print a shell completion script: bash, zsh or fish (e.g. source <(kubectl-rollouts completion bash))')
    .action((shell: string) => {
      if (!(SHELLS as readonly string[]).includes(shell)) return setExit(ctx.fail(`unsupported shell "${shell}": use bash, zsh or fish`));
      ctx.io.stdout.write(completionScript(shell as Shell));
      setExit(EXIT.ok);
    });
}
