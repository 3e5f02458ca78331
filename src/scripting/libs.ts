/**
 * The libraries Redis 7.0 ships to scripts, written in JS on fengari's API:
 * cjson (lua_cjson), cmsgpack (lua_cmsgpack), bit (LuaBitOp) and struct
 * (Roberto Ierusalimschy's struct). Behaviour follows the C libraries Redis
 * embeds: number formats, error texts, array/map detection, nesting limits.
 */
import { createRequire } from 'node:module';
import './vm-limits.js'; // before the VM loads: it reads its limits once
import fengari from 'fengari';

const { lua, lauxlib } = fengari;
type L = unknown;

const fengariModule = createRequire(import.meta.url);
const lobject = fengariModule('fengari/src/lobject.js');
const lstring = fengariModule('fengari/src/lstring.js');

/**
 * Pushes bytes as a Lua string. lua_pushstring copies; a long string that
 * nothing else will modify is handed to the VM as it is instead.
 */
export function pushBytes(L: L, u: Uint8Array): void {
  if (u.length < 65536) lua.lua_pushstring(L, u);
  else lobject.pushsvalue2s(L, lstring.luaS_bless(L, u));
}

const b = (s: string): Buffer => Buffer.from(s, 'latin1');
const str = (u: Uint8Array): string => Buffer.from(u.buffer, u.byteOffset, u.byteLength).toString('latin1');

/** Longest string V8 can make (0x1fffffe8 characters): longer Lua strings cannot become JS strings. */
export const MAX_JS_STRING = 0x1fffffe8;
/**
 * Longest Lua string Sinew builds (concatenation and library results): 1 GiB,
 * room for twice proto-max-bulk-len. Lua 5.1 has no such bound, but Redis
 * cannot take a longer argument either.
 */
export const MAX_LUA_STRING = 2 ** 30;

/** Strings longer than this check the script's time limit when made (one call may copy hundreds of megabytes). */
const BIG_STRING = 1 << 20;
let timeCheck: ((L: L) => void) | null = null;

/** Sets the running script's time-limit check (null when no script runs). */
export function setTimeCheck(f: ((L: L) => void) | null): void {
  timeCheck = f;
}

/** Raises the time-limit error when the running script is past its limit (for work done in JS, out of the VM's count hook). */
export function checkTimeLimit(L: L): void {
  if (timeCheck !== null) timeCheck(L);
}

/** Checks the time limit when a string of n bytes was just made. */
export function checkBigString(L: L, n: number): void {
  if (n > BIG_STRING && timeCheck !== null) timeCheck(L);
}

/** A Lua string as a JS (latin1) string; raises a Lua error when it is too long for one. */
export function jsString(L: L, u: Uint8Array): string {
  if (u.length > MAX_JS_STRING) raise(L, tooLong(u.length));
  return str(u);
}

/** The error text for a Lua string too long to become a JS string. */
export function tooLong(n: number): string {
  return `string too long (${n} bytes; at most ${MAX_JS_STRING} can be converted)`;
}

/**
 * Output bytes of an encoder: single bytes gather in a small array, long
 * strings are kept as they are (Lua strings are never modified), and the
 * total is bounded by MAX_LUA_STRING.
 */
export class ByteOut {
  private chunks: Uint8Array[] = [];
  private cur: number[] = [];
  length = 0;
  constructor(private readonly L: L) {}

  push(...bytes: number[]): void {
    for (const x of bytes) this.cur.push(x);
    this.grow(bytes.length);
    if (this.cur.length >= 65536) this.flush();
  }

  bytes(u: Uint8Array): void {
    if (u.length < 64) {
      for (const x of u) this.cur.push(x);
    } else {
      this.flush();
      this.chunks.push(u);
    }
    this.grow(u.length);
  }

  text(s: string): void {
    if (s.length < 64) {
      for (let i = 0; i < s.length; i++) this.cur.push(s.charCodeAt(i) & 0xff);
      this.grow(s.length);
    } else this.bytes(b(s));
  }

  private grow(n: number): void {
    this.length += n;
    if (this.length > MAX_LUA_STRING) raise(this.L, 'string length overflow');
  }

  private flush(): void {
    if (this.cur.length === 0) return;
    this.chunks.push(Uint8Array.from(this.cur));
    this.cur = [];
  }

  result(): Uint8Array {
    checkBigString(this.L, this.length);
    this.flush();
    return this.chunks.length === 1 ? this.chunks[0] : Buffer.concat(this.chunks, this.length);
  }
}

