/**
 * The multi-part append-only file's manifest (Redis 7.0): which base file
 * and which incremental files make up the dataset, in order, and which
 * history files wait to be deleted. One line per file:
 *
 *   file appendonly.aof.2.base.rdb seq 2 type b
 *   file appendonly.aof.1.incr.aof seq 1 type h
 *   file appendonly.aof.3.incr.aof seq 3 type i
 *
 * Base first, then history, then incremental files. Names are quoted as
 * Redis's sdscatrepr when they need it. Pure: reading and writing the file
 * is the AOF service's.
 */
import { splitArgs } from '../protocol/parser.js';
import { quoteArg } from '../util/repr.js';

export type AofFileType = 'b' | 'h' | 'i';

export interface AofInfo {
  name: string;
  seq: number;
  type: AofFileType;
}

export class ManifestError extends Error {
  constructor(
    message: string,
    /** 1-based line of the error (0: none). */
    readonly line = 0,
    readonly text = '',
  ) {
    super(message);
  }
}

const BASE_SUFFIX = '.base';
const INCR_SUFFIX = '.incr';
const RDB_SUFFIX = '.rdb';
const AOF_SUFFIX = '.aof';
export const TEMP_PREFIX = 'temp-';
const MAX_LINE = 1024;

/** Redis's sdsneedsrepr: a name with a quote, backslash, space or unprintable byte is written quoted. */
function needsRepr(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 92 || c === 34 || c <= 32 || c >= 127) return true;
  }
  return false;
}

export class AofManifest {
  base: AofInfo | null = null;
  incr: AofInfo[] = [];
  history: AofInfo[] = [];
  curBaseSeq = 0;
  curIncrSeq = 0;
  /** Changed since last persisted. */
  dirty = false;

  constructor(readonly filename: string) {}

  dup(): AofManifest {
    const m = new AofManifest(this.filename);
    m.base = this.base === null ? null : { ...this.base };
    m.incr = this.incr.map((a) => ({ ...a }));
    m.history = this.history.map((a) => ({ ...a }));
    m.curBaseSeq = this.curBaseSeq;
    m.curIncrSeq = this.curIncrSeq;
    m.dirty = this.dirty;
    return m;
  }

  get empty(): boolean {
    return this.base === null && this.incr.length === 0;
  }

  /** The manifest file's text (getAofManifestAsString). */
  format(): string {
    let out = '';
    const line = (a: AofInfo) => {
      out += `file ${needsRepr(a.name) ? quoteArg(a.name) : a.name} seq ${a.seq} type ${a.type}\n`;
    };
    if (this.base !== null) line(this.base);
    for (const a of this.history) line(a);
    for (const a of this.incr) line(a);
    return out;
  }

