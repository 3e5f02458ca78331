/**
 * Argument parsing helpers shared by handlers. Each `get*` writes Redis's
 * error reply and returns null when the argument is invalid, so a handler
 * reads: `const n = getLong(c, argv[2]); if (n === null) return;`
 */
import type { Session } from '../server/server.js';
import { Err } from '../protocol/errors.js';
import { parseLL, parseLLBig, parseDouble } from '../protocol/numbers.js';
import type { Value } from '../types/object.js';
import { parseLongDouble } from '../types/longdouble.js';

/** 64-bit integer argument (as a JS number: exact up to 2^53). */
export function getLong(c: Session, s: string, msg: string = Err.notInteger): number | null {
  const n = parseLL(s);
  if (n === null) {
    c.w.error(msg);
    return null;
  }
  return n;
}

/** Exact 64-bit integer argument. */
export function getLongBig(c: Session, s: string, msg: string = Err.notInteger): bigint | null {
  const n = parseLLBig(s);
  if (n === null) {
    c.w.error(msg);
    return null;
  }
  return n;
}

/** Integer argument within [min, max] (getRangeLongFromObjectOrReply). */
export function getRange(c: Session, s: string, min: number, max: number, msg?: string): number | null {
  const n = parseLL(s);
  if (n === null || n < min || n > max) {
    c.w.error(msg ?? (n === null ? Err.notInteger : `ERR value is out of range, must be ${rangeText(min, max)}`));
    return null;
  }
  return n;
}

function rangeText(min: number, max: number): string {
  if (min === 0 && max === Number.MAX_SAFE_INTEGER) return 'positive';
  return `between ${min} and ${max}`;
}

/** Non-negative integer (getPositiveLongFromObjectOrReply). */
export function getPositive(c: Session, s: string, msg?: string): number | null {
  const n = parseLL(s);
  if (n === null) {
    c.w.error(msg ?? Err.notInteger);
    return null;
  }
  if (n < 0) {
    c.w.error(msg ?? 'ERR value is out of range, must be positive');
    return null;
  }
  return n;
}

/** Double argument (strtod rules). */
export function getDouble(c: Session, s: string, msg: string = Err.notFloat): number | null {
  const d = parseDouble(s);
  if (d === null) {
    c.w.error(msg);
    return null;
  }
  return d;
}

/**
 * Timeout of blocking commands in seconds (fractions allowed), as ms
 * relative to now; 0 means forever. Redis 7.0 computes
 * `(long long) ceill(strtold(s) * 1000.0)` in x87 long double: "inf" and
 * values beyond 64 bits convert to LLONG_MIN ("timeout is negative"), tiny
 * negatives round up to 0 (forever), and there is no upper bound (huge
 * timeouts never fire).
 */
export function getTimeout(c: Session, s: string): number | null {
  const ld = parseLongDouble(s);
  if (ld === null) {
    c.w.error(Err.timeoutNotFloat);
    return null;
  }
  const ms = ceilMillis(ld);
  if (ms < 0n) {
    c.w.error(Err.timeoutNegative);
    return null;
  }
  return Number(ms);
}

/** ceill(v * 1000.0) in long double, converted to long long as x86 does. */
function ceilMillis(v: NonNullable<ReturnType<typeof parseLongDouble>>): bigint {
  const LLONG_MIN_B = -(1n << 63n);
  if (v.inf) return LLONG_MIN_B;
  if (v.mant === 0n) return 0n;
  let q = v.mant * 1000n;
  let e = v.exp;
  const bits = q.toString(2).length;
  if (bits > 64) {
    const shift = BigInt(bits - 64);
    const kept = q >> shift;
    const rem = q - (kept << shift);
    const half = 1n << (shift - 1n);
    q = rem > half || (rem === half && (kept & 1n) === 1n) ? kept + 1n : kept;
    e += bits - 64;
  }
  let n: bigint;
  if (e >= 0) {
    if (e > 70) return LLONG_MIN_B;
    n = q << BigInt(e);
  } else {
    const sh = BigInt(-e);
    n = q >> sh;
    if (!v.neg && (q & ((1n << sh) - 1n)) !== 0n) n += 1n;
  }
  if (v.neg) n = -n;
  if (n > (1n << 63n) - 1n || n < LLONG_MIN_B) return LLONG_MIN_B;
  return n;
}

/** Case-insensitive comparison against a lower-case keyword. */
export function is(arg: string, lowerKeyword: string): boolean {
  return arg.length === lowerKeyword.length && (arg === lowerKeyword || arg.toLowerCase() === lowerKeyword);
}

/** Writes WRONGTYPE and returns true when the value is not of the type. */
export function wrongType(c: Session, v: Value | undefined, type: string): boolean {
  if (v === undefined) return false;
  const t = typeof v === 'string' ? 'string' : v.type;
  if (t !== type) {
    c.w.error(Err.wrongType);
    return true;
  }
  return false;
}

/** A HELP reply: one status line each. */
export function replyHelp(c: Session, lines: readonly string[]): void {
  c.w.array(lines.length);
  for (const l of lines) c.w.simple(l);
}

/** "ERR unknown subcommand or wrong number of arguments for 'x'. Try CMD HELP." */
export function subcommandSyntaxError(c: Session, cmd: string, sub: string): void {
  c.w.error(`ERR unknown subcommand or wrong number of arguments for '${sub}'. Try ${cmd} HELP.`);
}
