#!/usr/bin/env node
/**
 * maxmemory under a sustained write load: `node bench/maxmemory.mjs`
 * (after `npx tsc -p .`).
 *
 * Starts Sinew (`node <the options of bin/sinew-server.js's first line>
 * bin/sinew-server.js`) and a real redis-server, one after the other, each
 * fresh, on a free loopback port, persistence off, with
 * `maxmemory 50mb` and `maxmemory-policy allkeys-lru`. For each:
 *
 *  1. idle baseline: VmRSS of the fresh server (no keys) after a second;
 *  2. load: `redis-benchmark -t set -n 600000 -r 10000000 -d 1024 -c 50 -P 16`
 *     (600,000 writes of 1 KB values to random keys: about 590 MB written
 *     against a 50 MB limit);
 *  3. sampling every 100 ms during the load and for 3 s after it:
 *     `used_memory` from INFO memory (its own connection) and VmRSS from
 *     /proc/PID/status.
 *
 * Prints, per server: idle RSS, peak and final used_memory, peak and final
 * RSS, the load's requests per second, and whether the targets hold:
 *   used_memory <= 1.1 x maxmemory at every sample, and
 *   RSS <= 2 x maxmemory + the idle baseline RSS at every sample.
 *
 * Options:
 *   --n N             writes (default 600000)
 *   --maxmemory SIZE  (default 50mb)
 *   --only sinew|redis
 *   --throughput      also: redis-benchmark SET and GET, -P 16 -c 50 -d 64
 *                     -r 100000, against Sinew without maxmemory and with
 *                     maxmemory (allkeys-lru; the data stays below it, so
 *                     this is the cost of the check), best of --repeat runs
 *   --repeat N        throughput runs per case (default 3)
 *
 * Every child process is killed on exit; every run has a time limit and
 * the whole script stops after 10 minutes.
 */
import os from 'node:os';
import { guardProcess, runMain, startSinew, startRedis, stopServer, rssOf, serverNodeOptions, sleep, Conn, redisBenchmark } from './servers.mjs';

const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : dflt;
};
const N = Number(opt('--n', '600000'));
const MAXMEMORY_ARG = opt('--maxmemory', '50mb');
const ONLY = opt('--only', null);
const THROUGHPUT = args.includes('--throughput');
const REPEAT = Number(opt('--repeat', '3'));
const RUN_TIMEOUT_MS = 180_000;
const TOTAL_TIME_LIMIT_MS = 10 * 60 * 1000;
const SAMPLE_MS = 100;
const SETTLE_MS = 3000;

function parseSize(s) {
  const m = /^(\d+)(b|kb|mb|gb)?$/i.exec(s);
  if (!m) throw new Error(`bad size ${s}`);
  const unit = { b: 1, kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3 }[(m[2] ?? 'b').toLowerCase()];
  return Number(m[1]) * unit;
}
const MAXMEMORY = parseSize(MAXMEMORY_ARG);

guardProcess(TOTAL_TIME_LIMIT_MS);

const startServer = (kind, extra = []) => (kind === 'sinew' ? startSinew({ args: extra }) : startRedis({ args: extra }));

function infoField(text, name) {
  const m = new RegExp(`^${name}:(\\S+)`, 'm').exec(text);
  return m ? Number(m[1]) : NaN;
}

// ---------------------------------------------------------------- redis-benchmark

async function runBenchmark(port, benchArgs, timeoutMs = RUN_TIMEOUT_MS) {
  const { code, out, err, seconds } = await redisBenchmark(port, benchArgs, timeoutMs);
  const m = /^"[^"]*","([0-9.]+)"/m.exec(out);
  const error = code === 0 ? null : (/Error from server: (.*)/.exec(err + out)?.[1] ?? `exit code ${code}`).trim();
  return { rps: m ? Number(m[1]) : NaN, seconds, error };
}

// ---------------------------------------------------------------- the memory run

const MB = (x) => (Number.isFinite(x) ? (x / 1024 / 1024).toFixed(1) : '-');

