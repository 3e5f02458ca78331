/**
 * MEMORY USAGE, STATS, DOCTOR, PURGE. MEMORY USAGE is an estimate of what a
 * key costs in Sinew's own representation (V8 strings, Maps and arrays), see
 * `estimateKeyMemory`; Redis's figures come from its allocator and are not
 * reproduced.
 */
import type { HandlerMap, Session, Server } from '../server/server.js';
import type { Database } from '../keyspace/database.js';
import type { Value } from '../types/object.js';
import { Err } from '../protocol/errors.js';
import { parseLL } from '../protocol/numbers.js';
import { replyHelp as help } from './args.js';
import type { Stream } from '../types/stream.js';

/** V8 rounds heap objects to 8 bytes. */
export function align8(n: number): number {
  return (n + 7) & ~7;
}

// ---------------------------------------------------------------- MEMORY

const MEMORY_HELP = [
  'MEMORY <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
  'DOCTOR',
  '    Return memory problems reports.',
  'MALLOC-STATS',
  '    Return internal statistics report from the memory allocator.',
  'PURGE',
  '    Attempt to purge dirty pages for reclamation by the allocator.',
  'STATS',
  '    Return information about the memory usage of the server.',
  'USAGE <key> [SAMPLES <count>]',
  '    Return memory in bytes used by <key> and its value. Nested values are',
  '    sampled up to <count> times (default: 5, 0 means sample all).',
  'HELP',
  '    Prints this help.',
];

/** Bytes of a V8 one-byte string of n characters (header + payload, aligned). */
function strBytes(n: number): number {
  return align8(16 + n);
}

/** Bytes of one Map entry (OrderedHashMap: key, value, chain + bucket share). */
const MAP_ENTRY = 28;
/** A JS array slot. */
const SLOT = 8;
/** A heap number (doubles that are not small integers). */
const HEAP_NUMBER = 16;

export type Anyish = Record<string, unknown>;

/** Average size of up to `samples` strings taken from the front of a sequence. */
function sampleAvg(get: (i: number) => string | undefined, size: number, samples: number): number {
  const n = samples === 0 ? size : Math.min(size, samples);
  if (n === 0) return 0;
  let sum = 0;
  let seen = 0;
  for (let i = 0; i < n; i++) {
    const s = get(i);
    if (s === undefined) break;
    sum += strBytes(s.length);
    seen++;
  }
  return seen === 0 ? 0 : sum / seen;
}

/**
 * MEMORY USAGE estimate for a value in Sinew's representation:
 *  - string: a V8 one-byte string (16-byte header + bytes, 8-aligned), or a
 *    Buffer-backed ByteString (its capacity + ~96 bytes of objects);
 *  - list: ring-buffer slots (8 bytes each) + the element strings;
 *  - set / hash: arrays of members (fields and values) + an index Map entry
 *    per member once past the compact encoding + the strings;
 *  - zset: a Map entry and a tree slot per member, plus the score;
 *  - stream: per node its typed arrays (16-byte IDs, flags), offsets and
 *    field/value slots, the strings of sampled nodes (averaged over all
 *    nodes), ~120 bytes of node objects and an index entry; per group a
 *    PEL entry (~80 bytes) per pending entry, ~150 bytes per consumer.
 * Nested elements are sampled like Redis (`samples`, 0 = all) and the
 * average multiplied by the element count.
 */
