import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync, mkdirSync, symlinkSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { freePort, untilReady } from '../helpers/servers.js';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RawClient } from '../helpers/raw-client.js';
import { infoFields } from '../helpers/info.js';
import { createServer, type Server, type ServerOptions } from '../../src/index.js';
import { encodeCommand } from '../../src/persistence/aof-format.js';

const BIN = join(import.meta.dirname, '..', '..', '..', 'bin', 'sinew-server.js');

interface Booted {
  server: Server;
  port: number;
  logs: string[];
  close(): Promise<void>;
}

/** An in-process server on `dir` with the append-only file on, its log captured from the start. */
async function boot(dir: string, opts: ServerOptions = {}): Promise<Booted> {
  const server = createServer({ bind: '127.0.0.1', port: 0, save: '', dir, appendonly: 'yes', appendfsync: 'always', ...opts });
  const logs: string[] = [];
  server.log.enabled = true;
  server.log.sink = (line) => void logs.push(line.replace(/^\d+:M \d\d \w{3} \d{4} [\d:.]+ [*#.-] /, '').trimEnd());
  server.loadOnStart = true;
  try {
    await server.startup();
  } catch (e) {
    await server.close();
    throw Object.assign(e as Error, { logs });
  }
  return { server, port: server.port, logs, close: () => server.close() };
}

function errorOf(v: unknown): string {
  assert.ok(typeof v === 'object' && v !== null && 'message' in v, `an error reply: ${JSON.stringify(v)}`);
  return String(v.message);
}

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'sinew-aof-'));
}

function aofFiles(dir: string): string[] {
  return readdirSync(join(dir, 'appendonlydir')).sort();
}

function manifest(dir: string): string {
  return readFileSync(join(dir, 'appendonlydir', 'appendonly.aof.manifest'), 'latin1');
}

function incr(dir: string, n = 1): string {
  return readFileSync(join(dir, 'appendonlydir', `appendonly.aof.${n}.incr.aof`), 'latin1');
}

async function until(what: string, f: () => Promise<boolean> | boolean, ms = 10000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await f())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

function info(c: RawClient): Promise<Map<string, string>> {
  return infoFields(c, 'persistence');
}

