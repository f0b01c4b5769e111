import { configure, readConfig } from '@lib/clients/config';

// A test file's own configuration, handed to lib/ explicitly: the worker's environment
// (test/support/worker-env.ts) with this file's settings on top. Each call adds to the ones
// before it in the same file (jest gives every file its own modules), and takes effect at once,
// whatever was loaded or used before.
const overrides: NodeJS.ProcessEnv = {};

export function configureTest(settings: NodeJS.ProcessEnv): void {
  Object.assign(overrides, settings);
  configure(readConfig({ ...process.env, ...overrides }));
}
