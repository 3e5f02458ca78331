/**
 * Values stored in the keyspace. A plain string value is held as a one-byte
 * JS string (the common case: no wrapper, least memory). Every other value
 * is an object with a `type` tag; mutable byte strings (after APPEND,
 * SETRANGE, SETBIT) are `ByteString`.
 */

import { constants as bufferConstants } from 'node:buffer';

const MAX_BUFFER_BYTES = bufferConstants.MAX_LENGTH;
/** The longest JS string (V8's limit, a little under 512 MB): longer values stay in Buffers. */
export const MAX_JS_STRING = bufferConstants.MAX_STRING_LENGTH;

export type ObjType = 'string' | 'list' | 'set' | 'zset' | 'hash' | 'stream';

export interface RObject {
  readonly type: ObjType;
  /** What Redis 7.0's OBJECT ENCODING reports for the same contents. */
  encoding(): string;
  /** A deep copy (COPY). */
  clone(): RObject;
}

export type Value = string | RObject;

export function typeOf(v: Value): ObjType {
  return typeof v === 'string' ? 'string' : v.type;
}

/**
 * A mutable byte string with room to grow (Redis's "raw" encoding). As in
 * an sds string, the byte after the content (when the buffer has room for
 * it) is zero unless a command that reads it as Redis does (a HyperLogLog
 * opcode cut short at the end) left something else there.
 */
export class ByteString implements RObject {
  readonly type = 'string' as const;
  buf: Buffer;
  len: number;

  constructor(buf: Buffer, len = buf.length) {
    this.buf = buf;
    this.len = len;
  }

  static fromString(s: string, extra = 0): ByteString {
    const buf = Buffer.allocUnsafe(s.length + extra);
    buf.write(s, 0, 'latin1');
    if (extra > 0) buf[s.length] = 0;
    return new ByteString(buf, s.length);
  }

  /** Grows capacity to at least `n` bytes (zero-filling new bytes up to n). */
  ensureLength(n: number): void {
    if (n <= this.len) return;
    if (n > this.buf.length) {
      let cap = Math.max(n, this.buf.length < 1024 * 1024 ? this.buf.length * 2 : this.buf.length + 1024 * 1024);
      if (cap > MAX_BUFFER_BYTES) cap = MAX_BUFFER_BYTES;
      if (cap < n) cap = n;
      const nb = Buffer.allocUnsafe(cap);
      this.buf.copy(nb, 0, 0, this.len);
      this.buf = nb;
    }
    this.buf.fill(0, this.len, n < this.buf.length ? n + 1 : n);
    this.len = n;
  }

  append(s: string): void {
    const start = this.len;
    const n = start + s.length;
    if (n > this.buf.length) {
      const cap = Math.max(n, Math.min(MAX_BUFFER_BYTES, n < 1024 * 1024 ? n * 2 : n + 1024 * 1024));
      const nb = Buffer.allocUnsafe(cap);
      this.buf.copy(nb, 0, 0, this.len);
      this.buf = nb;
    }
    this.buf.write(s, start, 'latin1');
    if (n < this.buf.length) this.buf[n] = 0;
    this.len = n;
  }

  toString(): string {
    return this.buf.toString('latin1', 0, this.len);
  }

  encoding(): string {
    return 'raw';
  }

  clone(): ByteString {
    return new ByteString(Buffer.from(this.buf.subarray(0, this.len)));
  }
}

/** The string content of a string value. */
export function stringOf(v: string | ByteString): string {
  return typeof v === 'string' ? v : v.toString();
}

export function isStringValue(v: Value): v is string | ByteString {
  return typeof v === 'string' || v.type === 'string';
}
