/**
 * Informer: a local, always-current cache of one resource, filled by a list and kept up to date by a watch.
 *
 * - `start()` lists (paginated) and resolves once the list is in the cache; then it watches from the list's
 *   resourceVersion, with bookmarks.
 * - A dropped or timed-out watch resumes from the last resourceVersion seen (bookmarks included), with a
 *   backoff when it keeps failing; a `410 Gone` (history compacted) relists and reports the difference as
 *   ADDED / MODIFIED / DELETED events, so handlers never miss a deletion.
 * - Every `resyncMs` (default 15 min) each cached object is re-announced as a `RESYNC` event, so work lost in
 *   a handler is retried.
 * - `metadata.managedFields` is stripped before caching (it is large and nobody here reads it), and short
 *   string values are interned (one copy of each across the cache).
 * - Indexes: by namespace and by owner uid (`byOwner`).
 * - A failing list is logged (warning) at once and then, while the same error repeats, with a doubling interval
 *   (10 s, 20 s, ... every 2 minutes); `lastError()` keeps the latest list or watch error for status reports
 *   (a 403 names the resource the controller's RBAC lacks).
 *
 * Cached objects are shared with every caller: treat them as read-only.
 */
import { KubeConfig, Watch } from '@kubernetes/client-node';
import * as E from 'fp-ts/lib/Either';
import type { Logger, PluginError } from '@rollouts/plugin-sdk';
import { Clock, systemClock, Timer } from './Clock';
import { createApiTransport } from './internal/ApiTransport';
import { createRepeatedLog } from './internal/RepeatedLog';
import type { RequestMetrics } from './RequestMetrics';
import { resourcePath, ResourceKind } from './Resources';

/** A change seen by an informer. `old` is the previous cached version (MODIFIED, RESYNC, and DELETED after a relist). */
export interface InformerEvent<T> {
  readonly type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'RESYNC';
  readonly object: T;
  readonly old?: T;
}

/** See the module comment. */
export interface Informer<T> {
  /** The kind it caches (`Rollout`), for logs and status reports. */
  readonly kind: string;
  /** List, fill the cache, start watching. Resolves once the initial list is in the cache (or on `stop`). */
  start(): Promise<void>;
  /** Stop watching and timers. The cache keeps its last content. */
  stop(): void;
  /** True once the initial list is in the cache. */
  hasSynced(): boolean;
  /** Cached objects, of one namespace when given (ignored for cluster-scoped kinds). */
  list(namespace?: string): T[];
  /** One cached object; `namespace` undefined for cluster-scoped kinds. */
  get(namespace: string | undefined, name: string): T | undefined;
  /** Cached objects whose `metadata.ownerReferences` name this uid. */
  byOwner(uid: string): T[];
  /** Subscribe to changes; returns the unsubscribe function. Handlers run synchronously, in order. */
  onEvent(handler: (e: InformerEvent<T>) => void): () => void;
  /** The resourceVersion the cache is current to (for diagnostics). */
  lastResourceVersion(): string | undefined;
  /** The last list or watch error, until a list succeeds or the watch delivers again; undefined when none. */
  lastError(): string | undefined;
}

/** Options of {@link createInformer}. */
export interface InformerOptions {
  /** Watch one namespace only (default: all). */
  readonly namespace?: string;
  readonly labelSelector?: string;
  /** Interval of RESYNC events; 0 turns them off. Default 15 minutes. */
  readonly resyncMs?: number;
  readonly metrics?: RequestMetrics;
  readonly log?: Logger;
  readonly clock?: Clock;
  /** List page size (default 500). */
  readonly pageSize?: number;
  /** First delay before retrying a failed list or watch (default 100 ms; doubles up to 30 s). */
  readonly retryBaseMs?: number;
  /** The User-Agent of the list and watch requests (default `rollouts-controller`). */
  readonly userAgent?: string;
}

interface Meta {
  readonly name?: string | null;
  readonly namespace?: string | null;
  readonly uid?: string | null;
  readonly resourceVersion?: string | null;
  readonly ownerReferences?: ReadonlyArray<{ readonly uid?: string | null }> | null;
  readonly managedFields?: unknown;
}
interface Obj {
  readonly metadata?: Meta | null;
}
interface ListBody {
  readonly items?: unknown[] | null;
  readonly metadata?: { readonly resourceVersion?: string | null; readonly continue?: string | null } | null;
}

