// Lua scripts are bundled as text (esbuild `text` loader, jest transform, tsx require hook).
declare module '*.lua' {
  const source: string;
  export default source;
}
