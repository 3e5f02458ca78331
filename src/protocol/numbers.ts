/**
 * Number parsing and formatting with Redis's exact rules (string2ll,
 * strtod-based getDoubleFromObject, "%.17g" reply formatting).
 */

export const LLONG_MAX = 9223372036854775807n;
export const LLONG_MIN = -9223372036854775808n;
const LLONG_MAX_STR = '9223372036854775807';
const LLONG_MIN_ABS_STR = '9223372036854775808';

/**
 * Redis's string2ll: strict base-10 64-bit integer (no spaces, no '+', no
 * leading zeros, no "-0"). Returns a JS number (exact up to 2^53; larger
 * magnitudes are rounded, which is fine for counts and indexes) or null.
 */
export function parseLL(s: string): number | null {
  const len = s.length;
  if (len === 0 || len > 20) return null;
  if (len === 1) {
    const c = s.charCodeAt(0) - 48;
    return c >= 0 && c <= 9 ? c : null;
  }
  let p = 0;
  let neg = false;
  if (s.charCodeAt(0) === 45) {
    neg = true;
    p = 1;
  }
  const first = s.charCodeAt(p);
  if (first < 49 || first > 57) return null;
  let v = 0;
  for (let i = p; i < len; i++) {
    const c = s.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return null;
    v = v * 10 + c;
  }
  const digits = len - p;
  if (digits > 19) return null;
  if (digits === 19) {
    const body = p === 0 ? s : s.slice(1);
    if (body > (neg ? LLONG_MIN_ABS_STR : LLONG_MAX_STR)) return null;
  }
  return neg ? -v : v;
}

/** Exact 64-bit parse (string2ll) as a bigint, or null. */
export function parseLLBig(s: string): bigint | null {
  if (parseLL(s) === null) return null;
  return BigInt(s);
}

/** True when a string value is stored by Redis with the "int" encoding. */
export function isIntEncodable(s: string): boolean {
  return s.length <= 20 && parseLL(s) !== null;
}

const DECIMAL_RE = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const INF_RE = /^[+-]?(?:inf|infinity)$/i;
const HEX_RE = /^[+-]?0[xX](?:[0-9a-fA-F]+\.?[0-9a-fA-F]*|\.[0-9a-fA-F]+)(?:[pP][+-]?\d+)?$/;

/**
 * strtod as Redis uses it for doubles: the whole string must be a number, no
 * leading space, NaN refused, overflow and underflow to zero refused.
 * Returns null when Redis would reply "value is not a valid float".
 */
export function parseDouble(s: string): number | null {
  const len = s.length;
  if (len === 0) return null;
  // fast path for plain integers
  if (len < 16) {
    const n = parseLL(s);
    if (n !== null) return n;
  }
  if (DECIMAL_RE.test(s)) {
    const v = Number(s);
    if (!Number.isFinite(v)) return null; // overflow (ERANGE)
    if (v === 0 && /[1-9]/.test(s.replace(/[eE].*$/, ''))) return null; // underflow to zero
    return v;
  }
  if (INF_RE.test(s)) return s.charCodeAt(0) === 45 ? -Infinity : Infinity;
  if (HEX_RE.test(s)) return parseHexFloat(s);
  return null;
}

function parseHexFloat(s: string): number | null {
  let neg = false;
  let i = 0;
  if (s[0] === '+' || s[0] === '-') {
    neg = s[0] === '-';
    i = 1;
  }
  i += 2;
  let mant = 0;
  let exp = 0;
  let seenDot = false;
  for (; i < s.length; i++) {
    const c = s[i];
    if (c === '.') {
      seenDot = true;
      continue;
    }
    if (c === 'p' || c === 'P') {
      exp += parseInt(s.slice(i + 1), 10);
      break;
    }
    mant = mant * 16 + parseInt(c, 16);
    if (seenDot) exp -= 4;
  }
  const v = mant * Math.pow(2, exp);
  if (!Number.isFinite(v)) return null;
  return neg ? -v : v;
}

