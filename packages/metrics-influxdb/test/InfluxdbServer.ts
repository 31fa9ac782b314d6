/**
 * A real InfluxDB 1.x for tests, from Debian's `influxdb` package (1.6.7): `influxd` on free 127.0.0.1 ports
 * with its meta, data and WAL dirs in a temp dir, reporting and the internal monitor store off.
 */
import { answersHttp, closedPort, createTempDir, startServerProcess } from '@rollouts/plugin-http/testing';

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

/** Start influxd; throws with its log when it is not ready within `timeoutMs`. */
export async function startInfluxdb(binary: string, timeoutMs = 15_000): Promise<InfluxdbServer> {
  const dir = createTempDir('rollouts-influxdb-');
  const [httpPort, rpcPort] = [await closedPort(), await closedPort()];
  const config = [
    'reporting-disabled = true',
    `bind-address = "127.0.0.1:${rpcPort}"`,
    '[meta]',
    `  dir = "${dir.resolve('meta')}"`,
    '[data]',
    `  dir = "${dir.resolve('data')}"`,
    `  wal-dir = "${dir.resolve('wal')}"`,
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
  const configFile = dir.writeFile('influxdb.conf', config);
  const address = `http://127.0.0.1:${httpPort}`;
  const influxd = await startServerProcess({
    name: 'influxd',
    command: binary,
    args: ['-config', configFile],
    cwd: dir.path,
    ready: () => answersHttp(`${address}/ping`, 204),
    timeoutMs,
    pollMs: 25,
  }).catch((e: unknown) => {
    dir.remove();
    throw e;
  });
  const stop = async () => {
    await influxd.stop();
    dir.remove();
  };

  const check = async (res: Response, what: string) => {
    if (!res.ok) throw new Error(`${what}: HTTP ${res.status} ${await res.text()}`);
    const text = await res.text();
    if (text.includes('"error"')) throw new Error(`${what}: ${text}`);
  };
  return {
    address,
    startupMs: influxd.startupMs,
    admin: async (statement) => check(await fetch(`${address}/query`, { method: 'POST', body: new URLSearchParams({ q: statement }) }), statement),
    write: async (database, lines) =>
      check(await fetch(`${address}/write?db=${encodeURIComponent(database)}&precision=s`, { method: 'POST', body: lines.join('\n') }), `write to ${database}`),
    logTail: () => influxd.logTail(),
    stop,
  };
}
