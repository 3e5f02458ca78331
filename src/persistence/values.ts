/**
 * Values in the RDB format (rdbSaveObject / rdbLoadObject): each type saved
 * in the encoding Redis 7.0.15 writes for the same contents, and loaded from
 * every encoding Redis 5 to 7.0 wrote, into Sinew's own structures.
 *
 * Saving follows Redis byte for byte where its encoding is deterministic:
 * strings, listpack hashes and sorted sets (insertion / score order),
 * intsets, skiplist sorted sets (saved from the largest), streams (their
 * nodes mirror Redis's listpacks) and lists (quicklist nodes cut where
 * RPUSH would have cut them under list-max-listpack-size). Hashtable-encoded
 * sets and hashes are saved in Sinew's order (Redis's is its dict's, which
 * is seeded at random).
 *
 * Loading always decodes every element with bounds checks (so it validates
 * as deeply as sanitize-dump-payload yes): a payload that lies about a
 * length, holds duplicates or is truncated throws an RdbError naming the
 * problem with Redis's wording, before anything reaches the keyspace.
 */
import type { TypeLimits } from '../config/config.js';
import { type Value, ByteString, MAX_JS_STRING } from '../types/object.js';
import { ListValue } from '../types/list.js';
import { RSet } from '../types/set.js';
import { ZSet } from '../types/zset.js';
import { RHash } from '../types/hash.js';
import {
  Stream,
  StreamNack,
  type StreamId,
  type Counter,
  FLAG_SAMEFIELDS,
  decodeNodeListpack,
  encodeNodeListpack,
  idMs,
  idSeq,
  makeIdBig,
  toCounter,
} from '../types/stream.js';
import { formatG } from '../protocol/numbers.js';
import { RdbError, RdbReader, RdbType, type RdbWriter } from './rdb-io.js';
import { ListpackWriter, listpackEntries, listpackEntrySize } from './listpack.js';
import { intsetDecode, intsetEncode } from './intset.js';
import { ziplistEntries } from './ziplist.js';
import { zipmapPairs } from './zipmap.js';

/** What saving needs beyond the value: list-max-listpack-size (quicklist node cuts). */
export interface SaveOptions {
  listFill: number;
}

export type LoadLimits = Readonly<TypeLimits>;

// ---------------------------------------------------------------------------
// saving
// ---------------------------------------------------------------------------

/** The RDB type byte Redis 7.0 writes for a value (rdbSaveObjectType). */
export function rdbTypeOf(v: Value): number {
  if (typeof v === 'string') return RdbType.STRING;
  switch (v.type) {
    case 'string':
      return RdbType.STRING;
    case 'list':
      return RdbType.LIST_QUICKLIST_2;
    case 'set':
      return (v as RSet).intset ? RdbType.SET_INTSET : RdbType.SET;
    case 'zset':
      return (v as ZSet).listpack ? RdbType.ZSET_LISTPACK : RdbType.ZSET_2;
    case 'hash':
      return (v as RHash).listpack ? RdbType.HASH_LISTPACK : RdbType.HASH;
    case 'stream':
      return RdbType.STREAM_LISTPACKS_2;
  }
}

/** Writes the type byte then the value (rdbSaveObjectType + rdbSaveObject). */
export function writeValue(w: RdbWriter, v: Value, opts: SaveOptions): void {
  w.byte(rdbTypeOf(v));
  writeObject(w, v, opts);
}

/** rdbSaveObject: the value's body. */
export function writeObject(w: RdbWriter, v: Value, opts: SaveOptions): void {
  if (typeof v === 'string') {
    w.string(v);
    return;
  }
  switch (v.type) {
    case 'string':
      w.blob((v as ByteString).buf.subarray(0, (v as ByteString).len));
      return;
    case 'list':
      writeList(w, v as ListValue, opts.listFill);
      return;
    case 'set':
      writeSet(w, v as RSet);
      return;
    case 'zset':
      writeZset(w, v as ZSet);
      return;
    case 'hash':
      writeHash(w, v as RHash);
      return;
    case 'stream':
      writeStream(w, v as Stream);
      return;
  }
}

