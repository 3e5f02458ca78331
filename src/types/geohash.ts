/**
 * The geohash math of Redis's GEO commands (geohash.c, geohash_helper.c),
 * computed in the same double operations, in the same order, so that
 * scores, coordinates, distances and the cells a search visits are Redis's
 * to the last bit.
 *
 * A point's score is a 52-bit integer: 26 bits of latitude (in
 * [-85.05112878, 85.05112878]) and 26 bits of longitude, interleaved
 * (latitude in the even bits). A cell (GeoCell) keeps its latitude and
 * longitude numbers apart; either may carry the one bit above `step` that
 * the encoder gives to a coordinate at the very top of its range (C's
 * uint64 arithmetic keeps it too). Moving to a neighbour wraps around, at
 * the poles as at the antimeridian, as Redis's bit tricks do.
 *
 * Numbers wider than 32 bits are carried as two 32-bit words (hi, lo), and
 * turned into doubles with one rounding, as C converts a uint64_t.
 */
import { crAsin, crCos, crSin } from '../util/crmath.js';

export const GEO_STEP_MAX = 26;
export const GEO_LAT_MIN = -85.05112878;
export const GEO_LAT_MAX = 85.05112878;
export const GEO_LONG_MIN = -180;
export const GEO_LONG_MAX = 180;

/** Earth's quadratic mean radius for WGS-84, as Redis uses it. */
export const EARTH_RADIUS_IN_METERS = 6372797.560856;
const MERCATOR_MAX = 20037726.37;
/** M_PI / 180.0, as the C compiler folds it. */
const D_R = Math.PI / 180;

const TWO32 = 4294967296;

/** A geohash cell of `step` bits per coordinate. */
export interface GeoCell {
  lat: number;
  lon: number;
  step: number;
}

/** Scratch results of the two-word and two-coordinate helpers (one synchronous call at a time). */
const WORDS = new Uint32Array(2);
const XY = new Float64Array(2);

// ---------------------------------------------------------------- bit interleaving

/** The 16 low bits of v spread to the even bits of a 32-bit word. */
function spread16(v: number): number {
  v &= 0xffff;
  v = (v | (v << 8)) & 0x00ff00ff;
  v = (v | (v << 4)) & 0x0f0f0f0f;
  v = (v | (v << 2)) & 0x33333333;
  v = (v | (v << 1)) & 0x55555555;
  return v >>> 0;
}

/** The even bits of a 32-bit word, packed into 16 bits. */
function compact16(v: number): number {
  v &= 0x55555555;
  v = (v | (v >>> 1)) & 0x33333333;
  v = (v | (v >>> 2)) & 0x0f0f0f0f;
  v = (v | (v >>> 4)) & 0x00ff00ff;
  v = (v | (v >>> 8)) & 0x0000ffff;
  return v;
}

/** interleave64(lat, lon) (each below 2^32) into WORDS: [hi, lo]. */
function interleave(lat: number, lon: number): void {
  WORDS[1] = spread16(lat) | (spread16(lon) << 1);
  WORDS[0] = spread16(lat >>> 16) | (spread16(lon >>> 16) << 1);
}

/** A 64-bit integer as a double, rounded once (C's uint64_t to double). */
function wordsToNumber(hi: number, lo: number): number {
  return hi * TWO32 + lo;
}

/** A 64-bit integer in decimal. */
function wordsToString(hi: number, lo: number): string {
  if (hi < 0x200000) return String(hi * TWO32 + lo);
  return ((BigInt(hi) << 32n) | BigInt(lo)).toString();
}

/**
 * A double converted to uint64_t as x86-64 code compiled by gcc does it
 * (Redis's decodeGeohash casts any score): truncation toward zero, negative
 * values wrap around, values at or beyond 2^64 and +inf give 0, values at or
 * below -2^63 and -inf give 2^63. Into WORDS.
 */
