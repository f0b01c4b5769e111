#!/usr/bin/env node
// The package is TypeScript; tsx compiles it as it loads.
require('tsx/cjs/api').register();
require('../src/cli.ts').main();
