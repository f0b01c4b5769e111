/** The fault-injection runs (test/faults): real processes, real kills, one scenario at a time. */
const base = require('./jest.config');

module.exports = {
  ...base,
  testMatch: ['**/test/faults/**/*.test.ts'],
  testPathIgnorePatterns: [],
  maxWorkers: 1,
  testTimeout: 600_000,
};
