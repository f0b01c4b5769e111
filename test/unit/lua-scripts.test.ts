// The Lua scripts as every runtime loads them (shared code included once, by one resolver, the
// same text under jest, esbuild and node) and the names a declaration refuses. The declared
// scripts run against a real Redis: test/integration/declared-scripts.test.ts.
import { build } from 'esbuild';
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { defineScript } from '@lib/store/script';

const ROOT = join(__dirname, '..', '..');
const LUA_DIR = join(ROOT, 'lib', 'store', 'lua');
const SHARED_DIR = join(LUA_DIR, 'shared');
const { loadLua } = require('../../scripts/lua/include-shared.cjs') as {
  loadLua: (file: string) => { text: string; files: string[] };
};
const esbuildPlugins = require('../../scripts/lua/esbuild-plugin.cjs');

const scripts = readdirSync(LUA_DIR).filter((file) => file.endsWith('.lua'));
const sharedFunctions = readdirSync(SHARED_DIR).flatMap((file) =>
  [...loadLua(join(SHARED_DIR, file)).text.matchAll(/^local function (\w+)/gm)].map(([, name]) => name),
);
const occurrences = (text: string, needle: string) => text.split(needle).length - 1;
const tmp = mkdtempSync(join(tmpdir(), 'sagashop-lua-'));

afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('shared Lua, included at build time', () => {
  it('finds the scripts and the shared helpers it checks', () => {
    expect(scripts).toEqual(expect.arrayContaining(['reserve-stock.lua', 'charge-payment.lua', 'complete-order.lua', 'abort-charge.lua']));
    expect(sharedFunctions).toEqual(expect.arrayContaining(['clock_ms', 'append_log', 'refusal_of', 'settle']));
  });

  it.each(scripts)(
    '%s as jest loads it: no directive left, each shared helper it calls defined exactly once, before its first use',
    (file) => {
      const text: string = require(join(LUA_DIR, file)).default;
      expect(text).not.toMatch(/#include/);
      for (const name of sharedFunctions) {
        const calls = occurrences(text, `${name}(`) - occurrences(text, `local function ${name}(`);
        if (calls === 0) continue;
        expect({ file, name, definitions: occurrences(text, `local function ${name}(`) }).toEqual({
          file,
          name,
          definitions: 1,
        });
        const definedFirst = text.indexOf(`${name}(`) === text.indexOf(`local function ${name}(`) + 'local function '.length;
        expect({ file, name, definedFirst }).toEqual({ file, name, definedFirst: true });
      }
    },
  );

  it('settles the same way in the two steps that share it: the helper, not a copy', () => {
    for (const file of ['reserve-stock.lua', 'charge-payment.lua', 'abort-charge.lua']) {
      const text: string = require(join(LUA_DIR, file)).default;
      expect({ file, copies: occurrences(text, "redis.call('TIME')") }).toEqual({ file, copies: 1 });
      expect({ file, copies: occurrences(text, "'XADD'") }).toEqual({ file, copies: 1 });
    }
  });

  it('gives the same text under esbuild (the bundles), node with the require hook (the scripts) and jest', async () => {
    // Imported as the functions import them, so esbuild's interop is the bundles' too.
    const entry = join(tmp, 'entry.mjs');
    writeFileSync(
      entry,
      scripts
        .map((file, index) => `import s${index} from ${JSON.stringify(join(LUA_DIR, file))}; export const s${index}x = s${index};`)
        .join('\n'),
    );
    const bundled = await build({
      entryPoints: [entry],
      bundle: true,
      platform: 'node',
      format: 'cjs',
      write: false,
      plugins: esbuildPlugins,
      logLevel: 'silent',
    });
    const bundle = { exports: {} as Record<string, string> };
    // Runs esbuild's bundle as CommonJS, to compare what it embeds with what the require hook loads.
    // eslint-disable-next-line @typescript-eslint/no-implied-eval
    new Function('module', 'exports', 'require', bundled.outputFiles[0].text)(bundle, bundle.exports, require);
    const fromEsbuild = Object.fromEntries(scripts.map((file, index) => [file, bundle.exports[`s${index}x`]]));
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [
        '--require',
        join(ROOT, 'scripts', 'lua-require.cjs'),
        '-e',
        `process.stdout.write(JSON.stringify(${JSON.stringify(scripts.map((file) => join(LUA_DIR, file)))}.map((file) => require(file).default)))`,
      ],
      { cwd: tmp },
    );
    const fromNode = Object.fromEntries((JSON.parse(stdout) as string[]).map((text, index) => [scripts[index], text]));
    for (const file of scripts) {
      const fromJest: string = require(join(LUA_DIR, file)).default;
      expect({ file, esbuild: fromEsbuild[file] === fromJest, node: fromNode[file] === fromJest }).toEqual({
        file,
        esbuild: true,
        node: true,
      });
    }
  });

  it('includes a file once even when helpers include each other, and names what it cannot resolve', () => {
    writeFileSync(join(tmp, 'a.lua'), '-- #include b.lua\nlocal function a() end\n');
    writeFileSync(join(tmp, 'b.lua'), 'local function b() end\n');
    writeFileSync(join(tmp, 'main.lua'), '-- #include a.lua\n-- #include b.lua\n-- mentions -- #include in prose\nreturn 1\n');
    const { text, files } = loadLua(join(tmp, 'main.lua'));
    expect(text).toBe('local function b() end\nlocal function a() end\n\n-- mentions -- #include in prose\nreturn 1\n');
    expect(files.map((file) => file.slice(tmp.length + 1))).toEqual(['main.lua', 'a.lua', 'b.lua']);
    writeFileSync(join(tmp, 'broken.lua'), '-- #include missing.lua\n');
    expect(() => loadLua(join(tmp, 'broken.lua'))).toThrow(/broken\.lua: #include missing\.lua: no such file/);
    writeFileSync(join(tmp, 'loop.lua'), '-- #include loop.lua\n');
    expect(() => loadLua(join(tmp, 'loop.lua'))).toThrow(/includes itself/);
  });
});

describe('a declared script', () => {
  it('refuses, when declared, a name the Lua could not use or that is given twice', () => {
    const declare = (keys: string[], args: string[]) => () => defineScript({ name: 'names', source: 'return 1', keys, args, reply: {} });
    expect(declare(['end'], [])).toThrow('names: "end" is not a Lua name');
    expect(declare(['a-b'], [])).toThrow('names: "a-b" is not a Lua name');
    expect(declare(['a'], ['a'])).toThrow('names: a key or argument name is declared twice');
  });
});
