import { ObjectStore, StoreEvent } from './ObjectStore';

const obj = (name: string, ns = 'd', data = '1') => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: ns }, data: { v: data } });

describe('ObjectStore', () => {
  it('stamps one global increasing resourceVersion and keeps keys sorted', () => {
    const s = new ObjectStore(10, 100);
    s.put('/configmaps', obj('b'));
    s.put('/secrets', { ...obj('x'), kind: 'Secret' });
    s.put('/configmaps', obj('a'));
    expect(s.resourceVersion()).toBe(103);
    expect(s.list('/configmaps').map((x) => [x.object.metadata.name, x.rv])).toEqual([
      ['a', 103],
      ['b', 101],
    ]);
    expect(s.list('/configmaps', 'other')).toEqual([]);
  });

  it('lists one namespace among many (and not a namespace whose name extends it)', () => {
    const s = new ObjectStore();
    for (const ns of ['a', 'ab', 'b', 'a-1']) for (const n of ['x', 'y']) s.put('/configmaps', obj(n, ns));
    expect(s.list('/configmaps', 'a').map((x) => `${x.object.metadata.namespace}/${x.object.metadata.name}`)).toEqual(['a/x', 'a/y']);
    expect(s.list('/configmaps', 'ab')).toHaveLength(2);
    expect(s.list('/configmaps', 'zz')).toEqual([]);
    expect(s.list('/configmaps')).toHaveLength(8);
  });

  it('reports ADDED, MODIFIED and DELETED with the previous version, and DELETED carries a new version', () => {
    const s = new ObjectStore(10, 0);
    const seen: StoreEvent[] = [];
    s.subscribe((e) => seen.push(e));
    s.put('/configmaps', obj('a'));
    s.put('/configmaps', obj('a', 'd', '2'));
    s.remove('/configmaps', 'd', 'a');
    expect(seen.map((e) => [e.type, e.rv, e.previous?.rv])).toEqual([
      ['ADDED', 1, undefined],
      ['MODIFIED', 2, 1],
      ['DELETED', 3, 2],
    ]);
    expect(seen[2]?.current.object.metadata.resourceVersion).toBe('3');
    expect(s.remove('/configmaps', 'd', 'a')).toBeUndefined();
  });

  it('replays events after a version, and reports compaction', () => {
    const s = new ObjectStore(3, 0);
    for (let i = 0; i < 10; i++) s.put('/configmaps', obj(`o${i}`));
    const after = s.eventsAfter('/configmaps', 8);
    expect(after.ok && after.events.map((e) => e.rv)).toEqual([9, 10]);
    expect(s.eventsAfter('/configmaps', 1).ok).toBe(false);
    s.compact('/configmaps');
    expect(s.eventsAfter('/configmaps', 9).ok).toBe(false);
    expect(s.eventsAfter('/configmaps', 10)).toEqual({ ok: true, events: [] });
  });

  it('lets a watch of a resource without events resume from any version', () => {
    const s = new ObjectStore(3, 0);
    for (let i = 0; i < 10; i++) s.put('/secrets', obj(`o${i}`));
    expect(s.eventsAfter('/configmaps', 2)).toEqual({ ok: true, events: [] });
    s.put('/configmaps', obj('a'));
    s.dropResource('/configmaps');
    expect(s.eventsAfter('/configmaps', 2).ok).toBe(false);
  });

  it('caches the serialisation of stored versions', () => {
    const s = new ObjectStore();
    const e = s.put('/configmaps', obj('a'));
    expect(e.current.json()).toBe(JSON.stringify(e.current.object));
    expect(e.current.json()).toBe(e.current.json());
  });
});
