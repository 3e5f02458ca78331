/**
 * Generic keyspace commands (db.c, expire.c, object.c): DEL, EXISTS, TYPE,
 * KEYS, SCAN, RANDOMKEY, RENAME, MOVE, COPY, TOUCH, OBJECT, the EXPIRE and
 * TTL families, and the database commands (SELECT is in connection.ts):
 * DBSIZE, FLUSHDB, FLUSHALL, SWAPDB.
 */
import type { HandlerMap, Session } from '../server/server.js';
import type { Database } from '../keyspace/database.js';
import { Err } from '../protocol/errors.js';
import { parseLL, LLONG_MAX, LLONG_MIN, isIntEncodable } from '../protocol/numbers.js';
import { typeOf, type Value } from '../types/object.js';
import { is, getLongBig } from './args.js';
import { globMatch } from '../util/glob.js';
import { sampleMapKey } from '../keyspace/sample.js';
import { parseCursor } from '../keyspace/scan.js';

/** The encoding Redis 7.0 reports for a value. */
export function encodingOf(v: Value): string {
  if (typeof v === 'string') {
    if (isIntEncodable(v)) return 'int';
    return v.length <= 44 ? 'embstr' : 'raw';
  }
  return v.encoding();
}

/** Deep copy of a value (COPY). */
export function cloneValue(v: Value): Value {
  if (typeof v === 'string') return v;
  return v.clone();
}

function delGeneric(c: Session, argv: string[]): void {
  const db = c.db;
  let n = 0;
  for (let i = 1; i < argv.length; i++) {
    const key = argv[i];
    if (db.expires.size !== 0) db.expireIfNeeded(key);
    if (db.delete(key)) {
      c.server.modified(db, key, 'del');
      n++;
    }
  }
  c.w.int(n);
}

/** getIntFromObjectOrReply with no custom message. */
function getInt(c: Session, s: string): number | null {
  const n = parseLL(s);
  if (n === null) {
    c.w.error(Err.notInteger);
    return null;
  }
  if (n < -2147483648 || n > 2147483647) {
    c.w.error('ERR value is out of range, value must between -2147483648 and 2147483647');
    return null;
  }
  return n;
}

function parseDbIndex(c: Session, s: string): Database | null {
  const n = getInt(c, s);
  if (n === null) return null;
  const dbs = c.server.keyspace.dbs;
  if (n < 0 || n >= dbs.length) {
    c.w.error(Err.dbIndexOutOfRange);
    return null;
  }
  return dbs[n];
}

/** EXPIRE, PEXPIRE, EXPIREAT, PEXPIREAT (expireGenericCommand). */
function expireGeneric(c: Session, argv: string[], basetime: number, seconds: boolean): void {
  let nx = false;
  let xx = false;
  let gt = false;
  let lt = false;
  for (let j = 3; j < argv.length; j++) {
    const o = argv[j].toLowerCase();
    if (o === 'nx') nx = true;
    else if (o === 'xx') xx = true;
    else if (o === 'gt') gt = true;
    else if (o === 'lt') lt = true;
    else {
      // addReplyErrorFormat trims line ends at the end of the message (inner ones become spaces)
      c.w.error(`ERR Unsupported option ${argv[j]}`.replace(/[\r\n]+$/, ''));
      return;
    }
  }
  if (nx && (xx || gt || lt)) {
    c.w.error('ERR NX and XX, GT or LT options at the same time are not compatible');
    return;
  }
  if (gt && lt) {
    c.w.error('ERR GT and LT options at the same time are not compatible');
    return;
  }
  const cmdName = c.cmd?.fullname ?? 'expire';
  let when = getLongBig(c, argv[2]);
  if (when === null) return;
  if (seconds) {
    if (when > LLONG_MAX / 1000n || when < LLONG_MIN / 1000n) {
      c.w.error(Err.invalidExpire(cmdName));
      return;
    }
    when *= 1000n;
  }
  const base = BigInt(basetime);
  if (when > LLONG_MAX - base) {
    c.w.error(Err.invalidExpire(cmdName));
    return;
  }
  when += base;
  const db = c.db;
  const key = argv[1];
  if (db.lookupWrite(key) === undefined) {
    c.w.int(0);
    return;
  }
  if (nx || xx || gt || lt) {
    const cur = db.getExpireExact(key);
    if (nx && cur !== null) return c.w.int(0);
    if (xx && cur === null) return c.w.int(0);
    if (gt && (cur === null || when <= cur)) return c.w.int(0);
    if (lt && cur !== null && when >= cur) return c.w.int(0);
  }
  const server = c.server;
  if (when <= BigInt(server.keyspace.now)) {
    db.delete(key);
    const lazy = server.config.getBool('lazyfree-lazy-expire');
    c.propagateAs([lazy ? 'UNLINK' : 'DEL', key]);
    server.modified(db, key, 'del');
    c.w.int(1);
    return;
  }
  db.setExpireExact(key, when);
  // Redis rewrites the command and its time only: the NX/XX/GT/LT options go along as given.
  c.propagateAs(['PEXPIREAT', key, when.toString(), ...argv.slice(3)]);
  server.modified(db, key, 'expire');
  c.w.int(1);
}

