// Lua scripts are imported as text, as esbuild's `text` loader does in the bundles.
module.exports = {
  process(source) {
    return { code: `module.exports = { __esModule: true, default: ${JSON.stringify(source)} };` };
  },
};
