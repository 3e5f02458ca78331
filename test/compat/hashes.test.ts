import { it, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { describeCompat, useDiffer, type Cmd } from '../helpers/differ.js';
import type { RawClient } from '../helpers/raw-client.js';
import { RespMap, type RespValue } from '../../src/protocol/reply-reader.js';
import { scanPairs } from '../helpers/scan.js';

const LONG = 'x'.repeat(65);

describeCompat('hashes against redis-server', () => {
  const d = useDiffer({ reset: false });
  beforeEach(async () => {
    await d?.reset();
    await d?.run([
      ['CONFIG', 'SET', 'hash-max-listpack-entries', '512'],
      ['CONFIG', 'SET', 'hash-max-listpack-value', '64'],
    ]);
  });

  it('HSET family and reads on a listpack keep insertion order', async (t) => {
    await d.runInBothProtocols([
      ['HSET', 'h', 'c', '1', 'a', '2', 'b', '3'],
      ['HSET', 'h', 'a', '20', 'd', '4'],
      ['HDEL', 'h', 'c', 'nope'],
      ['HSET', 'h', 'c', '5'],
      ['HGETALL', 'h'],
      ['HKEYS', 'h'],
      ['HVALS', 'h'],
      ['HLEN', 'h'],
      ['HGET', 'h', 'a'],
      ['HGET', 'h', 'zz'],
      ['HGET', 'nokey', 'a'],
      ['HMGET', 'h', 'a', 'zz', 'b'],
      ['HMGET', 'nokey', 'a', 'b'],
      ['HEXISTS', 'h', 'a'],
      ['HEXISTS', 'h', 'zz'],
      ['HEXISTS', 'nokey', 'a'],
      ['HSTRLEN', 'h', 'a'],
      ['HSTRLEN', 'h', 'zz'],
      ['HSTRLEN', 'nokey', 'a'],
      ['HSETNX', 'h', 'a', 'x'],
      ['HSETNX', 'h', 'e', 'x'],
      ['HSETNX', 'new', 'f', 'v'],
      ['HMSET', 'h', 'a', '1', 'z', '26'],
      ['HGETALL', 'h'],
      ['HGETALL', 'nokey'],
      ['HKEYS', 'nokey'],
      ['HVALS', 'nokey'],
      ['HLEN', 'nokey'],
      ['HSET', 'bin', 'f\x00\xff', 'v\r\n\x80'],
      ['HGETALL', 'bin'],
      ['HSET', 'empty', '', ''],
      ['HGETALL', 'empty'],
      ['HSTRLEN', 'empty', ''],
      ['OBJECT', 'ENCODING', 'h'],
    ]);
  });

  it('arity and WRONGTYPE errors', async (t) => {
    await d.runInBothProtocols([
      ['HSET', 'h'],
      ['HSET', 'h', 'a'],
      ['HSET', 'h', 'a', '1', 'b'],
      ['HMSET', 'h', 'a', '1', 'b'],
      ['HMSET', 'h', 'a'],
      ['HSETNX', 'h', 'a'],
      ['HGET', 'h'],
      ['HDEL', 'h'],
      ['HRANDFIELD'],
      ['HSCAN', 'h'],
      ['EXISTS', 'h'],
      ['SET', 's', 'v'],
      ['HSET', 's', 'a', '1'],
      ['HSET', 's', 'a', '1', 'b'],
      ['HMSET', 's', 'a', '1'],
      ['HSETNX', 's', 'a', '1'],
      ['HGET', 's', 'a'],
      ['HMGET', 's', 'a'],
      ['HGETALL', 's'],
      ['HKEYS', 's'],
      ['HVALS', 's'],
      ['HDEL', 's', 'a'],
      ['HLEN', 's'],
      ['HEXISTS', 's', 'a'],
      ['HSTRLEN', 's', 'a'],
      ['HINCRBY', 's', 'a', '1'],
      ['HINCRBY', 's', 'a', 'x'],
      ['HINCRBYFLOAT', 's', 'a', '1'],
      ['HINCRBYFLOAT', 's', 'a', 'x'],
      ['HINCRBYFLOAT', 's', 'a', 'inf'],
      ['HRANDFIELD', 's'],
      ['HRANDFIELD', 's', '1'],
      ['HRANDFIELD', 's', 'x'],
      ['HRANDFIELD', 's', '1', 'withvalues'],
      ['HRANDFIELD', 's', '1', 'bad'],
      ['HSCAN', 's', '0'],
      ['HSCAN', 's', 'x'],
      ['HSCAN', 's', '0', 'BAD'],
      ['GET', 's'],
      ['SADD', 'set', 'a'],
      ['HGET', 'set', 'a'],
    ]);
  });

  it('listpack to hashtable conversions, one way', async (t) => {
    await d.run([
      ['CONFIG', 'SET', 'hash-max-listpack-entries', '4'],
      ['HSET', 'h', 'a', '1', 'b', '2', 'c', '3', 'd', '4'],
      ['OBJECT', 'ENCODING', 'h'],
      ['HSET', 'h', 'a', '11'],
      ['OBJECT', 'ENCODING', 'h'],
      ['HSET', 'h', 'e', '5'],
      ['OBJECT', 'ENCODING', 'h'],
      ['HDEL', 'h', 'a', 'b', 'c', 'd'],
      ['OBJECT', 'ENCODING', 'h'],
      ['HGETALL', 'h'],
      ['HSET', 'many', 'a', '1', 'b', '2', 'c', '3', 'd', '4', 'e', '5'],
      ['OBJECT', 'ENCODING', 'many'],
      ['CONFIG', 'SET', 'hash-max-listpack-entries', '0'],
      ['HSET', 'zero', 'a', '1'],
      ['OBJECT', 'ENCODING', 'zero'],
      ['CONFIG', 'SET', 'hash-max-listpack-entries', '512'],
      // long field or value, by each way in
      ['HSET', 'v1', 'a', '1', 'b', LONG],
      ['OBJECT', 'ENCODING', 'v1'],
      ['HSET', 'v2', 'a', 'x'.repeat(64)],
      ['OBJECT', 'ENCODING', 'v2'],
      ['HSET', 'v3', LONG, '1'],
      ['OBJECT', 'ENCODING', 'v3'],
      ['HSET', 'v4', 'a', '1'],
      ['HSET', 'v4', 'a', LONG],
      ['OBJECT', 'ENCODING', 'v4'],
      ['HSET', 'v5', 'a', '1'],
      ['HSETNX', 'v5', 'a', LONG],
      ['OBJECT', 'ENCODING', 'v5'],
      ['HSETNX', 'v5', 'b', LONG],
      ['OBJECT', 'ENCODING', 'v5'],
      ['HMSET', 'v6', 'a', '1', LONG, '2'],
      ['OBJECT', 'ENCODING', 'v6'],
      ['HINCRBY', 'v7', LONG, '1'],
      ['OBJECT', 'ENCODING', 'v7'],
      ['HINCRBYFLOAT', 'v8', LONG, '1.5'],
      ['OBJECT', 'ENCODING', 'v8'],
      ['CONFIG', 'SET', 'hash-max-listpack-value', '3'],
      ['HINCRBY', 'v9', 'f', '999'],
      ['OBJECT', 'ENCODING', 'v9'],
      ['HINCRBY', 'v9', 'f', '1'],
      ['OBJECT', 'ENCODING', 'v9'],
      ['HINCRBYFLOAT', 'v10', 'f', '1.5'],
      ['OBJECT', 'ENCODING', 'v10'],
      ['HINCRBYFLOAT', 'v10', 'f', '9'],
      ['OBJECT', 'ENCODING', 'v10'],
      ['CONFIG', 'SET', 'hash-max-ziplist-value', '64'],
      ['CONFIG', 'GET', 'hash-max-listpack-value'],
    ]);
    // hashtable replies are in hash order: compare as multisets
    await d.run([['HGETALL', 'many'], ['HKEYS', 'many'], ['HVALS', 'many'], ['HGETALL', 'v6']], { unordered: true });
  });

  it('HINCRBY', async (t) => {
    await d.runInBothProtocols([
      ['HINCRBY', 'h', 'n', '5'],
      ['HINCRBY', 'h', 'n', '-10'],
      ['HINCRBY', 'h', 'n', '0'],
      ['HGETALL', 'h'],
      ['HINCRBY', 'h', 'n', 'x'],
      ['HINCRBY', 'h', 'n', '1.5'],
      ['HINCRBY', 'h', 'n', ' 1'],
      ['HINCRBY', 'h', 'n', '9223372036854775808'],
      ['HSET', 'h', 'max', '9223372036854775806', 'min', '-9223372036854775807'],
      ['HINCRBY', 'h', 'max', '1'],
      ['HINCRBY', 'h', 'max', '1'],
      ['HINCRBY', 'h', 'max', '-9223372036854775808'],
      ['HINCRBY', 'h', 'min', '-1'],
      ['HINCRBY', 'h', 'min', '-1'],
      ['HINCRBY', 'h', 'min', '9223372036854775807'],
      ['HINCRBY', 'h', 'min', '9223372036854775807'],
      ['HSET', 'h', 's', 'abc', 'sp', ' 1', 'z', '01', 'f', '1.0', 'e', ''],
      ['HINCRBY', 'h', 's', '1'],
      ['HINCRBY', 'h', 'sp', '1'],
      ['HINCRBY', 'h', 'z', '1'],
      ['HINCRBY', 'h', 'f', '1'],
      ['HINCRBY', 'h', 'e', '1'],
      ['HINCRBY', 'new', 'f', '-9223372036854775808'],
      ['HGETALL', 'h'],
      ['HGETALL', 'new'],
    ]);
  });

  it('HINCRBYFLOAT with long double semantics', async (t) => {
    await d.runInBothProtocols([
      ['HINCRBYFLOAT', 'h', 'f', '10.5'],
      ['HINCRBYFLOAT', 'h', 'f', '0.1'],
      ['HINCRBYFLOAT', 'h', 'f', '-5.0e3'],
      ['HINCRBYFLOAT', 'h', 'g', '0.1'],
      ['HINCRBYFLOAT', 'h', 'g', '0.2'],
      ['HINCRBYFLOAT', 'h', 'g', '1e20'],
      ['HINCRBYFLOAT', 'h', 'big', '1e300'],
      ['HINCRBYFLOAT', 'h', 'big', '1e300'],
      ['HINCRBYFLOAT', 'h', 'tiny', '1.5e-7'],
      ['HINCRBYFLOAT', 'h', 'neg', '-0.0'],
      ['HINCRBYFLOAT', 'h', 'hex', '0x10'],
      ['HINCRBYFLOAT', 'h', 'f', 'inf'],
      ['HINCRBYFLOAT', 'h', 'f', '-inf'],
      ['HINCRBYFLOAT', 'h', 'f', 'nan'],
      ['HINCRBYFLOAT', 'h', 'f', 'abc'],
      ['HINCRBYFLOAT', 'h', 'f', ''],
      ['HINCRBYFLOAT', 'h', 'f', ' 1'],
      ['HSET', 'h', 's', 'abc', 'i', '7', 'sp', ' 1', 'inf', 'inf'],
      ['HINCRBYFLOAT', 'h', 's', '1'],
      ['HINCRBYFLOAT', 'h', 'sp', '1'],
      ['HINCRBYFLOAT', 'h', 'i', '1.25'],
      ['HINCRBYFLOAT', 'h', 'inf', '1'],
      ['HSET', 'h', 'm', '1.7976931348623157e308'],
      ['HINCRBYFLOAT', 'h', 'm', '1.7976931348623157e308'],
      ['HINCRBYFLOAT', 'h', 'm', '1e4932'],
      ['HINCRBYFLOAT', 'h', 'f', '1'.repeat(5200)],
      ['OBJECT', 'ENCODING', 'h'],
    ]);
    // the 300-digit value made it a hashtable
    await d.run([['HGETALL', 'h']], { unordered: true });
  });

  it('HRANDFIELD deterministic cases and errors', async (t) => {
    await d.runInBothProtocols([
      ['HRANDFIELD', 'nokey'],
      ['HRANDFIELD', 'nokey', '3'],
      ['HRANDFIELD', 'nokey', '-3'],
      ['HRANDFIELD', 'nokey', '3', 'WITHVALUES'],
      ['HRANDFIELD', 'nokey', '0'],
      ['HSET', 'h', 'c', '1', 'a', '2', 'b', '3'],
      ['HRANDFIELD', 'h', '0'],
      ['HRANDFIELD', 'h', '0', 'withvalues'],
      ['HRANDFIELD', 'h', '3'],
      ['HRANDFIELD', 'h', '5', 'withvalues'],
      ['HRANDFIELD', 'h', '9223372036854775807'],
      ['HRANDFIELD', 'h', '4611686018427387903', 'WithValues'],
      ['HRANDFIELD', 'h', '4611686018427387904', 'withvalues'],
      ['HRANDFIELD', 'h', '-4611686018427387904', 'withvalues'],
      ['HRANDFIELD', 'nokey', '4611686018427387904', 'withvalues'],
      ['HRANDFIELD', 'h', '-9223372036854775808'],
      ['HRANDFIELD', 'nokey', '-9223372036854775808'],
      ['HRANDFIELD', 'nokey', '-9223372036854775807'],
      ['HRANDFIELD', 'nokey', '-4611686018427387903', 'WITHVALUES'],
      ['HRANDFIELD', 'h', '9223372036854775808'],
      ['HRANDFIELD', 'h', 'x'],
      ['HRANDFIELD', 'h', '1.5'],
      ['HRANDFIELD', 'h', '1', 'values'],
      ['HRANDFIELD', 'h', '1', 'withvalues', 'x'],
      ['HRANDFIELD', 'h', 'x', 'bad'],
      ['HSET', 'one', 'f', 'v'],
      ['HRANDFIELD', 'one'],
      ['HRANDFIELD', 'one', '1'],
      ['HRANDFIELD', 'one', '1', 'withvalues'],
      ['HRANDFIELD', 'one', '-3'],
      ['HRANDFIELD', 'one', '-3', 'withvalues'],
    ]);
  });

  it('HRANDFIELD random cases: reply shapes and members', async (t) => {
    const fields: string[] = [];
    for (let i = 0; i < 20; i++) fields.push(`f${i}`, `v${i}`);
    // 300 fields: counts at most a sixteenth of the size take the distinct-picks path
    const many: string[] = [];
    for (let i = 0; i < 300; i++) many.push(`f${i}`, `v${i}`);
    for (const resp of ['2', '3']) {
      await d.run([['HELLO', resp]], { typeOnly: true });
      for (const enc of ['listpack', 'hashtable', 'big hashtable']) {
        await d.run([['DEL', 'h'], ['HSET', 'h', ...(enc === 'big hashtable' ? many : fields)]]);
        if (enc === 'hashtable') await d.run([['HSET', 'h', LONG, '1'], ['HDEL', 'h', LONG]]);
        await d.run([['OBJECT', 'ENCODING', 'h']]);
        for (const args of [['-5'], ['-50'], ['5'], ['10'], ['19'], ['-5', 'WITHVALUES'], ['5', 'WITHVALUES'], ['15', 'WITHVALUES'], []]) {
          const cmd = ['HRANDFIELD', 'h', ...args];
          await d.run([cmd], { typeOnly: true });
          const [ours] = await d.pair();
          const r = await ours.call(...cmd);
          const n = args.length === 0 ? 1 : Math.abs(Number(args[0]));
          const withValues = args[1] === 'WITHVALUES';
          const pairs: [string, string | null][] = [];
          if (args.length === 0) {
            pairs.push([String(r), null]);
          } else {
            const arr = r as RespValue[];
            if (withValues && resp === '3') for (const p of arr) pairs.push([String((p as RespValue[])[0]), String((p as RespValue[])[1])]);
            else if (withValues) for (let i = 0; i < arr.length; i += 2) pairs.push([String(arr[i]), String(arr[i + 1])]);
            else for (const x of arr) pairs.push([String(x), null]);
          }
          assert.equal(pairs.length, n, cmd.join(' '));
          for (const [f, v] of pairs) {
            assert.match(f, /^f\d+$/);
            if (v !== null) assert.equal(v, 'v' + f.slice(1));
          }
          if (Number(args[0] ?? -1) > 0) assert.equal(new Set(pairs.map((p) => p[0])).size, n, 'distinct fields');
        }
      }
    }
  });

  it('HSCAN: small encodings whole, hashtables by cursor', async (t) => {
    await d.runInBothProtocols([
      ['HSCAN', 'nokey', '0'],
      ['HSCAN', 'nokey', '0', 'COUNT', '0'],
      ['HSCAN', 'nokey', 'x'],
      ['HSET', 'h', 'b', '1', 'a', '2', 'ab', '3', 'c', '4'],
      ['HSCAN', 'h', '0'],
      ['HSCAN', 'h', '0', 'MATCH', 'a*'],
      ['HSCAN', 'h', '0', 'match', '*b', 'count', '1'],
      ['HSCAN', 'h', '12345'],
      ['HSCAN', 'h', ''],
      ['HSCAN', 'h', '+0'],
      ['HSCAN', 'h', '-1'],
      ['HSCAN', 'h', '18446744073709551615'],
      ['HSCAN', 'h', '18446744073709551616'],
      ['HSCAN', 'h', '-18446744073709551616'],
      ['HSCAN', 'h', ' 0'],
      ['HSCAN', 'h', '0x'],
      ['HSCAN', 'h', '-'],
      ['HSCAN', 'h', '0', 'COUNT', '0'],
      ['HSCAN', 'h', '0', 'COUNT', '-1'],
      ['HSCAN', 'h', '0', 'COUNT', 'x'],
      ['HSCAN', 'h', '0', 'MATCH'],
      ['HSCAN', 'h', '0', 'TYPE', 'string'],
      ['HSCAN', 'h', '0', 'NOVALUES'],
    ]);
    const args: string[] = [];
    for (let i = 0; i < 300; i++) args.push(`field:${i}`, `value:${i}`);
    await d.run([['HSET', 'big', ...args], ['OBJECT', 'ENCODING', 'big']]);
    await d.run([['CONFIG', 'SET', 'hash-max-listpack-entries', '100'], ['HSET', 'big', 'field:300', 'value:300'], ['OBJECT', 'ENCODING', 'big']]);
    const [ours, theirs] = await d.pair();
    for (const extra of [[], ['COUNT', '7'], ['MATCH', 'field:1*'], ['MATCH', 'field:2?', 'COUNT', '1000']]) {
      const [a, b] = await Promise.all([scanPairs(ours, 'HSCAN', 'big', extra), scanPairs(theirs, 'HSCAN', 'big', extra)]);
      assert.deepEqual(new Map([...a].sort()), new Map([...b].sort()), `HSCAN ${extra.join(' ')}`);
      assert.ok(a.size > 0);
    }
  });

  it('random command sequences (seeded), encodings included', async (t) => {
    await d.run([
      ['CONFIG', 'SET', 'hash-max-listpack-entries', '8'],
      ['CONFIG', 'SET', 'hash-max-listpack-value', '6'],
    ]);
    let seed = 4242;
    const rnd = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % n;
    };
    const pick = <T>(xs: readonly T[]): T => xs[rnd(xs.length)];
    const keys = ['k1', 'k2', 'k3'];
    const field = (): string => pick(['f1', 'f2', 'f3', 'f4', 'f5', 'f6', 'f7', 'f8', 'f9', 'longfield']);
    const value = (): string => pick(['1', '2', '-3', '1.5', 'abc', 'longvalue', '9223372036854775806', '']);
    for (let i = 0; i < 600; i++) {
      const k = pick(keys);
      const cmd: Cmd = pick([
        () => ['HSET', k, field(), value()],
        () => ['HSET', k, field(), value(), field(), value()],
        () => ['HSETNX', k, field(), value()],
        () => ['HDEL', k, field(), field()],
        () => ['HINCRBY', k, field(), pick(['1', '-100', '9223372036854775807'])],
        () => ['HINCRBYFLOAT', k, field(), pick(['1.5', '-0.25', '1e3'])],
        () => ['HGET', k, field()],
        () => ['HMGET', k, field(), field()],
        () => ['HLEN', k],
        () => ['HSTRLEN', k, field()],
        () => ['HEXISTS', k, field()],
        () => ['OBJECT', 'ENCODING', k],
        () => ['HGETALL', k],
        () => ['HKEYS', k],
        () => ['HVALS', k],
        () => ['HRANDFIELD', k, '100', 'WITHVALUES'],
        () => ['HSCAN', k, '0', 'COUNT', '100'],
      ] as (() => Cmd)[])();
      const name = String(cmd[0]);
      let unordered = false;
      if (name === 'HGETALL' || name === 'HKEYS' || name === 'HVALS' || name === 'HRANDFIELD' || name === 'HSCAN') {
        const [enc] = await d.run([['OBJECT', 'ENCODING', k]]);
        unordered = enc.includes('hashtable');
      }
      await d.run([cmd], { unordered });
    }
  });

  it('keyspace notifications', async (t) => {
    await d.run([['CONFIG', 'SET', 'notify-keyspace-events', 'KEA']]);
    await d.run([['PSUBSCRIBE', '__key*__:*']], { conn: 1 });
    await d.run([
      ['HSET', 'h', 'a', '1', 'b', '2'],
      ['HSET', 'h', 'a', '1'],
      ['HMSET', 'h', 'c', '3'],
      ['HSETNX', 'h', 'a', '1'],
      ['HSETNX', 'h', 'd', '1'],
      ['HINCRBY', 'h', 'n', '1'],
      ['HINCRBY', 'h', 'a', 'x'],
      ['HINCRBYFLOAT', 'h', 'x', '1.5'],
      ['HDEL', 'h', 'zz'],
      ['HDEL', 'h', 'a', 'b'],
      ['HDEL', 'h', 'c', 'd', 'n', 'x', 'zz'],
      ['HSET', 'h2', 'f', 'v'],
      ['SET', 's', 'v'],
      ['HSET', 's', 'a', 'b'],
      ['PUBLISH', '__keyevent@0__:end', 'x'],
    ]);
    await d.expectPushesUntil('__keyevent@0__:end');
    await d.run([['CONFIG', 'SET', 'notify-keyspace-events', '']]);
  });

  it('HGETALL is a map in RESP3, and a hashtable hash compares as a multiset', async (t) => {
    await d.run([['HELLO', '3']], { typeOnly: true });
    await d.run([['HSET', 'h', 'a', LONG, 'b', '2'], ['OBJECT', 'ENCODING', 'h']]);
    await d.run([['HGETALL', 'h'], ['HKEYS', 'h'], ['HVALS', 'h'], ['HRANDFIELD', 'h', '2', 'WITHVALUES'], ['HRANDFIELD', 'h', '5']], { unordered: true });
    const [ours] = await d.pair();
    assert.ok((await ours.call('HGETALL', 'h')) instanceof RespMap);
  });
});

describeCompat('hashes: bounded replies (Sinew only)', () => {
  const d = useDiffer({ reset: false });

  it('HRANDFIELD with a huge negative count drops the client instead of exhausting memory', async (t) => {
    // redis-server itself runs out of memory on this one: Sinew only.
    const { RawClient } = await import('../helpers/raw-client.js');
    const a = await RawClient.connect(d.sinew.port);
    assert.equal(await a.raw('HSET', 'h', 'a', '1', 'b', '2'), ':2\r\n');
    a.send('HRANDFIELD', 'h', '-9223372036854775807');
    assert.equal(await a.waitClose(5000), true);
    const b = await RawClient.connect(d.sinew.port);
    a.close();
    b.send('HRANDFIELD', 'h', '-4611686018427387903', 'WITHVALUES');
    assert.equal(await b.waitClose(5000), true);
    b.close();
    const c = await RawClient.connect(d.sinew.port);
    assert.equal(await c.raw('HLEN', 'h'), ':2\r\n');
    const r = (await c.call('HRANDFIELD', 'h', '-1000')) as RespValue[];
    assert.equal(r.length, 1000);
    c.close();
  });
});
