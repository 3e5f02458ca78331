/**
 * ACL users beyond one connection's replies: users declared in a config
 * file or kept in an ACL file (each against redis-server started on the
 * same files), pub/sub clients closed when their channels are revoked,
 * connections of deleted users, the permission check itself, and a fuzz of
 * the rule parser (a rule set is refused or describes a user that the same
 * description recreates).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RawClient } from '../helpers/raw-client.js';
import { useSinew } from '../helpers/suite.js';
import { freePort, redisServerPath } from '../helpers/servers.js';
import { rng as seeded } from '../helpers/rng.js';
import { checkPermission, denialMessage, scriptDenialMessage } from '../../src/command/permissions.js';
import { startServer } from '../../src/index.js';

const BIN = join(import.meta.dirname, '..', '..', '..', 'bin', 'sinew-server.js');

/** Starts a server binary on a config file that must fail: its exit code and what it printed. */
function failingStart(bin: string[], conf: string): { code: number | null; out: string } {
  const r = spawnSync(bin[0], [...bin.slice(1), conf], { encoding: 'latin1', timeout: 15000 });
  return { code: r.status, out: r.stdout + r.stderr };
}

describe('ACL users from files', () => {
  const redis = redisServerPath();

  it('user lines in the config file; their errors stop start-up with the line, as Redis', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sinew-acl-'));
    try {
      // a good file: the users exist and can log in
      const good = join(dir, 'good.conf');
      writeFileSync(good, `port 0\nsave ""\ndir ${dir}\nuser alice on >pw ~cache:* +get +set\nuser default on nopass ~* &* +@all -flushall\nuser bob on nopass (~x +get) +ping\n`);
      const bad: [string, string][] = [
        ['user alice on >pw +bogus ~x\n', ''],
        ['user alice on >pw badrule\n', "Error in user declaration 'on': Syntax error"],
        ['user alice on\nuser alice off\n', "Error in user declaration 'alice': Duplicate user found. A user can only be defined once in config files"],
        ['user alice on (~x +get\n', ''],
        ['user alice allkeys ~x\n', 'Adding a pattern after the * pattern'],
      ];
      const s = await startWithFile(good);
      try {
        const c = await RawClient.connect(s.port);
        assert.equal(await c.call('AUTH', 'alice', 'pw'), 'OK');
        assert.equal(await c.raw('SET', 'other', 'v'), '-NOPERM this user has no permissions to access one of the keys used as arguments\r\n');
        assert.equal(await c.call('AUTH', 'default', 'x'), 'OK');
        assert.equal(await c.raw('FLUSHALL'), "-NOPERM this user has no permissions to run the 'flushall' command\r\n");
        c.close();
      } finally {
        await s.close();
      }
      for (const [i, [lines, reason]] of bad.entries()) {
        const conf = join(dir, `bad${i}.conf`);
        writeFileSync(conf, `port ${await freePort()}\nsave ""\n${lines}`);
        const ours = failingStart([process.execPath, BIN], conf);
        assert.equal(ours.code, 1, `${lines}: ${ours.out}`);
        if (reason !== '') assert.ok(ours.out.includes(reason), `${lines}: ${ours.out}`);
        if (redis !== null) {
          const theirs = failingStart([redis], conf);
          assert.equal(theirs.code, 1, `redis-server on ${lines}: ${theirs.out}`);
          // the same reason line (Redis's first lines differ: its banner and version)
          const reasonLine = (out: string) => out.split('\n').find((l) => /Error in user|Duplicate|Unmatched|Unknown command|Error loading ACL rule|Syntax error|Adding a pattern/.test(l))?.replace(/^.*?(Error|Unmatched|Unknown|Adding)/, '$1');
          assert.equal(reasonLine(ours.out), reasonLine(theirs.out), `${lines}\nsinew: ${ours.out}\nredis: ${theirs.out}`);
        }
      }
      // user lines and an ACL file together are refused, as Redis
      const both = join(dir, 'both.conf');
      writeFileSync(join(dir, 'users.acl'), 'user carol on nopass +@all ~*\n');
      writeFileSync(both, `port 0\nsave ""\ndir ${dir}\naclfile ${join(dir, 'users.acl')}\nuser alice on\n`);
      const r = failingStart([process.execPath, BIN], both);
      assert.equal(r.code, 1);
      assert.match(r.out, /Configuring Redis with users defined in redis.conf and at the same setting an ACL file path is invalid/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('aclfile: loaded at start, ACL SAVE writes it, ACL LOAD reads it back or refuses it whole with Redis\'s errors', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sinew-aclfile-'));
    const file = join(dir, 'users.acl');
    try {
      writeFileSync(file, 'user alice on #' + 'a'.repeat(64) + ' ~k:* +@read\n\nuser default on nopass ~* &* +@all\n');
      const s = await startServer({ port: 0, save: '', dir, aclfile: file, quiet: true });
      const c = await RawClient.connect(s.port);
      try {
        assert.deepEqual(await c.call('ACL', 'USERS'), ['alice', 'default']);
        assert.equal(await c.call('ACL', 'SETUSER', 'bob', 'on', '>pw', '(~x +get)', '&ch'), 'OK');
        assert.equal(await c.call('ACL', 'SAVE'), 'OK');
        const saved = readFileSync(file, 'latin1');
        assert.equal(saved, ((await c.call('ACL', 'LIST')) as string[]).join('\n') + '\n');
        // a bob logged in is closed by ACL LOAD (its user object is replaced), as Redis frees the old users
        const b = await RawClient.connect(s.port);
        assert.equal(await b.call('AUTH', 'bob', 'pw'), 'OK');
        assert.equal(await c.call('ACL', 'LOAD'), 'OK');
        assert.equal(await b.waitClose(), true);
        assert.deepEqual(await c.call('ACL', 'LIST'), saved.trimEnd().split('\n'));
        // errors: nothing changes, every problem is listed
        writeFileSync(file, 'user alice on +bogus\nuser bob on ~x allkeys ~y\nfoo bar\nuser alice on\nuser carol on >pw\n');
        const err = String(((await c.call('ACL', 'LOAD')) as Error).message);
        const expected =
          `ERR ${file}:1: Error in applying operation '+bogus': Unknown command or category name in ACL. ` +
          `${file}:2: Adding a pattern after the * pattern (or the 'allkeys' flag) is not valid and does not have any effect. Try 'resetkeys' to start with an empty list of patterns. ` +
          `${file}:3 should start with user keyword followed by the username. ` +
          `WARNING: Duplicate user 'alice' found on line 4. ` +
          'WARNING: ACL errors detected, no change to the previously active ACL rules was performed';
        assert.equal(err, expected);
        assert.deepEqual(await c.call('ACL', 'LIST'), saved.trimEnd().split('\n'));
        const redis = redisServerPath();
        if (redis !== null) {
          // redis-server refuses the same file at start with the same list
          const conf = join(dir, 'r.conf');
          writeFileSync(conf, `port ${await freePort()}\nsave ""\naclfile ${file}\n`);
          const r = failingStart([redis], conf);
          assert.equal(r.code, 1);
          assert.ok(r.out.includes(expected.slice(4)), r.out);
        }
      } finally {
        c.close();
        await s.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('rename-command and CONFIG REWRITE of users', () => {
  it('rename-command renames or removes a command (its own name stays in COMMAND and ACL rules); errors as Redis', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sinew-rename-'));
    try {
      const conf = join(dir, 's.conf');
      writeFileSync(conf, `port 0\nsave ""\ndir ${dir}\nrename-command FLUSHALL ""\nrename-command config cfg_x\nrename-command pfadd ""\nuser alice on >pw +@all ~*\n`);
      const s = await startWithFile(conf);
      const c = await RawClient.connect(s.port);
      try {
        assert.match(await c.raw('FLUSHALL'), /^-ERR unknown command 'FLUSHALL'/);
        assert.match(await c.raw('CONFIG', 'GET', 'hz'), /^-ERR unknown command 'CONFIG'/);
        assert.deepEqual(await c.call('CFG_X', 'GET', 'hz'), ['hz', '10']);
        // ACL rules still name commands by their own names
        assert.equal(await c.call('ACL', 'SETUSER', 'bob', 'on', 'nopass', '-@all', '+config|get'), 'OK');
        assert.equal(await c.call('AUTH', 'bob', 'x'), 'OK');
        assert.deepEqual(await c.call('cfg_x', 'get', 'hz'), ['hz', '10']);
        assert.match(await c.raw('cfg_x', 'set', 'hz', '10'), /^-NOPERM this user has no permissions to run the 'config\|set' command/);
        assert.equal(await c.call('AUTH', 'alice', 'pw'), 'OK');
        // CONFIG REWRITE writes the users where the file had them, keeps rename-command lines
        assert.equal(await c.call('CFG_X', 'REWRITE'), 'OK');
        const text = readFileSync(conf, 'latin1');
        assert.match(text, /rename-command FLUSHALL ""\nrename-command config cfg_x\n/);
        assert.match(text, /\nuser alice on #[0-9a-f]{64} ~\* resetchannels \+@all\n/);
        assert.match(text, /\nuser bob on nopass resetchannels -@all \+config\|get\nuser default on nopass ~\* &\* \+@all\n$/);
      } finally {
        c.close();
        await s.close();
      }
      const redis = redisServerPath();
      for (const [line, reason] of [
        ['rename-command nosuch x', 'No such command in rename-command'],
        ['rename-command get set', 'Target command name already exists'],
      ]) {
        const bad = join(dir, 'bad.conf');
        writeFileSync(bad, `port ${await freePort()}\nsave ""\n${line}\n`);
        const ours = failingStart([process.execPath, BIN], bad);
        assert.equal(ours.code, 1);
        assert.ok(ours.out.includes(`>>> '${line}'\n${reason}`), ours.out);
        if (redis !== null) {
          const theirs = failingStart([redis], bad);
          assert.ok(theirs.out.includes(`>>> '${line}'\n${reason}`), theirs.out);
        }
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

async function startWithFile(conf: string) {
  const { createServer } = await import('../../src/compose.js');
  const { parseConfigText, applyDirectives } = await import('../../src/config/file.js');
  const server = createServer({ quiet: true });
  applyDirectives(server.config, parseConfigText(readFileSync(conf, 'latin1'), tmpdir()), {
    user: (a) => server.acl.appendForLoading(a),
    renameCommand: (from, to) => server.commands.rename(from, to),
  });
  server.configFile = conf;
  await server.startup();
  return { port: server.port, close: () => server.close() };
}

describe('ACL and connected clients', () => {
  const { server: srv, client: admin } = useSinew();

  it('pub/sub clients that lose a channel or pattern are closed; the others stay', async () => {
    await admin.call('ACL', 'SETUSER', 'sub', 'on', 'nopass', '+@all', '~*', 'resetchannels', '&news.*', '&alerts');
    const s1 = await RawClient.connect(srv.port);
    const s2 = await RawClient.connect(srv.port);
    const s3 = await RawClient.connect(srv.port);
    for (const c of [s1, s2, s3]) assert.equal(await c.call('AUTH', 'sub', 'x'), 'OK');
    await s1.call('SUBSCRIBE', 'news.a');
    await s2.call('PSUBSCRIBE', 'news.*');
    await s3.call('SUBSCRIBE', 'alerts');
    // a superset keeps everyone
    await admin.call('ACL', 'SETUSER', 'sub', '&more');
    assert.equal(await s1.silent(100), true);
    assert.equal(s1.closed || s2.closed || s3.closed, false);
    // news.* goes: the literal pattern subscriber and the news.a subscriber lose it; alerts stays
    await admin.call('ACL', 'SETUSER', 'sub', 'resetchannels', '&alerts', '&news.a');
    assert.equal(await s2.waitClose(), true);
    assert.equal(s1.closed, false);
    assert.equal(s3.closed, false);
    await admin.call('ACL', 'SETUSER', 'sub', 'resetchannels');
    assert.equal(await s1.waitClose(), true);
    assert.equal(await s3.waitClose(), true);
  });

  it('a disabled user keeps its connections; a deleted one loses them, and its name returns to the default user', async () => {
    await admin.call('ACL', 'SETUSER', 'tmp', 'on', '>pw', '+@all', '~*');
    const c = await RawClient.connect(srv.port);
    assert.equal(await c.call('AUTH', 'tmp', 'pw'), 'OK');
    await admin.call('ACL', 'SETUSER', 'tmp', 'off');
    assert.equal(await c.call('PING'), 'PONG');
    assert.equal(await c.raw('AUTH', 'tmp', 'pw'), '-WRONGPASS invalid username-password pair or user is disabled.\r\n');
    const list = String(await admin.call('CLIENT', 'LIST'));
    assert.match(list, /user=tmp/);
    assert.equal(await admin.call('ACL', 'DELUSER', 'tmp'), 1);
    assert.equal(await c.waitClose(), true);
    assert.doesNotMatch(String(await admin.call('CLIENT', 'LIST')), /user=tmp/);
    assert.equal(await admin.raw('CLIENT', 'KILL', 'USER', 'tmp'), "-ERR No such user 'tmp'\r\n");
  });

  it('the default user with a password (ACL SETUSER, not requirepass): new clients must AUTH, with the unauthenticated input limits; denials are counted in INFO', async () => {
    await admin.call('CONFIG', 'RESETSTAT');
    assert.equal(await admin.call('ACL', 'SETUSER', 'default', 'resetpass', '>s3cret'), 'OK');
    try {
      const c = await RawClient.connect(srv.port);
      assert.equal(await c.raw('GET', 'x'), '-NOAUTH Authentication required.\r\n');
      assert.equal(await c.raw('AUTH', 'wrong'), '-WRONGPASS invalid username-password pair or user is disabled.\r\n');
      c.send('MSET', ...Array.from({ length: 12 }, (_, i) => `a${i}`));
      assert.equal(await c.nextRaw(), '-ERR Protocol error: unauthenticated multibulk length\r\n');
      assert.equal(await c.waitClose(), true);
      const d = await RawClient.connect(srv.port);
      assert.equal(await d.call('AUTH', 's3cret'), 'OK');
      assert.equal(await d.call('ACL', 'WHOAMI'), 'default');
      d.close();
      // a user refused a key, a command and a channel
      await admin.call('ACL', 'SETUSER', 'lim', 'on', 'nopass', '~k', '+get', '+publish');
      const e = await RawClient.connect(srv.port);
      await e.call('AUTH', 'lim', 'x');
      await e.raw('GET', 'other');
      await e.raw('SET', 'k', 'v');
      await e.raw('PUBLISH', 'ch', 'm');
      e.close();
      const info = String(await admin.call('INFO', 'stats'));
      for (const [k, v] of [['auth', 1], ['cmd', 1], ['key', 1], ['channel', 1]] as const) {
        assert.match(info, new RegExp(`acl_access_denied_${k}:${v}\r\n`), k);
      }
    } finally {
      await admin.call('ACL', 'SETUSER', 'default', 'nopass');
      await admin.call('ACL', 'DELUSER', 'lim');
    }
  });

  it('the check: selectors, key access from key specs, channels, first arguments; the replies it words', async () => {
    const acl = srv.server.acl;
    const cmd = (argv: string[]) => srv.server.commands.resolve(argv)!;
    assert.equal(acl.setUser('chk', ['on', '%R~r*', '%W~w*', '~rw*', '&news.*', '+@all', '-set', '-config|set', '-select', '+select|1']), null);
    const u = acl.get('chk')!;
    const deny = (argv: string[]) => checkPermission(u, cmd(argv), argv, 'toplevel');
    assert.deepEqual(deny(['SET', 'w1', 'v']), { reason: 'command', object: 'set', username: 'chk', context: 'toplevel' });
    assert.equal(deny(['CONFIG', 'SET', 'hz', '10'])?.object, 'config|set');
    assert.equal(deny(['CONFIG', 'GET', 'hz']), null);
    assert.equal(deny(['SELECT', '1']), null);
    assert.equal(deny(['SELECT', '2'])?.reason, 'command');
    assert.equal(deny(['GET', 'r1']), null);
    assert.deepEqual(deny(['GET', 'w1']), { reason: 'key', object: 'w1', username: 'chk', context: 'toplevel' });
    assert.equal(deny(['LMOVE', 'rwa', 'rwb', 'LEFT', 'RIGHT']), null);
    assert.equal(deny(['LMOVE', 'ra', 'wb', 'LEFT', 'RIGHT'])?.object, 'ra');
    assert.equal(deny(['COPY', 'r1', 'w1']), null);
    assert.equal(deny(['COPY', 'w1', 'r1'])?.object, 'w1');
    assert.equal(deny(['SORT', 'r1', 'STORE', 'x'])?.object, 'x');
    assert.equal(deny(['EXISTS', 'w1']), null, 'EXISTS needs neither read nor write access');
    assert.equal(deny(['PUBLISH', 'news.a', 'm']), null);
    assert.equal(deny(['SUBSCRIBE', 'news.a', 'other'])?.object, 'other');
    assert.equal(deny(['PSUBSCRIBE', 'news.a*'])?.reason, 'channel');
    assert.equal(deny(['PSUBSCRIBE', 'news.*']), null);
    // selectors: any one allowing the whole command is enough; the refusal kept is the most relevant
    assert.equal(acl.setUser('sel', ['on', '(~a* +get)', '(~b* +set)']), null);
    const s = acl.get('sel')!;
    assert.equal(checkPermission(s, cmd(['GET', 'a1']), ['GET', 'a1'], 'lua'), null);
    assert.equal(checkPermission(s, cmd(['SET', 'a1', 'v']), ['SET', 'a1', 'v'], 'lua')?.reason, 'key');
    assert.equal(checkPermission(s, cmd(['DEL', 'a1']), ['DEL', 'a1'], 'lua')?.reason, 'command');
    const d = checkPermission(s, cmd(['DEL', 'a1']), ['DEL', 'a1'], 'lua')!;
    assert.equal(denialMessage(d), "NOPERM this user has no permissions to run the 'del' command");
    assert.equal(scriptDenialMessage(d), "ERR The user executing the script can't run this command or subcommand");
    assert.equal(acl.deleteUser('chk') && acl.deleteUser('sel'), true);
  });

  it('fuzz: random rules are refused, or give a user whose description recreates it exactly', () => {
    const acl = srv.server.acl;
    const next = seeded(0xac1);
    const rng = { int: (n: number) => Math.floor(next() * n) };
    const atoms = [
      'on', 'off', 'nopass', 'resetpass', 'reset', 'allkeys', 'resetkeys', 'allchannels', 'resetchannels', 'allcommands', 'nocommands',
      'clearselectors', 'sanitize-payload', 'skip-sanitize-payload', '+@all', '-@all', '+@read', '-@write', '+@dangerous', '-@keyspace',
      '+@hash', '-@slow', '+@nosuch', '+get', '-get', '+config|get', '-config', '+config', '-config|set', '+select|0', '+debug|x',
      '+client|list|x', '~*', '~k:*', '%R~r*', '%W~w*', '%RW~x', '%X~y', '&*', '&ch*', '>pw', '<pw', '<other', '#' + 'f'.repeat(64),
      '!' + 'f'.repeat(64), '#short', '(~a +get)', '(+@all -set)', '(~b', '+get)', '', 'bogus', '~a b', '+@all', '-flushall',
    ];
    let refused = 0;
    for (let i = 0; i < 3000; i++) {
      const n = 1 + rng.int(8);
      const rules = Array.from({ length: n }, () => atoms[rng.int(atoms.length)]);
      const err = acl.setUser('fz', rules);
      if (err !== null) {
        refused++;
        assert.match(err, /^(Error in ACL SETUSER modifier '.*': .+|Unmatched parenthesis in acl selector starting at '.*'\.)$/);
        acl.deleteUser('fz');
        continue;
      }
      const desc = acl.get('fz')!.describe();
      acl.deleteUser('fz');
      const again = acl.setUser('fz2', desc.split(' ').filter((x) => x !== ''));
      assert.equal(again, null, `${rules.join(' ')} -> ${desc}`);
      assert.equal(acl.get('fz2')!.describe(), desc, rules.join(' '));
      acl.deleteUser('fz2');
    }
    assert.ok(refused > 100 && refused < 2900, `${refused} refused`);
  });
});
