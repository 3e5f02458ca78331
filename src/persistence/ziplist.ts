/**
 * Reader for the ziplist format (ziplist.c), which RDB versions <= 9 use for
 * small lists (inside quicklist nodes), hashes and sorted sets.
 *
 * Layout: <zlbytes uint32 LE> <zltail uint32 LE> <zllen uint16 LE> <entry>... <0xFF>.
 * Entry: <prevlen> <encoding> <data>.
 *   prevlen: 1 byte when < 254, else 0xFE + uint32 LE (ZIP_DECODE_PREVLEN).
 *   encoding (ZIP_ENTRY_ENCODING / ZIP_DECODE_LENGTH):
 *     00pppppp              string, 6-bit length
 *     01pppppp qqqqqqqq     string, 14-bit length, big-endian
 *     10xxxxxx + 4 bytes    string, 32-bit length, big-endian
 *     0xC0 int16, 0xD0 int32, 0xE0 int64, 0xF0 int24, 0xFE int8 (all LE, signed)
 *     0xF1..0xFD            immediate 0..12 (low nibble - 1), no data
 */

const HEADER = 10;

/**
 * All entries as latin1 strings (integers as decimal text), or null unless
 * the blob passes ziplistValidateIntegrity(deep) / zipEntrySafe(): zlbytes
 * equals the blob size, 0xFF at the end, zltail within the blob and pointing
 * at the last entry (when there is one), every entry header and body inside
 * the blob, each prevlen equal to the previous entry's size, the walk ending
 * on the terminator, and zllen matching unless it is 65535.
 */
export function ziplistEntries(zl: Buffer): string[] | null {
  const size = zl.length;
  if (size < HEADER + 1) return null;
  if (zl.readUInt32LE(0) !== size) return null;
  const last = size - 1; // the 0xFF terminator (zllast in zipEntrySafe)
  if (zl[last] !== 0xff) return null;
  const zltail = zl.readUInt32LE(4);
  if (zltail > last) return null;
  const headerCount = zl.readUInt16LE(8);

  const out: string[] = [];
  let p = HEADER;
  let prevStart = -1;
  let prevSize = 0;
  while (zl[p] !== 0xff) {
    // prevlen (p <= last holds here: the loop stops on the terminator)
    const prevRawLenSize = zl[p] < 254 ? 1 : 5;
    if (p + prevRawLenSize > last) return null;
    const prevRawLen = prevRawLenSize === 1 ? zl[p] : zl.readUInt32LE(p + 1);
    const e = p + prevRawLenSize;
    let enc = zl[e];
    if (enc < 0xc0) enc &= 0xc0;
    let lenSize: number;
    let len: number;
    if (enc === 0x00) {
      lenSize = 1;
      len = zl[e] & 0x3f;
    } else if (enc === 0x40) {
      lenSize = 2;
      if (e + 1 > last) return null;
      len = ((zl[e] & 0x3f) << 8) | zl[e + 1];
    } else if (enc === 0x80) {
      lenSize = 5;
      if (e + 4 > last) return null;
      len = zl.readUInt32BE(e + 1);
    } else if (enc === 0xfe) {
      lenSize = 1;
      len = 1;
    } else if (enc === 0xc0) {
      lenSize = 1;
      len = 2;
    } else if (enc === 0xf0) {
      lenSize = 1;
      len = 3;
    } else if (enc === 0xd0) {
      lenSize = 1;
      len = 4;
    } else if (enc === 0xe0) {
      lenSize = 1;
      len = 8;
    } else if (enc >= 0xf1 && enc <= 0xfd) {
      lenSize = 1;
      len = 0;
    } else {
      return null; // ZIP_ENCODING_SIZE_INVALID
    }
    const headerSize = prevRawLenSize + lenSize;
    const end = p + headerSize + len;
    if (end > last) return null; // entry reaching outside the ziplist
    if (prevRawLen !== prevSize) return null; // prevlen must match
    const d = p + headerSize;
    if (enc < 0xc0) out.push(zl.toString('latin1', d, d + len));
    else if (enc === 0xfe) out.push(String(zl.readInt8(d)));
    else if (enc === 0xc0) out.push(String(zl.readInt16LE(d)));
    else if (enc === 0xf0) out.push(String(zl.readIntLE(d, 3)));
    else if (enc === 0xd0) out.push(String(zl.readInt32LE(d)));
    else if (enc === 0xe0) out.push(zl.readBigInt64LE(d).toString());
    else out.push(String((enc & 0x0f) - 1));
    prevSize = headerSize + len;
    prevStart = p;
    p = end;
  }
  if (p !== last) return null;
  if (prevStart !== -1 && prevStart !== zltail) return null;
  if (headerCount !== 65535 && headerCount !== out.length) return null;
  return out;
}
