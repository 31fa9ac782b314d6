// End-to-end harness: one kube-sim (with our CRDs and the workload simulator) and controllers against it over
// HTTP, through @rollouts/k8s and the real @kubernetes/client-node. The test plays the user with plain HTTP
// (as kubectl would), so its requests show up in the request log under another user agent.
import { customResourceDefinitions } from '@rollouts/api';
import { createController, type Controller, type ControllerOptions } from '../src';
import { loadKubeConfig, Resources, resourcePath, type ResourceKind } from '@rollouts/k8s';
import { startKubeSim, type KubeObject, type KubeSim, type KubeSimOptions, type PodRule } from '@rollouts/kube-sim';
import type { Logger } from '@rollouts/plugin-sdk';

export const NS = 'default';

/** Logs to the test output only when ROLLOUTS_TEST_LOG is set. */
export const testLogger: Logger = (() => {
  const on = process.env['ROLLOUTS_TEST_LOG'] !== undefined;
  const out = (level: string) => (message: string, fields?: Readonly<Record<string, unknown>>) => {
    if (on) process.stderr.write(`${new Date().toISOString()} ${level} ${message} ${fields !== undefined ? JSON.stringify(fields) : ''}\n`);
  };
  return { debug: on && process.env['ROLLOUTS_TEST_LOG'] === 'debug' ? out('debug') : () => undefined, info: out('info'), warn: out('warn'), error: out('error') };
})();

export interface Env {
  readonly sim: KubeSim;
  /** The controllers started so far (the first one unless a test starts more). */
  readonly controllers: Controller[];
  /** Start another controller against the same simulator. */
  startController(overrides?: Partial<ControllerOptions>): Promise<Controller>;
  readonly api: UserApi;
  stop(): Promise<void>;
}

export interface EnvOptions {
  readonly readinessDelayMs?: number;
  readonly podRules?: readonly PodRule[];
  readonly controller?: Partial<ControllerOptions>;
  /** Do not start a controller (the test starts its own). */
  readonly noController?: boolean;
  readonly sim?: KubeSimOptions;
}

/** A kube-sim and a controller with short timings. */
export async function startEnv(opts: EnvOptions = {}): Promise<Env> {
  const sim = await startKubeSim({
    objects: customResourceDefinitions() as unknown as KubeObject[],
    workloads: { readinessDelayMs: opts.readinessDelayMs ?? 50, ...(opts.podRules !== undefined ? { podRules: opts.podRules } : {}) },
    ...(opts.sim ?? {}),
  });
  const controllers: Controller[] = [];
  const startController = async (overrides: Partial<ControllerOptions> = {}): Promise<Controller> => {
    const c = createController({
      kubeConfig: loadKubeConfig({ options: sim.kubeConfig }),
      log: testLogger,
      workers: { rollouts: 2, analysisRuns: 2, experiments: 2 },
      queue: { baseDelayMs: 5, maxDelayMs: 200, qps: 1000, burst: 1000 },
      resyncMs: 0,
      ...opts.controller,
      ...overrides,
    });
    controllers.push(c);
    await c.start();
    return c;
  };
  if (opts.noController !== true) await startController();
  const api = userApi(sim);
  return {
    sim,
    controllers,
    startController,
    api,
    async stop() {
      await Promise.all(controllers.map((c) => c.stop()));
      await sim.stop();
    },
  };
}

/** What a user (kubectl) does: plain HTTP with the simulator's token. */
export interface UserApi {
  create(kind: ResourceKind, obj: object): Promise<unknown>;
  patch(kind: ResourceKind, name: string, body: unknown, subresource?: 'status'): Promise<unknown>;
  get<T = KubeObject>(kind: ResourceKind, name: string): T | undefined;
  list<T = KubeObject>(kind: ResourceKind): T[];
}

export function userApi(sim: KubeSim): UserApi {
  const call = async (method: string, path: string, body: unknown, contentType = 'application/json', attempt = 0): Promise<unknown> => {
    const res = await fetch(`${sim.url}${path}`, {
      method,
      headers: { 'Content-Type': contentType, 'User-Agent': 'e2e-test', ...(sim.token !== null ? { Authorization: `Bearer ${sim.token}` } : {}) },
      body: JSON.stringify(body),
    });
    const text = await res.text();
    // Injected conflicts hit the user's writes too: a patch without a resourceVersion is simply sent again.
    if (res.status === 409 && method === 'PATCH' && attempt < 5) return call(method, path, body, contentType, attempt + 1);
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
    return JSON.parse(text) as unknown;
  };
  const apiVersion = (k: ResourceKind) => (k.group === '' ? k.version : `${k.group}/${k.version}`);
  return {
    create: (kind, obj) => call('POST', resourcePath(kind, NS), obj),
    patch: (kind, name, body, subresource) => call('PATCH', resourcePath(kind, NS, name, subresource), body, 'application/merge-patch+json'),
    get: <T>(kind: ResourceKind, name: string) => sim.objects.get(apiVersion(kind), kind.kind, name, kind.namespaced ? NS : undefined) as T | undefined,
    list: <T>(kind: ResourceKind) => sim.objects.list(apiVersion(kind), kind.kind, kind.namespaced ? NS : undefined) as T[],
  };
}

