import * as fs from 'node:fs';
import * as path from 'node:path';
import { buildProgram, main } from './main';
import { completions, completionScript } from './CommandsMeta';

const program = buildProgram({ stdout: { write: () => undefined }, stderr: { write: () => undefined } }, () => undefined);

describe('completions', () => {
  it.each<[string[], string[]]>([
    [[''], ['abort', 'completion', 'create', 'get', 'lint', 'list', 'notifications', 'pause', 'plan', 'promote', 'restart', 'resume', 'retry', 'set', 'status', 'terminate', 'undo', 'version']],
    [['p'], ['pause', 'plan', 'promote']],
    [['get', ''], ['analysisrun', 'experiment', 'rollout']],
    [['retry', 'e'], ['experiment']],
    [['get', 'ro', 'demo', '--w'], ['--watch']],
    [['promote', 'demo', '--f'], ['--full']],
    [['get', 'rollout', '-n', ''], []],
    [['-n', 'x', 'st'], ['status']],
    [['completion', ''], ['bash', 'fish', 'zsh']],
    [['notifications', ''], ['template', 'trigger']],
    [['notifications', 'template', ''], ['get', 'notify']],
    [['notifications', 'trigger', 'run', 'x', 'y', '--config'], ['--config-map']],
  ])('%j', (words, want) => {
    expect(completions(program, words)).toEqual(want);
  });
});

describe('completionScript', () => {
  it.each([
    ['bash', 'complete -F _kubectl_rollouts kubectl-rollouts'],
    ['zsh', 'compdef _kubectl_rollouts kubectl-rollouts'],
    ['fish', "complete -c kubectl-rollouts -f -a '(__kubectl_rollouts_complete)'"],
  ] as const)('%s registers the completion and calls back __complete', (shell, registration) => {
    const s = completionScript(shell);
    expect(s).toContain(registration);
    expect(s).toContain('kubectl-rollouts __complete');
    // the `:<directive>` line of the answer is not a candidate
    expect(s).toMatch(shell === 'fish' ? /string match -v -r '\^:'/ : /grep -v '\^:'/);
  });
});

describe('through main', () => {
  const run = async (...argv: string[]) => {
    let out = '';
    let err = '';
    const code = await main(argv, { stdout: { write: (s: string) => (out += s) }, stderr: { write: (s: string) => (err += s) } });
    return { code, out, err };
  };
  it('version prints the package version', async () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'package.json'), 'utf8')) as { version: string };
    expect(await run('version', '--short')).toEqual({ code: 0, out: `kubectl-rollouts: v${pkg.version}\n`, err: '' });
    expect((await run('version')).out).toMatch(/^kubectl-rollouts: v\S+\n {2}NodeVersion: v\d+\.\d+\.\d+\n {2}Platform: \w+\/\w+\n$/);
  });
  it('completion prints the script; an unknown shell is an error', async () => {
    expect(await run('completion', 'bash')).toEqual({ code: 0, out: completionScript('bash'), err: '' });
    expect(await run('completion', 'tcsh')).toEqual({ code: 1, out: '', err: 'Error: unsupported shell "tcsh": use bash, zsh or fish\n' });
  });
  it('__complete answers one candidate per line, then the cobra directive (:4, no file completion)', async () => {
    expect(await run('__complete', 'retry', '')).toEqual({ code: 0, out: 'experiment\nrollout\n:4\n', err: '' });
  });
});
