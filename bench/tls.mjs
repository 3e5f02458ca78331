#!/usr/bin/env node
/**
 * TLS benchmark, Sinew vs redis-server 7.0 side by side in one run:
 * `node bench/tls.mjs [--quick] [--repeat R] [--run-seconds S] [--json FILE]`
 * (part of `npm run bench`).
 *
 * The openssl command makes a CA, a server certificate for 127.0.0.1 and a
 * client certificate (EC P-256) in a temporary directory. Both servers start
 * with the same settings: a plain port (only to check they are up), and
 * `--tls-port <free port> --tls-cert-file --tls-key-file --tls-ca-cert-file`
 * (tls-auth-clients stays yes: redis-benchmark presents the client
 * certificate; every other tls-* directive at its default). Then
 * redis-benchmark --tls --cacert --cert --key -c 50 -d 64 -r 100000 runs
 * SET and GET at -P 1 and -P 16 against each server's TLS port in turn; -n is
 * sized from a short probe so that the slower server's run lasts about
 * --run-seconds; --repeat runs per server, alternating which goes first, the
 * best counting (the machine is shared). Prints requests/s and the ratio
 * Sinew/Redis.
 *
 * Options: --quick (smoke run: 0.3 s runs, 1 repeat); --repeat R (default
 * 3); --run-seconds S (default 2.5); --json FILE (results as JSON).
 *
 * Loopback only; every server and redis-benchmark process is killed, and
 * the temporary directories removed, on exit, on a signal, on an error and
 * at the time limit.
 */
import { spawnSync } from 'node:child_process';
import os from 'node:os';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, guardProcess, runMain, tempDir, startSinew, startRedis, stopServer, withConn, freePort, redisBenchmark } from './servers.mjs';

const args = process.argv.slice(2);
const flag = (name, dflt) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : dflt;
};
const QUICK = args.includes('--quick');
const REPEAT = Math.max(1, Number(flag('--repeat', QUICK ? '1' : '3')));
const RUN_SECONDS = Number(flag('--run-seconds', QUICK ? '0.3' : '2.5'));
if (!(RUN_SECONDS > 0)) throw new Error('--run-seconds must be a positive number');
const JSON_OUT = flag('--json', null);
const COMMAND_LINE = `node bench/tls.mjs ${args.join(' ')}`.trim();

const COMMON = ['-c', '50', '-d', '64', '-r', '100000'];
const TESTS = ['SET', 'GET'];
const PIPELINES = [1, 16];
const RUN_TIMEOUT_MS = 120_000;

guardProcess(15 * 60 * 1000);

const log = (s) => process.stderr.write(`${s}\n`);
const fmtInt = (x) => Math.round(x).toLocaleString('en-US');

