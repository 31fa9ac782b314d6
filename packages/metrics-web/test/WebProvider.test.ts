/**
 * The web provider against local HTTP(S) servers the test starts on 127.0.0.1: JSON and non-JSON bodies,
 * JSONPath, methods and bodies, redirects, OAuth2, TLS with a self-signed certificate (made with openssl),
 * timeouts and a server that is down.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as https from 'node:https';
import type * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { closedPort, startHttpServer, type RecordedRequest, type RecordingHttpServer } from '@rollouts/plugin-http/testing';
import { MAX_WEB_JSON_DEPTH, MAX_WEB_RESPONSE_BYTES, jsonDepth } from '../src';
import { errorOf, measure, valueOf } from './ProviderHarness';

const json = (res: http.ServerResponse, status: number, body: unknown) => {
  res.writeHead(status, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify(body));
};

const DOC = { data: { ok: true, errorRate: 0.02, count: 3, items: [], labels: { app: 'canary' } } };

/** The site every test talks to; routes by path. */
function site(req: RecordedRequest, res: http.ServerResponse) {
  switch (req.url) {
    case '/health':
      return json(res, 200, DOC);
    case '/echo':
      return json(res, 200, { method: req.method, body: req.body, contentType: req.headers['content-type'] ?? null, auth: req.headers['authorization'] ?? null, tenant: req.headers['x-tenant'] ?? null });
    case '/text':
      res.writeHead(200, { 'Content-Type': 'text/plain' });
      return res.end('all good');
    case '/html-says-json':
      res.writeHead(200, { 'Content-Type': 'application/json' });
      return res.end('<html>oops</html>');
    case '/moved':
      res.writeHead(302, { Location: '/health' });
      return res.end();
    case '/loop':
      res.writeHead(302, { Location: '/loop' });
      return res.end();
    case '/missing':
      return json(res, 404, { error: 'nope' });
    case '/overloaded':
      return json(res, 503, { error: 'busy' });
    case '/slow':
      return void setTimeout(() => json(res, 200, DOC), 1500);
    case '/token':
      return json(res, 200, { access_token: 'web-token', expires_in: 60 });
    case '/deep':
      res.writeHead(200, { 'Content-Type': 'application/json' });
      return res.end(`${'['.repeat(200_000)}${']'.repeat(200_000)}`);
    case '/deep-enough':
      res.writeHead(200, { 'Content-Type': 'application/json' });
      return res.end(`${'{"a":'.repeat(MAX_WEB_JSON_DEPTH - 1)}{"leaf":1}${'}'.repeat(MAX_WEB_JSON_DEPTH - 1)}`);
    case '/huge':
      res.writeHead(200, { 'Content-Type': 'application/json' });
      return res.end(JSON.stringify({ pad: 'h'.repeat(MAX_WEB_RESPONSE_BYTES) }));
    case '/protected':
      return req.headers['authorization'] === 'Bearer web-token' ? json(res, 200, { granted: 1 }) : json(res, 401, {});
    default:
      return json(res, 404, {});
  }
}

let server: RecordingHttpServer;
beforeAll(async () => {
  server = await startHttpServer(site);
});
afterAll(() => server.close());

describe('web provider: results', () => {
  it.each([
    ['the first JSONPath match', { jsonPath: '{$.data.ok}' }, true],
    ['a number, as a number', { jsonPath: '{$.data.errorRate}' }, 0.02],
    ['an object, kept whole', { jsonPath: '{.data.labels}' }, { app: 'canary' }],
    ['the whole document by default', {}, DOC],
  ])('%s', async (_name, extra, expected) => {
    expect(valueOf(await measure({ url: `${server.url}/health`, ...extra }))).toEqual(expected);
  });

  it('gives the raw body when it is not JSON (jsonPath does not apply)', async () => {
    expect(valueOf(await measure({ url: `${server.url}/text`, jsonPath: '{$.data.ok}' }))).toBe('all good');
    expect(valueOf(await measure({ url: `${server.url}/html-says-json` }))).toBe('<html>oops</html>');
  });

  it('fails when jsonPath names a key that is not there', async () => {
    const e = errorOf(await measure({ url: `${server.url}/health`, jsonPath: '{$.data.healthy}' }));
    expect(e).toMatchObject({ _tag: 'ProviderResponseInvalid', retryable: false });
    expect(e.message).toBe('Could not find JSONPath in body: {$.data.healthy}: healthy is not found');
  });

  it('fails when jsonPath matches nothing', async () => {
    const e = errorOf(await measure({ url: `${server.url}/health`, jsonPath: '{$.data.items[*]}' }));
    expect(e).toMatchObject({ _tag: 'ProviderResponseInvalid', retryable: false });
    expect(e.message).toContain('result of web metric produced no value');
  });

  it('follows redirects', async () => {
    expect(valueOf(await measure({ url: `${server.url}/moved`, jsonPath: '{$.data.count}' }))).toBe(3);
  });

  it('gives up on a redirect loop with an error', async () => {
    const e = errorOf(await measure({ url: `${server.url}/loop` }));
    expect(e._tag).toBe('ProviderResponseInvalid');
    expect(e.message).toContain('redirected too many times');
  });
});

