/**
 * HyperLogLog against redis-server 7.0: the values are compared as bytes
 * (GET after every change), so the sparse opcodes, the promotion to dense,
 * the cached cardinality and its invalid bit must all come out as Redis's.
 */
import { it } from 'node:test';
import { describeCompat, useDiffer, type Cmd } from '../helpers/differ.js';

/** Elements e<from>..e<to-1>. */
function elements(from: number, to: number, prefix = 'e'): string[] {
  const out: string[] = [];
  for (let i = from; i < to; i++) out.push(prefix + i);
  return out;
}

/** PFADD of e<from>..e<to-1> in batches, each followed by GET of the key. */
function adds(key: string, from: number, to: number, batch: number, prefix = 'e'): Cmd[] {
  const cmds: Cmd[] = [];
  for (let i = from; i < to; i += batch) {
    cmds.push(['PFADD', key, ...elements(i, Math.min(to, i + batch), prefix)]);
    cmds.push(['GET', key]);
  }
  return cmds;
}

const HDR_SPARSE = Buffer.from('HYLL\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00', 'latin1');
const HDR_SPARSE_INVALID = Buffer.from('HYLL\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x80', 'latin1');
const HDR_DENSE = Buffer.from('HYLL\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x80', 'latin1');

/** Every HLL command on `key` (and with a healthy `ok` key), then the value as it is left. */
function everyCommand(key: string): Cmd[] {
  return [
    ['PFCOUNT', key],
    ['PFCOUNT', key, 'ok'],
    ['PFCOUNT', 'ok', key],
    ['PFMERGE', 'dst', 'ok', key],
    ['EXISTS', 'dst'],
    ['PFMERGE', key, 'ok'],
    ['PFDEBUG', 'ENCODING', key],
    ['PFDEBUG', 'DECODE', key],
    ['PFDEBUG', 'TODENSE', key],
    ['PFADD', key, 'a'],
    ['PFADD', key, 'b', 'c', 'd', 'e', 'f', 'g', 'h'],
    ['GET', key],
    ['PFCOUNT', key],
    ['PFDEBUG', 'GETREG', key],
    ['GET', key],
    ['OBJECT', 'ENCODING', key],
  ];
}

