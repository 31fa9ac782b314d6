/**
 * moto's server mode (https://github.com/getmoto/moto, an AWS API emulator) for tests: find `moto_server`,
 * start it on a free loopback port, stop it. Install it with `tools/moto/setup.sh`.
 *
 * {@link describeWithMoto} wraps a jest `describe`: with moto installed the tests run against a server of their
 * own; without it they are skipped with a printed reason — except under CI (`CI=true`), where a missing moto
 * is a failing test, so CI cannot go green without having run them.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';

/** Where to find `moto_server`, in order: `ROLLOUTS_MOTO_SERVER`, the setup.sh venv, `PATH`. */
export function motoServerPath(env: Readonly<Record<string, string | undefined>> = process.env): string | undefined {
  const explicit = env['ROLLOUTS_MOTO_SERVER'];
  if (explicit !== undefined && explicit !== '') return existsSync(explicit) ? explicit : undefined;
  const cache = env['ROLLOUTS_MOTO_CACHE'] ?? join(homedir(), '.cache', 'rollouts-moto');
  const fromSetup = join(cache, 'current', 'bin', 'moto_server');
  if (existsSync(fromSetup)) return fromSetup;
  for (const dir of (env['PATH'] ?? '').split(delimiter)) {
    const p = join(dir, 'moto_server');
    if (dir !== '' && existsSync(p)) return p;
  }
  return undefined;
}

/** A running moto server. */
export interface MotoServer {
  /** `http://127.0.0.1:<port>` */
  readonly endpoint: string;
  readonly port: number;
  /** Forget every resource (moto's `/moto-api/reset`). */
  reset(): Promise<void>;
  stop(): Promise<void>;
}

export interface MotoServerOptions {
  /**
   * moto checks SigV4 signatures and IAM policies after this many requests (its `INITIAL_NO_AUTH_ACTION_COUNT`);
   * default: never. Use the free requests to create an IAM user and its access key.
   */
  readonly initialNoAuthActionCount?: number;
  /** How long to wait for the server to answer (default 30 s). */
  readonly startTimeoutMs?: number;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Start `moto_server` on a free loopback port and wait until it answers. */
export async function startMotoServer(options: MotoServerOptions = {}): Promise<MotoServer> {
  const bin = motoServerPath();
  if (bin === undefined) throw new Error(`moto_server not found: run tools/moto/setup.sh (or set ROLLOUTS_MOTO_SERVER)`);
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  const env: Record<string, string> = { ...(process.env as Record<string, string>), MOTO_PORT: String(port) };
  if (options.initialNoAuthActionCount !== undefined) env['INITIAL_NO_AUTH_ACTION_COUNT'] = String(options.initialNoAuthActionCount);
  const child: ChildProcess = spawn(bin, ['-H', '127.0.0.1', '-p', String(port)], { env, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-4000);
  });
  let exited = false;
  const exit = new Promise<void>((resolve) => child.once('exit', () => {
    exited = true;
    resolve();
  }));
  const deadline = Date.now() + (options.startTimeoutMs ?? 30_000);
  for (;;) {
    if (exited) throw new Error(`moto_server exited before answering: ${stderr}`);
    try {
      const res = await fetch(`${endpoint}/moto-api/data.json`);
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`moto_server did not answer on ${endpoint} in time: ${stderr}`);
    }
    await sleep(100);
  }
  return {
    endpoint,
    port,
    reset: async () => {
      const res = await fetch(`${endpoint}/moto-api/reset`, { method: 'POST' });
      if (!res.ok) throw new Error(`moto reset answered ${res.status}`);
    },
    stop: async () => {
      if (exited) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exit;
      clearTimeout(timer);
    },
  };
}

/** The jest globals this helper uses (declared here so the package does not need jest's types). */
export interface TestGlobals {
  describe: ((name: string, fn: () => void) => void) & { skip: (name: string, fn: () => void) => void };
  test: (name: string, fn: () => unknown, timeout?: number) => void;
  beforeAll: (fn: () => unknown, timeout?: number) => void;
  afterAll: (fn: () => unknown, timeout?: number) => void;
}

/** A handle whose `server` is available inside the tests (after `beforeAll`). */
export interface MotoHandle {
  readonly server: MotoServer;
}

/**
 * `describe(name, body)` with a moto server started before the tests and stopped after them. When moto is not
 * installed: under `CI=true` one failing test says so; elsewhere the block is skipped and the reason printed.
 */
export interface DescribeWithMotoOptions extends MotoServerOptions {
  /** Where to look for moto and `CI` (default `process.env`). */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** The test runner's globals (default: jest's, from `globalThis`). */
  readonly globals?: TestGlobals;
}

export function describeWithMoto(name: string, body: (moto: MotoHandle) => void, options: DescribeWithMotoOptions = {}): void {
  const g = options.globals ?? (globalThis as unknown as TestGlobals);
  const env = options.env ?? process.env;
  const bin = motoServerPath(env);
  if (bin === undefined) {
    const reason = 'moto_server is not installed: run tools/moto/setup.sh (needs python3) or set ROLLOUTS_MOTO_SERVER';
    if (env['CI'] === 'true' || env['CI'] === '1') {
      g.describe(name, () => {
        g.test('moto is installed (required under CI)', () => {
          throw new Error(reason);
        });
      });
    } else {
      // eslint-disable-next-line no-console
      console.warn(`SKIPPED "${name}": ${reason}`);
      g.describe.skip(name, () => body({ get server(): MotoServer { throw new Error(reason); } }));
    }
    return;
  }
  let server: MotoServer | undefined;
  g.describe(name, () => {
    g.beforeAll(async () => {
      server = await startMotoServer(options);
    }, 60_000);
    g.afterAll(async () => {
      await server?.stop();
    }, 15_000);
    body({
      get server(): MotoServer {
        if (server === undefined) throw new Error('moto server not started (use it inside a test or hook)');
        return server;
      },
    });
  });
}
