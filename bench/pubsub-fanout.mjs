#!/usr/bin/env node
/**
 * Pub/Sub fan-out benchmark: one publisher, 100 subscribers on one channel,
 * 64-byte messages. Reports messages delivered per second (sum over all
 * subscribers) for Sinew and for a real redis-server, and their ratio.
 *
 *   npx tsc -p . && node bench/pubsub-fanout.mjs [--seconds 3] [--subscribers 100]
 *
 * Sinew runs in its own process (dist/src/index.js startServer), redis-server
 * on a free loopback port with persistence off; both are killed on exit.
 * The publisher keeps a bounded window of pipelined PUBLISH commands in
 * flight. Subscribers count whole message frames by bytes (every frame has
 * the same size), so the client side stays cheap.
 */
import net from 'node:net';
import { HOST, guardProcess, startEmbeddedSinew, startRedis, stopServer } from './servers.mjs';

const args = process.argv.slice(2);
const opt = (name, def) => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : def;
};
const SECONDS = opt('--seconds', 3);
const SUBSCRIBERS = opt('--subscribers', 100);
const WINDOW = 64; // PUBLISH commands in flight
const CHANNEL = 'bench:fanout';
const PAYLOAD = 'm'.repeat(64);

guardProcess(120_000);

function connect(port) {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, HOST);
    s.setNoDelay(true);
    s.once('connect', () => resolve(s));
    s.once('error', reject);
  });
}

function cmd(...parts) {
  let out = `*${parts.length}\r\n`;
  for (const p of parts) out += `$${Buffer.byteLength(p)}\r\n${p}\r\n`;
  return out;
}

async function run(server) {
  const frame = Buffer.byteLength(cmd('message', CHANNEL, PAYLOAD)); // same bytes as the RESP2 message array
  const subConfirm = Buffer.byteLength(`*3\r\n$9\r\nsubscribe\r\n$${CHANNEL.length}\r\n${CHANNEL}\r\n:1\r\n`);
  let delivered = 0;
  let counting = false;
  const subs = [];
  for (let i = 0; i < SUBSCRIBERS; i++) {
    const s = await connect(server.port);
    let bytes = 0;
    await new Promise((resolve) => {
      s.on('data', (chunk) => {
        bytes += chunk.length;
        if (bytes >= subConfirm && resolve) {
          bytes -= subConfirm;
          resolve();
          resolve = null;
        }
        if (!counting) {
          bytes %= frame;
          return;
        }
        const n = Math.floor(bytes / frame);
        delivered += n;
        bytes -= n * frame;
      });
      s.write(cmd('SUBSCRIBE', CHANNEL));
    });
    subs.push(s);
  }
  const pub = await connect(server.port);
  const one = cmd('PUBLISH', CHANNEL, PAYLOAD);
  const replyLen = Buffer.byteLength(`:${SUBSCRIBERS}\r\n`);
  let inFlight = 0;
  let published = 0;
  let stop = false;
  let pending = 0;
  const pump = () => {
    if (stop) return;
    const room = WINDOW - inFlight;
    if (room <= 0) return;
    pub.write(one.repeat(room));
    inFlight += room;
    published += room;
  };
  pub.on('data', (chunk) => {
    pending += chunk.length;
    const n = Math.floor(pending / replyLen);
    pending -= n * replyLen;
    inFlight -= n;
    pump();
  });
  counting = true;
  const t0 = process.hrtime.bigint();
  pump();
  await new Promise((r) => setTimeout(r, SECONDS * 1000));
  stop = true;
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  const rate = delivered / secs;
  const expected = published * SUBSCRIBERS;
  for (const s of subs) s.destroy();
  pub.destroy();
  return { rate, delivered, published, expected, secs };
}

const results = {};
for (const [name, start] of [['sinew', startEmbeddedSinew], ['redis', startRedis]]) {
  let srv;
  try {
    srv = await start();
  } catch (e) {
    console.error(`${start.name}: ${e.message}`);
    continue;
  }
  const r = await run(srv);
  await stopServer(srv);
  results[name] = r;
  console.log(
    `${name.padEnd(6)} ${Math.round(r.rate).toLocaleString('en-US').padStart(12)} messages delivered/s ` +
      `(${SUBSCRIBERS} subscribers, 64-byte messages, ${r.published.toLocaleString('en-US')} published in ${r.secs.toFixed(2)}s)`,
  );
}
if (results.sinew && results.redis) {
  console.log(`ratio  sinew/redis = ${(results.sinew.rate / results.redis.rate).toFixed(2)}`);
}
process.exit(0);
