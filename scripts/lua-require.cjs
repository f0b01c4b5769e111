// For scripts run with tsx: load Lua files as text, as esbuild's `text` loader does in the bundles.
const { readFileSync } = require('node:fs');
require.extensions['.lua'] = (module, filename) => {
  module.exports = { __esModule: true, default: readFileSync(filename, 'utf8') };
};
