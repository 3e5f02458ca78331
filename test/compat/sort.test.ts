import { it } from 'node:test';
import assert from 'node:assert/strict';
import { describeCompat, useDiffer, type Cmd } from '../helpers/differ.js';
import { drain } from '../helpers/raw-client.js';

/**
 * Note: Redis never resets errno before the strtod of SORT, so once a value
 * overflows, underflows or is subnormal, every later numeric SORT of that
 * server fails too. Such values are only tried in the last test.
 */
describeCompat('SORT against redis-server', () => {
  const d = useDiffer();

  /** The scripts here read data set up before them: both protocols see the same data. */
  const inBothProtocols = (cmds: Cmd[]) => d.runInBothProtocols(cmds, { keepData: true });

  it('lists: numeric and ALPHA order, DESC, LIMIT', async (t) => {
    await d.run([
      ['RPUSH', 'l', '3', '10', '-1', '2.5', '10', ' 7', '', '0x10', '-inf', '+inf', '1e3', '.5', '-0', '0'],
      ['RPUSH', 'w', 'b', 'a', 'C', 'aa', '', 'a\x00z', 'a\x00b', '\xff', '10', '9'],
    ]);
    const cmds: Cmd[] = [];
    for (const order of [[], ['ASC'], ['DESC']]) {
      cmds.push(['SORT', 'l', ...order], ['SORT', 'w', ...order, 'ALPHA'], ['SORT_RO', 'l', ...order], ['SORT_RO', 'w', 'ALPHA', ...order]);
      for (const [s, n] of [['0', '3'], ['2', '4'], ['-5', '2'], ['3', '-1'], ['3', '0'], ['13', '5'], ['14', '1'], ['100', '1'], ['0', '100']]) {
        cmds.push(['SORT', 'l', 'LIMIT', s, n, ...order], ['SORT', 'w', 'LIMIT', s, n, 'ALPHA', ...order]);
      }
    }
    cmds.push(
      ['SORT', 'w'],
      ['SORT', 'l', 'ALPHA'],
      ['SORT', 'nokey'],
      ['SORT', 'nokey', 'ALPHA', 'DESC', 'LIMIT', '0', '1'],
      ['SORT', 'l', 'limit', '0', '2', 'desc', 'alpha', 'asc'],
    );
    await inBothProtocols(cmds);
  });

  it('LIMIT near 2^63 and option errors', async (t) => {
    await d.run([['RPUSH', 'l', '3', '1', '2', '5', '4'], ['SET', 'str', 'x']]);
    const lims = ['9223372036854775807', '-9223372036854775808', '9223372036854775806', '1', '2', '0', '-1'];
    const cmds: Cmd[] = [];
    for (const a of lims) for (const b of lims) {
      cmds.push(['SORT', 'l', 'LIMIT', a, b], ['SORT', 'l', 'BY', 'nosort', 'LIMIT', a, b], ['SORT', 'l', 'BY', 'nosort', 'DESC', 'LIMIT', a, b]);
    }
    cmds.push(
      ['SORT', 'l', 'LIMIT', '9223372036854775808', '1'],
      ['SORT', 'l', 'LIMIT', '0', 'x'],
      ['SORT', 'l', 'LIMIT', '0'],
      ['SORT', 'l', 'LIMIT'],
      ['SORT', 'l', 'BY'],
      ['SORT', 'l', 'GET'],
      ['SORT', 'l', 'STORE'],
      ['SORT', 'l', 'FOO'],
      ['SORT_RO', 'l', 'STORE', 'dst'],
      ['SORT', 'str'],
      ['SORT', 'str', 'FOO'],
      ['SORT', 'str', 'LIMIT', 'x', '1'],
      ['SORT_RO', 'str'],
      ['SORT'],
      ['RPUSH', 'bad', '1', 'abc', '2'],
      ['SORT', 'bad'],
      ['SORT', 'bad', 'ALPHA'],
      ['SORT', 'bad', 'BY', 'nosort'],
      ['SORT', 'bad', 'LIMIT', '0', '1'],
      ['SORT', 'bad', 'STORE', 'dst'],
      ['EXISTS', 'dst'],
      ['RPUSH', 'nan', '1', 'nan'],
      ['SORT', 'nan'],
      ['RPUSH', 'sp', '1', '2 '],
      ['SORT', 'sp'],
      ['RPUSH', 'e', '1e', '1'],
      ['SORT', 'e'],
    );
    await inBothProtocols(cmds);
  });

  it('BY patterns, nosort, GET patterns', async (t) => {
    await d.run([
      ['RPUSH', 'l', 'a', 'b', 'c', 'd', 'e', 'f'],
      ['MSET', 'w_a', '5', 'w_b', '2', 'w_c', '9', 'w_e', '2', 'w_f', 'abc'],
      ['MSET', 'o_a', 'A', 'o_b', 'B', 'o_d', 'D', 'o_e', '', 'a_w_x', '1'],
      ['MSET', 'p_a', 'zz', 'p_b', 'y', 'p_c', 'x', 'p_d', 'x'],
      ['RPUSH', 'o_c', 'not a string'],
      ['RPUSH', 'num', '3', '1', '2'],
      ['MSET', 'n_1', '10', 'n_2', '30', 'n_3', '20', 'g_1', 'one', 'g_3', 'three'],
    ]);
    const cmds: Cmd[] = [
      ['SORT', 'num', 'BY', 'n_*'],
      ['SORT', 'num', 'BY', 'n_*', 'DESC'],
      ['SORT', 'num', 'BY', 'n_*', 'GET', 'g_*'],
      ['SORT', 'num', 'BY', 'n_*', 'GET', '#', 'GET', 'g_*', 'GET', 'n_*'],
      ['SORT', 'num', 'BY', 'n_*', 'LIMIT', '1', '1', 'GET', 'g_*'],
      ['SORT', 'num', 'BY', 'nosort'],
      ['SORT', 'num', 'BY', 'nosort', 'DESC'],
      ['SORT', 'num', 'BY', 'nosort', 'GET', 'n_*', 'GET', '#'],
      ['SORT', 'num', 'BY', 'nosort', 'LIMIT', '1', '5', 'DESC', 'GET', 'g_*'],
      ['SORT', 'num', 'BY', 'n_', 'GET', 'n_*'],
      ['SORT', 'num', 'GET', 'n_'],
      ['SORT', 'num', 'GET', '#'],
      ['SORT', 'num', 'GET', '#x'],
      ['SORT', 'num', 'GET', '*'],
      ['SORT', 'num', 'GET', 'n_**'],
      ['SORT', 'l', 'BY', 'p_*', 'ALPHA'],
      ['SORT', 'l', 'BY', 'p_*', 'ALPHA', 'DESC'],
      ['SORT', 'l', 'BY', 'o_*', 'ALPHA', 'GET', 'o_*'],
      ['SORT', 'l', 'BY', 'w_*'],
      ['SORT', 'l', 'BY', 'w_*', 'ALPHA'],
      ['SORT', 'l', 'BY', 'w_*', 'ALPHA', 'GET', 'w_*', 'GET', '#'],
      ['SORT', 'l', 'GET', 'o_*', 'ALPHA'],
      ['SORT', 'l', 'GET', 'o_*', 'GET', 'w_*', 'ALPHA', 'DESC', 'LIMIT', '1', '3'],
      ['SORT', 'l', 'BY', 'a_*_x', 'ALPHA'],
      ['SORT', 'l', 'BY', '*', 'ALPHA'],
      ['SORT_RO', 'num', 'BY', 'n_*', 'GET', 'g_*', 'GET', '#'],
      ['SORT', 'num', 'BY', 'n_*\x00junk', 'GET', 'g_*'],
      ['SORT', 'num', 'BY', 'n_\x00*', 'GET', 'g_*'],
      ['SORT', 'num', 'GET', '#\x00x'],
      ['SORT', 'num', 'GET', 'g_*\x00'],
      ['APPEND', 'n_1', '5'],
      ['SETRANGE', 'g_3', '0', 'T'],
      ['SORT', 'num', 'BY', 'n_*', 'GET', 'n_*', 'GET', 'g_*'],
    ];
    await inBothProtocols(cmds);
  });

  it('STORE: list result, empty result deletes, overwrites other types and TTL', async (t) => {
    await inBothProtocols([
      ['FLUSHALL'],
      ['RPUSH', 'l', '3', '1', '2'],
      ['MSET', 'g_1', 'one', 'g_2', 'two'],
      ['SORT', 'l', 'STORE', 'dst'],
      ['LRANGE', 'dst', '0', '-1'],
      ['TYPE', 'dst'],
      ['OBJECT', 'ENCODING', 'dst'],
      ['SORT', 'l', 'DESC', 'GET', 'g_*', 'GET', '#', 'STORE', 'dst'],
      ['LRANGE', 'dst', '0', '-1'],
      ['SET', 'str', 'x', 'EX', '100'],
      ['SORT', 'l', 'LIMIT', '0', '1', 'STORE', 'str'],
      ['TYPE', 'str'],
      ['TTL', 'str'],
      ['SORT', 'l', 'LIMIT', '0', '0', 'STORE', 'str'],
      ['EXISTS', 'str'],
      ['SORT', 'nokey', 'STORE', 'dst'],
      ['EXISTS', 'dst'],
      ['SORT', 'nokey', 'STORE', 'dst'],
      ['SORT', 'l', 'STORE', 'l'],
      ['LRANGE', 'l', '0', '-1'],
      ['SORT', 'l', 'BY', 'nosort', 'DESC', 'STORE', 'a', 'STORE', 'b'],
      ['LRANGE', 'a', '0', '-1'],
      ['LRANGE', 'b', '0', '-1'],
    ]);
  });

  it('STORE wakes blocked clients, events and WATCH', async (t) => {
    await d.run([['RPUSH', 'l', '2', '1'], ['CONFIG', 'SET', 'notify-keyspace-events', 'KEAnm']]);
    await d.run([['PSUBSCRIBE', '__key*__:*']], { conn: 3 });
    await d.send(['BLPOP', 'dst', '0'], 1);
    await d.expectSilence(1, 40);
    await d.run([['SORT', 'l', 'STORE', 'dst']]);
    await d.expectReply(1, 'woken by SORT STORE');
    await d.run([['LRANGE', 'dst', '0', '-1'], ['WATCH', 'dst']], { conn: 2 });
    await d.run([['SORT', 'l', 'STORE', 'dst'], ['SORT', 'nokey', 'STORE', 'dst'], ['SORT', 'nokey', 'STORE', 'dst']]);
    await d.run([['MULTI'], ['PING'], ['EXEC']], { conn: 2 });
    const [a, b] = await d.pair(3);
    const [ours, theirs] = await Promise.all([drain(a, 150), drain(b, 150)]);
    assert.ok(theirs.length >= 8);
    assert.deepEqual(ours, theirs);
  });

  it('STORE invalidates client-side caches of the destination', async (t) => {
    await d.run([['RPUSH', 'l', '2', '1'], ['RPUSH', 'dst', 'old']]);
    await d.run([['HELLO', '3']], { conn: 1, typeOnly: true });
    await d.run([['CLIENT', 'TRACKING', 'on'], ['LRANGE', 'dst', '0', '-1']], { conn: 1 });
    await d.run([['SORT', 'l', 'STORE', 'dst']]);
    await d.expectReply(1, 'invalidation after SORT STORE');
    await d.run([['LRANGE', 'dst', '0', '-1']], { conn: 1 });
    await d.run([['SORT', 'nokey', 'STORE', 'dst']]);
    await d.expectReply(1, 'invalidation after SORT STORE deleted the key');
    await d.expectSilence(1, 30);
  });

  it('sets: intset and hashtable, nosort, forced ALPHA on STORE', async (t) => {
    await d.run([
      ['SADD', 'is', '5', '-3', '100', '7', '0'],
      ['SADD', 'hs', 'pear', 'apple', '10', '9', 'fig', 'Banana'],
      ['MSET', 'w_pear', '1', 'w_apple', '3', 'w_10', '2', 'w_9', '2', 'w_fig', '-1', 'w_Banana', '0', 'w_5', '3', 'w_7', '2'],
    ]);
    const cmds: Cmd[] = [
      ['SORT', 'is'],
      ['SORT', 'is', 'DESC', 'LIMIT', '1', '2'],
      ['SORT', 'is', 'ALPHA'],
      ['SORT', 'is', 'BY', 'nosort'],
      ['SORT', 'is', 'BY', 'nosort', 'DESC'],
      ['SORT', 'is', 'BY', 'nosort', 'LIMIT', '1', '3'],
      ['SORT', 'is', 'BY', 'w_*'],
      ['SORT', 'is', 'BY', 'w_*', 'GET', 'w_*', 'GET', '#'],
      ['SORT', 'hs', 'ALPHA'],
      ['SORT', 'hs', 'ALPHA', 'DESC', 'LIMIT', '0', '3'],
      ['SORT', 'hs'],
      ['SORT', 'hs', 'BY', 'w_*'],
      ['SORT', 'hs', 'BY', 'w_*', 'DESC', 'GET', '#', 'GET', 'w_*'],
      ['SORT', 'hs', 'BY', 'w_*', 'ALPHA', 'LIMIT', '0', '2'],
      ['SORT', 'is', 'BY', 'nosort', 'STORE', 'd1'],
      ['LRANGE', 'd1', '0', '-1'],
      ['SORT', 'hs', 'BY', 'nosort', 'STORE', 'd2'],
      ['LRANGE', 'd2', '0', '-1'],
      ['SORT', 'hs', 'BY', 'nosort', 'DESC', 'LIMIT', '1', '2', 'GET', 'w_*', 'STORE', 'd3'],
      ['LRANGE', 'd3', '0', '-1'],
      ['SORT', 'hs', 'BY', 'nosort', 'STORE', 'd4', 'GET', '#', 'ALPHA'],
      ['LRANGE', 'd4', '0', '-1'],
      ['SORT_RO', 'is', 'BY', 'nosort'],
      ['OBJECT', 'ENCODING', 'is'],
      ['OBJECT', 'ENCODING', 'hs'],
    ];
    await inBothProtocols(cmds);
    // a hashtable set without sorting replies in the set's own order
    await d.run([['SORT', 'hs', 'BY', 'nosort'], ['SORT', 'hs', 'BY', 'nosort', 'GET', '#']], { unordered: true });
  });

  it('sorted sets: score order for nosort, LIMIT and DESC, conversion to skiplist', async (t) => {
    await d.run([
      ['ZADD', 'z', '3', 'c', '1', 'a', '2', 'b', '5', 'e', '4', 'd', '0', '10', '-1', '9'],
      ['MSET', 'w_a', '9', 'w_b', '8', 'w_c', '7', 'w_10', '1'],
    ]);
    await inBothProtocols([
      ['OBJECT', 'ENCODING', 'z'],
      ['SORT', 'z', 'BY', 'nosort'],
      ['OBJECT', 'ENCODING', 'z'],
      ['SORT', 'z', 'BY', 'nosort', 'DESC'],
      ['SORT', 'z', 'BY', 'nosort', 'LIMIT', '2', '3'],
      ['SORT', 'z', 'BY', 'nosort', 'DESC', 'LIMIT', '2', '3'],
      ['SORT', 'z', 'BY', 'nosort', 'DESC', 'LIMIT', '6', '5'],
      ['SORT', 'z', 'BY', 'nosort', 'LIMIT', '7', '5'],
      ['SORT', 'z', 'BY', 'nosort', 'LIMIT', '-7', '0'],
      ['SORT', 'z', 'ALPHA'],
      ['SORT', 'z', 'ALPHA', 'DESC', 'LIMIT', '1', '4'],
      ['SORT', 'z', 'BY', 'w_*', 'GET', '#', 'GET', 'w_*'],
      ['SORT', 'z', 'BY', 'w_*', 'DESC', 'LIMIT', '0', '3'],
      ['SORT', 'z', 'BY', 'nosort', 'GET', 'w_*', 'STORE', 'dst'],
      ['LRANGE', 'dst', '0', '-1'],
      ['SORT', 'z'],
      ['ZADD', 'n', '1', '10', '2', '-5', '3', '7.5'],
      ['SORT', 'n'],
      ['SORT', 'n', 'DESC', 'LIMIT', '0', '2'],
      ['SORT_RO', 'n', 'BY', 'nosort', 'DESC'],
      ['ZADD', 'small', '1', 'x'],
      ['SORT_RO', 'small', 'ALPHA'],
      ['OBJECT', 'ENCODING', 'small'],
    ]);
  });

  it('GET and BY through hash fields', async (t) => {
    await d.run([
      ['RPUSH', 'l', '1', '2', '3', '4'],
      ['HSET', 'h_1', 'name', 'one', 'w', '30'],
      ['HSET', 'h_2', 'name', 'two', 'w', '10'],
      ['HSET', 'h_3', 'name', 'three'],
      ['SET', 'h_4', 'a string'],
      ['HSET', 'h_1->x', 'y', 'odd'],
      ['SET', 'h_1->', 'arrowkey'],
      ['HSET', 'k->1', 'f', 'arrow-before-star'],
    ]);
    await inBothProtocols([
      ['SORT', 'l', 'BY', 'h_*->w', 'GET', 'h_*->name', 'GET', '#'],
      ['SORT', 'l', 'BY', 'h_*->w', 'DESC', 'GET', 'h_*->name'],
      ['SORT', 'l', 'BY', 'h_*->name', 'ALPHA', 'GET', 'h_*->name', 'GET', 'h_*->w'],
      ['SORT', 'l', 'GET', 'h_*->'],
      ['SORT', 'l', 'GET', 'h_*->nofield'],
      ['SORT', 'l', 'GET', 'h_*->x->y'],
      ['SORT', 'l', 'GET', 'k->*->f'],
      ['SORT', 'l', 'GET', 'h_*->name', 'STORE', 'dst'],
      ['LRANGE', 'dst', '0', '-1'],
      ['SORT', 'l', 'BY', 'h_*->w', 'LIMIT', '1', '2', 'GET', 'h_*->name'],
      ['SORT', 'l', 'BY', 'h_*->name->', 'ALPHA'],
    ]);
  });

  it('equal BY values keep Redis order: stable sort, partial quicksort with LIMIT', async (t) => {
    let seed = 7;
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % n;
    };
    for (const size of [5, 7, 8, 30, 45, 120]) {
      const elems = Array.from({ length: size }, (_, i) => `e${i}`);
      const setup: Cmd[] = [['DEL', 'l'], ['RPUSH', 'l', ...elems]];
      for (const e of elems) {
        const r = rand(5);
        if (r < 4) setup.push(['SET', `w_${e}`, String(rand(3))]);
        else setup.push(['DEL', `w_${e}`]);
      }
      await d.run(setup);
      const cmds: Cmd[] = [];
      for (const lim of [['0', '3'], ['1', '2'], [String(size >> 1), '4'], ['2', '-1'], ['0', String(size)], [String(size - 2), '5']]) {
        for (const extra of [['ALPHA'], ['ALPHA', 'DESC'], [], ['DESC']]) {
          cmds.push(['SORT', 'l', 'BY', 'w_*', 'LIMIT', ...lim, ...extra]);
        }
      }
      cmds.push(['SORT', 'l', 'BY', 'w_*', 'ALPHA'], ['SORT', 'l', 'BY', 'w_*', 'ALPHA', 'DESC'], ['SORT', 'l', 'BY', 'w_*', 'ALPHA', 'STORE', 'dst'], ['LRANGE', 'dst', '0', '-1']);
      await d.run(cmds);
    }
  });

  it('values that make strtod report ERANGE (last: Redis keeps errno set afterwards)', async (t) => {
    await d.run([
      ['RPUSH', 'ok', '2', '1'],
      ['SORT', 'ok'],
      ['RPUSH', 'big', '1', '1e400'],
      ['SORT', 'big'],
      ['SORT', 'big', 'ALPHA'],
      ['SORT', 'big', 'BY', 'nosort'],
    ]);
  });
});
