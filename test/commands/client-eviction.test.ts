/**
 * Client eviction on an in-process server: the figure eviction counts for a
 * connection is the one CLIENT LIST shows as tot-mem (and INFO adds up as
 * mem_clients_normal), the log lines, the limit's arithmetic, and
 * maxmemory-clients given at start-up. What users see is compared with
 * redis-server in test/compat/client-eviction.test.ts.
 */
import { describe, it, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, type RunningServer } from '../../src/index.js';
import { RawClient } from '../helpers/raw-client.js';
import { infoFields } from '../helpers/info.js';
import { ClientEviction } from '../../src/server/client-eviction.js';
import type { Client } from '../../src/server/client.js';

const KB = 1024;
const MB = 1024 * 1024;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function serverClient(srv: RunningServer, name: string): Client | undefined {
  for (const c of srv.server.clients.values()) if (c.name === name) return c;
  return undefined;
}

/** Closes test connections and waits until the server has let them go. */
async function closeAll(srv: RunningServer, ...conns: RawClient[]): Promise<void> {
  const before = srv.server.clients.size;
  for (const c of conns) c.close();
  for (let i = 0; i < 250 && srv.server.clients.size > before - conns.length; i++) await sleep(20);
}

function listedTotMem(list: string, name: string): number | null {
  const line = list.split('\n').find((l) => l.includes(` name=${name} `));
  if (line === undefined) return null;
  return Number(/ tot-mem=(\d+)/.exec(line)![1]);
}

