/** `npm run test:unit`: no servers, no sockets; seconds. test/support/no-sockets.ts holds the line. */
const { base, PURE_PACKAGE_TESTS } = require('./base');

module.exports = {
  ...base,
  displayName: 'unit',
  testMatch: [
    '<rootDir>/test/unit/**/*.test.ts',
    '<rootDir>/test/tooling/unit/**/*.test.ts',
    ...PURE_PACKAGE_TESTS.map((file) => `<rootDir>/${file}`),
  ],
  setupFilesAfterEnv: ['<rootDir>/test/support/no-sockets.ts'],
};
