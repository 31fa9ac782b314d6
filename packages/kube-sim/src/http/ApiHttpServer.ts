/**
 * The HTTP face of the simulator: routes Kubernetes REST paths to {@link ResourceApi}, serves discovery
 * and watch streams, applies fault rules and writes the request log.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import YAML from 'yaml';
import { ApiError, badRequest, internalError, methodNotAllowed, pathNotFound, unauthorized } from '../api/ApiError';
import { DeleteOptions, ListOptions, patchTypeOf, ResourceApi, WriteOptions } from '../api/ResourceApi';
import { FaultInjector, FaultMatch, faultMatches, FaultRequest } from '../faults/FaultInjector';
import { RequestLog, RequestRecord, Verb } from '../log/RequestLog';
import { ResourceRegistry } from '../registry/ResourceRegistry';
import { groupVersion } from '../registry/ResourceType';
import { deepCopy, isRecord, KubeObject } from '../store/KubeObject';
import { StoredObject } from '../store/ObjectStore';
import { apiGroup, coreVersions, groupList, resourceList, versionInfo } from './Discovery';
import { parseApiPath, ResourcePath } from './RequestPath';
import { objectJson, OpenWatch, serveWatch, WatchSettings } from './WatchStream';
import { tableFor, wantsTable } from './Table';
import { openApiGroupVersion, openApiRoot, openApiV2Json } from './OpenApi';

/** Settings of the HTTP layer. */
export interface HttpSettings extends WatchSettings {
  /** Bearer token required on API requests; `null` accepts anonymous requests. */
  readonly token: string | null;
  /** Largest accepted request body. */
  readonly maxBodyBytes: number;
}

/** Extra endpoints under `/kube-sim/` (faults, clock) provided by the assembly. */
export type SimControlHandler = (method: string, rest: readonly string[], query: URLSearchParams, body: unknown) => unknown;

interface Served {
  code: number;
  bytes: number;
  fault?: string;
}

const JSON_HEADERS = { 'Content-Type': 'application/json' };

/** The request router and its bookkeeping. */
export class ApiHttpServer {
  private readonly watches = new Set<OpenWatch>();

  constructor(
    private readonly api: ResourceApi,
    private readonly registry: ResourceRegistry,
    private readonly log: RequestLog,
    readonly faults: FaultInjector,
    private readonly settings: HttpSettings,
    private readonly serverAddress: () => string,
    private readonly control: SimControlHandler,
  ) {
    api.onResourceRemoved((key) => {
      for (const w of [...this.watches]) if (`${w.t.group}/${w.t.resource}` === key) w.end();
    });
  }

  /** Close watch streams matching a fault rule; returns how many. */
  dropWatches(match: FaultMatch): number {
    let n = 0;
    for (const w of [...this.watches]) {
      const r: FaultRequest = { verb: 'watch', group: w.t.group, resource: w.t.resource, subresource: '', namespace: w.namespace ?? '', name: '' };
      if (faultMatches(match, r)) {
        w.drop();
        n++;
      }
    }
    return n;
  }

  /** End every open watch (server shutdown). */
  endAllWatches(): void {
    for (const w of [...this.watches]) w.end();
  }

  /** Number of open watch streams. */
  openWatchCount(): number {
    return this.watches.size;
  }

