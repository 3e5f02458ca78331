/**
 * Pure bitmap helpers (bitops.c semantics): population count, first set /
 * clear bit search, and arbitrary-width integer fields read and written at
 * any bit offset. Bit 0 is the most significant bit of the first byte.
 *
 * A source is either a latin1 JS string (one char per byte) or a Buffer;
 * `len` bounds the bytes that exist (the rest reads as zeros).
 */

export type ByteSource = string | Buffer;

/** Bits set in each byte value. */
export const POPCOUNT8 = new Uint8Array(256);
for (let i = 1; i < 256; i++) POPCOUNT8[i] = (i & 1) + POPCOUNT8[i >> 1];

/*
 * Offsets here are byte indexes up to 2^29 (and more with a larger
 * proto-max-bulk-len) and bit positions up to 2^32 - 1: they are divided
 * and reduced with plain arithmetic (Math.floor(x / 8), x % 8), never with
 * the 32-bit operators, which are kept for byte and word values.
 *
 * Long ranges go a block at a time: a block of all zeros (or all ones) is
 * recognised by one native comparison, so a mostly empty 512 MB value is
 * scanned in tens of milliseconds.
 */

/** Bytes compared at once against a block of zeros or ones (a multiple of 4). */
export const BLOCK = 65536;
/** BLOCK zero bytes, and BLOCK 0xff bytes. */
export const ZEROS = Buffer.alloc(BLOCK);
const ONES = Buffer.alloc(BLOCK, 0xff);

/** Below this many bytes, ranges are walked byte by byte. */
const SHORT = 64;

let scratch: Buffer | null = null;

/** Bytes [from, from + n) of a latin1 string (n <= BLOCK), copied into a shared buffer aligned to 4. */
function stringBlock(s: string, from: number, n: number): Buffer {
  if (scratch === null) scratch = Buffer.alloc(BLOCK);
  scratch.write(s.substring(from, from + n), 0, n, 'latin1');
  return scratch;
}

/** Byte at index i of the source (0 beyond len). */
export function byteAt(src: ByteSource, len: number, i: number): number {
  if (i >= len) return 0;
  return typeof src === 'string' ? src.charCodeAt(i) : src[i];
}

/** Set bits in words [from, to) of w. */
function countWords(w: Uint32Array, from: number, to: number): number {
  let n = 0;
  let k = from;
  while (k < to) {
    // Per-byte counts (at most 8 per word) add up in the bytes of `acc`
    // for 30 words (at most 240 per byte) before they are summed.
    const stop = Math.min(k + 30, to);
    let acc = 0;
    for (; k < stop; k++) {
      let x = w[k];
      x = x - ((x >>> 1) & 0x55555555);
      x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
      acc += (x + (x >>> 4)) & 0x0f0f0f0f;
    }
    acc = (acc & 0x00ff00ff) + ((acc >>> 8) & 0x00ff00ff);
    n += (acc & 0xffff) + (acc >>> 16);
  }
  return n;
}

/** Set bits in bytes [from, to) of a buffer. */
function countBuffer(b: Buffer, from: number, to: number): number {
  let n = 0;
  let i = from;
  if (to - i >= SHORT) {
    // Leading bytes up to 4-byte alignment of the underlying memory.
    while ((b.byteOffset + i) % 4 !== 0) n += POPCOUNT8[b[i++]];
    const words = Math.floor((to - i) / 4);
    const w = new Uint32Array(b.buffer, b.byteOffset + i, words);
    for (let k = 0; k < words; k += BLOCK / 4) {
      const kEnd = Math.min(k + BLOCK / 4, words);
      const at = i + k * 4;
      const bytes = (kEnd - k) * 4;
      if (ZEROS.compare(b, at, at + bytes, 0, bytes) !== 0) n += countWords(w, k, kEnd);
    }
    i += words * 4;
  }
  while (i < to) n += POPCOUNT8[b[i++]];
  return n;
}

