/**
 * HyperLogLog in Redis 7.0's exact byte representation (hyperloglog.c), so
 * that an HLL is a plain string value interchangeable with Redis's: GET of
 * one returns the bytes Redis returns, and Redis's bytes SET here count the
 * same. No RESP here; the commands are in src/commands/hyperloglog.ts.
 *
 * Layout: a 16-byte header ("HYLL", the encoding byte, 3 unused bytes, the
 * cached cardinality as 8 bytes little endian whose top bit marks it
 * invalid) followed by the registers: 16384 of them, 6 bits each.
 *  - dense: 12288 bytes, register i at bit 6*i counting from the least
 *    significant bit of the first byte;
 *  - sparse: run-length opcodes. ZERO `00xxxxxx` (1 to 64 zero registers),
 *    XZERO `01xxxxxx yyyyyyyy` (1 to 16384 zero registers), VAL `1vvvvvxx`
 *    (1 to 4 registers holding 1 to 32). A sparse HLL becomes dense when a
 *    register needs more than 32 or the string would pass
 *    hll-sparse-max-bytes.
 *
 * Elements hash with MurmurHash64A (seed 0xadc83b19): the low 14 bits
 * choose the register, the run of zeros above them (plus one) is the
 * value. The estimate is Ertl's (arXiv:1702.01284), as Redis 7.0's.
 *
 * 64-bit arithmetic is done on two unsigned 32-bit halves (no BigInt).
 *
 * Where Redis reads the byte after the string (the terminator of its sds
 * string, read as the second byte of an XZERO opcode cut short at the
 * end of a corrupted HLL), this code reads the byte after `len` when the
 * buffer holds one, else zero; it keeps that byte as Redis keeps its
 * terminator (zeroed when the length changes, overwritten when an update
 * of such an opcode writes past the new end), so that even corrupted
 * values evolve byte for byte as in Redis. ByteString keeps it zero.
 */

export const HLL_P = 14;
export const HLL_Q = 64 - HLL_P;
export const HLL_REGISTERS = 1 << HLL_P;
export const HLL_BITS = 6;
export const HLL_REGISTER_MAX = (1 << HLL_BITS) - 1;
export const HLL_HDR_SIZE = 16;
export const HLL_DENSE_SIZE = HLL_HDR_SIZE + ((HLL_REGISTERS * HLL_BITS + 7) >> 3);
export const HLL_DENSE = 0;
export const HLL_SPARSE = 1;

const SPARSE_VAL_MAX_VALUE = 32;
const SPARSE_VAL_MAX_LEN = 4;
const SPARSE_ZERO_MAX_LEN = 64;
const SPARSE_XZERO_MAX_LEN = 16384;
const ALPHA_INF = 0.72134752044448170368; // 0.5 / ln(2)
const SEED = 0xadc83b19;
/** 2^63: the cardinality Redis ends up with when its estimate overflows a long long. */
const TWO63 = 2 ** 63;

/**
 * The bytes of an HLL value: a buffer (possibly with spare room) and the
 * length in use. A ByteString has this shape, so the value stored in the
 * keyspace is updated in place; a change of representation replaces `buf`.
 */
export interface HllBytes {
  buf: Buffer;
  len: number;
}

// ---------------------------------------------------------------- hashing

/**
 * The result of the last 64-bit product, and of a hash: R[0] the high
 * half, R[1] the low half, as int32 (read them with >>> 0 for unsigned).
 * A typed array rather than module variables, so that hot loops store
 * plain 32-bit words instead of boxing numbers.
 */
const R = new Int32Array(2);

/** (hi:lo) * 0xc6a4a7935bd1e995 mod 2^64, into R; 16-bit limbs for the low halves' full product. */
function mulM(hi: number, lo: number): void {
  const a0 = lo & 0xffff;
  const a1 = lo >>> 16;
  const p00 = Math.imul(a0, 0xe995) >>> 0;
  const p01 = Math.imul(a0, 0x5bd1) >>> 0;
  const p10 = Math.imul(a1, 0xe995) >>> 0;
  const p11 = Math.imul(a1, 0x5bd1) >>> 0;
  const mid = (p00 >>> 16) + (p01 & 0xffff) + (p10 & 0xffff);
  R[1] = (mid << 16) | (p00 & 0xffff);
  R[0] = (p11 + (p01 >>> 16) + (p10 >>> 16) + (mid >>> 16) + Math.imul(hi, 0x5bd1e995) + Math.imul(lo, 0xc6a4a793)) | 0;
}

