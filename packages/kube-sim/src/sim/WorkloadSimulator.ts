/**
 * The in-process controllers that make the simulated cluster move: each reacts to store events through
 * its own work queue and writes through the same API semantics as clients (but not through HTTP, so they
 * never show up in the request log or hit injected faults). Each part can be switched off.
 */
import { ResourceApi } from '../api/ResourceApi';
import { Clock } from '../Clock';
import { ResourceRegistry } from '../registry/ResourceRegistry';
import { DeploymentController } from './DeploymentController';
import { EndpointsController } from './EndpointsController';
import { GarbageCollector } from './GarbageCollector';
import { JobController } from './JobController';
import { Kubelet, PodRule } from './Kubelet';
import { NamespaceController } from './NamespaceController';
import { ReplicaSetController } from './ReplicaSetController';
import { SyncFailure, WorkQueue } from './WorkQueue';

/** Which controllers run, and how simulated pods behave. Every switch defaults to on. */
export interface WorkloadOptions {
  /** Bind, start and ready pods; finish graceful deletions. */
  readonly pods?: boolean;
  readonly replicaSets?: boolean;
  readonly deployments?: boolean;
  readonly jobs?: boolean;
  readonly endpoints?: boolean;
  readonly garbageCollector?: boolean;
  /** Namespace termination and `default` ServiceAccounts. */
  readonly namespaces?: boolean;
  /** Milliseconds from pod start to Ready (default 0). */
  readonly readinessDelayMs?: number;
  /** Milliseconds a run-to-completion pod runs (default 0). */
  readonly jobDurationMs?: number;
  /** Milliseconds between crash-loop restarts (default 10000). */
  readonly crashLoopBackoffMs?: number;
  /** Milliseconds before a terminating pod is removed (default 0). */
  readonly terminationDelayMs?: number;
  /** Per-image behaviour, first match wins (e.g. `{ image: ':bad', crashLoop: true }`). */
  readonly podRules?: readonly PodRule[];
  /** The simulated node's name (default `kube-sim-node`). */
  readonly nodeName?: string;
}

/** Runtime controls of the workload simulator. */
export interface Workloads {
  /** Replace the pod image rules. */
  setPodRules(rules: readonly PodRule[]): void;
  /** Force a pod's readiness (as if its probe started passing or failing). */
  setPodReady(namespace: string, name: string, ready: boolean): boolean;
  /** Controller sync failures so far (they are retried or dropped, never thrown at clients). */
  failures(): readonly SyncFailure[];
  /** Resolves once no controller has queued work (after at most `maxTurns` event-loop turns). */
  settle(maxTurns?: number): Promise<void>;
}

/** Start the enabled controllers. */
export function startWorkloads(api: ResourceApi, registry: ResourceRegistry, clock: Clock, options: WorkloadOptions): Workloads & { stop(): void } {
  const failures: SyncFailure[] = [];
  const onFailure = (f: SyncFailure): void => {
    failures.push(f);
    if (failures.length > 1000) failures.splice(0, failures.length - 1000);
  };
  const queues: WorkQueue[] = [];
  const handlers: Array<(e: Parameters<Parameters<typeof api.store.subscribe>[0]>[0]) => void> = [];
  const stops: Array<() => void> = [];
  const on = (x: boolean | undefined): boolean => x !== false;
  const type = (g: string, r: string) => registry.lookup(g, 'v1', r)!;

  let kubelet: Kubelet | undefined;
  if (on(options.pods)) {
    const k = new Kubelet(api, type('', 'pods'), clock, {
      nodeName: options.nodeName ?? 'kube-sim-node',
      readinessDelayMs: options.readinessDelayMs ?? 0,
      jobDurationMs: options.jobDurationMs ?? 0,
      crashLoopBackoffMs: options.crashLoopBackoffMs ?? 10_000,
      terminationDelayMs: options.terminationDelayMs ?? 0,
      rules: options.podRules ?? [],
    });
    kubelet = k;
    const q = new WorkQueue('kubelet', (key) => k.sync(key), onFailure);
    queues.push(q);
    handlers.push((e) => {
      if (e.resource === '/pods') q.add(`${e.current.object.metadata.namespace}/${e.current.object.metadata.name}`);
    });
    stops.push(() => k.stop());
  }
  if (on(options.replicaSets)) {
    let q: WorkQueue | undefined;
    const c = new ReplicaSetController(api, type('apps', 'replicasets'), type('', 'pods'), clock, (key) => q!.add(key));
    q = new WorkQueue('replicaset-controller', (key) => c.sync(key), onFailure);
    queues.push(q);
    handlers.push((e) => c.onEvent(e));
    stops.push(() => c.stop());
  }
  if (on(options.deployments)) {
    let q: WorkQueue | undefined;
    const c = new DeploymentController(api, type('apps', 'deployments'), type('apps', 'replicasets'), clock, (key) => q!.add(key));
    q = new WorkQueue('deployment-controller', (key) => c.sync(key), onFailure);
    queues.push(q);
    handlers.push((e) => c.onEvent(e));
  }
  if (on(options.jobs)) {
    let q: WorkQueue | undefined;
    const c = new JobController(api, type('batch', 'jobs'), type('', 'pods'), clock, (key) => q!.add(key));
    q = new WorkQueue('job-controller', (key) => c.sync(key), onFailure);
    queues.push(q);
    handlers.push((e) => c.onEvent(e));
    stops.push(() => c.stop());
  }
  if (on(options.endpoints)) {
    let q: WorkQueue | undefined;
    const c = new EndpointsController(api, type('', 'endpoints'), (key) => q!.add(key));
    q = new WorkQueue('endpoints-controller', (key) => c.sync(key), onFailure);
    queues.push(q);
    handlers.push((e) => c.onEvent(e));
  }
  if (on(options.garbageCollector)) {
    let q: WorkQueue | undefined;
    const c = new GarbageCollector(api, registry, (key) => q!.add(key));
    q = new WorkQueue('garbage-collector', (key) => c.sync(key), onFailure);
    queues.push(q);
    handlers.push((e) => c.onEvent(e));
  }
  if (on(options.namespaces)) {
    let q: WorkQueue | undefined;
    const c = new NamespaceController(api, registry, (key) => q!.add(key));
    q = new WorkQueue('namespace-controller', (key) => c.sync(key), onFailure);
    queues.push(q);
    handlers.push((e) => c.onEvent(e));
  }
  const unsubscribe = api.store.subscribe((e) => {
    for (const h of handlers) h(e);
  });
  // Like an informer's initial list: every controller sees what already exists as ADDED.
  for (const t of registry.all()) {
    const key = `${t.group}/${t.resource}`;
    for (const s of api.store.list(key)) for (const h of handlers) h({ type: 'ADDED', resource: key, rv: s.rv, current: s });
  }
  return {
    setPodRules: (rules) => kubelet?.setRules(rules),
    setPodReady: (ns, name, ready) => kubelet?.setPodReady(ns, name, ready) ?? false,
    failures: () => failures,
    settle: async (maxTurns = 1000) => {
      for (let i = 0; i < maxTurns; i++) {
        if (queues.every((q) => q.size() === 0)) {
          // one more turn: a drain may be in flight
          await new Promise((r) => setImmediate(r));
          if (queues.every((q) => q.size() === 0)) return;
        }
        await new Promise((r) => setImmediate(r));
      }
    },
    stop: () => {
      unsubscribe();
      for (const q of queues) q.stop();
      for (const s of stops) s();
    },
  };
}