const meta = (o: unknown): Meta => (o as Obj | null)?.metadata ?? {};
const keyOf = (ns: string | undefined | null, name: string | undefined | null): string => `${ns ?? ''}/${name ?? ''}`;
const objKey = (o: unknown): string => keyOf(meta(o).namespace, meta(o).name);

function strip(o: unknown): unknown {
  internStrings(o);
  const m = (o as Obj | null)?.metadata;
  if (m == null || !('managedFields' in m)) return o;
  const { managedFields: _dropped, ...rest } = m;
  return { ...(o as object), metadata: rest };
}

/**
 * One copy of each short string value across cached objects. JSON.parse gives every object its own copy of
 * values that thousands of objects share (`apiVersion`s, `IfNotPresent`, `default-scheduler`, label values,
 * timestamps of the same second). Measured with `npm run bench -- m5`: 1.4 MiB less heap per 1,000 rollouts.
 * The table is small and starts afresh when full, so unique values (uids, resourceVersions) cannot make it
 * grow.
 */
const INTERN_MAX_LENGTH = 64;
const INTERN_TABLE_SIZE = 4096;
let internTable = new Map<string, string>();

function intern(s: string): string {
  if (s.length > INTERN_MAX_LENGTH) return s;
  const hit = internTable.get(s);
  if (hit !== undefined) return hit;
  if (internTable.size >= INTERN_TABLE_SIZE) internTable = new Map();
  internTable.set(s, s);
  return s;
}

/** Replace, in place, the string values of a freshly parsed object by their interned copies. */
function internStrings(v: unknown): void {
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) {
      const x: unknown = v[i];
      if (typeof x === 'string') v[i] = intern(x);
      else if (x !== null && typeof x === 'object') internStrings(x);
    }
  } else if (v !== null && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    for (const k in o) {
      const x = o[k];
      if (typeof x === 'string') o[k] = intern(x);
      else if (x !== null && typeof x === 'object') internStrings(x);
    }
  }
}

function statusCode(e: unknown): number | undefined {
  if (typeof e !== 'object' || e === null) return undefined;
  const c = (e as { statusCode?: unknown; code?: unknown }).statusCode ?? (e as { code?: unknown }).code;
  return typeof c === 'number' ? c : undefined;
}

