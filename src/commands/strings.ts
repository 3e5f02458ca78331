/**
 * String commands (t_string.c): SET family, GET family, counters, ranges.
 * Bit operations live in bitops.ts, LCS in lcs.ts.
 */
import type { HandlerMap, Session } from '../server/server.js';
import { Err } from '../protocol/errors.js';
import { parseLL, LLONG_MAX, LLONG_MIN } from '../protocol/numbers.js';
import { ByteString, type Value } from '../types/object.js';
import { is, getLong, getLongBig } from './args.js';
import { incrByFloatString } from '../types/longdouble.js';


/** Replies with a string value (plain or byte string). */
function replyString(c: Session, v: string | ByteString): void {
  if (typeof v === 'string') c.w.bulk(v);
  else c.w.bulkBuffer(v.buf, v.len);
}

function isString(v: Value): v is string | ByteString {
  return typeof v === 'string' || v.type === 'string';
}

/** Length of a string value in bytes. */
export function stringLength(v: string | ByteString): number {
  return typeof v === 'string' ? v.length : v.len;
}

const enum SetFlag {
  NX = 1,
  XX = 2,
  GET = 4,
  EX = 8,
  PX = 16,
  EXAT = 32,
  PXAT = 64,
  KEEPTTL = 128,
  PERSIST = 256,
}

const EXPIRE_FLAGS = SetFlag.EX | SetFlag.PX | SetFlag.EXAT | SetFlag.PXAT;

/**
 * Parses SET / GETEX options from argv[3..] (parseExtendedStringArgumentsOrReply).
 * Returns null after replying on error; otherwise the flags and absolute
 * expiry (ms) if any.
 */
function parseExtended(c: Session, argv: string[], isGetex: boolean): { flags: number; when: number } | null {
  let flags = 0;
  let expireArg: string | null = null;
  let unitFlag = 0;
  for (let j = isGetex ? 2 : 3; j < argv.length; j++) {
    const opt = argv[j];
    const hasNext = j < argv.length - 1;
    const lo = opt.toLowerCase();
    if (!isGetex && lo === 'nx' && !(flags & (SetFlag.XX))) {
      flags |= SetFlag.NX;
    } else if (!isGetex && lo === 'xx' && !(flags & SetFlag.NX)) {
      flags |= SetFlag.XX;
    } else if (!isGetex && lo === 'get') {
      flags |= SetFlag.GET;
    } else if (!isGetex && lo === 'keepttl' && !(flags & SetFlag.PERSIST) && !(flags & EXPIRE_FLAGS)) {
      flags |= SetFlag.KEEPTTL;
    } else if (isGetex && lo === 'persist' && !(flags & EXPIRE_FLAGS) && !(flags & SetFlag.KEEPTTL)) {
      flags |= SetFlag.PERSIST;
    } else if ((lo === 'ex' || lo === 'px' || lo === 'exat' || lo === 'pxat') && !(flags & SetFlag.KEEPTTL) && !(flags & SetFlag.PERSIST) && !(flags & EXPIRE_FLAGS) && hasNext) {
      unitFlag = lo === 'ex' ? SetFlag.EX : lo === 'px' ? SetFlag.PX : lo === 'exat' ? SetFlag.EXAT : SetFlag.PXAT;
      flags |= unitFlag;
      expireArg = argv[++j];
    } else {
      c.w.error(Err.syntax);
      return null;
    }
  }
  let when = -1;
  if (expireArg !== null) {
    const cmdName = isGetex ? 'getex' : 'set';
    const v = getLongBig(c, expireArg);
    if (v === null) return null;
    const seconds = unitFlag === SetFlag.EX || unitFlag === SetFlag.EXAT;
    if (v <= 0n || (seconds && v > LLONG_MAX / 1000n)) {
      c.w.error(Err.invalidExpire(cmdName));
      return null;
    }
    let ms = seconds ? v * 1000n : v;
    if (unitFlag === SetFlag.EX || unitFlag === SetFlag.PX) ms += BigInt(c.server.keyspace.now);
    if (ms > LLONG_MAX || ms <= 0n) {
      c.w.error(Err.invalidExpire(cmdName));
      return null;
    }
    when = Number(ms);
  }
  return { flags, when };
}

