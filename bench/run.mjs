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
 *  2. memory: fresh servers, 1,000,000 string keys (key:NNNNNNN -> 10 bytes)
 *     loaded with pipelined MSET from this script, key count verified with
 *     DBSIZE; the same for a 1M-member sorted set (ZADD) and a 1M-field hash
 *     (HSET) when Sinew has those commands. Reports INFO used_memory minus the
 *     empty server's used_memory, per key/member/field. Sinew runs with
 *     --expose-gc and a SIGUSR2 hook that runs two full GCs, so both of its
 *     readings are of live memory only.
 *
 * Options: --quick (small sizes, to check the harness), --no-memory,
 * --no-throughput, --json FILE (also write the results as JSON),
 * --run-seconds N (target length of each timed run, default 2.5),
 * --repeat N (timed runs per test and server, alternating which server goes
 * first; the best counts; default 3).
 *
 * Loopback only. Every child process is killed on exit (including on
 * SIGINT/SIGTERM and errors), and the whole run has a time limit.
 */
import { spawn, spawnSync } from 'node:child_process';
import net from 'node:net';
import os from 'node:os';
import { mkdtempSync, rmSync, writeFileSync, readFileSync, existsSync, cpSync, symlinkSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
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
const TOTAL_TIME_LIMIT_MS = 30 * 60 * 1000;
const RUN_TIMEOUT_MS = 120_000;
const HOST = '127.0.0.1';

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
  for (const d of tmpDirs.splice(0)) {
    try {
      rmSync(d, { recursive: true, force: true });
    } catch {
      /* ignore */
    }
  }
}
process.on('exit', cleanup);
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(sig, () => {
    process.stderr.write(`\nbench: ${sig}, stopping servers\n`);
    cleanup();
    process.exit(130);
  });
}
process.on('uncaughtException', (e) => {
  process.stderr.write(`bench: ${e && e.stack ? e.stack : e}\n`);
  cleanup();
  process.exit(1);
});
const overall = setTimeout(() => {
  process.stderr.write(`bench: time limit (${TOTAL_TIME_LIMIT_MS / 60000} min) reached, aborting\n`);
  cleanup();
  process.exit(2);
}, TOTAL_TIME_LIMIT_MS);
overall.unref();

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

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function track(child) {
  children.add(child);
  child.on('exit', () => children.delete(child));
  return child;
}

// Installed into the Sinew process with --import: SIGUSR2 runs full GCs and
// says so on stderr, so memory readings do not count garbage.
const GC_HOOK =
  'data:text/javascript,process.on("SIGUSR2",()=>{globalThis.gc();globalThis.gc();process.stderr.write("sinew-bench-gc-done\\n")})';

// Sinew runs from a private copy of the build made at start-up, so that a
// rebuild of dist/ during the run (tsc in the same tree) cannot affect it.
let SNAPSHOT = null;

function snapshotBuild() {
  const snap = mkdtempSync(join(os.tmpdir(), 'sinew-bench-build-'));
  tmpDirs.push(snap);
  cpSync(join(ROOT, 'dist', 'src'), join(snap, 'dist', 'src'), { recursive: true });
  cpSync(join(ROOT, 'bin'), join(snap, 'bin'), { recursive: true });
  cpSync(join(ROOT, 'package.json'), join(snap, 'package.json'));
  // Runtime dependencies resolve from the project's node_modules.
  if (existsSync(join(ROOT, 'node_modules'))) symlinkSync(join(ROOT, 'node_modules'), join(snap, 'node_modules'), 'dir');
  return snap;
}

/** The Node options the sinew-server command starts Node with (its first line, `#!/usr/bin/env -S node ...`). */
function serverNodeOptions() {
  const first = readFileSync(join(ROOT, 'bin', 'sinew-server.js'), 'utf8').split('\n', 1)[0];
  const m = /^#!\S*env -S node(.*)$/.exec(first);
  return m ? m[1].trim().split(/\s+/).filter(Boolean) : [];
}