/** quicklist.c: the byte budget of a node for a negative fill (optimization_level). */
const OPTIMIZATION_LEVEL = [4096, 8192, 16384, 32768, 65536];
const SIZE_SAFETY_LIMIT = 8192;
const SIZE_ESTIMATE_OVERHEAD = 8;
const PACKED_THRESHOLD = 1 << 30;
const EMPTY_LISTPACK = 7;

/** _quicklistNodeAllowInsert for a packed node of `bytes` listpack bytes and `count` entries. */
function nodeAllows(bytes: number, count: number, fill: number, sz: number): boolean {
  if (sz >= PACKED_THRESHOLD) return false;
  const newSz = bytes + sz + SIZE_ESTIMATE_OVERHEAD;
  if (fill < 0) {
    const off = -fill - 1;
    if (off < OPTIMIZATION_LEVEL.length && newSz <= OPTIMIZATION_LEVEL[off]) return true;
  }
  if (newSz > SIZE_SAFETY_LIMIT) return false;
  return count < fill;
}

/**
 * The quicklist's nodes as RPUSH of every element into an empty list builds
 * them: [start, end) element ranges; a range of one element at least
 * PACKED_THRESHOLD bytes is a plain node.
 */
function quicklistCuts(items: readonly string[], fill: number): number[] {
  const cuts: number[] = [];
  let bytes = 0;
  let count = 0;
  let open = false;
  for (let i = 0; i < items.length; i++) {
    const s = items[i];
    if (open && nodeAllows(bytes, count, fill, s.length)) {
      bytes += listpackEntrySize(s);
      count++;
      continue;
    }
    cuts.push(i);
    if (s.length >= PACKED_THRESHOLD) {
      open = false;
      continue;
    }
    open = true;
    bytes = EMPTY_LISTPACK + listpackEntrySize(s);
    count = 1;
  }
  cuts.push(items.length);
  return cuts;
}

function writeList(w: RdbWriter, l: ListValue, fill: number): void {
  const items = l.toArray();
  const cuts = quicklistCuts(items, fill);
  w.len(cuts.length - 1);
  for (let k = 0; k + 1 < cuts.length; k++) {
    const start = cuts[k];
    const end = cuts[k + 1];
    if (end - start === 1 && items[start].length >= PACKED_THRESHOLD) {
      w.len(1); // QUICKLIST_NODE_CONTAINER_PLAIN
      w.string(items[start]);
      continue;
    }
    w.len(2); // QUICKLIST_NODE_CONTAINER_PACKED
    const lp = new ListpackWriter();
    for (let i = start; i < end; i++) lp.appendString(items[i]);
    w.blob(lp.finish());
  }
}

function writeSet(w: RdbWriter, s: RSet): void {
  const members = s.ordered();
  if (s.intset) {
    w.blob(intsetEncode(members as string[]));
    return;
  }
  w.len(members.length);
  for (let i = 0; i < members.length; i++) w.string(members[i]);
}

/** double2ll's range: integral doubles within +-2^62 are stored as integers. */
const LL_HALF = 4611686018427387904;

/** A listpack sorted set's score entry (zzlInsertAt: an integer when double2ll allows, else d2string). */
function appendScore(lp: ListpackWriter, score: number): void {
  if (score >= -LL_HALF && score <= LL_HALF && Number.isInteger(score)) {
    lp.appendInt(Object.is(score, -0) ? 0 : score);
    return;
  }
  lp.appendString(formatG(score, 17));
}

function writeZset(w: RdbWriter, z: ZSet): void {
  const tree = z.tree;
  if (z.listpack) {
    const lp = new ListpackWriter();
    tree.each(0, tree.size, false, (m, s) => {
      lp.appendString(m);
      appendScore(lp, s);
    });
    w.blob(lp.finish());
    return;
  }
  // from the greatest to the smallest, as Redis walks its skiplist backwards
  w.len(tree.size);
  tree.each(0, tree.size, true, (m, s) => {
    w.string(m);
    w.double(s);
  });
}