function doubleToWords(d: number): void {
  if (d >= 0 && d < 9007199254740992) {
    const t = Math.floor(d);
    const hi = Math.floor(t / TWO32);
    WORDS[0] = hi;
    WORDS[1] = t - hi * TWO32;
    return;
  }
  let v: bigint;
  if (d >= 9223372036854775808) v = d < 18446744073709551616 ? BigInt(d) : 0n;
  else if (d > -9223372036854775808) v = BigInt.asUintN(64, BigInt(Math.trunc(d)));
  else v = 1n << 63n;
  WORDS[0] = Number(v >> 32n);
  WORDS[1] = Number(v & 0xffffffffn);
}

// ---------------------------------------------------------------- encoding

/**
 * geohashEncode: the cell of (longitude, latitude) at `step` bits in the
 * given ranges, or null outside them (Redis's encoder then fails).
 */
export function encode(
  longitude: number,
  latitude: number,
  step: number,
  latMin = GEO_LAT_MIN,
  latMax = GEO_LAT_MAX,
  lonMin = GEO_LONG_MIN,
  lonMax = GEO_LONG_MAX,
): GeoCell | null {
  if (longitude > GEO_LONG_MAX || longitude < GEO_LONG_MIN || latitude > GEO_LAT_MAX || latitude < GEO_LAT_MIN) return null;
  if (latitude < latMin || latitude > latMax || longitude < lonMin || longitude > lonMax) return null;
  let latOffset = (latitude - latMin) / (latMax - latMin);
  let lonOffset = (longitude - lonMin) / (lonMax - lonMin);
  const scale = 2 ** step;
  latOffset *= scale;
  lonOffset *= scale;
  return { lat: Math.floor(latOffset), lon: Math.floor(lonOffset), step };
}

/**
 * The score of a point at full precision (geohashEncodeWGS84 at step 26,
 * aligned to 52 bits), as the double ZADD stores, and the integer in
 * decimal (what Redis propagates). Null outside the valid ranges.
 */
export function encodeScore(longitude: number, latitude: number): { score: number; text: string } | null {
  const h = encode(longitude, latitude, GEO_STEP_MAX);
  if (h === null) return null;
  interleave(h.lat, h.lon);
  const hi = WORDS[0];
  const lo = WORDS[1];
  return { score: wordsToNumber(hi, lo), text: wordsToString(hi, lo) };
}

/** The [min, max) scores of the points inside a cell (scoresOfGeoHashBox), as doubles. */
export function cellScoreRange(h: GeoCell): [number, number] {
  interleave(h.lat, h.lon);
  const hi = WORDS[0];
  const lo = WORDS[1];
  const scale = 2 ** (52 - h.step * 2);
  // bits << shift never leaves 64 bits here: bits has at most 2*step+2 bits
  return [wordsToNumber(hi, lo) * scale, wordsToNumber(hi, lo + 1) * scale];
}

// ---------------------------------------------------------------- decoding

/** Latitude and longitude ranges of a cell (geohashDecode). */
export interface CellArea {
  latMin: number;
  latMax: number;
  lonMin: number;
  lonMax: number;
}

/** geohashDecode of a cell in the WGS84 ranges (latitude and longitude numbers below 2^32). */
export function cellArea(h: GeoCell): CellArea {
  const latScale = GEO_LAT_MAX - GEO_LAT_MIN;
  const lonScale = GEO_LONG_MAX - GEO_LONG_MIN;
  const div = 2 ** h.step;
  return {
    latMin: GEO_LAT_MIN + (h.lat / div) * latScale,
    latMax: GEO_LAT_MIN + (((h.lat + 1) >>> 0) / div) * latScale,
    lonMin: GEO_LONG_MIN + (h.lon / div) * lonScale,
    lonMax: GEO_LONG_MIN + (((h.lon + 1) >>> 0) / div) * lonScale,
  };
}

