/**
 * Lua scripting (EVAL and friends) on fengari, a Lua VM written in
 * JavaScript. Strings cross between Lua and the server as bytes (Lua
 * strings are Uint8Arrays in fengari), so scripts are binary safe.
 *
 * redis.call / redis.pcall run commands through the same dispatcher path as
 * any client (a script client sharing the caller's database and protocol),
 * and replies are converted between RESP and Lua with Redis's rules.
 */
import { createHash } from 'node:crypto';
import fengari from 'fengari';
import type { Server } from '../server/server.js';
import type { Client } from '../server/client.js';
import { ReplyReader, RespError, RespMap, RespSet, RespDouble, RespVerbatim, RespPush, type RespValue } from '../protocol/reply-reader.js';
import { call } from '../commands/dispatch.js';
import { F } from '../commands/table.js';
import type { ReplyWriter } from '../protocol/writer.js';

const { lua, lauxlib, lualib } = fengari;
type L = unknown;

const b = (s: string): Buffer => Buffer.from(s, 'latin1');
const str = (u: Uint8Array): string => Buffer.from(u.buffer, u.byteOffset, u.byteLength).toString('latin1');

export function sha1hex(body: string): string {
  return createHash('sha1').update(Buffer.from(body, 'latin1')).digest('hex');
}

/** One script execution's context. */
interface RunState {
  caller: Client;
  client: Client;
  readOnly: boolean;
  resp: 2 | 3;
  start: number;
  sha: string;
}

export class Scripting {
  private L: L;
  /** sha -> body; the compiled function lives in the Lua registry as f_<sha>. */
  readonly scripts = new Map<string, string>();
  private state: RunState | null = null;
  private scriptClient: Client;
  /** Scripts run so far, and whether one is running (INFO, SCRIPT KILL). */
  running = false;

  constructor(private readonly server: Server) {
    this.scriptClient = server.fakeClient();
    this.scriptClient.addr = 'lua';
    this.L = this.newState();
  }

  private newState(): L {
    const L = lauxlib.luaL_newstate();
    lualib.luaL_openlibs(L);
    // Lua 5.1 names scripts rely on.
    this.exec(L, 'unpack = table.unpack; loadstring = load; math.pow = function(x, y) return x ^ y end');
    // Remove what scripts must not reach.
    this.exec(L, 'os = { time = os.time, clock = os.clock, date = os.date, difftime = os.difftime }; io = nil; dofile = nil; loadfile = nil; require = nil; package = nil; debug = nil');
    lua.lua_newtable(L);
    const fn = (name: string, f: (L: L) => number) => {
      lua.lua_pushjsfunction(L, f);
      lua.lua_setfield(L, -2, b(name));
    };
    fn('call', (L) => this.redisCall(L, true));
    fn('pcall', (L) => this.redisCall(L, false));
    fn('error_reply', (L) => this.singleFieldTable(L, 'err'));
    fn('status_reply', (L) => this.singleFieldTable(L, 'ok'));
    fn('sha1hex', (L) => {
      if (lua.lua_gettop(L) !== 1) return lauxlib.luaL_error(L, b('wrong number of arguments'));
      const s = lua.lua_tolstring(L, 1);
      lua.lua_pushstring(L, b(sha1hex(s ? str(s) : '')));
      return 1;
    });
    fn('log', (L) => {
      const level = lua.lua_tointeger(L, 1);
      const parts: string[] = [];
      for (let i = 2; i <= lua.lua_gettop(L); i++) {
        const s = lua.lua_tolstring(L, i);
        if (s) parts.push(str(s));
      }
      this.server.log.log(Math.max(0, Math.min(3, level)), parts.join(' '));
      return 0;
    });
    fn('setresp', (L) => {
      const v = lua.lua_tointeger(L, 1);
      if (v !== 2 && v !== 3) return lauxlib.luaL_error(L, b('RESP version must be 2 or 3.'));
      if (this.state) this.state.resp = v;
      return 0;
    });
    fn('set_repl', () => 0);
    fn('replicate_commands', (L) => {
      lua.lua_pushboolean(L, 1);
      return 1;
    });
    fn('breakpoint', (L) => {
      lua.lua_pushboolean(L, 0);
      return 1;
    });
    fn('debug', () => 0);
    for (const [k, v] of [['LOG_DEBUG', 0], ['LOG_VERBOSE', 1], ['LOG_NOTICE', 2], ['LOG_WARNING', 3], ['REPL_NONE', 0], ['REPL_AOF', 1], ['REPL_SLAVE', 2], ['REPL_REPLICA', 2], ['REPL_ALL', 3]] as const) {
      lua.lua_pushinteger(L, v);
      lua.lua_setfield(L, -2, b(k));
    }
    lua.lua_setglobal(L, b('redis'));
    // Globals are protected as in Redis: no new globals, no reading undefined ones.
    this.exec(
      L,
      `local mt = {}
       mt.__newindex = function (t, n, v)
         error("Script attempted to create global variable '" .. tostring(n) .. "'", 2)
       end
       mt.__index = function (t, n) error("Script attempted to access nonexistent global variable '" .. tostring(n) .. "'", 2) end
       setmetatable(_G, mt)`,
    );
    return L;
  }

