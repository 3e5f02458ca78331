/**
 * Bitmaps at the size limit: a value of exactly 2^29 bytes (bit offsets up
 * to 2^32 - 1, past every 32-bit integer operator), compared against
 * redis-server reply for reply, and timed: scans of a 512 MB value must
 * not hold the event loop for more than a moment.
 */
import { it, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { Differ, describeCompat, useDiffer, type Cmd } from '../helpers/differ.js';
import { rng } from '../helpers/rng.js';

/** n bytes in runs of 0x00, of 0xff and of random bytes, the runs up to 200 KB long. */
function runs(r: () => number, n: number): Buffer {
  const b = Buffer.alloc(n);
  let i = 0;
  while (i < n) {
    const len = Math.min(n - i, 1 + Math.floor(r() * r() * 200_000));
    const kind = r();
    if (kind < 0.4) b.fill(0, i, i + len);
    else if (kind < 0.8) b.fill(0xff, i, i + len);
    else for (let k = i; k < i + len; k++) b[k] = Math.floor(r() * 256);
    i += len;
  }
  return b;
}

/**
 * Bound for one command over 512 MB, generous for a busy machine: idle, a
 * scan takes well under a second, a BITOP about one (as in redis-server);
 * the bit-by-bit scans this guards against took 20 to 60 seconds.
 */
const MAX_MS = 8000;

describeCompat('bitmaps of 2^32 bits against redis-server', () => {
  const d = useDiffer({ reset: false });
  afterEach(async () => {
    // Frees the big values on both sides.
    await d?.reset();
  });

  /**
   * Runs the commands one by one, on Sinew and then on redis-server (one at
   * a time, so that Sinew's time is its own), comparing replies; Sinew must
   * answer each within MAX_MS.
   */
  async function timed(cmds: Cmd[]): Promise<void> {
    const [ours, theirs] = await (d as Differ).pair(0);
    for (const cmd of cmds) {
      const label = cmd.join(' ');
      const t0 = performance.now();
      ours.send(...cmd);
      const ra = await ours.nextRaw(60_000);
      const ms = performance.now() - t0;
      theirs.send(...cmd);
      const rb = await theirs.nextRaw(60_000);
      assert.equal(ra, rb, `reply of: ${label}`);
      assert.ok(ms < MAX_MS, `${label} took ${ms.toFixed(0)} ms`);
    }
  }

  it('SETBIT, GETBIT, BITCOUNT and BITPOS on a value of 2^29 bytes', async (t) => {
    await timed([
      ['SETBIT', 'b', '4294967295', '1'],
      ['STRLEN', 'b'],
      ['GETBIT', 'b', '4294967295'],
      ['GETBIT', 'b', '4294967294'],
      ['GETBIT', 'b', '2147483648'],
      ['GETBIT', 'b', '4294967296'],
      ['SETBIT', 'b', '4294967296', '1'],
      ['BITCOUNT', 'b'],
      ['BITCOUNT', 'b', '-1', '-1', 'BIT'],
      ['BITCOUNT', 'b', '-1', '-1'],
      ['BITCOUNT', 'b', '0', '-1', 'BIT'],
      ['BITCOUNT', 'b', '0', '-2', 'BIT'],
      ['BITCOUNT', 'b', '-8', '-1', 'BIT'],
      ['BITCOUNT', 'b', '536870911', '536870911'],
      ['BITCOUNT', 'b', '536870912', '536870912'],
      ['BITCOUNT', 'b', '4294967295', '4294967295', 'BIT'],
      ['BITCOUNT', 'b', '4294967295', '9223372036854775807', 'BIT'],
      ['BITCOUNT', 'b', '4294967296', '4294967296', 'BIT'],
      ['BITCOUNT', 'b', '-4294967296', '-1', 'BIT'],
      ['BITCOUNT', 'b', '-4294967297', '-4294967296', 'BIT'],
      ['BITCOUNT', 'b', '2147483647', '2147483648', 'BIT'],
      ['BITCOUNT', 'b', '-2147483648', '-1', 'BIT'],
      ['BITPOS', 'b', '1'],
      ['BITPOS', 'b', '0'],
      ['BITPOS', 'b', '1', '-1'],
      ['BITPOS', 'b', '0', '-1'],
      ['BITPOS', 'b', '0', '-1', '-1'],
      ['BITPOS', 'b', '1', '-1', '-1'],
      ['BITPOS', 'b', '1', '-1', '-1', 'BIT'],
      ['BITPOS', 'b', '0', '-1', '-1', 'BIT'],
      ['BITPOS', 'b', '0', '-2', '-1', 'BIT'],
      ['BITPOS', 'b', '1', '268435456'],
      ['BITPOS', 'b', '1', '268435456', '-2'],
      ['BITPOS', 'b', '1', '2147483648', '-1', 'BIT'],
      ['BITPOS', 'b', '1', '2147483648', '4294967294', 'BIT'],
      ['BITPOS', 'b', '1', '0', '2147483647', 'BIT'],
      ['BITPOS', 'b', '0', '4294967295', '4294967295', 'BIT'],
      ['BITPOS', 'b', '0', '4294967294', '9223372036854775807', 'BIT'],
      ['BITPOS', 'b', '1', '-4294967296', '-1', 'BIT'],
      ['BITPOS', 'b', '1', '-9223372036854775808', '9223372036854775807', 'BIT'],
      ['BITPOS', 'b', '1', '536870912'],
      // A set bit just past 2^31.
      ['SETBIT', 'b', '2147483648', '1'],
      ['BITPOS', 'b', '1'],
      ['BITPOS', 'b', '1', '268435456'],
      ['BITPOS', 'b', '1', '268435456', '268435456'],
      ['BITPOS', 'b', '1', '2147483649', '-1', 'BIT'],
      ['BITPOS', 'b', '0', '2147483648', '2147483648', 'BIT'],
      ['BITPOS', 'b', '0', '2147483648', '2147483649', 'BIT'],
      ['BITCOUNT', 'b', '268435456', '268435456'],
      ['BITCOUNT', 'b', '2147483647', '2147483648', 'BIT'],
      ['BITCOUNT', 'b', '2147483649', '-1', 'BIT'],
      ['BITCOUNT', 'b', '-2147483648', '-1', 'BIT'],
      ['BITCOUNT', 'b', '-2147483649', '-2147483648', 'BIT'],
      ['SETBIT', 'b', '2147483648', '0'],
      // And one past 2^31 + 2^29 + ...: 3000000000.
      ['SETBIT', 'b', '3000000000', '1'],
      ['BITPOS', 'b', '1'],
      ['BITPOS', 'b', '1', '375000000'],
      ['BITPOS', 'b', '1', '375000001'],
      ['BITPOS', 'b', '1', '3000000001', '-1', 'BIT'],
      ['BITPOS', 'b', '0', '3000000000', '3000000000', 'BIT'],
      ['BITPOS', 'b', '0', '3000000000', '3000000001', 'BIT'],
      ['BITCOUNT', 'b'],
      ['BITCOUNT', 'b', '3000000000', '-1', 'BIT'],
      ['BITCOUNT', 'b', '3000000001', '-2', 'BIT'],
    ]);
  });

  it('BITOP on 512 MB keys, and BITPOS / BITCOUNT over a value of all ones', async (t) => {
    await timed([
      ['SETBIT', 'b', '4294967295', '1'],
      ['SETBIT', 'b', '3000000000', '1'],
      ['BITOP', 'NOT', 'n', 'b'],
      ['STRLEN', 'n'],
      ['BITCOUNT', 'n'],
      ['BITPOS', 'n', '0'],
      ['BITPOS', 'n', '0', '375000001'],
      ['BITPOS', 'n', '0', '-1'],
      ['BITPOS', 'n', '0', '0', '-2'],
      ['BITPOS', 'n', '1', '-1'],
      ['BITPOS', 'n', '0', '2147483648', '4294967294', 'BIT'],
      ['BITOP', 'XOR', 'x', 'b', 'n'],
      ['BITCOUNT', 'x'],
      ['BITPOS', 'x', '0'],
      ['BITPOS', 'x', '0', '0', '-1'],
      ['BITPOS', 'x', '0', '0', '-1', 'BIT'],
      ['BITCOUNT', 'x', '-1', '-1', 'BIT'],
      ['BITCOUNT', 'x', '1', '-2', 'BIT'],
      ['BITCOUNT', 'x', '2147483647', '2147483648', 'BIT'],
      ['DEL', 'x', 'n'],
      // Sources of different lengths (1 MB and 3 bytes: redis-server is
      // slow past the shortest source).
      ['SETBIT', 'm', '8388607', '1'],
      ['SETBIT', 'm', '4000000', '1'],
      ['SET', 'small', 'abc'],
      ['BITOP', 'AND', 'x', 'small', 'm'],
      ['STRLEN', 'x'],
      ['BITCOUNT', 'x'],
      ['BITPOS', 'x', '1', '1'],
      ['BITOP', 'OR', 'x', 'small', 'm', 'nokey'],
      ['GETRANGE', 'x', '0', '7'],
      ['BITCOUNT', 'x'],
      ['BITPOS', 'x', '1', '3'],
      ['BITOP', 'XOR', 'x', 'm', 'small', 'm'],
      ['BITCOUNT', 'x'],
      ['BITPOS', 'x', '1', '3'],
      ['BITPOS', 'x', '0', '3'],
    ]);
  });

  it('BITFIELD and BITFIELD_RO at offsets up to 2^32 - 1', async (t) => {
    await timed([
      ['SETBIT', 'b', '4294967295', '1'],
      ['BITFIELD', 'b', 'GET', 'u8', '4294967288', 'GET', 'i8', '4294967288', 'GET', 'u1', '4294967295', 'GET', 'i1', '4294967295'],
      ['BITFIELD', 'b', 'GET', 'u63', '4294967233', 'GET', 'i64', '4294967232', 'GET', 'i64', '#67108863', 'GET', 'u8', '#536870911'],
      ['BITFIELD', 'b', 'GET', 'u32', '4294967295', 'GET', 'i64', '4294967295', 'GET', 'u8', '4294967290'],
      ['BITFIELD', 'b', 'GET', 'u8', '#536870912'],
      ['BITFIELD', 'b', 'GET', 'u8', '4294967296'],
      ['BITFIELD', 'b', 'GET', 'i64', '#9223372036854775807'],
      ['BITFIELD', 'b', 'GET', 'i64', '#-1'],
      ['BITFIELD', 'b', 'GET', 'i2', '#2147483648'],
      ['BITFIELD', 'b', 'SET', 'u8', '#536870911', '170', 'GET', 'u8', '#536870911', 'GET', 'u4', '#1073741822'],
      ['BITFIELD', 'b', 'INCRBY', 'i16', '4294967280', '-1000', 'INCRBY', 'u32', '4294967264', '4294967295'],
      ['BITFIELD', 'b', 'OVERFLOW', 'SAT', 'INCRBY', 'i64', '4294967232', '-9223372036854775808', 'GET', 'u16', '#268435455'],
      ['BITFIELD', 'b', 'OVERFLOW', 'FAIL', 'INCRBY', 'u32', '#134217727', '1', 'GET', 'u32', '#134217727'],
      ['BITFIELD', 'b', 'SET', 'i32', '2147483644', '-2', 'GET', 'u8', '2147483640', 'GET', 'u8', '2147483648', 'GET', 'i32', '#67108863'],
      ['BITFIELD_RO', 'b', 'GET', 'u8', '#536870911', 'GET', 'i32', '2147483644', 'GET', 'u2', '4294967295'],
      ['BITFIELD_RO', 'b', 'GET', 'u8', '#536870912'],
      ['STRLEN', 'b'],
      ['GETRANGE', 'b', '268435454', '268435457'],
      ['GETRANGE', 'b', '-8', '-1'],
      ['BITCOUNT', 'b'],
      ['BITCOUNT', 'b', '-64', '-1', 'BIT'],
      ['BITPOS', 'b', '1', '268435456'],
      // A field running past the last byte lengthens the value past 2^29 bytes.
      ['BITFIELD', 'b', 'SET', 'u8', '4294967295', '255'],
      ['STRLEN', 'b'],
      ['BITFIELD_RO', 'b', 'GET', 'u16', '4294967288', 'GET', 'u8', '4294967295'],
      ['BITPOS', 'b', '0', '-2'],
      ['BITCOUNT', 'b', '-2', '-1'],
    ]);
  });

  it('values of 2^28 bytes and around the 2^31-bit boundary', async (t) => {
    await timed([
      ['SETBIT', 's', '2147483647', '1'],
      ['STRLEN', 's'],
      ['BITPOS', 's', '1'],
      ['BITPOS', 's', '0', '-1'],
      ['BITPOS', 's', '0', '-1', '-1'],
      ['BITPOS', 's', '1', '268435455'],
      ['BITPOS', 's', '1', '2147483647', '2147483647', 'BIT'],
      ['BITPOS', 's', '1', '-1', '-1', 'BIT'],
      ['BITCOUNT', 's', '2147483647', '2147483647', 'BIT'],
      ['BITCOUNT', 's', '2147483640', '2147483648', 'BIT'],
      ['BITCOUNT', 's', '-2147483648', '-1', 'BIT'],
      ['BITCOUNT', 's', '-2147483649', '-2147483648', 'BIT'],
      ['SETBIT', 't', '2147483655', '1'],
      ['BITPOS', 't', '1'],
      ['BITPOS', 't', '0', '268435456'],
      ['BITPOS', 't', '0', '268435456', '268435456'],
      ['BITPOS', 't', '1', '2147483648', '2147483655', 'BIT'],
      ['BITCOUNT', 't', '2147483648', '-1', 'BIT'],
      ['BITOP', 'OR', 'u', 's', 't'],
      ['BITCOUNT', 'u'],
      ['BITPOS', 'u', '1', '1'],
      ['BITPOS', 'u', '1', '268435456'],
    ]);
  });

  it('long runs of zero and one bytes in plain string values', async (t) => {
    // Plain (not yet written with SETBIT) values of a few hundred KB.
    const zeros = Buffer.alloc(300_001);
    zeros[250_003] = 0x10;
    const ones = Buffer.alloc(300_001, 0xff);
    ones[200_005] = 0xf7;
    ones[299_999] = 0x7f;
    const cmds: Cmd[] = [['SET', 'z', zeros], ['SET', 'o', ones]];
    for (const k of ['z', 'o']) {
      for (const bit of ['0', '1']) {
        cmds.push(
          ['BITPOS', k, bit],
          ['BITPOS', k, bit, '3'],
          ['BITPOS', k, bit, '3', '-3'],
          ['BITPOS', k, bit, '200006'],
          ['BITPOS', k, bit, '200006', '299998'],
          ['BITPOS', k, bit, '-2'],
          ['BITPOS', k, bit, '17', '2400007', 'BIT'],
          ['BITPOS', k, bit, '1600045', '-1', 'BIT'],
          ['BITPOS', k, bit, '1600045', '-9', 'BIT'],
        );
      }
      cmds.push(
        ['BITCOUNT', k],
        ['BITCOUNT', k, '5', '-5'],
        ['BITCOUNT', k, '65535', '131073'],
        ['BITCOUNT', k, '3', '2000003', 'BIT'],
        ['BITCOUNT', k, '-1600045', '-7', 'BIT'],
      );
    }
    await timed(cmds);
  });

  it('random ranges over values of a few blocks, plain, raw and combined', async (t) => {
    const r = rng(29);
    const a = runs(r, 700_003);
    const b = runs(r, 524_289);
    const queries: Cmd[] = [];
    for (const k of ['a', 'b']) {
      const n = k === 'a' ? a.length : b.length;
      for (let i = 0; i < 40; i++) {
        const bit = r() < 0.5 ? '0' : '1';
        const mode = r();
        const lim = mode < 0.5 ? n * 8 + 100 : n + 100;
        const s0 = Math.floor(r() * lim * 2) - lim;
        const e0 = Math.floor(r() * lim * 2) - lim;
        if (mode < 0.3) queries.push(['BITPOS', k, bit, s0, e0, 'BIT'], ['BITCOUNT', k, s0, e0, 'BIT']);
        else if (mode < 0.5) queries.push(['BITPOS', k, bit, Math.min(s0, e0), Math.max(s0, e0), 'BIT'], ['BITCOUNT', k, Math.min(s0, e0), Math.max(s0, e0), 'BIT']);
        else if (mode < 0.8) queries.push(['BITPOS', k, bit, s0, e0], ['BITCOUNT', k, s0, e0]);
        else queries.push(['BITPOS', k, bit, s0]);
      }
      queries.push(['BITCOUNT', k], ['BITPOS', k, '0'], ['BITPOS', k, '1']);
    }
    // Plain values, then the same contents as raw (mutable) strings.
    await timed([['SET', 'a', a], ['SET', 'b', b], ...queries]);
    await timed([['SETBIT', 'a', '0', String(a[0] >> 7)], ['SETBIT', 'b', '0', String(b[0] >> 7)], ...queries]);
    const combined: Cmd[] = [];
    for (const op of ['AND', 'OR', 'XOR']) {
      combined.push(['BITOP', op, 'c', 'a', 'b'], ['BITCOUNT', 'c'], ['BITPOS', 'c', '1', '100000'], ['BITPOS', 'c', '0', '100000']);
      combined.push(['BITOP', op, 'c', 'b', 'a', 'b'], ['BITCOUNT', 'c'], ['GETRANGE', 'c', '524280', '524300']);
    }
    combined.push(['BITOP', 'NOT', 'c', 'a'], ['BITCOUNT', 'c'], ['BITCOUNT', 'c', '-9', '-1', 'BIT']);
    combined.push(['GETRANGE', 'c', '0', '-1']);
    await timed(combined);
  });

  it('with proto-max-bulk-len past 4 GB, a bit write past the largest Buffer is an error, not a crash', async (t) => {
    // Sinew only: redis-server would allocate the 5 GB.
    const [ours] = await d.pair(0);
    assert.equal(await ours.raw('CONFIG', 'SET', 'proto-max-bulk-len', '8000000000'), '+OK\r\n');
    try {
      const offsetErr = '-ERR bit offset is not an integer or out of range\r\n';
      assert.equal(await ours.raw('SETBIT', 'k', '40000000000', '1'), offsetErr);
      assert.equal(await ours.raw('BITFIELD', 'k', 'SET', 'u8', '34359738367', '1'), offsetErr);
      assert.equal(await ours.raw('BITFIELD', 'k', 'GET', 'u8', '34359738367'), '*1\r\n:0\r\n');
      assert.equal(await ours.raw('EXISTS', 'k'), ':0\r\n');
      assert.equal(await ours.raw('SET', 'k', 'abc'), '+OK\r\n');
      assert.equal(await ours.raw('SETBIT', 'k', '40000000000', '1'), offsetErr);
      assert.equal(await ours.raw('GETBIT', 'k', '40000000000'), ':0\r\n');
      assert.equal(await ours.raw('GET', 'k'), '$3\r\nabc\r\n');
      assert.equal(await ours.raw('LPUSH', 'l', 'x'), ':1\r\n');
      assert.match(await ours.raw('SETBIT', 'l', '40000000000', '1'), /^-WRONGTYPE/);
    } finally {
      await ours.raw('CONFIG', 'SET', 'proto-max-bulk-len', '536870912');
    }
  });
});
