/**
 * DEBUG, as far as Sinew has the internals it inspects: OBJECT, DIGEST,
 * POPULATE, PROTOCOL, SLEEP, SET-ACTIVE-EXPIRE, PAUSE-CRON and the rest of
 * Redis 7.0's subcommands that make sense here; the others are refused.
 */
import type { HandlerMap, Session, Server } from '../server/server.js';
import { createHash } from 'node:crypto';
import type { Database } from '../keyspace/database.js';
import { ByteString, MAX_JS_STRING, type Value } from '../types/object.js';
import { Err } from '../protocol/errors.js';
import { parseLL, formatG } from '../protocol/numbers.js';
import { globMatch } from '../util/glob.js';
import { replyHelp as help, subcommandSyntaxError as subSyntax } from './args.js';
import { align8, estimateValueMemory, type Anyish } from './memory.js';
import { type Stream, type StreamId, encodeNodeListpack, formatId, idMs, idSeq } from '../types/stream.js';
import { flushDb } from './keys.js';
import { canSuspend, suspend } from './dispatch.js';
import { debugAllowed } from './access.js';

function bytesOf(s: string): Buffer {
  return Buffer.from(s, 'latin1');
}

// ---------------------------------------------------------------- DEBUG

const DEBUG_HELP = [
  'DEBUG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
  'AOF-FLUSH-SLEEP <microsec>',
  '    Server will sleep before flushing the AOF, this is used for testing.',
  'ASSERT',
  '    Crash by assertion failed.',
  'CHANGE-REPL-ID',
  '    Change the replication IDs of the instance.',
  '    Dangerous: should be used only for testing the replication subsystem.',
  'CONFIG-REWRITE-FORCE-ALL',
  '    Like CONFIG REWRITE but writes all configuration options, including',
  '    keywords not listed in original configuration file or default values.',
  'CRASH-AND-RECOVER [<milliseconds>]',
  '    Hard crash and restart after a <milliseconds> delay (default 0).',
  'DIGEST',
  '    Output a hex signature representing the current DB content.',
  'DIGEST-VALUE <key> [<key> ...]',
  '    Output a hex signature of the values of all the specified keys.',
  'ERROR <string>',
  '    Return a Redis protocol error with <string> as message. Useful for clients',
  '    unit tests to simulate Redis errors.',
  'LEAK <string>',
  '    Create a memory leak of the input string.',
  'LOG <message>',
  '    Write <message> to the server log.',
  'HTSTATS <dbid>',
  '    Return hash table statistics of the specified Redis database.',
  'HTSTATS-KEY <key>',
  "    Like HTSTATS but for the hash table stored at <key>'s value.",
  'LOADAOF',
  '    Flush the AOF buffers on disk and reload the AOF in memory.',
  'REPLICATE <string>',
  '    Replicates the provided string to replicas, allowing data divergence.',
  'MALLCTL <key> [<val>]',
  '    Get or set a malloc tuning integer.',
  'MALLCTL-STR <key> [<val>]',
  '    Get or set a malloc tuning string.',
  'OBJECT <key>',
  '    Show low level info about `key` and associated value.',
  'DROP-CLUSTER-PACKET-FILTER <packet-type>',
  '    Drop all packets that match the filtered type. Set to -1 allow all packets.',
  'OOM',
  '    Crash the server simulating an out-of-memory error.',
  'PANIC',
  '    Crash the server simulating a panic.',
  'POPULATE <count> [<prefix>] [<size>]',
  '    Create <count> string keys named key:<num>. If <prefix> is specified then',
  '    it is used instead of the \'key\' prefix. These are not propagated to',
  '    replicas. Cluster slots are not respected so keys not belonging to the',
  '    current node can be created in cluster mode.',
  'PROTOCOL <type>',
  '    Reply with a test value of the specified type. <type> can be: string,',
  '    integer, double, bignum, null, array, set, map, attrib, push, verbatim,',
  '    true, false.',
  'RELOAD [option ...]',
  '    Save the RDB on disk and reload it back to memory. Valid <option> values:',
  '    * MERGE: conflicting keys will be loaded from RDB.',
  '    * NOFLUSH: the existing database will not be removed before load, but',
  '      conflicting keys will generate an exception and kill the server.',
  '    * NOSAVE: the database will be loaded from an existing RDB file.',
  '    Examples:',
  '    * DEBUG RELOAD: verify that the server is able to persist, flush and reload',
  '      the database.',
  '    * DEBUG RELOAD NOSAVE: replace the current database with the contents of an',
  '      existing RDB file.',
  '    * DEBUG RELOAD NOSAVE NOFLUSH MERGE: add the contents of an existing RDB',
  '      file to the database.',
  'RESTART [<milliseconds>]',
  '    Graceful restart: save config, db, restart after a <milliseconds> delay (default 0).',
  'SDSLEN <key>',
  '    Show low level SDS string info representing `key` and value.',
  'SEGFAULT',
  '    Crash the server with sigsegv.',
  'SET-ACTIVE-EXPIRE <0|1>',
  '    Setting it to 0 disables expiring keys in background when they are not',
  '    accessed (otherwise the Redis behavior). Setting it to 1 reenables back the',
  '    default.',
  'QUICKLIST-PACKED-THRESHOLD <size>',
  '    Sets the threshold for elements to be inserted as plain vs packed nodes',
  '    Default value is 1GB, allows values up to 4GB. Setting to 0 restores to default.',
  'SET-SKIP-CHECKSUM-VALIDATION <0|1>',
  "    Enables or disables checksum checks for RDB files and RESTORE's payload.",
  'SLEEP <seconds>',
  '    Stop the server for <seconds>. Decimals allowed.',
  'STRINGMATCH-TEST',
  '    Run a fuzz tester against the stringmatchlen() function.',
  'STRUCTSIZE',
  '    Return the size of different Redis core C structures.',
  'LISTPACK <key>',
  '    Show low level info about the listpack encoding of <key>.',
  'QUICKLIST <key> [<0|1>]',
  '    Show low level info about the quicklist encoding of <key>.',
  '    The optional argument (0 by default) sets the level of detail',
  'CLIENT-EVICTION',
  '    Show low level client eviction pools info (maxmemory-clients).',
  'PAUSE-CRON <0|1>',
  '    Stop periodic cron job processing.',
  'REPLYBUFFER PEAK-RESET-TIME <NEVER||RESET|time>',
  '    Sets the time (in milliseconds) to wait between client reply buffer peak resets.',
  '    In case NEVER is provided the last observed peak will never be reset',
  '    In case RESET is provided the peak reset time will be restored to the default value',
  'REPLYBUFFER RESIZING <0|1>',
  '    Enable or disable the reply buffer resize cron job',
  'CLUSTERLINK KILL <to|from|all> <node-id>',
  '    Kills the link based on the direction to/from (both) with the provided node.',
  'HELP',
  '    Prints this help.',
];

