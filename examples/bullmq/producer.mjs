// The producer of the BullMQ example: enqueues <n> thumbnail jobs at once,
// a delayed one, an urgent one (priority 1), a flaky one (3 attempts,
// exponential backoff), a corrupt one that fails for good, and a flow (an
// album parent with three thumbnail children); waits for every one of them
// and prints one JSON summary line.
//
// Usage: REDIS_URL=... node producer.mjs <n>
import { Queue, QueueEvents, FlowProducer } from 'bullmq';

const url = new URL(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379/0');
const connection = { host: url.hostname, port: Number(url.port || 6379), db: Number(url.pathname.slice(1) || 0) };
const n = Number(process.argv[2] ?? 100);

const queue = new Queue('thumbnails', { connection, defaultJobOptions: { removeOnComplete: 1000, removeOnFail: 1000 } });
const events = new QueueEvents('thumbnails', { connection });
const flows = new FlowProducer({ connection });
// Each job.waitUntilFinished() listens on the queue while it waits: n of them at once.
queue.setMaxListeners(n + 20);
await events.waitUntilReady();

const t0 = Date.now();
const bulk = await queue.addBulk(Array.from({ length: n }, (_, i) => ({ name: 'resize', data: { image: `photo-${i}.jpg` } })));
const delayed = await queue.add('resize', { image: 'scheduled.jpg' }, { delay: 500 });
const urgent = await queue.add('resize', { image: 'urgent.jpg' }, { priority: 1 });
const flaky = await queue.add('resize', { image: 'flaky.jpg', flaky: true }, { attempts: 3, backoff: { type: 'exponential', delay: 100 } });
const corrupt = await queue.add('resize', { image: 'corrupt.jpg', corrupt: true }, { attempts: 2, backoff: 50 });
const album = await flows.add({
  name: 'album',
  queueName: 'albums',
  data: { name: 'holidays' },
  children: ['beach', 'hills', 'city'].map((p) => ({ name: 'resize', queueName: 'thumbnails', data: { image: `${p}.jpg` } })),
});

const results = await Promise.all(bulk.map((j) => j.waitUntilFinished(events, 60000)));
const delayedResult = await delayed.waitUntilFinished(events, 60000);
const delayedAfterMs = Date.now() - t0;
await urgent.waitUntilFinished(events, 60000);
const flakyResult = await flaky.waitUntilFinished(events, 60000);
let corruptError = null;
try {
  await corrupt.waitUntilFinished(events, 60000);
} catch (e) {
  corruptError = e.message;
}
// The parent runs once all its children are done.
let albumResult = null;
const albumQueue = new Queue('albums', { connection });
for (const deadline = Date.now() + 30000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 50))) {
  const state = await album.job.getState();
  if (state === 'completed') {
    albumResult = (await albumQueue.getJob(album.job.id)).returnvalue;
    break;
  }
}
console.log(
  JSON.stringify({
    enqueued: { thumbnails: n + 4 + 3, albums: 1 },
    bulkDone: results.filter((r) => r && r.thumbnail).length,
    delayedDone: delayedResult.thumbnail,
    delayedAfterMs,
    flaky: flakyResult,
    corruptError,
    album: albumResult,
    seconds: (Date.now() - t0) / 1000,
    counts: await queue.getJobCounts('completed', 'failed', 'waiting', 'active', 'delayed'),
  }),
);
await Promise.all([queue.close(), albumQueue.close(), events.close(), flows.close()]);
