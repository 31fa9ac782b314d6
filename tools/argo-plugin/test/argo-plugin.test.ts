// The compatibility tier of the kubectl plugin (issue #16): Argo Rollouts' own `kubectl-argo-rollouts` (built by
// tools/argo-plugin/build.sh at the pinned release) drives OUR controller on the real control plane, and our
// `kubectl-rollouts get rollout` prints the same tree as Argo's, but for ages.
//
// Run by tools/argo-plugin/run.sh, which builds what is missing, starts its own cluster (tools/kube/start.sh on port
// 27443, state /tmp/rollouts-argo-plugin-kube) and sets ARGO_PLUGIN_TIER=1, ARGO_PLUGIN_BIN and ARGO_PLUGIN_KUBECONFIG.
// Any other jest run (the root one of tools/test-all.sh) skips it, saying why.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';

const root = path.resolve(__dirname, '../../..');
const argoBin = process.env['ARGO_PLUGIN_BIN'] ?? '';
const kubeconfig = process.env['ARGO_PLUGIN_KUBECONFIG'] ?? '';
const kubectl = process.env['KUBECTL'] ?? 'kubectl';
const ourCli = path.join(root, 'apps/cli/bin/kubectl-rollouts.js');
const controllerBin = path.join(root, 'apps/controller/bin/rollouts-controller.js');

function whyNot(): string | undefined {
  if (process.env['ARGO_PLUGIN_TIER'] !== '1') return 'run by tools/argo-plugin/run.sh (ARGO_PLUGIN_TIER=1)';
  if (!argoBin || !fs.existsSync(argoBin)) return `Argo's kubectl-argo-rollouts is absent (${argoBin || 'ARGO_PLUGIN_BIN unset'}): tools/argo-plugin/build.sh`;
  if (!kubeconfig || !fs.existsSync(kubeconfig)) return `no control plane (${kubeconfig || 'ARGO_PLUGIN_KUBECONFIG unset'}): tools/kube/build.sh and start.sh`;
  if (spawnSync(kubectl, ['version', '--client'], { encoding: 'utf8' }).status !== 0) return `kubectl (${kubectl}) not found`;
  for (const f of [path.join(root, 'apps/cli/dist/main.js'), path.join(root, 'apps/controller/dist/main.js')]) {
    if (!fs.existsSync(f)) return `${f} missing: npm run build`;
  }
  return undefined;
}
const skipReason = whyNot();

const ns = `argo-plugin-${Math.random().toString(36).slice(2, 7)}`;
const NAME = 'demo';
const env = { ...process.env, KUBECONFIG: kubeconfig, NO_COLOR: '1' };

