// The shared preset, plus `@rollouts/plugin-sdk/testing` from source (like every `@rollouts/<pkg>` in the
// preset), so the tests use the conformance suite and fakes as they are in the workspace, not a stale build.
const path = require('path');
const preset = require('../../jest.preset.js');
module.exports = {
  ...preset,
  moduleNameMapper: { '^@rollouts/plugin-sdk/testing$': path.join(__dirname, '../plugin-sdk/src/testing/index.ts'), ...preset.moduleNameMapper },
};
