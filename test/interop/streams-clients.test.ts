/**
 * Stream APIs of the client libraries users run, on Sinew and on
 * redis-server in the same run: ioredis, node-redis v5 in RESP2 and RESP3
 * (its stream replies differ per protocol: RESP3 XREAD/XREADGROUP replies
 * are maps), and redis-py (Debian's python3-redis, through /usr/bin/python3).
 */
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { createClient } from 'redis';
import { describeOnBoth } from '../helpers/both.js';
import { pythonSkipReason, run, PYTHON } from '../helpers/target.js';

/* eslint-disable @typescript-eslint/no-explicit-any */
type NodeRedis = any;

const ROOT = join(fileURLToPath(import.meta.url), '../../../..');
const NEEDS = ['xadd', 'xlen', 'xrange', 'xrevrange', 'xread', 'xtrim', 'xdel', 'xgroup', 'xreadgroup', 'xack', 'xpending', 'xclaim', 'xautoclaim', 'xinfo'];
/** node-redis builds maps as null-prototype objects; compare them as plain data. */
const plain = (x: unknown): unknown => JSON.parse(JSON.stringify(x));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describeOnBoth('ioredis streams', NEEDS, (srv, skip) => {
  it('XADD (MAXLEN ~, explicit IDs), XRANGE/XREVRANGE, XLEN, XDEL, XTRIM, binary values', async (t) => {
    if (skip()) return t.skip(skip() as string);
    const r = new Redis({ host: srv.host, port: srv.port, maxRetriesPerRequest: 2 });
    try {
      await r.flushall();
      assert.equal(await r.xadd('s', '1-1', 'temp', '21.5', 'unit', 'C'), '1-1');
      assert.equal(await r.xadd('s', '1-*', 'temp', '22'), '1-2');
      const auto = await r.xadd('s', 'MAXLEN', '~', '1000', '*', 'temp', '23');
      assert.match(auto!, /^\d+-\d+$/);
      assert.equal(await r.xlen('s'), 3);
      assert.deepEqual(await r.xrange('s', '-', '+', 'COUNT', 2), [
        ['1-1', ['temp', '21.5', 'unit', 'C']],
        ['1-2', ['temp', '22']],
      ]);
      assert.deepEqual((await r.xrevrange('s', '+', '-', 'COUNT', 1))[0][1], ['temp', '23']);
      await assert.rejects(r.xadd('s', '1-1', 'x', 'y'), /ERR The ID specified in XADD is equal or smaller than the target stream top item/);
      assert.equal(await r.xdel('s', '1-2', '9-9'), 1);
      assert.equal(await r.xtrim('s', 'MAXLEN', 1), 1);
      assert.equal(await r.xlen('s'), 1);
      await r.set('str', 'x');
      await assert.rejects(r.xadd('str', '*', 'a', 'b'), /WRONGTYPE/);
      // Every byte value round-trips.
      const all = Buffer.alloc(256);
      for (let i = 0; i < 256; i++) all[i] = i;
      await r.xadd('bin', '5-0', all, all);
      const got = await r.xrangeBuffer('bin', '-', '+');
      assert.equal(got[0][0].toString(), '5-0');
      assert.ok(all.equals(got[0][1][0]) && all.equals(got[0][1][1]));
    } finally {
      r.disconnect();
    }
  });

  it('consumer group: blocking XREADGROUP woken by XADD, XACK, XPENDING, XCLAIM, XAUTOCLAIM, XINFO', async (t) => {
    if (skip()) return t.skip(skip() as string);
    const r = new Redis({ host: srv.host, port: srv.port });
    const blocker = new Redis({ host: srv.host, port: srv.port });
    try {
      await r.flushall();
      assert.equal(await r.xgroup('CREATE', 'jobs', 'workers', '$', 'MKSTREAM'), 'OK');
      await assert.rejects(r.xgroup('CREATE', 'jobs', 'workers', '$'), /BUSYGROUP Consumer Group name already exists/);
      // A blocked read, woken by an XADD from another connection.
      const t0 = Date.now();
      const pending = blocker.xreadgroup('GROUP', 'workers', 'alice', 'COUNT', 10, 'BLOCK', 5000, 'STREAMS', 'jobs', '>');
      await sleep(100);
      const id1 = (await r.xadd('jobs', '*', 'task', 'resize', 'img', 'a.png'))!;
      const got = (await pending) as [string, [string, string[]][]][];
      assert.ok(Date.now() - t0 < 4000, 'woken by the XADD, not by the timeout');
      assert.deepEqual(got, [['jobs', [[id1, ['task', 'resize', 'img', 'a.png']]]]]);
      // A timed-out blocking read answers nil.
      assert.equal(await blocker.xreadgroup('GROUP', 'workers', 'alice', 'BLOCK', 100, 'STREAMS', 'jobs', '>'), null);

      const id2 = (await r.xadd('jobs', '*', 'task', 'crop'))!;
      const id3 = (await r.xadd('jobs', '*', 'task', 'blur'))!;
      const bob = (await r.xreadgroup('GROUP', 'workers', 'bob', 'COUNT', 10, 'STREAMS', 'jobs', '>')) as [string, [string, string[]][]][];
      assert.deepEqual(bob[0][1].map((e) => e[0]), [id2, id3]);
      assert.equal(await r.xack('jobs', 'workers', id1, id1), 1);
      const summary = (await r.xpending('jobs', 'workers')) as [number, string, string, [string, string][]];
      assert.deepEqual(summary, [2, id2, id3, [['bob', '2']]]);
      const detail = (await r.xpending('jobs', 'workers', '-', '+', 10, 'bob')) as [string, string, number, number][];
      assert.deepEqual(detail.map((d) => [d[0], d[1], d[3]]), [
        [id2, 'bob', 1],
        [id3, 'bob', 1],
      ]);
      // Bob dies: after 50 ms idle, carol claims one entry with XCLAIM, then the rest with XAUTOCLAIM.
      await sleep(80);
      const claimed = (await (r as any).xclaim('jobs', 'workers', 'carol', 50, id2)) as [string, string[]][];
      assert.deepEqual(claimed, [[id2, ['task', 'crop']]]);
      const auto = (await r.xautoclaim('jobs', 'workers', 'carol', 50, '0-0', 'COUNT', 10)) as [string, [string, string[]][], string[]];
      assert.equal(auto[0], '0-0');
      assert.deepEqual(auto[1], [[id3, ['task', 'blur']]]);
      assert.deepEqual(auto[2], []);
      const again = (await r.xpending('jobs', 'workers', '-', '+', 10)) as [string, string, number, number][];
      assert.deepEqual(again.map((d) => [d[0], d[1], d[3]]), [
        [id2, 'carol', 2],
        [id3, 'carol', 2],
      ]);
      assert.equal(await r.xack('jobs', 'workers', id2, id3), 2);

      const info = (await r.xinfo('STREAM', 'jobs')) as unknown[];
      const im = new Map<string, unknown>();
      for (let i = 0; i < info.length; i += 2) im.set(info[i] as string, info[i + 1]);
      assert.equal(im.get('length'), 3);
      assert.equal(im.get('groups'), 1);
      assert.equal(im.get('last-generated-id'), id3);
      assert.deepEqual((im.get('last-entry') as unknown[])[0], id3);
      const groups = (await r.xinfo('GROUPS', 'jobs')) as unknown[][];
      assert.equal(groups.length, 1);
      const g = new Map<string, unknown>();
      for (let i = 0; i < groups[0].length; i += 2) g.set(groups[0][i] as string, groups[0][i + 1]);
      assert.equal(g.get('name'), 'workers');
      assert.equal(g.get('pending'), 0);
      assert.equal(g.get('last-delivered-id'), id3);
      assert.equal(g.get('entries-read'), 3);
      assert.equal(g.get('lag'), 0);
      const consumers = (await r.xinfo('CONSUMERS', 'jobs', 'workers')) as unknown[][];
      assert.deepEqual(consumers.map((c) => c[1]).sort(), ['alice', 'bob', 'carol']);
      // XREAD BLOCK on $ sees only new entries.
      const plain = blocker.xread('BLOCK', 5000, 'STREAMS', 'jobs', '$');
      await sleep(50);
      const id4 = (await r.xadd('jobs', '*', 'task', 'new'))!;
      assert.deepEqual(await plain, [['jobs', [[id4, ['task', 'new']]]]]);
    } finally {
      r.disconnect();
      blocker.disconnect();
    }
  });
});

