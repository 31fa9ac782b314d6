#!/usr/bin/env node
'use strict';
/**
 * Summarise a V8 heap snapshot (`.heapsnapshot`, e.g. from `npm run bench -- m5 --heap-snapshot DIR`): self
 * size and count by node type and constructor name, largest first.
 *
 *   node tools/bench/bin/heap-top.js <file.heapsnapshot> [--top N]
 *   node tools/bench/bin/heap-top.js <baseline.heapsnapshot> <later.heapsnapshot> [--top N]   (the growth)
 */
const fs = require('node:fs');

const args = process.argv.slice(2);
const files = args.filter((a, i) => !a.startsWith('--') && args[i - 1] !== '--top');
const top = Number(args[args.indexOf('--top') + 1]) || 30;
if (files.length === 0 || files.length > 2) {
  process.stderr.write('usage: heap-top.js <file.heapsnapshot> [later.heapsnapshot] [--top N]\n');
  process.exit(2);
}

/** Self size and count by type and constructor; strings grouped by their first 40 characters. */
function summarise(file) {
const snap = JSON.parse(fs.readFileSync(file, 'utf8'));
const fields = snap.snapshot.meta.node_fields;
const types = snap.snapshot.meta.node_types[0];
const F = fields.length;
const iType = fields.indexOf('type');
const iName = fields.indexOf('name');
const iSize = fields.indexOf('self_size');
const nodes = snap.nodes;
const groups = new Map();
let total = 0;
for (let i = 0; i < nodes.length; i += F) {
  const type = types[nodes[i + iType]];
  const size = nodes[i + iSize];
  total += size;
  const name = type === 'object' || type === 'closure' ? snap.strings[nodes[i + iName]] : type === 'string' || type === 'concatenated string' ? JSON.stringify(snap.strings[nodes[i + iName]].slice(0, 40)) : '';
  const key = `${type}${name ? ` ${name.slice(0, 60)}` : ''}`;
  const g = groups.get(key) || { size: 0, count: 0 };
  g.size += size;
  g.count++;
  groups.set(key, g);
}
return { groups, total, count: nodes.length / F };
}

const a = summarise(files[0]);
let rows = a.groups;
if (files.length === 2) {
  const b = summarise(files[1]);
  process.stdout.write(`growth ${((b.total - a.total) / 2 ** 20).toFixed(1)} MiB (${(a.total / 2 ** 20).toFixed(1)} -> ${(b.total / 2 ** 20).toFixed(1)} MiB), ${b.count - a.count} nodes\n`);
  rows = new Map();
  for (const [k, g] of b.groups) {
    const o = a.groups.get(k) || { size: 0, count: 0 };
    rows.set(k, { size: g.size - o.size, count: g.count - o.count });
  }
} else process.stdout.write(`${(a.total / 2 ** 20).toFixed(1)} MiB in ${a.count} nodes\n`);
for (const [k, g] of [...rows.entries()].sort((x, y) => y[1].size - x[1].size).slice(0, top))
  process.stdout.write(`${(g.size / 2 ** 20).toFixed(2).padStart(8)} MiB ${String(g.count).padStart(9)}  ${k}\n`);
