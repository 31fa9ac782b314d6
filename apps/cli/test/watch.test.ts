// `get rollout --watch` as a person sees it: the real bin (built to dist) in a pseudo-terminal (`script`), its
// output fed into a real terminal emulator (@xterm/headless), and assertions on the screen after each change
// the controller makes — not on the bytes.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import { Terminal } from '@xterm/headless';
import { canaryRollout, deploy, Resources, rolloutOf, setImageDirect, startEnv, waitFor, waitStatus, type Env } from './harness';

jest.setTimeout(120_000);

const ROOT = path.join(__dirname, '..');
let env: Env;
beforeAll(async () => {
  // The bin runs dist/: build it from the current sources.
  execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', path.join(ROOT, 'tsconfig.build.json')], { cwd: ROOT, stdio: 'inherit' });
  env = await startEnv();
});
afterAll(async () => {
  await env?.stop();
});

interface Watched {
  readonly child: ChildProcess;
  readonly term: Terminal;
  raw: string;
  readonly exited: Promise<number | null>;
  /** The screen as text, trailing spaces trimmed, trailing empty rows dropped. */
  screen(): string[];
  /** Wait until the screen satisfies `pred`; the error shows the screen. */
  until(what: string, pred: (lines: string[]) => boolean, timeoutMs?: number): Promise<string[]>;
}

const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

function watch(args: string[]): Watched {
  const term = new Terminal({ cols: 140, rows: 60, allowProposedApi: true });
  // `script` runs the command through $SHELL -c; `exec` makes the bin the pty's foreground process whatever that
  // shell is (dash forks and waits, so Ctrl-C would kill dash and `script` would report 130 for it).
  const cmd = `exec ${[process.execPath, path.join(ROOT, 'bin', 'kubectl-rollouts.js'), ...args, '--kubeconfig', env.kubeconfig].map(q).join(' ')}`;
  const child = spawn('script', ['-qfec', cmd, '/dev/null'], { env: { ...process.env, TERM: 'xterm-256color', NO_COLOR: '' }, stdio: ['pipe', 'pipe', 'pipe'] });
  const w: Watched = {
    child,
    term,
    raw: '',
    exited: new Promise((resolve) => child.on('exit', (code) => resolve(code))),
    screen() {
      const buf = term.buffer.active;
      const lines: string[] = [];
      for (let i = 0; i < buf.length; i++) lines.push(buf.getLine(i)?.translateToString(true) ?? '');
      while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
      return lines;
    },
    async until(what, pred, timeoutMs = 20_000) {
      let last: string[] = [];
      await waitFor(
        what,
        () => {
          last = w.screen();
          return pred(last);
        },
        timeoutMs,
        () => last,
      ).catch((e: Error) => {
        throw new Error(`${e.message.split(';')[0]}; screen:\n${last.join('\n')}`);
      });
      return last;
    },
  };
  child.stdout?.on('data', (d: Buffer) => {
    w.raw += d.toString('utf8');
    term.write(d);
  });
  return w;
}

const has = (lines: string[], re: RegExp) => lines.some((l) => re.test(l));

test('get rollout --watch redraws the tree in place as the rollout moves, and exits 0 when it is deleted', async () => {
  await deploy(env, canaryRollout('tv', [{ setWeight: 25 }, { pause: {} }, { setWeight: 50 }, { pause: {} }]));
  const w = watch(['get', 'rollout', 'tv', '--watch']);
  try {
    let s = await w.until('the healthy rollout', (l) => has(l, /^Status: +✔ Healthy$/) && has(l, /^└──# revision:1$/) && l.filter((x) => x.includes('□ tv-')).length === 4);
    expect(s[0]).toBe('Name:            tv');
    expect(s).not.toContainEqual(expect.stringMatching(/revision:2/));
    // colours on: the ✔ of the Status line is painted green (palette colour 2)
    const statusRow = s.findIndex((l) => l.startsWith('Status:'));
    const cell = w.term.buffer.active.getLine(statusRow)?.getCell(17);
    expect([cell?.getChars(), cell?.isFgPalette() ? cell.getFgColor() : -1]).toEqual(['✔', 2]);

    // a new image: the step advances to the pause and the new ReplicaSet appears as canary
    setImageDirect(env, 'tv', 'demo:2');
    const canaryHash = (await waitStatus(env, 'tv', 'paused', (st) => st.phase === 'Paused' && st.currentStepIndex === 1)).status!.currentPodHash!;
    s = await w.until('paused at step 1 with the canary', (l) => has(l, /^Status: +॥ Paused$/) && has(l, /^ {2}Step: +1\/4$/) && has(l, new RegExp(`^│  └──⧉ tv-${canaryHash} +ReplicaSet +✔ Healthy +\\S+ +canary$`)));
    expect(s).toContainEqual(expect.stringMatching(/^├──# revision:2$/));
    expect(s).toContainEqual(expect.stringMatching(/^Images: +demo:1 \(stable\)$/));
    expect(s).toContainEqual(expect.stringMatching(/^ +demo:2 \(canary\)$/));

    // promote through the plugin: the watch shows the next pause at 50%
    expect((await env.run('promote', 'tv')).code).toBe(0);
    s = await w.until('paused at step 3', (l) => has(l, /^ {2}Step: +3\/4$/) && has(l, /^ {2}SetWeight: +50$/) && l.filter((x) => x.includes(`□ tv-${canaryHash}-`)).length === 2);

    // abort: the canary scales to zero and its pods go; the shorter tree leaves no stale rows below it
    expect((await env.run('abort', 'tv')).code).toBe(0);
    s = await w.until('aborted, canary pods gone', (l) => has(l, /^Status: +✖ Degraded$/) && l.filter((x) => x.includes(`□ tv-${canaryHash}-`)).length === 0 && has(l, /ScaledDown/));
    const pods = env.list<{ metadata: { labels?: Record<string, string>; deletionTimestamp?: string } }>(Resources.pods).filter((p) => p.metadata.labels?.['app'] === 'tv');
    expect(s.filter((l) => l.includes('□ tv-'))).toHaveLength(pods.length);
    expect(s[s.length - 1]).toMatch(/^ {6}└──□ tv-/);

    // in place: never a full-screen clear, always home + rewrite
    expect(w.raw).not.toContain('\u001b[2J');
    expect(w.raw.split('\u001b[H').length).toBeGreaterThan(3);

    env.sim.objects.delete('argoproj.io/v1alpha1', 'Rollout', 'tv', 'default');
    expect(await w.exited).toBe(0);
    expect(rolloutOf(env, 'tv')).toBeUndefined();
  } finally {
    if (w.child.exitCode === null) w.child.kill('SIGKILL');
  }
});

test('Ctrl-C ends the watch with exit 0 and the cursor shown again', async () => {
  await deploy(env, canaryRollout('cc', [{ setWeight: 50 }]));
  const w = watch(['get', 'rollout', 'cc', '-w']);
  try {
    await w.until('drawn', (l) => has(l, /^Status: +✔ Healthy$/));
    expect(w.raw).toContain('\u001b[?25l');
    w.child.stdin?.write('\u0003');
    expect(await w.exited).toBe(0);
    expect(w.raw.endsWith('\u001b[?25h')).toBe(true);
  } finally {
    if (w.child.exitCode === null) w.child.kill('SIGKILL');
  }
});
