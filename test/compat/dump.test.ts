import { it } from 'node:test';
import assert from 'node:assert/strict';
import { describeCompat, useDiffer, type Cmd } from '../helpers/differ.js';
import { RawClient } from '../helpers/raw-client.js';
import { crc64 } from '../../src/persistence/crc64.js';
import { rng } from '../helpers/rng.js';

const rep = (s: string, n: number) => s.repeat(n);

/** Commands that build values whose encoding Redis writes deterministically, at every boundary that matters. */
function deterministic(): { setup: Cmd[]; keys: string[] } {
  const setup: Cmd[] = [];
  const keys: string[] = [];
  const str = (k: string, v: string | Buffer) => {
    setup.push(['SET', k, v]);
    keys.push(k);
  };
  // strings: integer encodings and their edges, the 11/20-byte limits, LZF, binary
  const ints = ['0', '-1', '127', '-128', '128', '-129', '32767', '-32768', '32768', '2147483647', '-2147483648', '2147483648', '-2147483649',
    '12345678901', '123456789012', '9223372036854775807', '007', '-0', '+1', ' 1'];
  ints.forEach((v, i) => str(`int:${i}`, v));
  str('s:empty', '');
  str('s:20', rep('a', 20));
  str('s:21', rep('a', 21));
  str('s:24', 'abcdefghijklmnopqrstuvwx');
  str('s:text', rep('the quick brown fox jumps over the lazy dog ', 20));
  str('s:bin', Buffer.from(Array.from({ length: 300 }, (_, i) => (i * 37) & 255)));
  const r = rng(7);
  str('s:random', Buffer.from(Array.from({ length: 2000 }, () => Math.floor(r() * 256))));
  str('s:big', rep('0123456789abcdef', 8192));
  setup.push(['APPEND', 's:appended', 'x'], ['APPEND', 's:appended', rep('yz', 40)]);
  keys.push('s:appended');
  // lists: one node, several 8 KB nodes, big and integer elements
  setup.push(['RPUSH', 'l:small', 'a', '1', '-5', '300', rep('x', 63), rep('y', 64), rep('z', 4095), rep('w', 4096)]);
  const many: string[] = [];
  for (let i = 0; i < 3000; i++) many.push(i % 3 === 0 ? String(i) : `element-${i}`);
  setup.push(['RPUSH', 'l:many', ...many]);
  setup.push(['RPUSH', 'l:bigitems', rep('a', 5000), rep('b', 9000), 'c', rep('d', 3000)]);
  keys.push('l:small', 'l:many', 'l:bigitems');
  // intsets of each width, and at the 512-entry limit
  setup.push(['SADD', 'set:i16', '1', '-2', '300']);
  setup.push(['SADD', 'set:i32', '1', '70000', '-70000']);
  setup.push(['SADD', 'set:i64', '1', '9223372036854775807', '-9223372036854775808']);
  const ints512: string[] = [];
  for (let i = 0; i < 512; i++) ints512.push(String(i * 7 - 1000));
  setup.push(['SADD', 'set:512', ...ints512]);
  keys.push('set:i16', 'set:i32', 'set:i64', 'set:512');
  // listpack hashes up to their limits (128 fields, 64-byte values)
  setup.push(['HSET', 'h:small', 'f', 'v', 'n', '12', 'neg', '-7', 'big', '9223372036854775807', 'e', '']);
  const f128: string[] = [];
  for (let i = 0; i < 128; i++) f128.push(`field${i}`, i % 2 ? String(i) : `value-${i}`);
  setup.push(['HSET', 'h:128', ...f128]);
  setup.push(['HSET', 'h:64', 'k', rep('v', 64)]);
  setup.push(['HSET', 'h:upd', 'a', '1', 'b', '2', 'c', '3'], ['HSET', 'h:upd', 'b', 'two'], ['HDEL', 'h:upd', 'a']);
  keys.push('h:small', 'h:128', 'h:64', 'h:upd');
  // sorted sets: listpack with every kind of score, and skiplists past each limit
  setup.push(['ZADD', 'z:scores', '0', 'zero', '-0', 'negzero', '1', 'one', '-1.5', 'neg', '3.14159', 'pi', '1e300', 'huge', '-inf', 'minf', 'inf', 'pinf',
    '4611686018427387904', 'two62', '4611686018427387905', 'two62b', '0.1', 'tenth', '123456789012345678', 'bigint']);
  const m128: string[] = [];
  for (let i = 0; i < 129; i++) m128.push(String(i * 1.5), `member-${i}`);
  setup.push(['ZADD', 'z:129', ...m128]);
  setup.push(['ZADD', 'z:long', '1', rep('m', 65), '2', 'b', '0.5', 'c']);
  setup.push(['ZADD', 'z:128', ...m128.slice(0, 256)]);
  keys.push('z:scores', 'z:129', 'z:long', 'z:128');
  // streams: nodes, deletions, groups without consumers (no timestamps)
  for (let i = 1; i <= 250; i++) setup.push(['XADD', 'st', `${i}-${i % 3}`, 'field', `v${i}`, ...(i % 10 === 0 ? ['other', String(i)] : [])]);
  setup.push(['XDEL', 'st', '5-2', '6-0', '100-1'], ['XGROUP', 'CREATE', 'st', 'g1', '0'], ['XGROUP', 'CREATE', 'st', 'g2', '$'], ['XSETID', 'st', '300-0']);
  setup.push(['XADD', 'st:small', '1-1', 'a', '1'], ['XTRIM', 'st:small', 'MAXLEN', '0']);
  keys.push('st', 'st:small');
  return { setup, keys };
}

