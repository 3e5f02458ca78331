/**
 * Sorted set commands (t_zset.c): ZADD and ZINCRBY, removal, counting,
 * scores and ranks, the ZRANGE family (by rank, score and lex, with
 * ZRANGESTORE), range removal, ZUNION/ZINTER/ZDIFF (and their STORE forms,
 * sets accepted as inputs with score 1), ZINTERCARD, pops (ZPOPMIN/MAX,
 * ZMPOP and the blocking BZPOPMIN/BZPOPMAX/BZMPOP), ZRANDMEMBER and ZSCAN.
 *
 * Redis 7.0 details kept here: score ranges are parsed with plain strtod
 * (leading spaces, "" and "(" read as 0, overflow to inf), option errors and
 * their order, listpack/skiplist encoding (a listpack stores -0 as 0), the
 * RESP3 shapes (pairs for WITHSCORES, doubles for scores), notifications,
 * and propagation of blocking pops as ZPOPMIN/ZPOPMAX.
 */
import type { HandlerMap, Session } from '../server/server.js';
import { Err } from '../protocol/errors.js';
import { parseLL, parseLLBig, parseDouble, formatDouble } from '../protocol/numbers.js';
import { ZSet, cmpKey } from '../types/zset.js';
import type { RSet } from '../types/set.js';
import type { Value } from '../types/object.js';
import type { KeyEvent } from '../pubsub/notify.js';
import { getLong, getTimeout, is } from './args.js';
import { checkCursor, parseScanArgs } from './keys.js';
import { globMatch } from '../util/glob.js';
import { typeLimits } from './sets.js';

/** Largest negative ZRANDMEMBER count served (Redis would try to build any reply; we bound memory). */
const RANDMEMBER_MAX = 10_000_000;

const NAN_ERR = 'ERR resulting score is not a number (NaN)';
const RANGE_FLOAT_ERR = 'ERR min or max is not a float';
const RANGE_LEX_ERR = 'ERR min or max not valid string range item';

// ---------------------------------------------------------------- helpers

/** The sorted set at key: undefined when missing, null (after WRONGTYPE) for another type. */
export function getZset(c: Session, key: string, write: boolean): ZSet | undefined | null {
  const v = write ? c.db.lookupWrite(key) : c.db.read(key);
  if (v === undefined) return undefined;
  if (typeof v === 'string' || v.type !== 'zset') {
    c.w.error(Err.wrongType);
    return null;
  }
  return v as ZSet;
}

interface Limits {
  zsetEntries: number;
  zsetValue: number;
}

function limits(c: Session): Limits {
  return typeLimits(c);
}

/** Adds a member as zsetAdd does for a new element (converting the encoding first when needed). */
function addNew(z: ZSet, m: string, s: number, lim: Limits): void {
  z.checkGrowth(z.size + 1, m.length, lim.zsetEntries, lim.zsetValue);
  z.insertNew(m, s);
}

/** Deletes the key when the sorted set is empty; returns true when it did. */
function deleteIfEmpty(c: Session, key: string, z: ZSet): boolean {
  if (z.size !== 0) return false;
  c.db.delete(key);
  return true;
}

/** One (member, score) of a reply: RESP3 pairs when with scores. */
function emitPair(c: Session, m: string, s: number, withscores: boolean): void {
  if (withscores) {
    if (c.w.resp === 3) c.w.array(2);
    c.w.bulk(m);
    c.w.double(s);
  } else {
    c.w.bulk(m);
  }
}

/** Header of a list of n members (with scores: 2n flat in RESP2, n pairs in RESP3). */
function emitHeader(c: Session, n: number, withscores: boolean): void {
  c.w.array(withscores && c.w.resp === 2 ? n * 2 : n);
}

const SPACE = new Set([32, 9, 10, 11, 12, 13]);
const DEC_RE = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const INF_RE = /^[+-]?(?:inf|infinity)$/i;
const HEX_RE = /^([+-]?)0[xX]([0-9a-fA-F]*)(?:\.([0-9a-fA-F]*))?(?:[pP]([+-]?\d+))?$/;

/**
 * C strtod over a whole C string, as zslParseRange uses it: leading spaces
 * allowed, the string ends at a NUL byte, an empty string reads as 0,
 * overflow gives +-inf, NaN is refused. Null when not all of it is a number.
 */
export function strtodWhole(s: string): number | null {
  const nul = s.indexOf('\0');
  if (nul >= 0) s = s.slice(0, nul);
  if (s.length === 0) return 0;
  let i = 0;
  while (i < s.length && SPACE.has(s.charCodeAt(i))) i++;
  const t = i === 0 ? s : s.slice(i);
  if (DEC_RE.test(t)) return Number(t);
  if (INF_RE.test(t)) return t.charCodeAt(0) === 45 ? -Infinity : Infinity;
  const h = HEX_RE.exec(t);
  if (h !== null && (h[2].length > 0 || (h[3] ?? '').length > 0)) {
    const digits = h[2] + (h[3] ?? '');
    let v = 0;
    for (let j = 0; j < digits.length; j++) v = v * 16 + parseInt(digits[j], 16);
    const exp = (h[4] !== undefined ? parseInt(h[4], 10) : 0) - 4 * (h[3] ?? '').length;
    v = v * Math.pow(2, exp);
    return h[1] === '-' ? -v : v;
  }
  return null;
}

interface ScoreRange {
  min: number;
  max: number;
  minex: boolean;
  maxex: boolean;
}

function parseScoreBound(s: string): [number, boolean] | null {
  const ex = s.charCodeAt(0) === 40; // '('
  const v = strtodWhole(ex ? s.slice(1) : s);
  if (v === null) return null;
  return [v, ex];
}

