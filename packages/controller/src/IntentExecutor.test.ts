import * as E from 'fp-ts/lib/Either';
import type { AnalysisRun, Rollout, RolloutStatus } from '@rollouts/api';
import type { Intent, ReconcileResult } from '@rollouts/core';
import { loadKubeConfig, systemClock, type KubePatch, type KubeWriter, type ResourceKind } from '@rollouts/k8s';
import { PluginErrors, type PluginError, type TrafficRouter } from '@rollouts/plugin-sdk';
import { ClusterCache } from './ClusterCache';
import { silentLogger } from './Controller';
import { executeRolloutIntents, releaseTraffic } from './IntentExecutor';
import type { ConfiguredRouter } from './TrafficRouters';

interface Call {
  readonly verb: string;
  readonly kind: string;
  readonly name?: string;
  readonly body?: unknown;
  readonly subresource?: string;
}

/** A writer that records calls and answers from a script (default: echo the object back). */
function fakeWriter(fail: (c: Call) => PluginError | undefined = () => undefined): KubeWriter & { calls: Call[] } {
  const calls: Call[] = [];
  const answer = <T>(c: Call, body: unknown): Promise<E.Either<PluginError, T>> => {
    calls.push(c);
    const err = fail(c);
    return Promise.resolve(err !== undefined ? E.left(err) : E.right({ ...(body as object), metadata: { ...((body as { metadata?: object }).metadata ?? {}), name: c.name, resourceVersion: '100' } } as T));
  };
  return {
    calls,
    create: <T>(kind: ResourceKind, _ns: string | undefined, object: T) => answer<T>({ verb: 'create', kind: kind.kind, name: (object as { metadata: { name: string } }).metadata.name, body: object, ...(kind.kind === 'Eviction' ? { subresource: kind.plural } : {}) }, object),
    patch: <T>(kind: ResourceKind, _ns: string | undefined, name: string, patch: KubePatch, opts?: { subresource?: 'status' | 'scale' }) =>
      answer<T>({ verb: `patch:${patch.type}`, kind: kind.kind, name, body: patch.body, ...(opts?.subresource !== undefined ? { subresource: opts.subresource } : {}) }, patch.body),
    replaceStatus: <T>(kind: ResourceKind, _ns: string | undefined, object: T) => answer<T>({ verb: 'replaceStatus', kind: kind.kind, name: (object as { metadata: { name: string } }).metadata.name, body: object }, object),
    replace: <T>(kind: ResourceKind, _ns: string | undefined, object: T) => answer<T>({ verb: 'replace', kind: kind.kind, body: object }, object),
    delete: (kind, _ns, name) => {
      const c = { verb: 'delete', kind: kind.kind, name };
      calls.push(c);
      const err = fail(c);
      return Promise.resolve(err !== undefined ? E.left(err) : E.right(undefined));
    },
  };
}

const rollout: Rollout = {
  apiVersion: 'argoproj.io/v1alpha1',
  kind: 'Rollout',
  metadata: { name: 'web', namespace: 'prod', uid: 'u1', resourceVersion: '42' },
  spec: { selector: { matchLabels: { app: 'web' } }, strategy: { canary: { canaryService: 'web-canary', stableService: 'web-stable' } } },
};
const status: RolloutStatus = { currentPodHash: 'new', stableRS: 'old', phase: 'Progressing' };

// No informer is started: the cache only serves the views.
const cache = () => new ClusterCache({ kubeConfig: loadKubeConfig({ options: { clusters: [{ name: 'c', server: 'http://127.0.0.1:1' }], users: [{ name: 'u' }], contexts: [{ name: 'c', cluster: 'c', user: 'u' }], currentContext: 'c' } }), clock: systemClock });

function run(intents: Intent[], writer: KubeWriter, routers: ConfiguredRouter[] = [], events: string[] = []) {
  const result: ReconcileResult = { status, intents };
  return executeRolloutIntents(rollout, result, routers, {
    writer,
    events: { record: (_o, type, reason) => (events.push(`${type}/${reason}`), Promise.resolve()) },
    cache: cache(),
    log: silentLogger,
    signal: new AbortController().signal,
    routerTimeoutMs: 50,
  });
}

