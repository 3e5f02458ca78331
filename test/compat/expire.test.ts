/**
 * Expiry against redis-server: EXPIRE, PEXPIRE, EXPIREAT, PEXPIREAT with
 * NX|XX|GT|LT and their errors, TTL, PTTL, EXPIRETIME, PEXPIRETIME,
 * PERSIST, SET with expiry, lazy expiry on access and the active expiry
 * cycle. Absolute times are far in the future (PXAT) so replies are exact;
 * relative ones are checked within a range.
 */
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { describeCompat, useDiffer, type Cmd } from '../helpers/differ.js';
import type { RawClient } from '../helpers/raw-client.js';

const FAR = 4102444800000; // 2100-01-01 in ms
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function infoField(c: RawClient, section: string, field: string): Promise<string | undefined> {
  const info = (await c.call('INFO', section)) as string;
  for (const line of info.split('\r\n')) if (line.startsWith(field + ':')) return line.slice(field.length + 1);
  return undefined;
}

describeCompat('expiry against redis-server', () => {
  const d = useDiffer();

  it('option conflicts, unknown options and argument errors', async (t) => {
    const script: Cmd[] = [['SET', 'k', 'v']];
    for (const cmd of ['EXPIRE', 'PEXPIRE', 'EXPIREAT', 'PEXPIREAT']) {
      script.push(
        [cmd, 'k', '100', 'NX', 'XX'],
        [cmd, 'k', '100', 'NX', 'GT'],
        [cmd, 'k', '100', 'NX', 'LT'],
        [cmd, 'k', '100', 'xx', 'nx'],
        [cmd, 'k', '100', 'GT', 'LT'],
        [cmd, 'k', '100', 'lt', 'gt'],
        [cmd, 'k', '100', 'GT', 'LT', 'NX'],
        [cmd, 'k', '100', 'FOO'],
        [cmd, 'k', '100', 'NX', 'FOO'],
        [cmd, 'k', '100', 'a\r\n'],
        [cmd, 'k', '100', '\r\nb\r\n\n'],
        [cmd, 'k', '100', 'x\ny\rz'],
        [cmd, 'k', 'abc'],
        [cmd, 'k', 'abc', 'FOO'],
        [cmd, 'k', 'abc', 'NX', 'XX'],
        [cmd, 'k', '1.5'],
        [cmd, 'k', ''],
        [cmd, 'k', ' 1'],
        [cmd, 'k', '9223372036854775808'],
        [cmd, 'nokey', 'abc'],
        [cmd, 'nokey', '100', 'NX', 'XX'],
        [cmd, 'k'],
        [cmd],
      );
    }
    script.push(['TTL', 'k'], ['EXISTS', 'k']);
    await d.runInBothProtocols(script);
  });

  it('overflowing expire times are errors', async (t) => {
    await d.runInBothProtocols([
      ['SET', 'k', 'v'],
      ['EXPIRE', 'k', '9223372036854775807'],
      ['EXPIRE', 'k', '9223372036854776'],
      ['EXPIRE', 'k', '9223372036854775'],
      ['EXPIRE', 'k', '-9223372036854775808'],
      ['EXPIRE', 'k', '-9223372036854776'],
      ['PEXPIRE', 'k', '9223372036854775807'],
      ['PEXPIRE', 'k', '9223372036854775000'],
      ['EXPIREAT', 'k', '9223372036854775807'],
      ['EXPIREAT', 'k', '9223372036854776'],
      ['EXPIREAT', 'k', '-9223372036854776'],
      ['EXPIRE', 'k', '9223372036854775807', 'NX'],
      ['EXPIRE', 'nokey', '9223372036854775807'],
      ['EXISTS', 'k'],
      ['TTL', 'k'],
      // the largest accepted absolute times
      ['PEXPIREAT', 'k', '9007199254740991'],
      ['PEXPIRETIME', 'k'],
      ['EXPIRETIME', 'k'],
      ['EXPIREAT', 'k', '9007199254740'],
      ['EXPIRETIME', 'k'],
      ['PEXPIRETIME', 'k'],
      ['SET', 'k', 'v'],
      ['PEXPIREAT', 'k', '-9223372036854775808'],
      ['EXISTS', 'k'],
    ]);
  });

  it('expiry times beyond 2^53 ms are kept exactly, up to 2^63-1', async (t) => {
    await d.runInBothProtocols([
      ['SET', 'k', 'v'],
      ['PEXPIREAT', 'k', '9223372036854775807'],
      ['PEXPIRETIME', 'k'],
      ['EXPIRETIME', 'k'],
      ['PEXPIREAT', 'k', '9223372036854775806', 'GT'],
      ['PEXPIREAT', 'k', '9223372036854775806', 'LT'],
      ['PEXPIRETIME', 'k'],
      ['PEXPIREAT', 'k', '9223372036854775807', 'LT'],
      ['PEXPIREAT', 'k', '9223372036854775807', 'GT'],
      ['PEXPIREAT', 'k', '9007199254740993'],
      ['PEXPIRETIME', 'k'],
      ['PEXPIREAT', 'k', '9007199254740992', 'LT'],
      ['PEXPIRETIME', 'k'],
      ['EXPIREAT', 'k', '9223372036854775'],
      ['PEXPIRETIME', 'k'],
      ['EXPIRETIME', 'k'],
      ['PEXPIREAT', 'k', '9223372036854775001'],
      ['RENAME', 'k', 'r'],
      ['PEXPIRETIME', 'r'],
      ['COPY', 'r', 'c'],
      ['PEXPIRETIME', 'c'],
      ['COPY', 'r', 'c2', 'DB', '1'],
      ['MOVE', 'c', '2'],
      ['SELECT', '2'],
      ['PEXPIRETIME', 'c'],
      ['SELECT', '1'],
      ['PEXPIRETIME', 'c2'],
      ['SELECT', '0'],
      ['SWAPDB', '0', '1'],
      ['PEXPIRETIME', 'c2'],
      ['PERSIST', 'c2'],
      ['PEXPIRETIME', 'c2'],
      ['PEXPIREAT', 'c2', '9007199254740993'],
      ['SET', 'c2', 'x', 'KEEPTTL'],
      ['PEXPIRETIME', 'c2'],
      ['SET', 'c2', 'x'],
      ['PEXPIRETIME', 'c2'],
    ]);
  });

  it('NX, XX, GT, LT semantics (a key without TTL counts as infinite)', async (t) => {
    const at = (ms: number) => String(FAR + ms);
    await d.runInBothProtocols([
      ['SET', 'k', 'v'],
      ['PEXPIREAT', 'k', at(0), 'XX'],
      ['PEXPIREAT', 'k', at(0), 'GT'],
      ['PEXPIRETIME', 'k'],
      ['PEXPIREAT', 'k', at(0), 'LT'],
      ['PEXPIRETIME', 'k'],
      ['PERSIST', 'k'],
      ['PEXPIREAT', 'k', at(5), 'NX'],
      ['PEXPIREAT', 'k', at(6), 'NX'],
      ['PEXPIRETIME', 'k'],
      ['PEXPIREAT', 'k', at(7), 'XX'],
      ['PEXPIRETIME', 'k'],
      ['PEXPIREAT', 'k', at(7), 'GT'],
      ['PEXPIREAT', 'k', at(6), 'GT'],
      ['PEXPIREAT', 'k', at(8), 'GT'],
      ['PEXPIRETIME', 'k'],
      ['PEXPIREAT', 'k', at(8), 'LT'],
      ['PEXPIREAT', 'k', at(9), 'LT'],
      ['PEXPIREAT', 'k', at(3), 'LT'],
      ['PEXPIRETIME', 'k'],
      ['PEXPIREAT', 'k', at(4), 'XX', 'GT'],
      ['PEXPIREAT', 'k', at(1), 'XX', 'LT'],
      ['PEXPIRETIME', 'k'],
      ['EXPIREAT', 'k', String(FAR / 1000 + 100), 'GT'],
      ['EXPIRETIME', 'k'],
      ['PEXPIRETIME', 'k'],
      ['EXPIRE', 'k', '100', 'GT'],
      ['EXPIRE', 'k', '100', 'LT'],
      ['TTL', 'k'],
      ['EXPIRE', 'k', '200', 'GT'],
      ['TTL', 'k'],
      ['EXPIRE', 'k', '200', 'NX'],
      ['PERSIST', 'k'],
      ['PERSIST', 'k'],
      ['PERSIST', 'nokey'],
      ['TTL', 'k'],
      ['EXPIRE', 'k', '100', 'XX'],
      ['EXPIRE', 'k', '100', 'GT'],
      ['TTL', 'k'],
      ['EXPIRE', 'k', '100', 'LT'],
      ['TTL', 'k'],
      ['EXPIRE', 'nokey', '100'],
      ['EXPIRE', 'nokey', '100', 'LT'],
    ]);
  });

  it('a time in the past deletes the key, options permitting', async (t) => {
    const script: Cmd[] = [];
    for (const [cmd, v] of [['EXPIRE', '0'], ['EXPIRE', '-1'], ['PEXPIRE', '-100'], ['EXPIREAT', '1'], ['PEXPIREAT', '0'], ['EXPIREAT', '-5'], ['PEXPIRE', '0']]) {
      script.push(['SET', 'k', 'v'], [cmd, 'k', v], ['EXISTS', 'k'], ['TTL', 'k']);
    }
    script.push(
      ['SET', 'k', 'v'],
      ['EXPIRE', 'k', '-1', 'XX'], // no TTL: XX refuses, the key stays
      ['EXISTS', 'k'],
      ['EXPIRE', 'k', '-1', 'GT'], // no TTL is infinite: GT refuses
      ['EXISTS', 'k'],
      ['EXPIRE', 'k', '-1', 'LT'],
      ['EXISTS', 'k'],
      ['SET', 'k', 'v'],
      ['EXPIRE', 'k', '-1', 'NX'],
      ['EXISTS', 'k'],
      ['SET', 'k', 'v', 'PXAT', String(FAR)],
      ['EXPIRE', 'k', '-1', 'NX'],
      ['EXPIRE', 'k', '-1', 'GT'],
      ['EXISTS', 'k'],
      ['EXPIRE', 'k', '-1', 'XX'],
      ['EXISTS', 'k'],
    );
    await d.runInBothProtocols(script);
  });

  it('TTL, PTTL, EXPIRETIME, PEXPIRETIME', async (t) => {
    await d.runInBothProtocols([
      ['TTL', 'nokey'],
      ['PTTL', 'nokey'],
      ['EXPIRETIME', 'nokey'],
      ['PEXPIRETIME', 'nokey'],
      ['SET', 'k', 'v'],
      ['TTL', 'k'],
      ['PTTL', 'k'],
      ['EXPIRETIME', 'k'],
      ['PEXPIRETIME', 'k'],
      ['PEXPIREAT', 'k', String(FAR + 499)],
      ['EXPIRETIME', 'k'],
      ['PEXPIREAT', 'k', String(FAR + 500)],
      ['EXPIRETIME', 'k'],
      ['PEXPIREAT', 'k', String(FAR + 999)],
      ['EXPIRETIME', 'k'],
      ['PEXPIRETIME', 'k'],
      ['EXPIRE', 'k', '1000'],
      ['TTL', 'k'],
      ['SET', 'k', 'v', 'EX', '50'],
      ['TTL', 'k'],
      ['TTL'],
      ['TTL', 'a', 'b'],
      ['PEXPIRETIME'],
    ]);
    // relative replies: within a range on both servers
    const [a, b] = await d.pair(0);
    for (const c of [a, b]) {
      await c.call('SET', 'r', 'v', 'PX', '100000');
      const pttl = (await c.call('PTTL', 'r')) as number;
      assert.ok(pttl > 95000 && pttl <= 100000, `PTTL ${pttl}`);
      await c.call('PEXPIRE', 'r', '1500');
      const ttl = (await c.call('TTL', 'r')) as number;
      assert.ok(ttl === 2 || ttl === 1, `TTL rounds to nearest second: ${ttl}`);
      await c.call('PEXPIRE', 'r', '1499');
      const ttl2 = (await c.call('TTL', 'r')) as number;
      assert.ok(ttl2 === 1 || ttl2 === 0, `TTL of 1499 ms does not round up: ${ttl2}`);
      const now = Date.now();
      await c.call('EXPIRE', 'r', '100');
      const at = (await c.call('PEXPIRETIME', 'r')) as number;
      assert.ok(at >= now + 100000 - 50 && at <= Date.now() + 100000 + 50, `PEXPIRETIME ${at}`);
    }
  });

  it('writes: SET drops the TTL, KEEPTTL and in-place changes keep it', async (t) => {
    await d.runInBothProtocols([
      ['SET', 'k', 'v', 'PXAT', String(FAR)],
      ['SET', 'k', 'v2', 'KEEPTTL'],
      ['PEXPIRETIME', 'k'],
      ['APPEND', 'k', 'x'],
      ['PEXPIRETIME', 'k'],
      ['SETRANGE', 'k', '0', 'y'],
      ['PEXPIRETIME', 'k'],
      ['SET', 'k', 'v3'],
      ['PEXPIRETIME', 'k'],
      ['SET', 'n', '1', 'PXAT', String(FAR)],
      ['INCR', 'n'],
      ['INCRBYFLOAT', 'n', '1.5'],
      ['PEXPIRETIME', 'n'],
      ['GETSET', 'n', '5'],
      ['PEXPIRETIME', 'n'],
      ['SET', 'k', 'v', 'EXAT', String(FAR / 1000)],
      ['PEXPIRETIME', 'k'],
      ['PERSIST', 'k'],
      ['PEXPIRETIME', 'k'],
      ['SET', 'k', 'v', 'PXAT', '1'],
      ['SET', 'k', 'v', 'EXAT', '0'],
      ['EXISTS', 'k'],
    ]);
  });

  it('keys expire: SET PX then reads, writes and TTL see them gone (lazy expiry)', async (t) => {
    await d.run([['CONFIG', 'RESETSTAT']]);
    await d.run([
      ['SET', 'a', '1', 'PX', '30'],
      ['SET', 'b', '1', 'PX', '30'],
      ['SET', 'c', '1', 'PX', '30'],
      ['SET', 'd', '1', 'PX', '30'],
      ['SET', 'e', '1', 'PX', '30'],
      ['SET', 'f', '1', 'PX', '30'],
      ['SET', 'g', '1', 'PX', '30'],
      ['SET', 'live', '1'],
    ]);
    await sleep(60);
    await d.run([
      ['GET', 'a'],
      ['EXISTS', 'b'],
      ['TTL', 'c'],
      ['PTTL', 'c'],
      ['EXPIRE', 'd', '100'],
      ['PERSIST', 'e'],
      ['TYPE', 'f'],
      ['SET', 'g', 'new', 'NX'],
      ['TTL', 'g'],
      ['GET', 'g'],
      ['RENAME', 'a', 'z'],
    ]);
    await d.run([['KEYS', '*'], ['DBSIZE']], { unordered: true });
    // every expired key was counted once, lazily or by the active cycle
    const [x, y] = await d.pair(0);
    assert.equal(await infoField(x, 'stats', 'expired_keys'), '7');
    assert.equal(await infoField(y, 'stats', 'expired_keys'), '7');
  });

  it('the active expiry cycle reclaims keys that are never read', async (t) => {
    const script: Cmd[] = [['CONFIG', 'RESETSTAT']];
    for (let i = 0; i < 60; i++) script.push(['SET', `tmp:${i}`, 'v', 'PX', String(5 + (i % 10))]);
    script.push(['SET', 'keep', 'v', 'PXAT', String(FAR)], ['SET', 'keep2', 'v']);
    await d.run(script);
    const [x, y] = await d.pair(0);
    for (const c of [x, y]) {
      const deadline = Date.now() + 5000;
      // DBSIZE does not expire keys: only the background cycle can shrink it
      while ((await c.call('DBSIZE')) !== 2) {
        assert.ok(Date.now() < deadline, 'keys were not reclaimed by the active expiry cycle');
        await sleep(20);
      }
      assert.equal(await infoField(c, 'stats', 'expired_keys'), '60');
      const ks = await infoField(c, 'keyspace', 'db0');
      assert.match(ks ?? '', /^keys=2,expires=1,avg_ttl=\d+$/);
    }
  });

  it('while clients are paused, expired keys read as missing but are not deleted', async (t) => {
    await d.run([['CONFIG', 'RESETSTAT'], ['SET', 'k', 'v', 'PX', '10'], ['SET', 'live', 'v'], ['CLIENT', 'PAUSE', '300', 'WRITE']]);
    await sleep(40);
    await d.run([['GET', 'k'], ['EXISTS', 'k'], ['TTL', 'k'], ['TYPE', 'k'], ['DBSIZE'], ['RANDOMKEY'], ['SCAN', '0', 'COUNT', '100']]);
    await d.run([['INFO', 'keyspace']], { typeOnly: true });
    const [x, y] = await d.pair(0);
    assert.equal(await infoField(x, 'stats', 'expired_keys'), '0');
    assert.equal(await infoField(y, 'stats', 'expired_keys'), '0');
    await sleep(320);
    await d.run([['GET', 'k'], ['DBSIZE']]);
    assert.equal(await infoField(x, 'stats', 'expired_keys'), '1');
    assert.equal(await infoField(y, 'stats', 'expired_keys'), '1');
  });

  it('expiry in other databases, after MOVE and SWAPDB', async (t) => {
    await d.run([
      ['SELECT', '2'],
      // Long enough that a loaded machine does not expire them before EXISTS.
      ['SET', 'k', 'v', 'PX', '300'],
      ['SET', 'm', 'v', 'PX', '300'],
      ['MOVE', 'm', '3'],
      ['SWAPDB', '2', '4'],
      ['SELECT', '4'],
      ['EXISTS', 'k'],
    ]);
    await sleep(400);
    await d.run([['GET', 'k'], ['SELECT', '3'], ['GET', 'm'], ['DBSIZE'], ['SELECT', '4'], ['DBSIZE']]);
  });
});
