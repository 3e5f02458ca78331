/**
 * cmsgpack for scripts, as lua_cmsgpack in Redis 7.0: pack, unpack, unpack_one, unpack_limit and their limits.
 */
import { ByteOut, argError, b, lauxlib, lua, newLib, pushBytes, raise, setStr, type L } from './lib-common.js';


const MAX_NESTING = 16;

function mpInt(n: number, out: ByteOut): void {
  const be = (v: bigint, bytes: number) => {
    for (let i = bytes - 1; i >= 0; i--) out.push(Number((v >> BigInt(i * 8)) & 0xffn));
  };
  if (n >= 0) {
    if (n <= 127) out.push(n);
    else if (n <= 0xff) out.push(0xcc, n);
    else if (n <= 0xffff) out.push(0xcd, n >> 8, n & 0xff);
    else if (n <= 0xffffffff) {
      out.push(0xce);
      be(BigInt(n), 4);
    } else {
      out.push(0xcf);
      be(BigInt.asUintN(64, BigInt(Math.min(n, 18446744073709551615))), 8);
    }
  } else if (n >= -32) out.push(n & 0xff);
  else if (n >= -128) out.push(0xd0, n & 0xff);
  else if (n >= -32768) out.push(0xd1, (n >> 8) & 0xff, n & 0xff);
  else if (n >= -2147483648) {
    out.push(0xd2);
    be(BigInt.asUintN(32, BigInt(n)), 4);
  } else {
    out.push(0xd3);
    be(BigInt.asUintN(64, BigInt(Math.max(n, -9223372036854775808))), 8);
  }
}

function mpLen(out: ByteOut, n: number, fix: number, fixMax: number, c16: number, c32: number): void {
  if (n <= fixMax) out.push(fix | n);
  else if (n <= 0xffff) out.push(c16, n >> 8, n & 0xff);
  else out.push(c32, (n >>> 24) & 0xff, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff);
}

function mpEncode(L: L, idx: number, level: number, out: ByteOut): void {
  const t = lua.lua_type(L, idx);
  switch (t) {
    case lua.LUA_TSTRING: {
      const s: Uint8Array = lua.lua_tolstring(L, idx);
      const n = s.length;
      if (n < 32) out.push(0xa0 | n);
      else if (n <= 0xff) out.push(0xd9, n);
      else if (n <= 0xffff) out.push(0xda, n >> 8, n & 0xff);
      else out.push(0xdb, (n >>> 24) & 0xff, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff);
      out.bytes(s);
      return;
    }
    case lua.LUA_TBOOLEAN:
      out.push(lua.lua_toboolean(L, idx) ? 0xc3 : 0xc2);
      return;
    case lua.LUA_TNUMBER: {
      const n = lua.lua_tonumber(L, idx);
      if (Number.isInteger(n) && Math.abs(n) < 2 ** 63) {
        mpInt(n, out);
      } else if (Math.fround(n) === n) {
        const buf = Buffer.alloc(4);
        buf.writeFloatBE(n);
        out.push(0xca, ...buf);
      } else {
        const buf = Buffer.alloc(8);
        buf.writeDoubleBE(n);
        out.push(0xcb, ...buf);
      }
      return;
    }
    case lua.LUA_TTABLE: {
      if (level >= MAX_NESTING) {
        out.push(0xc0);
        return;
      }
      lauxlib.luaL_checkstack(L, 3, b('too many nested tables'));
      let count = 0;
      let max = 0;
      let array = true;
      lua.lua_pushnil(L);
      while (lua.lua_next(L, idx) !== 0) {
        lua.lua_pop(L, 1);
        count++;
        if (!array) continue;
        if (lua.lua_type(L, -1) !== lua.LUA_TNUMBER) {
          array = false;
          continue;
        }
        const k = lua.lua_tonumber(L, -1);
        if (!Number.isInteger(k) || k < 1) array = false;
        else if (k > max) max = k;
      }
      if (array && max === count) {
        mpLen(out, count, 0x90, 15, 0xdc, 0xdd);
        for (let i = 1; i <= count; i++) {
          lua.lua_rawgeti(L, idx, i);
          mpEncode(L, lua.lua_gettop(L), level + 1, out);
          lua.lua_pop(L, 1);
        }
      } else {
        mpLen(out, count, 0x80, 15, 0xde, 0xdf);
        lua.lua_pushnil(L);
        while (lua.lua_next(L, idx) !== 0) {
          const top = lua.lua_gettop(L);
          mpEncode(L, top - 1, level + 1, out);
          mpEncode(L, top, level + 1, out);
          lua.lua_pop(L, 1);
        }
      }
      return;
    }
    default:
      out.push(0xc0);
  }
}