const DEBUG_ON = { sinew: { 'enable-debug-command': 'yes' }, redis: { 'enable-debug-command': 'yes' } };

describeCompat('DUMP and RESTORE against redis-server', () => {
  const d = useDiffer(DEBUG_ON);

  it('DUMP payloads are byte-identical to Redis 7.0.15 for the same value and encoding', async () => {
    const { setup, keys } = deterministic();
    await d.run(setup, { typeOnly: true });
    for (const k of keys) {
      await d.run([['OBJECT', 'ENCODING', k]]);
      await d.run([['DUMP', k]]);
    }
    await d.run([['DUMP', 'nokey']]);
  });

  it('payloads cross both ways: what one server dumps the other restores to the same value', async () => {
    const { setup, keys } = deterministic();
    // values whose Redis encoding depends on a random dict order, and time-stamped ones
    setup.push(['SADD', 'set:ht', 'a', 'b', 'c', 'd', '1']);
    const big: string[] = [];
    for (let i = 0; i < 600; i++) big.push(String(i));
    setup.push(['SADD', 'set:big', ...big]);
    setup.push(['HSET', 'h:ht', 'long', rep('x', 100), 'a', '1']);
    setup.push(['XGROUP', 'CREATE', 'st', 'g3', '0'], ['XREADGROUP', 'GROUP', 'g3', 'alice', 'COUNT', '3', 'STREAMS', 'st', '>']);
    setup.push(['XREADGROUP', 'GROUP', 'g3', 'bob', 'COUNT', '2', 'STREAMS', 'st', '>'], ['XGROUP', 'CREATECONSUMER', 'st', 'g3', 'carol']);
    keys.push('set:ht', 'set:big', 'h:ht');
    await d.run(setup, { typeOnly: true });
    const [a, b] = await d.pair();
    for (const k of keys) {
      const fromRedis = await b.call('DUMP', k);
      const fromSinew = await a.call('DUMP', k);
      assert.ok(Buffer.isBuffer(fromRedis) || typeof fromRedis === 'string');
      assert.equal(await a.call('RESTORE', `r:${k}`, '0', fromRedis as string), 'OK', `Sinew restores Redis's ${k}`);
      assert.equal(await b.call('RESTORE', `r:${k}`, '0', fromSinew as string), 'OK', `Redis restores Sinew's ${k}`);
      // the restored copy equals the original, on both sides, and both sides agree
      const [da, db] = await Promise.all([a.call('DEBUG', 'DIGEST-VALUE', k, `r:${k}`), b.call('DEBUG', 'DIGEST-VALUE', k, `r:${k}`)]);
      assert.ok(Array.isArray(da) && da.length === 2 && da[0] === da[1], `Sinew's copy of ${k} digests as the original: ${String(da)}`);
      assert.deepEqual(da, db, `digests of ${k}`);
      const [ea, eb] = await Promise.all([a.call('OBJECT', 'ENCODING', `r:${k}`), b.call('OBJECT', 'ENCODING', `r:${k}`)]);
      assert.equal(ea, eb, `encoding of restored ${k}`);
    }
    await d.run([
      ['XINFO', 'STREAM', 'r:st', 'FULL'],
      ['XPENDING', 'r:st', 'g3', '-', '+', '10'],
    ], { typeOnly: true });
    await d.run([['XINFO', 'GROUPS', 'r:st']]);
  });

  it('RESTORE options and errors reply as Redis', async () => {
    await d.run([['SET', 'k', 'value'], ['RPUSH', 'l', 'a', 'b']], { typeOnly: true });
    const [a] = await d.pair();
    const payload = (await a.call('DUMP', 'k')) as string;
    const bad = Buffer.from(payload, 'latin1');
    bad[2] ^= 0xff;
    const badVersion = Buffer.from(payload, 'latin1');
    badVersion[badVersion.length - 10] = 11;
    const short = Buffer.from('abc');
    // a well-formed footer around a body that lies: string length 60 with 3 bytes
    const body = Buffer.from([0x00, 0x3c, 0x61, 0x62, 0x63, 10, 0]);
    const lying = Buffer.concat([body, crc64(body)]);
    const unknownType = Buffer.from([0x08, 0x00, 10, 0]);
    const unknown = Buffer.concat([unknownType, crc64(unknownType)]);
    const farFuture = String(Date.now() + 100000000);
    await d.run([
      ['RESTORE', 'k', '0', payload],
      ['RESTORE', 'k2', '0', payload],
      ['GET', 'k2'],
      ['RESTORE', 'k2', '0', payload, 'REPLACE'],
      ['RESTORE', 'k3', '-1', payload],
      ['RESTORE', 'k3', 'x', payload],
      ['RESTORE', 'k3', '0', bad],
      ['RESTORE', 'k3', '0', badVersion],
      ['RESTORE', 'k3', '0', short],
      ['RESTORE', 'k3', '0', lying],
      ['RESTORE', 'k3', '0', unknown],
      ['RESTORE', 'k3', '0', payload, 'FOO'],
      ['RESTORE', 'k3', '0', payload, 'IDLETIME'],
      ['RESTORE', 'k3', '0', payload, 'IDLETIME', '-1'],
      ['RESTORE', 'k3', '0', payload, 'FREQ', '256'],
      ['RESTORE', 'k3', '0', payload, 'FREQ', 'x'],
      ['RESTORE', 'k3', '0', payload, 'IDLETIME', '10', 'FREQ', '5'],
      ['RESTORE', 'k3', '0', payload, 'FREQ', '5', 'IDLETIME', '10'],
      ['EXISTS', 'k3'],
      ['RESTORE', 'k4', '100000', payload],
      ['TTL', 'k4'],
      ['RESTORE', 'k5', farFuture, payload, 'ABSTTL'],
      ['PEXPIRETIME', 'k5'],
      ['RESTORE', 'k6', '1', payload, 'ABSTTL'],
      ['EXISTS', 'k6'],
      ['RESTORE', 'k2', '1', payload, 'ABSTTL', 'REPLACE'],
      ['EXISTS', 'k2'],
      ['CONFIG', 'SET', 'maxmemory-policy', 'allkeys-lru'],
      ['RESTORE', 'k7', '0', payload, 'IDLETIME', '1000'],
      ['OBJECT', 'IDLETIME', 'k7'],
      ['CONFIG', 'SET', 'maxmemory-policy', 'noeviction'],
      ['RESTORE-ASKING', 'k8', '0', payload],
      ['GET', 'k8'],
      ['DUMP'],
      ['DUMP', 'a', 'b'],
      ['RESTORE', 'k'],
    ]);
  });

  it('RESTORE under LFU keeps FREQ, as Redis', async () => {
    await d.run([['CONFIG', 'SET', 'maxmemory-policy', 'allkeys-lfu'], ['SET', 'k', 'v']]);
    const [a, b] = await d.pair();
    const pa = (await a.call('DUMP', 'k')) as string;
    const pb = (await b.call('DUMP', 'k')) as string;
    assert.equal(pa, pb);
    await d.run([['RESTORE', 'f', '0', pa, 'FREQ', '100'], ['OBJECT', 'FREQ', 'f'], ['CONFIG', 'SET', 'maxmemory-policy', 'noeviction']]);
  });
});

