/**
 * Set commands (t_set.c): SADD, SREM, SCARD, SISMEMBER, SMISMEMBER,
 * SMEMBERS, SRANDMEMBER, SPOP, SMOVE, the SINTER / SUNION / SDIFF families,
 * SINTERCARD and SSCAN. Also the helpers shared with hashes.ts for SCAN-like
 * cursors and for replies of caller-chosen size.
 */
import type { HandlerMap, Session } from '../server/server.js';
import { ClientFlag } from '../server/client.js';
import { Err } from '../protocol/errors.js';
import { parseLL, parseLLBig, isIntEncodable } from '../protocol/numbers.js';
import type { Value } from '../types/object.js';
import { RSet, compareIntStrings } from '../types/set.js';
import { getPositive } from './args.js';
import { parseScanArgs } from './keys.js';
import { globMatch } from '../util/glob.js';
import type { TypeLimits } from '../config/config.js';

// ---------------------------------------------------------------------------
// Shared helpers (also used by hashes.ts and zsets.ts)

/** The encoding limits of sets, hashes and sorted sets (kept current by the config). */
export function typeLimits(c: Session): TypeLimits {
  return c.server.config.typeLimits;
}

/**
 * SCAN-family cursor as Redis parses it (strtoul, no leading space): ''
 * and '+5' are valid, '-1' wraps to 2^64-1. Returns the cursor in canonical
 * decimal form, or null after replying "invalid cursor".
 */
export function parseScanCursor(c: Session, s: string): string | null {
  if (s === '') return '0';
  if (/^[+-]?\d+$/.test(s)) {
    const neg = s.charCodeAt(0) === 45;
    const mag = BigInt(s[0] === '+' || neg ? s.slice(1) : s);
    if (mag <= 18446744073709551615n) {
      const v = neg && mag !== 0n ? 18446744073709551616n - mag : mag;
      return v.toString();
    }
  }
  c.w.error(Err.invalidCursor);
  return null;
}

/** The reply of SCAN-like commands on a missing key. */
export function emptyScan(c: Session): void {
  c.w.array(2);
  c.w.bulk('0');
  c.w.array(0);
}

/** The most bytes a reply of caller-chosen size (SRANDMEMBER -N, HRANDFIELD -N) may take. */
const MAX_RANDOM_REPLY = 64 * 1024 * 1024;

export function randomReplyBudget(c: Session): number {
  const hard = c.server.config.outputLimits.normal.hard;
  return hard > 0 && hard < MAX_RANDOM_REPLY ? hard : MAX_RANDOM_REPLY;
}

/**
 * Drops a client whose reply would overrun the reply budget, as Redis
 * closes a client over its output buffer limits (the reply is never
 * completed). Returns false for internal clients, which have no connection
 * to drop: they get an error instead (only before anything was written).
 */
export function dropOversized(c: Session): boolean {
  if (c.has(ClientFlag.Fake)) return false;
  c.server.log.warning(`Client ${c.describe()} scheduled to be closed ASAP for overcoming of output buffer limits.`);
  c.server.stats.clientOutbufLimitDisconnections++;
  c.close();
  return true;
}

/**
 * The count of SRANDMEMBER / HRANDFIELD: a 64-bit integer in
 * [-LONG_MAX, LONG_MAX]. Returns it as a bigint, or null after replying.
 */
export function parseRandomCount(c: Session, s: string): bigint | null {
  const n = parseLLBig(s);
  if (n === null) {
    c.w.error(Err.notInteger);
    return null;
  }
  if (n === -9223372036854775808n) {
    c.w.error('ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807');
    return null;
  }
  return n;
}

/** k distinct positions in [0, n) picked at random (k < n), in random order. */
export function randomPositions(n: number, k: number): number[] {
  if (k * 3 > n) {
    // partial Fisher-Yates over all positions
    const all = new Array<number>(n);
    for (let i = 0; i < n; i++) all[i] = i;
    for (let i = 0; i < k; i++) {
      const j = i + Math.floor(Math.random() * (n - i));
      const t = all[i];
      all[i] = all[j];
      all[j] = t;
    }
    all.length = k;
    return all;
  }
  const seen = new Set<number>();
  const out: number[] = [];
  while (out.length < k) {
    const i = Math.floor(Math.random() * n);
    if (!seen.has(i)) {
      seen.add(i);
      out.push(i);
    }
  }
  return out;
}

// ---------------------------------------------------------------------------

function maxIntset(c: Session): number {
  return typeLimits(c).setIntset;
}

/** The set at a key for reading: undefined when missing, null after WRONGTYPE. */
function readSet(c: Session, key: string): RSet | undefined | null {
  return asSet(c, c.db.read(key));
}