/** DEBUG subcommands of Redis's help that tune internals Sinew does not have. */
const UNSUPPORTED_DEBUG = new Set(['quicklist-packed-threshold', 'set-skip-checksum-validation', 'replybuffer', 'aof-flush-sleep']);

const TYPE_CODE: Record<string, number> = { string: 0, list: 1, set: 2, zset: 3, hash: 4, stream: 6 };

/** The hash takes at most 2^31-1 bytes at a time: longer values (proto-max-bulk-len past 2 GB) go in pieces. */
const HASH_PIECE = 1 << 30;

function sha1(b: Buffer): Buffer {
  const h = createHash('sha1');
  for (let o = 0; o < b.length; o += HASH_PIECE) h.update(b.subarray(o, Math.min(b.length, o + HASH_PIECE)));
  return h.digest();
}

function xorDigest(d: Buffer, data: Buffer): void {
  const h = sha1(data);
  for (let i = 0; i < 20; i++) d[i] ^= h[i];
}

function mixDigest(d: Buffer, data: Buffer): void {
  xorDigest(d, data);
  sha1(d).copy(d);
}

function u32be(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n >>> 0);
  return b;
}

/** The bytes of a string value, without making a JS string of a byte string (which may pass V8's longest). */
function stringValueBytes(v: Value): Buffer {
  if (typeof v === 'string') return bytesOf(v);
  const bs = v as ByteString;
  return bs.buf.subarray(0, bs.len);
}

