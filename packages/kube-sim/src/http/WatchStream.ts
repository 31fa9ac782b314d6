/**
 * Watch: a chunked stream of `{"type":..., "object":...}` lines. Starts from the requested resourceVersion
 * (replaying the retained event log, or an `ERROR` event with a 410 Status when it was compacted), or with
 * synthetic `ADDED` events for the current state when no version (or `0`) is given. Objects that stop or
 * start matching the selectors are reported as `DELETED` / `ADDED`. Bookmarks when allowed, the
 * `k8s.io/initial-events-end` bookmark for `sendInitialEvents`, and closing at `timeoutSeconds`.
 */
import type { ServerResponse } from 'node:http';
import { badRequest, expired } from '../api/ApiError';
import { ObjectFilter, ResourceApi } from '../api/ResourceApi';
import { KubeObject } from '../store/KubeObject';
import { StoredObject, StoreEvent, ChangeType } from '../store/ObjectStore';
import { groupVersion, resourceKey, ResourceType } from '../registry/ResourceType';

/** The watch query parameters. */
export interface WatchParams {
  readonly resourceVersion?: string;
  readonly allowWatchBookmarks: boolean;
  readonly sendInitialEvents: boolean;
  readonly timeoutSeconds?: number;
  readonly labelSelector?: string;
  readonly fieldSelector?: string;
}

/** Tunables of watch streams. */
export interface WatchSettings {
  /** How often an idle stream gets a BOOKMARK (when allowed). */
  readonly bookmarkIntervalMs: number;
  /** Server-side cap on a watch's duration. */
  readonly maxTimeoutSeconds: number;
}

/** An open watch stream, for fault injection and shutdown. */
export interface OpenWatch {
  readonly t: ResourceType;
  readonly namespace: string | undefined;
  /** Close the connection abruptly, as a broken network or a restarting server would. */
  drop(): void;
  /** End the stream cleanly. */
  end(): void;
}

/** Serialise a stored object as the requested version. */
export function objectJson(t: ResourceType, version: string, s: StoredObject): string {
  const want = groupVersion(t.group, version);
  if (!t.custom || s.object.apiVersion === want) return s.json();
  return JSON.stringify({ ...s.object, apiVersion: want });
}

function eventLine(type: ChangeType | 'BOOKMARK' | 'ERROR', json: string): string {
  return `{"type":"${type}","object":${json}}\n`;
}

/**
 * Serve one watch on `res` (headers not yet sent). Errors found before streaming (bad selectors, a bad
 * resourceVersion) are thrown; a compacted version is reported in-stream as Kubernetes does.
 */
