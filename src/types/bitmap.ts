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

function popcount32(x: number): number {
  x = x - ((x >>> 1) & 0x55555555);
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  x = (x + (x >>> 4)) & 0x0f0f0f0f;
  return Math.imul(x, 0x01010101) >>> 24;
}

/** Byte at index i of the source (0 beyond len). */
export function byteAt(src: ByteSource, len: number, i: number): number {
  if (i >= len) return 0;
  return typeof src === 'string' ? src.charCodeAt(i) : src[i];
}

/** Number of set bits in bytes [start, end] (inclusive, both within the source). */
export function popcount(src: ByteSource, start: number, end: number): number {
  let n = 0;
  if (typeof src === 'string') {
    for (let i = start; i <= end; i++) n += POPCOUNT8[src.charCodeAt(i) & 0xff];
    return n;
  }
  let i = start;
  const stop = end + 1;
  // Leading bytes up to 4-byte alignment of the underlying memory.
  while (i < stop && ((src.byteOffset + i) & 3) !== 0) n += POPCOUNT8[src[i++]];
  const words = (stop - i) >> 2;
  if (words > 0) {
    const w = new Uint32Array(src.buffer, src.byteOffset + i, words);
    for (let k = 0; k < words; k++) n += popcount32(w[k]);
    i += words << 2;
  }
  while (i < stop) n += POPCOUNT8[src[i++]];
  return n;
}

/**
 * Index of the first byte in [from, to) that is not `skip` (0x00 or 0xff),
 * or `to` when every byte equals it.
 */
function skipBytes(src: ByteSource, from: number, to: number, skip: number): number {
  let i = from;
  if (typeof src === 'string') {
    while (i < to && src.charCodeAt(i) === skip) i++;
    return i;
  }
  while (i < to && ((src.byteOffset + i) & 3) !== 0) {
    if (src[i] !== skip) return i;
    i++;
  }
  const words = (to - i) >> 2;
  if (words > 0) {
    const w = new Uint32Array(src.buffer, src.byteOffset + i, words);
    const skipWord = skip === 0 ? 0 : 0xffffffff;
    let k = 0;
    while (k < words && w[k] === skipWord) k++;
    i += k << 2;
  }
  while (i < to && src[i] === skip) i++;
  return i;
}

/**
 * Absolute position of the first bit equal to `bit` within bit positions
 * [sb, eb] of the source (both inside the string), or -1 when none is.
 */
export function findBit(src: ByteSource, len: number, sb: number, eb: number, bit: 0 | 1): number {
  const target = bit ? 0 : 0xff; // a byte with no match
  let pos = sb;
  // Leading partial byte.
  while (pos <= eb && (pos & 7) !== 0) {
    if (((byteAt(src, len, pos >> 3) >> (7 - (pos & 7))) & 1) === bit) return pos;
    pos++;
  }
  if (pos > eb) return -1;
  // Whole bytes.
  const lastWhole = (eb + 1) >> 3; // exclusive byte bound of the whole bytes
  let byte = pos >> 3;
  if (byte < lastWhole) {
    byte = skipBytes(src, byte, lastWhole, target);
    if (byte < lastWhole) {
      const v = byteAt(src, len, byte);
      for (let k = 0; k < 8; k++) if (((v >> (7 - k)) & 1) === bit) return byte * 8 + k;
    }
    pos = lastWhole * 8;
  }
  // Trailing partial byte.
  for (; pos <= eb; pos++) {
    if (((byteAt(src, len, pos >> 3) >> (7 - (pos & 7))) & 1) === bit) return pos;
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
