#!/usr/bin/env node
'use strict';
// kubectl (1.26+) runs `kubectl_complete-rollouts <words...>` from PATH for `kubectl rollouts <TAB>` and reads
// cobra's completion protocol: the candidates one per line, then `:<directive>`.
const { main } = require('../dist/main.js');

main(['__complete', ...process.argv.slice(2)], { stdout: process.stdout, stderr: process.stderr }).then(
  (code) => process.exit(code),
  () => {
    process.stdout.write(':4\n');
    process.exit(0);
  },
);