export function serveWatch(
  api: ResourceApi,
  t: ResourceType,
  version: string,
  namespace: string | undefined,
  params: WatchParams,
  res: ServerResponse,
  settings: WatchSettings,
  hooks: { register(w: OpenWatch): () => void; dropAfter?: number; render?: (s: StoredObject) => string; onBytes(n: number): void; onClose(): void },
): void {
  const filter: ObjectFilter = api.compileFilter(t, params.labelSelector, params.fieldSelector);
  const key = resourceKey(t);
  const ns = t.namespaced ? namespace : undefined;
  const rvParam = params.resourceVersion;
  let fromRv: number | undefined;
  if (rvParam !== undefined && rvParam !== '' && rvParam !== '0') {
    if (!/^[0-9]+$/.test(rvParam)) throw badRequest(`resourceVersion: Invalid value: "${rvParam}": must be a non-negative integer`);
    fromRv = Number(rvParam);
  }
  const store = api.store;

  res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache, private', 'Transfer-Encoding': 'chunked' });
  res.flushHeaders();
  let closed = false;
  let sent = 0;
  let events = 0;
  let lastRv = store.resourceVersion();
  const write = (s: string): void => {
    if (closed) return;
    sent += Buffer.byteLength(s);
    res.write(s);
  };
  const inScope = (o: KubeObject): boolean => ns === undefined || o.metadata.namespace === ns;
  const visible = (s: StoredObject | undefined): boolean => s !== undefined && inScope(s.object) && (filter.empty || filter.matches(s.object));

  let unsubscribe: () => void = () => undefined;
  let unregister: () => void = () => undefined;
  const timers: Array<ReturnType<typeof setTimeout>> = [];
  const finish = (): void => {
    if (closed) return;
    closed = true;
    unsubscribe();
    unregister();
    for (const tm of timers) clearTimeout(tm);
    hooks.onBytes(sent);
    hooks.onClose();
  };
  const bookmark = (extra?: Record<string, string>): void => {
    const obj = {
      kind: t.kind,
      apiVersion: groupVersion(t.group, version),
      metadata: { resourceVersion: String(lastRv), ...(extra !== undefined ? { annotations: extra } : {}) },
    };
    write(eventLine('BOOKMARK', JSON.stringify(obj)));
  };
  const deliver = (type: ChangeType, s: StoredObject): void => {
    write(eventLine(type, hooks.render !== undefined ? hooks.render(s) : objectJson(t, version, s)));
    lastRv = Math.max(lastRv, s.rv);
    events++;
    if (hooks.dropAfter !== undefined && events >= hooks.dropAfter) {
      // Cut the connection once what was written is flushed: the client sees a stream that ends mid-body.
      const socket = res.socket;
      finish();
      if (socket !== null) socket.end();
      else res.destroy();
    }
  };
  const onEvent = (e: StoreEvent): void => {
    if (closed || e.resource !== key) return;
    const now = visible(e.current);
    if (e.type === 'DELETED') {
      if (visible(e.previous)) deliver('DELETED', e.current);
    } else if (e.type === 'ADDED') {
      if (now) deliver('ADDED', e.current);
    } else {
      const before = visible(e.previous);
      if (now && before) deliver('MODIFIED', e.current);
      else if (now) deliver('ADDED', e.current);
      else if (before) deliver('DELETED', e.current);
    }
    lastRv = Math.max(lastRv, e.rv);
  };

  res.on('close', finish);
  unregister = hooks.register({
    t,
    namespace: ns,
    drop: () => {
      if (closed) return;
      res.destroy();
      finish();
    },
    end: () => {
      if (closed) return;
      res.end();
      finish();
    },
  });

  if (fromRv === undefined || params.sendInitialEvents) {
    lastRv = store.resourceVersion();
    for (const s of store.list(key, ns)) if (filter.empty || filter.matches(s.object)) deliver('ADDED', s);
    lastRv = store.resourceVersion();
    if (params.sendInitialEvents && params.allowWatchBookmarks) bookmark({ 'k8s.io/initial-events-end': 'true' });
  } else {
    const after = store.eventsAfter(key, fromRv);
    if (!after.ok) {
      const err = expired(`too old resource version: ${fromRv} (${after.oldest})`);
      write(eventLine('ERROR', JSON.stringify(err.toStatus())));
      res.end();
      finish();
      return;
    }
    lastRv = fromRv;
    for (const e of after.events) onEvent(e);
    lastRv = Math.max(lastRv, store.resourceVersion());
  }
  if (closed) return;
  unsubscribe = store.subscribe(onEvent);

  const timeout = Math.min(params.timeoutSeconds ?? settings.maxTimeoutSeconds, settings.maxTimeoutSeconds);
  const endTimer = setTimeout(() => {
    if (params.allowWatchBookmarks) bookmark();
    if (!closed) res.end();
    finish();
  }, timeout * 1000);
  endTimer.unref();
  timers.push(endTimer);
  if (params.allowWatchBookmarks && settings.bookmarkIntervalMs > 0) {
    const tick = (): void => {
      if (closed) return;
      lastRv = Math.max(lastRv, store.resourceVersion());
      bookmark();
      const next = setTimeout(tick, settings.bookmarkIntervalMs);
      next.unref();
      timers.push(next);
      if (timers.length > 16) timers.splice(1, timers.length - 3);
    };
    const first = setTimeout(tick, settings.bookmarkIntervalMs);
    first.unref();
    timers.push(first);
  }
}

