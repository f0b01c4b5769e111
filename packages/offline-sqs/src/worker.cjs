// Worker threads load plain JavaScript: this shim lets the worker stay TypeScript.
require('tsx/cjs/api').register();
require('./worker.ts');