/** Raises msg with the caller's position prefix, as luaL_error (no format expansion). */
export function raise(L: L, msg: string): never {
  lua.lua_checkstack(L, 4);
  lauxlib.luaL_where(L, 1);
  lua.lua_pushstring(L, b(msg));
  lua.lua_concat(L, 2);
  lua.lua_error(L);
  throw new Error('unreachable');
}

function argError(L: L, arg: number, msg: string): never {
  lua.lua_checkstack(L, 4);
  lauxlib.luaL_argerror(L, arg, b(msg));
  throw new Error('unreachable');
}

/** C printf "%.<p>g" (with glibc's inf/nan spellings). */
export function fmtG(x: number, p: number): string {
  if (Number.isNaN(x)) {
    const dv = new DataView(new ArrayBuffer(8));
    dv.setFloat64(0, x);
    // glibc prints NaN's sign: x86's default NaN (0/0, inf-inf) has it set, like V8's results.
    return (dv.getUint8(0) & 0x80) !== 0 ? '-nan' : 'nan';
  }
  if (x === Infinity) return 'inf';
  if (x === -Infinity) return '-inf';
  if (x === 0) return Object.is(x, -0) ? '-0' : '0';
  let e = x.toExponential(p - 1);
  // JS rounds exact ties away from zero; printf rounds them to even.
  const long = Math.abs(x).toExponential(Math.min(100, p + 40));
  const digits = long.slice(0, long.indexOf('e')).replace('.', '');
  if (digits[p] === '5' && /^0*$/.test(digits.slice(p + 1)) && Number(digits[p - 1]) % 2 === 0) {
    const truncated = digits.slice(0, p);
    const e10 = long.slice(long.indexOf('e'));
    e = (x < 0 ? '-' : '') + truncated[0] + (p > 1 ? '.' + truncated.slice(1) : '') + e10;
    x = Number(e);
  }
  const [mant, expS] = e.split('e');
  const exp = Number(expS);
  if (exp < -4 || exp >= p) {
    let m = mant;
    if (m.includes('.')) m = m.replace(/0+$/, '').replace(/\.$/, '');
    const ae = Math.abs(exp);
    return `${m}e${exp < 0 ? '-' : '+'}${ae < 10 ? '0' : ''}${ae}`;
  }
  let f = x.toFixed(Math.max(0, p - 1 - exp));
  if (f.includes('.')) f = f.replace(/0+$/, '').replace(/\.$/, '');
  return f;
}

type Fn = (L: L) => number;

function newLib(L: L, fns: Record<string, Fn>): void {
  lua.lua_newtable(L);
  for (const [name, f] of Object.entries(fns)) {
    lua.lua_pushjsfunction(L, f);
    lua.lua_setfield(L, -2, b(name));
  }
}

function setStr(L: L, k: string, v: string): void {
  lua.lua_pushstring(L, b(v));
  lua.lua_setfield(L, -2, b(k));
}

// ---------------------------------------------------------------- cjson

const CJSON_NULL = { cjsonNull: true };

function isCjsonNull(L: L, i: number): boolean {
  return lua.lua_type(L, i) === lua.LUA_TLIGHTUSERDATA && lua.lua_touserdata(L, i) === CJSON_NULL;
}

/** JSON escapes by byte (lua_cjson's table: '/' and DEL escaped too, bytes over 127 as they are). */
const JSON_ESCAPES: (string | null)[] = Array.from({ length: 256 }, (_, c) => {
  const named: Record<number, string> = { 0x22: '\\"', 0x5c: '\\\\', 0x2f: '\\/', 0x08: '\\b', 0x0c: '\\f', 0x0a: '\\n', 0x0d: '\\r', 0x09: '\\t' };
  if (c in named) return named[c];
  if (c < 0x20 || c === 0x7f) return '\\u00' + c.toString(16).padStart(2, '0');
  return null;
});

/** A Lua string as a quoted JSON string, worked on bytes (so any length the output bound allows). */
function jsonString(u: Uint8Array, out: ByteOut): void {
  let start = 0;
  out.push(0x22);
  for (let i = 0; i < u.length; i++) {
    const e = JSON_ESCAPES[u[i]];
    if (e === null) continue;
    if (i > start) out.bytes(u.subarray(start, i));
    out.text(e);
    start = i + 1;
  }
  if (u.length > start) out.bytes(start === 0 ? u : u.subarray(start));
  out.push(0x22);
}