/**
 * The rest of MurmurHash64A from the state after the 8-byte blocks
 * (hHi:hLo) and the 0 to 7 tail bytes (tHi:tLo, `rem` of them), into R.
 */
function finish(hHi: number, hLo: number, tHi: number, tLo: number, rem: number): void {
  if (rem !== 0) {
    mulM(hHi ^ tHi, hLo ^ tLo);
    hHi = R[0];
    hLo = R[1];
  }
  hLo ^= hHi >>> 15; // h ^= h >> 47
  mulM(hHi, hLo);
  hHi = R[0];
  R[1] = R[1] ^ (hHi >>> 15);
}

/** MurmurHash64A (seed 0xadc83b19) of a latin1 string (one char per byte), into R. */
function hashString(s: string): void {
  const len = s.length;
  mulM(0, len); // h = seed ^ (len * m)
  let hHi = R[0];
  let hLo = R[1] ^ SEED;
  const blocks = len - (len & 7);
  let i = 0;
  for (; i < blocks; i += 8) {
    const kLo = s.charCodeAt(i) | (s.charCodeAt(i + 1) << 8) | (s.charCodeAt(i + 2) << 16) | (s.charCodeAt(i + 3) << 24);
    const kHi = s.charCodeAt(i + 4) | (s.charCodeAt(i + 5) << 8) | (s.charCodeAt(i + 6) << 16) | (s.charCodeAt(i + 7) << 24);
    mulM(kHi, kLo); // k *= m
    const mHi = R[0];
    mulM(mHi, R[1] ^ (mHi >>> 15)); // k ^= k >> 47; k *= m
    mulM(hHi ^ R[0], hLo ^ R[1]); // h ^= k; h *= m
    hHi = R[0];
    hLo = R[1];
  }
  let tHi = 0;
  let tLo = 0;
  const rem = len & 7;
  for (let j = rem - 1; j >= 0; j--) {
    const b = s.charCodeAt(i + j);
    if (j >= 4) tHi |= b << ((j - 4) * 8);
    else tLo |= b << (j * 8);
  }
  finish(hHi, hLo, tHi, tLo, rem);
}

/** MurmurHash64A (seed 0xadc83b19) of bytes, into R. */
function hashBytes(b: Uint8Array): void {
  const len = b.length;
  mulM(0, len);
  let hHi = R[0];
  let hLo = R[1] ^ SEED;
  const blocks = len - (len & 7);
  let i = 0;
  for (; i < blocks; i += 8) {
    const kLo = b[i] | (b[i + 1] << 8) | (b[i + 2] << 16) | (b[i + 3] << 24);
    const kHi = b[i + 4] | (b[i + 5] << 8) | (b[i + 6] << 16) | (b[i + 7] << 24);
    mulM(kHi, kLo);
    const mHi = R[0];
    mulM(mHi, R[1] ^ (mHi >>> 15));
    mulM(hHi ^ R[0], hLo ^ R[1]);
    hHi = R[0];
    hLo = R[1];
  }
  let tHi = 0;
  let tLo = 0;
  const rem = len & 7;
  for (let j = rem - 1; j >= 0; j--) {
    if (j >= 4) tHi |= b[i + j] << ((j - 4) * 8);
    else tLo |= b[i + j] << (j * 8);
  }
  finish(hHi, hLo, tHi, tLo, rem);
}

/** MurmurHash64A of one little-endian 64-bit word given as halves (PFSELFTEST's elements), into R. */
function hashWord(wHi: number, wLo: number): void {
  mulM(0, 8);
  const hHi = R[0];
  const hLo = R[1] ^ SEED;
  mulM(wHi, wLo);
  const mHi = R[0];
  mulM(mHi, R[1] ^ (mHi >>> 15));
  mulM(hHi ^ R[0], hLo ^ R[1]);
  finish(R[0], R[1], 0, 0, 0);
}

/** Redis's MurmurHash64A with HyperLogLog's seed, as 16 hex digits (tests). */
export function murmurHash64AHex(data: string | Uint8Array): string {
  if (typeof data === 'string') hashString(data);
  else hashBytes(data);
  return (R[0] >>> 0).toString(16).padStart(8, '0') + (R[1] >>> 0).toString(16).padStart(8, '0');
}

