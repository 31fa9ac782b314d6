/**
 * The e-mail service against a real SMTP server (aiosmtpd, installed by tools/smtp/setup.sh). Under CI=true a
 * missing aiosmtpd fails these tests; elsewhere they are skipped with the reason printed.
 */
import { execFileSync } from 'node:child_process';
import * as net from 'node:net';
import { createTempDir, type TempDir } from '@rollouts/plugin-http/testing';
import { emailRecipients, emailService } from '../../src/services';
import { failure, instance, ok, send } from './SendHarness';
import { findSmtpPython, startSmtpInbox, type SmtpInbox } from './SmtpInbox';

const python = findSmtpPython();
const inCi = process.env['CI'] === 'true';
if (python === undefined && !inCi) {
  // eslint-disable-next-line no-console
  console.warn('e-mail service tests skipped: aiosmtpd is not installed (run tools/smtp/setup.sh, or set ROLLOUTS_SMTP_PYTHON)');
}
const smtpIt = python !== undefined || inCi ? it : it.skip;

function needPython(): string {
  if (python === undefined) throw new Error('aiosmtpd is required under CI=true: run tools/smtp/setup.sh (or set ROLLOUTS_SMTP_PYTHON)');
  return python;
}

describe('email service, against a real SMTP server (aiosmtpd)', () => {
  let inbox: SmtpInbox | undefined;
  afterEach(async () => {
    await inbox?.stop();
    inbox = undefined;
  });

  smtpIt('delivers subject and body from the template, from `from`, to every comma-separated recipient', async () => {
    inbox = await startSmtpInbox(needPython());
    const inst = instance('email', { host: inbox.host, port: inbox.port, from: 'rollouts@example.com' });
    const notification = { message: 'Rollout demo has been completed.', email: { subject: 'Rollout demo has been completed.', body: 'Revision 3 of demo is stable.' } };
    ok(await send(emailService, inst, notification, 'dev@example.com, ops@example.com'));
    const [mail] = await inbox.waitFor(1);
    expect(mail!.mailFrom).toBe('rollouts@example.com');
    expect(mail!.rcptTos).toEqual(['dev@example.com', 'ops@example.com']);
    expect(mail!.headers['from']).toBe('rollouts@example.com');
    expect(mail!.headers['to']).toBe('dev@example.com, ops@example.com');
    expect(mail!.headers['subject']).toBe('Rollout demo has been completed.');
    expect(mail!.headers['content-type']).toMatch(/^text\/plain/);
    expect(mail!.body.trim()).toBe('Revision 3 of demo is stable.');
    expect(mail!.login).toBeNull();
  });

  smtpIt('sends the message as the body when the template has no email.body, and HTML when html: true', async () => {
    inbox = await startSmtpInbox(needPython());
    const inst = instance('email', { host: inbox.host, port: inbox.port, from: 'rollouts@example.com', html: true });
    ok(await send(emailService, inst, { message: '<b>Rollout demo</b> was aborted.', email: { subject: 'aborted' } }, 'dev@example.com'));
    const [mail] = await inbox.waitFor(1);
    expect(mail!.headers['content-type']).toMatch(/^text\/html/);
    expect(mail!.body.trim()).toBe('<b>Rollout demo</b> was aborted.');
  });

  smtpIt('authenticates with username and password when the server requires AUTH', async () => {
    inbox = await startSmtpInbox(needPython(), { auth: { user: 'mailer', password: 'smtp-pass-4242' } });
    const inst = instance('email', { host: inbox.host, port: inbox.port, from: 'rollouts@example.com', username: 'mailer', password: 'smtp-pass-4242' });
    ok(await send(emailService, inst, { message: 'hello', email: { subject: 's' } }, 'dev@example.com'));
    const [mail] = await inbox.waitFor(1);
    expect(mail!.login).toBe('mailer');
  });

  smtpIt('a refused password is a permanent error that names the service and recipient, never the password', async () => {
    inbox = await startSmtpInbox(needPython(), { auth: { user: 'mailer', password: 'right-pass-1' } });
    const inst = instance('email', { host: inbox.host, port: inbox.port, from: 'rollouts@example.com', username: 'mailer', password: 'wrong-pass-2' }, 'corp');
    const err = failure(await send(emailService, inst, { message: 'hello' }, 'dev@example.com'));
    expect(err.retryable).toBe(false);
    expect(err.message).toContain('email "corp" to dev@example.com');
    expect(err.message).toContain('refused the credentials');
    expect(err.message).not.toContain('wrong-pass-2');
    expect(err.message).not.toContain(Buffer.from('\u0000mailer\u0000wrong-pass-2').toString('base64'));
    expect(inbox.messages()).toHaveLength(0);
  });

  smtpIt('a 550 for a recipient is permanent; a 451 is retryable', async () => {
    inbox = await startSmtpInbox(needPython());
    const inst = instance('email', { host: inbox.host, port: inbox.port, from: 'rollouts@example.com' });
    const refused = failure(await send(emailService, inst, { message: 'm' }, 'reject-me@example.com'));
    expect(refused.retryable).toBe(false);
    expect(refused.message).toContain('550');
    const deferred = failure(await send(emailService, inst, { message: 'm' }, 'defer-me@example.com'));
    expect(deferred.retryable).toBe(true);
    expect(deferred.message).toContain('451');
    expect(inbox.messages()).toHaveLength(0);
  });
});