/** Byte length of a string value. */
function stringValueLength(v: Value): number {
  return typeof v === 'string' ? v.length : (v as ByteString).len;
}

/**
 * Redis's per-value digest: type mixed in, then the contents (ordered for
 * strings and lists, order-independent xor of element digests for sets,
 * hashes and sorted sets, scores as %.17g), then an expire marker.
 */
function xorObjectDigest(db: Database, key: string, d: Buffer, v: Value): void {
  const type = typeof v === 'string' ? 'string' : v.type;
  mixDigest(d, u32be(TYPE_CODE[type] ?? 5));
  const o = v as unknown as Anyish;
  switch (type) {
    case 'string':
      mixDigest(d, stringValueBytes(v));
      break;
    case 'list': {
      const len = (o.length as number) ?? 0;
      const get = o.get as (i: number) => string;
      for (let i = 0; i < len; i++) mixDigest(d, bytesOf(get.call(o, i)));
      break;
    }
    case 'set':
      for (const m of (o.members as string[]) ?? []) xorDigest(d, bytesOf(m));
      break;
    case 'zset': {
      const dict = (o.dict as Map<string, number>) ?? new Map();
      for (const [m, s] of dict) {
        const e = Buffer.alloc(20);
        mixDigest(e, bytesOf(m));
        mixDigest(e, bytesOf(formatG(s, 17)));
        xorDigest(d, e);
      }
      break;
    }
    case 'hash': {
      const fields = (o.fields as string[]) ?? [];
      const values = (o.values as string[]) ?? [];
      for (let i = 0; i < fields.length; i++) {
        const e = Buffer.alloc(20);
        mixDigest(e, bytesOf(fields[i]));
        mixDigest(e, bytesOf(values[i]));
        xorDigest(d, e);
      }
      break;
    }
    case 'stream':
      // Each live entry in order: "ms.seq", then its fields and values (groups are not digested, as in 7.0).
      (v as Stream).forEachEntry((id, data, from, to) => {
        mixDigest(d, bytesOf(formatId(id, '.')));
        for (let i = from; i < to; i++) mixDigest(d, bytesOf(data[i]));
      });
      break;
  }
  if (db.expires.has(key)) xorDigest(d, bytesOf('!!expire!!'));
}

export function datasetDigest(server: Server): string {
  const final = Buffer.alloc(20);
  for (const db of server.keyspace.dbs) {
    if (db.size === 0) continue;
    mixDigest(final, u32be(db.id));
    for (const [key, v] of db.dict) {
      const d = Buffer.alloc(20);
      mixDigest(d, bytesOf(key));
      xorObjectDigest(db, key, d, v);
      xorDigest(final, d);
    }
  }
  return final.toString('hex');
}

/** RDB length of a string as Redis would serialise it (no LZF compression). */
function rdbStringLength(s: string): number {
  if (s.length <= 11) {
    const n = parseLL(s);
    if (n !== null && String(n) === s) {
      if (n >= -128 && n <= 127) return 2;
      if (n >= -32768 && n <= 32767) return 3;
      if (n >= -2147483648 && n <= 2147483647) return 5;
    }
  }
  return rdbRawStringLength(s.length);
}

/** Serialized size of a string of `len` bytes stored as is: length header plus bytes. */
function rdbRawStringLength(len: number): number {
  const hdr = len < 64 ? 1 : len < 16384 ? 2 : len <= 0xffffffff ? 5 : 9;
  return hdr + len;
}

/** Bytes of one listpack entry (encoding + data + back-length). */
function lpEntryBytes(s: string): number {
  let n: number;
  const v = s.length <= 20 ? parseLL(s) : null;
  if (v !== null && String(v) === s) {
    if (v >= 0 && v <= 127) n = 1;
    else if (v >= -4096 && v <= 4095) n = 2;
    else if (v >= -32768 && v <= 32767) n = 3;
    else if (v >= -8388608 && v <= 8388607) n = 4;
    else if (v >= -2147483648 && v <= 2147483647) n = 5;
    else n = 9;
  } else {
    const len = s.length;
    n = len < 64 ? 1 + len : len < 4096 ? 2 + len : 5 + len;
  }
  const back = n < 128 ? 1 : n < 16384 ? 2 : n < 2097152 ? 3 : n < 268435456 ? 4 : 5;
  return n + back;
}

