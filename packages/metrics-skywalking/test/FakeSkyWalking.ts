/**
 * A recorded-contract fake of SkyWalking OAP's GraphQL query API (a test double, not SkyWalking): a local HTTP
 * server on 127.0.0.1 that takes `POST /graphql` with `Content-Type` and `Accept` `application/json;
 * charset=utf-8` and a body `{"query": "...", "variables": {"duration": {"start", "end", "step": "MINUTE"}}}`
 * (times `YYYY-MM-DD HHmm`), as Argo Rollouts' GraphQL client sends it, and answers `{"data": ...}` or
 * `{"errors": [...]}` as a GraphQL server does. A query that does not declare `$duration: Duration!` is
 * answered with the GraphQL validation error OAP gives. Contract breaks are answered 400 and noted in
 * `violations`.
 */
import type * as http from 'node:http';
import { startHttpServer, type RecordedRequest, type RecordingHttpServer } from '@rollouts/plugin-http/testing';

export interface FakeSkyWalking extends RecordingHttpServer {
  readonly violations: string[];
  /** The `data` answered for a valid request. */
  data: (duration: { start: string; end: string; step: string }) => unknown;
  override?: (req: RecordedRequest, res: http.ServerResponse) => boolean;
  /** The `variables.duration` of each request, in order. */
  durations(): unknown[];
}

export const apdex = (...values: number[]) => ({ service_apdex: { label: null, values: { values: values.map((v) => ({ value: String(v) })) } } });

export async function startFakeSkyWalking(): Promise<FakeSkyWalking> {
  // eslint-disable-next-line prefer-const
  let fake: FakeSkyWalking;
  const send = (res: http.ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'Content-Type': 'application/json' });
    res.end(typeof body === 'string' ? body : JSON.stringify(body));
  };
  const server = await startHttpServer((req, res) => {
    if (fake.override?.(req, res) === true) return;
    const violate = (what: string) => {
      fake.violations.push(what);
      send(res, 400, { errors: [{ message: `contract: ${what}` }] });
    };
    if (req.method !== 'POST' || req.url !== '/graphql') return violate(`unexpected ${req.method} ${req.url}`);
    for (const h of ['content-type', 'accept']) if (req.headers[h] !== 'application/json; charset=utf-8') return violate(`${h}: ${String(req.headers[h])}`);
    let body: { query?: unknown; variables?: { duration?: { start?: unknown; end?: unknown; step?: unknown } } };
    try {
      body = JSON.parse(req.body);
    } catch {
      return violate('body is not JSON');
    }
    const d = body.variables?.duration;
    const minute = /^\d{4}-\d{2}-\d{2} \d{4}$/;
    if (typeof body.query !== 'string' || d === undefined || typeof d.start !== 'string' || typeof d.end !== 'string' || !minute.test(d.start) || !minute.test(d.end) || d.step !== 'MINUTE') {
      return violate(`body ${req.body}`);
    }
    if (!/\$duration\s*:\s*Duration!/.test(body.query)) return send(res, 200, { errors: [{ message: 'Variable "$duration" is not defined.' }], data: null });
    return send(res, 200, { data: fake.data({ start: d.start, end: d.end, step: d.step }) });
  });
  fake = Object.assign(server, {
    violations: [] as string[],
    data: (): unknown => apdex(9950, 9980),
    durations: () => server.seen.map((r) => (JSON.parse(r.body) as { variables?: { duration?: unknown } }).variables?.duration),
  }) as FakeSkyWalking;
  return fake;
}
