#!/usr/bin/env node
/**
 * Persistence benchmark, Sinew vs redis-server 7.0 side by side in one run:
 * `node bench/persistence.mjs [--keys N] [--repeat R] [--json FILE]` (part of
 * `npm run bench`). --keys: size of both data sets (default 1000000, a
 * multiple of 1000; --keys 100000 for a quick run). --repeat: latency runs
 * per test, server and kind (default 3; the median p99 is reported).
 *
 * Both servers run on free loopback ports, each with its own temporary
 * directory (removed at the end), `--save ''`, `--appendonly no`.
 *
 *  1. SAVE and load time. (a) N string keys key:%012d -> 10-byte value (the
 *     key names redis-benchmark -r N uses), loaded with pipelined MSET;
 *     (b) one sorted set of N members (member:NNNNNNN, score i), pipelined
 *     ZADD batches. Time of the SAVE command (client round trip); then the
 *     server is killed and started again on the file: wall time from spawn
 *     until it answers PING with PONG and DBSIZE/ZCARD shows all the data,
 *     and the "DB loaded from disk: X seconds" figure of its log.
 *     Cross-check: redis-server loads Sinew's file (and Sinew Redis's file);
 *     the counts must match.
 *  2. RDB file size of the same files.
 *  3. p99 latency of redis-benchmark -c 50 -P 1 -d 10 -r N, SET and GET
 *     (separate runs), against the server just started from the string file
 *     (N keys): without any save, then with a BGSAVE started SAVE_DELAY_MS
 *     into the run and started again each time one ends, until the run ends
 *     (the table shows how many ran and how much of the window they
 *     covered). -n is sized from a short SET probe so that a run lasts about
 *     max(MIN_WINDOW_S, 1.5 x a BGSAVE timed on the idle server). --repeat
 *     pairs per test; the median p99 of each kind is reported. Sinew is
 *     measured first, then Redis (not interleaved).
 *  4. Extra memory of the snapshot under a 100% write load: during the SET
 *     runs with BGSAVE above, VmRSS of the server process is sampled every
 *     50 ms (peak minus the value just before), next to the same figure for
 *     the SET run without a save; then INFO persistence rdb_last_cow_size
 *     (Sinew: peak bytes held aside; Redis: the fork child's copy-on-write)
 *     and, for Redis, the highest current_cow_peak seen while polling;
 *     largest of the runs. For Redis the RSS is the parent's only.
 *
 * Loopback only; every server and redis-benchmark started is killed on exit,
 * on a signal, on an error and at the time limit.
 */
import { spawn, spawnSync } from 'node:child_process';
import os from 'node:os';
import { cpSync, existsSync, statSync, symlinkSync, writeFileSync, copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, HOST, guardProcess, runMain, track, tempDir, freePort, rssOf, sleep, Conn, withConn, parseInfo, redisBenchmark, watchRun, machineInfo, serverNodeOptions } from './servers.mjs';

const args = process.argv.slice(2);
const flag = (name, dflt) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : dflt;
};
const N = Number(flag('--keys', '1000000'));
if (!Number.isInteger(N) || N < 1000 || N % 1000 !== 0) throw new Error('--keys must be a multiple of 1000, at least 1000');
const JSON_OUT = flag('--json', null);
const REPEAT = Math.max(1, Number(flag('--repeat', '3')));
const BATCH = 1000;
const VALUE_SIZE = 10;
const MIN_WINDOW_S = 3;
const SAVE_DELAY_MS = 300;
const TIME_LIMIT_MS = 12 * 60 * 1000;
const COMMAND_LINE = `node bench/persistence.mjs ${args.join(' ')}`.trim();

guardProcess(TIME_LIMIT_MS);

const log = (s) => process.stderr.write(`${s}\n`);

// ---------------------------------------------------------------- servers

let SNAPSHOT = null;
/** Sinew runs from a private copy of dist/ (a rebuild during the run cannot affect it). */
function sinewEntry() {
  if (SNAPSHOT === null) {
    SNAPSHOT = tempDir('sinew-pbench-build-');
    cpSync(join(ROOT, 'dist', 'src'), join(SNAPSHOT, 'dist', 'src'), { recursive: true });
    cpSync(join(ROOT, 'bin'), join(SNAPSHOT, 'bin'), { recursive: true });
    cpSync(join(ROOT, 'package.json'), join(SNAPSHOT, 'package.json'));
    if (existsSync(join(ROOT, 'node_modules'))) symlinkSync(join(ROOT, 'node_modules'), join(SNAPSHOT, 'node_modules'), 'dir');
  }
  return join(SNAPSHOT, 'bin', 'sinew-server.js');
}

