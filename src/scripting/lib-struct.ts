/**
 * struct for scripts, as the struct library Redis 7.0 embeds: pack, unpack, size.
 */
import { ByteOut, argError, b, jsString, lauxlib, lua, newLib, pushBytes, raise, type L } from './lib-common.js';


interface StructState {
  little: boolean;
  align: number;
}

const MAXINTSIZE = 32;
const MAXALIGN = 8;

/**
 * What an option packs: an integer (b B h H l L T i I), a float (f d), a pad
 * byte (x), a fixed-size string (c), a zero-terminated one (s) or nothing (' ').
 */
type Kind = 'int' | 'float' | 'pad' | 'char' | 'zstring' | 'none';

interface StructOption {
  opt: string;
  kind: Kind;
  size: number;
}

function structOpt(L: L, fmt: string, i: { p: number }, st: StructState): StructOption | null {
  const opt = fmt[i.p++];
  const num = (def: number): number => {
    if (!/[0-9]/.test(fmt[i.p] ?? '')) return def;
    let a = 0;
    while (/[0-9]/.test(fmt[i.p] ?? '')) a = a * 10 + Number(fmt[i.p++]);
    return a;
  };
  switch (opt) {
    case 'b':
    case 'B':
      return { opt, kind: 'int', size: 1 };
    case 'x':
      return { opt, kind: 'pad', size: 1 };
    case 'h':
    case 'H':
      return { opt, kind: 'int', size: 2 };
    case 'l':
    case 'L':
    case 'T':
      return { opt, kind: 'int', size: 8 };
    case 'f':
      return { opt, kind: 'float', size: 4 };
    case 'd':
      return { opt, kind: 'float', size: 8 };
    case 'c':
      return { opt, kind: 'char', size: num(1) };
    case 'i':
    case 'I': {
      const sz = num(4);
      if (sz > MAXINTSIZE) raise(L, `integral size ${sz} is larger than limit of ${MAXINTSIZE}`);
      return { opt, kind: 'int', size: sz };
    }
    case 's':
      return { opt, kind: 'zstring', size: 0 };
    case ' ':
      return { opt, kind: 'none', size: 0 };
    case '<':
      st.little = true;
      return null;
    case '>':
      st.little = false;
      return null;
    case '!':
      st.align = num(MAXALIGN);
      return null;
    default:
      argError(L, 1, `invalid format option '${opt}'`);
  }
}

/** The options of a format, in order; `st` follows the endianness and alignment options as they pass. */
function* options(L: L, fmt: string, st: StructState): Generator<StructOption> {
  const i = { p: 0 };
  while (i.p < fmt.length) {
    const o = structOpt(L, fmt, i, st);
    if (o !== null) yield o;
  }
}

/** Padding before an option of `size` at offset `len` (numbers only are aligned). */
function gap(size: number, len: number, st: StructState, kind: Kind): number {
  if (kind !== 'int' && kind !== 'float') return 0;
  let align = size;
  if (align <= 1 || st.align <= 1) return 0;
  if (align > st.align) align = st.align;
  if ((align & (align - 1)) !== 0) return 0;
  return (align - (len & (align - 1))) & (align - 1);
}

/** `arg`, checked to be there: struct's arguments past the last read as nil (Lua 5.1 reports them so). */
function given(L: L, arg: number, expected: 'number' | 'string'): number {
  if (arg > lua.lua_gettop(L)) argError(L, arg, `${expected} expected, got nil`);
  return arg;
}

function checkNumberArg(L: L, arg: number): number {
  return lauxlib.luaL_checknumber(L, given(L, arg, 'number'));
}

function checkStringArg(L: L, arg: number): Uint8Array {
  return lauxlib.luaL_checklstring(L, given(L, arg, 'string'));
}

