import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RawClient } from '../helpers/raw-client.js';
import { freePort, oracleSkipReason, redisOracle, untilReady, type OracleServer } from '../helpers/servers.js';
import { infoFields } from '../helpers/info.js';
import { startServer, createServer, type RunningServer } from '../../src/index.js';
import { RdbError } from '../../src/persistence/rdb-io.js';

const ROOT = join(import.meta.dirname, '..', '..', '..');
const BIN = join(ROOT, 'bin', 'sinew-server.js');
const DEBUG = { 'enable-debug-command': 'yes' };

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'sinew-rdb-'));
}

/** Every type, TTLs, binary keys, several databases. */
async function fill(c: RawClient): Promise<void> {
  const bin = Buffer.from([0, 1, 2, 255, 13, 10, 128]);
  for (const db of [0, 3, 15]) {
    await c.call('SELECT', String(db));
    await c.call('SET', `s${db}`, 'hello');
    await c.call('SET', bin, Buffer.concat([bin, bin]));
    await c.call('SET', 'n', '12345');
    await c.call('SET', 'long', 'x'.repeat(5000));
    await c.call('SET', 'ttl', 'v', 'PX', '1000000');
    await c.call('RPUSH', 'list', 'a', 'b', '3', 'x'.repeat(300));
    await c.call('SADD', 'iset', '1', '2', '-70000');
    await c.call('SADD', 'set', 'a', 'b', bin);
    await c.call('HSET', 'hash', 'f', 'v', 'n', '7');
    await c.call('HSET', 'bighash', 'f', 'v'.repeat(100));
    await c.call('ZADD', 'zset', '1', 'a', '2.5', 'b', '-inf', 'c');
    await c.call('ZADD', 'bigz', '1', 'm'.repeat(100));
    await c.call('XADD', 'stream', '1-1', 'f', 'v');
    await c.call('XADD', 'stream', '2-2', 'f', 'w', 'g', 'h');
    await c.call('XGROUP', 'CREATE', 'stream', 'grp', '0');
    await c.call('XREADGROUP', 'GROUP', 'grp', 'alice', 'COUNT', '1', 'STREAMS', 'stream', '>');
    const many: string[] = [];
    for (let i = 0; i < 2000; i++) many.push(`m${i}`, String(i));
    await c.call('HSET', 'h2k', ...many);
  }
  await c.call('SELECT', '0');
}

async function digest(c: RawClient): Promise<string> {
  c.send('DEBUG', 'DIGEST');
  return (await c.next(60000)) as string;
}

/** A command that may take long (big SAVE, DEBUG RELOAD). */
async function slow(c: RawClient, ...args: (string | Buffer)[]): Promise<unknown> {
  c.send(...args);
  return c.next(120000);
}

async function waitNoBgsave(c: RawClient, ms = 60000): Promise<Map<string, string>> {
  const deadline = Date.now() + ms;
  for (;;) {
    const info = await infoFields(c, 'persistence');
    if (info.get('rdb_bgsave_in_progress') === '0') return info;
    if (Date.now() > deadline) throw new Error('BGSAVE did not finish');
    await new Promise((r) => setTimeout(r, 20));
  }
}

function checkRdb(file: string): string | null {
  const r = spawnSync('redis-check-rdb', [file], { encoding: 'utf8' });
  if (r.error !== undefined) return null;
  return r.stdout + r.stderr;
}

