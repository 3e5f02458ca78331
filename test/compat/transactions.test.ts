import { it } from 'node:test';
import assert from 'node:assert/strict';
import { describeCompat, useDiffer } from '../helpers/differ.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describeCompat('MULTI/EXEC/WATCH against redis-server', () => {
  const d = useDiffer();

  it('queueing, runtime errors, queue-time errors, nesting, empty EXEC', async (t) => {
    await d.run([
      ['EXEC'],
      ['DISCARD'],
      ['MULTI'],
      ['MULTI'],
      ['EXEC'],
      ['MULTI'],
      ['SET', 'a', '1'],
      ['INCR', 'a'],
      ['SET', 'b', 'x'],
      ['INCR', 'b'],
      ['GET', 'a'],
      ['EXEC'],
      ['MULTI'],
      ['SET', 'a'],
      ['SET', 'a', '5'],
      ['EXEC'],
      ['GET', 'a'],
      ['MULTI'],
      ['NOSUCHCMD', 'x'],
      ['SET', 'a', '6'],
      ['EXEC'],
      ['GET', 'a'],
      ['MULTI'],
      ['SET', 'a', '7'],
      ['DISCARD'],
      ['GET', 'a'],
      ['MULTI'],
      ['WATCH', 'a'],
      ['SET', 'a', '8'],
      ['EXEC'],
      ['MULTI'],
      ['SHUTDOWN'],
      ['EXEC'],
      ['MULTI'],
      ['EXEC', 'extra'],
      ['EXEC'],
      ['EXEC', 'extra'],
      ['MULTI'],
      ['DISCARD', 'extra'],
      ['PING'],
      ['EXEC'],
    ]);
  });

  it('EXEC itself changes no dirty counter; queued writes do', async (t) => {
    const [a, b] = await d.pair(0);
    const changes = async (c: typeof a): Promise<number> => {
      const info = String(await c.call('INFO', 'persistence'));
      return Number(/rdb_changes_since_last_save:(\d+)/.exec(info)![1]);
    };
    const before = [await changes(a), await changes(b)];
    await d.run([['MULTI'], ['PING'], ['EXEC'], ['MULTI'], ['EXEC'], ['MULTI'], ['SET', 'a', '1'], ['INCR', 'a'], ['EXEC']]);
    const after = [await changes(a), await changes(b)];
    assert.equal(after[0] - before[0], after[1] - before[1]);
  });

  it('CLIENT REPLY OFF and SKIP around MULTI/EXEC (QUEUED and rejections are silenced too)', async (t) => {
    for (const cmd of [['CLIENT', 'REPLY', 'OFF'], ['MULTI'], ['SET', 'a', '1'], ['GET', 'a'], ['NOSUCH'], ['EXEC'], ['MULTI'], ['SET', 'a', '2'], ['EXEC']]) {
      await d.send(cmd);
    }
    await d.run([['CLIENT', 'REPLY', 'ON'], ['GET', 'a']]);
    await d.send(['CLIENT', 'REPLY', 'SKIP']);
    await d.send(['MULTI']);
    await d.run([['SET', 'b', '1'], ['EXEC'], ['GET', 'b']]);
    await d.send(['CLIENT', 'REPLY', 'SKIP']);
    await d.send(['NOSUCH']);
    await d.run([['PING'], ['GET', 'a']]);
  });

  it('RESP3 replies inside EXEC, SELECT inside a transaction', async (t) => {
    await d.run([['HELLO', '3']], { typeOnly: true });
    await d.run([
      ['MULTI'],
      ['SET', 'k', 'v'],
      ['GET', 'nokey'],
      ['SELECT', '1'],
      ['SET', 'k', 'db1'],
      ['INCRBYFLOAT', 'f', '1.5'],
      ['EXEC'],
      ['GET', 'k'],
      ['SELECT', '0'],
      ['GET', 'k'],
      ['MULTI'],
      ['EXEC'],
    ]);
  });

  it('WATCH: writes from another client abort EXEC; no-op writes and UNWATCH do not', async (t) => {
    await d.run([['SET', 'k', '1'], ['WATCH', 'k', 'missing']]);
    await d.run([['SET', 'k', '2']], { conn: 1 });
    await d.run([['MULTI'], ['SET', 'k', 'mine'], ['EXEC'], ['GET', 'k']]);
    // after EXEC, watches are gone
    await d.run([['MULTI'], ['SET', 'k', 'again'], ['EXEC']]);
    // a missing key created by another client
    await d.run([['WATCH', 'missing']]);
    await d.run([['SET', 'missing', 'now']], { conn: 1 });
    await d.run([['MULTI'], ['PING'], ['EXEC']]);
    // deleting a key that does not exist changes nothing
    await d.run([['WATCH', 'nothing']]);
    await d.run([['DEL', 'nothing']], { conn: 1 });
    await d.run([['MULTI'], ['PING'], ['EXEC']]);
    // UNWATCH forgets the dirty state
    await d.run([['WATCH', 'k']]);
    await d.run([['SET', 'k', '3']], { conn: 1 });
    await d.run([['UNWATCH'], ['MULTI'], ['GET', 'k'], ['EXEC']]);
    // DISCARD also removes the watches
    await d.run([['WATCH', 'k'], ['MULTI'], ['DISCARD']]);
    await d.run([['SET', 'k', '4']], { conn: 1 });
    await d.run([['MULTI'], ['GET', 'k'], ['EXEC']]);
    // the client's own writes before MULTI count too
    await d.run([['WATCH', 'k'], ['SET', 'k', '5'], ['MULTI'], ['GET', 'k'], ['EXEC']]);
    // the same key name in another database is another key
    await d.run([['WATCH', 'k']]);
    await d.run([['SELECT', '1'], ['SET', 'k', 'other-db']], { conn: 1 });
    await d.run([['MULTI'], ['GET', 'k'], ['EXEC']]);
    // an EXEC that was aborted also clears the transaction
    await d.run([['WATCH', 'k']]);
    await d.run([['SELECT', '0'], ['APPEND', 'k', 'x']], { conn: 1 });
    await d.run([['MULTI'], ['GET', 'k'], ['EXEC'], ['EXEC']]);
  });

  it('optimistic locking race: of two clients watching the same key, the first EXEC wins', async (t) => {
    await d.run([['SET', 'counter', '10']]);
    await d.run([['WATCH', 'counter'], ['GET', 'counter']], { conn: 0 });
    await d.run([['WATCH', 'counter'], ['GET', 'counter']], { conn: 1 });
    await d.run([['MULTI'], ['INCRBY', 'counter', '5']], { conn: 0 });
    await d.run([['MULTI'], ['INCRBY', 'counter', '7']], { conn: 1 });
    await d.run([['EXEC']], { conn: 1 });
    await d.run([['EXEC']], { conn: 0 });
    await d.run([['GET', 'counter'], ['WATCH', 'counter'], ['MULTI'], ['INCR', 'counter'], ['EXEC']], { conn: 0 });
    // a third client's commands between MULTI and EXEC do not see the queued writes
    await d.run([['MULTI'], ['SET', 'counter', '100'], ['GET', 'counter']], { conn: 1 });
    await d.run([['GET', 'counter']], { conn: 2 });
    await d.run([['EXEC']], { conn: 1 });
    await d.run([['GET', 'counter']], { conn: 2 });
  });

  it('WATCH and key-space operations: EXPIRE, RENAME, MOVE, FLUSHDB, FLUSHALL, SWAPDB', async (t) => {
    const scenario = async (setup: (string | number)[][], change: (string | number)[][], watch = 'k') => {
      await d!.run([['FLUSHALL'], ...setup, ['SELECT', '0'], ['WATCH', watch]]);
      await d!.run(change, { conn: 1 });
      await d!.run([['MULTI'], ['PING'], ['EXEC']]);
      await d!.run([['SELECT', '0']], { conn: 1 });
    };
    await scenario([['SET', 'k', 'v']], [['EXPIRE', 'k', '100']]);
    await scenario([['SET', 'k', 'v']], [['PERSIST', 'k']]);
    await scenario([['SET', 'k', 'v']], [['RENAME', 'k', 'j']]);
    await scenario([['SET', 'j', 'v']], [['RENAME', 'j', 'k']]);
    await scenario([['SET', 'k', 'v']], [['MOVE', 'k', '1']]);
    await scenario([['SELECT', '1'], ['SET', 'k', 'v']], [['SELECT', '1'], ['MOVE', 'k', '0']]);
    await scenario([['SET', 'k', 'v']], [['FLUSHDB']]);
    await scenario([['SET', 'other', 'v']], [['FLUSHDB']]);
    await scenario([['SET', 'k', 'v']], [['SELECT', '1'], ['FLUSHDB']]);
    await scenario([['SET', 'k', 'v']], [['FLUSHALL']]);
    await scenario([], [['FLUSHALL']]);
    await scenario([['SET', 'k', 'v']], [['SWAPDB', '0', '1']]);
    await scenario([['SELECT', '1'], ['SET', 'k', 'v']], [['SWAPDB', '0', '1']]);
    await scenario([['SELECT', '1'], ['SET', 'x', 'v']], [['SWAPDB', '0', '1']]);
    await scenario([['SET', 'k', 'v']], [['COPY', 'k', 'k2']]);
    await scenario([['SET', 'k', 'v']], [['COPY', 'k', 'k2']], 'k2');
    await scenario([['SET', 'k', 'v']], [['SET', 'k', 'w', 'NX']]);
    await scenario([['SET', 'k', 'v']], [['GETDEL', 'k']]);
    await scenario([['SET', 'k', 'v']], [['GET', 'k'], ['TTL', 'k'], ['EXISTS', 'k']]);
    // a multi-key write only touches the keys it changed
    await scenario([['SET', 'j', 'v']], [['DEL', 'j', 'k']]);
    await scenario([['SET', 'j', 'v'], ['SET', 'k', 'v']], [['DEL', 'j', 'k']]);
    await scenario([['SET', 'j', 'v']], [['UNLINK', 'k', 'j']]);
    await scenario([['SET', 'j', 'v']], [['MSET', 'j', '1', 'k', '2']]);
    await scenario([['SET', 'j', 'v']], [['MSETNX', 'j', '1', 'k', '2']]);
  });

  it('a watched key that expires before EXEC aborts it', async (t) => {
    await d.run([['SET', 'k', 'v', 'PX', '60'], ['WATCH', 'k']]);
    await sleep(150);
    await d.run([['MULTI'], ['PING'], ['EXEC']]);
    // expiring while the transaction is queued
    await d.run([['SET', 'k', 'v', 'PX', '60'], ['WATCH', 'k'], ['MULTI'], ['PING']]);
    await sleep(150);
    await d.run([['EXEC'], ['EXISTS', 'k']]);
  });

  it('blocking commands and subscribed-mode rejections around EXEC', async (t) => {
    await d.run([
      ['SUBSCRIBE', 'c'],
      ['EXEC'],
      ['UNSUBSCRIBE'],
      ['MULTI'],
      ['SET', 'x', '1'],
      ['EXEC'],
    ]);
  });

  it('EXEC propagates a MULTI ... EXEC block only around more than one write', async (t) => {
    const seen: string[] = [];
    const server = d.sinew.server;
    const unsubscribe = server.effects.subscribe((argv) => void seen.push(argv.join(' ')));
    try {
      await d.run([
        ['MULTI'], ['SET', 'a', '1'], ['GET', 'a'], ['INCR', 'a'], ['EXEC'],
        ['MULTI'], ['SET', 'b', '1'], ['GET', 'b'], ['EXEC'],
        ['MULTI'], ['GET', 'a'], ['EXEC'],
        ['MULTI'], ['SELECT', '2'], ['SET', 'c', '1'], ['SELECT', '0'], ['DEL', 'a'], ['EXEC'],
      ]);
    } finally {
      unsubscribe();
    }
    // What redis-server 7.0.15 sends to a replica for the same script (checked with SYNC).
    assert.deepEqual(seen, ['SELECT 0', 'MULTI', 'SET a 1', 'INCR a', 'EXEC', 'SET b 1', 'SELECT 2', 'MULTI', 'SET c 1', 'SELECT 0', 'DEL a', 'EXEC']);
  });

  it('clients blocked on a key are served after the whole EXEC', async (t) => {
    await d.send(['BLPOP', 'l', '0'], 1);
    await sleep(50);
    await d.run([['MULTI'], ['RPUSH', 'l', 'a'], ['RPUSH', 'l', 'b'], ['LPOP', 'l'], ['RPUSH', 'l', 'c'], ['EXEC']]);
    await d.expectReply(1, 'BLPOP after EXEC');
    await d.run([['LRANGE', 'l', '0', '-1'], ['MULTI'], ['BLPOP', 'empty', '0'], ['BRPOP', 'l', '0'], ['EXEC']]);
  });
});

