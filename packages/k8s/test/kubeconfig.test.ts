// checkApiServer: reachable (kube-sim), refused (a server answering 401), unreachable (a closed port, and a server that never answers).
import { createServer as createHttpServer } from 'node:http';
import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { apiServerAddress, checkApiServer, loadKubeConfig } from '../src';
import { Sim, startSim } from './harness';

let s: Sim;
beforeAll(async () => {
  s = await startSim();
});
afterAll(async () => {
  await s.sim.stop();
});

const kubeConfigFor = (server: string) =>
  loadKubeConfig({
    options: {
      clusters: [{ name: 'c', server, skipTLSVerify: true }],
      users: [{ name: 'u', token: 'test' }],
      contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
      currentContext: 'x',
    },
  });

async function listen(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

describe('checkApiServer', () => {
  it('reports the server and its version when it answers', async () => {
    const r = await checkApiServer(s.kc);
    expect(r).toMatchObject({ _tag: 'Reachable', server: s.sim.url });
    expect(r._tag === 'Reachable' && r.version).toMatch(/^v1\./);
    expect(apiServerAddress(s.kc)).toBe(s.sim.url);
  });

  it('reports an error answer with its code', async () => {
    const refusing = createHttpServer((_req, res) => {
      res.writeHead(401, { 'Content-Type': 'application/json' }).end(JSON.stringify({ kind: 'Status', code: 401, reason: 'Unauthorized', message: 'Unauthorized' }));
    });
    const port = await listen(refusing as unknown as Server);
    const r = await checkApiServer(kubeConfigFor(`http://127.0.0.1:${port}`));
    expect(r).toMatchObject({ _tag: 'Refused', code: 401 });
    refusing.closeAllConnections();
    await new Promise((r2) => refusing.close(r2));
  });

  it('reports a closed port as unreachable, naming the address', async () => {
    const closed = createServer();
    const port = await listen(closed);
    await new Promise((r) => closed.close(r));
    const r = await checkApiServer(kubeConfigFor(`http://127.0.0.1:${port}`));
    expect(r).toMatchObject({ _tag: 'Unreachable', server: `http://127.0.0.1:${port}` });
    expect(r._tag === 'Unreachable' && r.error).toMatch(/ECONNREFUSED|refused/);
  });

  it('gives up on a server that accepts and never answers after timeoutMs', async () => {
    const sockets: Socket[] = [];
    const silent = createServer((c) => void sockets.push(c));
    const port = await listen(silent);
    const at = Date.now();
    const r = await checkApiServer(kubeConfigFor(`http://127.0.0.1:${port}`), { timeoutMs: 300 });
    expect(Date.now() - at).toBeLessThan(2_000);
    expect(r).toMatchObject({ _tag: 'Unreachable' });
    expect(r._tag === 'Unreachable' && r.error).toContain('timed out');
    for (const c of sockets) c.destroy();
    await new Promise((r2) => silent.close(r2));
  });
});