/** Shared SET logic (setGenericCommand). */
function setGeneric(c: Session, key: string, value: string, flags: number, when: number, okReply: boolean): void {
  const db = c.db;
  const server = c.server;
  const getMode = (flags & SetFlag.GET) !== 0;
  let old: Value | undefined;
  if (getMode) {
    old = db.read(key);
    if (old !== undefined && !isString(old)) {
      c.w.error(Err.wrongType);
      return;
    }
  }
  const exists = getMode ? old !== undefined : (flags & (SetFlag.NX | SetFlag.XX)) !== 0 ? db.exists(key) : false;
  if (((flags & SetFlag.NX) !== 0 && exists) || ((flags & SetFlag.XX) !== 0 && !exists)) {
    if (getMode) {
      if (old === undefined) c.w.nullBulk();
      else replyString(c, old as string | ByteString);
    } else {
      c.w.nullBulk();
    }
    return;
  }
  db.set(key, value, (flags & SetFlag.KEEPTTL) !== 0);
  if (when >= 0) db.setExpire(key, when);
  server.modified(db, key, 'set');
  if (when >= 0) {
    server.modified(db, key, 'expire', 0);
    // Any expiry propagates as SET key value PXAT ms (Redis 7.0 keeps no other option).
    c.propagateAs(['SET', key, value, 'PXAT', String(when)]);
  } else if (getMode) {
    // GET changes nothing: it is left out of what propagates.
    c.propagateAs(c.argv.filter((a, i) => i < 3 || a.length !== 3 || a.toLowerCase() !== 'get'));
  }
  if (getMode) {
    if (old === undefined) c.w.nullBulk();
    else replyString(c, old as string | ByteString);
  } else if (okReply) {
    c.w.ok();
  }
}

function incrDecr(c: Session, key: string, incr: bigint | number): void {
  const db = c.db;
  const v = db.lookupWrite(key);
  let cur: number | bigint = 0;
  if (v !== undefined) {
    if (!isString(v)) {
      c.w.error(Err.wrongType);
      return;
    }
    // No integer has more than 20 characters: a longer value (up to 512 MB) is not read as a string.
    const s = typeof v === 'string' ? v : v.len > 20 ? '' : v.toString();
    const n = parseLL(s);
    if (n === null) {
      c.w.error(Err.notInteger);
      return;
    }
    cur = Number.isSafeInteger(n) ? n : BigInt(s);
  }
  let result: string;
  let small = 0;
  let isSmall = false;
  if (typeof cur === 'number' && typeof incr === 'number' && Math.abs(cur) < 2 ** 52 && Math.abs(incr) < 2 ** 52) {
    small = cur + incr;
    isSmall = true;
    result = String(small);
  } else {
    const r = BigInt(cur) + BigInt(incr);
    if (r > LLONG_MAX || r < LLONG_MIN) {
      c.w.error(Err.overflow);
      return;
    }
    result = r.toString();
  }
  if (v === undefined) db.add(key, result);
  else db.replace(key, result);
  c.server.modified(db, key, 'incrby');
  if (isSmall) c.w.int(small);
  else c.w.raw(':' + result + '\r\n');
}

