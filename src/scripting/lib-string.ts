/**
 * string.rep and string.format as Lua 5.1 (Redis embeds 5.1) has them, on bytes and within the time limit.
 */
import { ByteOut, argError, b, checkBigString, fmtG, jsString, lauxlib, lua, pushBytes, raise, str, type L } from './lib-common.js';

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

