/**
 * The examples in examples/ run end to end against a server started here
 * (Sinew by default; INTEROP_TARGET=redis runs the same against redis-server).
 * Assertions are on what the examples printed.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { useTarget, pythonSkipReason, run, daemon, PYTHON } from '../helpers/target.js';
import { freePort } from '../helpers/servers.js';
import { missingCommands } from '../helpers/both.js';

const ROOT = join(fileURLToPath(import.meta.url), '../../../..');
const EX = join(ROOT, 'examples');

function lastJson(out: string): Record<string, unknown> {
  const lines = out.trim().split('\n');
  return JSON.parse(lines[lines.length - 1]) as Record<string, unknown>;
}

describe('example: cache-aside API (FastAPI + redis.asyncio)', () => {
  const skip = pythonSkipReason(['redis', 'fastapi', 'uvicorn', 'httpx']);
  const target = useTarget(skip);

  it('misses then hits, invalidates on update, runs the slow path once under a stampede, survives a restart', async (t) => {
    if (skip) return t.skip(skip);
    const port = await freePort();
    const api = daemon(PYTHON, ['-m', 'uvicorn', 'app:app', '--port', String(port), '--log-level', 'warning'], {
      cwd: join(EX, 'cache-aside'),
      env: { REDIS_URL: target.url, POOL_SIZE: '10', INFERENCE_SECONDS: '0.3' },
    });
    try {
      // uvicorn logs to stderr; poll the port instead
      const base = `http://127.0.0.1:${port}`;
      const deadline = Date.now() + 20000;
      for (;;) {
        try {
          const r = await fetch(`${base}/stats`);
          if (r.ok) break;
        } catch {
          /* not up yet */
        }
        if (Date.now() > deadline) throw new Error(`API did not start: ${api.stderr()}`);
        await new Promise((r) => setTimeout(r, 100));
      }
      const out = lastJson(await run(PYTHON, [join(EX, 'cache-aside', 'drive.py'), base, '1000'], { timeoutMs: 120000 }));
      t.diagnostic(`cache-aside on ${target.name}: ${JSON.stringify(out)}`);
      assert.equal(out.first_cached, false);
      assert.ok((out.miss_ms as number) >= 300, 'the first request ran the slow inference');
      assert.equal(out.second_cached, true);
      assert.ok((out.hit_ms as number) < 300, 'the second request was served from the cache');
      assert.equal(out.invalidated, 1);
      assert.equal(out.after_update_cached, false);
      assert.equal(out.after_update_label, 'label-cat-v2');
      assert.equal(out.stampede_requests_ok, 100, 'with 10 connections, 100 concurrent requests all succeed');
      assert.equal(out.stampede_inference_runs, 1, 'the slow path ran once for 100 concurrent misses');
      assert.equal(out.hit_requests, 1000);

      // The data store restarts: the service reconnects by itself.
      await target.restart();
      const res = await fetch(`${base}/predict/cat`);
      assert.equal(res.status, 200);
      const body = (await res.json()) as { cached: boolean; label: string };
      assert.equal(body.cached, false, 'the restarted store is empty, so this is a miss');
      const again = (await (await fetch(`${base}/predict/cat`)).json()) as { cached: boolean };
      assert.equal(again.cached, true);
    } finally {
      await api.stop();
    }
  });
});

