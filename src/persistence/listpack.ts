/**
 * Listpack (listpack.c) writer and reader.
 *
 * Layout: <total-bytes uint32 LE> <num-elements uint16 LE> <entry>... <0xFF>.
 * Each entry is <encoding+data> <backlen>, backlen being the size of
 * encoding+data written big-endian in 7-bit groups (lpEncodeBacklen), so the
 * list can be walked backwards.
 */

const INT64_MIN = -(1n << 63n);
const INT64_MAX = (1n << 63n) - 1n;

/**
 * lpStringToInt64(): the integer a string stands for when it is the canonical
 * decimal text of an int64 (length 1..20, no '+', no leading zeros, '-0' is
 * not an integer), else null. Small values come back as numbers.
 */
function lpStringToInt(s: string): number | bigint | null {
  const n = s.length;
  if (n === 0 || n > 20) return null;
  if (n === 1) {
    const c = s.charCodeAt(0) - 48;
    return c >= 0 && c <= 9 ? c : null;
  }
  let i = 0;
  const neg = s.charCodeAt(0) === 45; // '-'
  if (neg) i = 1;
  const first = s.charCodeAt(i);
  if (first < 49 || first > 57) return null; // must be 1-9
  for (let j = i + 1; j < n; j++) {
    const c = s.charCodeAt(j);
    if (c < 48 || c > 57) return null;
  }
  if (n - i <= 15) return Number(s); // exact in a double
  const v = BigInt(s);
  if (v < INT64_MIN || v > INT64_MAX) return null;
  return v;
}

/** Bytes lpEncodeBacklen() uses for an entry of l bytes (note the `<` bounds, as in Redis). */
function backlenSize(l: number): number {
  if (l <= 127) return 1;
  if (l < 16383) return 2;
  if (l < 2097151) return 3;
  if (l < 268435455) return 4;
  return 5;
}

/** Encoded size (encoding byte + payload) of an integer (lpEncodeIntegerGetType). */
function intEncSize(v: number | bigint): number {
  if (v >= 0 && v <= 127) return 1;
  if (v >= -4096 && v <= 4095) return 2;
  if (v >= -32768 && v <= 32767) return 3;
  if (v >= -8388608 && v <= 8388607) return 4;
  if (v >= -2147483648 && v <= 2147483647) return 5;
  return 9;
}

/** Encoded size (encoding + length + data) of a string stored as a string. */
function strEncSize(n: number): number {
  return n < 64 ? 1 + n : n < 4096 ? 2 + n : 5 + n;
}

/**
 * Exact bytes one entry takes in a listpack (encoding + data + backlen), as
 * lpAppend would store the string s (integer-looking strings as integers).
 */
export function listpackEntrySize(s: string): number {
  const iv = lpStringToInt(s);
  const l = iv !== null ? intEncSize(iv) : strEncSize(s.length);
  return l + backlenSize(l);
}

export class ListpackWriter {
  private buf: Buffer = Buffer.allocUnsafe(256);
  private pos = 6; // after the header
  private n = 0;

  constructor() {}

  get count(): number {
    return this.n;
  }

  /** Total listpack size if finished now (header + entries + terminator). */
  get bytes(): number {
    return this.pos + 1;
  }

  private reserve(extra: number): void {
    const need = this.pos + extra + 1;
    if (need <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < need) size *= 2;
    const nb = Buffer.allocUnsafe(size);
    this.buf.copy(nb, 0, 0, this.pos);
    this.buf = nb;
  }

  /** Writes the backlen of an entry of l bytes (lpEncodeBacklen). */
  private backlen(l: number): void {
    const b = this.buf;
    let p = this.pos;
    if (l <= 127) b[p++] = l;
    else if (l < 16383) {
      b[p++] = l >>> 7;
      b[p++] = (l & 127) | 128;
    } else if (l < 2097151) {
      b[p++] = l >>> 14;
      b[p++] = ((l >>> 7) & 127) | 128;
      b[p++] = (l & 127) | 128;
    } else if (l < 268435455) {
      b[p++] = l >>> 21;
      b[p++] = ((l >>> 14) & 127) | 128;
      b[p++] = ((l >>> 7) & 127) | 128;
      b[p++] = (l & 127) | 128;
    } else {
      b[p++] = Math.floor(l / 268435456);
      b[p++] = ((l >>> 21) & 127) | 128;
      b[p++] = ((l >>> 14) & 127) | 128;
      b[p++] = ((l >>> 7) & 127) | 128;
      b[p++] = (l & 127) | 128;
    }
    this.pos = p;
  }

  /** Appends an int64 with the smallest integer encoding (lpEncodeIntegerGetType). */
  appendInt(n: number | bigint): void {
    let v: number | bigint = n;
    if (typeof v === 'number') {
      if (!Number.isInteger(v)) throw new RangeError('listpack integer must be an integer');
      // Beyond int32 only the 64-bit encoding applies; go through BigInt for it.
      if (v < -2147483648 || v > 2147483647) v = BigInt(v);
    } else if (v >= -2147483648n && v <= 2147483647n) {
      v = Number(v);
    }
    if (typeof v === 'bigint' && (v < INT64_MIN || v > INT64_MAX)) {
      throw new RangeError('listpack integer out of int64 range');
    }
    this.reserve(9 + 1);
    const b = this.buf;
    const start = this.pos;
    let p = start;
    if (typeof v === 'bigint') {
      b[p++] = 0xf4;
      b.writeBigInt64LE(v, p);
      p += 8;
    } else if (v >= 0 && v <= 127) {
      b[p++] = v;
    } else if (v >= -4096 && v <= 4095) {
      const u = v < 0 ? v + 8192 : v;
      b[p++] = (u >>> 8) | 0xc0;
      b[p++] = u & 0xff;
    } else if (v >= -32768 && v <= 32767) {
      b[p++] = 0xf1;
      b.writeInt16LE(v, p);
      p += 2;
    } else if (v >= -8388608 && v <= 8388607) {
      b[p++] = 0xf2;
      b.writeIntLE(v, p, 3);
      p += 3;
    } else {
      // 32 bit (v is within int32 here)
      b[p++] = 0xf3;
      b.writeInt32LE(v, p);
      p += 4;
    }
    this.pos = p;
    this.backlen(p - start);
    this.n++;
  }

