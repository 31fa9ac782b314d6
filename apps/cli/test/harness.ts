// End-to-end harness of the plugin: one kube-sim with our CRDs and workload simulator, our controller against
// it over HTTP, and the plugin run in-process (`main(argv, io)`) with a kubeconfig file, as a user runs it.
// Between the plugin and kube-sim sits a recording proxy: kube-sim's request log has no bodies, the proxy
// keeps every request the plugin sends (method, path, content type, body) so tests assert the exact patches.
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { customResourceDefinitions } from '@rollouts/api';
import { createController, silentLogger, type Controller, type ControllerOptions } from '@rollouts/controller';
import { loadKubeConfig, Resources, resourcePath, type ResourceKind } from '@rollouts/k8s';
import { startKubeSim, type KubeObject, type KubeSim, type PodRule } from '@rollouts/kube-sim';
import { main } from '../src/main';

export const NS = 'default';
export { Resources };

/** A request the plugin sent. */
export interface SentRequest {
  readonly method: string;
  readonly path: string;
  readonly query: string;
  readonly contentType: string;
  readonly body: unknown;
}

export interface RecordingProxy {
  readonly url: string;
  readonly sent: SentRequest[];
  /** Writes (POST, PUT, PATCH, DELETE) sent since `mark`. */
  writes(since?: number): SentRequest[];
  mark(): number;
  stop(): Promise<void>;
}

