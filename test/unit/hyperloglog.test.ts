import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  HLL_DENSE,
  HLL_DENSE_SIZE,
  HLL_REGISTERS,
  HLL_SPARSE,
  cachedCardinality,
  cardinalityReply,
  createHll,
  decodeSparse,
  denseGet,
  denseRegisters,
  denseSet,
  denseSetRegister,
  elementPattern,
  hllAdd,
  hllCount,
  hllMerge,
  isHllBytes,
  isHllString,
  murmurHash64AHex,
  rawCount,
  selfTest,
  setCachedCardinality,
  sparseSet,
  sparseToDense,
  type HllBytes,
} from '../../src/types/hyperloglog.js';
import { rng } from '../helpers/rng.js';

/** MurmurHash64A as Redis's C code reads, in BigInt: the reference the 32-bit version is checked against. */
function murmurRef(data: Uint8Array, seed = 0xadc83b19n): bigint {
  const M = 0xc6a4a7935bd1e995n;
  const mask = (1n << 64n) - 1n;
  const len = data.length;
  let h = (seed ^ (BigInt(len) * M)) & mask;
  const blocks = len - (len & 7);
  for (let i = 0; i < blocks; i += 8) {
    let k = 0n;
    for (let j = 7; j >= 0; j--) k = (k << 8n) | BigInt(data[i + j]);
    k = (k * M) & mask;
    k ^= k >> 47n;
    k = (k * M) & mask;
    h ^= k;
    h = (h * M) & mask;
  }
  const rem = len & 7;
  if (rem > 0) {
    for (let j = rem - 1; j >= 0; j--) h ^= BigInt(data[blocks + j]) << BigInt(8 * j);
    h = (h * M) & mask;
  }
  h ^= h >> 47n;
  h = (h * M) & mask;
  h ^= h >> 47n;
  return h;
}

/**
 * Register and value of elements added alone to an empty HLL on
 * redis-server 7.0.15 (read back with PFDEBUG DECODE): [hex bytes, register, value].
 */
const REDIS_PATTERNS: [string, number, number][] = [
  ['', 5938, 2],
  ['61', 12711, 2],
  ['6162', 719, 1],
  ['616263', 9474, 1],
  ['61626364', 11070, 8],
  ['6162636465', 3726, 4],
  ['616263646566', 13647, 2],
  ['61626364656667', 5634, 2],
  ['6162636465666768', 1383, 1],
  ['616263646566676869', 6903, 1],
  ['6162636465666768696a', 12228, 1],
  ['6162636465666768696a6b', 14121, 1],
  ['6162636465666768696a6b6c', 9695, 5],
  ['6162636465666768696a6b6c6d', 9157, 1],
  ['6162636465666768696a6b6c6d6e', 5697, 2],
  ['6162636465666768696a6b6c6d6e6f', 12377, 4],
  ['6162636465666768696a6b6c6d6e6f70', 9328, 1],
  ['6162636465666768696a6b6c6d6e6f7071', 4271, 1],
  ['68656c6c6f20776f726c64', 9399, 4],
  ['00', 8840, 2],
  ['fffe80007f', 14238, 2],
  [
    '00254a6f94b9de03284d7297bce1062b50759abfe4092e53789dc2e70c31567ba0c5ea0f34597ea3c8ed12375c81a6cbf0153a5f84a9cef3183d6287acd1f61b',
    4692,
    1,
  ],
  ['c3a96cc3a96d656e74', 13177, 1],
  ['31323334353637383930', 1971, 3],
  ['8080808080808080', 7098, 1],
];

function latin1(hex: string): string {
  return Buffer.from(hex, 'hex').toString('latin1');
}

/** Registers of an HLL by walking its representation (dense registers, or sparse opcodes expanded). */
function registersOf(h: HllBytes): number[] {
  if (h.buf[4] === HLL_DENSE) return denseRegisters(h.buf);
  const copy = { buf: Buffer.from(h.buf.subarray(0, h.len)), len: h.len };
  assert.ok(sparseToDense(copy), 'a valid sparse HLL');
  return denseRegisters(copy.buf);
}

function sparseCoverage(h: HllBytes): number {
  let n = 0;
  for (const op of decodeSparse(h.buf, h.len).split(' ')) {
    if (op === '') continue;
    const m = /^(?:[zZ]:(\d+)|v:\d+,(\d+))$/.exec(op)!;
    n += Number(m[1] ?? m[2]);
  }
  return n;
}

