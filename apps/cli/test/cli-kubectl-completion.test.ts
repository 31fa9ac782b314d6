// Completion as kubectl itself runs it: `kubectl __complete rollouts …` (what the shell's kubectl completion calls)
// finds `kubectl_complete-rollouts` on the PATH and relays its answer. Uses Debian's kubectl (installed by
// tools/setup for the kube-sim tier, $KUBECTL) and the built bins (apps/cli/dist); skipped, saying why, without
// kubectl (as the other kubectl tests are); without the build only outside CI.
import { execFileSync, spawnSync } from 'node:child_process';
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
// tools/test-all.sh exports KUBECTL (Debian's kubectl, extracted into a cache: 1.20 on bookworm, too old for plugin
// completion); kubectl on the PATH is tried too. The first one of 1.26 or newer is used.
const candidates = [process.env['KUBECTL'] ?? '', (() => {
  try {
    return execFileSync('sh', ['-c', 'command -v kubectl'], { encoding: 'utf8' }).trim();
  } catch {
    return '';
  }
})()].filter((k) => k !== '');
const kubectl = candidates.find((k) => (minorOf(k) ?? 0) >= 26) ?? '';
const why = kubectl === '' ? `no kubectl of 1.26 or newer (plugin completion needs it); tried: ${candidates.map((k) => `${k} (1.${minorOf(k) ?? '?'})`).join(', ') || 'none'}` : !built ? 'apps/cli is not built (npm run build)' : '';
if (!built && process.env['CI'] === 'true') throw new Error(`cli-kubectl-completion: ${why}`);
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
