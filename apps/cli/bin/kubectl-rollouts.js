#!/usr/bin/env node
'use strict';
// kubectl finds this binary on PATH as `kubectl-rollouts`, so `kubectl rollouts ...` runs it.
const { main } = require('../dist/main.js');

// Ctrl-C ends a watch cleanly (cursor shown again, exit code as documented); a second Ctrl-C exits at once.
const stop = new AbortController();
process.on('SIGINT', () => {
  if (stop.signal.aborted) process.exit(130);
  stop.abort();
});

main(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, signal: stop.signal }).then(
  (code) => process.exit(code),
  (err) => {
    // A bug, not bad usage: the command failed (exit 1), with the stack to report.
    process.stderr.write(`kubectl-rollouts: ${err && err.stack ? err.stack : String(err)}\n`);
    process.exit(1);
  },
);
