// Serverless Framework v3 loads plugins with require(): this shim lets the plugin stay TypeScript.
require('tsx/cjs/api').register();
module.exports = require('./plugin.ts').SagashopOfflinePlugin;
