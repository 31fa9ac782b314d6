/**
 * The cluster connection of the plugin: the kubeconfig chosen as kubectl chooses it (`--kubeconfig`, else
 * `$KUBECONFIG`, else `~/.kube/config`; `--context`; `-n`, else the context's namespace, else `default`), and
 * a small REST client on it whose failures are values ({@link ClusterError}) that name what went wrong in
 * the user's terms: the object not found, the RBAC permission missing, the server that cannot be reached.
 */
import { HttpMethod, IsomorphicFetchHttpLibrary, RequestContext, type KubeConfig } from '@kubernetes/client-node';
import * as E from 'fp-ts/lib/Either';
import type { Either } from 'fp-ts/lib/Either';
import { loadKubeConfig, resourcePath, type ResourceKind } from '@rollouts/k8s';

/** How the user pointed at a cluster (the kubectl flags). */
export interface ClusterOptions {
  readonly kubeconfig?: string;
  readonly context?: string;
  readonly namespace?: string;
}

/** What a request was: named in errors. */
export interface RequestDescription {
  readonly verb: 'get' | 'list' | 'watch' | 'create' | 'update' | 'patch' | 'delete';
  readonly kind: ResourceKind;
  readonly namespace?: string;
  readonly name?: string;
  readonly subresource?: string;
}

/** An expected failure of a cluster request. */
export type ClusterError =
  | { readonly _tag: 'ClusterConfig'; readonly message: string }
  | { readonly _tag: 'ClusterUnreachable'; readonly server: string; readonly detail: string }
  | { readonly _tag: 'ClusterUnauthorized'; readonly server: string; readonly detail: string }
  | { readonly _tag: 'ObjectNotFound'; readonly request: RequestDescription; readonly detail: string }
  | { readonly _tag: 'ActionForbidden'; readonly request: RequestDescription; readonly detail: string }
  | { readonly _tag: 'ObjectConflict'; readonly request: RequestDescription; readonly detail: string }
  | { readonly _tag: 'RequestRejected'; readonly request: RequestDescription; readonly code: number; readonly detail: string };

/** A merge patch, a JSON patch or a strategic merge patch. */
export interface Patch {
  readonly type: 'merge' | 'json';
  readonly body: unknown;
}

const CONTENT_TYPES: Record<Patch['type'], string> = { merge: 'application/merge-patch+json', json: 'application/json-patch+json' };

/** The connected cluster. Every call answers a value; none throws for an answer of the server. */
export interface Cluster {
  /** The namespace commands act in (`-n`, else the context's, else `default`). */
  readonly namespace: string;
  /** The server URL of the current context. */
  readonly server: string;
  readonly kubeConfig: KubeConfig;
  get<T>(kind: ResourceKind, namespace: string, name: string): Promise<Either<ClusterError, T>>;
  /** All objects of a kind, in one namespace or (`undefined`) all of them. */
  list<T>(kind: ResourceKind, namespace: string | undefined, query?: { readonly labelSelector?: string; readonly fieldSelector?: string }): Promise<Either<ClusterError, T[]>>;
  patch<T>(kind: ResourceKind, namespace: string, name: string, patch: Patch, subresource?: 'status'): Promise<Either<ClusterError, T>>;
  replace<T>(kind: ResourceKind, namespace: string, name: string, object: unknown): Promise<Either<ClusterError, T>>;
  create<T>(kind: ResourceKind, namespace: string | undefined, object: unknown): Promise<Either<ClusterError, T>>;
}

/** User agent of every request, so a server's audit log tells the plugin's writes apart. */
export const USER_AGENT = 'kubectl-rollouts';

/** `rollouts/status`, `replicasets`. */
export function resourceName(r: Pick<RequestDescription, 'kind' | 'subresource'>): string {
  return `${r.kind.plural}${r.subresource !== undefined ? `/${r.subresource}` : ''}`;
}

