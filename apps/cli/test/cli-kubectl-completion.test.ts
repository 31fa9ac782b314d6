// Completion as kubectl itself runs it: `kubectl __complete rollouts …` (what the shell's kubectl completion calls)
// finds `kubectl_complete-rollouts` on the PATH and relays its answer; and in bash itself, with kubectl's own
// completion script loaded, as a user's <TAB> runs it (rollout names from kube-sim). Uses the kubectl that
// tools/kube/build.sh builds ($KUBECTL_COMPLETION, exported by tools/test-all.sh) and the built bins (apps/cli/dist).
// Outside CI it is skipped, saying why, without such a kubectl or the build; in CI (CI=true) their absence fails it.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const bin = path.resolve(__dirname, '../bin');
const built = fs.existsSync(path.resolve(__dirname, '../dist/main.js'));
/** kubectl's minor version (plugin completion needs 1.26 or newer), or undefined when it does not answer. */
const minorOf = (k: string): number | undefined => {
  const r = spawnSync(k, ['version', '--client', '-o', 'json'], { encoding: 'utf8' });
  const m = /"minor":\s*"(\d+)/.exec(r.stdout ?? '');
  return m === null ? undefined : Number(m[1]);
};
// tools/test-all.sh exports KUBECTL_COMPLETION (kubectl built with the tier-4 control plane) and KUBECTL (Debian's,
// 1.20 on bookworm: too old for plugin completion); kubectl on the PATH is tried too. The first of 1.26 or newer is used.
const candidates = [process.env['KUBECTL_COMPLETION'] ?? '', process.env['KUBECTL'] ?? '', (() => {
  try {
    return execFileSync('sh', ['-c', 'command -v kubectl'], { encoding: 'utf8' }).trim();
  } catch {
    return '';
  }
})()].filter((k) => k !== '');
const kubectl = candidates.find((k) => (minorOf(k) ?? 0) >= 26) ?? '';
const why = kubectl === '' ? `no kubectl of 1.26 or newer (plugin completion needs it); tried: ${candidates.map((k) => `${k} (1.${minorOf(k) ?? '?'})`).join(', ') || 'none'}` : !built ? 'apps/cli is not built (npm run build)' : '';
if (why !== '' && process.env['CI'] === 'true') throw new Error(`cli-kubectl-completion: ${why}`);
const run = why === '' ? test : test.skip;
if (why !== '') console.warn(`cli-kubectl-completion skipped: ${why}`);

let dir = '';
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kubectl-plugin-'));
  // kubectl finds plugins by file name on the PATH, without an extension, as npm's bin links are.
  fs.symlinkSync(path.join(bin, 'kubectl-rollouts.js'), path.join(dir, 'kubectl-rollouts'));
  fs.symlinkSync(path.join(bin, 'kubectl_complete-rollouts.js'), path.join(dir, 'kubectl_complete-rollouts'));
  // An empty kubeconfig: nothing here needs a cluster.
  fs.writeFileSync(path.join(dir, 'kubeconfig'), 'apiVersion: v1\nkind: Config\nclusters: []\ncontexts: []\nusers: []\n');
});
afterAll(() => {
  if (dir !== '') fs.rmSync(dir, { recursive: true, force: true });
});

const complete = (...args: string[]) => {
  const r = spawnSync(kubectl, ['__complete', 'rollouts', ...args], { encoding: 'utf8', env: { ...process.env, PATH: `${dir}:${process.env['PATH'] ?? ''}`, KUBECONFIG: path.join(dir, 'kubeconfig') } });
  return { code: r.status, lines: r.stdout.split('\n').filter((l) => l !== '') };
};

run('kubectl rollouts <TAB> lists the subcommands, through kubectl_complete-rollouts', () => {
  const { code, lines } = complete('');
  expect(code).toBe(0);
  for (const c of ['get', 'promote', 'abort', 'retry', 'set', 'lint', 'plan', 'create']) expect(lines).toContain(c);
  expect(lines[lines.length - 1]).toMatch(/^:\d+$/);
});

