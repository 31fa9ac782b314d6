// The controller image (apps/controller/Dockerfile), as built by tools/image/build.sh into an OCI archive
// (tools/test-all.sh builds it before the tests). The archive is unpacked by hand (index.json -> manifest ->
// config and layers) and checked: the entrypoint runs the controller, the user is not root, the filesystem holds
// the controller's dist and its runtime dependencies and none of kube-sim / jest / typescript / nx / swc / npm.
// Then the image's entrypoint is run with `--version` and `--help`: in a container with `buildah run` (chroot
// isolation, the image's own user, working directory and environment) when buildah is installed, else by
// `chroot` into the unpacked rootfs with the image's user (root only). The test prints which way it used and the
// image's size. Without the archive the tests are skipped and say so.
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const root = path.resolve(__dirname, '../../..');
const archive = process.env.ROLLOUTS_IMAGE_ARCHIVE ?? path.join(root, '.test-results/image/rollouts-controller.oci.tar');
const haveArchive = fs.existsSync(archive);
if (!haveArchive) {
  console.warn(`apps/controller/test/image.test.ts: no image archive at ${archive} (build it with tools/image/build.sh); the image tests are skipped`);
}
const imageTest = haveArchive ? test : test.skip;

interface Descriptor { mediaType: string; digest: string; size: number }
interface ImageConfig {
  config: { Entrypoint?: string[]; Cmd?: string[]; User?: string; WorkingDir?: string; Env?: string[]; ExposedPorts?: Record<string, unknown> };
}

let dir = '';
let rootfs = '';
let config: ImageConfig;
let layers: Descriptor[] = [];
const blob = (digest: string): string => path.join(dir, 'layout/blobs', ...digest.split(':'));

