/**
 * `version [--short]` and `completion bash|zsh|fish`. Completion scripts are small: they call back the hidden
 * `__complete` command with the words typed so far, which answers the subcommands or flags that fit from the
 * command tree itself, so the scripts never go stale.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Command, Option } from 'commander';
import { EXIT, type CommandContext } from './CommandContext';

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
        `  COMPREPLY=( $(compgen -W "$(${bin} __complete "\${COMP_WORDS[@]:1:COMP_CWORD}" 2>/dev/null)" -- "$cur") )`,
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
        `  candidates=(\${(f)"$(${bin} __complete "\${(@)words[2,CURRENT]}" 2>/dev/null)"})`,
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
        `  ${bin} __complete $tokens[2..-1] 2>/dev/null`,
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
