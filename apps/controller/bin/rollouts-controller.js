#!/usr/bin/env node
'use strict';
// The controller process: flags, then run until SIGINT/SIGTERM (see src/main.ts).
const { main, stopSignals } = require('../dist/main.js');
main(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, env: process.env, stopSignal: stopSignals() }).then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(`rollouts-controller: ${err && err.stack ? err.stack : String(err)}\n`);
    process.exit(1);
  },
);