const scale: Intent = { _tag: 'ScaleReplicaSet', name: 'web-old', replicas: 2, annotations: { 'rollout.argoproj.io/desired-replicas': '4' }, reason: 'r' };
const select: Intent = { _tag: 'PatchServiceSelector', service: 'web-canary', podTemplateHash: 'new', rollout: 'web', reason: 'r' };
const event: Intent = { _tag: 'RecordEvent', type: 'Normal', eventReason: 'ScalingReplicaSet', message: 'm', reason: 'r' };
const update: Intent = { _tag: 'UpdateStatus', status, reason: 'r' };

test('intents become writes in order; the status goes to the status subresource with the observed resourceVersion', async () => {
  const w = fakeWriter();
  const events: string[] = [];
  const r = await run([scale, select, event, update], w, [], events);
  expect(E.isRight(r) && r.right.writes).toBe(3);
  expect(w.calls.map((c) => `${c.verb} ${c.kind} ${c.name}`)).toEqual(['patch:merge ReplicaSet web-old', 'patch:merge Service web-canary', 'replaceStatus Rollout web']);
  expect(w.calls[0]!.body).toEqual({ spec: { replicas: 2 }, metadata: { annotations: { 'rollout.argoproj.io/desired-replicas': '4' } } });
  expect(w.calls[1]!.body).toEqual({
    metadata: { annotations: { 'argo-rollouts.argoproj.io/managed-by-rollouts': 'web' } },
    spec: { selector: { 'rollouts-pod-template-hash': 'new' } },
  });
  const sent = w.calls[2]!.body as Rollout;
  expect(sent.metadata?.resourceVersion).toBe('42');
  expect(sent.status).toBe(status);
  expect(events).toEqual(['Normal/ScalingReplicaSet']);
});

test('the first failure stops the execution and says which intent failed', async () => {
  const w = fakeWriter((c) => (c.kind === 'Service' ? PluginErrors.kubeConflict({ message: 'conflict' }) : undefined));
  const r = await run([scale, select, update], w);
  expect(E.isLeft(r) && { index: r.left.index, tag: r.left.intent._tag, error: r.left.error._tag }).toEqual({ index: 1, tag: 'PatchServiceSelector', error: 'KubeConflict' });
  expect(w.calls.map((c) => c.verb)).toEqual(['patch:merge', 'patch:merge']);
});

/** The required methods a router that routes by Service and has no routes of its own answers with nothing to do. */
const serviceLevel = { updateHash: () => async () => E.right(undefined), removeManagedRoutes: () => async () => E.right(undefined) };
const setWeight: Intent = { _tag: 'SetWeight', weight: 30, maxWeight: 100, additionalDestinations: [], reason: 'r' };

test('SetWeight calls each router; a router that does not answer times out as RouterUnavailable', async () => {
  const asked: number[] = [];
  const quick: TrafficRouter = { ...serviceLevel, setWeight: (ctx, weight) => async () => (asked.push(weight), E.right(undefined)) };
  const hung: TrafficRouter = { ...serviceLevel, setWeight: () => () => new Promise(() => undefined) };
  const ok = await run([setWeight, update], fakeWriter(), [{ kind: 'a', path: 'p.a', router: quick }]);
  expect(E.isRight(ok)).toBe(true);
  expect(asked).toEqual([30]);
  const timedOut = await run([setWeight, update], fakeWriter(), [{ kind: 'b', path: 'p.b', router: hung }]);
  expect(E.isLeft(timedOut) && timedOut.left.error._tag).toBe('RouterUnavailable');
});

test('a routing intent without a usable router fails instead of doing nothing', async () => {
  const r = await run([setWeight], fakeWriter(), [{ kind: 'nginx', path: 'spec.strategy.canary.trafficRouting.nginx', problem: 'not registered' }]);
  expect(E.isLeft(r) && r.left.error).toMatchObject({ _tag: 'PluginUnsupported', message: 'spec.strategy.canary.trafficRouting.nginx: not registered' });
  const none = await run([setWeight], fakeWriter(), []);
  expect(E.isLeft(none) && none.left.error._tag).toBe('PluginUnsupported');
});

test('EvictPod posts an Eviction to the pod\'s eviction subresource', async () => {
  const w = fakeWriter();
  const r = await run([{ _tag: 'EvictPod', name: 'web-abc-123', reason: 'restartAt' }], w);
  expect(E.isRight(r)).toBe(true);
  expect(w.calls).toEqual([{ verb: 'create', kind: 'Eviction', name: 'web-abc-123', subresource: 'pods/web-abc-123/eviction', body: { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: 'web-abc-123', namespace: 'prod' } } }]);
});

