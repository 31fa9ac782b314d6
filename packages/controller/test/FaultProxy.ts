// Fault injection in front of a real API server, for the tests that use kube-sim's `inject` and request log: an
// HTTP proxy on 127.0.0.1 that the controllers talk to instead of the apiserver. It forwards every request
// (watches streamed), answers a chosen share of writes itself with the apiserver's 409 Conflict, and logs every
// request it saw in a kube-sim RequestLog (so the tests count the same way on both targets).
import * as http from 'node:http';
import * as https from 'node:https';
import type { AddressInfo } from 'node:net';
import { RequestLog, type Verb } from '@rollouts/kube-sim';
import type { KubeEndpoint } from './KubeHttp';

/** Which requests a fault applies to; as kube-sim's `inject.conflict`. */
export interface ConflictRule {
  /** Plural resource (`rollouts`). */
  readonly resource?: string;
  readonly subresource?: string;
  /** Only the first `times` matching writes. */
  readonly times?: number;
  /** Each matching write with this probability. */
  readonly rate?: number;
}

/** Writes answered with an error status instead of being forwarded; as kube-sim's `inject.error` for writes. */
export interface ErrorRule extends ConflictRule {
  /** Only this verb (default: `update` and `patch`). */
  readonly verb?: 'create' | 'update' | 'patch';
  /** Only the object of this name. */
  readonly name?: string;
  /** The HTTP status answered (413, 422, 500, ...). */
  readonly code: number;
  readonly message?: string;
}

/** A fault that can be taken back, and how often it fired. */
export interface FaultRule {
  remove(): void;
  hits(): number;
}

interface ParsedPath {
  readonly group: string;
  readonly version: string;
  readonly namespace: string;
  readonly resource: string;
  readonly name: string;
  readonly subresource: string;
}

/** `/api/v1/namespaces/ns/pods/name/status` and `/apis/g/v/...` into their parts. */
function parsePath(pathname: string): ParsedPath {
  const parts = pathname.split('/').filter((p) => p !== '');
  let i = 0;
  let group = '';
  if (parts[0] === 'api') i = 1;
  else if (parts[0] === 'apis') {
    group = parts[1] ?? '';
    i = 2;
  } else return { group: '', version: '', namespace: '', resource: '', name: '', subresource: '' };
  const version = parts[i++] ?? '';
  let namespace = '';
  if (parts[i] === 'namespaces' && parts.length > i + 2) {
    namespace = parts[i + 1] ?? '';
    i += 2;
  }
  return { group, version, namespace, resource: parts[i] ?? '', name: parts[i + 1] ?? '', subresource: parts[i + 2] ?? '' };
}

function verbOf(method: string, p: ParsedPath, query: URLSearchParams): Verb {
  if (p.resource === '') return 'discovery';
  switch (method) {
    case 'GET':
      return query.get('watch') === 'true' || query.get('watch') === '1' ? 'watch' : p.name === '' ? 'list' : 'get';
    case 'POST':
      return 'create';
    case 'PUT':
      return 'update';
    case 'PATCH':
      return 'patch';
    case 'DELETE':
      return p.name === '' ? 'deletecollection' : 'delete';
    default:
      return 'other';
  }
}

/** A running proxy. */
export class FaultProxy {
  readonly requestLog = new RequestLog(1_000_000);
  private readonly rules = new Set<{ rule: ErrorRule; left: number; hits: number }>();
  private readonly sockets = new Set<import('node:net').Socket>();
  private readonly agent: https.Agent | http.Agent;
  private server!: http.Server;
  /** `http://127.0.0.1:<port>`. */
  url = '';

  private constructor(private readonly upstream: KubeEndpoint) {
    this.agent = upstream.server.startsWith('https:') ? new https.Agent({ keepAlive: true, ...(upstream.ca !== undefined ? { ca: upstream.ca } : {}) }) : new http.Agent({ keepAlive: true });
  }

