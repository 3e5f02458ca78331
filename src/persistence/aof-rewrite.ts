/**
 * The AOF base written as commands (aof-use-rdb-preamble no; aof.c
 * rewriteAppendOnlyFileRio): SELECT for each non-empty database, then per
 * key the commands that rebuild it, in Redis 7.0.15's exact spelling: SET;
 * RPUSH, SADD, ZADD and HMSET in batches of 64 items; for a stream XADD of
 * each entry (XADD MAXLEN 0 0-1 x y for an empty one), XSETID with
 * ENTRIESADDED and MAXDELETEDID, XGROUP CREATE ... ENTRIESREAD per group,
 * XCLAIM ... FORCE for each pending entry and XGROUP CREATECONSUMER for a
 * consumer without any; then PEXPIREAT when the key has an expiry.
 *
 * Where Redis's order is its own (lists, intsets, listpack sorted sets and
 * hashes, streams) the file is byte for byte what Redis writes for the same
 * key; hashtable sets and hashes come in Sinew's order and sorted sets past
 * the listpack in score order (Redis walks its dict, seeded at random).
 */
import type { Database } from '../keyspace/database.js';
import { type Value, ByteString } from '../types/object.js';
import type { ListValue } from '../types/list.js';
import type { RSet } from '../types/set.js';
import type { ZSet } from '../types/zset.js';
import type { RHash } from '../types/hash.js';
import { type Stream, type StreamId, type Counter, counterI64, formatId } from '../types/stream.js';
import { formatG } from '../protocol/numbers.js';
import type { RdbWriter } from './rdb-io.js';
import type { ImageFormat } from './snapshot.js';
import { timestampAnnotation } from './aof-format.js';

/** AOF_REWRITE_ITEMS_PER_CMD. */
export const ITEMS_PER_CMD = 64;

/** Strings up to this length go out in one piece with their framing. */
const SMALL = 1024;

function bulk(w: RdbWriter, s: string): void {
  if (s.length <= SMALL) w.text(`$${s.length}\r\n${s}\r\n`);
  else {
    w.text(`$${s.length}\r\n`);
    w.text(s);
    w.text('\r\n');
  }
}

function bulkValue(w: RdbWriter, v: Value): void {
  if (typeof v === 'string') return bulk(w, v);
  const b = v as ByteString;
  w.text(`$${b.len}\r\n`);
  w.bytes(b.buf.subarray(0, b.len));
  w.text('\r\n');
}

/** rioWriteBulkDouble: "%.17g". */
function bulkDouble(w: RdbWriter, d: number): void {
  bulk(w, formatG(d, 17));
}

/** The `*<n>` header and the command's name and key. */
function head(w: RdbWriter, n: number, name: string, key: string): void {
  w.text(`*${n}\r\n$${name.length}\r\n${name}\r\n`);
  bulk(w, key);
}

/**
 * Items in batches of ITEMS_PER_CMD (`width` arguments each), each batch a
 * command `name key ...`; `items` is how many there are in all.
 */
class Batcher {
  private left: number;
  private inBatch = 0;
  constructor(
    private readonly w: RdbWriter,
    private readonly name: string,
    private readonly key: string,
    items: number,
    private readonly width: number,
  ) {
    this.left = items;
  }

  /** Called before each item's arguments are written. */
  next(): void {
    if (this.inBatch === 0) {
      const n = this.left > ITEMS_PER_CMD ? ITEMS_PER_CMD : this.left;
      head(this.w, 2 + n * this.width, this.name, this.key);
    }
    if (++this.inBatch === ITEMS_PER_CMD) this.inBatch = 0;
    this.left--;
  }
}

/** RPUSH or SADD of every item, 64 a command. */
function writeItems(w: RdbWriter, name: string, key: string, items: readonly string[]): void {
  const b = new Batcher(w, name, key, items.length, 1);
  for (let i = 0; i < items.length; i++) {
    b.next();
    bulk(w, items[i]);
  }
}

function writeZset(w: RdbWriter, key: string, z: ZSet): void {
  const tree = z.tree;
  const b = new Batcher(w, 'ZADD', key, tree.size, 2);
  tree.each(0, tree.size, false, (m, score) => {
    b.next();
    bulkDouble(w, score);
    bulk(w, m);
  });
}

