// The Node.js side of "events between services" (ioredis):
// - a subscriber on the pattern predictions.ready.* that reacts to each event
// - a reliable-queue consumer: BLMOVE jobs:pending -> jobs:processing, work,
//   then acknowledge with LREM (a crashed consumer leaves the job in
//   jobs:processing, where it can be recovered)
//
// Usage: REDIS_URL=... node worker.mjs <expected-events> <expected-jobs>
// Prints "ready" once subscribed, then one JSON line when everything arrived.
import { Redis } from 'ioredis';

const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379/0';
const expectedEvents = Number(process.argv[2] ?? 10);
const expectedJobs = Number(process.argv[3] ?? 10);

const sub = new Redis(url);
const queue = new Redis(url);
const byModel = {};
let events = 0;
let jobs = 0;
let done = false;

sub.on('pmessage', (pattern, channel, message) => {
  const event = JSON.parse(message);
  byModel[event.model] = (byModel[event.model] ?? 0) + 1;
  events++;
  maybeFinish();
});

await sub.psubscribe('predictions.ready.*');
console.log('ready');

async function consume() {
  while (!done) {
    const job = await queue.blmove('jobs:pending', 'jobs:processing', 'RIGHT', 'LEFT', 1);
    if (job === null) continue;
    JSON.parse(job); // "process" it
    await queue.lrem('jobs:processing', 1, job); // acknowledge
    jobs++;
    maybeFinish();
  }
}

async function maybeFinish() {
  if (done || events < expectedEvents || jobs < expectedJobs) return;
  done = true;
  const leftInProcessing = await queue.llen('jobs:processing');
  console.log(JSON.stringify({ events, byModel, jobs, leftInProcessing }));
  sub.disconnect();
  queue.disconnect();
}

consume().catch((e) => {
  console.error(e);
  process.exit(1);
});
