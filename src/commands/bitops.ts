/**
 * Bitmap commands (bitops.c): SETBIT, GETBIT, BITCOUNT, BITPOS, BITOP,
 * BITFIELD, BITFIELD_RO. Writes mutate a ByteString in place (a plain
 * string value is converted once), so a bit update is O(1).
 */
import { constants as bufferConstants } from 'node:buffer';
import type { HandlerMap, Session } from '../server/server.js';
import { Err } from '../protocol/errors.js';
import { parseLL } from '../protocol/numbers.js';
import { ByteString, isStringValue, type Value } from '../types/object.js';
import { getLong, is } from './args.js';
import {
  type ByteSource,
  Overflow,
  byteAt,
  fieldResult,
  fieldResultSmall,
  findBit,
  getField,
  getFieldSmall,
  popcount,
  setField,
  setFieldSmall,
  POPCOUNT8,
  BLOCK,
  ZEROS,
} from '../types/bitmap.js';

/** Bytes in the largest Buffer. */
const MAX_BUFFER = bufferConstants.MAX_LENGTH;

const BITFIELD_TYPE_ERR =
  'ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is.';

/**
 * Parses a bit offset (getBitOffsetFromArgument): a non-negative integer
 * whose byte index is below proto-max-bulk-len. With `bits` > 0, "#n"
 * means n * bits (64-bit multiplication, wrapping as in C).
 */
function parseBitOffset(c: Session, s: string, bits: number): number | null {
  const useHash = bits > 0 && s.length > 0 && s.charCodeAt(0) === 35; /* # */
  const body = useHash ? s.slice(1) : s;
  let n = parseLL(body);
  if (n !== null && useHash) {
    const m = BigInt.asIntN(64, BigInt(body) * BigInt(bits));
    n = m < 0n ? -1 : m > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(m);
  }
  if (n === null || n < 0 || Math.floor(n / 8) >= c.server.config.protoMaxBulkLen) {
    c.w.error(Err.bitOffset);
    return null;
  }
  return n;
}

/** Source bytes of a string value for reading. */
function sourceOf(v: string | ByteString): [ByteSource, number] {
  return typeof v === 'string' ? [v, v.length] : [v.buf, v.len];
}

/**
 * Looks up the key for a bit write, creating it or zero-padding it so that
 * bit `maxbit` exists (lookupStringForBitCommand). Null after WRONGTYPE.
 * `grew` tells whether the string was created or lengthened.
 */
function stringForBitWrite(c: Session, key: string, maxbit: number): { bs: ByteString; grew: boolean } | null {
  const db = c.db;
  const need = Math.floor(maxbit / 8) + 1;
  const v = db.lookupWrite(key);
  if (v !== undefined && !isStringValue(v)) {
    c.w.error(Err.wrongType);
    return null;
  }
  // Only reachable with proto-max-bulk-len raised past 4 GB: a value
  // larger than a Buffer can be is refused rather than crash the server.
  if (need > MAX_BUFFER) {
    c.w.error(Err.bitOffset);
    return null;
  }
  if (v === undefined) {
    const bs = new ByteString(Buffer.alloc(need));
    db.add(key, bs);
    return { bs, grew: true };
  }
  let bs: ByteString;
  if (typeof v === 'string') {
    bs = ByteString.fromString(v, Math.max(0, need - v.length));
    db.replace(key, bs);
  } else {
    bs = v as ByteString;
  }
  const grew = bs.len < need;
  if (need > bs.buf.length && bs.buf.length + 1024 * 1024 > MAX_BUFFER) {
    // Growing by the usual 1 MB would pass the largest Buffer: exact size.
    const nb = Buffer.allocUnsafe(need);
    bs.buf.copy(nb, 0, 0, bs.len);
    bs.buf = nb;
  }
  bs.ensureLength(need);
  return { bs, grew };
}

/** Reads a string value for a bit read; undefined for a missing key, null after WRONGTYPE. */
function readString(c: Session, key: string): string | ByteString | undefined | null {
  const v: Value | undefined = c.db.read(key);
  if (v === undefined) return undefined;
  if (!isStringValue(v)) {
    c.w.error(Err.wrongType);
    return null;
  }
  return v;
}

function setbit(c: Session, argv: string[]): void {
  const offset = parseBitOffset(c, argv[2], 0);
  if (offset === null) return;
  const on = parseLL(argv[3]);
  if (on === null || (on !== 0 && on !== 1)) {
    c.w.error(Err.bitValue);
    return;
  }
  const key = argv[1];
  const r = stringForBitWrite(c, key, offset);
  if (r === null) return;
  const buf = r.bs.buf;
  const byte = Math.floor(offset / 8);
  const shift = 7 - (offset % 8);
  const old = (buf[byte] >> shift) & 1;
  if (r.grew || old !== on) {
    if (on) buf[byte] |= 1 << shift;
    else buf[byte] &= ~(1 << shift);
    c.server.modified(c.db, key, 'setbit');
  }
  c.w.int(old);
}

