/**
 * A real server (Prometheus, carbon-cache, influxd, ...) run by a test: found on PATH, spawned with its
 * output captured, polled until a readiness probe says yes, and stopped by its pid at the end. When it
 * exits or never becomes ready, start-up fails with the end of its output, which is what a reader needs.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

/** The executable `name` in a directory of `PATH` (first match), or undefined when there is none. */
export function findOnPath(name: string, searchPath: string = process.env['PATH'] ?? ''): string | undefined {
  for (const dir of searchPath.split(path.delimiter)) {
    if (dir === '') continue;
    const candidate = path.join(dir, name);
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      if (fs.statSync(candidate).isFile()) return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** What to start and how to tell it is ready. */
export interface ServerProcessOptions {
  /** Names the process in failure messages, e.g. `prometheus`. */
  readonly name: string;
  /** The executable: a path, or a name looked up on PATH by the OS. */
  readonly command: string;
  readonly args?: ReadonlyArray<string>;
  readonly cwd?: string;
  /** The whole environment of the process (default: this process's environment). */
  readonly env?: NodeJS.ProcessEnv;
  /** Whether the server is ready; polled until true. A probe that throws counts as not ready yet. */
  readonly ready: () => Promise<boolean>;
  /** How long start-up may take, from spawning to `ready()` saying true (default 20 s). */
  readonly timeoutMs?: number;
  /** Pause between probes (default 50 ms). */
  readonly pollMs?: number;
  /** How long `stop()` waits after SIGTERM before SIGKILL (default 5 s). */
  readonly stopGraceMs?: number;
}

/** A started, ready server process. */
export interface ServerProcess {
  readonly name: string;
  readonly pid: number;
  /** Milliseconds from spawning to the first probe that said ready. */
  readonly startupMs: number;
  /** The last `lines` lines (default 40) of everything the process wrote to stdout and stderr. */
  logTail(lines?: number): string;
  /** SIGTERM to its pid, SIGKILL after the grace period; resolves when it has exited. Safe to call twice. */
  stop(): Promise<void>;
}

/** Output kept per process: enough for a tail, bounded for a chatty server. */
const KEEP_CHARS = 64 * 1024;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Spawn a server and wait until `ready()` says true. Rejects, after stopping the process, when it cannot be
 * spawned, exits during start-up, or is not ready within `timeoutMs`; the error message names the process
 * and ends with the tail of its output.
 */
export async function startServerProcess(opts: ServerProcessOptions): Promise<ServerProcess> {
  const timeoutMs = opts.timeoutMs ?? 20_000;
  const pollMs = opts.pollMs ?? 50;
  const graceMs = opts.stopGraceMs ?? 5000;
  let output = '';
  const keep = (c: Buffer) => {
    output += c.toString('utf8');
    if (output.length > 2 * KEEP_CHARS) output = output.slice(-KEEP_CHARS);
  };
  const logTail = (lines = 40) => output.split('\n').slice(-lines).join('\n');

  const started = Date.now();
  const child = spawn(opts.command, [...(opts.args ?? [])], { cwd: opts.cwd, env: opts.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  let spawnError: Error | undefined;
  let exit: string | undefined;
  // 'close' comes after 'exit' once stdout and stderr are drained: the last words are in the output then.
  const closed = new Promise<void>((resolve) => child.once('close', () => resolve()));
  const exited = new Promise<void>((resolve) => {
    child.once('error', (e) => {
      spawnError = e;
      resolve();
    });
    child.once('exit', (code, signal) => {
      exit = code !== null ? `code ${code}` : `signal ${signal ?? '?'}`;
      resolve();
    });
  });

  const signal = (pid: number, sig: NodeJS.Signals) => {
    try {
      process.kill(pid, sig);
    } catch {
      // exited meanwhile
    }
  };
  // Spawning itself can fail (no such file, not executable): know which before the first probe.
  await new Promise<void>((resolve) => {
    child.once('spawn', () => resolve());
    child.once('error', () => resolve());
  });
  const stop = async () => {
    if (spawnError !== undefined || exit !== undefined || child.pid === undefined) return;
    signal(child.pid, 'SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([exited, new Promise<void>((resolve) => (timer = setTimeout(resolve, graceMs)))]);
    clearTimeout(timer);
    if (exit === undefined) {
      signal(child.pid, 'SIGKILL');
      await exited;
    }
  };
  const fail = async (why: string): Promise<never> => {
    await stop();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([closed, new Promise<void>((resolve) => (timer = setTimeout(resolve, 1000)))]);
    clearTimeout(timer);
    const tail = logTail();
    throw new Error(`${opts.name} ${why}${tail.trim() === '' ? ' (no output)' : `:\n${tail}`}`);
  };

  for (;;) {
    if (spawnError !== undefined) return fail(`could not be started (${opts.command}): ${spawnError.message}`);
    if (exit !== undefined) return fail(`exited with ${exit} during start-up`);
    if (await opts.ready().catch(() => false)) break;
    if (exit !== undefined) continue;
    if (Date.now() - started > timeoutMs) return fail(`was not ready within ${timeoutMs / 1000} s`);
    await sleep(pollMs);
  }
  return { name: opts.name, pid: child.pid!, startupMs: Date.now() - started, logTail, stop };
}
