'use strict';
// Test helper: run the TypeScript sources in a child process without a build, as the jest preset maps them:
// `@rollouts/<pkg>` resolves to packages/<pkg>/src/index.ts and .ts files are compiled by swc on load.
// Usage: node -r ./test/register-ts.js src/main.ts ...
const Module = require('module');
const fs = require('fs');
const path = require('path');
const swc = require('@swc/core');

const root = path.resolve(__dirname, '../../..');
const resolve = Module._resolveFilename;
Module._resolveFilename = function (request, parent, ...rest) {
  const m = /^@rollouts\/([a-z0-9-]+)$/.exec(request);
  if (m !== null) {
    const file = path.join(root, 'packages', m[1], 'src', 'index.ts');
    if (fs.existsSync(file)) return file;
  }
  return resolve.call(this, request, parent, ...rest);
};
Module._extensions['.ts'] = function (module, filename) {
  const source = fs.readFileSync(filename, 'utf8');
  const out = swc.transformSync(source, {
    filename,
    jsc: { parser: { syntax: 'typescript' }, target: 'es2022' },
    module: { type: 'commonjs' },
    sourceMaps: 'inline',
  });
  module._compile(out.code, filename);
};