/** zslParseRange; replies the error and returns null when invalid. */
function parseScoreRange(c: Session, minArg: string, maxArg: string): ScoreRange | null {
  const a = parseScoreBound(minArg);
  const b = a === null ? null : parseScoreBound(maxArg);
  if (a === null || b === null) {
    c.w.error(RANGE_FLOAT_ERR);
    return null;
  }
  return { min: a[0], minex: a[1], max: b[0], maxex: b[1] };
}

/** Ranks [start, end) of the elements within a score range. */
function scoreRanks(z: ZSet, r: ScoreRange): [number, number] {
  const t = z.tree;
  const min = r.min;
  const max = r.max;
  const start = r.minex ? t.countBefore((s) => s <= min) : t.countBefore((s) => s < min);
  const end = r.maxex ? t.countBefore((s) => s < max) : t.countBefore((s) => s <= max);
  return [start, Math.max(start, end)];
}

/** A lex bound: inf -1 for '-', 1 for '+', 0 for a string bound. */
interface LexBound {
  v: string;
  ex: boolean;
  inf: -1 | 0 | 1;
}

function parseLexBound(s: string): LexBound | null {
  const ch = s.charCodeAt(0);
  if (ch === 43 || ch === 45) {
    // '+' / '-' alone (C string: a NUL ends it)
    if (s.length > 1 && s.charCodeAt(1) !== 0) return null;
    return { v: '', ex: true, inf: ch === 43 ? 1 : -1 };
  }
  if (ch === 40) return { v: s.slice(1), ex: true, inf: 0 };
  if (ch === 91) return { v: s.slice(1), ex: false, inf: 0 };
  return null;
}

function parseLexRange(c: Session, minArg: string, maxArg: string): [LexBound, LexBound] | null {
  const a = parseLexBound(minArg);
  const b = a === null ? null : parseLexBound(maxArg);
  if (a === null || b === null) {
    c.w.error(RANGE_LEX_ERR);
    return null;
  }
  return [a, b];
}

/** sdscmplex over bounds ('-' and '+' are the smallest and largest strings). */
function cmpLex(a: LexBound, b: LexBound): number {
  if (a.inf !== 0 && a.inf === b.inf) return 0;
  if (a.inf === -1 || b.inf === 1) return -1;
  if (a.inf === 1 || b.inf === -1) return 1;
  return a.v < b.v ? -1 : a.v > b.v ? 1 : 0;
}

function gteMin(m: string, min: LexBound): boolean {
  if (min.inf !== 0) return min.inf < 0;
  return min.ex ? m > min.v : m >= min.v;
}

function lteMax(m: string, max: LexBound): boolean {
  if (max.inf !== 0) return max.inf > 0;
  return max.ex ? m < max.v : m <= max.v;
}

/** zslIsInLexRange / zzlIsInLexRange: whether any part of the set can be in range. */
function lexMayMatch(z: ZSet, min: LexBound, max: LexBound): boolean {
  const cmp = cmpLex(min, max);
  if (cmp > 0 || (cmp === 0 && (min.ex || max.ex))) return false;
  const n = z.size;
  if (n === 0) return false;
  return gteMin(z.tree.memberAt(n - 1), min) && lteMax(z.tree.memberAt(0), max);
}

/**
 * Rank of the first element >= min (when it is also <= max), or -1. A
 * listpack is scanned from its head as Redis does, so that sets mixing
 * scores (where lex ranges are unspecified) still answer as Redis does.
 */
function firstInLex(z: ZSet, min: LexBound, max: LexBound): number {
  if (!lexMayMatch(z, min, max)) return -1;
  const t = z.tree;
  let i = -1;
  if (z.listpack) {
    let k = 0;
    t.each(0, z.size, false, (m) => {
      if (gteMin(m, min)) {
        i = k;
        return false;
      }
      k++;
    });
  } else {
    i = t.countBefore((_s, m) => !gteMin(m, min));
  }
  if (i < 0 || i >= z.size) return -1;
  return lteMax(t.memberAt(i), max) ? i : -1;
}

/** Rank of the last element <= max (when it is also >= min), or -1. */
function lastInLex(z: ZSet, min: LexBound, max: LexBound): number {
  if (!lexMayMatch(z, min, max)) return -1;
  const t = z.tree;
  let i = -1;
  if (z.listpack) {
    let k = z.size - 1;
    t.each(0, z.size, true, (m) => {
      if (lteMax(m, max)) {
        i = k;
        return false;
      }
      k--;
    });
  } else {
    i = t.countBefore((_s, m) => lteMax(m, max)) - 1;
  }
  if (i < 0) return -1;
  return gteMin(t.memberAt(i), min) ? i : -1;
}

/** Number of elements from rank `from` on (or down, reverse) that stay within the max (min) bound, at most `limit` (-1: any). */
function lexRun(z: ZSet, from: number, reverse: boolean, min: LexBound, max: LexBound, limit: number): number {
  let n = 0;
  const lo = reverse ? 0 : from;
  const hi = reverse ? from + 1 : z.size;
  z.tree.each(lo, hi, reverse, (m) => {
    if (n === limit) return false;
    if (reverse ? !gteMin(m, min) : !lteMax(m, max)) return false;
    n++;
  });
  return n;
}

/** Sanitizes a rank range as Redis does; [start, end) or null when empty. */
function rankRange(start: number, end: number, llen: number): [number, number] | null {
  if (start < 0) start = llen + start;
  if (end < 0) end = llen + end;
  if (start < 0) start = 0;
  if (start > end || start >= llen) return null;
  if (end >= llen) end = llen - 1;
  return [start, end + 1];
}

// ---------------------------------------------------------------- ZADD / ZINCRBY

/**
 * ZADD (ZINCRBY with incrCmd). GEOADD runs it on the ZADD form of its
 * arguments, as Redis does, giving the scores it put there already parsed.
 */
