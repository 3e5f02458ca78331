/**
 * bit for scripts, as LuaBitOp in Redis 7.0: 32-bit operations on numbers.
 */
import { b, lauxlib, lua, newLib, type L } from './lib-common.js';


function tobit(L: L, i: number): number {
  const n = lauxlib.luaL_checknumber(L, i);
  // LuaBitOp's 2^52+2^51 trick: round half to even, then keep the low 32 bits.
  const dv = new DataView(new ArrayBuffer(8));
  dv.setFloat64(0, n + 6755399441055744.0);
  return dv.getInt32(4);
}

export function openBit(L: L): void {
  const push = (L: L, v: number) => {
    lua.lua_pushnumber(L, v | 0);
    return 1;
  };
  const fold = (op: (a: number, b: number) => number) => (L: L) => {
    let r = tobit(L, 1);
    for (let i = lua.lua_gettop(L); i > 1; i--) r = op(r, tobit(L, i));
    return push(L, r);
  };
  newLib(L, {
    tobit: (L) => push(L, tobit(L, 1)),
    bnot: (L) => push(L, ~tobit(L, 1)),
    band: fold((a, c) => a & c),
    bor: fold((a, c) => a | c),
    bxor: fold((a, c) => a ^ c),
    lshift: (L) => push(L, tobit(L, 1) << (tobit(L, 2) & 31)),
    rshift: (L) => push(L, tobit(L, 1) >>> (tobit(L, 2) & 31)),
    arshift: (L) => push(L, tobit(L, 1) >> (tobit(L, 2) & 31)),
    rol: (L) => {
      const x = tobit(L, 1);
      const n = tobit(L, 2) & 31;
      return push(L, (x << n) | (x >>> (32 - n)));
    },
    ror: (L) => {
      const x = tobit(L, 1);
      const n = tobit(L, 2) & 31;
      return push(L, (x >>> n) | (x << (32 - n)));
    },
    bswap: (L) => {
      const x = tobit(L, 1);
      return push(L, ((x >>> 24) & 0xff) | ((x >>> 8) & 0xff00) | ((x & 0xff00) << 8) | (x << 24));
    },
    tohex: (L) => {
      const x = tobit(L, 1);
      let n = lua.lua_isnoneornil(L, 2) ? 8 : tobit(L, 2);
      let upper = false;
      if (n < 0) {
        n = -n;
        upper = true;
      }
      if (n > 8) n = 8;
      let h = (x >>> 0).toString(16).padStart(8, '0').slice(8 - n);
      if (upper) h = h.toUpperCase();
      lua.lua_pushstring(L, b(h));
      return 1;
    },
  });
}