  /** The `node:http` request listener. */
  readonly handle = (req: IncomingMessage, res: ServerResponse): void => {
    const started = Date.now();
    const url = new URL(req.url ?? '/', 'http://kube-sim');
    const parsed = parseApiPath(url.pathname);
    const method = (req.method ?? 'GET').toUpperCase();
    const info = describe(parsed, method, url.searchParams);
    let watchRecord: RequestRecord | undefined;
    const record = (served: Served, requestBytes: number): void => {
      if (parsed.type === 'sim') return;
      if (watchRecord !== undefined) {
        this.log.amend(watchRecord, { bytes: served.bytes, durationMs: Date.now() - started });
        return;
      }
      this.log.add({
        time: started,
        method,
        path: url.pathname,
        verb: info.verb,
        group: info.group,
        version: info.version,
        resource: info.resource,
        subresource: info.subresource,
        namespace: info.namespace,
        name: info.name,
        code: served.code,
        bytes: served.bytes,
        requestBytes,
        durationMs: Date.now() - started,
        userAgent: String(req.headers['user-agent'] ?? ''),
        ...(served.fault !== undefined ? { fault: served.fault } : {}),
      });
    };
    const onWatchOpen = (fault: string | undefined): void => {
      watchRecord = this.log.add({
        time: started,
        method,
        path: url.pathname,
        verb: info.verb,
        group: info.group,
        version: info.version,
        resource: info.resource,
        subresource: info.subresource,
        namespace: info.namespace,
        name: info.name,
        code: 200,
        bytes: 0,
        requestBytes: 0,
        durationMs: 0,
        userAgent: String(req.headers['user-agent'] ?? ''),
        ...(fault !== undefined ? { fault } : {}),
      });
    };
    void this.serve(req, res, parsed, method, url, info, onWatchOpen)
      .then((r) => record(r.served, r.requestBytes))
      .catch((e: unknown) => {
        const err = e instanceof ApiError ? e : internalError(e instanceof Error ? e.message : String(e));
        const bytes = res.headersSent ? 0 : sendJson(res, err.code, JSON.stringify(err.toStatus()), err.headers);
        record({ code: err.code, bytes }, 0);
      });
  };

  private authorized(req: IncomingMessage, parsedType: string): boolean {
    if (this.settings.token === null) return true;
    if (parsedType === 'health' || parsedType === 'version' || parsedType === 'sim') return true;
    const h = req.headers['authorization'];
    return h === `Bearer ${this.settings.token}`;
  }

  private async serve(
    req: IncomingMessage,
    res: ServerResponse,
    parsed: ReturnType<typeof parseApiPath>,
    method: string,
    url: URL,
    info: RequestInfo,
    onWatchOpen: (fault: string | undefined) => void,
  ): Promise<{ served: Served; requestBytes: number }> {
    if (!this.authorized(req, parsed.type)) {
      await drain(req);
      throw unauthorized();
    }
    let fault: string | undefined;
    if (parsed.type === 'resource') {
      const fr: FaultRequest = info;
      const delay = this.faults.delayFor(fr);
      if (delay > 0) {
        fault = `latency ${Math.round(delay)}ms`;
        await new Promise((r) => setTimeout(r, delay));
      }
      const err = this.faults.errorFor(fr);
      if (err !== undefined) {
        await drain(req);
        const bytes = sendJson(res, err.code, JSON.stringify(err.toStatus()), err.headers);
        return { served: { code: err.code, bytes, fault: `error ${err.code}` }, requestBytes: 0 };
      }
    }
    const raw = await readBody(req, this.settings.maxBodyBytes);
    const requestBytes = raw.length;
    const body = raw.length > 0 ? parseBody(raw, String(req.headers['content-type'] ?? '')) : undefined;
    const q = url.searchParams;

    switch (parsed.type) {
      case 'root':
        return done(res, 200, JSON.stringify({ paths: ['/api', '/api/v1', '/apis', '/healthz', '/livez', '/readyz', '/version'] }), requestBytes, fault);
      case 'version':
        return done(res, 200, JSON.stringify(versionInfo()), requestBytes, fault);
      case 'health':
        res.writeHead(200, { 'Content-Type': 'text/plain' });
        res.end('ok');
        return { served: { code: 200, bytes: 2 }, requestBytes };
      case 'coreVersions':
        return done(res, 200, JSON.stringify(coreVersions(this.serverAddress())), requestBytes, fault);
      case 'groupList':
        return done(res, 200, JSON.stringify(groupList(this.registry)), requestBytes, fault);
      case 'group': {
        const g = apiGroup(this.registry, parsed.group);
        if (g === undefined) throw pathNotFound();
        return done(res, 200, JSON.stringify(g), requestBytes, fault);
      }
      case 'resourceList': {
        const l = resourceList(this.registry, parsed.group, parsed.version);
        if (l === undefined) throw pathNotFound();
        return done(res, 200, JSON.stringify(l), requestBytes, fault);
      }
      case 'openapi': {
        const [v, kind, a, b, c] = parsed.rest;
        if (v === 'v2' && kind === undefined) {
          // An empty OpenAPI v2 document. Older kubectl (1.20, Debian's) downloads it in protobuf before
          // validating or applying and skips kinds it does not describe; empty bytes are a valid empty message.
          const accept = String(req.headers['accept'] ?? '');
          if (accept.includes('protobuf')) {
            res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': '0' });
            res.end();
            return { served: { code: 200, bytes: 0 }, requestBytes };
          }
          return done(res, 200, JSON.stringify(openApiV2Json()), requestBytes, fault);
        }
        if (v !== 'v3') throw pathNotFound();
        if (kind === undefined) return done(res, 200, JSON.stringify(openApiRoot(this.registry)), requestBytes, fault);
        const doc = kind === 'api' && a !== undefined && b === undefined ? openApiGroupVersion(this.registry, '', a) : kind === 'apis' && a !== undefined && b !== undefined && c === undefined ? openApiGroupVersion(this.registry, a, b) : undefined;
        if (doc === undefined) throw pathNotFound();
        return done(res, 200, JSON.stringify(doc), requestBytes, fault);
      }
      case 'sim': {
        const out = this.control(method, parsed.rest, q, body);
        return done(res, 200, JSON.stringify(out ?? {}), requestBytes, fault);
      }
      case 'unknown':
        throw pathNotFound();
      case 'resource':
        return this.serveResource(req, res, parsed, method, q, body, requestBytes, info, fault, onWatchOpen);
    }
  }

