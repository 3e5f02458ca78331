/**
 * The stream type, as Redis 7.0's t_stream.c keeps it: entries grouped in
 * nodes that begin and end where Redis's listpack nodes begin and end, plus
 * consumer groups with their pending entries lists.
 *
 * IDs: a `StreamId` is a 16-character latin1 string, the 128-bit ID in big
 * endian (ms then seq, 8 bytes each), the key format of Redis's rax. Two IDs
 * compare with `<` / `===` like the 128-bit numbers, and an ID is a cheap
 * Map key. Parts are exact over the whole 0..2^64-1 range. Inside nodes and
 * ID-keyed maps (IdMap) IDs are kept as four uint32 words, not strings.
 *
 * Nodes: a node holds up to stream-node-max-entries entries (live and
 * deleted) and its listpack byte size is tracked exactly as listpack.c would
 * encode it (master entry, same-fields flag, integer-looking strings stored
 * as integers, backlen sizes), so a new node starts exactly where Redis
 * starts one and approximate trimming (`~`), which removes whole nodes only,
 * removes what Redis removes; encodeNodeListpack gives Redis's bytes. XDEL
 * flags an entry deleted (a tombstone, as Redis does); a node goes when its
 * last live entry goes. Entries are in ID order except after XSETID lowers
 * the last ID below deleted entries, where scans, lookups and trims follow
 * Redis's iterator rules (see StreamNode.sorted and linkNode).
 *
 * Groups: a StreamGroup has a PEL (ID -> StreamNack, an IdMap) and consumers
 * (name -> StreamConsumer, a NameMap), each consumer its own PEL sharing the
 * NACK objects; a stream's groups are a NameMap too. entries_read, lag and
 * last-delivered IDs follow 7.0's rules.
 *
 * Time is always passed in (`now`, ms); nothing here reads the clock.
 */
import type { RObject } from './object.js';
import { IdMap, keyOfWords, type IdCursor } from './ordered-map.js';
import { NameMap } from './name-map.js';

// ---------------------------------------------------------------------------
// IDs
// ---------------------------------------------------------------------------

declare const streamIdBrand: unique symbol;
/** A stream ID: 16 latin1 chars, ms then seq as 64-bit big-endian numbers. */
export type StreamId = string & { readonly [streamIdBrand]: true };

const TWO32 = 4294967296;
const U64_MAX = (1n << 64n) - 1n;

function w32(id: string, o: number): number {
  return ((id.charCodeAt(o) << 24) | (id.charCodeAt(o + 1) << 16) | (id.charCodeAt(o + 2) << 8) | id.charCodeAt(o + 3)) >>> 0;
}

/** The ID of four 32-bit words (ms high, ms low, seq high, seq low). */
function fromWords(mh: number, ml: number, sh: number, sl: number): StreamId {
  return keyOfWords(mh, ml, sh, sl) as StreamId;
}

/** 0-0. */
export const MIN_ID: StreamId = fromWords(0, 0, 0, 0);
/** 18446744073709551615-18446744073709551615. */
export const MAX_ID: StreamId = fromWords(0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff);

/** The ID ms-seq from two safe non-negative integers (e.g. a clock reading). */
export function makeId(ms: number, seq: number): StreamId {
  return fromWords(Math.floor(ms / TWO32), ms >>> 0, Math.floor(seq / TWO32), seq >>> 0);
}

/** The ID ms-seq from two 0..2^64-1 bigints. */
export function makeIdBig(ms: bigint, seq: bigint): StreamId {
  return fromWords(Number((ms >> 32n) & 0xffffffffn), Number(ms & 0xffffffffn), Number((seq >> 32n) & 0xffffffffn), Number(seq & 0xffffffffn));
}

/** The ms part. */
export function idMs(id: StreamId): bigint {
  return (BigInt(w32(id, 0)) << 32n) | BigInt(w32(id, 4));
}

/** The seq part. */
export function idSeq(id: StreamId): bigint {
  return (BigInt(w32(id, 8)) << 32n) | BigInt(w32(id, 12));
}

function u64Text(hi: number, lo: number): string {
  if (hi < 0x200000) return String(hi * TWO32 + lo);
  return ((BigInt(hi) << 32n) | BigInt(lo)).toString();
}

/** The decimal text ms-seq (`sep` '.' gives DEBUG DIGEST's form). */
export function formatId(id: StreamId, sep = '-'): string {
  return u64Text(w32(id, 0), w32(id, 4)) + sep + u64Text(w32(id, 8), w32(id, 12));
}

