/**
 * A recorded-contract fake of Kayenta's canary API (a test double, not Kayenta): a local HTTP server on
 * 127.0.0.1 that answers the three requests the provider sends, as documented for Kayenta's REST API and as
 * Argo Rollouts sends them:
 *
 * - `GET /canaryConfig?application=<app>&configurationAccountName=<account>` → the canary configs;
 * - `POST /canary/<configId>?application=…&metricsAccountName=…&configurationAccountName=…&storageAccountName=…`
 *   with a JSON body `{scopes: {<name>: {controlScope, experimentScope}}, thresholds: {pass, marginal}}` →
 *   `{"canaryExecutionId": "…"}`;
 * - `GET /canary/<executionId>` → `{"complete": false}` until the judgement is done, then its score.
 *
 * A request that breaks the contract (method, path, query, headers, body shape) is answered 400 and noted in
 * `violations`, so a test can assert there were none.
 */
import type * as http from 'node:http';
import { startHttpServer, type RecordedRequest, type RecordingHttpServer } from '@rollouts/plugin-http/testing';

export interface FakeJudgement {
  /** Polls answered `complete: false` before the answer is complete. */
  pollsBeforeComplete: number;
  /** The score of the complete judgement; `undefined` answers a complete judgement without a score (a failed execution). */
  score?: number;
}

export interface FakeKayenta extends RecordingHttpServer {
  readonly violations: string[];
  /** What the next POST starts (default: complete on the first poll with score 95). */
  next: FakeJudgement;
  /** Judgements started, by execution id. */
  readonly judgements: Map<string, FakeJudgement & { readonly body: unknown; readonly query: Record<string, string>; polls: number }>;
  /** Answer every request this way instead (status, body), to simulate failures. */
  override?: (req: RecordedRequest, res: http.ServerResponse) => boolean;
  /** POSTs seen (judgements requested). */
  posts(): RecordedRequest[];
}

export const APPLICATION = 'guestbook';
export const CONFIG_ACCOUNT = 'config-store';
export const STORAGE_ACCOUNT = 'results-store';
export const METRICS_ACCOUNT = 'prometheus-account';
export const CONFIG_NAME = 'guestbook-canary';
export const CONFIG_ID = 'bf97ad31-8e4f-4b1a-9d3c-0e6a5c7d2a11';

const send = (res: http.ServerResponse, status: number, body: unknown) => {
  res.writeHead(status, { 'Content-Type': 'application/json' });
  res.end(typeof body === 'string' ? body : JSON.stringify(body));
};

const isObject = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);

function scopeProblems(detail: unknown, where: string): string[] {
  if (!isObject(detail)) return [`${where} is not an object`];
  const problems: string[] = [];
  for (const k of ['scope', 'location', 'start', 'end']) if (typeof detail[k] !== 'string') problems.push(`${where}.${k} is not a string`);
  if (typeof detail['step'] !== 'number') problems.push(`${where}.step is not a number`);
  for (const k of ['start', 'end']) if (typeof detail[k] === 'string' && !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/.test(detail[k] as string)) problems.push(`${where}.${k} is not RFC 3339 seconds UTC`);
  const extra = Object.keys(detail).filter((k) => !['scope', 'location', 'step', 'start', 'end'].includes(k));
  if (extra.length > 0) problems.push(`${where} has unknown fields ${extra.join(', ')}`);
  return problems;
}

