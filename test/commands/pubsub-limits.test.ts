import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { startServer } from '../../src/index.js';
import { RawClient } from '../helpers/raw-client.js';
import { encodeCommand } from '../../src/protocol/reply-reader.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A subscriber that stops reading its socket after the confirmation. */
async function stalledSubscriber(port: number, channel: string): Promise<net.Socket> {
  const sock = net.connect(port, '127.0.0.1');
  await new Promise<void>((resolve, reject) => {
    sock.once('connect', () => resolve());
    sock.once('error', reject);
  });
  sock.on('error', () => {});
  sock.write(encodeCommand(['SUBSCRIBE', channel]));
  await new Promise<void>((resolve) => sock.once('data', () => resolve()));
  sock.pause();
  return sock;
}

describe('pub/sub output limits and hostile input', () => {
  it('the default pubsub output limit is 32mb 8mb 60', async () => {
    const s = await startServer({});
    try {
      const c = await RawClient.connect(s.port);
      const r = await c.call('CONFIG', 'GET', 'client-output-buffer-limit');
      assert.deepEqual(r, ['client-output-buffer-limit', 'normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60']);
      c.close();
    } finally {
      await s.close();
    }
  });

  it('a subscriber that does not read is disconnected; a fast one and the publisher carry on', async () => {
    // Same mechanism as the default 32mb/8mb/60s, with a small hard limit to keep the test quick.
    const s = await startServer({ 'client-output-buffer-limit': 'pubsub 1mb 512kb 60' });
    try {
      const slow = await stalledSubscriber(s.port, 'feed');
      const fast = await RawClient.connect(s.port);
      await fast.call('SUBSCRIBE', 'feed');
      const pub = await RawClient.connect(s.port);
      const payload = 'x'.repeat(16 * 1024);
      let received = 0;
      let sent = 0;
      const counts: number[] = [];
      // Publish until the stalled client has been dropped (bounded: at most 64 MB).
      while (s.server.stats.clientOutbufLimitDisconnections === 0 && sent < 4096) {
        for (let i = 0; i < 16; i++) pub.send('PUBLISH', 'feed', payload);
        for (let i = 0; i < 16; i++) counts.push(Number(await pub.next()));
        sent += 16;
        // the fast subscriber keeps up
        while (received < sent) {
          const m = (await fast.next()) as string[];
          assert.equal(m[0], 'message');
          assert.equal(m[2].length, payload.length);
          received++;
        }
      }
      assert.equal(s.server.stats.clientOutbufLimitDisconnections, 1, 'the stalled subscriber was disconnected');
      assert.ok(sent < 4096);
      // every PUBLISH was answered: 2 receivers until the stalled one was dropped
      assert.equal(counts.length, sent);
      assert.ok(counts.every((n) => n === 2 || n === 1));
      assert.equal(counts[0], 2);
      // the publisher still gets replies, and now only one subscriber receives
      assert.equal(await pub.call('PUBLISH', 'feed', 'after'), 1);
      const m = (await fast.next()) as string[];
      assert.deepEqual(m, ['message', 'feed', 'after']);
      assert.deepEqual(await pub.call('PUBSUB', 'NUMSUB', 'feed'), ['feed', 1]);
      slow.destroy();
      fast.close();
      pub.close();
    } finally {
      await s.close();
    }
  });

  it('one client subscribing to very many channels and patterns, then unsubscribing all', async () => {
    const s = await startServer({});
    try {
      const c = await RawClient.connect(s.port);
      const n = 20000;
      const names: string[] = [];
      for (let i = 0; i < n; i++) names.push(`ch:${i}`);
      c.send('SUBSCRIBE', ...names);
      for (let i = 0; i < n; i++) {
        const r = (await c.next()) as [string, string, number];
        if (i === n - 1) assert.deepEqual(r, ['subscribe', `ch:${n - 1}`, n]);
      }
      c.send('PSUBSCRIBE', ...names.slice(0, 2000).map((x) => x + '*'));
      for (let i = 0; i < 2000; i++) await c.next();
      const other = await RawClient.connect(s.port);
      assert.equal(await other.call('PUBSUB', 'NUMPAT'), 2000);
      assert.equal(((await other.call('PUBSUB', 'CHANNELS', 'ch:1999?')) as string[]).length, 10);
      // ch:1 matches ch:1 itself plus patterns ch:1*, ...: one delivery per subscription
      assert.equal(await other.call('PUBLISH', 'ch:1', 'm'), 2);
      c.send('UNSUBSCRIBE');
      let last: unknown = null;
      for (let i = 0; i < n + 2; i++) last = await c.next();
      assert.equal((last as unknown[])[0], 'unsubscribe');
      c.send('PUNSUBSCRIBE');
      for (let i = 0; i < 2000; i++) last = await c.next();
      assert.deepEqual(last, ['punsubscribe', 'ch:1999*', 0]);
      assert.equal(await c.call('PING'), 'PONG');
      assert.deepEqual(await other.call('PUBSUB', 'CHANNELS'), []);
      c.close();
      other.close();
    } finally {
      await s.close();
    }
  });

  it('huge patterns and pathological globs stay bounded', async () => {
    const s = await startServer({});
    try {
      const sub = await RawClient.connect(s.port);
      const pub = await RawClient.connect(s.port);
      const huge = 'p'.repeat(1024 * 1024);
      const evil = 'a*'.repeat(64) + 'b';
      const stars = '*?'.repeat(300) + 'z';
      const ranges = '[a-'.repeat(20000);
      sub.send('PSUBSCRIBE', huge, evil, stars, ranges);
      for (let i = 0; i < 4; i++) await sub.next();
      const channel = 'a'.repeat(50000);
      const t0 = Date.now();
      assert.equal(await pub.call('PUBLISH', channel, 'x'), 0);
      assert.equal(await pub.call('PUBLISH', huge, 'x'), 1);
      const m = (await sub.next()) as string[];
      assert.equal(m[0], 'pmessage');
      assert.equal(m[2].length, huge.length);
      assert.deepEqual(await pub.call('PUBSUB', 'CHANNELS', evil), []);
      // generous bound: these are polynomial, not exponential
      assert.ok(Date.now() - t0 < 20000, 'pattern matching finished');
      sub.close();
      pub.close();
    } finally {
      await s.close();
    }
  });

  it('messages stop at a closed subscriber and nothing leaks', async () => {
    const s = await startServer({});
    try {
      const subs: RawClient[] = [];
      for (let i = 0; i < 20; i++) {
        const c = await RawClient.connect(s.port);
        await c.call('SUBSCRIBE', 'x', 'y');
        await c.next();
        await c.call('PSUBSCRIBE', 'x*');
        subs.push(c);
      }
      const pub = await RawClient.connect(s.port);
      assert.equal(await pub.call('PUBLISH', 'x', '1'), 40);
      for (const c of subs) c.close();
      await sleep(100);
      assert.equal(await pub.call('PUBLISH', 'x', '1'), 0);
      assert.equal(s.server.pubsub.channels.size, 0);
      assert.equal(s.server.pubsub.patterns.size, 0);
      pub.close();
    } finally {
      await s.close();
    }
  });
});