/**
 * Starts `kind` ('Sinew' | 'Redis') with dir/dbfilename; logs (stdout and
 * stderr) are kept. Resolves once the port accepts connections; the caller
 * waits for the data (waitLoaded).
 */
async function spawnServer(kind, dir, dbfilename) {
  const port = await freePort();
  const common = ['--port', String(port), '--bind', HOST, '--save', '', '--appendonly', 'no', '--dir', dir, '--dbfilename', dbfilename, '--loglevel', 'notice'];
  const [cmd, argv] =
    kind === 'Sinew'
      ? [process.execPath, [...serverNodeOptions(), sinewEntry(), ...common]]
      : ['redis-server', [...common, '--daemonize', 'no']];
  const t0 = performance.now();
  const child = track(spawn(cmd, argv, { stdio: ['ignore', 'pipe', 'pipe'] }));
  let text = '';
  const keep = (s) => {
    text += s;
    if (text.length > 200_000) text = text.slice(-100_000);
  };
  child.stdout.setEncoding('utf8');
  child.stderr.setEncoding('utf8');
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  child.on('error', (e) => keep(`spawn error: ${e.message}\n`));
  const srv = { name: kind, port, child, t0, dir, dbfilename, command: `${cmd === process.execPath ? 'node' : cmd} ${argv.join(' ')}`, log: () => text };
  return srv;
}

/**
 * Polls (every 10 ms) until the server answers PING with PONG and `count`
 * (a function of a connection) returns `expected`. Seconds since spawn.
 */
async function waitLoaded(srv, count, expected, timeoutMs = 120_000) {
  const deadline = Date.now() + timeoutMs;
  let conn = null;
  let last = '';
  try {
    for (;;) {
      if (srv.child.exitCode !== null || srv.child.signalCode !== null) {
        throw new Error(`${srv.name} exited (code ${srv.child.exitCode}, signal ${srv.child.signalCode}) while loading; command: ${srv.command}\nlog:\n${srv.log().slice(-3000)}`);
      }
      try {
        conn ??= await Conn.open(srv.port);
        const pong = await conn.send(['PING']);
        if (pong === 'PONG') {
          const n = await count(conn);
          if (n === expected) return (performance.now() - srv.t0) / 1000;
          last = `count ${n}, expected ${expected}`;
        } else last = String(pong?.message ?? pong);
      } catch (e) {
        last = e.message;
        conn?.close();
        conn = null;
      }
      if (Date.now() > deadline) throw new Error(`${srv.name}: data not loaded after ${timeoutMs} ms (last: ${last}); command: ${srv.command}\nlog:\n${srv.log().slice(-3000)}`);
      await sleep(10);
    }
  } finally {
    conn?.close();
  }
}

async function stop(srv) {
  if (srv.child.exitCode !== null || srv.child.signalCode !== null) return;
  const exited = new Promise((r) => srv.child.once('exit', r));
  srv.child.kill('SIGKILL');
  await Promise.race([exited, sleep(5000)]);
}

function assertAlive(srv, what) {
  if (srv.child.exitCode !== null || srv.child.signalCode !== null) {
    throw new Error(`${srv.name} died during ${what} (code ${srv.child.exitCode}, signal ${srv.child.signalCode}); command: ${srv.command}\nlog:\n${srv.log().slice(-3000)}`);
  }
}

function loadedSeconds(srv) {
  const m = /DB loaded from disk: ([0-9.]+) seconds/.exec(srv.log());
  return m ? Number(m[1]) : NaN;
}

async function info(srv, section) {
  return withConn(srv, async (c) => parseInfo(await c.call(['INFO', section])));
}

// ---------------------------------------------------------------- data sets

const pad12 = (i) => String(i).padStart(12, '0');
const pad7 = (i) => String(i).padStart(7, '0');

