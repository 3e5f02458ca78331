import { it, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { describeCompat, useDiffer, type Cmd } from '../helpers/differ.js';
import { RawClient } from '../helpers/raw-client.js';
import { RespSet, ReplyReader, type RespValue } from '../../src/protocol/reply-reader.js';
import { scanAll } from '../helpers/scan.js';

function items(v: RespValue): string[] {
  if (v instanceof RespSet) return v.items.map(String);
  return (v as RespValue[]).map(String);
}

/** A whole SSCAN: its distinct members, sorted. */
const scanMembers = async (cl: RawClient, key: string, extra: string[] = []): Promise<string[]> => [...new Set(await scanAll(cl, 'SSCAN', key, extra))].sort();

const range = (a: number, b: number): string[] => {
  const out: string[] = [];
  for (let i = a; i < b; i++) out.push(String(i));
  return out;
};

describeCompat('sets against redis-server', () => {
  const d = useDiffer({ reset: false });
  beforeEach(async () => {
    await d?.reset();
    await d?.run([['CONFIG', 'SET', 'set-max-intset-entries', '512']]);
  });

  it('intsets: membership and numeric order', async (t) => {
    await d.runInBothProtocols([
      ['SADD', 's', '5', '-3', '100', '0', '9223372036854775807', '-9223372036854775808', '5'],
      ['SADD', 's', '7'],
      ['SADD', 's', '7'],
      ['SREM', 's', '100', 'nope', '-3'],
      ['SADD', 's', '42', '-1'],
      ['SMEMBERS', 's'],
      ['SCARD', 's'],
      ['SISMEMBER', 's', '5'],
      ['SISMEMBER', 's', '05'],
      ['SISMEMBER', 's', 'x'],
      ['SMISMEMBER', 's', '5', 'x', '42', '-1'],
      ['SMISMEMBER', 'nokey', '1', '2'],
      ['SISMEMBER', 'nokey', '1'],
      ['SCARD', 'nokey'],
      ['SMEMBERS', 'nokey'],
      ['SREM', 'nokey', 'a'],
      ['OBJECT', 'ENCODING', 's'],
      ['SRANDMEMBER', 's', '100'],
      ['SRANDMEMBER', 's', '9223372036854775807'],
      ['SSCAN', 's', '0'],
      ['SSCAN', 's', '99', 'MATCH', '4*', 'COUNT', '1'],
      ['SUNION', 's'],
      ['SINTER', 's', 's'],
      ['SDIFF', 's', 'nokey'],
      ['SREM', 's', '5', '-9223372036854775808', '9223372036854775807', '0', '7', '42', '-1'],
      ['EXISTS', 's'],
      ['SADD', 'b', '\x00\xff', 'a b', ''],
      ['SISMEMBER', 'b', ''],
      ['SCARD', 'b'],
    ]);
  });

  it('hashtable sets compare as multisets', async (t) => {
    await d.runInBothProtocols(
      [
        ['SADD', 's', 'a', 'b', 'c', '1', '2'],
        ['SREM', 's', 'b'],
        ['SMEMBERS', 's'],
        ['OBJECT', 'ENCODING', 's'],
        ['SRANDMEMBER', 's', '4'],
        ['SRANDMEMBER', 's', '40'],
        ['SSCAN', 's', '0'],
        ['SADD', 't', 'c', '1', 'z'],
        ['SINTER', 's', 't'],
        ['SUNION', 's', 't', 'nokey'],
        ['SDIFF', 's', 't'],
        ['SREM', 's', 'a', 'c', '1', '2'],
        ['EXISTS', 's'],
      ],
      { unordered: true },
    );
  });

  it('arity, syntax and WRONGTYPE errors', async (t) => {
    await d.runInBothProtocols([
      ['SADD', 's'],
      ['SREM', 's'],
      ['SMOVE', 'a', 'b'],
      ['SINTER'],
      ['SINTERSTORE', 'd'],
      ['SPOP'],
      ['SRANDMEMBER'],
      ['SSCAN', 's'],
      ['SADD', 'set', '1'],
      ['SET', 'str', 'v'],
      ['SADD', 'str', 'a'],
      ['SREM', 'str', 'a'],
      ['SCARD', 'str'],
      ['SISMEMBER', 'str', 'a'],
      ['SMISMEMBER', 'str', 'a'],
      ['SMEMBERS', 'str'],
      ['SRANDMEMBER', 'str'],
      ['SRANDMEMBER', 'str', '2'],
      ['SRANDMEMBER', 'str', 'x'],
      ['SRANDMEMBER', 'str', '1', '2'],
      ['SPOP', 'str'],
      ['SPOP', 'str', '2'],
      ['SPOP', 'str', '-2'],
      ['SPOP', 'str', '1', '2'],
      ['SMOVE', 'str', 'set', '1'],
      ['SMOVE', 'set', 'str', '1'],
      ['SMOVE', 'nokey', 'str', '1'],
      ['SMOVE', 'set', 'str', 'notmember'],
      ['SINTER', 'set', 'str'],
      ['SINTER', 'nokey', 'str'],
      ['SINTER', 'str', 'nokey'],
      ['SINTERSTORE', 'd', 'set', 'str'],
      ['SINTERSTORE', 'str', 'set'],
      ['SINTERCARD', '2', 'set', 'str'],
      ['SUNION', 'set', 'str'],
      ['SUNIONSTORE', 'd', 'nokey', 'str'],
      ['SDIFF', 'nokey', 'str'],
      ['SDIFF', 'set', 'str'],
      ['SDIFFSTORE', 'd', 'set', 'str'],
      ['SSCAN', 'str', '0'],
      ['SSCAN', 'str', 'x'],
      ['SSCAN', 'str', '0', 'BAD'],
      ['GET', 'str'],
      ['EXISTS', 'd'],
      ['HSET', 'hash', 'a', '1'],
      ['SADD', 'hash', 'a'],
      ['SCARD', 'hash'],
    ]);
  });

  it('encodings: intset limits, non-integers, one-way conversion', async (t) => {
    await d.run([
      ['CONFIG', 'SET', 'set-max-intset-entries', '4'],
      ['SADD', 'a', '1', '2', '3', '4'],
      ['OBJECT', 'ENCODING', 'a'],
      ['SADD', 'a', '4'],
      ['OBJECT', 'ENCODING', 'a'],
      ['SADD', 'a', '5'],
      ['OBJECT', 'ENCODING', 'a'],
      ['SREM', 'a', '5', '4'],
      ['OBJECT', 'ENCODING', 'a'],
      ['CONFIG', 'SET', 'set-max-intset-entries', '0'],
      ['SADD', 'z', '1'],
      ['OBJECT', 'ENCODING', 'z'],
      ['CONFIG', 'SET', 'set-max-intset-entries', '512'],
      ['SADD', 'b', 'x'],
      ['OBJECT', 'ENCODING', 'b'],
      ['SADD', 'c', '1', 'x'],
      ['OBJECT', 'ENCODING', 'c'],
      ['SREM', 'c', 'x'],
      ['OBJECT', 'ENCODING', 'c'],
      ['SADD', 'd1', '01'],
      ['SADD', 'd2', '-0'],
      ['SADD', 'd3', '+1'],
      ['SADD', 'd4', '9223372036854775808'],
      ['SADD', 'd5', '-9223372036854775809'],
      ['SADD', 'd6', '1.0'],
      ['SADD', 'd7', ' 1'],
      ['SADD', 'd8', '-9223372036854775808', '9223372036854775807'],
      ['OBJECT', 'ENCODING', 'd1'],
      ['OBJECT', 'ENCODING', 'd2'],
      ['OBJECT', 'ENCODING', 'd3'],
      ['OBJECT', 'ENCODING', 'd4'],
      ['OBJECT', 'ENCODING', 'd5'],
      ['OBJECT', 'ENCODING', 'd6'],
      ['OBJECT', 'ENCODING', 'd7'],
      ['OBJECT', 'ENCODING', 'd8'],
      ['SADD', 'big', ...range(0, 513)],
      ['OBJECT', 'ENCODING', 'big'],
      ['SADD', 'edge', ...range(0, 512)],
      ['OBJECT', 'ENCODING', 'edge'],
      ['SMEMBERS', 'edge'],
      // SMOVE creates the destination with the member's encoding
      ['SADD', 'src', '1', 'x'],
      ['SMOVE', 'src', 'dst1', '1'],
      ['OBJECT', 'ENCODING', 'dst1'],
      ['SMOVE', 'src', 'dst2', 'x'],
      ['OBJECT', 'ENCODING', 'dst2'],
      ['EXISTS', 'src'],
      ['CONFIG', 'SET', 'set-max-intset-entries', '512'],
    ]);
  });

  it('SINTER / SUNION / SDIFF and their STORE forms', async (t) => {
    await d.runInBothProtocols([
      ['SADD', 'a', '1', '2', '3', '4', '5'],
      ['SADD', 'b', '4', '5', '6'],
      ['SADD', 'c', '5', '4', '9', '1'],
      ['SINTER', 'a', 'b', 'c'],
      ['SINTER', 'a', 'nokey'],
      ['SINTER', 'nokey'],
      ['SUNION', 'a', 'b', 'c'],
      ['SUNION', 'nokey', 'nokey2'],
      ['SDIFF', 'a', 'b'],
      ['SDIFF', 'a', 'b', 'c'],
      ['SDIFF', 'a', 'a'],
      ['SDIFF', 'a', 'nokey', 'a'],
      ['SDIFF', 'nokey', 'a'],
      ['SINTERSTORE', 'd', 'a', 'b'],
      ['SMEMBERS', 'd'],
      ['OBJECT', 'ENCODING', 'd'],
      ['SUNIONSTORE', 'd', 'a', 'b', 'c'],
      ['SMEMBERS', 'd'],
      ['SDIFFSTORE', 'd', 'a', 'b'],
      ['SMEMBERS', 'd'],
      ['SINTERSTORE', 'a', 'a', 'c'],
      ['SMEMBERS', 'a'],
      ['SET', 'str', 'v'],
      ['EXPIRE', 'str', '100'],
      ['SUNIONSTORE', 'str', 'b'],
      ['TYPE', 'str'],
      ['TTL', 'str'],
      ['SADD', 'e', '1'],
      ['EXPIRE', 'e', '100'],
      ['SINTERSTORE', 'e', 'a', 'b'],
      ['TTL', 'e'],
      ['SINTERSTORE', 'e', 'a', 'nokey'],
      ['EXISTS', 'e'],
      ['SINTERSTORE', 'e', 'a', 'nokey'],
      ['SADD', 'e', '1'],
      ['SDIFFSTORE', 'e', 'a', 'a'],
      ['EXISTS', 'e'],
      ['SADD', 'e', '1'],
      ['SUNIONSTORE', 'e', 'nokey'],
      ['EXISTS', 'e'],
      ['SADD', 'e', '1'],
      ['SINTERSTORE', 'e', 'b', 'c', 'nokey'],
      ['EXISTS', 'e'],
      ['SINTERCARD', '3', 'a', 'b', 'c'],
      ['SINTERCARD', '2', 'b', 'c'],
      ['SINTERCARD', '2', 'b', 'c', 'LIMIT', '1'],
      ['SINTERCARD', '2', 'b', 'c', 'limit', '0'],
      ['SINTERCARD', '2', 'b', 'c', 'LIMIT', '5', 'LIMIT', '1'],
      ['SINTERCARD', '2', 'b', 'nokey'],
      ['SINTERCARD', '1', 'nokey'],
      ['SINTERCARD', '0', 'a'],
      ['SINTERCARD', '-1', 'a'],
      ['SINTERCARD', 'x', 'a'],
      ['SINTERCARD', '9223372036854775807', 'a'],
      ['SINTERCARD', '2', 'a'],
      ['SINTERCARD', '1', 'a', 'LIMIT'],
      ['SINTERCARD', '1', 'a', 'LIMIT', '-1'],
      ['SINTERCARD', '1', 'a', 'LIMIT', 'x'],
      ['SINTERCARD', '1', 'a', 'FOO', '1'],
      ['SINTERCARD', '1', 'a', 'b'],
    ]);
  });

  it('store results get the encoding Redis gives them', async (t) => {
    const many = range(0, 600);
    await d.run([
      // integers that live in hashtables intersect into an intset
      ['SADD', 'h1', 'x', ...range(0, 10)],
      ['SADD', 'h2', 'x', ...range(5, 15)],
      ['SREM', 'h1', 'x'],
      ['SINTERSTORE', 'r1', 'h1', 'h2'],
      ['OBJECT', 'ENCODING', 'r1'],
      ['SMEMBERS', 'r1'],
      ['SUNIONSTORE', 'r2', 'h1'],
      ['OBJECT', 'ENCODING', 'r2'],
      ['SUNION', 'h1'],
      ['SDIFF', 'h1', 'h2'],
      // SDIFF's two algorithms: the second one goes through a copy of the
      // first set, which can leave the result a hashtable
      ['SADD', 'big', ...many],
      ['SADD', 'sub', ...range(0, 100)],
      ['SADD', 'one', '598'],
      ['SADD', 'two', '599'],
      ['SDIFFSTORE', 'r3', 'big', 'sub', 'one', 'two'],
      ['SCARD', 'r3'],
      ['OBJECT', 'ENCODING', 'r3'],
      ['SADD', 'mix', 'a', '1', '2', '3'],
      ['SADD', 'ma', 'a'],
      ['SADD', 'mb', 'b'],
      ['SADD', 'mc', 'c'],
      ['SDIFFSTORE', 'r4', 'mix', 'ma', 'mb', 'mc'],
      ['OBJECT', 'ENCODING', 'r4'],
      ['SDIFFSTORE', 'r5', 'mix', 'ma'],
      ['OBJECT', 'ENCODING', 'r5'],
      ['SMEMBERS', 'r5'],
      ['SDIFF', 'mix', 'ma'],
      ['SDIFFSTORE', 'r6', 'big', 'sub'],
      ['OBJECT', 'ENCODING', 'r6'],
    ]);
    await d.run([['SMEMBERS', 'r4'], ['SDIFF', 'mix', 'ma', 'mb', 'mc'], ['SINTER', 'h1', 'h2']], { unordered: true });
  });

  it('SMOVE', async (t) => {
    await d.runInBothProtocols([
      ['SADD', 'a', '1', '2'],
      ['SADD', 'b', '3'],
      ['SMOVE', 'a', 'b', '1'],
      ['SMOVE', 'a', 'b', '1'],
      ['SMOVE', 'a', 'a', '2'],
      ['SMOVE', 'a', 'a', '9'],
      ['SMOVE', 'nokey', 'a', '1'],
      ['SADD', 'b', '2'],
      ['SMOVE', 'a', 'b', '2'],
      ['EXISTS', 'a'],
      ['SMEMBERS', 'b'],
      ['SMOVE', 'b', 'new', '3'],
      ['SMEMBERS', 'new'],
      ['SMEMBERS', 'b'],
    ]);
  });

  it('SPOP and SRANDMEMBER: deterministic cases and errors', async (t) => {
    await d.runInBothProtocols([
      ['SPOP', 'nokey'],
      ['SPOP', 'nokey', '0'],
      ['SPOP', 'nokey', '5'],
      ['SPOP', 'nokey', '-1'],
      ['SPOP', 'nokey', 'x'],
      ['SRANDMEMBER', 'nokey'],
      ['SRANDMEMBER', 'nokey', '0'],
      ['SRANDMEMBER', 'nokey', '5'],
      ['SRANDMEMBER', 'nokey', '-5'],
      ['SRANDMEMBER', 'nokey', '-9223372036854775808'],
      ['SRANDMEMBER', 'nokey', '-9223372036854775807'],
      ['SRANDMEMBER', 'nokey', '9223372036854775807'],
      ['SADD', 's', '3', '1', '2'],
      ['SPOP', 's', '0'],
      ['SPOP', 's', '-1'],
      ['SPOP', 's', '1.5'],
      ['SPOP', 's', '9223372036854775808'],
      ['SPOP', 's', '-9223372036854775808'],
      ['SPOP', 'nokey', '-9223372036854775808'],
      ['SPOP', 's', '1', '2'],
      ['SRANDMEMBER', 's', '0'],
      ['SRANDMEMBER', 's', '3'],
      ['SRANDMEMBER', 's', '-9223372036854775808'],
      ['SRANDMEMBER', 's', '9223372036854775808'],
      ['SRANDMEMBER', 's', 'x'],
      ['SRANDMEMBER', 's', '1', '2'],
      ['SPOP', 's', '3'],
      ['EXISTS', 's'],
      ['SADD', 's', '3', '1', '2'],
      ['SPOP', 's', '9223372036854775807'],
      ['SADD', 'one', 'x'],
      ['SRANDMEMBER', 'one'],
      ['SRANDMEMBER', 'one', '1'],
      ['SRANDMEMBER', 'one', '-3'],
      ['SPOP', 'one'],
      ['EXISTS', 'one'],
      // a hashtable of integers pops whole in numeric order (via a fresh set)
      ['SADD', 'h', 'x', '30', '10', '20'],
      ['SREM', 'h', 'x'],
      ['SPOP', 'h', '10'],
      // few remaining members go to a new set, with its own encoding
      ['SADD', 'k', 'x', ...range(1, 10)],
      ['SREM', 'k', 'x'],
      ['OBJECT', 'ENCODING', 'k'],
    ]);
    for (const resp of ['2', '3']) {
      await d.run([['HELLO', resp]], { typeOnly: true });
      await d.run([['DEL', 'k'], ['SADD', 'k', 'x', ...range(1, 10)], ['SREM', 'k', 'x'], ['OBJECT', 'ENCODING', 'k']]);
      await d.run([['SPOP', 'k', '8']], { typeOnly: true });
      await d.run([['SCARD', 'k'], ['OBJECT', 'ENCODING', 'k']]);
    }
  });

  it('SPOP and SRANDMEMBER random cases: reply shapes and members', async (t) => {
    const [ours] = await d.pair();
    for (const resp of ['2', '3']) {
      await d.run([['HELLO', resp]], { typeOnly: true });
      for (const kind of ['int', 'str']) {
        const members = kind === 'int' ? range(0, 30) : range(0, 30).map((x) => 'm' + x);
        for (const args of [['-5'], ['-100'], ['1'], ['5'], ['11'], ['29'], []]) {
          await d.run([['DEL', 's'], ['SADD', 's', ...members]]);
          const cmd = ['SRANDMEMBER', 's', ...args];
          await d.run([cmd], { typeOnly: true });
          const r = await ours.call(...cmd);
          const got = args.length === 0 ? [String(r)] : items(r);
          const n = args.length === 0 ? 1 : Math.abs(Number(args[0]));
          assert.equal(got.length, n);
          for (const m of got) assert.ok(members.includes(m), m);
          if (Number(args[0] ?? -1) > 0) assert.equal(new Set(got).size, n);
        }
        for (const args of [['1'], ['5'], ['26'], ['29'], []]) {
          await d.run([['DEL', 's'], ['SADD', 's', ...members]]);
          const cmd = ['SPOP', 's', ...args];
          const raw: string = (await d.run([cmd], { typeOnly: true }))[0];
          const n = args.length === 0 ? 1 : Number(args[0]);
          const popped: string[] = args.length === 0 ? [String(parseOne(raw))] : items(parseOne(raw));
          assert.equal(popped.length, n);
          assert.equal(new Set(popped).size, n);
          await d.run([['SCARD', 's'], ['OBJECT', 'ENCODING', 's']]);
          const left = items(await ours.call('SMEMBERS', 's'));
          for (const m of popped) assert.ok(!left.includes(m) && members.includes(m));
          assert.equal(left.length + n, members.length);
        }
      }
    }
  });

  it('SSCAN: intsets whole, hashtables by cursor', async (t) => {
    await d.runInBothProtocols([
      ['SSCAN', 'nokey', '0'],
      ['SSCAN', 'nokey', '0', 'COUNT', '0'],
      ['SSCAN', 'nokey', 'x'],
      ['SADD', 's', '1', '2', '3', '10', '11'],
      ['SSCAN', 's', '0', 'MATCH', '1*'],
      ['SSCAN', 's', '7', 'COUNT', '1'],
      ['SSCAN', 's', ''],
      ['SSCAN', 's', '+3'],
      ['SSCAN', 's', '-1'],
      ['SSCAN', 's', '18446744073709551615'],
      ['SSCAN', 's', '18446744073709551616'],
      ['SSCAN', 's', ' 3'],
      ['SSCAN', 's', '0x'],
      ['SSCAN', 's', '+'],
      ['SSCAN', 's', '0', 'COUNT', '0'],
      ['SSCAN', 's', '0', 'COUNT', '-1'],
      ['SSCAN', 's', '0', 'COUNT', 'x'],
      ['SSCAN', 's', '0', 'MATCH'],
      ['SSCAN', 's', '0', 'NOVALUES'],
      ['SSCAN', 's', '0', 'TYPE', 'set'],
    ]);
    const members = range(0, 400).map((x) => 'member:' + x);
    await d.run([['SADD', 'big', ...members], ['OBJECT', 'ENCODING', 'big']]);
    const [ours, theirs] = await d.pair();
    for (const extra of [[], ['COUNT', '3'], ['MATCH', 'member:1*'], ['MATCH', '*9', 'COUNT', '1000']]) {
      const [a, b] = await Promise.all([scanMembers(ours, 'big', extra), scanMembers(theirs, 'big', extra)]);
      assert.deepEqual(a, b, `SSCAN ${extra.join(' ')}`);
      assert.ok(a.length > 0);
    }
  });

  it('keyspace notifications', async (t) => {
    await d.run([['CONFIG', 'SET', 'notify-keyspace-events', 'KEA']]);
    await d.run([['PSUBSCRIBE', '__key*__:*']], { conn: 1 });
    await d.run([
      ['SADD', 's', '1', '2', '3'],
      ['SADD', 's', '1'],
      ['SREM', 's', 'zz'],
      ['SREM', 's', '1'],
      ['SADD', 't', 'a'],
      ['SMOVE', 's', 't', '2'],
      ['SMOVE', 's', 't', 'zz'],
      ['SADD', 't', '3'],
      ['SMOVE', 's', 't', '3'],
      ['SADD', 'one', 'x'],
      ['SPOP', 'one'],
      ['SADD', 'one', 'x'],
      ['SPOP', 'one', '5'],
      ['SADD', 'two', 'x', 'y'],
      ['SPOP', 'two', '0'],
      ['SINTERSTORE', 'd', 't', 't'],
      ['SUNIONSTORE', 'd', 't'],
      ['SDIFFSTORE', 'd', 't', 'two'],
      ['SDIFFSTORE', 'd', 't', 't'],
      ['SDIFFSTORE', 'd', 't', 't'],
      ['SADD', 'd', '1'],
      ['SINTERSTORE', 'd', 't', 'nokey'],
      ['SADD', 'd', '1'],
      ['SUNIONSTORE', 'd', 'nokey'],
      ['SREM', 't', 'a', '2', '3', 'zz'],
      ['SET', 'str', 'v'],
      ['SADD', 'str', 'a'],
      ['PUBLISH', '__keyevent@0__:end', 'x'],
    ]);
    await d.expectPushesUntil('__keyevent@0__:end');
    await d.run([['CONFIG', 'SET', 'notify-keyspace-events', '']]);
  });

  it('random command sequences (seeded), encodings included', async (t) => {
    await d.run([['CONFIG', 'SET', 'set-max-intset-entries', '8']]);
    let seed = 12345;
    const rnd = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % n;
    };
    const pick = <T>(xs: readonly T[]): T => xs[rnd(xs.length)];
    const keys = ['k1', 'k2', 'k3', 'k4'];
    const member = (): string => (rnd(10) < 8 ? String(rnd(18) - 5) : pick(['a', 'b', '01', '-0', '9223372036854775807']));
    for (let i = 0; i < 600; i++) {
      const k = pick(keys);
      const cmd: Cmd = pick([
        () => ['SADD', k, member(), member()],
        () => ['SREM', k, member(), member()],
        () => ['SMOVE', k, pick(keys), member()],
        () => ['SINTERSTORE', pick(keys), k, pick(keys)],
        () => ['SUNIONSTORE', pick(keys), k, pick(keys)],
        () => ['SDIFFSTORE', pick(keys), k, pick(keys), pick(keys)],
        () => ['SINTERCARD', '2', k, pick(keys), 'LIMIT', String(rnd(4))],
        () => ['SCARD', k],
        () => ['SISMEMBER', k, member()],
        () => ['SMISMEMBER', k, member(), member()],
        () => ['OBJECT', 'ENCODING', k],
        () => ['SMEMBERS', k],
        () => ['SRANDMEMBER', k, '100'],
        () => ['SSCAN', k, '0', 'COUNT', '100'],
        () => ['SINTER', k, pick(keys)],
        () => ['SUNION', k, pick(keys)],
        () => ['SDIFF', k, pick(keys)],
        () => ['SPOP', k, '100'],
      ] as (() => Cmd)[])();
      const name = String(cmd[0]);
      let unordered = name === 'SINTER' || name === 'SUNION' || name === 'SDIFF' || name === 'SPOP';
      if (name === 'SMEMBERS' || name === 'SRANDMEMBER' || name === 'SSCAN') {
        const [enc] = await d.run([['OBJECT', 'ENCODING', k]]);
        unordered = enc.includes('hashtable');
      }
      await d.run([cmd], { unordered });
    }
  });

  it('COPY and RENAME of sets and hashes: deep copies, encodings kept', async (t) => {
    await d.run([
      ['SADD', 'i', '3', '1', '2'],
      ['SADD', 'h', 'a', 'b'],
      ['HSET', 'lp', 'f', 'v', 'g', 'w'],
      ['HSET', 'ht', 'f', 'x'.repeat(100)],
      ['COPY', 'i', 'i2'],
      ['COPY', 'h', 'h2'],
      ['COPY', 'lp', 'lp2'],
      ['COPY', 'ht', 'ht2'],
      ['SADD', 'i2', '0'],
      ['SREM', 'h2', 'a'],
      ['HDEL', 'lp2', 'f'],
      ['HSET', 'ht2', 'f', 'y'],
      ['SMEMBERS', 'i'],
      ['SMEMBERS', 'i2'],
      ['SMEMBERS', 'h2'],
      ['SCARD', 'h'],
      ['HGETALL', 'lp'],
      ['HGETALL', 'lp2'],
      ['HGET', 'ht', 'f'],
      ['HGET', 'ht2', 'f'],
      ['OBJECT', 'ENCODING', 'i2'],
      ['OBJECT', 'ENCODING', 'h2'],
      ['OBJECT', 'ENCODING', 'lp2'],
      ['OBJECT', 'ENCODING', 'ht2'],
      ['RENAME', 'i', 'i3'],
      ['SMEMBERS', 'i3'],
      ['TYPE', 'i3'],
      ['TYPE', 'lp'],
    ]);
  });

  it('WATCH sees real changes only', async (t) => {
    const round = async (change: Cmd): Promise<void> => {
      await d!.run([['DEL', 's', 'h', 'd'], ['SADD', 's', '1', '2'], ['HSET', 'h', 'f', 'v'], ['WATCH', 's', 'h', 'd'], ['MULTI'], ['PING']]);
      await d!.run([change], { conn: 1 });
      await d!.run([['EXEC']]);
    };
    for (const change of [
      ['SADD', 's', '1'],
      ['SADD', 's', '3'],
      ['SREM', 's', '9'],
      ['SREM', 's', '1'],
      ['SPOP', 's', '0'],
      ['SMOVE', 's', 'x', '9'],
      ['SMOVE', 's', 'x', '1'],
      ['SINTERSTORE', 'd', 's', 'nokey'],
      ['SUNIONSTORE', 'd', 's'],
      ['HSET', 'h', 'f', 'v'],
      ['HSETNX', 'h', 'f', 'w'],
      ['HDEL', 'h', 'zz'],
      ['HINCRBY', 'h', 'n', '0'],
    ] as Cmd[]) {
      await round(change);
    }
  });

  it('output buffer limit closes a client whose random reply is too big', async (t) => {
    const members = range(0, 10).map((i) => String(i).padStart(4, '0').repeat(250));
    await d.run([['SADD', 's', ...members], ['CONFIG', 'SET', 'client-output-buffer-limit', 'normal 1mb 0 0']]);
    await d.run([['SRANDMEMBER', 's', '-100']], { typeOnly: true });
    await d.send(['SRANDMEMBER', 's', '-5000'], 1);
    const [a, b] = await d.pair(1);
    assert.equal(await b.waitClose(5000), true, 'redis closes');
    assert.equal(await a.waitClose(5000), true, 'sinew closes');
    await d.run([['CONFIG', 'SET', 'client-output-buffer-limit', 'normal 0 0 0'], ['SCARD', 's']]);
  });
});

