/**
 * Recorded-contract fakes of the services' HTTP APIs: local servers (127.0.0.1) that accept only requests
 * shaped as the public API docs describe them (method, path, auth header, content type, JSON body) and answer
 * as the real service does. A request off the contract is answered 400 "contract: <why>", so the sender under
 * test fails visibly. Each fake records what it was sent, and can be told to answer the next requests
 * differently (429, 5xx, an auth error, no answer at all).
 */
import * as crypto from 'node:crypto';
import type * as http from 'node:http';
import { startHttpServer, type RecordedRequest } from '@rollouts/plugin-http/testing';

export interface Answer {
  readonly status: number;
  readonly body?: string;
  readonly headers?: Readonly<Record<string, string>>;
}

/** What a contract says about one request: an answer, or why it breaks the contract. */
export type ContractHandler = (req: RecordedRequest, json: unknown) => Answer | string;

export interface ContractFake {
  readonly name: string;
  readonly url: string;
  readonly seen: RecordedRequest[];
  /** The JSON bodies of the requests seen, parsed. */
  jsonBodies(): unknown[];
  /** Answer the next request with this instead (queued, first in first out); `'hang'` never answers it. */
  override(answer: Answer | 'hang'): void;
  close(): Promise<void>;
}

export async function startContractFake(name: string, handler: ContractHandler): Promise<ContractFake> {
  const overrides: Array<Answer | 'hang'> = [];
  const reply = (res: http.ServerResponse, a: Answer) => {
    const body = a.body ?? '';
    res.writeHead(a.status, { 'Content-Type': body.startsWith('{') || body.startsWith('[') ? 'application/json' : 'text/plain', ...(a.headers ?? {}) }).end(body);
  };
  const server = await startHttpServer((req, res) => {
    const o = overrides.shift();
    if (o === 'hang') return;
    if (o !== undefined) return reply(res, o);
    let json: unknown;
    if (req.body !== '' && /json/.test(String(req.headers['content-type'] ?? ''))) {
      try {
        json = JSON.parse(req.body);
      } catch {
        return reply(res, { status: 400, body: 'contract: body is not JSON' });
      }
    }
    const out = handler(req, json);
    if (typeof out === 'string') return reply(res, { status: 400, body: `contract: ${out}` });
    reply(res, out);
  });
  return {
    name,
    url: server.url,
    seen: server.seen,
    jsonBodies: () => server.seen.map((r) => (r.body === '' ? undefined : JSON.parse(r.body))),
    override: (a) => overrides.push(a),
    close: () => server.close(),
  };
}

const obj = (v: unknown): Record<string, unknown> | undefined => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined);
const isJson = (req: RecordedRequest) => /^application\/json/.test(String(req.headers['content-type'] ?? ''));
const bearer = (req: RecordedRequest) => /^Bearer (.+)$/.exec(String(req.headers['authorization'] ?? ''))?.[1];

/** Slack Web API: chat.postMessage / chat.update (HTTP 200 with ok:false for API errors). */
export function slackFake(token: string): Promise<ContractFake> {
  let n = 0;
  return startContractFake('slack', (req, json) => {
    if (req.method !== 'POST') return `method ${req.method}`;
    if (!isJson(req)) return 'content-type must be application/json';
    if (bearer(req) !== token) return { status: 200, body: JSON.stringify({ ok: false, error: 'invalid_auth' }) };
    const b = obj(json);
    if (b === undefined || typeof b['channel'] !== 'string' || b['channel'] === '') return { status: 200, body: JSON.stringify({ ok: false, error: 'channel_not_found' }) };
    if (typeof b['text'] !== 'string' && b['blocks'] === undefined && b['attachments'] === undefined) return { status: 200, body: JSON.stringify({ ok: false, error: 'no_text' }) };
    if (b['attachments'] !== undefined && !Array.isArray(b['attachments'])) return 'attachments must be a JSON array';
    if (b['blocks'] !== undefined && !Array.isArray(b['blocks'])) return 'blocks must be a JSON array';
    if (req.url === '/api/chat.postMessage') {
      n++;
      const ts = `1700000000.${String(n).padStart(6, '0')}`;
      return { status: 200, body: JSON.stringify({ ok: true, channel: 'C0TESTCHAN', ts, message: { text: b['text'], ts } }) };
    }
    if (req.url === '/api/chat.update') {
      if (typeof b['ts'] !== 'string') return { status: 200, body: JSON.stringify({ ok: false, error: 'message_not_found' }) };
      return { status: 200, body: JSON.stringify({ ok: true, channel: b['channel'], ts: b['ts'], text: b['text'] }) };
    }
    return { status: 404, body: JSON.stringify({ ok: false, error: 'unknown_method' }) };
  });
}

