/**
 * The RDB format's primitives (rdb.c): lengths, strings (integer-encoded,
 * LZF-compressed or raw), binary doubles, millisecond times, and the reader
 * that checks every length against what is left before it allocates.
 *
 * RdbWriter appends into one growable buffer; a sink (a file being written)
 * takes full chunks as they fill, with the running CRC64 over every byte.
 */
import { Crc64 } from './crc64.js';
import { lzfCompress, lzfDecompress } from './lzf.js';

export const RDB_VERSION = 10;

export const RdbType = {
  STRING: 0,
  LIST: 1,
  SET: 2,
  ZSET: 3,
  HASH: 4,
  ZSET_2: 5,
  MODULE: 6,
  MODULE_2: 7,
  HASH_ZIPMAP: 9,
  LIST_ZIPLIST: 10,
  SET_INTSET: 11,
  ZSET_ZIPLIST: 12,
  HASH_ZIPLIST: 13,
  LIST_QUICKLIST: 14,
  STREAM_LISTPACKS: 15,
  HASH_LISTPACK: 16,
  ZSET_LISTPACK: 17,
  LIST_QUICKLIST_2: 18,
  STREAM_LISTPACKS_2: 19,
} as const;

export const Opcode = {
  FUNCTION2: 245,
  FUNCTION: 246,
  MODULE_AUX: 247,
  IDLE: 248,
  FREQ: 249,
  AUX: 250,
  RESIZEDB: 251,
  EXPIRETIME_MS: 252,
  EXPIRETIME: 253,
  SELECTDB: 254,
  EOF: 255,
} as const;

/** A corrupt or unsupported payload; the message is what the log / error says. */
export class RdbError extends Error {}

const TWO32 = 4294967296;

/** Canonical int64 decimal text that fits 32 bits, as rdbTryIntegerEncoding + rdbEncodeInteger accept: the value, else null. */
function int32Encodable(s: string): number | null {
  const n = s.length;
  if (n === 0 || n > 11) return null;
  let i = 0;
  const c0 = s.charCodeAt(0);
  if (c0 === 45) {
    if (n === 1) return null;
    i = 1;
  }
  const first = s.charCodeAt(i);
  if (first === 48) return n === 1 ? 0 : null; // "0" only; no leading zeros, no "-0"
  if (first < 49 || first > 57) return null;
  for (let j = i + 1; j < n; j++) {
    const c = s.charCodeAt(j);
    if (c < 48 || c > 57) return null;
  }
  const v = Number(s);
  return v >= -2147483648 && v <= 2147483647 ? v : null;
}

export class RdbWriter {
  buf: Buffer;
  pos = 0;
  /** Bytes handed to the sink so far. */
  flushed = 0;
  readonly crc: Crc64 | null;
  private readonly sink: ((chunk: Buffer) => void) | null;
  private readonly chunk: number;
  /** rdbcompression: LZF for strings over 20 bytes. */
  compress: boolean;
  private scratch: Buffer = Buffer.allocUnsafe(0);

  /**
   * @param sink takes each full chunk (a copy it may keep); null keeps everything in `buf` (DUMP).
   * @param checksum keep a running CRC64 (rdbchecksum).
   */
  constructor(opts: { sink?: (chunk: Buffer) => void; compress?: boolean; checksum?: boolean; chunk?: number } = {}) {
    this.sink = opts.sink ?? null;
    this.chunk = opts.chunk ?? 1 << 20;
    this.buf = Buffer.allocUnsafe(this.sink !== null ? this.chunk + 64 : 256);
    this.compress = opts.compress ?? true;
    this.crc = opts.checksum === false ? null : new Crc64();
  }