/**
 * Register and value of the hash in R (hllPatLen): the low 14 bits are
 * the register, the value is one more than the zeros counted from bit 14
 * up (at most 51). Packed as value << 14 | register.
 */
function patLen(): number {
  const hi = R[0];
  const lo = R[1] >>> 0;
  const index = lo & (HLL_REGISTERS - 1);
  const rest = lo >>> HLL_P;
  let count: number;
  if (rest !== 0) count = 32 - Math.clz32(rest & -rest);
  else if (hi !== 0) count = 32 - HLL_P + 32 - Math.clz32(hi & -hi);
  else count = HLL_Q + 1;
  return (count << HLL_P) | index;
}

/** The register an element lands in and the value it brings, packed as value << 14 | register. */
export function elementPattern(ele: string): number {
  hashString(ele);
  return patLen();
}

// ---------------------------------------------------------------- header

/** Whether a string value is an HLL Redis would accept (isHLLObjectOrReply): magic, encoding, dense size. */
export function isHllString(s: string): boolean {
  const len = s.length;
  if (len < HLL_HDR_SIZE || s.charCodeAt(0) !== 72 || s.charCodeAt(1) !== 89 || s.charCodeAt(2) !== 76 || s.charCodeAt(3) !== 76) return false;
  const enc = s.charCodeAt(4);
  return enc === HLL_SPARSE || (enc === HLL_DENSE && len === HLL_DENSE_SIZE);
}

/** isHllString for bytes. */
export function isHllBytes(buf: Buffer, len: number): boolean {
  if (len < HLL_HDR_SIZE || buf[0] !== 72 || buf[1] !== 89 || buf[2] !== 76 || buf[3] !== 76) return false;
  const enc = buf[4];
  return enc === HLL_SPARSE || (enc === HLL_DENSE && len === HLL_DENSE_SIZE);
}

/** A new, empty HLL: sparse, one XZERO opcode for all registers, cached cardinality 0 (createHLLObject). */
export function createHll(room = 16): HllBytes {
  const len = HLL_HDR_SIZE + 2;
  const buf = Buffer.alloc(len + room);
  buf.write('HYLL', 0, 'latin1');
  buf[4] = HLL_SPARSE;
  buf[HLL_HDR_SIZE] = ((SPARSE_XZERO_MAX_LEN - 1) >> 8) | 0x40;
  buf[HLL_HDR_SIZE + 1] = (SPARSE_XZERO_MAX_LEN - 1) & 0xff;
  return { buf, len };
}

/** Marks the cached cardinality invalid. */
export function invalidateCache(buf: Buffer): void {
  buf[15] |= 0x80;
}

export function cacheValid(buf: Buffer): boolean {
  return (buf[15] & 0x80) === 0;
}

/** The cached cardinality (only meaningful when valid): a number, or a bigint past 2^53. */
export function cachedCardinality(buf: Buffer): number | bigint {
  const lo = buf.readUInt32LE(8);
  const hi = buf.readUInt32LE(12);
  if (hi < 0x200000) return hi * 0x100000000 + lo;
  return (BigInt(hi) << 32n) | BigInt(lo);
}

/** Stores a cardinality (an integer up to 2^63, as hllCount gives) in the cache. */
export function setCachedCardinality(buf: Buffer, card: number): void {
  buf.writeUInt32LE(card % 0x100000000, 8);
  buf.writeUInt32LE(Math.floor(card / 0x100000000), 12);
}

/**
 * A cardinality as Redis replies it: hllCount's uint64 read as a long
 * long, so the overflow value 2^63 replies as -2^63.
 */
export function cardinalityReply(card: number): number | bigint {
  return card <= Number.MAX_SAFE_INTEGER ? card : BigInt.asIntN(64, BigInt(card));
}

// ---------------------------------------------------------------- dense

/** Register `index` of dense registers starting at `at` (HLL_DENSE_GET_REGISTER). */
export function denseGet(buf: Uint8Array, at: number, index: number): number {
  const bit = index * HLL_BITS;
  const byte = at + (bit >>> 3);
  const fb = bit & 7;
  if (fb <= 2) return (buf[byte] >>> fb) & HLL_REGISTER_MAX;
  return ((buf[byte] >>> fb) | (buf[byte + 1] << (8 - fb))) & HLL_REGISTER_MAX;
}

