/**
 * Lua scripting (EVAL and friends) on fengari, a Lua 5.3 VM written in
 * JavaScript, made to behave as the Lua 5.1 of Redis 7.0.15 where scripts can
 * tell: numbers are all doubles printed with "%.14g", the 5.1 library names,
 * Redis's read-only globals, its error handler and error texts. Strings cross
 * between Lua and the server as bytes (Lua strings are Uint8Arrays in
 * fengari), so scripts are binary safe.
 *
 * redis.call / redis.pcall run commands through the dispatcher's call() with
 * a script client sharing the caller's database and user (so writes inside a
 * script are propagated, notify, touch WATCHed keys and wake blocked clients
 * like any command; the clock is the outer EVAL's). Replies are converted
 * between RESP and Lua with Redis's rules for RESP2 and RESP3.
 */
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import './vm-limits.js'; // before the VM loads: it reads its limits once
import fengari from 'fengari';
import type { Server, Session } from '../server/server.js';
import { ClientFlag } from '../server/client.js';
import type { ScriptEngine } from './engine.js';
import { call } from '../commands/dispatch.js';
import { F } from '../command/table.js';
import type { ReplyWriter } from '../protocol/writer.js';
import { fmtG, openRedisLibs, luaStringFormat, luaStringRep, MAX_JS_STRING, MAX_LUA_STRING, tooLong, setTimeCheck, checkTimeLimit, checkBigString } from './libs.js';
import { checkPermission, scriptDenialMessage } from '../command/permissions.js';
import { clientInfoLine } from '../server/client-info.js';
import { Err } from '../protocol/errors.js';

const { lua, lauxlib, lualib } = fengari;
type L = unknown;

const b = (s: string): Buffer => Buffer.from(s, 'latin1');
const str = (u: Uint8Array): string => Buffer.from(u.buffer, u.byteOffset, u.byteLength).toString('latin1');

export function sha1hex(body: string): string {
  return createHash('sha1').update(Buffer.from(body, 'latin1')).digest('hex');
}

/*
 * Lua 5.1 numbers. Redis's Lua has one number type (double) printed with
 * "%.14g". fengari has 32-bit integers beside floats ("3" would print as 3
 * but 2^31 literals would wrap, and 3.0 prints "3.0"): every numeral and
 * string conversion is made a float, and every number prints with %.14g.
 * fengari's modules call these through their exports object, so replacing
 * the exported functions reaches the lexer, tonumber and tostring.
 */
let patched = false;
function patchFengari(): void {
  if (patched) return;
  patched = true;
  const require = createRequire(import.meta.url);
  const lobject = require('fengari/src/lobject.js');
  const lstring = require('fengari/src/lstring.js');
  const lundump = require('fengari/src/lundump.js');
  const lparser = require('fengari/src/lparser.js');
  const lzio = require('fengari/src/lzio.js');
  const ldebug = require('fengari/src/ldebug.js');
  const origStr2num = lobject.luaO_str2num;
  const isSpace = (c: number): boolean => c === 0x20 || (c >= 0x09 && c <= 0x0d);
  // fengari's tag for an integer (LUA_TNUMINT); tested on the value itself, since ttisinteger is patched below.
  const INT_TAG = 3 | (1 << 4);
  lobject.luaO_str2num = (s: Uint8Array, o: { type: number; setfltvalue(n: number): void; value: number }): number => {
    const r = origStr2num(s, o);
    // Only the text between leading and trailing blanks is read again (the whole may be too long for a JS string).
    let a = 0;
    let e = s.length;
    while (a < e && isSpace(s[a])) a++;
    while (e > a && isSpace(s[e - 1])) e--;
    if (r === 0) {
      // Lua 5.1 converts with strtod, which also reads inf, infinity and nan.
      if (e - a > 9) return 0;
      const m = /^([+-]?)(inf|infinity|nan)$/i.exec(str(s.subarray(a, e)));
      if (m === null) return 0;
      const v = m[2].toLowerCase() === 'nan' ? NaN : Infinity;
      o.setfltvalue(m[1] === '-' ? -v : v);
      return s.length + 1;
    }
    if (r !== 0 && o.type === INT_TAG) {
      // Re-read as a double (fengari's integers are 32-bit and wrap).
      let t = str(s.subarray(a, e));
      let neg = false;
      if (t[0] === '-' || t[0] === '+') {
        neg = t[0] === '-';
        t = t.slice(1);
      }
      let n = /^0[xX]/.test(t) ? Number(BigInt(t)) : Number(t);
      if (Number.isNaN(n)) n = o.value;
      o.setfltvalue(neg ? -n : n);
    }
    return r;
  };
  // Values fengari still makes integers (lengths, library results, loop steps)
  // take the float paths of the VM, so arithmetic never wraps at 32 bits.
  const proto = lobject.TValue.prototype;
  const NUMFLT = 3;
  const NUMINT = 3 | (1 << 4);
  proto.ttisinteger = () => false;
  // Error texts are formatted with %d/%f/%c: give them as strings, since the
  // original formatter would print the (now float-typed) numbers with ".0".
  const origV = lobject.luaO_pushvfstring;
  const pushV = (L: unknown, fmt: Uint8Array, argp: unknown[]): unknown => {
    const f = str(fmt);
    if (!/%[dIfc]/.test(f)) return origV(L, fmt, argp);
    let out = '';
    const args: unknown[] = [];
    let a = 0;
    for (let i = 0; i < f.length; i++) {
      if (f[i] !== '%' || i + 1 >= f.length) {
        out += f[i];
        continue;
      }
      const k = f[++i];
      if (k === 'd' || k === 'I') {
        out += '%s';
        args.push(b(String(argp[a++])));
      } else if (k === 'f') {
        out += '%s';
        args.push(b(fmtG(Number(argp[a++]), 14)));
      } else if (k === 'c') {
        // Lua 5.1's lexer names control characters "char(N)" and prints other bytes as they are.
        const ch = Number(argp[a++]) & 0xff;
        out += '%s';
        args.push(b(ch < 32 || ch === 127 ? `char(${ch})` : String.fromCharCode(ch)));
      } else {
        out += '%' + k;
        if (k !== '%') args.push(argp[a++]);
      }
    }
    return origV(L, b(out), args);
  };
  lobject.luaO_pushvfstring = pushV;
  lobject.luaO_pushfstring = (L: unknown, fmt: Uint8Array, ...argp: unknown[]): unknown => pushV(L, fmt, argp);
  proto.ttisfloat = function (this: { type: number }): boolean {
    return this.type === NUMFLT || this.type === NUMINT;
  };
  lobject.luaO_tostring = (L: unknown, obj: { value: number; setsvalue(s: unknown): void }): void => {
    obj.setsvalue(lstring.luaS_bless(L, b(fmtG(Number(obj.value), 14))));
  };
  /*
   * Table keys. fengari keys a string by the hex digits of its bytes run
   * together ("|" + ...), which is not one-to-one (bytes under 0x10 give one
   * digit: "\1\35" and "\18\3" were the same key) and builds a JS string
   * twice the length byte by byte. Short strings of bytes from 0x10 keep
   * that key (two digits a byte: one-to-one; the lexer finds reserved
   * words by it); every other string is keyed by "~" and its latin1 text.
   * The key is made once per string: the hash property becomes an accessor
   * (the constructor's "this.hash = null" goes through its setter). A
   * string too long for a JS string cannot be a key: that is a fault of the
   * VM (the state is reset).
   */
  const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));
  Object.defineProperty(lstring.TString.prototype, 'hash', {
    configurable: true,
    get(this: { realstring: Uint8Array; key?: string | null }): string {
      let h = this.key;
      if (h === undefined || h === null) {
        const u = this.realstring;
        let hex = u.length <= 40;
        for (let i = 0; hex && i < u.length; i++) if (u[i] < 0x10) hex = false;
        if (hex) {
          h = '|';
          for (let i = 0; i < u.length; i++) h += HEX[u[i]];
        } else {
          if (u.length >= MAX_JS_STRING) throw new RangeError(tooLong(u.length) + ' to be a table key');
          h = '~' + (u.length < 32 ? String.fromCharCode.apply(null, u as unknown as number[]) : str(u));
        }
        this.key = h;
      }
      return h;
    },
    set(this: { key?: string | null }, v: string | null): void {
      this.key = v;
    },
  });
  /*
   * Binary chunks. Redis 7.0.15 never undumps: a chunk starting with "\27"
   * is read as source text (so it fails with "unexpected symbol near
   * 'char(27)'"). fengari's parser entry undumps binary chunks through this
   * export: it parses them as text instead.
   */
  lundump.luaU_undump = (L: unknown, z: unknown, name: unknown): unknown =>
    lparser.luaY_parser(L, z, new lzio.MBuffer(), new lparser.Dyndata(), name, 27);
  /*
   * Concatenation stores its result through this export: results over
   * MAX_LUA_STRING are refused, and a long one checks the script's time
   * limit (one instruction may copy hundreds of megabytes).
   */
  const origSetsvalue2s = lobject.setsvalue2s;
  lobject.setsvalue2s = (L: unknown, idx: number, ts: { realstring: Uint8Array }): void => {
    const n = ts.realstring.length;
    if (n > MAX_LUA_STRING) ldebug.luaG_runerror(L, b('string length overflow'));
    checkBigString(L, n);
    origSetsvalue2s(L, idx, ts);
  };
  /*
   * Pattern matching (string.find, match, gmatch, gsub) runs in JS, where
   * the count hook never fires, and backtracking can take exponential time.
   * Its recursive matcher counts its depth in the match state's matchdepth
   * at every step: an accessor on the match states' prototype (reached
   * through a gmatch closure's state) checks the time limit every
   * MATCH_STEPS steps.
   */
  const T = lauxlib.luaL_newstate();
  lualib.luaL_openlibs(T);
  lua.lua_getglobal(T, b('string'));
  lua.lua_getfield(T, -1, b('gmatch'));
  lua.lua_pushstring(T, b(''));
  lua.lua_pushstring(T, b(''));
  lua.lua_call(T, 2, 1);
  lua.lua_getupvalue(T, -1, 3);
  const gm = lua.lua_touserdata(T, -1) as { ms?: object } | null;
  const matchState = gm?.ms === undefined ? null : Object.getPrototypeOf(gm.ms);
  if (matchState === null || !('matchdepth' in gm!.ms!)) throw new Error('fengari: pattern match state not found');
  let steps = 0;
  Object.defineProperty(matchState, 'matchdepth', {
    configurable: true,
    get(this: { depth?: number }): number | undefined {
      return this.depth;
    },
    set(this: { depth?: number; L?: L }, v: number): void {
      this.depth = v;
      if (++steps >= MATCH_STEPS) {
        steps = 0;
        if (this.L) checkTimeLimit(this.L);
      }
    },
  });
}