  private async serveResource(
    req: IncomingMessage,
    res: ServerResponse,
    p: ResourcePath,
    method: string,
    q: URLSearchParams,
    body: unknown,
    requestBytes: number,
    info: RequestInfo,
    fault: string | undefined,
    onWatchOpen: (fault: string | undefined) => void,
  ): Promise<{ served: Served; requestBytes: number }> {
    const t = this.registry.lookup(p.group, p.version, p.resource);
    if (t === undefined) throw pathNotFound();
    if (!t.namespaced && p.namespace !== undefined) throw pathNotFound();
    if (t.namespaced && p.namespace === undefined && p.name !== undefined) throw pathNotFound();
    const sub = p.subresource;
    if (sub !== undefined) {
      const ok =
        (sub === 'status' && t.statusSubresource) ||
        (sub === 'scale' && t.scale !== undefined) ||
        (sub === 'finalize' && t.kind === 'Namespace' && t.group === '') ||
        (sub === 'eviction' && t.kind === 'Pod' && t.group === '');
      if (!ok || p.name === undefined) throw pathNotFound();
    }
    const version = p.version;
    const warnings: string[] = [];
    const write: WriteOptions = {
      dryRun: q.get('dryRun') === 'All',
      fieldManager: q.get('fieldManager') ?? defaultManager(String(req.headers['user-agent'] ?? '')),
      ...(q.get('fieldValidation') !== null ? { fieldValidation: q.get('fieldValidation') as 'Ignore' | 'Warn' | 'Strict' } : {}),
      force: q.get('force') === 'true',
      warnings,
    };
    const ns = p.namespace;
    const headers = (): Record<string, string> => (warnings.length > 0 ? { Warning: warnings.map((w) => `299 - ${JSON.stringify(w)}`).join(', ') } : {});
    const objOut = (code: number, o: KubeObject): { served: Served; requestBytes: number } => {
      const json = t.custom && o.apiVersion !== groupVersion(t.group, version) ? JSON.stringify({ ...o, apiVersion: groupVersion(t.group, version) }) : JSON.stringify(o);
      return done(res, code, json, requestBytes, fault, headers());
    };

    switch (method) {
      case 'GET': {
        if (p.name !== undefined) {
          if (sub === 'scale') return done(res, 200, JSON.stringify(this.api.getScale(t, ns, p.name)), requestBytes, fault);
          if (sub === 'finalize') throw methodNotAllowed('the server does not allow this method on the requested resource');
          const s = this.api.get(t, ns, p.name);
          if (wantsTable(req.headers['accept'])) return done(res, 200, JSON.stringify(tableFor(t, [s.object], String(s.rv), undefined, this.api.nowMs(), includeObject(q))), requestBytes, fault);
          return done(res, 200, objectJson(t, version, s), requestBytes, fault);
        }
        if (info.verb === 'watch') {
          const dropAfter = this.faults.dropAfterFor(info);
          const table = wantsTable(req.headers['accept']);
          let firstRow = true;
          return new Promise((resolve) => {
            let bytes = 0;
            serveWatch(
              this.api,
              t,
              version,
              ns,
              {
                ...(q.get('resourceVersion') !== null ? { resourceVersion: q.get('resourceVersion')! } : {}),
                allowWatchBookmarks: q.get('allowWatchBookmarks') === 'true',
                sendInitialEvents: q.get('sendInitialEvents') === 'true',
                ...(q.get('timeoutSeconds') !== null ? { timeoutSeconds: Number(q.get('timeoutSeconds')) } : {}),
                ...(q.get('labelSelector') !== null ? { labelSelector: q.get('labelSelector')! } : {}),
                ...(q.get('fieldSelector') !== null ? { fieldSelector: q.get('fieldSelector')! } : {}),
              },
              res,
              this.settings,
              {
                register: (w) => {
                  onWatchOpen(fault);
                  this.watches.add(w);
                  return () => this.watches.delete(w);
                },
                ...(dropAfter !== undefined ? { dropAfter } : {}),
                ...(table
                  ? {
                      render: (s: StoredObject) => {
                        const out = JSON.stringify(tableFor(t, [s.object], String(s.rv), undefined, this.api.nowMs(), includeObject(q), firstRow));
                        firstRow = false;
                        return out;
                      },
                    }
                  : {}),
                onBytes: (n) => {
                  bytes = n;
                },
                onClose: () => resolve({ served: { code: 200, bytes, ...(fault !== undefined ? { fault } : {}) }, requestBytes }),
              },
            );
          });
        }
        const listOpts = listOptions(q);
        const page = this.api.list(t, ns, listOpts);
        if (wantsTable(req.headers['accept'])) {
          return done(res, 200, JSON.stringify(tableFor(t, page.items.map((s) => s.object), String(page.resourceVersion), page.continue, this.api.nowMs(), includeObject(q))), requestBytes, fault);
        }
        const meta: Record<string, unknown> = { resourceVersion: String(page.resourceVersion) };
        if (page.continue !== undefined) meta['continue'] = page.continue;
        if (page.remainingItemCount !== undefined) meta['remainingItemCount'] = page.remainingItemCount;
        const head = `{"kind":${JSON.stringify(t.listKind)},"apiVersion":${JSON.stringify(groupVersion(t.group, version))},"metadata":${JSON.stringify(meta)},"items":[`;
        const parts: string[] = [];
        for (const s of page.items) parts.push(objectJson(t, version, s));
        return done(res, 200, head + parts.join(',') + ']}', requestBytes, fault);
      }
      case 'POST': {
        // The Eviction API: the pod is deleted as a DELETE would (PodDisruptionBudgets are not simulated).
        if (sub === 'eviction' && p.name !== undefined) {
          const ev = isRecord(body) ? body : {};
          const meta = isRecord(ev['metadata']) ? ev['metadata'] : {};
          if (ev['kind'] !== 'Eviction') throw badRequest(`the body of an eviction must be an Eviction, not ${JSON.stringify(ev['kind'] ?? null)}`);
          if (meta['name'] !== p.name) throw badRequest(`name in URL does not match name in Eviction object`);
          const r = this.api.delete(t, ns, p.name, deleteOptions(q, isRecord(ev['deleteOptions']) ? ev['deleteOptions'] : {}));
          const status = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201, details: { name: p.name, kind: 'pods', uid: r.object.metadata.uid } };
          return done(res, 201, JSON.stringify(status), requestBytes, fault);
        }
        if (p.name !== undefined) throw methodNotAllowed(`the server does not allow this method on the requested resource`);
        const created = this.api.create(t, ns, body, write, version);
        return objOut(201, created);
      }
      case 'PUT': {
        if (p.name === undefined) throw methodNotAllowed('the server does not allow this method on the requested resource');
        if (sub === 'scale') return done(res, 200, JSON.stringify(this.api.updateScale(t, ns, p.name, body, write)), requestBytes, fault, headers());
        if (sub === 'finalize') {
          const current = this.api.get(t, ns, p.name).object;
          const candidate = deepCopy(current);
          const newSpec = isRecord(body) && isRecord(body['spec']) ? body['spec'] : {};
          candidate['spec'] = { ...(isRecord(candidate['spec']) ? candidate['spec'] : {}), finalizers: newSpec['finalizers'] ?? [] };
          return objOut(200, this.api.update(t, ns, p.name, candidate, undefined, write, version));
        }
        const existed = this.api.store.get(`${t.group}/${t.resource}`, t.namespaced ? ns : undefined, p.name) !== undefined;
        const updated = this.api.update(t, ns, p.name, body, sub === 'status' ? 'status' : undefined, write, version);
        return objOut(existed ? 200 : 201, updated);
      }
      case 'PATCH': {
        if (p.name === undefined) throw methodNotAllowed('the server does not allow this method on the requested resource');
        const type = patchTypeOf(req.headers['content-type']);
        if (sub === 'scale') return done(res, 200, JSON.stringify(this.api.patchScale(t, ns, p.name, type, body, write)), requestBytes, fault, headers());
        if (sub === 'finalize') throw methodNotAllowed('the server does not allow this method on the requested resource');
        const existed = this.api.store.get(`${t.group}/${t.resource}`, t.namespaced ? ns : undefined, p.name) !== undefined;
        const applyWrite: WriteOptions = type === 'apply' ? { ...write, fieldManager: q.get('fieldManager') ?? '' } : write;
        const patched = this.api.patch(t, ns, p.name, type, body, sub === 'status' ? 'status' : undefined, applyWrite, version);
        return objOut(existed ? 200 : 201, patched);
      }
      case 'DELETE': {
        const opts = deleteOptions(q, body);
        if (p.name === undefined) {
          const items = this.api.deleteCollection(t, ns, listOptions(q), opts);
          const list = { kind: t.listKind, apiVersion: groupVersion(t.group, version), metadata: { resourceVersion: String(this.api.store.resourceVersion()) }, items };
          return done(res, 200, JSON.stringify(list), requestBytes, fault);
        }
        if (sub !== undefined) throw methodNotAllowed('the server does not allow this method on the requested resource');
        const r = this.api.delete(t, ns, p.name, opts);
        const code = r.removed ? 200 : 202;
        if (t.returnDeletedObject || !r.removed) return objOut(code, r.object);
        const status = {
          kind: 'Status',
          apiVersion: 'v1',
          metadata: {},
          status: 'Success',
          details: { name: p.name, ...(t.group !== '' ? { group: t.group } : {}), kind: t.resource, uid: r.object.metadata.uid },
        };
        return done(res, code, JSON.stringify(status), requestBytes, fault);
      }
      default:
        throw methodNotAllowed(`the server does not allow this method on the requested resource (${method})`);
    }
  }
}

