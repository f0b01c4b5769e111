/** `npm run test:e2e`: the whole stack started with the start script, over HTTP. */
const { base, withServers } = require('./base');

module.exports = {
  ...base,
  ...withServers,
  displayName: 'e2e',
  testMatch: ['<rootDir>/test/e2e/**/*.test.ts'],
};