export function openStruct(L: L): void {
  newLib(L, {
    pack(L) {
      const fmt = jsString(L, lauxlib.luaL_checklstring(L, 1));
      const st: StructState = { little: true, align: 1 };
      const out = new ByteOut(L);
      let arg = 2;
      for (const { opt, kind, size } of options(L, fmt, st)) {
        for (let k = gap(size, out.length, st, kind); k > 0; k--) out.push(0);
        switch (kind) {
          case 'int': {
            const n = checkNumberArg(L, arg++);
            let v = BigInt.asUintN(Math.min(size, 8) * 8, BigInt(Math.trunc(Number.isFinite(n) ? n : 0)));
            const bytes: number[] = [];
            for (let k = 0; k < size; k++) {
              bytes.push(k < 8 ? Number(v & 0xffn) : n < 0 ? 0xff : 0);
              v >>= 8n;
            }
            out.push(...(st.little ? bytes : bytes.reverse()));
            break;
          }
          case 'pad':
            out.push(0);
            break;
          case 'float': {
            const buf = Buffer.alloc(size);
            const n = checkNumberArg(L, arg++);
            if (size === 4) st.little ? buf.writeFloatLE(n) : buf.writeFloatBE(n);
            else st.little ? buf.writeDoubleLE(n) : buf.writeDoubleBE(n);
            out.push(...buf);
            break;
          }
          case 'char':
          case 'zstring': {
            const s = checkStringArg(L, arg++);
            let l = s.length;
            if (kind === 'char' && size !== 0) {
              if (l < size) argError(L, arg, 'string too short');
              l = size;
            }
            out.bytes(s.subarray(0, l));
            if (kind === 'zstring') out.push(0);
            break;
          }
        }
      }
      pushBytes(L, out.result());
      return 1;
    },
    unpack(L) {
      const fmt = jsString(L, lauxlib.luaL_checklstring(L, 1));
      const data: Uint8Array = lauxlib.luaL_checklstring(L, 2);
      let pos = lauxlib.luaL_optinteger(L, 3, 1) - 1;
      if (pos < 0) argError(L, 3, 'offset must be 1 or greater');
      const st: StructState = { little: true, align: 1 };
      let n = 0;
      let lastNum = 0;
      for (const o of options(L, fmt, st)) {
        const { opt, kind } = o;
        let size = o.size;
        if (pos + size > data.length || pos + size < pos) argError(L, 2, 'data string too short');
        pos += gap(size, pos, st, kind);
        if (pos + size > data.length) argError(L, 2, 'data string too short');
        lauxlib.luaL_checkstack(L, 2, b('too many results'));
        switch (kind) {
          case 'int': {
            let v = 0n;
            for (let k = 0; k < size; k++) {
              const byte = data[st.little ? pos + size - 1 - k : pos + k];
              v = (v << 8n) | BigInt(byte);
            }
            const signed = opt === 'b' || opt === 'h' || opt === 'l' || opt === 'i';
            if (signed) v = BigInt.asIntN(size * 8, v);
            lastNum = Number(v);
            lua.lua_pushnumber(L, lastNum);
            n++;
            break;
          }
          case 'pad':
            break;
          case 'float': {
            const dv = new DataView(data.buffer, data.byteOffset + pos, size);
            lua.lua_pushnumber(L, size === 4 ? dv.getFloat32(0, st.little) : dv.getFloat64(0, st.little));
            n++;
            break;
          }
          case 'char': {
            if (size === 0) {
              if (n === 0) raise(L, 'format \'c0\' needs a previous size');
              size = lastNum;
              lua.lua_pop(L, 1);
              n--;
              if (pos + size > data.length) argError(L, 2, 'data string too short');
            }
            lua.lua_pushstring(L, data.subarray(pos, pos + size));
            n++;
            break;
          }
          case 'zstring': {
            let e = pos;
            while (e < data.length && data[e] !== 0) e++;
            if (e >= data.length) raise(L, 'unfinished string in data');
            lua.lua_pushstring(L, data.subarray(pos, e));
            n++;
            size = e - pos + 1;
            break;
          }
        }
        pos += size;
      }
      lua.lua_pushnumber(L, pos + 1);
      return n + 1;
    },
    size(L) {
      const fmt = jsString(L, lauxlib.luaL_checklstring(L, 1));
      const st: StructState = { little: true, align: 1 };
      let pos = 0;
      for (const o of options(L, fmt, st)) {
        if (o.kind === 'zstring') argError(L, 1, "option 's' has no fixed size");
        if (o.kind === 'char' && o.size === 0) argError(L, 1, "option 'c0' has no fixed size");
        pos += gap(o.size, pos, st, o.kind) + o.size;
      }
      lua.lua_pushnumber(L, pos);
      return 1;
    },
  });
}