/** Pattern-matching steps between two looks at the clock. */
const MATCH_STEPS = 10000;

/** Translates Lua 5.3 runtime error wording to Lua 5.1's. */
function lua51Message(m: string): string {
  return m
    .replace(/attempt to ([a-z ]+?) an? (\w+) value \((local|global|field|upvalue|method|constant) '([^']*)'\)/, "attempt to $1 $3 '$4' (a $2 value)")
    .replace(/near <eof>/, "near '<eof>'");
}

/** Internal setup code: gives the 5.1 library, the error handler and read-only tables. */
const SETUP = `
local dbg = debug
local realerror = error
local realtostring = tostring
tostring = function(v) if type(v) == 'number' then return v .. '' end return realtostring(v) end
local type, tostring, rawget, rawset, setmetatable, getmetatable, next = type, tostring, rawget, rawset, setmetatable, getmetatable, next
unpack = table.unpack
local realcollect = collectgarbage
collectgarbage = function(opt, ...)
  if opt == 'count' then return 32 end
  if opt == nil or opt == 'collect' or opt == 'step' then return 0 end
  return realcollect(opt, ...)
end
gcinfo = function() return 32 end
error = function(m, l)
  l = l or 1
  if type(m) == 'number' then m = tostring(m) end
  if l > 0 then l = l + 1 end
  return realerror(m, l)
end
math.pow = function(x, y) return x ^ y end
math.mod = math.fmod
math.log10 = function(x) return math.log(x, 10) end
math.ldexp = function(m, e) return m * 2.0 ^ e end
math.frexp = function(x)
  if x == 0 or x ~= x or x == math.huge or x == -math.huge then return x, 0 end
  local e = math.floor(math.log(math.abs(x), 2)) + 1
  local m = x / 2.0 ^ e
  if math.abs(m) >= 1 then m = m / 2; e = e + 1 elseif math.abs(m) < 0.5 then m = m * 2; e = e - 1 end
  return m, e
end
math.cosh = function(x) return (math.exp(x) + math.exp(-x)) / 2 end
math.sinh = function(x) return (math.exp(x) - math.exp(-x)) / 2 end
math.tanh = function(x) local a, b = math.exp(x), math.exp(-x) return (a - b) / (a + b) end
math.atan2 = function(y, x) return math.atan(y, x) end
local log = math.log
math.log = function(x) return log(x) end
math.tointeger = nil; math.type = nil; math.ult = nil; math.maxinteger = nil; math.mininteger = nil
string.gfind = string.gmatch
string.pack = nil; string.unpack = nil; string.packsize = nil
table.getn = function(t) return #t end
table.setn = function() realerror("'setn' is obsolete", 2) end
table.maxn = function(t) local m = 0 for k in next, t do if type(k) == 'number' and k > m then m = k end end return m end
table.foreach = function(t, f) for k, v in next, t do local r = f(k, v) if r ~= nil then return r end end end
table.foreachi = function(t, f) for i = 1, #t do local r = f(i, t[i]) if r ~= nil then return r end end end
table.pack = nil; table.unpack = nil; table.move = nil
coroutine.isyieldable = nil
os = nil; io = nil; debug = nil; package = nil; require = nil; dofile = nil; loadfile = nil; print = nil; utf8 = nil; rawlen = nil; fengari = nil
_VERSION = 'Lua 5.1'

function __redis__err__handler(err)
  local lvl = 2
  local i = dbg.getinfo(lvl, 'nSl')
  if i and (i.what == 'C' or i.source == '=[JS]') then lvl = 3; i = dbg.getinfo(lvl, 'nSl') end
  while i and (i.source == '=redis' or i.source == '=[JS]' or i.what == 'C') do lvl = lvl + 1; i = dbg.getinfo(lvl, 'nSl') end
  if type(err) ~= 'table' then
    err = {err = 'ERR ' .. tostring(err)}
  end
  if i then
    err['source'] = i.source
    err['line'] = i.currentline
  end
  return err
end

-- Read-only tables (Redis 7.0 marks globals and libraries read-only).
local real = setmetatable({}, {__mode = 'k'})
local function readonly(t, index)
  local p = {}
  real[p] = t
  setmetatable(p, {__index = index or t, __newindex = function() realerror('Attempt to modify a readonly table', 2) end,
    __pairs = function() return next, t, nil end, __len = function() return #t end, __metatable = false})
  return p
end
local realG = _G
realG.rawset = function(t, k, v) if real[t] then realerror('Attempt to modify a readonly table', 0) end return rawset(t, k, v) end
realG.rawget = function(t, k) local r = real[t] if r then return rawget(r, k) end return rawget(t, k) end
realG.setmetatable = function(t, m) if real[t] then realerror('Attempt to modify a readonly table', 0) end return setmetatable(t, m) end
realG.next = function(t, k) local r = real[t] if r then return next(r, k) end return next(t, k) end
for _, name in ipairs({'string', 'table', 'math', 'coroutine', 'redis', 'cjson', 'cmsgpack', 'bit', 'struct'}) do
  rawset(realG, name, readonly(realG[name]))
end
local G = readonly(realG, function(_, k)
  local v = rawget(realG, k)
  if v == nil then realerror("Script attempted to access nonexistent global variable '" .. tostring(k) .. "'", 2) end
  return v
end)
rawset(realG, '_G', G)
getmetatable('').__index = realG.string
-- The string metatable is read-only too, and proxies show no metatable (as Redis's plain tables).
local realgetmetatable = getmetatable
local smeta = readonly(realgetmetatable(''))
local gmeta = readonly({})
realG.getmetatable = function(t)
  if type(t) == 'string' then return smeta end
  if t == G then return gmeta end
  if real[t] then return nil end
  return realgetmetatable(t)
end
return G
`;