/** decodeGeohash: the (longitude, latitude) a score stands for, into XY (clamped as Redis clamps). */
function decodeScoreXY(score: number): void {
  doubleToWords(score);
  const hi = WORDS[0];
  const lo = WORDS[1];
  const lat = compact16(lo) + compact16(hi) * 65536;
  const lon = compact16(lo >>> 1) + compact16(hi >>> 1) * 65536;
  const latScale = GEO_LAT_MAX - GEO_LAT_MIN;
  const lonScale = GEO_LONG_MAX - GEO_LONG_MIN;
  const div = 67108864; // 2^26
  const latMin = GEO_LAT_MIN + (lat / div) * latScale;
  const latMax = GEO_LAT_MIN + (((lat + 1) >>> 0) / div) * latScale;
  const lonMin = GEO_LONG_MIN + (lon / div) * lonScale;
  const lonMax = GEO_LONG_MIN + (((lon + 1) >>> 0) / div) * lonScale;
  let x = (lonMin + lonMax) / 2;
  if (x > GEO_LONG_MAX) x = GEO_LONG_MAX;
  if (x < GEO_LONG_MIN) x = GEO_LONG_MIN;
  let y = (latMin + latMax) / 2;
  if (y > GEO_LAT_MAX) y = GEO_LAT_MAX;
  if (y < GEO_LAT_MIN) y = GEO_LAT_MIN;
  XY[0] = x;
  XY[1] = y;
}

/** The [longitude, latitude] of a score. */
export function decodeScore(score: number): [number, number] {
  decodeScoreXY(score);
  return [XY[0], XY[1]];
}

const GEOALPHABET = '0123456789bcdefghjkmnpqrstuvwxyz';

/**
 * The 11-character standard geohash of a score (GEOHASH): decoded, then
 * encoded again in the standard ranges (latitude in [-90, 90]); the last
 * character stands for bits Redis does not have and is always '0'.
 */
export function scoreToGeohash(score: number): string {
  decodeScoreXY(score);
  const h = encode(XY[0], XY[1], GEO_STEP_MAX, -90, 90, -180, 180)!;
  interleave(h.lat, h.lon);
  const hi = WORDS[0];
  const lo = WORDS[1];
  let out = '';
  for (let i = 0; i < 10; i++) {
    const shift = 52 - (i + 1) * 5; // 47 down to 2
    let idx: number;
    if (shift >= 32) idx = (hi >>> (shift - 32)) & 0x1f;
    else if (shift + 5 <= 32) idx = (lo >>> shift) & 0x1f;
    else idx = ((lo >>> shift) | (hi << (32 - shift))) & 0x1f;
    out += GEOALPHABET[idx];
  }
  return out + '0';
}

// ---------------------------------------------------------------- neighbours

/** A cell moved by dx in longitude and dy in latitude, wrapping around (geohash_move_x/y). */
function moved(h: GeoCell, dx: number, dy: number): GeoCell {
  const size = 2 ** h.step;
  let lat = h.lat;
  let lon = h.lon;
  if (dx !== 0) lon = (((lon + dx) % size) + size) % size;
  if (dy !== 0) lat = (((lat + dy) % size) + size) % size;
  return { lat, lon, step: h.step };
}

/** The 8 neighbours in Redis's search order: N, S, E, W, NE, NW, SE, SW. */
export function neighbours(h: GeoCell): GeoCell[] {
  return [moved(h, 0, 1), moved(h, 0, -1), moved(h, 1, 0), moved(h, -1, 0), moved(h, 1, 1), moved(h, -1, 1), moved(h, 1, -1), moved(h, -1, -1)];
}

// ---------------------------------------------------------------- search areas

/** A search area: a circle (radius) or an axis-aligned box (width, height), in `conversion` units to metres. */
export interface GeoShape {
  box: boolean;
  lon: number;
  lat: number;
  radius: number;
  width: number;
  height: number;
  /** Metres per unit. */
  conversion: number;
}

/** geohashEstimateStepsByRadius: the cell size (bits per coordinate) for a search of this radius. */
export function estimateSteps(rangeMeters: number, lat: number): number {
  if (rangeMeters === 0) return 26;
  let step = 1;
  while (rangeMeters < MERCATOR_MAX) {
    rangeMeters *= 2;
    step++;
  }
  step -= 2;
  if (lat > 66 || lat < -66) {
    step--;
    if (lat > 80 || lat < -80) step--;
  }
  if (step < 1) step = 1;
  if (step > 26) step = 26;
  return step;
}