for (const RESP of [2, 3] as const) {
  describeOnBoth(`node-redis RESP${RESP} streams`, NEEDS, (srv, skip) => {
    it('xAdd, xRange, blocking xReadGroup on a duplicate connection, xAck, xAutoClaim, xPending, xInfoStream', async (t) => {
      if (skip()) return t.skip(skip() as string);
      const c: NodeRedis = createClient({ socket: { host: srv.host, port: srv.port, reconnectStrategy: false }, RESP });
      c.on('error', () => {});
      await c.connect();
      const b: NodeRedis = c.duplicate();
      b.on('error', () => {});
      await b.connect();
      try {
        await c.flushAll();
        assert.equal(await c.xGroupCreate('events', 'g', '0', { MKSTREAM: true }), 'OK');
        const id1 = await c.xAdd('events', '*', { model: 'vision', ms: '12' }, { TRIM: { strategy: 'MAXLEN', strategyModifier: '~', threshold: 1000 } });
        assert.match(id1, /^\d+-\d+$/);
        assert.deepEqual(plain(await c.xRange('events', '-', '+')), [{ id: id1, message: { model: 'vision', ms: '12' } }]);

        const read = await b.xReadGroup('g', 'w1', { key: 'events', id: '>' }, { COUNT: 10, BLOCK: 1000 });
        const entries1 = plain(read);
        if (RESP === 2) assert.deepEqual(entries1, [{ name: 'events', messages: [{ id: id1, message: { model: 'vision', ms: '12' } }] }]);
        // RESP3: XREADGROUP answers a map of stream name -> entries, which node-redis leaves as it is.
        else assert.deepEqual(entries1, { events: [[id1, ['model', 'vision', 'ms', '12']]] });

        // Blocking read on the duplicate, woken by an XADD on the first client.
        const t0 = Date.now();
        const blocked = b.xReadGroup('g', 'w1', { key: 'events', id: '>' }, { COUNT: 10, BLOCK: 5000 });
        await sleep(100);
        const id2 = await c.xAdd('events', '*', { model: 'speech', ms: '40' });
        const woke = plain(await blocked);
        assert.ok(Date.now() - t0 < 4000, 'woken by the XADD');
        if (RESP === 2) assert.deepEqual(woke, [{ name: 'events', messages: [{ id: id2, message: { model: 'speech', ms: '40' } }] }]);
        else assert.deepEqual(woke, { events: [[id2, ['model', 'speech', 'ms', '40']]] });
        assert.equal(await b.xReadGroup('g', 'w1', { key: 'events', id: '>' }, { BLOCK: 100 }), null);

        assert.equal(await c.xAck('events', 'g', id1), 1);
        const p = await c.xPending('events', 'g');
        assert.equal(p.pending, 1);
        assert.equal(p.firstId, id2);
        assert.deepEqual(plain(p.consumers), [{ name: 'w1', deliveriesCounter: 1 }]);
        await sleep(60);
        const claimed = await c.xAutoClaim('events', 'g', 'w2', 50, '0-0', { COUNT: 5 });
        assert.equal(claimed.nextId, '0-0');
        assert.deepEqual(plain(claimed.messages), [{ id: id2, message: { model: 'speech', ms: '40' } }]);
        assert.deepEqual(plain(claimed.deletedMessages), []);
        const range = await c.xPendingRange('events', 'g', '-', '+', 10);
        assert.deepEqual(range.map((x: any) => [x.id, x.consumer, x.deliveriesCounter]), [[id2, 'w2', 2]]);
        assert.equal(await c.xAck('events', 'g', id2), 1);
        const info = await c.xInfoStream('events');
        assert.equal(info.length, 2);
        assert.equal(info.groups, 1);
        assert.equal(info['last-generated-id'], id2);
        assert.deepEqual(plain(info['first-entry']), { id: id1, message: { model: 'vision', ms: '12' } });
        const groups = await c.xInfoGroups('events');
        assert.equal(groups.length, 1);
        assert.equal(groups[0].name, 'g');
        assert.equal(groups[0].pending, 0);
        assert.equal(groups[0]['last-delivered-id'], id2);
      } finally {
        b.destroy();
        c.destroy();
      }
    });
  });
}