/** C's "%.17g" (Redis 7.0 double replies). */
export function formatDouble(d: number): string {
  return formatG(d, 17);
}

/** C's "%.<prec>g". */
export function formatG(d: number, prec: number): string {
  if (d === Infinity) return 'inf';
  if (d === -Infinity) return '-inf';
  if (Number.isNaN(d)) return 'nan';
  if (d === 0) return Object.is(d, -0) ? '-0' : '0';
  // an integer below 2^53 (at most 16 digits) with room for all its digits prints as is
  if (prec >= 16 && Number.isSafeInteger(d)) return String(d);
  const e = d.toExponential(prec - 1);
  const ei = e.indexOf('e');
  const exp = parseInt(e.slice(ei + 1), 10);
  if (exp < -4 || exp >= prec) {
    let mant = e.slice(0, ei);
    if (mant.indexOf('.') >= 0) mant = mant.replace(/0+$/, '').replace(/\.$/, '');
    const ae = Math.abs(exp);
    return mant + 'e' + (exp < 0 ? '-' : '+') + (ae < 10 ? '0' + ae : String(ae));
  }
  let f = d.toFixed(Math.max(0, prec - 1 - exp));
  if (f.indexOf('.') >= 0) f = f.replace(/0+$/, '').replace(/\.$/, '');
  return f;
}

/**
 * C's "%.<digits>f" of a double: its exact decimal digits, an exact tie
 * rounded to even (toFixed would round it up), any magnitude, "-0.0" for -0.
 */
export function formatFixed(x: number, digits: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (x === Infinity) return 'inf';
  if (x === -Infinity) return '-inf';
  const neg = x < 0 || Object.is(x, -0);
  const ax = Math.abs(x);
  let s: string;
  if (ax >= 1e21) {
    s = BigInt(ax).toString() + (digits > 0 ? '.' + '0'.repeat(digits) : '');
  } else {
    // a tie needs ax to be an odd multiple of 2^-(digits+1)
    const t = ax * 2 ** (digits + 1);
    if (Number.isInteger(t) && t % 2 === 1) {
      let n = (BigInt(t) * 5n ** BigInt(digits) - 1n) / 2n;
      if (n % 2n === 1n) n += 1n;
      const txt = n.toString().padStart(digits + 1, '0');
      s = digits > 0 ? txt.slice(0, txt.length - digits) + '.' + txt.slice(txt.length - digits) : txt;
    } else {
      s = ax.toFixed(digits);
    }
  }
  return neg ? '-' + s : s;
}

/**
 * Redis's ld2string(LD_STR_HUMAN) of a double (addReplyHumanLongDouble):
 * "%.17Lf" without trailing zeros nor a bare '.', and "-0" as "0".
 */
export function formatHumanDouble(x: number): string {
  let s = formatFixed(x, 17);
  if (s.indexOf('.') >= 0) {
    let end = s.length;
    while (s.charCodeAt(end - 1) === 48) end--;
    if (s.charCodeAt(end - 1) === 46) end--;
    s = s.slice(0, end);
  }
  return s === '-0' ? '0' : s;
}

/**
 * Redis's fixedpoint_d2string(d, digits) (GEO distances): d scaled by
 * 10^digits and rounded with llrint (a tie to even), then printed with that
 * many decimals. |d| * 10^digits must stay below 2^53.
 */
export function formatFixedPoint(d: number, digits: number): string {
  if (d === 0) return '0.' + '0'.repeat(digits);
  const scale = 10 ** digits;
  const p = d * scale;
  let r = Math.round(p);
  if (r - p === 0.5 && r % 2 !== 0) r -= 1; // rint: a tie goes to even
  const neg = r < 0;
  if (neg) r = -r;
  const int = Math.floor(r / scale);
  const frac = String(r - int * scale).padStart(digits, '0');
  return (neg ? '-' : '') + int + '.' + frac;
}
