/**
 * Geospatial commands (geo.c): GEOADD, GEOPOS, GEODIST, GEOHASH, GEOSEARCH,
 * GEOSEARCHSTORE and the GEORADIUS family. A GEO key is a sorted set whose
 * scores are 52-bit geohashes (src/types/geohash.ts).
 *
 * Redis 7.0 details kept here: GEOADD runs ZADD on its arguments rewritten
 * with the scores (and is propagated in that form, command name in lower
 * case); a search collects the points of the nine cells in Redis's order
 * (that is the order of a reply without ASC/DESC, and what COUNT ANY stops
 * in), sorts them with a stable sort, or with Redis's partial quicksort
 * when COUNT keeps fewer than were found (which fixes the order of equal
 * distances); arguments are parsed and checked in Redis's order (a missing
 * source key skips some checks); coordinates are printed with "%.17Lf"
 * (trailing zeros removed), distances with four decimals.
 */
import type { HandlerMap, Session } from '../server/server.js';
import { Err } from '../protocol/errors.js';
import { formatFixed, formatFixedPoint, formatHumanDouble, parseDouble, parseLL } from '../protocol/numbers.js';
import type { ZSet } from '../types/zset.js';
import {
  decodeScore,
  distance,
  encodeScore,
  GEO_LAT_MAX,
  GEO_LAT_MIN,
  GEO_LONG_MAX,
  GEO_LONG_MIN,
  lastPoint,
  pointMatcher,
  scoreToGeohash,
  searchCells,
  cellScoreRange,
  type GeoCell,
  type GeoShape,
} from '../types/geohash.js';
import { is } from './args.js';
import { getZset, storeZset, zaddGeneric } from './zsets.js';

// ---------------------------------------------------------------- replies

/** addReplyHumanLongDouble: a bulk string in RESP2, a double in RESP3. */
function replyHuman(c: Session, x: number): void {
  const s = formatHumanDouble(x);
  if (c.w.resp === 3) c.w.raw(',' + s + '\r\n');
  else c.w.bulk(s);
}

// ---------------------------------------------------------------- arguments

/** extractLongLatOrReply: longitude and latitude from argv[i], argv[i+1]. */
function longLatArgs(c: Session, argv: string[], i: number): [number, number] | null {
  const lon = parseDouble(argv[i]);
  if (lon === null) {
    c.w.error(Err.notFloat);
    return null;
  }
  const lat = parseDouble(argv[i + 1]);
  if (lat === null) {
    c.w.error(Err.notFloat);
    return null;
  }
  if (lon < GEO_LONG_MIN || lon > GEO_LONG_MAX || lat < GEO_LAT_MIN || lat > GEO_LAT_MAX) {
    c.w.error(`ERR invalid longitude,latitude pair ${formatFixed(lon, 6)},${formatFixed(lat, 6)}`);
    return null;
  }
  return [lon, lat];
}

/** extractUnitOrReply: metres per unit, or -1 after the error. */
function unitArg(c: Session, u: string): number {
  if (is(u, 'm')) return 1;
  if (is(u, 'km')) return 1000;
  if (is(u, 'ft')) return 0.3048;
  if (is(u, 'mi')) return 1609.34;
  c.w.error('ERR unsupported unit provided. please use M, KM, FT, MI');
  return -1;
}

/** extractDistanceOrReply: radius and unit from argv[i], argv[i+1] into the shape. */
function radiusArgs(c: Session, argv: string[], i: number, shape: GeoShape): boolean {
  const r = parseDouble(argv[i]);
  if (r === null) {
    c.w.error('ERR need numeric radius');
    return false;
  }
  if (r < 0) {
    c.w.error('ERR radius cannot be negative');
    return false;
  }
  shape.radius = r;
  const conv = unitArg(c, argv[i + 1]);
  if (conv < 0) return false;
  shape.conversion = conv;
  return true;
}