function writeHash(w: RdbWriter, h: RHash): void {
  const t = h.table;
  if (t === null) {
    const lp = new ListpackWriter();
    const kv = h.kv;
    for (let j = 0; j < kv.length; j++) lp.appendString(kv[j]);
    w.blob(lp.finish());
    return;
  }
  w.len(t.size);
  for (const [f, v] of t) {
    w.string(f);
    w.string(v);
  }
}

function counterU64(c: Counter): bigint {
  return BigInt.asUintN(64, BigInt(c));
}

function writeId(w: RdbWriter, id: StreamId): void {
  w.len(idMs(id));
  w.len(idSeq(id));
}

function writeStream(w: RdbWriter, s: Stream): void {
  w.len(s.nodeCount);
  for (const node of s.nodes()) {
    w.string(node.masterId);
    w.blob(encodeNodeListpack(node));
  }
  w.len(s.length);
  writeId(w, s.lastId);
  writeId(w, s.firstId);
  writeId(w, s.maxDeletedId);
  w.len(counterU64(s.entriesAdded));
  const groups = s.groups();
  w.len(groups.length);
  for (const g of groups) {
    w.string(g.name);
    writeId(w, g.lastId);
    w.len(counterU64(g.entriesRead));
    w.len(g.pel.size);
    g.pel.forEach((nack, id) => {
      w.bytes(Buffer.from(id, 'latin1'));
      w.millis(nack.deliveryTime);
      w.len(nack.deliveryCount);
    });
    w.len(g.consumers.size);
    g.consumers.forEach((c) => {
      w.string(c.name);
      w.millis(c.seenTime);
      w.len(c.pel.size);
      c.pel.forEach((_n, id) => {
        w.bytes(Buffer.from(id, 'latin1'));
      });
    });
  }
}

// ---------------------------------------------------------------------------
// loading
// ---------------------------------------------------------------------------

/** True for the type bytes of values (rdbIsObjectType), including module types (refused when read). */
export function isObjectType(t: number): boolean {
  return (t >= 0 && t <= 7) || (t >= 9 && t <= 19);
}

/** Thrown for a key whose value is empty (Redis skips such keys when loading a file, RESTORE refuses them). */
export class EmptyKeyError extends RdbError {
  constructor() {
    super('empty keys are not allowed');
  }
}

/**
 * Largest element count a payload may claim given the bytes left: every
 * element takes at least one byte, so a bigger count is a lie (checked before
 * anything is allocated from it).
 */
function checkCount(r: RdbReader, n: number, perElement = 1): number {
  if (n > r.left / perElement) throw new RdbError(`Unexpected EOF reading RDB file (count ${n} exceeds the payload)`);
  return n;
}

/** A latin1 string, or a ByteString when it is too long for one JS string. */
function loadString(r: RdbReader): Value {
  const save = r.pos;
  const n = r.lenOrEnc();
  if (!r.encoded && n > MAX_JS_STRING) return new ByteString(Buffer.from(r.raw(n)));
  if (r.encoded && n === 3) {
    r.pos = save;
    const b = r.stringBytes();
    return b.length > MAX_JS_STRING ? new ByteString(b) : b.toString('latin1');
  }
  r.pos = save;
  return r.string();
}

