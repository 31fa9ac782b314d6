// The README's quick start, as a newcomer runs it from a fresh clone: `npm start`'s demo running (its kubeconfig
// exported), the plugin found on PATH the way the README says, and each line of the README's quick-start block
// run as written by bash, with kubectl (kubectl runs our plugin `kubectl-rollouts`). The block is read from
// README.md itself, so an edit that breaks it fails here:
//   - every line must exit 0;
//   - after a line that changes the Rollout, the test waits (as a reader would) until the Rollout settles
//     (Paused, Healthy or Degraded, and unchanged for a moment) before the next line;
//   - what the comments promise is checked: "Paused at step N/M", "N pods", "exit 0 once Healthy",
//     "Degraded", "Healthy on IMAGE";
//   - at the end the quick start's Rollout is Healthy, and the demo's own objects are untouched.
// Needs the build (`npm run build`; tools/test-all.sh builds first) and kubectl ($KUBECTL or on PATH): without
// the build it fails under CI=true and is skipped (saying why) otherwise; without kubectl it is skipped.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '../..');
const DEMO = path.join(ROOT, 'apps/controller/dist/demo.js');
const CLI_DIST = path.join(ROOT, 'apps/cli/dist/main.js');
const PLUGIN_ON_PATH = path.join(ROOT, 'node_modules/.bin/kubectl-rollouts');
const KUBECTL = process.env['KUBECTL'] ?? 'kubectl';

const kubectlPath = (() => {
  const r = spawnSync('bash', ['-c', 'command -v "$0"', KUBECTL], { encoding: 'utf8' });
  const p = r.status === 0 ? r.stdout.trim() : '';
  return p !== '' && spawnSync(p, ['version', '--client'], { encoding: 'utf8', timeout: 20_000 }).status === 0 ? p : undefined;
})();
const built = fs.existsSync(DEMO) && fs.existsSync(CLI_DIST);
const missing = [
  ...(kubectlPath === undefined ? [`kubectl (${KUBECTL}: not found or not working; tools/setup/kubectl.sh provides Debian's)`] : []),
  ...(!built ? ['the build (apps/controller/dist, apps/cli/dist: run npm run build)'] : []),
];
if (missing.length > 0) {
  // eslint-disable-next-line no-console
  console.log(`README quick-start test SKIPPED: needs ${missing.join(' and ')}`);
}
const mustRun = process.env['CI'] === 'true' && built === false;

/** The quick-start block of a README: the lines between the markers, inside the ```sh fence. */
export function quickStartLines(readme: string): string[] {
  const start = readme.indexOf('<!-- quickstart:start -->');
  const end = readme.indexOf('<!-- quickstart:end -->');
  if (start < 0 || end < start) throw new Error('README.md has no <!-- quickstart:start --> ... <!-- quickstart:end --> block');
  return readme
    .slice(start, end)
    .split('\n')
    .filter((l) => l.trim() !== '' && !l.startsWith('<!--') && !l.startsWith('```') && !l.trim().startsWith('#'));
}

const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');

test('the README quick-start block is there and starts by making its own namespace', () => {
  const lines = quickStartLines(readme);
  expect(lines.length).toBeGreaterThan(5);
  expect(lines[0]).toMatch(/^kubectl create namespace (\S+)/);
  // The plugin lines all name that namespace, so nothing lands in the demo's "default".
  const ns = /^kubectl create namespace (\S+)/.exec(lines[0] ?? '')?.[1];
  for (const l of lines.slice(1)) expect(l).toContain(` -n ${ns} `);
  // The install path the README gives is the one this test uses.
  expect(readme).toContain('export PATH="$PWD/node_modules/.bin:$PATH"');
});

test('the kubectl-rollouts README shows the same quick start', () => {
  const cli = fs.readFileSync(path.join(ROOT, 'apps/cli/README.md'), 'utf8');
  expect(quickStartLines(cli)).toEqual(quickStartLines(readme));
});

if (mustRun) {
  test('the README quick start runs against the demo', () => {
    throw new Error('CI=true and the build is missing (apps/controller/dist/demo.js, apps/cli/dist/main.js): tools/test-all.sh builds before the tests');
  });
}

