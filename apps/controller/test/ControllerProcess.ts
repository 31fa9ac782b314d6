// The controller as a child process for the end-to-end tests (src/main.ts run by node, compiled on load by
// register-ts.js): start it with flags, read its JSON log lines, wait for its exit. Every process started is
// killed by killAll() at the end of a file.
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type AddressInfo } from 'node:net';
import * as path from 'node:path';
import { resourcePath, Resources } from '@rollouts/k8s';

const app = path.resolve(__dirname, '..');
const started: ChildProcess[] = [];

/** A running controller process. */
export interface Proc {
  readonly child: ChildProcess;
  /** JSON log lines so far, each with `at`: ms since the spawn when it was read. */
  readonly lines: Array<Record<string, unknown> & { readonly at: number }>;
  /** The exit code (null after a signal), and ms since the spawn. */
  readonly exited: Promise<{ readonly code: number | null; readonly at: number }>;
  /** When it was spawned (Date.now()). */
  readonly spawnedAt: number;
}

/** Start `rollouts-controller --kubeconfig <kubeconfig> --log-format json <args>`. */
export function startController(kubeconfig: string, args: string[], env: Record<string, string> = {}): Proc {
  const spawnedAt = Date.now();
  const child = spawn(process.execPath, ['-r', path.join(app, 'test/register-ts.js'), path.join(app, 'test/run-main.ts'), '--kubeconfig', kubeconfig, '--log-format', 'json', ...args], {
    cwd: app,
    env: { ...process.env, ...env, NODE_NO_WARNINGS: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  started.push(child);
  const lines: Array<Record<string, unknown> & { at: number }> = [];
  let buf = '';
  child.stderr!.on('data', (d: Buffer) => {
    buf += d.toString();
    let i;
    while ((i = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      const at = Date.now() - spawnedAt;
      try {
        lines.push({ ...(JSON.parse(line) as Record<string, unknown>), at });
      } catch {
        lines.push({ msg: line, at });
      }
      if (process.env['ROLLOUTS_TEST_LOG'] !== undefined) process.stderr.write(`[${child.pid}] ${line}\n`);
    }
  });
  const exited = new Promise<{ code: number | null; at: number }>((resolve) => child.on('exit', (code) => resolve({ code, at: Date.now() - spawnedAt })));
  return { child, lines, exited, spawnedAt };
}

/** Kill (SIGKILL) every process still running. */
export function killAll(): void {
  for (const c of started.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
}

/** Poll `check` every 25 ms until it gives a value. */
export async function waitFor<T>(what: string, check: () => T | undefined | false, timeoutMs = 20_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = check();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** A port free right now (port 0 means "off" to the controller). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

/** The first log line with this message. */
export const logged = (p: Proc, msg: string) => p.lines.find((l) => l['msg'] === msg);

/** The parts of a Rollout the process tests read. */
export interface RolloutView {
  metadata: { generation?: number };
  status?: { phase?: string; currentStepIndex?: number; stableRS?: string; currentPodHash?: string; pauseConditions?: unknown[] | null; observedGeneration?: string };
}

/** What a user does against kube-sim (`sim.url`, `sim.token`, `sim.objects`) in namespace `ns`, with plain HTTP as kubectl would. */
export function simUser(sim: { readonly url: string; readonly token?: string | null | undefined; readonly objects: { get(apiVersion: string, kind: string, name: string, namespace?: string): unknown } }, ns: string) {
  const send = async (method: string, p: string, body: unknown): Promise<void> => {
    const res = await fetch(`${sim.url}${p}`, {
      method,
      headers: { 'Content-Type': method === 'PATCH' ? 'application/merge-patch+json' : 'application/json', Authorization: `Bearer ${sim.token ?? ''}`, 'User-Agent': 'e2e-test' },
      body: JSON.stringify(body),
    });
    if (!res.ok) throw new Error(`${method} ${p}: ${res.status} ${await res.text()}`);
  };
  const rollout = (name: string) => sim.objects.get('argoproj.io/v1alpha1', 'Rollout', name, ns) as RolloutView | undefined;
  return {
    send,
    rollout,
    /** The Rollout when its update is complete (Healthy, observed, stable = current), else undefined. */
    healthy: (name: string): RolloutView | undefined => {
      const ro = rollout(name);
      return ro?.status?.phase === 'Healthy' && ro.status.observedGeneration === String(ro.metadata.generation) && ro.status.currentPodHash === ro.status.stableRS ? ro : undefined;
    },
    /** A 4-replica canary Rollout `name` with its canary and stable Services. */
    async createRollout(name: string, steps: unknown[]): Promise<void> {
      for (const s of [`${name}-canary`, `${name}-stable`])
        await send('POST', resourcePath(Resources.services, ns), { apiVersion: 'v1', kind: 'Service', metadata: { name: s }, spec: { selector: { app: name }, ports: [{ port: 80 }] } });
      await send('POST', resourcePath(Resources.rollouts, ns), {
        apiVersion: 'argoproj.io/v1alpha1',
        kind: 'Rollout',
        metadata: { name },
        spec: {
          replicas: 4,
          selector: { matchLabels: { app: name } },
          template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'app', image: 'demo:1' }] } },
          strategy: { canary: { canaryService: `${name}-canary`, stableService: `${name}-stable`, steps } },
        },
      });
    },
    setImage: (name: string, image: string) => send('PATCH', resourcePath(Resources.rollouts, ns, name), { spec: { template: { spec: { containers: [{ name: 'app', image }] } } } }),
    promote: (name: string) => send('PATCH', resourcePath(Resources.rollouts, ns, name, 'status'), { status: { pauseConditions: null } }),
  };
}
