/**
 * Expiry in the keyspace with an injected clock: lazy expiry on every kind
 * of lookup, the expiry hook, the active expiry cycle reclaiming keys that
 * are never read (within bounded work per run), the avg_ttl estimate, and
 * paused expiry (keys read as missing but are kept).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Keyspace, type Clock } from '../../src/keyspace/keyspace.js';

class FakeClock implements Clock {
  t = 1_000_000;
  now(): number {
    return this.t;
  }
}

function setup(dbs = 2): { ks: Keyspace; clock: FakeClock; expired: string[] } {
  const clock = new FakeClock();
  const ks = new Keyspace(dbs, clock);
  const expired: string[] = [];
  ks.onExpired = (db, key) => {
    ks.expiredKeys++;
    expired.push(`${db.id}:${key}`);
  };
  ks.tick();
  return { ks, clock, expired };
}

describe('lazy expiry', () => {
  it('read, lookup and exists see an expired key as gone and delete it once', () => {
    const { ks, clock, expired } = setup();
    const db = ks.dbs[0];
    for (const k of ['a', 'b', 'c', 'live']) db.add(k, 'v');
    for (const k of ['a', 'b', 'c']) db.setExpire(k, clock.t + 100);
    db.setExpire('live', clock.t + 10_000);
    clock.t += 99;
    ks.tick();
    assert.equal(db.read('a'), 'v', 'not yet expired');
    clock.t += 1; // expiry time reached: still live (Redis expires once now > when)
    ks.tick();
    assert.equal(db.read('a'), 'v', 'live at exactly its expiry time');
    clock.t += 1;
    ks.tick();
    const misses = ks.misses;
    assert.equal(db.read('a'), undefined);
    assert.equal(ks.misses, misses + 1);
    assert.equal(db.lookupWrite('b'), undefined);
    assert.equal(db.exists('c'), false);
    assert.deepEqual(expired, ['0:a', '0:b', '0:c']);
    assert.equal(db.size, 1);
    assert.equal(db.expires.size, 1);
    assert.equal(db.read('a'), undefined);
    assert.equal(expired.length, 3, 'deleted once');
    assert.equal(db.read('live'), 'v');
  });

  it('the command clock is fixed between ticks', () => {
    const { ks, clock } = setup();
    const db = ks.dbs[0];
    db.add('k', 'v');
    db.setExpire('k', clock.t + 5);
    clock.t += 10; // time passes, but the running command still sees its snapshot
    assert.equal(db.read('k'), 'v');
    ks.tick();
    assert.equal(db.read('k'), undefined);
  });

  it('paused expiry: keys read as missing but are kept until resumed', () => {
    const { ks, clock, expired } = setup();
    const db = ks.dbs[0];
    db.add('k', 'v');
    db.setExpire('k', clock.t + 5);
    clock.t += 10;
    ks.tick();
    ks.expiryPaused = true;
    assert.equal(db.read('k'), undefined);
    assert.equal(db.lookupWrite('k'), undefined);
    assert.equal(db.exists('k'), false);
    ks.activeExpireCycle(10, 1);
    assert.equal(db.size, 1, 'kept while paused');
    assert.deepEqual(expired, []);
    ks.expiryPaused = false;
    assert.equal(db.read('k'), undefined);
    assert.equal(db.size, 0);
    assert.deepEqual(expired, ['0:k']);
  });

  it('persist, set (dropping or keeping the TTL) and delete', () => {
    const { ks, clock } = setup();
    const db = ks.dbs[0];
    db.add('k', 'v');
    db.setExpire('k', clock.t + 5);
    assert.equal(db.persist('k'), true);
    assert.equal(db.persist('k'), false);
    db.setExpire('k', clock.t + 5);
    db.set('k', 'v2', true);
    assert.equal(db.getExpire('k'), clock.t + 5);
    db.set('k', 'v3');
    assert.equal(db.getExpire('k'), -1);
    db.setExpire('k', clock.t + 5);
    assert.equal(db.delete('k'), true);
    assert.equal(db.expires.size, 0);
  });
});

describe('active expiry cycle', () => {
  it('reclaims expired keys that are never read, across databases, in bounded runs', () => {
    const { ks, clock, expired } = setup(3);
    for (const db of ks.dbs) {
      for (let i = 0; i < 1000; i++) {
        db.add(`e${i}`, 'v');
        db.setExpire(`e${i}`, clock.t + 10 + (i % 50));
      }
      for (let i = 0; i < 100; i++) {
        db.add(`l${i}`, 'v');
        db.setExpire(`l${i}`, clock.t + 1_000_000);
      }
      for (let i = 0; i < 100; i++) db.add(`p${i}`, 'v');
    }
    clock.t += 100;
    let runs = 0;
    while (ks.dbs.some((db) => db.expires.size > 100)) {
      ks.activeExpireCycle(10, 1);
      runs++;
      assert.ok(runs < 1000, 'the cycle makes progress');
    }
    assert.equal(expired.length, 3000);
    assert.equal(ks.expiredKeys, 3000);
    for (const db of ks.dbs) {
      assert.equal(db.size, 200);
      assert.equal(db.expires.size, 100);
      for (let i = 0; i < 100; i++) assert.equal(db.dict.has(`l${i}`), true);
    }
  });

  it('does nothing to keys that are not yet due, and tracks avg_ttl in whole ms', () => {
    const { ks, clock } = setup(1);
    const db = ks.dbs[0];
    for (let i = 0; i < 100; i++) {
      db.add(`k${i}`, 'v');
      db.setExpire(`k${i}`, clock.t + 10_000 + i);
    }
    ks.activeExpireCycle(10, 1);
    assert.equal(db.size, 100);
    assert.ok(Number.isInteger(db.avgTtl));
    assert.ok(db.avgTtl > 9000 && db.avgTtl <= 10_100, `avg_ttl ${db.avgTtl}`);
    db.clear();
    ks.activeExpireCycle(10, 1);
    assert.equal(db.avgTtl, 0, 'no volatile keys: avg_ttl 0');
  });

  it('stops a database early when few sampled keys were expired', () => {
    const { ks, clock, expired } = setup(1);
    const db = ks.dbs[0];
    for (let i = 0; i < 10000; i++) {
      db.add(`k${i}`, 'v');
      db.setExpire(`k${i}`, clock.t + (i % 100 === 0 ? 1 : 1_000_000)); // 1% due
    }
    clock.t += 10;
    ks.activeExpireCycle(10, 1);
    // one sample of 20 keys, under 10% stale: no further loop
    assert.ok(expired.length <= 2, `expired ${expired.length} in one run`);
  });

  it('is off when disabled or paused', () => {
    const { ks, clock } = setup(1);
    const db = ks.dbs[0];
    db.add('k', 'v');
    db.setExpire('k', clock.t + 1);
    clock.t += 5;
    ks.activeExpireEnabled = false;
    ks.activeExpireCycle(10, 1);
    assert.equal(db.size, 1);
    ks.activeExpireEnabled = true;
    ks.activeExpireCycle(10, 1);
    assert.equal(db.size, 0);
  });
});