describe('web provider: hostile answers (issue #15)', () => {
  it('a JSON body nested 200,000 levels deep is an error saying so, not a stack overflow', async () => {
    const e = errorOf(await measure({ url: `${server.url}/deep`, jsonPath: '{$..x}' }));
    expect(e).toMatchObject({ _tag: 'ProviderResponseInvalid', retryable: false });
    expect(e.message).toBe(`the JSON answer nests arrays and objects more than ${MAX_WEB_JSON_DEPTH} levels deep; the web provider reads at most ${MAX_WEB_JSON_DEPTH} levels`);
  });

  it(`a body ${MAX_WEB_JSON_DEPTH} levels deep is read, recursive descent included`, async () => {
    expect(valueOf(await measure({ url: `${server.url}/deep-enough`, jsonPath: '{$..leaf}' }))).toBe(1);
  });

  it(`a body larger than ${MAX_WEB_RESPONSE_BYTES} bytes is an error`, async () => {
    const e = errorOf(await measure({ url: `${server.url}/huge`, timeoutSeconds: 20 }));
    expect(e).toMatchObject({ _tag: 'ProviderResponseInvalid' });
    expect(e.message).toMatch(new RegExp(`^the response of web metric at http://127\\.0\\.0\\.1:\\d+ is larger than ${MAX_WEB_RESPONSE_BYTES} bytes$`));
  });

  it.each<[string, string, number]>([
    ['a scalar', '3', 0],
    ['brackets inside strings do not count', '["[[[{{{", {"a": "]]]"}]', 2],
    ['escaped quotes inside strings', '["\\"[[[", [1]]', 2],
    ['objects and arrays', '{"a":[{"b":[]}]}', 4],
  ])('jsonDepth: %s', (_name, text, depth) => {
    expect(jsonDepth(text)).toBe(depth);
  });
});

describe('web provider: requests', () => {
  it('sends headers (values already resolved from args and secrets)', async () => {
    const value = valueOf(await measure({ url: `${server.url}/echo`, headers: [{ key: 'X-Tenant', value: 'team-a' }, { key: 'Authorization', value: 'Bearer s3cret' }] }));
    expect(value).toMatchObject({ method: 'GET', tenant: 'team-a', auth: 'Bearer s3cret' });
  });

  it('POSTs jsonBody as JSON', async () => {
    const value = valueOf(await measure({ url: `${server.url}/echo`, method: 'POST', jsonBody: { query: 'x', n: 1 } }));
    expect(value).toMatchObject({ method: 'POST', contentType: 'application/json' });
    expect(JSON.parse((value as { body: string }).body)).toEqual({ query: 'x', n: 1 });
  });

  it('PUTs a string body as given', async () => {
    const value = valueOf(await measure({ url: `${server.url}/echo`, method: 'put', body: 'k=v', headers: [{ key: 'Content-Type', value: 'text/plain' }] }));
    expect(value).toMatchObject({ method: 'PUT', body: 'k=v', contentType: 'text/plain' });
  });

  it('uses an OAuth2 client-credentials token', async () => {
    const config = { url: `${server.url}/protected`, jsonPath: '{$.granted}', authentication: { oauth2: { tokenUrl: `${server.url}/token`, clientId: 'c', clientSecret: 's' } } };
    expect(valueOf(await measure(config))).toBe(1);
    expect(errorOf(await measure({ url: `${server.url}/protected` })).message).toBe('received non 2xx response code: 401');
  });
});

