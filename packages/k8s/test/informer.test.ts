// Informer against kube-sim through client-node: initial list, watch events, indexes, resume, relist on 410, resync.
import { createInformer, createManualClock, Informer, InformerEvent, Resources } from '../src';
import { eventually, memoryLogger, recordingMetrics, replicaSet, Sim, startSim } from './harness';

interface RS {
  metadata: { name: string; namespace?: string; uid?: string; resourceVersion?: string; labels?: Record<string, string>; managedFields?: unknown; ownerReferences?: Array<{ uid: string }> };
  spec?: { replicas?: number };
}

let s: Sim;
const informers: Array<Informer<unknown>> = [];
beforeAll(async () => {
  s = await startSim({ namespaces: ['other'] });
});
afterEach(() => {
  for (const i of informers.splice(0)) i.stop();
});
afterAll(async () => {
  await s.sim.stop();
});

function track<T>(i: Informer<T>): { informer: Informer<T>; events: Array<InformerEvent<T>> } {
  informers.push(i as Informer<unknown>);
  const events: Array<InformerEvent<T>> = [];
  i.onEvent((e) => events.push(e));
  return { informer: i, events };
}

/** Wait until the informer's watch is open: it has seen an object created after its list. */
async function watching(informer: Informer<RS>, ns: string): Promise<void> {
  const name = `probe-${Math.random().toString(36).slice(2, 8)}`;
  s.sim.objects.create(replicaSet(name, { namespace: ns }));
  await eventually(() => informer.get(ns, name));
  s.sim.objects.delete('apps/v1', 'ReplicaSet', name, ns);
  await eventually(() => informer.get(ns, name) === undefined);
}

const summary = (events: Array<InformerEvent<RS>>) => events.map((e) => `${e.type} ${e.object.metadata.name}`);