  /** Total bytes written (flushed and buffered). */
  get size(): number {
    return this.flushed + this.pos;
  }

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    if (this.sink !== null && this.pos > 0) {
      this.flush();
      if (n <= this.buf.length) return;
    }
    let cap = this.buf.length * 2;
    while (cap < this.pos + n) cap *= 2;
    const nb = Buffer.allocUnsafe(cap);
    this.buf.copy(nb, 0, 0, this.pos);
    this.buf = nb;
  }

  /** Hands the buffered bytes to the sink (no-op without one). */
  flush(): void {
    if (this.sink === null || this.pos === 0) return;
    const out = Buffer.from(this.buf.subarray(0, this.pos));
    if (this.crc !== null) this.crc.update(out);
    this.flushed += this.pos;
    this.pos = 0;
    if (this.buf.length > this.chunk * 4) this.buf = Buffer.allocUnsafe(this.chunk + 64);
    this.sink(out);
  }

  /** Everything written, when there is no sink (DUMP payloads). */
  result(): Buffer {
    return this.buf.subarray(0, this.pos);
  }

  byte(b: number): void {
    this.ensure(1);
    this.buf[this.pos++] = b;
  }

  bytes(b: Uint8Array): void {
    this.ensure(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
  }

  /** Raw one-byte text, no length prefix (the AOF's command form). */
  text(s: string): void {
    const n = s.length;
    this.ensure(n);
    this.buf.write(s, this.pos, n, 'latin1');
    this.pos += n;
  }

  /** rdbSaveLen (lengths up to 2^64-1; a bigint for those beyond 2^53). */
  len(n: number | bigint): void {
    if (typeof n === 'bigint') {
      if (n <= 0xffffffffn) return this.len(Number(n));
      this.ensure(9);
      this.buf[this.pos++] = 0x81;
      this.buf.writeBigUInt64BE(BigInt.asUintN(64, n), this.pos);
      this.pos += 8;
      return;
    }
    this.ensure(9);
    const b = this.buf;
    if (n < 64) b[this.pos++] = n;
    else if (n < 16384) {
      b[this.pos++] = (n >>> 8) | 0x40;
      b[this.pos++] = n & 0xff;
    } else if (n < TWO32) {
      b[this.pos++] = 0x80;
      b.writeUInt32BE(n, this.pos);
      this.pos += 4;
    } else {
      b[this.pos++] = 0x81;
      b.writeUInt32BE(Math.floor(n / TWO32), this.pos);
      b.writeUInt32BE(n >>> 0, this.pos + 4);
      this.pos += 8;
    }
  }

  /** rdbSaveMillisecondTime: int64 little-endian. */
  millis(ms: number | bigint): void {
    this.ensure(8);
    if (typeof ms === 'bigint') this.buf.writeBigInt64LE(BigInt.asIntN(64, ms), this.pos);
    else {
      const lo = ms % TWO32;
      const loU = lo < 0 ? lo + TWO32 : lo;
      this.buf.writeUInt32LE(loU, this.pos);
      this.buf.writeInt32LE((ms - loU) / TWO32, this.pos + 4);
    }
    this.pos += 8;
  }

  /** rdbSaveBinaryDoubleValue: IEEE 754 little-endian. */
  double(d: number): void {
    this.ensure(8);
    this.buf.writeDoubleLE(d, this.pos);
    this.pos += 8;
  }

  /** An integer-encoded string (rdbEncodeInteger), when the text is canonical and fits 32 bits; false otherwise. */
  private intString(s: string): boolean {
    const v = int32Encodable(s);
    if (v === null) return false;
    this.ensure(5);
    const b = this.buf;
    if (v >= -128 && v <= 127) {
      b[this.pos++] = 0xc0;
      b.writeInt8(v, this.pos);
      this.pos += 1;
    } else if (v >= -32768 && v <= 32767) {
      b[this.pos++] = 0xc1;
      b.writeInt16LE(v, this.pos);
      this.pos += 2;
    } else {
      b[this.pos++] = 0xc2;
      b.writeInt32LE(v, this.pos);
      this.pos += 4;
    }
    return true;
  }

  /** rdbSaveRawString of a latin1 string: integer encoding up to 11 bytes, LZF over 20 bytes, else raw. */
  string(s: string): void {
    const n = s.length;
    if (n <= 11 && this.intString(s)) return;
    if (this.compress && n > 20) {
      if (this.scratch.length < n) this.scratch = Buffer.allocUnsafe(Math.max(n, 64));
      this.scratch.write(s, 0, n, 'latin1');
      if (this.lzf(this.scratch.subarray(0, n))) return;
      this.len(n);
      this.bytes(this.scratch.subarray(0, n));
      return;
    }
    this.len(n);
    this.ensure(n);
    this.buf.write(s, this.pos, n, 'latin1');
    this.pos += n;
  }

  /** rdbSaveRawString of bytes (listpacks, intsets, stream IDs). */
  blob(b: Buffer): void {
    const n = b.length;
    if (n <= 11) {
      // a blob that reads as a small integer is integer-encoded too (rdbSaveRawString does not know it is binary)
      const s = b.toString('latin1');
      if (this.intString(s)) return;
    }
    if (this.compress && n > 20 && this.lzf(b)) return;
    this.len(n);
    this.bytes(b);
  }

  /** rdbSaveLzfStringObject: compressed form when it fits in len-4 bytes. */
  private lzf(b: Buffer): boolean {
    const n = b.length;
    const outLen = n - 4;
    this.ensure(outLen + 19);
    // compress straight into our buffer after room for the header
    const headerRoom = 1 + 9 + 9;
    const out = this.buf.subarray(this.pos + headerRoom, this.pos + headerRoom + outLen);
    const clen = lzfCompress(b, out);
    if (clen === 0) return false;
    const start = this.pos;
    this.byte(0xc3);
    this.len(clen);
    this.len(n);
    this.buf.copy(this.buf, this.pos, start + headerRoom, start + headerRoom + clen);
    this.pos += clen;
    return true;
  }
}

