/**
 * What every test tier shares (docs/testing.md): TypeScript and Lua through jest, the @lib/ alias.
 * Each tier's config (jest/<tier>.config.js) adds which files it runs and what it starts.
 */
const { resolve } = require('node:path');

const base = {
  rootDir: resolve(__dirname, '..'),
  testEnvironment: 'node',
  roots: ['<rootDir>/test', '<rootDir>/packages'],
  testPathIgnorePatterns: ['/node_modules/'],
  setupFiles: ['<rootDir>/test/support/lambda-env.ts'],
  transform: {
    '^.+\\.[tj]s$': ['ts-jest', { tsconfig: { allowJs: true, esModuleInterop: true, isolatedModules: true } }],
    '^.+\\.lua$': '<rootDir>/test/support/lua-transform.js',
  },
  // middy ships ESM only.
  transformIgnorePatterns: ['node_modules/(?!@middy/)'],
  moduleFileExtensions: ['ts', 'js', 'json', 'lua'],
  moduleNameMapper: { '^@lib/(.*)$': '<rootDir>/lib/$1' },
  testTimeout: 60_000,
};

/**
 * One real redis-server and one real SQS endpoint for the whole run, on free ports
 * (test/support/global-setup.ts), every worker on a Redis database of its own. Tiers that share
 * these paths in one run (`npm test`) share the servers: jest runs a global setup module once.
 */
const withServers = {
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
  setupFiles: [...base.setupFiles, '<rootDir>/test/support/worker-env.ts'],
};

/** The local emulators' tests that start no endpoint (each package also runs its own: npm test -w <name>). */
const PURE_PACKAGE_TESTS = [
  'packages/offline-sqs/test/options.test.ts',
  'packages/sqs-endpoint/test/faults.test.ts',
  'packages/sqs-client/test/signer.test.ts',
  'packages/sqs-client/test/errors.test.ts',
];

module.exports = { base, withServers, PURE_PACKAGE_TESTS };
