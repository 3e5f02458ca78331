import { it } from 'node:test';
import assert from 'node:assert/strict';
import { describeCompat, useDiffer } from '../helpers/differ.js';
import { drain } from '../helpers/raw-client.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describeCompat('client-side caching against redis-server', () => {
  const d = useDiffer();

  /** Both sides' pending output on a connection must be identical. */
  async function sameOutput(conn: number, label: string): Promise<string[]> {
    const [a, b] = await d!.pair(conn);
    const [oa, ob] = await Promise.all([drain(a), drain(b)]);
    assert.deepEqual(oa, ob, label);
    return oa;
  }

  /** Runs a per-server command (e.g. with each server's own client id) and compares the replies. */
  async function runEach(conn: number, make: (side: 0 | 1) => (string | number)[]): Promise<string> {
    const [a, b] = await d!.pair(conn);
    const [ra, rb] = await Promise.all([a.raw(...make(0)), b.raw(...make(1))]);
    assert.equal(ra, rb, make(0).join(' '));
    return ra;
  }

  async function ids(conn: number): Promise<[number, number]> {
    const [a, b] = await d!.pair(conn);
    return [Number(await a.call('CLIENT', 'ID')), Number(await b.call('CLIENT', 'ID'))];
  }

  it('option errors, CACHING errors, TRACKINGINFO and GETREDIR in RESP2 and RESP3', async (t) => {
    const script: (string | number)[][] = [
      ['CLIENT', 'TRACKINGINFO'],
      ['CLIENT', 'GETREDIR'],
      ['CLIENT', 'CACHING', 'yes'],
      ['CLIENT', 'TRACKING'],
      ['CLIENT', 'TRACKING', 'maybe'],
      ['CLIENT', 'TRACKING', 'on', 'FOO'],
      ['CLIENT', 'TRACKING', 'on', 'PREFIX', 'a'],
      ['CLIENT', 'TRACKING', 'on', 'BCAST', 'OPTIN'],
      ['CLIENT', 'TRACKING', 'on', 'OPTIN', 'OPTOUT'],
      ['CLIENT', 'TRACKING', 'on', 'REDIRECT', 'abc'],
      ['CLIENT', 'TRACKING', 'on', 'REDIRECT', '999999'],
      ['CLIENT', 'TRACKING', 'on', 'BCAST', 'PREFIX', 'ab', 'PREFIX', 'a'],
      ['CLIENT', 'TRACKING', 'on', 'BCAST', 'PREFIX', 'b', 'PREFIX', 'a'],
      ['CLIENT', 'TRACKING', 'on', 'BCAST', 'PREFIX', 'c'],
      ['CLIENT', 'TRACKING', 'on', 'BCAST', 'PREFIX', 'bb'],
      ['CLIENT', 'TRACKING', 'on'],
      ['CLIENT', 'TRACKING', 'on', 'BCAST', 'NOLOOP'],
      ['CLIENT', 'TRACKINGINFO'],
      ['CLIENT', 'GETREDIR'],
      ['CLIENT', 'CACHING', 'yes'],
      ['CLIENT', 'TRACKING', 'off'],
      ['CLIENT', 'TRACKINGINFO'],
      ['CLIENT', 'TRACKING', 'on', 'OPTIN'],
      ['CLIENT', 'TRACKING', 'on', 'OPTOUT'],
      ['CLIENT', 'CACHING', 'no'],
      ['CLIENT', 'CACHING', 'maybe'],
      ['CLIENT', 'CACHING', 'yes'],
      ['CLIENT', 'TRACKINGINFO'],
      ['PING'],
      ['CLIENT', 'TRACKINGINFO'],
      ['CLIENT', 'TRACKING', 'off'],
      ['CLIENT', 'TRACKING', 'on', 'OPTOUT', 'NOLOOP'],
      ['CLIENT', 'CACHING', 'no'],
      ['CLIENT', 'TRACKINGINFO'],
      ['CLIENT', 'TRACKING', 'off'],
      ['CLIENT', 'GETREDIR'],
    ];
    await d.run(script);
    await d.run([['HELLO', '3']], { typeOnly: true });
    await d.run(script);
  });

  it('RESP3: invalidation pushes for reads, own writes after the reply, NOLOOP, flush', async (t) => {
    await d.run([['HELLO', '3']], { typeOnly: true });
    await d.run([['CLIENT', 'TRACKING', 'on'], ['GET', 'a'], ['MGET', 'b', 'c'], ['STRLEN', 'd'], ['EXISTS', 'e']]);
    await d.run([['SET', 'a', '1'], ['MSET', 'b', '1', 'c', '2'], ['SET', 'a', '2'], ['APPEND', 'd', 'x'], ['SET', 'e', '1']], { conn: 1 });
    await sameOutput(0, 'invalidations from another client, each key once');
    // own writes: the push comes after the command's reply
    await d.run([['GET', 'a'], ['GET', 'b']]);
    await d.send(['MSET', 'a', '9', 'b', '9']);
    await sameOutput(0, 'reply then own invalidations');
    // a write that changes nothing sends nothing; a delete does
    await d.run([['GET', 'a'], ['GET', 'zz']]);
    await d.run([['DEL', 'zz'], ['SETNX', 'a', 'x'], ['DEL', 'a']], { conn: 1 });
    await sameOutput(0, 'only real changes invalidate');
    await d.run([['GET', 'm1'], ['GET', 'm2']]);
    await d.run([['SET', 'm1', 'v'], ['DEL', 'm1', 'm2', 'm3']], { conn: 1 });
    await sameOutput(0, 'DEL of several keys: only the deleted ones');
    // NOLOOP
    await d.run([['CLIENT', 'TRACKING', 'on', 'NOLOOP'], ['GET', 'n']]);
    await d.send(['SET', 'n', '1']);
    await sameOutput(0, 'NOLOOP: no message for own write');
    await d.run([['GET', 'n']]);
    await d.run([['SET', 'n', '2']], { conn: 1 });
    await sameOutput(0, 'NOLOOP: others still invalidate');
    // FLUSHALL / FLUSHDB: a null invalidation, once
    await d.run([['GET', 'f']]);
    await d.run([['FLUSHALL']], { conn: 1 });
    await sameOutput(0, 'flush from another client');
    await d.send(['FLUSHDB']);
    await sameOutput(0, 'own flush: reply then null');
    // writes in another database invalidate the key name too
    await d.run([['GET', 'x']]);
    await d.run([['SELECT', '3'], ['SET', 'x', '1'], ['SELECT', '0']], { conn: 1 });
    await sameOutput(0, 'other database');
    // OFF: nothing more
    await d.run([['GET', 'y'], ['CLIENT', 'TRACKING', 'off']]);
    await d.run([['SET', 'y', '1']], { conn: 1 });
    await sameOutput(0, 'tracking off');
  });

  it('MULTI/EXEC: invalidations after the whole EXEC reply', async (t) => {
    await d.run([['HELLO', '3']], { typeOnly: true });
    await d.run([['CLIENT', 'TRACKING', 'on'], ['MULTI'], ['GET', 'a'], ['GET', 'b'], ['SET', 'a', '1'], ['SET', 'b', '1'], ['GET', 'a']]);
    await d.send(['EXEC']);
    await sameOutput(0, 'EXEC reply then invalidations');
    await d.run([['SET', 'a', '2']], { conn: 1 });
    await sameOutput(0, 'key read inside EXEC is tracked');
  });

  it('scripts: keys read by the commands a script runs are tracked for its caller, not the script\'s key arguments', async (t) => {
    await d.run([['HELLO', '3']], { typeOnly: true });
    await d.run([
      ['CLIENT', 'TRACKING', 'on'],
      ['EVAL', "return redis.call('get', KEYS[1])", '1', 's1'],
      ['EVAL_RO', 'return 1', '1', 's2'],
      ['EVAL_RO', "return redis.call('get', KEYS[1])", '1', 's3'],
      ['EVAL', "redis.call('get', 's4') return redis.call('set', 's5', 'x')", '0'],
    ]);
    await sameOutput(0, 'own write inside a script');
    await d.run([['MSET', 's1', '1', 's2', '1', 's3', '1', 's4', '1', 's5', '1']], { conn: 1 });
    await sameOutput(0, 'script reads tracked');
  });

  it('OPTIN and OPTOUT with CLIENT CACHING', async (t) => {
    await d.run([['HELLO', '3']], { typeOnly: true });
    await d.run([
      ['CLIENT', 'TRACKING', 'on', 'OPTIN'],
      ['GET', 'x'],
      ['CLIENT', 'CACHING', 'yes'],
      ['GET', 'y'],
      ['GET', 'z'],
      ['CLIENT', 'CACHING', 'yes'],
      ['CLIENT', 'GETREDIR'],
      ['GET', 'w'],
      ['CLIENT', 'CACHING', 'yes'],
      ['MULTI'],
      ['GET', 'm1'],
      ['EXEC'],
      ['GET', 'm2'],
    ]);
    await d.run([['MSET', 'x', '1', 'y', '1', 'z', '1', 'w', '1', 'm1', '1', 'm2', '1']], { conn: 1 });
    await sameOutput(0, 'OPTIN: only keys read right after CACHING yes');
    await d.run([
      ['CLIENT', 'TRACKING', 'off'],
      ['CLIENT', 'TRACKING', 'on', 'OPTOUT'],
      ['GET', 'x'],
      ['CLIENT', 'CACHING', 'no'],
      ['GET', 'y'],
      ['GET', 'z'],
    ]);
    await d.run([['MSET', 'x', '2', 'y', '2', 'z', '2']], { conn: 1 });
    await sameOutput(0, 'OPTOUT: every key except right after CACHING no');
  });

  it('BCAST: prefixes, the empty prefix, NOLOOP, one message per prefix', async (t) => {
    await d.run([['HELLO', '3']], { typeOnly: true });
    await d.run([['CLIENT', 'TRACKING', 'on', 'BCAST', 'PREFIX', 'user:', 'PREFIX', 'obj:']]);
    await d.run([['SET', 'user:1', 'a'], ['MSET', 'user:2', 'b', 'obj:9', 'c', 'other', 'd'], ['SET', 'other', 'e']], { conn: 1 });
    await sameOutput(0, 'prefix broadcast');
    await d.run([['HELLO', '3']], { conn: 2, typeOnly: true });
    await d.run([['CLIENT', 'TRACKING', 'on', 'BCAST', 'NOLOOP']], { conn: 2 });
    await d.run([['SET', 'user:3', 'x'], ['DEL', 'user:3']], { conn: 2 });
    await sameOutput(0, 'bcast from a NOLOOP client, seen by others');
    await sameOutput(2, 'NOLOOP bcast: own changes skipped');
    await d.run([['SET', 'zzz', '1'], ['SET', 'user:4', '1']], { conn: 1 });
    await sameOutput(2, 'empty prefix gets everything');
    await sameOutput(0, 'prefixed client');
    await d.run([['FLUSHALL']], { conn: 1 });
    await sameOutput(0, 'flush reaches BCAST clients');
    await d.run([['CLIENT', 'TRACKINGINFO']]);
    await d.run(
      [
        ['CLIENT', 'TRACKING', 'on', 'BCAST', 'PREFIX', 'ac', 'PREFIX', 'zz'],
        ['CLIENT', 'TRACKING', 'on', 'BCAST', 'PREFIX', 'ab'],
        ['CLIENT', 'TRACKING', 'on', 'BCAST', 'PREFIX', 'q', 'PREFIX', 'a'],
        ['CLIENT', 'TRACKING', 'on', 'BCAST', 'PREFIX', 'q', 'PREFIX', 'r', 'PREFIX', 'qq', 'PREFIX', 'q'],
        ['CLIENT', 'TRACKINGINFO'],
      ],
      { conn: 3 },
    );
  });

  it('RESP2 redirect to a subscribed connection, broken redirect', async (t) => {
    const [ia, ib] = await ids(1);
    await d.run([['SUBSCRIBE', '__redis__:invalidate']], { conn: 1 });
    await runEach(0, (s) => ['CLIENT', 'TRACKING', 'on', 'REDIRECT', s === 0 ? ia : ib]);
    const [ga, gb] = await d.pair(0);
    assert.equal(await ga.raw('CLIENT', 'GETREDIR'), `:${ia}\r\n`);
    assert.equal(await gb.raw('CLIENT', 'GETREDIR'), `:${ib}\r\n`);
    await d.run([['GET', 'a'], ['MGET', 'b', 'c'], ['SET', 'a', '1'], ['MSET', 'b', '1', 'c', '1'], ['GET', 'a']]);
    await d.run([['FLUSHALL']], { conn: 2 });
    await sameOutput(1, 'invalidate channel messages, flush null');
    // the redirect target goes away
    const [a1, b1] = await d.pair(1);
    a1.close();
    b1.close();
    await sleep(50);
    await d.run([['GET', 'k'], ['SET', 'k', '1']]);
    const infoA = await ga.raw('CLIENT', 'TRACKINGINFO');
    const infoB = await gb.raw('CLIENT', 'TRACKINGINFO');
    assert.equal(infoA.replace(`:${ia}\r\n`, ':ID\r\n'), infoB.replace(`:${ib}\r\n`, ':ID\r\n'));
    assert.match(infoA, /broken_redirect/);
    // in RESP3 the client itself is told
    await d.run([['HELLO', '3']], { typeOnly: true });
    await d.run([['GET', 'k']]);
    const [ra, rb] = await Promise.all([ga.raw('SET', 'k', '2'), gb.raw('SET', 'k', '2')]);
    assert.equal(ra, rb);
    const [pa, pb] = await Promise.all([drain(ga), drain(gb)]);
    assert.deepEqual(pa.map((x) => x.replace(`:${ia}\r\n`, ':ID\r\n')), pb.map((x) => x.replace(`:${ib}\r\n`, ':ID\r\n')));
    assert.equal(pa.length, 1);
    assert.match(pa[0], /tracking-redir-broken/);
  });

  it('RESP3 redirect target gets pushes without subscribing; RESP2 unsubscribed target gets nothing', async (t) => {
    const [ia, ib] = await ids(1);
    await d.run([['HELLO', '3']], { conn: 1, typeOnly: true });
    await runEach(0, (s) => ['CLIENT', 'TRACKING', 'on', 'REDIRECT', s === 0 ? ia : ib]);
    await d.run([['GET', 'a']]);
    await d.run([['SET', 'a', '1']], { conn: 2 });
    await sameOutput(1, 'RESP3 redirect target');
    const [ja, jb] = await ids(3);
    await runEach(0, (s) => ['CLIENT', 'TRACKING', 'on', 'REDIRECT', s === 0 ? ja : jb]);
    await d.run([['GET', 'a']]);
    await d.run([['SET', 'a', '2']], { conn: 2 });
    assert.deepEqual(await sameOutput(3, 'RESP2 unsubscribed target'), []);
  });

  it('INFO: tracking_clients and the tracking table counters', async (t) => {
    const fields = async (): Promise<string> => {
      const [a, b] = await d!.pair(3);
      const [ia, ib] = await Promise.all([a.call('INFO'), b.call('INFO')]);
      const pick = (info: unknown) =>
        String(info)
          .split('\r\n')
          .filter((l) => /^tracking_/.test(l))
          .join(',');
      assert.equal(pick(ia), pick(ib));
      return pick(ia);
    };
    await d.run([['CLIENT', 'TRACKING', 'on'], ['MGET', 'a', 'b', 'c']], { conn: 0 });
    await d.run([['CLIENT', 'TRACKING', 'on'], ['MGET', 'b', 'c', 'd']], { conn: 1 });
    await d.run([['CLIENT', 'TRACKING', 'on', 'BCAST', 'PREFIX', 'x', 'PREFIX', 'y']], { conn: 2 });
    assert.match(await fields(), /tracking_total_keys:4,tracking_total_items:6,tracking_total_prefixes:2/);
    await d.run([['DEL', 'b'], ['SET', 'c', '1']], { conn: 3 });
    // DEL of a missing key changes nothing: b stays tracked
    assert.match(await fields(), /tracking_total_keys:3,tracking_total_items:4/);
    await d.run([['CLIENT', 'TRACKING', 'off']], { conn: 2 });
    await d.run([['FLUSHALL']], { conn: 3 });
    await fields();
  });

  it('expiry invalidates tracked keys', async (t) => {
    await d.run([['HELLO', '3']], { typeOnly: true });
    await d.run([['SET', 'e', 'v', 'PX', '40'], ['CLIENT', 'TRACKING', 'on'], ['GET', 'e']]);
    // removed by the active expiry cycle: the invalidation comes on its own
    await d.expectReply(0, 'invalidation on active expiry', 3000);
  });

  it('tracking-table-max-keys bounds the table by invalidating keys', async (t) => {
    await d.run([['HELLO', '3']], { typeOnly: true });
    await d.run([['CONFIG', 'SET', 'tracking-table-max-keys', '2'], ['CLIENT', 'TRACKING', 'on']]);
    const [a, b] = await d.pair(0);
    const [ra, rb] = await Promise.all([a.raw('MGET', 'a', 'b', 'c', 'd', 'e'), b.raw('MGET', 'a', 'b', 'c', 'd', 'e')]);
    assert.equal(ra, rb);
    await sleep(200);
    // which keys are dropped is random in Redis: compare how many
    const [oa, ob] = await Promise.all([drain(a), drain(b)]);
    assert.equal(oa.filter((x) => x.includes('invalidate')).length, 3);
    assert.equal(ob.filter((x) => x.includes('invalidate')).length, 3);
    await d.run([['CONFIG', 'SET', 'tracking-table-max-keys', '0']]);
  });

  it('lowering tracking-table-max-keys evacuates the table on an idle server, with growing effort', async (t) => {
    await d.run([['HELLO', '3']], { typeOnly: true });
    await d.run([['CLIENT', 'TRACKING', 'on']]);
    const keys = Array.from({ length: 300 }, (_, i) => `k${i}`);
    await d.run([['MGET', ...keys]]);
    await d.run([['CONFIG', 'SET', 'tracking-table-max-keys', '10']], { conn: 1 });
    const [a, b] = await d.pair(0);
    const invalidated = async (c: typeof a): Promise<number> => {
      let n = 0;
      while (n < 290) {
        const m = await c.nextRaw(3000);
        if (m.includes('invalidate')) n += (m.match(/\$\d+\r\nk\d+/g) ?? []).length;
      }
      return n;
    };
    const [na, nb] = await Promise.all([invalidated(a), invalidated(b)]);
    assert.equal(na, 290);
    assert.equal(nb, 290);
    await d.run([['CONFIG', 'SET', 'tracking-table-max-keys', '0']]);
  });

  it('CLIENT INFO flags for subscribed, MULTI, tracking, BCAST, broken redirect and dirty WATCH clients', async (t) => {
    const flags = async (conn: number): Promise<string> => {
      const [a, b] = await d!.pair(conn);
      const [ra, rb] = await Promise.all([a.raw('CLIENT', 'INFO'), b.raw('CLIENT', 'INFO')]);
      const fa = /flags=(\S+)/.exec(ra)![1];
      const fb = /flags=(\S+)/.exec(rb)![1];
      assert.equal(fa, fb, 'CLIENT INFO flags');
      return fa;
    };
    await d.run([['HELLO', '3']], { typeOnly: true });
    assert.equal(await flags(0), 'N');
    await d.run([['SUBSCRIBE', 'a'], ['CLIENT', 'TRACKING', 'on', 'BCAST'], ['WATCH', 'x']]);
    assert.equal(await flags(0), 'PtB');
    await d.run([['SET', 'x', '1']], { conn: 1 });
    await sameOutput(0, 'bcast push');
    assert.equal(await flags(0), 'PtBd');
    await d.run([['UNWATCH'], ['UNSUBSCRIBE'], ['CLIENT', 'TRACKING', 'off']]);
    const [ia, ib] = await ids(2);
    await runEach(0, (s) => ['CLIENT', 'TRACKING', 'on', 'REDIRECT', s === 0 ? ia : ib]);
    const [a0, b0] = await d.pair(0);
    const [a2, b2] = await d.pair(2);
    a2.close();
    b2.close();
    await sleep(50);
    await d.run([['GET', 'r']]);
    await d.run([['SET', 'r', '1']], { conn: 1 });
    const [pa, pb] = await Promise.all([drain(a0), drain(b0)]);
    assert.deepEqual(pa, [`>2\r\n$21\r\ntracking-redir-broken\r\n:${ia}\r\n`]);
    assert.deepEqual(pb, [`>2\r\n$21\r\ntracking-redir-broken\r\n:${ib}\r\n`]);
    assert.equal(await flags(0), 'tR');
  });
});