/** What the log and fault rules know about a request. */
interface RequestInfo extends FaultRequest {
  readonly version: string;
}

function describe(p: ReturnType<typeof parseApiPath>, method: string, q: URLSearchParams): RequestInfo {
  if (p.type !== 'resource') {
    const discovery = ['root', 'version', 'coreVersions', 'groupList', 'group', 'resourceList', 'openapi'].includes(p.type);
    return { verb: discovery ? 'discovery' : 'other', group: '', version: '', resource: '', subresource: '', namespace: '', name: '' };
  }
  let verb: Verb;
  switch (method) {
    case 'GET':
      verb = p.name !== undefined ? 'get' : p.watchPrefix || q.get('watch') === 'true' || q.get('watch') === '1' ? 'watch' : 'list';
      break;
    case 'POST':
      verb = 'create';
      break;
    case 'PUT':
      verb = 'update';
      break;
    case 'PATCH':
      verb = 'patch';
      break;
    case 'DELETE':
      verb = p.name !== undefined ? 'delete' : 'deletecollection';
      break;
    default:
      verb = 'other';
  }
  return {
    verb,
    group: p.group,
    version: p.version,
    resource: p.resource,
    subresource: p.subresource ?? '',
    namespace: p.namespace ?? '',
    name: p.name ?? '',
  };
}

