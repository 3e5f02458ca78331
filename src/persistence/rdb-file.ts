/**
 * RDB files (rdb.c rdbSaveRio / rdbLoadRioWithLoadingCtx): the "REDIS0010"
 * magic, AUX fields, one SELECTDB + RESIZEDB section per non-empty database
 * with its key-value pairs (EXPIRETIME_MS, IDLE or FREQ before the type),
 * EOF, and the CRC64 of everything before it (zero when rdbchecksum is off).
 *
 * Loading reads versions 1 to 10 and runs in steps (RdbLoader.step) so that
 * the server can answer -LOADING between them.
 */
import type { Database } from '../keyspace/database.js';
import { lfuDecayed } from '../keyspace/lfu.js';
import type { Value } from '../types/object.js';
import { Crc64 } from './crc64.js';
import { debugDelay } from './debug-delay.js';
import { Opcode, RDB_VERSION, RdbError, RdbReader, type RdbWriter } from './rdb-io.js';
import { EmptyKeyError, type LoadLimits, type SaveOptions, isObjectType, moduleTypeName, rdbTypeOf, readObject, writeObject } from './values.js';

/** The AUX fields a file starts with, in Redis's order. */
export interface AuxFields {
  redisVer: string;
  ctime: number;
  usedMem: number;
  aofBase: boolean;
  /** Replication fields, when a replica's full sync asks for them. */
  repl?: { streamDb: number; id: string; offset: number };
}

export function writeHeader(w: RdbWriter, aux: AuxFields): void {
  w.bytes(Buffer.from(`REDIS${String(RDB_VERSION).padStart(4, '0')}`, 'latin1'));
  const str = (k: string, v: string): void => {
    w.byte(Opcode.AUX);
    w.string(k);
    w.string(v);
  };
  str('redis-ver', aux.redisVer);
  str('redis-bits', '64');
  str('ctime', String(aux.ctime));
  str('used-mem', String(aux.usedMem));
  if (aux.repl !== undefined) {
    str('repl-stream-db', String(aux.repl.streamDb));
    str('repl-id', aux.repl.id);
    str('repl-offset', String(aux.repl.offset));
  }
  str('aof-base', aux.aofBase ? '1' : '0');
}

/** SELECTDB and RESIZEDB for a database section. */
export function writeDbStart(w: RdbWriter, id: number, size: number, expires: number): void {
  w.byte(Opcode.SELECTDB);
  w.len(id);
  w.byte(Opcode.RESIZEDB);
  w.len(size);
  w.len(expires);
}

/** What rdbSaveKeyValuePair writes besides type, key and value: expiry and the LRU/LFU record. */
export interface PairMeta {
  /** Absolute expiry in ms, or null. */
  expire: number | bigint | null;
  /** LRU: idle seconds to store (IDLE opcode); LFU: the counter (FREQ opcode); null for neither. */
  idle: number | null;
  freq: number | null;
}

export function writePair(w: RdbWriter, key: string, v: Value, meta: PairMeta, opts: SaveOptions): void {
  if (meta.expire !== null) {
    w.byte(Opcode.EXPIRETIME_MS);
    w.millis(meta.expire);
  }
  if (meta.idle !== null) {
    w.byte(Opcode.IDLE);
    w.len(meta.idle);
  }
  if (meta.freq !== null) {
    w.byte(Opcode.FREQ);
    w.byte(meta.freq);
  }
  w.byte(rdbTypeOf(v));
  w.string(key);
  writeObject(w, v, opts);
}

/**
 * A key of a database with its expiry and LRU/LFU record as the file
 * stores them (the snapshot's per-key path: no object allocated).
 */
export function writeDbPair(w: RdbWriter, db: Database, key: string, v: Value, now: number, opts: SaveOptions): void {
  if (db.expires.size !== 0 && db.expires.has(key)) {
    w.byte(Opcode.EXPIRETIME_MS);
    w.millis(db.getExpireExact(key)!);
  }
  const access = db.access;
  if (access !== null) {
    const a = access.get(key);
    if (db.accessMode === 'lru') {
      w.byte(Opcode.IDLE);
      w.len(a === undefined ? 0 : Math.max(0, Math.floor((now - a) / 1000)));
    } else {
      w.byte(Opcode.FREQ);
      w.byte(lfuDecayed(a, now, db.lfuDecayTime));
    }
  }
  w.byte(rdbTypeOf(v));
  w.string(key);
  writeObject(w, v, opts);
}