/** -1, 0 or 1 (streamCompareID). */
export function compareIds(a: StreamId, b: StreamId): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The next ID, or null when `id` is the last possible one (streamIncrID's error; it wraps to 0-0). */
export function incrId(id: StreamId): StreamId | null {
  let mh = w32(id, 0);
  let ml = w32(id, 4);
  let sh = w32(id, 8);
  let sl = w32(id, 12);
  if (sl !== 0xffffffff) sl++;
  else if (sh !== 0xffffffff) {
    sl = 0;
    sh++;
  } else {
    sl = sh = 0;
    if (ml !== 0xffffffff) ml++;
    else if (mh !== 0xffffffff) {
      ml = 0;
      mh++;
    } else return null;
  }
  return fromWords(mh, ml, sh, sl);
}

/** The previous ID, or null when `id` is 0-0 (streamDecrID's error). */
export function decrId(id: StreamId): StreamId | null {
  let mh = w32(id, 0);
  let ml = w32(id, 4);
  let sh = w32(id, 8);
  let sl = w32(id, 12);
  if (sl !== 0) sl--;
  else if (sh !== 0) {
    sl = 0xffffffff;
    sh--;
  } else {
    sl = sh = 0xffffffff;
    if (ml !== 0) ml--;
    else if (mh !== 0) {
      ml = 0xffffffff;
      mh--;
    } else return null;
  }
  return fromWords(mh, ml, sh, sl);
}

/** True when the ms parts are equal. */
function sameMs(a: StreamId, b: StreamId): boolean {
  return w32(a, 0) === w32(b, 0) && w32(a, 4) === w32(b, 4);
}

// --- parsing ---------------------------------------------------------------

/** Error replies of the stream commands that the ID and append logic decide. */
export const StreamErr = {
  invalidId: 'ERR Invalid stream ID specified as stream command argument',
  invalidStart: 'ERR invalid start ID for the interval',
  invalidEnd: 'ERR invalid end ID for the interval',
  xaddZero: 'ERR The ID specified in XADD must be greater than 0-0',
  xaddSmaller: 'ERR The ID specified in XADD is equal or smaller than the target stream top item',
  tooLarge: 'ERR Elements are too large to be stored',
  exhausted: 'ERR The stream has exhausted the last possible ID, unable to add more items',
  xsetidSmaller: 'ERR The ID specified in XSETID is smaller than the target stream top item',
  xsetidEntriesAdded: 'ERR The entries_added specified in XSETID is smaller than the target stream length',
  xsetidMaxDeleted: 'ERR The ID specified in XSETID is smaller than the provided max_deleted_entry_id',
} as const;

const isSpace = (c: number): boolean => c === 32 || (c >= 9 && c <= 13);

// scratch output of parseU64: [hi, lo]
const u64Out = [0, 0];

/**
 * Redis's string2ull on a C string: string2ll's strict form (no sign but
 * '-', no leading zeros, no spaces; a negative value is an error), else
 * strtoull's lenient one (leading spaces, '+' or '-' sign, leading zeros;
 * "-N" is 2^64-N), the whole string consumed and no overflow. Writes the
 * value to u64Out; false when invalid.
 */
function parseU64(s: string): boolean {
  const n = s.length;
  // fast path: string2ll's form of a number below 2^53
  if (n > 0 && n <= 15) {
    let c = s.charCodeAt(0);
    if (c >= 49 && c <= 57) {
      let v = c - 48;
      let i = 1;
      for (; i < n; i++) {
        c = s.charCodeAt(i);
        if (c < 48 || c > 57) break;
        v = v * 10 + (c - 48);
      }
      if (i === n) {
        u64Out[0] = Math.floor(v / TWO32);
        u64Out[1] = v >>> 0;
        return true;
      }
    } else if (c === 48 && n === 1) {
      u64Out[0] = u64Out[1] = 0;
      return true;
    }
  }
  // string2ll: a valid negative number is an error
  if (n >= 2 && n < 21 && s.charCodeAt(0) === 45) {
    let ok = s.charCodeAt(1) >= 49 && s.charCodeAt(1) <= 57;
    for (let i = 2; ok && i < n; i++) ok = s.charCodeAt(i) >= 48 && s.charCodeAt(i) <= 57;
    if (ok && BigInt(s) >= -(1n << 63n)) return false;
  }
  // strtoull(s, &end, 10)
  let i = 0;
  while (i < n && isSpace(s.charCodeAt(i))) i++;
  let neg = false;
  if (i < n && (s.charCodeAt(i) === 43 || s.charCodeAt(i) === 45)) {
    neg = s.charCodeAt(i) === 45;
    i++;
  }
  const d0 = i;
  while (i < n && s.charCodeAt(i) >= 48 && s.charCodeAt(i) <= 57) i++;
  if (i === d0 || i !== n) return false; // no digits, or trailing characters
  let v = BigInt(s.slice(d0, i));
  if (v > U64_MAX) return false; // ERANGE
  if (neg) v = (-v) & U64_MAX;
  u64Out[0] = Number(v >> 32n);
  u64Out[1] = Number(v & 0xffffffffn);
  return true;
}

/** An argument as the C string Redis sees: up to its first NUL byte. */
function cString(arg: string): string {
  const z = arg.indexOf('\0');
  return z < 0 ? arg : arg.slice(0, z);
}

/**
 * streamGenericParseIDOrReply: `ms-seq`, or `ms` with the seq part
 * `missingSeq` ('max' = 2^64-1), or (unless strict) `-` and `+`. When
 * `xadd`, `ms-*` is accepted too and reported with seqGiven false. Returns
 * null for every invalid form (one error: StreamErr.invalidId).
 */
function parseGeneric(arg: string, missingSeqMax: boolean, strict: boolean, xadd: boolean): { id: StreamId; seqGiven: boolean } | null {
  if (arg.length > 127) return null;
  const s = cString(arg);
  if (s === '-' || s === '+') {
    if (strict) return null;
    return { id: s === '-' ? MIN_ID : MAX_ID, seqGiven: true };
  }
  const dash = s.indexOf('-');
  if (!parseU64(dash < 0 ? s : s.slice(0, dash))) return null;
  const mh = u64Out[0];
  const ml = u64Out[1];
  if (dash < 0) {
    return { id: missingSeqMax ? fromWords(mh, ml, 0xffffffff, 0xffffffff) : fromWords(mh, ml, 0, 0), seqGiven: true };
  }
  const seqPart = s.slice(dash + 1);
  if (xadd && seqPart === '*') return { id: fromWords(mh, ml, 0, 0), seqGiven: false };
  if (!parseU64(seqPart)) return null;
  return { id: fromWords(mh, ml, u64Out[0], u64Out[1]), seqGiven: true };
}

/**
 * An explicit ID argument (XDEL, XACK, XCLAIM, XREAD, XGROUP CREATE, MINID,
 * XSETID...): `ms-seq` or `ms` (seq 0; 'max' for 2^64-1). `strict` (the
 * default) refuses `-` and `+`; XGROUP SETID parses non-strict. Null when
 * invalid: reply StreamErr.invalidId.
 */
export function parseStreamId(arg: string, opts: { strict?: boolean; missingSeq?: 'zero' | 'max' } = {}): StreamId | null {
  const r = parseGeneric(arg, opts.missingSeq === 'max', opts.strict !== false, false);
  return r === null ? null : r.id;
}

/**
 * The ID argument of XADD: `*` (auto: id null), `ms-*` (seqGiven false, the
 * ID's seq is 0) or an explicit strict ID. Null when invalid
 * (StreamErr.invalidId). The command itself answers StreamErr.xaddZero for
 * an explicit 0-0 (id MIN_ID with seqGiven) before creating the key.
 */
export function parseXaddId(arg: string): { id: StreamId | null; seqGiven: boolean } | null {
  if (arg.length > 0 && arg.charCodeAt(0) === 42 && (arg.length === 1 || arg.charCodeAt(1) === 0)) return { id: null, seqGiven: false };
  return parseGeneric(arg, false, true, true);
}

/**
 * XADD's own check before it looks the key up: an explicit 0-0 is refused
 * with StreamErr.xaddZero (null when the ID is acceptable so far).
 */
export function xaddIdError(parsed: { id: StreamId | null; seqGiven: boolean }): string | null {
  return parsed.id === MIN_ID && parsed.seqGiven ? StreamErr.xaddZero : null;
}

/**
 * The start of a range (XRANGE start, XREVRANGE's last argument, XPENDING,
 * XAUTOCLAIM): `-`, `ms` (seq 0), `ms-seq`, or `(id` exclusive (strict,
 * then incremented). Returns the inclusive start ID or the error to reply.
 */
export function parseRangeStart(arg: string): StreamId | typeof StreamErr.invalidId | typeof StreamErr.invalidStart {
  const ex = arg.length > 1 && arg.charCodeAt(0) === 40;
  const r = parseGeneric(ex ? arg.slice(1) : arg, false, ex, false);
  if (r === null) return StreamErr.invalidId;
  if (!ex) return r.id;
  return incrId(r.id) ?? StreamErr.invalidStart;
}

/** The end of a range: `+`, `ms` (seq 2^64-1), `ms-seq`, or `(id` exclusive (then decremented). */
export function parseRangeEnd(arg: string): StreamId | typeof StreamErr.invalidId | typeof StreamErr.invalidEnd {
  const ex = arg.length > 1 && arg.charCodeAt(0) === 40;
  const r = parseGeneric(ex ? arg.slice(1) : arg, true, ex, false);
  if (r === null) return StreamErr.invalidId;
  if (!ex) return r.id;
  return decrId(r.id) ?? StreamErr.invalidEnd;
}

/** True for a parse result that is an ID rather than an error message. */
export function isStreamId(v: string): v is StreamId {
  return v.length === 16; // every error message is longer
}

// ---------------------------------------------------------------------------
// 64-bit counters (entries_added, entries_read, lag)
// ---------------------------------------------------------------------------

/**
 * An exact 64-bit counter: a number while it is a safe integer, a bigint
 * beyond (only after XSETID ENTRIESADDED / XGROUP SETID ENTRIESREAD with
 * huge values). entries_added is unsigned, entries_read and lag signed, as
 * in Redis; replies print them as signed (addReplyLongLong).
 */
export type Counter = number | bigint;

function norm(b: bigint): Counter {
  return b >= -9007199254740991n && b <= 9007199254740991n ? Number(b) : b;
}

/** The value as a signed 64-bit integer (what addReplyLongLong prints). */
export function counterI64(c: Counter): Counter {
  return typeof c === 'number' ? c : norm(BigInt.asIntN(64, c));
}

function addU64(a: Counter, b: number): Counter {
  if (typeof a === 'number') {
    const r = a + b;
    if (r >= 0 && r <= Number.MAX_SAFE_INTEGER) return r;
  }
  return norm(BigInt.asUintN(64, BigInt(a) + BigInt(b)));
}

function addI64(a: Counter, b: number): Counter {
  if (typeof a === 'number') {
    const r = a + b;
    if (Number.isSafeInteger(r)) return r;
  }
  return norm(BigInt.asIntN(64, BigInt(a) + BigInt(b)));
}

function subI64(a: Counter, b: Counter): Counter {
  if (typeof a === 'number' && typeof b === 'number') {
    const r = a - b;
    if (Number.isSafeInteger(r)) return r;
  }
  return norm(BigInt.asIntN(64, BigInt(a) - BigInt(b)));
}

function subU64(a: Counter, b: number): Counter {
  if (typeof a === 'number') {
    const r = a - b;
    if (r >= 0) return r;
  }
  return norm(BigInt.asUintN(64, BigInt(a) - BigInt(b)));
}

/** SCG_INVALID_ENTRIES_READ. */
export const INVALID_ENTRIES_READ = -1;

// ---------------------------------------------------------------------------
// listpack sizes (listpack.c)
// ---------------------------------------------------------------------------

/** Bytes of an integer element: encoding + its one-byte backlen. */
function intBytes(v: number): number {
  if (v >= 0 && v <= 127) return 2;
  if (v >= -4096 && v <= 4095) return 3;
  if (v >= -32768 && v <= 32767) return 4;
  if (v >= -8388608 && v <= 8388607) return 5;
  if (v >= -2147483648 && v <= 2147483647) return 6;
  return 10;
}

/** Bytes of lpEncodeBacklen for an encoded element of l bytes. */
function backlenBytes(l: number): number {
  if (l <= 127) return 1;
  if (l < 16383) return 2;
  if (l < 2097151) return 3;
  if (l < 268435455) return 4;
  return 5;
}

const INT64_MAX_TEXT = '9223372036854775807';
const INT64_MIN_TEXT = '9223372036854775808';

/** Bytes of the element a string becomes: an integer when lpStringToInt64 accepts it (then its integer size), else a string. */
function strBytes(s: string): number {
  const n = s.length;
  if (n > 0 && n < 21) {
    const c0 = s.charCodeAt(0);
    if ((c0 >= 48 && c0 <= 57) || c0 === 45) {
      const b = intTextBytes(s);
      if (b !== 0) return b;
    }
  }
  const enc = n < 64 ? 1 + n : n < 4096 ? 2 + n : 5 + n;
  return enc + backlenBytes(enc);
}

/** lpStringToInt64's acceptance: the element size when `s` is stored as an integer, else 0. */
function intTextBytes(s: string): number {
  const n = s.length;
  if (n === 1 && s.charCodeAt(0) === 48) return 2;
  let i = 0;
  const neg = s.charCodeAt(0) === 45;
  if (neg) i = 1;
  if (i >= n) return 0;
  let c = s.charCodeAt(i);
  if (c < 49 || c > 57) return 0;
  const d0 = i;
  for (i++; i < n; i++) {
    c = s.charCodeAt(i);
    if (c < 48 || c > 57) return 0;
  }
  const digits = n - d0;
  if (digits <= 15) {
    const v = Number(s);
    return intBytes(v);
  }
  if (digits < 19) return 10;
  if (digits > 19) return 0;
  const t = s.slice(d0);
  return t <= (neg ? INT64_MIN_TEXT : INT64_MAX_TEXT) ? 10 : 0;
}

/** Bytes of the integer element (a - b) mod 2^64 read as int64 (an ID delta), a and b as 32-bit words. */
function deltaBytes(ah: number, al: number, bh: number, bl: number): number {
  let lo = al - bl;
  let borrow = 0;
  if (lo < 0) {
    lo += TWO32;
    borrow = 1;
  }
  const hi = (ah - bh - borrow) >>> 0;
  if (hi === 0) return lo <= 127 ? 2 : lo <= 4095 ? 3 : lo <= 32767 ? 4 : lo <= 8388607 ? 5 : lo <= 2147483647 ? 6 : 10;
  if (hi === 0xffffffff) {
    const v = lo - TWO32;
    return v >= -4096 ? 3 : v >= -32768 ? 4 : v >= -8388608 ? 5 : v >= -2147483648 ? 6 : 10;
  }
  return 10;
}

/** The listpack header (total bytes + element count) and its EOF byte. */
const LP_OVERHEAD = 7;
/** STREAM_LISTPACK_MAX_SIZE. */
const LISTPACK_MAX_SIZE = 1 << 30;
/** STREAM_ITEM_FLAG_DELETED. */
export const FLAG_DELETED = 1;
/** STREAM_ITEM_FLAG_SAMEFIELDS. */
export const FLAG_SAMEFIELDS = 2;

// ---------------------------------------------------------------------------
// Nodes
// ---------------------------------------------------------------------------

/** The config values that decide where nodes end. */
export interface StreamNodeLimits {
  /** stream-node-max-entries (0: no limit). */
  maxEntries: number;
  /** stream-node-max-bytes (0: no limit, that is the 1 GB listpack cap). */
  maxBytes: number;
}

export const DEFAULT_NODE_LIMITS: Readonly<StreamNodeLimits> = { maxEntries: 100, maxBytes: 4096 };

/**
 * Visits an entry: its fields and values are data[from..to), alternating
 * (field, value). Returning false stops the walk. The visitor must not
 * change the stream.
 */
export type EntryVisitor = (id: StreamId, data: readonly string[], from: number, to: number) => boolean | void;

/** Packed form: the largest blob a node packs into (far below V8's string length limit); a bigger node stays open. */
const PACK_MAX_CHARS = 1 << 27;

/** The varint (7 bits a char, low bits first, high bit: more follow) of a packed element's length. */
function lenPrefix(n: number): string {
  if (n < 128) return String.fromCharCode(n);
  let t = '';
  while (n >= 128) {
    t += String.fromCharCode((n & 127) | 128);
    n = Math.floor(n / 128);
  }
  return t + String.fromCharCode(n);
}

/**
 * A node: what one of Redis's listpacks holds. Entries (deleted ones
 * included, flagged) in ID order; the master entry is the field names of
 * the first entry added. Entry IDs are kept as four 32-bit words each (ms
 * high, ms low, seq high, seq low) in one typed array: exact, 16 bytes an
 * entry, no object per entry. Read-only outside this module (iterate it
 * with idAt / fieldsAt for RDB).
 *
 * Fields and values have two forms. Open (the node appends go to): one JS
 * string per field and value in `data`, entry i's at data[off[i]..off[i+1])
 * (the master's field strings for a same-fields entry). Packed (once a newer
 * node starts, and after loading): one string `blob` holding the entries'
 * elements back to back, entry i's from pos[i]: for a same-fields entry its
 * values, else its field count then fields and values; each element as a
 * varint length (lenPrefix) and its characters. A packed entry costs its
 * bytes plus a length char per element and 2 bytes of offset (4 in a
 * node over 64 KB), not a string
 * object per element. Reads build the strings they hand out (entryInto);
 * a push to a packed node opens it again.
 */
export class StreamNode {
  /** Master entry ID: the rax key (ID of the first entry added). */
  readonly masterId: StreamId;
  /** Master entry field names. */
  readonly masterFields: readonly string[];
  /** Bytes of the master entry's num-fields, field names and zero terminator. */
  readonly masterBytes: number;
  /** Entries in the node, deleted ones included. */
  size = 0;
  /** @internal IDs: words[4i..4i+3] is entry i's. */
  words: Uint32Array;
  /** @internal FLAG_DELETED / FLAG_SAMEFIELDS of each entry. */
  flags: Uint8Array;
  /** Open form: entry i's fields and values are data[off[i]..off[i+1]) (null when packed). */
  private off: number[] | null = [0];
  private data: string[] | null = [];
  /** Packed form: the entries' elements (see the class comment; '' when open). */
  private blob = '';
  /** Packed form: where entry i starts in blob (null when open). */
  private pos: Uint16Array | Uint32Array | null = null;
  /** Entries not deleted (the master entry's "count"). */
  live = 0;
  /** Entries flagged deleted (the master entry's "deleted"). */
  deleted = 0;
  /** Bytes of all the entries' listpack elements. */
  entryBytes = 0;
  /** No live entry sits before this index (a hint that only moves forward). */
  firstLive = 0;
  /**
   * True while every entry's ID is above the one before it (always, except
   * after XSETID set lastId below a deleted entry at the node's end: later
   * entries then follow greater, even equal, tombstone IDs, as in Redis).
   */
  sorted = true;
  prev: StreamNode | null = null;
  next: StreamNode | null = null;
  private readonly mw0: number;
  private readonly mw1: number;
  private readonly mw2: number;
  private readonly mw3: number;

  constructor(masterId: StreamId, masterFields: readonly string[], capacity = 8) {
    this.masterId = masterId;
    this.masterFields = masterFields;
    let b = intBytes(masterFields.length) + 2; // num-fields ... zero terminator
    for (let i = 0; i < masterFields.length; i++) b += strBytes(masterFields[i]);
    this.masterBytes = b;
    this.mw0 = w32(masterId, 0);
    this.mw1 = w32(masterId, 4);
    this.mw2 = w32(masterId, 8);
    this.mw3 = w32(masterId, 12);
    if (!(capacity >= 1)) capacity = 1;
    this.words = new Uint32Array(capacity * 4);
    this.flags = new Uint8Array(capacity);
  }

  /** The listpack's total bytes (lpBytes). */
  lpBytes(): number {
    return LP_OVERHEAD + intBytes(this.live) + intBytes(this.deleted) + this.masterBytes + this.entryBytes;
  }

  /** ID of entry i. */
  idAt(i: number): StreamId {
    const w = this.words;
    const o = i << 2;
    return fromWords(w[o], w[o + 1], w[o + 2], w[o + 3]);
  }

  /** Flags of entry i (FLAG_DELETED, FLAG_SAMEFIELDS). */
  flagsAt(i: number): number {
    return this.flags[i];
  }

  /** True when entry i is deleted (a tombstone). */
  isDeleted(i: number): boolean {
    return (this.flags[i] & FLAG_DELETED) !== 0;
  }

  /** Field and value strings of entry i (a new array). */
  fieldsAt(i: number): string[] {
    const data = this.data;
    if (data !== null) return data.slice(this.off![i], this.off![i + 1]);
    const out: string[] = [];
    this.entryInto(i, out);
    return out;
  }

  /** True when the node is in its packed form. */
  get packed(): boolean {
    return this.data === null;
  }

  /**
   * Entry i's fields and values as an EntryVisitor sees them: returns an
   * array and sets span[0], span[1] to the entry's bounds in it. Open: the
   * node's own array. Packed: a new array of the entry's strings.
   */
  view(i: number, span: number[]): readonly string[] {
    const data = this.data;
    if (data !== null) {
      span[0] = this.off![i];
      span[1] = this.off![i + 1];
      return data;
    }
    let out: string[];
    if (this.flags[i] & FLAG_SAMEFIELDS) out = this.sameEntry(i);
    else this.entryInto(i, (out = []));
    span[0] = 0;
    span[1] = out.length;
    return out;
  }

  /** A packed same-fields entry's fields and values (a new array). */
  private sameEntry(i: number): string[] {
    const b = this.blob;
    let p = this.pos![i];
    const mf = this.masterFields;
    const out = new Array<string>(mf.length * 2);
    for (let k = 0; k < mf.length; k++) {
      let n = b.charCodeAt(p++);
      if (n >= 128) {
        n &= 127;
        let m = 128;
        let c: number;
        do {
          c = b.charCodeAt(p++);
          n += (c & 127) * m;
          m *= 128;
        } while (c >= 128);
      }
      out[2 * k] = mf[k];
      out[2 * k + 1] = b.slice(p, p + n);
      p += n;
    }
    return out;
  }

  /** Appends entry i's field and value strings to `out`. */
  entryInto(i: number, out: string[]): void {
    const data = this.data;
    if (data !== null) {
      for (let j = this.off![i], to = this.off![i + 1]; j < to; j++) out.push(data[j]);
      return;
    }
    const b = this.blob;
    let p = this.pos![i];
    if (this.flags[i] & FLAG_SAMEFIELDS) {
      const mf = this.masterFields;
      for (let k = 0; k < mf.length; k++) {
        let n = b.charCodeAt(p++);
        if (n >= 128) {
          n &= 127;
          let m = 128;
          let c: number;
          do {
            c = b.charCodeAt(p++);
            n += (c & 127) * m;
            m *= 128;
          } while (c >= 128);
        }
        out.push(mf[k], b.slice(p, p + n));
        p += n;
      }
      return;
    }
    let count = -1;
    for (let k = 0; k !== count; k++) {
      let n = b.charCodeAt(p++);
      if (n >= 128) {
        n &= 127;
        let m = 128;
        let c: number;
        do {
          c = b.charCodeAt(p++);
          n += (c & 127) * m;
          m *= 128;
        } while (c >= 128);
      }
      if (count < 0) {
        count = n * 2; // the field count comes first
        k = -1;
        continue;
      }
      out.push(b.slice(p, p + n));
      p += n;
    }
  }

  /**
   * To the packed form (a node no longer appended to), its IDs, offsets and
   * flags then in one ArrayBuffer without spare room; false when it stays
   * open (too big for one string).
   */
  private pack(): boolean {
    const data = this.data;
    if (data === null) return false;
    const off = this.off!;
    const parts: string[] = [];
    const pos = new Uint32Array(this.size);
    let total = 0;
    for (let i = 0; i < this.size; i++) {
      pos[i] = total;
      const from = off[i];
      const to = off[i + 1];
      let j = from;
      if (this.flags[i] & FLAG_SAMEFIELDS) j++;
      else {
        const c = lenPrefix((to - from) >> 1);
        parts.push(c);
        total += c.length;
      }
      for (const step = this.flags[i] & FLAG_SAMEFIELDS ? 2 : 1; j < to; j += step) {
        const v = data[j];
        const c = lenPrefix(v.length);
        parts.push(c, v);
        total += c.length + v.length;
      }
      if (total > PACK_MAX_CHARS) return false;
    }
    const n = this.size;
    const wide = total > 0xffff;
    const buf = new ArrayBuffer(n * (wide ? 21 : 19));
    const words = new Uint32Array(buf, 0, n * 4);
    words.set(this.words.subarray(0, n * 4));
    const p = wide ? new Uint32Array(buf, n * 16, n) : new Uint16Array(buf, n * 16, n);
    p.set(pos);
    const flags = new Uint8Array(buf, n * (wide ? 20 : 18), n);
    flags.set(this.flags.subarray(0, n));
    this.words = words;
    this.flags = flags;
    this.blob = parts.join('');
    this.pos = p;
    this.data = null;
    this.off = null;
    return true;
  }

  /** Back to the open form (a push to a packed node). */
  private unpack(): void {
    if (this.data !== null) return;
    const data: string[] = [];
    const off: number[] = [0];
    for (let i = 0; i < this.size; i++) {
      this.entryInto(i, data);
      off.push(data.length);
    }
    this.data = data;
    this.off = off;
    this.blob = '';
    this.pos = null;
  }

  /** The open or packed store's shape agrees with size (check()). */
  storeMatches(): boolean {
    if (this.data !== null) return this.blob === '' && this.pos === null && this.off!.length === this.size + 1 && this.off![this.size] === this.data.length;
    return this.off === null && this.pos !== null && this.pos.length === this.size;
  }

  /**
   * Memory of the field and value store (MEMORY USAGE): its JS array slots,
   * typed array bytes, and, given the cost of a string of n characters, its
   * strings' bytes (open: one string per element; packed: the blob).
   */
  storeUsage(strBytes?: (n: number) => number): { slots: number; typedBytes: number; stringBytes: number } {
    if (this.data !== null) {
      let stringBytes = 0;
      if (strBytes !== undefined) for (const x of this.data) stringBytes += strBytes(x.length);
      return { slots: this.data.length + this.off!.length, typedBytes: 0, stringBytes };
    }
    return { slots: 0, typedBytes: this.pos!.byteLength, stringBytes: strBytes === undefined ? 0 : strBytes(this.blob.length) };
  }

  /** True when `fv`'s field names are the master entry's (same count, same order). */
  sameFields(fv: readonly string[]): boolean {
    const mf = this.masterFields;
    if (fv.length !== mf.length * 2) return false;
    for (let i = 0; i < mf.length; i++) if (fv[i * 2] !== mf[i]) return false;
    return true;
  }

  /**
   * Appends an entry (its ID above every ID in the node) with its flags as
   * stored; FLAG_SAMEFIELDS only when sameFields(fv). For loading; the
   * stream's append decides the flags itself.
   */
  push(id: StreamId, flags: number, fv: readonly string[]): void {
    this.pushWords(w32(id, 0), w32(id, 4), w32(id, 8), w32(id, 12), flags, fv);
  }

  /** @internal push() with the ID as its four words. */
  pushWords(a: number, b: number, c: number, d: number, flags: number, fv: readonly string[]): void {
    const same = (flags & FLAG_SAMEFIELDS) !== 0;
    const nf = fv.length >> 1;
    let bytes = 2 + deltaBytes(a, b, this.mw0, this.mw1) + deltaBytes(c, d, this.mw2, this.mw3);
    if (this.data === null) this.unpack();
    const data = this.data!;
    if (same) {
      const mf = this.masterFields;
      for (let i = 0; i < nf; i++) {
        const v = fv[i * 2 + 1];
        bytes += strBytes(v);
        data.push(mf[i], v); // the master's field strings: one copy per node
      }
      bytes += intBytes(nf + 3);
    } else {
      bytes += intBytes(nf);
      for (let i = 0; i < fv.length; i++) {
        bytes += strBytes(fv[i]);
        data.push(fv[i]);
      }
      bytes += intBytes(nf * 2 + 4);
    }
    const i = this.size;
    if (i > 0 && this.sorted && this.cmpAt(i - 1, a, b, c, d) >= 0) this.sorted = false;
    if (i === this.flags.length) {
      const w = new Uint32Array(this.words.length * 2);
      w.set(this.words);
      this.words = w;
      const f = new Uint8Array(this.flags.length * 2);
      f.set(this.flags);
      this.flags = f;
    }
    const o = i << 2;
    const w = this.words;
    w[o] = a;
    w[o + 1] = b;
    w[o + 2] = c;
    w[o + 3] = d;
    this.flags[i] = flags;
    this.size = i + 1;
    this.off!.push(data.length);
    this.entryBytes += bytes;
    if (flags & FLAG_DELETED) this.deleted++;
    else this.live++;
  }

  /** Compares entry i with the ID of words (a, b, c, d): negative, zero or positive. */
  cmpAt(i: number, a: number, b: number, c: number, d: number): number {
    const w = this.words;
    const o = i << 2;
    return w[o] - a || w[o + 1] - b || w[o + 2] - c || w[o + 3] - d;
  }

  /** First index whose ID is >= id (size when none); for a sorted node. */
  lowerBound(id: StreamId): number {
    return this.lowerBoundWords(w32(id, 0), w32(id, 4), w32(id, 8), w32(id, 12));
  }

  /** lowerBound of the ID given as its words. */
  lowerBoundWords(a: number, b: number, c: number, d: number): number {
    let lo = 0;
    let hi = this.size;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.cmpAt(mid, a, b, c, d) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }


  /** Index of the first live entry (size when none), advancing the hint. */
  firstLiveIndex(): number {
    let i = this.firstLive;
    const n = this.size;
    const f = this.flags;
    while (i < n && f[i] & FLAG_DELETED) i++;
    this.firstLive = i;
    return i;
  }

  /** Index of the last live entry, or -1. */
  lastLiveIndex(): number {
    const f = this.flags;
    let i = this.size - 1;
    while (i >= this.firstLive && f[i] & FLAG_DELETED) i--;
    return i >= this.firstLive ? i : -1;
  }

  /** Drops the spare capacity and packs (when the node is full, as lpShrinkToFit). */
  shrinkToFit(): void {
    if (!this.pack() && this.flags.length > this.size) {
      this.words = this.words.slice(0, this.size * 4);
      this.flags = this.flags.slice(0, this.size);
    }
  }

  /** ID of the last entry, deleted or not. */
  lastIdAny(): StreamId {
    return this.idAt(this.size - 1);
  }

  copy(): StreamNode {
    const n = new StreamNode(this.masterId, this.masterFields, 1);
    n.words = this.words.slice(0, this.size * 4);
    n.flags = this.flags.slice(0, this.size);
    n.size = this.size;
    n.off = this.off === null ? null : this.off.slice();
    n.data = this.data === null ? null : this.data.slice();
    n.blob = this.blob; // immutable: shared
    n.pos = this.pos === null ? null : this.pos.slice();
    n.live = this.live;
    n.deleted = this.deleted;
    n.entryBytes = this.entryBytes;
    n.firstLive = this.firstLive;
    n.sorted = this.sorted;
    return n;
  }
}

/** Redis's rax node count (XINFO radix-tree-nodes) for sorted, distinct 16-byte keys. */
function raxNodeCount(keys: readonly string[]): number {
  const n = keys.length;
  if (n === 0) return 1;
  if (n === 1) return 2;
  const L = 16;
  const lcp = new Array<number>(n - 1);
  for (let i = 0; i < n - 1; i++) {
    const a = keys[i];
    const b = keys[i + 1];
    let j = 0;
    while (j < L && a.charCodeAt(j) === b.charCodeAt(j)) j++;
    lcp[i] = j;
  }
  // Every node of the compressed trie but the top one adds itself, plus a
  // compressed node when the edge from its (branching) parent is 2+ bytes.
  let total = 0;
  for (let i = 0; i < n; i++) {
    const pd = Math.max(i > 0 ? lcp[i - 1] : -1, i < n - 1 ? lcp[i] : -1);
    total += L - pd >= 2 ? 2 : 1;
  }
  const stack: number[] = [];
  for (let i = 0; i < n - 1; i++) {
    const d = lcp[i];
    while (stack.length && stack[stack.length - 1] > d) {
      const t = stack.pop()!;
      const parent = Math.max(stack.length ? stack[stack.length - 1] : -1, d);
      total += t - parent >= 2 ? 2 : 1;
    }
    if (!stack.length || stack[stack.length - 1] < d) stack.push(d);
  }
  while (stack.length > 1) {
    const t = stack.pop()!;
    total += t - stack[stack.length - 1] >= 2 ? 2 : 1;
  }
  // the root, and the top branching node when the root is a compressed prefix of it
  return 1 + (stack[0] >= 1 ? 1 : 0) + total;
}

// ---------------------------------------------------------------------------
// Consumer groups
// ---------------------------------------------------------------------------

/** A pending entry (streamNACK), shared by the group PEL and its consumer's PEL. */
export class StreamNack {
  constructor(
    /** The consumer it was last delivered to (null only inside XCLAIM FORCE, briefly). */
    public consumer: StreamConsumer | null,
    /** Last delivery time (ms). */
    public deliveryTime: number,
    public deliveryCount: number,
  ) {}
}

export class StreamConsumer {
  /** This consumer's pending entries, in ID order (the NACKs of the group PEL). */
  readonly pel = new IdMap<StreamNack>();
  constructor(
    readonly name: string,
    /** Last time it was active (ms). */
    public seenTime: number,
  ) {}
}

/** Called for each entry a group read delivers, after the group and PEL are updated (nack null with NOACK). */
export type GroupEntryVisitor = (id: StreamId, data: readonly string[], from: number, to: number, nack: StreamNack | null) => void;

export class StreamGroup {
  /** Pending entries of the whole group, in ID order. */
  readonly pel = new IdMap<StreamNack>();
  /** Consumers by name, in name (byte) order. */
  readonly consumers = new NameMap<StreamConsumer>();

  constructor(
    readonly name: string,
    /** Last delivered ID. */
    public lastId: StreamId,
    /** Logical reads counter; INVALID_ENTRIES_READ (-1) when unknown. */
    public entriesRead: Counter,
  ) {}

  /** XGROUP SETID after its parsing ('$' is the stream's lastId; entriesRead -1 unless ENTRIESREAD). */
  setId(id: StreamId, entriesRead: Counter = INVALID_ENTRIES_READ): void {
    this.lastId = id;
    this.entriesRead = toCounter(entriesRead);
  }

  /** XCLAIM LASTID: moves the last delivered ID forward only; true when it moved. */
  advanceLastId(id: StreamId): boolean {
    if (id > this.lastId) {
      this.lastId = id;
      return true;
    }
    return false;
  }

  /** streamLookupConsumer: refreshes its seen-time to `now` unless now is undefined (SLC_NO_REFRESH). */
  lookupConsumer(name: string, now?: number): StreamConsumer | undefined {
    const c = this.consumers.get(name);
    if (c !== undefined && now !== undefined) c.seenTime = now;
    return c;
  }

  /** streamCreateConsumer: null when it exists. */
  createConsumer(name: string, now: number): StreamConsumer | null {
    if (this.consumers.has(name)) return null;
    const c = new StreamConsumer(name, now);
    this.consumers.set(name, c);
    return c;
  }

  /** XGROUP DELCONSUMER: drops its pending entries from the group PEL; returns how many it had, or undefined when there is no such consumer. */
  deleteConsumer(name: string): number | undefined {
    const c = this.consumers.get(name);
    if (c === undefined) return undefined;
    const pending = c.pel.size;
    c.pel.forEach((_n, id) => {
      this.pel.delete(id);
    });
    this.consumers.delete(name);
    return pending;
  }

  /** XACK of one ID: true when it was pending. */
  ack(id: StreamId): boolean {
    return this.dropNack(id) !== undefined;
  }

  /** Removes a pending entry from the group PEL and its consumer's; returns its NACK (undefined when not pending). */
  dropNack(id: StreamId): StreamNack | undefined {
    const nack = this.pel.get(id);
    if (nack === undefined) return undefined;
    this.pel.delete(id);
    nack.consumer?.pel.delete(id);
    return nack;
  }

  /**
   * Records the delivery of `id` to `consumer` as XREADGROUP does: a new
   * NACK, or the existing one moved to this consumer with delivery count 1.
   */
  deliver(id: StreamId, consumer: StreamConsumer, now: number): StreamNack {
    let nack = this.pel.get(id);
    if (nack === undefined) {
      nack = new StreamNack(consumer, now, 1);
      this.pel.set(id, nack);
    } else {
      nack.consumer?.pel.delete(id);
      nack.consumer = consumer;
      nack.deliveryTime = now;
      nack.deliveryCount = 1;
    }
    consumer.pel.set(id, nack);
    return nack;
  }

  /** Gives a pending entry to `consumer` (moving it out of its previous owner's PEL). */
  transfer(id: StreamId, nack: StreamNack, consumer: StreamConsumer): void {
    if (nack.consumer === consumer) return;
    nack.consumer?.pel.delete(id);
    consumer.pel.set(id, nack);
    nack.consumer = consumer;
  }

  /**
   * XPENDING's extended form: the pending entries of `pel` (this group's, or
   * one consumer's) from start to end, at most `count`, skipping those idle
   * less than minIdle (when minIdle is non-zero). Returns how many it visited.
   */
  static pendingRange(
    pel: IdMap<StreamNack>,
    start: StreamId,
    end: StreamId,
    count: number,
    minIdle: number,
    now: number,
    visit: (id: StreamId, nack: StreamNack) => void,
  ): number {
    let n = 0;
    for (const cur = pel.seek(start, '>='); count > 0 && cur.valid && cur.key <= end; cur.next()) {
      const nack = cur.value;
      if (minIdle && now - nack.deliveryTime < minIdle) continue;
      n++;
      count--;
      visit(cur.key as StreamId, nack);
    }
    return n;
  }
}

/** A long long from a command argument, as a Counter (a number when it is safe). */
export function toCounter(v: number | bigint): Counter {
  return typeof v === 'bigint' ? norm(v) : v;
}

/** Options of XCLAIM after parsing. */
export interface ClaimOptions {
  /** min-idle-time (<= 0: claim regardless of idle time). */
  minIdle: number;
  /** From IDLE (now - idle) or TIME; undefined, negative or later than now means now. */
  deliveryTime?: number;
  /** RETRYCOUNT; negative or undefined: increment the count unless justId. */
  retryCount?: number;
  force?: boolean;
  justId?: boolean;
}

/** What XCLAIM / XAUTOCLAIM tell their caller as they go (for replies, propagation and notifications). */
export interface ClaimEvents {
  /** An entry is now the consumer's (nack updated); `index`: its position in XCLAIM's `ids`. */
  claimed?(id: StreamId, nack: StreamNack, index: number): void;
  /** A pending entry whose stream entry is gone is about to be dropped (nack as it was); `index` as for claimed (XAUTOCLAIM: -1). */
  dropped?(id: StreamId, nack: StreamNack, index: number): void;
  /** The consumer did not exist and was created. */
  consumerCreated?(consumer: StreamConsumer): void;
}

// ---------------------------------------------------------------------------
// The stream
// ---------------------------------------------------------------------------

/** XADD/XTRIM `~` with no LIMIT: 100 * stream-node-max-entries, within [1, 1000000] (10000 when that is <= 0, as in 64-bit C). */
export function defaultTrimLimit(maxEntries: number): number {
  const l = BigInt.asIntN(64, 100n * BigInt(Math.trunc(maxEntries)));
  if (l <= 0n) return 10000;
  if (l > 1000000n) return 1000000;
  return Number(l);
}

export class Stream implements RObject {
  readonly type = 'stream' as const;
  /** Nodes by master ID (the rax). */
  private index = new IdMap<StreamNode>();
  private head: StreamNode | null = null;
  private tail: StreamNode | null = null;
  private len = 0;
  /** Last ID generated or set (XSETID); 0-0 while nothing was added. */
  lastId: StreamId = MIN_ID;
  /** The recorded first entry ID (XINFO recorded-first-entry-id): the first live entry, 0-0 when empty. */
  firstId: StreamId = MIN_ID;
  /** Largest ID deleted by XDEL (or set by XSETID MAXDELETEDID). */
  maxDeletedId: StreamId = MIN_ID;
  /** All-time count of entries added (unsigned 64-bit; replies print counterI64 of it). */
  entriesAdded: Counter = 0;
  private cgroups: NameMap<StreamGroup> | null = null;
  private raxNodes = -1;
  /** Live entries of nodes replaced under the same key: counted in len, unreachable (as in Redis). */
  private lostLive = 0;
  /** A node was added before the tail: live IDs no longer increase along the stream, firstId may not be the first (as in Redis). */
  private disordered = false;
  /** The node of the last successful locate(). */
  private foundNode: StreamNode = null as unknown as StreamNode;

  /** Number of live entries (XLEN). */
  get length(): number {
    return this.len;
  }

  /** Number of nodes (XINFO radix-tree-keys). */
  get nodeCount(): number {
    return this.index.size;
  }

  /** Redis's rax node count for these nodes (XINFO radix-tree-nodes); computed when the node set changed, O(nodes). */
  radixTreeNodes(): number {
    if (this.raxNodes < 0) {
      const keys: string[] = [];
      for (let n = this.head; n !== null; n = n.next) keys.push(n.masterId);
      this.raxNodes = raxNodeCount(keys);
    }
    return this.raxNodes;
  }

  encoding(): string {
    return 'stream';
  }

  /** The nodes in order (RDB saving; read them, do not change them). */
  *nodes(): IterableIterator<StreamNode> {
    for (let n = this.head; n !== null; n = n.next) yield n;
  }

  // --- adding ---------------------------------------------------------------

  /** The ID `*` would get at time `now` (streamNextID); 0-0 after the last possible ID. */
  nextId(now: number): StreamId {
    const last = this.lastId;
    const nh = Math.floor(now / TWO32);
    const nl = now >>> 0;
    const lh = w32(last, 0);
    if (nh > lh || (nh === lh && nl > w32(last, 4))) return fromWords(nh, nl, 0, 0);
    return incrId(last) ?? MIN_ID;
  }

  /**
   * XADD's append (streamAppendItem). `fv` is field, value, field, value...
   * `id` null generates the ID from `now`; with seqGiven false only its ms
   * part is used (`ms-*`). Returns the new ID, or the error to reply:
   * StreamErr.xaddSmaller when the ID is not above lastId, StreamErr.tooLarge
   * when the fields and values exceed 1 GB (and, as Redis 7.0.15 replies,
   * for `ms-*` when that ms already holds seq 2^64-1).
   * The command answers StreamErr.xaddZero and StreamErr.exhausted itself,
   * before the key is created (see isExhausted).
   */
  append(fv: readonly string[], now: number, limits: Readonly<StreamNodeLimits> = DEFAULT_NODE_LIMITS, id: StreamId | null = null, seqGiven = true): StreamId | typeof StreamErr.xaddSmaller | typeof StreamErr.tooLarge {
    let nid: StreamId;
    if (id === null) nid = this.nextId(now);
    else if (seqGiven) nid = id;
    else if (sameMs(this.lastId, id)) {
      const next = incrId(this.lastId);
      if (next === null || !sameMs(next, id)) return StreamErr.tooLarge; // C_ERR with errno not EDOM
      nid = next;
    } else nid = id;
    if (nid <= this.lastId) return StreamErr.xaddSmaller;
    let total = 0;
    for (let i = 0; i < fv.length; i++) total += fv[i].length;
    if (total > LISTPACK_MAX_SIZE) return StreamErr.tooLarge;

    let node = this.tail;
    if (node !== null) {
      let maxBytes = limits.maxBytes;
      if (maxBytes === 0 || maxBytes > LISTPACK_MAX_SIZE) maxBytes = LISTPACK_MAX_SIZE;
      if (node.lpBytes() + total >= maxBytes || (limits.maxEntries && node.live + node.deleted >= limits.maxEntries)) {
        node.shrinkToFit();
        node = null;
      }
    }
    let flags = 0;
    if (node === null) {
      // the field names of the node before when they are the same: one copy for the run of nodes
      let fields: readonly string[];
      if (this.tail !== null && this.tail.sameFields(fv)) fields = this.tail.masterFields;
      else {
        const f = new Array<string>(fv.length >> 1);
        for (let i = 0; i < f.length; i++) f[i] = fv[i * 2];
        fields = f;
      }
      const me = limits.maxEntries;
      node = new StreamNode(nid, fields, me > 0 && me <= 128 ? me : 16);
      this.linkNode(node);
      flags = FLAG_SAMEFIELDS;
    } else if (node.sameFields(fv)) flags = FLAG_SAMEFIELDS;
    node.push(nid, flags, fv);
    this.len++;
    this.entriesAdded = addU64(this.entriesAdded, 1);
    this.lastId = nid;
    if (this.len === 1) this.firstId = nid;
    return nid;
  }

  /** True when lastId is the last possible ID (XADD: StreamErr.exhausted). */
  isExhausted(): boolean {
    return this.lastId === MAX_ID;
  }

  /**
   * Adds a node to the rax: in key order, so the tail (where appends go,
   * Redis's "$" seek) is the node with the largest master ID. A new node
   * lands before the tail only after XSETID set lastId below a node kept
   * with no live entry (see StreamNode.sorted); a node under the same key
   * replaces the old one, whose live entries Redis keeps counting in the
   * length though they are no longer reachable (lostLive).
   */
  private linkNode(node: StreamNode): void {
    const t = this.tail;
    this.raxNodes = -1;
    if (t === null || t.masterId < node.masterId) {
      node.prev = t;
      node.next = null;
      if (t !== null) t.next = node;
      else this.head = node;
      this.tail = node;
      this.index.set(node.masterId, node);
      return;
    }
    this.disordered = true;
    const old = this.index.get(node.masterId);
    if (old !== undefined) {
      this.lostLive += old.live;
      this.unlink(old);
    }
    const prev = this.index.floorValue(node.masterId) ?? null;
    const next = prev === null ? this.head : prev.next;
    node.prev = prev;
    node.next = next;
    if (prev !== null) prev.next = node;
    else this.head = node;
    if (next !== null) next.prev = node;
    else this.tail = node;
    this.index.set(node.masterId, node);
  }

  private unlink(node: StreamNode): void {
    this.index.delete(node.masterId);
    if (node.prev !== null) node.prev.next = node.next;
    else this.head = node.next;
    if (node.next !== null) node.next.prev = node.prev;
    else this.tail = node.prev;
    node.prev = node.next = null;
    this.raxNodes = -1;
  }

  /**
   * RDB loading: appends a node as stored (its entries pushed with
   * StreamNode.push, IDs above every node's), adding its live entries to the
   * length. lastId, firstId, maxDeletedId and entriesAdded are then set from
   * the RDB by the loader.
   */
  appendNode(node: StreamNode): void {
    this.linkNode(node);
    this.len += node.live;
  }

  /** RDB loading: true when `length` (as stored) is the number of live entries the appended nodes hold. */
  lengthMatches(length: number): boolean {
    return this.lostLive === 0 && this.len === length;
  }

  // --- reading --------------------------------------------------------------

  /** The node that would hold the ID of words (a, b, c, d): the last one whose master ID is <= it (the rax "<=" seek). */
  private nodeForWords(a: number, b: number, c: number, d: number): StreamNode | null {
    const t = this.tail;
    if (t !== null && t.cmpAt(0, a, b, c, d) <= 0) return t; // reads of recent entries
    return this.index.floorValueWords(a, b, c, d) ?? null;
  }

  /**
   * Visits the live entries with start <= ID <= end in order (reverse: from
   * end down), at most `count` (0: all) (streamReplyWithRange without a
   * group). Returns how many it visited.
   */
  range(start: StreamId, end: StreamId, count: number, rev: boolean, visit: EntryVisitor): number {
    if (this.len === 0 || start > end) return 0;
    // streamIteratorGetID's rules: deleted entries are passed over (they
    // never end the walk); going forward, the first live entry above `end`
    // ends it, going backward the first one below `start`. Binary searches
    // position the walk in sorted nodes only (see StreamNode.sorted).
    const s0 = w32(start, 0);
    const s1 = w32(start, 4);
    const s2 = w32(start, 8);
    const s3 = w32(start, 12);
    const e0 = w32(end, 0);
    const e1 = w32(end, 4);
    const e2 = w32(end, 8);
    const e3 = w32(end, 12);
    let n = 0;
    const span = [0, 0];
    if (!rev) {
      let node = this.nodeForWords(s0, s1, s2, s3) ?? this.head;
      if (node === null) return 0;
      let i = node.sorted ? Math.max(node.firstLive, node.lowerBoundWords(s0, s1, s2, s3)) : node.firstLive;
      for (;;) {
        const w = node.words;
        const flags = node.flags;
        const size = node.size;
        const sorted = node.sorted;
        for (; i < size; i++) {
          if (flags[i] & FLAG_DELETED) continue;
          const o = i << 2;
          if ((w[o] - e0 || w[o + 1] - e1 || w[o + 2] - e2 || w[o + 3] - e3) > 0) return n;
          if (!sorted && (w[o] - s0 || w[o + 1] - s1 || w[o + 2] - s2 || w[o + 3] - s3) < 0) continue;
          n++;
          const data = node.view(i, span);
          if (visit(fromWords(w[o], w[o + 1], w[o + 2], w[o + 3]), data, span[0], span[1]) === false || n === count) return n;
        }
        node = node.next;
        if (node === null) return n;
        i = node.firstLive;
      }
    }
    let node = this.nodeForWords(e0, e1, e2, e3) ?? this.tail;
    if (node === null) return 0;
    let i = node.size - 1;
    if (node.sorted) {
      i = node.lowerBoundWords(e0, e1, e2, e3);
      if (i === node.size || node.cmpAt(i, e0, e1, e2, e3) !== 0) i--;
    }
    for (;;) {
      const w = node.words;
      const flags = node.flags;
      const stop = node.firstLive;
      for (; i >= stop; i--) {
        if (flags[i] & FLAG_DELETED) continue;
        const o = i << 2;
        if ((w[o] - e0 || w[o + 1] - e1 || w[o + 2] - e2 || w[o + 3] - e3) > 0) continue;
        if ((w[o] - s0 || w[o + 1] - s1 || w[o + 2] - s2 || w[o + 3] - s3) < 0) return n;
        n++;
        const data = node.view(i, span);
        if (visit(fromWords(w[o], w[o + 1], w[o + 2], w[o + 3]), data, span[0], span[1]) === false || n === count) return n;
      }
      node = node.prev;
      if (node === null) return n;
      i = node.size - 1;
    }
  }

  /**
   * Where the live entry `id` is (streamEntryExists: a forward walk from
   * `id` to `id`): its index in this.foundNode, or -1.
   */
  private locate(id: StreamId): number {
    const a = w32(id, 0);
    const b = w32(id, 4);
    const c = w32(id, 8);
    const d = w32(id, 12);
    let node = this.nodeForWords(a, b, c, d) ?? this.head;
    if (node === null || this.len === 0) return -1;
    let i = node.sorted ? Math.max(node.firstLive, node.lowerBoundWords(a, b, c, d)) : node.firstLive;
    for (;;) {
      const flags = node.flags;
      for (const size = node.size; i < size; i++) {
        if (flags[i] & FLAG_DELETED) continue;
        const cmp = node.cmpAt(i, a, b, c, d);
        if (cmp === 0) {
          this.foundNode = node;
          return i;
        }
        if (cmp > 0) return -1;
      }
      node = node.next;
      if (node === null) return -1;
      i = node.firstLive;
    }
  }

  /** Visits every live entry in order (AOF rewrite, RDB, DEBUG DIGEST-VALUE). */
  forEachEntry(visit: EntryVisitor): number {
    return this.range(MIN_ID, MAX_ID, 0, false, visit);
  }

  /** Visits the live entry `id`; false when there is none (streamEntryExists). */
  visitEntry(id: StreamId, visit: EntryVisitor): boolean {
    const i = this.locate(id);
    if (i < 0) return false;
    const span = [0, 0];
    const data = this.foundNode.view(i, span);
    visit(id, data, span[0], span[1]);
    return true;
  }

  /** True when `id` is a live entry. */
  has(id: StreamId): boolean {
    return this.locate(id) >= 0;
  }

  /** The fields and values of a live entry (a new array), or null. */
  get(id: StreamId): string[] | null {
    const i = this.locate(id);
    return i < 0 ? null : this.foundNode.fieldsAt(i);
  }

  /**
   * streamGetEdgeID: the first (or last) entry's ID, deleted ones included
   * unless skipTombstones; 2^64-1-2^64-1 (first) or 0-0 (last) when none.
   * (XADD/XTRIM MINID ~ propagate edgeId(true, false).)
   */
  edgeId(first: boolean, skipTombstones: boolean): StreamId {
    if (first) {
      for (let n = this.head; n !== null; n = n.next) {
        if (!skipTombstones) return n.masterId;
        const i = n.firstLiveIndex();
        if (i < n.size) return n.idAt(i);
      }
      return MAX_ID;
    }
    for (let n = this.tail; n !== null; n = n.prev) {
      if (!skipTombstones) return n.lastIdAny();
      const i = n.lastLiveIndex();
      if (i >= 0) return n.idAt(i);
    }
    return MIN_ID;
  }

  /** The last live entry's ID (streamLastValidID), or null when empty. */
  lastLiveId(): StreamId | null {
    return this.len === 0 ? null : this.edgeId(false, true);
  }

  // --- deleting -------------------------------------------------------------

  /**
   * streamDeleteItem: flags a live entry deleted (dropping its node when it
   * was the node's last live entry). Leaves firstId and maxDeletedId to the
   * caller: XDEL should use deleteIds.
   */
  deleteEntry(id: StreamId): boolean {
    const i = this.locate(id);
    if (i < 0) return false;
    const node = this.foundNode;
    node.flags[i] |= FLAG_DELETED;
    if (node.live === 1) this.unlink(node);
    else {
      node.live--;
      node.deleted++;
    }
    this.len--;
    return true;
  }

  /** XDEL: deletes the live entries among `ids`, updating maxDeletedId and firstId as Redis does; returns how many. */
  deleteIds(ids: readonly StreamId[]): number {
    let deleted = 0;
    let firstGone = false;
    for (const id of ids) {
      if (!this.deleteEntry(id)) continue;
      if (id === this.firstId) firstGone = true;
      if (id > this.maxDeletedId) this.maxDeletedId = id;
      deleted++;
    }
    if (deleted) {
      if (this.len === 0) this.firstId = MIN_ID;
      else if (firstGone) this.firstId = this.edgeId(true, true);
    }
    return deleted;
  }

  /**
   * XTRIM / XADD MAXLEN: trims from the head until at most `maxlen` entries
   * remain (streamTrim). `approx` removes whole nodes only; `limit` (0: none)
   * caps the entries removed (whole nodes at a time). Returns how many.
   */
  trimByLength(maxlen: number, approx: boolean, limit = 0): number {
    return this.trim(maxlen, null, approx, limit);
  }

  /** XTRIM / XADD MINID: trims the entries below `minid` (see trimByLength). */
  trimById(minid: StreamId, approx: boolean, limit = 0): number {
    return this.trim(0, minid, approx, limit);
  }

  private trim(maxlen: number, minid: StreamId | null, approx: boolean, limit: number): number {
    let deleted = 0;
    let node = this.head;
    while (node !== null) {
      if (minid === null && this.len <= maxlen) break;
      const entries = node.live;
      if (limit && deleted + entries > limit) break;
      const remove = minid === null ? this.len - entries >= maxlen : node.lastIdAny() < minid;
      if (remove) {
        const next: StreamNode | null = node.next;
        this.unlink(node);
        this.len -= entries;
        deleted += entries;
        node = next;
        continue;
      }
      if (approx) break;
      // flag entries from the node's start (tombstones before firstLive change nothing)
      const flags = node.flags;
      const m0 = minid === null ? 0 : w32(minid, 0);
      const m1 = minid === null ? 0 : w32(minid, 4);
      const m2 = minid === null ? 0 : w32(minid, 8);
      const m3 = minid === null ? 0 : w32(minid, 12);
      let d = 0;
      // every entry from the node's start, deleted ones too: one at or above
      // minid ends the trim (before firstLive they can only matter unsorted)
      for (let i = node.sorted ? node.firstLive : 0; i < node.size; i++) {
        if (minid === null ? this.len <= maxlen : node.cmpAt(i, m0, m1, m2, m3) >= 0) break;
        if (!(flags[i] & FLAG_DELETED)) {
          flags[i] |= FLAG_DELETED;
          this.len--;
          d++;
        }
      }
      node.live -= d;
      node.deleted += d;
      deleted += d;
      break;
    }
    if (this.len === 0) this.firstId = MIN_ID;
    else if (deleted) this.firstId = this.edgeId(true, true);
    return deleted;
  }

  /**
   * XSETID after argument parsing: entriesAdded -1 and maxDeletedId 0-0 mean
   * not given. Returns the error to reply, or null when set.
   */
  setId(id: StreamId, entriesAdded: Counter = -1, maxDeletedId: StreamId = MIN_ID): string | null {
    if (this.len > 0) {
      const top = this.lastLiveId()!;
      if (id < top) return StreamErr.xsetidSmaller;
      if (entriesAdded !== -1 && this.len > entriesAdded) return StreamErr.xsetidEntriesAdded;
    }
    this.lastId = id;
    if (entriesAdded !== -1) this.entriesAdded = toCounter(entriesAdded);
    if (maxDeletedId !== MIN_ID) this.maxDeletedId = maxDeletedId;
    return null;
  }

  // --- groups ---------------------------------------------------------------

  /** Number of consumer groups. */
  get groupCount(): number {
    return this.cgroups === null ? 0 : this.cgroups.size;
  }

  getGroup(name: string): StreamGroup | undefined {
    return this.cgroups?.get(name);
  }

  /** The groups in name order. */
  groups(): StreamGroup[] {
    const out: StreamGroup[] = [];
    this.cgroups?.forEach((g) => {
      out.push(g);
    });
    return out;
  }

  /** XGROUP CREATE (streamCreateCG): null when the name exists. entriesRead -1 unless ENTRIESREAD. */
  createGroup(name: string, lastId: StreamId, entriesRead: Counter = INVALID_ENTRIES_READ): StreamGroup | null {
    if (this.cgroups === null) this.cgroups = new NameMap<StreamGroup>();
    if (this.cgroups.has(name)) return null;
    const g = new StreamGroup(name, lastId, toCounter(entriesRead));
    this.cgroups.set(name, g);
    return g;
  }

  /** XGROUP DESTROY: true when it existed. */
  destroyGroup(name: string): boolean {
    return this.cgroups !== null && this.cgroups.delete(name);
  }

  /** streamRangeHasTombstones: whether a deleted entry may lie within start..end. */
  rangeHasTombstones(start: StreamId, end: StreamId): boolean {
    const md = this.maxDeletedId;
    if (this.len === 0 || md === MIN_ID) return false;
    if (this.firstId > md) return false;
    return start <= md && md <= end;
  }

  /** streamEstimateDistanceFromFirstEverEntry: the logical read counter of `id`, or INVALID_ENTRIES_READ. */
  estimateDistance(id: StreamId): Counter {
    const added = this.entriesAdded;
    if (added === 0) return 0;
    if (this.len === 0 && id <= this.lastId) return counterI64(added);
    if (id === this.lastId) return counterI64(added);
    if (id > this.lastId) return INVALID_ENTRIES_READ;
    const md = this.maxDeletedId;
    if (md === MIN_ID || md < this.firstId) {
      if (id < this.firstId) return counterI64(subU64(added, this.len));
      if (id === this.firstId) return counterI64(addU64(subU64(added, this.len), 1));
    }
    return INVALID_ENTRIES_READ;
  }

  /** A group's lag (streamReplyWithCGLag), or null when it cannot be known (a null reply). */
  groupLag(g: StreamGroup): Counter | null {
    if (this.entriesAdded === 0) return 0;
    if (g.entriesRead !== INVALID_ENTRIES_READ && !this.rangeHasTombstones(g.lastId, MAX_ID)) return subI64(counterI64(this.entriesAdded), g.entriesRead);
    const er = this.estimateDistance(g.lastId);
    if (er !== INVALID_ENTRIES_READ) return subI64(counterI64(this.entriesAdded), er);
    return null;
  }

  /**
   * streamReplyWithRange with a group: visits live entries from `start` to
   * `end` (count 0: all), moving the group's last delivered ID and
   * entries_read forward as it passes entries above it, and (unless noack)
   * making each entry pending for `consumer` (delivery time now, count 1).
   */
  readGroupRange(group: StreamGroup, consumer: StreamConsumer, start: StreamId, end: StreamId, count: number, noack: boolean, now: number, visit?: GroupEntryVisitor): number {
    return this.range(start, end, count, false, (id, data, from, to) => {
      if (id > group.lastId) {
        if (group.entriesRead !== INVALID_ENTRIES_READ && !this.rangeHasTombstones(id, MAX_ID)) group.entriesRead = addI64(group.entriesRead, 1);
        else if (this.entriesAdded !== 0) group.entriesRead = this.estimateDistance(id);
        group.lastId = id;
      }
      const nack = noack ? null : group.deliver(id, consumer, now);
      if (visit !== undefined) visit(id, data, from, to, nack);
    });
  }

  /**
   * XREADGROUP `>` (also when a blocked reader is served): the entries after
   * the group's last delivered ID, at most `count` (0: all). Whether to serve
   * at all is the command's decision (lastLiveId() > group.lastId for a
   * synchronous read, lastId > group.lastId for a blocked one).
   */
  readGroupNew(group: StreamGroup, consumer: StreamConsumer, count: number, noack: boolean, now: number, visit?: GroupEntryVisitor): number {
    const start = incrId(group.lastId);
    if (start === null) return 0; // nothing follows the last possible ID
    return this.readGroupRange(group, consumer, start, MAX_ID, count, noack, now, visit);
  }

  /**
   * XREADGROUP with an ID (streamReplyWithRangeFromConsumerPEL): the
   * consumer's pending entries from `start` (the command passes the ID after
   * the given one), at most `count` (0: all). An entry that still exists is
   * visited with its fields (its NACK's delivery time set to now, count + 1),
   * one that is gone with data null.
   */
  readHistory(consumer: StreamConsumer, start: StreamId, count: number, now: number, visit: (id: StreamId, data: readonly string[] | null, from: number, to: number) => void): number {
    let n = 0;
    const span = [0, 0];
    for (const cur = consumer.pel.seek(start, '>='); cur.valid && (!count || n < count); cur.next()) {
      const id = cur.key as StreamId;
      const nack = cur.value;
      const i = this.locate(id);
      if (i < 0) visit(id, null, 0, 0);
      else {
        const data = this.foundNode.view(i, span);
        visit(id, data, span[0], span[1]);
        nack.deliveryTime = now;
        nack.deliveryCount++;
      }
      n++;
    }
    return n;
  }

  /**
   * XCLAIM's work after parsing: for each ID, in order, drops the pending
   * entry when its stream entry is gone, creates it when FORCE, and claims
   * it for `consumerName` when idle long enough (the consumer looked up,
   * or created, on the first claim). Returns the consumer (null when
   * nothing was claimed). Events tell what happened, in order.
   */
  claim(group: StreamGroup, consumerName: string, ids: readonly StreamId[], now: number, opts: ClaimOptions, events: ClaimEvents = {}): StreamConsumer | null {
    const minIdle = opts.minIdle > 0 ? opts.minIdle : 0;
    let deliveryTime = opts.deliveryTime ?? now;
    if (deliveryTime < 0 || deliveryTime > now) deliveryTime = now;
    const retry = opts.retryCount ?? -1;
    let consumer: StreamConsumer | null = null;
    for (let k = 0; k < ids.length; k++) {
      const id = ids[k];
      let nack = group.pel.get(id);
      if (!this.has(id)) {
        if (nack !== undefined) {
          events.dropped?.(id, nack, k);
          group.dropNack(id);
        }
        continue;
      }
      if (opts.force && nack === undefined) {
        nack = new StreamNack(null, now, 1);
        group.pel.set(id, nack);
      }
      if (nack === undefined) continue;
      if (nack.consumer !== null && minIdle && now - nack.deliveryTime < minIdle) continue;
      if (consumer === null) consumer = this.consumerFor(group, consumerName, now, events);
      if (nack.consumer !== consumer) nack.consumer?.pel.delete(id);
      nack.deliveryTime = deliveryTime;
      if (retry >= 0) nack.deliveryCount = retry;
      else if (!opts.justId) nack.deliveryCount++;
      if (nack.consumer !== consumer) {
        consumer.pel.set(id, nack);
        nack.consumer = consumer;
      }
      events.claimed?.(id, nack, k);
    }
    return consumer;
  }

  private consumerFor(group: StreamGroup, name: string, now: number, events: ClaimEvents): StreamConsumer {
    let c = group.lookupConsumer(name, now);
    if (c === undefined) {
      c = group.createConsumer(name, now)!;
      events.consumerCreated?.(c);
    }
    return c;
  }

  /**
   * XAUTOCLAIM's work after parsing: scans the group PEL from `start`, at
   * most count * 10 pending entries, claiming up to `count` of those idle at
   * least minIdle and dropping (within the same count) those whose entry is
   * gone. Returns the next cursor (0-0 when the scan reached the end) and
   * the dropped IDs.
   */
  autoclaim(group: StreamGroup, consumerName: string, minIdle: number, start: StreamId, count: number, justId: boolean, now: number, events: ClaimEvents = {}): { next: StreamId; deleted: StreamId[] } {
    if (minIdle < 0) minIdle = 0;
    let attempts = count * 10;
    const deleted: StreamId[] = [];
    let consumer: StreamConsumer | null = null;
    let cur: IdCursor<StreamNack> = group.pel.seek(start, '>=');
    let fresh = true; // cur is on the element the next step returns
    const step = (): boolean => {
      if (fresh) {
        fresh = false;
        return cur.valid;
      }
      return cur.next();
    };
    while (attempts-- > 0 && count > 0 && step()) {
      const id = cur.key as StreamId;
      const nack = cur.value;
      if (!this.has(id)) {
        events.dropped?.(id, nack, -1);
        group.dropNack(id);
        deleted.push(id);
        cur = group.pel.seek(id, '>=');
        fresh = true;
        count--;
        continue;
      }
      if (minIdle && now - nack.deliveryTime < minIdle) continue;
      if (consumer === null) consumer = this.consumerFor(group, consumerName, now, events);
      group.transfer(id, nack, consumer);
      nack.deliveryTime = now;
      if (!justId) nack.deliveryCount++;
      events.claimed?.(id, nack, -1);
      count--;
    }
    return { next: step() ? (cur.key as StreamId) : MIN_ID, deleted };
  }

  /** Checks every internal invariant, node byte sizes against a real encoding included (tests). Throws on violation. */
  check(): void {
    this.index.check();
    let len = 0;
    let nodes = 0;
    let prev: StreamNode | null = null;
    let prevId: StreamId | null = null;
    for (let n = this.head; n !== null; n = n.next) {
      nodes++;
      if (n.prev !== prev) throw new Error('bad prev link');
      if (this.index.get(n.masterId) !== n) throw new Error('node not indexed under its master ID');
      if (n.size === 0 || n.idAt(0) !== n.masterId) throw new Error('first entry is not the master ID');
      if (n.flags.length < n.size || n.words.length !== n.flags.length * 4 || !n.storeMatches()) throw new Error('node arrays differ');
      let live = 0;
      for (let i = 0; i < n.size; i++) {
        const id = n.idAt(i);
        if (n.sorted && i > 0 && !(n.idAt(i - 1) < id)) throw new Error('IDs out of order in a sorted node');
        if (n.flags[i] & FLAG_DELETED) continue;
        if (prevId !== null && !(prevId < id) && !this.disordered) throw new Error('live IDs out of order');
        if (prevId === null || id > prevId) prevId = id;
        if (i < n.firstLive) throw new Error('live entry before the firstLive hint');
        live++;
        if (n.flags[i] & FLAG_SAMEFIELDS && !n.sameFields(n.fieldsAt(i))) throw new Error('same-fields flag on other fields');
      }
      if (live !== n.live || n.size - live !== n.deleted) throw new Error('node counts differ');
      const lp = encodeNodeListpack(n);
      if (lp.length !== n.lpBytes()) throw new Error(`node bytes ${n.lpBytes()} but listpack ${lp.length}`);
      len += live;
      prev = n;
    }
    if (this.tail !== prev) throw new Error('bad tail');
    if (nodes !== this.index.size) throw new Error('index size differs');
    if (len + this.lostLive !== this.len) throw new Error(`length ${this.len} but ${len} live entries (+${this.lostLive} lost)`);
    const first = this.len ? this.edgeId(true, true) : MIN_ID;
    if (first !== this.firstId && !this.disordered) throw new Error(`firstId ${formatId(this.firstId)} but first entry ${formatId(first)}`);
    if (prevId !== null && prevId > this.lastId) throw new Error('an entry above lastId');
    this.cgroups?.check();
    this.cgroups?.forEach((g) => {
      g.pel.check();
      g.consumers.check();
      let owned = 0;
      g.consumers.forEach((c, name) => {
        if (c.name !== name) throw new Error('consumer under another name');
        c.pel.check();
        owned += c.pel.size;
        c.pel.forEach((nack, id) => {
          if (g.pel.get(id) !== nack || nack.consumer !== c) throw new Error('consumer PEL entry not in the group PEL');
        });
      });
      if (owned !== g.pel.size) throw new Error('group PEL entries without a consumer');
    });
  }

  // --- copying ----------------------------------------------------------------

  /** A deep copy, groups, consumers and PELs included (COPY). */
  clone(): Stream {
    const s = new Stream();
    const keys: string[] = [];
    const copies: StreamNode[] = [];
    let prev: StreamNode | null = null;
    for (let n = this.head; n !== null; n = n.next) {
      const c = n.copy();
      c.prev = prev;
      if (prev !== null) prev.next = c;
      else s.head = c;
      prev = c;
      keys.push(c.masterId);
      copies.push(c);
    }
    s.tail = prev;
    s.index = IdMap.fromSorted(keys, copies);
    s.len = this.len;
    s.lostLive = this.lostLive;
    s.disordered = this.disordered;
    s.lastId = this.lastId;
    s.firstId = this.firstId;
    s.maxDeletedId = this.maxDeletedId;
    s.entriesAdded = this.entriesAdded;
    s.raxNodes = this.raxNodes;
    if (this.cgroups !== null) {
      s.cgroups = this.cgroups.clone((g) => {
        const ng = new StreamGroup(g.name, g.lastId, g.entriesRead);
        const map = new Map<StreamConsumer, { c: StreamConsumer; ids: string[]; nacks: StreamNack[] }>();
        g.consumers.forEach((c) => {
          const nc = new StreamConsumer(c.name, c.seenTime);
          map.set(c, { c: nc, ids: [], nacks: [] });
          ng.consumers.set(c.name, nc);
        });
        const ids: string[] = [];
        const nacks: StreamNack[] = [];
        g.pel.forEach((nack, id) => {
          const m = nack.consumer === null ? undefined : map.get(nack.consumer);
          const nn = new StreamNack(m === undefined ? null : m.c, nack.deliveryTime, nack.deliveryCount);
          ids.push(id);
          nacks.push(nn);
          if (m !== undefined) {
            m.ids.push(id);
            m.nacks.push(nn);
          }
        });
        (ng as { pel: IdMap<StreamNack> }).pel = IdMap.fromSorted(ids, nacks);
        for (const m of map.values()) (m.c as { pel: IdMap<StreamNack> }).pel = IdMap.fromSorted(m.ids, m.nacks);
        return ng;
      });
    }
    return s;
  }
}

// ---------------------------------------------------------------------------
// Listpack bytes of a node (RDB / DUMP)
// ---------------------------------------------------------------------------

/** lpStringToInt64: the int64 value of a canonical decimal string, or null. */
function lpStringToInt(s: string): bigint | null {
  if (s.length === 0 || s.length >= 21 || intTextBytes(s) === 0) return null;
  return BigInt(s);
}

class LpWriter {
  parts: number[] = [];
  count = 0;

  private backlen(l: number): void {
    const p = this.parts;
    if (l <= 127) p.push(l);
    else if (l < 16383) p.push(l >>> 7, (l & 127) | 128);
    else if (l < 2097151) p.push(l >>> 14, ((l >>> 7) & 127) | 128, (l & 127) | 128);
    else if (l < 268435455) p.push(l >>> 21, ((l >>> 14) & 127) | 128, ((l >>> 7) & 127) | 128, (l & 127) | 128);
    else p.push(Math.floor(l / 268435456), ((l >>> 21) & 127) | 128, ((l >>> 14) & 127) | 128, ((l >>> 7) & 127) | 128, (l & 127) | 128);
  }

  int(value: number | bigint): void {
    const v = BigInt(value);
    const p = this.parts;
    const start = p.length;
    if (v >= 0n && v <= 127n) p.push(Number(v));
    else if (v >= -4096n && v <= 4095n) {
      const u = Number(v < 0n ? v + 8192n : v);
      p.push((u >>> 8) | 0xc0, u & 0xff);
    } else {
      let bytes: number;
      let tag: number;
      if (v >= -32768n && v <= 32767n) [bytes, tag] = [2, 0xf1];
      else if (v >= -8388608n && v <= 8388607n) [bytes, tag] = [3, 0xf2];
      else if (v >= -2147483648n && v <= 2147483647n) [bytes, tag] = [4, 0xf3];
      else [bytes, tag] = [8, 0xf4];
      let u = BigInt.asUintN(bytes * 8, v);
      p.push(tag);
      for (let i = 0; i < bytes; i++) {
        p.push(Number(u & 0xffn));
        u >>= 8n;
      }
    }
    this.backlen(p.length - start);
    this.count++;
  }

  str(s: string): void {
    const iv = lpStringToInt(s);
    if (iv !== null) {
      this.int(iv);
      return;
    }
    const p = this.parts;
    const start = p.length;
    const n = s.length;
    if (n < 64) p.push(n | 0x80);
    else if (n < 4096) p.push((n >>> 8) | 0xe0, n & 0xff);
    else p.push(0xf0, n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, n >>> 24);
    for (let i = 0; i < n; i++) p.push(s.charCodeAt(i));
    this.backlen(p.length - start);
    this.count++;
  }
}

/**
 * The node's listpack, byte for byte as Redis 7.0 holds it (what RDB / DUMP
 * store for each rax key). Its length is node.lpBytes().
 */
export function encodeNodeListpack(node: StreamNode): Buffer {
  const w = new LpWriter();
  w.int(node.live);
  w.int(node.deleted);
  w.int(node.masterFields.length);
  for (const f of node.masterFields) w.str(f);
  w.int(0);
  const mms = idMs(node.masterId);
  const mseq = idSeq(node.masterId);
  for (let i = 0; i < node.size; i++) {
    const id = node.idAt(i);
    const flags = node.flags[i];
    const fv = node.fieldsAt(i);
    const nf = fv.length >> 1;
    w.int(flags);
    w.int(BigInt.asIntN(64, idMs(id) - mms));
    w.int(BigInt.asIntN(64, idSeq(id) - mseq));
    if (flags & FLAG_SAMEFIELDS) {
      for (let j = 1; j < fv.length; j += 2) w.str(fv[j]);
      w.int(nf + 3);
    } else {
      w.int(nf);
      for (let j = 0; j < fv.length; j++) w.str(fv[j]);
      w.int(nf * 2 + 4);
    }
  }
  const total = 6 + w.parts.length + 1;
  const buf = Buffer.allocUnsafe(total);
  buf.writeUInt32LE(total, 0);
  buf.writeUInt16LE(w.count < 65535 ? w.count : 65535, 4);
  for (let i = 0; i < w.parts.length; i++) buf[6 + i] = w.parts[i];
  buf[total - 1] = 0xff;
  return buf;
}

/**
 * A node from a listpack as RDB / DUMP store it under rax key `masterId`
 * (the inverse of encodeNodeListpack), or null when it is not a valid
 * stream listpack.
 */
export function decodeNodeListpack(masterId: StreamId, lp: Buffer): StreamNode | null {
  if (lp.length < 7 || lp.readUInt32LE(0) !== lp.length || lp[lp.length - 1] !== 0xff) return null;
  let p = 6;
  const end = lp.length - 1;
  let bad = false;
  // next element as a string (integers as their decimal text) or bigint (ints)
  const next = (): string | bigint => {
    if (p >= end) {
      bad = true;
      return '';
    }
    const b = lp[p];
    const start = p;
    let out: string | bigint;
    if ((b & 0x80) === 0) {
      out = BigInt(b);
      p += 1;
    } else if ((b & 0xc0) === 0x80) {
      const n = b & 0x3f;
      out = lp.toString('latin1', p + 1, p + 1 + n);
      p += 1 + n;
    } else if ((b & 0xe0) === 0xc0) {
      const u = ((b & 0x1f) << 8) | lp[p + 1];
      out = BigInt(u >= 4096 ? u - 8192 : u);
      p += 2;
    } else if ((b & 0xf0) === 0xe0) {
      const n = ((b & 0x0f) << 8) | lp[p + 1];
      out = lp.toString('latin1', p + 2, p + 2 + n);
      p += 2 + n;
    } else if (b === 0xf0) {
      if (p + 5 > end) {
        bad = true;
        return '';
      }
      const n = lp.readUInt32LE(p + 1);
      out = lp.toString('latin1', p + 5, p + 5 + n);
      p += 5 + n;
    } else if (b >= 0xf1 && b <= 0xf4) {
      const bytes = b === 0xf1 ? 2 : b === 0xf2 ? 3 : b === 0xf3 ? 4 : 8;
      let u = 0n;
      for (let i = bytes; i >= 1; i--) u = (u << 8n) | BigInt(lp[p + i]);
      out = BigInt.asIntN(bytes * 8, u);
      p += 1 + bytes;
    } else {
      bad = true;
      return '';
    }
    p += backlenBytes(p - start);
    if (p > end) bad = true;
    return out;
  };
  const int = (): number => {
    const v = next();
    if (typeof v !== 'bigint') {
      bad = true;
      return 0;
    }
    return Number(v);
  };
  const text = (): string => {
    const v = next();
    return typeof v === 'bigint' ? v.toString() : v;
  };
  const live = int();
  const deleted = int();
  const nmf = int();
  if (bad || nmf < 0 || nmf > end - p) return null;
  const masterFields: string[] = [];
  for (let i = 0; i < nmf && !bad; i++) masterFields.push(text());
  if (bad || int() !== 0 || bad) return null;
  const node = new StreamNode(masterId, masterFields);
  const mms = idMs(masterId);
  const mseq = idSeq(masterId);
  while (p < end) {
    const flags = int();
    const dms = next();
    const dseq = next();
    if (bad || typeof dms !== 'bigint' || typeof dseq !== 'bigint') return null;
    const id = makeIdBig(BigInt.asUintN(64, mms + dms), BigInt.asUintN(64, mseq + dseq));
    // IDs need not increase (see StreamNode.sorted), but the first entry is the master entry's
    if (node.size === 0 && id !== masterId) return null;
    const fv: string[] = [];
    if (flags & FLAG_SAMEFIELDS) {
      for (let i = 0; i < nmf && !bad; i++) fv.push(masterFields[i], text());
    } else {
      const nf = int();
      if (nf < 0 || bad) return null;
      // every field and value takes at least one byte: a count beyond what is left is a lie
      if (nf * 2 > end - p) return null;
      for (let i = 0; i < nf && !bad; i++) fv.push(text(), text());
    }
    const lpCount = int();
    const nf = fv.length >> 1;
    if (bad || lpCount !== (flags & FLAG_SAMEFIELDS ? nf + 3 : nf * 2 + 4)) return null;
    node.push(id, flags, fv);
  }
  if (node.live !== live || node.deleted !== deleted || node.size === 0) return null;
  node.shrinkToFit();
  return node;
}