const DATASETS = {
  strings: {
    name: `${N.toLocaleString('en-US')} string keys (key:%012d -> ${VALUE_SIZE}-byte value)`,
    load: (c) =>
      c.pipeline(N / BATCH, (b) => {
        const argv = ['MSET'];
        for (let i = b * BATCH; i < (b + 1) * BATCH; i++) argv.push(`key:${pad12(i)}`, `v${String(i).padStart(VALUE_SIZE - 1, '0')}`);
        return argv;
      }),
    count: (c) => c.call(['DBSIZE']),
  },
  zset: {
    name: `1 sorted set of ${N.toLocaleString('en-US')} members (member:NNNNNNN, score i)`,
    load: (c) =>
      c.pipeline(N / BATCH, (b) => {
        const argv = ['ZADD', 'bigzset'];
        for (let i = b * BATCH; i < (b + 1) * BATCH; i++) argv.push(String(i), `member:${pad7(i)}`);
        return argv;
      }),
    count: (c) => c.call(['ZCARD', 'bigzset']),
  },
};

/**
 * Fills a fresh server with a data set, SAVEs (timed), kills it and starts it
 * again on the file (timed). Returns the measurements and the restarted
 * server (still running, with the data loaded).
 */
async function saveAndLoad(kind, key) {
  const ds = DATASETS[key];
  const dir = tempDir(`sinew-pbench-${kind.toLowerCase()}-${key}-`);
  const file = 'dump.rdb';
  const first = await spawnServer(kind, dir, file);
  let fillSeconds;
  let saveSeconds;
  let emptyStartSeconds;
  try {
    emptyStartSeconds = await waitLoaded(first, ds.count, 0, 20_000);
    const t0 = performance.now();
    await withConn(first, (c) => ds.load(c));
    fillSeconds = (performance.now() - t0) / 1000;
    const n = await withConn(first, (c) => ds.count(c));
    if (n !== N) throw new Error(`${kind}: expected ${N} after loading ${key}, found ${n}`);
    const t1 = performance.now();
    const r = await withConn(first, (c) => c.call(['SAVE']));
    saveSeconds = (performance.now() - t1) / 1000;
    if (r !== 'OK') throw new Error(`${kind}: SAVE answered ${JSON.stringify(r)}`);
  } catch (e) {
    assertAlive(first, `filling/SAVE of ${key}`);
    throw e;
  } finally {
    await stop(first);
  }
  const path = join(dir, file);
  const bytes = statSync(path).size;
  // keep a copy for the cross-load check (the restarted server may rewrite its file)
  const copy = join(tempDir(`sinew-pbench-copy-`), `${kind.toLowerCase()}-${key}.rdb`);
  copyFileSync(path, copy);
  const srv = await spawnServer(kind, dir, file);
  let wallSeconds;
  try {
    wallSeconds = await waitLoaded(srv, ds.count, N);
  } catch (e) {
    await stop(srv);
    throw e;
  }
  const logSeconds = loadedSeconds(srv);
  log(`  ${kind} ${key}: fill ${fillSeconds.toFixed(2)} s, SAVE ${saveSeconds.toFixed(2)} s, ${bytes} bytes, load ${logSeconds} s (log) / ${wallSeconds.toFixed(2)} s (spawn to data)`);
  return { srv, result: { emptyStartSeconds, fillSeconds, saveSeconds, bytes, logSeconds, wallSeconds, file: copy } };
}

/** Starts `kind` on a copy of another server's file; the count must match. */
async function crossLoad(kind, key, file) {
  const ds = DATASETS[key];
  const dir = tempDir(`sinew-pbench-cross-`);
  copyFileSync(file, join(dir, 'dump.rdb'));
  const srv = await spawnServer(kind, dir, 'dump.rdb');
  try {
    await waitLoaded(srv, ds.count, N, 60_000);
    return { ok: true, logSeconds: loadedSeconds(srv) };
  } catch (e) {
    log(`  CROSS-LOAD FAILED: ${kind} on ${file}: ${e.message}`);
    return { ok: false, error: e.message.split('\n')[0], log: srv.log().slice(-2000) };
  } finally {
    await stop(srv);
  }
}

// ---------------------------------------------------------------- latency and memory under BGSAVE