/** Number of set bits in bytes [start, end] (inclusive, both within the source). */
export function popcount(src: ByteSource, start: number, end: number): number {
  const stop = end + 1;
  if (typeof src !== 'string') return countBuffer(src, start, stop);
  let n = 0;
  if (stop - start < SHORT) {
    for (let i = start; i < stop; i++) n += POPCOUNT8[src.charCodeAt(i) & 0xff];
    return n;
  }
  for (let i = start; i < stop; i += BLOCK) {
    const m = Math.min(BLOCK, stop - i);
    n += countBuffer(stringBlock(src, i, m), 0, m);
  }
  return n;
}

/** Index of the first byte in [from, to) of a buffer that is not `skip` (0x00 or 0xff), or `to`. */
function skipInBuffer(b: Buffer, from: number, to: number, skip: number): number {
  let i = from;
  if (to - i >= SHORT) {
    const same = skip === 0 ? ZEROS : ONES;
    for (;;) {
      const n = Math.min(BLOCK, to - i);
      if (n < SHORT || same.compare(b, i, i + n, 0, n) !== 0) break;
      i += n;
    }
  }
  while (i < to && b[i] === skip) i++;
  return i;
}

/**
 * Index of the first byte in [from, to) that is not `skip` (0x00 or 0xff),
 * or `to` when every byte equals it.
 */
function skipBytes(src: ByteSource, from: number, to: number, skip: number): number {
  if (typeof src !== 'string') return skipInBuffer(src, from, to, skip);
  if (to - from < SHORT) {
    let i = from;
    while (i < to && src.charCodeAt(i) === skip) i++;
    return i;
  }
  for (let i = from; i < to; i += BLOCK) {
    const n = Math.min(BLOCK, to - i);
    const k = skipInBuffer(stringBlock(src, i, n), 0, n, skip);
    if (k < n) return i + k;
  }
  return to;
}

/** First bit k in [from, to] (0 = most significant) of byte v equal to `bit`, or -1. */
function bitInByte(v: number, from: number, to: number, bit: 0 | 1): number {
  for (let k = from; k <= to; k++) if (((v >> (7 - k)) & 1) === bit) return k;
  return -1;
}

/**
 * Absolute position of the first bit equal to `bit` within bit positions
 * [sb, eb] of the source (both inside the string), or -1 when none is.
 */
export function findBit(src: ByteSource, len: number, sb: number, eb: number, bit: 0 | 1): number {
  if (sb > eb) return -1;
  let byte = Math.floor(sb / 8);
  const lastByte = Math.floor(eb / 8);
  const firstBit = sb - byte * 8;
  const lastBit = eb - lastByte * 8;
  if (byte === lastByte) {
    const k = bitInByte(byteAt(src, len, byte), firstBit, lastBit, bit);
    return k < 0 ? -1 : byte * 8 + k;
  }
  // Leading partial byte.
  if (firstBit !== 0) {
    const k = bitInByte(byteAt(src, len, byte), firstBit, 7, bit);
    if (k >= 0) return byte * 8 + k;
    byte++;
  }
  // Whole bytes, the last one included when the range ends on its last bit.
  const wholeEnd = lastBit === 7 ? lastByte + 1 : lastByte;
  if (byte < wholeEnd) {
    const f = skipBytes(src, byte, wholeEnd, bit ? 0 : 0xff);
    if (f < wholeEnd) return f * 8 + bitInByte(byteAt(src, len, f), 0, 7, bit);
  }
  // Trailing partial byte.
  if (lastBit !== 7) {
    const k = bitInByte(byteAt(src, len, lastByte), 0, lastBit, bit);
    if (k >= 0) return lastByte * 8 + k;
  }
  return -1;
}

/* ------------------------------------------------------------------------
 * Bit fields.
 * --------------------------------------------------------------------- */

/** Unsigned value of `bits` (1..32) bits at bit `offset`, as a number. */
export function getFieldSmall(src: ByteSource, len: number, offset: number, bits: number): number {
  let v = 0;
  for (let j = 0; j < bits; j++, offset++) {
    const b = (byteAt(src, len, Math.floor(offset / 8)) >> (7 - (offset % 8))) & 1;
    v = v * 2 + b;
  }
  return v;
}