describe('web provider: failures are errors, never a pass', () => {
  it.each([
    ['404', '/missing', 'ProviderResponseInvalid', false, 'received non 2xx response code: 404'],
    ['503', '/overloaded', 'ProviderUnavailable', true, 'received non 2xx response code: 503'],
  ])('a %s answer', async (_name, p, tag, retryable, message) => {
    expect(errorOf(await measure({ url: `${server.url}${p}` }))).toMatchObject({ _tag: tag, retryable, message });
  });

  it('a server slower than timeoutSeconds', async () => {
    const e = errorOf(await measure({ url: `${server.url}/slow`, timeoutSeconds: 1 }));
    expect(e).toMatchObject({ _tag: 'ProviderTimeout', retryable: true, message: `web metric at ${server.url} did not answer within 1 s` });
  });

  it('a server that is down', async () => {
    const port = await closedPort();
    const e = errorOf(await measure({ url: `http://127.0.0.1:${port}/health` }));
    expect(e).toMatchObject({ _tag: 'ProviderUnavailable', retryable: true });
    expect(e.message).toContain('ECONNREFUSED');
  });

  it.each([
    ['a body with GET', { body: 'x' }, 'provider.web.method', 'Body/JSONBody can only be used with POST or PUT WebMetric Method types'],
    ['body and jsonBody', { method: 'POST', body: 'x', jsonBody: {} }, 'provider.web.jsonBody', 'either body or jsonBody'],
    ['an unknown method', { method: 'DELETE' }, 'provider.web.method', 'must be GET, POST or PUT'],
    ['a negative timeout', { timeoutSeconds: -1 }, 'provider.web.timeoutSeconds', 'should not be negative'],
    ['an unsupported jsonPath', { jsonPath: '{$.items[?(@.v > 1)]}' }, 'provider.web.jsonPath', 'filters ([?(…)]) are not supported'],
    ['a jsonPath without braces', { jsonPath: '$.data.ok' }, 'provider.web.jsonPath', 'must be one expression in braces'],
    ['oauth2 without tokenUrl', { authentication: { oauth2: { clientId: 'c', clientSecret: 's' } } }, 'provider.web.authentication.oauth2.tokenUrl', 'missing mandatory parameter'],
  ])('a config with %s', async (_name, extra, fieldPath, message) => {
    const e = errorOf(await measure({ url: `${server.url}/health`, ...extra }));
    expect(e).toMatchObject({ _tag: 'PluginConfigInvalid', retryable: false, path: fieldPath });
    expect(e.message).toContain(message);
  });

  it('refuses sigv4 and basicAuth with PluginUnsupported rather than calling without them', async () => {
    const before = server.seen.length;
    expect(errorOf(await measure({ url: `${server.url}/echo`, authentication: { basicAuth: { username: 'u', password: 'p' } } }))._tag).toBe('PluginUnsupported');
    expect(errorOf(await measure({ url: `${server.url}/echo`, authentication: { sigv4: { region: 'us-east-1' } } }))._tag).toBe('PluginUnsupported');
    expect(server.seen.length).toBe(before);
  });
});

// TLS: a self-signed certificate for 127.0.0.1 made with openssl.
function hasOpenssl(): boolean {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
const openssl = hasOpenssl();
if (!openssl) process.stdout.write('metrics-web: TLS tests skipped: no openssl binary\n');

(openssl ? describe : describe.skip)('web provider over TLS with a self-signed certificate', () => {
  let dir = '';
  let tls: https.Server;
  let url = '';

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rollouts-web-tls-'));
    const key = path.join(dir, 'key.pem');
    const cert = path.join(dir, 'cert.pem');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
    tls = https.createServer({ key: fs.readFileSync(key), cert: fs.readFileSync(cert) }, (_req, res) => json(res, 200, DOC));
    await new Promise<void>((resolve) => tls.listen(0, '127.0.0.1', resolve));
    url = `https://127.0.0.1:${(tls.address() as AddressInfo).port}/health`;
  }, 20_000);

  afterAll(async () => {
    tls.closeAllConnections();
    await new Promise<void>((resolve) => tls.close(() => resolve()));
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('works with insecure: true', async () => {
    expect(valueOf(await measure({ url, jsonPath: '{$.data.ok}', insecure: true }))).toBe(true);
  });

  it('fails with a clear error with insecure: false', async () => {
    const e = errorOf(await measure({ url, jsonPath: '{$.data.ok}', insecure: false }));
    expect(e._tag).toBe('ProviderUnavailable');
    expect(e.message).toContain('DEPTH_ZERO_SELF_SIGNED_CERT');
    expect(e.message).toContain('set insecure: true to skip verification');
  });
});