describe('example: background tasks (Celery)', () => {
  const skip = pythonSkipReason(['redis', 'celery']);
  const target = useTarget(skip);

  it('runs 100 tasks, a group, a chord, retries and a countdown; the worker recovers from a restart', async (t) => {
    if (skip) return t.skip(skip);
    const env = { REDIS_URL: target.url };
    const worker = daemon(PYTHON, ['-m', 'celery', '-A', 'tasks', 'worker', '--concurrency=2', '--without-gossip', '--without-mingle', '--without-heartbeat', '--loglevel=INFO'], {
      cwd: join(EX, 'celery-tasks'),
      env,
    });
    try {
      const out = lastJson(await run(PYTHON, ['run.py', '100'], { cwd: join(EX, 'celery-tasks'), env, timeoutMs: 240000 }));
      t.diagnostic(`celery on ${target.name}: ${JSON.stringify(out)}`);
      assert.equal(out.tasks_done, 100);
      assert.deepEqual(out.group, [0, 2, 4, 6, 8, 10, 12, 14, 16, 18]);
      assert.equal(out.chord, 55);
      assert.equal(out.retry_attempts, 3, 'two failures, then the third attempt succeeded');
      assert.equal(out.countdown_result, 42);
      assert.ok((out.countdown_s as number) >= 1.4, 'the countdown was honoured');

      // The store restarts under a running worker: it reconnects and keeps working.
      await target.restart();
      await new Promise((r) => setTimeout(r, 1500));
      const again = lastJson(await run(PYTHON, ['run.py', '5'], { cwd: join(EX, 'celery-tasks'), env, timeoutMs: 180000 }));
      assert.equal(again.tasks_done, 5);
    } finally {
      await worker.stop();
    }
  });

  it('redelivers a task whose worker was killed, after the visibility timeout (acks_late)', async (t) => {
    if (skip) return t.skip(skip);
    const out = lastJson(
      await run(PYTHON, ['redelivery.py'], { cwd: join(EX, 'celery-tasks'), env: { REDIS_URL: target.url, VISIBILITY_TIMEOUT: '3' }, timeoutMs: 180000 }),
    );
    t.diagnostic(`redelivery on ${target.name}: ${JSON.stringify(out)}`);
    assert.equal(out.killed_mid_task, true);
    assert.deepEqual((out.result as { starts: number }).starts, 2, 'the task ran a second time');
    assert.ok((out.redelivered_after_s as number) >= 2, 'not before the visibility timeout');
  });
});