export function zaddGeneric(c: Session, argv: string[], incrCmd: boolean, parsedScores?: number[]): void {
  const key = argv[1];
  let nx = false;
  let xx = false;
  let gt = false;
  let lt = false;
  let ch = false;
  let incr = incrCmd;
  let idx = 2;
  while (idx < argv.length) {
    const o = argv[idx];
    if (is(o, 'nx')) nx = true;
    else if (is(o, 'xx')) xx = true;
    else if (is(o, 'ch')) ch = true;
    else if (is(o, 'incr')) incr = true;
    else if (is(o, 'gt')) gt = true;
    else if (is(o, 'lt')) lt = true;
    else break;
    idx++;
  }
  const rest = argv.length - idx;
  if (rest === 0 || rest % 2 !== 0) {
    c.w.error(Err.syntax);
    return;
  }
  const elements = rest / 2;
  if (nx && xx) {
    c.w.error('ERR XX and NX options at the same time are not compatible');
    return;
  }
  if ((gt && nx) || (lt && nx) || (gt && lt)) {
    c.w.error('ERR GT, LT, and/or NX options at the same time are not compatible');
    return;
  }
  if (incr && elements > 1) {
    c.w.error('ERR INCR option supports a single increment-element pair');
    return;
  }
  let scores: number[];
  if (parsedScores !== undefined && parsedScores.length === elements) scores = parsedScores;
  else {
    scores = new Array(elements);
    for (let j = 0; j < elements; j++) {
      const d = parseDouble(argv[idx + j * 2]);
      if (d === null) {
        c.w.error(Err.notFloat);
        return;
      }
      scores[j] = d;
    }
  }
  let z = getZset(c, key, true);
  if (z === null) return;
  let added = 0;
  let updated = 0;
  let processed = 0;
  let score = 0;
  let nanError = false;
  if (z === undefined && !xx) {
    z = new ZSet();
    c.db.add(key, z);
  }
  if (z !== undefined) {
    const lim = limits(c);
    for (let j = 0; j < elements; j++) {
      let s = scores[j];
      const m = argv[idx + j * 2 + 1];
      const cur = z.score(m);
      if (cur !== undefined) {
        if (nx) continue;
        if (incr) {
          s += cur;
          if (Number.isNaN(s)) {
            nanError = true;
            break;
          }
        }
        if ((lt && s >= cur) || (gt && s <= cur)) continue;
        if (s !== cur) {
          z.move(m, cur, s);
          updated++;
        }
        processed++;
        score = s;
      } else if (!xx) {
        addNew(z, m, s, lim);
        added++;
        processed++;
        score = s;
      }
    }
  }
  if (nanError) c.w.error(NAN_ERR);
  else if (incr) {
    if (processed > 0) c.w.double(score);
    else c.w.nullBulk();
  } else c.w.int(ch ? added + updated : added);
  if (added + updated > 0) c.server.modified(c.db, key, incr ? 'zincr' : 'zadd', added + updated);
}

// ---------------------------------------------------------------- ZRANGE family

const enum RangeType {
  Auto,
  Rank,
  Score,
  Lex,
}
const enum Dir {
  Auto,
  Forward,
  Reverse,
}

/** Collects or replies the elements of a range: the client handler or the ZRANGESTORE handler. */
interface RangeSink {
  begin(n: number): void;
  emit(m: string, s: number): void;
  end(): void;
}

class ClientSink implements RangeSink {
  constructor(
    private readonly c: Session,
    private readonly withscores: boolean,
  ) {}
  begin(n: number): void {
    emitHeader(this.c, n, this.withscores);
  }
  emit(m: string, s: number): void {
    emitPair(this.c, m, s, this.withscores);
  }
  end(): void {}
}

class StoreSink implements RangeSink {
  private z: ZSet | null = null;
  private readonly lim: Limits;
  /** byRank: the length is known up front (Redis then creates a skiplist at once for long results). */
  constructor(
    private readonly c: Session,
    private readonly dst: string,
    private readonly byRank: boolean,
  ) {
    this.lim = limits(c);
  }
  begin(n: number): void {
    this.z = new ZSet();
    if (this.byRank && n > this.lim.zsetEntries) this.z.listpack = false;
  }
  emit(m: string, s: number): void {
    addNew(this.z!, m, s, this.lim);
  }
  end(): void {
    const c = this.c;
    const z = this.z;
    if (z !== null && z.size > 0) {
      c.db.set(this.dst, z);
      c.w.int(z.size);
      c.server.modified(c.db, this.dst, 'zrangestore');
    } else {
      c.w.int(0);
      if (c.db.delete(this.dst)) c.server.modified(c.db, this.dst, 'del');
    }
  }
}

