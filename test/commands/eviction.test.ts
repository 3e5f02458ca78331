import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { RawClient } from '../helpers/raw-client.js';
import { withSinew } from '../helpers/suite.js';
import { collectGarbage } from '../../src/util/gc.js';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { freePort, untilReady } from '../helpers/servers.js';

const BIN = fileURLToPath(new URL('../../../bin/sinew-server.js', import.meta.url));

/** The Node options the sinew-server command starts with (its first line). */
function serverNodeOptions(): string[] {
  const first = readFileSync(BIN, 'utf8').split('\n', 1)[0];
  const m = /^#!\S*env -S node(.*)$/.exec(first);
  return m ? m[1].trim().split(/\s+/).filter(Boolean) : [];
}

function rssOf(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : NaN;
}

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
  it('a sustained write load keeps used_memory within 10% of maxmemory and RSS within 2 x maxmemory of the idle process', { skip: process.platform !== 'linux' && 'reads /proc' }, async (t) => {
    // The sinew-server program in its own process (its own heap and RSS),
    // 20 MB allkeys-lru, 100,000 writes of 1 KB values to distinct keys
    // (about 100 MB written), pipelined 500 at a time; INFO memory and
    // VmRSS are sampled between every batch.
    const MAX = 20 * 1024 * 1024;
    const port = await freePort();
    const p = spawn(
      process.execPath,
      [...serverNodeOptions(), BIN, '--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--maxmemory', '20mb', '--maxmemory-policy', 'allkeys-lru'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    p.stdout!.on('data', (b: Buffer) => (out += b.toString('latin1')));
    let c: RawClient | null = null;
    try {
      await untilReady(() => out, p);
      await new Promise((r) => setTimeout(r, 300));
      const idleRss = rssOf(p.pid!);
      c = await RawClient.connect(port);
      // what the empty server already uses (code, tables) counts against maxmemory too
      const idleUsed = Number(/used_memory:(\d+)/.exec(String(await c.call('INFO', 'memory')))![1]);
      const v = 'v'.repeat(1024);
      let maxUsed = 0;
      let maxRss = 0;
      const sample = async () => {
        const used = Number(/used_memory:(\d+)/.exec(String(await c!.call('INFO', 'memory')))![1]);
        maxUsed = Math.max(maxUsed, used);
        maxRss = Math.max(maxRss, rssOf(p.pid!));
      };
      const BATCH = 500;
      for (let i = 0; i < 100_000; i += BATCH) {
        for (let j = i; j < i + BATCH; j++) c.send('SET', `key:${j}`, v);
        for (let j = i; j < i + BATCH; j++) {
          const r = await c.nextRaw();
          if (r !== '+OK\r\n') assert.fail(`SET key:${j} answered ${r.trim()}`);
        }
        await sample();
      }
      await new Promise((r) => setTimeout(r, 200));
      await sample();
      const mb = (x: number) => `${(x / 1048576).toFixed(1)} MB`;
      t.diagnostic(`peak used_memory ${mb(maxUsed)}, peak RSS ${mb(maxRss)}, idle RSS ${mb(idleRss)}`);
      assert.ok(maxUsed <= 1.1 * MAX, `used_memory peaked at ${mb(maxUsed)} (maxmemory 20 MB)`);
      assert.ok(maxRss <= 2 * MAX + idleRss, `RSS peaked at ${mb(maxRss)}; idle ${mb(idleRss)} + 2 x maxmemory = ${mb(2 * MAX + idleRss)}`);
      const keys = Number(await c.call('DBSIZE'));
      // at least half of the room left by the empty server holds keys (a 1 KB value costs under 2 KB with its key and entry)
      const room = MAX - idleUsed;
      assert.ok(keys > room / 2 / 1024 && keys < 20000, `${keys} keys left in ${mb(room)} of room above the empty server`);
    } finally {
      c?.close();
      if (p.exitCode === null) p.kill('SIGKILL');
    }
  });

  it('garbage of recent commands still in the young generation is collected before anything is evicted', async () => {
    await withSinew({}, async (s, c) => {
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
    });
  });

  it('noeviction refuses writes with the OOM error once over maxmemory, reads still work', async () => {
    await withSinew({}, async (s, c) => {
      await c.raw('SET', 'before', '1');
      await c.raw('CONFIG', 'SET', 'maxmemory', '1mb');
      assert.equal(await c.raw('SET', 'k', 'v'), "-OOM command not allowed when used memory > 'maxmemory'.\r\n");
      assert.equal(await c.raw('GET', 'before'), '$1\r\n1\r\n');
      assert.equal(await c.raw('DEL', 'before'), ':1\r\n', 'DEL is not denied on OOM');
      const info = String(await c.call('INFO', 'stats'));
      assert.match(info, /evicted_keys:0/);
    });
  });

  it('allkeys-lru evicts keys (counted, notified) and keeps recently used ones', async () => {
    await withSinew({}, async (s, c, connect) => {
      const sub = await connect();
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
    });
  });

  it('volatile-ttl only evicts keys with an expiry, nearest first', async () => {
    await withSinew({}, async (s, c) => {
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
    });
  });

  it('OBJECT FREQ under an LFU policy and IDLETIME under LRU', async () => {
    await withSinew({}, async (s, c) => {
      await c.raw('SET', 'a', '1');
      assert.match(await c.raw('OBJECT', 'FREQ', 'a'), /^-ERR An LFU maxmemory policy is not selected/);
      await c.raw('CONFIG', 'SET', 'maxmemory-policy', 'allkeys-lfu');
      for (let i = 0; i < 50; i++) await c.raw('GET', 'a');
      const f = Number(await c.call('OBJECT', 'FREQ', 'a'));
      assert.ok(f >= 5 && f <= 255, `frequency ${f}`);
      await c.raw('CONFIG', 'SET', 'maxmemory-policy', 'allkeys-lru');
      await c.raw('GET', 'a');
      assert.equal(await c.raw('OBJECT', 'IDLETIME', 'a'), ':0\r\n');
    });
  });
});
