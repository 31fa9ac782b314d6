// Notifications from the controller *process*, two replicas with leader election, the leader killed with SIGKILL
// (no graceful stop, its Lease left to expire) in the middle of an update: each trigger reaches the webhook exactly
// once and in order — the new leader neither re-sends what the dead one sent nor misses what comes after. The
// webhook is a local HTTP server; the notification ConfigMap uses the built-in templates and triggers (a webhook's
// body is the template's message). One kube-sim for the file; every process is killed at the end.
import * as fs from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { customResourceDefinitions } from '@rollouts/api';
import { resourcePath, Resources } from '@rollouts/k8s';
import { startKubeSim, type KubeObject, type KubeSim } from '@rollouts/kube-sim';
import { killAll, logged, simUser, startController, waitFor } from './ControllerProcess';

jest.setTimeout(120_000);

const NS = 'default';
let sim: KubeSim;
let dir: string;
let hook: Server;
const received: Array<{ path: string; body: string }> = [];

beforeAll(async () => {
  sim = await startKubeSim({ objects: customResourceDefinitions() as unknown as KubeObject[], workloads: { readinessDelayMs: 50 } });
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rollouts-notify-process-'));
  sim.writeKubeConfig(path.join(dir, 'kubeconfig'));
  hook = createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString('utf8')));
    req.on('end', () => {
      received.push({ path: req.url ?? '', body });
      res.writeHead(200).end('ok');
    });
  });
  await new Promise<void>((r) => hook.listen(0, '127.0.0.1', r));
});
afterAll(async () => {
  killAll();
  await new Promise((r) => hook?.close(r));
  await sim?.stop();
  if (dir !== undefined) fs.rmSync(dir, { recursive: true, force: true });
});

test('two replicas, the leader killed (SIGKILL) mid-update: every trigger reaches the webhook once, in order', async () => {
  const u = simUser(sim, NS);
  const port = (hook.address() as AddressInfo).port;
  await u.send('POST', resourcePath({ group: '', version: 'v1', plural: 'configmaps', kind: 'ConfigMap', namespaced: true }, NS), {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'argo-rollouts-notification-configmap' },
    data: { 'service.webhook.hook': `url: http://127.0.0.1:${port}\n`, 'template.rollout-updated': 'message: updated {{.rollout.metadata.name}}\nwebhook:\n  hook:\n    method: POST\n    path: /updated\n' },
  });
  const subscribe = Object.fromEntries(['on-rollout-updated', 'on-rollout-step-completed', 'on-rollout-completed'].map((t) => [`notifications.argoproj.io/subscribe.${t}.hook`, '']));
  for (const s of ['notify-canary', 'notify-stable'])
    await u.send('POST', resourcePath(Resources.services, NS), { apiVersion: 'v1', kind: 'Service', metadata: { name: s }, spec: { selector: { app: 'notify' }, ports: [{ port: 80 }] } });
  await u.send('POST', resourcePath(Resources.rollouts, NS), {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Rollout',
    metadata: { name: 'notify', annotations: subscribe },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: 'notify' } },
      template: { metadata: { labels: { app: 'notify' } }, spec: { containers: [{ name: 'app', image: 'demo:1' }] } },
      strategy: { canary: { canaryService: 'notify-canary', stableService: 'notify-stable', steps: [{ setWeight: 25 }, { pause: {} }, { setWeight: 75 }] } },
    },
  });

  const election = ['--leader-elect', '--leader-election-namespace', NS, '--leader-election-name', 'notify-process', '--leader-election-lease-duration', '4s', '--leader-election-renew-deadline', '3s', '--leader-election-retry-period', '400ms', '--healthz-port', '0', '--metrics-port', '0'];
  const start = (name: string) => startController(path.join(dir, 'kubeconfig'), election, { POD_NAME: name, POD_NAMESPACE: NS });
  const a = start('replica-a');
  await waitFor('a leads', () => logged(a, 'started leading'));
  const b = start('replica-b');
  await waitFor('b synced', () => logged(b, 'caches synced'));
  const v1 = await waitFor('v1 healthy', () => u.healthy('notify'));
  // The first deploy is an update and a completion too (as Argo's events say).
  await waitFor('the first deploy sent', () => received.length >= 2, 15_000);
  const first = received.map((r) => r.body);

  await u.setImage('notify', 'demo:2');
  await waitFor('paused at step 2', () => {
    const s = u.rollout('notify')?.status;
    return s?.currentPodHash !== v1.status!.stableRS && s?.currentStepIndex === 1 && (s.pauseConditions ?? []).length > 0;
  });
  // What the leader sends for this part of the update (updated, step 1 completed) arrives before it dies.
  await waitFor('updated and step 1 sent', () => received.length >= first.length + 2, 15_000);
  a.child.kill('SIGKILL');
  await a.exited;
  await waitFor('b leads after the Lease expires', () => logged(b, 'started leading'), 20_000);
  await u.promote('notify');
  await waitFor('v2 healthy under b', () => u.healthy('notify'), 30_000);
  await waitFor('the completion sent by b', () => received.filter((r) => r.body.includes('has been completed')).length >= 2, 15_000);
  // Nothing more trickles in.
  await new Promise((r) => setTimeout(r, 1500));

  const messages = received.map((r) => `${r.path} ${r.body.trim()}`);
  // The step numbers are those of the completed steps (Argo's shipped template over the completed step's index).
  expect(messages).toEqual([
    '/updated updated notify',
    '/ Rollout notify has been completed.',
    '/updated updated notify',
    '/ Rollout notify step number 1/3 has been completed.',
    '/ Rollout notify step number 2/3 has been completed.',
    '/ Rollout notify step number 3/3 has been completed.',
    '/ Rollout notify has been completed.',
  ]);
  b.child.kill('SIGTERM');
  await b.exited;
});