interface Run { code: number | null; stdout: string; stderr: string }
/** Runs a command to the end, asynchronously (so that two can run at the same moment). */
function run(cmd: string, args: readonly string[], timeoutMs = 60_000): Promise<Run> {
  return new Promise((resolve) => {
    const p = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    p.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => p.kill('SIGKILL'), timeoutMs);
    p.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
const argo = (...args: string[]) => run(argoBin, ['-n', ns, ...args], 120_000);
const ours = (...args: string[]) => run(process.execPath, [ourCli, '-n', ns, ...args]);
async function kube(...args: string[]): Promise<string> {
  const r = await run(kubectl, args);
  if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')}: exit ${r.code}: ${r.stderr}`);
  return r.stdout;
}
async function apply(obj: unknown): Promise<void> {
  const file = path.join(fs.mkdtempSync('/tmp/argo-plugin-'), 'obj.json');
  fs.writeFileSync(file, JSON.stringify(obj));
  await kube('-n', ns, 'apply', '-f', file);
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Obj = any;
const getRollout = async (): Promise<Obj> => JSON.parse(await kube('-n', ns, 'get', 'rollouts.argoproj.io', NAME, '-o', 'json'));
const listRs = async (): Promise<Obj[]> => JSON.parse(await kube('-n', ns, 'get', 'replicasets', '-o', 'json')).items;

async function waitFor(what: string, ok: (ro: Obj) => boolean, timeoutMs = 90_000): Promise<Obj> {
  const until = Date.now() + timeoutMs;
  let ro: Obj;
  for (;;) {
    ro = await getRollout();
    if (ok(ro)) return ro;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}; status: ${JSON.stringify(ro.status, null, 1)}`);
    await new Promise((r) => setTimeout(r, 300));
  }
}
const observed = (ro: Obj) => ro.status?.observedGeneration === String(ro.metadata.generation) || ro.status?.observedGeneration === ro.metadata.generation;
const healthy = (ro: Obj) => observed(ro) && ro.status?.phase === 'Healthy' && ro.status?.stableRS === ro.status?.currentPodHash && ro.status?.availableReplicas === 2 && ro.status?.replicas === 2;
const pausedAtStep1 = (ro: Obj) => observed(ro) && ro.status?.phase === 'Paused' && ro.status?.currentStepIndex === 1 && (ro.status?.pauseConditions ?? []).length > 0 && ro.status?.updatedReplicas === 1 && ro.status?.availableReplicas === 2;
const imageOf = (ro: Obj) => ro.spec.template.spec.containers[0].image;
/** The revision of the current ReplicaSet (our controller does not copy it onto the Rollout's own annotations, Argo's does). */
const currentRevision = async (ro: Obj): Promise<string | undefined> =>
  (await listRs()).find((x) => x.metadata.labels?.['rollouts-pod-template-hash'] === ro.status?.currentPodHash)?.metadata.annotations?.['rollout.argoproj.io/revision'];

/** Masks the AGE column (k8s HumanDuration: 5s, 3m2s, 1h, 7d...) of a `get rollout` text. */
export function maskAges(text: string): string {
  return text.replace(/(?<=\s)\d+[smhdy](\d+[smhd])?(?=\s)/g, '<age>').replace(/<age> +/g, '<age> ').replace(/ +$/gm, '');
}

/** Both `get rollout NAME --no-color` at the same moment, a few tries until equal (an object may change between the two reads). */
async function compareTrees(moment: string): Promise<void> {
  let last = { argo: '', ours: '' };
  for (let i = 0; i < 5; i++) {
    const [a, o] = await Promise.all([argo('get', 'rollout', NAME, '--no-color'), ours('get', 'rollout', NAME, '--no-color')]);
    expect({ moment, code: a.code, stderr: a.stderr }).toEqual({ moment, code: 0, stderr: '' });
    expect({ moment, code: o.code, stderr: o.stderr }).toEqual({ moment, code: 0, stderr: '' });
    last = { argo: maskAges(a.stdout), ours: maskAges(o.stdout) };
    if (last.argo === last.ours) break;
    await new Promise((r) => setTimeout(r, 1000));
  }
  const dir = path.join(root, '.test-results/argo-plugin');
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, `get-${moment}.argo.txt`), last.argo);
  fs.writeFileSync(path.join(dir, `get-${moment}.ours.txt`), last.ours);
  expect(last.ours).toEqual(last.argo);
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

const d = skipReason === undefined ? describe : describe.skip;
if (skipReason !== undefined) {
  test.skip(`Argo's kubectl-argo-rollouts against our controller: skipped: ${skipReason}`, () => undefined);
}

d("Argo's kubectl-argo-rollouts drives our controller", () => {
  let controller: ChildProcess | undefined;
  let controllerLog = '';

  beforeAll(async () => {
    const crds = fs.readdirSync(path.join(root, 'packages/api/crds')).filter((f) => /\.ya?ml$/.test(f))
      .map((f) => path.join(root, 'packages/api/crds', f))
      .filter((f) => /^kind: CustomResourceDefinition/m.test(fs.readFileSync(f, 'utf8')));
    await kube('apply', '--server-side', '--force-conflicts', ...crds.flatMap((f) => ['-f', f]));
    // (polled here: `kubectl wait` fails at once while a just-created CRD has no status.conditions yet)
    const crdUntil = Date.now() + 60_000;
    for (;;) {
      const items: Obj[] = JSON.parse(await kube('get', ...crds.flatMap((f) => ['-f', f]), '-o', 'json')).items;
      if (items.every((c) => (c.status?.conditions ?? []).some((x: Obj) => x.type === 'Established' && x.status === 'True'))) break;
      if (Date.now() > crdUntil) throw new Error('our CRDs are not Established after 60 s');
      await new Promise((r) => setTimeout(r, 200));
    }
    await kube('create', 'namespace', ns);
    const healthzPort = await freePort();
    controller = spawn(process.execPath, [controllerBin, '--kubeconfig', kubeconfig, '--namespace', ns, '--leader-elect=false',
      '--metrics-port', '0', '--healthz-port', String(healthzPort)], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    controller.stdout?.on('data', (b: Buffer) => (controllerLog += b.toString()));
    controller.stderr?.on('data', (b: Buffer) => (controllerLog += b.toString()));
    const until = Date.now() + 60_000;
    for (;;) {
      const up = await fetch(`http://127.0.0.1:${healthzPort}/healthz`).then((r) => r.ok, () => false);
      if (up) break;
      if (controller.exitCode !== null || Date.now() > until) throw new Error(`our controller did not start:\n${controllerLog.slice(-3000)}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    const labels = { app: NAME };
    for (const name of [`${NAME}-stable`, `${NAME}-canary`]) {
      await apply({ apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: ns }, spec: { selector: labels, ports: [{ port: 80, targetPort: 8080 }] } });
    }
    await apply({
      apiVersion: 'argoproj.io/v1alpha1', kind: 'Rollout', metadata: { name: NAME, namespace: ns },
      spec: {
        replicas: 2, revisionHistoryLimit: 5, selector: { matchLabels: labels },
        template: { metadata: { labels }, spec: { containers: [{ name: 'app', image: 'nginx:1.0', ports: [{ containerPort: 8080 }] }] } },
        strategy: { canary: { stableService: `${NAME}-stable`, canaryService: `${NAME}-canary`, steps: [{ setWeight: 50 }, { pause: {} }] } },
      },
    });
    await waitFor('revision 1 Healthy', healthy);
  }, 180_000);

  afterAll(async () => {
    if (controller && controller.exitCode === null) {
      controller.kill('SIGTERM');
      await new Promise((r) => controller?.once('exit', r));
    }
    fs.mkdirSync(path.join(root, '.test-results/argo-plugin'), { recursive: true });
    fs.writeFileSync(path.join(root, '.test-results/argo-plugin/controller.log'), controllerLog);
    await run(kubectl, ['delete', 'namespace', ns, '--wait=false']);
  }, 60_000);

  test('get rollout: the same tree as ours once Healthy', async () => {
    await compareTrees('healthy');
  }, 60_000);

  test('status --watch=false: Healthy, exit 0', async () => {
    const r = await argo('status', NAME, '--watch=false');
    expect(r).toEqual({ code: 0, stdout: 'Healthy\n', stderr: '' });
  }, 60_000);

  test('set image: a new revision that stops at the pause step; get rollout there matches ours', async () => {
    const r = await argo('set', 'image', NAME, 'app=nginx:2.0');
    expect(r).toEqual({ code: 0, stdout: `rollout "${NAME}" image updated\n`, stderr: '' });
    const ro = await waitFor('paused at step 1', pausedAtStep1);
    expect(imageOf(ro)).toBe('nginx:2.0');
    expect(ro.status.pauseConditions[0].reason).toBe('CanaryPauseStep');
    const st = await argo('status', NAME, '--watch=false');
    expect(st).toEqual({ code: 0, stdout: 'Paused - CanaryPauseStep\n', stderr: '' });
    await compareTrees('paused');
  }, 120_000);

  test('promote: past the pause to Healthy on revision 2; status (watch) exits 0', async () => {
    const r = await argo('promote', NAME);
    expect(r).toEqual({ code: 0, stdout: `rollout '${NAME}' promoted\n`, stderr: '' });
    const st = await argo('status', NAME, '--timeout', '90s');
    expect({ code: st.code, stderr: st.stderr }).toEqual({ code: 0, stderr: '' });
    expect(st.stdout.trim().split('\n').pop()).toBe('Healthy');
    const ro = await waitFor('revision 2 Healthy', healthy);
    expect(await currentRevision(ro)).toBe('2');
    await compareTrees('promoted');
  }, 120_000);

  test('abort: a paused canary goes back to stable, Degraded; status exits 1; get rollout matches ours', async () => {
    expect((await argo('set', 'image', NAME, 'app=nginx:3.0')).code).toBe(0);
    await waitFor('revision 3 paused at step 1', pausedAtStep1);
    const r = await argo('abort', NAME);
    expect(r).toEqual({ code: 0, stdout: `rollout '${NAME}' aborted\n`, stderr: '' });
    const ro = await waitFor('aborted and Degraded', (x) => x.status?.abort === true && x.status?.phase === 'Degraded' && x.status?.availableReplicas === 2);
    expect(ro.status.message).toMatch(/^RolloutAborted: /);
    const st = await argo('status', NAME, '--watch=false');
    expect(st.code).toBe(1);
    expect(st.stdout).toBe('Degraded\n');
    expect(st.stderr).toMatch(/^Error: The rollout is in a degraded state with message: RolloutAborted: /);
    await compareTrees('aborted');
  }, 120_000);

  test('retry rollout: the aborted canary resumes and stops at the pause again', async () => {
    const r = await argo('retry', 'rollout', NAME);
    expect(r).toEqual({ code: 0, stdout: `rollout '${NAME}' retried\n`, stderr: '' });
    const ro = await waitFor('retried, paused at step 1', (x) => x.status?.abort !== true && pausedAtStep1(x));
    expect(imageOf(ro)).toBe('nginx:3.0');
  }, 120_000);

  test('undo: back to revision 2 (nginx:2.0), Healthy, as a new revision 4', async () => {
    const r = await argo('undo', NAME);
    expect(r).toEqual({ code: 0, stdout: `rollout '${NAME}' undo\n`, stderr: '' });
    const ro = await waitFor('undone to nginx:2.0 and Healthy', (x) => imageOf(x) === 'nginx:2.0' && healthy(x));
    expect(await currentRevision(ro)).toBe('4');
    // undo again to the template we have now (revision 4 = revision 2's template): skipped
    const again = await argo('undo', NAME, '--to-revision', '4');
    // (Argo prints this line without a newline)
    expect(again).toEqual({ code: 0, stdout: 'skipped rollback (current template already matches revision 4)', stderr: '' });
    await compareTrees('undone');
  }, 120_000);

  test('restart: every pod is replaced, status.restartedAt set', async () => {
    const podsBefore = JSON.parse(await kube('-n', ns, 'get', 'pods', '-o', 'json')).items.map((p: Obj) => p.metadata.name as string);
    expect(podsBefore.length).toBe(2);
    // restartAt has a precision of a second and Argo restarts the pods created before it: let the newest pod age first
    await new Promise((res) => setTimeout(res, 2100));
    const r = await argo('restart', NAME);
    expect(r).toEqual({ code: 0, stdout: `rollout '${NAME}' restarts in 0s\n`, stderr: '' });
    const ro = await waitFor('restarted', (x) => x.status?.restartedAt !== undefined && x.status.restartedAt === x.spec.restartAt, 120_000);
    expect(ro.spec.restartAt).toBeDefined();
    const until = Date.now() + 90_000;
    let pods: string[] = [];
    for (;;) {
      const items: Obj[] = JSON.parse(await kube('-n', ns, 'get', 'pods', '-o', 'json')).items;
      pods = items.filter((p) => !p.metadata.deletionTimestamp && (p.status?.conditions ?? []).some((c: Obj) => c.type === 'Ready' && c.status === 'True')).map((p) => p.metadata.name);
      if (pods.length === 2 && pods.every((p) => !podsBefore.includes(p))) break;
      if (Date.now() > until) throw new Error(`pods not replaced: before ${podsBefore}, now ${pods}`);
      await new Promise((res) => setTimeout(res, 500));
    }
    await waitFor('Healthy after restart', healthy);
    const st = await argo('status', NAME, '--timeout', '60s');
    expect(st.code).toBe(0);
    await compareTrees('restarted');
  }, 240_000);

  test('listing the ReplicaSets: one per revision kept, scaled as Argo would (2 stable, the rest 0)', async () => {
    const rs = await listRs();
    const ro = await getRollout();
    const stable = rs.find((x) => x.metadata.labels['rollouts-pod-template-hash'] === ro.status.stableRS);
    expect(stable?.spec.replicas).toBe(2);
    expect(rs.filter((x) => x !== stable).every((x) => x.spec.replicas === 0)).toBe(true);
  }, 60_000);
});