function getbit(c: Session, argv: string[]): void {
  const offset = parseBitOffset(c, argv[2], 0);
  if (offset === null) return;
  const v = readString(c, argv[1]);
  if (v === null) return;
  if (v === undefined) {
    c.w.int(0);
    return;
  }
  const [src, len] = sourceOf(v);
  c.w.int((byteAt(src, len, Math.floor(offset / 8)) >> (7 - (offset % 8))) & 1);
}

/** BITCOUNT key [start end [BYTE|BIT]] (7.0: the key is looked up before the range is parsed). */
function bitcount(c: Session, argv: string[]): void {
  const v = readString(c, argv[1]);
  if (v === null) return;
  if (v === undefined) {
    c.w.int(0);
    return;
  }
  const [src, len] = sourceOf(v);
  let start: number;
  let end: number;
  let firstMask = 0;
  let lastMask = 0;
  if (argv.length === 4 || argv.length === 5) {
    const s = getLong(c, argv[2]);
    if (s === null) return;
    const e = getLong(c, argv[3]);
    if (e === null) return;
    start = s;
    end = e;
    if (start < 0 && end < 0 && start > end) {
      c.w.int(0);
      return;
    }
    let isBit = false;
    if (argv.length === 5) {
      if (is(argv[4], 'bit')) isBit = true;
      else if (!is(argv[4], 'byte')) {
        c.w.error(Err.syntax);
        return;
      }
    }
    const total = isBit ? len * 8 : len;
    if (start < 0) start = total + start;
    if (end < 0) end = total + end;
    if (start < 0) start = 0;
    if (end < 0) end = 0;
    if (end >= total) end = total - 1;
    if (isBit && start <= end) {
      firstMask = ~((1 << (8 - (start % 8))) - 1) & 0xff;
      lastMask = (1 << (7 - (end % 8))) - 1;
      start = Math.floor(start / 8);
      end = Math.floor(end / 8);
    }
  } else if (argv.length === 2) {
    start = 0;
    end = len - 1;
  } else {
    c.w.error(Err.syntax);
    return;
  }
  if (start > end) {
    c.w.int(0);
    return;
  }
  let count = popcount(src, start, end);
  if (firstMask !== 0) count -= POPCOUNT8[byteAt(src, len, start) & firstMask];
  if (lastMask !== 0) count -= POPCOUNT8[byteAt(src, len, end) & lastMask];
  c.w.int(count);
}

/** BITPOS key bit [start [end [BYTE|BIT]]] */
function bitpos(c: Session, argv: string[]): void {
  const bit = getLong(c, argv[2]);
  if (bit === null) return;
  if (bit !== 0 && bit !== 1) {
    c.w.error('ERR The bit argument must be 1 or 0.');
    return;
  }
  const v = readString(c, argv[1]);
  if (v === null) return;
  if (v === undefined) {
    // A missing key is an infinite run of zeros.
    c.w.int(bit ? -1 : 0);
    return;
  }
  const [src, len] = sourceOf(v);
  let start: number;
  let end: number;
  let endGiven = false;
  let isBit = false;
  if (argv.length >= 4 && argv.length <= 6) {
    const s = getLong(c, argv[3]);
    if (s === null) return;
    start = s;
    if (argv.length === 6) {
      if (is(argv[5], 'bit')) isBit = true;
      else if (!is(argv[5], 'byte')) {
        c.w.error(Err.syntax);
        return;
      }
    }
    if (argv.length >= 5) {
      const e = getLong(c, argv[4]);
      if (e === null) return;
      end = e;
      endGiven = true;
    } else {
      end = len - 1;
    }
    const total = isBit ? len * 8 : len;
    if (start < 0) start = total + start;
    if (end < 0) end = total + end;
    if (start < 0) start = 0;
    if (end < 0) end = 0;
    if (end >= total) end = total - 1;
  } else if (argv.length === 3) {
    start = 0;
    end = len - 1;
  } else {
    c.w.error(Err.syntax);
    return;
  }
  if (start > end) {
    c.w.int(-1);
    return;
  }
  const sb = isBit ? start : start * 8;
  const eb = isBit ? end : end * 8 + 7;
  const pos = findBit(src, len, sb, eb, bit as 0 | 1);
  if (pos >= 0) c.w.int(pos);
  // Without an explicit end the string is zero padded on the right.
  else if (bit === 0 && !endGiven) c.w.int(eb + 1);
  else c.w.int(-1);
}

const enum BitOp {
  And,
  Or,
  Xor,
  Not,
}