  private exec(L: L, code: string): void {
    if (lauxlib.luaL_dostring(L, b(code)) !== 0) {
      const e = lua.lua_tolstring(L, -1);
      throw new Error(`Lua setup failed: ${e ? str(e) : '?'}`);
    }
  }

  private singleFieldTable(L: L, field: string): number {
    if (lua.lua_gettop(L) !== 1 || lua.lua_type(L, -1) !== lua.LUA_TSTRING) {
      return lauxlib.luaL_error(L, b('wrong number or type of arguments'));
    }
    lua.lua_newtable(L);
    lua.lua_pushstring(L, b(field));
    lua.lua_pushvalue(L, -3);
    lua.lua_settable(L, -3);
    return 1;
  }

  /** SCRIPT FLUSH: forget every script and start a fresh interpreter. */
  flush(): void {
    this.scripts.clear();
    this.L = this.newState();
  }

  /** SCRIPT LOAD: compiles and caches; returns the sha or an error message. */
  load(body: string): { sha: string } | { error: string } {
    const sha = sha1hex(body);
    if (this.scripts.has(sha)) return { sha };
    const L = this.L;
    const fname = `f_${sha}`;
    const code = Buffer.from(`local function ${fname}() ${body}\nend\nreturn ${fname}`, 'latin1');
    if (lauxlib.luaL_loadbuffer(L, code, code.length, b(`@user_script`)) !== 0) {
      const e = lua.lua_tolstring(L, -1);
      lua.lua_pop(L, 1);
      return { error: `ERR Error compiling script (new function): user_script:${(e ? str(e) : '').replace(/^user_script:/, '')}` };
    }
    if (lua.lua_pcall(L, 0, 1, 0) !== 0) {
      const e = lua.lua_tolstring(L, -1);
      lua.lua_pop(L, 1);
      return { error: `ERR Error compiling script: ${e ? str(e) : ''}` };
    }
    lua.lua_setfield(L, lua.LUA_REGISTRYINDEX, b(fname));
    this.scripts.set(sha, body);
    return { sha };
  }

