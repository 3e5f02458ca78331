#!/usr/bin/env node
/**
 * Append-only file benchmark, Sinew vs redis-server 7.0 side by side in one
 * run: `node bench/aof.mjs [--keys N] [--quick] [--repeat R]
 * [--run-seconds S] [--fsync-counter auto|perf|strace|none] [--tmpdir DIR]
 * [--json FILE]` (part of `npm run bench`).
 *
 * Both servers run on free loopback ports, each with its own temporary
 * directory (removed at the end), with the same AOF settings:
 * `--save '' --appendonly yes --appendfsync <policy>
 * --auto-aof-rewrite-percentage 0` (automatic rewrites off, so that the only
 * rewrites are the ones this script starts; every other AOF directive is left
 * at its default). The effective settings are read back with CONFIG GET and
 * INFO persistence (aof_enabled:1) before anything is measured.
 *
 *  1. Throughput, `appendfsync everysec`: redis-benchmark -t set -c 50 -d 10
 *     -r N at -P 1 and -P 16. -n is sized from a short probe run on each
 *     server so that a run lasts about --run-seconds. --repeat runs per server
 *     and pipeline, alternating which server goes first; the best run of each
 *     counts (the machine is shared). Ratio Sinew/Redis; targets ≥ 0.8× at
 *     P1, ≥ 0.6× at P16.
 *  2. The same with `appendfsync always`, plus fsyncs per second on both
 *     servers, counted from outside the same way for both (neither server
 *     is asked): fsync(2) + fdatasync(2) calls made by any thread of the
 *     server process during the run.
 *       perf (default when it works): `perf stat -e
 *         syscalls:sys_enter_fsync,syscalls:sys_enter_fdatasync -p PID`,
 *         kernel tracepoint counters (threads the process starts later are
 *         counted too); the process is never stopped, so fsyncs are counted in
 *         the throughput runs themselves (and in the everysec runs as well).
 *       strace (fallback): `strace -f -c -e trace=fsync,fdatasync -p PID`.
 *         Attached with -p, strace cannot use --seccomp-bpf and stops the
 *         server on every system call, so fsyncs are counted in a separate
 *         run after the throughput runs (same -n); its req/s is shown too, to
 *         show what strace costs. Only for `always`.
 *     fsync/s = calls / wall time of the redis-benchmark run (the counter runs
 *     from just before the benchmark starts until just after it ends; an idle
 *     server makes none). req/fsync = requests of the run / calls.
 *  3. BGREWRITEAOF of N string keys (key:%012d -> 10-byte value, the key
 *     names redis-benchmark -r N uses), loaded with pipelined MSET
 *     (appendfsync everysec): wall time from sending the command until INFO
 *     persistence shows aof_rewrite_in_progress:0 (and no rewrite scheduled)
 *     with aof_last_bgrewrite_status:ok, polled every POLL_MS ms; also
 *     aof_last_rewrite_time_sec (whole seconds in Redis) and the size of the
 *     AOF directory before and after.
 *  4. p99 latency of redis-benchmark -t set -c 50 -P 1 -d 10 -r N on that
 *     server (N keys): without any rewrite, then with a BGREWRITEAOF started
 *     REWRITE_DELAY_MS into the run and started again each time one ends,
 *     until the run ends. -n is sized from a short probe so that a run lasts
 *     max(MIN_WINDOW_S, 1.5 × the idle BGREWRITEAOF of 3). --repeat pairs; the
 *     median p99 of each kind is reported. Target: Sinew p99 during ≤ 2× its
 *     own p99 without.
 *
 * A server that fails (cannot start with these settings, does not answer a
 * command, dies) is reported as FAILED in the table with the reason, and the
 * rest of the run goes on; the script then exits 1 after printing everything.
 *
 * Options: --keys N (data set size and -r range, default 1000000, a multiple
 * of 1000); --quick (smoke run: 100000 keys, 0.5 s runs, 1 repeat); --repeat
 * R (default 3, quick 1); --run-seconds S (default 3, quick 0.5);
 * --fsync-counter (default auto: perf, else strace, else none); --tmpdir DIR
 * (where the servers' directories go, default the OS temp dir: fsync on a
 * tmpfs costs nothing, so use a real disk); --json FILE (results as JSON).
 *
 * Loopback only; every server, redis-benchmark, perf and strace process
 * started is killed, and every temporary directory removed, on exit, on a
 * signal, on an error and at the time limit.
 */
import { spawn, spawnSync } from 'node:child_process';
import os from 'node:os';
import { existsSync, readdirSync, statSync, writeFileSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ROOT, guardProcess, runMain, track, tempDir, sleep, startSinew, startRedis, stopServer, withConn, parseInfo, redisBenchmark, watchRun, machineInfo } from './servers.mjs';

// ---------------------------------------------------------------- options

