/**
 * Files written by older Redis versions (RDB versions 6 to 9: Redis 2.6/2.8,
 * 3.2, 4.0, 5.0-6.2) load correctly. No old Redis binary is at hand, so the
 * files are built byte by byte here from the format description in the
 * 7.0.15 sources (rdb.c, ziplist.c, zipmap.c, intset.c, t_stream.c), with a
 * test-only ziplist and zipmap builder, then loaded with RdbLoader and, when
 * redis-check-rdb is installed, checked by Redis itself.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Keyspace } from '../../src/keyspace/keyspace.js';
import { Config } from '../../src/config/config.js';
import { RdbLoader } from '../../src/persistence/rdb-file.js';
import { RdbError, RdbReader } from '../../src/persistence/rdb-io.js';
import { crc64 } from '../../src/persistence/crc64.js';
import { lzfCompress } from '../../src/persistence/lzf.js';
import { encodingOf } from '../../src/commands/keys.js';
import type { Value } from '../../src/types/object.js';
import type { ListValue } from '../../src/types/list.js';
import type { RSet } from '../../src/types/set.js';
import type { ZSet } from '../../src/types/zset.js';
import type { RHash } from '../../src/types/hash.js';
import { type Stream, type StreamId, formatId, makeId } from '../../src/types/stream.js';

// ------------------------------------------------------------ RDB primitives

const cat = (...parts: (Buffer | number[])[]): Buffer => Buffer.concat(parts.map((p) => (Buffer.isBuffer(p) ? p : Buffer.from(p))));

/** rdbSaveLen: 6, 14, 32 or 64 bit. */
function len(n: number): Buffer {
  if (n < 64) return Buffer.from([n]);
  if (n < 16384) return Buffer.from([0x40 | (n >> 8), n & 0xff]);
  if (n < 2 ** 32) {
    const b = Buffer.alloc(5);
    b[0] = 0x80;
    b.writeUInt32BE(n, 1);
    return b;
  }
  const b = Buffer.alloc(9);
  b[0] = 0x81;
  b.writeBigUInt64BE(BigInt(n), 1);
  return b;
}

/** A raw (length-prefixed) RDB string. */
function str(s: string | Buffer): Buffer {
  const b = typeof s === 'string' ? Buffer.from(s, 'latin1') : s;
  return cat(len(b.length), b);
}

/** rdbEncodeInteger forms: 0xC0 int8, 0xC1 int16, 0xC2 int32. */
function intStr(v: number, width: 1 | 2 | 4): Buffer {
  const b = Buffer.alloc(1 + width);
  b[0] = 0xc0 | (width === 1 ? 0 : width === 2 ? 1 : 2);
  if (width === 1) b.writeInt8(v, 1);
  else if (width === 2) b.writeInt16LE(v, 1);
  else b.writeInt32LE(v, 1);
  return b;
}

/** rdbSaveLzfStringObject: 0xC3 <clen> <len> <lzf data>. */
function lzfStr(s: string | Buffer): Buffer {
  const b = typeof s === 'string' ? Buffer.from(s, 'latin1') : s;
  const out = Buffer.alloc(b.length + 64);
  const clen = lzfCompress(b, out);
  assert.ok(clen > 0 && clen < b.length, 'test data must be compressible');
  return cat([0xc3], len(clen), len(b.length), out.subarray(0, clen));
}

/** rdbSaveDoubleValue (ZSET type 3): length byte + text, or 253 nan / 254 +inf / 255 -inf. */
function textDouble(v: number | string): Buffer {
  if (typeof v === 'number') {
    if (Number.isNaN(v)) return Buffer.from([253]);
    if (v === Infinity) return Buffer.from([254]);
    if (v === -Infinity) return Buffer.from([255]);
    v = String(v);
  }
  return cat([v.length], Buffer.from(v, 'latin1'));
}

const OP = { EOF: 255, SELECTDB: 254, EXPIRETIME: 253, EXPIRETIME_MS: 252, RESIZEDB: 251, AUX: 250, FREQ: 249, IDLE: 248 };

const aux = (k: string, v: string | Buffer): Buffer => cat([OP.AUX], str(k), Buffer.isBuffer(v) ? v : str(v));
const selectDb = (id: number, size?: number, expires?: number): Buffer =>
  size === undefined ? cat([OP.SELECTDB], len(id)) : cat([OP.SELECTDB], len(id), [OP.RESIZEDB], len(size), len(expires ?? 0));