function parseCsvRow(text) {
  // "test","rps","avg_latency_ms","min_latency_ms","p50_latency_ms","p95_latency_ms","p99_latency_ms","max_latency_ms"
  for (const line of text.split('\n')) {
    const cells = line.trim().split(',').map((s) => s.replace(/^"|"$/g, ''));
    if (cells.length >= 8 && /^[0-9.]+$/.test(cells[1])) {
      return { test: cells[0], rps: Number(cells[1]), avg: Number(cells[2]), p50: Number(cells[4]), p95: Number(cells[5]), p99: Number(cells[6]), max: Number(cells[7]) };
    }
  }
  return null;
}

async function bench(srv, test, n) {
  const r = await redisBenchmark(srv.port, ['-c', '50', '-P', '1', '-d', String(VALUE_SIZE), '-r', String(N), '-n', String(n), '-t', test], 180_000);
  if (r.code !== 0) throw new Error(`${r.command} exited ${r.code}: ${r.err}${r.out}`);
  const row = parseCsvRow(r.out);
  if (row === null) throw new Error(`${r.command}: no CSV row in ${JSON.stringify(r.out)}`);
  return { ...row, seconds: r.seconds, command: r.command };
}

async function waitSaveDone(srv, conn, timeoutMs, onPoll = () => {}) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    assertAlive(srv, 'BGSAVE');
    const p = parseInfo(await conn.call(['INFO', 'persistence']));
    onPoll(p);
    if (p.rdb_bgsave_in_progress === '0') return p;
    if (Date.now() > deadline) throw new Error(`${srv.name}: BGSAVE still in progress after ${timeoutMs} ms: ${JSON.stringify(p)}\nlog:\n${srv.log().slice(-2000)}`);
    await sleep(50);
  }
}

/** BGSAVE on the idle server: seconds until rdb_bgsave_in_progress is 0 again. */
async function idleBgsave(srv) {
  return withConn(srv, async (c) => {
    const t0 = performance.now();
    const r = await c.call(['BGSAVE']);
    if (!/Background saving started/.test(r)) throw new Error(`${srv.name}: BGSAVE answered ${JSON.stringify(r)}`);
    const p = await waitSaveDone(srv, c, 120_000);
    if (p.rdb_last_bgsave_status !== 'ok') throw new Error(`${srv.name}: idle BGSAVE ended with rdb_last_bgsave_status ${p.rdb_last_bgsave_status}\nlog:\n${srv.log().slice(-2000)}`);
    return (performance.now() - t0) / 1000;
  });
}

/** Samples VmRSS every 50 ms until stopped; returns { before, peak }. */
function rssSampler(pid) {
  const before = rssOf(pid);
  let peak = before;
  const t = setInterval(() => {
    const v = rssOf(pid);
    if (v > peak) peak = v;
  }, 50);
  return {
    stop() {
      clearInterval(t);
      const v = rssOf(pid);
      if (v > peak) peak = v;
      return { before, peak, growth: peak - before };
    },
  };
}

/**
 * One redis-benchmark run of `test`; with `save`, a BGSAVE is started
 * SAVE_DELAY_MS after the benchmark starts, and the run reports how much of
 * the benchmark window the save covered, the peak RSS growth and the
 * persistence fields.
 */
async function benchRun(srv, test, n, save) {
  const rss = rssSampler(srv.child.pid);
  const t0 = performance.now();
  const benchP = bench(srv, test, n);
  if (!save) {
    const b = await benchP;
    return { bench: b, rss: rss.stop() };
  }
  // a failing benchmark must not leave an unhandled rejection while we poll
  const run = watchRun(benchP);
  await sleep(SAVE_DELAY_MS);
  // BGSAVE after BGSAVE until the benchmark ends, so that the save covers the
  // whole window (except SAVE_DELAY_MS and the poll gaps between saves).
  let maxCowPeak = 0;
  let maxCowSize = 0;
  let saves = 0;
  let saveMs = 0;
  let overlapMs = 0;
  await withConn(srv, async (c) => {
    do {
      const saveStart = performance.now();
      const r = await c.call(['BGSAVE']);
      if (!/Background saving started/.test(r)) throw new Error(`${srv.name}: BGSAVE answered ${JSON.stringify(r)}`);
      const p = await waitSaveDone(srv, c, 180_000, (q) => {
        maxCowPeak = Math.max(maxCowPeak, Number(q.current_cow_peak ?? 0));
      });
      const saveEnd = performance.now();
      if (p.rdb_last_bgsave_status !== 'ok') throw new Error(`${srv.name}: BGSAVE under load ended with rdb_last_bgsave_status ${p.rdb_last_bgsave_status}\nlog:\n${srv.log().slice(-2000)}`);
      saves++;
      saveMs += saveEnd - saveStart;
      overlapMs += Math.max(0, Math.min(saveEnd, run.end ?? saveEnd) - saveStart);
      maxCowSize = Math.max(maxCowSize, Number(p.rdb_last_cow_size));
    } while (run.end === null);
  });
  const b = await run.settled;
  const mem = rss.stop();
  if (run.error) throw run.error;
  const windowMs = run.end - t0;
  return {
    bench: b,
    rss: mem,
    saves,
    saveSeconds: saveMs / 1000 / saves,
    coverage: overlapMs / windowMs,
    cowSize: maxCowSize,
    cowPeak: maxCowPeak,
  };
}

