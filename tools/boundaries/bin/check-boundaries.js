#!/usr/bin/env node
'use strict';
// Usage: check-boundaries [ROOT]   (default: the repository root). Exit 1 on any violation.
const path = require('path');
const { checkWorkspace } = require('../lib/boundaries.js');
const root = path.resolve(process.argv[2] ?? path.join(__dirname, '../../..'));
const violations = checkWorkspace(root);
for (const v of violations) console.log(`${v.file}:${v.line}: ${v.message}`);
if (violations.length > 0) {
  console.log(`boundary check: ${violations.length} violation(s)`);
  process.exit(1);
}
console.log('boundary check: clean');
