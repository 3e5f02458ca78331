/**
 * Generic key commands against redis-server: DEL, UNLINK, EXISTS, TYPE,
 * KEYS (glob patterns), SCAN, RANDOMKEY, RENAME(NX), COPY, MOVE, SWAPDB,
 * SELECT, DBSIZE, FLUSHDB/FLUSHALL, TOUCH, OBJECT, in RESP2 and RESP3.
 */
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { describeCompat, useDiffer, type Cmd } from '../helpers/differ.js';
import { rng } from '../helpers/rng.js';

describeCompat('generic key commands against redis-server', () => {
  const d = useDiffer();

  /** Runs a script in RESP2, then again from scratch in RESP3. */
  it('DEL, UNLINK, EXISTS (duplicates counted), TYPE, TOUCH, DBSIZE', async (t) => {
    await d.runInBothProtocols([
      ['SET', 'a', '1'],
      ['SET', 'b', '2'],
      ['SET', 'c', '3'],
      ['EXISTS', 'a', 'a', 'a', 'nope', 'b'],
      ['EXISTS', 'nope'],
      ['TOUCH', 'a', 'a', 'nope', 'c'],
      ['DBSIZE'],
      ['DEL', 'a', 'a', 'nope'],
      ['UNLINK', 'b', 'b', 'c', 'c'],
      ['DEL', 'a'],
      ['DBSIZE'],
      ['TYPE', 'a'],
      ['SET', 'a', 'x'],
      ['TYPE', 'a'],
      ['SET', 'n', '12'],
      ['TYPE', 'n'],
      ['DEL'],
      ['EXISTS'],
      ['TYPE'],
      ['TYPE', 'a', 'b'],
      ['TOUCH'],
      ['DBSIZE', 'x'],
    ]);
  });

  it('KEYS with glob patterns: *, ?, classes, negation, ranges, escapes, binary', async (t) => {
    const keys = [
      'hello', 'hallo', 'hxllo', 'hllo', 'heeeello', 'h*llo', 'h?llo', 'h[a]llo', 'h\\llo', 'a-b', 'a]b', 'a^b', '^', ']', '-', '[',
      'foo:1', 'foo:22', 'foo:bar:baz', 'FOO:1', 'Foo', '', ' ', 'x y', 'a\\', '\\', '*', '?', 'ab', 'abc', 'abcd', 'b', 'z', 'Z',
      '\x00', 'a\x00b', '\xff', '\x80key', 'key\xe9', '\x7f', '0', '9', ':',
    ];
    const setup: Cmd[] = keys.map((k) => ['SET', Buffer.from(k, 'latin1'), 'v']);
    const patterns = [
      '*', '', '?', '??', 'h?llo', 'h*llo', 'h[ae]llo', 'h[^e]llo', 'h[a-b]llo', 'h[b-a]llo', 'h[^a-e]llo', 'h\\*llo', 'h\\?llo',
      'h\\[a]llo', 'h[\\]]llo', 'h\\\\llo', 'foo:*', 'foo:?', 'foo:??', 'foo:*:*', '*:*', '*o*', '*1', 'FOO*', 'f*', '[a-z]*',
      '[A-Z]*', '[^a-z]*', '[]', '[', '[^', '[a-', '[a-]', 'a[-]b', 'a[]]b', 'a[^]b', 'a[\\^]b', '[^]', '\\', 'a\\', '\\*', '\\?',
      '*\\', '[\\', 'h[', 'h[e', 'h[^', '*[', '**', '***llo', '*?', '?*', '*?*', '[\x00-\x10]*', '[\x80-\xff]*', '[a-\xff]',
      '[a-\xff]*', '[\xff-a]*', '*\xe9', '[\x7f-\x81]*', '\x00', 'a\x00*', '[^\x00]', 'ab*', 'a*c', 'a*b*c*d', '*a*b*c*d*e',
      'h*l*', 'x y', 'x?y', '[ ]', '[0-9]', '[9-0]', '[:]', 'he*[l]o', 'h*[^x]llo',
    ];
    const script: Cmd[] = [...setup];
    for (const p of patterns) script.push(['KEYS', Buffer.from(p, 'latin1')]);
    await d.run(script, { unordered: true });
    // seeded random patterns from a small alphabet of specials and key bytes
    const r = rng(7);
    const alphabet = ['*', '?', '[', ']', '^', '-', '\\', 'a', 'b', 'h', 'l', 'o', 'e', '1', ':', 'f', '\xff', '\x00'];
    const rand: Cmd[] = [];
    for (let i = 0; i < 250; i++) {
      let p = '';
      const n = 1 + Math.floor(r() * 8);
      for (let j = 0; j < n; j++) p += alphabet[Math.floor(r() * alphabet.length)];
      rand.push(['KEYS', Buffer.from(p, 'latin1')]);
    }
    await d.run(rand, { unordered: true });
  });

  it('KEYS with pathological patterns finishes and agrees (bounded matching)', async (t) => {
    const long = 'a'.repeat(5000);
    await d.run([
      ['SET', long, '1'],
      ['SET', long + 'b', '1'],
      ['SET', 'a'.repeat(60), '1'],
      ['KEYS', 'a*a*a*a*a*a*a*a*a*a*a*a*b'],
      ['KEYS', '*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*c'],
      ['KEYS', '?*?*?*?*?*?*?*?*?*?*?*?*?*?*?*x'],
      ['KEYS', 'a*'.repeat(40) + 'b'],
      ['KEYS', '[a]*'.repeat(30) + 'c'],
      // nesting beyond Redis's limit of 1000 stars fails to match
      ['KEYS', '*a'.repeat(999)],
      ['KEYS', '*a'.repeat(1000)],
      ['KEYS', '*a'.repeat(1001)],
      ['KEYS', '*a'.repeat(1002)],
      ['KEYS', 'a*'.repeat(1100)],
    ], { unordered: true });
  });

  it('KEYS and SCAN skip expired keys; KEYS does not delete them', async (t) => {
    await d.run([
      ['SET', 'live1', '1'],
      ['SET', 'live2', '1', 'PXAT', '4102444800000'],
      ['SET', 'dead', '1', 'PX', '1'],
    ]);
    await new Promise((r) => setTimeout(r, 20));
    await d.run([
      ['KEYS', '*'],
      ['KEYS', 'd*'],
      // (no DBSIZE here: the active expiry cycle may or may not have run yet)
      ['SCAN', '0', 'COUNT', '1000'],
      ['DBSIZE'],
      ['SCAN', '0', 'COUNT', '1000', 'TYPE', 'none'],
      ['SCAN', '0', 'COUNT', '1000', 'TYPE', 'string'],
    ], { unordered: true });
  });

  it('SCAN options, errors and cursor parsing', async (t) => {
    const script: Cmd[] = [];
    for (let i = 0; i < 30; i++) script.push(['SET', `k:${i}`, String(i)]);
    script.push(['SET', 'other', 'x'], ['SET', Buffer.from('bin\x00\xff', 'latin1'), 'y']);
    await d.run(script);
    await d.runInBothProtocols([
      ['SET', 'x', '1'],
      ['SCAN', 'abc'],
      ['SCAN', '1x'],
      ['SCAN', ' 1'],
      ['SCAN', '1 '],
      ['SCAN', '\t0'],
      ['SCAN', '-'],
      ['SCAN', '+'],
      ['SCAN', '0x10'],
      ['SCAN', '18446744073709551616'],
      ['SCAN', '-18446744073709551616'],
      ['SCAN', '99999999999999999999999'],
      ['SCAN', '0', 'COUNT', '0'],
      ['SCAN', '0', 'COUNT', '-1'],
      ['SCAN', '0', 'COUNT', '-9223372036854775808'],
      ['SCAN', '0', 'COUNT', 'abc'],
      ['SCAN', '0', 'COUNT', '9223372036854775808'],
      ['SCAN', '0', 'COUNT', '1.5'],
      ['SCAN', '0', 'COUNT'],
      ['SCAN', '0', 'MATCH'],
      ['SCAN', '0', 'TYPE'],
      ['SCAN', '0', 'FOO', 'bar'],
      ['SCAN', '0', 'COUNT', '10', 'FOO'],
      ['SCAN', 'abc', 'COUNT', '0'],
      ['SCAN', '0', 'COUNT', '0', 'MATCH'],
      ['SCAN'],
    ]);
    // complete scans (COUNT larger than the keyspace): same elements
    await d.run([
      ['SCAN', '0', 'COUNT', '1000'],
      ['SCAN', '0', 'count', '1000', 'match', 'k:1*'],
      ['SCAN', '0', 'COUNT', '1000', 'MATCH', 'k:?'],
      ['SCAN', '0', 'COUNT', '1000', 'MATCH', '*', 'MATCH', 'o*'],
      ['SCAN', '0', 'COUNT', '1000', 'MATCH', 'o*', 'MATCH', '*'],
      ['SCAN', '0', 'COUNT', '1000', 'MATCH', Buffer.from('bin\x00*', 'latin1')],
      ['SCAN', '0', 'COUNT', '1000', 'TYPE', 'string'],
      ['SCAN', '0', 'COUNT', '1000', 'TYPE', 'STRING'],
      ['SCAN', '0', 'COUNT', '1000', 'TYPE', 'list'],
      ['SCAN', '0', 'COUNT', '1000', 'TYPE', 'nosuchtype'],
      ['SCAN', '0', 'COUNT', '1000', 'TYPE', 'string', 'MATCH', 'k:2*'],
      // cursors that both accept as zero start a full scan
      ['SCAN', '', 'COUNT', '1000'],
      ['SCAN', '00', 'COUNT', '1000'],
      ['SCAN', '-0', 'COUNT', '1000'],
      ['SCAN', '+0', 'COUNT', '1000'],
    ], { unordered: true });
    // cursors Redis accepts (any strtoul value): a reply, not an error
    await d.run([
      ['SCAN', '+1'],
      ['SCAN', '-1'],
      ['SCAN', '01'],
      ['SCAN', '18446744073709551615'],
      ['SCAN', '-18446744073709551615'],
    ], { typeOnly: true });
  });

  it('SCAN iterates to completion in small steps returning every key', async (t) => {
    const [a, b] = await d.pair(0);
    const want = new Set<string>();
    for (let i = 0; i < 100; i++) {
      want.add(`key:${i}`);
      await Promise.all([a.raw('SET', `key:${i}`, 'v'), b.raw('SET', `key:${i}`, 'v')]);
    }
    for (const client of [a, b]) {
      const seen = new Set<string>();
      let cursor = '0';
      let calls = 0;
      do {
        const r = (await client.call('SCAN', cursor, 'COUNT', '7')) as [string, string[]];
        cursor = r[0];
        for (const k of r[1]) seen.add(k);
        calls++;
        assert.ok(calls < 200, 'scan must terminate');
      } while (cursor !== '0');
      assert.deepEqual([...seen].sort(), [...want].sort());
    }
  });

  it('RANDOMKEY returns live keys only', async (t) => {
    await d.run([['RANDOMKEY'], ['SET', 'only', '1'], ['RANDOMKEY'], ['RANDOMKEY', 'x']]);
    const script: Cmd[] = [];
    for (let i = 0; i < 20; i++) script.push(['SET', `gone${i}`, 'v', 'PX', '1']);
    await d.run(script);
    await new Promise((r) => setTimeout(r, 20));
    // the expired keys are deleted as RANDOMKEY meets them; "only" is the one live key
    await d.run([['RANDOMKEY'], ['RANDOMKEY'], ['RANDOMKEY'], ['DEL', 'only'], ['RANDOMKEY']]);
    const all: Cmd[] = [];
    for (let i = 0; i < 20; i++) all.push(['SET', `gone${i}`, 'v', 'PX', '1']);
    await d.run(all);
    await new Promise((r) => setTimeout(r, 20));
    // every key volatile and expired: nil, and all of them deleted on the way
    await d.run([['RANDOMKEY'], ['DBSIZE']]);
    await d.run([['SET', 'a', '1'], ['SET', 'b', '2'], ['RANDOMKEY']], { typeOnly: true });
  });

  it('RENAME and RENAMENX: TTL kept, same key, missing key', async (t) => {
    await d.runInBothProtocols([
      ['RENAME', 'nokey', 'x'],
      ['RENAMENX', 'nokey', 'x'],
      ['RENAME', 'nokey', 'nokey'],
      ['RENAMENX', 'nokey', 'nokey'],
      ['SET', 'a', '1', 'PXAT', '4102444800000'],
      ['RENAME', 'a', 'a'],
      ['RENAMENX', 'a', 'a'],
      ['PEXPIRETIME', 'a'],
      ['RENAME', 'a', 'b'],
      ['EXISTS', 'a'],
      ['GET', 'b'],
      ['PEXPIRETIME', 'b'],
      ['SET', 'c', '3'],
      ['RENAMENX', 'b', 'c'],
      ['GET', 'c'],
      ['RENAME', 'c', 'b'],
      ['GET', 'b'],
      ['PEXPIRETIME', 'b'],
      ['SET', 'd', '4', 'PXAT', '4102444800001'],
      ['RENAME', 'b', 'd'],
      ['PEXPIRETIME', 'd'],
      ['RENAMENX', 'd', 'e'],
      ['PEXPIRETIME', 'e'],
      ['RENAME', Buffer.from('e', 'latin1'), Buffer.from('\x00\xff', 'latin1')],
      ['GET', Buffer.from('\x00\xff', 'latin1')],
      ['KEYS', '*'],
      ['RENAME', 'a'],
      ['RENAMENX', 'a', 'b', 'c'],
    ], { unordered: true });
  });

  it('COPY: DB, REPLACE, TTL copied, errors', async (t) => {
    await d.runInBothProtocols([
      ['SET', 'src', 'hello', 'PXAT', '4102444800000'],
      ['COPY', 'src', 'src'],
      ['COPY', 'src', 'src', 'DB', '0'],
      ['COPY', 'src', 'src', 'REPLACE'],
      ['COPY', 'nokey', 'dst'],
      ['COPY', 'nokey', 'nokey'],
      ['COPY', 'src', 'dst'],
      ['GET', 'dst'],
      ['PEXPIRETIME', 'dst'],
      ['SET', 'src', 'world'],
      ['COPY', 'src', 'dst'],
      ['GET', 'dst'],
      ['COPY', 'src', 'dst', 'REPLACE'],
      ['GET', 'dst'],
      ['PEXPIRETIME', 'dst'],
      ['COPY', 'src', 'src', 'DB', '1'],
      ['COPY', 'src', 'other', 'db', '2', 'replace'],
      ['COPY', 'src', 'other', 'DB', '2'],
      ['COPY', 'src', 'other', 'DB', '16'],
      ['COPY', 'src', 'other', 'DB', '-1'],
      ['COPY', 'src', 'other', 'DB', 'abc'],
      ['COPY', 'src', 'other', 'DB', '2147483648'],
      ['COPY', 'src', 'other', 'DB', '-2147483649'],
      ['COPY', 'src', 'other', 'DB', '99999999999999999999'],
      ['COPY', 'src', 'other', 'DB'],
      ['COPY', 'src', 'other', 'FOO'],
      ['COPY', 'src', 'other', 'REPLACE', 'FOO'],
      ['COPY', 'src', 'other', 'DB', '16', 'FOO'],
      ['COPY', 'src', 'other', 'FOO', 'DB', '16'],
      ['COPY', 'nokey', 'nokey', 'FOO'],
      ['COPY', 'src'],
      ['SELECT', '1'],
      ['GET', 'src'],
      ['SELECT', '2'],
      ['GET', 'other'],
      ['PEXPIRETIME', 'other'],
      ['SELECT', '0'],
      ['DBSIZE'],
    ]);
  });

  it('MOVE, SWAPDB, SELECT', async (t) => {
    await d.runInBothProtocols([
      ['SET', 'k', 'v', 'PXAT', '4102444800000'],
      ['MOVE', 'k', '0'],
      ['MOVE', 'k', '16'],
      ['MOVE', 'k', '-1'],
      ['MOVE', 'k', 'abc'],
      ['MOVE', 'k', '2147483648'],
      ['MOVE', 'k', '9999999999'],
      ['MOVE', 'nokey', '0'],
      ['MOVE', 'nokey', '1'],
      ['MOVE', 'k', '1'],
      ['EXISTS', 'k'],
      ['SET', 'k', 'v2'],
      ['MOVE', 'k', '1'],
      ['SELECT', '1'],
      ['GET', 'k'],
      ['PEXPIRETIME', 'k'],
      ['MOVE', 'k', '0'],
      ['SELECT', '0'],
      ['GET', 'k'],
      ['SWAPDB', '0', '1'],
      ['GET', 'k'],
      ['PEXPIRETIME', 'k'],
      ['DBSIZE'],
      ['SWAPDB', '1', '1'],
      ['SWAPDB', '0', '16'],
      ['SWAPDB', '16', '0'],
      ['SWAPDB', '-1', '0'],
      ['SWAPDB', 'a', '0'],
      ['SWAPDB', '0', 'b'],
      ['SWAPDB', 'a', 'b'],
      ['SWAPDB', '0', '9999999999'],
      ['SWAPDB', '0'],
      ['SELECT', '15'],
      ['DBSIZE'],
      ['SELECT', '16'],
      ['SELECT', '-1'],
      ['SELECT', 'x'],
      ['SELECT', '1.0'],
      ['SELECT', '0'],
    ]);
  });

  it('FLUSHDB and FLUSHALL with ASYNC|SYNC', async (t) => {
    await d.runInBothProtocols([
      ['SET', 'a', '1'],
      ['SELECT', '3'],
      ['SET', 'b', '2'],
      ['FLUSHDB', 'FOO'],
      ['FLUSHDB', 'ASYNC', 'SYNC'],
      ['FLUSHDB', 'async'],
      ['DBSIZE'],
      ['SET', 'b', '2'],
      ['FLUSHDB', 'SYNC'],
      ['DBSIZE'],
      ['SELECT', '0'],
      ['DBSIZE'],
      ['SET', 'b', '2'],
      ['FLUSHDB'],
      ['DBSIZE'],
      ['SET', 'x', '1'],
      ['SELECT', '5'],
      ['SET', 'y', '1'],
      ['FLUSHALL', 'BAR'],
      ['FLUSHALL', 'SYNC', 'ASYNC'],
      ['FLUSHALL', 'Async'],
      ['DBSIZE'],
      ['SELECT', '0'],
      ['DBSIZE'],
      ['SET', 'x', '1'],
      ['FLUSHALL', 'sync'],
      ['DBSIZE'],
      ['SET', 'x', '1'],
      ['FLUSHALL'],
      ['DBSIZE'],
    ]);
  });

  it('OBJECT ENCODING, REFCOUNT, IDLETIME, FREQ, HELP', async (t) => {
    await d.runInBothProtocols([
      ['SET', 'int', '12345'],
      ['SET', 'neg', '-5'],
      ['SET', 'big', '12345678901234567890'],
      ['SET', 'lead0', '0123'],
      ['SET', 'emb', 'hello'],
      ['SET', 'emb44', 'x'.repeat(44)],
      ['SET', 'raw45', 'x'.repeat(45)],
      ['SET', 'shared', '9999'],
      ['SET', 'notshared', '10000'],
      ['SET', 'zero', '0'],
      ['OBJECT', 'ENCODING', 'int'],
      ['OBJECT', 'ENCODING', 'neg'],
      ['OBJECT', 'ENCODING', 'big'],
      ['OBJECT', 'ENCODING', 'lead0'],
      ['OBJECT', 'ENCODING', 'emb'],
      ['OBJECT', 'ENCODING', 'emb44'],
      ['OBJECT', 'ENCODING', 'raw45'],
      ['OBJECT', 'ENCODING', 'nokey'],
      ['OBJECT', 'encoding', 'int'],
      ['OBJECT', 'REFCOUNT', 'shared'],
      ['OBJECT', 'REFCOUNT', 'zero'],
      ['OBJECT', 'REFCOUNT', 'notshared'],
      ['OBJECT', 'REFCOUNT', 'neg'],
      ['OBJECT', 'REFCOUNT', 'emb'],
      ['OBJECT', 'REFCOUNT', 'nokey'],
      ['OBJECT', 'IDLETIME', 'nokey'],
      ['OBJECT', 'FREQ', 'emb'],
      ['OBJECT', 'FREQ', 'nokey'],
      ['OBJECT', 'HELP'],
      ['OBJECT', 'help'],
      ['OBJECT', 'HELP', 'extra'],
      ['OBJECT', 'NOSUCH'],
      ['OBJECT', 'NOSUCH', 'k'],
      ['OBJECT'],
      ['OBJECT', 'ENCODING'],
      ['OBJECT', 'ENCODING', 'a', 'b'],
    ]);
    const [a, b] = await d.pair(0);
    for (const c of [a, b]) {
      const idle = await c.call('OBJECT', 'IDLETIME', 'emb');
      assert.equal(typeof idle, 'number');
      assert.ok((idle as number) >= 0 && (idle as number) <= 2, `idle time ${idle}`);
    }
    await d.run([
      ['CONFIG', 'SET', 'maxmemory-policy', 'allkeys-lfu'],
      ['OBJECT', 'IDLETIME', 'emb'],
      ['OBJECT', 'IDLETIME', 'nokey'],
      ['OBJECT', 'FREQ', 'nokey'],
      ['CONFIG', 'SET', 'maxmemory-policy', 'noeviction'],
    ]);
  });

  it('OBJECT REFCOUNT: small integers are shared unless an LRU/LFU policy has a memory limit', async (t) => {
    const script: Cmd[] = [];
    const policies = ['noeviction', 'volatile-ttl', 'allkeys-random', 'allkeys-lru', 'volatile-lru', 'allkeys-lfu', 'volatile-lfu'];
    for (const limit of ['0', '4gb']) {
      script.push(['CONFIG', 'SET', 'maxmemory', limit]);
      for (const p of policies) {
        script.push(['CONFIG', 'SET', 'maxmemory-policy', p], ['SET', 'n', '7'], ['OBJECT', 'REFCOUNT', 'n'], ['INCR', 'n'], ['OBJECT', 'REFCOUNT', 'n']);
      }
    }
    script.push(['CONFIG', 'SET', 'maxmemory', '0'], ['CONFIG', 'SET', 'maxmemory-policy', 'noeviction']);
    await d.run(script);
  });

  it('lookups count keyspace hits and misses as Redis does', async (t) => {
    await d.run([['CONFIG', 'RESETSTAT']]);
    await d.run([
      ['SET', 'a', '1'],
      ['SET', 'b', '2'],
      ['EXISTS', 'a', 'nokey', 'a'],
      ['TYPE', 'a'],
      ['TYPE', 'nokey'],
      ['TOUCH', 'a', 'nokey'],
      ['OBJECT', 'ENCODING', 'a'],
      ['OBJECT', 'ENCODING', 'nokey'],
      ['COPY', 'a', 'c'],
      ['COPY', 'nokey', 'c'],
      ['TTL', 'a'],
      ['PTTL', 'nokey'],
      ['SCAN', '0', 'COUNT', '100', 'TYPE', 'string'],
      ['RENAME', 'b', 'b2'],
      ['MOVE', 'b2', '1'],
      ['DEL', 'c', 'nokey'],
    ], { unordered: true });
    const [a, b] = await d.pair(0);
    const stats = async (c: typeof a) => {
      const info = (await c.call('INFO', 'stats')) as string;
      return info.split('\r\n').filter((l) => /^keyspace_(hits|misses):/.test(l));
    };
    assert.deepEqual(await stats(a), await stats(b));
  });

  it('aggregate values: TYPE, OBJECT ENCODING, deep COPY, RENAME, MOVE, SWAPDB, SCAN TYPE', async (t) => {
    await d.runInBothProtocols([
      ['RPUSH', 'l', 'a', 'b'],
      ['SADD', 's', 'x', 'y'],
      ['SADD', 'si', '1', '2'],
      ['ZADD', 'z', '1', 'a'],
      ['HSET', 'h', 'f', 'v'],
      ['SET', 'str', 'v'],
      ['TYPE', 'l'], ['TYPE', 's'], ['TYPE', 'si'], ['TYPE', 'z'], ['TYPE', 'h'], ['TYPE', 'str'],
      ['OBJECT', 'ENCODING', 'l'], ['OBJECT', 'ENCODING', 's'], ['OBJECT', 'ENCODING', 'si'],
      ['OBJECT', 'ENCODING', 'z'], ['OBJECT', 'ENCODING', 'h'],
      ['OBJECT', 'REFCOUNT', 'l'], ['OBJECT', 'REFCOUNT', 'h'],
      ['COPY', 'l', 'l2'], ['RPUSH', 'l2', 'c'], ['LRANGE', 'l', '0', '-1'], ['LRANGE', 'l2', '0', '-1'],
      ['COPY', 's', 's2'], ['SADD', 's2', 'zz'], ['SCARD', 's'], ['SCARD', 's2'],
      ['COPY', 'si', 'si2'], ['SADD', 'si2', 'nonint'], ['OBJECT', 'ENCODING', 'si'], ['OBJECT', 'ENCODING', 'si2'],
      ['COPY', 'z', 'z2'], ['ZADD', 'z2', '2', 'b'], ['ZCARD', 'z'], ['ZCARD', 'z2'],
      ['COPY', 'h', 'h2'], ['HSET', 'h2', 'g', 'w'], ['HLEN', 'h'], ['HLEN', 'h2'],
      ['COPY', 'h', 'h3', 'DB', '1'], ['HSET', 'h', 'f', 'changed'],
      ['COPY', 'l', 'str', 'REPLACE'], ['TYPE', 'str'], ['LRANGE', 'str', '0', '-1'],
      ['RENAME', 'l2', 'l3'], ['LRANGE', 'l3', '0', '-1'], ['RENAME', 'l3', 'h2'], ['TYPE', 'h2'],
      ['MOVE', 'z2', '1'], ['SWAPDB', '0', '1'], ['HGETALL', 'h3'], ['ZRANGE', 'z2', '0', '-1'], ['TYPE', 'l'],
      ['SWAPDB', '0', '1'], ['LPOP', 'l'], ['LPOP', 'l'], ['EXISTS', 'l'], ['TYPE', 'l'],
    ]);
    await d.run([
      ['SCAN', '0', 'TYPE', 'list', 'COUNT', '100'],
      ['SCAN', '0', 'TYPE', 'set', 'COUNT', '100'],
      ['SCAN', '0', 'TYPE', 'zset', 'COUNT', '100'],
      ['SCAN', '0', 'TYPE', 'hash', 'COUNT', '100'],
      ['SCAN', '0', 'TYPE', 'HASH', 'COUNT', '100'],
      ['SCAN', '0', 'TYPE', 'string', 'COUNT', '100'],
      ['KEYS', '*'],
    ], { unordered: true });
  });

  it('RENAME, COPY, MOVE and SWAPDB wake clients blocked on the destination', async (t) => {
    await d.run([['RPUSH', 'src', 'a', 'b']]);
    await d.send(['BLPOP', 'dst', '0'], 1);
    await d.expectSilence(1, 50);
    await d.run([['RENAME', 'src', 'dst']]);
    await d.expectReply(1, 'BLPOP served after RENAME');
    await d.run([['RPUSH', 'src', 'c']]);
    await d.send(['BLPOP', 'cp', '0'], 1);
    await d.expectSilence(1, 50);
    await d.run([['COPY', 'src', 'cp']]);
    await d.expectReply(1, 'BLPOP served after COPY');
    await d.run([['SELECT', '1']], { conn: 1 });
    await d.send(['BLPOP', 'mv', '0'], 1);
    await d.run([['RPUSH', 'mv', 'x'], ['MOVE', 'mv', '1']]);
    await d.expectReply(1, 'BLPOP served after MOVE');
    await d.run([['RPUSH', 'sw', 'y']]);
    await d.send(['BLPOP', 'sw', '0'], 1);
    await d.expectSilence(1, 50);
    await d.run([['SWAPDB', '0', '1']]);
    await d.expectReply(1, 'BLPOP served after SWAPDB');
    await d.run([['DBSIZE'], ['SELECT', '1'], ['DBSIZE']]);
  });

  it('which lookups count as accesses (LFU counter), and RENAME/MOVE keep a key\'s record', async (t) => {
    // LFU counters decay per elapsed minute: stay clear of a minute boundary
    if (Date.now() % 60000 > 58000) await new Promise((r) => setTimeout(r, 60000 - (Date.now() % 60000) + 50));
    // A new key starts at 5 and its first access always makes it 6 (later ones are random).
    await d.run([
      ['CONFIG', 'SET', 'maxmemory-policy', 'allkeys-lfu'],
      ['CONFIG', 'SET', 'lfu-decay-time', '0'],
      ['SET', 'k', 'v', 'PXAT', '4102444800000'],
      ['EXISTS', 'k'], ['TYPE', 'k'],
    ], { unordered: true });
    // The remaining time depends on the millisecond each server reads its clock: same reply type here,
    // exact values in the expiry tests (the lookups still run, so they count or not as accesses).
    await d.run([['TTL', 'k'], ['PTTL', 'k']], { typeOnly: true });
    await d.run([
      ['EXPIRETIME', 'k'], ['PEXPIRETIME', 'k'],
      ['SCAN', '0', 'TYPE', 'string'], ['OBJECT', 'ENCODING', 'k'], ['OBJECT', 'IDLETIME', 'k'], ['KEYS', '*'], ['DBSIZE'],
      ['OBJECT', 'FREQ', 'k'],
      ['TOUCH', 'k'],
      ['OBJECT', 'FREQ', 'k'],
      ['SET', 'g', 'v'], ['GET', 'g'], ['OBJECT', 'FREQ', 'g'],
      ['SET', 'j', 'v'], ['RENAME', 'j', 'j2'], ['OBJECT', 'FREQ', 'j2'],
      ['SET', 'r', 'v'], ['RENAMENX', 'r', 'r2'], ['OBJECT', 'FREQ', 'r2'],
      ['SET', 'm', 'v'], ['MOVE', 'm', '1'], ['SELECT', '1'], ['OBJECT', 'FREQ', 'm'], ['SELECT', '0'],
      ['SET', 'c', 'v'], ['COPY', 'c', 'c2'], ['OBJECT', 'FREQ', 'c2'], ['OBJECT', 'FREQ', 'c'],
      ['SET', 'e', 'v'], ['EXPIRE', 'e', '100'], ['OBJECT', 'FREQ', 'e'],
      ['SET', 'p', 'v'], ['PERSIST', 'p'], ['OBJECT', 'FREQ', 'p'],
      ['CONFIG', 'SET', 'maxmemory-policy', 'noeviction'],
      ['CONFIG', 'SET', 'lfu-decay-time', '1'],
    ], { unordered: true });
  });

  it('seeded random sequences of key and expiry commands agree', async (t) => {
    const FAR = 4102444800000;
    for (const seed of [1, 2, 3]) {
      await d.reset();
      const r = rng(seed);
      const pick = <T>(xs: T[]): T => xs[Math.floor(r() * xs.length)];
      const key = () => `k${Math.floor(r() * 8)}`;
      const db = () => String(Math.floor(r() * 3));
      const gens: (() => Cmd)[] = [
        () => ['SET', key(), `v${Math.floor(r() * 100)}`],
        () => ['SET', key(), 'v', 'PXAT', String(FAR + Math.floor(r() * 5000))],
        () => ['RPUSH', key(), 'a', 'b'],
        () => ['SADD', key(), 'm'],
        () => ['HSET', key(), 'f', 'v'],
        () => ['ZADD', key(), '1', 'm'],
        () => ['DEL', key(), key()],
        () => ['UNLINK', key()],
        () => ['EXISTS', key(), key(), key()],
        () => ['TYPE', key()],
        () => ['RENAME', key(), key()],
        () => ['RENAMENX', key(), key()],
        () => ['COPY', key(), key(), ...(r() < 0.5 ? ['REPLACE'] : []), ...(r() < 0.4 ? ['DB', db()] : [])],
        () => ['MOVE', key(), db()],
        () => ['SWAPDB', db(), db()],
        () => ['SELECT', db()],
        () => ['PEXPIREAT', key(), String(FAR + Math.floor(r() * 5000)), ...(r() < 0.5 ? [pick(['NX', 'XX', 'GT', 'LT'])] : [])],
        () => ['EXPIREAT', key(), String(FAR / 1000 + Math.floor(r() * 5)), ...(r() < 0.5 ? [pick(['NX', 'XX', 'GT', 'LT'])] : [])],
        () => [pick(['EXPIRE', 'PEXPIRE']), key(), String(-Math.floor(r() * 3)), ...(r() < 0.5 ? [pick(['NX', 'XX', 'GT', 'LT'])] : [])],
        () => ['PERSIST', key()],
        () => ['EXPIRETIME', key()],
        () => ['PEXPIRETIME', key()],
        () => ['OBJECT', 'ENCODING', key()],
        () => ['TOUCH', key(), key()],
        () => ['DBSIZE'],
        () => (r() < 0.1 ? ['FLUSHDB'] : ['DBSIZE']),
      ];
      const script: Cmd[] = [];
      for (let i = 0; i < 300; i++) script.push(pick(gens)());
      await d.run(script);
      for (const i of ['0', '1', '2']) {
        await d.run([['SELECT', i], ['KEYS', '*'], ['SCAN', '0', 'COUNT', '100']], { unordered: true });
      }
    }
  });

  it('keys are binary safe: every byte 0..255', async (t) => {
    const script: Cmd[] = [];
    for (let i = 0; i < 256; i += 1) {
      const key = Buffer.from([i, 0, 255 - i, 13, 10]);
      script.push(['SET', key, Buffer.from([i])], ['EXISTS', key], ['TYPE', key]);
    }
    script.push(['DBSIZE'], ['RENAME', Buffer.from([0, 0, 255, 13, 10]), Buffer.from([1, 2, 3])], ['GET', Buffer.from([1, 2, 3])]);
    await d.run(script);
    await d.run([['KEYS', '*'], ['KEYS', Buffer.from([0x5b, 0x80, 0x2d, 0xff, 0x5d, 0x2a])], ['SCAN', '0', 'COUNT', '1000']], { unordered: true });
  });
});
