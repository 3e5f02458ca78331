/**
 * Reply writer: encodes replies straight into one growing byte buffer per
 * connection, in RESP2 or RESP3. The connection takes the bytes out once per
 * event-loop turn. Values are one-byte (latin1) strings, so every byte is
 * written as it came in.
 */
import { formatDouble } from './numbers.js';

type Latin1Buffer = Buffer & { latin1Write(s: string, offset: number, length?: number): number };

const INITIAL = 16 * 1024;
/** Bulks longer than this are gathered as text (see `text`); shorter ones are copied byte by byte. */
const SHORT = 48;
/** Pending text is copied into the buffer once it reaches this many bytes. */
const TEXT_FLUSH = 16 * 1024;
/** "$<n>\r\n" and "\r\n$<n>\r\n" for n < 1024. */
const HDR: string[] = [];
const CRLF_HDR: string[] = [];
for (let n = 0; n < 1024; n++) {
  HDR.push('$' + n + '\r\n');
  CRLF_HDR.push('\r\n$' + n + '\r\n');
}
/** Bulks larger than this go out as their own buffer instead of being copied in. */
const BIG = 64 * 1024;

export class ReplyWriter {
  /** 2 or 3 */
  resp: 2 | 3 = 2;
  /** Called for every error reply (error statistics). */
  onError: ((msg: string) => void) | null = null;
  private buf: Latin1Buffer = Buffer.allocUnsafe(INITIAL) as Latin1Buffer;
  private off = 0;
  /** Buffers already complete, in order, ahead of `buf`. */
  private chunks: Buffer[] | null = null;
  private chunksLen = 0;
  /**
   * Bulk replies not yet copied into `buf`, as one JS string that ends
   * right after the last bulk's payload (its CRLF is owed). Copying a
   * string into a buffer is a call into native code; gathering the bulks
   * of a reply (LRANGE, HGETALL, MGET...) pays for one call instead of one
   * per element. Everything that writes to `buf` copies it in first.
   */
  private text = '';
  private textLen = 0;

  /** Bytes the reply buffer can hold before it grows (CLIENT LIST rbs). */
  get capacity(): number {
    return this.buf.length;
  }

  /** Bytes held, not yet taken. */
  get length(): number {
    return this.off + this.chunksLen + this.textLen;
  }

  /** Bytes held outside the reply buffer (big bulks, gathered text): memory on top of `capacity`. */
  get heldOutside(): number {
    return this.chunksLen + this.textLen;
  }

  /**
   * Drops everything written after the first `n` bytes held (the reply of a
   * command that failed midway). Only for the error path: it gathers what is
   * held into chunks.
   */
  truncate(n: number): void {
    if (n >= this.length) return;
    const list = this.take() ?? [];
    const kept: Buffer[] = [];
    let left = n;
    for (const b of list) {
      if (left <= 0) break;
      const part = b.length <= left ? b : b.subarray(0, left);
      kept.push(part);
      left -= part.length;
    }
    this.chunks = kept.length > 0 ? kept : null;
    this.chunksLen = n;
  }

  /** Copies the pending text (and the CRLF it owes) into the buffer. */
  private flushText(): void {
    const n = this.textLen;
    const t = this.text;
    this.text = '';
    this.textLen = 0;
    this.ensure(n);
    const buf = this.buf;
    let o = this.off;
    o += buf.latin1Write(t, o, n - 2);
    buf[o++] = 13;
    buf[o++] = 10;
    this.off = o;
  }

  /** Takes everything written so far as a list of buffers (or null). */
  take(): Buffer[] | null {
    if (this.textLen !== 0) this.flushText();
    if (this.off === 0 && this.chunks === null) return null;
    let list: Buffer[];
    if (this.chunks !== null) {
      list = this.chunks;
      this.chunks = null;
      this.chunksLen = 0;
    } else {
      list = [];
    }
    if (this.off > 0) {
      const out = Buffer.allocUnsafe(this.off);
      this.buf.copy(out, 0, 0, this.off);
      list.push(out);
      this.off = 0;
      if (this.buf.length > 1024 * 1024) this.buf = Buffer.allocUnsafe(INITIAL) as Latin1Buffer;
    }
    return list;
  }

  /**
   * The pending bytes as a view of the internal buffer (no copy), when they
   * all sit in it; null otherwise (use take()). After handing the view to a
   * transport, call settle().
   */
  view(): Buffer | null {
    if (this.textLen !== 0) this.flushText();
    if (this.chunks !== null || this.off === 0) return null;
    return this.buf.subarray(0, this.off);
  }