/** The certificates (EC P-256: quick to make), in a directory removed at the end. */
function makeCerts() {
  const dir = tempDir('sinew-bench-tls-');
  const p = (name) => join(dir, name);
  const ssl = (...a) => {
    const r = spawnSync('openssl', a, { cwd: dir, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`openssl ${a.join(' ')}: ${r.stderr}`);
  };
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  writeFileSync(p('san.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
  ssl('req', '-x509', ...ec, '-keyout', p('ca.key'), '-out', p('ca.crt'), '-days', '2', '-subj', '/CN=Sinew bench CA');
  for (const [name, ext] of [['server', ['-extfile', p('san.ext')]], ['client', []]]) {
    ssl('req', ...ec, '-keyout', p(`${name}.key`), '-out', p(`${name}.csr`), '-subj', `/CN=${name}`);
    ssl('x509', '-req', '-in', p(`${name}.csr`), '-CA', p('ca.crt'), '-CAkey', p('ca.key'), '-CAcreateserial', '-out', p(`${name}.crt`), '-days', '2', ...ext);
  }
  return { ca: p('ca.crt'), cert: p('server.crt'), key: p('server.key'), clientCert: p('client.crt'), clientKey: p('client.key') };
}

/** Starts a server with TLS on a free port; checks the settings took (CONFIG GET). */
async function startTls(start, certs) {
  const tlsPort = await freePort();
  const srv = await start({ args: ['--tls-port', String(tlsPort), '--tls-cert-file', certs.cert, '--tls-key-file', certs.key, '--tls-ca-cert-file', certs.ca] });
  srv.tlsPort = tlsPort;
  const got = await withConn(srv, (c) => c.call(['CONFIG', 'GET', 'tls-port']));
  if (got[1] !== String(tlsPort)) throw new Error(`${srv.name}: tls-port is ${got[1]}, not ${tlsPort}`);
  return srv;
}

/** One redis-benchmark run over TLS: requests per second. */
async function measure(srv, certs, test, n, pipeline) {
  const tls = ['--tls', '--cacert', certs.ca, '--cert', certs.clientCert, '--key', certs.clientKey];
  const r = await redisBenchmark(srv.tlsPort, [...tls, '-n', String(n), '-P', String(pipeline), ...COMMON, '-t', test.toLowerCase()], RUN_TIMEOUT_MS);
  if (r.code !== 0) throw new Error(`${r.command} exited ${r.code}: ${r.err}${r.out}`);
  const m = new RegExp(`^"${test}","([0-9.]+)"`, 'm').exec(r.out);
  if (m === null || !(Number(m[1]) > 0)) throw new Error(`no ${test} result from ${srv.name}: ${r.err}${r.out}`);
  return Number(m[1]);
}

function roundN(x) {
  const v = Math.max(2000, Math.min(5_000_000, x));
  const mag = 10 ** Math.max(3, Math.floor(Math.log10(v)) - 1);
  return Math.round(v / mag) * mag;
}

function table(header, rows) {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (cells) => `| ${cells.map((c, i) => String(c).padEnd(widths[i])).join(' | ')} |`;
  return [line(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)].join('\n');
}

async function main() {
  if (!existsSync(join(ROOT, 'dist', 'src', 'cli', 'main.js'))) throw new Error('dist/ is missing: run `npx tsc -p .` first (npm run bench does)');
  for (const [bin, arg] of [['redis-server', '--version'], ['redis-benchmark', '--version'], ['openssl', 'version']]) {
    if (spawnSync(bin, [arg]).status !== 0) throw new Error(`${bin} is not installed`);
  }
  const started = Date.now();
  const cpus = os.cpus();
  const machine = `${cpus.length} CPUs (${cpus[0]?.model ?? 'unknown'}), ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB RAM; node ${process.version}; ${spawnSync('redis-server', ['--version'], { encoding: 'utf8' }).stdout.trim()}; ${spawnSync('openssl', ['version'], { encoding: 'utf8' }).stdout.trim()}`;
  log(`machine: ${machine}`);
  const certs = makeCerts();
  const sinew = await startTls(startSinew, certs);
  const redis = await startTls(startRedis, certs);
  log(`TLS: Sinew on :${sinew.tlsPort}, Redis on :${redis.tlsPort}`);
  const results = [];
  try {
    for (const pipeline of PIPELINES) {
      for (const test of TESTS) {
        const probeN = pipeline === 1 ? 5000 : 20000;
        const probe = Math.min(await measure(sinew, certs, test, probeN, pipeline), await measure(redis, certs, test, probeN, pipeline));
        const n = roundN(probe * RUN_SECONDS);
        const sRuns = [];
        const rRuns = [];
        for (let k = 0; k < REPEAT; k++) {
          const order = k % 2 === 0 ? [[sinew, sRuns], [redis, rRuns]] : [[redis, rRuns], [sinew, sRuns]];
          for (const [srv, runs] of order) runs.push(await measure(srv, certs, test, n, pipeline));
        }
        const s = Math.max(...sRuns);
        const r = Math.max(...rRuns);
        results.push({ test, pipeline, n, sinew: s, redis: r, ratio: s / r, sinewRuns: sRuns, redisRuns: rRuns });
        log(`  ${test} -P ${pipeline} -n ${n}: Sinew ${fmtInt(s)}/s, Redis ${fmtInt(r)}/s, ratio ${(s / r).toFixed(2)}`);
      }
    }
  } finally {
    await stopServer(sinew);
    await stopServer(redis);
  }
  const seconds = (Date.now() - started) / 1000;
  const lines = [
    `Sinew vs Redis over TLS, ${new Date().toISOString()}`,
    `machine: ${machine}`,
    `command: ${COMMAND_LINE}`,
    '',
    `redis-benchmark --tls --cacert --cert --key ${COMMON.join(' ')} -t set|get -P 1|16, -n sized for ~${RUN_SECONDS} s per run, best of ${REPEAT} alternating runs`,
    table(
      ['test', 'pipeline', '-n', 'Sinew req/s', 'Redis req/s', 'Sinew/Redis'],
      results.map((x) => [x.test, x.pipeline, x.n, fmtInt(x.sinew), fmtInt(x.redis), x.ratio.toFixed(2)]),
    ),
    '',
    `total time: ${seconds.toFixed(0)} s`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  if (JSON_OUT) writeFileSync(JSON_OUT, `${JSON.stringify({ machine, command: COMMAND_LINE, runSeconds: RUN_SECONDS, repeat: REPEAT, results, seconds }, null, 2)}\n`);
}

runMain(main);