function includeObject(q: URLSearchParams): 'None' | 'Metadata' | 'Object' {
  const v = q.get('includeObject');
  return v === 'None' || v === 'Object' ? v : 'Metadata';
}

function defaultManager(userAgent: string): string {
  const first = userAgent.split('/')[0]?.trim() ?? '';
  return first === '' ? 'unknown' : first;
}

function listOptions(q: URLSearchParams): ListOptions {
  const limit = q.get('limit');
  if (limit !== null && !/^[0-9]+$/.test(limit)) throw badRequest(`limit: Invalid value: "${limit}": must be a non-negative integer`);
  return {
    ...(q.get('labelSelector') !== null ? { labelSelector: q.get('labelSelector')! } : {}),
    ...(q.get('fieldSelector') !== null ? { fieldSelector: q.get('fieldSelector')! } : {}),
    ...(limit !== null ? { limit: Number(limit) } : {}),
    ...(q.get('continue') !== null ? { continue: q.get('continue')! } : {}),
    ...(q.get('resourceVersion') !== null ? { resourceVersion: q.get('resourceVersion')! } : {}),
    ...(q.get('resourceVersionMatch') !== null ? { resourceVersionMatch: q.get('resourceVersionMatch')! } : {}),
  };
}

function deleteOptions(q: URLSearchParams, body: unknown): DeleteOptions {
  const b = isRecord(body) ? body : {};
  const grace = q.get('gracePeriodSeconds') ?? (typeof b['gracePeriodSeconds'] === 'number' ? String(b['gracePeriodSeconds']) : null);
  let policy = q.get('propagationPolicy') ?? (typeof b['propagationPolicy'] === 'string' ? b['propagationPolicy'] : null);
  const orphan = q.get('orphanDependents') ?? (typeof b['orphanDependents'] === 'boolean' ? String(b['orphanDependents']) : null);
  if (policy === null && orphan === 'true') policy = 'Orphan';
  const pre = isRecord(b['preconditions']) ? b['preconditions'] : undefined;
  const dryRun = q.get('dryRun') === 'All' || (Array.isArray(b['dryRun']) && (b['dryRun'] as unknown[]).includes('All'));
  return {
    ...(grace !== null ? { gracePeriodSeconds: Number(grace) } : {}),
    ...(policy !== null ? { propagationPolicy: policy as DeleteOptions['propagationPolicy'] } : {}),
    ...(pre !== undefined
      ? {
          preconditions: {
            ...(typeof pre['uid'] === 'string' ? { uid: pre['uid'] } : {}),
            ...(typeof pre['resourceVersion'] === 'string' ? { resourceVersion: pre['resourceVersion'] } : {}),
          },
        }
      : {}),
    dryRun,
  };
}

