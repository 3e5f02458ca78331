/**
 * cjson for scripts, as lua_cjson in Redis 7.0: encoding, decoding, nesting limits, number formats and error texts.
 */
import { ByteOut, argError, b, fmtG, jsString, lauxlib, lua, newLib, pushBytes, raise, setStr, str, type L } from './lib-common.js';


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

  /** At `{` or `[`: a new table; true (the container consumed) when `close` follows at once. */
  private open(close: string): boolean {
    this.nest();
    this.pos++;
    lua.lua_newtable(this.L);
    this.ws();
    if (this.s[this.pos] !== close) return false;
    this.pos++;
    this.depth--;
    return true;
  }

  /** After a member or element: true (the container consumed) at `close`, false past a comma; else fails expecting `expected`. */
  private next(close: string, expected: string): boolean {
    this.ws();
    const c = this.s[this.pos];
    if (c === close) {
      this.pos++;
      this.depth--;
      return true;
    }
    if (c !== ',') this.fail(expected);
    this.pos++;
    return false;
  }

  private object(): void {
    const L = this.L;
    if (this.open('}')) return;
    do {
      this.ws();
      if (this.s[this.pos] !== '"') this.fail('object key string');
      lua.lua_pushstring(L, b(this.string()));
      this.ws();
      if (this.s[this.pos] !== ':') this.fail('colon');
      this.pos++;
      this.value();
      lua.lua_rawset(L, -3);
    } while (!this.next('}', 'comma or object end'));
  }

  private array(): void {
    const L = this.L;
    if (this.open(']')) return;
    for (let i = 1; ; i++) {
      this.value();
      lua.lua_rawseti(L, -2, i);
      if (this.next(']', 'comma or array end')) return;
    }
  }
}

/** A settings function that answers Redis's fixed settings, whatever it is given. */
function fixed(...values: (number | boolean)[]): (L: L) => number {
  return (L) => {
    for (const v of values) {
      if (typeof v === 'boolean') lua.lua_pushboolean(L, v ? 1 : 0);
      else lua.lua_pushnumber(L, v);
    }
    return values.length;
  };
}

export function openCjson(L: L): void {
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
    encode_max_depth: fixed(1000),
    decode_max_depth: fixed(1000),
    encode_number_precision: fixed(14),
    encode_sparse_array: fixed(false, 2, 10),
    encode_invalid_numbers: fixed(false),
    decode_invalid_numbers: fixed(true),
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