const expireSec = (sec: number): Buffer => {
  const b = Buffer.alloc(5);
  b[0] = OP.EXPIRETIME;
  b.writeInt32LE(sec, 1);
  return b;
};
const expireMs = (ms: number): Buffer => {
  const b = Buffer.alloc(9);
  b[0] = OP.EXPIRETIME_MS;
  b.writeBigInt64LE(BigInt(ms), 1);
  return b;
};
const pair = (type: number, key: string, body: Buffer): Buffer => cat([type], str(key), body);

/** A whole file: magic, body, EOF, then the CRC64 trailer (or eight zero bytes). */
function rdbFile(version: number, body: Buffer[], checksum: 'crc' | 'zero' = 'crc'): Buffer {
  const pre = cat(Buffer.from(`REDIS${String(version).padStart(4, '0')}`, 'latin1'), ...body, [OP.EOF]);
  return cat(pre, checksum === 'crc' ? crc64(pre) : Buffer.alloc(8));
}

// ------------------------------------------------------------ ziplist builder (ziplist.c)

type ZlItem = string | number | bigint;

/** zipTryEncoding's choice for an integer: immediate 0..12, int8, int16, int24, int32, int64. */
function zlIntEncoding(v: bigint): Buffer {
  if (v >= 0n && v <= 12n) return Buffer.from([0xf1 + Number(v)]);
  if (v >= -128n && v <= 127n) {
    const b = Buffer.alloc(2);
    b[0] = 0xfe;
    b.writeInt8(Number(v), 1);
    return b;
  }
  if (v >= -32768n && v <= 32767n) {
    const b = Buffer.alloc(3);
    b[0] = 0xc0;
    b.writeInt16LE(Number(v), 1);
    return b;
  }
  if (v >= -8388608n && v <= 8388607n) {
    const b = Buffer.alloc(4);
    b[0] = 0xf0;
    b.writeIntLE(Number(v), 1, 3);
    return b;
  }
  if (v >= -2147483648n && v <= 2147483647n) {
    const b = Buffer.alloc(5);
    b[0] = 0xd0;
    b.writeInt32LE(Number(v), 1);
    return b;
  }
  const b = Buffer.alloc(9);
  b[0] = 0xe0;
  b.writeBigInt64LE(v, 1);
  return b;
}

/** A string entry's encoding header + data: 00pppppp, 01pppppp qqqqqqqq (BE), 10000000 + uint32 BE. */
function zlStrEncoding(s: string): Buffer {
  const d = Buffer.from(s, 'latin1');
  const n = d.length;
  if (n <= 63) return cat([n], d);
  if (n <= 16383) return cat([0x40 | (n >> 8), n & 0xff], d);
  const h = Buffer.alloc(5);
  h[0] = 0x80;
  h.writeUInt32BE(n, 1);
  return cat(h, d);
}

/** prevlen: one byte below 254, else 0xFE + uint32 LE. */
function zlPrevlen(n: number): Buffer {
  if (n < 254) return Buffer.from([n]);
  const b = Buffer.alloc(5);
  b[0] = 0xfe;
  b.writeUInt32LE(n, 1);
  return b;
}

/** <zlbytes> <zltail> <zllen> entries 0xFF; strings stay strings, numbers/bigints use integer encodings. */
function ziplist(items: readonly ZlItem[], opts: { zllen?: number } = {}): Buffer {
  const entries: Buffer[] = [];
  let prev = 0;
  let off = 10;
  let tail = 10;
  for (const it of items) {
    const body = typeof it === 'string' ? zlStrEncoding(it) : zlIntEncoding(BigInt(it));
    const e = cat(zlPrevlen(prev), body);
    tail = off;
    off += e.length;
    prev = e.length;
    entries.push(e);
  }
  const total = off + 1;
  const h = Buffer.alloc(10);
  h.writeUInt32LE(total, 0);
  h.writeUInt32LE(tail, 4);
  h.writeUInt16LE(opts.zllen ?? Math.min(items.length, 65535), 8);
  return cat(h, ...entries, [0xff]);
}

// ------------------------------------------------------------ zipmap builder (zipmap.c)

/** A zipmap length: one byte below 254, else 254 + uint32 (little-endian hosts). */
function zmLen(n: number): Buffer {
  if (n < 254) return Buffer.from([n]);
  const b = Buffer.alloc(5);
  b[0] = 254;
  b.writeUInt32LE(n, 1);
  return b;
}

/** <zmlen> (<len>field<len><free>value<free bytes>)... 0xFF; count 254 means "unknown". */
function zipmap(pairs: readonly [string, string, number?][], count?: number): Buffer {
  const parts: Buffer[] = [Buffer.from([count ?? (pairs.length < 254 ? pairs.length : 254)])];
  for (const [f, v, free = 0] of pairs) {
    parts.push(zmLen(f.length), Buffer.from(f, 'latin1'), zmLen(v.length), Buffer.from([free]), Buffer.from(v, 'latin1'), Buffer.alloc(free, 0x2a));
  }
  parts.push(Buffer.from([0xff]));
  return cat(...parts);
}

