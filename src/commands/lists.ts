/**
 * List commands (t_list.c), including the blocking pops. Values are
 * `ListValue` deques; an emptied list is deleted.
 *
 * Blocking (Redis 7.0 semantics): a blocking command that finds nothing
 * blocks on its keys; when a key becomes ready the blocking module runs the
 * command again with `servingKey` set, and, as Redis 7.0 does, the client is
 * served from that key only (not from the first non-empty key of its list).
 * Every list blocking command replies a null array on timeout; inside MULTI
 * BLMOVE/BRPOPLPUSH reply a null bulk and the others a null array.
 */
import type { HandlerMap, Session } from '../server/server.js';
import { Err } from '../protocol/errors.js';
import { ListValue } from '../types/list.js';
import { getLong, getPositive, getRange, getTimeout, is } from './args.js';

// Any parsed 64-bit integer is within LONG_MAX (parseLL rounds 19-digit values, so compare with Infinity).
const LONG_MAX_N = Infinity;

/**
 * The list at key: undefined when missing, null (after replying WRONGTYPE)
 * when of another type.
 */
function getList(c: Session, key: string, write: boolean): ListValue | undefined | null {
  const v = write ? c.db.lookupWrite(key) : c.db.read(key);
  if (v === undefined) return undefined;
  if (typeof v === 'string' || v.type !== 'list') {
    c.w.error(Err.wrongType);
    return null;
  }
  return v as ListValue;
}

/**
 * After popping elements: the pop counting `changes`, and the deletion of
 * an emptied key (listElementsRemoved).
 */
function elementsRemoved(c: Session, key: string, left: boolean, l: ListValue, changes: number): void {
  const db = c.db;
  c.server.modified(db, key, left ? 'lpop' : 'rpop', changes);
  if (l.length === 0) {
    db.delete(key);
    c.server.modified(db, key, 'del', 0);
  }
}

/**
 * A blocked BLPOP/BRPOP/BLMOVE being served: Redis 7.0 serves it outside
 * the command (serveClientBlockedOnList), adding nothing to dirty and
 * propagating its effect explicitly.
 */
function servedAfterBlocking(c: Session): boolean {
  return c.server.blocking.retrying === c;
}

/** LEFT / RIGHT argument: true for LEFT, null after a syntax error. */
function getWhere(c: Session, s: string): boolean | null {
  if (is(s, 'left')) return true;
  if (is(s, 'right')) return false;
  c.w.error(Err.syntax);
  return null;
}

/** Replies with elements popped one by one from one end (LPOP/RPOP with count, LMPOP). */
function popRangeReply(c: Session, l: ListValue, left: boolean, count: number): number {
  const n = count > l.length ? l.length : count;
  c.w.array(n);
  for (let i = 0; i < n; i++) c.w.bulk(l.pop(left) as string);
  return n;
}

// ---------------------------------------------------------------- push

function pushGeneric(c: Session, argv: string[], left: boolean): void {
  const key = argv[1];
  let l = getList(c, key, true);
  if (l === null) return;
  if (l === undefined) {
    l = new ListValue();
    c.db.add(key, l);
  }
  for (let j = 2; j < argv.length; j++) l.push(argv[j], left);
  c.w.int(l.length);
  c.server.modified(c.db, key, left ? 'lpush' : 'rpush', argv.length - 2);
}

function pushxGeneric(c: Session, argv: string[], left: boolean): void {
  const key = argv[1];
  const l = getList(c, key, true);
  if (l === null) return;
  if (l === undefined) {
    c.w.int(0);
    return;
  }
  for (let j = 2; j < argv.length; j++) l.push(argv[j], left);
  c.w.int(l.length);
  c.server.modified(c.db, key, left ? 'lpush' : 'rpush', argv.length - 2);
}

// ---------------------------------------------------------------- pop