  static async start(upstream: KubeEndpoint): Promise<FaultProxy> {
    const p = new FaultProxy(upstream);
    p.server = http.createServer((req, res) => p.handle(req, res));
    p.server.on('connection', (s) => {
      p.sockets.add(s);
      s.on('close', () => p.sockets.delete(s));
    });
    await new Promise<void>((resolve) => p.server.listen(0, '127.0.0.1', resolve));
    p.url = `http://127.0.0.1:${(p.server.address() as AddressInfo).port}`;
    return p;
  }

  /** Answer matching writes (PUT and PATCH) with 409 Conflict until `remove()`. */
  conflict(rule: ConflictRule): FaultRule {
    return this.error({ ...rule, code: 409 });
  }

  /** Answer matching writes with `rule.code` until `remove()` (or `times` answers). */
  error(rule: ErrorRule): FaultRule {
    const entry = { rule, left: rule.times ?? Infinity, hits: 0 };
    this.rules.add(entry);
    return { remove: () => this.rules.delete(entry), hits: () => entry.hits };
  }

  private injected(verb: Verb, p: ParsedPath): ErrorRule | undefined {
    for (const e of this.rules) {
      const r = e.rule;
      if (r.verb !== undefined ? r.verb !== verb : verb !== 'update' && verb !== 'patch') continue;
      if (r.resource !== undefined && r.resource !== p.resource) continue;
      if (r.subresource !== undefined && r.subresource !== p.subresource) continue;
      if (r.name !== undefined && r.name !== p.name) continue;
      if (e.left <= 0) continue;
      if (r.rate !== undefined && Math.random() >= r.rate) continue;
      e.left--;
      e.hits++;
      return r;
    }
    return undefined;
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const started = Date.now();
    const url = new URL(req.url ?? '/', 'http://proxy');
    const p = parsePath(url.pathname);
    const verb = verbOf(req.method ?? 'GET', p, url.searchParams);
    const log = (code: number, fault?: string) =>
      this.requestLog.add({
        time: started,
        method: req.method ?? '',
        path: url.pathname,
        verb,
        group: p.group,
        version: p.version,
        resource: p.resource,
        subresource: p.subresource,
        namespace: p.namespace,
        name: p.name,
        code,
        bytes: 0,
        requestBytes: 0,
        durationMs: Date.now() - started,
        userAgent: String(req.headers['user-agent'] ?? ''),
        ...(fault !== undefined ? { fault } : {}),
      });
    const fault = this.injected(verb, p);
    if (fault !== undefined) {
      req.resume();
      const what = `${p.resource}${p.group !== '' ? `.${p.group}` : ''}`;
      const conflict = fault.code === 409;
      const body = {
        kind: 'Status',
        apiVersion: 'v1',
        metadata: {},
        status: 'Failure',
        message: conflict ? `Operation cannot be fulfilled on ${what} "${p.name}": the object has been modified; please apply your changes to the latest version and try again` : `InjectedFault: ${fault.message ?? `injected ${fault.code}`}`,
        reason: conflict ? 'Conflict' : fault.code === 413 ? 'RequestEntityTooLarge' : 'InternalError',
        details: { name: p.name, group: p.group, kind: p.resource },
        code: fault.code,
      };
      res.writeHead(fault.code, { 'Content-Type': 'application/json' }).end(JSON.stringify(body));
      log(fault.code, conflict ? 'conflict' : 'error');
      return;
    }
    const target = new URL(req.url ?? '/', this.upstream.server);
    const headers = { ...req.headers, host: target.host };
    const options: https.RequestOptions = { method: req.method ?? 'GET', headers, agent: this.agent };
    const out = (target.protocol === 'https:' ? https.request : http.request)(target, options, (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.pipe(res);
      up.on('end', () => log(up.statusCode ?? 0));
      res.on('close', () => up.destroy());
    });
    out.on('error', (e) => {
      if (!res.headersSent) res.writeHead(502).end(String(e));
      else res.destroy();
      log(502);
    });
    req.pipe(out);
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.agent.destroy();
  }
}
