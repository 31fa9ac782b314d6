/**
 * A recorded-contract fake of the two Datadog endpoints the provider uses (a test double, not Datadog): a
 * local HTTP server on 127.0.0.1 that checks every request against the documented wire contract and records
 * what it found wrong in `violations`, then answers with the scenario the test chose.
 *
 * Contract checked (Datadog API reference; Argo Rollouts' requests):
 * - every request: headers `DD-API-KEY` and `DD-APPLICATION-KEY` equal to the keys the fake was given (a wrong
 *   key is answered 403 `{"errors":["Forbidden"]}` as Datadog does), `Content-Type: application/json`.
 * - v1: `GET /api/v1/query?from=<unix s>&query=<q>&to=<unix s>`, exactly those parameters in that order, `from < to`.
 * - v2: `POST /api/v2/query/scalar`, body `{"data":{"type":"scalar_request","attributes":{"from":<ms>,"to":<ms>,
 *   "queries":[{"aggregator","data_source":"metrics","name","query"}],"formulas":[{"formula"}]}}}`.
 * Anything else is answered 404 and recorded as a violation.
 */
import type * as http from 'node:http';
import { startHttpServer, type RecordedRequest, type RecordingHttpServer } from '@rollouts/plugin-http/testing';

export interface V1Request {
  readonly version: 'v1';
  readonly from: number;
  readonly to: number;
  readonly query: string;
}
export interface V2Query {
  readonly aggregator: string;
  readonly data_source: string;
  readonly name: string;
  readonly query: string;
}
export interface V2Request {
  readonly version: 'v2';
  readonly from: number;
  readonly to: number;
  readonly queries: ReadonlyArray<V2Query>;
  readonly formulas: ReadonlyArray<{ readonly formula: string }>;
}
export type DatadogRequest = V1Request | V2Request;

/** What the fake answers: a status, a body (JSON-encoded unless a string) and headers; or `hang` (never answers). */
export type FakeAnswer = { readonly status?: number; readonly body?: unknown; readonly headers?: Record<string, string> } | 'hang';

export interface DatadogFake extends RecordingHttpServer {
  /** Contract violations seen so far (empty when every request followed the contract). */
  readonly violations: string[];
  /** The parsed requests that followed the contract, oldest first. */
  readonly requests: DatadogRequest[];
}

export const FAKE_KEYS = { apiKey: 'dd-api-0123456789abcdef', appKey: 'dd-app-fedcba9876543210' } as const;

const isObject = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);

function parse(req: RecordedRequest, violations: string[]): DatadogRequest | undefined {
  const url = new URL(req.url, 'http://fake');
  const bad = (why: string) => {
    violations.push(`${req.method} ${req.url}: ${why}`);
    return undefined;
  };
  if (req.headers['content-type'] !== 'application/json') bad(`Content-Type is ${JSON.stringify(req.headers['content-type'])}, expected application/json`);
  if (url.pathname === '/api/v1/query') {
    if (req.method !== 'GET') return bad('v1 query must be a GET');
    const keys = [...url.searchParams.keys()];
    if (keys.join(',') !== 'from,query,to') return bad(`v1 parameters are ${keys.join(',')}, expected from,query,to`);
    const from = Number(url.searchParams.get('from'));
    const to = Number(url.searchParams.get('to'));
    if (!Number.isInteger(from) || !Number.isInteger(to) || !(from < to)) return bad('from/to must be unix seconds with from < to');
    return { version: 'v1', from, to, query: url.searchParams.get('query') ?? '' };
  }
  if (url.pathname === '/api/v2/query/scalar') {
    if (req.method !== 'POST') return bad('v2 scalar query must be a POST');
    let body: unknown;
    try {
      body = JSON.parse(req.body);
    } catch {
      return bad('body is not JSON');
    }
    const data = isObject(body) ? body['data'] : undefined;
    if (!isObject(data) || data['type'] !== 'scalar_request') return bad('data.type must be scalar_request');
    const a = data['attributes'];
    if (!isObject(a)) return bad('data.attributes missing');
    const { from, to, queries, formulas } = a;
    if (typeof from !== 'number' || typeof to !== 'number' || !(from < to) || to < 1e12) return bad('from/to must be epoch milliseconds with from < to');
    if (!Array.isArray(queries) || queries.length === 0) return bad('queries must be a non-empty array');
    for (const q of queries) {
      if (!isObject(q) || q['data_source'] !== 'metrics' || typeof q['name'] !== 'string' || typeof q['query'] !== 'string' || typeof q['aggregator'] !== 'string') {
        return bad(`query ${JSON.stringify(q)} must have aggregator, data_source "metrics", name and query`);
      }
    }
    if (!Array.isArray(formulas) || !formulas.every((f) => isObject(f) && typeof f['formula'] === 'string')) return bad('formulas must be an array of {formula}');
    if (Object.keys(a).sort().join(',') !== 'formulas,from,queries,to') return bad(`unexpected attributes ${Object.keys(a).join(',')}`);
    return { version: 'v2', from, to, queries: queries as V2Query[], formulas: formulas as Array<{ formula: string }> };
  }
  return bad('unknown endpoint');
}

function send(res: http.ServerResponse, a: Exclude<FakeAnswer, 'hang'>): void {
  const body = a.body === undefined ? '' : typeof a.body === 'string' ? a.body : JSON.stringify(a.body);
  res.writeHead(a.status ?? 200, { 'Content-Type': 'application/json', ...(a.headers ?? {}) });
  res.end(body);
}

/** Start the fake; `answer` decides the reply to each request that followed the contract and had valid keys. */
export async function startDatadogFake(answer: (req: DatadogRequest, n: number) => FakeAnswer, keys: { apiKey: string; appKey: string } = FAKE_KEYS): Promise<DatadogFake> {
  const violations: string[] = [];
  const requests: DatadogRequest[] = [];
  const server = await startHttpServer((req, res) => {
    const parsed = parse(req, violations);
    if (parsed === undefined) return send(res, { status: 404, body: { errors: ['Not found'] } });
    if (req.headers['dd-api-key'] !== keys.apiKey || req.headers['dd-application-key'] !== keys.appKey) return send(res, { status: 403, body: { errors: ['Forbidden'] } });
    requests.push(parsed);
    const a = answer(parsed, requests.length);
    if (a !== 'hang') send(res, a);
  });
  return Object.assign(server, { violations, requests });
}

/** A v1 answer with one series of `points` ([ms, value]) per entry of `series`. */
export const v1Series = (...series: Array<Array<[number, number | null]>>) => ({ status: 'ok', series: series.map((pointlist) => ({ pointlist })) });

/** A v2 scalar answer with a number column and optional group columns. */
export const v2Scalar = (values: Array<number | null>, groups?: string[][]) => ({
  data: {
    type: 'scalar_response',
    attributes: {
      columns: [...(groups !== undefined ? [{ name: 'service', type: 'group', values: groups }] : []), { name: 'query1', type: 'number', values }],
    },
  },
});