function popGeneric(c: Session, argv: string[], left: boolean): void {
  const key = argv[1];
  const hasCount = argv.length === 3;
  let count = 0;
  if (argv.length > 3) {
    c.w.error(Err.wrongArity(argv[0].toLowerCase()));
    return;
  }
  if (hasCount) {
    const n = getPositive(c, argv[2], 'ERR value is out of range, must be positive');
    if (n === null) return;
    count = n;
  }
  const l = getList(c, key, true);
  if (l === null) return;
  if (l === undefined) {
    if (hasCount) c.w.nullArray();
    else c.w.nullBulk();
    return;
  }
  if (hasCount && count === 0) {
    c.w.emptyArray();
    return;
  }
  if (!hasCount) {
    c.w.bulk(l.pop(left) as string);
    elementsRemoved(c, key, left, l, 1);
  } else {
    const n = popRangeReply(c, l, left, count);
    elementsRemoved(c, key, left, l, n);
  }
}

// ---------------------------------------------------------------- reading

function llen(c: Session, argv: string[]): void {
  const l = getList(c, argv[1], false);
  if (l === null) return;
  c.w.int(l === undefined ? 0 : l.length);
}

function lindex(c: Session, argv: string[]): void {
  const l = getList(c, argv[1], false);
  if (l === null) return;
  if (l === undefined) {
    c.w.nullBulk();
    return;
  }
  const index = getLong(c, argv[2]);
  if (index === null) return;
  const v = l.at(index);
  if (v === undefined) c.w.nullBulk();
  else c.w.bulk(v);
}

/** Clamps a Redis range to [start, end] within the list, or null when empty. */
function clampRange(start: number, end: number, len: number): [number, number] | null {
  if (start < 0) start += len;
  if (end < 0) end += len;
  if (start < 0) start = 0;
  if (start > end || start >= len) return null;
  if (end >= len) end = len - 1;
  return [start, end];
}

function lrange(c: Session, argv: string[]): void {
  const start = getLong(c, argv[2]);
  if (start === null) return;
  const end = getLong(c, argv[3]);
  if (end === null) return;
  const l = getList(c, argv[1], false);
  if (l === null) return;
  if (l === undefined) {
    c.w.emptyArray();
    return;
  }
  const r = clampRange(start, end, l.length);
  if (r === null) {
    c.w.emptyArray();
    return;
  }
  c.w.array(r[1] - r[0] + 1);
  for (let i = r[0]; i <= r[1]; i++) c.w.bulk(l.get(i));
}

function lpos(c: Session, argv: string[]): void {
  let rank = 1;
  let count = -1;
  let maxlen = 0;
  let rankIsMin = false;
  for (let j = 3; j < argv.length; j++) {
    const opt = argv[j];
    const more = j < argv.length - 1;
    if (is(opt, 'rank') && more) {
      const r = getLong(c, argv[++j]);
      if (r === null) return;
      if (r === 0) {
        c.w.error('ERR RANK can\'t be zero: use 1 to start from the first match, 2 from the second ... or use negative to start from the end of the list');
        return;
      }
      rank = r;
      rankIsMin = argv[j] === '-9223372036854775808';
    } else if (is(opt, 'count') && more) {
      const n = getPositive(c, argv[++j], "ERR COUNT can't be negative");
      if (n === null) return;
      count = n;
    } else if (is(opt, 'maxlen') && more) {
      const n = getPositive(c, argv[++j], "ERR MAXLEN can't be negative");
      if (n === null) return;
      maxlen = n;
    } else {
      c.w.error(Err.syntax);
      return;
    }
  }
  const fromHead = rank > 0;
  let unlimited = false;
  if (rankIsMin) {
    // Redis negates LLONG_MIN into itself: every match qualifies and COUNT never stops the scan.
    rank = 1;
    unlimited = true;
  } else if (rank < 0) {
    rank = -rank;
  }
  const l = getList(c, argv[1], false);
  if (l === null) return;
  if (l === undefined) {
    if (count !== -1) c.w.emptyArray();
    else c.w.nullBulk();
    return;
  }
  const ele = argv[2];
  const len = l.length;
  const found: number[] = [];
  let matches = 0;
  for (let idx = 0; idx < len && (maxlen === 0 || idx < maxlen); idx++) {
    const pos = fromHead ? idx : len - idx - 1;
    if (l.get(pos) !== ele) continue;
    matches++;
    if (matches >= rank) {
      found.push(pos);
      if (count === -1) break;
      if (!unlimited && count !== 0 && matches - rank + 1 >= count) break;
    }
  }
  if (count !== -1) {
    c.w.array(found.length);
    for (const p of found) c.w.int(p);
  } else if (found.length > 0) {
    c.w.int(found[0]);
  } else {
    c.w.nullBulk();
  }
}

