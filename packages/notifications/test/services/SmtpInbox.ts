/**
 * A real SMTP server for the e-mail tests: aiosmtpd (installed by tools/smtp/setup.sh into a venv) running
 * tools/smtp/inbox.py on a free local port, writing each accepted message into a temp dir as JSON.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { acceptsTcp, closedPort, createTempDir, startServerProcess, type ServerProcess, type TempDir } from '@rollouts/plugin-http/testing';

const REPO = path.resolve(__dirname, '../../../..');
export const AIOSMTPD_VERSION = '1.4.6';

/** The python with aiosmtpd: $ROLLOUTS_SMTP_PYTHON, else where tools/smtp/setup.sh puts it; undefined when absent. */
export function findSmtpPython(): string | undefined {
  const cache = process.env['ROLLOUTS_SMTP_CACHE'] ?? path.join(os.homedir(), '.cache', 'rollouts-smtp');
  const candidates = [process.env['ROLLOUTS_SMTP_PYTHON'], path.join(cache, `venv-${AIOSMTPD_VERSION}`, 'bin', 'python')];
  for (const c of candidates) {
    if (c === undefined || c === '' || !fs.existsSync(c)) continue;
    try {
      execFileSync(c, ['-c', 'import aiosmtpd'], { stdio: 'ignore', timeout: 20_000 });
      return c;
    } catch {
      // not this one
    }
  }
  return undefined;
}

/** One message as the server received it, with the headers and body of its data split out. */
export interface ReceivedMail {
  readonly mailFrom: string;
  readonly rcptTos: ReadonlyArray<string>;
  /** The AUTH login used, or null. */
  readonly login: string | null;
  readonly data: string;
  /** Header names in lower case; folded lines joined. */
  readonly headers: Readonly<Record<string, string>>;
  /** The body, quoted-printable decoded when the message says so. */
  readonly body: string;
}

function parse(raw: { mailFrom: string; rcptTos: string[]; login: string | null; data: string }): ReceivedMail {
  const data = raw.data.replace(/\r\n/g, '\n');
  const cut = data.indexOf('\n\n');
  const head = cut < 0 ? data : data.slice(0, cut);
  let body = cut < 0 ? '' : data.slice(cut + 2);
  const headers: Record<string, string> = {};
  let last = '';
  for (const line of head.split('\n')) {
    if (/^\s/.test(line) && last !== '') headers[last] += ` ${line.trim()}`;
    else {
      const i = line.indexOf(':');
      if (i > 0) {
        last = line.slice(0, i).toLowerCase();
        headers[last] = line.slice(i + 1).trim();
      }
    }
  }
  if (/quoted-printable/i.test(headers['content-transfer-encoding'] ?? '')) {
    body = body.replace(/=\n/g, '').replace(/=([0-9A-F]{2})/g, (_m, h: string) => String.fromCharCode(parseInt(h, 16)));
    body = Buffer.from(body, 'latin1').toString('utf8');
  }
  return { ...raw, headers, body };
}

export interface SmtpInbox {
  readonly host: string;
  readonly port: number;
  /** Messages received so far, in order. */
  messages(): ReceivedMail[];
  /** Wait until at least `n` messages arrived (or throw after `timeoutMs`). */
  waitFor(n: number, timeoutMs?: number): Promise<ReceivedMail[]>;
  stop(): Promise<void>;
}

export interface SmtpInboxOptions {
  /** Require AUTH with this user and password. */
  readonly auth?: { readonly user: string; readonly password: string };
  /** Offer STARTTLS with this certificate and key (PEM files) and require it before MAIL. */
  readonly tls?: { readonly certFile: string; readonly keyFile: string };
}

/** Start an inbox on a free local port. */
export async function startSmtpInbox(python: string, opts: SmtpInboxOptions = {}): Promise<SmtpInbox> {
  const { auth, tls } = opts;
  const dir: TempDir = createTempDir('rollouts-smtp-inbox-');
  const port = await closedPort();
  let proc: ServerProcess;
  try {
    proc = await startServerProcess({
      name: 'aiosmtpd',
      command: python,
      args: [path.join(REPO, 'tools/smtp/inbox.py'), '--listen', `127.0.0.1:${port}`, '--dir', dir.path, ...(auth !== undefined ? ['--user', auth.user, '--password', auth.password] : []),
        ...(tls !== undefined ? ['--tls-cert', tls.certFile, '--tls-key', tls.keyFile] : []),
      ],
      ready: () => acceptsTcp(port),
      timeoutMs: 20_000,
      stopGraceMs: 2000,
    });
  } catch (e) {
    dir.remove();
    throw e;
  }
  const messages = () =>
    fs
      .readdirSync(dir.path)
      .filter((f) => f.endsWith('.json'))
      .sort()
      .map((f) => parse(JSON.parse(fs.readFileSync(path.join(dir.path, f), 'utf8'))));
  return {
    host: '127.0.0.1',
    port,
    messages,
    async waitFor(n, timeoutMs = 5000) {
      const until = Date.now() + timeoutMs;
      for (;;) {
        const got = messages();
        if (got.length >= n) return got;
        if (Date.now() > until) throw new Error(`the SMTP inbox has ${got.length} message(s), expected ${n}; server output:\n${proc.logTail()}`);
        await new Promise((r) => setTimeout(r, 25));
      }
    },
    async stop() {
      await proc.stop();
      dir.remove();
    },
  };
}