const args = process.argv.slice(2);
const flag = (name, dflt) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : dflt;
};
const QUICK = args.includes('--quick');
const N = Number(flag('--keys', QUICK ? '100000' : '1000000'));
if (!Number.isInteger(N) || N < 1000 || N % 1000 !== 0) throw new Error('--keys must be a multiple of 1000, at least 1000');
const REPEAT = Math.max(1, Number(flag('--repeat', QUICK ? '1' : '3')));
const RUN_SECONDS = Number(flag('--run-seconds', QUICK ? '0.5' : '3'));
if (!(RUN_SECONDS > 0)) throw new Error('--run-seconds must be a positive number');
const FSYNC_COUNTER = flag('--fsync-counter', 'auto');
if (!['auto', 'perf', 'strace', 'none'].includes(FSYNC_COUNTER)) throw new Error('--fsync-counter must be auto, perf, strace or none');
const TMPDIR = flag('--tmpdir', null);
const JSON_OUT = flag('--json', null);
const COMMAND_LINE = `node bench/aof.mjs ${args.join(' ')}`.trim();

const CLIENTS = 50;
const VALUE_SIZE = 10;
const PIPELINES = [1, 16];
const TARGETS = { 1: 0.8, 16: 0.6 };
const LATENCY_TARGET = 2;
const BATCH = 1000;
const POLL_MS = 20;
const REWRITE_DELAY_MS = 300;
const MIN_WINDOW_S = QUICK ? 1.5 : 3;
const BENCH_TIMEOUT_MS = 300_000;
const REWRITE_TIMEOUT_MS = 300_000;
const TIME_LIMIT_MS = 25 * 60 * 1000;

// servers.mjs makes its directories in os.tmpdir(), which reads TMPDIR.
if (TMPDIR !== null) {
  if (!existsSync(TMPDIR) || !statSync(TMPDIR).isDirectory()) throw new Error(`--tmpdir ${TMPDIR} is not a directory`);
  process.env.TMPDIR = resolve(TMPDIR);
}

guardProcess(TIME_LIMIT_MS);

const log = (s) => process.stderr.write(`${s}\n`);
const KINDS = ['Sinew', 'Redis'];

// ---------------------------------------------------------------- failures

const failures = [];

/** The reason of an error in one line (the last line of a FATAL config error is the one that says why). */
function shortReason(e) {
  const lines = String(e?.message ?? e)
    .split('\n')
    .map((s) => s.trim())
    .filter((l) => l && !/^\*\*\*|^>>>|^Reading the configuration/.test(l));
  const why = lines.find((l) => /not supported|not implemented|refused/i.test(l)) ?? lines.find((l) => /\bERR\b|unknown command/i.test(l)) ?? lines[0] ?? 'unknown error';
  const first = lines[0] ?? '';
  const text = why === first ? why : `${first.slice(0, 80)} … ${why}`;
  return text.length > 240 ? `${text.slice(0, 237)}...` : text;
}

/** Runs fn(); on an error logs it in full, records it (numbered) and returns { error: '#k' }. */
async function attempt(kind, what, fn) {
  try {
    return await fn();
  } catch (e) {
    const reason = shortReason(e);
    failures.push({ kind, what, reason });
    log(`  ${kind}: ${what} FAILED (#${failures.length}): ${e?.stack ?? e}`);
    return { error: `#${failures.length}` };
  }
}

function assertAlive(srv, what) {
  if (srv.child.exitCode !== null || srv.child.signalCode !== null) {
    throw new Error(`${srv.name} died during ${what} (code ${srv.child.exitCode}, signal ${srv.child.signalCode}); stderr:\n${srv.stderr().slice(-2000)}`);
  }
}

// ---------------------------------------------------------------- servers

const aofArgs = (policy) => ['--appendonly', 'yes', '--appendfsync', policy, '--auto-aof-rewrite-percentage', '0'];

async function info(srv, section) {
  return withConn(srv, async (c) => parseInfo(await c.call(['INFO', section])));
}

async function configGet(srv, name) {
  return withConn(srv, async (c) => {
    const r = await c.call(['CONFIG', 'GET', name]);
    return Array.isArray(r) && r.length >= 2 ? r[1] : null;
  });
}

/**
 * Starts `kind` with the AOF on and `policy`, checks that the AOF really is on
 * with that policy and that no rewrite is running. Throws (with the server's
 * reason) when it is not; the server is stopped then.
 */
async function startAof(kind, policy) {
  const srv = kind === 'Sinew' ? await startSinew({ args: aofArgs(policy) }) : await startRedis({ args: aofArgs(policy) });
  try {
    const p = await info(srv, 'persistence');
    if (p.aof_enabled !== '1') throw new Error(`${kind} started with --appendonly yes but INFO persistence says aof_enabled:${p.aof_enabled}`);
    for (const [name, want] of [
      ['appendonly', 'yes'],
      ['appendfsync', policy],
    ]) {
      const v = await configGet(srv, name);
      if (v !== want) throw new Error(`${kind}: CONFIG GET ${name} answers ${JSON.stringify(v)}, expected ${want}`);
    }
    srv.dir = await configGet(srv, 'dir');
    srv.aofDirName = (await configGet(srv, 'appenddirname')) ?? 'appendonlydir';
    await withConn(srv, (c) => waitRewriteIdle(srv, c, 60_000));
    return srv;
  } catch (e) {
    await stopServer(srv);
    throw e;
  }
}

