// Inside the rollouts repository the sample's tests run with the repository's jest preset (TypeScript through
// ts-jest, `@rollouts/*` mapped to the sources). A plugin kept elsewhere uses its own ts-jest setup.
module.exports = { ...require('../../../jest.preset.js'), rootDir: __dirname };
