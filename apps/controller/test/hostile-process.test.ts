// Hostile objects against the controller *process* (src/main.ts, as the image runs it) on kube-sim (issue #15):
// a metricName pattern that backtracks exponentially in JavaScript, numbers no controller can act on, and a secret
// argument quoted unquoted in a condition, all at once. While they exist the process must stay live (/healthz
// answers within the kubelet's default probe timeout of 1 s, every time it is asked), a control Rollout must
// complete its update, each hostile object must carry its explanation, no reconcile may throw, and no 4-character
// fragment of the secret may appear in any object, Event or log line.
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { customResourceDefinitions } from '@rollouts/api';
import { resourcePath, Resources } from '@rollouts/k8s';
import { startKubeSim, type KubeObject, type KubeSim } from '@rollouts/kube-sim';
import { freePort, killAll, logged, simUser, startController, waitFor } from './ControllerProcess';

jest.setTimeout(120_000);

const NS = 'default';
const TOKEN = 'S3CR3T-TOKEN-q7Zx9';
/** The kubelet's default livenessProbe timeoutSeconds. */
const PROBE_TIMEOUT_MS = 1_000;

let sim: KubeSim;
let dir: string;
let web: http.Server;
let u: ReturnType<typeof simUser>;

beforeAll(async () => {
  sim = await startKubeSim({ objects: customResourceDefinitions() as unknown as KubeObject[], workloads: { readinessDelayMs: 50 } });
  u = simUser(sim, NS);
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rollouts-hostile-'));
  sim.writeKubeConfig(path.join(dir, 'kubeconfig'));
  // A metric endpoint answering {"ok":true} (the web provider's `result`).
  web = http.createServer((_req, res) => res.writeHead(200, { 'Content-Type': 'application/json' }).end('{"ok":true}'));
  await new Promise<void>((resolve) => web.listen(0, '127.0.0.1', resolve));
});
afterAll(async () => {
  killAll();
  web?.close();
  await sim?.stop();
  if (dir !== undefined) fs.rmSync(dir, { recursive: true, force: true });
});

const create = (resource: typeof Resources.rollouts, body: object) => u.send('POST', resourcePath(resource, NS), body);
const get = (apiVersion: string, kind: string, name: string) => sim.objects.get(apiVersion, kind, name, NS) as { status?: Record<string, unknown> } | undefined;
const conditionOf = (name: string, type: string) => ((get('argoproj.io/v1alpha1', 'Rollout', name)?.status?.['conditions'] ?? []) as Array<{ type: string; message?: string }>).find((c) => c.type === type);

/** Whether /healthz answered 200 within the probe timeout. */
async function live(port: number): Promise<boolean> {
  try {
    const res = await fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(PROBE_TIMEOUT_MS) });
    return res.status === 200;
  } catch {
    return false;
  }
}