async function startSinew() {
  SNAPSHOT ??= snapshotBuild();
  const port = await freePort();
  const dir = mkdtempSync(join(os.tmpdir(), 'sinew-bench-'));
  tmpDirs.push(dir);
  const child = track(
    spawn(
      process.execPath,
      [
        ...serverNodeOptions(),
        '--expose-gc',
        '--import',
        GC_HOOK,
        join(SNAPSHOT, 'bin', 'sinew-server.js'),
        '--port', String(port),
        '--bind', HOST,
        '--save', '',
        '--appendonly', 'no',
        '--dir', dir,
        '--loglevel', 'warning',
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    ),
  );
  let stderr = '';
  const gcWaiters = [];
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (s) => {
    stderr += s;
    if (stderr.length > 100_000) stderr = stderr.slice(-50_000);
    let n = s.split('sinew-bench-gc-done').length - 1;
    while (n-- > 0) gcWaiters.shift()?.();
  });
  const srv = {
    name: 'Sinew',
    port,
    child,
    async gc() {
      const done = new Promise((resolve, reject) => {
        const t = setTimeout(() => reject(new Error('Sinew did not answer the GC signal')), 30_000);
        gcWaiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
      child.kill('SIGUSR2');
      await done;
    },
    stderr: () => stderr,
  };
  await waitReady(srv);
  return srv;
}

async function startRedis() {
  const port = await freePort();
  const dir = mkdtempSync(join(os.tmpdir(), 'sinew-bench-redis-'));
  tmpDirs.push(dir);
  const child = track(
    spawn(
      'redis-server',
      ['--port', String(port), '--bind', HOST, '--save', '', '--appendonly', 'no', '--dir', dir, '--daemonize', 'no', '--loglevel', 'warning'],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    ),
  );
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (s) => (stderr += s));
  const srv = { name: 'Redis', port, child, async gc() {}, stderr: () => stderr };
  await waitReady(srv);
  return srv;
}

async function waitReady(srv) {
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (srv.child.exitCode !== null) throw new Error(`${srv.name} exited at start-up: ${srv.stderr()}`);
    try {
      const c = await Conn.open(srv.port);
      const r = await c.call(['PING']);
      c.close();
      if (r === 'PONG') return;
    } catch {
      /* not yet */
    }
    if (Date.now() > deadline) throw new Error(`${srv.name} did not start on port ${srv.port}: ${srv.stderr()}`);
    await sleep(100);
  }
}

async function stopServer(srv) {
  if (srv.child.exitCode !== null) return;
  const exited = new Promise((r) => srv.child.once('exit', r));
  srv.child.kill('SIGKILL');
  await Promise.race([exited, sleep(5000)]);
}

// ---------------------------------------------------------------- RESP client

function encode(argv) {
  const parts = [`*${argv.length}\r\n`];
  for (const a of argv) {
    const s = String(a);
    parts.push(`$${Buffer.byteLength(s, 'latin1')}\r\n${s}\r\n`);
  }
  return Buffer.from(parts.join(''), 'latin1');
}

class ReplyError extends Error {}

