// Publishing readiness: for every publishable (not private) package of the workspace, what `npm pack` would put in
// the tarball, read from `npm pack --dry-run --json` after a build. Each package must have a name, a version, a
// license and a repository naming its folder; its tarball must hold package.json, README.md and the built entry
// points (main, types, every `exports` target, every bin), and nothing that is a test or TypeScript source;
// internals must not be exported; each bin must start with a node shebang and be executable.
// Needs the build (tools/test-all.sh builds before the tests): without it this fails under CI=true and is
// skipped, saying why, otherwise.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '../..');
const REPOSITORY = 'git+https://github.com/rollouts/rollouts.git';

interface Manifest {
  name?: string;
  version?: string;
  private?: boolean;
  license?: string;
  main?: string;
  types?: string;
  files?: string[];
  bin?: string | Record<string, string>;
  exports?: Record<string, unknown>;
  repository?: { type?: string; url?: string; directory?: string };
  publishConfig?: { access?: string };
}
interface Packed {
  name: string;
  version: string;
  files: Array<{ path: string; mode: number }>;
}

const workspaceDirs = (JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { workspaces: string[] }).workspaces.flatMap((pattern) => {
  const base = pattern.replace(/\/\*$/, '');
  return fs
    .readdirSync(path.join(ROOT, base), { withFileTypes: true })
    .filter((d) => d.isDirectory() && fs.existsSync(path.join(ROOT, base, d.name, 'package.json')))
    .map((d) => `${base}/${d.name}`);
});
const manifest = (dir: string) => JSON.parse(fs.readFileSync(path.join(ROOT, dir, 'package.json'), 'utf8')) as Manifest;
const publishable = workspaceDirs.filter((d) => manifest(d).private !== true).sort();
const unbuilt = publishable.filter((d) => !fs.existsSync(path.join(ROOT, d, 'dist')));

const norm = (p: string) => p.replace(/^\.\//, '');
/** Every file path an `exports` map points at (conditions and subpaths flattened); null targets are left out. */
function exportTargets(e: unknown): string[] {
  if (typeof e === 'string') return [e];
  if (e === null || typeof e !== 'object') return [];
  return Object.values(e as Record<string, unknown>).flatMap(exportTargets);
}

test('the workspace has publishable packages, and the kubectl plugin is one of them', () => {
  expect(publishable.length).toBeGreaterThan(10);
  expect(publishable).toContain('apps/cli');
});

if (unbuilt.length > 0 && process.env['CI'] === 'true') {
  test('the packages are built', () => {
    throw new Error(`CI=true and these packages have no dist/ (tools/test-all.sh builds before the tests): ${unbuilt.join(', ')}`);
  });
} else if (unbuilt.length > 0) {
  // eslint-disable-next-line no-console
  console.log(`npm pack checks SKIPPED for ${unbuilt.join(', ')}: not built (run npm run build)`);
}

describe.each(publishable.filter((d) => !unbuilt.includes(d)))('%s', (dir) => {
  const m = manifest(dir);
  let packed: Packed;
  let files: Set<string>;
  beforeAll(() => {
    const out = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: path.join(ROOT, dir), encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 60_000 });
    packed = (JSON.parse(out) as Packed[])[0] as Packed;
    files = new Set(packed.files.map((f) => f.path));
  }, 70_000);

  test('name, version, license, repository, files, publishConfig', () => {
    expect(m.name).toMatch(/^@rollouts\/[a-z0-9-]+$/);
    expect(m.version).toMatch(/^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/);
    expect(m.license).toBe('Apache-2.0');
    expect(m.repository).toEqual({ type: 'git', url: REPOSITORY, directory: dir });
    expect(m.publishConfig?.access).toBe('public');
    expect(m.files).toEqual(expect.arrayContaining(['dist', 'README.md']));
    expect([packed.name, packed.version]).toEqual([m.name, m.version]);
  });

  test('the tarball has package.json, README.md and the built entry points', () => {
    const needed = ['package.json', 'README.md', ...(m.main !== undefined ? [m.main] : []), ...(m.types !== undefined ? [m.types] : [])].map(norm);
    expect(needed.filter((f) => !files.has(f))).toEqual([]);
    expect(norm(m.main ?? '')).toMatch(/^dist\/.*\.js$/);
    if (m.types !== undefined) expect(norm(m.types)).toMatch(/^dist\/.*\.d\.ts$/);
    // A library has dist/index.js with its declarations; the CLI has its main and bins instead.
    if (m.bin === undefined || m.exports !== undefined) expect(['dist/index.js', 'dist/index.d.ts'].filter((f) => !files.has(f))).toEqual([]);
  });

  test('nothing that is a test or TypeScript source is packed', () => {
    const leaks = [...files].filter((f) => /(^|\/)(test|__tests__|testdata)\//.test(f) || /\.(test|spec)\.[cm]?[jt]sx?(\.map)?$/.test(f) || (/\.[cm]?ts$/.test(f) && !/\.d\.[cm]?ts$/.test(f)) || f.endsWith('.tsbuildinfo') || /(^|\/)(jest\.config|tsconfig[^/]*)\.(js|json)$/.test(f));
    expect(leaks).toEqual([]);
  });

  test('exports point at built files in the tarball and keep internals out', () => {
    if (m.exports === undefined) return;
    const targets = exportTargets(m.exports).map(norm);
    expect(targets.filter((t) => !t.includes('*') && !files.has(t))).toEqual([]);
    expect(targets.filter((t) => t !== 'package.json' && !t.startsWith('dist/'))).toEqual([]);
    expect(targets.filter((t) => /(^|\/)(internal|src)\//.test(t))).toEqual([]);
    for (const [subpath, target] of Object.entries(m.exports)) if (/internal/.test(subpath)) expect(target).toBeNull();
    expect(m.exports['.']).toBeDefined();
  });

  test('every bin is packed, starts with a node shebang and is executable', () => {
    const bins = typeof m.bin === 'string' ? { [m.name ?? '']: m.bin } : (m.bin ?? {});
    for (const [name, file] of Object.entries(bins)) {
      const entry = packed.files.find((f) => f.path === norm(file));
      expect([name, entry !== undefined]).toEqual([name, true]);
      expect([name, ((entry?.mode ?? 0) & 0o111) !== 0]).toEqual([name, true]);
      expect([name, fs.readFileSync(path.join(ROOT, dir, file), 'utf8').split('\n')[0]]).toEqual([name, '#!/usr/bin/env node']);
      // What the bin loads from dist is in the tarball too.
      for (const req of fs.readFileSync(path.join(ROOT, dir, file), 'utf8').matchAll(/require\('(\.\.\/dist\/[^']+)'\)/g)) {
        const target = norm(path.posix.join(path.posix.dirname(norm(file)), req[1] as string));
        expect([name, files.has(target.endsWith('.js') ? target : `${target}.js`)]).toEqual([name, true]);
      }
    }
  });
});
