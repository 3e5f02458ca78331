#!/usr/bin/env node
/**
 * Sinew vs Redis benchmark: `npm run bench` (= `tsc -p . && node bench/run.mjs`).
 *
 * Starts Sinew (`node bin/sinew-server.js`, a separate process) and a real
 * redis-server, each on a free loopback port with persistence off, then:
 *
 *  1. throughput: redis-benchmark against each server in turn (same machine,
 *     same run), -c 50 -d 64 -r 100000, at -P 1 and -P 16, one
 *     redis-benchmark process per test and server. -n is calibrated per test
 *     so that the slower server's run lasts about RUN_SECONDS.
 *     Tests whose commands Sinew does not implement (COMMAND INFO answers nil)
 *     are printed as "skipped: not implemented".
 *     Streams: XADD with and without MAXLEN ~ 1000 and XRANGE - + COUNT 100
 *     the same way (custom redis-benchmark commands, __rand_int__ values);
 *     HyperLogLog: PFADD of one element into one dense HLL and into many
 *     small sparse ones, PFCOUNT of a dense HLL (its cached cardinality) and
 *     of two dense HLLs (merged and estimated on every call);
 *     GEOADD of random points, and GEOSEARCH around random centres in a
 *     prefilled set of 100,000 points (BYRADIUS 50 km, the 10 nearest);
 *     and a consumer-group loop that redis-benchmark cannot run (it cannot
 *     feed the IDs it read back into XACK): GROUP_CONSUMERS connections of
 *     this script each loop XREADGROUP ... COUNT 10 STREAMS key > then XACK
 *     of the IDs read, until the prefilled stream is drained; entries
 *     acknowledged per second, the same driver against both servers.
 *  2. memory: fresh servers, 1,000,000 string keys (key:NNNNNNN -> 10 bytes)
 *     loaded with pipelined MSET from this script, key count verified with
 *     DBSIZE; the same for a 1M-member sorted set (ZADD) and a 1M-field hash
 *     (HSET), and a 1M-entry stream (XADD *, two small fields) when Sinew has
 *     those commands. Reports INFO used_memory minus the
 *     empty server's used_memory, per key/member/field. Sinew runs with
 *     --expose-gc and a SIGUSR2 hook that runs two full GCs, so both of its
 *     readings are of live memory only.
 *
 * Options: --quick (small sizes, to check the harness), --no-memory,
 * --no-throughput, --json FILE (also write the results as JSON),
 * --run-seconds N (target length of each timed run, default 2.5),
 * --repeat N (timed runs per test and server, alternating which server goes
 * first; the best counts; default 3), --only TEXT (only the tests and data
 * sets whose name contains TEXT, case-insensitive; repeatable).
 *
 * Loopback only. Every child process is killed on exit (including on
 * SIGINT/SIGTERM and errors), and the whole run has a time limit.
 */
import { spawnSync } from 'node:child_process';
import os from 'node:os';
import { writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, guardProcess, runMain, startSinew, startRedis, stopServer, withConn, parseInfo, redisBenchmark, Conn, machineInfo } from './servers.mjs';

const args = process.argv.slice(2);
const QUICK = args.includes('--quick');
const DO_MEMORY = !args.includes('--no-memory');
const DO_THROUGHPUT = !args.includes('--no-throughput');
const jsonIdx = args.indexOf('--json');
const JSON_OUT = jsonIdx >= 0 ? args[jsonIdx + 1] : null;
const rsIdx = args.indexOf('--run-seconds');
const RUN_SECONDS = rsIdx >= 0 ? Number(args[rsIdx + 1]) : QUICK ? 0.3 : 2.5;
const MEMORY_N = QUICK ? 100_000 : 1_000_000;
const repIdx = args.indexOf('--repeat');
const REPEAT = repIdx >= 0 ? Math.max(1, Number(args[repIdx + 1])) : QUICK ? 1 : 3;
const ONLY = args.flatMap((a, i) => (a === '--only' ? [String(args[i + 1]).toLowerCase()] : []));
const selected = (name) => ONLY.length === 0 || ONLY.some((o) => name.toLowerCase().includes(o));
const TOTAL_TIME_LIMIT_MS = 30 * 60 * 1000;
const RUN_TIMEOUT_MS = 120_000;