async function memoryRun(kind) {
  const srv = await startServer(kind, ['--maxmemory', MAXMEMORY_ARG, '--maxmemory-policy', 'allkeys-lru']);
  try {
    await sleep(1000);
    const idleRss = rssOf(srv.child.pid);
    const info = await Conn.open(srv.port);
    const samples = [];
    let phase = 'load';
    let stop = false;
    const sampler = (async () => {
      while (!stop) {
        const t0 = Date.now();
        const text = await Promise.race([info.call(['INFO', 'memory']).catch(() => ''), sleep(10_000).then(() => '')]);
        samples.push({ phase, used: infoField(text, 'used_memory'), rss: rssOf(srv.child.pid) });
        await sleep(Math.max(0, SAMPLE_MS - (Date.now() - t0)));
      }
    })();
    const load = await runBenchmark(srv.port, ['-t', 'set', '-n', String(N), '-r', '10000000', '-d', '1024', '-c', '50', '-P', '16']);
    phase = 'after';
    await sleep(SETTLE_MS);
    stop = true;
    await sampler;
    const dbsize = await info.call(['DBSIZE']);
    const stats = await info.call(['INFO', 'stats']);
    info.close();
    const used = samples.map((s) => s.used).filter(Number.isFinite);
    const rss = samples.map((s) => s.rss).filter(Number.isFinite);
    const last = samples[samples.length - 1];
    const rssBound = 2 * MAXMEMORY + idleRss;
    return {
      name: srv.name,
      idleRss,
      peakUsed: Math.max(...used),
      finalUsed: last.used,
      peakRss: Math.max(...rss),
      finalRss: last.rss,
      rps: load.rps,
      error: load.error,
      seconds: load.seconds,
      samples: samples.length,
      dbsize,
      evicted: infoField(stats, 'evicted_keys'),
      usedOk: used.every((u) => u <= 1.1 * MAXMEMORY),
      rssOk: rss.every((r) => r <= rssBound),
      rssBound,
    };
  } finally {
    await stopServer(srv);
  }
}

async function throughputRun() {
  const rows = [];
  for (const mm of [null, MAXMEMORY_ARG]) {
    for (const test of ['set', 'get']) {
      let best = 0;
      for (let i = 0; i < REPEAT; i++) {
        const extra = mm === null ? [] : ['--maxmemory', mm, '--maxmemory-policy', 'allkeys-lru'];
        const srv = await startServer('sinew', extra);
        try {
          const benchArgs = ['-c', '50', '-d', '64', '-r', '100000', '-P', '16'];
          if (test === 'get') await runBenchmark(srv.port, ['-t', 'set', '-n', '200000', ...benchArgs]);
          const r = await runBenchmark(srv.port, ['-t', test, '-n', '1000000', ...benchArgs]);
          if (r.error) throw new Error(`${test}: ${r.error}`);
          best = Math.max(best, r.rps);
        } finally {
          await stopServer(srv);
        }
      }
      rows.push({ maxmemory: mm ?? 'off', test: test.toUpperCase(), rps: best });
    }
  }
  return rows;
}

async function main() {
  console.log(`maxmemory ${MAXMEMORY_ARG} allkeys-lru; load: redis-benchmark -t set -n ${N} -r 10000000 -d 1024 -c 50 -P 16`);
  console.log(`node ${process.version}, ${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? '?'}); Sinew Node options: ${serverNodeOptions().join(' ')}`);
  const results = [];
  for (const kind of ['sinew', 'redis']) {
    if (ONLY !== null && ONLY !== kind) continue;
    results.push(await memoryRun(kind));
  }
  const lines = [
    ['', 'idle RSS', 'peak used', 'final used', 'peak RSS', 'final RSS', 'RSS bound', 'SET/s', 'keys', 'evicted', 'used<=1.1x', 'RSS<=bound'],
    ...results.map((r) => [
      r.name,
      `${MB(r.idleRss)} MB`,
      `${MB(r.peakUsed)} MB`,
      `${MB(r.finalUsed)} MB`,
      `${MB(r.peakRss)} MB`,
      `${MB(r.finalRss)} MB`,
      `${MB(r.rssBound)} MB`,
      String(Math.round(r.rps)),
      String(r.dbsize),
      String(r.evicted),
      r.usedOk ? 'yes' : 'NO',
      r.rssOk ? 'yes' : 'NO',
    ]),
  ];
  const widths = lines[0].map((_, i) => Math.max(...lines.map((l) => l[i].length)));
  for (const l of lines) console.log(l.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  '));
  console.log(`(${results.map((r) => `${r.name}: ${r.samples} samples, load ${r.seconds.toFixed(1)} s`).join('; ')})`);
  for (const r of results) if (r.error) console.log(`${r.name}: the load stopped on an error: ${r.error}`);
  if (THROUGHPUT) {
    console.log('\nSinew throughput, redis-benchmark -c 50 -d 64 -r 100000 -P 16, best of', REPEAT);
    for (const r of await throughputRun()) console.log(`  maxmemory ${r.maxmemory.padEnd(5)} ${r.test}  ${Math.round(r.rps)} req/s`);
  }
  const failed = results.some((r) => r.name === 'Sinew' && (!r.usedOk || !r.rssOk || r.error));
  process.exitCode = failed ? 1 : 0;
}

runMain(main);