function asSet(c: Session, v: Value | undefined): RSet | undefined | null {
  if (v === undefined) return undefined;
  if (typeof v === 'string' || v.type !== 'set') {
    c.w.error(Err.wrongType);
    return null;
  }
  return v as RSet;
}

function replyMembers(c: Session, members: readonly string[], asSet: boolean): void {
  if (asSet) c.w.set(members.length);
  else c.w.array(members.length);
  for (let i = 0; i < members.length; i++) c.w.bulk(members[i]);
}

/**
 * The members of a set in the order Redis replies when it copies them into
 * a fresh set first (SUNION of one key): numeric order when they would fit
 * an intset.
 */
function unionOrder(s: RSet, max: number): readonly string[] {
  if (s.intset || s.size > max) return s.ordered();
  const m = s.members;
  for (let i = 0; i < m.length; i++) if (!isIntEncodable(m[i])) return m;
  return m.slice().sort(compareIntStrings);
}

/** Stores a computed set at dst (or deletes dst when empty) and replies its size. */
function storeResult(c: Session, dst: string, result: RSet, event: 'sinterstore' | 'sunionstore' | 'sdiffstore'): void {
  const db = c.db;
  if (result.size > 0) {
    db.set(dst, result);
    c.w.int(result.size);
    c.server.modified(db, dst, event);
  } else {
    c.w.int(0);
    if (db.delete(dst)) c.server.modified(db, dst, 'del');
  }
}

/** SINTER, SMEMBERS, SINTERSTORE, SINTERCARD (sinterGenericCommand). */
function sinterGeneric(c: Session, keys: readonly string[], dst: string | null, cardOnly: boolean, limit: number): void {
  const sets: RSet[] = [];
  let empty = false;
  for (const k of keys) {
    const s = readSet(c, k);
    if (s === null) return;
    if (s === undefined) empty = true;
    else sets.push(s);
  }
  if (empty) {
    if (dst !== null) {
      if (c.db.delete(dst)) c.server.modified(c.db, dst, 'del');
      c.w.int(0);
    } else if (cardOnly) {
      c.w.int(0);
    } else {
      c.w.set(0);
    }
    return;
  }
  sets.sort((a, b) => a.size - b.size);
  const first = sets[0];
  const members = first.ordered();
  const out: string[] = [];
  let card = 0;
  for (let i = 0; i < members.length; i++) {
    const m = members[i];
    let all = true;
    for (let j = 1; j < sets.length; j++) {
      if (sets[j] !== first && !sets[j].has(m)) {
        all = false;
        break;
      }
    }
    if (!all) continue;
    if (cardOnly) {
      card++;
      if (limit > 0 && card >= limit) break;
    } else {
      out.push(m);
    }
  }
  if (cardOnly) {
    c.w.int(card);
  } else if (dst !== null) {
    storeResult(c, dst, RSet.from(out, maxIntset(c)), 'sinterstore');
  } else {
    replyMembers(c, out, true);
  }
}

/** SUNION, SDIFF and their STORE forms (sunionDiffGenericCommand). */
function sunionDiffGeneric(c: Session, keys: readonly string[], dst: string | null, union: boolean): void {
  const sets: (RSet | null)[] = [];
  let sameset = false;
  for (let j = 0; j < keys.length; j++) {
    const s = readSet(c, keys[j]);
    if (s === null) return;
    sets.push(s ?? null);
    if (j > 0 && s !== undefined && s === sets[0]) sameset = true;
  }
  const max = maxIntset(c);
  const result = new RSet(true);
  const first = sets[0];
  if (union) {
    for (const s of sets) {
      if (s === null) continue;
      const m = s.ordered();
      for (let i = 0; i < m.length; i++) result.add(m[i], max);
    }
  } else if (first !== null && !sameset) {
    // Redis picks between two algorithms; they differ in the encoding of the
    // result (algorithm 2 goes through a copy of the first set).
    let one = 0;
    let two = 0;
    for (const s of sets) {
      if (s === null) continue;
      one += first.size;
      two += s.size;
    }
    one = Math.floor(one / 2);
    const m = first.ordered();
    if (one <= two) {
      for (let i = 0; i < m.length; i++) {
        let keep = true;
        for (let j = 1; j < sets.length; j++) {
          const s = sets[j];
          if (s !== null && s.has(m[i])) {
            keep = false;
            break;
          }
        }
        if (keep) result.add(m[i], max);
      }
    } else {
      for (let i = 0; i < m.length; i++) result.add(m[i], max);
      for (let j = 1; j < sets.length && result.size > 0; j++) {
        const s = sets[j];
        if (s === null) continue;
        const o = s.members;
        for (let i = 0; i < o.length; i++) result.delete(o[i]);
      }
    }
  }
  if (dst === null) replyMembers(c, result.ordered(), true);
  else storeResult(c, dst, result, union ? 'sunionstore' : 'sdiffstore');
}