/** geohashBoundingBox: [min lon, min lat, max lon, max lat] of the shape. */
export function boundingBox(s: GeoShape): [number, number, number, number] {
  const height = s.conversion * (s.box ? s.height / 2 : s.radius);
  const width = s.conversion * (s.box ? s.width / 2 : s.radius);
  const latDelta = height / EARTH_RADIUS_IN_METERS / D_R;
  const lonDeltaTop = width / EARTH_RADIUS_IN_METERS / crCos((s.lat + latDelta) * D_R) / D_R;
  const lonDeltaBottom = width / EARTH_RADIUS_IN_METERS / crCos((s.lat - latDelta) * D_R) / D_R;
  const south = s.lat < 0;
  return [
    south ? s.lon - lonDeltaBottom : s.lon - lonDeltaTop,
    s.lat - latDelta,
    south ? s.lon + lonDeltaBottom : s.lon + lonDeltaTop,
    s.lat + latDelta,
  ];
}

/**
 * geohashCalculateAreasByShapeWGS84: the nine cells to search, in Redis's
 * order (the centre, then N, S, E, W, NE, NW, SE, SW); null for a
 * neighbour left out because the shape cannot reach into it.
 */
export function searchCells(s: GeoShape): (GeoCell | null)[] {
  const [minLon, minLat, maxLon, maxLat] = boundingBox(s);
  let radiusMeters = s.box ? Math.sqrt((s.width / 2) * (s.width / 2) + (s.height / 2) * (s.height / 2)) : s.radius;
  radiusMeters *= s.conversion;
  let steps = estimateSteps(radiusMeters, s.lat);
  let hash = encode(s.lon, s.lat, steps)!;
  let nb = neighbours(hash);
  let area = cellArea(hash);
  // is the cell size small enough at the edges of the covered area?
  let decrease = false;
  if (cellArea(nb[0]).latMax < maxLat) decrease = true;
  if (cellArea(nb[1]).latMin > minLat) decrease = true;
  if (cellArea(nb[2]).lonMax < maxLon) decrease = true;
  if (cellArea(nb[3]).lonMin > minLon) decrease = true;
  if (steps > 1 && decrease) {
    steps--;
    hash = encode(s.lon, s.lat, steps)!;
    nb = neighbours(hash);
    area = cellArea(hash);
  }
  const cells: (GeoCell | null)[] = [hash, ...nb];
  // leave out the neighbours the shape cannot reach
  if (steps >= 2) {
    const N = 1, S = 2, E = 3, W = 4, NE = 5, NW = 6, SE = 7, SW = 8;
    if (area.latMin < minLat) cells[S] = cells[SW] = cells[SE] = null;
    if (area.latMax > maxLat) cells[N] = cells[NE] = cells[NW] = null;
    if (area.lonMin < minLon) cells[W] = cells[SW] = cells[NW] = null;
    if (area.lonMax > maxLon) cells[E] = cells[SE] = cells[NE] = null;
  }
  return cells;
}

// ---------------------------------------------------------------- distances

/** geohashGetLatDistance: metres between two latitudes along a meridian. */
export function latDistance(lat1d: number, lat2d: number): number {
  return EARTH_RADIUS_IN_METERS * Math.abs(lat2d * D_R - lat1d * D_R);
}

/** geohashGetDistance: haversine distance in metres. */
export function distance(lon1d: number, lat1d: number, lon2d: number, lat2d: number): number {
  const lon1r = lon1d * D_R;
  const lon2r = lon2d * D_R;
  const v = crSin((lon2r - lon1r) / 2);
  if (v === 0) return latDistance(lat1d, lat2d);
  const lat1r = lat1d * D_R;
  const lat2r = lat2d * D_R;
  const u = crSin((lat2r - lat1r) / 2);
  const a = u * u + crCos(lat1r) * crCos(lat2r) * v * v;
  return 2.0 * EARTH_RADIUS_IN_METERS * crAsin(Math.sqrt(a));
}

/** Relative margin within which the quick estimates below defer to the exact computation. */
const QUICK_MARGIN = 1e-9;

