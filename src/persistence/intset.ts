/**
 * Intset (intset.c): <encoding uint32 LE: 2, 4 or 8> <length uint32 LE>
 * <length sorted signed integers, little-endian, encoding bytes each>.
 */

const INT16_MIN = -32768n;
const INT16_MAX = 32767n;
const INT32_MIN = -2147483648n;
const INT32_MAX = 2147483647n;
const INT64_MIN = -(1n << 63n);
const INT64_MAX = (1n << 63n) - 1n;

/**
 * Encodes already sorted, distinct int64 values with the smallest encoding
 * that holds all of them (what _intsetValueEncoding / intsetUpgradeAndAdd
 * end up with; an empty set gets INTSET_ENC_INT16 as intsetNew does).
 */
export function intsetEncode(sortedInts: bigint[] | string[]): Buffer {
  const vals = (sortedInts as (bigint | string)[]).map((x) => (typeof x === 'bigint' ? x : BigInt(x)));
  let enc = 2;
  for (const v of vals) {
    if (v < INT64_MIN || v > INT64_MAX) throw new RangeError('intset value out of int64 range');
    if (v < INT32_MIN || v > INT32_MAX) enc = 8;
    else if (enc < 4 && (v < INT16_MIN || v > INT16_MAX)) enc = 4;
  }
  const out = Buffer.allocUnsafe(8 + vals.length * enc);
  out.writeUInt32LE(enc, 0);
  out.writeUInt32LE(vals.length, 4);
  let p = 8;
  for (const v of vals) {
    if (enc === 2) out.writeInt16LE(Number(v), p);
    else if (enc === 4) out.writeInt32LE(Number(v), p);
    else out.writeBigInt64LE(v, p);
    p += enc;
  }
  return out;
}

/**
 * The members as decimal strings, or null unless the blob passes
 * intsetValidateIntegrity(deep): valid encoding, 8 + length * encoding equal
 * to the blob size, not empty, values strictly increasing.
 */
export function intsetDecode(blob: Buffer): string[] | null {
  if (blob.length < 8) return null;
  const enc = blob.readUInt32LE(0);
  if (enc !== 2 && enc !== 4 && enc !== 8) return null;
  const count = blob.readUInt32LE(4);
  if (8 + count * enc !== blob.length) return null;
  if (count === 0) return null;
  const out: string[] = new Array(count);
  if (enc === 8) {
    let prev = 0n;
    for (let i = 0; i < count; i++) {
      const v = blob.readBigInt64LE(8 + i * 8);
      if (i > 0 && v <= prev) return null;
      prev = v;
      out[i] = v.toString();
    }
  } else {
    let prev = 0;
    for (let i = 0; i < count; i++) {
      const v = enc === 2 ? blob.readInt16LE(8 + i * 2) : blob.readInt32LE(8 + i * 4);
      if (i > 0 && v <= prev) return null;
      prev = v;
      out[i] = String(v);
    }
  }
  return out;
}
