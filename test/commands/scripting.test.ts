import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { RawClient } from '../helpers/raw-client.js';
import { useSinew } from '../helpers/suite.js';

describe('scripting (Sinew only)', () => {
  const { server: s, client: c } = useSinew();

  it('stops a script that runs past busy-reply-threshold, then serves again', async () => {
    assert.equal(await c.raw('CONFIG', 'SET', 'busy-reply-threshold', '50'), '+OK\r\n');
    const r = await c.raw('EVAL', 'local i = 0 while true do i = i + 1 end', '0');
    assert.match(r, /^-ERR Script ran longer than busy-reply-threshold \(50 ms\) and was stopped .* script: [0-9a-f]{40}, on @user_script:1\.\r\n$/);
    assert.equal(await c.raw('EVAL', 'return 1', '0'), ':1\r\n');
    assert.equal(await c.raw('CONFIG', 'SET', 'busy-reply-threshold', '5000'), '+OK\r\n');
  });

  it('writes inside a script are propagated as commands (several in MULTI/EXEC), the EVAL itself is not', async () => {
    const seen: string[][] = [];
    const unsubscribe = s.server.effects.subscribe((argv) => void seen.push(argv));
    try {
      await c.raw('EVAL', "redis.call('set', KEYS[1], 'v') redis.call('get', KEYS[1]) redis.call('incr', 'n')", '1', 'pk');
      await c.raw('EVAL', "redis.call('set', KEYS[1], 'w')", '1', 'pk');
    } finally {
      unsubscribe();
    }
    // Several writes are one MULTI/EXEC block (Redis 7.0), one goes alone.
    assert.deepEqual(seen, [['SELECT', '0'], ['MULTI'], ['set', 'pk', 'v'], ['incr', 'n'], ['EXEC'], ['set', 'pk', 'w']]);
  });

  it('writes inside a script invalidate WATCH and fire keyspace notifications', async () => {
    const w = await RawClient.connect(s.port);
    const sub = await RawClient.connect(s.port);
    try {
      await c.raw('CONFIG', 'SET', 'notify-keyspace-events', 'KEA');
      await sub.raw('SUBSCRIBE', '__keyspace@0__:wk');
      await w.raw('WATCH', 'wk');
      await w.raw('MULTI');
      await w.raw('GET', 'wk');
      await c.raw('EVAL', "return redis.call('set', KEYS[1], 'x')", '1', 'wk');
      assert.equal(await w.raw('EXEC'), '*-1\r\n');
      assert.equal(await sub.nextRaw(1000), '*3\r\n$7\r\nmessage\r\n$17\r\n__keyspace@0__:wk\r\n$3\r\nset\r\n');
    } finally {
      await c.raw('CONFIG', 'SET', 'notify-keyspace-events', '');
      w.close();
      sub.close();
    }
  });

  it('a push inside a script wakes a blocked client', async () => {
    const bl = await RawClient.connect(s.port);
    try {
      bl.send('BLPOP', 'wakelist', '0');
      await new Promise((r) => setTimeout(r, 50));
      await c.raw('EVAL', "return redis.call('rpush', KEYS[1], 'a')", '1', 'wakelist');
      assert.equal(await bl.nextRaw(1000), '*2\r\n$8\r\nwakelist\r\n$1\r\na\r\n');
    } finally {
      bl.close();
    }
  });

  it('SCRIPT FLUSH forgets scripts; EVALSHA of a loaded script runs', async () => {
    const sha = await c.call('SCRIPT', 'LOAD', 'return ARGV[1]');
    assert.equal(await c.raw('EVALSHA', String(sha), '0', 'z'), '$1\r\nz\r\n');
    assert.equal(await c.raw('SCRIPT', 'FLUSH'), '+OK\r\n');
    assert.equal(await c.raw('SCRIPT', 'EXISTS', String(sha)), '*1\r\n:0\r\n');
    assert.match(await c.raw('EVALSHA', String(sha), '0'), /^-NOSCRIPT/);
  });

  it('INFO memory counts cached scripts and their bytes; SCRIPT FLUSH empties the cache', async () => {
    await c.raw('SCRIPT', 'FLUSH');
    await c.raw('EVAL', 'return 1', '0');
    await c.raw('SCRIPT', 'LOAD', 'return 22');
    const info = String(await c.call('INFO', 'memory'));
    assert.match(info, /number_of_cached_scripts:2\r\n/);
    assert.match(info, /used_memory_scripts_eval:17\r\n/);
    await c.raw('SCRIPT', 'FLUSH');
    assert.match(String(await c.call('INFO', 'memory')), /number_of_cached_scripts:0\r\n/);
  });

  it('deeply nested replies stop at Lua 5.1 stack limit as in Redis 7.0.15 (7995 levels, then the error)', async () => {
    // Read with a plain socket: the test decoder is recursive.
    const net = await import('node:net');
    const body = 'local t = {} local cur = t for i=1,10000 do cur[1] = {} cur = cur[1] end return t';
    const sock = net.connect(s.port, '127.0.0.1');
    const chunks: Buffer[] = [];
    const want = '-ERR reached lua stack limit\r\n';
    await new Promise<void>((resolve, reject) => {
      sock.on('data', (d) => {
        chunks.push(d);
        if (Buffer.concat(chunks).toString('latin1').endsWith(want)) resolve();
      });
      sock.on('error', reject);
      sock.write(`*3\r\n$4\r\nEVAL\r\n$${body.length}\r\n${body}\r\n$1\r\n0\r\n`);
    });
    sock.destroy();
    const text = Buffer.concat(chunks).toString('latin1');
    assert.equal(text, '*1\r\n'.repeat(7995) + want);
    assert.equal(await c.raw('PING'), '+PONG\r\n');
  });

  it('MONITOR shows the EVAL line, then the commands the script runs as [db lua]', async () => {
    const m = await RawClient.connect(s.port);
    try {
      await m.raw('MONITOR');
      await c.raw('EVAL', "redis.call('select', '3') redis.call('set', KEYS[1], 'v')", '1', 'mk');
      const lines: string[] = [];
      for (let i = 0; i < 3; i++) lines.push((await m.nextRaw(1000)).replace(/^\+[0-9.]+ /, '').replace(/127\.0\.0\.1:\d+/, 'ADDR'));
      assert.deepEqual(lines, [
        `[0 ADDR] "EVAL" "redis.call('select', '3') redis.call('set', KEYS[1], 'v')" "1" "mk"\r\n`,
        '[3 lua] "select" "3"\r\n',
        '[3 lua] "set" "mk" "v"\r\n',
      ]);
    } finally {
      m.close();
    }
  });

  it('many script runs leave KEYS/ARGV empty between calls', async () => {
    for (let i = 0; i < 20; i++) await c.raw('EVAL', 'return #ARGV', '0', 'a', 'b');
    assert.equal(await c.raw('EVAL', 'return #KEYS + #ARGV', '0'), ':0\r\n');
  });
});
