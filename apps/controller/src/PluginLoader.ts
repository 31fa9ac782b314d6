/**
 * Third-party plugins named in Argo's `argo-rollouts-config` ConfigMap, loaded by the stock controller at start.
 *
 * ```yaml
 * data:
 *   trafficRouterPlugins: |
 *     - name: acme/configmap-weights           # the plugin's kind: the key under trafficRouting.plugins
 *       location: https://example.com/acme-router-1.2.0.tgz
 *       sha256: 0f3c...                        # mandatory for https://
 *   metricProviderPlugins: |
 *     - name: acme/configmap-value
 *       location: file:///plugins/acme-value/dist/index.js
 * ```
 *
 * A location is an npm tarball (`npm pack`: unpacked into `<plugin dir>/<name>/`) or an ES module file, either
 * `file://` (inside the image) or `https://` (downloaded, with `headersFrom` Secrets as request headers, and checked
 * against `sha256`). The module's default export must be a `defineTrafficRouter` / `defineMetricProvider` /
 * `defineStepPlugin` value whose `kind` (a step plugin's `name`) is the configured `name`, built against the same major version of
 * `@rollouts/plugin-sdk` as this controller: the package declares it in package.json (`peerDependencies` or
 * `dependencies` on `@rollouts/plugin-sdk`, one major such as `^0.1.0`), a lone module file as `sdkVersion` on its
 * default export. A tarball's plugin resolves `@rollouts/plugin-sdk`, `@rollouts/api` and `fp-ts` to the controller's
 * own copies (linked into `<plugin dir>/node_modules`) unless it bundles its own; anything else it needs it bundles.
 *
 * A name this controller already serves (Argo's `argoproj-labs/gatewayAPI`, ...) is not loaded: the built-in serves
 * it (an info line). `disabled: true` is skipped (an info line; a disabled step plugin's steps are skipped). Anything else that goes wrong (bad entry, not found,
 * checksum mismatch, not a plugin, another SDK major, `make` throwing) throws a {@link PluginLoadError} naming the
 * plugin: the start stops.
 */