  /**
   * After a view() was written: `released` is true when the transport
   * copied the bytes synchronously (the buffer is reused), false when it
   * may still hold the view (a fresh buffer is started).
   */
  settle(released: boolean): void {
    this.off = 0;
    if (!released || this.buf.length > 1024 * 1024) this.buf = Buffer.allocUnsafe(INITIAL) as Latin1Buffer;
  }

  private ensure(n: number): void {
    if (this.textLen !== 0) this.flushText();
    if (this.off + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.off + n) size *= 2;
    const nb = Buffer.allocUnsafe(size) as Latin1Buffer;
    this.buf.copy(nb, 0, 0, this.off);
    this.buf = nb;
  }

  private pushBig(b: Buffer): void {
    if (this.textLen !== 0) this.flushText();
    if (this.off > 0) {
      const out = Buffer.allocUnsafe(this.off);
      this.buf.copy(out, 0, 0, this.off);
      this.off = 0;
      (this.chunks ??= []).push(out);
      this.chunksLen += out.length;
    }
    (this.chunks ??= []).push(b);
    this.chunksLen += b.length;
  }

  /** Writes raw protocol text (must be latin1 bytes). */
  raw(s: string): void {
    const n = s.length;
    if (n > BIG) {
      this.pushBig(Buffer.from(s, 'latin1'));
      return;
    }
    this.ensure(n);
    this.off += this.buf.latin1Write(s, this.off, n);
  }

  rawBuffer(b: Buffer): void {
    if (b.length > BIG) {
      this.pushBig(b);
      return;
    }
    this.ensure(b.length);
    b.copy(this.buf, this.off);
    this.off += b.length;
  }

  private writeInt(n: number): void {
    // caller ensured room for at least 21 bytes
    const buf = this.buf;
    if (n < 0) {
      if (n === -Infinity || !Number.isSafeInteger(n)) {
        this.off += buf.latin1Write(String(n), this.off);
        return;
      }
      buf[this.off++] = 45;
      n = -n;
    }
    if (n < 10) {
      buf[this.off++] = 48 + n;
      return;
    }
    if (!Number.isSafeInteger(n)) {
      this.off += buf.latin1Write(BigInt(n).toString(), this.off);
      return;
    }
    let digits = 1;
    for (let t = n; t >= 10; t = Math.floor(t / 10)) digits++;
    let p = this.off + digits - 1;
    while (n >= 10) {
      const q = Math.floor(n / 10);
      buf[p--] = 48 + (n - q * 10);
      n = q;
    }
    buf[p] = 48 + n;
    this.off += digits;
  }

  private crlf(): void {
    this.buf[this.off++] = 13;
    this.buf[this.off++] = 10;
  }

  private header(prefix: number, n: number): void {
    this.ensure(24);
    this.buf[this.off++] = prefix;
    this.writeInt(n);
    this.crlf();
  }

  ok(): void {
    this.ensure(5);
    const b = this.buf;
    let o = this.off;
    b[o++] = 43;
    b[o++] = 79;
    b[o++] = 75;
    b[o++] = 13;
    b[o++] = 10;
    this.off = o;
  }

  simple(s: string): void {
    this.ensure(s.length + 3);
    this.buf[this.off++] = 43;
    this.off += this.buf.latin1Write(s, this.off);
    this.crlf();
  }

  /** `msg` is the full error line without the leading '-', e.g. "ERR syntax error". */
  error(msg: string): void {
    // Newlines in an error would break the protocol: Redis replaces them.
    if (msg.indexOf('\n') >= 0 || msg.indexOf('\r') >= 0) msg = msg.replace(/[\r\n]/g, ' ');
    if (this.onError !== null) this.onError(msg);
    this.ensure(msg.length + 3);
    this.buf[this.off++] = 45;
    this.off += this.buf.latin1Write(msg, this.off);
    this.crlf();
  }

  int(n: number): void {
    this.ensure(24);
    this.buf[this.off++] = 58;
    this.writeInt(n);
    this.crlf();
  }

  /** An integer given as a bigint or decimal string (64-bit values). */
  bigInt(v: bigint | string): void {
    this.raw(':' + v.toString() + '\r\n');
  }