/** Sets register `index` of dense registers starting at `at` (HLL_DENSE_SET_REGISTER). */
export function denseSetRegister(buf: Uint8Array, at: number, index: number, val: number): void {
  const bit = index * HLL_BITS;
  const byte = at + (bit >>> 3);
  const fb = bit & 7;
  buf[byte] = (buf[byte] & ~(HLL_REGISTER_MAX << fb)) | (val << fb);
  if (fb > 2) {
    const fb8 = 8 - fb;
    buf[byte + 1] = (buf[byte + 1] & ~(HLL_REGISTER_MAX >>> fb8)) | (val >>> fb8);
  }
}

/** Raises register `index` of a dense HLL to `count` if it is lower: 1 when it changed (hllDenseSet). */
export function denseSet(buf: Buffer, index: number, count: number): number {
  const bit = index * HLL_BITS;
  const byte = HLL_HDR_SIZE + (bit >>> 3);
  const fb = bit & 7;
  if (fb <= 2) {
    const b0 = buf[byte];
    if (count <= ((b0 >>> fb) & HLL_REGISTER_MAX)) return 0;
    buf[byte] = (b0 & ~(HLL_REGISTER_MAX << fb)) | (count << fb);
    return 1;
  }
  const b0 = buf[byte];
  const b1 = buf[byte + 1];
  const fb8 = 8 - fb;
  if (count <= (((b0 >>> fb) | (b1 << fb8)) & HLL_REGISTER_MAX)) return 0;
  buf[byte] = (b0 & ~(HLL_REGISTER_MAX << fb)) | (count << fb);
  buf[byte + 1] = (b1 & ~(HLL_REGISTER_MAX >>> fb8)) | (count >>> fb8);
  return 1;
}

// ---------------------------------------------------------------- sparse

/** The byte at `i` <= len: past the content, the terminator kept after it (zero when the buffer has no room for one). */
function byteAt(buf: Uint8Array, i: number): number {
  return i < buf.length ? buf[i] : 0;
}

/**
 * Converts a sparse HLL to dense in place (hllSparseToDense): the header is
 * kept (cached cardinality included), the encoding byte becomes dense.
 * False, leaving the value as it was, when the opcodes do not cover
 * exactly the 16384 registers (a run past the last register is corrupt
 * even where it ends the string, as in Redis 7.0.15 with the fix for
 * CVE-2025-32023 that the reference build carries). A dense HLL is left
 * alone.
 */
export function sparseToDense(h: HllBytes): boolean {
  const src = h.buf;
  if (src[4] === HLL_DENSE) return true;
  const dense = Buffer.alloc(HLL_DENSE_SIZE);
  src.copy(dense, 0, 0, HLL_HDR_SIZE);
  dense[4] = HLL_DENSE;
  const end = h.len;
  let idx = 0;
  let p = HLL_HDR_SIZE;
  while (p < end) {
    const op = src[p];
    if ((op & 0xc0) === 0) {
      idx += (op & 0x3f) + 1;
      p++;
    } else if ((op & 0xc0) === 0x40) {
      idx += (((op & 0x3f) << 8) | byteAt(src, p + 1)) + 1;
      p += 2;
    } else {
      let runlen = (op & 3) + 1;
      const regval = ((op >>> 2) & 0x1f) + 1;
      if (runlen + idx > HLL_REGISTERS) return false;
      while (runlen-- > 0) denseSetRegister(dense, HLL_HDR_SIZE, idx++, regval);
      p++;
    }
  }
  if (idx !== HLL_REGISTERS) return false;
  h.buf = dense;
  h.len = HLL_DENSE_SIZE;
  return true;
}

/**
 * Makes room for 3 more bytes after h.len and the terminator after them
 * (an update grows the sparse form by at most 3), keeping the terminator.
 */
function ensureRoom(h: HllBytes): void {
  const len = h.len;
  if (len + 4 <= h.buf.length) return;
  const nb = Buffer.allocUnsafe(len + 4 + Math.min(len, 300));
  h.buf.copy(nb, 0, 0, len);
  nb[len] = byteAt(h.buf, len);
  h.buf = nb;
}

const seq = new Uint8Array(5);

function valOp(val: number, len: number): number {
  return ((val - 1) << 2) | (len - 1) | 0x80;
}

/** Writes a ZERO or XZERO run of `len` registers at seq[n]; returns the next position. */
function zeroRun(n: number, len: number): number {
  if (len > SPARSE_ZERO_MAX_LEN) {
    seq[n] = ((len - 1) >> 8) | 0x40;
    seq[n + 1] = (len - 1) & 0xff;
    return n + 2;
  }
  seq[n] = len - 1;
  return n + 1;
}