describe('email service over STARTTLS (aiosmtpd with a self-signed certificate made by openssl)', () => {
  let inbox: SmtpInbox | undefined;
  let dir: TempDir;
  beforeAll(() => {
    dir = createTempDir('rollouts-smtp-tls-');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', dir.resolve('key.pem'), '-out', dir.resolve('cert.pem'), '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
  });
  afterAll(() => dir.remove());
  afterEach(async () => {
    await inbox?.stop();
    inbox = undefined;
  });
  const tls = () => ({ certFile: dir.resolve('cert.pem'), keyFile: dir.resolve('key.pem') });

  smtpIt('upgrades with STARTTLS and authenticates inside TLS when insecure_skip_verify is set', async () => {
    inbox = await startSmtpInbox(needPython(), { tls: tls(), auth: { user: 'mailer', password: 'tls-pass-1' } });
    const inst = instance('email', { host: inbox.host, port: inbox.port, from: 'rollouts@example.com', username: 'mailer', password: 'tls-pass-1', insecure_skip_verify: true });
    ok(await send(emailService, inst, { message: 'over TLS', email: { subject: 'tls' } }, 'dev@example.com'));
    const [mail] = await inbox.waitFor(1);
    expect(mail!.login).toBe('mailer');
    expect(mail!.headers['subject']).toBe('tls');
  });

  smtpIt('refuses an unverifiable certificate by default, permanently, saying how to get past it', async () => {
    inbox = await startSmtpInbox(needPython(), { tls: tls() });
    const err = failure(await send(emailService, instance('email', { host: inbox.host, port: inbox.port, from: 'rollouts@example.com' }), { message: 'm' }, 'dev@example.com'));
    expect(err.retryable).toBe(false);
    expect(err.message).toContain('insecure_skip_verify: true');
    expect(inbox.messages()).toHaveLength(0);
  });
});

describe('email service without a server', () => {
  it('a refused connection is retryable', async () => {
    const srv = net.createServer();
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    const port = (srv.address() as net.AddressInfo).port;
    await new Promise<void>((r) => srv.close(() => r()));
    const err = failure(await send(emailService, instance('email', { host: '127.0.0.1', port, from: 'a@example.com' }), { message: 'm' }, 'b@example.com'));
    expect(err.retryable).toBe(true);
    expect(err.message).toContain('email to b@example.com');
  });

  it('a server that never greets times out (retryable)', async () => {
    const sockets: net.Socket[] = [];
    const srv = net.createServer((s) => sockets.push(s));
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    try {
      const port = (srv.address() as net.AddressInfo).port;
      const t0 = Date.now();
      const err = failure(await send(emailService, instance('email', { host: '127.0.0.1', port, from: 'a@example.com' }), { message: 'm' }, 'b@example.com', 400));
      expect(Date.now() - t0).toBeLessThan(3000);
      expect(err.retryable).toBe(true);
    } finally {
      sockets.forEach((s) => s.destroy());
      await new Promise<void>((r) => srv.close(() => r()));
    }
  });

  it('rejects a recipient that is not an address before connecting', async () => {
    const err = failure(await send(emailService, instance('email', { host: '127.0.0.1', port: 1, from: 'a@example.com' }), { message: 'm' }, 'ops team'));
    expect(err).toEqual({ retryable: false, message: 'email to ops team: "ops team" is not an e-mail address' });
  });

  it('splits recipients on commas', () => {
    expect(emailRecipients(' a@x.io,b@y.io ,, ')).toEqual(['a@x.io', 'b@y.io']);
  });

  it('validates host, port and from, and a password with a username', () => {
    expect(emailService.validate(instance('email', {}))).toEqual([
      { key: 'service.email', message: 'host: required' },
      { key: 'service.email', message: 'port: required' },
      { key: 'service.email', message: 'from: required' },
    ]);
    expect(emailService.validate(instance('email', { host: 'smtp', port: 70000, from: 'nobody', username: 'u' }, 'corp')).map((p) => `${p.key}: ${p.message}`)).toEqual([
      'service.email.corp: port: expected a port number from 1 to 65535, found 70000',
      'service.email.corp: from: expected an e-mail address',
      'service.email.corp: password: required when username is set',
    ]);
    expect(emailService.validate(instance('email', { host: 'smtp', port: '587', from: 'Rollouts <r@example.com>' }))).toEqual([]);
  });
});
