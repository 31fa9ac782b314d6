import { KubeObject, objectKey } from './KubeObject';

/** The three kinds of change a watch reports. */
export type ChangeType = 'ADDED' | 'MODIFIED' | 'DELETED';

/** One stored object version with its serialisation cached (objects are immutable once stored). */
export class StoredObject {
  private cachedJson: string | undefined;
  constructor(
    readonly object: KubeObject,
    readonly rv: number,
  ) {}
  /** `JSON.stringify(object)`, computed once. */
  json(): string {
    if (this.cachedJson === undefined) this.cachedJson = JSON.stringify(this.object);
    return this.cachedJson;
  }
}

/** One committed change of one resource. `previous` is the version before a MODIFIED or DELETED. */
export interface StoreEvent {
  readonly type: ChangeType;
  /** The resource key (`apps/deployments`, `/pods`). */
  readonly resource: string;
  readonly rv: number;
  readonly current: StoredObject;
  readonly previous?: StoredObject;
}

/** Called synchronously after each commit. */
export type StoreListener = (event: StoreEvent) => void;

class Bucket {
  readonly objects = new Map<string, StoredObject>();
  private sorted: string[] | null = null;
  /** Retained events, oldest first; events with rv <= compactedRv are gone. */
  log: StoreEvent[] = [];
  compactedRv: number;
  constructor(startRv: number) {
    this.compactedRv = startRv;
  }
  keys(): string[] {
    if (this.sorted === null) this.sorted = [...this.objects.keys()].sort();
    return this.sorted;
  }
  invalidate(): void {
    this.sorted = null;
  }
}

/** What {@link ObjectStore.eventsAfter} answers: the events, or that the version was compacted away. */
export type EventsAfter = { readonly ok: true; readonly events: readonly StoreEvent[] } | { readonly ok: false; readonly oldest: number };

/**
 * A versioned object store: one global, monotonically increasing resourceVersion (like etcd's revision),
 * objects per resource keyed by `namespace/name`, and per resource a bounded event log. Once an event
 * falls off the log, watches from before it are answered with 410 by the layers above.
 */
export class ObjectStore {
  private rv: number;
  private readonly buckets = new Map<string, Bucket>();
  private readonly listeners = new Set<StoreListener>();
  private readonly droppedAt = new Map<string, number>();

  constructor(
    /** How many events each resource keeps for watches that resume from an older resourceVersion. */
    private readonly eventLogSize = 5000,
    startRv = 1000,
  ) {
    this.rv = startRv;
  }

  /** The current (latest committed) resourceVersion. */
  resourceVersion(): number {
    return this.rv;
  }

  private bucket(resource: string): Bucket {
    let b = this.buckets.get(resource);
    if (b === undefined) {
      // A resource that never had events has lost none; one that was dropped lost everything before.
      b = new Bucket(this.droppedAt.get(resource) ?? 0);
      this.buckets.set(resource, b);
    }
    return b;
  }

  /** The stored version of one object. */
  get(resource: string, namespace: string | undefined, name: string): StoredObject | undefined {
    return this.buckets.get(resource)?.objects.get(objectKey(namespace, name));
  }

  /** All objects of a resource (in one namespace when given), in key order. */
  list(resource: string, namespace?: string): StoredObject[] {
    const b = this.buckets.get(resource);
    if (b === undefined) return [];
    const keys = b.keys();
    if (namespace === undefined || namespace === '') return keys.map((k) => b.objects.get(k)!);
    // Keys are sorted, so one namespace is a contiguous run starting at the first key >= "ns/".
    const prefix = `${namespace}/`;
    let lo = 0;
    let hi = keys.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (keys[mid]! < prefix) lo = mid + 1;
      else hi = mid;
    }
    const out: StoredObject[] = [];
    for (let i = lo; i < keys.length && keys[i]!.startsWith(prefix); i++) out.push(b.objects.get(keys[i]!)!);
    return out;
  }

  /** Number of objects stored for a resource. */
  count(resource: string): number {
    return this.buckets.get(resource)?.objects.size ?? 0;
  }

  /**
   * Commit a new or changed object: stamps the next resourceVersion into `metadata.resourceVersion`
   * (the object passed in is taken over, not copied) and notifies listeners.
   */
  put(resource: string, object: KubeObject): StoreEvent {
    const b = this.bucket(resource);
    const key = objectKey(object.metadata.namespace, object.metadata.name ?? '');
    const previous = b.objects.get(key);
    const rv = ++this.rv;
    object.metadata.resourceVersion = String(rv);
    const current = new StoredObject(object, rv);
    b.objects.set(key, current);
    if (previous === undefined) b.invalidate();
    return this.record(b, { type: previous === undefined ? 'ADDED' : 'MODIFIED', resource, rv, current, ...(previous ? { previous } : {}) });
  }

  /**
   * Remove an object. The DELETED event carries the last state with the deletion's resourceVersion,
   * as a real server's watch does.
   */
  remove(resource: string, namespace: string | undefined, name: string): StoreEvent | undefined {
    const b = this.buckets.get(resource);
    const key = objectKey(namespace, name);
    const previous = b?.objects.get(key);
    if (b === undefined || previous === undefined) return undefined;
    b.objects.delete(key);
    b.invalidate();
    const rv = ++this.rv;
    const last: KubeObject = { ...previous.object, metadata: { ...previous.object.metadata, resourceVersion: String(rv) } };
    return this.record(b, { type: 'DELETED', resource, rv, current: new StoredObject(last, rv), previous });
  }

  private record(b: Bucket, event: StoreEvent): StoreEvent {
    b.log.push(event);
    if (b.log.length > this.eventLogSize * 2) this.trim(b, b.log.length - this.eventLogSize);
    for (const l of this.listeners) l(event);
    return event;
  }

  private trim(b: Bucket, drop: number): void {
    if (drop <= 0) return;
    const dropped = b.log.slice(0, drop);
    b.log = b.log.slice(drop);
    b.compactedRv = dropped[dropped.length - 1]!.rv;
  }

  /** Events of a resource with rv greater than `rv`, or `ok: false` when some of them were compacted. */
  eventsAfter(resource: string, rv: number): EventsAfter {
    const b = this.bucket(resource);
    if (rv < b.compactedRv) return { ok: false, oldest: b.compactedRv };
    // binary search for the first event with rv > given
    let lo = 0;
    let hi = b.log.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (b.log[mid]!.rv <= rv) lo = mid + 1;
      else hi = mid;
    }
    return { ok: true, events: b.log.slice(lo) };
  }

  /** The oldest resourceVersion a watch of this resource may still resume from. */
  compactedRevision(resource: string): number {
    return this.bucket(resource).compactedRv;
  }

  /** Forget the event history (of one resource, or all), so watches from older versions get 410. */
  compact(resource?: string): void {
    const targets = resource !== undefined ? [this.bucket(resource)] : [...this.buckets.values()];
    for (const b of targets) {
      b.log = [];
      b.compactedRv = this.rv;
    }
  }

  /** Drop every object and the history of a resource (a deleted CRD's instances are gone for good). */
  dropResource(resource: string): void {
    this.buckets.delete(resource);
    this.droppedAt.set(resource, this.rv);
  }

  /** Listen to every commit; returns the function that stops listening. */
  subscribe(listener: StoreListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