function typeName(L: L, i: number): string {
  return str(lua.lua_typename(L, lua.lua_type(L, i)));
}

function jsonEncode(L: L, idx: number, depth: number, out: ByteOut): void {
  const t = lua.lua_type(L, idx);
  switch (t) {
    case lua.LUA_TSTRING:
      jsonString(lua.lua_tolstring(L, idx), out);
      return;
    case lua.LUA_TNUMBER: {
      const n = lua.lua_tonumber(L, idx);
      if (!Number.isFinite(n)) raise(L, 'Cannot serialise number: must not be NaN or Inf');
      out.text(fmtG(n, 14));
      return;
    }
    case lua.LUA_TBOOLEAN:
      out.text(lua.lua_toboolean(L, idx) ? 'true' : 'false');
      return;
    case lua.LUA_TNIL:
      out.text('null');
      return;
    case lua.LUA_TLIGHTUSERDATA:
      if (isCjsonNull(L, idx)) {
        out.text('null');
        return;
      }
      break;
    case lua.LUA_TTABLE: {
      depth++;
      if (depth > 1000) raise(L, `Cannot serialise, excessive nesting (${depth})`);
      lauxlib.luaL_checkstack(L, 4, b('excessive nesting'));
      // Array detection as lua_cjson: every key a positive integer; sparse check (ratio 2, safe 10).
      let max = 0;
      let items = 0;
      let isArray = true;
      lua.lua_pushnil(L);
      while (lua.lua_next(L, idx) !== 0) {
        lua.lua_pop(L, 1);
        if (isArray && lua.lua_type(L, -1) === lua.LUA_TNUMBER) {
          const k = lua.lua_tonumber(L, -1);
          if (Number.isInteger(k) && k >= 1) {
            if (k > max) max = k;
            items++;
            continue;
          }
        }
        isArray = false;
      }
      if (isArray && max > 10 && max > items * 2) raise(L, 'Cannot serialise table: excessively sparse array');
      if (isArray && max > 0) {
        out.text('[');
        for (let i = 1; i <= max; i++) {
          if (i > 1) out.text(',');
          lua.lua_rawgeti(L, idx, i);
          jsonEncode(L, lua.lua_gettop(L), depth, out);
          lua.lua_pop(L, 1);
        }
        out.text(']');
        return;
      }
      out.text('{');
      let first = true;
      lua.lua_pushnil(L);
      while (lua.lua_next(L, idx) !== 0) {
        if (!first) out.text(',');
        first = false;
        const kt = lua.lua_type(L, -2);
        if (kt === lua.LUA_TSTRING) jsonString(lua.lua_tolstring(L, -2), out);
        else if (kt === lua.LUA_TNUMBER) out.text(`"${fmtG(lua.lua_tonumber(L, -2), 14)}"`);
        else raise(L, `Cannot serialise ${typeName(L, -2)}: table key must be a number or string`);
        out.text(':');
        jsonEncode(L, lua.lua_gettop(L), depth, out);
        lua.lua_pop(L, 1);
      }
      out.text('}');
      return;
    }
  }
  raise(L, `Cannot serialise ${typeName(L, idx)}: type not supported`);
}

class JsonDecoder {
  pos = 0;
  depth = 0;
  constructor(
    private readonly L: L,
    private readonly s: string,
  ) {}

  private ws(): void {
    const s = this.s;
    while (this.pos < s.length) {
      const c = s.charCodeAt(this.pos);
      if (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d) this.pos++;
      else break;
    }
  }

  /** Token name as lua_cjson reports it. */
  private tokenName(): string {
    const s = this.s;
    if (this.pos >= s.length) return 'T_END';
    const c = s[this.pos];
    switch (c) {
      case '{':
        return 'T_OBJ_BEGIN';
      case '}':
        return 'T_OBJ_END';
      case '[':
        return 'T_ARR_BEGIN';
      case ']':
        return 'T_ARR_END';
      case ',':
        return 'T_COMMA';
      case ':':
        return 'T_COLON';
      case '"':
        return 'T_STRING';
    }
    if (/[-0-9]/.test(c)) return 'T_NUMBER';
    if (c === '\t' || c === ' ' || c === '\r' || c === '\n') return 'T_WHITESPACE';
    if (s.startsWith('true', this.pos) || s.startsWith('false', this.pos)) return 'T_BOOLEAN';
    if (s.startsWith('null', this.pos)) return 'T_NULL';
    return 'invalid token';
  }

  fail(expected: string, found = this.tokenName(), at = this.pos): never {
    raise(this.L, `Expected ${expected} but found ${found} at character ${at + 1}`);
  }

