/**
 * Correctly rounded sin, cos and asin.
 *
 * V8's Math.sin/cos/asin (a port of fdlibm) and the C library Redis links
 * (glibc) both stay within one ulp of the exact result, but they disagree
 * in the last bit for a few percent of arguments, which shows in every
 * digit that Redis prints with "%.17g" (GEOSEARCHSTORE ... STOREDIST
 * scores). glibc's results are the correctly rounded ones for all but about
 * one argument in a thousand, so these functions compute the exact value to
 * about 2^-70 relative (double-double arithmetic) and round it once.
 *
 * Domain: sin and cos are exact for |x| up to 1e5 (Math.sin/Math.cos
 * beyond, where Redis's geo code never looks); asin for every argument.
 */

// ---------------------------------------------------------------- error-free transformations

// Results of the two-output helpers (one synchronous call at a time), in a
// typed array: doubles stored in module variables would be boxed per store.
const OUT = new Float64Array(2);

const SPLITTER = 134217729; // 2^27 + 1

/** a + b = OUT[0] + OUT[1] exactly. */
function twoSum(a: number, b: number): void {
  const s = a + b;
  const bb = s - a;
  OUT[1] = a - (s - bb) + (b - bb);
  OUT[0] = s;
}

/** a * b = OUT[0] + OUT[1] exactly (Dekker's product: no fused multiply-add in JS). */
function twoProd(a: number, b: number): void {
  const p = a * b;
  let t = SPLITTER * a;
  const ah = t - (t - a);
  const al = a - ah;
  t = SPLITTER * b;
  const bh = t - (t - b);
  const bl = b - bh;
  OUT[1] = ah * bh - p + ah * bl + al * bh + al * bl;
  OUT[0] = p;
}

// ---------------------------------------------------------------- pi/2 in three parts

const PIO2_1 = 1.5707963267948966;
const PIO2_2 = 6.123233995736766e-17;
const PIO2_3 = -1.4973849048591698e-33;
const INV_PIO2 = 0.6366197723675814;

// ---------------------------------------------------------------- sin and cos of k/256 (double-double)

const STEPS = 256;
const TABLE_LEN = 204; // k/256 up to a little past pi/4
let sinHi: Float64Array | null = null;
let sinLo: Float64Array | null = null;
let cosHi: Float64Array | null = null;
let cosLo: Float64Array | null = null;

/** Taylor series in double-double: first term (f0 = x or 1), then term *= -x^2/((n+1)(n+2)). */
function seriesDD(x2: number, first: number, n0: number): void {
  let th = first;
  let tl = 0;
  let sh = first;
  let sl = 0;
  for (let n = n0; Math.abs(th) > 1e-40; n += 2) {
    // term *= -x2 / ((n+1)(n+2)), in double-double
    twoProd(th, -x2);
    let ph = OUT[0];
    let pl = OUT[1] + tl * -x2;
    twoSum(ph, pl);
    ph = OUT[0];
    pl = OUT[1];
    const d = (n + 1) * (n + 2);
    const q1 = ph / d;
    twoProd(q1, d);
    const q2 = (ph - OUT[0] - OUT[1] + pl) / d;
    twoSum(q1, q2);
    th = OUT[0];
    tl = OUT[1];
    // sum += term
    twoSum(sh, th);
    const e = OUT[1] + sl + tl;
    twoSum(OUT[0], e);
    sh = OUT[0];
    sl = OUT[1];
  }
  OUT[0] = sh;
  OUT[1] = sl;
}

function buildTable(): void {
  sinHi = new Float64Array(TABLE_LEN);
  sinLo = new Float64Array(TABLE_LEN);
  cosHi = new Float64Array(TABLE_LEN);
  cosLo = new Float64Array(TABLE_LEN);
  for (let k = 0; k < TABLE_LEN; k++) {
    const x = k / STEPS;
    const x2 = x * x; // exact: k^2 < 2^16
    seriesDD(x2, x, 1);
    sinHi[k] = OUT[0];
    sinLo[k] = OUT[1];
    seriesDD(x2, 1, 0);
    cosHi[k] = OUT[0];
    cosLo[k] = OUT[1];
  }
}

// ---------------------------------------------------------------- the core

/**
 * sin (or cos) of r = rh + rl, |r| <= pi/4 + a little, minus `off`, to
 * about 2^-70 relative: the nearest k/256 from the table, and short series
 * for the rest t (|t| <= 1/512). `off` is 0, or a value so close to the
 * result that subtracting it is exact (asin's Newton step). The error-free
 * sums and products are written out: this is the hot path of every
 * distance.
 */
