import { closedPort, startHttpServer } from './HttpTestServer';
import { acceptsTcp, answersHttp } from './Readiness';

describe('readiness probes', () => {
  it('acceptsTcp is true for a listening port and false for a closed one', async () => {
    const server = await startHttpServer((_req, res) => res.end());
    try {
      expect(await acceptsTcp(Number(new URL(server.url).port))).toBe(true);
      expect(await acceptsTcp(await closedPort())).toBe(false);
    } finally {
      await server.close();
    }
  });

  it('answersHttp is true only for the expected status, and false when nothing listens', async () => {
    const server = await startHttpServer((req, res) => res.writeHead(req.url === '/ping' ? 204 : 404).end());
    try {
      expect(await answersHttp(`${server.url}/ping`, 204)).toBe(true);
      expect(await answersHttp(`${server.url}/ping`, 200)).toBe(false);
      expect(await answersHttp(`${server.url}/other`, 204)).toBe(false);
      expect(await answersHttp(`http://127.0.0.1:${await closedPort()}/ping`, 204)).toBe(false);
    } finally {
      await server.close();
    }
  });
});
