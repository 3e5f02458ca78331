/**
 * Hash commands (t_hash.c): HSET, HSETNX, HMSET, HGET, HMGET, HGETALL,
 * HKEYS, HVALS, HDEL, HLEN, HEXISTS, HSTRLEN, HINCRBY, HINCRBYFLOAT,
 * HRANDFIELD, HSCAN.
 */
import type { HandlerMap, Session } from '../server/server.js';
import { Err } from '../protocol/errors.js';
import { parseLL, parseLLBig, LLONG_MAX, LLONG_MIN } from '../protocol/numbers.js';
import type { Value } from '../types/object.js';
import { RHash } from '../types/hash.js';
import { parseLongDouble, incrByFloatString } from '../types/longdouble.js';
import { parseScanArgs } from './keys.js';
import { globMatch } from '../util/glob.js';
import { sampleMapKey } from '../keyspace/sample.js';
import { typeLimits, parseScanCursor, emptyScan, parseRandomCount, randomReplyBudget, dropOversized, randomPositions } from './sets.js';

function asHash(c: Session, v: Value | undefined): RHash | undefined | null {
  if (v === undefined) return undefined;
  if (typeof v === 'string' || v.type !== 'hash') {
    c.w.error(Err.wrongType);
    return null;
  }
  return v as RHash;
}

/** The hash at a key for reading: undefined when missing, null after WRONGTYPE. */
function readHash(c: Session, key: string): RHash | undefined | null {
  return asHash(c, c.db.read(key));
}

/** The hash at a key for writing, created when missing (hashTypeLookupWriteOrCreate); null after WRONGTYPE. */
function writeHash(c: Session, key: string): RHash | null {
  const db = c.db;
  const h = asHash(c, db.lookupWrite(key));
  if (h === null) return null;
  if (h !== undefined) return h;
  const n = new RHash();
  db.add(key, n);
  return n;
}

function hsetGeneric(c: Session, argv: string[], hmset: boolean): void {
  if (argv.length % 2 === 1) {
    c.w.error(Err.wrongArity(c.cmd?.fullname ?? (hmset ? 'hmset' : 'hset')));
    return;
  }
  const key = argv[1];
  const h = writeHash(c, key);
  if (h === null) return;
  const lim = typeLimits(c);
  const maxEntries = lim.hashEntries;
  const maxValue = lim.hashValue;
  h.tryConversion(argv, 2, maxValue);
  let created = 0;
  for (let i = 2; i < argv.length; i += 2) if (h.set(argv[i], argv[i + 1], maxEntries, maxValue)) created++;
  if (hmset) c.w.ok();
  else c.w.int(created);
  c.server.modified(c.db, key, 'hset', (argv.length - 2) / 2);
}

/** HGETALL, HKEYS, HVALS. */
function getAll(c: Session, key: string, keys: boolean, values: boolean): void {
  const h = readHash(c, key);
  if (h === null) return;
  const both = keys && values;
  const n = h === undefined ? 0 : h.size;
  if (both) c.w.map(n);
  else c.w.array(n);
  if (h === undefined) return;
  const w = c.w;
  const t = h.table;
  if (t !== null) {
    if (both) {
      for (const [f, v] of t) {
        w.bulk(f);
        w.bulk(v);
      }
    } else if (keys) {
      for (const f of t.keys()) w.bulk(f);
    } else {
      for (const v of t.values()) w.bulk(v);
    }
    return;
  }
  const kv = h.kv;
  for (let i = 0; i < 2 * n; i += 2) {
    if (keys) w.bulk(kv[i]);
    if (values) w.bulk(kv[i + 1]);
  }
}

