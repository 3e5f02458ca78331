import { it } from 'node:test';
import assert from 'node:assert/strict';
import { describeCompat, useDiffer, type Cmd } from '../helpers/differ.js';
import type { RawClient } from '../helpers/raw-client.js';
import { rng } from '../helpers/rng.js';

function randomBytes(r: () => number, n: number): Buffer {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) {
    // Runs of 0x00 / 0xff make BITPOS interesting.
    const x = r();
    b[i] = x < 0.3 ? 0 : x < 0.6 ? 0xff : Math.floor(r() * 256);
  }
  return b;
}

describeCompat('bitmap commands against redis-server', () => {
  const d = useDiffer();

  it('SETBIT and GETBIT, offsets and bit values', async (t) => {
    await d.run([
      ['SETBIT', 'b', '7', '1'],
      ['GET', 'b'],
      ['SETBIT', 'b', '7', '1'],
      ['SETBIT', 'b', '7', '0'],
      ['SETBIT', 'b', '100', '1'],
      ['STRLEN', 'b'],
      ['GETBIT', 'b', '100'],
      ['GETBIT', 'b', '99'],
      ['GETBIT', 'b', '4294967295'],
      ['GETBIT', 'nokey', '0'],
      ['GETBIT', 'b', '4294967296'],
      ['GETBIT', 'b', '-1'],
      ['GETBIT', 'b', 'x'],
      ['GETBIT', 'b', '+1'],
      ['SETBIT', 'b', '4294967296', '1'],
      ['SETBIT', 'b', '-1', '1'],
      ['SETBIT', 'b', '1.5', '1'],
      ['SETBIT', 'b', '9223372036854775807', '1'],
      ['SETBIT', 'b', '99999999999999999999', '1'],
      ['SETBIT', 'b', '0', '2'],
      ['SETBIT', 'b', '0', '-1'],
      ['SETBIT', 'b', '0', 'x'],
      ['SETBIT', 'b', '0', ''],
      ['SETBIT', 'b', 'x', 'y'],
      ['EXISTS', 'c'],
      ['SETBIT', 'c', '0', '0'],
      ['GET', 'c'],
      ['OBJECT', 'ENCODING', 'c'],
      // A plain (int / embstr) value becomes a raw string on its first bit write.
      ['SET', 'n', '12'],
      ['GETBIT', 'n', '2'],
      ['GETBIT', 'n', '3'],
      ['GETBIT', 'n', '16'],
      ['OBJECT', 'ENCODING', 'n'],
      ['SETBIT', 'n', '7', '0'],
      ['OBJECT', 'ENCODING', 'n'],
      ['GET', 'n'],
      ['SETBIT', 'n', '23', '1'],
      ['GET', 'n'],
      // Even a write that changes nothing makes the value raw.
      ['SET', 'm', '12'],
      ['SETBIT', 'm', '0', '0'],
      ['OBJECT', 'ENCODING', 'm'],
      ['SET', 'm2', 'short'],
      ['BITFIELD', 'm2', 'OVERFLOW', 'FAIL', 'INCRBY', 'u8', '0', '1000'],
      ['OBJECT', 'ENCODING', 'm2'],
      ['SETBIT'],
      ['SETBIT', 'b', '1'],
      ['GETBIT', 'b'],
    ]);
  });

  it('SETBIT keeps the TTL and updates the value in place', async (t) => {
    await d.run([['SET', 'k', 'abc', 'EX', '1000'], ['SETBIT', 'k', '30', '1'], ['TTL', 'k'], ['GET', 'k']]);
    const cmds: Cmd[] = [];
    for (let i = 0; i < 200; i += 3) cmds.push(['SETBIT', 'grow', String(i * 7), String(i & 1)]);
    cmds.push(['GET', 'grow'], ['STRLEN', 'grow'], ['BITCOUNT', 'grow']);
    await d.run(cmds);
  });

  it('BITCOUNT with BYTE and BIT ranges', async (t) => {
    await d.run([
      ['SET', 's', 'foobar'],
      ['BITCOUNT', 's'],
      ['BITCOUNT', 's', '0', '0'],
      ['BITCOUNT', 's', '1', '1'],
      ['BITCOUNT', 's', '1', '1', 'BYTE'],
      ['BITCOUNT', 's', '5', '30', 'BIT'],
      ['BITCOUNT', 's', '5', '30', 'bit'],
      ['BITCOUNT', 's', '-1', '-1'],
      ['BITCOUNT', 's', '-2', '-1', 'BIT'],
      ['BITCOUNT', 's', '-1', '-2'],
      ['BITCOUNT', 's', '-1', '-2', 'BAD'],
      ['BITCOUNT', 's', '3', '1'],
      ['BITCOUNT', 's', '3', '1', 'BIT'],
      ['BITCOUNT', 's', '0', '100'],
      ['BITCOUNT', 's', '-100', '100'],
      ['BITCOUNT', 's', '-100', '-90'],
      ['BITCOUNT', 's', '0', '-9223372036854775808'],
      ['BITCOUNT', 's', '9223372036854775807', '9223372036854775807', 'BIT'],
      ['BITCOUNT', 's', '-9223372036854775808', '9223372036854775807', 'BIT'],
      ['BITCOUNT', 's', '7', '7', 'BIT'],
      ['BITCOUNT', 's', '0'],
      ['BITCOUNT', 's', 'a', 'b'],
      ['BITCOUNT', 's', '0', 'b'],
      ['BITCOUNT', 's', '0', '1', 'FOO'],
      ['BITCOUNT', 's', '0', '1', 'BIT', 'x'],
      ['BITCOUNT', 's', 'a', '1', 'BAD'],
      ['BITCOUNT', 's', '1', 'b', 'BAD'],
      ['BITCOUNT', 's', '-1', '-2', 'BIT'],
      ['BITCOUNT', 's', '0', '0', 'BYTE'],
      // 7.0 looks the key up first: a missing key is 0 whatever the range.
      ['BITCOUNT', 'nokey'],
      ['BITCOUNT', 'nokey', 'a', 'b'],
      ['BITCOUNT', 'nokey', '0'],
      ['SET', 'e', ''],
      ['BITCOUNT', 'e'],
      ['BITCOUNT', 'e', '0', '-1', 'BIT'],
      ['SET', 'i', '-123456789'],
      ['BITCOUNT', 'i'],
      ['BITCOUNT', 'i', '1', '3', 'BIT'],
    ]);
  });

  it('BITCOUNT over long strings and random ranges', async (t) => {
    const r = rng(7);
    const value = randomBytes(r, 3000);
    const queries: Cmd[] = [['BITCOUNT', 'big']];
    for (let i = 0; i < 60; i++) {
      const bit = r() < 0.5;
      const lim = bit ? 24500 : 3100;
      const s = Math.floor(r() * lim * 2) - lim;
      const e = Math.floor(r() * lim * 2) - lim;
      queries.push(bit ? ['BITCOUNT', 'big', s, e, 'BIT'] : ['BITCOUNT', 'big', s, e]);
    }
    for (let k = 0; k < 8; k++) queries.push(['BITCOUNT', 'big', k, 2000 + k], ['BITCOUNT', 'big', k * 9, 20000 - k * 7, 'BIT']);
    // A plain value, then the same content held as a raw (mutable) string.
    await d.run([['SET', 'big', value], ...queries]);
    await d.run([['SETBIT', 'big', '0', String((value[0] >> 7) & 1)], ['OBJECT', 'ENCODING', 'big'], ...queries]);
  });

  it('BITPOS with BYTE and BIT ranges', async (t) => {
    await d.run([
      ['SET', 'k', Buffer.from([0xff, 0xf0, 0x00])],
      ['BITPOS', 'k', '0'],
      ['BITPOS', 'k', '1'],
      ['BITPOS', 'k', '1', '2'],
      ['BITPOS', 'k', '0', '2'],
      ['BITPOS', 'k', '0', '0', '0'],
      ['BITPOS', 'k', '0', '0', '-1'],
      ['BITPOS', 'k', '1', '2', '-1'],
      ['BITPOS', 'k', '0', '7', '15', 'BIT'],
      ['BITPOS', 'k', '0', '7', '11', 'BIT'],
      ['BITPOS', 'k', '1', '7', '15', 'bit'],
      ['BITPOS', 'k', '1', '12', '-1', 'BIT'],
      ['BITPOS', 'k', '0', '3', '5', 'BIT'],
      ['BITPOS', 'k', '1', '1', '1', 'BYTE'],
      ['BITPOS', 'k', '1', '5', '2'],
      ['BITPOS', 'k', '1', '-1', '-2'],
      ['BITPOS', 'k', '1', '100'],
      ['BITPOS', 'k', '0', '100'],
      ['BITPOS', 'k', '0', '-100'],
      ['BITPOS', 'k', '2'],
      ['BITPOS', 'k', '-1'],
      ['BITPOS', 'k', 'x'],
      ['BITPOS', 'k', '1', 'x'],
      ['BITPOS', 'k', '1', '0', 'x'],
      ['BITPOS', 'k', '1', '0', 'x', 'BAD'],
      ['BITPOS', 'k', '1', '0', '1', 'BAD'],
      ['BITPOS', 'k', '1', '0', '1', 'BIT', 'extra'],
      ['BITPOS', 'k', '1', 'x', '1', 'BAD'],
      ['BITPOS', 'k', 'x', 'x', '1', 'BAD'],
      ['BITPOS', 'k', '1', '-1', '-2', 'BIT'],
      ['BITPOS', 'k', '0', '0', '-1', 'BYTE'],
      ['BITPOS', 'nokey', '1'],
      ['BITPOS', 'nokey', '0'],
      ['BITPOS', 'nokey', '0', '5', '10'],
      ['BITPOS', 'nokey', '1', 'x', 'y', 'z'],
      ['BITPOS', 'nokey', '3'],
      ['SET', 'ones', Buffer.from([0xff, 0xff, 0xff])],
      ['BITPOS', 'ones', '0'],
      ['BITPOS', 'ones', '0', '1'],
      ['BITPOS', 'ones', '0', '1', '2'],
      ['BITPOS', 'ones', '0', '3', '20', 'BIT'],
      ['SET', 'zeros', Buffer.alloc(3)],
      ['BITPOS', 'zeros', '1'],
      ['BITPOS', 'zeros', '0'],
      ['BITPOS', 'zeros', '1', '4', '20', 'BIT'],
      ['SET', 'e', ''],
      ['BITPOS', 'e', '0'],
      ['BITPOS', 'e', '1'],
      ['BITPOS', 'e', '0', '0'],
      ['SET', 'i', '12345'],
      ['BITPOS', 'i', '1', '2'],
    ]);
  });

  it('BITPOS over long strings and random ranges', async (t) => {
    const r = rng(11);
    const queries: Cmd[] = [];
    const q = (...c: Cmd): number => queries.push(c);
    q('BITPOS', 'z', '1');
    q('BITPOS', 'z', '1', '3', '-3');
    q('BITPOS', 'z', '1', '4005', '-1', 'BIT');
    q('BITPOS', 'z', '0', '4000', '4009', 'BIT');
    q('BITPOS', 'o', '0');
    q('BITPOS', 'o', '0', '601');
    q('BITPOS', 'o', '0', '601', '-1');
    q('BITPOS', 'o', '0', '2', '4807', 'BIT');
    for (let i = 0; i < 80; i++) {
      const bit = r() < 0.5 ? '0' : '1';
      const mode = r();
      const lim = mode < 0.5 ? 3300 : 420;
      const s = Math.floor(r() * lim * 2) - lim;
      const e = Math.floor(r() * lim * 2) - lim;
      if (mode < 0.5) q('BITPOS', 'r', bit, s, e, 'BIT');
      else if (mode < 0.75) q('BITPOS', 'r', bit, s, e);
      else q('BITPOS', 'r', bit, s);
    }
    // Long runs of 0x00 / 0xff around a single odd byte, at every word alignment.
    for (let k = 0; k < 8; k++) {
      const zeros = Buffer.alloc(501 + k);
      zeros[480 + k] = 0x08;
      const ones = Buffer.alloc(903 + k, 0xff);
      ones[600 + 3 * k] = 0xfe;
      q('SET', `z${k}`, zeros);
      q('SET', `o${k}`, ones);
      q('APPEND', `z${k}`, '');
      q('APPEND', `o${k}`, '');
      for (const start of ['0', '1', '2', '3', '5', '9']) {
        q('BITPOS', `z${k}`, '1', start);
        q('BITPOS', `o${k}`, '0', start);
        q('BITPOS', `o${k}`, '0', start, '-2');
      }
    }
    const r2 = rng(12);
    const values: Cmd[] = [
      ['SET', 'z', Buffer.concat([Buffer.alloc(500), Buffer.from([0x08]), Buffer.alloc(500)])],
      ['SET', 'o', Buffer.concat([Buffer.alloc(600, 0xff), Buffer.from([0xfe]), Buffer.alloc(300, 0xff)])],
      ['SET', 'r', randomBytes(r2, 400)],
    ];
    // Plain values, then the same values held as mutable (raw) strings.
    await d.run([...values, ...queries]);
    await d.run([...values, ['APPEND', 'z', ''], ['APPEND', 'o', ''], ['APPEND', 'r', ''], ...queries]);
  });

  it('BITOP AND OR XOR NOT', async (t) => {
    await d.run([
      ['SET', 'a', 'foobar'],
      ['SET', 'b', 'abcdefghij'],
      ['SET', 'c', '12'],
      ['BITOP', 'AND', 'dst', 'a', 'b'],
      ['GET', 'dst'],
      ['BITOP', 'and', 'dst', 'a', 'b', 'c'],
      ['GET', 'dst'],
      ['OBJECT', 'ENCODING', 'dst'],
      ['BITOP', 'OR', 'dst', 'a', 'b', 'c'],
      ['GET', 'dst'],
      ['BITOP', 'XOR', 'dst', 'a', 'b', 'c'],
      ['GET', 'dst'],
      ['BITOP', 'XOR', 'dst', 'a', 'a'],
      ['GET', 'dst'],
      ['BITOP', 'NOT', 'dst', 'a'],
      ['GET', 'dst'],
      ['BITOP', 'NOT', 'dst', 'a', 'b'],
      ['BITOP', 'NOT', 'dst', 'nokey'],
      ['EXISTS', 'dst'],
      ['BITOP', 'AND', 'dst', 'a', 'nokey'],
      ['GET', 'dst'],
      ['BITOP', 'OR', 'dst', 'nokey', 'a'],
      ['GET', 'dst'],
      ['BITOP', 'XOR', 'dst', 'nokey', 'nokey2'],
      ['EXISTS', 'dst'],
      ['BITOP', 'XOR', 'dst', 'nokey', 'nokey2'],
      ['SET', 'e', ''],
      ['BITOP', 'OR', 'dst', 'e', 'nokey'],
      ['EXISTS', 'dst'],
      ['BITOP', 'NAND', 'dst', 'a'],
      ['BITOP', 'AND', 'dst'],
      ['BITOP', 'AND'],
      // In place, and the TTL of the target is dropped.
      ['SET', 't', 'xyz', 'EX', '100'],
      ['BITOP', 'OR', 't', 't', 'a'],
      ['TTL', 't'],
      ['GET', 't'],
      ['BITOP', 'AND', 'a', 'a'],
      ['GET', 'a'],
    ]);
  });

  it('BITOP over long random strings', async (t) => {
    const r = rng(3);
    const cmds: Cmd[] = [
      ['SET', 'x', randomBytes(r, 1000)],
      ['SET', 'y', randomBytes(r, 777)],
      ['SET', 'z', randomBytes(r, 1003)],
      ['SETBIT', 'y', '9000', '1'],
    ];
    for (const op of ['AND', 'OR', 'XOR']) cmds.push(['BITOP', op, 'out', 'x', 'y', 'z'], ['GET', 'out']);
    cmds.push(['BITOP', 'NOT', 'out', 'y'], ['GET', 'out'], ['BITCOUNT', 'out']);
    await d.run(cmds);
  });

  it('BITFIELD GET SET INCRBY with every overflow mode', async (t) => {
    await d.run([
      ['BITFIELD', 'bf', 'SET', 'i8', '0', '100', 'GET', 'i8', '0', 'INCRBY', 'i8', '0', '100', 'GET', 'u8', '0'],
      ['BITFIELD', 'bf', 'OVERFLOW', 'SAT', 'INCRBY', 'i8', '0', '100', 'INCRBY', 'i8', '0', '-1000'],
      ['BITFIELD', 'bf', 'OVERFLOW', 'FAIL', 'INCRBY', 'i8', '0', '-1', 'OVERFLOW', 'WRAP', 'INCRBY', 'i8', '0', '-1'],
      ['BITFIELD', 'bf', 'overflow', 'fail', 'incrby', 'u2', '100', '1', 'incrby', 'u2', '100', '1', 'incrby', 'u2', '100', '1', 'incrby', 'u2', '100', '1'],
      ['BITFIELD', 'bf', 'overflow', 'sat', 'incrby', 'u2', '100', '1', 'incrby', 'u2', '100', '-5'],
      ['BITFIELD', 'bf', 'incrby', 'u2', '100', '1', 'incrby', 'u2', '100', '1', 'incrby', 'u2', '100', '1', 'incrby', 'u2', '100', '-7'],
      ['BITFIELD', 'bf', 'SET', 'u5', '3', '23', 'GET', 'u5', '3', 'GET', 'i5', '3', 'GET', 'u16', '0'],
      ['GET', 'bf'],
      ['BITFIELD', 'bf', 'SET', 'u8', '#2', '200', 'GET', 'u8', '16', 'GET', 'u4', '#5', 'SET', 'i3', '#10', '-1'],
      ['GET', 'bf'],
      ['BITFIELD', 'bf', 'GET', 'u32', '1', 'GET', 'i32', '3', 'SET', 'u32', '7', '4294967295', 'GET', 'i32', '7'],
      ['BITFIELD', 'bf', 'OVERFLOW', 'WRAP', 'SET', 'i8', '0', '300', 'SET', 'u8', '0', '-1', 'SET', 'u8', '0', '-300', 'GET', 'u8', '0'],
      ['BITFIELD', 'bf', 'OVERFLOW', 'SAT', 'SET', 'i8', '0', '300', 'SET', 'i8', '0', '-300', 'SET', 'u8', '0', '-1', 'SET', 'u8', '0', '256'],
      ['BITFIELD', 'bf', 'OVERFLOW', 'FAIL', 'SET', 'i8', '0', '127', 'SET', 'i8', '0', '128', 'SET', 'u8', '0', '-1', 'SET', 'u1', '0', '1'],
      ['BITFIELD', 'bf'],
      ['BITFIELD', 'bf', 'OVERFLOW', 'SAT'],
      ['BITFIELD', 'missing', 'GET', 'u8', '0', 'GET', 'i64', '1000'],
      ['EXISTS', 'missing'],
      ['BITFIELD', 'missing', 'SET', 'u1', '10', '1'],
      ['GET', 'missing'],
      // A failed INCRBY still creates / pads the key (silently).
      ['BITFIELD', 'created', 'OVERFLOW', 'FAIL', 'INCRBY', 'u8', '16', '256'],
      ['GET', 'created'],
      ['SET', 'txt', 'hello'],
      ['BITFIELD', 'txt', 'GET', 'u8', '0', 'GET', 'i16', '#1', 'GET', 'u32', '36', 'GET', 'u8', '1000'],
      ['BITFIELD', 'txt', 'INCRBY', 'u8', '8', '1'],
      ['GET', 'txt'],
      ['OBJECT', 'ENCODING', 'txt'],
    ]);
  });

  it('BITFIELD 64-bit fields and exact arithmetic', async (t) => {
    await d.run([
      ['BITFIELD', 'w', 'SET', 'i64', '0', '-1', 'GET', 'u63', '0', 'GET', 'u63', '1', 'GET', 'i64', '0'],
      ['BITFIELD', 'w', 'SET', 'i64', '3', '9223372036854775807', 'GET', 'i64', '3', 'GET', 'u63', '4', 'GET', 'i33', '3', 'GET', 'u33', '30'],
      ['BITFIELD', 'w', 'INCRBY', 'i64', '3', '1'],
      ['BITFIELD', 'w', 'OVERFLOW', 'SAT', 'INCRBY', 'i64', '3', '-1'],
      ['BITFIELD', 'w', 'OVERFLOW', 'SAT', 'INCRBY', 'i64', '3', '-9223372036854775808'],
      ['BITFIELD', 'w', 'OVERFLOW', 'FAIL', 'INCRBY', 'i64', '3', '-1', 'INCRBY', 'i64', '3', '9223372036854775807', 'INCRBY', 'i64', '3', '9223372036854775807'],
      ['BITFIELD', 'w', 'OVERFLOW', 'SAT', 'INCRBY', 'i64', '3', '9223372036854775807', 'INCRBY', 'i64', '3', '9223372036854775807'],
      ['BITFIELD', 'w', 'OVERFLOW', 'WRAP', 'INCRBY', 'i64', '3', '9223372036854775807', 'INCRBY', 'i64', '3', '-9223372036854775808'],
      ['BITFIELD', 'w', 'SET', 'u63', '0', '9223372036854775807', 'GET', 'u63', '0'],
      ['BITFIELD', 'w', 'OVERFLOW', 'SAT', 'SET', 'u63', '0', '-1', 'INCRBY', 'u63', '0', '-9223372036854775808', 'INCRBY', 'u63', '0', '9223372036854775807'],
      ['BITFIELD', 'w', 'OVERFLOW', 'WRAP', 'INCRBY', 'u63', '0', '9223372036854775807', 'INCRBY', 'u63', '0', '-9223372036854775808'],
      ['BITFIELD', 'w', 'OVERFLOW', 'FAIL', 'INCRBY', 'u63', '0', '-9223372036854775808', 'SET', 'u63', '0', '-2'],
      // Redis's int64 arithmetic in its overflow test: an extreme SET into a small signed field.
      ['BITFIELD', 'w', 'OVERFLOW', 'SAT', 'SET', 'i8', '0', '-9223372036854775808', 'GET', 'i8', '0'],
      ['BITFIELD', 'w', 'OVERFLOW', 'SAT', 'SET', 'i8', '0', '-9223372036854775681', 'GET', 'i8', '0'],
      ['BITFIELD', 'w', 'OVERFLOW', 'WRAP', 'SET', 'i8', '0', '-9223372036854775807', 'GET', 'i8', '0'],
      ['BITFIELD', 'w', 'OVERFLOW', 'FAIL', 'SET', 'i8', '0', '9223372036854775807', 'SET', 'i8', '0', '-9223372036854775808'],
      ['BITFIELD', 'w', 'OVERFLOW', 'SAT', 'SET', 'u8', '0', '-9223372036854775808', 'SET', 'u32', '0', '9007199254740993'],
      ['BITFIELD', 'w', 'OVERFLOW', 'WRAP', 'SET', 'u32', '0', '9007199254740993', 'INCRBY', 'i32', '0', '-9007199254740993', 'INCRBY', 'u32', '0', '9223372036854775807'],
      ['GET', 'w'],
    ]);
  });

  it('BITFIELD random operations match', async (t) => {
    const r = rng(42);
    const cmds: Cmd[] = [['SET', 'rf', randomBytes(r, 16)]];
    const bigs = ['9223372036854775807', '-9223372036854775808', '4611686018427387904', '-4611686018427387905', '4294967296', '-2147483649'];
    for (let i = 0; i < 120; i++) {
      const cmd: Cmd = ['BITFIELD', 'rf'];
      const nops = 1 + Math.floor(r() * 3);
      for (let k = 0; k < nops; k++) {
        const x = r();
        if (x < 0.2) cmd.push('OVERFLOW', ['WRAP', 'SAT', 'FAIL'][Math.floor(r() * 3)]);
        const signed = r() < 0.5;
        const bits = signed ? 1 + Math.floor(r() * 64) : 1 + Math.floor(r() * 63);
        const type = (signed ? 'i' : 'u') + bits;
        const off = String(Math.floor(r() * 140));
        const y = r();
        let val: string;
        if (y < 0.15) val = bigs[Math.floor(r() * bigs.length)];
        else if (y < 0.5) val = String(Math.floor((r() - 0.5) * 2 ** bits));
        else val = String(Math.floor((r() - 0.5) * 20));
        const which = r();
        if (which < 0.3) cmd.push('GET', type, off);
        else if (which < 0.6) cmd.push('SET', type, off, val);
        else cmd.push('INCRBY', type, off, val);
      }
      cmds.push(cmd);
    }
    cmds.push(['GET', 'rf']);
    await d.run(cmds);
  });

  it('BITFIELD and BITFIELD_RO errors', async (t) => {
    await d.run([
      ['SET', 'a', 'x'],
      ['BITFIELD', 'a', 'GET', 'u64', '0'],
      ['BITFIELD', 'a', 'GET', 'i65', '0'],
      ['BITFIELD', 'a', 'GET', 'u0', '0'],
      ['BITFIELD', 'a', 'GET', 'i0', '0'],
      ['BITFIELD', 'a', 'GET', 'i', '0'],
      ['BITFIELD', 'a', 'GET', 'U8', '0'],
      ['BITFIELD', 'a', 'GET', 'x8', '0'],
      ['BITFIELD', 'a', 'GET', 'i08', '0'],
      ['BITFIELD', 'a', 'GET', 'i-8', '0'],
      ['BITFIELD', 'a', 'GET', '', '0'],
      ['BITFIELD', 'a', 'GET', 'u8', '-1'],
      ['BITFIELD', 'a', 'GET', 'u8', '#-1'],
      ['BITFIELD', 'a', 'GET', 'u8', '#'],
      ['BITFIELD', 'a', 'GET', 'u8', '##1'],
      ['BITFIELD', 'a', 'GET', 'u8', '4294967295'],
      ['BITFIELD', 'a', 'GET', 'u8', '4294967296'],
      ['BITFIELD', 'a', 'GET', 'u8', '#536870911'],
      ['BITFIELD', 'a', 'GET', 'u8', '#536870912'],
      ['BITFIELD', 'a', 'GET', 'i64', '#67108863'],
      ['BITFIELD', 'a', 'GET', 'i64', '#67108864'],
      ['BITFIELD', 'a', 'GET', 'i64', '#9223372036854775807'],
      ['BITFIELD', 'a', 'GET', 'i4', '#4611686018427387905'],
      ['BITFIELD', 'a', 'GET', 'u8', '01'],
      ['BITFIELD', 'a', 'SET', 'u8', '0'],
      ['BITFIELD', 'a', 'SET', 'u8', '0', 'x'],
      ['BITFIELD', 'a', 'SET', 'u8', '0', '9223372036854775808'],
      ['BITFIELD', 'a', 'INCRBY', 'u8', '0', '1.5'],
      ['BITFIELD', 'a', 'INCRBY', 'u8'],
      ['BITFIELD', 'a', 'OVERFLOW'],
      ['BITFIELD', 'a', 'OVERFLOW', 'FOO'],
      ['BITFIELD', 'a', 'OVERFLOW', 'FOO', 'GET', 'u8', '0'],
      ['BITFIELD', 'a', 'FOO'],
      ['BITFIELD', 'a', 'GET', 'u8', '0', 'FOO'],
      ['BITFIELD', 'a', 'GET', 'u8'],
      ['BITFIELD', 'a', 'GET', 'u8', '0', 'SET', 'x8', '0', '0'],
      ['BITFIELD', 'a', 'SET', 'u8', '0', '1', 'GET', 'u8', 'bad'],
      ['GET', 'a'],
      ['BITFIELD'],
      ['BITFIELD_RO', 'a', 'GET', 'u8', '0', 'GET', 'i4', '#1'],
      ['BITFIELD_RO', 'a', 'SET', 'u8', '0', '1'],
      ['BITFIELD_RO', 'a', 'GET', 'u8', '0', 'INCRBY', 'u8', '0', '1'],
      ['BITFIELD_RO', 'a', 'SET', 'x8', '0', '1'],
      ['BITFIELD_RO', 'a', 'SET', 'u8', '0', 'x'],
      ['BITFIELD_RO', 'a', 'OVERFLOW', 'WRAP'],
      ['BITFIELD_RO', 'a', 'OVERFLOW', 'SAT', 'GET', 'u8', '0'],
      ['BITFIELD_RO', 'a', 'GET', 'u8', '0', 'bad'],
      ['BITFIELD_RO', 'a', 'GET', 'x8', '0'],
      ['BITFIELD_RO', 'nokey', 'GET', 'u8', '0'],
      ['EXISTS', 'nokey'],
      ['BITFIELD_RO', 'a'],
      ['BITFIELD_RO'],
      ['GET', 'a'],
    ]);
  });

  it('RESP3: null replies of BITFIELD OVERFLOW FAIL', async (t) => {
    await d.run([['HELLO', '3']], { typeOnly: true });
    await d.run([
      ['BITFIELD', 'r3', 'OVERFLOW', 'FAIL', 'INCRBY', 'u4', '0', '16', 'INCRBY', 'u4', '0', '3', 'GET', 'i64', '0'],
      ['BITFIELD_RO', 'r3', 'GET', 'u4', '0'],
      ['SETBIT', 'r3', '100', '1'],
      ['GETBIT', 'r3', '100'],
      ['BITCOUNT', 'r3'],
      ['BITPOS', 'r3', '1', '1'],
      ['BITOP', 'NOT', 'r4', 'r3'],
    ]);
  });

  it('WRONGTYPE against a non-string key', async (t) => {
    await d.run([
      ['SADD', 'set', 'm'],
      ['HSET', 'hash', 'f', 'v'],
      ['SET', 'a', 'abc'],
      ['SETBIT', 'set', '0', '1'],
      ['SETBIT', 'set', 'x', '1'],
      ['SETBIT', 'set', '0', '5'],
      ['GETBIT', 'set', '0'],
      ['GETBIT', 'set', '-1'],
      ['BITCOUNT', 'set'],
      ['BITCOUNT', 'set', 'x', 'y'],
      ['BITCOUNT', 'set', '0'],
      ['BITPOS', 'set', '1'],
      ['BITPOS', 'set', '2'],
      ['BITPOS', 'set', '1', 'x'],
      ['BITOP', 'AND', 'dst', 'a', 'set'],
      ['BITOP', 'NOT', 'dst', 'hash'],
      ['BITOP', 'NOT', 'dst', 'hash', 'a'],
      ['BITOP', 'FOO', 'dst', 'hash'],
      ['EXISTS', 'dst'],
      ['BITFIELD', 'set', 'GET', 'u8', '0'],
      ['BITFIELD', 'set', 'SET', 'u8', '0', '1'],
      ['BITFIELD', 'set', 'INCRBY', 'u8', '0', '1', 'GET', 'u8', '0'],
      ['BITFIELD', 'set'],
      ['BITFIELD', 'set', 'OVERFLOW', 'FOO'],
      ['BITFIELD', 'set', 'GET', 'x8', '0'],
      ['BITFIELD_RO', 'set', 'GET', 'u8', '0'],
      ['BITFIELD_RO', 'set', 'SET', 'u8', '0', '1'],
      ['TYPE', 'set'],
      // The target of BITOP is replaced (or deleted) whatever its type.
      ['BITOP', 'OR', 'set', 'a'],
      ['TYPE', 'set'],
      ['GET', 'set'],
      ['BITOP', 'OR', 'hash', 'nokey'],
      ['EXISTS', 'hash'],
    ]);
  });

  it('keyspace hits and misses of bit reads and writes', async (t) => {
    const [ours, theirs] = await d.pair(0);
    const stats = async (cl: RawClient): Promise<string> => {
      const info = String(await cl.call('INFO', 'stats'));
      return /keyspace_hits:(\d+)/.exec(info)?.[1] + '/' + /keyspace_misses:(\d+)/.exec(info)?.[1];
    };
    const script: Cmd[] = [
      ['SET', 'k', 'abc'],
      ['GETBIT', 'k', '1'],
      ['GETBIT', 'none', '1'],
      ['SETBIT', 'k', '1', '1'],
      ['SETBIT', 'new', '1', '1'],
      ['BITCOUNT', 'k'],
      ['BITCOUNT', 'none'],
      ['BITPOS', 'k', '1'],
      ['BITPOS', 'none', '1'],
      ['BITOP', 'OR', 'dst', 'k', 'none'],
      ['BITFIELD', 'k', 'GET', 'u8', '0'],
      ['BITFIELD', 'none', 'GET', 'u8', '0'],
      ['BITFIELD', 'k', 'SET', 'u8', '0', '1'],
      ['BITFIELD_RO', 'k', 'GET', 'u8', '0'],
    ];
    for (const cmd of script) {
      const before = [await stats(ours), await stats(theirs)];
      await d.run([cmd]);
      const after = [await stats(ours), await stats(theirs)];
      const delta = (x: string, y: string) => x.split('/').map((v, i) => Number(v) - Number(y.split('/')[i])).join('/');
      assert.equal(delta(after[0], before[0]), delta(after[1], before[1]), `hits/misses of ${cmd.join(' ')}`);
    }
  });

  it('dirty counter and keyspace notifications of bit writes', async (t) => {
    // Connection 1 listens to every keyspace event; connection 0 writes.
    await d.run([['CONFIG', 'SET', 'notify-keyspace-events', 'KEA']]);
    await d.run([['PSUBSCRIBE', '__keyevent@*']], { conn: 1 });
    const [w0, w1] = await d.pair(0);
    const changes = async (cl: RawClient): Promise<number> => {
      const info = String(await cl.call('INFO', 'persistence'));
      return Number(/rdb_changes_since_last_save:(\d+)/.exec(info)?.[1]);
    };
    const script: Cmd[] = [
      ['SETBIT', 'n', '3', '1'],
      ['SETBIT', 'n', '3', '1'], // no change: no event
      ['SETBIT', 'n', '30', '0'], // grows: event
      ['BITFIELD', 'n', 'SET', 'u8', '0', '16'], // unchanged
      ['BITFIELD', 'n', 'SET', 'u8', '0', '17', 'INCRBY', 'u8', '8', '0', 'SET', 'u8', '16', '1'],
      ['BITFIELD', 'n', 'INCRBY', 'u8', '40', '0', 'INCRBY', 'u8', '0', '0'], // grows: both count
      ['BITFIELD', 'n', 'OVERFLOW', 'FAIL', 'INCRBY', 'u8', '0', '1000'],
      ['BITFIELD', 'fresh', 'OVERFLOW', 'FAIL', 'INCRBY', 'u8', '0', '1000'], // creates the key silently
      ['BITFIELD', 'n', 'GET', 'u8', '0'],
      ['BITOP', 'OR', 'dest', 'n'],
      ['BITOP', 'OR', 'dest', 'n'],
      ['BITOP', 'OR', 'dest', 'none'],
      ['BITOP', 'OR', 'dest', 'none'],
      ['SET', 'end', '1'],
    ];
    for (const cmd of script) {
      const [a0, b0] = [await changes(w0), await changes(w1)];
      await d.run([cmd]);
      const [a1, b1] = [await changes(w0), await changes(w1)];
      assert.equal(a1 - a0, b1 - b0, `dirty delta of ${cmd.join(' ')}`);
    }
    // The events each side published, in order (the final SET marks the end).
    const events: string[][] = [[], []];
    const [ours, theirs] = await d.pair(1);
    for (const [i, cl] of [ours, theirs].entries()) {
      for (;;) {
        const parts = (await cl.nextRaw(2000)).split('\r\n');
        const ev = parts[parts.length - 4] + ' ' + parts[parts.length - 2];
        events[i].push(ev);
        if (ev.endsWith(':set end')) break;
      }
    }
    assert.deepEqual(events[0], events[1]);
    assert.equal(events[0].length, 8);
  });
});