/** extractBoxOrReply: width, height and unit from argv[i..i+2] into the shape. */
function boxArgs(c: Session, argv: string[], i: number, shape: GeoShape): boolean {
  const w = parseDouble(argv[i]);
  if (w === null) {
    c.w.error('ERR need numeric width');
    return false;
  }
  const h = parseDouble(argv[i + 1]);
  if (h === null) {
    c.w.error('ERR need numeric height');
    return false;
  }
  if (h < 0 || w < 0) {
    c.w.error('ERR height or width cannot be negative');
    return false;
  }
  shape.width = w;
  shape.height = h;
  const conv = unitArg(c, argv[i + 2]);
  if (conv < 0) return false;
  shape.conversion = conv;
  return true;
}

/** The coordinates of a member into the shape's centre (false when the member is missing). */
function centreOfMember(z: ZSet, member: string, shape: GeoShape): boolean {
  const score = z.score(member);
  if (score === undefined) return false;
  [shape.lon, shape.lat] = decodeScore(score);
  return true;
}

// ---------------------------------------------------------------- search

interface GeoPoint {
  lon: number;
  lat: number;
  dist: number;
  score: number;
  member: string;
}

/**
 * Appends the points of a cell that lie within the shape, in score order
 * (geoGetPointsInRange); stops once `limit` points are held (0: no limit).
 */
function pointsOfCell(z: ZSet, cell: GeoCell, within: (score: number) => number, out: GeoPoint[], limit: number): void {
  const [min, max] = cellScoreRange(cell);
  const t = z.tree;
  const size = z.size;
  let rank = t.countBefore((s) => s < min);
  if (rank >= size) return;
  t.seekRank(rank);
  for (;;) {
    const s = t.curScore;
    if (s >= max) return;
    const d = within(s);
    if (d >= 0) {
      const [lon, lat] = lastPoint();
      out.push({ lon, lat, dist: d, score: s, member: t.curMember });
    }
    if (limit !== 0 && out.length >= limit) return;
    if (++rank === size) return;
    t.step();
  }
}

/** membersOfAllNeighbors: the points of the nine cells, skipping a cell equal to the one searched just before. */
function pointsOfCells(z: ZSet, cells: (GeoCell | null)[], shape: GeoShape, limit: number): GeoPoint[] {
  const out: GeoPoint[] = [];
  const within = pointMatcher(shape);
  let last = 0;
  for (let i = 0; i < cells.length; i++) {
    const cell = cells[i];
    if (cell === null) continue;
    if (last !== 0) {
      const p = cells[last]!;
      if (cell.lat === p.lat && cell.lon === p.lon && cell.step === p.step) continue;
    }
    if (out.length > 0 && limit !== 0 && out.length >= limit) break;
    pointsOfCell(z, cell, within, out, limit);
    last = i;
  }
  return out;
}

type Cmp = (a: GeoPoint, b: GeoPoint) => number;

const byDistAsc: Cmp = (a, b) => (a.dist > b.dist ? 1 : a.dist === b.dist ? 0 : -1);
const byDistDesc: Cmp = (a, b) => -byDistAsc(a, b);

function swap(a: GeoPoint[], i: number, j: number): void {
  const t = a[i];
  a[i] = a[j];
  a[j] = t;
}

function med3(a: GeoPoint[], i: number, j: number, k: number, cmp: Cmp): number {
  return cmp(a[i], a[j]) < 0
    ? cmp(a[j], a[k]) < 0
      ? j
      : cmp(a[i], a[k]) < 0
        ? k
        : i
    : cmp(a[j], a[k]) > 0
      ? j
      : cmp(a[i], a[k]) < 0
        ? i
        : k;
}

/**
 * Redis's pqsort (Bentley and McIlroy's quicksort that only recurses into
 * parts overlapping positions [lo, hi]) over a[base, base + n): the same
 * comparisons and swaps, so that equal distances come out in Redis's order.
 */
