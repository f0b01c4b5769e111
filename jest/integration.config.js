/** `npm run test:integration`: the code against a real Redis and the project's SQS endpoint, and the model test. */
const { base, withServers, PURE_PACKAGE_TESTS } = require('./base');

module.exports = {
  ...base,
  ...withServers,
  displayName: 'integration',
  testMatch: [
    '<rootDir>/test/integration/**/*.test.ts',
    '<rootDir>/test/tooling/integration/**/*.test.ts',
    '<rootDir>/test/model/**/*.test.ts',
    '<rootDir>/packages/*/test/**/*.test.ts',
  ],
  testPathIgnorePatterns: [...base.testPathIgnorePatterns, ...PURE_PACKAGE_TESTS.map((file) => `<rootDir>/${file}$`)],
};
