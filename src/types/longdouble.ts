/**
 * x87 80-bit "long double" arithmetic, exactly as Redis's INCRBYFLOAT and
 * HINCRBYFLOAT compute it: strtold parsing (correctly rounded to a 64-bit
 * mantissa), one addition rounded to 64 bits, and "%.17Lf" formatting with
 * trailing zeros removed. Done with BigInt so that results match byte for
 * byte, including the long expansions of very large values.
 */

interface LD {
  neg: boolean;
  /** 0 for zero, else 2^63 <= mant < 2^64 after normalisation */
  mant: bigint;
  exp: number;
  inf?: boolean;
}

const MANT_BITS = 64;
const MAX_EXP = 16384; // values >= 2^16384 overflow
const MIN_EXP = -16445; // below the smallest denormal: zero
const MAX_CHARS = 5 * 1024;

function bitLength(n: bigint): number {
  return n === 0n ? 0 : n.toString(2).length;
}

/** Rounds num/den (positive) to a 64-bit mantissa, half to even. Returns mant, exp with value = mant*2^exp. */
function roundRatio(num: bigint, den: bigint): { mant: bigint; exp: number } {
  if (num === 0n) return { mant: 0n, exp: 0 };
  // choose k so that (num << k) / den has 64 or 65 bits
  let k = MANT_BITS + 1 - (bitLength(num) - bitLength(den));
  let n = k >= 0 ? num << BigInt(k) : num;
  let d = k >= 0 ? den : den << BigInt(-k);
  let q = n / d;
  while (bitLength(q) < MANT_BITS + 1) {
    k++;
    n <<= 1n;
    q = n / d;
  }
  while (bitLength(q) > MANT_BITS + 1) {
    k--;
    d <<= 1n;
    q = n / d;
  }
  // q has 65 bits: one extra bit for rounding, plus the sticky remainder
  const rem = n - q * d;
  let mant = q >> 1n;
  const half = q & 1n;
  if (half === 1n && (rem !== 0n || (mant & 1n) === 1n)) mant += 1n;
  let exp = -k + 1;
  if (bitLength(mant) > MANT_BITS) {
    mant >>= 1n;
    exp += 1;
  }
  return { mant, exp };
}

function normalize(neg: boolean, num: bigint, den: bigint): LD {
  if (num === 0n) return { neg, mant: 0n, exp: 0 };
  const { mant, exp } = roundRatio(num, den);
  if (exp + MANT_BITS > MAX_EXP) return { neg, mant: 0n, exp: 0, inf: true };
  if (exp + MANT_BITS < MIN_EXP) return { neg, mant: 0n, exp: 0 };
  return { neg, mant, exp };
}

const DEC_RE = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;

/** strtold with Redis's string2ld checks. Returns null when not a valid float. */
export function parseLongDouble(s: string): LD | null {
  if (s.length === 0 || s.length >= MAX_CHARS) return null;
  const c0 = s.charCodeAt(0);
  if (c0 === 32 || (c0 >= 9 && c0 <= 13)) return null;
  const lower = s.toLowerCase();
  const body = lower.replace(/^[+-]/, '');
  if (body === 'inf' || body === 'infinity') return { neg: lower[0] === '-', mant: 0n, exp: 0, inf: true };
  const m = DEC_RE.exec(s);
  if (m === null) {
    const hx = parseHex(s);
    return hx;
  }
  const intPart = m[2];
  const frac = m[3] ?? '';
  if (intPart.length === 0 && frac.length === 0) return null;
  const neg = m[1] === '-';
  let e = m[4] !== undefined ? Number(m[4]) : 0;
  if (!Number.isFinite(e)) return null;
  const digits = (intPart + frac).replace(/^0+/, '');
  e -= frac.length;
  if (digits.length === 0) return { neg, mant: 0n, exp: 0 };
  // bound exponent work: anything beyond these is overflow/underflow anyway
  if (digits.length + e > 4940) return null; // ERANGE overflow
  if (digits.length + e < -4960) return null; // ERANGE underflow to zero
  const D = BigInt(digits);
  const r = e >= 0 ? normalize(neg, D * 10n ** BigInt(e), 1n) : normalize(neg, D, 10n ** BigInt(-e));
  if (r.inf) return null;
  if (r.mant === 0n) return null; // underflow to zero
  return r;
}

