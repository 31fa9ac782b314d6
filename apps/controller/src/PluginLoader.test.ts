import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { gzipSync } from 'node:zlib';
import type { Logger, ProviderDeps } from '@rollouts/plugin-sdk';
import { parseFlags } from './Flags';
import { loadConfiguredPlugins, majorOf, parsePluginEntries, PluginLoadError, readTar, type PluginLoaderOptions } from './PluginLoader';

// ---- a tiny tar writer (ustar), so the tests make exactly the archives they need
function header(name: string, size: number, type = '0'): Buffer {
  const h = Buffer.alloc(512, 0);
  h.write(name, 0, 100, 'utf8');
  h.write('0000644\0', 100);
  h.write('0000000\0', 108);
  h.write('0000000\0', 116);
  h.write(size.toString(8).padStart(11, '0') + '\0', 124);
  h.write('00000000000\0', 136);
  h.write('        ', 148);
  h.write(type, 156);
  h.write('ustar\0', 257);
  h.write('00', 263);
  const sum = [...h].reduce((s, b) => s + b, 0);
  h.write(sum.toString(8).padStart(6, '0') + '\0 ', 148);
  return h;
}
function tar(files: Record<string, string>, extra: Buffer[] = []): Buffer {
  const parts: Buffer[] = [...extra];
  for (const [name, text] of Object.entries(files)) {
    const body = Buffer.from(text);
    parts.push(header(name, body.length), body, Buffer.alloc((512 - (body.length % 512)) % 512));
  }
  parts.push(Buffer.alloc(1024));
  return Buffer.concat(parts);
}
const tgz = (files: Record<string, string>): Buffer => gzipSync(tar(Object.fromEntries(Object.entries(files).map(([k, v]) => [`package/${k}`, v]))));
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** A plugin package in CommonJS that uses the controller's SDK and api (resolved through the linked node_modules). */
function routerPackage(o: { kind?: string; sdk?: string; make?: string; exportDefault?: string } = {}): Record<string, string> {
  return {
    'package.json': JSON.stringify({ name: 'acme-router', version: '1.0.0', main: 'dist/index.js', peerDependencies: { '@rollouts/plugin-sdk': o.sdk ?? '^0.1.0' } }),
    'dist/index.js': `'use strict';
const sdk = require('@rollouts/plugin-sdk');
const api = require('@rollouts/api');
Object.defineProperty(exports, '__esModule', { value: true });
exports.default = ${o.exportDefault ?? `sdk.defineTrafficRouter({ kind: ${JSON.stringify(o.kind ?? 'acme/router')}, configCodec: api.struct('AcmeRouter', {}, {}), make: ${o.make ?? '() => () => ({})'} })`};
`,
  };
}

let dir: string;
let pluginDir: string;
let logs: Array<[string, string, Record<string, unknown>]>;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'plugin-loader-'));
  pluginDir = path.join(dir, 'plugins');
  logs = [];
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const log: Logger = {
  debug: (m, f) => void logs.push(['debug', m, f ?? {}]),
  info: (m, f) => void logs.push(['info', m, f ?? {}]),
  warn: (m, f) => void logs.push(['warn', m, f ?? {}]),
  error: (m, f) => void logs.push(['error', m, f ?? {}]),
};
const deps: ProviderDeps = { kube: {} as ProviderDeps['kube'], log, now: () => 0, env: {} };

function options(data: Record<string, string> | undefined, more: Partial<PluginLoaderOptions> = {}): PluginLoaderOptions {
  return {
    namespace: 'argo-rollouts',
    readConfigMap: async (ns, name) => (ns === 'argo-rollouts' && name === 'argo-rollouts-config' && data !== undefined ? { data } : undefined),
    pluginDir,
    builtIn: { trafficRouters: ['nginx', 'argoproj-labs/gatewayAPI'], metricProviders: ['prometheus'] },
    log,
    deps,
    stepPluginsSupported: false,
    ...more,
  };
}
const write = (name: string, bytes: Buffer | string): string => {
  const file = path.join(dir, name);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, bytes);
  return file;
};
const entry = (name: string, location: string, more = '') => `- name: ${name}\n  location: ${location}\n${more}`;
const failure = async (o: PluginLoaderOptions): Promise<PluginLoadError> => {
  const e = await loadConfiguredPlugins(o).then(
    () => undefined,
    (err: unknown) => err,
  );
  if (!(e instanceof PluginLoadError)) throw new Error(`expected a PluginLoadError, got ${String(e)}`);
  return e;
};

