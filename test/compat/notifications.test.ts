import { it } from 'node:test';
import assert from 'node:assert/strict';
import { describeCompat, useDiffer, type Cmd } from '../helpers/differ.js';
import { drain } from '../helpers/raw-client.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describeCompat('keyspace notifications against redis-server', () => {
  const d = useDiffer();

  /** Sets the flags, listens on conn 1 with PSUBSCRIBE *, runs cmds on conn 0, compares the events. */
  async function events(flags: string, cmds: Cmd[], unordered = false): Promise<string[]> {
    await d!.run([['CONFIG', 'SET', 'notify-keyspace-events', flags]]);
    await d!.run([['PSUBSCRIBE', '*']], { conn: 1 });
    await d!.run(cmds, { unordered });
    const [a, b] = await d!.pair(1);
    const [ea, eb] = await Promise.all([drain(a), drain(b)]);
    assert.deepEqual(ea, eb, `events for ${flags}: ${cmds.map((c) => c.join(' ')).join('; ')}`);
    await d!.run([['PUNSUBSCRIBE']], { conn: 1 });
    return ea;
  }

  it('flags: config round trip and invalid characters', async (t) => {
    for (const f of ['KEA', 'AKE', 'Kg$', 'Elshzxetdmn', 'Ag', 'KEAm', 'x', '', 'E', 'K', 'gA$']) {
      await d.run([['CONFIG', 'SET', 'notify-keyspace-events', f], ['CONFIG', 'GET', 'notify-keyspace-events']]);
    }
    await d.run([['CONFIG', 'SET', 'notify-keyspace-events', 'Kq'], ['CONFIG', 'GET', 'notify-keyspace-events']]);
  });

  it('string commands', async (t) => {
    const got = await events('KEA', [
      ['SET', 's', 'v'],
      ['SET', 's', 'v', 'EX', '100'],
      ['SET', 's', 'v', 'NX'],
      ['SET', 's', 'w', 'XX', 'KEEPTTL', 'GET'],
      ['SETNX', 's2', 'v'],
      ['SETNX', 's2', 'v'],
      ['SETEX', 's3', '100', 'v'],
      ['PSETEX', 's4', '100000', 'v'],
      ['MSET', 'm1', '1', 'm2', '2'],
      ['MSETNX', 'm3', '1', 'm4', '2'],
      ['MSETNX', 'm3', '1', 'm5', '2'],
      ['GETSET', 'm1', 'x'],
      ['GETDEL', 'm2'],
      ['GETDEL', 'm2'],
      ['GETEX', 'm3', 'EX', '100'],
      ['GETEX', 'm3', 'PERSIST'],
      ['GETEX', 'm3'],
      ['APPEND', 'a', 'x'],
      ['APPEND', 'a', 'y'],
      ['SETRANGE', 'r', '2', 'x'],
      ['SETRANGE', 'r', '0', ''],
      ['INCR', 'n'],
      ['INCRBY', 'n', '5'],
      ['DECR', 'n'],
      ['DECRBY', 'n', '2'],
      ['INCRBYFLOAT', 'n', '1.5'],
      ['INCR', 'a'],
    ]);
    assert.ok(got.length > 20, 'events were delivered');
  });

  it('generic commands', async (t) => {
    await events('KEA', [
      ['SET', 'k', 'v'],
      ['EXPIRE', 'k', '100'],
      ['PEXPIRE', 'k', '100000'],
      ['EXPIREAT', 'k', '99999999999'],
      ['PERSIST', 'k'],
      ['PERSIST', 'k'],
      ['RENAME', 'k', 'k2'],
      ['SET', 'k3', 'v'],
      ['RENAMENX', 'k2', 'k3'],
      ['RENAMENX', 'k2', 'k4'],
      ['RENAME', 'k4', 'k4'],
      ['MOVE', 'k4', '1'],
      ['COPY', 'k3', 'k5'],
      ['COPY', 'k3', 'k5', 'REPLACE'],
      ['COPY', 'k3', 'k6', 'DB', '2'],
      ['DEL', 'k3', 'k5', 'missing'],
      ['UNLINK', 'k6'],
      ['SET', 'e', 'v'],
      ['EXPIRE', 'e', '-1'],
      ['SET', 'e', 'v'],
      ['PEXPIREAT', 'e', '1'],
      ['TOUCH', 'x'],
      ['SWAPDB', '0', '1'],
      ['FLUSHDB'],
      ['FLUSHALL'],
    ]);
  });

  it('class filtering, keyspace-only and keyevent-only, new and keymiss', async (t) => {
    const script: Cmd[] = [
      ['SET', 'k', '1'],
      ['INCR', 'k'],
      ['EXPIRE', 'k', '100'],
      ['GET', 'k'],
      ['GET', 'nokey'],
      ['MGET', 'k', 'nokey2'],
      ['EXISTS', 'nokey'],
      ['DEL', 'k'],
      ['SET', 'k', '1'],
      ['SET', 'k', '2'],
    ];
    for (const flags of ['Kg', 'E$', 'K$g', 'KA', 'EA', 'KEn', 'Em', 'KEAmn', 'K', 'g$']) {
      await events(flags, script);
      await d.run([['FLUSHALL']]);
    }
  });

  it('expired: lazily on access and by the active expiry cycle', async (t) => {
    await d.run([['CONFIG', 'SET', 'notify-keyspace-events', 'KExm']]);
    await d.run([['PSUBSCRIBE', '*']], { conn: 1 });
    await d.run([['SET', 'lazy', 'v', 'PX', '30'], ['SET', 'active', 'v', 'PX', '30']]);
    await sleep(60);
    await d.run([['GET', 'lazy']]);
    // the active cycle (10 times a second) removes the never-read key
    await sleep(400);
    const [a, b] = await d.pair(1);
    const all = await Promise.all([drain(a), drain(b)]);
    // which of the two keys the active cycle reaches first depends on timing
    assert.deepEqual(all[0].slice().sort(), all[1].slice().sort(), 'every expired event');
    assert.ok(all[0].some((m) => m.includes('keymiss')), 'keymiss notified');
    assert.ok(all[0].some((m) => m.includes('active')), 'active expiry notified');
  });

  it('events carry the database number; RESP3 subscribers get push frames', async (t) => {
    await d.run([['HELLO', '3']], { conn: 1, typeOnly: true });
    await events('KEA', [['SELECT', '5'], ['SET', 'k', 'v'], ['MOVE', 'k', '0'], ['SELECT', '0'], ['SWAPDB', '0', '5'], ['SELECT', '5'], ['DEL', 'k'], ['SELECT', '0']]);
  });

  it('events inside MULTI/EXEC arrive in command order', async (t) => {
    await events('KEA', [['MULTI'], ['SET', 'a', '1'], ['INCR', 'a'], ['DEL', 'a'], ['EXEC']]);
  });

});

