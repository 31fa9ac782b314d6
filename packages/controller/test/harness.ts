// End-to-end harness: the controllers against an API server over HTTP, through @rollouts/k8s and the real
// @kubernetes/client-node. The target is kube-sim (default: one simulator per test file, with our CRDs and its
// workload simulator) or, with E2E_TARGET=real, the real control plane of tools/kube/start.sh (kube-apiserver,
// etcd, kube-controller-manager, kube-scheduler, kwok): our CRDs are applied to it, each test file gets its own
// namespace (deleted at the end) and its own namespace-scoped controllers. The test plays the user with plain
// HTTP (as kubectl would), so its requests show up in kube-sim's request log under another user agent.
import * as path from 'node:path';
import { customResourceDefinitions } from '@rollouts/api';
import { createController, type Controller, type ControllerOptions } from '../src';
import { apiVersionOf, loadKubeConfig, Resources, resourcePath, type ResourceKind } from '@rollouts/k8s';
import { kubeConfigOptions, startKubeSim, type KubeObject, type KubeSim, type KubeSimOptions, type PodRule } from '@rollouts/kube-sim';
import type { Logger } from '@rollouts/plugin-sdk';
import { endpointFromKubeconfig, KubeHttp, type WatchEvent } from './KubeHttp';
import { ObjectMirror } from './ObjectMirror';
import { AuditRequestLog, type RequestCounter } from './AuditRequestLog';
import { FaultProxy, type ConflictRule, type ErrorRule, type FaultRule } from './FaultProxy';
import * as fs from 'node:fs';
import YAML from 'yaml';

/** Where the end-to-end tests run: `kube-sim` (default) or `real` (E2E_TARGET=real). */
export type Target = 'kube-sim' | 'real';
export const TARGET: Target = process.env['E2E_TARGET'] === 'real' ? 'real' : 'kube-sim';

/** The kubeconfig of the real target: E2E_KUBECONFIG, else the one tools/kube/start.sh writes. */
export const realKubeconfig = (): string => process.env['E2E_KUBECONFIG'] ?? path.join(process.env['ROLLOUTS_KUBE_STATE'] ?? '/tmp/rollouts-kube', 'kubeconfig');

/** The audit log of the real target (E2E_AUDIT_LOG, else audit.log beside the kubeconfig), if it is readable here. */
export function realAuditLog(): string | undefined {
  const file = process.env['E2E_AUDIT_LOG'] ?? path.join(path.dirname(realKubeconfig()), 'audit.log');
  return fs.existsSync(file) ? file : undefined;
}

/** Logs to the test output only when ROLLOUTS_TEST_LOG is set. */
export const testLogger: Logger = (() => {
  const on = process.env['ROLLOUTS_TEST_LOG'] !== undefined;
  const out = (level: string) => (message: string, fields?: Readonly<Record<string, unknown>>) => {
    if (on) process.stderr.write(`${new Date().toISOString()} ${level} ${message} ${fields !== undefined ? JSON.stringify(fields) : ''}\n`);
  };
  return { debug: on && process.env['ROLLOUTS_TEST_LOG'] === 'debug' ? out('debug') : () => undefined, info: out('info'), warn: out('warn'), error: out('error') };
})();

/** Synchronous reads of the cluster's objects (kube-sim's store, or a watch-fed copy on the real target). */
export interface ObjectReader {
  get(apiVersion: string, kind: string, name: string, namespace?: string): KubeObject | undefined;
  list(apiVersion: string, kind: string, namespace?: string): KubeObject[];
}

export interface Env {
  readonly target: Target;
  /** The namespace of this environment's objects (`default` on kube-sim). */
  readonly ns: string;
  /** The simulator, on the kube-sim target only. */
  readonly sim: KubeSim | undefined;
  /** The objects of the watched kinds in {@link ns}. */
  readonly objects: ObjectReader;
  /** HTTP to the API server as the test user. */
  readonly http: KubeHttp;
  /**
   * The requests served: kube-sim's request log, or on the real target the apiserver's audit log (requests on
   * objects in {@link ns} only); undefined when the real target has no audit log here.
   */
  readonly requestLog: RequestCounter | undefined;
  /**
   * Fault injection on the controllers' requests, and the log of those requests: kube-sim's own, or on the real
   * target a proxy between the controllers and the apiserver (only with `faults: true`).
   */
  readonly faults: Faults | undefined;
  /** The controllers started so far (the first one unless a test starts more). */
  readonly controllers: Controller[];
  /** Start another controller against the same API server. */
  startController(overrides?: Partial<ControllerOptions>): Promise<Controller>;
  readonly api: UserApi;
  /** Stream the events of a kind in {@link ns} from now on (a list first, then a watch from its resourceVersion). */
  watch(kind: ResourceKind, onEvent: (e: WatchEvent<KubeObject>) => void): Promise<{ stop(): Promise<void> }>;
  stop(): Promise<void>;
}