  bulk(s: string): void {
    const n = s.length;
    if (n > SHORT && n < 1024) {
      // gathered: copied into the buffer with the bulks around it
      if (this.textLen === 0) {
        this.text = HDR[n] + s;
        this.textLen = HDR[n].length + n + 2;
      } else {
        this.text = this.text + CRLF_HDR[n] + s;
        this.textLen += CRLF_HDR[n].length - 2 + n + 2;
      }
      if (this.textLen >= TEXT_FLUSH) this.flushText();
      return;
    }
    if (n > BIG) {
      this.header(36, n);
      this.pushBig(Buffer.from(s, 'latin1'));
      this.ensure(2);
      this.crlf();
      return;
    }
    this.ensure(n + 24);
    const buf = this.buf;
    let o = this.off;
    buf[o++] = 36;
    if (n < 10) {
      buf[o++] = 48 + n;
    } else if (n < 100) {
      const q = (n / 10) | 0;
      buf[o++] = 48 + q;
      buf[o++] = 48 + n - q * 10;
    } else {
      this.off = o;
      this.writeInt(n);
      o = this.off;
    }
    buf[o++] = 13;
    buf[o++] = 10;
    if (n <= SHORT) {
      // Short strings: a JS copy beats a call into native code.
      for (let i = 0; i < n; i++) buf[o++] = s.charCodeAt(i);
    } else {
      o += buf.latin1Write(s, o, n);
    }
    buf[o++] = 13;
    buf[o++] = 10;
    this.off = o;
  }

  bulkBuffer(b: Buffer, len = b.length): void {
    this.header(36, len);
    if (len > BIG) {
      this.pushBig(len === b.length ? b : b.subarray(0, len));
    } else {
      this.ensure(len);
      b.copy(this.buf, this.off, 0, len);
      this.off += len;
    }
    this.ensure(2);
    this.crlf();
  }

  bulkOrNull(s: string | null | undefined): void {
    if (s === null || s === undefined) this.nullBulk();
    else this.bulk(s);
  }

  nullBulk(): void {
    this.ensure(5);
    const b = this.buf;
    let o = this.off;
    if (this.resp === 3) {
      b[o++] = 95;
    } else {
      b[o++] = 36;
      b[o++] = 45;
      b[o++] = 49;
    }
    b[o++] = 13;
    b[o++] = 10;
    this.off = o;
  }

  nullArray(): void {
    if (this.resp === 3) this.raw('_\r\n');
    else this.raw('*-1\r\n');
  }

  array(n: number): void {
    this.header(42, n);
  }

  /** Map of n pairs: RESP3 map, RESP2 flat array of 2n. */
  map(n: number): void {
    if (this.resp === 3) this.header(37, n);
    else this.header(42, n * 2);
  }

  /** RESP3 set, RESP2 array. */
  set(n: number): void {
    if (this.resp === 3) this.header(126, n);
    else this.header(42, n);
  }

  /** RESP3 push, RESP2 array. */
  push(n: number): void {
    if (this.resp === 3) this.header(62, n);
    else this.header(42, n);
  }

  /** RESP3 attribute map (ignored by RESP2 clients: not written). */
  attribute(n: number): void {
    this.header(124, n);
  }

  /** Double as Redis 7.0 writes it: RESP3 ",<%.17g>", RESP2 bulk of the same text. */
  double(d: number): void {
    const s = formatDouble(d);
    if (this.resp === 3) {
      this.raw(',' + s + '\r\n');
    } else {
      this.bulk(s);
    }
  }

  /** Boolean: RESP3 #t/#f, RESP2 integer 1/0. */
  bool(b: boolean): void {
    if (this.resp === 3) this.raw(b ? '#t\r\n' : '#f\r\n');
    else this.raw(b ? ':1\r\n' : ':0\r\n');
  }

  /** Verbatim string: RESP3 "=len\r\ntxt:..." , RESP2 bulk. */
  verbatim(s: string, format = 'txt'): void {
    if (this.resp === 3) {
      this.header(61, s.length + 4);
      this.raw(format + ':' + s + '\r\n');
    } else {
      this.bulk(s);
    }
  }

  /** Big number: RESP3 "(", RESP2 bulk. */
  bigNumber(s: string): void {
    if (this.resp === 3) this.raw('(' + s + '\r\n');
    else this.bulk(s);
  }

  /** Array of bulks (or nulls). */
  bulkArray(items: readonly (string | null)[]): void {
    this.array(items.length);
    for (let i = 0; i < items.length; i++) {
      const it = items[i];
      if (it === null) this.nullBulk();
      else this.bulk(it);
    }
  }

  emptyArray(): void {
    this.raw('*0\r\n');
  }
}
