// End-to-end: the STOCK controller (apps/controller's startControllerApp, and its process) loads third-party
// plugins named in Argo's argo-rollouts-config ConfigMap. The sample plugins of examples/plugins are built with
// the repository's tsc first; the traffic sample is loaded from file:// (its built module, in place), the step
// sample from file:// of its `npm pack` tarball (unpacked into the plugin dir), and the metric sample is packed too
// and served over real HTTPS from a local server whose certificate (made by
// openssl for 127.0.0.1) the test trusts (in-process: through ControllerAppOptions.pluginDownload; the process:
// NODE_EXTRA_CA_CERTS). A Rollout routes through the traffic sample, waits at the step sample's gate until the
// test opens it, its step analysis measures with the metric sample, and it goes Healthy. A wrong sha256 stops the start (exit code 1) with a message naming the plugin.
// Runs on kube-sim and on the real control plane (E2E_TARGET=real).
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import * as https from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import axios from 'axios';
import * as E from 'fp-ts/lib/Either';
import { loadKubeConfig } from '@rollouts/k8s';
import type { Logger } from '@rollouts/plugin-sdk';
import { startControllerApp, type ControllerApp } from '../../../apps/controller/src/ControllerApp';
import { readTar } from '../../../apps/controller/src/PluginLoader';
import { gunzipSync } from 'node:zlib';
import { parseFlags } from '../../../apps/controller/src/Flags';
import { killAll, startController as startProcess } from '../../../apps/controller/test/ControllerProcess';
import { canaryRollout, deploy, realKubeconfig, Resources, rolloutOf, setImage, startEnv, waitFor, waitHealthy, type Env } from './harness';
import type { ResourceKind } from '@rollouts/k8s';

jest.setTimeout(240_000);

const ROOT = path.resolve(__dirname, '../../..');
const SAMPLES = path.join(ROOT, 'examples/plugins');
const CONFIG_MAPS: ResourceKind = { group: '', version: 'v1', plural: 'configmaps', kind: 'ConfigMap', namespaced: true };
const ROUTER = 'sample/configmap-weights';
const PROVIDER = 'sample/configmap-value';
const STEP = 'sample/configmap-gate';

let env: Env;
let tmp: string;
let server: https.Server;
let tarball: Buffer;
let tarballUrl: string;
let stepTarball: string;
let certFile: string;
let kubeconfigFile: string;
let app: ControllerApp | undefined;
const logs: Array<{ level: string; message: string; fields: Record<string, unknown> }> = [];
const log: Logger = {
  debug: () => undefined,
  info: (message, fields) => void logs.push({ level: 'info', message, fields: { ...fields } }),
  warn: (message, fields) => void logs.push({ level: 'warn', message, fields: { ...fields } }),
  error: (message, fields) => void logs.push({ level: 'error', message, fields: { ...fields } }),
};

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