function writeHash(w: RdbWriter, key: string, h: RHash): void {
  const t = h.table;
  if (t === null) {
    const kv = h.kv;
    const b = new Batcher(w, 'HMSET', key, kv.length / 2, 2);
    for (let j = 0; j < kv.length; j += 2) {
      b.next();
      bulk(w, kv[j]);
      bulk(w, kv[j + 1]);
    }
    return;
  }
  const b = new Batcher(w, 'HMSET', key, t.size, 2);
  for (const [f, v] of t) {
    b.next();
    bulk(w, f);
    bulk(w, v);
  }
}

/** rioWriteBulkLongLong of a signed 64-bit counter. */
function bulkCounter(w: RdbWriter, c: Counter): void {
  bulk(w, String(counterI64(c)));
}

function writeStream(w: RdbWriter, key: string, s: Stream): void {
  if (s.length > 0) {
    s.forEachEntry((id, data, from, to) => {
      head(w, 3 + (to - from), 'XADD', key);
      bulk(w, formatId(id));
      for (let i = from; i < to; i++) bulk(w, data[i]);
    });
  } else {
    // XADD MAXLEN 0 makes the key exist with no entry
    head(w, 7, 'XADD', key);
    w.text('$6\r\nMAXLEN\r\n$1\r\n0\r\n$3\r\n0-1\r\n$1\r\nx\r\n$1\r\ny\r\n');
  }
  // the last ID, which XDEL may have left above the last entry
  head(w, 7, 'XSETID', key);
  bulk(w, formatId(s.lastId));
  w.text('$12\r\nENTRIESADDED\r\n');
  bulkCounter(w, s.entriesAdded);
  w.text('$12\r\nMAXDELETEDID\r\n');
  bulk(w, formatId(s.maxDeletedId));
  for (const g of s.groups()) {
    w.text('*7\r\n$6\r\nXGROUP\r\n$6\r\nCREATE\r\n');
    bulk(w, key);
    bulk(w, g.name);
    bulk(w, formatId(g.lastId));
    w.text('$11\r\nENTRIESREAD\r\n');
    bulkCounter(w, g.entriesRead);
    g.consumers.forEach((c) => {
      if (c.pel.size === 0) {
        w.text('*5\r\n$6\r\nXGROUP\r\n$14\r\nCREATECONSUMER\r\n');
        bulk(w, key);
        bulk(w, g.name);
        bulk(w, c.name);
        return;
      }
      c.pel.forEach((nack, id) => {
        head(w, 12, 'XCLAIM', key);
        bulk(w, g.name);
        bulk(w, c.name);
        w.text('$1\r\n0\r\n');
        bulk(w, formatId(id as StreamId));
        w.text('$4\r\nTIME\r\n');
        bulk(w, String(nack.deliveryTime));
        w.text('$10\r\nRETRYCOUNT\r\n');
        bulk(w, String(nack.deliveryCount));
        w.text('$6\r\nJUSTID\r\n$5\r\nFORCE\r\n');
      });
    });
  }
}

/** The commands that rebuild one key, then its PEXPIREAT. */
export function writeKeyCommands(w: RdbWriter, key: string, v: Value, expire: number | bigint | null): void {
  if (typeof v === 'string' || v.type === 'string') {
    w.text('*3\r\n$3\r\nSET\r\n');
    bulk(w, key);
    bulkValue(w, v);
  } else {
    switch (v.type) {
      case 'list':
        writeItems(w, 'RPUSH', key, (v as ListValue).toArray());
        break;
      case 'set':
        writeItems(w, 'SADD', key, (v as RSet).ordered());
        break;
      case 'zset':
        writeZset(w, key, v as ZSet);
        break;
      case 'hash':
        writeHash(w, key, v as RHash);
        break;
      case 'stream':
        writeStream(w, key, v as Stream);
        break;
    }
  }
  if (expire !== null) {
    w.text('*3\r\n$9\r\nPEXPIREAT\r\n');
    bulk(w, key);
    bulk(w, String(expire));
  }
}

/**
 * The AOF command form as an image format; `timestamp` (unix seconds) is
 * written first as a `#TS:` annotation when aof-timestamp-enabled.
 */
export function commandImage(timestamp: number | null): ImageFormat {
  return {
    binary: false,
    header: (w) => {
      if (timestamp !== null) w.text(timestampAnnotation(timestamp));
    },
    dbStart: (w, id) => {
      w.text('*2\r\n$6\r\nSELECT\r\n');
      bulk(w, String(id));
    },
    dbPair: (w, db: Database, key, v) => writeKeyCommands(w, key, v, db.expires.size !== 0 && db.expires.has(key) ? db.getExpireExact(key) : null),
    pair: (w, key, v, expire) => writeKeyCommands(w, key, v, expire),
    footer: (w) => w.flush(),
  };
}
