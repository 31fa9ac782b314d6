/**
 * A real Graphite for tests, from Debian's `graphite-carbon` and `graphite-web` packages: carbon-cache (line
 * receiver + cache query port) and graphite-web's Django server, on free 127.0.0.1 ports, with every file
 * (whisper data, logs, pid, settings module) in a temp dir. No database migration is needed for the render API.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
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

/** Why a real Graphite cannot be started here, or undefined when it can. */
export function graphiteMissing(): string | undefined {
  const missing = ['carbon-cache', 'graphite-manage'].filter((b) => findOnPath(b) === undefined);
  return missing.length === 0 ? undefined : `no ${missing.join(' or ')} on PATH (apt-get install -y --no-install-recommends graphite-carbon graphite-web)`;
}

export interface GraphiteServer {
  /** graphite-web's base URL. */
  readonly address: string;
  /** Milliseconds from spawning to both servers answering. */
  readonly startupMs: number;
  /** Send plaintext lines (`path value timestamp`) to carbon. */
  write(lines: ReadonlyArray<string>): Promise<void>;
  /** The end of both servers' output, for failure messages. */
  logTail(): string;
  stop(): Promise<void>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function tail(text: string, lines = 40): string {
  return text.split('\n').slice(-lines).join('\n');
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port }, () => {
      s.destroy();
      resolve(true);
    });
    s.on('error', () => resolve(false));
  });
}

async function stopProcess(p: ChildProcess | undefined): Promise<void> {
  if (p === undefined || p.exitCode !== null || p.signalCode !== null) return;
  const exited = new Promise((resolve) => p.once('exit', resolve));
  p.kill('SIGTERM');
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([exited, new Promise((resolve) => (timer = setTimeout(resolve, 5000)))]);
  clearTimeout(timer);
  if (p.exitCode === null && p.signalCode === null) {
    p.kill('SIGKILL');
    await exited;
  }
}

/** Start carbon-cache and graphite-web; throws with both logs when they are not ready within `timeoutMs`. */
export async function startGraphite(timeoutMs = 20_000): Promise<GraphiteServer> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rollouts-graphite-'));
  const [linePort, cachePort, webPort] = [await closedPort(), await closedPort(), await closedPort()];
  const storage = path.join(dir, 'storage');
  for (const d of ['conf', 'storage/whisper', 'storage/log/webapp', 'carbon-log', 'py']) fs.mkdirSync(path.join(dir, d), { recursive: true });
  fs.writeFileSync(
    path.join(dir, 'conf', 'carbon.conf'),
    [
      '[cache]',
      `STORAGE_DIR = ${storage}/`,
      `LOCAL_DATA_DIR = ${storage}/whisper/`,
      `CONF_DIR = ${dir}/conf/`,
      `LOG_DIR = ${dir}/carbon-log/`,
      `PID_DIR = ${dir}/`,
      'DATABASE = whisper',
      'ENABLE_LOGROTATION = False',
      'USER =',
      'MAX_CACHE_SIZE = inf',
      'MAX_UPDATES_PER_SECOND = 10000',
      'MAX_CREATES_PER_MINUTE = inf',
      'LINE_RECEIVER_INTERFACE = 127.0.0.1',
      `LINE_RECEIVER_PORT = ${linePort}`,
      'PICKLE_RECEIVER_PORT = 0',
      'ENABLE_UDP_LISTENER = False',
      'CACHE_QUERY_INTERFACE = 127.0.0.1',
      `CACHE_QUERY_PORT = ${cachePort}`,
      'LOG_LISTENER_CONNECTIONS = False',
      '',
    ].join('\n'),
  );
  fs.writeFileSync(path.join(dir, 'conf', 'storage-schemas.conf'), '[all]\npattern = .*\nretentions = 1s:1h\n');
  fs.writeFileSync(
    path.join(dir, 'py', 'rollouts_graphite_settings.py'),
    [
      "SECRET_KEY = 'rollouts-test'",
      `STORAGE_DIR = ${JSON.stringify(storage)}`,
      `WHISPER_DIR = ${JSON.stringify(path.join(storage, 'whisper'))}`,
      `LOG_DIR = ${JSON.stringify(path.join(storage, 'log', 'webapp'))}`,
      `INDEX_FILE = ${JSON.stringify(path.join(storage, 'index'))}`,
      `CARBONLINK_HOSTS = ['127.0.0.1:${cachePort}']`,
      `DATABASES = {'default': {'NAME': ${JSON.stringify(path.join(storage, 'graphite.db'))}, 'ENGINE': 'django.db.backends.sqlite3'}}`,
      '',
    ].join('\n'),
  );

  let log = '';
  const started = Date.now();
  const capture = (name: string, p: ChildProcess) => {
    p.stdout?.on('data', (c: Buffer) => (log += `[${name}] ${c.toString()}`));
    p.stderr?.on('data', (c: Buffer) => (log += `[${name}] ${c.toString()}`));
  };
  const carbon = spawn(findOnPath('carbon-cache')!, [`--config=${path.join(dir, 'conf', 'carbon.conf')}`, '--nodaemon', 'start'], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  capture('carbon-cache', carbon);
  const web = spawn(findOnPath('graphite-manage')!, ['runserver', '--noreload', `127.0.0.1:${webPort}`], {
    cwd: dir,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, GRAPHITE_SETTINGS_MODULE: 'rollouts_graphite_settings', PYTHONPATH: path.join(dir, 'py'), PYTHONDONTWRITEBYTECODE: '1' },
  });
  capture('graphite-web', web);
  const address = `http://127.0.0.1:${webPort}`;

  const server: GraphiteServer = {
    address,
    startupMs: 0,
    write: (lines) =>
      new Promise((resolve, reject) => {
        const s = net.connect({ host: '127.0.0.1', port: linePort }, () => s.end(lines.map((l) => `${l}\n`).join('')));
        s.on('error', reject);
        s.on('close', () => resolve());
      }),
    logTail: () => tail(log),
    stop: async () => {
      await Promise.all([stopProcess(web), stopProcess(carbon)]);
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };

  const deadline = started + timeoutMs;
  let carbonUp = false;
  let webUp = false;
  while (!(carbonUp && webUp)) {
    for (const [name, p] of [['carbon-cache', carbon], ['graphite-web', web]] as const) {
      if (p.exitCode !== null) {
        await server.stop();
        throw new Error(`${name} exited with ${p.exitCode} during start-up:\n${tail(log)}`);
      }
    }
    if (!carbonUp) carbonUp = await canConnect(linePort);
    if (!webUp) {
      try {
        webUp = (await fetch(`${address}/render?target=none&format=json`)).status === 200;
      } catch {
        // not listening yet
      }
    }
    if (carbonUp && webUp) break;
    if (Date.now() > deadline) {
      await server.stop();
      throw new Error(`graphite did not start within ${timeoutMs / 1000} s (carbon-cache ${carbonUp ? 'up' : 'down'}, graphite-web ${webUp ? 'up' : 'down'}):\n${tail(log)}`);
    }
    await sleep(50);
  }
  return { ...server, startupMs: Date.now() - started };
}
