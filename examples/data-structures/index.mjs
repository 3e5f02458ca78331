// Data structures in practice, with node-redis over RESP3:
// - a leaderboard (sorted set): score increments, top-N, a user's rank
// - online sensor nodes (set + expiring heartbeat keys)
// - user profiles (hashes)
// - a priority task queue (sorted set: ZPOPMIN, and BZPOPMIN for a waiting worker)
//
// Usage: REDIS_URL=... node index.mjs   (prints one JSON object)
import { createClient } from 'redis';

const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379/0';
const client = createClient({ url, RESP: 3 });
client.on('error', (e) => console.error('redis error', e.message));
await client.connect();
const out = {};

// Leaderboard
await client.del('leaderboard');
const players = { ada: 120, bob: 80, cyd: 200, dee: 150, eve: 95 };
for (const [name, score] of Object.entries(players)) await client.zAdd('leaderboard', { score, value: name });
await client.zIncrBy('leaderboard', 100, 'bob');
out.top3 = await client.zRangeWithScores('leaderboard', 0, 2, { REV: true });
out.bobRank = await client.zRevRank('leaderboard', 'bob');
out.bobScore = await client.zScore('leaderboard', 'bob');

// Online sensors: a set of known nodes, each alive while its heartbeat key lives
await client.del('sensors');
for (const id of ['s1', 's2', 's3']) {
  await client.sAdd('sensors', id);
  await client.set(`heartbeat:${id}`, String(Date.now()), { PX: id === 's3' ? 150 : 60000 });
}
await new Promise((r) => setTimeout(r, 300));
const online = [];
for (const id of (await client.sMembers('sensors')).sort()) {
  if ((await client.exists(`heartbeat:${id}`)) === 1) online.push(id);
  else await client.sRem('sensors', id); // a node that stopped beating is removed
}
out.online = online;
out.sensorCount = await client.sCard('sensors');

// Profiles
await client.hSet('user:42', { name: 'Ada', city: 'London', visits: '0' });
await client.hIncrBy('user:42', 'visits', 3);
out.profile = await client.hGetAll('user:42');

// Priority queue: lower score = more urgent
await client.del('tasks');
await client.zAdd('tasks', [
  { score: 5, value: 'resize-thumbnails' },
  { score: 1, value: 'page-oncall' },
  { score: 3, value: 'retrain-model' },
]);
out.firstTask = await client.zPopMin('tasks');
// A worker waiting on an empty queue gets the next task as soon as it is added.
await client.del('urgent');
const waiter = client.duplicate();
await waiter.connect();
const waiting = waiter.bzPopMin('urgent', 5);
await new Promise((r) => setTimeout(r, 100));
await client.zAdd('urgent', { score: 0, value: 'restart-service' });
out.waitedTask = await waiting;
out.remaining = await client.zRange('tasks', 0, -1);
await waiter.quit();

console.log(JSON.stringify(out));
await client.quit();