/** Reads RDB primitives from one buffer; every read is bounds-checked. */
export class RdbReader {
  pos: number;
  constructor(
    readonly buf: Buffer,
    pos = 0,
    /** Exclusive end of the readable region. */
    readonly end = buf.length,
  ) {
    this.pos = pos;
  }

  get left(): number {
    return this.end - this.pos;
  }

  need(n: number): void {
    if (n > this.end - this.pos) throw new RdbError('Unexpected EOF reading RDB file');
  }

  byte(): number {
    this.need(1);
    return this.buf[this.pos++];
  }

  raw(n: number): Buffer {
    this.need(n);
    const b = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return b;
  }

  /** A length (rdbLoadLen); throws on an encoded value. Lengths past 2^53 come back as Infinity-safe numbers only via lenBig. */
  len(): number {
    const n = this.lenOrEnc();
    if (this.encoded) throw new RdbError(`Unknown length encoding ${n} in rdbLoadLen()`);
    return n;
  }

  /** A 64-bit length exactly. */
  lenBig(): bigint {
    this.need(1);
    const b = this.buf[this.pos];
    if (b === 0x81) {
      this.pos++;
      this.need(8);
      const v = this.buf.readBigUInt64BE(this.pos);
      this.pos += 8;
      return v;
    }
    return BigInt(this.len());
  }

  /** Set by lenOrEnc: the value read was a special string encoding (RDB_ENCVAL), not a length. */
  encoded = false;

