/**
 * Keyspace commands on an in-process server with an injected clock: exact
 * TTL arithmetic, expiry at the exact millisecond, the active expiry cycle
 * reclaiming keys nobody reads (INFO keyspace / expired_keys), RANDOMKEY
 * over expired keys, and the SCAN guarantee end to end while keys are added
 * and deleted between calls.
 */
import { describe, it, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { infoFields } from '../helpers/info.js';
import { useSinew } from '../helpers/suite.js';
import { rng } from '../helpers/rng.js';

class FakeClock {
  t = 1_700_000_000_000;
  now(): number {
    return this.t;
  }
}

describe('keyspace commands with an injected clock', () => {
  const clock = new FakeClock();
  // hz 1: the real cron timer stays out of the way; the test runs the cycle itself
  const { server: srv, client: c } = useSinew({ clock, hz: 1 });
  beforeEach(async () => {
    await c.call('FLUSHALL');
    await c.call('CONFIG', 'RESETSTAT');
  });

  it('TTL arithmetic is exact against the command clock', async () => {
    await c.call('SET', 'k', 'v', 'PX', '5000');
    assert.equal(await c.call('PTTL', 'k'), 5000);
    assert.equal(await c.call('PEXPIRETIME', 'k'), clock.t + 5000);
    assert.equal(await c.call('EXPIRETIME', 'k'), Math.floor((clock.t + 5000 + 500) / 1000));
    clock.t += 1234;
    assert.equal(await c.call('PTTL', 'k'), 3766);
    assert.equal(await c.call('TTL', 'k'), 4); // rounded to the nearest second
    clock.t += 266;
    assert.equal(await c.call('TTL', 'k'), 4); // 3500 ms rounds up
    clock.t += 1;
    assert.equal(await c.call('TTL', 'k'), 3);
    assert.equal(await c.call('EXPIRE', 'k', '10'), 1);
    assert.equal(await c.call('PEXPIRETIME', 'k'), clock.t + 10000);
    assert.equal(await c.call('EXPIREAT', 'k', String(Math.floor(clock.t / 1000) + 100)), 1);
    assert.equal(await c.call('PEXPIRETIME', 'k'), (Math.floor(clock.t / 1000) + 100) * 1000);
  });

  it('a key expires one millisecond after its expiry time', async () => {
    await c.call('SET', 'k', 'v', 'PX', '100');
    clock.t += 99;
    assert.equal(await c.call('GET', 'k'), 'v');
    assert.equal(await c.call('PTTL', 'k'), 1);
    clock.t += 1; // now == expiry time: still there (Redis expires once now > when)
    assert.equal(await c.call('GET', 'k'), 'v');
    assert.equal(await c.call('PTTL', 'k'), 0);
    clock.t += 1;
    assert.equal(await c.call('GET', 'k'), null);
    assert.equal(await c.call('PTTL', 'k'), -2);
    assert.equal((await infoFields(c, 'stats')).get('expired_keys'), '1');
  });

  it('lazy expiry on every kind of access', async () => {
    const cmds: [string[], unknown][] = [
      [['EXISTS', 'k'], 0], [['TYPE', 'k'], 'none'], [['TTL', 'k'], -2], [['PERSIST', 'k'], 0], [['EXPIRE', 'k', '100'], 0],
      [['RENAME', 'k', 'z'], 'ERR'], [['COPY', 'k', 'z'], 0], [['MOVE', 'k', '1'], 0], [['OBJECT', 'ENCODING', 'k'], null],
      [['DEL', 'k'], 0], [['TOUCH', 'k'], 0], [['SET', 'k', 'new', 'NX'], 'OK'],
    ];
    for (const [cmd, want] of cmds) {
      await c.call('SET', 'k', 'v', 'PX', '10');
      clock.t += 11;
      const got = await c.call(...cmd);
      if (want === 'ERR') assert.equal((got as { message: string }).message, 'ERR no such key', cmd.join(' '));
      else assert.deepEqual(got, want, cmd.join(' '));
      await c.call('DEL', 'k');
    }
    assert.equal((await infoFields(c, 'stats')).get('expired_keys'), String(cmds.length));
  });

  it('the active expiry cycle reclaims keys that are never read', async () => {
    for (let i = 0; i < 500; i++) await c.call('SET', `tmp:${i}`, 'v', 'PX', String(100 + i));
    await c.call('SET', 'keep', 'v', 'PX', '1000000');
    await c.call('SET', 'persistent', 'v');
    let ks = await infoFields(c, 'keyspace');
    assert.match(ks.get('db0') ?? '', /^keys=502,expires=501,/);
    clock.t += 700;
    for (let i = 0; i < 100 && srv.server.keyspace.dbs[0].expires.size > 1; i++) srv.server.cron();
    ks = await infoFields(c, 'keyspace');
    assert.match(ks.get('db0') ?? '', /^keys=2,expires=1,avg_ttl=\d+$/);
    assert.equal((await infoFields(c, 'stats')).get('expired_keys'), '500');
    assert.equal(await c.call('DBSIZE'), 2);
  });

  it('RANDOMKEY deletes the expired keys it meets and returns only live ones', async () => {
    for (let i = 0; i < 50; i++) await c.call('SET', `e${i}`, 'v', 'PX', '10');
    clock.t += 11;
    assert.equal(await c.call('RANDOMKEY'), null);
    assert.equal(await c.call('DBSIZE'), 0);
    assert.equal((await infoFields(c, 'stats')).get('expired_keys'), '50');
    for (let i = 0; i < 50; i++) await c.call('SET', `e${i}`, 'v', 'PX', '10');
    await c.call('SET', 'live', 'v');
    clock.t += 11;
    for (let i = 0; i < 5; i++) assert.equal(await c.call('RANDOMKEY'), 'live');
  });

  it('SCAN returns every key present for the whole scan while keys come and go', async () => {
    const r = rng(42);
    const initial = 400;
    for (let i = 0; i < initial; i++) await c.call('SET', `k${i}`, 'v');
    const deleted = new Set<string>();
    const ever = new Set<string>();
    for (let i = 0; i < initial; i++) ever.add(`k${i}`);
    const seen = new Set<string>();
    let cursor = '0';
    let next = 0;
    let calls = 0;
    do {
      const [cur, keys] = (await c.call('SCAN', cursor, 'COUNT', String(5 + Math.floor(r() * 20)))) as [string, string[]];
      cursor = cur;
      for (const k of keys) seen.add(k);
      // between calls: add some keys, delete some, delete and re-create one
      for (let i = 0, n = Math.floor(r() * 4); i < n; i++) {
        const k = `n${next++}`;
        ever.add(k);
        await c.call('SET', k, 'v');
      }
      for (let i = 0, n = Math.floor(r() * 3); i < n; i++) {
        const k = `k${Math.floor(r() * initial)}`;
        if ((await c.call('DEL', k)) === 1) deleted.add(k);
      }
      if (r() < 0.2) {
        const k = `k${Math.floor(r() * initial)}`;
        if ((await c.call('DEL', k)) === 1) deleted.add(k);
        await c.call('SET', k, 'again');
      }
      assert.ok(++calls < 2000, 'scan terminates');
    } while (cursor !== '0');
    for (let i = 0; i < initial; i++) {
      const k = `k${i}`;
      if (!deleted.has(k)) assert.ok(seen.has(k), `${k} present throughout but not returned`);
    }
    for (const k of seen) assert.ok(ever.has(k), `${k} was never a key`);
  });

  it('SCAN with MATCH, TYPE and expired keys; a stale cursor after FLUSHDB restarts', async () => {
    for (let i = 0; i < 30; i++) await c.call('SET', `a:${i}`, 'v');
    for (let i = 0; i < 10; i++) await c.call('SET', `b:${i}`, 'v', 'PX', '5');
    clock.t += 6;
    const got: string[] = [];
    let cursor = '0';
    do {
      const [cur, keys] = (await c.call('SCAN', cursor, 'MATCH', 'b:*', 'COUNT', '7')) as [string, string[]];
      cursor = cur;
      got.push(...keys);
    } while (cursor !== '0');
    assert.deepEqual(got, []);
    assert.equal((await infoFields(c, 'stats')).get('expired_keys'), '10', 'expired keys met by SCAN are deleted');
    const [stale] = (await c.call('SCAN', '0', 'COUNT', '5')) as [string, string[]];
    assert.notEqual(stale, '0');
    await c.call('FLUSHDB');
    await c.call('SET', 'fresh', 'v');
    assert.deepEqual(await c.call('SCAN', stale, 'COUNT', '100'), ['0', ['fresh']]);
    assert.deepEqual(await c.call('SCAN', '0', 'TYPE', 'string'), ['0', ['fresh']]);
    assert.deepEqual(await c.call('SCAN', '0', 'TYPE', 'hash'), ['0', []]);
  });
});
