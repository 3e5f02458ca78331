/**
 * Interop with node-redis v5 (the `redis` package), in RESP2 and in RESP3
 * (createClient({ RESP: 3 }) opens with HELLO 3).
 */
import { describe, it, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { createClient, RESP_TYPES, BasicClientSideCache } from 'redis';
import { startServer, type RunningServer } from '../../src/index.js';

/* eslint-disable @typescript-eslint/no-explicit-any */
// node-redis's generated types differ per protocol version; the tests use the
// same calls on both, so the client is typed loosely.
type Client = any;

async function implemented(c: Client, ...names: string[]): Promise<boolean> {
  const info = (await c.sendCommand(['COMMAND', 'INFO', ...names])) as unknown[];
  return info.every((x) => Array.isArray(x));
}

for (const RESP of [2, 3] as const) {
  describe(`node-redis v5, RESP${RESP}`, () => {
    let s: RunningServer;
    let c: Client;

    before(async () => {
      s = await startServer({ port: 0 });
      c = createClient({ socket: { host: '127.0.0.1', port: s.port, reconnectStrategy: false }, RESP });
      c.on('error', () => {});
      await c.connect();
    });
    after(async () => {
      c.destroy();
      await s.close();
    });
    beforeEach(async () => {
      await c.flushAll();
    });

    it('connects and negotiates the protocol', async () => {
      assert.equal(c.isReady, true);
      assert.equal(await c.ping(), 'PONG');
      const hello = await c.sendCommand(['HELLO']);
      // HELLO with no version reports the connection's current protocol.
      const fields: Record<string, unknown> =
        hello instanceof Map
          ? Object.fromEntries(hello)
          : Array.isArray(hello)
            ? Object.fromEntries(Array.from({ length: hello.length / 2 }, (_, i) => [hello[2 * i], hello[2 * i + 1]]))
            : (hello as Record<string, unknown>);
      assert.equal(fields.proto, RESP);
      assert.equal(fields.version, '7.0.15');
      assert.equal(fields.server, 'redis');
      assert.equal(fields.mode, 'standalone');
      const list = (await c.sendCommand(['CLIENT', 'INFO'])) as string;
      assert.match(list, new RegExp(` resp=${RESP}(\\s|$)`));
    });

    it('strings: typed commands and replies', async () => {
      assert.equal(await c.set('k', 'v'), 'OK');
      assert.equal(await c.get('k'), 'v');
      assert.equal(await c.get('nope'), null);
      assert.equal(await c.set('k', 'w', { NX: true }), null);
      assert.equal(await c.set('k', 'w', { GET: true }), 'v');
      assert.equal(await c.incrBy('n', 5), 5);
      assert.equal(await c.incrByFloat('f', 1.5), '1.5');
      assert.deepEqual(await c.mGet(['k', 'nope', 'n']), ['w', null, '5']);
      assert.equal(await c.expire('k', 100), 1);
      const ttl = await c.ttl('k');
      assert.ok(ttl > 90 && ttl <= 100);
      assert.equal(await c.exists(['k', 'n', 'nope']), 2);
      assert.equal(await c.type('k'), 'string');
      assert.equal(await c.dbSize(), 3);
      await assert.rejects(c.incr('k'), /ERR value is not an integer or out of range/);
      await assert.rejects(c.sendCommand(['SET']), /ERR wrong number of arguments for 'set' command/);
    });

    it('pipelined commands (auto-pipelining and multi without MULTI)', async () => {
      // Commands issued in the same tick are written in one batch.
      const replies = await Promise.all(Array.from({ length: 300 }, (_, i) => c.set(`p${i}`, String(i))));
      assert.ok(replies.every((x: unknown) => x === 'OK'));
      const vals = await Promise.all(Array.from({ length: 300 }, (_, i) => c.get(`p${i}`)));
      vals.forEach((v: unknown, i: number) => assert.equal(v, String(i)));
      const res = await c.multi().set('a', '1').incr('a').get('a').execAsPipeline();
      assert.deepEqual(res, ['OK', 2, '2']);
    });

    it('MULTI/EXEC', async (t) => {
      if (!(await implemented(c, 'multi', 'exec'))) return t.skip('MULTI not implemented yet');
      const res = await c.multi().set('m', '10').incrBy('m', 5).get('m').exec();
      assert.deepEqual(res, ['OK', 15, '15']);
      // WATCH + a conflicting write from another connection aborts EXEC.
      const other = c.duplicate();
      other.on('error', () => {});
      await other.connect();
      try {
        await c.watch('m');
        await other.set('m', 'changed');
        await assert.rejects(c.multi().set('m', 'mine').exec(), /WATCH|aborted/i);
        assert.equal(await c.get('m'), 'changed');
      } finally {
        other.destroy();
      }
    });

    it('binary values with all 256 byte values', async () => {
      const all = Buffer.alloc(256);
      for (let i = 0; i < 256; i++) all[i] = i;
      const key = Buffer.concat([Buffer.from('bin:'), all]);
      assert.equal(await c.set(key, all), 'OK');
      const bc = c.withTypeMapping({ [RESP_TYPES.BLOB_STRING]: Buffer });
      const got = await bc.get(key);
      assert.ok(Buffer.isBuffer(got));
      assert.ok(all.equals(got));
      assert.equal(await c.strLen(key), 256);
      const keys = await bc.keys('bin:*');
      assert.equal(keys.length, 1);
      assert.ok(key.equals(keys[0]));
    });

    it('scanIterator sees every key', async () => {
      await Promise.all(Array.from({ length: 400 }, (_, i) => c.set(`k${i}`, 'v')));
      await Promise.all(Array.from({ length: 50 }, (_, i) => c.set(`x${i}`, 'v')));
      const seen = new Set<string>();
      for await (const keys of c.scanIterator({ MATCH: 'k*', COUNT: 25 })) {
        for (const k of keys as string[]) seen.add(k);
      }
      assert.equal(seen.size, 400);
      for (const k of seen) assert.ok(k.startsWith('k'));
    });

    it('INFO and CONFIG GET', async () => {
      const info = (await c.info('server')) as string;
      assert.match(info, /^# Server\r\n/);
      assert.match(info, /\r\nredis_version:7\.0\.15\r\n/);
      assert.match(info, new RegExp(`\\r\\ntcp_port:${s.port}\\r\\n`));
      const cfg = await c.configGet('maxmemory*');
      assert.equal(typeof cfg, 'object');
      assert.equal(cfg.maxmemory, '0');
      assert.equal(cfg['maxmemory-policy'], 'noeviction');
    });

    it('aggregate types through the typed API', async (t) => {
      const ran: string[] = [];
      if (await implemented(c, 'hset', 'hgetall')) {
        assert.equal(await c.hSet('h', { a: '1', b: '2' }), 2);
        // RESP3 answers a map, RESP2 a flat array; the client shapes both alike.
        assert.deepEqual({ ...(await c.hGetAll('h')) }, { a: '1', b: '2' });
        ran.push('hash');
      }
      if (await implemented(c, 'zadd', 'zscore', 'zrange')) {
        assert.equal(await c.zAdd('z', [{ score: 1.5, value: 'a' }, { score: 2, value: 'b' }]), 2);
        assert.equal(await c.zScore('z', 'a'), 1.5);
        assert.deepEqual(await c.zRangeWithScores('z', 0, -1), [
          { value: 'a', score: 1.5 },
          { value: 'b', score: 2 },
        ]);
        ran.push('zset');
      }
      if (await implemented(c, 'sadd', 'smembers', 'sismember')) {
        assert.equal(await c.sAdd('s', ['x', 'y']), 2);
        assert.deepEqual([...(await c.sMembers('s'))].sort(), ['x', 'y']);
        assert.equal(await c.sIsMember('s', 'x'), 1);
        ran.push('set');
      }
      if (await implemented(c, 'rpush', 'lrange')) {
        assert.equal(await c.rPush('l', ['a', 'b']), 2);
        assert.deepEqual(await c.lRange('l', 0, -1), ['a', 'b']);
        ran.push('list');
      }
      if (ran.length === 0) return t.skip('no aggregate types implemented yet');
    });

    it('client-side caching (RESP3 only): hits, then invalidation by another client', async (t) => {
      if (RESP !== 3) return t.skip('client-side caching needs RESP3');
      if (!(await implemented(c, 'client|tracking'))) return t.skip('CLIENT TRACKING not implemented yet');
      const cache = new BasicClientSideCache({ ttl: 0, maxEntries: 0 });
      const cc = createClient({ socket: { host: '127.0.0.1', port: s.port, reconnectStrategy: false }, RESP: 3, clientSideCache: cache });
      cc.on('error', () => {});
      await cc.connect();
      try {
        await c.set('cached', 'v1');
        assert.equal(await cc.get('cached'), 'v1');
        assert.equal(await cc.get('cached'), 'v1');
        assert.equal(await cc.get('cached'), 'v1');
        const st = cache.stats();
        assert.equal(st.missCount, 1);
        assert.equal(st.hitCount, 2);
        const tracking = (await cc.sendCommand(['CLIENT', 'TRACKINGINFO'])) as unknown;
        assert.ok(JSON.stringify(tracking instanceof Map ? Object.fromEntries(tracking) : tracking).includes('on'));
        // A write from another connection invalidates the cached entry (push message).
        await c.set('cached', 'v2');
        let v: unknown = 'v1';
        for (let i = 0; i < 100 && v === 'v1'; i++) {
          await new Promise((r) => setTimeout(r, 5));
          v = await cc.get('cached');
        }
        assert.equal(v, 'v2');
        assert.ok(cache.stats().missCount >= 2);
      } finally {
        cc.destroy();
      }
    });

    it('pub/sub on a duplicated connection', async (t) => {
      if (!(await implemented(c, 'subscribe', 'publish'))) return t.skip('pub/sub not implemented yet');
      const sub = c.duplicate();
      sub.on('error', () => {});
      await sub.connect();
      try {
        const got = new Promise<[string, string]>((resolve) => {
          void sub.subscribe('chan', (message: string, channel: string) => resolve([channel, message]));
        });
        // Wait until the subscription is in place.
        for (let i = 0; i < 100 && Number(await c.sendCommand(['PUBSUB', 'NUMSUB', 'chan']).then((r: unknown[]) => r[1])) === 0; i++) {
          await new Promise((r) => setTimeout(r, 10));
        }
        assert.equal(await c.publish('chan', 'hi'), 1);
        assert.deepEqual(await got, ['chan', 'hi']);
      } finally {
        sub.destroy();
      }
    });
  });
}
