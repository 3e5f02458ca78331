import { it } from 'node:test';
import assert from 'node:assert/strict';
import { describeCompat, useDiffer, type Cmd } from '../helpers/differ.js';

const MAXU = '18446744073709551615';

/** A stream of n entries 1-1 .. n-1 (fields f, v<i>). */
function fill(key: string, n: number, from = 1): Cmd[] {
  const out: Cmd[] = [];
  for (let i = from; i < from + n; i++) out.push(['XADD', key, `${i}-1`, 'f', `v${i}`]);
  return out;
}

describeCompat('streams against redis-server', () => {
  const d = useDiffer();

  it('XADD with explicit, ms-* and incomplete IDs; XLEN; XRANGE', async () => {
    await d.runInBothProtocols([
      ['XADD', 's', '1-1', 'a', '1', 'b', '2'],
      ['XADD', 's', '1-2', 'a', '3'],
      ['XADD', 's', '1-*', 'x', 'y'],
      ['XADD', 's', '2-*', 'x', 'y'],
      ['XADD', 's', '2-*', 'x', 'y'],
      ['XADD', 's', '5', 'n', '12345'],
      ['XADD', 's', '5', 'n', '1'],
      ['XADD', 's', '4-1', 'n', '1'],
      ['XADD', 's', '5-0', 'n', '1'],
      ['XADD', 's', '0-0', 'n', '1'],
      ['XADD', 'new', '0-0', 'n', '1'],
      ['EXISTS', 'new'],
      ['XADD', 'new', '0-*', 'n', '1'],
      ['XADD', 'new2', '0-1', 'n', '1'],
      ['XLEN', 's'],
      ['XLEN', 'nokey'],
      ['XRANGE', 's', '-', '+'],
      ['XREVRANGE', 's', '+', '-'],
      ['XRANGE', 's', '1', '1'],
      ['XRANGE', 's', '2', '5'],
      ['XRANGE', 's', '(1-1', '(5-0'],
      ['XREVRANGE', 's', '(5-0', '(1-1'],
      ['XRANGE', 's', '(1-3', '+'],
      ['XRANGE', 's', '-', '+', 'COUNT', '2'],
      ['XRANGE', 's', '-', '+', 'count', '0'],
      ['XRANGE', 's', '-', '+', 'COUNT', '-5'],
      ['XREVRANGE', 's', '+', '-', 'COUNT', '3'],
      ['XRANGE', 's', '-', '+', 'COUNT', '1', 'COUNT', '3'],
      ['XRANGE', 's', '-', '+', 'COUNT'],
      ['XRANGE', 's', '-', '+', 'COUNT', 'x'],
      ['XRANGE', 's', '-', '+', 'FOO', '1'],
      ['XRANGE', 'nokey', '-', '+'],
      ['XRANGE', 'nokey', '-', '+', 'COUNT', '0'],
      ['XRANGE', 's', '5', '1'],
      ['XRANGE', 's', '(-', '+'],
      ['XRANGE', 's', '-', '(+'],
      ['XRANGE', 's', '(0-0', '+'],
      ['XRANGE', 's', `(${MAXU}-${MAXU}`, '+'],
      ['XRANGE', 's', '-', '(0-0'],
      ['XRANGE', 's', '(', '+'],
      ['XRANGE', 's', '((1', '+'],
      ['XRANGE', 's', '1-', '+'],
      ['XRANGE', 's', '-1', '+'],
      ['XRANGE', 's', 'abc', '+'],
      ['XRANGE', 's', `${MAXU}6-0`, '+'],
      ['XRANGE', 's', '-', `1-${MAXU}6`],
      ['XRANGE', 's', ' 1', '+'],
      ['XRANGE', 's', '+1', '+'],
      ['XRANGE', 's', '01', '+'],
      ['XRANGE', 's', '-', '+', 'COUNT', '9223372036854775807'],
    ]);
  });

  it('XADD errors, options and NOMKSTREAM', async () => {
    await d.runInBothProtocols([
      ['XADD', 's'],
      ['XADD', 's', '*'],
      ['XADD', 's', '*', 'f'],
      ['XADD', 's', '*', 'f', 'v', 'g'],
      ['XADD', 's', '1-', 'f', 'v'],
      ['XADD', 's', '-1', 'f', 'v'],
      ['XADD', 's', `${MAXU}6-0`, 'f', 'v'],
      ['XADD', 's', 'abc', 'f', 'v'],
      ['XADD', 's', '-', 'f', 'v'],
      ['XADD', 's', '+', 'f', 'v'],
      ['XADD', 's', '*-1', 'f', 'v'],
      ['XADD', 's', '1-**', 'f', 'v'],
      ['EXISTS', 's'],
      ['XADD', 's', 'NOMKSTREAM', '1-1', 'f', 'v'],
      ['EXISTS', 's'],
      ['XADD', 's', 'MAXLEN', '-1', '1-1', 'f', 'v'],
      ['XADD', 's', 'MAXLEN', 'x', '1-1', 'f', 'v'],
      ['XADD', 's', 'MAXLEN', '~', '-1', '1-1', 'f', 'v'],
      ['XADD', 's', 'MAXLEN', '1', 'MINID', '1', '1-1', 'f', 'v'],
      ['XADD', 's', 'MINID', '1', 'MAXLEN', '1', '1-1', 'f', 'v'],
      ['XADD', 's', 'MINID', 'x', '1-1', 'f', 'v'],
      ['XADD', 's', 'MINID', '+', '1-1', 'f', 'v'],
      ['XADD', 's', 'LIMIT', '10', '1-1', 'f', 'v'],
      ['XADD', 's', 'MAXLEN', '1', 'LIMIT', '10', '1-1', 'f', 'v'],
      ['XADD', 's', 'MAXLEN', '=', '1', 'LIMIT', '10', '1-1', 'f', 'v'],
      ['XADD', 's', 'MAXLEN', '~', '1', 'LIMIT', '-1', '1-1', 'f', 'v'],
      ['XADD', 's', 'MAXLEN', '~', '1', 'LIMIT', 'x', '1-1', 'f', 'v'],
      ['XADD', 's', 'LIMIT', '0', '1-1', 'f', 'v'],
      ['XADD', 's', 'MAXLEN', '1', 'NOMKSTREAM', '*'],
      ['XADD', 's', 'MAXLEN'],
      ['XADD', 's', 'MAXLEN', '~'],
      ['XADD', 's', 'MAXLEN', '~', '1-1', 'f', 'v'],
      ['EXISTS', 's'],
      ['XADD', 's', 'MAXLEN', '1', '1-1', 'f', 'v'],
      ['XADD', 's', 'NOMKSTREAM', 'MAXLEN', '1', '2-1', 'f', 'v'],
      ['XADD', 's', 'nomkstream', 'maxlen', '=', '1', 'limit', '0', '3-1', 'f', 'v'],
      ['XRANGE', 's', '-', '+'],
      ['SET', 'str', 'x'],
      ['XADD', 'str', '*', 'f', 'v'],
      ['XADD', 'str', 'NOMKSTREAM', '*', 'f', 'v'],
      ['XADD', 'str', '0-0', 'f', 'v'],
      ['XADD', 'str', 'abc', 'f', 'v'],
      ['XLEN', 'str'],
      ['XRANGE', 'str', '-', '+'],
      ['XREVRANGE', 'str', '+', '-'],
      ['XRANGE', 'str', 'x', '+'],
      ['XDEL', 'str', '1-1'],
      ['XTRIM', 'str', 'MAXLEN', '1'],
      ['XSETID', 'str', '1-1'],
      ['XREAD', 'STREAMS', 'str', '0'],
      ['XREAD', 'STREAMS', 's', 'str', '0', '0'],
      ['XREAD', 'BLOCK', '10', 'STREAMS', 'str', '$'],
    ]);
  });

  it('the full ID space: 2^64-1 parts, then * and ms-* fail', async () => {
    await d.runInBothProtocols([
      ['XADD', 's', `${MAXU}-${MAXU}`, 'f', 'v'],
      ['XADD', 's', '*', 'f', 'v'],
      ['XADD', 's', `${MAXU}-*`, 'f', 'v'],
      ['XLEN', 's'],
      ['XRANGE', 's', `${MAXU}`, '+'],
      ['XRANGE', 's', '-', `(${MAXU}`],
      ['XADD', 't', `${MAXU}-${MAXU}`.replace(/-.*$/, '-5'), 'f', 'v'],
      ['XADD', 't', `${MAXU}-*`, 'f', 'v'],
      ['XADD', 'u', `5-${MAXU}`, 'f', 'v'],
      ['XADD', 'u', '5-*', 'f', 'v'],
      ['XADD', 'v', `1-${MAXU}`, 'f', 'v'],
      ['XADD', 'v', `18446744073709551615`, 'f', 'v'],
      ['XADD', 'w', '-0', 'f', 'v'],
      ['XADD', 'w', '+1', 'f', 'v'],
      ['XADD', 'w', '1-+1', 'f', 'v'],
      ['XADD', 'w', '1- 1', 'f', 'v'],
      ['XADD', 'w', '1--1', 'f', 'v'],
      ['XRANGE', 'w', '-', '+'],
    ]);
  });

  it('XADD and XTRIM trimming: MAXLEN / MINID, exact and ~, LIMIT', async () => {
    const setup = (k: string): Cmd[] => fill(k, 250);
    await d.run([['CONFIG', 'SET', 'stream-node-max-entries', '10']]);
    try {
      await d.runInBothProtocols([
        ...setup('a'),
        ['XADD', 'a', 'MAXLEN', '~', '200', '1000-1', 'f', 'v'],
        ['XLEN', 'a'],
        ['XRANGE', 'a', '-', '+', 'COUNT', '1'],
        ['XTRIM', 'a', 'MAXLEN', '~', '105'],
        ['XLEN', 'a'],
        ['XTRIM', 'a', 'MAXLEN', '~', '10', 'LIMIT', '30'],
        ['XLEN', 'a'],
        ['XTRIM', 'a', 'MAXLEN', '~', '10', 'LIMIT', '5'],
        ['XTRIM', 'a', 'MAXLEN', '=', '50'],
        ['XLEN', 'a'],
        ['XTRIM', 'a', 'MAXLEN', '45'],
        ['XTRIM', 'a', 'MINID', '~', '230'],
        ['XRANGE', 'a', '-', '+', 'COUNT', '1'],
        ['XTRIM', 'a', 'MINID', '235-1'],
        ['XRANGE', 'a', '-', '+', 'COUNT', '1'],
        ['XTRIM', 'a', 'MINID', '=', '240'],
        ['XTRIM', 'a', 'MINID', '10'],
        ['XTRIM', 'a', 'MAXLEN', '1000'],
        ['XTRIM', 'a', 'MAXLEN', '0'],
        ['XLEN', 'a'],
        ['EXISTS', 'a'],
        ['XTRIM', 'nokey', 'MAXLEN', '0'],
        ['XTRIM', 'a'],
        ['XTRIM', 'a', 'FOO'],
        ['XTRIM', 'a', 'MAXLEN'],
        ['XTRIM', 'a', 'LIMIT', '1'],
        ['XTRIM', 'a', 'MAXLEN', '1', 'LIMIT', '1'],
        ['XTRIM', 'a', 'MAXLEN', '-1'],
        ['XTRIM', 'a', 'MAXLEN', '1', 'MINID', '1'],
        ['XTRIM', 'a', 'MAXLEN', '~', '1', 'LIMIT', '-1'],
        ['XTRIM', 'a', 'MINID', 'abc'],
        ['XTRIM', 'a', 'MINID', '-'],
        ['XTRIM', 'a', 'NOMKSTREAM', 'MAXLEN', '1'],
        ['XTRIM', 'a', 'MAXLEN', '1', 'x'],
        ...setup('b'),
        ['XADD', 'b', 'MINID', '~', '100', 'LIMIT', '20', '1000-1', 'f', 'v'],
        ['XLEN', 'b'],
        ['XADD', 'b', 'MINID', '100', '1001-1', 'f', 'v'],
        ['XLEN', 'b'],
        ['XADD', 'b', 'MAXLEN', '0', '1002-1', 'f', 'v'],
        ['XLEN', 'b'],
        ['XRANGE', 'b', '-', '+'],
        ['XADD', 'b', 'MINID', '2000', '1003-1', 'f', 'v'],
        ['XLEN', 'b'],
        ['EXISTS', 'b'],
      ]);
    } finally {
      await d.run([['CONFIG', 'SET', 'stream-node-max-entries', '100']]);
    }
  });

  it('XDEL and XSETID', async () => {
    await d.runInBothProtocols([
      ...fill('s', 5),
      ['XDEL', 's', '2-1', '3-1', '9-1', '2-1'],
      ['XDEL', 's', '1-1', 'abc'],
      ['XLEN', 's'],
      ['XDEL', 's', '1-1'],
      ['XDEL', 'nokey', '1-1'],
      ['XDEL', 'nokey', 'abc'],
      ['XRANGE', 's', '-', '+'],
      ['XDEL', 's', '-'],
      ['XDEL', 's', '1'],
      ['XSETID', 's', '4-0'],
      ['XSETID', 's', '5-1'],
      ['XADD', 's', '5-1', 'f', 'v'],
      ['XSETID', 's', '10-0'],
      ['XADD', 's', '9-9', 'f', 'v'],
      ['XADD', 's', '10-*', 'f', 'v'],
      ['XSETID', 's', '20-0', 'ENTRIESADDED', '1'],
      ['XSETID', 's', '20-0', 'ENTRIESADDED', '-1'],
      ['XSETID', 's', '20-0', 'ENTRIESADDED', 'x'],
      ['XSETID', 's', '20-0', 'ENTRIESADDED', '100', 'MAXDELETEDID', '30-0'],
      ['XSETID', 's', '20-0', 'ENTRIESADDED', '100', 'MAXDELETEDID', 'x'],
      ['XSETID', 's', '20-0', 'ENTRIESADDED', '100', 'MAXDELETEDID', '15-0'],
      ['XSETID', 's', '20-0', 'ENTRIESADDED', '9223372036854775807'],
      ['XSETID', 's', '20-0', 'ENTRIESADDED'],
      ['XSETID', 's', '20-0', 'FOO', '1'],
      ['XSETID', 's', '20-0', 'MAXDELETEDID', '21-0'],
      ['XSETID', 's', 'abc'],
      ['XSETID', 's', '-'],
      ['XSETID', 's', '+'],
      ['XSETID', 'nokey', '1-1'],
      ['XSETID', 'nokey', 'abc'],
      ['XSETID', 'nokey', '1-1', 'FOO'],
      ['XADD', 'e', '1-1', 'f', 'v'],
      ['XDEL', 'e', '1-1'],
      ['XSETID', 'e', '0-0'],
      ['XADD', 'e', '0-1', 'f', 'v'],
      ['XLEN', 'e'],
      ['XSETID', 'e', `${MAXU}-${MAXU}`],
      ['XADD', 'e', '*', 'f', 'v'],
      ['XADD', 'e', 'NOMKSTREAM', '*', 'f', 'v'],
      ['XRANGE', 'e', '-', '+'],
    ]);
  });

  it('XREAD without blocking: many streams, $, COUNT, argument errors', async () => {
    await d.runInBothProtocols([
      ...fill('a', 5),
      ...fill('b', 3, 10),
      ['XREAD', 'STREAMS', 'a', '0'],
      ['XREAD', 'COUNT', '2', 'STREAMS', 'a', 'b', '0', '0'],
      ['XREAD', 'COUNT', '2', 'STREAMS', 'a', 'b', '3-1', '11'],
      ['XREAD', 'STREAMS', 'a', 'b', 'nokey', '$', '$', '0'],
      ['XREAD', 'STREAMS', 'a', 'nokey', '5-1', '0-0'],
      ['XREAD', 'STREAMS', 'nokey', '0-0'],
      ['XREAD', 'COUNT', '0', 'STREAMS', 'a', '0'],
      ['XREAD', 'COUNT', '-1', 'STREAMS', 'a', '4'],
      ['XREAD', 'count', '1', 'count', '2', 'streams', 'a', '0'],
      ['XREAD', 'STREAMS', 'a'],
      ['XREAD', 'STREAMS', 'a', 'b', '0'],
      ['XREAD', 'STREAMS'],
      ['XREAD', 'COUNT', '1'],
      ['XREAD', 'COUNT', 'x', 'STREAMS', 'a', '0'],
      ['XREAD', 'BLOCK', 'x', 'STREAMS', 'a', '0'],
      ['XREAD', 'BLOCK', '-1', 'STREAMS', 'a', '0'],
      ['XREAD', 'BLOCK', '1.5', 'STREAMS', 'a', '0'],
      ['XREAD', 'FOO', 'STREAMS', 'a', '0'],
      ['XREAD', 'GROUP', 'g', 'c', 'STREAMS', 'a', '0'],
      ['XREAD', 'NOACK', 'STREAMS', 'a', '0'],
      ['XREAD', 'STREAMS', 'a', '>'],
      ['XREAD', 'STREAMS', 'a', 'abc'],
      ['XREAD', 'STREAMS', 'a', '-'],
      ['XREAD', 'STREAMS', 'a', '+'],
      ['XREAD', 'STREAMS', 'a', '1-'],
      ['XREAD', 'STREAMS', 'a', `${MAXU}-${MAXU}`],
      ['XREAD', 'BLOCK', '0', 'STREAMS', 'a', '2'],
      ['XREAD', 'STREAMS', 'STREAMS', 'a', '0', '0'],
      ['XDEL', 'a', '5-1'],
      ['XREAD', 'STREAMS', 'a', '4-1'],
      ['MULTI'],
      ['XREAD', 'BLOCK', '0', 'STREAMS', 'a', '$'],
      ['XREAD', 'BLOCK', '100', 'STREAMS', 'a', '0'],
      ['EXEC'],
    ]);
  });

});