function scanSet(c: Session, argv: string[]): void {
  const cursor = parseScanCursor(c, argv[2]);
  if (cursor === null) return;
  const s = readSet(c, argv[1]);
  if (s === null) return;
  if (s === undefined) return emptyScan(c);
  const opts = parseScanArgs(c, argv, 3, false);
  if (opts === null) return;
  const match = opts.match;
  const out: string[] = [];
  let next = '0';
  if (s.intset) {
    // Redis returns a small encoding whole, whatever the cursor.
    const m = s.ordered();
    for (let i = 0; i < m.length; i++) if (match === null || globMatch(match, m[i])) out.push(m[i]);
  } else {
    next = c.server.scans.step(cursor, s.memberMap(), opts.count, (m) => {
      if (match === null || globMatch(match, m)) out.push(m);
    });
  }
  c.w.array(2);
  c.w.bulk(next);
  c.w.array(out.length);
  for (const m of out) c.w.bulk(m);
}

function srandmemberWithCount(c: Session, argv: string[]): void {
  const l = parseRandomCount(c, argv[2]);
  if (l === null) return;
  const s = readSet(c, argv[1]);
  if (s === null) return;
  if (s === undefined || l === 0n) {
    c.w.array(0);
    return;
  }
  const size = s.size;
  if (l < 0n || l === 1n) {
    // with repetitions, in random order
    const budget = randomReplyBudget(c);
    const count = l < 0n ? -l : l;
    if (count * 7n > BigInt(budget)) {
      if (dropOversized(c)) return;
      c.w.error('ERR reply too large');
      return;
    }
    const n = Number(count);
    c.w.array(n);
    const members = s.members;
    for (let i = 0; i < n; i++) {
      c.w.bulk(members[Math.floor(Math.random() * size)]);
      if ((i & 4095) === 4095 && c.w.length > budget && dropOversized(c)) return;
    }
    return;
  }
  if (l >= BigInt(size)) {
    replyMembers(c, s.ordered(), false);
    return;
  }
  const count = Number(l);
  const members = s.members;
  const pos = randomPositions(size, count);
  c.w.array(count);
  for (const i of pos) c.w.bulk(members[i]);
}

function spopWithCount(c: Session, argv: string[]): void {
  const count = getPositive(c, argv[2], 'ERR value is out of range, must be positive');
  if (count === null) return;
  const key = argv[1];
  const db = c.db;
  const s = asSet(c, db.lookupWrite(key));
  if (s === null) return;
  if (s === undefined || count === 0) {
    c.w.set(0);
    return;
  }
  const size = s.size;
  const server = c.server;
  if (count >= size) {
    server.modified(db, key, 'spop', size);
    replyMembers(c, unionOrder(s, maxIntset(c)), true);
    db.delete(key);
    server.modified(db, key, 'del', 0);
    c.propagateAs(['DEL', key]);
    return;
  }
  server.modified(db, key, 'spop', count);
  const remaining = size - count;
  const popped: string[] = [];
  if (remaining * 5 > count) {
    for (let i = 0; i < count; i++) popped.push(s.pop());
    c.w.set(count);
    for (const m of popped) c.w.bulk(m);
  } else {
    // Keep the few remaining members in a new set (whose encoding is
    // decided afresh, as Redis does) and return the rest.
    const max = maxIntset(c);
    let rest: RSet | null = null;
    for (let i = 0; i < remaining; i++) {
      const m = s.pop();
      if (rest === null) rest = RSet.forMember(m);
      rest.add(m, max);
    }
    const out = s.ordered();
    c.w.set(out.length);
    for (let i = 0; i < out.length; i++) {
      c.w.bulk(out[i]);
      popped.push(out[i]);
    }
    db.replace(key, rest!);
  }
  // Redis 7.0 propagates one SREM per member popped (several ops: one MULTI/EXEC block).
  if (c.server.effects.active) for (const m of popped) c.alsoPropagate(['SREM', key, m]);
  else c.propagateNothing();
}