  value(): void {
    const L = this.L;
    const s = this.s;
    this.ws();
    if (this.pos >= s.length) this.fail('value');
    const c = s[this.pos];
    if (c === '{') return this.object();
    if (c === '[') return this.array();
    if (c === '"') {
      lua.lua_pushstring(L, b(this.string()));
      return;
    }
    if (s.startsWith('true', this.pos)) {
      this.pos += 4;
      lua.lua_pushboolean(L, 1);
      return;
    }
    if (s.startsWith('false', this.pos)) {
      this.pos += 5;
      lua.lua_pushboolean(L, 0);
      return;
    }
    if (s.startsWith('null', this.pos)) {
      this.pos += 4;
      lua.lua_pushlightuserdata(L, CJSON_NULL);
      return;
    }
    // Numbers as lua_cjson reads them: strtod on anything starting like a number (hex, inf and nan included).
    if (/[-+0-9]/.test(c) || /^(inf|nan)/i.test(s.slice(this.pos, this.pos + 3))) {
      const m = /^[+-]?(?:0[xX][0-9a-fA-F]+|inf(?:inity)?|nan|(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?)/i.exec(s.slice(this.pos, this.pos + 400));
      if (m === null) this.fail('value', 'invalid number');
      let t = m[0];
      this.pos += t.length;
      let neg = false;
      if (t[0] === '-' || t[0] === '+') {
        neg = t[0] === '-';
        t = t.slice(1);
      }
      const low = t.toLowerCase();
      const n = low.startsWith('inf') ? Infinity : low === 'nan' ? NaN : low.startsWith('0x') ? parseInt(low, 16) : Number(t);
      lua.lua_pushnumber(L, neg ? -n : n);
      return;
    }
    this.fail('value');
  }

  private nest(): void {
    this.depth++;
    if (this.depth > 1000) raise(this.L, `Found too many nested data structures (${this.depth}) at character ${this.pos + 1}`);
    lauxlib.luaL_checkstack(this.L, 3, b('too many nested data structures'));
  }

  private string(): string {
    const s = this.s;
    let i = this.pos + 1;
    // Runs without escapes are sliced whole (no string built character by character).
    const parts: string[] = [];
    let run = i;
    for (;;) {
      if (i >= s.length) this.fail('value', 'unexpected end of string', i);
      const c = s.charCodeAt(i);
      if (c === 0x22) break;
      if (c !== 0x5c) {
        i++;
        continue;
      }
      if (i > run) parts.push(s.slice(run, i));
      const e = s[i + 1];
      const map: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };
      if (e in map) {
        parts.push(map[e]);
        i += 2;
      } else if (e === 'u') {
        let cp = parseInt(s.slice(i + 2, i + 6), 16);
        if (!/^[0-9a-fA-F]{4}$/.test(s.slice(i + 2, i + 6))) this.fail('value', 'invalid unicode escape code', i);
        i += 6;
        if (cp >= 0xd800 && cp <= 0xdbff && s[i] === '\\' && s[i + 1] === 'u') {
          const lo = parseInt(s.slice(i + 2, i + 6), 16);
          if (lo >= 0xdc00 && lo <= 0xdfff) {
            cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
            i += 6;
          }
        }
        parts.push(Buffer.from(String.fromCodePoint(cp), 'utf8').toString('latin1'));
      } else this.fail('value', 'invalid escape code', i);
      run = i;
    }
    if (i > run) parts.push(s.slice(run, i));
    this.pos = i + 1;
    return parts.length === 1 ? parts[0] : parts.join('');
  }

  private object(): void {
    const L = this.L;
    this.nest();
    this.pos++;
    lua.lua_newtable(L);
    this.ws();
    if (this.s[this.pos] === '}') {
      this.pos++;
      this.depth--;
      return;
    }
    for (;;) {
      this.ws();
      if (this.s[this.pos] !== '"') this.fail('object key string');
      lua.lua_pushstring(L, b(this.string()));
      this.ws();
      if (this.s[this.pos] !== ':') this.fail('colon');
      this.pos++;
      this.value();
      lua.lua_rawset(L, -3);
      this.ws();
      const c = this.s[this.pos];
      if (c === '}') {
        this.pos++;
        break;
      }
      if (c !== ',') this.fail('comma or object end');
      this.pos++;
    }
    this.depth--;
  }

