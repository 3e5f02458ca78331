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

export const PROTO_INLINE_MAX_SIZE = 64 * 1024;
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
  private bulkLen = -1;
  /** Big bulk being gathered in pieces. */
  private pieces: Buffer[] | null = null;
  private piecesLen = 0;
  private piecesNeed = 0;

  /** Bytes received but not yet consumed. */
  get pending(): number {
    return this.buf.length - this.pos + this.piecesLen;
  }

  feed(chunk: Buffer): void {
    if (this.pieces !== null) {
      this.pieces.push(chunk);
      this.piecesLen += chunk.length;
      if (this.piecesLen >= this.piecesNeed) {
        this.buf = Buffer.concat(this.pieces, this.piecesLen) as Latin1Buffer;
        this.pos = 0;
        this.pieces = null;
        this.piecesLen = 0;
        this.piecesNeed = 0;
      }
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
      if (this.pieces !== null) return null;
      const buf = this.buf;
      if (this.pos >= buf.length) {
        if (this.pos > 0) {
          this.buf = EMPTY as Latin1Buffer;
          this.pos = 0;
        }
        return null;
      }
      if (this.reqType === 0) {
        this.reqType = buf[this.pos] === 42 /* '*' */ ? 1 : 2;
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

  /** Drops everything buffered (used on RESET of state or close). */
  clear(): void {
    this.buf = EMPTY as Latin1Buffer;
    this.pos = 0;
    this.reqType = 0;
    this.argv = [];
    this.argsLeft = 0;
    this.bulkLen = -1;
    this.pieces = null;
    this.piecesLen = 0;
    this.piecesNeed = 0;
  }

  private parseMultibulk(): string[] | null {
    const buf = this.buf;
    const end = buf.length;
    let pos = this.pos;
    if (this.argsLeft === 0) {
      // "*<count>\r\n"
      const nl = buf.indexOf(CR, pos);
      if (nl < 0) {
        if (end - pos > PROTO_INLINE_MAX_SIZE) throw new ProtocolError('Protocol error: too big mbulk count string');
        return null;
      }
      if (nl - pos > PROTO_INLINE_MAX_SIZE) throw new ProtocolError('Protocol error: too big mbulk count string');
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
    }
    const argv = this.argv;
    while (this.argsLeft > 0) {
      if (this.bulkLen === -1) {
        if (pos >= end) break;
        const nl = buf.indexOf(CR, pos);
        if (nl < 0) {
          if (end - pos > PROTO_INLINE_MAX_SIZE) throw new ProtocolError('Protocol error: too big bulk count string');
          break;
        }
        if (nl - pos > PROTO_INLINE_MAX_SIZE) throw new ProtocolError('Protocol error: too big bulk count string');
        if (nl + 1 >= end) break;
        if (buf[pos] !== 36 /* '$' */) {
          throw new ProtocolError(`Protocol error: expected '$', got '${String.fromCharCode(buf[pos])}'`);
        }
        const ll = parseStrictInt(buf, pos + 1, nl);
        if (ll === null || ll < 0 || ll > this.maxBulkLen) throw new ProtocolError('Protocol error: invalid bulk length');
        if (ll > 16384 && !this.authenticated) throw new ProtocolError('Protocol error: unauthenticated bulk length');
        pos = nl + 2;
        this.bulkLen = ll;
      }
      const need = this.bulkLen + 2;
      if (end - pos < need) {
        this.pos = pos;
        if (this.bulkLen >= PROTO_MBULK_BIG_ARG) {
          // Gather the rest in pieces and join once.
          const rest = buf.subarray(pos);
          this.pieces = [rest];
          this.piecesLen = rest.length;
          this.piecesNeed = need;
          this.buf = EMPTY as Latin1Buffer;
          this.pos = 0;
        }
        return null;
      }
      argv.push(buf.latin1Slice(pos, pos + this.bulkLen));
      pos += need;
      this.bulkLen = -1;
      this.argsLeft--;
    }
    this.pos = pos;
    if (this.argsLeft > 0) return null;
    this.argv = [];
    return argv;
  }

  private parseInline(): string[] | null {
    const buf = this.buf;
    const nl = buf.indexOf(LF, this.pos);
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
  // Lengths beyond 2^53 are all refused by the callers' bounds anyway.
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
        if (c === '\\' && line[i + 1] === 'x' && i + 3 < n + 0 && isHexDigit(line[i + 2] ?? '') && isHexDigit(line[i + 3] ?? '')) {
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
