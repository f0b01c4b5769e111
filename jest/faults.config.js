/** `npm run chaos`: the fault-injection runs (test/faults): real processes, real kills, one scenario at a time. */
const { base, withServers } = require('./base');

module.exports = {
  ...base,
  ...withServers,
  displayName: 'chaos',
  testMatch: ['<rootDir>/test/faults/**/*.test.ts'],
  maxWorkers: 1,
  testTimeout: 600_000,
};