describe('loadConfiguredPlugins', () => {
  it('no ConfigMap, or one without plugin keys: nothing to load', async () => {
    expect(await loadConfiguredPlugins(options(undefined))).toEqual({ trafficRouters: [], metricProviders: [], stepPlugins: [], builtIn: [], disabledStepPlugins: [] });
    expect(await loadConfiguredPlugins(options({ other: 'x' }))).toEqual({ trafficRouters: [], metricProviders: [], stepPlugins: [], builtIn: [], disabledStepPlugins: [] });
  });

  it('a file:// npm tarball is unpacked under the plugin dir and imported; it resolves the controller SDK through the linked node_modules', async () => {
    const file = write('acme-router-1.0.0.tgz', tgz(routerPackage()));
    const got = await loadConfiguredPlugins(options({ trafficRouterPlugins: entry('acme/router', `file://${file}`) }));
    expect(got.trafficRouters.map((p) => p.kind)).toEqual(['acme/router']);
    expect(existsSync(path.join(pluginDir, 'acme_router', 'dist', 'index.js'))).toBe(true);
    expect(existsSync(path.join(pluginDir, 'node_modules', '@rollouts', 'plugin-sdk', 'package.json'))).toBe(true);
    expect(logs).toContainEqual(['info', 'plugin acme/router loaded', expect.objectContaining({ plugin: 'acme/router', sdk: '^0.1.0' })]);
  });

  it('a plugin dir kept from elsewhere: a shared-package link to another copy is pointed at the controller\'s', async () => {
    const stale = path.join(dir, 'old-sdk');
    mkdirSync(stale);
    mkdirSync(path.join(pluginDir, 'node_modules', '@rollouts'), { recursive: true });
    symlinkSync(stale, path.join(pluginDir, 'node_modules', '@rollouts', 'plugin-sdk'), 'dir');
    const file = write('acme-router-1.0.0.tgz', tgz(routerPackage()));
    const got = await loadConfiguredPlugins(options({ trafficRouterPlugins: entry('acme/router', `file://${file}`) }));
    expect(got.trafficRouters.map((p) => p.kind)).toEqual(['acme/router']);
    expect(realpathSync(path.join(pluginDir, 'node_modules', '@rollouts', 'plugin-sdk'))).toBe(realpathSync(path.dirname(require.resolve('@rollouts/plugin-sdk/package.json'))));
  });

  it('a file:// ES module file is imported in place; a lone file declares sdkVersion on its default export', async () => {
    const file = write(
      'acme-value.mjs',
      `export default { kind: 'acme/value', sdkVersion: '0.1.0', configCodec: { node: { type: 'object', properties: {}, preserveUnknown: false } }, make: () => () => ({ run: () => async () => ({ _tag: 'Right', right: { _tag: 'Value', value: 1 } }) }) };\n`,
    );
    const got = await loadConfiguredPlugins(options({ metricProviderPlugins: entry('acme/value', `file://${file}`) }));
    expect(got.metricProviders.map((p) => p.kind)).toEqual(['acme/value']);
    const provider = got.metricProviders[0]!.make(deps)({});
    expect(await provider.run({} as never)()).toEqual({ _tag: 'Right', right: { _tag: 'Value', value: 1 } });
  });

  it('https://: downloaded with the headersFrom Secret values as headers, checked against sha256, then unpacked', async () => {
    const bytes = tgz(routerPackage());
    const asked: Array<[string, Record<string, string>]> = [];
    const download = async (url: string, headers: Readonly<Record<string, string>>) => {
      asked.push([url, { ...headers }]);
      return bytes;
    };
    const readSecret = async (_ns: string, name: string) => (name === 'repo-auth' ? { data: { Authorization: Buffer.from('Bearer s3cr3t').toString('base64') } } : undefined);
    const data = { trafficRouterPlugins: entry('acme/router', 'https://plugins.example/acme.tgz', `  sha256: ${sha(bytes)}\n  headersFrom:\n    - secretRef:\n        name: repo-auth\n`) };
    const got = await loadConfiguredPlugins(options(data, { download, readSecret }));
    expect(got.trafficRouters.map((p) => p.kind)).toEqual(['acme/router']);
    expect(asked).toEqual([['https://plugins.example/acme.tgz', { Authorization: 'Bearer s3cr3t' }]]);
    expect(JSON.stringify(logs)).not.toContain('s3cr3t');
  });

  it('a wrong sha256 stops the start, naming the plugin and both checksums', async () => {
    const bytes = tgz(routerPackage());
    const wrong = 'a'.repeat(64);
    const e = await failure(options({ trafficRouterPlugins: entry('acme/router', 'https://plugins.example/acme.tgz', `  sha256: ${wrong}\n`) }, { download: async () => bytes }));
    expect(e.message).toBe(`plugin acme/router: sha256 mismatch for https://plugins.example/acme.tgz: the ConfigMap says ${wrong}, the file is ${sha(bytes)}`);
  });

  it('the sha256 of a file:// location is checked too when given', async () => {
    const file = write('acme.tgz', tgz(routerPackage()));
    const e = await failure(options({ trafficRouterPlugins: entry('acme/router', `file://${file}`, `  sha256: ${'b'.repeat(64)}\n`) }));
    expect(e.message).toContain('plugin acme/router: sha256 mismatch');
  });

  it.each<[string, string, string]>([
    ['https:// without sha256', entry('acme/router', 'https://plugins.example/a.tgz'), 'plugin acme/router: trafficRouterPlugins[0].sha256: required for an https:// location'],
    ['http://', entry('acme/router', 'http://plugins.example/a.tgz', `  sha256: ${'c'.repeat(64)}\n`), 'plugin acme/router: trafficRouterPlugins[0].location: "http://plugins.example/a.tgz" is neither file://'],
    ['args', entry('acme/router', 'file:///p.tgz', '  args: ["-v"]\n'), 'plugin acme/router: trafficRouterPlugins[0].args: not supported'],
    ['an unknown field', entry('acme/router', 'file:///p.tgz', '  sha: x\n'), 'plugin acme/router: trafficRouterPlugins[0].sha: unknown field'],
    ['no name', '- location: file:///p.tgz\n', 'plugin trafficRouterPlugins[0]: trafficRouterPlugins[0].name: required'],
    ['a name twice', entry('acme/router', 'file:///a.tgz') + entry('acme/router', 'file:///b.tgz'), 'plugin acme/router: configured twice (trafficRouterPlugins[0] and trafficRouterPlugins[1])'],
    ['a missing file', entry('acme/router', 'file:///nowhere/acme.tgz'), 'plugin acme/router: /nowhere/acme.tgz does not exist'],
  ])('%s stops the start with a message naming the plugin and field', async (_what, yaml, message) => {
    expect((await failure(options({ trafficRouterPlugins: yaml }))).message).toContain(message);
  });

  it.each<[string, Record<string, string>, string]>([
    ['not a plugin', routerPackage({ exportDefault: '"hello"' }), 'its default export is string, not a defineTrafficRouter(...) value'],
    ['a plugin without make', routerPackage({ exportDefault: "{ kind: 'acme/router', configCodec: api.struct('X', {}, {}) }" }), 'it lacks make (a function)'],
    ['another kind', routerPackage({ kind: 'acme/other' }), 'its kind is "acme/other", the ConfigMap names it "acme/router"'],
    ['another SDK major', routerPackage({ sdk: '^1.0.0' }), 'built against @rollouts/plugin-sdk ^1.0.0 (peerDependencies of its package.json); this controller has 0.1.0: the major versions differ'],
    ['an SDK range spanning majors', routerPackage({ sdk: '>=0.1.0' }), 'does not name one major version'],
    ['a make that throws', routerPackage({ make: "() => { throw new Error('no ACME_TOKEN') }" }), 'throws at registration (make): no ACME_TOKEN'],
  ])('%s stops the start', async (_what, files, message) => {
    const file = write('acme.tgz', tgz(files));
    const e = await failure(options({ trafficRouterPlugins: entry('acme/router', `file://${file}`) }, { sdkVersion: '0.1.0' }));
    expect(e.plugin).toBe('acme/router');
    expect(e.message).toContain(message);
  });

  it('a package that does not declare its SDK version stops the start', async () => {
    const files = routerPackage();
    files['package.json'] = JSON.stringify({ name: 'acme-router', main: 'dist/index.js' });
    const file = write('acme.tgz', tgz(files));
    expect((await failure(options({ trafficRouterPlugins: entry('acme/router', `file://${file}`) }))).message).toContain('does not declare the @rollouts/plugin-sdk version');
  });

  it('a module that cannot be imported stops the start with the import error', async () => {
    const file = write('broken.mjs', 'export default {;\n');
    expect((await failure(options({ metricProviderPlugins: entry('acme/value', `file://${file}`) }))).message).toMatch(/^plugin acme\/value: cannot import .*broken\.mjs: /);
  });

  it('disabled: true is skipped with an info line; a built-in name is served by the built-in without fetching anything', async () => {
    const data = {
      trafficRouterPlugins: entry('acme/router', 'file:///nowhere/a.tgz', '  disabled: true\n') + entry('argoproj-labs/gatewayAPI', 'https://github.com/argoproj-labs/plugin/releases/x', `  sha256: ${'d'.repeat(64)}\n`),
    };
    const got = await loadConfiguredPlugins(options(data, { download: async () => Promise.reject(new Error('must not download')) }));
    expect(got).toEqual({ trafficRouters: [], metricProviders: [], stepPlugins: [], builtIn: ['argoproj-labs/gatewayAPI'], disabledStepPlugins: [] });
    expect(logs.map(([level, m]) => [level, m])).toEqual([
      ['info', 'plugin acme/router is disabled in ConfigMap argo-rollouts/argo-rollouts-config: not loaded'],
      ['info', "plugin argoproj-labs/gatewayAPI is served by this controller's built-in implementation: https://github.com/argoproj-labs/plugin/releases/x is not loaded"],
    ]);
  });

  it('a step plugin is identified by its name field; a disabled one is listed so that its steps are skipped', async () => {
    const step = write(
      'gate.mjs',
      `export default { name: 'acme/gate', sdkVersion: '^0.1.0', configCodec: { node: { type: 'object', properties: {}, preserveUnknown: false } }, make: () => () => ({ run() {}, terminate() {}, abort() {} }) };\n`,
    );
    const data = { stepPlugins: entry('acme/gate', `file://${step}`) + entry('acme/off', 'file:///nowhere.tgz', '  disabled: true\n') };
    const got = await loadConfiguredPlugins(options(data, { stepPluginsSupported: true }));
    expect(got.stepPlugins.map((p) => p.name)).toEqual(['acme/gate']);
    expect(got.disabledStepPlugins).toEqual(['acme/off']);
    expect(logs.map(([, m]) => m)).toContain('plugin acme/off is disabled in ConfigMap argo-rollouts/argo-rollouts-config: not loaded; its steps are skipped');
    const wrongName = write('gate2.mjs', `export default { kind: 'acme/gate2', sdkVersion: '0.1.0', configCodec: { node: {} }, make: () => () => ({}) };\n`);
    const e = await failure(options({ stepPlugins: entry('acme/gate2', `file://${wrongName}`) }, { stepPluginsSupported: true }));
    expect(e.message).toContain('its default export is not a defineStepPlugin(...) value: it lacks name (a string)');
  });

  it('a step plugin with a controller that cannot register step plugins stops the start', async () => {
    expect((await failure(options({ stepPlugins: entry('acme/step', 'file:///s.tgz') }))).message).toBe('plugin acme/step: step plugins cannot be registered with this controller build');
  });

  it('a ConfigMap that cannot be read is an error in the log, and nothing is loaded', async () => {
    const got = await loadConfiguredPlugins({ ...options(undefined), readConfigMap: async () => new Error('configmaps "argo-rollouts-config" is forbidden') });
    expect(got.trafficRouters).toEqual([]);
    expect(logs).toEqual([['error', 'cannot read ConfigMap argo-rollouts/argo-rollouts-config: plugins configured there (if any) are not loaded; Rollouts that use them are InvalidSpec', { error: 'configmaps "argo-rollouts-config" is forbidden' }]]);
  });
});

