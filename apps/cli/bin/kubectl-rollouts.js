#!/usr/bin/env node
'use strict';
// kubectl finds this binary on PATH as `kubectl-rollouts`, so `kubectl rollouts ...` runs it.
const { main } = require('../dist/main.js');
main(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr }).then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(`kubectl-rollouts: ${err && err.stack ? err.stack : String(err)}\n`);
    process.exit(2);
  },
);
