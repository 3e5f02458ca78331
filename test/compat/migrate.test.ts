/**
 * MIGRATE against redis-server 7.0: the same MIGRATE runs on Sinew and on
 * Redis (the sources), each moving its keys to a third server (a Sinew or a
 * redis-server target, flushed before each side runs); the replies are
 * compared byte for byte, and so are the keys the target holds afterwards
 * (their DUMP and TTL) and what is left at the source. A redis-server
 * source migrating into a Sinew target exercises Sinew's RESTORE and AUTH.
 * Sinew-only parts: other clients are served while a MIGRATE waits, a
 * client going away mid-MIGRATE, MULTI and scripts, propagation as DEL.
 */
import { it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { describeCompat, useDiffer, type Cmd } from '../helpers/differ.js';
import { RawClient, drain } from '../helpers/raw-client.js';
import { sinew, redisOracle, freePort, type OracleServer } from '../helpers/servers.js';
import type { RunningServer } from '../../src/index.js';
import { migrateCachedLinks } from '../../src/commands/migrate.js';

const H = '127.0.0.1';
const PASS = 'sekret';

/** Values of every type and encoding, one with a TTL. */
const DATA: Cmd[] = [
  ['SET', 'str', 'hello'],
  ['SET', 'int', '12345'],
  ['SET', 'big', 'x'.repeat(100_000)],
  ['RPUSH', 'list', 'a', 'b', 'c'],
  ['RPUSH', 'biglist', ...Array.from({ length: 300 }, (_, i) => `e${i}`)],
  ['SADD', 'set', 'x', 'y'],
  ['SADD', 'iset', '1', '2', '3'],
  ['HSET', 'hash', 'f', 'v', 'g', 'w'],
  ['HSET', 'bighash', ...Array.from({ length: 600 }, (_, i) => [`f${i}`, `v${i}`]).flat()],
  ['ZADD', 'zset', '1', 'a', '2.5', 'b'],
  ['ZADD', 'bigzset', ...Array.from({ length: 200 }, (_, i) => [String(i), `m${i}`]).flat()],
  ['XADD', 'stream', '1-1', 'f', 'v'],
  ['XADD', 'stream', '2-1', 'g', 'w'],
  ['XGROUP', 'CREATE', 'stream', 'grp', '0'],
  ['SET', 'ttl', 'v', 'PX', '100000'],
];
/** Values encoded as hash tables (their DUMP follows a per-server order): read with this command instead. */
const UNORDERED = new Map([['bighash', 'HGETALL'], ['set', 'SMEMBERS']]);
const KEYS = ['str', 'int', 'big', 'list', 'biglist', 'set', 'iset', 'hash', 'bighash', 'zset', 'bigzset', 'stream', 'ttl'];

interface Target {
  port: number;
  client: RawClient;
  close(): Promise<void>;
}

describeCompat('MIGRATE', () => {
  const d = useDiffer({ reset: false });
  let src: [RawClient, RawClient];
  const targets: Record<string, Target> = {};
  const extra: (RunningServer | OracleServer)[] = [];

  async function target(server: RunningServer | OracleServer, auth: boolean): Promise<Target> {
    extra.push(server);
    const client = await RawClient.connect(server.port);
    if (auth) assert.equal(await client.raw('AUTH', PASS), '+OK\r\n');
    return { port: server.port, client, close: async () => client.close() };
  }

  before(async () => {
    src = await d.pair(0);
    targets.sinew = await target(await sinew(), false);
    targets.redis = await target(await redisOracle(), false);
    targets.sinewAuth = await target(await sinew({ requirepass: PASS }), true);
    targets.redisAuth = await target(await redisOracle({ requirepass: PASS }), true);
  });
  after(async () => {
    for (const t of Object.values(targets)) await t.close();
    await Promise.all(extra.map((s) => s.close()));
  });

  /** DUMP and PTTL (rounded to 10 s) of keys on a client, in a db. */
  async function state(c: RawClient, keys: string[], db = 0): Promise<string[]> {
    await c.raw('SELECT', String(db));
    const out: string[] = [];
    for (const k of keys) {
      const ttl = Number(/:(-?\d+)/.exec(await c.raw('PTTL', k))![1]);
      // a hash table's DUMP follows its (per-server) iteration order: compared by content
      const read = UNORDERED.get(k);
      const v = read !== undefined ? `${await c.raw('TYPE', k)} ${JSON.stringify(((await c.call(read, k)) as string[]).map(String).sort())}` : await c.raw('DUMP', k);
      out.push(`${k} ${v} ${ttl < 0 ? ttl : Math.round(ttl / 10000)}`);
    }
    await c.raw('SELECT', '0');
    return out;
  }

  /**
   * Runs `setup` then `cmd` on each source in turn (Sinew, then Redis), the
   * target flushed before each; asserts equal replies, equal target state
   * and equal source state. Returns Sinew's reply.
   */
  async function compare(t: Target, setup: Cmd[], cmd: Cmd, opts: { keys?: string[]; db?: number; targetSetup?: Cmd[] } = {}): Promise<string> {
    const keys = opts.keys ?? KEYS;
    const results: { reply: string; target: string[]; source: string[] }[] = [];
    for (const s of src) {
      await s.raw('FLUSHALL');
      await t.client.raw('FLUSHALL');
      for (const c of opts.targetSetup ?? []) await t.client.raw(...c);
      for (const c of setup) await s.raw(...c);
      const reply = await s.raw(...cmd);
      results.push({ reply, target: await state(t.client, keys, opts.db ?? 0), source: await state(s, keys) });
    }
    const label = cmd.join(' ');
    assert.equal(results[0].reply, results[1].reply, `reply of ${label}`);
    assert.deepEqual(results[0].target, results[1].target, `target after ${label}`);
    assert.deepEqual(results[0].source, results[1].source, `source after ${label}`);
    return results[0].reply;
  }

  it('errors for bad arguments, byte for byte', async () => {
    const p = String(targets.sinew.port);
    await d.run([['SET', 'k', 'v']]);
    await d.run([
      ['MIGRATE', H, p, 'k', '0'],
      ['MIGRATE', H, p, 'k', '0', '1000', 'BOGUS'],
      ['MIGRATE', H, p, 'k', '0', '1000', 'COPY', 'AUTH'],
      ['MIGRATE', H, p, 'k', '0', '1000', 'AUTH2', 'user'],
      ['MIGRATE', H, p, 'k', '0', '1000', 'KEYS', 'k'],
      ['MIGRATE', H, p, 'k', '0', '1000', 'KEYS'],
      ['MIGRATE', H, p, 'k', '0', 'abc'],
      ['MIGRATE', H, p, 'k', 'abc', '1000'],
      ['MIGRATE', H, p, 'k', 'abc', 'def'],
      ['MIGRATE', H, p, 'k', '0', '99999999999999999999'],
      ['MIGRATE', H, p, 'k', '0', '1000', 'REPLACE', 'BOGUS', 'KEYS', 'k'],
      ['MIGRATE', H, p, 'missing', '0', '1000'],
      ['MIGRATE', H, p, '', '0', '1000', 'KEYS', 'no1', 'no2'],
      ['MIGRATE', H, p, '', '0', '1000', 'KEYS'],
      ['MIGRATE', H, p, '', '0', '1000'],
    ]);
    await d.run([['EXISTS', 'k']]);
  });

  for (const [from, to] of [
    ['Sinew and Redis', 'sinew'],
    ['Sinew and Redis', 'redis'],
  ] as const) {
    it(`every type with its TTL, ${from} into a ${to} target`, async () => {
      const t = targets[to];
      assert.equal(await compare(t, DATA, ['MIGRATE', H, String(t.port), '', '0', '5000', 'KEYS', ...KEYS]), '+OK\r\n');
      // the target holds exactly the payloads the source's DUMP gives
      const s = src[0];
      await s.raw('FLUSHALL');
      for (const c of DATA) await s.raw(...c);
      const before = await state(s, KEYS);
      await t.client.raw('FLUSHALL');
      assert.equal(await s.raw('MIGRATE', H, String(t.port), '', '0', '5000', 'KEYS', ...KEYS), '+OK\r\n');
      assert.deepEqual(await state(t.client, KEYS), before);
      assert.equal(await s.raw('DBSIZE'), ':0\r\n');
    });

    it(`single key, COPY, REPLACE, BUSYKEY, into a ${to} target`, async () => {
      const t = targets[to];
      const p = String(t.port);
      const set: Cmd[] = [['RPUSH', 'list', 'a', 'b']];
      await compare(t, set, ['MIGRATE', H, p, 'list', '0', '1000'], { keys: ['list'] });
      await compare(t, set, ['MIGRATE', H, p, 'list', '0', '1000', 'COPY'], { keys: ['list'] });
      const busy = await compare(t, set, ['MIGRATE', H, p, 'list', '0', '1000'], { keys: ['list'], targetSetup: [['SET', 'list', 'old']] });
      assert.equal(busy, '-ERR Target instance replied with error: BUSYKEY Target key name already exists.\r\n');
      await compare(t, set, ['MIGRATE', H, p, 'list', '0', '1000', 'REPLACE'], { keys: ['list'], targetSetup: [['SET', 'list', 'old']] });
      await compare(t, set, ['MIGRATE', H, p, 'list', '0', '1000', 'COPY', 'REPLACE'], { keys: ['list'], targetSetup: [['SET', 'list', 'old']] });
    });

    it(`KEYS with some missing and some busy, into a ${to} target`, async () => {
      const t = targets[to];
      const p = String(t.port);
      const setup: Cmd[] = [['SET', 'a', '1'], ['SET', 'b', '2'], ['SET', 'c', '3']];
      const keys = ['a', 'b', 'c', 'nope'];
      assert.equal(await compare(t, setup, ['MIGRATE', H, p, '', '0', '1000', 'KEYS', 'a', 'nope', 'c'], { keys }), '+OK\r\n');
      // b busy at the target: a and c move, b stays, the reply is b's error
      const r = await compare(t, setup, ['MIGRATE', H, p, '', '0', '1000', 'KEYS', 'a', 'b', 'c'], { keys, targetSetup: [['SET', 'b', 'x']] });
      assert.match(r, /BUSYKEY/);
      await compare(t, setup, ['MIGRATE', H, p, '', '0', '1000', 'KEYS', 'nope', 'nope2'], { keys });
    });

    it(`destination db and an invalid db, into a ${to} target`, async () => {
      const t = targets[to];
      const p = String(t.port);
      await compare(t, [['SET', 'k', 'v'], ['SELECT', '0']], ['MIGRATE', H, p, 'k', '3', '1000'], { keys: ['k'], db: 3 });
      const bad = await compare(t, [['SET', 'k', 'v']], ['MIGRATE', H, p, 'k', '99', '1000'], { keys: ['k'] });
      assert.equal(bad, '-ERR Target instance replied with error: ERR DB index is out of range\r\n');
      // the cached connection knows its db: the next MIGRATE to db 3 works again
      await compare(t, [['SET', 'k', 'v']], ['MIGRATE', H, p, 'k', '3', '1000'], { keys: ['k'], db: 3 });
    });

    it(`AUTH, AUTH2 and a wrong password, into a ${to} target with requirepass`, async () => {
      const t = targets[to === 'sinew' ? 'sinewAuth' : 'redisAuth'];
      const p = String(t.port);
      const set: Cmd[] = [['SET', 'k', 'v']];
      const opts = { keys: ['k'] };
      // no password first (a new connection: NOAUTH)
      const noauth = await compare(t, set, ['MIGRATE', H, p, 'k', '0', '1000'], opts);
      assert.match(noauth, /^-ERR Target instance replied with error: NOAUTH/);
      assert.equal(await compare(t, set, ['MIGRATE', H, p, 'k', '0', '1000', 'AUTH', PASS], opts), '+OK\r\n');
      assert.equal(await compare(t, set, ['MIGRATE', H, p, 'k', '0', '1000', 'AUTH2', 'default', PASS], opts), '+OK\r\n');
      const wrong = await compare(t, set, ['MIGRATE', H, p, 'k', '0', '1000', 'AUTH', 'nope'], opts);
      assert.equal(wrong, '-ERR Target instance replied with error: WRONGPASS invalid username-password pair or user is disabled.\r\n');
      const wrong2 = await compare(t, set, ['MIGRATE', H, p, 'k', '0', '1000', 'AUTH2', 'default', 'nope'], opts);
      assert.equal(wrong2, wrong);
    });
  }

  it('sends the target what Redis sends (MONITOR), and counts in commandstats as Redis', async () => {
    const t = targets.redisAuth;
    const seen: string[][] = [];
    for (const s of src) {
      const mon = await RawClient.connect(t.port);
      await mon.raw('AUTH', PASS);
      assert.equal(await mon.raw('MONITOR'), '+OK\r\n');
      await s.raw('FLUSHALL');
      await s.raw('CONFIG', 'RESETSTAT');
      await s.raw('SET', 'k', 'v');
      await s.raw('RPUSH', 'l', 'x');
      await t.client.raw('FLUSHALL');
      const p = String(t.port);
      assert.equal(await s.raw('MIGRATE', H, p, '', '5', '1000', 'REPLACE', 'AUTH2', 'default', PASS, 'KEYS', 'k', 'l'), '+OK\r\n');
      assert.match(await s.raw('MIGRATE', H, p, 'nokey', '5', '1000'), /NOKEY/);
      await s.raw('SET', 'k', 'v');
      assert.match(await s.raw('MIGRATE', H, p, 'k', '5', '1000', 'AUTH', 'bad'), /WRONGPASS/);
      const lines: string[] = [];
      for (const m of await drain(mon, 200)) {
        const cmd = m.slice(m.indexOf('] ') + 2).trimEnd();
        if (cmd.startsWith('"FLUSHALL"')) continue;
        lines.push(cmd.startsWith('"RESTORE"') ? cmd.split(' ').slice(0, 3).join(' ') : cmd);
      }
      mon.close();
      const stats = await s.raw('INFO', 'commandstats');
      lines.push(/cmdstat_migrate:calls=(\d+).*rejected_calls=(\d+),failed_calls=(\d+)/.exec(stats)!.slice(1).join(','));
      seen.push(lines);
    }
    assert.deepEqual(seen[0], seen[1]);
    assert.deepEqual(seen[0].slice(0, 4), ['"AUTH" "(redacted)" "(redacted)"', '"SELECT" "5"', '"RESTORE" "k" "0"', '"RESTORE" "l" "0"']);
    assert.equal(seen[0].at(-1), '3,0,1');
    assert.equal(seen[0].length, 7, seen[0].join('\n'));
  });

  it('AUTH and AUTH2 secrets are redacted in the slowlog, as Redis', async () => {
    const t = targets.sinewAuth;
    const seen: unknown[] = [];
    for (const s of src) {
      await s.raw('FLUSHALL');
      await s.raw('SET', 'k', 'v');
      await s.raw('CONFIG', 'SET', 'slowlog-log-slower-than', '0');
      await s.raw('SLOWLOG', 'RESET');
      await s.raw('MIGRATE', H, String(t.port), 'k', '0', '1000', 'COPY', 'AUTH', PASS);
      await s.raw('MIGRATE', H, String(t.port), 'k', '0', '1000', 'COPY', 'AUTH2', 'default', PASS, 'KEYS');
      const log = (await s.call('SLOWLOG', 'GET', '3')) as unknown[][];
      await s.raw('CONFIG', 'SET', 'slowlog-log-slower-than', '10000');
      seen.push(log.map((e) => e[3]));
    }
    assert.deepEqual(seen[0], seen[1]);
    assert.equal(JSON.stringify(seen[0]).includes(PASS), false);
  });

  it('an unreachable target: IOERR as Redis words it', async () => {
    const port = await freePort();
    await d.run([['SET', 'k', 'v']]);
    // Redis's connect only waits for the socket to be writable: a refused connection fails when written to
    const [r] = await d.run([['MIGRATE', H, String(port), 'k', '0', '500']]);
    assert.equal(r, '-IOERR error or timeout writing to target instance\r\n');
    const [r2] = await d.run([['MIGRATE', 'no-such-host.invalid', String(port), 'k', '0', '500']]);
    assert.equal(r2, '-IOERR error or timeout connecting to the client\r\n');
    await d.run([['MIGRATE', H, 'notaport', 'k', '0', '500'], ['EXISTS', 'k']]);
  });

  it('a target that never answers: IOERR after the timeout, other clients served meanwhile', async () => {
    const sockets: net.Socket[] = [];
    const silent = net.createServer((s) => {
      sockets.push(s);
      s.on('error', () => {});
    });
    await new Promise<void>((r) => silent.listen(0, H, r));
    const port = String((silent.address() as net.AddressInfo).port);
    try {
      await d.run([['SET', 'k', 'v']]);
      const [s] = await d.pair(0);
      const [other] = await d.pair(1);
      const cached = migrateCachedLinks(d.sinew.server);
      const t0 = Date.now();
      s.send('MIGRATE', H, port, 'k', '0', '400');
      s.send('GET', 'k'); // pipelined: runs only once MIGRATE replied
      await new Promise((r) => setTimeout(r, 50));
      const p0 = Date.now();
      assert.equal(await other.raw('PING'), '+PONG\r\n');
      assert.ok(Date.now() - p0 < 100, 'PING answered at once while MIGRATE waits');
      const list = await other.raw('CLIENT', 'LIST');
      assert.match(list, /flags=b .*cmd=migrate/);
      assert.equal(await s.nextRaw(2000), '-IOERR error or timeout reading to target instance\r\n');
      assert.ok(Date.now() - t0 >= 390, 'replied after its timeout');
      assert.equal(await s.nextRaw(), '$1\r\nv\r\n');
      // Redis gives the same reply (blocking the whole server meanwhile)
      const [, theirs] = await d.pair(0);
      assert.equal(await theirs.raw('MIGRATE', H, port, 'k', '0', '400'), '-IOERR error or timeout reading to target instance\r\n');
      // a timed-out connection is not kept
      assert.equal(migrateCachedLinks(d.sinew.server), cached);
    } finally {
      for (const s of sockets) s.destroy();
      silent.close();
    }
  });

  it('a client that goes away mid-MIGRATE crashes nothing; the keys the target took are deleted', async () => {
    const sockets: net.Socket[] = [];
    // A target that answers each command line after 200 ms.
    const slow = net.createServer((s) => {
      sockets.push(s);
      s.on('error', () => {});
      // one +OK per command in what arrives (the test's values hold no "\r\n*")
      s.on('data', (chunk: Buffer) => {
        const n = chunk.toString('latin1').split(/\r\n\*|^\*/).length - 1;
        setTimeout(() => s.destroyed || s.write('+OK\r\n'.repeat(n)), 200);
      });
    });
    await new Promise<void>((r) => slow.listen(0, H, r));
    const port = String((slow.address() as net.AddressInfo).port);
    try {
      const c = await RawClient.connect(d.sinew.port);
      await c.raw('SET', 'gone', 'v');
      await c.raw('SET', 'kept', 'v');
      c.send('MIGRATE', H, port, 'gone', '0', '2000');
      await new Promise((r) => setTimeout(r, 50));
      c.close();
      await new Promise((r) => setTimeout(r, 400));
      const [other] = await d.pair(1);
      assert.equal(await other.raw('PING'), '+PONG\r\n');
      assert.equal(await other.raw('EXISTS', 'gone'), ':0\r\n');
      // a key changed while the target answers is left alone
      const c2 = await RawClient.connect(d.sinew.port);
      c2.send('MIGRATE', H, port, 'kept', '0', '2000');
      await new Promise((r) => setTimeout(r, 50));
      assert.equal(await other.raw('SET', 'kept', 'new'), '+OK\r\n');
      assert.equal(await c2.nextRaw(2000), '+OK\r\n');
      assert.equal(await other.raw('GET', 'kept'), '$3\r\nnew\r\n');
      c2.close();
    } finally {
      for (const s of sockets) s.destroy();
      slow.close();
    }
  });

  it('propagates as DEL of the moved keys; the connection is cached', async () => {
    const t = targets.sinew;
    const [s] = await d.pair(0);
    await s.raw('FLUSHALL');
    await t.client.raw('FLUSHALL');
    const seen: string[][] = [];
    const stop = d.sinew.server.effects.subscribe((argv) => void seen.push(argv));
    try {
      await s.raw('SET', 'a', '1');
      await s.raw('SET', 'b', '2');
      await s.raw('SET', 'c', '3');
      await t.client.raw('SET', 'b', 'busy');
      seen.length = 0;
      await s.raw('MIGRATE', H, String(t.port), '', '0', '1000', 'KEYS', 'a', 'b', 'nope', 'c');
      assert.deepEqual(seen.filter((a) => a[0] !== 'SELECT'), [['DEL', 'a', 'c']]);
      seen.length = 0;
      await s.raw('MIGRATE', H, String(t.port), 'b', '0', '1000', 'COPY', 'REPLACE');
      assert.deepEqual(seen, [], 'COPY propagates nothing');
    } finally {
      stop();
    }
    assert.ok(migrateCachedLinks(d.sinew.server) >= 1, 'a connection is cached');
    assert.equal(/migrate_cached_sockets:(\d+)/.exec(await s.raw('INFO', 'stats'))![1], String(migrateCachedLinks(d.sinew.server)));
    const clients0 = await t.client.raw('INFO', 'clients');
    await s.raw('SET', 'z', '1');
    await s.raw('MIGRATE', H, String(t.port), 'z', '0', '1000');
    assert.equal(/connected_clients:(\d+)/.exec(await t.client.raw('INFO', 'clients'))![1], /connected_clients:(\d+)/.exec(clients0)![1], 'the cached connection is reused');
  });

  it('inside MULTI and scripts MIGRATE is refused (it cannot wait there)', async () => {
    const [s] = await d.pair(0);
    await s.raw('SET', 'k', 'v');
    const p = String(targets.sinew.port);
    await s.raw('MULTI');
    await s.raw('MIGRATE', H, p, 'k', '0', '1000');
    const exec = await s.raw('EXEC');
    assert.match(exec, /^\*1\r\n-ERR MIGRATE cannot run inside MULTI\/EXEC or a script/);
    const lua = await s.raw('EVAL', `return redis.pcall('MIGRATE', '${H}', '${p}', 'k', '0', '1000')`, '0');
    assert.match(lua, /MIGRATE cannot run inside MULTI\/EXEC or a script/);
    // NOKEY and argument errors are as at the top level
    await s.raw('MULTI');
    await s.raw('MIGRATE', H, p, 'nokey', '0', '1000');
    assert.equal(await s.raw('EXEC'), '*1\r\n+NOKEY\r\n');
    assert.equal(await s.raw('EXISTS', 'k'), ':1\r\n');
  });
});