/** Parses one RESP2 reply at buf[pos]; returns [value, nextPos] or null if incomplete. */
function parseReply(buf, pos) {
  if (pos >= buf.length) return null;
  const eol = buf.indexOf('\r\n', pos, 'latin1');
  if (eol < 0) return null;
  const type = String.fromCharCode(buf[pos]);
  const line = buf.toString('latin1', pos + 1, eol);
  const next = eol + 2;
  switch (type) {
    case '+':
      return [line, next];
    case '-':
      return [new ReplyError(line), next];
    case ':':
      return [Number(line), next];
    case '$': {
      const len = Number(line);
      if (len < 0) return [null, next];
      if (buf.length < next + len + 2) return null;
      return [buf.toString('latin1', next, next + len), next + len + 2];
    }
    case '*': {
      const n = Number(line);
      if (n < 0) return [null, next];
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
    default:
      throw new Error(`unexpected reply type byte ${buf[pos]}`);
  }
}

class Conn {
  static open(port) {
    return new Promise((resolve, reject) => {
      const sock = net.connect(port, HOST);
      sock.once('connect', () => {
        sock.setNoDelay(true);
        resolve(new Conn(sock));
      });
      sock.once('error', reject);
    });
  }

  constructor(sock) {
    this.sock = sock;
    this.buf = Buffer.alloc(0);
    this.waiters = [];
    this.error = null;
    sock.on('data', (chunk) => {
      this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
      let pos = 0;
      for (;;) {
        const r = parseReply(this.buf, pos);
        if (r === null) break;
        pos = r[1];
        const w = this.waiters.shift();
        if (w) w.resolve(r[0]);
      }
      this.buf = this.buf.subarray(pos);
    });
    const fail = (e) => {
      this.error = e ?? new Error('connection closed');
      for (const w of this.waiters.splice(0)) w.reject(this.error);
    };
    sock.on('error', fail);
    sock.on('close', () => fail(null));
  }

  /** Sends a command; resolves with its reply (errors resolve as ReplyError). */
  send(argv) {
    if (this.error) return Promise.reject(this.error);
    return new Promise((resolve, reject) => {
      this.waiters.push({ resolve, reject });
      this.sock.write(encode(argv));
    });
  }

  async call(argv) {
    const r = await this.send(argv);
    if (r instanceof ReplyError) throw new Error(`${argv[0]}: ${r.message}`);
    return r;
  }

  /** Runs commands produced by gen(i) for i < count, at most `window` in flight. */
  async pipeline(count, gen, window = 16) {
    let next = 0;
    let failed = null;
    const worker = async () => {
      while (next < count && failed === null) {
        const i = next++;
        const r = await this.send(gen(i));
        if (r instanceof ReplyError) failed = r;
      }
    };
    await Promise.all(Array.from({ length: window }, worker));
    if (failed) throw new Error(`pipeline: ${failed.message}`);
  }

  close() {
    this.sock.destroy();
  }
}

async function withConn(srv, fn) {
  const c = await Conn.open(srv.port);
  try {
    return await fn(c);
  } finally {
    c.close();
  }
}

function parseInfo(text) {
  const out = {};
  for (const line of text.split('\r\n')) {
    const i = line.indexOf(':');
    if (i > 0 && !line.startsWith('#')) out[line.slice(0, i)] = line.slice(i + 1);
  }
  return out;
}

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
      reject(new Error(`redis-benchmark ${full.join(' ')} timed out after ${timeoutMs} ms`));
    }, timeoutMs);
    child.on('error', (e) => {
      clearTimeout(t);
      reject(e);
    });
    child.on('exit', (code) => {
      clearTimeout(t);
      if (code !== 0) return reject(new Error(`redis-benchmark ${full.join(' ')} exited ${code}: ${err}${out}`));
      resolve({ rows: parseCsv(out), seconds: (Date.now() - started) / 1000 });
    });
  });
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
    const missing = ds.needs.filter((c) => !sinewHas.has(c));
    if (missing.length > 0) {
      results.push({ dataset: ds.name, unit: ds.unit, skipped: `not implemented (${missing.join(', ').toUpperCase()})` });
      log(`  ${ds.name}: skipped: not implemented (${missing.join(', ').toUpperCase()})`);
      continue;
    }
    const s = await memoryOne(startSinew, ds);
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
  const cpus = os.cpus();
  const rv = spawnSync('redis-server', ['--version'], { encoding: 'utf8' }).stdout.trim();
  const bv = spawnSync('redis-benchmark', ['--version'], { encoding: 'utf8' }).stdout.trim();
  return {
    cpus: cpus.length,
    cpuModel: cpus[0]?.model ?? 'unknown',
    memoryGiB: (os.totalmem() / 2 ** 30).toFixed(1),
    platform: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    redis: rv,
    redisBenchmark: bv,
    loadAverageAtStart: os.loadavg().map((x) => x.toFixed(2)).join(' '),
  };
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

  let sinew = await startSinew();
  const wanted = [...new Set([...TESTS.flatMap((t) => t.needs), ...DATASETS.flatMap((d) => d.needs)])];
  const sinewHas = await implemented(sinew, wanted);
  const out = { machine: m, date: new Date().toISOString(), quick: QUICK, runSeconds: RUN_SECONDS, repeat: REPEAT, throughput: [], memory: [] };

  if (DO_THROUGHPUT) {
    const redis = await startRedis();
    log(`\nthroughput (Sinew on :${sinew.port}, Redis on :${redis.port}; redis-benchmark ${COMMON.join(' ')})`);
    try {
      out.throughput = await throughput(sinew, redis, sinewHas);
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

main()
  .then(() => {
    cleanup();
    process.exit(0);
  })
  .catch((e) => {
    process.stderr.write(`bench: ${e && e.stack ? e.stack : e}\n`);
    cleanup();
    process.exit(1);
  });