// ------------------------------------------------------------ intset (intset.c)

function intset(values: bigint[], enc: 2 | 4 | 8): Buffer {
  const sorted = [...values].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const b = Buffer.alloc(8 + enc * sorted.length);
  b.writeUInt32LE(enc, 0);
  b.writeUInt32LE(sorted.length, 4);
  sorted.forEach((v, i) => {
    if (enc === 2) b.writeInt16LE(Number(v), 8 + i * 2);
    else if (enc === 4) b.writeInt32LE(Number(v), 8 + i * 4);
    else b.writeBigInt64LE(v, 8 + i * 8);
  });
  return b;
}

// ------------------------------------------------------------ loading and checking

const T = {
  STRING: 0, LIST: 1, SET: 2, ZSET: 3, HASH: 4, HASH_ZIPMAP: 9, LIST_ZIPLIST: 10, SET_INTSET: 11, ZSET_ZIPLIST: 12,
  HASH_ZIPLIST: 13, LIST_QUICKLIST: 14, STREAM_LISTPACKS: 15,
};

const NOW = 1_700_000_000_000;

function load(file: Buffer, opts: { dropExpired?: boolean } = {}): { ks: Keyspace; logs: string[]; loader: RdbLoader } {
  const ks = new Keyspace(16);
  const logs: string[] = [];
  const loader = new RdbLoader(file, ks.dbs, {
    limits: new Config().typeLimits,
    checksum: true,
    dropExpired: opts.dropExpired ?? true,
    now: NOW,
    log: (level, line) => logs.push(`${level}: ${line}`),
  });
  while (!loader.step(3)); // in small steps, as the server does
  return { ks, logs, loader };
}

const HAVE_CHECK = spawnSync('redis-check-rdb', ['--version'], { encoding: 'utf8' }).error === undefined;