function partialSort(a: GeoPoint[], base: number, n: number, cmp: Cmp, lo: number, hi: number): void {
  for (;;) {
    if (n < 7) {
      for (let pm = base + 1; pm < base + n; pm++) {
        for (let pl = pm; pl > base && cmp(a[pl - 1], a[pl]) > 0; pl--) swap(a, pl, pl - 1);
      }
      return;
    }
    let pm = base + Math.floor(n / 2);
    if (n > 7) {
      let pl = base;
      let pn = base + n - 1;
      if (n > 40) {
        const d = Math.floor(n / 8);
        pl = med3(a, pl, pl + d, pl + 2 * d, cmp);
        pm = med3(a, pm - d, pm, pm + d, cmp);
        pn = med3(a, pn - 2 * d, pn - d, pn, cmp);
      }
      pm = med3(a, pl, pm, pn, cmp);
    }
    swap(a, base, pm);
    let pa = base + 1;
    let pb = pa;
    let pc = base + n - 1;
    let pd = pc;
    for (;;) {
      let r: number;
      while (pb <= pc && (r = cmp(a[pb], a[base])) <= 0) {
        if (r === 0) swap(a, pa++, pb);
        pb++;
      }
      while (pb <= pc && (r = cmp(a[pc], a[base])) >= 0) {
        if (r === 0) swap(a, pc, pd--);
        pc--;
      }
      if (pb > pc) break;
      swap(a, pb++, pc--);
    }
    const pn = base + n;
    let r = Math.min(pa - base, pb - pa);
    for (let i = 0; i < r; i++) swap(a, base + i, pb - r + i);
    r = Math.min(pd - pc, pn - pd - 1);
    for (let i = 0; i < r; i++) swap(a, pb + i, pn - r + i);
    const outside = (s: number, e: number) => (lo < s && hi < s) || (lo > e && hi > e);
    if ((r = pb - pa) > 1 && !outside(base, base + r - 1)) partialSort(a, base, r, cmp, lo, hi);
    if ((r = pd - pc) > 1) {
      base = pn - r;
      n = r;
      if (!outside(base, base + r - 1)) continue;
    }
    return;
  }
}

const enum Flag {
  /** GEORADIUS: the centre from longitude and latitude. */
  Coords = 1,
  /** GEORADIUSBYMEMBER: the centre at a member. */
  Member = 2,
  /** The _RO forms: no STORE or STOREDIST. */
  NoStore = 4,
  /** GEOSEARCH's arguments. */
  Search = 8,
  /** GEOSEARCHSTORE: the destination first, STOREDIST without a key. */
  SearchStore = 16,
}

const enum Sort {
  None,
  Asc,
  Desc,
}

