/** `npm run test:deploy`: `serverless package` per stage, its bundles run, the stand-in account on moto. */
const { base, withServers } = require('./base');

module.exports = {
  ...base,
  ...withServers,
  displayName: 'deploy',
  testMatch: ['<rootDir>/test/deploy/**/*.test.ts'],
};
