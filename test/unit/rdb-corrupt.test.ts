/**
 * Corrupt RDB files: a real file (every type, TTLs, several databases,
 * written through rdb-file.ts) truncated at every offset, with bits flipped
 * (with and without the checksum fixed up), with lying lengths, unknown
 * opcodes and types, module data and functions. Every case either loads
 * well-formed data or throws RdbError: never another exception, never a
 * hang, never an allocation from an unchecked length.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Keyspace } from '../../src/keyspace/keyspace.js';
import { Config } from '../../src/config/config.js';
import { RdbLoader, writeDbStart, writeFooter, writeHeader, writePair } from '../../src/persistence/rdb-file.js';
import { RdbError, RdbWriter } from '../../src/persistence/rdb-io.js';
import { crc64 } from '../../src/persistence/crc64.js';
import { ListpackWriter } from '../../src/persistence/listpack.js';
import { encodingOf } from '../../src/commands/keys.js';
import type { Value } from '../../src/types/object.js';
import { ListValue } from '../../src/types/list.js';
import { RSet } from '../../src/types/set.js';
import { ZSet } from '../../src/types/zset.js';
import { RHash } from '../../src/types/hash.js';
import { Stream, type StreamId, formatId } from '../../src/types/stream.js';

const NOW = 1_700_000_000_000;
const SAVE = { listFill: -2 };

function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 4294967296;
  };
}

// ------------------------------------------------------------ the dataset

function dataset(): { db: number; key: string; value: Value; expire: number | null }[] {
  const out: { db: number; key: string; value: Value; expire: number | null }[] = [];
  const add = (db: number, key: string, value: Value, expire: number | null = null): void => {
    out.push({ db, key, value, expire });
  };
  add(0, 'str', 'hello world');
  add(0, 'int', '123456789', NOW + 10_000);
  add(0, 'lzf', 'abcabcabcabcabcabcabcabcabcabcabcabcabcabc'.repeat(4));
  add(0, 'list', ListValue.from(['a', '1', '-300', 'x'.repeat(70), '99999999999']));
  const longList: string[] = [];
  for (let i = 0; i < 300; i++) longList.push(i % 3 === 0 ? String(i * 1000) : `item-${i}`);
  add(0, 'biglist', ListValue.from(longList), NOW + 99_000);
  add(1, 'intset', RSet.from(['1', '2', '-7', '70000', '5000000000'], 512));
  add(1, 'set', RSet.from(['a', 'b', 'c', '1'], 512));
  const zs = ZSet.fromPairs(['a', 'b', 'c', 'd'], [1, 2.5, -Infinity, 1e20]);
  zs.listpack = false;
  zs.toListpack();
  add(1, 'zset-lp', zs);
  const ms: string[] = [];
  const ss: number[] = [];
  for (let i = 0; i < 140; i++) {
    ms.push(`m${i}`);
    ss.push(i / 3);
  }
  const zbig = ZSet.fromPairs(ms, ss);
  zbig.listpack = false;
  add(1, 'zset-skip', zbig);
  const h = new RHash();
  h.set('f1', 'v1', 128, 64);
  h.set('n', '42', 128, 64);
  add(3, 'hash-lp', h, NOW + 1);
  const hb = new RHash();
  for (let i = 0; i < 20; i++) hb.set(`field${i}`, i === 5 ? 'y'.repeat(100) : `value${i}`, 128, 64);
  add(3, 'hash-ht', hb);
  const s = new Stream();
  for (let i = 1; i <= 12; i++) s.append(i % 4 === 0 ? ['other', String(i)] : ['f', String(i), 'g', 'x'], NOW + i);
  s.deleteIds([s.edgeId(true, true), s.edgeId(false, true)]); // XDEL of the first and the last
  const g = s.createGroup('grp', s.edgeId(true, true), 1)!;
  const alice = g.createConsumer('alice', NOW);
  s.readGroupNew(g, alice!, 3, false, NOW);
  s.createGroup('g2', s.lastId, 12);
  add(5, 'stream', s);
  add(15, 'last-db', 'z');
  return out;
}

function buildFile(): Buffer {
  const w = new RdbWriter({ checksum: true });
  writeHeader(w, { redisVer: '7.0.15', ctime: Math.floor(NOW / 1000), usedMem: 1000000, aofBase: false });
  const data = dataset();
  const dbs = [...new Set(data.map((d) => d.db))];
  for (const db of dbs) {
    const keys = data.filter((d) => d.db === db);
    writeDbStart(w, db, keys.length, keys.filter((k) => k.expire !== null).length);
    for (const k of keys) writePair(w, k.key, k.value, { expire: k.expire, idle: null, freq: null }, SAVE);
  }
  writeFooter(w);
  return Buffer.from(w.result());
}

// ------------------------------------------------------------ loading and normalizing

function load(buf: Buffer): Keyspace {
  const ks = new Keyspace(16);
  const loader = new RdbLoader(buf, ks.dbs, { limits: new Config().typeLimits, checksum: true, dropExpired: false, now: NOW });
  let steps = 0;
  while (!loader.step(50)) if (++steps > 1e6) throw new Error('loader does not finish');
  return ks;
}

/** A canonical text of one value (and a structural self-check where the type has one). */
function describeValue(v: Value): unknown {
  if (typeof v === 'string') return ['string', v];
  switch (v.type) {
    case 'string':
      return ['bytes', encodingOf(v)];
    case 'list':
      return ['list', (v as ListValue).toArray()];
    case 'set':
      return ['set', encodingOf(v), [...(v as RSet).ordered()].sort()];
    case 'zset': {
      const z = v as ZSet;
      z.tree.check();
      const pairs: [string, number][] = [];
      z.tree.each(0, z.tree.size, false, (m, s) => {
        pairs.push([m, s]);
      });
      assert.equal(z.dict.size, pairs.length);
      for (const [m, s] of pairs) assert.ok(Object.is(z.dict.get(m), s) || z.dict.get(m) === s);
      return ['zset', encodingOf(v), pairs];
    }
    case 'hash': {
      const pairs: [string, string][] = [];
      (v as RHash).forEach((f, x) => pairs.push([f, x]));
      pairs.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
      assert.equal(pairs.length, (v as RHash).size);
      return ['hash', encodingOf(v), pairs];
    }
    case 'stream': {
      const s = v as Stream;
      try {
        s.check();
      } catch (e) {
        // Redis 7.0 loads first_id, last_id and the nodes as stored without cross-checking them
        // against the entries (rdbLoadObject, streamValidateListpackIntegrity): a damaged master ID
        // or entry ID makes nodes overlap or disagree with first_id / last_id, and loads there too
        if (strictStreams || !/^firstId .* but first entry|^an entry above lastId|^live IDs out of order/.test((e as Error).message)) throw e;
        streamMetaMismatches++;
      }
      const entries: string[] = [];
      s.forEachEntry((id, data, from, to) => {
        entries.push(`${formatId(id)} ${data.slice(from, to).join(',')}`);
      });
      const groups = s.groups().map((g) => {
        const pel: string[] = [];
        g.pel.forEach((n, id) => {
          pel.push(`${formatId(id as StreamId)}:${n.consumer?.name}:${n.deliveryCount}`);
        });
        return [g.name, formatId(g.lastId), String(g.entriesRead), pel, [...g.consumers.names()]];
      });
      return ['stream', s.length, formatId(s.lastId), formatId(s.firstId), formatId(s.maxDeletedId), String(s.entriesAdded), entries, groups];
    }
  }
}