/** Reads a value body of type `type` (rdbLoadObject). */
export function readObject(r: RdbReader, type: number, limits: LoadLimits): Value {
  switch (type) {
    case RdbType.STRING:
      return loadString(r);
    case RdbType.LIST: {
      const n = checkCount(r, r.len());
      if (n === 0) throw new EmptyKeyError();
      const items = new Array<string>(n);
      for (let i = 0; i < n; i++) items[i] = r.string();
      return ListValue.from(items);
    }
    case RdbType.LIST_QUICKLIST:
    case RdbType.LIST_QUICKLIST_2:
      return readQuicklist(r, type === RdbType.LIST_QUICKLIST_2);
    case RdbType.LIST_ZIPLIST: {
      const items = ziplistEntries(r.stringBytes());
      if (items === null) throw new RdbError('List ziplist integrity check failed.');
      if (items.length === 0) throw new EmptyKeyError();
      return ListValue.from(items);
    }
    case RdbType.SET: {
      const n = checkCount(r, r.len());
      if (n === 0) throw new EmptyKeyError();
      const s = new RSet(n <= limits.setIntset);
      for (let i = 0; i < n; i++) {
        if (!s.add(r.string(), limits.setIntset)) throw new RdbError('Duplicate set members detected');
      }
      return s;
    }
    case RdbType.SET_INTSET: {
      const members = intsetDecode(r.stringBytes());
      if (members === null) throw new RdbError('Intset integrity check failed.');
      if (members.length === 0) throw new EmptyKeyError();
      const s = new RSet(true);
      for (const m of members) s.add(m, Infinity);
      if (members.length > limits.setIntset) s.convert();
      return s;
    }
    case RdbType.ZSET:
    case RdbType.ZSET_2: {
      const n = checkCount(r, r.len(), type === RdbType.ZSET_2 ? 9 : 2);
      if (n === 0) throw new EmptyKeyError();
      const ms = new Array<string>(n);
      const ss = new Array<number>(n);
      let maxLen = 0;
      for (let i = 0; i < n; i++) {
        const m = r.string();
        const sc = type === RdbType.ZSET_2 ? r.double() : r.textDouble();
        if (Number.isNaN(sc)) throw new RdbError('Zset with NAN score detected');
        ms[i] = m;
        ss[i] = sc;
        if (m.length > maxLen) maxLen = m.length;
      }
      const z = ZSet.fromPairs(ms, ss);
      // a repeated member shows in the set's own dictionary (the value is dropped before it is kept)
      if (z.dict.size !== n) throw new RdbError('Duplicate zset fields detected');
      z.listpack = false;
      if (n <= limits.zsetEntries && maxLen <= limits.zsetValue) z.toListpack();
      return z;
    }
    case RdbType.ZSET_ZIPLIST:
    case RdbType.ZSET_LISTPACK: {
      const blob = r.stringBytes();
      const e = type === RdbType.ZSET_LISTPACK ? listpackEntries(blob) : ziplistEntries(blob);
      const what = type === RdbType.ZSET_LISTPACK ? 'Zset listpack' : 'Zset ziplist';
      if (e === null || e.length % 2 !== 0) throw new RdbError(`${what} integrity check failed.`);
      if (e.length === 0) throw new EmptyKeyError();
      const ms: string[] = [];
      const ss: number[] = [];
      const seen = new Set<string>();
      for (let i = 0; i < e.length; i += 2) {
        const sc = parseScore(e[i + 1]);
        if (sc === null || seen.has(e[i])) throw new RdbError(`${what} integrity check failed.`);
        seen.add(e[i]);
        ms.push(e[i]);
        ss.push(sc);
      }
      const z = ZSet.fromPairs(ms, ss);
      z.listpack = false;
      if (ms.length <= limits.zsetEntries) z.toListpack();
      return z;
    }
    case RdbType.HASH: {
      const n = checkCount(r, r.len(), 2);
      if (n === 0) throw new EmptyKeyError();
      const h = new RHash();
      if (n > limits.hashEntries) h.convert();
      for (let i = 0; i < n; i++) {
        const f = r.string();
        const v = r.string();
        if (h.has(f)) throw new RdbError('Duplicate hash fields detected');
        h.set(f, v, limits.hashEntries, limits.hashValue);
      }
      return h;
    }
    case RdbType.HASH_ZIPMAP:
    case RdbType.HASH_ZIPLIST:
    case RdbType.HASH_LISTPACK: {
      const blob = r.stringBytes();
      const e =
        type === RdbType.HASH_LISTPACK ? listpackEntries(blob) : type === RdbType.HASH_ZIPLIST ? ziplistEntries(blob) : zipmapPairs(blob);
      const what = type === RdbType.HASH_LISTPACK ? 'Hash listpack' : type === RdbType.HASH_ZIPLIST ? 'Hash ziplist' : 'Zipmap';
      if (e === null || e.length % 2 !== 0) throw new RdbError(`${what} integrity check failed.`);
      if (e.length === 0) throw new EmptyKeyError();
      const h = new RHash();
      let maxLen = 0;
      for (let i = 0; i < e.length; i += 2) {
        if (h.has(e[i])) throw new RdbError(type === RdbType.HASH_LISTPACK ? `${what} integrity check failed.` : 'Hash with dup elements');
        h.set(e[i], e[i + 1], Infinity, Infinity);
        maxLen = Math.max(maxLen, e[i].length, e[i + 1].length);
      }
      // a zipmap is converted when its strings are too long as well (7.0 checks only the count for the others)
      if (e.length / 2 > limits.hashEntries || (type === RdbType.HASH_ZIPMAP && maxLen > limits.hashValue)) h.convert();
      return h;
    }
    case RdbType.STREAM_LISTPACKS:
    case RdbType.STREAM_LISTPACKS_2:
      return readStream(r, type === RdbType.STREAM_LISTPACKS_2);
    case RdbType.MODULE:
    case RdbType.MODULE_2: {
      const id = r.lenBig();
      throw new RdbError(`The RDB file contains module data I can't load: no matching module type '${moduleTypeName(id)}'`);
    }
    default:
      throw new RdbError(`Unknown RDB encoding type ${type}`);
  }
}

