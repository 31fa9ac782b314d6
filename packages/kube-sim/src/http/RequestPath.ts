/** Parsing of Kubernetes API paths into what they address. */

/** A request to a resource endpoint. */
export interface ResourcePath {
  readonly type: 'resource';
  readonly group: string;
  readonly version: string;
  readonly namespace?: string;
  readonly resource: string;
  readonly name?: string;
  readonly subresource?: string;
  /** The deprecated `/watch/` path prefix was used. */
  readonly watchPrefix: boolean;
}

/** A discovery or other non-resource endpoint. */
export type OtherPath =
  | { readonly type: 'root' }
  | { readonly type: 'version' }
  | { readonly type: 'health' }
  | { readonly type: 'coreVersions' }
  | { readonly type: 'groupList' }
  | { readonly type: 'group'; readonly group: string }
  | { readonly type: 'resourceList'; readonly group: string; readonly version: string }
  | { readonly type: 'openapi'; readonly rest: readonly string[] }
  | { readonly type: 'sim'; readonly rest: readonly string[] }
  | { readonly type: 'unknown' };

/** Whatever a path addresses. */
export type ApiPath = ResourcePath | OtherPath;

/** Parse a URL path (without query). */
export function parseApiPath(pathname: string): ApiPath {
  const parts = pathname.split('/').filter((p) => p !== '').map(decodeURIComponent);
  if (parts.length === 0) return { type: 'root' };
  const [first] = parts;
  if (first === 'version') return { type: 'version' };
  if (first === 'healthz' || first === 'livez' || first === 'readyz') return { type: 'health' };
  if (first === 'openapi') return { type: 'openapi', rest: parts.slice(1) };
  if (first === 'kube-sim') return { type: 'sim', rest: parts.slice(1) };
  let group: string;
  let version: string;
  let rest: string[];
  if (first === 'api') {
    if (parts.length === 1) return { type: 'coreVersions' };
    group = '';
    version = parts[1]!;
    rest = parts.slice(2);
    if (rest.length === 0) return { type: 'resourceList', group, version };
  } else if (first === 'apis') {
    if (parts.length === 1) return { type: 'groupList' };
    group = parts[1]!;
    if (parts.length === 2) return { type: 'group', group };
    version = parts[2]!;
    rest = parts.slice(3);
    if (rest.length === 0) return { type: 'resourceList', group, version };
  } else return { type: 'unknown' };

  let watchPrefix = false;
  if (rest[0] === 'watch') {
    watchPrefix = true;
    rest = rest.slice(1);
  }
  if (rest[0] === 'namespaces' && rest.length >= 3 && !(rest.length === 3 && (rest[2] === 'status' || rest[2] === 'finalize'))) {
    const [, namespace, resource, name, subresource, ...extra] = rest;
    if (extra.length > 0) return { type: 'unknown' };
    return {
      type: 'resource', group, version, namespace: namespace!, resource: resource!, watchPrefix,
      ...(name !== undefined ? { name } : {}), ...(subresource !== undefined ? { subresource } : {}),
    };
  }
  const [resource, name, subresource, ...extra] = rest;
  if (resource === undefined || extra.length > 0) return { type: 'unknown' };
  return { type: 'resource', group, version, resource, watchPrefix, ...(name !== undefined ? { name } : {}), ...(subresource !== undefined ? { subresource } : {}) };
}
