/** `npm test` in this package alone; the repository's root jest config runs these tests too. */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: { esModuleInterop: true, isolatedModules: true } }] },
  testTimeout: 60_000,
};