guardProcess(TOTAL_TIME_LIMIT_MS);

// ---------------------------------------------------------------- servers

/** Commands (lower case) that the server implements, among `names`. */
async function implemented(srv, names) {
  return withConn(srv, async (c) => {
    const r = await c.call(['COMMAND', 'INFO', ...names]);
    const have = new Set();
    r.forEach((entry, i) => {
      if (Array.isArray(entry)) have.add(names[i]);
    });
    return have;
  });
}

// ---------------------------------------------------------------- redis-benchmark

async function runBenchmark(port, benchArgs, timeoutMs = RUN_TIMEOUT_MS) {
  const r = await redisBenchmark(port, benchArgs, timeoutMs);
  if (r.code !== 0) throw new Error(`${r.command} exited ${r.code}: ${r.err}${r.out}`);
  return { rows: parseCsv(r.out), seconds: r.seconds };
}

function parseCsv(text) {
  const rows = [];
  for (const line of text.split('\n')) {
    const m = /^"([^"]*)","([0-9.]+)"/.exec(line.trim());
    if (m) rows.push({ test: m[1], rps: Number(m[2]) });
  }
  return rows;
}

const COMMON = ['-c', '50', '-d', '64', '-r', '100000'];

/**
 * The throughput tests. `t` is a redis-benchmark -t name, or `custom` a command
 * line; `row` picks the CSV row; `needs` lists the Sinew commands required;
 * `prefill` refills the data a popping test consumes (untimed).
 */
const TESTS = [
  { name: 'SET', t: 'set', needs: ['set'] },
  { name: 'GET', t: 'get', needs: ['get'] },
  { name: 'INCR', t: 'incr', needs: ['incr'] },
  { name: 'MSET (10 keys)', t: 'mset', needs: ['mset'] },
  { name: 'LPUSH', t: 'lpush', needs: ['lpush'] },
  { name: 'LPOP', t: 'lpop', needs: ['lpop', 'lpush'], prefill: 'lpush' },
  { name: 'RPOP', t: 'rpop', needs: ['rpop', 'lpush'], prefill: 'lpush' },
  { name: 'SADD', t: 'sadd', needs: ['sadd'] },
  { name: 'SPOP', t: 'spop', needs: ['spop', 'sadd'], prefill: 'sadd' },
  { name: 'HSET', t: 'hset', needs: ['hset'] },
  { name: 'ZADD', t: 'zadd', needs: ['zadd'] },
  { name: 'ZRANGE 0 99', custom: ['zrange', 'myzset', '0', '99'], needs: ['zrange', 'zadd'], prefill: 'zadd-100' },
  { name: 'ZPOPMIN', t: 'zpopmin', needs: ['zpopmin', 'zadd'], prefill: 'zadd' },
  { name: 'LRANGE_100 (first 100 elements)', t: 'lrange_100', needs: ['lrange', 'lpush'], row: 'LRANGE_100' },
  { name: 'XADD key * field rand', custom: ['XADD', 'bench:stream', '*', 'field', '__rand_int__'], needs: ['xadd'] },
  { name: 'XADD key MAXLEN ~ 1000 * field rand', custom: ['XADD', 'bench:capped', 'MAXLEN', '~', '1000', '*', 'field', '__rand_int__'], needs: ['xadd'] },
  { name: 'XRANGE key - + COUNT 100', custom: ['XRANGE', 'bench:range', '-', '+', 'COUNT', '100'], needs: ['xrange', 'xadd'], prefill: 'xadd-100' },
  { name: 'PFADD key rand (one dense HLL)', custom: ['PFADD', 'bench:hll', 'element:__rand_int__'], needs: ['pfadd'], prefill: 'pfadd-dense' },
  { name: 'PFADD key:rand rand (sparse HLLs)', custom: ['PFADD', 'bench:hll:__rand_int__', 'element:__rand_int__'], needs: ['pfadd'] },
  { name: 'PFCOUNT key (cached)', custom: ['PFCOUNT', 'bench:hll'], needs: ['pfcount', 'pfadd'], prefill: 'pfadd-dense' },
  { name: 'PFCOUNT key key (two dense HLLs, estimated)', custom: ['PFCOUNT', 'bench:hll', 'bench:hll2'], needs: ['pfcount', 'pfadd'], prefill: 'pfadd-dense' },
  // Random points in [0, 100) x [0, 10) degrees: __rand_int__ (12 digits) scaled by the exponent.
  { name: 'GEOADD key lon lat member', custom: ['GEOADD', 'bench:geo', '__rand_int__e-3', '__rand_int__e-4', 'member:__rand_int__'], needs: ['geoadd'] },
  {
    name: 'GEOSEARCH FROMLONLAT BYRADIUS 50 km ASC COUNT 10 WITHDIST (100k points)',
    custom: ['GEOSEARCH', 'bench:geoset', 'FROMLONLAT', '__rand_int__e-3', '__rand_int__e-4', 'BYRADIUS', '50', 'km', 'ASC', 'COUNT', '10', 'WITHDIST'],
    needs: ['geosearch', 'geoadd'],
    prefill: 'geo-100k',
  },
];

