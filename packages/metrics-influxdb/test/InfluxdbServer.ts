/**
 * A real InfluxDB 1.x for tests, from Debian's `influxdb` package (1.6.7): `influxd` on free 127.0.0.1 ports
 * with its meta, data and WAL dirs in a temp dir, reporting and the internal monitor store off.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { closedPort } from './ProviderHarness';

/** The executable `name` on PATH, or undefined. */
export function findOnPath(name: string): string | undefined {
  for (const dir of (process.env['PATH'] ?? '').split(path.delimiter)) {
    const candidate = path.join(dir, name);
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

export interface InfluxdbServer {
  readonly address: string;
  /** Milliseconds from spawning to `/ping` answering. */
  readonly startupMs: number;
  /** Run an InfluxQL statement that changes things (POST /query). */
  admin(statement: string): Promise<void>;
  /** Write line protocol with second precision. */
  write(database: string, lines: ReadonlyArray<string>): Promise<void>;
  logTail(): string;
  stop(): Promise<void>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const tail = (text: string, lines = 40) => text.split('\n').slice(-lines).join('\n');

/** Start influxd; throws with its log when it is not ready within `timeoutMs`. */
export async function startInfluxdb(binary: string, timeoutMs = 15_000): Promise<InfluxdbServer> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rollouts-influxdb-'));
  const [httpPort, rpcPort] = [await closedPort(), await closedPort()];
  const config = [
    'reporting-disabled = true',
    `bind-address = "127.0.0.1:${rpcPort}"`,
    '[meta]',
    `  dir = "${path.join(dir, 'meta')}"`,
    '[data]',
    `  dir = "${path.join(dir, 'data')}"`,
    `  wal-dir = "${path.join(dir, 'wal')}"`,
    '  query-log-enabled = false',
    '[http]',
    `  bind-address = "127.0.0.1:${httpPort}"`,
    '  log-enabled = false',
    '[monitor]',
    '  store-enabled = false',
    '[continuous_queries]',
    '  enabled = false',
    '',
  ].join('\n');
  fs.writeFileSync(path.join(dir, 'influxdb.conf'), config);
  let log = '';
  const started = Date.now();
  const proc: ChildProcess = spawn(binary, ['-config', path.join(dir, 'influxdb.conf')], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  proc.stdout?.on('data', (c: Buffer) => (log += c.toString()));
  proc.stderr?.on('data', (c: Buffer) => (log += c.toString()));
  const address = `http://127.0.0.1:${httpPort}`;

  const stop = async () => {
    if (proc.exitCode === null && proc.signalCode === null) {
      const exited = new Promise((resolve) => proc.once('exit', resolve));
      proc.kill('SIGTERM');
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([exited, new Promise((resolve) => (timer = setTimeout(resolve, 5000)))]);
      clearTimeout(timer);
      if (proc.exitCode === null && proc.signalCode === null) {
        proc.kill('SIGKILL');
        await exited;
      }
    }
    fs.rmSync(dir, { recursive: true, force: true });
  };

  for (;;) {
    if (proc.exitCode !== null) {
      await stop();
      throw new Error(`influxd exited with ${proc.exitCode} during start-up:\n${tail(log)}`);
    }
    try {
      if ((await fetch(`${address}/ping`)).status === 204) break;
    } catch {
      // not listening yet
    }
    if (Date.now() - started > timeoutMs) {
      await stop();
      throw new Error(`influxd did not answer /ping within ${timeoutMs / 1000} s:\n${tail(log)}`);
    }
    await sleep(25);
  }
  const startupMs = Date.now() - started;

  const check = async (res: Response, what: string) => {
    if (!res.ok) throw new Error(`${what}: HTTP ${res.status} ${await res.text()}`);
    const text = await res.text();
    if (text.includes('"error"')) throw new Error(`${what}: ${text}`);
  };
  return {
    address,
    startupMs,
    admin: async (statement) => check(await fetch(`${address}/query`, { method: 'POST', body: new URLSearchParams({ q: statement }) }), statement),
    write: async (database, lines) =>
      check(await fetch(`${address}/write?db=${encodeURIComponent(database)}&precision=s`, { method: 'POST', body: lines.join('\n') }), `write to ${database}`),
    logTail: () => tail(log),
    stop,
  };
}
