/**
 * The controller's HTTP endpoints: `/healthz` (the process is alive and its event loop turns), `/readyz`
 * (the caches are synced; a standby replica is ready too) and `/metrics` (Prometheus text). They listen on
 * `--healthz-port` and `--metrics-port`, or one port when both are the same.
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

/** `200 ok` when `check` holds, else `503` with the reason. */
export const probe =
  (check: () => string | undefined): Handler =>
  () => {
    const problem = check();
    return Promise.resolve(problem === undefined ? { code: 200, contentType: 'text/plain', body: 'ok\n' } : { code: 503, contentType: 'text/plain', body: `${problem}\n` });
  };
