/**
 * What the stream command files (streams.ts, stream-groups.ts) share: the
 * stream at a key with WRONGTYPE, ID and COUNT arguments with Redis's error
 * replies, and entries written as Redis writes them (t_stream.c).
 */
import type { Session } from '../server/server.js';
import { Err } from '../protocol/errors.js';
import { parseLL } from '../protocol/numbers.js';
import type { ReplyWriter } from '../protocol/writer.js';
import type { Value } from '../types/object.js';
import {
  Stream,
  StreamErr,
  formatId,
  isStreamId,
  parseRangeEnd,
  parseRangeStart,
  parseStreamId,
  type StreamId,
} from '../types/stream.js';

// --- the stream at a key ---------------------------------------------------

/** The value as a stream: undefined when missing, null after replying WRONGTYPE. */
export function asStream(c: Session, v: Value | undefined): Stream | undefined | null {
  if (v === undefined) return undefined;
  if (typeof v === 'string' || v.type !== 'stream') {
    c.w.error(Err.wrongType);
    return null;
  }
  return v as Stream;
}

/** The stream at a key for reading (lookupKeyRead): undefined when missing, null after WRONGTYPE. */
export function readStream(c: Session, key: string): Stream | undefined | null {
  return asStream(c, c.db.read(key));
}

/** The stream at a key for writing (lookupKeyWrite), not created: undefined when missing, null after WRONGTYPE. */
export function lookupWriteStream(c: Session, key: string): Stream | undefined | null {
  return asStream(c, c.db.lookupWrite(key));
}

/** A new empty stream added at a key (the key must be missing). */
export function createStream(c: Session, key: string): Stream {
  const s = new Stream();
  c.db.add(key, s);
  return s;
}

// --- arguments -------------------------------------------------------------

/**
 * An explicit ID argument (streamParseStrictIDOrReply when `strict`, the
 * default; streamParseIDOrReply, which takes `-` and `+`, otherwise).
 * `missingSeq` 'max' reads `ms` as ms-18446744073709551615. Null after
 * replying "Invalid stream ID ...".
 */
export function getStreamId(c: Session, arg: string, opts: { strict?: boolean; missingSeq?: 'zero' | 'max' } = {}): StreamId | null {
  const id = parseStreamId(arg, opts);
  if (id === null) c.w.error(StreamErr.invalidId);
  return id;
}

/** A range start (`-`, `ms`, `ms-seq`, `(id`) as an inclusive ID; null after replying the error. */
export function getRangeStart(c: Session, arg: string): StreamId | null {
  const r = parseRangeStart(arg);
  if (isStreamId(r)) return r;
  c.w.error(r);
  return null;
}

/** A range end (`+`, `ms`, `ms-seq`, `(id`) as an inclusive ID; null after replying the error. */
export function getRangeEnd(c: Session, arg: string): StreamId | null {
  const r = parseRangeEnd(arg);
  if (isStreamId(r)) return r;
  c.w.error(r);
  return null;
}

/**
 * A COUNT argument as XRANGE, XREAD and XPENDING read it
 * (getLongLongFromObjectOrReply, then a negative count becomes 0). Null
 * after replying "value is not an integer or out of range".
 */
export function getCount(c: Session, arg: string): number | null {
  const n = parseLL(arg);
  if (n === null) {
    c.w.error(Err.notInteger);
    return null;
  }
  return n < 0 ? 0 : n;
}

// --- replies ---------------------------------------------------------------

/** An ID as Redis replies it: a bulk "ms-seq". */
export function writeId(w: ReplyWriter, id: StreamId): void {
  w.bulk(formatId(id));
}

/**
 * One entry, as streamReplyWithRange writes it (same in RESP2 and RESP3):
 * a 2-array of the ID and the flat field/value array data[from..to). `data`
 * null writes the ID and a null array (an entry of a consumer's PEL that is
 * no longer in the stream, streamReplyWithRangeFromConsumerPEL).
 */
export function writeEntry(w: ReplyWriter, id: StreamId, data: readonly string[] | null, from = 0, to = data === null ? 0 : data.length): void {
  w.array(2);
  w.bulk(formatId(id));
  if (data === null) {
    w.nullArray();
    return;
  }
  w.array(to - from);
  for (let i = from; i < to; i++) w.bulk(data[i]);
}

/**
 * Entries gathered for one array reply (the reply's length comes first, the
 * walk gives them one by one). `visit` is an EntryVisitor / the first four
 * parameters of a GroupEntryVisitor: pass `list.visit` to Stream.range,
 * readGroupRange, readHistory... The data arrays are the stream's own:
 * write the list before the stream changes.
 */
export class EntryList {
  readonly ids: StreamId[] = [];
  private datas: (readonly string[] | null)[] = [];
  private bounds: number[] = [];

  readonly visit = (id: StreamId, data: readonly string[] | null, from: number, to: number): void => {
    this.ids.push(id);
    this.datas.push(data);
    this.bounds.push(from, to);
  };

  get length(): number {
    return this.ids.length;
  }

  /** The entries as an array reply. */
  write(w: ReplyWriter): void {
    const n = this.ids.length;
    w.array(n);
    this.writeRaw(w);
  }

  /** The entries without the array header (STREAM_RWR_RAWENTRIES). */
  writeRaw(w: ReplyWriter): void {
    const b = this.bounds;
    for (let i = 0; i < this.ids.length; i++) writeEntry(w, this.ids[i], this.datas[i], b[2 * i], b[2 * i + 1]);
  }
}

/**
 * XRANGE / XREVRANGE / XREAD's reply for one stream: the live entries from
 * `start` to `end` (count 0: all) as an array. Returns how many.
 */
export function writeRange(c: Session, s: Stream, start: StreamId, end: StreamId, count: number, rev: boolean): number {
  const list = new EntryList();
  s.range(start, end, count, rev, list.visit);
  list.write(c.w);
  return list.length;
}

/**
 * The top of an XREAD / XREADGROUP reply with `n` streams: a RESP3 map of
 * key to entries, in RESP2 an array of [key, entries] pairs. Follow it, for
 * each stream, with writeReadKey then the entries array.
 */
export function writeReadHeader(c: Session, n: number): void {
  if (c.resp === 2) c.w.array(n);
  else c.w.map(n);
}

/** The key of one stream of an XREAD / XREADGROUP reply (see writeReadHeader). */
export function writeReadKey(c: Session, key: string): void {
  if (c.resp === 2) c.w.array(2);
  c.w.bulk(key);
}
