/**
 * SORT and SORT_RO (sort.c) over lists, sets and sorted sets: BY patterns
 * (including a pattern without '*', which skips sorting), GET patterns with
 * '#' and hash fields ('->'), LIMIT, ASC/DESC, ALPHA and STORE.
 *
 * Pattern handling follows Redis's C-string rules: only the part of a
 * pattern before a NUL byte is searched for '*' and '->'.
 */
import type { HandlerMap, Session } from '../server/server.js';
import { ClientFlag } from '../server/client.js';
import { Err } from '../protocol/errors.js';
import { parseDouble } from '../protocol/numbers.js';
import type { Database } from '../keyspace/database.js';
import { MAX_JS_STRING, type ByteString, type Value } from '../types/object.js';
import { ListValue } from '../types/list.js';
import type { RSet } from '../types/set.js';
import type { RHash } from '../types/hash.js';
import type { ZSet } from '../types/zset.js';
import { getLongBig, is } from './args.js';

/** What SORT needs from a sorted set: its size, members in score order from a rank, and all members. */
interface ZsetSource {
  size: number;
  /** `count` members from rank `start` (from the highest score when desc). */
  range(start: number, count: number, desc: boolean): Iterable<string>;
  members(): Iterable<string>;
}

function zsetSortSource(v: Value): ZsetSource {
  const z = v as ZSet;
  // Redis converts a listpack-encoded sorted set to a skiplist for good before sorting it.
  z.listpack = false;
  return {
    size: z.size,
    range(start: number, count: number, desc: boolean): string[] {
      const out: string[] = [];
      const n = z.size;
      if (desc) z.tree.each(n - start - count, n - start, true, (m) => void out.push(m));
      else z.tree.each(start, start + count, false, (m) => void out.push(m));
      return out;
    },
    members: () => z.dict.keys(),
  };
}

interface SortItem {
  obj: string;
  score: number;
  /** ALPHA BY: the value found through the pattern (null when missing). */
  cmp: string | null;
}

/** The part of a string before its first NUL byte (what C string functions see). */
function cstr(s: string): string {
  const i = s.indexOf('\0');
  return i < 0 ? s : s.slice(0, i);
}

/**
 * lookupKeyByPattern: '#' is the element itself; otherwise the first '*' is
 * replaced by the element and the key is read (a string value, or a hash
 * field after '->'). Null when missing or of another type.
 */
function lookupByPattern(db: Database, pattern: string, subst: string): string | ByteString | null {
  if (pattern === '#' || (pattern.length > 1 && pattern.charCodeAt(0) === 35 && pattern.charCodeAt(1) === 0)) return subst;
  const visible = cstr(pattern);
  const star = visible.indexOf('*');
  if (star < 0) return null;
  const arrow = visible.indexOf('->', star + 1);
  let field: string | null = null;
  let keyEnd = pattern.length;
  if (arrow >= 0 && arrow + 2 < visible.length) {
    field = pattern.slice(arrow + 2);
    keyEnd = arrow;
  }
  const key = pattern.slice(0, star) + subst + pattern.slice(star + 1, keyEnd);
  const v = db.read(key);
  if (v === undefined) return null;
  if (field !== null) {
    if (typeof v === 'string' || v.type !== 'hash') return null;
    return (v as RHash).get(field) ?? null;
  }
  if (typeof v === 'string') return v;
  if (v.type !== 'string') return null;
  return v as ByteString;
}

/**
 * A pattern's value as the JS string SORT compares. A byte string past the
 * longest JS string is cut to its C-string part (what strtod and strcoll
 * see), and to the longest JS string beyond that.
 */
function sortString(v: string | ByteString): string {
  if (typeof v === 'string') return v;
  if (v.len <= MAX_JS_STRING) return v.toString();
  const nul = v.buf.subarray(0, v.len).indexOf(0);
  const end = nul >= 0 && nul < MAX_JS_STRING ? nul : MAX_JS_STRING;
  return v.buf.toString('latin1', 0, end);
}

