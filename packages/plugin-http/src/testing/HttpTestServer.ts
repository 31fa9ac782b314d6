/**
 * Local HTTP servers for tests of plugins that talk HTTP: a recording server answering with a handler, a
 * proxy that holds every request before forwarding it (a slow upstream), and a port nothing listens on.
 * Every server binds 127.0.0.1 on a free port and is closed with `close()`, which also drops open
 * keep-alive connections so a test run never hangs on them.
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

/** A request as a test server saw it, body read in full as UTF-8. */
export interface RecordedRequest {
  readonly method: string;
  /** The request target as sent: path and query. */
  readonly url: string;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
}

/** A listening test server. */
export interface HttpTestServer {
  /** `http://127.0.0.1:<port>`, without a trailing slash. */
  readonly url: string;
  /** Close the server and every open connection; pending timers of the server are cleared. */
  close(): Promise<void>;
}

/** A test server that records what it was sent. */
export interface RecordingHttpServer extends HttpTestServer {
  /** Every request received so far, oldest first (pushed before the handler runs). */
  readonly seen: RecordedRequest[];
}

/** How a recording server answers: called once per request, after its body has been read. */
export type TestRequestHandler = (req: RecordedRequest, res: http.ServerResponse) => void;

async function listen(server: http.Server, onClose: () => void = () => undefined): Promise<HttpTestServer> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        onClose();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * Start a local HTTP server that reads each request's body, records the request in `seen`, then answers it
 * with `handler`. A handler that never ends the response makes a server that hangs.
 */
export async function startHttpServer(handler: TestRequestHandler): Promise<RecordingHttpServer> {
  const seen: RecordedRequest[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const recorded: RecordedRequest = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
      seen.push(recorded);
      handler(recorded, res);
    });
  });
  return { ...(await listen(server)), seen };
}

/**
 * Start a proxy to `target` (a base URL such as `http://127.0.0.1:9090`) that holds each request for
 * `delayMs` and then forwards it with its method, headers and body, passing the answer back unchanged. An
 * unreachable target is answered with 502.
 */
export async function startSlowProxy(target: string, delayMs: number): Promise<HttpTestServer> {
  const timers = new Set<NodeJS.Timeout>();
  const server = http.createServer((req, res) => {
    const t = setTimeout(() => {
      timers.delete(t);
      const upstream = http.request(`${target}${req.url ?? '/'}`, { method: req.method, headers: req.headers }, (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      });
      upstream.on('error', () => {
        if (!res.headersSent) res.writeHead(502);
        res.end();
      });
      req.pipe(upstream);
    }, delayMs);
    timers.add(t);
  });
  return listen(server, () => {
    for (const t of timers) clearTimeout(t);
    timers.clear();
  });
}

/**
 * A port on 127.0.0.1 that nothing listens on: bound to a free port, then released. Connecting to it is
 * refused (until something else happens to take the port), and a server given this port can bind it.
 */
export async function closedPort(): Promise<number> {
  const s = http.createServer();
  const { url } = await listen(s);
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return Number(new URL(url).port);
}
