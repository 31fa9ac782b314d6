'use strict';
/**
 * The controller under test, in its own process (perf.md §4.1 process C), so that its heap and CPU are its
 * own. Started by lib/environment.js with `--expose-gc`; answers the bench process over IPC (lib/ipc.js).
 *
 * Forced resync: the informers' resync timers are armed with a sentinel interval through a wrapping clock;
 * `resync` fires them all at once (every cached object is re-announced, as a 15 min resync does) and
 * measures how long the controller takes to reconcile every key again.
 */
const path = require('node:path');
const root = path.resolve(__dirname, '../../..');
const { createController } = require(path.join(root, 'packages/controller/dist'));
const { loadKubeConfig, systemClock } = require(path.join(root, 'packages/k8s/dist'));
const { serve } = require('./ipc');

const RESYNC_SENTINEL_MS = 987_654_321;

/** The system clock, except that informer resync timers wait for `fireResync()`. */
function resyncClock() {
  let armed = [];
  return {
    clock: {
      now: systemClock.now,
      setTimeout(fn, ms) {
        if (ms !== RESYNC_SENTINEL_MS) return systemClock.setTimeout(fn, ms);
        const entry = { fn, cancelled: false };
        armed.push(entry);
        return { cancel: () => void (entry.cancelled = true) };
      },
    },
    fireResync() {
      const due = armed.filter((e) => !e.cancelled);
      armed = [];
      for (const e of due) e.fn();
      return due.length;
    },
  };
}

/** A CPU profile of a window (inspector), written as a .cpuprofile file. */
const profiler = (() => {
  const inspector = require('node:inspector');
  const fs = require('node:fs');
  let session;
  const post = (method, params) => new Promise((resolve, reject) => session.post(method, params, (err, r) => (err ? reject(err) : resolve(r))));
  return {
    async start() {
      session = new inspector.Session();
      session.connect();
      await post('Profiler.enable');
      await post('Profiler.setSamplingInterval', { interval: 200 });
      await post('Profiler.start');
    },
    async stop(file) {
      const { profile } = await post('Profiler.stop');
      fs.writeFileSync(file, JSON.stringify(profile));
      session.disconnect();
    },
  };
})();

/**
 * Logging: off by default (the figures are logs-off); BENCH_CONTROLLER_LOG=<file> writes info-level JSON lines
 * there (BENCH_CONTROLLER_LOG_LEVEL=debug for more), to compare logs-on or to follow one rollout.
 */
function fileLogger(file, level) {
  const out = require('node:fs').createWriteStream(file);
  const line = (lvl) => (message, fields) => out.write(`${JSON.stringify({ t: Date.now(), level: lvl, message, ...(fields || {}) })}\n`);
  const off = () => undefined;
  return { debug: level === 'debug' ? line('debug') : off, info: line('info'), warn: line('warn'), error: line('error') };
}

let controller;
const timers = resyncClock();
/** Reconciles seen through the metrics hook. */
const stats = { rollouts: 0, errors: 0, lastEndMs: 0, durations: [] };

const gc = () => {
  if (typeof global.gc !== 'function') throw new Error('run with --expose-gc');
  global.gc();
  global.gc();
};

