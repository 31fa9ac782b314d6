/**
 * The prometheus provider over HTTP against a test double: a local server that answers like the Prometheus
 * query API (canned bodies), so requests, auth, fallbacks and failures can be checked without Prometheus.
 * The real-server tests are in `RealPrometheus.test.ts`.
 */
import type * as http from 'node:http';
import { closedPort, startHttpServer, type RecordedRequest } from '@rollouts/plugin-http/testing';
import { errorOf, measure, testDeps, valueOf } from './ProviderHarness';

const json = (res: http.ServerResponse, status: number, body: unknown) => {
  res.writeHead(status, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify(body));
};
const vector = (...values: string[]) => ({ status: 'success', data: { resultType: 'vector', result: values.map((v, i) => ({ metric: { i: String(i) }, value: [1, v] })) } });

/** A fake Prometheus query API: answers `answer(req)` for query requests and records them. */
async function fakePrometheus(answer: (req: RecordedRequest, res: http.ServerResponse) => void = (_r, res) => json(res, 200, vector('0.5'))) {
  return startHttpServer(answer);
}

describe('prometheus provider against a fake Prometheus (test double)', () => {
  const NOW = 1_700_000_000_123;

  it('POSTs the instant query as a form with the measurement time, and records the resolved query', async () => {
    const fake = await fakePrometheus();
    try {
      const r = await measure({ address: fake.url, query: 'sum(rate(x[1m]))' }, { now: NOW });
      expect(valueOf(r)).toEqual([0.5]);
      expect(r._tag === 'Right' && r.right.metadata).toEqual({ ResolvedPrometheusQuery: 'sum(rate(x[1m]))' });
      const [req] = fake.seen;
      expect(req?.method).toBe('POST');
      expect(req?.url).toBe('/api/v1/query');
      expect(req?.headers['content-type']).toBe('application/x-www-form-urlencoded');
      expect(Object.fromEntries(new URLSearchParams(req?.body))).toEqual({ query: 'sum(rate(x[1m]))', time: '1700000000.123' });
    } finally {
      await fake.close();
    }
  });

  it('keeps a path prefix of the address and sends headers and basic auth', async () => {
    const fake = await fakePrometheus();
    try {
      const r = await measure({
        address: `${fake.url}/prom/`,
        query: 'up',
        headers: [{ key: 'X-Scope-OrgID', value: 'tenant-a' }],
        authentication: { basicAuth: { username: 'u', password: 'p w' } },
      });
      expect(valueOf(r)).toEqual([0.5]);
      expect(fake.seen[0]?.url).toBe('/prom/api/v1/query');
      expect(fake.seen[0]?.headers['x-scope-orgid']).toBe('tenant-a');
      expect(fake.seen[0]?.headers['authorization']).toBe(`Basic ${Buffer.from('u:p w').toString('base64')}`);
    } finally {
      await fake.close();
    }
  });

  it('retries as GET when POST is refused with 405', async () => {
    const fake = await fakePrometheus((req, res) => (req.method === 'POST' ? json(res, 405, {}) : json(res, 200, vector('1'))));
    try {
      expect(valueOf(await measure({ address: fake.url, query: 'up' }, { now: NOW }))).toEqual([1]);
      expect(fake.seen.map((s) => s.method)).toEqual(['POST', 'GET']);
      expect(fake.seen[1]?.url).toBe('/api/v1/query?query=up&time=1700000000.123');
    } finally {
      await fake.close();
    }
  });

  it('sends range queries to query_range with evaluated start, end and step', async () => {
    const fake = await fakePrometheus((_req, res) => json(res, 200, { status: 'success', data: { resultType: 'matrix', result: [{ metric: {}, values: [[1, '1'], [2, '2']] }] } }));
    try {
      const r = await measure({ address: fake.url, query: 'x', rangeQuery: { start: 'now() - duration("10m")', end: 'now()', step: '1m' } }, { now: NOW });
      expect(valueOf(r)).toEqual([1, 2]);
      expect(fake.seen[0]?.url).toBe('/api/v1/query_range');
      expect(Object.fromEntries(new URLSearchParams(fake.seen[0]?.body))).toEqual({ query: 'x', start: '1699999400.123', end: '1700000000.123', step: '60' });
      expect(r._tag === 'Right' && r.right.metadata?.['ResolvedPrometheusRangeQuery']).toBe('start=2023-11-14T22:03:20.123Z end=2023-11-14T22:13:20.123Z step=60s');
    } finally {
      await fake.close();
    }
  });

  it('records warnings in the metadata', async () => {
    const fake = await fakePrometheus((_req, res) => json(res, 200, { ...vector('1'), warnings: ['partial data'] }));
    try {
      const r = await measure({ address: fake.url, query: 'x' });
      expect(r._tag === 'Right' && r.right.metadata?.['warnings']).toBe('"partial data"');
    } finally {
      await fake.close();
    }
  });

  it('uses the OAuth2 client-credentials token, cached across measurements, and sends headers on the token request', async () => {
    const fake = await fakePrometheus((req, res) => {
      if (req.url === '/token') return json(res, 200, { access_token: 'tok-1', token_type: 'Bearer', expires_in: 3600 });
      return req.headers['authorization'] === 'Bearer tok-1' ? json(res, 200, vector('0.1')) : json(res, 401, {});
    });
    try {
      const deps = testDeps();
      const config = { address: fake.url, query: 'x', headers: [{ key: 'X-Tenant', value: 't' }], authentication: { oauth2: { tokenUrl: `${fake.url}/token`, clientId: 'id', clientSecret: 's3', scopes: ['read', 'metrics'] } } };
      expect(valueOf(await measure(config, { deps }))).toEqual([0.1]);
      expect(valueOf(await measure(config, { deps }))).toEqual([0.1]);
      const tokenCalls = fake.seen.filter((s) => s.url === '/token');
      expect(tokenCalls).toHaveLength(1);
      expect(tokenCalls[0]?.headers['authorization']).toBe(`Basic ${Buffer.from('id:s3').toString('base64')}`);
      expect(tokenCalls[0]?.headers['x-tenant']).toBe('t');
      expect(Object.fromEntries(new URLSearchParams(tokenCalls[0]?.body))).toEqual({ grant_type: 'client_credentials', scope: 'read metrics' });
    } finally {
      await fake.close();
    }
  });

  it('falls back to client credentials in the form when the token endpoint refuses HTTP Basic', async () => {
    const fake = await fakePrometheus((req, res) => {
      if (req.url === '/token') {
        const form = new URLSearchParams(req.body);
        return form.get('client_id') === 'id' && form.get('client_secret') === 's3' ? json(res, 200, { access_token: 'tok-2' }) : json(res, 401, { error: 'invalid_client' });
      }
      return json(res, 200, vector(req.headers['authorization'] === 'Bearer tok-2' ? '1' : '0'));
    });
    try {
      const r = await measure({ address: fake.url, query: 'x', authentication: { oauth2: { tokenUrl: `${fake.url}/token`, clientId: 'id', clientSecret: 's3' } } });
      expect(valueOf(r)).toEqual([1]);
      expect(fake.seen.filter((s) => s.url === '/token')).toHaveLength(2);
    } finally {
      await fake.close();
    }
  });

  it('fails when the token endpoint refuses the client', async () => {
    const fake = await fakePrometheus((req, res) => (req.url === '/token' ? json(res, 401, { error: 'invalid_client' }) : json(res, 200, vector('1'))));
    try {
      const e = errorOf(await measure({ address: fake.url, query: 'x', authentication: { oauth2: { tokenUrl: `${fake.url}/token`, clientId: 'id', clientSecret: 'bad' } } }));
      expect(e).toMatchObject({ _tag: 'ProviderResponseInvalid', retryable: false });
      expect(e.message).toContain('OAuth2 token endpoint');
      expect(e.message).toContain('401');
    } finally {
      await fake.close();
    }
  });

  it('maps a 503 to a retryable error', async () => {
    const fake = await fakePrometheus((_req, res) => json(res, 503, { status: 'error', errorType: 'unavailable', error: 'overloaded' }));
    try {
      expect(errorOf(await measure({ address: fake.url, query: 'x' }))).toMatchObject({ _tag: 'ProviderUnavailable', retryable: true, message: 'server_error: server error: 503' });
    } finally {
      await fake.close();
    }
  });

  it('times out a server that does not answer within `timeout`', async () => {
    const fake = await fakePrometheus(() => undefined); // never answers
    try {
      const started = Date.now();
      const e = errorOf(await measure({ address: fake.url, query: 'x', timeout: 1 }));
      expect(e).toMatchObject({ _tag: 'ProviderTimeout', retryable: true });
      expect(e.message).toBe(`prometheus at ${fake.url} did not answer within 1 s`);
      expect(Date.now() - started).toBeLessThan(3000);
    } finally {
      await fake.close();
    }
  });

  it('stops when the controller cancels the measurement', async () => {
    const fake = await fakePrometheus(() => undefined);
    try {
      const ac = new AbortController();
      setTimeout(() => ac.abort(new Error('shutdown')), 100);
      expect(errorOf(await measure({ address: fake.url, query: 'x' }, { signal: ac.signal }))).toMatchObject({ _tag: 'PluginAborted', retryable: true });
    } finally {
      await fake.close();
    }
  });

  it('reports a server that is down as a retryable error, never a value', async () => {
    const port = await closedPort();
    const e = errorOf(await measure({ address: `http://127.0.0.1:${port}`, query: 'x' }));
    expect(e).toMatchObject({ _tag: 'ProviderUnavailable', retryable: true });
    expect(e.message).toContain(`could not reach prometheus at http://127.0.0.1:${port}: ECONNREFUSED`);
  });
});