/** RDB length-prefix bytes for a count. */
function rdbLenBytes(n: number): number {
  return n < 64 ? 1 : n < 16384 ? 2 : n <= 0xffffffff ? 5 : 9;
}

/** rdbSaveLen's size for a 64-bit value. */
function rdbLenBytesBig(n: bigint | number): number {
  return n < 64 ? 1 : n < 16384 ? 2 : n <= 0xffffffff ? 5 : 9;
}

/**
 * RDB_TYPE_STREAM_LISTPACKS_2 as 7.0 writes it, without LZF compression:
 * the nodes (16-byte key, listpack blob), length, last / first / max
 * deleted IDs, entries added, then each group (name, last ID, entries
 * read, PEL with delivery time and count, consumers with their PEL IDs).
 */
function rdbStreamLength(s: Stream): number {
  const lenId = (id: StreamId) => rdbLenBytesBig(idMs(id)) + rdbLenBytesBig(idSeq(id));
  let size = rdbLenBytes(s.nodeCount);
  for (const node of s.nodes()) {
    const lp = encodeNodeListpack(node).length;
    size += 17 + rdbLenBytes(lp) + lp;
  }
  size += rdbLenBytes(s.length) + lenId(s.lastId) + lenId(s.firstId) + lenId(s.maxDeletedId);
  const added = s.entriesAdded;
  size += rdbLenBytesBig(typeof added === 'bigint' ? BigInt.asUintN(64, added) : added);
  size += rdbLenBytes(s.groupCount);
  for (const g of s.groups()) {
    const er = g.entriesRead;
    size += rdbStringLength(g.name) + lenId(g.lastId) + rdbLenBytesBig(typeof er === 'bigint' ? BigInt.asUintN(64, er) : er < 0 ? 2n ** 64n + BigInt(er) : er);
    size += rdbLenBytes(g.pel.size);
    g.pel.forEach((nack) => {
      size += 16 + 8 + rdbLenBytes(nack.deliveryCount);
    });
    size += rdbLenBytes(g.consumers.size);
    g.consumers.forEach((cons) => {
      size += rdbStringLength(cons.name) + 8 + rdbLenBytes(cons.pel.size) + 16 * cons.pel.size;
    });
  }
  return size;
}

/**
 * RDB size of an aggregate as Redis 7.0 would write it (listpack / intset
 * blobs, or element by element), without LZF compression of blobs.
 */