describe('readTar', () => {
  it('reads ustar files, GNU long names and pax paths', () => {
    const long = `package/${'d'.repeat(120)}/index.js`;
    const longBody = Buffer.from(long + '\0');
    const pax = Buffer.from(`${`00 path=package/pax.js\n`.length} path=package/pax.js\n`.replace(/^\d+/, (n) => String(Number(n))));
    const extra = [
      header('././@LongLink', longBody.length, 'L'), longBody, Buffer.alloc(512 - longBody.length),
      header('PaxHeader', pax.length, 'x'), pax, Buffer.alloc(512 - pax.length),
    ];
    const withExtras = Buffer.concat([...extra.slice(0, 3), tar({ ignored: 'long' }).subarray(0, 1024), ...extra.slice(3), tar({ ignored2: 'pax' }).subarray(0, 1024), Buffer.alloc(1024)]);
    expect(readTar(withExtras).map((f) => [f.path, f.data.toString()])).toEqual([
      [long, 'long'],
      ['package/pax.js', 'pax'],
    ]);
  });

  it('refuses paths outside the package, links, and damaged headers', () => {
    expect(() => readTar(tar({ 'package/../../etc/passwd': 'x' }))).toThrow('a path outside the package');
    expect(() => readTar(tar({ '/etc/passwd': 'x' }))).toThrow('a path outside the package');
    expect(() => readTar(Buffer.concat([header('package/link', 0, '2'), Buffer.alloc(1024)]))).toThrow('entry type "2" (links and devices) is not allowed');
    const damaged = tar({ 'package/a.js': 'x' });
    damaged[0] = 'q'.charCodeAt(0);
    expect(() => readTar(damaged)).toThrow('header checksum mismatch');
  });
});