/** One line for the user, without the `Error: ` prefix. */
export function clusterErrorMessage(e: ClusterError): string {
  switch (e._tag) {
    case 'ClusterConfig':
      return e.message;
    case 'ClusterUnreachable':
      return `cannot reach the cluster at ${e.server}: ${e.detail}`;
    case 'ClusterUnauthorized':
      return `the cluster at ${e.server} did not accept the credentials of the kubeconfig (401 Unauthorized): ${e.detail}`;
    case 'ObjectNotFound': {
      const r = e.request;
      if (r.name === undefined) return `the server has no resource "${resourceName(r)}" (${r.kind.group === '' ? 'core' : r.kind.group}/${r.kind.version}): are the CRDs installed?`;
      // The API server answers 404 about the namespace when it is the namespace that is missing (a create, or a
      // read in a namespace never made): say that, not that the object is missing.
      if (r.kind.namespaced && r.namespace !== undefined && e.detail === `namespaces "${r.namespace}" not found`)
        return `namespace "${r.namespace}" does not exist (create it with: kubectl create namespace ${r.namespace})`;
      const what = `${r.kind.kind.toLowerCase()} "${r.name}"`;
      return r.kind.namespaced ? `${what} not found in namespace "${r.namespace ?? ''}"` : `${what} not found`;
    }
    case 'ActionForbidden': {
      const r = e.request;
      const group = r.kind.group === '' ? 'the core API group' : `API group "${r.kind.group}"`;
      const where = r.kind.namespaced ? (r.namespace !== undefined ? ` in namespace "${r.namespace}"` : ' in all namespaces (cluster-wide)') : ' (cluster-scoped)';
      return `forbidden: your RBAC role is missing verb "${r.verb}" on resource "${resourceName(r)}" (${group})${where}${e.detail !== '' ? `; the server said: ${e.detail}` : ''}`;
    }
    case 'ObjectConflict':
      return `${describe(e.request)}: conflict: ${e.detail}`;
    case 'RequestRejected':
      return `${describe(e.request)}: ${e.detail} (HTTP ${e.code})`;
  }
}

function describe(r: RequestDescription): string {
  const obj = r.name !== undefined ? ` ${r.kind.kind.toLowerCase()} "${r.name}"` : ` ${r.kind.plural}`;
  const ns = r.kind.namespaced && r.namespace !== undefined ? ` in namespace "${r.namespace}"` : '';
  return `${r.verb}${r.subresource !== undefined ? ` ${r.subresource} of` : ''}${obj}${ns}`;
}

/** Load the kubeconfig and connect (lazily: nothing is sent until the first request). */
export function connect(opts: ClusterOptions): Either<ClusterError, Cluster> {
  let kc: KubeConfig;
  try {
    kc = loadKubeConfig({ ...(opts.kubeconfig !== undefined ? { kubeconfig: opts.kubeconfig } : {}), ...(opts.context !== undefined ? { context: opts.context } : {}) });
  } catch (e) {
    return E.left({ _tag: 'ClusterConfig', message: `cannot load kubeconfig: ${e instanceof Error ? e.message : String(e)}` });
  }
  const contextNs = kc.getContextObject(kc.getCurrentContext())?.namespace;
  const namespace = opts.namespace !== undefined && opts.namespace !== '' ? opts.namespace : contextNs !== undefined && contextNs !== '' ? contextNs : 'default';
  return E.right(clusterOn(kc, namespace));
}

interface Status {
  readonly message?: string;
  readonly reason?: string;
}

function statusMessage(body: unknown, code: number): string {
  if (typeof body === 'object' && body !== null && typeof (body as Status).message === 'string') return (body as Status).message ?? '';
  if (typeof body === 'string' && body.trim() !== '') return body.trim().slice(0, 300);
  return `HTTP ${code}`;
}