/** A pass-through HTTP proxy to `target` that records requests; watches stream through. */
export async function startRecordingProxy(target: string): Promise<RecordingProxy> {
  const sent: SentRequest[] = [];
  const upstream = new URL(target);
  const agent = new http.Agent({ keepAlive: true });
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      const url = new URL(req.url ?? '/', target);
      let body: unknown;
      try {
        body = raw.length > 0 ? JSON.parse(raw.toString('utf8')) : undefined;
      } catch {
        body = raw.toString('utf8');
      }
      sent.push({ method: req.method ?? '', path: url.pathname, query: url.search, contentType: String(req.headers['content-type'] ?? ''), body });
      const out = http.request(
        { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: { ...req.headers, host: upstream.host }, agent },
        (up) => {
          res.writeHead(up.statusCode ?? 502, up.headers);
          up.pipe(res);
        },
      );
      out.on('error', () => res.destroy());
      res.on('close', () => out.destroy());
      out.end(raw);
    });
  });
  const sockets = new Set<import('node:net').Socket>();
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    sent,
    writes: (since = 0) => sent.slice(since).filter((r) => r.method !== 'GET'),
    mark: () => sent.length,
    stop: async () => {
      for (const s of sockets) s.destroy();
      agent.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

export interface Env {
  readonly sim: KubeSim;
  readonly controller: Controller;
  readonly proxy: RecordingProxy;
  /** A kubeconfig file pointing at the proxy (context namespace `default`). */
  readonly kubeconfig: string;
  readonly dir: string;
  /** Run the plugin with `--kubeconfig` appended; captures stdout and stderr. */
  run(...argv: string[]): Promise<Run>;
  /** Run the plugin with full control of the io. */
  runWith(argv: string[], io?: { signal?: AbortSignal; isTTY?: boolean; now?: () => number }): Promise<Run>;
  get<T = KubeObject>(kind: ResourceKind, name: string, ns?: string): T | undefined;
  list<T = KubeObject>(kind: ResourceKind, ns?: string): T[];
  create(obj: object): KubeObject;
  stop(): Promise<void>;
}

export interface Run {
  readonly code: number;
  readonly out: string;
  readonly err: string;
}

export interface EnvOptions {
  readonly readinessDelayMs?: number;
  readonly podRules?: readonly PodRule[];
  readonly namespaces?: readonly string[];
  readonly controller?: Partial<ControllerOptions>;
}

/** kube-sim + controller + proxy + kubeconfig file. */
export async function startEnv(opts: EnvOptions = {}): Promise<Env> {
  const sim = await startKubeSim({
    objects: customResourceDefinitions() as unknown as KubeObject[],
    workloads: { readinessDelayMs: opts.readinessDelayMs ?? 30, ...(opts.podRules !== undefined ? { podRules: opts.podRules } : {}) },
    ...(opts.namespaces !== undefined ? { namespaces: opts.namespaces } : {}),
  });
  const controller = createController({
    kubeConfig: loadKubeConfig({ options: sim.kubeConfig }),
    log: silentLogger,
    workers: { rollouts: 2, analysisRuns: 2, experiments: 2 },
    queue: { baseDelayMs: 5, maxDelayMs: 200, qps: 1000, burst: 1000 },
    resyncMs: 0,
    ...(opts.controller ?? {}),
  });
  await controller.start();
  const proxy = await startRecordingProxy(sim.url);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kubectl-rollouts-'));
  const kubeconfig = path.join(dir, 'kubeconfig');
  fs.writeFileSync(kubeconfig, sim.kubeConfigYaml.replace(sim.url, proxy.url));
  const apiVersion = (k: ResourceKind) => (k.group === '' ? k.version : `${k.group}/${k.version}`);
  const runWith = async (argv: string[], io: { signal?: AbortSignal; isTTY?: boolean; now?: () => number } = {}): Promise<Run> => {
    let out = '';
    let err = '';
    const code = await main(argv, {
      stdout: { write: (s: string) => (out += s), isTTY: io.isTTY ?? false },
      stderr: { write: (s: string) => (err += s) },
      env: {},
      ...(io.signal !== undefined ? { signal: io.signal } : {}),
      ...(io.now !== undefined ? { now: io.now } : {}),
    });
    return { code, out, err };
  };
  return {
    sim,
    controller,
    proxy,
    kubeconfig,
    dir,
    run: (...argv) => runWith([...argv, '--kubeconfig', kubeconfig]),
    runWith,
    get: <T>(kind: ResourceKind, name: string, ns = NS) => sim.objects.get(apiVersion(kind), kind.kind, name, kind.namespaced ? ns : undefined) as T | undefined,
    list: <T>(kind: ResourceKind, ns = NS) => sim.objects.list(apiVersion(kind), kind.kind, kind.namespaced ? ns : undefined) as T[],
    create: (obj) => sim.objects.create(obj as KubeObject),
    async stop() {
      await controller.stop();
      await proxy.stop();
      await sim.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Poll until `check` gives a value. */
export async function waitFor<T>(what: string, check: () => T | undefined | false, timeoutMs = 15_000, describe?: () => unknown): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = check();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > until) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${describe !== undefined ? `; last seen: ${JSON.stringify(describe(), null, 1)}` : ''}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export interface RolloutView {
  readonly metadata: { name: string; generation?: number; uid?: string };
  readonly spec: { paused?: boolean; restartAt?: string; template: { spec: { containers: Array<{ name: string; image: string }> } } };
  readonly status?: {
    phase?: string;
    message?: string;
    currentStepIndex?: number;
    stableRS?: string;
    currentPodHash?: string;
    abort?: boolean;
    pauseConditions?: Array<{ reason: string }> | null;
    observedGeneration?: string;
    restartedAt?: string;
    controllerPause?: boolean;
  };
}

export const rolloutOf = (env: Env, name: string) => env.get<RolloutView>(Resources.rollouts, name);

/** Wait until the Rollout is Healthy on its current generation. */
export function waitHealthy(env: Env, name: string, timeoutMs = 20_000): Promise<RolloutView> {
  return waitFor(
    `Rollout ${name} Healthy`,
    () => {
      const ro = rolloutOf(env, name);
      return ro?.status?.phase === 'Healthy' && ro.status.observedGeneration === String(ro.metadata.generation) && ro.status.currentPodHash === ro.status.stableRS ? ro : undefined;
    },
    timeoutMs,
    () => rolloutOf(env, name)?.status,
  );
}

/** Wait until the Rollout's status satisfies `pred`. */
export function waitStatus(env: Env, name: string, what: string, pred: (s: NonNullable<RolloutView['status']>, ro: RolloutView) => boolean, timeoutMs = 20_000): Promise<RolloutView> {
  return waitFor(
    `Rollout ${name}: ${what}`,
    () => {
      const ro = rolloutOf(env, name);
      return ro?.status !== undefined && pred(ro.status, ro) ? ro : undefined;
    },
    timeoutMs,
    () => rolloutOf(env, name)?.status,
  );
}

/** A canary Rollout with canary and stable Services. */
export function canaryRollout(name: string, steps: ReadonlyArray<Record<string, unknown>>, opts: { replicas?: number; image?: string; ns?: string; canary?: Record<string, unknown> } = {}) {
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Rollout',
    metadata: { name, namespace: opts.ns ?? NS },
    spec: {
      replicas: opts.replicas ?? 4,
      revisionHistoryLimit: 3,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'app', image: opts.image ?? 'demo:1', ports: [{ name: 'http', containerPort: 8080 }] }] } },
      strategy: { canary: { canaryService: `${name}-canary`, stableService: `${name}-stable`, steps, ...(opts.canary ?? {}) } },
    },
  };
}

export function service(name: string, app: string, ns = NS) {
  return { apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: ns }, spec: { selector: { app }, ports: [{ name: 'http', port: 80, targetPort: 8080 }] } };
}

/** Create the Services and the Rollout directly in the simulator and wait until Healthy. */
export async function deploy(env: Env, rollout: ReturnType<typeof canaryRollout>): Promise<RolloutView> {
  const ns = rollout.metadata.namespace;
  env.create(service(`${rollout.metadata.name}-canary`, rollout.metadata.name, ns));
  env.create(service(`${rollout.metadata.name}-stable`, rollout.metadata.name, ns));
  env.create(rollout);
  if (ns !== NS) return waitFor(`Rollout ${rollout.metadata.name} Healthy`, () => {
    const ro = env.get<RolloutView>(Resources.rollouts, rollout.metadata.name, ns);
    return ro?.status?.phase === 'Healthy' ? ro : undefined;
  });
  return waitHealthy(env, rollout.metadata.name);
}

/** Change the image directly (not through the plugin). */
export function setImageDirect(env: Env, name: string, image: string): void {
  const ro = env.get<KubeObject & RolloutView>(Resources.rollouts, name)!;
  const next = structuredClone(ro);
  next.spec.template.spec.containers[0]!.image = image;
  env.sim.objects.update(next);
}

export { resourcePath };
