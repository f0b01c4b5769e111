/** Tests run against real servers: test/support/global-setup.ts starts them on free ports. */
module.exports = {
  testEnvironment: 'node',
  // packages/*: the local emulators' own tests (each package also runs them alone: npm test -w <name>).
  roots: ['<rootDir>/test', '<rootDir>/packages'],
  testMatch: ['**/*.test.ts'],
  // The fault-injection runs have their own config (jest.faults.config.js, `npm run chaos`).
  testPathIgnorePatterns: ['/node_modules/', '/test/faults/'],
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
  setupFiles: ['<rootDir>/test/support/worker-env.ts'],
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