export async function startFakeKayenta(): Promise<FakeKayenta> {
  let counter = 0;
  // eslint-disable-next-line prefer-const
  let fake: FakeKayenta;
  const violate = (res: http.ServerResponse, what: string) => {
    fake.violations.push(what);
    send(res, 400, { error: 'Bad Request', message: what });
  };
  const server = await startHttpServer((req, res) => {
    if (fake.override?.(req, res) === true) return;
    const url = new URL(req.url, 'http://fake');
    const q = Object.fromEntries(url.searchParams);
    if (!String(req.headers['accept'] ?? '').includes('application/json')) return violate(res, `${req.method} ${url.pathname}: Accept is ${String(req.headers['accept'])}`);
    if (req.method === 'GET' && url.pathname === '/canaryConfig') {
      if (q['application'] !== APPLICATION || q['configurationAccountName'] !== CONFIG_ACCOUNT || Object.keys(q).length !== 2) return violate(res, `GET /canaryConfig with query ${JSON.stringify(q)}`);
      return send(res, 200, [
        { id: 'aa00aa00-0000-4000-8000-000000000001', name: 'other-config', updatedTimestamp: 1553707842000, updatedTimestampIso: '2019-03-27T17:30:42Z', applications: [APPLICATION] },
        { id: CONFIG_ID, name: CONFIG_NAME, updatedTimestamp: 1553707842000, updatedTimestampIso: '2019-03-27T17:30:42Z', applications: [APPLICATION] },
      ]);
    }
    if (req.method === 'POST' && url.pathname.startsWith('/canary/')) {
      if (url.pathname !== `/canary/${CONFIG_ID}`) return violate(res, `POST to ${url.pathname}, not the config's id`);
      const expected = { application: APPLICATION, metricsAccountName: METRICS_ACCOUNT, configurationAccountName: CONFIG_ACCOUNT, storageAccountName: STORAGE_ACCOUNT };
      if (JSON.stringify(Object.entries(q).sort()) !== JSON.stringify(Object.entries(expected).sort())) return violate(res, `POST query ${JSON.stringify(q)}`);
      if (!String(req.headers['content-type'] ?? '').startsWith('application/json')) return violate(res, `POST Content-Type ${String(req.headers['content-type'])}`);
      let body: unknown;
      try {
        body = JSON.parse(req.body);
      } catch {
        return violate(res, 'POST body is not JSON');
      }
      const problems: string[] = [];
      if (!isObject(body) || !isObject(body['scopes']) || !isObject(body['thresholds'])) problems.push('body needs scopes and thresholds objects');
      else {
        for (const [name, scope] of Object.entries(body['scopes'])) {
          if (!isObject(scope)) problems.push(`scopes.${name} is not an object`);
          else for (const which of ['controlScope', 'experimentScope']) problems.push(...scopeProblems(scope[which], `scopes.${name}.${which}`));
        }
        const t = body['thresholds'];
        if (typeof t['pass'] !== 'number' || typeof t['marginal'] !== 'number') problems.push('thresholds.pass/marginal are not numbers');
      }
      if (problems.length > 0) return violate(res, problems.join('; '));
      counter += 1;
      const id = `01DS50WVHAWSTAQACJKB1VK${String(counter).padStart(3, '0')}`;
      fake.judgements.set(id, { ...fake.next, body, query: q, polls: 0 });
      return send(res, 200, { canaryExecutionId: id });
    }
    if (req.method === 'GET' && url.pathname.startsWith('/canary/')) {
      const id = decodeURIComponent(url.pathname.slice('/canary/'.length));
      const j = fake.judgements.get(id);
      if (j === undefined) return send(res, 404, { error: 'Not Found', message: `Unable to resolve canary execution id '${id}'` });
      j.polls += 1;
      if (j.polls <= j.pollsBeforeComplete) return send(res, 200, { complete: false, status: 'running', pipelineId: id });
      if (j.score === undefined) return send(res, 200, { complete: true, status: 'terminal', pipelineId: id, exception: { details: { error: 'metrics account not found' } } });
      return send(res, 200, { complete: true, status: 'succeeded', pipelineId: id, result: { judgeResult: { judgeName: 'NetflixACAJudge-v1.0', score: { score: j.score, classification: 'Pass' } } } });
    }
    return violate(res, `unexpected ${req.method} ${req.url}`);
  });
  fake = Object.assign(server, {
    violations: [] as string[],
    judgements: new Map() as FakeKayenta['judgements'],
    next: { pollsBeforeComplete: 0, score: 95 } as FakeJudgement,
    posts: () => server.seen.filter((r) => r.method === 'POST'),
  }) as FakeKayenta;
  return fake;
}