  /** Appends a latin1 string as lpAppend does: canonical int64 text as an integer. */
  appendString(s: string): void {
    const iv = lpStringToInt(s);
    if (iv !== null) {
      this.appendInt(iv);
      return;
    }
    const n = s.length;
    this.reserve(5 + n + 5);
    const b = this.buf;
    const start = this.pos;
    let p = start;
    if (n < 64) b[p++] = n | 0x80;
    else if (n < 4096) {
      b[p++] = (n >>> 8) | 0xe0;
      b[p++] = n & 0xff;
    } else {
      b[p++] = 0xf0;
      b.writeUInt32LE(n, p);
      p += 4;
    }
    if (n < 32) {
      for (let i = 0; i < n; i++) b[p + i] = s.charCodeAt(i);
    } else {
      b.write(s, p, n, 'latin1');
    }
    p += n;
    this.pos = p;
    this.backlen(p - start);
    this.n++;
  }

  /** The finished listpack (a fresh copy; the writer may keep appending). */
  finish(): Buffer {
    const total = this.pos + 1;
    const out = Buffer.allocUnsafe(total);
    this.buf.copy(out, 0, 0, this.pos);
    out.writeUInt32LE(total, 0);
    out.writeUInt16LE(this.n >= 65535 ? 65535 : this.n, 4);
    out[total - 1] = 0xff;
    return out;
  }
}

/**
 * All entries of a listpack as latin1 strings (integers as decimal text), or
 * null when lp is not a valid listpack, by lpValidateIntegrity()/lpValidateNext():
 * total-bytes equal to the blob size, 0xFF at the end, each entry's header,
 * data and backlen inside the blob, the backlen decoding (lpDecodeBacklen) to
 * the entry size, the walk ending exactly on the terminator, and the header
 * count matching unless it is 65535 (unknown). deep = false skips only the
 * backlen comparison; bounds are always checked.
 */
export function listpackEntries(lp: Buffer, deep = true): string[] | null {
  const size = lp.length;
  if (size < 7) return null;
  if (lp.readUInt32LE(0) !== size) return null;
  const last = size - 1; // index of the terminator
  if (lp[last] !== 0xff) return null;
  const numele = lp.readUInt16LE(4);
  const out: string[] = [];
  let p = 6;
  while (p < last) {
    const b = lp[p];
    let hdr: number; // encoding + length bytes
    let len: number; // data bytes
    let isStr = false;
    if ((b & 0x80) === 0) {
      hdr = 1;
      len = 0;
    } else if ((b & 0xc0) === 0x80) {
      hdr = 1;
      len = b & 0x3f;
      isStr = true;
    } else if ((b & 0xe0) === 0xc0) {
      hdr = 1;
      len = 1;
    } else if ((b & 0xf0) === 0xe0) {
      hdr = 2;
      if (p + 1 > last) return null;
      len = ((b & 0x0f) << 8) | lp[p + 1];
      isStr = true;
    } else if (b === 0xf0) {
      hdr = 5;
      if (p + 5 > last) return null;
      len = lp.readUInt32LE(p + 1);
      isStr = true;
    } else if (b === 0xf1) {
      hdr = 1;
      len = 2;
    } else if (b === 0xf2) {
      hdr = 1;
      len = 3;
    } else if (b === 0xf3) {
      hdr = 1;
      len = 4;
    } else if (b === 0xf4) {
      hdr = 1;
      len = 8;
    } else {
      return null; // 0xf5..0xfe: no such encoding (0xff ends the loop)
    }
    const entryLen = hdr + len;
    const bl = backlenSize(entryLen);
    const next = p + entryLen + bl;
    // lpValidateNext's OUT_OF_RANGE: the next entry may start at the terminator at most
    if (next > last) return null;
    if (deep) {
      // lpDecodeBacklen() reading backwards from the byte before the next entry
      let q = next - 1;
      let val = 0;
      let shift = 0;
      for (;;) {
        val += (lp[q] & 127) * 2 ** shift;
        if (!(lp[q] & 128)) break;
        shift += 7;
        q--;
        if (shift > 28 || q < 0) return null;
      }
      if (val !== entryLen) return null; // prevlen + encodedBacklen == entrylen
    }
    const d = p + hdr;
    if (isStr) {
      out.push(lp.toString('latin1', d, d + len));
    } else if (hdr === 1 && len === 0) {
      out.push(String(b));
    } else if (len === 1) {
      const u = ((b & 0x1f) << 8) | lp[d];
      out.push(String(u >= 4096 ? u - 8192 : u));
    } else if (len === 2) {
      out.push(String(lp.readInt16LE(d)));
    } else if (len === 3) {
      out.push(String(lp.readIntLE(d, 3)));
    } else if (len === 4) {
      out.push(String(lp.readInt32LE(d)));
    } else {
      out.push(lp.readBigInt64LE(d).toString());
    }
    p = next;
  }
  if (p !== last) return null;
  if (numele !== 65535 && numele !== out.length) return null;
  return out;
}