describe('client eviction (in-process)', () => {
  let srv: RunningServer;
  let ctl: RawClient;
  const logged: string[] = [];
  before(async () => {
    srv = await startServer({ port: 0 });
    srv.server.log.enabled = true;
    srv.server.log.sink = (line) => void logged.push(line);
    ctl = await RawClient.connect(srv.port);
    await ctl.call('CLIENT', 'SETNAME', 'control');
    await ctl.call('CLIENT', 'NO-EVICT', 'on');
  });
  after(async () => {
    ctl.close();
    await srv.close();
  });
  beforeEach(async () => {
    await ctl.call('CONFIG', 'SET', 'maxmemory-clients', '0', 'maxmemory', '0');
    await ctl.call('CONFIG', 'RESETSTAT');
    logged.length = 0;
  });

  it('the figure eviction counts is CLIENT LIST tot-mem; INFO mem_clients_normal adds them up', async () => {
    await ctl.call('CONFIG', 'SET', 'maxmemory-clients', '100mb');
    const partial = await RawClient.connect(srv.port);
    await partial.call('CLIENT', 'SETNAME', 'partial');
    partial.writeRaw(`*2\r\n$${MB}\r\n${'v'.repeat(300 * KB)}`);
    const sub = await RawClient.connect(srv.port);
    await sub.call('CLIENT', 'SETNAME', 'sub');
    await sub.call('SUBSCRIBE', 'a', 'b');
    await sub.next();
    const multi = await RawClient.connect(srv.port);
    await multi.call('CLIENT', 'SETNAME', 'multi');
    await multi.call('WATCH', 'w1', 'w2', 'w3');
    await multi.call('MULTI');
    await multi.call('SET', 'k', 'x'.repeat(5000));
    await sleep(100);
    srv.server.cron();
    const list = String(await ctl.call('CLIENT', 'LIST'));
    for (const name of ['partial', 'sub', 'multi']) {
      const c = serverClient(srv, name)!;
      assert.equal(c.evictionFigure, listedTotMem(list, name), name);
      assert.equal(c.evictionFigure, c.memoryUsage(), name);
    }
    assert.ok(listedTotMem(list, 'partial')! >= 300 * KB + 16 * KB);
    // each subscription and watched key counts, and the queued arguments
    const idle = 1024 + 16 * KB;
    assert.ok(listedTotMem(list, 'sub')! > idle);
    assert.ok(listedTotMem(list, 'multi')! >= idle + 5000 + 3 * 40);
    // (the connection asking counts with its INFO command in hand: a little more than idle)
    const info = await infoFields(ctl, 'memory');
    let others = 0;
    for (const c of srv.server.clients.values()) if (c.name !== 'control') others += c.memoryUsage();
    const asking = Number(info.get('mem_clients_normal')) - others;
    const idleControl = serverClient(srv, 'control')!.memoryUsage();
    assert.ok(asking >= idleControl && asking < idleControl + 1024, `${asking} vs ${idleControl}`);
    await closeAll(srv, partial, sub, multi);
  });

  it('each eviction is logged with the client line; only protected clients over the limit: a warning', async () => {
    await ctl.call('CONFIG', 'SET', 'maxmemory-clients', '1mb');
    const victim = await RawClient.connect(srv.port);
    await victim.call('CLIENT', 'SETNAME', 'victim');
    victim.writeRaw(`*2\r\n$${2 * MB}\r\n${'v'.repeat(1536 * KB)}`);
    assert.equal(await victim.waitClose(5000), true);
    const evicting = logged.filter((l) => l.includes('Evicting client: '));
    assert.equal(evicting.length, 1, evicting.join(''));
    assert.match(evicting[0], / \* Evicting client: id=\d+ addr=\S+ laddr=\S+ fd=\d+ name=victim .* tot-mem=\d+ /);
    assert.equal((await infoFields(ctl, 'stats')).get('evicted_clients'), '1');

    const guard = await RawClient.connect(srv.port);
    await guard.call('CLIENT', 'NO-EVICT', 'on');
    guard.writeRaw(`*2\r\n$${2 * MB}\r\n${'v'.repeat(1536 * KB)}`);
    await sleep(300);
    assert.equal(guard.closed, false);
    const over = logged.filter((l) => l.includes('Over client maxmemory after evicting all evictable clients'));
    assert.ok(over.length >= 1, 'warned');
    assert.ok(over.length <= 2, `warned at most once a second, got ${over.length}`);
    assert.match(over[0], / # Over client maxmemory/);
    // turned off, the limit stops applying: nothing more is evicted or logged
    await ctl.call('CONFIG', 'SET', 'maxmemory-clients', '0');
    assert.equal(srv.server.clientEviction.totalMemory, 0);
    await closeAll(srv, guard);
  });

  it('client eviction checks cost nothing while off: no figures are kept', async () => {
    const c = await RawClient.connect(srv.port);
    await c.call('CLIENT', 'SETNAME', 'off');
    await c.call('SET', 'k', 'v'.repeat(100000));
    srv.server.cron();
    assert.equal(serverClient(srv, 'off')!.evictionFigure, 0);
    assert.equal(srv.server.clientEviction.totalMemory, 0);
    await ctl.call('CONFIG', 'SET', 'maxmemory-clients', '10mb');
    assert.ok(serverClient(srv, 'off')!.evictionFigure > 0, 'counted once turned on');
    await closeAll(srv, c);
  });

  it('the limit: bytes, a percentage of maxmemory (none without maxmemory), never below 128 KB', () => {
    const config = { maxmemoryClients: 0, maxmemory: 0 };
    const ev = new ClientEviction({ clients: new Map(), config, log: { notice() {}, warning() {} }, close() {}, countEviction() {} });
    assert.equal(ev.active, false);
    assert.equal(ev.limit, 0);
    config.maxmemoryClients = 3000000;
    assert.equal(ev.active, true);
    assert.equal(ev.limit, 3000000);
    config.maxmemoryClients = 1000;
    assert.equal(ev.limit, 128 * KB);
    config.maxmemoryClients = -7;
    assert.equal(ev.active, true);
    assert.equal(ev.limit, 0, 'a percentage of no maxmemory');
    config.maxmemory = 6 * MB;
    assert.equal(ev.limit, Math.floor((6 * MB * 7) / 100));
    config.maxmemory = MB;
    assert.equal(ev.limit, 128 * KB);
  });
});

describe('maxmemory-clients at start-up', () => {
  it('a percentage or bytes given as options is kept and enforced', async () => {
    const srv = await startServer({ port: 0, 'maxmemory-clients': '10%', maxmemory: '10mb' });
    try {
      const c = await RawClient.connect(srv.port);
      assert.deepEqual(await c.call('CONFIG', 'GET', 'maxmemory-clients'), ['maxmemory-clients', '10%']);
      assert.equal(srv.server.clientEviction.limit, MB);
      await c.call('CLIENT', 'NO-EVICT', 'on');
      const big = await RawClient.connect(srv.port);
      big.writeRaw(`*2\r\n$${2 * MB}\r\n${'v'.repeat(1100 * KB)}`);
      assert.equal(await big.waitClose(5000), true);
      c.close();
    } finally {
      await srv.close();
    }
  });
});
