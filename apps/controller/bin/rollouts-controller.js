#!/usr/bin/env node
'use strict';
// The controller process: flags, then run until SIGINT/SIGTERM, a bounded stop (see src/main.ts).
const { main, processSignals } = require('../dist/main.js');
const signals = processSignals();
main(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, env: process.env, stopSignal: signals.stop, forceSignal: signals.force }).then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(`rollouts-controller: ${err && err.stack ? err.stack : String(err)}\n`);
    process.exit(1);
  },
);
