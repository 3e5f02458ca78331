/**
 * Reader for the zipmap format (zipmap.c), RDB_TYPE_HASH_ZIPMAP in very old
 * RDB files.
 *
 * Layout: <count byte (254 = unknown)> (<len>field<len><free>value<free bytes>)... <0xFF>
 * A <len> is one byte when < 254, else the byte 254 followed by a uint32 LE
 * (zipmapDecodeLength; zipmapGetEncodedLengthSize treats any byte >= 254 as
 * the 5-byte form). <free> is one byte counting unused bytes after the value.
 */

/**
 * Field, value, field, value... as latin1 strings, or null unless the blob
 * passes zipmapValidateIntegrity(deep): 0xFF at the end, every length and
 * body inside the blob, at least one pair, and the count byte matching
 * unless it is 254.
 */
export function zipmapPairs(zm: Buffer): string[] | null {
  const size = zm.length;
  if (size < 2) return null;
  const last = size - 1;
  if (zm[last] !== 0xff) return null;
  const out: string[] = [];
  let count = 0;
  let p = 1; // skip the count
  // OUT_OF_RANGE(x): x < 2 || x > last; p >= 1 always, so only the upper bound matters
  const lenAt = (q: number): number => (zm[q] < 254 ? zm[q] : zm.readUInt32LE(q + 1));
  while (zm[p] !== 0xff) {
    let s = zm[p] < 254 ? 1 : 5;
    if (p + s > last) return null;
    let l = lenAt(p);
    p += s;
    if (p + l > last) return null;
    const field = zm.toString('latin1', p, p + l);
    p += l;
    s = zm[p] < 254 ? 1 : 5;
    if (p + s > last) return null;
    l = lenAt(p);
    p += s;
    const free = zm[p++];
    if (p + l + free > last) return null;
    out.push(field, zm.toString('latin1', p, p + l));
    p += l + free;
    count++;
  }
  if (count === 0) return null;
  if (zm[0] !== 254 && zm[0] !== count) return null;
  return out;
}
