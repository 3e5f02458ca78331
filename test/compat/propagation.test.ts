/**
 * The effect stream against what redis-server 7.0 sends its replicas: the
 * same commands run on both, Sinew's stream (read from its effect stream)
 * and Redis's (read as a replica after SYNC) must be the same commands,
 * SELECT, MULTI and EXEC included. Absolute times (PXAT, PEXPIREAT) differ
 * by the milliseconds between the two servers' clocks: they are compared
 * as "a time within a second of now plus the relative expiry".
 */
import { it, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { Differ, describeCompat, type Cmd } from '../helpers/differ.js';
import { ReplicaStream } from '../helpers/replica-stream.js';

const MARK = '__end_of_scenario__';

describeCompat('effect stream against the replication stream of redis-server', () => {
  let d: Differ;
  let replica: ReplicaStream;
  let ours: string[][] = [];
  let unsubscribe: () => void = () => {};
  before(async () => {
    d = await Differ.open({ sinew: { 'enable-debug-command': 'yes' }, redis: { 'enable-debug-command': 'yes' } });
    replica = await ReplicaStream.open(d.redis.port);
    unsubscribe = d.sinew.server.effects.subscribe((argv) => void ours.push(argv));
  });
  after(async () => {
    unsubscribe();
    replica?.close();
    await d?.close();
  });
  beforeEach(async () => {
    await d.reset();
    await settle();
  });

  /** Runs a marker write on both and waits for it in both streams, then clears both. */
  async function settle(): Promise<[string[][], string[][]]> {
    await d!.run([['SET', MARK, '1']]);
    const seen = (list: string[][]) => list.some((a) => a[1] === MARK);
    await replica.until(() => seen(replica.commands));
    assert.ok(seen(ours), 'the marker reached the effect stream');
    const cut = (list: string[][]) => list.slice(0, list.findIndex((a) => a[1] === MARK));
    const r: [string[][], string[][]] = [cut(ours), cut(replica.commands)];
    ours = [];
    replica.commands.length = 0;
    return r;
  }

  /** Normalises absolute millisecond times (and relative ones turned absolute) so both servers compare equal. */
  function norm(list: string[][]): string[] {
    const now = Date.now();
    return list.map((argv) =>
      argv
        .map((a) => (/^\d{13}$/.test(a) && Math.abs(Number(a) - now) < 400_000_000 ? '<ms-time>' : /^\d{10}$/.test(a) && Math.abs(Number(a) * 1000 - now) < 400_000_000 ? '<s-time>' : a))
        .join(' '),
    );
  }

  async function compare(cmds: Cmd[], opts: { unordered?: boolean } = {}): Promise<string[]> {
    await d!.run(cmds, opts);
    const [a, b] = await settle();
    assert.deepEqual(norm(a), norm(b));
    return norm(a);
  }

  it('relative expiry becomes absolute; SET EX becomes PXAT; GETEX and INCRBYFLOAT take their effect forms', async (t) => {
    const got = await compare([
      ['SET', 'a', '1', 'EX', '100'],
      ['SET', 'b', '1', 'PX', '100000', 'GET'],
      ['SET', 'x1', '1', 'EXAT', String(Math.floor(Date.now() / 1000) + 100), 'NX'],
      ['SET', 'x2', '1', 'PXAT', String(Date.now() + 100000), 'GET'],
      ['SET', 'x3', '1', 'NX', 'EX', '100', 'GET'],
      ['SET', 'x3', '2', 'XX', 'KEEPTTL'],
      ['SET', 'x4', '1', 'GET', 'get', 'NX'],
      ['GETSET', 'x4', '2'],
      ['SETNX', 'x5', '1'],
      ['SETEX', 'c', '100', 'v'],
      ['PSETEX', 'c2', '100000', 'v'],
      ['EXPIRE', 'a', '200'],
      ['PEXPIRE', 'b', '200000'],
      ['EXPIREAT', 'c', String(Math.floor(Date.now() / 1000) + 300)],
      ['GETEX', 'a', 'EX', '50'],
      ['GETEX', 'b', 'PERSIST'],
      ['GETEX', 'c'],
      ['SET', 'f', '1.5'],
      ['INCRBYFLOAT', 'f', '2.25'],
      ['HSET', 'h', 'x', '1'],
      ['HINCRBYFLOAT', 'h', 'x', '0.5'],
      ['EXPIRE', 'nokey', '10'],
      ['DEL', 'nokey'],
      ['EXPIRE', 'f', '-1'],
    ]);
    assert.ok(got.length > 10, got.join('\n'));
  });

  it('EXEC and scripts: one write alone, several in MULTI/EXEC, SELECT where the database changes', async (t) => {
    await compare([
      ['MULTI'], ['SET', 'a', '1'], ['GET', 'a'], ['INCR', 'a'], ['EXEC'],
      ['MULTI'], ['SET', 'b', '1'], ['GET', 'b'], ['EXEC'],
      ['MULTI'], ['GET', 'a'], ['EXEC'],
      ['MULTI'], ['SELECT', '2'], ['SET', 'c', '1'], ['SELECT', '0'], ['DEL', 'a'], ['EXEC'],
      ['EVAL', "redis.call('set', KEYS[1], 'v') redis.call('get', KEYS[1]) redis.call('incr', 'n') return 1", '1', 'pk'],
      ['EVAL', "return redis.call('set', KEYS[1], 'one')", '1', 'pk'],
      ['EVAL', "return redis.call('get', KEYS[1])", '1', 'pk'],
      ['EVAL', "redis.call('select', '3') redis.call('set', 'x', '1') return 1", '0'],
      ['EVAL', "redis.call('set', 'e', '1') redis.call('expire', 'e', '100') return 1", '0'],
    ]);
  });

  it('pops and moves, random pops as SREM, deletions, flushes, SWAPDB', async (t) => {
    await compare([
      ['RPUSH', 'l', 'a', 'b', 'c', 'd'],
      ['BLPOP', 'l', '0'],
      ['BLMOVE', 'l', 'm', 'LEFT', 'RIGHT', '0'],
      ['LMPOP', '1', 'l', 'RIGHT', 'COUNT', '5'],
      ['ZADD', 'z', '1', 'a', '2', 'b', '3', 'c'],
      ['BZPOPMIN', 'z', '0'],
      ['ZMPOP', '1', 'z', 'MAX', 'COUNT', '2'],
      ['SADD', 's', 'only'],
      ['SPOP', 's'],
      ['SADD', 's', 'x'],
      ['SPOP', 's', '5'],
      ['SRANDMEMBER', 's'],
      ['SET', 'k', 'v'],
      ['GETDEL', 'k'],
      ['SET', 'k', 'v'],
      ['RENAME', 'k', 'k2'],
      ['COPY', 'k2', 'k3'],
      ['MOVE', 'k3', '4'],
      ['UNLINK', 'k2'],
      ['SWAPDB', '0', '4'],
      ['SWAPDB', '0', '4'],
      ['FLUSHDB'],
      ['SET', 'x', '1'],
      ['FLUSHALL'],
    ]);
  });

  it('blocked pops and moves served by a later write', async () => {
    await d.send(['BLPOP', 'q', '0'], 1);
    await d.send(['BLMOVE', 'q2', 'q3', 'LEFT', 'RIGHT', '0'], 2);
    await d.send(['BLMPOP', '0', '1', 'q4', 'LEFT', 'COUNT', '5'], 3);
    await d.send(['BZPOPMIN', 'z', '0'], 4);
    await d.send(['BRPOPLPUSH', 'q5', 'q6', '0'], 5);
    await new Promise((r) => setTimeout(r, 50));
    await compare([['RPUSH', 'q', 'a', 'b'], ['RPUSH', 'q2', 'x'], ['RPUSH', 'q4', '1', '2'], ['ZADD', 'z', '1', 'm'], ['LPUSH', 'q5', 'y']]);
    for (const conn of [1, 2, 3, 4, 5]) await d.expectReply(conn, `served on connection ${conn}`);
  });

  it('hyperloglog: PFCOUNT propagates when it stores its cache; PFDEBUG when it converts', async () => {
    const got = await compare([
      ['PFADD', 'h', 'a', 'b'],
      ['PFADD', 'h', 'a'],
      ['PFCOUNT', 'h'],
      ['PFCOUNT', 'h'],
      ['PFCOUNT', 'h', 'none'],
      ['PFMERGE', 'm', 'h'],
      ['PFDEBUG', 'ENCODING', 'm'],
      ['PFDEBUG', 'TODENSE', 'm'],
      ['PFDEBUG', 'TODENSE', 'm'],
      ['PFADD', 'g', 'x'],
      ['PFDEBUG', 'GETREG', 'g'],
      ['MULTI'],
      ['PFADD', 'h', 'c'],
      ['PFCOUNT', 'h'],
      ['EXEC'],
    ]);
    assert.ok(got.includes('PFCOUNT h'));
  });

  it('FLUSHDB and FLUSHALL of empty data, SWAPDB of a database with itself', async () => {
    await compare([['FLUSHDB'], ['FLUSHALL'], ['SELECT', '2'], ['FLUSHDB', 'ASYNC'], ['SWAPDB', '3', '3'], ['SELECT', '0'], ['SWAPDB', '0', '1']]);
  });

  it('expiry options, past times, other writes and their effect forms', async () => {
    const past = String(Math.floor(Date.now() / 1000) - 100);
    await compare([
      ['SET', 'a', '1'],
      ['EXPIRE', 'a', '100', 'NX'],
      ['EXPIRE', 'a', '50', 'GT'],
      ['EXPIRE', 'a', '50', 'LT'],
      ['PEXPIRE', 'a', '200000', 'XX'],
      ['PERSIST', 'a'],
      ['PERSIST', 'a'],
      ['EXPIREAT', 'a', past],
      ['SET', 'b', '1'],
      ['EXPIRE', 'b', '-5'],
      ['SET', 'c', '1'],
      ['PEXPIREAT', 'c', '1'],
      ['APPEND', 'd', 'xy'],
      ['SETRANGE', 'd', '5', 'z'],
      ['SETBIT', 'e', '7', '1'],
      ['BITFIELD', 'e', 'INCRBY', 'u8', '0', '3', 'GET', 'u8', '0'],
      ['BITFIELD', 'e', 'GET', 'u8', '0'],
      ['BITOP', 'NOT', 'f', 'e'],
      ['HSETNX', 'h', 'x', '1'],
      ['HSETNX', 'h', 'x', '2'],
      ['HDEL', 'h', 'x', 'y'],
      ['ZADD', 'z', 'INCR', '5', 'm'],
      ['ZINCRBY', 'z', '1.5', 'm'],
      ['ZADD', 'z2', '1', 'a', '2', 'b'],
      ['ZUNIONSTORE', 'zu', '2', 'z', 'z2'],
      ['ZPOPMIN', 'z2', '5'],
      ['SADD', 's1', 'a', 'b', 'c'],
      ['SADD', 's2', 'b'],
      ['SINTERSTORE', 'si', 's1', 's2'],
      ['SMOVE', 's1', 's2', 'a'],
      ['RPUSH', 'l', '1', '2', '3'],
      ['RPOPLPUSH', 'l', 'l2'],
      ['LMOVE', 'l', 'l2', 'RIGHT', 'LEFT'],
      ['SORT', 'l2', 'STORE', 'ls'],
      ['DEL', 'a', 'nokey', 'ls'],
      ['RENAMENX', 'l2', 'l3'],
      ['SET', 'n', '10'],
      ['INCRBY', 'n', '5'],
      ['DECR', 'n'],
      ['GETSET', 'n', '1'],
      ['MSET', 'm1', 'a', 'm2', 'b'],
      ['MSETNX', 'm1', 'x', 'm3', 'y'],
      ['SETNX', 'm3', 'z'],
      ['EVAL', "redis.call('set', 'se', '1') redis.call('expire', 'se', '100') redis.call('del', 'nokey') return 1", '0'],
      ['PUBLISH', 'news', 'hello'],
      ['SPUBLISH', 'shard', 'hi'],
      ['FLUSHALL', 'ASYNC'],
    ]);
  });

  it('GEOADD as ZADD with the scores; the searches that store as given', async () => {
    const got = await compare([
      ['GEOADD', 'g', 'CH', '13.361389', '38.115556', 'Palermo', '180', '10', 'above-2^53'],
      ['GEOADD', 'g', 'xx', '1', '1', 'missing'],
      ['GEOADD', 'g', 'NX', '15.087269', '37.502669', 'Catania'],
      ['GEOADD', 'g', '200', '1', 'bad'],
      ['GEOSEARCH', 'g', 'FROMLONLAT', '15', '37', 'BYRADIUS', '200', 'km'],
      ['GEORADIUS', 'g', '15', '37', '200', 'km'],
      ['GEOSEARCHSTORE', 'dst', 'g', 'FROMLONLAT', '15', '37', 'BYRADIUS', '200', 'km'],
      ['GEORADIUS', 'g', '15', '37', '200', 'km', 'STORE', 'd2'],
      ['geoRadiusByMember', 'g', 'Palermo', '1', 'km', 'storedist', 'd3'],
      ['GEOSEARCHSTORE', 'dst2', 'nokey', 'FROMLONLAT', '15', '37', 'BYRADIUS', '200', 'km'],
      ['GEOSEARCHSTORE', 'dst', 'g', 'FROMLONLAT', '0', '0', 'BYRADIUS', '1', 'km'],
    ]);
    assert.ok(got.some((c) => c.startsWith('zadd g CH 3479099956230698 Palermo 10138940401276181')), got.join('\n'));
  });

  it('SPOP with a count: members removed in batches, the whole set deleted', async () => {
    const members = Array.from({ length: 3000 }, (_, i) => `m${i}`);
    // which members go is random: compare the shape of the stream
    const norm = (list: string[][]) => list.map((a) => (a[0] === 'SREM' ? `SREM ${a[1]} <${a.length - 2} members>` : a.join(' ')));
    await d.run([['SADD', 'big', ...members], ['SADD', 'small', 'a', 'b', 'c'], ['SPOP', 'small', '10'], ['SADD', 'small', 'a', 'b', 'c']], { unordered: true });
    await d.run([['SPOP', 'small', '2']], { typeOnly: true });
    await d.run([['SPOP', 'big', '2500']], { typeOnly: true });
    await d.run([['SCARD', 'big'], ['SPOP', 'big', '500']], { typeOnly: true });
    const [a, b] = await settle();
    assert.deepEqual(norm(a), norm(b));
  });

  it('a write on a key that had expired: the deletion and the write go together in MULTI/EXEC', async (t) => {
    await d.run([['DEBUG', 'SET-ACTIVE-EXPIRE', '0']]);
    await compare([['SET', 'e', '1', 'PX', '1']]);
    await new Promise((r) => setTimeout(r, 20));
    await compare([['SET', 'e', '2'], ['SET', 'g', '1', 'PX', '1']]);
    await new Promise((r) => setTimeout(r, 20));
    await compare([['GET', 'g']]);
  });

  it('streams: ms-* with the ID it generated, ~ trims rewritten to =, XDEL/XTRIM/XSETID, nothing for reads or no-ops', async () => {
    const fill: Cmd[] = [];
    for (let i = 1; i <= 120; i++) fill.push(['XADD', 'big', `${i}-1`, 'f', `v${i}`]);
    await d.run([['CONFIG', 'SET', 'stream-node-max-entries', '10']]);
    try {
      await compare([
        ['XADD', 's', '5-*', 'a', '1'],
        ['XADD', 's', '5-*', 'a', '2'],
        ['XADD', 's', '6-3', 'a', '3'],
        ['XADD', 's', 'NOMKSTREAM', 'MAXLEN', '=', '10', '7-*', 'a', '4'],
        ['XADD', 'nokey', 'NOMKSTREAM', '1-1', 'a', '1'],
        ['XADD', 's', '1-1', 'a', '1'],
        ...fill,
        ['XADD', 'big', 'MAXLEN', '~', '50', '200-*', 'f', 'v'],
        ['XADD', 'big', 'MAXLEN', '~', '50', 'LIMIT', '10', '201-1', 'f', 'v'],
        ['XADD', 'big', 'MINID', '~', '100', '202-1', 'f', 'v'],
        ['XADD', 'big', 'MAXLEN', '~', '1000', '203-1', 'f', 'v'],
        ['XTRIM', 'big', 'MAXLEN', '~', '20'],
        ['XTRIM', 'big', 'MAXLEN', '~', '1', 'LIMIT', '10'],
        ['XTRIM', 'big', 'MINID', '~', '115'],
        ['XTRIM', 'big', 'MINID', '~', '1'],
        ['XTRIM', 'big', 'MAXLEN', '5'],
        ['XTRIM', 'big', 'MAXLEN', '5'],
        ['XDEL', 'big', '201-1', '1-1'],
        ['XDEL', 'big', '1-1'],
        ['XSETID', 'big', '500-0', 'ENTRIESADDED', '1000'],
        ['XRANGE', 'big', '-', '+'],
        ['XREAD', 'STREAMS', 'big', '0'],
        ['XLEN', 'big'],
        ['MULTI'], ['XADD', 'm', '1-*', 'f', 'v'], ['XADD', 'm', 'MAXLEN', '~', '0', '2-1', 'f', 'v'], ['EXEC'],
        ['EVAL', "return redis.call('XADD', KEYS[1], '9-*', 'f', 'v')", '1', 'lua'],
      ]);
    } finally {
      await d.run([['CONFIG', 'SET', 'stream-node-max-entries', '100']]);
    }
  });

  it('streams: XADD * propagates the ID it generated; a served XREAD BLOCK propagates nothing', async () => {
    await d.run([['XADD', 'a', '*', 'f', 'v'], ['XADD', 'a', 'MAXLEN', '~', '5', '*', 'f', 'v']], { typeOnly: true });
    const [a, b] = await settle();
    const shape = (list: string[][]) => list.map((x) => x.map((y) => (/^\d{13}-\d+$/.test(y) ? '<id>' : y)).join(' '));
    assert.deepEqual(shape(a), shape(b));
    assert.equal(a.length, 2);
    await compare([['XADD', 'b', '1-1', 'f', 'v'], ['XREAD', 'BLOCK', '10', 'STREAMS', 'b', '$']]);
  });

  it('consumer groups: XREADGROUP and XCLAIM/XAUTOCLAIM as XCLAIM ... FORCE JUSTID LASTID, NOACK as XGROUP SETID/CREATECONSUMER, XACK and XGROUP as given', async () => {
    const got = await compare([
      ['XADD', 's', '1-0', 'a', '1'],
      ['XADD', 's', '2-0', 'b', '2'],
      ['XADD', 's', '3-0', 'c', '3'],
      ['XADD', 's', '4-0', 'd', '4'],
      ['XGROUP', 'CREATE', 's', 'g', '0'],
      ['XGROUP', 'CREATE', 'new', 'g', '$', 'MKSTREAM', 'ENTRIESREAD', '0'],
      ['XGROUP', 'CREATE', 's', 'g', '0'],
      ['XGROUP', 'CREATECONSUMER', 's', 'g', 'zed'],
      ['XGROUP', 'CREATECONSUMER', 's', 'g', 'zed'],
      ['XREADGROUP', 'GROUP', 'g', 'alice', 'COUNT', '2', 'STREAMS', 's', '>'],
      ['XREADGROUP', 'GROUP', 'g', 'alice', 'STREAMS', 's', '0'],
      ['XREADGROUP', 'GROUP', 'g', 'alice', 'STREAMS', 's', '>'],
      ['XREADGROUP', 'GROUP', 'g', 'bob', 'NOACK', 'STREAMS', 's', '>'],
      ['XADD', 's', '5-0', 'e', '5'],
      ['XREADGROUP', 'GROUP', 'g', 'bob', 'NOACK', 'STREAMS', 's', '>'],
      ['XREADGROUP', 'GROUP', 'g', 'carol', 'NOACK', 'STREAMS', 's', '>'],
      ['XACK', 's', 'g', '1-0', '9-0'],
      ['XACK', 's', 'g', '9-0'],
      ['XCLAIM', 's', 'g', 'bob', '0', '2', 'TIME', '12345', 'RETRYCOUNT', '4'],
      ['XCLAIM', 's', 'g', 'bob', '100000', '3-0'],
      ['XCLAIM', 's', 'g', 'bob', '0', '3-0', 'LASTID', '9-0', 'JUSTID'],
      ['XCLAIM', 's', 'g', 'bob', '0', '77-0', 'LASTID', '10-0'],
      ['XCLAIM', 's', 'g', 'dave', '0', '5-0', 'FORCE', 'JUSTID'],
      ['XDEL', 's', '4-0'],
      ['XCLAIM', 's', 'g', 'dave', '0', '4-0'],
      ['XDEL', 's', '2-0'],
      ['XAUTOCLAIM', 's', 'g', 'erin', '0', '0', 'COUNT', '5'],
      ['XAUTOCLAIM', 's', 'g', 'erin', '100000', '0'],
      ['XGROUP', 'SETID', 's', 'g', '$', 'ENTRIESREAD', '3'],
      ['XGROUP', 'DELCONSUMER', 's', 'g', 'erin'],
      ['XGROUP', 'DELCONSUMER', 's', 'g', 'erin'],
      ['XGROUP', 'DESTROY', 's', 'g'],
      ['XGROUP', 'DESTROY', 's', 'g'],
      ['MULTI'],
      ['XGROUP', 'CREATE', 's', 'h', '0'],
      ['XREADGROUP', 'GROUP', 'h', 'x', 'STREAMS', 's', '>'],
      ['EXEC'],
      ['EVAL', "redis.call('XADD', KEYS[1], '20-0', 'f', 'v') return redis.call('XREADGROUP', 'GROUP', 'h', 'y', 'NOACK', 'STREAMS', KEYS[1], '>')", '1', 's'],
      ['EVAL', "return redis.call('XAUTOCLAIM', KEYS[1], 'h', 'z', '0', '0', 'COUNT', '1')", '1', 's'],
      ['EVAL', "return redis.call('XREADGROUP', 'GROUP', 'h', 'y', 'STREAMS', KEYS[1], '0')", '1', 's'],
      ['MULTI'],
      ['XCLAIM', 's', 'h', 'q', '0', '1-0', '3-0', 'JUSTID'],
      ['XACK', 's', 'h', '1-0'],
      ['EXEC'],
    ]);
    assert.ok(got.some((l) => l.startsWith('XCLAIM s g alice 0 1-0 TIME <ms-time> RETRYCOUNT 1 FORCE JUSTID LASTID 1-0')), got.join('\n'));
  });

  it('a blocked XREADGROUP served by XADD propagates its XCLAIM (NOACK: XGROUP SETID)', async () => {
    await compare([['XGROUP', 'CREATE', 's', 'g', '$', 'MKSTREAM'], ['XGROUP', 'CREATE', 't', 'g', '$', 'MKSTREAM']]);
    await d.send(['XREADGROUP', 'GROUP', 'g', 'alice', 'BLOCK', '0', 'STREAMS', 's', '>'], 1);
    await d.send(['XREADGROUP', 'GROUP', 'g', 'bob', 'NOACK', 'BLOCK', '0', 'STREAMS', 't', '>'], 2);
    await new Promise((r) => setTimeout(r, 50));
    await compare([['XADD', 's', '1-0', 'a', '1'], ['XADD', 't', '1-0', 'a', '1']]);
    for (const conn of [1, 2]) await d.expectReply(conn, `served on connection ${conn}`);
    await d.send(['XREADGROUP', 'GROUP', 'g', 'carol', 'COUNT', '2', 'BLOCK', '0', 'STREAMS', 's', '>'], 1);
    await new Promise((r) => setTimeout(r, 50));
    await compare([['MULTI'], ['XADD', 's', '2-0', 'a', '1'], ['XADD', 's', '3-0', 'a', '1'], ['XADD', 's', '4-0', 'a', '1'], ['EXEC']]);
    await d.expectReply(1, 'served after EXEC');
  });
});
