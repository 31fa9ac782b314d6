// @ts-check
/**
 * The dependency rules of ARCHITECTURE.md, checked on source text rather than trusted to convention:
 *  - pure packages (api, core, plugin-sdk) import no Node built-in, no axios, no @kubernetes/client-node,
 *    and read no clock, randomness or environment (Date.now(), new Date() without argument,
 *    Math.random(), process.env);
 *  - plugin packages (traffic-*, metrics-*) never import or depend on @rollouts/core;
 *  - only @rollouts/k8s may import @kubernetes/client-node among the packages.
 * Test files (*.test.ts, test/) are exempt: tests may read fixtures from disk.
 */
'use strict';
const fs = require('fs');
const path = require('path');
const { builtinModules } = require('module');

const PURE = new Set(['api', 'core', 'plugin-sdk']);
const isPlugin = (name) => /^(traffic|metrics)-/.test(name);
const NODE_BUILTINS = new Set(builtinModules.filter((m) => !m.startsWith('_')));

/** Imported module specifiers in a TypeScript/JavaScript source text (comments removed first). */
function importsOf(text) {
  const code = stripComments(text);
  const out = [];
  const patterns = [
    /\bimport\s+(?:type\s+)?(?:[\w*{}\s,$]+\s+from\s+)?['"]([^'"]+)['"]/g,
    /\bexport\s+(?:type\s+)?[\w*{}\s,$]+\s+from\s+['"]([^'"]+)['"]/g,
    /\brequire\s*\(\s*['"]([^'"]+)['"]\s*\)/g,
    /\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)/g,
  ];
  for (const re of patterns) for (const m of code.matchAll(re)) out.push({ spec: m[1], index: m.index ?? 0 });
  return out;
}

function stripComments(text) {
  // Replace comments by spaces of the same length so that offsets (and line numbers) survive.
  return text.replace(/\/\*[\s\S]*?\*\/|\/\/[^\n]*/g, (c) => c.replace(/[^\n]/g, ' '));
}

const lineOf = (text, index) => text.slice(0, index).split('\n').length;

function isNodeBuiltin(spec) {
  if (spec.startsWith('node:')) return true;
  return NODE_BUILTINS.has(spec.split('/')[0]);
}

const AMBIENT = [
  { re: /\bDate\.now\s*\(/g, what: 'reads the clock (Date.now()); time must come in as an argument' },
  { re: /\bnew\s+Date\s*\(\s*\)/g, what: 'reads the clock (new Date()); time must come in as an argument' },
  { re: /\bMath\.random\s*\(/g, what: 'reads randomness (Math.random())' },
  { re: /\bprocess\.env\b/g, what: 'reads the environment (process.env)' },
];

function sourceFiles(dir) {
  if (!fs.existsSync(dir)) return [];
  const out = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) {
      if (e.name === 'node_modules' || e.name === 'dist' || e.name === 'test' || e.name === 'testing') continue;
      out.push(...sourceFiles(p));
    } else if (/\.(ts|tsx|js|mjs|cjs)$/.test(e.name) && !/\.test\.(ts|js)$/.test(e.name) && !e.name.endsWith('.d.ts')) {
      out.push(p);
    }
  }
  return out;
}

/**
 * Check every package under `<root>/packages`. Returns violations as
 * `{ file, line, pkg, message }`, file relative to root, sorted by file and line.
 * @param {string} root
 */
function checkWorkspace(root) {
  const violations = [];
  const pkgsDir = path.join(root, 'packages');
  const names = fs.existsSync(pkgsDir) ? fs.readdirSync(pkgsDir).filter((n) => fs.statSync(path.join(pkgsDir, n)).isDirectory()) : [];
  for (const name of names.sort()) {
    const dir = path.join(pkgsDir, name);
    const add = (file, line, message) => violations.push({ file: path.relative(root, file), line, pkg: name, message });
    for (const file of sourceFiles(path.join(dir, 'src'))) {
      const text = fs.readFileSync(file, 'utf8');
      for (const { spec, index } of importsOf(text)) {
        const line = lineOf(text, index);
        if (PURE.has(name)) {
          if (isNodeBuiltin(spec)) add(file, line, `pure package @rollouts/${name} imports the Node built-in '${spec}'`);
          if (spec === 'axios' || spec.startsWith('axios/')) add(file, line, `pure package @rollouts/${name} imports 'axios' (network I/O)`);
        }
        if (spec === '@kubernetes/client-node' && name !== 'k8s') add(file, line, `@rollouts/${name} imports '@kubernetes/client-node'; only @rollouts/k8s may`);
        if (isPlugin(name) && (spec === '@rollouts/core' || spec.startsWith('@rollouts/core/')))
          add(file, line, `plugin package @rollouts/${name} imports '@rollouts/core'; plugins use @rollouts/plugin-sdk and @rollouts/api only`);
      }
      if (PURE.has(name)) {
        const code = stripComments(text);
        for (const { re, what } of AMBIENT) for (const m of code.matchAll(re)) add(file, lineOf(text, m.index ?? 0), `pure package @rollouts/${name} ${what}`);
      }
    }
    const manifest = path.join(dir, 'package.json');
    if (fs.existsSync(manifest)) {
      const pkg = JSON.parse(fs.readFileSync(manifest, 'utf8'));
      for (const field of ['dependencies', 'peerDependencies', 'optionalDependencies']) {
        const deps = Object.keys(pkg[field] ?? {});
        if (isPlugin(name) && deps.includes('@rollouts/core')) add(manifest, 1, `plugin package @rollouts/${name} lists '@rollouts/core' in ${field}`);
        if (PURE.has(name)) for (const bad of ['axios', '@kubernetes/client-node']) if (deps.includes(bad)) add(manifest, 1, `pure package @rollouts/${name} lists '${bad}' in ${field}`);
      }
    }
  }
  return violations.sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line);
}

module.exports = { checkWorkspace, importsOf };
