import * as path from 'node:path';
import { checkWorkspace, importsOf } from '../lib/boundaries';

describe('boundary check', () => {
  it('reports every violation in the deliberately bad fixture, with file and line', () => {
    const found = checkWorkspace(path.join(__dirname, 'fixtures/bad')).map((v) => `${v.file}:${v.line}: ${v.message}`);
    expect(found).toEqual([
      "packages/api/src/index.ts:2: pure package @rollouts/api imports the Node built-in 'node:fs'",
      "packages/api/src/index.ts:3: pure package @rollouts/api imports the Node built-in 'http'",
      "packages/api/src/index.ts:4: pure package @rollouts/api imports 'axios' (network I/O)",
      "packages/api/src/index.ts:5: @rollouts/api imports '@kubernetes/client-node'; only @rollouts/k8s may",
      'packages/api/src/index.ts:7: pure package @rollouts/api reads the clock (Date.now()); time must come in as an argument',
      'packages/api/src/index.ts:8: pure package @rollouts/api reads the environment (process.env)',
      'packages/core/src/index.ts:1: pure package @rollouts/core reads randomness (Math.random())',
      'packages/core/src/index.ts:2: pure package @rollouts/core reads the clock (new Date()); time must come in as an argument',
      "packages/core/src/index.ts:4: pure package @rollouts/core imports the Node built-in 'node:crypto'",
      "packages/traffic-demo/src/index.ts:1: plugin package @rollouts/traffic-demo imports '@rollouts/core'; plugins use @rollouts/plugin-sdk and @rollouts/api only",
    ]);
  });

  it('finds the real workspace clean', () => {
    expect(checkWorkspace(path.resolve(__dirname, '../../..'))).toEqual([]);
  });

  it('reads import, export-from, require and dynamic import forms', () => {
    const specs = importsOf(
      [
        "import a from 'a';",
        "import type { B } from 'b';",
        "import 'c';",
        "export * from 'd';",
        "export { e } from 'e';",
        "const f = require('f');",
        "const g = await import('g');",
      ].join('\n'),
    ).map((i) => i.spec);
    expect(specs.sort()).toEqual(['a', 'b', 'c', 'd', 'e', 'f', 'g']);
  });
});