function snapshot(ks: Keyspace): unknown[] {
  const out: unknown[] = [];
  for (const db of ks.dbs) {
    const keys = [...db.dict.keys()].sort();
    for (const k of keys) out.push([db.id, k, describeValue(db.dict.get(k)!), String(db.getExpireExact(k))]);
  }
  return out;
}

/** Saves a keyspace again with the writer (what SAVE would do with the loaded data). */
function resave(ks: Keyspace): Buffer {
  const w = new RdbWriter({ checksum: true });
  writeHeader(w, { redisVer: '7.0.15', ctime: 0, usedMem: 0, aofBase: false });
  for (const db of ks.dbs) {
    if (db.dict.size === 0) continue;
    writeDbStart(w, db.id, db.dict.size, db.expires.size);
    for (const [k, v] of db.dict) writePair(w, k, v, { expire: db.getExpireExact(k), idle: null, freq: null }, SAVE);
  }
  writeFooter(w);
  return Buffer.from(w.result());
}

function withCrc(body: Buffer): Buffer {
  return Buffer.concat([body, crc64(body)]);
}

/** Recomputes the trailer of a (possibly changed) file. */
function fixCrc(buf: Buffer): Buffer {
  const b = Buffer.from(buf);
  crc64(b.subarray(0, b.length - 8)).copy(b, b.length - 8);
  return b;
}

