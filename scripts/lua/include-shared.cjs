// The one place where a Lua script's `-- #include <path>` lines are resolved: esbuild (the bundles,
// through esbuild-plugin.cjs), jest (test/support/lua-transform.js) and node/tsx scripts
// (scripts/lua-require.cjs) all load scripts through `loadLua`, so every runtime runs the same text
// and Redis sees the same SHA. Shared code is plain Lua (local functions), written once in
// lib/store/lua/shared/ and pasted in place of its directive at build time: Redis scripts cannot
// require anything at run time.
const { readFileSync } = require('node:fs');
const { dirname, resolve } = require('node:path');

// A whole line, so prose that mentions the directive is never taken for one.
const DIRECTIVE = /^-- #include (\S+)[ \t]*$/gm;

/**
 * The script's text with every include replaced by the included file's (itself resolved), each
 * file at most once per script (a second directive for it becomes an empty line, so helpers that
 * include each other are not defined twice), and the files read, for watchers and caches.
 */
function loadLua(file) {
  const files = [];
  const seen = new Set();
  const expand = (path, chain) => {
    files.push(path);
    seen.add(path);
    return readFileSync(path, 'utf8').replace(DIRECTIVE, (_, target) => {
      const included = resolve(dirname(path), target);
      if (chain.includes(included)) throw new Error(`${path}: #include ${target} includes itself`);
      if (seen.has(included)) return '';
      try {
        return expand(included, [...chain, included]).replace(/\n$/, '');
      } catch (error) {
        if (error.code === 'ENOENT' && error.path === included) throw new Error(`${path}: #include ${target}: no such file`);
        throw error;
      }
    });
  };
  const text = expand(resolve(file), [resolve(file)]);
  return { text, files };
}

module.exports = { loadLua };
