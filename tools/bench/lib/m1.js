'use strict';
/**
 * M1 pure decisions per second: every observation `reconcileRollout` sees while planning the fixtures
 * (every canary step kind, basic and traffic-routed, pods becoming ready after 5 s, an analysis that fails on
 * a second run) is the corpus; the bench replays it for a fixed time on this one thread. Reported twice:
 * "warm" replays the same objects (what a controller sees when its caches hand back unchanged objects),
 * "cold" decides fresh deep copies, each once, so no identity-keyed cache can help (content-keyed ones can).
 */
const fs = require('node:fs');
const path = require('node:path');
const { execFileSync } = require('node:child_process');
const { parseAllDocuments } = require('yaml');

const root = path.resolve(__dirname, '../../..');

function loadFixture(file) {
  return parseAllDocuments(fs.readFileSync(path.join(__dirname, '..', 'fixtures', file), 'utf8')).map((d) => d.toJS());
}

function buildCorpus(core, report) {
  const docs = loadFixture('all-steps.yaml');
  const rollouts = docs.filter((d) => d.kind === 'Rollout');
  const corpus = [];
  const record = (obs) => {
    corpus.push(obs);
    return core.reconcileRollout(obs);
  };
  const runs = [];
  for (const ro of rollouts) {
    const objects = docs.filter((d) => d !== ro);
    runs.push([ro.metadata.name, { objects, podReadySeconds: 5 }]);
    const hasAnalysis = (ro.spec.strategy.canary.steps || []).some((s) => s.analysis);
    if (hasAnalysis) runs.push([`${ro.metadata.name} (analysis fails)`, { objects, podReadySeconds: 5, analysis: [{ phase: 'Failed', step: 6 }] }]);
    else runs.push([`${ro.metadata.name} (aborted at step 2)`, { objects, podReadySeconds: 5, abortAt: 2 }]);
    for (const [label, options] of runs.splice(0)) {
      const before = corpus.length;
      const r = core.runPlan(ro, options, record);
      if (r._tag === 'Left') throw new Error(`plan of ${label} failed: ${r.left.message}`);
      const last = r.right.frames[r.right.frames.length - 1];
      report.log(`  corpus: ${label}: ${corpus.length - before} observations, ends ${last.phase}`);
    }
  }
  return corpus;
}

function stepKinds(corpus) {
  const kinds = new Map();
  for (const obs of corpus) {
    const steps = obs.rollout.spec.strategy.canary.steps || [];
    const i = obs.rollout.status && obs.rollout.status.currentStepIndex;
    const step = i == null ? undefined : steps[i];
    const kind = step ? Object.keys(step)[0] : 'done/initial';
    kinds.set(kind, (kinds.get(kind) || 0) + 1);
  }
  return [...kinds.entries()].map(([k, n]) => `${k} ${n}`).join(', ');
}

// Enough decisions before timing for the JIT to have optimised the hot path (as M2 discards warm-up resyncs):
// the figure is the steady state a long-running controller sees. About a second on this machine.
const WARM_UP = 200000;
// The timed part is cut into windows and the median window reported (with the slowest and fastest): a
// neighbour's burst on a shared machine moves one window, not the figure.
const WINDOW_S = 0.5;

function timeDecisions(core, corpus, seconds) {
  const reconcileRollout = core.reconcileRollout;
  for (let i = 0; i < WARM_UP; i++) reconcileRollout(corpus[i % corpus.length]);
  const rates = [];
  let n = 0;
  const windows = Math.max(1, Math.round(seconds / WINDOW_S));
  for (let w = 0; w < windows; w++) {
    const start = process.hrtime.bigint();
    const deadline = start + BigInt(Math.round(WINDOW_S * 1e9));
    let now = start;
    let done = 0;
    while (now < deadline) {
      for (let i = 0; i < 1000; i++) reconcileRollout(corpus[(n + i) % corpus.length]);
      n += 1000;
      done += 1000;
      now = process.hrtime.bigint();
    }
    rates.push(done / (Number(now - start) / 1e9));
  }
  rates.sort((a, b) => a - b);
  return { median: rates[Math.floor(rates.length / 2)], min: rates[0], max: rates[rates.length - 1], windows };
}

