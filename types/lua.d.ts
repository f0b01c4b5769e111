// Lua scripts are imported as text with their shared code included, by the one resolver in
// scripts/lua/include-shared.cjs (esbuild plugin, jest transform, node require hook).
declare module '*.lua' {
  const source: string;
  export default source;
}
