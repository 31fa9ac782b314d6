// Watch through @kubernetes/client-node: events, resume by resourceVersion, 410 after compaction,
// bookmarks, selector transitions, timeouts, dropped streams and the informer.
import * as k8s from '@kubernetes/client-node';
import { startHarness, Harness, collectWatch, eventually } from './harness';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ workloads: false, bookmarkIntervalMs: 50 });
  await h.core.createNamespace({ body: { metadata: { name: 'w' } } });
});
afterAll(async () => {
  await h.sim.stop();
});

const cmPath = '/api/v1/namespaces/w/configmaps';
const cm = (name: string, labels: Record<string, string> = {}, data: Record<string, string> = {}): k8s.V1ConfigMap => ({ metadata: { name, labels }, data });

describe('watch', () => {
  it('streams ADDED, MODIFIED and DELETED in order from a list resourceVersion', async () => {
    const list = await h.core.listNamespacedConfigMap({ namespace: 'w' });
    const w = await collectWatch(h.kc, cmPath, { resourceVersion: list.metadata!.resourceVersion! });
    await h.core.createNamespacedConfigMap({ namespace: 'w', body: cm('one') });
    await h.core.patchNamespacedConfigMap({ namespace: 'w', name: 'one', body: { data: { x: '1' } } }, k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch));
    await h.core.deleteNamespacedConfigMap({ namespace: 'w', name: 'one' });
    await eventually(() => w.events.length >= 3);
    w.stop();
    expect(w.events.map((e) => [e.type, e.object.metadata?.name])).toEqual([
      ['ADDED', 'one'],
      ['MODIFIED', 'one'],
      ['DELETED', 'one'],
    ]);
    const rvs = w.events.map((e) => Number(e.object.metadata?.resourceVersion));
    expect(rvs).toEqual([...rvs].sort((a, b) => a - b));
    expect(new Set(rvs).size).toBe(3);
  });

  it('sends synthetic ADDED events for existing objects when no resourceVersion is given', async () => {
    await h.core.createNamespacedConfigMap({ namespace: 'w', body: cm('existing') });
    const w = await collectWatch(h.kc, cmPath, {});
    await eventually(() => w.events.some((e) => e.object.metadata?.name === 'existing'));
    w.stop();
    expect(w.events[0]?.type).toBe('ADDED');
  });

  it('resumes after a dropped stream from the last resourceVersion seen, without losing events', async () => {
    const start = await h.core.listNamespacedConfigMap({ namespace: 'w' });
    const first = await collectWatch(h.kc, cmPath, { resourceVersion: start.metadata!.resourceVersion! });
    await h.core.createNamespacedConfigMap({ namespace: 'w', body: cm('r1') });
    await eventually(() => first.events.length === 1);
    const lastSeen = first.events[0]!.object.metadata!.resourceVersion!;
    expect(h.sim.inject.dropWatches({ resource: 'configmaps' })).toBeGreaterThanOrEqual(1);
    await first.done;
    // changes while nobody watches
    await h.core.createNamespacedConfigMap({ namespace: 'w', body: cm('r2') });
    await h.core.deleteNamespacedConfigMap({ namespace: 'w', name: 'r1' });
    const second = await collectWatch(h.kc, cmPath, { resourceVersion: lastSeen });
    await eventually(() => second.events.length >= 2);
    second.stop();
    expect(second.events.map((e) => [e.type, e.object.metadata?.name])).toEqual([
      ['ADDED', 'r2'],
      ['DELETED', 'r1'],
    ]);
  });

  it('answers a compacted resourceVersion with an ERROR event carrying a 410 Expired Status', async () => {
    const old = await h.core.listNamespacedConfigMap({ namespace: 'w' });
    await h.core.createNamespacedConfigMap({ namespace: 'w', body: cm('after-compaction') });
    h.sim.inject.compact('/configmaps');
    const w = await collectWatch(h.kc, cmPath, { resourceVersion: old.metadata!.resourceVersion! });
    await w.done;
    expect(w.events).toHaveLength(1);
    expect(w.events[0]?.type).toBe('ERROR');
    expect(w.events[0]?.object).toMatchObject({ kind: 'Status', code: 410, reason: 'Expired' });
    expect((w.events[0]?.object as unknown as { message: string }).message).toMatch(/^too old resource version: \d+ \(\d+\)$/);
  });

  it('sends bookmarks when allowed, and the initial-events-end bookmark for sendInitialEvents', async () => {
    const w = await collectWatch(h.kc, cmPath, { allowWatchBookmarks: true, sendInitialEvents: true, resourceVersionMatch: 'NotOlderThan' });
    await eventually(() => w.events.filter((e) => e.type === 'BOOKMARK').length >= 2);
    w.stop();
    const firstBookmark = w.events.findIndex((e) => e.type === 'BOOKMARK');
    expect(w.events.slice(0, firstBookmark).every((e) => e.type === 'ADDED')).toBe(true);
    expect(w.events[firstBookmark]?.object.metadata?.annotations?.['k8s.io/initial-events-end']).toBe('true');
    expect(w.events[firstBookmark]?.object.kind).toBe('ConfigMap');
  });

  it('turns selector transitions into ADDED and DELETED', async () => {
    await h.core.createNamespacedConfigMap({ namespace: 'w', body: cm('sel', { stage: 'a' }) });
    const list = await h.core.listNamespacedConfigMap({ namespace: 'w', labelSelector: 'stage=b' });
    const w = await collectWatch(h.kc, cmPath, { resourceVersion: list.metadata!.resourceVersion!, labelSelector: 'stage=b' });
    const merge = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch);
    await h.core.patchNamespacedConfigMap({ namespace: 'w', name: 'sel', body: { metadata: { labels: { stage: 'b' } } } }, merge);
    await h.core.patchNamespacedConfigMap({ namespace: 'w', name: 'sel', body: { data: { x: 'y' } } }, merge);
    await h.core.patchNamespacedConfigMap({ namespace: 'w', name: 'sel', body: { metadata: { labels: { stage: 'c' } } } }, merge);
    await eventually(() => w.events.length >= 3);
    w.stop();
    expect(w.events.map((e) => e.type)).toEqual(['ADDED', 'MODIFIED', 'DELETED']);
  });

  it('ends the stream after timeoutSeconds', async () => {
    const t0 = Date.now();
    const w = await collectWatch(h.kc, cmPath, { resourceVersion: String(h.sim.objects.resourceVersion()), timeoutSeconds: 1 });
    await w.done;
    expect(Date.now() - t0).toBeGreaterThanOrEqual(900);
    expect(Date.now() - t0).toBeLessThan(3000);
  });

  it('closes streams after N events when told to, and the client resumes', async () => {
    const handle = h.sim.inject.dropWatchesAfter({ resource: 'configmaps', events: 1, times: 1 });
    const rv = String(h.sim.objects.resourceVersion());
    const w = await collectWatch(h.kc, cmPath, { resourceVersion: rv });
    await h.core.createNamespacedConfigMap({ namespace: 'w', body: cm('d1') });
    await h.core.createNamespacedConfigMap({ namespace: 'w', body: cm('d2') });
    await w.done;
    expect(handle.hits()).toBe(1);
    expect(w.events.map((e) => e.object.metadata?.name)).toEqual(['d1']);
    const again = await collectWatch(h.kc, cmPath, { resourceVersion: w.events[0]!.object.metadata!.resourceVersion! });
    await eventually(() => again.events.length >= 1);
    again.stop();
    expect(again.events.map((e) => e.object.metadata?.name)).toEqual(['d2']);
  });

  it('scopes a namespaced watch to its namespace, and watches across namespaces at the cluster path', async () => {
    await h.core.createNamespace({ body: { metadata: { name: 'w2' } } });
    const rv = String(h.sim.objects.resourceVersion());
    const scoped = await collectWatch(h.kc, cmPath, { resourceVersion: rv });
    const all = await collectWatch(h.kc, '/api/v1/configmaps', { resourceVersion: rv });
    await h.core.createNamespacedConfigMap({ namespace: 'w2', body: cm('elsewhere') });
    await h.core.createNamespacedConfigMap({ namespace: 'w', body: cm('here') });
    await eventually(() => all.events.length >= 2 && scoped.events.length >= 1);
    scoped.stop();
    all.stop();
    expect(scoped.events.map((e) => e.object.metadata?.name)).toEqual(['here']);
    expect(all.events.map((e) => e.object.metadata?.name)).toEqual(['elsewhere', 'here']);
  });
});