  /** Parses a manifest's text as aofLoadManifestFromFile; throws ManifestError with Redis's message. */
  static parse(filename: string, text: string): AofManifest {
    const m = new AofManifest(filename);
    if (text.length === 0) throw new ManifestError('Found an empty AOF manifest');
    let maxSeq = 0;
    let linenum = 0;
    let pos = 0;
    while (pos < text.length) {
      let nl = text.indexOf('\n', pos);
      // fgets reads at most MAX_LINE bytes a time
      const raw = nl < 0 || nl - pos >= MAX_LINE ? text.slice(pos, pos + MAX_LINE) : text.slice(pos, nl + 1);
      pos += raw.length;
      linenum++;
      if (raw[0] === '#') continue;
      if (!raw.includes('\n')) {
        if (nl < 0 && raw.length < MAX_LINE) {
          // last line without a newline: fgets returns it, and Redis then finds no newline in it
        }
        throw new ManifestError('The AOF manifest file contains too long line', linenum, raw.trim());
      }
      const line = raw.replace(/^[ \t\r\n]+|[ \t\r\n]+$/g, '');
      if (line.length === 0) throw new ManifestError('Invalid AOF manifest file format', linenum, line);
      const argv = splitArgs(line);
      if (argv === null || argv.length < 6 || argv.length % 2 !== 0) throw new ManifestError('Invalid AOF manifest file format', linenum, line);
      let name: string | null = null;
      let seq = 0;
      let type = '';
      for (let i = 0; i < argv.length; i += 2) {
        const k = argv[i].toLowerCase();
        if (k === 'file') {
          name = argv[i + 1];
          if (name.includes('/')) throw new ManifestError("File can't be a path, just a filename", linenum, line);
        } else if (k === 'seq') seq = atoll(argv[i + 1]);
        else if (k === 'type') type = argv[i + 1].charAt(0);
      }
      if (name === null || name === '' || seq === 0 || type === '') throw new ManifestError('Invalid AOF manifest file format', linenum, line);
      const info: AofInfo = { name, seq, type: type as AofFileType };
      if (type === 'b') {
        if (m.base !== null) throw new ManifestError('Found duplicate base file information', linenum, line);
        m.base = info;
        m.curBaseSeq = seq;
      } else if (type === 'h') {
        m.history.push(info);
      } else if (type === 'i') {
        if (seq <= maxSeq) throw new ManifestError('Found a non-monotonic sequence number', linenum, line);
        m.incr.push(info);
        m.curIncrSeq = seq;
        maxSeq = seq;
      } else {
        throw new ManifestError('Unknown AOF file type', linenum, line);
      }
      if (nl < 0) break;
    }
    return m;
  }

  /** A new base file name; the current base becomes history (getNewBaseFileNameAndMarkPreAsHistory). */
  newBase(rdbPreamble: boolean): string {
    if (this.base !== null) {
      this.base.type = 'h';
      this.history.unshift(this.base);
    }
    const seq = ++this.curBaseSeq;
    this.base = { name: `${this.filename}.${seq}${BASE_SUFFIX}${rdbPreamble ? RDB_SUFFIX : AOF_SUFFIX}`, seq, type: 'b' };
    this.dirty = true;
    return this.base.name;
  }

  /** A new incremental file, appended to the list (getNewIncrAofName). */
  newIncr(): string {
    const seq = ++this.curIncrSeq;
    const name = `${this.filename}.${seq}${INCR_SUFFIX}${AOF_SUFFIX}`;
    this.incr.push({ name, seq, type: 'i' });
    this.dirty = true;
    return name;
  }

  /** The last incremental file, or a new one when there is none (getLastIncrAofName). */
  lastIncr(): string {
    if (this.incr.length === 0) return this.newIncr();
    return this.incr[this.incr.length - 1].name;
  }

  /**
   * After a rewrite: every incremental file but the one being written
   * (when `keepLast`) becomes history (markRewrittenIncrAofAsHistory).
   */
  markRewrittenIncrAsHistory(keepLast: boolean): void {
    if (this.incr.length === 0) return;
    const keep = keepLast ? this.incr.slice(-1) : [];
    const moved = keepLast ? this.incr.slice(0, -1) : this.incr;
    // Redis walks from the tail and adds each at the head: history keeps file order
    for (let i = moved.length - 1; i >= 0; i--) this.history.unshift({ ...moved[i], type: 'h' });
    this.incr = keep;
    this.dirty = true;
  }

  /** The temporary manifest name (temp-appendonly.aof.manifest). */
  static tempName(filename: string): string {
    return `${TEMP_PREFIX}${filename}.manifest`;
  }

  static manifestName(filename: string): string {
    return `${filename}.manifest`;
  }

  /** The incremental file used while AOF waits for its first rewrite (temp-appendonly.aof.incr). */
  static tempIncrName(filename: string): string {
    return `${TEMP_PREFIX}${filename}${INCR_SUFFIX}`;
  }
}

/** C's atoll: leading blanks, sign, digits; anything else ends the number (0 when none). */
function atoll(s: string): number {
  const m = /^[ \t\n\v\f\r]*([+-]?\d+)/.exec(s);
  if (m === null) return 0;
  const n = Number(m[1]);
  return Number.isSafeInteger(n) ? n : 0;
}
