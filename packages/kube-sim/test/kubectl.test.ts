// kubectl against the simulator: apply -f, get -o yaml, get -w, patch --type merge.
// Runs the kubectl found on PATH (Debian's kubernetes-client 1.20, or any other; $KUBECTL picks another
// binary); skipped, with the reason printed, when there is none.
import { execFile, spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import YAML from 'yaml';
import { startKubeSim, KubeSim } from '@rollouts/kube-sim';

const KUBECTL = process.env['KUBECTL'] ?? 'kubectl';
const kubectlFound = spawnSync(KUBECTL, ['version', '--client'], { encoding: 'utf8', timeout: 20_000 }).status === 0;
if (!kubectlFound) {
  // eslint-disable-next-line no-console
  console.log('kubectl tests SKIPPED: kubectl is not installed (the test setup should install Debian package kubernetes-client)');
}
const describeIfKubectl = kubectlFound ? describe : describe.skip;

let sim: KubeSim;
let dir: string;
let env: NodeJS.ProcessEnv;

function kubectl(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(KUBECTL, args, { env, timeout: 30_000 }, (err, stdout, stderr) => {
      resolve({ code: err === null ? 0 : typeof err.code === 'number' ? err.code : 1, stdout, stderr });
    });
  });
}

describeIfKubectl('kubectl', () => {
  jest.setTimeout(30_000);

  beforeAll(async () => {
    // kubectl sends bearer tokens only over TLS, so the simulator accepts anonymous requests here.
    sim = await startKubeSim({ token: null });
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kube-sim-kubectl-'));
    sim.writeKubeConfig(path.join(dir, 'kubeconfig'));
    env = { ...process.env, KUBECONFIG: path.join(dir, 'kubeconfig'), HOME: dir, KUBECACHEDIR: path.join(dir, 'cache') };
  });
  afterAll(async () => {
    await sim.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('apply -f creates built-ins, CRDs and custom resources, and a second apply is unchanged', async () => {
    const manifest = path.join(dir, 'app.yaml');
    fs.writeFileSync(
      manifest,
      YAML.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings' }, data: { a: '1' } }) +
        '---\n' +
        YAML.stringify({
          apiVersion: 'apps/v1',
          kind: 'Deployment',
          metadata: { name: 'web' },
          spec: { replicas: 2, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'app', image: 'nginx:1.25' }] } } },
        }),
    );
    const r = await kubectl('apply', '-f', manifest);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('configmap/settings created');
    expect(r.stdout).toContain('deployment.apps/web created');
    const again = await kubectl('apply', '-f', manifest);
    expect(again.stdout).toContain('configmap/settings unchanged');

    const crd = path.join(__dirname, '../../api/crds/rollouts.argoproj.io.yaml');
    const c = await kubectl('apply', '-f', crd);
    expect(c.code).toBe(0);
    const ro = path.join(dir, 'rollout.yaml');
    fs.writeFileSync(
      ro,
      YAML.stringify({
        apiVersion: 'argoproj.io/v1alpha1',
        kind: 'Rollout',
        metadata: { name: 'demo' },
        spec: { replicas: 3, selector: { matchLabels: { app: 'demo' } }, template: { metadata: { labels: { app: 'demo' } }, spec: { containers: [{ name: 'app', image: 'demo:1' }] } }, strategy: { canary: { steps: [{ setWeight: 20 }] } } },
      }),
    );
    const rr = await kubectl('apply', '-f', ro);
    expect(rr.stdout.trim()).toBe('rollout.argoproj.io/demo created');
    expect(sim.objects.get('argoproj.io/v1alpha1', 'Rollout', 'demo', 'default')?.['spec']).toMatchObject({ replicas: 3 });
  });

  it('get -o yaml prints the stored object', async () => {
    const r = await kubectl('get', 'deployment', 'web', '-o', 'yaml');
    expect(r.code).toBe(0);
    const d = YAML.parse(r.stdout) as { kind: string; metadata: { name: string; uid: string; generation: number }; spec: { template: { spec: { containers: Array<{ imagePullPolicy: string }> } } } };
    expect(d.kind).toBe('Deployment');
    expect(d.metadata.uid).toBe(sim.objects.get('apps/v1', 'Deployment', 'web', 'default')?.metadata.uid);
    expect(d.spec.template.spec.containers[0]?.imagePullPolicy).toBe('IfNotPresent');
    const table = await kubectl('get', 'rollouts');
    expect(table.stdout.split('\n')[0]).toMatch(/^NAME\s+DESIRED\s+CURRENT/);
    expect(table.stdout).toMatch(/\ndemo\s+3\s/);
  });

  it('patch --type merge changes the object', async () => {
    const r = await kubectl('patch', 'configmap', 'settings', '--type', 'merge', '-p', '{"data":{"b":"2"}}');
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe('configmap/settings patched');
    expect(sim.objects.get('v1', 'ConfigMap', 'settings', 'default')?.['data']).toEqual({ a: '1', b: '2' });
    const ro = await kubectl('patch', 'rollout', 'demo', '--type', 'merge', '-p', '{"spec":{"paused":true}}');
    expect(ro.code).toBe(0);
    expect(sim.objects.get('argoproj.io/v1alpha1', 'Rollout', 'demo', 'default')?.metadata.generation).toBe(2);
  });

  it('get -w prints changes as they happen', async () => {
    // default output: kubectl asks for Table rows, also inside the watch
    const child = spawn(KUBECTL, ['get', 'configmaps', '-w'], { env });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    try {
      for (let i = 0; i < 100 && !/\nsettings\s/.test(out); i++) await new Promise((r) => setTimeout(r, 50));
      sim.objects.create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'watched', namespace: 'default' } });
      for (let i = 0; i < 100 && !/\nwatched\s/.test(out); i++) await new Promise((r) => setTimeout(r, 50));
    } finally {
      child.kill();
    }
    const lines = out.split('\n').filter((l) => l !== '');
    expect(lines[0]).toMatch(/^NAME\s+DATA\s+AGE$/);
    expect(lines.map((l) => l.split(/\s+/)[0])).toEqual(expect.arrayContaining(['settings', 'watched']));
    expect(sim.requestLog.count({ verb: 'watch', resource: 'configmaps' })).toBeGreaterThanOrEqual(1);
  });
});
