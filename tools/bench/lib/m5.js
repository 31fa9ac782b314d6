'use strict';
/**
 * M5 memory of the controller process per 1,000 rollouts: heap (after two full collections) and RSS, above
 * the baseline taken with no rollouts, after a full canary on every rollout of the fleet (each then has a
 * stable ReplicaSet, two seeded old revisions and the previous stable one: revisionHistoryLimit 3, plus its
 * two Services). Also the slope between a small fleet and the full one (perf.md: it leaves out fixed costs
 * such as optimised code; the small point comes from M2 when it ran, else M5 takes one at N/10). Then a churn
 * soak: template changes round-robin over the fleet at a steady rate, heap sampled as it goes; growth = heap
 * after the soak (all Healthy again) − heap before it.
 */
const { round, sleep } = require('./report');

const MiB = 2 ** 20;

async function canaryAll(env) {
  await env.setFleetImage(env.fleet, env.nextImage());
  await env.waitFleetHealthy(env.fleet, 120_000 + env.fleet.length * 30);
}

async function sample(env, when) {
  const m = await env.controller('memory', {});
  const s = { when, rollouts: env.rolloutsTotal, ...m };
  env.memorySamples.push(s);
  return s;
}

async function m5(env, report, opts) {
  const base = env.baseline;
  const n = opts.full ? 10_000 : 1000;
  // A second, smaller point for the slope (which leaves out fixed costs such as JIT code), unless M2 took one.
  if (!env.memorySamples.some((s) => s.rollouts > 0 && s.rollouts <= n / 5)) {
    await env.ensureFleet(Math.max(100, n / 10));
    await canaryAll(env);
    await sleep(1000);
    await sample(env, `M5 ${env.fleet.length} after a canary on all`);
  }
  if (env.fleet.length < n) await env.ensureFleet(n);
  report.log(`M5 memory: full canary on all ${env.fleet.length} fleet rollouts`);
  let t0 = Date.now();
  await canaryAll(env);
  report.log(`  canary on all done in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  await sleep(1000);
  const mem = await sample(env, `M5 ${env.fleet.length} after a canary on all`);
  if (opts.heapSnapshot !== undefined) {
    const file = await env.controller('heapSnapshot', { file: require('node:path').join(opts.heapSnapshot, `m5-${env.rolloutsTotal}.heapsnapshot`) });
    report.log(`  heap snapshot: ${file} (growth: node tools/bench/bin/heap-top.js ${require('node:path').join(opts.heapSnapshot, 'baseline.heapsnapshot')} ${file}); RSS figures after this include the snapshot's own memory`);
  }
  const objects = await env.sim('objectCounts');
  const total = env.rolloutsTotal;
  const heapPer1000 = ((mem.heapUsed - base.heapUsed) / MiB / total) * 1000;
  const rssPer1000 = ((mem.rss - base.rss) / MiB / total) * 1000;
  report.log(`  baseline heap ${round(base.heapUsed / MiB, 1)} MiB, rss ${round(base.rss / MiB, 1)} MiB; now heap ${round(mem.heapUsed / MiB, 1)} MiB, rss ${round(mem.rss / MiB, 1)} MiB with ${JSON.stringify(objects)}`);
  const jsonPer1000 = (objects.cachedJsonBytes / MiB / total) * 1000;
  report.log(`  cached objects as JSON (no managedFields): ${round(jsonPer1000, 1)} MiB per 1,000 rollouts`);
  const detail = { rollouts: total, objects, cachedJsonMiBPer1000: round(jsonPer1000, 1), codeSpaceMiB: round(mem.codeSpace / MiB, 1), baselineCodeSpaceMiB: round(base.codeSpace / MiB, 1), baselineHeapMiB: round(base.heapUsed / MiB, 1), heapMiB: round(mem.heapUsed / MiB, 1), baselineRssMiB: round(base.rss / MiB, 1), rssMiB: round(mem.rss / MiB, 1) };
  report.figure({ scenario: 'M5', N: total, metric: 'heap per 1,000 rollouts above baseline (N=0)', value: round(heapPer1000, 1), unit: 'MiB', detail, target: { text: '<= 25 MiB', met: heapPer1000 <= 25 } });
  report.figure({ scenario: 'M5', N: total, metric: 'RSS per 1,000 rollouts above baseline (N=0)', value: round(rssPer1000, 1), unit: 'MiB', detail });
  const small = env.memorySamples.filter((s) => s.rollouts > 0 && s.rollouts <= total / 5).sort((a, b) => a.rollouts - b.rollouts)[0];
  if (small !== undefined) {
    const slope = ((mem.heapUsed - small.heapUsed) / MiB / (total - small.rollouts)) * 1000;
    const rssSlope = ((mem.rss - small.rss) / MiB / (total - small.rollouts)) * 1000;
    const codeSlope = ((mem.codeSpace - small.codeSpace) / MiB / (total - small.rollouts)) * 1000;
    report.figure({ scenario: 'M5', N: total, metric: `heap slope per 1,000 rollouts (${small.rollouts} -> ${total})`, value: round(slope, 1), unit: 'MiB', detail: { from: small.when, to: mem.when, rssSlopeMiB: round(rssSlope, 1), ofWhichCompiledCodeMiB: round(codeSlope, 1) }, target: { text: '<= 25 MiB', met: slope <= 25 } });
  }

  const soakSeconds = opts.soakSeconds ?? (opts.full ? 600 : 60);
  // Each rollout's first canary in the soak replaces a seeded old revision (smaller than one the controller
  // wrote) with a real one, so the heap grows until every rollout has churned once: growth is measured from
  // the first sample after one full round of changes (the state before the soak is in the detail).
  const perSecond = Math.min(50, Math.max(5, Math.round(env.fleet.length / 25)));
  const roundSeconds = env.fleet.length / perSecond;
  const sampleEvery = opts.full ? 60 : 10;
  report.log(`M5 churn soak: ${soakSeconds} s, ${perSecond} template changes/s round-robin over ${env.fleet.length} rollouts, heap sampled every ${sampleEvery} s`);
  const series = [];
  let next = 0;
  let changes = 0;
  t0 = Date.now();
  let nextSample = t0 + sampleEvery * 1000;
  for (let tick = 1; Date.now() - t0 < soakSeconds * 1000; tick++) {
    const names = [];
    for (let i = 0; i < perSecond; i++) names.push(env.fleet[next++ % env.fleet.length]);
    await env.setFleetImage(names, env.nextImage());
    changes += names.length;
    if (Date.now() >= nextSample) {
      const m = await env.controller('memory', {});
      series.push({ s: Math.round((Date.now() - t0) / 1000), heapMiB: round(m.heapUsed / MiB, 1), rssMiB: round(m.rss / MiB, 1) });
      report.log(`  ${series[series.length - 1].s} s: heap ${series[series.length - 1].heapMiB} MiB, rss ${series[series.length - 1].rssMiB} MiB`);
      nextSample += sampleEvery * 1000;
    }
    const wait = t0 + tick * 1000 - Date.now();
    if (wait > 0) await sleep(wait);
  }
  await env.waitFleetHealthy(env.fleet, 120_000 + env.fleet.length * 30);
  await sleep(1000);
  const after = await env.controller('memory', {});
  const steady = series.find((x) => x.s >= roundSeconds);
  const fromMiB = steady !== undefined ? steady.heapMiB : mem.heapUsed / MiB;
  const growth = after.heapUsed / MiB - fromMiB;
  const allowed = Math.max(1, (0.02 * mem.heapUsed) / MiB);
  report.figure({
    scenario: 'M5',
    N: total,
    metric: `heap growth over a ${soakSeconds} s churn soak (after one round)`,
    value: round(growth, 2),
    unit: 'MiB',
    detail: { changes, perSecond, from: steady !== undefined ? `sample at ${steady.s} s (after one round of ${round(roundSeconds, 0)} s)` : 'before the soak (no sample after a full round)', fromMiB: round(fromMiB, 1), beforeSoakMiB: round(mem.heapUsed / MiB, 1), afterMiB: round(after.heapUsed / MiB, 1), rssBeforeMiB: round(mem.rss / MiB, 1), rssAfterMiB: round(after.rss / MiB, 1), series },
    target: { text: `no growth (<= ${round(allowed, 1)} MiB, max(1 MiB, 2%))`, met: growth <= allowed },
  });
  report.figure({ scenario: 'M5', N: total, metric: `RSS growth over the soak`, value: round((after.rss - mem.rss) / MiB, 1), unit: 'MiB' });
}

module.exports = { m5 };
