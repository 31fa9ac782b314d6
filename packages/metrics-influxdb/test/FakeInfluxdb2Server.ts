/**
 * A FAKE InfluxDB 2 query API (`POST /api/v2/query`) — a recorded-contract test double, not InfluxDB. Debian
 * has no InfluxDB 2 and InfluxDB 1.6 has no Flux, so the Flux path is tested against this.
 *
 * What it holds to, as InfluxDB 2 does: the `org` query parameter names a known organization (else 404
 * `organization name "…" not found`; none at all is 400), `Authorization: Token <token>` matches (else 401
 * `unauthorized access`), the body is JSON with `type: "flux"`; errors are JSON `{"code","message"}`. Answers are
 * recorded per Flux query (the key, after trimming): annotated CSV with CRLF line ends and a blank line after
 * each table, `Content-Type: text/csv; charset=utf-8`, gzip-compressed when the client accepts gzip. A query
 * without a recording gets a 500 naming the fake, so a test never passes on an answer it did not choose.
 */
import type * as http from 'node:http';
import * as zlib from 'node:zlib';
import { startHttpServer, type RecordedRequest } from '@rollouts/plugin-http/testing';

/** A recorded answer to one Flux query. */
export type FluxRecording =
  /** `delayMs`: hold the answer this long first (a slow server). */
  | { readonly csv: string; readonly delayMs?: number }
  | { readonly status: number; readonly error: { readonly code: string; readonly message: string } };

/** A request as the fake saw it. */
export type FakeFluxRequest = RecordedRequest;

export interface FakeInfluxdb2 {
  readonly url: string;
  readonly seen: FakeFluxRequest[];
  close(): Promise<void>;
}

/** Annotated CSV for tables, as InfluxDB 2 writes it: CRLF line ends, a blank line after each block. */
export function annotatedCsv(...blocks: ReadonlyArray<ReadonlyArray<string>>): string {
  return blocks.map((lines) => lines.map((l) => `${l}\r\n`).join('') + '\r\n').join('');
}

export async function startFakeInfluxdb2(opts: { org: string; token: string; prefix?: string; recordings: Readonly<Record<string, FluxRecording>> }): Promise<FakeInfluxdb2> {
  const timers = new Set<NodeJS.Timeout>();
  const prefix = opts.prefix ?? '';
  const server = await startHttpServer((req, res) => {
    const fail = (status: number, code: string, message: string) => {
      res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'X-Platform-Error-Code': code });
      res.end(JSON.stringify({ code, message }));
    };
    const url = new URL(req.url, 'http://fake');
    if (url.pathname !== `${prefix}/api/v2/query`) return fail(404, 'not found', 'path not found');
    if (req.method !== 'POST') return fail(405, 'method not allowed', 'method not allowed');
    if (req.headers['authorization'] !== `Token ${opts.token}`) return fail(401, 'unauthorized', 'unauthorized access');
    const org = url.searchParams.get('org');
    if (org === null || org === '') return fail(400, 'invalid', 'Please provide either orgID or org');
    if (org !== opts.org) return fail(404, 'not found', `organization name "${org}" not found`);
    if (!(req.headers['content-type'] ?? '').startsWith('application/json')) return fail(400, 'invalid', 'failed to decode request body: unsupported content type');
    let parsed: { query?: unknown; type?: unknown };
    try {
      parsed = JSON.parse(req.body) as { query?: unknown; type?: unknown };
    } catch (e) {
      return fail(400, 'invalid', `failed to decode request body: ${String(e)}`);
    }
    if (parsed.type !== 'flux') return fail(400, 'invalid', `unsupported query type ${JSON.stringify(parsed.type)}`);
    const recording = typeof parsed.query === 'string' ? opts.recordings[parsed.query.trim()] : undefined;
    if (recording === undefined) return fail(500, 'internal error', `fake influxdb2: no recording for query ${JSON.stringify(parsed.query)}`);
    if ('error' in recording) return fail(recording.status, recording.error.code, recording.error.message);
    const send = () => {
      const gzip = /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''));
      const headers: http.OutgoingHttpHeaders = { 'Content-Type': 'text/csv; charset=utf-8', Vary: 'Accept-Encoding' };
      if (gzip) headers['Content-Encoding'] = 'gzip';
      res.writeHead(200, headers);
      res.end(gzip ? zlib.gzipSync(recording.csv) : recording.csv);
    };
    if (recording.delayMs !== undefined) {
      const t = setTimeout(() => {
        timers.delete(t);
        send();
      }, recording.delayMs);
      timers.add(t);
    } else send();
  });
  return {
    url: `${server.url}${prefix}`,
    seen: server.seen,
    close: () => {
      for (const t of timers) clearTimeout(t);
      return server.close();
    },
  };
}
