import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { startServer } from '../../src/index.js';
import { RawClient } from '../helpers/raw-client.js';
import { useSinew, withSinew } from '../helpers/suite.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

describe('diagnostics', () => {
  const { server: s, client: c } = useSinew({ 'enable-debug-command': 'yes' });

  it('DEBUG is refused unless enable-debug-command allows it; "local" allows loopback', async () => {
    const off = await startServer({ port: 0 });
    const local = await startServer({ port: 0, 'enable-debug-command': 'local' });
    try {
      const a = await RawClient.connect(off.port);
      assert.equal(
        await a.raw('DEBUG', 'SLEEP', '0'),
        '-ERR DEBUG command not allowed. If the enable-debug-command option is set to "local", you can run it from a local connection, otherwise you need to set this option in the configuration file, and then restart the server.\r\n',
      );
      a.close();
      const b = await RawClient.connect(local.port);
      assert.equal(await b.raw('DEBUG', 'SLEEP', '0'), '+OK\r\n');
      b.close();
    } finally {
      await off.close();
      await local.close();
    }
  });

  it('DEBUG SET-ACTIVE-EXPIRE switches the active expiry cycle', async () => {
    assert.equal(await c.raw('DEBUG', 'SET-ACTIVE-EXPIRE', '0'), '+OK\r\n');
    assert.equal(s.server.keyspace.activeExpireEnabled, false);
    await c.raw('SET', 'tmp', 'v', 'PX', '1');
    await new Promise((r) => setTimeout(r, 250));
    // not reclaimed in the background while disabled (reads would expire it lazily)
    assert.equal(s.server.keyspace.dbs[0].dict.has('tmp'), true);
    assert.equal(await c.raw('DEBUG', 'SET-ACTIVE-EXPIRE', '1'), '+OK\r\n');
    assert.equal(s.server.keyspace.activeExpireEnabled, true);
    await c.raw('DEL', 'tmp');
  });

  it('DEBUG DIGEST: zeros for an empty dataset, changes with data, back to zeros', async () => {
    await c.raw('FLUSHALL');
    assert.equal(await c.raw('DEBUG', 'DIGEST'), '+' + '0'.repeat(40) + '\r\n');
    await c.raw('SET', 'a', '1');
    const d1 = await c.raw('DEBUG', 'DIGEST');
    assert.match(d1, /^\+[0-9a-f]{40}\r\n$/);
    assert.notEqual(d1, '+' + '0'.repeat(40) + '\r\n');
    await c.raw('SET', 'a', '2');
    assert.notEqual(await c.raw('DEBUG', 'DIGEST'), d1);
    await c.raw('SET', 'a', '1');
    assert.equal(await c.raw('DEBUG', 'DIGEST'), d1);
    await c.raw('FLUSHALL');
    assert.equal(await c.raw('DEBUG', 'DIGEST'), '+' + '0'.repeat(40) + '\r\n');
  });

  it('MEMORY USAGE: an estimate that grows with the value, null for a missing key', async () => {
    await c.raw('FLUSHALL');
    assert.equal(await c.raw('MEMORY', 'USAGE', 'nokey'), '$-1\r\n');
    await c.raw('SET', 'small', 'x');
    await c.raw('SET', 'big', 'x'.repeat(10000));
    const small = Number(await c.call('MEMORY', 'USAGE', 'small'));
    const big = Number(await c.call('MEMORY', 'USAGE', 'big'));
    assert.ok(small > 0 && small < 200, `small: ${small}`);
    assert.ok(big >= 10000 && big < 10300, `big: ${big}`);
    await c.raw('RPUSH', 'l', ...Array.from({ length: 100 }, (_, i) => `element-${i}`));
    const all = Number(await c.call('MEMORY', 'USAGE', 'l', 'SAMPLES', '0'));
    const five = Number(await c.call('MEMORY', 'USAGE', 'l'));
    assert.ok(all > 100 * 16, `list: ${all}`);
    assert.ok(Math.abs(all - five) < all / 2, `sampled ${five} vs all ${all}`);
    await c.raw('EXPIRE', 'small', '100');
    assert.ok(Number(await c.call('MEMORY', 'USAGE', 'small')) > small);
    await c.raw('FLUSHALL');
  });

  it('SLOWLOG: argv trimmed to 32 args and 128 bytes, ids grow, max-len trims, reset', async () => {
    await c.raw('SLOWLOG', 'RESET');
    await c.raw('CLIENT', 'SETNAME', 'diag');
    await c.raw('CONFIG', 'SET', 'slowlog-log-slower-than', '0');
    await c.raw('SET', 'k', 'v'.repeat(300));
    await c.raw('DEL', ...Array.from({ length: 50 }, (_, i) => `k${i}`));
    await c.raw('CONFIG', 'SET', 'slowlog-log-slower-than', '-1');
    const entries = (await c.call('SLOWLOG', 'GET', '-1')) as unknown[][];
    assert.equal(entries.length, 3);
    const [del, set, cfg] = entries;
    assert.equal((del[3] as unknown[]).length, 32);
    assert.equal(String((del[3] as unknown[])[31]), '... (20 more arguments)');
    assert.equal(String((set[3] as unknown[])[2]), 'v'.repeat(128) + '... (172 more bytes)');
    assert.deepEqual((cfg[3] as unknown[]).map(String), ['CONFIG', 'SET', 'slowlog-log-slower-than', '0']);
    assert.ok(Number(del[0]) > Number(set[0]) && Number(set[0]) > Number(cfg[0]));
    assert.match(String(del[4]), /^127\.0\.0\.1:\d+$/);
    assert.equal(String(del[5]), 'diag');
    assert.ok(Math.abs(Number(del[1]) - Date.now() / 1000) < 10);
    assert.equal(await c.raw('CONFIG', 'SET', 'slowlog-max-len', '1'), '+OK\r\n');
    assert.equal(await c.raw('SLOWLOG', 'LEN'), ':1\r\n');
    await c.raw('CONFIG', 'SET', 'slowlog-max-len', '128');
    assert.equal(await c.raw('SLOWLOG', 'RESET'), '+OK\r\n');
    assert.equal(await c.raw('SLOWLOG', 'LEN'), ':0\r\n');
    await c.raw('CONFIG', 'SET', 'slowlog-log-slower-than', '10000');
  });

  it('LATENCY: the dispatcher records events above latency-monitor-threshold', async () => {
    await c.raw('LATENCY', 'RESET');
    assert.match(await c.raw('LATENCY', 'DOCTOR'), /Latency monitoring is disabled/);
    await c.raw('CONFIG', 'SET', 'latency-monitor-threshold', '5');
    await c.raw('DEBUG', 'SLEEP', '0.02');
    await c.raw('PING');
    const latest = (await c.call('LATENCY', 'LATEST')) as unknown[][];
    assert.equal(latest.length, 1);
    assert.equal(String(latest[0][0]), 'command');
    assert.ok(Number(latest[0][2]) >= 15 && Number(latest[0][3]) >= 15);
    const hist = (await c.call('LATENCY', 'HISTORY', 'command')) as unknown[][];
    assert.equal(hist.length, 1);
    assert.match(await c.raw('LATENCY', 'GRAPH', 'command'), /^\$\d+\r\ncommand - high \d+ ms, low \d+ ms \(all time high \d+ ms\)\n-{80}\n/);
    assert.match(await c.raw('LATENCY', 'DOCTOR'), /1\. command: 1 latency spikes/);
    const histogram = await c.raw('LATENCY', 'HISTOGRAM', 'debug');
    assert.match(histogram, /^\*2\r\n\$5\r\ndebug\r\n\*4\r\n\$5\r\ncalls\r\n:\d+\r\n\$14\r\nhistogram_usec\r\n\*\d+\r\n(:\d+\r\n:\d+\r\n)+$/);
    assert.equal(await c.raw('LATENCY', 'RESET', 'command', 'nosuch'), ':1\r\n');
    assert.equal(await c.raw('LATENCY', 'LATEST'), '*0\r\n');
    await c.raw('CONFIG', 'SET', 'latency-monitor-threshold', '0');
  });

  it('LATENCY GRAPH draws Redis sparkline: fill characters, vertical age labels', async () => {
    const lat = s.server.latency;
    lat.reset();
    const now = Math.floor(Date.now() / 1000);
    lat.events.set('test-event', {
      samples: [
        { time: now - 2, latency: 10 },
        { time: now - 1, latency: 20 },
        { time: now, latency: 40 },
      ],
      max: 50,
    });
    const g = String(await c.call('LATENCY', 'GRAPH', 'test-event'));
    // labels are ages in seconds: allow the clock to tick once while the test runs
    const expected = (d: number) =>
      'test-event - high 40 ms, low 10 ms (all time high 50 ms)\n' +
      '-'.repeat(80) + '\n' +
      `  #\n  |\n o|\n_||\n   \n${2 + d}${1 + d}${d}\nsss\n`;
    assert.ok(g === expected(0) || g === expected(1), g);
    lat.reset();
  });

  it('latency histograms: HDR-like buckets, percentiles, LATENCY HISTOGRAM walk', async () => {
    const { LatencyHistogram } = await import('../../src/server/monitoring.js');
    assert.equal(LatencyHistogram.highest(3000), 3007);
    assert.equal(LatencyHistogram.highest(200), 200);
    assert.equal(LatencyHistogram.highest(1024 * 1024), 1056767);
    const h = new LatencyHistogram();
    for (const ns of [1500, 1600, 3000, 40000, 2000000]) h.record(ns);
    assert.equal(h.total, 5);
    assert.equal(h.valueAtPercentile(50), LatencyHistogram.highest(3000));
    assert.equal(h.valueAtPercentile(100), LatencyHistogram.highest(2000000));
    // (usec, cumulative) at 1024 ns * 2^k, highest equivalent value, only where the count grows
    assert.deepEqual(h.logBuckets(), [
      [2, 2],
      [4, 3],
      [66, 4],
      [2113, 5],
    ]);
    await c.raw('CONFIG', 'RESETSTAT');
    await c.raw('PING');
    await c.raw('PING');
    const r = (await c.call('LATENCY', 'HISTOGRAM', 'ping')) as unknown[];
    assert.equal(String(r[0]), 'ping');
    assert.equal(Number((r[1] as unknown[])[1]), 2);
    assert.match(String(await c.call('INFO', 'latencystats')), /latency_percentiles_usec_ping:p50=\d+\.\d{3},p99=\d+\.\d{3},p99\.9=\d+\.\d{3}\r\n/);
    await c.raw('CONFIG', 'SET', 'latency-tracking', 'no');
    await c.raw('CONFIG', 'RESETSTAT');
    await c.raw('PING');
    assert.equal(await c.raw('LATENCY', 'HISTOGRAM', 'ping'), '*0\r\n');
    await c.raw('CONFIG', 'SET', 'latency-tracking', 'yes');
  });

  it('DEBUG CHANGE-REPL-ID changes master_replid', async () => {
    const before = s.server.replId;
    assert.equal(await c.raw('DEBUG', 'CHANGE-REPL-ID'), '+OK\r\n');
    assert.notEqual(s.server.replId, before);
    assert.match(s.server.replId, /^[0-9a-f]{40}$/);
  });

  it('DEBUG PAUSE-CRON stops the periodic work until resumed; subcommands for internals Sinew lacks are refused', async () => {
    assert.equal(await c.raw('DEBUG', 'PAUSE-CRON', '1'), '+OK\r\n');
    const loops = s.server.cronLoops;
    await new Promise((r) => setTimeout(r, 250));
    assert.equal(s.server.cronLoops, loops, 'the cron ran while paused');
    assert.equal(await c.raw('DEBUG', 'PAUSE-CRON', '0'), '+OK\r\n');
    await new Promise((r) => setTimeout(r, 250));
    assert.ok(s.server.cronLoops > loops, 'the cron resumed');
    for (const [sub, ...rest] of [['QUICKLIST-PACKED-THRESHOLD', '100'], ['SET-SKIP-CHECKSUM-VALIDATION', '1'], ['REPLYBUFFER', 'RESIZING', '0'], ['AOF-FLUSH-SLEEP', '10']]) {
      assert.equal(await c.raw('DEBUG', sub.toLowerCase(), ...rest), `-ERR DEBUG ${sub} is not supported by Sinew\r\n`);
    }
  });

  it('DEBUG RELOAD refuses unknown options as Redis (its save and load: test/commands/rdb.test.ts)', async () => {
    assert.equal(await c.raw('DEBUG', 'RELOAD', 'bogus'), '-ERR DEBUG RELOAD only supports the MERGE, NOFLUSH and NOSAVE options.\r\n');
  });

  it('docs/COMPATIBILITY.md is up to date (npm run gen:compat)', async () => {
    const mod = (await import(pathToFileURL(`${ROOT}scripts/gen-compat.mjs`).href)) as { render(): Promise<string> };
    const fresh = await mod.render();
    const onDisk = readFileSync(`${ROOT}docs/COMPATIBILITY.md`, 'utf8');
    assert.equal(onDisk, fresh, 'docs/COMPATIBILITY.md is stale: run `npm run gen:compat`');
    assert.match(fresh, /\| CONFIG GET \| yes \|/);
    assert.match(fresh, /\*\*Total: \d+ of \d+ supported\.\*\*/);
  });
});

describe('metrics snapshot', () => {
  it('INFO is rendered from the same name/value pairs any other consumer reads', async () => {
    const { metricsSection } = await import('../../src/metrics/metrics.js');
    await withSinew({}, async (s, c) => {
      await c.call('SET', 'k', 'v');
      for (const name of ['server', 'clients', 'memory', 'stats', 'keyspace', 'commandstats', 'errorstats']) {
        const sec = metricsSection(s.server, name)!;
        const text = String(await c.call('INFO', name));
        const lines = text.split('\r\n').filter((l) => l !== '' && !l.startsWith('#'));
        assert.equal(lines.length, sec.metrics.length, `${name}: same number of fields`);
        // names in order; values equal except those that move between two reads (times, memory, counters of this very command)
        assert.deepEqual(lines.map((l) => l.slice(0, l.indexOf(':'))), sec.metrics.map(([k]) => k));
      }
      const ks = metricsSection(s.server, 'keyspace')!;
      assert.deepEqual(ks.metrics, [['db0', 'keys=1,expires=0,avg_ttl=0']]);
      assert.equal(metricsSection(s.server, 'nosuch'), null);
    });
  });
});
