/**
 * The layers' import boundaries, as ESLint `no-restricted-imports` settings. CommonJS so that both
 * eslint.config.mjs and the jest test of these rules (test/unit/lint-boundaries.test.ts) load the
 * same definitions.
 */

// Node's network modules, with and without the `node:` prefix.
const NETWORK_MODULES = ['net', 'http', 'https', 'http2', 'dgram', 'dns', 'tls'].flatMap((name) => [
  name,
  `${name}/*`,
  `node:${name}`,
  `node:${name}/*`,
]);

/** A gitignore-style pattern group for a folder of lib/, by relative path or by the `@lib/` alias. */
const libFolder = (folder) => [`**/${folder}`, `**/${folder}/**`, `@lib/${folder}`, `@lib/${folder}/**`];

/**
 * lib/domain holds the pure rules: deterministic, testable without servers. Redis, AWS, the network
 * and the layers that bring them stay out.
 */
const domainImports = {
  patterns: [
    {
      group: ['ioredis', 'ioredis/**', 'redlock', 'redlock/**', '@aws-sdk/*', '@smithy/*', '@middy/*'],
      message: 'lib/domain is pure: Redis, AWS and middy belong in lib/store, lib/clients or lib/lambda.',
    },
    { group: NETWORK_MODULES, message: 'lib/domain is pure: no network access.' },
    {
      group: ['store', 'clients', 'saga', 'lambda', 'operator'].flatMap(libFolder),
      message: 'lib/domain imports nothing from the outer layers (store, clients, saga, lambda, operator).',
    },
  ],
};

/** lib/store is called by the saga, never the other way round: the layers import one way. */
const storeImports = {
  patterns: [
    {
      group: ['saga', 'lambda', 'operator'].flatMap(libFolder),
      message: 'lib/store may not import lib/saga, lib/lambda or lib/operator (they depend on the store).',
    },
  ],
};

module.exports = { domainImports, storeImports };
