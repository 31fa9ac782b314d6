// Shared jest setup: TypeScript through ts-jest (type-checked), ESM-only node_modules
// (@kubernetes/client-node and friends) through swc, cache kept inside the repo.
const path = require('path');
const esm = ['@kubernetes/client-node', 'openid-client', 'oauth4webapi', 'jose', 'jsonpath-plus', 'rfc4648'];
module.exports = {
  testEnvironment: 'node',
  testMatch: ['**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/', '/dist/'],
  cacheDirectory: path.join(__dirname, 'node_modules/.cache/jest'),
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: path.join(__dirname, 'tsconfig.jest.json') }],
    '^.+\\.m?js$': ['@swc/jest', { jsc: { target: 'es2022' }, module: { type: 'commonjs' } }],
  },
  transformIgnorePatterns: [`/node_modules/(?!(${esm.join('|')})/)`],
  moduleNameMapper: {
    '^@rollouts/([a-z0-9-]+)$': path.join(__dirname, 'packages/$1/src/index.ts'),
    '^@rollouts/([a-z0-9-]+)/testing$': path.join(__dirname, 'packages/$1/src/testing/index.ts'),
  },
};