  /** A length, or (with `encoded` set) a string encoding type (rdbLoadLenByRef). */
  lenOrEnc(): number {
    if (this.pos >= this.end) throw new RdbError('Unexpected EOF reading RDB file');
    const buf = this.buf;
    const b = buf[this.pos++];
    const type = b >>> 6;
    this.encoded = type === 3;
    if (type === 3 || type === 0) return b & 0x3f;
    if (type === 1) {
      if (this.pos >= this.end) throw new RdbError('Unexpected EOF reading RDB file');
      return ((b & 0x3f) << 8) | buf[this.pos++];
    }
    if (b === 0x80) {
      this.need(4);
      const v = buf.readUInt32BE(this.pos);
      this.pos += 4;
      return v;
    }
    if (b === 0x81) {
      this.need(8);
      const hi = buf.readUInt32BE(this.pos);
      const lo = buf.readUInt32BE(this.pos + 4);
      this.pos += 8;
      return hi * TWO32 + lo;
    }
    throw new RdbError(`Unknown length encoding ${type} in rdbLoadLen()`);
  }

  /** A string (rdbGenericLoadStringObject) as bytes. */
  stringBytes(): Buffer {
    const n = this.lenOrEnc();
    if (!this.encoded) return this.raw(n);
    switch (n) {
      case 0:
        return Buffer.from(String(this.raw(1).readInt8(0)), "latin1");
      case 1: {
        const b = this.raw(2);
        return Buffer.from(String(b.readInt16LE(0)), 'latin1');
      }
      case 2: {
        const b = this.raw(4);
        return Buffer.from(String(b.readInt32LE(0)), 'latin1');
      }
      case 3: {
        const clen = this.len();
        const len = this.len();
        const data = this.raw(clen);
        // an LZF stream expands at most ~ 264x (a back reference of 264 bytes per 2-3 input bytes)
        if (len === 0 || len > clen * 264 + 64) throw new RdbError('Invalid LZF compressed string');
        const out = lzfDecompress(data, len);
        if (out === null) throw new RdbError('Invalid LZF compressed string');
        return out;
      }
      default:
        throw new RdbError(`Unknown RDB string encoding type ${n}`);
    }
  }

  /** A string as a latin1 JS string. */
  string(): string {
    const n = this.lenOrEnc();
    if (!this.encoded) {
      this.need(n);
      const s = this.buf.toString('latin1', this.pos, this.pos + n);
      this.pos += n;
      return s;
    }
    switch (n) {
      case 0: {
        this.need(1);
        return String(this.buf.readInt8(this.pos++));
      }
      case 1: {
        this.need(2);
        const v = this.buf.readInt16LE(this.pos);
        this.pos += 2;
        return String(v);
      }
      case 2: {
        this.need(4);
        const v = this.buf.readInt32LE(this.pos);
        this.pos += 4;
        return String(v);
      }
      default:
        this.pos--;
        return this.stringBytes().toString('latin1');
    }
  }

  millis(): number {
    this.need(8);
    const lo = this.buf.readUInt32LE(this.pos);
    const hi = this.buf.readInt32LE(this.pos + 4);
    this.pos += 8;
    return hi * TWO32 + lo;
  }

  millisBig(): bigint {
    this.need(8);
    const v = this.buf.readBigInt64LE(this.pos);
    this.pos += 8;
    return v;
  }

  /** rdbLoadBinaryDoubleValue. */
  double(): number {
    this.need(8);
    const v = this.buf.readDoubleLE(this.pos);
    this.pos += 8;
    return v;
  }

  /** rdbLoadDoubleValue (ZSET type 3): a length byte then text; 253 nan, 254 +inf, 255 -inf. */
  textDouble(): number {
    const n = this.byte();
    if (n === 253) return NaN;
    if (n === 254) return Infinity;
    if (n === 255) return -Infinity;
    const s = this.raw(n).toString('latin1');
    const v = Number(s.trim());
    if (s.trim() === '' || Number.isNaN(v)) {
      // strtod accepts "inf"/"nan" spellings too
      const l = s.trim().toLowerCase();
      if (l === 'inf' || l === '+inf' || l === 'infinity') return Infinity;
      if (l === '-inf' || l === '-infinity') return -Infinity;
      if (l === 'nan' || l === '-nan') return NaN;
      throw new RdbError('Invalid double value');
    }
    return v;
  }
}
