import * as net from 'node:net';
import { closedPort, startHttpServer, startSlowProxy } from './HttpTestServer';

describe('startHttpServer', () => {
  it('records each request with method, target, headers and body, and answers with the handler', async () => {
    const server = await startHttpServer((req, res) => res.writeHead(201, { 'Content-Type': 'text/plain' }).end(`got ${Buffer.byteLength(req.body)} bytes`));
    try {
      expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const res = await fetch(`${server.url}/api/v1/query?q=up`, { method: 'POST', headers: { 'X-Scope': 'tenant-a', 'Content-Type': 'text/plain' }, body: 'query=up ü' });
      expect(res.status).toBe(201);
      expect(await res.text()).toBe('got 11 bytes');
      await fetch(`${server.url}/second`);
      expect(server.seen).toHaveLength(2);
      expect(server.seen[0]).toMatchObject({ method: 'POST', url: '/api/v1/query?q=up', body: 'query=up ü' });
      expect(server.seen[0]?.headers['x-scope']).toBe('tenant-a');
      expect(server.seen[1]).toMatchObject({ method: 'GET', url: '/second', body: '' });
    } finally {
      await server.close();
    }
  });

  it('closes even while a request hangs unanswered', async () => {
    const server = await startHttpServer(() => undefined);
    const pending = fetch(server.url).then(
      () => 'answered',
      () => 'dropped',
    );
    while (server.seen.length === 0) await new Promise((r) => setTimeout(r, 10));
    await server.close();
    expect(await pending).toBe('dropped');
  });
});

describe('startSlowProxy', () => {
  it('forwards method, path and body after the delay and passes the answer back', async () => {
    const upstream = await startHttpServer((req, res) => res.writeHead(418, { 'X-Upstream': 'yes' }).end(`echo ${req.method} ${req.body}`));
    const proxy = await startSlowProxy(upstream.url, 300);
    try {
      const t0 = Date.now();
      const res = await fetch(`${proxy.url}/render?target=a.b`, { method: 'POST', body: 'x=1' });
      const elapsed = Date.now() - t0;
      expect(res.status).toBe(418);
      expect(res.headers.get('x-upstream')).toBe('yes');
      expect(await res.text()).toBe('echo POST x=1');
      expect(elapsed).toBeGreaterThanOrEqual(290);
      expect(upstream.seen.map((r) => r.url)).toEqual(['/render?target=a.b']);
    } finally {
      await proxy.close();
      await upstream.close();
    }
  });

  it('holds the request back: the upstream has not seen it before the delay is over', async () => {
    const upstream = await startHttpServer((_req, res) => res.end('ok'));
    const proxy = await startSlowProxy(upstream.url, 400);
    try {
      const answer = fetch(proxy.url).then((r) => r.text());
      await new Promise((r) => setTimeout(r, 200));
      expect(upstream.seen).toHaveLength(0);
      expect(await answer).toBe('ok');
      expect(upstream.seen).toHaveLength(1);
    } finally {
      await proxy.close();
      await upstream.close();
    }
  });

  it('answers 502 when the target refuses connections', async () => {
    const proxy = await startSlowProxy(`http://127.0.0.1:${await closedPort()}`, 10);
    try {
      expect((await fetch(proxy.url)).status).toBe(502);
    } finally {
      await proxy.close();
    }
  });

  it('closes at once with requests still held, never forwarding them', async () => {
    const upstream = await startHttpServer((_req, res) => res.end('ok'));
    const proxy = await startSlowProxy(upstream.url, 5000);
    const pending = fetch(proxy.url).catch(() => undefined);
    await new Promise((r) => setTimeout(r, 100));
    const t0 = Date.now();
    await proxy.close();
    await pending;
    expect(Date.now() - t0).toBeLessThan(2000);
    await new Promise((r) => setTimeout(r, 50));
    expect(upstream.seen).toHaveLength(0);
    await upstream.close();
  });
});

describe('closedPort', () => {
  it('gives a port on which connections are refused', async () => {
    const port = await closedPort();
    expect(port).toBeGreaterThan(0);
    const error = await new Promise<NodeJS.ErrnoException | undefined>((resolve) => {
      const s = net.connect({ host: '127.0.0.1', port }, () => {
        s.destroy();
        resolve(undefined);
      });
      s.on('error', (e) => resolve(e));
    });
    expect(error?.code).toBe('ECONNREFUSED');
  });

  it('gives a port a server can then bind', async () => {
    const port = await closedPort();
    const server = net.createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
});
