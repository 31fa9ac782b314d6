/**
 * The one place that sends REST requests: client-node's KubeConfig authenticates and builds the agent (TLS,
 * tokens, exec plugins, proxies) and its fetch library sends. Bodies stay plain JSON (client-node's typed
 * serializer would turn timestamps into Date objects and drop fields it does not know).
 */
import { createHash } from 'node:crypto';
import * as http from 'node:http';
import * as https from 'node:https';
import { HttpMethod, IsomorphicFetchHttpLibrary, KubeConfig, RequestContext } from '@kubernetes/client-node';
import * as E from 'fp-ts/lib/Either';
import type { Either } from 'fp-ts/lib/Either';
import type { PluginError, Logger } from '@rollouts/plugin-sdk';
import { kubeErrorFromException, kubeErrorFromResponse, RequestTarget } from '../KubeErrors';
import type { RequestMetrics } from '../RequestMetrics';

/** One REST request. */
export interface ApiRequest {
  readonly method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  readonly path: string;
  readonly query?: Readonly<Record<string, string | number | boolean | undefined>>;
  readonly body?: unknown;
  /** Default `application/json` when there is a body. */
  readonly contentType?: string;
  /** Named in error messages and metrics. */
  readonly target: RequestTarget;
  /** Abort after this long (default 30 s). */
  readonly timeoutMs?: number;
}

/** A successful answer. */
export interface ApiResponse {
  readonly code: number;
  readonly body: unknown;
}

/** Sends requests; never throws. */
export interface ApiTransport {
  request(req: ApiRequest): Promise<Either<PluginError, ApiResponse>>;
  readonly kubeConfig: KubeConfig;
}

const METHODS: Record<ApiRequest['method'], HttpMethod> = {
  GET: HttpMethod.GET,
  POST: HttpMethod.POST,
  PUT: HttpMethod.PUT,
  PATCH: HttpMethod.PATCH,
  DELETE: HttpMethod.DELETE,
};

function parseBody(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

const TLS_OPTIONS = ['ca', 'cert', 'key', 'pfx', 'passphrase', 'rejectUnauthorized', 'servername'] as const;

/**
 * client-node makes a new agent (without keep-alive) for every request, so every request would open and
 * close a TCP (and TLS) connection, leaving sockets in TIME_WAIT by the thousand under load. For plain
 * http/https agents we substitute one keep-alive agent per distinct TLS configuration; proxy agents are
 * used as given.
 */
function agentPool(): (agent: unknown) => http.Agent | undefined {
  const agents = new Map<string, http.Agent>();
  return (agent) => {
    if (agent === undefined || agent === null) return undefined;
    const secure = agent.constructor === https.Agent;
    if (!secure && agent.constructor !== http.Agent) return agent as http.Agent;
    const options = ((agent as { options?: Record<string, unknown> }).options ?? {}) as Record<string, unknown>;
    const picked: Record<string, unknown> = {};
    const hash = createHash('sha256').update(secure ? 'https' : 'http');
    for (const k of TLS_OPTIONS) {
      const v = options[k];
      if (v === undefined || v === null) continue;
      picked[k] = v;
      hash.update(`\u0000${k}=`).update(Buffer.isBuffer(v) ? v : String(v));
    }
    const key = hash.digest('hex');
    let pooled = agents.get(key);
    if (pooled === undefined) {
      pooled = secure ? new https.Agent({ ...picked, keepAlive: true }) : new http.Agent({ keepAlive: true });
      agents.set(key, pooled);
    }
    return pooled;
  };
}

/** A transport over `kc`'s current context. */
export function createApiTransport(kc: KubeConfig, opts: { metrics?: RequestMetrics; log?: Logger; userAgent?: string } = {}): ApiTransport {
  const library = new IsomorphicFetchHttpLibrary();
  const pooled = agentPool();
  const record = (t: RequestTarget, code: number): void => {
    try {
      opts.metrics?.record({ verb: t.verb, kind: t.kind, ...(t.namespace !== undefined ? { namespace: t.namespace } : {}), ...(t.name !== undefined ? { name: t.name } : {}), code });
    } catch {
      // a broken metrics sink must not break requests
    }
  };
  return {
    kubeConfig: kc,
    async request(req) {
      const cluster = kc.getCurrentCluster();
      if (cluster === null) return E.left(kubeErrorFromException(new Error('the kubeconfig has no current cluster'), req.target));
      const url = new URL(cluster.server.replace(/\/+$/, '') + req.path);
      for (const [k, v] of Object.entries(req.query ?? {})) if (v !== undefined) url.searchParams.set(k, String(v));
      let code = 0;
      try {
        const ctx = new RequestContext(url.toString(), METHODS[req.method]);
        ctx.setHeaderParam('Accept', 'application/json');
        ctx.setHeaderParam('User-Agent', opts.userAgent ?? 'rollouts-controller');
        if (req.body !== undefined) {
          ctx.setHeaderParam('Content-Type', req.contentType ?? 'application/json');
          ctx.setBody(JSON.stringify(req.body));
        }
        ctx.setSignal(AbortSignal.timeout(req.timeoutMs ?? 30_000));
        await kc.applySecurityAuthentication(ctx);
        const agent = pooled(ctx.getAgent());
        if (agent !== undefined) ctx.setAgent(agent);
        const res = await library.send(ctx).toPromise();
        code = res.httpStatusCode;
        record(req.target, code);
        const body = parseBody(await res.body.text());
        if (code >= 200 && code < 300) return E.right({ code, body });
        const err = kubeErrorFromResponse(code, body, req.target);
        opts.log?.debug('kube request failed', { error: err.message, code });
        return E.left(err);
      } catch (e) {
        if (code === 0) record(req.target, 0);
        const err = kubeErrorFromException(e, req.target);
        opts.log?.debug('kube request failed', { error: err.message });
        return E.left(err);
      }
    },
  };
}
