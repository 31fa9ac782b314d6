/**
 * A recorded-contract fake of Wavefront's chart API (a test double, not Wavefront): a local HTTP server on
 * 127.0.0.1 answering `GET /api/v2/chart/api` as documented for Wavefront's REST API and as Argo Rollouts
 * calls it (query `q`, `s` = `e` = the measurement time in epoch ms, `g=s`, `p=1`, `i=true`; headers
 * `Authorization: Bearer <token>` and `Accept: application/json`). A wrong token is answered 401 with a body
 * that echoes the Authorization header (as some proxies do), so tests can check the token is never repeated.
 * A request that breaks the contract is answered 400 and noted in `violations`.
 */
import type * as http from 'node:http';
import { startHttpServer, type RecordedRequest, type RecordingHttpServer } from '@rollouts/plugin-http/testing';

export const TOKEN = 'wf-token-7c1e9a52-secret';

export interface FakeWavefront extends RecordingHttpServer {
  readonly violations: string[];
  /** The `timeseries` answered for query `q` (default: one series with a point at the requested time). */
  series: (q: string, startSeconds: number) => unknown;
  /** Answer every request this way instead (return true when answered). */
  override?: (req: RecordedRequest, res: http.ServerResponse) => boolean;
}

export async function startFakeWavefront(): Promise<FakeWavefront> {
  // eslint-disable-next-line prefer-const
  let fake: FakeWavefront;
  const send = (res: http.ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'Content-Type': 'application/json' });
    res.end(typeof body === 'string' ? body : JSON.stringify(body));
  };
  const server = await startHttpServer((req, res) => {
    if (fake.override?.(req, res) === true) return;
    const violate = (what: string) => {
      fake.violations.push(what);
      send(res, 400, { message: what });
    };
    const url = new URL(req.url, 'http://fake');
    if (req.method !== 'GET' || url.pathname !== '/api/v2/chart/api') return violate(`unexpected ${req.method} ${url.pathname}`);
    if (req.headers['authorization'] !== `Bearer ${TOKEN}`) return send(res, 401, { status: { result: 'ERROR', message: `invalid credentials: ${String(req.headers['authorization'])}`, code: 401 } });
    if (req.headers['accept'] !== 'application/json') return violate(`Accept ${String(req.headers['accept'])}`);
    const q = url.searchParams;
    const s = q.get('s') ?? '';
    if (!/^\d{13}$/.test(s) || q.get('e') !== s) return violate(`s=${s} e=${String(q.get('e'))}: both must be the same epoch-ms instant`);
    if (q.get('g') !== 's' || q.get('p') !== '1' || q.get('i') !== 'true') return violate(`g=${String(q.get('g'))} p=${String(q.get('p'))} i=${String(q.get('i'))}`);
    const query = q.get('q') ?? '';
    if (query === '') return violate('no q');
    return send(res, 200, { query, name: query, granularity: 1, timeseries: fake.series(query, Math.floor(Number(s) / 1000)) });
  });
  fake = Object.assign(server, {
    violations: [] as string[],
    series: (_q: string, at: number): unknown => [{ label: 'error.rate', host: 'web-1', tags: {}, data: [[at - 60, 0.2], [at - 1, 0.01]] }],
  }) as FakeWavefront;
  return fake;
}
