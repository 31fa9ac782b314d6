/**
 * The request the InfluxQL extension sends, checked with a local recording server (a test double answering
 * like InfluxDB 1.x): path, parameters, credentials, and how error statuses are worded. The behaviour against a
 * real InfluxDB 1.x is in `RealInfluxdb1.test.ts`.
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { errorOf, measure, metadataOf, profileSecret, testDeps, valueOf } from './ProviderHarness';

const ONE_ROW = JSON.stringify({ results: [{ statement_id: 0, series: [{ name: 'errors', columns: ['time', 'mean'], values: [['1970-01-01T00:00:00Z', 0.02]] }] }] });

async function recordingServer(status: number, body: string) {
  const seen: Array<{ method: string; url: string; headers: http.IncomingHttpHeaders }> = [];
  const server = http.createServer((req, res) => {
    seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers });
    res.writeHead(status, { 'Content-Type': 'application/json', 'X-Influxdb-Version': '1.8.10' }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

describe('influxdb provider, InfluxQL requests (test double)', () => {
  const query = `SELECT mean("ratio") FROM "errors" WHERE "canary" = 'a b' AND time > now() - 5m`;

  it('GETs {address}/query with db, rp and q, and Basic credentials', async () => {
    const s = await recordingServer(200, ONE_ROW);
    try {
      const deps = testDeps([profileSecret({ address: `${s.url}/influx/`, queryLanguage: 'influxql', database: 'my db', retentionPolicy: 'week', username: 'reader', password: 'p:w' })]);
      const r = await measure({ query }, deps);
      expect(valueOf(r)).toEqual([0.02]);
      expect(metadataOf(r)?.['InfluxdbQueryLanguage']).toBe('influxql');
      expect(s.seen[0]?.method).toBe('GET');
      const url = new URL(s.seen[0]?.url ?? '', 'http://x');
      expect(url.pathname).toBe('/influx/query');
      expect([...url.searchParams.entries()]).toEqual([['db', 'my db'], ['rp', 'week'], ['q', query]]);
      expect(s.seen[0]?.headers['authorization']).toBe(`Basic ${Buffer.from('reader:p:w').toString('base64')}`);
    } finally {
      await s.close();
    }
  });

  it('sends authToken as a Token header (InfluxDB 1.8+ and the 2.x v1 API)', async () => {
    const s = await recordingServer(200, ONE_ROW);
    try {
      await measure({ query }, testDeps([profileSecret({ address: s.url, queryLanguage: 'influxql', database: 'd', authToken: 'reader:secret' })]));
      expect(s.seen[0]?.headers['authorization']).toBe('Token reader:secret');
    } finally {
      await s.close();
    }
  });

  it.each([
    [401, JSON.stringify({ error: 'authorization failed' }), 'ProviderResponseInvalid', 'influxql query error: authorization failed (HTTP 401)'],
    [500, JSON.stringify({ error: 'timeout' }), 'ProviderUnavailable', 'influxql query error: timeout (HTTP 500)'],
    [502, '<html>Bad Gateway</html>', 'ProviderUnavailable', 'influxql query failed: <html>Bad Gateway</html> (HTTP 502)'],
    [200, 'not json', 'ProviderResponseInvalid', expect.stringMatching(/^the influxql answer cannot be read: it is not JSON \(.*\): "not json"$/)],
  ])('words HTTP %i with body %s', async (status, body, tag, message) => {
    const s = await recordingServer(status, body);
    try {
      const e = errorOf(await measure({ query }, testDeps([profileSecret({ address: s.url, queryLanguage: 'influxql', database: 'd' })])));
      expect(e).toMatchObject({ _tag: tag, message });
    } finally {
      await s.close();
    }
  });
});