export function estimateValueMemory(v: Value, samples: number): number {
  if (typeof v === 'string') return strBytes(v.length);
  const o = v as unknown as Anyish;
  switch (v.type) {
    case 'string': {
      const buf = o.buf as Buffer | undefined;
      return 96 + (buf ? buf.length : 0);
    }
    case 'list': {
      const len = (o.length as number) ?? 0;
      const get = typeof o.get === 'function' ? (i: number) => (o.get as (i: number) => string)(i) : () => undefined;
      const cap = Array.isArray(o.items) ? (o.items as unknown[]).length : len;
      return 64 + cap * SLOT + Math.round(sampleAvg(get, len, samples) * len);
    }
    case 'set': {
      const members = (o.members as string[] | undefined) ?? [];
      const size = members.length;
      const avg = sampleAvg((i) => members[i], size, samples);
      const indexed = o.intset === true ? 0 : size * MAP_ENTRY;
      return 64 + size * SLOT + indexed + Math.round(avg * size);
    }
    case 'hash': {
      const fields = (o.fields as string[] | undefined) ?? [];
      const values = (o.values as string[] | undefined) ?? [];
      const size = fields.length;
      const avg = sampleAvg((i) => fields[i], size, samples) + sampleAvg((i) => values[i], size, samples);
      const indexed = o.listpack === true ? 0 : size * MAP_ENTRY;
      return 64 + size * 2 * SLOT + indexed + Math.round(avg * size);
    }
    case 'zset': {
      const dict = o.dict as Map<string, number> | undefined;
      const size = dict?.size ?? 0;
      let sum = 0;
      let n = 0;
      if (dict) {
        for (const m of dict.keys()) {
          if (samples !== 0 && n >= samples) break;
          sum += strBytes(m.length);
          n++;
        }
      }
      const avg = n ? sum / n : 0;
      return 96 + size * (MAP_ENTRY + 2 * SLOT + HEAP_NUMBER) + Math.round(avg * size);
    }
    case 'stream':
      return streamMemory(v as Stream, samples);
    default:
      return 64;
  }
}

function streamMemory(s: Stream, samples: number): number {
  let total = 160;
  let nodes = 0;
  let sampledStrings = 0;
  let sampled = 0;
  for (const node of s.nodes()) {
    nodes++;
    const sample = samples === 0 || sampled < samples;
    const store = node.storeUsage(sample ? strBytes : undefined);
    total += 120 + MAP_ENTRY + node.words.byteLength + node.flags.byteLength + store.slots * SLOT + store.typedBytes;
    if (sample) {
      sampledStrings += store.stringBytes;
      for (const f of node.masterFields) sampledStrings += strBytes(f.length);
      sampled++;
    }
  }
  if (sampled > 0) total += Math.round((sampledStrings / sampled) * nodes);
  for (const g of s.groups()) {
    total += 200 + strBytes(g.name.length) + g.pel.size * 80;
    g.consumers.forEach((c) => {
      total += 150 + strBytes(c.name.length) + c.pel.size * 24;
    });
  }
  return total;
}

/** Key string + its dictionary entry (+ expires entry) + the value. */
export function estimateKeyMemory(db: Database, key: string, v: Value, samples: number): number {
  let n = strBytes(key.length) + MAP_ENTRY + estimateValueMemory(v, samples);
  if (db.expires.has(key)) n += MAP_ENTRY + HEAP_NUMBER;
  return n;
}

function memoryDoctor(server: Server): string {
  // Redis looks at its total allocation; Sinew at an estimate of the dataset
  // (MEMORY USAGE of a few keys per database, scaled to the key count).
  let used = 0;
  for (const db of server.keyspace.dbs) {
    if (db.size === 0) continue;
    let sum = 0;
    let n = 0;
    for (const [key, v] of db.dict) {
      sum += estimateKeyMemory(db, key, v, 5);
      if (++n === 16) break;
    }
    used += (sum / n) * db.size;
  }
  if (used < 5 * 1024 * 1024) {
    return (
      "Hi Sam, this instance is empty or is using very little memory, my issues detector can't be used in these conditions. " +
      'Please, leave for your mission on Earth and fill it with some data. ' +
      'The new Sam and I will be back to our programming as soon as I finished rebooting.\n'
    );
  }
  return "Hi Sam, I can't find any memory issue in your instance. I can only account for what occurs on this base.\n";
}

