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
    this.written.set(keyOf(object.metadata?.namespace, name), { object, replaced: rvOf(replaced), at: this.now() });
    this.sweep();
  }

  /** Remember a delete. */
  deleted(namespace: string | undefined, name: string, replaced?: T): void {
    this.written.set(keyOf(namespace, name), { object: undefined, replaced: rvOf(replaced), at: this.now() });
    this.sweep();
  }

  /** Forget expired writes nobody read again (at most once per ttl, so writes stay O(1) amortized). */
  private sweep(): void {
    const now = this.now();
    if (now - this.lastSweep < this.ttlMs) return;
    this.lastSweep = now;
    for (const [key, w] of this.written) if (now - w.at > this.ttlMs) this.written.delete(key);
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
    return this.merge(this.source.list(namespace), (o) => namespace === undefined || (o.metadata?.namespace ?? '') === namespace);
  }

  byOwner(uid: string): T[] {
    return this.merge(this.source.byOwner(uid), (o) => (o.metadata?.ownerReferences ?? []).some((r) => r.uid === uid));
  }

  private merge(cached: ReadonlyArray<T>, belongs: (o: T) => boolean): T[] {
    if (this.written.size === 0) return [...cached];
    const out: T[] = [];
    const seen = new Set<string>();
    for (const c of cached) {
      const key = keyOf(c.metadata?.namespace, c.metadata?.name ?? '');
      seen.add(key);
      const o = this.pick(key, c);
      if (o !== undefined && belongs(o)) out.push(o);
    }
    for (const [key, w] of [...this.written]) {
      if (seen.has(key) || w.object === undefined) continue;
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
      this.written.delete(key);
      return cached;
    }
    const cachedRv = rvOf(cached);
    if (w.object === undefined) {
      // A delete: the cached object is stale while it is the one deleted (or older).
      if (cached === undefined) {
        this.written.delete(key);
        return undefined;
      }
      if (cachedRv === w.replaced || resourceVersionNewer(w.replaced, cachedRv) === true) return undefined;
      this.written.delete(key);
      return cached;
    }
    if (cached === undefined) return w.replaced === undefined ? w.object : undefined;
    const writtenRv = rvOf(w.object);
    const newer = resourceVersionNewer(writtenRv, cachedRv);
    if (newer === true || (newer === undefined && cachedRv === w.replaced && cachedRv !== writtenRv)) return w.object;
    this.written.delete(key);
    return cached;
  }
}