// ---------------------------------------------------------------- editing

function lset(c: Session, argv: string[]): void {
  const key = argv[1];
  const l = getList(c, key, true);
  if (l === null) return;
  if (l === undefined) {
    c.w.error(Err.noSuchKey);
    return;
  }
  const index = getLong(c, argv[2]);
  if (index === null) return;
  const i = index < 0 ? index + l.length : index;
  if (i < 0 || i >= l.length) {
    c.w.error(Err.outOfRange);
    return;
  }
  l.set(i, argv[3]);
  c.w.ok();
  c.server.modified(c.db, key, 'lset');
}

function linsert(c: Session, argv: string[]): void {
  let after: boolean;
  if (is(argv[2], 'after')) after = true;
  else if (is(argv[2], 'before')) after = false;
  else {
    c.w.error(Err.syntax);
    return;
  }
  const key = argv[1];
  const l = getList(c, key, true);
  if (l === null) return;
  if (l === undefined) {
    c.w.int(0);
    return;
  }
  const pivot = argv[3];
  const len = l.length;
  let at = -1;
  for (let i = 0; i < len; i++) {
    if (l.get(i) === pivot) {
      at = i;
      break;
    }
  }
  if (at < 0) {
    c.w.int(-1);
    return;
  }
  l.insertAt(after ? at + 1 : at, argv[4]);
  c.server.modified(c.db, key, 'linsert');
  c.w.int(l.length);
}

function lrem(c: Session, argv: string[]): void {
  const count = getLong(c, argv[2]);
  if (count === null) return;
  const key = argv[1];
  const l = getList(c, key, true);
  if (l === null) return;
  if (l === undefined) {
    c.w.int(0);
    return;
  }
  const removed = l.removeValue(argv[3], count);
  const db = c.db;
  if (removed > 0) c.server.modified(db, key, 'lrem', removed);
  if (l.length === 0) {
    db.delete(key);
    c.server.modified(db, key, 'del', 0);
  }
  c.w.int(removed);
}

function ltrim(c: Session, argv: string[]): void {
  const start = getLong(c, argv[2]);
  if (start === null) return;
  const end = getLong(c, argv[3]);
  if (end === null) return;
  const key = argv[1];
  const l = getList(c, key, true);
  if (l === null) return;
  if (l === undefined) {
    c.w.ok();
    return;
  }
  const len = l.length;
  const r = clampRange(start, end, len);
  let ltrimN: number;
  let rtrimN: number;
  if (r === null) {
    ltrimN = len;
    rtrimN = 0;
  } else {
    ltrimN = r[0];
    rtrimN = len - r[1] - 1;
  }
  l.dropHead(ltrimN);
  l.dropTail(rtrimN);
  // A trim that removed nothing is still a change of the key to Redis (WATCH sees it), though not counted.
  const db = c.db;
  c.server.modified(db, key, 'ltrim', ltrimN + rtrimN);
  if (l.length === 0) {
    db.delete(key);
    c.server.modified(db, key, 'del', 0);
  }
  c.w.ok();
}

// ---------------------------------------------------------------- moving

