// For scripts run with node/tsx: load Lua files as text with their shared code included, as the
// bundles (scripts/lua/esbuild-plugin.cjs) and jest (test/support/lua-transform.js) do.
const { loadLua } = require('./lua/include-shared.cjs');

require.extensions['.lua'] = (module, filename) => {
  module.exports = { __esModule: true, default: loadLua(filename).text };
};
