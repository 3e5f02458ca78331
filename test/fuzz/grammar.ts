/**
 * Command generation for the grammar fuzzer: argument shapes come from the
 * command table (src/command/meta/commands.json: arity, flags and the
 * `arguments` tree of every Redis 7.0 command and subcommand); values come
 * from pools of edge cases. With some probability a generated command is
 * broken on purpose (wrong arity, wrong types, shuffled arguments).
 *
 * Everything is driven by a seeded PRNG, so a seed reproduces a single
 * connection's stream of commands (the interleaving between connections is
 * not reproducible; failures are therefore saved as replay files).
 *
 * Exclusions (commands that legitimately stop or disturb the run) are in
 * EXCLUDED and `neutralise` below.
 */
import { createHash } from 'node:crypto';
import commandsJson from '../../src/command/meta/commands.json' with { type: 'json' };
import { CONFIG_DEFS } from '../../src/config/config.js';
import { allHandlers } from '../../src/commands/index.js';
import { rng } from '../helpers/rng.js';

// ---------------------------------------------------------------- PRNG

export class Rng {
  /** A float in [0, 1): the tests' seeded PRNG. */
  readonly next: () => number;
  constructor(seed: number) {
    this.next = rng(seed);
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  range(lo: number, hi: number): number {
    return lo + this.int(hi - lo + 1);
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(a: readonly T[]): T {
    return a[this.int(a.length)];
  }
  /** A small count, mostly 1..3, sometimes up to `max`. */
  count(max: number): number {
    const r = this.next();
    if (r < 0.6) return 1 + this.int(2);
    if (r < 0.9) return 1 + this.int(Math.min(6, max));
    return 1 + this.int(max);
  }
  /** A derived seed for another stream. */
  fork(): Rng {
    return new Rng(this.int(0x100000000));
  }
}

// ---------------------------------------------------------------- types

/** One generated command: its argv (binary safe). */
export type Argv = Buffer[];

interface ArgDef {
  name: string;
  type: string;
  token?: string;
  flags?: string[];
  arguments?: ArgDef[];
}

export interface CommandDef {
  /** Lower-case full name: "get", "client|kill". */
  name: string;
  /** Words sent for the name: ["GET"] or ["CLIENT", "KILL"]. */
  words: string[];
  arity: number;
  flags: string[];
  args: ArgDef[];
}

// ---------------------------------------------------------------- sizes

export interface FuzzSizes {
  /** Size in bytes of the maximal string made by the setup (SETRANGE big <n-1> x). */
  bigString: number;
  /** Bits of the maximal bitmap made by the setup (SETBIT bm <n-1> 1). */
  bigBitmap: number;
  /** Elements of the long list, hash, set and sorted set made by the setup. */
  bigCollection: number;
  /** Nesting depth of the deep JSON value and Lua tables. */
  deepNesting: number;
  /** Longest random string argument. */
  maxString: number;
}

export const DEFAULT_SIZES: FuzzSizes = {
  bigString: 536870912,
  bigBitmap: 4294967296,
  bigCollection: 100000,
  deepNesting: 100000,
  maxString: 1 << 20,
};

// ---------------------------------------------------------------- pools

export const KEYS = ['k0', 'k1', 'k2', 'k3', 'k4', 'k5', '{k}6', ''];
/** Keys made by the setup moves; mixed into random commands with a small probability. */
export const SETUP_KEYS = ['big', 'bm', 'biglist', 'bighash', 'bigset', 'bigzset', 'bigstream', 'deepjson', 'mid'];

const INTS = [
  '0', '-1', '1', '2', '3', '5', '10', '100', '1000', '65535', '65536',
  '2147483647', '2147483648', '-2147483648', '-2147483649', '4294967295', '4294967296',
  '536870911', '536870912', '-536870912', '9007199254740991', '9007199254740992', '9007199254740993',
  '9223372036854775807', '-9223372036854775808', '9223372036854775808', '-9223372036854775809',
  '18446744073709551615', '18446744073709551616', '99999999999999999999999999999999999999',
  '-99999999999999999999999999999999999999', '+1', ' 1', '1 ', '1e3', '0x10', '01', '-0', '', '1.5', 'abc', '1\0', '١',
];

const FLOATS = [
  'inf', '-inf', '+inf', 'nan', 'NaN', '-nan', 'infinity', '1e308', '1.7976931348623157e308', '1e309', '-1e308',
  '1e-320', '5e-324', '2.2250738585072014e-308', '1.5e', '-0', '0.0', '.5', '5.', '0.1', '1.5', '-1.5', '3.14159',
  '1e-3', ' 1.0', '0x1p3', '1e', 'e1', '--1', '1.0000000000000002', '4503599627370496.5', '9007199254740993',
];

const TIMES = () => {
  const now = Math.floor(Date.now() / 1000);
  return [String(now + 100), String(now - 100), String((now + 100) * 1000), String((now - 100) * 1000), '0', '1', '-1',
    '253402300799', '9223372036854775807', '-9223372036854775808', '9223372036854775', '9223372036854776', '2147483648'];
};

const PATTERNS = [
  '*', '?', 'k*', '*k*', 'k?', '[a-z]*', '[k]*', 'b*', '*big*', '[', '[^', '\\', '\\*', '[^a]*', '[a-]*', '[\\', '[z-a]*',
  'a*a*a*a*a*a*a*a*a*a*a*a*b', '*'.repeat(60) + 'x', '?'.repeat(40), 'h[ae]llo', 'big->*', '*->f', '#', 'k*->x', '',
];

const STREAM_IDS = ['0', '0-0', '0-1', '1', '1-1', '$', '>', '*', '-', '+', '1-*', '18446744073709551615-18446744073709551615',
  '18446744073709551615', '0-18446744073709551615', '18446744073709551616-0', '-1', 'abc', '1-', '-1-1', '1.5'];

const BITFIELD_TYPES = ['i1', 'u1', 'i8', 'u8', 'i16', 'u31', 'i32', 'i63', 'u63', 'i64', 'u64', 'i65', 'u0', 'i0', 'x8', '8', 'i', 'I8'];
const BITFIELD_OFFSETS = ['0', '1', '7', '#0', '#1', '#-1', '#536870911', '#67108863', '4294967295', '4294967232', '4294967296', '-1', '#', '# 1'];

const ACL_RULES = ['on', 'off', '>pass', '<pass', '#' + 'a'.repeat(64), 'nopass', 'resetpass', '+@all', '-@all', '+get', '-get', '+@read',
  '~*', '~k*', '%R~k*', '%W~*', '%RW~big', '&*', 'allkeys', 'allchannels', 'allcommands', 'nocommands', 'resetkeys', 'resetchannels',
  'reset', '(~k* +get)', '(+set', '+client|id', '-config|set', '+@bogus', 'clearselectors', '+select|0'];

const BITOPS = ['AND', 'OR', 'XOR', 'NOT', 'and', 'NAND', ''];
const INFO_SECTIONS = ['all', 'default', 'everything', 'server', 'memory', 'keyspace', 'commandstats', 'errorstats', 'latencystats', 'clients', 'stats', 'persistence', 'bogus'];
const SCAN_TYPES = ['string', 'list', 'set', 'zset', 'hash', 'stream', 'bogus', ''];

/** Lua scripts for EVAL/EVAL_RO/SCRIPT LOAD. {D} is replaced with the deep-nesting size. */
const LUA = [
  'return 1', 'return nil', 'return false', 'return true', 'return 3.99', 'return -0', 'return 1/0', 'return 0/0', 'return {}',
  'return {1,2,{3,"x",{true,false}},nil,4}', 'return {err="x"}', 'return {ok="fine"}', 'return {err=1}',
  'return redis.call("get", KEYS[1])', 'return redis.pcall("incr", KEYS[1])', 'return redis.call("set", KEYS[1], ARGV[1])',
  'return redis.pcall(unpack(ARGV))', 'return redis.call(unpack(ARGV))', 'return {redis.pcall(unpack(ARGV))}',
  'return redis.error_reply("x")', 'return redis.error_reply("")', 'return redis.status_reply("ok")', 'return redis.status_reply("a\\r\\nb")',
  'error("boom")', 'error({err="custom"})', 'error(nil)', 'error()', 'error(setmetatable({}, {__tostring=function() return "x" end}))',
  'return pcall(error)', 'return {pcall(redis.call, "nosuch")}',
  'return cjson.encode({a={b={c={1,2,3}}}})', 'return cjson.decode(ARGV[1])', 'return cjson.encode(cjson.decode(ARGV[1]))',
  'return cjson.decode(redis.call("get", "deepjson"))', 'return cjson.encode(cjson.decode(redis.call("get", "deepjson")))',
  'return cjson.decode(string.rep("[", {D}) .. string.rep("]", {D}))', 'return cjson.encode({1/0})', 'return cjson.encode(0/0)',
  'local t = {} t[1] = t return cjson.encode(t)', 'return cjson.encode(string.rep("\\0", 10))', 'return cjson.decode("{\\"a\\":1e400}")',
  'return cmsgpack.pack({1, "a", {x=1}, 1.5, true})', 'return cmsgpack.unpack(ARGV[1])', 'return {cmsgpack.unpack(cmsgpack.pack(1,2,3))}',
  'return cmsgpack.unpack(string.rep("\\x91", {D}) .. "\\x01")', 'local t = {} t[1] = t return cmsgpack.pack(t)',
  'return cmsgpack.pack(string.rep("x", 70000))', 'return cmsgpack.unpack("\\xdb\\xff\\xff\\xff\\xff")',
  'return struct.pack(">I", 1)', 'return {struct.unpack(">I", "abcd")}', 'return struct.pack("i" .. ARGV[1], 1)',
  'return {struct.unpack(ARGV[1], ARGV[2])}', 'return struct.pack("c0", "")', 'return struct.size("i200")', 'return struct.pack("!17i", 1)',
  'return bit.tohex(bit.bnot(0))', 'return bit.band(0xffffffff, -1)', 'return bit.lshift(1, 64)', 'return bit.tobit(2^53)', 'return bit.tohex(1, -100)',
  'return string.rep("x", 2^31)', 'return #string.rep("x", 100000000)', 'return string.rep("ab", 1e9, ",")', 'return string.rep("x", -1)',
  'return string.format("%99999999d", 1)', 'return string.format("%s %d", "a")', 'return ("x"):rep(10):byte(1, -1)',
  'while true do end', 'local i = 0 while true do i = i + 1 end', 'local t = {} for i = 1, 1e8 do t[i] = i end return #t',
  'local s = "" for i = 1, 1e7 do s = s .. "x" end return #s', 'for i = 1, 1e9 do redis.call("ping") end',
  'local function f(n) return f(n + 1) + 1 end return f(1)', 'local function f() return pcall(f) end return f()',
  'local t = {} local c = t for i = 1, {D} do c[1] = {} c = c[1] end return t',
  'local t = {} local c = t for i = 1, {D} do c[1] = {} c = c[1] end return cjson.encode(t)',
  'local t = {} for i = 1, 100000 do t[i] = i end return t', 'return unpack({}, 1, 1e6)', 'return select("#", unpack({}, 1, 7999))',
  'return redis.sha1hex(ARGV[1])', 'return redis.sha1hex("")', 'redis.log(redis.LOG_NOTICE, "fuzz") return 1',
  'redis.setresp(3) return redis.call("hgetall", KEYS[1])', 'redis.setresp(3) return redis.pcall(unpack(ARGV))', 'redis.setresp(4)',
  'return redis.setresp(2)', 'redis.set_repl(redis.REPL_ALL) return 1', 'redis.set_repl(99)', 'return redis.replicate_commands()',
  'return redis.acl_check_cmd("get", "x")', 'return redis.acl_check_cmd("nosuch")', 'return redis.acl_check_cmd()',
  'return redis.breakpoint()', 'return redis.debug("x")', 'return redis.call()', 'return redis.call(1)', 'return redis.call({})',
  'return redis.call("eval", "return 1", 0)', 'return redis.call("multi")', 'return redis.call("blpop", "k0", 0)',
  'return redis.call("setrange", "big", 536870911, "y")', 'return redis.call("getrange", "big", 0, 100)', 'return redis.call("bitcount", "bm")',
  'return #redis.call("get", "mid")', 'return redis.call("lrange", "biglist", 0, -1)', 'return redis.call("hgetall", "bighash")',
  'setmetatable(_G, nil)', 'x = 1', 'return _G.redis.call("ping")', 'rawset(_G, "y", 1) return y', 'return loadstring("return 1")()',
  'return getmetatable("").__index.rep("x", 3)', 'string.rep = nil return 1', 'redis.call = nil return 1', 'redis = nil return 1',
  'return coroutine.wrap(function() return redis.call("ping") end)()', 'return coroutine.wrap(function() coroutine.yield(1) end)()',
  'return os.time()', 'return os.clock()', 'return tonumber("0x10")', 'return tonumber("1e400")', 'return tostring(2^63)', 'return 2^63',
  'return -2^63', 'return 9007199254740993', 'return {1.5, 2.5, -0.5}', 'return math.huge', 'return math.random()',
  'return table.concat({1, 2, 3}, string.rep("x", 1000))', 'return string.char(0, 255, 13, 10)', 'return "\\0\\r\\n"',
  'return KEYS', 'return ARGV', 'return #KEYS + #ARGV', 'return {KEYS[1], ARGV[1]}', 'return redis.call("type", KEYS[1])',
  'return redis.call("object", "encoding", KEYS[1])', 'return redis.call("dump", KEYS[1])', 'return dofile("/etc/passwd")',
  'return require("os")', 'return print("x")', 'return newproxy(true)', 'return collectgarbage("count") > 0', 'return gcinfo()',
  'return string.dump(function() end)', 'return load(string.dump(function() return 1 end))()',
  '', ' ', '#!lua\nreturn 1', '#!lua flags=no-writes\nreturn redis.call("set", "k0", 1)', '#!lua flags=allow-oom,bogus\nreturn 1',
  '#!notlua\nreturn 1', 'return', 'retur 1', 'return "', '(((((', 'return ' + '('.repeat(300) + '1' + ')'.repeat(300),
  'local ' + Array.from({ length: 250 }, (_, i) => `v${i}`).join(', ') + ' = 1 return 1',
];

/** FUNCTION LOAD libraries. */
const FUNCTION_LIBS = [
  "#!lua name=lib1\nredis.register_function('f1', function(keys, args) return redis.call('get', keys[1]) end)",
  "#!lua name=lib2\nredis.register_function{function_name='f2', callback=function(keys, args) return redis.pcall(unpack(args)) end, flags={'no-writes'}}",
  "#!lua name=lib3\nredis.register_function('f3', function(keys, args) while true do end end)",
  "#!lua name=lib4\nredis.register_function('f4', function(keys, args) error('boom') end)",
  "#!lua name=lib5\nredis.register_function('f5', function(keys, args) return cjson.decode(args[1]) end)",
  "#!lua name=lib6\nredis.register_function('f6', function(keys, args) return redis.setresp(3) end)",
  "#!lua name=lib7\nredis.register_function('f7', function() return 1 end) redis.register_function('f7', function() return 2 end)",
  "#!lua name=lib8\nredis.call('set', 'x', 1)",
  "#!lua name=lib9\nwhile true do end",
  "#!lua name=lib10\nredis.register_function{function_name='f10', callback=function() return 1 end, flags={'bogus'}}",
  "#!lua name=lib11\nredis.register_function('f11', function(keys, args) local t = {} local c = t for i = 1, 50000 do c[1] = {} c = c[1] end return t end)",
  "#!lua name=lib12\nredis.register_function('f12', 'notafunction')",
  "#!lua name=lib13\nredis.register_function('', function() end)",
  "#!lua name=lib14\nreturn 1",
  '#!lua\nredis.register_function("f", function() end)', '#!lua name=\n', '#!js name=x\n', '', 'garbage',
  "#!lua name=lib15\nredis.register_function('f15', function() return redis.call('function', 'delete', 'lib15') end)",
];

const FUNCTION_NAMES = ['f1', 'f2', 'f3', 'f4', 'f5', 'f6', 'f7', 'f10', 'f11', 'f15', 'nosuch', ''];
const LIBRARY_NAMES = ['lib1', 'lib2', 'lib3', 'lib4', 'lib5', 'lib6', 'lib11', 'lib15', 'nosuch', '*', ''];

/** CONFIG SET parameters the fuzzer must not change (they would stop, slow or lock out the run). */
const CONFIG_DENY = new Set([
  'port', 'bind', 'unixsocket', 'unixsocketperm', 'dir', 'dbfilename', 'appenddirname', 'appendfilename', 'logfile', 'pidfile',
  'requirepass', 'maxclients', 'maxmemory', 'maxmemory-clients', 'timeout', 'client-output-buffer-limit', 'busy-reply-threshold',
  'lua-time-limit', 'save', 'appendonly', 'replicaof', 'slaveof', 'masterauth', 'masteruser', 'shutdown-timeout', 'tls-port',
  'enable-debug-command', 'enable-protected-configs', 'enable-module-command', 'daemonize', 'supervised', 'loglevel', 'protected-mode',
  'tcp-keepalive', 'aclfile', 'acllog-max-len', 'syslog-enabled', 'oom-score-adj', 'oom-score-adj-values',
]);
const CONFIG_PARAMS = CONFIG_DEFS.filter((d) => d.mutable && !CONFIG_DENY.has(d.name)).map((d) => d.name);
const CONFIG_VALUES = ['yes', 'no', '0', '1', '-1', '100', '1000000', '2147483647', '9223372036854775807', '1gb', '1kb', '10mb', '-1gb',
  '', 'bogus', 'allkeys-lru', 'noeviction', '50 99', '0.5', 'Ex', 'KEA', 'AKE', 'g$lshzxeKEtmdn', '-2', '-5', '1 2 3'];

// ---------------------------------------------------------------- the table

/**
 * Commands never generated, and why:
 * - shutdown, failover: stop the server or its role;
 * - monitor, subscribe family, sync/psync/replconf: turn the connection into a stream of pushes the
 *   one-reply-per-command client cannot follow;
 * - slaveof/replicaof: the server would try to connect to a master and refuse writes;
 * - save/bgsave/bgrewriteaof: write the (512 MB) dataset to disk; slow and unbounded in disk use;
 * - migrate: connects to another host and waits for its timeout;
 * - module: loads shared objects from disk;
 * - cluster, asking, readonly, readwrite: cluster mode is off; they only answer errors (kept cheap: excluded);
 * - pfselftest: a fixed self test that takes long.
 * DEBUG, CLIENT, CONFIG, ACL, WAIT and blocking commands are kept but neutralised (see neutralise()).
 */
export const EXCLUDED = new Set([
  'shutdown', 'failover', 'monitor', 'subscribe', 'psubscribe', 'ssubscribe', 'unsubscribe', 'punsubscribe', 'sunsubscribe',
  'sync', 'psync', 'replconf', 'slaveof', 'replicaof', 'save', 'bgsave', 'bgrewriteaof', 'migrate', 'module', 'cluster',
  'asking', 'readonly', 'readwrite', 'pfselftest', 'client|kill', 'client|reply', 'debug|reload', 'debug|loadaof',
]);

/** Harmless DEBUG subcommands (the server runs with enable-debug-command yes). */
const DEBUG_FORMS: ((g: Generator) => string[])[] = [
  (g) => ['OBJECT', g.key()], (g) => ['DIGEST'], (g) => ['DIGEST-VALUE', g.key(), g.key()], (g) => ['HTSTATS-KEY', g.key()],
  (g) => ['SDSLEN', g.key()], (g) => ['LISTPACK', g.key()], (g) => ['QUICKLIST-PACKED-THRESHOLD', g.rng.pick(['100', '1000000', '0', '1gb', '-1'])],
  (g) => ['PROTOCOL', g.rng.pick(['string', 'integer', 'double', 'bignum', 'null', 'array', 'set', 'map', 'attrib', 'push', 'verbatim', 'true', 'false', 'bogus'])],
  () => ['CHANGE-REPL-ID'], () => ['STRUCTSIZE'], () => ['STRINGMATCH-TEST'], (g) => ['SLEEP', g.rng.pick(['0', '0.01', '-1', 'x'])],
  (g) => ['SET-ACTIVE-EXPIRE', g.rng.pick(['0', '1'])], (g) => ['ERROR', g.string()], () => ['HELP'], (g) => ['HTSTATS', g.rng.pick(['0', '1', '99'])],
  (g) => ['JMAP'], (g) => ['POPULATE', g.rng.pick(['10', '100', '0', '-1']), g.rng.pick(['k', 'pop:', '']), g.rng.pick(['1', '10', '0'])],
  (g) => ['REPLYBUFFER', 'PEAK-RESET-TIME', g.rng.pick(['100', 'never', 'reset'])], (g) => [g.rng.pick(['BOGUS', 'object', 'Digest'])],
];

function loadTable(): CommandDef[] {
  const out: CommandDef[] = [];
  const cmds = (commandsJson as unknown as { commands: RawCmd[] }).commands;
  for (const c of cmds) {
    if (c.subcommands.length > 0) {
      for (const s of c.subcommands) {
        const [, sub] = s.name.split('|');
        out.push({ name: s.name, words: [c.name.toUpperCase(), sub.toUpperCase()], arity: s.arity, flags: s.flags, args: s.arguments ?? [] });
      }
      // the container itself, for wrong/missing subcommands
      out.push({ name: c.name, words: [c.name.toUpperCase()], arity: c.arity, flags: c.flags, args: [] });
    } else {
      out.push({ name: c.name, words: [c.name.toUpperCase()], arity: c.arity, flags: c.flags, args: c.arguments ?? [] });
    }
  }
  return out;
}

interface RawCmd {
  name: string;
  arity: number;
  flags: string[];
  arguments?: ArgDef[];
  subcommands: RawCmd[];
}

export const TABLE: CommandDef[] = loadTable();
const BY_NAME = new Map(TABLE.map((c) => [c.name, c]));
const FUZZABLE = TABLE.filter((c) => !EXCLUDED.has(c.name) && !EXCLUDED.has(c.name.split('|')[0]));
const HANDLERS = allHandlers();
/** Commands Sinew serves (most picks) ... */
export const SERVED: CommandDef[] = FUZZABLE.filter((c) => HANDLERS[c.name] !== undefined || (c.words.length === 1 && TABLE.some((x) => x.name.startsWith(c.name + '|') && HANDLERS[x.name] !== undefined)));
/** ... and those it answers as unknown (a few picks: they must stay errors). */
export const UNSERVED: CommandDef[] = FUZZABLE.filter((c) => !SERVED.includes(c));

function sha1(s: string): string {
  return createHash('sha1').update(s).digest('hex');
}

// ---------------------------------------------------------------- generator

export interface GeneratorOptions {
  sizes: FuzzSizes;
  /** Probability of breaking a generated command (arity, types, order). */
  breakRate: number;
  /** Probability a key argument names one of the large setup keys. */
  bigKeyRate: number;
}

export const DEFAULT_GEN_OPTIONS: GeneratorOptions = { sizes: DEFAULT_SIZES, breakRate: 0.08, bigKeyRate: 0.03 };

/** Serialized values seen in DUMP replies; RESTORE uses (and mutates) them. */
export const dumpPool: Buffer[] = [];

export class Generator {
  readonly rng: Rng;
  readonly opts: GeneratorOptions;
  /** When set, every key argument names this key (the sweep mode). */
  forceKey: string | null = null;
  private lua: string[];
  private shas: string[];
  /** Count of the last `multiple` argument: sibling lists (keys/ids, keys/weights) often match. */
  private lastMultiple = 1;

  constructor(rng: Rng, opts: GeneratorOptions = DEFAULT_GEN_OPTIONS) {
    this.rng = rng;
    this.opts = opts;
    this.lua = LUA.map((s) => s.replaceAll('{D}', String(opts.sizes.deepNesting)));
    this.shas = this.lua.map(sha1);
  }

  key(): string {
    const r = this.rng;
    if (this.forceKey !== null) return this.forceKey;
    if (r.chance(this.opts.bigKeyRate)) return r.pick(SETUP_KEYS);
    return r.pick(KEYS);
  }

  int(): string {
    const r = this.rng;
    const x = r.next();
    if (x < 0.45) return String(r.range(-3, 20));
    if (x < 0.85) return r.pick(INTS);
    if (x < 0.95) return String(r.int(2 ** 31) * (r.chance(0.2) ? -1 : 1));
    return r.chance(0.5) ? '9'.repeat(r.range(19, 400)) : '-' + '1'.repeat(r.range(19, 40));
  }

  double(): string {
    const r = this.rng;
    const x = r.next();
    if (x < 0.35) return String(r.range(-3, 20));
    if (x < 0.5) return (r.next() * 200 - 100).toPrecision(r.range(1, 17));
    if (x < 0.9) return r.pick(FLOATS);
    return this.int();
  }

  stringValue(): Buffer {
    const r = this.rng;
    const x = r.next();
    if (x < 0.3) return Buffer.from(r.pick(['', 'a', 'v', 'hello', 'x', '0', '1', '-1', '1.5', 'f', 'member', 'OK', ' ', '*']));
    if (x < 0.45) return Buffer.from(this.int());
    if (x < 0.55) return Buffer.from(this.double());
    if (x < 0.7) {
      // binary: \0 \r \n, high bytes
      const n = r.range(0, 40);
      const b = Buffer.alloc(n);
      for (let i = 0; i < n; i++) b[i] = r.chance(0.4) ? r.pick([0, 13, 10, 0x24, 0x2a, 0x22, 0x5c, 0xff, 0x80, 0xc0]) : r.int(256);
      return b;
    }
    if (x < 0.78) return Buffer.from(r.pick(['héllo', '☃', '𝄞', '\u{10ffff}', '\ud800', 'ñ'.repeat(100), '日本語テキスト', '\u200b', 'A\u0301']), 'utf8');
    if (x < 0.84) return Buffer.from(this.key());
    if (x < 0.95) return Buffer.from(r.pick(PATTERNS));
    // long: mostly moderate, sometimes up to the bound
    const max = this.opts.sizes.maxString;
    const y = r.next();
    const n = y < 0.8 ? r.range(65, 600) : y < 0.97 ? r.range(600, Math.min(max, 70000)) : r.range(1, max);
    const unit = r.pick(['x', 'ab', '\0', '\xff', '0123456789', '[', '*?']);
    return Buffer.from(unit.repeat(Math.ceil(n / unit.length)).slice(0, n), 'latin1');
  }

  string(): string {
    return this.stringValue().toString('latin1');
  }

  pattern(): string {
    return this.rng.chance(0.85) ? this.rng.pick(PATTERNS) : this.string();
  }

  /** A value for an argument, by its type and name. */
  value(a: ArgDef, cmd: CommandDef): Buffer {
    const r = this.rng;
    const n = a.name;
    const s = (v: string) => Buffer.from(v, 'latin1');
    switch (a.type) {
      case 'key':
        return s(this.key());
      case 'pattern':
        return s(this.pattern());
      case 'unix-time':
        return s(r.chance(0.8) ? r.pick(TIMES()) : this.int());
      case 'double':
        if (n === 'timeout') return s(r.chance(0.97) ? r.pick(['0.01', '0.05', '0.1', '0.001', '-1', 'x', '1e-3']) : r.pick(['nan', 'inf', '-inf', '1e400', '-0', '1e20', '9223372036854775807', '0x1']));
        if (n === 'longitude') return s(r.chance(0.6) ? (r.next() * 360 - 180).toFixed(r.range(0, 10)) : this.double());
        if (n === 'latitude') return s(r.chance(0.6) ? (r.next() * 170 - 85).toFixed(r.range(0, 10)) : this.double());
        return s(this.double());
      case 'integer':
        if (n === 'timeout' || n === 'milliseconds' && (cmd.name === 'xread' || cmd.name === 'xreadgroup')) return s(r.pick(['0', '1', '10', '50', '-1', 'x']));
        if (n === 'offset' && (cmd.name === 'setbit' || cmd.name === 'getbit' || cmd.name === 'setrange')) {
          return s(r.chance(0.3) ? r.pick(['4294967295', '4294967296', '536870911', '536870912', '536870911000', '34359738367', '-1']) : this.int());
        }
        if (n === 'offset' && cmd.name.startsWith('bitfield')) return s(r.pick(BITFIELD_OFFSETS));
        if (n === 'protover') return s(r.pick(['2', '3', '1', '4', '-1', 'x']));
        if (n === 'db' || n === 'index1' || n === 'index2' || n === 'destination-db' || (n === 'index' && cmd.name === 'select')) return s(r.pick(['0', '1', '15', '16', '-1', 'x', '0']));
        if (n === 'client-id') return s(r.pick(['1', '2', '3', '4', '0', '-1', '99999']));
        if (n === 'bits') return s(r.pick(['1', '0', '4096', '4097', '-1', '256']));
        return s(this.int());
      case 'string':
        break;
      default:
        return this.stringValue();
    }
    switch (n) {
      case 'script':
        return s(cmd.name === 'script|load' || r.chance(0.9) ? r.pick(this.lua) : this.string());
      case 'sha1':
        return s(r.chance(0.8) ? r.pick(this.shas) : r.pick(['', 'x'.repeat(40), '0'.repeat(40), sha1('nosuch')]));
      case 'function-code':
        return s(r.pick(FUNCTION_LIBS));
      case 'function':
        return s(r.pick(FUNCTION_NAMES));
      case 'library-name':
      case 'library-name-pattern':
        return s(r.pick(LIBRARY_NAMES));
      case 'serialized-value': {
        if (dumpPool.length > 0 && r.chance(0.8)) {
          const d = Buffer.from(r.pick(dumpPool));
          if (r.chance(0.5) && d.length > 0) {
            for (let i = 0, k = r.range(1, 3); i < k; i++) {
              const pos = r.int(d.length);
              d[pos] = r.chance(0.5) ? r.int(256) : d[pos] ^ (1 << r.int(8));
            }
          }
          return d;
        }
        return this.stringValue();
      }
      case 'id':
      case 'start':
      case 'end':
      case 'last-id':
      case 'max_deleted_entry_id':
        if (cmd.name.startsWith('x')) return s(r.pick(STREAM_IDS));
        break;
      case 'threshold':
        return s(r.chance(0.5) ? r.pick(STREAM_IDS) : this.int());
      case 'min-idle-time':
        return s(this.int());
      case 'min':
      case 'max':
        return s(r.pick(['-', '+', '[a', '(a', '[', '(', 'a', '[\xff', '(\0', '[' + this.string()]));
      case 'encoding':
        return s(r.pick(BITFIELD_TYPES));
      case 'operation':
        return s(r.pick(BITOPS));
      case 'parameter':
        if (cmd.name === 'config|set') return s(r.chance(0.95) ? r.pick(CONFIG_PARAMS) : r.pick(['bogus', '', 'PORT', 'Save']));
        return s(r.chance(0.7) ? r.pick(['*', '*max*', 'hz', 'maxmemory', 'lua-time-limit', 'save', 'bind', 'port', 'dir']) : r.pick(CONFIG_PARAMS));
      case 'value':
        if (cmd.name === 'config|set') return s(r.pick(CONFIG_VALUES));
        break;
      case 'rule':
        return s(r.pick(ACL_RULES));
      case 'username':
        return s(r.pick(['fuzzuser', 'other', 'default', '', 'x y']));
      case 'password':
        return s(r.pick(['pass', '', 'wrong']));
      case 'section':
        return s(r.pick(INFO_SECTIONS));
      case 'type':
        return s(r.pick(SCAN_TYPES));
      case 'host':
      case 'ip':
        return s(r.pick(['127.0.0.1', 'no one', '']));
      case 'command':
      case 'command-name':
        return s(r.pick(['get', 'set', 'config|get', 'client', 'nosuch', 'eval', '']));
      case 'event':
        return s(r.pick(['command', 'fast-command', 'expire-cycle', 'bogus']));
      case 'category':
      case 'categoryname':
        return s(r.pick(['read', 'write', '@all', 'bogus', 'keyspace']));
      case 'group':
      case 'groupname':
        return s(r.pick(['g1', 'g2', '', 'nosuch']));
      case 'consumer':
      case 'consumername':
        return s(r.pick(['c1', 'c2', '']));
      case 'prefix':
        return s(r.pick(['k', '', 'big', 'k0']));
      case 'connection-name':
      case 'clientname':
        return s(r.pick(['fuzz', '', 'a b', 'x\n']));
      case 'subcommand':
        return s(r.pick(['ENCODE', 'DECODE', 'GETREG', 'TODENSE', 'bogus']));
    }
    return this.stringValue();
  }

  /** Emits the words for one argument (token, value or nested structure). */
  private emit(a: ArgDef, cmd: CommandDef, out: Buffer[]): void {
    const r = this.rng;
    const flags = a.flags ?? [];
    if (flags.includes('optional') && r.chance(0.55)) return;
    let times = 1;
    if (flags.includes('multiple')) {
      times = r.chance(0.5) ? this.lastMultiple : r.count(a.type === 'key' ? 8 : 40);
      this.lastMultiple = times;
    }
    for (let i = 0; i < times; i++) {
      if (a.token !== undefined && (i === 0 || flags.includes('multiple_token'))) out.push(Buffer.from(this.token(a.token)));
      switch (a.type) {
        case 'pure-token':
          if (a.token === undefined) out.push(Buffer.from(a.name));
          break;
        case 'oneof':
          this.emit({ ...r.pick(a.arguments ?? []), flags: [] }, cmd, out);
          break;
        case 'block':
          this.emitList(a.arguments ?? [], cmd, out);
          break;
        default:
          out.push(this.value(a, cmd));
      }
    }
  }

  /** Emits a list of sibling arguments, fixing `numkeys` to the count of the keys after it (mostly). */
  private emitList(args: ArgDef[], cmd: CommandDef, out: Buffer[]): void {
    for (let i = 0; i < args.length; i++) {
      const a = args[i];
      if (a.name === 'numkeys' && a.type === 'integer' && i + 1 < args.length && args[i + 1].type === 'key' && this.rng.chance(0.85)) {
        const at = out.length;
        out.push(Buffer.alloc(0));
        const before = out.length;
        this.emit(args[i + 1], cmd, out);
        out[at] = Buffer.from(String(out.length - before));
        i++;
        continue;
      }
      this.emit(a, cmd, out);
    }
  }

  private token(t: string): string {
    const r = this.rng.next();
    if (r < 0.85) return t;
    if (r < 0.95) return t.toLowerCase();
    return [...t].map((c) => (this.rng.chance(0.5) ? c.toLowerCase() : c)).join('');
  }

  /** A command following the grammar of `cmd` (before breaking and neutralising). */
  fromGrammar(cmd: CommandDef): Argv {
    const out: Buffer[] = cmd.words.map((w) => Buffer.from(this.rng.chance(0.9) ? w : w.toLowerCase()));
    if (cmd.name === 'debug') {
      out.push(...this.rng.pick(DEBUG_FORMS)(this).map((x) => Buffer.from(x, 'latin1')));
      return out;
    }
    if (cmd.args.length === 0 && cmd.words.length === 1 && TABLE.some((c) => c.name.startsWith(cmd.name + '|'))) {
      // a container without a subcommand: a bogus or missing one
      if (this.rng.chance(0.7)) out.push(Buffer.from(this.rng.pick(['HELP', 'bogus', '', 'help'])));
      return out;
    }
    this.lastMultiple = 1;
    this.emitList(cmd.args, cmd, out);
    return out;
  }

  /** Breaks a command: drops, duplicates, retypes or reorders arguments. */
  breakArgv(argv: Argv, cmd: CommandDef): Argv {
    const r = this.rng;
    const a = [...argv];
    const fixed = cmd.words.length;
    const edits = r.range(1, 3);
    for (let e = 0; e < edits; e++) {
      const pos = fixed + r.int(Math.max(1, a.length - fixed + 1));
      switch (r.int(6)) {
        case 0:
          if (a.length > fixed) a.splice(Math.min(pos, a.length - 1), 1);
          break;
        case 1:
          a.splice(pos, 0, Buffer.from(r.chance(0.5) ? this.int() : this.string(), 'latin1'));
          break;
        case 2:
          if (a.length > fixed) a[Math.min(pos, a.length - 1)] = Buffer.from(r.pick([this.int(), this.double(), this.key(), this.string(), r.pick(['NX', 'XX', 'GT', 'LT', 'CH', 'INCR', 'WITHSCORES', 'LIMIT', 'COUNT', 'MATCH', 'TYPE', 'STORE', 'BY', 'GET', 'REV', 'BYSCORE', 'BYLEX', 'KEEPTTL', 'STREAMS', 'BLOCK'])]), 'latin1');
          break;
        case 3:
          if (a.length > fixed + 1) {
            const i = fixed + r.int(a.length - fixed);
            const j = fixed + r.int(a.length - fixed);
            [a[i], a[j]] = [a[j], a[i]];
          }
          break;
        case 4:
          a.length = Math.min(a.length, Math.max(fixed - (r.chance(0.2) ? 1 : 0), pos));
          break;
        default: {
          // repeat the tail: long argument lists
          const tail = a.slice(fixed);
          for (let k = r.range(1, 50); k > 0 && tail.length > 0 && a.length < 5000; k--) for (const x of tail) a.push(x);
        }
      }
    }
    return a.length > 0 ? a : [Buffer.from('PING')];
  }

  /** A random command: grammar-following, sometimes broken, always neutralised. */
  command(): Argv {
    const r = this.rng;
    const cmd = r.chance(0.03) && UNSERVED.length > 0 ? r.pick(UNSERVED) : r.pick(SERVED);
    let argv = this.fromGrammar(cmd);
    if (r.chance(this.opts.breakRate)) argv = this.breakArgv(argv, cmd);
    if (r.chance(0.005)) argv = [Buffer.from(r.pick(['NOSUCH', '', 'GET\0', 'get ']))];
    // wrap in a script now and then: the same command through redis.pcall
    if (r.chance(0.03)) {
      const inner = argv;
      argv = [Buffer.from(r.pick(['EVAL', 'EVAL_RO'])), Buffer.from(r.pick(['return redis.pcall(unpack(ARGV))', 'return redis.call(unpack(ARGV))', 'redis.setresp(3) return redis.pcall(unpack(ARGV))'])), Buffer.from('0'), ...inner];
    }
    return neutralise(argv) ?? [Buffer.from('PING')];
  }
}

// ---------------------------------------------------------------- neutralise

function lower(b: Buffer | undefined): string {
  return b === undefined ? '' : b.toString('latin1').toLowerCase();
}

/**
 * False when a timeout argument would wait long: a number that is 0 (forever) or
 * above `max` (seconds, or milliseconds when `unitMs`). Non-numbers, negatives,
 * NaN and infinities pass: the server must refuse them.
 */
function positiveSmall(v: Buffer | undefined, max: number, unitMs: boolean): boolean {
  if (v === undefined) return true;
  const n = Number(v.toString('latin1'));
  if (!Number.isFinite(n)) return true;
  return n < 0 || (n > 0 && n <= (unitMs ? max * 1000 : max));
}

/**
 * Makes a command safe to run at random, or returns null to drop it:
 * - excluded commands (EXCLUDED) are dropped, also inside EVAL wrappers' ARGV;
 * - blocking commands get a small timeout (a timeout of 0 blocks forever);
 * - WAIT and CLIENT PAUSE get bounded timeouts; CLIENT REPLY / KILL are dropped;
 * - ACL SETUSER/DELUSER of the default user (which the fuzzer's connections use) is retargeted;
 * - CONFIG SET of parameters in CONFIG_DENY is dropped;
 * - DEBUG keeps only the subcommands in DEBUG_FORMS;
 * - SHUTDOWN, MONITOR, SUBSCRIBE... never pass.
 */
export function neutralise(argv: Argv, depth = 0): Argv | null {
  const a = argv.map((x) => x);
  const name = lower(a[0]);
  const sub = lower(a[1]);
  if (EXCLUDED.has(name) || EXCLUDED.has(`${name}|${sub}`)) return null;
  const small = Buffer.from('0.05');
  switch (name) {
    case 'blpop': case 'brpop': case 'bzpopmin': case 'bzpopmax': case 'brpoplpush': case 'blmove':
      if (a.length > 2 && !positiveSmall(a[a.length - 1], 1, false)) a[a.length - 1] = small;
      break;
    case 'blmpop': case 'bzmpop':
      if (!positiveSmall(a[1], 1, false)) a[1] = small;
      break;
    case 'xread': case 'xreadgroup':
      for (let i = 1; i < a.length - 1; i++) {
        if (lower(a[i]) === 'block' && !positiveSmall(a[i + 1], 1, true)) a[i + 1] = Buffer.from('20');
        if (lower(a[i]) === 'streams') break;
      }
      break;
    case 'wait':
      if (!positiveSmall(a[2], 0.2, true)) a[2] = Buffer.from('10');
      break;
    case 'client':
      if (sub === 'pause' && !positiveSmall(a[2], 0.2, true)) a[2] = Buffer.from('50');
      if (sub === 'kill' || sub === 'reply') return null;
      break;
    case 'acl':
      if ((sub === 'setuser' || sub === 'deluser') && a.slice(2).some((x) => lower(x) === 'default')) {
        for (let i = 2; i < a.length; i++) if (lower(a[i]) === 'default') a[i] = Buffer.from('fuzzuser');
      }
      if (sub === 'load') return null; // would replace the default user
      break;
    case 'config':
      if (sub === 'set') {
        for (let i = 2; i < a.length; i += 2) if (CONFIG_DENY.has(lower(a[i]))) return null;
      }
      break;
    case 'debug': {
      const ok = ['object', 'digest', 'digest-value', 'htstats-key', 'sdslen', 'listpack', 'quicklist-packed-threshold', 'protocol',
        'change-repl-id', 'structsize', 'stringmatch-test', 'sleep', 'set-active-expire', 'error', 'help', 'htstats', 'jmap', 'populate',
        'replybuffer', 'bogus', ''];
      if (!ok.includes(sub)) return null;
      if (sub === 'sleep' && !(Number(lower(a[2])) <= 0.05)) a[2] = Buffer.from('0');
      if (sub === 'populate' && !(Number(lower(a[2])) <= 1000)) a[2] = Buffer.from('100');
      break;
    }
    case 'eval': case 'eval_ro': case 'evalsha': case 'evalsha_ro': case 'fcall': case 'fcall_ro': {
      // scripts may run any ARGV as a command: the same rules apply to it
      const nk = Number(lower(a[2]));
      // (scripts cannot call EVAL: one level is enough)
      if (depth === 0 && Number.isInteger(nk) && nk >= 0 && 3 + nk < a.length) {
        const inner = neutralise(a.slice(3 + nk), depth + 1);
        if (inner === null) return null;
        return [...a.slice(0, 3 + nk), ...inner];
      }
      break;
    }
    case 'multi':
    case 'exec':
      break;
  }
  return a;
}

// ---------------------------------------------------------------- setup moves

/** A setup move and its group: shrinking keeps or drops a group as a whole. */
export interface SetupMove {
  g: string;
  a: Argv;
}

/**
 * Commands run before random ones: the large values that big-value bugs need,
 * and the run's configuration. Sizes come from `sizes`.
 */
export function setupMoves(sizes: FuzzSizes, rng: Rng): SetupMove[] {
  const b = (...xs: (string | Buffer)[]) => xs.map((x) => (typeof x === 'string' ? Buffer.from(x, 'latin1') : x));
  const moves: SetupMove[] = [];
  const add = (g: string, ...argvs: Argv[]) => {
    for (const a of argvs) moves.push({ g, a });
  };
  // deep values first: building them takes longer than the low script time limit set next
  const d = sizes.deepNesting;
  if (d > 0) {
    add('deepjson', b('SET', 'deepjson', '['.repeat(d) + ']'.repeat(d)));
    add('deep-lua', b('EVAL', `local t = {} local c = t for i = 1, ${d} do c[1] = {} c = c[1] end return t`, '0'));
    add('deep-cjson', b('EVAL', `return cjson.decode(redis.call('get', 'deepjson'))`, '0'));
    add('deep-msgpack', b('EVAL', `return cmsgpack.unpack(string.rep('\\x91', ${d}) .. '\\x01')`, '0'));
  }
  add('config', b('CONFIG', 'SET', 'lua-time-limit', '100'), b('CONFIG', 'SET', 'maxmemory-policy', 'noeviction'));
  if (sizes.bigString > 0) add('big', b('SETRANGE', 'big', String(sizes.bigString - 1), 'x'));
  if (sizes.bigBitmap > 0) add('bm', b('SETBIT', 'bm', String(sizes.bigBitmap - 1), '1'));
  add('mid', b('SET', 'mid', 'm'.repeat(Math.min(sizes.maxString, 1 << 20))));
  const n = sizes.bigCollection;
  const chunk = 1000;
  for (let i = 0; i < n; i += chunk) {
    const m = Math.min(chunk, n - i);
    const list: string[] = [];
    const hash: string[] = [];
    const zset: string[] = [];
    const set: string[] = [];
    for (let j = i; j < i + m; j++) {
      list.push(String(j));
      hash.push(`f${j}`, String(j));
      zset.push(String(rng.chance(0.1) ? j / 7 : j), `m${j}`);
      set.push(j % 3 === 0 ? String(j) : `s${j}`);
    }
    add('biglist', b('RPUSH', 'biglist', ...list));
    add('bighash', b('HSET', 'bighash', ...hash));
    add('bigzset', b('ZADD', 'bigzset', ...zset));
    add('bigset', b('SADD', 'bigset', ...set));
  }
  for (let i = 0; i < Math.min(n, 5000); i += 500) {
    add('bigstream', b('EVAL', `for i = 1, 500 do redis.call('xadd', KEYS[1], '*', 'f', i) end return 1`, '1', 'bigstream'));
  }
  add('bigstream', b('XGROUP', 'CREATE', 'bigstream', 'g1', '0'));
  add('functions', b('FUNCTION', 'LOAD', 'REPLACE', FUNCTION_LIBS[0]), b('FUNCTION', 'LOAD', 'REPLACE', FUNCTION_LIBS[1]));
  return moves;
}

// ---------------------------------------------------------------- raw frames

const SPECIAL = [0x2a, 0x24, 0x0d, 0x0a, 0x00, 0x2d, 0x22, 0x27, 0x5c, 0x20, 0x30, 0x39, 0xff, 0x3a, 0x2b, 0x25, 0x7e, 0x3e];

export function encodeArgv(argv: Argv): Buffer {
  const parts: Buffer[] = [Buffer.from(`*${argv.length}\r\n`)];
  for (const x of argv) parts.push(Buffer.from(`$${x.length}\r\n`), x, Buffer.from('\r\n'));
  return Buffer.concat(parts);
}

function inline(argv: Argv, r: Rng): Buffer {
  const parts = argv.map((x) => {
    const v = x.toString('latin1');
    const q = r.next();
    if (q < 0.2) return `"${v.replace(/["\\]/g, '\\$&').replace(/\r/g, '\\r').replace(/\n/g, '\\n').replace(/\0/g, '\\x00')}"`;
    if (q < 0.25) return `'${v}`;
    if (q < 0.3) return `"\\x${r.int(256).toString(16)}${v.replace(/[\r\n"]/g, '')}"x`;
    return v.replace(/[\s"']/g, '') || 'x';
  });
  return Buffer.from(parts.join(r.chance(0.5) ? ' ' : '\t') + (r.chance(0.8) ? '\r\n' : '\n'), 'latin1');
}

/** A raw frame for a throwaway connection: hostile RESP (truncated, bad lengths, nested, inline). */
export function rawFrame(g: Generator): Buffer {
  const r = g.rng;
  const base = () => encodeArgv(g.command().slice(0, 8).map((x) => x.subarray(0, 4096)));
  switch (r.int(10)) {
    case 0: {
      // announced huge or negative lengths
      const len = r.pick(['536870912', '536870913', '2147483647', '2147483648', '4294967296', '9223372036854775807', '-1', '-2', '99999999999999999999', '+5', '0x10', '', '1 ']);
      return Buffer.from(r.pick([`*1\r\n$${len}\r\nxx`, `*${len}\r\n$4\r\nPING\r\n`, `*2\r\n$3\r\nGET\r\n$${len}\r\n`, `$${len}\r\n`, `*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$${len}\r\nabc`]), 'latin1');
    }
    case 1: // nested arrays and other types where bulk strings belong
      return Buffer.from(r.pick(['*1\r\n*1\r\n$4\r\nPING\r\n', '*2\r\n$4\r\nECHO\r\n*1\r\n$1\r\nx\r\n', '*1\r\n:1\r\n', '*1\r\n+PING\r\n',
        '*2\r\n$3\r\nGET\r\n%1\r\n$1\r\na\r\n$1\r\nb\r\n', '*0\r\n', '*-1\r\n', '*1\r\n$-1\r\n', '*1\r\n$0\r\n\r\n', '>1\r\n$4\r\nPING\r\n', '*1\r\n_\r\n']), 'latin1');
    case 2: // inline commands
      return inline(g.command().slice(0, 6).map((x) => x.subarray(0, 1024)), r);
    case 3: // an inline line that never ends, longer than the inline limit
      return Buffer.concat([Buffer.from('SET k0 '), Buffer.alloc(r.pick([1000, 65537, 70000]), 0x61)]);
    case 4: // truncated frame
    {
      const f = base();
      return f.subarray(0, r.int(f.length));
    }
    case 5: { // a length replaced with a hostile one
      const s = base().toString('latin1');
      const all = [...s.matchAll(/[*$](\d+)/g)];
      if (all.length === 0) return Buffer.from(s, 'latin1');
      const hit = r.pick(all);
      const rep = r.pick(['2147483647', '-1', '-2', '0', '536870912', '1073741824', '99999999999999999999', '+1', '01', ' 1', String(Number(hit[1]) + 1), String(Math.max(0, Number(hit[1]) - 1))]);
      const start = hit.index! + 1;
      return Buffer.from(s.slice(0, start) + rep + s.slice(start + hit[1].length), 'latin1');
    }
    case 6: { // several valid frames, one flipped byte
      const f = Buffer.concat([base(), base(), base()]);
      for (let i = 0, k = r.range(1, 3); i < k; i++) f[r.int(f.length)] = r.chance(0.6) ? r.pick(SPECIAL) : r.int(256);
      return f;
    }
    case 7: { // garbage
      const b = Buffer.alloc(r.range(1, 200));
      for (let i = 0; i < b.length; i++) b[i] = r.chance(0.4) ? r.pick(SPECIAL) : r.int(256);
      return b;
    }
    case 8: // a pipeline of valid commands, then half a frame
      return Buffer.concat([base(), base(), base().subarray(0, 5)]);
    default: // a big multibulk count with nothing after it
      return Buffer.from(`*${r.pick(['1048576', '1048577', '65536', '2147483647', '1024'])}\r\n` + '$1\r\nx\r\n'.repeat(r.range(0, 5)), 'latin1');
  }
}

export function commandDef(name: string): CommandDef | undefined {
  return BY_NAME.get(name);
}