/** One script execution's context. */
interface RunState {
  caller: Session;
  client: Session;
  readOnly: boolean;
  resp: 2 | 3;
  start: number;
  sha: string;
  /** Out of memory when the script started (Redis's pre_command_oom_state). */
  oom: boolean;
  /** A write command ran: from then on deny-oom commands may run (SCRIPT_WRITE_DIRTY). */
  wrote: boolean;
  /** busy-reply-threshold in ms when the script started (0: no limit). */
  limit: number;
  /**
   * Set when the script must end: it ran past its time limit, or the VM
   * faulted (a JS exception inside it). From then on every VM instruction
   * raises again, so no pcall, xpcall handler or coroutine lets it go on.
   */
  abort: Abort | null;
}

interface Abort {
  /** The error text (without "ERR "). */
  message: string;
  /** Where the script was when it was stopped (as Redis's error handler reports it). */
  source: string | null;
  line: number | null;
  /** A JS exception inside the VM: the Lua state is reset after the script. */
  fault: unknown;
}

/** Redis's rand48 behind math.random: one sequence for the server's life, from rand48's default seed. */
class Rand48 {
  private x = 0x1234abcd330en;
  seed(s: number): void {
    this.x = ((BigInt(s >>> 0) << 16n) | 0x330en) & 0xffffffffffffn;
  }
  next(): number {
    this.x = (this.x * 0x5deece66dn + 0xbn) & 0xffffffffffffn;
    return Number(this.x >> 17n);
  }
}

/** A compiled script: body and shebang flags. */
interface Script {
  body: string;
  /** The Lua source compiled (the body without its shebang line). */
  source: string;
  /** Has a "#!lua" line (flags apply). */
  shebang: boolean;
  noWrites: boolean;
  allowOom: boolean;
}

/**
 * How long a script may run. Redis lets a script run past busy-reply-threshold
 * (lua-time-limit) and answers other clients BUSY until it ends or SCRIPT KILL
 * stops it. Sinew runs scripts on its only thread, so no other client could
 * be served (nor send SCRIPT KILL) anyway: a script still running after
 * busy-reply-threshold milliseconds is stopped with an error instead
 * (0 means no limit). The clock is read every HOOK_COUNT VM instructions.
 */
const HOOK_COUNT = 100000;
export const TIMEOUT_MESSAGE = (ms: number): string =>
  `Script ran longer than busy-reply-threshold (${ms} ms) and was stopped (Sinew cannot answer BUSY while a script runs)`;

export class Scripting implements ScriptEngine {
  private L!: L;
  /** sha -> script; the compiled function lives in the Lua registry as f_<sha>. */
  readonly scripts = new Map<string, Script>();
  private state: RunState | null = null;
  private scriptClient: Session;
  private rand = new Rand48();
  private handlerRef = 0;
  /** Bytes of the cached script bodies (INFO memory). */
  bodyBytes = 0;
  /** Whether a script is running (INFO, SCRIPT KILL). */
  running = false;
  /** Times the Lua state was rebuilt after a fault of the VM. */
  resets = 0;
  /** The count hook: checks the time limit, and raises at every instruction once the script must end. */
  private readonly hook = (L: L): void => this.checkTime(L);

  constructor(private readonly server: Server) {
    patchFengari();
    this.scriptClient = server.fakeClient();
    this.scriptClient.addr = 'lua';
    this.L = this.newState();
  }