function medianByP99(runs) {
  const sorted = [...runs].sort((a, b) => a.bench.p99 - b.bench.p99);
  return sorted[(sorted.length - 1) >> 1];
}

async function latencyAndMemory(srv) {
  const idleSave = await idleBgsave(srv);
  // calibrate the rate with a short run, then size each window
  const probe = await bench(srv, 'set', 20_000);
  const windowS = Math.max(MIN_WINDOW_S, idleSave * 1.5);
  const n = Math.max(20_000, Math.round((probe.rps * windowS) / 1000) * 1000);
  log(`  ${srv.name}: idle BGSAVE ${idleSave.toFixed(2)} s, SET probe ${Math.round(probe.rps)} req/s, -n ${n} (~${windowS.toFixed(1)} s window)`);
  const out = { idleSave, n };
  for (const test of ['set', 'get']) {
    const baseRuns = [];
    const duringRuns = [];
    for (let k = 0; k < REPEAT; k++) {
      baseRuns.push(await benchRun(srv, test, n, false));
      duringRuns.push(await benchRun(srv, test, n, true));
      assertAlive(srv, `${test} benchmark`);
    }
    // the run with the median p99 of each kind; memory: the largest of the runs
    const base = medianByP99(baseRuns);
    const during = medianByP99(duringRuns);
    out[test] = {
      base,
      during,
      p99Runs: { without: baseRuns.map((r) => r.bench.p99), during: duringRuns.map((r) => r.bench.p99) },
      maxRssGrowth: { without: Math.max(...baseRuns.map((r) => r.rss.growth)), during: Math.max(...duringRuns.map((r) => r.rss.growth)) },
      maxCowSize: Math.max(...duringRuns.map((r) => r.cowSize)),
      maxCowPeak: Math.max(...duringRuns.map((r) => r.cowPeak)),
    };
    log(`  ${srv.name} ${test.toUpperCase()} p99 runs (ms): without save ${out[test].p99Runs.without.join(', ')}; during BGSAVE ${out[test].p99Runs.during.join(', ')}`);
    log(
      `  ${srv.name} ${test.toUpperCase()}: p99 ${base.bench.p99} ms without save, ${during.bench.p99} ms during BGSAVE ` +
        `(${during.saves} BGSAVEs of ${during.saveSeconds.toFixed(2)} s on average, covering ${(during.coverage * 100).toFixed(0)}% of ${during.bench.seconds.toFixed(1)} s); ` +
        `RSS +${mb(base.rss.growth)} without save, +${mb(during.rss.growth)} during; rdb_last_cow_size ${during.cowSize}, max current_cow_peak ${during.cowPeak}`,
    );
  }
  return out;
}

// ---------------------------------------------------------------- output

const mb = (b) => `${(b / 2 ** 20).toFixed(1)} MiB`;
const f2 = (x) => (Number.isFinite(x) ? x.toFixed(2) : 'n/a');
const f3 = (x) => (Number.isFinite(x) ? x.toFixed(3) : 'n/a');

function table(header, rows) {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (cells) => `| ${cells.map((c, i) => String(c).padEnd(widths[i])).join(' | ')} |`;
  return [line(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)].join('\n');
}

function machine() {
  return machineInfo();
}

const verdict = (ok) => (ok ? 'yes' : 'NO');

// ---------------------------------------------------------------- main