describeCompat('keyspace notifications with active expiry off', () => {
  const d = useDiffer({ sinew: { 'enable-debug-command': 'yes' }, redis: { 'enable-debug-command': 'yes' }, reset: false });

  async function events(flags: string, cmds: Cmd[]): Promise<string[]> {
    await d!.run([['CONFIG', 'SET', 'notify-keyspace-events', flags]]);
    await d!.run([['PSUBSCRIBE', '*']], { conn: 1 });
    await d!.run(cmds);
    const [a, b] = await d!.pair(1);
    const [ea, eb] = await Promise.all([drain(a), drain(b)]);
    assert.deepEqual(ea, eb, `events for ${flags}: ${cmds.map((c) => c.join(' ')).join('; ')}`);
    await d!.run([['PUNSUBSCRIBE']], { conn: 1 });
    return ea;
  }

  it('more string and generic cases: expired keys overwritten, GETEX variants, RENAME over a key, EXPIRE options', async (t) => {
    await d.run([
      ['DEBUG', 'SET-ACTIVE-EXPIRE', '0'],
      ['SET', 'x1', 'v', 'PX', '5'],
      ['SET', 'x2', 'v', 'PX', '5'],
      ['SET', 'x3', 'v', 'PX', '5'],
      ['SET', 'x4', 'v', 'PX', '5'],
      ['SET', 'x5', 'v', 'PX', '5'],
      ['SET', 'x6', 'v', 'PX', '5'],
      ['SET', 'x7', 'v', 'PX', '5'],
    ]);
    await sleep(30);
    await events('KEAn', [
      ['SET', 'x1', 'new'],
      ['APPEND', 'x2', 'z'],
      ['INCR', 'x3'],
      ['SETNX', 'x4', 'q'],
      ['SET', 'a', 'v'],
      ['GETEX', 'a', 'PX', '100000'],
      ['GETEX', 'a', 'EXAT', '99999999999'],
      ['GETEX', 'a', 'PXAT', '99999999999000'],
      ['GETEX', 'a', 'EX', '0'],
      ['GETEX', 'a', 'PXAT', '1'],
      ['SET', 'b', 'v'],
      ['SET', 'c', 'w'],
      ['RENAME', 'b', 'c'],
      ['EXPIRE', 'c', '100', 'NX'],
      ['EXPIRE', 'c', '100', 'NX'],
      ['EXPIRE', 'c', '50', 'GT'],
      ['EXPIRE', 'c', '200', 'GT'],
      ['EXPIRE', 'c', '10', 'LT'],
      ['EXPIRE', 'c', '10', 'XX'],
      ['PEXPIREAT', 'c', '1'],
      ['SET', 'd', 'v', 'GET'],
      ['SET', 'd', 'v2', 'GET', 'PX', '100000'],
      ['SETEX', 'd', '0', 'v'],
      ['SETRANGE', 'e', '0', ''],
      ['SETRANGE', 'e', '3', 'abc'],
      ['COPY', 'd', 'd2'],
      ['MOVE', 'd2', '5'],
      ['INCRBYFLOAT', 'f', 'abc'],
      ['MSET', 'x5', '1', 'zz', '2'],
      ['SET', 'x6', 'v', 'KEEPTTL'],
      ['TTL', 'x6'],
      ['GET', 'x6'],
      ['SET', 'x7', 'v', 'XX'],
      ['DEBUG', 'SET-ACTIVE-EXPIRE', '1'],
    ]);
  });
});
