// A dashboard of the BullMQ example: QueueEvents on the thumbnails queue (a
// blocking XREAD on BullMQ's events stream) counts the jobs that completed
// and the ones that failed for good.
//
// Usage: REDIS_URL=... node events.mjs <jobs to wait for>
// Prints "ready", then one JSON line once that many jobs have finished.
import { QueueEvents } from 'bullmq';

const url = new URL(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379/0');
const connection = { host: url.hostname, port: Number(url.port || 6379), db: Number(url.pathname.slice(1) || 0) };
const expected = Number(process.argv[2] ?? 10);

const events = new QueueEvents('thumbnails', { connection });
const completed = new Set();
const failed = new Map();
let retried = 0;

function maybeDone() {
  if (completed.size + failed.size < expected) return;
  console.log(JSON.stringify({ completed: completed.size, failed: failed.size, failedReasons: [...new Set(failed.values())], retried }));
  events.close().then(() => process.exit(0));
}
events.on('completed', ({ jobId }) => {
  completed.add(jobId);
  maybeDone();
});
events.on('failed', ({ jobId, failedReason, prev }) => {
  // A failed attempt that will be retried goes back to "delayed"/"waiting";
  // only the last one leaves the job in "failed".
  if (prev === 'active') failed.set(jobId, failedReason);
  maybeDone();
});
events.on('retries-exhausted', () => {});
events.on('delayed', () => retried++);
await events.waitUntilReady();
console.log('ready');