class MpDecoder {
  constructor(
    private readonly L: L,
    private readonly s: Uint8Array,
    public pos: number,
  ) {}

  private need(n: number): void {
    if (this.pos + n > this.s.length) raise(this.L, 'Missing bytes in input.');
  }

  private u(n: number): number {
    this.need(n);
    let v = 0;
    for (let i = 0; i < n; i++) v = v * 256 + this.s[this.pos++];
    return v;
  }

  private view(n: number): DataView {
    this.need(n);
    const dv = new DataView(this.s.buffer, this.s.byteOffset + this.pos, n);
    this.pos += n;
    return dv;
  }

  private bytes(n: number): void {
    this.need(n);
    lua.lua_pushstring(this.L, this.s.subarray(this.pos, this.pos + n));
    this.pos += n;
  }

  /** luaL_checkstack of Lua 5.1 in a C function: at most 8000 slots (LUAI_MAXCSTACK). */
  private checkStack(what: string): void {
    lua.lua_checkstack(this.L, 4);
    if (lua.lua_gettop(this.L) + 1 > 8000) raise(this.L, `stack overflow (${what})`);
  }

  /**
   * Decodes one object onto the stack. Nesting is walked with an explicit
   * stack (no JS recursion); the Lua stack is used as lua_cmsgpack uses it
   * (arrays push the index before each element), so the depth limits and
   * their messages fall where Redis's do.
   */
  value(): void {
    const L = this.L;
    const frames: { map: boolean; left: number; index: number; key: boolean }[] = [];
    for (;;) {
      const container = this.one();
      if (container !== null) {
        lua.lua_newtable(L);
        if (!container.map) this.checkStack('in function mp_decode_to_lua_array');
        if (container.n > 0) {
          frames.push({ map: container.map, left: container.n, index: 1, key: true });
          if (!container.map) lua.lua_pushnumber(L, frames[frames.length - 1].index++);
          continue;
        }
      }
      // A value is complete: store it into its container, closing finished containers.
      for (;;) {
        const f = frames[frames.length - 1];
        if (f === undefined) return;
        if (f.map && f.key) {
          f.key = false;
          break;
        }
        lua.lua_settable(L, -3);
        f.key = true;
        if (--f.left > 0) {
          if (!f.map) lua.lua_pushnumber(L, f.index++);
          break;
        }
        frames.pop();
      }
    }
  }