/**
 * Raises register `index` of a sparse HLL to `count` if lower
 * (hllSparseSet), step for step as Redis does, so that the bytes come out
 * the same: the opcode covering the register is split (ZERO/XZERO into
 * zeros, VAL, zeros; VAL into up to three VALs), then adjacent equal VALs
 * are merged over at most five opcodes from the previous one. The HLL
 * becomes dense first when `count` does not fit a VAL or the string would
 * pass `maxBytes`. Returns 1 when the register changed, 0 when not, -1 for
 * a corrupted HLL (the register not covered, or an invalid promotion).
 */
export function sparseSet(h: HllBytes, index: number, count: number, maxBytes: number): number {
  if (count > SPARSE_VAL_MAX_VALUE) return promote(h, index, count);
  ensureRoom(h);
  const buf = h.buf;
  let end = h.len;

  // Step 1: find the opcode covering the register.
  let p = HLL_HDR_SIZE;
  let first = 0;
  let prev = -1;
  let span = 0;
  while (p < end) {
    const op = buf[p];
    let oplen = 1;
    if ((op & 0xc0) === 0) span = (op & 0x3f) + 1;
    else if ((op & 0x80) !== 0) span = (op & 3) + 1;
    else {
      span = (((op & 0x3f) << 8) | byteAt(buf, p + 1)) + 1;
      oplen = 2;
    }
    if (index <= first + span - 1) break;
    prev = p;
    p += oplen;
    first += span;
  }
  if (span === 0 || p >= end) return -1;

  const op = buf[p];
  const isXzero = (op & 0xc0) === 0x40;
  let next = isXzero ? p + 2 : p + 1;
  if (next >= end) next = -1;
  const isZero = (op & 0xc0) === 0;
  const isVal = (op & 0x80) !== 0;
  const runlen = isZero ? (op & 0x3f) + 1 : isXzero ? (((op & 0x3f) << 8) | byteAt(buf, p + 1)) + 1 : (op & 3) + 1;

  // Step 2: the trivial cases, then the split.
  updated: {
    if (isVal) {
      const oldcount = ((op >>> 2) & 0x1f) + 1;
      if (oldcount >= count) return 0;
      if (runlen === 1) {
        buf[p] = valOp(count, 1);
        break updated;
      }
    }
    if (isZero && runlen === 1) {
      buf[p] = valOp(count, 1);
      break updated;
    }
    const last = first + span - 1;
    let n = 0;
    if (isZero || isXzero) {
      if (index !== first) n = zeroRun(n, index - first);
      seq[n++] = valOp(count, 1);
      if (index !== last) n = zeroRun(n, last - index);
    } else {
      const curval = ((op >>> 2) & 0x1f) + 1;
      if (index !== first) seq[n++] = valOp(curval, index - first);
      seq[n++] = valOp(count, 1);
      if (index !== last) seq[n++] = valOp(curval, last - index);
    }
    // Step 3: the new sequence replaces the opcode.
    const deltalen = n - (isXzero ? 2 : 1);
    if (deltalen > 0 && h.len + deltalen > maxBytes) return promote(h, index, count);
    if (deltalen !== 0 && next >= 0) buf.copyWithin(next + deltalen, next, end);
    h.len += deltalen;
    buf[h.len] = 0;
    // (Where an XZERO cut short is replaced, this writes past the new end, over the terminator, as in Redis.)
    for (let i = 0; i < n; i++) buf[p + i] = seq[i];
    end += deltalen;
  }

  // Step 4: merge adjacent VALs of the same value, from the previous opcode on.
  p = prev >= 0 ? prev : HLL_HDR_SIZE;
  let scanlen = 5;
  while (p < end && scanlen-- > 0) {
    const o = buf[p];
    if ((o & 0xc0) === 0x40) {
      p += 2;
      continue;
    } else if ((o & 0xc0) === 0) {
      p++;
      continue;
    }
    if (p + 1 < end && (buf[p + 1] & 0x80) !== 0) {
      const o2 = buf[p + 1];
      const v1 = ((o >>> 2) & 0x1f) + 1;
      if (v1 === ((o2 >>> 2) & 0x1f) + 1) {
        const len = (o & 3) + (o2 & 3) + 2;
        if (len <= SPARSE_VAL_MAX_LEN) {
          buf[p + 1] = valOp(v1, len);
          buf.copyWithin(p, p + 1, end);
          h.len--;
          end--;
          buf[end] = 0;
          continue;
        }
      }
    }
    p++;
  }
  invalidateCache(buf);
  return 1;
}

