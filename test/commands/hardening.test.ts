/**
 * Fault isolation on an in-process server: an exception in a handler costs
 * one error reply (and a log line, and an error count), never the process;
 * values near 512 MB and settings at their extremes get Redis's answers.
 */
import { describe, it, before, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { freePort } from '../helpers/servers.js';
import { startServer, type RunningServer } from '../../src/index.js';
import { RawClient } from '../helpers/raw-client.js';
import { infoFields } from '../helpers/info.js';
import { useSinew, withSinew } from '../helpers/suite.js';
import type { Client } from '../../src/server/client.js';

type Handler = (client: Client, argv: string[]) => void;

/** Replaces a command's handler for one test (the table's field is read-only to the code). */
function swapHandler(srv: RunningServer, name: string, h: Handler): () => void {
  const cmd = srv.server.commands.lookup(name) as unknown as { handler: Handler };
  const original = cmd.handler;
  cmd.handler = h;
  return () => {
    cmd.handler = original;
  };
}

describe('fault isolation and extreme values', () => {
  const { server: srv, client: c } = useSinew();
  const logged: string[] = [];
  before(() => {
    srv.server.log.enabled = true;
    srv.server.log.sink = (line) => void logged.push(line);
  });
  beforeEach(async () => {
    await c.call('FLUSHALL');
    await c.call('CONFIG', 'RESETSTAT');
    logged.length = 0;
  });

  it('an exception in a handler is one error reply; the half-written reply is dropped and the server goes on', async () => {
    const restore = swapHandler(srv, 'lpos', (client) => {
      client.w.array(3);
      client.w.bulk('partial');
      throw new TypeError('injected fault');
    });
    try {
      await c.call('SET', 'k', 'v');
      const raw = await c.raw('LPOS', 'l', 'x');
      assert.equal(raw, "-ERR internal error in 'lpos': TypeError: injected fault\r\n");
      assert.equal(await c.raw('GET', 'k'), '$1\r\nv\r\n');
      // twice: logged with its stack once, counted every time
      await c.raw('LPOS', 'l', 'x');
      const warnings = logged.filter((l) => l.includes("Internal error in 'lpos'"));
      assert.equal(warnings.length, 1);
      assert.match(warnings[0], / # Internal error in 'lpos': TypeError: injected fault\n\s+at /);
      const errs = await infoFields(c, 'errorstats');
      assert.equal(errs.get('errorstat_ERR'), 'count=2');
      const stats = await infoFields(c, 'commandstats');
      assert.match(stats.get('cmdstat_lpos') ?? '', /calls=2,.*failed_calls=2/);
    } finally {
      restore();
    }
  });

  it('a fault inside MULTI/EXEC fails that command only; the rest of the transaction runs', async () => {
    const restore = swapHandler(srv, 'lpos', () => {
      throw new RangeError('injected');
    });
    try {
      await c.call('MULTI');
      await c.call('SET', 'a', '1');
      await c.call('LPOS', 'l', 'x');
      await c.call('INCR', 'a');
      assert.equal(await c.raw('EXEC'), "*3\r\n+OK\r\n-ERR internal error in 'lpos': RangeError: injected\r\n:2\r\n");
    } finally {
      restore();
    }
  });

  it('a fault in the cron is logged and the cron keeps running', async () => {
    const ks = srv.server.keyspace;
    const original = ks.activeExpireCycle;
    let calls = 0;
    ks.activeExpireCycle = () => {
      calls++;
      throw new Error('cron fault');
    };
    try {
      await new Promise((r) => setTimeout(r, 350));
      assert.ok(calls >= 2, `cron ran ${calls} times`);
      assert.ok(logged.some((l) => l.includes("Internal error in 'cron': Error: cron fault")));
      assert.equal(await c.call('PING'), 'PONG');
    } finally {
      ks.activeExpireCycle = original;
    }
  });

  it('CONFIG SET hz clamps to 1..500 as Redis does', async () => {
    await c.call('CONFIG', 'SET', 'hz', '100000');
    assert.deepEqual(await c.call('CONFIG', 'GET', 'hz'), ['hz', '500']);
    assert.equal(srv.server.config.hz, 500);
    await c.call('CONFIG', 'SET', 'hz', '0');
    assert.deepEqual(await c.call('CONFIG', 'GET', 'hz'), ['hz', '1']);
    await c.call('CONFIG', 'SET', 'hz', '10');
  });

  it('proto-max-bulk-len beyond what one Buffer holds: SETRANGE and APPEND answer the size error', async () => {
    await c.call('CONFIG', 'SET', 'proto-max-bulk-len', '8gb');
    try {
      assert.equal(await c.raw('SETRANGE', 'k', '4294967296', 'x'), '-ERR string exceeds maximum allowed size (proto-max-bulk-len)\r\n');
      assert.equal(await c.raw('SETRANGE', 'k', '8589934591', 'x'), '-ERR string exceeds maximum allowed size (proto-max-bulk-len)\r\n');
      assert.equal(await c.raw('SETRANGE', 'k', '4', 'x'), ':5\r\n');
      assert.equal(await c.raw('STRLEN', 'k'), ':5\r\n');
      assert.equal(await c.call('PING'), 'PONG');
    } finally {
      await c.call('CONFIG', 'SET', 'proto-max-bulk-len', '512mb');
    }
  });

  it('LCS whose table could not be one typed array (proto-max-bulk-len raised) is refused, not a fault', async () => {
    await c.call('CONFIG', 'SET', 'proto-max-bulk-len', '100gb');
    try {
      await c.call('SETRANGE', 'a', '99999', 'x');
      await c.call('SETRANGE', 'b', '99999', 'y');
      assert.equal(await c.raw('LCS', 'a', 'b', 'IDX'), '-ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len\r\n');
      assert.equal(logged.filter((l) => l.includes('Internal error')).length, 0);
    } finally {
      await c.call('CONFIG', 'SET', 'proto-max-bulk-len', '512mb');
    }
  });

  it('DEBUG POPULATE with values past the longest JS string or the size limit', async () => {
    srv.server.config.set('enable-debug-command', 'yes');
    assert.equal(await c.raw('DEBUG', 'POPULATE', '1', 'p', '536870912'), '+OK\r\n');
    assert.equal(await c.call('STRLEN', 'p:0'), 536870912);
    assert.equal(await c.raw('GETRANGE', 'p:0', '0', '8'), '$9\r\nvalue:0\x00\x00\r\n');
    assert.equal(await c.raw('DEBUG', 'POPULATE', '1', 'q', '536870913'), '-ERR string exceeds maximum allowed size (proto-max-bulk-len)\r\n');
    assert.equal(logged.filter((l) => l.includes('Internal error')).length, 0);
    await c.call('FLUSHALL');
  });

  it('CLIENT PAUSE longer than 2^31 ms pauses (the timer does not overflow)', async () => {
    const other = await RawClient.connect(srv.port);
    try {
      assert.equal(await c.call('CLIENT', 'PAUSE', '3000000000', 'ALL'), 'OK');
      other.send('PING');
      assert.equal(await other.silent(300), true, 'a paused client got a reply');
      // every client is paused (ALL), so the test lifts it from inside
      srv.server.clientPause.unpause();
      assert.equal(await other.next(), 'PONG');
    } finally {
      other.close();
    }
  });

  it('a value of 512 MB is returned whole by SORT ... GET (never turned into one JS string)', async () => {
    assert.equal(await c.call('SETRANGE', 'w_1', '536870911', 'x'), 536870912);
    await c.call('RPUSH', 'l', '1');
    // count the bytes of the reply without holding them
    const sock = net.connect(srv.port, '127.0.0.1');
    await new Promise((r) => sock.once('connect', r));
    let total = 0;
    let head = '';
    let last = 0;
    const done = new Promise<void>((resolve) => {
      sock.on('data', (b: Buffer) => {
        if (head.length < 20) head += b.subarray(0, 20).toString('latin1');
        total += b.length;
        last = b[b.length - 3];
        if (total >= 536870912 + 16) resolve();
      });
    });
    sock.write('SORT l GET w_*\r\n');
    await done;
    sock.destroy();
    assert.ok(head.startsWith('*1\r\n$536870912\r\n'), head);
    assert.equal(total, '*1\r\n$536870912\r\n'.length + 536870912 + 2);
    assert.equal(last, 'x'.charCodeAt(0));
    // STORE cannot hold a value past V8's longest string in a list element: refused before any change
    assert.equal(await c.raw('SORT', 'l', 'GET', 'w_*', 'STORE', 'dst'), '-ERR string exceeds maximum allowed size (proto-max-bulk-len)\r\n');
    assert.equal(await c.call('EXISTS', 'dst'), 0);
    assert.equal(await c.call('PING'), 'PONG');
  });
});

describe('protected mode', () => {
  it('refuses every non-loopback peer when no password is set, whatever bind says', async () => {
    // bound to loopback and (optionally) an address this machine does not have
    const srv = await startServer({ port: 0, bind: '127.0.0.1 -192.0.2.2' });
    try {
      const s = srv.server;
      for (const a of ['192.0.2.2', '10.1.2.3', '::ffff:192.0.2.2', '2001:db8::1']) assert.equal(s.refusedByProtectedMode(a), true, a);
      for (const a of ['127.0.0.1', '127.5.5.5', '::1', '::ffff:127.0.0.1', '']) assert.equal(s.refusedByProtectedMode(a), false, a);
      const c = await RawClient.connect(srv.port);
      assert.equal(await c.call('PING'), 'PONG');
      await c.call('CONFIG', 'SET', 'requirepass', 'secret');
      assert.equal(s.refusedByProtectedMode('192.0.2.2'), false);
      await c.call('AUTH', 'secret');
      await c.call('CONFIG', 'SET', 'requirepass', '');
      assert.equal(s.refusedByProtectedMode('192.0.2.2'), true);
      // a password given to the default user by ACL SETUSER counts the same (DefaultUser's nopass flag)
      await c.call('ACL', 'SETUSER', 'default', '>pw');
      assert.equal(s.refusedByProtectedMode('192.0.2.2'), false);
      await c.call('ACL', 'SETUSER', 'default', 'nopass');
      assert.equal(s.refusedByProtectedMode('192.0.2.2'), true);
      await c.call('CONFIG', 'SET', 'protected-mode', 'no');
      assert.equal(s.refusedByProtectedMode('192.0.2.2'), false);
      c.close();
    } finally {
      await srv.close();
    }
  });
});

describe('memory of an aborted large request', () => {
  it('the query buffer grows with what arrives and goes back to the system with the client', async () => {
    const bin = fileURLToPath(new URL('../../../bin/sinew-server.js', import.meta.url));
    const port = await freePort();
    const p = spawn(process.execPath, ['--max-semi-space-size=64', bin, '--port', String(port), '--bind', '127.0.0.1', '--save', ''], { stdio: ['ignore', 'pipe', 'pipe'] });
    const rss = () => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${p.pid}/status`, 'utf8'))![1]) / 1024;
    try {
      await new Promise<void>((resolve, reject) => {
        let out = '';
        p.stdout!.on('data', (b: Buffer) => {
          out += b.toString();
          if (out.includes('Ready to accept connections')) resolve();
        });
        p.once('exit', () => reject(new Error('server exited: ' + out)));
      });
      const c = await RawClient.connect(port);
      await c.call('PING');
      const baseline = rss();
      const s = net.connect(port, '127.0.0.1');
      await new Promise((r) => s.once('connect', r));
      // announces 500 MB, sends 300 MB
      s.write('*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$524288000\r\n');
      const chunk = Buffer.alloc(1024 * 1024, 97);
      const send = async (mb: number) => {
        for (let i = 0; i < mb; i++) if (!s.write(chunk)) await new Promise((r) => s.once('drain', r));
        assert.equal(await c.call('PING'), 'PONG'); // the server has read what came before
      };
      await send(40);
      const early = rss();
      assert.ok(early - baseline < 150, `after 40 MB of a 500 MB bulk RSS grew ${(early - baseline).toFixed(0)} MB`);
      await send(260);
      const full = rss();
      assert.ok(full - baseline > 250, `the bytes that arrived are held (${(full - baseline).toFixed(0)} MB)`);
      s.destroy();
      let after = full;
      for (let i = 0; i < 40 && after - baseline > 40; i++) {
        await new Promise((r) => setTimeout(r, 100));
        after = rss();
      }
      assert.ok(after - baseline <= 40, `RSS ${after.toFixed(0)} MB after the client left, baseline ${baseline.toFixed(0)} MB`);
      assert.equal(await c.call('DBSIZE'), 0);
      c.close();
    } finally {
      p.kill('SIGKILL');
    }
  });
});

describe('CLIENT NO-TOUCH', () => {
  it('commands of a NO-TOUCH client leave access times alone, except TOUCH', async () => {
    const clock = { t: 1_700_000_000_000, now(): number { return this.t; } };
    await withSinew({ clock, hz: 1, 'maxmemory-policy': 'allkeys-lru' }, async (srv, c, connect) => {
      const quiet = await connect();
      assert.equal(await quiet.call('CLIENT', 'NO-TOUCH', 'ON'), 'OK');
      await c.call('SET', 'a', '1');
      await c.call('RPUSH', 'l', 'x');
      clock.t += 10_000;
      await quiet.call('GET', 'a');
      await quiet.call('LPUSH', 'l', 'y');
      await quiet.call('EVAL', "return redis.call('GET', KEYS[1])", '1', 'a');
      assert.equal(await c.call('OBJECT', 'IDLETIME', 'a'), 10);
      assert.equal(await c.call('OBJECT', 'IDLETIME', 'l'), 10);
      await quiet.call('TOUCH', 'a');
      assert.equal(await c.call('OBJECT', 'IDLETIME', 'a'), 0);
      clock.t += 5_000;
      await quiet.call('CLIENT', 'NO-TOUCH', 'OFF');
      await quiet.call('GET', 'a');
      assert.equal(await c.call('OBJECT', 'IDLETIME', 'a'), 0);
      assert.equal(await c.raw('CLIENT', 'NO-TOUCH', 'maybe'), '-ERR syntax error\r\n');
    });
  });
});

describe('eviction and client-side caching', () => {
  it('the invalidation of a key evicted by maxmemory reaches the tracking client before the reply of the command that evicted it', async () => {
    await withSinew({}, async (srv, c) => {
      await c.call('HELLO', '3');
      await c.call('SET', 'k', 'v');
      await c.call('CLIENT', 'TRACKING', 'on');
      assert.equal(await c.call('GET', 'k'), 'v');
      await c.call('CONFIG', 'SET', 'maxmemory-policy', 'allkeys-random');
      // far below what the process uses: every key goes before the next write is refused
      await c.call('CONFIG', 'SET', 'maxmemory', '1mb');
      c.send('SET', 'other', 'x');
      const first = await c.nextRaw();
      const second = await c.nextRaw();
      assert.equal(first, '>2\r\n$10\r\ninvalidate\r\n*1\r\n$1\r\nk\r\n');
      assert.match(second, /^-OOM /);
      await c.call('CONFIG', 'SET', 'maxmemory', '0');
      assert.equal(await c.call('EXISTS', 'k'), 0);
    });
  });
});

describe('two servers in one process', () => {
  it('share no state: DEBUG PAUSE-CRON, peak memory, pauses, scripts and encoding limits are each server\'s own', async () => {
    const a = await startServer({ port: 0, 'enable-debug-command': 'yes' });
    const b = await startServer({ port: 0, 'enable-debug-command': 'yes' });
    const ca = await RawClient.connect(a.port);
    const cb = await RawClient.connect(b.port);
    try {
      await ca.call('DEBUG', 'PAUSE-CRON', '1');
      const loopsA = a.server.cronLoops;
      const loopsB = b.server.cronLoops;
      await new Promise((r) => setTimeout(r, 250));
      assert.equal(a.server.cronLoops, loopsA);
      assert.ok(b.server.cronLoops > loopsB, "the other server's cron kept running");
      await ca.call('DEBUG', 'PAUSE-CRON', '0');
      a.server.samplePeakMemory(Number.MAX_SAFE_INTEGER);
      const peak = async (c: RawClient) => Number(/used_memory_peak:(\d+)/.exec(String(await c.call('INFO', 'memory')))![1]);
      assert.equal(await peak(ca), Number.MAX_SAFE_INTEGER);
      assert.ok((await peak(cb)) < Number.MAX_SAFE_INTEGER);
      await ca.call('SCRIPT', 'LOAD', 'return 1');
      assert.deepEqual(await cb.call('SCRIPT', 'EXISTS', 'e0e1f9fabfc9d4800c877a703b823ac0578ff8db'), [0]);
      await ca.call('CLIENT', 'PAUSE', '5000', 'WRITE');
      assert.equal(await cb.call('SET', 'k', 'v'), 'OK');
      await ca.call('CLIENT', 'UNPAUSE');
      // Encoding limits are each server's own setting.
      await ca.call('CONFIG', 'SET', 'set-max-intset-entries', '2');
      for (const c of [ca, cb]) await c.call('SADD', 's', '1', '2', '3');
      assert.equal(await ca.call('OBJECT', 'ENCODING', 's'), 'hashtable');
      assert.equal(await cb.call('OBJECT', 'ENCODING', 's'), 'intset');
    } finally {
      ca.close();
      cb.close();
      await a.close();
      await b.close();
    }
  });
});