/** georadiusGeneric: every search command; argv[srcIdx] is the source key. */
function searchGeneric(c: Session, argv: string[], srcIdx: number, flags: number): void {
  let storekey: string | null = null;
  let storedist = false;
  const z = getZset(c, argv[srcIdx], false);
  if (z === null) return;
  const shape: GeoShape = { box: false, lon: 0, lat: 0, radius: 0, width: 0, height: 0, conversion: 0 };
  let base: number;
  if (flags & Flag.Coords) {
    base = 6;
    const xy = longLatArgs(c, argv, 2);
    if (xy === null) return;
    [shape.lon, shape.lat] = xy;
    if (!radiusArgs(c, argv, base - 2, shape)) return;
  } else if (flags & Flag.Member) {
    base = 5;
    // without a source key the rest is parsed only to pick the reply
    if (z !== undefined) {
      if (!centreOfMember(z, argv[2], shape)) {
        c.w.error('ERR could not decode requested zset member');
        return;
      }
      if (!radiusArgs(c, argv, base - 2, shape)) return;
    }
  } else {
    base = 2;
    if (flags & Flag.SearchStore) {
      base = 3;
      storekey = argv[1];
    }
  }

  let withdist = false;
  let withhash = false;
  let withcoords = false;
  let frommember = false;
  let fromloc = false;
  let byradius = false;
  let bybox = false;
  let sort = Sort.None;
  let any = false;
  let count = 0;
  const search = (flags & Flag.Search) !== 0;
  const storeAllowed = (flags & (Flag.NoStore | Flag.Search)) === 0;
  const remaining = argv.length - base;
  for (let i = 0; i < remaining; i++) {
    const arg = argv[base + i];
    if (is(arg, 'withdist')) withdist = true;
    else if (is(arg, 'withhash')) withhash = true;
    else if (is(arg, 'withcoord')) withcoords = true;
    else if (is(arg, 'any')) any = true;
    else if (is(arg, 'asc')) sort = Sort.Asc;
    else if (is(arg, 'desc')) sort = Sort.Desc;
    else if (is(arg, 'count') && i + 1 < remaining) {
      const n = parseLL(argv[base + i + 1]);
      if (n === null) {
        c.w.error(Err.notInteger);
        return;
      }
      if (n <= 0) {
        c.w.error('ERR COUNT must be > 0');
        return;
      }
      count = n;
      i++;
    } else if (is(arg, 'store') && i + 1 < remaining && storeAllowed) {
      storekey = argv[base + i + 1];
      storedist = false;
      i++;
    } else if (is(arg, 'storedist') && i + 1 < remaining && storeAllowed) {
      storekey = argv[base + i + 1];
      storedist = true;
      i++;
    } else if (is(arg, 'storedist') && search && (flags & Flag.SearchStore) !== 0) {
      storedist = true;
    } else if (is(arg, 'frommember') && i + 1 < remaining && search && !fromloc) {
      // without a source key the member is not looked up: the reply is empty anyway
      if (z !== undefined && !centreOfMember(z, argv[base + i + 1], shape)) {
        c.w.error('ERR could not decode requested zset member');
        return;
      }
      frommember = true;
      i++;
    } else if (is(arg, 'fromlonlat') && i + 2 < remaining && search && !frommember) {
      const xy = longLatArgs(c, argv, base + i + 1);
      if (xy === null) return;
      [shape.lon, shape.lat] = xy;
      fromloc = true;
      i += 2;
    } else if (is(arg, 'byradius') && i + 2 < remaining && search && !bybox) {
      if (!radiusArgs(c, argv, base + i + 1, shape)) return;
      shape.box = false;
      byradius = true;
      i += 2;
    } else if (is(arg, 'bybox') && i + 3 < remaining && search && !byradius) {
      if (!boxArgs(c, argv, base + i + 1, shape)) return;
      shape.box = true;
      bybox = true;
      i += 3;
    } else {
      c.w.error(Err.syntax);
      return;
    }
  }

  if (storekey !== null && (withdist || withhash || withcoords)) {
    const what = flags & Flag.SearchStore ? 'GEOSEARCHSTORE' : 'STORE option in GEORADIUS';
    c.w.error(`ERR ${what} is not compatible with WITHDIST, WITHHASH and WITHCOORD options`);
    return;
  }
  if (search && !(frommember || fromloc)) {
    c.w.error(`ERR exactly one of FROMMEMBER or FROMLONLAT can be specified for ${argv[0]}`);
    return;
  }
  if (search && !(byradius || bybox)) {
    c.w.error(`ERR exactly one of BYRADIUS and BYBOX can be specified for ${argv[0]}`);
    return;
  }
  if (any && count === 0) {
    c.w.error('ERR the ANY argument requires COUNT argument');
    return;
  }

  if (z === undefined) {
    if (storekey !== null) {
      c.w.int(0);
      if (c.db.delete(storekey)) c.server.modified(c.db, storekey, 'del');
    } else c.w.emptyArray();
    return;
  }

  // COUNT without ANY returns the nearest: sort when no order was asked
  if (count !== 0 && sort === Sort.None && !any) sort = Sort.Asc;

  const points = pointsOfCells(z, searchCells(shape), shape, any ? count : 0);
  if (points.length === 0 && storekey === null) {
    c.w.emptyArray();
    return;
  }
  const found = points.length;
  const returned = count === 0 || found < count ? found : count;
  if (sort !== Sort.None) {
    const cmp = sort === Sort.Asc ? byDistAsc : byDistDesc;
    // glibc's qsort is a stable merge sort, as Array.prototype.sort
    if (returned === found) points.sort(cmp);
    else partialSort(points, 0, found, cmp, 0, returned - 1);
  }

  if (storekey === null) {
    const options = (withdist ? 1 : 0) + (withcoords ? 1 : 0) + (withhash ? 1 : 0);
    const w = c.w;
    w.array(returned);
    for (let i = 0; i < returned; i++) {
      const p = points[i];
      if (options !== 0) w.array(options + 1);
      w.bulk(p.member);
      if (withdist) w.bulk(formatFixedPoint(p.dist / shape.conversion, 4));
      if (withhash) w.int(Math.trunc(p.score));
      if (withcoords) {
        w.array(2);
        replyHuman(c, p.lon);
        replyHuman(c, p.lat);
      }
    }
    return;
  }
  const members: string[] = new Array(returned);
  const scores: number[] = new Array(returned);
  for (let i = 0; i < returned; i++) {
    const p = points[i];
    members[i] = p.member;
    scores[i] = storedist ? p.dist / shape.conversion : p.score;
  }
  storeZset(c, storekey, members, scores, search ? 'geosearchstore' : 'georadiusstore', returned);
}

