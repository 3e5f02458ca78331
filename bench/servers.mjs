/**
 * What the benchmarks share: starting Sinew and a real redis-server, each in
 * its own process on a free loopback port with persistence off, and stopping
 * them; killing every child process on exit, on a signal, on an error or at
 * a time limit; reading a process's RSS; a minimal RESP2 client; running
 * redis-benchmark.
 *
 * A server is { name: 'Sinew' | 'Redis', port, child, gc(), stderr() }.
 */
import { spawn, spawnSync } from 'node:child_process';
import net from 'node:net';
import os from 'node:os';
import { mkdtempSync, rmSync, readFileSync, existsSync, cpSync, symlinkSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
export const HOST = '127.0.0.1';

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// ---------------------------------------------------------------- processes

const children = new Set();
const tmpDirs = [];

/** Kills every child process still running and removes every temporary directory. */
export function cleanup() {
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

/**
 * Cleans up on exit, on SIGINT/SIGTERM/SIGHUP (exit 130), on an uncaught
 * exception (exit 1) and when the whole run passes `timeLimitMs` (exit 2).
 */
export function guardProcess(timeLimitMs) {
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
    process.stderr.write(`bench: time limit (${timeLimitMs / 60000} min) reached, aborting\n`);
    cleanup();
    process.exit(2);
  }, timeLimitMs);
  overall.unref();
}

/** Runs the script's main(); cleans up and exits (with process.exitCode, or 1 on an error). */
export function runMain(main) {
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
}

/** Kills `child` at cleanup if it is still running then. */
export function track(child) {
  children.add(child);
  child.on('exit', () => children.delete(child));
  return child;
}

/** A fresh temporary directory, removed at cleanup. */
export function tempDir(prefix) {
  const dir = mkdtempSync(join(os.tmpdir(), prefix));
  tmpDirs.push(dir);
  return dir;
}

export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.listen(0, HOST, () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

/** VmRSS of a process in bytes (NaN where /proc cannot be read). */
export function rssOf(pid) {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : NaN;
  } catch {
    return NaN;
  }
}

// ---------------------------------------------------------------- servers

// Sinew runs from a private copy of the build made at its first start, so
// that a rebuild of dist/ during the run (tsc in the same tree) cannot
// affect it.
let SNAPSHOT = null;

function snapshotBuild() {
  const snap = tempDir('sinew-bench-build-');
  cpSync(join(ROOT, 'dist', 'src'), join(snap, 'dist', 'src'), { recursive: true });
  cpSync(join(ROOT, 'bin'), join(snap, 'bin'), { recursive: true });
  cpSync(join(ROOT, 'package.json'), join(snap, 'package.json'));
  // Runtime dependencies resolve from the project's node_modules.
  if (existsSync(join(ROOT, 'node_modules'))) symlinkSync(join(ROOT, 'node_modules'), join(snap, 'node_modules'), 'dir');
  return snap;
}

/** The Node options the sinew-server command starts Node with (its first line, `#!/usr/bin/env -S node ...`). */
export function serverNodeOptions() {
  const first = readFileSync(join(ROOT, 'bin', 'sinew-server.js'), 'utf8').split('\n', 1)[0];
  const m = /^#!\S*env -S node(.*)$/.exec(first);
  return m ? m[1].trim().split(/\s+/).filter(Boolean) : [];
}

// Installed into the Sinew process with --import: SIGUSR2 runs full GCs and
// says so on stderr, so memory readings do not count garbage.
const GC_HOOK =
  'data:text/javascript,process.on("SIGUSR2",()=>{globalThis.gc();globalThis.gc();process.stderr.write("sinew-bench-gc-done\\n")})';

/** The directives both servers start with: loopback, the port, persistence off, a scratch directory. */
function serverArgs(kind, port) {
  return ['--port', String(port), '--bind', HOST, '--save', '', '--appendonly', 'no', '--dir', tempDir(`sinew-bench-${kind}-`), '--loglevel', 'warning'];
}

/** Spawns a server process, keeps the end of its stderr, waits until it answers PING. */
async function launch(name, port, command, argv, onStderr = () => {}) {
  const child = track(spawn(command, argv, { stdio: ['ignore', 'ignore', 'pipe'] }));
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (s) => {
    stderr += s;
    if (stderr.length > 100_000) stderr = stderr.slice(-50_000);
    onStderr(s);
  });
  child.on('error', (e) => (stderr += `${e.message}\n`));
  const srv = { name, port, child, async gc() {}, stderr: () => stderr };
  await waitReady(srv);
  return srv;
}

