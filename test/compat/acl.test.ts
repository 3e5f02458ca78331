/**
 * ACL against redis-server 7.0.15: every ACL subcommand and rule, the
 * errors of bad rules, the descriptions (ACL LIST, GETUSER) in RESP2 and
 * RESP3, and what a restricted user gets: NOPERM replies for commands,
 * subcommands, keys read or written under %R~/%W~, channels and patterns,
 * scripts and EXEC, and the ACL LOG entries they leave.
 *
 * Redis lists single-command rules in its command dict's order, which
 * depends on a seed chosen at random at start-up: those rules are compared
 * as a set (the category rules before them, deterministic, in order). The
 * ACL LOG's age and the client-info fields that measure memory or name the
 * connection are masked.
 */
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { describeCompat, useDiffer } from '../helpers/differ.js';
import { RawClient } from '../helpers/raw-client.js';

/** Single-command rules after the category rules, sorted (Redis's order is its dict's). */
function normRules(raw: string): string {
  return raw.replace(/([+-]@all(?: [+-]@[a-z]+)*)((?: [+-][^\s@][^\s\r]*)+)/g, (_m, cats: string, rest: string) => {
    return cats + ' ' + rest.trim().split(' ').sort().join(' ');
  });
}

/** Bulk lengths recomputed after the rules were normalised (lengths stay equal when the rules do). */
function norm(raw: string): string {
  return normRules(raw).replace(/(\$2\r\nid\r\n):\d+\r\n/, '$1:ID\r\n');
}

/** Subcommands Sinew serves from Redis 7.2 (CLIENT SETINFO, CLIENT NO-TOUCH): in the categories 7.2 gives them, and nowhere in 7.0. */
const LATER = new Set(['client|setinfo', 'client|no-touch']);

/** ACL LOG with the age and the connection-specific client-info fields masked (bulk lengths dropped). */
function maskLog(raw: string): string {
  return raw
    .replace(/age-seconds\r\n(?:\$\d+\r\n|,)[0-9.e+-]+\r\n/g, 'age-seconds\r\nAGE\r\n')
    .replace(/\$\d+\r\n(id=\d+ )/g, '$1')
    .replace(/id=\d+ addr=\S+ laddr=\S+ fd=\d+/g, 'CONN')
    .replace(/age=\d+ idle=\d+/g, 'AGE')
    .replace(/qbuf=\d+ qbuf-free=\d+ argv-mem=\d+/g, 'QBUF')
    .replace(/rbs=\d+ rbp=\d+ obl=\d+ oll=\d+ omem=\d+ tot-mem=\d+/g, 'MEM');
}