describe('informer', () => {
  it('lists, watches, and relists after a 410 so its cache stays complete', async () => {
    await h.core.createNamespace({ body: { metadata: { name: 'inf' } } });
    await h.core.createNamespacedConfigMap({ namespace: 'inf', body: cm('before') });
    const informer = k8s.makeInformer(h.kc, '/api/v1/namespaces/inf/configmaps', () => h.core.listNamespacedConfigMap({ namespace: 'inf' }));
    let running = true;
    informer.on('error', () => {
      if (running) setTimeout(() => void (running ? informer.start() : undefined), 10);
    });
    await informer.start();
    await eventually(() => informer.list().length === 1);
    await h.core.createNamespacedConfigMap({ namespace: 'inf', body: cm('during') });
    await eventually(() => informer.list().length === 2);
    // Break the watch and compact history while it is down: the informer must relist.
    h.sim.inject.compact('/configmaps');
    h.sim.inject.dropWatches({ resource: 'configmaps', namespace: 'inf' });
    await h.core.createNamespacedConfigMap({ namespace: 'inf', body: cm('while-down') });
    await eventually(() => informer.list().map((o) => o.metadata?.name).sort().join(',') === 'before,during,while-down', 200);
    running = false;
    await informer.stop();
    expect(h.sim.requestLog.count({ verb: 'list', resource: 'configmaps', namespace: 'inf' })).toBeGreaterThanOrEqual(1);
  });
});