/** Office 365 connector webhook: a MessageCard, answered 200 "1". */
export function teamsFake(): Promise<ContractFake> {
  return startContractFake('teams', (req, json) => {
    if (req.method !== 'POST' || !req.url.startsWith('/webhookb2/')) return `${req.method} ${req.url}`;
    if (!isJson(req)) return 'content-type must be application/json';
    const b = obj(json);
    if (b?.['@type'] !== 'MessageCard' || b['@context'] !== 'https://schema.org/extensions') return 'not a MessageCard';
    if (typeof b['text'] !== 'string' && typeof b['summary'] !== 'string') return 'a card needs text or summary';
    return { status: 200, body: '1' };
  });
}

/** Power Automate "post to a channel when a webhook request is received": a message with an Adaptive Card, 202. */
export function teamsWorkflowsFake(): Promise<ContractFake> {
  return startContractFake('teams-workflows', (req, json) => {
    if (req.method !== 'POST' || !req.url.startsWith('/powerautomate/')) return `${req.method} ${req.url}`;
    const b = obj(json);
    const att = Array.isArray(b?.['attachments']) ? obj((b['attachments'] as unknown[])[0]) : undefined;
    if (b?.['type'] !== 'message' || att?.['contentType'] !== 'application/vnd.microsoft.card.adaptive') return 'not a message with an Adaptive Card attachment';
    if (obj(att['content'])?.['type'] !== 'AdaptiveCard') return 'content is not an AdaptiveCard';
    return { status: 202, body: '' };
  });
}

/** Mattermost API v4: POST /api/v4/posts, 201 with the post. */
export function mattermostFake(token: string): Promise<ContractFake> {
  return startContractFake('mattermost', (req, json) => {
    if (req.method !== 'POST' || req.url !== '/api/v4/posts') return `${req.method} ${req.url}`;
    if (bearer(req) !== token) return { status: 401, body: JSON.stringify({ id: 'api.context.session_expired.app_error', message: 'Invalid or expired session, please login again.', status_code: 401 }) };
    const b = obj(json);
    if (typeof b?.['channel_id'] !== 'string' || typeof b['message'] !== 'string') return 'channel_id and message are required';
    return { status: 201, body: JSON.stringify({ id: 'post1', channel_id: b['channel_id'], message: b['message'], props: b['props'] ?? {} }) };
  });
}

/** Google Chat incoming webhook: POST /v1/spaces/<space>/messages?key=&token=, 200 with the message. */
export function googleChatFake(key: string, token: string): Promise<ContractFake> {
  return startContractFake('googlechat', (req, json) => {
    const u = new URL(req.url, 'http://fake');
    const m = /^\/v1\/spaces\/([^/]+)\/messages$/.exec(u.pathname);
    if (req.method !== 'POST' || m === null) return `${req.method} ${u.pathname}`;
    if (u.searchParams.get('key') !== key || u.searchParams.get('token') !== token) return { status: 401, body: JSON.stringify({ error: { code: 401, message: 'Request had invalid authentication credentials.', status: 'UNAUTHENTICATED' } }) };
    const b = obj(json);
    if (b === undefined || (typeof b['text'] !== 'string' && b['cards'] === undefined && b['cardsV2'] === undefined)) return 'text, cards or cardsV2 required';
    const threadKey = u.searchParams.get('threadKey');
    return { status: 200, body: JSON.stringify({ name: `spaces/${m[1]}/messages/m1`, text: b['text'] ?? '', thread: { name: `spaces/${m[1]}/threads/${threadKey ?? 't1'}` } }) };
  });
}