/**
 * The haversine distance computed with Math's sin, cos and asin (within an
 * ulp or so of the correctly rounded ones): a quick estimate that decides
 * whether a point is in or out when it is clearly so. NaN near the
 * antipode, where asin magnifies every error.
 */
function quickDistance(dLon2: number, dLat2: number, cosLat1: number, lat2r: number): number {
  const v = Math.sin(dLon2);
  const u = Math.sin(dLat2);
  const a = u * u + cosLat1 * Math.cos(lat2r) * v * v;
  return a < 0.9 ? 2.0 * EARTH_RADIUS_IN_METERS * Math.asin(Math.sqrt(a)) : NaN;
}

/**
 * geoWithinShape for the points of one search: a function from a point's
 * score to its distance from the shape's centre when the point lies within
 * the shape, else -1. The decoded point is left for lastPoint().
 *
 * The results are Redis's computation (with correctly rounded sin, cos and
 * asin), reached by shortcuts that cannot change them: cos of the centre's
 * latitude is taken once; a circle rejects at once a point whose latitude
 * alone puts it beyond the radius (the haversine of a latitude difference
 * is never below its meridian arc, computed from the same rounded radians);
 * and a point is rejected (or a box's width check passed) on a quick
 * estimate with Math's functions when it is farther from the limit than
 * the estimate's error could be.
 */
export function pointMatcher(s: GeoShape): (score: number) => number {
  const lon1r = s.lon * D_R;
  const lat1r = s.lat * D_R;
  const cos1 = crCos(lat1r);
  const cos1Quick = Math.cos(lat1r);
  if (!s.box) {
    const radius = s.radius * s.conversion;
    const latLimit = radius * (1 + 1e-12);
    const farLimit = radius * (1 + QUICK_MARGIN);
    return (score) => {
      decodeScoreXY(score);
      const lat2r = XY[1] * D_R;
      const dLat = lat2r - lat1r;
      if (EARTH_RADIUS_IN_METERS * Math.abs(dLat) > latLimit) return -1;
      const dLon2 = (XY[0] * D_R - lon1r) / 2;
      if (quickDistance(dLon2, dLat / 2, cos1Quick, lat2r) > farLimit) return -1;
      const v = crSin(dLon2);
      let d: number;
      if (v === 0) d = latDistance(s.lat, XY[1]);
      else {
        const u = crSin(dLat / 2);
        const a = u * u + cos1 * crCos(lat2r) * v * v;
        d = 2.0 * EARTH_RADIUS_IN_METERS * crAsin(Math.sqrt(a));
      }
      return d > radius ? -1 : d;
    };
  }
  const halfWidth = (s.width * s.conversion) / 2;
  const halfHeight = (s.height * s.conversion) / 2;
  const farWidth = halfWidth * (1 + QUICK_MARGIN);
  const nearWidth = halfWidth * (1 - QUICK_MARGIN);
  return (score) => {
    decodeScoreXY(score);
    const x = XY[0];
    const y = XY[1];
    if (latDistance(y, s.lat) > halfHeight) return -1;
    const lat2r = y * D_R;
    // the distance along the point's parallel: geohashGetDistance(x, y, centre longitude, y)
    const dLon2 = (lon1r - x * D_R) / 2;
    const quick = quickDistance(dLon2, 0, Math.cos(lat2r), lat2r);
    if (quick > farWidth) return -1;
    if (!(quick < nearWidth)) {
      const v = crSin(dLon2);
      if (v !== 0) {
        const c = crCos(lat2r);
        const u = crSin(0);
        if (2.0 * EARTH_RADIUS_IN_METERS * crAsin(Math.sqrt(u * u + c * c * v * v)) > halfWidth) return -1;
      }
    }
    const w = crSin((x * D_R - lon1r) / 2);
    if (w === 0) return latDistance(s.lat, y);
    const u = crSin((lat2r - lat1r) / 2);
    const a = u * u + cos1 * crCos(lat2r) * w * w;
    return 2.0 * EARTH_RADIUS_IN_METERS * crAsin(Math.sqrt(a));
  };
}

/** The decoded coordinates of the point a pointMatcher last looked at. */
export function lastPoint(): [number, number] {
  return [XY[0], XY[1]];
}