  /** Runs a cached script; writes the reply to the caller. */
  run(c: Client, sha: string, keys: string[], args: string[], readOnly: boolean): void {
    const L = this.L;
    const w = c.w;
    lua.lua_getfield(L, lua.LUA_REGISTRYINDEX, b(`f_${sha}`));
    this.setArray(L, 'KEYS', keys);
    this.setArray(L, 'ARGV', args);
    const sc = this.scriptClient;
    sc.db = c.db;
    sc.resp = 2;
    sc.user = c.user;
    this.state = { caller: c, client: sc, readOnly, resp: 2, start: performance.now(), sha };
    this.running = true;
    const limit = this.server.config.getInt('busy-reply-threshold');
    lua.lua_sethook(
      L,
      (L2: L) => {
        if (limit > 0 && performance.now() - this.state!.start > limit * 20) {
          lauxlib.luaL_error(L2, b('Script exceeded the time limit and was stopped'));
        }
      },
      lua.LUA_MASKCOUNT,
      100000,
    );
    let status: number;
    try {
      status = lua.lua_pcall(L, 0, 1, 0);
    } catch (e) {
      // An interpreter fault must never take the server down.
      lua.lua_settop(L, 0);
      this.state = null;
      this.running = false;
      lua.lua_sethook(L, null, 0, 0);
      w.error(`ERR Error running script: ${(e as Error).message}`);
      return;
    } finally {
      lua.lua_sethook(L, null, 0, 0);
      this.running = false;
    }
    const resp = c.resp;
    if (status !== 0) {
      const msg = this.errorText(L, -1);
      lua.lua_pop(L, 1);
      this.state = null;
      w.error(msg);
      return;
    }
    this.luaToReply(L, w, resp, 0);
    lua.lua_pop(L, 1);
    // SELECT inside a script does not change the caller's database (7.0).
    this.state = null;
  }

