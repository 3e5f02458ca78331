/**
 * Interop with ioredis 5: a real client library against an in-process Sinew.
 */
import { describe, it, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { startServer, type RunningServer } from '../../src/index.js';

/** Commands Sinew implements (COMMAND INFO answers nil for the others). */
function waitFor(emitter: Redis, event: string, ms = 5000): Promise<void> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`no '${event}' within ${ms} ms`)), ms);
    emitter.once(event, () => {
      clearTimeout(t);
      resolve();
    });
  });
}

describe('ioredis', () => {
  let s: RunningServer;
  let r: Redis;

  before(async () => {
    s = await startServer({ port: 0 });
    r = new Redis({ port: s.port, host: '127.0.0.1', maxRetriesPerRequest: 2, lazyConnect: true });
    r.on('error', () => {});
    await r.connect();
  });
  after(async () => {
    r.disconnect();
    await s.close();
  });
  beforeEach(async () => {
    await r.flushall();
  });

  it('connects (ready check runs INFO) and round-trips basic commands', async () => {
    assert.equal(r.status, 'ready');
    assert.equal(await r.ping(), 'PONG');
    assert.equal(await r.set('k', 'v'), 'OK');
    assert.equal(await r.get('k'), 'v');
    assert.equal(await r.get('missing'), null);
    assert.equal(await r.incrby('n', 41), 41);
    assert.equal(await r.incr('n'), 42);
    assert.equal(await r.set('k', 'v2', 'EX', 100, 'GET'), 'v');
    const ttl = await r.ttl('k');
    assert.ok(ttl > 90 && ttl <= 100, `ttl ${ttl}`);
    assert.deepEqual(await r.mget('k', 'missing', 'n'), ['v2', null, '42']);
    assert.equal(await r.exists('k', 'n', 'missing'), 2);
    assert.equal(await r.del('k', 'n'), 2);
    assert.equal(await r.dbsize(), 0);
  });

  it('reports server errors as ReplyError with the Redis message', async () => {
    await r.set('s', 'abc');
    await assert.rejects(r.incr('s'), /ERR value is not an integer or out of range/);
    await assert.rejects(r.call('NOSUCHCOMMAND', 'a'), /ERR unknown command 'NOSUCHCOMMAND', with args beginning with: 'a'/);
    await assert.rejects(r.call('GET'), /ERR wrong number of arguments for 'get' command/);
  });

  it('pipelines: replies in order, per-command errors in their slot', async () => {
    const res = await r
      .pipeline()
      .set('a', '1')
      .incr('a')
      .get('a')
      .set('b', 'x')
      .incr('b')
      .mget('a', 'b', 'c')
      .exec();
    assert.ok(res);
    assert.equal(res.length, 6);
    assert.deepEqual(res[0], [null, 'OK']);
    assert.deepEqual(res[1], [null, 2]);
    assert.deepEqual(res[2], [null, '2']);
    assert.deepEqual(res[3], [null, 'OK']);
    assert.match(String(res[4][0]), /ERR value is not an integer or out of range/);
    assert.deepEqual(res[5], [null, ['2', 'x', null]]);

    // A large pipeline: 2000 commands in one write, replies in order.
    const p = r.pipeline();
    for (let i = 0; i < 1000; i++) p.set(`p:${i}`, String(i));
    for (let i = 0; i < 1000; i++) p.get(`p:${i}`);
    const big = await p.exec();
    assert.ok(big);
    assert.equal(big.length, 2000);
    for (let i = 0; i < 1000; i++) {
      assert.deepEqual(big[i], [null, 'OK']);
      assert.deepEqual(big[1000 + i], [null, String(i)]);
    }
    assert.equal(await r.dbsize(), 1002); // p:0..p:999 plus a and b
  });

  it('MULTI/EXEC through ioredis transactions', async () => {
    const res = await r.multi().set('m', '1').incr('m').get('m').exec();
    assert.deepEqual(res, [
      [null, 'OK'],
      [null, 2],
      [null, '2'],
    ]);
    // An error inside EXEC stays in its slot; the other commands still run.
    await r.set('str', 'abc');
    const res2 = await r.multi().incr('str').set('after', 'yes').exec();
    assert.ok(res2);
    assert.match(String(res2[0][0]), /ERR value is not an integer or out of range/);
    assert.deepEqual(res2[1], [null, 'OK']);
    assert.equal(await r.get('after'), 'yes');
    // A queueing error aborts the whole transaction.
    await assert.rejects(r.multi().set('x', '1').call('GET').exec(), /EXECABORT|wrong number of arguments/);
    assert.equal(await r.exists('x'), 0);
  });

  it('Buffer keys and values with all 256 byte values', async () => {
    const all = Buffer.alloc(256);
    for (let i = 0; i < 256; i++) all[i] = i;
    const key = Buffer.concat([Buffer.from('bin:'), all]);
    assert.equal(await r.set(key, all), 'OK');
    const got = await r.getBuffer(key);
    assert.ok(got);
    assert.ok(all.equals(got), 'value bytes differ');
    assert.equal(await r.strlen(key), 256);
    // APPEND and GETRANGE stay byte-exact, including bytes >= 0x80.
    assert.equal(await r.append(key, Buffer.from([0x00, 0xff, 0x80])), 259);
    const tail = await r.getrangeBuffer(key, -4, -1);
    assert.ok(Buffer.from([0xff, 0x00, 0xff, 0x80]).equals(tail));
    // The key itself comes back byte-exact from KEYS.
    const keys = await r.keysBuffer('bin:*');
    assert.equal(keys.length, 1);
    assert.ok(key.equals(keys[0]));
    // Every single byte as its own value.
    const p = r.pipeline();
    for (let i = 0; i < 256; i++) p.set(Buffer.from([0x62, i]), Buffer.from([i]));
    await p.exec();
    const vals = await r.mgetBuffer(...Array.from({ length: 256 }, (_, i) => Buffer.from([0x62, i])));
    assert.equal(vals.length, 256);
    vals.forEach((v, i) => assert.ok(v && v.length === 1 && v[0] === i, `byte ${i}`));
  });

  it('scanStream visits every key exactly once, with MATCH and COUNT', async () => {
    const p = r.pipeline();
    for (let i = 0; i < 500; i++) p.set(`k${i}`, 'v');
    for (let i = 0; i < 100; i++) p.set(`other${i}`, 'v');
    await p.exec();
    const seen: string[] = [];
    await new Promise<void>((resolve, reject) => {
      const stream = r.scanStream({ match: 'k*', count: 37 });
      stream.on('data', (keys: string[]) => seen.push(...keys));
      stream.on('end', () => resolve());
      stream.on('error', reject);
    });
    // SCAN may return a key more than once in general, but not without rehashing;
    // every matching key must appear.
    const unique = new Set(seen);
    assert.equal(unique.size, 500);
    for (let i = 0; i < 500; i++) assert.ok(unique.has(`k${i}`));
    for (const k of unique) assert.ok(k.startsWith('k'));
  });

  it('INFO parses into sections and fields', async () => {
    await r.set('a', '1');
    const text = await r.info();
    const fields = new Map<string, string>();
    const sections: string[] = [];
    for (const line of text.split('\r\n')) {
      if (line.startsWith('# ')) sections.push(line.slice(2));
      else if (line.includes(':')) {
        const i = line.indexOf(':');
        fields.set(line.slice(0, i), line.slice(i + 1));
      }
    }
    for (const sec of ['Server', 'Clients', 'Memory', 'Stats', 'Keyspace']) assert.ok(sections.includes(sec), `section ${sec}`);
    assert.equal(fields.get('redis_version'), '7.0.15');
    assert.equal(fields.get('tcp_port'), String(s.port));
    assert.match(fields.get('used_memory') ?? '', /^\d+$/);
    assert.match(fields.get('db0') ?? '', /^keys=1,expires=0,avg_ttl=0$/);
    // ioredis keeps what its ready check parsed.
    const serverInfo = (r as unknown as { serverInfo?: Record<string, string> }).serverInfo;
    if (serverInfo) assert.equal(serverInfo.redis_version, '7.0.15');
    // One section only.
    const mem = await r.info('memory');
    assert.ok(mem.startsWith('# Memory\r\n'));
    assert.ok(!mem.includes('# Server'));
  });

  it('reconnects after CLIENT KILL and keeps working', async () => {
    const c = new Redis({ port: s.port, host: '127.0.0.1', retryStrategy: () => 20, maxRetriesPerRequest: 5, lazyConnect: true });
    c.on('error', () => {});
    try {
      await c.connect();
      await c.select(3);
      await c.set('sel', 'db3');
      const id = (await c.client('ID')) as number;
      const reconnected = waitFor(c, 'ready');
      assert.equal(await r.client('KILL', 'ID', String(id)), 1);
      await reconnected;
      const id2 = (await c.client('ID')) as number;
      assert.notEqual(id2, id);
      // ioredis re-selects the database it was using.
      assert.equal(await c.get('sel'), 'db3');
      assert.equal(await c.ping(), 'PONG');
      // CLIENT LIST from the other connection shows the new one.
      const list = (await r.client('LIST')) as string;
      assert.ok(list.includes(`id=${id2} `));
      assert.ok(!list.includes(`id=${id} `));
    } finally {
      c.disconnect();
    }
  });

  it('lists, hashes, sets and sorted sets through the typed API', async () => {
    assert.equal(await r.rpush('l', 'a', 'b', 'c'), 3);
    assert.deepEqual(await r.lrange('l', 0, -1), ['a', 'b', 'c']);
    assert.equal(await r.lpop('l'), 'a');
    assert.equal(await r.hset('h', { f1: 'v1', f2: 'v2' }), 2);
    assert.deepEqual(await r.hgetall('h'), { f1: 'v1', f2: 'v2' });
    assert.equal(await r.sadd('s', 'x', 'y', 'x'), 2);
    assert.deepEqual((await r.smembers('s')).sort(), ['x', 'y']);
    assert.equal(await r.zadd('z', 2, 'b', 1, 'a', 3.5, 'c'), 3);
    assert.deepEqual(await r.zrange('z', 0, -1, 'WITHSCORES'), ['a', '1', 'b', '2', 'c', '3.5']);
  });

  it('hscanStream, sscanStream and zscanStream cover every element', async () => {
    const fields: string[] = [];
    for (let i = 0; i < 300; i++) fields.push(`f${i}`, `v${i}`);
    await r.hset('h', ...fields);
    await r.sadd('s', ...Array.from({ length: 300 }, (_, i) => `m${i}`));
    await r.zadd('z', ...Array.from({ length: 300 }, (_, i) => [String(i), `z${i}`]).flat());
    const collect = (stream: NodeJS.ReadableStream): Promise<string[]> =>
      new Promise((resolve, reject) => {
        const out: string[] = [];
        stream.on('data', (items: string[]) => out.push(...items));
        stream.on('end', () => resolve(out));
        stream.on('error', reject);
      });
    const h = await collect(r.hscanStream('h', { count: 20 }));
    const hm = new Map<string, string>();
    for (let i = 0; i < h.length; i += 2) hm.set(h[i], h[i + 1]);
    assert.equal(hm.size, 300);
    assert.equal(hm.get('f123'), 'v123');
    const sm = new Set(await collect(r.sscanStream('s', { count: 20, match: 'm1*' })));
    assert.equal(sm.size, 111); // m1, m10-m19, m100-m199
    const z = await collect(r.zscanStream('z', { count: 20 }));
    const zm = new Map<string, string>();
    for (let i = 0; i < z.length; i += 2) zm.set(z[i], z[i + 1]);
    assert.equal(zm.size, 300);
    assert.equal(zm.get('z42'), '42');
  });

  it('BLPOP waits until another client pushes', async () => {
    const b = r.duplicate();
    b.on('error', () => {});
    try {
      const waiting = b.blpop('q1', 'q2', 5);
      // Wait until the server reports the blocked client, then push.
      for (let i = 0; i < 200; i++) {
        const info = await r.info('clients');
        if (/blocked_clients:1\r\n/.test(info)) break;
        await new Promise((res) => setTimeout(res, 5));
      }
      assert.equal(await r.rpush('q2', 'job'), 1);
      assert.deepEqual(await waiting, ['q2', 'job']);
      assert.equal(await r.exists('q2'), 0);
      // A timeout answers null.
      assert.equal(await b.blpop('nothing', 0.05), null);
    } finally {
      b.disconnect();
    }
  });

  it('defineCommand (EVALSHA with EVAL fallback)', async () => {
    r.defineCommand('addTwo', { numberOfKeys: 1, lua: "return redis.call('INCRBY', KEYS[1], ARGV[1]) + 1" });
    const rr = r as unknown as { addTwo(key: string, n: number): Promise<number> };
    assert.equal(await rr.addTwo('cnt', 5), 6);
    assert.equal(await rr.addTwo('cnt', 5), 11);
    assert.equal(await r.get('cnt'), '10');
  });

  it('pub/sub through a subscriber connection', async () => {
    const sub = new Redis({ port: s.port, host: '127.0.0.1', lazyConnect: true });
    sub.on('error', () => {});
    try {
      await sub.connect();
      const got = new Promise<[string, string]>((resolve) => sub.on('message', (ch: string, msg: string) => resolve([ch, msg])));
      assert.equal(await sub.subscribe('news'), 1);
      assert.equal(await r.publish('news', 'hello'), 1);
      assert.deepEqual(await got, ['news', 'hello']);
    } finally {
      sub.disconnect();
    }
  });
});