// ---------------------------------------------------------------- commands

export const geoCommands: HandlerMap = {
  geoadd(c, argv) {
    let nx = false;
    let xx = false;
    let longidx = 2;
    while (longidx < argv.length) {
      const o = argv[longidx];
      if (is(o, 'nx')) nx = true;
      else if (is(o, 'xx')) xx = true;
      else if (!is(o, 'ch')) break;
      longidx++;
    }
    if ((argv.length - longidx) % 3 !== 0 || (xx && nx)) {
      c.w.error(Err.syntax);
      return;
    }
    // ZADD key [options] score member ..., the score being the geohash
    const zargv = ['zadd'];
    for (let i = 1; i < longidx; i++) zargv.push(argv[i]);
    const scores: number[] = [];
    for (let i = longidx; i < argv.length; i += 3) {
      const xy = longLatArgs(c, argv, i);
      if (xy === null) return;
      const e = encodeScore(xy[0], xy[1])!;
      zargv.push(e.text, argv[i + 2]);
      scores.push(e.score);
    }
    c.propagateAs(zargv);
    zaddGeneric(c, zargv, false, scores);
  },

  geopos(c, argv) {
    const z = getZset(c, argv[1], false);
    if (z === null) return;
    c.w.array(argv.length - 2);
    for (let j = 2; j < argv.length; j++) {
      const s = z === undefined ? undefined : z.score(argv[j]);
      if (s === undefined) {
        c.w.nullArray();
        continue;
      }
      const [x, y] = decodeScore(s);
      c.w.array(2);
      replyHuman(c, x);
      replyHuman(c, y);
    }
  },

  geodist(c, argv) {
    let toMeter = 1;
    if (argv.length === 5) {
      toMeter = unitArg(c, argv[4]);
      if (toMeter < 0) return;
    } else if (argv.length > 5) {
      c.w.error(Err.syntax);
      return;
    }
    const z = getZset(c, argv[1], false);
    if (z === null) return;
    const s1 = z === undefined ? undefined : z.score(argv[2]);
    const s2 = z === undefined || s1 === undefined ? undefined : z.score(argv[3]);
    if (s1 === undefined || s2 === undefined) {
      c.w.nullBulk();
      return;
    }
    const [x1, y1] = decodeScore(s1);
    const [x2, y2] = decodeScore(s2);
    c.w.bulk(formatFixedPoint(distance(x1, y1, x2, y2) / toMeter, 4));
  },

  geohash(c, argv) {
    const z = getZset(c, argv[1], false);
    if (z === null) return;
    c.w.array(argv.length - 2);
    for (let j = 2; j < argv.length; j++) {
      const s = z === undefined ? undefined : z.score(argv[j]);
      if (s === undefined) c.w.nullBulk();
      else c.w.bulk(scoreToGeohash(s));
    }
  },

  georadius: (c, argv) => searchGeneric(c, argv, 1, Flag.Coords),
  georadiusbymember: (c, argv) => searchGeneric(c, argv, 1, Flag.Member),
  georadius_ro: (c, argv) => searchGeneric(c, argv, 1, Flag.Coords | Flag.NoStore),
  georadiusbymember_ro: (c, argv) => searchGeneric(c, argv, 1, Flag.Member | Flag.NoStore),
  geosearch: (c, argv) => searchGeneric(c, argv, 1, Flag.Search),
  geosearchstore: (c, argv) => searchGeneric(c, argv, 2, Flag.Search | Flag.SearchStore),
};