describe('HyperLogLog', () => {
  it('MurmurHash64A on 32-bit halves equals the 64-bit reference, for strings and bytes', () => {
    const r = rng(7);
    for (let n = 0; n < 300; n++) {
      const len = n < 40 ? n : Math.floor(r() * 200);
      const bytes = new Uint8Array(len);
      for (let i = 0; i < len; i++) bytes[i] = Math.floor(r() * 256);
      const want = murmurRef(bytes).toString(16).padStart(16, '0');
      assert.equal(murmurHash64AHex(bytes), want, `bytes of length ${len}`);
      assert.equal(murmurHash64AHex(Buffer.from(bytes).toString('latin1')), want, `string of length ${len}`);
    }
  });

  it('elements land in the register, with the value, that redis-server gives them', () => {
    for (const [hex, register, value] of REDIS_PATTERNS) {
      const p = elementPattern(latin1(hex));
      assert.deepEqual([p & (HLL_REGISTERS - 1), p >>> 14], [register, value], `element ${hex}`);
    }
  });

  it('a new HLL is sparse, one XZERO over every register, with a valid cached 0', () => {
    const h = createHll();
    assert.equal(Buffer.from(h.buf.subarray(0, h.len)).toString('hex'), '48594c4c' + '01000000' + '0000000000000000' + '7fff');
    assert.ok(isHllBytes(h.buf, h.len));
    assert.equal(decodeSparse(h.buf, h.len), 'Z:16384');
    assert.equal(hllCount(h.buf, h.len), 0);
    assert.equal(cachedCardinality(h.buf), 0);
  });

  it('the header check: magic, encoding, exact dense size', () => {
    const dense = 'HYLL\x00\x00\x00\x00' + '\x00'.repeat(8) + '\x00'.repeat(12288);
    assert.equal(dense.length, HLL_DENSE_SIZE);
    assert.ok(isHllString(dense));
    assert.ok(!isHllString(dense + '\x00'));
    assert.ok(!isHllString(dense.slice(0, -1)));
    assert.ok(isHllString('HYLL\x01' + '\x00'.repeat(11)));
    assert.ok(!isHllString('HYLL\x01' + '\x00'.repeat(10)));
    assert.ok(!isHllString('HYLL\x02' + '\x00'.repeat(11)));
    assert.ok(!isHllString('HYLX\x01' + '\x00'.repeat(11)));
    const b = Buffer.from(dense, 'latin1');
    assert.ok(isHllBytes(b, b.length));
    assert.ok(!isHllBytes(b, b.length - 1));
  });

  it('dense registers: 6 bits each, neighbours untouched, the last one within the string', () => {
    const r = rng(3);
    const buf = Buffer.alloc(HLL_DENSE_SIZE);
    const model = new Uint8Array(HLL_REGISTERS);
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < HLL_REGISTERS; i++) {
        const v = Math.floor(r() * 64);
        model[i] = v;
        denseSetRegister(buf, 16, i, v);
      }
      for (let i = 0; i < HLL_REGISTERS; i++) assert.equal(denseGet(buf, 16, i), model[i]);
    }
    buf.fill(0);
    assert.equal(denseSet(buf, HLL_REGISTERS - 1, 51), 1);
    assert.equal(denseSet(buf, HLL_REGISTERS - 1, 50), 0);
    assert.equal(buf[HLL_DENSE_SIZE - 1], 51 << 2);
    assert.equal(denseGet(buf, 16, HLL_REGISTERS - 2), 0);
  });

  it('sparse updates keep the registers of a dense twin and cover exactly 16384 registers', () => {
    for (let seed = 1; seed <= 6; seed++) {
      const r = rng(seed);
      const sparse = createHll();
      const dense = { buf: Buffer.alloc(HLL_DENSE_SIZE), len: HLL_DENSE_SIZE };
      dense.buf.write('HYLL', 'latin1');
      const n = Math.floor(r() * 3000);
      for (let i = 0; i < n; i++) {
        const ele = 'x' + Math.floor(r() * 1e9);
        const a = hllAdd(sparse, ele, 1e9);
        const b = hllAdd(dense, ele, 1e9);
        assert.equal(a, b, 'both report the same change');
        if (i % 97 === 0) assert.equal(sparseCoverage(sparse), HLL_REGISTERS);
      }
      assert.equal(sparse.buf[4], HLL_SPARSE, 'stays sparse with no size limit and small values');
      assert.deepEqual(registersOf(sparse), denseRegisters(dense.buf));
      assert.equal(hllCount(sparse.buf, sparse.len), hllCount(dense.buf, dense.len));
    }
  });

  it('promotion to dense: past hll-sparse-max-bytes, or a value over 32; the header travels along', () => {
    const h = createHll();
    h.buf[8] = 7; // a cached cardinality, kept by the conversion
    let i = 0;
    while (h.buf[4] === HLL_SPARSE) {
      assert.ok(h.len <= 300, 'never grows past the limit while sparse');
      hllAdd(h, 'e' + i++, 300);
    }
    assert.equal(h.len, HLL_DENSE_SIZE);
    assert.equal(h.buf.subarray(0, 4).toString('latin1'), 'HYLL');
    assert.equal(h.buf[8], 7);
    assert.equal(h.buf[15] & 0x80, 0x80, 'the cache was invalidated by the sparse updates before');

    const v = createHll();
    assert.equal(sparseSet(v, 100, 32, 3000), 1);
    assert.equal(v.buf[4], HLL_SPARSE);
    assert.equal(decodeSparse(v.buf, v.len), 'Z:100 v:32,1 Z:16283');
    assert.equal(sparseSet(v, 101, 33, 3000), 1);
    assert.equal(v.buf[4], HLL_DENSE);
    assert.equal(denseGet(v.buf, 16, 100), 32);
    assert.equal(denseGet(v.buf, 16, 101), 33);
  });

  it('adjacent equal values merge into one VAL opcode of up to 4 registers', () => {
    const h = createHll();
    for (const i of [10, 11, 12, 13, 14]) sparseSet(h, i, 3, 3000);
    assert.equal(decodeSparse(h.buf, h.len), 'z:10 v:3,4 v:3,1 Z:16369');
    assert.equal(sparseSet(h, 12, 2, 3000), 0);
    assert.equal(sparseSet(h, 12, 5, 3000), 1);
    assert.equal(decodeSparse(h.buf, h.len), 'z:10 v:3,2 v:5,1 v:3,2 Z:16369');
  });

  it('corrupted sparse HLLs: coverage other than 16384 registers is detected by every reader', () => {
    const hdr = 'HYLL\x01\x00\x00\x00' + '\x00'.repeat(8);
    const cases = [
      hdr, // no opcodes
      hdr + '\x7f\xfe', // 16383 registers
      hdr + '\x7f\xff\x00', // 16385
      hdr + '\x7f\xfc\xff', // 16381 + a VAL of 4: ends past the last register
      hdr + '\x7f', // an XZERO cut short
    ];
    for (const s of cases) {
      const buf = Buffer.from(s, 'latin1');
      assert.equal(hllCount(buf, buf.length), -1, JSON.stringify(s));
      assert.equal(hllMerge(new Uint8Array(HLL_REGISTERS), buf, buf.length), false);
      assert.equal(sparseToDense({ buf, len: buf.length }), false);
    }
    const empty = Buffer.from(hdr, 'latin1');
    assert.equal(hllAdd({ buf: empty, len: empty.length }, 'a', 3000), -1, 'no opcode covers the register');
  });

  it('the estimate is Redis 7.0 new estimator: the counts redis-server gives, within its error', () => {
    const h = createHll();
    const checkpoints = new Map([
      [10, 10],
      [1000, 1008],
      [5000, 4968],
      [100000, 100853],
    ]);
    for (let i = 0; i < 100000; i++) {
      hllAdd(h, 'e' + i, 3000);
      const want = checkpoints.get(i + 1);
      if (want === undefined) continue;
      const card = hllCount(h.buf, h.len);
      assert.equal(card, want, `cardinality of ${i + 1} elements`);
      assert.ok(Math.abs(card - (i + 1)) <= Math.ceil((1.04 / Math.sqrt(HLL_REGISTERS)) * 6 * (i + 1)));
    }
    assert.equal(h.buf[4], HLL_DENSE);
    const max = new Uint8Array(HLL_REGISTERS);
    assert.ok(hllMerge(max, h.buf, h.len));
    assert.equal(rawCount(max), 100853);
  });

  it('cached cardinality: little endian, 2^63 (an overflowing estimate) replies as -2^63', () => {
    const buf = Buffer.alloc(16);
    setCachedCardinality(buf, 123456789012);
    assert.equal(cachedCardinality(buf), 123456789012);
    setCachedCardinality(buf, 2 ** 63);
    assert.equal(buf.toString('hex').slice(16), '0000000000000080');
    assert.equal(cardinalityReply(2 ** 63), -(2n ** 63n));
    assert.equal(cardinalityReply(42), 42);
    buf.writeBigUInt64LE(0x7f07060504030201n, 8);
    assert.equal(cachedCardinality(buf), 0x7f07060504030201n);
    // Every register at 63 (only a crafted value): the estimate overflows.
    const dense = Buffer.alloc(HLL_DENSE_SIZE, 0xff);
    dense.write('HYLL\x00', 'latin1');
    assert.equal(hllCount(dense, dense.length), 2 ** 63);
  });

  it('PFSELFTEST passes', () => {
    assert.equal(selfTest(3000, rng(11)), null);
  });
});
