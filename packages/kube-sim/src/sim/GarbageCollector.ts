/**
 * The garbage collector: deletes objects whose owners (by `ownerReferences` uid) are all gone, drops
 * dangling references when some owners remain, and completes `Orphan` (the `orphan` finalizer: owner
 * references to the deleted owner are removed from its dependents) and `Foreground` deletions (the
 * `foregroundDeletion` finalizer: dependents are deleted first, then the owner).
 */
import { ApiError } from '../api/ApiError';
import { ResourceApi } from '../api/ResourceApi';
import { deepCopy, KubeObject } from '../store/KubeObject';
import { StoreEvent } from '../store/ObjectStore';
import { ResourceRegistry } from '../registry/ResourceRegistry';

interface Ref {
  readonly key: string;
  readonly namespace: string | undefined;
  readonly name: string;
}

const idOf = (r: Ref): string => `${r.key}|${r.namespace ?? ''}|${r.name}`;
const refOf = (id: string): Ref => {
  const [key, ns, name] = id.split('|') as [string, string, string];
  return { key, namespace: ns === '' ? undefined : ns, name };
};

/** The simulated garbage collector. */
export class GarbageCollector {
  private readonly byUid = new Map<string, Ref>();
  private readonly dependents = new Map<string, Set<string>>();

  constructor(
    private readonly api: ResourceApi,
    private readonly registry: ResourceRegistry,
    private readonly enqueue: (key: string) => void,
  ) {}

  /** Track owners and dependents; queue the objects that need attention. */
  onEvent(e: StoreEvent): void {
    const o = e.current.object;
    const ref: Ref = { key: e.resource, namespace: o.metadata.namespace, name: o.metadata.name ?? '' };
    const id = idOf(ref);
    const uid = o.metadata.uid ?? '';
    for (const r of e.previous?.object.metadata.ownerReferences ?? []) this.dependents.get(r.uid)?.delete(id);
    if (e.type === 'DELETED') {
      this.byUid.delete(uid);
      for (const d of this.dependents.get(uid) ?? []) this.enqueue(`dep:${d}`);
      this.dependents.delete(uid);
      // a dependent gone may complete its owners' foreground deletion
      for (const r of o.metadata.ownerReferences ?? []) {
        const owner = this.byUid.get(r.uid);
        if (owner !== undefined) this.enqueue(`owner:${idOf(owner)}`);
      }
      return;
    }
    this.byUid.set(uid, ref);
    const owners = o.metadata.ownerReferences ?? [];
    for (const r of owners) {
      let set = this.dependents.get(r.uid);
      if (set === undefined) this.dependents.set(r.uid, (set = new Set()));
      set.add(id);
    }
    if (owners.some((r) => !this.byUid.has(r.uid))) this.enqueue(`dep:${id}`);
    const fin = o.metadata.finalizers ?? [];
    if (o.metadata.deletionTimestamp !== undefined && (fin.includes('orphan') || fin.includes('foregroundDeletion'))) this.enqueue(`owner:${id}`);
    // A dependent change may complete an owner's foreground deletion.
    for (const r of owners) {
      const owner = this.byUid.get(r.uid);
      if (owner !== undefined) {
        const ownerObj = this.api.store.get(owner.key, owner.namespace, owner.name)?.object;
        if (ownerObj?.metadata.deletionTimestamp !== undefined) this.enqueue(`owner:${idOf(owner)}`);
      }
    }
  }

  private object(r: Ref): KubeObject | undefined {
    return this.api.store.get(r.key, r.namespace, r.name)?.object;
  }

  private alive(uid: string): boolean {
    const r = this.byUid.get(uid);
    return r !== undefined && this.object(r)?.metadata.uid === uid;
  }

  /** Sync one queued item (`dep:<id>` or `owner:<id>`). */
  sync(item: string): void {
    const colon = item.indexOf(':');
    const kind = item.slice(0, colon);
    const ref = refOf(item.slice(colon + 1));
    const t = this.registry.byResourceKey(ref.key);
    const obj = this.object(ref);
    if (t === undefined || obj === undefined) return;
    if (kind === 'dep') {
      const owners = obj.metadata.ownerReferences ?? [];
      if (owners.length === 0) return;
      const dead = owners.filter((r) => !this.alive(r.uid));
      if (dead.length === 0) return;
      if (dead.length === owners.length) {
        if (obj.metadata.deletionTimestamp === undefined) this.tolerate(() => this.api.delete(t, ref.namespace, ref.name, { propagationPolicy: 'Background' }));
        return;
      }
      const next = deepCopy(obj);
      next.metadata.ownerReferences = owners.filter((r) => this.alive(r.uid));
      this.tolerate(() => this.api.update(t, ref.namespace, ref.name, next, undefined, { fieldManager: 'garbage-collector' }));
      return;
    }
    // owner with a pending orphan / foreground deletion
    if (obj.metadata.deletionTimestamp === undefined) return;
    const uid = obj.metadata.uid ?? '';
    const deps = [...(this.dependents.get(uid) ?? [])].map(refOf).filter((d) => this.object(d)?.metadata.ownerReferences?.some((r) => r.uid === uid) === true);
    const fin = obj.metadata.finalizers ?? [];
    if (fin.includes('orphan')) {
      for (const d of deps) {
        const dt = this.registry.byResourceKey(d.key);
        const dobj = this.object(d);
        if (dt === undefined || dobj === undefined) continue;
        const next = deepCopy(dobj);
        next.metadata.ownerReferences = (dobj.metadata.ownerReferences ?? []).filter((r) => r.uid !== uid);
        this.tolerate(() => this.api.update(dt, d.namespace, d.name, next, undefined, { fieldManager: 'garbage-collector' }));
      }
      this.removeFinalizer(t, ref, 'orphan');
      return;
    }
    if (fin.includes('foregroundDeletion')) {
      let remaining = 0;
      for (const d of deps) {
        const dt = this.registry.byResourceKey(d.key);
        const dobj = this.object(d);
        if (dt === undefined || dobj === undefined) continue;
        remaining++;
        if (dobj.metadata.deletionTimestamp === undefined) this.tolerate(() => this.api.delete(dt, d.namespace, d.name, { propagationPolicy: 'Foreground' }));
      }
      if (remaining === 0) this.removeFinalizer(t, ref, 'foregroundDeletion');
    }
  }

  private removeFinalizer(t: NonNullable<ReturnType<ResourceRegistry['byResourceKey']>>, ref: Ref, finalizer: string): void {
    const obj = this.object(ref);
    if (obj === undefined) return;
    const next = deepCopy(obj);
    next.metadata.finalizers = (obj.metadata.finalizers ?? []).filter((f) => f !== finalizer);
    this.tolerate(() => this.api.update(t, ref.namespace, ref.name, next, undefined, { fieldManager: 'garbage-collector' }));
  }

  private tolerate(f: () => unknown): void {
    try {
      f();
    } catch (e) {
      if (!(e instanceof ApiError && e.code === 404)) throw e;
    }
  }
}