  private array(): void {
    const L = this.L;
    this.nest();
    this.pos++;
    lua.lua_newtable(L);
    this.ws();
    if (this.s[this.pos] === ']') {
      this.pos++;
      this.depth--;
      return;
    }
    for (let i = 1; ; i++) {
      this.value();
      lua.lua_rawseti(L, -2, i);
      this.ws();
      const c = this.s[this.pos];
      if (c === ']') {
        this.pos++;
        break;
      }
      if (c !== ',') this.fail('comma or array end');
      this.pos++;
    }
    this.depth--;
  }
}

function openCjson(L: L): void {
  newLib(L, {
    encode(L) {
      if (lua.lua_gettop(L) !== 1) argError(L, 1, 'expected 1 argument');
      const out = new ByteOut(L);
      jsonEncode(L, 1, 0, out);
      pushBytes(L, out.result());
      return 1;
    },
    decode(L) {
      if (lua.lua_gettop(L) !== 1) argError(L, 1, 'expected 1 argument');
      const s = jsString(L, lauxlib.luaL_checklstring(L, 1));
      const d = new JsonDecoder(L, s);
      d.value();
      const top = lua.lua_gettop(L);
      const save = d.pos;
      void save;
      // Only whitespace may follow.
      const rest = s.slice(d.pos);
      const m = /^[ \t\r\n]*/.exec(rest)!;
      if (m[0].length !== rest.length) {
        d.pos += m[0].length;
        d.fail('the end');
      }
      lua.lua_settop(L, top);
      return 1;
    },
    encode_keep_buffer: () => 0,
    encode_max_depth(L) {
      lua.lua_pushnumber(L, 1000);
      return 1;
    },
    decode_max_depth(L) {
      lua.lua_pushnumber(L, 1000);
      return 1;
    },
    encode_number_precision(L) {
      lua.lua_pushnumber(L, 14);
      return 1;
    },
    encode_sparse_array(L) {
      lua.lua_pushboolean(L, 0);
      lua.lua_pushnumber(L, 2);
      lua.lua_pushnumber(L, 10);
      return 3;
    },
    encode_invalid_numbers(L) {
      lua.lua_pushboolean(L, 0);
      return 1;
    },
    decode_invalid_numbers(L) {
      lua.lua_pushboolean(L, 1);
      return 1;
    },
    new(L) {
      openCjson(L);
      return 1;
    },
  });
  setStr(L, '_NAME', 'cjson');
  setStr(L, '_VERSION', '2.1.0');
  lua.lua_pushlightuserdata(L, CJSON_NULL);
  lua.lua_setfield(L, -2, b('null'));
}

// ---------------------------------------------------------------- cmsgpack

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

