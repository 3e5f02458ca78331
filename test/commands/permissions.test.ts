/**
 * The permission check: one function, structured denials, applied by the
 * command path to a client's own commands, to what EXEC runs and to what
 * scripts call. Sinew has no ACL users yet, so the tests give the default
 * user restricted rules of their own.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { checkPermission, denialMessage, scriptDenialMessage, UNRESTRICTED, type AccessRules, type KeyAccess } from '../../src/command/permissions.js';
import { RawClient } from '../helpers/raw-client.js';
import { useSinew } from '../helpers/suite.js';

/** No SET or CONFIG SET; keys: read "r*", write "w*", both "rw*"; channels "news.*" (patterns only if literally allowed). */
function restricted(): AccessRules & { seen: [string, KeyAccess][] } {
  const seen: [string, KeyAccess][] = [];
  return {
    username: 'default',
    unrestricted: false,
    seen,
    allowsCommand: (cmd) => cmd.fullname !== 'set' && cmd.fullname !== 'config|set',
    allowsKey: (key, access) => {
      seen.push([key, access]);
      if (key.startsWith('rw')) return true;
      if (key.startsWith('r')) return access === 'read';
      if (key.startsWith('w')) return access === 'write';
      return false;
    },
    allowsChannel: (ch, isPattern) => (isPattern ? ch === 'news.*' : ch.startsWith('news.')),
  };
}

describe('checkPermission', () => {
  const { server: srv } = useSinew({}, { client: false });
  const cmd = (argv: string[]) => srv.server.commands.resolve(argv)!;

  it('an unrestricted user is allowed without looking further', () => {
    assert.equal(checkPermission(UNRESTRICTED, cmd(['SET', 'x', 'y']), ['SET', 'x', 'y'], 'toplevel'), null);
  });

  it('denials say what was refused, whose and where', () => {
    const r = restricted();
    assert.deepEqual(checkPermission(r, cmd(['SET', 'w1', 'v']), ['SET', 'w1', 'v'], 'toplevel'), { reason: 'command', object: 'set', username: 'default', context: 'toplevel' });
    assert.deepEqual(checkPermission(r, cmd(['CONFIG', 'SET', 'hz', '10']), ['CONFIG', 'SET', 'hz', '10'], 'multi'), { reason: 'command', object: 'config|set', username: 'default', context: 'multi' });
    assert.equal(checkPermission(r, cmd(['GET', 'r1']), ['GET', 'r1'], 'lua'), null);
    assert.deepEqual(checkPermission(r, cmd(['GET', 'w1']), ['GET', 'w1'], 'lua'), { reason: 'key', object: 'w1', username: 'default', context: 'lua' });
    // access from the key specs: LMOVE reads and writes its source, writes its destination
    r.seen.length = 0;
    assert.equal(checkPermission(r, cmd(['LMOVE', 'rwa', 'rwb', 'LEFT', 'RIGHT']), ['LMOVE', 'rwa', 'rwb', 'LEFT', 'RIGHT'], 'toplevel'), null);
    assert.deepEqual(r.seen, [['rwa', 'readwrite'], ['rwb', 'readwrite']]);
    assert.deepEqual(checkPermission(r, cmd(['COPY', 'r1', 'w1']), ['COPY', 'r1', 'w1'], 'toplevel'), null);
    assert.equal(checkPermission(r, cmd(['COPY', 'w1', 'r1']), ['COPY', 'w1', 'r1'], 'toplevel')?.object, 'w1');
    // SORT's STORE key comes from its own rule
    assert.deepEqual(checkPermission(r, cmd(['SORT', 'r1', 'STORE', 'x']), ['SORT', 'r1', 'STORE', 'x'], 'toplevel')?.object, 'x');
    // channels and patterns
    assert.equal(checkPermission(r, cmd(['PUBLISH', 'news.a', 'm']), ['PUBLISH', 'news.a', 'm'], 'toplevel'), null);
    assert.deepEqual(checkPermission(r, cmd(['SUBSCRIBE', 'news.a', 'other']), ['SUBSCRIBE', 'news.a', 'other'], 'toplevel')?.object, 'other');
    assert.deepEqual(checkPermission(r, cmd(['PSUBSCRIBE', 'news.a*']), ['PSUBSCRIBE', 'news.a*'], 'toplevel')?.reason, 'channel');
    assert.equal(checkPermission(r, cmd(['PSUBSCRIBE', 'news.*']), ['PSUBSCRIBE', 'news.*'], 'toplevel'), null);
  });

  it("the command path applies it to a client's commands, to EXEC and to scripts, with Redis's replies", async () => {
    const c = await RawClient.connect(srv.port);
    try {
      await c.call('MULTI');
      assert.equal(await c.raw('GET', 'w1'), '+QUEUED\r\n');
      srv.server.setUserRules('default', restricted());
      assert.equal(await c.raw('EXEC'), '*1\r\n-NOPERM ACLs rules changed between the moment the transaction was accumulated and its execution\r\n');
      assert.equal(await c.raw('SET', 'w1', 'v'), "-NOPERM this user has no permissions to run the 'set' command\r\n");
      assert.equal(await c.raw('GET', 'w1'), '-NOPERM this user has no permissions to access one of the keys used as arguments\r\n');
      assert.equal(await c.raw('PUBLISH', 'other', 'm'), '-NOPERM this user has no permissions to access one of the channels used as arguments\r\n');
      assert.equal(await c.raw('GET', 'r1'), '$-1\r\n');
      // EVAL's declared keys are checked before it runs, like any command's
      assert.equal(await c.raw('EVAL', "return 1", '1', 'w1'), '-NOPERM this user has no permissions to access one of the keys used as arguments\r\n');
      const r = await c.raw('EVAL', "return redis.pcall('GET', 'w1')", '0');
      assert.match(r, /^-ERR The user executing the script can't access at least one of the keys mentioned in the command arguments/);
      assert.equal(await c.raw('EVAL', "return redis.acl_check_cmd('SET', 'w1', 'v') and 1 or 0", '0'), ':0\r\n');
      assert.equal(await c.raw('EVAL', "return redis.acl_check_cmd('GET', 'r1') and 1 or 0", '0'), ':1\r\n');
      const errs = String(await c.call('INFO', 'errorstats'));
      assert.match(errs, /errorstat_NOPERM:count=[1-9]/);
      const denial = checkPermission(srv.server.users.get('default')!, cmd(['SET', 'w1', 'v']), ['SET', 'w1', 'v'], 'lua')!;
      assert.equal(denialMessage(denial), "NOPERM this user has no permissions to run the 'set' command");
      assert.equal(scriptDenialMessage(denial), "ERR The user executing the script can't run this command or subcommand");
    } finally {
      srv.server.setUserRules('default', UNRESTRICTED);
      c.close();
    }
  });
});
