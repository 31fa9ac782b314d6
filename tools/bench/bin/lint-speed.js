#!/usr/bin/env node
'use strict';
/**
 * node tools/bench/bin/lint-speed.js [--mb N]   (default 5)
 *
 * How long `kubectl-rollouts lint` takes on one multi-document file of N MB: canary Rollouts, each with one
 * mistake (so every document also prints a problem). Runs over the built dist of the CLI: build it first with
 * `npx tsc -p apps/cli/tsconfig.build.json`. Prints one JSON line: the size, the number of documents, and the
 * seconds spent reading and parsing, linting, and in all (the whole command, as a user runs it).
 */
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const cli = path.resolve(__dirname, '../../../apps/cli/dist');
const args = process.argv.slice(2);
const mbAt = args.indexOf('--mb');
const mb = mbAt >= 0 ? Number(args[mbAt + 1]) : 5;
if (!(mb > 0)) {
  process.stderr.write('usage: lint-speed.js [--mb N] (N > 0)\n');
  process.exit(2);
}
if (!fs.existsSync(path.join(cli, 'main.js'))) {
  process.stderr.write(`${cli}/main.js not found: build the CLI first (npx tsc -p apps/cli/tsconfig.build.json)\n`);
  process.exit(2);
}

function rollout(i) {
  return [
    'apiVersion: argoproj.io/v1alpha1',
    'kind: Rollout',
    `metadata: {name: web-${i}, labels: {app.kubernetes.io/name: web-${i}}}`,
    'spec:',
    '  replicas: 3',
    `  selector: {matchLabels: {app: web-${i}}}`,
    '  template:',
    `    metadata: {labels: {app: web-${i}}}`,
    '    spec:',
    '      containers:',
    `        - name: web`,
    `          image: ghcr.io/example/web:${i}`,
    '          resources: {requests: {cpu: 100m, memory: 128Mi}, limits: {memory: 256Mi}}',
    '  strategy:',
    '    canary:',
    '      steps:',
    '        - setWeight: 20',
    '        - pause: {duration: 10s}',
    '        - setWeight: 120',
  ].join('\n');
}

const target = mb * 1024 * 1024;
const docs = [];
let size = 0;
for (let i = 0; size < target; i++) {
  const d = rollout(i);
  docs.push(d);
  size += Buffer.byteLength(d) + 5;
}
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lint-speed-'));
const file = path.join(dir, 'big.yaml');
fs.writeFileSync(file, docs.join('\n---\n'));

const { readManifests } = require(path.join(cli, 'Manifests.js'));
const { lintDocuments } = require(path.join(cli, 'Lint.js'));
const { main } = require(path.join(cli, 'main.js'));
const sink = { write: () => true };
const seconds = (t0) => Number(process.hrtime.bigint() - t0) / 1e9;

(async () => {
  let t0 = process.hrtime.bigint();
  const read = readManifests([file], { stderr: process.stderr });
  const parseSeconds = seconds(t0);
  t0 = process.hrtime.bigint();
  const problems = lintDocuments(read);
  const lintSeconds = seconds(t0);
  t0 = process.hrtime.bigint();
  const code = await main(['lint', '-f', file], { stdout: sink, stderr: sink });
  const totalSeconds = seconds(t0);
  fs.rmSync(dir, { recursive: true, force: true });
  const r3 = (x) => Math.round(x * 1000) / 1000;
  process.stdout.write(
    `${JSON.stringify({ figure: 'lint-speed', megabytes: r3(fs.statSync ? size / 1024 / 1024 : 0), documents: docs.length, problems: problems.length, exitCode: code, parseSeconds: r3(parseSeconds), lintSeconds: r3(lintSeconds), totalSeconds: r3(totalSeconds) })}\n`,
  );
})();