function benchArgsFor(test, n, pipeline) {
  const base = ['-n', String(n), '-P', String(pipeline), ...COMMON];
  return test.custom ? [...base, ...test.custom] : [...base, '-t', test.t];
}

function pickRow(test, rows) {
  if (test.custom) return rows[rows.length - 1];
  const want = (test.row ?? test.name).toUpperCase();
  return rows.find((r) => r.test.toUpperCase().startsWith(want)) ?? rows[rows.length - 1];
}

/** Untimed: puts back the elements a popping test will take. */
async function prefill(srv, kind, n) {
  if (kind === 'zadd-100') {
    // myzset with at least 100 members for ZRANGE 0 99.
    await withConn(srv, (c) => c.pipeline(200, (i) => ['ZADD', 'myzset', String(i), `element:${String(i).padStart(12, '0')}`]));
    return;
  }
  if (kind === 'pfadd-dense') {
    // bench:hll and bench:hll2, dense HLLs of 20,000 elements each (100 per PFADD).
    for (const key of ['bench:hll', 'bench:hll2']) {
      await withConn(srv, (c) => c.pipeline(200, (b) => ['PFADD', key, ...Array.from({ length: 100 }, (_, i) => `${key}:${b * 100 + i}`)]));
    }
    return;
  }
  if (kind === 'xadd-100') {
    // bench:range with at least 100 entries of two small fields for XRANGE - + COUNT 100.
    await withConn(srv, (c) => c.pipeline(100, (i) => ['XADD', 'bench:range', '*', 'sensor', `s${i % 16}`, 'temp', `${20 + (i % 10)}.5`]));
    return;
  }
  if (kind === 'geo-100k') {
    // bench:geoset: 100,000 points spread over the area GEOSEARCH's centres are drawn from (the same points on both servers).
    await withConn(srv, async (c) => {
      if ((await c.call(['ZCARD', 'bench:geoset'])) >= 100_000) return;
      let seed = 1;
      const rnd = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
      await c.pipeline(1000, (i) => {
        const cmd = ['GEOADD', 'bench:geoset'];
        for (let j = 0; j < 100; j++) cmd.push((rnd() * 100).toFixed(5), (rnd() * 10).toFixed(5), `m:${i * 100 + j}`);
        return cmd;
      });
    });
    return;
  }
  // Distinct members (-r 100000000) so a set or sorted set gets ~n of them.
  await runBenchmark(srv.port, ['-n', String(n), '-P', '16', '-c', '50', '-d', '64', '-r', '100000000', '-t', kind]);
}

async function measure(srv, test, n, pipeline) {
  if (test.prefill) await prefill(srv, test.prefill, n);
  const { rows } = await runBenchmark(srv.port, benchArgsFor(test, n, pipeline));
  const row = pickRow(test, rows);
  if (!row || !(row.rps > 0)) throw new Error(`no result for ${test.name} on ${srv.name}`);
  return row.rps;
}

function roundN(x) {
  const min = 2000;
  const max = 5_000_000;
  const v = Math.max(min, Math.min(max, x));
  const mag = 10 ** Math.max(3, Math.floor(Math.log10(v)) - 1);
  return Math.round(v / mag) * mag;
}

