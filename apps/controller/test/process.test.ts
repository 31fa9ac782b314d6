// End-to-end on the controller *process* (src/main.ts run by node, compiled on load): flags, endpoints, a kill -9
// mid-rollout and a restart that continues from status alone, and two replicas with leader election where the
// leader is killed and the other takes over. One kube-sim for the file; every process is killed at the end.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { customResourceDefinitions } from '@rollouts/api';
import { startKubeSim, type KubeObject, type KubeSim } from '@rollouts/kube-sim';
import { freePort, killAll, logged, startController, waitFor, simUser } from './ControllerProcess';

jest.setTimeout(90_000);

const NS = 'default';
let sim: KubeSim;
let dir: string;

beforeAll(async () => {
  sim = await startKubeSim({ objects: customResourceDefinitions() as unknown as KubeObject[], workloads: { readinessDelayMs: 50 } });
  u = simUser(sim, NS);
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rollouts-process-'));
  sim.writeKubeConfig(path.join(dir, 'kubeconfig'));
});
afterAll(async () => {
  killAll();
  await sim?.stop();
  if (dir !== undefined) fs.rmSync(dir, { recursive: true, force: true });
});

/** Start `rollouts-controller` with `args` (JSON logs on stderr). */
const startProcess = (args: string[], env: Record<string, string> = {}) => startController(path.join(dir, 'kubeconfig'), args, env);

let u: ReturnType<typeof simUser>;
const user = (method: string, p: string, body: unknown) => u.send(method, p, body);
const rollout = (name: string) => u.rollout(name);
const healthy = (name: string) => u.healthy(name);

const createRollout = (name: string, steps: unknown[]) => u.createRollout(name, steps);
const setImage = (name: string, image: string) => u.setImage(name, image);
const promote = (name: string) => u.promote(name);

test('bad flags exit 2 with the flag named; --help and --version exit 0', async () => {
  const bad = startProcess(['--rollout-threads', 'many']);
  expect((await bad.exited).code).toBe(2);
  const help = startProcess(['--help']);
  expect((await help.exited).code).toBe(0);
});

test('endpoints, kill -9 mid-rollout, and a restart that continues from status alone', async () => {
  const first = startProcess(['--leader-elect=false', '--healthz-port', String(await freePort()), '--metrics-port', String(await freePort())]);
  const started = await waitFor('start-up log', () => logged(first, 'rollouts controller starting'));
  await waitFor('caches synced', () => logged(first, 'caches synced'));
  const health = `http://127.0.0.1:${String(started['healthzPort'])}`;
  expect((await fetch(`${health}/healthz`)).status).toBe(200);
  expect((await fetch(`${health}/readyz`)).status).toBe(200);
  const metrics = await fetch(`http://127.0.0.1:${String(started['metricsPort'])}/metrics`);
  // 200 with Argo's metric names once prom-client is installed; 503 saying so before.
  if (metrics.status === 200) {
    const text = await metrics.text();
    for (const name of ['rollout_info', 'controller_clientset_k8s_request_total', 'argo_rollouts_controller_info']) expect(text).toContain(name);
  } else expect(await metrics.text()).toContain('prom-client');

  await createRollout('killed', [{ setWeight: 25 }, { pause: {} }, { setWeight: 50 }, { pause: { duration: '1s' } }, { setWeight: 75 }]);
  const v1 = await waitFor('v1 healthy', () => healthy('killed'));
  await setImage('killed', 'demo:2');
  await waitFor('paused at step 2', () => {
    const s = rollout('killed')?.status;
    return s?.currentPodHash !== v1.status!.stableRS && s?.currentStepIndex === 1 && (s.pauseConditions ?? []).length > 0;
  });
  first.child.kill('SIGKILL');
  await first.exited;
  await promote('killed');

  const second = startProcess(['--leader-elect=false', '--healthz-port', '0', '--metrics-port', '0']);
  const done = await waitFor('v2 healthy after the restart', () => healthy('killed'), 30_000);
  expect(done.status!.stableRS).not.toBe(v1.status!.stableRS);
  const owned = (sim.objects.list('apps/v1', 'ReplicaSet', NS) as unknown as Array<{ metadata: { name: string } }>).filter((rs) => rs.metadata.name.startsWith('killed-'));
  expect(owned).toHaveLength(2);

  // A graceful stop: SIGTERM, exit 0.
  second.child.kill('SIGTERM');
  expect((await second.exited).code).toBe(0);
  expect(logged(second, 'controller stopped')).toBeDefined();
});

test('two replicas with leader election: the leader is killed, the other takes over', async () => {
  const election = ['--leader-elect', '--leader-election-namespace', NS, '--leader-election-name', 'process-test', '--leader-election-lease-duration', '4s', '--leader-election-renew-deadline', '3s', '--leader-election-retry-period', '400ms', '--healthz-port', '0', '--metrics-port', '0'];
  const a = startProcess(election, { POD_NAME: 'replica-a' });
  await waitFor('a leads', () => logged(a, 'started leading'));
  const b = startProcess(election, { POD_NAME: 'replica-b' });
  await waitFor('b synced', () => logged(b, 'caches synced'));

  await createRollout('elected', [{ setWeight: 25 }, { pause: {} }, { setWeight: 75 }]);
  const v1 = await waitFor('v1 healthy', () => healthy('elected'));
  expect(logged(b, 'started leading')).toBeUndefined();
  await setImage('elected', 'demo:2');
  await waitFor('paused at step 2', () => {
    const s = rollout('elected')?.status;
    return s?.currentPodHash !== v1.status!.stableRS && s?.currentStepIndex === 1;
  });

  a.child.kill('SIGKILL');
  await a.exited;
  await waitFor('b leads after the Lease expires', () => logged(b, 'started leading'), 15_000);
  await promote('elected');
  const done = await waitFor('v2 healthy under b', () => healthy('elected'), 20_000);
  expect(done.status!.stableRS).not.toBe(v1.status!.stableRS);
  const lease = sim.objects.get('coordination.k8s.io/v1', 'Lease', 'process-test', NS) as unknown as { spec: { holderIdentity: string } };
  expect(lease.spec.holderIdentity.startsWith('replica-b_')).toBe(true);
  b.child.kill('SIGTERM');
  expect((await b.exited).code).toBe(0);
});