/** PagerDuty Events API v2: POST /v2/enqueue, 202 {status: "success"}; a bad event or routing key is 400. */
export function pagerDutyFake(routingKey: string): Promise<ContractFake> {
  return startContractFake('pagerdutyv2', (req, json) => {
    if (req.method !== 'POST' || req.url !== '/v2/enqueue') return `${req.method} ${req.url}`;
    const b = obj(json);
    const p = obj(b?.['payload']);
    if (b?.['event_action'] !== 'trigger') return 'event_action must be trigger';
    if (b['routing_key'] !== routingKey) return { status: 400, body: JSON.stringify({ status: 'invalid event', message: 'Event object is invalid', errors: ['Invalid routing key'] }) };
    if (typeof p?.['summary'] !== 'string' || typeof p['source'] !== 'string' || !['critical', 'error', 'warning', 'info'].includes(String(p['severity']))) return 'payload needs summary, source and severity';
    return { status: 202, body: JSON.stringify({ status: 'success', message: 'Event processed', dedup_key: b['dedup_key'] ?? 'generated-key' }) };
  });
}

/** Opsgenie Alert API: POST /v2/alerts with GenieKey, 202 "Request will be processed". */
export function opsgenieFake(apiKey: string): Promise<ContractFake> {
  return startContractFake('opsgenie', (req, json) => {
    if (req.method !== 'POST' || req.url !== '/v2/alerts') return `${req.method} ${req.url}`;
    if (req.headers['authorization'] !== `GenieKey ${apiKey}`) return { status: 401, body: JSON.stringify({ message: 'Could not authenticate', took: 0.001, requestId: 'r0' }) };
    const b = obj(json);
    if (typeof b?.['message'] !== 'string' || b['message'] === '' || (b['message'] as string).length > 130) return 'message is required, at most 130 characters';
    return { status: 202, body: JSON.stringify({ result: 'Request will be processed', took: 0.002, requestId: 'r1' }) };
  });
}

/** Grafana HTTP API: POST /api/annotations with a service account token, 200 {message, id}. */
export function grafanaFake(apiKey: string): Promise<ContractFake> {
  return startContractFake('grafana', (req, json) => {
    if (req.method !== 'POST' || req.url !== '/api/annotations') return `${req.method} ${req.url}`;
    if (bearer(req) !== apiKey) return { status: 401, body: JSON.stringify({ message: 'Invalid API key' }) };
    const b = obj(json);
    if (typeof b?.['text'] !== 'string' || typeof b['time'] !== 'number' || !Array.isArray(b['tags'])) return 'text, time and tags required';
    return { status: 200, body: JSON.stringify({ message: 'Annotation added', id: 1 }) };
  });
}

function verifyJwt(jwt: string, publicKey: crypto.KeyObject, appId: string): string | undefined {
  const [h, p, s] = jwt.split('.');
  if (h === undefined || p === undefined || s === undefined) return 'JWT is not three parts';
  const head = JSON.parse(Buffer.from(h, 'base64url').toString()) as { alg?: string };
  if (head.alg !== 'RS256') return 'JWT alg must be RS256';
  if (!crypto.createVerify('RSA-SHA256').update(`${h}.${p}`).verify(publicKey, Buffer.from(s, 'base64url'))) return 'JWT signature does not verify';
  const claims = JSON.parse(Buffer.from(p, 'base64url').toString()) as { iat?: number; exp?: number; iss?: unknown };
  if (String(claims.iss) !== appId) return 'JWT iss is not the app ID';
  if (typeof claims.iat !== 'number' || typeof claims.exp !== 'number' || claims.exp - claims.iat > 600) return 'JWT must live at most 10 minutes';
  return undefined;
}