/** zrangeGenericCommand: argv[keyIdx] is the source, then min, max and options. */
function zrangeGeneric(c: Session, argv: string[], keyIdx: number, store: boolean, type0: RangeType, dir0: Dir): void {
  const key = argv[keyIdx];
  let minIdx = keyIdx + 1;
  let maxIdx = keyIdx + 2;
  let type = type0;
  let dir = dir0;
  let withscores = false;
  let offset = 0;
  let limit = -1;
  for (let j = keyIdx + 3; j < argv.length; j++) {
    const left = argv.length - j - 1;
    const a = argv[j];
    if (!store && is(a, 'withscores')) withscores = true;
    else if (is(a, 'limit') && left >= 2) {
      const o = getLong(c, argv[j + 1]);
      if (o === null) return;
      const l = getLong(c, argv[j + 2]);
      if (l === null) return;
      offset = o;
      limit = l;
      j += 2;
    } else if (dir === Dir.Auto && is(a, 'rev')) dir = Dir.Reverse;
    else if (type === RangeType.Auto && is(a, 'bylex')) type = RangeType.Lex;
    else if (type === RangeType.Auto && is(a, 'byscore')) type = RangeType.Score;
    else {
      c.w.error(Err.syntax);
      return;
    }
  }
  if (dir === Dir.Auto) dir = Dir.Forward;
  if (type === RangeType.Auto) type = RangeType.Rank;
  if (limit !== -1 && type === RangeType.Rank) {
    c.w.error('ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX');
    return;
  }
  if (withscores && type === RangeType.Lex) {
    c.w.error('ERR syntax error, WITHSCORES not supported in combination with BYLEX');
    return;
  }
  const reverse = dir === Dir.Reverse;
  if (reverse && type !== RangeType.Rank) {
    const t = minIdx;
    minIdx = maxIdx;
    maxIdx = t;
  }
  let rStart = 0;
  let rEnd = 0;
  let srange: ScoreRange | null = null;
  let lrange: [LexBound, LexBound] | null = null;
  if (type === RangeType.Rank) {
    const a = getLong(c, argv[minIdx]);
    if (a === null) return;
    const b = getLong(c, argv[maxIdx]);
    if (b === null) return;
    rStart = a;
    rEnd = b;
  } else if (type === RangeType.Score) {
    srange = parseScoreRange(c, argv[minIdx], argv[maxIdx]);
    if (srange === null) return;
  } else {
    lrange = parseLexRange(c, argv[minIdx], argv[maxIdx]);
    if (lrange === null) return;
  }
  const z = c.db.read(key);
  const sink: RangeSink = store ? new StoreSink(c, argv[1], type === RangeType.Rank) : new ClientSink(c, withscores);
  if (z === undefined) {
    if (store) {
      sink.begin(0);
      sink.end();
    } else c.w.emptyArray();
    return;
  }
  if (typeof z === 'string' || z.type !== 'zset') {
    c.w.error(Err.wrongType);
    return;
  }
  const zs = z as ZSet;
  let lo: number;
  let hi: number;
  if (type === RangeType.Rank) {
    const llen = zs.size;
    const r = rankRange(rStart, rEnd, llen);
    if (r === null) {
      sink.begin(0);
      sink.end();
      return;
    }
    // a reverse rank range counts from the end
    if (reverse) [lo, hi] = [llen - r[1], llen - r[0]];
    else [lo, hi] = r;
  } else {
    if (offset > 0 && offset >= zs.size) {
      sink.begin(0);
      sink.end();
      return;
    }
    if (offset < 0) {
      // Redis skips elements while "offset--" is nonzero: all of them.
      sink.begin(0);
      sink.end();
      return;
    }
    if (lrange !== null) {
      // lex: from the first (last) element in range, skip offset, then take while in range
      const [min, max] = lrange;
      const first = reverse ? lastInLex(zs, min, max) : firstInLex(zs, min, max);
      let n = 0;
      let from = 0;
      if (first >= 0) {
        from = reverse ? first - offset : first + offset;
        if (from >= 0 && from < zs.size) n = lexRun(zs, from, reverse, min, max, limit < 0 ? -1 : limit);
      }
      sink.begin(n);
      if (n > 0) {
        zs.tree.each(reverse ? from - n + 1 : from, reverse ? from + 1 : from + n, reverse, (m, s) => {
          sink.emit(m, s);
        });
      }
      sink.end();
      return;
    }
    [lo, hi] = scoreRanks(zs, srange!);
    if (!reverse) {
      lo = Math.min(hi, lo + offset);
      if (limit >= 0) hi = Math.min(hi, lo + limit);
    } else {
      hi = Math.max(lo, hi - offset);
      if (limit >= 0) lo = Math.max(lo, hi - limit);
    }
  }
  if (!store) {
    emitRange(c, zs, lo, hi, reverse, withscores);
    return;
  }
  sink.begin(hi - lo);
  zs.tree.each(lo, hi, reverse, (m, s) => {
    sink.emit(m, s);
  });
  sink.end();
}

/** Replies ranks [lo, hi) (walked from hi-1 down when reverse) straight to the client. */
function emitRange(c: Session, zs: ZSet, lo: number, hi: number, reverse: boolean, withscores: boolean): void {
  const w = c.w;
  const n = hi - lo;
  emitHeader(c, n, withscores);
  if (n <= 0) return;
  const t = zs.tree;
  t.seekRank(reverse ? hi - 1 : lo);
  const pairs = withscores && w.resp === 3;
  for (let i = 0; ; ) {
    if (withscores) {
      if (pairs) w.array(2);
      w.bulk(t.curMember);
      w.double(t.curScore);
    } else {
      w.bulk(t.curMember);
    }
    if (++i === n) break;
    if (reverse) t.stepBack();
    else t.step();
  }
}

// ---------------------------------------------------------------- ZUNION / ZINTER / ZDIFF

const enum SetOp {
  Union,
  Inter,
  Diff,
}

const enum Aggr {
  Sum,
  Min,
  Max,
}

interface Src {
  z: ZSet | null;
  s: RSet | null;
  weight: number;
}

function srcSize(x: Src): number {
  return x.z !== null ? x.z.size : x.s !== null ? x.s.size : 0;
}

/** Score of a member in a source, or undefined. */
function srcScore(x: Src, m: string): number | undefined {
  if (x.z !== null) return x.z.score(m);
  if (x.s !== null) return x.s.has(m) ? 1 : undefined;
  return undefined;
}

/** Visits every (member, score) of a source. */
function srcEach(x: Src, fn: (m: string, s: number) => boolean | void): void {
  if (x.z !== null) {
    x.z.tree.each(0, x.z.size, false, fn);
  } else if (x.s !== null) {
    const members = x.s.ordered();
    for (let i = 0; i < members.length; i++) if (fn(members[i], 1) === false) return;
  }
}