  private newState(): L {
    const L = lauxlib.luaL_newstate();
    lualib.luaL_openlibs(L);
    lua.lua_newtable(L);
    const fn = (name: string, f: (L: L) => number) => {
      lua.lua_pushjsfunction(L, f);
      lua.lua_setfield(L, -2, b(name));
    };
    fn('call', (L) => this.redisCall(L, true));
    fn('pcall', (L) => this.redisCall(L, false));
    fn('error_reply', (L) => this.errorReply(L));
    fn('status_reply', (L) => this.statusReply(L));
    fn('sha1hex', (L) => {
      if (lua.lua_gettop(L) !== 1) return this.raiseError(L, 'wrong number of arguments');
      // Hashed as bytes: any length.
      const s: Uint8Array | null = lua.lua_tolstring(L, 1);
      lua.lua_pushstring(L, b(createHash('sha1').update(s ?? new Uint8Array(0)).digest('hex')));
      return 1;
    });
    fn('log', (L) => {
      const n = lua.lua_gettop(L);
      if (n < 2) return this.raiseError(L, 'redis.log() requires two arguments or more.');
      if (lua.lua_type(L, 1) !== lua.LUA_TNUMBER) return this.raiseError(L, 'First argument must be a number (log level).');
      const level = lua.lua_tonumber(L, 1);
      if (level < 0 || level > 3) return this.raiseError(L, 'Invalid debug level.');
      const parts: string[] = [];
      let total = 0;
      for (let i = 2; i <= n; i++) {
        const s: Uint8Array | null = lua.lua_tolstring(L, i);
        if (!s) continue;
        total += s.length + 1;
        if (total > MAX_JS_STRING) return this.raiseError(L, `redis.log() message ${tooLong(total)}`);
        parts.push(str(s));
      }
      this.server.log.log(Math.trunc(level), parts.join(' '));
      return 0;
    });
    fn('setresp', (L) => {
      if (lua.lua_gettop(L) !== 1) return this.raiseError(L, 'redis.setresp() requires one argument.');
      const v = lua.lua_tonumber(L, 1);
      if (v !== 2 && v !== 3) return this.raiseError(L, 'RESP version must be 2 or 3.');
      if (this.state) this.state.resp = v;
      return 0;
    });
    fn('set_repl', (L) => {
      if (lua.lua_gettop(L) !== 1) return this.raiseError(L, 'redis.set_repl() requires one argument.');
      const v = lua.lua_tonumber(L, 1);
      if (!(v >= 0 && v <= 3) || !Number.isInteger(v)) return this.raiseError(L, 'Invalid replication flags. Use REPL_AOF, REPL_REPLICA, REPL_ALL or REPL_NONE.');
      return 0;
    });
    fn('replicate_commands', (L) => {
      lua.lua_pushboolean(L, 1);
      return 1;
    });
    fn('breakpoint', (L) => {
      lua.lua_pushboolean(L, 0);
      return 1;
    });
    fn('debug', () => 0);
    fn('acl_check_cmd', (L) => {
      const argv = this.argvOf(L);
      if (argv === null) return this.raiseError(L, 'Lua redis lib command arguments must be strings or integers');
      if (argv.length === 0) return this.raiseError(L, 'Please specify at least one argument for this redis lib call');
      const cmd = this.server.commands.resolve(argv);
      if (cmd === undefined || cmd.handler === null) return this.raiseError(L, 'Invalid command passed to redis.acl_check_cmd()');
      const st = this.state;
      const denied = st !== null ? checkPermission(st.caller.rules, cmd, argv, 'lua') : null;
      lua.lua_pushboolean(L, denied === null ? 1 : 0);
      return 1;
    });
    const consts: [string, number][] = [
      ['LOG_DEBUG', 0], ['LOG_VERBOSE', 1], ['LOG_NOTICE', 2], ['LOG_WARNING', 3],
      ['REPL_NONE', 0], ['REPL_AOF', 1], ['REPL_SLAVE', 2], ['REPL_REPLICA', 2], ['REPL_ALL', 3],
      ['REDIS_VERSION_NUM', 0x07000f],
    ];
    for (const [k, v] of consts) {
      lua.lua_pushnumber(L, v);
      lua.lua_setfield(L, -2, b(k));
    }
    lua.lua_pushstring(L, b('7.0.15'));
    lua.lua_setfield(L, -2, b('REDIS_VERSION'));
    lua.lua_setglobal(L, b('redis'));
    openRedisLibs(L);
    // math.random / math.randomseed as Redis (rand48, deterministic per script).
    lua.lua_getglobal(L, b('math'));
    lua.lua_pushjsfunction(L, (L: L) => {
      const r = (this.rand.next() % 2147483647) / 2147483647;
      const n = lua.lua_gettop(L);
      if (n === 0) lua.lua_pushnumber(L, r);
      else if (n === 1) {
        const u = lauxlib.luaL_checknumber(L, 1);
        if (!(1 <= u)) lauxlib.luaL_argerror(L, 1, b('interval is empty'));
        lua.lua_pushnumber(L, Math.floor(r * Math.trunc(u)) + 1);
      } else if (n === 2) {
        const l = Math.trunc(lauxlib.luaL_checknumber(L, 1));
        const u = Math.trunc(lauxlib.luaL_checknumber(L, 2));
        if (!(l <= u)) lauxlib.luaL_argerror(L, 2, b('interval is empty'));
        lua.lua_pushnumber(L, Math.floor(r * (u - l + 1)) + l);
      } else return lauxlib.luaL_error(L, b('wrong number of arguments'));
      return 1;
    });
    lua.lua_setfield(L, -2, b('random'));
    lua.lua_pushjsfunction(L, (L: L) => {
      this.rand.seed(Math.trunc(lauxlib.luaL_checknumber(L, 1)));
      return 0;
    });
    lua.lua_setfield(L, -2, b('randomseed'));
    lua.lua_pop(L, 1);
    lua.lua_getglobal(L, b('string'));
    lua.lua_pushjsfunction(L, luaStringFormat);
    lua.lua_setfield(L, -2, b('format'));
    lua.lua_pushjsfunction(L, luaStringRep);
    lua.lua_setfield(L, -2, b('rep'));
    lua.lua_getfield(L, -1, b('find'));
    lua.lua_pushcclosure(L, stringFind, 1);
    lua.lua_setfield(L, -2, b('find'));
    lua.lua_pop(L, 1);
    // A JS exception inside the VM (not a Lua error): the script must end and the state be rebuilt.
    lua.lua_atnativeerror(L, (L2: L) => {
      const e = lua.lua_touserdata(L2, 1);
      const st = this.state;
      if (st !== null && (st.abort === null || st.abort.fault === undefined)) {
        st.abort = { message: `internal error in the Lua interpreter: ${e instanceof Error ? e.message : String(e)}`, source: null, line: null, fault: e ?? 'fault' };
        this.armAbort(L2);
      }
      lua.lua_pushstring(L2, b('internal error in the Lua interpreter'));
      return 1;
    });
    // Lua 5.1's load takes a reader function only; loadstring reads a string (text only: binary chunks parse as text).
    lua.lua_getglobal(L, b('load'));
    lua.lua_pushcclosure(L, (L2: L) => {
      lauxlib.luaL_checktype(L2, 1, lua.LUA_TFUNCTION);
      const name = lauxlib.luaL_optlstring(L2, 2, b('=(load)'));
      lua.lua_settop(L2, 1);
      lua.lua_pushvalue(L2, lua.lua_upvalueindex(1));
      lua.lua_insert(L2, 1);
      lua.lua_pushstring(L2, name);
      lua.lua_call(L2, 2, lua.LUA_MULTRET);
      return this.lua51LoadResult(L2);
    }, 1);
    lua.lua_setglobal(L, b('load'));
    lua.lua_pushjsfunction(L, (L2: L) => {
      const src: Uint8Array = lauxlib.luaL_checklstring(L2, 1);
      // The chunk name is a C string in Lua 5.1: it ends at the first NUL.
      let name: Uint8Array = lauxlib.luaL_optlstring(L2, 2, src);
      const nul = name.indexOf(0);
      if (nul >= 0) name = name.subarray(0, nul);
      lua.lua_settop(L2, 0);
      if (lauxlib.luaL_loadbufferx(L2, src, src.length, name, null) === 0) return 1;
      lua.lua_pushnil(L2);
      lua.lua_insert(L2, 1);
      return this.lua51LoadResult(L2);
    });
    lua.lua_setglobal(L, b('loadstring'));
    // Redis's pcall: an error table raised inside gives its 'err' string to the caller.
    lua.lua_pushjsfunction(L, (L: L) => {
      lauxlib.luaL_checkany(L, 1);
      const argc = lua.lua_gettop(L);
      lua.lua_pushboolean(L, 1);
      lua.lua_insert(L, 1);
      const status = lua.lua_pcall(L, argc - 1, lua.LUA_MULTRET, 0);
      if (this.state?.abort) return this.raiseAbort(L);
      if (status !== 0) {
        lua.lua_remove(L, 1);
        if (lua.lua_type(L, -1) === lua.LUA_TTABLE) {
          lua.lua_getfield(L, -1, b('err'));
          if (lua.lua_isstring(L, -1)) lua.lua_replace(L, -2);
          else lua.lua_pop(L, 1);
        } else if (lua.lua_type(L, -1) === lua.LUA_TSTRING && lua.lua_rawlen(L, -1) < 4096) {
          const m = str(lua.lua_tolstring(L, -1));
          const m51 = lua51Message(m);
          if (m51 !== m) {
            lua.lua_pop(L, 1);
            lua.lua_pushstring(L, b(m51));
          }
        }
        lua.lua_pushboolean(L, 0);
        lua.lua_insert(L, 1);
      }
      return lua.lua_gettop(L);
    });
    lua.lua_setglobal(L, b('pcall'));
    const code = b(SETUP);
    if (lauxlib.luaL_loadbuffer(L, code, code.length, b('=redis')) !== 0 || lua.lua_pcall(L, 0, 1, 0) !== 0) {
      const e = lua.lua_tolstring(L, -1);
      throw new Error(`Lua setup failed: ${e ? str(e) : '?'}`);
    }
    // The read-only globals proxy, used as every script's environment.
    lua.lua_setfield(L, lua.LUA_REGISTRYINDEX, b('redis_G'));
    lua.lua_getglobal(L, b('__redis__err__handler'));
    this.handlerRef = lauxlib.luaL_ref(L, lua.LUA_REGISTRYINDEX);
    return L;
  }

  /** load/loadstring results: nil and the message in Lua 5.1's wording on failure. */
  private lua51LoadResult(L: L): number {
    const n = lua.lua_gettop(L);
    if (n >= 2 && lua.lua_isnil(L, 1) && lua.lua_type(L, 2) === lua.LUA_TSTRING && lua.lua_rawlen(L, 2) < 4096) {
      const m = str(lua.lua_tolstring(L, 2));
      const m51 = lua51Message(m);
      if (m51 !== m) {
        lua.lua_pushstring(L, b(m51));
        lua.lua_replace(L, 2);
      }
    }
    return n;
  }

