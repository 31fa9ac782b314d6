/**
 * The plugin SDK's `KubeObjectClient` port over the API server: get, list, create, update, patch and delete
 * of any object named by `apiVersion` + `kind` (resolved through discovery). Objects come back as plain JSON.
 */
import * as E from 'fp-ts/lib/Either';
import type { Either } from 'fp-ts/lib/Either';
import type { KubeConfig } from '@kubernetes/client-node';
import { PluginErrors } from '@rollouts/plugin-sdk';
import type { KubeObject, KubeObjectClient, Logger, ObjectRef, PluginError } from '@rollouts/plugin-sdk';
import { ApiTransport, createApiTransport } from './internal/ApiTransport';
import { createDiscovery } from './internal/Discovery';
import { PATCH_CONTENT_TYPES } from './KubeWriter';
import type { RequestMetrics } from './RequestMetrics';
import { resourcePath, ResourceKind } from './Resources';

/** Options of {@link createKubeObjectClient}. */
export interface KubeObjectClientOptions {
  readonly metrics?: RequestMetrics;
  readonly log?: Logger;
  /** `fieldManager` of writes (default `rollouts-controller`). */
  readonly fieldManager?: string;
  /** Namespace for namespaced objects given without one (default: the kubeconfig context's, else `default`). */
  readonly defaultNamespace?: string;
}

/** Create a {@link KubeObjectClient} on `kc`'s current context. */
export function createKubeObjectClient(kc: KubeConfig, opts: KubeObjectClientOptions = {}): KubeObjectClient {
  const transport = createApiTransport(kc, { ...(opts.metrics !== undefined ? { metrics: opts.metrics } : {}), ...(opts.log !== undefined ? { log: opts.log } : {}) });
  const contextNs = kc.getContextObject(kc.getCurrentContext())?.namespace;
  return kubeObjectClientOn(transport, { ...opts, defaultNamespace: opts.defaultNamespace ?? (contextNs !== undefined && contextNs !== '' ? contextNs : 'default') });
}

function kubeObjectClientOn(transport: ApiTransport, opts: KubeObjectClientOptions & { defaultNamespace: string }): KubeObjectClient {
  const discovery = createDiscovery(transport);
  const fieldManager = opts.fieldManager ?? 'rollouts-controller';
  const nsOf = (k: ResourceKind, ns: string | undefined): string | undefined => (k.namespaced ? (ns !== undefined && ns !== '' ? ns : opts.defaultNamespace) : undefined);
  const target = (verb: string, k: ResourceKind, ns: string | undefined, name?: string) => ({ verb, kind: k.kind, ...(ns !== undefined ? { namespace: ns } : {}), ...(name !== undefined ? { name } : {}) });
  const withKind = async <A>(apiVersion: string, kind: string, f: (k: ResourceKind) => Promise<Either<PluginError, A>>): Promise<Either<PluginError, A>> => {
    const k = await discovery.resolve(apiVersion, kind);
    return E.isLeft(k) ? k : f(k.right);
  };
  const asObject = E.map((r: { body: unknown }) => r.body as KubeObject);

  return {
    get: (ref: ObjectRef) => () =>
      withKind(ref.apiVersion, ref.kind, async (k) => {
        const ns = nsOf(k, ref.namespace);
        const r = await transport.request({ method: 'GET', path: resourcePath(k, ns, ref.name), target: target('get', k, ns, ref.name) });
        if (E.isLeft(r)) return r.left._tag === 'KubeNotFound' ? E.right(undefined) : r;
        return E.right(r.right.body as KubeObject);
      }),
    list: (q) => () =>
      withKind(q.apiVersion, q.kind, async (k) => {
        const ns = k.namespaced && q.namespace !== undefined && q.namespace !== '' ? q.namespace : undefined;
        const items: KubeObject[] = [];
        let cont: string | undefined;
        do {
          const r = await transport.request({ method: 'GET', path: resourcePath(k, ns), query: { limit: 500, continue: cont, labelSelector: q.labelSelector }, target: target('list', k, ns) });
          if (E.isLeft(r)) return r;
          const body = (r.right.body ?? {}) as { items?: KubeObject[] | null; metadata?: { continue?: string | null } | null };
          // list items omit apiVersion and kind; put them back so each item stands alone
          for (const it of body.items ?? []) items.push({ ...it, apiVersion: it.apiVersion ?? q.apiVersion, kind: it.kind ?? q.kind });
          const next = body.metadata?.continue;
          cont = next != null && next !== '' ? next : undefined;
        } while (cont !== undefined);
        return E.right(items as ReadonlyArray<KubeObject>);
      }),
    create: (object) => () =>
      withKind(object.apiVersion, object.kind, async (k) => {
        const ns = nsOf(k, object.metadata.namespace);
        return asObject(await transport.request({ method: 'POST', path: resourcePath(k, ns), query: { fieldManager }, body: object, target: target('create', k, ns, object.metadata.name) }));
      }),
    update: (object) => () =>
      withKind(object.apiVersion, object.kind, async (k) => {
        const ns = nsOf(k, object.metadata.namespace);
        if (object.metadata.name === '') return E.left(PluginErrors.kubeRejected({ message: `update ${k.kind}: the object has no metadata.name` }));
        return asObject(await transport.request({ method: 'PUT', path: resourcePath(k, ns, object.metadata.name), query: { fieldManager }, body: object, target: target('update', k, ns, object.metadata.name) }));
      }),
    patch: (ref, patch) => () =>
      withKind(ref.apiVersion, ref.kind, async (k) => {
        const ns = nsOf(k, ref.namespace);
        return asObject(
          await transport.request({
            method: 'PATCH',
            path: resourcePath(k, ns, ref.name),
            query: { fieldManager },
            body: patch.body,
            contentType: PATCH_CONTENT_TYPES[patch.type],
            target: target('patch', k, ns, ref.name),
          }),
        );
      }),
    delete: (ref) => () =>
      withKind(ref.apiVersion, ref.kind, async (k) => {
        const ns = nsOf(k, ref.namespace);
        const r = await transport.request({ method: 'DELETE', path: resourcePath(k, ns, ref.name), query: { propagationPolicy: 'Background' }, target: target('delete', k, ns, ref.name) });
        if (E.isLeft(r)) return r.left._tag === 'KubeNotFound' ? E.right(undefined) : r;
        return E.right(undefined);
      }),
  };
}