function parse(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/** The error an unsuccessful answer means. */
export function errorFromResponse(code: number, body: unknown, request: RequestDescription, server: string): ClusterError {
  const detail = statusMessage(body, code);
  if (code === 401) return { _tag: 'ClusterUnauthorized', server, detail };
  if (code === 403) return { _tag: 'ActionForbidden', request, detail };
  if (code === 404) return { _tag: 'ObjectNotFound', request, detail };
  if (code === 409) return { _tag: 'ObjectConflict', request, detail };
  return { _tag: 'RequestRejected', request, code, detail };
}

function errorDetail(e: unknown): string {
  if (!(e instanceof Error)) return String(e);
  if (e.name === 'TimeoutError' || e.name === 'AbortError') return 'no answer within 30s';
  // undici wraps the socket error as `cause`, and AggregateErrors (IPv4 and IPv6 both refused) hold several
  const cause = (e as { cause?: unknown }).cause;
  if (cause instanceof Error) {
    const code = (cause as NodeJS.ErrnoException).code;
    const inner = cause instanceof AggregateError && cause.errors[0] instanceof Error ? cause.errors[0].message : cause.message;
    return code !== undefined && !inner.includes(code) ? `${code} ${inner}` : inner || String(code);
  }
  // node-fetch: "request to <url> failed, reason: connect ECONNREFUSED 10.0.0.1:6443" (the URL is named already)
  const reason = /failed, reason: (.*)$/s.exec(e.message)?.[1];
  if (reason !== undefined && reason !== '') return reason;
  const code = (e as NodeJS.ErrnoException).code;
  return code !== undefined && !e.message.includes(code) ? `${code} ${e.message}` : e.message;
}

const METHODS = { GET: HttpMethod.GET, POST: HttpMethod.POST, PUT: HttpMethod.PUT, PATCH: HttpMethod.PATCH } as const;

/** A {@link Cluster} over a loaded kubeconfig. */
export function clusterOn(kc: KubeConfig, namespace: string): Cluster {
  const library = new IsomorphicFetchHttpLibrary();
  const server = kc.getCurrentCluster()?.server ?? '';
  const send = async <T>(method: keyof typeof METHODS, path: string, request: RequestDescription, body?: unknown, contentType = 'application/json', query: Record<string, string | undefined> = {}): Promise<Either<ClusterError, T>> => {
    const url = new URL(server.replace(/\/+$/, '') + path);
    for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== '') url.searchParams.set(k, v);
    try {
      const ctx = new RequestContext(url.toString(), METHODS[method]);
      ctx.setHeaderParam('Accept', 'application/json');
      ctx.setHeaderParam('User-Agent', USER_AGENT);
      if (body !== undefined) {
        ctx.setHeaderParam('Content-Type', contentType);
        ctx.setBody(JSON.stringify(body));
      }
      ctx.setSignal(AbortSignal.timeout(30_000));
      await kc.applySecurityAuthentication(ctx);
      const res = await library.send(ctx).toPromise();
      const parsed = parse(await res.body.text());
      if (res.httpStatusCode >= 200 && res.httpStatusCode < 300) return E.right(parsed as T);
      return E.left(errorFromResponse(res.httpStatusCode, parsed, request, server));
    } catch (e) {
      return E.left({ _tag: 'ClusterUnreachable', server, detail: errorDetail(e) });
    }
  };
  const ns = (kind: ResourceKind, n: string | undefined): string | undefined => (kind.namespaced ? n : undefined);
  return {
    namespace,
    server,
    kubeConfig: kc,
    get: (kind, n, name) => send('GET', resourcePath(kind, ns(kind, n), name), { verb: 'get', kind, namespace: n, name }),
    async list<T>(kind: ResourceKind, n: string | undefined, query: { labelSelector?: string; fieldSelector?: string } = {}) {
      const items: T[] = [];
      let cont: string | undefined;
      do {
        const r = await send<{ items?: T[] | null; metadata?: { continue?: string | null } | null }>('GET', resourcePath(kind, ns(kind, n)), { verb: 'list', kind, ...(n !== undefined ? { namespace: n } : {}) }, undefined, undefined, {
          limit: '500',
          continue: cont,
          labelSelector: query.labelSelector,
          fieldSelector: query.fieldSelector,
        });
        if (E.isLeft(r)) return r;
        items.push(...(r.right.items ?? []));
        const next = r.right.metadata?.continue;
        cont = next != null && next !== '' ? next : undefined;
      } while (cont !== undefined);
      return E.right(items);
    },
    patch: (kind, n, name, patch, subresource) =>
      send('PATCH', resourcePath(kind, ns(kind, n), name, subresource), { verb: 'patch', kind, namespace: n, name, ...(subresource !== undefined ? { subresource } : {}) }, patch.body, CONTENT_TYPES[patch.type]),
    replace: (kind, n, name, object) => send('PUT', resourcePath(kind, ns(kind, n), name), { verb: 'update', kind, namespace: n, name }, object),
    create: (kind, n, object) => {
      const name = (object as { metadata?: { name?: string } }).metadata?.name;
      return send('POST', resourcePath(kind, ns(kind, n)), { verb: 'create', kind, ...(n !== undefined ? { namespace: n } : {}), ...(name !== undefined ? { name } : {}) }, object);
    },
  };
}
