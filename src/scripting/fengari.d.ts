// Minimal typing for fengari (a Lua 5.3 VM in JavaScript), as used by lua.ts.
declare module 'fengari' {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  type Any = any;
  const fengari: { lua: Any; lauxlib: Any; lualib: Any; to_luastring(s: string): Uint8Array; to_jsstring(u: Uint8Array): string };
  export default fengari;
}