function parseOne(raw: string): RespValue {
  const r = new ReplyReader();
  r.feed(Buffer.from(raw, 'latin1'));
  return r.next() as RespValue;
}

describeCompat('sets: bounded replies for hostile counts (Sinew only)', () => {
  const d = useDiffer({ reset: false });

  it('SRANDMEMBER with huge negative counts drops the client; the server stays up', async (t) => {
    // redis-server itself runs out of memory on these: Sinew only.
    for (const count of ['-9223372036854775807', '-1000000000']) {
      const a = await RawClient.connect(d.sinew.port);
      await a.raw('SADD', 's', 'a', 'b', 'c');
      a.send('SRANDMEMBER', 's', count);
      assert.equal(await a.waitClose(5000), true, count);
      a.close();
    }
    const c = await RawClient.connect(d.sinew.port);
    assert.equal(await c.raw('SCARD', 's'), ':3\r\n');
    assert.equal(((await c.call('SRANDMEMBER', 's', '-100000')) as RespValue[]).length, 100000);
    assert.equal(await c.raw('SRANDMEMBER', 's', '-9223372036854775808'), '-ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807\r\n');
    assert.equal(((await c.call('SRANDMEMBER', 's', '9223372036854775807')) as RespValue[]).length, 3);
    assert.equal(((await c.call('SPOP', 's', '9223372036854775807')) as RespValue[]).length, 3);
    c.close();
  });
});