/** Bytes in the server's AOF directory (NaN when it cannot be read). */
function aofBytes(srv) {
  try {
    const d = join(srv.dir, srv.aofDirName);
    let total = 0;
    for (const f of readdirSync(d)) total += statSync(join(d, f)).size;
    return total;
  } catch {
    return NaN;
  }
}

/** Polls INFO persistence until no AOF rewrite runs or is scheduled; returns the last INFO. */
async function waitRewriteIdle(srv, conn, timeoutMs, onPoll = () => {}) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    assertAlive(srv, 'AOF rewrite');
    const p = parseInfo(await conn.call(['INFO', 'persistence']));
    onPoll(p);
    if (p.aof_rewrite_in_progress === '0' && p.aof_rewrite_scheduled !== '1') return p;
    if (p.aof_rewrite_in_progress === undefined) throw new Error(`${srv.name}: INFO persistence has no aof_rewrite_in_progress field`);
    if (Date.now() > deadline) throw new Error(`${srv.name}: AOF rewrite still in progress after ${timeoutMs} ms: ${JSON.stringify(p)}`);
    await sleep(POLL_MS);
  }
}

/**
 * One BGREWRITEAOF on `conn`: resolves when it has finished with status ok,
 * with { seconds, info }. aof_rewrites (when the server has it) must have
 * gone up, so that a rewrite that never really ran is not timed as 0 s.
 */
async function bgrewrite(srv, conn) {
  const before = parseInfo(await conn.call(['INFO', 'persistence']));
  const t0 = performance.now();
  const r = await conn.call(['BGREWRITEAOF']);
  if (!/rewriting (started|scheduled)/i.test(String(r))) throw new Error(`${srv.name}: BGREWRITEAOF answered ${JSON.stringify(r)}`);
  const p = await waitRewriteIdle(srv, conn, REWRITE_TIMEOUT_MS);
  const seconds = (performance.now() - t0) / 1000;
  if (p.aof_last_bgrewrite_status !== 'ok') throw new Error(`${srv.name}: BGREWRITEAOF ended with aof_last_bgrewrite_status:${p.aof_last_bgrewrite_status}; stderr:\n${srv.stderr().slice(-2000)}`);
  if (before.aof_rewrites !== undefined && !(Number(p.aof_rewrites) > Number(before.aof_rewrites))) {
    throw new Error(`${srv.name}: BGREWRITEAOF finished but aof_rewrites stayed at ${p.aof_rewrites}`);
  }
  return { seconds, info: p };
}

// ---------------------------------------------------------------- fsync counters

function works(cmd, argv) {
  const r = spawnSync(cmd, argv, { encoding: 'utf8', timeout: 20_000 });
  return { ok: r.status === 0, out: `${r.stdout ?? ''}${r.stderr ?? ''}` };
}

/** Which counter to use: perf if its syscall tracepoints count here, else strace, else none. */
function pickCounter() {
  const perfOk = () => {
    const r = works('perf', ['stat', '-x', ',', '-e', 'syscalls:sys_enter_fsync,syscalls:sys_enter_fdatasync', '--', 'true']);
    return r.ok && /^\d+,,syscalls:sys_enter_fsync/m.test(r.out);
  };
  const straceOk = () => works('strace', ['-f', '-c', '-e', 'trace=fsync,fdatasync', '-o', '/dev/null', '--', 'true']).ok;
  if (FSYNC_COUNTER === 'perf') {
    if (!perfOk()) throw new Error('--fsync-counter perf: `perf stat -e syscalls:sys_enter_fsync` does not work here (Debian: apt-get install linux-perf; needs root for tracepoints)');
    return 'perf';
  }
  if (FSYNC_COUNTER === 'strace') {
    if (!straceOk()) throw new Error('--fsync-counter strace: strace does not work here (Debian: apt-get install strace)');
    return 'strace';
  }
  if (FSYNC_COUNTER === 'none') return 'none';
  if (perfOk()) return 'perf';
  if (straceOk()) return 'strace';
  return 'none';
}

/**
 * Starts counting fsync + fdatasync calls of every thread of `pid`; stop()
 * resolves with { fsync, fdatasync, total }.
 */
