#!/usr/bin/env node
// Runs one example end to end against a Sinew it starts on a free port:
//   npm run example -- cache-aside | celery | events | data-structures
// With REDIS_URL set, uses that server instead of starting Sinew.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
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
      api.kill('SIGTERM');
    }
  },
  async celery(url) {
    const env = { REDIS_URL: url, VISIBILITY_TIMEOUT: '3' };
    const cwd = join(ex, 'celery-tasks');
    const worker = start(PY, ['-m', 'celery', '-A', 'tasks', 'worker', '--concurrency=2', '--without-gossip', '--without-mingle', '--without-heartbeat', '--loglevel=WARNING'], { cwd, env });
    try {
      await runToEnd(PY, ['run.py', '100'], { cwd, env });
    } finally {
      worker.kill('SIGTERM');
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
};

if (!examples[name]) {
  console.error(`usage: npm run example -- ${Object.keys(examples).join(' | ')}`);
  process.exit(2);
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
