#!/usr/bin/env node
'use strict';
// `npm start`: what a newcomer sees first. Until the controller lands, the demo is the linter and the
// planner on bundled manifests: a clean canary, one with the mistakes people make, and the canary's plan
// (what the controller will do, step by step, in virtual time) with and without a failing analysis.
const path = require('path');
const { main } = require('../dist/main.js');

const examples = path.join(__dirname, '..', 'examples');
const rel = (f) => path.relative(process.cwd(), path.join(examples, f));
// One stream, so the summary lines stay in order with the output when piped.
const io = { stdout: process.stdout, stderr: process.stdout };

const runs = [
  ['lint', '-f', rel('canary.yaml')],
  ['lint', '-f', rel('broken.yaml')],
  ['plan', '-f', rel('canary.yaml'), '--pod-ready-seconds', '10'],
  ['plan', '-f', rel('canary.yaml'), '--pod-ready-seconds', '10', '--analysis', 'fail@2'],
];

(async () => {
  for (const argv of runs) {
    console.log(`\n$ kubectl-rollouts ${argv.join(' ')}`);
    const code = await main(argv, io);
    console.log(`(exit code ${code})`);
  }
  console.log('\nTry your own manifests (the plugin is not on the npm registry; it runs from this clone):');
  console.log('  node apps/cli/bin/kubectl-rollouts.js lint -f my-rollout.yaml');
  console.log('  node apps/cli/bin/kubectl-rollouts.js plan -f my-rollout.yaml');
  console.log('or, with export PATH="$PWD/node_modules/.bin:$PATH": kubectl rollouts lint -f my-rollout.yaml (README.md: Installing the kubectl plugin)');
})().catch((e) => {
  console.error(e);
  process.exit(2);
});