function reduced(rh: number, rl: number, cos: boolean, off: number): number {
  if (sinHi === null) buildTable();
  const k = Math.round(rh * STEPS);
  const ak = k < 0 ? -k : k;
  // t = th + tl = r - k/256 (rh - k/256 is exact: Sterbenz)
  const a = rh - k / STEPS;
  const th = a + rl;
  const bb = th - a;
  const tl = a - (th - bb) + (rl - bb);
  let sh = sinHi![ak];
  let sl = sinLo![ak];
  if (k < 0) {
    sh = -sh;
    sl = -sl;
  }
  const ch = cosHi![ak];
  const cl = cosLo![ak];
  const t2 = th * th;
  const cm1 = t2 * (-0.5 + t2 * (1 / 24 - t2 * (1 / 720))); // cos t - 1
  const smt = th * t2 * (-1 / 6 + t2 * (1 / 120 - t2 * (1 / 5040))); // sin t - t
  // the exact product m * th (m = C for sin, S for cos)
  const m = cos ? sh : ch;
  const ph = m * th;
  let u = SPLITTER * m;
  const mh = u - (u - m);
  const ml = m - mh;
  u = SPLITTER * th;
  const tth = u - (u - th);
  const ttl = th - tth;
  const pe = mh * tth - ph + mh * ttl + ml * tth + ml * ttl;
  if (!cos) {
    // sin(a + t) = S + C t + S (cos t - 1) + C (sin t - t)
    const pl = pe + ch * tl + cl * th;
    const h = sh + ph;
    const b2 = h - sh;
    const e = sh - (h - b2) + (ph - b2);
    return h - off + (e + pl + sl + (sh * cm1 + ch * smt));
  }
  // cos(a + t) = C - S t + C (cos t - 1) - S (sin t - t)
  const pl = pe + sh * tl + sl * th;
  const h = ch - ph;
  const b2 = h - ch;
  const e = ch - (h - b2) + (-ph - b2);
  return h - off + (e - pl + cl + (ch * cm1 - sh * smt));
}

/** Correctly rounded sin(x) (cos(x) when `cos`), for |x| <= 1e5. */
function sinCos(x: number, cos: boolean): number {
  const ax = x < 0 ? -x : x;
  const n = Math.round(ax * INV_PIO2);
  if (n === 0) {
    const v = reduced(ax, 0, cos, 0);
    return !cos && x < 0 ? -v : v;
  }
  // r = ax - n pi/2 in double-double; ax - n*PIO2_1 is exact (Sterbenz)
  twoProd(n, PIO2_1);
  const s = ax - OUT[0];
  const p1l = OUT[1];
  twoSum(s, -p1l);
  let t = OUT[0];
  let e = OUT[1];
  twoProd(n, PIO2_2);
  const q2l = OUT[1];
  twoSum(t, -OUT[0]);
  t = OUT[0];
  e += OUT[1] - q2l - n * PIO2_3;
  twoSum(t, e);
  const q = n & 3;
  // sin: sin r, cos r, -sin r, -cos r; cos: cos r, -sin r, -cos r, sin r
  const v = reduced(OUT[0], OUT[1], cos ? (q & 1) === 0 : (q & 1) === 1, 0);
  let neg = cos ? q === 1 || q === 2 : q >= 2;
  if (!cos && x < 0) neg = !neg;
  return neg ? -v : v;
}

const REDUCE_MAX = 1e5;

/** Correctly rounded sin(x). */
export function crSin(x: number): number {
  if (x === 0 || !(x > -REDUCE_MAX && x < REDUCE_MAX)) return Math.sin(x);
  return sinCos(x, false);
}

/** Correctly rounded cos(x). */
export function crCos(x: number): number {
  if (!(x > -REDUCE_MAX && x < REDUCE_MAX)) return Math.cos(x);
  return sinCos(x, true);
}

/**
 * asin(wh + wl) - z0 for 0 <= w <= 0.5, where z0 = Math.asin(wh) (the
 * caller's): one Newton step, sin(z0) taken in double-double.
 */
function asinStep(z0: number, wh: number, wl: number): number {
  // wh - sin(z0) is exact (Sterbenz)
  return (wl - reduced(z0, 0, false, wh)) / Math.cos(z0);
}

/** Correctly rounded asin(x). */
export function crAsin(x: number): number {
  const ax = x < 0 ? -x : x;
  if (!(ax < 1) || ax === 0) return ax === 1 ? (x < 0 ? -PIO2_1 : PIO2_1) : Math.asin(x);
  let r: number;
  if (ax <= 0.5) {
    const z0 = Math.asin(ax);
    r = z0 + asinStep(z0, ax, 0);
  } else {
    // asin(x) = pi/2 - 2 asin(sqrt((1 - x) / 2)); (1 - x) / 2 is exact
    const w2 = (1 - ax) * 0.5;
    const wh = Math.sqrt(w2);
    twoProd(wh, wh);
    const wl = (w2 - OUT[0] - OUT[1]) / (2 * wh);
    const z0 = Math.asin(wh);
    const d = asinStep(z0, wh, wl);
    twoSum(PIO2_1, -2 * z0);
    r = OUT[0] + (OUT[1] + PIO2_2 - 2 * d);
  }
  return x < 0 ? -r : r;
}
