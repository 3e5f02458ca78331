/**
 * Argument parsing helpers shared by handlers. Each `get*` writes Redis's
 * error reply and returns null when the argument is invalid, so a handler
 * reads: `const n = getLong(c, argv[2]); if (n === null) return;`
 */
import type { Client } from '../server/client.js';
import { Err } from '../protocol/errors.js';
import { parseLL, parseLLBig, parseDouble } from '../protocol/numbers.js';
import type { Value } from '../types/object.js';

/** 64-bit integer argument (as a JS number: exact up to 2^53). */
export function getLong(c: Client, s: string, msg: string = Err.notInteger): number | null {
  const n = parseLL(s);
  if (n === null) {
    c.w.error(msg);
    return null;
  }
  return n;
}

/** Exact 64-bit integer argument. */
export function getLongBig(c: Client, s: string, msg: string = Err.notInteger): bigint | null {
  const n = parseLLBig(s);
  if (n === null) {
    c.w.error(msg);
    return null;
  }
  return n;
}

/** Integer argument within [min, max] (getRangeLongFromObjectOrReply). */
export function getRange(c: Client, s: string, min: number, max: number, msg?: string): number | null {
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
export function getPositive(c: Client, s: string, msg?: string): number | null {
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
export function getDouble(c: Client, s: string, msg: string = Err.notFloat): number | null {
  const d = parseDouble(s);
  if (d === null) {
    c.w.error(msg);
    return null;
  }
  return d;
}

/**
 * Timeout of blocking commands in seconds (fractions allowed), as ms
 * relative to now; 0 means forever.
 */
export function getTimeout(c: Client, s: string): number | null {
  const d = parseDouble(s);
  if (d === null || !Number.isFinite(d)) {
    c.w.error(Err.timeoutNotFloat);
    return null;
  }
  if (d < 0) {
    c.w.error(Err.timeoutNegative);
    return null;
  }
  const ms = Math.ceil(d * 1000);
  if (ms > Number.MAX_SAFE_INTEGER - Date.now()) {
    c.w.error(Err.timeoutOutOfRange);
    return null;
  }
  return ms;
}

/** Case-insensitive comparison against a lower-case keyword. */
export function is(arg: string, lowerKeyword: string): boolean {
  return arg.length === lowerKeyword.length && (arg === lowerKeyword || arg.toLowerCase() === lowerKeyword);
}

/** Writes WRONGTYPE and returns true when the value is not of the type. */
export function wrongType(c: Client, v: Value | undefined, type: string): boolean {
  if (v === undefined) return false;
  const t = typeof v === 'string' ? 'string' : v.type;
  if (t !== type) {
    c.w.error(Err.wrongType);
    return true;
  }
  return false;
}