export const stringCommands: HandlerMap = {
  get(c, argv) {
    const v = c.db.read(argv[1]);
    if (v === undefined) {
      c.w.nullBulk();
    } else if (typeof v === 'string') {
      c.w.bulk(v);
    } else if (v.type === 'string') {
      replyString(c, v as ByteString);
    } else {
      c.w.error(Err.wrongType);
    }
  },

  set(c, argv) {
    if (argv.length === 3) {
      // fast path: SET key value
      const db = c.db;
      db.set(argv[1], argv[2]);
      c.server.modified(db, argv[1], 'set');
      c.w.ok();
      return;
    }
    const p = parseExtended(c, argv, false);
    if (p === null) return;
    setGeneric(c, argv[1], argv[2], p.flags, p.when, true);
  },

  setnx(c, argv) {
    const db = c.db;
    if (db.exists(argv[1])) {
      c.w.int(0);
      return;
    }
    db.add(argv[1], argv[2]);
    c.server.modified(db, argv[1], 'set');
    c.w.int(1);
  },

  setex(c, argv) {
    setWithExpire(c, argv, 'setex', SetFlag.EX);
  },

  psetex(c, argv) {
    setWithExpire(c, argv, 'psetex', SetFlag.PX);
  },

  getex(c, argv) {
    const p = parseExtended(c, argv, true);
    if (p === null) return;
    const db = c.db;
    const key = argv[1];
    const v = db.read(key);
    if (v === undefined) {
      c.w.nullBulk();
      return;
    }
    if (!isString(v)) {
      c.w.error(Err.wrongType);
      return;
    }
    replyString(c, v);
    const server = c.server;
    if (p.when >= 0) {
      if (p.when <= server.keyspace.now) {
        // An expiry in the past deletes the key.
        db.delete(key);
        c.propagateAs(['DEL', key]);
        server.modified(db, key, 'del');
      } else {
        db.setExpire(key, p.when);
        c.propagateAs(['PEXPIREAT', key, String(p.when)]);
        server.modified(db, key, 'expire');
      }
    } else if ((p.flags & SetFlag.PERSIST) !== 0) {
      if (db.persist(key)) {
        c.propagateAs(['PERSIST', key]);
        server.modified(db, key, 'persist');
      }
    }
  },

  getdel(c, argv) {
    const db = c.db;
    const v = db.read(argv[1]);
    if (v === undefined) {
      c.w.nullBulk();
      return;
    }
    if (!isString(v)) {
      c.w.error(Err.wrongType);
      return;
    }
    replyString(c, v);
    db.delete(argv[1]);
    c.server.modified(db, argv[1], 'del');
    c.propagateAs(['DEL', argv[1]]);
  },

  getset(c, argv) {
    const db = c.db;
    const v = db.read(argv[1]);
    if (v !== undefined && !isString(v)) {
      c.w.error(Err.wrongType);
      return;
    }
    if (v === undefined) c.w.nullBulk();
    else replyString(c, v);
    db.set(argv[1], argv[2]);
    c.server.modified(db, argv[1], 'set');
    c.propagateAs(['SET', argv[1], argv[2]]);
  },

  mget(c, argv) {
    const db = c.db;
    c.w.array(argv.length - 1);
    for (let i = 1; i < argv.length; i++) {
      const v = db.read(argv[i]);
      if (v === undefined || !isString(v)) c.w.nullBulk();
      else replyString(c, v);
    }
  },

  mset(c, argv) {
    if (argv.length % 2 === 0) {
      c.w.error(Err.wrongArity('mset'));
      return;
    }
    const db = c.db;
    for (let i = 1; i < argv.length; i += 2) {
      db.set(argv[i], argv[i + 1]);
      c.server.modified(db, argv[i], 'set');
    }
    c.w.ok();
  },

  msetnx(c, argv) {
    if (argv.length % 2 === 0) {
      c.w.error(Err.wrongArity('msetnx'));
      return;
    }
    const db = c.db;
    for (let i = 1; i < argv.length; i += 2) {
      if (db.exists(argv[i])) {
        c.w.int(0);
        return;
      }
    }
    for (let i = 1; i < argv.length; i += 2) {
      db.set(argv[i], argv[i + 1]);
      c.server.modified(db, argv[i], 'set');
    }
    c.w.int(1);
  },

  append(c, argv) {
    const db = c.db;
    const key = argv[1];
    const v = db.lookupWrite(key);
    let len: number;
    if (v === undefined) {
      db.add(key, argv[2]);
      len = argv[2].length;
    } else {
      if (!isString(v)) {
        c.w.error(Err.wrongType);
        return;
      }
      const total = stringLength(v) + argv[2].length;
      if (total > c.server.config.maxStringBytes) {
        c.w.error(Err.stringTooLong);
        return;
      }
      let bs: ByteString;
      if (typeof v === 'string') {
        bs = ByteString.fromString(v, argv[2].length);
        db.replace(key, bs);
      } else {
        bs = v;
      }
      bs.append(argv[2]);
      len = bs.len;
    }
    c.server.modified(db, key, 'append');
    c.w.int(len);
  },

  strlen(c, argv) {
    const v = c.db.read(argv[1]);
    if (v === undefined) {
      c.w.int(0);
      return;
    }
    if (!isString(v)) {
      c.w.error(Err.wrongType);
      return;
    }
    c.w.int(stringLength(v));
  },

  getrange(c, argv) {
    getrange(c, argv);
  },

  substr(c, argv) {
    getrange(c, argv);
  },

  setrange(c, argv) {
    const db = c.db;
    const key = argv[1];
    const offset = getLong(c, argv[2]);
    if (offset === null) return;
    if (offset < 0) {
      c.w.error('ERR offset is out of range');
      return;
    }
    const value = argv[3];
    const v = db.lookupWrite(key);
    if (v !== undefined && !isString(v)) {
      c.w.error(Err.wrongType);
      return;
    }
    if (v === undefined) {
      if (value.length === 0) {
        c.w.int(0);
        return;
      }
      if (offset + value.length > c.server.config.maxStringBytes) {
        c.w.error(Err.stringTooLong);
        return;
      }
      const bs = new ByteString(Buffer.alloc(offset + value.length));
      bs.buf.write(value, offset, 'latin1');
      db.add(key, bs);
      c.server.modified(db, key, 'setrange');
      c.w.int(bs.len);
      return;
    }
    const olen = stringLength(v);
    if (value.length === 0) {
      c.w.int(olen);
      return;
    }
    if (offset + value.length > c.server.config.maxStringBytes) {
      c.w.error(Err.stringTooLong);
      return;
    }
    let bs: ByteString;
    if (typeof v === 'string') {
      bs = ByteString.fromString(v, Math.max(0, offset + value.length - v.length));
      db.replace(key, bs);
    } else {
      bs = v;
    }
    bs.ensureLength(offset + value.length);
    bs.buf.write(value, offset, 'latin1');
    c.server.modified(db, key, 'setrange');
    c.w.int(bs.len);
  },

  incr(c, argv) {
    incrDecr(c, argv[1], 1);
  },

  decr(c, argv) {
    incrDecr(c, argv[1], -1);
  },

  incrby(c, argv) {
    const n = parseLL(argv[2]);
    if (n === null) {
      c.w.error(Err.notInteger);
      return;
    }
    incrDecr(c, argv[1], Number.isSafeInteger(n) ? n : BigInt(argv[2]));
  },

  decrby(c, argv) {
    const n = parseLL(argv[2]);
    if (n === null) {
      c.w.error(Err.notInteger);
      return;
    }
    if (argv[2] === '-9223372036854775808') {
      c.w.error('ERR decrement would overflow');
      return;
    }
    incrDecr(c, argv[1], Number.isSafeInteger(n) ? -n : -BigInt(argv[2]));
  },

  incrbyfloat(c, argv) {
    const db = c.db;
    const key = argv[1];
    const v = db.lookupWrite(key);
    let cur = '0';
    if (v !== undefined) {
      if (!isString(v)) {
        c.w.error(Err.wrongType);
        return;
      }
      // Redis reads at most 5 KB as a long double (MAX_LONG_DOUBLE_CHARS).
      if (stringLength(v) > 5 * 1024) {
        c.w.error(Err.notFloat);
        return;
      }
      cur = typeof v === 'string' ? v : v.toString();
    }
    const r = incrByFloatString(cur, argv[2]);
    if (r === 'value') {
      c.w.error(Err.notFloat);
      return;
    }
    if (r === 'incr') {
      c.w.error(Err.notFloat);
      return;
    }
    if (r === 'naninf') {
      c.w.error(Err.incrNanInf);
      return;
    }
    if (v === undefined) db.add(key, r);
    else db.replace(key, r);
    c.server.modified(db, key, 'incrbyfloat');
    c.propagateAs(['SET', key, r, 'KEEPTTL']);
    c.w.bulk(r);
  },
};

