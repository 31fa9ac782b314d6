#!/usr/bin/env node
'use strict';
/**
 * Summarise a V8 CPU profile (`node --cpu-prof`, or `npm run bench -- --cpu-prof DIR`): the top frames by
 * self time and by total (inclusive) time, with their script and line.
 *
 *   node tools/bench/bin/profile-top.js <file.cpuprofile> [--top N] [--filter substring]
 */
const fs = require('node:fs');
const path = require('node:path');

const args = process.argv.slice(2);
const file = args.find((a) => !a.startsWith('--') && args[args.indexOf(a) - 1] !== '--top' && args[args.indexOf(a) - 1] !== '--filter');
const top = Number(args[args.indexOf('--top') + 1]) || 25;
const filter = args.includes('--filter') ? args[args.indexOf('--filter') + 1] : undefined;
if (file === undefined) {
  process.stderr.write('usage: profile-top.js <file.cpuprofile> [--top N] [--filter substring]\n');
  process.exit(2);
}
const prof = JSON.parse(fs.readFileSync(file, 'utf8'));
const byId = new Map(prof.nodes.map((n) => [n.id, n]));
const self = new Map();
for (let i = 0; i < prof.samples.length; i++) {
  const dt = prof.timeDeltas[i] || 0;
  self.set(prof.samples[i], (self.get(prof.samples[i]) || 0) + dt);
}
const parent = new Map();
for (const n of prof.nodes) for (const c of n.children || []) parent.set(c, n.id);
const label = (n) => {
  const cf = n.callFrame;
  const url = cf.url ? cf.url.replace(/^file:\/\//, '') : '';
  const short = url.includes('/packages/') ? url.slice(url.indexOf('/packages/') + 1) : url.includes('node_modules/') ? url.slice(url.lastIndexOf('node_modules/') + 13) : path.basename(url);
  return `${cf.functionName || '(anonymous)'} ${short}${short ? `:${cf.lineNumber + 1}` : ''}`;
};
const selfBy = new Map();
const totalBy = new Map();
let total = 0;
for (const [id, t] of self) {
  total += t;
  const n = byId.get(id);
  const l = label(n);
  selfBy.set(l, (selfBy.get(l) || 0) + t);
  // inclusive: every distinct frame label on the stack
  const seen = new Set();
  for (let cur = id; cur !== undefined; cur = parent.get(cur)) {
    const cl = label(byId.get(cur));
    if (seen.has(cl)) continue;
    seen.add(cl);
    totalBy.set(cl, (totalBy.get(cl) || 0) + t);
  }
}
const show = (title, m) => {
  process.stdout.write(`\n${title} (of ${(total / 1000).toFixed(0)} ms sampled)\n`);
  const rows = [...m.entries()].filter(([l]) => filter === undefined || l.includes(filter)).sort((a, b) => b[1] - a[1]).slice(0, top);
  for (const [l, t] of rows) process.stdout.write(`${((100 * t) / total).toFixed(1).padStart(6)}%  ${(t / 1000).toFixed(0).padStart(7)} ms  ${l}\n`);
};
show('self time', selfBy);
show('total time', totalBy);
