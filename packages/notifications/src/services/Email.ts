/**
 * `service.email[.<name>]`: e-mail over SMTP (nodemailer), as Argo's e-mail service sends it. Options `host`,
 * `port`, `from`, `username`/`password` (AUTH when a username is set), `html` (the body is HTML) and
 * `insecure_skip_verify` (Argo's spelling; `insecureSkipVerify` is read too). Port 465 is TLS from the start;
 * any other port upgrades with STARTTLS when the server offers it. The recipient is one address or several,
 * comma-separated. Subject = the template's `email.subject`; body = `email.body`, else the message.
 *
 * Failures: the server's 4xx replies, refused or dropped connections and timeouts are retryable; 5xx replies
 * (a refused mailbox, AUTH refused) are not.
 */
import * as E from 'fp-ts/lib/Either';
import * as nodemailer from 'nodemailer';
import type { NotificationService, SendError, ServiceInstance } from '../Types';
import { OptionChecker, blockString, describe, destinationLabel, guarded, permanent, retryable, secretsOf, snippet, stringOption, templateBlock } from './ServiceSupport';

/** Recipients of one destination: split on commas, trimmed, empty ones dropped. */
export function emailRecipients(recipient: string): string[] {
  return recipient
    .split(',')
    .map((r) => r.trim())
    .filter((r) => r !== '');
}

const ADDRESS = /^[^\s@<>,;]+@[^\s@<>,;]+$/;

function portOf(instance: ServiceInstance): number | undefined {
  const v = instance.options['port'];
  const n = typeof v === 'number' ? v : typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : NaN;
  return Number.isInteger(n) && n > 0 && n < 65536 ? n : undefined;
}

function insecureOf(instance: ServiceInstance): boolean {
  return instance.options['insecure_skip_verify'] === true || instance.options['insecureSkipVerify'] === true;
}

function classify(label: string, e: unknown): SendError {
  const err = (e ?? {}) as { code?: unknown; responseCode?: unknown; response?: unknown; message?: unknown };
  const code = typeof err.code === 'string' ? err.code : undefined;
  const reply = typeof err.responseCode === 'number' ? err.responseCode : undefined;
  const said = typeof err.response === 'string' ? snippet(err.response) : typeof err.message === 'string' ? snippet(err.message) : String(e);
  if (code === 'EAUTH') return permanent(`${label}: the SMTP server refused the credentials: ${said}`);
  if (reply !== undefined && reply >= 400 && reply < 500) return retryable(`${label}: the SMTP server deferred the message: ${said}`);
  if (reply !== undefined && reply >= 500) return permanent(`${label}: the SMTP server rejected the message: ${said}`);
  if (code === 'EENVELOPE' || code === 'EMESSAGE') return permanent(`${label}: the message could not be sent: ${said}`);
  if (code === 'ETLS' || /certificate/i.test(said)) return permanent(`${label}: TLS with the SMTP server failed (${said}); fix its certificate, or set insecure_skip_verify: true`);
  return retryable(`${label}: could not deliver to the SMTP server${code !== undefined ? ` (${code})` : ''}: ${said}`);
}

export const emailService: NotificationService = {
  type: 'email',

  validate(instance) {
    const c = new OptionChecker(instance);
    c.requiredString('host');
    const port = instance.options['port'];
    if (port === undefined || port === null || port === '') c.add('port', 'required');
    else if (portOf(instance) === undefined) c.add('port', `expected a port number from 1 to 65535, found ${typeof port === 'number' ? port : describe(port)}`);
    c.requiredString('from');
    const from = stringOption(instance, 'from');
    if (from !== undefined && !ADDRESS.test(from.replace(/^.*<([^>]*)>\s*$/, '$1'))) c.add('from', 'expected an e-mail address');
    c.optionalString('username');
    c.optionalString('password');
    if (stringOption(instance, 'username') !== undefined && typeof instance.options['password'] !== 'string') c.add('password', 'required when username is set');
    c.optionalBoolean('html');
    c.optionalBoolean('insecure_skip_verify');
    c.optionalBoolean('insecureSkipVerify');
    return c.problems;
  },

  send(ctx, instance, notification, recipient) {
    const label = destinationLabel(instance, recipient);
    return guarded(secretsOf(instance, ['password']), async (): Promise<E.Either<SendError, void>> => {
      const to = emailRecipients(recipient);
      if (to.length === 0) return E.left(permanent(`${label}: no e-mail address in the recipient`));
      const bad = to.find((a) => !ADDRESS.test(a));
      if (bad !== undefined) return E.left(permanent(`${label}: ${JSON.stringify(bad)} is not an e-mail address`));
      const host = stringOption(instance, 'host');
      const port = portOf(instance);
      const from = stringOption(instance, 'from');
      if (host === undefined || port === undefined || from === undefined) return E.left(permanent(`${label}: host, port and from must be configured`));
      if (ctx.signal.aborted) return E.left(retryable(`${label}: cancelled before connecting to ${host}:${port}`));
      const username = stringOption(instance, 'username');
      const transport = nodemailer.createTransport({
        host,
        port,
        secure: port === 465,
        ...(username !== undefined ? { auth: { user: username, pass: typeof instance.options['password'] === 'string' ? instance.options['password'] : '' } } : {}),
        tls: { rejectUnauthorized: !insecureOf(instance) },
        connectionTimeout: ctx.timeoutMs,
        greetingTimeout: ctx.timeoutMs,
        socketTimeout: ctx.timeoutMs,
      });
      const block = templateBlock(notification, 'email');
      const subject = blockString(block, 'subject') ?? '';
      const body = typeof block['body'] === 'string' && block['body'] !== '' ? block['body'] : notification.message;
      let onAbort: (() => void) | undefined;
      let timer: NodeJS.Timeout | undefined;
      try {
        const cancelled = new Promise<'cancelled' | 'timeout'>((resolve) => {
          onAbort = () => resolve('cancelled');
          ctx.signal.addEventListener('abort', onAbort, { once: true });
          // nodemailer bounds each wait; this bounds the whole conversation.
          timer = setTimeout(() => resolve('timeout'), ctx.timeoutMs);
        });
        const sent = transport.sendMail({ from, to, subject, ...(instance.options['html'] === true ? { html: body } : { text: body }) }).then(
          () => 'sent' as const,
          (e: unknown) => e,
        );
        const outcome = await Promise.race([sent, cancelled]);
        if (outcome === 'sent') return E.right(undefined);
        if (outcome === 'cancelled') return E.left(retryable(`${label}: the send to ${host}:${port} was cancelled`));
        if (outcome === 'timeout') return E.left(retryable(`${label}: the SMTP server ${host}:${port} did not finish within ${ctx.timeoutMs / 1000} s`));
        return E.left(classify(label, outcome));
      } finally {
        if (timer !== undefined) clearTimeout(timer);
        if (onAbort !== undefined) ctx.signal.removeEventListener('abort', onAbort);
        transport.close();
      }
    });
  },
};