function rdbAggregateLength(v: Value, fill: number): { size: number; nodes: number; lpBytes: number } {
  const o = v as unknown as Anyish;
  const blob = (bytes: number) => rdbLenBytes(bytes) + bytes;
  const enc = typeof v === 'string' ? 'raw' : v.encoding();
  switch ((v as { type: string }).type) {
    case 'list': {
      const len = (o.length as number) ?? 0;
      const get = o.get as (i: number) => string;
      const limit = fill < 0 ? 4096 * 2 ** Math.min(4, -fill - 1) : Infinity;
      let nodes = 0;
      let size = 0;
      let cur = 0;
      let count = 0;
      let total = 0;
      for (let i = 0; i < len; i++) {
        const e = lpEntryBytes(get.call(o, i));
        if (count === 0 || (fill > 0 ? count >= fill : 7 + cur + e > limit)) {
          if (count > 0) {
            size += 1 + blob(7 + cur);
            total += 7 + cur;
          }
          nodes++;
          cur = 0;
          count = 0;
        }
        cur += e;
        count++;
      }
      if (count > 0) {
        size += 1 + blob(7 + cur);
        total += 7 + cur;
      }
      return { size: rdbLenBytes(nodes) + size, nodes, lpBytes: total };
    }
    case 'set': {
      const members = (o.members as string[]) ?? [];
      if (o.intset === true) {
        let width = 2;
        for (const m of members) {
          const n = Number(m);
          if (n < -2147483648 || n > 2147483647) width = 8;
          else if ((n < -32768 || n > 32767) && width < 4) width = 4;
        }
        return { size: blob(8 + members.length * width), nodes: 0, lpBytes: 0 };
      }
      let size = rdbLenBytes(members.length);
      for (const m of members) size += rdbStringLength(m);
      return { size, nodes: 0, lpBytes: 0 };
    }
    case 'hash': {
      const fields = (o.fields as string[]) ?? [];
      const values = (o.values as string[]) ?? [];
      if (enc === 'listpack') {
        let lp = 7;
        for (let i = 0; i < fields.length; i++) lp += lpEntryBytes(fields[i]) + lpEntryBytes(values[i]);
        return { size: blob(lp), nodes: 0, lpBytes: 0 };
      }
      let size = rdbLenBytes(fields.length);
      for (let i = 0; i < fields.length; i++) size += rdbStringLength(fields[i]) + rdbStringLength(values[i]);
      return { size, nodes: 0, lpBytes: 0 };
    }
    case 'zset': {
      const dict = (o.dict as Map<string, number>) ?? new Map<string, number>();
      if (enc === 'listpack') {
        let lp = 7;
        for (const [m, sc] of dict) lp += lpEntryBytes(m) + lpEntryBytes(formatG(sc, 17));
        return { size: blob(lp), nodes: 0, lpBytes: 0 };
      }
      let size = rdbLenBytes(dict.size);
      for (const m of dict.keys()) size += rdbStringLength(m) + 8;
      return { size, nodes: 0, lpBytes: 0 };
    }
    case 'stream':
      return { size: rdbStreamLength(v as Stream), nodes: (v as Stream).nodeCount, lpBytes: 0 };
    default:
      return { size: Math.max(1, estimateValueMemory(v, 0) >> 1), nodes: 0, lpBytes: 0 };
  }
}

function stringEncoding(s: string): string {
  if (s.length <= 20) {
    const n = parseLL(s);
    if (n !== null && String(n) === s) return 'int';
  }
  return s.length <= 44 ? 'embstr' : 'raw';
}

function debugObject(c: Session, key: string): void {
  const db = c.db;
  const v = db.dict.get(key);
  if (v === undefined) {
    c.w.error(Err.noSuchKey);
    return;
  }
  const server = c.server;
  let encoding: string;
  let serialized: number;
  let extra = '';
  let refcount = 1;
  if (typeof v === 'string' || v.type === 'string') {
    // A byte string is 'raw' and never an integer: its length is all that is needed.
    const s = typeof v === 'string' ? v : '';
    encoding = typeof v === 'string' ? stringEncoding(s) : 'raw';
    serialized = typeof v === 'string' ? rdbStringLength(s) : rdbRawStringLength(stringValueLength(v));
    if (encoding === 'int') {
      const n = Number(s);
      if (n >= 0 && n < 10000 && !server.config.get('maxmemory-policy').includes('l')) refcount = 2147483647;
    }
  } else {
    encoding = v.encoding();
    const fill = server.config.getInt('list-max-listpack-size');
    const r = rdbAggregateLength(v, fill);
    serialized = r.size;
    if (v.type === 'list') {
      const len = ((v as unknown as Anyish).length as number) ?? 0;
      const nodes = Math.max(1, r.nodes);
      extra =
        ` ql_nodes:${r.nodes} ql_avg_node:${(len / nodes).toFixed(2)} ql_listpack_max:${fill}` +
        ` ql_compressed:${server.config.getInt('list-compress-depth') !== 0 ? 1 : 0} ql_uncompressed_size:${r.lpBytes}`;
    }
  }
  const idle = Math.floor(server.evictor.idleTime(db, key) / 1000);
  const lru = (Math.floor(Date.now() / 1000) - idle) & ((1 << 24) - 1);
  const addr = '0x7f' + (c.id * 4096 + key.length * 16).toString(16).padStart(10, '0');
  c.w.simple(
    `Value at:${addr} refcount:${refcount} encoding:${encoding} serializedlength:${serialized} lru:${lru} lru_seconds_idle:${idle}${extra}`,
  );
}

