import * as fs from 'node:fs';
import * as path from 'node:path';
import { closedPort } from './HttpTestServer';
import { acceptsTcp } from './Readiness';
import { findOnPath, startServerProcess } from './ServerProcess';
import { createTempDir, type TempDir } from './TempDir';

/** Whether a process with this pid exists (signal 0 only checks). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** `node -e script args...` as a server process. */
const node = (script: string, ...args: string[]) => ({ command: process.execPath, args: ['-e', script, ...args] });

/** A TCP server on the port in argv[1], printing its pid and a line when listening. */
const listener = `
  const port = Number(process.argv[1]);
  console.log('pid ' + process.pid);
  require('node:net').createServer((s) => s.end()).listen(port, '127.0.0.1', () => console.log('listening on ' + port));
`;

describe('findOnPath', () => {
  let dir: TempDir;
  beforeAll(() => {
    dir = createTempDir('rollouts-findonpath-');
    fs.chmodSync(dir.writeFile('bin-a/tool', '#!/bin/sh\n'), 0o755);
    fs.chmodSync(dir.writeFile('bin-b/tool', '#!/bin/sh\n'), 0o755);
    fs.chmodSync(dir.writeFile('bin-a/plain', 'not executable'), 0o644);
    dir.mkdir('bin-a/subdir');
  });
  afterAll(() => dir.remove());

  it.each([
    ['the first directory holding the executable', 'tool', ['bin-a', 'bin-b'], 'bin-a/tool'],
    ['a later directory when earlier ones lack it', 'tool', ['missing', 'bin-b'], 'bin-b/tool'],
    ['nothing for a file that is not executable', 'plain', ['bin-a'], undefined],
    ['nothing for a directory', 'subdir', ['bin-a'], undefined],
    ['nothing for a name in no directory', 'absent', ['bin-a', 'bin-b'], undefined],
  ])('finds %s', (_what, name, dirs, expected) => {
    const searchPath = ['', ...dirs.map((d) => dir.resolve(d))].join(path.delimiter);
    expect(findOnPath(name, searchPath)).toBe(expected === undefined ? undefined : dir.resolve(expected));
  });

  it('searches $PATH by default', () => {
    expect(findOnPath(path.basename(process.execPath), path.dirname(process.execPath))).toBe(process.execPath);
    expect(findOnPath('sh')).toMatch(/\/sh$/);
  });
});

describe('startServerProcess', () => {
  it('resolves once ready, and stop() kills the process by its pid', async () => {
    const port = await closedPort();
    const server = await startServerProcess({ name: 'listener', ...node(listener, String(port)), ready: () => acceptsTcp(port), timeoutMs: 10_000 });
    expect(server.name).toBe('listener');
    expect(alive(server.pid)).toBe(true);
    expect(await acceptsTcp(port)).toBe(true);
    expect(server.startupMs).toBeGreaterThanOrEqual(0);
    expect(server.logTail()).toContain(`pid ${server.pid}`);
    await server.stop();
    expect(alive(server.pid)).toBe(false);
    expect(await acceptsTcp(port)).toBe(false);
    await server.stop();
  });

  it('kills with SIGKILL a process that ignores SIGTERM, after the grace period', async () => {
    const dir = createTempDir('rollouts-serverprocess-');
    try {
      const marker = dir.resolve('ready');
      const script = `process.on('SIGTERM', () => console.log('ignoring SIGTERM')); require('node:fs').writeFileSync(process.argv[1], ''); setInterval(() => {}, 1000);`;
      const server = await startServerProcess({ name: 'stubborn', ...node(script, marker), ready: async () => fs.existsSync(marker), stopGraceMs: 300 });
      const t0 = Date.now();
      await server.stop();
      expect(Date.now() - t0).toBeGreaterThanOrEqual(250);
      expect(alive(server.pid)).toBe(false);
      expect(server.logTail()).toContain('ignoring SIGTERM');
    } finally {
      dir.remove();
    }
  });

  it('fails when never ready, with the output tail in the message, and kills the process', async () => {
    const script = `for (let i = 1; i <= 100; i++) console.log('line ' + i); setInterval(() => {}, 1000);`;
    const t0 = Date.now();
    const error = await startServerProcess({ name: 'never-ready', ...node(script), ready: async () => false, timeoutMs: 500, pollMs: 20 }).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(Date.now() - t0).toBeGreaterThanOrEqual(500);
    expect(error?.message).toMatch(/^never-ready was not ready within 0\.5 s:\n/);
    expect(error?.message).toContain('line 100');
    expect(error?.message).not.toContain('line 50\n');
  });

  it('kills a never-ready process before rejecting', async () => {
    const dir = createTempDir('rollouts-serverprocess-');
    try {
      const pidFile = dir.resolve('pid');
      const script = `require('node:fs').writeFileSync(process.argv[1], String(process.pid)); setInterval(() => {}, 1000);`;
      await expect(startServerProcess({ name: 'never-ready', ...node(script, pidFile), ready: async () => false, timeoutMs: 400 })).rejects.toThrow(/was not ready/);
      const pid = Number(fs.readFileSync(pidFile, 'utf8'));
      expect(pid).toBeGreaterThan(0);
      expect(alive(pid)).toBe(false);
    } finally {
      dir.remove();
    }
  });

  it('fails at once when the process exits during start-up, with its last words', async () => {
    const script = `console.error('error: bad config at line 3'); process.exit(3);`;
    const t0 = Date.now();
    const start = startServerProcess({ name: 'crasher', ...node(script), ready: async () => false, timeoutMs: 10_000 });
    await expect(start).rejects.toThrow(/^crasher exited with code 3 during start-up:\n(.|\n)*error: bad config at line 3/);
    expect(Date.now() - t0).toBeLessThan(5000);
  });

  it('fails when the command cannot be spawned', async () => {
    await expect(startServerProcess({ name: 'ghost', command: '/nonexistent/rollouts-no-such-binary', ready: async () => true })).rejects.toThrow(/^ghost could not be started \(\/nonexistent\/rollouts-no-such-binary\): .*ENOENT/);
  });

  it('counts a probe that throws as not ready yet', async () => {
    let calls = 0;
    const server = await startServerProcess({
      name: 'sleeper',
      ...node('setInterval(() => {}, 1000)'),
      pollMs: 10,
      ready: async () => {
        calls += 1;
        if (calls < 3) throw new Error('connection refused');
        return true;
      },
    });
    await server.stop();
    expect(calls).toBe(3);
  });

  it('passes cwd and env to the process', async () => {
    const dir = createTempDir('rollouts-serverprocess-');
    try {
      const script = `require('node:fs').writeFileSync('seen', process.cwd() + ' ' + process.env.ROLLOUTS_TEST_VALUE); setInterval(() => {}, 1000);`;
      const server = await startServerProcess({ name: 'env', ...node(script), cwd: dir.path, env: { ...process.env, ROLLOUTS_TEST_VALUE: 'v42' }, ready: async () => fs.existsSync(dir.resolve('seen')) });
      await server.stop();
      expect(fs.readFileSync(dir.resolve('seen'), 'utf8')).toBe(`${fs.realpathSync(dir.path)} v42`);
    } finally {
      dir.remove();
    }
  });
});
