// The serverless plugin: list it as `- '@sagashop/offline-sqs/plugin.cjs'` in serverless.yml.
// Serverless Framework v3 loads plugins with require(); tsx lets the plugin stay TypeScript.
require('tsx/cjs/api').register();
module.exports = require('./src/plugin.ts').OfflineSqsPlugin;