function aggregate(target: number, val: number, ag: Aggr): number {
  if (ag === Aggr.Sum) {
    const r = target + val;
    return Number.isNaN(r) ? 0 : r;
  }
  if (ag === Aggr.Min) return val < target ? val : target;
  return val > target ? val : target;
}

/** zunionInterDiffGenericCommand. dst is null for the reply forms. */
function zsetOpGeneric(c: Session, argv: string[], dst: string | null, numkeysIdx: number, op: SetOp, cardOnly: boolean): void {
  const setnum = getLong(c, argv[numkeysIdx]);
  if (setnum === null) return;
  if (setnum < 1) {
    c.w.error(`ERR at least 1 input key is needed for '${c.cmd?.fullname ?? argv[0].toLowerCase()}' command`);
    return;
  }
  if (setnum > argv.length - (numkeysIdx + 1)) {
    c.w.error(Err.syntax);
    return;
  }
  const src: Src[] = [];
  let j = numkeysIdx + 1;
  for (let i = 0; i < setnum; i++, j++) {
    const v: Value | undefined = c.db.read(argv[j]);
    const x: Src = { z: null, s: null, weight: 1 };
    if (v !== undefined) {
      if (typeof v === 'string' || (v.type !== 'zset' && v.type !== 'set')) {
        c.w.error(Err.wrongType);
        return;
      }
      if (v.type === 'zset') x.z = v as ZSet;
      else x.s = v as unknown as RSet;
    }
    src.push(x);
  }
  let ag = Aggr.Sum;
  let withscores = false;
  let limit = 0;
  let remaining = argv.length - j;
  while (remaining > 0) {
    const a = argv[j];
    if (op !== SetOp.Diff && !cardOnly && remaining >= setnum + 1 && is(a, 'weights')) {
      j++;
      remaining--;
      for (let i = 0; i < setnum; i++, j++, remaining--) {
        const w = parseDouble(argv[j]);
        if (w === null) {
          c.w.error('ERR weight value is not a float');
          return;
        }
        src[i].weight = w;
      }
    } else if (op !== SetOp.Diff && !cardOnly && remaining >= 2 && is(a, 'aggregate')) {
      j++;
      remaining--;
      const t = argv[j];
      if (is(t, 'sum')) ag = Aggr.Sum;
      else if (is(t, 'min')) ag = Aggr.Min;
      else if (is(t, 'max')) ag = Aggr.Max;
      else {
        c.w.error(Err.syntax);
        return;
      }
      j++;
      remaining--;
    } else if (remaining >= 1 && dst === null && !cardOnly && is(a, 'withscores')) {
      j++;
      remaining--;
      withscores = true;
    } else if (cardOnly && remaining >= 2 && is(a, 'limit')) {
      j++;
      remaining--;
      const l = parseLL(argv[j]);
      if (l === null || l < 0) {
        c.w.error("ERR LIMIT can't be negative");
        return;
      }
      limit = l;
      j++;
      remaining--;
    } else {
      c.w.error(Err.syntax);
      return;
    }
  }
  // smallest inputs first (stable, as glibc's merge-sort qsort)
  if (op !== SetOp.Diff) src.sort((a, b) => srcSize(a) - srcSize(b));

  const resM: string[] = [];
  const resS: number[] = [];
  let cardinality = 0;
  if (op === SetOp.Inter) {
    if (srcSize(src[0]) > 0) {
      srcEach(src[0], (m, s0) => {
        let score = src[0].weight * s0;
        if (Number.isNaN(score)) score = 0;
        for (let k = 1; k < src.length; k++) {
          const v = srcScore(src[k], m);
          if (v === undefined) return;
          score = aggregate(score, v * src[k].weight, ag);
        }
        if (cardOnly) {
          cardinality++;
          if (limit !== 0 && cardinality >= limit) return false;
        } else {
          resM.push(m);
          resS.push(score);
        }
      });
    }
  } else if (op === SetOp.Union) {
    const acc = new Map<string, number>();
    for (const x of src) {
      srcEach(x, (m, s0) => {
        let score = x.weight * s0;
        if (Number.isNaN(score)) score = 0;
        const cur = acc.get(m);
        acc.set(m, cur === undefined ? score : aggregate(cur, score, ag));
      });
    }
    for (const [m, s] of acc) {
      resM.push(m);
      resS.push(s);
    }
  } else {
    if (srcSize(src[0]) > 0) {
      srcEach(src[0], (m, s0) => {
        for (let k = 1; k < src.length; k++) if (srcScore(src[k], m) !== undefined) return;
        resM.push(m);
        resS.push(s0);
      });
    }
  }

  if (cardOnly) {
    c.w.int(cardinality);
    return;
  }
  if (dst !== null) {
    storeZset(c, dst, resM, resS, op === SetOp.Union ? 'zunionstore' : op === SetOp.Inter ? 'zinterstore' : 'zdiffstore', 1);
    return;
  }
  // reply in (score, member) order
  const order = resM.map((_, i) => i);
  order.sort((a, b) => cmpKey(resS[a], resM[a], resS[b], resM[b]));
  emitHeader(c, order.length, withscores);
  for (const i of order) emitPair(c, resM[i], resS[i], withscores);
}

/**
 * Stores a computed result at dst, as the *STORE commands do: built as a
 * skiplist and converted to a listpack when it fits
 * (zsetConvertToListpackIfNeeded); an empty result deletes dst. Replies
 * the size. `members` are distinct; `changes` is what Redis adds to dirty.
 */