describe('client tracking with hostile input', () => {
  it('many BCAST prefixes in one command, then disconnect, stay cheap', async () => {
    const s = await startServer({});
    try {
      const c = await RawClient.connect(s.port);
      await c.call('HELLO', '3');
      const args: string[] = ['CLIENT', 'TRACKING', 'on', 'BCAST'];
      for (let i = 0; i < 50000; i++) args.push('PREFIX', `p${i}:`);
      let raw = `*${args.length}\r\n`;
      for (const a of args) raw += `$${a.length}\r\n${a}\r\n`;
      c.writeRaw(raw);
      assert.equal(await c.next(), 'OK');
      assert.equal(s.server.tracking.info().prefixes, 50000);
      const w = await RawClient.connect(s.port);
      await w.call('SET', 'p49999:x', '1');
      const m = (await c.next()) as unknown as { items: unknown[] };
      assert.deepEqual(m.items, ['invalidate', ['p49999:x']]);
      // an overlap is still found, and named as Redis names it
      assert.match(String(await c.call('CLIENT', 'TRACKING', 'on', 'BCAST', 'PREFIX', 'p123:4')), /Prefix 'p123:4' overlaps with an existing prefix 'p123:'/);
      c.close();
      await new Promise((r) => setTimeout(r, 100));
      assert.equal(s.server.tracking.info().prefixes, 0);
      w.close();
    } finally {
      await s.close();
    }
  });
});