/** One process's measurement: warm (median window) and cold (fresh copies, each decided once). */
function measure(core, corpus, seconds) {
  const timed = timeDecisions(core, corpus, seconds);
  // Cold: every decision gets objects it has never seen (fresh deep copies, each decided once), so no
  // identity-keyed cache helps; content-keyed caches may, as they do in a controller whose informer hands out a
  // new object for every version of an unchanged spec. Batches bound the memory the copies take.
  const batch = Number(process.env.BENCH_COLD_BATCH || 10000);
  let coldN = 0;
  let coldNs = 0;
  const reconcileRollout = core.reconcileRollout;
  for (let i = 0; i < 3000; i++) reconcileRollout(JSON.parse(JSON.stringify(corpus[i % corpus.length])));
  const coldDeadline = process.hrtime.bigint() + BigInt(Math.round(seconds * 1e9));
  while (process.hrtime.bigint() < coldDeadline) {
    const copies = [];
    for (let i = 0; i < batch; i++) copies.push(JSON.parse(JSON.stringify(corpus[(coldN + i) % corpus.length])));
    const start = process.hrtime.bigint();
    for (const obs of copies) reconcileRollout(obs);
    coldNs += Number(process.hrtime.bigint() - start);
    coldN += copies.length;
  }
  return { warm: timed, cold: coldN / (coldNs / 1e9), coldN };
}

// Each figure is the median of RUNS separate processes: the JIT of one process can settle in a slower state,
// and a neighbour's burst on a shared machine moves one run, not the figure (perf.md asks for medians).
const RUNS = Number(process.env.BENCH_M1_RUNS || 3);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const fmt = (v) => Math.round(v).toLocaleString('en-US');

async function m1(_env, report) {
  const core = require(path.join(root, 'packages/core/dist'));
  report.log(`M1 pure decisions per second (one thread; median of ${RUNS} processes)`);
  const corpus = buildCorpus(core, report);
  report.log(`  corpus: ${corpus.length} observations; current step kinds: ${stepKinds(corpus)}`);
  const runs = [];
  for (let r = 0; r < RUNS; r++) {
    const out = execFileSync(process.execPath, [__filename, '--child'], { encoding: 'utf8', env: process.env, maxBuffer: 1 << 20 });
    const run = JSON.parse(out.trim().split('\n').pop());
    report.log(
      `  run ${r + 1}: warm ${fmt(run.warm.median)}/s (windows of ${WINDOW_S} s: slowest ${fmt(run.warm.min)}, fastest ${fmt(run.warm.max)}), ` +
        `cold ${fmt(run.cold)}/s (${fmt(run.coldN)} fresh copies)`,
    );
    runs.push(run);
  }
  const warm = median(runs.map((r) => r.warm.median));
  const cold = median(runs.map((r) => r.cold));
  report.log(`  warm: ${fmt(warm)} decisions/s (${(1e6 / warm).toFixed(1)} µs each; median of ${RUNS} processes, each the median of its windows after ${fmt(WARM_UP)} warm-up decisions)`);
  report.log(`  cold: ${fmt(cold)} decisions/s (${(1e6 / cold).toFixed(1)} µs each; fresh copies, each decided once)`);
  const target = (v) => ({ text: '>= 200,000/s', met: v >= 200_000 });
  const runsDetail = (pick) => runs.map((r) => Math.round(pick(r)));
  report.figure({ scenario: 'M1', metric: 'decisions/s (warm)', value: Math.round(warm), unit: '/s', runs: RUNS, target: target(warm), detail: { corpus: corpus.length, perRun: runsDetail((r) => r.warm.median), warmUp: WARM_UP, windowSeconds: WINDOW_S } });
  report.figure({ scenario: 'M1', metric: 'decisions/s (cold: fresh copies)', value: Math.round(cold), unit: '/s', runs: RUNS, target: target(cold), detail: { corpus: corpus.length, perRun: runsDetail((r) => r.cold) } });
}

m1.needsEnvironment = false;
module.exports = { m1 };

// A measuring child: builds the corpus, measures, prints one JSON line.
if (require.main === module && process.argv[2] === '--child') {
  const core = require(path.join(root, 'packages/core/dist'));
  const corpus = buildCorpus(core, { log: () => undefined });
  process.stdout.write(`${JSON.stringify(measure(core, corpus, Number(process.env.BENCH_SECONDS || 3)))}\n`);
}
