/**
 * Interop with Redis's own command-line tools: redis-cli (arguments, raw and
 * --no-raw formatting, RESP3, sessions through stdin, -x, --scan, INFO,
 * --pipe, --bigkeys) and a redis-benchmark smoke run.
 *
 * Each redis-cli run goes to an in-process Sinew and, when redis-server is
 * installed, to a real redis-server too: the two outputs must be identical.
 * Literal expectations make the tests meaningful without the oracle as well.
 * Child processes are spawned asynchronously: the server shares this event loop.
 */
import { describe, it, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { startServer, type RunningServer } from '../../src/index.js';
import { redisOracle, oracleSkipReason, type OracleServer } from '../helpers/servers.js';

const haveCli = spawnSync('redis-cli', ['--version']).status === 0;
const haveBenchmark = spawnSync('redis-benchmark', ['--version']).status === 0;

interface RunResult {
  stdout: Buffer;
  stderr: string;
  code: number | null;
}

function run(bin: string, args: string[], input?: string | Buffer, timeoutMs = 20_000): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, { stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let err = '';
    child.stdout?.on('data', (b: Buffer) => out.push(b));
    child.stderr?.on('data', (b: Buffer) => (err += b.toString('latin1')));
    const t = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${bin} ${args.join(' ')}: timed out after ${timeoutMs} ms`));
    }, timeoutMs);
    child.on('error', (e) => {
      clearTimeout(t);
      reject(e);
    });
    child.on('close', (code) => {
      clearTimeout(t);
      resolve({ stdout: Buffer.concat(out), stderr: err, code });
    });
    if (input !== undefined && child.stdin) {
      child.stdin.on('error', () => {});
      child.stdin.end(typeof input === 'string' ? Buffer.from(input, 'latin1') : input);
    }
  });
}

describe('redis-cli and redis-benchmark against Sinew', { skip: haveCli ? false : 'redis-cli not installed' }, () => {
  let s: RunningServer;
  let oracle: OracleServer | null = null;

  before(async () => {
    s = await startServer({ port: 0 });
    if (oracleSkipReason() === false) oracle = await redisOracle();
  });
  after(async () => {
    await s.close();
    await oracle?.close();
  });
  beforeEach(async () => {
    await cliBoth(['FLUSHALL']);
  });

  /** Runs redis-cli with `args` on both servers; asserts identical stdout; returns Sinew's. */
  async function cliBoth(args: string[], input?: string | Buffer, transform: (s: string) => string = (x) => x): Promise<string> {
    const mine = await run('redis-cli', ['-p', String(s.port), ...args], input);
    // redis-cli --pipe exits 1 when some replies were errors.
    const okCode = args.includes('--pipe') ? mine.code === 0 || mine.code === 1 : mine.code === 0;
    assert.ok(okCode, `redis-cli ${args.join(' ')} exited ${mine.code}: ${mine.stderr}`);
    const got = transform(mine.stdout.toString('latin1'));
    if (oracle) {
      const theirs = await run('redis-cli', ['-p', String(oracle.port), ...args], input);
      assert.equal(got, transform(theirs.stdout.toString('latin1')), `redis-cli ${args.join(' ')} output differs from redis-server's`);
      assert.equal(mine.code, theirs.code, 'exit status');
    }
    return got;
  }

  it('commands as arguments: raw output when stdout is not a terminal', async () => {
    assert.equal(await cliBoth(['SET', 'k', 'v']), 'OK\n');
    assert.equal(await cliBoth(['GET', 'k']), 'v\n');
    assert.equal(await cliBoth(['GET', 'nokey']), '\n');
    assert.equal(await cliBoth(['INCR', 'n']), '1\n');
    assert.equal(await cliBoth(['MGET', 'k', 'nokey', 'n']), 'v\n\n1\n');
    assert.match(await cliBoth(['INCR', 'k']), /^ERR value is not an integer or out of range\n/);
    assert.match(await cliBoth(['NOSUCH', 'x']), /^ERR unknown command 'NOSUCH', with args beginning with: 'x' \n/);
    assert.equal(await cliBoth(['-n', '3', 'SET', 'in3', 'x']), 'OK\n');
    assert.equal(await cliBoth(['-n', '3', 'DBSIZE']), '1\n');
    assert.equal(await cliBoth(['-r', '3', 'INCR', 'rep']), '1\n2\n3\n');
    assert.equal(await cliBoth(['SET', 'a b', 'c d\xe9']), 'OK\n');
    assert.equal(await cliBoth(['STRLEN', 'a b']), '5\n'); // the argument is UTF-8 encoded: é is 2 bytes
  });

  it('--no-raw formatting of every reply type', async () => {
    await cliBoth(['SET', 'k', 'v']);
    await cliBoth(['-x', 'SET', 'bin'], Buffer.from('a "q"\x00\xff\n', 'latin1'));
    assert.equal(await cliBoth(['--no-raw', 'GET', 'k']), '"v"\n');
    assert.equal(await cliBoth(['--no-raw', 'GET', 'bin']), '"a \\"q\\"\\x00\\xff\\n"\n');
    assert.equal(await cliBoth(['--no-raw', 'GET', 'nokey']), '(nil)\n');
    assert.equal(await cliBoth(['--no-raw', 'INCR', 'n']), '(integer) 1\n');
    assert.equal(await cliBoth(['--no-raw', 'SET', 'x', 'y']), 'OK\n');
    assert.equal(await cliBoth(['--no-raw', 'MGET', 'k', 'nokey']), '1) "v"\n2) (nil)\n');
    assert.equal(await cliBoth(['--no-raw', 'KEYS', 'zz*']), '(empty array)\n');
    assert.equal(await cliBoth(['--no-raw', 'INCR', 'k']), '(error) ERR value is not an integer or out of range\n');
    assert.equal(await cliBoth(['--no-raw', 'CONFIG', 'GET', 'maxmemory']), '1) "maxmemory"\n2) "0"\n');
    // Nested arrays: SCAN's cursor and key list.
    assert.equal(await cliBoth(['--no-raw', 'SCAN', '0', 'MATCH', 'n']), '1) "0"\n2) 1) "n"\n');
    assert.equal(await cliBoth(['--no-raw', 'TYPE', 'k']), 'string\n');
  });

  it('--csv and --json output', async () => {
    await cliBoth(['RPUSH', 'l', 'a', 'b"c', '1']);
    assert.equal(await cliBoth(['--csv', 'LRANGE', 'l', '0', '-1']), '"a","b\\"c","1"\n');
    assert.equal(await cliBoth(['--json', 'LRANGE', 'l', '0', '-1']), '["a","b\\"c","1"]\n');
    assert.equal(await cliBoth(['--csv', 'GET', 'nokey']), 'NULL\n');
    assert.equal(await cliBoth(['--json', 'HGETALL', 'nokey']), '{}\n');
    await cliBoth(['HSET', 'h', 'f', 'v']);
    assert.equal(await cliBoth(['--json', '-3', 'HGETALL', 'h']), '{"f":"v"}\n');
  });

  /** A long-running redis-cli (MONITOR, SUBSCRIBE): resolves once its output matches `until`. */
  function background(args: string[]) {
    const child = spawn('redis-cli', ['-p', String(s.port), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let wake: (() => void) | null = null;
    child.stdout.on('data', (b: Buffer) => {
      out += b.toString('latin1');
      wake?.();
    });
    return {
      output: () => out,
      async waitFor(until: RegExp, ms = 5000): Promise<string> {
        const deadline = Date.now() + ms;
        while (!until.test(out)) {
          if (Date.now() > deadline) throw new Error(`redis-cli ${args.join(' ')}: no ${until} in ${JSON.stringify(out)}`);
          await new Promise<void>((r) => {
            wake = r;
            setTimeout(r, 20);
          });
        }
        return out;
      },
      stop: () => child.kill('SIGKILL'),
    };
  }

  it('MONITOR shows every command with its database and client address', async () => {
    const mon = background(['MONITOR']);
    try {
      await mon.waitFor(/^OK\n/);
      await cliBoth(['-n', '2', 'SET', 'a b', 'x"y']);
      const out = await mon.waitFor(/"SET" "a b" "x\\"y"\n/i);
      // As in Redis, the database shown is the one after the command ran (SELECT 2 shows 2).
      assert.match(out, /^OK\n\d+\.\d{6} \[2 127\.0\.0\.1:(\d+)\] "SELECT" "2"\n\d+\.\d{6} \[2 127\.0\.0\.1:\1\] "(SET|set)" "a b" "x\\"y"\n$/);
    } finally {
      mon.stop();
    }
  });

  it('SUBSCRIBE prints the subscription and each message', async () => {
    const sub = background(['SUBSCRIBE', 'ch1']);
    try {
      await sub.waitFor(/^subscribe\nch1\n1\n$/);
      const mine = await run('redis-cli', ['-p', String(s.port), 'PUBLISH', 'ch1', 'hello']);
      assert.equal(mine.stdout.toString('latin1'), '1\n');
      assert.equal(await sub.waitFor(/hello\n$/), 'subscribe\nch1\n1\nmessage\nch1\nhello\n');
    } finally {
      sub.stop();
    }
  });

  it('RESP3 output with -3', async () => {
    assert.equal(await cliBoth(['-3', '--no-raw', 'GET', 'nokey']), '(nil)\n');
    const hello = await cliBoth(['-3', '--no-raw', 'HELLO', '3'], undefined, (x) => x.replace(/"id" => \(integer\) \d+/, '"id" => ID'));
    assert.match(hello, /^1# "server" => "redis"\n2# "version" => "7\.0\.15"\n3# "proto" => \(integer\) 3\n4# "id" => ID\n5# "mode" => "standalone"\n/);
    await cliBoth(['HSET', 'h', 'f', 'v', 'g', 'w']);
    assert.equal(await cliBoth(['-3', '--no-raw', 'HGETALL', 'h']), '1# "f" => "v"\n2# "g" => "w"\n');
    await cliBoth(['ZADD', 'z', '1.5', 'a']);
    assert.equal(await cliBoth(['-3', '--no-raw', 'ZSCORE', 'z', 'a']), '(double) 1.5\n');
    assert.equal(await cliBoth(['-3', 'ZSCORE', 'z', 'a']), '1.5\n');
    assert.equal(await cliBoth(['-3', '--no-raw', 'SMEMBERS', 'nos']), '(empty set)\n');
    assert.equal(await cliBoth(['-3', '--no-raw', 'SISMEMBER', 'nos', 'x']), '(integer) 0\n');
  });

  it('a raw session through stdin, one command per line', async () => {
    const session = ['SET a 1', 'INCR a', 'GET a', 'SET s abc', 'INCR s', 'GET nokey', 'MGET a s nokey', 'APPEND s def', 'GETRANGE s 1 -2', 'DEL a s', 'EXISTS a s', ''].join('\n');
    assert.equal(await cliBoth([], session), 'OK\n2\n2\nOK\nERR value is not an integer or out of range\n\n\n2\nabc\n\n6\nbcde\n2\n0\n');
  });

  it('interactive-style commands through stdin: quoting, escapes, SELECT, MULTI', async () => {
    const session = [
      `SET "a b" 'c d'`,
      'GET "a b"',
      'SET esc "x\\x00\\xffy\\n"',
      'STRLEN esc',
      'GET esc',
      'SELECT 2',
      'SET x 1',
      'MULTI',
      'INCR x',
      'INCR x',
      'EXEC',
      'DBSIZE',
      'SELECT 0',
      'DBSIZE',
      'PING',
      'ECHO "hello world"',
      '',
    ].join('\n');
    const out = await cliBoth(['--no-raw'], session);
    assert.ok(
      out.startsWith(
        'OK\n"c d"\nOK\n(integer) 5\n"x\\x00\\xffy\\n"\nOK\nOK\nOK\nQUEUED\nQUEUED\n1) (integer) 2\n2) (integer) 3\n(integer) 1\nOK\n(integer) 2\n',
      ),
      JSON.stringify(out),
    );
    assert.ok(out.endsWith('PONG\n"hello world"\n'), JSON.stringify(out));
  });

  it('help <command> prints the syntax from COMMAND DOCS', async () => {
    const out = (await run('redis-cli', ['-p', String(s.port)], 'help set\n')).stdout.toString('latin1');
    assert.ok(out.includes('SET\x1b[0m \x1b[90mkey value [NX|XX] [GET]'), JSON.stringify(out));
    assert.ok(out.includes('since:\x1b[0m 1.0.0'), JSON.stringify(out));
    assert.ok(out.includes('group:\x1b[0m string'), JSON.stringify(out));
  });

  it('help <command> shows the summary line', async () => {
    // Sinew's summaries are its own words (meta/summaries.json): compare the
    // layout with redis-server's, not the wording.
    const { readFileSync } = await import('node:fs');
    const summaries = JSON.parse(readFileSync(new URL('../../../src/command/meta/summaries.json', import.meta.url), 'utf8')) as Record<string, { summary: string }>;
    const mask = (x: string) => x.replace(/(summary:\x1b\[0m ).*\r\n/g, '$1<summary>\r\n');
    const cases: [string, string, RegExp][] = [
      ['set', 'SET', /^\r\n  \x1b\[1mSET\x1b\[0m \x1b\[90mkey value \[NX\|XX\] \[GET\] \[EX seconds\|[^\r\n]*\]\x1b\[0m\r\n/],
      ['config get', 'CONFIG GET', /^\r\n  \x1b\[1mCONFIG GET\x1b\[0m \x1b\[90mparameter \[parameter \.\.\.\]\x1b\[0m\r\n/],
    ];
    for (const [cmd, upper, syntax] of cases) {
      const out = (await run('redis-cli', ['-p', String(s.port)], `help ${cmd}\n`)).stdout.toString('latin1');
      assert.match(out, syntax, JSON.stringify(out));
      const lines = out.split('\r\n');
      assert.equal(lines[2], `  \x1b[33msummary:\x1b[0m ${summaries[cmd.replace(' ', '|')].summary}`, JSON.stringify(out));
      assert.match(lines[3], /^  \x1b\[33msince:\x1b\[0m \d+\.\d+\.\d+$/);
      assert.match(lines[4], /^  \x1b\[33mgroup:\x1b\[0m (string|server)$/);
      assert.ok(lines[1].includes(upper));
      if (oracle) {
        const theirs = (await run('redis-cli', ['-p', String(oracle.port)], `help ${cmd}\n`)).stdout.toString('latin1');
        assert.equal(mask(out), mask(theirs), `help ${cmd}: layout, syntax, since and group as redis-server's`);
      }
    }
  });

  it('-x takes the last argument from stdin, binary safe', async () => {
    const all = Buffer.alloc(256);
    for (let i = 0; i < 256; i++) all[i] = i;
    assert.equal(await cliBoth(['-x', 'SET', 'bin'], all), 'OK\n');
    assert.equal(await cliBoth(['STRLEN', 'bin']), '256\n');
    const raw = await run('redis-cli', ['-p', String(s.port), 'GET', 'bin']);
    assert.ok(Buffer.concat([all, Buffer.from('\n')]).equals(raw.stdout), 'raw GET output is the value plus a newline');
    await cliBoth(['-x', 'SET', 'bin'], all);
    const esc = await cliBoth(['--no-raw', 'GET', 'bin']);
    assert.ok(esc.startsWith('"\\x00\\x01\\x02'));
    assert.ok(esc.endsWith('\\xfd\\xfe\\xff"\n'));
  });

  it('--scan --pattern lists exactly the matching keys', async () => {
    const mass = [];
    for (let i = 0; i < 300; i++) mass.push(`SET k${i} v`);
    for (let i = 0; i < 50; i++) mass.push(`SET other${i} v`);
    await cliBoth([], mass.join('\n') + '\n', () => '');
    const sorted = (x: string) => x.split('\n').filter(Boolean).sort().join('\n');
    const out = await cliBoth(['--scan', '--pattern', 'k*'], undefined, sorted);
    const expected = Array.from({ length: 300 }, (_, i) => `k${i}`).sort().join('\n');
    assert.equal(out, expected);
    assert.equal(await cliBoth(['--scan', '--pattern', 'nomatch*']), '');
    const all = await cliBoth(['--scan'], undefined, sorted);
    assert.equal(all.split('\n').length, 350);
  });

  it('INFO: sections, fields and the keyspace line', async () => {
    const info = await run('redis-cli', ['-p', String(s.port), 'INFO']);
    const text = info.stdout.toString('latin1');
    const sections = [...text.matchAll(/^# (\w+)\r$/gm)].map((m) => m[1]);
    if (oracle) {
      const theirs = (await run('redis-cli', ['-p', String(oracle.port), 'INFO'])).stdout.toString('latin1');
      assert.deepEqual(sections, [...theirs.matchAll(/^# (\w+)\r$/gm)].map((m) => m[1]));
    }
    for (const sec of ['Server', 'Clients', 'Memory', 'Persistence', 'Stats', 'Replication', 'CPU', 'Keyspace']) {
      assert.ok(sections.includes(sec), `section ${sec}`);
    }
    assert.match(text, /\r\nredis_version:7\.0\.15\r\n/);
    assert.match(text, new RegExp(`\\r\\ntcp_port:${s.port}\\r\\n`));
    assert.match(text, /\r\nconnected_clients:\d+\r\n/);
    await cliBoth(['SET', 'a', '1']);
    await cliBoth(['SET', 'b', '1']);
    await cliBoth(['-n', '5', 'SET', 'c', '1']);
    assert.equal(await cliBoth(['INFO', 'keyspace']), '# Keyspace\r\ndb0:keys=2,expires=0,avg_ttl=0\r\ndb5:keys=1,expires=0,avg_ttl=0\r\n');
  });

  it('--pipe mass insertion of raw RESP', async () => {
    const parts: string[] = [];
    for (let i = 0; i < 1000; i++) {
      const k = `m${i}`;
      const v = `val${i}`;
      parts.push(`*3\r\n$3\r\nSET\r\n$${k.length}\r\n${k}\r\n$${v.length}\r\n${v}\r\n`);
    }
    parts.push('*2\r\n$4\r\nINCR\r\n$2\r\nm1\r\n'); // one error reply
    const out = await cliBoth(['--pipe'], parts.join(''));
    assert.equal(out, 'All data transferred. Waiting for the last reply...\nLast reply received from server.\nerrors: 1, replies: 1001\n');
    assert.equal(await cliBoth(['DBSIZE']), '1000\n');
    assert.equal(await cliBoth(['GET', 'm999']), 'val999\n');
  });

  it('--bigkeys summary', async () => {
    await cliBoth(['SET', 'str', 'abcdef']);
    await cliBoth(['RPUSH', 'lst', 'a', 'b', 'c']);
    await cliBoth(['SADD', 'st', 'a', 'b']);
    await cliBoth(['HSET', 'hs', 'f', 'v']);
    await cliBoth(['ZADD', 'zs', '1', 'a', '2', 'b', '3', 'c', '4', 'd']);
    // redis-cli lists the types in its own hash-table order (random seed): compare as sets of lines.
    const summary = (x: string) =>
      x
        .slice(x.indexOf('-------- summary -------'))
        .split('\n')
        .map((l) => l.trim())
        .sort()
        .join('\n');
    const out = await cliBoth(['--bigkeys'], undefined, summary);
    assert.match(out, /Sampled 5 keys in the keyspace!/);
    assert.match(out, /Biggest +string found '"?str"?' has 6 bytes/);
    assert.match(out, /Biggest +list found '"?lst"?' has 3 items/);
    assert.match(out, /Biggest +set found '"?st"?' has 2 members/);
    assert.match(out, /Biggest +hash found '"?hs"?' has 1 fields/);
    assert.match(out, /Biggest +zset found '"?zs"?' has 4 members/);
  });

  it('redis-benchmark smoke run completes and reports numbers', { skip: haveBenchmark ? false : 'redis-benchmark not installed' }, async () => {
    const r = await run('redis-benchmark', ['-h', '127.0.0.1', '-p', String(s.port), '-t', 'ping,set,get', '-n', '2000', '-q'], undefined, 60_000);
    assert.equal(r.code, 0, r.stderr);
    const text = r.stdout.toString('latin1');
    const rates = new Map<string, number>();
    for (const m of text.matchAll(/([A-Z_]+): ([0-9.]+) requests per second/g)) rates.set(m[1], Number(m[2]));
    for (const t of ['PING_INLINE', 'PING_MBULK', 'SET', 'GET']) {
      assert.ok((rates.get(t) ?? 0) > 0, `${t} in ${JSON.stringify(text)}`);
    }
    // Every request was served: 2000 SETs landed on key:__rand_int__ (one key without -r).
    const mine = await run('redis-cli', ['-p', String(s.port), 'STRLEN', 'key:__rand_int__']);
    assert.equal(mine.stdout.toString('latin1'), '3\n'); // -d defaults to 3 bytes
  });
});