run('kubectl rollouts get rollout -o <TAB> offers json and yaml', () => {
  const { code, lines } = complete('get', 'rollout', '-o', '');
  expect(code).toBe(0);
  expect(lines).toEqual(expect.arrayContaining(['json', 'yaml']));
});

// In bash, as a user's <TAB> runs it: bash-completion (Debian's bash-completion, installed by tools/test-all.sh) and
// kubectl's own `completion bash` script loaded, COMP_* set as readline sets them, and `__start_kubectl` called;
// COMPREPLY is what the shell would offer. Rollout and namespace names come from kube-sim through the kubeconfig.
const bashCompletion = '/usr/share/bash-completion/bash_completion';
const shellWhy = why !== '' ? why : !fs.existsSync(bashCompletion) ? `${bashCompletion} is missing (Debian package bash-completion)` : '';
if (shellWhy !== '' && why === '' && process.env['CI'] === 'true') throw new Error(`cli-kubectl-completion (bash): ${shellWhy}`);
if (shellWhy !== '' && why === '') console.warn(`cli-kubectl-completion (bash) skipped: ${shellWhy}`);
const describeShell = shellWhy === '' ? describe : describe.skip;

describeShell('kubectl rollouts <TAB> in bash', () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const harness = require('./harness') as typeof import('./harness');
  let env: import('./harness').Env;
  beforeAll(async () => {
    env = await harness.startEnv({ namespaces: ['team'] });
    await harness.deploy(env, harness.canaryRollout('web', [{ setWeight: 50 }, { pause: {} }], { replicas: 1 }));
    await harness.deploy(env, harness.canaryRollout('api', [{ setWeight: 50 }, { pause: {} }], { replicas: 1, ns: 'team' }));
  }, 60_000);
  afterAll(async () => {
    await env?.stop();
  });

  /** What bash offers for the command line `line` (the cursor at its end). Asynchronous: kube-sim answers from this process. */
  const tab = async (line: string): Promise<string[]> => {
    const script = [
      `source ${bashCompletion}`,
      'source <(kubectl completion bash)',
      'read -r -a COMP_WORDS <<< "$LINE"',
      // A line ending in a space completes a new, empty word.
      '[[ "$LINE" == *" " ]] && COMP_WORDS+=("")',
      'COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 )); COMP_LINE="$LINE"; COMP_POINT=${#LINE}',
      '__start_kubectl kubectl "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}" 2>/dev/null',
      'printf "%s\\n" "${COMPREPLY[@]}"',
    ].join('\n');
    const kubectlDir = path.dirname(kubectl);
    const r = await new Promise<{ code: number | null; stdout: string }>((resolve) => {
      const child = spawn('bash', ['--norc', '--noprofile', '-c', script], {
        env: { ...process.env, LINE: line, PATH: `${dir}:${kubectlDir}:${process.env['PATH'] ?? ''}`, KUBECONFIG: env.kubeconfig },
      });
      let stdout = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
      child.on('close', (code) => resolve({ code, stdout }));
    });
    expect(r.code).toBe(0);
    return r.stdout.split('\n').filter((l) => l.trim() !== '').map((l) => l.trim());
  };

  test('subcommand and kind words', async () => {
    expect(await tab('kubectl rollouts prom')).toEqual(['promote']);
    expect(await tab('kubectl rollouts get ro')).toEqual(['rollout']);
  });

  test('rollout names of the current namespace, and of the one -n names', async () => {
    expect(await tab('kubectl rollouts get rollout ')).toEqual(['web']);
    expect(await tab('kubectl rollouts promote w')).toEqual(['web']);
    expect(await tab('kubectl rollouts -n team promote ')).toEqual(['api']);
  });

  test('namespace names after -n, container names after set image', async () => {
    expect(await tab('kubectl rollouts -n te')).toEqual(['team']);
    expect(await tab('kubectl rollouts set image web ')).toEqual(expect.arrayContaining(['app=']));
  });
});