describeCompat('HyperLogLog against redis-server', () => {
  const d = useDiffer();

  it('PFADD: the bytes of empty, small, sparse and dense HLLs; the reply says whether a register changed', async () => {
    await d.run([
      ['PFADD', 'empty'],
      ['PFADD', 'empty'],
      ['GET', 'empty'],
      ['OBJECT', 'ENCODING', 'empty'],
      ['PFADD', 'few', 'a', 'b', 'c'],
      ['PFADD', 'few', 'a', 'b', 'c'],
      ['PFADD', 'few', 'a', 'd'],
      ['GET', 'few'],
      ['PFDEBUG', 'DECODE', 'few'],
      ['PFADD', 'bin', Buffer.from([0, 1, 2, 255, 13, 10]), '', Buffer.from('élément'), 'x'.repeat(1000)],
      ['GET', 'bin'],
      ['STRLEN', 'bin'],
      ...adds('sparse', 0, 1000, 100),
      ['PFDEBUG', 'ENCODING', 'sparse'],
      ...adds('dense', 0, 20000, 2500),
      ['PFDEBUG', 'ENCODING', 'dense'],
      ['PFADD', 'dense', ...elements(0, 100)],
    ]);
  });

  it('a sparse HLL up to and past its promotion at hll-sparse-max-bytes (3000), one element at a time', async () => {
    const cmds: Cmd[] = [['PFADD', 'h', ...elements(0, 1400)]];
    for (let i = 1400; i < 1700; i++) {
      cmds.push(['PFADD', 'h', 'e' + i]);
      if (i % 5 === 0) cmds.push(['STRLEN', 'h'], ['GET', 'h']);
    }
    cmds.push(['PFDEBUG', 'ENCODING', 'h'], ['GET', 'h']);
    await d.run(cmds);
  });

  it('hll-sparse-max-bytes set with CONFIG SET: smaller, zero, larger, memory units', async () => {
    await d.run([
      ['CONFIG', 'GET', 'hll-sparse-max-bytes'],
      ['CONFIG', 'SET', 'hll-sparse-max-bytes', '100'],
      ...adds('small', 0, 60, 3),
      ['PFDEBUG', 'ENCODING', 'small'],
      ['CONFIG', 'SET', 'hll-sparse-max-bytes', '0'],
      ['PFADD', 'zero', 'a'],
      ['GET', 'zero'],
      ['PFADD', 'zero'],
      ['PFDEBUG', 'ENCODING', 'zero'],
      ['CONFIG', 'SET', 'hll-sparse-max-bytes', '1kb'],
      ['CONFIG', 'GET', 'hll-sparse-max-bytes'],
      ...adds('kb', 0, 700, 70),
      ['CONFIG', 'SET', 'hll-sparse-max-bytes', '20000'],
      ...adds('large', 0, 8000, 1000),
      ['PFDEBUG', 'ENCODING', 'large'],
      ['PFCOUNT', 'large'],
      ['CONFIG', 'SET', 'hll-sparse-max-bytes', '-1'],
      ['CONFIG', 'SET', 'hll-sparse-max-bytes', 'abc'],
      ['CONFIG', 'SET', 'hll-sparse-max-bytes', '3000'],
    ]);
  });

  it('PFCOUNT of one key: the cache written back and read; of several keys: their union, nothing stored', async () => {
    await d.run([
      ['PFCOUNT', 'none'],
      ['PFADD', 'a', ...elements(0, 300)],
      ['GET', 'a'],
      ['PFCOUNT', 'a'],
      ['GET', 'a'],
      ['PFCOUNT', 'a'],
      ['PFADD', 'a', 'e1'],
      ['GET', 'a'],
      ['PFADD', 'a', 'new'],
      ['GET', 'a'],
      ['PFCOUNT', 'a'],
      ['GET', 'a'],
      ['PFADD', 'b', ...elements(200, 6000)],
      ['PFADD', 'c', ...elements(5000, 5100)],
      ['PFCOUNT', 'a', 'b'],
      ['PFCOUNT', 'a', 'c', 'none'],
      ['PFCOUNT', 'none', 'none2'],
      ['PFCOUNT', 'b', 'b', 'a', 'c'],
      ['GET', 'b'],
      ['PFCOUNT', 'b'],
      ['GET', 'b'],
      // A value SET from Redis's bytes is an HLL; PFCOUNT makes it raw (dbUnshareStringValue).
      ['SET', 'copy', HDR_SPARSE_INVALID.toString('latin1') + '\x7f\xff'],
      ['OBJECT', 'ENCODING', 'copy'],
      ['PFCOUNT', 'copy'],
      ['OBJECT', 'ENCODING', 'copy'],
      ['GET', 'copy'],
    ]);
  });

  it('SET of bytes PFADD made, then PFCOUNT and PFADD on them', async () => {
    const [, r] = await d.pair(0);
    await r.raw('PFADD', 'src', ...elements(0, 4000, 'x'));
    await r.raw('PFADD', 'src2', ...elements(0, 40, 'x'));
    const dense = Buffer.from(String(await r.call('GET', 'src')), 'latin1');
    const sparse = Buffer.from(String(await r.call('GET', 'src2')), 'latin1');
    await d.run([
      ['SET', 'd', dense],
      ['SET', 's', sparse],
      ['PFCOUNT', 'd'],
      ['PFCOUNT', 's'],
      ['PFCOUNT', 'd', 's'],
      ['PFADD', 's', ...elements(40, 80, 'x')],
      ['GET', 's'],
      ['PFADD', 'd', 'x1', 'y1'],
      ['GET', 'd'],
    ]);
  });

  it('PFMERGE: destination missing or among the sources, sparse and dense sources, promotion on the way', async () => {
    await d.run([
      ['PFMERGE', 'nothing'],
      ['GET', 'nothing'],
      ['PFMERGE', 'nothing2', 'missing'],
      ['GET', 'nothing2'],
      ['PFADD', 's1', ...elements(0, 100)],
      ['PFADD', 's2', ...elements(50, 300)],
      ['PFADD', 'd1', ...elements(0, 5000)],
      ['PFADD', 's3', ...elements(300, 1200)],
      ['PFMERGE', 'm1', 's1', 's2'],
      ['GET', 'm1'],
      ['PFDEBUG', 'ENCODING', 'm1'],
      ['PFCOUNT', 'm1'],
      ['PFMERGE', 'm2', 's1', 'd1'],
      ['GET', 'm2'],
      ['PFMERGE', 's1', 's2'],
      ['GET', 's1'],
      ['PFMERGE', 's1', 'd1'],
      ['GET', 's1'],
      ['PFMERGE', 'm3', 's2', 's3'],
      ['GET', 'm3'],
      ['PFMERGE', 'm3', 's3', 's2', 'm1'],
      ['GET', 'm3'],
      ['PFMERGE', 'm4', 's2', 'missing', 's3'],
      ['PFDEBUG', 'ENCODING', 'm4'],
      ['GET', 'm4'],
      ['PFMERGE', 'd1', 's3'],
      ['GET', 'd1'],
      ['PFCOUNT', 'd1'],
      ['PFMERGE', 'm5', 'd1', 'd1'],
      ['GET', 'm5'],
      ['CONFIG', 'SET', 'hll-sparse-max-bytes', '200'],
      ['PFMERGE', 'm6', 's2'],
      ['GET', 'm6'],
      ['PFDEBUG', 'ENCODING', 'm6'],
      ['CONFIG', 'SET', 'hll-sparse-max-bytes', '3000'],
    ]);
  });

  it('PFDEBUG: GETREG, DECODE, ENCODING, TODENSE and their errors', async () => {
    await d.run([
      ['PFDEBUG', 'GETREG', 'missing'],
      ['PFDEBUG', 'NOSUCH', 'missing'],
      ['PFADD', 'h', ...elements(0, 20)],
      ['PFDEBUG', 'DECODE', 'h'],
      ['PFDEBUG', 'encoding', 'h'],
      ['PFDEBUG', 'NOSUCH', 'h'],
      ['PFDEBUG', 'GetReg\x00junk', 'h'],
      ['PFDEBUG', 'DECODE', 'h', 'extra'],
      ['PFDEBUG', 'DECODE'],
      ['PFDEBUG', 'GETREG', 'h'],
      ['PFDEBUG', 'ENCODING', 'h'],
      ['GET', 'h'],
      ['PFDEBUG', 'DECODE', 'h'],
      ['PFADD', 'h2', ...elements(0, 20)],
      ['PFDEBUG', 'TODENSE', 'h2'],
      ['PFDEBUG', 'TODENSE', 'h2'],
      ['GET', 'h2'],
      ['PFCOUNT', 'h2'],
      ['PFDEBUG', 'TODENSE', 'h2'],
      ['PFDEBUG', 'GETREG', 'h2'],
      ['LPUSH', 'list', 'x'],
      ['PFDEBUG', 'ENCODING', 'list'],
      ['SET', 'str', 'not an hll'],
      ['PFDEBUG', 'ENCODING', 'str'],
    ]);
  });

  it('wrong types and values that are not HLLs', async () => {
    await d.run([
      ['LPUSH', 'list', 'x'],
      ['PFADD', 'list', 'a'],
      ['PFCOUNT', 'list'],
      ['PFCOUNT', 'list', 'other'],
      ['PFMERGE', 'list', 'other'],
      ['PFMERGE', 'other', 'list'],
      ['EXISTS', 'other'],
      ['SET', 'str', 'hello'],
      ['PFADD', 'str', 'a'],
      ['PFCOUNT', 'str'],
      ['PFCOUNT', 'none', 'str'],
      ['PFMERGE', 'str'],
      ['SET', 'int', '12345678901234567'],
      ['PFADD', 'int', 'a'],
      ['SET', 'magic', Buffer.concat([Buffer.from('HYLX'), HDR_SPARSE.subarray(4), Buffer.from([0x7f, 0xff])])],
      ['SET', 'enc2', Buffer.concat([HDR_SPARSE.subarray(0, 4), Buffer.from([2]), HDR_SPARSE.subarray(5), Buffer.from([0x7f, 0xff])])],
      ['SET', 'enc255', Buffer.concat([HDR_SPARSE.subarray(0, 4), Buffer.from([255]), HDR_SPARSE.subarray(5)])],
      ['SET', 'short', HDR_SPARSE.subarray(0, 15)],
      ['SET', 'denseshort', Buffer.concat([HDR_DENSE, Buffer.alloc(12287)])],
      ['SET', 'denselong', Buffer.concat([HDR_DENSE, Buffer.alloc(12289)])],
      ['SET', 'densetiny', HDR_DENSE],
      ...['magic', 'enc2', 'enc255', 'short', 'denseshort', 'denselong', 'densetiny'].flatMap((k): Cmd[] => [
        ['PFADD', k, 'a'],
        ['PFCOUNT', k],
        ['PFCOUNT', k, 'none'],
        ['PFMERGE', 'dst', k],
        ['PFDEBUG', 'GETREG', k],
        ['GET', k],
        ['OBJECT', 'ENCODING', k],
      ]),
      ['EXISTS', 'dst'],
    ]);
  });

  it('corrupted sparse HLLs: which commands notice, and what the others leave behind', async () => {
    const cases: [string, Buffer][] = [
      ['noops', HDR_SPARSE_INVALID],
      ['noops-cached', HDR_SPARSE],
      ['under', Buffer.concat([HDR_SPARSE_INVALID, Buffer.from([0x7f, 0xfe])])],
      ['under-cached', Buffer.concat([HDR_SPARSE.subarray(0, 8), Buffer.from([9, 0, 0, 0, 0, 0, 0, 0]), Buffer.from([0x7f, 0xfe])])],
      ['over', Buffer.concat([HDR_SPARSE_INVALID, Buffer.from([0x7f, 0xff, 0x00])])],
      ['val-past-end', Buffer.concat([HDR_SPARSE_INVALID, Buffer.from([0x7f, 0xfc, 0xff])])],
      ['val-overflow', Buffer.concat([HDR_SPARSE_INVALID, Buffer.from([0xff, 0xff, 0x7f, 0xff])])],
      ['xzero-cut', Buffer.concat([HDR_SPARSE_INVALID, Buffer.from([0x80, 0x46, 0xda, 0x84, 0x54, 0x03, 0x80, 0x60])])],
      ['truncated', Buffer.concat([HDR_SPARSE_INVALID, Buffer.from([0x40, 0x10, 0x88, 0x7f])])],
      ['zeros-only', Buffer.concat([HDR_SPARSE_INVALID, Buffer.alloc(300)])],
    ];
    const cmds: Cmd[] = [['PFADD', 'ok', ...elements(0, 50)]];
    for (const [name, value] of cases) {
      cmds.push(['SET', name, value], ...everyCommand(name));
      // Updates of the same corrupted value, one element at a time.
      cmds.push(['SET', name, value]);
      for (let i = 0; i < 12; i++) cmds.push(['PFADD', name, 'x' + i], ['GET', name]);
    }
    await d.run(cmds);
  });

  it('PFADD that meets corruption midway: what was added stays, the error is the reply', async () => {
    await d.run([
      // Opcodes for the first 8000 registers only.
      ['SET', 'h', Buffer.concat([HDR_SPARSE, Buffer.from([0x5f, 0x3f])])],
      ['PFADD', 'h', ...elements(0, 40)],
      ['GET', 'h'],
      ['PFCOUNT', 'h'],
    ]);
  });

  it('RESP2 and RESP3', async () => {
    await d.runInBothProtocols([
      ['PFADD', 'h', 'a', 'b', 'c'],
      ['PFCOUNT', 'h'],
      ['PFCOUNT', 'h', 'missing'],
      ['PFMERGE', 'm', 'h'],
      ['PFDEBUG', 'ENCODING', 'm'],
      ['PFDEBUG', 'DECODE', 'm'],
      ['PFDEBUG', 'TODENSE', 'm'],
      ['PFDEBUG', 'GETREG', 'm'],
      ['PFDEBUG', 'NOSUCH', 'm'],
      ['SET', 's', 'x'],
      ['PFADD', 's', 'a'],
      ['SET', 'bad', HDR_SPARSE_INVALID],
      ['PFCOUNT', 'bad'],
      ['GET', 'm'],
    ]);
  });

  it('in MULTI/EXEC and scripts; PFCOUNT is refused by read-only scripts, as a command that may replicate', async () => {
    await d.run([
      ['PFADD', 'h', 'a', 'b'],
      ['MULTI'],
      ['PFADD', 'h', 'c'],
      ['PFCOUNT', 'h'],
      ['PFMERGE', 'm', 'h'],
      ['EXEC'],
      ['EVAL', "redis.call('PFADD', KEYS[1], 'z'); return redis.call('PFCOUNT', KEYS[1])", '1', 'h'],
      ['EVAL_RO', "return redis.call('PFCOUNT', KEYS[1])", '1', 'h'],
      ['EVAL', "#!lua flags=no-writes\nreturn redis.call('PFCOUNT', KEYS[1])", '1', 'h'],
      ['EVAL_RO', "return redis.call('PUBLISH', 'ch', 'msg')", '0'],
      ['GET', 'h'],
    ]);
  });
});
