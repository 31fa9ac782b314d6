/**
 * `startKubeSim`: the Kubernetes API emulator and workload simulator, assembled and listening.
 */
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { createServer as createHttpServer, Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { ApiError, badRequest, notFound } from './api/ApiError';
import { ResourceApi } from './api/ResourceApi';
import { Clock, RealClock, VirtualClock } from './Clock';
import { ErrorFault, FaultHandle, FaultInjector, LatencyFault, seededRandom } from './faults/FaultInjector';
import { ApiHttpServer } from './http/ApiHttpServer';
import { kubeConfigOptions, KubeConfigOptions, kubeConfigYaml } from './KubeConfig';
import { RequestLog } from './log/RequestLog';
import { ResourceRegistry } from './registry/ResourceRegistry';
import { ResourceType } from './registry/ResourceType';
import { PodRule } from './sim/Kubelet';
import { startWorkloads, WorkloadOptions, Workloads } from './sim/WorkloadSimulator';
import { isRecord, KubeObject } from './store/KubeObject';
import { ObjectStore } from './store/ObjectStore';

/** Options of {@link startKubeSim}. All optional. */
export interface KubeSimOptions {
  /** TCP port (default 0: any free port). */
  readonly port?: number;
  /** Interface to listen on (default 127.0.0.1). */
  readonly host?: string;
  /** Serve HTTPS with this key and certificate (PEM) instead of HTTP. */
  readonly tls?: { readonly key: string | Buffer; readonly cert: string | Buffer };
  /** Bearer token clients must send; `null` accepts anonymous requests (default: a random token). */
  readonly token?: string | null;
  /** `'real'` (default), `'virtual'` (moves only when advanced), or your own {@link Clock}. */
  readonly clock?: 'real' | 'virtual' | Clock;
  /** Seed for generated names and probabilistic faults (default 1). */
  readonly seed?: number;
  /** The workload simulator, or `false` for a bare API server (default: all controllers on). */
  readonly workloads?: WorkloadOptions | false;
  /** Apply the built-in defaulting (pod template defaults, Service defaults...). Default true. */
  readonly defaulting?: boolean;
  /** Track `metadata.managedFields` on writes (server-side apply needs it). Default true. */
  readonly managedFields?: boolean;
  /** Events each resource keeps for watches resuming from an older resourceVersion (default 5000). */
  readonly eventLogSize?: number;
  /** Interval of BOOKMARK events on watches that allow them (default 10000 ms). */
  readonly bookmarkIntervalMs?: number;
  /** Upper bound of a watch's lifetime in seconds (default 1800). */
  readonly maxWatchTimeoutSeconds?: number;
  /** Request log capacity (default 200000 records). */
  readonly requestLogCapacity?: number;
  /** Namespaces to create besides default, kube-system, kube-public and kube-node-lease. */
  readonly namespaces?: readonly string[];
  /** Objects (CRDs included, created first) to create at start, without going through HTTP. */
  readonly objects?: readonly KubeObject[];
}

/** Fault injection, as exposed on a running simulator. */
export interface Inject {
  /** Fail matching requests with a status code (409, 429, 500, 503, ...). */
  error(spec: ErrorFault): FaultHandle;
  /** Delay matching requests. */
  latency(spec: LatencyFault): FaultHandle;
  /** Answer matching updates and patches with 409 Conflict. */
  conflict(spec?: Parameters<FaultInjector['conflict']>[0]): FaultHandle;
  /** Abruptly close matching open watch streams; returns how many. */
  dropWatches(match?: Parameters<FaultInjector['dropWatches']>[0]): number;
  /** Close each new matching watch after it has delivered `events` events. */
  dropWatchesAfter(spec: Parameters<FaultInjector['dropWatchesAfter']>[0]): FaultHandle;
  /** Forget watch history (of one resource, e.g. `'argoproj.io/rollouts'`, or all) so older versions get 410. */
  compact(resource?: string): void;
  /** Remove every fault rule. */
  clear(): void;
}

/** Direct access to the simulated cluster's objects, bypassing HTTP (not logged, no faults). */
export interface ObjectAccess {
  /** Create an object as a client would (defaulting, validation, generateName...). */
  create(obj: KubeObject): KubeObject;
  /** One object, or undefined. */
  get(apiVersion: string, kind: string, name: string, namespace?: string): KubeObject | undefined;
  /** All objects of a kind (in one namespace when given). */
  list(apiVersion: string, kind: string, namespace?: string): KubeObject[];
  /** Replace an object (honours resourceVersion like PUT). */
  update(obj: KubeObject): KubeObject;
  /** Replace an object's status (like PUT on /status). */
  updateStatus(obj: KubeObject): KubeObject;
  /** Delete an object (finalizers and graceful pods as for DELETE). */
  delete(apiVersion: string, kind: string, name: string, namespace?: string): void;
  /** The current global resourceVersion. */
  resourceVersion(): number;
}

/** A running simulator. */
export interface KubeSim {
  /** `http://127.0.0.1:<port>` (or https). */
  readonly url: string;
  readonly port: number;
  /** For `new KubeConfig().loadFromOptions(...)`. */
  readonly kubeConfig: KubeConfigOptions;
  /** The same as a kubeconfig file (for kubectl or `loadFromString`). */
  readonly kubeConfigYaml: string;
  /** The bearer token (null when anonymous access is on). */
  readonly token: string | null;
  /** Every HTTP request served. */
  readonly requestLog: RequestLog;
  readonly inject: Inject;
  /** The clock the simulator runs on; a {@link VirtualClock} when `clock: 'virtual'`. */
  readonly clock: Clock;
  /** Runtime controls of the workload simulator (no-ops when it is off). */
  readonly workloads: Workloads;
  readonly objects: ObjectAccess;
  /** Write `kubeConfigYaml` to a file. */
  writeKubeConfig(path: string): void;
  /** Stop serving: ends watches, closes connections, stops the controllers. */
  stop(): Promise<void>;
}

const DEFAULT_NAMESPACES = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];