function debugProtocol(c: Session, name: string): void {
  const w = c.w;
  switch (name.toLowerCase()) {
    case 'string':
      w.bulk('Hello World');
      break;
    case 'integer':
      w.int(12345);
      break;
    case 'double':
      if (w.resp === 3) w.raw(',3.141\r\n');
      else w.bulk('3.141');
      break;
    case 'bignum':
      w.bigNumber('1234567999999999999999999999999999999');
      break;
    case 'null':
      w.nullBulk();
      break;
    case 'array':
      w.array(3);
      for (let j = 0; j < 3; j++) w.int(j);
      break;
    case 'set':
      w.set(3);
      for (let j = 0; j < 3; j++) w.int(j);
      break;
    case 'map':
      w.map(3);
      for (let j = 0; j < 3; j++) {
        w.int(j);
        w.bool(j === 1);
      }
      break;
    case 'attrib':
      if (w.resp === 3) {
        w.attribute(1);
        w.bulk('key-popularity');
        w.array(2);
        w.bulk('key:123');
        w.int(90);
      }
      w.bulk('Some real reply following the attribute');
      break;
    case 'push':
      if (w.resp !== 3) {
        w.error('ERR RESP2 is not supported by this command');
        return;
      }
      w.push(2);
      w.bulk('server-cpu-usage');
      w.int(42);
      w.bulk('Some real reply following the push reply');
      break;
    case 'verbatim':
      w.verbatim('This is a verbatim\nstring');
      break;
    case 'true':
      w.bool(true);
      break;
    case 'false':
      w.bool(false);
      break;
    default:
      w.error(
        'ERR Wrong protocol type name. Please use one of the following: string|integer|double|bignum|null|array|set|map|attrib|push|verbatim|true|false',
      );
  }
}

function sleepSync(ms: number): void {
  if (!(ms > 0)) return;
  const sab = new Int32Array(new SharedArrayBuffer(4));
  Atomics.wait(sab, 0, 0, ms);
}

/** Hash-table statistics text in Redis's layout, for a dictionary of `n` entries. */
function htStats(title: string, n: number): string {
  if (n === 0) return `[${title}]\nHash table 0 stats (main hash table):\nNo stats available for empty dictionaries\n`;
  let size = 4;
  while (size < n) size *= 2;
  return (
    `[${title}]\nHash table 0 stats (main hash table):\n table size: ${size}\n number of elements: ${n}\n`
  );
}

function populate(c: Session, argv: string[]): void {
  const count = parseLL(argv[2]);
  if (count === null || count < 0) {
    c.w.error('ERR value is out of range, must be positive');
    return;
  }
  const prefix = argv.length >= 4 ? argv[3] : 'key';
  let size = 0;
  if (argv.length === 5) {
    const s = parseLL(argv[4]);
    if (s === null || s < 0) {
      c.w.error('ERR value is out of range, must be positive');
      return;
    }
    size = s;
  }
  // Values are strings like any other: no longer than a string value may be.
  if (size > c.server.config.maxStringBytes) {
    c.w.error(Err.stringTooLong);
    return;
  }
  const db = c.db;
  for (let j = 0; j < count; j++) {
    const key = `${prefix}:${j}`;
    if (db.lookupWrite(key) !== undefined) continue;
    let val: string | ByteString = `value:${j}`;
    if (size > MAX_JS_STRING) {
      // past V8's longest string the value is a byte string, zero-padded as Redis pads it
      const bs = new ByteString(Buffer.alloc(size));
      bs.buf.write(val, 0, Math.min(val.length, size), 'latin1');
      val = bs;
    } else if (size > 0) {
      val = val.length >= size ? val.slice(0, size) : val + '\0'.repeat(size - val.length);
    }
    db.add(key, val);
  }
  c.w.ok();
}

