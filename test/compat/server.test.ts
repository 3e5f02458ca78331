import { it } from 'node:test';
import assert from 'node:assert/strict';
import { describeCompat, useDiffer } from '../helpers/differ.js';
import { ReplyReader, RespMap, type RespValue } from '../../src/protocol/reply-reader.js';

function decode(raw: string): RespValue {
  const r = new ReplyReader();
  r.feed(Buffer.from(raw, 'latin1'));
  return r.next() as RespValue;
}

/** Section titles and field names of an INFO reply, in order. */
function infoShape(raw: string): string[] {
  const text = String(decode(raw));
  const out: string[] = [];
  for (const line of text.split('\r\n')) {
    if (line.startsWith('#')) out.push(line);
    else if (line.includes(':')) {
      const name = line.slice(0, line.indexOf(':'));
      // per-command / per-error / per-db lines depend on what ran
      if (/^(cmdstat_|errorstat_|latency_percentiles_usec_|db\d+)/.test(name)) continue;
      out.push(name);
    }
  }
  return out;
}

describeCompat('server commands against redis-server', () => {
  const d = useDiffer({ sinew: { 'enable-debug-command': 'yes' }, redis: { 'enable-debug-command': 'yes' } });

  it('CONFIG SET: errors, several pairs, atomicity', async (t) => {
    await d.run([
      ['CONFIG', 'SET', 'maxmemory', 'abc'],
      ['CONFIG', 'SET', 'maxmemory', '-1'],
      ['CONFIG', 'SET', 'maxmemory', '1.5'],
      ['CONFIG', 'SET', 'hz', 'abc'],
      ['CONFIG', 'SET', 'hz', '010'],
      ['CONFIG', 'SET', 'hz', '-1'],
      ['CONFIG', 'SET', 'hz', '99999999999999999999'],
      ['CONFIG', 'SET', 'HZ', 'abc'],
      ['CONFIG', 'SET', 'port', '70000'],
      ['CONFIG', 'SET', 'appendonly', 'maybe'],
      ['CONFIG', 'SET', 'loglevel', 'nothing'],
      ['CONFIG', 'SET', 'appendfsync', 'bogus'],
      ['CONFIG', 'SET', 'maxmemory-policy', 'foo'],
      ['CONFIG', 'SET', 'sanitize-dump-payload', 'bogus'],
      ['CONFIG', 'SET', 'nosuch', '1'],
      ['CONFIG', 'SET', 'hz', '10', 'hz', '11'],
      ['CONFIG', 'SET', 'daemonize', 'yes'],
      ['CONFIG', 'SET', 'dir', '/tmp'],
      ['CONFIG', 'SET', 'dbfilename', 'x.rdb'],
      ['CONFIG', 'SET', 'socket-mark-id', '1'],
      ['CONFIG', 'SET', 'hz'],
      ['CONFIG', 'SET', 'hz', '1', 'maxmemory'],
      ['CONFIG', 'SET', 'slowlog-log-slower-than', '-2'],
      ['CONFIG', 'SET', 'proto-max-bulk-len', '100'],
      ['CONFIG', 'SET', 'maxclients', '0'],
      ['CONFIG', 'SET', 'acllog-max-len', '-1'],
      ['CONFIG', 'SET', 'oom-score-adj-values', '1 2'],
      ['CONFIG', 'SET', 'oom-score-adj-values', '1 2 3000'],
      ['CONFIG', 'SET', 'latency-tracking-info-percentiles', '50 200'],
      ['CONFIG', 'SET', 'latency-tracking-info-percentiles', 'abc'],
      ['CONFIG', 'SET', 'maxmemory-clients', '101%'],
      ['CONFIG', 'SET', 'maxmemory-clients', '10x'],
      ['CONFIG', 'SET', 'maxmemory-clients', '0'],
      ['CONFIG', 'SET', 'client-output-buffer-limit', 'normal 1 2'],
      ['CONFIG', 'SET', 'client-output-buffer-limit', 'foo 1 2 3'],
      ['CONFIG', 'SET', 'notify-keyspace-events', 'xyz'],
      ['CONFIG', 'SET', 'save', '1 2 3'],
      ['CONFIG', 'SET', 'shutdown-on-sigterm', 'nosave now'],
      ['CONFIG', 'GET', 'shutdown-on-sigterm'],
      ['CONFIG', 'SET', 'shutdown-on-sigterm', 'force now nosave'],
      ['CONFIG', 'GET', 'shutdown-on-sigterm'],
      ['CONFIG', 'SET', 'shutdown-on-sigterm', 'save nosave'],
      ['CONFIG', 'SET', 'shutdown-on-sigterm', 'default now'],
      ['CONFIG', 'GET', 'shutdown-on-sigterm'],
      ['CONFIG', 'SET', 'shutdown-on-sigterm', 'bogus'],
      ['CONFIG', 'SET', 'shutdown-on-sigint', ''],
      ['CONFIG', 'SET', 'shutdown-on-sigterm', 'default'],
      ['CONFIG', 'GET', 'shutdown-on-sigterm'],
      // atomic: the second pair fails, the first is not applied
      ['CONFIG', 'SET', 'maxmemory', '1k', 'maxmemory-policy', 'bad'],
      ['CONFIG', 'GET', 'maxmemory'],
      ['CONFIG', 'SET', 'maxmemory', '1k', 'maxmemory-policy', 'allkeys-lru', 'hz', '12'],
      ['CONFIG', 'GET', 'maxmemory'],
      ['CONFIG', 'GET', 'maxmemory-policy'],
      ['CONFIG', 'GET', 'hz'],
      ['CONFIG', 'SET', 'maxmemory', '0', 'maxmemory-policy', 'noeviction', 'hz', '10'],
      ['CONFIG', 'SET', 'slowlog-max-len', '9223372036854775807'],
      ['CONFIG', 'GET', 'slowlog-max-len'],
      ['CONFIG', 'SET', 'slowlog-max-len', '128'],
      ['CONFIG', 'SET', 'appendonly', 'no'],
      ['CONFIG', 'SET', 'notify-keyspace-events', 'KEA'],
      ['CONFIG', 'GET', 'notify-keyspace-events'],
      ['CONFIG', 'SET', 'notify-keyspace-events', ''],
      ['CONFIG', 'SET', 'save', ''],
      // (values that turn on persistence or client eviction are refused by
      // Sinew where Redis accepts them: see test/commands/directives.test.ts)
      ['CONFIG', 'RESETSTAT'],
      ['CONFIG', 'HELP'],
      ['CONFIG', 'FOO'],
      ['CONFIG'],
    ]);
  });

  it('CONFIG GET: patterns, aliases, hidden directives', async (t) => {
    await d.run(
      [
        ['CONFIG', 'GET', 'hz', 'maxmemory'],
        ['CONFIG', 'GET', 'hz', 'hz'],
        ['CONFIG', 'GET', 'Hz'],
        ['CONFIG', 'GET', 'h?'],
        ['CONFIG', 'GET', '*max*entries*'],
        ['CONFIG', 'GET', '*max*entries*', 'hash-*'],
        ['CONFIG', 'GET', 'nosuch'],
        ['CONFIG', 'GET', 'slave-read-only'],
        ['CONFIG', 'GET', 'list-max-ziplist-size'],
        ['CONFIG', 'GET', 'key-load-delay'],
        ['CONFIG', 'GET', '*delay*'],
        ['CONFIG', 'GET', 'enable-debug-command'],
        ['CONFIG', 'GET'],
      ],
      { unordered: true },
    );
    // RESP3: a map
    {
      const [x, y] = await d.pair(2);
      await Promise.all([x.raw('HELLO', '3'), y.raw('HELLO', '3')]);
    }
    await d.run(
      [
        ['CONFIG', 'GET', 'hz', 'maxmemory', 'save'],
        ['CONFIG', 'GET', 'nosuch'],
        ['CONFIG', 'SET', 'hz', 'x'],
      ],
      { conn: 2, unordered: true },
    );
    // Every directive Redis lists exists in Sinew with the same default
    // (except the ones the test harness sets differently for each server).
    const [a, b] = await d.pair();
    const toMap = (v: RespValue) => {
      const m = new Map<string, string>();
      const arr = v as string[];
      for (let i = 0; i < arr.length; i += 2) m.set(String(arr[i]), String(arr[i + 1]));
      return m;
    };
    const ours = toMap(await a.call('CONFIG', 'GET', '*'));
    const theirs = toMap(await b.call('CONFIG', 'GET', '*'));
    const differsByHarness = new Set(['port', 'bind', 'dir', 'daemonize', 'pidfile', 'save', 'logfile', 'appendonly']);
    for (const [k, v] of theirs) {
      assert.ok(ours.has(k), `CONFIG GET * lacks ${k}`);
      if (!differsByHarness.has(k)) assert.equal(ours.get(k), v, `default of ${k}`);
    }
    assert.equal(ours.size, theirs.size);
  });

  it('INFO: sections and field names', async (t) => {
    const [a, b] = await d.pair();
    await Promise.all([a.raw('SET', 'k', 'v'), b.raw('SET', 'k', 'v')]);
    for (const args of [[], ['default'], ['all'], ['everything'], ['server', 'clients'], ['SERVER', 'keyspace'], ['cpu'], ['memory'], ['stats'], ['persistence'], ['replication'], ['commandstats'], ['errorstats'], ['latencystats'], ['modules'], ['cluster'], ['nosuch']]) {
      const [ra, rb] = await Promise.all([a.raw('INFO', ...args), b.raw('INFO', ...args)]);
      assert.equal(ra[0], rb[0], `reply type of INFO ${args.join(' ')}`);
      // Sinew adds Redis 7.2's counters of ACL denials to its stats, after the 7.0 fields
      const later = /^acl_access_denied_(auth|cmd|key|channel)$/;
      assert.deepEqual(infoShape(ra).filter((f) => !later.test(f)), infoShape(rb), `INFO ${args.join(' ')}`);
    }
    const [ka, kb] = await Promise.all([a.raw('INFO', 'keyspace'), b.raw('INFO', 'keyspace')]);
    assert.equal(ka, kb);
  });

  it('TIME, LASTSAVE, SHUTDOWN and MONITOR argument errors', async (t) => {
    await d.run([['TIME'], ['LASTSAVE']], { typeOnly: true });
    await d.run([
      ['TIME', 'x'],
      ['LASTSAVE', 'x'],
      ['MONITOR', 'x'],
      ['SHUTDOWN', 'foo'],
      ['SHUTDOWN', 'ABORT'],
      ['SHUTDOWN', 'NOSAVE', 'SAVE'],
    ]);
  });

  it('MONITOR: the feed of other clients, quoting, db, redacted AUTH', async (t) => {
    const [ma, mb] = await d.pair(1);
    await d.run([['MONITOR']], { conn: 1 });
    const cmds = [
      ['SET', 'k', 'a "b"\n\x01\xff'],
      ['SELECT', '2'],
      ['GET', 'k'],
      ['AUTH', 'secret'],
      ['HELLO', '2', 'AUTH', 'default', 'pw'],
      ['CONFIG', 'GET', 'hz'],
      ['MULTI'],
      ['INCR', 'c'],
      ['EXEC'],
      ['PING'],
    ];
    for (const c of cmds) await d.run([c], { typeOnly: true });
    const norm = (s: string) => s.replace(/^\+\d+\.\d{6} \[(\d+) 127\.0\.0\.1:\d+\]/, '+T [$1 ADDR]');
    const feed = async (m: typeof ma) => {
      const out: string[] = [];
      for (;;) {
        const r = norm(await m.nextRaw(2000));
        out.push(r);
        if (r.includes('"PING"')) return out;
      }
    };
    const [fa, fb] = await Promise.all([feed(ma), feed(mb)]);
    assert.deepEqual(fa, fb);
  });

  it('unknown command, wrong arity and unknown subcommand messages', async (t) => {
    await d.run([
      ['NOSUCHCOMMAND'],
      ['NOSUCHCOMMAND', 'a', 'b'],
      ['nosuchcommand', 'x'.repeat(200)],
      ['GET'],
      ['get', 'a', 'b'],
      ['CONFIG', 'nosub'],
      ['config'],
      ['SLOWLOG', 'nosub'],
      ['LATENCY', 'nosub'],
      ['MEMORY', 'nosub'],
      ['CLIENT', 'nosub'],
      ['COMMAND', 'nosub'],
      ['DEBUG', 'nosub'],
      ['DEBUG', 'stringmatch-len'],
      ['DEBUG'],
    ]);
  });

  it('SLOWLOG: entries, trimming, LEN, RESET, errors', async (t) => {
    await d.run([
      ['SLOWLOG', 'RESET'],
      ['CONFIG', 'SET', 'slowlog-log-slower-than', '0'],
      ['CLIENT', 'SETNAME', 'slowpoke'],
      ['SET', 'k', 'x'.repeat(200)],
      ['RPUSH', 'lst', ...Array.from({ length: 40 }, (_, i) => `e${i}`)],
      ['EXPIRE', 'k', '100'],
      ['GET', 'k'],
      ['CONFIG', 'SET', 'slowlog-log-slower-than', '10000'],
    ]);
    const [a, b] = await d.pair();
    // id, time and duration differ; argv, client address shape and name must not.
    const shape = (v: RespValue) =>
      (v as RespValue[][]).map((e) => [e.length, (e[3] as string[]).map(String), /^127\.0\.0\.1:\d+$/.test(String(e[4])), String(e[5])]);
    const [ga, gb] = await Promise.all([a.call('SLOWLOG', 'GET', '-1'), b.call('SLOWLOG', 'GET', '-1')]);
    assert.deepEqual(shape(ga), shape(gb));
    const [g2a, g2b] = await Promise.all([a.call('SLOWLOG', 'GET', '2'), b.call('SLOWLOG', 'GET', '2')]);
    assert.deepEqual(shape(g2a), shape(g2b));
    assert.equal((g2a as RespValue[]).length, 2);
    await d.run([
      ['SLOWLOG', 'LEN'],
      ['SLOWLOG', 'GET', '0'],
      ['SLOWLOG', 'GET', 'x'],
      ['SLOWLOG', 'GET', '-2'],
      ['SLOWLOG', 'GET', '1', '2'],
      ['SLOWLOG', 'LEN', 'x'],
      ['SLOWLOG', 'RESET', 'x'],
      ['SLOWLOG', 'RESET'],
      ['SLOWLOG', 'LEN'],
      ['SLOWLOG', 'GET'],
      ['SLOWLOG', 'HELP'],
    ]);
    // Commands run by EXEC are logged (EXEC itself is not), and so are those a script runs (from a fake client "?:0").
    await d.run([
      ['SLOWLOG', 'RESET'],
      ['CONFIG', 'SET', 'slowlog-log-slower-than', '0'],
      ['MULTI'],
      ['SET', 'a', '1'],
      ['INCR', 'a'],
      ['EXEC'],
      ['EVAL', "return redis.call('get', KEYS[1])", '1', 'a'],
      ['CONFIG', 'SET', 'slowlog-log-slower-than', '10000'],
    ]);
    const full = (v: RespValue) => (v as RespValue[][]).map((e) => [(e[3] as string[]).map(String), String(e[4]).replace(/:\d+$/, ':P'), String(e[5])]);
    const [ma, mb] = await Promise.all([a.call('SLOWLOG', 'GET', '-1'), b.call('SLOWLOG', 'GET', '-1')]);
    assert.deepEqual(full(ma), full(mb));
    // slowlog-max-len trims
    await d.run([
      ['CONFIG', 'SET', 'slowlog-max-len', '2'],
      ['CONFIG', 'SET', 'slowlog-log-slower-than', '0'],
      ['PING'],
      ['PING'],
      ['PING'],
      ['CONFIG', 'SET', 'slowlog-log-slower-than', '10000'],
      ['SLOWLOG', 'LEN'],
      ['CONFIG', 'SET', 'slowlog-max-len', '128'],
    ]);
  });

  it('LATENCY and MEMORY: replies that do not depend on timing', async (t) => {
    await d.run([
      ['LATENCY', 'LATEST'],
      ['LATENCY', 'HISTORY', 'command'],
      ['LATENCY', 'GRAPH', 'command'],
      ['LATENCY', 'RESET'],
      ['LATENCY', 'RESET', 'a', 'b'],
      ['LATENCY', 'DOCTOR'],
      ['LATENCY', 'HELP'],
      ['LATENCY', 'HISTORY'],
      ['MEMORY', 'HELP'],
      ['MEMORY', 'USAGE', 'nokey'],
      ['SET', 'foo', 'bar'],
      ['MEMORY', 'USAGE', 'foo', 'SAMPLES'],
      ['MEMORY', 'USAGE', 'foo', 'SAMPLES', 'x'],
      ['MEMORY', 'USAGE', 'foo', 'SAMPLES', '-1'],
      ['MEMORY', 'USAGE', 'foo', 'foo', '1'],
      ['MEMORY', 'USAGE'],
      ['MEMORY', 'DOCTOR'],
      ['MEMORY', 'PURGE'],
    ]);
    {
      const [a, b] = await d.pair();
      await Promise.all([a.raw('HELLO', '3'), b.raw('HELLO', '3')]);
      await d.run([['LATENCY', 'DOCTOR'], ['MEMORY', 'DOCTOR']]);
    }
    await d.run([['MEMORY', 'USAGE', 'foo'], ['MEMORY', 'USAGE', 'foo', 'SAMPLES', '0']], { typeOnly: true });
    // MEMORY STATS: same keys, same reply types
    const [a, b] = await d.pair();
    const keys = (v: RespValue) => (v instanceof RespMap ? v.entries.map(([k, x]) => `${String(k)}:${typeof x}`) : []);
    const [sa, sb] = await Promise.all([a.call('MEMORY', 'STATS'), b.call('MEMORY', 'STATS')]);
    assert.deepEqual(keys(sa), keys(sb));
  });

  it('LATENCY: events recorded above latency-monitor-threshold', async (t) => {
    await d.run([
      ['CONFIG', 'SET', 'latency-monitor-threshold', '5'],
      ['DEBUG', 'SLEEP', '0.02'],
    ]);
    const [a, b] = await d.pair();
    const shape = (v: RespValue) => (v as RespValue[][]).map((e) => [String(e[0]), e.length, Number(e[2]) >= 5, Number(e[3]) >= 5]);
    const [la, lb] = await Promise.all([a.call('LATENCY', 'LATEST'), b.call('LATENCY', 'LATEST')]);
    assert.deepEqual(shape(la), shape(lb));
    const [ha, hb] = await Promise.all([a.call('LATENCY', 'HISTORY', 'command'), b.call('LATENCY', 'HISTORY', 'command')]);
    assert.equal((ha as RespValue[]).length, (hb as RespValue[]).length);
    // One sample: the same sparkline (numbers blanked: they depend on timing)
    const [ga, gb] = await Promise.all([a.raw('LATENCY', 'GRAPH', 'command'), b.raw('LATENCY', 'GRAPH', 'command')]);
    const blank = (g: string) => g.replace(/\d+/g, 'N');
    assert.equal(blank(ga), blank(gb));
    const [da, db] = await Promise.all([a.raw('LATENCY', 'DOCTOR'), b.raw('LATENCY', 'DOCTOR')]);
    assert.equal(blank(da), blank(db));
    await d.run([['CONFIG', 'SET', 'slowlog-log-slower-than', '-1']]);
    const [ea, eb] = await Promise.all([a.raw('LATENCY', 'DOCTOR'), b.raw('LATENCY', 'DOCTOR')]);
    assert.equal(blank(ea), blank(eb));
    await d.run([['CONFIG', 'SET', 'slowlog-log-slower-than', '10000']]);
    await d.run([['LATENCY', 'RESET', 'command', 'nosuch'], ['LATENCY', 'LATEST'], ['CONFIG', 'SET', 'latency-monitor-threshold', '0']]);
  });

  it('DEBUG PROTOCOL in RESP2 and RESP3', async (t) => {
    const types = ['string', 'integer', 'double', 'bignum', 'null', 'array', 'set', 'map', 'attrib', 'push', 'verbatim', 'true', 'false', 'foo', 'STRING'];
    await d.run(types.map((x) => ['DEBUG', 'PROTOCOL', x]));
    await d.run([['DEBUG', 'PROTOCOL'], ['DEBUG', 'PROTOCOL', 'string', 'x']]);
    const [a, b] = await d.pair();
    await Promise.all([a.raw('HELLO', '3'), b.raw('HELLO', '3')]);
    await d.run(types.map((x) => ['DEBUG', 'PROTOCOL', x]));
  });

  it('DEBUG DIGEST and DIGEST-VALUE over every type', async (t) => {
    await d.run([
      ['DEBUG', 'DIGEST'],
      ['SET', 'foo', 'bar'],
      ['SET', 'n', '12345'],
      ['APPEND', 'raw', 'abc'],
      ['RPUSH', 'l', 'a', 'b', 'c', '1', '2'],
      ['SADD', 's', 'a', 'b', '1'],
      ['SADD', 'si', '1', '2', '3'],
      ['HSET', 'h', 'f', 'v', 'g', 'w'],
      ['ZADD', 'z', '1.5', 'a', '2', 'b', '-inf', 'c', '0.1', 'd'],
      ['DEBUG', 'DIGEST'],
      ['DEBUG', 'DIGEST-VALUE', 'foo', 'n', 'raw', 'l', 's', 'si', 'h', 'z', 'nokey'],
      ['DEBUG', 'DIGEST-VALUE'],
      ['EXPIRE', 'foo', '100'],
      ['DEBUG', 'DIGEST-VALUE', 'foo'],
      ['SELECT', '3'],
      ['SET', 'foo', 'bar'],
      ['DEBUG', 'DIGEST'],
      ['DEBUG', 'DIGEST', 'x'],
      ['FLUSHALL'],
      ['DEBUG', 'DIGEST'],
    ]);
  });

  it('DEBUG: OBJECT, POPULATE, SLEEP, RELOAD options and other subcommands', async (t) => {
    await d.run([
      ['DEBUG', 'HELP'],
      ['DEBUG', 'OBJECT', 'nokey'],
      ['DEBUG', 'OBJECT'],
      ['DEBUG', 'POPULATE', '3'],
      ['DBSIZE'],
      ['GET', 'key:1'],
      ['DEBUG', 'POPULATE', '2', 'p', '10'],
      ['GET', 'p:1'],
      ['DEBUG', 'POPULATE', '2', 'q', '2'],
      ['GET', 'q:1'],
      ['DEBUG', 'POPULATE', '5'],
      ['DBSIZE'],
      ['DEBUG', 'POPULATE', '-1'],
      ['DEBUG', 'POPULATE', 'x'],
      ['DEBUG', 'POPULATE', '1', 'a', 'x'],
      ['DEBUG', 'POPULATE', '1', 'a', '1', '2'],
      ['DEBUG', 'SLEEP', '0'],
      ['DEBUG', 'SLEEP'],
      ['DEBUG', 'SET-ACTIVE-EXPIRE', '0'],
      ['DEBUG', 'SET-ACTIVE-EXPIRE', '1'],
      ['DEBUG', 'SET-ACTIVE-EXPIRE'],
      ['DEBUG', 'CHANGE-REPL-ID'],
      ['DEBUG', 'CHANGE-REPL-ID', 'x'],
      ['DEBUG', 'RELOAD', 'foo'],
      ['DEBUG', 'ERROR', 'hello'],
      ['DEBUG', 'ERROR', 'WRONGTYPE custom'],
      ['DEBUG', 'LOG', 'hi'],
      ['DEBUG', 'HTSTATS', 'x'],
      ['DEBUG', 'HTSTATS', '99'],
      ['DEBUG', 'SDSLEN', 'nokey'],
      ['DEBUG', 'STRUCTSIZE'],
      ['DEBUG', 'JMAP'],
      ['DEBUG', 'PAUSE-CRON', '0'],
    ]);
    // DEBUG OBJECT: the same fields, encodings and serialized lengths (address and lru differ)
    const [a, b] = await d.pair();
    const norm = (s: RespValue) =>
      String(s)
        .replace(/Value at:0x[0-9a-f]+/, 'Value at:ADDR')
        .replace(/ lru:\d+/, ' lru:L')
        .replace(/lru_seconds_idle:\d+/, 'lru_seconds_idle:I');
    // Strings of more than 20 bytes that LZF can not shrink (Sinew does not model RDB compression).
    let seed = 7;
    const noise = (n: number) =>
      Array.from({ length: n }, () => {
        seed = (seed * 1103515245 + 12345) & 0x7fffffff;
        return String.fromCharCode(33 + (seed % 90));
      }).join('');
    for (const [k, v] of [['s1', 'bar'], ['s2', '123'], ['s3', '-99999'], ['s4', noise(44)], ['s5', noise(45)], ['s6', noise(100)], ['s7', '12345678901'], ['s8', '20']]) {
      await d.run([['SET', k, v]]);
      const [oa, ob] = await Promise.all([a.call('DEBUG', 'OBJECT', k), b.call('DEBUG', 'OBJECT', k)]);
      assert.equal(norm(oa), norm(ob), `DEBUG OBJECT ${k}`);
    }
    // Small aggregates (blobs of 20 bytes or less, which Redis does not compress)
    await d.run([
      ['RPUSH', 'l', 'a', 'b', '7'],
      ['SADD', 'si', '1', '2', '70000'],
      ['SADD', 'ss', 'a', 'b', '12'],
      ['HSET', 'h', 'f', 'v'],
      ['ZADD', 'z', '1', 'a'],
      ['APPEND', 'r', 'abc'],
      ['SET', 'big', '100000'],
    ]);
    for (const k of ['l', 'si', 'ss', 'h', 'z', 'r', 'big']) {
      const [oa, ob] = await Promise.all([a.call('DEBUG', 'OBJECT', k), b.call('DEBUG', 'OBJECT', k)]);
      assert.equal(norm(oa), norm(ob), `DEBUG OBJECT ${k}`);
    }
  });
});

describeCompat('DEBUG when enable-debug-command is no (the default)', () => {
  const d = useDiffer({ reset: false });

  it('refuses with Redis message', async (t) => {
    await d.run([['DEBUG', 'HELP'], ['DEBUG', 'SLEEP', '0'], ['debug', 'digest'], ['CONFIG', 'SET', 'enable-debug-command', 'yes']]);
  });
});

describeCompat('protected configs when enable-protected-configs is yes', () => {
  const d = useDiffer({ sinew: { 'enable-protected-configs': 'yes' }, redis: { 'enable-protected-configs': 'yes' }, reset: false });

  it('CONFIG SET dir checks the directory; dbfilename is settable', async (t) => {
    await d.run([
      ['CONFIG', 'SET', 'dir', '/nonexistent-sinew-dir'],
      ['CONFIG', 'SET', 'dir', '/tmp'],
      ['CONFIG', 'GET', 'dir'],
      ['CONFIG', 'SET', 'dbfilename', 'other.rdb'],
      ['CONFIG', 'GET', 'dbfilename'],
    ]);
  });
});
