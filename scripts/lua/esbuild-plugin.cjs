// serverless-esbuild's `plugins` file (serverless.yml, custom.esbuild.plugins): Lua scripts are
// bundled as text with their shared code included, exactly as jest and the node scripts load them.
const { loadLua } = require('./include-shared.cjs');

const luaScripts = {
  name: 'lua-scripts',
  setup(build) {
    build.onLoad({ filter: /\.lua$/ }, (args) => {
      const { text, files } = loadLua(args.path);
      return { contents: text, loader: 'text', watchFiles: files };
    });
  },
};

module.exports = [luaScripts];
