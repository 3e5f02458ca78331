import { it } from 'node:test';
import assert from 'node:assert/strict';
import { describeCompat, useDiffer, type Cmd } from '../helpers/differ.js';

/**
 * Blocking commands on several real connections against both servers.
 * Connection 0 drives; the others block. Each blocking send is followed by
 * a short silence check, which both asserts that the client blocked and
 * orders the waiters (FIFO tests depend on arrival order).
 */
describeCompat('blocking list commands against redis-server', () => {
  const d = useDiffer();

  const block = (cmd: Cmd, conn: number) => d.sendBlocking(cmd, conn);

  it('a blocked command is one call in INFO commandstats, with its time, served or timed out', async (t) => {
    await d.run([['CONFIG', 'RESETSTAT']]);
    await block(['BLPOP', 'q', '0'], 1);
    await d.run([['RPUSH', 'q', 'a']]);
    await d.expectReply(1, 'BLPOP served');
    await d.run([['BLPOP', 'none', '0.05']], { conn: 2 });
    const [a, b] = await d.pair(0);
    const [ia, ib] = await Promise.all([a.call('INFO', 'commandstats'), b.call('INFO', 'commandstats')]);
    const stat = (s: unknown) => /cmdstat_blpop:calls=(\d+),usec=(\d+),.*rejected_calls=(\d+),failed_calls=(\d+)/.exec(String(s));
    const sa = stat(ia)!;
    const sb = stat(ib)!;
    assert.equal(sa[1], sb[1], 'calls');
    assert.equal(sa[1], '2');
    assert.ok(Number(sa[2]) > 0, `usec ${sa[2]}`);
    assert.deepEqual([sa[3], sa[4]], [sb[3], sb[4]]);
    const [pa, pb] = await Promise.all([a.call('INFO', 'stats'), b.call('INFO', 'stats')]);
    const processed = (s: unknown) => Number(/total_commands_processed:(\d+)/.exec(String(s))![1]);
    assert.equal(processed(pa), processed(pb), 'total_commands_processed');
  });

  it('BLPOP/BRPOP serve at once, block, and wake on push', async (t) => {
    await d.run([
      ['RPUSH', 'k', 'a', 'b', 'c'],
      ['BLPOP', 'nokey', 'k', '0'],
      ['BRPOP', 'k', 'nokey', '0'],
      ['BLPOP', 'k', '0'],
      ['EXISTS', 'k'],
      ['SET', 's', 'x'],
      ['BLPOP', 'nokey', 's', '0'],
      ['RPUSH', 'k2', 'v'],
      ['BLPOP', 'k2', 's', '0'],
    ]);
    await block(['BLPOP', 'k', 'other', '0'], 1);
    await d.run([['RPUSH', 'other', 'x']]);
    await d.expectReply(1, 'BLPOP woken by other');
    await block(['BRPOP', 'k', '0'], 1);
    await d.run([['RPUSH', 'k', 'x', 'y']]);
    await d.expectReply(1, 'BRPOP woken');
    await d.run([['LRANGE', 'k', '0', '-1']]);
  });

  it('waiters are served in FIFO order, one push of N elements serves up to N waiters', async (t) => {
    await block(['BLPOP', 'q', '0'], 1);
    await block(['BRPOP', 'q', '0'], 2);
    await block(['BLPOP', 'q', 'z', '0'], 3);
    await block(['BLMPOP', '0', '1', 'q', 'LEFT', 'COUNT', '5'], 4);
    await d.run([['RPUSH', 'q', 'a', 'b']]);
    await d.expectReply(1, 'first waiter');
    await d.expectReply(2, 'second waiter');
    await d.expectSilence(3, 40);
    await d.expectSilence(4, 0);
    await d.run([['RPUSH', 'q', 'c', 'd', 'e']]);
    await d.expectReply(3, 'third waiter');
    await d.expectReply(4, 'fourth waiter takes the rest');
    await d.run([['EXISTS', 'q']]);
    const [ours, theirs] = await d.blockedClients();
    assert.equal(ours, theirs);
    assert.equal(ours, '0');
  });

  it('timeouts: fractional, null replies in RESP2 and RESP3, invalid values', async (t) => {
    for (const proto of ['2', '3']) {
      await d.run([['HELLO', proto]], { typeOnly: true });
      for (const cmd of [
        ['BLPOP', 'nokey', '0.05'],
        ['BRPOP', 'nokey', 'nokey2', '0.05'],
        ['BLMOVE', 'nokey', 'dst', 'LEFT', 'RIGHT', '0.05'],
        ['BRPOPLPUSH', 'nokey', 'dst', '0.05'],
        ['BLMPOP', '0.05', '2', 'nokey', 'nokey2', 'LEFT'],
        ['BLMPOP', '0.001', '1', 'nokey', 'RIGHT', 'COUNT', '3'],
        ['BLPOP', 'nokey', '0.0001'],
        ['BLPOP', 'nokey', '1e-400'],
        ['BLPOP', 'nokey', '0x0.01p0'],
      ] as Cmd[]) {
        await d.send(cmd, 0);
        await d.expectReply(0, `timeout of ${cmd.join(' ')}`);
      }
    }
    await d.run([['HELLO', '2']], { typeOnly: true });
    await d.run([
      ['BLPOP', 'k', '-1'],
      ['BLPOP', 'k', '-0.005'],
      ['BLPOP', 'k', 'abc'],
      ['BLPOP', 'k', ''],
      ['BLPOP', 'k', ' 1'],
      ['BLPOP', 'k', 'nan'],
      ['BLPOP', 'k', 'inf'],
      ['BLPOP', 'k', '-inf'],
      ['BLPOP', 'k', '1e30'],
      ['BLPOP', 'k', '9223372036854775.808'],
      ['BLPOP', 'k', '9223372036854775807'],
      ['BRPOP', 'k', '-5'],
      ['BLMOVE', 'a', 'b', 'LEFT', 'RIGHT', '-1'],
      ['BLMOVE', 'a', 'b', 'UP', 'RIGHT', '-1'],
      ['BLMOVE', 'a', 'b', 'LEFT', 'RIGHT', 'x'],
      ['BRPOPLPUSH', 'a', 'b', '-1'],
      ['BLMPOP', '-1', '1', 'k', 'LEFT'],
      ['BLMPOP', 'x', '1', 'k', 'LEFT'],
      ['BLMPOP', 'x', '0', 'k', 'LEFT'],
      ['BLMPOP', 'x', '1', 'k', 'MIDDLE'],
      ['BLMPOP', 'x', '1', 'k', 'LEFT', 'COUNT', '0'],
      ['BLMPOP', '0', '1', 'k', 'LEFT', 'COUNT', '1', 'COUNT', '1'],
      ['BLMPOP', '0', '2', 'k', 'LEFT'],
    ]);
  });

  it('timeouts that round to forever or are huge keep the client blocked', async (t) => {
    // ceill(-0.0001 * 1000) is 0 (forever); 0x10 is 16 s; 3000000 s is beyond a 32-bit timer; 9223372036854775 s overflows the deadline
    const timeouts = ['-0.0001', '-0.001', '0x10', '3000000', '9223372036854775', '0', '0.0'];
    for (let i = 0; i < timeouts.length; i++) await block(['BLPOP', `w${i}`, timeouts[i]], i + 1);
    await d.expectSilence(1, 100);
    for (let i = 0; i < timeouts.length; i++) {
      await d.run([['RPUSH', `w${i}`, 'v']]);
      await d.expectReply(i + 1, `wake BLPOP with timeout ${timeouts[i]}`);
    }
  });

  it('BLMOVE and BRPOPLPUSH block and chain wake-ups onto the destination', async (t) => {
    await d.run([
      ['RPUSH', 'src', '1', '2'],
      ['BLMOVE', 'src', 'dst', 'RIGHT', 'LEFT', '0'],
      ['BRPOPLPUSH', 'src', 'dst', '0'],
      ['LRANGE', 'dst', '0', '-1'],
      ['EXISTS', 'src'],
      ['SET', 'str', 'x'],
      ['RPUSH', 'src', 'a'],
      ['BLMOVE', 'src', 'str', 'LEFT', 'LEFT', '0'],
      ['BLMOVE', 'str', 'src', 'LEFT', 'LEFT', '0'],
      ['BRPOPLPUSH', 'str', 'src', '0'],
      ['DEL', 'src'],
    ]);
    await block(['BLPOP', 'final', '0'], 1);
    await block(['BLMOVE', 'mid', 'final', 'LEFT', 'RIGHT', '0'], 2);
    await block(['BRPOPLPUSH', 'src', 'mid', '0'], 3);
    await d.run([['RPUSH', 'src', 'x', 'y']]);
    await d.expectReply(3, 'BRPOPLPUSH src -> mid');
    await d.expectReply(2, 'BLMOVE mid -> final');
    await d.expectReply(1, 'BLPOP final');
    await d.run([['LRANGE', 'src', '0', '-1'], ['EXISTS', 'mid', 'final']]);
    // rotation onto the same key
    await block(['BLMOVE', 'r', 'r', 'LEFT', 'RIGHT', '0'], 1);
    await d.run([['RPUSH', 'r', '1', '2']]);
    await d.expectReply(1, 'BLMOVE r r');
    await d.run([['LRANGE', 'r', '0', '-1']]);
    // destination of the wrong type when served: WRONGTYPE, element stays
    await block(['BLMOVE', 'src2', 'str', 'LEFT', 'RIGHT', '0'], 2);
    await d.run([['RPUSH', 'src2', 'e']]);
    await d.expectReply(2, 'BLMOVE onto a string');
    await d.run([['LRANGE', 'src2', '0', '-1']]);
  });

  it('a blocked client is served from the key that became ready (7.0)', async (t) => {
    await block(['BLPOP', 'k1', 'k2', '0'], 1);
    await block(['BLMPOP', '0', '2', 'k1', 'k2', 'RIGHT', 'COUNT', '2'], 2);
    await d.run([['MULTI'], ['RPUSH', 'k2', 'a', 'b', 'c'], ['RPUSH', 'k1', 'x']]);
    await d.expectSilence(1, 40);
    await d.run([['EXEC']]);
    await d.expectReply(1, 'BLPOP served from k2');
    await d.expectReply(2, 'BLMPOP served from k2');
    await d.run([['LRANGE', 'k1', '0', '-1'], ['LRANGE', 'k2', '0', '-1']]);
  });

  it('a push inside MULTI wakes waiters after EXEC; blocking commands in MULTI do not block', async (t) => {
    await block(['BLPOP', 'k', '0'], 1);
    await d.run([['MULTI'], ['RPUSH', 'k', 'a'], ['LPOP', 'k'], ['RPUSH', 'k', 'b'], ['LLEN', 'k']]);
    await d.expectSilence(1, 40);
    await d.run([['EXEC']]);
    await d.expectReply(1, 'woken after EXEC');
    for (const proto of ['2', '3']) {
      await d.run([['HELLO', proto]], { typeOnly: true });
      await d.run([
        ['MULTI'],
        ['BLPOP', 'nokey', '0'],
        ['BRPOP', 'nokey', '1'],
        ['BLMOVE', 'nokey', 'dst', 'LEFT', 'LEFT', '0'],
        ['BRPOPLPUSH', 'nokey', 'dst', '0'],
        ['BLMPOP', '0', '1', 'nokey', 'LEFT'],
        ['RPUSH', 'x', '1'],
        ['BLPOP', 'x', '0'],
        ['EXEC'],
      ]);
    }
    await d.run([['HELLO', '2']], { typeOnly: true });
  });

  it('a key replaced by another type keeps waiters blocked', async (t) => {
    await block(['BLPOP', 'k', '0'], 1);
    await block(['BLMOVE', 'k', 'dst', 'LEFT', 'LEFT', '0'], 2);
    await d.run([['SET', 'k', 'string']]);
    await d.expectSilence(1, 40);
    await d.run([['DEL', 'k'], ['SET', 'k', 'again']]);
    await d.expectSilence(2, 40);
    await d.run([['DEL', 'k'], ['RPUSH', 'k', 'v1', 'v2']]);
    await d.expectReply(1, 'BLPOP after the list came back');
    await d.expectReply(2, 'BLMOVE after the list came back');
    await d.run([['LRANGE', 'dst', '0', '-1']]);
    // another of the waited keys turned into a string: served from the ready key, no WRONGTYPE
    await block(['BLPOP', 'k1', 'k2', '0'], 3);
    await d.run([['SET', 'k1', 'string'], ['RPUSH', 'k2', 'v']]);
    await d.expectReply(3, 'BLPOP k1 k2 with k1 a string');
  });

  it('disconnected blocked clients are cleaned up', async (t) => {
    await block(['BLPOP', 'k', '0'], 1);
    await block(['BLMOVE', 'k', 'd', 'LEFT', 'LEFT', '0'], 2);
    assert.deepEqual(await d.blockedClients(), ['2', '2']);
    const [a, b] = await d.pair(1);
    a.close();
    b.close();
    await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(await d.blockedClients(), ['1', '1']);
    await d.run([['RPUSH', 'k', 'x', 'y'], ['LRANGE', 'k', '0', '-1'], ['LRANGE', 'd', '0', '-1']]);
    await d.expectReply(2, 'the live waiter');
    assert.deepEqual(await d.blockedClients(), ['0', '0']);
  });

  it('CLIENT UNBLOCK with TIMEOUT and ERROR', async (t) => {
    const [a1, b1] = await d.pair(1);
    const [a2, b2] = await d.pair(2);
    const ids = await Promise.all([a1.raw('CLIENT', 'ID'), b1.raw('CLIENT', 'ID'), a2.raw('CLIENT', 'ID'), b2.raw('CLIENT', 'ID')]);
    const [ia1, ib1, ia2, ib2] = ids.map((r) => r.slice(1, -2));
    await block(['BLPOP', 'k', '0'], 1);
    await d.run([['HELLO', '3']], { conn: 2, typeOnly: true });
    await block(['BLMOVE', 'k', 'd', 'LEFT', 'LEFT', '0'], 2);
    const [a0, b0] = await d.pair(0);
    const unblock = async (ours: string, theirs: string, ...how: string[]) => {
      const [ra, rb] = await Promise.all([a0.raw('CLIENT', 'UNBLOCK', ours, ...how), b0.raw('CLIENT', 'UNBLOCK', theirs, ...how)]);
      assert.equal(ra, rb, `CLIENT UNBLOCK ${how.join(' ')}`);
      return ra;
    };
    assert.equal(await unblock(ia1, ib1, 'TIMEOUT'), ':1\r\n');
    await d.expectReply(1, 'unblocked as a timeout');
    assert.equal(await unblock(ia1, ib1), ':0\r\n');
    assert.equal(await unblock(ia2, ib2, 'ERROR'), ':1\r\n');
    await d.expectReply(2, 'unblocked with an error');
    await block(['BRPOPLPUSH', 'k', 'd', '0'], 2);
    assert.equal(await unblock(ia2, ib2), ':1\r\n');
    await d.expectReply(2, 'RESP3 BRPOPLPUSH unblocked as a timeout');
    await d.run([['CLIENT', 'UNBLOCK', '999999'], ['CLIENT', 'UNBLOCK', '1', 'MAYBE'], ['CLIENT', 'UNBLOCK', 'x']]);
  });

  it('duplicate keys, other databases, pipelined commands after a blocking one', async (t) => {
    await block(['BLPOP', 'k', 'k', '0'], 1);
    await block(['BLMPOP', '0', '3', 'k', 'j', 'k', 'LEFT', 'COUNT', '2'], 2);
    await d.run([['SELECT', '9'], ['RPUSH', 'k', 'other-db'], ['SELECT', '0']]);
    await d.expectSilence(1, 40);
    await d.run([['RPUSH', 'k', 'a', 'b', 'c']]);
    await d.expectReply(1, 'BLPOP k k');
    await d.expectReply(2, 'BLMPOP k j k');
    await d.run([['LRANGE', 'k', '0', '-1']]);
    // commands pipelined behind a blocked command wait for it
    await d.writeRawBoth('*3\r\n$5\r\nBLPOP\r\n$1\r\nq\r\n$1\r\n0\r\n*1\r\n$4\r\nPING\r\n*2\r\n$4\r\nLLEN\r\n$1\r\nq\r\n', 3);
    await d.expectSilence(3, 40);
    await d.run([['RPUSH', 'q', 'x', 'y']]);
    await d.expectReply(3, 'BLPOP q');
    await d.expectReply(3, 'PING after BLPOP');
    await d.expectReply(3, 'LLEN after BLPOP');
    await d.run([['SELECT', '9']], { conn: 4 });
    await block(['BRPOP', 'k9', 'z', '0'], 4);
    await d.run([['RPUSH', 'z', 'db0']]);
    await d.expectSilence(4, 40);
    await d.run([['SELECT', '9'], ['RPUSH', 'z', 'db9'], ['SELECT', '0']]);
    await d.expectReply(4, 'BRPOP in db 9');
  });

  it('lists arriving by RENAME, COPY, MOVE, SWAPDB wake waiters', async (t) => {
    await d.run([['RPUSH', 'src', 'a', 'b']]);
    await block(['BLPOP', 'renamed', '0'], 1);
    await d.run([['RENAME', 'src', 'renamed']]);
    await d.expectReply(1, 'woken by RENAME');
    await block(['BRPOP', 'copied', '0'], 2);
    await d.run([['COPY', 'renamed', 'copied']]);
    await d.expectReply(2, 'woken by COPY');
    await block(['BLMOVE', 'moved', 'out', 'LEFT', 'LEFT', '0'], 3);
    await d.run([['SELECT', '5'], ['RPUSH', 'moved', 'm'], ['MOVE', 'moved', '0'], ['SELECT', '0']]);
    await d.expectReply(3, 'woken by MOVE');
    await block(['BLPOP', 'swapped', '0'], 4);
    await d.run([['SELECT', '6'], ['RPUSH', 'swapped', 's'], ['SELECT', '0'], ['SWAPDB', '0', '6']]);
    await d.expectReply(4, 'woken by SWAPDB');
    await d.run([['SWAPDB', '0', '6']]);
  });

  it('blocking pops propagate as their non-blocking form', async (t) => {
    const seen: string[] = [];
    const server = d.sinew.server;
    const unsubscribe = server.effects.subscribe((argv) => void seen.push(argv.join(' ')));
    try {
      await d.run([
        ['RPUSH', 'a', '1', '2', '3', '4'],
        ['BLPOP', 'a', '0'],
        ['BRPOP', 'a', '0'],
        ['BLMOVE', 'a', 'b', 'left', 'right', '0'],
        ['BRPOPLPUSH', 'a', 'b', '0'],
        ['LMPOP', '1', 'b', 'LEFT', 'COUNT', '5'],
      ]);
      await block(['BLMPOP', '0', '1', 'c', 'RIGHT', 'COUNT', '2'], 1);
      await block(['BLMOVE', 'e', 'f', 'left', 'right', '0'], 2);
      await d.run([['RPUSH', 'c', 'x', 'y', 'z'], ['RPUSH', 'e', 'v']]);
      await d.expectReply(1, 'BLMPOP');
      await d.expectReply(2, 'BLMOVE');
      await block(['BRPOPLPUSH', 'g', 'h', '0'], 1);
      await block(['BLPOP', 'i', '0'], 2);
      await block(['BLMPOP', '0', '1', 'j', 'LEFT'], 3);
      await d.run([['RPUSH', 'g', 'v'], ['RPUSH', 'i', 'v'], ['RPUSH', 'j', 'v', 'w']]);
      await d.expectReply(1, 'BRPOPLPUSH');
      await d.expectReply(2, 'BLPOP');
      await d.expectReply(3, 'BLMPOP');
    } finally {
      unsubscribe();
    }
    const expected = [
      'RPUSH a 1 2 3 4',
      'LPOP a',
      'RPOP a',
      'LMOVE a b left right',
      'RPOPLPUSH a b',
      'LPOP b 2',
      'RPUSH c x y z',
      'RPOP c 2',
      'RPUSH e v',
      'LMOVE e f left right',
      'RPUSH g v',
      'RPOPLPUSH g h',
      'RPUSH i v',
      'LPOP i',
      'RPUSH j v w',
      'LPOP j 1',
    ];
    // What redis-server 7.0.15 sends to a replica for the same script (checked with SYNC).
    // FLUSHALL and other commands of the harness may be propagated too: compare the list commands only.
    assert.deepEqual(seen.filter((s) => /^(RPUSH|LPOP|RPOP|LMOVE|RPOPLPUSH|BL|BR|LMPOP)/.test(s)), expected);
  });
});
