/**
 * A view over an informer cache that already shows the controller's own writes.
 *
 * After the controller writes an object, its informer learns of the new version only when the watch event
 * arrives, a few milliseconds later. A reconcile that runs in between would decide again from the old version
 * and repeat the write (at best a wasted request, at worst a 409). So every successful write is remembered
 * here, and reads return the newer of the remembered object and the cached one until the cache has caught up.
 *
 * "Newer" compares `metadata.resourceVersion`s as integers when both are integers (etcd and kube-sim issue
 * increasing integers); otherwise the remembered object wins only while the cache still shows the exact
 * version the write replaced. Remembered objects are forgotten once the cache catches up, or after `ttlMs`
 * at the latest, so a missed watch event can never pin a stale object.
 */

/** The object fields a view needs. */
export interface ObjectLike {
  readonly metadata?: {
    readonly name?: string | null;
    readonly namespace?: string | null;
    readonly uid?: string | null;
    readonly resourceVersion?: string | null;
    readonly ownerReferences?: ReadonlyArray<{ readonly uid: string }> | null;
  } | null;
}

/** What a view reads from: an informer's cache. */
export interface CacheSource<T> {
  get(namespace: string | undefined, name: string): T | undefined;
  list(namespace?: string): ReadonlyArray<T>;
  byOwner(uid: string): ReadonlyArray<T>;
}

interface Written<T> {
  /** The object as the server answered the write, or `undefined` after a delete. */
  readonly object: T | undefined;
  /** `resourceVersion` of the object the write replaced (undefined for a create). */
  readonly replaced: string | undefined;
  readonly at: number;
}

const keyOf = (namespace: string | null | undefined, name: string): string => `${namespace ?? ''}/${name}`;
const rvOf = (o: ObjectLike | undefined): string | undefined => o?.metadata?.resourceVersion ?? undefined;
const INTEGER = /^\d+$/;

/** Whether resource version `a` is known to be newer than `b`. */
export function resourceVersionNewer(a: string | undefined, b: string | undefined): boolean | undefined {
  if (a === undefined || b === undefined || !INTEGER.test(a) || !INTEGER.test(b)) return undefined;
  return a.length !== b.length ? a.length > b.length : a > b;
}

export class FreshView<T extends ObjectLike> {
  private readonly written = new Map<string, Written<T>>();
  /**
   * Keys of remembered objects by namespace (`ns:<namespace>`) and by owner uid (`uid:<uid>`), so that `list`
   * and `byOwner` look only at the writes that can belong to their answer, not at every write of the last ttl
   * (which made each reconcile O(recent writes in the cluster)).
   */
  private readonly index = new Map<string, Set<string>>();
  private lastSweep = 0;

  constructor(
    private readonly source: CacheSource<T>,
    private readonly now: () => number,
    private readonly ttlMs = 30_000,
  ) {}

  /** Remember the result of a create, update or patch; `replaced` is the object the controller had seen. */
  wrote(object: T, replaced?: T): void {
    const name = object.metadata?.name;
    if (name == null) return;
    this.remember(keyOf(object.metadata?.namespace, name), { object, replaced: rvOf(replaced), at: this.now() });
    this.sweep();
  }

  /** Remember a delete. */
  deleted(namespace: string | undefined, name: string, replaced?: T): void {
    this.remember(keyOf(namespace, name), { object: undefined, replaced: rvOf(replaced), at: this.now() });
    this.sweep();
  }

  private indexKeys(o: T | undefined): string[] {
    if (o === undefined) return [];
    const out = [`ns:${o.metadata?.namespace ?? ''}`];
    for (const r of o.metadata?.ownerReferences ?? []) out.push(`uid:${r.uid}`);
    return out;
  }

  private remember(key: string, w: Written<T>): void {
    this.forget(key);
    this.written.set(key, w);
    for (const k of this.indexKeys(w.object)) {
      let set = this.index.get(k);
      if (set === undefined) this.index.set(k, (set = new Set()));
      set.add(key);
    }
  }

  private forget(key: string): void {
    const w = this.written.get(key);
    if (w === undefined) return;
    this.written.delete(key);
    for (const k of this.indexKeys(w.object)) {
      const set = this.index.get(k);
      set?.delete(key);
      if (set?.size === 0) this.index.delete(k);
    }
  }