function sendJson(res: ServerResponse, code: number, body: string, headers: Readonly<Record<string, string>> = {}): number {
  const buf = Buffer.from(body);
  res.writeHead(code, { ...JSON_HEADERS, 'Content-Length': String(buf.length), ...headers });
  res.end(buf);
  return buf.length;
}

function done(res: ServerResponse, code: number, body: string, requestBytes: number, fault: string | undefined, headers: Record<string, string> = {}): { served: Served; requestBytes: number } {
  const bytes = sendJson(res, code, body, headers);
  return { served: { code, bytes, ...(fault !== undefined ? { fault } : {}) }, requestBytes };
}

function drain(req: IncomingMessage): Promise<void> {
  return new Promise((resolve) => {
    if (req.readableEnded) return resolve();
    req.on('data', () => undefined);
    req.on('end', () => resolve());
    req.on('error', () => resolve());
  });
}

function readBody(req: IncomingMessage, max: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > max) {
        reject(new ApiError(413, 'RequestEntityTooLarge', `the request body is larger than ${max} bytes`, {}));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function parseBody(raw: Buffer, contentType: string): unknown {
  const text = raw.toString('utf8');
  try {
    return JSON.parse(text);
  } catch (jsonError) {
    if (contentType.includes('yaml')) {
      try {
        return YAML.parse(text);
      } catch (e) {
        throw badRequest(`error decoding YAML: ${(e as Error).message}`);
      }
    }
    throw badRequest(`couldn't get version/kind; json parse error: ${(jsonError as Error).message}`);
  }
}

