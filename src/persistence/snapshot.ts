/**
 * A point-in-time image of the keyspace without fork: an RDB file (BGSAVE,
 * the AOF rewrite's base, a replica's full sync) or, through another
 * ImageFormat, the AOF base written as commands (aof-use-rdb-preamble no).
 *
 * The snapshot walks each database's dictionary in time slices from the
 * event loop while clients keep writing. The keyspace calls beforeWrite()
 * (its snapshot hook) before any change to a key: when the walk has not
 * passed that key yet, its value as it was is serialised at once (into the
 * output for the database being walked, or aside for a later one), and the
 * walk skips it when it gets there. A key created after the start is marked
 * the same way, so it is never written. FLUSHDB/FLUSHALL and SWAPDB replace
 * or move whole dictionaries: a section keeps the Map objects it started
 * with, so it goes on walking the old contents, which nobody changes any more.
 * The file therefore holds the dataset exactly as it was when the snapshot
 * started (Dragonfly's "versioned snapshot" idea, with a seen-set in place
 * of bucket versions).
 */
import type { Database } from '../keyspace/database.js';
import type { Value } from '../types/object.js';
import { RdbWriter } from './rdb-io.js';
import { type AuxFields, writeDbPair, writeDbStart, writeFooter, writeHeader, writePair } from './rdb-file.js';
import type { SaveOptions } from './values.js';
import { debugDelay } from './debug-delay.js';

/**
 * A set of keys split over 64 Sets by a cheap hash of a few characters, so
 * that no single Set grows to millions of entries: a big Set rehashes in one
 * go (tens of milliseconds at a million keys), a shard in a fraction of one.
 */
class KeySet {
  private readonly shards: Set<string>[] = [];
  size = 0;

  constructor() {
    for (let i = 0; i < 64; i++) this.shards.push(new Set());
  }

  private shard(k: string): Set<string> {
    const n = k.length;
    const h = n === 0 ? 0 : n * 31 + k.charCodeAt(n - 1) * 7 + k.charCodeAt(n - 2 >= 0 ? n - 2 : 0) * 131 + k.charCodeAt(n >> 1) * 17;
    return this.shards[h & 63];
  }

  has(k: string): boolean {
    return this.shard(k).has(k);
  }

  /** Adds k; false when it was there. */
  add(k: string): boolean {
    const sh = this.shard(k);
    const before = sh.size;
    sh.add(k);
    if (sh.size === before) return false;
    this.size++;
    return true;
  }
}

interface Section {
  /** The database index at the start. */
  readonly id: number;
  readonly dict: Map<string, Value>;
  readonly expires: Map<string, number>;
  readonly size: number;
  readonly expiresSize: number;
  /** Keys written already, or created after the start: the walk skips them. */
  seen: KeySet;
  /** Old values taken aside before the section's turn (serialised pairs). */
  aside: RdbWriter | null;
  iter: Iterator<[string, Value]> | null;
  state: 'waiting' | 'walking' | 'done';
}

/** How an image spells its parts: the RDB format, or the AOF's commands. */
export interface ImageFormat {
  /** A running CRC64 and LZF strings (RDB only). */
  readonly binary: boolean;
  header(w: RdbWriter): void;
  /** The start of a non-empty database's section. */
  dbStart(w: RdbWriter, id: number, size: number, expires: number): void;
  /** A key of a live database, with its expiry (and LRU/LFU record) from it. */
  dbPair(w: RdbWriter, db: Database, key: string, v: Value, now: number): void;
  /** A key whose database was flushed or swapped away since the start: its expiry as it was. */
  pair(w: RdbWriter, key: string, v: Value, expire: number | null): void;
  footer(w: RdbWriter): void;
}

/** The RDB file format (rdbSaveRio). */
export function rdbImage(aux: AuxFields, save: SaveOptions): ImageFormat {
  return {
    binary: true,
    header: (w) => writeHeader(w, aux),
    dbStart: writeDbStart,
    dbPair: (w, db, key, v, now) => writeDbPair(w, db, key, v, now, save),
    pair: (w, key, v, expire) => writePair(w, key, v, { expire, idle: null, freq: null }, save),
    footer: writeFooter,
  };
}

export interface SnapshotOptions {
  aux: AuxFields;
  save: SaveOptions;
  /** The RDB format unless given. */
  format?: ImageFormat;
  compress: boolean;
  checksum: boolean;
  /** Takes each chunk of the file as it is produced. */
  sink: (chunk: Buffer) => void;
  /** The keyspace's clock (for idle times). */
  now: () => number;
  /** rdb-key-save-delay: microseconds to wait after each key (tests make a save last). */
  keyDelayUs?: number;
}

export class Snapshot {
  private readonly sections: Section[] = [];
  private readonly byDict = new Map<Map<string, Value>, Section>();
  private readonly w: RdbWriter;
  private readonly fmt: ImageFormat;
  private cur = 0;
  private finished = false;
  /** Keys written so far (current_save_keys_processed). */
  keysWritten = 0;
  /** Keys at the start (current_save_keys_total). */
  readonly keysTotal: number;
  /** Bytes held aside for databases not walked yet. */
  asideBytes = 0;
  /**
   * Peak of what the snapshot holds beyond the dataset (INFO
   * rdb_last_cow_size, with the file bytes queued for the disk): old values
   * held aside for databases not walked yet, and the seen-set of keys
   * (about 48 bytes an entry).
   */
  peakExtraBytes = 0;
  private seenCount = 0;