/**
 * res[0..n) = res OP s (NOT: res = ~s), n <= both lengths. `res` is a
 * buffer of its own (word aligned); `s` is copied when it is not aligned.
 * 32-bit words a block at a time; under AND, OR and XOR a block of zeros
 * in `s` is settled without touching words (AND zeroes it, the others skip
 * it), so sparse keys of 512 MB combine in a fraction of a second.
 */
function combine(res: Buffer, s: Buffer, n: number, op: BitOp): void {
  if (s.byteOffset % 4 !== 0) s = Buffer.from(s.subarray(0, n));
  const words = Math.floor(n / 4);
  const rw = new Uint32Array(res.buffer, res.byteOffset, words);
  const sw = new Uint32Array(s.buffer, s.byteOffset, words);
  const wordsPerBlock = BLOCK / 4;
  for (let k = 0; k < words; k += wordsPerBlock) {
    const kEnd = Math.min(k + wordsPerBlock, words);
    if (op === BitOp.Not) {
      for (let j = k; j < kEnd; j++) rw[j] = ~sw[j];
      continue;
    }
    const at = k * 4;
    const bytes = (kEnd - k) * 4;
    if (ZEROS.compare(s, at, at + bytes, 0, bytes) === 0) {
      if (op === BitOp.And) res.fill(0, at, at + bytes);
      continue;
    }
    if (op === BitOp.And) for (let j = k; j < kEnd; j++) rw[j] &= sw[j];
    else if (op === BitOp.Or) for (let j = k; j < kEnd; j++) rw[j] |= sw[j];
    else for (let j = k; j < kEnd; j++) rw[j] ^= sw[j];
  }
  let j = words * 4;
  if (op === BitOp.And) for (; j < n; j++) res[j] &= s[j];
  else if (op === BitOp.Or) for (; j < n; j++) res[j] |= s[j];
  else if (op === BitOp.Xor) for (; j < n; j++) res[j] ^= s[j];
  else for (; j < n; j++) res[j] = ~s[j] & 0xff;
}

/** BITOP AND|OR|XOR|NOT destkey key [key ...] */
function bitop(c: Session, argv: string[]): void {
  const name = argv[1];
  let op: BitOp;
  if (is(name, 'and')) op = BitOp.And;
  else if (is(name, 'or')) op = BitOp.Or;
  else if (is(name, 'xor')) op = BitOp.Xor;
  else if (is(name, 'not')) op = BitOp.Not;
  else {
    c.w.error(Err.syntax);
    return;
  }
  if (op === BitOp.Not && argv.length !== 4) {
    c.w.error('ERR BITOP NOT must be called with a single source key.');
    return;
  }
  const db = c.db;
  const target = argv[2];
  const srcs: Buffer[] = [];
  let maxlen = 0;
  for (let i = 3; i < argv.length; i++) {
    const v = readString(c, argv[i]);
    if (v === null) return;
    let b: Buffer;
    if (v === undefined) b = Buffer.alloc(0);
    else if (typeof v === 'string') b = Buffer.from(v, 'latin1');
    else b = v.buf.subarray(0, v.len);
    srcs.push(b);
    if (b.length > maxlen) maxlen = b.length;
  }
  if (maxlen === 0) {
    if (db.delete(target)) c.server.modified(db, target, 'del');
    c.w.int(0);
    return;
  }
  // Buffer.alloc is never taken from the pool: offset 0, word aligned.
  const res = Buffer.alloc(maxlen);
  if (op === BitOp.Not) {
    combine(res, srcs[0], maxlen, BitOp.Not);
  } else {
    srcs[0].copy(res, 0);
    for (let i = 1; i < srcs.length; i++) {
      const s = srcs[i];
      combine(res, s, s.length, op);
      // AND with the zero padding of a shorter source.
      if (op === BitOp.And && s.length < maxlen) res.fill(0, s.length);
    }
  }
  db.set(target, new ByteString(res));
  c.server.modified(db, target, 'set');
  c.w.int(maxlen);
}

const enum FieldOp {
  Get,
  Set,
  Incrby,
}

interface BitfieldOp {
  op: FieldOp;
  signed: boolean;
  bits: number;
  offset: number;
  /** Operand of SET / INCRBY: exact, and as a number when it is a safe integer. */
  arg: bigint;
  argNum: number | null;
  ow: Overflow;
}

/** Parses a bitfield type "i<1..64>" or "u<1..63>"; null after replying. */
function parseFieldType(c: Session, s: string): { signed: boolean; bits: number } | null {
  const sign = s.charCodeAt(0);
  const signed = sign === 105; /* i */
  if (!signed && sign !== 117 /* u */) {
    c.w.error(BITFIELD_TYPE_ERR);
    return null;
  }
  const bits = parseLL(s.slice(1));
  if (bits === null || bits < 1 || (signed && bits > 64) || (!signed && bits > 63)) {
    c.w.error(BITFIELD_TYPE_ERR);
    return null;
  }
  return { signed, bits };
}

