/**
 * `npm test`'s jest: every tier but chaos in one run (chaos follows it: `npm run chaos`).
 * Each tier also runs alone: `npm run test:unit` and the others (docs/testing.md).
 */
const { base } = require('./jest/base');

const tiers = ['unit', 'integration', 'e2e', 'deploy'].map((tier) => require(`./jest/${tier}.config.js`));

module.exports = {
  // A run-wide setting: jest reads it here, and warns of it in a project.
  testTimeout: base.testTimeout,
  projects: tiers.map(({ testTimeout, ...project }) => project),
};