describe('parsePluginEntries and majorOf', () => {
  it('normalises an entry', () => {
    expect(parsePluginEntries({ metricProviderPlugins: entry('acme/v', 'https://x/v.mjs', `  sha256: ${'A'.repeat(64)}\n  args: []\n`) })).toEqual([
      { key: 'metricProviderPlugins', at: 'metricProviderPlugins[0]', name: 'acme/v', location: 'https://x/v.mjs', sha256: 'a'.repeat(64), disabled: false, headersFrom: [] },
    ]);
  });

  it.each<[string, number | undefined]>([
    ['^0.1.0', 0], ['~1.2.3', 1], ['1.2.3', 1], ['2.x', 2], ['3', 3], ['0.1.0-rc.1', 0],
    ['*', undefined], ['>=1.0.0', undefined], ['1 || 2', undefined], ['', undefined],
  ])('majorOf(%j) is %j', (range, major) => expect(majorOf(range)).toBe(major));

  it('the default SDK version is the SDK package.json', () => {
    const pkg = JSON.parse(readFileSync(require.resolve('@rollouts/plugin-sdk/package.json'), 'utf8')) as { version: string };
    expect(majorOf(pkg.version)).toBe(0);
  });
});

describe('--plugin-dir', () => {
  const dirOf = (argv: string[], env: Record<string, string> = {}) => {
    const r = parseFlags(argv, env);
    return r._tag === 'Right' ? r.right.pluginDir : r.left;
  };
  it('defaults to $ROLLOUTS_PLUGIN_DIR, else /tmp/rollouts-plugins; the flag wins', () => {
    expect(dirOf([])).toBe('/tmp/rollouts-plugins');
    expect(dirOf([], { ROLLOUTS_PLUGIN_DIR: '/plugins' })).toBe('/plugins');
    expect(dirOf(['--plugin-dir', '/var/plugins'], { ROLLOUTS_PLUGIN_DIR: '/plugins' })).toBe('/var/plugins');
  });
});