function debug(c: Session, argv: string[]): void {
  if (!debugAllowed(c)) {
    c.w.error(
      'ERR DEBUG command not allowed. If the enable-debug-command option is set to "local", you can run it from a local connection, otherwise you need to set this option in the configuration file, and then restart the server.',
    );
    return;
  }
  const server = c.server;
  const sub = argv[1];
  const s = sub.toLowerCase();
  const argc = argv.length;
  if (s === 'help' && argc === 2) {
    help(c, DEBUG_HELP);
  } else if (s === 'sleep' && argc === 3) {
    const secs = Number.parseFloat(argv[2]);
    sleepSync(Number.isFinite(secs) ? secs * 1000 : 0);
    c.w.ok();
  } else if (s === 'object' && argc === 3) {
    debugObject(c, argv[2]);
  } else if (s === 'set-active-expire' && argc === 3) {
    server.keyspace.activeExpireEnabled = (parseInt(argv[2], 10) || 0) !== 0;
    c.w.ok();
  } else if (s === 'digest' && argc === 2) {
    c.w.simple(datasetDigest(server));
  } else if (s === 'digest-value' && argc >= 2) {
    c.w.array(argc - 2);
    for (let j = 2; j < argc; j++) {
      const d = Buffer.alloc(20);
      const v = c.db.read(argv[j]);
      if (v !== undefined) xorObjectDigest(c.db, argv[j], d, v);
      c.w.simple(d.toString('hex'));
    }
  } else if (s === 'protocol' && argc === 3) {
    debugProtocol(c, argv[2]);
  } else if (s === 'change-repl-id' && argc === 2) {
    server.replId = createHash('sha1').update(String(Math.random()) + Date.now()).digest('hex');
    server.log.notice('Changing replication IDs after receiving DEBUG change-repl-id');
    c.w.ok();
  } else if (s === 'error' && argc === 3) {
    c.w.error(argv[2].replace(/[\r\n]/g, ' '));
  } else if (s === 'log' && argc === 3) {
    server.log.warning(`DEBUG LOG: ${argv[2]}`);
    c.w.ok();
  } else if (s === 'leak' && argc === 3) {
    c.w.ok();
  } else if (s === 'populate' && argc >= 3 && argc <= 5) {
    populate(c, argv);
  } else if (s === 'reload') {
    let nosave = false;
    let noflush = false;
    let merge = false;
    for (let j = 2; j < argc; j++) {
      const o = argv[j].toLowerCase();
      if (o === 'nosave') nosave = true;
      else if (o === 'noflush') noflush = true;
      else if (o === 'merge') merge = true;
      else {
        c.w.error('ERR DEBUG RELOAD only supports the MERGE, NOFLUSH and NOSAVE options.');
        return;
      }
    }
    const rdb = server.rdb;
    if (!nosave && rdb.saveSync() !== null) {
      c.w.error('ERR');
      return;
    }
    // emptyData + rdbLoad leave the save counter alone
    const dirty = server.dirty;
    if (!noflush) for (const db of server.keyspace.dbs) flushDb(c, db);
    server.dirty = dirty;
    if (rdb.loadSync(merge) !== null) {
      c.w.error('ERR Error trying to load the RDB dump, check server logs.');
      return;
    }
    server.log.warning('DB reloaded by DEBUG RELOAD');
    c.w.ok();
  } else if (s === 'loadaof' && argc === 2) {
    // Redis blocks the whole server meanwhile (other clients get -LOADING); Sinew suspends this client.
    if (!canSuspend(c)) {
      c.w.error('ERR DEBUG LOADAOF cannot run inside MULTI/EXEC or a script: it loads in steps');
      return;
    }
    const dirty = server.dirty;
    for (const db of server.keyspace.dbs) flushDb(c, db);
    server.dirty = dirty;
    const pending = suspend(c);
    server.aof.debugLoad().then(
      () =>
        pending.finish((c) => {
          server.dirty = 0; // what was loaded is not a change to save or propagate
          server.log.warning('Append Only File loaded by DEBUG LOADAOF');
          c.w.ok();
        }),
      (e: unknown) => server.fatal(`DEBUG LOADAOF could not load the append only file: ${(e as Error).message}`),
    );
  } else if (s === 'stringmatch-test' && argc === 2) {
    // A short fuzz of the glob matcher: random patterns must never throw or hang.
    const alphabet = '*?[]^-\\ab';
    for (let i = 0; i < 1000; i++) {
      let p = '';
      let t = '';
      for (let k = 0; k < 8; k++) p += alphabet[Math.floor(Math.random() * alphabet.length)];
      for (let k = 0; k < 8; k++) t += alphabet[Math.floor(Math.random() * alphabet.length)];
      globMatch(p, t, false);
    }
    c.w.simple('Apparently Redis did not crash: test passed');
  } else if (s === 'htstats' && argc === 3) {
    const id = parseLL(argv[2]);
    if (id === null) {
      c.w.error(Err.notInteger);
      return;
    }
    const db = server.keyspace.dbs[id];
    if (id < 0 || db === undefined) {
      c.w.error('ERR Out of range database');
      return;
    }
    c.w.verbatim(htStats('Dictionary HT', db.size) + htStats('Expires HT', db.expires.size));
  } else if (s === 'htstats-key' && argc === 3) {
    const v = c.db.dict.get(argv[2]);
    if (v === undefined) {
      c.w.error(Err.noSuchKey);
      return;
    }
    const enc = typeof v === 'string' ? 'string' : v.encoding();
    if (enc !== 'hashtable' && enc !== 'skiplist') {
      c.w.error('ERR The value stored at the specified key is not represented using an hash table');
      return;
    }
    const o = v as unknown as Anyish;
    const n = (o.size as number) ?? 0;
    c.w.verbatim(htStats('Dictionary HT', n).replace('[Dictionary HT]\n', ''));
  } else if (s === 'sdslen' && argc === 3) {
    const v = c.db.dict.get(argv[2]);
    if (v === undefined) {
      c.w.error(Err.noSuchKey);
      return;
    }
    if (typeof v !== 'string' && v.type !== 'string') {
      c.w.error('ERR Not an sds encoded string.');
      return;
    }
    const key = argv[2];
    const vlen = stringValueLength(v);
    c.w.simple(
      `key_sds_len:${key.length}, key_sds_avail:0, key_zmalloc: ${align8(key.length + 3)}, ` +
        `val_sds_len:${vlen}, val_sds_avail:0, val_zmalloc: ${align8(vlen + 3)}`,
    );
  } else if (s === 'structsize' && argc === 2) {
    c.w.bulk('bits:64 robj:16 dictentry:24 sdshdr5:1 sdshdr8:3 sdshdr16:5 sdshdr32:9 sdshdr64:17 ');
  } else if (s === 'pause-cron' && argc === 3) {
    server.cronPaused = (parseInt(argv[2], 10) || 0) !== 0;
    c.w.ok();
  } else if (UNSUPPORTED_DEBUG.has(s)) {
    // Redis tunes internals Sinew does not have (quicklist nodes, RDB checksums, reply buffer resizing, AOF flushing).
    c.w.error(`ERR DEBUG ${argv[1].toUpperCase()} is not supported by Sinew`);
  } else if (s === 'config-rewrite-force-all' && argc === 2) {
    if (server.configFile === '') {
      c.w.error('ERR CONFIG-REWRITE-FORCE-ALL failed: The server is running without a config file');
      return;
    }
    c.w.ok();
  } else if (s === 'client-eviction' && argc === 2) {
    const report = server.clientEviction.bucketReport();
    if (report === null) c.w.error('ERR maxmemory-clients is disabled.');
    else c.w.verbatim(report);
  } else if (s === 'listpack' && argc === 3) {
    const v = c.db.dict.get(argv[2]);
    if (v === undefined) {
      c.w.error(Err.noSuchKey);
      return;
    }
    if (typeof v === 'string' || v.encoding() !== 'listpack') {
      c.w.error('ERR The value stored at the specified key is not represented using an listpack');
      return;
    }
    c.w.simple('Listpack structure printed on stdout');
  } else if (s === 'quicklist' && (argc === 3 || argc === 4)) {
    const v = c.db.dict.get(argv[2]);
    if (v === undefined) {
      c.w.error(Err.noSuchKey);
      return;
    }
    if (typeof v === 'string' || v.encoding() !== 'quicklist') {
      c.w.error('ERR The value stored at the specified key is not represented using an quicklist');
      return;
    }
    c.w.simple('Quicklist structure printed on stdout');
  } else {
    subSyntax(c, 'DEBUG', sub);
  }
}


export const debugCommands: HandlerMap = {
  debug,
};
