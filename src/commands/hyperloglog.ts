/**
 * HyperLogLog commands (hyperloglog.c): PFADD, PFCOUNT, PFMERGE, PFDEBUG,
 * PFSELFTEST. An HLL is a plain string value in Redis's byte layout
 * (src/types/hyperloglog.ts); commands that change one hold it as a
 * ByteString and update it in place (a plain string value is converted
 * once, as Redis's dbUnshareStringValue makes it a raw string).
 */
import type { HandlerMap, Session } from '../server/server.js';
import type { Database } from '../keyspace/database.js';
import { Err, cString } from '../protocol/errors.js';
import { ByteString, isStringValue, type Value } from '../types/object.js';
import {
  HLL_DENSE,
  HLL_REGISTERS,
  HLL_SPARSE,
  cacheValid,
  cachedCardinality,
  cardinalityReply,
  createHll,
  decodeSparse,
  denseFromRaw,
  denseRegisters,
  denseSet,
  hllAdd,
  hllCount,
  hllMerge,
  invalidateCache,
  isHllBytes,
  isHllString,
  rawCount,
  selfTest,
  setCachedCardinality,
  sparseSet,
  sparseToDense,
} from '../types/hyperloglog.js';

/** Registers merged from several HLLs, one byte each (reused: one synchronous call at a time). */
const merged = new Uint8Array(HLL_REGISTERS);

/** A new empty HLL value. */
function newHll(): ByteString {
  const h = createHll();
  return new ByteString(h.buf, h.len);
}

/**
 * Checks that a value is an HLL (isHLLObjectOrReply): another type is the
 * usual WRONGTYPE, a string that is not an HLL Redis's own WRONGTYPE.
 */
function checkHll(c: Session, v: Value): v is string | ByteString {
  if (!isStringValue(v)) {
    c.w.error(Err.wrongType);
    return false;
  }
  if (typeof v === 'string' ? !isHllString(v) : !isHllBytes(v.buf, v.len)) {
    c.w.error(Err.notHll);
    return false;
  }
  return true;
}

/** The value as a ByteString the command may change in place (dbUnshareStringValue). */
function unshare(db: Database, key: string, v: string | ByteString): ByteString {
  if (typeof v !== 'string') return v;
  // A sparse HLL may grow by a few bytes per update: some room up front.
  const bs = ByteString.fromString(v, v.charCodeAt(4) === HLL_SPARSE ? 64 : 0);
  db.replace(key, bs);
  return bs;
}

/** The bytes of a string value, for reading. */
function bytesOf(v: string | ByteString): ByteString {
  return typeof v === 'string' ? ByteString.fromString(v) : v;
}

function replyCard(c: Session, card: number): void {
  const r = cardinalityReply(card);
  if (typeof r === 'number') c.w.int(r);
  else c.w.bigInt(r);
}

/** PFADD key [element ...]: 1 when a register changed (or the key was created), else 0. */
function pfadd(c: Session, argv: string[]): void {
  const db = c.db;
  const key = argv[1];
  const v = db.lookupWrite(key);
  let h: ByteString;
  let updated = 0;
  if (v === undefined) {
    h = newHll();
    db.add(key, h);
    updated++;
  } else {
    if (!checkHll(c, v)) return;
    h = unshare(db, key, v);
  }
  const maxBytes = c.server.config.hllSparseMaxBytes;
  for (let j = 2; j < argv.length; j++) {
    const r = hllAdd(h, argv[j], maxBytes);
    if (r === 1) updated++;
    else if (r < 0) {
      // What was added before stays, unannounced, as in Redis.
      c.w.error(Err.corruptHll);
      return;
    }
  }
  if (updated > 0) {
    invalidateCache(h.buf);
    c.server.modified(db, key, 'pfadd', updated);
    c.w.int(1);
  } else {
    c.w.int(0);
  }
}

/**
 * PFCOUNT key [key ...]. One key: the cached cardinality, or the estimate,
 * which is then cached; storing it is a write Redis counts in dirty,
 * signals for the key and propagates (without a keyspace event). Several
 * keys: the estimate of their union, nothing stored.
 */