/** Unsigned value of `bits` (1..64) bits at bit `offset`, as a bigint. */
export function getField(src: ByteSource, len: number, offset: number, bits: number): bigint {
  if (bits <= 32) return BigInt(getFieldSmall(src, len, offset, bits));
  const hi = getFieldSmall(src, len, offset, bits - 32);
  const lo = getFieldSmall(src, len, offset + bits - 32, 32);
  return (BigInt(hi) << 32n) | BigInt(lo);
}

/** Writes the low `bits` (1..32) bits of a non-negative number at bit `offset`. */
export function setFieldSmall(buf: Buffer, offset: number, bits: number, value: number): void {
  for (let j = bits - 1; j >= 0; j--, offset++) {
    const bitval = Math.floor(value / 2 ** j) & 1;
    const byte = Math.floor(offset / 8);
    const mask = 1 << (7 - (offset % 8));
    if (bitval) buf[byte] |= mask;
    else buf[byte] &= ~mask;
  }
}

/** Writes the low `bits` (1..64) bits of a value (two's complement) at bit `offset`. */
export function setField(buf: Buffer, offset: number, bits: number, value: bigint): void {
  const u = BigInt.asUintN(64, value);
  if (bits <= 32) {
    setFieldSmall(buf, offset, bits, Number(u & 0xffffffffn));
    return;
  }
  setFieldSmall(buf, offset, bits - 32, Number((u >> 32n) & 0xffffffffn));
  setFieldSmall(buf, offset + bits - 32, 32, Number(u & 0xffffffffn));
}

export const enum Overflow {
  Wrap = 0,
  Sat = 1,
  Fail = 2,
}

/**
 * Result of storing value+incr in a field: the value to store, or null when
 * the operation overflows under FAIL. Emulates Redis's 64-bit arithmetic
 * exactly (including its int64 wrap-around in the overflow tests), so any
 * int64 input behaves as it does in Redis.
 */
export function fieldResult(signed: boolean, bits: number, value: bigint, incr: bigint, ow: Overflow): bigint | null {
  if (!signed) {
    // value is the unsigned 64-bit interpretation.
    const max = (1n << BigInt(bits)) - 1n;
    const maxincr = BigInt.asIntN(64, max - value);
    const minincr = BigInt.asIntN(64, -value);
    let limit: bigint;
    if (value > max || (incr > 0n && incr > maxincr)) limit = max;
    else if (incr < 0n && incr < minincr) limit = 0n;
    else return BigInt.asUintN(64, value + incr);
    if (ow === Overflow.Fail) return null;
    if (ow === Overflow.Sat) return limit;
    return BigInt.asUintN(bits, value + incr);
  }
  const max = bits === 64 ? (1n << 63n) - 1n : (1n << BigInt(bits - 1)) - 1n;
  const min = -max - 1n;
  const maxincr = BigInt.asIntN(64, max - value);
  const minincr = BigInt.asIntN(64, min - value);
  let limit: bigint;
  if (value > max || (bits !== 64 && incr > maxincr) || (value >= 0n && incr > 0n && incr > maxincr)) limit = max;
  else if (value < min || (bits !== 64 && incr < minincr) || (value < 0n && incr < 0n && incr < minincr)) limit = min;
  else return value + incr;
  if (ow === Overflow.Fail) return null;
  if (ow === Overflow.Sat) return limit;
  return BigInt.asIntN(bits, value + incr);
}

/**
 * The same for fields of at most 32 bits with a safe-integer operand, in
 * plain numbers (the common case). `value` is the field's current value
 * for INCRBY, 0 for SET (the operand being the new value).
 */
export function fieldResultSmall(signed: boolean, bits: number, value: number, incr: number, ow: Overflow, isSet: boolean): number | null {
  const r = value + incr;
  const span = 2 ** bits;
  let max: number;
  let min: number;
  if (signed) {
    max = span / 2 - 1;
    min = -span / 2;
  } else {
    max = span - 1;
    min = 0;
  }
  if (r >= min && r <= max) return r;
  if (ow === Overflow.Fail) return null;
  // SET of a negative value in an unsigned field: Redis sees a huge
  // unsigned 64-bit value, an overflow upwards.
  if (ow === Overflow.Sat) return r > max || (isSet && !signed) ? max : min;
  let w = r % span;
  if (w < 0) w += span;
  if (signed && w > max) w -= span;
  return w;
}
