// Micro-benchmark of the stream data structure alone (src/types/stream.ts):
// appends, range scans, lookups, deletes, trims and group reads, with the
// heap each entry costs. No server, no RESP.
// Times are CPU time (process.cpuUsage: user + system), steadier than wall
// time on a shared machine; GC included.
// Usage (after `npx tsc -p .`): node --expose-gc bench/stream-ds.mjs [entries]
import { Stream, formatId, parseXaddId, parseStreamId, DEFAULT_NODE_LIMITS, MIN_ID, MAX_ID, incrId, decrId } from '../dist/src/types/stream.js';

const N = Number(process.argv[2] ?? 1_000_000);
const gc = globalThis.gc ?? (() => {});
const heap = () => {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
};
const cpu = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) * 1000;
};
const time = (label, ops, fn) => {
  const t0 = cpu();
  const r = fn();
  const ns = cpu() - t0;
  console.log(`${label.padEnd(48)} ${(ns / ops).toFixed(1).padStart(8)} ns/op  ${((ops / ns) * 1e3).toFixed(2).padStart(7)} M ops/s`);
  return r;
};

let seed = 12345;
const rnd = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff);

// field/value strings as the parser would hand them: fresh strings per command
const values = [];
for (let i = 0; i < 1000; i++) values.push(String(20 + (i % 17)) + '.' + (i % 10));

const h0 = heap();
const s = new Stream();
let now = 1_700_000_000_000;
time(`XADD * (${N}, 2 small fields)`, N, () => {
  for (let i = 0; i < N; i++) {
    if ((i & 1023) === 0) now++; // ~1000 entries per ms
    s.append(['temp', values[i % 1000], 'hum', values[(i * 7) % 1000]], now, DEFAULT_NODE_LIMITS);
  }
});
const h1 = heap();
console.log(`heap per entry: ${((h1 - h0) / N).toFixed(1)} bytes (${s.nodeCount} nodes, ${s.length} entries)`);

const ids = [];
s.forEachEntry((id) => {
  ids.push(id);
});

time('XRANGE - + COUNT 100, paged through all', N, () => {
  let start = MIN_ID;
  let n = 0;
  let last = MIN_ID;
  for (;;) {
    const got = s.range(start, MAX_ID, 100, false, (id, data, from, to) => {
      last = id;
      n += to - from;
    });
    if (got < 100) break;
    start = incrId(last);
  }
  return n;
});

time('XREVRANGE + - COUNT 100, paged through all', N, () => {
  let end = MAX_ID;
  let first = MAX_ID;
  for (;;) {
    const got = s.range(MIN_ID, end, 100, true, (id) => {
      first = id;
    });
    if (got < 100) break;
    end = decrId(first);
  }
});

const Q = 300_000;
const texts = [];
for (let i = 0; i < Q; i++) texts.push(formatId(ids[rnd() % ids.length]));
time('parse ID text + XRANGE id id (random entries)', Q, () => {
  let n = 0;
  for (let i = 0; i < Q; i++) {
    const id = parseStreamId(texts[i]);
    n += s.range(id, id, 1, false, () => {});
  }
  return n;
});
time('parse ID text only', Q, () => {
  let n = 0;
  for (let i = 0; i < Q; i++) n += parseStreamId(texts[i]).length;
  return n;
});

time('formatId (reply text of an ID)', Q, () => {
  let n = 0;
  for (let i = 0; i < Q; i++) n += formatId(ids[i % ids.length]).length;
  return n;
});

const D = 100_000;
const dels = [];
for (let i = 0; i < D; i++) dels.push(formatId(ids[rnd() % ids.length]));
time(`XDEL (${D} random IDs: parse + delete, one per call)`, D, () => {
  let n = 0;
  for (const t of dels) n += s.deleteIds([parseStreamId(t)]);
  return n;
});
console.log(`  -> ${s.length} entries left, ${s.nodeCount} nodes`);

time('XRANGE - + COUNT 100 after the deletes, paged', s.length, () => {
  let start = MIN_ID;
  let last = MIN_ID;
  for (;;) {
    const got = s.range(start, MAX_ID, 100, false, (id) => {
      last = id;
    });
    if (got < 100) break;
    start = incrId(last);
  }
});

const g = s.createGroup('g', MIN_ID);
const c = g.createConsumer('c', now);
time('XREADGROUP > COUNT 100 (paged through all) + XACK each', s.length, () => {
  let got;
  do {
    const batch = [];
    got = s.readGroupNew(g, c, 100, false, now, (id) => {
      batch.push(id);
    });
    for (const id of batch) g.ack(id);
  } while (got > 0);
});

const g2 = s.createGroup('g2', MIN_ID);
const c2 = g2.createConsumer('c', now);
const h2 = heap();
time('XREADGROUP > COUNT 1000 without ack (PEL grows)', s.length, () => {
  while (s.readGroupNew(g2, c2, 1000, false, now) > 0);
});
console.log(`  -> PEL ${g2.pel.size}, heap per pending entry ${((heap() - h2) / g2.pel.size).toFixed(1)} bytes (group and consumer PEL slots, NACK, ID key)`);

time('XTRIM MAXLEN ~ 1000 (whole nodes from the head)', 1, () => s.trimByLength(1000, true, 0));
console.log(`  -> ${s.length} entries left, ${s.nodeCount} nodes`);

// explicit IDs, as an AOF load or a replica feeds them
const t = new Stream();
const explicit = ids.slice(0, 200000).map((id) => formatId(id));
time('XADD <explicit id> (parse + append, 200k)', explicit.length, () => {
  for (let i = 0; i < explicit.length; i++) {
    const p = parseXaddId(explicit[i]);
    t.append(['temp', values[i % 1000], 'hum', '1'], 0, DEFAULT_NODE_LIMITS, p.id, p.seqGiven);
  }
});

// values as a server holds them: a fresh string per field value
ids.length = 0;
const h3 = heap();
const u = new Stream();
time(`XADD * (${N}, 2 fields, fresh value strings)`, N, () => {
  for (let i = 0; i < N; i++) {
    if ((i & 1023) === 0) now++;
    u.append(['temp', String(i % 1000) + '.5', 'hum', 'h' + (i % 97)], now, DEFAULT_NODE_LIMITS);
  }
});
console.log(`heap per entry, value strings included: ${((heap() - h3) / N).toFixed(1)} bytes`);