  /**
   * The time limit. Called by the count hook, and by library code that works
   * in JS (long strings made, pattern matching). Past the limit the script
   * must end; once it must, this raises at every call.
   */
  private checkTime(L: L): void {
    const st = this.state;
    if (st === null) return;
    if (st.abort === null) {
      if (st.limit <= 0 || performance.now() - st.start <= st.limit) return;
      st.abort = { message: TIMEOUT_MESSAGE(st.limit), ...this.where(L), fault: undefined };
      this.armAbort(L);
    }
    this.raiseAbort(L);
  }

  /** Makes every VM instruction call the hook (which raises) on this thread and the script's main one. */
  private armAbort(L: L): void {
    lua.lua_sethook(L, this.hook, lua.LUA_MASKCOUNT, 1);
    if (L !== this.L) lua.lua_sethook(this.L, this.hook, lua.LUA_MASKCOUNT, 1);
  }

  /** Raises the error of a script that must end. */
  private raiseAbort(L: L): number {
    const a = this.state!.abort!;
    lua.lua_checkstack(L, 2);
    lua.lua_pushstring(L, b(a.message));
    // Raised from the hook, the error's message handler (an xpcall's) would
    // run with hooks off, as in Redis, where a handler that loops never ends:
    // hooks stay on, so it is stopped too (and nested handler errors end in
    // "error in error handling").
    (L as { allowhook: number }).allowhook = 1;
    return lua.lua_error(L);
  }

  /** Source and line of the innermost script code running (as __redis__err__handler finds them). */
  private where(L: L): { source: string | null; line: number | null } {
    const ar = new lua.lua_Debug();
    for (let level = 0; lua.lua_getstack(L, level, ar); level++) {
      lua.lua_getinfo(L, b('Sl'), ar);
      const source = ar.source ? str(ar.source) : '';
      const what = ar.what ? str(ar.what) : '';
      if (source === '=redis' || source === '=[JS]' || what === 'C' || what === 'J') continue;
      return { source, line: ar.currentline };
    }
    return { source: null, line: null };
  }

  /** Raises an error table {err='ERR <msg>'} (luaPushError + luaError). */
  private raiseError(L: L, msg: string): number {
    this.pushErrorTable(L, msg.startsWith('-') ? msg : '-ERR ' + msg, false);
    return lua.lua_error(L);
  }

  /** Pushes {err=...} from an error text as luaPushErrorBuff does ("-CODE msg" or "msg"). */
  private pushErrorTable(L: L, text: string, ignoreStats: boolean): void {
    let code = 'ERR';
    let msg = text;
    if (text.startsWith('-')) {
      const sp = text.indexOf(' ');
      if (sp < 0) msg = text.slice(1);
      else {
        code = text.slice(1, sp);
        msg = text.slice(sp + 1);
      }
    }
    msg = msg.replace(/^[\r\n]+|[\r\n]+$/g, '');
    lua.lua_newtable(L);
    lua.lua_pushstring(L, b('err'));
    lua.lua_pushstring(L, b(`${code} ${msg}`));
    lua.lua_rawset(L, -3);
    if (ignoreStats) {
      lua.lua_pushstring(L, b('ignore_error_stats_update'));
      lua.lua_pushboolean(L, 1);
      lua.lua_rawset(L, -3);
    }
  }

  private errorReply(L: L): number {
    if (lua.lua_gettop(L) !== 1 || lua.lua_type(L, -1) !== lua.LUA_TSTRING) {
      this.pushErrorTable(L, 'wrong number or type of arguments', false);
      return 1;
    }
    const u: Uint8Array = lua.lua_tolstring(L, 1);
    if (u.length > MAX_JS_STRING) return this.raiseError(L, `redis.error_reply() argument ${tooLong(u.length)}`);
    const e = str(u);
    this.pushErrorTable(L, e.startsWith('-') ? e : '-' + e, false);
    return 1;
  }

  private statusReply(L: L): number {
    if (lua.lua_gettop(L) !== 1 || lua.lua_type(L, -1) !== lua.LUA_TSTRING) {
      this.pushErrorTable(L, 'wrong number or type of arguments', false);
      return 1;
    }
    const n = lua.lua_rawlen(L, 1);
    if (n > MAX_JS_STRING) return this.raiseError(L, `redis.status_reply() argument ${tooLong(n)}`);
    lua.lua_newtable(L);
    lua.lua_pushstring(L, b('ok'));
    lua.lua_pushvalue(L, 1);
    lua.lua_rawset(L, -3);
    return 1;
  }

  /** SCRIPT FLUSH: forget every script and start a fresh interpreter. */
  flush(): void {
    this.scripts.clear();
    this.bodyBytes = 0;
    this.L = this.newState();
  }

  /** SCRIPT LOAD / EVAL: compiles and caches; returns the sha or an error message. */
  load(body: string): { sha: string } | { error: string } {
    const sha = sha1hex(body);
    if (this.scripts.has(sha)) return { sha };
    let source = body;
    let noWrites = false;
    let allowOom = false;
    if (body.startsWith('#!')) {
      // Shebang: "#!lua flags=no-writes,allow-oom"; the line is dropped but its newline kept.
      const nl = body.indexOf('\n');
      const line = nl < 0 ? body : body.slice(0, nl);
      const parts = line.split(' ').filter((p) => p !== '');
      if (nl < 0) return { error: 'ERR Invalid script shebang' };
      if (parts[0] !== '#!lua') return { error: `ERR Unexpected engine in script shebang: ${parts[0] ?? '#!'}` };
      for (const p of parts.slice(1)) {
        if (!p.startsWith('flags=')) return { error: `ERR Unknown lua shebang option: ${p}` };
        for (const flag of p.slice(6).split(',')) {
          if (flag === '') continue;
          if (flag === 'no-writes') noWrites = true;
          else if (flag === 'allow-oom') allowOom = true;
          else if (!['allow-oom', 'allow-stale', 'no-cluster', 'allow-cross-slot-keys'].includes(flag)) {
            return { error: `ERR Unexpected flag in script shebang: ${flag}` };
          }
        }
      }
      source = nl < 0 ? '' : body.slice(nl);
    }
    const error = this.compile(sha, source);
    if (error !== null) return { error };
    this.scripts.set(sha, { body, source, shebang: body.startsWith('#!'), noWrites, allowOom });
    this.bodyBytes += body.length;
    return { sha };
  }

  /** Compiles a script's source into the registry as f_<sha>; returns the error reply text on failure. */
  private compile(sha: string, source: string): string | null {
    const L = this.L;
    const code = b(source);
    if (lauxlib.luaL_loadbuffer(L, code, code.length, b('@user_script')) !== 0) {
      const e: Uint8Array | null = lua.lua_tolstring(L, -1);
      lua.lua_pop(L, 1);
      return `ERR Error compiling script (new function): ${lua51Message(e ? str(e.subarray(0, 4096)) : '')}`;
    }
    // The script's globals are the read-only proxy.
    lua.lua_getfield(L, lua.LUA_REGISTRYINDEX, b('redis_G'));
    lua.lua_setupvalue(L, -2, 1);
    lua.lua_setfield(L, lua.LUA_REGISTRYINDEX, b(`f_${sha}`));
    return null;
  }

  /**
   * After a fault of the VM (a JS exception inside it) its state may be
   * inconsistent: a new state replaces it, and every cached script is
   * compiled again from its body.
   */
  private reset(): void {
    this.resets++;
    this.L = this.newState();
    for (const [sha, script] of this.scripts) {
      if (this.compile(sha, script.source) !== null) {
        this.scripts.delete(sha);
        this.bodyBytes -= script.body.length;
      }
    }
  }

