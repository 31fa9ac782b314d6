/**
 * apiVersion + kind -> resource (plural, scope), for objects the controller only knows by their manifest
 * (a plugin's VirtualService, TrafficSplit ...). Known kinds resolve from {@link Resources}; others from the
 * server's discovery document of that group version, cached and re-read when a kind is missing (a CRD
 * installed later).
 */
import * as E from 'fp-ts/lib/Either';
import type { Either } from 'fp-ts/lib/Either';
import { PluginErrors } from '@rollouts/plugin-sdk';
import type { PluginError } from '@rollouts/plugin-sdk';
import { apiVersionOf, ResourceKind, Resources } from '../Resources';
import type { ApiTransport } from './ApiTransport';

interface ApiResourceList {
  readonly resources?: ReadonlyArray<{ readonly name?: string; readonly kind?: string; readonly namespaced?: boolean }> | null;
}

/** Resolves kinds; see the module comment. */
export interface Discovery {
  resolve(apiVersion: string, kind: string): Promise<Either<PluginError, ResourceKind>>;
}

/** Create a {@link Discovery} over `transport`. */
export function createDiscovery(transport: ApiTransport, opts: { minRefreshMs?: number; now?: () => number } = {}): Discovery {
  const known = new Map<string, ResourceKind>();
  for (const r of Object.values(Resources)) known.set(`${apiVersionOf(r)}\u0000${r.kind}`, r);
  const fetchedAt = new Map<string, number>();
  const now = opts.now ?? Date.now;
  const minRefreshMs = opts.minRefreshMs ?? 1000;

  const fetchGroupVersion = async (apiVersion: string): Promise<Either<PluginError, void>> => {
    const slash = apiVersion.indexOf('/');
    const path = slash < 0 ? `/api/${apiVersion}` : `/apis/${apiVersion}`;
    const r = await transport.request({ method: 'GET', path, target: { verb: 'get', kind: 'APIResourceList', name: apiVersion } });
    fetchedAt.set(apiVersion, now());
    if (E.isLeft(r)) return r.left._tag === 'KubeNotFound' ? E.right(undefined) : E.left(r.left);
    const group = slash < 0 ? '' : apiVersion.slice(0, slash);
    const version = slash < 0 ? apiVersion : apiVersion.slice(slash + 1);
    for (const res of ((r.right.body ?? {}) as ApiResourceList).resources ?? []) {
      if (res.name === undefined || res.kind === undefined || res.name.includes('/')) continue;
      known.set(`${apiVersion}\u0000${res.kind}`, { group, version, plural: res.name, kind: res.kind, namespaced: res.namespaced === true });
    }
    return E.right(undefined);
  };

  return {
    async resolve(apiVersion, kind) {
      const key = `${apiVersion}\u0000${kind}`;
      const hit = known.get(key);
      if (hit !== undefined) return E.right(hit);
      const last = fetchedAt.get(apiVersion);
      if (last === undefined || now() - last >= minRefreshMs) {
        const f = await fetchGroupVersion(apiVersion);
        if (E.isLeft(f)) return f;
      }
      const found = known.get(key);
      if (found !== undefined) return E.right(found);
      return E.left(PluginErrors.kubeNotFound({ message: `the cluster serves no resource of kind ${kind} in ${apiVersion} (is its CustomResourceDefinition installed?)` }));
    },
  };
}