/** redis-check-rdb's verdict on a file (asserts "RDB looks OK" unless the tool is missing). */
function assertRedisAccepts(file: Buffer, name: string): void {
  if (!HAVE_CHECK) {
    console.log(`# skipping redis-check-rdb for ${name}: redis-check-rdb is not installed`);
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'sinew-legacy-'));
  try {
    const p = join(dir, `${name}.rdb`);
    writeFileSync(p, file);
    const r = spawnSync('redis-check-rdb', [p], { encoding: 'utf8' });
    assert.match(r.stdout, /RDB looks OK/, `redis-check-rdb on ${name}:\n${r.stdout}${r.stderr}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function get(ks: Keyspace, db: number, key: string): Value {
  const v = ks.dbs[db].dict.get(key);
  assert.ok(v !== undefined, `key ${key} in db ${db}`);
  return v;
}

function list(ks: Keyspace, db: number, key: string): string[] {
  const v = get(ks, db, key) as ListValue;
  assert.equal(encodingOf(v), 'quicklist');
  return v.toArray();
}

function hash(ks: Keyspace, db: number, key: string, enc: string): Map<string, string> {
  const v = get(ks, db, key) as RHash;
  assert.equal(v.type, 'hash');
  assert.equal(encodingOf(v), enc, `encoding of ${key}`);
  const m = new Map<string, string>();
  v.forEach((f, val) => m.set(f, val));
  return m;
}

function zset(ks: Keyspace, db: number, key: string, enc: string): [string, number][] {
  const v = get(ks, db, key) as ZSet;
  assert.equal(v.type, 'zset');
  assert.equal(encodingOf(v), enc, `encoding of ${key}`);
  const out: [string, number][] = [];
  v.tree.each(0, v.tree.size, false, (m, s) => {
    out.push([m, s]);
  });
  return out;
}

function set(ks: Keyspace, db: number, key: string, enc: string): string[] {
  const v = get(ks, db, key) as RSet;
  assert.equal(v.type, 'set');
  assert.equal(encodingOf(v), enc, `encoding of ${key}`);
  return [...v.ordered()].sort();
}

const big = (n: number, c = 'x'): string => c.repeat(n);

// ------------------------------------------------------------ the files

/** Items covering every ziplist encoding: each integer width, and strings with 6, 14 and 32-bit lengths. */
const ZL_ITEMS: ZlItem[] = [
  0, 12, 13, -1, 127, -128, 128, -32768, 32767, 32768, -8388608, 8388607, 8388608, -2147483648, 2147483647, 2147483648,
  -9223372036854775808n, 9223372036854775807n, '', 'short', big(63, 'a'), big(64, 'b'), big(300, 'c'), big(16383, 'd'),
  big(16384, 'e'), 'after-big', big(253, 'f'), 'prevlen-253', big(252, 'g'), 'prevlen-254-5-bytes',
];
const ZL_TEXT = ZL_ITEMS.map((x) => String(x));

/** RDB 6 (Redis 2.6 / 2.8): no AUX, no RESIZEDB; zipmap hashes, ziplist lists, type 1-4 values, EXPIRETIME in seconds. */
function fileV6(): Buffer {
  const manyZm: [string, string][] = [];
  for (let i = 0; i < 600; i++) manyZm.push([`f${i}`, `v${i}`]);
  return rdbFile(6, [
    selectDb(0),
    pair(T.STRING, 'str', str('hello')),
    pair(T.STRING, 'int8', intStr(-100, 1)),
    pair(T.STRING, 'int16', intStr(30000, 2)),
    pair(T.STRING, 'int32', intStr(-2000000000, 4)),
    pair(T.STRING, 'lzf', lzfStr(big(200, 'ab'))),
    expireSec(Math.floor(NOW / 1000) + 100),
    pair(T.STRING, 'ttl-sec', str('s')),
    expireMs(NOW + 5000),
    pair(T.STRING, 'ttl-ms', str('m')),
    expireSec(Math.floor(NOW / 1000) - 10),
    pair(T.STRING, 'expired-sec', str('gone')),
    expireMs(NOW - 1),
    pair(T.STRING, 'expired-ms', str('gone')),
    pair(T.LIST, 'list1', cat(len(4), str('a'), intStr(5, 1), lzfStr(big(40, 'z')), str(''))),
    pair(T.SET, 'set-int', cat(len(3), intStr(3, 1), str('1'), str('-2'))),
    pair(T.SET, 'set-str', cat(len(3), str('1'), str('x'), str('2'))),
    pair(T.ZSET, 'zset-text', cat(len(4), str('a'), textDouble('1.5'), str('b'), textDouble(Infinity), str('c'), textDouble(-Infinity), str('d'), textDouble('-3e2'))),
    pair(T.ZSET, 'zset-text-long', cat(len(2), str(big(65)), textDouble('1'), str('y'), textDouble('2'))),
    pair(T.HASH, 'hash4', cat(len(2), str('f1'), str('v1'), str('f2'), intStr(77, 1))),
    pair(T.HASH, 'hash4-long', cat(len(2), str('f1'), str(big(65)), str('f2'), str('v'))),
    pair(T.HASH_ZIPMAP, 'zipmap', str(zipmap([['name', 'sinew', 3], ['n', '12'], ['empty', '']]))),
    pair(T.HASH_ZIPMAP, 'zipmap-biglen', str(zipmap([[big(260, 'k'), 'v'], ['b', big(300, 'w'), 2]]))),
    pair(T.HASH_ZIPMAP, 'zipmap-many', lzfStr(zipmap(manyZm))),
    pair(T.LIST_ZIPLIST, 'ziplist-list', str(ziplist(ZL_ITEMS))),
    pair(T.LIST_ZIPLIST, 'ziplist-list-lzf', lzfStr(ziplist(['aaaaaaaaaaaaaaaaaaaa', 'aaaaaaaaaaaaaaaaaaaa', 7]))),
    pair(T.SET_INTSET, 'intset16', str(intset([5n, -3n, 32767n], 2))),
    pair(T.SET_INTSET, 'intset32', str(intset([1n, 100000n, -2147483648n], 4))),
    pair(T.SET_INTSET, 'intset64', str(intset([1n, 9223372036854775807n, -9223372036854775808n], 8))),
    pair(T.ZSET_ZIPLIST, 'ziplist-zset', str(ziplist(['a', 1, 'b', '2.5', 'c', 'inf', 'd', -7, 'e', 9223372036854775807n]))),
    pair(T.HASH_ZIPLIST, 'ziplist-hash', str(ziplist(['f', 'v', 'n', 42, 'big', 100000]))),
    selectDb(2),
    pair(T.STRING, 'in-db2', str('two')),
  ]);
}

/** RDB 7 (Redis 3.2): AUX fields, RESIZEDB, quicklists of ziplists, conversions past the listpack limits. */
function fileV7(): Buffer {
  const bigHash: ZlItem[] = [];
  for (let i = 0; i < 513; i++) bigHash.push(`f${i}`, i);
  const bigZset: ZlItem[] = [];
  for (let i = 0; i < 129; i++) bigZset.push(`m${i}`, i);
  const bigIntset: bigint[] = [];
  for (let i = 0; i < 513; i++) bigIntset.push(BigInt(i * 3 - 700));
  return rdbFile(7, [
    aux('redis-ver', '3.2.13'),
    aux('redis-bits', intStr(64, 1)),
    aux('ctime', intStr(Math.floor(NOW / 1000) - 60, 4)),
    aux('used-mem', intStr(1048576, 4)),
    selectDb(0, 7, 1),
    pair(T.LIST_QUICKLIST, 'ql', cat(len(3), str(ziplist(ZL_ITEMS.slice(0, 18))), lzfStr(ziplist(ZL_ITEMS.slice(18))), str(ziplist(['tail', 1])))),
    pair(T.LIST_QUICKLIST, 'ql-empty-node', cat(len(2), str(ziplist([])), str(ziplist(['only'])))),
    pair(T.HASH_ZIPLIST, 'hash-512+1', str(ziplist(bigHash))),
    pair(T.HASH_ZIPLIST, 'hash-long-value', str(ziplist(['f', big(100)]))),
    pair(T.ZSET_ZIPLIST, 'zset-128+1', str(ziplist(bigZset))),
    pair(T.SET_INTSET, 'intset-512+1', str(intset(bigIntset, 2))),
    expireMs(NOW + 60000),
    pair(T.SET_INTSET, 'intset-ttl', str(intset([1n, 2n], 2))),
  ]);
}

/** RDB 8 (Redis 4.0): more AUX (aof-preamble, repl-*), IDLE / FREQ records, several databases. */
function fileV8(): Buffer {
  return rdbFile(8, [
    aux('redis-ver', '4.0.14'),
    aux('redis-bits', intStr(64, 1)),
    aux('ctime', intStr(Math.floor(NOW / 1000), 4)),
    aux('used-mem', intStr(2000000, 4)),
    aux('repl-stream-db', intStr(0, 1)),
    aux('repl-id', 'a'.repeat(40)),
    aux('repl-offset', intStr(0, 1)),
    aux('aof-preamble', intStr(0, 1)),
    selectDb(0, 2, 0),
    cat([OP.IDLE], len(30)),
    pair(T.LIST_QUICKLIST, 'q', cat(len(1), str(ziplist(['x', 'y', 3])))),
    cat([OP.FREQ], [5]),
    pair(T.HASH_ZIPLIST, 'h', str(ziplist(['a', '1']))),
    selectDb(15, 1, 1),
    expireMs(NOW + 1),
    pair(T.ZSET_ZIPLIST, 'z15', str(ziplist(['m', '-inf']))),
  ]);
}

/**
 * A stream DUMPed by redis-server 7.0.15 (type 19 payload) after:
 *   XADD s 1-1 f1 v1 f2 v2; XADD s 1-2 f1 v3 f2 v4; XADD s 2-0 other x; XADD s 3-5 f1 100 f2 -7; XDEL s 1-2
 *   XGROUP CREATE s g0 0; XGROUP CREATE s gfirst 1-1; XGROUP CREATE s gmid 2-0; XGROUP CREATE s glast $
 *   XREADGROUP GROUP g0 alice COUNT 2 STREAMS s >; XREADGROUP GROUP g0 bob COUNT 1 STREAMS s >
 */
const STREAM_DUMP_HEX =
  '130110000000000000000100000000000000014059590000001f0003010101020182663103826632030001020100010001827631038276320305010301000101018276330382763403050100010101dfff020101856f746865720681780206010201020104016401dff9020501ff03030501010102040402673003050403000000000000000100000000000000010c051d4fa201000001000000000000000200000000000000000c051d4fa2010000010000000000000003000000000000000512051d4fa2010000010205616c6963650c051d4fa201000002000000000000000100000000000000010000000000000002000000000000000003626f6212051d4fa2010000010000000000000003000000000000000506676669727374010181ffffffffffffffff000005676c617374030581ffffffffffffffff000004676d6964020081ffffffffffffffff00000a00f54b7e9ec45bcd17';

/**
 * Re-frames the type-19 body as RDB_TYPE_STREAM_LISTPACKS (15): the same
 * nodes, length and last ID, without first_id / max_deleted_entry_id /
 * entries_added, and groups without entries_read (rdbSaveObject before 7.0).
 */
function streamV1Body(): Buffer {
  const payload = Buffer.from(STREAM_DUMP_HEX, 'hex');
  assert.equal(payload[0], 19);
  const r = new RdbReader(payload, 1, payload.length - 10);
  const out: Buffer[] = [];
  const nodes = r.len();
  out.push(len(nodes));
  for (let i = 0; i < nodes; i++) {
    const key = Buffer.from(r.stringBytes());
    const lp = Buffer.from(r.stringBytes());
    out.push(str(key), str(lp));
  }
  const copyLens = (n: number): void => {
    const start = r.pos;
    for (let i = 0; i < n; i++) r.lenBig();
    out.push(Buffer.from(payload.subarray(start, r.pos)));
  };
  copyLens(3); // length, last_id ms, seq
  r.lenBig(); r.lenBig(); r.lenBig(); r.lenBig(); r.lenBig(); // first_id, max_deleted_entry_id, entries_added: dropped
  const groups = r.len();
  out.push(len(groups));
  for (let g = 0; g < groups; g++) {
    const name = r.string();
    out.push(str(name));
    copyLens(2); // last delivered ID
    r.lenBig(); // entries_read: dropped
    const pelStart = r.pos;
    const pel = r.len();
    for (let i = 0; i < pel; i++) {
      r.raw(16);
      r.millis();
      r.len();
    }
    const consumers = r.len();
    for (let i = 0; i < consumers; i++) {
      r.string();
      r.millis();
      const n = r.len();
      r.raw(16 * n);
    }
    out.push(Buffer.from(payload.subarray(pelStart, r.pos)));
  }
  assert.equal(r.left, 0);
  return cat(...out);
}

/** RDB 9 (Redis 5.0 - 6.2): a v1 stream, quicklists of ziplists. */
function fileV9(checksum: 'crc' | 'zero' = 'crc'): Buffer {
  return rdbFile(
    9,
    [
      aux('redis-ver', '6.2.14'),
      aux('redis-bits', intStr(64, 1)),
      aux('ctime', intStr(Math.floor(NOW / 1000), 4)),
      aux('used-mem', intStr(900000, 4)),
      aux('aof-preamble', intStr(0, 1)),
      selectDb(0, 2, 0),
      pair(T.STREAM_LISTPACKS, 's', streamV1Body()),
      pair(T.LIST_QUICKLIST, 'l', cat(len(1), str(ziplist([1, 2, 3])))),
    ],
    checksum,
  );
}

// ------------------------------------------------------------ tests

describe('legacy RDB files (versions 6-9)', () => {
  it('the ziplist builder agrees with redis-server 7.0.15 (via redis-check-rdb) and with the reader', () => {
    for (const v of [6, 7, 8, 9]) {
      const f = rdbFile(v, [selectDb(0), pair(T.LIST_ZIPLIST, 'k', str(ziplist(ZL_ITEMS)))]);
      assertRedisAccepts(f, `ziplist-v${v}`);
      const { ks } = load(f);
      assert.deepEqual(list(ks, 0, 'k'), ZL_TEXT);
    }
  });

  it('RDB 6 (Redis 2.6/2.8): strings, type 1-4 values, zipmaps, ziplists, intsets, EXPIRETIME seconds and ms', () => {
    const f = fileV6();
    assertRedisAccepts(f, 'v6');
    const { ks, loader } = load(f);
    assert.equal(loader.stats.version, 6);
    assert.equal(loader.stats.keysExpired, 2);
    assert.ok(!ks.dbs[0].dict.has('expired-sec') && !ks.dbs[0].dict.has('expired-ms'));

    assert.equal(get(ks, 0, 'str'), 'hello');
    assert.equal(get(ks, 0, 'int8'), '-100');
    assert.equal(encodingOf(get(ks, 0, 'int8')), 'int');
    assert.equal(get(ks, 0, 'int16'), '30000');
    assert.equal(get(ks, 0, 'int32'), '-2000000000');
    assert.equal(get(ks, 0, 'lzf'), big(200, 'ab'));
    assert.equal(encodingOf(get(ks, 0, 'lzf')), 'raw');

    // EXPIRETIME (opcode 253) is seconds, turned into ms; EXPIRETIME_MS as is
    assert.equal(ks.dbs[0].getExpire('ttl-sec'), (Math.floor(NOW / 1000) + 100) * 1000);
    assert.equal(ks.dbs[0].getExpire('ttl-ms'), NOW + 5000);
    assert.equal(ks.dbs[0].getExpire('str'), -1);
    assert.equal(ks.dbs[0].expires.size, 2);

    assert.deepEqual(list(ks, 0, 'list1'), ['a', '5', big(40, 'z'), '']);
    // RDB_TYPE_SET: intset while every member is an integer, else hashtable
    assert.deepEqual(set(ks, 0, 'set-int', 'intset'), ['-2', '1', '3']);
    assert.deepEqual(set(ks, 0, 'set-str', 'hashtable'), ['1', '2', 'x']);
    // RDB_TYPE_ZSET: text doubles, 254/255 are +inf/-inf; listpack unless a member is over zset-max-listpack-value
    assert.deepEqual(zset(ks, 0, 'zset-text', 'listpack'), [['c', -Infinity], ['d', -300], ['a', 1.5], ['b', Infinity]]);
    assert.deepEqual(zset(ks, 0, 'zset-text-long', 'skiplist'), [[big(65), 1], ['y', 2]]);
    // RDB_TYPE_HASH: listpack unless a string is over hash-max-listpack-value
    assert.deepEqual([...hash(ks, 0, 'hash4', 'listpack')], [['f1', 'v1'], ['f2', '77']]);
    assert.deepEqual(hash(ks, 0, 'hash4-long', 'hashtable'), new Map([['f1', big(65)], ['f2', 'v']]));
    // zipmaps: free bytes skipped; converted when a string is too long or there are too many pairs
    assert.deepEqual([...hash(ks, 0, 'zipmap', 'listpack')], [['name', 'sinew'], ['n', '12'], ['empty', '']]);
    assert.deepEqual(hash(ks, 0, 'zipmap-biglen', 'hashtable'), new Map([[big(260, 'k'), 'v'], ['b', big(300, 'w')]]));
    const many = hash(ks, 0, 'zipmap-many', 'hashtable');
    assert.equal(many.size, 600);
    assert.equal(many.get('f599'), 'v599');
    // ziplist lists: every encoding
    assert.deepEqual(list(ks, 0, 'ziplist-list'), ZL_TEXT);
    assert.deepEqual(list(ks, 0, 'ziplist-list-lzf'), ['aaaaaaaaaaaaaaaaaaaa', 'aaaaaaaaaaaaaaaaaaaa', '7']);
    // intsets of each width
    assert.deepEqual(set(ks, 0, 'intset16', 'intset'), ['-3', '32767', '5']);
    assert.deepEqual(set(ks, 0, 'intset32', 'intset'), ['-2147483648', '1', '100000']);
    assert.deepEqual(set(ks, 0, 'intset64', 'intset'), ['-9223372036854775808', '1', '9223372036854775807']);
    // ziplist sorted sets and hashes become listpacks
    assert.deepEqual(zset(ks, 0, 'ziplist-zset', 'listpack'), [['d', -7], ['a', 1], ['b', 2.5], ['e', 9223372036854775807], ['c', Infinity]]);
    assert.deepEqual([...hash(ks, 0, 'ziplist-hash', 'listpack')], [['f', 'v'], ['n', '42'], ['big', '100000']]);

    assert.equal(get(ks, 2, 'in-db2'), 'two');
    assert.equal(ks.dbs[0].dict.size, 24);
    assert.equal(ks.dbs[2].dict.size, 1);
  });

  it('RDB 7 (Redis 3.2): AUX, RESIZEDB, quicklist of ziplists, conversions by the 7.0 load rules', () => {
    const f = fileV7();
    assertRedisAccepts(f, 'v7');
    const { ks, loader, logs } = load(f);
    assert.equal(loader.stats.version, 7);
    assert.equal(loader.stats.aux.get('redis-ver'), '3.2.13');
    assert.equal(loader.stats.aux.get('redis-bits'), '64');
    assert.ok(logs.some((l) => l.includes('Loading RDB produced by version 3.2.13')));
    assert.ok(logs.some((l) => l.includes('RDB age 60 seconds')));

    assert.deepEqual(list(ks, 0, 'ql'), [...ZL_TEXT, 'tail', '1']);
    // an empty ziplist node is skipped (rdbLoadObject: "Silently skip empty ziplists")
    assert.deepEqual(list(ks, 0, 'ql-empty-node'), ['only']);
    // HASH_ZIPLIST: over hash-max-listpack-entries -> hashtable; 7.0 checks only the count here
    const h = hash(ks, 0, 'hash-512+1', 'hashtable');
    assert.equal(h.size, 513);
    assert.equal(h.get('f512'), '512');
    assert.deepEqual([...hash(ks, 0, 'hash-long-value', 'listpack')], [['f', big(100)]]);
    // ZSET_ZIPLIST: over zset-max-listpack-entries -> skiplist
    const z = zset(ks, 0, 'zset-128+1', 'skiplist');
    assert.equal(z.length, 129);
    assert.deepEqual(z[128], ['m128', 128]);
    // SET_INTSET: over set-max-intset-entries -> hashtable
    const s = set(ks, 0, 'intset-512+1', 'hashtable');
    assert.equal(s.length, 513);
    assert.ok(s.includes('-700') && s.includes('836'));
    assert.deepEqual(set(ks, 0, 'intset-ttl', 'intset'), ['1', '2']);
    assert.equal(ks.dbs[0].getExpire('intset-ttl'), NOW + 60000);
  });

  it('RDB 8 (Redis 4.0): replication AUX, IDLE and FREQ records, database 15', () => {
    const f = fileV8();
    assertRedisAccepts(f, 'v8');
    const { ks, loader } = load(f);
    assert.equal(loader.stats.version, 8);
    assert.equal(loader.stats.aux.get('repl-id'), 'a'.repeat(40));
    assert.equal(loader.stats.aux.get('aof-preamble'), '0');
    assert.deepEqual(list(ks, 0, 'q'), ['x', 'y', '3']);
    assert.deepEqual([...hash(ks, 0, 'h', 'listpack')], [['a', '1']]);
    assert.deepEqual(zset(ks, 15, 'z15', 'listpack'), [['m', -Infinity]]);
    assert.equal(ks.dbs[15].getExpire('z15'), NOW + 1);
  });

  it('RDB 9 (Redis 5.0-6.2): a v1 stream from redis-server 7.0.15 listpacks, group entries_read estimated', () => {
    const f = fileV9();
    assertRedisAccepts(f, 'v9');
    const { ks, loader } = load(f);
    assert.equal(loader.stats.version, 9);
    const s = get(ks, 0, 's') as Stream;
    assert.equal(s.type, 'stream');
    assert.equal(encodingOf(s), 'stream');
    assert.equal(s.length, 3);
    const entries: [string, string[]][] = [];
    s.forEachEntry((id, data, from, to) => {
      entries.push([formatId(id), data.slice(from, to)]);
    });
    assert.deepEqual(entries, [
      ['1-1', ['f1', 'v1', 'f2', 'v2']],
      ['2-0', ['other', 'x']],
      ['3-5', ['f1', '100', 'f2', '-7']],
    ]);
    assert.equal(formatId(s.lastId), '3-5');
    // v1: entries_added = length, max_deleted_entry_id = 0-0, first_id = the first live entry
    assert.equal(Number(s.entriesAdded), 3);
    assert.equal(formatId(s.maxDeletedId), '0-0');
    assert.equal(formatId(s.firstId), '1-1');
    // streamEstimateDistanceFromFirstEverEntry for each group's last ID
    const read = (name: string): number => Number(s.getGroup(name)!.entriesRead);
    assert.equal(read('g0'), 3); // at the last ID: entries_added
    assert.equal(read('glast'), 3);
    assert.equal(read('gfirst'), 1); // at the first entry: entries_added - length + 1
    assert.equal(read('gmid'), -1); // in the middle: unknown
    const g0 = s.getGroup('g0')!;
    assert.equal(formatId(g0.lastId), '3-5');
    assert.deepEqual([...g0.consumers.names()], ['alice', 'bob']);
    const pel: string[] = [];
    g0.pel.forEach((nack, id) => {
      pel.push(`${formatId(id as StreamId)}:${nack.consumer!.name}:${nack.deliveryCount}`);
    });
    assert.deepEqual(pel, ['1-1:alice:1', '2-0:alice:1', '3-5:bob:1']);
    assert.ok(s.has(makeId(2, 0) as StreamId));
    assert.deepEqual(list(ks, 0, 'l'), ['1', '2', '3']);
  });

  it('a zero CRC64 trailer loads with a warning; a wrong one is refused', () => {
    const f = fileV9('zero');
    assertRedisAccepts(f, 'v9-nocrc');
    const { ks, logs } = load(f);
    assert.ok(logs.some((l) => l.startsWith('warning: RDB file was saved with checksum disabled')));
    assert.equal(ks.dbs[0].dict.size, 2);
    const bad = Buffer.from(fileV9());
    bad[bad.length - 1] ^= 1;
    assert.throws(() => load(bad), (e: unknown) => e instanceof RdbError && /Wrong RDB checksum/.test(e.message));
  });

  it('a ZSET (type 3) with a nan score (253) is refused', () => {
    const f = rdbFile(7, [selectDb(0), pair(T.ZSET, 'z', cat(len(1), str('a'), textDouble(NaN)))]);
    assert.throws(() => load(f), (e: unknown) => e instanceof RdbError && /Zset with NAN score detected/.test(e.message));
    const g = rdbFile(7, [selectDb(0), pair(T.ZSET, 'z', cat(len(1), str('a'), textDouble('nan')))]);
    assert.throws(() => load(g), (e: unknown) => e instanceof RdbError && /NAN/.test(e.message));
  });

  it('expired keys stay when dropExpired is off (AOF preamble / replica)', () => {
    const { ks, loader } = load(fileV6(), { dropExpired: false });
    assert.equal(loader.stats.keysExpired, 0);
    assert.equal(ks.dbs[0].getExpire('expired-ms'), NOW - 1);
    assert.equal(ks.dbs[0].getExpire('expired-sec'), (Math.floor(NOW / 1000) - 10) * 1000);
  });
});