/** Conflicts injected into the controllers' writes, and every request they sent. */
export interface Faults {
  conflict(rule: ConflictRule): FaultRule;
  /** Answer matching writes with an error status (413 for a body too large, 422, 500, ...). */
  error(rule: ErrorRule): FaultRule;
  readonly requestLog: RequestCounter;
}

export interface EnvOptions {
  /** Real target: put a fault-injecting proxy between the controllers and the apiserver (kube-sim injects itself). */
  readonly faults?: boolean;
  /** kube-sim's pod readiness delay (on the real target kwok's delay applies: ROLLOUTS_KUBE_READY_DELAY_MS of start.sh). */
  readonly readinessDelayMs?: number;
  /** kube-sim's pod rules. On the real target kwok's Stages play the same part (an image ending in `:bad` never becomes ready). */
  readonly podRules?: readonly PodRule[];
  readonly controller?: Partial<ControllerOptions>;
  /** Do not start a controller (the test starts its own). */
  readonly noController?: boolean;
  /** CustomResourceDefinitions besides ours (created in kube-sim, applied to the real server). */
  readonly crds?: readonly KubeObject[];
  /** Kinds to watch besides the default ones (for `objects`). */
  readonly watch?: readonly ResourceKind[];
  readonly sim?: KubeSimOptions;
}

/** The kinds every environment mirrors on the real target. */
const WATCHED: readonly ResourceKind[] = [
  Resources.rollouts,
  Resources.analysisRuns,
  Resources.analysisTemplates,
  Resources.experiments,
  Resources.replicaSets,
  Resources.deployments,
  Resources.services,
  Resources.ingresses,
  Resources.leases,
];

/** Real-target environments alive now: a wait that succeeds brings their copies up to date (see waitFor). */
const mirrors = new Set<ObjectMirror>();

const CRD_KIND: ResourceKind = { group: 'apiextensions.k8s.io', version: 'v1', plural: 'customresourcedefinitions', kind: 'CustomResourceDefinition', namespaced: false };

/**
 * Server-side apply the CRDs (idempotent, and safe when several test files do it at once) and wait until each
 * is Established. The API server's answer is the validation of our generated CRDs.
 */