serve({
  async start({ kubeconfig, workers }) {
    controller = createController({
      kubeConfig: loadKubeConfig({ kubeconfig }),
      clock: timers.clock,
      ...(process.env.BENCH_CONTROLLER_LOG ? { log: fileLogger(process.env.BENCH_CONTROLLER_LOG, process.env.BENCH_CONTROLLER_LOG_LEVEL) } : {}),
      resyncMs: RESYNC_SENTINEL_MS,
      ...(workers !== undefined ? { workers: { rollouts: workers } } : {}),
      metrics: {
        reconciled: (r) => {
          if (r.kind !== 'Rollout') return;
          stats.rollouts++;
          if (r.error) stats.errors++;
          stats.lastEndMs = performance.now();
          if (stats.durations.length < 100_000) stats.durations.push(r.durationMs);
        },
      },
    });
    await controller.start();
    return { pid: process.pid };
  },
  /** Heap and RSS after two full collections. */
  memory() {
    gc();
    const m = process.memoryUsage();
    const code = require('node:v8').getHeapSpaceStatistics().find((sp) => sp.space_name === 'code_space');
    return { codeSpace: code ? code.space_used_size : 0, heapUsed: m.heapUsed, rss: m.rss, external: m.external, arrayBuffers: m.arrayBuffers, cachedRollouts: controller ? controller.rollouts().length : 0 };
  },
  /**
   * Fire every informer's resync now and wait until reconciles stop (`quietMs` without one). Returns the
   * reconciles done, the drain time (fire to the end of the last reconcile) and the CPU time over it. No
   * collection first: a forced full GC right before makes the next reconciles slower than steady state.
   */
  async resync({ quietMs = 300, profile }) {
    // the idle CPU rate of this process (watch bookmarks, timers), subtracted from the drain window
    const idle0 = process.cpuUsage();
    const idleT0 = performance.now();
    await new Promise((r) => setTimeout(r, quietMs));
    const idle = process.cpuUsage(idle0);
    const idleUsPerMs = (idle.user + idle.system) / (performance.now() - idleT0);
    if (profile !== undefined) await profiler.start();
    const before = stats.rollouts;
    const errorsBefore = stats.errors;
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    stats.lastEndMs = t0;
    const fired = timers.fireResync();
    for (;;) {
      await new Promise((r) => setTimeout(r, 20));
      if (performance.now() - stats.lastEndMs >= quietMs) break;
    }
    // CPU over the drain and the quiet wait (the wait is idle: a 20 ms poll, no watch events).
    const drain = process.cpuUsage();
    const windowMs = performance.now() - t0;
    if (profile !== undefined) await profiler.stop(profile);
    return {
      informers: fired,
      reconciles: stats.rollouts - before,
      errors: stats.errors - errorsBefore,
      drainMs: stats.lastEndMs - t0,
      cpuUs: Math.max(0, drain.user + drain.system - (cpu0.user + cpu0.system) - idleUsPerMs * windowMs),
      idleCpuUsPerMs: idleUsPerMs,
      cachedRollouts: controller.rollouts().length,
    };
  },
  /** A heap snapshot (after a full collection) written to `file`. */
  async heapSnapshot({ file }) {
    gc();
    const inspector = require('node:inspector');
    const fs = require('node:fs');
    const session = new inspector.Session();
    session.connect();
    const fd = fs.openSync(file, 'w');
    session.on('HeapProfiler.addHeapSnapshotChunk', (m) => fs.writeSync(fd, m.params.chunk));
    await new Promise((resolve, reject) => session.post('HeapProfiler.takeHeapSnapshot', null, (err) => (err ? reject(err) : resolve())));
    fs.closeSync(fd);
    session.disconnect();
    return file;
  },
  profileStart: () => profiler.start(),
  profileStop: ({ file }) => profiler.stop(file),
  /** Durations (ms) of the Rollout reconciles since the last call: count, mean, p50, p99. */
  takeReconcileStats() {
    const d = stats.durations.splice(0).sort((a, b) => a - b);
    const at = (p) => (d.length === 0 ? 0 : d[Math.min(d.length - 1, Math.ceil((p / 100) * d.length) - 1)]);
    return { count: d.length, meanMs: d.length === 0 ? 0 : d.reduce((a, b) => a + b, 0) / d.length, p50Ms: at(50), p99Ms: at(99) };
  },
  cpu() {
    const c = process.cpuUsage();
    return { us: c.user + c.system, ms: performance.now() };
  },
  counts: () => ({ rollouts: stats.rollouts, errors: stats.errors }),
  async stop() {
    await controller.stop();
    setImmediate(() => process.exit(0));
  },
});
process.on('disconnect', () => process.exit(0));
process.send({ ready: true });
