/**
 * Bad input to scripts never takes the server down: strings too long for a
 * JS string, runaway scripts that catch the time-limit error, pathological
 * patterns, binary chunks, faults of the VM and deep nesting. Where Redis
 * answers, the answer is compared with redis-server's.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { createHash } from 'node:crypto';
import { startServer, type RunningServer } from '../../src/index.js';
import type { Scripting } from '../../src/scripting/lua.js';
import { RawClient } from '../helpers/raw-client.js';
import { useSinew } from '../helpers/suite.js';
import { redisOracle, oracleSkipReason, type OracleServer } from '../helpers/servers.js';

const TIMEOUT = /^-ERR Script ran longer than busy-reply-threshold \(100 ms\) and was stopped .* script: [0-9a-f]{40}, on @user_script:\d+\.\r\n$/;

/** Sends one command on a fresh socket and returns the reply's length and its first and last bytes (for replies too long to decode). */
async function bigReply(port: number, args: string[], ms = 120000): Promise<{ length: number; head: string; tail: string }> {
  const sock = net.connect(port, '127.0.0.1');
  await new Promise((r) => sock.once('connect', r));
  let length = 0;
  let head = '';
  let tail = Buffer.alloc(0);
  let expected = -1;
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => {
      sock.destroy();
      reject(new Error(`reply incomplete after ${ms}ms (${length} bytes)`));
    }, ms);
    sock.on('data', (d: Buffer) => {
      if (length === 0) head = d.subarray(0, 64).toString('latin1');
      length += d.length;
      tail = Buffer.concat([tail, d]).subarray(-64);
      if (expected < 0) {
        const m = /^\$(\d+)\r\n/.exec(head);
        expected = m === null ? -2 : m[0].length + Number(m[1]) + 2;
      }
      if ((expected === -2 && head.includes('\r\n')) || length === expected) {
        clearTimeout(t);
        sock.destroy();
        resolve({ length, head, tail: tail.toString('latin1') });
      }
    });
    sock.write(args.map((a) => `$${a.length}\r\n${a}\r\n`).reduce((acc, x) => acc + x, `*${args.length}\r\n`));
  });
}

/** Counts the "*1" headers a reply opens with, and returns what follows (deep nesting, read without recursion). */
async function nestedReply(port: number, script: string): Promise<{ depth: number; rest: string }> {
  const sock = net.connect(port, '127.0.0.1');
  await new Promise((r) => sock.once('connect', r));
  const chunks: Buffer[] = [];
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error('no complete reply')), 30000);
    sock.on('data', (d: Buffer) => {
      chunks.push(d);
      const all = Buffer.concat(chunks).toString('latin1');
      let i = 0;
      let depth = 0;
      while (all.startsWith('*1\r\n', i)) {
        i += 4;
        depth++;
      }
      const rest = all.slice(i);
      const bulk = /^\$(\d+)\r\n/.exec(rest);
      const done = bulk !== null ? rest.length >= bulk[0].length + Number(bulk[1]) + 2 : rest.endsWith('\r\n') && !'*1\r\n'.startsWith(rest);
      if (done) {
        clearTimeout(t);
        sock.destroy();
        resolve({ depth, rest });
      }
    });
    sock.write(`*3\r\n$4\r\nEVAL\r\n$${script.length}\r\n${script}\r\n$1\r\n0\r\n`);
  });
}