describeCompat('streams with the other types and DEBUG, against redis-server', () => {
  const d = useDiffer({ sinew: { 'enable-debug-command': 'yes' }, redis: { 'enable-debug-command': 'yes' } });

  it('keyspace hits and misses of reads (XREAD looks its keys up twice)', async () => {
    await d.run([['XADD', 's', '1-1', 'f', 'v'], ['SET', 'str', 'x'], ['CONFIG', 'RESETSTAT']]);
    await d.run([
      ['XREAD', 'STREAMS', 's', 'nokey', '0', '0'],
      ['XREAD', 'STREAMS', 's', 'nokey', '$', '0'],
      ['XREAD', 'STREAMS', 's', 'str', '0', '0'],
      ['XRANGE', 's', '-', '+'],
      ['XRANGE', 'nokey', '-', '+'],
      ['XRANGE', 's', 'x', '+'],
      ['XLEN', 's'],
      ['XLEN', 'nokey'],
      ['XADD', 's', '2-1', 'f', 'v'],
      ['XDEL', 'nokey', '1'],
    ]);
    const [a, b] = await d.pair(0);
    const pick = (s: unknown) => /keyspace_hits:\d+\r\nkeyspace_misses:\d+/.exec(String(s))?.[0];
    const [ia, ib] = await Promise.all([a.call('INFO', 'stats'), b.call('INFO', 'stats')]);
    assert.equal(pick(ia), pick(ib));
  });

  it('type integration: TYPE, OBJECT ENCODING, SCAN TYPE, COPY, RENAME, MOVE, DEL, expiry, DEBUG DIGEST', async () => {
    await d.runInBothProtocols([
      ...fill('s', 3),
      ['XADD', 's', '9-1', 'n', '123', 'big', '-9223372036854775808', 'x', ''],
      ['XDEL', 's', '2-1'],
      ['TYPE', 's'],
      ['OBJECT', 'ENCODING', 's'],
      ['SET', 'str', 'x'],
      ['SCAN', '0', 'TYPE', 'stream'],
      ['DEBUG', 'DIGEST-VALUE', 's'],
      ['COPY', 's', 'c'],
      ['DEBUG', 'DIGEST-VALUE', 'c'],
      ['XADD', 'c', '10-1', 'f', 'v'],
      ['XLEN', 's'],
      ['XLEN', 'c'],
      ['RENAME', 'c', 'r'],
      ['XRANGE', 'r', '-', '+'],
      ['MOVE', 'r', '1'],
      ['SELECT', '1'],
      ['XLEN', 'r'],
      ['TYPE', 'r'],
      ['SELECT', '0'],
      ['PEXPIRE', 's', '100000'],
      ['DEBUG', 'DIGEST'],
      ['UNLINK', 's'],
      ['XADD', 'e', '1-1', 'f', 'v'],
      ['XDEL', 'e', '1-1'],
      ['TYPE', 'e'],
      ['XLEN', 'e'],
      ['DEBUG', 'DIGEST-VALUE', 'e'],
      ['DEL', 'e'],
      ['DEBUG', 'DIGEST'],
      ...fill('big', 300),
      ['XADD', 'big', '1000-1', 'a', '1', 'b', '2'],
      ['XADD', 'big', '1000-2', 'a', '1', 'b', '2'],
      ['XADD', 'big', '1000-3', 'b', '1', 'a', '2'],
      ['XDEL', 'big', '5-1', '150-1'],
      ['XTRIM', 'big', 'MAXLEN', '~', '250'],
      ['DEBUG', 'DIGEST-VALUE', 'big'],
      ['DEBUG', 'DIGEST'],
      ['DEBUG', 'DIGEST-VALUE', 'big', 'nokey'],
    ]);
  });

  it('DEBUG OBJECT and MEMORY USAGE give figures', async () => {
    await d.run([...fill('s', 200)]);
    const [a] = await d.pair(0);
    const obj = await a.raw('DEBUG', 'OBJECT', 's');
    assert.match(obj, /encoding:stream serializedlength:\d+/);
    const mem = await a.raw('MEMORY', 'USAGE', 's');
    assert.match(mem, /^:\d+\r\n$/);
    assert.ok(Number(mem.slice(1)) > 200 * 20, mem);
  });
});