function ttlGeneric(c: Session, argv: string[], ms: boolean, abs: boolean): void {
  const db = c.db;
  if (db.readNoTouch(argv[1]) === undefined) {
    c.w.int(-2);
    return;
  }
  const expire = db.getExpireExact(argv[1]);
  if (expire === null) {
    c.w.int(-1);
    return;
  }
  let ttl = abs ? expire : expire - BigInt(c.server.keyspace.now);
  if (ttl < 0n) ttl = 0n;
  if (!ms) ttl = (ttl + 500n) / 1000n; // redis-server 7.0.15 does not wrap here near LLONG_MAX
  if (ttl <= 9007199254740991n && ttl >= -9007199254740991n) c.w.int(Number(ttl));
  else c.w.bigInt(ttl);
}

function renameGeneric(c: Session, argv: string[], nx: boolean): void {
  const db = c.db;
  const src = argv[1];
  const dst = argv[2];
  const v = db.lookupWrite(src);
  if (v === undefined) {
    c.w.error(Err.noSuchKey);
    return;
  }
  if (src === dst) {
    if (nx) c.w.int(0);
    else c.w.ok();
    return;
  }
  const expire = db.getExpireExact(src);
  if (db.lookupWrite(dst) !== undefined) {
    if (nx) {
      c.w.int(0);
      return;
    }
    db.delete(dst);
  }
  const access = db.accessOf(src);
  db.delete(src);
  db.add(dst, v);
  db.setAccess(dst, access);
  if (expire !== null) db.setExpireExact(dst, expire);
  c.server.modified(db, src, 'rename_from');
  c.server.modified(db, dst, 'rename_to', 0);
  if (nx) c.w.int(1);
  else c.w.ok();
}

/**
 * Picks a random key, deleting expired ones it meets (dbRandomKey). While
 * expiry is paused, expired keys can not be deleted: after 100 tries on an
 * all-volatile database one of them is returned, as a Redis replica does.
 */
export function randomKey(db: Database, expiryPaused = false): string | null {
  let tries = 100;
  const allVolatile = db.expires.size !== 0 && db.expires.size === db.dict.size;
  while (db.dict.size > 0) {
    const key = sampleKey(db);
    if (key === null) return null;
    if (db.expires.size !== 0 && db.expires.has(key)) {
      if (allVolatile && expiryPaused && --tries === 0) return key;
      if (db.expireIfNeeded(key)) continue;
    }
    return key;
  }
  return null;
}

/** A key of the database picked at random (see sampleMapKey). */
export function sampleKey(db: Database): string | null {
  return sampleMapKey(db.dict);
}

/** Parses SCAN-family options: COUNT, MATCH and (for SCAN) TYPE. */
export function parseScanArgs(c: Session, argv: string[], start: number, allowType: boolean): { count: number; match: string | null; type: string | null } | null {
  let count = 10;
  let match: string | null = null;
  let type: string | null = null;
  for (let i = start; i < argv.length; i += 2) {
    const opt = argv[i].toLowerCase();
    const more = argv.length - i - 1;
    if (opt === 'count' && more >= 1) {
      const n = parseLL(argv[i + 1]);
      if (n === null) {
        c.w.error(Err.notInteger);
        return null;
      }
      if (n < 1) {
        c.w.error(Err.syntax);
        return null;
      }
      count = n;
    } else if (opt === 'match' && more >= 1) {
      match = argv[i + 1];
      if (match === '*') match = null;
    } else if (opt === 'type' && allowType && more >= 1) {
      type = argv[i + 1];
    } else {
      c.w.error(Err.syntax);
      return null;
    }
  }
  return { count, match, type };
}

