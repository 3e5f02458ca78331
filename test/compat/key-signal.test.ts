/**
 * What one write changes, compared with redis-server 7.0 step by step: the
 * exact sequence of keyspace notifications (PSUBSCRIBE __key*__:* with
 * notify-keyspace-events KEA), the change of INFO's
 * rdb_changes_since_last_save, and which of the step's keys WATCH sees as
 * modified (one watching connection per key; its EXEC fails or not).
 */
import { it, after } from 'node:test';
import assert from 'node:assert/strict';
import { describeCompat, useDiffer, type Cmd } from '../helpers/differ.js';
import { RawClient } from '../helpers/raw-client.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Step {
  cmds: Cmd[];
  /** Keys watched besides the step's own (a key of another database: [db, key]). */
  watch?: [number, string][];
  /** Replies differ by chance (random picks): compare their type only. */
  typeOnly?: boolean;
}

type StepSpec = Cmd | Step;

const MARKER = 'key-signal-marker';

describeCompat('the key-modified signal against redis-server: events, dirty, WATCH', () => {
  const d = useDiffer({ sinew: { 'enable-debug-command': 'yes' }, redis: { 'enable-debug-command': 'yes' } });
  let keysOf: RawClient | null = null;
  let stepNo = 0;
  after(() => keysOf?.close());

  async function dirty(c: RawClient): Promise<number> {
    const info = String(await c.call('INFO', 'persistence'));
    return Number(/rdb_changes_since_last_save:(\d+)/.exec(info)![1]);
  }

  /** The keys of a command, as redis-server's COMMAND GETKEYS names them (none for keyless or invalid ones). */
  async function commandKeys(cmd: Cmd): Promise<string[]> {
    keysOf ??= await RawClient.connect(d.redis.port);
    const r = await keysOf.call('COMMAND', 'GETKEYS', ...cmd);
    return Array.isArray(r) ? r.map(String) : [];
  }

  async function listen(): Promise<void> {
    // Keys left expired are deleted when next accessed, not by the timing of an expiry cycle.
    await d.run([['CONFIG', 'SET', 'notify-keyspace-events', 'KEA'], ['SELECT', '0'], ['DEBUG', 'SET-ACTIVE-EXPIRE', '0']]);
    await d.run([['PSUBSCRIBE', '__key*__:*', MARKER]], { conn: 1 });
  }

  async function step(spec: StepSpec): Promise<void> {
    const s: Step = Array.isArray(spec) ? { cmds: [spec] } : spec;
    const label = s.cmds.map((c) => c.join(' ')).join('; ');
    const watched: [number, string][] = [];
    for (const cmd of s.cmds) {
      for (const k of await commandKeys(cmd)) if (!watched.some(([db, w]) => db === 0 && w === k)) watched.push([0, k]);
    }
    watched.push(...(s.watch ?? []));
    for (let i = 0; i < watched.length; i++) {
      const [db, key] = watched[i];
      await d.run([['SELECT', String(db)], ['WATCH', key]], { conn: 2 + i });
    }
    const [a, b] = await d.pair(0);
    const dirtyBefore = [await dirty(a), await dirty(b)];
    await d.run(s.cmds, { typeOnly: s.typeOnly });
    const dirtyAfter = [await dirty(a), await dirty(b)];
    assert.equal(dirtyAfter[0] - dirtyBefore[0], dirtyAfter[1] - dirtyBefore[1], `change of rdb_changes_since_last_save (sinew, redis) after: ${label}`);
    const id = `${++stepNo}`;
    await d.run([['PUBLISH', MARKER, id]]);
    const events = await d.expectPushesUntil(MARKER, 1);
    assert.ok(events[events.length - 1].includes(MARKER), `events of: ${label}`);
    for (let i = 0; i < watched.length; i++) {
      const [db, key] = watched[i];
      const [wa, wb] = await d.pair(2 + i);
      await Promise.all([wa.raw('MULTI'), wb.raw('MULTI')]);
      const [ea, eb] = await Promise.all([wa.raw('EXEC'), wb.raw('EXEC')]);
      const touched = (r: string) => (r.startsWith('*-1') ? 'modified' : 'unchanged');
      assert.equal(touched(ea), touched(eb), `WATCH of ${db}:${key} after: ${label}`);
    }
  }

  async function steps(list: StepSpec[]): Promise<void> {
    await listen();
    for (const s of list) await step(s);
  }

  it('strings', async () => {
    await steps([
      ['SET', 's', 'v'],
      ['SET', 's', 'v2'],
      ['SET', 's', 'v', 'EX', '100'],
      ['SET', 's', 'v', 'KEEPTTL'],
      ['SET', 's', 'v', 'NX'],
      ['SET', 's', 'w', 'XX', 'GET'],
      ['SET', 'missing', 'v', 'XX'],
      ['SET', 's', 'v', 'PX', '100000', 'GET'],
      ['SET', 's', 'v', 'EX', '0'],
      ['SET', 'past', 'v', 'PXAT', '1'],
      ['GET', 'past'],
      ['SETNX', 's2', 'v'],
      ['SETNX', 's2', 'v'],
      ['SETEX', 's3', '100', 'v'],
      ['PSETEX', 's4', '100000', 'v'],
      ['MSET', 'm1', '1', 'm2', '2', 'm1', '3'],
      ['MSETNX', 'm3', '1', 'm4', '2'],
      ['MSETNX', 'm3', '1', 'm5', '2'],
      ['GETSET', 'm1', 'x'],
      ['GETSET', 'gs', 'x'],
      ['GETDEL', 'm2'],
      ['GETDEL', 'm2'],
      ['GETEX', 'm3', 'EX', '100'],
      ['GETEX', 'm3', 'PERSIST'],
      ['GETEX', 'm3', 'PERSIST'],
      ['GETEX', 'm3'],
      ['GETEX', 'missing', 'EX', '100'],
      ['GETEX', 'm4', 'PXAT', '1'],
      ['APPEND', 'a', 'x'],
      ['APPEND', 'a', 'y'],
      ['APPEND', 'a', ''],
      ['SETRANGE', 'r', '2', 'x'],
      ['SETRANGE', 'r', '0', ''],
      ['SETRANGE', 'missing', '0', ''],
      ['SETRANGE', 'missing', '3', ''],
      ['INCR', 'n'],
      ['INCRBY', 'n', '5'],
      ['DECR', 'n'],
      ['DECRBY', 'n', '2'],
      ['INCRBYFLOAT', 'n', '1.5'],
      ['INCR', 'a'],
      ['INCRBY', 'n', 'x'],
      ['RPUSH', 'list', 'a'],
      ['INCR', 'list'],
      ['SET', 'list', 'now-a-string'],
      ['SADD', 'set', 'a'],
      ['SET', 'set', 'v', 'GET'],
      ['SET', 'set', 'v', 'EX', '100'],
      ['SETEX', 'set', '0', 'v'],
    ]);
  });

  it('bitmaps', async () => {
    await steps([
      ['SETBIT', 'b', '7', '1'],
      ['SETBIT', 'b', '7', '1'],
      ['SETBIT', 'b', '100', '0'],
      ['SETBIT', 'b2', '0', '0'],
      ['BITFIELD', 'bf', 'SET', 'u8', '0', '255'],
      ['BITFIELD', 'bf', 'SET', 'u8', '0', '255'],
      ['BITFIELD', 'bf', 'INCRBY', 'u8', '0', '1'],
      ['BITFIELD', 'bf', 'OVERFLOW', 'FAIL', 'INCRBY', 'u8', '0', '300'],
      ['BITFIELD', 'bf', 'GET', 'u8', '0'],
      ['BITFIELD', 'bf2', 'GET', 'u8', '0'],
      ['BITFIELD_RO', 'bf', 'GET', 'u8', '0'],
      ['BITOP', 'AND', 'dest', 'b', 'bf'],
      ['BITOP', 'OR', 'dest', 'none1', 'none2'],
      ['BITOP', 'OR', 'dest', 'none1', 'none2'],
      ['BITOP', 'NOT', 'dest2', 'b'],
      ['SADD', 'set', 'a'],
      ['SETBIT', 'set', '1', '1'],
      ['BITOP', 'AND', 'dest', 'set', 'b'],
    ]);
  });

  it('hyperloglog: PFCOUNT storing its cache counts and signals without an event; PFDEBUG conversions count only', async () => {
    // Opcodes for the first 8000 registers only: a PFADD changes some registers before it meets the corruption.
    const corrupt = Buffer.concat([Buffer.from('HYLL\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00', 'latin1'), Buffer.from([0x5f, 0x3f])]);
    const elements = Array.from({ length: 40 }, (_, i) => 'e' + i);
    await steps([
      ['PFADD', 'h'],
      ['PFADD', 'h'],
      ['PFADD', 'h', 'a', 'b', 'c'],
      ['PFADD', 'h', 'a', 'b'],
      ['PFCOUNT', 'h'],
      ['PFCOUNT', 'h'],
      ['PFCOUNT', 'h', 'none'],
      ['PFCOUNT', 'none'],
      ['PFMERGE', 'm', 'h'],
      ['PFMERGE', 'm', 'h'],
      ['PFMERGE', 'm2'],
      ['PFDEBUG', 'ENCODING', 'h'],
      ['PFDEBUG', 'TODENSE', 'h'],
      ['PFDEBUG', 'TODENSE', 'h'],
      ['PFADD', 'g', 'x'],
      ['PFDEBUG', 'GETREG', 'g'],
      ['SET', 'bad', corrupt],
      ['PFADD', 'bad', ...elements],
      ['PFCOUNT', 'bad'],
      ['PFMERGE', 'm3', 'bad'],
      ['SET', 'str', 'x'],
      ['PFADD', 'str', 'a'],
    ]);
  });

  it('lists', async () => {
    await steps([
      ['LPUSH', 'l', 'a', 'b', 'c'],
      ['RPUSH', 'l', 'd'],
      ['LPUSHX', 'missing', 'a'],
      ['RPUSHX', 'l', 'e', 'f'],
      ['LPOP', 'l'],
      ['RPOP', 'l', '2'],
      ['LPOP', 'missing'],
      ['LPOP', 'l', '0'],
      ['LSET', 'l', '0', 'z'],
      ['LSET', 'l', '99', 'z'],
      ['LINSERT', 'l', 'BEFORE', 'z', 'y'],
      ['LINSERT', 'l', 'BEFORE', 'nope', 'y'],
      ['LINSERT', 'missing', 'BEFORE', 'z', 'y'],
      ['LREM', 'l', '0', 'nope'],
      ['LREM', 'l', '1', 'y'],
      ['LTRIM', 'l', '0', '-1'],
      ['LTRIM', 'missing', '0', '1'],
      ['RPUSH', 'l', 'a', 'b', 'c', 'd'],
      ['LTRIM', 'l', '1', '2'],
      ['LMOVE', 'l', 'l2', 'LEFT', 'RIGHT'],
      ['LMOVE', 'l2', 'l2', 'LEFT', 'RIGHT'],
      ['RPOPLPUSH', 'missing', 'l2'],
      ['RPOPLPUSH', 'l', 'l2'],
      ['LMOVE', 'l', 'l2', 'LEFT', 'LEFT'],
      ['LLEN', 'l2'],
      ['LMPOP', '2', 'missing', 'l2', 'LEFT', 'COUNT', '1'],
      ['LMPOP', '1', 'missing', 'RIGHT'],
      ['BLPOP', 'missing', 'l2', '1'],
      ['BRPOP', 'l2', '1'],
      ['RPUSH', 'l3', 'a', 'b'],
      ['LREM', 'l3', '0', 'a'],
      ['LREM', 'l3', '0', 'b'],
      ['RPUSH', 'l4', 'a', 'b'],
      ['LPOP', 'l4', '5'],
      ['RPUSH', 'l5', 'a', 'b'],
      ['LTRIM', 'l5', '5', '10'],
      ['RPUSH', 'l6', 'x'],
      ['BLMOVE', 'l6', 'l7', 'RIGHT', 'LEFT', '1'],
      ['SET', 'str', 'v'],
      ['RPUSH', 'l8', 'x'],
      ['LMOVE', 'l8', 'str', 'LEFT', 'LEFT'],
      ['LPUSH', 'str', 'a'],
    ]);
  });

  it('sets', async () => {
    await steps([
      ['SADD', 's', 'a', 'b', 'c', 'a'],
      ['SADD', 's', 'a'],
      ['SREM', 's', 'nope'],
      ['SREM', 'missing', 'a'],
      ['SREM', 's', 'a', 'nope'],
      ['SMOVE', 's', 's2', 'b'],
      ['SMOVE', 's', 's2', 'nope'],
      ['SMOVE', 'missing', 's2', 'b'],
      ['SADD', 's', 'b'],
      ['SMOVE', 's', 's2', 'b'],
      ['SMOVE', 's2', 's2', 'b'],
      ['SMOVE', 's', 's3', 'c'],
      ['SADD', 'p', '1', '2', '3'],
      { cmds: [['SPOP', 'p']], typeOnly: true },
      { cmds: [['SPOP', 'p', '1']], typeOnly: true },
      { cmds: [['SPOP', 'p', '5']], typeOnly: true },
      ['SPOP', 'missing'],
      ['SPOP', 'missing', '2'],
      ['SADD', 'p', '1', '2', '3', '4', '5', '6', '7', '8', '9', '10'],
      { cmds: [['SPOP', 'p', '0']], typeOnly: true },
      { cmds: [['SPOP', 'p', '3']], typeOnly: true },
      { cmds: [['SPOP', 'p', '6']], typeOnly: true },
      { cmds: [['SPOP', 'p', '1']], typeOnly: true },
      ['SADD', 'x', 'a', 'b', 'c'],
      ['SADD', 'y', 'b', 'c', 'd'],
      ['SINTERSTORE', 'i', 'x', 'y'],
      ['SINTERSTORE', 'i', 'x', 'missing'],
      ['SINTERSTORE', 'i', 'x', 'missing'],
      ['SUNIONSTORE', 'u', 'x', 'y'],
      ['SUNIONSTORE', 'u', 'missing', 'missing2'],
      ['SDIFFSTORE', 'df', 'x', 'y'],
      ['SDIFFSTORE', 'df', 'x', 'x'],
      ['SDIFFSTORE', 'df', 'x', 'x'],
      ['SINTERSTORE', 'x', 'x', 'y'],
      ['SET', 'str', 'v'],
      ['SADD', 'str', 'a'],
      ['SMOVE', 'x', 'str', 'b'],
      ['SADD', 'one', 'a'],
      ['SREM', 'one', 'a'],
      ['SADD', 'one', 'a'],
      ['SPOP', 'one'],
    ]);
  });

  it('sorted sets', async () => {
    await steps([
      ['ZADD', 'z', '1', 'a', '2', 'b', '3', 'c'],
      ['ZADD', 'z', '1', 'a'],
      ['ZADD', 'z', '5', 'a'],
      ['ZADD', 'z', 'NX', '6', 'a'],
      ['ZADD', 'z', 'XX', '1', 'nope'],
      ['ZADD', 'z', 'GT', 'CH', '1', 'a'],
      ['ZADD', 'z', 'INCR', '2', 'a'],
      ['ZADD', 'z', 'NX', 'INCR', '2', 'a'],
      ['ZADD', 'missing', 'XX', '1', 'a'],
      ['ZINCRBY', 'z', '1', 'b'],
      ['ZINCRBY', 'z2', '1', 'b'],
      ['ZREM', 'z', 'nope'],
      ['ZREM', 'z', 'a', 'nope'],
      ['ZREM', 'missing', 'a'],
      ['ZADD', 'z', '1', 'a', '4', 'd', '5', 'e'],
      ['ZREMRANGEBYSCORE', 'z', '100', '200'],
      ['ZREMRANGEBYSCORE', 'z', '1', '1'],
      ['ZREMRANGEBYRANK', 'z', '0', '0'],
      ['ZREMRANGEBYLEX', 'z', '[a', '[b'],
      ['ZREMRANGEBYRANK', 'missing', '0', '1'],
      ['ZPOPMIN', 'z'],
      ['ZPOPMAX', 'z', '2'],
      ['ZPOPMIN', 'missing'],
      ['ZADD', 'z', '1', 'a', '2', 'b'],
      ['ZPOPMAX', 'z', '5'],
      ['ZADD', 'z', '1', 'a', '2', 'b'],
      ['ZPOPMIN', 'z', '0'],
      ['ZMPOP', '2', 'missing', 'z', 'MIN', 'COUNT', '1'],
      ['BZPOPMAX', 'z', '1'],
      ['BZMPOP', '1', '1', 'z', 'MIN'],
      ['ZADD', 'x', '1', 'a', '2', 'b'],
      ['ZADD', 'y', '1', 'b', '2', 'c'],
      ['ZUNIONSTORE', 'u', '2', 'x', 'y'],
      ['ZINTERSTORE', 'i', '2', 'x', 'y'],
      ['ZINTERSTORE', 'i', '2', 'x', 'missing'],
      ['ZINTERSTORE', 'i', '2', 'x', 'missing'],
      ['ZDIFFSTORE', 'df', '2', 'x', 'y'],
      ['ZDIFFSTORE', 'df', '2', 'x', 'x'],
      ['ZUNIONSTORE', 'u2', '1', 'missing'],
      ['ZRANGESTORE', 'rs', 'x', '0', '-1'],
      ['ZRANGESTORE', 'rs', 'x', '5', '10'],
      ['ZRANGESTORE', 'rs', 'x', '5', '10'],
      ['ZREMRANGEBYSCORE', 'x', '-inf', '+inf'],
      ['SET', 'str', 'v'],
      ['ZADD', 'str', '1', 'a'],
      ['ZUNIONSTORE', 'str', '1', 'y'],
    ]);
  });

  it('geo', async () => {
    await steps([
      ['GEOADD', 'g', '13.361389', '38.115556', 'Palermo', '15.087269', '37.502669', 'Catania'],
      ['GEOADD', 'g', '13.361389', '38.115556', 'Palermo'],
      ['GEOADD', 'g', 'CH', '13', '38', 'Palermo', '14', '37', 'Messina'],
      ['GEOADD', 'g', 'XX', '1', '2', 'nope'],
      ['GEOADD', 'g', 'NX', '1', '2', 'Palermo'],
      ['GEOADD', 'g', '200', '2', 'bad'],
      ['GEOADD', 'missing', 'XX', '1', '2', 'm'],
      ['GEOSEARCH', 'g', 'FROMMEMBER', 'Palermo', 'BYRADIUS', '300', 'km'],
      ['GEORADIUS', 'g', '15', '37', '300', 'km'],
      ['GEOSEARCHSTORE', 'dst', 'g', 'FROMMEMBER', 'Palermo', 'BYRADIUS', '300', 'km'],
      ['GEOSEARCHSTORE', 'dst', 'g', 'FROMMEMBER', 'Palermo', 'BYRADIUS', '300', 'km', 'STOREDIST', 'COUNT', '1'],
      ['GEORADIUS', 'g', '15', '37', '300', 'km', 'STORE', 'dst2'],
      ['GEORADIUSBYMEMBER', 'g', 'Catania', '300', 'km', 'STOREDIST', 'dst2'],
      ['GEOSEARCHSTORE', 'dst', 'g', 'FROMLONLAT', '0', '0', 'BYRADIUS', '1', 'km'],
      ['GEOSEARCHSTORE', 'dst', 'g', 'FROMLONLAT', '0', '0', 'BYRADIUS', '1', 'km'],
      ['GEORADIUS', 'missing', '0', '0', '1', 'km', 'STORE', 'dst2'],
      ['GEORADIUS', 'missing', '0', '0', '1', 'km', 'STORE', 'dst2'],
      ['GEOSEARCHSTORE', 'dst', 'g', 'FROMLONLAT', '0', '0', 'BYRADIUS', '1', 'km', 'WITHDIST'],
    ]);
  });

  it('hashes', async () => {
    await steps([
      ['HSET', 'h', 'a', '1', 'b', '2'],
      ['HSET', 'h', 'a', '1'],
      ['HSET', 'h', 'a', '3', 'c', '4'],
      ['HSETNX', 'h', 'a', '9'],
      ['HSETNX', 'h', 'z', '9'],
      ['HMSET', 'h', 'x', '1', 'y', '2'],
      ['HDEL', 'h', 'nope'],
      ['HDEL', 'h', 'a', 'b', 'nope'],
      ['HDEL', 'missing', 'a'],
      ['HINCRBY', 'h', 'n', '5'],
      ['HINCRBY', 'h', 'x', '1'],
      ['HINCRBYFLOAT', 'h', 'f', '1.5'],
      ['HINCRBY', 'h', 'f', '1'],
      ['HINCRBY', 'new', 'n', '1'],
      ['HSET', 'one', 'f', 'v'],
      ['HDEL', 'one', 'f'],
      ['SET', 'str', 'v'],
      ['HSET', 'str', 'f', 'v'],
    ]);
  });

  it('streams', async () => {
    await steps([
      ['XADD', 'x', '1-1', 'f', 'v'],
      ['XADD', 'x', '1-*', 'f', 'v'],
      ['XADD', 'x', '1-1', 'f', 'v'],
      ['XADD', 'x', '0-0', 'f', 'v'],
      ['XADD', 'missing', 'NOMKSTREAM', '1-1', 'f', 'v'],
      ['XADD', 'x', 'MAXLEN', '1', '5-1', 'f', 'v'],
      ['XADD', 'x', 'MAXLEN', '10', '6-1', 'f', 'v'],
      ['XADD', 'x', 'MINID', '6', '7-1', 'f', 'v'],
      ['XADD', 'x', 'MAXLEN', '~', '0', '8-1', 'f', 'v'],
      ['XADD', 'x', '9-1', 'f', 'v'],
      ['XDEL', 'x', '9-1', '7-1', '100-1'],
      ['XDEL', 'x', '100-1'],
      ['XDEL', 'missing', '1-1'],
      ['XTRIM', 'x', 'MAXLEN', '100'],
      ['XTRIM', 'x', 'MAXLEN', '0'],
      ['XTRIM', 'missing', 'MAXLEN', '0'],
      ['XSETID', 'x', '100-1'],
      ['XSETID', 'x', '1-1'],
      ['XSETID', 'missing', '1-1'],
      ['XLEN', 'x'],
      ['XRANGE', 'x', '-', '+'],
      ['XREAD', 'STREAMS', 'x', '0'],
      ['SET', 'str', 'v'],
      ['XADD', 'str', '1-1', 'f', 'v'],
      ['DEL', 'x'],
      ['XADD', 'y', '1-1', 'f', 'v'],
      ['COPY', 'y', 'z'],
      ['RENAME', 'z', 'w'],
      ['EXPIRE', 'w', '100'],
    ]);
  });

  it('keys: DEL, EXPIRE, RENAME, MOVE, COPY, SORT STORE, databases', async () => {
    await steps([
      ['MSET', 'a', '1', 'b', '2', 'c', '3'],
      ['DEL', 'a', 'b', 'missing', 'a'],
      ['DEL', 'missing'],
      ['UNLINK', 'c', 'missing'],
      ['SET', 'k', 'v'],
      ['EXPIRE', 'k', '100'],
      ['EXPIRE', 'k', '100', 'NX'],
      ['EXPIRE', 'k', '200', 'XX'],
      ['EXPIRE', 'k', '50', 'GT'],
      ['PEXPIRE', 'k', '100000'],
      ['EXPIREAT', 'k', '99999999999'],
      ['PEXPIREAT', 'k', '99999999999999'],
      ['EXPIRE', 'missing', '100'],
      ['PERSIST', 'k'],
      ['PERSIST', 'k'],
      ['PERSIST', 'missing'],
      ['EXPIRE', 'k', '-1'],
      ['SET', 'k', 'v'],
      ['PEXPIREAT', 'k', '1'],
      ['SET', 'k', 'v'],
      ['EXPIREAT', 'k', '0'],
      ['EXPIRE', 'k', 'notanumber'],
      ['SET', 'k', 'v'],
      ['RENAME', 'k', 'k2'],
      ['RENAME', 'missing', 'k2'],
      ['SET', 'k3', 'v'],
      ['RENAME', 'k2', 'k3'],
      ['RENAME', 'k3', 'k3'],
      ['SET', 'k4', 'v'],
      ['RENAMENX', 'k3', 'k4'],
      ['RENAMENX', 'k3', 'k5'],
      { cmds: [['MOVE', 'k5', '1']], watch: [[1, 'k5']] },
      { cmds: [['MOVE', 'k5', '1']], watch: [[1, 'k5']] },
      { cmds: [['MOVE', 'k4', '1']], watch: [[1, 'k4']] },
      { cmds: [['SELECT', '1'], ['SET', 'k4', 'other'], ['SELECT', '0'], ['SET', 'k4', 'v']], watch: [[1, 'k4']] },
      { cmds: [['MOVE', 'k4', '1']], watch: [[1, 'k4']] },
      ['COPY', 'k4', 'c1'],
      ['COPY', 'k4', 'c1'],
      ['COPY', 'k4', 'c1', 'REPLACE'],
      ['COPY', 'missing', 'c1', 'REPLACE'],
      { cmds: [['COPY', 'k4', 'k4', 'DB', '2']], watch: [[2, 'k4']] },
      { cmds: [['COPY', 'k4', 'k4', 'DB', '2']], watch: [[2, 'k4']] },
      { cmds: [['COPY', 'k4', 'k4', 'DB', '2', 'REPLACE']], watch: [[2, 'k4']] },
      ['RPUSH', 'src', '3', '1', '2'],
      ['SORT', 'src', 'STORE', 'dst'],
      ['SORT', 'src', 'BY', 'nosort', 'STORE', 'dst'],
      ['SORT', 'missing', 'STORE', 'dst'],
      ['SORT', 'missing', 'STORE', 'dst'],
      ['SORT', 'missing', 'STORE', 'src'],
      ['SET', 'str', 'x'],
      ['SORT', 'str', 'STORE', 'dst'],
      ['TOUCH', 'str', 'missing'],
      { cmds: [['SWAPDB', '0', '1']], watch: [[1, 'k5'], [1, 'str'], [1, 'nothing']] },
      { cmds: [['SWAPDB', '0', '1']], watch: [[0, 'k5'], [1, 'str']] },
      { cmds: [['SWAPDB', '2', '2']], watch: [[2, 'k4']] },
      { cmds: [['FLUSHDB']], watch: [[0, 'str'], [1, 'k4']] },
      ['FLUSHDB'],
      { cmds: [['SET', 'a', '1'], ['FLUSHALL']], watch: [[0, 'a'], [2, 'k4'], [3, 'nothing']] },
      ['FLUSHALL'],
    ]);
  });

  it('MULTI/EXEC and scripts', async () => {
    await steps([
      { cmds: [['MULTI'], ['SET', 'a', '1'], ['INCR', 'a'], ['DEL', 'a', 'missing'], ['LPUSH', 'l', 'x'], ['EXEC']], watch: [[0, 'a'], [0, 'l'], [0, 'missing']] },
      { cmds: [['MULTI'], ['SET', 'a', 'x'], ['INCR', 'a'], ['SADD', 'a', 'x'], ['EXEC']], watch: [[0, 'a']] },
      ['EVAL', "redis.call('SET', KEYS[1], 'v'); redis.call('SADD', KEYS[2], 'm'); return redis.call('DEL', KEYS[1], KEYS[3])", '3', 'e1', 'e2', 'e3'],
      ['EVAL', "return redis.pcall('LPUSH', KEYS[1], 'x')", '1', 'e2'],
      ['EVAL', "redis.call('SREM', KEYS[1], 'm'); return redis.call('SREM', KEYS[1], 'm')", '1', 'e2'],
    ]);
  });

  it('expired keys: lazily on access, on a write, and in MULTI', async () => {
    await steps([
      ['SET', 'x1', 'v', 'PX', '20'],
      ['SET', 'x2', 'v', 'PX', '20'],
      ['SET', 'x3', 'v', 'PX', '20'],
      ['SET', 'x4', 'v', 'PX', '20'],
      ['SADD', 'x5', 'a'],
      ['PEXPIRE', 'x5', '20'],
    ]);
    await sleep(60);
    for (const s of [
      ['GET', 'x1'],
      ['SET', 'x2', 'again'],
      ['DEL', 'x3'],
      ['SADD', 'x5', 'b'],
      { cmds: [['MULTI'], ['EXISTS', 'x4'], ['EXEC']], watch: [[0, 'x4']] },
    ] as StepSpec[]) {
      await step(s);
    }
  });

  it('a blocked client served by a push', async () => {
    await listen();
    await d.run([['PING']], { conn: 9 });
    await d.send(['BLPOP', 'q', '5'], 9);
    await sleep(50);
    await step({ cmds: [['RPUSH', 'q', 'a']] });
    await d.expectReply(9, 'BLPOP served');
    await d.send(['BLMOVE', 'q2', 'q3', 'LEFT', 'RIGHT', '5'], 9);
    await sleep(50);
    await step({ cmds: [['RPUSH', 'q2', 'a', 'b']], watch: [[0, 'q3']] });
    await d.expectReply(9, 'BLMOVE served');
    await d.send(['BZPOPMIN', 'zq', '5'], 9);
    await sleep(50);
    await step({ cmds: [['ZADD', 'zq', '1', 'a']] });
    await d.expectReply(9, 'BZPOPMIN served');
    await d.send(['BLMPOP', '5', '2', 'q4', 'q5', 'RIGHT', 'COUNT', '2'], 9);
    await sleep(50);
    await step({ cmds: [['RPUSH', 'q5', 'a', 'b', 'c']] });
    await d.expectReply(9, 'BLMPOP served');
    await d.send(['BZMPOP', '5', '1', 'zq2', 'MAX', 'COUNT', '5'], 9);
    await sleep(50);
    await step({ cmds: [['ZADD', 'zq2', '1', 'a', '2', 'b']] });
    await d.expectReply(9, 'BZMPOP served');
    await d.send(['BRPOPLPUSH', 'q6', 'q7', '5'], 9);
    await sleep(50);
    await step({ cmds: [['MULTI'], ['RPUSH', 'q6', 'a'], ['RPUSH', 'q6', 'b'], ['EXEC']], watch: [[0, 'q7']] });
    await d.expectReply(9, 'BRPOPLPUSH served');
  });

  it('evicted keys', async () => {
    await listen();
    await step(['SET', 'victim', 'v']);
    // a client caching the key hears of its eviction
    await d.run([['HELLO', '3']], { conn: 8, typeOnly: true });
    await d.run([['CLIENT', 'TRACKING', 'ON'], ['GET', 'victim']], { conn: 8 });
    // Redis evicts before any command; Sinew before a command that may use memory.
    await step({
      cmds: [['CONFIG', 'SET', 'maxmemory-policy', 'allkeys-lru'], ['CONFIG', 'SET', 'maxmemory', '1'], ['SET', 'other', 'v'], ['CONFIG', 'SET', 'maxmemory', '0']],
      watch: [[0, 'victim']],
    });
    await d.run([['CONFIG', 'SET', 'maxmemory-policy', 'noeviction']]);
    await d.expectReply(8, 'invalidation of the evicted key');
  });
  it('stream consumer groups: xgroup-* events count in dirty without touching WATCH; XACK, XCLAIM and XREADGROUP count only', async () => {
    await steps([
      ['XGROUP', 'CREATE', 'gs', 'g', '$', 'MKSTREAM'],
      ['XGROUP', 'CREATE', 'gs', 'g', '$', 'MKSTREAM'],
      ['XGROUP', 'CREATE', 'nokey', 'g', '$'],
      ['XADD', 'gs', '1-0', 'a', '1'],
      ['XADD', 'gs', '2-0', 'a', '2'],
      ['XGROUP', 'CREATE', 'gs', 'h', '0', 'ENTRIESREAD', '0'],
      ['XGROUP', 'CREATECONSUMER', 'gs', 'g', 'c1'],
      ['XGROUP', 'CREATECONSUMER', 'gs', 'g', 'c1'],
      ['XGROUP', 'SETID', 'gs', 'g', '0'],
      ['XREADGROUP', 'GROUP', 'g', 'c1', 'STREAMS', 'gs', '>'],
      ['XREADGROUP', 'GROUP', 'g', 'c2', 'STREAMS', 'gs', '0'],
      ['XREADGROUP', 'GROUP', 'g', 'c1', 'STREAMS', 'gs', '>'],
      ['XREADGROUP', 'GROUP', 'h', 'c3', 'NOACK', 'STREAMS', 'gs', '>'],
      ['XACK', 'gs', 'g', '1-0', '5-0'],
      ['XACK', 'gs', 'g', '1-0'],
      ['XCLAIM', 'gs', 'g', 'c4', '0', '2-0'],
      ['XCLAIM', 'gs', 'g', 'c4', '0', '9-0', 'LASTID', '5-0'],
      ['XCLAIM', 'gs', 'g', 'c4', '0', '9-0'],
      ['XAUTOCLAIM', 'gs', 'g', 'c5', '0', '0'],
      ['XAUTOCLAIM', 'gs', 'g', 'c5', '100000', '0'],
      ['XPENDING', 'gs', 'g'],
      ['XINFO', 'GROUPS', 'gs'],
      ['XGROUP', 'DELCONSUMER', 'gs', 'g', 'c5'],
      ['XGROUP', 'DELCONSUMER', 'gs', 'g', 'c5'],
      ['XGROUP', 'DESTROY', 'gs', 'g'],
      ['XGROUP', 'DESTROY', 'gs', 'g'],
    ]);
  });
});
