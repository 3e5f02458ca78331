import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../../src/index.js';
import { RawClient } from '../helpers/raw-client.js';
import { collectGarbage } from '../../src/server/memory.js';

/** Live heap after a full collection: later readings can only be higher until keys are removed. */
async function liveMemory(s: { server: { evictor: { usedMemory(): number } } }): Promise<number> {
  collectGarbage();
  collectGarbage();
  await new Promise((r) => setTimeout(r, 5));
  return s.server.evictor.usedMemory();
}

/** Fills the server with ~1KB values until well above maxmemory. */
async function fill(c: RawClient, n: number, prefix = 'k'): Promise<void> {
  const v = 'x'.repeat(1024);
  for (let i = 0; i < n; i++) c.send('SET', `${prefix}${i}`, v);
  for (let i = 0; i < n; i++) await c.nextRaw();
}

describe('maxmemory and eviction', () => {
  it('garbage of recent commands still in the young generation is collected before anything is evicted', async () => {
    const s = await startServer({ port: 0 });
    const c = await RawClient.connect(s.port);
    try {
      const v = 'v'.repeat(1024);
      for (let i = 0; i < 1000; i++) c.send('SET', `live${i}`, v);
      for (let i = 0; i < 1000; i++) await c.nextRaw();
      const limit = (await liveMemory(s)) + 4 * 1024 * 1024;
      await c.raw('CONFIG', 'SET', 'maxmemory-policy', 'allkeys-random');
      await c.raw('CONFIG', 'SET', 'maxmemory', String(limit));
      // 6 MB of arguments that are garbage once answered: EXISTS of 30 KB
      // key names, written as strings (the client, in this same process,
      // makes no buffers of its own for them; the replies are tiny)
      const sock = (c as unknown as { sock: { write(s: string, enc: string): void } }).sock;
      for (let i = 0; i < 200; i++) {
        const name = String(i).padEnd(30 * 1024, 'e');
        sock.write(`*2\r\n$6\r\nEXISTS\r\n$${name.length}\r\n${name}\r\n`, 'latin1');
        assert.equal(await c.nextRaw(), ':0\r\n');
      }
      assert.equal(await c.raw('SET', 'after', '1'), '+OK\r\n');
      const info = String(await c.call('INFO', 'stats'));
      assert.match(info, /evicted_keys:0\r\n/, 'nothing evicted: only garbage was over the limit');
      assert.equal(await c.call('DBSIZE'), 1001);
    } finally {
      c.close();
      await s.close();
    }
  });

  it('noeviction refuses writes with the OOM error once over maxmemory, reads still work', async () => {
    const s = await startServer({ port: 0 });
    const c = await RawClient.connect(s.port);
    try {
      await c.raw('SET', 'before', '1');
      await c.raw('CONFIG', 'SET', 'maxmemory', '1mb');
      assert.equal(await c.raw('SET', 'k', 'v'), "-OOM command not allowed when used memory > 'maxmemory'.\r\n");
      assert.equal(await c.raw('GET', 'before'), '$1\r\n1\r\n');
      assert.equal(await c.raw('DEL', 'before'), ':1\r\n', 'DEL is not denied on OOM');
      const info = String(await c.call('INFO', 'stats'));
      assert.match(info, /evicted_keys:0/);
    } finally {
      c.close();
      await s.close();
    }
  });

  it('allkeys-lru evicts keys (counted, notified) and keeps recently used ones', async () => {
    const s = await startServer({ port: 0 });
    const c = await RawClient.connect(s.port);
    const sub = await RawClient.connect(s.port);
    try {
      await c.raw('CONFIG', 'SET', 'notify-keyspace-events', 'Ee');
      await sub.raw('SUBSCRIBE', '__keyevent@0__:evicted');
      await fill(c, 2000);
      const heap = await liveMemory(s);
      await c.raw('CONFIG', 'SET', 'maxmemory-policy', 'allkeys-lru');
      await c.raw('GET', 'k1999');
      await c.raw('CONFIG', 'SET', 'maxmemory', String(heap - 512 * 1024));
      assert.equal(await c.raw('SET', 'trigger', 'x'), '+OK\r\n');
      const info = String(await c.call('INFO', 'stats'));
      const evicted = Number(/evicted_keys:(\d+)/.exec(info)![1]);
      assert.ok(evicted > 0, 'some keys were evicted');
      assert.ok(Number(await c.call('DBSIZE')) < 2001);
      const msg = await sub.call();
      assert.ok(Array.isArray(msg) && msg[0] === 'message' && msg[1] === '__keyevent@0__:evicted');
    } finally {
      c.close();
      sub.close();
      await s.close();
    }
  });

  it('volatile-ttl only evicts keys with an expiry, nearest first', async () => {
    const s = await startServer({ port: 0 });
    const c = await RawClient.connect(s.port);
    try {
      await fill(c, 500, 'p');
      const v = 'y'.repeat(1024);
      for (let i = 0; i < 1000; i++) c.send('SET', `t${i}`, v, 'EX', String(1000 + i));
      for (let i = 0; i < 1000; i++) await c.nextRaw();
      const heap = await liveMemory(s);
      await c.raw('CONFIG', 'SET', 'maxmemory-policy', 'volatile-ttl');
      await c.raw('CONFIG', 'SET', 'maxmemory', String(heap - 400 * 1024));
      await c.raw('SET', 'trigger', 'x');
      let persistent = 0;
      for (let i = 0; i < 500; i++) if ((await c.call('EXISTS', `p${i}`)) === 1) persistent++;
      assert.equal(persistent, 500, 'keys without TTL are never evicted by volatile-ttl');
      assert.ok(Number(await c.call('DBSIZE')) < 1501, 'volatile keys were evicted');
    } finally {
      c.close();
      await s.close();
    }
  });

  it('OBJECT FREQ under an LFU policy and IDLETIME under LRU', async () => {
    const s = await startServer({ port: 0 });
    const c = await RawClient.connect(s.port);
    try {
      await c.raw('SET', 'a', '1');
      assert.match(await c.raw('OBJECT', 'FREQ', 'a'), /^-ERR An LFU maxmemory policy is not selected/);
      await c.raw('CONFIG', 'SET', 'maxmemory-policy', 'allkeys-lfu');
      for (let i = 0; i < 50; i++) await c.raw('GET', 'a');
      const f = Number(await c.call('OBJECT', 'FREQ', 'a'));
      assert.ok(f >= 5 && f <= 255, `frequency ${f}`);
      await c.raw('CONFIG', 'SET', 'maxmemory-policy', 'allkeys-lru');
      await c.raw('GET', 'a');
      assert.equal(await c.raw('OBJECT', 'IDLETIME', 'a'), ':0\r\n');
    } finally {
      c.close();
      await s.close();
    }
  });
});