describe('releaseTraffic (a Rollout was deleted)', () => {
  const ro = { apiVersion: 'argoproj.io/v1alpha1', kind: 'Rollout', metadata: { name: 'web', namespace: 'ns' }, spec: { strategy: { canary: { stableService: 's', canaryService: 'c' } } }, status: {} } as never;
  const logged: string[] = [];
  const log = { debug: () => undefined, info: (m: string) => void logged.push(`info ${m}`), warn: () => undefined, error: (m: string, f?: Record<string, unknown>) => void logged.push(`error ${m} ${String(f?.['error'])}`) };
  const deps = { log, signal: new AbortController().signal, timeoutMs: 1000, backoffMs: 1 };

  test('each router with release is called with the stable and canary Services; retryable failures are retried', async () => {
    const seen: string[] = [];
    let failures = 2;
    const flaky: TrafficRouter = {
      ...serviceLevel,
      setWeight: () => async () => E.right(undefined),
      release: (ctx) => async () => (seen.push(`${ctx.stableService}/${ctx.canaryService}`), failures-- > 0 ? E.left(PluginErrors.kubeUnavailable({ message: 'busy' })) : E.right(undefined)),
    };
    const none: TrafficRouter = { ...serviceLevel, setWeight: () => async () => E.right(undefined) };
    expect(await releaseTraffic(ro, [{ kind: 'a', path: 'p.a', router: flaky }, { kind: 'b', path: 'p.b', router: none }], deps)).toEqual([]);
    expect(seen).toEqual(['s/c', 's/c', 's/c']);
  });

  test('a failure that retrying cannot help is logged with the router and the error, once', async () => {
    logged.length = 0;
    let calls = 0;
    const broken: TrafficRouter = { ...serviceLevel, setWeight: () => async () => E.right(undefined), release: () => async () => (calls++, E.left(PluginErrors.routerMisconfigured({ message: 'VirtualService vs not found' }))) };
    expect(await releaseTraffic(ro, [{ kind: 'istio', path: 'p.istio', router: broken }], deps)).toEqual(['istio']);
    expect(calls).toBe(1);
    expect(logged).toEqual(['error could not release the traffic of a deleted Rollout RouterMisconfigured: VirtualService vs not found']);
  });
});

test('run history: deleting an AnalysisRun that is already gone succeeds; an Experiment delete that fails stops the intents', async () => {
  const w = fakeWriter((c) =>
    c.verb !== 'delete' ? undefined : c.kind === 'AnalysisRun' ? PluginErrors.kubeNotFound({ message: 'analysisruns "old" not found' }) : PluginErrors.kubeUnavailable({ message: 'etcd timeout' }),
  );
  const r = await run([{ _tag: 'DeleteAnalysisRun', name: 'old', reason: 'r' }, { _tag: 'DeleteExperiment', name: 'old-x', reason: 'r' }, update], w);
  expect(w.calls.map((c) => `${c.verb} ${c.kind} ${c.name ?? ''}`)).toEqual(['delete AnalysisRun old', 'delete Experiment old-x']);
  expect(E.isLeft(r)).toBe(true);
});