function bitfield(c: Session, argv: string[], readonlyCmd: boolean): void {
  const ops: BitfieldOp[] = [];
  let ow = Overflow.Wrap;
  let readonly = true;
  let highest = 0;
  for (let j = 2; j < argv.length; j++) {
    const remargs = argv.length - j - 1;
    const sub = argv[j];
    let op: FieldOp;
    if (is(sub, 'get') && remargs >= 2) op = FieldOp.Get;
    else if (is(sub, 'set') && remargs >= 3) op = FieldOp.Set;
    else if (is(sub, 'incrby') && remargs >= 3) op = FieldOp.Incrby;
    else if (is(sub, 'overflow') && remargs >= 1) {
      const mode = argv[++j];
      if (is(mode, 'wrap')) ow = Overflow.Wrap;
      else if (is(mode, 'sat')) ow = Overflow.Sat;
      else if (is(mode, 'fail')) ow = Overflow.Fail;
      else {
        c.w.error('ERR Invalid OVERFLOW type specified');
        return;
      }
      continue;
    } else {
      c.w.error(Err.syntax);
      return;
    }
    const type = parseFieldType(c, argv[j + 1]);
    if (type === null) return;
    const offset = parseBitOffset(c, argv[j + 2], type.bits);
    if (offset === null) return;
    let arg = 0n;
    let argNum: number | null = 0;
    if (op !== FieldOp.Get) {
      readonly = false;
      if (offset + type.bits - 1 > highest) highest = offset + type.bits - 1;
      const n = parseLL(argv[j + 3]);
      if (n === null) {
        c.w.error(Err.notInteger);
        return;
      }
      arg = BigInt(argv[j + 3]);
      argNum = Math.abs(n) <= 2 ** 52 ? n : null;
      j += 3;
    } else {
      j += 2;
    }
    ops.push({ op, signed: type.signed, bits: type.bits, offset, arg, argNum, ow });
  }

  const key = argv[1];
  let src: ByteSource = '';
  let len = 0;
  let wbuf: Buffer | null = null;
  let grew = false;
  if (readonly) {
    const v = readString(c, key);
    if (v === null) return;
    if (v !== undefined) [src, len] = sourceOf(v);
  } else {
    if (readonlyCmd) {
      c.w.error('ERR BITFIELD_RO only supports the GET subcommand');
      return;
    }
    const r = stringForBitWrite(c, key, highest);
    if (r === null) return;
    wbuf = r.bs.buf;
    src = wbuf;
    len = r.bs.len;
    grew = r.grew;
  }

  let changes = 0;
  c.w.array(ops.length);
  for (const o of ops) {
    const small = o.bits <= 32 && o.argNum !== null;
    if (small) {
      const u = getFieldSmall(src, len, o.offset, o.bits);
      const old = o.signed && u >= 2 ** (o.bits - 1) ? u - 2 ** o.bits : u;
      if (o.op === FieldOp.Get) {
        c.w.int(old);
        continue;
      }
      const isSet = o.op === FieldOp.Set;
      const nv = fieldResultSmall(o.signed, o.bits, isSet ? 0 : old, o.argNum as number, o.ow, isSet);
      if (nv === null) {
        c.w.nullBulk();
        continue;
      }
      setFieldSmall(wbuf as Buffer, o.offset, o.bits, nv < 0 ? nv + 2 ** o.bits : nv);
      if (grew || nv !== old) changes++;
      c.w.int(isSet ? old : nv);
      continue;
    }
    const u = getField(src, len, o.offset, o.bits);
    const old = o.signed ? BigInt.asIntN(o.bits, u) : u;
    if (o.op === FieldOp.Get) {
      c.w.bigInt(old);
      continue;
    }
    const isSet = o.op === FieldOp.Set;
    let nv: bigint | null;
    if (isSet) nv = fieldResult(o.signed, o.bits, o.signed ? o.arg : BigInt.asUintN(64, o.arg), 0n, o.ow);
    else nv = fieldResult(o.signed, o.bits, old, o.arg, o.ow);
    if (nv === null) {
      c.w.nullBulk();
      continue;
    }
    setField(wbuf as Buffer, o.offset, o.bits, nv);
    if (grew || nv !== old) changes++;
    c.w.bigInt(isSet ? old : nv);
  }
  if (changes > 0) c.server.modified(c.db, key, 'setbit', changes);
}

export const bitCommands: HandlerMap = {
  setbit,
  getbit,
  bitcount,
  bitpos,
  bitop,
  bitfield(c, argv) {
    bitfield(c, argv, false);
  },
  bitfield_ro(c, argv) {
    bitfield(c, argv, true);
  },
};
