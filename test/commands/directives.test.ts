/**
 * No setting is accepted silently: every directive of the config table is
 * implemented, ignored for a stated reason, or refused (at start-up and by
 * CONFIG SET) when its value turns on a feature Sinew lacks.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync, readdirSync, mkdtempSync, writeFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CONFIG_DEFS, Config, type ConfigDef } from '../../src/config/config.js';
import { applyDirectives, parseConfigText, FatalConfigError } from '../../src/config/file.js';
import { sinew, freePort, untilReady } from '../helpers/servers.js';
import { RawClient } from '../helpers/raw-client.js';
import { useSinew } from '../helpers/suite.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const BIN = join(ROOT, 'bin', 'sinew-server.js');

/** The TypeScript sources, path -> text. */
function sources(dir = join(ROOT, 'src')): Map<string, string> {
  const out = new Map<string, string>();
  for (const ent of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, ent.name);
    if (ent.isDirectory()) for (const [k, v] of sources(p)) out.set(k, v);
    else if (ent.name.endsWith('.ts')) out.set(p, readFileSync(p, 'utf8'));
  }
  return out;
}

function run(args: string[], cwd: string): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [BIN, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    p.stdout.on('data', (b: Buffer) => (out += b.toString('latin1')));
    p.stderr.on('data', (b: Buffer) => (err += b.toString('latin1')));
    const timer = setTimeout(() => p.kill('SIGKILL'), 20000);
    p.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, out, err });
    });
  });
}

/** Runs jobs with at most `n` at a time. */
async function pool<T>(items: T[], n: number, job: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await job(items[next++]);
  };
  await Promise.all(Array.from({ length: n }, worker));
}

const refused = CONFIG_DEFS.filter((d) => d.support.kind === 'refused') as (ConfigDef & {
  support: { kind: 'refused'; on: string; off: string; refuse: (v: string) => string | null };
})[];

/** Command-line arguments for a value (several words for save, replicaof). */
function cliArgs(d: ConfigDef, value: string): string[] {
  return [`--${d.name}`, ...(d.multiArg && value !== '' ? value.split(' ') : [value])];
}