describeCompat('XREAD BLOCK against redis-server', () => {
  const d = useDiffer();

  const block = (cmd: Cmd, conn: number) => d.sendBlocking(cmd, conn);

  it('$ means the last ID when the client blocked; waiters are served in arrival order', async () => {
    await d.run([['XADD', 's', '1-1', 'f', 'v']]);
    await block(['XREAD', 'BLOCK', '0', 'STREAMS', 's', '$'], 1);
    await d.run([['HELLO', '3']], { conn: 2, typeOnly: true });
    await block(['XREAD', 'BLOCK', '0', 'STREAMS', 'nokey', 's', '$', '$'], 2);
    await block(['XREAD', 'COUNT', '1', 'BLOCK', '0', 'STREAMS', 's', '1-1'], 3);
    await d.run([['XADD', 's', '2-1', 'a', '1'], ['XADD', 's', '3-1', 'b', '2']]);
    await d.expectReply(1, 'first waiter, $ = 1-1');
    await d.expectReply(2, 'second waiter (RESP3)');
    await d.expectReply(3, 'third waiter with COUNT 1');
    // $ resolved at block time: an XADD after blocking does not move it
    await block(['XREAD', 'BLOCK', '0', 'STREAMS', 's', '$'], 1);
    await d.run([['MULTI'], ['XADD', 's', '4-1', 'c', '3'], ['XADD', 's', '5-1', 'd', '4'], ['EXEC']]);
    await d.expectReply(1, 'both entries of the transaction');
    assert.deepEqual(await d.blockedClients(), ['0', '0']);
  });

  it('timeouts, BLOCK on a missing key, several keys, other databases', async () => {
    await d.run([['XREAD', 'BLOCK', '50', 'STREAMS', 'nokey', '$']], { conn: 1 });
    await d.run([['HELLO', '3'], ['XREAD', 'BLOCK', '50', 'STREAMS', 'nokey', '0'], ['HELLO', '2']], { conn: 1, typeOnly: true });
    await d.run([['HELLO', '3']], { conn: 1, typeOnly: true });
    await d.run([['XREAD', 'BLOCK', '30', 'STREAMS', 'nokey', '0']], { conn: 1 });
    await d.run([['HELLO', '2']], { conn: 1, typeOnly: true });
    await block(['XREAD', 'BLOCK', '0', 'STREAMS', 'a', 'b', '$', '$'], 1);
    await d.run([['SELECT', '3'], ['XADD', 'b', '1-1', 'f', 'v'], ['SELECT', '0']]);
    await d.expectSilence(1, 30);
    await d.run([['XADD', 'b', '7-1', 'f', 'v']]);
    await d.expectReply(1, 'woken by the second key');
    await block(['XREAD', 'BLOCK', '0', 'STREAMS', 'b', '7-1'], 1);
    await d.run([['XADD', 'c', '1-1', 'f', 'v'], ['XADD', 'b', '6-*', 'f', 'v'], ['XADD', 'b', '8-5', 'x', 'y']]);
    await d.expectReply(1, 'served from 7-1');
  });

  it('what does not serve: XDEL, XTRIM, XSETID, a smaller ID, the key deleted or overwritten', async () => {
    await d.run([...fill('s', 3)]);
    await block(['XREAD', 'BLOCK', '0', 'STREAMS', 's', '$'], 1);
    await d.run([['XDEL', 's', '1-1'], ['XTRIM', 's', 'MAXLEN', '1'], ['XSETID', 's', '100-0']]);
    await d.expectSilence(1, 40);
    await d.run([['DEL', 's'], ['SET', 's', 'str']]);
    await d.expectSilence(1, 40);
    await d.run([['DEL', 's'], ['XADD', 's', '2-1', 'f', 'v']]);
    await d.expectSilence(1, 40);
    await d.run([['LPUSH', 'l', 'x'], ['DEL', 's'], ['XADD', 's', '9-1', 'f', 'v']]);
    await d.expectReply(1, 'served by the new stream');
    // a transaction that adds and deletes: Redis serves an empty array
    await block(['XREAD', 'BLOCK', '0', 'STREAMS', 's', '$'], 1);
    await d.run([['MULTI'], ['XADD', 's', '10-1', 'f', 'v'], ['XDEL', 's', '10-1'], ['EXEC']]);
    await d.expectReply(1, 'added and deleted in one transaction');
    // another key of the same XREAD becomes a string: the stream still serves
    await block(['XREAD', 'BLOCK', '0', 'STREAMS', 'x', 's', '$', '$'], 1);
    await d.run([['SET', 'x', 'str'], ['XADD', 's', '11-1', 'f', 'v']]);
    await d.expectReply(1, 'served from s although x is a string');
  });

  it('a stream arriving by RENAME, COPY, MOVE serves waiters; duplicate keys; served at once with BLOCK', async () => {
    await d.run([['XADD', 'src', '5-1', 'f', 'v'], ['XADD', 'src', '6-1', 'g', 'w']]);
    await block(['XREAD', 'BLOCK', '0', 'STREAMS', 'dst', '0'], 1);
    await d.run([['RENAME', 'src', 'dst']]);
    await d.expectReply(1, 'served by RENAME');
    await block(['XREAD', 'BLOCK', '0', 'STREAMS', 'cp', 'cp', '5-1', '0'], 1);
    await d.run([['COPY', 'dst', 'cp']]);
    await d.expectReply(1, 'served by COPY, duplicate key');
    await d.run([['SELECT', '2'], ['XADD', 'mv', '1-1', 'f', 'v'], ['SELECT', '0']]);
    await block(['XREAD', 'COUNT', '5', 'BLOCK', '0', 'STREAMS', 'mv', '0-0'], 1);
    await d.run([['SELECT', '2'], ['MOVE', 'mv', '0'], ['SELECT', '0']]);
    await d.expectReply(1, 'served by MOVE');
    await d.run([
      ['XREAD', 'BLOCK', '0', 'STREAMS', 'dst', 'dst', '0', '5-1'],
      ['XREAD', 'COUNT', '1', 'BLOCK', '100', 'STREAMS', 'nokey', 'dst', '0', '0'],
      ['SORT', 'dst'],
      ['XREAD', 'STREAMS', 'dst', '$'],
    ], { conn: 2 });
  });

  it('a blocked XREAD is one call in INFO commandstats, served or timed out; INFO blocked clients and keys', async () => {
    await d.run([['CONFIG', 'RESETSTAT']]);
    await block(['XREAD', 'BLOCK', '0', 'STREAMS', 'q', 'r', '$', '$'], 1);
    const [a, b] = await d.pair(0);
    const keys = (s: unknown) => /blocked_clients:(\d+)[\s\S]*?total_blocking_keys:(\d+)/.exec(String(s))?.slice(1).join(',');
    const [ka, kb] = await Promise.all([a.call('INFO', 'clients'), b.call('INFO', 'clients')]);
    assert.equal(keys(ka), keys(kb), 'blocked clients and keys');
    await d.run([['XADD', 'r', '1-1', 'f', 'v']]);
    await d.expectReply(1, 'XREAD served');
    await d.run([['XREAD', 'BLOCK', '30', 'STREAMS', 'q', '$']], { conn: 2 });
    const [ia, ib] = await Promise.all([a.call('INFO', 'commandstats'), b.call('INFO', 'commandstats')]);
    const stat = (s: unknown) => /cmdstat_xread:calls=(\d+),.*rejected_calls=(\d+),failed_calls=(\d+)/.exec(String(s))?.filter((_, i) => i !== 0).join(',');
    assert.equal(stat(ia), stat(ib));
    assert.equal(stat(ia), '2,0,0');
  });

  it('the slowlog shows a served XREAD as the client sent it ($ included)', async () => {
    await d.run([['CONFIG', 'SET', 'slowlog-log-slower-than', '0'], ['SLOWLOG', 'RESET']]);
    try {
      await block(['XREAD', 'BLOCK', '0', 'STREAMS', 's', '$'], 1);
      await d.run([['XADD', 's', '1-1', 'f', 'v']]);
      await d.expectReply(1, 'served');
      const [a, b] = await d.pair(0);
      const args = (r: unknown) =>
        (r as unknown[][])
          .map((e) => (e[3] as unknown[]).map(String).join(' '))
          .filter((x) => x.startsWith('XREAD'));
      const [ra, rb] = await Promise.all([a.call('SLOWLOG', 'GET', '20'), b.call('SLOWLOG', 'GET', '20')]);
      assert.deepEqual(args(ra), args(rb));
      assert.deepEqual(args(ra), ['XREAD BLOCK 0 STREAMS s $']);
    } finally {
      await d.run([['CONFIG', 'SET', 'slowlog-log-slower-than', '10000']]);
    }
  });

  it('MONITOR shows a blocked XREAD once, when it is sent, not again when it is served', async () => {
    const [ma, mb] = await d.pair(3);
    await Promise.all([ma.raw('MONITOR'), mb.raw('MONITOR')]);
    await block(['XREAD', 'BLOCK', '0', 'STREAMS', 's', '$'], 1);
    await d.run([['XADD', 's', '1-1', 'f', 'v']]);
    await d.expectReply(1, 'served');
    const lines = async (m: typeof ma) => {
      const out: string[] = [];
      for (;;) {
        try {
          out.push((await m.nextRaw(150)).replace(/^\+[\d.]+ \[\d+ [^\]]+\] /, ''));
        } catch {
          return out.filter((l) => !l.includes('INFO'));
        }
      }
    };
    const [la, lb] = await Promise.all([lines(ma), lines(mb)]);
    assert.deepEqual(la, lb);
    assert.equal(la.filter((l) => l.startsWith('"XREAD"')).length, 1);
  });

  it('CLIENT UNBLOCK TIMEOUT and ERROR, the timeout in RESP3, BLOCK inside MULTI', async () => {
    const [a1, b1] = await d.pair(1);
    const ids = await Promise.all([a1.raw('CLIENT', 'ID'), b1.raw('CLIENT', 'ID')]);
    const [ia, ib] = ids.map((r) => r.slice(1, -2));
    const [a0, b0] = await d.pair(0);
    const unblock = async (...how: string[]) => {
      const [ra, rb] = await Promise.all([a0.raw('CLIENT', 'UNBLOCK', ia, ...how), b0.raw('CLIENT', 'UNBLOCK', ib, ...how)]);
      assert.equal(ra, rb, `CLIENT UNBLOCK ${how.join(' ')}`);
    };
    await block(['XREAD', 'BLOCK', '0', 'STREAMS', 's', '$'], 1);
    await unblock('TIMEOUT');
    await d.expectReply(1, 'unblocked as a timeout');
    await block(['XREAD', 'BLOCK', '0', 'STREAMS', 's', '$'], 1);
    await unblock('ERROR');
    await d.expectReply(1, 'unblocked with an error');
    await d.run([['HELLO', '3']], { conn: 1, typeOnly: true });
    await block(['XREAD', 'BLOCK', '0', 'STREAMS', 's', '0'], 1);
    await unblock();
    await d.expectReply(1, 'RESP3 unblocked as a timeout');
    await d.run([['MULTI'], ['XREAD', 'BLOCK', '0', 'STREAMS', 's', '$'], ['EXEC']], { conn: 1 });
    await d.run([['EVAL', "return redis.call('XREAD', 'BLOCK', '0', 'STREAMS', 's', '$')", '0'], ['EVAL', "return redis.call('XREAD', 'STREAMS', 's', '0')", '0']], { conn: 1 });
  });
});