/**
 * LMOVE core on an existing non-empty source. Returns false (after replying
 * WRONGTYPE) when the destination is not a list. `changes`: what the move
 * adds to dirty (1; 0 for a blocked BLMOVE being served).
 */
function lmoveFrom(c: Session, src: string, sl: ListValue, dst: string, from: boolean, to: boolean, changes: number): boolean {
  const dv = c.db.lookupWrite(dst);
  if (dv !== undefined && (typeof dv === 'string' || dv.type !== 'list')) {
    c.w.error(Err.wrongType);
    return false;
  }
  const value = sl.pop(from) as string;
  let dl = dv as ListValue | undefined;
  if (dl === undefined) {
    dl = new ListValue();
    c.db.add(dst, dl);
  }
  dl.push(value, to);
  const db = c.db;
  c.server.modified(db, dst, to ? 'lpush' : 'rpush', changes);
  c.w.bulk(value);
  c.server.modified(db, src, from ? 'lpop' : 'rpop', 0);
  if (sl.length === 0) {
    db.delete(src);
    c.server.modified(db, src, 'del', 0);
  }
  return true;
}

function lmoveGeneric(c: Session, src: string, dst: string, from: boolean, to: boolean): void {
  const sl = getList(c, src, true);
  if (sl === null) return;
  if (sl === undefined) {
    c.w.nullBulk();
    return;
  }
  lmoveFrom(c, src, sl, dst, from, to, 1);
}

function lmove(c: Session, argv: string[]): void {
  const from = getWhere(c, argv[3]);
  if (from === null) return;
  const to = getWhere(c, argv[4]);
  if (to === null) return;
  lmoveGeneric(c, argv[1], argv[2], from, to);
}

function rpoplpush(c: Session, argv: string[]): void {
  lmoveGeneric(c, argv[1], argv[2], false, true);
}

/** BLMOVE / BRPOPLPUSH once the arguments are parsed. */
function blmoveGeneric(c: Session, argv: string[], from: boolean, to: boolean, timeout: number, isBrpoplpush: boolean): void {
  const src = argv[1];
  const dst = argv[2];
  const sl = getList(c, src, true);
  if (sl === null) return;
  if (sl === undefined) {
    const blocking = c.server.blocking;
    if (!blocking.canBlock(c)) {
      c.w.nullBulk();
      return;
    }
    blocking.block(c, [src], 'list', timeout, 'nullArray');
    return;
  }
  const served = servedAfterBlocking(c);
  if (!lmoveFrom(c, src, sl, dst, from, to, served ? 0 : 1)) return;
  // Served at once, Redis 7.0 propagates the caller's own LEFT/RIGHT words; served after blocking, its own lowercase ones.
  if (served) c.alsoPropagate(isBrpoplpush ? ['RPOPLPUSH', src, dst] : ['LMOVE', src, dst, from ? 'left' : 'right', to ? 'left' : 'right']);
  else c.propagateAs(isBrpoplpush ? ['RPOPLPUSH', src, dst] : ['LMOVE', src, dst, argv[3], argv[4]]);
}

function blmove(c: Session, argv: string[]): void {
  const from = getWhere(c, argv[3]);
  if (from === null) return;
  const to = getWhere(c, argv[4]);
  if (to === null) return;
  const timeout = getTimeout(c, argv[5]);
  if (timeout === null) return;
  blmoveGeneric(c, argv, from, to, timeout, false);
}

function brpoplpush(c: Session, argv: string[]): void {
  const timeout = getTimeout(c, argv[3]);
  if (timeout === null) return;
  blmoveGeneric(c, argv, false, true, timeout, true);
}

// ---------------------------------------------------------------- blocking pops

/** The keys a blocking pop looks at: all of them, or only the ready key when served after blocking. */
function candidateKeys(c: Session, keys: string[]): string[] {
  const b = c.server.blocking;
  if (b.retrying === c && b.servingKey !== null) return [b.servingKey];
  return keys;
}

