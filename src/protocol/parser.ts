/**
 * Resumable RESP request parser (multibulk and inline), as Redis's
 * processMultibulkBuffer / processInlineBuffer.
 *
 * The parser is pull-based: the connection feeds it chunks with `feed()` and
 * pulls complete argument vectors with `next()`. A client that is blocked or
 * paused simply stops pulling; unparsed bytes stay buffered.
 *
 * Every length read from the network is checked against its bound before any
 * memory is reserved for it, and a large bulk is gathered chunk by chunk and
 * joined once (no quadratic re-copying).
 *
 * Arguments are returned as one-byte strings (latin1), which map every byte
 * 0..255 to one UTF-16 code unit, so they are binary safe.
 */

import { constants as bufferConstants } from 'node:buffer';

export const PROTO_INLINE_MAX_SIZE = 64 * 1024;
/** Arguments are latin1 strings; V8 can not make one longer than this (just under 512MB). */
const MAX_STRING_LENGTH = bufferConstants.MAX_STRING_LENGTH;
const PROTO_MBULK_BIG_ARG = 32 * 1024;
const EMPTY = Buffer.alloc(0);

const CR = 13;
const LF = 10;

type Latin1Buffer = Buffer & { latin1Slice(start: number, end: number): string };

export class ProtocolError extends Error {}

export class RespParser {
  /** proto-max-bulk-len */
  maxBulkLen = 512 * 1024 * 1024;
  /** When false, multibulk counts above 10 and bulks above 16384 are refused (unauthenticated). */
  authenticated = true;

  private buf: Latin1Buffer = EMPTY as Latin1Buffer;
  private pos = 0;
  /** 0: none, 1: multibulk, 2: inline */
  private reqType = 0;
  private argv: string[] = [];
  private argsLeft = 0;
  /** Sum of the lengths in `argv` (the client's memory figure counts them). */
  private argvBytes = 0;
  private bulkLen = -1;
  /**
   * A big bulk being gathered: one buffer that grows (doubling, from 1 MB)
   * with what has arrived, never to the announced size up front, and is
   * dropped with the client. Few large blocks rather than many read-sized
   * ones, so that the allocator gives the memory back when it is freed.
   */
  private big: Buffer | null = null;
  private bigLen = 0;
  private bigNeed = 0;

  /** Bytes received but not yet consumed. */
  get pending(): number {
    return this.buf.length - this.pos + this.bigLen;
  }

  /** Bytes of the arguments parsed so far of a command not yet complete (they left the buffer). */
  get partialArgBytes(): number {
    return this.argvBytes;
  }

  /** Bytes of memory the query buffer holds (its capacity, for CLIENT LIST and release decisions). */
  get capacity(): number {
    return this.buf.length + (this.big === null ? 0 : this.big.length);
  }

  private gather(chunk: Buffer): void {
    let big = this.big!;
    const n = this.bigLen + chunk.length;
    if (n > big.length) {
      const cap = Math.max(n, Math.min(this.bigNeed, big.length * 2));
      const nb = Buffer.allocUnsafe(cap);
      big.copy(nb, 0, 0, this.bigLen);
      this.big = big = nb;
    }
    chunk.copy(big, this.bigLen);
    this.bigLen = n;
    if (n >= this.bigNeed) {
      this.buf = big.subarray(0, n) as Latin1Buffer;
      this.pos = 0;
      this.big = null;
      this.bigLen = 0;
      this.bigNeed = 0;
    }
  }

  feed(chunk: Buffer): void {
    if (this.big !== null) {
      this.gather(chunk);
      return;
    }
    if (this.pos >= this.buf.length) {
      this.buf = chunk as Latin1Buffer;
    } else {
      this.buf = Buffer.concat([this.buf.subarray(this.pos), chunk]) as Latin1Buffer;
    }
    this.pos = 0;
  }