export function storeZset(c: Session, dst: string, members: string[], scores: number[], event: KeyEvent, changes: number): void {
  if (members.length > 0) {
    const z = ZSet.fromPairs(members, scores);
    z.listpack = false;
    const lim = limits(c);
    let maxLen = 0;
    for (const m of members) if (m.length > maxLen) maxLen = m.length;
    if (z.size <= lim.zsetEntries && maxLen <= lim.zsetValue) z.toListpack();
    c.db.set(dst, z);
    c.w.int(z.size);
    c.server.modified(c.db, dst, event, changes);
  } else {
    c.w.int(0);
    if (c.db.delete(dst)) c.server.modified(c.db, dst, 'del');
  }
}

// ---------------------------------------------------------------- pops

/**
 * genericZpopCommand for one key holding a non-empty sorted set.
 * emitKey: the BZPOP/ZMPOP forms; nested: pairs (RESP3 ZPOP with count, ZMPOP).
 */
function popFrom(c: Session, key: string, z: ZSet, max: boolean, count: number, emitKey: boolean, nested: boolean): void {
  const llen = z.size;
  const n = count > llen ? llen : count;
  if (!nested && !emitKey) c.w.array(n * 2);
  else if (nested && !emitKey) c.w.array(n);
  else if (!nested && emitKey) {
    c.w.array(n * 2 + 1);
    c.w.bulk(key);
  } else {
    c.w.array(2);
    c.w.bulk(key);
    c.w.array(n);
  }
  const start = max ? llen - n : 0;
  if (n > 0) {
    // reply from a cursor (max: from the top down), then drop the range
    const t = z.tree;
    const w = c.w;
    t.seekRank(max ? llen - 1 : 0);
    for (let k = 0; ; ) {
      if (nested) w.array(2);
      w.bulk(t.curMember);
      w.double(t.curScore);
      if (++k === n) break;
      if (max) t.stepBack();
      else t.step();
    }
    z.deleteRange(start, start + n);
  }
  c.server.modified(c.db, key, max ? 'zpopmax' : 'zpopmin', n);
  if (deleteIfEmpty(c, key, z)) c.server.modified(c.db, key, 'del', 0);
}

function zpopMinMax(c: Session, argv: string[], max: boolean): void {
  if (argv.length > 3) {
    c.w.error(Err.syntax);
    return;
  }
  let count = -1;
  if (argv.length === 3) {
    const n = parseLL(argv[2]);
    if (n === null || n < 0) {
      c.w.error('ERR value is out of range, must be positive');
      return;
    }
    count = n;
  }
  const nested = c.w.resp > 2 && count !== -1;
  const key = argv[1];
  const z = getZset(c, key, true);
  if (z === null) return;
  if (z === undefined) {
    c.w.emptyArray();
    return;
  }
  if (count === 0) {
    c.w.emptyArray();
    return;
  }
  popFrom(c, key, z, max, count === -1 ? 1 : count, false, nested);
}

/** The keys a blocking pop looks at: all of them, or only the ready key when served after blocking. */
function candidateKeys(c: Session, keys: string[]): string[] {
  const b = c.server.blocking;
  if (b.retrying === c && b.servingKey !== null) return [b.servingKey];
  return keys;
}

/**
 * blockingGenericZpopCommand (and the non-blocking ZMPOP when timeout is
 * null). count -1 is the single-element BZPOPMIN/BZPOPMAX form.
 */
function popFirstOf(c: Session, keys: string[], max: boolean, count: number, timeout: number | null): void {
  const block = timeout !== null;
  for (const key of block ? candidateKeys(c, keys) : keys) {
    const z = getZset(c, key, true);
    if (z === null) return;
    if (z === undefined || z.size === 0) continue;
    const cmd = max ? 'ZPOPMAX' : 'ZPOPMIN';
    if (count === -1) {
      popFrom(c, key, z, max, 1, true, false);
      c.propagateAs([cmd, key]);
    } else {
      popFrom(c, key, z, max, count, true, true);
      c.propagateAs([cmd, key, String(count)]);
    }
    return;
  }
  if (!block) {
    c.w.nullArray();
    return;
  }
  c.server.blocking.blockOrReply(c, keys, 'zset', timeout, 'nullArray');
}

function bzpopMinMax(c: Session, argv: string[], max: boolean): void {
  const timeout = getTimeout(c, argv[argv.length - 1]);
  if (timeout === null) return;
  popFirstOf(c, argv.slice(1, argv.length - 1), max, -1, timeout);
}

/** ZMPOP / BZMPOP (argv[numkeysIdx] is numkeys). */
function zmpopGeneric(c: Session, argv: string[], numkeysIdx: number, block: boolean): void {
  const nk = parseLL(argv[numkeysIdx]);
  if (nk === null || nk < 1) {
    c.w.error('ERR numkeys should be greater than 0');
    return;
  }
  const whereIdx = numkeysIdx + nk + 1;
  if (whereIdx >= argv.length) {
    c.w.error(Err.syntax);
    return;
  }
  let max: boolean;
  if (is(argv[whereIdx], 'min')) max = false;
  else if (is(argv[whereIdx], 'max')) max = true;
  else {
    c.w.error(Err.syntax);
    return;
  }
  let count = -1;
  for (let j = whereIdx + 1; j < argv.length; j++) {
    const more = argv.length - 1 - j;
    if (count === -1 && is(argv[j], 'count') && more > 0) {
      j++;
      const n = parseLL(argv[j]);
      if (n === null || n < 1) {
        c.w.error('ERR count should be greater than 0');
        return;
      }
      count = n;
    } else {
      c.w.error(Err.syntax);
      return;
    }
  }
  if (count === -1) count = 1;
  const keys = argv.slice(numkeysIdx + 1, whereIdx);
  if (block) {
    const timeout = getTimeout(c, argv[1]);
    if (timeout === null) return;
    popFirstOf(c, keys, max, count, timeout);
  } else {
    popFirstOf(c, keys, max, count, null);
  }
}

// ---------------------------------------------------------------- ZRANDMEMBER

