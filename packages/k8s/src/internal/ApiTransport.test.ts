import { createServer, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as E from 'fp-ts/lib/Either';
import { KubeConfig } from '@kubernetes/client-node';
import { createApiTransport } from './ApiTransport';

let server: Server;
let connections = 0;
const seen: Array<{ method: string; url: string; auth: string | undefined; type: string | undefined; body: string }> = [];
let kc: KubeConfig;

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      seen.push({ method: req.method ?? '', url: req.url ?? '', auth: req.headers.authorization, type: req.headers['content-type'], body });
      if (req.url?.startsWith('/fail') === true) {
        res.writeHead(422, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify({ kind: 'Status', code: 422, reason: 'Invalid', message: 'bad', details: { causes: [{ field: 'spec.x', message: 'Required value' }] } }));
        return;
      }
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ ok: true, echo: body === '' ? null : JSON.parse(body) }));
    });
  });
  server.on('connection', () => connections++);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as AddressInfo).port;
  kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'c', server: `http://127.0.0.1:${port}`, skipTLSVerify: true }],
    users: [{ name: 'u', token: 'secret-token' }],
    contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
    currentContext: 'x',
  });
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

describe('ApiTransport', () => {
  it('sends method, path, query, token, content type and JSON body, and parses the JSON answer', async () => {
    const t = createApiTransport(kc);
    const r = await t.request({ method: 'PATCH', path: '/apis/x/v1/things/a', query: { fieldManager: 'me', skip: undefined }, body: { a: 1 }, contentType: 'application/merge-patch+json', target: { verb: 'patch', kind: 'Thing', name: 'a' } });
    expect(r).toEqual(E.right({ code: 200, body: { ok: true, echo: { a: 1 } } }));
    expect(seen.at(-1)).toEqual({ method: 'PATCH', url: '/apis/x/v1/things/a?fieldManager=me', auth: 'Bearer secret-token', type: 'application/merge-patch+json', body: '{"a":1}' });
  });

  it('maps an error answer through the Status it carries', async () => {
    const r = await createApiTransport(kc).request({ method: 'POST', path: '/fail', body: {}, target: { verb: 'create', kind: 'Thing', namespace: 'n' } });
    expect(E.isLeft(r) && r.left).toMatchObject({ _tag: 'KubeRejected', status: 422, message: 'create Thing in n: Invalid: bad (spec.x: Required value)' });
  });

  it('reuses one keep-alive connection for sequential requests', async () => {
    const t = createApiTransport(kc);
    await t.request({ method: 'GET', path: '/warm', target: { verb: 'get', kind: 'Thing' } });
    const before = connections;
    for (let i = 0; i < 5; i++) expect(E.isRight(await t.request({ method: 'GET', path: `/n${i}`, target: { verb: 'get', kind: 'Thing' } }))).toBe(true);
    expect(connections - before).toBe(0);
  });
});