async function throughput(sinew, redis, sinewHas) {
  const results = [];
  for (const pipeline of [1, 16]) {
    for (const test of TESTS) {
      if (!selected(test.name)) continue;
      const missing = test.needs.filter((c) => !sinewHas.has(c));
      if (missing.length > 0) {
        results.push({ test: test.name, pipeline, skipped: `not implemented (${missing.join(', ').toUpperCase()})` });
        log(`  ${test.name} -P ${pipeline}: skipped: not implemented (${missing.join(', ').toUpperCase()})`);
        continue;
      }
      // Calibrate: a short run on each, then size -n for the slower one.
      const probeN = pipeline === 1 ? 5000 : 20000;
      const probe = Math.min(await measure(sinew, test, probeN, pipeline), await measure(redis, test, probeN, pipeline));
      const n = roundN(probe * RUN_SECONDS);
      // REPEAT timed runs each, alternating which server goes first; the best
      // run of each counts (the machine is shared: the best run is the one
      // least disturbed by other processes).
      const sRuns = [];
      const rRuns = [];
      for (let k = 0; k < REPEAT; k++) {
        if (k % 2 === 0) {
          sRuns.push(await measure(sinew, test, n, pipeline));
          rRuns.push(await measure(redis, test, n, pipeline));
        } else {
          rRuns.push(await measure(redis, test, n, pipeline));
          sRuns.push(await measure(sinew, test, n, pipeline));
        }
      }
      const s = Math.max(...sRuns);
      const r = Math.max(...rRuns);
      results.push({ test: test.name, pipeline, n, sinew: s, redis: r, ratio: s / r, sinewRuns: sRuns, redisRuns: rRuns });
      log(`  ${test.name} -P ${pipeline} -n ${n}: Sinew ${fmtInt(s)}/s, Redis ${fmtInt(r)}/s, ratio ${(s / r).toFixed(2)}`);
    }
  }
  return results;
}

// ---------------------------------------------------------------- stream consumer group loop

const GROUP_CONSUMERS = 10;
const GROUP_LOOP_NAME = `XREADGROUP COUNT 10 + XACK loop (${GROUP_CONSUMERS} consumers)`;
const GROUP_LOOP_NEEDS = ['xadd', 'xgroup', 'xreadgroup', 'xack', 'xpending'];

/**
 * Prefills bench:jobs with `entries` entries (untimed), creates group g at 0,
 * then times GROUP_CONSUMERS connections that each loop XREADGROUP GROUP g
 * cN COUNT 10 STREAMS bench:jobs > and XACK of the IDs read, until the
 * stream is drained. Checks that every entry was acknowledged once.
 */
async function groupLoopOnce(srv, entries) {
  await withConn(srv, async (c) => {
    await c.call(['DEL', 'bench:jobs']);
    await c.pipeline(entries, (i) => ['XADD', 'bench:jobs', '*', 'job', String(i), 'payload', 'p'.repeat(16)], 64);
    await c.call(['XGROUP', 'CREATE', 'bench:jobs', 'g', '0']);
  });
  const conns = await Promise.all(Array.from({ length: GROUP_CONSUMERS }, () => Conn.open(srv.port)));
  let acked = 0;
  let commands = 0;
  const t0 = performance.now();
  try {
    await Promise.all(
      conns.map(async (c, k) => {
        for (;;) {
          const r = await c.call(['XREADGROUP', 'GROUP', 'g', `c${k}`, 'COUNT', '10', 'STREAMS', 'bench:jobs', '>']);
          commands++;
          const ids = r === null ? [] : r[0][1].map((e) => e[0]);
          if (ids.length === 0) break;
          const n = await c.call(['XACK', 'bench:jobs', 'g', ...ids]);
          acked += n; // not `acked += await ...`: that reads acked before the await
          commands++;
        }
      }),
    );
  } finally {
    for (const c of conns) c.close();
  }
  const seconds = (performance.now() - t0) / 1000;
  const pending = await withConn(srv, (c) => c.call(['XPENDING', 'bench:jobs', 'g']));
  if (acked !== entries || pending[0] !== 0) throw new Error(`${srv.name}: ${acked} of ${entries} entries acknowledged, ${pending[0]} pending`);
  await withConn(srv, (c) => c.call(['DEL', 'bench:jobs']));
  return { entriesPerSec: acked / seconds, commandsPerSec: commands / seconds };
}