/** GitHub REST API as a GitHub App sees it: installation tokens, commit statuses, deployments. */
export function gitHubFake(opts: { appId: string; installationId: string; publicKey: crypto.KeyObject; token: string }): Promise<ContractFake> {
  let deploymentId = 41;
  const deployments: Array<{ id: number; ref: string; environment: string }> = [];
  return startContractFake('github', (req, json) => {
    const u = new URL(req.url, 'http://fake');
    if (req.method === 'POST' && u.pathname === `/app/installations/${opts.installationId}/access_tokens`) {
      const jwt = bearer(req);
      const bad = jwt === undefined ? 'no bearer JWT' : verifyJwt(jwt, opts.publicKey, opts.appId);
      if (bad !== undefined) return { status: 401, body: JSON.stringify({ message: `A JSON web token could not be decoded (${bad})` }) };
      return { status: 201, body: JSON.stringify({ token: opts.token, expires_at: '2099-01-01T00:00:00Z', permissions: { statuses: 'write', deployments: 'write' } }) };
    }
    if (bearer(req) !== opts.token) return { status: 401, body: JSON.stringify({ message: 'Bad credentials' }) };
    if (!/^application\/vnd\.github\+json/.test(String(req.headers['accept'] ?? ''))) return 'Accept must be application/vnd.github+json';
    const b = obj(json);
    let m = /^\/repos\/([^/]+)\/([^/]+)\/statuses\/([0-9a-f]{7,40})$/.exec(u.pathname);
    if (req.method === 'POST' && m !== null) {
      if (!['error', 'failure', 'pending', 'success'].includes(String(b?.['state']))) return { status: 422, body: JSON.stringify({ message: 'Validation Failed' }) };
      return { status: 201, body: JSON.stringify({ id: 1, state: b?.['state'], context: b?.['context'] }) };
    }
    m = /^\/repos\/([^/]+)\/([^/]+)\/deployments$/.exec(u.pathname);
    if (m !== null && req.method === 'GET') {
      return { status: 200, body: JSON.stringify(deployments.filter((d) => d.ref === u.searchParams.get('ref') && d.environment === u.searchParams.get('environment'))) };
    }
    if (m !== null && req.method === 'POST') {
      if (typeof b?.['ref'] !== 'string') return { status: 422, body: JSON.stringify({ message: 'Validation Failed' }) };
      const d = { id: ++deploymentId, ref: b['ref'] as string, environment: String(b['environment'] ?? 'production') };
      deployments.push(d);
      return { status: 201, body: JSON.stringify(d) };
    }
    m = /^\/repos\/([^/]+)\/([^/]+)\/deployments\/(\d+)\/statuses$/.exec(u.pathname);
    if (m !== null && req.method === 'POST') {
      if (!deployments.some((d) => String(d.id) === m![3])) return { status: 404, body: JSON.stringify({ message: 'Not Found' }) };
      return { status: 201, body: JSON.stringify({ id: 7, state: b?.['state'] }) };
    }
    return { status: 404, body: JSON.stringify({ message: 'Not Found' }) };
  });
}

/** PagerDuty REST API: POST /incidents with "Token token=" and From, 201 with the incident. */
export function pagerDutyRestFake(token: string, from: string): Promise<ContractFake> {
  return startContractFake('pagerduty', (req, json) => {
    if (req.method !== 'POST' || req.url !== '/incidents') return `${req.method} ${req.url}`;
    if (req.headers['authorization'] !== `Token token=${token}`) return { status: 401, body: JSON.stringify({ error: { message: 'Unauthorized', code: 2006 } }) };
    if (req.headers['from'] !== from) return { status: 400, body: JSON.stringify({ error: { message: 'Invalid Input Provided', errors: ['Requester User Not Found'] } }) };
    if (!/application\/vnd\.pagerduty\+json;version=2/.test(String(req.headers['accept'] ?? ''))) return 'Accept must be application/vnd.pagerduty+json;version=2';
    const inc = obj(obj(json)?.['incident']);
    const svc = obj(inc?.['service']);
    if (inc?.['type'] !== 'incident' || typeof inc['title'] !== 'string' || svc?.['type'] !== 'service_reference' || typeof svc['id'] !== 'string') return 'incident {type, title, service reference} required';
    return { status: 201, body: JSON.stringify({ incident: { id: 'PINC1', ...inc } }) };
  });
}