describeCompat('WATCH of keys already expired when watched (active expiry off)', () => {
  const d = useDiffer({ sinew: { 'enable-debug-command': 'yes' }, redis: { 'enable-debug-command': 'yes' }, reset: false });

  it('deleting an expired watched key is no change; writing it is', async (t) => {
    await d.run([['DEBUG', 'SET-ACTIVE-EXPIRE', '0'], ['SET', 'k', 'v', 'PX', '1'], ['SET', 'j', 'v', 'PX', '1'], ['SET', 'i', 'v', 'PX', '1']]);
    await sleep(20);
    // still in the dictionary but logically expired: EXEC goes through
    await d.run([['WATCH', 'k'], ['MULTI'], ['PING'], ['EXEC']]);
    // another client's read deletes it: no logical change
    await d.run([['WATCH', 'j']]);
    await d.run([['GET', 'j']], { conn: 1 });
    await d.run([['MULTI'], ['EXEC']]);
    // another client's write of the expired key is a change
    await d.run([['WATCH', 'i']]);
    await d.run([['SET', 'i', '2']], { conn: 1 });
    await d.run([['MULTI'], ['EXEC']]);
    // FLUSHDB removing an expired watched key: no change
    await d.run([['SET', 'm', 'v', 'PX', '1']]);
    await sleep(20);
    await d.run([['WATCH', 'm']]);
    await d.run([['FLUSHDB']], { conn: 1 });
    await d.run([['MULTI'], ['EXEC']]);
    // SWAPDB bringing an expired key in place of a missing one, and back
    await d.run([['SELECT', '1'], ['SET', 'q', 'v', 'PX', '1'], ['SELECT', '0']]);
    await sleep(20);
    await d.run([['WATCH', 'q']]);
    await d.run([['SWAPDB', '0', '1']], { conn: 1 });
    await d.run([['MULTI'], ['EXEC']]);
    await d.run([['WATCH', 'q']]);
    await d.run([['SWAPDB', '0', '1']], { conn: 1 });
    await d.run([['MULTI'], ['EXEC'], ['DEBUG', 'SET-ACTIVE-EXPIRE', '1']]);
  });
});