function setWithExpire(c: Session, argv: string[], name: string, unit: SetFlag): void {
  const v = getLongBig(c, argv[2]);
  if (v === null) return;
  if (v <= 0n || (unit === SetFlag.EX && v > LLONG_MAX / 1000n)) {
    c.w.error(Err.invalidExpire(name));
    return;
  }
  const ms = (unit === SetFlag.EX ? v * 1000n : v) + BigInt(c.server.keyspace.now);
  if (ms > LLONG_MAX || ms <= 0n) {
    c.w.error(Err.invalidExpire(name));
    return;
  }
  setGeneric(c, argv[1], argv[3], unit, Number(ms), true);
}

function getrange(c: Session, argv: string[]): void {
  const start0 = getLong(c, argv[2]);
  if (start0 === null) return;
  const end0 = getLong(c, argv[3]);
  if (end0 === null) return;
  const v = c.db.read(argv[1]);
  if (v === undefined) {
    c.w.bulk('');
    return;
  }
  if (!isString(v)) {
    c.w.error(Err.wrongType);
    return;
  }
  let start = start0;
  let end = end0;
  const len = stringLength(v);
  if (start < 0 && end < 0 && start > end) {
    c.w.bulk('');
    return;
  }
  if (start < 0) start = len + start;
  if (end < 0) end = len + end;
  if (start < 0) start = 0;
  if (end < 0) end = 0;
  if (end >= len) end = len - 1;
  if (start > end || len === 0) {
    c.w.bulk('');
    return;
  }
  if (typeof v === 'string') c.w.bulk(v.slice(start, end + 1));
  else c.w.bulkBuffer(v.buf.subarray(start, end + 1));
}
