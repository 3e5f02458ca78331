#!/usr/bin/env node
/**
 * What the permission check costs: `node bench/acl.mjs [--quick] [--repeat R]
 * [--run-seconds S]` (part of `npm run bench`).
 *
 * Sinew and redis-server, each on a free loopback port with persistence
 * off, get the same ACL user `bench` (`on >pw ~key:* resetchannels +@all
 * -@dangerous`: key patterns and a command bitmap to check, not the
 * unrestricted fast path). redis-benchmark -t set,get -c 50 -d 64 -r 100000
 * (keys key:NNNNNNNNNNNN, which the pattern allows) at -P 1 and -P 16, once
 * as the default user and once as `bench` (--user bench -a pw), -n sized so
 * that a run lasts about --run-seconds; --repeat runs each, alternating the
 * order, best counts. Prints req/s and the ratio user/default on each server
 * (target for Sinew: >= 0.95), and Sinew/Redis for each user.
 *
 * Loopback only; servers and redis-benchmark are killed on exit.
 */
import { guardProcess, runMain, startSinew, startRedis, stopServer, withConn, redisBenchmark } from './servers.mjs';

const args = process.argv.slice(2);
const QUICK = args.includes('--quick');
const opt = (name, dflt) => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : dflt;
};
const REPEAT = Math.max(1, opt('--repeat', QUICK ? 1 : 3));
const RUN_SECONDS = opt('--run-seconds', QUICK ? 0.5 : 2.5);
const RULES = ['on', '>pw', '~key:*', 'resetchannels', '+@all', '-@dangerous'];

function rps(out) {
  const line = out.trim().split('\n').pop() ?? '';
  const m = /^"[^"]*","([\d.]+)"/.exec(line);
  return m ? Number(m[1]) : NaN;
}

async function once(port, test, pipeline, n, user) {
  const auth = user ? ['--user', 'bench', '-a', 'pw'] : [];
  const r = await redisBenchmark(port, [...auth, '-t', test, '-c', '50', '-d', '64', '-r', '100000', '-P', String(pipeline), '-n', String(n), '-q'], 120_000);
  const v = rps(r.out);
  if (!Number.isFinite(v)) throw new Error(`no result from ${r.command}: ${r.out}${r.err}`);
  return v;
}

runMain(async () => {
  guardProcess(20 * 60 * 1000);
  const servers = [
    { name: 'Sinew', srv: await startSinew({ args: ['--save', ''] }) },
    { name: 'Redis', srv: await startRedis({ args: ['--save', ''] }) },
  ];
  try {
    for (const s of servers) {
      await withConn(s.srv, async (c) => {
        await c.call(['ACL', 'SETUSER', 'bench', ...RULES]);
      });
    }
    const results = [];
    for (const test of ['set', 'get']) {
      for (const pipeline of [1, 16]) {
        // size -n from a short probe on Sinew as the default user
        const probeN = pipeline === 1 ? 20_000 : 200_000;
        const probe = await once(servers[0].srv.port, test, pipeline, probeN, false);
        const n = Math.max(probeN, Math.round(probe * RUN_SECONDS));
        const best = {};
        for (let r = 0; r < REPEAT; r++) {
          const order = r % 2 === 0 ? [false, true] : [true, false];
          for (const s of servers) {
            for (const user of order) {
              const k = `${s.name}/${user ? 'bench' : 'default'}`;
              best[k] = Math.max(best[k] ?? 0, await once(s.srv.port, test, pipeline, n, user));
            }
          }
        }
        results.push({ test, pipeline, best });
      }
    }
    console.log('\nPermission check cost: redis-benchmark -c 50 -d 64 -r 100000, best of ' + REPEAT + ' (req/s)');
    console.log('test      P   Sinew default  Sinew bench  user/default   Redis default  Redis bench  user/default   Sinew/Redis (bench)');
    for (const { test, pipeline, best } of results) {
      const sd = best['Sinew/default'];
      const sb = best['Sinew/bench'];
      const rd = best['Redis/default'];
      const rb = best['Redis/bench'];
      console.log(
        `${test.toUpperCase().padEnd(8)} ${String(pipeline).padStart(2)} ${sd.toFixed(0).padStart(14)} ${sb.toFixed(0).padStart(12)} ${(sb / sd).toFixed(2).padStart(13)}x ` +
          `${rd.toFixed(0).padStart(15)} ${rb.toFixed(0).padStart(12)} ${(rb / rd).toFixed(2).padStart(13)}x ${(sb / rb).toFixed(2).padStart(20)}x`,
      );
    }
    console.log('Target: Sinew user/default >= 0.95x.');
  } finally {
    for (const s of servers) await stopServer(s.srv);
  }
});