beforeAll(async () => {
  tmp = mkdtempSync(path.join(tmpdir(), 'plugins-config-e2e-'));
  // The samples as their authors would ship them: built with tsc, the metric sample packed as an npm tarball.
  const tsc = require.resolve('typescript/bin/tsc');
  for (const s of ['traffic-sample', 'metric-sample', 'step-sample']) execFileSync(process.execPath, [tsc, '-p', path.join(SAMPLES, s, 'tsconfig.build.json')], { stdio: 'pipe' });
  const pack = (sample: string): string =>
    path.join(tmp, execFileSync('npm', ['pack', '--pack-destination', tmp, '--silent', '--offline'], { cwd: path.join(SAMPLES, sample), encoding: 'utf8' }).trim().split('\n').pop()!);
  tarball = readFileSync(pack('metric-sample'));
  stepTarball = pack('step-sample');

  // A local HTTPS server with a certificate for 127.0.0.1.
  certFile = path.join(tmp, 'cert.pem');
  const keyFile = path.join(tmp, 'key.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', keyFile, '-out', certFile, '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'pipe' });
  server = https.createServer({ key: readFileSync(keyFile), cert: readFileSync(certFile) }, (req, res) => {
    if (req.url === '/metric-sample.tgz') {
      res.writeHead(200, { 'content-type': 'application/gzip' });
      res.end(tarball);
    } else {
      res.writeHead(404);
      res.end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  tarballUrl = `https://127.0.0.1:${(server.address() as AddressInfo).port}/metric-sample.tgz`;

  env = await startEnv({ noController: true, watch: [CONFIG_MAPS] });
  if (env.sim !== undefined) {
    kubeconfigFile = path.join(tmp, 'kubeconfig');
    env.sim.writeKubeConfig(kubeconfigFile);
  } else kubeconfigFile = realKubeconfig();
});

afterAll(async () => {
  killAll();
  await app?.stop();
  await env?.stop();
  await new Promise<void>((resolve) => (server !== undefined ? server.close(() => resolve()) : resolve()));
  rmSync(tmp, { recursive: true, force: true });
});

function pluginConfig(metricSha: string): Record<string, string> {
  return {
    trafficRouterPlugins: `- name: ${ROUTER}\n  location: file://${path.join(SAMPLES, 'traffic-sample/dist/index.js')}\n`,
    metricProviderPlugins: `- name: ${PROVIDER}\n  location: ${tarballUrl}\n  sha256: ${metricSha}\n`,
    stepPlugins: `- name: ${STEP}\n  location: file://${stepTarball}\n  sha256: ${sha256(readFileSync(stepTarball))}\n`,
  };
}

const flags = (pluginDir: string): string[] => ['--namespace', env.ns, '--leader-election-namespace', env.ns, '--leader-elect=false', '--metrics-port', '0', '--healthz-port', '0', '--plugin-dir', pluginDir];

/** axios trusting the test's certificate (what NODE_EXTRA_CA_CERTS does for the process). */
const trustingDownload = async (url: string, headers: Readonly<Record<string, string>>): Promise<Buffer> => {
  const r = await axios.get<ArrayBuffer>(url, { headers: { ...headers }, responseType: 'arraybuffer', httpsAgent: new https.Agent({ ca: readFileSync(certFile) }) });
  return Buffer.from(r.data);
};

const configMapData = (name: string): Record<string, string> | undefined => (env.objects.get('v1', 'ConfigMap', name, env.ns)?.['data'] as Record<string, string> | undefined) ?? undefined;

describe('plugins from argo-rollouts-config, loaded by the stock controller', () => {
  it('each sample packs (npm pack) into a tarball holding its package.json and built module, and not its tests', () => {
    mkdirSync(path.join(tmp, 'packed'), { recursive: true });
    for (const sample of ['traffic-sample', 'metric-sample', 'step-sample']) {
      const out = execFileSync('npm', ['pack', '--pack-destination', path.join(tmp, 'packed'), '--silent', '--offline'], { cwd: path.join(SAMPLES, sample), encoding: 'utf8' });
      const files = readTar(gunzipSync(readFileSync(path.join(tmp, 'packed', out.trim().split('\n').pop()!)))).map((f) => f.path);
      expect(files).toEqual(expect.arrayContaining(['package/package.json', 'package/dist/index.js', 'package/dist/index.d.ts', 'package/README.md']));
      expect(files.filter((f) => f.includes('.test.') || f.includes('/src/'))).toEqual([]);
    }
  });

  it('a Rollout routes through the traffic sample (file://), waits at the step sample (file:// tarball), measures with the metric sample (https:// tarball), and goes Healthy', async () => {
    await env.api.create(CONFIG_MAPS, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'argo-rollouts-config' }, data: pluginConfig(sha256(tarball)) });
    await env.api.create(CONFIG_MAPS, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'web-routes' }, data: { 'proxy.listen': ':8080' } });
    await env.api.create(CONFIG_MAPS, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'load-test-results' }, data: { 'success-rate': '0.99' } });
    await env.api.create(CONFIG_MAPS, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'release-gates' }, data: {} });
    await env.api.create(Resources.analysisTemplates, {
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'AnalysisTemplate',
      metadata: { name: 'success-rate' },
      spec: { metrics: [{ name: 'success-rate', successCondition: 'result >= 0.95', provider: { plugin: { [PROVIDER]: { configMap: 'load-test-results', key: 'success-rate' } } } }] },
    });

    const config = parseFlags(flags(path.join(tmp, 'plugins-in-process')), {});
    if (E.isLeft(config)) throw new Error(config.left);
    app = await startControllerApp({ config: config.right, log, env: {}, kubeConfig: loadKubeConfig({ kubeconfig: kubeconfigFile }), host: '127.0.0.1', pluginDownload: trustingDownload });
    expect(logs.filter((l) => / loaded$/.test(l.message)).map((l) => [l.message, l.fields['location']])).toEqual([
      [`plugin ${ROUTER} loaded`, `file://${path.join(SAMPLES, 'traffic-sample/dist/index.js')}`],
      [`plugin ${PROVIDER} loaded`, tarballUrl],
      [`plugin ${STEP} loaded`, `file://${stepTarball}`],
    ]);

    const rollout = canaryRollout('web', [{ setWeight: 50 }, { plugin: { name: STEP, config: { configMap: 'release-gates', key: 'web-approved', pollSeconds: 1 } } }, { analysis: { templates: [{ templateName: 'success-rate' }] } }], {
      canary: { trafficRouting: { plugins: { [ROUTER]: { configMap: 'web-routes' } } } },
    });
    await deploy(env, rollout, ['web-canary', 'web-stable']);
    // the first revision: all traffic on stable, written by the sample router
    await waitFor('the first weights in web-routes', () => configMapData('web-routes')?.['canary.weight'] === '0' && configMapData('web-routes'));

    await setImage(env, 'web', 'demo:2');
    const at50 = await waitFor('the canary at 50 in web-routes', () => configMapData('web-routes')?.['canary.weight'] === '50' && configMapData('web-routes'), 30_000);
    expect(at50).toEqual({ 'proxy.listen': ':8080', 'canary.service': 'web-canary', 'canary.weight': '50', 'stable.service': 'web-stable', 'stable.weight': '50' });

    // the step sample holds the update at its gate until the key says go
    type Statuses = Array<{ index?: number; name?: string; phase?: string; status?: { checks?: number } }>;
    const gate = () => ((rolloutOf(env, 'web')?.status as { canary?: { stepPluginStatuses?: Statuses } } | undefined)?.canary?.stepPluginStatuses ?? []).find((p) => p.name === STEP && p.index === 1);
    const waiting = await waitFor('the gate step Running', () => gate()?.phase === 'Running' && gate(), 30_000);
    expect(waiting.status?.checks).toBeGreaterThanOrEqual(1);
    expect(env.api.list(Resources.analysisRuns)).toHaveLength(0);
    expect(configMapData('web-routes')?.['canary.weight']).toBe('50');
    await env.api.patch(CONFIG_MAPS, 'release-gates', { data: { 'web-approved': 'true' } });

    const healthy = await waitHealthy(env, 'web', 60_000);
    expect(healthy.status?.currentStepIndex).toBe(3);
    const runs = env.api.list<{ metadata: { name: string }; status?: { phase?: string; metricResults?: Array<{ measurements?: Array<{ value?: string; metadata?: Record<string, string> }> }> } }>(Resources.analysisRuns);
    expect(runs).toHaveLength(1);
    expect(runs[0]!.status?.phase).toBe('Successful');
    expect(runs[0]!.status?.metricResults?.[0]?.measurements?.[0]).toMatchObject({ value: '0.99', metadata: { configMap: `${env.ns}/load-test-results`, key: 'success-rate' } });
    // promoted: the stable Service carries everything again
    await waitFor('all traffic back on stable', () => configMapData('web-routes')?.['canary.weight'] === '0');
    expect(rolloutOf(env, 'web')?.status?.phase).toBe('Healthy');
  });

  it('a wrong sha256 stops the start of the controller process (exit 1) with a message naming the plugin', async () => {
    await app?.stop();
    app = undefined;
    const wrong = 'e'.repeat(64);
    await env.api.patch(CONFIG_MAPS, 'argo-rollouts-config', { data: pluginConfig(wrong) });
    const proc = startProcess(kubeconfigFile, flags(path.join(tmp, 'plugins-process')), { NODE_EXTRA_CA_CERTS: certFile, POD_NAMESPACE: env.ns });
    const exit = await proc.exited;
    expect(exit.code).toBe(1);
    const failed = proc.lines.find((l) => l['msg'] === 'cannot start' || l['message'] === 'cannot start');
    expect(failed?.['error']).toBe(`plugin ${PROVIDER}: sha256 mismatch for ${tarballUrl}: the ConfigMap says ${wrong}, the file is ${sha256(tarball)}`);
  });

  it('the same configuration with the right sha256 starts the process, which logs the three plugins loaded', async () => {
    await env.api.patch(CONFIG_MAPS, 'argo-rollouts-config', { data: pluginConfig(sha256(tarball)) });
    const proc = startProcess(kubeconfigFile, flags(path.join(tmp, 'plugins-process')), { NODE_EXTRA_CA_CERTS: certFile, POD_NAMESPACE: env.ns });
    const loaded = await waitFor('both plugins loaded by the process', () => {
      const names = proc.lines.map((l) => String(l['msg'] ?? l['message'] ?? '')).filter((m) => / loaded$/.test(m));
      return names.length === 3 && names;
    }, 60_000);
    expect(loaded).toEqual([`plugin ${ROUTER} loaded`, `plugin ${PROVIDER} loaded`, `plugin ${STEP} loaded`]);
    proc.child.kill('SIGTERM');
    expect((await proc.exited).code).toBe(0);
  });
});