describe('every directive is implemented, ignored for a reason, or refused when enabling', () => {
  it('each directive of the table is classified', () => {
    // (config.ts also refuses to load with an unclassified directive)
    const kinds = new Map<string, string[]>();
    for (const d of CONFIG_DEFS) {
      assert.ok(d.support !== undefined, `${d.name} is not classified`);
      assert.ok(['implemented', 'ignored', 'refused'].includes(d.support.kind), `${d.name}: ${d.support.kind}`);
      if (d.support.kind === 'ignored') assert.ok(d.support.why.length > 20, `${d.name} is ignored without a reason`);
      kinds.set(d.support.kind, [...(kinds.get(d.support.kind) ?? []), d.name]);
    }
    for (const name of ['replicaof', 'tls-replication', 'tls-cluster', 'cluster-enabled', 'syslog-enabled']) {
      assert.ok(kinds.get('refused')!.includes(name), `${name} is refused when enabling`);
    }
    for (const name of ['tls-port', 'tls-cert-file', 'tls-key-file', 'tls-ca-cert-file', 'tls-auth-clients', 'tls-protocols', 'appendonly', 'aof-use-rdb-preamble', 'appendfsync', 'appenddirname', 'aof-load-truncated', 'daemonize', 'supervised', 'logfile', 'pidfile', 'unixsocketperm', 'maxmemory-clients', 'save', 'dbfilename', 'rdbcompression', 'rdbchecksum', 'stop-writes-on-bgsave-error']) {
      assert.ok(kinds.get('implemented')!.includes(name), `${name} is implemented`);
    }
  });

  it('an implemented directive is read somewhere outside the table', () => {
    const src = sources();
    const table = join(ROOT, 'src', 'config', 'config.ts');
    for (const d of CONFIG_DEFS) {
      if (d.support.kind !== 'implemented') continue;
      const literal = `'${d.name}'`;
      let found = false;
      for (const [path, text] of src) {
        if (path === table) {
          // the refresh() switch of the table keeps hot values as fields
          if (text.includes(`case ${literal}:`)) found = true;
        } else if (text.includes(literal)) {
          found = true;
        }
        if (found) break;
      }
      assert.ok(found, `${d.name} is marked implemented but nothing reads it`);
    }
  });

  it('defaults keep every refused feature off; save points default to Redis 7.0\'s', () => {
    const cfg = new Config();
    for (const d of CONFIG_DEFS) {
      if (d.name === 'dir') continue;
      if (d.support.kind === 'refused') assert.equal(d.support.refuse(d.default), null, `default of ${d.name}`);
      // (replicaof's default, no master, is set as "no one")
      const value = d.name === 'replicaof' ? 'no one' : d.default;
      assert.equal(cfg.set(d.name, value), null, `default of ${d.name}`);
      assert.equal(cfg.get(d.name), d.default);
    }
    assert.equal(new Config().get('save'), '3600 1 300 100 60 10000');
    // the fields kept hot for the command path hold the defaults of the table (Redis 7.0's compiled-in ones)
    assert.deepEqual(new Config().typeLimits, {
      setIntset: 512, hashEntries: 512, hashValue: 64, zsetEntries: 128, zsetValue: 64, streamNodeMaxBytes: 4096, streamNodeMaxEntries: 100,
    });
  });

  it('refused directives: the enabling value is refused with the reason, the disabling value accepted', () => {
    assert.ok(refused.length >= 5);
    for (const d of refused) {
      const cfg = new Config();
      const why = cfg.set(d.name, d.support.on);
      assert.ok(why !== null, `${d.name} ${d.support.on} accepted`);
      assert.match(why, new RegExp(`^${d.name} .* is not supported yet by Sinew: .+`), d.name);
      assert.equal(cfg.get(d.name), d.default, `${d.name} unchanged`);
      assert.equal(cfg.set(d.name, d.support.off), null, `${d.name} ${JSON.stringify(d.support.off)} refused`);
    }
    const cfg = new Config();
    assert.equal(cfg.set('appendonly', 'YES'), null);
    assert.equal(cfg.get('appendonly'), 'yes');
    assert.equal(cfg.set('aof-use-rdb-preamble', 'no'), null);
    assert.equal(cfg.get('aof-use-rdb-preamble'), 'no');
    // maxmemory-clients is implemented: 0% is 0 (off), as Redis shows it
    assert.equal(cfg.set('maxmemory-clients', '0%'), null);
    assert.equal(cfg.get('maxmemory-clients'), '0');
    assert.equal(cfg.set('maxmemory-clients', '10%'), null);
    assert.equal(cfg.get('maxmemory-clients'), '10%');
    assert.equal(cfg.maxmemoryClients, -10);
    assert.equal(cfg.set('maxmemory-clients', '1mb'), null);
    assert.equal(cfg.maxmemoryClients, 1048576);
    assert.equal(cfg.set('replicaof', 'NO ONE'), null);
    assert.equal(cfg.get('replicaof'), '');
    // a malformed value keeps Redis's own message
    assert.equal(cfg.set('save', '1 2 3'), 'Invalid save parameters');
    assert.equal(cfg.set('appendonly', 'maybe'), "argument must be 'yes' or 'no'");
  });

  it('config files: refused values, and the file-only directives user, rename-command, loadmodule', () => {
    const fatal = (text: string): FatalConfigError => {
      try {
        applyDirectives(new Config(), parseConfigText(text));
      } catch (e) {
        assert.ok(e instanceof FatalConfigError, String(e));
        return e;
      }
      assert.fail(`accepted: ${text}`);
    };
    let e = fatal('port 7001\ncluster-enabled yes\n');
    assert.equal(
      e.message,
      "*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***\nReading the configuration file, at line 2\n>>> 'cluster-enabled yes'\n" +
        'cluster-enabled yes is not supported yet by Sinew: cluster mode is not implemented',
    );
    e = fatal('save 900 1 300\n');
    assert.equal(e.reason, 'Invalid save parameters');
    // user lines go to the ACL subsystem: without one to take them they are refused
    e = fatal('user alice on >pw ~* +@all\n');
    assert.equal(e.reason, 'user lines declare ACL users, which need a server to hold them');
    e = fatal('rename-command FLUSHALL ""\n');
    assert.equal(e.reason, 'rename-command renames a command of a server, which needs one to hold it');
    e = fatal('loadmodule /x.so\n');
    assert.match(e.reason, /^loadmodule is not supported yet by Sinew/);
    // an unwritable log file: Redis's block without a line
    e = fatal('logfile /nonexistent-dir/x.log\n');
    assert.equal(e.message, "*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***\nCan't open the log file: No such file or directory");
    // the disabling values load
    const cfg = new Config();
    applyDirectives(cfg, parseConfigText('appendonly no\nsave ""\ntls-port 0\nreplicaof no one\nslaveof no one\ncluster-enabled no\n'));
    assert.equal(cfg.get('save'), '');
  });

  it('unixsocketperm sets the mode of the unix socket', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sinew-directives-'));
    try {
      const path = join(dir, 'sinew.sock');
      const s = await sinew({ unixsocket: path, unixsocketperm: '700' });
      try {
        assert.equal(statSync(path).mode & 0o777, 0o700);
      } finally {
        await s.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  describe('CONFIG SET', () => {
    const { client: c } = useSinew();

    it('refuses every enabling value in Redis\'s CONFIG SET error format, accepts the disabling one', async () => {
      for (const d of refused) {
        const reply = await c.raw('CONFIG', 'SET', d.name, d.support.on);
        if (!d.mutable) {
          assert.equal(reply, `-ERR CONFIG SET failed (possibly related to argument '${d.name}') - can't set immutable config\r\n`);
          continue;
        }
        assert.equal(reply, `-ERR CONFIG SET failed (possibly related to argument '${d.name}') - ${d.support.refuse(d.support.on)}\r\n`);
        assert.deepEqual(await c.call('CONFIG', 'GET', d.name), [d.name, d.default], `${d.name} unchanged`);
        assert.equal(await c.raw('CONFIG', 'SET', d.name, d.support.off), '+OK\r\n', `${d.name} ${d.support.off}`);
      }
      assert.equal(
        await c.raw('CONFIG', 'SET', 'cluster-enabled', 'yes'),
        "-ERR CONFIG SET failed (possibly related to argument 'cluster-enabled') - can't set immutable config\r\n",
      );
      // atomic: a refused pair leaves the others unapplied
      assert.match(await c.raw('CONFIG', 'SET', 'hz', '33', 'min-replicas-to-write', '1'), /^-ERR CONFIG SET failed \(possibly related to argument 'min-replicas-to-write'\) - min-replicas-to-write 1 is not supported yet by Sinew/);
      assert.deepEqual(await c.call('CONFIG', 'GET', 'hz'), ['hz', '10']);
      assert.deepEqual(await c.call('CONFIG', 'GET', 'save'), ['save', '']);
      assert.deepEqual(await c.call('CONFIG', 'GET', 'appendonly'), ['appendonly', 'no']);
    });
  });

  it('start-up: every enabling value stops the server with the fatal block, exit code 1', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sinew-directives-'));
    try {
      const cases: { args: string[]; reason: string }[] = refused.map((d) => ({
        args: ['--port', '0', ...cliArgs(d, d.support.on)],
        reason: d.support.refuse(d.support.on)!,
      }));
      for (const [name, line] of [
        ['loadmodule', 'loadmodule /usr/lib/redis/modules/x.so'],
      ]) {
        writeFileSync(join(dir, `${name}.conf`), `port 0\n${line}\n`);
        cases.push({ args: [`${name}.conf`], reason: `${name} is not supported yet by Sinew: ` });
      }
      await pool(cases, 4, async ({ args, reason }) => {
        const r = await run(args, dir);
        assert.equal(r.code, 1, `exit code for ${args.join(' ')}: ${r.out}${r.err}`);
        assert.match(r.err, /^\n\*\*\* FATAL CONFIG FILE ERROR \(Redis 7\.0\.15\) \*\*\*\nReading the configuration file, at line \d+\n>>> '.*'\n.+\n$/);
        assert.ok(r.err.includes(`\n${reason}`), `${args.join(' ')}: ${r.err}`);
        assert.equal(r.out, '', 'nothing started');
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('start-up: all the disabling values together start the server', async () => {
    const port = await freePort();
    const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', ''];
    for (const d of refused) args.push(...cliArgs(d, d.support.off));
    const p = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    p.stdout.on('data', (b: Buffer) => (out += b.toString('latin1')));
    p.stderr.on('data', (b: Buffer) => (out += b.toString('latin1')));
    const exited = new Promise<number | null>((resolve) => p.on('exit', (code) => resolve(code)));
    try {
      await untilReady(() => out, p, 15000);
      const c = await RawClient.connect(port);
      assert.equal(await c.raw('PING'), '+PONG\r\n');
      assert.deepEqual(await c.call('CONFIG', 'GET', 'save'), ['save', '']);
      c.send('SHUTDOWN', 'NOSAVE');
      assert.equal(await exited, 0);
    } finally {
      if (p.exitCode === null) p.kill('SIGKILL');
    }
  });
});
