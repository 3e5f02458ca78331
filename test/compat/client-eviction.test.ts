/**
 * Client eviction (maxmemory-clients, CLIENT NO-EVICT) against redis-server:
 * the same scenario runs on both servers and what a user sees is compared:
 * which connections are closed, which stay, INFO evicted_clients. Byte
 * figures (tot-mem) differ between the two, so scenarios read each server's
 * own figures where a limit depends on them (as Redis's client-eviction.tcl
 * does).
 */
import { it } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { describeCompat, useDiffer } from '../helpers/differ.js';
import { RawClient } from '../helpers/raw-client.js';
import { encodeCommand } from '../../src/protocol/reply-reader.js';

const KB = 1024;
const MB = 1024 * 1024;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** CLIENT LIST as name -> fields, for the named connections. */
async function clientList(ctl: RawClient): Promise<Map<string, Record<string, string>>> {
  const out = new Map<string, Record<string, string>>();
  for (const line of String(await ctl.call('CLIENT', 'LIST')).split('\n')) {
    if (line.trim() === '') continue;
    const fields: Record<string, string> = {};
    for (const kv of line.trim().split(' ')) {
      const i = kv.indexOf('=');
      fields[kv.slice(0, i)] = kv.slice(i + 1);
    }
    if (fields.name !== '') out.set(fields.name, fields);
  }
  return out;
}

async function field(ctl: RawClient, name: string, f: string): Promise<number | null> {
  const c = (await clientList(ctl)).get(name);
  return c === undefined ? null : Number(c[f]);
}

async function evictedClients(ctl: RawClient): Promise<number> {
  const m = /evicted_clients:(\d+)/.exec(String(await ctl.call('INFO', 'stats')));
  assert.ok(m !== null, 'INFO stats has evicted_clients');
  return Number(m[1]);
}

/** Polls until `cond` holds (or fails after about 5 s). */
async function waitFor(what: string, cond: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 250; i++) {
    if (await cond()) return;
    await sleep(20);
  }
  assert.fail(`timed out waiting for ${what}`);
}

/** A connection that never reads what the server sends (its replies pile up in the server). */
async function deafClient(port: number, name: string, ...setup: string[][]): Promise<net.Socket> {
  const s = net.connect(port, '127.0.0.1');
  await new Promise<void>((resolve, reject) => {
    s.once('connect', () => resolve());
    s.once('error', reject);
  });
  s.on('error', () => {});
  s.write(encodeCommand(['CLIENT', 'SETNAME', name]));
  for (const cmd of setup) s.write(encodeCommand(cmd));
  await sleep(50);
  s.pause();
  return s;
}

/** A named connection that has sent the first `sent` bytes of a command whose one argument is `size` bytes. */
async function partialCommand(port: number, name: string, size: number, sent = size): Promise<RawClient> {
  const c = await RawClient.connect(port);
  await c.call('CLIENT', 'SETNAME', name);
  c.writeRaw(`*2\r\n$${size}\r\n${'v'.repeat(sent)}`);
  return c;
}

