'use strict';
/**
 * Output of a bench run: one JSON line per figure (perf.md §4.5: scenario, N, metric, value, unit, p50, p99,
 * runs, ceilings, commit, node) as it is measured, human-readable progress on stderr, and a markdown table
 * of every figure with its target at the end.
 */
const os = require('node:os');
const path = require('node:path');
const { spawnSync } = require('node:child_process');

const root = path.resolve(__dirname, '../../..');

function commit() {
  const r = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root, encoding: 'utf8' });
  const dirty = spawnSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: root, encoding: 'utf8' });
  return r.status === 0 ? `${r.stdout.trim()}${dirty.stdout.trim() !== '' ? '+dirty' : ''}` : 'unknown';
}

function machine() {
  const cpus = os.cpus();
  return { cpu: cpus[0] ? cpus[0].model : 'unknown', cores: cpus.length, kernel: `${os.type()} ${os.release()}`, memGiB: +(os.totalmem() / 2 ** 30).toFixed(1), loadavg: os.loadavg().map((l) => +l.toFixed(2)) };
}

function createReport() {
  const rows = [];
  const base = { commit: commit(), node: process.version };
  let ceilings = {};
  return {
    machine: machine(),
    commit: base.commit,
    /** Calibration figures attached to every later line. */
    setCeilings(c) {
      ceilings = { ...ceilings, ...c };
    },
    ceilings: () => ceilings,
    /**
     * One figure. `target` is `{ text, met }` (met: true/false, or undefined when there is no target);
     * `ratio` is an optional figure relative to a ceiling or a minimum, shown in the table.
     */
    figure(f) {
      const line = { scenario: f.scenario, N: f.N ?? null, layout: f.layout ?? null, metric: f.metric, value: f.value, unit: f.unit, ...(f.p50 !== undefined ? { p50: f.p50 } : {}), ...(f.p99 !== undefined ? { p99: f.p99 } : {}), runs: f.runs ?? 1, ...(f.detail !== undefined ? { detail: f.detail } : {}), ...(f.target !== undefined ? { target: f.target.text, met: f.target.met } : {}), ceilings, ...base };
      process.stdout.write(`${JSON.stringify(line)}\n`);
      rows.push(f);
    },
    log(msg) {
      process.stderr.write(`${msg}\n`);
    },
    table() {
      const fmt = (v) => (typeof v === 'number' ? (Math.abs(v) >= 100 ? Math.round(v).toLocaleString('en-US') : Number(v.toPrecision(3)).toString()) : String(v));
      const lines = ['| scenario | N | metric | value | p50 / p99 (ms) | target | met |', '|---|---|---|---|---|---|---|'];
      for (const r of rows) {
        const pct = r.p50 !== undefined ? `${fmt(r.p50)} / ${fmt(r.p99)}` : '';
        const met = r.target === undefined || r.target.met === undefined ? '' : r.target.met ? 'yes' : '**no**';
        lines.push(`| ${r.scenario} | ${r.N != null ? fmt(r.N) : ''} | ${r.metric} | ${fmt(r.value)} ${r.unit} | ${pct} | ${r.target ? r.target.text : ''} | ${met} |`);
      }
      return lines.join('\n');
    },
  };
}

/** p-th percentile (nearest rank) of numbers. */
function percentile(xs, p) {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))];
}

const median = (xs) => percentile(xs, 50);
const round = (x, d = 2) => Math.round(x * 10 ** d) / 10 ** d;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

module.exports = { createReport, percentile, median, round, sleep };
