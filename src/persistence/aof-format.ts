/**
 * The append-only file's command format: each command as a RESP array of
 * bulk strings (catAppendOnlyGenericCommand), `#...` annotation lines
 * (`#TS:<unix time>` when aof-timestamp-enabled), read back exactly as
 * Redis's loadSingleAppendOnlyFile reads them: lines of at most 1023 bytes
 * (fgets), a count line `*<argc>`, then per argument `$<len>`, the bytes and
 * two bytes that are skipped. A command cut by the end of the file is
 * "truncated" (the caller may drop it), anything else malformed is a format
 * error. Pure: no I/O.
 */

/** One command in the file's form (a latin1 string: one char per byte). */
export function encodeCommand(argv: readonly string[]): string {
  let out = `*${argv.length}\r\n`;
  for (const a of argv) out += `$${a.length}\r\n${a}\r\n`;
  return out;
}

/** SELECT as feedAppendOnlyFile writes it. */
export function encodeSelect(db: number): string {
  const s = String(db);
  return `*2\r\n$6\r\nSELECT\r\n$${s.length}\r\n${s}\r\n`;
}

export function timestampAnnotation(unixSeconds: number): string {
  return `#TS:${unixSeconds}\r\n`;
}

export type AofRead =
  /** A whole command; `end` is the offset just after it. */
  | { kind: 'command'; argv: string[]; end: number }
  /** The file ended cleanly, between commands. */
  | { kind: 'eof' }
  /** The file ended inside a command. */
  | { kind: 'truncated' }
  /** Not the AOF format. */
  | { kind: 'format' };

const LINE_MAX = 1023; // fgets with a 1024-byte buffer (AOF_ANNOTATION_LINE_MAX_LEN)
const EOF_READ: AofRead = { kind: 'eof' };
const TRUNCATED: AofRead = { kind: 'truncated' };
const FORMAT: AofRead = { kind: 'format' };

/** Reads commands from a file's bytes, from `pos` on. */
export class AofCommandReader {
  pos: number;

  constructor(
    private readonly buf: Buffer,
    start = 0,
  ) {
    this.pos = start;
  }

  /** fgets: the next line (through its newline, at most LINE_MAX bytes), or null at the end. */
  private line(): [number, number] | null {
    const buf = this.buf;
    const start = this.pos;
    if (start >= buf.length) return null;
    const limit = Math.min(buf.length, start + LINE_MAX);
    let nl = buf.indexOf(10, start);
    const end = nl >= 0 && nl < limit ? nl + 1 : limit;
    this.pos = end;
    return [start, end];
  }

  next(): AofRead {
    const buf = this.buf;
    for (;;) {
      const l = this.line();
      if (l === null) return EOF_READ;
      const [s, e] = l;
      const c0 = buf[s];
      if (c0 === 35) continue; // '#': an annotation
      if (c0 !== 42) return FORMAT; // not '*'
      if (e - s === 1) return TRUNCATED; // "*" and nothing more: a short read
      const argc = atoi(buf, s + 1, e);
      if (argc < 1) return FORMAT;
      const argv: string[] = [];
      for (let j = 0; j < argc; j++) {
        const h = this.line();
        if (h === null) return TRUNCATED;
        if (buf[h[0]] !== 36) return FORMAT; // not '$'
        const len = atoi(buf, h[0] + 1, h[1]);
        if (len < 0) return FORMAT;
        const from = this.pos;
        if (len > buf.length - from) return TRUNCATED;
        argv.push(buf.toString("latin1", from, from + len));
        if (from + len + 2 > buf.length) return TRUNCATED; // the CRLF after it
        this.pos = from + len + 2;
      }
      return { kind: 'command', argv, end: this.pos };
    }
  }
}

/** C's atoi/strtol on buf[from..to): blanks, a sign, digits (0 when none; clamped to the int range). */
function atoi(buf: Buffer, from: number, to: number): number {
  let i = from;
  while (i < to && (buf[i] === 32 || (buf[i] >= 9 && buf[i] <= 13))) i++;
  let neg = false;
  if (i < to && (buf[i] === 43 || buf[i] === 45)) {
    neg = buf[i] === 45;
    i++;
  }
  let n = 0;
  while (i < to && buf[i] >= 48 && buf[i] <= 57) {
    n = n * 10 + (buf[i] - 48);
    if (n > 0x7fffffffffff) break;
    i++;
  }
  return neg ? -n : n;
}
