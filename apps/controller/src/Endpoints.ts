/**
 * The controller's HTTP endpoints. They listen on `--healthz-port` and `--metrics-port`, or one port when both
 * are the same.
 *
 * - `/healthz` (liveness): the process is alive and its event loop turns. It does not depend on the API
 *   server: a liveness probe that failed while the API server is down would restart every replica in a loop
 *   and fix nothing.
 * - `/readyz` (readiness): 503 with what is awaited (caches not synced yet, each with its last list error; a
 *   Lease the replica cannot even stand for, e.g. its namespace does not exist; stopping), else 200 saying
 *   whether this replica leads or stands by. A standby replica with synced caches is ready: it can take over
 *   at once, and the controller serves no traffic that readiness would route.
 * - `/metrics`: Prometheus text.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One endpoint: status code, content type and body. */
export type Handler = () => Promise<{ readonly code: number; readonly contentType: string; readonly body: string }>;

/** A listening server. */
export interface Endpoints {
  readonly port: number;
  close(): Promise<void>;
}

/** Serve `routes` (GET/HEAD) on `host:port` (port 0: any free port). */
export async function serveEndpoints(port: number, host: string, routes: Readonly<Record<string, Handler>>): Promise<Endpoints> {
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const handler = routes[path];
    if (handler === undefined || (req.method !== 'GET' && req.method !== 'HEAD')) {
      res.writeHead(handler === undefined ? 404 : 405, { 'Content-Type': 'text/plain' }).end(handler === undefined ? 'not found\n' : 'method not allowed\n');
      return;
    }
    handler().then(
      (r) => res.writeHead(r.code, { 'Content-Type': r.contentType }).end(req.method === 'HEAD' ? undefined : r.body),
      (e: unknown) => res.writeHead(500, { 'Content-Type': 'text/plain' }).end(`${e instanceof Error ? e.message : String(e)}\n`),
    );
  });
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** `200 ok` (or `ok: <describe()>`) when `check` finds no problem, else `503` with the problem. */
export const probe =
  (check: () => string | undefined, describe?: () => string | undefined): Handler =>
  () => {
    const problem = check();
    if (problem !== undefined) return Promise.resolve({ code: 503, contentType: 'text/plain', body: `${problem}\n` });
    const detail = describe?.();
    return Promise.resolve({ code: 200, contentType: 'text/plain', body: detail !== undefined ? `ok: ${detail}\n` : 'ok\n' });
  };