/** Sparse to dense, then the register set there (the promotion of hllSparseSet). */
function promote(h: HllBytes, index: number, count: number): number {
  if (!sparseToDense(h)) return -1;
  denseSet(h.buf, index, count);
  return 1;
}

/**
 * Adds an element (a latin1 string): 1 when a register changed, 0 when
 * not, -1 for a corrupted sparse HLL or an unknown encoding (hllAdd).
 */
export function hllAdd(h: HllBytes, ele: string, maxBytes: number): number {
  hashString(ele);
  const pat = patLen();
  const index = pat & (HLL_REGISTERS - 1);
  const count = pat >>> HLL_P;
  const enc = h.buf[4];
  if (enc === HLL_DENSE) return denseSet(h.buf, index, count);
  if (enc === HLL_SPARSE) return sparseSet(h, index, count, maxBytes);
  return -1;
}

// ---------------------------------------------------------------- counting

/** Register histogram, shared by every count (one synchronous call at a time). */
const histo = new Int32Array(64);

/**
 * Histogram of dense registers starting at `at`: sixteen registers (three
 * 32-bit little-endian words) at a time, as Redis's hllDenseRegHisto.
 */
function denseHisto(buf: Uint8Array, at: number): void {
  const h = histo;
  const dv = new DataView(buf.buffer, buf.byteOffset + at, (HLL_REGISTERS * HLL_BITS) / 8);
  const end = dv.byteLength;
  for (let p = 0; p < end; p += 12) {
    const a = dv.getUint32(p, true);
    const b = dv.getUint32(p + 4, true);
    const c = dv.getUint32(p + 8, true);
    h[a & 63]++;
    h[(a >>> 6) & 63]++;
    h[(a >>> 12) & 63]++;
    h[(a >>> 18) & 63]++;
    h[(a >>> 24) & 63]++;
    h[((a >>> 30) | (b << 2)) & 63]++;
    h[(b >>> 4) & 63]++;
    h[(b >>> 10) & 63]++;
    h[(b >>> 16) & 63]++;
    h[(b >>> 22) & 63]++;
    h[((b >>> 28) | (c << 4)) & 63]++;
    h[(c >>> 2) & 63]++;
    h[(c >>> 8) & 63]++;
    h[(c >>> 14) & 63]++;
    h[(c >>> 20) & 63]++;
    h[c >>> 26]++;
  }
}

/** Histogram of sparse opcodes; false when they do not cover exactly 16384 registers. */
function sparseHisto(buf: Uint8Array, len: number): boolean {
  const h = histo;
  let idx = 0;
  let p = HLL_HDR_SIZE;
  while (p < len) {
    const op = buf[p];
    if ((op & 0xc0) === 0) {
      const run = (op & 0x3f) + 1;
      idx += run;
      h[0] += run;
      p++;
    } else if ((op & 0xc0) === 0x40) {
      const run = (((op & 0x3f) << 8) | byteAt(buf, p + 1)) + 1;
      idx += run;
      h[0] += run;
      p += 2;
    } else {
      const run = (op & 3) + 1;
      idx += run;
      h[((op >>> 2) & 0x1f) + 1] += run;
      p++;
    }
  }
  return idx === HLL_REGISTERS;
}

function sigma(x: number): number {
  if (x === 1) return Infinity;
  let zPrime: number;
  let y = 1;
  let z = x;
  do {
    x *= x;
    zPrime = z;
    z += x * y;
    y += y;
  } while (zPrime !== z);
  return z;
}

function tau(x: number): number {
  if (x === 0 || x === 1) return 0;
  let zPrime: number;
  let y = 1.0;
  let z = 1 - x;
  do {
    x = Math.sqrt(x);
    zPrime = z;
    y *= 0.5;
    const d = 1 - x;
    z -= d * d * y;
  } while (zPrime !== z);
  return z / 3;
}

/**
 * The estimate from the histogram (Ertl's estimator, as hllCount), rounded
 * half away from zero; an estimate past what a long long holds gives 2^63,
 * as Redis's llroundl does (its cached value then reads as invalid).
 */