describe('prometheus provider configuration', () => {
  it('takes the address from ARGO_ROLLOUTS_PROMETHEUS_ADDRESS when the metric has none', async () => {
    const fake = await startHttpServer((_req, res) => json(res, 200, vector('2')));
    try {
      expect(valueOf(await measure({ query: 'x' }, { deps: testDeps({ ARGO_ROLLOUTS_PROMETHEUS_ADDRESS: fake.url }) }))).toEqual([2]);
    } finally {
      await fake.close();
    }
  });

  it.each([
    ['no address anywhere', { query: 'x' }, 'PluginConfigInvalid', 'provider.prometheus.address', 'prometheus address is not configured'],
    ['an address without scheme', { address: 'prometheus:9090', query: 'x' }, 'PluginConfigInvalid', 'provider.prometheus.address', 'prometheus address is not in url format'],
    ['no query', { address: 'http://p:9090' }, 'PluginConfigInvalid', 'provider.prometheus.query', 'provider.prometheus.query is required'],
    ['a negative timeout', { address: 'http://p:9090', query: 'x', timeout: -1 }, 'PluginConfigInvalid', 'provider.prometheus.timeout', 'should not be negative'],
    ['basicAuth without password', { address: 'http://p:9090', query: 'x', authentication: { basicAuth: { username: 'u' } } }, 'PluginConfigInvalid', 'provider.prometheus.authentication.basicAuth.password', 'password is required'],
    ['oauth2 without clientSecret', { address: 'http://p:9090', query: 'x', authentication: { oauth2: { tokenUrl: 'http://t', clientId: 'c' } } }, 'PluginConfigInvalid', 'provider.prometheus.authentication.oauth2.clientSecret', 'missing mandatory parameter in metric for OAuth2 setup'],
    ['a range query without step', { address: 'http://p:9090', query: 'x', rangeQuery: { start: 'now() - duration("1h")', end: 'now()' } }, 'PluginConfigInvalid', 'provider.prometheus.rangeQuery.step', 'is required'],
    ['a range query with an unsupported start', { address: 'http://p:9090', query: 'x', rangeQuery: { start: 'now() - 3600', end: 'now()', step: '1m' } }, 'PluginConfigInvalid', 'provider.prometheus.rangeQuery.start', 'unsupported time expression'],
  ])('rejects %s before any request', async (_name, config, tag, path, message) => {
    const e = errorOf(await measure(config));
    expect(e._tag).toBe(tag);
    expect(e.retryable).toBe(false);
    expect('path' in e && e.path).toBe(path);
    expect(e.message).toContain(message);
  });

  it('refuses sigv4 with PluginUnsupported instead of sending unsigned requests', async () => {
    const fake = await startHttpServer((_req, res) => json(res, 200, vector('1')));
    try {
      const e = errorOf(await measure({ address: `${fake.url}/workspaces/ws-1`, query: 'x', authentication: { sigv4: { region: 'eu-west-1' } } }));
      expect(e).toMatchObject({ _tag: 'PluginUnsupported', retryable: false });
      expect(e.message).toContain('authentication.sigv4');
      expect(fake.seen).toHaveLength(0);
    } finally {
      await fake.close();
    }
  });
});