async function startFsyncCounter(method, pid) {
  const outFile = join(tempDir('sinew-aof-count-'), 'count.txt');
  const argv =
    method === 'perf'
      ? ['stat', '-x', ',', '-o', outFile, '-e', 'syscalls:sys_enter_fsync,syscalls:sys_enter_fdatasync', '-p', String(pid)]
      : ['-f', '-c', '-e', 'trace=fsync,fdatasync', '-o', outFile, '-p', String(pid)];
  const child = track(spawn(method, argv, { stdio: ['ignore', 'ignore', 'pipe'] }));
  let err = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (s) => (err += s));
  const exited = new Promise((r) => child.once('exit', r));
  child.on('error', (e) => (err += e.message));
  // perf opens its counters and strace attaches to every thread in well under this.
  await sleep(method === 'perf' ? 300 : 700);
  if (child.exitCode !== null) throw new Error(`${method} ${argv.join(' ')} exited ${child.exitCode}: ${err}`);
  return {
    async stop() {
      child.kill('SIGINT');
      const done = await Promise.race([exited.then(() => true), sleep(10_000).then(() => false)]);
      if (!done) {
        child.kill('SIGKILL');
        throw new Error(`${method} did not stop on SIGINT`);
      }
      const text = existsSync(outFile) ? readFileSync(outFile, 'utf8') : '';
      const counts = method === 'perf' ? parsePerf(text) : parseStrace(text);
      if (counts === null) throw new Error(`${method}: cannot read the counts from ${JSON.stringify(text)} (stderr: ${err})`);
      return counts;
    },
  };
}

function parsePerf(text) {
  const c = {};
  for (const line of text.split('\n')) {
    const cells = line.split(',');
    const m = /^syscalls:sys_enter_(fsync|fdatasync)$/.exec(cells[2] ?? '');
    if (m) {
      if (!/^\d+$/.test(cells[0])) return null; // <not counted> / <not supported>
      c[m[1]] = Number(cells[0]);
    }
  }
  if (c.fsync === undefined || c.fdatasync === undefined) return null;
  return { ...c, total: c.fsync + c.fdatasync };
}

function parseStrace(text) {
  // % time     seconds  usecs/call     calls    errors syscall   (errors may be blank)
  const c = { fsync: 0, fdatasync: 0 };
  let seenHeader = false;
  for (const line of text.split('\n')) {
    if (/calls\s+errors\s+syscall/.test(line)) seenHeader = true;
    const t = line.trim().split(/\s+/);
    const name = t[t.length - 1];
    if ((name === 'fsync' || name === 'fdatasync') && /^\d+$/.test(t[3] ?? '')) c[name] = Number(t[3]);
  }
  // strace writes the header even when nothing was traced; a missing file or header is a failure
  if (!seenHeader && text.trim() !== '') return null;
  if (text.trim() === '') return null;
  return { ...c, total: c.fsync + c.fdatasync };
}

// ---------------------------------------------------------------- redis-benchmark

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

/** redis-benchmark -t set against srv; { rps, p50, p99, max, n, seconds }. */
async function benchSet(srv, n, pipeline) {
  const r = await redisBenchmark(srv.port, ['-t', 'set', '-c', String(CLIENTS), '-P', String(pipeline), '-d', String(VALUE_SIZE), '-r', String(N), '-n', String(n)], BENCH_TIMEOUT_MS);
  if (r.code !== 0) throw new Error(`${r.command} exited ${r.code}: ${r.err}${r.out}`);
  const row = parseCsvRow(r.out);
  if (row === null || !(row.rps > 0)) throw new Error(`${r.command}: no CSV row in ${JSON.stringify(r.out)} ${r.err}`);
  assertAlive(srv, 'redis-benchmark');
  return { ...row, n, seconds: r.seconds };
}

/** The same benchmark with fsync(2)/fdatasync(2) of the server counted over it. */
async function benchSetCounted(srv, n, pipeline, method) {
  const counter = await startFsyncCounter(method, srv.child.pid);
  let b;
  try {
    b = await benchSet(srv, n, pipeline);
  } catch (e) {
    await counter.stop().catch(() => {});
    throw e;
  }
  const c = await counter.stop();
  return { ...b, fsyncs: c, fsyncPerSec: c.total / b.seconds, reqPerFsync: c.total > 0 ? n / c.total : Infinity };
}

/** -n for a run of about `seconds` at `rps`, rounded to 2 significant digits, at least 50 requests a client. */
function sizeN(rps, seconds, pipeline) {
  const v = Math.max(CLIENTS * pipeline * 50, Math.min(50_000_000, rps * seconds));
  const mag = 10 ** Math.max(2, Math.floor(Math.log10(v)) - 1);
  return Math.round(v / mag) * mag;
}

// ---------------------------------------------------------------- 1 and 2: throughput

/**
 * Both servers with `policy`, SET at each pipeline: a probe run each to size
 * -n, then REPEAT runs each alternating which goes first (best counts). With
 * perf, fsyncs are counted in every run; with strace (only for `always`) in
 * one more run afterwards.
 */
