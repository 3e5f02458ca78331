import { it } from 'node:test';
import assert from 'node:assert/strict';
import { describeCompat, useDiffer, type Cmd } from '../helpers/differ.js';
import { drain } from '../helpers/raw-client.js';

describeCompat('lists against redis-server', () => {
  const d = useDiffer();

  it('push, pop, length, encoding, type errors', async (t) => {
    await d.runInBothProtocols([
      ['LPUSH', 'l', 'a', 'b', 'c'],
      ['RPUSH', 'l', 'x', 'y'],
      ['LRANGE', 'l', '0', '-1'],
      ['LLEN', 'l'],
      ['LLEN', 'nokey'],
      ['TYPE', 'l'],
      ['OBJECT', 'ENCODING', 'l'],
      ['LPUSHX', 'nokey', 'a'],
      ['RPUSHX', 'nokey', 'a', 'b'],
      ['EXISTS', 'nokey'],
      ['LPUSHX', 'l', '1', '2'],
      ['RPUSHX', 'l', '3'],
      ['LRANGE', 'l', '0', '-1'],
      ['LPOP', 'l'],
      ['RPOP', 'l'],
      ['LPOP', 'l', '0'],
      ['LPOP', 'l', '2'],
      ['RPOP', 'l', '3'],
      ['RPOP', 'l', '100'],
      ['EXISTS', 'l'],
      ['LPOP', 'l'],
      ['RPOP', 'l'],
      ['LPOP', 'l', '0'],
      ['RPOP', 'l', '5'],
      ['LPOP', 'l', '-1'],
      ['LPOP', 'l', 'x'],
      ['LPOP', 'l', '1', '2'],
      ['LPOP', 'l', '9223372036854775807'],
      ['LPOP', 'l', '9223372036854775808'],
      ['SET', 's', 'str'],
      ['LPUSH', 's', 'a'],
      ['RPUSHX', 's', 'a'],
      ['LPOP', 's'],
      ['LPOP', 's', '0'],
      ['LPOP', 's', '-1'],
      ['LLEN', 's'],
      ['LRANGE', 's', '0', '-1'],
      ['LRANGE', 's', 'x', '-1'],
      ['LINDEX', 's', '0'],
      ['LSET', 's', '0', 'x'],
      ['LINSERT', 's', 'BEFORE', 'a', 'b'],
      ['LREM', 's', '0', 'a'],
      ['LTRIM', 's', '0', '1'],
      ['LPOS', 's', 'a'],
      ['RPUSH', 'bin', '\x00\xff\r\n', '', 'z'],
      ['LRANGE', 'bin', '0', '-1'],
      ['LPOP', 'bin', '2'],
      ['LPUSH'],
      ['LPUSH', 'k'],
    ]);
  });

  it('LRANGE, LINDEX, LSET ranges', async (t) => {
    const cmds: Cmd[] = [['RPUSH', 'l', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9']];
    const idx = ['0', '1', '-1', '-10', '-11', '9', '10', '5', '-5', '100', '-100', '9223372036854775807', '-9223372036854775808'];
    for (const a of idx) for (const b of ['0', '-1', '3', '-3', '20', '-20', '9223372036854775807', '-9223372036854775808']) cmds.push(['LRANGE', 'l', a, b]);
    for (const a of idx) cmds.push(['LINDEX', 'l', a]);
    cmds.push(
      ['LINDEX', 'l', 'x'],
      ['LINDEX', 'l', '1.0'],
      ['LINDEX', 'nokey', 'x'],
      ['LRANGE', 'nokey', '0', '-1'],
      ['LRANGE', 'nokey', 'x', '-1'],
      ['LRANGE', 'l', '0', 'y'],
      ['LSET', 'l', '0', 'first'],
      ['LSET', 'l', '-1', 'last'],
      ['LSET', 'l', '10', 'x'],
      ['LSET', 'l', '-11', 'x'],
      ['LSET', 'l', 'x', 'x'],
      ['LSET', 'nokey', '0', 'x'],
      ['LSET', 'nokey', 'x', 'x'],
      ['LRANGE', 'l', '0', '-1'],
    );
    await d.runInBothProtocols(cmds);
  });

  it('LINSERT, LREM, LTRIM', async (t) => {
    await d.runInBothProtocols([
      ['RPUSH', 'l', 'a', 'b', 'c', 'b', 'a'],
      ['LINSERT', 'l', 'BEFORE', 'b', 'x'],
      ['LINSERT', 'l', 'after', 'b', 'y'],
      ['LINSERT', 'l', 'AFTER', 'a', 'z'],
      ['LINSERT', 'l', 'before', 'nothere', 'z'],
      ['LINSERT', 'l', 'middle', 'a', 'z'],
      ['LINSERT', 'nokey', 'before', 'a', 'z'],
      ['LINSERT', 'nokey', 'foo', 'a', 'z'],
      ['LRANGE', 'l', '0', '-1'],
      ['LREM', 'l', '1', 'a'],
      ['LREM', 'l', '-1', 'b'],
      ['LRANGE', 'l', '0', '-1'],
      ['RPUSH', 'l', 'b', 'b', 'b'],
      ['LREM', 'l', '0', 'b'],
      ['LREM', 'l', '-9223372036854775808', 'zz'],
      ['LREM', 'l', 'x', 'a'],
      ['LREM', 'nokey', '0', 'a'],
      ['LREM', 'nokey', 'x', 'a'],
      ['LRANGE', 'l', '0', '-1'],
      ['LREM', 'l', '0', 'x'],
      ['LREM', 'l', '0', 'y'],
      ['LREM', 'l', '0', 'z'],
      ['LREM', 'l', '0', 'c'],
      ['LREM', 'l', '0', 'a'],
      ['EXISTS', 'l'],
      ['RPUSH', 't', '1', '2', '3', '4', '5', '6'],
      ['LTRIM', 't', '1', '-2'],
      ['LRANGE', 't', '0', '-1'],
      ['LTRIM', 't', '-100', '100'],
      ['LRANGE', 't', '0', '-1'],
      ['LTRIM', 't', '1', 'x'],
      ['LTRIM', 'nokey', '0', '1'],
      ['LTRIM', 'nokey', 'x', '1'],
      ['LTRIM', 't', '2', '1'],
      ['EXISTS', 't'],
      ['RPUSH', 't', '1', '2', '3'],
      ['LTRIM', 't', '5', '10'],
      ['EXISTS', 't'],
      ['RPUSH', 't', '1', '2', '3'],
      ['LTRIM', 't', '0', '-9223372036854775808'],
      ['EXISTS', 't'],
    ]);
  });

  it('LPOS options and errors', async (t) => {
    const cmds: Cmd[] = [['RPUSH', 'l', 'a', 'b', 'c', 'a', 'b', 'c', 'a', 'x']];
    for (const rank of [null, '1', '2', '3', '4', '-1', '-2', '-3', '-4', '9223372036854775807', '-9223372036854775807', '-9223372036854775808']) {
      for (const count of [null, '0', '1', '2', '10']) {
        for (const maxlen of [null, '0', '1', '4']) {
          const cmd: Cmd = ['LPOS', 'l', 'a'];
          if (rank) cmd.push('RANK', rank);
          if (count) cmd.push('COUNT', count);
          if (maxlen) cmd.push('MAXLEN', maxlen);
          cmds.push(cmd);
        }
      }
    }
    cmds.push(
      ['LPOS', 'l', 'nothere'],
      ['LPOS', 'l', 'nothere', 'COUNT', '0'],
      ['LPOS', 'l', 'x', 'MAXLEN', '7'],
      ['LPOS', 'l', 'x', 'MAXLEN', '8'],
      ['LPOS', 'l', 'a', 'RANK', '0'],
      ['LPOS', 'l', 'a', 'RANK', 'x'],
      ['LPOS', 'l', 'a', 'RANK', '-9223372036854775809'],
      ['LPOS', 'l', 'a', 'COUNT', '-1'],
      ['LPOS', 'l', 'a', 'COUNT', 'x'],
      ['LPOS', 'l', 'a', 'MAXLEN', '-1'],
      ['LPOS', 'l', 'a', 'MAXLEN', 'x'],
      ['LPOS', 'l', 'a', 'RANK'],
      ['LPOS', 'l', 'a', 'FOO', '1'],
      ['LPOS', 'l', 'a', 'rank', '2', 'count', '1', 'maxlen', '0', 'rank', '1'],
      ['LPOS', 'nokey', 'a'],
      ['LPOS', 'nokey', 'a', 'COUNT', '3'],
      ['LPOS', 'nokey', 'a', 'RANK', '0'],
    );
    await d.runInBothProtocols(cmds);
  });

  it('LMOVE and RPOPLPUSH', async (t) => {
    await d.runInBothProtocols([
      ['RPUSH', 'src', '1', '2', '3', '4'],
      ['LMOVE', 'src', 'dst', 'LEFT', 'RIGHT'],
      ['LMOVE', 'src', 'dst', 'right', 'left'],
      ['LMOVE', 'src', 'dst', 'LEFT', 'LEFT'],
      ['LMOVE', 'src', 'dst', 'RIGHT', 'RIGHT'],
      ['LRANGE', 'dst', '0', '-1'],
      ['EXISTS', 'src'],
      ['LMOVE', 'src', 'dst', 'LEFT', 'RIGHT'],
      ['LMOVE', 'src', 'dst', 'UP', 'RIGHT'],
      ['LMOVE', 'src', 'dst', 'LEFT', 'DOWN'],
      ['RPOPLPUSH', 'dst', 'dst'],
      ['LRANGE', 'dst', '0', '-1'],
      ['LMOVE', 'dst', 'dst', 'LEFT', 'RIGHT'],
      ['LRANGE', 'dst', '0', '-1'],
      ['RPUSH', 'one', 'x'],
      ['LMOVE', 'one', 'one', 'LEFT', 'RIGHT'],
      ['LRANGE', 'one', '0', '-1'],
      ['SET', 's', 'x'],
      ['LMOVE', 'one', 's', 'LEFT', 'RIGHT'],
      ['LMOVE', 's', 'one', 'LEFT', 'RIGHT'],
      ['LMOVE', 'nokey', 's', 'LEFT', 'RIGHT'],
      ['RPOPLPUSH', 'one', 's'],
      ['RPOPLPUSH', 'one', 'new'],
      ['EXISTS', 'one'],
      ['LRANGE', 'new', '0', '-1'],
      ['RPOPLPUSH', 'nokey', 'new'],
    ]);
  });

  it('LMPOP', async (t) => {
    await d.runInBothProtocols([
      ['RPUSH', 'a', '1', '2', '3'],
      ['RPUSH', 'b', 'x', 'y'],
      ['LMPOP', '2', 'nokey', 'a', 'LEFT'],
      ['LMPOP', '2', 'nokey', 'a', 'RIGHT', 'COUNT', '10'],
      ['EXISTS', 'a'],
      ['LMPOP', '3', 'nokey', 'a', 'b', 'right', 'count', '1'],
      ['LMPOP', '1', 'nokey', 'LEFT'],
      ['LMPOP', '0', 'a', 'LEFT'],
      ['LMPOP', '-1', 'a', 'LEFT'],
      ['LMPOP', 'x', 'a', 'LEFT'],
      ['LMPOP', '2', 'a', 'LEFT'],
      ['LMPOP', '1', 'a', 'MIDDLE'],
      ['LMPOP', '1', 'a', 'LEFT', 'COUNT', '0'],
      ['LMPOP', '1', 'a', 'LEFT', 'COUNT', '-1'],
      ['LMPOP', '1', 'a', 'LEFT', 'COUNT', 'x'],
      ['LMPOP', '1', 'a', 'LEFT', 'COUNT', '1', 'COUNT', '1'],
      ['LMPOP', '1', 'a', 'LEFT', 'COUNT'],
      ['LMPOP', '1', 'a', 'LEFT', 'FOO'],
      ['LMPOP', '9223372036854775807', 'a', 'LEFT'],
      ['LMPOP', '9223372036854775806', 'a', 'LEFT'],
      ['SET', 's', 'x'],
      ['LMPOP', '2', 's', 'b', 'LEFT'],
      ['LMPOP', '2', 'b', 's', 'LEFT'],
      ['LMPOP', '2', 'b', 's', 'LEFT'],
      ['LMPOP', '2', 'b', 's', 'LEFT'],
    ]);
  });

  it('random command sequences (seeded)', async (t) => {
    let seed = 12345;
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return Math.floor((seed / 2147483648) * n);
    };
    const keys = ['a', 'b', 'c'];
    const key = () => keys[rand(keys.length)];
    const val = () => ['x', 'y', 'z', '1', '', 'x\x00y'][rand(6)];
    const idx = () => String(rand(14) - 7);
    const side = () => (rand(2) ? 'LEFT' : 'RIGHT');
    const gens: (() => Cmd)[] = [
      () => ['LPUSH', key(), val(), val()],
      () => ['RPUSH', key(), val(), val(), val()],
      () => ['LPUSHX', key(), val()],
      () => ['LPOP', key()],
      () => ['RPOP', key(), String(rand(4))],
      () => ['LRANGE', key(), idx(), idx()],
      () => ['LINDEX', key(), idx()],
      () => ['LSET', key(), idx(), val()],
      () => ['LINSERT', key(), rand(2) ? 'BEFORE' : 'AFTER', val(), val()],
      () => ['LREM', key(), idx(), val()],
      () => ['LTRIM', key(), idx(), idx()],
      () => ['LPOS', key(), val(), 'RANK', String(rand(2) ? rand(3) + 1 : -rand(3) - 1), 'COUNT', String(rand(3)), 'MAXLEN', String(rand(8))],
      () => ['LMOVE', key(), key(), side(), side()],
      () => ['LMPOP', '2', key(), key(), side(), 'COUNT', String(rand(3) + 1)],
      () => ['BLMPOP', '0.01', '2', key(), key(), side()],
      () => ['BRPOPLPUSH', key(), key(), '0.01'],
      () => ['LLEN', key()],
    ];
    const cmds: Cmd[] = [];
    for (let i = 0; i < 600; i++) cmds.push(gens[rand(gens.length)]());
    for (const k of keys) cmds.push(['LRANGE', k, '0', '-1']);
    const out = await d.run(cmds);
    assert.ok(out.slice(-3).some((r) => r.length > 20), 'the script leaves lists of some length');
  });

  it('WATCH: a pop from one of several keys leaves the others untouched', async (t) => {
    for (const pop of [
      ['LMPOP', '2', 'a', 'b', 'LEFT'],
      ['BLPOP', 'a', 'b', '0'],
      ['BRPOP', 'nokey', 'a', 'b', '0'],
      ['BLMPOP', '0', '2', 'a', 'b', 'RIGHT'],
      ['RPUSH', 'a', '5', '6'],
    ] as Cmd[]) {
      for (const watched of [['b', 'nokey'], ['a']]) {
        await d.run([['DEL', 'a', 'b'], ['RPUSH', 'a', '1', '2', '3'], ['RPUSH', 'b', '4']]);
        await d.run([['WATCH', ...watched], ['MULTI'], ['LLEN', watched[0]]], { conn: 1 });
        await d.run([pop]);
        await d.run([['EXEC']], { conn: 1 });
      }
    }
  });

  it('keyspace hits and misses', async (t) => {
    await d.run([
      ['RPUSH', 'l', 'a', 'b', 'c'],
      ['CONFIG', 'RESETSTAT'],
      ['LLEN', 'l'], ['LLEN', 'no'], ['LRANGE', 'l', '0', '1'], ['LRANGE', 'no', '0', '1'], ['LINDEX', 'l', '0'], ['LINDEX', 'no', '0'],
      ['LPOS', 'l', 'a'], ['LPOS', 'no', 'a'], ['LPUSH', 'l', 'x'], ['LPOP', 'l'], ['LPOP', 'no'], ['LSET', 'l', '0', 'y'], ['LINSERT', 'l', 'AFTER', 'y', 'z'],
      ['LREM', 'l', '1', 'z'], ['LTRIM', 'l', '0', '-1'], ['LMOVE', 'l', 'm', 'LEFT', 'LEFT'], ['LMPOP', '2', 'no', 'l', 'LEFT'], ['BLPOP', 'no', 'l', '0'],
      ['SORT', 'l', 'BY', 'w_*', 'GET', 'g_*'], ['SORT', 'no'], ['SORT_RO', 'm', 'BY', 'nosort', 'GET', '#'],
    ]);
    const [a, b] = await d.pair(0);
    const [ia, ib] = await Promise.all([a.raw('INFO', 'stats'), b.raw('INFO', 'stats')]);
    const pick = (s: string) => /keyspace_hits:\d+\r\nkeyspace_misses:\d+/.exec(s)?.[0];
    assert.ok(pick(ib), "the oracle reports keyspace hits and misses");
    assert.equal(pick(ia), pick(ib));
  });

  it('keyspace notifications', async (t) => {
    await d.run([['CONFIG', 'SET', 'notify-keyspace-events', 'KEAnm']]);
    await d.run([['PSUBSCRIBE', '__key*__:*']], { conn: 1 });
    const script: Cmd[] = [
      ['RPUSH', 'l', 'a', 'b', 'c', 'd', 'e', 'f'],
      ['LPUSH', 'l', 'z'],
      ['LPUSHX', 'l', 'y'],
      ['RPUSHX', 'l', 'w'],
      ['LPUSHX', 'nokey', 'y'],
      ['LPOP', 'l'],
      ['RPOP', 'l', '2'],
      ['LPOP', 'l', '0'],
      ['LSET', 'l', '0', 'q'],
      ['LINSERT', 'l', 'AFTER', 'q', 'r'],
      ['LINSERT', 'l', 'AFTER', 'nothere', 'r'],
      ['LREM', 'l', '0', 'r'],
      ['LREM', 'l', '0', 'nothere'],
      ['LTRIM', 'l', '0', '-1'],
      ['LTRIM', 'l', '1', '-1'],
      ['LMOVE', 'l', 'm', 'LEFT', 'RIGHT'],
      ['RPOPLPUSH', 'l', 'm'],
      ['LMPOP', '2', 'x', 'l', 'LEFT', 'COUNT', '2'],
      ['BLPOP', 'l', '0'],
      ['BRPOPLPUSH', 'm', 'l', '0'],
      ['BLMOVE', 'l', 'l', 'LEFT', 'LEFT', '0'],
      ['BLMPOP', '0', '1', 'l', 'RIGHT'],
      ['RPOP', 'm'],
      ['LTRIM', 'm', '1', '0'],
      ['RPUSH', 'r', '1'],
      ['LREM', 'r', '1', '1'],
      ['LLEN', 'miss'],
      ['LRANGE', 'miss', '0', '1'],
      ['LINDEX', 'miss', '0'],
      ['LPOS', 'miss', 'a'],
      ['LPOP', 'miss'],
      ['LSET', 'miss', '0', 'a'],
      ['LINSERT', 'miss', 'BEFORE', 'a', 'b'],
      ['BLPOP', 'miss', '0.01'],
    ];
    await d.run(script);
    // served after blocking: pop events and the 'del' of the drained key
    await d.send(['BLMPOP', '0', '1', 'w', 'LEFT', 'COUNT', '5'], 2);
    await d.expectSilence(2, 50);
    await d.send(['BLMOVE', 'v', 'w2', 'RIGHT', 'LEFT', '0'], 3);
    await d.expectSilence(3, 50);
    await d.run([['RPUSH', 'w', '1', '2'], ['RPUSH', 'v', 'x']]);
    await d.expectReply(2, 'BLMPOP served');
    await d.expectReply(3, 'BLMOVE served');
    // Every event, in order, on the subscriber: both servers must publish the same sequence.
    const [a, b] = await d.pair(1);
    const [ours, theirs] = await Promise.all([drain(a, 150), drain(b, 150)]);
    assert.ok(theirs.length > 40, 'the oracle published the events');
    assert.deepEqual(ours, theirs);
  });
});