async function main() {
  if (!existsSync(join(ROOT, 'dist', 'src', 'cli', 'main.js'))) throw new Error('dist/ is missing: run `npx tsc -p .` first (npm run bench does)');
  for (const bin of ['redis-server', 'redis-benchmark']) if (spawnSync(bin, ['--version']).status !== 0) throw new Error(`${bin} is not installed`);
  const started = Date.now();
  const m = machine();
  log(`machine: ${m.cpus} x ${m.cpuModel}, ${m.memoryGiB} GiB, ${m.platform}, node ${m.node}; ${m.redis}`);
  const out = { machine: m, date: new Date().toISOString(), keys: N, command: COMMAND_LINE, datasets: {}, latency: {}, cross: {} };

  // 1-4 on the string data set: the restarted server goes on to the latency runs.
  for (const key of ['strings', 'zset']) {
    log(`\n${DATASETS[key].name}`);
    out.datasets[key] = {};
    for (const kind of ['Sinew', 'Redis']) {
      const { srv, result } = await saveAndLoad(kind, key);
      out.datasets[key][kind] = result;
      try {
        if (key === 'strings') out.latency[kind] = await latencyAndMemory(srv);
      } finally {
        await stop(srv);
      }
    }
    const s = out.datasets[key].Sinew;
    const r = out.datasets[key].Redis;
    out.cross[key] = { redisOnSinewFile: await crossLoad('Redis', key, s.file), sinewOnRedisFile: await crossLoad('Sinew', key, r.file) };
  }
  out.seconds = (Date.now() - started) / 1000;
  out.loadAverageAtEnd = os.loadavg().map((x) => x.toFixed(2)).join(' ');

  const L = [];
  L.push(`Sinew vs Redis: persistence, ${out.date}`);
  L.push(`machine: ${m.cpus} CPUs (${m.cpuModel}), ${m.memoryGiB} GiB RAM, ${m.platform}; node ${m.node}; ${m.redis}`);
  L.push('');
  L.push('SAVE, load and file size. Load = start-up on the file: "DB loaded from disk" seconds of the log, and wall time from spawn until PING answers PONG with all the data (DBSIZE/ZCARD); targets: load ≤ 2× Redis, file within 5%.');
  const rows = [];
  for (const key of ['strings', 'zset']) {
    const s = out.datasets[key].Sinew;
    const r = out.datasets[key].Redis;
    const name = DATASETS[key].name;
    rows.push([name, 'SAVE (s)', f2(s.saveSeconds), f2(r.saveSeconds), f2(s.saveSeconds / r.saveSeconds), '']);
    rows.push([name, 'load, log (s)', f3(s.logSeconds), f3(r.logSeconds), f2(s.logSeconds / r.logSeconds), verdict(s.logSeconds / r.logSeconds <= 2)]);
    rows.push([name, 'start-up, no file: spawn to PONG (s)', f2(s.emptyStartSeconds), f2(r.emptyStartSeconds), f2(s.emptyStartSeconds / r.emptyStartSeconds), '']);
    rows.push([name, 'load, spawn to data (s)', f2(s.wallSeconds), f2(r.wallSeconds), f2(s.wallSeconds / r.wallSeconds), verdict(s.wallSeconds / r.wallSeconds <= 2)]);
    rows.push([name, 'RDB file (bytes)', s.bytes.toLocaleString('en-US'), r.bytes.toLocaleString('en-US'), (s.bytes / r.bytes).toFixed(3), verdict(Math.abs(s.bytes / r.bytes - 1) <= 0.05)]);
    const c = out.cross[key];
    rows.push([
      name,
      'cross-load (other server reads the file)',
      c.redisOnSinewFile.ok ? `redis-server loads it (${f3(c.redisOnSinewFile.logSeconds)} s)` : `redis-server FAILS: ${c.redisOnSinewFile.error}`,
      c.sinewOnRedisFile.ok ? `Sinew loads it (${f3(c.sinewOnRedisFile.logSeconds)} s)` : `Sinew FAILS: ${c.sinewOnRedisFile.error}`,
      '',
      verdict(c.redisOnSinewFile.ok && c.sinewOnRedisFile.ok),
    ]);
  }
  L.push(table(['data set', 'measure', 'Sinew', 'Redis', 'Sinew/Redis', 'target met'], rows));

  const ls = out.latency.Sinew;
  const lr = out.latency.Redis;
  L.push('');
  L.push(
    `Latency: redis-benchmark -c 50 -P 1 -d ${VALUE_SIZE} -r ${N} -n (Sinew ${ls.n}, Redis ${lr.n}; sized for max(${MIN_WINDOW_S} s, 1.5 × idle BGSAVE)) -t set|get, ${N.toLocaleString('en-US')} keys loaded; ` +
      `"during" = first BGSAVE ${SAVE_DELAY_MS} ms into the run, then BGSAVE again each time one ends, until the run ends. Idle BGSAVE: Sinew ${f2(ls.idleSave)} s, Redis ${f2(lr.idleSave)} s. p99 = median of ${REPEAT} runs each (the other columns are of the median run). Target: Sinew p99 during/without ≤ 2.`,
  );
  const lrows = [];
  for (const test of ['set', 'get']) {
    const s = ls[test];
    const r = lr[test];
    lrows.push([
      test.toUpperCase(),
      s.base.bench.p99.toFixed(3),
      s.during.bench.p99.toFixed(3),
      (s.during.bench.p99 / s.base.bench.p99).toFixed(2),
      verdict(s.during.bench.p99 / s.base.bench.p99 <= 2),
      r.base.bench.p99.toFixed(3),
      r.during.bench.p99.toFixed(3),
      (r.during.bench.p99 / r.base.bench.p99).toFixed(2),
      `${s.during.bench.max.toFixed(1)} / ${r.during.bench.max.toFixed(1)}`,
      `${Math.round(s.base.bench.rps)} → ${Math.round(s.during.bench.rps)} / ${Math.round(r.base.bench.rps)} → ${Math.round(r.during.bench.rps)}`,
      `${s.during.saves} × ${f2(s.during.saveSeconds)} s, ${(s.during.coverage * 100).toFixed(0)}% / ${r.during.saves} × ${f2(r.during.saveSeconds)} s, ${(r.during.coverage * 100).toFixed(0)}%`,
    ]);
  }
  L.push(
    table(
      ['test', 'Sinew p99 ms', 'Sinew p99 ms during BGSAVE', 'Sinew during/without', 'target met', 'Redis p99 ms', 'Redis p99 ms during BGSAVE', 'Redis during/without', 'max ms during, Sinew / Redis', 'req/s without → during, Sinew / Redis', 'BGSAVEs × average length, % of window covered, Sinew / Redis'],
      lrows,
    ),
  );

  L.push('');
  L.push(`Snapshot memory under a 100% write load (the SET runs above, random keys over the whole key range): VmRSS growth of the server process (peak sampled every 50 ms minus the value before the run), largest of the ${REPEAT} runs; INFO persistence rdb_last_cow_size after each save and current_cow_peak polled every 50 ms during the saves, largest seen.`);
  const s = ls.set;
  const r = lr.set;
  L.push(
    table(
      ['server', 'RSS growth, SET without save', 'RSS growth, SET during BGSAVE', 'rdb_last_cow_size', 'max current_cow_peak seen'],
      [
        ['Sinew (no fork; bytes held aside)', mb(s.maxRssGrowth.without), mb(s.maxRssGrowth.during), `${s.maxCowSize.toLocaleString('en-US')} B (${mb(s.maxCowSize)})`, `${s.maxCowPeak} (always 0 in Sinew)`],
        ['Redis (fork; parent RSS only, the copy is in the child)', mb(r.maxRssGrowth.without), mb(r.maxRssGrowth.during), `${r.maxCowSize.toLocaleString('en-US')} B (${mb(r.maxCowSize)})`, `${r.maxCowPeak.toLocaleString('en-US')} B (${mb(r.maxCowPeak)})`],
      ],
    ),
  );
  L.push('');
  L.push(`command: ${COMMAND_LINE}`);
  L.push(`total time: ${out.seconds.toFixed(0)} s; load average (1/5/15 min) at start ${m.loadAverageAtStart}, at end ${out.loadAverageAtEnd}`);
  process.stdout.write(`${L.join('\n')}\n`);
  if (JSON_OUT) writeFileSync(JSON_OUT, `${JSON.stringify(out, null, 2)}\n`);
}

runMain(main);