/** Create an {@link Informer} (not started). */
export function createInformer<T>(kc: KubeConfig, kind: ResourceKind, opts: InformerOptions = {}): Informer<T> {
  const clock = opts.clock ?? systemClock;
  const log = opts.log;
  const metrics = opts.metrics;
  const userAgent = opts.userAgent ?? 'rollouts-controller';
  const transport = createApiTransport(kc, { ...(metrics !== undefined ? { metrics } : {}), ...(log !== undefined ? { log } : {}), userAgent });
  // client-node's Watch sends no User-Agent of its own: the same kubeconfig, adding ours to its fetch options.
  const watchConfig: KubeConfig = Object.create(kc) as KubeConfig;
  watchConfig.applyToFetchOptions = (o) => kc.applyToFetchOptions({ ...o, headers: { ...(o.headers ?? {}), 'User-Agent': userAgent } });
  const namespace = kind.namespaced && opts.namespace !== undefined && opts.namespace !== '' ? opts.namespace : undefined;
  const path = resourcePath(kind, namespace);
  const resyncMs = opts.resyncMs ?? 15 * 60_000;
  const pageSize = opts.pageSize ?? 500;
  const retryBaseMs = opts.retryBaseMs ?? 100;
  const fields = { kind: kind.kind, ...(namespace !== undefined ? { namespace } : {}) };

  const store = new Map<string, unknown>();
  /** namespace ('' for cluster-scoped objects) -> name -> object */
  const byNamespace = new Map<string, Map<string, unknown>>();
  const owners = new Map<string, Set<string>>();
  const handlers = new Set<(e: InformerEvent<T>) => void>();

  let rv: string | undefined;
  let synced = false;
  let stopped = false;
  let startPromise: Promise<void> | undefined;
  let resolveStart: () => void = () => undefined;
  let watchGen = 0;
  let watchAbort: AbortController | undefined;
  let retryTimer: Timer | undefined;
  let resyncTimer: Timer | undefined;
  let failures = 0;
  let lastError: string | undefined;
  const listErrors = createRepeatedLog();

  const emit = (e: InformerEvent<unknown>): void => {
    for (const h of [...handlers]) {
      try {
        h(e as InformerEvent<T>);
      } catch (err) {
        log?.error('informer event handler threw', { ...fields, error: err instanceof Error ? err.message : String(err) });
      }
    }
  };

  const unindex = (key: string, o: unknown): void => {
    const m = meta(o);
    byNamespace.get(m.namespace ?? '')?.delete(m.name ?? '');
    for (const ref of m.ownerReferences ?? []) {
      if (ref.uid == null) continue;
      const set = owners.get(ref.uid);
      set?.delete(key);
      if (set?.size === 0) owners.delete(ref.uid);
    }
  };

  const put = (o: unknown): unknown => {
    const key = objKey(o);
    const old = store.get(key);
    if (old !== undefined) unindex(key, old);
    store.set(key, o);
    const m = meta(o);
    const ns = m.namespace ?? '';
    let nsMap = byNamespace.get(ns);
    if (nsMap === undefined) byNamespace.set(ns, (nsMap = new Map()));
    nsMap.set(m.name ?? '', o);
    for (const ref of m.ownerReferences ?? []) {
      if (ref.uid == null) continue;
      let set = owners.get(ref.uid);
      if (set === undefined) owners.set(ref.uid, (set = new Set()));
      set.add(key);
    }
    return old;
  };

  const remove = (key: string): unknown => {
    const old = store.get(key);
    if (old === undefined) return undefined;
    unindex(key, old);
    store.delete(key);
    return old;
  };

  /** Replace the cache with a fresh list, announcing the difference. */
  const replace = (items: readonly unknown[]): void => {
    const seen = new Set<string>();
    for (const raw of items) {
      const o = strip(raw);
      const key = objKey(o);
      seen.add(key);
      const old = put(o);
      if (old === undefined) emit({ type: 'ADDED', object: o });
      else if (meta(old).resourceVersion !== meta(o).resourceVersion) emit({ type: 'MODIFIED', object: o, old });
    }
    for (const key of [...store.keys()]) {
      if (seen.has(key)) continue;
      const old = remove(key);
      emit({ type: 'DELETED', object: old, old });
    }
  };

  const listAll = async (): Promise<E.Either<PluginError, { items: unknown[]; resourceVersion: string | undefined }>> => {
    for (let attempt = 0; ; attempt++) {
      const items: unknown[] = [];
      let listRv: string | undefined;
      let cont: string | undefined;
      let expired = false;
      do {
        const r = await transport.request({
          method: 'GET',
          path,
          query: { limit: pageSize, continue: cont, labelSelector: opts.labelSelector },
          target: { verb: 'list', ...fields },
        });
        if (E.isLeft(r)) {
          // a continue token from a compacted snapshot: start the list again
          if (cont !== undefined && r.left._tag === 'KubeUnavailable' && r.left.status === 410 && attempt < 3) {
            expired = true;
            break;
          }
          return r;
        }
        const body = (r.right.body ?? {}) as ListBody;
        items.push(...(body.items ?? []));
        listRv ??= body.metadata?.resourceVersion ?? undefined;
        const next = body.metadata?.continue;
        cont = next != null && next !== '' ? next : undefined;
      } while (cont !== undefined && !stopped);
      if (!expired) return E.right({ items, resourceVersion: listRv });
    }
  };

  const schedule = (fn: () => void): void => {
    failures++;
    const delay = Math.min(30_000, retryBaseMs * Math.pow(2, failures - 1));
    retryTimer?.cancel();
    retryTimer = clock.setTimeout(() => {
      retryTimer = undefined;
      if (!stopped) fn();
    }, delay);
  };

  const scheduleResync = (): void => {
    if (resyncMs <= 0 || stopped) return;
    resyncTimer = clock.setTimeout(() => {
      if (stopped) return;
      for (const o of [...store.values()]) emit({ type: 'RESYNC', object: o, old: o });
      scheduleResync();
    }, resyncMs);
  };

  const listAndWatch = async (): Promise<void> => {
    watchGen++;
    const r = await listAll();
    if (stopped) return;
    if (E.isLeft(r)) {
      lastError = r.left.message;
      const f = { ...fields, error: r.left.message, attempt: failures + 1 };
      if (listErrors.due(r.left.message, clock.now())) log?.warn('informer list failed; retrying', f);
      else log?.debug('informer list failed; retrying', f);
      schedule(() => void listAndWatch());
      return;
    }
    failures = 0;
    lastError = undefined;
    listErrors.clear();
    replace(r.right.items);
    rv = r.right.resourceVersion;
    if (!synced) {
      synced = true;
      scheduleResync();
      resolveStart();
    }
    startWatch();
  };

  const startWatch = (): void => {
    if (stopped) return;
    const gen = ++watchGen;
    const startedAt = clock.now();
    let delivered = 0;
    const finish = (err: unknown, expired: boolean): void => {
      if (gen !== watchGen || stopped) return;
      watchGen++;
      watchAbort?.abort();
      watchAbort = undefined;
      const code = statusCode(err);
      try {
        metrics?.record({ verb: 'watch', ...fields, code: code ?? (err == null ? 200 : 0) });
      } catch {
        // ignore a broken metrics sink
      }
      if (expired || code === 410) {
        log?.info('informer watch expired; relisting', fields);
        failures = 0;
        void listAndWatch();
        return;
      }
      if (delivered > 0 || clock.now() - startedAt > 10_000) failures = 0;
      if (err == null && failures === 0) {
        startWatch();
        return;
      }
      if (err != null) {
        lastError = `watch ${kind.kind}: ${err instanceof Error ? err.message : String(err)}`;
        const f = { ...fields, error: err instanceof Error ? err.message : String(err), resourceVersion: rv, attempt: failures + 1 };
        if (failures >= 3) log?.warn('informer watch keeps failing; retrying', f);
        else log?.debug('informer watch ended; resuming', f);
      }
      schedule(startWatch);
    };
    const onEvent = (type: string, raw: unknown): void => {
      if (gen !== watchGen || stopped) return;
      if (type === 'ERROR') {
        const c = statusCode(raw);
        const message = (raw as { message?: string } | null)?.message;
        if (c !== 410) log?.warn('informer watch error', { ...fields, status: message ?? String(c) });
        finish(c === 410 ? null : new Error(`watch error ${c ?? ''}${message !== undefined ? `: ${message}` : ''}`), c === 410);
        return;
      }
      delivered++;
      lastError = undefined;
      const newRv = meta(raw).resourceVersion ?? undefined;
      if (type === 'BOOKMARK') {
        if (newRv !== undefined) rv = newRv;
        return;
      }
      const o = strip(raw);
      const key = objKey(o);
      if (type === 'DELETED') {
        const old = remove(key);
        emit({ type: 'DELETED', object: o, ...(old !== undefined ? { old } : {}) });
      } else if (type === 'ADDED' || type === 'MODIFIED') {
        const cached = store.get(key);
        if (cached === undefined || meta(cached).resourceVersion !== newRv) {
          const old = put(o);
          emit(old === undefined ? { type: 'ADDED', object: o } : { type: 'MODIFIED', object: o, old });
        }
      }
      if (newRv !== undefined) rv = newRv;
    };
    const query = {
      allowWatchBookmarks: true,
      // like client-go: 5 to 10 minutes, so watches of many informers do not all restart at once
      timeoutSeconds: 300 + Math.floor(Math.random() * 300),
      ...(rv !== undefined ? { resourceVersion: rv } : {}),
      ...(opts.labelSelector !== undefined ? { labelSelector: opts.labelSelector } : {}),
    };
    new Watch(watchConfig).watch(path, query, onEvent, (err: unknown) => finish(err, false)).then(
      (ctrl) => {
        if (gen !== watchGen || stopped) ctrl.abort();
        else watchAbort = ctrl;
      },
      (err: unknown) => finish(err, false),
    );
  };

  return {
    kind: kind.kind,
    start() {
      if (startPromise !== undefined) return startPromise;
      startPromise = new Promise<void>((resolve) => {
        resolveStart = resolve;
      });
      void listAndWatch();
      return startPromise;
    },
    stop() {
      if (stopped) return;
      stopped = true;
      watchGen++;
      watchAbort?.abort();
      watchAbort = undefined;
      retryTimer?.cancel();
      resyncTimer?.cancel();
      resolveStart();
    },
    hasSynced: () => synced,
    list(ns) {
      if (ns === undefined || !kind.namespaced) return [...store.values()] as T[];
      const m = byNamespace.get(ns);
      return m === undefined ? [] : ([...m.values()] as T[]);
    },
    // By namespace, then name: no `ns/name` key string built (and hashed) per read.
    get: (ns, name) => byNamespace.get(kind.namespaced ? (ns ?? '') : '')?.get(name) as T | undefined,
    byOwner(uid) {
      const keys = owners.get(uid);
      if (keys === undefined) return [];
      const out: T[] = [];
      for (const k of keys) {
        const o = store.get(k);
        if (o !== undefined) out.push(o as T);
      }
      return out;
    },
    onEvent(handler) {
      handlers.add(handler);
      return () => void handlers.delete(handler);
    },
    lastResourceVersion: () => rv,
    lastError: () => lastError,
  };
}