describeCompat('client eviction against redis-server', () => {
  const d = useDiffer({ sinew: { 'enable-debug-command': 'yes' }, redis: { 'enable-debug-command': 'yes' } });

  /**
   * Runs a scenario on both servers (each with its own control connection)
   * and returns both outcomes. The differ's own connections are protected
   * with CLIENT NO-EVICT, so that only the scenario's connections can go.
   */
  async function both<T>(scenario: (port: number, ctl: RawClient) => Promise<T>): Promise<[T, T]> {
    await d.run([['CLIENT', 'NO-EVICT', 'on']]);
    const run = async (port: number): Promise<T> => {
      const ctl = await RawClient.connect(port);
      try {
        await ctl.call('CONFIG', 'RESETSTAT');
        return await scenario(port, ctl);
      } finally {
        await ctl.call('CONFIG', 'SET', 'maxmemory-clients', '0', 'maxmemory', '0');
        ctl.close();
      }
    };
    return Promise.all([run(d.sinew.port), run(d.redis.port)]);
  }

  it('CONFIG SET / GET maxmemory-clients: bytes, percentages of maxmemory, 0, and the errors', async () => {
    await d.run([
      ['CONFIG', 'GET', 'maxmemory-clients'],
      ['CONFIG', 'SET', 'maxmemory-clients', '10%'],
      ['CONFIG', 'GET', 'maxmemory-clients'],
      ['CONFIG', 'SET', 'maxmemory-clients', '100%'],
      ['CONFIG', 'GET', 'maxmemory-clients'],
      ['CONFIG', 'SET', 'maxmemory-clients', '0%'],
      ['CONFIG', 'GET', 'maxmemory-clients'],
      ['CONFIG', 'SET', 'maxmemory-clients', '1mb'],
      ['CONFIG', 'GET', 'maxmemory-clients'],
      ['CONFIG', 'SET', 'maxmemory-clients', '3000000'],
      ['CONFIG', 'GET', 'maxmemory-clients'],
      ['CONFIG', 'SET', 'maxmemory-clients', '1GB'],
      ['CONFIG', 'GET', 'maxmemory-clients'],
      ['CONFIG', 'SET', 'maxmemory-clients', '9223372036854775807'],
      ['CONFIG', 'GET', 'maxmemory-clients'],
      // past the signed range the value wraps, and reads as a percentage, as in Redis
      ['CONFIG', 'SET', 'maxmemory-clients', '18446744073709551615'],
      ['CONFIG', 'GET', 'maxmemory-clients'],
      ['CONFIG', 'SET', 'maxmemory-clients', '9223372036854775808'],
      ['CONFIG', 'SET', 'maxmemory-clients', '101%'],
      ['CONFIG', 'SET', 'maxmemory-clients', '9223372036854775807%'],
      ['CONFIG', 'SET', 'maxmemory-clients', '10x'],
      ['CONFIG', 'SET', 'maxmemory-clients', '-1'],
      ['CONFIG', 'SET', 'maxmemory-clients', '-5%'],
      ['CONFIG', 'SET', 'maxmemory-clients', '05%'],
      ['CONFIG', 'SET', 'maxmemory-clients', '1.5%'],
      ['CONFIG', 'SET', 'maxmemory-clients', '%'],
      ['CONFIG', 'SET', 'maxmemory-clients', '1k%'],
      ['CONFIG', 'GET', 'maxmemory-clients'],
      ['CONFIG', 'SET', 'maxmemory-clients', ''],
      ['CONFIG', 'GET', 'maxmemory-clients'],
      ['CONFIG', 'SET', 'maxmemory-clients', '0'],
      ['CONFIG', 'GET', 'maxmemory-clients'],
    ]);
  });

  it('a connection with a large partial command is evicted; one with CLIENT NO-EVICT on stays, until it turns it off', async () => {
    const [ours, theirs] = await both(async (port, ctl) => {
      await ctl.call('CLIENT', 'NO-EVICT', 'on');
      await ctl.call('CONFIG', 'SET', 'maxmemory-clients', '1mb');
      const victim = await partialCommand(port, 'victim', 2 * MB, 1536 * KB);
      const victimClosed = await victim.waitClose(5000);
      const victimListed = (await field(ctl, 'victim', 'id')) !== null;
      const afterVictim = await evictedClients(ctl);

      // a connection made large by WATCH (Redis counts 40 bytes a key), protected
      await ctl.call('CONFIG', 'SET', 'maxmemory-clients', '200000');
      const guard = await RawClient.connect(port);
      await guard.call('CLIENT', 'SETNAME', 'guard');
      await guard.call('CLIENT', 'NO-EVICT', 'on');
      const keys = Array.from({ length: 8000 }, (_, n) => `key:${n}`);
      const watched = String(await guard.call('WATCH', ...keys));
      await sleep(300); // cron rounds pass too
      const guardMem = await field(ctl, 'guard', 'tot-mem');
      const result = {
        victimClosed,
        victimListed,
        afterVictim,
        watched,
        guardClosed: guard.closed,
        guardOverLimit: guardMem !== null && guardMem > 200000,
        flags: (await clientList(ctl)).get('guard')?.flags,
        evicted: await evictedClients(ctl),
      };
      // turned off, the guard is fair game: it gets the reply, then is evicted
      guard.send('CLIENT', 'NO-EVICT', 'off');
      const guardReply = await guard.nextRaw(5000).catch(() => 'none');
      const guardEvicted = await guard.waitClose(5000);
      const afterGuard = await evictedClients(ctl);
      await ctl.call('CONFIG', 'RESETSTAT');
      guard.close();
      return { ...result, guardReply, guardEvicted, afterGuard, afterResetstat: await evictedClients(ctl) };
    });
    assert.deepEqual(ours, theirs);
    assert.deepEqual(ours, {
      victimClosed: true,
      victimListed: false,
      afterVictim: 1,
      watched: 'OK',
      guardClosed: false,
      guardOverLimit: true,
      flags: 'e',
      evicted: 1,
      guardReply: '+OK\r\n',
      guardEvicted: true,
      afterGuard: 2,
      afterResetstat: 0,
    });
  });

  it('a command with a big argument is evicted before it runs; so is a client whose MULTI queue grows past the limit', async () => {
    const limit = 3000000;
    const [ours, theirs] = await both(async (port, ctl) => {
      await ctl.call('CONFIG', 'SET', 'maxmemory-clients', String(limit));
      const a = await RawClient.connect(port);
      await a.call('CLIENT', 'SETNAME', 'argv');
      const small = String(await a.call('MSET', 'k', 'v', 'k2', 'x'.repeat(1000000)));
      a.send('MSET', 'k', 'v2', 'k2', 'y'.repeat(limit));
      const argvClosed = await a.waitClose(5000);
      const k = String(await ctl.call('GET', 'k'));

      const m = await RawClient.connect(port);
      await m.call('CLIENT', 'SETNAME', 'multi');
      await m.call('MULTI');
      await m.call('SET', 'q', 'v'.repeat(limit / 4));
      await m.call('SET', 'q', 'v'.repeat(limit / 4));
      const exec = JSON.stringify(await m.call('EXEC'));
      await m.call('MULTI');
      let queued = 0;
      try {
        for (; queued < 5; queued++) await m.call('SET', 'q', 'w'.repeat(limit / 4));
      } catch {
        // no reply: the connection is gone
      }
      const multiClosed = await m.waitClose(5000);
      return { small, argvClosed, k, exec, multiClosed, queuedAll: queued === 5, evicted: await evictedClients(ctl) };
    });
    assert.deepEqual(ours, theirs);
    assert.deepEqual(ours, { small: 'OK', argvClosed: true, k: 'v', exec: '["OK","OK"]', multiClosed: true, queuedAll: false, evicted: 2 });
  });

  it('output: a subscriber that does not read, and a client whose replies pile up, are evicted; the publisher stays', async () => {
    const [ours, theirs] = await both(async (port, ctl) => {
      await ctl.call('CONFIG', 'SET', 'maxmemory-clients', '1mb');
      const sub = await deafClient(port, 'sub', ['SUBSCRIBE', 'ch']);
      const message = 'm'.repeat(100 * KB);
      let published = 0;
      for (; published < 400; published++) {
        await ctl.call('PUBLISH', 'ch', message);
        if ((await field(ctl, 'sub', 'id')) === null) break;
      }
      sub.destroy();
      const subEvicted = published < 400;
      const afterSub = await evictedClients(ctl);

      await ctl.call('CONFIG', 'SET', 'maxmemory-clients', '3000000');
      await ctl.call('SETRANGE', 'big', String(200 * KB), 'v');
      const reader = await deafClient(port, 'reader');
      let gets = 0;
      for (; gets < 400; gets++) {
        reader.write(encodeCommand(['GET', 'big']));
        await sleep(2);
        if ((await field(ctl, 'reader', 'id')) === null) break;
      }
      reader.destroy();
      return { subEvicted, afterSub, readerEvicted: gets < 400, ping: String(await ctl.call('PING')), evicted: await evictedClients(ctl) };
    });
    assert.deepEqual(ours, theirs);
    assert.deepEqual(ours, { subEvicted: true, afterSub: 1, readerEvicted: true, ping: 'PONG', evicted: 2 });
  });

  it('lowering maxmemory-clients evicts the largest connections first, and only until below the limit', async () => {
    const sizes = [128 * KB, MB, 4 * MB];
    const perSize = 2;
    const [ours, theirs] = await both(async (port, ctl) => {
      await ctl.call('CLIENT', 'SETNAME', 'control');
      await ctl.call('CLIENT', 'NO-EVICT', 'on');
      const conns: RawClient[] = [];
      for (let i = 0; i < sizes.length; i++) {
        for (let j = 0; j < perSize; j++) conns.push(await partialCommand(port, `g${i}-${j}`, sizes[i]));
      }
      for (let i = 0; i < sizes.length; i++) {
        for (let j = 0; j < perSize; j++) {
          await waitFor(`g${i}-${j}'s query buffer`, async () => ((await field(ctl, `g${i}-${j}`, 'qbuf')) ?? 0) >= sizes[i]);
        }
      }
      const list = await clientList(ctl);
      const groupMem = sizes.map((_, i) => {
        let sum = 0;
        for (let j = 0; j < perSize; j++) sum += Number(list.get(`g${i}-${j}`)!['tot-mem']);
        return sum;
      });
      const control = Number(list.get('control')!['tot-mem']);
      const margin = 64 * KB;
      const remaining: string[][] = [];
      // room for groups 0 and 1: both of group 2 go; then room for group 0 only
      for (const keep of [2, 1]) {
        let limit = control + margin;
        for (let i = 0; i < keep; i++) limit += groupMem[i];
        await ctl.call('CONFIG', 'SET', 'maxmemory-clients', String(limit));
        await sleep(50);
        remaining.push([...(await clientList(ctl)).keys()].sort());
      }
      for (const c of conns) c.close();
      return { remaining, evicted: await evictedClients(ctl) };
    });
    assert.deepEqual(ours, theirs);
    assert.deepEqual(ours, {
      remaining: [
        ['control', 'g0-0', 'g0-1', 'g1-0', 'g1-1'],
        ['control', 'g0-0', 'g0-1'],
      ],
      evicted: 4,
    });
  });

  it('maxmemory-clients as a percentage of maxmemory, none while maxmemory is 0', async () => {
    const [ours, theirs] = await both(async (port, ctl) => {
      await ctl.call('CLIENT', 'NO-EVICT', 'on');
      await ctl.call('CONFIG', 'SET', 'maxmemory', '100mb', 'maxmemory-clients', '1%');
      const limit = Math.floor((100 * MB) / 100);
      const half = await partialCommand(port, 'half', limit / 2);
      await waitFor('half the limit buffered', async () => ((await field(ctl, 'half', 'qbuf')) ?? 0) >= limit / 2);
      await sleep(200);
      const halfMem = await field(ctl, 'half', 'tot-mem');
      const halfStays = halfMem !== null && halfMem >= limit / 2 && halfMem < limit;
      half.close();

      const over = await partialCommand(port, 'over', limit);
      const overClosed = await over.waitClose(5000);

      // a percentage of no maxmemory is no limit
      await ctl.call('CONFIG', 'SET', 'maxmemory', '0');
      const free = await partialCommand(port, 'free', 2 * limit);
      await waitFor('twice the old limit buffered', async () => ((await field(ctl, 'free', 'qbuf')) ?? 0) >= 2 * limit);
      await sleep(200);
      const freeStays = (await field(ctl, 'free', 'id')) !== null;
      free.close();
      return { halfStays, overClosed, freeStays, evicted: await evictedClients(ctl) };
    });
    assert.deepEqual(ours, theirs);
    assert.deepEqual(ours, { halfStays: true, overClosed: true, freeStays: true, evicted: 1 });
  });

  it('a client closed by its output-buffer limit is not a reason to evict another', async () => {
    const [ours, theirs] = await both(async (port, ctl) => {
      await ctl.call('CLIENT', 'NO-EVICT', 'on');
      await ctl.call('CONFIG', 'SET', 'maxmemory-clients', String(10 * MB), 'client-output-buffer-limit', `normal ${3 * MB} 0 0`);
      const obuf = 4 * MB;
      await ctl.call('SETRANGE', 'k', String(obuf), 'v');
      const qb = await partialCommand(port, 'qbuf-client', 10 * MB - obuf + 1, 10 * MB - obuf);
      await waitFor('the query buffer', async () => ((await field(ctl, 'qbuf-client', 'qbuf')) ?? 0) >= 10 * MB - obuf);
      const o1 = await deafClient(port, 'obuf-client1');
      const o2 = await deafClient(port, 'obuf-client2');
      o1.write(encodeCommand(['GET', 'k']));
      o2.write(encodeCommand(['GET', 'k']));
      await waitFor('the obuf clients to go', async () => {
        const l = await clientList(ctl);
        return !l.has('obuf-client1') && !l.has('obuf-client2');
      });
      const qbufStays = (await field(ctl, 'qbuf-client', 'id')) !== null;
      o1.destroy();
      o2.destroy();
      qb.close();
      await ctl.call('CONFIG', 'SET', 'client-output-buffer-limit', 'normal 0 0 0');
      return { qbufStays, evicted: await evictedClients(ctl) };
    });
    assert.deepEqual(ours, theirs);
    assert.deepEqual(ours, { qbufStays: true, evicted: 0 });
  });

  it('DEBUG CLIENT-EVICTION: an error while off, the evictable connections by size while on', async () => {
    await d.run([['CONFIG', 'SET', 'maxmemory-clients', '0'], ['DEBUG', 'CLIENT-EVICTION']]);
    const [ours, theirs] = await both(async (port, ctl) => {
      await ctl.call('CONFIG', 'SET', 'maxmemory-clients', '100mb');
      await ctl.call('CLIENT', 'NO-EVICT', 'on');
      const size = 1200 * KB;
      const big = await partialCommand(port, 'big', size);
      await waitFor('the query buffer', async () => ((await field(ctl, 'big', 'qbuf')) ?? 0) >= size);
      await sleep(200);
      const report = String(await ctl.call('DEBUG', 'CLIENT-EVICTION'));
      big.close();
      const lines = report.split('\n').filter(Boolean);
      return {
        labels: lines.map((l) => l.slice(0, l.indexOf('tot-mem:'))),
        // the protected connections are in no bucket; the big one is the only one from 1 MB up
        big: lines.filter((l) => !/clients: 0$/.test(l)).map((l) => l.slice(0, l.indexOf(':')))
          .filter((label) => Number(/bucket +(\d+)/.exec(label)![1]) >= MB),
      };
    });
    assert.deepEqual(ours, theirs);
    assert.equal(ours.labels.length, 19);
    assert.deepEqual(ours.big, ['bucket    1048576 -    2097151']);
  });
});