function hrandfieldWithCount(c: Session, key: string, l: bigint, withValues: boolean): void {
  const h = readHash(c, key);
  if (h === null) return;
  if (h === undefined || l === 0n) {
    c.w.array(0);
    return;
  }
  const size = h.size;
  const resp3 = c.resp === 3;
  const emitPair = (f: string, v: string | undefined): void => {
    if (withValues && resp3) c.w.array(2);
    c.w.bulk(f);
    if (withValues) c.w.bulk(v!);
  };
  if (l < 0n || l === 1n) {
    // with repetitions, in random order
    const count = l < 0n ? -l : l;
    const budget = randomReplyBudget(c);
    if (count * (withValues ? 14n : 7n) > BigInt(budget)) {
      if (dropOversized(c)) return;
      c.w.error('ERR reply too large');
      return;
    }
    const n = Number(count);
    c.w.array(withValues && !resp3 ? n * 2 : n);
    const t = h.table;
    const kv = h.kv;
    for (let i = 0; i < n; i++) {
      if (t !== null) {
        const f = sampleMapKey(t)!;
        emitPair(f, withValues ? t.get(f) : undefined);
      } else {
        const j = 2 * Math.floor(Math.random() * size);
        emitPair(kv[j], kv[j + 1]);
      }
      if ((i & 4095) === 4095 && c.w.length > budget && dropOversized(c)) return;
    }
    return;
  }
  if (l >= BigInt(size)) {
    // the whole hash
    c.w.array(withValues && !resp3 ? size * 2 : size);
    h.forEach(emitPair);
    return;
  }
  const count = Number(l);
  c.w.array(withValues && !resp3 ? count * 2 : count);
  const t = h.table;
  if (t !== null && count * 16 <= size) {
    // few distinct fields of a big table: distinct random picks (Redis's case 4)
    const seen = new Set<string>();
    while (seen.size < count) {
      const f = sampleMapKey(t)!;
      if (seen.has(f)) continue;
      seen.add(f);
      emitPair(f, withValues ? t.get(f) : undefined);
    }
    return;
  }
  // distinct positions over the pairs (O(size), and size < 16 * count here)
  const kv = t === null ? h.kv : h.pairs();
  const pos = randomPositions(size, count);
  // A listpack samples in its own order when the hash is big compared to count.
  if (t === null && count * 3 <= size) pos.sort((a, b) => a - b);
  for (const i of pos) emitPair(kv[2 * i], kv[2 * i + 1]);
}