  /** Forget expired writes nobody read again (at most once per ttl, so writes stay O(1) amortized). */
  private sweep(): void {
    const now = this.now();
    if (now - this.lastSweep < this.ttlMs) return;
    this.lastSweep = now;
    for (const [key, w] of [...this.written]) if (now - w.at > this.ttlMs) this.forget(key);
  }

  /**
   * The informer stored `object` (or removed it: `deleted`). A remembered write the cache has now caught up
   * with is forgotten at once, rather than when the key is next read or at the ttl: until then the view held
   * the server's answer as a second copy of an object the cache already has.
   */
  observed(object: T, deleted = false): void {
    if (this.written.size === 0) return;
    const name = object.metadata?.name;
    if (name == null) return;
    const key = keyOf(object.metadata?.namespace, name);
    const w = this.written.get(key);
    if (w === undefined) return;
    if (!deleted) {
      this.pick(key, object);
      return;
    }
    // Removed from the cache: our delete is confirmed, and a written object is superseded when the deleted
    // version is the one we wrote or a later one (not when an older incarnation's deletion arrives late).
    if (w.object === undefined) {
      this.forget(key);
      return;
    }
    const newer = resourceVersionNewer(rvOf(w.object), rvOf(object));
    if (newer === false || (newer === undefined && rvOf(w.object) === rvOf(object))) this.forget(key);
  }

  /** Number of writes not yet confirmed by the cache (for tests and metrics). */
  pending(): number {
    return this.written.size;
  }

  get(namespace: string | undefined, name: string): T | undefined {
    const key = keyOf(namespace, name);
    return this.pick(key, this.source.get(namespace, name));
  }

  list(namespace?: string): T[] {
    const candidates = namespace === undefined ? this.written.keys() : this.index.get(`ns:${namespace}`);
    return this.merge(this.source.list(namespace), candidates, (o) => namespace === undefined || (o.metadata?.namespace ?? '') === namespace);
  }

  byOwner(uid: string): T[] {
    return this.merge(this.source.byOwner(uid), this.index.get(`uid:${uid}`), (o) => (o.metadata?.ownerReferences ?? []).some((r) => r.uid === uid));
  }

  /**
   * The cached objects, each replaced by a newer remembered write, plus remembered objects the cache does not
   * show yet. `candidates`: the remembered keys whose object can belong (by namespace or owner index).
   */
  private merge(cached: ReadonlyArray<T>, candidates: Iterable<string> | undefined, belongs: (o: T) => boolean): T[] {
    if (this.written.size === 0) return [...cached];
    const out: T[] = [];
    const seen = new Set<string>();
    for (const c of cached) {
      const key = keyOf(c.metadata?.namespace, c.metadata?.name ?? '');
      seen.add(key);
      const o = this.pick(key, c);
      if (o !== undefined && belongs(o)) out.push(o);
    }
    if (candidates === undefined) return out;
    for (const key of [...candidates]) {
      const w = this.written.get(key);
      if (seen.has(key) || w === undefined || w.object === undefined) continue;
      const o = this.pick(key, undefined);
      if (o !== undefined && belongs(o)) out.push(o);
    }
    return out;
  }

  /** The newer of what was written and what is cached; forgets the write once the cache has caught up. */
  private pick(key: string, cached: T | undefined): T | undefined {
    const w = this.written.get(key);
    if (w === undefined) return cached;
    if (this.now() - w.at > this.ttlMs) {
      this.forget(key);
      return cached;
    }
    const cachedRv = rvOf(cached);
    if (w.object === undefined) {
      // A delete: the cached object is stale while it is the one deleted (or older).
      if (cached === undefined) {
        this.forget(key);
        return undefined;
      }
      if (cachedRv === w.replaced || resourceVersionNewer(w.replaced, cachedRv) === true) return undefined;
      this.forget(key);
      return cached;
    }
    if (cached === undefined) return w.replaced === undefined ? w.object : undefined;
    const writtenRv = rvOf(w.object);
    const newer = resourceVersionNewer(writtenRv, cachedRv);
    if (newer === true || (newer === undefined && cachedRv === w.replaced && cachedRv !== writtenRv)) return w.object;
    this.forget(key);
    return cached;
  }
}