function has(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

function du(p: string): number {
  let total = 0;
  const st = fs.lstatSync(p);
  if (st.isDirectory()) for (const e of fs.readdirSync(p)) total += du(path.join(p, e));
  else total += st.size;
  return total;
}

const mb = (n: number): string => `${(n / 1e6).toFixed(1)} MB`;

beforeAll(() => {
  if (!haveArchive) return;
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rollouts-image-'));
  rootfs = path.join(dir, 'rootfs');
  fs.mkdirSync(path.join(dir, 'layout'));
  fs.mkdirSync(rootfs);
  execFileSync('tar', ['-xf', archive, '-C', path.join(dir, 'layout')]);
  const index = JSON.parse(fs.readFileSync(path.join(dir, 'layout/index.json'), 'utf8')) as { manifests: Descriptor[] };
  expect(index.manifests).toHaveLength(1);
  const manifest = JSON.parse(fs.readFileSync(blob(index.manifests[0]!.digest), 'utf8')) as { config: Descriptor; layers: Descriptor[] };
  config = JSON.parse(fs.readFileSync(blob(manifest.config.digest), 'utf8')) as ImageConfig;
  layers = manifest.layers;
  for (const layer of layers) {
    const z = layer.mediaType.endsWith('+gzip') ? ['-z'] : layer.mediaType.endsWith('+zstd') ? ['--zstd'] : [];
    const entries = execFileSync('tar', [...z, '-tf', blob(layer.digest)], { maxBuffer: 64 << 20 }).toString().split('\n');
    // OCI whiteouts: `.wh.NAME` deletes NAME of the lower layers (none are expected, but apply them honestly).
    for (const e of entries) {
      const base = path.posix.basename(e);
      if (base.startsWith('.wh.') && base !== '.wh..wh..opq') fs.rmSync(path.join(rootfs, path.posix.dirname(e), base.slice(4)), { recursive: true, force: true });
    }
    execFileSync('tar', [...z, '-xf', blob(layer.digest), '-C', rootfs, '--no-same-owner', '--exclude=.wh.*']);
  }
}, 120_000);

afterAll(() => {
  if (container) spawnSync('buildah', [...store(), 'rm', container], { stdio: 'ignore' });
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

imageTest('the entrypoint runs the controller, as a non-root user, in /app with NODE_ENV=production', () => {
  const c = config.config;
  expect(c.Entrypoint).toEqual(['node', 'apps/controller/bin/rollouts-controller.js']);
  expect(c.Cmd ?? []).toEqual([]);
  expect(c.WorkingDir).toBe('/app');
  expect(c.User).toBeDefined();
  const [uid, gid] = (c.User ?? '0').split(':');
  expect(Number(uid)).toBeGreaterThan(0);
  expect(Number(gid ?? uid)).toBeGreaterThan(0);
  expect(c.Env).toContain('NODE_ENV=production');
  expect(Object.keys(c.ExposedPorts ?? {}).sort()).toEqual(['8080/tcp', '8090/tcp']);
  // the package's bin is what the entrypoint runs
  const pkg = JSON.parse(fs.readFileSync(path.join(rootfs, 'app/apps/controller/package.json'), 'utf8'));
  expect(pkg.bin['rollouts-controller']).toBe('bin/rollouts-controller.js');
});

imageTest("the filesystem holds the controller's dist and its production dependencies only", () => {
  const app = path.join(rootfs, 'app');
  const exists = (p: string): boolean => fs.existsSync(path.join(app, p));
  for (const p of ['apps/controller/bin/rollouts-controller.js', 'apps/controller/dist/main.js', 'apps/controller/dist/ControllerApp.js']) expect(exists(p)).toBe(true);
  // runtime dependencies, and every first-party workspace the controller loads (linked, with its dist)
  for (const dep of ['@kubernetes/client-node', 'fp-ts', 'io-ts', 'prom-client', 'yaml', 'axios']) expect(exists(`node_modules/${dep}/package.json`)).toBe(true);
  for (const ws of ['api', 'controller', 'core', 'k8s', 'plugin-sdk', 'plugin-http', 'metrics-prometheus', 'traffic-istio']) {
    expect(fs.lstatSync(path.join(app, 'node_modules/@rollouts', ws)).isSymbolicLink()).toBe(true);
    expect(exists(`node_modules/@rollouts/${ws}/dist/index.js`)).toBe(true);
  }
  // no simulator, demo, CLI, tools, tests, sources, dev tools or package manager
  for (const p of [
    'node_modules/@rollouts/kube-sim', 'packages/kube-sim', 'apps/controller/dist/demo.js', 'apps/cli', 'tools', 'apps/controller/test', 'apps/controller/src', 'packages/core/src',
    'node_modules/jest', 'node_modules/ts-jest', 'node_modules/typescript', 'node_modules/nx', 'node_modules/@nx', 'node_modules/@swc', 'node_modules/@changesets', 'node_modules/.bin',
  ]) expect([p, exists(p)]).toEqual([p, false]);
  expect(fs.existsSync(path.join(rootfs, 'usr/lib/node_modules/npm'))).toBe(false);
  expect(fs.existsSync(path.join(rootfs, 'usr/bin/node'))).toBe(true);
  // Report the size.
  const compressed = layers.reduce((n, l) => n + l.size, 0);
  const unpacked = du(rootfs);
  const parts = ['usr/bin/node', 'app/node_modules', 'app/packages', 'app/apps'].map((p) => `${p} ${mb(du(path.join(rootfs, p)))}`);
  console.log(`image size: archive ${mb(fs.statSync(archive).size)}, layers ${mb(compressed)} compressed (${layers.length} layers), ${mb(unpacked)} unpacked (${parts.join(', ')})`);
  expect(unpacked).toBeLessThan(400e6);
});

// ROLLOUTS_IMAGE_RUN=chroot forces the fallback.
const way = (): 'buildah' | 'chroot' => (process.env.ROLLOUTS_IMAGE_RUN !== 'chroot' && has('buildah') ? 'buildah' : 'chroot');
const store = (): string[] => ['--root', path.join(dir, 'storage'), '--runroot', path.join(dir, 'run'), '--storage-driver', 'vfs'];
let container: string | undefined;

function runEntrypoint(args: string[]): { way: string; status: number | null; stdout: string; stderr: string } {
  const c = config.config;
  const argv = [...(c.Entrypoint ?? []), ...args];
  if (way() === 'buildah') {
    // A container from the archive in a throwaway store (made once): buildah run applies the image's user, working
    // directory and environment (it does not apply the entrypoint itself, so argv is the config's Entrypoint).
    if (!container) {
      container = `rollouts-image-test-${process.pid}`;
      execFileSync('buildah', [...store(), 'from', '--pull=never', '--quiet', '--name', container, `oci-archive:${archive}`], { stdio: 'ignore' });
    }
    const r = spawnSync('buildah', [...store(), 'run', '--isolation', 'chroot', container, '--', ...argv], { encoding: 'utf8', timeout: 60_000 });
    return { way: 'buildah run --isolation chroot', status: r.status, stdout: r.stdout, stderr: r.stderr };
  }
  if (process.getuid?.() === 0 && has('chroot')) {
    // chroot(8) always starts in /, so relative paths of the entrypoint are taken from the working directory.
    const wd = c.WorkingDir ?? '/';
    const abs = argv.map((a, i) => (i > 0 && !a.startsWith('-') && fs.existsSync(path.join(rootfs, wd, a)) ? path.posix.join(wd, a) : a));
    const env = Object.fromEntries((c.Env ?? []).map((e) => [e.slice(0, e.indexOf('=')), e.slice(e.indexOf('=') + 1)]));
    const r = spawnSync('chroot', [`--userspec=${c.User ?? '0'}`, rootfs, ...abs], { encoding: 'utf8', env: { ...env, HOME: '/' }, timeout: 60_000 });
    return { way: 'chroot into the unpacked rootfs', status: r.status, stdout: r.stdout, stderr: r.stderr };
  }
  throw new Error('neither buildah nor chroot (as root) is available to run the image');
}

imageTest('the entrypoint runs in the image: --version and --help exit 0', () => {
  const version = runEntrypoint(['--version']);
  console.log(`ran the image's entrypoint with: ${version.way}`);
  expect([version.status, version.stderr]).toEqual([0, '']);
  const pkg = JSON.parse(fs.readFileSync(path.join(root, 'apps/controller/package.json'), 'utf8'));
  expect(version.stdout.trim()).toBe(`rollouts-controller ${pkg.version}`);
  const help = runEntrypoint(['--help']);
  expect(help.status).toBe(0);
  expect(help.stdout).toMatch(/^Usage: rollouts-controller/);
  expect(help.stdout).toContain('--leader-elect');
  // bad flags exit 2, as documented
  expect(runEntrypoint(['--no-such-flag']).status).toBe(2);
}, 180_000);