function blockingPop(c: Session, argv: string[], left: boolean): void {
  const timeout = getTimeout(c, argv[argv.length - 1]);
  if (timeout === null) return;
  const keys = argv.slice(1, argv.length - 1);
  for (const key of candidateKeys(c, keys)) {
    const l = getList(c, key, true);
    if (l === null) return;
    if (l === undefined || l.length === 0) continue;
    c.w.array(2);
    c.w.bulk(key);
    c.w.bulk(l.pop(left) as string);
    const served = servedAfterBlocking(c);
    elementsRemoved(c, key, left, l, served ? 0 : 1);
    if (served) c.alsoPropagate([left ? 'LPOP' : 'RPOP', key]);
    else c.propagateAs([left ? 'LPOP' : 'RPOP', key]);
    return;
  }
  c.server.blocking.blockOrReply(c, keys, 'list', timeout, 'nullArray');
}

/** LMPOP / BLMPOP (argv[numkeysIdx] is numkeys). */
function lmpopGeneric(c: Session, argv: string[], numkeysIdx: number, block: boolean): void {
  const numkeys = getRange(c, argv[numkeysIdx], 1, LONG_MAX_N, 'ERR numkeys should be greater than 0');
  if (numkeys === null) return;
  const whereIdx = numkeysIdx + numkeys + 1;
  if (whereIdx >= argv.length) {
    c.w.error(Err.syntax);
    return;
  }
  const left = getWhere(c, argv[whereIdx]);
  if (left === null) return;
  let count = -1;
  for (let j = whereIdx + 1; j < argv.length; j++) {
    const more = j < argv.length - 1;
    if (count === -1 && is(argv[j], 'count') && more) {
      const n = getRange(c, argv[++j], 1, LONG_MAX_N, 'ERR count should be greater than 0');
      if (n === null) return;
      count = n;
    } else {
      c.w.error(Err.syntax);
      return;
    }
  }
  if (count === -1) count = 1;
  let timeout = 0;
  if (block) {
    const t = getTimeout(c, argv[1]);
    if (t === null) return;
    timeout = t;
  }
  const keys = argv.slice(numkeysIdx + 1, whereIdx);
  for (const key of block ? candidateKeys(c, keys) : keys) {
    const l = getList(c, key, true);
    if (l === null) return;
    if (l === undefined || l.length === 0) continue;
    c.w.array(2);
    c.w.bulk(key);
    const n = popRangeReply(c, l, left, count);
    // (served after blocking too, LMPOP's pops count, as Redis's listElementsRemoved)
    elementsRemoved(c, key, left, l, n);
    c.propagateAs([left ? 'LPOP' : 'RPOP', key, String(n)]);
    return;
  }
  if (!block) {
    c.w.nullArray();
    return;
  }
  c.server.blocking.blockOrReply(c, keys, 'list', timeout, 'nullArray');
}

export const listCommands: HandlerMap = {
  lpush: (c, argv) => pushGeneric(c, argv, true),
  rpush: (c, argv) => pushGeneric(c, argv, false),
  lpushx: (c, argv) => pushxGeneric(c, argv, true),
  rpushx: (c, argv) => pushxGeneric(c, argv, false),
  lpop: (c, argv) => popGeneric(c, argv, true),
  rpop: (c, argv) => popGeneric(c, argv, false),
  llen,
  lindex,
  lrange,
  lpos,
  lset,
  linsert,
  lrem,
  ltrim,
  lmove,
  rpoplpush,
  blmove,
  brpoplpush,
  blpop: (c, argv) => blockingPop(c, argv, true),
  brpop: (c, argv) => blockingPop(c, argv, false),
  lmpop: (c, argv) => lmpopGeneric(c, argv, 1, false),
  blmpop: (c, argv) => lmpopGeneric(c, argv, 2, true),
};