function pfcount(c: Session, argv: string[]): void {
  const db = c.db;
  if (argv.length > 2) {
    merged.fill(0);
    for (let j = 1; j < argv.length; j++) {
      const v = db.read(argv[j]);
      if (v === undefined) continue;
      if (!checkHll(c, v)) return;
      const b = bytesOf(v);
      if (!hllMerge(merged, b.buf, b.len)) {
        c.w.error(Err.corruptHll);
        return;
      }
    }
    replyCard(c, rawCount(merged));
    return;
  }
  const key = argv[1];
  const v = db.read(key);
  if (v === undefined) {
    c.w.int(0);
    return;
  }
  if (!checkHll(c, v)) return;
  const h = unshare(db, key, v);
  const buf = h.buf;
  if (cacheValid(buf)) {
    const card = cachedCardinality(buf);
    if (typeof card === 'number') c.w.int(card);
    else c.w.bigInt(card);
    return;
  }
  const card = hllCount(buf, h.len);
  if (card < 0) {
    c.w.error(Err.corruptHll);
    return;
  }
  db.changing(key);
  setCachedCardinality(buf, card);
  const server = c.server;
  server.signalKey(db, key);
  server.modifiedUnsignalled(db, key, null);
  c.alsoPropagate(argv);
  replyCard(c, card);
}

/**
 * PFMERGE destkey [sourcekey ...]: the destination (itself one of the
 * sources, created when missing) takes the maximum of each register. As
 * Redis 7.0: the result is dense when any source was dense, otherwise the
 * registers are set one by one into the sparse destination, which may
 * become dense on the way.
 */
function pfmerge(c: Session, argv: string[]): void {
  const db = c.db;
  merged.fill(0);
  let useDense = false;
  for (let j = 1; j < argv.length; j++) {
    const v = db.read(argv[j]);
    if (v === undefined) continue;
    if (!checkHll(c, v)) return;
    const b = bytesOf(v);
    if (b.buf[4] === HLL_DENSE) useDense = true;
    if (!hllMerge(merged, b.buf, b.len)) {
      c.w.error(Err.corruptHll);
      return;
    }
  }
  const key = argv[1];
  const v = db.lookupWrite(key);
  let h: ByteString;
  if (v === undefined) {
    h = newHll();
    db.add(key, h);
  } else {
    // Checked above as the first source.
    h = unshare(db, key, v as string | ByteString);
  }
  if (useDense && !sparseToDense(h)) {
    c.w.error(Err.corruptHll);
    return;
  }
  if (h.buf[4] === HLL_DENSE) {
    // Every register of the destination is already in `merged`, so the result is `merged` itself.
    denseFromRaw(h.buf, merged);
  } else {
    const maxBytes = c.server.config.hllSparseMaxBytes;
    for (let j = 0; j < HLL_REGISTERS; j++) {
      const count = merged[j];
      if (count === 0) continue;
      if (h.buf[4] === HLL_DENSE) denseSet(h.buf, j, count);
      else sparseSet(h, j, count, maxBytes);
    }
  }
  invalidateCache(h.buf);
  // Redis raises pfadd for PFMERGE: in effect a mass add.
  c.server.modified(db, key, 'pfadd');
  c.w.ok();
}

/** PFDEBUG GETREG|DECODE|ENCODING|TODENSE key (the key is looked up before the subcommand is known). */
function pfdebug(c: Session, argv: string[]): void {
  const db = c.db;
  const key = argv[2];
  const v = db.lookupWrite(key);
  if (v === undefined) {
    c.w.error('ERR The specified key does not exist');
    return;
  }
  if (!checkHll(c, v)) return;
  const h = unshare(db, key, v);
  // Redis compares the subcommand as a C string.
  const sub = cString(argv[1]);
  switch (sub.toLowerCase()) {
    case 'getreg': {
      if (h.buf[4] === HLL_SPARSE) {
        if (!sparseToDense(h)) {
          c.w.error(Err.corruptHll);
          return;
        }
        // A change of encoding: counted so that it propagates, nothing signalled.
        c.server.modifiedUnsignalled(db, key, null);
      }
      const regs = denseRegisters(h.buf);
      c.w.array(regs.length);
      for (const r of regs) c.w.int(r);
      return;
    }
    case 'decode':
      if (h.buf[4] !== HLL_SPARSE) c.w.error('ERR HLL encoding is not sparse');
      else c.w.bulk(decodeSparse(h.buf, h.len));
      return;
    case 'encoding':
      c.w.simple(h.buf[4] === HLL_DENSE ? 'dense' : 'sparse');
      return;
    case 'todense': {
      let converted = 0;
      if (h.buf[4] === HLL_SPARSE) {
        if (!sparseToDense(h)) {
          c.w.error(Err.corruptHll);
          return;
        }
        converted = 1;
        c.server.modifiedUnsignalled(db, key, null);
      }
      c.w.int(converted);
      return;
    }
    default:
      c.w.error(`ERR Unknown PFDEBUG subcommand '${sub}'`);
  }
}

export const hyperloglogCommands: HandlerMap = {
  pfadd,
  pfcount,
  pfmerge,
  pfdebug,
  pfselftest(c) {
    const failure = selfTest(c.server.config.hllSparseMaxBytes);
    if (failure === null) c.w.ok();
    else c.w.error('ERR ' + failure);
  },
};