/** Poll `check` until it returns a value (not undefined/false) or `timeoutMs` passes; the error shows `describe()`. */
export async function waitFor<T>(what: string, check: () => T | undefined | false, timeoutMs = 10_000, describe?: () => unknown): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = check();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > until) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${describe !== undefined ? `; last seen: ${JSON.stringify(describe(), null, 1)}` : ''}`);
    await new Promise((r) => setTimeout(r, 15));
  }
}

// ---- Fixtures ------------------------------------------------------------------------------------------

export interface RolloutStatusView {
  readonly phase?: string;
  readonly message?: string;
  readonly currentStepIndex?: number;
  readonly stableRS?: string;
  readonly currentPodHash?: string;
  readonly abort?: boolean;
  readonly pauseConditions?: ReadonlyArray<{ reason: string }> | null;
  readonly availableReplicas?: number;
  readonly updatedReplicas?: number;
  readonly observedGeneration?: string;
  readonly conditions?: ReadonlyArray<{ type: string; status: string; reason: string; message: string }>;
  readonly blueGreen?: { activeSelector?: string; previewSelector?: string };
}

export interface RolloutView {
  readonly metadata: { name: string; generation?: number; resourceVersion?: string; uid?: string };
  readonly spec: { template: { spec: { containers: Array<{ image: string }> } } };
  readonly status?: RolloutStatusView;
}

export interface ReplicaSetView {
  readonly metadata: { name: string; labels?: Record<string, string>; annotations?: Record<string, string>; ownerReferences?: Array<{ kind: string; name: string; uid: string }> };
  readonly spec: { replicas?: number };
  readonly status?: { replicas?: number; availableReplicas?: number; readyReplicas?: number };
}

export const service = (name: string, app = 'demo') => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name, namespace: NS },
  spec: { selector: { app }, ports: [{ name: 'http', port: 80, targetPort: 8080 }] },
});

export type CanaryStep = Record<string, unknown>;

/** A canary Rollout (`replicas` 4 by default) with canary and stable Services. */
export function canaryRollout(name: string, steps: ReadonlyArray<CanaryStep>, opts: { replicas?: number; image?: string; extra?: Record<string, unknown>; canary?: Record<string, unknown> } = {}) {
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Rollout',
    metadata: { name, namespace: NS },
    spec: {
      replicas: opts.replicas ?? 4,
      revisionHistoryLimit: 3,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: { containers: [{ name: 'app', image: opts.image ?? 'demo:1', ports: [{ name: 'http', containerPort: 8080 }] }] },
      },
      strategy: { canary: { canaryService: `${name}-canary`, stableService: `${name}-stable`, steps, ...(opts.canary ?? {}) } },
      ...(opts.extra ?? {}),
    },
  };
}

/** Create the Services and the Rollout, and wait until the first revision is Healthy. */
export async function deploy(env: Env, rollout: { metadata: { name: string }; spec: { strategy: { canary?: object; blueGreen?: object } } }, services: string[]): Promise<RolloutView> {
  for (const s of services) await env.api.create(Resources.services, service(s, rollout.metadata.name));
  await env.api.create(Resources.rollouts, rollout);
  return waitHealthy(env, rollout.metadata.name);
}

export const rolloutOf = (env: Env, name: string) => env.api.get<RolloutView>(Resources.rollouts, name);

/** Wait until the Rollout is Healthy for its current generation. */
export function waitHealthy(env: Env, name: string, timeoutMs = 15_000): Promise<RolloutView> {
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
export function waitStatus(env: Env, name: string, what: string, pred: (s: RolloutStatusView, ro: RolloutView) => boolean, timeoutMs = 15_000): Promise<RolloutView> {
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

/** The ReplicaSets of a Rollout (by owner uid), by pod-template hash. */
export function replicaSetsOf(env: Env, name: string): Map<string, ReplicaSetView> {
  const uid = rolloutOf(env, name)?.metadata.uid;
  const out = new Map<string, ReplicaSetView>();
  for (const rs of env.api.list<ReplicaSetView>(Resources.replicaSets)) {
    if (!(rs.metadata.ownerReferences ?? []).some((r) => r.uid === uid)) continue;
    out.set(rs.metadata.labels?.['rollouts-pod-template-hash'] ?? '', rs);
  }
  return out;
}

/** Change the image (a new revision). */
export const setImage = (env: Env, name: string, image: string) =>
  env.api.patch(Resources.rollouts, name, { spec: { template: { spec: { containers: [{ name: 'app', image, ports: [{ name: 'http', containerPort: 8080 }] }] } } } });

/** kubectl-rollouts promote: clear the pause conditions. */
export const promote = (env: Env, name: string) => env.api.patch(Resources.rollouts, name, { status: { pauseConditions: null } }, 'status');
export const promoteFull = (env: Env, name: string) => env.api.patch(Resources.rollouts, name, { status: { promoteFull: true } }, 'status');
export const abort = (env: Env, name: string) => env.api.patch(Resources.rollouts, name, { status: { abort: true } }, 'status');
export const retryRollout = (env: Env, name: string) => env.api.patch(Resources.rollouts, name, { status: { abort: false } }, 'status');

/** The Service's selected pod-template hash. */
export const selectedHash = (env: Env, svc: string) => env.api.get<{ spec: { selector?: Record<string, string> } }>(Resources.services, svc)?.spec.selector?.['rollouts-pod-template-hash'];

export { Resources };