async function throughput(policy, counter) {
  const servers = {};
  const out = { policy, Sinew: {}, Redis: {} };
  for (const kind of KINDS) {
    const r = await attempt(kind, `start with appendfsync ${policy}`, () => startAof(kind, policy));
    if (r.error) out[kind].error = r.error;
    else servers[kind] = r;
  }
  const countInline = counter === 'perf';
  const countSeparately = counter === 'strace' && policy === 'always';
  try {
    for (const pipeline of PIPELINES) {
      const key = `P${pipeline}`;
      const running = KINDS.filter((k) => servers[k] && !out[k].error);
      const runs = { Sinew: [], Redis: [] };
      const n = {};
      for (const kind of running) {
        const r = await attempt(kind, `appendfsync ${policy} -P ${pipeline} probe`, async () => {
          const probe = await benchSet(servers[kind], pipeline === 1 ? (QUICK ? 2000 : 10_000) : QUICK ? 10_000 : 40_000, pipeline);
          n[kind] = sizeN(probe.rps, RUN_SECONDS, pipeline);
        });
        if (r?.error) out[kind][key] = { error: r.error };
      }
      for (let k = 0; k < REPEAT; k++) {
        const order = k % 2 === 0 ? KINDS : [...KINDS].reverse();
        for (const kind of order) {
          if (!servers[kind] || out[kind][key]?.error) continue;
          const r = await attempt(kind, `appendfsync ${policy} -P ${pipeline} run ${k + 1}`, () =>
            countInline ? benchSetCounted(servers[kind], n[kind], pipeline, counter) : benchSet(servers[kind], n[kind], pipeline),
          );
          if (r.error) out[kind][key] = { error: r.error };
          else runs[kind].push(r);
        }
      }
      for (const kind of running) {
        if (out[kind][key]?.error) continue;
        const best = runs[kind].reduce((a, b) => (b.rps > a.rps ? b : a));
        out[kind][key] = { ...best, allRps: runs[kind].map((r) => r.rps) };
        if (countSeparately) {
          const r = await attempt(kind, `appendfsync ${policy} -P ${pipeline} strace run`, () => benchSetCounted(servers[kind], n[kind], pipeline, 'strace'));
          out[kind][key].separate = r;
        }
        const b = out[kind][key];
        const f = b.fsyncs ? `, ${b.fsyncs.total} fsyncs (${fmt(b.fsyncPerSec, 0)}/s)` : b.separate?.fsyncs ? `, strace run: ${b.separate.fsyncs.total} fsyncs (${fmt(b.separate.fsyncPerSec, 0)}/s) at ${fmtInt(b.separate.rps)} req/s` : '';
        log(`  ${kind} appendfsync ${policy} -P ${pipeline} -n ${b.n}: ${runs[kind].map((r) => fmtInt(r.rps)).join(', ')} req/s (best ${fmtInt(b.rps)}), p99 ${b.p99} ms${f}`);
      }
    }
  } finally {
    for (const srv of Object.values(servers)) await stopServer(srv);
  }
  return out;
}

// ---------------------------------------------------------------- 3 and 4: rewrite and latency

const pad12 = (i) => String(i).padStart(12, '0');