describe('SAVE, restart, and the file', () => {
  let dir = '';
  before(() => {
    dir = tempDir();
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('SAVE writes dir/dbfilename; a server started on it has the same dataset; INFO and LASTSAVE follow', async () => {
    const a = await startServer({ dir, dbfilename: 'a.rdb', ...DEBUG });
    const c = await RawClient.connect(a.port);
    let before = '';
    try {
      await fill(c);
      before = await digest(c);
      const info0 = await infoFields(c, 'persistence');
      assert.ok(Number(info0.get('rdb_changes_since_last_save')) > 0);
      const last0 = (await c.call('LASTSAVE')) as number;
      await new Promise((r) => setTimeout(r, 1100));
      assert.equal(await c.call('SAVE'), 'OK');
      const info = await infoFields(c, 'persistence');
      assert.equal(info.get('rdb_changes_since_last_save'), '0');
      assert.equal(info.get('rdb_saves'), '1');
      assert.ok(((await c.call('LASTSAVE')) as number) > last0);
      assert.ok(existsSync(join(dir, 'a.rdb')));
      assert.ok(!existsSync(join(dir, `temp-${process.pid}.rdb`)), 'no temp file left');
    } finally {
      c.close();
      await a.close();
    }
    const b = await startServer({ dir, dbfilename: 'a.rdb', ...DEBUG });
    const cb = await RawClient.connect(b.port);
    try {
      assert.equal(await digest(cb), before);
      const info = await infoFields(cb, 'persistence');
      assert.equal(info.get('rdb_last_load_keys_loaded'), String(3 * 14));
      assert.ok(((await cb.call('PTTL', 'ttl')) as number) > 900000);
      assert.deepEqual(await cb.call('OBJECT', 'ENCODING', 'bighash'), 'hashtable');
      assert.deepEqual(await cb.call('XPENDING', 'stream', 'grp'), [1, '1-1', '1-1', [['alice', '1']]]);
    } finally {
      cb.close();
      await b.close();
    }
    const report = checkRdb(join(dir, 'a.rdb'));
    if (report === null) process.stderr.write('# redis-check-rdb not installed: file check skipped\n');
    else assert.match(report, /RDB looks OK/);
  });

  it('keys already expired are dropped on load, and counted', async () => {
    const a = await startServer({ dir, dbfilename: 'exp.rdb' });
    const c = await RawClient.connect(a.port);
    try {
      await c.call('SET', 'short', 'v', 'PX', '150');
      await c.call('SET', 'stays', 'v');
      assert.equal(await c.call('SAVE'), 'OK');
    } finally {
      c.close();
      await a.close();
    }
    await new Promise((r) => setTimeout(r, 250));
    const b = await startServer({ dir, dbfilename: 'exp.rdb' });
    const cb = await RawClient.connect(b.port);
    try {
      assert.equal(await cb.call('DBSIZE'), 1);
      const info = await infoFields(cb, 'persistence');
      assert.equal(info.get('rdb_last_load_keys_expired'), '1');
      assert.equal(info.get('rdb_last_load_keys_loaded'), '1');
    } finally {
      cb.close();
      await b.close();
    }
  });

  it('DEBUG RELOAD saves and loads back; FLUSHALL with save points saves the empty dataset', async () => {
    const a = await startServer({ dir, dbfilename: 'reload.rdb', save: '3600 1', ...DEBUG });
    const c = await RawClient.connect(a.port);
    try {
      await fill(c);
      const d0 = await digest(c);
      assert.equal(await c.call('DEBUG', 'RELOAD'), 'OK');
      assert.equal(await digest(c), d0);
      assert.equal((await infoFields(c, 'persistence')).get('rdb_changes_since_last_save'), '0');
      await c.call('SET', 'extra', '1');
      assert.equal(await c.call('DEBUG', 'RELOAD', 'NOSAVE'), 'OK');
      assert.equal(await c.call('EXISTS', 'extra'), 0, 'NOSAVE loads the file as it was');
      assert.equal(await c.raw('DEBUG', 'RELOAD', 'FOO'), '-ERR DEBUG RELOAD only supports the MERGE, NOFLUSH and NOSAVE options.\r\n');
      await c.call('SET', 'extra', '1');
      assert.match(await c.raw('DEBUG', 'RELOAD', 'NOSAVE', 'NOFLUSH'), /^-ERR Error trying to load the RDB dump/);
      await c.call('FLUSHALL');
      assert.equal(await c.call('SET', 'extra', '1'), 'OK');
      assert.equal(await c.call('DEBUG', 'RELOAD', 'NOSAVE', 'NOFLUSH', 'MERGE'), 'OK');
      assert.equal(await c.call('DBSIZE'), 1, 'FLUSHALL saved an empty file: merging it adds nothing');
      assert.equal((await infoFields(c, 'persistence')).get('rdb_changes_since_last_save'), '1');
    } finally {
      c.close();
      await a.close();
    }
  });

  it('a corrupt or foreign file stops start-up with a clear message; nothing half-loaded', async () => {
    const good = await startServer({ dir, dbfilename: 'good.rdb' });
    const c = await RawClient.connect(good.port);
    await c.call('SET', 'k', 'v');
    await c.call('SAVE');
    c.close();
    await good.close();
    const bytes = readFileSync(join(dir, 'good.rdb'));
    const cases: [string, Buffer, RegExp][] = [
      ['truncated', bytes.subarray(0, bytes.length - 12), /Unexpected EOF|Unknown/],
      ['bad checksum', Buffer.concat([bytes.subarray(0, bytes.length - 1), Buffer.from([bytes[bytes.length - 1] ^ 1])]), /Wrong RDB checksum/],
      ['version 11', Buffer.concat([Buffer.from('REDIS0011'), bytes.subarray(9)]), /Can't handle RDB format version 11/],
      ['not an RDB', Buffer.from('hello world, not a dump'), /Wrong signature/],
    ];
    for (const [name, data, message] of cases) {
      writeFileSync(join(dir, `${name}.rdb`), data);
      await assert.rejects(startServer({ dir, dbfilename: `${name}.rdb` }), (e: unknown) => e instanceof RdbError && message.test(e.message), name);
    }
    // the command-line server logs the reason and exits 1
    writeFileSync(join(dir, 'bad.rdb'), cases[1][1]);
    const port = await freePort();
    const r = spawnSync(process.execPath, [BIN, '--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--dbfilename', 'bad.rdb'], { encoding: 'utf8', timeout: 20000 });
    assert.equal(r.status, 1);
    assert.match(r.stdout, /Wrong RDB checksum[\s\S]*Terminating server after rdb file reading failure/);
  });

  it('clients get -LOADING while a file loads, INFO shows the progress, then the data', async () => {
    const a = await startServer({ dir, dbfilename: 'big.rdb', ...DEBUG });
    const c = await RawClient.connect(a.port);
    await c.call('DEBUG', 'POPULATE', '20000');
    await c.call('SAVE');
    c.close();
    await a.close();
    // key-load-delay (as Redis's test suite uses it) makes the load last about a second
    const server = createServer({ bind: '127.0.0.1', port: 0, dir, dbfilename: 'big.rdb', quiet: true, 'key-load-delay': '50' });
    await server.listen();
    const loading = server.rdb.loadFile();
    const cl = await RawClient.connect(server.port);
    try {
      let sawLoading = false;
      let sawInfo = false;
      let done = false;
      void loading.finally(() => (done = true));
      while (!done) {
        const reply = await cl.raw('GET', 'key:1');
        if (reply === '-LOADING Redis is loading the dataset in memory\r\n') sawLoading = true;
        const info = await infoFields(cl, 'persistence');
        if (info.get('loading') === '1' && Number(info.get('loading_loaded_perc')) >= 0 && info.has('loading_eta_seconds')) sawInfo = true;
      }
      await loading;
      assert.ok(sawLoading, 'a command was refused with -LOADING');
      assert.ok(sawInfo, 'INFO answered with loading fields');
      assert.equal(await cl.call('DBSIZE'), 20000);
      assert.equal(await cl.call('GET', 'key:1'), 'value:1');
    } finally {
      cl.close();
      await server.close();
    }
  });
});

describe('BGSAVE', () => {
  let dir = '';
  let srv: RunningServer;
  before(async () => {
    dir = tempDir();
    srv = await startServer({ dir, dbfilename: 'bg.rdb', ...DEBUG });
  });
  after(async () => {
    await srv.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('the file holds the dataset as it was when BGSAVE started, while clients keep writing', async () => {
    const c = await RawClient.connect(srv.port);
    const w = await RawClient.connect(srv.port);
    try {
      await c.call('FLUSHALL');
      await c.call('DEBUG', 'POPULATE', '20000', 'key', '20');
      for (let i = 0; i < 200; i++) await c.call('RPUSH', `list:${i}`, 'a', 'b', String(i));
      await c.call('SELECT', '2');
      await c.call('DEBUG', 'POPULATE', '5000', 'other');
      await c.call('SELECT', '0');
      const before = await digest(c);
      // rdb-key-save-delay (as Redis's test suite uses it) makes the save last about a second
      await c.call('CONFIG', 'SET', 'rdb-key-save-delay', '40');
      assert.equal(await c.call('BGSAVE'), 'Background saving started');
      // writes that land while the snapshot runs: overwrite, delete, create, mutate in place, expire, other databases, flush one
      let during = 0;
      let writes = 0;
      for (let round = 0; round < 40; round++) {
        const info = await infoFields(w, 'persistence');
        if (info.get('rdb_bgsave_in_progress') === '1') during++;
        const base = Math.floor((round * 499) % 20000);
        await w.call('SET', `key:${base}`, 'changed');
        await w.call('DEL', `key:${base + 1}`);
        await w.call('SET', `new:${round}`, 'created');
        await w.call('APPEND', `key:${base + 2}`, '-appended');
        await w.call('EXPIRE', `key:${base + 3}`, '1000');
        await w.call('RPUSH', `list:${round}`, 'more');
        await w.call('LPOP', `list:${round + 100}`);
        await w.call('SELECT', '2');
        await w.call('SET', `other:${round}`, 'x');
        if (round === 20) await w.call('FLUSHDB');
        await w.call('SELECT', '0');
        writes += 9;
      }
      assert.ok(during > 30, `writes ran while the snapshot was being written (${during} rounds of 40)`);
      const info = await waitNoBgsave(c);
      await c.call('CONFIG', 'SET', 'rdb-key-save-delay', '0');
      assert.equal(info.get('rdb_last_bgsave_status'), 'ok');
      assert.ok(writes > 0);
      const after = await digest(c);
      assert.notEqual(after, before);
      // load the file in a fresh server: it is the dataset of the BGSAVE instant
      const copy = await startServer({ dir, dbfilename: 'bg.rdb', ...DEBUG });
      const cc = await RawClient.connect(copy.port);
      try {
        assert.equal(await digest(cc), before);
      } finally {
        cc.close();
        await copy.close();
      }
      const report = checkRdb(join(dir, 'bg.rdb'));
      if (report !== null) assert.match(report, /RDB looks OK/);
    } finally {
      c.close();
      w.close();
    }
  });

  it('BGSAVE while one runs, BGSAVE SCHEDULE, BGSAVE in MULTI, syntax', async () => {
    const c = await RawClient.connect(srv.port);
    try {
      await c.call('FLUSHALL');
      await c.call('DEBUG', 'POPULATE', '10000');
      await c.call('CONFIG', 'SET', 'rdb-key-save-delay', '20');
      assert.equal(await c.call('BGSAVE'), 'Background saving started');
      assert.equal(await c.raw('BGSAVE'), '-ERR Background save already in progress\r\n');
      assert.equal(await c.raw('SAVE'), '-ERR Background save already in progress\r\n');
      await waitNoBgsave(c);
      await c.call('CONFIG', 'SET', 'rdb-key-save-delay', '0');
      assert.equal(await c.raw('BGSAVE', 'FOO'), '-ERR syntax error\r\n');
      assert.equal(await c.raw('BGSAVE', 'SCHEDULE', 'x'), '-ERR syntax error\r\n');
      assert.equal(await c.call('BGSAVE', 'SCHEDULE'), 'Background saving started');
      await waitNoBgsave(c);
      await c.call('MULTI');
      await c.call('BGSAVE');
      assert.deepEqual(await c.call('EXEC'), ['Background saving scheduled']);
      // the cron starts it
      const deadline = Date.now() + 5000;
      let started = false;
      while (Date.now() < deadline && !started) {
        const info = await infoFields(c, 'persistence');
        started = info.get('rdb_bgsave_in_progress') === '1' || Number(info.get('rdb_saves')) >= 4;
        await new Promise((r) => setTimeout(r, 20));
      }
      assert.ok(started, 'the scheduled BGSAVE ran');
      await waitNoBgsave(c);
    } finally {
      c.close();
    }
  });

  it('save points start a BGSAVE from the cron', async () => {
    const c = await RawClient.connect(srv.port);
    const logged: string[] = [];
    srv.server.log.enabled = true;
    srv.server.log.sink = (line) => void logged.push(line);
    try {
      await waitNoBgsave(c);
      await c.call('CONFIG', 'SET', 'save', '1 1');
      await c.call('SET', 'k', 'v');
      const deadline = Date.now() + 8000;
      while (Date.now() < deadline && !logged.some((l) => l.includes('Background saving terminated with success'))) {
        await new Promise((r) => setTimeout(r, 50));
      }
      assert.ok(logged.some((l) => /\* \d+ changes in 1 seconds\. Saving\.\.\./.test(l)), logged.join('\n'));
      assert.ok(logged.some((l) => l.includes('Background saving terminated with success')));
      assert.equal((await infoFields(c, 'persistence')).get('rdb_changes_since_last_save'), '0');
    } finally {
      await c.call('CONFIG', 'SET', 'save', '');
      srv.server.log.enabled = false;
      c.close();
    }
  });

  it('redis-cli --rdb gets a full-sync RDB image', async (t) => {
    const which = spawnSync('redis-cli', ['--version'], { encoding: 'utf8' });
    if (which.error !== undefined) {
      t.skip('redis-cli not installed');
      return;
    }
    const c = await RawClient.connect(srv.port);
    try {
      await c.call('FLUSHALL');
      await fill(c);
      const d = await digest(c);
      const file = join(dir, 'cli.rdb');
      // (not spawnSync: the server runs in this process)
      const p = spawn('redis-cli', ['-p', String(srv.port), '--rdb', file], { stdio: ['ignore', 'pipe', 'pipe'] });
      let err = '';
      p.stderr.on('data', (b: Buffer) => (err += b.toString()));
      const code = await new Promise<number | null>((r) => p.on('exit', (c) => r(c)));
      assert.equal(code, 0, err);
      assert.match(err, /Transfer finished with success/);
      const copy = await startServer({ dir, dbfilename: 'cli.rdb', ...DEBUG });
      const cc = await RawClient.connect(copy.port);
      try {
        assert.equal(await digest(cc), d);
      } finally {
        cc.close();
        await copy.close();
      }
    } finally {
      c.close();
    }
  });
});

describe('SHUTDOWN and signals with save points', () => {
  it('SHUTDOWN saves (or not) as Redis; a failed save keeps the server serving', async () => {
    const dir = tempDir();
    try {
      let s = await startServer({ dir, save: '3600 1' });
      let c = await RawClient.connect(s.port);
      await c.call('SET', 'k', 'v');
      c.send('SHUTDOWN');
      assert.equal(await c.waitClose(5000), true);
      assert.ok(existsSync(join(dir, 'dump.rdb')), 'SHUTDOWN with save points saved');
      rmSync(join(dir, 'dump.rdb'));
      s = await startServer({ dir, save: '3600 1' });
      c = await RawClient.connect(s.port);
      await c.call('SET', 'k', 'v');
      c.send('SHUTDOWN', 'NOSAVE');
      assert.equal(await c.waitClose(5000), true);
      assert.ok(!existsSync(join(dir, 'dump.rdb')), 'NOSAVE did not save');
      // save into a directory that is gone: the save fails, the server stays
      const gone = tempDir();
      s = await startServer({ dir: gone });
      rmSync(gone, { recursive: true, force: true });
      const logged: string[] = [];
      s.server.log.enabled = true;
      s.server.log.sink = (line) => void logged.push(line);
      c = await RawClient.connect(s.port);
      try {
        assert.equal(await c.raw('SHUTDOWN', 'SAVE'), '-ERR Errors trying to SHUTDOWN. Check logs.\r\n');
        assert.ok(logged.some((l) => l.includes("Error trying to save the DB, can't exit")));
        assert.equal(await c.call('PING'), 'PONG');
        c.send('SHUTDOWN', 'NOSAVE');
        assert.equal(await c.waitClose(3000), true);
      } finally {
        c.close();
        await s.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('sinew-server saves on SIGTERM when save points are set, and loads the file when it starts again', async () => {
    const dir = tempDir();
    try {
      const start = async () => {
        const port = await freePort();
        const p = spawn(process.execPath, [BIN, '--port', String(port), '--bind', '127.0.0.1', '--dir', dir], { stdio: ['ignore', 'pipe', 'pipe'] });
        let out = '';
        p.stdout.on('data', (b: Buffer) => (out += b.toString('latin1')));
        p.stderr.on('data', (b: Buffer) => (out += b.toString('latin1')));
        await untilReady(() => out, p, 20000);
        return { p, port, out: () => out };
      };
      const first = await start();
      const c = await RawClient.connect(first.port);
      await c.call('SET', 'survives', 'yes');
      await c.call('CONFIG', 'GET', 'save').then((v) => assert.deepEqual(v, ['save', '3600 1 300 100 60 10000']));
      c.close();
      const exited = new Promise<number | null>((r) => first.p.on('exit', (code) => r(code)));
      first.p.kill('SIGTERM');
      assert.equal(await exited, 0);
      assert.match(first.out(), /Saving the final RDB snapshot before exiting[\s\S]*DB saved on disk/);
      assert.ok(statSync(join(dir, 'dump.rdb')).size > 0);
      const second = await start();
      const c2 = await RawClient.connect(second.port);
      try {
        assert.equal(await c2.call('GET', 'survives'), 'yes');
        assert.match(second.out(), /Loading RDB produced by version 7\.0\.15[\s\S]*Done loading RDB, keys loaded: 1, keys expired: 0\./);
      } finally {
        c2.close();
        second.p.kill('SIGKILL');
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('files cross between Sinew and redis-server', { skip: oracleSkipReason() }, () => {
  let dir = '';
  let redis: OracleServer;
  before(async () => {
    dir = tempDir();
    redis = await redisOracle({ dir, dbfilename: 'redis.rdb', 'enable-debug-command': 'yes' });
  });
  after(async () => {
    await redis.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a dataset with every type, binary keys, TTLs, 16 databases and large values loads identically both ways', async () => {
    const s = await startServer({ dir, dbfilename: 'sinew.rdb', ...DEBUG });
    const cs = await RawClient.connect(s.port);
    const cr = await RawClient.connect(redis.port);
    const big = Buffer.alloc(100 * 1024 * 1024, 'abcdefghij');
    try {
      for (const c of [cs, cr]) {
        await fill(c);
        for (let db = 0; db < 16; db++) {
          await c.call('SELECT', String(db));
          await c.call('SET', `db${db}`, String(db));
        }
      }
      // the small dataset is compared whole; the large values after, by samples (a digest of millions of elements is slow)
      const [ds, dr] = [await digest(cs), await digest(cr)];
      assert.equal(ds, dr, 'the same dataset on both');
      for (const c of [cs, cr]) {
        await c.call('SELECT', '1');
        await slow(c, 'SET', 'big:string', big);
        for (const [cmd, key] of [['RPUSH', 'big:list'], ['ZADD', 'big:zset'], ['SADD', 'big:set'], ['HSET', 'big:hash']] as const) {
          for (let start = 0; start < 1000000; start += 5000) {
            const args: string[] = [];
            for (let i = start; i < start + 5000; i++) {
              if (cmd === 'ZADD') args.push(String(i * 0.5), `member:${i}`);
              else if (cmd === 'HSET') args.push(`field:${i}`, String(i));
              else args.push(cmd === 'SADD' ? `member:${i}` : String(i));
            }
            await c.call(cmd, key, ...args);
          }
        }
        await c.call('SELECT', '0');
      }
      assert.equal(await slow(cs, 'SAVE'), 'OK');
      assert.equal(await slow(cr, 'SAVE'), 'OK');
      const sizes = [statSync(join(dir, 'sinew.rdb')).size, statSync(join(dir, 'redis.rdb')).size];
      assert.ok(Math.abs(sizes[0] - sizes[1]) / sizes[1] < 0.05, `file sizes within 5%: ${sizes.join(' vs ')}`);
      const report = checkRdb(join(dir, 'sinew.rdb'));
      if (report !== null) assert.match(report, /RDB looks OK/);
      // each loads the other's file
      await cs.call('CONFIG', 'SET', 'dbfilename', 'redis.rdb');
      await cr.call('CONFIG', 'SET', 'dbfilename', 'sinew.rdb');
      assert.equal(await slow(cs, 'DEBUG', 'RELOAD', 'NOSAVE'), 'OK');
      assert.equal(await slow(cr, 'DEBUG', 'RELOAD', 'NOSAVE'), 'OK');
      const samples = [0, 1, 4999, 500000, 999999];
      for (const c of [cs, cr]) {
        await c.call('SELECT', '1');
        assert.equal(await c.call('STRLEN', 'big:string'), big.length);
        assert.equal(await c.call('GETRANGE', 'big:string', '52428800', '52428809'), 'abcdefghij');
        assert.equal(await c.call('LLEN', 'big:list'), 1000000);
        assert.equal(await c.call('ZCARD', 'big:zset'), 1000000);
        assert.equal(await c.call('SCARD', 'big:set'), 1000000);
        assert.equal(await c.call('HLEN', 'big:hash'), 1000000);
        for (const i of samples) {
          assert.equal(await c.call('LINDEX', 'big:list', String(i)), String(i));
          assert.equal(await c.call('ZSCORE', 'big:zset', `member:${i}`), String(i * 0.5));
          assert.equal(await c.call('ZRANK', 'big:zset', `member:${i}`), i);
          assert.equal(await c.call('SISMEMBER', 'big:set', `member:${i}`), 1);
          assert.equal(await c.call('HGET', 'big:hash', `field:${i}`), String(i));
        }
        assert.equal(await c.call('OBJECT', 'ENCODING', 'big:set'), 'hashtable');
        assert.equal(await c.call('OBJECT', 'ENCODING', 'big:zset'), 'skiplist');
        await c.call('DEL', 'big:string', 'big:list', 'big:zset', 'big:set', 'big:hash');
        await c.call('SELECT', '0');
      }
      assert.equal(await digest(cs), ds, "Sinew loaded Redis's file");
      assert.equal(await digest(cr), dr, "Redis loaded Sinew's file");
      await cs.call('FLUSHALL');
      await cr.call('FLUSHALL');
    } finally {
      cs.close();
      cr.close();
      await s.close();
    }
  });

  it('stop-writes-on-bgsave-error: writes and PING get -MISCONF as from Redis until a save succeeds', async () => {
    const sdir = tempDir();
    const rdir = tempDir();
    const s = await startServer({ dir: sdir, save: '3600 1', 'enable-protected-configs': 'yes' });
    const r2 = await redisOracle({ dir: rdir, save: '3600 1', 'enable-protected-configs': 'yes' });
    const cs = await RawClient.connect(s.port);
    const cr = await RawClient.connect(r2.port);
    try {
      rmSync(sdir, { recursive: true, force: true });
      rmSync(rdir, { recursive: true, force: true });
      for (const c of [cs, cr]) {
        await c.call('SET', 'k', 'v');
        await c.call('BGSAVE').catch(() => null);
        await waitNoBgsave(c);
      }
      const script: (string | number)[][] = [
        ['SET', 'k', 'v2'],
        ['GET', 'k'],
        ['PING'],
        ['MULTI'],
        ['SET', 'a', 'b'],
        ['EXEC'],
        ['MULTI'],
        ['GET', 'k'],
        ['EXEC'],
        ['EVAL', "return redis.call('SET', 'x', 'y')", 0],
        ['INFO', 'nosuchsection'],
      ];
      for (const cmd of script) {
        const [a, b] = await Promise.all([cs.raw(...cmd), cr.raw(...cmd)]);
        assert.equal(a, b, cmd.join(' '));
      }
      assert.equal((await infoFields(cs, 'persistence')).get('rdb_last_bgsave_status'), 'err');
      // a directory that exists: a save succeeds and writes are accepted again
      for (const [c, d] of [[cs, sdir], [cr, rdir]] as const) {
        const { mkdirSync } = await import('node:fs');
        mkdirSync(`${d}-new`, { recursive: true });
        await c.call('CONFIG', 'SET', 'dir', `${d}-new`);
        assert.equal(await c.raw('BGSAVE'), '+Background saving started\r\n');
        await waitNoBgsave(c);
        assert.equal(await c.raw('SET', 'k', 'v3'), '+OK\r\n', c === cs ? 'Sinew' : 'Redis');
        rmSync(`${d}-new`, { recursive: true, force: true });
      }
    } finally {
      cs.close();
      cr.close();
      await s.close();
      await r2.close();
      rmSync(sdir, { recursive: true, force: true });
      rmSync(rdir, { recursive: true, force: true });
    }
  });
});
