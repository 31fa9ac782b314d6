// The README's way to install the kubectl plugin outside the clone (the block between <!-- install:start --> and
// <!-- install:end -->), run line by line as written, with two redirections so a test never touches the machine:
// npm's global prefix is a temporary folder (npm_config_prefix), and the pack folder /tmp/rollouts is replaced by a
// temporary one. Then `kubectl rollouts version` must run the installed copy, not the clone's. Needs the build and
// kubectl (as quickstart-readme.test.ts); npm fetches the third-party dependencies (fp-ts, ...) from its cache or
// the registry.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '../..');
const KUBECTL = process.env['KUBECTL'] ?? 'kubectl';
const kubectlPath = (() => {
  const r = spawnSync('bash', ['-c', 'command -v "$0"', KUBECTL], { encoding: 'utf8' });
  const p = r.status === 0 ? r.stdout.trim() : '';
  return p !== '' && spawnSync(p, ['version', '--client'], { encoding: 'utf8', timeout: 20_000 }).status === 0 ? p : undefined;
})();
const built = fs.existsSync(path.join(ROOT, 'apps/cli/dist/main.js'));

function block(readme: string, name: string): string[] {
  const start = readme.indexOf(`<!-- ${name}:start -->`);
  const end = readme.indexOf(`<!-- ${name}:end -->`);
  if (start < 0 || end < start) throw new Error(`no <!-- ${name}:start --> ... <!-- ${name}:end --> block`);
  return readme
    .slice(start, end)
    .split('\n')
    .filter((l) => l.trim() !== '' && !l.startsWith('<!--') && !l.startsWith('```') && !l.trim().startsWith('#'));
}
const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');

test('both READMEs show the same install block, which packs every @rollouts package the plugin needs', () => {
  const lines = block(readme, 'install');
  expect(block(fs.readFileSync(path.join(ROOT, 'apps/cli/README.md'), 'utf8'), 'install')).toEqual(lines);
  // The workspace packages the plugin depends on, transitively: each must be packed, or npm asks the registry for it.
  const needs = new Set<string>();
  const dirOf = (name: string) => ['packages', 'apps'].flatMap((b) => fs.readdirSync(path.join(ROOT, b)).map((d) => `${b}/${d}`)).find((d) => fs.existsSync(path.join(ROOT, d, 'package.json')) && (JSON.parse(fs.readFileSync(path.join(ROOT, d, 'package.json'), 'utf8')) as { name: string }).name === name);
  const visit = (name: string) => {
    if (needs.has(name)) return;
    needs.add(name);
    const deps = (JSON.parse(fs.readFileSync(path.join(ROOT, dirOf(name) ?? '', 'package.json'), 'utf8')) as { dependencies?: Record<string, string> }).dependencies ?? {};
    for (const d of Object.keys(deps)) if (d.startsWith('@rollouts/')) visit(d);
  };
  visit('@rollouts/kubectl-rollouts');
  const packed = [...(lines.find((l) => l.includes('npm pack')) ?? '').matchAll(/-w (\S+)/g)].map((m) => m[1]);
  expect(packed.sort()).toEqual([...needs].sort());
});

if (process.env['CI'] === 'true' && !built) {
  test('the plugin is built', () => {
    throw new Error('CI=true and apps/cli/dist is missing: tools/test-all.sh builds before the tests');
  });
}
if (!built || kubectlPath === undefined) {
  // eslint-disable-next-line no-console
  console.log(`README install test SKIPPED: needs ${[!built ? 'the build (npm run build)' : '', kubectlPath === undefined ? `kubectl (${KUBECTL})` : ''].filter((s) => s !== '').join(' and ')}`);
}

(built && kubectlPath !== undefined ? test : test.skip)(
  'the README install block works as written and kubectl runs the installed plugin',
  () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rollouts-install-'));
    try {
      const prefix = path.join(dir, 'global');
      const bin = path.join(dir, 'bin');
      fs.mkdirSync(bin);
      fs.symlinkSync(kubectlPath as string, path.join(bin, 'kubectl'));
      // No node_modules/.bin of the clone on PATH (npx/jest put it there): the plugin must come from the install.
      const pathRest = (process.env['PATH'] ?? '').split(':').filter((p) => !p.includes('node_modules'));
      const env = { ...process.env, npm_config_prefix: prefix, npm_config_prefer_offline: 'true', npm_config_audit: 'false', npm_config_fund: 'false', HOME: process.env['HOME'] ?? dir, PATH: [path.join(prefix, 'bin'), bin, ...pathRest].join(':') };
      let out = '';
      for (const line of block(readme, 'install')) {
        const cmd = line.split('/tmp/rollouts').join(path.join(dir, 'packs'));
        const r = spawnSync('bash', ['-c', cmd], { cwd: ROOT, env, encoding: 'utf8', timeout: 240_000 });
        out = r.stdout;
        if (r.status !== 0) throw new Error(`$ ${cmd}\nexit ${r.status}\n${r.stdout}\n${r.stderr}`);
      }
      const version = (JSON.parse(fs.readFileSync(path.join(ROOT, 'apps/cli/package.json'), 'utf8')) as { version: string }).version;
      expect(out).toContain(`kubectl-rollouts: v${version}`);
      // It is the installed copy that ran: the bin resolves into the temporary prefix, not into the clone.
      expect(fs.realpathSync(path.join(prefix, 'bin', 'kubectl-rollouts')).startsWith(fs.realpathSync(prefix))).toBe(true);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  },
  300_000,
);