describeCompat('ACL against redis-server', () => {
  const d = useDiffer();

  /** Runs commands on both and compares with the rule lists normalised. */
  async function same(cmds: string[][], conn = 0): Promise<void> {
    const [a, b] = await d.pair(conn);
    for (const c of cmds) {
      const [ra, rb] = await Promise.all([a.raw(...c), b.raw(...c)]);
      assert.equal(norm(ra), norm(rb), c.join(' '));
    }
  }

  /** Fresh users for each test (the differ resets data, not users). */
  async function dropUsers(): Promise<void> {
    const [a, b] = await d.pair(0);
    for (const c of [a, b]) {
      const users = (await c.call('ACL', 'USERS')) as string[];
      const others = users.filter((u) => u !== 'default');
      if (others.length > 0) await c.call('ACL', 'DELUSER', ...others);
      await c.call('ACL', 'SETUSER', 'default', 'reset', 'on', 'nopass', '~*', '&*', '+@all');
      await c.call('ACL', 'LOG', 'RESET');
    }
  }

  it('SETUSER rules and GETUSER / LIST / USERS in RESP2 and RESP3', async () => {
    await dropUsers();
    const cmds = [
      ['ACL', 'SETUSER', 'u1'],
      ['ACL', 'GETUSER', 'u1'],
      ['ACL', 'SETUSER', 'u1', 'on', '>p1', '>p2', '<p1', '~a*', '%R~r*', '%W~w*', '%RW~b*', '&ch*', '+@read', '-@keyspace', '+del', '+client|list', '+select|0'],
      ['ACL', 'GETUSER', 'u1'],
      ['ACL', 'SETUSER', 'u2', 'reset'],
      ['ACL', 'SETUSER', 'u3', 'on', 'nopass', '(~x +get)', '(%R~y', '+@string)', '&c1', '&c1'],
      ['ACL', 'GETUSER', 'u3'],
      ['ACL', 'SETUSER', 'u4', '+@all', '-@write', '+set', '-config|set', 'allkeys', 'allchannels'],
      ['ACL', 'SETUSER', 'u5', '-@all', '+@hash', '-hget', '+@string', '+@list', '-lpush'],
      ['ACL', 'SETUSER', 'u6', 'sanitize-payload', 'skip-sanitize-payload', '#' + 'a'.repeat(64), '!' + 'a'.repeat(64), '#' + 'b'.repeat(64)],
      ['ACL', 'SETUSER', 'u7', 'on', '>x', 'nopass', 'resetpass', 'allcommands', 'nocommands', '+@pubsub', '-@slow', 'resetchannels', '&a', 'resetkeys', '~k', 'off'],
      ['ACL', 'SETUSER', 'u8', '+@all', '-@dangerous', '-@admin', '+info', '+client|list', '+@connection'],
      ['ACL', 'SETUSER', 'u9', '+debug|object', '+config|get', '+config|set', '-config|set', '+acl', '-acl|setuser'],
      ['ACL', 'SETUSER', 'u3', 'clearselectors'],
      ['ACL', 'GETUSER', 'u6'],
      ['ACL', 'GETUSER', 'u7'],
      ['ACL', 'GETUSER', 'nosuch'],
      ['ACL', 'LIST'],
      ['ACL', 'USERS'],
      ['ACL', 'WHOAMI'],
    ];
    await same(cmds);
    await same([['HELLO', '3']]);
    await same(cmds.filter((c) => c[1] !== 'SETUSER'));
    await same([['HELLO', '2']]);
  });

  it("every rule error, with Redis's messages; a failing SETUSER changes nothing", async () => {
    await dropUsers();
    await same([
      ['ACL', 'SETUSER', 'e', 'on', '~k'],
      ['ACL', 'SETUSER', 'e', '+bogus'],
      ['ACL', 'SETUSER', 'e', '-bogus'],
      ['ACL', 'SETUSER', 'e', '+@bogus'],
      ['ACL', 'SETUSER', 'e', 'bogus'],
      ['ACL', 'SETUSER', 'e', 'allkeys', '~x'],
      ['ACL', 'SETUSER', 'e', 'allchannels', '&x'],
      ['ACL', 'SETUSER', 'e', '<nope'],
      ['ACL', 'SETUSER', 'e', '!' + 'c'.repeat(64)],
      ['ACL', 'SETUSER', 'e', '#abc'],
      ['ACL', 'SETUSER', 'e', '#' + 'A'.repeat(64)],
      ['ACL', 'SETUSER', 'e', '+client|list|x'],
      ['ACL', 'SETUSER', 'e', '+select|'],
      ['ACL', 'SETUSER', 'e', '+client|nosuch'],
      ['ACL', 'SETUSER', 'e', '(~x', '+get'],
      ['ACL', 'SETUSER', 'e', '(~x +bogus)'],
      ['ACL', 'SETUSER', 'e', '%X~a'],
      ['ACL', 'SETUSER', 'e', '%RR~a'],
      ['ACL', 'SETUSER', 'e', '~a\tb'],
      ['ACL', 'SETUSER', 'e', 'off', '+get', '+bogus'],
      ['ACL', 'SETUSER', 'u 1'],
      ['ACL', 'SETUSER', 'u\x001'],
      ['ACL', 'GETUSER', 'e'],
      ['ACL', 'DELUSER', 'default'],
      ['ACL', 'DELUSER', 'e', 'nosuch', 'default'],
      ['ACL', 'DELUSER', 'e', 'nosuch'],
      ['ACL', 'CAT', 'nosuch'],
      ['ACL', 'GENPASS', '0'],
      ['ACL', 'GENPASS', '4097'],
      ['ACL', 'GENPASS', 'x'],
      ['ACL', 'LOG', 'x'],
      ['ACL', 'LOAD'],
      ['ACL', 'SAVE'],
      ['ACL', 'HELP'],
      ['ACL', 'FOO'],
      ['ACL', 'SETUSER'],
      ['ACL', 'GETUSER'],
      ['ACL', 'DRYRUN', 'x'],
    ]);
  });

  it('CAT, GENPASS, DRYRUN', async () => {
    await dropUsers();
    await same([['ACL', 'CAT']]);
    const [a, b] = await d.pair(0);
    for (const cat of ['read', 'write', 'keyspace', 'dangerous', 'admin', 'pubsub', 'fast', 'connection', 'scripting', 'stream', 'slow']) {
      const [ours, theirs] = (await Promise.all([a.call('ACL', 'CAT', cat), b.call('ACL', 'CAT', cat)])) as string[][];
      assert.deepEqual(ours.filter((n) => !LATER.has(n)).sort(), [...theirs].sort(), cat);
      assert.equal(new Set(ours).size, ours.length);
    }
    for (const bits of [undefined, '1', '5', '64', '255', '4096']) {
      const args = bits === undefined ? ['ACL', 'GENPASS'] : ['ACL', 'GENPASS', bits];
      const [pa, pb] = (await Promise.all([a.call(...args), b.call(...args)])) as string[];
      assert.equal(pb.length, pa.length, args.join(' '));
      assert.match(pb, /^[0-9a-f]+$/);
    }
    await same([
      ['ACL', 'SETUSER', 'u1', 'on', '~a*', '%R~r*', '%W~w*', '&ch*', '+@all', '-@dangerous', '-select', '+select|0', '-config', '+config|get'],
      ['ACL', 'DRYRUN', 'u1', 'get', 'r1'],
      ['ACL', 'DRYRUN', 'u1', 'set', 'w1', 'v'],
      ['ACL', 'DRYRUN', 'u1', 'set', 'w1', 'v', 'GET'],
      ['ACL', 'DRYRUN', 'u1', 'get', 'w1'],
      ['ACL', 'DRYRUN', 'u1', 'exists', 'w1'],
      ['ACL', 'DRYRUN', 'u1', 'lmove', 'a1', 'w1', 'LEFT', 'RIGHT'],
      ['ACL', 'DRYRUN', 'u1', 'lmove', 'w1', 'a1', 'LEFT', 'RIGHT'],
      ['ACL', 'DRYRUN', 'u1', 'copy', 'r1', 'w1'],
      ['ACL', 'DRYRUN', 'u1', 'bitfield', 'r1', 'GET', 'u8', '0'],
      ['ACL', 'DRYRUN', 'u1', 'bitfield', 'r1', 'SET', 'u8', '0', '1'],
      ['ACL', 'DRYRUN', 'u1', 'publish', 'chx', 'm'],
      ['ACL', 'DRYRUN', 'u1', 'publish', 'other', 'm'],
      ['ACL', 'DRYRUN', 'u1', 'subscribe', 'ch1', 'other'],
      ['ACL', 'DRYRUN', 'u1', 'psubscribe', 'ch*'],
      ['ACL', 'DRYRUN', 'u1', 'psubscribe', 'ch1*'],
      ['ACL', 'DRYRUN', 'u1', 'select', '0'],
      ['ACL', 'DRYRUN', 'u1', 'select', '1'],
      ['ACL', 'DRYRUN', 'u1', 'config', 'get', 'hz'],
      ['ACL', 'DRYRUN', 'u1', 'config', 'set', 'hz', '10'],
      ['ACL', 'DRYRUN', 'u1', 'flushall'],
      ['ACL', 'DRYRUN', 'u1', 'auth', 'x'],
      ['ACL', 'DRYRUN', 'u1', 'eval', 'return 1', '1', 'w1'],
      ['ACL', 'DRYRUN', 'u1', 'mset', 'a1', 'v', 'r1', 'v'],
      ['ACL', 'DRYRUN', 'nouser', 'get', 'x'],
      ['ACL', 'DRYRUN', 'u1', 'nocmd'],
      ['ACL', 'DRYRUN', 'u1', 'get'],
      ['ACL', 'DRYRUN', 'u1', 'config', 'nosub'],
      ['ACL', 'SETUSER', 'u2', 'on', '(~a* +get)', '(~b* +set)', '%R~c*', '+@read'],
      ['ACL', 'DRYRUN', 'u2', 'get', 'a1'],
      ['ACL', 'DRYRUN', 'u2', 'get', 'b1'],
      ['ACL', 'DRYRUN', 'u2', 'set', 'b1', 'v'],
      ['ACL', 'DRYRUN', 'u2', 'set', 'a1', 'v'],
      ['ACL', 'DRYRUN', 'u2', 'get', 'c1'],
      ['ACL', 'DRYRUN', 'u2', 'mget', 'a1', 'b1'],
      ['ACL', 'DRYRUN', 'u2', 'del', 'zz'],
    ]);
  });

  it('a restricted user: NOPERM for commands, keys and channels, in scripts and EXEC; AUTH failures; the ACL LOG and its grouping', async () => {
    await dropUsers();
    await same([['ACL', 'SETUSER', 'app', 'on', '>pw', '~app:*', '%R~ro:*', '%W~wo:*', '&ev:*', '+@all', '-@dangerous', '-flushall']]);
    const asUser: string[][] = [
      ['AUTH', 'app', 'bad'],
      ['AUTH', 'nosuch', 'pw'],
      ['AUTH', 'app', 'pw'],
      ['ACL', 'WHOAMI'],
      ['SET', 'app:1', 'v'],
      ['GET', 'ro:1'],
      ['SET', 'ro:1', 'v'],
      ['SET', 'wo:1', 'v'],
      ['GET', 'wo:1'],
      ['SET', 'wo:1', 'v', 'GET'],
      ['EXISTS', 'wo:1'],
      ['COPY', 'ro:1', 'wo:2'],
      ['COPY', 'wo:1', 'ro:2'],
      ['LMOVE', 'app:a', 'wo:b', 'LEFT', 'RIGHT'],
      ['FLUSHALL'],
      ['FLUSHALL'],
      ['KEYS', '*'],
      ['CONFIG', 'GET', 'x'],
      ['PUBLISH', 'ev:1', 'm'],
      ['PUBLISH', 'other', 'm'],
      ['EVAL', "return redis.call('get','other')", '0'],
      ['EVAL', "return redis.pcall('flushall')", '0'],
      ['EVAL', 'return 1', '1', 'other'],
      ['MULTI'],
      ['GET', 'app:1'],
      ['SET', 'app:2', 'x'],
    ];
    await same(asUser, 1);
    await same([['ACL', 'SETUSER', 'app', 'resetkeys', '~zzz', '-get']]);
    await same([['EXEC'], ['MULTI'], ['FLUSHALL'], ['EXEC'], ['SUBSCRIBE', 'ev:1', 'other'], ['PSUBSCRIBE', 'ev:*'], ['PSUBSCRIBE', 'ev:1*']], 1);
    const [a, b] = await d.pair(0);
    for (const args of [['ACL', 'LOG'], ['ACL', 'LOG', '3'], ['ACL', 'LOG', '-1'], ['ACL', 'LOG', '0']]) {
      const [ra, rb] = await Promise.all([a.raw(...args), b.raw(...args)]);
      assert.equal(maskLog(rb), maskLog(ra), args.join(' '));
    }
    await same([['HELLO', '3']]);
    const [ra, rb] = await Promise.all([a.raw('ACL', 'LOG', '2'), b.raw('ACL', 'LOG', '2')]);
    assert.equal(maskLog(rb), maskLog(ra), 'ACL LOG in RESP3');
    await same([['HELLO', '2'], ['ACL', 'LOG', 'RESET'], ['ACL', 'LOG']]);
  });

  it('AUTH and HELLO AUTH with users; disabled users; requirepass sets the default user; DELUSER closes connections', async () => {
    await dropUsers();
    await same([
      ['ACL', 'SETUSER', 'u1', 'on', '>p1', '>p2', '+@all', '~*'],
      ['ACL', 'SETUSER', 'off1', 'off', '>p', '+@all'],
      ['ACL', 'SETUSER', 'np', 'on', 'nopass', '+ping'],
    ]);
    const [a, b] = await d.pair(1);
    for (const args of [
      ['AUTH', 'u1', 'p1'],
      ['ACL', 'WHOAMI'],
      ['AUTH', 'u1', 'p2'],
      ['AUTH', 'off1', 'p'],
      ['AUTH', 'np', 'anything'],
      ['ACL', 'WHOAMI'],
      ['PING'],
      ['GET', 'x'],
      ['HELLO', '2', 'AUTH', 'u1', 'bad'],
      ['HELLO', '2', 'AUTH', 'u1', 'p1'],
      ['AUTH', 'a', 'b', 'c'],
    ]) {
      const [ra, rb] = await Promise.all([a.raw(...args), b.raw(...args)]);
      assert.equal(rb.replace(/:\d+\r\n\$4\r\nmode/, ':ID\r\n$4\r\nmode'), ra.replace(/:\d+\r\n\$4\r\nmode/, ':ID\r\n$4\r\nmode'), args.join(' '));
    }
    // requirepass becomes the default user's password
    await same([['CONFIG', 'SET', 'requirepass', 'secret'], ['ACL', 'GETUSER', 'default'], ['ACL', 'LIST']]);
    const fresh = [await RawClient.connect(d.sinew.port), await RawClient.connect(d.redis.port)];
    try {
      for (const args of [['GET', 'x'], ['AUTH', 'wrong'], ['AUTH', 'secret'], ['GET', 'x']]) {
        const [ra, rb] = await Promise.all([fresh[1].raw(...args), fresh[0].raw(...args)]);
        assert.equal(rb, ra, args.join(' '));
      }
    } finally {
      for (const c of fresh) c.close();
    }
    await same([['CONFIG', 'SET', 'requirepass', ''], ['ACL', 'GETUSER', 'default']]);
    // a deleted user's connections are closed
    await same([['ACL', 'DELUSER', 'u1']]);
    assert.deepEqual(await Promise.all([a.waitClose(), b.waitClose()]), [true, true]);
  });
});
