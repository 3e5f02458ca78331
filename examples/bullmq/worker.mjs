// The worker of the BullMQ example: makes "thumbnails" (queue thumbnails,
// concurrency 5) and assembles "albums" from their thumbnails (queue albums,
// the parents of a flow). A corrupt image fails every attempt; a flaky one
// fails its first attempt and succeeds on a retry.
//
// Usage: REDIS_URL=... node worker.mjs   (runs until SIGTERM; prints "ready")
import { Worker } from 'bullmq';

const url = new URL(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379/0');
const connection = { host: url.hostname, port: Number(url.port || 6379), db: Number(url.pathname.slice(1) || 0), maxRetriesPerRequest: null };
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const thumbnails = new Worker(
  'thumbnails',
  async (job) => {
    const { image, corrupt, flaky } = job.data;
    await sleep(5); // the "resize"
    if (corrupt) throw new Error(`cannot decode ${image}`);
    if (flaky && job.attemptsMade === 0) throw new Error('storage timeout');
    return { thumbnail: `${image}@128px`, attempt: job.attemptsMade + 1 };
  },
  { connection, concurrency: 5 },
);

const albums = new Worker(
  'albums',
  async (job) => {
    const children = await job.getChildrenValues();
    return { album: job.data.name, thumbnails: Object.values(children).map((v) => v.thumbnail).sort() };
  },
  { connection },
);

await Promise.all([thumbnails.waitUntilReady(), albums.waitUntilReady()]);
console.log('ready');

process.on('SIGTERM', async () => {
  await Promise.all([thumbnails.close(), albums.close()]);
  process.exit(0);
});