  constructor(
    private readonly dbs: readonly Database[],
    private readonly opts: SnapshotOptions,
  ) {
    // small chunks: each is checksummed and copied synchronously when it fills
    this.fmt = opts.format ?? rdbImage(opts.aux, opts.save);
    const binary = this.fmt.binary;
    this.w = new RdbWriter({ sink: opts.sink, compress: binary && opts.compress, checksum: binary && opts.checksum, chunk: 64 * 1024 });
    let total = 0;
    for (const db of dbs) {
      if (db.dict.size === 0) continue;
      const s: Section = {
        id: db.id,
        dict: db.dict,
        expires: db.expires,
        size: db.dict.size,
        expiresSize: db.expires.size,
        seen: new KeySet(),
        aside: null,
        iter: null,
        state: 'waiting',
      };
      total += s.size;
      this.sections.push(s);
      this.byDict.set(db.dict, s);
    }
    this.keysTotal = total;
    this.fmt.header(this.w);
  }

  get done(): boolean {
    return this.finished;
  }

  /** Bytes produced so far. */
  get bytes(): number {
    return this.w.size;
  }

  /**
   * The keyspace's snapshot hook: `key` of `db` is about to change (or be
   * created, deleted, given a TTL). Keeps its value as of the start if the
   * walk has not passed it.
   */
  beforeWrite(db: Database, key: string): void {
    const s = this.byDict.get(db.dict);
    if (s === undefined || s.state === 'done' || !s.seen.add(key)) return;
    this.seenCount++;
    const v = s.dict.get(key);
    if (v === undefined) return; // created after the start: never written
    if (s.state === 'walking') {
      this.writeKey(this.w, s, db, key, v);
      this.keysWritten++;
      this.noteExtra();
      return;
    }
    if (s.aside === null) s.aside = new RdbWriter({ compress: this.fmt.binary && this.opts.compress, checksum: false });
    const before = s.aside.pos;
    this.writeKey(s.aside, s, db, key, v);
    this.keysWritten++;
    this.asideBytes += s.aside.pos - before;
    this.noteExtra();
  }

  private noteExtra(): void {
    const extra = this.asideBytes + this.seenCount * 48;
    if (extra > this.peakExtraBytes) this.peakExtraBytes = extra;
  }

  /** Writes a key of a section, with its TTL and LRU/LFU record from the database holding it (when any still does). */
  private writeKey(w: RdbWriter, s: Section, db: Database | null, key: string, v: Value): void {
    if (db !== null && db.dict === s.dict) {
      this.fmt.dbPair(w, db, key, v, this.opts.now());
      return;
    }
    const e = s.expires.get(key);
    this.fmt.pair(w, key, v, e === undefined ? null : e);
  }

  /** The database that holds a section's dictionary now (SWAPDB may have moved it), or null after a flush. */
  private ownerOf(s: Section): Database | null {
    const db = this.dbs[s.id];
    if (db !== undefined && db.dict === s.dict) return db;
    for (const d of this.dbs) if (d.dict === s.dict) return d;
    return null;
  }

  /** Writes until `deadline` (performance.now() ms); true once the whole image has been produced. */
  step(deadline: number): boolean {
    if (this.finished) return true;
    const w = this.w;
    let n = 0;
    while (this.cur < this.sections.length) {
      const s = this.sections[this.cur];
      if (s.state === 'waiting') {
        this.fmt.dbStart(w, s.id, s.size, s.expiresSize);
        s.state = 'walking';
        if (s.aside !== null) {
          w.bytes(s.aside.result());
          this.asideBytes -= s.aside.pos;
          s.aside = null;
        }
        s.iter = s.dict.entries();
      }
      const owner = this.ownerOf(s);
      const now = this.opts.now();
      const iter = s.iter!;
      for (;;) {
        const r = iter.next();
        if (r.done === true) {
          s.state = 'done';
          s.iter = null;
          this.seenCount -= s.seen.size;
          s.seen = new KeySet();
          this.byDict.delete(s.dict);
          this.noteExtra();
          this.cur++;
          break;
        }
        const [key, v] = r.value;
        if (!s.seen.add(key)) continue;
        if ((++this.seenCount & 1023) === 0) this.noteExtra();
        if (owner !== null) this.fmt.dbPair(w, owner, key, v, now);
        else this.writeKey(w, s, null, key, v);
        this.keysWritten++;
        const delay = this.opts.keyDelayUs ?? 0;
        if (delay !== 0) {
          debugDelay(delay);
          if (performance.now() >= deadline) return false;
        } else if ((++n & 7) === 0 && performance.now() >= deadline) return false;
      }
    }
    this.fmt.footer(w);
    this.finished = true;
    return true;
  }
}
