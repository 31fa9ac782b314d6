/**
 * `npm start`: the controller at work on a simulated cluster, in one terminal.
 *
 * 1. starts kube-sim (a Kubernetes API emulator whose pods become ready after `--pod-ready`) and writes its
 *    kubeconfig to a file;
 * 2. starts the controller against it (its logs go to a file);
 * 3. applies a canary Rollout and its two Services, waits for it to be Healthy, then changes the image;
 * 4. shows the update live — step, traffic split, pods of each revision — with how to promote or abort it from
 *    a second terminal; it stops at an indefinite pause until promoted;
 * 5. keeps running (showing any further change) until Ctrl-C, then stops everything cleanly.
 *
 * `--exit-when-done` (tests, CI) promotes the indefinite pause by itself and exits 0 once the update is
 * Healthy (1 when it ends Degraded or `--timeout` passes).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as E from 'fp-ts/lib/Either';
import { customResourceDefinitions, type ReplicaSet, type Rollout } from '@rollouts/api';
import { createKubeWriter, loadKubeConfig, Resources, type KubeWriter } from '@rollouts/k8s';
import { startKubeSim, type KubeObject } from '@rollouts/kube-sim';
import { startControllerApp } from './ControllerApp';
import { renderRollout } from './DemoView';
import { parseDurationMs, parseFlags } from './Flags';
import { createLogger } from './Logging';

export interface DemoIo {
  readonly stdout: { write(s: string): unknown; readonly isTTY?: boolean };
  readonly stderr: { write(s: string): unknown };
  /** Resolves on Ctrl-C. */
  readonly stopSignal: Promise<string>;
}

interface DemoOptions {
  readonly exitWhenDone: boolean;
  readonly podReadyMs: number;
  readonly pauseMs: number;
  readonly timeoutMs: number;
  readonly dir: string;
}

function parseDemoFlags(argv: readonly string[]): E.Either<string, DemoOptions> {
  let exitWhenDone = false;
  let podReadyMs = 1500;
  let pauseMs = 5000;
  let timeoutMs = 300_000;
  let dir = path.join(os.tmpdir(), `rollouts-demo-${process.pid}`);
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = (argv[i] as string).split(/=(.*)/s, 2) as [string, string | undefined];
    const next = () => inline ?? argv[++i];
    const duration = (name: string): E.Either<string, number> => {
      const raw = next();
      const ms = raw === undefined ? undefined : parseDurationMs(raw);
      return ms === undefined ? E.left(`${name}: expected a duration such as 2s or 500ms, got ${JSON.stringify(raw ?? '')}`) : E.right(ms);
    };
    if (flag === '--exit-when-done') exitWhenDone = true;
    else if (flag === '--pod-ready' || flag === '--pause' || flag === '--timeout') {
      const d = duration(flag);
      if (E.isLeft(d)) return d;
      if (flag === '--pod-ready') podReadyMs = d.right;
      else if (flag === '--pause') pauseMs = d.right;
      else timeoutMs = d.right;
    } else if (flag === '--dir') {
      const d = next();
      if (d === undefined || d === '') return E.left('--dir: a directory is required');
      dir = d;
    } else return E.left(`unknown flag ${flag} (flags: --exit-when-done, --pod-ready 1500ms, --pause 5s, --timeout 5m, --dir DIR)`);
  }
  return E.right({ exitWhenDone, podReadyMs, pauseMs, timeoutMs, dir });
}

const NS = 'default';
const NAME = 'demo';
const seconds = (ms: number) => `${Math.max(1, Math.round(ms / 1000))}s`;

function demoObjects(pauseMs: number) {
  const labels = { app: NAME };
  const service = (name: string) => ({ apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: NS }, spec: { selector: labels, ports: [{ name: 'http', port: 80, targetPort: 8080 }] } });
  const rollout = {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Rollout',
    metadata: { name: NAME, namespace: NS },
    spec: {
      replicas: 5,
      revisionHistoryLimit: 2,
      selector: { matchLabels: labels },
      template: { metadata: { labels }, spec: { containers: [{ name: 'web', image: 'nginx:1.25', ports: [{ name: 'http', containerPort: 8080 }] }] } },
      strategy: {
        canary: {
          canaryService: `${NAME}-canary`,
          stableService: `${NAME}-stable`,
          steps: [
            { setWeight: 20 },
            { pause: { duration: seconds(pauseMs) } },
            { setWeight: 40 },
            { pause: {} },
            { setWeight: 60 },
            { pause: { duration: seconds(pauseMs) } },
            { setWeight: 80 },
            { pause: { duration: seconds(pauseMs) } },
          ],
        },
      },
    },
  };
  return { services: [service(`${NAME}-stable`), service(`${NAME}-canary`)], rollout };
}