  /**
   * Returns the next complete command, or null when more input is needed.
   * Throws ProtocolError on malformed input; the caller replies with the
   * error and closes the connection.
   */
  next(): string[] | null {
    for (;;) {
      if (this.big !== null) return null;
      const buf = this.buf;
      if (this.pos >= buf.length) {
        if (this.pos > 0) {
          this.buf = EMPTY as Latin1Buffer;
          this.pos = 0;
        }
        return null;
      }
      if (this.reqType === 0) {
        if (buf[this.pos] === 42 /* '*' */) {
          const argv = this.parseWhole();
          if (argv !== undefined) return argv;
          this.reqType = 1;
        } else {
          this.reqType = 2;
        }
      }
      if (this.reqType === 2) {
        const argv = this.parseInline();
        if (argv === null) return null;
        this.reqType = 0;
        if (argv.length === 0) continue;
        return argv;
      }
      const argv = this.parseMultibulk();
      if (argv === null) return null;
      this.reqType = 0;
      if (argv.length === 0) continue;
      return argv;
    }
  }

  /**
   * Copies out whatever the parser still holds of `shared` (a read buffer
   * the transport reuses for its next read): only the unconsumed bytes.
   */
  detach(shared: ArrayBufferLike): void {
    if (this.buf.buffer === shared) {
      this.buf = (this.pos >= this.buf.length ? EMPTY : Buffer.from(this.buf.subarray(this.pos))) as Latin1Buffer;
      this.pos = 0;
    }
  }

  /** Drops everything buffered (used on RESET of state or close). */
  clear(): void {
    this.buf = EMPTY as Latin1Buffer;
    this.pos = 0;
    this.reqType = 0;
    this.argv = [];
    this.argvBytes = 0;
    this.argsLeft = 0;
    this.bulkLen = -1;
    this.big = null;
    this.bigLen = 0;
    this.bigNeed = 0;
  }

  /**
   * Fast path: a complete, ordinary multibulk command already in the buffer
   * (counts and lengths small, nothing unusual) is parsed in one pass with
   * local state. Anything else returns undefined without consuming input,
   * and the general parser below handles it (including every error).
   */
  private parseWhole(): string[] | undefined {
    const buf = this.buf;
    const end = buf.length;
    let p = this.pos + 1;
    let c = buf[p];
    if (c < 49 || c > 57) return undefined;
    let n = c - 48;
    for (p++; p < end && (c = buf[p]) !== CR; p++) {
      if (c < 48 || c > 57) return undefined;
      n = n * 10 + (c - 48);
      if (n > 1024) return undefined;
    }
    if (p + 1 >= end) return undefined;
    if (n > 10 && !this.authenticated) return undefined;
    p += 2;
    const argv = new Array<string>(n);
    for (let i = 0; i < n; i++) {
      if (p + 3 >= end || buf[p] !== 36 /* '$' */) return undefined;
      p++;
      c = buf[p];
      let len: number;
      if (c === 48) {
        len = 0;
        p++;
        if (buf[p] !== CR) return undefined;
      } else {
        if (c < 49 || c > 57) return undefined;
        len = c - 48;
        for (p++; p < end && (c = buf[p]) !== CR; p++) {
          if (c < 48 || c > 57) return undefined;
          len = len * 10 + (c - 48);
          if (len > 16384) return undefined;
        }
      }
      p += 2;
      if (p + len + 2 > end) return undefined;
      argv[i] = i === 0 ? commandName(buf, p, len) : buf.latin1Slice(p, p + len);
      p += len + 2;
    }
    this.pos = p;
    return argv;
  }

