import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as E from 'fp-ts/lib/Either';
import { originOf, sendHttp } from './HttpExchange';

const base = { method: 'GET' as const, headers: {}, timeoutMs: 2000, insecure: false, signal: new AbortController().signal };

describe('sendHttp', () => {
  let server: http.Server;
  let url = '';
  beforeAll(async () => {
    server = http.createServer((req, res) => {
      if (req.url?.startsWith('/slow')) return void setTimeout(() => res.end('late'), 1000);
      res.writeHead(req.url === '/missing' ? 404 : 200, { 'content-type': 'text/plain' });
      res.end(`seen ${req.method} ${req.url}`);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('returns any status with the body as text', async () => {
    expect(await sendHttp('test', { ...base, url: `${url}/ok?q=1` })()).toEqual(E.right({ status: 200, body: 'seen GET /ok?q=1', headers: expect.objectContaining({ 'content-type': 'text/plain' }) }));
    expect(await sendHttp('test', { ...base, url: `${url}/missing` })()).toMatchObject({ right: { status: 404 } });
  });

  it('a timeout is a retryable error value naming the origin, not the path', async () => {
    const r = await sendHttp('test', { ...base, url: `${url}/slow?token=secret`, timeoutMs: 100 })();
    if (E.isRight(r)) throw new Error(`expected a timeout, got ${JSON.stringify(r.right)}`);
    expect(r.left).toMatchObject({ _tag: 'ProviderTimeout', retryable: true });
    expect(E.isLeft(r) && r.left.message).toContain(url);
    expect(E.isLeft(r) && r.left.message).not.toContain('secret');
  });

  it('a closed port is a retryable error value', async () => {
    const closed = http.createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', () => r()));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    const r = await sendHttp('test', { ...base, url: `http://127.0.0.1:${port}/` })();
    expect(E.isLeft(r) && r.left.retryable).toBe(true);
  });
});

describe('originOf', () => {
  it.each([
    ['https://user:pw@prom.example.com:9090/api/v1/query?q=secret', 'https://prom.example.com:9090'],
    ['not a url', '<invalid url>'],
  ])('%s', (u, expected) => expect(originOf(u)).toBe(expected));
});