  /** Decodes a scalar onto the stack, or returns a container's header. */
  private one(): { map: boolean; n: number } | null {
    const L = this.L;
    this.need(1);
    this.checkStack('too many return values at once; use unpack_one or unpack_limit instead.');
    const c = this.s[this.pos++];
    if (c <= 0x7f) return lua.lua_pushnumber(L, c), null;
    if (c >= 0xe0) return lua.lua_pushnumber(L, c - 256), null;
    if ((c & 0xe0) === 0xa0) return this.bytes(c & 0x1f), null;
    if ((c & 0xf0) === 0x90) return { map: false, n: c & 0x0f };
    if ((c & 0xf0) === 0x80) return { map: true, n: c & 0x0f };
    switch (c) {
      case 0xc0:
        lua.lua_pushnil(L);
        return null;
      case 0xc2:
        lua.lua_pushboolean(L, 0);
        return null;
      case 0xc3:
        lua.lua_pushboolean(L, 1);
        return null;
      case 0xcc:
        lua.lua_pushnumber(L, this.u(1));
        return null;
      case 0xcd:
        lua.lua_pushnumber(L, this.u(2));
        return null;
      case 0xce:
        lua.lua_pushnumber(L, this.u(4));
        return null;
      case 0xcf:
        lua.lua_pushnumber(L, Number(this.view(8).getBigUint64(0)));
        return null;
      case 0xd0:
        lua.lua_pushnumber(L, this.view(1).getInt8(0));
        return null;
      case 0xd1:
        lua.lua_pushnumber(L, this.view(2).getInt16(0));
        return null;
      case 0xd2:
        lua.lua_pushnumber(L, this.view(4).getInt32(0));
        return null;
      case 0xd3:
        lua.lua_pushnumber(L, Number(this.view(8).getBigInt64(0)));
        return null;
      case 0xca:
        lua.lua_pushnumber(L, this.view(4).getFloat32(0));
        return null;
      case 0xcb:
        lua.lua_pushnumber(L, this.view(8).getFloat64(0));
        return null;
      case 0xc4:
      case 0xd9:
        this.bytes(this.u(1));
        return null;
      case 0xc5:
      case 0xda:
        this.bytes(this.u(2));
        return null;
      case 0xc6:
      case 0xdb:
        this.bytes(this.u(4));
        return null;
      case 0xdc:
        return { map: false, n: this.u(2) };
      case 0xdd:
        return { map: false, n: this.u(4) };
      case 0xde:
        return { map: true, n: this.u(2) };
      case 0xdf:
        return { map: true, n: this.u(4) };
    }
    raise(L, 'Bad data format in input.');
  }
}

/** cmsgpack.unpack / unpack_one / unpack_limit: decodes up to limit objects from offset. */
function mpUnpack(L: L, limit: number, offset: number, withOffset: boolean): number {
  const s: Uint8Array = lauxlib.luaL_checklstring(L, 1);
  if (offset < 0 || limit < 0) raise(L, `Invalid request to unpack with offset of ${offset} and limit of ${limit}.`);
  else if (offset > s.length) raise(L, 'Start offset ' + offset + ' greater than input length ' + s.length + '.');
  const d = new MpDecoder(L, s, offset);
  let n = 0;
  if (withOffset) lua.lua_settop(L, 1);
  while (d.pos < s.length && (limit === 0 || n < limit)) {
    d.value();
    n++;
  }
  if (withOffset) {
    lua.lua_checkstack(L, 2);
    lua.lua_pushnumber(L, d.pos >= s.length ? -1 : d.pos);
    lua.lua_insert(L, 2);
    return n + 1;
  }
  return n;
}

export function openCmsgpack(L: L): void {
  newLib(L, {
    pack(L) {
      const n = lua.lua_gettop(L);
      if (n === 0) argError(L, 0, 'MessagePack pack needs input.');
      const out = new ByteOut(L);
      for (let i = 1; i <= n; i++) mpEncode(L, i, 0, out);
      pushBytes(L, out.result());
      return 1;
    },
    unpack: (L) => mpUnpack(L, 0, 0, false),
    unpack_one: (L) => mpUnpack(L, 1, lauxlib.luaL_optinteger(L, 2, 0), true),
    unpack_limit: (L) => mpUnpack(L, lauxlib.luaL_checkinteger(L, 2), lauxlib.luaL_optinteger(L, 3, 0), true),
  });
  setStr(L, '_NAME', 'cmsgpack');
  setStr(L, '_VERSION', 'lua-cmsgpack 0.4.0');
  setStr(L, '_COPYRIGHT', 'Copyright (C) 2012, Salvatore Sanfilippo');
  setStr(L, '_DESCRIPTION', 'MessagePack C implementation for Lua');
}