let loadedOk = 0;
let streamMetaMismatches = 0;
/** Require the stream metadata to agree with the entries (the intact file). */
let strictStreams = true;
let refused = 0;

/** Loads a file that may be corrupt: RdbError or well-formed data that survives a save and reload unchanged. */
function tryLoad(buf: Buffer, what: string): Keyspace | RdbError {
  let ks: Keyspace;
  try {
    ks = load(buf);
  } catch (e) {
    if (e instanceof RdbError) {
      refused++;
      return e;
    }
    assert.fail(`${what}: threw ${(e as Error)?.constructor?.name}: ${(e as Error)?.stack ?? String(e)}`);
  }
  loadedOk++;
  const snap = snapshot(ks);
  let again: Keyspace;
  try {
    again = load(resave(ks));
  } catch (e) {
    assert.fail(`${what}: loaded, but its data does not save and load again: ${(e as Error)?.stack ?? String(e)}`);
  }
  assert.deepEqual(snapshot(again), snap, `${what}: data changed across save + load`);
  return ks;
}

function assertRefused(buf: Buffer, re: RegExp, what = re.source): void {
  const r = tryLoad(buf, what);
  assert.ok(r instanceof RdbError, `${what}: expected RdbError, loaded instead`);
  assert.match(r.message, re, what);
}

/** A minimal v10 file: header, db 0, then `body`, EOF, CRC. */
function mini(body: Buffer[], version = '0010'): Buffer {
  return withCrc(Buffer.concat([Buffer.from(`REDIS${version}`, 'latin1'), Buffer.from([254, 0]), ...body, Buffer.from([255])]));
}

const b = (...x: number[]): Buffer => Buffer.from(x);
const s = (t: string): Buffer => Buffer.concat([b(t.length), Buffer.from(t, 'latin1')]);
const u32be = (n: number): Buffer => {
  const x = Buffer.alloc(4);
  x.writeUInt32BE(n >>> 0);
  return x;
};
const u64be = (n: bigint): Buffer => {
  const x = Buffer.alloc(8);
  x.writeBigUInt64BE(n);
  return x;
};

// ------------------------------------------------------------ tests

