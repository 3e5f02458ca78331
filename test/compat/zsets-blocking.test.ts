import { it } from 'node:test';
import assert from 'node:assert/strict';
import { describeCompat, useDiffer, type Cmd } from '../helpers/differ.js';

/**
 * BZPOPMIN / BZPOPMAX / BZMPOP on several real connections against both
 * servers. Connection 0 drives; the others block. Each blocking send is
 * followed by a short silence check, which asserts that the client blocked
 * and orders the waiters.
 */
describeCompat('blocking sorted set pops against redis-server', () => {
  const d = useDiffer();

  const block = async (cmd: Cmd, conn: number) => {
    await d!.send(cmd, conn);
    await d!.expectSilence(conn, 40);
  };

  it('serve at once when a sorted set has members, in RESP2 and RESP3', async (t) => {
    for (const proto of ['2', '3']) {
      await d.run([['HELLO', proto]], { typeOnly: true });
      await d.run([
        ['ZADD', 'z', '1', 'a', '2', 'b', '3', 'c', '4', 'd', '5.5', 'e'],
        ['BZPOPMIN', 'nokey', 'z', '0'],
        ['BZPOPMAX', 'z', 'nokey', '0'],
        ['BZMPOP', '0', '2', 'nokey', 'z', 'MIN'],
        ['BZMPOP', '0', '1', 'z', 'MAX', 'COUNT', '10'],
        ['EXISTS', 'z'],
        ['SET', 's', 'x'],
        ['BZPOPMIN', 'nokey', 's', '0'],
        ['BZPOPMAX', 's', '0'],
        ['BZMPOP', '0', '2', 'nokey', 's', 'MIN'],
        ['ZADD', 'z2', 'inf', 'v'],
        ['BZPOPMIN', 'z2', 's', '0'],
        ['ZADD', 'z2', '-inf', 'v'],
        ['BZMPOP', '0', '2', 'z2', 's', 'MAX'],
        ['DEL', 's'],
      ]);
    }
    await d.run([['HELLO', '2']], { typeOnly: true });
  });

  it('argument errors', async (t) => {
    await d.run([
      ['BZPOPMIN', 'k', '-1'],
      ['BZPOPMIN', 'k', 'abc'],
      ['BZPOPMAX', 'k', ''],
      ['BZPOPMAX', 'k', 'nan'],
      ['BZPOPMAX', 'k', 'inf'],
      ['BZPOPMIN', 'k', '1e30'],
      ['BZPOPMIN', 'k'],
      ['BZMPOP', '0', '0', 'k', 'MIN'],
      ['BZMPOP', '0', 'x', 'k', 'MIN'],
      ['BZMPOP', '0', '2', 'k', 'MIN'],
      ['BZMPOP', '0', '1', 'k', 'SIDEWAYS'],
      ['BZMPOP', '0', '1', 'k', 'MIN', 'COUNT', '0'],
      ['BZMPOP', '0', '1', 'k', 'MIN', 'COUNT'],
      ['BZMPOP', '0', '1', 'k', 'MIN', 'COUNT', '1', 'COUNT', '2'],
      ['BZMPOP', '-1', '1', 'k', 'MIN'],
      ['BZMPOP', 'x', '1', 'k', 'MIN'],
      ['BZMPOP', 'x', '0', 'k', 'MIN'],
      ['BZMPOP', '0', '1', 'k'],
    ]);
  });

  it('block, then wake on ZADD, served from the key that became ready', async (t) => {
    await block(['BZPOPMIN', 'a', 'b', '0'], 1);
    await d.run([['ZADD', 'b', '2', 'x', '1', 'y']]);
    await d.expectReply(1, 'BZPOPMIN woken by b');
    await d.run([['BZPOPMAX', 'a', 'b', '0']]);
    await block(['BZPOPMAX', 'a', 'b', '0'], 1);
    await d.run([['ZADD', 'b', '5', 'z']]);
    await d.expectReply(1, 'BZPOPMAX woken');
    await d.run([['ZRANGE', 'b', '0', '-1', 'WITHSCORES']]);
    await d.run([['HELLO', '3']], { conn: 2, typeOnly: true });
    await block(['BZMPOP', '0', '2', 'a', 'c', 'MAX', 'COUNT', '2'], 2);
    await d.run([['ZADD', 'a', '1', 'p', '2', 'q', '3', 'r']]);
    await d.expectReply(2, 'RESP3 BZMPOP woken');
    await d.run([['ZRANGE', 'a', '0', '-1', 'WITHSCORES']]);
    // ZINCRBY, ZUNIONSTORE and ZRANGESTORE create keys too
    await block(['BZPOPMIN', 'n1', '0'], 1);
    await d.run([['ZINCRBY', 'n1', '3', 'm']]);
    await d.expectReply(1, 'woken by ZINCRBY');
    await block(['BZPOPMIN', 'n2', '0'], 1);
    await d.run([['ZUNIONSTORE', 'n2', '1', 'a']]);
    await d.expectReply(1, 'woken by ZUNIONSTORE');
    await block(['BZPOPMAX', 'n3', '0'], 1);
    await d.run([['ZRANGESTORE', 'n3', 'a', '0', '-1']]);
    await d.expectReply(1, 'woken by ZRANGESTORE');
    assert.deepEqual(await d.blockedClients(), ['0', '0']);
  });

  it('waiters are served in FIFO order, and one ZADD of N members serves up to N waiters', async (t) => {
    await block(['BZPOPMIN', 'q', '0'], 1);
    await block(['BZPOPMAX', 'q', '0'], 2);
    await block(['BZPOPMIN', 'q', 'other', '0'], 3);
    await block(['BZMPOP', '0', '1', 'q', 'MIN', 'COUNT', '5'], 4);
    await d.run([['ZADD', 'q', '1', 'a', '2', 'b']]);
    await d.expectReply(1, 'first waiter');
    await d.expectReply(2, 'second waiter');
    await d.expectSilence(3, 40);
    await d.expectSilence(4, 0);
    await d.run([['ZADD', 'q', '3', 'c', '4', 'd', '5', 'e']]);
    await d.expectReply(3, 'third waiter');
    await d.expectReply(4, 'fourth waiter takes the rest');
    await d.run([['EXISTS', 'q']]);
    assert.deepEqual(await d.blockedClients(), ['0', '0']);
  });

  it('timeouts: fractional, null replies in RESP2 and RESP3', async (t) => {
    for (const proto of ['2', '3']) {
      await d.run([['HELLO', proto]], { typeOnly: true });
      for (const cmd of [
        ['BZPOPMIN', 'nokey', '0.05'],
        ['BZPOPMAX', 'nokey', 'nokey2', '0.02'],
        ['BZMPOP', '0.05', '2', 'nokey', 'nokey2', 'MIN'],
        ['BZMPOP', '0.001', '1', 'nokey', 'MAX', 'COUNT', '3'],
        ['BZPOPMIN', 'nokey', '1e-400'],
      ] as Cmd[]) {
        await d.send(cmd, 0);
        await d.expectReply(0, `timeout of ${cmd.join(' ')}`);
      }
    }
    await d.run([['HELLO', '2']], { typeOnly: true });
    assert.deepEqual(await d.blockedClients(), ['0', '0']);
  });

  it('inside MULTI the blocking pops do not block; ZADD inside MULTI wakes waiters after EXEC', async (t) => {
    await block(['BZPOPMIN', 'k', '0'], 1);
    await d.run([['MULTI'], ['ZADD', 'k', '1', 'a'], ['ZPOPMIN', 'k'], ['ZADD', 'k', '2', 'b'], ['ZCARD', 'k']]);
    await d.expectSilence(1, 40);
    await d.run([['EXEC']]);
    await d.expectReply(1, 'woken after EXEC');
    for (const proto of ['2', '3']) {
      await d.run([['HELLO', proto]], { typeOnly: true });
      await d.run([
        ['MULTI'],
        ['BZPOPMIN', 'nokey', '0'],
        ['BZPOPMAX', 'nokey', '1'],
        ['BZMPOP', '0', '1', 'nokey', 'MIN'],
        ['ZADD', 'x', '1', 'a', '2', 'b'],
        ['BZPOPMAX', 'x', '0'],
        ['BZMPOP', '0', '1', 'x', 'MIN', 'COUNT', '3'],
        ['BZPOPMIN', 'x', '0'],
        ['EXEC'],
      ]);
    }
    await d.run([['HELLO', '2']], { typeOnly: true });
  });

  it('a key replaced by another type keeps waiters blocked; a list does not wake them', async (t) => {
    await block(['BZPOPMIN', 'k', '0'], 1);
    await block(['BZMPOP', '0', '1', 'k', 'MAX'], 2);
    await d.run([['SET', 'k', 'string']]);
    await d.expectSilence(1, 40);
    await d.run([['DEL', 'k'], ['RPUSH', 'k', 'v']]);
    await d.expectSilence(2, 40);
    await d.run([['DEL', 'k'], ['ZADD', 'k', '1', 'v1', '2', 'v2']]);
    await d.expectReply(1, 'BZPOPMIN after the zset came');
    await d.expectReply(2, 'BZMPOP after the zset came');
    await d.run([['EXISTS', 'k']]);
  });

  it('emptied again before being served: the waiter stays blocked', async (t) => {
    await block(['BZPOPMIN', 'k', '0'], 1);
    await d.run([['MULTI'], ['ZADD', 'k', '1', 'a'], ['ZREM', 'k', 'a'], ['EXEC']]);
    await d.expectSilence(1, 40);
    await d.run([['ZADD', 'k', '1', 'b']]);
    await d.expectReply(1, 'served later');
  });

  it('keys made ready by one transaction serve waiters in the order they became ready', async (t) => {
    await block(['BZPOPMIN', 'b', 'a', '0'], 1);
    await block(['BZPOPMAX', 'a', 'b', '0'], 2);
    await d.run([['MULTI'], ['ZADD', 'a', '1', 'x'], ['ZADD', 'b', '1', 'y', '2', 'z'], ['EXEC']]);
    await d.expectReply(1, 'first waiter, from a');
    await d.expectReply(2, 'second waiter, from b');
    await d.run([['ZRANGE', 'a', '0', '-1'], ['ZRANGE', 'b', '0', '-1']]);
  });

  it('disconnected waiters are cleaned up', async (t) => {
    await block(['BZPOPMIN', 'k', '0'], 1);
    await block(['BZPOPMAX', 'k', '0'], 2);
    assert.deepEqual(await d.blockedClients(), ['2', '2']);
    const [a, b] = await d.pair(1);
    a.close();
    b.close();
    await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(await d.blockedClients(), ['1', '1']);
    await d.run([['ZADD', 'k', '1', 'x', '2', 'y'], ['ZRANGE', 'k', '0', '-1']]);
    await d.expectReply(2, 'the live waiter');
    assert.deepEqual(await d.blockedClients(), ['0', '0']);
  });

  it('CLIENT UNBLOCK: as a timeout, or with an error', async (t) => {
    const [a1, b1] = await d.pair(1);
    const ids = await Promise.all([a1.raw('CLIENT', 'ID'), b1.raw('CLIENT', 'ID')]);
    const [ia, ib] = ids.map((r) => r.slice(1, -2));
    const [a0, b0] = await d.pair(0);
    const unblock = async (...how: string[]) => {
      const [ra, rb] = await Promise.all([a0.raw('CLIENT', 'UNBLOCK', ia, ...how), b0.raw('CLIENT', 'UNBLOCK', ib, ...how)]);
      assert.equal(ra, rb, `CLIENT UNBLOCK ${how.join(' ')}`);
    };
    await block(['BZPOPMIN', 'k', '0'], 1);
    await unblock();
    await d.expectReply(1, 'BZPOPMIN unblocked as a timeout');
    await d.run([['HELLO', '3']], { conn: 1, typeOnly: true });
    await block(['BZMPOP', '0', '1', 'k', 'MAX'], 1);
    await unblock('TIMEOUT');
    await d.expectReply(1, 'RESP3 BZMPOP unblocked as a timeout');
    await block(['BZPOPMAX', 'k', '0'], 1);
    await unblock('ERROR');
    await d.expectReply(1, 'BZPOPMAX unblocked with an error');
    assert.deepEqual(await d.blockedClients(), ['0', '0']);
  });

  it('pops propagate as ZPOPMIN / ZPOPMAX', async (t) => {
    const seen: string[][] = [];
    const server = d.sinew.server;
    const unsubscribe = server.effects.subscribe((argv) => {
      if (argv[0] !== 'SELECT') seen.push(argv);
    });
    try {
      await d.run([
        ['ZADD', 'z', '1', 'a', '2', 'b', '3', 'c', '4', 'd'],
        ['BZPOPMIN', 'z', '0'],
        ['BZPOPMAX', 'z', '0'],
        ['ZMPOP', '1', 'z', 'MIN'],
        ['BZMPOP', '0', '1', 'z', 'MAX', 'COUNT', '5'],
      ]);
      await block(['BZPOPMAX', 'y', '0'], 1);
      await d.run([['ZADD', 'y', '1', 'a']]);
      await d.expectReply(1, 'woken');
    } finally {
      unsubscribe();
    }
    assert.deepEqual(seen, [
      ['ZADD', 'z', '1', 'a', '2', 'b', '3', 'c', '4', 'd'],
      ['ZPOPMIN', 'z'],
      ['ZPOPMAX', 'z'],
      ['ZPOPMIN', 'z', '1'],
      ['ZPOPMAX', 'z', '5'],
      ['ZADD', 'y', '1', 'a'],
      ['ZPOPMAX', 'y'],
    ]);
  });
});
