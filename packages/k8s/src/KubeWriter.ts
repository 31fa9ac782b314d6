/**
 * Writes to the API server, each answering `Either<PluginError, A>`: create, patch (merge, JSON, strategic;
 * on the object or its status/scale subresource), replace of the status with optimistic concurrency, delete.
 * Nothing here throws for an expected failure.
 */
import * as E from 'fp-ts/lib/Either';
import type { Either } from 'fp-ts/lib/Either';
import type { KubeConfig } from '@kubernetes/client-node';
import { PluginErrors } from '@rollouts/plugin-sdk';
import type { Logger, PluginError } from '@rollouts/plugin-sdk';
import { ApiTransport, createApiTransport } from './internal/ApiTransport';
import type { RequestMetrics } from './RequestMetrics';
import { resourcePath, ResourceKind } from './Resources';

/** A patch and its flavour. */
export interface KubePatch {
  /** `merge`: RFC 7386; `json`: RFC 6902; `strategic`: Kubernetes strategic merge (built-in kinds only). */
  readonly type: 'merge' | 'json' | 'strategic';
  readonly body: unknown;
}

/** See the module comment. */
export interface KubeWriter {
  /** POST the object; `AlreadyExists` is a `KubeConflict`. */
  create<T>(kind: ResourceKind, namespace: string | undefined, object: T): Promise<Either<PluginError, T>>;
  /** PATCH the object or its `status`/`scale` subresource; answers the object (the Scale for `scale`). */
  patch<T>(kind: ResourceKind, namespace: string | undefined, name: string, patch: KubePatch, opts?: { subresource?: 'status' | 'scale' }): Promise<Either<PluginError, T>>;
  /** PUT the `status` subresource; a stale `metadata.resourceVersion` is a `KubeConflict`. */
  replaceStatus<T>(kind: ResourceKind, namespace: string | undefined, object: T): Promise<Either<PluginError, T>>;
  /** PUT the whole object (spec and metadata; status is ignored where it is a subresource); stale version: `KubeConflict`. */
  replace<T>(kind: ResourceKind, namespace: string | undefined, object: T): Promise<Either<PluginError, T>>;
  /** DELETE (Background propagation by default). An object already gone counts as deleted. */
  delete(kind: ResourceKind, namespace: string | undefined, name: string, opts?: { propagationPolicy?: 'Background' | 'Foreground' | 'Orphan' }): Promise<Either<PluginError, void>>;
}

/** Options of {@link createKubeWriter}. */
export interface KubeWriterOptions {
  readonly metrics?: RequestMetrics;
  readonly log?: Logger;
  /** `fieldManager` sent with every write (default `rollouts-controller`). */
  readonly fieldManager?: string;
  /** Per-request timeout (default 30 s). */
  readonly timeoutMs?: number;
}

/** Content types of the patch flavours. */
export const PATCH_CONTENT_TYPES: Record<KubePatch['type'], string> = {
  merge: 'application/merge-patch+json',
  json: 'application/json-patch+json',
  strategic: 'application/strategic-merge-patch+json',
};

interface Named {
  readonly metadata?: { readonly name?: string | null; readonly namespace?: string | null } | null;
}

/** Create a {@link KubeWriter} on `kc`'s current context. */
export function createKubeWriter(kc: KubeConfig, opts: KubeWriterOptions = {}): KubeWriter {
  return kubeWriterOn(createApiTransport(kc, opts), opts);
}

/** A writer over an existing transport (shared with the event recorder and the object client). */
export function kubeWriterOn(transport: ApiTransport, opts: { fieldManager?: string; timeoutMs?: number } = {}): KubeWriter {
  const fieldManager = opts.fieldManager ?? 'rollouts-controller';
  const timeoutMs = opts.timeoutMs;
  const ns = (kind: ResourceKind, namespace: string | undefined | null): string | undefined => (kind.namespaced && namespace != null && namespace !== '' ? namespace : undefined);
  const nameOf = (object: unknown): string | undefined => {
    const n = (object as Named | null)?.metadata?.name;
    return n != null && n !== '' ? n : undefined;
  };
  const missingName = (verb: string, kind: ResourceKind): PluginError =>
    PluginErrors.kubeRejected({ message: `${verb} ${kind.kind}: the object has no metadata.name` });
  const put = async <T>(verb: string, kind: ResourceKind, namespace: string | undefined, object: T, subresource?: 'status'): Promise<Either<PluginError, T>> => {
    const name = nameOf(object);
    if (name === undefined) return E.left(missingName(verb, kind));
    const n = ns(kind, namespace ?? (object as Named).metadata?.namespace);
    const r = await transport.request({
      method: 'PUT',
      path: resourcePath(kind, n, name, subresource),
      query: { fieldManager },
      body: object,
      target: { verb: 'update', kind: kind.kind, ...(n !== undefined ? { namespace: n } : {}), name, ...(subresource !== undefined ? { subresource } : {}) },
      ...(timeoutMs !== undefined ? { timeoutMs } : {}),
    });
    return E.map((res: { body: unknown }) => res.body as T)(r);
  };

  return {
    async create<T>(kind: ResourceKind, namespace: string | undefined, object: T) {
      const n = ns(kind, namespace ?? (object as Named).metadata?.namespace);
      const name = nameOf(object);
      const r = await transport.request({
        method: 'POST',
        path: resourcePath(kind, n),
        query: { fieldManager },
        body: object,
        target: { verb: 'create', kind: kind.kind, ...(n !== undefined ? { namespace: n } : {}), ...(name !== undefined ? { name } : {}) },
        ...(timeoutMs !== undefined ? { timeoutMs } : {}),
      });
      return E.map((res: { body: unknown }) => res.body as T)(r);
    },
    async patch<T>(kind: ResourceKind, namespace: string | undefined, name: string, patch: KubePatch, o: { subresource?: 'status' | 'scale' } = {}) {
      const n = ns(kind, namespace);
      const r = await transport.request({
        method: 'PATCH',
        path: resourcePath(kind, n, name, o.subresource),
        query: { fieldManager },
        body: patch.body,
        contentType: PATCH_CONTENT_TYPES[patch.type],
        target: { verb: 'patch', kind: kind.kind, ...(n !== undefined ? { namespace: n } : {}), name, ...(o.subresource !== undefined ? { subresource: o.subresource } : {}) },
        ...(timeoutMs !== undefined ? { timeoutMs } : {}),
      });
      return E.map((res: { body: unknown }) => res.body as T)(r);
    },
    replaceStatus: (kind, namespace, object) => put('update status of', kind, namespace, object, 'status'),
    replace: (kind, namespace, object) => put('update', kind, namespace, object),
    async delete(kind, namespace, name, o = {}) {
      const n = ns(kind, namespace);
      const r = await transport.request({
        method: 'DELETE',
        path: resourcePath(kind, n, name),
        query: { propagationPolicy: o.propagationPolicy ?? 'Background' },
        target: { verb: 'delete', kind: kind.kind, ...(n !== undefined ? { namespace: n } : {}), name },
        ...(timeoutMs !== undefined ? { timeoutMs } : {}),
      });
      if (E.isLeft(r) && r.left._tag === 'KubeNotFound') return E.right(undefined);
      return E.map(() => undefined)(r);
    },
  };
}
