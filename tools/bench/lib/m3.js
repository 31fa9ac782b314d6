'use strict';
/**
 * M3 latency from a template change (t0: the driver stores the new template in kube-sim) to the first canary
 * scale (t1: kube-sim has served the controller's write that gives the new ReplicaSet replicas > 0), p50 and
 * p99: one rollout at a time, and a burst of N changed at once; each with kube-sim adding 0 and 5 ms to every
 * write. Floors (perf.md M3): single ≈ 1 watch delivery + decisions + the writes on the critical path; burst
 * ≈ N × 2 writes ÷ kube-sim's write ceiling.
 */
const { percentile, round, sleep } = require('./report');

const BURST = 100;
const SINGLE = 20;

async function waitScaled(env, timeoutMs) {
  const until = Date.now() + timeoutMs;
  while ((await env.sim('pendingCount')) > 0) {
    if (Date.now() > until) return false;
    await sleep(5);
  }
  return true;
}

async function m3(env, report, opts) {
  if (env.fleet.length < BURST) await env.ensureFleet(BURST);
  const pool = env.fleet.slice(0, BURST);
  const ceiling = env.ceilings().e_max_rps;
  for (const writeMs of [0, 5]) {
    if (writeMs > 0) await env.sim('writeLatency', { ms: writeMs });
    const label = writeMs > 0 ? ` (+${writeMs} ms per write)` : '';
    report.log(`M3 template change -> first canary scale${label}: ${SINGLE} one at a time, then a burst of ${BURST}`);
    await env.sim('takeLatencies');
    for (let i = 0; i < SINGLE; i++) {
      await env.setFleetImage([pool[i]], env.nextImage(), true);
      await waitScaled(env, 10_000);
    }
    const single = await env.sim('takeLatencies');
    await env.waitFleetHealthy(pool, 60_000);
    await sleep(300);
    const profile = opts.cpuProf !== undefined ? require('node:path').join(opts.cpuProf, `m3-burst-${writeMs}ms.cpuprofile`) : undefined;
    if (profile !== undefined) await env.controller('profileStart');
    const mark = await env.sim('mark');
    await env.controller('takeReconcileStats');
    const [simCpu0, ctlCpu0] = [await env.sim('cpu'), await env.controller('cpu')];
    await env.setFleetImage(pool, env.nextImage(), true);
    await waitScaled(env, 60_000);
    const [simCpu1, ctlCpu1] = [await env.sim('cpu'), await env.controller('cpu')];
    const load = (a, b) => round((100 * (b.us - a.us)) / 1000 / (b.ms - a.ms), 0);
    const window = await env.sim('requests', { since: mark });
    const reconciles = await env.controller('takeReconcileStats');
    if (profile !== undefined) await env.controller('profileStop', { file: profile });
    const burst = await env.sim('takeLatencies');
    await env.waitFleetHealthy(pool, 120_000);
    if (writeMs > 0) await env.sim('clearFaults');
    const s50 = percentile(single.ms, 50);
    const s99 = percentile(single.ms, 99);
    const b50 = percentile(burst.ms, 50);
    const b99 = percentile(burst.ms, 99);
    const floorMs = (BURST * 2 * 1000) / ceiling;
    report.figure({
      scenario: 'M3',
      N: 1,
      metric: `change -> first canary scale, single${label}`,
      value: round(s50, 1),
      unit: 'ms (p50)',
      p50: round(s50, 1),
      p99: round(s99, 1),
      runs: single.ms.length,
      detail: { missing: single.missing },
      target: writeMs === 0 ? { text: 'p99 < 10 ms', met: s99 < 10 } : { text: 'report (serial write chain)' },
    });
    report.figure({
      scenario: 'M3',
      N: BURST,
      metric: `change -> first canary scale, burst${label}`,
      value: round(b99, 1),
      unit: 'ms (p99)',
      p50: round(b50, 1),
      p99: round(b99, 1),
      runs: burst.ms.length,
      detail: { missing: burst.missing, floorMs: round(floorMs, 1), max: round(Math.max(...burst.ms), 1), controllerWritesInWindow: window.writes, reconcilesInWindow: reconciles.count, reconcileMeanMs: round(reconciles.meanMs, 1), reconcileP99Ms: round(reconciles.p99Ms, 1), workers: env.workers, workerBoundMs: round(((BURST / env.workers) * reconciles.meanMs), 0), kubeSimCpuPct: load(simCpu0, simCpu1), controllerCpuPct: load(ctlCpu0, ctlCpu1) },
      target: writeMs === 0 ? { text: `p99 <= 2x floor (${round(2 * floorMs, 0)} ms)`, met: b99 <= 2 * floorMs } : { text: 'report' },
    });
  }
}

module.exports = { m3 };
