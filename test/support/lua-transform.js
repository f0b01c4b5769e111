// Lua scripts are imported as text with their shared code included, as the bundles
// (scripts/lua/esbuild-plugin.cjs) and the node scripts (scripts/lua-require.cjs) load them.
const { createHash } = require('node:crypto');
const { loadLua } = require('../../scripts/lua/include-shared.cjs');

module.exports = {
  process(_source, filename) {
    return {
      code: `module.exports = { __esModule: true, default: ${JSON.stringify(loadLua(filename).text)} };`,
    };
  },
  // Jest caches by the file's own text: a change in an included file must count too.
  getCacheKey(_source, filename) {
    return createHash('sha1').update(loadLua(filename).text).digest('hex');
  },
};
