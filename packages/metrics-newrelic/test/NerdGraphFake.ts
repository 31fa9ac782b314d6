/**
 * A recorded-contract fake of New Relic's NerdGraph endpoint for NRQL queries (a test double, not New
 * Relic): a local HTTP server on 127.0.0.1 that checks every request against the documented wire contract,
 * records what it found wrong in `violations`, and answers with the scenario the test chose.
 *
 * Contract checked (NerdGraph API docs; the request newrelic-client-go sends for Argo Rollouts):
 * - `POST /graphql`, `Content-Type: application/json`, header `Api-Key: <personal key>` (a wrong key is
 *   answered 200 with a GraphQL error whose `extensions.error_code` is `BAD_API_KEY`, as NerdGraph does).
 * - body `{"query": "<document>", "variables": {"accountId": <int>, "query": "<NRQL>", "timeout": <int seconds>}}`
 *   where the document declares `$query: Nrql!`, `$accountId: Int!`, `$timeout: Seconds!` and selects
 *   `actor { account(id: $accountId) { nrql(query: $query, timeout: $timeout) { results } } }` (compared
 *   without whitespace).
 */
import type * as http from 'node:http';
import { startHttpServer, type RecordedRequest, type RecordingHttpServer } from '@rollouts/plugin-http/testing';

export interface NrqlRequest {
  readonly accountId: number;
  readonly query: string;
  readonly timeout: number;
}

export type FakeAnswer = { readonly status?: number; readonly body?: unknown; readonly headers?: Record<string, string> } | 'hang';

export interface NerdGraphFake extends RecordingHttpServer {
  readonly violations: string[];
  readonly requests: NrqlRequest[];
  /** The NerdGraph URL to put in `base-url-nerdgraph`. */
  readonly graphqlUrl: string;
}

export const FAKE_API_KEY = 'NRAK-FAKE0123456789ABCDEFGHIJ';
export const FAKE_ACCOUNT = 1234567;

const squash = (s: string) => s.replace(/\s+/g, '');
const DOCUMENT_PARTS = ['$query:Nrql!', '$accountId:Int!', '$timeout:Seconds!', 'actor{account(id:$accountId){nrql(query:$query,timeout:$timeout){results}}}'];

function parse(req: RecordedRequest, violations: string[]): NrqlRequest | undefined {
  const bad = (why: string) => {
    violations.push(`${req.method} ${req.url}: ${why}`);
    return undefined;
  };
  if (req.method !== 'POST' || req.url !== '/graphql') return bad('expected POST /graphql');
  if (req.headers['content-type'] !== 'application/json') return bad(`Content-Type is ${JSON.stringify(req.headers['content-type'])}`);
  let body: unknown;
  try {
    body = JSON.parse(req.body);
  } catch {
    return bad('body is not JSON');
  }
  const b = body as { query?: unknown; variables?: Record<string, unknown> };
  if (typeof b.query !== 'string' || !DOCUMENT_PARTS.every((p) => squash(b.query as string).includes(p))) return bad(`unexpected GraphQL document ${JSON.stringify(b.query)}`);
  const v = b.variables ?? {};
  if (Object.keys(v).sort().join(',') !== 'accountId,query,timeout') return bad(`variables are ${Object.keys(v).join(',')}, expected accountId, query, timeout`);
  if (!Number.isInteger(v['accountId']) || typeof v['query'] !== 'string' || !Number.isInteger(v['timeout'])) return bad(`variables have the wrong types: ${JSON.stringify(v)}`);
  return { accountId: v['accountId'] as number, query: v['query'], timeout: v['timeout'] as number };
}

function send(res: http.ServerResponse, a: Exclude<FakeAnswer, 'hang'>): void {
  const body = a.body === undefined ? '' : typeof a.body === 'string' ? a.body : JSON.stringify(a.body);
  res.writeHead(a.status ?? 200, { 'Content-Type': 'application/json', ...(a.headers ?? {}) });
  res.end(body);
}

/** NerdGraph's answer for a wrong key. */
export const badApiKey = { errors: [{ message: 'Invalid API key', extensions: { error_code: 'BAD_API_KEY', errorClass: 'UNAUTHORIZED' } }], data: { actor: null } };

/** Start the fake; `answer` decides the reply to each request that followed the contract with the right key. */
export async function startNerdGraphFake(answer: (req: NrqlRequest, n: number) => FakeAnswer, apiKey: string = FAKE_API_KEY): Promise<NerdGraphFake> {
  const violations: string[] = [];
  const requests: NrqlRequest[] = [];
  const server = await startHttpServer((req, res) => {
    const parsed = parse(req, violations);
    if (parsed === undefined) return send(res, { status: 400, body: { errors: [{ message: 'bad request' }] } });
    if (req.headers['api-key'] !== apiKey) return send(res, { body: badApiKey });
    requests.push(parsed);
    const a = answer(parsed, requests.length);
    if (a !== 'hang') send(res, a);
  });
  return Object.assign(server, { violations, requests, graphqlUrl: `${server.url}/graphql` });
}

/** A successful answer with these rows. */
export const rows = (...results: Array<Record<string, unknown>>) => ({ data: { actor: { account: { nrql: { results } } } } });
