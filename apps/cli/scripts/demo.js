#!/usr/bin/env node
'use strict';
// `npm start`: what a newcomer sees first. Until the controller lands, the demo is the linter on two
// bundled manifests: one clean, one with the mistakes people make.
const path = require('path');
const { main } = require('../dist/main.js');

const examples = path.join(__dirname, '..', 'examples');
const rel = (f) => path.relative(process.cwd(), path.join(examples, f));
// One stream, so the summary lines stay in order with the problems when piped.
const io = { stdout: process.stdout, stderr: process.stdout };

(async () => {
  for (const file of ['canary.yaml', 'broken.yaml']) {
    console.log(`\n$ kubectl-rollouts lint -f ${rel(file)}`);
    const code = await main(['lint', '-f', rel(file)], io);
    console.log(`(exit code ${code})`);
  }
  console.log('\nTry your own manifests: npx kubectl-rollouts lint -f my-rollout.yaml');
})().catch((e) => {
  console.error(e);
  process.exit(2);
});