describe('a create answered 409 AlreadyExists (create with collision counter)', () => {
  const owner = { apiVersion: 'argoproj.io/v1alpha1', kind: 'Rollout', name: 'web', uid: 'u1', controller: true, blockOwnerDeletion: true };
  const desired = { apiVersion: 'argoproj.io/v1alpha1', kind: 'AnalysisRun', metadata: { name: 'web-new-2-1', namespace: 'prod', ownerReferences: [owner] }, spec: { metrics: [{ name: 'm', provider: { web: { url: 'http://x' } } }] } } as AnalysisRun;
  const create: Intent = { _tag: 'CreateAnalysisRun', analysisRun: desired, reason: 'r' };
  const withRun: RolloutStatus = { ...status, canary: { currentStepAnalysisRunStatus: { name: 'web-new-2-1', status: 'Pending' } } };
  const exists = (name: string) => PluginErrors.kubeConflict({ message: `analysisruns "${name}" already exists` });

  /** An object client that answers GETs from `existing` (by name) and records them. */
  function objects(existing: Record<string, unknown>) {
    const gets: string[] = [];
    const client = {
      gets,
      get: (ref: { name: string }) => async () => (gets.push(ref.name), E.right(existing[ref.name] as never)),
      list: () => async () => E.right([]),
      create: () => async () => E.left(PluginErrors.pluginUnsupported({ message: 'no' })),
      update: () => async () => E.left(PluginErrors.pluginUnsupported({ message: 'no' })),
      patch: () => async () => E.left(PluginErrors.pluginUnsupported({ message: 'no' })),
      delete: () => async () => E.right(undefined),
    };
    return client;
  }

  function exec(intents: Intent[], writer: KubeWriter, client?: ReturnType<typeof objects>) {
    const c = cache();
    const r = executeRolloutIntents(rollout, { status: withRun, intents }, [], {
      writer,
      events: { record: () => Promise.resolve() },
      cache: c,
      log: silentLogger,
      signal: new AbortController().signal,
      routerTimeoutMs: 50,
      ...(client !== undefined ? { objects: client as never } : {}),
    });
    return { r, cache: c };
  }

  test('our own unfinished run with the same spec is adopted: into the cache, and the status naming it is written in the same reconcile', async () => {
    const w = fakeWriter((c) => (c.verb === 'create' ? exists(c.name ?? '') : undefined));
    const client = objects({ 'web-new-2-1': { ...desired, metadata: { ...desired.metadata, resourceVersion: '7' }, status: { phase: 'Running' } } });
    const { r, cache: c } = exec([create, { _tag: 'UpdateStatus', status: withRun, reason: 'r' }], w, client);
    const out = await r;
    expect(E.isRight(out)).toBe(true);
    expect(client.gets).toEqual(['web-new-2-1']);
    expect(w.calls.map((x) => `${x.verb} ${x.kind} ${x.name}`)).toEqual(['create AnalysisRun web-new-2-1', 'replaceStatus Rollout web']);
    expect((w.calls[1]!.body as Rollout).status?.canary?.currentStepAnalysisRunStatus?.name).toBe('web-new-2-1');
    expect(c.analysisRuns.get('prod', 'web-new-2-1')?.metadata?.resourceVersion).toBe('7');
  });

  test('a run of that name that is not ours keeps its name: the next name is created, and the status names it', async () => {
    const w = fakeWriter((c) => (c.verb === 'create' && c.name === 'web-new-2-1' ? exists('web-new-2-1') : undefined));
    const foreign = { ...desired, metadata: { ...desired.metadata, ownerReferences: [{ ...owner, uid: 'an-older-rollout' }] }, status: { phase: 'Running' } };
    const { r } = exec([create, { _tag: 'UpdateStatus', status: withRun, reason: 'r' }], w, objects({ 'web-new-2-1': foreign }));
    expect(E.isRight(await r)).toBe(true);
    expect(w.calls.map((x) => `${x.verb} ${x.kind} ${x.name}`)).toEqual(['create AnalysisRun web-new-2-1', 'create AnalysisRun web-new-2-1.1', 'replaceStatus Rollout web']);
    expect((w.calls[2]!.body as Rollout).status?.canary?.currentStepAnalysisRunStatus).toEqual({ name: 'web-new-2-1.1', status: 'Pending' });
  });

  test('finished, or another spec: not adopted either; names are tried a bounded number of times', async () => {
    const w = fakeWriter((c) => (c.verb === 'create' ? exists(c.name ?? '') : undefined));
    const finished = { ...desired, status: { phase: 'Successful' } };
    const { r } = exec([create], w, objects(new Proxy({}, { get: () => finished })));
    const out = await r;
    expect(E.isLeft(out) && out.left.error).toMatchObject({ _tag: 'KubeRejected' });
    expect(E.isLeft(out) && out.left.error.message).toContain('web-new-2-1, web-new-2-1.1');
    expect(w.calls.length).toBe(6);
  });

  test('without an object client the create fails as before (the reconcile is retried)', async () => {
    const w = fakeWriter((c) => (c.verb === 'create' ? exists(c.name ?? '') : undefined));
    const { r } = exec([create], w);
    const out = await r;
    expect(E.isLeft(out) && out.left.error._tag).toBe('KubeConflict');
  });
});
