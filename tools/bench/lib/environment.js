'use strict';
/**
 * The processes of a bench run (perf.md §4.1): kube-sim (E) with the load driver inside it, and the controller
 * under test (C), each a child of this process, pinned to cores 0 and 1 when `taskset` exists and `pin` is on.
 * This process only orchestrates and, for the calibration, plays a null client.
 */
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawn, spawnSync } = require('node:child_process');
const { client } = require('./ipc');

const root = path.resolve(__dirname, '../../..');
const KUBE_SIM_CLI = path.join(root, 'packages/kube-sim/bin/kube-sim.js');
/**
 * Fleet layout: 500 rollouts per namespace (`fleet-0`, `fleet-1`, ...). The controller's work per reconcile
 * does not depend on it (its caches are indexed by owner), but kube-sim's simulated endpoints and ReplicaSet
 * controllers scan a namespace's Services and Pods on each Pod change, which at 10,000 in one namespace would
 * make the simulator, not the controller, the bottleneck.
 */
const PER_NAMESPACE = 500;
const fleetName = (i) => `f-${String(i).padStart(5, '0')}`;
const fleetNamespace = (name) => `fleet-${Math.floor(Number(name.slice(2)) / PER_NAMESPACE)}`;

/** Fleet names grouped by namespace: `[[ns, names], ...]`. */
function byNamespace(names) {
  const m = new Map();
  for (const n of names) {
    const ns = fleetNamespace(n);
    if (!m.has(ns)) m.set(ns, []);
    m.get(ns).push(n);
  }
  return [...m.entries()];
}

const hasTaskset = () => spawnSync('taskset', ['--version'], { stdio: 'ignore' }).status === 0;

/** Start a Node child with an IPC channel, optionally pinned to `core`; resolves once it says it is ready. */
function startChild(label, script, args, { core, execArgv = [] }) {
  const node = [...execArgv, script, ...args];
  const [cmd, argv] = core !== undefined ? ['taskset', ['-c', String(core), process.execPath, ...node]] : [process.execPath, node];
  const child = spawn(cmd, argv, { stdio: ['ignore', 'ignore', 'inherit', 'ipc'], cwd: root });
  const call = client(child, label);
  const ready = new Promise((resolve, reject) => {
    const onMessage = (m) => {
      if (m && m.ready) {
        child.off('message', onMessage);
        resolve(m);
      }
    };
    child.on('message', onMessage);
    child.once('exit', (code) => reject(new Error(`${label} exited with ${code} before it was ready`)));
  });
  return ready.then((hello) => ({ child, call, hello }));
}

/**
 * Start kube-sim and the controller. `profileDir` with `wholeProfile`: a CPU profile of the controller's whole
 * life there (`--cpu-prof`); scenarios write profiles of their own windows into `profileDir` besides.
 */
async function startEnvironment({ pin = true, profileDir, wholeProfile = false } = {}) {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'rollouts-bench-'));
  const kubeconfig = path.join(tmp, 'kubeconfig');
  const pinned = pin && os.cpus().length >= 2 && hasTaskset();
  const sim = await startChild('kube-sim', KUBE_SIM_CLI, ['--port', '0', '--kubeconfig', kubeconfig, '--driver', path.join(__dirname, 'sim-driver.js')], {
    core: pinned ? 0 : undefined,
    execArgv: ['--max-old-space-size=4096'],
  });
  const execArgv = ['--expose-gc', '--max-old-space-size=2048'];
  if (profileDir !== undefined && wholeProfile) execArgv.push('--cpu-prof', `--cpu-prof-dir=${profileDir}`);
  const ctl = await startChild('controller', path.join(__dirname, 'controller-process.js'), [], { core: pinned ? 1 : undefined, execArgv });
  const env = {
    url: sim.hello.url,
    pinned,
    sim: sim.call,
    controller: ctl.call,
    controllerPid: ctl.child.pid,
    simPid: sim.child.pid,
    /** Rollouts of the shared fleet (namespace `fleet`), Healthy. */
    fleet: [],
    /** Every Rollout created in this run, all namespaces. */
    rolloutsTotal: 0,
    imageSeq: 1,
    nextImage: () => `demo:${++env.imageSeq}`,
    /** `workers`: rollout workers (default: the controller's own default). */
    async startController(workers) {
      env.workers = workers ?? 10;
      return ctl.call('start', { kubeconfig, ...(workers !== undefined ? { workers } : {}) });
    },
    /** Grow the fleet to `n` Healthy rollouts (each with 2 old revisions); returns the seconds it took. */
    async ensureFleet(n) {
      const t0 = Date.now();
      const names = [];
      for (let i = env.fleet.length; i < n; i++) names.push(fleetName(i));
      for (const [ns, group] of byNamespace(names)) await sim.call('createRollouts', { ns, names: group, replicas: 1, oldRevisions: 2 });
      env.fleet.push(...names);
      env.rolloutsTotal += names.length;
      await env.waitFleetHealthy(env.fleet, 120_000 + n * 30);
      return (Date.now() - t0) / 1000;
    },
    /** Change the image of fleet rollouts (`track`: time each to its first canary scale). */
    async setFleetImage(names, image, track = false) {
      for (const [ns, group] of byNamespace(names)) await sim.call('setImage', { ns, names: group, image, track });
    },
    async waitFleetHealthy(names, timeoutMs) {
      const until = Date.now() + timeoutMs;
      for (const [ns, group] of byNamespace(names)) await sim.call('waitHealthy', { ns, names: group, timeoutMs: Math.max(1000, until - Date.now()) });
    },
    async stop() {
      await ctl.call('stop').catch(() => undefined);
      await waitExit(ctl.child, 10_000);
      sim.child.disconnect();
      sim.child.kill('SIGTERM');
      await waitExit(sim.child, 5_000);
      fs.rmSync(tmp, { recursive: true, force: true });
    },
  };
  return env;
}

function waitExit(child, ms) {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const t = setTimeout(() => {
      child.kill('SIGKILL');
      resolve();
    }, ms);
    child.once('exit', () => {
      clearTimeout(t);
      resolve();
    });
  });
}

module.exports = { startEnvironment };