  /** Runs a cached script; writes the reply to the caller. */
  run(c: Session, sha: string, keys: string[], args: string[], readOnly: boolean): void {
    const L = this.L;
    const w = c.w;
    const script = this.scripts.get(sha)!;
    if (script.shebang && !script.noWrites && this.server.rdb.writesDenied) {
      w.error("MISCONF Redis is configured to save RDB snapshots, but it's currently unable to persist to disk. Writable scripts are blocked. Use 'no-writes' flag for read only scripts.");
      return;
    }
    if (readOnly && script.shebang && !script.noWrites) {
      w.error('ERR Can not execute a script with write flag using *_ro command.');
      return;
    }
    // Memory is checked (and eviction run) once, as Redis does before any command;
    // a shebang script that may write and lacks allow-oom is refused like a deny-oom command.
    const oom = this.server.config.maxmemory !== 0 && !this.server.evict();
    if (oom && script.shebang && !script.noWrites && !script.allowOom) {
      w.error("OOM command not allowed when used memory > 'maxmemory'.");
      return;
    }
    lua.lua_settop(L, 0);
    lua.lua_rawgeti(L, lua.LUA_REGISTRYINDEX, this.handlerRef);
    lua.lua_getfield(L, lua.LUA_REGISTRYINDEX, b(`f_${sha}`));
    this.setArray(L, 'KEYS', keys);
    this.setArray(L, 'ARGV', args);
    const sc = this.scriptClient;
    sc.db = c.db;
    sc.resp = 2;
    sc.w.resp = 2;
    sc.user = c.user;
    sc.rules = c.rules;
    sc.flags = (sc.flags & ~ClientFlag.Multi) | ClientFlag.Fake;
    const st: RunState = {
      caller: c,
      client: sc,
      readOnly: readOnly || script.noWrites,
      resp: 2,
      start: performance.now(),
      sha,
      oom: oom && !script.allowOom,
      wrote: false,
      limit: this.server.config.getInt('busy-reply-threshold'),
      abort: null,
    };
    this.state = st;
    this.running = true;
    setTimeCheck(this.hook);
    if (st.limit > 0) lua.lua_sethook(L, this.hook, lua.LUA_MASKCOUNT, HOOK_COUNT);
    let status: number;
    try {
      status = lua.lua_pcall(L, 0, 1, 1);
    } catch (e) {
      // An exception out of the VM: a fault like those atnativeerror sees.
      status = -1;
      if (st.abort === null || st.abort.fault === undefined) {
        st.abort = { message: `internal error in the Lua interpreter: ${e instanceof Error ? e.message : String(e)}`, source: null, line: null, fault: e ?? 'fault' };
      }
    } finally {
      lua.lua_sethook(L, null, 0, 0);
      setTimeCheck(null);
      this.running = false;
      this.state = null;
      sc.db = this.server.keyspace.dbs[0];
    }
    if (st.abort === null && status !== 0 && status !== lua.LUA_ERRRUN && status !== lua.LUA_ERRMEM && status !== lua.LUA_ERRERR) {
      st.abort = { message: `internal error in the Lua interpreter (status ${status})`, source: null, line: null, fault: status };
    }
    const abort = st.abort;
    if (abort !== null) {
      if (abort.fault !== undefined) {
        // The state may be inconsistent: never run anything in it again.
        this.reset();
        w.error(`ERR Error running script (call to f_${sha}): ${abort.message}; the Lua state was reset`);
        return;
      }
      lua.lua_settop(L, 0);
      let msg = 'ERR ' + abort.message;
      if (abort.source !== null && abort.line !== null) msg += ` script: ${sha}, on ${abort.source}:${abort.line}.`;
      this.writeError(w, msg, false);
    } else if (status !== 0) {
      this.writeRunError(L, w, sha);
    } else {
      this.luaToReply(L, w, st.resp);
    }
    lua.lua_settop(L, 0);
    // The script tables are per call: drop them so nothing stays referenced.
    this.setArray(L, 'KEYS', []);
    this.setArray(L, 'ARGV', []);
  }

  /** The reply for a failed script, from the error table the handler built. */
  private writeRunError(L: L, w: ReplyWriter, sha: string): void {
    if (lua.lua_type(L, -1) !== lua.LUA_TTABLE) {
      const e: Uint8Array | null = lua.lua_tolstring(L, -1);
      w.error(`ERR Error running script f_${sha}, ${e ? str(e.subarray(0, 100)) : 'execution failure'}`);
      return;
    }
    const field = (name: string): string | null => {
      lua.lua_pushstring(L, b(name));
      lua.lua_rawget(L, -2);
      const v = lua.lua_isstring(L, -1) ? replyText(L) : null;
      lua.lua_pop(L, 1);
      return v;
    };
    lua.lua_pushstring(L, b('ignore_error_stats_update'));
    lua.lua_rawget(L, -2);
    const ignore = lua.lua_toboolean(L, -1);
    lua.lua_pop(L, 1);
    let msg = lua51Message(field('err') ?? 'ERR unknown error');
    const line = field('line');
    const source = field('source');
    if (line !== null && source !== null) msg += ` script: ${sha}, on ${source}:${line}.`;
    this.writeError(w, msg, ignore);
  }

  private writeError(w: ReplyWriter, msg: string, ignoreStats: boolean): void {
    if (!ignoreStats) {
      w.error(msg);
      return;
    }
    const cb = w.onError;
    w.onError = null;
    w.error(msg);
    w.onError = cb;
  }

  /** Sets a global table without going through the globals' protection. */
  private setArray(L: L, name: string, items: string[]): void {
    lua.lua_pushglobaltable(L);
    lua.lua_pushstring(L, b(name));
    lua.lua_createtable(L, items.length, 0);
    for (let i = 0; i < items.length; i++) {
      lua.lua_pushstring(L, b(items[i]));
      lua.lua_rawseti(L, -2, i + 1);
    }
    lua.lua_rawset(L, -3);
    lua.lua_pop(L, 1);
  }

  /**
   * The arguments of a redis.* call as command arguments, or null when one is
   * not a string or number. Command arguments are JS strings: one longer
   * than a JS string can be raises an error.
   */
  private argvOf(L: L): string[] | null {
    const n = lua.lua_gettop(L);
    const argv: string[] = [];
    for (let i = 1; i <= n; i++) {
      const t = lua.lua_type(L, i);
      if (t === lua.LUA_TNUMBER) {
        // Redis formats numbers with "%.17g", not Lua's lossy "%.14g".
        argv.push(fmtG(lua.lua_tonumber(L, i), 17));
      } else if (t === lua.LUA_TSTRING) {
        const u: Uint8Array = lua.lua_tolstring(L, i);
        if (u.length > MAX_JS_STRING) this.raiseError(L, `Lua redis lib command argument #${i} ${tooLong(u.length)}`);
        argv.push(str(u));
      } else {
        return null;
      }
    }
    return argv;
  }