describe('script hardening (Sinew)', () => {
  const { server: s, client: c } = useSinew();

  /** EVAL with a long wait for the reply (512 MB strings are slow on a loaded machine). */
  async function evalSlow(...args: string[]): Promise<string> {
    c.send('EVAL', ...args);
    return c.nextRaw(120000);
  }

  describe('strings too long for a JS string (512 MB)', () => {
    before(async () => {
      await c.raw('CONFIG', 'SET', 'busy-reply-threshold', '300000');
    });
    after(async () => {
      await c.raw('FLUSHALL');
      await c.raw('CONFIG', 'SET', 'busy-reply-threshold', '5000');
    });

    it('every conversion to a JS string raises a Lua error; byte-level ones work', async () => {
      const r = await evalSlow(
        `local s = string.rep('x', 2^29)
        local out = {}
        local function try(name, f, ...)
          local ok, e = pcall(f, ...)
          if type(e) == 'table' then e = e.err or e.ok end
          if type(e) == 'string' and #e > 200 then e = 'long string of ' .. #e end
          out[#out + 1] = name .. ' ' .. tostring(ok) .. ' ' .. tostring(e)
        end
        try('call', redis.call, 'set', 'k', s)
        try('pcall', function() local e = redis.pcall('set', 'k', s) return e end)
        try('error_reply', redis.error_reply, s)
        try('status_reply', redis.status_reply, s)
        try('log', redis.log, redis.LOG_DEBUG, s)
        try('decode', cjson.decode, s)
        try('sha1hex', redis.sha1hex, s)
        try('encode', function() return #cjson.encode(s) end)
        try('pack', function() return #cmsgpack.pack(s) end)
        try('format', function() return #string.format('%s.', s) end)
        try('struct', function() return #struct.pack('c0', s) end)
        try('concat', function() return #(s .. s .. 'x') end)
        return out`,
        '0',
      );
      const long = '536870912 bytes; at most 536870888 can be converted';
      const hash = createHash('sha1');
      const mb = Buffer.alloc(1 << 20, 'x');
      for (let i = 0; i < 512; i++) hash.update(mb);
      const lines = [
        `call false ERR Lua redis lib command argument #3 string too long (${long})`,
        `pcall false ERR Lua redis lib command argument #3 string too long (${long})`,
        `error_reply false ERR redis.error_reply() argument string too long (${long})`,
        `status_reply false ERR redis.status_reply() argument string too long (${long})`,
        `log false ERR redis.log() message string too long (536870913 bytes; at most 536870888 can be converted)`,
        `decode false string too long (${long})`,
        `sha1hex true ${hash.digest('hex')}`,
        `encode true ${2 ** 29 + 2}`,
        `pack true ${2 ** 29 + 5}`,
        `format true ${2 ** 29 + 1}`,
        `struct true ${2 ** 29}`,
        'concat false user_script:20: string length overflow',
      ];
      assert.equal(r, `*${lines.length}\r\n` + lines.map((l) => `$${l.length}\r\n${l}\r\n`).join(''));
      assert.equal(await c.raw('PING'), '+PONG\r\n');
    });

    it('a 512 MB string returned by a script is the reply', async () => {
      const r = await bigReply(s.port, ['EVAL', "return string.rep('ab', 2^28)", '0']);
      assert.ok(r.head.startsWith('$536870912\r\nabab'), r.head);
      assert.equal(r.length, 2 ** 29 + 14);
      assert.ok(r.tail.endsWith('abab\r\n'));
    });

    it('a 512 MB value read by redis.call comes back whole', async () => {
      assert.equal(await c.raw('SETRANGE', 'big', '536870911', 'x'), ':536870912\r\n');
      assert.equal(await evalSlow("return #redis.call('GET', KEYS[1])", '1', 'big'), ':536870912\r\n');
      const r = await bigReply(s.port, ['EVAL', "return redis.call('GET', KEYS[1])", '1', 'big']);
      assert.equal(r.length, 2 ** 29 + 14);
      assert.ok(r.head.startsWith('$536870912\r\n\0\0\0'));
      assert.ok(r.tail.endsWith('\0x\r\n'));
      await c.raw('DEL', 'big');
    });

    it('an error text too long for a JS string is cut', async () => {
      const r = await evalSlow("error(string.rep('x', 2^29))", '0');
      assert.match(r, /^-ERR user_script:1: x{1000,}\.\.\. \(cut: \d+ bytes, longer than a reply text can be\) script: [0-9a-f]{40}, on @user_script:1\.\r\n$/);
      assert.equal(await c.raw('EVAL', 'return 1', '0'), ':1\r\n');
    });
  });

  describe('runaway scripts end at busy-reply-threshold, whatever catches the error', () => {
    before(async () => {
      await c.raw('CONFIG', 'SET', 'busy-reply-threshold', '100');
    });
    after(async () => {
      await c.raw('CONFIG', 'SET', 'busy-reply-threshold', '5000');
    });

    const cases: [string, string][] = [
      ['pcall around the loop', 'while true do pcall(function() while true do end end) end'],
      ['xpcall with a handler', 'while true do xpcall(function() while true do end end, function(e) return e end) end'],
      ['an xpcall handler that loops', "xpcall(function() error('x') end, function() while true do end end)"],
      ['coroutine.resume', 'while true do coroutine.resume(coroutine.create(function() while true do end end)) end'],
      ['pcall inside a coroutine', 'coroutine.wrap(function() while true do pcall(function() while true do end end) end end)()'],
      ['string.find backtracking', "return string.find(string.rep('a', 30), string.rep('a*', 30) .. 'b')"],
      ['string.match backtracking', "return string.match(string.rep('a', 30), string.rep('a*', 30) .. 'b')"],
      ['string.gmatch backtracking', "for w in string.gmatch(string.rep('a', 30), string.rep('a*', 30) .. 'b') do end"],
      ['string.gsub backtracking', "return string.gsub(string.rep('a', 30), string.rep('a*', 30) .. 'b', 'x')"],
      ['gsub backtracking under pcall', "while true do pcall(string.gsub, string.rep('a', 30), string.rep('a*', 30) .. 'b', 'x') end"],
    ];
    for (const [name, script] of cases) {
      it(name, async () => {
        const t0 = Date.now();
        c.send('EVAL', script, '0');
        assert.match(await c.nextRaw(20000), TIMEOUT);
        assert.ok(Date.now() - t0 < 15000);
        assert.equal(await c.raw('PING'), '+PONG\r\n');
        assert.equal(await c.raw('EVAL', 'return 1', '0'), ':1\r\n');
      });
    }

    it('a plain string.find is not quadratic', async () => {
      const t0 = Date.now();
      assert.equal(await c.raw('EVAL', "return string.find(string.rep('a', 1000000), string.rep('a', 100000) .. 'b', 1, true)", '0'), '$-1\r\n');
      assert.equal(await c.raw('EVAL', "return {string.find(string.rep('a', 1000) .. 'b', 'aab', -5, true)}", '0'), '*2\r\n:999\r\n:1001\r\n');
      assert.equal(await c.raw('EVAL', "return {string.find('abc', '', 4)}", '0'), '*2\r\n:4\r\n:3\r\n');
      assert.ok(Date.now() - t0 < 5000);
    });
  });

  it('a fault of the VM ends the script, rebuilds the Lua state and keeps the scripts cache', async () => {
    const sha = String(await c.call('SCRIPT', 'LOAD', "return 'cached ' .. ARGV[1]"));
    const engine = s.server.scripting as Scripting;
    const resets = engine.resets;
    const commands = s.server.commands;
    const resolve = commands.resolve;
    // A JS exception inside a JS function the VM calls (redis.call): not a Lua error.
    commands.resolve = function (this: typeof commands, argv: string[]) {
      if (argv[0] === 'explode') throw new TypeError('injected fault');
      return resolve.call(this, argv);
    } as typeof commands.resolve;
    try {
      const r = await c.raw('EVAL', "local ok = pcall(redis.call, 'explode') return 'went on'", '0');
      assert.match(r, /^-ERR Error running script \(call to f_[0-9a-f]{40}\): internal error in the Lua interpreter: injected fault; the Lua state was reset\r\n$/);
    } finally {
      commands.resolve = resolve;
    }
    assert.equal(engine.resets, resets + 1);
    assert.equal(await c.raw('PING'), '+PONG\r\n');
    assert.equal(await c.raw('EVALSHA', sha, '0', 'ok'), '$9\r\ncached ok\r\n');
    assert.equal(await c.raw('EVAL', 'return 2', '0'), ':2\r\n');
  });

  it('string table keys are one-to-one', async () => {
    assert.equal(await c.raw('EVAL', "local t = {} t['\\1\\35'] = 1 return t['\\18\\3']", '0'), '$-1\r\n');
    assert.equal(await c.raw('EVAL', "local t = {['\\1\\35'] = 'a', ['\\18\\3'] = 'b'} local n = 0 for k in pairs(t) do n = n + 1 end return n", '0'), ':2\r\n');
  });
});

