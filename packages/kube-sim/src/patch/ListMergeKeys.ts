/**
 * How the built-in types merge their lists under strategic merge patch (and server-side apply): the
 * `patchMergeKey`/`patchStrategy` tags of the Kubernetes Go types, for the lists this simulator's users
 * touch. A list not named here is atomic (replaced whole).
 */

/** `merge` lists of objects merge element-wise by `key`; `set` lists of scalars merge as a union. */
export type ListMerge = { readonly kind: 'map'; readonly key: string } | { readonly kind: 'set' } | { readonly kind: 'atomic' };

const CONTAINER_LISTS = new Set(['containers', 'initContainers', 'ephemeralContainers']);

const BY_FIELD: Readonly<Record<string, ListMerge>> = {
  containers: { kind: 'map', key: 'name' },
  initContainers: { kind: 'map', key: 'name' },
  ephemeralContainers: { kind: 'map', key: 'name' },
  env: { kind: 'map', key: 'name' },
  volumeMounts: { kind: 'map', key: 'mountPath' },
  volumeDevices: { kind: 'map', key: 'devicePath' },
  volumes: { kind: 'map', key: 'name' },
  imagePullSecrets: { kind: 'map', key: 'name' },
  conditions: { kind: 'map', key: 'type' },
  hostAliases: { kind: 'map', key: 'ip' },
  ownerReferences: { kind: 'map', key: 'uid' },
  topologySpreadConstraints: { kind: 'map', key: 'topologyKey' },
  resourceClaims: { kind: 'map', key: 'name' },
  schedulingGates: { kind: 'map', key: 'name' },
  podIPs: { kind: 'map', key: 'ip' },
  hostIPs: { kind: 'map', key: 'ip' },
  finalizers: { kind: 'set' },
};

/**
 * The merge rule of the list at `path` (field names from the object root, list indices left out) in an
 * object of `kind`.
 */
export function listMergeOf(kind: string, path: readonly string[]): ListMerge {
  const field = path[path.length - 1];
  if (field === undefined) return { kind: 'atomic' };
  if (field === 'ports') {
    const parentField = path[path.length - 2];
    if (parentField !== undefined && CONTAINER_LISTS.has(parentField)) return { kind: 'map', key: 'containerPort' };
    if (kind === 'Service' && path.length === 2 && path[0] === 'spec') return { kind: 'map', key: 'port' };
    return { kind: 'atomic' };
  }
  // status.conditions and the like; but e.g. a Deployment's spec has no other "conditions" list.
  return BY_FIELD[field] ?? { kind: 'atomic' };
}