  /** redis.call / redis.pcall. */
  private redisCall(L: L, raise: boolean): number {
    const st = this.state;
    if (st === null) return this.raiseError(L, 'redis.call/pcall can only be called inside a script invocation');
    if (lua.lua_gettop(L) === 0) return this.raiseError(L, 'Please specify at least one argument for this redis lib call');
    const argv = this.argvOf(L);
    if (argv === null) return this.raiseError(L, 'Lua redis lib command arguments must be strings or integers');
    const server = this.server;
    const cmd = server.commands.resolve(argv);
    // A command refused before it runs counts as an error once, here (and as rejected for a known command).
    const fail = (msg: string): number => {
      server.countError('ERR ' + msg);
      if (cmd !== undefined && cmd.handler !== null) cmd.rejectedCalls++;
      this.pushErrorTable(L, '-ERR ' + msg, true);
      return raise ? lua.lua_error(L) : 1;
    };
    if (cmd === undefined || cmd.handler === null) return fail('Unknown Redis command called from script');
    if ((cmd.arity > 0 && cmd.arity !== argv.length) || argv.length < -cmd.arity) {
      return fail('Wrong number of args calling Redis command from script');
    }
    if (cmd.has(F.noscript)) return fail('This Redis command is not allowed from script');
    // the ACL check comes before the script's own restrictions (scriptCall)
    const denied = checkPermission(st.caller.rules, cmd, argv, 'lua');
    if (denied !== null) {
      server.acl.addLog(denied.reason, 'lua', denied.object, denied.username, clientInfoLine(st.caller));
      const msg = scriptDenialMessage(denied);
      server.countError(msg);
      cmd.rejectedCalls++;
      this.pushErrorTable(L, '-' + msg, true);
      return raise ? lua.lua_error(L) : 1;
    }
    // May-replicate commands (PUBLISH, PFCOUNT) count as writes here, as in Redis's scriptVerifyWriteCommandAllow.
    if (st.readOnly && cmd.has(F.write | F.may_replicate)) return fail('Write commands are not allowed from read-only scripts.');
    // stop-writes-on-bgsave-error: a write is refused until the script has written (scriptVerifyWriteCommandAllow)
    if (cmd.has(F.write) && !st.wrote && server.rdb.writesDenied) {
      server.countError(Err.bgsaveError);
      cmd.rejectedCalls++;
      this.pushErrorTable(L, '-' + Err.bgsaveError, true);
      return raise ? lua.lua_error(L) : 1;
    }
    if (st.oom && cmd.has(F.denyoom) && !st.wrote) {
      server.countError('OOM');
      cmd.rejectedCalls++;
      this.pushErrorTable(L, "-OOM command not allowed when used memory > 'maxmemory'.", true);
      return raise ? lua.lua_error(L) : 1;
    }
    const sc = st.client;
    sc.resp = st.resp;
    sc.w.resp = st.resp;
    sc.w.take();
    call(server, sc, cmd, argv);
    if (cmd.has(F.write)) st.wrote = true;
    const out = sc.w.take();
    const buf = out === null ? Buffer.alloc(0) : out.length === 1 ? out[0] : Buffer.concat(out);
    if (buf.length > 0 && buf[0] === 0x2d) {
      const end = buf.indexOf('\r\n');
      this.pushErrorTable(L, buf.toString('latin1', 0, end < 0 ? buf.length : end), true);
      return raise ? lua.lua_error(L) : 1;
    }
    if (buf.length === 0) lua.lua_pushboolean(L, 0);
    else this.pushResp(L, buf, 0);
    return 1;
  }

  /** Pushes the RESP value at buf[pos] as a Lua value (Redis's conversion rules); returns the next position. */
  private pushResp(L: L, buf: Buffer, pos: number): number {
    lauxlib.luaL_checkstack(L, 4, b('reply too deeply nested'));
    const type = buf[pos];
    const eol = buf.indexOf('\r\n', pos);
    const line = buf.toString('latin1', pos + 1, eol);
    let p = eol + 2;
    const field = (name: string) => {
      lua.lua_pushstring(L, b(name));
      lua.lua_insert(L, -2);
      lua.lua_rawset(L, -3);
    };
    switch (type) {
      case 0x3a: // :
        lua.lua_pushnumber(L, Number(line));
        return p;
      case 0x24: {
        // $
        const n = Number(line);
        if (n < 0) {
          lua.lua_pushboolean(L, 0);
          return p;
        }
        lua.lua_pushstring(L, buf.subarray(p, p + n));
        return p + n + 2;
      }
      case 0x2b: // +
        lua.lua_newtable(L);
        lua.lua_pushstring(L, b(line));
        field('ok');
        return p;
      case 0x2d: // -
        this.pushErrorTable(L, '-' + line, false);
        return p;
      case 0x2a:
      case 0x7e:
      case 0x25:
      case 0x3e: {
        // * ~ % >
        const n = Number(line);
        if (n < 0) {
          lua.lua_pushboolean(L, 0);
          return p;
        }
        if (type === 0x2a || type === 0x3e) {
          lua.lua_createtable(L, n, 0);
          for (let i = 1; i <= n; i++) {
            p = this.pushResp(L, buf, p);
            lua.lua_rawseti(L, -2, i);
          }
          return p;
        }
        lua.lua_newtable(L);
        lua.lua_newtable(L);
        for (let i = 0; i < n; i++) {
          p = this.pushResp(L, buf, p);
          if (type === 0x25) p = this.pushResp(L, buf, p);
          else lua.lua_pushboolean(L, 1);
          lua.lua_settable(L, -3);
        }
        field(type === 0x25 ? 'map' : 'set');
        return p;
      }
      case 0x5f: // _
        lua.lua_pushnil(L);
        return p;
      case 0x23: // #
        lua.lua_pushboolean(L, line === 't' ? 1 : 0);
        return p;
      case 0x2c: // ,
        lua.lua_newtable(L);
        lua.lua_pushnumber(L, line === 'inf' ? Infinity : line === '-inf' ? -Infinity : Number(line));
        field('double');
        return p;
      case 0x28: // (
        lua.lua_newtable(L);
        lua.lua_pushstring(L, b(line));
        field('big_number');
        return p;
      case 0x3d: {
        // = verbatim "fmt:text"
        const n = Number(line);
        lua.lua_newtable(L);
        lua.lua_newtable(L);
        lua.lua_pushstring(L, buf.subarray(p, p + 3));
        lua.lua_setfield(L, -2, b('format'));
        lua.lua_pushstring(L, buf.subarray(p + 4, p + n));
        lua.lua_setfield(L, -2, b('string'));
        field('verbatim_string');
        return p + n + 2;
      }
      case 0x7c: {
        // | attribute: skipped, then the value it annotates
        const n = Number(line);
        for (let i = 0; i < 2 * n; i++) {
          p = this.pushResp(L, buf, p);
          lua.lua_pop(L, 1);
        }
        return this.pushResp(L, buf, p);
      }
    }
    lua.lua_pushnil(L);
    return buf.length;
  }

  /**
   * Lua value at the top of the stack -> reply (luaReplyToRedisReply of 7.0),
   * walked with an explicit stack (no JS recursion, so any nesting is safe).
   * The Lua stack is used as Redis's recursion uses it, so the nesting limit
   * ("reached lua stack limit", Lua 5.1's 8000 slots) falls at the same depth.
   * Consumes the value.
   */
  private luaToReply(L: L, w: ReplyWriter, resp: 2 | 3): void {
    interface Frame {
      kind: 'array' | 'map' | 'set';
      /** array: next index; map/set: 0 = fetch next pair, 1 = value pending (map). */
      i: number;
      /** Slot of the table iterated. */
      t: number;
    }
    const frames: Frame[] = [];
    this.emitValue(L, w, resp, frames);
    while (frames.length > 0) {
      const f = frames[frames.length - 1];
      if (f.kind === 'array') {
        lua.lua_rawgeti(L, f.t, f.i++);
        if (lua.lua_type(L, -1) === lua.LUA_TNIL) {
          lua.lua_pop(L, 1);
          frames.pop();
          this.finishAggregate(L, w, f);
          continue;
        }
        this.emitValue(L, w, resp, frames);
        continue;
      }
      if (f.i === 1) {
        // map: the value of the pair whose key was just written
        f.i = 0;
        this.emitValue(L, w, resp, frames);
        continue;
      }
      if (lua.lua_next(L, f.t) === 0) {
        frames.pop();
        this.finishAggregate(L, w, f);
        continue;
      }
      if (f.kind === 'set') lua.lua_pop(L, 1);
      else f.i = 1;
      lua.lua_pushvalue(L, f.kind === 'set' ? -1 : -2);
      this.emitValue(L, w, resp, frames);
    }
  }

