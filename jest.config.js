// Root jest configuration: every project's tests in one run (used by `npm run test:all` and CI for one
// summary). `npm test` runs the same tests project by project through nx.
module.exports = {
  projects: ['<rootDir>/packages/*/jest.config.js', '<rootDir>/apps/*/jest.config.js', '<rootDir>/tools/*/jest.config.js', '<rootDir>/examples/plugins/*/jest.config.js'],
};