  private parseMultibulk(): string[] | null {
    const buf = this.buf;
    const end = buf.length;
    let pos = this.pos;
    if (this.argsLeft === 0) {
      // "*<count>\r\n"
      const nl = findCR(buf, pos, end);
      if (nl < 0) {
        if (end - pos > PROTO_INLINE_MAX_SIZE) throw new ProtocolError('Protocol error: too big mbulk count string');
        return null;
      }
      // A line end that is there is parsed, however far (Redis checks the size only while waiting for it).
      if (nl + 1 >= end) return null; // need the '\n' too
      const ll = parseStrictInt(buf, pos + 1, nl);
      if (ll === null || ll > 2147483647) throw new ProtocolError('Protocol error: invalid multibulk length');
      if (ll > 10 && !this.authenticated) throw new ProtocolError('Protocol error: unauthenticated multibulk length');
      pos = nl + 2;
      this.pos = pos;
      if (ll <= 0) {
        return EMPTY_ARGV;
      }
      this.argsLeft = ll;
      this.argv = [];
      this.argvBytes = 0;
    }
    const argv = this.argv;
    while (this.argsLeft > 0) {
      if (this.bulkLen === -1) {
        if (pos >= end) break;
        const nl = findCR(buf, pos, end);
        if (nl < 0) {
          if (end - pos > PROTO_INLINE_MAX_SIZE) throw new ProtocolError('Protocol error: too big bulk count string');
          break;
        }
        if (nl + 1 >= end) break;
        if (buf[pos] !== 36 /* '$' */) {
          throw new ProtocolError(`Protocol error: expected '$', got '${String.fromCharCode(buf[pos])}'`);
        }
        const ll = parseStrictInt(buf, pos + 1, nl);
        if (ll === null || ll < 0 || ll > this.maxBulkLen) throw new ProtocolError('Protocol error: invalid bulk length');
        // Beyond the longest string the JS engine can make: refused up front, never a crash later.
        if (ll > MAX_STRING_LENGTH) throw new ProtocolError('Protocol error: invalid bulk length');
        if (ll > 16384 && !this.authenticated) throw new ProtocolError('Protocol error: unauthenticated bulk length');
        pos = nl + 2;
        this.bulkLen = ll;
      }
      const need = this.bulkLen + 2;
      if (end - pos < need) {
        this.pos = pos;
        if (this.bulkLen >= PROTO_MBULK_BIG_ARG) {
          // Gather the rest into one buffer that grows as it arrives.
          const rest = buf.subarray(pos);
          this.big = Buffer.allocUnsafe(Math.max(rest.length, Math.min(need, 1024 * 1024)));
          this.bigLen = 0;
          this.bigNeed = need;
          this.buf = EMPTY as Latin1Buffer;
          this.pos = 0;
          this.gather(rest);
        }
        return null;
      }
      argv.push(argv.length === 0 ? commandName(buf, pos, this.bulkLen) : buf.latin1Slice(pos, pos + this.bulkLen));
      this.argvBytes += this.bulkLen;
      pos += need;
      this.bulkLen = -1;
      this.argsLeft--;
    }
    this.pos = pos;
    if (this.argsLeft > 0) return null;
    this.argv = [];
    this.argvBytes = 0;
    return argv;
  }

  private parseInline(): string[] | null {
    const buf = this.buf;
    const nl = findLineEnd(buf, LF, this.pos);
    if (nl < 0) {
      if (buf.length - this.pos > PROTO_INLINE_MAX_SIZE) throw new ProtocolError('Protocol error: too big inline request');
      return null;
    }
    let lineEnd = nl;
    if (lineEnd > this.pos && buf[lineEnd - 1] === CR) lineEnd--;
    const line = buf.latin1Slice(this.pos, lineEnd);
    this.pos = nl + 1;
    const argv = splitArgs(line);
    if (argv === null) throw new ProtocolError('Protocol error: unbalanced quotes in request');
    return argv;
  }
}

const EMPTY_ARGV: string[] = [];

/**
 * Index of the first `byte` at or after `pos`, as Redis's strchr() over the
 * NUL-terminated query buffer finds it: a NUL byte before it hides it (-1),
 * so such a line is never complete and eventually trips the size limit.
 */
function findLineEnd(buf: Buffer, byte: number, pos: number): number {
  const i = buf.indexOf(byte, pos);
  if (i < 0) return -1;
  for (let j = pos; j < i; j++) if (buf[j] === 0) return -1;
  return i;
}

/**
 * Position of the next '\r' at or after `pos`, or -1. Headers are short, so
 * a JS scan of the first bytes beats a native indexOf call; long runs fall
 * back to indexOf.
 */
function findCR(buf: Buffer, pos: number, end: number): number {
  const stop = pos + 24 < end ? pos + 24 : end;
  for (let i = pos; i < stop; i++) {
    const b = buf[i];
    if (b === CR) return i;
    if (b === 0) return -1; // Redis's strchr() stops at a NUL byte
  }
  return stop === end ? -1 : findLineEnd(buf, CR, stop);
}

/**
 * Command names are interned: the same bytes give the same string object, so
 * the command table lookup hits a string whose hash is already known and no
 * new string is made per command. Bounded to short names and a fixed number
 * of entries (unknown names from clients cannot grow it without limit).
 */
const internBuckets: (string[] | undefined)[] = new Array(32 * 256);
let internCount = 0;
const INTERN_MAX = 4096;