describeOnBoth('redis-py streams', NEEDS, (srv, skip) => {
  const py = pythonSkipReason(['redis']);
  it('xadd, xreadgroup (blocking), xack, xpending_range, xautoclaim, xinfo_stream, xtrim', async (t) => {
    if (py) return t.skip(py);
    if (skip()) return t.skip(skip() as string);
    const out = await run(PYTHON, [join(ROOT, 'test', 'interop', 'python', 'streams_client.py')], { env: { REDIS_URL: srv.url }, timeoutMs: 60000 });
    const res = JSON.parse(out.trim().split('\n').pop()!) as Record<string, unknown>;
    t.diagnostic(`redis-py on ${srv.name}: ${JSON.stringify(res)}`);
    assert.deepEqual(res.first_read, [['1-0', { model: 'vision' }], ['2-0', { model: 'speech' }]]);
    assert.equal(res.blocked_read_woken, true);
    assert.deepEqual(res.blocked_entry, ['3-0', { model: 'text' }]);
    assert.equal(res.timed_out_read, null);
    assert.equal(res.acked, 1);
    assert.deepEqual(res.pending_ids, ['2-0', '3-0']);
    assert.deepEqual(res.autoclaim_next, '0-0');
    assert.deepEqual(res.autoclaimed, [['2-0', { model: 'speech' }], ['3-0', { model: 'text' }]]);
    assert.deepEqual(res.autoclaim_justid, ['2-0', '3-0']);
    assert.deepEqual(res.pending_after, [['2-0', 'w2', 2], ['3-0', 'w2', 2]], 'JUSTID does not count a delivery');
    assert.equal(res.info_length, 3);
    assert.equal(res.info_groups, 1);
    assert.equal(res.info_last_id, '3-0');
    assert.equal(res.trimmed, 2);
    assert.equal(res.len_after_trim, 1);
  });
});