  private errorText(L: L, idx: number): string {
    const sha = this.state?.sha ?? '';
    if (lua.lua_type(L, idx) === lua.LUA_TTABLE) {
      lua.lua_getfield(L, idx, b('err'));
      const e = lua.lua_tolstring(L, -1);
      lua.lua_pop(L, 1);
      if (e) {
        let m = str(e);
        if (!/^[A-Z]+ /.test(m) && !/^[A-Z]+$/.test(m.split(' ')[0])) m = 'ERR ' + m;
        return `${m} script: ${sha}, on @user_script:1.`.replace(/\s+script: /, ' script: ');
      }
    }
    const e = lua.lua_tolstring(L, idx);
    const text = e ? str(e) : 'unknown error';
    return `ERR ${text} script: ${sha}, on @user_script:1.`;
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

  /** redis.call / redis.pcall. */
  private redisCall(L: L, raise: boolean): number {
    const st = this.state;
    const n = lua.lua_gettop(L);
    const fail = (msg: string): number => {
      if (raise) {
        lua.lua_newtable(L);
        lua.lua_pushstring(L, b('err'));
        lua.lua_pushstring(L, b(msg));
        lua.lua_settable(L, -3);
        return lua.lua_error(L);
      }
      lua.lua_newtable(L);
      lua.lua_pushstring(L, b('err'));
      lua.lua_pushstring(L, b(msg));
      lua.lua_settable(L, -3);
      return 1;
    };
    if (st === null) return fail('ERR redis.call called outside a script');
    if (n === 0) return fail('ERR Please specify at least one argument for this redis lib call');
    const argv: string[] = [];
    for (let i = 1; i <= n; i++) {
      const t = lua.lua_type(L, i);
      if (t === lua.LUA_TNUMBER) {
        const num = lua.lua_tonumber(L, i);
        argv.push(Number.isInteger(num) ? String(num) : formatLuaNumber(num));
      } else if (t === lua.LUA_TSTRING) {
        argv.push(str(lua.lua_tolstring(L, i)));
      } else {
        return fail('ERR Lua redis lib command arguments must be strings or integers');
      }
    }
    const server = this.server;
    const cmd = server.commands.resolve(argv);
    if (cmd === undefined || cmd.handler === null) return fail('ERR Unknown Redis command called from script');
    if ((cmd.arity > 0 && cmd.arity !== argv.length) || argv.length < -cmd.arity) {
      return fail('ERR Wrong number of args calling Redis command from script');
    }
    if (cmd.has(F.noscript)) return fail('ERR This Redis command is not allowed from script');
    if (st.readOnly && cmd.has(F.write)) return fail('ERR Write commands are not allowed from read-only scripts.');
    if (server.acl !== null) {
      const denied = server.acl(st.caller, cmd, argv);
      if (denied !== null) return fail(denied);
    }
    const sc = st.client;
    sc.resp = st.resp;
    const saved = sc.w;
    const capture = sc.w;
    capture.take();
    call(server, sc, cmd, argv);
    const out = capture.take();
    sc.w = saved;
    const reader = new ReplyReader();
    if (out !== null) for (const chunk of out) reader.feed(chunk);
    const reply = reader.next();
    if (reply instanceof RespError) {
      if (raise) return fail(reply.message);
      lua.lua_newtable(L);
      lua.lua_pushstring(L, b('err'));
      lua.lua_pushstring(L, b(reply.message));
      lua.lua_settable(L, -3);
      return 1;
    }
    this.pushReply(L, reply === undefined ? null : reply, st.resp);
    return 1;
  }

  /** RESP reply -> Lua value (Redis's conversion rules for RESP2 and RESP3). */
  private pushReply(L: L, v: RespValue, resp: 2 | 3): void {
    if (v === null) {
      if (resp === 3) lua.lua_pushnil(L);
      else lua.lua_pushboolean(L, 0);
    } else if (typeof v === 'string') {
      lua.lua_pushstring(L, b(v));
    } else if (typeof v === 'number') {
      lua.lua_pushinteger(L, v);
    } else if (typeof v === 'bigint') {
      if (resp === 3) this.fieldTable(L, 'big_number', v.toString());
      else lua.lua_pushinteger(L, Number(v));
    } else if (typeof v === 'boolean') {
      lua.lua_pushboolean(L, v ? 1 : 0);
    } else if (Array.isArray(v) || v instanceof RespPush) {
      const items = Array.isArray(v) ? v : v.items;
      lua.lua_createtable(L, items.length, 0);
      for (let i = 0; i < items.length; i++) {
        this.pushReply(L, items[i], resp);
        lua.lua_rawseti(L, -2, i + 1);
      }
    } else if (v instanceof RespMap) {
      lua.lua_newtable(L);
      lua.lua_pushstring(L, b('map'));
      lua.lua_newtable(L);
      for (const [k, x] of v.entries) {
        this.pushReply(L, k, resp);
        this.pushReply(L, x, resp);
        lua.lua_settable(L, -3);
      }
      lua.lua_settable(L, -3);
    } else if (v instanceof RespSet) {
      lua.lua_newtable(L);
      lua.lua_pushstring(L, b('set'));
      lua.lua_newtable(L);
      for (const x of v.items) {
        this.pushReply(L, x, resp);
        lua.lua_pushboolean(L, 1);
        lua.lua_settable(L, -3);
      }
      lua.lua_settable(L, -3);
    } else if (v instanceof RespDouble) {
      lua.lua_newtable(L);
      lua.lua_pushstring(L, b('double'));
      lua.lua_pushnumber(L, v.value);
      lua.lua_settable(L, -3);
    } else if (v instanceof RespVerbatim) {
      lua.lua_newtable(L);
      lua.lua_pushstring(L, b('verbatim_string'));
      lua.lua_newtable(L);
      lua.lua_pushstring(L, b(v.format));
      lua.lua_setfield(L, -2, b('format'));
      lua.lua_pushstring(L, b(v.text));
      lua.lua_setfield(L, -2, b('string'));
      lua.lua_settable(L, -3);
    } else if (v instanceof RespError) {
      this.fieldTable(L, 'err', v.message);
    } else {
      lua.lua_pushboolean(L, 0);
    }
  }

  private fieldTable(L: L, field: string, value: string): void {
    lua.lua_newtable(L);
    lua.lua_pushstring(L, b(field));
    lua.lua_pushstring(L, b(value));
    lua.lua_settable(L, -3);
  }

  /** Lua value at the top of the stack -> reply (Redis's conversion rules). */
  private luaToReply(L: L, w: ReplyWriter, resp: 2 | 3, depth: number): void {
    const t = lua.lua_type(L, -1);
    switch (t) {
      case lua.LUA_TSTRING:
        w.bulk(str(lua.lua_tolstring(L, -1)));
        return;
      case lua.LUA_TBOOLEAN:
        if (resp === 3) w.bool(lua.lua_toboolean(L, -1));
        else if (lua.lua_toboolean(L, -1)) w.int(1);
        else w.nullBulk();
        return;
      case lua.LUA_TNUMBER:
        w.int(Math.trunc(lua.lua_tonumber(L, -1)));
        return;
      case lua.LUA_TTABLE: {
        if (depth > 1000) {
          w.error('ERR reached lua stack limit');
          return;
        }
        // {err=...}
        lua.lua_getfield(L, -1, b('err'));
        if (lua.lua_type(L, -1) === lua.LUA_TSTRING) {
          let m = str(lua.lua_tolstring(L, -1));
          lua.lua_pop(L, 1);
          if (!/^[A-Z]+/.test(m.split(' ')[0] ?? '') || m.split(' ')[0] !== m.split(' ')[0].toUpperCase()) m = 'ERR ' + m;
          w.error(m);
          return;
        }
        lua.lua_pop(L, 1);
        lua.lua_getfield(L, -1, b('ok'));
        if (lua.lua_type(L, -1) === lua.LUA_TSTRING) {
          w.simple(str(lua.lua_tolstring(L, -1)).replace(/[\r\n]/g, ' '));
          lua.lua_pop(L, 1);
          return;
        }
        lua.lua_pop(L, 1);
        if (resp === 3) {
          for (const field of ['double', 'map', 'set', 'big_number']) {
            lua.lua_getfield(L, -1, b(field));
            if (lua.lua_type(L, -1) !== lua.LUA_TNIL) {
              this.luaTypedReply(L, w, resp, field, depth);
              lua.lua_pop(L, 1);
              return;
            }
            lua.lua_pop(L, 1);
          }
        }
        const items: number[] = [];
        let n = 0;
        for (let i = 1; ; i++) {
          lua.lua_rawgeti(L, -1, i);
          const nil = lua.lua_type(L, -1) === lua.LUA_TNIL;
          lua.lua_pop(L, 1);
          if (nil) break;
          n++;
        }
        void items;
        w.array(n);
        for (let i = 1; i <= n; i++) {
          lua.lua_rawgeti(L, -1, i);
          this.luaToReply(L, w, resp, depth + 1);
          lua.lua_pop(L, 1);
        }
        return;
      }
      default:
        w.nullBulk();
    }
  }

  private luaTypedReply(L: L, w: ReplyWriter, resp: 2 | 3, field: string, depth: number): void {
    if (field === 'double') {
      w.double(lua.lua_tonumber(L, -1));
      return;
    }
    if (field === 'big_number') {
      w.bigNumber(str(lua.lua_tolstring(L, -1)));
      return;
    }
    // map or set: iterate pairs
    const pairs: [number, number][] = [];
    void pairs;
    let count = 0;
    lua.lua_pushnil(L);
    while (lua.lua_next(L, -2) !== 0) {
      count++;
      lua.lua_pop(L, 1);
    }
    if (field === 'map') w.map(count);
    else w.set(count);
    lua.lua_pushnil(L);
    while (lua.lua_next(L, -2) !== 0) {
      lua.lua_pushvalue(L, -2);
      this.luaToReply(L, w, resp, depth + 1);
      lua.lua_pop(L, 1);
      if (field === 'map') this.luaToReply(L, w, resp, depth + 1);
      lua.lua_pop(L, 1);
    }
  }
}

function formatLuaNumber(n: number): string {
  // Lua's "%.14g"
  const s = n.toPrecision(14);
  return String(Number(s));
}
