/**
 * A real Graphite for tests, from Debian's `graphite-carbon` and `graphite-web` packages: carbon-cache (line
 * receiver + cache query port) and graphite-web's Django server, on free 127.0.0.1 ports, with every file
 * (whisper data, logs, pid, settings module) in a temp dir. No database migration is needed for the render API.
 */
import * as net from 'node:net';
import { acceptsTcp, answersHttp, closedPort, createTempDir, findOnPath, startServerProcess } from '@rollouts/plugin-http/testing';

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

/** Start carbon-cache and graphite-web; throws with both logs when they are not ready within `timeoutMs`. */
export async function startGraphite(timeoutMs = 20_000): Promise<GraphiteServer> {
  const dir = createTempDir('rollouts-graphite-');
  const [linePort, cachePort, webPort] = [await closedPort(), await closedPort(), await closedPort()];
  const storage = dir.resolve('storage');
  for (const d of ['conf', 'storage/whisper', 'storage/log/webapp', 'carbon-log', 'py']) dir.mkdir(d);
  const carbonConf = dir.writeFile(
    'conf/carbon.conf',
    [
      '[cache]',
      `STORAGE_DIR = ${storage}/`,
      `LOCAL_DATA_DIR = ${storage}/whisper/`,
      `CONF_DIR = ${dir.path}/conf/`,
      `LOG_DIR = ${dir.path}/carbon-log/`,
      `PID_DIR = ${dir.path}/`,
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
  dir.writeFile('conf/storage-schemas.conf', '[all]\npattern = .*\nretentions = 1s:1h\n');
  dir.writeFile(
    'py/rollouts_graphite_settings.py',
    [
      "SECRET_KEY = 'rollouts-test'",
      `STORAGE_DIR = ${JSON.stringify(storage)}`,
      `WHISPER_DIR = ${JSON.stringify(dir.resolve('storage', 'whisper'))}`,
      `LOG_DIR = ${JSON.stringify(dir.resolve('storage', 'log', 'webapp'))}`,
      `INDEX_FILE = ${JSON.stringify(dir.resolve('storage', 'index'))}`,
      `CARBONLINK_HOSTS = ['127.0.0.1:${cachePort}']`,
      `DATABASES = {'default': {'NAME': ${JSON.stringify(dir.resolve('storage', 'graphite.db'))}, 'ENGINE': 'django.db.backends.sqlite3'}}`,
      '',
    ].join('\n'),
  );

  const address = `http://127.0.0.1:${webPort}`;
  const started = Date.now();
  const starts = await Promise.allSettled([
    startServerProcess({
      name: 'carbon-cache',
      command: findOnPath('carbon-cache')!,
      args: [`--config=${carbonConf}`, '--nodaemon', 'start'],
      cwd: dir.path,
      ready: () => acceptsTcp(linePort),
      timeoutMs,
    }),
    startServerProcess({
      name: 'graphite-web',
      command: findOnPath('graphite-manage')!,
      args: ['runserver', '--noreload', `127.0.0.1:${webPort}`],
      cwd: dir.path,
      env: { ...process.env, GRAPHITE_SETTINGS_MODULE: 'rollouts_graphite_settings', PYTHONPATH: dir.resolve('py'), PYTHONDONTWRITEBYTECODE: '1' },
      ready: () => answersHttp(`${address}/render?target=none&format=json`, 200),
      timeoutMs,
    }),
  ]);
  const up = starts.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  const logTail = () => up.map((p) => `[${p.name}]\n${p.logTail(20)}`).join('\n');
  const stop = async () => {
    await Promise.all(up.map((p) => p.stop()));
    dir.remove();
  };
  const failures = starts.flatMap((s) => (s.status === 'rejected' ? [s.reason instanceof Error ? s.reason.message : String(s.reason)] : []));
  if (failures.length > 0) {
    const others = logTail();
    await stop();
    throw new Error(`graphite did not start:\n${failures.join('\n')}${others === '' ? '' : `\n${others}`}`);
  }
  const startupMs = Date.now() - started;

  return {
    address,
    startupMs,
    write: (lines) =>
      new Promise((resolve, reject) => {
        const s = net.connect({ host: '127.0.0.1', port: linePort }, () => s.end(lines.map((l) => `${l}\n`).join('')));
        s.on('error', reject);
        s.on('close', () => resolve());
      }),
    logTail,
    stop,
  };
}
