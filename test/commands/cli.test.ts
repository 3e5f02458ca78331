import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, redisServerPath, untilReady } from '../helpers/servers.js';
import { RawClient } from '../helpers/raw-client.js';

const BIN = fileURLToPath(new URL('../../../bin/sinew-server.js', import.meta.url));

function hasRedisCli(): boolean {
  return spawnSync('redis-cli', ['--version']).status === 0;
}

/** Runs a command to completion; returns exit code and output. */
function run(cmd: string, args: string[], cwd: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (b: Buffer) => (stdout += b.toString('latin1')));
    p.stderr.on('data', (b: Buffer) => (stderr += b.toString('latin1')));
    const timer = setTimeout(() => p.kill('SIGKILL'), 10000);
    p.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

describe('sinew-server command line', () => {
  it('the executable and npm start run Node with the same options, and the executable runs by its first line', async (t) => {
    const first = readFileSync(BIN, 'latin1').split('\n', 1)[0];
    const m = /^#!\/usr\/bin\/env -S node( .*)?$/.exec(first);
    assert.ok(m, `first line: ${first}`);
    const options = (m[1] ?? '').trim();
    assert.ok(options.includes('--max-semi-space-size='), options);
    const pkg = JSON.parse(readFileSync(join(BIN, '..', '..', 'package.json'), 'latin1')) as { scripts: { start: string } };
    assert.equal(pkg.scripts.start, `node ${options} bin/sinew-server.js`);
    if (process.platform !== 'linux') return t.skip('reading a process command line needs /proc (Linux)');
    // started as a program, the way an installed `sinew-server` is
    const port = await freePort();
    const dir = mkdtempSync(join(tmpdir(), 'sinew-cli-'));
    const p = spawn(BIN, ['--port', String(port), '--bind', '127.0.0.1', '--save', ''], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    p.stdout.on('data', (b: Buffer) => (out += b.toString('latin1')));
    p.stderr.on('data', (b: Buffer) => (out += b.toString('latin1')));
    try {
      await untilReady(() => out, p);
      const cmdline = readFileSync(`/proc/${p.pid}/cmdline`, 'latin1').split('\0');
      for (const o of options.split(/\s+/)) assert.ok(cmdline.includes(o), `${o} in ${cmdline.join(' ')}`);
      const c = await RawClient.connect(port);
      assert.equal(await c.raw('PING'), '+PONG\r\n');
      c.close();
    } finally {
      p.kill('SIGTERM');
      await new Promise((r) => p.on('exit', r));
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('starts from a config file plus options, answers PING, CONFIG REWRITE, stops on SIGTERM', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sinew-cli-'));
    const port = await freePort();
    const conf = join(dir, 'sinew.conf');
    writeFileSync(conf, '# test\nport 1\nhz 15\nsave ""\n');
    const pidfile = join(dir, 'sinew.pid');
    const p = spawn(process.execPath, [BIN, conf, '--port', String(port), '--bind', '127.0.0.1', '--pidfile', pidfile], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    p.stdout.on('data', (b: Buffer) => (out += b.toString('latin1')));
    p.stderr.on('data', (b: Buffer) => (out += b.toString('latin1')));
    const exited = new Promise<number | null>((resolve) => p.on('exit', (code) => resolve(code)));
    try {
      await untilReady(() => out, p);
      assert.equal(readFileSync(pidfile, 'latin1'), `${p.pid}\n`);
      if (hasRedisCli()) {
        const r = await run('redis-cli', ['-p', String(port), 'PING'], dir);
        assert.equal(r.stdout.trim(), 'PONG');
      }
      const c = await RawClient.connect(port);
      assert.equal(await c.raw('PING'), '+PONG\r\n');
      assert.deepEqual(await c.call('CONFIG', 'GET', 'hz'), ['hz', '15']);
      assert.deepEqual(await c.call('CONFIG', 'GET', 'port'), ['port', String(port)]);
      assert.deepEqual(await c.call('CONFIG', 'GET', 'dir'), ['dir', dir]);
      assert.equal(await c.raw('CONFIG', 'SET', 'hz', '25'), '+OK\r\n');
      assert.equal(await c.raw('CONFIG', 'REWRITE'), '+OK\r\n');
      const text = readFileSync(conf, 'latin1');
      assert.match(text, /^# test\n/);
      assert.match(text, /\nhz 25\n/);
      assert.match(text, new RegExp(`\\nport ${port}\\n`));
      c.close();
      p.kill('SIGTERM');
      assert.equal(await exited, 0);
      assert.match(out, /Received SIGTERM scheduling shutdown/);
      assert.match(out, /ready to exit, bye bye/);
      assert.equal(existsSync(pidfile), false, 'pidfile removed at exit');
    } finally {
      if (p.exitCode === null) p.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('SHUTDOWN from a client ends the process', async () => {
    const port = await freePort();
    const p = spawn(process.execPath, [BIN, '--port', String(port), '--bind', '127.0.0.1', '--save', ''], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    p.stdout.on('data', (b: Buffer) => (out += b.toString('latin1')));
    const exited = new Promise<number | null>((resolve) => p.on('exit', (code) => resolve(code)));
    try {
      await untilReady(() => out, p);
      const c = await RawClient.connect(port);
      c.send('SHUTDOWN', 'NOSAVE');
      assert.equal(await exited, 0);
    } finally {
      if (p.exitCode === null) p.kill('SIGKILL');
    }
  });

  it('bad directives stop start-up with the fatal block redis-server prints, exit code 1', async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'sinew-cli-'));
    try {
      const files: Record<string, string> = {
        'unknown.conf': 'port 7001\nfoo bar\n',
        'badint.conf': 'port 7001\nhz abc\n',
        'args.conf': 'port 7001\nhz 1 2\n',
        'quotes.conf': 'port 7001\nappendonly "yes\n',
        'enum.conf': 'loglevel nothing\n',
        'nonl.conf': 'port 7001',
        'sentinel.conf': 'sentinel monitor x 1.2.3.4 6379 2\n',
        'replica.conf': 'port 7001\nreplicaof a 70000\n',
        'perm.conf': 'unixsocketperm 0800\n',
        'flags.conf': 'shutdown-on-sigterm save nosave\n',
        'save.conf': 'save 900 1 300\n',
      };
      for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
      const cases: string[][] = [
        ['unknown.conf'],
        ['badint.conf'],
        ['args.conf'],
        ['quotes.conf'],
        ['enum.conf'],
        ['sentinel.conf'],
        ['replica.conf'],
        ['perm.conf'],
        ['flags.conf'],
        ['save.conf'],
        ['--port', '7001', '--hz', 'abc'],
        ['--nosuch', '1'],
        ['nonl.conf', '--hz', 'x'],
        ['--port'],
        ['--port', '7001', '7002'],
        ['--hz', 'a b'],
      ];
      const oracle = redisServerPath();
      for (const args of cases) {
        const ours = await run(process.execPath, [BIN, ...args], dir);
        assert.equal(ours.code, 1, `exit code for ${args.join(' ')}`);
        assert.match(ours.stderr, /^\n\*\*\* FATAL CONFIG FILE ERROR \(Redis 7\.0\.15\) \*\*\*\nReading the configuration file, at line \d+\n>>> '.*'\n.+\n$/);
        if (oracle !== null) {
          const theirs = await run(oracle, args, dir);
          assert.equal(ours.stderr, theirs.stderr, `stderr for ${args.join(' ')}`);
          assert.equal(theirs.code, 1);
        }
      }
      const missing = await run(process.execPath, [BIN, join(dir, 'missing.conf')], dir);
      assert.equal(missing.code, 1);
      assert.match(missing.stderr + missing.stdout, /Fatal error, can't open config file '.*missing\.conf': No such file or directory/);
      if (oracle === null) t.diagnostic('redis-server not installed: fatal blocks checked for shape only');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('--version prints the version', async () => {
    const r = await run(process.execPath, [BIN, '--version'], tmpdir());
    assert.equal(r.code, 0);
    assert.match(r.stdout, /Redis 7\.0\.15 compatible/);
  });
});