/** strtod as SORT uses it: leading spaces allowed, the whole C string must be consumed, no NaN, no ERANGE. */
function sortScore(s: string): number | null {
  const t = cstr(s);
  if (t.length === 0) return 0;
  let i = 0;
  while (i < t.length) {
    const ch = t.charCodeAt(i);
    if (ch === 32 || (ch >= 9 && ch <= 13)) i++;
    else break;
  }
  if (i === t.length) return null;
  const d = parseDouble(i === 0 ? t : t.slice(i));
  // glibc's strtod flags subnormal results with ERANGE too.
  if (d !== null && d !== 0 && Math.abs(d) < 2.2250738585072014e-308) return null;
  return d;
}

/** memcmp order, then length (compareStringObjects). */
function binCmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** strcoll in the C locale: byte order of the C strings. */
function collCmp(a: string, b: string): number {
  return binCmp(cstr(a), cstr(b));
}

/**
 * Partial quicksort as Redis's pqsort (Bentley-McIlroy quicksort that only
 * recurses into partitions overlapping [lrange, rrange]). SORT uses it with
 * BY and LIMIT; reproducing it exactly keeps the order of equal elements
 * the same as Redis's.
 */
function pqsort<T>(v: T[], cmp: (a: T, b: T) => number, lrange: number, rrange: number): void {
  const swap = (i: number, j: number) => {
    const t = v[i];
    v[i] = v[j];
    v[j] = t;
  };
  const vecswap = (i: number, j: number, n: number) => {
    for (let k = 0; k < n; k++) swap(i + k, j + k);
  };
  const med3 = (a: number, b: number, c: number) =>
    cmp(v[a], v[b]) < 0
      ? cmp(v[b], v[c]) < 0 ? b : cmp(v[a], v[c]) < 0 ? c : a
      : cmp(v[b], v[c]) > 0 ? b : cmp(v[a], v[c]) < 0 ? a : c;
  const insertion = (a: number, n: number) => {
    for (let pm = a + 1; pm < a + n; pm++) for (let pl = pm; pl > a && cmp(v[pl - 1], v[pl]) > 0; pl--) swap(pl, pl - 1);
  };
  /** True when elements a..a+n-1 miss the wanted range entirely. */
  const outside = (a: number, n: number) => {
    const r = a + n - 1;
    return (lrange < a && rrange < a) || (lrange > r && rrange > r);
  };
  // Partitions waiting to be sorted (disjoint, so the order they are done in does not matter):
  // an explicit stack instead of recursion keeps hostile inputs from exhausting the call stack.
  const pending: number[] = [0, v.length];
  while (pending.length > 0) {
    const n0 = pending.pop() as number;
    const a0 = pending.pop() as number;
    sortPart(a0, n0);
  }

  function sortPart(a: number, n: number): void {
    for (;;) {
      if (n < 7) {
        insertion(a, n);
        return;
      }
      let pm = a + (n >> 1);
      if (n > 7) {
        let pl = a;
        let pn = a + n - 1;
        if (n > 40) {
          const d = n >> 3;
          pl = med3(pl, pl + d, pl + 2 * d);
          pm = med3(pm - d, pm, pm + d);
          pn = med3(pn - 2 * d, pn - d, pn);
        }
        pm = med3(pl, pm, pn);
      }
      swap(a, pm);
      let pa = a + 1;
      let pb = pa;
      let pc = a + n - 1;
      let pd = pc;
      let swapped = false;
      for (;;) {
        let r: number;
        while (pb <= pc && (r = cmp(v[pb], v[a])) <= 0) {
          if (r === 0) {
            swapped = true;
            swap(pa, pb);
            pa++;
          }
          pb++;
        }
        while (pb <= pc && (r = cmp(v[pc], v[a])) >= 0) {
          if (r === 0) {
            swapped = true;
            swap(pc, pd);
            pd--;
          }
          pc--;
        }
        if (pb > pc) break;
        swap(pb, pc);
        swapped = true;
        pb++;
        pc--;
      }
      if (!swapped) {
        insertion(a, n);
        return;
      }
      const pn = a + n;
      let r = Math.min(pa - a, pb - pa);
      vecswap(a, pb - r, r);
      r = Math.min(pd - pc, pn - pd - 1);
      vecswap(pb, pn - r, r);
      r = pb - pa;
      if (r > 1 && !outside(a, r)) pending.push(a, r);
      r = pd - pc;
      if (r <= 1) return;
      a = pn - r;
      n = r;
      if (outside(a, n)) return;
    }
  }
}