/** Validates a SCAN cursor (strtoul rules, see parseCursor). */
export function checkCursor(c: Session, s: string): boolean {
  if (parseCursor(s) === null) {
    c.w.error(Err.invalidCursor);
    return false;
  }
  return true;
}

/** objectCommandLookup: a read lookup that counts hits and misses but sends no keymiss event. */
function objectLookup(c: Session, key: string): Value | undefined {
  const db = c.db;
  // LOOKUP_NOTOUCH: the access is not recorded (OBJECT IDLETIME/FREQ read it)
  const v = db.expires.size !== 0 && db.expireIfNeeded(key) ? undefined : db.dict.get(key);
  const ks = c.server.keyspace;
  if (v === undefined) ks.misses++;
  else ks.hits++;
  return v;
}

/** Empties a database with everything that follows (WATCH, tracking, blocked XREADGROUP, dirty). */
export function flushDb(c: Session, db: Database): void {
  const server = c.server;
  const old = db.dict;
  server.watches.touchDb(db, null, (k) => old.has(k));
  const n = db.dict.size;
  db.clear();
  server.datasetChanged(n);
  server.tracking.invalidateAllOnFlush();
  // XREADGROUP clients blocked on a flushed stream fail (Redis's scanDatabaseForDeletedStreams).
  if (n > 0) server.blocking.signalDb(db);
}

function parseFlushFlags(c: Session, argv: string[]): boolean {
  if (argv.length > 2) {
    c.w.error(Err.syntax);
    return false;
  }
  if (argv.length === 2 && !is(argv[1], 'async') && !is(argv[1], 'sync')) {
    c.w.error(Err.syntax);
    return false;
  }
  return true;
}