describe('example: events between services (Python -> Node.js)', () => {
  const skip = pythonSkipReason(['redis']);
  const target = useTarget(skip);

  it('pattern subscriber gets every event; the reliable queue consumer acknowledges every job', async (t) => {
    if (skip) return t.skip(skip);
    const env = { REDIS_URL: target.url };
    const worker = daemon(process.execPath, [join(EX, 'events', 'worker.mjs'), '20', '30'], { env });
    try {
      await worker.waitLine(/^ready$/);
      const pub = lastJson(await run(PYTHON, [join(EX, 'events', 'publisher.py'), '20', '30'], { env }));
      assert.equal(pub.published, 20);
      assert.equal(pub.min_receivers, 1, 'every event reached the subscriber');
      const line = await worker.waitLine(/^\{/);
      const res = JSON.parse(line) as { events: number; byModel: Record<string, number>; jobs: number; leftInProcessing: number };
      assert.equal(res.events, 20);
      assert.deepEqual(res.byModel, { vision: 10, speech: 10 });
      assert.equal(res.jobs, 30);
      assert.equal(res.leftInProcessing, 0);
    } finally {
      await worker.stop();
    }
  });
});

describe('example: data structures (node-redis, RESP3)', () => {
  const target = useTarget();

  it('leaderboard, sensors, profiles and a priority queue', async () => {
    const out = lastJson(await run(process.execPath, [join(EX, 'data-structures', 'index.mjs')], { env: { REDIS_URL: target.url } }));
    assert.deepEqual(out.top3, [
      { value: 'cyd', score: 200 },
      { value: 'bob', score: 180 },
      { value: 'dee', score: 150 },
    ]);
    assert.equal(out.bobRank, 1);
    assert.equal(out.bobScore, 180);
    assert.deepEqual(out.online, ['s1', 's2']);
    assert.equal(out.sensorCount, 2);
    assert.deepEqual(out.profile, { name: 'Ada', city: 'London', visits: '3' });
    assert.deepEqual(out.firstTask, { value: 'page-oncall', score: 1 });
    assert.deepEqual(out.waitedTask, { key: 'urgent', value: 'restart-service', score: 0 });
    assert.deepEqual(out.remaining, ['retrain-model', 'resize-thumbnails']);
  });
});

/** Why the example cannot run on the target yet (commands it lacks), or false; printed when true. */
async function lacking(t: { diagnostic(s: string): void }, port: number, names: string[]): Promise<string | false> {
  const missing = await missingCommands(port, names);
  if (missing.length === 0) return false;
  const why = `the server does not implement ${missing.map((m) => m.toUpperCase()).join(', ')} yet`;
  process.stderr.write(`# SKIP: ${why}\n`);
  return why;
}

describe('example: stream workers (Python producer -> Node.js consumer group)', () => {
  const skip = pythonSkipReason(['redis']);
  const target = useTarget(skip);

  it('a worker dies holding 5 requests; another answers all 50, claiming those with XAUTOCLAIM', async (t) => {
    if (skip) return t.skip(skip);
    const why = await lacking(t, target.port, ['xadd', 'xread', 'xreadgroup', 'xack', 'xautoclaim', 'xgroup', 'xinfo', 'xpending']);
    if (why) return t.skip(why);
    const env = { REDIS_URL: target.url, CLAIM_IDLE_MS: '500' };
    const worker = join(EX, 'stream-workers', 'worker.mjs');
    const dead = daemon(process.execPath, [worker, 'worker-dead'], { env: { ...env, DIE_AFTER: '5' } });
    let live: ReturnType<typeof daemon> | null = null;
    try {
      await dead.waitLine(/^ready$/);
      const producer = run(PYTHON, [join(EX, 'stream-workers', 'producer.py'), '50'], { env, timeoutMs: 90000 });
      const died = JSON.parse(await dead.waitLine(/^\{/)) as { died_holding: number };
      assert.equal(died.died_holding, 5);
      live = daemon(process.execPath, [worker, 'worker-live', '50'], { env });
      const p = lastJson(await producer);
      const w = JSON.parse(await live.waitLine(/^\{/)) as Record<string, unknown>;
      t.diagnostic(`stream-workers on ${target.name}: producer ${JSON.stringify(p)}, worker ${JSON.stringify(w)}`);
      assert.equal(p.sent, 50);
      assert.equal(p.results, 50, 'one answer per request');
      assert.equal(p.distinct, 50);
      assert.deepEqual(p.by_worker, { 'worker-live': 50 });
      assert.deepEqual(p.via, { claimed: 5, read: 45 });
      assert.equal(w.answered, 50);
      assert.equal(w.claimed, 5);
      assert.equal(w.pending, 0);
      assert.deepEqual(w.removedConsumers, ['worker-dead']);
    } finally {
      await dead.stop();
      await live?.stop();
    }
  });
});

describe('example: BullMQ (producer, worker, events)', () => {
  const target = useTarget();

  it('100 jobs, a delayed, an urgent, a flaky and a corrupt one, and a flow; the events process sees them all finish', async (t) => {
    const why = await lacking(t, target.port, ['xadd', 'xread', 'xtrim']);
    if (why) return t.skip(why);
    const env = { REDIS_URL: target.url };
    const dir = join(EX, 'bullmq');
    const worker = daemon(process.execPath, [join(dir, 'worker.mjs')], { env });
    const events = daemon(process.execPath, [join(dir, 'events.mjs'), '107'], { env });
    try {
      await worker.waitLine(/^ready$/);
      await events.waitLine(/^ready$/);
      const out = lastJson(await run(process.execPath, [join(dir, 'producer.mjs'), '100'], { env, timeoutMs: 120000 }));
      t.diagnostic(`bullmq on ${target.name}: ${JSON.stringify(out)}`);
      assert.deepEqual(out.enqueued, { thumbnails: 107, albums: 1 });
      assert.equal(out.bulkDone, 100);
      assert.equal(out.delayedDone, 'scheduled.jpg@128px');
      assert.ok((out.delayedAfterMs as number) >= 500, 'the delay was honoured');
      assert.deepEqual(out.flaky, { thumbnail: 'flaky.jpg@128px', attempt: 2 });
      assert.equal(out.corruptError, 'cannot decode corrupt.jpg');
      assert.deepEqual(out.album, { album: 'holidays', thumbnails: ['beach.jpg@128px', 'city.jpg@128px', 'hills.jpg@128px'] });
      assert.deepEqual(out.counts, { completed: 106, failed: 1, waiting: 0, active: 0, delayed: 0 });
      const ev = JSON.parse(await events.waitLine(/^\{/)) as Record<string, unknown>;
      assert.equal(ev.completed, 106);
      assert.equal(ev.failed, 1);
      assert.deepEqual(ev.failedReasons, ['cannot decode corrupt.jpg']);
    } finally {
      await events.stop();
      await worker.stop();
    }
  });
});