function commandName(buf: Latin1Buffer, pos: number, len: number): string {
  if (len === 0 || len > 31) return buf.latin1Slice(pos, pos + len);
  const bucketIdx = len * 256 + buf[pos];
  let bucket = internBuckets[bucketIdx];
  if (bucket !== undefined) {
    outer: for (let b = 0; b < bucket.length; b++) {
      const cand = bucket[b];
      for (let i = 1; i < len; i++) if (cand.charCodeAt(i) !== buf[pos + i]) continue outer;
      return cand;
    }
  }
  const s = buf.latin1Slice(pos, pos + len);
  if (internCount < INTERN_MAX && (bucket === undefined || bucket.length < 16)) {
    if (bucket === undefined) internBuckets[bucketIdx] = bucket = [];
    bucket.push(s);
    internCount++;
  }
  return s;
}

/** Redis's string2ll over a byte range: optional '-', no '+', no leading zeros. */
function parseStrictInt(buf: Buffer, start: number, end: number): number | null {
  const len = end - start;
  if (len <= 0 || len > 20) return null;
  let p = start;
  if (len === 1 && buf[p] === 48) return 0;
  let neg = false;
  if (buf[p] === 45) {
    neg = true;
    p++;
    if (p === end) return null;
  }
  let c = buf[p];
  if (c < 49 || c > 57) return null;
  let v = 0;
  for (; p < end; p++) {
    c = buf[p];
    if (c < 48 || c > 57) return null;
    v = v * 10 + (c - 48);
  }
  if (v >= 1e18) {
    // Near the 64-bit limits: decide exactly (string2ll fails on overflow).
    const big = BigInt(buf.toString('latin1', start, end));
    if (big > 9223372036854775807n || big < -9223372036854775808n) return null;
  }
  // Positive lengths beyond 2^53 are all refused by the callers' bounds anyway.
  return neg ? -v : v;
}

function isHexDigit(c: string): boolean {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

function isSpace(c: string): boolean {
  return c === ' ' || c === '\n' || c === '\r' || c === '\t' || c === '\v' || c === '\f';
}

/**
 * Splits a line into arguments as Redis's sdssplitargs does: whitespace
 * separated, "double quotes" with \n \r \t \b \a \\ \" and \xHH escapes,
 * 'single quotes' with \' only. Returns null on unbalanced quotes.
 */
export function splitArgs(line: string): string[] | null {
  const out: string[] = [];
  let i = 0;
  const n = line.length;
  for (;;) {
    while (i < n && isSpace(line[i])) i++;
    if (i >= n) return out;
    let inq = false;
    let insq = false;
    let done = false;
    let cur = '';
    while (!done) {
      const c = i < n ? line[i] : '';
      if (inq) {
        if (i >= n) return null;
        if (c === '\\' && line[i + 1] === 'x' && isHexDigit(line[i + 2] ?? '') && isHexDigit(line[i + 3] ?? '')) {
          cur += String.fromCharCode(parseInt(line.substr(i + 2, 2), 16));
          i += 3;
        } else if (c === '\\' && i + 1 < n) {
          i++;
          const e = line[i];
          switch (e) {
            case 'n': cur += '\n'; break;
            case 'r': cur += '\r'; break;
            case 't': cur += '\t'; break;
            case 'b': cur += '\b'; break;
            case 'a': cur += '\x07'; break;
            default: cur += e; break;
          }
        } else if (c === '"') {
          // closing quote must be followed by a space or nothing
          if (i + 1 < n && !isSpace(line[i + 1])) return null;
          done = true;
        } else {
          cur += c;
        }
      } else if (insq) {
        if (i >= n) return null;
        if (c === '\\' && line[i + 1] === "'") {
          i++;
          cur += "'";
        } else if (c === "'") {
          if (i + 1 < n && !isSpace(line[i + 1])) return null;
          done = true;
        } else {
          cur += c;
        }
      } else {
        switch (c) {
          case ' ': case '\n': case '\r': case '\t': case '\0': case '':
            done = true;
            break;
          case '"':
            inq = true;
            break;
          case "'":
            insq = true;
            break;
          default:
            cur += c;
            break;
        }
      }
      if (i < n) i++;
    }
    out.push(cur);
  }
}
