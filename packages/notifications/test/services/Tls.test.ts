/** HTTPS services with a self-signed certificate (made with openssl): refused by default, accepted with insecureSkipVerify. */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as https from 'node:https';
import type { AddressInfo } from 'node:net';
import { createTempDir, type TempDir } from '@rollouts/plugin-http/testing';
import { createSlackService, webhookService } from '../../src/services';
import { failure, instance, ok, send } from './SendHarness';

describe('HTTPS with a self-signed certificate', () => {
  let dir: TempDir;
  let server: https.Server;
  let url = '';
  const seen: string[] = [];

  beforeAll(async () => {
    dir = createTempDir('rollouts-notify-tls-');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', dir.resolve('key.pem'), '-out', dir.resolve('cert.pem'), '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
    // Answers as Slack's chat.postMessage does, and as a webhook receiver (any 200) for the other paths.
    server = https.createServer({ key: fs.readFileSync(dir.resolve('key.pem')), cert: fs.readFileSync(dir.resolve('cert.pem')) }, (req, res) => {
      seen.push(`${req.method} ${req.url}`);
      req.resume();
      req.on('end', () => res.writeHead(200, { 'Content-Type': 'application/json' }).end('{"ok":true,"channel":"C1","ts":"1.0"}'));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }, 20_000);

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    dir.remove();
  });

  it('webhook: refused by default (permanent, no retries, says how), sent with insecureSkipVerify', async () => {
    seen.length = 0;
    const err = failure(await send(webhookService, instance('webhook', { url: `${url}/hook`, retryWaitMin: '5ms' }), { message: 'm' }, ''));
    expect(err.retryable).toBe(false);
    expect(err.message).toContain('could not be verified');
    expect(err.message).toContain('insecureSkipVerify: true');
    expect(seen).toEqual([]);
    ok(await send(webhookService, instance('webhook', { url: `${url}/hook`, insecureSkipVerify: true }), { message: 'm' }, ''));
    expect(seen).toEqual(['GET /hook']);
  });

  it('slack: refused by default, sent with insecureSkipVerify', async () => {
    seen.length = 0;
    expect(failure(await send(createSlackService(), instance('slack', { token: 'xoxb-t', apiURL: `${url}/api/` }), { message: 'm' }, '#d')).retryable).toBe(false);
    ok(await send(createSlackService(), instance('slack', { token: 'xoxb-t', apiURL: `${url}/api/`, insecureSkipVerify: true }), { message: 'm' }, '#d'));
    expect(seen).toEqual(['POST /api/chat.postMessage']);
  });
});