function zrandmember(c: Session, argv: string[]): void {
  if (argv.length >= 3) {
    const big = parseLLBig(argv[2]);
    if (big === null) {
      c.w.error(Err.notInteger);
      return;
    }
    if (big < -9223372036854775807n) {
      c.w.error('ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807');
      return;
    }
    let withscores = false;
    if (argv.length > 4 || (argv.length === 4 && !is(argv[3], 'withscores'))) {
      c.w.error(Err.syntax);
      return;
    }
    if (argv.length === 4) {
      withscores = true;
      if (big < -4611686018427387903n || big > 4611686018427387903n) {
        c.w.error('ERR value is out of range');
        return;
      }
    }
    randWithCount(c, argv[1], big, withscores);
    return;
  }
  const z = getZset(c, argv[1], false);
  if (z === null) return;
  if (z === undefined) {
    c.w.nullBulk();
    return;
  }
  c.w.bulk(z.tree.memberAt(Math.floor(Math.random() * z.size)));
}

function randWithCount(c: Session, key: string, l: bigint, withscores: boolean): void {
  const z = getZset(c, key, false);
  if (z === null) return;
  if (z === undefined) {
    c.w.emptyArray();
    return;
  }
  const size = z.size;
  const uniq = l >= 0n;
  const countBig = uniq ? l : -l;
  if (countBig === 0n) {
    c.w.emptyArray();
    return;
  }
  const tree = z.tree;
  if (!uniq || countBig === 1n) {
    if (countBig > BigInt(RANDMEMBER_MAX)) {
      c.w.error('ERR value is out of range');
      return;
    }
    const count = Number(countBig);
    emitHeader(c, count, withscores);
    for (let i = 0; i < count; i++) {
      const m = tree.memberAt(Math.floor(Math.random() * size));
      emitPair(c, m, z.dict.get(m)!, withscores);
    }
    return;
  }
  if (countBig >= BigInt(size)) {
    // the whole set, highest first (Redis iterates sorted sets from the tail)
    emitHeader(c, size, withscores);
    tree.each(0, size, true, (m, s) => {
      emitPair(c, m, s, withscores);
    });
    return;
  }
  // distinct ranks (Floyd's sampling), replied in random order as Redis does
  const count = Number(countBig);
  const picked = new Set<number>();
  for (let j = size - count; j < size; j++) {
    const t = Math.floor(Math.random() * (j + 1));
    picked.add(picked.has(t) ? j : t);
  }
  const ranks = [...picked];
  for (let i = ranks.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    const x = ranks[i];
    ranks[i] = ranks[j];
    ranks[j] = x;
  }
  emitHeader(c, count, withscores);
  for (const r of ranks) {
    const m = tree.memberAt(r);
    emitPair(c, m, z.dict.get(m)!, withscores);
  }
}

// ---------------------------------------------------------------- ZSCAN

function zscan(c: Session, argv: string[]): void {
  if (!checkCursor(c, argv[2])) return;
  const z = getZset(c, argv[1], false);
  if (z === null) return;
  if (z === undefined) {
    c.w.array(2);
    c.w.bulk('0');
    c.w.emptyArray();
    return;
  }
  const opts = parseScanArgs(c, argv, 3, false);
  if (opts === null) return;
  const match = opts.match;
  const out: string[] = [];
  let cursor = '0';
  if (z.listpack) {
    // a listpack is returned whole, in order
    z.tree.each(0, z.size, false, (m, s) => {
      if (match !== null && !globMatch(match, m)) return;
      out.push(m, formatDouble(s));
    });
  } else {
    const dict = z.dict;
    cursor = c.server.scans.step(argv[2], dict, opts.count, (m) => {
      if (match !== null && !globMatch(match, m)) return;
      out.push(m, formatDouble(dict.get(m)!));
    });
  }
  c.w.array(2);
  c.w.bulk(cursor);
  c.w.array(out.length);
  for (const x of out) c.w.bulk(x);
}

// ---------------------------------------------------------------- the handlers