/**
 * Sinew as the sinew-server command starts it (with the Node options of its
 * first line), with `args` added. `gcHook`: Node runs with --expose-gc and
 * `srv.gc()` runs two full GCs in the server before it resolves.
 */
export async function startSinew({ args = [], gcHook = false } = {}) {
  SNAPSHOT ??= snapshotBuild();
  const port = await freePort();
  const gcWaiters = [];
  const node = gcHook ? ['--expose-gc', '--import', GC_HOOK] : [];
  const srv = await launch('Sinew', port, process.execPath, [...serverNodeOptions(), ...node, join(SNAPSHOT, 'bin', 'sinew-server.js'), ...serverArgs('sinew', port), ...args], (s) => {
    let n = s.split('sinew-bench-gc-done').length - 1;
    while (n-- > 0) gcWaiters.shift()?.();
  });
  if (gcHook) {
    srv.gc = async () => {
      const done = new Promise((resolve, reject) => {
        const t = setTimeout(() => reject(new Error('Sinew did not answer the GC signal')), 30_000);
        gcWaiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
      srv.child.kill('SIGUSR2');
      await done;
    };
  }
  return srv;
}

/**
 * Sinew embedded: a Node process that only calls startServer() of
 * dist/src/index.js (default configuration, no command-line Node options).
 */
export async function startEmbeddedSinew() {
  const entry = join(ROOT, 'dist', 'src', 'index.js');
  if (!existsSync(entry)) throw new Error('build first: npx tsc -p .');
  const port = await freePort();
  const code = `import(${JSON.stringify(entry)}).then((m) => m.startServer({ port: ${port}, bind: '${HOST}' }))`;
  return launch('Sinew', port, process.execPath, ['--input-type=module', '-e', code]);
}

/** A real redis-server, with `args` added. */
export async function startRedis({ args = [] } = {}) {
  const port = await freePort();
  return launch('Redis', port, 'redis-server', [...serverArgs('redis', port), '--daemonize', 'no', ...args]);
}

async function waitReady(srv) {
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (srv.child.exitCode !== null || srv.child.pid === undefined) throw new Error(`${srv.name} exited at start-up: ${srv.stderr()}`);
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

export async function stopServer(srv) {
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

export class ReplyError extends Error {}

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

export class Conn {
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

export async function withConn(srv, fn) {
  const c = await Conn.open(srv.port);
  try {
    return await fn(c);
  } finally {
    c.close();
  }
}

/** INFO text as { field: value }. */
export function parseInfo(text) {
  const out = {};
  for (const line of text.split('\r\n')) {
    const i = line.indexOf(':');
    if (i > 0 && !line.startsWith('#')) out[line.slice(0, i)] = line.slice(i + 1);
  }
  return out;
}

// ---------------------------------------------------------------- redis-benchmark

/**
 * Runs redis-benchmark --csv against HOST:port; resolves with its exit code,
 * stdout, stderr and wall time once it exits, rejects when it cannot start
 * or runs past `timeoutMs` (then it is killed).
 */
/** The machine a benchmark ran on, for its report (JSON field names kept by every script). */
export function machineInfo() {
  const cpus = os.cpus();
  return {
    cpus: cpus.length,
    cpuModel: cpus[0]?.model ?? 'unknown',
    memoryGiB: (os.totalmem() / 2 ** 30).toFixed(1),
    platform: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    redis: spawnSync('redis-server', ['--version'], { encoding: 'utf8' }).stdout.trim(),
    loadAverageAtStart: os.loadavg().map((x) => x.toFixed(2)).join(' '),
  };
}

/**
 * Watches a benchmark promise while other work runs beside it: `end` is
 * the time it settled (null while running), `error` its rejection (kept, so
 * it is not unhandled while the caller polls), `settled` its result or null.
 */
export function watchRun(promise) {
  const run = { end: null, error: null, settled: null };
  run.settled = promise.then(
    (b) => {
      run.end = performance.now();
      return b;
    },
    (e) => {
      run.error = e;
      run.end = performance.now();
      return null;
    },
  );
  return run;
}

export function redisBenchmark(port, benchArgs, timeoutMs) {
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
      resolve({ command: `redis-benchmark ${full.join(' ')}`, code, out, err, seconds: (Date.now() - started) / 1000 });
    });
  });
}