/** EOF and the checksum (the writer's running CRC, or zero without one); flushes. */
export function writeFooter(w: RdbWriter): void {
  w.byte(Opcode.EOF);
  w.flush();
  if (w.crc !== null) {
    const pending = w.result();
    // with a sink everything is flushed and summed; without one, sum what is buffered
    if (w.size !== w.flushed) w.crc.update(pending);
    w.bytes(w.crc.digest());
  } else w.bytes(Buffer.alloc(8));
  w.flush();
}

// ---------------------------------------------------------------------------
// loading
// ---------------------------------------------------------------------------

export interface LoadOptions {
  limits: LoadLimits;
  /** Verify the checksum (rdbchecksum). */
  checksum: boolean;
  /** Drop keys whose expiry has passed (a primary loading a file; not an AOF preamble). */
  dropExpired: boolean;
  now: number;
  /** key-load-delay: microseconds to wait after each key (tests make a load last). */
  keyDelayUs?: number;
  /** A key of the file replaces one already present (DEBUG RELOAD MERGE) instead of being refused as a duplicate. */
  replace?: boolean;
  /** Called with a progress line now and then (Redis's log style). */
  log?: (level: 'notice' | 'warning', line: string) => void;
}

export interface LoadStats {
  version: number;
  keysLoaded: number;
  keysExpired: number;
  emptyKeysSkipped: number;
  aux: Map<string, string>;
}

/**
 * Loads an RDB image into databases, in steps. The caller empties the
 * databases first; a file that is corrupt throws RdbError from step(), after
 * which the databases hold a partial load that the caller must discard.
 */
export class RdbLoader {
  private readonly r: RdbReader;
  private db: Database | null = null;
  private expire: bigint | null = null;
  private idle: number | null = null;
  private freq: number | null = null;
  private done = false;
  readonly stats: LoadStats;

  constructor(
    private readonly buf: Buffer,
    private readonly dbs: readonly Database[],
    private readonly opts: LoadOptions,
  ) {
    this.r = new RdbReader(buf);
    if (buf.length < 9 || buf.toString('latin1', 0, 5) !== 'REDIS') throw new RdbError('Wrong signature trying to load DB from file');
    const vtext = buf.toString('latin1', 5, 9);
    const version = /^\d{4}$/.test(vtext) ? Number(vtext) : -1;
    if (version < 1 || version > RDB_VERSION) throw new RdbError(`Can't handle RDB format version ${version}`);
    this.r.pos = 9;
    this.stats = { version, keysLoaded: 0, keysExpired: 0, emptyKeysSkipped: 0, aux: new Map() };
    this.db = dbs[0] ?? null;
  }

  /** Bytes consumed so far (loading_loaded_bytes). */
  get position(): number {
    return this.r.pos;
  }

  get finished(): boolean {
    return this.done;
  }

