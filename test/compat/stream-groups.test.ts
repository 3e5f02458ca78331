import { it } from 'node:test';
import assert from 'node:assert/strict';
import { describeCompat, useDiffer, type Cmd } from '../helpers/differ.js';

/**
 * Consumer-group commands (XGROUP, XREADGROUP, XACK, XPENDING, XCLAIM,
 * XAUTOCLAIM, XINFO) against redis-server 7.0.15, in RESP2 and RESP3.
 * Idle times, delivery times and seen-times come from each server's clock:
 * `timed` scripts compare every integer with a tolerance, everything else
 * byte for byte.
 */
describeCompat('stream consumer groups against redis-server', () => {
  const d = useDiffer();

  /** Runs commands on both; integers may differ by up to `tol` (clock readings), the rest must be equal. */
  const timed = async (cmds: Cmd[], conn = 0, tol = 250) => {
    const [a, b] = await d.pair(conn);
    for (const cmd of cmds) {
      const [ra, rb] = await Promise.all([a.raw(...cmd), b.raw(...cmd)]);
      const ints = (s: string) => [...s.matchAll(/:(-?\d+)\r\n/g)].map((m) => Number(m[1]));
      const shape = (s: string) => s.replace(/:(-?\d+)\r\n/g, ':#\r\n');
      const label = cmd.join(' ');
      assert.equal(shape(ra), shape(rb), `reply shape of: ${label}`);
      const ia = ints(ra);
      const ib = ints(rb);
      for (let i = 0; i < ia.length; i++) assert.ok(Math.abs(ia[i] - ib[i]) <= tol, `integer ${i} of ${label}: ${ia[i]} vs ${ib[i]}`);
    }
  };

  const block = (cmd: Cmd, conn: number) => d.sendBlocking(cmd, conn);

  const seed: Cmd[] = [
    ['XADD', 's', '1-0', 'a', '1'],
    ['XADD', 's', '2-0', 'b', '2', 'c', '3'],
    ['XADD', 's', '3-0', 'a', '4'],
    ['XADD', 's', '4-0', 'd', '5'],
  ];

  it('XGROUP CREATE / SETID / DESTROY / CREATECONSUMER / DELCONSUMER / HELP, every error', async () => {
    await d.runInBothProtocols([
      ['XGROUP', 'CREATE', 'nokey', 'g', '$'],
      ['XGROUP', 'CREATE', 'nokey', 'g', '$', 'MKSTREAM'],
      ['TYPE', 'nokey'],
      ['XLEN', 'nokey'],
      ['XGROUP', 'CREATE', 'nokey', 'g', '$', 'MKSTREAM'],
      ...seed,
      ['XGROUP', 'CREATE', 's', 'g1', '0'],
      ['XGROUP', 'CREATE', 's', 'g2', '$'],
      ['XGROUP', 'CREATE', 's', 'g3', '2-0', 'ENTRIESREAD', '2'],
      ['XGROUP', 'CREATE', 's', 'g4', '2', 'ENTRIESREAD', '-1', 'MKSTREAM'],
      ['XGROUP', 'CREATE', 's', 'g5', '-'],
      ['XGROUP', 'CREATE', 's', 'g5', '+'],
      ['XGROUP', 'CREATE', 's', 'g5', 'abc'],
      ['XGROUP', 'CREATE', 's', 'g5', '0', 'ENTRIESREAD', '-2'],
      ['XGROUP', 'CREATE', 's', 'g5', '0', 'ENTRIESREAD', 'x'],
      ['XGROUP', 'CREATE', 's', 'g5', '0', 'ENTRIESREAD'],
      ['XGROUP', 'CREATE', 's', 'g5', '0', 'FOO'],
      ['XGROUP', 'CREATE', 's', 'g5', '0', 'MKSTREAM', 'MKSTREAM', 'MKSTREAM', 'MKSTREAM'],
      ['XGROUP', 'CREATE', 's', 'g5'],
      ['XGROUP', 'SETID', 's', 'g5', '0'],
      ['XGROUP', 'SETID', 's', 'g1', '$'],
      ['XGROUP', 'SETID', 's', 'g1', '-'],
      ['XGROUP', 'SETID', 's', 'g1', '+', 'ENTRIESREAD', '3'],
      ['XGROUP', 'SETID', 's', 'g1', '2-0', 'ENTRIESREAD', '9223372036854775807'],
      ['XINFO', 'GROUPS', 's'],
      ['XGROUP', 'SETID', 's', 'g1', '2-0', 'MKSTREAM'],
      ['XGROUP', 'SETID', 's', 'g1', '2-0', 'ENTRIESREAD'],
      ['XGROUP', 'SETID', 's', 'g1', 'x'],
      ['XGROUP', 'SETID', 'nokey2', 'g1', '0'],
      ['XGROUP', 'CREATECONSUMER', 's', 'g1', 'alice'],
      ['XGROUP', 'CREATECONSUMER', 's', 'g1', 'alice'],
      ['XGROUP', 'CREATECONSUMER', 's', 'nog', 'alice'],
      ['XGROUP', 'CREATECONSUMER', 's', 'g1'],
      ['XGROUP', 'DELCONSUMER', 's', 'g1', 'bob'],
      ['XGROUP', 'DELCONSUMER', 's', 'g1', 'alice'],
      ['XGROUP', 'DELCONSUMER', 's', 'nog', 'alice'],
      ['XGROUP', 'DESTROY', 's', 'g2'],
      ['XGROUP', 'DESTROY', 's', 'g2'],
      ['XGROUP', 'DESTROY', 'nokey3', 'g2'],
      ['XGROUP', 'DESTROY', 's'],
      ['XGROUP', 'DESTROY', 's', 'g2', 'x'],
      ['XGROUP', 'HELP'],
      ['XGROUP', 'help'],
      ['XGROUP', 'HELP', 'x'],
      ['XGROUP', 'FOO', 's', 'g'],
      ['XGROUP'],
      ['SET', 'str', 'x'],
      ['XGROUP', 'CREATE', 'str', 'g', '$'],
      ['XGROUP', 'CREATE', 'str', 'g', '$', 'MKSTREAM'],
      ['XGROUP', 'SETID', 'str', 'g', '$'],
      ['XGROUP', 'DESTROY', 'str', 'g'],
      ['XGROUP', 'CREATECONSUMER', 'str', 'g', 'c'],
      ['XGROUP', 'DELCONSUMER', 'str', 'g', 'c'],
      ['XINFO', 'GROUPS', 's'],
    ]);
  });

  it('XREADGROUP: > and history, COUNT, NOACK, many streams, errors', async () => {
    await d.runInBothProtocols([
      ...seed,
      ['XADD', 't', '5-0', 'x', 'y'],
      ['XGROUP', 'CREATE', 's', 'g', '0'],
      ['XGROUP', 'CREATE', 't', 'g', '0'],
      ['XREADGROUP', 'GROUP', 'g', 'alice', 'COUNT', '1', 'STREAMS', 's', '>'],
      ['XREADGROUP', 'GROUP', 'g', 'alice', 'COUNT', '1', 'STREAMS', 's', 's', '>', '>'],
      ['XREADGROUP', 'GROUP', 'g', 'alice', 'COUNT', '1', 'NOACK', 'STREAMS', 's', 's', '0', '>'],
      ['XREADGROUP', 'GROUP', 'g', 'alice', 'STREAMS', 's', 's', '0', '1-0'],
      ['XGROUP', 'SETID', 's', 'g', '0'],
      ['XREADGROUP', 'GROUP', 'g', 'alice', 'COUNT', '2', 'STREAMS', 's', 't', '>', '>'],
      ['XREADGROUP', 'GROUP', 'g', 'bob', 'STREAMS', 's', 't', '>', '>'],
      ['XREADGROUP', 'GROUP', 'g', 'bob', 'STREAMS', 's', 't', '>', '>'],
      ['XREADGROUP', 'GROUP', 'g', 'alice', 'STREAMS', 's', '0'],
      ['XREADGROUP', 'GROUP', 'g', 'alice', 'COUNT', '1', 'STREAMS', 's', '1-0'],
      ['XREADGROUP', 'GROUP', 'g', 'alice', 'COUNT', '-5', 'STREAMS', 's', 't', '0', '0'],
      ['XREADGROUP', 'GROUP', 'g', 'carol', 'STREAMS', 's', '0'],
      ['XDEL', 's', '2-0'],
      ['XREADGROUP', 'GROUP', 'g', 'alice', 'STREAMS', 's', '0-0'],
      ['XINFO', 'GROUPS', 's'],
      ['XINFO', 'CONSUMERS', 't', 'g'].slice(0, 3),
      ['XADD', 's', '6-0', 'n', '1'],
      ['XREADGROUP', 'GROUP', 'g', 'dave', 'NOACK', 'STREAMS', 's', '>'],
      ['XREADGROUP', 'GROUP', 'g', 'dave', 'STREAMS', 's', '0'],
      ['XPENDING', 's', 'g'],
      ['XINFO', 'GROUPS', 's'],
      ['XREADGROUP', 'GROUP', 'g', 'alice', 'STREAMS', 's', '$'],
      ['XREADGROUP', 'GROUP', 'nog', 'alice', 'STREAMS', 's', '>'],
      ['XREADGROUP', 'GROUP', 'g', 'alice', 'STREAMS', 'nokey', '>'],
      ['XREADGROUP', 'GROUP', 'g', 'alice', 'STREAMS', 's', 'nokey', '>', '>'],
      ['XREADGROUP', 'GROUP', 'g', 'alice', 'STREAMS', 's', 'x-y'],
      ['XREADGROUP', 'GROUP', 'g', 'alice', 'STREAMS', 's', 't', '>'],
      ['XREADGROUP', 'GROUP', 'g', 'alice', 'STREAMS', 's'],
      ['XREADGROUP', 'GROUP', 'g', 'alice', 'COUNT', 'x', 'STREAMS', 's', '>'],
      ['XREADGROUP', 'GROUP', 'g', 'alice', 'BLOCK', '-1', 'STREAMS', 's', '>'],
      ['XREADGROUP', 'GROUP', 'g', 'alice', 'BLOCK', 'x', 'STREAMS', 's', '>'],
      ['XREADGROUP', 'GROUP', 'g', 'alice', 'FOO', 'STREAMS', 's', '>'],
      ['XREADGROUP', 'COUNT', '1', 'STREAMS', 's', '>'],
      ['XREADGROUP', 'GROUP', 'g', 'STREAMS', 's', '>'],
      ['XREADGROUP', 'GROUP', 'g', 'alice', 'COUNT', '1', 'BLOCK'],
      ['XREADGROUP', 'GROUP', 'g', 'alice', 'STREAMS', 's', '>'],
      ['XREADGROUP', 'GROUP', 'g', 'alice', 'BLOCK', '10', 'STREAMS', 's', '>'],
      ['SET', 'str', 'x'],
      ['XREADGROUP', 'GROUP', 'g', 'alice', 'STREAMS', 'str', '>'],
      ['XREADGROUP', 'GROUP', 'g', 'alice', 'STREAMS', 's', 'str', '>', '>'],
      ['MULTI'],
      ['XREADGROUP', 'GROUP', 'g', 'alice', 'BLOCK', '0', 'STREAMS', 's', '>'],
      ['EXEC'],
      ['EVAL', "return redis.call('XREADGROUP', 'GROUP', 'g', 'alice', 'BLOCK', '0', 'STREAMS', KEYS[1], '>')", '1', 's'],
      ['EVAL', "return redis.call('XREADGROUP', 'GROUP', 'g', 'eve', 'STREAMS', KEYS[1], '0')", '1', 's'],
    ]);
  });

  it('XACK and XPENDING (summary, extended, IDLE, consumer), errors', async () => {
    await d.run([
      ...seed,
      ['XGROUP', 'CREATE', 's', 'g', '0'],
      ['XPENDING', 's', 'g'],
      ['XREADGROUP', 'GROUP', 'g', 'alice', 'COUNT', '2', 'STREAMS', 's', '>'],
      ['XREADGROUP', 'GROUP', 'g', 'bob', 'STREAMS', 's', '>'],
    ]);
    await d.runInBothProtocols(
      [
        ['XPENDING', 's', 'g'],
        ['XPENDING', 's', 'g', '-', '+', '10', 'nobody'],
        ['XPENDING', 's', 'g', '-', '+', '0'],
        ['XPENDING', 's', 'g', '-', '+', '-1'],
        ['XPENDING', 's', 'g', 'IDLE', '100000', '-', '+', '10'],
        ['XPENDING', 's', 'g', 'IDLE', '100000', '-', '+', '10', 'alice'],
        ['XPENDING', 's', 'g', '-', '+'],
        ['XPENDING', 's', 'g', '-'],
        ['XPENDING', 's', 'g', 'IDLE', '1', '-', '+'],
        ['XPENDING', 's', 'g', 'IDLE', 'x', '-', '+', '1'],
        ['XPENDING', 's', 'g', '-', '+', 'x'],
        ['XPENDING', 's', 'g', 'x', '+', '1'],
        ['XPENDING', 's', 'g', '-', 'x', '1'],
        ['XPENDING', 's', 'g', '(18446744073709551615-18446744073709551615', '+', '1'],
        ['XPENDING', 's', 'g', '-', '(0-0', '1'],
        ['XPENDING', 's', 'g', '(-', '+', '1'],
        ['XPENDING', 's', 'g', '-', '+', '1', 'a', 'b', 'c'],
        ['XPENDING', 's', 'nog'],
        ['XPENDING', 'nokey', 'g'],
        ['XPENDING', 'no\0key', 'g\0x'],
        ['XCLAIM', 's', 'g', 'c', '0', '1-0', 'FOO\0BAR'],
        ['XINFO', 'CONSUMERS', 's', 'a\0b'],
        ['XGROUP', 'SETID', 's', 'n\0g', '0'],
        ['XREADGROUP', 'GROUP', 'n\0g', 'c', 'STREAMS', 's', '>'],
        ['XPENDING', 'nokey', 'g', '-', '+', 'x'],
        ['XACK', 's', 'nog', '1-0'],
        ['XACK', 'nokey', 'g', 'x'],
        ['XACK', 's', 'g', '1-0', 'x'],
        ['XACK', 's', 'g', '1-0', '1', '9-9'],
        ['XACK', 's', 'g', '1-0'],
        ['XPENDING', 's', 'g'],
        ['SET', 'str', 'x'],
        ['XACK', 'str', 'g', '1-0'],
        ['XPENDING', 'str', 'g'],
      ],
      { keepData: true },
    );
    await timed([
      ['XPENDING', 's', 'g', '-', '+', '10'],
      ['XPENDING', 's', 'g', '(2-0', '4', '1', 'bob'],
      ['XPENDING', 's', 'g', 'IDLE', '0', '-', '+', '10', 'bob'],
    ]);
  });

  it('XCLAIM: IDLE, TIME, RETRYCOUNT, FORCE, JUSTID, LASTID, deleted entries, errors', async () => {
    await d.run([
      ...seed,
      ['XGROUP', 'CREATE', 's', 'g', '0'],
      ['XREADGROUP', 'GROUP', 'g', 'alice', 'STREAMS', 's', '>'],
      ['XCLAIM', 's', 'g', 'bob', '0', '1-0'],
      ['XCLAIM', 's', 'g', 'bob', '0', '1-0', '2', 'JUSTID'],
      ['XCLAIM', 's', 'g', 'bob', '100000', '3-0'],
      ['XCLAIM', 's', 'g', 'carol', '0', '3-0', 'RETRYCOUNT', '7', 'JUSTID'],
      ['XCLAIM', 's', 'g', 'carol', '0', '3-0', 'IDLE', '50000', 'JUSTID'],
      ['XCLAIM', 's', 'g', 'dave', '40000', '3-0', 'JUSTID'],
      ['XCLAIM', 's', 'g', 'carol', '0', '4-0', 'TIME', '12345', 'JUSTID'],
      ['XCLAIM', 's', 'g', 'carol', '0', '4-0', 'TIME', '-5', 'IDLE', '-10', 'JUSTID'],
      ['XCLAIM', 's', 'g', 'carol', '0', '9-0', '4-0', 'FORCE', 'JUSTID'],
      ['XACK', 's', 'g', '4-0'],
      ['XCLAIM', 's', 'g', 'carol', '0', '4-0', 'JUSTID'],
      ['XCLAIM', 's', 'g', 'carol', '100000', '4-0', 'FORCE'],
      ['XDEL', 's', '2-0'],
      ['XCLAIM', 's', 'g', 'erin', '0', '2-0', '1-0', 'JUSTID'],
      ['XCLAIM', 's', 'g', 'erin', '0', '1-0', 'LASTID', '3-0'],
      ['XCLAIM', 's', 'g', 'erin', '0', '1-0', 'LASTID', '99-0', 'JUSTID'],
      ['XCLAIM', 's', 'g', 'zed', '0', '77-0', 'LASTID', '100-0'],
      ['XINFO', 'GROUPS', 's'],
      ['XCLAIM', 's', 'g', 'erin', 'x', '1-0'],
      ['XCLAIM', 's', 'g', 'erin', '-5', '1-0', 'JUSTID'],
      ['XCLAIM', 's', 'g', 'erin', '0', '1-0', 'IDLE', 'x'],
      ['XCLAIM', 's', 'g', 'erin', '0', '1-0', 'TIME', 'x'],
      ['XCLAIM', 's', 'g', 'erin', '0', '1-0', 'RETRYCOUNT', 'x'],
      ['XCLAIM', 's', 'g', 'erin', '0', '1-0', 'LASTID', 'x'],
      ['XCLAIM', 's', 'g', 'erin', '0', '1-0', 'FOO'],
      ['XCLAIM', 's', 'g', 'erin', '0', '1-0', 'JUSTID', '2-0'],
      ['XCLAIM', 's', 'g', 'erin', '0', '1-0', 'IDLE'],
      ['XCLAIM', 's', 'g', 'erin', '0', 'x'],
      ['XCLAIM', 's', 'nog', 'erin', 'x', '1-0'],
      ['XCLAIM', 'nokey', 'g', 'erin', '0', '1-0'],
      ['SET', 'str', 'x'],
      ['XCLAIM', 'str', 'g', 'erin', '0', '1-0'],
      ['XCLAIM', 's', 'g', 'erin', '0', '1-0', '3-0'],
    ]);
    await timed([
      ['XPENDING', 's', 'g', '-', '+', '10'],
      ['XINFO', 'CONSUMERS', 's', 'g'],
    ]);
  });

  it('XAUTOCLAIM: cursor, COUNT, JUSTID, deleted entries reported, errors', async () => {
    const ids: Cmd[] = [];
    for (let i = 1; i <= 30; i++) ids.push(['XADD', 'a', `${i}-0`, 'f', String(i)]);
    await d.runInBothProtocols([
      ...ids,
      ['XGROUP', 'CREATE', 'a', 'g', '0'],
      ['XREADGROUP', 'GROUP', 'g', 'alice', 'STREAMS', 'a', '>'],
      ['XDEL', 'a', '3-0', '4-0', '10-0'],
      ['XAUTOCLAIM', 'a', 'g', 'bob', '0', '0', 'COUNT', '2'],
      ['XAUTOCLAIM', 'a', 'g', 'bob', '0', '3-0', 'COUNT', '3', 'JUSTID'],
      ['XAUTOCLAIM', 'a', 'g', 'bob', '0', '(5-0', 'COUNT', '1'],
      ['XAUTOCLAIM', 'a', 'g', 'bob', '100000', '0', 'COUNT', '1'],
      ['XAUTOCLAIM', 'a', 'g', 'carol', '0', '-', 'JUSTID'],
      ['XAUTOCLAIM', 'a', 'g', 'carol', '0', '29-0'],
      ['XAUTOCLAIM', 'a', 'g', 'carol', '0', '31-0'],
      ['XAUTOCLAIM', 'a', 'g', 'carol', '-1', '0', 'COUNT', '1', 'JUSTID'],
      ['XAUTOCLAIM', 'a', 'g', 'carol', 'x', '0'],
      ['XAUTOCLAIM', 'a', 'g', 'carol', '0', 'x'],
      ['XAUTOCLAIM', 'a', 'g', 'carol', '0', '(18446744073709551615-18446744073709551615'],
      ['XAUTOCLAIM', 'a', 'g', 'carol', '0', '0', 'COUNT', '0'],
      ['XAUTOCLAIM', 'a', 'g', 'carol', '0', '0', 'COUNT', '-1'],
      ['XAUTOCLAIM', 'a', 'g', 'carol', '0', '0', 'COUNT', 'x'],
      ['XAUTOCLAIM', 'a', 'g', 'carol', '0', '0', 'COUNT', '576460752303423488'],
      ['XAUTOCLAIM', 'a', 'g', 'carol', '0', '0', 'COUNT'],
      ['XAUTOCLAIM', 'a', 'g', 'carol', '0', '0', 'FOO'],
      ['XAUTOCLAIM', 'a', 'nog', 'carol', '0', '0'],
      ['XAUTOCLAIM', 'nokey', 'g', 'carol', '0', '0'],
      ['SET', 'str', 'x'],
      ['XAUTOCLAIM', 'str', 'g', 'carol', '0', '0'],
      ['XPENDING', 'a', 'g'],
    ]);
  });

  it('XINFO STREAM (FULL, COUNT), GROUPS, CONSUMERS, HELP; lag and entries-read', async () => {
    await d.runInBothProtocols([
      ['XINFO', 'STREAM', 'nokey'],
      ['XINFO', 'GROUPS', 'nokey'],
      ['XINFO', 'CONSUMERS', 'nokey', 'g'],
      ['SET', 'str', 'x'],
      ['XINFO', 'STREAM', 'str'],
      ['XINFO', 'GROUPS', 'str'],
      ['XGROUP', 'CREATE', 'e', 'g', '$', 'MKSTREAM'],
      ['XINFO', 'STREAM', 'e'],
      ['XINFO', 'STREAM', 'e', 'FULL'],
      ['XINFO', 'GROUPS', 'e'],
      ...seed,
      ['XINFO', 'STREAM', 's'],
      ['XINFO', 'STREAM', 's', 'FULL'],
      ['XGROUP', 'CREATE', 's', 'g1', '0'],
      ['XGROUP', 'CREATE', 's', 'g2', '$'],
      ['XGROUP', 'CREATE', 's', 'g3', '2-0'],
      ['XINFO', 'GROUPS', 's'],
      ['XREADGROUP', 'GROUP', 'g1', 'c', 'COUNT', '1', 'STREAMS', 's', '>'],
      ['XINFO', 'GROUPS', 's'],
      ['XDEL', 's', '3-0'],
      ['XINFO', 'GROUPS', 's'],
      ['XREADGROUP', 'GROUP', 'g1', 'c', 'STREAMS', 's', '>'],
      ['XREADGROUP', 'GROUP', 'g3', 'c', 'STREAMS', 's', '>'],
      ['XINFO', 'GROUPS', 's'],
      ['XADD', 's', '9-0', 'z', '1'],
      ['XINFO', 'GROUPS', 's'],
      ['XTRIM', 's', 'MAXLEN', '0'],
      ['XINFO', 'GROUPS', 's'],
      ['XINFO', 'STREAM', 's'],
      ['XINFO', 'STREAM', 's', 'FULL', 'X'],
      ['XINFO', 'STREAM', 's', 'FULL', 'COUNT'],
      ['XINFO', 'STREAM', 's', 'FULL', 'COUNT', 'x'],
      ['XINFO', 'STREAM', 's', 'FULL', 'FOO', '1'],
      ['XINFO', 'STREAM', 's', 'FOO'],
      ['XINFO', 'CONSUMERS', 's', 'nog'],
      ['XINFO', 'CONSUMERS', 's'],
      ['XINFO', 'GROUPS', 's', 'x'],
      ['XINFO', 'HELP'],
      ['XINFO', 'HELP', 'x'],
      ['XINFO', 'FOO', 's'],
      ['XINFO'],
      ['XGROUP', 'SETID', 's', 'g2', '0', 'ENTRIESREAD', '1'],
      ['XINFO', 'GROUPS', 's'],
    ]);
    const many: Cmd[] = [];
    for (let i = 1; i <= 15; i++) many.push(['XADD', 'm', `${i}-1`, 'f', String(i)]);
    await d.run([...many, ['XGROUP', 'CREATE', 'm', 'g', '0'], ['XREADGROUP', 'GROUP', 'g', 'a', 'COUNT', '12', 'STREAMS', 'm', '>'], ['XREADGROUP', 'GROUP', 'g', 'b', 'STREAMS', 'm', '>']]);
    await timed([
      ['XINFO', 'STREAM', 'm', 'FULL'],
      ['XINFO', 'STREAM', 'm', 'FULL', 'COUNT', '0'],
      ['XINFO', 'STREAM', 'm', 'FULL', 'COUNT', '2'],
      ['XINFO', 'STREAM', 'm', 'FULL', 'COUNT', '-3'],
      ['XINFO', 'CONSUMERS', 'm', 'g'],
      ['HELLO', '3'],
      ['XINFO', 'STREAM', 'm', 'FULL', 'COUNT', '3'],
      ['XINFO', 'CONSUMERS', 'm', 'g'],
    ], 0, 1000);
  });

  it('blocking XREADGROUP: served by XADD in arrival order, COUNT, NOACK, timeout, CLIENT UNBLOCK', async () => {
    await d.run([['XGROUP', 'CREATE', 's', 'g', '$', 'MKSTREAM'], ['XGROUP', 'CREATE', 't', 'g', '$', 'MKSTREAM'], ['CLIENT', 'SETNAME', 'ctl']]);
    await block(['XREADGROUP', 'GROUP', 'g', 'alice', 'BLOCK', '0', 'STREAMS', 's', 't', '>', '>'], 1);
    await block(['XREADGROUP', 'GROUP', 'g', 'bob', 'COUNT', '1', 'BLOCK', '0', 'STREAMS', 't', '>'], 2);
    await block(['XREADGROUP', 'GROUP', 'g', 'carol', 'NOACK', 'BLOCK', '0', 'STREAMS', 't', '>'], 3);
    await d.run([['XADD', 't', '1-0', 'a', '1']]);
    await d.expectReply(1, 'alice served from t');
    await d.expectSilence(2, 30);
    await d.run([['MULTI'], ['XADD', 't', '2-0', 'b', '2'], ['XADD', 't', '3-0', 'c', '3'], ['EXEC']]);
    await d.expectReply(2, 'bob takes one');
    await d.expectReply(3, 'carol takes the next');
    await d.run([['XPENDING', 't', 'g'], ['XINFO', 'GROUPS', 't']]);
    await d.run([['XREADGROUP', 'GROUP', 'g', 'x', 'BLOCK', '50', 'STREAMS', 's', '>']], { conn: 4 });
    const [a, b] = await d.pair(4);
    const [ida, idb] = await Promise.all([a.raw('CLIENT', 'ID'), b.raw('CLIENT', 'ID')]);
    const num = (r: string) => r.slice(1, -2);
    await block(['XREADGROUP', 'GROUP', 'g', 'x', 'BLOCK', '0', 'STREAMS', 's', '>'], 4);
    const [c0a, c0b] = await d.pair(0);
    assert.deepEqual(await Promise.all([c0a.raw('CLIENT', 'UNBLOCK', num(ida)), c0b.raw('CLIENT', 'UNBLOCK', num(idb))]), [':1\r\n', ':1\r\n']);
    await d.expectReply(4, 'unblocked as a timeout');
    await block(['XREADGROUP', 'GROUP', 'g', 'x', 'BLOCK', '0', 'STREAMS', 's', '>'], 4);
    await Promise.all([c0a.raw('CLIENT', 'UNBLOCK', num(ida), 'ERROR'), c0b.raw('CLIENT', 'UNBLOCK', num(idb), 'ERROR')]);
    await d.expectReply(4, 'unblocked with an error');
    await d.run([['XINFO', 'GROUPS', 's']]);
  });

  it('blocking XREADGROUP: NOGROUP when the group is destroyed, UNBLOCKED when the key is deleted, overwritten or flushed', async () => {
    await d.run([['XGROUP', 'CREATE', 's', 'g', '$', 'MKSTREAM'], ['XGROUP', 'CREATE', 's', 'h', '$']]);
    await block(['XREADGROUP', 'GROUP', 'g', 'alice', 'BLOCK', '0', 'STREAMS', 's', '>'], 1);
    await block(['XREADGROUP', 'GROUP', 'h', 'bob', 'BLOCK', '0', 'STREAMS', 's', '>'], 2);
    await d.run([['XGROUP', 'DESTROY', 's', 'g']]);
    await d.expectReply(1, 'NOGROUP');
    await d.expectSilence(2, 30);
    await d.run([['DEL', 's']]);
    await d.expectReply(2, 'UNBLOCKED after DEL');
    await d.run([['XGROUP', 'CREATE', 's', 'g', '$', 'MKSTREAM']]);
    await block(['XREADGROUP', 'GROUP', 'g', 'alice', 'BLOCK', '0', 'STREAMS', 's', '>'], 1);
    await d.run([['SET', 's', 'x']]);
    await d.expectReply(1, 'UNBLOCKED after SET');
    await d.run([['DEL', 's'], ['XGROUP', 'CREATE', 's', 'g', '$', 'MKSTREAM']]);
    await block(['XREADGROUP', 'GROUP', 'g', 'alice', 'BLOCK', '0', 'STREAMS', 's', '>'], 1);
    await d.run([['FLUSHALL']]);
    await d.expectReply(1, 'UNBLOCKED after FLUSHALL');
    await d.run([['XGROUP', 'CREATE', 's', 'g', '$', 'MKSTREAM']]);
    await block(['XREADGROUP', 'GROUP', 'g', 'alice', 'BLOCK', '0', 'STREAMS', 's', '>'], 1);
    await d.run([['MULTI'], ['DEL', 's'], ['XADD', 's', '1-0', 'a', '1'], ['EXEC']]);
    await d.expectReply(1, 'NOGROUP after DEL + XADD');
    await d.run([['XGROUP', 'CREATE', 's', 'g', '$']]);
    await block(['XREADGROUP', 'GROUP', 'g', 'alice', 'BLOCK', '0', 'STREAMS', 's', '>'], 1);
    await d.run([['XACK', 's', 'g', '1-0'], ['XGROUP', 'CREATECONSUMER', 's', 'g', 'x'], ['XGROUP', 'SETID', 's', 'g', '$']]);
    await d.expectSilence(1, 30);
    await d.run([['XADD', 's', '2-0', 'b', '2']]);
    await d.expectReply(1, 'served after the unsignalled changes');
    await block(['XREADGROUP', 'GROUP', 'g', 'alice', 'BLOCK', '0', 'STREAMS', 's', '>'], 1);
    await d.run([['PEXPIRE', 's', '50']]);
    await d.expectReply(1, 'UNBLOCKED when the stream expires (active expiry)');
    await d.run([['EXISTS', 's']]);
    await d.run([['XGROUP', 'CREATE', 's', 'g', '$', 'MKSTREAM']]);
    await block(['XREADGROUP', 'GROUP', 'g', 'alice', 'BLOCK', '0', 'STREAMS', 's', '>'], 1);
    await d.run([['SELECT', '1'], ['XGROUP', 'CREATE', 's', 'g', '$', 'MKSTREAM'], ['SELECT', '0'], ['SWAPDB', '0', '1']]);
    await d.expectSilence(1, 50);
    await d.run([['SELECT', '0'], ['XADD', 's', '1-0', 'f', 'v']]);
    await d.expectReply(1, 'served from the swapped-in stream');
    await block(['XREADGROUP', 'GROUP', 'g', 'alice', 'BLOCK', '0', 'STREAMS', 's', '>'], 1);
    await d.run([['SWAPDB', '0', '2']]);
    await d.expectReply(1, 'UNBLOCKED by SWAPDB with an empty database');
  });

  it('blocking XREADGROUP: what serves (an XADD even when its entry is gone, the ready key only) and what does not', async () => {
    await d.run([['XGROUP', 'CREATE', 's', 'g', '$', 'MKSTREAM'], ['XGROUP', 'CREATE', 't', 'g', '$', 'MKSTREAM']]);
    await d.run([['HELLO', '3']], { conn: 1, typeOnly: true });
    await block(['XREADGROUP', 'GROUP', 'g', 'alice', 'BLOCK', '0', 'STREAMS', 's', 't', '>', '>'], 1);
    await d.run([['XADD', 't', '1-0', 'a', '1']]);
    await d.expectReply(1, 'served from t in RESP3');
    await block(['XREADGROUP', 'GROUP', 'g', 'alice', 'BLOCK', '0', 'STREAMS', 's', '>'], 1);
    await d.run([['MULTI'], ['XADD', 's', '1-0', 'a', '1'], ['XDEL', 's', '1-0'], ['EXEC']]);
    await d.expectReply(1, 'served with nothing: the entry was deleted in the same transaction');
    await block(['XREADGROUP', 'GROUP', 'g', 'bob', 'BLOCK', '0', 'STREAMS', 's', '>'], 2);
    await d.run([['XADD', 's', 'MAXLEN', '0', '2-0', 'a', '1']]);
    await d.expectReply(2, 'served with nothing after XADD MAXLEN 0');
    await block(['XREADGROUP', 'GROUP', 'g', 'bob', 'BLOCK', '0', 'STREAMS', 's', '>'], 2);
    await d.run([['MULTI'], ['XADD', 's', '3-0', 'a', '1'], ['XREADGROUP', 'GROUP', 'g', 'other', 'STREAMS', 's', '>'], ['EXEC']]);
    await d.expectSilence(2, 30);
    await d.run([['XGROUP', 'SETID', 's', 'g', '100-0'], ['XADD', 's', '4-0', 'a', '1'], ['XDEL', 's', '3-0'], ['XTRIM', 's', 'MAXLEN', '0']]);
    await d.expectSilence(2, 30);
    await d.run([['XGROUP', 'SETID', 's', 'g', '0'], ['XADD', 's', '5-0', 'b', '2']]);
    await d.expectReply(2, 'served after SETID back and XADD');
    await d.run([['XPENDING', 's', 'g'], ['XINFO', 'GROUPS', 's']]);
    await d.run([['XREADGROUP', 'GROUP', 'g', 'bob', 'BLOCK', '30', 'STREAMS', 's', '>']], { conn: 3 });
    await block(['XREADGROUP', 'GROUP', 'g', 'bob', 'BLOCK', '0', 'STREAMS', 's', '>'], 2);
    await d.run([['XADD', 's', '6-0', 'c', '3'], ['XGROUP', 'SETID', 's', 'g', '0'], ['XDEL', 's', '6-0']]);
    await d.expectReply(2, 'served 6-0 by the XADD');
    await d.run([['XGROUP', 'SETID', 's', 'g', '$']]);
    await block(['XREADGROUP', 'GROUP', 'g', 'carol', 'BLOCK', '0', 'STREAMS', 's', '>'], 3);
    await d.run([['XADD', 's', '7-0', 'c', '3'], ['XREADGROUP', 'GROUP', 'g', 'x', 'STREAMS', 's', '>']]);
    await d.expectReply(3, 'served by the XADD first');
    await block(['XREADGROUP', 'GROUP', 'g', 'carol', 'BLOCK', '0', 'STREAMS', 's', '>'], 3);
    await d.run([['XGROUP', 'SETID', 's', 'g', '0'], ['XDEL', 's', '1-0'], ['XACK', 's', 'g', '7-0']]);
    await d.expectSilence(3, 30);
    await d.run([['XGROUP', 'CREATE', 's', 'other', '0'], ['XGROUP', 'DESTROY', 's', 'other']]);
    await d.expectReply(3, 'another group destroyed: a ready signal, entries waiting are served');
  });

  it('keyspace hits and misses of the group commands', async () => {
    await d.run([...seed, ['XGROUP', 'CREATE', 's', 'g', '0'], ['CONFIG', 'RESETSTAT']]);
    await d.run([
      ['XREADGROUP', 'GROUP', 'g', 'a', 'COUNT', '1', 'STREAMS', 's', '>'],
      ['XREADGROUP', 'GROUP', 'g', 'a', 'STREAMS', 's', '0'],
      ['XREADGROUP', 'GROUP', 'g', 'a', 'STREAMS', 'nokey', '>'],
      ['XACK', 's', 'g', '1-0'],
      ['XACK', 'nokey', 'g', '1-0'],
      ['XPENDING', 's', 'g'],
      ['XPENDING', 'nokey', 'g'],
      ['XCLAIM', 's', 'g', 'b', '0', '2-0'],
      ['XAUTOCLAIM', 's', 'g', 'b', '0', '0'],
      ['XINFO', 'STREAM', 's'],
      ['XINFO', 'GROUPS', 'nokey'],
      ['XGROUP', 'CREATECONSUMER', 's', 'g', 'z'],
      ['XGROUP', 'DESTROY', 'nokey', 'g'],
    ]);
    const [a, b] = await d.pair(0);
    const pick = (s: string) => /keyspace_hits:\d+\r\nkeyspace_misses:\d+/.exec(s)?.[0];
    const [ia, ib] = await Promise.all([a.raw('INFO', 'stats'), b.raw('INFO', 'stats')]);
    assert.equal(pick(ia), pick(ib));
  });

  it('blocked XREADGROUP: RENAME brings data or NOGROUP; a failed blocked call counts once, as failed, with its error', async () => {
    await d.run([['CONFIG', 'RESETSTAT'], ['XGROUP', 'CREATE', 's', 'g', '$', 'MKSTREAM']]);
    await block(['XREADGROUP', 'GROUP', 'g', 'alice', 'BLOCK', '0', 'STREAMS', 's', '>'], 1);
    await d.run([['XGROUP', 'DESTROY', 's', 'g']]);
    await d.expectReply(1, 'NOGROUP');
    const [a, b] = await d.pair(0);
    const stat = (s: string) => [/cmdstat_xreadgroup:calls=(\d+),.*rejected_calls=(\d+),failed_calls=(\d+)/.exec(s)?.slice(1), /errorstat_NOGROUP:count=\d+/.exec(s)?.[0], /total_error_replies:\d+/.exec(s)?.[0]];
    const [ia, ib] = await Promise.all([a.raw('INFO', 'all'), b.raw('INFO', 'all')]);
    assert.deepEqual(stat(ia), stat(ib));
    await d.run([['XGROUP', 'CREATE', 's', 'g', '$']]);
    await block(['XREADGROUP', 'GROUP', 'g', 'alice', 'BLOCK', '0', 'STREAMS', 's', '>'], 1);
    await d.run([['XGROUP', 'CREATE', 's2', 'g', '$', 'MKSTREAM'], ['XADD', 's2', '100', 'f1', 'v1'], ['RENAME', 's2', 's']]);
    await d.expectReply(1, 'data from the renamed stream');
    await block(['XREADGROUP', 'GROUP', 'g', 'alice', 'BLOCK', '0', 'STREAMS', 's', '>'], 1);
    await d.run([['XADD', 's3', '100', 'f1', 'v1'], ['RENAME', 's3', 's']]);
    await d.expectReply(1, 'NOGROUP: the renamed stream has no such group');
  });

  it('lag and entries-read with XDELs and trims (stream-cgroups.tcl)', async () => {
    const full: Cmd = ['XINFO', 'GROUPS', 'x'];
    await d.runInBothProtocols([
      ['XADD', 'x', '1-0', 'data', 'a'], ['XADD', 'x', '2-0', 'data', 'b'], ['XADD', 'x', '3-0', 'data', 'c'], ['XADD', 'x', '4-0', 'data', 'd'], ['XADD', 'x', '5-0', 'data', 'e'],
      ['XDEL', 'x', '3-0'], ['XGROUP', 'CREATE', 'x', 'g1', '0'], ['XGROUP', 'CREATE', 'x', 'g2', '0'], full,
      ['XREADGROUP', 'GROUP', 'g1', 'c11', 'COUNT', '1', 'STREAMS', 'x', '>'], full,
      ['XREADGROUP', 'GROUP', 'g1', 'c11', 'COUNT', '1', 'STREAMS', 'x', '>'], full,
      ['XREADGROUP', 'GROUP', 'g1', 'c11', 'COUNT', '1', 'STREAMS', 'x', '>'], full,
      ['XREADGROUP', 'GROUP', 'g1', 'c11', 'COUNT', '1', 'STREAMS', 'x', '>'], full,
      ['XADD', 'x', '6-0', 'data', 'f'], full,
      ['XTRIM', 'x', 'MINID', '=', '3-0'], full,
      ['XTRIM', 'x', 'MINID', '=', '5-0'], full,
      ['XGROUP', 'CREATE', 'e', 'g', '$', 'MKSTREAM'], ['XINFO', 'GROUPS', 'e'],
      ['XADD', 'e', '1-0', 'a', '1'], ['XDEL', 'e', '1-0'], ['XINFO', 'GROUPS', 'e'],
      ['XGROUP', 'CREATE', 'e', 'g2', '0'], ['XINFO', 'GROUPS', 'e'], ['XINFO', 'STREAM', 'e'],
    ]);
  });

  it('blocked XREAD and XREADGROUP on one key: deletion fails only the group reader, XADD serves in arrival order', async () => {
    await d.run([['XGROUP', 'CREATE', 's', 'g', '$', 'MKSTREAM']]);
    await block(['XREAD', 'BLOCK', '0', 'STREAMS', 's', '$'], 1);
    await block(['XREADGROUP', 'GROUP', 'g', 'a', 'BLOCK', '0', 'STREAMS', 's', '>'], 2);
    await block(['XREAD', 'BLOCK', '0', 'STREAMS', 's', '0'], 3);
    await d.run([['DEL', 's']]);
    await d.expectReply(2, 'UNBLOCKED');
    await d.expectSilence(1, 30);
    await d.expectSilence(3, 0);
    await d.run([['XGROUP', 'CREATE', 's', 'g', '$', 'MKSTREAM']]);
    await block(['XREADGROUP', 'GROUP', 'g', 'a', 'BLOCK', '0', 'STREAMS', 's', '>'], 2);
    await block(['XREADGROUP', 'GROUP', 'g', 'b', 'BLOCK', '0', 'STREAMS', 's', '>'], 4);
    await d.run([['XADD', 's', '1-0', 'f', 'v']]);
    await d.expectReply(1, 'XREAD $');
    await d.expectReply(2, 'first group reader');
    await d.expectReply(3, 'XREAD 0');
    await d.expectSilence(4, 30);
    await d.run([['XADD', 's', '2-0', 'f', 'v']]);
    await d.expectReply(4, 'second group reader');
  });
});
