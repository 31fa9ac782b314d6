/**
 * The namespace controller: gives every new namespace its `default` ServiceAccount, and empties a
 * terminating namespace (deleting everything in it) before removing it.
 */
import { ApiError } from '../api/ApiError';
import { ResourceApi } from '../api/ResourceApi';
import { StoreEvent } from '../store/ObjectStore';
import { ResourceRegistry } from '../registry/ResourceRegistry';
import { resourceKey } from '../registry/ResourceType';

/** The simulated namespace and service-account controllers. */
export class NamespaceController {
  constructor(
    private readonly api: ResourceApi,
    private readonly registry: ResourceRegistry,
    private readonly enqueue: (key: string) => void,
  ) {}

  /** Queue namespaces that were added, are terminating, or lost content while terminating. */
  onEvent(e: StoreEvent): void {
    const o = e.current.object;
    if (e.resource === '/namespaces') {
      if (e.type !== 'DELETED') this.enqueue(o.metadata.name ?? '');
      return;
    }
    const ns = o.metadata.namespace;
    if (ns === undefined) return;
    if (e.type === 'DELETED' || e.resource === '/serviceaccounts') {
      const nsObj = this.api.store.get('/namespaces', undefined, ns)?.object;
      if (nsObj?.metadata.deletionTimestamp !== undefined || e.resource === '/serviceaccounts') this.enqueue(ns);
    }
  }

  /** Sync one namespace. */
  sync(name: string): void {
    const ns = this.api.store.get('/namespaces', undefined, name)?.object;
    if (ns === undefined) return;
    if (ns.metadata.deletionTimestamp === undefined) {
      const saType = this.registry.lookup('', 'v1', 'serviceaccounts')!;
      if (this.api.store.get('/serviceaccounts', name, 'default') === undefined) {
        try {
          this.api.create(saType, name, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default', namespace: name } }, { fieldManager: 'kube-controller-manager' });
        } catch (e) {
          if (!(e instanceof ApiError && (e.code === 409 || e.code === 403))) throw e;
        }
      }
      return;
    }
    let remaining = 0;
    for (const t of this.registry.all()) {
      if (!t.namespaced) continue;
      for (const s of this.api.store.list(resourceKey(t), name)) {
        remaining++;
        if (s.object.metadata.deletionTimestamp !== undefined) continue;
        try {
          this.api.delete(t, name, s.object.metadata.name ?? '', {});
        } catch (e) {
          if (!(e instanceof ApiError && e.code === 404)) throw e;
        }
      }
    }
    if (remaining === 0) this.api.finalizeNamespace(name);
    else {
      let left = 0;
      for (const t of this.registry.all()) if (t.namespaced) left += this.api.store.list(resourceKey(t), name).length;
      if (left === 0) this.api.finalizeNamespace(name);
    }
  }
}
