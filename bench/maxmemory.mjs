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
import { spawn } from 'node:child_process';
import net from 'node:net';
import os from 'node:os';
import { mkdtempSync, rmSync, readFileSync, existsSync, cpSync, symlinkSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
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
const HOST = '127.0.0.1';
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

// ---------------------------------------------------------------- processes

const children = new Set();
const tmpDirs = [];
function cleanup() {
  for (const ch of children) {
    try {
      ch.kill('SIGKILL');
    } catch {
      /* already gone */
    }
  }
  children.clear();
  for (const d of tmpDirs.splice(0)) rmSync(d, { recursive: true, force: true });
}
process.on('exit', cleanup);
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(sig, () => {
    cleanup();
    process.exit(130);
  });
}
const overall = setTimeout(() => {
  process.stderr.write('bench: time limit reached, aborting\n');
  cleanup();
  process.exit(2);
}, TOTAL_TIME_LIMIT_MS);
overall.unref();

function track(child) {
  children.add(child);
  child.on('exit', () => children.delete(child));
  return child;
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.listen(0, HOST, () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

// Sinew runs from a private copy of the build, so that a rebuild of dist/
// during the run cannot affect it.
let SNAPSHOT = null;
function snapshotBuild() {
  const snap = mkdtempSync(join(os.tmpdir(), 'sinew-maxmem-build-'));
  tmpDirs.push(snap);
  cpSync(join(ROOT, 'dist', 'src'), join(snap, 'dist', 'src'), { recursive: true });
  cpSync(join(ROOT, 'bin'), join(snap, 'bin'), { recursive: true });
  cpSync(join(ROOT, 'package.json'), join(snap, 'package.json'));
  if (existsSync(join(ROOT, 'node_modules'))) symlinkSync(join(ROOT, 'node_modules'), join(snap, 'node_modules'), 'dir');
  return snap;
}

/** The Node options of the sinew-server command (its first line). */
function serverNodeOptions() {
  const first = readFileSync(join(ROOT, 'bin', 'sinew-server.js'), 'utf8').split('\n', 1)[0];
  const m = /^#!\S*env -S node(.*)$/.exec(first);
  return m ? m[1].trim().split(/\s+/).filter(Boolean) : [];
}

async function startServer(kind, extra = []) {
  const port = await freePort();
  const dir = mkdtempSync(join(os.tmpdir(), `sinew-maxmem-${kind}-`));
  tmpDirs.push(dir);
  const common = ['--port', String(port), '--bind', HOST, '--save', '', '--appendonly', 'no', '--dir', dir, '--loglevel', 'warning', ...extra];
  let child;
  if (kind === 'sinew') {
    SNAPSHOT ??= snapshotBuild();
    child = spawn(process.execPath, [...serverNodeOptions(), join(SNAPSHOT, 'bin', 'sinew-server.js'), ...common], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
  } else {
    child = spawn('redis-server', [...common, '--daemonize', 'no'], { stdio: ['ignore', 'ignore', 'pipe'] });
  }
  track(child);
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (s) => (stderr = (stderr + s).slice(-20_000)));
  const srv = { name: kind === 'sinew' ? 'Sinew' : 'Redis', port, child, stderr: () => stderr };
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${srv.name} exited at start-up: ${stderr}`);
    try {
      const c = await Conn.open(port);
      const r = await c.call(['PING']);
      c.close();
      if (r === 'PONG') break;
    } catch {
      /* not yet */
    }
    if (Date.now() > deadline) throw new Error(`${srv.name} did not start: ${stderr}`);
    await sleep(100);
  }
  return srv;
}

async function stopServer(srv) {
  if (srv.child.exitCode !== null) return;
  const exited = new Promise((r) => srv.child.once('exit', r));
  srv.child.kill('SIGKILL');
  await Promise.race([exited, sleep(5000)]);
}

function rssOf(pid) {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : NaN;
  } catch {
    return NaN;
  }
}

// ---------------------------------------------------------------- a minimal RESP client

class Conn {
  static open(port) {
    return new Promise((resolve, reject) => {
      const sock = net.connect(port, HOST);
      sock.once('connect', () => resolve(new Conn(sock)));
      sock.once('error', reject);
    });
  }
  constructor(sock) {
    this.sock = sock;
    this.buf = Buffer.alloc(0);
    this.waiters = [];
    sock.on('data', (d) => {
      this.buf = Buffer.concat([this.buf, d]);
      this.drain();
    });
    sock.on('error', () => {});
  }
  drain() {
    while (this.waiters.length > 0) {
      const r = parseReply(this.buf, 0);
      if (r === null) return;
      this.buf = this.buf.subarray(r[1]);
      this.waiters.shift()(r[0]);
    }
  }
  call(argv) {
    const parts = [`*${argv.length}\r\n`];
    for (const a of argv) parts.push(`$${Buffer.byteLength(String(a))}\r\n${a}\r\n`);
    this.sock.write(parts.join(''));
    return new Promise((resolve) => {
      this.waiters.push(resolve);
      this.drain();
    });
  }
  close() {
    this.sock.destroy();
  }
}

function parseReply(buf, pos) {
  const eol = buf.indexOf('\r\n', pos);
  if (eol < 0) return null;
  const type = String.fromCharCode(buf[pos]);
  const line = buf.toString('latin1', pos + 1, eol);
  const next = eol + 2;
  if (type === '+' || type === '-' || type === ':') return [type === ':' ? Number(line) : line, next];
  if (type === '$') {
    const len = Number(line);
    if (len < 0) return [null, next];
    if (buf.length < next + len + 2) return null;
    return [buf.toString('latin1', next, next + len), next + len + 2];
  }
  if (type === '*') {
    const n = Number(line);
    const out = [];
    let p = next;
    for (let i = 0; i < n; i++) {
      const r = parseReply(buf, p);
      if (r === null) return null;
      out.push(r[0]);
      p = r[1];
    }
    return [out, p];
  }
  throw new Error(`unexpected reply type ${type}`);
}

function infoField(text, name) {
  const m = new RegExp(`^${name}:(\\S+)`, 'm').exec(text);
  return m ? Number(m[1]) : NaN;
}

// ---------------------------------------------------------------- redis-benchmark

function runBenchmark(port, benchArgs, timeoutMs = RUN_TIMEOUT_MS) {
  return new Promise((resolve, reject) => {
    const full = ['-h', HOST, '-p', String(port), '--csv', ...benchArgs];
    const child = track(spawn('redis-benchmark', full, { stdio: ['ignore', 'pipe', 'pipe'] }));
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8');
    child.stderr.setEncoding('utf8');
    child.stdout.on('data', (s) => (out += s));
    child.stderr.on('data', (s) => (err += s));
    const started = Date.now();
    const t = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`redis-benchmark ${full.join(' ')} timed out`));
    }, timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(t);
      const m = /^"[^"]*","([0-9.]+)"/m.exec(out);
      const error = code === 0 ? null : (/Error from server: (.*)/.exec(err + out)?.[1] ?? `exit code ${code}`).trim();
      resolve({ rps: m ? Number(m[1]) : NaN, seconds: (Date.now() - started) / 1000, error });
    });
  });
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
        const text = await Promise.race([info.call(['INFO', 'memory']), sleep(10_000).then(() => '')]);
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

main().then(
  () => {
    cleanup();
    process.exit();
  },
  (e) => {
    process.stderr.write(`bench: ${e && e.stack ? e.stack : e}\n`);
    cleanup();
    process.exit(1);
  },
);