function openCmsgpack(L: L): void {
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

// ---------------------------------------------------------------- bit

function tobit(L: L, i: number): number {
  const n = lauxlib.luaL_checknumber(L, i);
  // LuaBitOp's 2^52+2^51 trick: round half to even, then keep the low 32 bits.
  const dv = new DataView(new ArrayBuffer(8));
  dv.setFloat64(0, n + 6755399441055744.0);
  return dv.getInt32(4);
}

function openBit(L: L): void {
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

// ---------------------------------------------------------------- struct

interface StructState {
  little: boolean;
  align: number;
}

const MAXINTSIZE = 32;
const MAXALIGN = 8;

function structOpt(L: L, fmt: string, i: { p: number }, st: StructState): { opt: string; size: number } | null {
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
    case 'x':
      return { opt, size: 1 };
    case 'h':
    case 'H':
      return { opt, size: 2 };
    case 'l':
    case 'L':
    case 'T':
      return { opt, size: 8 };
    case 'f':
      return { opt, size: 4 };
    case 'd':
      return { opt, size: 8 };
    case 'c':
      return { opt, size: num(1) };
    case 'i':
    case 'I': {
      const sz = num(4);
      if (sz > MAXINTSIZE) raise(L, `integral size ${sz} is larger than limit of ${MAXINTSIZE}`);
      return { opt, size: sz };
    }
    case 's':
    case ' ':
      return { opt, size: 0 };
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

function gap(size: number, len: number, st: StructState, opt: string): number {
  if (opt === 'c' || opt === 's' || opt === ' ' || opt === 'x') return 0;
  let align = size;
  if (align <= 1 || st.align <= 1) return 0;
  if (align > st.align) align = st.align;
  if ((align & (align - 1)) !== 0) return 0;
  return (align - (len & (align - 1))) & (align - 1);
}

/** struct's arguments past the last read as nil (Lua 5.1 reports them so). */
function checkNumberArg(L: L, arg: number): number {
  if (arg > lua.lua_gettop(L)) argError(L, arg, 'number expected, got nil');
  return lauxlib.luaL_checknumber(L, arg);
}

function openStruct(L: L): void {
  newLib(L, {
    pack(L) {
      const fmt = jsString(L, lauxlib.luaL_checklstring(L, 1));
      const st: StructState = { little: true, align: 1 };
      const out = new ByteOut(L);
      let arg = 2;
      const i = { p: 0 };
      while (i.p < fmt.length) {
        const o = structOpt(L, fmt, i, st);
        if (o === null) continue;
        const { opt, size } = o;
        for (let k = gap(size, out.length, st, opt); k > 0; k--) out.push(0);
        switch (opt) {
          case 'b':
          case 'B':
          case 'h':
          case 'H':
          case 'l':
          case 'L':
          case 'T':
          case 'i':
          case 'I': {
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
          case 'x':
            out.push(0);
            break;
          case 'f':
          case 'd': {
            const buf = Buffer.alloc(size);
            const n = checkNumberArg(L, arg++);
            if (size === 4) st.little ? buf.writeFloatLE(n) : buf.writeFloatBE(n);
            else st.little ? buf.writeDoubleLE(n) : buf.writeDoubleBE(n);
            out.push(...buf);
            break;
          }
          case 'c':
          case 's': {
            if (arg > lua.lua_gettop(L)) argError(L, arg, 'string expected, got nil');
            const s: Uint8Array = lauxlib.luaL_checklstring(L, arg++);
            let l = s.length;
            if (opt === 'c' && size !== 0) {
              if (l < size) argError(L, arg, 'string too short');
              l = size;
            }
            out.bytes(s.subarray(0, l));
            if (opt === 's') out.push(0);
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
      const i = { p: 0 };
      let n = 0;
      let lastNum = 0;
      while (i.p < fmt.length) {
        const o = structOpt(L, fmt, i, st);
        if (o === null) continue;
        const { opt } = o;
        let size = o.size;
        if (pos + size > data.length || pos + size < pos) argError(L, 2, 'data string too short');
        pos += gap(size, pos, st, opt);
        if (pos + size > data.length) argError(L, 2, 'data string too short');
        lauxlib.luaL_checkstack(L, 2, b('too many results'));
        switch (opt) {
          case 'b':
          case 'B':
          case 'h':
          case 'H':
          case 'l':
          case 'L':
          case 'T':
          case 'i':
          case 'I': {
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
          case 'x':
            break;
          case 'f':
          case 'd': {
            const dv = new DataView(data.buffer, data.byteOffset + pos, size);
            lua.lua_pushnumber(L, size === 4 ? dv.getFloat32(0, st.little) : dv.getFloat64(0, st.little));
            n++;
            break;
          }
          case 'c': {
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
          case 's': {
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
      const i = { p: 0 };
      let pos = 0;
      while (i.p < fmt.length) {
        const o = structOpt(L, fmt, i, st);
        if (o === null) continue;
        if (o.opt === 's') argError(L, 1, "option 's' has no fixed size");
        if (o.opt === 'c' && o.size === 0) argError(L, 1, "option 'c0' has no fixed size");
        pos += gap(o.size, pos, st, o.opt) + o.size;
      }
      lua.lua_pushnumber(L, pos);
      return 1;
    },
  });
}

/** Lua 5.1's string.rep (no separator argument), refusing results beyond 512 MB. */
export function luaStringRep(L: L): number {
  const s: Uint8Array = lauxlib.luaL_checklstring(L, 1);
  const n = Math.trunc(lauxlib.luaL_checknumber(L, 2));
  if (!(n > 0) || s.length === 0) {
    lua.lua_pushstring(L, b(''));
    return 1;
  }
  if (s.length * n > 512 * 1024 * 1024) raise(L, 'not enough memory');
  const total = s.length * n;
  checkBigString(L, total);
  const out = new Uint8Array(total);
  out.set(s, 0);
  // Doubling copies: log2(n) native copies instead of n.
  for (let filled = s.length; filled < total; ) {
    const c = Math.min(filled, total - filled);
    out.copyWithin(filled, 0, c);
    filled += c;
  }
  pushBytes(L, out);
  checkBigString(L, total);
  return 1;
}

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

// ---------------------------------------------------------------- string.format (Lua 5.1)

/** x.toFixed(d) with printf's round-half-even on exact ties. */
function toFixedC(x: number, d: number): string {
  const long = Math.abs(x).toFixed(Math.min(100, d + 30));
  const dot = long.indexOf('.');
  const tail = long.slice(dot + 1 + d);
  if (tail[0] === '5' && /^0*$/.test(tail.slice(1))) {
    const kept = long.slice(0, dot + 1 + d).replace(/\.$/, '');
    const last = Number(kept[kept.length - 1]);
    if (last % 2 === 0) return (x < 0 ? '-' : '') + kept;
  }
  if (Math.abs(x) >= 1e21) {
    // toFixed switches to exponent form here: write the integer digits exactly.
    const i = BigInt(Math.trunc(x)).toString();
    return d > 0 ? `${i}.${'0'.repeat(d)}` : i;
  }
  return x.toFixed(d);
}

function toExpC(x: number, d: number, upper: boolean): string {
  const long = Math.abs(x).toExponential(Math.min(100, d + 30));
  const [m, e] = long.split('e');
  const digits = m.replace('.', '');
  let out: string;
  if (digits[d + 1] === '5' && /^0*$/.test(digits.slice(d + 2)) && Number(digits[d]) % 2 === 0) {
    out = (x < 0 ? '-' : '') + digits[0] + (d > 0 ? '.' + digits.slice(1, d + 1) : '') + 'e' + e;
  } else {
    out = x.toExponential(d);
  }
  out = out.replace(/e([+-])(\d)$/, 'e$10$2');
  return upper ? out.toUpperCase() : out;
}

function specialFloat(x: number, upper: boolean): string | null {
  let s: string | null = null;
  if (Number.isNaN(x)) s = fmtG(x, 6);
  else if (!Number.isFinite(x)) s = x > 0 ? 'inf' : '-inf';
  return s !== null && upper ? s.toUpperCase() : s;
}

function pad(body: string, sign: string, prefix: string, width: number, flags: string, zeroOk: boolean): string {
  const len = sign.length + prefix.length + body.length;
  if (len >= width) return sign + prefix + body;
  if (flags.includes('-')) return sign + prefix + body + ' '.repeat(width - len);
  if (flags.includes('0') && zeroOk) return sign + prefix + '0'.repeat(width - len) + body;
  return ' '.repeat(width - len) + sign + prefix + body;
}

function formatOne(L: L, conv: string, flags: string, width: number, prec: number | null, arg: number): string | Uint8Array {
  const signOf = (neg: boolean) => (neg ? '-' : flags.includes('+') ? '+' : flags.includes(' ') ? ' ' : '');
  switch (conv) {
    case 'c':
      return pad(String.fromCharCode(Math.trunc(lauxlib.luaL_checknumber(L, arg)) & 0xff), '', '', width, flags, false);
    case 'd':
    case 'i': {
      const x = lauxlib.luaL_checknumber(L, arg);
      let v = Number.isFinite(x) ? BigInt(Math.trunc(x)) : -9223372036854775808n;
      v = BigInt.asIntN(64, v);
      let body = (v < 0n ? -v : v).toString();
      if (prec !== null) body = prec === 0 && v === 0n ? '' : body.padStart(prec, '0');
      return pad(body, signOf(v < 0n), '', width, flags, prec === null);
    }
    case 'o':
    case 'u':
    case 'x':
    case 'X': {
      const x = lauxlib.luaL_checknumber(L, arg);
      const v = BigInt.asUintN(64, Number.isFinite(x) ? BigInt(Math.trunc(x)) : -9223372036854775808n);
      let body = v.toString(conv === 'o' ? 8 : conv === 'u' ? 10 : 16);
      if (conv === 'X') body = body.toUpperCase();
      if (prec !== null) body = prec === 0 && v === 0n ? '' : body.padStart(prec, '0');
      let prefix = '';
      if (flags.includes('#') && v !== 0n) {
        if (conv === 'x') prefix = '0x';
        else if (conv === 'X') prefix = '0X';
        else if (conv === 'o' && body[0] !== '0') body = '0' + body;
      }
      return pad(body, '', prefix, width, flags, prec === null);
    }
    case 'e':
    case 'E':
    case 'f':
    case 'g':
    case 'G': {
      const x = lauxlib.luaL_checknumber(L, arg);
      const upper = conv === 'E' || conv === 'G';
      const neg = x < 0 || Object.is(x, -0) || (Number.isNaN(x) && fmtG(x, 6)[0] === '-');
      const special = specialFloat(x, upper);
      if (special !== null) return pad(special.replace(/^-/, ''), signOf(neg), '', width, flags, false);
      const p = prec ?? 6;
      const a = Math.abs(x);
      let body: string;
      if (conv === 'f') {
        body = toFixedC(a, p);
        if (p === 0 && flags.includes('#')) body += '.';
      } else if (conv === 'e' || conv === 'E') {
        body = toExpC(a, p, upper);
        if (p === 0 && flags.includes('#')) body = body.replace(/^(\d)/, '$1.');
      }
      else if (flags.includes('#')) {
        // %#g keeps trailing zeros and the decimal point.
        const P = p === 0 ? 1 : p;
        const x10 = Number(toExpC(a, P - 1, false).split('e')[1]);
        body = x10 < -4 || x10 >= P ? toExpC(a, P - 1, upper) : toFixedC(a, P - 1 - x10);
        if (!body.includes('.')) body = body.replace(/^(\d+)/, '$1.');
      } else {
        body = fmtG(a, p === 0 ? 1 : p);
        if (upper) body = body.toUpperCase();
      }
      return pad(body, signOf(neg), '', width, flags, true);
    }
    case 'q':
      return quoteBytes(lauxlib.luaL_checklstring(L, arg));
    case 's': {
      let u: Uint8Array = lauxlib.luaL_checklstring(L, arg);
      if (prec !== null) u = u.subarray(0, prec);
      // Long strings are copied as bytes (they may be longer than a JS string can be).
      if (u.length >= width) return u;
      return pad(str(u), '', '', width, flags, false);
    }
  }
  raise(L, `invalid option '%${conv}' to 'format'`);
}

/** Lua 5.1's string.format: C printf conversions of doubles (%d truncates, %s prints numbers with %.14g). */
export function luaStringFormat(L: L): number {
  const fmt = jsString(L, lauxlib.luaL_checklstring(L, 1));
  let arg = 1;
  const out = new ByteOut(L);
  const top = lua.lua_gettop(L);
  for (let i = 0; i < fmt.length; ) {
    const pct = fmt.indexOf('%', i);
    if (pct < 0) {
      out.text(fmt.slice(i));
      break;
    }
    if (pct > i) out.text(fmt.slice(i, pct));
    i = pct + 1;
    if (fmt[i] === '%') {
      out.text('%');
      i++;
      continue;
    }
    arg++;
    const start = i;
    while (i < fmt.length && '-+ #0'.includes(fmt[i])) i++;
    if (i - start > 5) raise(L, 'invalid format (repeated flags)');
    const flags = fmt.slice(start, i);
    let w = '';
    while (/[0-9]/.test(fmt[i] ?? '')) w += fmt[i++];
    let prec: number | null = null;
    let pstr = '';
    if (fmt[i] === '.') {
      i++;
      while (/[0-9]/.test(fmt[i] ?? '')) pstr += fmt[i++];
      prec = pstr === '' ? 0 : Number(pstr);
    }
    if (w.length > 2 || pstr.length > 2) raise(L, 'invalid format (width or precision too long)');
    const conv = fmt[i++] ?? '';
    if (arg > top && 'cdiouxXeEfgGqs'.includes(conv) && conv !== '') {
      argError(L, arg, 'no value');
    }
    const piece = formatOne(L, conv, flags, w === '' ? 0 : Number(w), prec, arg);
    if (typeof piece === 'string') out.text(piece);
    else out.bytes(piece);
  }
  pushBytes(L, out.result());
  return 1;
}

/** %q of Lua 5.1: quotes, backslash and newline escaped, \r as \\r, NUL as \\000; worked on bytes. */
function quoteBytes(u: Uint8Array): Uint8Array {
  let extra = 2;
  for (const c of u) {
    if (c === 0x22 || c === 0x5c || c === 0x0a || c === 0x0d) extra++;
    else if (c === 0) extra += 3;
  }
  const out = Buffer.allocUnsafe(u.length + extra);
  let o = 0;
  out[o++] = 0x22;
  for (const c of u) {
    if (c === 0x22 || c === 0x5c || c === 0x0a) {
      out[o++] = 0x5c;
      out[o++] = c;
    } else if (c === 0x0d) {
      out[o++] = 0x5c;
      out[o++] = 0x72;
    } else if (c === 0) {
      out[o++] = 0x5c;
      out[o++] = 0x30;
      out[o++] = 0x30;
      out[o++] = 0x30;
    } else out[o++] = c;
  }
  out[o++] = 0x22;
  return out;
}