describe('informer', () => {
  it('lists into the cache before start resolves, then follows the watch', async () => {
    const ns = 'inf-basic';
    s.sim.objects.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
    s.sim.objects.create(replicaSet('a', { namespace: ns }));
    s.sim.objects.create(replicaSet('b', { namespace: ns }));
    s.sim.objects.create(replicaSet('elsewhere', { namespace: 'other' }));
    const metrics = recordingMetrics();
    const { informer, events } = track(createInformer<RS>(s.kc, Resources.replicaSets, { namespace: ns, metrics }));
    expect(informer.hasSynced()).toBe(false);
    await informer.start();
    expect(informer.hasSynced()).toBe(true);
    expect(informer.list().map((r) => r.metadata.name).sort()).toEqual(['a', 'b']);
    expect(summary(events).sort()).toEqual(['ADDED a', 'ADDED b']);
    expect(metrics.records).toContainEqual({ verb: 'list', kind: 'ReplicaSet', namespace: ns, code: 200 });
    // managedFields are stripped (kube-sim tracks them)
    expect(s.sim.objects.get('apps/v1', 'ReplicaSet', 'a', ns)?.metadata.managedFields).toBeDefined();
    expect(informer.get(ns, 'a')?.metadata.managedFields).toBeUndefined();
    expect(informer.get(ns, 'a')?.metadata.uid).toBe(s.sim.objects.get('apps/v1', 'ReplicaSet', 'a', ns)?.metadata.uid);

    events.length = 0;
    s.sim.objects.create(replicaSet('c', { namespace: ns }));
    const a = s.sim.objects.get('apps/v1', 'ReplicaSet', 'a', ns)!;
    s.sim.objects.update({ ...a, spec: { ...(a['spec'] as object), replicas: 5 } });
    s.sim.objects.delete('apps/v1', 'ReplicaSet', 'b', ns);
    await eventually(() => events.length >= 3);
    expect(summary(events)).toEqual(['ADDED c', 'MODIFIED a', 'DELETED b']);
    const modified = events[1]!;
    expect(modified.old?.spec?.replicas).toBe(1);
    expect(modified.object.spec?.replicas).toBe(5);
    expect(informer.get(ns, 'a')?.spec?.replicas).toBe(5);
    expect(informer.get(ns, 'b')).toBeUndefined();
    expect(informer.list(ns).map((r) => r.metadata.name).sort()).toEqual(['a', 'c']);
    expect(informer.list('nope')).toEqual([]);
  });

  it('sends its User-Agent on the list and on the watch (default rollouts-controller)', async () => {
    const ns = 'inf-agent';
    s.sim.objects.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
    const since = s.sim.requestLog.mark();
    const { informer } = track(createInformer<RS>(s.kc, Resources.replicaSets, { namespace: ns, userAgent: 'kubectl-rollouts' }));
    await informer.start();
    await watching(informer, ns);
    const mine = s.sim.requestLog.entries({ since, resource: 'replicasets', namespace: ns }).filter((e) => e.verb === 'list' || e.verb === 'watch');
    expect(mine.map((e) => `${e.verb} ${e.userAgent}`).sort()).toEqual(['list kubectl-rollouts', 'watch kubectl-rollouts']);
    const other = track(createInformer<RS>(s.kc, Resources.replicaSets, { namespace: ns }));
    const since2 = s.sim.requestLog.mark();
    await other.informer.start();
    await watching(other.informer, ns);
    expect(s.sim.requestLog.entries({ since: since2, resource: 'replicasets', namespace: ns }).filter((e) => e.verb === 'watch').map((e) => e.userAgent)).toContain('rollouts-controller');
  });

  it('indexes by owner uid and keeps the index current', async () => {
    const ns = 'inf-owner';
    s.sim.objects.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
    s.sim.objects.create(replicaSet('r1', { namespace: ns, owner: 'uid-1' }));
    s.sim.objects.create(replicaSet('r2', { namespace: ns, owner: 'uid-1' }));
    s.sim.objects.create(replicaSet('r3', { namespace: ns, owner: 'uid-2' }));
    const { informer, events } = track(createInformer<RS>(s.kc, Resources.replicaSets, { namespace: ns }));
    await informer.start();
    const names = (uid: string) => informer.byOwner(uid).map((r) => r.metadata.name).sort();
    expect(names('uid-1')).toEqual(['r1', 'r2']);
    expect(names('uid-2')).toEqual(['r3']);
    expect(names('uid-none')).toEqual([]);
    // orphan r2, delete r3
    const r2 = s.sim.objects.get('apps/v1', 'ReplicaSet', 'r2', ns)!;
    s.sim.objects.update({ ...r2, metadata: { ...r2.metadata, ownerReferences: [] } });
    s.sim.objects.delete('apps/v1', 'ReplicaSet', 'r3', ns);
    await eventually(() => events.filter((e) => e.type !== 'ADDED').length >= 2);
    expect(names('uid-1')).toEqual(['r1']);
    expect(names('uid-2')).toEqual([]);
  });

  it('resumes a dropped watch from the last resourceVersion: no relist, and changes made meanwhile (deletes too) arrive', async () => {
    const ns = 'inf-resume';
    s.sim.objects.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
    s.sim.objects.create(replicaSet('keep', { namespace: ns }));
    s.sim.objects.create(replicaSet('gone', { namespace: ns }));
    const { informer, events } = track(createInformer<RS>(s.kc, Resources.replicaSets, { namespace: ns, retryBaseMs: 20 }));
    await informer.start();
    const lists = () => s.sim.requestLog.count({ verb: 'list', resource: 'replicasets', namespace: ns });
    expect(lists()).toBe(1);
    await watching(informer, ns);
    // the watch is refused for a while after the drop, so the changes below happen while nobody watches
    const refuse = s.sim.inject.error({ verb: 'watch', resource: 'replicasets', namespace: ns, code: 503 });
    await eventually(() => s.sim.inject.dropWatches({ resource: 'replicasets', namespace: ns }) >= 1);
    events.length = 0;
    s.sim.objects.delete('apps/v1', 'ReplicaSet', 'gone', ns);
    s.sim.objects.create(replicaSet('new', { namespace: ns }));
    await eventually(() => refuse.hits() >= 1);
    refuse.remove();
    await eventually(() => events.length >= 2);
    expect(summary(events)).toEqual(['DELETED gone', 'ADDED new']);
    expect(lists()).toBe(1);
    expect(informer.list().map((r) => r.metadata.name).sort()).toEqual(['keep', 'new']);
  });

  it('relists on 410 Gone and reports what changed while it was not watching', async () => {
    const ns = 'inf-relist';
    s.sim.objects.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
    s.sim.objects.create(replicaSet('stays', { namespace: ns }));
    s.sim.objects.create(replicaSet('changes', { namespace: ns }));
    s.sim.objects.create(replicaSet('removed', { namespace: ns }));
    const { informer, events } = track(createInformer<RS>(s.kc, Resources.replicaSets, { namespace: ns, retryBaseMs: 20 }));
    await informer.start();
    await watching(informer, ns);
    const refuse = s.sim.inject.error({ verb: 'watch', resource: 'replicasets', namespace: ns, code: 503 });
    await eventually(() => s.sim.inject.dropWatches({ resource: 'replicasets', namespace: ns }) >= 1);
    events.length = 0;
    const c = s.sim.objects.get('apps/v1', 'ReplicaSet', 'changes', ns)!;
    s.sim.objects.update({ ...c, spec: { ...(c['spec'] as object), replicas: 3 } });
    s.sim.objects.delete('apps/v1', 'ReplicaSet', 'removed', ns);
    s.sim.objects.create(replicaSet('added', { namespace: ns }));
    s.sim.inject.compact('apps/replicasets');
    await eventually(() => refuse.hits() >= 1);
    refuse.remove();
    await eventually(() => events.length >= 3);
    expect(summary(events).sort()).toEqual(['ADDED added', 'DELETED removed', 'MODIFIED changes']);
    expect(events.find((e) => e.type === 'MODIFIED')?.old?.spec?.replicas).toBe(1);
    expect(s.sim.requestLog.count({ verb: 'list', resource: 'replicasets', namespace: ns })).toBe(2);
    expect(informer.list().map((r) => r.metadata.name).sort()).toEqual(['added', 'changes', 'stays']);
    // and it keeps watching after the relist
    s.sim.objects.create(replicaSet('after', { namespace: ns }));
    await eventually(() => informer.get(ns, 'after'));
  });

  it('re-announces every cached object as RESYNC each resync period', async () => {
    const ns = 'inf-resync';
    s.sim.objects.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
    s.sim.objects.create(replicaSet('x', { namespace: ns }));
    s.sim.objects.create(replicaSet('y', { namespace: ns }));
    const clock = createManualClock();
    const { informer, events } = track(createInformer<RS>(s.kc, Resources.replicaSets, { namespace: ns, resyncMs: 60_000, clock }));
    await informer.start();
    events.length = 0;
    clock.advance(59_999);
    expect(events).toEqual([]);
    clock.advance(1);
    expect(summary(events).sort()).toEqual(['RESYNC x', 'RESYNC y']);
    expect(events[0]!.old).toBe(events[0]!.object);
    clock.advance(60_000);
    expect(events).toHaveLength(4);
  });

  it('watches all namespaces and cluster-scoped kinds', async () => {
    s.sim.objects.create({ apiVersion: 'argoproj.io/v1alpha1', kind: 'ClusterAnalysisTemplate', metadata: { name: 'cat' }, spec: { metrics: [{ name: 'm', provider: { job: { spec: { template: { spec: { containers: [] } } } } } }] } });
    const { informer } = track(createInformer<{ metadata: { name: string } }>(s.kc, Resources.clusterAnalysisTemplates));
    await informer.start();
    expect(informer.get(undefined, 'cat')?.metadata.name).toBe('cat');
    expect(informer.list('ignored-for-cluster-scope')).toHaveLength(1);
    const all = track(createInformer<RS>(s.kc, Resources.replicaSets));
    await all.informer.start();
    expect(new Set(all.informer.list().map((r) => r.metadata.namespace))).toEqual(new Set(['inf-basic', 'inf-owner', 'inf-resume', 'inf-relist', 'inf-resync', 'other']));
  });

  it('keeps retrying the initial list while the server fails, and stop() releases start()', async () => {
    const log = memoryLogger();
    const fail = s.sim.inject.error({ verb: 'list', resource: 'services', code: 500 });
    const { informer } = track(createInformer(s.kc, Resources.services, { retryBaseMs: 10, log }));
    let resolved = false;
    const started = informer.start().then(() => (resolved = true));
    await eventually(() => fail.hits() >= 2);
    expect(resolved).toBe(false);
    expect(log.lines.some((l) => l.includes('informer list failed') && l.includes('list Service'))).toBe(true);
    fail.remove();
    await started;
    expect(informer.hasSynced()).toBe(true);

    const never = s.sim.inject.error({ verb: 'list', resource: 'pods', code: 503 });
    const stuck = track(createInformer(s.kc, Resources.pods, { retryBaseMs: 10 })).informer;
    const p = stuck.start();
    await eventually(() => never.hits() >= 1);
    stuck.stop();
    await p;
    expect(stuck.hasSynced()).toBe(false);
    never.remove();
  });

  it('keeps the last list error for status reports (a 403 names the resource), logs it with backoff, and clears it once the list succeeds', async () => {
    const log = memoryLogger();
    const forbidden = s.sim.inject.error({ verb: 'list', resource: 'secrets', code: 403, message: 'secrets is forbidden: cannot list resource "secrets"' });
    const { informer } = track(createInformer(s.kc, Resources.secrets, { retryBaseMs: 10, log }));
    expect(informer.kind).toBe('Secret');
    const started = informer.start();
    await eventually(() => forbidden.hits() >= 5);
    expect(informer.lastError()).toContain('list Secret');
    expect(informer.lastError()).toContain('forbidden');
    // five failures within a second: one warning (the same error again is logged after 10 s)
    expect(log.lines.filter((l) => l.includes('informer list failed'))).toHaveLength(1);
    forbidden.remove();
    await started;
    expect(informer.lastError()).toBeUndefined();
  });
});