interface Options {
  desc: boolean;
  alpha: boolean;
  limitStart: bigint;
  limitCount: bigint;
  store: string | null;
  by: string | null;
  dontsort: boolean;
  gets: string[];
}

function parseOptions(c: Session, argv: string[], readonly: boolean): Options | null {
  const o: Options = { desc: false, alpha: false, limitStart: 0n, limitCount: -1n, store: null, by: null, dontsort: false, gets: [] };
  for (let j = 2; j < argv.length; j++) {
    const left = argv.length - j - 1;
    const a = argv[j];
    if (is(a, 'asc')) o.desc = false;
    else if (is(a, 'desc')) o.desc = true;
    else if (is(a, 'alpha')) o.alpha = true;
    else if (is(a, 'limit') && left >= 2) {
      const s = getLongBig(c, argv[j + 1]);
      if (s === null) return null;
      const n = getLongBig(c, argv[j + 2]);
      if (n === null) return null;
      o.limitStart = s;
      o.limitCount = n;
      j += 2;
    } else if (!readonly && is(a, 'store') && left >= 1) {
      o.store = argv[++j];
    } else if (is(a, 'by') && left >= 1) {
      o.by = argv[++j];
      o.dontsort = cstr(o.by).indexOf('*') < 0;
    } else if (is(a, 'get') && left >= 1) {
      o.gets.push(argv[++j]);
    } else {
      c.w.error(Err.syntax);
      return null;
    }
  }
  return o;
}