describe('corrupt RDB files', { timeout: 60_000 }, () => {
  const file = buildFile();
  const rss0 = process.memoryUsage().rss;
  const t0 = Date.now();

  it('the intact file loads and round-trips', () => {
    const ks = tryLoad(file, 'intact');
    assert.ok(!(ks instanceof RdbError));
    assert.equal(ks.dbs[0].dict.size, 5);
    assert.equal(ks.dbs[5].dict.size, 1);
    assert.equal(ks.dbs[0].getExpire('int'), NOW + 10_000);
    const expected = dataset().map((d) => [d.db, d.key, describeValue(d.value), String(d.expire === null ? null : BigInt(d.expire))]);
    expected.sort((x, y) => ((x[0] as number) - (y[0] as number)) || ((x[1] as string) < (y[1] as string) ? -1 : 1));
    assert.deepEqual(snapshot(ks), expected);
  });

  it('truncated at every offset: always RdbError', () => {
    for (let n = 0; n < file.length; n++) {
      const r = tryLoad(file.subarray(0, n), `truncated at ${n}`);
      assert.ok(r instanceof RdbError, `truncated at ${n} of ${file.length} loaded`);
    }
  });

  it('bits flipped without fixing the checksum: always RdbError', () => {
    const r = rng(7);
    for (let i = 0; i < 1500; i++) {
      const pos = i < 64 ? i : Math.floor(r() * file.length);
      const c = Buffer.from(file);
      c[pos] ^= 1 << Math.floor(r() * 8);
      const res = tryLoad(c, `flip at ${pos}`);
      assert.ok(res instanceof RdbError, `flip at ${pos} loaded with a bad checksum`);
    }
  });

  it('bits flipped with the checksum fixed up: RdbError or well-formed data', () => {
    const r = rng(11);
    strictStreams = false;
    for (let pos = 9; pos < file.length - 8; pos++) {
      const bit = Math.floor(r() * 8);
      const c = Buffer.from(file);
      c[pos] ^= 1 << bit;
      tryLoad(fixCrc(c), `flip bit ${bit} at ${pos} (crc fixed)`);
    }
    // random bytes and multi-byte damage
    for (let i = 0; i < 800; i++) {
      const c = Buffer.from(file);
      const k = 1 + Math.floor(r() * 4);
      for (let j = 0; j < k; j++) c[9 + Math.floor(r() * (file.length - 17))] = Math.floor(r() * 256);
      tryLoad(fixCrc(c), `random damage #${i} (crc fixed)`);
    }
    strictStreams = true;
    assert.ok(loadedOk > 0 && refused > 0);
  });

  it('wrong checksum, versions and magic', () => {
    const c = Buffer.from(file);
    c[c.length - 3] ^= 0x40;
    assertRefused(c, /Wrong RDB checksum/);
    assertRefused(Buffer.concat([file.subarray(0, 5), Buffer.from('0011'), file.subarray(9)]), /Can't handle RDB format version 11/);
    assertRefused(Buffer.concat([file.subarray(0, 5), Buffer.from('0000'), file.subarray(9)]), /Can't handle RDB format version 0/);
    assertRefused(Buffer.concat([file.subarray(0, 5), Buffer.from('xxxx'), file.subarray(9)]), /Can't handle RDB format version/);
    assertRefused(Buffer.concat([Buffer.from('REDIX'), file.subarray(5)]), /Wrong signature/);
    assertRefused(Buffer.from('REDIS'), /Wrong signature/);
    assertRefused(Buffer.alloc(0), /Wrong signature/);
  });

  it('lengths that lie are refused before anything is allocated from them', () => {
    // a string claiming 2^32 - 1 and 2^32 bytes
    assertRefused(mini([b(0), s('k'), b(0x80), u32be(0xffffffff), Buffer.from('abc')]), /Unexpected EOF/);
    assertRefused(mini([b(0), s('k'), b(0x81), u64be(1n << 32n), Buffer.from('abc')]), /Unexpected EOF/);
    // a key name claiming 2^60 bytes
    assertRefused(mini([b(0), b(0x81), u64be(1n << 60n), Buffer.from('abc')]), /Unexpected EOF/);
    // a list (type 1), set, hash, zset, quicklist, stream claiming 2^60 elements
    for (const type of [1, 2, 3, 4, 5, 14, 18, 15, 19]) {
      assertRefused(mini([b(type), s('k'), b(0x81), u64be(1n << 60n), s('a'), s('b')]), /Unexpected EOF|count/, `type ${type} claiming 2^60`);
    }
    // a listpack whose total-bytes overruns its blob, and one whose entry overruns it
    const lp = new ListpackWriter();
    lp.appendString('field');
    lp.appendString('value');
    const good = Buffer.from(lp.finish());
    assert.ok(tryLoad(mini([b(16), s('k'), b(good.length), good]), 'good hash listpack') instanceof Keyspace);
    const over = Buffer.from(good);
    over.writeUInt32LE(good.length + 1000, 0);
    assertRefused(mini([b(16), s('k'), b(over.length), over]), /Hash listpack integrity check failed/);
    const entry = Buffer.from(good);
    entry[6] = 0x3f; // first entry: a 6-bit string of 63 bytes, past the end
    assertRefused(mini([b(16), s('k'), b(entry.length), entry]), /Hash listpack integrity check failed/);
    const big = Buffer.from(good);
    big[6] = 0xf0; // a 32-bit string length
    big.writeUInt32LE(0xfffffff0, 7);
    assertRefused(mini([b(16), s('k'), b(big.length), big]), /Hash listpack integrity check failed/);
    // an LZF header claiming a 4 GB output from a few bytes
    assertRefused(mini([b(0), s('k'), b(0xc3), b(4), b(0x80), u32be(0xffffffff), b(1, 0x61, 0x62, 0)]), /Invalid LZF compressed string/);
    assertRefused(mini([b(0), s('k'), b(0xc3), b(0x80), u32be(0x7fffffff), b(0x80), u32be(0xffffffff), b(1, 2, 3)]), /Unexpected EOF|Invalid LZF/);
    // LZF data that does not decode to the length claimed
    assertRefused(mini([b(0), s('k'), b(0xc3), b(4), b(40), b(2, 0x61, 0x62, 0x63)]), /Invalid LZF compressed string/);
    // an intset whose count lies
    const is = Buffer.alloc(8 + 4);
    is.writeUInt32LE(2, 0);
    is.writeUInt32LE(0x7fffffff, 4);
    assertRefused(mini([b(11), s('k'), b(is.length), is]), /Intset integrity check failed/);
    // a ziplist whose zlbytes lies
    const zl = Buffer.from([0xff, 0xff, 0xff, 0x7f, 10, 0, 0, 0, 1, 0, 0, 0xf2, 0xff]);
    assertRefused(mini([b(10), s('k'), b(zl.length), zl]), /List ziplist integrity check failed/);
    // a RESIZEDB / SELECTDB beyond the databases
    assertRefused(mini([b(254), b(0x80), u32be(100000)]), /more than 16 databases/);
  });

  it('stream listpacks whose counts or entries overrun them are refused (bugs found by fuzzing)', () => {
    // A stream node listpack: count, deleted, master fields, field names, 0; then entries.
    const nodeLp = (build: (lp: ListpackWriter) => void, tail: number[] = []): Buffer => {
      const lp = new ListpackWriter();
      build(lp);
      const done = Buffer.from(lp.finish());
      const out = Buffer.concat([done.subarray(0, done.length - 1), Buffer.from(tail), b(0xff)]);
      out.writeUInt32LE(out.length, 0);
      return out;
    };
    const masterKey = Buffer.alloc(16); // ID 0-1
    masterKey[15] = 1;
    const streamFile = (lp: Buffer): Buffer =>
      mini([b(19), s('k'), b(1), b(16), masterKey, b(0x40 | (lp.length >> 8), lp.length & 0xff), lp, b(1), b(0), b(1), b(0), b(1), b(0), b(0), b(1), b(0)]);
    // the sound node loads, so the cases below fail only on what they change
    const good = nodeLp((lp) => {
      for (const x of [1, 0, 1]) lp.appendInt(x);
      lp.appendString('f');
      for (const x of [0, 2, 0, 0]) lp.appendInt(x); // master terminator; flags SAMEFIELDS, ms-delta, seq-delta
      lp.appendString('v');
      lp.appendInt(4); // lp-count: fields + 3
    });
    assert.ok(tryLoad(streamFile(good), 'sound stream node') instanceof Keyspace);
    // master field count 2^40 (decodeNodeListpack looped on it: RangeError "Invalid array length" after minutes)
    const t0 = Date.now();
    const hugeMaster = nodeLp((lp) => {
      for (const x of [1, 0, 2 ** 40]) lp.appendInt(x);
      lp.appendString('f');
      lp.appendInt(0);
    });
    assertRefused(streamFile(hugeMaster), /Stream listpack integrity check failed/);
    // an entry's own field count 2^40
    const hugeFields = nodeLp((lp) => {
      for (const x of [1, 0, 1]) lp.appendInt(x);
      lp.appendString('f');
      for (const x of [0, 0, 0, 0, 2 ** 40]) lp.appendInt(x); // flags 0: own fields
      lp.appendString('a');
      lp.appendString('b');
      lp.appendInt(6);
    });
    assertRefused(streamFile(hugeFields), /Stream listpack integrity check failed/);
    assert.ok(Date.now() - t0 < 2000);
    // a 32-bit string header in the last bytes (decodeNodeListpack read its length past the end: ERR_OUT_OF_RANGE)
    const cutHeader = nodeLp(
      (lp) => {
        for (const x of [1, 0, 1]) lp.appendInt(x);
        lp.appendString('f');
        lp.appendInt(0);
      },
      [0xf0, 0x05],
    );
    assertRefused(streamFile(cutHeader), /Stream listpack integrity check failed/);
    // more elements after the last entry
    const trailing = nodeLp((lp) => {
      for (const x of [1, 0, 1]) lp.appendInt(x);
      lp.appendString('f');
      for (const x of [0, 2, 0, 0]) lp.appendInt(x);
      lp.appendString('v');
      lp.appendInt(4);
      lp.appendString('extra');
    });
    assertRefused(streamFile(trailing), /Stream listpack integrity check failed/);
  });

  it('duplicate keys are refused', () => {
    assertRefused(mini([b(0), s('k'), s('1'), b(0), s('k'), s('2')]), /duplicated key 'k'/);
  });

  it('unknown opcodes and types are refused', () => {
    for (const t of [8, 20, 21, 100, 200, 244]) assertRefused(mini([b(t), s('k'), s('v')]), new RegExp(`Unknown RDB encoding type ${t}`));
    assertRefused(mini([b(0), s('k'), b(0xc4)]), /Unknown RDB string encoding type 4/);
    assertRefused(mini([b(1), s('k'), b(0xc0), b(1)]), /Unknown length encoding/);
  });

  it('module values, module AUX and functions stop with a message naming them', () => {
    // moduleTypeEncodeId: nine 6-bit characters then a 10-bit encoding version
    const chars = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    let id = 0n;
    for (const ch of 'MyModType') id = (id << 6n) | BigInt(chars.indexOf(ch));
    id = (id << 10n) | 3n;
    for (const t of [6, 7]) {
      assertRefused(mini([b(t), s('k'), b(0x81), u64be(id), b(2, 1)]), /module data.*'MyModType'/, `module type ${t}`);
    }
    assertRefused(mini([b(247), b(0x81), u64be(id), b(2, 1)]), /AUX module data.*'MyModType'/);
    assertRefused(mini([b(245), s('#!lua name=lib\nredis.register_function("f", function() return 1 end)')]), /function libraries/);
    assertRefused(mini([b(246), s('lib'), s('lua'), s(''), s('code')]), /function libraries/);
  });

  it('the suite stays within its time and memory bounds', () => {
    const grew = process.memoryUsage().rss - rss0;
    assert.ok(grew < 200 * 1024 * 1024, `rss grew by ${grew} bytes`);
    assert.ok(Date.now() - t0 < 30_000, `took ${Date.now() - t0} ms`);
    console.log(`# corrupt suite: ${loadedOk} loads (${streamMetaMismatches} streams whose IDs disagree with their metadata, as Redis allows), ${refused} refusals, rss +${Math.round(grew / 1048576)} MB, ${Date.now() - t0} ms, file ${file.length} bytes`);
  });
});