function memoryStats(c: Session): void {
  const server = c.server;
  const used = server.usedMemory();
  const mu = process.memoryUsage();
  const startup = server.startupMemory;
  let clientsNormal = 0;
  for (const cl of server.clients.values()) clientsNormal += cl.outputLength + cl.parser.pending;
  const dbs = server.keyspace.dbs.filter((db) => db.size > 0);
  let dbOverhead = 0;
  for (const db of dbs) dbOverhead += db.size * MAP_ENTRY + db.expires.size * MAP_ENTRY;
  const overhead = startup + clientsNormal + dbOverhead;
  const keys = server.keyspace.totalKeys();
  const dataset = Math.max(0, used - overhead);
  const peak = c.server.samplePeakMemory(used);
  const w = c.w;
  w.map(27 + dbs.length);
  const int = (k: string, v: number) => {
    w.bulk(k);
    w.int(Math.round(v));
  };
  const dbl = (k: string, v: number) => {
    w.bulk(k);
    w.double(v);
  };
  int('peak.allocated', peak);
  int('total.allocated', used);
  int('startup.allocated', startup);
  int('replication.backlog', 0);
  int('clients.slaves', 0);
  int('clients.normal', clientsNormal);
  int('cluster.links', 0);
  int('aof.buffer', 0);
  int('lua.caches', 0);
  int('functions.caches', 0);
  for (const db of dbs) {
    w.bulk(`db.${db.id}`);
    w.map(3);
    int('overhead.hashtable.main', db.size * MAP_ENTRY);
    int('overhead.hashtable.expires', db.expires.size * MAP_ENTRY);
    int('overhead.hashtable.slot-to-keys', 0);
  }
  int('overhead.total', overhead);
  int('keys.count', keys);
  int('keys.bytes-per-key', keys ? Math.floor((used - startup) / keys) : 0);
  int('dataset.bytes', dataset);
  dbl('dataset.percentage', used > startup ? (dataset * 100) / (used - startup) : 0);
  dbl('peak.percentage', peak ? (used * 100) / peak : 0);
  int('allocator.allocated', mu.heapUsed);
  int('allocator.active', mu.heapTotal);
  int('allocator.resident', mu.rss);
  dbl('allocator-fragmentation.ratio', mu.heapTotal / Math.max(1, mu.heapUsed));
  int('allocator-fragmentation.bytes', mu.heapTotal - mu.heapUsed);
  dbl('allocator-rss.ratio', mu.rss / Math.max(1, mu.heapTotal));
  int('allocator-rss.bytes', mu.rss - mu.heapTotal);
  dbl('rss-overhead.ratio', 1);
  int('rss-overhead.bytes', 0);
  dbl('fragmentation', mu.rss / Math.max(1, used));
  int('fragmentation.bytes', mu.rss - used);
}



export const memoryCommands: HandlerMap = {
  'memory|usage'(c, argv) {
    let samples = 5;
    for (let j = 3; j < argv.length; j++) {
      if (argv[j].toLowerCase() === 'samples' && j + 1 < argv.length) {
        const n = parseLL(argv[j + 1]);
        if (n === null) {
          c.w.error(Err.notInteger);
          return;
        }
        if (n < 0) {
          c.w.error(Err.syntax);
          return;
        }
        samples = n;
        j++;
      } else {
        c.w.error(Err.syntax);
        return;
      }
    }
    const db = c.db;
    // Like Redis: a plain dictionary look-up (no expiry, no access-time update).
    const v = db.dict.get(argv[2]);
    if (v === undefined) {
      c.w.nullBulk();
      return;
    }
    c.w.int(estimateKeyMemory(db, argv[2], v, samples));
  },
  'memory|stats'(c) {
    memoryStats(c);
  },
  'memory|doctor'(c) {
    c.w.verbatim(memoryDoctor(c.server));
  },
  'memory|malloc-stats'(c) {
    c.w.bulk('Stats not supported for the current allocator');
  },
  'memory|purge'(c) {
    const gc = (globalThis as { gc?: () => void }).gc;
    if (typeof gc === 'function') gc();
    c.w.ok();
  },
  'memory|help'(c) {
    help(c, MEMORY_HELP);
  },

};
