import { it } from 'node:test';
import assert from 'node:assert/strict';
import { describeCompat, useDiffer, type Cmd } from '../helpers/differ.js';
import type { RawClient } from '../helpers/raw-client.js';
import { rng } from '../helpers/rng.js';

function randomText(r: () => number, n: number, alphabet: string): string {
  let s = '';
  for (let i = 0; i < n; i++) s += alphabet[Math.floor(r() * alphabet.length)];
  return s;
}

describeCompat('LCS against redis-server', () => {
  const d = useDiffer();

  const basics: Cmd[] = [
    ['MSET', 'key1', 'ohmytext', 'key2', 'mynewtext'],
    ['LCS', 'key1', 'key2'],
    ['LCS', 'key1', 'key2', 'LEN'],
    ['LCS', 'key1', 'key2', 'len'],
    ['LCS', 'key1', 'key2', 'IDX'],
    ['LCS', 'key1', 'key2', 'IDX', 'WITHMATCHLEN'],
    ['LCS', 'key1', 'key2', 'IDX', 'MINMATCHLEN', '4'],
    ['LCS', 'key1', 'key2', 'idx', 'minmatchlen', '4', 'withmatchlen'],
    ['LCS', 'key1', 'key2', 'IDX', 'MINMATCHLEN', '-5', 'WITHMATCHLEN'],
    ['LCS', 'key1', 'key2', 'IDX', 'MINMATCHLEN', '100'],
    ['LCS', 'key1', 'key2', 'MINMATCHLEN', '2'],
    ['LCS', 'key1', 'key2', 'WITHMATCHLEN'],
    ['LCS', 'key1', 'key2', 'LEN', 'MINMATCHLEN', '3', 'WITHMATCHLEN'],
    ['LCS', 'key1', 'key2', 'IDX', 'IDX'],
    ['LCS', 'key1', 'key1'],
    ['LCS', 'key1', 'key1', 'IDX', 'WITHMATCHLEN'],
    ['LCS', 'key1', 'nokey'],
    ['LCS', 'nokey', 'nokey2', 'IDX'],
    ['LCS', 'nokey', 'nokey2', 'LEN'],
    ['MSET', 'n1', '1234567', 'n2', '91235'],
    ['LCS', 'n1', 'n2', 'IDX', 'WITHMATCHLEN'],
    ['MSET', 'x', 'abcXdefYghi', 'y', 'abcdefghi'],
    ['LCS', 'x', 'y', 'IDX', 'WITHMATCHLEN'],
    ['LCS', 'y', 'x', 'IDX', 'WITHMATCHLEN'],
  ];

  it('replies and options (RESP2)', async (t) => {
    await d.run(basics);
  });

  it('replies and options (RESP3 map for IDX)', async (t) => {
    await d.run([['HELLO', '3']], { typeOnly: true });
    await d.run(basics);
  });

  it('errors', async (t) => {
    await d.run([
      ['MSET', 'a', 'hello', 'b', 'help'],
      ['LCS', 'a', 'b', 'IDX', 'LEN'],
      ['LCS', 'a', 'b', 'LEN', 'IDX'],
      ['LCS', 'a', 'b', 'MINMATCHLEN'],
      ['LCS', 'a', 'b', 'MINMATCHLEN', 'x'],
      ['LCS', 'a', 'b', 'MINMATCHLEN', '1.5', 'IDX'],
      ['LCS', 'a', 'b', 'FOO'],
      ['LCS', 'a', 'b', 'IDX', 'FOO'],
      ['LCS', 'a'],
      ['LCS'],
    ]);
  });

  it('keys holding other types', async (t) => {
    await d.run([
      ['SADD', 'set', 'm'],
      ['SET', 'a', 'abc'],
      ['LCS', 'set', 'a'],
      ['LCS', 'a', 'set'],
      ['LCS', 'a', 'set', 'LEN', 'IDX'],
      ['LCS', 'nokey', 'set', 'FOO'],
      ['LCS', 'a', 'nokey', 'LEN'],
    ]);
    // Both keys are read lookups (keyspace hits / misses).
    const [ours, theirs] = await d.pair(0);
    const stats = async (cl: RawClient): Promise<string> => {
      const info = String(await cl.call('INFO', 'stats'));
      return /keyspace_hits:(\d+)/.exec(info)?.[1] + '/' + /keyspace_misses:(\d+)/.exec(info)?.[1];
    };
    await d.run([['CONFIG', 'RESETSTAT']]);
    await d.run([['LCS', 'a', 'nokey'], ['LCS', 'a', 'a', 'LEN'], ['LCS', 'nokey', 'set']]);
    assert.equal(await stats(ours), await stats(theirs));
  });

  it('binary values and values changed in place', async (t) => {
    await d.run([
      ['SET', 'p', Buffer.from([0, 1, 2, 255, 3, 0, 128])],
      ['SET', 'q', Buffer.from([255, 0, 2, 3, 128, 0])],
      ['LCS', 'p', 'q'],
      ['LCS', 'p', 'q', 'IDX', 'WITHMATCHLEN'],
      ['SETBIT', 'p', '70', '1'],
      ['APPEND', 'q', 'xyz'],
      ['LCS', 'p', 'q'],
      ['LCS', 'q', 'p', 'IDX'],
    ]);
  });

  it('random strings: string, LEN and IDX agree', async (t) => {
    const r = rng(99);
    const cmds: Cmd[] = [];
    for (let i = 0; i < 40; i++) {
      const alphabet = i % 2 === 0 ? 'ab' : 'abcdefgh';
      const a = randomText(r, Math.floor(r() * 60), alphabet);
      const b = randomText(r, Math.floor(r() * 60), alphabet);
      cmds.push(['MSET', 'ra', a, 'rb', b], ['LCS', 'ra', 'rb'], ['LCS', 'ra', 'rb', 'LEN']);
      cmds.push(['LCS', 'ra', 'rb', 'IDX', 'MINMATCHLEN', String(Math.floor(r() * 4)), 'WITHMATCHLEN']);
    }
    const big = randomText(r, 700, 'acgt');
    const big2 = randomText(r, 650, 'acgt');
    cmds.push(['MSET', 'ba', big, 'bb', big2], ['LCS', 'ba', 'bb'], ['LCS', 'ba', 'bb', 'LEN'], ['LCS', 'ba', 'bb', 'IDX', 'MINMATCHLEN', '5']);
    await d.run(cmds);
  });

  it('the transient table is bounded by proto-max-bulk-len', async (t) => {
    // (12000+1)^2 cells of 4 bytes exceed 512MB: refused before any allocation.
    await d.run([
      ['SET', 'l1', 'a'.repeat(12000)],
      ['SET', 'l2', 'a'.repeat(12000)],
      ['LCS', 'l1', 'l2'],
      ['LCS', 'l1', 'l2', 'LEN'],
      ['LCS', 'l1', 'l2', 'IDX'],
      ['SET', 'long', Buffer.alloc(200000)],
      ['LCS', 'long', 'nokey', 'LEN'],
      ['LCS', 'long', 'l1', 'LEN'],
    ]);
    // With a 1MB limit, 511+1 squared cells fit and 512+1 do not.
    await d.run([['CONFIG', 'SET', 'proto-max-bulk-len', '1mb']]);
    await d.run([
      ['SET', 's1', 'x'.repeat(511)],
      ['SET', 's2', 'yx'.repeat(255) + 'x'],
      ['LCS', 's1', 's2', 'LEN'],
      ['APPEND', 's1', 'x'],
      ['APPEND', 's2', 'x'],
      ['LCS', 's1', 's2', 'LEN'],
      ['LCS', 's1', 'nokey'],
    ]);
    await d.run([['CONFIG', 'SET', 'proto-max-bulk-len', '512mb']]);
  });
});