describe('script hardening against redis-server', () => {
  const skip = oracleSkipReason();
  let s: RunningServer;
  let o: OracleServer;
  let c: RawClient;
  let r: RawClient;
  before(async () => {
    if (skip) return;
    s = await startServer({ port: 0 });
    o = await redisOracle();
    c = await RawClient.connect(s.port);
    r = await RawClient.connect(o.port);
  });
  after(async () => {
    if (skip) return;
    c.close();
    r.close();
    await s.close();
    await o.close();
  });

  async function same(...args: string[]): Promise<void> {
    const want = await r.raw(...args);
    assert.equal(await c.raw(...args), want, args.join(' '));
  }

  it('binary chunks are read as source text; load takes a function only', { skip }, async () => {
    await same('EVAL', 'return loadstring(string.dump(function() return 1 end))()', '0');
    await same('EVAL', "local f, e = loadstring(string.dump(function() return 1 end)) return {type(f), string.match(e, ':1: .*'), select('#', loadstring(string.dump(function() return 1 end)))}", '0');
    await same('EVAL', "local f, e = loadstring('\\27Lua') return {type(f), e}", '0');
    await same('EVAL', "local f, e = loadstring('return 1 +') return {type(f), e}", '0');
    await same('EVAL', "local f, e = loadstring('return \\1') return {type(f), e}", '0');
    await same('EVAL', "local s = string.dump(function() return 1 end) local i = 0 local f, e = load(function() i = i + 1 if i == 1 then return s end end) return {type(f), e}", '0');
    await same('EVAL', "local i = 0 local f = load(function() i = i + 1 if i == 1 then return 'return 5' end end) return f()", '0');
    await same('EVAL', "return load('return 1')", '0');
    await same('EVAL', 'return 1', '0');
  });

  it('deep nesting: replies stop at the Lua stack limit, cjson and cmsgpack at theirs', { skip }, async () => {
    for (const script of [
      'local t = {} for i = 1, 20000 do t = {t} end return t',
      "return cjson.decode(string.rep('[', 100000))",
      "return cjson.decode(string.rep('{\"a\":', 100000))",
      'local t = {} for i = 1, 20000 do t = {t} end return cjson.encode(t)',
      'local t = {} for i = 1, 20000 do t = {t} end return cmsgpack.pack(t)',
      "return cmsgpack.unpack(string.rep('\\145', 100000))",
    ]) {
      const want = await nestedReply(o.port, script);
      assert.deepEqual(await nestedReply(s.port, script), want, script);
    }
    await same('PING');
  });
});