describeCompat('RESTORE of damaged payloads', () => {
  const d = useDiffer(DEBUG_ON);

  it('mutated real payloads get an error or a value, and the server keeps serving', async () => {
    const { setup, keys } = deterministic();
    await d.run(setup, { typeOnly: true });
    const [a] = await d.pair();
    const payloads: Buffer[] = [];
    for (const k of keys) payloads.push(Buffer.from((await a.call('DUMP', k)) as string, 'latin1'));
    const r = rng(42);
    const deadline = Date.now() + 4000;
    let ok = 0;
    let errors = 0;
    let n = 0;
    const c = await RawClient.connect(d.sinew.port);
    while (Date.now() < deadline) {
      const src = payloads[Math.floor(r() * payloads.length)];
      const body = Buffer.from(src.subarray(0, src.length - 8));
      const kind = r();
      let mutated: Buffer;
      if (kind < 0.4) {
        const flips = 1 + Math.floor(r() * 4);
        for (let i = 0; i < flips; i++) body[Math.floor(r() * (body.length - 2))] ^= 1 << Math.floor(r() * 8);
        mutated = body;
      } else if (kind < 0.7) {
        // truncated body, footer kept
        const cut = Math.floor(r() * (body.length - 2));
        mutated = Buffer.concat([body.subarray(0, cut), body.subarray(body.length - 2)]);
      } else {
        // a byte set to an extreme (lengths that lie)
        const i = Math.floor(r() * (body.length - 2));
        body[i] = [0x00, 0xff, 0x80, 0x81, 0xc3, 0x7f][Math.floor(r() * 6)];
        mutated = body;
      }
      const withCrc = Buffer.concat([mutated, crc64(mutated)]);
      const reply = await c.raw('RESTORE', `fz${n++}`, '0', withCrc, 'REPLACE');
      if (reply === '+OK\r\n') ok++;
      else {
        assert.match(reply, /^-ERR (Bad data format|DUMP payload version or checksum are wrong)\r\n$/, 'error reply');
        errors++;
      }
    }
    assert.ok(n > 200, `ran ${n} mutations`);
    assert.ok(errors > 0);
    // everything restored is a usable value
    assert.equal(await c.call('PING'), 'PONG');
    const all = (await c.call('KEYS', 'fz*')) as string[];
    assert.equal(all.length, ok);
    for (const k of all.slice(0, 200)) {
      const digest = await c.raw('DEBUG', 'DIGEST-VALUE', k);
      assert.match(digest, /^\*1\r\n\+[0-9a-f]{40}\r\n$/);
    }
    c.close();
  });
});
