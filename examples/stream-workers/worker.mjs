// The Node.js side of "stream workers" (node-redis): a consumer in the group
// inference-workers of the stream inference:requests.
// - reads new requests with XREADGROUP ... BLOCK, answers each one on the
//   stream inference:results and acknowledges it (XADD + XACK in one MULTI)
// - every CLAIM_IDLE_MS / 2, takes over with XAUTOCLAIM the requests another
//   consumer has held unacknowledged for CLAIM_IDLE_MS (a consumer that died),
//   and answers those too
// - before it exits, removes consumers that hold nothing (XGROUP DELCONSUMER)
//
// Usage: REDIS_URL=... node worker.mjs <consumer-name> [<requests to answer, 0 = until SIGTERM>]
// With DIE_AFTER=k it reads k requests, then exits without acknowledging them
// (a worker that crashes mid-batch). Prints "ready" once the group exists,
// then one JSON line when it is done.
import { createClient } from 'redis';

const REQUESTS = 'inference:requests';
const RESULTS = 'inference:results';
const GROUP = 'inference-workers';
const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379/0';
const consumer = process.argv[2] ?? `worker-${process.pid}`;
const expected = Number(process.argv[3] ?? 0);
const dieAfter = Number(process.env.DIE_AFTER ?? 0);
const claimIdleMs = Number(process.env.CLAIM_IDLE_MS ?? 5000);

const c = createClient({ url });
c.on('error', (e) => console.error(`redis: ${e.message}`));
await c.connect();
try {
  // From the start of the stream: requests sent before any worker ran are served too.
  await c.xGroupCreate(REQUESTS, GROUP, '0', { MKSTREAM: true });
} catch (e) {
  if (!/BUSYGROUP/.test(e.message)) throw e;
}
console.log('ready');

if (dieAfter > 0) {
  const held = [];
  while (held.length < dieAfter) {
    const reply = await c.xReadGroup(GROUP, consumer, { key: REQUESTS, id: '>' }, { COUNT: dieAfter - held.length, BLOCK: 0 });
    for (const m of reply?.[0]?.messages ?? []) held.push(m.id);
  }
  console.log(JSON.stringify({ consumer, died_holding: held.length }));
  process.exit(0); // no XACK: the requests stay pending for this consumer
}

let stopping = false;
process.on('SIGTERM', () => (stopping = true));

function infer(message) {
  // Stands in for a model: a label derived from the input.
  return `${message.model}:${message.input.split('').reverse().join('')}`;
}

let answered = 0;
let claimed = 0;

async function answer(messages, via) {
  for (const m of messages) {
    if (m === null) continue; // deleted from the stream while pending
    await c
      .multi()
      .xAdd(RESULTS, '*', { request_id: m.message.request_id, label: infer(m.message), worker: consumer, via }, { TRIM: { strategy: 'MAXLEN', strategyModifier: '~', threshold: 10000 } })
      .xAck(REQUESTS, GROUP, m.id)
      .exec();
    answered++;
  }
}

let lastClaim = 0;
while (!stopping && (expected === 0 || answered < expected)) {
  if (Date.now() - lastClaim >= claimIdleMs / 2) {
    lastClaim = Date.now();
    let cursor = '0-0';
    do {
      const r = await c.xAutoClaim(REQUESTS, GROUP, consumer, claimIdleMs, cursor, { COUNT: 50 });
      cursor = r.nextId;
      const msgs = r.messages.filter((m) => m !== null);
      claimed += msgs.length;
      await answer(msgs, 'claimed');
    } while (cursor !== '0-0');
  }
  const reply = await c.xReadGroup(GROUP, consumer, { key: REQUESTS, id: '>' }, { COUNT: 10, BLOCK: 200 });
  if (reply) await answer(reply[0].messages, 'read');
}

const removedConsumers = [];
for (const other of await c.xInfoConsumers(REQUESTS, GROUP)) {
  if (other.name !== consumer && other.pending === 0) {
    await c.xGroupDelConsumer(REQUESTS, GROUP, other.name);
    removedConsumers.push(other.name);
  }
}
const pending = await c.xPending(REQUESTS, GROUP);
console.log(JSON.stringify({ consumer, answered, claimed, pending: pending.pending, removedConsumers }));
c.destroy();