async function groupLoop(sinew, redis, sinewHas) {
  if (!selected(GROUP_LOOP_NAME)) return [];
  const missing = GROUP_LOOP_NEEDS.filter((c) => !sinewHas.has(c));
  if (missing.length > 0) {
    log(`  ${GROUP_LOOP_NAME}: skipped: not implemented (${missing.join(', ').toUpperCase()})`);
    return [{ test: GROUP_LOOP_NAME, skipped: `not implemented (${missing.join(', ').toUpperCase()})` }];
  }
  const probeN = QUICK ? 2000 : 20000;
  const probe = Math.min((await groupLoopOnce(sinew, probeN)).entriesPerSec, (await groupLoopOnce(redis, probeN)).entriesPerSec);
  const n = roundN(probe * RUN_SECONDS);
  const sRuns = [];
  const rRuns = [];
  for (let k = 0; k < REPEAT; k++) {
    const order = k % 2 === 0 ? [sinew, redis] : [redis, sinew];
    for (const srv of order) (srv === sinew ? sRuns : rRuns).push(await groupLoopOnce(srv, n));
  }
  const best = (runs) => runs.reduce((a, b) => (b.entriesPerSec > a.entriesPerSec ? b : a));
  const s = best(sRuns);
  const r = best(rRuns);
  log(
    `  ${GROUP_LOOP_NAME}, ${fmtInt(n)} entries: Sinew ${fmtInt(s.entriesPerSec)} entries/s (${fmtInt(s.commandsPerSec)} commands/s), ` +
      `Redis ${fmtInt(r.entriesPerSec)} entries/s (${fmtInt(r.commandsPerSec)} commands/s), ratio ${(s.entriesPerSec / r.entriesPerSec).toFixed(2)}`,
  );
  return [{ test: GROUP_LOOP_NAME, n, sinew: s.entriesPerSec, redis: r.entriesPerSec, ratio: s.entriesPerSec / r.entriesPerSec, sinewCommands: s.commandsPerSec, redisCommands: r.commandsPerSec }];
}

// ---------------------------------------------------------------- memory

async function usedMemory(srv) {
  await srv.gc();
  return withConn(srv, async (c) => {
    const info = parseInfo(await c.call(['INFO', 'memory']));
    return { used: Number(info.used_memory), rss: Number(info.used_memory_rss) };
  });
}

const pad = (i) => String(i).padStart(7, '0');
const BATCH = 1000;

const DATASETS = [
  {
    name: `${MEMORY_N.toLocaleString('en-US')} string keys (key:NNNNNNN -> 10-byte value)`,
    unit: 'key',
    needs: ['mset', 'dbsize'],
    load: (c) =>
      c.pipeline(MEMORY_N / BATCH, (b) => {
        const argv = ['MSET'];
        for (let i = b * BATCH; i < (b + 1) * BATCH; i++) argv.push(`key:${pad(i)}`, `v${String(i).padStart(9, '0')}`);
        return argv;
      }),
    verify: async (c) => c.call(['DBSIZE']),
  },
  {
    name: `sorted set of ${MEMORY_N.toLocaleString('en-US')} members (member:NNNNNNN, score i)`,
    unit: 'member',
    needs: ['zadd', 'zcard'],
    load: (c) =>
      c.pipeline(MEMORY_N / BATCH, (b) => {
        const argv = ['ZADD', 'bigzset'];
        for (let i = b * BATCH; i < (b + 1) * BATCH; i++) argv.push(String(i), `member:${pad(i)}`);
        return argv;
      }),
    verify: async (c) => c.call(['ZCARD', 'bigzset']),
  },
  {
    name: `hash of ${MEMORY_N.toLocaleString('en-US')} fields (field:NNNNNNN -> 10-byte value)`,
    unit: 'field',
    needs: ['hset', 'hlen'],
    load: (c) =>
      c.pipeline(MEMORY_N / BATCH, (b) => {
        const argv = ['HSET', 'bighash'];
        for (let i = b * BATCH; i < (b + 1) * BATCH; i++) argv.push(`field:${pad(i)}`, `v${String(i).padStart(9, '0')}`);
        return argv;
      }),
    verify: async (c) => c.call(['HLEN', 'bighash']),
  },
  {
    name: `stream of ${MEMORY_N.toLocaleString('en-US')} entries (XADD *, two small fields: sensor sNN, temp NN.N)`,
    unit: 'entry',
    needs: ['xadd', 'xlen'],
    // One entry per XADD (a stream entry cannot be batched), 64 in flight.
    load: (c) => c.pipeline(MEMORY_N, (i) => ['XADD', 'bigstream', '*', 'sensor', `s${i % 100}`, 'temp', `${20 + (i % 10)}.${i % 7}`], 64),
    verify: async (c) => c.call(['XLEN', 'bigstream']),
  },
];

