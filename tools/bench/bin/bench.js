#!/usr/bin/env node
'use strict';
/**
 * npm run bench [-- <scenario>...] [--full] [--no-pin] [--cpu-prof DIR] [--whole-prof] [--heap-snapshot DIR]
 *                 [--soak-seconds N] [--workers N]
 *
 * Performance figures (perf.md §4), run over the built dist of the packages (`npm run bench` builds first):
 *   calibration  kube-sim's own request ceilings (always run before m2..m5)
 *   m1  pure decisions per second (in this process)
 *   m2  no-op reconciles per second at N = 100, 1,000 (and 10,000 with --full), forced resync
 *   m3  template change -> first canary scale, p50/p99, single and burst, +0 and +5 ms per write
 *   m4  API writes per completed canary against the theoretical minimum
 *   m5  controller heap and RSS per 1,000 rollouts, and growth over a churn soak (1 min; --full: 10 min)
 * kube-sim (with the load driver, lib/sim-driver.js) and the controller (lib/controller-process.js) run as
 * two child processes, pinned to cores 0 and 1 when taskset exists. Output: one JSON line per figure on
 * stdout, progress on stderr, and a markdown table of every figure at the end (stdout).
 */
const { createReport } = require('../lib/report');
const { startEnvironment } = require('../lib/environment');
const { calibrate } = require('../lib/calibration');
const { m1 } = require('../lib/m1');
const { m2 } = require('../lib/m2');
const { m3 } = require('../lib/m3');
const { m4 } = require('../lib/m4');
const { m5 } = require('../lib/m5');

const SCENARIOS = { m1, m2, m3, m4, m5 };

function parseArgs(argv) {
  const opts = { scenarios: [], full: false, pin: true, cpuProf: undefined, soakSeconds: undefined };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--full') opts.full = true;
    else if (a === '--no-pin') opts.pin = false;
    else if (a === '--cpu-prof') opts.cpuProf = argv[++i];
    else if (a === '--whole-prof') opts.wholeProfile = true;
    else if (a === '--workers') opts.workers = Number(argv[++i]);
    else if (a === '--heap-snapshot') opts.heapSnapshot = argv[++i];
    else if (a === '--soak-seconds') opts.soakSeconds = Number(argv[++i]);
    else if (a === 'calibration' || SCENARIOS[a.toLowerCase()] !== undefined) opts.scenarios.push(a.toLowerCase());
    else throw new Error(`unknown argument ${a} (scenarios: calibration, ${Object.keys(SCENARIOS).join(', ')}; options: --full, --no-pin, --cpu-prof DIR, --soak-seconds N)`);
  }
  if (opts.scenarios.length === 0) opts.scenarios = ['m1', 'm2', 'm3', 'm4', 'm5'];
  return opts;
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const report = createReport();
  const started = Date.now();
  const m = report.machine;
  report.log(`rollouts bench ${report.commit}: node ${process.version}, ${m.cores} x ${m.cpu}, ${m.kernel}, load ${m.loadavg.join(' ')}${opts.full ? ', --full' : ''}`);
  const wanted = (s) => opts.scenarios.includes(s);
  if (wanted('m1')) await m1(undefined, report);
  const needsEnv = ['calibration', 'm2', 'm3', 'm4', 'm5'].some(wanted);
  if (needsEnv) {
    const env = await startEnvironment({ pin: opts.pin, profileDir: opts.cpuProf, wholeProfile: opts.wholeProfile });
    env.ceilings = report.ceilings;
    env.memorySamples = [];
    report.log(`kube-sim ${env.url} (pid ${env.simPid}), controller pid ${env.controllerPid}${env.pinned ? ', pinned to cores 0 and 1' : ', not pinned'}`);
    try {
      await calibrate(env, report);
      await env.startController(opts.workers);
      env.baseline = await env.controller('memory', {});
      if (opts.heapSnapshot !== undefined) await env.controller('heapSnapshot', { file: require('node:path').join(opts.heapSnapshot, 'baseline.heapsnapshot') });
      for (const s of ['m2', 'm3', 'm4', 'm5']) if (wanted(s)) await SCENARIOS[s](env, report, opts);
    } finally {
      await env.stop();
    }
  }
  const seconds = (Date.now() - started) / 1000;
  process.stdout.write(`\n### rollouts bench (${report.commit}, node ${process.version}, ${m.cores} x ${m.cpu}, ${opts.full ? 'full' : 'quick'}, ${seconds.toFixed(0)} s)\n\n`);
  const c = report.ceilings();
  if (Object.keys(c).length > 0) process.stdout.write(`Calibration: ${JSON.stringify(c)}\n\n`);
  process.stdout.write(`${report.table()}\n`);
}

main().catch((e) => {
  process.stderr.write(`bench failed: ${e && e.stack ? e.stack : e}\n`);
  process.exit(1);
});