  private finishAggregate(L: L, w: ReplyWriter, f: { kind: string; t: number }): void {
    void w;
    // Pop the table (and for map/set the wrapper below it).
    lua.lua_pop(L, f.kind === 'array' ? 1 : 2);
  }

  /** Writes the value on top of the stack and pops it, or opens a frame for an aggregate (which keeps it). */
  private emitValue(L: L, w: ReplyWriter, resp: 2 | 3, frames: { kind: 'array' | 'map' | 'set'; i: number; t: number }[]): void {
    if (lua.lua_gettop(L) + 4 > 8000 || !lua.lua_checkstack(L, 4)) {
      w.error('ERR reached lua stack limit');
      lua.lua_pop(L, 1);
      return;
    }
    const t = lua.lua_type(L, -1);
    switch (t) {
      case lua.LUA_TSTRING: {
        // As bytes: a Lua string may be longer than a JS string can be.
        const u: Uint8Array = lua.lua_tolstring(L, -1);
        w.bulkBuffer(Buffer.from(u.buffer, u.byteOffset, u.byteLength));
        break;
      }
      case lua.LUA_TBOOLEAN:
        if (resp === 2) {
          if (lua.lua_toboolean(L, -1)) w.int(1);
          else w.nullBulk();
        } else w.bool(lua.lua_toboolean(L, -1));
        break;
      case lua.LUA_TNUMBER: {
        const v = toLongLong(lua.lua_tonumber(L, -1));
        if (typeof v === 'bigint') w.bigInt(v);
        else w.int(v);
        break;
      }
      case lua.LUA_TTABLE: {
        const get = (name: string): number => {
          lua.lua_pushstring(L, b(name));
          lua.lua_rawget(L, -2);
          return lua.lua_type(L, -1);
        };
        if (get('err') === lua.LUA_TSTRING) {
          lua.lua_pop(L, 1);
          this.writeErrorField(L, w);
          break;
        }
        lua.lua_pop(L, 1);
        if (get('ok') === lua.LUA_TSTRING) {
          w.simple(replyText(L).replace(/[\r\n]/g, ' '));
          lua.lua_pop(L, 1);
          break;
        }
        lua.lua_pop(L, 1);
        if (get('double') === lua.LUA_TNUMBER) {
          w.double(lua.lua_tonumber(L, -1));
          lua.lua_pop(L, 1);
          break;
        }
        lua.lua_pop(L, 1);
        if (get('big_number') === lua.LUA_TSTRING) {
          w.bigNumber(replyText(L).replace(/[\r\n]/g, ' '));
          lua.lua_pop(L, 1);
          break;
        }
        lua.lua_pop(L, 1);
        if (get('verbatim_string') === lua.LUA_TTABLE) {
          if (get('format') === lua.LUA_TSTRING) {
            const format = replyText(L);
            lua.lua_pop(L, 1);
            if (get('string') === lua.LUA_TSTRING) {
              w.verbatim(replyText(L), format.slice(0, 3).padEnd(3, ' '));
              lua.lua_pop(L, 3);
              return;
            }
          }
          lua.lua_pop(L, 1);
        }
        lua.lua_pop(L, 1);
        for (const kind of ['map', 'set'] as const) {
          if (get(kind) === lua.LUA_TTABLE) {
            let n = 0;
            lua.lua_pushnil(L);
            while (lua.lua_next(L, -2) !== 0) {
              n++;
              lua.lua_pop(L, 1);
            }
            if (kind === 'map') w.map(n);
            else w.set(n);
            // The wrapper stays below the inner table, as in Redis's recursion.
            lua.lua_pushnil(L);
            frames.push({ kind, i: 0, t: lua.lua_gettop(L) - 1 });
            return;
          }
          lua.lua_pop(L, 1);
        }
        let n = 0;
        for (;;) {
          lua.lua_rawgeti(L, -1, n + 1);
          const nil = lua.lua_type(L, -1) === lua.LUA_TNIL;
          lua.lua_pop(L, 1);
          if (nil) break;
          n++;
        }
        w.array(n);
        frames.push({ kind: 'array', i: 1, t: lua.lua_gettop(L) });
        return;
      }
      default:
        w.nullBulk();
    }
    lua.lua_pop(L, 1);
  }

  /** {err=...} returned as a value: "-<msg>" (the ignore-stats mark is honoured). */
  private writeErrorField(L: L, w: ReplyWriter): void {
    lua.lua_pushstring(L, b('err'));
    lua.lua_rawget(L, -2);
    const msg = replyText(L);
    lua.lua_pop(L, 1);
    lua.lua_pushstring(L, b('ignore_error_stats_update'));
    lua.lua_rawget(L, -2);
    const ignore = lua.lua_toboolean(L, -1);
    lua.lua_pop(L, 1);
    this.writeError(w, msg, ignore);
  }
}

const SPECIALS = new Set([...'^$*+?.([%-'].map((c) => c.charCodeAt(0)));

/**
 * string.find. A plain search (the fourth argument true, or a pattern
 * without special characters) is done with Buffer.indexOf: fengari compares
 * at every position, which is quadratic (a long run of 'a' searched for
 * 'aaa...ab' runs for minutes). Other searches go to fengari's (upvalue 1).
 */
function stringFind(L: L): number {
  const s: Uint8Array = lauxlib.luaL_checklstring(L, 1);
  const p: Uint8Array = lauxlib.luaL_checklstring(L, 2);
  const plain = lua.lua_toboolean(L, 4) || !p.some((c) => SPECIALS.has(c));
  if (!plain) {
    const n = lua.lua_gettop(L);
    lua.lua_pushvalue(L, lua.lua_upvalueindex(1));
    lua.lua_insert(L, 1);
    lua.lua_call(L, n, lua.LUA_MULTRET);
    return lua.lua_gettop(L);
  }
  // As fengari (Lua 5.3): a negative start counts from the end; past the end finds nothing.
  let init = lauxlib.luaL_optinteger(L, 3, 1);
  if (init < 0) init = -init > s.length ? 0 : s.length + init + 1;
  if (init < 1) init = 1;
  else if (init > s.length + 1) {
    lua.lua_pushnil(L);
    return 1;
  }
  const hay = Buffer.from(s.buffer, s.byteOffset, s.length);
  const at = hay.indexOf(Buffer.from(p.buffer, p.byteOffset, p.length), init - 1);
  if (at < 0) {
    lua.lua_pushnil(L);
    return 1;
  }
  lua.lua_pushnumber(L, at + 1);
  lua.lua_pushnumber(L, at + p.length);
  return 2;
}

/**
 * The string at the top of the stack as reply text. One too long for a JS
 * string (only an error or status text could be) is cut, with a note.
 */
function replyText(L: L): string {
  const u: Uint8Array = lua.lua_tolstring(L, -1);
  if (u.length <= MAX_JS_STRING) return str(u);
  return str(u.subarray(0, 1024)) + `... (cut: ${u.length} bytes, longer than a reply text can be)`;
}

/** C's (long long) cast of a double on x86-64: out of range and NaN give LLONG_MIN. */
function toLongLong(n: number): number | bigint {
  if (!(n >= -9223372036854775808 && n < 9223372036854775808)) return -9223372036854775808n;
  const t = Math.trunc(n);
  return Number.isSafeInteger(t) ? t : BigInt(t);
}