test('hostile objects: the process stays live, a control Rollout completes, each hostile object is explained, no secret fragment anywhere', async () => {
  const healthzPort = await freePort();
  const proc = startController(path.join(dir, 'kubeconfig'), ['--leader-elect=false', '--healthz-port', String(healthzPort), '--metrics-port', '0']);
  await waitFor('caches synced', () => logged(proc, 'caches synced'));
  await u.createRollout('control', [{ setWeight: 50 }, { pause: { duration: '1s' } }]);
  await waitFor('control Healthy', () => u.healthy('control'));

  // Probe liveness every 200 ms from here on, as a kubelet would (more often).
  const probes: boolean[] = [];
  let probing = true;
  const prober = (async () => {
    while (probing) {
      probes.push(await live(healthzPort));
      await new Promise((r) => setTimeout(r, 200));
    }
  })();

  try {
    const base = `http://127.0.0.1:${(web.address() as AddressInfo).port}`;
    // 1. A backtracking pattern on a metric named 40 a's then b.
    await create(Resources.analysisRuns, {
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'AnalysisRun',
      metadata: { name: 'backtracking' },
      spec: { metrics: [{ name: `${'a'.repeat(40)}b`, provider: { web: { url: `${base}/ok` } } }], dryRun: [{ metricName: '(a+)+$' }] },
    });
    // 2. A number no controller can act on.
    await create(Resources.rollouts, {
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'Rollout',
      metadata: { name: 'nan-surge' },
      spec: {
        replicas: 2,
        selector: { matchLabels: { app: 'nan-surge' } },
        template: { metadata: { labels: { app: 'nan-surge' } }, spec: { containers: [{ name: 'app', image: 'demo:1' }] } },
        strategy: { canary: { maxSurge: 'NaN%', steps: [{ setWeight: 50 }] } },
      },
    });
    // 3. A secret argument used unquoted in a condition.
    await u.send('POST', resourcePath(Resources.secrets, NS), { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'creds' }, stringData: { token: TOKEN } });
    await create(Resources.analysisRuns, {
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'AnalysisRun',
      metadata: { name: 'leaky' },
      spec: {
        args: [{ name: 'token', valueFrom: { secretKeyRef: { name: 'creds', key: 'token' } } }],
        metrics: [{ name: 'check', successCondition: 'result == {{args.token}}', consecutiveErrorLimit: 0, provider: { web: { url: `${base}/ok` } } }],
      },
    });

    // The control Rollout completes an update while the hostile objects exist.
    const before = u.rollout('control')?.status?.currentPodHash;
    await u.setImage('control', 'demo:2');
    await waitFor('control completes its update', () => {
      const done = u.healthy('control');
      return done !== undefined && done.status?.currentPodHash !== before ? done : undefined;
    }, 30_000);

    // Each hostile object carries its explanation.
    const backtracking = await waitFor('backtracking run finished', () => {
      const r = get('argoproj.io/v1alpha1', 'AnalysisRun', 'backtracking');
      return r?.status?.['phase'] === 'Error' ? r : undefined;
    });
    expect(backtracking.status?.['message']).toBe("Analysis spec invalid: dryRun[0]: Rule didn't match any metric name(s)");
    const invalid = await waitFor('nan-surge InvalidSpec', () => conditionOf('nan-surge', 'InvalidSpec'));
    expect(invalid.message).toContain('spec.strategy.canary.maxSurge: Invalid value: "NaN%"');
    const leaky = await waitFor('leaky run finished', () => {
      const r = get('argoproj.io/v1alpha1', 'AnalysisRun', 'leaky');
      const phase = r?.status?.['phase'];
      return typeof phase === 'string' && ['Error', 'Failed', 'Successful', 'Inconclusive'].includes(phase) ? r : undefined;
    });
    expect(JSON.stringify(leaky.status)).toContain('it uses the secret argument \\"token\\"');

  } finally {
    probing = false;
    await prober;
  }
  // Probed while the hostile objects were being handled, and once more now that each is explained.
  probes.push(await live(healthzPort));
  expect(probes.length).toBeGreaterThanOrEqual(2);
  expect(probes.filter((ok) => !ok)).toEqual([]);
  expect(proc.lines.filter((l) => String(l['msg'] ?? '').includes('reconcile threw'))).toEqual([]);

  // No fragment of the secret in objects, Events or the log.
  const kinds: Array<[string, string]> = [
    ['argoproj.io/v1alpha1', 'Rollout'],
    ['argoproj.io/v1alpha1', 'AnalysisRun'],
    ['apps/v1', 'ReplicaSet'],
    ['v1', 'Event'],
  ];
  const text = JSON.stringify(kinds.map(([v, k]) => sim.objects.list(v, k, NS))) + JSON.stringify(proc.lines);
  const fragments: string[] = [];
  for (let i = 0; i + 4 <= TOKEN.length; i++) if (text.includes(TOKEN.slice(i, i + 4))) fragments.push(TOKEN.slice(i, i + 4));
  expect(fragments).toEqual([]);
});