async function memoryOne(start, ds) {
  const srv = await start();
  try {
    const empty = await usedMemory(srv);
    const t0 = Date.now();
    await withConn(srv, (c) => ds.load(c));
    const loadSeconds = (Date.now() - t0) / 1000;
    const count = await withConn(srv, (c) => ds.verify(c));
    if (count !== MEMORY_N) throw new Error(`${srv.name}: expected ${MEMORY_N} ${ds.unit}s, found ${count}`);
    const loaded = await usedMemory(srv);
    return {
      empty: empty.used,
      loaded: loaded.used,
      perItem: (loaded.used - empty.used) / MEMORY_N,
      rssPerItem: (loaded.rss - empty.rss) / MEMORY_N,
      loadSeconds,
    };
  } finally {
    await stopServer(srv);
  }
}

async function memory(sinewHas) {
  const results = [];
  for (const ds of DATASETS) {
    if (!selected(ds.name)) continue;
    const missing = ds.needs.filter((c) => !sinewHas.has(c));
    if (missing.length > 0) {
      results.push({ dataset: ds.name, unit: ds.unit, skipped: `not implemented (${missing.join(', ').toUpperCase()})` });
      log(`  ${ds.name}: skipped: not implemented (${missing.join(', ').toUpperCase()})`);
      continue;
    }
    const s = await memoryOne(() => startSinew({ gcHook: true }), ds);
    const r = await memoryOne(startRedis, ds);
    results.push({ dataset: ds.name, unit: ds.unit, sinew: s, redis: r, ratio: s.perItem / r.perItem });
    log(
      `  ${ds.name}: Sinew ${s.perItem.toFixed(1)} B/${ds.unit} (loaded in ${s.loadSeconds.toFixed(1)} s), ` +
        `Redis ${r.perItem.toFixed(1)} B/${ds.unit} (loaded in ${r.loadSeconds.toFixed(1)} s), ratio ${(s.perItem / r.perItem).toFixed(2)}`,
    );
  }
  return results;
}

// ---------------------------------------------------------------- output

function log(s) {
  process.stderr.write(`${s}\n`);
}

function fmtInt(x) {
  return Math.round(x).toLocaleString('en-US');
}

function table(header, rows) {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (cells) => `| ${cells.map((c, i) => String(c).padEnd(widths[i])).join(' | ')} |`;
  return [line(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)].join('\n');
}

function machine() {
  return { ...machineInfo(), redisBenchmark: spawnSync('redis-benchmark', ['--version'], { encoding: 'utf8' }).stdout.trim() };
}

// ---------------------------------------------------------------- main