async function fill(srv) {
  const t0 = performance.now();
  await withConn(srv, (c) =>
    c.pipeline(N / BATCH, (b) => {
      const argv = ['MSET'];
      for (let i = b * BATCH; i < (b + 1) * BATCH; i++) argv.push(`key:${pad12(i)}`, `v${String(i).padStart(VALUE_SIZE - 1, '0')}`);
      return argv;
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  const n = await withConn(srv, (c) => c.call(['DBSIZE']));
  if (n !== N) throw new Error(`${srv.name}: DBSIZE ${n} after loading ${N} keys`);
  return seconds;
}

/** BGREWRITEAOF of N keys on the idle server. */
async function rewriteIdle(srv) {
  const fillSeconds = await fill(srv);
  await sleep(1200); // let everysec fsync what the fill wrote
  const bytesBefore = aofBytes(srv);
  const { seconds, info: p } = await withConn(srv, async (c) => {
    await waitRewriteIdle(srv, c, 60_000);
    return bgrewrite(srv, c);
  });
  const bytesAfter = aofBytes(srv);
  const r = { fillSeconds, seconds, lastRewriteTimeSec: Number(p.aof_last_rewrite_time_sec), bytesBefore, bytesAfter };
  log(`  ${srv.name}: fill ${N} keys ${fillSeconds.toFixed(2)} s; BGREWRITEAOF ${seconds.toFixed(3)} s (aof_last_rewrite_time_sec ${p.aof_last_rewrite_time_sec}); AOF directory ${fmtBytes(bytesBefore)} before, ${fmtBytes(bytesAfter)} after`);
  return r;
}

/**
 * One SET run at -P 1; with `rewrite`, BGREWRITEAOF is started
 * REWRITE_DELAY_MS into the run and again each time one ends until the run
 * ends; reports how many ran and how much of the window they covered.
 */
async function latencyRun(srv, n, rewrite) {
  const t0 = performance.now();
  const benchP = benchSet(srv, n, 1);
  if (!rewrite) return { bench: await benchP };
  // a failing benchmark must not leave an unhandled rejection while we poll
  const run = watchRun(benchP);
  await sleep(REWRITE_DELAY_MS);
  let rewrites = 0;
  let rewriteMs = 0;
  let overlapMs = 0;
  try {
    await withConn(srv, async (c) => {
      do {
        const start = performance.now();
        await bgrewrite(srv, c);
        const end = performance.now();
        rewrites++;
        rewriteMs += end - start;
        overlapMs += Math.max(0, Math.min(end, run.end ?? end) - start);
      } while (run.end === null);
    });
  } finally {
    await run.settled;
  }
  const b = await run.settled;
  if (run.error) throw run.error;
  return { bench: b, rewrites, rewriteSeconds: rewriteMs / 1000 / rewrites, coverage: overlapMs / (run.end - t0) };
}

function medianByP99(runs) {
  const sorted = [...runs].sort((a, b) => a.bench.p99 - b.bench.p99);
  return sorted[(sorted.length - 1) >> 1];
}

async function latency(srv, idleRewrite) {
  const probe = await benchSet(srv, QUICK ? 5000 : 20_000, 1);
  const windowS = Math.max(MIN_WINDOW_S, idleRewrite * 1.5);
  const n = sizeN(probe.rps, windowS, 1);
  log(`  ${srv.name}: SET probe ${fmtInt(probe.rps)} req/s, -n ${n} (~${windowS.toFixed(1)} s window)`);
  const base = [];
  const during = [];
  for (let k = 0; k < REPEAT; k++) {
    base.push(await latencyRun(srv, n, false));
    during.push(await latencyRun(srv, n, true));
  }
  const out = { n, windowS, base: medianByP99(base), during: medianByP99(during), p99Runs: { without: base.map((r) => r.bench.p99), during: during.map((r) => r.bench.p99) } };
  log(
    `  ${srv.name}: SET -P 1 p99 ${out.p99Runs.without.join(', ')} ms without rewrite; ${out.p99Runs.during.join(', ')} ms during BGREWRITEAOF ` +
      `(median run: ${out.during.rewrites} rewrites of ${out.during.rewriteSeconds.toFixed(2)} s on average, covering ${(out.during.coverage * 100).toFixed(0)}% of ${out.during.bench.seconds.toFixed(1)} s)`,
  );
  return out;
}

/** 3 then 4 on one server of `kind` (appendfsync everysec); failures recorded per part. */
async function rewriteAndLatency(kind) {
  const srv = await attempt(kind, 'start with appendfsync everysec', () => startAof(kind, 'everysec'));
  if (srv.error) return { rewrite: { error: srv.error }, latency: { error: srv.error } };
  try {
    const rewrite = await attempt(kind, `fill ${N} keys and BGREWRITEAOF`, () => rewriteIdle(srv));
    if (rewrite.error) return { rewrite, latency: { error: `(not run, see ${rewrite.error})` } };
    const lat = await attempt(kind, 'latency with and without BGREWRITEAOF', () => latency(srv, rewrite.seconds));
    return { rewrite, latency: lat };
  } finally {
    await stopServer(srv);
  }
}

// ---------------------------------------------------------------- output

const fmtInt = (x) => (Number.isFinite(x) ? Math.round(x).toLocaleString('en-US') : 'n/a');
const fmt = (x, d = 2) => (Number.isFinite(x) ? x.toFixed(d) : 'n/a');
const fmtBytes = (b) => (Number.isFinite(b) ? `${(b / 2 ** 20).toFixed(1)} MiB` : 'n/a');
const verdict = (ok) => (ok === null ? 'n/a' : ok ? 'yes' : 'NO');
const failed = (x) => `FAILED ${x.error}`;

function table(header, rows) {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (cells) => `| ${cells.map((c, i) => String(c).padEnd(widths[i])).join(' | ')} |`;
  return [line(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)].join('\n');
}

/** File system type of `dir` (findmnt, else stat -f). */
function fsType(dir) {
  const f = spawnSync('findmnt', ['-no', 'FSTYPE', '-T', dir], { encoding: 'utf8' });
  if (f.status === 0 && f.stdout.trim()) return f.stdout.trim();
  const r = spawnSync('stat', ['-f', '-c', '%T', dir], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : 'unknown';
}

function machine(counter) {
  const probeDir = tempDir('sinew-aof-fs-');
  return { ...machineInfo(), tmpdir: os.tmpdir(), tmpdirFs: fsType(probeDir), fsyncCounter: counter };
}

function throughputRows(t) {
  const rows = [];
  for (const pipeline of PIPELINES) {
    const key = `P${pipeline}`;
    const s = t.Sinew.error ? { error: t.Sinew.error } : t.Sinew[key];
    const r = t.Redis.error ? { error: t.Redis.error } : t.Redis[key];
    const ok = s && !s.error && r && !r.error;
    const ratio = ok ? s.rps / r.rps : NaN;
    const target = t.policy === 'everysec' ? TARGETS[pipeline] : null;
    const fsyncs = (x) => {
      if (!x || x.error) return 'n/a';
      const src = x.fsyncs ? x : x.separate && !x.separate.error ? x.separate : null;
      if (!src) return x.separate?.error ? failed(x.separate) : '-';
      const extra = src === x ? '' : ` (strace run: ${fmtInt(src.rps)} req/s)`;
      return `${fmtInt(src.fsyncPerSec)}/s, ${fmt(src.reqPerFsync, 1)} req/fsync${extra}`;
    };
    rows.push([
      t.policy,
      `-P ${pipeline}`,
      s?.error ? failed(s) : fmtInt(s?.rps),
      r?.error ? failed(r) : fmtInt(r?.rps),
      fmt(ratio),
      target === null ? '-' : `≥ ${target}`,
      target === null ? '-' : verdict(ok ? ratio >= target : null),
      ok ? `${s.p99} / ${r.p99}` : 'n/a',
      `${fsyncs(s)} / ${fsyncs(r)}`,
      ok ? `${s.n} / ${r.n}` : s && !s.error ? `${s.n} / -` : r && !r.error ? `- / ${r.n}` : 'n/a',
    ]);
  }
  return rows;
}

// ---------------------------------------------------------------- main

async function main() {
  if (!existsSync(join(ROOT, 'dist', 'src', 'cli', 'main.js'))) throw new Error('dist/ is missing: run `npx tsc -p .` first (npm run bench does)');
  for (const bin of ['redis-server', 'redis-benchmark']) if (spawnSync(bin, ['--version']).status !== 0) throw new Error(`${bin} is not installed`);
  const counter = pickCounter();
  const started = Date.now();
  const m = machine(counter);
  log(`machine: ${m.cpus} x ${m.cpuModel}, ${m.memoryGiB} GiB, ${m.platform}, node ${m.node}; ${m.redis}; server dirs in ${m.tmpdir} (${m.tmpdirFs}); fsync counter: ${counter}`);
  if (m.tmpdirFs === 'tmpfs' || m.tmpdirFs === 'ramfs') log(`  WARNING: ${m.tmpdir} is ${m.tmpdirFs}: fsync costs nothing there; use --tmpdir on a real disk`);
  const out = { machine: m, date: new Date().toISOString(), keys: N, repeat: REPEAT, runSeconds: RUN_SECONDS, command: COMMAND_LINE, throughput: {}, rewrite: {}, latency: {} };

  for (const policy of ['everysec', 'always']) {
    log(`\nthroughput, appendfsync ${policy}`);
    out.throughput[policy] = await throughput(policy, counter);
  }
  log(`\nBGREWRITEAOF and latency, ${N.toLocaleString('en-US')} keys, appendfsync everysec`);
  for (const kind of KINDS) {
    const r = await rewriteAndLatency(kind);
    out.rewrite[kind] = r.rewrite;
    out.latency[kind] = r.latency;
  }
  out.seconds = (Date.now() - started) / 1000;
  out.loadAverageAtEnd = os.loadavg().map((x) => x.toFixed(2)).join(' ');
  out.failures = failures;

  const L = [];
  L.push(`Sinew vs Redis: append-only file, ${out.date}`);
  L.push(`machine: ${m.cpus} CPUs (${m.cpuModel}), ${m.memoryGiB} GiB RAM, ${m.platform}; node ${m.node}; ${m.redis}`);
  L.push(`both servers: --save '' ${aofArgs('<policy>').join(' ')}, own directory in ${m.tmpdir} (${m.tmpdirFs})`);
  if (m.tmpdirFs === 'tmpfs' || m.tmpdirFs === 'ramfs') L.push(`WARNING: ${m.tmpdir} is ${m.tmpdirFs}: fsync costs nothing there, the figures say nothing about a disk (use --tmpdir)`);
  L.push('');
  L.push(
    `Throughput: redis-benchmark -t set -c ${CLIENTS} -d ${VALUE_SIZE} -r ${N} -P 1|16, -n sized per server for ~${RUN_SECONDS} s; best of ${REPEAT} runs each, alternating which server goes first. ` +
      `Targets (everysec): Sinew/Redis ≥ ${TARGETS[1]} at P1, ≥ ${TARGETS[16]} at P16.`,
  );
  L.push(
    counter === 'perf'
      ? 'fsyncs: fsync(2) + fdatasync(2) calls of every thread of the server process, counted by `perf stat -e syscalls:sys_enter_fsync,syscalls:sys_enter_fdatasync -p PID` (kernel tracepoint counters, the server is not stopped) during the reported run itself, divided by its wall time.'
      : counter === 'strace'
        ? 'fsyncs (always only): fsync(2) + fdatasync(2) calls of every thread of the server process, counted by `strace -f -c -e trace=fsync,fdatasync -p PID` in a SEPARATE run after the throughput runs (strace attached with -p stops the server on every system call, so that run is slower: its req/s is shown beside), divided by its wall time.'
        : 'fsyncs: not counted (neither `perf stat` with syscall tracepoints nor strace works here; Debian: linux-perf, strace).',
  );
  const trows = [];
  for (const policy of ['everysec', 'always']) trows.push(...throughputRows(out.throughput[policy]));
  L.push(table(['appendfsync', 'pipeline', 'Sinew req/s', 'Redis req/s', 'Sinew/Redis', 'target', 'target met', 'p99 ms Sinew / Redis', 'fsyncs Sinew / Redis', '-n Sinew / Redis'], trows));

  L.push('');
  L.push(
    `BGREWRITEAOF of ${N.toLocaleString('en-US')} string keys (key:%012d -> ${VALUE_SIZE}-byte value, loaded with pipelined MSET of ${BATCH}, appendfsync everysec): wall time from the command until INFO persistence shows aof_rewrite_in_progress:0 and aof_last_bgrewrite_status:ok (polled every ${POLL_MS} ms); aof_last_rewrite_time_sec as the server reports it (whole seconds in Redis); bytes in the AOF directory.`,
  );
  const rw = out.rewrite;
  const both = !rw.Sinew.error && !rw.Redis.error;
  const rcell = (x, f) => (x.error ? failed(x) : f(x));
  L.push(
    table(
      ['measure', 'Sinew', 'Redis', 'Sinew/Redis'],
      [
        ['fill with MSET (s)', rcell(rw.Sinew, (x) => fmt(x.fillSeconds)), rcell(rw.Redis, (x) => fmt(x.fillSeconds)), both ? fmt(rw.Sinew.fillSeconds / rw.Redis.fillSeconds) : 'n/a'],
        ['BGREWRITEAOF, command to done (s)', rcell(rw.Sinew, (x) => fmt(x.seconds, 3)), rcell(rw.Redis, (x) => fmt(x.seconds, 3)), both ? fmt(rw.Sinew.seconds / rw.Redis.seconds) : 'n/a'],
        ['aof_last_rewrite_time_sec', rcell(rw.Sinew, (x) => String(x.lastRewriteTimeSec)), rcell(rw.Redis, (x) => String(x.lastRewriteTimeSec)), '-'],
        ['AOF directory before rewrite', rcell(rw.Sinew, (x) => fmtBytes(x.bytesBefore)), rcell(rw.Redis, (x) => fmtBytes(x.bytesBefore)), both ? fmt(rw.Sinew.bytesBefore / rw.Redis.bytesBefore) : 'n/a'],
        ['AOF directory after rewrite', rcell(rw.Sinew, (x) => fmtBytes(x.bytesAfter)), rcell(rw.Redis, (x) => fmtBytes(x.bytesAfter)), both ? fmt(rw.Sinew.bytesAfter / rw.Redis.bytesAfter) : 'n/a'],
      ],
    ),
  );

  L.push('');
  const ls = out.latency.Sinew;
  const lr = out.latency.Redis;
  L.push(
    `Latency: redis-benchmark -t set -c ${CLIENTS} -P 1 -d ${VALUE_SIZE} -r ${N} on the server holding those keys, -n sized for max(${MIN_WINDOW_S} s, 1.5 × the idle BGREWRITEAOF); ` +
      `"during" = first BGREWRITEAOF ${REWRITE_DELAY_MS} ms into the run, then again each time one ends, until the run ends. p99 = median of ${REPEAT} runs each (the other columns are of the median run). Target: Sinew p99 during/without ≤ ${LATENCY_TARGET}.`,
  );
  const lrow = (kind, x) =>
    x.error
      ? [kind, failed(x), '', '', '', '', '', '', '']
      : [
          kind,
          fmt(x.base.bench.p99, 3),
          fmt(x.during.bench.p99, 3),
          fmt(x.during.bench.p99 / x.base.bench.p99),
          kind === 'Sinew' ? verdict(x.during.bench.p99 / x.base.bench.p99 <= LATENCY_TARGET) : '-',
          `${fmt(x.base.bench.max, 1)} / ${fmt(x.during.bench.max, 1)}`,
          `${fmtInt(x.base.bench.rps)} → ${fmtInt(x.during.bench.rps)}`,
          `${x.during.rewrites} × ${fmt(x.during.rewriteSeconds)} s, ${(x.during.coverage * 100).toFixed(0)}%`,
          `${x.n}`,
        ];
  L.push(table(['server', 'p99 ms without', 'p99 ms during BGREWRITEAOF', 'during/without', 'target met', 'max ms without / during', 'req/s without → during', 'rewrites × average length, % of window covered', '-n'], [lrow('Sinew', ls), lrow('Redis', lr)]));

  if (failures.length > 0) {
    L.push('');
    L.push(`FAILED (${failures.length}; full errors on stderr above):`);
    failures.forEach((f, i) => L.push(`  #${i + 1} ${f.kind}: ${f.what}: ${f.reason}`));
  }
  L.push('');
  L.push(`command: ${COMMAND_LINE}`);
  L.push(`total time: ${out.seconds.toFixed(0)} s; load average (1/5/15 min) at start ${m.loadAverageAtStart}, at end ${out.loadAverageAtEnd}`);
  process.stdout.write(`${L.join('\n')}\n`);
  if (JSON_OUT) writeFileSync(JSON_OUT, `${JSON.stringify(out, null, 2)}\n`);
  if (failures.length > 0) process.exitCode = 1;
}

runMain(main);
