/**
 * What the script libraries share: moving bytes between Lua and JS with the
 * length checks that keep a long string from crashing the process, the time
 * limit's checks inside long library calls, building output as byte chunks,
 * raising Lua errors, and %.14g-style number formatting.
 */
import { createRequire } from 'node:module';
import './vm-limits.js'; // before the VM loads: it reads its limits once
import fengari from 'fengari';

export const { lua, lauxlib } = fengari;
export type L = unknown;

const fengariModule = createRequire(import.meta.url);
export const lobject = fengariModule('fengari/src/lobject.js');
export const lstring = fengariModule('fengari/src/lstring.js');

/**
 * Pushes bytes as a Lua string. lua_pushstring copies; a long string that
 * nothing else will modify is handed to the VM as it is instead.
 */
export function pushBytes(L: L, u: Uint8Array): void {
  if (u.length < 65536) lua.lua_pushstring(L, u);
  else lobject.pushsvalue2s(L, lstring.luaS_bless(L, u));
}

export const b = (s: string): Buffer => Buffer.from(s, 'latin1');
export const str = (u: Uint8Array): string => Buffer.from(u.buffer, u.byteOffset, u.byteLength).toString('latin1');

/** Longest string V8 can make (0x1fffffe8 characters): longer Lua strings cannot become JS strings. */
export const MAX_JS_STRING = 0x1fffffe8;
/**
 * Longest Lua string Sinew builds (concatenation and library results): 1 GiB,
 * room for twice proto-max-bulk-len. Lua 5.1 has no such bound, but Redis
 * cannot take a longer argument either.
 */
export const MAX_LUA_STRING = 2 ** 30;

/** Strings longer than this check the script's time limit when made (one call may copy hundreds of megabytes). */
export const BIG_STRING = 1 << 20;
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

export function argError(L: L, arg: number, msg: string): never {
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

export type Fn = (L: L) => number;

export function newLib(L: L, fns: Record<string, Fn>): void {
  lua.lua_newtable(L);
  for (const [name, f] of Object.entries(fns)) {
    lua.lua_pushjsfunction(L, f);
    lua.lua_setfield(L, -2, b(name));
  }
}

export function setStr(L: L, k: string, v: string): void {
  lua.lua_pushstring(L, b(v));
  lua.lua_setfield(L, -2, b(k));
}