export const keyCommands: HandlerMap = {
  del: delGeneric,
  unlink: delGeneric,

  exists(c, argv) {
    const db = c.db;
    let n = 0;
    for (let i = 1; i < argv.length; i++) if (db.readNoTouch(argv[i]) !== undefined) n++;
    c.w.int(n);
  },

  type(c, argv) {
    const v = c.db.readNoTouch(argv[1]);
    c.w.simple(v === undefined ? 'none' : typeOf(v));
  },

  keys(c, argv) {
    const db = c.db;
    const pattern = argv[1];
    const all = pattern === '*';
    const now = c.server.keyspace.now;
    const out: string[] = [];
    for (const key of db.dict.keys()) {
      if (!all && !globMatch(pattern, key)) continue;
      if (db.expires.size !== 0) {
        const t = db.expires.get(key);
        if (t !== undefined && t < now) continue;
      }
      out.push(key);
    }
    c.w.array(out.length);
    for (const k of out) c.w.bulk(k);
  },

  scan(c, argv) {
    if (!checkCursor(c, argv[1])) return;
    const opts = parseScanArgs(c, argv, 2, true);
    if (opts === null) return;
    const db = c.db;
    const out: string[] = [];
    const { match, type } = opts;
    // strcasecmp on a C string: the name ends at a NUL byte
    const typeLower = type === null ? null : type.split('\0', 1)[0].toLowerCase();
    const cursor = c.server.scans.step(argv[1], db.dict, opts.count, (key) => {
      if (match !== null && !globMatch(match, key)) return;
      if (db.expires.size !== 0 && db.expireIfNeeded(key)) return;
      if (typeLower !== null) {
        const v = db.readNoTouch(key); // a lookup with stats, as Redis's type filter
        if (v === undefined || typeOf(v) !== typeLower) return;
      }
      out.push(key);
    });
    c.w.array(2);
    c.w.bulk(cursor);
    c.w.array(out.length);
    for (const k of out) c.w.bulk(k);
  },

  randomkey(c) {
    const k = randomKey(c.db, c.server.keyspace.expiryPaused);
    if (k === null) c.w.nullBulk();
    else c.w.bulk(k);
  },

  rename(c, argv) {
    renameGeneric(c, argv, false);
  },

  renamenx(c, argv) {
    renameGeneric(c, argv, true);
  },

  move(c, argv) {
    const src = c.db;
    const n = getInt(c, argv[2]);
    if (n === null) return;
    const dbs = c.server.keyspace.dbs;
    if (n < 0 || n >= dbs.length) {
      c.w.error(Err.dbIndexOutOfRange);
      return;
    }
    const dst = dbs[n];
    if (dst === src) {
      c.w.error(Err.sameObject);
      return;
    }
    const key = argv[1];
    const v = src.lookupWrite(key);
    if (v === undefined) {
      c.w.int(0);
      return;
    }
    if (dst.lookupWrite(key) !== undefined) {
      c.w.int(0);
      return;
    }
    const expire = src.getExpireExact(key);
    const access = src.accessOf(key);
    dst.add(key, v);
    dst.setAccess(key, access);
    if (expire !== null) dst.setExpireExact(key, expire);
    src.delete(key);
    c.server.modified(src, key, 'move_from');
    c.server.modified(dst, key, 'move_to', 0);
    c.w.int(1);
  },

  copy(c, argv) {
    const src = argv[1];
    const dstKey = argv[2];
    let dst = c.db;
    let replace = false;
    for (let j = 3; j < argv.length; j++) {
      if (is(argv[j], 'replace')) replace = true;
      else if (is(argv[j], 'db') && j + 1 < argv.length) {
        const d = parseDbIndex(c, argv[++j]);
        if (d === null) return;
        dst = d;
      } else {
        c.w.error(Err.syntax);
        return;
      }
    }
    const db = c.db;
    if (src === dstKey && dst === db) {
      c.w.error(Err.sameObject);
      return;
    }
    const v = db.read(src);
    if (v === undefined) {
      c.w.int(0);
      return;
    }
    const expire = db.getExpireExact(src);
    if (dst.lookupWrite(dstKey) !== undefined) {
      if (!replace) {
        c.w.int(0);
        return;
      }
      dst.delete(dstKey);
    }
    dst.add(dstKey, cloneValue(v));
    if (expire !== null) dst.setExpireExact(dstKey, expire);
    c.server.modified(dst, dstKey, 'copy_to');
    c.w.int(1);
  },

  touch(c, argv) {
    const db = c.db;
    let n = 0;
    for (let i = 1; i < argv.length; i++) if (db.read(argv[i]) !== undefined) n++;
    c.w.int(n);
  },

  expire(c, argv) {
    expireGeneric(c, argv, c.server.keyspace.now, true);
  },
  pexpire(c, argv) {
    expireGeneric(c, argv, c.server.keyspace.now, false);
  },
  expireat(c, argv) {
    expireGeneric(c, argv, 0, true);
  },
  pexpireat(c, argv) {
    expireGeneric(c, argv, 0, false);
  },

  ttl(c, argv) {
    ttlGeneric(c, argv, false, false);
  },
  pttl(c, argv) {
    ttlGeneric(c, argv, true, false);
  },
  expiretime(c, argv) {
    ttlGeneric(c, argv, false, true);
  },
  pexpiretime(c, argv) {
    ttlGeneric(c, argv, true, true);
  },

  persist(c, argv) {
    const db = c.db;
    if (db.lookupWrite(argv[1]) === undefined) {
      c.w.int(0);
      return;
    }
    if (db.persist(argv[1])) {
      c.server.modified(db, argv[1], 'persist');
      c.w.int(1);
    } else {
      c.w.int(0);
    }
  },

  'object|encoding'(c, argv) {
    const v = objectLookup(c, argv[2]);
    if (v === undefined) c.w.nullBulk();
    else c.w.bulk(encodingOf(v));
  },

  'object|refcount'(c, argv) {
    const v = objectLookup(c, argv[2]);
    if (v === undefined) {
      c.w.nullBulk();
      return;
    }
    // Small integers are shared objects in Redis, unless an LRU/LFU policy
    // with a memory limit needs per-key access data
    // (MAXMEMORY_FLAG_NO_SHARED_INTEGERS; judged now, not when the value was stored).
    const cfg = c.server.config;
    const policy = cfg.get('maxmemory-policy');
    const noShared = cfg.maxmemory !== 0 && (policy.endsWith('lru') || policy.endsWith('lfu'));
    if (typeof v === 'string' && !noShared) {
      const n = parseLL(v);
      if (n !== null && n >= 0 && n < 10000 && String(n) === v) {
        c.w.int(2147483647);
        return;
      }
    }
    c.w.int(1);
  },

  'object|idletime'(c, argv) {
    const v = objectLookup(c, argv[2]);
    if (v === undefined) {
      c.w.nullBulk();
      return;
    }
    if (c.server.config.get('maxmemory-policy').endsWith('lfu')) {
      c.w.error('ERR An LFU maxmemory policy is selected, idle time not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.');
      return;
    }
    c.w.int(c.server.evictor.idleTime(c.db, argv[2]));
  },

  'object|freq'(c, argv) {
    const v = objectLookup(c, argv[2]);
    if (v === undefined) {
      c.w.nullBulk();
      return;
    }
    if (!c.server.config.get('maxmemory-policy').endsWith('lfu')) {
      c.w.error('ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.');
      return;
    }
    c.w.int(c.server.evictor.frequency(c.db, argv[2]));
  },

  'object|help'(c) {
    const lines = [
      'OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
      'ENCODING <key>',
      '    Return the kind of internal representation used in order to store the value',
      '    associated with a <key>.',
      'FREQ <key>',
      '    Return the access frequency index of the <key>. The returned integer is',
      '    proportional to the logarithm of the recent access frequency of the key.',
      'IDLETIME <key>',
      '    Return the idle time of the <key>, that is the approximated number of',
      '    seconds elapsed since the last access to the key.',
      'REFCOUNT <key>',
      '    Return the number of references of the value associated with the specified',
      '    <key>.',
      'HELP',
      '    Prints this help.',
    ];
    c.w.array(lines.length);
    for (const l of lines) c.w.simple(l);
  },

  dbsize(c) {
    c.w.int(c.db.size);
  },

  flushdb(c, argv) {
    if (!parseFlushFlags(c, argv)) return;
    flushDb(c, c.db);
    // Propagated even when the database was empty (Redis's forceCommandPropagation).
    c.alsoPropagate(argv);
    c.w.ok();
  },

  flushall(c, argv) {
    if (!parseFlushFlags(c, argv)) return;
    const rdb = c.server.rdb;
    rdb.killBgsave('Background saving stopped by FLUSHALL');
    for (const db of c.server.keyspace.dbs) flushDb(c, db);
    // With save points, the empty dataset is saved at once (flushAllDataAndResetRDB): the save counter restarts.
    if (rdb.savePoints().length > 0) rdb.saveSync();
    // Counted as the keys it removed (Redis 7.0 adds nothing for the command itself), propagated even when there were none.
    c.alsoPropagate(argv);
    c.w.ok();
  },

  swapdb(c, argv) {
    const dbs = c.server.keyspace.dbs;
    const a = parseLL(argv[1]);
    if (a === null || a < -2147483648 || a > 2147483647) {
      c.w.error('ERR invalid first DB index');
      return;
    }
    const b = parseLL(argv[2]);
    if (b === null || b < -2147483648 || b > 2147483647) {
      c.w.error('ERR invalid second DB index');
      return;
    }
    if (a < 0 || a >= dbs.length || b < 0 || b >= dbs.length) {
      c.w.error(Err.dbIndexOutOfRange);
      return;
    }
    if (a !== b) {
      const da = dbs[a];
      const db2 = dbs[b];
      const server = c.server;
      const aKeys = da.dict;
      const bKeys = db2.dict;
      server.watches.touchDb(da, db2, (k) => aKeys.has(k));
      server.watches.touchDb(db2, da, (k) => bKeys.has(k));
      da.swapWith(db2);
      server.blocking.signalDb(da);
      server.blocking.signalDb(db2);
    }
    // Counted (and propagated) even when a database is swapped with itself, as Redis.
    c.server.datasetChanged(1);
    c.w.ok();
  },
};