  /** Loads until the file ends (true) or `budget` keys were read (false: call again). */
  step(budget = Infinity): boolean {
    const r = this.r;
    let n = 0;
    while (!this.done && n < budget) {
      const type = r.byte();
      switch (type) {
        case Opcode.EXPIRETIME:
          this.expire = BigInt(r.raw(4).readInt32LE(0)) * 1000n;
          continue;
        case Opcode.EXPIRETIME_MS:
          this.expire = r.millisBig();
          continue;
        case Opcode.FREQ:
          this.freq = r.byte();
          continue;
        case Opcode.IDLE:
          this.idle = r.len();
          continue;
        case Opcode.EOF:
          this.finish();
          return true;
        case Opcode.SELECTDB: {
          const id = r.len();
          if (id >= this.dbs.length) {
            throw new RdbError(`FATAL: Data file was created with a Redis server configured to handle more than ${this.dbs.length} databases. Exiting`);
          }
          this.db = this.dbs[id];
          continue;
        }
        case Opcode.RESIZEDB:
          r.len();
          r.len();
          continue;
        case Opcode.AUX: {
          const k = r.string();
          const v = r.string();
          this.stats.aux.set(k, v);
          this.auxLog(k, v);
          continue;
        }
        case Opcode.MODULE_AUX: {
          // rdbLoadRio names the module from its id (moduleTypeNameByID) before giving up on it
          const id = r.lenBig();
          throw new RdbError(`The RDB file contains AUX module data I can't load: no matching module '${moduleTypeName(id)}'`);
        }
        case Opcode.FUNCTION:
        case Opcode.FUNCTION2:
          throw new RdbError('The RDB file contains function libraries, which Sinew cannot load yet (no FUNCTION support)');
        default:
          if (!isObjectType(type)) throw new RdbError(`Unknown RDB encoding type ${type}`);
      }
      const key = r.string();
      let value: Value | null = null;
      try {
        value = readObject(r, type, this.opts.limits);
      } catch (e) {
        if (!(e instanceof EmptyKeyError)) throw e;
        if (this.stats.emptyKeysSkipped++ < 10) this.log('warning', `rdbLoadObject skipping empty key: ${key}`);
      }
      n++;
      if (this.opts.keyDelayUs) debugDelay(this.opts.keyDelayUs);
      const expire = this.expire;
      const idle = this.idle;
      const freq = this.freq;
      this.expire = null;
      this.idle = this.freq = null;
      if (value === null) continue;
      const db = this.db!;
      if (this.opts.dropExpired && expire !== null && expire < BigInt(this.opts.now)) {
        this.stats.keysExpired++;
        continue;
      }
      const dict = db.dict;
      const size = dict.size;
      dict.set(key, value);
      if (dict.size === size) {
        // the key was there already (the load is discarded on this error; MERGE replaces it, TTL included)
        if (this.opts.replace !== true) throw new RdbError(`RDB has duplicated key '${key}' in DB ${db.id}`);
        db.expires.delete(key);
      }
      if (expire !== null) db.setExpireExact(key, expire);
      if (db.access !== null) {
        const now = this.opts.now;
        if (db.accessMode === 'lru' && idle !== null) db.access.set(key, now - idle * 1000);
        else if (db.accessMode === 'lfu' && freq !== null) db.access.set(key, freq + 256 * (Math.floor(now / 60000) & 65535));
        else if (db.accessMode === 'lru') db.access.set(key, now);
      }
      this.stats.keysLoaded++;
    }
    return this.done;
  }

  private finish(): void {
    const r = this.r;
    if (this.stats.version >= 5) {
      const end = r.pos;
      const stored = r.raw(8);
      if (this.opts.checksum) {
        if (stored.every((b) => b === 0)) this.log('warning', 'RDB file was saved with checksum disabled: no check performed.');
        else {
          const sum = new Crc64().update(this.buf, 0, end).digest();
          if (!sum.equals(stored)) {
            throw new RdbError(
              `Wrong RDB checksum expected: (${hexLE(stored)}) got (${hexLE(sum)}). Aborting now. RDB CRC error`,
            );
          }
        }
      }
    }
    this.done = true;
  }

  private auxLog(k: string, v: string): void {
    if (k === 'redis-ver') this.log('notice', `Loading RDB produced by version ${v}`);
    else if (k === 'ctime') {
      const age = Math.floor(this.opts.now / 1000) - Number(v);
      this.log('notice', `RDB age ${age < 0 ? 0 : age} seconds`);
    } else if (k === 'used-mem') this.log('notice', `RDB memory usage when created ${(Number(v) / 1024 / 1024).toFixed(2)} Mb`);
    else if (k === 'aof-preamble') {
      if (cInt(v) !== 0) this.log('notice', 'RDB has an AOF tail');
    } else if (k === 'aof-base') {
      if (cInt(v) !== 0) this.log('notice', 'RDB is base AOF');
    }
  }

  private log(level: 'notice' | 'warning', line: string): void {
    this.opts.log?.(level, line);
  }
}

/** strtoll of an AUX value: its leading integer, 0 when none. */
function cInt(v: string): number {
  const m = /^\s*[+-]?\d+/.exec(v);
  return m === null ? 0 : Number(m[0]);
}

function hexLE(b: Buffer): string {
  return Buffer.from(b).reverse().toString('hex').replace(/^0+(?=.)/, '');
}
