#!/usr/bin/env node
// Runs one example end to end against a Sinew it starts on a free port:
//   npm run example -- cache-aside | celery | events | data-structures | stream-workers | bullmq
// With REDIS_URL set, uses that server instead of starting Sinew.
// Compiles the project first, unless dist/ is already newer than every source.
import { spawn, spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join, relative } from 'node:path';
import net from 'node:net';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const ex = join(root, 'examples');
const PY = '/usr/bin/python3';
const name = process.argv[2];

function freePort() {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

function start(cmd, args, opts = {}) {
  const p = spawn(cmd, args, { stdio: ['ignore', 'inherit', 'inherit'], ...opts, env: { ...process.env, ...opts.env } });
  return p;
}

/** SIGTERM, then waits for the process to be gone (SIGKILL after `ms`). */
function stop(p, ms = 30000) {
  return new Promise((resolve) => {
    if (p.exitCode !== null || p.signalCode !== null) return resolve();
    p.once('exit', () => resolve());
    p.kill('SIGTERM');
    setTimeout(() => p.kill('SIGKILL'), ms).unref();
  });
}

function runToEnd(cmd, args, opts = {}) {
  return new Promise((resolve, reject) => {
    const p = start(cmd, args, opts);
    p.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${cmd} ${args.join(' ')} exited with ${code}`))));
  });
}

async function waitHttp(url, ms = 20000) {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      /* not yet */
    }
    if (Date.now() > deadline) throw new Error(`${url} did not come up`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const examples = {
  async 'cache-aside'(url) {
    const port = await freePort();
    const api = start(PY, ['-m', 'uvicorn', 'app:app', '--port', String(port), '--log-level', 'warning'], { cwd: join(ex, 'cache-aside'), env: { REDIS_URL: url } });
    try {
      await waitHttp(`http://127.0.0.1:${port}/stats`);
      await runToEnd(PY, ['drive.py', `http://127.0.0.1:${port}`, '1000'], { cwd: join(ex, 'cache-aside') });
    } finally {
      await stop(api);
    }
  },
  async celery(url) {
    const env = { REDIS_URL: url, VISIBILITY_TIMEOUT: '3' };
    const cwd = join(ex, 'celery-tasks');
    const worker = start(PY, ['-m', 'celery', '-A', 'tasks', 'worker', '--concurrency=2', '--without-gossip', '--without-mingle', '--without-heartbeat', '--loglevel=WARNING'], { cwd, env });
    try {
      await runToEnd(PY, ['run.py', '100'], { cwd, env });
    } finally {
      // A worker shutting down can still have a BRPOP in flight: a message the
      // server hands it then is lost. redelivery.py must be the only consumer,
      // so it starts once this worker has exited.
      await stop(worker);
    }
    await runToEnd(PY, ['redelivery.py'], { cwd, env });
  },
  async events(url) {
    const env = { REDIS_URL: url };
    const worker = spawn(process.execPath, [join(ex, 'events', 'worker.mjs'), '20', '30'], { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, ...env } });
    await new Promise((resolve) => worker.stdout.once('data', resolve));
    worker.stdout.pipe(process.stdout);
    await runToEnd(PY, [join(ex, 'events', 'publisher.py'), '20', '30'], { env });
    await new Promise((resolve) => worker.on('exit', resolve));
  },
  async 'data-structures'(url) {
    await runToEnd(process.execPath, [join(ex, 'data-structures', 'index.mjs')], { env: { REDIS_URL: url } });
  },
  async 'stream-workers'(url) {
    const env = { REDIS_URL: url, CLAIM_IDLE_MS: '1000' };
    const worker = join(ex, 'stream-workers', 'worker.mjs');
    // A worker that takes 5 requests and dies without acknowledging them...
    const dead = spawn(process.execPath, [worker, 'worker-dead'], { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, ...env, DIE_AFTER: '5' } });
    await new Promise((resolve) => dead.stdout.once('data', resolve));
    dead.stdout.pipe(process.stdout);
    const producer = runToEnd(PY, [join(ex, 'stream-workers', 'producer.py'), '50'], { env });
    await new Promise((resolve) => dead.on('exit', resolve));
    // ...and one that answers the rest and claims the dead one's with XAUTOCLAIM.
    await Promise.all([producer, runToEnd(process.execPath, [worker, 'worker-1', '50'], { env })]);
  },
  async bullmq(url) {
    const env = { REDIS_URL: url };
    const dir = join(ex, 'bullmq');
    const worker = spawn(process.execPath, [join(dir, 'worker.mjs')], { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, ...env } });
    await new Promise((resolve) => worker.stdout.once('data', resolve));
    try {
      const events = spawn(process.execPath, [join(dir, 'events.mjs'), '107'], { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, ...env } });
      await new Promise((resolve) => events.stdout.once('data', resolve));
      events.stdout.pipe(process.stdout);
      await runToEnd(process.execPath, [join(dir, 'producer.mjs'), '100'], { env });
      await new Promise((resolve) => (events.exitCode !== null ? resolve() : events.on('exit', resolve)));
    } finally {
      await stop(worker);
    }
  },
};

if (!examples[name]) {
  console.error(`usage: npm run example -- ${Object.keys(examples).join(' | ')}`);
  process.exit(2);
}

/** Every file under dir (recursively) whose name ends with one of exts. */
function walk(dir, exts, out = []) {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) walk(p, exts, out);
    else if (exts.some((x) => e.name.endsWith(x)) && !e.name.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

function mtime(p) {
  try {
    return statSync(p).mtimeMs;
  } catch {
    return -1;
  }
}

/** The sources under src/ whose output in dist/src is missing or older than them (or than tsconfig.json). */
function staleSources() {
  const config = mtime(join(root, 'tsconfig.json'));
  return walk(join(root, 'src'), ['.ts', '.json']).filter((src) => {
    const out = join(root, 'dist', relative(root, src)).replace(/\.ts$/, '.js');
    const built = mtime(out);
    return built < 0 || built < mtime(src) || built < config;
  });
}

const stale = staleSources();
if (stale.length > 0) {
  console.error(`# compiling (${stale.length} changed source${stale.length === 1 ? '' : 's'}, e.g. ${relative(root, stale[0])})`);
  const tsc = spawnSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', root], { stdio: 'inherit' });
  if (tsc.status !== 0) process.exit(tsc.status ?? 1);
}

let server = null;
let url = process.env.REDIS_URL;
if (!url) {
  const { startServer } = await import(join(root, 'dist/src/index.js'));
  server = await startServer({ port: 0 });
  url = `${server.url}/0`;
  console.error(`# Sinew started at ${server.url}`);
}
try {
  await examples[name](url);
} finally {
  await server?.close();
}
process.exit(0);
