/**
 * The libraries Redis 7.0 ships to scripts, written in JS on fengari's API:
 * cjson (lua_cjson), cmsgpack (lua_cmsgpack), bit (LuaBitOp) and struct
 * (Roberto Ierusalimschy's struct), one file each. Behaviour follows the C
 * libraries Redis embeds: number formats, error texts, array/map detection,
 * nesting limits.
 */
import { lua, b, type L } from './lib-common.js';
import { openCjson } from './lib-cjson.js';
import { openCmsgpack } from './lib-cmsgpack.js';
import { openBit } from './lib-bit.js';
import { openStruct } from './lib-struct.js';

export { pushBytes, MAX_JS_STRING, MAX_LUA_STRING, tooLong, setTimeCheck, checkTimeLimit, checkBigString, fmtG, jsString } from './lib-common.js';
export { luaStringRep, luaStringFormat } from './lib-string.js';

/** Sets the globals cjson, cmsgpack, bit and struct. */
export function openRedisLibs(L: L): void {
  openCjson(L);
  lua.lua_setglobal(L, b('cjson'));
  openCmsgpack(L);
  lua.lua_setglobal(L, b('cmsgpack'));
  openBit(L);
  lua.lua_setglobal(L, b('bit'));
  openStruct(L);
  lua.lua_setglobal(L, b('struct'));
}