export async function applyCrds(http: KubeHttp, crds: readonly KubeObject[], timeoutMs = 30_000): Promise<void> {
  for (const crd of crds) {
    const name = crd.metadata.name ?? '';
    await http.json('PATCH', `${resourcePath(CRD_KIND, undefined, name)}?fieldManager=rollouts-e2e&force=true`, crd, 'application/apply-patch+yaml');
  }
  const until = Date.now() + timeoutMs;
  for (const crd of crds) {
    const name = crd.metadata.name ?? '';
    for (;;) {
      const got = await http.json<{ status?: { conditions?: Array<{ type: string; status: string }> } }>('GET', resourcePath(CRD_KIND, undefined, name));
      if ((got.status?.conditions ?? []).some((c) => c.type === 'Established' && c.status === 'True')) break;
      if (Date.now() > until) throw new Error(`CRD ${name} not Established after ${timeoutMs} ms: ${JSON.stringify(got.status)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

/** A namespace name for this test file: `e2e-<file>-<random>`. */
function namespaceForTestFile(): string {
  const file = path.basename(expect.getState().testPath ?? 'test').replace(/(\.e2e)?\.test\.ts$/, '');
  const slug = file.toLowerCase().replace(/[^a-z0-9-]+/g, '-').slice(0, 30);
  return `e2e-${slug}-${Math.random().toString(36).slice(2, 8)}`;
}

interface Backend {
  readonly ns: string;
  readonly sim: KubeSim | undefined;
  readonly http: KubeHttp;
  readonly objects: ObjectReader;
  readonly mirror: ObjectMirror | undefined;
  readonly requestLog: RequestCounter | undefined;
  readonly faults: Faults | undefined;
  readonly kubeConfig: () => ReturnType<typeof loadKubeConfig>;
  /** Controller options that depend on the target. */
  readonly controllerDefaults: Partial<ControllerOptions>;
  stop(): Promise<void>;
}

async function simBackend(opts: EnvOptions): Promise<Backend> {
  const sim = await startKubeSim({
    objects: [...(customResourceDefinitions() as unknown as KubeObject[]), ...(opts.crds ?? [])],
    workloads: { readinessDelayMs: opts.readinessDelayMs ?? 50, ...(opts.podRules !== undefined ? { podRules: opts.podRules } : {}) },
    ...(opts.sim ?? {}),
  });
  const http = new KubeHttp({ server: sim.url, token: sim.token });
  return {
    ns: 'default',
    sim,
    http,
    objects: sim.objects,
    mirror: undefined,
    requestLog: sim.requestLog,
    faults: { conflict: (rule) => sim.inject.conflict(rule), error: ({ verb, ...rule }) => sim.inject.error({ verb: verb ?? ['update', 'patch'], ...rule }), requestLog: sim.requestLog },
    kubeConfig: () => loadKubeConfig({ options: sim.kubeConfig }),
    controllerDefaults: {},
    async stop() {
      http.close();
      await sim.stop();
    },
  };
}

async function realBackend(opts: EnvOptions): Promise<Backend> {
  const kubeconfig = realKubeconfig();
  const endpoint = endpointFromKubeconfig(kubeconfig);
  const http = new KubeHttp(endpoint);
  await applyCrds(http, [...(customResourceDefinitions() as unknown as KubeObject[]), ...(opts.crds ?? [])]);
  const ns = namespaceForTestFile();
  await http.json('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns, labels: { 'rollouts-e2e': 'true' } } });
  const controllerToken = CONTROLLER_AUTH === 'serviceaccount' ? await serviceAccountToken(http, ns) : undefined;
  const mirror = new ObjectMirror(http, ns);
  await mirror.add([...WATCHED, ...(opts.watch ?? [])]);
  mirrors.add(mirror);
  const audit = realAuditLog();
  const proxy = opts.faults === true ? await FaultProxy.start(endpoint) : undefined;
  return {
    ns,
    sim: undefined,
    http,
    objects: mirror as unknown as ObjectReader,
    mirror,
    requestLog: audit !== undefined ? new AuditRequestLog(audit, ns) : undefined,
    faults: proxy !== undefined ? { conflict: (rule) => proxy.conflict(rule), error: (rule) => proxy.error(rule), requestLog: proxy.requestLog } : undefined,
    kubeConfig: () =>
      controllerToken !== undefined
        ? loadKubeConfig({ options: kubeConfigOptions(proxy?.url ?? endpoint.server, controllerToken, 'e2e-serviceaccount') })
        : proxy !== undefined
          ? loadKubeConfig({ options: kubeConfigOptions(proxy.url, endpoint.token, 'fault-proxy') })
          : loadKubeConfig({ kubeconfig }),
    controllerDefaults: { namespace: ns },
    async stop() {
      mirrors.delete(mirror);
      mirror.stop();
      await proxy?.stop();
      // Everything in it goes with it (the namespace controller); nothing waits for that.
      if (process.env['E2E_KEEP_NAMESPACES'] === undefined) await http.request('DELETE', `/api/v1/namespaces/${ns}`);
      http.close();
    },
  };
}

/** An API server (kube-sim, or the real one) and a controller with short timings. */
export async function startEnv(opts: EnvOptions = {}): Promise<Env> {
  const backend = TARGET === 'real' ? await realBackend(opts) : await simBackend(opts);
  const controllers: Controller[] = [];
  const startController = async (overrides: Partial<ControllerOptions> = {}): Promise<Controller> => {
    const c = createController({
      kubeConfig: backend.kubeConfig(),
      log: testLogger,
      workers: { rollouts: 2, analysisRuns: 2, experiments: 2 },
      queue: { baseDelayMs: 5, maxDelayMs: 200, qps: 1000, burst: 1000 },
      resyncMs: 0,
      ...backend.controllerDefaults,
      ...opts.controller,
      ...overrides,
    });
    controllers.push(c);
    await c.start();
    return c;
  };
  if (opts.noController !== true) await startController();
  const api = userApi(backend.http, backend.objects, backend.ns, backend.mirror !== undefined ? (o) => backend.mirror!.observe(o) : undefined);
  return {
    target: TARGET,
    ns: backend.ns,
    sim: backend.sim,
    objects: backend.objects,
    http: backend.http,
    requestLog: backend.requestLog,
    faults: backend.faults,
    controllers,
    startController,
    api,
    watch: (kind, onEvent) => watchFromNow(backend.http, kind, backend.ns, onEvent),
    async stop() {
      await Promise.all(controllers.map((c) => c.stop()));
      await backend.stop();
    },
  };
}

async function watchFromNow(http: KubeHttp, kind: ResourceKind, ns: string, onEvent: (e: WatchEvent<KubeObject>) => void): Promise<{ stop(): Promise<void> }> {
  const list = await http.json<{ metadata: { resourceVersion: string } }>('GET', resourcePath(kind, ns));
  const handle = await http.watch(`${resourcePath(kind, ns)}?watch=true&resourceVersion=${list.metadata.resourceVersion}`, (e) => onEvent(e as WatchEvent<KubeObject>));
  return {
    async stop() {
      handle.stop();
      await handle.done;
    },
  };
}

/** What a user (kubectl) does: plain HTTP as the test user, in the environment's namespace. */
export interface UserApi {
  /** Create in the environment's namespace (whatever `metadata.namespace` says). */
  create(kind: ResourceKind, obj: object): Promise<unknown>;
  patch(kind: ResourceKind, name: string, body: unknown, subresource?: 'status'): Promise<unknown>;
  get<T = KubeObject>(kind: ResourceKind, name: string): T | undefined;
  list<T = KubeObject>(kind: ResourceKind): T[];
}

/** `observe` gets each object a write returned (the real target's copy takes it in, so reads see the write). */
export function userApi(http: KubeHttp, objects: ObjectReader, ns: string, observe?: (o: KubeObject) => void): UserApi {
  const call = async (method: string, path: string, body: unknown, contentType = 'application/json', attempt = 0): Promise<unknown> => {
    const res = await http.request(method, path, body, contentType);
    // Injected conflicts hit the user's writes too: a patch without a resourceVersion is simply sent again.
    if (res.status === 409 && method === 'PATCH' && attempt < 5) return call(method, path, body, contentType, attempt + 1);
    if (res.status < 200 || res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${res.text}`);
    const answer = JSON.parse(res.text) as KubeObject;
    observe?.(answer);
    return answer;
  };
  const inNamespace = (kind: ResourceKind, obj: object): object => {
    if (!kind.namespaced) return obj;
    const o = obj as { metadata?: Record<string, unknown> };
    return { ...o, metadata: { ...(o.metadata ?? {}), namespace: ns } };
  };
  return {
    create: (kind, obj) => call('POST', resourcePath(kind, ns), inNamespace(kind, obj)),
    patch: (kind, name, body, subresource) => call('PATCH', resourcePath(kind, ns, name, subresource), body, 'application/merge-patch+json'),
    get: <T>(kind: ResourceKind, name: string) => objects.get(apiVersionOf(kind), kind.kind, name, kind.namespaced ? ns : undefined) as T | undefined,
    list: <T>(kind: ResourceKind) => objects.list(apiVersionOf(kind), kind.kind, kind.namespaced ? ns : undefined) as T[],
  };
}

/**
 * How much longer a wait may take on the real target: pods go through the ReplicaSet controller, the
 * scheduler and kwok there, each with its own queue, instead of one in-process simulator.
 */
const REAL_SLOWDOWN = Number(process.env['E2E_REAL_SLOWDOWN'] ?? '2');

/**
 * Poll `check` until it returns a value (not undefined/false) or `timeoutMs` passes; the error shows `describe()`.
 * On the real target the watched kinds are listed again once it holds, so that what the test reads next is at
 * least as new as what it waited for (kube-sim's store is always current).
 */
export async function waitFor<T>(what: string, check: () => T | undefined | false, timeoutMs = 10_000, describe?: () => unknown): Promise<T> {
  const limitMs = timeoutMs * (TARGET === 'real' ? REAL_SLOWDOWN : 1);
  const until = Date.now() + limitMs;
  for (;;) {
    const v = check();
    if (v !== undefined && v !== false) {
      await Promise.all([...mirrors].map((m) => m.resync()));
      return v;
    }
    if (Date.now() > until) throw new Error(`timed out after ${limitMs} ms waiting for ${what}${describe !== undefined ? `; last seen: ${JSON.stringify(describe(), null, 1)}` : ''}`);
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
  metadata: { name },
  spec: { selector: { app }, ports: [{ name: 'http', port: 80, targetPort: 8080 }] },
});

export type CanaryStep = Record<string, unknown>;

/** A canary Rollout (`replicas` 4 by default) with canary and stable Services. */
export function canaryRollout(name: string, steps: ReadonlyArray<CanaryStep>, opts: { replicas?: number; image?: string; extra?: Record<string, unknown>; canary?: Record<string, unknown> } = {}) {
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Rollout',
    metadata: { name },
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

/**
 * How the controllers authenticate on the real target. `E2E_CONTROLLER_AUTH=serviceaccount` (tools/kube/test-real.sh
 * sets it): with the token of the ServiceAccount that apps/controller/manifests/install.yaml creates, bound to its
 * ClusterRole (and, in each test namespace, to its leader-election Role), so a missing RBAC rule fails the suite
 * with a 403. Otherwise (and always on kube-sim) with the test user's kubeconfig.
 */
export const CONTROLLER_AUTH: 'serviceaccount' | 'kubeconfig' = TARGET === 'real' && process.env['E2E_CONTROLLER_AUTH'] === 'serviceaccount' ? 'serviceaccount' : 'kubeconfig';
/** The namespace of the controllers' ServiceAccount on the real target (`E2E_CONTROLLER_AUTH=serviceaccount`). */
export const RBAC_NAMESPACE = 'rollouts-e2e-rbac';

/** The objects of apps/controller/manifests/install.yaml. */
export function installManifests(): KubeObject[] {
  const file = path.resolve(__dirname, '../../../apps/controller/manifests/install.yaml');
  return YAML.parseAllDocuments(fs.readFileSync(file, 'utf8'))
    .map((d) => d.toJS() as KubeObject | null)
    .filter((d): d is KubeObject => d !== null);
}

const CLUSTER_SCOPED = new Set(['Namespace', 'ClusterRole', 'ClusterRoleBinding', 'CustomResourceDefinition']);
/** The API path of an object of a built-in kind (`<kind>s` plurals: Namespace, ServiceAccount, (Cluster)Role(Binding), Deployment, Service, ConfigMap, Secret, CRD). */
export function objectPath(o: { apiVersion?: string; kind?: string; metadata: { name?: string; namespace?: string } }): string {
  const apiVersion = o.apiVersion ?? 'v1';
  const base = apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
  const plural = `${(o.kind ?? '').toLowerCase()}s`;
  const ns = CLUSTER_SCOPED.has(o.kind ?? '') ? '' : `/namespaces/${o.metadata.namespace ?? 'default'}`;
  return `${base}${ns}/${plural}/${o.metadata.name ?? ''}`;
}

/** Server-side apply (idempotent, safe when several test files do it at once). */
export async function serverSideApply(http: KubeHttp, o: KubeObject, dryRun = false): Promise<unknown> {
  return http.json('PATCH', `${objectPath(o)}?fieldManager=rollouts-e2e&force=true${dryRun ? '&dryRun=All' : ''}`, o, 'application/apply-patch+yaml');
}

const retarget = (o: KubeObject, ns: string | undefined, name?: string): KubeObject => {
  const copy = JSON.parse(JSON.stringify(o)) as KubeObject & { subjects?: Array<{ kind: string; namespace?: string }> };
  copy.metadata = { ...copy.metadata, ...(ns !== undefined ? { namespace: ns } : {}), ...(name !== undefined ? { name } : {}) };
  if (copy.subjects !== undefined) copy.subjects = copy.subjects.map((s) => (s.kind === 'ServiceAccount' ? { ...s, namespace: RBAC_NAMESPACE } : s));
  return copy;
};

let clusterRbac: Promise<void> | undefined;
/**
 * install.yaml's ServiceAccount (in {@link RBAC_NAMESPACE}), its ClusterRole as it is, and a ClusterRoleBinding of
 * the two; its leader-election Role and RoleBinding in the test namespace `ns` (the controllers' Lease lives there);
 * then a token of the ServiceAccount from the TokenRequest API.
 */
export async function serviceAccountToken(http: KubeHttp, ns: string): Promise<string> {
  const objs = installManifests();
  const one = (kind: string) => {
    const o = objs.find((x) => x.kind === kind);
    if (o === undefined) throw new Error(`install.yaml has no ${kind}`);
    return o;
  };
  const sa = one('ServiceAccount');
  clusterRbac ??= (async () => {
    await serverSideApply(http, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: RBAC_NAMESPACE, labels: { 'rollouts-e2e': 'true' } } } as KubeObject);
    await serverSideApply(http, retarget(sa, RBAC_NAMESPACE));
    await serverSideApply(http, one('ClusterRole'));
    await serverSideApply(http, retarget(one('ClusterRoleBinding'), undefined, `${one('ClusterRoleBinding').metadata.name ?? ''}-e2e`));
  })();
  await clusterRbac;
  for (const o of objs.filter((x) => x.kind === 'Role' || x.kind === 'RoleBinding')) await serverSideApply(http, retarget(o, ns));
  const got = await http.json<{ status: { token: string } }>('POST', `/api/v1/namespaces/${RBAC_NAMESPACE}/serviceaccounts/${sa.metadata.name ?? ''}/token`, {
    apiVersion: 'authentication.k8s.io/v1',
    kind: 'TokenRequest',
    spec: { expirationSeconds: 3600 },
  });
  return got.status.token;
}