function sortGeneric(c: Session, argv: string[], readonly: boolean): void {
  const o = parseOptions(c, argv, readonly);
  if (o === null) return;
  const db = c.db;
  const v: Value | undefined = db.read(argv[1]);
  const type = v === undefined ? 'list' : typeof v === 'string' ? 'string' : v.type;
  if (type !== 'list' && type !== 'set' && type !== 'zset') {
    c.w.error(Err.wrongType);
    return;
  }
  let { dontsort, alpha, by } = o;
  const desc = o.desc;
  const isScript = c.has(ClientFlag.Fake) && c.addr === 'lua';
  // A set has no order of its own: stored or scripted results are sorted alphabetically.
  if (dontsort && type === 'set' && (o.store !== null || isScript)) {
    dontsort = false;
    alpha = true;
    by = null;
  }
  const list = type === 'list' ? (v as ListValue | undefined) ?? new ListValue() : null;
  const zsrc = type === 'zset' ? zsetSortSource(v!) : null;
  let vectorlen = list !== null ? list.length : type === 'set' ? (v as RSet).size : zsrc!.size;

  // LIMIT sanity checks, in exact 64-bit arithmetic.
  const len = BigInt(vectorlen);
  let startB = o.limitStart < 0n ? 0n : o.limitStart;
  let endB = o.limitCount < 0n ? len - 1n : startB + o.limitCount - 1n;
  if (startB >= len) {
    startB = len - 1n;
    endB = len - 2n;
  }
  if (endB >= len) endB = len - 1n;
  let start = Number(startB);
  let end = Number(endB);

  let items: SortItem[];
  if (type !== 'set' && dontsort && (start !== 0 || end !== vectorlen - 1)) vectorlen = end - start + 1;
  if (list !== null && dontsort) {
    items = [];
    if (end >= start) {
      const n = list.length;
      for (let k = 0; k < vectorlen; k++) {
        const idx = desc ? n - start - 1 - k : start + k;
        if (idx < 0 || idx >= n) break;
        items.push({ obj: list.get(idx), score: 0, cmp: null });
      }
      end -= start;
      start = 0;
    }
  } else if (list !== null) {
    items = new Array<SortItem>(list.length);
    for (let k = 0; k < list.length; k++) items[k] = { obj: list.get(k), score: 0, cmp: null };
  } else if (type === 'set') {
    const members = (v as RSet).ordered();
    items = new Array<SortItem>(members.length);
    for (let k = 0; k < members.length; k++) items[k] = { obj: members[k], score: 0, cmp: null };
  } else if (dontsort) {
    items = [];
    if (vectorlen > 0) for (const m of zsrc!.range(start, vectorlen, desc)) items.push({ obj: m, score: 0, cmp: null });
    end -= start;
    start = 0;
  } else {
    items = [];
    for (const m of zsrc!.members()) items.push({ obj: m, score: 0, cmp: null });
  }

  let conversionError = false;
  if (!dontsort) {
    for (const it of items) {
      let byval: string | null;
      if (by !== null) {
        const found = lookupByPattern(db, by, it.obj);
        if (found === null) continue;
        byval = sortString(found);
      } else {
        byval = it.obj;
      }
      if (alpha) {
        if (by !== null) it.cmp = byval;
      } else {
        const d = sortScore(byval);
        if (d === null) conversionError = true;
        else it.score = d;
      }
    }
    const store = o.store !== null;
    let cmp: (a: SortItem, b: SortItem) => number;
    if (!alpha) {
      cmp = (a, b) => (a.score > b.score ? 1 : a.score < b.score ? -1 : binCmp(a.obj, b.obj));
    } else if (by !== null) {
      const strCmp = store ? binCmp : collCmp;
      cmp = (a, b) => {
        if (a.cmp === null || b.cmp === null) return a.cmp === b.cmp ? 0 : a.cmp === null ? -1 : 1;
        return strCmp(a.cmp, b.cmp);
      };
    } else {
      cmp = store ? (a, b) => binCmp(a.obj, b.obj) : (a, b) => collCmp(a.obj, b.obj);
    }
    if (!conversionError) {
      const ordered = desc ? (a: SortItem, b: SortItem) => -cmp(a, b) : cmp;
      // Redis: a partial quicksort with BY and a LIMIT, else glibc's (stable, merge) qsort.
      if (by !== null && (start !== 0 || end !== vectorlen - 1)) pqsort(items, ordered, start, end);
      else items.sort(ordered);
    }
  }

  const getop = o.gets.length;
  const count = end - start + 1;
  const outputlen = getop > 0 ? getop * count : count;
  if (conversionError) {
    c.w.error("ERR One or more scores can't be converted into double");
    return;
  }
  if (o.store === null) {
    c.w.array(outputlen);
    for (let j = start; j <= end; j++) {
      const obj = items[j].obj;
      if (getop === 0) c.w.bulk(obj);
      for (const p of o.gets) {
        const val = lookupByPattern(db, p, obj);
        if (val === null) c.w.nullBulk();
        else if (typeof val === 'string') c.w.bulk(val);
        else c.w.bulkBuffer(val.buf, val.len);
      }
    }
    return;
  }
  const out = new ListValue(outputlen);
  for (let j = start; j <= end; j++) {
    const obj = items[j].obj;
    if (getop === 0) out.pushTail(obj);
    else {
      for (const p of o.gets) {
        const val = lookupByPattern(db, p, obj);
        if (val !== null && typeof val !== 'string' && val.len > MAX_JS_STRING) {
          // A list element is a JS string: a value past its longest cannot be one.
          c.w.error(Err.stringTooLong);
          return;
        }
        out.pushTail(val === null ? '' : typeof val === 'string' ? val : val.toString());
      }
    }
  }
  const storekey = o.store;
  if (outputlen > 0) {
    db.set(storekey, out);
    c.server.modified(db, storekey, 'sortstore', outputlen);
  } else if (db.delete(storekey)) {
    c.server.modified(db, storekey, 'del');
  }
  c.w.int(outputlen);
}

export const sortCommands: HandlerMap = {
  sort: (c, argv) => sortGeneric(c, argv, false),
  sort_ro: (c, argv) => sortGeneric(c, argv, true),
};