/** A module type's 9-character name from its 64-bit id (moduleTypeNameByID). */
export function moduleTypeName(id: bigint): string {
  const chars = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  let name = '';
  let v = id >> 10n;
  for (let i = 0; i < 9; i++) {
    name = chars[Number(v & 63n)] + name;
    v >>= 6n;
  }
  return name;
}

/** A listpack/ziplist score entry (zzlStrtod); null when it is not a number. */
function parseScore(s: string): number | null {
  const t = s.trim();
  if (t === '') return null;
  const l = t.toLowerCase();
  if (l === 'inf' || l === '+inf' || l === 'infinity') return Infinity;
  if (l === '-inf' || l === '-infinity') return -Infinity;
  const v = Number(t);
  return Number.isNaN(v) ? null : v;
}

function readQuicklist(r: RdbReader, v2: boolean): Value {
  const nodes = checkCount(r, r.len());
  if (nodes === 0) throw new EmptyKeyError();
  const items: string[] = [];
  for (let k = 0; k < nodes; k++) {
    let container = 2;
    if (v2) {
      container = r.len();
      if (container !== 1 && container !== 2) throw new RdbError('Quicklist integrity check failed.');
    }
    if (container === 1) {
      const s = r.string();
      if (s.length === 0) throw new RdbError('Quicklist integrity check failed.');
      items.push(s);
      continue;
    }
    const blob = r.stringBytes();
    if (blob.length === 0) throw new RdbError('Quicklist integrity check failed.');
    const e = v2 ? listpackEntries(blob) : ziplistEntries(blob);
    if (e === null) throw new RdbError(v2 ? 'Listpack integrity check failed.' : 'Ziplist integrity check failed.');
    // empty nodes are skipped silently, as Redis does
    for (let i = 0; i < e.length; i++) items.push(e[i]);
  }
  if (items.length === 0) throw new EmptyKeyError();
  return ListValue.from(items);
}

function readId(r: RdbReader): StreamId {
  return makeIdBig(r.lenBig(), r.lenBig());
}

/**
 * streamValidateListpackIntegrity (t_stream.c, deep): every element is a
 * valid listpack entry, and the master entry's and each entry's counts agree
 * with the elements that follow, so that no count read from the listpack can
 * run past its end (decodeNodeListpack loops on those counts).
 */
