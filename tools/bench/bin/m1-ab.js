#!/usr/bin/env node
'use strict';
/**
 * node tools/bench/bin/m1-ab.js <other checkout> [rounds]
 *
 * M1 side by side: the decisions per second of `reconcileRollout` in this checkout against another one (e.g. a
 * `git worktree add /tmp/base <rev>` with its `packages/core/dist` built), in one process, over one corpus (M1's,
 * built with this checkout's core), in alternating quarter-second windows (other, this, other), so that what else
 * the machine does weighs on both alike. Prints the medians and the median ratio (this / other), with its range.
 * Both checkouts' `packages/core/dist` must be built (`npx nx run @rollouts/core:build`).
 */
const path = require('node:path');
const fs = require('node:fs');
const { parseAllDocuments } = require('yaml');

const here = path.resolve(__dirname, '../../..');
const other = process.argv[2];
const rounds = Number(process.argv[3] || 20);
if (other === undefined || !fs.existsSync(path.join(other, 'packages/core/dist/index.js'))) {
  console.error('usage: m1-ab.js <other checkout with packages/core/dist built> [rounds]');
  process.exit(2);
}
const B = require(path.join(here, 'packages/core/dist/index.js'));
const A = require(path.join(path.resolve(other), 'packages/core/dist/index.js'));

// M1's corpus (tools/bench/lib/m1.js): every observation planning the fixtures shows reconcileRollout.
function corpusOf(core) {
  const docs = parseAllDocuments(fs.readFileSync(path.join(here, 'tools/bench/fixtures/all-steps.yaml'), 'utf8')).map((d) => d.toJS());
  const corpus = [];
  const record = (obs) => {
    corpus.push(obs);
    return core.reconcileRollout(obs);
  };
  for (const ro of docs.filter((d) => d.kind === 'Rollout')) {
    const objects = docs.filter((d) => d !== ro);
    const hasAnalysis = (ro.spec.strategy.canary.steps || []).some((s) => s.analysis);
    const second = hasAnalysis ? { objects, podReadySeconds: 5, analysis: [{ phase: 'Failed', step: 6 }] } : { objects, podReadySeconds: 5, abortAt: 2 };
    for (const opts of [{ objects, podReadySeconds: 5 }, second]) {
      const r = core.runPlan(ro, opts, record);
      if (r._tag === 'Left') throw new Error(r.left.message);
    }
  }
  return corpus;
}
const json = JSON.stringify(corpusOf(B));
// Each core decides its own copy (identity-keyed caches are per object).
const ca = JSON.parse(json);
const cb = JSON.parse(json);

const windowed = (core, corpus, ms) => {
  let n = 0;
  const end = process.hrtime.bigint() + BigInt(ms) * 1000000n;
  while (process.hrtime.bigint() < end) {
    for (let i = 0; i < 500; i++) core.reconcileRollout(corpus[(n + i) % corpus.length]);
    n += 500;
  }
  return (n * 1000) / ms;
};
for (let i = 0; i < 200000; i++) {
  A.reconcileRollout(ca[i % ca.length]);
  B.reconcileRollout(cb[i % cb.length]);
}
const as = [];
const bs = [];
const ratios = [];
for (let r = 0; r < rounds; r++) {
  const a = (windowed(A, ca, 250) + (bs.push(windowed(B, cb, 250)), windowed(A, ca, 250))) / 2;
  as.push(a);
  ratios.push(bs[bs.length - 1] / a);
}
const median = (x) => [...x].sort((p, q) => p - q)[Math.floor(x.length / 2)];
console.log(
  JSON.stringify({
    scenario: 'M1 A/B',
    corpus: ca.length,
    rounds,
    other: Math.round(median(as)),
    this: Math.round(median(bs)),
    ratio: Number(median(ratios).toFixed(3)),
    ratioRange: [Number(Math.min(...ratios).toFixed(3)), Number(Math.max(...ratios).toFixed(3))],
  }),
);