export const zsetCommands: HandlerMap = {
  zadd: (c, argv) => zaddGeneric(c, argv, false),
  zincrby: (c, argv) => zaddGeneric(c, argv, true),

  zrem(c, argv) {
    const key = argv[1];
    const z = getZset(c, key, true);
    if (z === null) return;
    if (z === undefined) {
      c.w.int(0);
      return;
    }
    let deleted = 0;
    let removed = false;
    for (let j = 2; j < argv.length; j++) {
      if (z.delete(argv[j])) deleted++;
      if (z.size === 0) {
        c.db.delete(key);
        removed = true;
        break;
      }
    }
    if (deleted > 0) {
      c.server.modified(c.db, key, 'zrem', deleted);
      if (removed) c.server.modified(c.db, key, 'del', 0);
    }
    c.w.int(deleted);
  },

  zcard(c, argv) {
    const z = getZset(c, argv[1], false);
    if (z === null) return;
    c.w.int(z === undefined ? 0 : z.size);
  },

  zcount(c, argv) {
    const r = parseScoreRange(c, argv[2], argv[3]);
    if (r === null) return;
    const z = getZset(c, argv[1], false);
    if (z === null) return;
    if (z === undefined) {
      c.w.int(0);
      return;
    }
    const [a, b] = scoreRanks(z, r);
    c.w.int(b - a);
  },

  zlexcount(c, argv) {
    const r = parseLexRange(c, argv[2], argv[3]);
    if (r === null) return;
    const z = getZset(c, argv[1], false);
    if (z === null) return;
    if (z === undefined) {
      c.w.int(0);
      return;
    }
    const [min, max] = r;
    const first = firstInLex(z, min, max);
    let count = 0;
    if (first >= 0) {
      if (z.listpack) count = lexRun(z, first, false, min, max, -1);
      else {
        count = z.size - first;
        const last = lastInLex(z, min, max);
        if (last >= 0) count -= z.size - (last + 1);
      }
    }
    c.w.int(count);
  },

  zscore(c, argv) {
    const z = getZset(c, argv[1], false);
    if (z === null) return;
    const s = z === undefined ? undefined : z.score(argv[2]);
    if (s === undefined) c.w.nullBulk();
    else c.w.double(s);
  },

  zmscore(c, argv) {
    const z = getZset(c, argv[1], false);
    if (z === null) return;
    c.w.array(argv.length - 2);
    for (let j = 2; j < argv.length; j++) {
      const s = z === undefined ? undefined : z.score(argv[j]);
      if (s === undefined) c.w.nullBulk();
      else c.w.double(s);
    }
  },

  zrank(c, argv) {
    const z = getZset(c, argv[1], false);
    if (z === null) return;
    const r = z === undefined ? -1 : z.rank(argv[2]);
    if (r < 0) c.w.nullBulk();
    else c.w.int(r);
  },

  zrevrank(c, argv) {
    const z = getZset(c, argv[1], false);
    if (z === null) return;
    const r = z === undefined ? -1 : z.rank(argv[2]);
    if (r < 0) c.w.nullBulk();
    else c.w.int(z!.size - 1 - r);
  },

  zrange: (c, argv) => zrangeGeneric(c, argv, 1, false, RangeType.Auto, Dir.Auto),
  zrangestore: (c, argv) => zrangeGeneric(c, argv, 2, true, RangeType.Auto, Dir.Auto),
  zrevrange: (c, argv) => zrangeGeneric(c, argv, 1, false, RangeType.Rank, Dir.Reverse),
  zrangebyscore: (c, argv) => zrangeGeneric(c, argv, 1, false, RangeType.Score, Dir.Forward),
  zrevrangebyscore: (c, argv) => zrangeGeneric(c, argv, 1, false, RangeType.Score, Dir.Reverse),
  zrangebylex: (c, argv) => zrangeGeneric(c, argv, 1, false, RangeType.Lex, Dir.Forward),
  zrevrangebylex: (c, argv) => zrangeGeneric(c, argv, 1, false, RangeType.Lex, Dir.Reverse),

  zremrangebyrank: (c, argv) => zremrangeGeneric(c, argv, RangeType.Rank),
  zremrangebyscore: (c, argv) => zremrangeGeneric(c, argv, RangeType.Score),
  zremrangebylex: (c, argv) => zremrangeGeneric(c, argv, RangeType.Lex),

  zunion: (c, argv) => zsetOpGeneric(c, argv, null, 1, SetOp.Union, false),
  zinter: (c, argv) => zsetOpGeneric(c, argv, null, 1, SetOp.Inter, false),
  zdiff: (c, argv) => zsetOpGeneric(c, argv, null, 1, SetOp.Diff, false),
  zunionstore: (c, argv) => zsetOpGeneric(c, argv, argv[1], 2, SetOp.Union, false),
  zinterstore: (c, argv) => zsetOpGeneric(c, argv, argv[1], 2, SetOp.Inter, false),
  zdiffstore: (c, argv) => zsetOpGeneric(c, argv, argv[1], 2, SetOp.Diff, false),
  zintercard: (c, argv) => zsetOpGeneric(c, argv, null, 1, SetOp.Inter, true),

  zpopmin: (c, argv) => zpopMinMax(c, argv, false),
  zpopmax: (c, argv) => zpopMinMax(c, argv, true),
  bzpopmin: (c, argv) => bzpopMinMax(c, argv, false),
  bzpopmax: (c, argv) => bzpopMinMax(c, argv, true),
  zmpop: (c, argv) => zmpopGeneric(c, argv, 1, false),
  bzmpop: (c, argv) => zmpopGeneric(c, argv, 2, true),

  zrandmember,
  zscan,
};

function zremrangeGeneric(c: Session, argv: string[], type: RangeType): void {
  const key = argv[1];
  let start = 0;
  let end = 0;
  let srange: ScoreRange | null = null;
  let lrange: [LexBound, LexBound] | null = null;
  if (type === RangeType.Rank) {
    const a = getLong(c, argv[2]);
    if (a === null) return;
    const b = getLong(c, argv[3]);
    if (b === null) return;
    start = a;
    end = b;
  } else if (type === RangeType.Score) {
    srange = parseScoreRange(c, argv[2], argv[3]);
    if (srange === null) return;
  } else {
    lrange = parseLexRange(c, argv[2], argv[3]);
    if (lrange === null) return;
  }
  const z = getZset(c, key, true);
  if (z === null) return;
  if (z === undefined) {
    c.w.int(0);
    return;
  }
  let lo: number;
  let hi: number;
  if (type === RangeType.Rank) {
    const r = rankRange(start, end, z.size);
    if (r === null) {
      c.w.int(0);
      return;
    }
    [lo, hi] = r;
  } else if (srange !== null) {
    [lo, hi] = scoreRanks(z, srange);
  } else {
    const [min, max] = lrange!;
    if (z.listpack) lo = firstInLex(z, min, max);
    else lo = z.tree.countBefore((_s, m) => !gteMin(m, min));
    hi = lo < 0 || lo >= z.size ? lo : lo + lexRun(z, lo, false, min, max, -1);
    if (lo < 0) lo = hi = 0;
  }
  const deleted = z.deleteRange(lo, hi);
  if (deleted > 0) {
    const ev = type === RangeType.Rank ? 'zremrangebyrank' : type === RangeType.Score ? 'zremrangebyscore' : 'zremrangebylex';
    c.server.modified(c.db, key, ev, deleted);
    if (deleteIfEmpty(c, key, z)) c.server.modified(c.db, key, 'del', 0);
  }
  c.w.int(deleted);
}