function estimate(): number {
  const h = histo;
  const m = HLL_REGISTERS;
  let z = m * tau((m - h[HLL_Q + 1]) / m);
  for (let j = HLL_Q; j >= 1; --j) {
    z += h[j];
    z *= 0.5;
  }
  z += m * sigma(h[0] / m);
  const e = Math.round((ALPHA_INF * m * m) / z);
  return e < TWO63 ? e : TWO63;
}

/**
 * The estimated cardinality of an HLL (hllCount on its registers), or -1
 * when a sparse HLL is corrupted. Valid only on a value isHllBytes accepts.
 */
export function hllCount(buf: Buffer, len: number): number {
  histo.fill(0);
  if (buf[4] === HLL_DENSE) denseHisto(buf, HLL_HDR_SIZE);
  else if (!sparseHisto(buf, len)) return -1;
  return estimate();
}

/** The estimated cardinality of raw registers, one byte each (PFCOUNT of several keys), four at a time. */
export function rawCount(max: Uint8Array): number {
  const h = histo;
  h.fill(0);
  const dv = new DataView(max.buffer, max.byteOffset, HLL_REGISTERS);
  for (let i = 0; i < HLL_REGISTERS; i += 4) {
    const w = dv.getUint32(i, true);
    if (w === 0) {
      h[0] += 4;
      continue;
    }
    h[w & 0xff]++;
    h[(w >>> 8) & 0xff]++;
    h[(w >>> 16) & 0xff]++;
    h[w >>> 24]++;
  }
  return estimate();
}

/**
 * max[i] = MAX(max[i], register i) over an HLL (hllMerge); false when a
 * sparse HLL does not cover exactly the 16384 registers (`max` is then
 * partly merged).
 */
export function hllMerge(max: Uint8Array, buf: Buffer, len: number): boolean {
  if (buf[4] === HLL_DENSE) {
    // Sixteen registers (three little-endian words) at a time.
    const dv = new DataView(buf.buffer, buf.byteOffset + HLL_HDR_SIZE, (HLL_REGISTERS * HLL_BITS) / 8);
    const end = dv.byteLength;
    for (let p = 0, i = 0; p < end; p += 12, i += 16) {
      const a = dv.getUint32(p, true);
      const b = dv.getUint32(p + 4, true);
      const c = dv.getUint32(p + 8, true);
      let r = a & 63;
      if (r > max[i]) max[i] = r;
      r = (a >>> 6) & 63;
      if (r > max[i + 1]) max[i + 1] = r;
      r = (a >>> 12) & 63;
      if (r > max[i + 2]) max[i + 2] = r;
      r = (a >>> 18) & 63;
      if (r > max[i + 3]) max[i + 3] = r;
      r = (a >>> 24) & 63;
      if (r > max[i + 4]) max[i + 4] = r;
      r = ((a >>> 30) | (b << 2)) & 63;
      if (r > max[i + 5]) max[i + 5] = r;
      r = (b >>> 4) & 63;
      if (r > max[i + 6]) max[i + 6] = r;
      r = (b >>> 10) & 63;
      if (r > max[i + 7]) max[i + 7] = r;
      r = (b >>> 16) & 63;
      if (r > max[i + 8]) max[i + 8] = r;
      r = (b >>> 22) & 63;
      if (r > max[i + 9]) max[i + 9] = r;
      r = ((b >>> 28) | (c << 4)) & 63;
      if (r > max[i + 10]) max[i + 10] = r;
      r = (c >>> 2) & 63;
      if (r > max[i + 11]) max[i + 11] = r;
      r = (c >>> 8) & 63;
      if (r > max[i + 12]) max[i + 12] = r;
      r = (c >>> 14) & 63;
      if (r > max[i + 13]) max[i + 13] = r;
      r = (c >>> 20) & 63;
      if (r > max[i + 14]) max[i + 14] = r;
      r = c >>> 26;
      if (r > max[i + 15]) max[i + 15] = r;
    }
    return true;
  }
  let i = 0;
  let p = HLL_HDR_SIZE;
  while (p < len) {
    const op = buf[p];
    if ((op & 0xc0) === 0) {
      i += (op & 0x3f) + 1;
      p++;
    } else if ((op & 0xc0) === 0x40) {
      i += (((op & 0x3f) << 8) | byteAt(buf, p + 1)) + 1;
      p += 2;
    } else {
      let run = (op & 3) + 1;
      const val = ((op >>> 2) & 0x1f) + 1;
      if (run + i > HLL_REGISTERS) return false;
      while (run-- > 0) {
        if (val > max[i]) max[i] = val;
        i++;
      }
      p++;
    }
  }
  return i === HLL_REGISTERS;
}