async function main() {
  if (!existsSync(join(ROOT, 'dist', 'src', 'cli', 'main.js'))) {
    throw new Error('dist/ is missing: run `npx tsc -p .` first (npm run bench does)');
  }
  for (const bin of ['redis-server', 'redis-benchmark']) {
    if (spawnSync(bin, ['--version']).status !== 0) throw new Error(`${bin} is not installed`);
  }
  const started = Date.now();
  const m = machine();
  log(`machine: ${m.cpus} x ${m.cpuModel}, ${m.memoryGiB} GiB, ${m.platform}, node ${m.node}`);
  log(`oracle: ${m.redis}`);

  let sinew = await startSinew({ gcHook: true });
  const wanted = [...new Set([...TESTS.flatMap((t) => t.needs), ...DATASETS.flatMap((d) => d.needs), ...GROUP_LOOP_NEEDS])];
  const sinewHas = await implemented(sinew, wanted);
  const out = { machine: m, date: new Date().toISOString(), quick: QUICK, runSeconds: RUN_SECONDS, repeat: REPEAT, throughput: [], streamGroupLoop: [], memory: [] };

  if (DO_THROUGHPUT) {
    const redis = await startRedis();
    log(`\nthroughput (Sinew on :${sinew.port}, Redis on :${redis.port}; redis-benchmark ${COMMON.join(' ')})`);
    try {
      out.throughput = await throughput(sinew, redis, sinewHas);
      out.streamGroupLoop = await groupLoop(sinew, redis, sinewHas);
    } finally {
      await stopServer(redis);
    }
  }
  await stopServer(sinew);
  sinew = null;

  if (DO_MEMORY) {
    log(`\nmemory (fresh servers per data set)`);
    out.memory = await memory(sinewHas);
  }
  out.seconds = (Date.now() - started) / 1000;
  out.loadAverageAtEnd = os.loadavg().map((x) => x.toFixed(2)).join(' ');

  // The report, on stdout.
  const lines = [];
  lines.push(`Sinew vs Redis, ${out.date}`);
  lines.push(`machine: ${m.cpus} CPUs (${m.cpuModel}), ${m.memoryGiB} GiB RAM, ${m.platform}; node ${m.node}; ${m.redis}`);
  if (out.throughput.length > 0) {
    lines.push('');
    lines.push(`Throughput: redis-benchmark ${COMMON.join(' ')} -P 1|16, -n sized for ~${RUN_SECONDS} s per run, best of ${REPEAT} alternating runs`);
    lines.push(
      table(
        ['test', 'pipeline', '-n', 'Sinew req/s', 'Redis req/s', 'Sinew/Redis'],
        out.throughput.map((r) =>
          r.skipped
            ? [r.test, r.pipeline, '', `skipped: ${r.skipped}`, '', '']
            : [r.test, r.pipeline, r.n, fmtInt(r.sinew), fmtInt(r.redis), r.ratio.toFixed(2)],
        ),
      ),
    );
  }
  if (out.streamGroupLoop.length > 0) {
    lines.push('');
    lines.push(`Stream consumer group: ${GROUP_CONSUMERS} connections of a Node driver (bench/run.mjs) each loop XREADGROUP ... COUNT 10 ... > and XACK, draining a prefilled stream; best of ${REPEAT}`);
    lines.push(
      table(
        ['test', 'entries', 'Sinew entries/s', 'Redis entries/s', 'Sinew/Redis'],
        out.streamGroupLoop.map((r) => (r.skipped ? [r.test, '', `skipped: ${r.skipped}`, '', ''] : [r.test, r.n, fmtInt(r.sinew), fmtInt(r.redis), r.ratio.toFixed(2)])),
      ),
    );
  }
  if (out.memory.length > 0) {
    lines.push('');
    lines.push('Memory: INFO used_memory after loading minus used_memory of the empty server, per item');
    lines.push(
      table(
        ['data set', 'Sinew B/item', 'Redis B/item', 'Sinew/Redis', 'Sinew RSS B/item', 'Redis RSS B/item'],
        out.memory.map((r) =>
          r.skipped
            ? [r.dataset, `skipped: ${r.skipped}`, '', '', '', '']
            : [r.dataset, r.sinew.perItem.toFixed(1), r.redis.perItem.toFixed(1), r.ratio.toFixed(2), r.sinew.rssPerItem.toFixed(1), r.redis.rssPerItem.toFixed(1)],
        ),
      ),
    );
  }
  lines.push('');
  lines.push(`total time: ${out.seconds.toFixed(0)} s; load average (1/5/15 min) at start ${m.loadAverageAtStart}, at end ${out.loadAverageAtEnd}`);
  process.stdout.write(`${lines.join('\n')}\n`);
  if (JSON_OUT) writeFileSync(JSON_OUT, `${JSON.stringify(out, null, 2)}\n`);
}

runMain(main);
