#!/usr/bin/env node
'use strict';
// Needs a build first (npm run build -w @rollouts/kube-sim).
require('../dist/cli.js')
  .main(process.argv.slice(2))
  .catch((e) => {
    process.stderr.write(`kube-sim: ${e && e.stack ? e.stack : e}\n`);
    process.exit(1);
  });