export const setCommands: HandlerMap = {
  sadd(c, argv) {
    const db = c.db;
    const key = argv[1];
    const v = db.lookupWrite(key);
    let s: RSet;
    if (v === undefined) {
      s = RSet.forMember(argv[2]);
      db.add(key, s);
    } else {
      const x = asSet(c, v);
      if (!x) return;
      s = x;
    }
    const max = maxIntset(c);
    let added = 0;
    for (let j = 2; j < argv.length; j++) if (s.add(argv[j], max)) added++;
    if (added > 0) c.server.modified(db, key, 'sadd', added);
    c.w.int(added);
  },

  srem(c, argv) {
    const db = c.db;
    const key = argv[1];
    const s = asSet(c, db.lookupWrite(key));
    if (s === null) return;
    if (s === undefined) {
      c.w.int(0);
      return;
    }
    let deleted = 0;
    let removed = false;
    for (let j = 2; j < argv.length; j++) {
      if (s.delete(argv[j])) {
        deleted++;
        if (s.size === 0) {
          db.delete(key);
          removed = true;
          break;
        }
      }
    }
    if (deleted > 0) {
      c.server.modified(db, key, 'srem', deleted);
      if (removed) c.server.modified(db, key, 'del', 0);
    }
    c.w.int(deleted);
  },

  smove(c, argv) {
    const db = c.db;
    const [, srcKey, dstKey, ele] = argv;
    const srcV = db.lookupWrite(srcKey);
    const dstV = db.lookupWrite(dstKey);
    if (srcV === undefined) {
      c.w.int(0);
      return;
    }
    const src = asSet(c, srcV);
    if (!src) return;
    let dst = asSet(c, dstV);
    if (dst === null) return;
    if (src === dst) {
      c.w.int(src.has(ele) ? 1 : 0);
      return;
    }
    if (!src.delete(ele)) {
      c.w.int(0);
      return;
    }
    const server = c.server;
    server.modified(db, srcKey, 'srem');
    if (src.size === 0) {
      db.delete(srcKey);
      server.modified(db, srcKey, 'del', 0);
    }
    if (dst === undefined) {
      dst = RSet.forMember(ele);
      db.add(dstKey, dst);
    }
    // The destination changed only when it did not hold the member already.
    if (dst.add(ele, maxIntset(c))) server.modified(db, dstKey, 'sadd');
    c.w.int(1);
  },

  sismember(c, argv) {
    const s = readSet(c, argv[1]);
    if (s === null) return;
    c.w.int(s !== undefined && s.has(argv[2]) ? 1 : 0);
  },

  smismember(c, argv) {
    const s = readSet(c, argv[1]);
    if (s === null) return;
    c.w.array(argv.length - 2);
    for (let j = 2; j < argv.length; j++) c.w.int(s !== undefined && s.has(argv[j]) ? 1 : 0);
  },

  scard(c, argv) {
    const s = readSet(c, argv[1]);
    if (s === null) return;
    c.w.int(s === undefined ? 0 : s.size);
  },

  smembers(c, argv) {
    sinterGeneric(c, [argv[1]], null, false, 0);
  },

  srandmember(c, argv) {
    if (argv.length === 3) return srandmemberWithCount(c, argv);
    if (argv.length > 3) {
      c.w.error(Err.syntax);
      return;
    }
    const s = readSet(c, argv[1]);
    if (s === null) return;
    if (s === undefined) c.w.nullBulk();
    else c.w.bulk(s.random());
  },

  spop(c, argv) {
    if (argv.length === 3) return spopWithCount(c, argv);
    if (argv.length > 3) {
      c.w.error(Err.syntax);
      return;
    }
    const db = c.db;
    const key = argv[1];
    const s = asSet(c, db.lookupWrite(key));
    if (s === null) return;
    if (s === undefined) {
      c.w.nullBulk();
      return;
    }
    const m = s.pop();
    c.server.modified(db, key, 'spop');
    c.propagateAs(['SREM', key, m]);
    c.w.bulk(m);
    if (s.size === 0) {
      db.delete(key);
      c.server.modified(db, key, 'del', 0);
    }
  },

  sinter(c, argv) {
    sinterGeneric(c, argv.slice(1), null, false, 0);
  },

  sintercard(c, argv) {
    const numkeys = parseLL(argv[1]);
    if (numkeys === null || numkeys < 1) {
      c.w.error('ERR numkeys should be greater than 0');
      return;
    }
    if (numkeys > argv.length - 2) {
      c.w.error("ERR Number of keys can't be greater than number of args");
      return;
    }
    let limit = 0;
    for (let j = 2 + numkeys; j < argv.length; j++) {
      if (argv[j].toLowerCase() === 'limit' && j < argv.length - 1) {
        const l = parseLL(argv[++j]);
        if (l === null || l < 0) {
          c.w.error("ERR LIMIT can't be negative");
          return;
        }
        limit = l;
      } else {
        c.w.error(Err.syntax);
        return;
      }
    }
    sinterGeneric(c, argv.slice(2, 2 + numkeys), null, true, limit);
  },

  sinterstore(c, argv) {
    sinterGeneric(c, argv.slice(2), argv[1], false, 0);
  },

  sunion(c, argv) {
    sunionDiffGeneric(c, argv.slice(1), null, true);
  },

  sunionstore(c, argv) {
    sunionDiffGeneric(c, argv.slice(2), argv[1], true);
  },

  sdiff(c, argv) {
    sunionDiffGeneric(c, argv.slice(1), null, false);
  },

  sdiffstore(c, argv) {
    sunionDiffGeneric(c, argv.slice(2), argv[1], false);
  },

  sscan: scanSet,
};