/** Writes raw registers (one byte each) as the registers of a dense HLL. */
export function denseFromRaw(buf: Buffer, max: Uint8Array): void {
  let p = HLL_HDR_SIZE;
  for (let i = 0; i < HLL_REGISTERS; i += 4, p += 3) {
    const w = max[i] | (max[i + 1] << 6) | (max[i + 2] << 12) | (max[i + 3] << 18);
    buf[p] = w;
    buf[p + 1] = w >>> 8;
    buf[p + 2] = w >>> 16;
  }
}

// ---------------------------------------------------------------- debugging

/** The 16384 registers of a dense HLL. */
export function denseRegisters(buf: Buffer): number[] {
  const out = new Array<number>(HLL_REGISTERS);
  for (let i = 0; i < HLL_REGISTERS; i++) out[i] = denseGet(buf, HLL_HDR_SIZE, i);
  return out;
}

/** The opcodes of a sparse HLL as PFDEBUG DECODE shows them ("Z:8436 v:1,1 ..."). */
export function decodeSparse(buf: Buffer, len: number): string {
  const parts: string[] = [];
  let p = HLL_HDR_SIZE;
  while (p < len) {
    const op = buf[p];
    if ((op & 0xc0) === 0) {
      parts.push(`z:${(op & 0x3f) + 1}`);
      p++;
    } else if ((op & 0xc0) === 0x40) {
      parts.push(`Z:${(((op & 0x3f) << 8) | byteAt(buf, p + 1)) + 1}`);
      p += 2;
    } else {
      parts.push(`v:${((op >>> 2) & 0x1f) + 1},${(op & 3) + 1}`);
      p++;
    }
  }
  return parts.join(' ');
}

/**
 * PFSELFTEST: dense registers keep what is set in them without touching
 * their neighbours; then 10M distinct elements go into a dense and a
 * sparse HLL, which must agree (the sparse one still sparse while small)
 * and stay within six standard errors at each power of ten. Null when
 * everything passed, else Redis's error text.
 */
export function selfTest(maxBytes: number, random: () => number = Math.random): string | null {
  const dense = Buffer.alloc(HLL_DENSE_SIZE);
  const bytes = new Uint8Array(HLL_REGISTERS);
  const rand = (): number => Math.floor(random() * 0x80000000);
  for (let j = 0; j < 1000; j++) {
    for (let i = 0; i < HLL_REGISTERS; i++) {
      const r = rand() & HLL_REGISTER_MAX;
      bytes[i] = r;
      denseSetRegister(dense, HLL_HDR_SIZE, i, r);
    }
    for (let i = 0; i < HLL_REGISTERS; i++) {
      const val = denseGet(dense, HLL_HDR_SIZE, i);
      if (val !== bytes[i]) return `TESTFAILED Register ${i} should be ${bytes[i]} but is ${val}`;
    }
  }

  dense.fill(0);
  const o = createHll();
  const relerr = 1.04 / Math.sqrt(HLL_REGISTERS);
  let checkpoint = 1;
  const seedLo = rand() >>> 0;
  const seedHi = (rand() ^ (rand() << 1)) >>> 0;
  for (let j = 1; j <= 10000000; j++) {
    hashWord(seedHi, (j ^ seedLo) >>> 0);
    const pat = patLen();
    const index = pat & (HLL_REGISTERS - 1);
    const count = pat >>> HLL_P;
    denseSet(dense, index, count);
    if (o.buf[4] === HLL_DENSE) denseSet(o.buf, index, count);
    else sparseSet(o, index, count, maxBytes);
    if (j !== checkpoint) continue;
    if (j < Math.floor(maxBytes / 2) && o.buf[4] !== HLL_SPARSE) return 'TESTFAILED sparse encoding not used';
    const card = hllCount(dense, HLL_DENSE_SIZE);
    if (card !== hllCount(o.buf, o.len)) return 'TESTFAILED dense/sparse disagree';
    const abserr = Math.abs(checkpoint - card);
    const maxerr = j === 10 ? 1 : Math.ceil(relerr * 6 * checkpoint);
    if (abserr > maxerr) return `TESTFAILED Too big error. card:${checkpoint} abserr:${abserr}`;
    checkpoint *= 10;
  }
  return null;
}
