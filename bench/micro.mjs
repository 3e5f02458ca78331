// Per-command CPU micro-benchmark: a Server with 50 fake connections fed
// pipelined RESP buffers of 16 commands, shaped as redis-benchmark -d 64
// -r 100000 sends them; CPU time (process.cpuUsage) per command.
// Usage (after `npx tsc -p .`): node bench/micro.mjs [COMMAND ...]
import { createServer } from '../dist/src/compose.js';
import { EventEmitter } from 'node:events';

class Fake extends EventEmitter { writableLength = 0; write() { return true; } cork() {} uncork() {} end() {} destroy() {} pause() {} resume() {} }
const server = createServer({ quiet: true });
const clients = [];
for (let i = 0; i < 50; i++) clients.push(server.attach(new Fake()));

const V = 'x'.repeat(64);
let seed = 12345;
function rnd() { seed = (seed * 1103515245 + 12345) & 0x7fffffff; return seed; }
const ri = () => String(rnd() % 100000).padStart(12, '0');
const resp = (args) => { let s = `*${args.length}\r\n`; for (const a of args) s += `$${a.length}\r\n${a}\r\n`; return s; };

const N = 16 * 12500; // commands per round
const tests = {
  SET: { cmd: () => ['SET', 'key:' + ri(), V] },
  GET: { cmd: () => ['GET', 'key:' + ri()], once: () => run(() => ['SET', 'key:' + ri(), V], N) },
  INCR: { cmd: () => ['INCR', 'counter:' + ri()] },
  MSET: { cmd: () => { const a = ['MSET']; for (let i = 0; i < 10; i++) a.push('key:{tag}:' + ri(), V); return a; } },
  LPUSH: { cmd: () => ['LPUSH', 'mylist', V], before: () => run(() => ['DEL', 'mylist'], 16) },
  RPUSH: { cmd: () => ['RPUSH', 'mylist', V], before: () => run(() => ['DEL', 'mylist'], 16) },
  LPOP: { cmd: () => ['LPOP', 'mylist'], before: () => run(() => ['LPUSH', 'mylist', V], N) },
  RPOP: { cmd: () => ['RPOP', 'mylist'], before: () => run(() => ['LPUSH', 'mylist', V], N) },
  SADD: { cmd: () => ['SADD', 'myset', 'element:' + ri()] },
  SPOP: { cmd: () => ['SPOP', 'myset'], before: () => { run(() => ['DEL', 'myset'], 16); run(() => ['SADD', 'myset', 'element:' + String(rnd()).padStart(12, '0')], N); } },
  HSET: { cmd: () => ['HSET', 'myhash', 'element:' + ri(), V] },
  ZADD: { cmd: () => ['ZADD', 'myzset', ri(), 'element:' + ri()] },
  ZRANGE: { cmd: () => ['ZRANGE', 'myzset', '0', '99'], once: () => run(() => ['ZADD', 'myzset', ri(), 'element:' + ri()], N) },
  ZPOPMIN: { cmd: () => ['ZPOPMIN', 'myzset'], before: () => { run(() => ['DEL', 'myzset'], 16); run(() => ['ZADD', 'myzset', String(rnd() % 100000), 'element:' + String(rnd()).padStart(12, '0')], N); } },
  LRANGE_100: { cmd: () => ['LRANGE', 'mylist', '0', '99'], once: () => { run(() => ['DEL', 'mylist'], 16); run(() => ['LPUSH', 'mylist', V], 608); } },
};

function chunksOf(gen, n) {
  const out = [];
  for (let j = 0; j < n / 16; j++) { let s = ''; for (let i = 0; i < 16; i++) s += resp(gen()); out.push(Buffer.from(s, 'latin1')); }
  return out;
}
function run(gen, n) { const ch = chunksOf(gen, n); for (let i = 0; i < ch.length; i++) clients[i % 50].onData(ch[i]); }

const names = process.argv.length > 2 ? process.argv.slice(2).map((s) => s.toUpperCase()) : Object.keys(tests);
for (const name of names) {
  const t = tests[name];
  if (!t) { console.error('unknown test', name); continue; }
  run(() => ['FLUSHALL'], 16);
  if (t.once) t.once();
  const chunks = chunksOf(t.cmd, N);
  let best = Infinity;
  for (let r = 0; r < 5; r++) {
    if (t.before) t.before();
    const c0 = process.cpuUsage();
    for (let i = 0; i < chunks.length; i++) clients[i % 50].onData(chunks[i]);
    const cu = process.cpuUsage(c0);
    const ns = ((cu.user + cu.system) * 1000) / N;
    if (ns < best) best = ns;
  }
  console.log(name.padEnd(11), best.toFixed(0).padStart(6), 'ns/cmd');
}
await new Promise((r) => setTimeout(r, 10));
process.exit(0);