interface RolloutJson {
  metadata: { name: string; generation?: number };
  spec: { template: { spec: { containers: Array<{ name: string; image: string }> } } };
  status?: { phase?: string; observedGeneration?: string; stableRS?: string; currentPodHash?: string; currentStepIndex?: number; abort?: boolean };
}

(missing.length === 0 ? describe : describe.skip)('the README quick start, verbatim, next to the running demo', () => {
  jest.setTimeout(240_000);
  let dir: string;
  let demo: ChildProcess;
  let demoOut = '';
  let demoExit: number | null | undefined;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rollouts-quickstart-'));
    // The demo as `npm start` runs it (faster pods and pauses so the test is quick).
    demo = spawn(process.execPath, [DEMO, '--dir', path.join(dir, 'demo'), '--pod-ready', '200ms', '--pause', '1s'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    demo.stdout?.on('data', (b: Buffer) => (demoOut += b.toString()));
    demo.stderr?.on('data', (b: Buffer) => (demoOut += b.toString()));
    demo.on('exit', (code) => (demoExit = code));
    const t0 = Date.now();
    while (!demoOut.includes('From a second terminal')) {
      if (demoExit !== undefined || Date.now() - t0 > 60_000) throw new Error(`the demo did not start its update:\n${demoOut}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const kubeconfig = /kubeconfig +(\S+)/.exec(demoOut)?.[1];
    if (kubeconfig === undefined || !fs.existsSync(kubeconfig)) throw new Error(`the demo printed no kubeconfig:\n${demoOut}`);
    // `kubectl` is the one found for the tests; the plugin comes from where the README says (node_modules/.bin).
    const bin = path.join(dir, 'bin');
    fs.mkdirSync(bin);
    fs.symlinkSync(kubectlPath as string, path.join(bin, 'kubectl'));
    env = {
      ...process.env,
      KUBECONFIG: kubeconfig,
      HOME: dir,
      KUBECACHEDIR: path.join(dir, 'kube-cache'),
      NO_COLOR: '1',
      PATH: `${bin}:${path.join(ROOT, 'node_modules/.bin')}:${process.env['PATH'] ?? ''}`,
    };
  });
  afterAll(async () => {
    if (demo !== undefined && demoExit === undefined) {
      const exited = new Promise((r) => demo.once('close', r)); // after its output is all read
      demo.kill('SIGINT');
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([exited, new Promise((r) => (timer = setTimeout(r, 15_000)))]);
      clearTimeout(timer);
      if (demoExit === undefined) demo.kill('SIGKILL');
      // The demo stops cleanly on Ctrl-C (as `npm start` does).
      expect(demoOut).toContain('Stopped cleanly.');
    }
    demo?.stdout?.destroy();
    demo?.stderr?.destroy();
    if (dir !== undefined) fs.rmSync(dir, { recursive: true, force: true });
  });

  const sh = (line: string) =>
    new Promise<{ code: number; out: string; err: string }>((resolve) => {
      const p = spawn('bash', ['-c', line], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      let err = '';
      p.stdout.on('data', (b: Buffer) => (out += b.toString()));
      p.stderr.on('data', (b: Buffer) => (err += b.toString()));
      const timer = setTimeout(() => p.kill('SIGKILL'), 90_000);
      p.on('close', (code) => {
        clearTimeout(timer);
        resolve({ code: code ?? 1, out, err });
      });
    });
  const rollout = async (ns: string, name: string): Promise<RolloutJson | undefined> => {
    const r = await sh(`kubectl get rollouts.argoproj.io ${name} -n ${ns} -o json`);
    return r.code === 0 ? (JSON.parse(r.out) as RolloutJson) : undefined;
  };
  /** Until the Rollout is Paused, Healthy or Degraded for the current generation and unchanged for 1.5 s. */
  const settle = async (ns: string, name: string) => {
    const t0 = Date.now();
    let last = '';
    let since = Date.now();
    for (;;) {
      const ro = await rollout(ns, name);
      const s = ro?.status;
      const key = JSON.stringify(s ?? null);
      if (key !== last) {
        last = key;
        since = Date.now();
      }
      const rest = s !== undefined && ['Paused', 'Healthy', 'Degraded'].includes(s.phase ?? '') && s.observedGeneration === String(ro?.metadata.generation);
      if (ro === undefined || (rest && Date.now() - since >= 1500)) return ro;
      if (Date.now() - t0 > 60_000) throw new Error(`Rollout ${ns}/${name} did not settle: ${key}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  };

  test('each line works as written and the quick start ends Healthy; the demo is untouched', async () => {
    const lines = quickStartLines(readme);
    const ns = /^kubectl create namespace (\S+)/.exec(lines[0] ?? '')?.[1] as string;
    const name = /create -f (\S+)/.test(lines[1] ?? '') ? (/^\s*name: (\S+)\s*$/m.exec(fs.readFileSync(path.join(ROOT, /create -f (\S+)/.exec(lines[1] ?? '')?.[1] ?? ''), 'utf8').split('kind: Rollout')[1] ?? '')?.[1] as string) : '';
    expect(name).not.toBe('');
    const demoBefore = await rollout('default', 'demo');
    expect(demoBefore).toBeDefined();

    const transcript: string[] = [];
    for (const line of lines) {
      const r = await sh(line);
      transcript.push(`$ ${line}\n${r.out}${r.err}(exit ${r.code})`);
      const where = `\n--- after:\n${transcript.join('\n')}\n--- demo:\n${demoOut.slice(-2000)}`;
      if (r.code !== 0) throw new Error(`a quick-start line failed${where}`);
      const comment = /\s#\s*(.*)$/.exec(line)?.[1] ?? '';
      const command = line.replace(/\s+#.*$/, '');
      const readOnly = /^kubectl rollouts .*\b(get|status|list|version)\b/.test(command) || /^kubectl create namespace/.test(command);
      const ro = readOnly ? await rollout(ns, name) : await settle(ns, name);
      // What the comments promise.
      const paused = /paused at (?:step )?(\d+)\/(\d+)/i.exec(comment);
      if (paused !== null) {
        if (!new RegExp(`Step:\\s+${paused[1]}/${paused[2]}\\n`).test(r.out) || !/Status:\s+\S*\s*Paused/.test(r.out)) throw new Error(`not "${paused[0]}"${where}`);
      }
      const pods = /(\d+) pods/.exec(comment);
      if (pods !== null && (r.out.match(/□ /g) ?? []).length !== Number(pods[1])) throw new Error(`not ${pods[0]}${where}`);
      if (/exit 0 once Healthy/.test(comment) && r.out.trimEnd().split('\n').pop() !== 'Healthy') throw new Error(`status did not end Healthy${where}`);
      if (/Degraded/.test(comment) && ro?.status?.phase !== 'Degraded') throw new Error(`not Degraded: ${ro?.status?.phase}${where}`);
      const healthyOn = /Healthy on (\S+)/.exec(comment);
      if (healthyOn !== null) {
        const image = ro?.spec.template.spec.containers[0]?.image;
        if (ro?.status?.phase !== 'Healthy' || image !== healthyOn[1]) throw new Error(`not Healthy on ${healthyOn[1]} (${ro?.status?.phase}, ${image})${where}`);
      }
    }

    // The documented end state: Healthy, the current revision stable.
    const end = await settle(ns, name);
    expect(end?.status?.phase).toBe('Healthy');
    expect(end?.status?.currentPodHash).toBe(end?.status?.stableRS);
    // The demo kept running and its Rollout is the demo's: same object, same image, still in "default".
    expect(demoExit).toBeUndefined();
    const demoAfter = await rollout('default', 'demo');
    expect(demoAfter?.spec.template.spec.containers.map((c) => c.image)).toEqual(demoBefore?.spec.template.spec.containers.map((c) => c.image));
    expect((await sh(`kubectl get services -n default -o name`)).out).not.toMatch(new RegExp(`service/${name}-`));
  });
});