function parseHex(s: string): LD | null {
  const m = /^([+-]?)0[xX]([0-9a-fA-F]*)(?:\.([0-9a-fA-F]*))?(?:[pP]([+-]?\d+))?$/.exec(s);
  if (m === null) return null;
  const ip = m[2];
  const fp = m[3] ?? '';
  if (ip.length === 0 && fp.length === 0) return null;
  const neg = m[1] === '-';
  const D = BigInt('0x' + (ip + fp || '0'));
  let e = (m[4] !== undefined ? Number(m[4]) : 0) - 4 * fp.length;
  if (D === 0n) return { neg, mant: 0n, exp: 0 };
  if (e > 20000) return null;
  if (e < -20000) return null;
  const r = e >= 0 ? normalize(neg, D << BigInt(e), 1n) : normalize(neg, D, 1n << BigInt(-e));
  if (r.inf || r.mant === 0n) return null;
  e = 0;
  return r;
}

function add(a: LD, b: LD): LD {
  if (a.inf || b.inf) {
    if (a.inf && b.inf && a.neg !== b.neg) return { neg: false, mant: 0n, exp: 0, inf: true };
    return { neg: a.inf ? a.neg : b.neg, mant: 0n, exp: 0, inf: true };
  }
  if (a.mant === 0n) return b.mant === 0n ? { neg: a.neg && b.neg, mant: 0n, exp: 0 } : b;
  if (b.mant === 0n) return a;
  const e = Math.min(a.exp, b.exp);
  const A = a.mant << BigInt(a.exp - e);
  const B = b.mant << BigInt(b.exp - e);
  const S = (a.neg ? -A : A) + (b.neg ? -B : B);
  if (S === 0n) return { neg: false, mant: 0n, exp: 0 };
  const neg = S < 0n;
  const mag = neg ? -S : S;
  const r = e >= 0 ? normalize(neg, mag << BigInt(e), 1n) : normalize(neg, mag, 1n << BigInt(-e));
  return r;
}

/** "%.17Lf" with trailing zeros (and a bare '.') removed, "-0" as "0". */
export function formatLongDouble(v: LD): string {
  if (v.inf) return v.neg ? '-inf' : 'inf';
  let q: bigint;
  const scale = 10n ** 17n;
  if (v.mant === 0n) q = 0n;
  else if (v.exp >= 0) q = (v.mant << BigInt(v.exp)) * scale;
  else {
    const num = v.mant * scale;
    const den = 1n << BigInt(-v.exp);
    q = num / den;
    const r = num - q * den;
    const twice = r * 2n;
    if (twice > den || (twice === den && (q & 1n) === 1n)) q += 1n;
  }
  let digits = q.toString().padStart(18, '0');
  let s = digits.slice(0, digits.length - 17) + '.' + digits.slice(digits.length - 17);
  s = s.replace(/0+$/, '');
  if (s.endsWith('.')) s = s.slice(0, -1);
  if (v.neg) s = '-' + s;
  if (s === '-0') s = '0';
  digits = '';
  return s;
}

/**
 * INCRBYFLOAT on a stored string: returns the new value's text, or
 * 'value' (stored value is not a float), 'incr' (increment is not a float),
 * 'naninf' (result would be NaN or infinite).
 */
export function incrByFloatString(current: string, increment: string): string | 'value' | 'incr' | 'naninf' {
  const a = parseLongDouble(current);
  if (a === null) return 'value';
  const b = parseLongDouble(increment);
  if (b === null) return 'incr';
  const r = add(a, b);
  if (r.inf) return 'naninf';
  return formatLongDouble(r);
}