/** Start a simulator. */
export async function startKubeSim(options: KubeSimOptions = {}): Promise<KubeSim> {
  const clock: Clock = options.clock === 'virtual' ? new VirtualClock() : options.clock === undefined || options.clock === 'real' ? new RealClock() : options.clock;
  const random = seededRandom(options.seed ?? 1);
  const registry = new ResourceRegistry();
  const store = new ObjectStore(options.eventLogSize ?? 5000);
  const api = new ResourceApi(store, registry, { clock, random, defaulting: options.defaulting !== false, managedFields: options.managedFields !== false });
  const token = options.token === undefined ? `kube-sim-${randomBytes(12).toString('hex')}` : options.token;
  const log = new RequestLog(options.requestLogCapacity ?? 200_000);

  const typeOf = (apiVersion: string, kind: string): ResourceType => {
    const t = registry.forKind(apiVersion, kind);
    if (t === undefined) throw badRequest(`no resource serves ${apiVersion} ${kind}`);
    return t;
  };
  const versionOf = (apiVersion: string): string => apiVersion.slice(apiVersion.indexOf('/') + 1);
  const objects: ObjectAccess = {
    create: (obj) => api.create(typeOf(obj.apiVersion ?? '', obj.kind ?? ''), obj.metadata?.namespace, obj, { fieldManager: 'kube-sim' }, versionOf(obj.apiVersion ?? '')),
    get: (apiVersion, kind, name, namespace) => {
      try {
        return api.get(typeOf(apiVersion, kind), namespace, name).object;
      } catch (e) {
        if (e instanceof ApiError && e.code === 404) return undefined;
        throw e;
      }
    },
    list: (apiVersion, kind, namespace) => api.list(typeOf(apiVersion, kind), namespace, {}).items.map((s) => s.object),
    update: (obj) => api.update(typeOf(obj.apiVersion ?? '', obj.kind ?? ''), obj.metadata.namespace, obj.metadata.name ?? '', obj, undefined, { fieldManager: 'kube-sim' }, versionOf(obj.apiVersion ?? '')),
    updateStatus: (obj) => api.update(typeOf(obj.apiVersion ?? '', obj.kind ?? ''), obj.metadata.namespace, obj.metadata.name ?? '', obj, 'status', { fieldManager: 'kube-sim' }, versionOf(obj.apiVersion ?? '')),
    delete: (apiVersion, kind, name, namespace) => {
      api.delete(typeOf(apiVersion, kind), namespace, name, {});
    },
    resourceVersion: () => store.resourceVersion(),
  };

  for (const ns of [...DEFAULT_NAMESPACES, ...(options.namespaces ?? [])])
    if (store.get('/namespaces', undefined, ns) === undefined) objects.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
  const initial = options.objects ?? [];
  for (const o of initial.filter((x) => x.kind === 'CustomResourceDefinition')) objects.create(o);
  for (const o of initial.filter((x) => x.kind !== 'CustomResourceDefinition')) objects.create(o);

  const workloads = options.workloads === false ? undefined : startWorkloads(api, registry, clock, options.workloads ?? {});
  const workloadControls: Workloads = workloads ?? {
    setPodRules: () => undefined,
    setPodReady: () => false,
    failures: () => [],
    settle: async () => undefined,
  };

  let address = '';
  let faults: FaultInjector | undefined;
  let http: ApiHttpServer | undefined;
  const control = (method: string, rest: readonly string[], q: URLSearchParams, body: unknown): unknown =>
    simControl(method, rest, q, body, { log, faults: faults!, clock, workloads: workloadControls, http: http! });
  http = new ApiHttpServer(
    api,
    registry,
    log,
    new FaultInjector(random, {
      dropWatches: (m) => http!.dropWatches(m),
      compact: (key) => store.compact(key),
    }),
    {
      token,
      maxBodyBytes: 3 * 1024 * 1024,
      bookmarkIntervalMs: options.bookmarkIntervalMs ?? 10_000,
      maxTimeoutSeconds: options.maxWatchTimeoutSeconds ?? 1800,
    },
    () => address,
    control,
  );
  faults = http.faults;

  const server: Server = options.tls !== undefined ? createHttpsServer({ key: options.tls.key, cert: options.tls.cert }, http.handle) : createHttpServer(http.handle);
  server.keepAliveTimeout = 65_000;
  const sockets = new Set<Socket>();
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const addr = server.address() as AddressInfo;
  const host = options.host ?? '127.0.0.1';
  address = `${host}:${addr.port}`;
  const url = `${options.tls !== undefined ? 'https' : 'http'}://${host}:${addr.port}`;
  const f = faults;
  const inject: Inject = {
    error: (s) => f.error(s),
    latency: (s) => f.latency(s),
    conflict: (s = {}) => f.conflict(s),
    dropWatches: (m = {}) => f.dropWatches(m),
    dropWatchesAfter: (s) => f.dropWatchesAfter(s),
    compact: (r) => f.compact(r),
    clear: () => f.clear(),
  };
  let stopped = false;
  return {
    url,
    port: addr.port,
    kubeConfig: kubeConfigOptions(url, token),
    kubeConfigYaml: kubeConfigYaml(url, token),
    token,
    requestLog: log,
    inject,
    clock,
    workloads: workloadControls,
    objects,
    writeKubeConfig: (path) => writeFileSync(path, kubeConfigYaml(url, token), { mode: 0o600 }),
    stop: async () => {
      if (stopped) return;
      stopped = true;
      workloads?.stop();
      http!.endAllWatches();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const s of sockets) s.destroy();
      });
    },
  };
}