describe('append-only file', () => {
  it('starts with a base and an incremental file named as Redis 7.0 names them, appends each write, and loads them again', async () => {
    const dir = tempDir();
    try {
      let s = await boot(dir);
      assert.deepEqual(aofFiles(dir), ['appendonly.aof.1.base.rdb', 'appendonly.aof.1.incr.aof', 'appendonly.aof.manifest']);
      assert.equal(manifest(dir), 'file appendonly.aof.1.base.rdb seq 1 type b\nfile appendonly.aof.1.incr.aof seq 1 type i\n');
      assert.ok(s.logs.includes('Creating AOF base file appendonly.aof.1.base.rdb on server start'));
      assert.ok(s.logs.includes('Creating AOF incr file appendonly.aof.1.incr.aof on server start'));
      const base = readFileSync(join(dir, 'appendonlydir', 'appendonly.aof.1.base.rdb'));
      assert.equal(base.toString('latin1', 0, 9), 'REDIS0010');
      assert.ok(base.includes(Buffer.from('aof-base')), 'the base says it is one');
      let c = await RawClient.connect(s.port);
      assert.equal(await c.call('SET', 'k', 'v'), 'OK');
      assert.equal(await c.call('INCR', 'n'), 1);
      assert.equal(await c.call('SELECT', '2'), 'OK');
      assert.equal(await c.call('RPUSH', 'l', 'a', 'b\r\n\x00\xff'), 2);
      // acknowledged: already in the file (appendfsync always writes before replying)
      assert.equal(
        incr(dir),
        encodeCommand(['SELECT', '0']) + encodeCommand(['SET', 'k', 'v']) + encodeCommand(['INCR', 'n']) + encodeCommand(['SELECT', '2']) + encodeCommand(['RPUSH', 'l', 'a', 'b\r\n\x00\xff']),
      );
      const fields = await info(c);
      assert.equal(fields.get('aof_enabled'), '1');
      assert.equal(fields.get('aof_last_write_status'), 'ok');
      // (the base made at start-up is not counted until a rewrite or a restart, as Redis)
      assert.equal(Number(fields.get('aof_current_size')), incr(dir).length);
      assert.equal(fields.get('aof_base_size'), '0'); // no rewrite since this start (as Redis)
      c.close();
      await s.close();
      s = await boot(dir);
      assert.ok(s.logs.includes('Reading RDB base file on AOF loading...'), s.logs.join('\n'));
      assert.ok(s.logs.some((l) => /^DB loaded from incr file appendonly\.aof\.1\.incr\.aof: \d+\.\d{3} seconds$/.test(l)));
      assert.ok(s.logs.some((l) => /^DB loaded from append only file: \d+\.\d{3} seconds$/.test(l)));
      assert.ok(s.logs.includes('Opening AOF incr file appendonly.aof.1.incr.aof on server start'));
      c = await RawClient.connect(s.port);
      assert.equal(await c.call('GET', 'k'), 'v');
      assert.equal(await c.call('GET', 'n'), '1');
      await c.call('SELECT', '2');
      assert.deepEqual(await c.call('LRANGE', 'l', '0', '-1'), ['a', 'b\r\n\x00\xff']);
      // appending goes on in the same file, after a SELECT
      await c.call('SET', 'after', 'restart');
      assert.ok(incr(dir).endsWith(encodeCommand(['SELECT', '2']) + encodeCommand(['SET', 'after', 'restart'])));
      c.close();
      await s.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('with appendonly yes the RDB file is not read, as Redis 7.0', async () => {
    const dir = tempDir();
    try {
      const plain = createServer({ bind: '127.0.0.1', port: 0, save: '', dir });
      plain.log.enabled = false;
      await plain.startup();
      const c0 = await RawClient.connect(plain.port);
      await c0.call('SET', 'from-rdb', '1');
      assert.equal(await c0.call('SAVE'), 'OK');
      c0.close();
      await plain.close();
      const s = await boot(dir);
      const c = await RawClient.connect(s.port);
      assert.equal(await c.call('DBSIZE'), 0);
      c.close();
      await s.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('BGREWRITEAOF: a new base from a snapshot, a new incremental file, the old ones removed; writes during it are kept', async () => {
    const dir = tempDir();
    try {
      let s = await boot(dir, { 'rdb-key-save-delay': '200' });
      let c = await RawClient.connect(s.port);
      for (let i = 0; i < 200; i++) await c.call('SET', `key:${i}`, String(i));
      assert.equal(await c.call('BGREWRITEAOF'), 'Background append only file rewriting started');
      assert.equal(errorOf(await c.call('BGREWRITEAOF')), 'ERR Background append only file rewriting already in progress');
      assert.equal(
        errorOf(await c.call('BGSAVE')),
        "ERR Another child process is active (AOF?): can't BGSAVE right now. Use BGSAVE SCHEDULE in order to schedule a BGSAVE whenever possible.",
      );
      assert.equal(await c.call('BGSAVE', 'SCHEDULE'), 'Background saving scheduled');
      assert.equal((await info(c)).get('aof_rewrite_in_progress'), '1');
      // written while the base is being made: they go to the new incremental file
      await c.call('SET', 'key:0', 'changed');
      await c.call('DEL', 'key:1');
      await c.call('SET', 'new', 'x');
      assert.equal(incr(dir, 2), encodeCommand(['SELECT', '0']) + encodeCommand(['SET', 'key:0', 'changed']) + encodeCommand(['DEL', 'key:1']) + encodeCommand(['SET', 'new', 'x']));
      await until('the rewrite', async () => (await info(c)).get('aof_rewrite_in_progress') === '0');
      const fields = await info(c);
      assert.equal(fields.get('aof_last_bgrewrite_status'), 'ok');
      assert.equal(fields.get('aof_rewrites'), '1');
      assert.equal(manifest(dir), 'file appendonly.aof.2.base.rdb seq 2 type b\nfile appendonly.aof.2.incr.aof seq 2 type i\n');
      await until('history files removed', () => aofFiles(dir).length === 3);
      assert.deepEqual(aofFiles(dir), ['appendonly.aof.2.base.rdb', 'appendonly.aof.2.incr.aof', 'appendonly.aof.manifest']);
      assert.equal(Number(fields.get('aof_base_size')), Number(fields.get('aof_current_size')));
      for (const l of [
        'Creating AOF incr file appendonly.aof.2.incr.aof on background rewrite',
        'Background AOF rewrite terminated with success',
        'Removing the history file appendonly.aof.1.incr.aof in the background',
        'Removing the history file appendonly.aof.1.base.rdb in the background',
        'Background AOF rewrite finished successfully',
      ]) {
        assert.ok(s.logs.includes(l), `${l}\n${s.logs.join('\n')}`);
      }
      // the scheduled BGSAVE runs once the rewrite is over
      await until('the scheduled BGSAVE', () => {
        s.server.cron();
        return existsSync(join(dir, 'dump.rdb'));
      });
      c.close();
      await s.close();
      s = await boot(dir);
      c = await RawClient.connect(s.port);
      assert.equal(await c.call('DBSIZE'), 200);
      assert.equal(await c.call('GET', 'key:0'), 'changed');
      assert.equal(await c.call('EXISTS', 'key:1'), 0);
      assert.equal(await c.call('GET', 'key:199'), '199');
      c.close();
      await s.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('BGREWRITEAOF during a BGSAVE is scheduled, and runs when it ends', async () => {
    const dir = tempDir();
    try {
      const s = await boot(dir, { 'rdb-key-save-delay': '2000' });
      const c = await RawClient.connect(s.port);
      for (let i = 0; i < 100; i++) await c.call('SET', `k${i}`, 'v');
      assert.equal(await c.call('BGSAVE'), 'Background saving started');
      assert.equal(await c.call('BGREWRITEAOF'), 'Background append only file rewriting scheduled');
      assert.equal((await info(c)).get('aof_rewrite_scheduled'), '1');
      await c.call('CONFIG', 'SET', 'rdb-key-save-delay', '0');
      await until('the rewrite', async () => {
        s.server.cron();
        const f = await info(c);
        return f.get('aof_rewrites') === '1' && f.get('aof_rewrite_in_progress') === '0';
      });
      assert.match(manifest(dir), /appendonly\.aof\.2\.base\.rdb/);
      c.close();
      await s.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('CONFIG SET appendonly yes writes a base of the data already there; no stops appending', async () => {
    const dir = tempDir();
    try {
      const plain = createServer({ bind: '127.0.0.1', port: 0, save: '', dir });
      plain.log.enabled = false;
      await plain.startup();
      let c = await RawClient.connect(plain.port);
      await c.call('SET', 'before', '1');
      await c.call('SELECT', '3');
      await c.call('HSET', 'h', 'f', 'v');
      assert.equal(await c.call('CONFIG', 'SET', 'appendonly', 'yes'), 'OK');
      await c.call('SET', 'during', '2');
      await until('the first rewrite', async () => (await info(c)).get('aof_rewrite_in_progress') === '0');
      assert.equal((await info(c)).get('aof_enabled'), '1');
      assert.equal(manifest(dir), 'file appendonly.aof.1.base.rdb seq 1 type b\nfile appendonly.aof.1.incr.aof seq 1 type i\n');
      assert.equal(incr(dir), encodeCommand(['SELECT', '3']) + encodeCommand(['SET', 'during', '2']));
      await c.call('SET', 'on', '3');
      assert.equal(await c.call('CONFIG', 'SET', 'appendonly', 'no'), 'OK');
      assert.equal((await info(c)).get('aof_enabled'), '0');
      await c.call('SET', 'off', '4');
      assert.ok(!incr(dir).includes('off'));
      c.close();
      await plain.close();
      const s = await boot(dir);
      c = await RawClient.connect(s.port);
      assert.equal(await c.call('GET', 'before'), '1');
      await c.call('SELECT', '3');
      assert.deepEqual(await c.call('HGETALL', 'h'), ['f', 'v']);
      assert.equal(await c.call('GET', 'during'), '2');
      assert.equal(await c.call('GET', 'on'), '3');
      assert.equal(await c.call('EXISTS', 'off'), 0);
      c.close();
      await s.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('an automatic rewrite starts when the file has grown by auto-aof-rewrite-percentage', async () => {
    const dir = tempDir();
    try {
      const s = await boot(dir, { 'auto-aof-rewrite-min-size': '1kb', 'auto-aof-rewrite-percentage': '100' });
      const c = await RawClient.connect(s.port);
      s.server.cron();
      assert.equal((await info(c)).get('aof_rewrites'), '0');
      for (let i = 0; i < 100; i++) await c.call('SET', `key:${i}`, 'x'.repeat(20));
      s.server.cron();
      // (the cron's own timer may start it first, and again once the file doubles)
      await until('the automatic rewrite', async () => {
        const f = await info(c);
        return Number(f.get('aof_rewrites')) >= 1 && f.get('aof_rewrite_in_progress') === '0';
      });
      assert.ok(s.logs.some((l) => /^Starting automatic rewriting of AOF on \d+% growth$/.test(l)), s.logs.join('\n'));
      c.close();
      await s.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('aof-timestamp-enabled writes #TS annotations, which loading skips', async () => {
    const dir = tempDir();
    try {
      let s = await boot(dir, { 'aof-timestamp-enabled': 'yes' });
      let c = await RawClient.connect(s.port);
      const before = Math.floor(Date.now() / 1000);
      await c.call('SET', 'a', '1');
      const text = incr(dir);
      const m = /^#TS:(\d+)\r\n\*2\r\n\$6\r\nSELECT\r\n/.exec(text);
      assert.ok(m !== null, JSON.stringify(text));
      assert.ok(Math.abs(Number(m[1]) - before) <= 1);
      c.close();
      await s.close();
      s = await boot(dir);
      c = await RawClient.connect(s.port);
      assert.equal(await c.call('GET', 'a'), '1');
      c.close();
      await s.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('aof-use-rdb-preamble no: the base is written as commands, as of the start of the rewrite, and loads back', async () => {
    const dir = tempDir();
    try {
      let s = await boot(dir, { 'aof-use-rdb-preamble': 'no', 'aof-timestamp-enabled': 'yes', 'rdb-key-save-delay': '200' });
      let c = await RawClient.connect(s.port);
      // the base written at the first start: commands, named .base.aof
      assert.deepEqual(aofFiles(dir), ['appendonly.aof.1.base.aof', 'appendonly.aof.1.incr.aof', 'appendonly.aof.manifest']);
      for (let i = 0; i < 150; i++) await c.call('SET', `key:${i}`, String(i));
      await c.call('RPUSH', 'list', ...Array.from({ length: 70 }, (_, i) => `e${i}`));
      await c.call('HSET', 'hash', 'f', 'v');
      await c.call('ZADD', 'zset', '0.1', 'm');
      await c.call('PEXPIREAT', 'key:7', '4102444800000');
      const start = Math.floor(Date.now() / 1000);
      assert.equal(await c.call('BGREWRITEAOF'), 'Background append only file rewriting started');
      // changed while the base is being written: the base keeps what was there when it started
      await c.call('SET', 'key:149', 'changed');
      await c.call('DEL', 'key:148');
      await c.call('RPUSH', 'list', 'late');
      await c.call('SET', 'new', 'x');
      await until('the rewrite', async () => (await info(c)).get('aof_rewrite_in_progress') === '0');
      assert.equal((await info(c)).get('aof_last_bgrewrite_status'), 'ok');
      assert.equal(manifest(dir), 'file appendonly.aof.2.base.aof seq 2 type b\nfile appendonly.aof.2.incr.aof seq 2 type i\n');
      const base = readFileSync(join(dir, 'appendonlydir', 'appendonly.aof.2.base.aof'), 'latin1');
      const ts = /^#TS:(\d+)\r\n\*2\r\n\$6\r\nSELECT\r\n\$1\r\n0\r\n/.exec(base);
      assert.ok(ts !== null, base.slice(0, 80));
      assert.ok(Math.abs(Number(ts[1]) - start) <= 1);
      assert.ok(base.includes(encodeCommand(['SET', 'key:149', '149'])));
      assert.ok(base.includes(encodeCommand(['SET', 'key:148', '148'])));
      assert.ok(!base.includes('changed') && !base.includes('late') && !base.includes(encodeCommand(['SET', 'new', 'x'])));
      assert.ok(base.includes(encodeCommand(['SET', 'key:7', '7']) + encodeCommand(['PEXPIREAT', 'key:7', '4102444800000'])));
      // 64 items a command, as Redis batches them
      const items = Array.from({ length: 70 }, (_, i) => `e${i}`);
      assert.ok(base.includes(encodeCommand(['RPUSH', 'list', ...items.slice(0, 64)]) + encodeCommand(['RPUSH', 'list', ...items.slice(64)])));
      assert.ok(base.includes(encodeCommand(['HMSET', 'hash', 'f', 'v'])));
      assert.ok(base.includes(encodeCommand(['ZADD', 'zset', '0.10000000000000001', 'm'])));
      const digest = String(await c.call('DEBUG', 'DIGEST'));
      // CONFIG SET switches the next base back to an RDB image
      assert.equal(await c.call('CONFIG', 'SET', 'aof-use-rdb-preamble', 'yes'), 'OK');
      c.close();
      await s.close();
      s = await boot(dir);
      c = await RawClient.connect(s.port);
      assert.equal(String(await c.call('DEBUG', 'DIGEST')), digest);
      assert.equal(await c.call('GET', 'key:149'), 'changed');
      assert.equal(await c.call('LLEN', 'list'), 71);
      assert.ok(s.logs.some((l) => l.startsWith('DB loaded from base file appendonly.aof.2.base.aof: ')), s.logs.join('\n'));
      assert.equal(await c.call('BGREWRITEAOF'), 'Background append only file rewriting started');
      await until('the second rewrite', async () => (await info(c)).get('aof_rewrite_in_progress') === '0');
      assert.equal(manifest(dir), 'file appendonly.aof.3.base.rdb seq 3 type b\nfile appendonly.aof.3.incr.aof seq 3 type i\n');
      c.close();
      await s.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('an appendonly.aof of Redis 6.x is moved into the directory and loaded', async () => {
    const dir = tempDir();
    try {
      writeFileSync(join(dir, 'appendonly.aof'), encodeCommand(['SELECT', '0']) + encodeCommand(['SET', 'old', 'style']) + encodeCommand(['RPUSH', 'l', '1', '2']), 'latin1');
      const s = await boot(dir);
      assert.ok(s.logs.includes('Successfully migrated an old-style AOF file (appendonly.aof) into the AOF directory (appendonlydir).'), s.logs.join('\n'));
      assert.ok(!existsSync(join(dir, 'appendonly.aof')));
      assert.equal(manifest(dir), 'file appendonly.aof seq 1 type b\nfile appendonly.aof.1.incr.aof seq 1 type i\n');
      const c = await RawClient.connect(s.port);
      assert.equal(await c.call('GET', 'old'), 'style');
      assert.deepEqual(await c.call('LRANGE', 'l', '0', '-1'), ['1', '2']);
      c.close();
      await s.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses to start on a bad manifest, a missing file, an unknown command or a malformed file, with Redis messages', async () => {
    const cases: [string, (aofdir: string) => void, RegExp][] = [
      ['empty manifest', (d) => writeFileSync(join(d, 'appendonly.aof.manifest'), ''), /Found an empty AOF manifest/],
      ['bad line', (d) => writeFileSync(join(d, 'appendonly.aof.manifest'), 'file x seq 1\n'), /Invalid AOF manifest file format/],
      ['path', (d) => writeFileSync(join(d, 'appendonly.aof.manifest'), 'file ../x seq 1 type b\n'), /File can't be a path, just a filename/],
      ['two bases', (d) => writeFileSync(join(d, 'appendonly.aof.manifest'), 'file a seq 1 type b\nfile b seq 2 type b\n'), /Found duplicate base file information/],
      ['order', (d) => writeFileSync(join(d, 'appendonly.aof.manifest'), 'file a seq 2 type i\nfile b seq 1 type i\n'), /Found a non-monotonic sequence number/],
      ['type', (d) => writeFileSync(join(d, 'appendonly.aof.manifest'), 'file a seq 1 type x\n'), /Unknown AOF file type/],
      ['missing file', (d) => writeFileSync(join(d, 'appendonly.aof.manifest'), 'file a.aof seq 1 type i\n'), /Unable to obtain the AOF file a\.aof length/],
      [
        'unknown command',
        (d) => {
          writeFileSync(join(d, 'appendonly.aof.manifest'), 'file a.aof seq 1 type i\n');
          writeFileSync(join(d, 'a.aof'), encodeCommand(['SET', 'k', 'v']) + encodeCommand(['NOSUCH', 'x']));
        },
        /Unknown command 'NOSUCH' reading the append only file a\.aof/,
      ],
      [
        'malformed',
        (d) => {
          writeFileSync(join(d, 'appendonly.aof.manifest'), 'file a.aof seq 1 type i\n');
          writeFileSync(join(d, 'a.aof'), encodeCommand(['SET', 'k', 'v']) + 'garbage\r\n');
        },
        /Bad file format reading the append only file a\.aof: make a backup of your AOF file, then use \.\/redis-check-aof --fix <filename\.manifest>/,
      ],
      [
        'truncated, not the last file',
        (d) => {
          writeFileSync(join(d, 'appendonly.aof.manifest'), 'file a.aof seq 1 type i\nfile b.aof seq 2 type i\n');
          writeFileSync(join(d, 'a.aof'), encodeCommand(['SET', 'k', 'v']).slice(0, -3));
          writeFileSync(join(d, 'b.aof'), encodeCommand(['SET', 'k', 'v']));
        },
        /Fatal error: the truncated file is not the last file/,
      ],
    ];
    for (const [what, make, expected] of cases) {
      const dir = tempDir();
      try {
        mkdirSync(join(dir, 'appendonlydir'));
        make(join(dir, 'appendonlydir'));
        let err: (Error & { logs?: string[] }) | null = null;
        try {
          const s = await boot(dir);
          await s.close();
        } catch (e) {
          err = e as Error & { logs?: string[] };
        }
        assert.ok(err !== null, `${what}: started`);
        const text = [...(err.logs ?? []), err.message].join('\n');
        assert.match(text, expected, what);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }
  });

  it('a transaction left open at the end of the last file is reverted, and the file cut before its MULTI', async () => {
    const dir = tempDir();
    try {
      const aofdir = join(dir, 'appendonlydir');
      mkdirSync(aofdir);
      writeFileSync(join(aofdir, 'appendonly.aof.manifest'), 'file appendonly.aof.1.incr.aof seq 1 type i\n');
      const whole = encodeCommand(['SELECT', '0']) + encodeCommand(['SET', 'a', '1']);
      writeFileSync(join(aofdir, 'appendonly.aof.1.incr.aof'), whole + encodeCommand(['MULTI']) + encodeCommand(['SET', 'b', '2']), 'latin1');
      const s = await boot(dir);
      assert.ok(s.logs.includes('Revert incomplete MULTI/EXEC transaction in AOF file appendonly.aof.1.incr.aof'), s.logs.join('\n'));
      assert.ok(s.logs.includes(`!!! Truncating the AOF appendonly.aof.1.incr.aof at offset ${whole.length} !!!`));
      assert.equal(readFileSync(join(aofdir, 'appendonly.aof.1.incr.aof'), 'latin1'), whole);
      const c = await RawClient.connect(s.port);
      assert.equal(await c.call('GET', 'a'), '1');
      assert.equal(await c.call('EXISTS', 'b'), 0);
      // appending continues where the cut left the file (with a SELECT first, as after any start)
      await c.call('SET', 'c', '3');
      assert.equal(readFileSync(join(aofdir, 'appendonly.aof.1.incr.aof'), 'latin1'), whole + encodeCommand(['SELECT', '0']) + encodeCommand(['SET', 'c', '3']));
      c.close();
      await s.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('keys already expired in the base are loaded and then expire; keys do not expire while commands are replayed', async () => {
    const dir = tempDir();
    try {
      const aofdir = join(dir, 'appendonlydir');
      mkdirSync(aofdir);
      writeFileSync(join(aofdir, 'appendonly.aof.manifest'), 'file appendonly.aof.1.incr.aof seq 1 type i\n');
      const past = String(Date.now() - 10000);
      // Redis replays APPEND on the key although its time has passed (keyIsExpired is false while loading)
      writeFileSync(
        join(aofdir, 'appendonly.aof.1.incr.aof'),
        encodeCommand(['SELECT', '0']) + encodeCommand(['SET', 'k', 'v', 'PXAT', past]) + encodeCommand(['APPEND', 'k', 'w']) + encodeCommand(['PERSIST', 'k']),
        'latin1',
      );
      const s = await boot(dir);
      const c = await RawClient.connect(s.port);
      assert.equal(await c.call('GET', 'k'), 'vw');
      assert.equal(await c.call('TTL', 'k'), -1);
      c.close();
      await s.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('DEBUG LOADAOF writes what is buffered, empties the data and loads the files again', async () => {
    const dir = tempDir();
    try {
      const s = await boot(dir, { 'enable-debug-command': 'yes' });
      const c = await RawClient.connect(s.port);
      await c.call('SET', 'a', '1');
      await c.call('RPUSH', 'l', 'x', 'y');
      // a key the files do not hold: gone after the reload
      s.server.keyspace.dbs[0].add('not-in-the-file', 'v');
      const before = incr(dir);
      assert.equal(await c.call('DEBUG', 'LOADAOF'), 'OK');
      assert.equal(incr(dir), before, 'what was replayed was not appended again');
      assert.deepEqual(await c.call('KEYS', '*').then((k) => (k as string[]).sort()), ['a', 'l']);
      assert.equal((await infoFields(c, 'persistence')).get('rdb_changes_since_last_save'), '0');
      assert.ok(s.logs.includes('Append Only File loaded by DEBUG LOADAOF'));
      // appending goes on
      await c.call('SET', 'b', '2');
      await c.call('DEBUG', 'LOADAOF');
      assert.equal(await c.call('GET', 'b'), '2');
      c.close();
      await s.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  const noDevFull = existsSync('/dev/full') ? false : '/dev/full is missing: the disk-full tests need a file whose writes fail with ENOSPC';
  if (noDevFull) process.stderr.write(`# SKIP: ${noDevFull}\n`);

  /** A directory whose incremental file is /dev/full: every write to it fails with ENOSPC. */
  function fullDisk(): string {
    const dir = tempDir();
    const aofdir = join(dir, 'appendonlydir');
    mkdirSync(aofdir);
    writeFileSync(join(aofdir, 'appendonly.aof.manifest'), 'file appendonly.aof.1.incr.aof seq 1 type i\n');
    symlinkSync('/dev/full', join(aofdir, 'appendonly.aof.1.incr.aof'));
    return dir;
  }

  it('a failed write (disk full) under everysec: writes get -MISCONF until a write succeeds, as Redis', { skip: noDevFull }, async () => {
    const dir = fullDisk();
    try {
      const s = await boot(dir, { appendfsync: 'everysec' });
      const c = await RawClient.connect(s.port);
      assert.equal(await c.call('SET', 'k', 'v'), 'OK'); // the write to the file fails after the command
      await until('the write error', async () => (await info(c)).get('aof_last_write_status') === 'err');
      assert.equal(errorOf(await c.call('SET', 'k2', 'v')), 'MISCONF Errors writing to the AOF file: No space left on device');
      assert.equal(errorOf(await c.call('PING')), 'MISCONF Errors writing to the AOF file: No space left on device');
      assert.equal(await c.call('GET', 'k'), 'v', 'reads go on');
      assert.ok(s.logs.includes('Error writing to the AOF file: No space left on device'), s.logs.join('\n'));
      assert.ok(Number((await info(c)).get('aof_buffer_length')) > 0, 'what failed waits to be written again');
      // turning the AOF off ends the refusals
      assert.equal(await c.call('CONFIG', 'SET', 'appendonly', 'no'), 'OK');
      assert.equal(await c.call('SET', 'k3', 'v'), 'OK');
      c.close();
      await s.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a failed write under appendfsync always stops the process before the write is acknowledged', { skip: noDevFull }, async () => {
    const dir = fullDisk();
    try {
      const port = await freePort();
      const p = spawn(process.execPath, [BIN, '--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'yes', '--appendfsync', 'always'], { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      p.stdout.on('data', (b: Buffer) => (out += b.toString('latin1')));
      p.stderr.on('data', (b: Buffer) => (out += b.toString('latin1')));
      const exited = new Promise<number | null>((r) => p.on('exit', (code) => r(code)));
      try {
        await untilReady(() => out, p, 20000);
        const c = await RawClient.connect(port);
        const reply = await c.call('SET', 'k', 'v').then(
          (v) => v,
          (e: Error) => e,
        );
        assert.ok(reply instanceof Error, `no acknowledgement: ${JSON.stringify(reply)}`);
        c.close();
        assert.equal(await exited, 1);
        assert.match(out, /Can't recover from AOF write error when the AOF fsync policy is 'always'\. Exiting\.\.\./);
      } finally {
        p.kill('SIGKILL');
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
