import { FreshView, resourceVersionNewer, type CacheSource, type ObjectLike } from './FreshView';

interface Obj extends ObjectLike {
  readonly metadata: { name: string; namespace: string; resourceVersion: string; ownerReferences?: Array<{ uid: string }> };
  readonly v: string;
}
const obj = (name: string, rv: string, v = rv, owner?: string): Obj => ({ metadata: { name, namespace: 'ns', resourceVersion: rv, ...(owner !== undefined ? { ownerReferences: [{ uid: owner }] } : {}) }, v });

function source(initial: Obj[] = []): CacheSource<Obj> & { set(o: Obj): void; remove(name: string): void } {
  const m = new Map(initial.map((o) => [o.metadata.name, o]));
  return {
    set: (o) => void m.set(o.metadata.name, o),
    remove: (n) => void m.delete(n),
    get: (_ns, name) => m.get(name),
    list: () => [...m.values()],
    byOwner: (uid) => [...m.values()].filter((o) => (o.metadata.ownerReferences ?? []).some((r) => r.uid === uid)),
  };
}

describe('resourceVersionNewer', () => {
  test.each([
    ['10', '9', true],
    ['9', '10', false],
    ['10', '10', false],
    ['abc', '10', undefined],
    [undefined, '1', undefined],
  ])('%s newer than %s: %s', (a, b, expected) => {
    expect(resourceVersionNewer(a, b)).toBe(expected);
  });
});

describe('FreshView', () => {
  let now = 0;
  const clock = () => now;
  beforeEach(() => {
    now = 0;
  });

  test('a created object is visible before the cache has it, then the cache wins', () => {
    const src = source();
    const view = new FreshView(src, clock);
    view.wrote(obj('a', '5', 'created', 'owner'));
    expect(view.get('ns', 'a')?.v).toBe('created');
    expect(view.byOwner('owner').map((o) => o.v)).toEqual(['created']);
    expect(view.list('ns').map((o) => o.v)).toEqual(['created']);
    src.set(obj('a', '5', 'from-watch', 'owner'));
    expect(view.get('ns', 'a')?.v).toBe('from-watch');
    expect(view.pending()).toBe(0);
  });

  test('an update hides the stale cached version until the watch delivers the same or a newer one', () => {
    const src = source([obj('a', '3', 'old')]);
    const view = new FreshView(src, clock);
    view.wrote(obj('a', '7', 'mine'), obj('a', '3'));
    expect(view.get('ns', 'a')?.v).toBe('mine');
    expect(view.list().map((o) => o.v)).toEqual(['mine']);
    src.set(obj('a', '9', 'someone-else'));
    expect(view.get('ns', 'a')?.v).toBe('someone-else');
    expect(view.pending()).toBe(0);
  });

  test('without integer versions, the write wins only while the cache shows the version it replaced', () => {
    const src = source([obj('a', 'x1', 'old')]);
    const view = new FreshView(src, clock);
    view.wrote(obj('a', 'x2', 'mine'), obj('a', 'x1'));
    expect(view.get('ns', 'a')?.v).toBe('mine');
    src.set(obj('a', 'x3', 'next'));
    expect(view.get('ns', 'a')?.v).toBe('next');
  });

  test('a deleted object is gone at once, and comes back only in a newer version', () => {
    const src = source([obj('a', '3', 'old', 'o')]);
    const view = new FreshView(src, clock);
    view.deleted('ns', 'a', obj('a', '3'));
    expect(view.get('ns', 'a')).toBeUndefined();
    expect(view.byOwner('o')).toEqual([]);
    src.set(obj('a', '12', 'recreated', 'o'));
    expect(view.get('ns', 'a')?.v).toBe('recreated');
  });

  test('a write the watch never confirms is forgotten after the ttl', () => {
    const src = source([obj('a', '3', 'old')]);
    const view = new FreshView(src, clock, 1000);
    view.wrote(obj('a', '7', 'mine'), obj('a', '3'));
    now = 999;
    expect(view.get('ns', 'a')?.v).toBe('mine');
    now = 1001;
    expect(view.get('ns', 'a')?.v).toBe('old');
  });

  test('writes nobody reads again are swept once they expire', () => {
    const src = source();
    const view = new FreshView(src, clock, 1000);
    now = 5000;
    view.deleted('ns', 'gone');
    now = 7000;
    view.wrote(obj('b', '1'));
    expect(view.pending()).toBe(1);
  });

  test('uncached writes show up under their current owner and namespace only', () => {
    const src = source();
    const view = new FreshView(src, clock);
    view.wrote(obj('a', '5', 'first', 'owner-1'));
    view.wrote(obj('b', '6', 'other', 'owner-2'));
    expect(view.byOwner('owner-1').map((o) => o.v)).toEqual(['first']);
    // the same object written again with another owner moves in the index
    view.wrote(obj('a', '8', 'moved', 'owner-2'));
    expect(view.byOwner('owner-1')).toEqual([]);
    expect(view.byOwner('owner-2').map((o) => o.v).sort()).toEqual(['moved', 'other']);
    expect(view.list('ns').map((o) => o.v).sort()).toEqual(['moved', 'other']);
    expect(view.list('elsewhere')).toEqual([]);
    // once the cache has caught up the write is forgotten, index included
    src.set(obj('a', '8', 'cached', 'owner-2'));
    expect(view.byOwner('owner-2').map((o) => o.v).sort()).toEqual(['cached', 'other']);
    expect(view.pending()).toBe(1);
  });

  test('a write is forgotten as soon as the informer reports its version (or a newer one), not before', () => {
    const src = source([obj('a', '3', 'old')]);
    const view = new FreshView(src, clock);
    view.wrote(obj('a', '7', 'mine'), obj('a', '3'));
    view.observed(obj('a', '3', 'old')); // a late event of the replaced version
    expect(view.pending()).toBe(1);
    expect(view.get('ns', 'a')?.v).toBe('mine');
    src.set(obj('a', '7', 'from-watch'));
    view.observed(obj('a', '7', 'from-watch'));
    expect(view.pending()).toBe(0);
    view.wrote(obj('b', '9', 'created'));
    view.observed(obj('b', '5', 'older incarnation'), true);
    expect(view.pending()).toBe(1);
    expect(view.get('ns', 'b')?.v).toBe('created');
    view.observed(obj('b', '9', 'created'), true); // deleted by someone else before its event was read
    expect(view.pending()).toBe(0);
    expect(view.get('ns', 'b')).toBeUndefined();
    view.deleted('ns', 'a', obj('a', '7'));
    expect(view.pending()).toBe(1);
    view.observed(obj('a', '7'), true);
    expect(view.pending()).toBe(0);
  });
});