interface ControlDeps {
  readonly log: RequestLog;
  readonly faults: FaultInjector;
  readonly clock: Clock;
  readonly workloads: Workloads;
  readonly http: ApiHttpServer;
}

/**
 * `/kube-sim/...` endpoints for CLI users: `GET requests` (counts by bucket), `POST requests/clear`,
 * `POST faults` (`{"type":"error"|"latency"|"conflict", ...rule}`), `DELETE faults`, `POST watches/drop`,
 * `POST compact`, `POST clock/advance?ms=N` (virtual clock), `PUT pod-rules` (image strings only).
 */
function simControl(method: string, rest: readonly string[], q: URLSearchParams, body: unknown, d: ControlDeps): unknown {
  const path = rest.join('/');
  const b = isRecord(body) ? body : {};
  if (method === 'GET' && path === 'requests') return { total: d.log.count(), writes: d.log.writes(), byBucket: d.log.totals() };
  if (method === 'POST' && path === 'requests/clear') {
    d.log.clear();
    return {};
  }
  if (method === 'POST' && path === 'faults') {
    const type = b['type'];
    const spec = { ...b } as Record<string, unknown>;
    delete spec['type'];
    if (type === 'error') d.faults.error(spec as unknown as ErrorFault);
    else if (type === 'latency') d.faults.latency(spec as unknown as LatencyFault);
    else if (type === 'conflict') d.faults.conflict(spec);
    else throw badRequest('fault type must be error, latency or conflict');
    return { added: type };
  }
  if (method === 'DELETE' && path === 'faults') {
    d.faults.clear();
    return {};
  }
  if (method === 'POST' && path === 'watches/drop') return { dropped: d.faults.dropWatches(b) };
  if (method === 'POST' && path === 'compact') {
    d.faults.compact(q.get('resource') ?? undefined);
    return {};
  }
  if (method === 'POST' && path === 'clock/advance') {
    if (!(d.clock instanceof VirtualClock)) throw badRequest('the simulator runs on the real clock');
    d.clock.advance(Number(q.get('ms') ?? b['ms'] ?? 0));
    return { now: new Date(d.clock.now()).toISOString() };
  }
  if (method === 'PUT' && path === 'pod-rules') {
    const rules = Array.isArray(body) ? (body as PodRule[]) : [];
    d.workloads.setPodRules(rules);
    return { rules: rules.length };
  }
  if (method === 'GET' && path === 'watches') return { open: d.http.openWatchCount() };
  throw notFound({ resource: 'kube-sim', group: '', name: path });
}