export const hashCommands: HandlerMap = {
  hset(c, argv) {
    hsetGeneric(c, argv, false);
  },

  hmset(c, argv) {
    hsetGeneric(c, argv, true);
  },

  hsetnx(c, argv) {
    const key = argv[1];
    const h = writeHash(c, key);
    if (h === null) return;
    if (h.has(argv[2])) {
      c.w.int(0);
      return;
    }
    const lim = typeLimits(c);
    h.tryConversion(argv, 2, lim.hashValue);
    h.set(argv[2], argv[3], lim.hashEntries, lim.hashValue);
    c.w.int(1);
    c.server.modified(c.db, key, 'hset');
  },

  hget(c, argv) {
    const h = readHash(c, argv[1]);
    if (h === null) return;
    const v = h === undefined ? undefined : h.get(argv[2]);
    if (v === undefined) c.w.nullBulk();
    else c.w.bulk(v);
  },

  hmget(c, argv) {
    const h = readHash(c, argv[1]);
    if (h === null) return;
    c.w.array(argv.length - 2);
    for (let j = 2; j < argv.length; j++) {
      const v = h === undefined ? undefined : h.get(argv[j]);
      if (v === undefined) c.w.nullBulk();
      else c.w.bulk(v);
    }
  },

  hgetall(c, argv) {
    getAll(c, argv[1], true, true);
  },

  hkeys(c, argv) {
    getAll(c, argv[1], true, false);
  },

  hvals(c, argv) {
    getAll(c, argv[1], false, true);
  },

  hdel(c, argv) {
    const db = c.db;
    const key = argv[1];
    const h = asHash(c, db.lookupWrite(key));
    if (h === null) return;
    if (h === undefined) {
      c.w.int(0);
      return;
    }
    let deleted = 0;
    let removed = false;
    for (let j = 2; j < argv.length; j++) {
      if (h.delete(argv[j])) {
        deleted++;
        if (h.size === 0) {
          db.delete(key);
          removed = true;
          break;
        }
      }
    }
    if (deleted > 0) {
      c.server.modified(db, key, 'hdel', deleted);
      if (removed) c.server.modified(db, key, 'del', 0);
    }
    c.w.int(deleted);
  },

  hlen(c, argv) {
    const h = readHash(c, argv[1]);
    if (h === null) return;
    c.w.int(h === undefined ? 0 : h.size);
  },

  hexists(c, argv) {
    const h = readHash(c, argv[1]);
    if (h === null) return;
    c.w.int(h !== undefined && h.has(argv[2]) ? 1 : 0);
  },

  hstrlen(c, argv) {
    const h = readHash(c, argv[1]);
    if (h === null) return;
    const v = h === undefined ? undefined : h.get(argv[2]);
    c.w.int(v === undefined ? 0 : v.length);
  },

  hincrby(c, argv) {
    const incr = parseLLBig(argv[3]);
    if (incr === null) {
      c.w.error(Err.notInteger);
      return;
    }
    const key = argv[1];
    const h = writeHash(c, key);
    if (h === null) return;
    const cur = h.get(argv[2]);
    let value = 0n;
    if (cur !== undefined) {
      if (parseLL(cur) === null) {
        c.w.error('ERR hash value is not an integer');
        return;
      }
      value = BigInt(cur);
    }
    const r = value + incr;
    if (r > LLONG_MAX || r < LLONG_MIN) {
      c.w.error(Err.overflow);
      return;
    }
    const s = r.toString();
    const lim = typeLimits(c);
    h.set(argv[2], s, lim.hashEntries, lim.hashValue);
    c.w.bigInt(s);
    c.server.modified(c.db, key, 'hincrby');
  },

  hincrbyfloat(c, argv) {
    const incr = parseLongDouble(argv[3]);
    if (incr === null) {
      c.w.error(Err.notFloat);
      return;
    }
    if (incr.inf) {
      c.w.error('ERR value is NaN or Infinity');
      return;
    }
    const key = argv[1];
    const h = writeHash(c, key);
    if (h === null) return;
    const field = argv[2];
    const r = incrByFloatString(h.get(field) ?? '0', argv[3]);
    if (r === 'value') {
      c.w.error('ERR hash value is not a float');
      return;
    }
    if (r === 'incr') {
      c.w.error(Err.notFloat);
      return;
    }
    if (r === 'naninf') {
      c.w.error(Err.incrNanInf);
      return;
    }
    const lim = typeLimits(c);
    h.set(field, r, lim.hashEntries, lim.hashValue);
    c.w.bulk(r);
    c.server.modified(c.db, key, 'hincrbyfloat');
    c.propagateAs(['HSET', key, field, r]);
  },

  hrandfield(c, argv) {
    if (argv.length >= 3) {
      const l = parseRandomCount(c, argv[2]);
      if (l === null) return;
      let withValues = false;
      if (argv.length > 4 || (argv.length === 4 && argv[3].toLowerCase() !== 'withvalues')) {
        c.w.error(Err.syntax);
        return;
      } else if (argv.length === 4) {
        withValues = true;
        if (l < -4611686018427387903n || l > 4611686018427387903n) {
          c.w.error('ERR value is out of range');
          return;
        }
      }
      hrandfieldWithCount(c, argv[1], l, withValues);
      return;
    }
    const h = readHash(c, argv[1]);
    if (h === null) return;
    if (h === undefined) c.w.nullBulk();
    else c.w.bulk(h.randomField());
  },

  hscan(c, argv) {
    const cursor = parseScanCursor(c, argv[2]);
    if (cursor === null) return;
    const h = readHash(c, argv[1]);
    if (h === null) return;
    if (h === undefined) return emptyScan(c);
    const opts = parseScanArgs(c, argv, 3, false);
    if (opts === null) return;
    const match = opts.match;
    const out: string[] = [];
    let next = '0';
    const t = h.table;
    if (t === null) {
      // Redis returns a small encoding whole, whatever the cursor.
      const kv = h.kv;
      for (let i = 0; i < kv.length; i += 2) {
        if (match === null || globMatch(match, kv[i])) out.push(kv[i], kv[i + 1]);
      }
    } else {
      next = c.server.scans.step(cursor, t, opts.count, (f) => {
        if (match === null || globMatch(match, f)) out.push(f, t.get(f)!);
      });
    }
    c.w.array(2);
    c.w.bulk(next);
    c.w.array(out.length);
    for (const s of out) c.w.bulk(s);
  },
};