function streamListpackValid(lp: Buffer): boolean {
  const e = listpackEntries(lp);
  if (e === null) return false;
  let i = 0;
  // lpGetIntegerIfValid: integer-encoded entries, or strings string2ll accepts
  const int = (): number | null => (i < e.length && /^-?\d{1,19}$/.test(e[i]) ? Number(e[i++]) : null);
  const skip = (n: number): boolean => (i += n) <= e.length;
  if (e.length === 0) return true; // an empty listpack: refused as 'Empty listpack inside stream'
  const entryCount = int();
  const deletedCount = int();
  const masterFields = int();
  if (entryCount === null || deletedCount === null || masterFields === null || masterFields < 0 || !skip(masterFields)) return false;
  if (int() !== 0) return false; // the master entry's terminator
  let n = entryCount + deletedCount;
  if (n < 0) return false; // Redis walks off the end for a negative count
  while (n-- > 0) {
    let fields = masterFields;
    let extra = 3;
    const flags = int();
    if (flags === null || int() === null || int() === null) return false;
    if (!(flags & FLAG_SAMEFIELDS)) {
      const f = int();
      if (f === null || f < 0 || !skip(f)) return false;
      fields = f;
      extra += f + 1;
    }
    if (!skip(fields)) return false;
    if (int() !== fields + extra) return false; // lp-count
  }
  return i === e.length; // no elements after the last entry
}

function readStream(r: RdbReader, v2: boolean): Value {
  const s = new Stream();
  const nodes = checkCount(r, r.len(), 2);
  let last: StreamId | null = null;
  for (let k = 0; k < nodes; k++) {
    const key = r.string();
    if (key.length !== 16) throw new RdbError('Stream node key entry is not the size of a stream ID');
    const lp = r.stringBytes();
    if (!streamListpackValid(lp)) throw new RdbError('Stream listpack integrity check failed.');
    if (lp.length <= 7) throw new RdbError('Empty listpack inside stream');
    const node = decodeNodeListpack(key as StreamId, lp);
    if (node === null) throw new RdbError('Stream listpack integrity check failed.');
    if (last !== null && key <= last) throw new RdbError('Listpack re-added with existing key');
    last = key as StreamId;
    s.appendNode(node);
  }
  const length = r.lenBig();
  s.lastId = readId(r);
  if (v2) {
    s.firstId = readId(r);
    s.maxDeletedId = readId(r);
    s.entriesAdded = toCounter(r.lenBig());
  } else {
    s.entriesAdded = toCounter(length);
    s.firstId = s.edgeId(true, true);
  }
  if (length > 0n && nodes === 0) throw new RdbError('Stream length inconsistent with rax entries');
  if (!s.lengthMatches(Number(length))) throw new RdbError('Stream length inconsistent with rax entries');
  const ngroups = checkCount(r, r.len(), 4);
  for (let g = 0; g < ngroups; g++) {
    const name = r.string();
    const lastId = readId(r);
    const entriesRead: Counter = v2 ? toCounter(BigInt.asIntN(64, r.lenBig())) : s.estimateDistance(lastId);
    const group = s.createGroup(name, lastId, entriesRead);
    if (group === null) throw new RdbError(`Duplicated consumer group name ${name}`);
    const pel = checkCount(r, r.len(), 17);
    for (let i = 0; i < pel; i++) {
      const id = r.raw(16).toString('latin1') as StreamId;
      const deliveryTime = r.millis();
      const deliveryCount = r.len();
      if (group.pel.has(id)) throw new RdbError('Duplicated global PEL entry loading stream consumer group');
      group.pel.set(id, new StreamNack(null, deliveryTime, deliveryCount));
    }
    const nconsumers = checkCount(r, r.len(), 10);
    for (let i = 0; i < nconsumers; i++) {
      const cname = r.string();
      const seen = r.millis();
      const c = group.createConsumer(cname, seen);
      if (c === null) throw new RdbError('Duplicate stream consumer detected.');
      const n = checkCount(r, r.len(), 16);
      for (let j = 0; j < n; j++) {
        const id = r.raw(16).toString('latin1') as StreamId;
        const nack = group.pel.get(id);
        if (nack === undefined) throw new RdbError('Consumer entry not found in group global PEL');
        if (c.pel.has(id)) throw new RdbError('Duplicated consumer PEL entry  loading a stream consumer group');
        nack.consumer = c;
        c.pel.set(id, nack);
      }
    }
    let orphan = false;
    group.pel.forEach((nack) => {
      if (nack.consumer !== null) return true;
      orphan = true;
      return false;
    });
    if (orphan) throw new RdbError('Stream CG PEL entry without consumer');
  }
  return s;
}
