/**
 * Stream commands through an in-process server, where the oracle cannot
 * help: COPY's deep clone of consumer groups, tracking, WATCH, expiry,
 * MEMORY USAGE.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { withSinew } from '../helpers/suite.js';
import { Stream, makeId } from '../../src/types/stream.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('stream commands (in process)', () => {
  it('COPY clones entries and consumer groups deeply', async () => {
    await withSinew({}, async (server, c) => {
      await c.call('XADD', 's', '1-1', 'f', 'v');
      await c.call('XADD', 's', '2-1', 'f', 'w');
      const db = server.server.keyspace.dbs[0];
      const s = db.dict.get('s') as Stream;
      const g = s.createGroup('g', makeId(0, 0))!;
      const consumer = g.createConsumer('alice', 1000)!;
      s.readGroupNew(g, consumer, 0, false, 1000);
      assert.equal(g.pel.size, 2);
      assert.equal(await c.raw('COPY', 's', 'c'), ':1\r\n');
      const copy = db.dict.get('c') as Stream;
      assert.notEqual(copy, s);
      const cg = copy.getGroup('g')!;
      assert.notEqual(cg, g);
      assert.equal(cg.pel.size, 2);
      assert.equal(cg.lookupConsumer('alice')!.pel.size, 2);
      cg.ack(makeId(1, 1));
      assert.equal(cg.pel.size, 1);
      assert.equal(g.pel.size, 2, 'the source group is untouched');
      await c.call('XADD', 'c', '3-1', 'f', 'x');
      assert.equal(await c.raw('XLEN', 's'), ':2\r\n');
      assert.equal(await c.raw('XLEN', 'c'), ':3\r\n');
    });
  });

  it('WATCH sees XADD, XDEL, XTRIM but not XSETID (as 7.0.15); tracking is told of XADD', async () => {
    await withSinew({}, async (_server, c, connect) => {
      const other = await connect();
      await c.call('XADD', 's', '1-1', 'f', 'v');
      for (const [cmd, fails] of [
        [['XADD', 's', '2-1', 'f', 'v'], true],
        [['XDEL', 's', '2-1'], true],
        [['XDEL', 's', '9-1'], false],
        [['XTRIM', 's', 'MAXLEN', '5'], false],
        [['XSETID', 's', '10-1'], false],
        [['XTRIM', 's', 'MAXLEN', '0'], true],
      ] as [string[], boolean][]) {
        await c.call('WATCH', 's');
        await other.call(...cmd);
        await c.call('MULTI');
        await c.call('PING');
        const r = await c.raw('EXEC');
        assert.equal(r === '*-1\r\n', fails, `${cmd.join(' ')}: ${r}`);
      }
      const t = await connect();
      await t.call('HELLO', '3');
      await t.call('CLIENT', 'TRACKING', 'on');
      await t.call('XLEN', 'tr');
      await other.call('XADD', 'tr', '1-1', 'f', 'v');
      const push = await t.nextRaw(2000);
      assert.match(push, /invalidate/);
    });
  });

  it('a stream expires; MEMORY USAGE grows with entries', async () => {
    await withSinew({}, async (_server, c) => {
      await c.call('XADD', 's', '1-1', 'f', 'v');
      await c.call('PEXPIRE', 's', '20');
      await sleep(40);
      assert.equal(await c.raw('XLEN', 's'), ':0\r\n');
      assert.equal(await c.raw('EXISTS', 's'), ':0\r\n');
      await c.call('XADD', 'm', '1-1', 'f', 'v');
      const small = Number(String(await c.call('MEMORY', 'USAGE', 'm')));
      for (let i = 2; i < 500; i++) await c.call('XADD', 'm', `${i}-1`, 'field', `value-${i}`);
      const big = Number(String(await c.call('MEMORY', 'USAGE', 'm', 'SAMPLES', '0')));
      assert.ok(big > small + 499 * 20, `${small} -> ${big}`);
    });
  });
});