async function must<A>(what: string, p: Promise<E.Either<{ message: string }, A>>): Promise<A> {
  const r = await p;
  if (E.isLeft(r)) throw new Error(`${what}: ${r.left.message}`);
  return r.right;
}

/** Run the demo; resolves with the exit code. */
export async function runDemo(argv: readonly string[], io: DemoIo): Promise<number> {
  const parsed = parseDemoFlags(argv);
  if (E.isLeft(parsed)) {
    io.stderr.write(`demo: ${parsed.left}\n`);
    return 2;
  }
  const o = parsed.right;
  const say = (s: string) => io.stdout.write(`${s}\n`);
  fs.mkdirSync(o.dir, { recursive: true });
  const kubeconfigPath = path.join(o.dir, 'kubeconfig');
  const logPath = path.join(o.dir, 'controller.log');

  // Anonymous access (it listens on 127.0.0.1 only): kubectl sends no bearer token to a plain-http server.
  const sim = await startKubeSim({ token: null, objects: customResourceDefinitions() as unknown as KubeObject[], workloads: { readinessDelayMs: o.podReadyMs } });
  sim.writeKubeConfig(kubeconfigPath);
  const logFile = fs.createWriteStream(logPath, { flags: 'a' });
  const log = createLogger({ level: 'info', format: 'text', out: logFile });
  const config = parseFlags(['--leader-elect=false', '--metrics-port=0', '--healthz-port=0', '--rollout-resync=0']);
  if (E.isLeft(config)) throw new Error(config.left);
  const kc = loadKubeConfig({ options: sim.kubeConfig });
  const app = await startControllerApp({ config: config.right, log, env: process.env, kubeConfig: kc, host: '127.0.0.1' });
  const writer: KubeWriter = createKubeWriter(kc);
  let stopped = false;
  const stopAll = async () => {
    if (stopped) return;
    stopped = true;
    await app.stop();
    await sim.stop();
    await new Promise<void>((r) => logFile.end(() => r()));
  };

  say('rollouts demo: a canary update on a simulated cluster (kube-sim), reconciled by the real controller.');
  say(`  API server   ${sim.url}   (pods become ready ${o.podReadyMs} ms after they start)`);
  say(`  kubeconfig   ${kubeconfigPath}`);
  say(`  controller   logs in ${logPath}`);
  say('');

  const tty = io.stdout.isTTY === true;
  let drawn = 0;
  let lastBlock = '';
  const draw = (lines: string[]) => {
    const block = lines.join('\n');
    if (block === lastBlock) return;
    lastBlock = block;
    if (tty) {
      if (drawn > 0) io.stdout.write(`\x1b[${drawn}A\x1b[0J`);
      io.stdout.write(`${block}\n`);
      drawn = lines.length;
    } else io.stdout.write(`${block}\n\n`);
  };
  /** Keep what is drawn (print below it from now on). */
  const commit = () => {
    drawn = 0;
    if (tty) lastBlock = '';
  };
  const view = (): Rollout | undefined => {
    const ro = sim.objects.get('argoproj.io/v1alpha1', 'Rollout', NAME, NS) as unknown as Rollout | undefined;
    if (ro?.status == null) return ro;
    const rss = sim.objects.list('apps/v1', 'ReplicaSet', NS) as unknown as ReplicaSet[];
    draw(renderRollout(ro, rss.filter((rs) => (rs.metadata?.ownerReferences ?? []).some((r) => r.uid === ro.metadata?.uid))));
    return ro;
  };
  const healthyAt = (ro: Rollout | undefined, generation: number) =>
    ro?.status?.phase === 'Healthy' && ro.status.observedGeneration === String(generation) && ro.status.currentPodHash === ro.status.stableRS;

  let interrupted = false;
  void io.stopSignal.then(() => {
    interrupted = true;
  });
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
  const deadline = Date.now() + o.timeoutMs;
  /** Redraw until `until` holds; false when interrupted or timed out. */
  const watchUntil = async (until: (ro: Rollout | undefined) => boolean, onTick?: (ro: Rollout | undefined) => Promise<void>): Promise<boolean> => {
    for (;;) {
      const ro = view();
      if (until(ro)) return true;
      if (interrupted || (o.exitWhenDone && Date.now() > deadline)) return false;
      if (onTick !== undefined) await onTick(ro);
      await sleep(100);
    }
  };

  let code = 0;
  try {
    const { services, rollout } = demoObjects(o.pauseMs);
    for (const s of services) await must(`create Service ${s.metadata.name}`, writer.create(Resources.services, NS, s));
    await must('create Rollout', writer.create(Resources.rollouts, NS, rollout));
    say(`created Services ${NAME}-stable and ${NAME}-canary and Rollout ${NAME} (image nginx:1.25, 5 replicas, 8 canary steps)`);
    if (!(await watchUntil((ro) => healthyAt(ro, 1)))) throw new Error(interrupted ? 'interrupted' : 'the first revision did not become Healthy in time');
    commit();
    say('');
    say(`$ kubectl rollouts set image ${NAME} web=nginx:1.26   # a new revision: the canary steps begin`);
    await must(
      'set image',
      writer.patch(Resources.rollouts, NS, NAME, { type: 'merge', body: { spec: { template: { spec: { containers: [{ name: 'web', image: 'nginx:1.26', ports: [{ name: 'http', containerPort: 8080 }] }] } } } } }),
    );
    const env = `KUBECONFIG=${kubeconfigPath}`;
    say('  From a second terminal at the repository root, while it runs (our kubectl plugin, built by npm start; Argo\'s works too):');
    say(`    export ${env} PATH="$PWD/node_modules/.bin:$PATH"`);
    say(`    watch:    kubectl rollouts get rollout ${NAME} --watch`);
    say(`    promote:  kubectl rollouts promote ${NAME}`);
    say(`    abort:    kubectl rollouts abort ${NAME}`);
    say(`    (plain kubectl: kubectl patch rollout ${NAME} --subresource=status --type=merge -p '{"status":{"pauseConditions":null}}')`);
    say('  The README\'s quick start runs there too, in its own namespace (quickstart), beside this Rollout.');
    say('  Ctrl-C here stops the controller and the simulated cluster.');
    say('');
    let pausedSince: number | undefined;
    let promoted = false;
    const ok = await watchUntil(
      (ro) => healthyAt(ro, 2) || (ro?.status?.phase === 'Degraded' && ro.status.abort === true),
      async (ro) => {
        const waiting = (ro?.status?.pauseConditions ?? []).length > 0 && ro?.spec.strategy?.canary?.steps?.[ro.status?.currentStepIndex ?? -1]?.pause?.duration == null;
        if (!o.exitWhenDone || !waiting || promoted) return;
        pausedSince ??= Date.now();
        if (Date.now() - pausedSince < 2000) return;
        promoted = true;
        commit();
        say('(--exit-when-done: promoting the indefinite pause, as you would from the second terminal)');
        await must('promote', writer.patch(Resources.rollouts, NS, NAME, { type: 'merge', body: { status: { pauseConditions: null } } }, { subresource: 'status' }));
      },
    );
    commit();
    const final = sim.objects.get('argoproj.io/v1alpha1', 'Rollout', NAME, NS) as unknown as Rollout | undefined;
    if (!ok) {
      say(interrupted ? '' : 'The update did not finish in time.');
      code = interrupted ? 0 : 1;
    } else if (final?.status?.phase === 'Healthy') {
      say(`Rollout ${NAME} completed: revision 2 is stable and takes all traffic.`);
    } else {
      say(`Rollout ${NAME} was aborted: traffic and pods are back on the stable revision (retry: patch {"status":{"abort":false}}).`);
      code = o.exitWhenDone ? 1 : 0;
    }
    if (!o.exitWhenDone && !interrupted) {
      say(`The controller keeps running: change the Rollout with ${env} kubectl ... and watch it here. Ctrl-C to stop.`);
      say('');
      await watchUntil(() => false);
      commit();
    }
  } catch (e) {
    if (!interrupted) {
      io.stderr.write(`demo: ${e instanceof Error ? e.message : String(e)}\n`);
      code = 1;
    }
  } finally {
    say('Stopping the controller and the simulated cluster...');
    await stopAll();
    say('Stopped cleanly.');
  }
  return code;
}

if (require.main === module) {
  const stopSignal = new Promise<string>((resolve) => {
    let seen = false;
    const on = (s: string) => () => {
      if (seen) process.exit(130);
      seen = true;
      resolve(s);
    };
    process.on('SIGINT', on('SIGINT'));
    process.on('SIGTERM', on('SIGTERM'));
  });
  runDemo(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, stopSignal }).then(
    (code) => process.exit(code),
    (e: unknown) => {
      process.stderr.write(`demo: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
      process.exit(1);
    },
  );
}