import { createHash } from 'node:crypto';
import { existsSync, lstatSync, mkdirSync, readFileSync, readlinkSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as vm from 'node:vm';
import { gunzipSync } from 'node:zlib';
import { parse } from 'yaml';
import type { Logger, MetricProviderPlugin, ProviderDeps, StepPlugin, TrafficRouterPlugin } from '@rollouts/plugin-sdk';
import type { ConfigMapReader } from './ArgoConfigMaps';

export const PLUGIN_CONFIG_MAP = 'argo-rollouts-config';
export const DEFAULT_PLUGIN_DIR = '/tmp/rollouts-plugins';
export const PLUGIN_KEYS = ['trafficRouterPlugins', 'metricProviderPlugins', 'stepPlugins'] as const;
export type PluginKey = (typeof PLUGIN_KEYS)[number];

/** The packages a plugin shares with the controller (one copy, so codecs, errors and Eithers are the host's). */
export const SHARED_PACKAGES = ['@rollouts/plugin-sdk', '@rollouts/api', 'fp-ts'] as const;

/** The start stops: `plugin` is the configured name (or `key[index]` when the entry has none). */
export class PluginLoadError extends Error {
  constructor(
    readonly plugin: string,
    readonly reason: string,
  ) {
    super(`plugin ${plugin}: ${reason}`);
    this.name = 'PluginLoadError';
  }
}

/** One entry of the ConfigMap, checked. */
export interface PluginEntry {
  readonly key: PluginKey;
  /** `trafficRouterPlugins[0]`, for messages. */
  readonly at: string;
  readonly name: string;
  readonly location: string;
  readonly sha256?: string;
  readonly disabled: boolean;
  /** Secret names whose data are request headers for an https:// download. */
  readonly headersFrom: readonly string[];
}

export interface LoadedPlugins {
  readonly trafficRouters: ReadonlyArray<TrafficRouterPlugin<any>>;
  readonly metricProviders: ReadonlyArray<MetricProviderPlugin<any>>;
  readonly stepPlugins: ReadonlyArray<StepPlugin<any>>;
  /** Configured names served by a built-in implementation instead (not loaded). */
  readonly builtIn: readonly string[];
  /** Step plugins configured with `disabled: true`: not loaded, and their steps are skipped (Argo's meaning). */
  readonly disabledStepPlugins: readonly string[];
}

export type SecretReader = (namespace: string, name: string) => Promise<{ readonly data?: Readonly<Record<string, string>> | null } | undefined | Error>;

export interface PluginLoaderOptions {
  /** The controller's namespace ($POD_NAMESPACE, else argo-rollouts): where the ConfigMap and header Secrets are. */
  readonly namespace: string;
  readonly readConfigMap: ConfigMapReader;
  /** For `headersFrom` (absent: an entry with headersFrom is an error). */
  readonly readSecret?: SecretReader;
  /** Where tarballs are unpacked and downloads kept (`--plugin-dir`). */
  readonly pluginDir: string;
  /** Kinds the controller serves itself (first-party and custom-image plugins), per key. */
  readonly builtIn: { readonly trafficRouters: readonly string[]; readonly metricProviders: readonly string[]; readonly stepPlugins?: readonly string[] };
  readonly log: Logger;
  /** The deps `make` is called with once at load (a plugin that throws there stops the start). */
  readonly deps: ProviderDeps;
  /** Whether step plugins can be registered with this controller (false: a configured one is an error). */
  readonly stepPluginsSupported: boolean;
  /** GET `url` with `headers`, resolving with the body (default: axios, https only, 60 s). */
  readonly download?: (url: string, headers: Readonly<Record<string, string>>) => Promise<Buffer>;
  /** Import an ES module (or CommonJS) file by its file: URL (default: Node's loader, also from CommonJS and under jest). */
  readonly importModule?: (url: string) => Promise<unknown>;
  /** The controller's @rollouts/plugin-sdk version (default: its package.json). */
  readonly sdkVersion?: string;
}

// ---------------------------------------------------------------------------------------------------------
// The ConfigMap

/** An error's message, also for errors from another realm (a module imported into Node's main context). */
const messageOf = (e: unknown): string => (typeof e === 'object' && e !== null && typeof (e as { message?: unknown }).message === 'string' ? (e as { message: string }).message : String(e));

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The entries of the ConfigMap's three keys; throws a PluginLoadError naming the first bad field. */
export function parsePluginEntries(data: Readonly<Record<string, string>>): PluginEntry[] {
  const out: PluginEntry[] = [];
  const seen = new Map<string, string>();
  for (const key of PLUGIN_KEYS) {
    const raw = data[key];
    if (raw === undefined || raw.trim() === '') continue;
    let list: unknown;
    try {
      list = parse(raw);
    } catch (e) {
      throw new PluginLoadError(key, `ConfigMap ${PLUGIN_CONFIG_MAP} key ${key} is not YAML: ${(e as Error).message.split('\n')[0] ?? ''}`);
    }
    if (list === null || list === undefined) continue;
    if (!Array.isArray(list)) throw new PluginLoadError(key, `${key}: expected a list of {name, location, sha256}, got ${typeof list}`);
    for (const [i, item] of list.entries()) {
      const at = `${key}[${i}]`;
      if (!isRecord(item)) throw new PluginLoadError(at, `${at}: expected an object {name, location, sha256}`);
      const name = item['name'];
      if (typeof name !== 'string' || name === '') throw new PluginLoadError(at, `${at}.name: required (a string)`);
      const bad = (field: string, why: string): never => {
        throw new PluginLoadError(name, `${at}.${field}: ${why}`);
      };
      const known = ['name', 'location', 'sha256', 'args', 'disabled', 'headersFrom'];
      for (const k of Object.keys(item)) if (!known.includes(k)) bad(k, `unknown field (known: ${known.join(', ')})`);
      const location = item['location'];
      if (typeof location !== 'string' || location === '') bad('location', 'required (a file:// or https:// URL)');
      const loc = location as string;
      const disabled = item['disabled'] ?? false;
      if (typeof disabled !== 'boolean') bad('disabled', `expected true or false, got ${JSON.stringify(disabled)}`);
      const sha = item['sha256'];
      if (sha !== undefined && sha !== null && sha !== '' && (typeof sha !== 'string' || !/^[0-9a-fA-F]{64}$/.test(sha))) bad('sha256', 'expected 64 hexadecimal digits');
      const sha256 = typeof sha === 'string' && sha !== '' ? sha.toLowerCase() : undefined;
      if (!/^file:\/\//.test(loc) && !/^https:\/\//.test(loc)) bad('location', `"${loc}" is neither file:// (a path inside the image) nor https://`);
      if (loc.startsWith('https://') && sha256 === undefined) bad('sha256', 'required for an https:// location (the checksum of the file downloaded)');
      const args = item['args'];
      if (args !== undefined && args !== null && !(Array.isArray(args) && args.length === 0))
        bad('args', "not supported: a JavaScript plugin takes no command line; its settings come from the Rollout's or metric's plugin config");
      const hf = item['headersFrom'] ?? [];
      if (!Array.isArray(hf)) bad('headersFrom', 'expected a list of {secretRef: {name}}');
      const headersFrom = (hf as unknown[]).map((h, j) => {
        const ref = isRecord(h) && isRecord(h['secretRef']) ? h['secretRef']['name'] : undefined;
        if (typeof ref !== 'string' || ref === '') bad(`headersFrom[${j}].secretRef.name`, 'required (a Secret in the controller namespace)');
        return ref as string;
      });
      if (headersFrom.length > 0 && !loc.startsWith('https://')) bad('headersFrom', 'only for an https:// location');
      const before = seen.get(name);
      if (before !== undefined) throw new PluginLoadError(name, `configured twice (${before} and ${at})`);
      seen.set(name, at);
      out.push({ key, at, name, location: loc, ...(sha256 !== undefined ? { sha256 } : {}), disabled: disabled as boolean, headersFrom });
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------
// Tarballs

/**
 * The files of a tar archive (ustar, with GNU long names and pax `path` records), as relative paths. Directories
 * are implied; links and devices are refused, and so is any path that is absolute or climbs out with `..`.
 */
export function readTar(tar: Buffer): Array<{ readonly path: string; readonly data: Buffer }> {
  const files: Array<{ path: string; data: Buffer }> = [];
  let offset = 0;
  let longName: string | undefined;
  const str = (b: Buffer) => {
    const z = b.indexOf(0);
    return b.subarray(0, z < 0 ? b.length : z).toString('utf8');
  };
  while (offset + 512 <= tar.length) {
    const h = tar.subarray(offset, offset + 512);
    if (h.every((b) => b === 0)) break;
    const sizeField = str(h.subarray(124, 136)).trim();
    const size = sizeField === '' ? 0 : parseInt(sizeField, 8);
    if (!Number.isFinite(size) || size < 0) throw new Error(`tar: bad size field at offset ${offset}`);
    const sum = [...h].reduce((s, b, i) => s + (i >= 148 && i < 156 ? 32 : b), 0);
    if (parseInt(str(h.subarray(148, 156)).trim(), 8) !== sum) throw new Error(`tar: header checksum mismatch at offset ${offset} (not a tar archive, or damaged)`);
    const type = String.fromCharCode(h[156] ?? 0);
    const prefix = h.subarray(257, 262).toString('latin1') === 'ustar' ? str(h.subarray(345, 500)) : '';
    let name = longName ?? (prefix !== '' ? `${prefix}/${str(h.subarray(0, 100))}` : str(h.subarray(0, 100)));
    const body = tar.subarray(offset + 512, offset + 512 + size);
    if (body.length < size) throw new Error(`tar: ${name} is truncated`);
    offset += 512 + Math.ceil(size / 512) * 512;
    if (type === 'L') {
      longName = str(body);
      continue;
    }
    if (type === 'x') {
      const m = /(?:^|\n)\d+ path=([^\n]*)\n/.exec(body.toString('utf8'));
      longName = m?.[1] ?? longName;
      continue;
    }
    if (type === 'g') continue;
    longName = undefined;
    if (type === '5') continue;
    if (type !== '0' && type !== '\0' && type !== '7') throw new Error(`tar: ${name}: entry type "${type}" (links and devices) is not allowed in a plugin package`);
    name = name.replace(/^\.\//, '');
    if (name.startsWith('/') || name.split('/').includes('..')) throw new Error(`tar: ${name}: a path outside the package`);
    files.push({ path: name, data: Buffer.from(body) });
  }
  return files;
}

/** Unpack an npm tarball (gzip + tar, one top-level folder such as `package/`) into `dir` (emptied first). */
export function unpackTarball(tgz: Buffer, dir: string): void {
  let tar: Buffer;
  try {
    tar = gunzipSync(tgz);
  } catch (e) {
    throw new Error(`not a gzip file: ${(e as Error).message}`);
  }
  const files = readTar(tar);
  if (files.length === 0) throw new Error('the archive holds no file');
  const tops = new Set(files.map((f) => f.path.split('/')[0]));
  const strip = tops.size === 1 && files.every((f) => f.path.includes('/'));
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  for (const f of files) {
    const rel = strip ? f.path.slice(f.path.indexOf('/') + 1) : f.path;
    const target = path.join(dir, rel);
    if (!target.startsWith(dir + path.sep)) throw new Error(`tar: ${f.path}: a path outside the package`);
    mkdirSync(path.dirname(target), { recursive: true });
    writeFileSync(target, f.data);
  }
}

// ---------------------------------------------------------------------------------------------------------
// Packages, versions, import

/** The file a package's `exports["."]` (import / default) or `main` names, else index.js. */
export function packageEntry(dir: string, pkg: Record<string, unknown>): string {
  let rel: unknown = pkg['exports'];
  if (isRecord(rel) && '.' in rel) rel = rel['.'];
  for (let i = 0; i < 4 && isRecord(rel); i++) rel = rel['import'] ?? rel['node'] ?? rel['default'] ?? rel['require'];
  if (typeof rel !== 'string') rel = typeof pkg['module'] === 'string' ? pkg['module'] : pkg['main'];
  return path.join(dir, typeof rel === 'string' ? rel : 'index.js');
}

/** The single major a range such as `^0.1.0`, `~1.2.3`, `1.2.3`, `1.x` or `1` allows; undefined for others (`*`, `>=1`, `1 || 2`). */
export function majorOf(range: string): number | undefined {
  const m = /^\s*[\^~=v]*\s*(\d+)(?:\.(?:\d+|x|\*)(?:\.(?:\d+|x|\*))?)?(?:[-+][0-9A-Za-z.-]*)?\s*$/.exec(range);
  return m === null ? undefined : Number(m[1]);
}

/** The host SDK's version (its package.json). */
export function hostSdkVersion(): string {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (require('@rollouts/plugin-sdk/package.json') as { version: string }).version;
}

const DYNAMIC_IMPORT = 'return import(specifier)';

/**
 * A real dynamic `import()` from this CommonJS build: tsc and jest would turn a literal `import()` into
 * `require()`, which cannot load an ES module. Inside a sandbox without a dynamic-import hook (jest's vm
 * contexts) the call is compiled again with Node's main-context loader.
 */
export async function nativeImport(url: string): Promise<unknown> {
  try {
    // eslint-disable-next-line @typescript-eslint/no-implied-eval
    return await (new Function('specifier', DYNAMIC_IMPORT) as (s: string) => Promise<unknown>)(url);
  } catch (e) {
    const loader = (vm as unknown as { constants?: { USE_MAIN_CONTEXT_DEFAULT_LOADER?: symbol } }).constants?.USE_MAIN_CONTEXT_DEFAULT_LOADER;
    const code = String((e as { code?: unknown } | null)?.code ?? '');
    if (!code.startsWith('ERR_VM_DYNAMIC_IMPORT_CALLBACK_MISSING') || loader === undefined) throw e;
    return (vm.compileFunction(DYNAMIC_IMPORT, ['specifier'], { importModuleDynamically: loader as never }) as (s: string) => Promise<unknown>)(url);
  }
}

async function axiosDownload(url: string, headers: Readonly<Record<string, string>>): Promise<Buffer> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const axios = require('axios') as import('axios').AxiosStatic;
  const r = await axios.get<ArrayBuffer>(url, { headers: { ...headers }, responseType: 'arraybuffer', timeout: 60_000, maxRedirects: 5, validateStatus: () => true });
  if (r.status !== 200) throw new Error(`GET ${url}: HTTP ${r.status}`);
  return Buffer.from(r.data);
}

const sha256Of = (b: Buffer): string => createHash('sha256').update(b).digest('hex');
const isGzip = (b: Buffer): boolean => b.length > 2 && b[0] === 0x1f && b[1] === 0x8b;
/** A directory name for a plugin name (`acme/router` -> `acme__router`). */
const slug = (name: string): string => name.replace(/[^A-Za-z0-9._-]/g, '_').replace(/^\.+/, '_');

/** The package.json at or above `file` (stopping at the file system root or a node_modules folder). */
function nearestPackageJson(file: string): Record<string, unknown> | undefined {
  for (let dir = path.dirname(file); ; dir = path.dirname(dir)) {
    const p = path.join(dir, 'package.json');
    if (existsSync(p)) return JSON.parse(readFileSync(p, 'utf8')) as Record<string, unknown>;
    if (path.basename(dir) === 'node_modules' || path.dirname(dir) === dir) return undefined;
  }
}

/** Link the controller's shared packages into `<pluginDir>/node_modules` (once), so unpacked plugins resolve them. */
function linkSharedPackages(pluginDir: string): void {
  for (const name of SHARED_PACKAGES) {
    const link = path.join(pluginDir, 'node_modules', name);
    let hostDir: string;
    try {
      hostDir = path.dirname(require.resolve(`${name}/package.json`));
    } catch {
      continue;
    }
    try {
      lstatSync(link);
      // a plugin dir kept from another controller version: point it at this one's copy
      if (path.resolve(path.dirname(link), readlinkSync(link)) === hostDir) continue;
      rmSync(link, { recursive: true, force: true });
    } catch {
      // not linked yet
    }
    mkdirSync(path.dirname(link), { recursive: true });
    symlinkSync(hostDir, link, 'dir');
  }
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'object') return `an object with keys ${Object.keys(v as object).join(', ') || '(none)'}`;
  return typeof v;
}

const WHAT: Record<PluginKey, string> = { trafficRouterPlugins: 'defineTrafficRouter', metricProviderPlugins: 'defineMetricProvider', stepPlugins: 'defineStepPlugin' };

/** The field that names a plugin: `kind` for routers and providers, `name` for step plugins (as the SDK's types have it). */
const idField = (key: PluginKey): 'kind' | 'name' => (key === 'stepPlugins' ? 'name' : 'kind');

/** Why `v` is not a plugin of `key`'s kind (undefined: it is). */
function shapeProblem(key: PluginKey, v: unknown): string | undefined {
  if (!isRecord(v)) return `its default export is ${describe(v)}, not a ${WHAT[key]}(...) value`;
  const missing: string[] = [];
  const id = idField(key);
  if (typeof v[id] !== 'string' || v[id] === '') missing.push(`${id} (a string)`);
  if (typeof v['make'] !== 'function') missing.push('make (a function)');
  if (!(isRecord(v['configCodec']) && isRecord(v['configCodec']['node']))) missing.push('configCodec (a Codec of @rollouts/api)');
  return missing.length > 0 ? `its default export is not a ${WHAT[key]}(...) value: it lacks ${missing.join(', ')}` : undefined;
}

// ---------------------------------------------------------------------------------------------------------
// Loading

/** Read the ConfigMap and load every plugin it names; throws a PluginLoadError (or nothing to load: empty lists). */
export async function loadConfiguredPlugins(o: PluginLoaderOptions): Promise<LoadedPlugins> {
  const none: LoadedPlugins = { trafficRouters: [], metricProviders: [], stepPlugins: [], builtIn: [], disabledStepPlugins: [] };
  const cm = await o.readConfigMap(o.namespace, PLUGIN_CONFIG_MAP);
  if (cm instanceof Error) {
    o.log.error(`cannot read ConfigMap ${o.namespace}/${PLUGIN_CONFIG_MAP}: plugins configured there (if any) are not loaded; Rollouts that use them are InvalidSpec`, { error: cm.message });
    return none;
  }
  if (cm === undefined) return none;
  const entries = parsePluginEntries(cm.data ?? {});
  if (entries.length === 0) return none;
  const hostVersion = o.sdkVersion ?? hostSdkVersion();
  const hostMajor = majorOf(hostVersion);
  const trafficRouters: Array<TrafficRouterPlugin<any>> = [];
  const metricProviders: Array<MetricProviderPlugin<any>> = [];
  const stepPlugins: Array<StepPlugin<any>> = [];
  const builtIn: string[] = [];
  const disabledStepPlugins: string[] = [];
  const builtInOf: Record<PluginKey, readonly string[]> = { trafficRouterPlugins: o.builtIn.trafficRouters, metricProviderPlugins: o.builtIn.metricProviders, stepPlugins: o.builtIn.stepPlugins ?? [] };

  for (const e of entries) {
    const fail = (reason: string): never => {
      throw new PluginLoadError(e.name, reason);
    };
    if (e.disabled) {
      o.log.info(`plugin ${e.name} is disabled in ConfigMap ${o.namespace}/${PLUGIN_CONFIG_MAP}: not loaded${e.key === 'stepPlugins' ? '; its steps are skipped' : ''}`, { plugin: e.name, key: e.key });
      if (e.key === 'stepPlugins') disabledStepPlugins.push(e.name);
      continue;
    }
    if (builtInOf[e.key].includes(e.name)) {
      o.log.info(`plugin ${e.name} is served by this controller's built-in implementation: ${e.location} is not loaded`, { plugin: e.name, key: e.key });
      builtIn.push(e.name);
      continue;
    }
    if (e.key === 'stepPlugins' && !o.stepPluginsSupported) fail('step plugins cannot be registered with this controller build');
    const t0 = Date.now();
    const { entry, pkg } = await fetchPlugin(o, e, fail);

    let ns: unknown;
    try {
      ns = await (o.importModule ?? nativeImport)(pathToFileURL(entry).href);
    } catch (err) {
      fail(`cannot import ${entry}: ${messageOf(err)}`);
    }
    let value = isRecord(ns) ? ns['default'] : undefined;
    // a CommonJS build's `exports.default`, seen through Node's interop as default.default
    if (isRecord(value) && !('kind' in value) && !('name' in value) && 'default' in value) value = value['default'];
    const problem = shapeProblem(e.key, value);
    if (problem !== undefined) fail(`${entry}: ${problem}`);
    const plugin = value as Record<string, unknown> & { make: (deps: unknown) => unknown };
    const id = idField(e.key);
    if (plugin[id] !== e.name) fail(`its ${id} is "${String(plugin[id])}", the ConfigMap names it "${e.name}" (the name must be the plugin's ${id}: the key Rollouts${e.key === 'metricProviderPlugins' ? ' and metrics' : ''} use)`);

    const declared =
      typeof plugin['sdkVersion'] === 'string'
        ? { range: plugin['sdkVersion'] as string, where: 'sdkVersion on its default export' }
        : sdkRange(pkg);
    if (declared === undefined) fail('it does not declare the @rollouts/plugin-sdk version it was built against (peerDependencies in its package.json, or sdkVersion on its default export)');
    const major = majorOf(declared!.range);
    if (major === undefined) fail(`${declared!.where} "${declared!.range}" does not name one major version of @rollouts/plugin-sdk (such as ^${hostVersion})`);
    if (major !== hostMajor) fail(`built against @rollouts/plugin-sdk ${declared!.range} (${declared!.where}); this controller has ${hostVersion}: the major versions differ`);

    try {
      const made = plugin.make(o.deps);
      if (typeof made !== 'function') fail(`make(deps) returned ${describe(made)}, not a function from config to ${e.key === 'trafficRouterPlugins' ? 'router' : e.key === 'metricProviderPlugins' ? 'provider' : 'step executor'}`);
    } catch (err) {
      if (err instanceof PluginLoadError) throw err;
      fail(`throws at registration (make): ${messageOf(err)}`);
    }
    if (e.key === 'trafficRouterPlugins') trafficRouters.push(plugin as unknown as TrafficRouterPlugin<any>);
    else if (e.key === 'metricProviderPlugins') metricProviders.push(plugin as unknown as MetricProviderPlugin<any>);
    else stepPlugins.push(plugin as unknown as StepPlugin<any>);
    o.log.info(`plugin ${e.name} loaded`, { plugin: e.name, key: e.key, location: e.location, module: entry, sdk: declared!.range, tookMs: Date.now() - t0 });
  }
  return { trafficRouters, metricProviders, stepPlugins, builtIn, disabledStepPlugins };
}

function sdkRange(pkg: Record<string, unknown> | undefined): { range: string; where: string } | undefined {
  if (pkg === undefined) return undefined;
  for (const field of ['peerDependencies', 'dependencies', 'devDependencies']) {
    const deps = pkg[field];
    if (isRecord(deps) && typeof deps['@rollouts/plugin-sdk'] === 'string') return { range: deps['@rollouts/plugin-sdk'], where: `${field} of its package.json` };
  }
  return undefined;
}

/** Put the plugin's files in place; the module file to import and the package.json that describes it. */
async function fetchPlugin(o: PluginLoaderOptions, e: PluginEntry, fail: (reason: string) => never): Promise<{ entry: string; pkg: Record<string, unknown> | undefined }> {
  const dir = path.join(o.pluginDir, slug(e.name));
  const fromPackage = (root: string): { entry: string; pkg: Record<string, unknown> } => {
    const pj = path.join(root, 'package.json');
    if (!existsSync(pj)) fail(`${e.location}: the package has no package.json`);
    let pkg: Record<string, unknown> = {};
    try {
      pkg = JSON.parse(readFileSync(pj, 'utf8')) as Record<string, unknown>;
    } catch (err) {
      fail(`${pj}: not JSON: ${messageOf(err)}`);
    }
    const entry = packageEntry(root, pkg);
    if (!existsSync(entry)) fail(`${e.location}: the package's entry ${path.relative(root, entry)} does not exist (is it built?)`);
    return { entry, pkg };
  };
  const unpack = (bytes: Buffer): { entry: string; pkg: Record<string, unknown> } => {
    try {
      mkdirSync(o.pluginDir, { recursive: true });
      unpackTarball(bytes, dir);
      linkSharedPackages(o.pluginDir);
    } catch (err) {
      fail(`${e.location}: cannot unpack into ${dir}: ${messageOf(err)}`);
    }
    return fromPackage(dir);
  };
  const verify = (bytes: Buffer): void => {
    if (e.sha256 === undefined) return;
    const got = sha256Of(bytes);
    if (got !== e.sha256) fail(`sha256 mismatch for ${e.location}: the ConfigMap says ${e.sha256}, the file is ${got}`);
  };

  if (e.location.startsWith('file://')) {
    let file: string;
    try {
      file = fileURLToPath(e.location);
    } catch (err) {
      return fail(`location ${e.location}: ${messageOf(err)}`);
    }
    if (!existsSync(file)) fail(`${file} does not exist in the controller's file system (file:// names a path inside the image)`);
    if (statSync(file).isDirectory()) {
      if (e.sha256 !== undefined) fail('sha256 is given for a directory; give the checksum of a tarball or module file instead');
      return fromPackage(file);
    }
    const bytes = readFileSync(file);
    verify(bytes);
    if (isGzip(bytes)) return unpack(bytes);
    return { entry: file, pkg: nearestPackageJson(file) };
  }

  const headers: Record<string, string> = {};
  for (const secret of e.headersFrom) {
    if (o.readSecret === undefined) fail(`headersFrom: this controller cannot read Secrets for downloads`);
    const s = await o.readSecret!(o.namespace, secret);
    if (s instanceof Error) fail(`headersFrom: cannot read Secret ${o.namespace}/${secret}: ${s.message}`);
    if (s === undefined) fail(`headersFrom: Secret ${o.namespace}/${secret} does not exist`);
    for (const [k, v] of Object.entries((s as { data?: Record<string, string> | null }).data ?? {})) headers[k] = Buffer.from(v, 'base64').toString('utf8');
  }
  let bytes: Buffer;
  try {
    bytes = await (o.download ?? axiosDownload)(e.location, headers);
  } catch (err) {
    return fail(`cannot download ${e.location}: ${messageOf(err)}`);
  }
  verify(bytes);
  if (isGzip(bytes)) return unpack(bytes);
  // a lone ES module file
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 'index.mjs');
  writeFileSync(file, bytes);
  linkSharedPackages(o.pluginDir);
  return { entry: file, pkg: undefined };
}
