#!/usr/bin/env node
/**
 * BullMQ jobs per second on Sinew and on redis-server in the same run:
 * `node bench/bullmq.mjs` (after `npx tsc -p .`; `npm run bench` runs it last).
 *
 * Starts Sinew (bin/sinew-server.js, its own process) and a real
 * redis-server, each on a free loopback port with persistence off. Against
 * each, from this process: a Queue adds JOBS jobs with one addBulk (one Lua
 * script call per job, in a MULTI), while a Worker (concurrency 10, a no-op
 * async processor) processes them; timed from the addBulk call until the
 * worker has completed the last one. Reports the add rate (jobs/s of the
 * addBulk alone) and the end-to-end rate (jobs added and completed per
 * second). A fresh queue name per run; REPEAT runs per server, alternating
 * which server goes first; the best run counts.
 *
 * Options: --jobs N (default 1000), --repeat N (default 3), --concurrency N
 * (default 10), --json FILE.
 *
 * The client side (BullMQ, ioredis) runs in this single Node process for
 * both servers, so the figures include its cost; the ratio compares servers.
 */
import { writeFileSync } from 'node:fs';
import { Queue, Worker } from 'bullmq';
import { guardProcess, runMain, startSinew, startRedis, stopServer, HOST } from './servers.mjs';

const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : dflt;
};
const JOBS = opt('--jobs', 1000);
const REPEAT = Math.max(1, opt('--repeat', 3));
const CONCURRENCY = opt('--concurrency', 10);
const jsonIdx = args.indexOf('--json');
const JSON_OUT = jsonIdx >= 0 ? args[jsonIdx + 1] : null;

guardProcess(10 * 60 * 1000);

let seq = 0;

async function once(srv) {
  const connection = { host: HOST, port: srv.port, maxRetriesPerRequest: null };
  const name = `bench-${process.pid}-${++seq}`;
  const queue = new Queue(name, { connection });
  let done = 0;
  let finish;
  const finished = new Promise((r) => (finish = r));
  const worker = new Worker(name, async () => 1, { connection, concurrency: CONCURRENCY, autorun: false });
  worker.on('completed', () => {
    if (++done === JOBS) finish();
  });
  worker.on('failed', (job, err) => {
    throw new Error(`${srv.name}: job ${job?.id} failed: ${err.message}`);
  });
  await Promise.all([queue.waitUntilReady(), worker.waitUntilReady()]);
  const jobs = Array.from({ length: JOBS }, (_, i) => ({ name: 'job', data: { i, payload: 'x'.repeat(32) } }));
  void worker.run();
  const t0 = performance.now();
  await queue.addBulk(jobs);
  const added = performance.now();
  const timeout = setTimeout(() => finish(new Error('timeout')), 120_000);
  const r = await finished;
  clearTimeout(timeout);
  if (r instanceof Error) throw new Error(`${srv.name}: ${done} of ${JOBS} jobs completed within 120 s`);
  const end = performance.now();
  const counts = await queue.getJobCounts('completed', 'failed', 'waiting', 'active');
  if (counts.completed !== JOBS) throw new Error(`${srv.name}: ${JSON.stringify(counts)}`);
  await worker.close();
  await queue.obliterate({ force: true });
  await queue.close();
  return { addPerSec: JOBS / ((added - t0) / 1000), endToEndPerSec: JOBS / ((end - t0) / 1000), seconds: (end - t0) / 1000 };
}

function log(s) {
  process.stderr.write(`${s}\n`);
}
const fmt = (x) => Math.round(x).toLocaleString('en-US');

async function main() {
  const sinew = await startSinew();
  const redis = await startRedis();
  try {
    log(`BullMQ: ${JOBS} jobs (addBulk), a Worker with concurrency ${CONCURRENCY}; Sinew on :${sinew.port}, Redis on :${redis.port}`);
    // A warm-up run each (JIT, script cache), not counted.
    await once(sinew);
    await once(redis);
    const runs = { Sinew: [], Redis: [] };
    for (let k = 0; k < REPEAT; k++) {
      for (const srv of k % 2 === 0 ? [sinew, redis] : [redis, sinew]) {
        const r = await once(srv);
        runs[srv.name].push(r);
        log(`  ${srv.name}: add ${fmt(r.addPerSec)} jobs/s, add + process ${fmt(r.endToEndPerSec)} jobs/s (${r.seconds.toFixed(2)} s)`);
      }
    }
    const best = (rs) => rs.reduce((a, b) => (b.endToEndPerSec > a.endToEndPerSec ? b : a));
    const s = best(runs.Sinew);
    const r = best(runs.Redis);
    const lines = [
      `BullMQ ${JOBS} jobs, concurrency ${CONCURRENCY}, best of ${REPEAT}:`,
      `| server | add jobs/s | add + process jobs/s |`,
      `|--------|------------|----------------------|`,
      `| Sinew  | ${fmt(s.addPerSec)} | ${fmt(s.endToEndPerSec)} |`,
      `| Redis  | ${fmt(r.addPerSec)} | ${fmt(r.endToEndPerSec)} |`,
      `Sinew/Redis (add + process): ${(s.endToEndPerSec / r.endToEndPerSec).toFixed(2)}`,
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
    if (JSON_OUT) writeFileSync(JSON_OUT, `${JSON.stringify({ jobs: JOBS, concurrency: CONCURRENCY, repeat: REPEAT, runs, sinew: s, redis: r }, null, 2)}\n`);
  } finally {
    await stopServer(sinew);
    await stopServer(redis);
  }
}

runMain(main);
