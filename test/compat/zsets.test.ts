import { it } from 'node:test';
import assert from 'node:assert/strict';
import { describeCompat, useDiffer, type Cmd } from '../helpers/differ.js';
import { RawClient } from '../helpers/raw-client.js';
import { RespDouble, type RespValue } from '../../src/protocol/reply-reader.js';
import { rng } from '../helpers/rng.js';
import { scanPairs } from '../helpers/scan.js';

/** ZADD of n members m0..m(n-1) with scores i*step (as strings). */
function zaddMany(key: string, n: number, step = 1, prefix = 'm'): Cmd {
  const cmd: Cmd = ['ZADD', key];
  for (let i = 0; i < n; i++) cmd.push(String(i * step), prefix + i);
  return cmd;
}

const LONG = 'x'.repeat(65);

describeCompat('sorted sets against redis-server', () => {
  const d = useDiffer();

  it('ZADD options, flags and their errors', async (t) => {
    await d.runInBothProtocols([
      ['ZADD', 'z', '1', 'a', '2', 'b', '3', 'c'],
      ['ZADD', 'z', '1', 'a'],
      ['ZADD', 'z', 'CH', '5', 'a', '2', 'b', '9', 'd'],
      ['ZADD', 'z', 'NX', '10', 'a', '11', 'e'],
      ['ZADD', 'z', 'XX', '10', 'a', '11', 'f'],
      ['ZADD', 'z', 'XX', 'CH', '12', 'a', '11', 'f'],
      ['ZADD', 'z', 'GT', 'CH', '1', 'a', '100', 'b', '7', 'g'],
      ['ZADD', 'z', 'LT', 'CH', '1', 'a', '200', 'b', '7', 'h'],
      ['ZADD', 'z', 'XX', 'GT', 'CH', '500', 'a', '1', 'zz'],
      ['ZADD', 'z', 'XX', 'LT', '-1', 'a'],
      ['ZRANGE', 'z', '0', '-1', 'WITHSCORES'],
      ['ZADD', 'z', 'NX', 'XX', '1', 'a'],
      ['ZADD', 'z', 'nx', 'gt', '1', 'a'],
      ['ZADD', 'z', 'LT', 'NX', '1', 'a'],
      ['ZADD', 'z', 'GT', 'LT', '1', 'a'],
      ['ZADD', 'z', 'NX', 'XX'],
      ['ZADD', 'z', '1'],
      ['ZADD', 'z', 'CH'],
      ['ZADD', 'z', '1', 'a', '2'],
      ['ZADD', 'z', 'INCR', '1', 'a', '2', 'b'],
      ['ZADD', 'z', 'abc', 'a'],
      ['ZADD', 'z', '1', 'a', 'nan', 'b'],
      ['ZADD', 'z', ' 1', 'a'],
      ['ZADD', 'z', '1 ', 'a'],
      ['ZADD', 'z', '', 'a'],
      ['ZADD', 'z', '1e400', 'a'],
      ['ZADD', 'z', '0x10', 'hex', '1e-400', 'tiny', '-.5', 'dot', '+3', 'plus'],
      ['ZADD', 'z', 'inf', 'pinf', '-inf', 'ninf', '+inf', 'pinf2', '-INFINITY', 'ninf2'],
      ['ZRANGE', 'z', '0', '-1', 'WITHSCORES'],
      ['ZADD', 'z', '1.5', 'a', '0.1', 'b', '1e20', 'c', '123456789012345678', 'd', '-1.25e-7', 'e'],
      ['ZMSCORE', 'z', 'a', 'b', 'c', 'd', 'e', 'nope'],
      ['ZADD', 'z', 'XX', '1', 'x', '2', 'y'],
      ['EXISTS', 'xxkey'],
      ['ZADD', 'xxkey', 'XX', '1', 'a'],
      ['ZADD', 'xxkey', 'XX', 'INCR', '1', 'a'],
      ['EXISTS', 'xxkey'],
      ['SET', 's', 'v'],
      ['ZADD', 's', '1', 'a'],
      ['ZADD', 's', 'x', 'a'],
      ['ZADD', 's', 'NX', 'XX', '1', 'a'],
      ['ZADD', 'z'],
      ['ZADD'],
    ]);
  });

  it('ZADD INCR and ZINCRBY, NaN, infinities and signed zeros', async (t) => {
    await d.runInBothProtocols([
      ['ZINCRBY', 'z', '1', 'a'],
      ['ZINCRBY', 'z', '2.5', 'a'],
      ['ZINCRBY', 'z', '-10', 'a'],
      ['ZINCRBY', 'z', 'x', 'a'],
      ['ZINCRBY', 'z', 'nan', 'a'],
      ['ZINCRBY', 'z', 'inf', 'a'],
      ['ZINCRBY', 'z', '-inf', 'a'],
      ['ZINCRBY', 'z', 'inf', 'a'],
      ['ZSCORE', 'z', 'a'],
      ['ZADD', 'z', 'INCR', '-inf', 'a'],
      ['ZADD', 'z', 'INCR', '5', 'b'],
      ['ZADD', 'z', 'INCR', 'NX', '5', 'b'],
      ['ZADD', 'z', 'INCR', 'XX', '5', 'c'],
      ['ZADD', 'z', 'INCR', 'XX', '5', 'b'],
      ['ZADD', 'z', 'INCR', 'GT', '-1', 'b'],
      ['ZADD', 'z', 'INCR', 'GT', '1', 'b'],
      ['ZADD', 'z', 'INCR', 'LT', '1', 'b'],
      ['ZADD', 'z', 'INCR', 'LT', '0', 'b'],
      ['ZADD', 'z', 'INCR', 'CH', '0.1', 'b'],
      ['ZADD', 'z', 'INCR', '0.2', 'b'],
      ['ZINCRBY', 'z', 'nx', 'b'],
      ['ZINCRBY', 'z', '1e308', 'big'],
      ['ZINCRBY', 'z', '1e308', 'big'],
      ['ZADD', 'z', 'INCR', '-0', 'negzero'],
      ['ZSCORE', 'z', 'negzero'],
      ['ZADD', 'z', '-0', 'nz2'],
      ['ZSCORE', 'z', 'nz2'],
      ['ZADD', 'z', '0', 'zero'],
      ['ZADD', 'z', 'CH', '-0', 'zero'],
      ['ZSCORE', 'z', 'zero'],
      ['ZRANGE', 'z', '0', '-1', 'WITHSCORES'],
      ['SET', 's', 'v'],
      ['ZINCRBY', 's', '1', 'a'],
      ['ZINCRBY', 's', 'x', 'a'],
      ['ZINCRBY', 'z', '1'],
    ]);
    // signed zero in a skiplist is kept
    await d.run([
      ['ZADD', 'big', '1', LONG],
      ['ZADD', 'big', '-0', 'nz'],
      ['ZSCORE', 'big', 'nz'],
      ['ZADD', 'big', 'INCR', '-0', 'nz3'],
      ['ZSCORE', 'big', 'nz3'],
      ['ZRANGE', 'big', '0', '-1', 'WITHSCORES'],
      ['ZRANGEBYSCORE', 'big', '0', '0', 'WITHSCORES'],
      ['OBJECT', 'ENCODING', 'big'],
    ]);
  });

  it('ZREM, ZCARD, ZSCORE, ZMSCORE, ZRANK, ZREVRANK and WRONGTYPE', async (t) => {
    await d.runInBothProtocols([
      ['ZADD', 'z', '1', 'a', '2', 'b', '3', 'c', '3', 'cc', '-1', 'n'],
      ['ZCARD', 'z'],
      ['ZCARD', 'nokey'],
      ['ZSCORE', 'z', 'b'],
      ['ZSCORE', 'z', 'nope'],
      ['ZSCORE', 'nokey', 'a'],
      ['ZMSCORE', 'z', 'a', 'nope', 'c'],
      ['ZMSCORE', 'nokey', 'a', 'b'],
      ['ZRANK', 'z', 'n'],
      ['ZRANK', 'z', 'cc'],
      ['ZRANK', 'z', 'nope'],
      ['ZRANK', 'nokey', 'a'],
      ['ZREVRANK', 'z', 'n'],
      ['ZREVRANK', 'z', 'cc'],
      ['ZREVRANK', 'z', 'nope'],
      ['ZREVRANK', 'nokey', 'x'],
      ['ZRANK', 'z', 'a', 'extra'],
      ['ZREM', 'z', 'a', 'nope', 'a'],
      ['ZREM', 'z', 'nope'],
      ['ZREM', 'nokey', 'a'],
      ['ZREM', 'z', 'b', 'c', 'cc', 'n', 'more'],
      ['EXISTS', 'z'],
      ['SET', 's', 'v'],
      ['ZCARD', 's'],
      ['ZSCORE', 's', 'a'],
      ['ZMSCORE', 's', 'a'],
      ['ZRANK', 's', 'a'],
      ['ZREVRANK', 's', 'a'],
      ['ZREM', 's', 'a'],
      ['ZREM', 's'],
      ['ZMSCORE', 's'],
      ['LPUSH', 'l', 'x'],
      ['ZCARD', 'l'],
    ]);
  });

  it('ZRANGE by rank, REV, WITHSCORES and the legacy forms', async (t) => {
    const cmds: Cmd[] = [['ZADD', 'z', '1', 'a', '2', 'b', '3', 'c', '4', 'd', '5', 'e', '5', 'f', 'inf', 'g', '-inf', 'h']];
    for (const [a, b] of [
      ['0', '-1'],
      ['0', '0'],
      ['2', '4'],
      ['-3', '-1'],
      ['-100', '100'],
      ['5', '2'],
      ['7', '100'],
      ['8', '100'],
      ['-1', '-3'],
      ['-9223372036854775808', '9223372036854775807'],
      ['9223372036854775807', '-9223372036854775808'],
    ]) {
      cmds.push(['ZRANGE', 'z', a, b]);
      cmds.push(['ZRANGE', 'z', a, b, 'WITHSCORES']);
      cmds.push(['ZRANGE', 'z', a, b, 'REV', 'withscores']);
      cmds.push(['ZREVRANGE', 'z', a, b, 'WITHSCORES']);
      cmds.push(['ZREVRANGE', 'z', a, b]);
    }
    cmds.push(
      ['ZRANGE', 'z', 'a', '1'],
      ['ZRANGE', 'z', '0', '1.5'],
      ['ZRANGE', 'z', '0', '-1', 'LIMIT', '0', '1'],
      ['ZRANGE', 'z', '0', '-1', 'FOO'],
      ['ZRANGE', 'z', '0', '-1', 'REV', 'REV'],
      ['ZRANGE', 'z', '0', '-1', 'BYSCORE', 'BYLEX'],
      ['ZRANGE', 'z', '0', '-1', 'LIMIT', '0'],
      ['ZREVRANGE', 'z', '0', '-1', 'REV'],
      ['ZREVRANGE', 'z', '0', '-1', 'BYSCORE'],
      ['ZREVRANGE', 'z', '0', '-1', 'LIMIT', '0', '1'],
      ['ZRANGE', 'nokey', '0', '-1'],
      ['ZRANGE', 'nokey', 'x', '-1'],
      ['ZRANGE', 'nokey', '0', '-1', 'WITHSCORES'],
      ['SET', 's', 'v'],
      ['ZRANGE', 's', '0', '-1'],
      ['ZRANGE', 's', 'x', '-1'],
      ['ZREVRANGE', 's', '0', '-1'],
      ['ZRANGE', 'z', '0'],
    );
    await d.runInBothProtocols(cmds);
  });

  it('ZRANGE BYSCORE / ZRANGEBYSCORE / ZREVRANGEBYSCORE with ranges and LIMIT', async (t) => {
    const cmds: Cmd[] = [['ZADD', 'z', '1', 'a', '2', 'b', '2', 'bb', '3', 'c', '4.5', 'd', '5', 'e', 'inf', 'g', '-inf', 'h', '0', 'zero']];
    const ranges = [
      ['-inf', '+inf'],
      ['2', '3'],
      ['(2', '3'],
      ['2', '(3'],
      ['(2', '(3'],
      ['(1', '(1'],
      ['1', '1'],
      ['3', '2'],
      ['-inf', '-inf'],
      ['inf', 'inf'],
      ['(inf', 'inf'],
      ['-1e400', '1e400'],
      ['', '3'],
      ['(', '3'],
      ['-5', '('],
      [' 2', '  3'],
      ['0x2', '0x3'],
      ['-Infinity', 'INF'],
      ['1e-400', '4.5'],
      ['4.5', '4.50'],
      ['(4.4999999999999999999', '5'],
    ];
    for (const [a, b] of ranges) {
      cmds.push(['ZRANGEBYSCORE', 'z', a, b, 'WITHSCORES']);
      cmds.push(['ZREVRANGEBYSCORE', 'z', b, a]);
      cmds.push(['ZRANGE', 'z', a, b, 'BYSCORE']);
      cmds.push(['ZRANGE', 'z', b, a, 'BYSCORE', 'REV', 'WITHSCORES']);
      cmds.push(['ZCOUNT', 'z', a, b]);
    }
    for (const [o, l] of [
      ['0', '2'],
      ['1', '2'],
      ['2', '-1'],
      ['0', '0'],
      ['-1', '2'],
      ['-5', '-5'],
      ['100', '1'],
      ['8', '1'],
      ['9', '1'],
      ['3', '9223372036854775807'],
      ['9223372036854775807', '9223372036854775807'],
      ['1', '-9223372036854775808'],
    ]) {
      cmds.push(['ZRANGEBYSCORE', 'z', '-inf', '+inf', 'LIMIT', o, l]);
      cmds.push(['ZRANGEBYSCORE', 'z', '(1', '5', 'WITHSCORES', 'LIMIT', o, l]);
      cmds.push(['ZREVRANGEBYSCORE', 'z', '+inf', '-inf', 'LIMIT', o, l, 'WITHSCORES']);
      cmds.push(['ZRANGE', 'z', '5', '(1', 'BYSCORE', 'REV', 'LIMIT', o, l]);
      cmds.push(['ZRANGE', 'z', '10', '20', 'BYSCORE', 'LIMIT', o, l]);
    }
    cmds.push(
      ['ZRANGEBYSCORE', 'z', 'a', '1'],
      ['ZRANGEBYSCORE', 'z', '1', 'b'],
      ['ZRANGEBYSCORE', 'z', 'nan', '1'],
      ['ZRANGEBYSCORE', 'z', '(nan', '1'],
      ['ZRANGEBYSCORE', 'z', '1', '2 '],
      ['ZRANGEBYSCORE', 'z', '((1', '2'],
      ['ZRANGEBYSCORE', 'z', '[1', '2'],
      ['ZRANGEBYSCORE', 'z', '   ', '2'],
      ['ZRANGEBYSCORE', 'z', '1', '2', 'LIMIT', 'x', '1'],
      ['ZRANGEBYSCORE', 'z', '1', '2', 'LIMIT', '0', 'y'],
      ['ZRANGEBYSCORE', 'z', '1', '2', 'LIMIT', '0'],
      ['ZRANGEBYSCORE', 'z', '1', '2', 'LIMIT'],
      ['ZRANGEBYSCORE', 'z', '1', '2', 'REV'],
      ['ZRANGEBYSCORE', 'z', '1', '2', 'BYSCORE'],
      ['ZRANGEBYSCORE', 'z', '1', '2', 'WITHSCORES', 'WITHSCORES'],
      ['ZRANGEBYSCORE', 'z', 'a', 'b', 'FOO'],
      ['ZRANGE', 'z', 'a', 'b', 'BYSCORE'],
      ['ZCOUNT', 'z', 'a', '1'],
      ['ZCOUNT', 'nokey', '0', '1'],
      ['ZCOUNT', 'nokey', 'x', '1'],
      ['ZRANGEBYSCORE', 'nokey', '0', '1'],
      ['ZRANGEBYSCORE', 'nokey', 'a', '1'],
      ['SET', 's', 'v'],
      ['ZRANGEBYSCORE', 's', '0', '1'],
      ['ZRANGEBYSCORE', 's', 'a', '1'],
      ['ZCOUNT', 's', '0', '1'],
      ['ZCOUNT', 's', 'x', '1'],
    );
    await d.runInBothProtocols(cmds);
  });

  it('ZRANGE BYLEX / ZRANGEBYLEX / ZREVRANGEBYLEX / ZLEXCOUNT', async (t) => {
    const cmds: Cmd[] = [['ZADD', 'z', '0', 'a', '0', 'b', '0', 'ba', '0', 'c', '0', 'd\x00x', '0', 'd', '0', 'e\xff', '0', 'f', '0', '']];
    const ranges = [
      ['-', '+'],
      ['+', '-'],
      ['-', '-'],
      ['+', '+'],
      ['[b', '[d'],
      ['(b', '(d'],
      ['[b', '(ba'],
      ['(a', '[c'],
      ['[', '[a'],
      ['(', '+'],
      ['-', '[d\x00'],
      ['[e', '[e\xff'],
      ['[c', '[b'],
      ['[b', '[b'],
      ['(b', '[b'],
    ];
    for (const [a, b] of ranges) {
      cmds.push(['ZRANGEBYLEX', 'z', a, b]);
      cmds.push(['ZREVRANGEBYLEX', 'z', b, a]);
      cmds.push(['ZRANGE', 'z', a, b, 'BYLEX']);
      cmds.push(['ZRANGE', 'z', b, a, 'BYLEX', 'REV']);
      cmds.push(['ZLEXCOUNT', 'z', a, b]);
    }
    for (const [o, l] of [
      ['0', '2'],
      ['2', '3'],
      ['1', '-1'],
      ['-1', '1'],
      ['0', '0'],
      ['9', '1'],
      ['100', '100'],
      ['2', '9223372036854775807'],
    ]) {
      cmds.push(['ZRANGEBYLEX', 'z', '-', '+', 'LIMIT', o, l]);
      cmds.push(['ZREVRANGEBYLEX', 'z', '+', '[b', 'LIMIT', o, l]);
      cmds.push(['ZRANGE', 'z', '[b', '+', 'BYLEX', 'LIMIT', o, l]);
    }
    cmds.push(
      ['ZRANGEBYLEX', 'z', 'a', '+'],
      ['ZRANGEBYLEX', 'z', '-', 'b'],
      ['ZRANGEBYLEX', 'z', '-x', '+'],
      ['ZRANGEBYLEX', 'z', '-', '++'],
      ['ZRANGEBYLEX', 'z', '', '+'],
      ['ZRANGEBYLEX', 'z', '-', '+', 'WITHSCORES'],
      ['ZRANGE', 'z', '-', '+', 'BYLEX', 'WITHSCORES'],
      ['ZRANGE', 'z', '-', '+', 'BYLEX', 'LIMIT', '0', '1', 'WITHSCORES'],
      ['ZRANGEBYLEX', 'z', '-', '+', 'LIMIT', '1'],
      ['ZLEXCOUNT', 'z', 'a', 'b'],
      ['ZLEXCOUNT', 'nokey', '-', '+'],
      ['ZLEXCOUNT', 'nokey', 'a', '+'],
      ['ZRANGEBYLEX', 'nokey', '-', '+'],
      ['SET', 's', 'v'],
      ['ZRANGEBYLEX', 's', '-', '+'],
      ['ZLEXCOUNT', 's', '-', '+'],
      ['ZLEXCOUNT', 's', 'x', '+'],
    );
    await d.runInBothProtocols(cmds);
  });

  it('ZRANGESTORE and its destination', async (t) => {
    await d.runInBothProtocols([
      ['ZADD', 'z', '1', 'a', '2', 'b', '3', 'c', '4', 'd'],
      ['ZRANGESTORE', 'dst', 'z', '0', '1'],
      ['ZRANGE', 'dst', '0', '-1', 'WITHSCORES'],
      ['ZRANGESTORE', 'dst', 'z', '(1', '+inf', 'BYSCORE', 'LIMIT', '1', '5'],
      ['ZRANGE', 'dst', '0', '-1', 'WITHSCORES'],
      ['ZRANGESTORE', 'dst', 'z', '+inf', '-inf', 'BYSCORE', 'REV', 'LIMIT', '0', '2'],
      ['ZRANGE', 'dst', '0', '-1', 'WITHSCORES'],
      ['ZRANGESTORE', 'dst', 'z', '[c', '+', 'BYLEX'],
      ['ZRANGE', 'dst', '0', '-1', 'WITHSCORES'],
      ['ZRANGESTORE', 'dst', 'z', '0', '-1', 'REV'],
      ['ZRANGE', 'dst', '0', '-1', 'WITHSCORES'],
      ['ZRANGESTORE', 'dst', 'z', '0', '-1', 'WITHSCORES'],
      ['ZRANGESTORE', 'dst', 'z', '5', '10'],
      ['EXISTS', 'dst'],
      ['SET', 'dst', 'string'],
      ['EXPIRE', 'dst', '100'],
      ['ZRANGESTORE', 'dst', 'z', '0', '0'],
      ['TYPE', 'dst'],
      ['TTL', 'dst'],
      ['ZRANGESTORE', 'dst', 'nokey', '0', '-1'],
      ['EXISTS', 'dst'],
      ['ZRANGESTORE', 'z', 'z', '1', '2'],
      ['ZRANGE', 'z', '0', '-1', 'WITHSCORES'],
      ['SET', 's', 'v'],
      ['ZRANGESTORE', 'dst', 's', '0', '-1'],
      ['ZRANGESTORE', 's', 'z', '0', '-1'],
      ['TYPE', 's'],
      ['ZRANGESTORE', 'dst', 'z', 'a', '-1'],
      ['ZRANGESTORE', 'dst', 'z', '0', '-1', 'LIMIT', '0', '1'],
      ['ZRANGESTORE', 'dst', 'z'],
    ]);
  });

  it('ZREMRANGEBYRANK / BYSCORE / BYLEX', async (t) => {
    const setup: Cmd = ['ZADD', 'z', '1', 'a', '2', 'b', '3', 'c', '4', 'd', '5', 'e', '6', 'f'];
    await d.runInBothProtocols([
      setup,
      ['ZREMRANGEBYRANK', 'z', '1', '2'],
      ['ZRANGE', 'z', '0', '-1'],
      ['ZREMRANGEBYRANK', 'z', '-2', '-1'],
      ['ZRANGE', 'z', '0', '-1'],
      ['ZREMRANGEBYRANK', 'z', '5', '10'],
      ['ZREMRANGEBYRANK', 'z', '1', '0'],
      ['ZREMRANGEBYRANK', 'z', 'x', '0'],
      ['ZREMRANGEBYRANK', 'z', '-100', '100'],
      ['EXISTS', 'z'],
      setup,
      ['ZREMRANGEBYSCORE', 'z', '(1', '3'],
      ['ZREMRANGEBYSCORE', 'z', '10', '20'],
      ['ZREMRANGEBYSCORE', 'z', '5', '4'],
      ['ZREMRANGEBYSCORE', 'z', 'x', '4'],
      ['ZREMRANGEBYSCORE', 'z', '-inf', '(5'],
      ['ZRANGE', 'z', '0', '-1', 'WITHSCORES'],
      ['ZREMRANGEBYSCORE', 'z', '-inf', '+inf'],
      ['EXISTS', 'z'],
      ['ZADD', 'l', '0', 'a', '0', 'b', '0', 'c', '0', 'd'],
      ['ZREMRANGEBYLEX', 'l', '(a', '[c'],
      ['ZREMRANGEBYLEX', 'l', 'a', '[c'],
      ['ZREMRANGEBYLEX', 'l', '+', '-'],
      ['ZRANGE', 'l', '0', '-1'],
      ['ZREMRANGEBYLEX', 'l', '-', '+'],
      ['EXISTS', 'l'],
      ['ZREMRANGEBYRANK', 'nokey', '0', '-1'],
      ['ZREMRANGEBYSCORE', 'nokey', '0', '1'],
      ['ZREMRANGEBYSCORE', 'nokey', 'x', '1'],
      ['ZREMRANGEBYLEX', 'nokey', '-', '+'],
      ['ZREMRANGEBYLEX', 'nokey', 'x', '+'],
      ['SET', 's', 'v'],
      ['ZREMRANGEBYRANK', 's', '0', '1'],
      ['ZREMRANGEBYSCORE', 's', '0', '1'],
      ['ZREMRANGEBYLEX', 's', '-', '+'],
      ['ZREMRANGEBYSCORE', 's', 'x', '1'],
    ]);
  });

  it('ZUNION, ZINTER, ZDIFF, their STORE forms and ZINTERCARD', async (t) => {
    await d.runInBothProtocols([
      ['ZADD', 'a', '1', 'x', '2', 'y', '3', 'z', 'inf', 'i'],
      ['ZADD', 'b', '10', 'y', '20', 'z', '30', 'w', '-inf', 'i'],
      ['ZADD', 'c', '5', 'z', '6', 'q'],
      ['ZUNION', '2', 'a', 'b'],
      ['ZUNION', '2', 'a', 'b', 'WITHSCORES'],
      ['ZUNION', '3', 'a', 'b', 'c', 'WEIGHTS', '1', '2', '-1', 'WITHSCORES'],
      ['ZUNION', '2', 'a', 'b', 'AGGREGATE', 'MIN', 'WITHSCORES'],
      ['ZUNION', '2', 'a', 'b', 'AGGREGATE', 'max', 'WITHSCORES'],
      ['ZUNION', '2', 'a', 'b', 'WEIGHTS', '0', '0', 'WITHSCORES'],
      ['ZUNION', '2', 'a', 'b', 'WEIGHTS', 'inf', '1', 'WITHSCORES'],
      ['ZUNION', '3', 'a', 'nokey', 'a', 'WITHSCORES'],
      ['ZINTER', '2', 'a', 'b', 'WITHSCORES'],
      ['ZINTER', '2', 'a', 'b', 'AGGREGATE', 'MAX', 'WITHSCORES', 'WEIGHTS', '2', '3'],
      ['ZINTER', '3', 'a', 'b', 'c', 'WITHSCORES'],
      ['ZINTER', '2', 'a', 'nokey'],
      ['ZINTER', '2', 'a', 'a', 'WITHSCORES'],
      ['ZDIFF', '2', 'a', 'b', 'WITHSCORES'],
      ['ZDIFF', '1', 'a'],
      ['ZDIFF', '3', 'a', 'c', 'nokey', 'WITHSCORES'],
      ['ZDIFF', '2', 'nokey', 'a'],
      ['ZDIFF', '2', 'a', 'a'],
      ['ZINTERCARD', '2', 'a', 'b'],
      ['ZINTERCARD', '2', 'a', 'b', 'LIMIT', '1'],
      ['ZINTERCARD', '2', 'a', 'b', 'LIMIT', '0'],
      ['ZINTERCARD', '2', 'a', 'b', 'LIMIT', '100'],
      ['ZINTERCARD', '1', 'a', 'LIMIT', '2'],
      ['ZINTERCARD', '2', 'a', 'nokey'],
      ['ZUNIONSTORE', 'dst', '2', 'a', 'b', 'WEIGHTS', '2', '0.5'],
      ['ZRANGE', 'dst', '0', '-1', 'WITHSCORES'],
      ['OBJECT', 'ENCODING', 'dst'],
      ['ZINTERSTORE', 'dst', '2', 'a', 'b', 'AGGREGATE', 'MIN'],
      ['ZRANGE', 'dst', '0', '-1', 'WITHSCORES'],
      ['ZDIFFSTORE', 'dst', '2', 'a', 'b'],
      ['ZRANGE', 'dst', '0', '-1', 'WITHSCORES'],
      ['ZINTERSTORE', 'dst', '2', 'a', 'nokey'],
      ['EXISTS', 'dst'],
      ['ZUNIONSTORE', 'a', '2', 'a', 'c'],
      ['ZRANGE', 'a', '0', '-1', 'WITHSCORES'],
      ['ZUNIONSTORE', 'dst', '1', 'nokey'],
      ['ZDIFFSTORE', 'dst', '1', 'nokey'],
      ['SET', 'str', 'v'],
      ['EXPIRE', 'str', '100'],
      ['ZUNIONSTORE', 'str', '1', 'c'],
      ['TYPE', 'str'],
      ['TTL', 'str'],
      ['ZUNION', '2', 'a', 'str'],
      ['ZUNION', '2', 'a', 'str', 'FOO'],
      ['ZINTER', '2', 'nokey', 'str'],
      ['ZDIFF', '2', 'a', 'str'],
      ['ZINTERCARD', '2', 'a', 'str'],
      ['ZUNIONSTORE', 'dst', '2', 'a', 'str'],
      // numkeys and option errors
      ['ZUNION', '0', 'a'],
      ['ZUNION', '-1', 'a'],
      ['ZUNION', 'x', 'a'],
      ['ZUNION', '3', 'a', 'b'],
      ['ZUNION', '9223372036854775807', 'a'],
      ['ZINTER', '0', 'a'],
      ['ZDIFF', '0', 'a'],
      ['ZUNIONSTORE', 'dst', '0', 'a'],
      ['ZINTERSTORE', 'dst', '0', 'a'],
      ['ZDIFFSTORE', 'dst', '0', 'a'],
      ['ZINTERCARD', '0', 'a'],
      ['ZINTERCARD', 'x', 'a'],
      ['ZINTERCARD', '2', 'a'],
      ['ZINTERCARD', '1', 'a', 'LIMIT', '-1'],
      ['ZINTERCARD', '1', 'a', 'LIMIT', 'x'],
      ['ZINTERCARD', '1', 'a', 'LIMIT'],
      ['ZINTERCARD', '1', 'a', 'WITHSCORES'],
      ['ZUNION', '2', 'a', 'b', 'WEIGHTS', '1'],
      ['ZUNION', '2', 'a', 'b', 'WEIGHTS', '1', 'x'],
      ['ZUNION', '2', 'a', 'b', 'WEIGHTS', '1', 'nan'],
      ['ZUNION', '2', 'a', 'b', 'AGGREGATE', 'AVG'],
      ['ZUNION', '2', 'a', 'b', 'AGGREGATE'],
      ['ZDIFF', '2', 'a', 'b', 'WEIGHTS', '1', '1'],
      ['ZDIFF', '2', 'a', 'b', 'AGGREGATE', 'SUM'],
      ['ZUNIONSTORE', 'dst', '2', 'a', 'b', 'WITHSCORES'],
      ['ZINTER', '1', 'a', 'WITHSCORES', 'WITHSCORES'],
      ['ZUNION', '1', 'a', 'WEIGHTS', '2', 'WEIGHTS', '3', 'WITHSCORES'],
    ]);
  });

  it('sets as inputs of ZUNION/ZINTER/ZDIFF (score 1)', async (t) => {
    await d.runInBothProtocols([
      ['SADD', 'si', '1', '2', '3', '10'],
      ['SADD', 'sh', 'x', 'y', '2'],
      ['ZADD', 'z', '5', '2', '7', 'x', '8', 'q'],
      ['ZUNION', '3', 'si', 'sh', 'z', 'WITHSCORES'],
      ['ZUNION', '2', 'si', 'sh', 'WEIGHTS', '2', '3', 'WITHSCORES'],
      ['ZINTER', '2', 'z', 'sh', 'WITHSCORES'],
      ['ZINTER', '2', 'z', 'sh', 'AGGREGATE', 'MAX', 'WITHSCORES'],
      ['ZINTER', '2', 'si', 'sh', 'WITHSCORES'],
      ['ZDIFF', '2', 'si', 'z', 'WITHSCORES'],
      ['ZDIFF', '2', 'z', 'sh', 'WITHSCORES'],
      ['ZINTERCARD', '2', 'si', 'sh'],
      ['ZUNIONSTORE', 'dst', '2', 'si', 'sh'],
      ['ZRANGE', 'dst', '0', '-1', 'WITHSCORES'],
      ['OBJECT', 'ENCODING', 'dst'],
      ['ZRANGESTORE', 'dst', 'si', '0', '-1'],
    ]);
  });

  it('ZPOPMIN, ZPOPMAX and ZMPOP in RESP2 and RESP3', async (t) => {
    await d.runInBothProtocols([
      ['ZADD', 'z', '1', 'a', '2', 'b', '3', 'c', '4', 'd', '5', 'e', '6', 'f'],
      ['ZPOPMIN', 'z'],
      ['ZPOPMAX', 'z'],
      ['ZPOPMIN', 'z', '2'],
      ['ZPOPMAX', 'z', '1'],
      ['ZPOPMIN', 'z', '0'],
      ['ZPOPMAX', 'z', '100'],
      ['EXISTS', 'z'],
      ['ZPOPMIN', 'z'],
      ['ZPOPMIN', 'z', '0'],
      ['ZPOPMIN', 'z', '-1'],
      ['ZPOPMIN', 'z', 'x'],
      ['ZPOPMIN', 'z', '1', '2'],
      ['ZADD', 'z', '1', 'a', '2', 'b', '3', 'c'],
      ['ZMPOP', '1', 'z', 'MIN'],
      ['ZMPOP', '2', 'nokey', 'z', 'MAX', 'COUNT', '10'],
      ['ZMPOP', '2', 'nokey', 'z', 'MAX'],
      ['ZMPOP', '1', 'z', 'MIN', 'COUNT', '0'],
      ['ZMPOP', '1', 'z', 'MIN', 'COUNT', '-1'],
      ['ZMPOP', '1', 'z', 'MIN', 'COUNT', 'x'],
      ['ZMPOP', '1', 'z', 'MIN', 'COUNT'],
      ['ZMPOP', '1', 'z', 'MIN', 'COUNT', '1', 'COUNT', '1'],
      ['ZMPOP', '1', 'z', 'MIN', 'FOO'],
      ['ZMPOP', '1', 'z', 'MIDDLE'],
      ['ZMPOP', '0', 'z', 'MIN'],
      ['ZMPOP', '-1', 'z', 'MIN'],
      ['ZMPOP', 'x', 'z', 'MIN'],
      ['ZMPOP', '3', 'z', 'MIN'],
      ['ZMPOP', '1', 'z'],
      ['SET', 's', 'v'],
      ['ZPOPMIN', 's'],
      ['ZPOPMAX', 's', '2'],
      ['ZPOPMIN', 's', '-2'],
      ['ZMPOP', '2', 'nokey', 's', 'MIN'],
      ['ZADD', 'z2', '1', 'a'],
      ['ZMPOP', '2', 'z2', 's', 'MIN'],
      ['ZMPOP', '1', 'z2', 'MIN'],
      ['ZADD', 'inf', 'inf', 'a', '-inf', 'b', '1.5', 'c'],
      ['ZPOPMAX', 'inf', '3'],
    ]);
  });

  it('ZRANDMEMBER', async (t) => {
    await d.runInBothProtocols([
      ['ZADD', 'z', '1', 'a', '2', 'b', '3', 'c', '4', 'd', '5', 'e'],
      ['ZRANDMEMBER', 'z', '5'],
      ['ZRANDMEMBER', 'z', '100', 'WITHSCORES'],
      ['ZRANDMEMBER', 'z', '0'],
      ['ZRANDMEMBER', 'z', '0', 'WITHSCORES'],
      ['ZRANDMEMBER', 'nokey'],
      ['ZRANDMEMBER', 'nokey', '5'],
      ['ZRANDMEMBER', 'nokey', '-5', 'WITHSCORES'],
      ['ZRANDMEMBER', 'z', 'x'],
      ['ZRANDMEMBER', 'z', '1.5'],
      ['ZRANDMEMBER', 'z', '1', 'FOO'],
      ['ZRANDMEMBER', 'z', '1', 'WITHSCORES', 'x'],
      ['ZRANDMEMBER', 'z', '-9223372036854775808'],
      ['ZRANDMEMBER', 'z', '-9223372036854775808', 'WITHSCORES'],
      ['ZRANDMEMBER', 'z', '-4611686018427387904', 'WITHSCORES'],
      ['ZRANDMEMBER', 'z', '4611686018427387904', 'WITHSCORES'],
      ['ZRANDMEMBER', 'z', '9223372036854775807'],
      ['ZRANDMEMBER', 'z', '9223372036854775807', 'WITHSCORES'],
      ['ZRANDMEMBER', 'nokey', '9223372036854775807', 'WITHSCORES'],
      ['SET', 's', 'v'],
      ['ZRANDMEMBER', 's'],
      ['ZRANDMEMBER', 's', '1'],
      ['ZRANDMEMBER', 's', 'x'],
      ['ZRANDMEMBER', 's', '1', 'FOO'],
    ]);
    // random replies: same shapes and sizes
    for (const proto of ['2', '3']) {
      await d.run([['HELLO', proto]], { typeOnly: true });
      await d.run(
        [
          ['ZRANDMEMBER', 'z'],
          ['ZRANDMEMBER', 'z', '1'],
          ['ZRANDMEMBER', 'z', '3'],
          ['ZRANDMEMBER', 'z', '3', 'WITHSCORES'],
          ['ZRANDMEMBER', 'z', '-8'],
          ['ZRANDMEMBER', 'z', '-8', 'WITHSCORES'],
        ],
        { typeOnly: true },
      );
      const [ours] = await d.pair();
      for (const [count, ws, len] of [
        [3, false, 3],
        [3, true, proto === '2' ? 6 : 3],
        [-8, false, 8],
        [-8, true, proto === '2' ? 16 : 8],
        [4, false, 4],
      ] as const) {
        const r = (await ours.call('ZRANDMEMBER', 'z', String(count), ...(ws ? ['WITHSCORES'] : []))) as RespValue[];
        assert.equal(r.length, len);
        if (count > 0 && !ws) assert.equal(new Set(r.map(String)).size, len);
        if (ws && proto === '3') for (const p of r) assert.ok(Array.isArray(p) && p.length === 2 && p[1] instanceof RespDouble);
        if (ws && proto === '2') for (let i = 0; i < r.length; i += 2) assert.equal(String(r[i + 1]), String('abcde'.indexOf(String(r[i])) + 1));
      }
    }
    await d.run([['HELLO', '2']], { typeOnly: true });
    // a skiplist: distinct samples of every size
    await d.run([zaddMany('big', 300)]);
    const [ours] = await d.pair();
    for (const n of [1, 50, 150, 299, 300, 301]) {
      const r = (await ours.call('ZRANDMEMBER', 'big', String(n))) as RespValue[];
      assert.equal(new Set(r.map(String)).size, Math.min(n, 300));
    }
    // the whole set comes in order
    await d.run([['ZRANDMEMBER', 'big', '1000', 'WITHSCORES']]);
  });

  it('ZSCAN of listpacks (whole, in order) and skiplists (complete)', async (t) => {
    await d.runInBothProtocols([
      ['ZADD', 'z', '1', 'a', '0.1', 'b', '1e20', 'c', 'inf', 'd', '-0', 'e', '-1.5', 'f', '12345678901234567890', 'g'],
      ['ZSCAN', 'z', '0'],
      ['ZSCAN', 'z', '0', 'COUNT', '1'],
      ['ZSCAN', 'z', '123'],
      ['ZSCAN', 'z', '0', 'MATCH', '[a-c]'],
      ['ZSCAN', 'z', '0', 'MATCH', '*', 'COUNT', '100'],
      ['ZSCAN', 'z', '0', 'COUNT', '0'],
      ['ZSCAN', 'z', '0', 'COUNT', 'x'],
      ['ZSCAN', 'z', '0', 'TYPE', 'zset'],
      ['ZSCAN', 'z', '0', 'MATCH'],
      ['ZSCAN', 'z', 'x'],
      ['ZSCAN', 'z', '-1'],
      ['ZSCAN', 'nokey', '0'],
      ['ZSCAN', 'nokey', '0', 'COUNT', '0'],
      ['ZSCAN', 'nokey', 'x'],
      ['SET', 's', 'v'],
      ['ZSCAN', 's', '0'],
      ['ZSCAN', 's', 'x'],
    ]);
    await d.run([zaddMany('big', 500, 0.5), ['ZADD', 'big', '-0', 'negzero', '1e-5', 'small']]);
    const [ours, theirs] = await d.pair();
    for (const extra of [[], ['COUNT', '7'], ['MATCH', 'm1*'], ['MATCH', 'm2?', 'COUNT', '1000']]) {
      const [a, b] = await Promise.all([scanPairs(ours, 'ZSCAN', 'big', extra), scanPairs(theirs, 'ZSCAN', 'big', extra)]);
      assert.deepEqual(new Map([...a].sort()), new Map([...b].sort()), `ZSCAN ${extra.join(' ')}`);
      assert.ok(a.size > 0);
    }
  });

  it('encodings: listpack limits, conversions and store results', async (t) => {
    await d.run([
      zaddMany('z', 128),
      ['OBJECT', 'ENCODING', 'z'],
      ['ZADD', 'z', '1', 'm1'],
      ['ZADD', 'z', '1', 'new'],
      ['OBJECT', 'ENCODING', 'z'],
      ['ZREMRANGEBYRANK', 'z', '0', '-10'],
      ['OBJECT', 'ENCODING', 'z'],
      ['ZADD', 'y', '1', 'a'],
      ['ZADD', 'y', '1', 'x'.repeat(64)],
      ['OBJECT', 'ENCODING', 'y'],
      ['ZINCRBY', 'y', '1', LONG],
      ['OBJECT', 'ENCODING', 'y'],
      ['ZADD', 'w', '1', LONG],
      ['OBJECT', 'ENCODING', 'w'],
      ['ZUNIONSTORE', 'u', '1', 'z'],
      ['OBJECT', 'ENCODING', 'u'],
      ['ZUNIONSTORE', 'u', '1', 'w'],
      ['OBJECT', 'ENCODING', 'u'],
      ['ZUNIONSTORE', 'u', '1', 'y'],
      ['OBJECT', 'ENCODING', 'u'],
      ['ZINTERSTORE', 'u', '2', 'y', 'y'],
      ['OBJECT', 'ENCODING', 'u'],
      ['ZRANGESTORE', 'u', 'z', '0', '-1'],
      ['OBJECT', 'ENCODING', 'u'],
      ['ZRANGESTORE', 'u', 'y', '0', '-1'],
      ['OBJECT', 'ENCODING', 'u'],
      zaddMany('big', 200),
      ['ZRANGESTORE', 'u', 'big', '0', '-1'],
      ['OBJECT', 'ENCODING', 'u'],
      ['ZRANGESTORE', 'u', 'big', '0', '127'],
      ['OBJECT', 'ENCODING', 'u'],
      ['ZRANGESTORE', 'u', 'big', '0', '128'],
      ['OBJECT', 'ENCODING', 'u'],
      ['ZRANGESTORE', 'u', 'big', '-inf', '127', 'BYSCORE'],
      ['OBJECT', 'ENCODING', 'u'],
      ['ZUNIONSTORE', 'u', '1', 'big'],
      ['OBJECT', 'ENCODING', 'u'],
      ['ZDIFFSTORE', 'u', '2', 'big', 'z'],
      ['OBJECT', 'ENCODING', 'u'],
      // -0 through conversions
      ['ZADD', 'nz', '1', LONG, '-0', 'n'],
      ['ZUNIONSTORE', 'u', '1', 'nz'],
      ['ZSCORE', 'u', 'n'],
      ['ZREM', 'nz', LONG],
      ['ZUNIONSTORE', 'u', '1', 'nz'],
      ['ZSCORE', 'u', 'n'],
      ['OBJECT', 'ENCODING', 'u'],
      ['ZRANGESTORE', 'u', 'nz', '0', '-1'],
      ['ZSCORE', 'u', 'n'],
      // a long result by score starts as a listpack (-0 becomes 0), by rank as a skiplist
      zaddMany('nz2', 150, 1),
      ['ZADD', 'nz2', '-0', 'n', '-0', 'n2', '1', LONG],
      ['ZSCORE', 'nz2', 'n'],
      ['ZRANGESTORE', 'u', 'nz2', '-inf', '+inf', 'BYSCORE'],
      ['ZSCORE', 'u', 'n'],
      ['ZSCORE', 'u', 'n2'],
      ['OBJECT', 'ENCODING', 'u'],
      ['ZRANGESTORE', 'u', 'nz2', '0', '-1'],
      ['ZSCORE', 'u', 'n'],
      ['ZRANGESTORE', 'u', 'nz2', '+', '-', 'BYLEX', 'REV'],
      ['ZSCORE', 'u', 'n'],
      ['ZRANGESTORE', 'u', 'nz2', '+inf', '-inf', 'BYSCORE', 'REV'],
      ['ZSCORE', 'u', 'n'],
      ['ZUNIONSTORE', 'u', '1', 'nz2'],
      ['ZSCORE', 'u', 'n'],
      ['COPY', 'big', 'bigcopy'],
      ['OBJECT', 'ENCODING', 'bigcopy'],
      ['ZRANGE', 'bigcopy', '100', '105', 'WITHSCORES'],
      ['CONFIG', 'SET', 'zset-max-listpack-entries', '0'],
      ['ZADD', 'e0', '1', 'a'],
      ['OBJECT', 'ENCODING', 'e0'],
      ['ZRANGESTORE', 'e1', 'y', '0', '0'],
      ['OBJECT', 'ENCODING', 'e1'],
      ['CONFIG', 'SET', 'zset-max-listpack-entries', '128'],
      ['CONFIG', 'SET', 'zset-max-listpack-value', '0'],
      ['ZADD', 'e2', '1', 'a'],
      ['OBJECT', 'ENCODING', 'e2'],
      ['ZADD', 'e3', '1', ''],
      ['OBJECT', 'ENCODING', 'e3'],
      ['CONFIG', 'SET', 'zset-max-listpack-value', '64'],
    ]);
  });

  it('large sorted sets: ranges, ranks, counts and removals agree', async (t) => {
    const cmds: Cmd[] = [zaddMany('z', 1000, 0.25), zaddMany('z', 500, 1, 'k')];
    for (const [a, b] of [
      ['0', '9'],
      ['100', '110'],
      ['-10', '-1'],
      ['495', '520'],
    ]) {
      cmds.push(['ZRANGE', 'z', a, b, 'WITHSCORES'], ['ZREVRANGE', 'z', a, b, 'WITHSCORES']);
    }
    cmds.push(
      ['ZRANGEBYSCORE', 'z', '(10', '12', 'WITHSCORES'],
      ['ZRANGEBYSCORE', 'z', '10', '+inf', 'LIMIT', '100', '5'],
      ['ZREVRANGEBYSCORE', 'z', '(100', '-inf', 'LIMIT', '3', '4', 'WITHSCORES'],
      ['ZCOUNT', 'z', '10', '100'],
      ['ZCOUNT', 'z', '(10', '(100'],
      ['ZRANK', 'z', 'm500'],
      ['ZRANK', 'z', 'k100'],
      ['ZREVRANK', 'z', 'k100'],
      ['ZSCORE', 'z', 'm999'],
      ['ZREMRANGEBYSCORE', 'z', '20', '40'],
      ['ZREMRANGEBYRANK', 'z', '10', '300'],
      ['ZCARD', 'z'],
      ['ZRANGE', 'z', '0', '30', 'WITHSCORES'],
      ['ZRANK', 'z', 'k499'],
      ['ZPOPMIN', 'z', '5'],
      ['ZPOPMAX', 'z', '5'],
      ['ZCARD', 'z'],
      ['ZADD', 'lex', ...Array.from({ length: 300 }, (_, i) => ['0', 'w' + String(i).padStart(3, '0')]).flat()],
      ['ZRANGEBYLEX', 'lex', '[w100', '(w120'],
      ['ZREVRANGEBYLEX', 'lex', '(w200', '-', 'LIMIT', '5', '5'],
      ['ZLEXCOUNT', 'lex', '(w050', '+'],
      ['ZREMRANGEBYLEX', 'lex', '[w010', '[w250'],
      ['ZRANGE', 'lex', '0', '-1'],
    );
    await d.run(cmds);
  });

  it('random operation sequences agree (seeded)', async (t) => {
    const r = rng(42);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)];
    const keys = ['z1', 'z2'];
    const member = (): string => 'e' + Math.floor(r() * 40);
    const score = (): string => pick(['0', '1', '2', '-1', '2.5', 'inf', '-inf', String(Math.floor(r() * 100)), (r() * 10).toFixed(3)]);
    const bound = (): string => pick(['', '(']) + score();
    const lex = (): string => pick(['-', '+', '[' + member(), '(' + member()]);
    const idx = (): string => String(Math.floor(r() * 50) - 25);
    const cmds: Cmd[] = [];
    for (let i = 0; i < 400; i++) {
      const k = pick(keys);
      const x = r();
      if (x < 0.3) cmds.push(['ZADD', k, ...pick([[], ['NX'], ['XX'], ['GT'], ['LT'], ['CH'], ['XX', 'GT', 'CH']]), score(), member(), score(), member()]);
      else if (x < 0.37) cmds.push(['ZINCRBY', k, score(), member()]);
      else if (x < 0.45) cmds.push(['ZREM', k, member(), member()]);
      else if (x < 0.55) cmds.push(['ZRANGE', k, idx(), idx(), ...pick([[], ['REV'], ['WITHSCORES']])]);
      else if (x < 0.63) cmds.push(['ZRANGEBYSCORE', k, bound(), bound(), 'WITHSCORES', ...pick([[], ['LIMIT', '1', '3']])]);
      else if (x < 0.68) cmds.push(['ZREVRANGEBYSCORE', k, bound(), bound()]);
      else if (x < 0.72) cmds.push(['ZCOUNT', k, bound(), bound()]);
      else if (x < 0.75) cmds.push(['ZLEXCOUNT', k, lex(), lex()]);
      else if (x < 0.8) cmds.push(['ZRANK', k, member()], ['ZREVRANK', k, member()], ['ZSCORE', k, member()]);
      else if (x < 0.83) cmds.push(['ZREMRANGEBYSCORE', k, bound(), bound()]);
      else if (x < 0.85) cmds.push(['ZREMRANGEBYRANK', k, idx(), idx()]);
      else if (x < 0.88) cmds.push([pick(['ZPOPMIN', 'ZPOPMAX']), k, String(Math.floor(r() * 3))]);
      else if (x < 0.92) cmds.push([pick(['ZUNION', 'ZINTER', 'ZDIFF']), '2', 'z1', 'z2', 'WITHSCORES']);
      else if (x < 0.95) cmds.push([pick(['ZUNIONSTORE', 'ZINTERSTORE']), 'z3', '2', 'z1', 'z2', 'AGGREGATE', pick(['SUM', 'MIN', 'MAX'])], ['ZRANGE', 'z3', '0', '-1', 'WITHSCORES']);
      else cmds.push(['ZCARD', k], ['ZRANGE', k, '0', '-1', 'WITHSCORES']);
    }
    await d.run(cmds);
  });

  it('random operation sequences on skiplist-encoded sets agree (seeded)', async (t) => {
    const r = rng(7);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)];
    const member = (): string => 'e' + String(Math.floor(r() * 400)).padStart(3, '0');
    const score = (): string => pick(['0', '1', '-1', 'inf', '-inf', String(Math.floor(r() * 1000) - 500), (r() * 100).toFixed(2)]);
    const bound = (): string => pick(['', '(']) + score();
    const lex = (): string => pick(['-', '+', '[' + member(), '(' + member(), '[e1', '(e2']);
    const idx = (): string => String(Math.floor(r() * 600) - 300);
    const setup: Cmd[] = [];
    for (const k of ['zb', 'zl']) {
      const cmd: Cmd = ['ZADD', k];
      for (let i = 0; i < 250; i++) cmd.push(k === 'zl' ? '0' : score(), member());
      setup.push(cmd, ['OBJECT', 'ENCODING', k]);
    }
    const cmds: Cmd[] = [...setup];
    for (let i = 0; i < 400; i++) {
      const x = r();
      const lim = pick([[], ['LIMIT', String(Math.floor(r() * 20)), String(Math.floor(r() * 30) - 5)]]);
      if (x < 0.2) cmds.push(['ZADD', 'zb', ...pick([[], ['NX'], ['XX', 'CH'], ['GT', 'CH'], ['LT']]), score(), member(), score(), member()]);
      else if (x < 0.25) cmds.push(['ZADD', 'zl', '0', member()]);
      else if (x < 0.3) cmds.push(['ZREM', pick(['zb', 'zl']), member(), member()]);
      else if (x < 0.38) cmds.push(['ZRANGE', 'zb', idx(), idx(), ...pick([[], ['REV'], ['WITHSCORES'], ['REV', 'WITHSCORES']])]);
      else if (x < 0.46) cmds.push(['ZRANGE', 'zb', bound(), bound(), 'BYSCORE', ...pick([[], ['REV']]), ...lim, 'WITHSCORES']);
      else if (x < 0.54) cmds.push(['ZRANGE', 'zl', lex(), lex(), 'BYLEX', ...pick([[], ['REV']]), ...lim]);
      else if (x < 0.58) cmds.push(['ZLEXCOUNT', 'zl', lex(), lex()], ['ZCOUNT', 'zb', bound(), bound()]);
      else if (x < 0.64) cmds.push(['ZRANK', 'zb', member()], ['ZREVRANK', 'zl', member()], ['ZMSCORE', 'zb', member(), member()]);
      else if (x < 0.67) cmds.push(['ZREMRANGEBYLEX', 'zl', lex(), lex()]);
      else if (x < 0.7) cmds.push(['ZREMRANGEBYSCORE', 'zb', bound(), bound()]);
      else if (x < 0.72) cmds.push(['ZREMRANGEBYRANK', 'zb', idx(), idx()]);
      else if (x < 0.76) cmds.push(['ZRANGESTORE', 'dst', pick(['zb', 'zl']), idx(), idx()], ['ZRANGE', 'dst', '0', '-1', 'WITHSCORES'], ['OBJECT', 'ENCODING', 'dst']);
      else if (x < 0.8) cmds.push([pick(['ZUNIONSTORE', 'ZINTERSTORE', 'ZDIFFSTORE']), 'u', '2', 'zb', 'zl'], ['ZRANGE', 'u', '0', '20', 'WITHSCORES'], ['OBJECT', 'ENCODING', 'u']);
      else if (x < 0.84) cmds.push(['ZINTERCARD', '2', 'zb', 'zl', 'LIMIT', String(Math.floor(r() * 50))], ['ZINTER', '2', 'zb', 'zl', 'WEIGHTS', '2', '-1', 'WITHSCORES']);
      else if (x < 0.88) cmds.push(['ZMPOP', '2', 'nokey', pick(['zb', 'zl']), pick(['MIN', 'MAX']), 'COUNT', String(1 + Math.floor(r() * 3))]);
      else if (x < 0.92) cmds.push(['ZINCRBY', 'zb', score(), member()]);
      else cmds.push(['ZCARD', 'zb'], ['ZCARD', 'zl'], ['ZRANGE', 'zl', '0', '-1']);
    }
    cmds.push(['ZRANGE', 'zb', '0', '-1', 'WITHSCORES'], ['ZRANGE', 'zl', '0', '-1', 'WITHSCORES']);
    await d.run(cmds);
  });

  it('NUL bytes and odd numeric forms in ranges', async (t) => {
    await d.runInBothProtocols([
      ['ZADD', 'z', '0', 'a', '0', 'b', '0', 'c', '1', 'one', '0.25', 'q'],
      ['ZRANGEBYSCORE', 'z', '0\x00junk', '1'],
      ['ZRANGEBYSCORE', 'z', '(0\x00', '1\x00x'],
      ['ZRANGEBYSCORE', 'z', '0x1p-2', '0X1P0'],
      ['ZRANGEBYSCORE', 'z', '0x.4', '0x1'],
      ['ZRANGEBYSCORE', 'z', '0x', '1'],
      ['ZRANGEBYSCORE', 'z', '( 0', '\t1'],
      ['ZRANGEBYSCORE', 'z', '1e-320', '1'],
      ['ZRANGEBYSCORE', 'z', '.25', '1.'],
      ['ZRANGEBYSCORE', 'z', '-', '+'],
      ['ZRANGEBYSCORE', 'z', '+0', '-0'],
      ['ZRANGEBYSCORE', 'z', 'infinity', '-infinity'],
      ['ZRANGEBYSCORE', 'z', 'INFINITY', 'inf', 'WITHSCORES'],
      ['ZRANGEBYSCORE', 'z', '-nan', '1'],
      ['ZCOUNT', 'z', '0x0', '0x1p0'],
      ['ZRANGEBYLEX', 'z', '-\x00abc', '+\x00'],
      ['ZRANGEBYLEX', 'z', '[a\x00', '+'],
      ['ZRANGEBYLEX', 'z', '(', '[b'],
      ['ZADD', 'z', '0x10', 'hex'],
      ['ZADD', 'z', '1\x00', 'nul'],
      ['ZSCORE', 'z', 'hex'],
    ]);
  });

  it('keyspace hits and misses count reads, not writes', async (t) => {
    await d.run([['ZADD', 'z', '1', 'a', '2', 'b'], ['ZADD', 'one', '1', 'a'], ['CONFIG', 'RESETSTAT']]);
    await d.run([
      ['ZCARD', 'z'],
      ['ZCARD', 'nokey'],
      ['ZSCORE', 'z', 'a'],
      ['ZMSCORE', 'nokey', 'a'],
      ['ZRANK', 'z', 'a'],
      ['ZRANGE', 'z', '0', '-1'],
      ['ZRANGEBYSCORE', 'nokey', '0', '1'],
      ['ZCOUNT', 'z', '0', '1'],
      ['ZLEXCOUNT', 'nokey', '-', '+'],
      ['ZUNION', '2', 'z', 'nokey'],
      ['ZINTERCARD', '2', 'z', 'nokey'],
      ['ZRANGESTORE', 'dst', 'z', '0', '0'],
      ['ZUNIONSTORE', 'dst2', '2', 'z', 'nokey'],
      ['ZRANDMEMBER', 'one'],
      ['ZRANDMEMBER', 'nokey', '2'],
      ['ZSCAN', 'z', '0'],
      ['ZADD', 'z', '3', 'c'],
      ['ZADD', 'new', '3', 'c'],
      ['ZINCRBY', 'z', '1', 'a'],
      ['ZREM', 'z', 'c'],
      ['ZREM', 'nokey', 'c'],
      ['ZREMRANGEBYRANK', 'nokey', '0', '1'],
      ['ZPOPMIN', 'nokey'],
      ['ZPOPMAX', 'new'],
      ['ZMPOP', '2', 'nokey', 'z', 'MIN'],
      ['BZPOPMIN', 'nokey', 'z', '0'],
    ]);
    const [a, b] = await d.pair();
    const stats = async (cl: RawClient) => {
      const info = String(await cl.call('INFO', 'stats'));
      return ['keyspace_hits', 'keyspace_misses'].map((k) => new RegExp(`${k}:(\\d+)`).exec(info)?.[1]);
    };
    assert.deepEqual(await stats(a), await stats(b));
  });

  it('keyspace notifications', async (t) => {
    await d.run([['CONFIG', 'SET', 'notify-keyspace-events', 'KEAn']]);
    await d.run([['PSUBSCRIBE', '__key*__:*']], { conn: 1 });
    await d.run([
      ['ZADD', 'z', '1', 'a', '2', 'b', '3', 'c', '4', 'd', '5', 'e', '6', 'f'],
      ['ZADD', 'z', '1', 'a'],
      ['ZADD', 'z', 'NX', '9', 'a'],
      ['ZADD', 'z', 'XX', '1', 'nope'],
      ['ZADD', 'z', 'INCR', '1', 'a'],
      ['ZINCRBY', 'z', '1', 'a'],
      ['ZADD', 'z', 'INCR', 'NX', '1', 'a'],
      ['ZREM', 'z', 'nope'],
      ['ZREM', 'z', 'a'],
      ['ZREMRANGEBYSCORE', 'z', '100', '200'],
      ['ZREMRANGEBYSCORE', 'z', '2', '2'],
      ['ZREMRANGEBYRANK', 'z', '0', '0'],
      ['ZREMRANGEBYLEX', 'z', '[d', '[d'],
      ['ZPOPMIN', 'z'],
      ['ZPOPMAX', 'z', '0'],
      ['ZPOPMAX', 'z', '5'],
      ['ZADD', 'y', '1', 'a', '2', 'b'],
      ['ZRANGESTORE', 'dst', 'y', '0', '-1'],
      ['ZRANGESTORE', 'dst', 'y', '5', '6'],
      ['ZRANGESTORE', 'dst', 'y', '5', '6'],
      ['ZUNIONSTORE', 'dst', '1', 'y'],
      ['ZINTERSTORE', 'dst', '1', 'y'],
      ['ZDIFFSTORE', 'dst', '1', 'y'],
      ['ZDIFFSTORE', 'dst', '2', 'y', 'y'],
      ['ZMPOP', '1', 'y', 'MAX', 'COUNT', '5'],
      ['ZADD', 'y', '1', 'a'],
      ['ZREM', 'y', 'a'],
      ['ZADD', 'w', '1', 'a'],
      ['ZREMRANGEBYRANK', 'w', '0', '-1'],
      ['PUBLISH', '__keyevent@0__:end', 'x'],
    ]);
    await d.expectPushesUntil('__keyevent@0__:end');
    await d.run([['CONFIG', 'SET', 'notify-keyspace-events', '']]);
  });

  it('inside MULTI and with expired keys', async (t) => {
    await d.run([
      ['ZADD', 'z', '1', 'a', '2', 'b'],
      ['MULTI'],
      ['ZADD', 'z', '3', 'c'],
      ['ZRANGE', 'z', '0', '-1', 'WITHSCORES'],
      ['ZPOPMIN', 'z'],
      ['ZADD', 'z', 'x', 'y'],
      ['ZCARD', 'z'],
      ['EXEC'],
      ['ZADD', 'e', '1', 'a'],
      ['PEXPIRE', 'e', '1'],
    ]);
    await new Promise((res) => setTimeout(res, 20));
    await d.run([
      ['ZCARD', 'e'],
      ['ZADD', 'e', 'XX', '1', 'a'],
      ['EXISTS', 'e'],
      ['ZADD', 'e', '2', 'b'],
      ['TTL', 'e'],
    ]);
  });
});
